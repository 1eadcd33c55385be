//! The Message Router's assignment (docs/routing.md): modes, capacity, the waiting
//! queue and its positions, who counts as online, and the rules' abuse cases.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;

const CONV: &str = "query($c: ID!) { conversation(id: $c) { id createdAt status assignee { id } assigneeName queuePosition priority routedBy } }";

async fn conversation(app: &TestApp, token: &str, c: &str) -> Value {
    app.ok(Some(token), CONV, json!({ "c": c })).await["conversation"].clone()
}

/// Polls until the conversation's assignee is `want` (None: still waiting after a
/// moment, which is all a test can say of "not assigned").
async fn wait_assignee(app: &TestApp, token: &str, c: &str, want: Option<&str>) -> Value {
    // An assignment takes milliseconds; "still waiting" is checked for most of a second.
    let polls = if want.is_some() { 100 } else { 15 };
    for _ in 0..polls {
        let conv = conversation(app, token, c).await;
        let got = conv["assignee"]["id"].as_str();
        if want.is_some() && got == want {
            return conv;
        }
        if want.is_none() && got.is_some() {
            panic!("{c} was assigned to {got:?}, expected it to wait");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let conv = conversation(app, token, c).await;
    if want.is_some() {
        panic!("{c} was not assigned to {want:?}: {conv}");
    }
    conv
}

/// An agent who is online: status ONLINE and a live socket (kept open by the caller).
async fn online(app: &TestApp, agent: &Agent) -> Ws {
    app.ok(Some(&agent.token), "mutation { setAgentStatus(status: ONLINE) { status } }", json!({})).await;
    app.ws(&agent.token).await
}

async fn set(app: &TestApp, owner: &Agent, input: Value) {
    app.ok(Some(&owner.token), "mutation($i: RoutingSettingsInput!) { updateRoutingSettings(input: $i) { assignment } }", json!({ "i": input })).await;
}

async fn capacity(app: &TestApp, owner: &Agent, agent: &Agent, n: i64) {
    app.ok(Some(&owner.token), "mutation($a: ID!, $n: Int!) { setAgentCapacity(agentId: $a, capacity: $n) { capacity } }", json!({ "a": agent.id, "n": n }))
        .await;
}

async fn resolve(app: &TestApp, agent: &Agent, c: &str) {
    app.ok(Some(&agent.token), "mutation($c: ID!) { setConversationStatus(conversationId: $c, status: RESOLVED) { id } }", json!({ "c": c })).await;
}

async fn chat(app: &TestApp, site: &Site, body: &str) -> (Visitor, String) {
    let v = app.visitor(site).await;
    let c = app.start_conversation(&v, Some(body)).await;
    (v, c)
}

#[tokio::test]
async fn round_robin_fills_free_agents_up_to_capacity_and_the_rest_wait_in_order() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    set(&app, &owner, json!({ "assignment": "ROUND_ROBIN", "defaultCapacity": 1 })).await;
    let _ann_ws = online(&app, &owner).await;
    let _bob_ws = online(&app, &bob).await;

    let (_, c1) = chat(&app, &site, "first").await;
    // Assigned within a moment to one of the two.
    let mut who = None;
    for _ in 0..100 {
        if let Some(id) = conversation(&app, &owner.token, &c1).await["assignee"]["id"].as_str() {
            who = Some(id.to_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let first_agent = who.expect("c1 assigned");
    let other = if first_agent == owner.id { &bob } else { &owner };
    // Round robin: the second chat goes to the other agent.
    let (_, c2) = chat(&app, &site, "second").await;
    let c2v = wait_assignee(&app, &owner.token, &c2, Some(&other.id)).await;
    assert_eq!(c2v["routedBy"], "round robin");

    // Both are at capacity: the next two wait, in arrival order.
    let (v3, c3) = chat(&app, &site, "third").await;
    let (v4, c4) = chat(&app, &site, "fourth").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let summary = app.ok(Some(&owner.token), "{ queueSummary { waiting oldestWaitingSince } }", json!({})).await["queueSummary"].clone();
    let since3 = app.ok(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { waitingSince } }", json!({ "c": c3 })).await["conversation"]
        ["waitingSince"]
        .clone();
    assert_eq!(summary, json!({ "waiting": 2, "oldestWaitingSince": since3 }), "the oldest is the third chat");
    assert_eq!(app.err(Some(&v3.token), "{ queueSummary { waiting } }", json!({})).await, "FORBIDDEN");
    let seen3 = conversation(&app, &v3.token, &c3).await;
    let seen4 = conversation(&app, &v4.token, &c4).await;
    assert_eq!((seen3["queuePosition"].clone(), seen4["queuePosition"].clone()), (json!(1), json!(2)), "{seen3} {seen4}");
    assert!(seen3["assignee"].is_null() && seen3["routedBy"].is_null() && seen3["priority"] == "NORMAL");

    // A resolve frees a slot: the oldest waiting chat takes it, the next moves up.
    resolve(&app, other, &c2).await;
    wait_assignee(&app, &owner.token, &c3, Some(&other.id)).await;
    let seen4 = conversation(&app, &v4.token, &c4).await;
    assert_eq!(seen4["queuePosition"], 1, "{seen4}");
    assert!(conversation(&app, &v3.token, &c3).await["queuePosition"].is_null());
    // What the visitor sees of the assignment: the agent's name, not how it was routed.
    let v3_view = conversation(&app, &v3.token, &c3).await;
    assert!(v3_view["assigneeName"].is_string() && v3_view["routedBy"].is_null(), "{v3_view}");
}

#[tokio::test]
async fn priority_goes_first_and_least_busy_prefers_the_emptier_agent() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    // Nobody online yet: everything waits, whatever the mode.
    set(&app, &owner, json!({ "assignment": "LEAST_BUSY", "defaultCapacity": 3 })).await;
    let (_, old) = chat(&app, &site, "old").await;
    let (_, urgent) = chat(&app, &site, "urgent").await;
    app.ok(Some(&owner.token), "mutation($c: ID!) { setConversationPriority(conversationId: $c, priority: URGENT) { priority } }", json!({ "c": urgent }))
        .await;
    assert_eq!(conversation(&app, &owner.token, &urgent).await["queuePosition"], 1);
    assert_eq!(conversation(&app, &owner.token, &old).await["queuePosition"], 2);

    // Only Ann comes online, with room for one: the urgent chat is hers, the old one waits.
    capacity(&app, &owner, &owner, 1).await;
    let _ann_ws = online(&app, &owner).await;
    let u = wait_assignee(&app, &owner.token, &urgent, Some(&owner.id)).await;
    assert_eq!(u["routedBy"], "least busy");
    wait_assignee(&app, &owner.token, &old, None).await;

    // Bob comes online, and takes the old one and the next (Ann is full).
    let _bob_ws = online(&app, &bob).await;
    wait_assignee(&app, &owner.token, &old, Some(&bob.id)).await;
    capacity(&app, &owner, &owner, 5).await;
    // Least busy: Ann has 1 open, Bob 1: the tie goes to whoever was given one longest
    // ago (Ann); then Bob has fewer.
    let (_, n1) = chat(&app, &site, "n1").await;
    wait_assignee(&app, &owner.token, &n1, Some(&owner.id)).await;
    let (_, n2) = chat(&app, &site, "n2").await;
    wait_assignee(&app, &owner.token, &n2, Some(&bob.id)).await;
}

#[tokio::test]
async fn a_department_routes_only_to_its_members_and_manual_leaves_chats_to_people() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let dep = app.ok(Some(&owner.token), "mutation { createDepartment(name: \"Sales\") { id assignment } }", json!({})).await["createDepartment"].clone();
    assert_eq!(dep["assignment"], "MANUAL");
    let dep = dep["id"].as_str().unwrap().to_owned();
    app.ok(Some(&owner.token), "mutation($d: ID!, $a: ID!) { addDepartmentMember(departmentId: $d, agentId: $a) { id } }", json!({ "d": dep, "a": bob.id }))
        .await;
    let _ann_ws = online(&app, &owner).await;
    let _bob_ws = online(&app, &bob).await;

    // The organization is manual (the default): a chat without a department waits.
    let (_, loose) = chat(&app, &site, "hello").await;
    // A chat moved to Sales while Sales is manual waits too.
    let (_, sales) = chat(&app, &site, "pricing?").await;
    let assign = "mutation($c: ID!, $d: ID) { assignConversation(input: {conversationId: $c, departmentId: $d}) { id } }";
    app.ok(Some(&owner.token), assign, json!({ "c": sales, "d": dep })).await;
    wait_assignee(&app, &owner.token, &sales, None).await;
    // Sales turns round robin: the chat goes to its one member, Bob; the loose one stays.
    let d =
        app.ok(Some(&owner.token), "mutation($d: ID!) { setDepartmentAssignment(id: $d, assignment: ROUND_ROBIN) { assignment } }", json!({ "d": dep })).await;
    assert_eq!(d["setDepartmentAssignment"]["assignment"], "ROUND_ROBIN");
    let s = wait_assignee(&app, &owner.token, &sales, Some(&bob.id)).await;
    assert_eq!(s["routedBy"], "round robin in Sales");
    wait_assignee(&app, &owner.token, &loose, None).await;
    assert_eq!(conversation(&app, &owner.token, &loose).await["queuePosition"], 1);
}

#[tokio::test]
async fn agents_away_or_without_a_connection_get_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    set(&app, &owner, json!({ "assignment": "ROUND_ROBIN", "offlineGraceSeconds": 0 })).await;
    // Ann is ONLINE but has no socket; Bob has a socket but is AWAY.
    app.ok(Some(&owner.token), "mutation { setAgentStatus(status: ONLINE) { status } }", json!({})).await;
    app.ok(Some(&bob.token), "mutation { setAgentStatus(status: AWAY) { status } }", json!({})).await;
    let bob_ws = app.ws(&bob.token).await;
    let (_, c) = chat(&app, &site, "anyone?").await;
    wait_assignee(&app, &owner.token, &c, None).await;
    // Bob closes his socket and comes back ONLINE without one: still nobody. Ann
    // connects: hers.
    drop(bob_ws);
    // (The server sees the close a moment later; within it, Bob still counted as connected.)
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.ok(Some(&bob.token), "mutation { setAgentStatus(status: ONLINE) { status } }", json!({})).await;
    wait_assignee(&app, &owner.token, &c, None).await;
    let _ann_ws = app.ws(&owner.token).await;
    wait_assignee(&app, &owner.token, &c, Some(&owner.id)).await;
}

#[tokio::test]
async fn a_burst_of_chats_never_puts_an_agent_over_capacity() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let mut agents = vec![owner.clone()];
    for name in ["Bob", "Cyd"] {
        agents.push(app.add_agent(&owner, name, "AGENT").await);
    }
    let site = app.create_website(&owner, &[]).await;
    set(&app, &owner, json!({ "assignment": "ROUND_ROBIN", "defaultCapacity": 2 })).await;
    let mut sockets = Vec::new();
    for a in &agents {
        sockets.push(online(&app, a).await);
    }
    let chats: Vec<String> = futures_util::future::join_all((0..20).map(|i| {
        let (app, site) = (&app, &site);
        async move { chat(app, site, &format!("chat {i}")).await.1 }
    }))
    .await;
    // Settled: six assigned (three agents, two each), fourteen waiting at 1..14.
    let mut last = Vec::new();
    for _ in 0..100 {
        let mut rows = Vec::new();
        for c in &chats {
            rows.push(conversation(&app, &owner.token, c).await);
        }
        let assigned = rows.iter().filter(|r| r["assignee"]["id"].is_string()).count();
        last = rows;
        if assigned == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut per_agent = std::collections::HashMap::new();
    for r in &last {
        if let Some(id) = r["assignee"]["id"].as_str() {
            *per_agent.entry(id.to_owned()).or_insert(0) += 1;
        }
    }
    assert_eq!(per_agent.len(), 3, "{last:?}");
    assert!(per_agent.values().all(|n| *n == 2), "capacity 2 each: {per_agent:?}");
    // Read again: the rows above were read one by one while the runs went on.
    let mut positions = Vec::new();
    for c in &chats {
        positions.extend(conversation(&app, &owner.token, c).await["queuePosition"].as_i64());
    }
    positions.sort();
    assert_eq!(positions, (1..=14).collect::<Vec<_>>(), "{last:#?}");
}

#[tokio::test]
async fn routing_settings_are_for_admins_with_bounds_and_stay_in_their_organization() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let other = app.sign_up("Eve").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let dep = app.ok(Some(&owner.token), "mutation { createDepartment(name: \"Sales\") { id } }", json!({})).await["createDepartment"]["id"].clone();

    let update = "mutation($i: RoutingSettingsInput!) { updateRoutingSettings(input: $i) { defaultCapacity } }";
    assert_eq!(app.err(Some(&bob.token), update, json!({ "i": { "defaultCapacity": 3 } })).await, "FORBIDDEN");
    assert_eq!(app.err(Some(&v.token), update, json!({ "i": { "defaultCapacity": 3 } })).await, "FORBIDDEN");
    assert_eq!(app.err(None, update, json!({ "i": { "defaultCapacity": 3 } })).await, "UNAUTHENTICATED");
    for bad in
        [json!({ "defaultCapacity": 0 }), json!({ "defaultCapacity": 101 }), json!({ "offlineGraceSeconds": -1 }), json!({ "offlineGraceSeconds": 3601 })]
    {
        assert_eq!(app.err(Some(&owner.token), update, json!({ "i": bad })).await, "BAD_USER_INPUT", "{bad}");
    }
    let cap = "mutation($a: ID!, $n: Int!) { setAgentCapacity(agentId: $a, capacity: $n) { capacity } }";
    assert_eq!(app.err(Some(&owner.token), cap, json!({ "a": bob.id, "n": 101 })).await, "BAD_USER_INPUT");
    assert_eq!(app.err(Some(&owner.token), cap, json!({ "a": bob.id, "n": -1 })).await, "BAD_USER_INPUT");
    assert_eq!(app.err(Some(&bob.token), cap, json!({ "a": bob.id, "n": 50 })).await, "FORBIDDEN");
    // Another organization's agent and department are not found, and nothing changes.
    assert_eq!(app.err(Some(&other.token), cap, json!({ "a": bob.id, "n": 50 })).await, "NOT_FOUND");
    let mode = "mutation($d: ID!) { setDepartmentAssignment(id: $d, assignment: ROUND_ROBIN) { id } }";
    assert_eq!(app.err(Some(&other.token), mode, json!({ "d": dep })).await, "NOT_FOUND");
    let deps = app.ok(Some(&owner.token), "{ departments { assignment } agents { id capacity } }", json!({})).await;
    assert_eq!(deps["departments"][0]["assignment"], "MANUAL");
    assert!(deps["agents"].as_array().unwrap().iter().all(|a| a["capacity"] == 0), "{deps}");
    // A visitor cannot set priorities or read settings.
    let c = app.start_conversation(&v, Some("hi")).await;
    let prio = "mutation($c: ID!) { setConversationPriority(conversationId: $c, priority: URGENT) { id } }";
    assert_eq!(app.err(Some(&v.token), prio, json!({ "c": c })).await, "FORBIDDEN");
    assert_eq!(app.err(Some(&other.token), prio, json!({ "c": c })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&v.token), "{ routingSettings { assignment } }", json!({})).await, "FORBIDDEN");
    let s = app.ok(Some(&owner.token), "{ routingSettings { assignment defaultCapacity pendingCounts offlineGraceSeconds } }", json!({})).await;
    assert_eq!(s["routingSettings"], json!({ "assignment": "MANUAL", "defaultCapacity": 5, "pendingCounts": false, "offlineGraceSeconds": 60 }));
}

