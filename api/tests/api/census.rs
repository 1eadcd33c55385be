//! The visitor field census: every field a visitor token can reach from the operations a
//! visitor may call, listed here. A new field reachable by visitors fails this test until
//! it is added to the census, on purpose, after asking whether a visitor may see it. The
//! staff-only fields among them are then read as a visitor, on a conversation that has
//! an assignee, a department with members and a private note, and must come back empty.

use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Value};

use crate::helpers::*;

/// What a visitor (or an anonymous caller) may call.
const ROOTS: &[(&str, &str)] = &[
    ("Query", "widgetConfig"),
    ("Query", "widgetTriggers"),
    ("Query", "invite"),
    ("Query", "currentVisitor"),
    ("Query", "conversations"),
    ("Query", "conversation"),
    ("Mutation", "startVisitorSession"),
    ("Mutation", "trackPageView"),
    ("Mutation", "startConversation"),
    ("Mutation", "rateConversation"),
    ("Mutation", "sendMessage"),
    ("Mutation", "setTyping"),
    ("Mutation", "sendTranscript"),
    ("Mutation", "markRead"),
    ("Mutation", "deleteMyData"),
    ("Mutation", "followUpByEmail"),
    ("Subscription", "conversationEvents"),
    ("Subscription", "answerDrafts"),
];

/// Reachable by a visitor, and each resolved for them as noted in `STAFF_ONLY`.
const CENSUS: &str = include_str!("census.txt");

/// Reachable in the schema, but empty for a visitor (checked below).
const STAFF_ONLY: &[&str] = &[
    "Conversation.assignee",
    "Department.members",
    "Agent.email",
    "Agent.role",
    "Agent.status",
    "Agent.isOnline",
    "Agent.createdAt",
    "Agent.capacity",
    "Conversation.routedBy",
    "Conversation.tags",
    "Conversation.firstResponseDueAt",
    "Conversation.resolutionDueAt",
    "Conversation.nextResponseDueAt",
    "Conversation.offeredTo",
    "Conversation.offerExpiresAt",
    "Conversation.slaStatus",
    "Conversation.slaBreaches",
    "Visitor.currentUrl",
    "Visitor.pageViews",
    "Visitor.conversions",
    "Message.language",
    "Message.sentiment",
];

fn named(t: &Value) -> &str {
    if t["name"].is_string() {
        t["name"].as_str().unwrap()
    } else {
        named(&t["ofType"])
    }
}

#[tokio::test]
async fn every_field_a_visitor_can_reach_is_in_the_census() {
    let app = spawn_app().await;
    let q = "{ __schema { types { name kind fields { name type { name ofType { name ofType { name ofType { name ofType { name } } } } } } possibleTypes { name } } } }";
    let schema = app.ok(None, q, json!({})).await;
    let types: HashMap<&str, &Value> = schema["__schema"]["types"].as_array().unwrap().iter().map(|t| (t["name"].as_str().unwrap(), t)).collect();
    let mut reached = BTreeSet::new();
    let mut todo: Vec<String> = Vec::new();
    for (root, field) in ROOTS {
        let f = types[root]["fields"].as_array().unwrap().iter().find(|f| f["name"] == *field).unwrap_or_else(|| panic!("{root}.{field} is gone"));
        reached.insert(format!("{root}.{field}"));
        todo.push(named(&f["type"]).to_owned());
    }
    let mut seen = BTreeSet::new();
    while let Some(t) = todo.pop() {
        if t.starts_with("__") || !seen.insert(t.clone()) {
            continue;
        }
        let ty = types[t.as_str()];
        for p in ty["possibleTypes"].as_array().into_iter().flatten() {
            todo.push(p["name"].as_str().unwrap().to_owned());
        }
        for f in ty["fields"].as_array().into_iter().flatten() {
            reached.insert(format!("{t}.{}", f["name"].as_str().unwrap()));
            todo.push(named(&f["type"]).to_owned());
        }
    }
    let census: BTreeSet<String> = CENSUS.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect();
    let new: Vec<_> = reached.difference(&census).collect();
    let gone: Vec<_> = census.difference(&reached).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "visitor-reachable fields changed: new {new:?} (add them to tests/api/census.txt once a visitor may see them, or guard them and add them to STAFF_ONLY), gone {gone:?}"
    );
    for f in STAFF_ONLY {
        assert!(reached.contains(*f), "{f} is not reachable any more: drop it from STAFF_ONLY");
    }
}

