//! A model server behind a small trait (docs/assistant.md#generative-answers): the answer
//! bot's only way to a language model. `OpenAiCompatible` speaks the chat-completions
//! contract that OpenAI, Ollama, llama.cpp's server and vLLM all serve
//! (`POST {base}/chat/completions` with `model` and `messages`; the answer in
//! `choices[0].message.content`). The base URL is the operator's (`--model-url`), so
//! private addresses are allowed; nothing else about the request comes from a visitor
//! but the text the prompt carries as data.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde_json::{json, Value};

/// The most of a model server's answer read (a stream spends about 150 bytes of
/// framing per token: 400 tokens fit several times over).
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// What the bot asks: the rules, and the passages with the conversation as data.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub system: String,
    pub user: String,
}

/// Why a model gave no answer.
#[derive(Debug)]
pub struct ModelError(pub String);

pub type ModelFuture<'a> = Pin<Box<dyn Future<Output = Result<String, ModelError>> + Send + 'a>>;

/// Called with the answer so far while the model writes it.
pub type OnText<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// A language model that completes a prompt.
pub trait AnswerModel: Send + Sync {
    fn complete<'a>(&'a self, prompt: &'a Prompt) -> ModelFuture<'a>;

    /// Like `complete`, calling `on_text` with the answer so far as it grows (a model
    /// that cannot stream calls it never, and answers at the end).
    fn complete_streaming<'a>(&'a self, prompt: &'a Prompt, on_text: OnText<'a>) -> ModelFuture<'a> {
        let _ = on_text;
        self.complete(prompt)
    }
}

/// A server speaking OpenAI's chat-completions contract.
pub struct OpenAiCompatible {
    http: reqwest::Client,
    url: String,
    model: String,
    key: Option<String>,
}

impl OpenAiCompatible {
    pub fn new(base: &str, model: &str, key: Option<&str>, timeout: Duration) -> OpenAiCompatible {
        let http = reqwest::Client::builder().timeout(timeout).redirect(reqwest::redirect::Policy::none()).build().expect("an HTTP client builds");
        OpenAiCompatible { http, url: format!("{}/chat/completions", base.trim_end_matches('/')), model: model.to_owned(), key: key.map(str::to_owned) }
    }

    /// Asks; with `on_text`, as a stream of server-sent events (`"stream": true`: lines
    /// `data: {chunk}` whose `choices[0].delta.content` add to the answer, then
    /// `data: [DONE]`). A server that answers a streamed request with one JSON body is
    /// read as such.
    async fn ask(&self, p: &Prompt, on_text: Option<OnText<'_>>) -> Result<String, ModelError> {
        let body = json!({
            "model": self.model,
            "messages": [{ "role": "system", "content": p.system }, { "role": "user", "content": p.user }],
            "temperature": 0.1,
            "max_tokens": 400,
            "stream": on_text.is_some(),
        });
        let mut req = self.http.post(&self.url).json(&body);
        if let Some(k) = &self.key {
            req = req.bearer_auth(k);
        }
        let mut res = req.send().await.map_err(|e| ModelError(format!("the model server did not answer: {e}")))?;
        let status = res.status();
        let events = res.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/event-stream"));
        let mut bytes = Vec::new();
        let mut stream = SseAnswer::default();
        while let Some(chunk) = res.chunk().await.map_err(|e| ModelError(format!("reading the model's answer: {e}")))? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_ANSWER_BYTES {
                return Err(ModelError("the model's answer is too long".into()));
            }
            if events && status.is_success() {
                if let Some(on_text) = on_text {
                    if stream.read(&bytes) {
                        on_text(&stream.text);
                    }
                }
            }
        }
        if !status.is_success() {
            return Err(ModelError(format!("the model server answered {status}")));
        }
        if events {
            stream.read(&bytes);
            return if stream.done || !stream.text.is_empty() { Ok(stream.text) } else { Err(ModelError("the model's stream held no answer".into())) };
        }
        let v: Value = serde_json::from_slice(&bytes).map_err(|_| ModelError("the model server's answer is not JSON".into()))?;
        v["choices"][0]["message"]["content"].as_str().map(str::to_owned).ok_or_else(|| ModelError("no choices[0].message.content in the answer".into()))
    }
}

/// A streamed answer read so far: the text of the complete `data:` lines.
#[derive(Default)]
struct SseAnswer {
    /// Bytes of the body already read (up to the last complete line).
    read: usize,
    text: String,
    done: bool,
}

impl SseAnswer {
    /// Reads the complete lines of `body` not read yet; whether the text grew.
    fn read(&mut self, body: &[u8]) -> bool {
        let mut grew = false;
        while let Some(end) = body[self.read..].iter().position(|b| *b == b'\n') {
            let line = String::from_utf8_lossy(&body[self.read..self.read + end]);
            self.read += end + 1;
            let Some(data) = line.trim_end_matches('\r').strip_prefix("data:") else { continue };
            let data = data.trim_start();
            if data == "[DONE]" {
                self.done = true;
                continue;
            }
            if let Ok(v) = serde_json::from_str::<Value>(data) {
                if let Some(piece) = v["choices"][0]["delta"]["content"].as_str().filter(|p| !p.is_empty()) {
                    self.text.push_str(piece);
                    grew = true;
                }
            }
        }
        grew
    }
}

impl AnswerModel for OpenAiCompatible {
    fn complete<'a>(&'a self, prompt: &'a Prompt) -> ModelFuture<'a> {
        Box::pin(self.ask(prompt, None))
    }

    fn complete_streaming<'a>(&'a self, prompt: &'a Prompt, on_text: OnText<'a>) -> ModelFuture<'a> {
        Box::pin(self.ask(prompt, Some(on_text)))
    }
}

#[cfg(test)]
mod tests {
    use super::SseAnswer;

    #[test]
    fn a_stream_is_read_line_by_line_across_chunks() {
        let body = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"Yes, we \"}}]}\n\n\
                    data: {\"choices\":[{\"delta\":{\"content\":\"ship [1].\"}}]}\r\n\r\n: a comment\n\ndata: [DONE]\n\n";
        let mut s = SseAnswer::default();
        let mut seen = Vec::new();
        for cut in (1..=body.len()).step_by(7).chain([body.len()]) {
            if s.read(&body.as_bytes()[..cut]) {
                seen.push(s.text.clone());
            }
        }
        assert_eq!(seen, ["Yes, we ", "Yes, we ship [1]."]);
        assert!(s.done);
    }
}
