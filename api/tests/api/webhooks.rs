//! Webhooks (docs/webhooks.md) against a local receiver: signed per the Standard
//! Webhooks specification (checked here with our own HMAC, and in sdk-js with the
//! `standardwebhooks` package), filtered, retried on the schedule with the same id,
//! disabled when gone or failing, refused at private addresses, and managed only by
//! the organization's owners, admins and scoped keys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

use crate::helpers::*;

/// (receiver name, headers, body) of one delivery.
type Got = (String, HeaderMap, String);

/// Answers to give per receiver name, in order (then 204): (status, Retry-After).
type Script = HashMap<String, Vec<(u16, Option<u64>)>>;

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Got>>>,
    script: Arc<Mutex<Script>>,
}

async fn receive(State(r): State<Receiver>, Path(name): Path<String>, headers: HeaderMap, body: String) -> axum::response::Response {
    r.got.lock().unwrap().push((name.clone(), headers, body));
    let next = r.script.lock().unwrap().get_mut(&name).and_then(|s| (!s.is_empty()).then(|| s.remove(0)));
    let (status, retry_after) = next.unwrap_or(if name.starts_with("down") { (500, None) } else { (204, None) });
    let mut res = StatusCode::from_u16(status).unwrap().into_response();
    if let Some(s) = retry_after {
        res.headers_mut().insert("retry-after", s.to_string().parse().unwrap());
    }
    res
}

async fn receiver() -> (Receiver, String) {
    let r = Receiver::default();
    let app = axum::Router::new().route("/hook/{name}", axum::routing::post(receive)).with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (r, base)
}

impl Receiver {
    fn of(&self, name: &str) -> Vec<Got> {
        self.got.lock().unwrap().iter().filter(|(n, _, _)| n == name).cloned().collect()
    }

    /// Waits until `name` got `n` deliveries (10 s at most).
    async fn wait(&self, name: &str, n: usize) -> Vec<Got> {
        for _ in 0..200 {
            if self.of(name).len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.of(name)
    }
}

fn header<'a>(h: &'a HeaderMap, k: &str) -> &'a str {
    h.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// Checks the delivery's signature with `secret` as a receiver does (the spec, written
/// out here rather than calling the server's code).
fn verified(secret: &str, (_, h, body): &Got) -> bool {
    let key = B64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", header(h, "webhook-id"), header(h, "webhook-timestamp"), body).as_bytes());
    let expected = format!("v1,{}", B64.encode(mac.finalize().into_bytes()));
    let fresh = (header(h, "webhook-timestamp").parse::<i64>().unwrap() - chinwag::time::now_ms() / 1000).abs() < 300;
    fresh && header(h, "webhook-signature").split(' ').any(|s| s == expected)
}

fn event(g: &Got) -> Value {
    serde_json::from_str(&g.2).unwrap()
}

fn types(got: &[Got]) -> Vec<String> {
    got.iter().map(|g| event(g)["type"].as_str().unwrap().to_owned()).collect()
}

const CREATE: &str = "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { id secret enabled eventTypes } }";
const ENDPOINT: &str = "query($id: ID!) { webhookEndpoint(id: $id) { enabled disabledReason failingSince \
                        attempts(first: 50) { edges { node { id eventId eventType attempt outcome status nextAttemptAt manual } } } } }";

async fn create(app: &TestApp, token: &str, url: &str, types: Value) -> (String, String) {
    let d = app.ok(Some(token), CREATE, json!({ "i": { "url": url, "eventTypes": types } })).await;
    (d["createWebhookEndpoint"]["id"].as_str().unwrap().to_owned(), d["createWebhookEndpoint"]["secret"].as_str().unwrap().to_owned())
}

async fn endpoint(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(Some(token), ENDPOINT, json!({ "id": id })).await["webhookEndpoint"].clone()
}

