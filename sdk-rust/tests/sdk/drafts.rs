//! The answer bot's drafts through the SDK: a visitor's `answer_drafts` stream sees the
//! answer grow while a model server writes it, then `done` after the bot's message.

use std::time::Duration;

use chinwag_sdk::{ConversationEvent, SenderKind, VisitorClient};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::*;

/// A chat-completions server written from OpenAI's API reference, as small as it gets:
/// every `POST .../chat/completions` is answered with server-sent
/// `chat.completion.chunk` events carrying `answer` a word at a time (40 ms apart),
/// then `data: [DONE]`, and the connection closes.
async fn model_server(answer: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                // The request: headers, then as many body bytes as Content-Length says.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for word in answer.split_inclusive(' ') {
                    tokio::time::sleep(Duration::from_millis(40)).await;
                    let event = json!({ "object": "chat.completion.chunk", "choices": [{ "index": 0, "delta": { "content": word } }] });
                    if socket.write_all(format!("data: {event}\n\n").as_bytes()).await.is_err() {
                        return;
                    }
                }
                let _ = socket.write_all(b"data: [DONE]\n\n").await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

/// A GraphQL request with the owner's token, for what the SDK has no method for.
async fn gql(server: &TestServer, token: &str, query: &str, variables: Value) -> Value {
    let r: Value = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(r.get("errors").is_none(), "{r}");
    r["data"].clone()
}

#[tokio::test]
async fn a_visitor_watches_the_bots_answer_grow_then_arrive() {
    let answer = "Yes! We ship parcels to every address in Norway with Posten and Bring [1].";
    let url = model_server(answer).await;
    let server = spawn_server_with(move |s| s.integrations.model_url = Some(url)).await;
    let (owner, _, site) = organization(&server).await;
    let token = owner.session().unwrap().access_token;
    let made = gql(
        &server,
        &token,
        "mutation($i: CreateArticleInput!) { createArticle(input: $i) { id } }",
        json!({ "i": { "websiteId": site.id, "language": "en", "title": "Shipping to Norway", "body": "We ship parcels to every address in Norway with Posten and Bring." } }),
    )
    .await;
    gql(&server, &token, "mutation($id: ID!) { publishArticle(id: $id) { id } }", json!({ "id": made["createArticle"]["id"] })).await;
    gql(&server, &token, "mutation($w: ID!) { updateAssistantSettings(websiteId: $w, input: {answerBot: true}) { answerBot } }", json!({ "w": site.id })).await;

    let visitor = VisitorClient::new(&server.url, &site.public_key);
    let conversation = visitor.start_conversation(Some("Hello")).await.unwrap();
    let mut drafts = visitor.answer_drafts(&conversation.id);
    let mut events = visitor.conversation_events(&conversation.id, None);
    tokio::time::sleep(Duration::from_millis(300)).await;
    visitor.send_message(&conversation.id, "Do you ship parcels to Norway?").await.unwrap();

    let mut seen = Vec::new();
    loop {
        let d = next(&mut drafts).await.unwrap();
        assert_eq!(d.conversation_id, conversation.id);
        assert_eq!(d.sender_name.as_deref(), Some("Assistant"), "the bot's default name");
        if d.done {
            assert_eq!(d.text, "");
            break;
        }
        seen.push(d.text);
    }
    assert!(seen.len() >= 3, "drafts while the model writes: {seen:?}");
    assert!(seen.windows(2).all(|w| w[1].len() > w[0].len()), "they grow: {seen:?}");
    // The answer itself, on the conversation's events: each draft is its start.
    let body = loop {
        if let ConversationEvent::Message(m) = next(&mut events).await.unwrap() {
            if m.sender_kind == SenderKind::Bot {
                break m.body;
            }
        }
    };
    assert!(seen.iter().all(|d| body.starts_with(d.trim_end())), "{seen:?} / {body}");
}
