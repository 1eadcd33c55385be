//! The router across nodes: runs on two nodes for one organization take turns (the
//! organization's row is locked on PostgreSQL), so nobody exceeds capacity, no chat
//! gets two assignees, and the line is served oldest first.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::nodes::{Cluster, Node};

/// Every conversation of the organization as the owner sees it: (createdAt, id,
/// status, assignee id).
async fn queue(node: &Node, owner: &Agent) -> Vec<(String, String, String, Option<String>)> {
    let q = "{ conversations(first: 100) { edges { node { id createdAt status assignee { id } } } } }";
    let d = node.ok(Some(&owner.token), q, json!({})).await;
    let mut rows: Vec<_> = d["conversations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            let s = |v: &Value| v.as_str().unwrap().to_owned();
            (s(&n["createdAt"]), s(&n["id"]), s(&n["status"]), n["assignee"]["id"].as_str().map(str::to_owned))
        })
        .collect();
    rows.sort();
    rows
}

/// Waits until `n` open conversations have an assignee; returns the queue then.
async fn settled(node: &Node, owner: &Agent, n: usize) -> Vec<(String, String, String, Option<String>)> {
    for _ in 0..200 {
        let rows = queue(node, owner).await;
        if rows.iter().filter(|r| r.2 == "OPEN" && r.3.is_some()).count() >= n {
            // Read again once more runs could have happened: nothing may move past `n`.
            tokio::time::sleep(Duration::from_millis(300)).await;
            return queue(node, owner).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{n} assignments never happened: {:?}", queue(node, owner).await);
}

#[tokio::test]
async fn two_nodes_fill_capacity_exactly_and_serve_the_line_oldest_first() {
    let cluster = Cluster::shared().await;
    let nodes = [cluster.node().await, cluster.node().await];
    let owner = nodes[0].sign_up("Ann").await;
    let site = nodes[0].create_website(&owner, &[]).await;
    let mut agents = Vec::new();
    for i in 0..5 {
        agents.push(nodes[i % 2].add_agent(&owner, &format!("Agent{i}"), "AGENT").await);
    }
    nodes[1].ok(Some(&owner.token), "mutation { updateRoutingSettings(input: {assignment: ROUND_ROBIN, defaultCapacity: 2}) { assignment } }", json!({})).await;

    // Thirty chats wait while nobody is online, started through both nodes.
    futures_util::future::join_all((0..30).map(|i| {
        let (node, site) = (&nodes[i % 2], &site);
        async move {
            let v = node.visitor(site).await;
            node.start_conversation(&v, Some(&format!("chat {i}"))).await
        }
    }))
    .await;
    assert!(queue(&nodes[0], &owner).await.iter().all(|r| r.3.is_none()));

    // Five agents come online at once, each on one of the nodes.
    let sockets = futures_util::future::join_all(agents.iter().enumerate().map(|(i, a)| {
        let node = &nodes[i % 2];
        async move {
            node.ok(Some(&a.token), "mutation { setAgentStatus(status: ONLINE) { status } }", json!({})).await;
            node.ws(&a.token).await
        }
    }))
    .await;

    let check = |rows: &[(String, String, String, Option<String>)], assigned_open: usize| {
        let mut per_agent: HashMap<&str, usize> = HashMap::new();
        for r in rows.iter().filter(|r| r.2 == "OPEN") {
            if let Some(a) = &r.3 {
                *per_agent.entry(a.as_str()).or_default() += 1;
            }
        }
        assert_eq!(per_agent.values().sum::<usize>(), assigned_open, "{rows:?}");
        assert!(per_agent.values().all(|n| *n == 2), "capacity 2 each, all used: {per_agent:?}");
        // Oldest first: no waiting chat is older than an assigned one.
        let waiting_oldest = rows.iter().filter(|r| r.2 == "OPEN" && r.3.is_none()).map(|r| (&r.0, &r.1)).min();
        let assigned_newest = rows.iter().filter(|r| r.3.is_some()).map(|r| (&r.0, &r.1)).max();
        if let (Some(w), Some(a)) = (waiting_oldest, assigned_newest) {
            assert!(a < w, "an older chat waits ({w:?}) while a newer one was assigned ({a:?})");
        }
    };
    let rows = settled(&nodes[0], &owner, 10).await;
    check(&rows, 10);

    // Every agent resolves both chats at once, through alternating nodes: the next ten
    // oldest take their places, and still nobody holds more than two.
    let mine: Vec<(usize, String)> = rows.iter().filter_map(|r| r.3.as_ref().map(|a| (agents.iter().position(|x| &x.id == a).unwrap(), r.1.clone()))).collect();
    futures_util::future::join_all(mine.iter().enumerate().map(|(k, (i, c))| {
        let (node, agent) = (&nodes[k % 2], &agents[*i]);
        async move {
            node.ok(Some(&agent.token), "mutation($c: ID!) { setConversationStatus(conversationId: $c, status: RESOLVED) { id } }", json!({ "c": c })).await
        }
    }))
    .await;
    let rows = settled(&nodes[1], &owner, 10).await;
    assert_eq!(rows.iter().filter(|r| r.2 == "RESOLVED").count(), 10);
    check(&rows, 10);
    drop(sockets);
}
