//! Nodes behind a load balancer share events, presence and order.

use serde_json::json;

use crate::helpers::*;
use crate::nodes::Cluster;

#[tokio::test]
async fn a_visitor_on_one_node_and_an_agent_on_another_chat_both_ways() {
    let cluster = Cluster::shared().await;
    let a = cluster.node().await;
    let b = cluster.node().await;
    let owner = a.sign_up("Ann").await;
    let site = a.create_website(&owner, &[]).await;
    let v = a.visitor(&site).await;
    let conv = a.start_conversation(&v, Some("hello from node A")).await;

    b.ok(Some(&owner.token), "mutation { setAgentStatus(status: ONLINE) { status } }", json!({})).await;
    let mut agent_ws = b.ws(&owner.token).await;
    agent_ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    let mut visitor_ws = a.ws(&v.token).await;
    visitor_ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    b.wait_live_streams(1).await;
    a.wait_live_streams(1).await;

    // Presence crosses nodes: the agent's socket is on B, the widget asks A.
    let cfg = a.ok(None, "query($k: String!) { widgetConfig(websiteKey: $k) { agentOnline } }", json!({ "k": site.key })).await;
    assert_eq!(cfg["widgetConfig"]["agentOnline"], true);

    b.ok(Some(&owner.token), "mutation($c: ID!) { setTyping(conversationId: $c, isTyping: true) }", json!({ "c": conv })).await;
    assert_eq!(next_of_type(&mut visitor_ws, "c", "conversationEvents", "TypingChanged").await["isTyping"], true);
    let reply = b.send(&owner.token, &conv, "hello from node B").await;
    assert_eq!(collect_messages(&mut visitor_ws, "c", 1).await[0]["id"], reply["id"]);

    let v_msg = a.send(&v.token, &conv, "thanks").await;
    let got = collect_messages(&mut agent_ws, "c", 2).await;
    assert_eq!(got[0]["id"], reply["id"]);
    assert_eq!(got[1]["id"], v_msg["id"]);

    a.ok(Some(&v.token), "mutation($c: ID!, $m: ID!) { markRead(conversationId: $c, messageId: $m) }", json!({ "c": conv, "m": reply["id"] })).await;
    let receipt = next_of_type(&mut agent_ws, "c", "conversationEvents", "ReadReceipt").await;
    assert_eq!(receipt["messageId"], reply["id"]);
    let ready = a.readyz().await;
    assert_eq!(ready["redis"], "ok");
}

#[tokio::test]
async fn fifty_senders_over_three_nodes_reach_every_subscriber_once_in_order() {
    let cluster = Cluster::shared().await;
    let nodes = [cluster.node().await, cluster.node().await, cluster.node().await];
    let owner = nodes[0].sign_up("Ann").await;
    let site = nodes[0].create_website(&owner, &[]).await;
    let v = nodes[0].visitor(&site).await;
    let conv = nodes[0].start_conversation(&v, None).await;
    let mut subs = Vec::new();
    for n in &nodes {
        let mut ws = n.ws(&owner.token).await;
        ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
        subs.push(ws);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    const SENDERS: usize = 50;
    const EACH: usize = 4;
    let tokens = [owner.token.clone(), v.token.clone()];
    let tasks = (0..SENDERS).map(|s| {
        let node = &nodes[s % nodes.len()];
        let token = tokens[s % tokens.len()].clone();
        let conv = conv.clone();
        async move {
            for i in 0..EACH {
                let r = node.send_raw(&token, &conv, &format!("s{s}-{i}"), Some(&format!("s{s}-{i}")), false).await;
                assert!(r.get("errors").is_none(), "{r}");
            }
        }
    });
    futures_util::future::join_all(tasks).await;
    for ws in &mut subs {
        let got = collect_messages(ws, "c", SENDERS * EACH).await;
        let seqs: Vec<i64> = got.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs, (1..=(SENDERS * EACH) as i64).collect::<Vec<_>>());
        assert!(ws.quiet_for(std::time::Duration::from_millis(300)).await.is_ok(), "no duplicates");
    }
}

#[tokio::test]
async fn blocking_a_visitor_on_one_node_closes_its_socket_on_another_and_refuses_its_token_everywhere() {
    let cluster = Cluster::shared().await;
    let a = cluster.node().await;
    let b = cluster.node().await;
    let owner = a.sign_up("Ann").await;
    let site = a.create_website(&owner, &[]).await;
    let v = a.visitor(&site).await;
    let conv = a.start_conversation(&v, Some("hello")).await;
    let mut visitor_ws = b.ws(&v.token).await;
    visitor_ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    b.wait_live_streams(1).await;

    a.ok(Some(&owner.token), "mutation($v: ID!) { blockVisitor(input: {visitorId: $v}) { id } }", json!({ "v": v.id })).await;
    let code = tokio::time::timeout(std::time::Duration::from_secs(5), visitor_ws.closed()).await.expect("closed at once on the other node");
    assert_eq!(code, 4403);
    for node in [&a, &b] {
        let r = node.gql(Some(&v.token), "{ currentVisitor { id } }", json!({})).await;
        assert_eq!(r["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{r}");
    }
    // A node started after the block knows it from the store.
    let c = cluster.node().await;
    let r = c.gql(Some(&v.token), "{ currentVisitor { id } }", json!({})).await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{r}");
}

/// Live visitors (docs/routing.md#live-visitors): a beacon heard by one node is known to
/// every node, and an agent on another node can write to that visitor.
#[tokio::test]
async fn a_beacon_on_one_node_is_a_live_visitor_on_another() {
    let cluster = Cluster::shared().await;
    let a = cluster.node().await;
    let b = cluster.node().await;
    let owner = a.sign_up("Ann").await;
    let site = a.create_website(&owner, &[]).await;
    a.ok(Some(&owner.token), "mutation($id: ID!) { updateWebsite(id: $id, input: {livePresence: PAGE_LOAD}) { id } }", json!({ "id": site.id })).await;
    let beacon = json!({ "websiteKey": site.key, "presenceId": "cluster_presence_0001", "url": "https://shop.test/pricing" }).to_string();
    let r = a.client.http.post(format!("{}/presence", a.base)).header("content-type", "text/plain").body(beacon.clone()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let mut seen = json!([]);
    for _ in 0..100 {
        seen = b.ok(Some(&owner.token), "{ liveVisitors { presenceId url } }", json!({})).await["liveVisitors"].clone();
        if seen.as_array().is_some_and(|s| !s.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(seen, json!([{ "presenceId": "cluster_presence_0001", "url": "https://shop.test/pricing" }]));
    let write = "mutation($w: ID!) { messageLiveVisitor(websiteId: $w, presenceId: \"cluster_presence_0001\", body: \"Can I help?\") }";
    b.ok(Some(&owner.token), write, json!({ "w": site.id })).await;
    let r = a.client.http.post(format!("{}/presence", a.base)).header("content-type", "text/plain").body(beacon).send().await.unwrap();
    let answer: serde_json::Value = r.json().await.unwrap();
    assert_eq!(answer["messages"][0]["body"], "Can I help?", "{answer}");
}
