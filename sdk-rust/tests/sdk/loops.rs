//! The visitor and agent loops over the SDK: start, send, follow live, reply, notes,
//! idempotent sends, and an API key acting as a bot.

use chinwag_sdk::{AgentClient, ConversationEvent, ConversationStatus, InboxEvent, SendOptions, SenderKind, VisitorClient};

use crate::helpers::*;

#[tokio::test]
async fn a_visitor_and_an_agent_talk_live_through_the_sdk() {
    let server = spawn_server().await;
    let (owner, _me, site) = organization(&server).await;

    let mut inbox = owner.inbox_events();
    settle().await;

    let visitor = VisitorClient::new(&server.url, &site.public_key);
    let config = visitor.widget_config().await.unwrap();
    assert_eq!(config.website_name, "Shop");
    let conversation = visitor.start_conversation(Some("Hello, do you ship to Norway?")).await.unwrap();
    assert_eq!(conversation.status, ConversationStatus::Open);
    assert!(visitor.session().is_some(), "the session started on first use");

    // The agent learns of it from the inbox.
    loop {
        match next(&mut inbox).await.unwrap() {
            InboxEvent::ConversationCreated(c) => {
                assert_eq!(c.id, conversation.id);
                assert_eq!(c.visitor.id, visitor.visitor().await.unwrap().id);
                break;
            }
            InboxEvent::VisitorPresence { .. } => {}
            other => panic!("expected ConversationCreated first, got {other:?}"),
        }
    }
    loop {
        if let InboxEvent::MessageAdded { preview, message, .. } = next(&mut inbox).await.unwrap() {
            assert_eq!(preview, "Hello, do you ship to Norway?");
            assert_eq!(message.sender_kind, SenderKind::Visitor);
            break;
        }
    }
    let queue = owner.conversations(Default::default(), None).await.unwrap();
    assert_eq!(queue.nodes[0].id, conversation.id);

    // Both follow the conversation from the message they hold.
    let history = visitor.messages(&conversation.id, 50, None).await.unwrap();
    assert_eq!(history.messages.len(), 1);
    let first = &history.messages[0];
    let mut visitor_events = visitor.conversation_events(&conversation.id, Some(&first.id));
    let mut agent_events = owner.conversation_events(&conversation.id, Some(&first.id));

    let reply = owner.send_message(&conversation.id, "  Yes, we do!  ").await.unwrap();
    assert_eq!(reply.body, "Yes, we do!");
    assert_eq!(reply.sender_kind, SenderKind::Agent);
    assert_eq!(reply.seq, 2);
    assert_eq!(messages(&mut visitor_events, 1).await[0].id, reply.id);
    assert_eq!(messages(&mut agent_events, 1).await[0].id, reply.id);

    // A note reaches the agent only; the visitor's stream goes on with the next reply.
    let note = owner.send_note(&conversation.id, "VIP, be nice").await.unwrap();
    assert!(note.is_private);
    let thanks = visitor.send_message(&conversation.id, "Great, thanks").await.unwrap();
    let got: Vec<_> = messages(&mut agent_events, 2).await.into_iter().map(|m| m.id).collect();
    assert_eq!(got, [note.id.clone(), thanks.id.clone()]);
    let got = messages(&mut visitor_events, 1).await;
    assert_eq!(got[0].id, thanks.id, "the note never reaches the visitor");

    // Status changes reach the visitor as typed updates.
    owner.set_conversation_status(&conversation.id, ConversationStatus::Resolved).await.unwrap();
    loop {
        if let ConversationEvent::Updated(c) = next(&mut visitor_events).await.unwrap() {
            assert_eq!(c.status, ConversationStatus::Resolved);
            break;
        }
    }
    let rated = visitor.rate_conversation(&conversation.id, 5, Some("quick!")).await.unwrap();
    assert_eq!(rated.rating, Some(5));

    // Receipts and typing flow too.
    visitor.mark_read(&conversation.id, &reply.id).await.unwrap();
    loop {
        if let ConversationEvent::ReadReceipt(r) = next(&mut agent_events).await.unwrap() {
            assert_eq!((r.reader_kind, r.message_id.as_str()), (SenderKind::Visitor, reply.id.as_str()));
            break;
        }
    }
    visitor.set_typing(&conversation.id, true).await.unwrap();
    loop {
        if let ConversationEvent::Typing(t) = next(&mut agent_events).await.unwrap() {
            assert!(t.is_typing);
            assert_eq!(t.sender_kind, SenderKind::Visitor);
            break;
        }
    }
}

