use std::collections::HashSet;

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_resend_with_the_same_client_message_id_returns_the_original() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, None).await;
    let first = app.send_raw(&v.token, &conv, "hello", Some("k-1"), false).await;
    let again = app.send_raw(&v.token, &conv, "a different body", Some("k-1"), false).await;
    assert_eq!(first["data"]["sendMessage"]["id"], again["data"]["sendMessage"]["id"]);
    assert_eq!(again["data"]["sendMessage"]["body"], "hello");
    assert_eq!(again["data"]["sendMessage"]["clientMessageId"], "k-1");
    // Another sender reusing the key gets its own message, never the visitor's.
    let agent_msg = app.send_raw(&owner.token, &conv, "agent text", Some("k-1"), false).await;
    assert_ne!(agent_msg["data"]["sendMessage"]["id"], first["data"]["sendMessage"]["id"]);
    assert_eq!(agent_msg["data"]["sendMessage"]["body"], "agent text");
    assert_eq!(app.messages(&owner.token, &conv).await.len(), 2);
}

#[tokio::test]
async fn twenty_concurrent_resends_store_one_message() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, None).await;
    let sends = (0..20).map(|i| {
        let (app, v, conv) = (&app, &v, &conv);
        async move { app.send_raw(&v.token, conv, &format!("try {i}"), Some("same-key"), false).await }
    });
    let results = futures_util::future::join_all(sends).await;
    let ids: HashSet<String> = results.iter().map(|r| r["data"]["sendMessage"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()).collect();
    assert_eq!(ids.len(), 1, "every resend returns the same message");
    let stored = app.messages(&owner.token, &conv).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["seq"], 1, "no seq was burnt by a duplicate");
}

#[tokio::test]
async fn a_client_that_drops_its_socket_catches_up_with_nothing_lost_or_doubled() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("m0")).await;
    let mut ws = app.ws(&v.token).await;
    ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    app.wait_live_streams(1).await;
    for i in 1..=3 {
        app.send(&owner.token, &conv, &format!("m{i}")).await;
    }
    let seen = collect_messages(&mut ws, "c", 3).await;
    let last_id = seen[2]["id"].as_str().unwrap().to_owned();
    drop(ws); // the network drops

    for i in 4..=8 {
        app.send(&owner.token, &conv, &format!("m{i}")).await;
    }
    let mut ws = app.ws(&v.token).await;
    ws.subscribe("c2", CONVERSATION_EVENTS, json!({ "c": conv, "after": last_id })).await;
    let replayed = collect_messages(&mut ws, "c2", 5).await;
    let bodies: Vec<_> = replayed.iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["m4", "m5", "m6", "m7", "m8"]);
    // Then it is live, with no duplicate of the replayed ones.
    app.send(&owner.token, &conv, "m9").await;
    let live = collect_messages(&mut ws, "c2", 1).await;
    assert_eq!(live[0]["body"], "m9");
    assert!(ws.quiet_for(std::time::Duration::from_millis(300)).await.is_ok());
}

#[tokio::test]
async fn fifty_concurrent_senders_are_delivered_once_each_in_seq_order() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, None).await;
    let key = app.ok(Some(&owner.token), "mutation { createApiKey(name: \"bot\") { secret } }", json!({})).await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = app.add_agent(&owner, "Bo", "AGENT").await;
    let tokens = [owner.token.clone(), second.token.clone(), key, v.token.clone()];

    let mut agent_ws = app.ws(&owner.token).await;
    agent_ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    let mut visitor_ws = app.ws(&v.token).await;
    visitor_ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    app.wait_live_streams(2).await;

    const SENDERS: usize = 50;
    const EACH: usize = 4;
    let tasks = (0..SENDERS).map(|s| {
        let token = tokens[s % tokens.len()].clone();
        let (app, conv) = (&app, &conv);
        async move {
            for i in 0..EACH {
                let r = app.send_raw(&token, conv, &format!("s{s}-{i}"), Some(&format!("s{s}-{i}")), false).await;
                assert!(r.get("errors").is_none(), "{r}");
            }
        }
    });
    futures_util::future::join_all(tasks).await;
    for ws in [&mut agent_ws, &mut visitor_ws] {
        let got = collect_messages(ws, "c", SENDERS * EACH).await;
        let seqs: Vec<i64> = got.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
        let expected: Vec<i64> = (1..=(SENDERS * EACH) as i64).collect();
        assert_eq!(seqs, expected, "every message once, in seq order");
        assert!(ws.quiet_for(std::time::Duration::from_millis(200)).await.is_ok(), "no duplicates");
    }
}

