use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_core_path_works_end_to_end_over_http_and_websocket() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;

    let cfg = app
        .ok(
            None,
            "query($k: String!) { widgetConfig(websiteKey: $k) { websiteName agentOnline appearance { greeting launcherText color position } } }",
            json!({ "k": site.key }),
        )
        .await;
    assert_eq!(cfg["widgetConfig"]["websiteName"], "Shop");
    assert_eq!(cfg["widgetConfig"]["agentOnline"], false);

    // The agent watches the inbox before the visitor writes.
    app.ok(Some(&owner.token), "mutation { setAgentStatus(status: ONLINE) { status } }", json!({})).await;
    let mut agent_ws = app.ws(&owner.token).await;
    agent_ws.subscribe("inbox", "subscription { inboxEvents { __typename ... on ConversationCreated { conversation { id } } ... on InboxMessageAdded { preview message { body } } } }", json!({})).await;
    let cfg = app.ok(None, "query($k: String!) { widgetConfig(websiteKey: $k) { agentOnline } }", json!({ "k": site.key })).await;
    assert_eq!(cfg["widgetConfig"]["agentOnline"], true, "online status plus a live socket");

    let visitor = app.visitor(&site).await;
    let conv = app.start_conversation(&visitor, Some("Hello, do you ship to Norway?")).await;

    let ev = agent_ws.next_data("inbox").await;
    assert_eq!(ev["inboxEvents"]["__typename"], "ConversationCreated");
    assert_eq!(ev["inboxEvents"]["conversation"]["id"], conv);
    let ev = agent_ws.next_data("inbox").await;
    assert_eq!(ev["inboxEvents"]["preview"], "Hello, do you ship to Norway?");

    let list = app.ok(Some(&owner.token), "{ conversations { edges { node { id status lastMessagePreview visitor { id } } } } }", json!({})).await;
    assert_eq!(list["conversations"]["edges"][0]["node"]["id"], conv);
    assert_eq!(list["conversations"]["edges"][0]["node"]["visitor"]["id"], visitor.id);

    // Both sides subscribe to the conversation.
    agent_ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    let mut visitor_ws = app.ws(&visitor.token).await;
    visitor_ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    app.wait_live_streams(3).await; // the agent's inbox and both sides' conversation

    app.ok(Some(&owner.token), "mutation($c: ID!) { setTyping(conversationId: $c, isTyping: true) }", json!({ "c": conv })).await;
    let t = visitor_ws.next_data("c").await;
    assert_eq!(t["conversationEvents"]["__typename"], "TypingChanged");
    assert_eq!(t["conversationEvents"]["isTyping"], true);
    assert_eq!(t["conversationEvents"]["senderKind"], "AGENT");

    let reply = app.send(&owner.token, &conv, "  Yes, we do!  ").await;
    assert_eq!(reply["body"], "Yes, we do!", "bodies are trimmed");
    assert_eq!(reply["senderKind"], "AGENT");
    assert_eq!(reply["seq"], 2);
    // Sending stops typing by itself, then the message arrives.
    let t = visitor_ws.next_data("c").await;
    assert_eq!(t["conversationEvents"]["isTyping"], false);
    let got = collect_messages(&mut visitor_ws, "c", 1).await;
    assert_eq!(got[0]["id"], reply["id"]);

    let v_msg = app.send(&visitor.token, &conv, "Great, thanks").await;
    let got = collect_messages(&mut agent_ws, "c", 2).await;
    assert_eq!(got[0]["id"], reply["id"]);
    assert_eq!(got[1]["id"], v_msg["id"]);
    assert_eq!(got[1]["senderKind"], "VISITOR");

    // Read receipts reach the other side and persist.
    app.ok(Some(&visitor.token), "mutation($c: ID!, $m: ID!) { markRead(conversationId: $c, messageId: $m) }", json!({ "c": conv, "m": reply["id"] })).await;
    loop {
        let d = agent_ws.next_data("c").await;
        if d["conversationEvents"]["__typename"] == "ReadReceipt" {
            assert_eq!(d["conversationEvents"]["messageId"], reply["id"]);
            assert_eq!(d["conversationEvents"]["readerKind"], "VISITOR");
            break;
        }
    }
    let r =
        app.ok(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { unreadCount readReceipts { readerKind messageId } } }", json!({ "c": conv })).await;
    assert_eq!(r["conversation"]["readReceipts"][0]["messageId"], reply["id"]);
    assert_eq!(r["conversation"]["unreadCount"], 2, "the agent has read nothing yet");
    let r = app.ok(Some(&visitor.token), "query($c: ID!) { conversation(id: $c) { unreadCount } }", json!({ "c": conv })).await;
    assert_eq!(r["conversation"]["unreadCount"], 0);

    // Resolve, rate once, and a visitor message reopens it.
    app.ok(Some(&owner.token), "mutation($c: ID!) { setConversationStatus(conversationId: $c, status: RESOLVED) { status } }", json!({ "c": conv })).await;
    let rated = app
        .ok(
            Some(&visitor.token),
            "mutation($c: ID!) { rateConversation(conversationId: $c, rating: 5, comment: \"quick!\") { rating ratingComment } }",
            json!({ "c": conv }),
        )
        .await;
    assert_eq!(rated["rateConversation"]["rating"], 5);
    let again = app.err(Some(&visitor.token), "mutation($c: ID!) { rateConversation(conversationId: $c, rating: 1) { rating } }", json!({ "c": conv })).await;
    assert_eq!(again, "BAD_USER_INPUT");
    app.send(&visitor.token, &conv, "One more question").await;
    let s = app.ok(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { status } }", json!({ "c": conv })).await;
    assert_eq!(s["conversation"]["status"], "OPEN");
}

#[tokio::test]
async fn a_conversation_without_a_body_stays_out_of_the_queue_until_the_visitor_writes() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, None).await;
    let q = "{ conversations { edges { node { id } } } }";
    let list = app.ok(Some(&owner.token), q, json!({})).await;
    assert_eq!(list["conversations"]["edges"].as_array().unwrap().len(), 0);
    app.send(&v.token, &conv, "hi").await;
    let list = app.ok(Some(&owner.token), q, json!({})).await;
    assert_eq!(list["conversations"]["edges"][0]["node"]["id"], conv);
    // A visitor may have several conversations, each new.
    let second = app.start_conversation(&v, Some("another topic")).await;
    assert_ne!(second, conv);
    let mine = app.ok(Some(&v.token), q, json!({})).await;
    assert_eq!(mine["conversations"]["edges"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn typing_turns_off_by_itself_after_about_six_seconds() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("hi")).await;
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    app.wait_live_streams(1).await;
    app.ok(Some(&v.token), "mutation($c: ID!) { setTyping(conversationId: $c, isTyping: true) }", json!({ "c": conv })).await;
    let started = std::time::Instant::now();
    assert_eq!(ws.next_data("c").await["conversationEvents"]["isTyping"], true);
    assert_eq!(ws.next_data("c").await["conversationEvents"]["isTyping"], false);
    let waited = started.elapsed();
    assert!(waited >= std::time::Duration::from_secs(5) && waited < std::time::Duration::from_secs(9), "{waited:?}");
}
