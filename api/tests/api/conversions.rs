//! Conversion tracking (docs/analytics.md#conversions): the browser's `trackEvents`
//! and the site server's `POST /conversions`, their attribution, bounds, and who may.

use serde_json::{json, Value};

use crate::helpers::*;

const TRACK: &str = "mutation($i: TrackEventsInput!) { trackEvents(input: $i) }";
const CONVERSIONS: &str = "query($id: ID!) { conversation(id: $id) { visitor { conversions { name value currency verified conversationId agentId \
                           properties { key value } } } } }";

async fn conversions_of(app: &TestApp, owner: &Agent, conversation: &str) -> Vec<Value> {
    let d = app.ok(Some(&owner.token), CONVERSIONS, json!({ "id": conversation })).await;
    d["conversation"]["visitor"]["conversions"].as_array().unwrap().clone()
}

async fn key_with(app: &TestApp, owner: &Agent, scopes: &str) -> String {
    let d = app.ok(Some(&owner.token), &format!("mutation {{ createApiKey(name: \"orders\", scopes: [{scopes}]) {{ secret }} }}"), json!({})).await;
    d["createApiKey"]["secret"].as_str().unwrap().to_owned()
}

/// POSTs a conversion; (status, body).
async fn post(app: &TestApp, key: Option<&str>, idempotency: Option<&str>, body: Value) -> (u16, Value) {
    let url = app.client.url.replace("/graphql", "/conversions");
    let mut req = app.client.http.post(url).json(&body);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    if let Some(i) = idempotency {
        req = req.header("Idempotency-Key", i);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_browser_tracks_goals_which_are_attributed_to_the_chat_and_unverified() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let set = "mutation($id: ID!, $i: UpdateWebsiteInput!) { updateWebsite(id: $id, input: $i) { goals conversionWindowDays browserRevenue } }";
    let d = app.ok(Some(&owner.token), set, json!({ "id": site.id, "i": { "goals": ["signup", "purchase", "signup"], "conversionWindowDays": 14 } })).await;
    assert_eq!(d["updateWebsite"], json!({ "goals": ["signup"], "conversionWindowDays": 14, "browserRevenue": false }));

    let v = app.visitor(&site).await;
    // Before any conversation: recorded, attributed to nothing.
    let early = json!({ "i": { "events": [{ "name": "signup" }] } });
    assert_eq!(app.ok(Some(&v.token), TRACK, early).await["trackEvents"], 1);
    let conv = app.start_conversation(&v, Some("is this in stock?")).await;
    let assign = "mutation($i: AssignConversationInput!) { assignConversation(input: $i) { id } }";
    app.ok(Some(&owner.token), assign, json!({ "i": { "conversationId": conv, "agentId": owner.id } })).await;
    let events = json!({ "i": { "events": [
        { "name": "purchase", "value": 19.99, "currency": "eur", "properties": [{ "key": "order", "value": "A-1" }] },
        { "name": "viewed_item" },
    ] } });
    assert_eq!(app.ok(Some(&v.token), TRACK, events).await["trackEvents"], 1, "a page event that is no goal is not kept");

    let list = conversions_of(&app, &owner, &conv).await;
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0]["name"], "purchase");
    assert_eq!(list[0]["value"], 19.99);
    assert_eq!(list[0]["currency"], "EUR");
    assert_eq!(list[0]["verified"], false);
    assert_eq!(list[0]["conversationId"], json!(conv));
    assert_eq!(list[0]["agentId"], json!(owner.id));
    assert_eq!(list[0]["properties"], json!([{ "key": "order", "value": "A-1" }]));
    assert_eq!(list[1]["name"], "signup");
    assert_eq!(list[1]["conversationId"], Value::Null, "before the conversation started");

    // Bad input refuses the whole call and records nothing.
    for bad in [
        json!([{ "name": "purchase", "value": 1e12, "currency": "USD" }]),
        json!([{ "name": "purchase", "value": 10, "currency": "XYZ" }]),
        json!([{ "name": "purchase", "value": 10 }]),
        json!([{ "name": "purchase", "value": -1, "currency": "USD" }]),
        json!([{ "name": "bad name!" }]),
        json!([{ "name": "signup", "occurredAt": "2001-01-01T00:00:00Z" }]),
        json!([{ "name": "signup", "properties": [{ "key": "x", "value": "y".repeat(201) }] }]),
        json!((0..21).map(|_| json!({ "name": "signup" })).collect::<Vec<_>>()),
        json!([{ "name": "signup" }, { "name": "purchase", "value": 5, "currency": "NOPE" }]),
    ] {
        assert_eq!(app.err(Some(&v.token), TRACK, json!({ "i": { "events": bad } })).await, "BAD_USER_INPUT", "{bad}");
    }
    assert_eq!(conversions_of(&app, &owner, &conv).await.len(), 2, "nothing more was recorded");

    // Only visitors track; agents and keys do not.
    assert_eq!(app.err(Some(&owner.token), TRACK, json!({ "i": { "events": [] } })).await, "FORBIDDEN");
    assert_eq!(app.err(None, TRACK, json!({ "i": { "events": [] } })).await, "UNAUTHENTICATED");
    // A visitor sees no conversions list (it is the team's).
    let mine = app.ok(Some(&v.token), "query($id: ID!) { conversation(id: $id) { id } }", json!({ "id": conv })).await;
    assert_eq!(mine["conversation"]["id"], json!(conv));
}

