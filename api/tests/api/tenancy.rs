//! Another tenant's ids, or another visitor's, are refused exactly like missing ids
//! and change nothing.

use serde_json::{json, Value};

use crate::helpers::*;

struct World {
    app: TestApp,
    owner: Agent,
    conv: String,
    msg: String,
    site: Site,
    agent_id: String,
    dept: String,
    canned: String,
    key_id: String,
}

/// One organization with one of everything.
async fn world() -> World {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("private business")).await;
    let msg = app.messages(&owner.token, &conv).await[0]["id"].as_str().unwrap().to_owned();
    let bo = app.add_agent(&owner, "Bo", "AGENT").await;
    let dept = app.ok(Some(&owner.token), "mutation { createDepartment(name: \"Sales\") { id } }", json!({})).await["createDepartment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let canned = app
        .ok(Some(&owner.token), "mutation { createCannedResponse(input: {shortcut: \"hi\", title: \"Hi\", body: \"Hello!\"}) { id } }", json!({}))
        .await["createCannedResponse"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let key_id = app.ok(Some(&owner.token), "mutation { createApiKey(name: \"k\") { apiKey { id } } }", json!({})).await["createApiKey"]["apiKey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    World { app, owner, conv, msg, site, agent_id: bo.id, dept, canned, key_id }
}

/// Every operation that takes an id, with the ids of `w` (or a missing one).
fn operations(w: &World, missing: bool) -> Vec<(&'static str, Value)> {
    let pick = |real: &str| if missing { format!("{}_missing", &real[..3]) } else { real.to_owned() };
    let (c, m, a, d, k, ca, s) = (pick(&w.conv), pick(&w.msg), pick(&w.agent_id), pick(&w.dept), pick(&w.key_id), pick(&w.canned), pick(&w.site.id));
    vec![
        ("query($id: ID!) { conversation(id: $id) { id } }", json!({ "id": c })),
        ("mutation($c: ID!) { sendMessage(input: {conversationId: $c, body: \"x\"}) { id } }", json!({ "c": c })),
        ("mutation($c: ID!) { setTyping(conversationId: $c, isTyping: true) }", json!({ "c": c })),
        ("mutation($c: ID!, $m: ID!) { markRead(conversationId: $c, messageId: $m) }", json!({ "c": c, "m": m })),
        ("mutation($c: ID!) { setConversationStatus(conversationId: $c, status: RESOLVED) { id } }", json!({ "c": c })),
        ("mutation($c: ID!) { assignConversation(input: {conversationId: $c}) { id } }", json!({ "c": c })),
        ("query($id: ID!) { website(id: $id) { id } }", json!({ "id": s })),
        ("mutation($id: ID!) { updateWebsite(id: $id, input: {name: \"pwned\"}) { id } }", json!({ "id": s })),
        ("mutation($a: ID!) { removeAgent(agentId: $a) { id } }", json!({ "a": a })),
        ("mutation($a: ID!) { setAgentRole(agentId: $a, role: ADMIN) { id } }", json!({ "a": a })),
        ("mutation($id: ID!) { revokeApiKey(id: $id) }", json!({ "id": k })),
        ("mutation($id: ID!) { updateCannedResponse(id: $id, input: {body: \"pwned\"}) { id } }", json!({ "id": ca })),
        ("mutation($id: ID!) { deleteCannedResponse(id: $id) }", json!({ "id": ca })),
        ("mutation($id: ID!) { updateDepartment(id: $id, name: \"pwned\") { id } }", json!({ "id": d })),
        ("mutation($id: ID!) { deleteDepartment(id: $id) }", json!({ "id": d })),
        ("mutation($d: ID!, $a: ID!) { addDepartmentMember(departmentId: $d, agentId: $a) { id } }", json!({ "d": d, "a": a })),
    ]
}

#[tokio::test]
async fn another_tenants_ids_are_not_found_like_missing_ones_and_change_nothing() {
    let w = world().await;
    let intruder = w.app.sign_up("Mallory").await;
    for ((q, vars), (_, missing_vars)) in operations(&w, false).into_iter().zip(operations(&w, true)) {
        let foreign = w.app.gql(Some(&intruder.token), q, vars).await;
        let missing = w.app.gql(Some(&intruder.token), q, missing_vars).await;
        assert_eq!(code_of(&foreign), "NOT_FOUND", "{q}: {foreign}");
        assert_eq!(code_of(&missing), "NOT_FOUND", "{q}: {missing}");
        assert_eq!(foreign["errors"][0]["message"].as_str().map(|m| m.contains("not found")), Some(true));
    }
    // Nothing changed for the real owner.
    let msgs = w.app.messages(&w.owner.token, &w.conv).await;
    assert_eq!(msgs.len(), 1);
    let site = w.app.ok(Some(&w.owner.token), "query($id: ID!) { website(id: $id) { name } }", json!({ "id": w.site.id })).await;
    assert_eq!(site["website"]["name"], "Shop");
    let agents = w.app.ok(Some(&w.owner.token), "{ agents { id role } }", json!({})).await;
    assert_eq!(agents["agents"].as_array().unwrap().len(), 2);
    let canned = w.app.ok(Some(&w.owner.token), "{ cannedResponses { body } }", json!({})).await;
    assert_eq!(canned["cannedResponses"][0]["body"], "Hello!");
    let conv = w.app.ok(Some(&w.owner.token), "query($c: ID!) { conversation(id: $c) { status } }", json!({ "c": w.conv })).await;
    assert_eq!(conv["conversation"]["status"], "OPEN");
    // Lists never leak across tenants.
    let theirs = w
        .app
        .ok(Some(&intruder.token), "{ conversations { edges { node { id } } } websites { id } cannedResponses { id } departments { id } }", json!({}))
        .await;
    assert_eq!(theirs["conversations"]["edges"].as_array().unwrap().len(), 0);
    assert_eq!(theirs["websites"].as_array().unwrap().len(), 0);
    // Subscriptions too.
    let mut ws = w.app.ws(&intruder.token).await;
    ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": w.conv })).await;
    let m = ws.next().await.unwrap();
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{m}");
}

#[tokio::test]
async fn a_visitor_cannot_touch_another_visitors_conversation() {
    let w = world().await;
    let other = w.app.visitor(&w.site).await;
    let ops = [
        ("query($id: ID!) { conversation(id: $id) { id } }", json!({ "id": w.conv })),
        ("mutation($c: ID!) { sendMessage(input: {conversationId: $c, body: \"x\"}) { id } }", json!({ "c": w.conv })),
        ("mutation($c: ID!) { setTyping(conversationId: $c, isTyping: true) }", json!({ "c": w.conv })),
        ("mutation($c: ID!, $m: ID!) { markRead(conversationId: $c, messageId: $m) }", json!({ "c": w.conv, "m": w.msg })),
        ("mutation($c: ID!) { rateConversation(conversationId: $c, rating: 1) { id } }", json!({ "c": w.conv })),
    ];
    for (q, vars) in ops {
        assert_eq!(w.app.err(Some(&other.token), q, vars).await, "NOT_FOUND", "{q}");
    }
    let mine = w.app.ok(Some(&other.token), "{ conversations { edges { node { id } } } }", json!({})).await;
    assert_eq!(mine["conversations"]["edges"].as_array().unwrap().len(), 0);
    let mut ws = w.app.ws(&other.token).await;
    ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": w.conv })).await;
    let m = ws.next().await.unwrap();
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(w.app.messages(&w.owner.token, &w.conv).await.len(), 1);
}

#[tokio::test]
async fn resuming_after_a_message_of_another_conversation_is_not_found() {
    let w = world().await;
    let v2 = w.app.visitor(&w.site).await;
    let c2 = w.app.start_conversation(&v2, Some("other")).await;
    let mut ws = w.app.ws(&w.owner.token).await;
    ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": c2, "after": w.msg })).await;
    let m = ws.next().await.unwrap();
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{m}");
}
