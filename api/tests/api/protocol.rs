//! graphql-transport-ws, close code by close code.

use std::time::Duration;

use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use crate::helpers::*;

async fn agent_app() -> (TestApp, Agent) {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    (app, owner)
}

#[tokio::test]
async fn ping_gets_pong_and_a_query_runs_over_the_socket() {
    let (app, owner) = agent_app().await;
    let mut ws = app.ws(&owner.token).await;
    ws.send(json!({ "type": "ping", "payload": { "n": 1 } })).await;
    let pong = ws.next().await.unwrap();
    assert_eq!(pong, json!({ "type": "pong", "payload": { "n": 1 } }));
    ws.subscribe("q", "{ me { id } }", json!({})).await;
    assert_eq!(ws.next_data("q").await["me"]["id"], owner.id);
    assert_eq!(ws.next().await.unwrap(), json!({ "type": "complete", "id": "q" }));
}

#[tokio::test]
async fn an_operation_id_is_free_again_once_its_operation_completed() {
    let (app, owner) = agent_app().await;
    let mut ws = app.ws(&owner.token).await;
    for _ in 0..3 {
        // Sent as soon as the last `complete` arrives: the id was released before it was written.
        ws.subscribe("q", "{ me { id } }", json!({})).await;
        assert_eq!(ws.next_data("q").await["me"]["id"], owner.id);
        assert_eq!(ws.next().await.unwrap(), json!({ "type": "complete", "id": "q" }));
    }
    // Two at once on one socket, each answered under its own id.
    ws.subscribe("a", "{ me { name } }", json!({})).await;
    ws.subscribe("b", "{ me { id } }", json!({})).await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        let m = ws.next().await.unwrap();
        seen.push((m["id"].as_str().unwrap().to_owned(), m["type"].as_str().unwrap().to_owned()));
    }
    seen.sort();
    assert_eq!(seen, [("a".into(), "complete".into()), ("a".into(), "next".into()), ("b".into(), "complete".into()), ("b".into(), "next".into())]);
}

#[tokio::test]
async fn invalid_messages_close_with_4400() {
    let (app, owner) = agent_app().await;
    let mut ws = app.ws(&owner.token).await;
    ws.send_text("this is not json").await;
    assert_eq!(ws.closed().await, 4400);
    let mut ws = app.ws(&owner.token).await;
    ws.send(json!({ "type": "subscribe", "payload": { "query": "{ me { id } }" } })).await; // no id
    assert_eq!(ws.closed().await, 4400);
    let mut ws = app.ws(&owner.token).await;
    ws.send(json!({ "type": "whatever" })).await;
    assert_eq!(ws.closed().await, 4400);
}

#[tokio::test]
async fn subscribe_before_ack_closes_with_4401() {
    let (app, _) = agent_app().await;
    let mut ws = app.ws_raw().await;
    ws.subscribe("1", "{ __typename }", json!({})).await;
    assert_eq!(ws.closed().await, 4401);
}

#[tokio::test]
async fn a_missing_or_bad_token_at_init_closes_with_4403() {
    let (app, _) = agent_app().await;
    let mut ws = app.ws_raw().await;
    ws.send(json!({ "type": "connection_init" })).await;
    assert_eq!(ws.closed().await, 4403);
    let mut ws = app.ws_raw().await;
    ws.send(json!({ "type": "connection_init", "payload": { "authorization": "Bearer not-a-token" } })).await;
    assert_eq!(ws.closed().await, 4403);
}

#[tokio::test]
async fn no_init_within_three_seconds_closes_with_4408() {
    let (app, _) = agent_app().await;
    let mut ws = app.ws_raw().await;
    let started = std::time::Instant::now();
    assert_eq!(ws.closed().await, 4408);
    assert!(started.elapsed() >= Duration::from_millis(2900));
}

/// A `connection_init` sent in time but still in the socket when the busy server gets to
/// it (its runtime blocked past the timeout) is taken, not closed with 4408.
#[tokio::test]
async fn an_init_that_waited_in_a_busy_servers_backlog_is_still_taken() {
    let app = spawn_app_with(|s| s.limits.ws_init_timeout_ms = 300).await;
    let owner = app.sign_up("Ann").await;
    let mut sockets = Vec::new();
    for _ in 0..8 {
        sockets.push(app.ws_raw().await);
    }
    // The clients run on threads of their own; this runtime (the server's) is blocked
    // from before they send until well past the timeout.
    let token = owner.token.clone();
    let clients = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            for ws in &mut sockets {
                ws.send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } })).await;
            }
            sockets
        })
    });
    std::thread::sleep(Duration::from_millis(800));
    let mut sockets = clients.join().unwrap();
    for ws in &mut sockets {
        let ack = ws.next().await;
        assert_eq!(ack.as_ref().map(|a| a["type"].clone()), Some(json!("connection_ack")), "{ack:?}");
    }
}

#[tokio::test]
async fn a_duplicate_operation_id_closes_with_4409() {
    let (app, owner) = agent_app().await;
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe("dup", "subscription { inboxEvents { __typename } }", json!({})).await;
    ws.subscribe("dup", "subscription { inboxEvents { __typename } }", json!({})).await;
    assert_eq!(ws.closed().await, 4409);
}

#[tokio::test]
async fn a_second_init_closes_with_4429() {
    let (app, owner) = agent_app().await;
    let mut ws = app.ws(&owner.token).await;
    ws.send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {}", owner.token) } })).await;
    assert_eq!(ws.closed().await, 4429);
}

#[tokio::test]
async fn a_socket_without_the_subprotocol_is_refused_with_4406() {
    let (app, _) = agent_app().await;
    let req = app.ws_url.as_str().into_client_request().unwrap();
    let (inner, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let mut ws = Ws { inner };
    assert_eq!(ws.closed().await, 4406);
}

#[tokio::test]
async fn operation_101_gets_an_error_and_the_socket_stays_open() {
    let (app, owner) = agent_app().await;
    let mut ws = app.ws(&owner.token).await;
    for i in 0..100 {
        ws.subscribe(&format!("s{i}"), "subscription { inboxEvents { __typename } }", json!({})).await;
    }
    ws.subscribe("one-too-many", "subscription { inboxEvents { __typename } }", json!({})).await;
    let m = ws.next().await.unwrap();
    assert_eq!(m["type"], "error");
    assert_eq!(m["id"], "one-too-many");
    // Still open: completing one frees a slot.
    ws.send(json!({ "type": "complete", "id": "s0" })).await;
    ws.send(json!({ "type": "ping" })).await;
    assert_eq!(ws.next().await.unwrap()["type"], "pong");
    ws.subscribe("q", "{ me { id } }", json!({})).await;
    assert_eq!(ws.next_data("q").await["me"]["id"], owner.id);
}

#[tokio::test]
async fn an_invalid_document_gets_an_error_message_for_its_id() {
    let (app, owner) = agent_app().await;
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe("bad", "subscription { nope }", json!({})).await;
    let m = ws.next().await.unwrap();
    assert_eq!(m["type"], "error");
    assert_eq!(m["payload"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    ws.subscribe("bad2", "subscription {", json!({})).await;
    let m = ws.next().await.unwrap();
    assert_eq!(m["payload"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED");
}

#[tokio::test]
async fn an_expiring_token_closes_the_socket_with_4403() {
    let app = spawn_app_with(|s| s.access_token_ttl = 2).await;
    let owner = app.sign_up("Ann").await;
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe("i", "subscription { inboxEvents { __typename } }", json!({})).await;
    assert_eq!(ws.closed().await, 4403);
}
