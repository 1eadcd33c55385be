//! Web Push to agents (docs/routing.md#web-push), against a push service written from
//! RFC 8030 (delivery), RFC 8291 (message encryption) and RFC 8292 (VAPID): it checks
//! the VAPID header as a push service does, decrypts with the subscription's keys as a
//! browser does, and answers as the test tells it (201, or 410 for a gone subscription).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::helpers::*;

/// (subscription name, headers, body) of a push received.
type Push = (String, HeaderMap, Vec<u8>);

#[derive(Clone, Default)]
struct PushService {
    got: Arc<Mutex<Vec<Push>>>,
}

async fn receive(State(s): State<PushService>, Path(name): Path<String>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    s.got.lock().unwrap().push((name.clone(), headers, body.to_vec()));
    if name.starts_with("gone") {
        StatusCode::GONE
    } else {
        StatusCode::CREATED
    }
}

async fn push_service() -> (PushService, String) {
    let s = PushService::default();
    let app = axum::Router::new().route("/push/{name}", axum::routing::post(receive)).with_state(s.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (s, base)
}

const SUBSCRIBE: &str = "mutation($e: String!, $k: String!, $a: String!) { subscribeWebPush(endpoint: $e, p256dh: $k, auth: $a) }";

async fn wait_pushes(s: &PushService, n: usize) -> Vec<Push> {
    for _ in 0..100 {
        if s.got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.got.lock().unwrap().clone()
}

#[tokio::test]
async fn an_offer_wakes_the_agents_subscription_encrypted_and_signed() {
    let app = spawn_app_with(|s| s.outbound_allow_private = true).await;
    let (service, base) = push_service().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let key = app.ok(Some(&bob.token), "query { webPushPublicKey }", json!({})).await["webPushPublicKey"].as_str().unwrap().to_owned();
    assert_eq!(B64.decode(&key).unwrap().len(), 65);
    assert_eq!(app.ok(Some(&owner.token), "query { webPushPublicKey }", json!({})).await["webPushPublicKey"], json!(key), "one key for the server");

    let (browser_key, p256dh, auth) = chinwag::push::test_subscription_keys();
    let endpoint = format!("{base}/push/bob-phone");
    app.ok(Some(&bob.token), SUBSCRIBE, json!({ "e": endpoint, "k": p256dh, "a": B64.encode(&auth) })).await;
    // A second subscription the push service says is gone: dropped after one try.
    let (_, gone_key, gone_auth) = chinwag::push::test_subscription_keys();
    app.ok(Some(&bob.token), SUBSCRIBE, json!({ "e": format!("{base}/push/gone-laptop"), "k": gone_key, "a": B64.encode(&gone_auth) })).await;

    app.ok(Some(&owner.token), "mutation { updateRoutingSettings(input: {assignment: ROUND_ROBIN, offerSeconds: 30}) { assignment } }", json!({})).await;
    app.ok(Some(&bob.token), "mutation { setAgentStatus(status: ONLINE) { status } }", json!({})).await;
    let _bob_ws = app.ws(&bob.token).await;
    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("Do you ship to Norway?")).await;

    let pushes = wait_pushes(&service, 2).await;
    let (_, headers, body) = pushes.iter().find(|(name, _, _)| name == "bob-phone").expect("pushed to Bob's phone").clone();
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(h("content-encoding"), "aes128gcm");
    assert_eq!(h("urgency"), "high");
    let ttl: i64 = h("ttl").parse().unwrap();
    assert!((1..=30).contains(&ttl), "an offer's notification lives as long as the offer: {ttl}");
    let (_, k) = chinwag::push::verify_authorization(&h("authorization"), &base, chrono_now()).expect("a valid VAPID header");
    assert_eq!(k, key);
    let plain = chinwag::push::decrypt(body.as_slice(), browser_key, &auth).expect("decrypts with Bob's keys");
    let note: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!((note["kind"].as_str(), note["conversationId"].as_str()), (Some("offer"), Some(c.as_str())), "{note}");
    assert_eq!(note["body"], "Do you ship to Norway?");
    assert!(note["expiresAt"].as_i64().is_some());

    // The gone one was dropped: a test push now reaches only the phone.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = app.ok(Some(&bob.token), "mutation { testWebPush }", json!({})).await["testWebPush"].clone();
    assert_eq!(sent, 1);
    let pushes = wait_pushes(&service, 3).await;
    assert_eq!(pushes.len(), 3, "no retry to the gone one");
    // Unsubscribing stops them.
    assert_eq!(
        app.ok(Some(&bob.token), "mutation($e: String!) { unsubscribeWebPush(endpoint: $e) }", json!({ "e": endpoint })).await["unsubscribeWebPush"],
        true
    );
    assert_eq!(app.ok(Some(&bob.token), "mutation { testWebPush }", json!({})).await["testWebPush"], 0);
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn a_subscription_must_be_a_public_https_push_service_with_real_keys() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (_, p256dh, auth) = chinwag::push::test_subscription_keys();
    let auth = B64.encode(auth);
    for (endpoint, k, a) in [
        ("https://127.0.0.1/push/x", p256dh.as_str(), auth.as_str()),
        ("https://10.1.2.3/push/x", p256dh.as_str(), auth.as_str()),
        ("https://[::ffff:169.254.169.254]/latest", p256dh.as_str(), auth.as_str()),
        ("http://8.8.8.8/push/x", p256dh.as_str(), auth.as_str()),
        ("not a url", p256dh.as_str(), auth.as_str()),
        ("https://8.8.8.8/push/x", "AAAA", auth.as_str()),
        ("https://8.8.8.8/push/x", p256dh.as_str(), "short"),
    ] {
        assert_eq!(app.err(Some(&owner.token), SUBSCRIBE, json!({ "e": endpoint, "k": k, "a": a })).await, "BAD_USER_INPUT", "{endpoint}");
    }
    let v = app.visitor(&site).await;
    assert_eq!(app.err(Some(&v.token), SUBSCRIBE, json!({ "e": "https://8.8.8.8/push/x", "k": p256dh, "a": auth })).await, "FORBIDDEN");
    assert_eq!(app.err(None, "query { webPushPublicKey }", json!({})).await, "UNAUTHENTICATED");
}
