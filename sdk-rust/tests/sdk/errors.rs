//! Typed errors: each failure surfaces as `Error::Server` with the server's code, or
//! `Error::Network` when nothing answered.

use chinwag_sdk::{AgentClient, Error, ErrorCode, SendOptions, VisitorClient, VisitorOptions};

use crate::helpers::*;

fn code(r: Result<impl std::fmt::Debug, Error>) -> ErrorCode {
    r.expect_err("an error").code().cloned().expect("a server error")
}

#[tokio::test]
async fn server_errors_carry_their_code() {
    let server = spawn_server().await;
    let (owner, _, site) = organization(&server).await;
    let visitor = VisitorClient::new(&server.url, &site.public_key);
    let conversation = visitor.start_conversation(Some("hi")).await.unwrap();

    assert_eq!(code(owner.conversation("cnv_00000000000000000000000000").await), ErrorCode::NotFound);
    assert_eq!(code(visitor.send_message(&conversation.id, "   ").await), ErrorCode::BadUserInput);
    let note = SendOptions { is_private: true, ..Default::default() };
    assert_eq!(code(visitor.send_message_with(&conversation.id, "secret", note).await), ErrorCode::Forbidden);
    assert_eq!(code(AgentClient::new(&server.url).log_in("nobody@example.com", "wrong password").await), ErrorCode::Unauthenticated);

    let Err(Error::Server { status, message, .. }) = AgentClient::with_api_key(&server.url, "ck_not_a_key").me().await else {
        panic!("a bad API key is refused")
    };
    assert_eq!(status, Some(401));
    assert!(!message.is_empty());

    // Not signed in at all: refused before any request.
    assert_eq!(code(AgentClient::new(&server.url).me().await), ErrorCode::Unauthenticated);

    // Five open conversations per visitor.
    for _ in 0..4 {
        visitor.start_conversation(Some("again")).await.unwrap();
    }
    assert_eq!(code(visitor.start_conversation(Some("one too many")).await), ErrorCode::PlanLimit);
}

#[tokio::test]
async fn a_stream_with_an_after_from_another_conversation_ends_with_not_found() {
    let server = spawn_server().await;
    let (owner, _, site) = organization(&server).await;
    let visitor = VisitorClient::new(&server.url, &site.public_key);
    let a = visitor.start_conversation(Some("a")).await.unwrap();
    let b = visitor.start_conversation(Some("b")).await.unwrap();
    let from_b = owner.messages(&b.id, 1, None).await.unwrap().messages.remove(0);
    let mut events = visitor.conversation_events(&a.id, Some(&from_b.id));
    let err = next(&mut events).await.expect_err("the subscription fails");
    assert_eq!(err.code(), Some(&ErrorCode::NotFound));
    assert!(tokio::time::timeout(WAIT, futures_util::StreamExt::next(&mut events)).await.unwrap().is_none(), "then the stream ends");
}

#[tokio::test]
async fn rate_limited_sends_are_retried_after_the_servers_delay_with_the_same_key() {
    let server = spawn_server_with(|s| {
        s.limits.rate_limits = "on".into();
        s.limits.send_burst = 2;
        s.limits.send_per_second = 2;
    })
    .await;
    let (owner, _, site) = organization(&server).await;
    let visitor = VisitorClient::new(&server.url, &site.public_key);
    let conversation = visitor.start_conversation(None).await.unwrap();
    for i in 0..5 {
        visitor.send_message(&conversation.id, &format!("m{i}")).await.expect("retried until it lands");
    }
    assert_eq!(owner.messages(&conversation.id, 50, None).await.unwrap().messages.len(), 5, "each stored once");

    // With retries off, the caller sees the code and the delay.
    let impatient = VisitorClient::with_options(VisitorOptions {
        send_attempts: 1,
        resume_token: visitor.session().map(|s| s.resume_token),
        ..VisitorOptions::new(&server.url, &site.public_key)
    });
    let mut limited = None;
    for i in 0..5 {
        if let Err(e) = impatient.send_message(&conversation.id, &format!("x{i}")).await {
            limited = Some(e);
            break;
        }
    }
    let e = limited.expect("the burst runs out");
    assert_eq!(e.code(), Some(&ErrorCode::RateLimited));
    assert!(e.retry_after().is_some(), "{e:?}");
}

#[tokio::test]
async fn no_server_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let agent = AgentClient::new(&url);
    let err = agent.log_in("a@example.com", "whatever password").await.unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_revoked_api_key_fails_its_calls_and_ends_its_streams_with_unauthenticated() {
    let server = spawn_server().await;
    let (owner, _, _) = organization(&server).await;
    let key = owner.create_api_key("short-lived").await.unwrap();
    let bot = AgentClient::with_api_key(&server.url, &key.secret);
    bot.canned_responses().await.unwrap();
    let mut inbox = bot.inbox_events();
    let mut state = bot.watch_connection_state();
    tokio::time::timeout(WAIT, state.wait_for(|s| *s == chinwag_sdk::ConnectionState::Online)).await.unwrap().unwrap();

    owner.revoke_api_key(&key.id).await.unwrap();
    assert_eq!(code(bot.canned_responses().await), ErrorCode::Unauthenticated);
    let err = next(&mut inbox).await.expect_err("the stream ends");
    assert_eq!(err.code(), Some(&ErrorCode::Unauthenticated));
    assert!(tokio::time::timeout(WAIT, futures_util::StreamExt::next(&mut inbox)).await.unwrap().is_none());
}