const CREATE_RULE: &str = "mutation($i: RoutingRuleInput!) { createRoutingRule(input: $i) { id name position enabled conditions { field operator key value values } actions { departmentId priority tags } } }";

#[tokio::test]
async fn a_rule_routes_by_the_pre_chat_choice_to_a_department_with_priority_and_tags() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let fields = json!([{ "key": "topic", "label": "What is it about?", "kind": "SELECT", "required": true, "options": ["Sales", "Support"] }]);
    let w = app
        .ok(
            Some(&owner.token),
            "mutation($id: ID!, $f: [PreChatFieldInput!]) { updateWebsite(id: $id, input: {preChatFields: $f}) { preChatFields { key kind options } } }",
            json!({ "id": site.id, "f": fields }),
        )
        .await;
    assert_eq!(w["updateWebsite"]["preChatFields"][0]["options"], json!(["Sales", "Support"]));
    let sales = app.ok(Some(&owner.token), "mutation { createDepartment(name: \"Sales\") { id } }", json!({})).await["createDepartment"]["id"].clone();
    app.ok(Some(&owner.token), "mutation($d: ID!, $a: ID!) { addDepartmentMember(departmentId: $d, agentId: $a) { id } }", json!({ "d": sales, "a": bob.id }))
        .await;
    app.ok(Some(&owner.token), "mutation($d: ID!) { setDepartmentAssignment(id: $d, assignment: ROUND_ROBIN) { id } }", json!({ "d": sales })).await;
    let rule = json!({ "name": "Sales questions", "conditions": [{ "field": "PRE_CHAT", "operator": "EQUALS", "key": "topic", "value": "sales" }],
                       "actions": { "departmentId": sales, "priority": "HIGH", "tags": ["Sales", "pre-chat"] } });
    let r = app.ok(Some(&owner.token), CREATE_RULE, json!({ "i": rule })).await["createRoutingRule"].clone();
    assert_eq!(r["position"], 1);
    assert_eq!(r["actions"]["tags"], json!(["sales", "pre-chat"]), "tags are stored lowercased");
    let _bob_ws = online(&app, &bob).await;

    // A visitor who picked Sales: routed to Sales by the rule, then assigned to Bob.
    let v = app.visitor_with(&site, json!({ "attributes": [{ "key": "topic", "value": "Sales" }] })).await;
    let c = app.start_conversation(&v, Some("How much is the pro plan?")).await;
    let conv = wait_assignee(&app, &owner.token, &c, Some(&bob.id)).await;
    assert_eq!(conv["routedBy"], "rule: Sales questions; round robin in Sales");
    assert_eq!(conv["priority"], "HIGH");
    let tagged = app.ok(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { tags department { name } } }", json!({ "c": c })).await;
    assert_eq!(tagged["conversation"]["tags"], json!(["pre-chat", "sales"]));
    assert_eq!(tagged["conversation"]["department"]["name"], "Sales");
    // The visitor sees none of the team's labels.
    let seen = app.ok(Some(&v.token), "query($c: ID!) { conversation(id: $c) { tags priority routedBy } }", json!({ "c": c })).await;
    assert_eq!(seen["conversation"], json!({ "tags": [], "priority": "NORMAL", "routedBy": null }));

    // Support: no rule matches; the conversation stays out of Sales and unassigned.
    let v2 = app.visitor_with(&site, json!({ "attributes": [{ "key": "topic", "value": "Support" }] })).await;
    let c2 = app.start_conversation(&v2, Some("My order is late")).await;
    let conv2 = wait_assignee(&app, &owner.token, &c2, None).await;
    assert!(conv2["routedBy"].is_null() && conv2["priority"] == "NORMAL", "{conv2}");

    // The queue filters by tag; a visitor's filter by tag is ignored, never a probe.
    let by_tag = "query($t: String) { conversations(filter: {tag: $t}) { edges { node { id } } } }";
    let found = app.ok(Some(&owner.token), by_tag, json!({ "t": "SALES" })).await;
    assert_eq!(found["conversations"]["edges"].as_array().unwrap().len(), 1);
    assert_eq!(found["conversations"]["edges"][0]["node"]["id"], json!(c));
    let mine = app.ok(Some(&v2.token), by_tag, json!({ "t": "sales" })).await;
    assert_eq!(mine["conversations"]["edges"].as_array().unwrap().len(), 1, "the visitor's own, unfiltered");
    // Agents set tags by hand; bad ones are refused and change nothing.
    let set = "mutation($c: ID!, $t: [String!]!) { setConversationTags(conversationId: $c, tags: $t) { tags } }";
    let t = app.ok(Some(&bob.token), set, json!({ "c": c2, "t": ["Late order", "late order"] })).await;
    assert_eq!(t["setConversationTags"]["tags"], json!(["late order"]));
    assert_eq!(app.err(Some(&bob.token), set, json!({ "c": c2, "t": ["<script>"] })).await, "BAD_USER_INPUT");
    let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    assert_eq!(app.err(Some(&bob.token), set, json!({ "c": c2, "t": eleven })).await, "BAD_USER_INPUT");
    assert_eq!(app.err(Some(&v2.token), set, json!({ "c": c2, "t": ["x"] })).await, "FORBIDDEN");
    let t = app.ok(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { tags } }", json!({ "c": c2 })).await;
    assert_eq!(t["conversation"]["tags"], json!(["late order"]));
}

