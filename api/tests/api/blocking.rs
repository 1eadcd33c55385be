//! Blocking visitors: tokens revoked at once (HTTP and open sockets), new sessions of the
//! visitor, its external id or its network refused, lifting, and who may do it.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;

const BLOCK: &str = "mutation($i: BlockVisitorInput!) { blockVisitor(input: $i) { id externalId coversNetwork reason createdBy visitor { id } } }";
const UNBLOCK: &str = "mutation($id: ID!) { unblockVisitor(id: $id) }";
const BLOCKS: &str = "query($v: ID) { visitorBlocks(visitorId: $v) { edges { node { id visitor { id } } } } }";
const ME: &str = "{ currentVisitor { id } }";

async fn start_session(app: &TestApp, site: &Site, extra: Value) -> Value {
    let mut input = json!({ "websiteKey": site.key });
    input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    app.gql(None, "mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token visitor { id } } }", json!({ "i": input })).await
}

#[tokio::test]
async fn blocking_revokes_the_visitors_tokens_closes_its_socket_and_refuses_its_sessions() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let agent = app.add_agent(&owner, "Bo", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let d = app.ok(Some(&owner.token), "query($id: ID!) { website(id: $id) { identitySecret } }", json!({ "id": site.id })).await;
    let secret = d["website"]["identitySecret"].as_str().unwrap().to_owned();
    let v = app.visitor_with(&site, json!({ "externalId": "cust-9", "userHash": hmac_hex(&secret, "cust-9") })).await;
    let conv = app.start_conversation(&v, Some("you will regret this")).await;
    let bystander = app.visitor(&site).await;
    app.start_conversation(&bystander, Some("hello")).await;

    // The visitor is live on a socket, subscribed to its conversation.
    let mut ws = app.ws(&v.token).await;
    ws.subscribe("c", "subscription($c: ID!) { conversationEvents(conversationId: $c) { __typename } }", json!({ "c": conv })).await;
    app.wait_live_streams(1).await;
    let mut other = app.ws(&bystander.token).await;

    let b = app.ok(Some(&agent.token), BLOCK, json!({ "i": { "visitorId": v.id, "reason": "abuse" } })).await;
    let block = &b["blockVisitor"];
    assert_eq!(block["externalId"], "cust-9");
    assert_eq!(block["coversNetwork"], false);
    assert_eq!(block["visitor"]["id"], v.id.as_str());
    assert_eq!(block["createdBy"], agent.id.as_str());
    assert_eq!(app.err(Some(&agent.token), BLOCK, json!({ "i": { "visitorId": v.id } })).await, "BAD_USER_INPUT", "already blocked");

    // At once: the open socket closes with 4403, and the token is refused over HTTP.
    let code = tokio::time::timeout(Duration::from_secs(5), ws.closed()).await.expect("the socket is closed at once");
    assert_eq!(code, 4403);
    assert_eq!(code_of(&app.gql(Some(&v.token), ME, json!({})).await), "UNAUTHENTICATED");
    let mut again = app.ws_raw().await;
    again.send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {}", v.token) } })).await;
    assert_eq!(again.closed().await, 4403);
    // Another visitor of the site is untouched.
    assert!(other.quiet_for(Duration::from_millis(200)).await.is_ok());
    assert!(app.gql(Some(&bystander.token), ME, json!({})).await.get("errors").is_none());

    // New sessions: by its resume token, or by its external id from a new browser.
    let r = start_session(&app, &site, json!({ "resumeToken": v.resume })).await;
    assert_eq!(code_of(&r), "FORBIDDEN", "{r}");
    let r = start_session(&app, &site, json!({ "externalId": "cust-9", "userHash": hmac_hex(&secret, "cust-9") })).await;
    assert_eq!(code_of(&r), "FORBIDDEN", "{r}");
    // What blocking cannot stop: a new anonymous session (docs/operations.md says so).
    let r = start_session(&app, &site, json!({})).await;
    assert!(r.get("errors").is_none(), "{r}");

    let list = app.ok(Some(&agent.token), BLOCKS, json!({ "v": v.id })).await;
    let edges = list["visitorBlocks"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1);
    let block_id = edges[0]["node"]["id"].as_str().unwrap().to_owned();

    // Lifting: new sessions work again (past the second after the block whose tokens are
    // revoked too); the revoked token stays revoked.
    assert_eq!(app.ok(Some(&agent.token), UNBLOCK, json!({ "id": block_id })).await["unblockVisitor"], true);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let back = app.visitor_with(&site, json!({ "resumeToken": v.resume })).await;
    assert_eq!(back.id, v.id);
    assert!(app.gql(Some(&back.token), ME, json!({})).await.get("errors").is_none());
    assert_eq!(code_of(&app.gql(Some(&v.token), ME, json!({})).await), "UNAUTHENTICATED");
    assert_eq!(app.ok(Some(&agent.token), BLOCKS, json!({ "v": v.id })).await["visitorBlocks"]["edges"].as_array().unwrap().len(), 0);
    assert_eq!(app.err(Some(&agent.token), UNBLOCK, json!({ "id": block_id })).await, "NOT_FOUND", "a lifted block is not in force");

    // The revocation holds after a restart (loaded from the store).
    let app = app.restart(|_| {}).await;
    assert_eq!(code_of(&app.gql(Some(&v.token), ME, json!({})).await), "UNAUTHENTICATED");
    assert!(app.gql(Some(&back.token), ME, json!({})).await.get("errors").is_none());
}