/// The endpoint's attempts, oldest first, once it has `n` (10 s at most).
async fn attempts(app: &TestApp, token: &str, id: &str, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let e = endpoint(app, token, id).await;
        let mut list: Vec<Value> = e["attempts"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect();
        if list.len() >= n {
            list.reverse();
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("endpoint {id} has fewer than {n} attempts");
}

#[tokio::test]
async fn a_conversations_events_arrive_signed_filtered_and_logged() {
    let app = spawn_app_with(|s| s.outbound_allow_private = true).await;
    let (r, base) = receiver().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (all, secret) = create(&app, &owner.token, &format!("{base}/hook/all"), json!([])).await;
    let (_, ratings_secret) = create(&app, &owner.token, &format!("{base}/hook/ratings"), json!(["RATING_RECEIVED"])).await;

    let identity = app.ok(Some(&owner.token), "query($id: ID!) { website(id: $id) { identitySecret } }", json!({ "id": site.id })).await["website"]
        ["identitySecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = app.visitor_with(&site, json!({ "externalId": "u-42", "userHash": hmac_hex(&identity, "u-42"), "email": "kim@example.test" })).await;
    let c = app.start_conversation(&v, Some("Where is my order?")).await;
    app.send(&owner.token, &c, "It ships today.").await;
    app.send_raw(&owner.token, &c, "note: check the warehouse", None, true).await;
    app.ok(Some(&owner.token), "mutation($c: ID!) { setConversationStatus(conversationId: $c, status: RESOLVED) { id } }", json!({ "c": c })).await;
    app.ok(Some(&v.token), "mutation($c: ID!) { rateConversation(conversationId: $c, rating: 5, comment: \"quick\") { id } }", json!({ "c": c })).await;

    let got = r.wait("all", 8).await;
    let mut seen = types(&got);
    seen.sort();
    assert_eq!(
        seen,
        [
            "conversation.assigned",
            "conversation.created",
            "conversation.resolved",
            "message.created",
            "message.created",
            "message.created",
            "rating.received",
            "visitor.identified"
        ],
        "the agent's reply took the chat (assigned)"
    );
    for g in &got {
        assert!(verified(&secret, g), "signed: {:?}", g.1);
        assert!(!verified(&ratings_secret, g), "with this endpoint's secret only");
        assert!(header(&g.1, "webhook-id").starts_with("evt_") && header(&g.1, "content-type") == "application/json");
        assert!(event(g)["timestamp"].as_str().unwrap().ends_with('Z'));
    }
    let ids: std::collections::HashSet<&str> = got.iter().map(|g| header(&g.1, "webhook-id")).collect();
    assert_eq!(ids.len(), got.len(), "one id per event");

    let by_type = |t: &str| got.iter().map(event).filter(|e| e["type"] == t).collect::<Vec<_>>();
    // Not delivered in order (docs/webhooks.md#order): a message's `seq` orders them.
    let mut messages = by_type("message.created");
    messages.sort_by_key(|m| m["data"]["message"]["seq"].as_i64());
    assert_eq!(messages[0]["data"]["message"]["body"], "Where is my order?");
    assert_eq!(messages[0]["data"]["message"]["senderKind"], "VISITOR");
    assert_eq!(messages[0]["data"]["conversation"]["id"], json!(c));
    assert!(messages.iter().any(|m| m["data"]["message"]["isPrivate"] == true), "notes reach the organization's own endpoints, marked");
    assert_eq!(by_type("conversation.assigned")[0]["data"]["conversation"]["assigneeId"], json!(owner.id));
    assert_eq!(by_type("rating.received")[0]["data"]["rating"], json!({ "score": 5, "comment": "quick" }));
    let who = &by_type("visitor.identified")[0]["data"]["visitor"];
    assert_eq!((who["id"].as_str(), who["externalId"].as_str()), (Some(v.id.as_str()), Some("u-42")));

    let rated = r.wait("ratings", 1).await;
    assert_eq!(types(&rated), ["rating.received"], "the filter holds");
    assert!(verified(&ratings_secret, &rated[0]));

    let log = attempts(&app, &owner.token, &all, 8).await;
    assert!(log.iter().all(|a| a["outcome"] == "SUCCEEDED" && a["status"] == 204 && a["attempt"] == 1), "{log:?}");
    let logged: std::collections::HashSet<&str> = log.iter().map(|a| a["eventId"].as_str().unwrap()).collect();
    assert_eq!(logged, ids, "the log names the ids the receiver saw");

    // Resuming the identified visitor is no second identification.
    app.visitor_with(&site, json!({ "externalId": "u-42", "userHash": hmac_hex(&identity, "u-42") })).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(types(&r.of("all")).iter().filter(|t| *t == "visitor.identified").count(), 1);
}

#[tokio::test]
async fn a_failing_receiver_is_retried_on_the_schedule_with_the_same_id_and_retry_after_is_honoured() {
    let clock = chinwag::jobs::ManualClock::starting_now();
    let app = spawn_app_with_clock(|s| s.outbound_allow_private = true, clock.clone()).await;
    let (r, base) = receiver().await;
    r.script.lock().unwrap().insert("flaky".into(), vec![(500, None), (503, Some(600))]);
    let owner = app.sign_up("Ann").await;
    let (id, secret) = create(&app, &owner.token, &format!("{base}/hook/flaky"), json!(["WEBHOOK_TEST"])).await;
    let event_id = app.ok(Some(&owner.token), "mutation($id: ID!) { testWebhookEndpoint(id: $id) }", json!({ "id": id })).await["testWebhookEndpoint"]
        .as_str()
        .unwrap()
        .to_owned();
    app.app.jobs.wake();

    let first = attempts(&app, &owner.token, &id, 1).await;
    assert_eq!((first[0]["outcome"].as_str(), first[0]["status"].as_i64()), (Some("FAILED"), Some(500)));
    let next = chinwag::time::parse_rfc3339(first[0]["nextAttemptAt"].as_str().unwrap()).unwrap();
    let wait = next - clock_now(&clock);
    assert!((4_500..=5_500).contains(&wait), "the second attempt 5 s later, with jitter: {wait} ms");

    clock.advance(Duration::from_secs(6));
    app.app.jobs.wake();
    let second = attempts(&app, &owner.token, &id, 2).await;
    assert_eq!((second[1]["outcome"].as_str(), second[1]["status"].as_i64(), second[1]["attempt"].as_i64()), (Some("FAILED"), Some(503), Some(2)));
    let next = chinwag::time::parse_rfc3339(second[1]["nextAttemptAt"].as_str().unwrap()).unwrap();
    assert!(next - clock_now(&clock) >= 599_000, "Retry-After: 600 beats the schedule's 5 minutes");

    clock.advance(Duration::from_secs(5 * 60));
    app.app.jobs.wake();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(r.of("flaky").len(), 2, "not before Retry-After");
    clock.advance(Duration::from_secs(301));
    app.app.jobs.wake();
    let third = attempts(&app, &owner.token, &id, 3).await;
    assert_eq!((third[2]["outcome"].as_str(), third[2]["status"].as_i64(), third[2]["attempt"].as_i64()), (Some("SUCCEEDED"), Some(204), Some(3)));
    let got = r.of("flaky");
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|g| header(&g.1, "webhook-id") == event_id && verified(&secret, g)), "every attempt is the same event, signed afresh");
    assert!(endpoint(&app, &owner.token, &id).await["failingSince"].is_null(), "a success clears the failure");
}

fn clock_now(c: &chinwag::jobs::ManualClock) -> i64 {
    use chinwag::jobs::Clock as _;
    c.now_ms()
}

#[tokio::test]
async fn gone_or_failing_for_five_days_disables_the_endpoint_and_the_owners_hear_of_it() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let clock = chinwag::jobs::ManualClock::starting_now();
    let app = spawn_app_with_clock(
        move |s| {
            s.outbound_allow_private = true;
            s.smtp_url = Some(url);
        },
        clock.clone(),
    )
    .await;
    let (r, base) = receiver().await;
    r.script.lock().unwrap().insert("gone".into(), vec![(410, None)]);
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (watch, _) = create(&app, &owner.token, &format!("{base}/hook/watch"), json!(["ENDPOINT_DISABLED"])).await;
    let (gone, _) = create(&app, &owner.token, &format!("{base}/hook/gone"), json!(["CONVERSATION_CREATED"])).await;
    let (down, _) = create(&app, &owner.token, &format!("{base}/hook/down"), json!(["MESSAGE_CREATED"])).await;

    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("hello")).await;
    app.app.jobs.wake();
    let log = attempts(&app, &owner.token, &gone, 1).await;
    assert_eq!(log[0]["outcome"], "GONE");
    let e = endpoint(&app, &owner.token, &gone).await;
    assert_eq!(e["enabled"], false);
    assert!(e["disabledReason"].as_str().unwrap().contains("410"));
    let mail = sink.wait_for("A webhook endpoint was disabled").await;
    assert!(mail.contains(&format!("{base}/hook/gone")) && mail.contains("410"), "{mail}");
    let notice = r.wait("watch", 1).await;
    assert_eq!(event(&notice[0])["data"]["endpointId"], json!(gone), "other endpoints get endpoint.disabled");

    // `down` fails from the first message on; five days later it is still failing.
    attempts(&app, &owner.token, &down, 1).await;
    assert!(endpoint(&app, &owner.token, &down).await["failingSince"].is_string());
    clock.advance(Duration::from_secs(5 * 86_400 + 60));
    app.send(&v.token, &c, "still there?").await;
    app.app.jobs.wake();
    // Up to 30 s: on a loaded CI machine the retries that fell due with the clock's jump
    // are worked through first.
    for _ in 0..600 {
        if endpoint(&app, &owner.token, &down).await["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let e = endpoint(&app, &owner.token, &down).await;
    assert_eq!(e["enabled"], false);
    assert!(e["disabledReason"].as_str().unwrap().contains("five days"), "{e}");
    assert_eq!(r.wait("watch", 2).await.len(), 2);

    // A disabled endpoint gets nothing more; enabling it forgets its failures.
    let before = r.of("down").len();
    app.send(&v.token, &c, "anyone?").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(r.of("down").len(), before);
    let on = app
        .ok(
            Some(&owner.token),
            "mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {enabled: true}) { enabled failingSince disabledReason } }",
            json!({ "id": down }),
        )
        .await;
    assert_eq!(on["updateWebhookEndpoint"], json!({ "enabled": true, "failingSince": null, "disabledReason": null }));
    let _ = watch;
}

#[tokio::test]
async fn missed_events_are_recovered_and_one_attempt_is_replayed_by_hand() {
    let app = spawn_app_with(|s| s.outbound_allow_private = true).await;
    let (r, base) = receiver().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (id, secret) = create(&app, &owner.token, &format!("{base}/hook/crm"), json!(["MESSAGE_CREATED"])).await;
    let toggle = "mutation($id: ID!, $on: Boolean!) { updateWebhookEndpoint(id: $id, input: {enabled: $on}) { enabled } }";
    let since = chinwag::time::rfc3339(chinwag::time::now_ms() - 1000);

    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("one")).await;
    r.wait("crm", 1).await;
    app.ok(Some(&owner.token), toggle, json!({ "id": id, "on": false })).await;
    app.send(&v.token, &c, "two").await;
    app.send(&v.token, &c, "three").await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(r.of("crm").len(), 1, "nothing reaches a disabled endpoint");
    let refused =
        app.err(Some(&owner.token), "mutation($id: ID!, $s: DateTime!) { recoverWebhookEndpoint(id: $id, since: $s) }", json!({ "id": id, "s": since })).await;
    assert_eq!(refused, "BAD_USER_INPUT", "enable it first");

    app.ok(Some(&owner.token), toggle, json!({ "id": id, "on": true })).await;
    let n =
        app.ok(Some(&owner.token), "mutation($id: ID!, $s: DateTime!) { recoverWebhookEndpoint(id: $id, since: $s) }", json!({ "id": id, "s": since })).await;
    assert_eq!(n["recoverWebhookEndpoint"], 2, "the two it missed, not the one it got");
    let got = r.wait("crm", 3).await;
    let bodies: Vec<Value> = got.iter().map(|g| event(g)["data"]["message"]["body"].clone()).collect();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.contains(&json!("two")) && bodies.contains(&json!("three")), "{bodies:?}");
    assert!(got.iter().all(|g| verified(&secret, g)));

    let log = attempts(&app, &owner.token, &id, 3).await;
    assert!(log[1]["manual"] == true && log[2]["manual"] == true);
    let first = &log[0];
    let replayed = app.ok(Some(&owner.token), "mutation($id: ID!) { replayWebhookAttempt(id: $id) { eventId } }", json!({ "id": first["id"] })).await;
    assert_eq!(replayed["replayWebhookAttempt"]["eventId"], first["eventId"]);
    let got = r.wait("crm", 4).await;
    assert_eq!(header(&got[3].1, "webhook-id"), first["eventId"].as_str().unwrap(), "the same event, the same id");
    let too_old = chinwag::time::rfc3339(chinwag::time::now_ms() - 31 * 86_400_000);
    let old = app
        .err(Some(&owner.token), "mutation($id: ID!, $s: DateTime!) { recoverWebhookEndpoint(id: $id, since: $s) }", json!({ "id": id, "s": too_old }))
        .await;
    assert_eq!(old, "BAD_USER_INPUT", "events are kept 30 days");
}