#[tokio::test]
async fn a_visitor_cannot_claim_what_only_the_sites_server_may_say() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let rule = json!({ "name": "Enterprise", "conditions": [{ "field": "SERVER_ATTRIBUTE", "operator": "EQUALS", "key": "plan", "value": "enterprise" }],
                       "actions": { "priority": "URGENT" } });
    app.ok(Some(&owner.token), CREATE_RULE, json!({ "i": rule })).await;
    // The browser claims enterprise: not trusted.
    let liar = app.visitor_with(&site, json!({ "attributes": [{ "key": "plan", "value": "enterprise" }] })).await;
    let c1 = app.start_conversation(&liar, Some("me first")).await;
    assert_eq!(conversation(&app, &owner.token, &c1).await["priority"], "NORMAL");
    // The site's server says so (an identified customer): urgent.
    let secret = app.ok(Some(&owner.token), "query($id: ID!) { website(id: $id) { identitySecret } }", json!({ "id": site.id })).await["website"]
        ["identitySecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let set = "mutation($i: SetVisitorAttributesInput!) { setVisitorAttributes(input: $i) { id } }";
    app.ok(Some(&owner.token), set, json!({ "i": { "websiteId": site.id, "externalId": "cust-9", "attributes": [{ "key": "plan", "value": "Enterprise" }] } }))
        .await;
    let real = app.visitor_with(&site, json!({ "externalId": "cust-9", "userHash": hmac_hex(&secret, "cust-9") })).await;
    let c2 = app.start_conversation(&real, Some("we are down")).await;
    let conv = conversation(&app, &owner.token, &c2).await;
    assert_eq!((conv["priority"].clone(), conv["routedBy"].clone()), (json!("URGENT"), json!("rule: Enterprise")));
}