#[tokio::test]
async fn a_network_block_refuses_new_sessions_from_the_visitors_network() {
    let app = spawn_app_with(|s| s.trust_proxy = true).await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let session = |ip: &'static str| {
        let (http, url, key) = (app.http.clone(), app.url.clone(), site.key.clone());
        async move {
            let q = "mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token visitor { id } } }";
            let r =
                http.post(&url).header("x-forwarded-for", ip).json(&json!({ "query": q, "variables": { "i": { "websiteKey": key } } })).send().await.unwrap();
            r.json::<Value>().await.unwrap()
        }
    };
    let first = session("203.0.113.77").await;
    let v = first["data"]["startVisitorSession"]["visitor"]["id"].as_str().unwrap().to_owned();

    let b = app.ok(Some(&owner.token), BLOCK, json!({ "i": { "visitorId": v, "network": true } })).await;
    assert_eq!(b["blockVisitor"]["coversNetwork"], true);
    assert!(!b.to_string().contains("203.0.113"), "agents never see the address: {b}");

    // Anyone on 203.0.113.0/24 is refused a new session; other networks are not.
    assert_eq!(code_of(&session("203.0.113.5").await), "FORBIDDEN");
    assert!(session("198.51.100.5").await.get("errors").is_none());
    let id = b["blockVisitor"]["id"].as_str().unwrap();
    app.ok(Some(&owner.token), UNBLOCK, json!({ "id": id })).await;
    assert!(session("203.0.113.5").await.get("errors").is_none());
}

#[tokio::test]
async fn only_staff_of_the_organization_block_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let rival = app.sign_up("Rita").await;
    let rival_site = app.create_website(&rival, &[]).await;
    let theirs = app.visitor(&rival_site).await;

    // A visitor cannot block (even itself), nor list blocks; nobody anonymous can.
    assert_eq!(app.err(Some(&v.token), BLOCK, json!({ "i": { "visitorId": v.id } })).await, "FORBIDDEN");
    assert_eq!(app.err(Some(&v.token), BLOCKS, json!({})).await, "FORBIDDEN");
    assert_eq!(app.err(None, BLOCK, json!({ "i": { "visitorId": v.id } })).await, "UNAUTHENTICATED");
    // Another tenant's visitor is not found, and not blocked.
    assert_eq!(app.err(Some(&owner.token), BLOCK, json!({ "i": { "visitorId": theirs.id } })).await, "NOT_FOUND");
    assert!(app.gql(Some(&theirs.token), ME, json!({})).await.get("errors").is_none());
    // Over-long reasons are refused and change nothing.
    let long = "x".repeat(501);
    assert_eq!(app.err(Some(&owner.token), BLOCK, json!({ "i": { "visitorId": v.id, "reason": long } })).await, "BAD_USER_INPUT");
    assert!(app.gql(Some(&v.token), ME, json!({})).await.get("errors").is_none());
    let b = app.ok(Some(&owner.token), BLOCK, json!({ "i": { "visitorId": v.id } })).await;
    // Another tenant cannot lift it, or see it.
    let id = b["blockVisitor"]["id"].as_str().unwrap();
    assert_eq!(app.err(Some(&rival.token), UNBLOCK, json!({ "id": id })).await, "NOT_FOUND");
    assert_eq!(app.ok(Some(&rival.token), BLOCKS, json!({})).await["visitorBlocks"]["edges"].as_array().unwrap().len(), 0);
    assert_eq!(code_of(&app.gql(Some(&v.token), ME, json!({})).await), "UNAUTHENTICATED");
}