#[tokio::test]
async fn staff_only_fields_come_back_empty_for_a_visitor() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("hello")).await;
    let dep = app.ok(Some(&owner.token), "mutation { createDepartment(name: \"Sales\") { id } }", json!({})).await["createDepartment"]["id"].clone();
    let me = app.ok(Some(&owner.token), "{ me { id } }", json!({})).await["me"]["id"].clone();
    app.ok(Some(&owner.token), "mutation($d: ID!, $a: ID!) { addDepartmentMember(departmentId: $d, agentId: $a) { id } }", json!({ "d": dep, "a": me })).await;
    let assign = "mutation($c: ID!, $d: ID!, $a: ID!) { assignConversation(input: {conversationId: $c, departmentId: $d, agentId: $a}) { id } }";
    app.ok(Some(&owner.token), assign, json!({ "c": conv, "d": dep, "a": me })).await;
    app.ok(Some(&v.token), "mutation { trackPageView(input: {url: \"https://shop.test/pricing\"}) }", json!({})).await;
    app.ok(Some(&v.token), "mutation { trackEvents(input: {events: [{name: \"purchase\", value: 5, currency: \"EUR\"}]}) }", json!({})).await;
    app.send_raw(&owner.token, &conv, "internal: refund approved", None, true).await;
    app.send(&owner.token, &conv, "Hi, I am Ann").await;

    let q = "query($c: ID!) { conversation(id: $c) { assigneeName assignee { id email role status isOnline createdAt } \
             department { name members { id email role status } } visitor { id currentUrl pageViews { url } conversions { name value } } \
             messages(last: 50) { nodes { body isPrivate senderName senderAvatarUrl language sentiment { label } } } } }";
    let staff = app.ok(Some(&owner.token), q, json!({ "c": conv })).await;
    assert_eq!(staff["conversation"]["assignee"]["role"], "OWNER", "the fixture has what a visitor must not see: {staff}");
    assert_eq!(staff["conversation"]["department"]["members"].as_array().unwrap().len(), 1);
    assert_eq!(staff["conversation"]["visitor"]["currentUrl"], "https://shop.test/pricing");
    assert_eq!(staff["conversation"]["visitor"]["conversions"], json!([{ "name": "purchase", "value": 5.0 }]));

    let seen = app.ok(Some(&v.token), q, json!({ "c": conv })).await;
    let c = &seen["conversation"];
    assert_eq!(c["assigneeName"], "Ann", "the display name is the visitor's to see: {seen}");
    assert!(c["assignee"].is_null(), "{seen}");
    assert_eq!(c["department"]["name"], "Sales");
    assert_eq!(c["department"]["members"], json!([]), "{seen}");
    assert!(c["visitor"]["currentUrl"].is_null() && c["visitor"]["pageViews"] == json!([]), "{seen}");
    assert_eq!(c["visitor"]["conversions"], json!([]), "a visitor does not read the team's conversion records: {seen}");
    let bodies: Vec<&str> = c["messages"]["nodes"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["hello", "Hi, I am Ann"], "no note");
    assert!(c["messages"]["nodes"].as_array().unwrap().iter().all(|m| m["sentiment"].is_null() && m["language"].is_null()), "{seen}");
    assert_eq!(staff["conversation"]["messages"]["nodes"][0]["sentiment"]["label"], "NEUTRAL", "the team sees it: {staff}");
    assert!(!seen.to_string().contains("@"), "no email of anyone on the team: {seen}");
}