#[tokio::test]
async fn private_notes_never_reach_the_visitor_live_or_replayed() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("hi")).await;
    let first_id = app.messages(&v.token, &conv).await[0]["id"].as_str().unwrap().to_owned();
    let mut vws = app.ws(&v.token).await;
    vws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    let mut aws = app.ws(&owner.token).await;
    aws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    app.wait_live_streams(2).await;

    app.ok(Some(&owner.token), "mutation($c: ID!) { setTyping(conversationId: $c, isTyping: true, isPrivate: true) }", json!({ "c": conv })).await;
    let note = app.send_raw(&owner.token, &conv, "VIP customer, be nice", None, true).await;
    let note_id = note["data"]["sendMessage"]["id"].as_str().unwrap().to_owned();
    assert_eq!(note["data"]["sendMessage"]["isPrivate"], true);
    app.ok(Some(&owner.token), "mutation($c: ID!, $m: ID!) { markRead(conversationId: $c, messageId: $m) }", json!({ "c": conv, "m": note_id })).await;
    let public = app.send(&owner.token, &conv, "Hello!").await;

    // The agent sees typing, the note, the receipt and the reply; the visitor only the reply.
    let agent_got = collect_messages(&mut aws, "c", 2).await;
    assert_eq!(agent_got[0]["body"], "VIP customer, be nice");
    let first = vws.next_data("c").await;
    assert_eq!(first["conversationEvents"]["message"]["id"], public["id"], "the visitor's first event is the public reply: {first}");
    // Only the (public) first-response update may follow; no typing, note or receipt.
    while let Some(Next::Msg(m)) = vws.next_within(std::time::Duration::from_millis(300)).await {
        assert_eq!(m["payload"]["data"]["conversationEvents"]["__typename"], "ConversationUpdated", "{m}");
    }

    // Replayed, listed, previewed: never the note.
    let mut vws2 = app.ws(&v.token).await;
    vws2.subscribe("r", CONVERSATION_EVENTS, json!({ "c": conv, "after": first_id })).await;
    let replay = collect_messages(&mut vws2, "r", 1).await;
    assert_eq!(replay[0]["id"], public["id"]);
    let listed = app.messages(&v.token, &conv).await;
    assert!(listed.iter().all(|m| m["isPrivate"] == false), "{listed:?}");
    assert_eq!(listed.len(), 2);
    let after_note = app.gql(Some(&v.token), CONVERSATION_EVENTS, json!({})).await; // subscriptions refuse HTTP
    assert!(after_note.get("errors").is_some());
    let c = app.ok(Some(&v.token), "query($c: ID!) { conversation(id: $c) { lastMessagePreview readReceipts { messageId } } }", json!({ "c": conv })).await;
    assert_eq!(c["conversation"]["lastMessagePreview"], "Hello!");
    assert!(c["conversation"]["readReceipts"].as_array().unwrap().iter().all(|r| r["messageId"] != note_id.as_str()));
    // A visitor cannot resume after a note id, nor ask for notes.
    let mut vws3 = app.ws(&v.token).await;
    vws3.subscribe("n", CONVERSATION_EVENTS, json!({ "c": conv, "after": note_id })).await;
    let m = vws3.next().await.unwrap();
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{m}");
    let r = app.send_raw(&v.token, &conv, "sneaky", None, true).await;
    assert_eq!(code_of(&r), "FORBIDDEN");
}

