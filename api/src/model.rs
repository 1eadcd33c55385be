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

/// The most of a model server's answer read.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

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

/// A language model that completes a prompt.
pub trait AnswerModel: Send + Sync {
    fn complete<'a>(&'a self, prompt: &'a Prompt) -> ModelFuture<'a>;
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

    async fn ask(&self, p: &Prompt) -> Result<String, ModelError> {
        let body = json!({
            "model": self.model,
            "messages": [{ "role": "system", "content": p.system }, { "role": "user", "content": p.user }],
            "temperature": 0.1,
            "max_tokens": 400,
            "stream": false,
        });
        let mut req = self.http.post(&self.url).json(&body);
        if let Some(k) = &self.key {
            req = req.bearer_auth(k);
        }
        let mut res = req.send().await.map_err(|e| ModelError(format!("the model server did not answer: {e}")))?;
        let status = res.status();
        let mut bytes = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| ModelError(format!("reading the model's answer: {e}")))? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_ANSWER_BYTES {
                return Err(ModelError("the model's answer is too long".into()));
            }
        }
        if !status.is_success() {
            return Err(ModelError(format!("the model server answered {status}")));
        }
        let v: Value = serde_json::from_slice(&bytes).map_err(|_| ModelError("the model server's answer is not JSON".into()))?;
        v["choices"][0]["message"]["content"].as_str().map(str::to_owned).ok_or_else(|| ModelError("no choices[0].message.content in the answer".into()))
    }
}

impl AnswerModel for OpenAiCompatible {
    fn complete<'a>(&'a self, prompt: &'a Prompt) -> ModelFuture<'a> {
        Box::pin(self.ask(prompt))
    }
}
