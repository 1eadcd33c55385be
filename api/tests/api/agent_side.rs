//! The agent side: queue filters and pagination, assignment and transfer, canned
//! responses, departments, invites and status.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_queue_paginates_newest_activity_first_and_filters() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bo = app.add_agent(&owner, "Bo", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let mut convs = Vec::new();
    for i in 0..5 {
        let v = app.visitor(&site).await;
        convs.push(app.start_conversation(&v, Some(&format!("question {i}"))).await);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let page = "query($after: String, $f: ConversationFilter) { conversations(first: 2, after: $after, filter: $f) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }";
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let d = app.ok(Some(&owner.token), page, json!({ "after": after })).await;
        for e in d["conversations"]["edges"].as_array().unwrap() {
            seen.push(e["node"]["id"].as_str().unwrap().to_owned());
        }
        if d["conversations"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = d["conversations"]["pageInfo"]["endCursor"].clone();
    }
    let newest_first: Vec<String> = convs.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);

    app.ok(
        Some(&owner.token),
        "mutation($c: ID!, $a: ID!) { assignConversation(input: {conversationId: $c, agentId: $a}) { assignee { id } } }",
        json!({ "c": convs[0], "a": bo.id }),
    )
    .await;
    app.ok(Some(&owner.token), "mutation($c: ID!) { setConversationStatus(conversationId: $c, status: RESOLVED) { id } }", json!({ "c": convs[1] })).await;
    let mine = app.ok(Some(&bo.token), page, json!({ "f": { "assignee": "ME" } })).await;
    assert_eq!(mine["conversations"]["edges"][0]["node"]["id"], convs[0]);
    let resolved = app.ok(Some(&owner.token), page, json!({ "f": { "status": ["RESOLVED"] } })).await;
    assert_eq!(resolved["conversations"]["edges"].as_array().unwrap().len(), 1);
    let unassigned = app.ok(Some(&owner.token), "{ conversations(first: 50, filter: {assignee: UNASSIGNED}) { edges { node { id } } } }", json!({})).await;
    assert_eq!(unassigned["conversations"]["edges"].as_array().unwrap().len(), 4);
    assert_eq!(app.err(Some(&owner.token), page, json!({ "after": "not-a-cursor" })).await, "BAD_USER_INPUT");
}

#[tokio::test]
async fn message_history_pages_backwards_and_forwards() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("m1")).await;
    for i in 2..=7 {
        app.send(&owner.token, &conv, &format!("m{i}")).await;
    }
    let q = "query($c: ID!, $last: Int, $before: ID, $first: Int, $after: ID) { conversation(id: $c) { messages(last: $last, before: $before, first: $first, after: $after) { nodes { id body } pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } } }";
    let latest = app.ok(Some(&v.token), q, json!({ "c": conv, "last": 3 })).await["conversation"]["messages"].clone();
    let bodies: Vec<_> = latest["nodes"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap().to_owned()).collect();
    assert_eq!(bodies, ["m5", "m6", "m7"]);
    assert_eq!(latest["pageInfo"]["hasPreviousPage"], true);
    let older =
        app.ok(Some(&v.token), q, json!({ "c": conv, "last": 3, "before": latest["pageInfo"]["startCursor"] })).await["conversation"]["messages"].clone();
    let bodies: Vec<_> = older["nodes"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap().to_owned()).collect();
    assert_eq!(bodies, ["m2", "m3", "m4"]);
    let fwd = app.ok(Some(&v.token), q, json!({ "c": conv, "first": 2, "after": older["pageInfo"]["endCursor"] })).await["conversation"]["messages"].clone();
    let bodies: Vec<_> = fwd["nodes"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap().to_owned()).collect();
    assert_eq!(bodies, ["m5", "m6"]);
    assert_eq!(fwd["pageInfo"]["hasNextPage"], true);
    assert_eq!(app.err(Some(&v.token), q, json!({ "c": conv, "first": 500 })).await, "BAD_USER_INPUT");
}