#[tokio::test]
async fn rules_are_checked_ordered_capped_audited_and_stay_in_their_organization() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let eve = app.sign_up("Eve").await;
    let eves_dep = app.ok(Some(&eve.token), "mutation { createDepartment(name: \"Evil\") { id } }", json!({})).await["createDepartment"]["id"].clone();
    let ok_rule = |name: &str| json!({ "name": name, "conditions": [{ "field": "IDENTIFIED", "operator": "IS_TRUE" }], "actions": { "tags": ["known"] } });
    let bad = [
        json!({ "name": "", "conditions": [], "actions": { "tags": ["x"] } }),
        json!({ "name": "no action", "conditions": [], "actions": {} }),
        json!({ "name": "no key", "conditions": [{ "field": "PRE_CHAT", "operator": "EQUALS", "value": "x" }], "actions": { "tags": ["x"] } }),
        json!({ "name": "no value", "conditions": [{ "field": "PAGE_URL", "operator": "CONTAINS" }], "actions": { "tags": ["x"] } }),
        json!({ "name": "bad op", "conditions": [{ "field": "BUSINESS_HOURS", "operator": "EQUALS", "value": "x" }], "actions": { "tags": ["x"] } }),
        json!({ "name": "bad tag", "conditions": [], "actions": { "tags": ["<img>"] } }),
        json!({ "name": "too many", "conditions": vec![json!({ "field": "IDENTIFIED", "operator": "IS_TRUE" }); 11], "actions": { "tags": ["x"] } }),
    ];
    for b in bad {
        assert_eq!(app.err(Some(&owner.token), CREATE_RULE, json!({ "i": b })).await, "BAD_USER_INPUT", "{b}");
    }
    // Another organization's department: not found.
    let foreign = json!({ "name": "steal", "conditions": [], "actions": { "departmentId": eves_dep } });
    assert_eq!(app.err(Some(&owner.token), CREATE_RULE, json!({ "i": foreign })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&bob.token), CREATE_RULE, json!({ "i": ok_rule("agent") })).await, "FORBIDDEN");
    assert_eq!(app.ok(Some(&owner.token), "{ routingRules { id } }", json!({})).await["routingRules"], json!([]), "nothing was written");

    let a = app.ok(Some(&owner.token), CREATE_RULE, json!({ "i": ok_rule("A") })).await["createRoutingRule"]["id"].clone();
    let b = app.ok(Some(&owner.token), CREATE_RULE, json!({ "i": ok_rule("B") })).await["createRoutingRule"]["id"].clone();
    let order = "mutation($ids: [ID!]!) { orderRoutingRules(ids: $ids) { name position } }";
    let o = app.ok(Some(&owner.token), order, json!({ "ids": [b, a] })).await;
    assert_eq!(o["orderRoutingRules"], json!([{ "name": "B", "position": 1 }, { "name": "A", "position": 2 }]));
    assert_eq!(app.err(Some(&owner.token), order, json!({ "ids": [b] })).await, "BAD_USER_INPUT");
    assert_eq!(app.err(Some(&owner.token), order, json!({ "ids": [b, a, a] })).await, "BAD_USER_INPUT");
    // Eve cannot see, change or delete Ann's rules.
    assert_eq!(app.ok(Some(&eve.token), "{ routingRules { id } }", json!({})).await["routingRules"], json!([]));
    let update = "mutation($id: ID!, $i: RoutingRuleInput!) { updateRoutingRule(id: $id, input: $i) { name } }";
    assert_eq!(app.err(Some(&eve.token), update, json!({ "id": a, "i": ok_rule("mine") })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&eve.token), "mutation($id: ID!) { deleteRoutingRule(id: $id) }", json!({ "id": a })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&eve.token), order, json!({ "ids": [a, b] })).await, "BAD_USER_INPUT");
    let renamed = app.ok(Some(&owner.token), update, json!({ "id": a, "i": ok_rule("A2") })).await;
    assert_eq!(renamed["updateRoutingRule"]["name"], "A2");
    app.ok(Some(&owner.token), "mutation($id: ID!) { deleteRoutingRule(id: $id) }", json!({ "id": b })).await;
    // No gap where B was: A is first again.
    let left = app.ok(Some(&owner.token), "{ routingRules { name position } }", json!({})).await;
    assert_eq!(left["routingRules"], json!([{ "name": "A2", "position": 1 }]));
    // At most 50 per organization.
    for i in 0..49 {
        app.ok(Some(&owner.token), CREATE_RULE, json!({ "i": ok_rule(&format!("r{i}")) })).await;
    }
    assert_eq!(app.err(Some(&owner.token), CREATE_RULE, json!({ "i": ok_rule("51st") })).await, "PLAN_LIMIT");
    // Changes are in the audit log.
    let log = app.ok(Some(&owner.token), "{ auditLog(first: 100) { edges { node { action } } } }", json!({})).await;
    let actions: Vec<&str> = log["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["action"].as_str().unwrap()).collect();
    for want in ["routing_rule.create", "routing_rule.update", "routing_rule.delete", "routing_rule.order"] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
}

