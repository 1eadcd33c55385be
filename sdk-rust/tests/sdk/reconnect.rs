//! Reconnects: a dropped socket, a token that expires on an open socket, a server
//! restart. Each time the stream resumes after the last message it delivered, with
//! nothing lost and nothing doubled.

use std::time::Duration;

use chinwag_sdk::{ConnectionState, ConversationEvent, VisitorClient};

use crate::helpers::*;

/// The next message, expecting a `Reconnected` first.
async fn reconnected<C: std::fmt::Debug>(events: &mut chinwag_sdk::ConversationEvents<C>) {
    loop {
        match next(events).await.expect("no stream error") {
            ConversationEvent::Reconnected => return,
            ConversationEvent::Message(m) => panic!("a message before the reconnect: {m:?}"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_dropped_socket_resumes_with_nothing_lost_or_doubled() {
    let server = spawn_server().await;
    let (owner, _, site) = organization(&server).await;
    let proxy = Proxy::start(server.addr).await;
    // The visitor reaches the server only through the proxy; the agent directly.
    let visitor = VisitorClient::new(&proxy.url, &site.public_key);
    let conversation = visitor.start_conversation(Some("m0")).await.unwrap();
    let m0 = visitor.messages(&conversation.id, 1, None).await.unwrap().messages.remove(0);
    let mut events = visitor.conversation_events(&conversation.id, Some(&m0.id));
    for i in 1..=3 {
        owner.send_message(&conversation.id, &format!("m{i}")).await.unwrap();
    }
    let seen: Vec<_> = messages(&mut events, 3).await.into_iter().map(|m| m.body).collect();
    assert_eq!(seen, ["m1", "m2", "m3"]);
    assert_eq!(visitor.connection_state(), ConnectionState::Online);

    // The network drops and stays down while five messages are sent.
    proxy.refuse(true);
    proxy.cut();
    let mut state = visitor.watch_connection_state();
    tokio::time::timeout(WAIT, state.wait_for(|s| *s != ConnectionState::Online)).await.unwrap().unwrap();
    for i in 4..=8 {
        owner.send_message(&conversation.id, &format!("m{i}")).await.unwrap();
    }
    proxy.refuse(false);

    reconnected(&mut events).await;
    let replayed: Vec<_> = messages(&mut events, 5).await.into_iter().map(|m| m.body).collect();
    assert_eq!(replayed, ["m4", "m5", "m6", "m7", "m8"]);
    // Then it is live, without a duplicate of anything delivered.
    owner.send_message(&conversation.id, "m9").await.unwrap();
    assert_eq!(messages(&mut events, 1).await[0].body, "m9");
    no_message_for(&mut events, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn messages_in_flight_during_repeated_drops_arrive_once_each_in_order() {
    let server = spawn_server().await;
    let (owner, _, site) = organization(&server).await;
    let proxy = Proxy::start(server.addr).await;
    let visitor = VisitorClient::new(&proxy.url, &site.public_key);
    let conversation = visitor.start_conversation(Some("start")).await.unwrap();
    let start = visitor.messages(&conversation.id, 1, None).await.unwrap().messages.remove(0);
    let mut events = visitor.conversation_events(&conversation.id, Some(&start.id));

    // A sender keeps going while the socket is cut three times under it.
    let sender = {
        let (owner, id) = (owner.clone(), conversation.id.clone());
        tokio::spawn(async move {
            for i in 1..=30 {
                owner.send_message(&id, &format!("n{i}")).await.unwrap();
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let mut got = Vec::new();
    let mut cuts = 0;
    while got.len() < 30 {
        if let ConversationEvent::Message(m) = next(&mut events).await.unwrap() {
            got.push(m.seq);
            if got.len() % 8 == 0 && cuts < 3 {
                cuts += 1;
                proxy.cut();
            }
        }
    }
    sender.await.unwrap();
    assert_eq!(cuts, 3);
    assert_eq!(got, (2..=31).collect::<Vec<i64>>(), "every message once, in seq order");
    no_message_for(&mut events, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn an_agent_socket_closed_with_4403_on_expiry_refreshes_and_resumes() {
    // Access tokens live 2 s: the server closes the socket with 4403 when it expires.
    let server = spawn_server_with(|s| s.access_token_ttl = 2).await;
    let (owner, _, site) = organization(&server).await;
    let before = owner.session().unwrap();
    let visitor = VisitorClient::new(&server.url, &site.public_key);
    let conversation = visitor.start_conversation(Some("hello")).await.unwrap();
    let hello = visitor.messages(&conversation.id, 1, None).await.unwrap().messages.remove(0);
    let mut events = owner.conversation_events(&conversation.id, Some(&hello.id));
    visitor.send_message(&conversation.id, "before expiry").await.unwrap();
    assert_eq!(messages(&mut events, 1).await[0].body, "before expiry");

    // The socket closes at expiry; meanwhile the visitor writes.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    visitor.send_message(&conversation.id, "after expiry").await.unwrap();
    reconnected(&mut events).await;
    // The refreshed token lives 2 s too: on a busy machine it may expire (and the
    // socket reconnect again) before the message arrives, which is no loss.
    let after_expiry = loop {
        match next(&mut events).await.expect("no stream error") {
            ConversationEvent::Message(m) => break m,
            _ => continue,
        }
    };
    assert_eq!(after_expiry.body, "after expiry");
    let after = owner.session().unwrap();
    assert_ne!(before.refresh_token, after.refresh_token, "the session was refreshed");
    // HTTP calls go on with the refreshed session too.
    owner.me().await.unwrap();
}

#[tokio::test]
async fn a_server_restart_is_survived_with_nothing_lost_or_doubled() {
    let mut server = spawn_server().await;
    let (owner, _, site) = organization(&server).await;
    let visitor = VisitorClient::new(&server.url, &site.public_key);
    let conversation = visitor.start_conversation(Some("before")).await.unwrap();
    let held = visitor.messages(&conversation.id, 1, None).await.unwrap().messages.remove(0);
    let mut events = visitor.conversation_events(&conversation.id, Some(&held.id));
    owner.send_message(&conversation.id, "one").await.unwrap();
    assert_eq!(messages(&mut events, 1).await[0].body, "one");

    server.restart().await;
    // Sent while the client is still backing off, or after it is back: either way, once.
    owner.send_message(&conversation.id, "two").await.unwrap();
    owner.send_message(&conversation.id, "three").await.unwrap();
    reconnected(&mut events).await;
    let got: Vec<_> = messages(&mut events, 2).await.into_iter().map(|m| m.body).collect();
    assert_eq!(got, ["two", "three"]);
    no_message_for(&mut events, Duration::from_millis(300)).await;
}