#[tokio::test]
async fn after_seq_zero_replays_the_whole_conversation() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, None).await;
    for i in 1..=3 {
        app.send(&owner.token, &conv, &format!("m{i}")).await;
    }
    let mut ws = app.ws(&v.token).await;
    let q = "subscription($c: ID!, $s: Int) { conversationEvents(conversationId: $c, afterSeq: $s) { ... on MessageAdded { message { id seq body isPrivate senderKind } } } }";
    ws.subscribe("c", q, json!({ "c": conv, "s": 0 })).await;
    let mut bodies = Vec::new();
    for _ in 0..3 {
        bodies.push(ws.next_data("c").await["conversationEvents"]["message"]["body"].as_str().unwrap().to_owned());
    }
    assert_eq!(bodies, ["m1", "m2", "m3"]);
    ws.subscribe("bad", "subscription($c: ID!) { conversationEvents(conversationId: $c, afterSeq: -1) { __typename } }", json!({ "c": conv })).await;
    let m = ws.next().await.unwrap();
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{m}");
}

#[tokio::test]
async fn live_subscribers_of_one_audience_share_one_execution() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bo = app.add_agent(&owner, "Bo", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("hi")).await;
    let first_id = app.messages(&v.token, &conv).await[0]["id"].as_str().unwrap().to_owned();
    let mut socks = Vec::new();
    for token in [&owner.token, &bo.token, &owner.token, &v.token] {
        let mut ws = app.ws(token).await;
        ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
        socks.push(ws);
    }
    // A replay runs on its own.
    let mut replay = app.ws(&owner.token).await;
    replay.subscribe("r", CONVERSATION_EVENTS, json!({ "c": conv, "after": first_id })).await;
    // The organization's shared stream, the visitor's, and the replay.
    app.wait_live_streams(3).await;
    let base = app.url.trim_end_matches("/graphql");
    let metrics = app.http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("\nchinwag_shared_streams 2\n"), "one for the organization's agents, one for the visitor:\n{metrics}");
    let m = app.send(&owner.token, &conv, "to everyone").await;
    for ws in socks.iter_mut() {
        assert_eq!(collect_messages(ws, "c", 1).await[0]["id"], m["id"]);
    }
    assert_eq!(collect_messages(&mut replay, "r", 1).await[0]["id"], m["id"]);
}