#[tokio::test]
async fn the_sites_server_posts_verified_purchases_once_per_key() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let secret = app.ok(Some(&owner.token), "query($id: ID!) { website(id: $id) { identitySecret } }", json!({ "id": site.id })).await["website"]
        ["identitySecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = app.visitor_with(&site, json!({ "externalId": "cust-7", "userHash": hmac_hex(&secret, "cust-7") })).await;
    let conv = app.start_conversation(&v, Some("do you ship to Oslo?")).await;
    let key = key_with(&app, &owner, "CONVERSIONS_WRITE").await;

    let body = json!({ "websiteId": site.id, "userId": "cust-7", "name": "purchase", "value": 120.5, "currency": "NOK", "properties": { "order": "1001" } });
    let (status, first) = post(&app, Some(&key), Some("order-1001"), body.clone()).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["conversion"]["verified"], true);
    assert_eq!(first["conversion"]["value"], 120.5);
    assert_eq!(first["conversion"]["conversationId"], json!(conv));
    // The order system retries: the same conversion, not a second one.
    let (status, again) = post(&app, Some(&key), Some("order-1001"), body.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(again["conversion"]["id"], first["conversion"]["id"]);
    assert_eq!(conversions_of(&app, &owner, &conv).await.len(), 1);
    // A customer nobody chatted with: nothing to attribute, nothing stored.
    let (status, none) = post(&app, Some(&key), Some("order-1002"), json!({ "websiteId": site.id, "userId": "stranger", "name": "purchase" })).await;
    assert_eq!((status, none), (202, json!({ "conversion": null })));

    // Who may, and bad input: each a clear code, nothing recorded.
    let code = |v: &Value| v["errors"][0]["extensions"]["code"].as_str().unwrap_or("").to_owned();
    let (s, r) = post(&app, None, Some("k1"), body.clone()).await;
    assert_eq!((s, code(&r).as_str()), (401, "UNAUTHENTICATED"));
    let plain = key_with(&app, &owner, "CONVERSATIONS_READ").await;
    let (s, r) = post(&app, Some(&plain), Some("k2"), body.clone()).await;
    assert_eq!((s, code(&r).as_str()), (403, "FORBIDDEN"));
    let (s, r) = post(&app, Some(&owner.token), Some("k3"), body.clone()).await;
    assert_eq!((s, code(&r).as_str()), (403, "FORBIDDEN"), "an agent's session is not an order system");
    let (s, r) = post(&app, Some(&key), None, body.clone()).await;
    assert_eq!((s, code(&r).as_str()), (400, "BAD_USER_INPUT"), "no Idempotency-Key");
    let rival = app.sign_up("Rita").await;
    let rival_key = key_with(&app, &rival, "CONVERSIONS_WRITE").await;
    let (s, r) = post(&app, Some(&rival_key), Some("k4"), body.clone()).await;
    assert_eq!((s, code(&r).as_str()), (404, "NOT_FOUND"), "another organization's website");
    for bad in [
        json!({ "websiteId": site.id, "userId": "cust-7", "name": "purchase", "value": 1e12, "currency": "USD" }),
        json!({ "websiteId": site.id, "userId": "cust-7", "name": "purchase", "value": 5, "currency": "ABC" }),
        json!({ "websiteId": site.id, "userId": "cust-7", "name": "newsletter" }),
        json!({ "websiteId": site.id, "userId": "cust-7", "name": "purchase", "occurredAt": "yesterday" }),
        json!({ "websiteId": site.id, "userId": "cust-7", "name": "purchase", "surprise": true }),
        json!({ "websiteId": site.id, "userId": "", "name": "purchase" }),
    ] {
        let (s, r) = post(&app, Some(&key), Some("k5"), bad.clone()).await;
        assert_eq!((s, code(&r).as_str()), (400, "BAD_USER_INPUT"), "{bad}");
    }
    // Refused alike for a user nobody chatted with.
    let (s, r) = post(&app, Some(&key), Some("k7"), json!({ "websiteId": site.id, "userId": "stranger", "name": "newsletter" })).await;
    assert_eq!((s, code(&r).as_str()), (400, "BAD_USER_INPUT"));
    let big = json!({ "websiteId": site.id, "userId": "cust-7", "name": "purchase", "properties": { "note": "x".repeat(9000) } });
    let (s, _) = post(&app, Some(&key), Some("k6"), big).await;
    assert_eq!(s, 413);
    assert_eq!(conversions_of(&app, &owner, &conv).await.len(), 1);
}