#[tokio::test]
async fn assignment_and_status_changes_reach_the_inbox_and_the_conversation() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bo = app.add_agent(&owner, "Bo", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("help")).await;
    let dept = app.ok(Some(&owner.token), "mutation { createDepartment(name: \"Billing\") { id } }", json!({})).await["createDepartment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        Some(&owner.token),
        "mutation($d: ID!, $a: ID!) { addDepartmentMember(departmentId: $d, agentId: $a) { members { id } } }",
        json!({ "d": dept, "a": bo.id }),
    )
    .await;

    let mut inbox = app.ws(&bo.token).await;
    inbox
        .subscribe(
            "i",
            "subscription { inboxEvents { __typename ... on ConversationUpdated { conversation { id status assignee { id } department { name } } } } }",
            json!({}),
        )
        .await;
    let mut vws = app.ws(&v.token).await;
    vws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    app.wait_live_streams(2).await; // the inbox and the visitor's conversation

    let t = app
        .ok(
            Some(&owner.token),
            "mutation($c: ID!, $a: ID!, $d: ID!) { assignConversation(input: {conversationId: $c, agentId: $a, departmentId: $d}) { assigneeName } }",
            json!({ "c": conv, "a": bo.id, "d": dept }),
        )
        .await;
    assert_eq!(t["assignConversation"]["assigneeName"], "Bo");
    let ev = next_of_type(&mut inbox, "i", "inboxEvents", "ConversationUpdated").await;
    assert_eq!(ev["conversation"]["assignee"]["id"], bo.id);
    assert_eq!(ev["conversation"]["department"]["name"], "Billing");
    app.ok(Some(&bo.token), "mutation($c: ID!) { setConversationStatus(conversationId: $c, status: PENDING) { id } }", json!({ "c": conv })).await;
    assert_eq!(next_of_type(&mut inbox, "i", "inboxEvents", "ConversationUpdated").await["conversation"]["status"], "PENDING");
    let upd = vws.next_data("c").await;
    assert_eq!(upd["conversationEvents"]["__typename"], "ConversationUpdated");
    // Assigning to an agent of another organization is not found.
    let other = app.sign_up("Zed").await;
    assert_eq!(
        app.err(
            Some(&owner.token),
            "mutation($c: ID!, $a: ID!) { assignConversation(input: {conversationId: $c, agentId: $a}) { id } }",
            json!({ "c": conv, "a": other.id })
        )
        .await,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn canned_responses_departments_and_status_can_be_managed() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let c = app
        .ok(
            Some(&owner.token),
            "mutation { createCannedResponse(input: {shortcut: \"/Ship\", title: \"Shipping\", body: \"We ship worldwide.\"}) { id shortcut } }",
            json!({}),
        )
        .await;
    assert_eq!(c["createCannedResponse"]["shortcut"], "ship");
    let id = c["createCannedResponse"]["id"].as_str().unwrap();
    let dup = app.err(Some(&owner.token), "mutation { createCannedResponse(input: {shortcut: \"ship\", title: \"x\", body: \"y\"}) { id } }", json!({})).await;
    assert_eq!(dup, "BAD_USER_INPUT");
    app.ok(Some(&owner.token), "mutation($id: ID!) { updateCannedResponse(id: $id, input: {body: \"Free shipping over 50.\"}) { body } }", json!({ "id": id }))
        .await;
    let list = app.ok(Some(&owner.token), "{ cannedResponses { body } }", json!({})).await;
    assert_eq!(list["cannedResponses"][0]["body"], "Free shipping over 50.");
    app.ok(Some(&owner.token), "mutation($id: ID!) { deleteCannedResponse(id: $id) }", json!({ "id": id })).await;
    assert_eq!(app.ok(Some(&owner.token), "{ cannedResponses { id } }", json!({})).await["cannedResponses"].as_array().unwrap().len(), 0);

    let d = app.ok(Some(&owner.token), "mutation { createDepartment(name: \"Sales\") { id } }", json!({})).await["createDepartment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(Some(&owner.token), "mutation($d: ID!) { updateDepartment(id: $d, name: \"Presales\") { name } }", json!({ "d": d })).await;
    app.ok(Some(&owner.token), "mutation($d: ID!) { deleteDepartment(id: $d) }", json!({ "d": d })).await;
    assert_eq!(app.ok(Some(&owner.token), "{ departments { id } }", json!({})).await["departments"].as_array().unwrap().len(), 0);

    let s = app.ok(Some(&owner.token), "mutation { setAgentStatus(status: AWAY) { status isOnline } }", json!({})).await;
    assert_eq!(s["setAgentStatus"]["status"], "AWAY");
    assert_eq!(s["setAgentStatus"]["isOnline"], false);
}

#[tokio::test]
async fn an_invite_works_once() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let inv = app.ok(Some(&owner.token), "mutation { inviteAgent(input: {email: \"new@team.io\", role: AGENT}) { token role } }", json!({})).await;
    let token = inv["inviteAgent"]["token"].as_str().unwrap();
    let accept = "mutation($t: String!) { acceptInvite(input: {token: $t, name: \"New\", password: \"a fine password\"}) { agent { email role } } }";
    let a = app.ok(None, accept, json!({ "t": token })).await;
    assert_eq!(a["acceptInvite"]["agent"]["email"], "new@team.io");
    assert_eq!(a["acceptInvite"]["agent"]["role"], "AGENT");
    assert_eq!(app.err(None, accept, json!({ "t": token })).await, "NOT_FOUND");
    assert_eq!(app.err(None, accept, json!({ "t": "inv_made_up" })).await, "NOT_FOUND");
    let team = app.ok(Some(&owner.token), "{ agents { email } }", json!({})).await;
    assert_eq!(team["agents"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn agents_search_conversations_by_words_and_visitor_and_list_a_visitors_history() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let refund = app.visitor_with(&site, json!({ "name": "Rita Refundson", "email": "rita@example.com" })).await;
    let c1 = app.start_conversation(&refund, Some("I want my money back under your refund policy")).await;
    let other = app.visitor(&site).await;
    let c2 = app.start_conversation(&other, Some("Where is my parcel?")).await;
    let c3 = app.start_conversation(&other, Some("Also: do you ship to Norway?")).await;
    let q = "query($f: ConversationFilter) { conversations(first: 50, filter: $f) { edges { node { id } } } }";
    let ids = |d: serde_json::Value| -> Vec<String> {
        d["conversations"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(ids(app.ok(Some(&owner.token), q, json!({ "f": { "search": "refu polic" } })).await), vec![c1.clone()], "prefix words in messages");
    assert_eq!(ids(app.ok(Some(&owner.token), q, json!({ "f": { "search": "rita@" } })).await), vec![c1.clone()], "the visitor's email");
    assert_eq!(ids(app.ok(Some(&owner.token), q, json!({ "f": { "search": "PARCEL" } })).await), vec![c2.clone()]);
    assert!(ids(app.ok(Some(&owner.token), q, json!({ "f": { "search": "\" OR 1=1 --" } })).await).is_empty(), "operators are words, never syntax");
    let mut history = ids(app.ok(Some(&owner.token), q, json!({ "f": { "visitorId": other.id } })).await);
    history.sort();
    let mut want = vec![c2.clone(), c3];
    want.sort();
    assert_eq!(history, want);
    // Another tenant's search finds nothing of ours.
    let mallory = app.sign_up("Mallory").await;
    assert!(ids(app.ok(Some(&mallory.token), q, json!({ "f": { "search": "refund" } })).await).is_empty());
    // The same words in both organizations: each finds its own (the organization is part
    // of the full-text match itself).
    let their_site = app.create_website(&mallory, &[]).await;
    let theirs = app.visitor(&their_site).await;
    let their_conv = app.start_conversation(&theirs, Some("a refund policy question")).await;
    assert_eq!(ids(app.ok(Some(&mallory.token), q, json!({ "f": { "search": "refu polic" } })).await), vec![their_conv]);
    assert_eq!(ids(app.ok(Some(&owner.token), q, json!({ "f": { "search": "refu polic" } })).await), vec![c1.clone()]);
    // The organization's own term in the index is never a word a search can match.
    for word in ["o", "or", "org"] {
        assert!(ids(app.ok(Some(&mallory.token), q, json!({ "f": { "search": word } })).await).is_empty(), "{word}");
    }

    // A note's words find the conversation for agents, never for its visitor (a prefix
    // search would otherwise recover a note word by word).
    app.send_raw(&owner.token, &c2, "Chargeback risk: escalate to finance", None, true).await;
    assert_eq!(ids(app.ok(Some(&owner.token), q, json!({ "f": { "search": "chargeb" } })).await), vec![c2.clone()]);
    assert!(ids(app.ok(Some(&other.token), q, json!({ "f": { "search": "chargeb" } })).await).is_empty(), "the visitor never matches a note");
    assert_eq!(ids(app.ok(Some(&other.token), q, json!({ "f": { "search": "parc" } })).await), vec![c2], "its own public words still do");
}

#[tokio::test]
async fn agents_see_the_pages_a_visitor_viewed_and_visitors_do_not() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("hi")).await;
    let track = "mutation($i: TrackPageViewInput!) { trackPageView(input: $i) }";
    app.ok(Some(&v.token), track, json!({ "i": { "url": "https://shop.example/", "title": "Home" } })).await;
    app.ok(Some(&v.token), track, json!({ "i": { "url": "https://shop.example/cart", "title": "Cart", "referrer": "https://shop.example/" } })).await;
    assert_eq!(app.err(Some(&v.token), track, json!({ "i": { "url": "javascript:alert(1)" } })).await, "BAD_USER_INPUT");
    assert_eq!(app.err(Some(&owner.token), track, json!({ "i": { "url": "https://x.example/" } })).await, "FORBIDDEN");
    let q = "query($c: ID!) { conversation(id: $c) { visitor { currentUrl pageViews { url title referrer } } } }";
    let d = app.ok(Some(&owner.token), q, json!({ "c": conv })).await;
    assert_eq!(d["conversation"]["visitor"]["currentUrl"], "https://shop.example/cart");
    assert_eq!(d["conversation"]["visitor"]["pageViews"][0]["title"], "Cart");
    assert_eq!(d["conversation"]["visitor"]["pageViews"][1]["url"], "https://shop.example/");
    let mine = app.ok(Some(&v.token), q, json!({ "c": conv })).await;
    assert_eq!(mine["conversation"]["visitor"]["currentUrl"], serde_json::Value::Null);
    assert_eq!(mine["conversation"]["visitor"]["pageViews"], json!([]));
}

#[tokio::test]
async fn agents_update_their_own_profile() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let q = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { name email avatarUrl } }";
    let d = app.ok(Some(&owner.token), q, json!({ "i": { "name": "Ann B.", "avatarUrl": "https://img.example/ann.png" } })).await;
    assert_eq!(d["updateProfile"]["name"], "Ann B.");
    assert_eq!(d["updateProfile"]["avatarUrl"], "https://img.example/ann.png");
    assert_eq!(app.err(Some(&owner.token), q, json!({ "i": { "email": "new@acme.test" } })).await, "FORBIDDEN", "email needs the password");
    assert_eq!(app.err(Some(&owner.token), q, json!({ "i": { "email": "new@acme.test", "currentPassword": "wrong" } })).await, "FORBIDDEN");
    // A new email changes once confirmed (tests/api/email.rs): the answer keeps the old one.
    let d = app.ok(Some(&owner.token), q, json!({ "i": { "email": "New@Acme.test", "currentPassword": "correct horse battery" } })).await;
    assert_eq!(d["updateProfile"]["email"], owner.email.to_lowercase());
    assert_eq!(app.err(Some(&owner.token), q, json!({ "i": { "avatarUrl": "ftp://x" } })).await, "BAD_USER_INPUT");
    let d = app.ok(Some(&owner.token), q, json!({ "i": { "avatarUrl": "" } })).await;
    assert_eq!(d["updateProfile"]["avatarUrl"], serde_json::Value::Null);
}

#[tokio::test]
async fn pending_invites_are_listed_previewed_resent_and_revoked() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let first = app.ok(Some(&owner.token), "mutation { inviteAgent(input: {email: \"dee@team.test\", role: ADMIN}) { id token } }", json!({})).await
        ["inviteAgent"]
        .clone();
    let list = app.ok(Some(&owner.token), "{ invites { id email role } }", json!({})).await;
    assert_eq!(list["invites"][0]["email"], "dee@team.test");
    let preview = "query($t: String!) { invite(token: $t) { email role organizationName } }";
    let p = app.ok(None, preview, json!({ "t": first["token"] })).await;
    assert_eq!(p["invite"]["organizationName"], "Ann Inc");
    assert_eq!(p["invite"]["role"], "ADMIN");
    let again = app.ok(Some(&owner.token), "mutation($id: ID!) { resendInvite(id: $id) { token } }", json!({ "id": first["id"] })).await["resendInvite"]
        ["token"]
        .clone();
    assert_eq!(app.err(None, preview, json!({ "t": first["token"] })).await, "NOT_FOUND", "the old link stops working");
    app.ok(None, preview, json!({ "t": again })).await;
    app.ok(Some(&owner.token), "mutation($id: ID!) { revokeInvite(id: $id) }", json!({ "id": first["id"] })).await;
    assert_eq!(app.err(None, preview, json!({ "t": again })).await, "NOT_FOUND");
    assert_eq!(app.ok(Some(&owner.token), "{ invites { id } }", json!({})).await["invites"].as_array().unwrap().len(), 0);
    let mallory = app.sign_up("Mallory").await;
    assert_eq!(app.err(Some(&mallory.token), "mutation($id: ID!) { revokeInvite(id: $id) }", json!({ "id": first["id"] })).await, "NOT_FOUND");
}