/// One group-commit batch with several conversations, resends inside the batch and of
/// a committed message, and someone else's conversation: every message gets its own
/// outcome, seqs are consecutive per conversation, and each result carries the
/// conversation as it was right after that message.
#[tokio::test]
async fn one_batch_gives_each_message_its_own_outcome() {
    use chinwag::domain::SenderKind;
    use chinwag::store::{NewMessage, StoreError};
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (v1, v2) = (app.visitor(&site).await, app.visitor(&site).await);
    let (c1, c2) = (app.start_conversation(&v1, None).await, app.start_conversation(&v2, None).await);
    app.send_raw(&v1.token, &c1, "before", Some("k-old"), false).await;
    let org = app.app.keys.verify(&owner.token).expect("a valid token").org;
    let msg = |conv: &str, visitor: &Visitor, body: &str, key: Option<&str>| NewMessage {
        org_id: org.clone(),
        conversation_id: conv.to_owned(),
        visitor_id: Some(visitor.id.clone()),
        sender_kind: SenderKind::Visitor,
        sender_id: visitor.id.clone(),
        body: body.to_owned(),
        is_private: false,
        client_message_id: key.map(str::to_owned),
        attachment_ids: Vec::new(),
        follow_up: None,
    };
    let batch = vec![
        msg(&c2, &v2, "c2 first", Some("a")),
        msg(&c1, &v1, "c1 second", Some("k-new")),
        msg(&c2, &v2, "c2 resend", Some("a")),
        msg(&c1, &v1, "c1 resend of the committed one", Some("k-old")),
        msg(&c1, &v2, "v2 writing into v1's conversation", None),
        msg(&c2, &v2, "c2 second", None),
    ];
    let out = app.app.store.append_batch(batch, app.app.jobs.now()).await.expect("the batch commits");
    let ok = |i: usize| out[i].as_ref().unwrap_or_else(|e| panic!("message {i}: {e:?}"));
    assert_eq!((ok(0).message.seq, ok(0).duplicate, ok(0).became_queued), (1, false, true));
    assert_eq!(ok(0).conversation.last_seq, 1, "the conversation as of that message");
    assert_eq!((ok(1).message.seq, ok(1).duplicate, ok(1).became_queued), (2, false, false));
    assert_eq!((ok(2).message.id.as_str(), ok(2).duplicate, ok(2).message.body.as_str()), (ok(0).message.id.as_str(), true, "c2 first"));
    assert!(ok(3).duplicate);
    assert_eq!((ok(3).message.seq, ok(3).message.body.as_str()), (1, "before"));
    assert!(matches!(out[4], Err(StoreError::NotFound)), "another visitor's conversation is not found");
    assert_eq!((ok(5).message.seq, ok(5).conversation.last_seq), (2, 2));
    assert_eq!(ok(5).conversation.last_message_preview.as_deref(), Some("c2 second"));
    let stored: Vec<String> = app.messages(&owner.token, &c2).await.iter().map(|m| format!("{}:{}", m["seq"], m["body"].as_str().unwrap())).collect();
    assert_eq!(stored, ["1:c2 first", "2:c2 second"]);
    let stored: Vec<String> = app.messages(&owner.token, &c1).await.iter().map(|m| format!("{}:{}", m["seq"], m["body"].as_str().unwrap())).collect();
    assert_eq!(stored, ["1:before", "2:c1 second"]);
    let c2_now = app.app.store.conversation(&org, &c2).await.expect("conversation");
    assert_eq!((c2_now.last_seq, c2_now.queued), (2, true));
}

#[tokio::test]
async fn bodies_with_any_unicode_are_stored_and_delivered_as_sent() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("Hi! Do you ship to Norway?")).await;
    for body in ["We ship to all of Europe, Norway included, within 3 days.🚚", "quotes \" and \\ and 'single' and a\ttab", "é ü 中文 👍🏽"] {
        let r = app.send_raw(&owner.token, &conv, body, Some(&format!("k-{}", body.len())), false).await;
        assert_eq!(r["data"]["sendMessage"]["body"], body, "{r}");
    }
    let stored: Vec<String> = app.messages(&v.token, &conv).await.iter().map(|m| m["body"].as_str().unwrap().to_owned()).collect();
    assert_eq!(stored.len(), 4, "{stored:?}");
}

/// A subscriber that stops reading is closed as too slow (1013) once the socket's
/// buffers are full and its writes have waited 5 s. Meanwhile a subscriber of the same
/// shared stream that reads gets every message, once, in order. (With the stall timer
/// off this test fails.)
#[tokio::test]
async fn a_subscriber_that_stops_reading_is_closed_and_the_others_get_everything() {
    slow_consumer_is_closed(5_000, 0).await;
}

/// The same with writes allowed to wait a minute, and a subscriber that reads, but one
/// frame every 20 ms: once it is more than the shared stream's capacity (256 items)
/// behind, it is closed, rather than skipping what it missed. One message at a time
/// makes one item each.
#[tokio::test]
async fn a_subscriber_that_falls_behind_the_shared_stream_is_closed() {
    slow_consumer_is_closed(60_000, 600).await;
}