#[tokio::test]
async fn endpoints_at_private_addresses_or_bad_urls_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.7/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
        "ftp://example.com/hook",
        "https://example.com/#frag",
        "not a url",
    ] {
        let r = app.gql(Some(&owner.token), CREATE, json!({ "i": { "url": url } })).await;
        assert_eq!(code_of(&r), "BAD_USER_INPUT", "{url}: {r}");
    }
    let long = app.gql(Some(&owner.token), CREATE, json!({ "i": { "url": "https://example.com/", "description": "d".repeat(201) } })).await;
    assert_eq!(code_of(&long), "BAD_USER_INPUT");
    let rate = app.gql(Some(&owner.token), CREATE, json!({ "i": { "url": "https://example.com/", "rateLimit": 0 } })).await;
    assert_eq!(code_of(&rate), "BAD_USER_INPUT");
    let listed = app.ok(Some(&owner.token), "{ webhookEndpoints { id } }", json!({})).await;
    assert_eq!(listed["webhookEndpoints"], json!([]));
}

#[tokio::test]
async fn only_the_organizations_owners_admins_and_scoped_keys_manage_its_endpoints() {
    let app = spawn_app_with(|s| s.outbound_allow_private = true).await;
    let (_, base) = receiver().await;
    let owner = app.sign_up("Ann").await;
    let agent = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let url = format!("{base}/hook/x");
    for token in [&agent.token, &v.token] {
        let r = app.gql(Some(token), CREATE, json!({ "i": { "url": url } })).await;
        assert_eq!(code_of(&r), "FORBIDDEN");
    }
    let key = |scopes: &str| {
        let doc = format!("mutation {{ createApiKey(name: \"zapier\", scopes: [{scopes}]) {{ secret }} }}");
        let app = &app;
        let owner = &owner;
        async move { app.ok(Some(&owner.token), &doc, json!({})).await["createApiKey"]["secret"].as_str().unwrap().to_owned() }
    };
    let plain = key("CONVERSATIONS_READ").await;
    assert_eq!(code_of(&app.gql(Some(&plain), CREATE, json!({ "i": { "url": url } })).await), "FORBIDDEN");
    // A REST hook: Zapier subscribes and unsubscribes with a scoped key.
    let zapier = key("WEBHOOKS_MANAGE").await;
    let (id, _) = create(&app, &zapier, &url, json!(["CONVERSATION_CREATED"])).await;
    assert_eq!(app.ok(Some(&zapier), "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }", json!({ "id": id })).await["deleteWebhookEndpoint"], true);

    let (id, _) = create(&app, &owner.token, &url, json!([])).await;
    let other = app.sign_up("Eve").await;
    for (doc, vars) in [
        ("query($id: ID!) { webhookEndpoint(id: $id) { secret } }", json!({ "id": id })),
        ("mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {url: \"https://evil.example/\"}) { id } }", json!({ "id": id })),
        ("mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }", json!({ "id": id })),
        ("mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }", json!({ "id": id })),
        ("mutation($id: ID!) { testWebhookEndpoint(id: $id) }", json!({ "id": id })),
    ] {
        assert_eq!(code_of(&app.gql(Some(&other.token), doc, vars).await), "NOT_FOUND", "{doc}");
    }
    assert_eq!(app.ok(Some(&other.token), "{ webhookEndpoints { id } }", json!({})).await["webhookEndpoints"], json!([]));
    assert_eq!(endpoint(&app, &owner.token, &id).await["enabled"], true, "unchanged");

    for _ in 1..20 {
        create(&app, &owner.token, &url, json!([])).await;
    }
    assert_eq!(code_of(&app.gql(Some(&owner.token), CREATE, json!({ "i": { "url": url } })).await), "PLAN_LIMIT", "20 per organization");
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_old_one_during_the_overlap() {
    let app = spawn_app_with(|s| s.outbound_allow_private = true).await;
    let (r, base) = receiver().await;
    let owner = app.sign_up("Ann").await;
    let (id, old) = create(&app, &owner.token, &format!("{base}/hook/rot"), json!([])).await;
    let test = "mutation($id: ID!) { testWebhookEndpoint(id: $id) }";
    app.ok(Some(&owner.token), test, json!({ "id": id })).await;
    r.wait("rot", 1).await;
    let rotated = app
        .ok(Some(&owner.token), "mutation($id: ID!) { rotateWebhookSecret(id: $id, overlapHours: 1) { secret previousSecretExpiresAt } }", json!({ "id": id }))
        .await;
    let new = rotated["rotateWebhookSecret"]["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated["rotateWebhookSecret"]["previousSecretExpiresAt"].is_string());
    app.ok(Some(&owner.token), test, json!({ "id": id })).await;
    let got = r.wait("rot", 2).await;
    assert!(verified(&old, &got[0]) && !verified(&new, &got[0]));
    assert!(verified(&old, &got[1]) && verified(&new, &got[1]), "both during the overlap");
    assert_eq!(header(&got[1].1, "webhook-signature").split(' ').count(), 2);

    let none = app.ok(Some(&owner.token), "mutation($id: ID!) { rotateWebhookSecret(id: $id, overlapHours: 0) { secret } }", json!({ "id": id })).await;
    let newest = none["rotateWebhookSecret"]["secret"].as_str().unwrap().to_owned();
    app.ok(Some(&owner.token), test, json!({ "id": id })).await;
    let got = r.wait("rot", 3).await;
    assert!(verified(&newest, &got[2]) && !verified(&new, &got[2]), "no overlap: the old secret stops at once");
}

#[tokio::test]
async fn a_long_message_is_cut_in_its_event_and_a_receiver_that_falls_behind_is_disabled_at_its_backlog_cap() {
    let app = spawn_app_with(|s| {
        s.outbound_allow_private = true;
        s.jobs.webhook_backlog = 3;
        s.jobs.webhook_schedule = chinwag::config::WebhookSchedule(vec![Duration::ZERO, Duration::from_secs(3600)]);
    })
    .await;
    let (r, base) = receiver().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (big, _) = create(&app, &owner.token, &format!("{base}/hook/big"), json!(["MESSAGE_CREATED"])).await;
    let (down, _) = create(&app, &owner.token, &format!("{base}/hook/down"), json!(["MESSAGE_CREATED"])).await;
    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some(&"€".repeat(10_000))).await;
    let got = r.wait("big", 1).await;
    assert!(got[0].2.len() <= 20 * 1024, "at most 20 KB: {}", got[0].2.len());
    let m = &event(&got[0])["data"]["message"];
    assert_eq!(m["bodyTruncated"], true);
    assert!(m["body"].as_str().unwrap().chars().all(|ch| ch == '€'), "cut at a character");
    let _ = big;

    // `down` keeps failing: each delivery waits an hour for its second attempt.
    for i in 0..3 {
        app.send(&v.token, &c, &format!("m{i}")).await;
    }
    attempts(&app, &owner.token, &down, 4).await;
    // Backlogs are counted every 5 s per node.
    tokio::time::sleep(Duration::from_millis(5200)).await;
    app.send(&v.token, &c, "one too many").await;
    for _ in 0..100 {
        if endpoint(&app, &owner.token, &down).await["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let e = endpoint(&app, &owner.token, &down).await;
    assert_eq!(e["enabled"], false);
    assert!(e["disabledReason"].as_str().unwrap().contains("waiting"), "{e}");
}

#[tokio::test]
async fn erasing_a_visitor_erases_the_events_kept_for_replay() {
    let app = spawn_app_with(|s| s.outbound_allow_private = true).await;
    let (r, base) = receiver().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (id, _) = create(&app, &owner.token, &format!("{base}/hook/crm"), json!(["MESSAGE_CREATED"])).await;
    let v = app.visitor(&site).await;
    app.start_conversation(&v, Some("my card ends 4242")).await;
    r.wait("crm", 1).await;
    let attempt = attempts(&app, &owner.token, &id, 1).await[0]["id"].clone();

    let erase = "mutation($i: PersonInput!) { eraseVisitor(input: $i) { id } }";
    let e = app.ok(Some(&owner.token), erase, json!({ "i": { "visitorId": v.id } })).await["eraseVisitor"]["id"].clone();
    for _ in 0..200 {
        if app.ok(Some(&owner.token), "query($id: ID!) { erasure(id: $id) { done } }", json!({ "id": e })).await["erasure"]["done"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A replay finds nothing to send: the event with the visitor's words is gone.
    app.ok(Some(&owner.token), "mutation($id: ID!) { replayWebhookAttempt(id: $id) { id } }", json!({ "id": attempt })).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(r.of("crm").len(), 1, "nothing replayed after the erasure");
}

#[tokio::test]
async fn a_conversion_arrives_as_conversion_tracked_with_the_documented_fields() {
    let app = spawn_app_with(|s| s.outbound_allow_private = true).await;
    let (r, base) = receiver().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (_, secret) = create(&app, &owner.token, &format!("{base}/hook/sales"), json!(["CONVERSION_TRACKED"])).await;
    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("Does it come in blue?")).await;
    let track = "mutation($i: TrackEventsInput!) { trackEvents(input: $i) }";
    app.ok(Some(&v.token), track, json!({ "i": { "events": [{ "name": "purchase", "value": 42, "currency": "USD" }, { "name": "scrolled" }] } })).await;

    let got = r.wait("sales", 1).await;
    assert_eq!(types(&got), ["conversion.tracked"], "only the conversion, as filtered");
    assert!(verified(&secret, &got[0]));
    let conversion = &event(&got[0])["data"]["conversion"];
    assert_eq!((conversion["name"].as_str(), conversion["value"].as_f64(), conversion["currency"].as_str()), (Some("purchase"), Some(42.0), Some("USD")));
    assert_eq!(conversion["verified"], false);
    assert_eq!(conversion["conversationId"], json!(c));
    assert_eq!(conversion["visitorId"], json!(v.id));
    // Every field docs/webhooks/events.v1.schema.json requires is there.
    let schema: Value = serde_json::from_str(include_str!("../../../docs/webhooks/events.v1.schema.json")).unwrap();
    let required = &schema["definitions"]["conversionTracked"]["properties"]["data"]["properties"]["conversion"]["required"];
    for field in required.as_array().unwrap() {
        assert!(conversion.get(field.as_str().unwrap()).is_some(), "{field} in {conversion}");
    }
}
