//! Faults: a node killed, Redis stopped, PostgreSQL restarted. Nothing acknowledged is
//! lost, and nothing is delivered twice to one subscription.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;
use crate::nodes::{Cluster, PrivatePostgres, PrivateRedis};

#[tokio::test]
async fn clients_of_a_killed_node_reconnect_elsewhere_and_catch_up() {
    let cluster = Cluster::shared().await;
    let mut a = cluster.node().await;
    let b = cluster.node().await;
    let owner = b.sign_up("Ann").await;
    let site = b.create_website(&owner, &[]).await;
    let v = b.visitor(&site).await;
    let conv = b.start_conversation(&v, Some("m0")).await;
    let mut ws = a.ws(&v.token).await;
    ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    for i in 1..=3 {
        b.send(&owner.token, &conv, &format!("m{i}")).await;
    }
    let seen = collect_messages(&mut ws, "c", 3).await;
    let last = seen[2]["id"].as_str().unwrap().to_owned();

    a.kill();
    assert!(matches!(ws.next_event().await, Next::Closed(_)));
    for i in 4..=8 {
        b.send(&owner.token, &conv, &format!("m{i}")).await;
    }
    let mut ws = b.ws(&v.token).await;
    ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv, "after": last })).await;
    let got = collect_messages(&mut ws, "c", 5).await;
    let bodies: Vec<_> = got.iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["m4", "m5", "m6", "m7", "m8"]);
    assert!(ws.quiet_for(Duration::from_millis(300)).await.is_ok());
}

#[tokio::test]
async fn sends_keep_working_through_a_redis_outage_and_subscribers_get_everything_once() {
    let mut redis = PrivateRedis::start();
    let (db_url, db_name) = pg::fresh_database().await;
    let cluster = Cluster::with(db_url, redis.url(), Some(db_name));
    let a = cluster.node().await;
    let b = cluster.node().await;
    let owner = a.sign_up("Ann").await;
    let site = a.create_website(&owner, &[]).await;
    let v = a.visitor(&site).await;
    let conv = a.start_conversation(&v, Some("m0")).await;
    let mut ws = a.ws(&owner.token).await;
    ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    b.send(&v.token, &conv, "before").await;
    assert_eq!(collect_messages(&mut ws, "c", 1).await[0]["body"], "before");

    redis.down();
    let mut sent = Vec::new();
    for i in 0..10 {
        // Acknowledged sends go through PostgreSQL; Redis is only a hint.
        sent.push(b.send(&v.token, &conv, &format!("during {i}")).await["id"].as_str().unwrap().to_owned());
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while a.readyz().await["status"] != "degraded" {
        assert!(tokio::time::Instant::now() < deadline, "node A never said it was degraded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    redis.up();
    let got = collect_messages(&mut ws, "c", 10).await;
    let ids: Vec<_> = got.iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, sent, "every acknowledged message, once, in order");
    // And live again through Redis.
    let after = b.send(&v.token, &conv, "after").await;
    assert_eq!(collect_messages(&mut ws, "c", 1).await[0]["id"], after["id"]);
    assert!(ws.quiet_for(Duration::from_millis(300)).await.is_ok(), "no duplicates");
    assert_eq!(a.readyz().await["status"], "ok");
}

#[tokio::test]
async fn a_postgres_restart_gives_retryable_errors_and_a_retry_stores_nothing_twice() {
    let pg = PrivatePostgres::start();
    let redis = PrivateRedis::start();
    let cluster = Cluster::with(pg.url(), redis.url(), None);
    let a = cluster.node().await;
    let owner = a.sign_up("Ann").await;
    let site = a.create_website(&owner, &[]).await;
    let v = a.visitor(&site).await;
    let conv = a.start_conversation(&v, Some("hello")).await;

    pg.down();
    let r = a.send_raw(&v.token, &conv, "during the restart", Some("retry-me"), false).await;
    assert_eq!(code_of(&r), "UNAVAILABLE", "a retryable error, never a false success: {r}");
    let ready = a.http.get(format!("{}/readyz", a.base)).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    pg.up();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let first = loop {
        let r = a.send_raw(&v.token, &conv, "during the restart", Some("retry-me"), false).await;
        if r.get("errors").is_none() {
            break r;
        }
        assert_eq!(code_of(&r), "UNAVAILABLE", "{r}");
        assert!(tokio::time::Instant::now() < deadline, "the pool never recovered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let again = a.send_raw(&v.token, &conv, "during the restart", Some("retry-me"), false).await;
    assert_eq!(first["data"]["sendMessage"]["id"], again["data"]["sendMessage"]["id"]);
    let msgs = a.messages(&owner.token, &conv).await;
    assert_eq!(msgs.iter().filter(|m| m["body"] == "during the restart").count(), 1);
}

#[tokio::test]
async fn sigterm_asks_sockets_to_reconnect_elsewhere() {
    let cluster = Cluster::shared().await;
    let a = cluster.node().await;
    let owner = a.sign_up("Ann").await;
    let mut ws = a.ws(&owner.token).await;
    ws.subscribe("i", "subscription { inboxEvents { __typename } }", json!({})).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let metrics = a.http.get(format!("{}/metrics", a.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("chinwag_websockets_open 1"), "{metrics}");
    assert!(metrics.contains("chinwag_subscriptions_active 1"), "{metrics}");
    assert!(metrics.contains("chinwag_redis_up 1"), "{metrics}");
    a.terminate();
    assert_eq!(ws.closed().await, 1012);
}