/// Two subscribers of one shared stream, one that never reads; 2,000 messages of 10 KB
/// (20 MB, more than loopback's socket buffers hold), then `one_by_one` small ones sent
/// one at a time. The one that does not read is closed as too slow within 30 s and cut
/// short; the other gets everything.
async fn slow_consumer_is_closed(write_stall_ms: u64, one_by_one: usize) {
    use futures_util::StreamExt as _;
    let app = spawn_app_with(|s| s.limits.write_stall_ms = write_stall_ms).await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, None).await;
    let mut stalled = app.ws(&owner.token).await;
    stalled.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    let mut reader = app.ws(&owner.token).await;
    reader.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    app.wait_live_streams(1).await;

    const BIG: usize = 2000;
    let n = BIG + one_by_one;
    let reading = tokio::spawn(async move { collect_messages(&mut reader, "c", n).await.iter().map(|m| m["seq"].as_i64().unwrap()).collect::<Vec<_>>() });
    let body = "x".repeat(10_000);
    let sends: Vec<serde_json::Value> = futures_util::stream::iter(0..BIG).map(|_| app.send(&owner.token, &conv, &body)).buffer_unordered(16).collect().await;
    assert_eq!(sends.len(), BIG);
    // The slow one reads, one frame every 20 ms, from now on; or, with nothing sent one
    // at a time, not at all until it has been closed.
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    let slow = tokio::spawn(async move {
        if one_by_one == 0 {
            let _ = closed_rx.await;
        }
        let mut got = 0;
        loop {
            match stalled.next_event().await {
                Next::Msg(m) if m["type"] == "next" => got += 1,
                Next::Msg(_) => {}
                Next::Closed(code) => return (got, code),
            }
            if one_by_one > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
    });
    for i in 0..one_by_one {
        app.send(&owner.token, &conv, &format!("small {i}")).await;
    }

    let base = app.url.trim_end_matches("/graphql").to_owned();
    let slow_closed = || async {
        let metrics = app.http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
        metrics.contains("\nchinwag_slow_consumers_closed_total 1\n")
    };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !slow_closed().await {
        assert!(tokio::time::Instant::now() < deadline, "the socket that stopped reading was never closed");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let _ = closed_tx.send(());
    let seqs = tokio::time::timeout(std::time::Duration::from_secs(60), reading).await.expect("the reader got everything").unwrap();
    assert_eq!(seqs, (1..=n as i64).collect::<Vec<_>>(), "every message once, in seq order");

    // The slow socket ends after what its buffers held: cut short, then closed.
    let (got, code) = slow.await.unwrap();
    assert!(got < n, "it was cut off ({got} of {n} arrived)");
    assert!(code == 1013 || code == 1006, "closed as too slow, or dropped after the close grace period: {code}");
}

/// Clients call `setTyping(true)` on keystrokes, and a request may alias it: the others
/// get at most one "typing" frame per typist per second, and every call still answers
/// `true`.
#[tokio::test]
async fn repeated_typing_is_coalesced_to_one_frame_a_second() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("hi")).await;
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    app.wait_live_streams(1).await;
    let aliased: String = (0..50).map(|i| format!("t{i}: setTyping(conversationId: $c, isTyping: true) ")).collect();
    let r = app.ok(Some(&v.token), &format!("mutation($c: ID!) {{ {aliased} }}"), json!({ "c": conv })).await;
    assert_eq!(r.as_object().unwrap().len(), 50);
    assert!(r.as_object().unwrap().values().all(|t| *t == json!(true)), "{r}");
    let mut frames = 0;
    while let Some(next) = ws.next_within(std::time::Duration::from_millis(500)).await {
        if let Next::Msg(m) = next {
            if m["payload"]["data"]["conversationEvents"]["__typename"] == "TypingChanged" {
                frames += 1;
            }
        }
    }
    assert_eq!(frames, 1, "100 calls in one request reach the agent as one frame");
    // Past the refresh interval the typist is shown again.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    app.ok(Some(&v.token), "mutation($c: ID!) { setTyping(conversationId: $c, isTyping: true) }", json!({ "c": conv })).await;
    let t = next_of_type(&mut ws, "c", "conversationEvents", "TypingChanged").await;
    assert_eq!(t["isTyping"], true);
}