#[tokio::test]
async fn a_visitor_following_their_conversation_hears_that_it_joined_the_line_and_moved_up() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    set(&app, &owner, json!({ "assignment": "ROUND_ROBIN", "defaultCapacity": 1 })).await;
    let (_, first) = chat(&app, &site, "first in line").await;
    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, None).await;
    let mut ws = app.ws(&v.token).await;
    let q = "subscription($c: ID!) { conversationEvents(conversationId: $c) { __typename ... on ConversationUpdated { conversation { queuePosition assigneeName } } } }";
    ws.subscribe("c", q, json!({ "c": c })).await;
    app.wait_live_streams(1).await;
    app.send(&v.token, &c, "second in line").await;
    let ev = next_of_type(&mut ws, "c", "conversationEvents", "ConversationUpdated").await;
    assert_eq!(ev["conversation"]["queuePosition"], 2, "{ev}");
    // Ann comes online: the first chat is hers, and this one moves up to 1.
    let _ann = online(&app, &owner).await;
    wait_assignee(&app, &owner.token, &first, Some(&owner.id)).await;
    let ev = next_of_type(&mut ws, "c", "conversationEvents", "ConversationUpdated").await;
    assert_eq!(ev["conversation"]["queuePosition"], 1, "{ev}");
}

/// The dashboard reads a conversation, then subscribes: with `current`, a change made in
/// between (another agent raised its priority, so it moved up the line) arrives first,
/// before any message; without it, the stream begins with what comes next.
#[tokio::test]
async fn a_subscription_asked_for_the_current_conversation_begins_with_it_as_it_is_when_it_listens() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    set(&app, &owner, json!({ "assignment": "ROUND_ROBIN" })).await;
    let (_, first) = chat(&app, &site, "first in line").await;
    let (v, second) = chat(&app, &site, "second in line").await;
    let read = conversation(&app, &owner.token, &second).await;
    assert_eq!(read["queuePosition"], 2, "{read}");
    app.ok(Some(&owner.token), "mutation($c: ID!) { setConversationPriority(conversationId: $c, priority: URGENT) { priority } }", json!({ "c": second }))
        .await;
    let last = app.messages(&owner.token, &second).await.last().unwrap()["id"].as_str().unwrap().to_owned();
    let q = "subscription($c: ID!, $a: ID, $n: Boolean) { conversationEvents(conversationId: $c, after: $a, current: $n) { __typename \
             ... on ConversationUpdated { conversation { id priority queuePosition } } ... on MessageAdded { message { body } } } }";
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe("now", q, json!({ "c": second, "a": last, "n": true })).await;
    let ev = ws.next_data("now").await["conversationEvents"].clone();
    assert_eq!(ev["__typename"], "ConversationUpdated", "{ev}");
    assert_eq!((ev["conversation"]["priority"].clone(), ev["conversation"]["queuePosition"].clone()), (json!("URGENT"), json!(1)), "{ev}");
    // The visitor's own stream may ask the same; without `current` the first event is the next message.
    let mut vws = app.ws(&v.token).await;
    vws.subscribe("mine", q, json!({ "c": second, "n": true })).await;
    let ev = vws.next_data("mine").await["conversationEvents"].clone();
    assert_eq!((ev["__typename"].as_str(), ev["conversation"]["queuePosition"].as_i64()), (Some("ConversationUpdated"), Some(1)), "{ev}");
    ws.subscribe("later", q, json!({ "c": second, "a": last, "n": false })).await;
    app.wait_live_streams(3).await;
    app.send(&v.token, &second, "still there?").await;
    let ev = ws.next_data("later").await["conversationEvents"].clone();
    assert_eq!((ev["__typename"].as_str(), ev["message"]["body"].as_str()), (Some("MessageAdded"), Some("still there?")), "{ev}");
    // Another organization's conversation is refused as before, `current` or not.
    let other = app.sign_up("Eve").await;
    let mut ews = app.ws(&other.token).await;
    ews.subscribe("x", q, json!({ "c": first, "n": true })).await;
    let m = ews.next().await.unwrap();
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{m}");
}

