//! Slack across real processes: a conversation's thread is brought up to date by one
//! node at a time (a lease in the store), so messages that arrive on both nodes while a
//! slow Slack is being posted to reach the thread once each, in order.

use std::time::Duration;

use serde_json::json;

use crate::fake_slack::*;
use crate::nodes::Cluster;

#[tokio::test]
async fn two_nodes_mirror_a_busy_conversation_into_one_thread_without_repeats() {
    let slack = FakeSlack::start(&[]).await;
    let cluster = Cluster::shared().await;
    let env = [("CHINWAG_OUTBOUND_ALLOW_PRIVATE", "true"), ("CHINWAG_SLACK_API_URL", slack.url.as_str())];
    let a = cluster.node_with(&env).await;
    let b = cluster.node_with(&env).await;
    let owner = a.sign_up("Ann").await;
    let site = a.create_website(&owner, &[]).await;
    let connect = "mutation($i: ConnectSlackInput!) { connectSlack(input: $i) { teamId } }";
    a.ok(Some(&owner.token), connect, json!({ "i": { "botToken": TOKEN, "signingSecret": SIGNING, "channelId": CHANNEL, "mode": "THREADS" } })).await;
    // Each post now takes a while: syncs triggered meanwhile on either node overlap.
    slack.state.lock().unwrap().post_delay = Duration::from_millis(150);

    let v = a.visitor(&site).await;
    let conv = a.start_conversation(&v, Some("Line 00")).await;
    for i in 1..=12 {
        let node = if i % 2 == 0 { &a } else { &b };
        node.send(&v.token, &conv, &format!("Line {i:02}")).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    slack.wait_post("the last line", |p| text_of(p).contains("Line 12")).await;
    // Time for any repeat to arrive.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let posts = slack.posts();
    let roots: Vec<_> = posts.iter().filter(|p| p["thread_ts"].is_null() && text_of(p).contains("Line 00")).collect();
    assert_eq!(roots.len(), 1, "one thread: {posts:#?}");
    let root = roots[0]["ts"].as_str().unwrap();
    let mut order = Vec::new();
    for p in posts.iter().filter(|p| p["thread_ts"] == root) {
        let text = text_of(p);
        if let Some(i) = text.find("Line ") {
            order.push(text[i + 5..i + 7].to_owned());
        }
    }
    let want: Vec<String> = (1..=12).map(|i| format!("{i:02}")).collect();
    assert_eq!(order, want, "each line once, in order: {posts:#?}");
}
