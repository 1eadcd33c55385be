//! Webhooks across real processes: a delivery in flight on a node that is killed is
//! taken over by another node once its lease lapses, and arrives with the same
//! `webhook-id` (delivery is at least once; the id lets the receiver drop the repeat).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;

use crate::helpers::*;
use crate::nodes::Cluster;

#[derive(Clone, Default)]
struct Receiver {
    ids: Arc<Mutex<Vec<String>>>,
    stall: Arc<AtomicBool>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap) -> StatusCode {
    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    r.ids.lock().unwrap().push(id);
    if r.stall.load(Ordering::SeqCst) {
        // Holds the delivery until its node dies.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    StatusCode::NO_CONTENT
}

async fn wait_ids(r: &Receiver, n: usize) -> Vec<String> {
    for _ in 0..400 {
        if r.ids.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    r.ids.lock().unwrap().clone()
}

#[tokio::test]
async fn a_delivery_in_flight_on_a_killed_node_is_delivered_by_another_with_the_same_id() {
    let cluster = Cluster::shared().await;
    let env = [("CHINWAG_OUTBOUND_ALLOW_PRIVATE", "true"), ("CHINWAG_JOB_LEASE_MS", "1000")];
    let mut a = cluster.node_with(&env).await;
    let r = Receiver { stall: Arc::new(AtomicBool::new(true)), ..Receiver::default() };
    let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let owner = a.sign_up("Ann").await;
    let site = a.create_website(&owner, &[]).await;
    let create = "mutation($u: String!) { createWebhookEndpoint(input: {url: $u, eventTypes: [MESSAGE_CREATED]}) { id } }";
    let id = a.ok(Some(&owner.token), create, json!({ "u": url })).await["createWebhookEndpoint"]["id"].as_str().unwrap().to_owned();
    let v = a.visitor(&site).await;
    a.start_conversation(&v, Some("Is anyone there?")).await;

    // A holds the delivery open; B starts, A dies mid-delivery.
    let first = wait_ids(&r, 1).await;
    assert_eq!(first.len(), 1);
    let b = cluster.node_with(&env).await;
    r.stall.store(false, Ordering::SeqCst);
    a.kill();

    let ids = wait_ids(&r, 2).await;
    assert!(ids.len() >= 2, "taken over and delivered again: {ids:?}");
    assert!(ids.iter().all(|i| *i == first[0] && i.starts_with("evt_")), "the same event, with its id: {ids:?}");
    let log = "query($id: ID!) { webhookEndpoint(id: $id) { attempts { edges { node { eventId outcome status } } } } }";
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let d = b.ok(Some(&owner.token), log, json!({ "id": id })).await;
        let attempts = d["webhookEndpoint"]["attempts"]["edges"].as_array().unwrap().clone();
        if attempts.iter().any(|e| e["node"]["outcome"] == "SUCCEEDED") {
            assert!(attempts.iter().all(|e| e["node"]["eventId"] == json!(first[0])), "{attempts:?}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no successful attempt logged: {d}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