#[tokio::test]
async fn an_assignee_who_leaves_gives_their_chat_back_to_the_line() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    set(&app, &owner, json!({ "assignment": "ROUND_ROBIN", "defaultCapacity": 1, "offlineGraceSeconds": 0 })).await;
    let bob_ws = online(&app, &bob).await;
    let (_, c) = chat(&app, &site, "help").await;
    wait_assignee(&app, &owner.token, &c, Some(&bob.id)).await;
    // Ann is online but AWAY: an away agent keeps their chats but gets no new ones.
    app.ok(Some(&owner.token), "mutation { setAgentStatus(status: AWAY) { status } }", json!({})).await;
    let ann_ws = app.ws(&owner.token).await;
    // Bob's connection goes (no grace): the chat waits again, first in line.
    drop(bob_ws);
    let mut back = Value::Null;
    for _ in 0..60 {
        back = conversation(&app, &owner.token, &c).await;
        if back["assignee"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(back["assignee"].is_null() && back["queuePosition"] == 1, "{back}");
    // Ann comes back ONLINE: hers.
    app.ok(Some(&owner.token), "mutation { setAgentStatus(status: ONLINE) { status } }", json!({})).await;
    let got = wait_assignee(&app, &owner.token, &c, Some(&owner.id)).await;
    assert_eq!(got["routedBy"], "round robin");
    // A person's assignment is a person's decision: a chat Ann gives to Bob (offline)
    // stays with Bob.
    let assign = "mutation($c: ID!, $a: ID) { assignConversation(input: {conversationId: $c, agentId: $a}) { id } }";
    app.ok(Some(&owner.token), assign, json!({ "c": c, "a": bob.id })).await;
    // (Ann leaving runs the release again.)
    drop(ann_ws);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(conversation(&app, &owner.token, &c).await["assignee"]["id"], json!(bob.id));
}

/// An assignee who does not answer within `reassignAfterSeconds` (a durable job on the
/// jobs' clock) loses the chat to a free colleague; a private note is no answer; a reply
/// keeps it; with nobody else free it comes back to the same agent.
#[tokio::test]
async fn an_unanswered_chat_moves_to_a_free_colleague_after_the_configured_time() {
    let clock = chinwag::jobs::ManualClock::starting_now();
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let bad = "mutation($i: RoutingSettingsInput!) { updateRoutingSettings(input: $i) { assignment } }";
    for n in [5, -1, 3601] {
        assert_eq!(app.err(Some(&owner.token), bad, json!({ "i": { "reassignAfterSeconds": n } })).await, "BAD_USER_INPUT", "{n}");
    }
    assert_eq!(app.err(Some(&bob.token), bad, json!({ "i": { "reassignAfterSeconds": 30 } })).await, "FORBIDDEN");
    set(&app, &owner, json!({ "assignment": "ROUND_ROBIN", "reassignAfterSeconds": 30 })).await;
    let s = app.ok(Some(&owner.token), "query { routingSettings { reassignAfterSeconds } }", json!({})).await;
    assert_eq!(s["routingSettings"]["reassignAfterSeconds"], 30);
    let _ann_ws = online(&app, &owner).await;
    let _bob_ws = online(&app, &bob).await;
    let (_, c) = chat(&app, &site, "hello?").await;
    let mut first = None;
    for _ in 0..100 {
        if let Some(id) = conversation(&app, &owner.token, &c).await["assignee"]["id"].as_str() {
            first = Some(id.to_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let first = first.expect("assigned");
    let (silent, other) = if first == owner.id { (&owner, &bob) } else { (&bob, &owner) };
    // A private note is no answer; before the time nothing moves.
    let note = "mutation($c: ID!) { sendMessage(input: {conversationId: $c, body: \"looking\", isPrivate: true}) { id } }";
    app.ok(Some(&silent.token), note, json!({ "c": c })).await;
    clock.advance(Duration::from_secs(20));
    app.app.jobs.wake();
    wait_assignee(&app, &owner.token, &c, Some(&silent.id)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(conversation(&app, &owner.token, &c).await["assignee"]["id"], json!(silent.id));
    clock.advance(Duration::from_secs(11));
    app.app.jobs.wake();
    let moved = wait_assignee(&app, &owner.token, &c, Some(&other.id)).await;
    let why = moved["routedBy"].as_str().unwrap().to_owned();
    assert!(why.starts_with(&format!("not answered by {}", if silent.id == owner.id { "Ann" } else { "Bob" })), "{why}");

    // The new assignee answers: it stays theirs.
    app.send(&other.token, &c, "Hi, I am here").await;
    clock.advance(Duration::from_secs(31));
    app.app.jobs.wake();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(conversation(&app, &owner.token, &c).await["assignee"]["id"], json!(other.id));

    // Nobody else free (the other is full): the silent agent gets a new chat back after
    // the time, with a new timer.
    capacity(&app, &owner, other, 1).await;
    let (_, c2) = chat(&app, &site, "second").await;
    wait_assignee(&app, &owner.token, &c2, Some(&silent.id)).await;
    clock.advance(Duration::from_secs(31));
    app.app.jobs.wake();
    let mut released = false;
    for _ in 0..100 {
        let conv = conversation(&app, &owner.token, &c2).await;
        // Released ("not answered by ..."), then assigned again by the next run.
        if conv["routedBy"].as_str().is_some_and(|r| r.starts_with("not answered")) && !conv["assignee"].is_null() {
            assert_eq!(conv["assignee"]["id"], json!(silent.id), "back to the only free agent: {conv}");
            released = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(released, "the unanswered chat went through the line again");
    let jobs = app.ok(Some(&owner.token), "query { jobs(kind: \"router.reassign\") { edges { node { state } } } }", json!({})).await;
    assert!(jobs.to_string().contains("PENDING"), "a new timer runs: {jobs}");
}

/// The estimated wait: unknown until the line has a pace (3 chats first answered in the
/// last 30 minutes), then the place times the pace, in whole minutes, for the visitor
/// and agents alike; none once the chat is taken.
#[tokio::test]
async fn a_waiting_visitor_sees_an_estimated_wait_from_the_lines_recent_pace() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let q = "query($c: ID!) { conversation(id: $c) { queuePosition estimatedWaitSeconds } }";
    let (v1, c1) = chat(&app, &site, "first in line").await;
    let mine = app.ok(Some(&v1.token), q, json!({ "c": c1 })).await;
    assert_eq!(mine["conversation"], json!({ "queuePosition": 1, "estimatedWaitSeconds": null }), "no pace yet");
    for i in 0..3 {
        let (_, done) = chat(&app, &site, &format!("answered {i}")).await;
        app.send(&owner.token, &done, "Hello!").await;
        resolve(&app, &owner, &done).await;
    }
    let (v2, c2) = chat(&app, &site, "second in line").await;
    // Three answered in the last 30 minutes: one every 10 minutes.
    let mine = app.ok(Some(&v1.token), q, json!({ "c": c1 })).await;
    assert_eq!(mine["conversation"], json!({ "queuePosition": 1, "estimatedWaitSeconds": 600 }));
    let second = app.ok(Some(&v2.token), q, json!({ "c": c2 })).await;
    assert_eq!(second["conversation"], json!({ "queuePosition": 2, "estimatedWaitSeconds": 1200 }));
    assert_eq!(app.ok(Some(&owner.token), q, json!({ "c": c2 })).await, second, "agents see the same");
    let assign = "mutation($c: ID!, $a: ID) { assignConversation(input: {conversationId: $c, agentId: $a}) { id } }";
    app.ok(Some(&owner.token), assign, json!({ "c": c1, "a": owner.id })).await;
    let taken = app.ok(Some(&v1.token), q, json!({ "c": c1 })).await;
    assert_eq!(taken["conversation"], json!({ "queuePosition": null, "estimatedWaitSeconds": null }));
    let second = app.ok(Some(&v2.token), q, json!({ "c": c2 })).await;
    assert_eq!(second["conversation"], json!({ "queuePosition": 1, "estimatedWaitSeconds": 600 }), "moved up");
}

const SLA: &str = "query($c: ID!) { conversation(id: $c) { firstResponseDueAt resolutionDueAt slaStatus } }";

async fn sla_policy(app: &TestApp, owner: &Agent, input: Value) -> Value {
    app.ok(Some(&owner.token), "mutation($i: SlaPolicyInput!) { createSlaPolicy(input: $i) { id name priority department { id } } }", json!({ "i": input }))
        .await["createSlaPolicy"]
        .clone()
}

fn ms(v: &Value) -> i64 {
    let t = v.as_str().unwrap_or_else(|| panic!("a time, got {v}"));
    t.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

/// SLA policies: the most specific one applies when the chat starts waiting; due times
/// count business hours where the policy says so (a closed stretch is skipped); a
/// priority change recomputes them; a reply meets the first-response target; checks run
/// as jobs near and at the due time and wake live dashboards; visitors see none of it.
#[tokio::test]
async fn sla_due_times_follow_the_most_specific_policy_and_business_hours() {
    let clock = chinwag::jobs::ManualClock::starting_now();
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let sales = app.ok(Some(&owner.token), "mutation { createDepartment(name: \"Sales\") { id } }", json!({})).await["createDepartment"]["id"].clone();

    // Who may, and bad input.
    let create = "mutation($i: SlaPolicyInput!) { createSlaPolicy(input: $i) { id } }";
    assert_eq!(app.err(Some(&bob.token), create, json!({ "i": { "name": "S", "firstResponseSeconds": 600 } })).await, "FORBIDDEN");
    for bad in [
        json!({ "name": "S" }),
        json!({ "name": "", "firstResponseSeconds": 600 }),
        json!({ "name": "S", "firstResponseSeconds": 59 }),
        json!({ "name": "S", "resolutionSeconds": 31 * 86_400 }),
    ] {
        assert_eq!(app.err(Some(&owner.token), create, json!({ "i": bad })).await, "BAD_USER_INPUT", "{bad}");
    }
    assert_eq!(
        app.err(Some(&owner.token), create, json!({ "i": { "name": "S", "departmentId": "dep_nope", "firstResponseSeconds": 600 } })).await,
        "NOT_FOUND"
    );
    let rival = app.sign_up("Rex").await;
    let theirs = app.ok(Some(&rival.token), "mutation { createDepartment(name: \"X\") { id } }", json!({})).await["createDepartment"]["id"].clone();
    assert_eq!(app.err(Some(&owner.token), create, json!({ "i": { "name": "S", "departmentId": theirs, "firstResponseSeconds": 600 } })).await, "NOT_FOUND");

    // Around the clock for everyone: an hour to answer, a day to resolve.
    let everyone =
        json!({ "name": "Everyone", "firstResponseSeconds": 3600, "nextResponseSeconds": 1800, "resolutionSeconds": 86_400, "businessHours": false });
    sla_policy(&app, &owner, everyone).await;
    let urgent = sla_policy(&app, &owner, json!({ "name": "Urgent", "priority": "URGENT", "firstResponseSeconds": 300, "businessHours": false })).await;
    assert_eq!(urgent["priority"], "URGENT");
    let before = chinwag::time::now_ms();
    let (v, c) = chat(&app, &site, "help").await;
    let mut due = Value::Null;
    for _ in 0..100 {
        due = app.ok(Some(&owner.token), SLA, json!({ "c": c })).await["conversation"].clone();
        if !due["firstResponseDueAt"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = ms(&due["firstResponseDueAt"]);
    assert!((before + 3_600_000..=chinwag::time::now_ms() + 3_600_000).contains(&first), "{due}");
    assert_eq!(ms(&due["resolutionDueAt"]) - first, 86_400_000 - 3_600_000);
    assert_eq!(due["slaStatus"], "ON_TRACK");
    let seen = app.ok(Some(&v.token), SLA, json!({ "c": c })).await;
    assert_eq!(seen["conversation"], json!({ "firstResponseDueAt": null, "resolutionDueAt": null, "slaStatus": null }), "staff only");

    // The check 10 minutes before the due time wakes the inbox.
    let mut inbox = app.ws(&owner.token).await;
    inbox.subscribe("i", "subscription { inboxEvents { __typename ... on ConversationUpdated { conversation { id slaStatus } } } }", json!({})).await;
    clock.advance(Duration::from_secs(51 * 60));
    app.app.jobs.wake();
    let ev = next_of_type(&mut inbox, "i", "inboxEvents", "ConversationUpdated").await;
    assert_eq!(ev["conversation"]["id"], json!(c));

    // Urgent now: five minutes from the start (already near); the resolution target goes.
    let p = "mutation($c: ID!) { setConversationPriority(conversationId: $c, priority: URGENT) { firstResponseDueAt resolutionDueAt slaStatus } }";
    let d = app.ok(Some(&owner.token), p, json!({ "c": c })).await["setConversationPriority"].clone();
    assert_eq!(ms(&d["firstResponseDueAt"]), first - 3_600_000 + 300_000, "{d}");
    assert_eq!((&d["resolutionDueAt"], &d["slaStatus"]), (&Value::Null, &json!("NEAR")));
    app.send(&owner.token, &c, "On it!").await;
    assert_eq!(app.ok(Some(&owner.token), SLA, json!({ "c": c })).await["conversation"]["slaStatus"], "MET");

    // The next response: each visitor message after the team's reply waits at most 30
    // minutes (the everyone policy); a reply ends the wait.
    let (v3, c3) = chat(&app, &site, "a first question").await;
    app.send(&owner.token, &c3, "Answered").await;
    let next = "query($c: ID!) { conversation(id: $c) { nextResponseDueAt slaStatus } }";
    assert_eq!(app.ok(Some(&owner.token), next, json!({ "c": c3 })).await["conversation"]["nextResponseDueAt"], Value::Null);
    let asked = chinwag::time::now_ms();
    app.send(&v3.token, &c3, "and a second one").await;
    app.send(&v3.token, &c3, "hello?").await;
    let mut waiting = Value::Null;
    for _ in 0..100 {
        waiting = app.ok(Some(&owner.token), next, json!({ "c": c3 })).await["conversation"].clone();
        if !waiting["nextResponseDueAt"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let due = ms(&waiting["nextResponseDueAt"]);
    assert!((asked + 1_800_000..asked + 1_800_000 + 2_000).contains(&due), "from the first unanswered message: {waiting}");
    assert_eq!(waiting["slaStatus"], "ON_TRACK");
    app.send_raw(&owner.token, &c3, "a note is no reply", None, true).await;
    assert_eq!(app.ok(Some(&owner.token), next, json!({ "c": c3 })).await["conversation"]["nextResponseDueAt"], waiting["nextResponseDueAt"]);
    app.send(&owner.token, &c3, "Answered again").await;
    let done = app.ok(Some(&owner.token), next, json!({ "c": c3 })).await["conversation"].clone();
    assert_eq!(done, json!({ "nextResponseDueAt": null, "slaStatus": "ON_TRACK" }), "answered; the resolution target is still open");

    // A department's policy in business hours: open only two days from now, 09:00-17:00
    // UTC, so an hour's target falls due at 10:00 that day.
    let day = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date().checked_add(jiff::Span::new().days(2)).unwrap();
    let weekday = format!("{:?}", day.weekday()).to_uppercase();
    let hours = json!({ "timeZone": "UTC", "intervals": [{ "day": weekday, "open": "09:00", "close": "17:00" }] });
    let update = "mutation($id: ID!, $h: BusinessHoursInput!) { updateWebsite(id: $id, input: {businessHours: $h}) { id } }";
    app.ok(Some(&owner.token), update, json!({ "id": site.id, "h": hours })).await;
    let dep = sla_policy(&app, &owner, json!({ "name": "Sales", "departmentId": sales, "firstResponseSeconds": 3600 })).await;
    assert_eq!(dep["department"]["id"], sales);
    let (_, c2) = chat(&app, &site, "a quote please").await;
    let assign = "mutation($c: ID!, $d: ID) { assignConversation(input: {conversationId: $c, departmentId: $d}) { firstResponseDueAt resolutionDueAt } }";
    let d = app.ok(Some(&owner.token), assign, json!({ "c": c2, "d": sales })).await["assignConversation"].clone();
    let expected = day.to_datetime(jiff::civil::time(10, 0, 0, 0)).to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp().as_millisecond();
    assert_eq!(ms(&d["firstResponseDueAt"]), expected, "{d}");
    assert_eq!(d["resolutionDueAt"], Value::Null, "the department's policy has no resolution target");
    let list = app.ok(Some(&bob.token), "query { slaPolicies { name } }", json!({})).await;
    assert_eq!(list["slaPolicies"], json!([{ "name": "Everyone" }, { "name": "Urgent" }, { "name": "Sales" }]));
    // At most 20 per organization.
    for i in 3..20 {
        // (Three policies so far.)
        sla_policy(&app, &owner, json!({ "name": format!("P{i}"), "resolutionSeconds": 86_400 })).await;
    }
    assert_eq!(app.err(Some(&owner.token), create, json!({ "i": { "name": "One too many", "resolutionSeconds": 600 } })).await, "BAD_USER_INPUT");
    // Deleting: another tenant's is not found; the owner's goes.
    let del = "mutation($id: ID!) { deleteSlaPolicy(id: $id) }";
    assert_eq!(app.err(Some(&rival.token), del, json!({ "id": dep["id"] })).await, "NOT_FOUND");
    assert_eq!(app.ok(Some(&owner.token), del, json!({ "id": dep["id"] })).await["deleteSlaPolicy"], true);
    assert_eq!(app.err(Some(&owner.token), del, json!({ "id": dep["id"] })).await, "NOT_FOUND");
}

/// An agent who answers a chat nobody has takes it (it leaves the line); a note does not;
/// a colleague's later reply does not take it over.
#[tokio::test]
async fn answering_a_waiting_chat_takes_it() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let (v, c) = chat(&app, &site, "anyone?").await;
    let mut ws = app.ws(&v.token).await;
    ws.subscribe("c", "subscription($c: ID!) { conversationEvents(conversationId: $c) { __typename ... on ConversationUpdated { conversation { queuePosition assigneeName } } } }", json!({ "c": c }))
        .await;
    app.send_raw(&bob.token, &c, "checking the order", None, true).await;
    let conv = conversation(&app, &owner.token, &c).await;
    assert_eq!((&conv["assignee"], &conv["queuePosition"]), (&Value::Null, &json!(1)), "a note takes nothing: {conv}");
    app.send(&bob.token, &c, "Hi, Bob here").await;
    let conv = conversation(&app, &owner.token, &c).await;
    assert_eq!((&conv["assignee"]["id"], &conv["queuePosition"], &conv["routedBy"]), (&json!(bob.id), &Value::Null, &Value::Null), "{conv}");
    let ev = next_of_type(&mut ws, "c", "conversationEvents", "ConversationUpdated").await;
    assert_eq!(ev["conversation"], json!({ "queuePosition": null, "assigneeName": "Bob" }), "the visitor learns it at once");
    app.send(&owner.token, &c, "Ann too").await;
    assert_eq!(conversation(&app, &owner.token, &c).await["assignee"]["id"], json!(bob.id), "not taken over");
}

const OFFER: &str = "query($c: ID!) { conversation(id: $c) { assignee { id } offeredTo { id } offerExpiresAt queuePosition } }";

/// Waits until the chat is on offer to someone, and returns who.
async fn offered(app: &TestApp, token: &str, c: &str, not: Option<&str>) -> String {
    for _ in 0..100 {
        let conv = app.ok(Some(token), OFFER, json!({ "c": c })).await["conversation"].clone();
        if let Some(id) = conv["offeredTo"]["id"].as_str().filter(|id| Some(*id) != not) {
            assert!(conv["assignee"].is_null() && conv["queuePosition"] == json!(1), "an offer leaves it in line: {conv}");
            return id.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{c} was not offered (to anyone but {not:?})");
}

/// Offers: the router offers a chat to the agent it picks, who accepts it within the
/// time or declines; a declined or expired offer moves to the next free agent; only the
/// agent it is offered to can take it, and only while it lasts; visitors see none of it.
#[tokio::test]
async fn a_chat_is_offered_and_accepted_declined_or_moved_on_when_it_expires() {
    let clock = chinwag::jobs::ManualClock::starting_now();
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let bad = "mutation($i: RoutingSettingsInput!) { updateRoutingSettings(input: $i) { offerSeconds } }";
    for n in [5, 301] {
        assert_eq!(app.err(Some(&owner.token), bad, json!({ "i": { "offerSeconds": n } })).await, "BAD_USER_INPUT");
    }
    set(&app, &owner, json!({ "assignment": "ROUND_ROBIN", "offerSeconds": 30 })).await;
    let _ann_ws = online(&app, &owner).await;
    let _bob_ws = online(&app, &bob).await;
    let (v, c) = chat(&app, &site, "hello").await;
    let first = offered(&app, &owner.token, &c, None).await;
    let (one, other) = if first == owner.id { (&owner, &bob) } else { (&bob, &owner) };
    let seen = app.ok(Some(&v.token), OFFER, json!({ "c": c })).await["conversation"].clone();
    assert_eq!(seen, json!({ "assignee": null, "offeredTo": null, "offerExpiresAt": null, "queuePosition": 1 }), "the visitor waits");
    // Only the agent it is offered to can take it or turn it down.
    let accept = "mutation($c: ID!) { acceptOffer(conversationId: $c) { assignee { id } offeredTo { id } } }";
    let decline = "mutation($c: ID!) { declineOffer(conversationId: $c) { offeredTo { id } } }";
    assert_eq!(app.err(Some(&other.token), accept, json!({ "c": c })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&other.token), decline, json!({ "c": c })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&v.token), accept, json!({ "c": c })).await, "FORBIDDEN");

    // Declined: it goes to the other agent.
    app.ok(Some(&one.token), decline, json!({ "c": c })).await;
    assert_eq!(offered(&app, &owner.token, &c, Some(&one.id)).await, other.id);
    // Not accepted in time: back to the first (the only other free agent), with a new offer.
    clock.advance(Duration::from_secs(31));
    app.app.jobs.wake();
    assert_eq!(offered(&app, &owner.token, &c, Some(&other.id)).await, one.id);
    let took = app.ok(Some(&one.token), accept, json!({ "c": c })).await["acceptOffer"].clone();
    assert_eq!(took, json!({ "assignee": { "id": one.id }, "offeredTo": null }));
    assert_eq!(app.err(Some(&one.token), accept, json!({ "c": c })).await, "NOT_FOUND", "taken once");
    let conv = conversation(&app, &owner.token, &c).await;
    assert!(conv["routedBy"].as_str().unwrap().contains("round robin"), "{conv}");
}

/// The visitor's language comes from their browser (Accept-Language, first choice) when
/// the session starts, and a LANGUAGE rule routes on it.
#[tokio::test]
async fn a_language_rule_routes_on_the_browsers_first_language() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let french = app.ok(Some(&owner.token), "mutation { createDepartment(name: \"Français\") { id } }", json!({})).await["createDepartment"]["id"].clone();
    let rule =
        json!({ "name": "French", "conditions": [{ "field": "LANGUAGE", "operator": "STARTS_WITH", "value": "fr" }], "actions": { "departmentId": french } });
    app.ok(Some(&owner.token), CREATE_RULE, json!({ "i": rule })).await;
    let start = json!({ "query": "mutation($k: String!) { startVisitorSession(input: {websiteKey: $k}) { token visitor { language } } }", "variables": { "k": site.key } });
    let mut chats = Vec::new();
    for lang in ["fr-CA,fr;q=0.9,en;q=0.8", "en-GB,fr;q=0.5", "*"] {
        let r: Value = app.http.post(&app.url).header("accept-language", lang).json(&start).send().await.unwrap().json().await.unwrap();
        let s = &r["data"]["startVisitorSession"];
        let token = s["token"].as_str().unwrap().to_owned();
        let c = app.ok(Some(&token), "mutation { startConversation(input: {body: \"bonjour\"}) { id } }", json!({})).await["startConversation"]["id"].clone();
        chats.push((s["visitor"]["language"].clone(), c));
    }
    let q = "query($c: ID!) { conversation(id: $c) { department { name } routedBy visitor { language } } }";
    let seen: Vec<Value> = futures_util::future::join_all(chats.iter().map(|(_, c)| app.ok(Some(&owner.token), q, json!({ "c": c })))).await;
    assert_eq!(chats.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>(), [json!("fr-ca"), json!("en-gb"), Value::Null]);
    assert_eq!(seen[0]["conversation"]["department"]["name"], "Français", "{:?}", seen[0]);
    assert_eq!(seen[0]["conversation"]["visitor"]["language"], "fr-ca");
    assert!(seen[1]["conversation"]["department"].is_null() && seen[2]["conversation"]["department"].is_null(), "{seen:?}");
}