/// A visitor reaches its conversation's department, but not the team behind it: the
/// members' emails, roles and statuses are staff-only (live or queried).
#[tokio::test]
async fn a_visitor_sees_the_department_but_not_its_members() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bo = app.add_agent(&owner, "Bo", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("help")).await;
    let dept = app.ok(Some(&owner.token), "mutation { createDepartment(name: \"Billing\") { id } }", json!({})).await["createDepartment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let add = "mutation($d: ID!, $a: ID!) { addDepartmentMember(departmentId: $d, agentId: $a) { id } }";
    app.ok(Some(&owner.token), add, json!({ "d": dept, "a": bo.id })).await;
    let assign = "mutation($c: ID!, $d: ID!) { assignConversation(input: {conversationId: $c, departmentId: $d}) { id } }";
    app.ok(Some(&owner.token), assign, json!({ "c": conv, "d": dept })).await;
    let q = "query($c: ID!) { conversation(id: $c) { department { name members { email role status } } } }";
    let staff = app.ok(Some(&owner.token), q, json!({ "c": conv })).await;
    assert_eq!(staff["conversation"]["department"]["members"][0]["email"], bo.email.to_lowercase());
    let visitor = app.ok(Some(&v.token), q, json!({ "c": conv })).await;
    assert_eq!(visitor["conversation"]["department"]["name"], "Billing");
    assert_eq!(visitor["conversation"]["department"]["members"], json!([]), "{visitor}");
}