#[tokio::test]
async fn a_resend_with_the_same_client_message_id_stores_one_message() {
    let server = spawn_server().await;
    let (owner, _, site) = organization(&server).await;
    let visitor = VisitorClient::new(&server.url, &site.public_key);
    let conversation = visitor.start_conversation(None).await.unwrap();
    let key = SendOptions { client_message_id: Some("k-1".into()), ..Default::default() };
    let first = visitor.send_message_with(&conversation.id, "hello", key.clone()).await.unwrap();
    let again = visitor.send_message_with(&conversation.id, "a different body", key).await.unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(again.body, "hello");
    assert_eq!(owner.messages(&conversation.id, 50, None).await.unwrap().messages.len(), 1);
    // Sends without a key get a fresh one each time.
    let a = visitor.send_message(&conversation.id, "one").await.unwrap();
    let b = visitor.send_message(&conversation.id, "one").await.unwrap();
    assert_ne!(a.id, b.id);
    assert_ne!(a.client_message_id, b.client_message_id);
}

#[tokio::test]
async fn an_api_key_acts_as_a_bot_for_its_organization() {
    let server = spawn_server().await;
    let (owner, me, site) = organization(&server).await;
    owner.create_canned_response("shipping", "Shipping", "We ship worldwide within 3 days.").await.unwrap();
    let key = owner.create_api_key("test bot").await.unwrap();
    let bot = AgentClient::with_api_key(&server.url, key.secret);
    assert!(bot.session().is_none());

    let mut inbox = bot.inbox_events();
    settle().await;
    let visitor = VisitorClient::new(&server.url, &site.public_key);
    let conversation = visitor.start_conversation(Some("hi")).await.unwrap();
    loop {
        if let InboxEvent::ConversationCreated(c) = next(&mut inbox).await.unwrap() {
            assert_eq!(c.id, conversation.id);
            break;
        }
    }
    let sent = bot.send_message(&conversation.id, "Hello from the bot").await.unwrap();
    assert_eq!(sent.sender_kind, SenderKind::Bot);
    let replies = bot.canned_responses().await.unwrap();
    assert_eq!(replies[0].shortcut, "shipping");
    let assigned = bot.assign_conversation(&conversation.id, Some(&me.id), None).await.unwrap();
    assert_eq!(assigned.assignee_id.as_deref(), Some(me.id.as_str()));
    let seen = visitor.messages(&conversation.id, 50, None).await.unwrap().messages;
    assert_eq!(seen.last().unwrap().sender_kind, SenderKind::Bot);
}

#[tokio::test]
async fn a_returning_visitor_resumes_with_its_resume_token() {
    let server = spawn_server().await;
    let (_, _, site) = organization(&server).await;
    let first = VisitorClient::new(&server.url, &site.public_key);
    let conversation = first.start_conversation(Some("hi")).await.unwrap();
    let session = first.session().unwrap();
    let again = VisitorClient::with_options(chinwag_sdk::VisitorOptions {
        resume_token: Some(session.resume_token),
        ..chinwag_sdk::VisitorOptions::new(&server.url, &site.public_key)
    });
    assert_eq!(again.visitor().await.unwrap().id, first.visitor().await.unwrap().id);
    let mine = again.conversations(None).await.unwrap();
    assert_eq!(mine.nodes[0].id, conversation.id);
}
