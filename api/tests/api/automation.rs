//! Triggers, automations, dry runs, rules on transfer, the due-first order and replies by
//! email (docs/routing.md): what each does through the real API, what bad input and
//! other callers get, and that automations do not loop.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;

const CREATE_TRIGGER: &str =
    "mutation($w: ID!, $i: TriggerInput!) { createTrigger(websiteId: $w, input: $i) { id position conditions { field operator value } } }";
const WIDGET_TRIGGERS: &str =
    "query($k: String!) { widgetTriggers(websiteKey: $k) { id message senderName openPanel conditions { field operator value values } } }";
const CREATE_AUTOMATION: &str =
    "mutation($i: AutomationInput!) { createAutomation(input: $i) { id event keywords minutes actions { message tags priority } } }";
const MESSAGES: &str = "query($c: ID!) { conversation(id: $c) { firstResponseAt tags priority routedBy assignee { id } \
                        messages(last: 100) { nodes { body senderKind senderName } } } }";

async fn conversation(app: &TestApp, token: &str, c: &str) -> Value {
    app.ok(Some(token), MESSAGES, json!({ "c": c })).await["conversation"].clone()
}

/// The conversation's BOT messages' bodies, once there are `n` (or after a few seconds).
async fn bot_messages(app: &TestApp, token: &str, c: &str, n: usize) -> Vec<String> {
    let mut got = Vec::new();
    for _ in 0..100 {
        let conv = conversation(app, token, c).await;
        got =
            conv["messages"]["nodes"].as_array().unwrap().iter().filter(|m| m["senderKind"] == "BOT").map(|m| m["body"].as_str().unwrap().to_owned()).collect();
        if got.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    got
}

#[tokio::test]
async fn a_trigger_is_listed_for_its_widget_and_a_reply_stores_its_message_first() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let other_site = app.create_website(&owner, &[]).await;
    let eve = app.sign_up("Eve").await;
    let eve_site = app.create_website(&eve, &[]).await;
    let config = "query($k: String!) { widgetConfig(websiteKey: $k) { hasTriggers } }";
    assert_eq!(app.ok(None, config, json!({ "k": site.key })).await["widgetConfig"]["hasTriggers"], false);

    let input = |conditions: Value, message: &str| json!({ "name": "Pricing help", "conditions": conditions, "message": message, "agentId": owner.id });
    let pricing = json!([{ "field": "PAGE_URL", "operator": "CONTAINS", "value": "/pricing" }, { "field": "TIME_ON_PAGE", "operator": "AT_LEAST", "value": "20" },
                         { "field": "BUSINESS_HOURS", "operator": "IS_TRUE" }]);
    // Bad shapes, someone else's agent or website, an agent: refused, nothing stored.
    for bad in [
        json!([{ "field": "TIME_ON_PAGE", "operator": "EQUALS", "value": "20" }]),
        json!([{ "field": "PAGES_VIEWED", "operator": "AT_LEAST", "value": "many" }]),
        json!([{ "field": "RETURNING", "operator": "CONTAINS", "value": "x" }]),
        json!([{ "field": "PAGE_URL", "operator": "AT_LEAST", "value": "3" }]),
    ] {
        assert_eq!(app.err(Some(&owner.token), CREATE_TRIGGER, json!({ "w": site.id, "i": input(bad.clone(), "Hi") })).await, "BAD_USER_INPUT", "{bad}");
    }
    assert_eq!(app.err(Some(&owner.token), CREATE_TRIGGER, json!({ "w": site.id, "i": input(json!([]), "  ") })).await, "BAD_USER_INPUT");
    let eves_agent = json!({ "name": "x", "conditions": [], "message": "Hi", "agentId": eve.id });
    assert_eq!(app.err(Some(&owner.token), CREATE_TRIGGER, json!({ "w": site.id, "i": eves_agent })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&owner.token), CREATE_TRIGGER, json!({ "w": eve_site.id, "i": input(json!([]), "Hi") })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&bob.token), CREATE_TRIGGER, json!({ "w": site.id, "i": input(json!([]), "Hi") })).await, "FORBIDDEN");
    assert!(app.ok(Some(&owner.token), "query { triggers { id } }", json!({})).await["triggers"].as_array().unwrap().is_empty());

    let t =
        app.ok(Some(&owner.token), CREATE_TRIGGER, json!({ "w": site.id, "i": input(pricing, "Questions about our plans?") })).await["createTrigger"].clone();
    assert_eq!(t["conditions"][1]["value"], "20");
    // Speaks only when someone is online: not listed while nobody is.
    let online_only = json!({ "name": "Live", "conditions": [{ "field": "AGENTS_ONLINE", "operator": "IS_TRUE" }], "message": "We are here" });
    app.ok(Some(&owner.token), CREATE_TRIGGER, json!({ "w": site.id, "i": online_only })).await;
    assert_eq!(app.ok(None, config, json!({ "k": site.key })).await["widgetConfig"]["hasTriggers"], true);
    assert_eq!(app.ok(None, config, json!({ "k": other_site.key })).await["widgetConfig"]["hasTriggers"], false);
    let listed = app.ok(None, WIDGET_TRIGGERS, json!({ "k": site.key })).await["widgetTriggers"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], t["id"]);
    assert_eq!(listed[0]["senderName"], "Ann");
    // The server decided business hours: the page gets only its own conditions.
    let fields: Vec<&str> = listed[0]["conditions"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["PAGE_URL", "TIME_ON_PAGE"]);
    assert_eq!(app.err(None, WIDGET_TRIGGERS, json!({ "k": "wk_nope" })).await, "NOT_FOUND");
    assert!(app.ok(Some(&bob.token), "query { triggers { id } }", json!({})).await["triggers"].as_array().unwrap().len() == 2);

    // The visitor replies: the trigger's message comes first, as the bot, in Ann's name.
    let start = "mutation($i: StartConversationInput!) { startConversation(input: $i) { id } }";
    let v = app.visitor(&site).await;
    assert_eq!(app.err(Some(&v.token), start, json!({ "i": { "triggerId": t["id"] } })).await, "BAD_USER_INPUT", "no body");
    let foreign =
        app.ok(Some(&owner.token), CREATE_TRIGGER, json!({ "w": other_site.id, "i": input(json!([]), "Other site") })).await["createTrigger"]["id"].clone();
    assert_eq!(app.err(Some(&v.token), start, json!({ "i": { "body": "hi", "triggerId": foreign } })).await, "NOT_FOUND");
    let c = app.ok(Some(&v.token), start, json!({ "i": { "body": "Yes: is there a discount?", "triggerId": t["id"] } })).await["startConversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let conv = conversation(&app, &owner.token, &c).await;
    let nodes = conv["messages"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2, "{conv}");
    assert_eq!(
        (nodes[0]["senderKind"].as_str(), nodes[0]["body"].as_str(), nodes[0]["senderName"].as_str()),
        (Some("BOT"), Some("Questions about our plans?"), Some("Ann"))
    );
    assert_eq!((nodes[1]["senderKind"].as_str(), nodes[1]["body"].as_str()), (Some("VISITOR"), Some("Yes: is there a discount?")));
    assert_eq!(conv["firstResponseAt"], Value::Null, "a bot's message is no response");
    // The visitor sees the same first message.
    assert_eq!(app.messages(&v.token, &c).await[0]["body"], "Questions about our plans?");

    // Disabled: not listed, and a reply to it is refused.
    let update = "mutation($id: ID!, $i: TriggerInput!) { updateTrigger(id: $id, input: $i) { enabled } }";
    let off = json!({ "name": "Pricing help", "enabled": false, "conditions": [], "message": "Questions about our plans?" });
    assert_eq!(app.err(Some(&eve.token), update, json!({ "id": t["id"], "i": off })).await, "NOT_FOUND");
    app.ok(Some(&owner.token), update, json!({ "id": t["id"], "i": off })).await;
    assert!(app.ok(None, WIDGET_TRIGGERS, json!({ "k": site.key })).await["widgetTriggers"].as_array().unwrap().is_empty());
    assert_eq!(app.err(Some(&v.token), start, json!({ "i": { "body": "hi", "triggerId": t["id"] } })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&eve.token), "mutation($id: ID!) { deleteTrigger(id: $id) }", json!({ "id": t["id"] })).await, "NOT_FOUND");
    app.ok(Some(&owner.token), "mutation($id: ID!) { deleteTrigger(id: $id) }", json!({ "id": t["id"] })).await;

    // At most 20 per website.
    for i in 0..19 {
        app.ok(Some(&owner.token), CREATE_TRIGGER, json!({ "w": site.id, "i": input(json!([]), &format!("n{i}")) })).await;
    }
    assert_eq!(app.err(Some(&owner.token), CREATE_TRIGGER, json!({ "w": site.id, "i": input(json!([]), "one too many") })).await, "PLAN_LIMIT");
    let log = app.ok(Some(&owner.token), "query { auditLog(first: 100) { edges { node { action } } } }", json!({})).await;
    let actions: Vec<&str> = log["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["action"].as_str().unwrap()).collect();
    for a in ["trigger.create", "trigger.update", "trigger.delete"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn automations_act_once_per_visitor_message_and_stop_at_the_bot_cap() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let eve = app.sign_up("Eve").await;
    let eves_canned = app
        .ok(Some(&eve.token), "mutation { createCannedResponse(input: {shortcut: \"hi\", title: \"Hi\", body: \"Hello\"}) { id } }", json!({}))
        .await["createCannedResponse"]["id"]
        .clone();
    let auto = |event: &str, extra: Value| {
        let mut i = json!({ "name": "A", "event": event, "actions": { "tags": ["x"] } });
        i.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({ "i": i })
    };
    for (event, extra, code) in [
        ("NO_REPLY", json!({}), "BAD_USER_INPUT"),
        ("NO_REPLY", json!({ "minutes": 0 }), "BAD_USER_INPUT"),
        ("CONVERSATION_CREATED", json!({ "keywords": ["refund"] }), "BAD_USER_INPUT"),
        ("MESSAGE_RECEIVED", json!({ "minutes": 5 }), "BAD_USER_INPUT"),
        ("RATING_RECEIVED", json!({ "ratingAtMost": 9 }), "BAD_USER_INPUT"),
        ("MESSAGE_RECEIVED", json!({ "actions": {} }), "BAD_USER_INPUT"),
        ("MESSAGE_RECEIVED", json!({ "actions": { "message": "x".repeat(2001) } }), "BAD_USER_INPUT"),
        ("MESSAGE_RECEIVED", json!({ "actions": { "cannedResponseId": eves_canned } }), "NOT_FOUND"),
        ("MESSAGE_RECEIVED", json!({ "actions": { "assignTo": eve.id } }), "NOT_FOUND"),
    ] {
        assert_eq!(app.err(Some(&owner.token), CREATE_AUTOMATION, auto(event, extra.clone())).await, code, "{event} {extra}");
    }
    assert_eq!(app.err(Some(&bob.token), CREATE_AUTOMATION, auto("MESSAGE_RECEIVED", json!({}))).await, "FORBIDDEN");

    // On the first message: assigned to Bob. On "refund": the bot answers, with tags
    // and a priority. On any message: a second answer that a visitor's message never
    // gets when the first one spoke.
    app.ok(Some(&owner.token), CREATE_AUTOMATION, auto("CONVERSATION_CREATED", json!({ "name": "To Bob", "actions": { "assignTo": bob.id } }))).await;
    let refund = json!({ "name": "Refunds", "keywords": ["refund", "money back"],
                         "actions": { "message": "A refund? We are on it.", "tags": ["refund"], "priority": "HIGH" } });
    let made = app.ok(Some(&owner.token), CREATE_AUTOMATION, auto("MESSAGE_RECEIVED", refund)).await["createAutomation"].clone();
    assert_eq!(made["keywords"], json!(["refund", "money back"]));
    let any = json!({ "name": "Any", "actions": { "message": "Thanks, noted.", "tags": ["any"] } });
    app.ok(Some(&owner.token), CREATE_AUTOMATION, auto("MESSAGE_RECEIVED", any)).await;

    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("I want a REFUND please")).await;
    assert_eq!(bot_messages(&app, &owner.token, &c, 1).await, ["A refund? We are on it."]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let conv = conversation(&app, &owner.token, &c).await;
    assert_eq!(bot_messages(&app, &owner.token, &c, 1).await.len(), 1, "one automated reply per visitor message: {conv}");
    assert_eq!(conv["tags"], json!(["any", "refund"]));
    assert_eq!(conv["priority"], "HIGH");
    assert_eq!(conv["assignee"]["id"], json!(bob.id));
    assert_eq!(conv["messages"]["nodes"][1]["senderName"], "Ann Inc", "the bot speaks as the organization");
    assert_eq!(conv["firstResponseAt"], Value::Null);

    // A later message without the keyword gets the other answer; the assignment does
    // not run again (the conversation was created once).
    app.send(&v.token, &c, "and another thing").await;
    assert_eq!(bot_messages(&app, &owner.token, &c, 2).await, ["A refund? We are on it.", "Thanks, noted."]);
    // Bot messages never trigger automations; a chatty visitor stops getting answers
    // at 20 bot messages in the conversation.
    for i in 0..22 {
        app.send(&v.token, &c, &format!("message {i}")).await;
    }
    let all = bot_messages(&app, &owner.token, &c, 20).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(bot_messages(&app, &owner.token, &c, 20).await.len(), 20, "{all:?}");
}

#[tokio::test]
async fn no_reply_and_rating_automations_run_on_the_jobs_clock() {
    let clock = chinwag::jobs::ManualClock::starting_now();
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let wait = json!({ "i": { "name": "Waiting", "event": "NO_REPLY", "minutes": 5,
                              "actions": { "message": "Sorry for the wait, we are coming.", "priority": "URGENT" } } });
    assert_eq!(app.ok(Some(&owner.token), CREATE_AUTOMATION, wait).await["createAutomation"]["minutes"], 5);
    let unhappy = json!({ "i": { "name": "Unhappy", "event": "RATING_RECEIVED", "ratingAtMost": 2, "actions": { "tags": ["unhappy"] } } });
    app.ok(Some(&owner.token), CREATE_AUTOMATION, unhappy).await;

    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("hello?")).await;
    let answered_v = app.visitor(&site).await;
    let answered = app.start_conversation(&answered_v, Some("hi")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.send(&owner.token, &answered, "Hi! How can I help?").await;
    clock.advance(Duration::from_secs(4 * 60));
    app.app.jobs.wake();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(bot_messages(&app, &owner.token, &c, 0).await.is_empty(), "not yet 5 minutes");
    // The wait counts from the message's time, which is the wall clock's: the clock was
    // made before the server started and the message written, which under load on
    // PostgreSQL took more than a second (past a 61 s step the job was not yet due).
    clock.advance(Duration::from_secs(2 * 60));
    app.app.jobs.wake();
    assert_eq!(bot_messages(&app, &owner.token, &c, 1).await, ["Sorry for the wait, we are coming."]);
    // The priority is written after the message (the same job): wait for it under load.
    let deadline = tokio::time::Instant::now() + WAIT;
    while conversation(&app, &owner.token, &c).await["priority"] != "URGENT" {
        assert!(tokio::time::Instant::now() < deadline, "the automation's priority never came");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(bot_messages(&app, &owner.token, &answered, 0).await.is_empty(), "an answered visitor is not waiting");
    // The bot's message is no reply: the visitor still waits, but the timer fired once.
    clock.advance(Duration::from_secs(10 * 60));
    app.app.jobs.wake();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bot_messages(&app, &owner.token, &c, 1).await.len(), 1);

    // A rating of 1 tags the conversation; a 5 elsewhere does not.
    let resolve = "mutation($c: ID!) { setConversationStatus(conversationId: $c, status: RESOLVED) { id } }";
    let rate = "mutation($c: ID!, $r: Int!) { rateConversation(conversationId: $c, rating: $r) { id } }";
    app.ok(Some(&owner.token), resolve, json!({ "c": c })).await;
    app.ok(Some(&owner.token), resolve, json!({ "c": answered })).await;
    app.ok(Some(&v.token), rate, json!({ "c": c, "r": 1 })).await;
    app.ok(Some(&answered_v.token), rate, json!({ "c": answered, "r": 5 })).await;
    let mut tags = Value::Null;
    for _ in 0..100 {
        tags = conversation(&app, &owner.token, &c).await["tags"].clone();
        if tags == json!(["unhappy"]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(tags, json!(["unhappy"]));
    assert_eq!(conversation(&app, &owner.token, &answered).await["tags"], json!([]));
}

#[tokio::test]
async fn dry_runs_report_what_would_happen_and_change_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let pro = app.visitor_with(&site, json!({ "attributes": [{ "key": "plan", "value": "pro" }] })).await;
    let c_pro = app.start_conversation(&pro, Some("I need a refund")).await;
    let free = app.visitor(&site).await;
    app.start_conversation(&free, Some("hello")).await;
    app.ok(Some(&free.token), "mutation { trackPageView(input: {url: \"https://shop.test/pricing\"}) }", json!({})).await;
    // Not in the team's queue yet: not looked at.
    let silent = app.visitor(&site).await;
    app.start_conversation(&silent, None).await;

    let rule = json!({ "i": { "name": "Pro", "conditions": [{ "field": "VISITOR_ATTRIBUTE", "key": "plan", "operator": "EQUALS", "value": "pro" }],
                              "actions": { "tags": ["pro"] } } });
    let q = "query($i: RoutingRuleInput!) { routingRuleDryRun(input: $i) { checked matched conversations { id } } }";
    let d = app.ok(Some(&owner.token), q, rule.clone()).await["routingRuleDryRun"].clone();
    assert_eq!((d["checked"].as_i64(), d["matched"].as_i64()), (Some(2), Some(1)), "{d}");
    assert_eq!(d["conversations"][0]["id"], json!(c_pro));
    assert_eq!(app.err(Some(&bob.token), q, rule).await, "FORBIDDEN");

    let a = json!({ "i": { "name": "Refunds", "event": "MESSAGE_RECEIVED", "keywords": ["refund"], "actions": { "tags": ["refund"] } } });
    let q = "query($i: AutomationInput!) { automationDryRun(input: $i) { checked matched conversations { id tags } } }";
    let d = app.ok(Some(&owner.token), q, a).await["automationDryRun"].clone();
    assert_eq!((d["checked"].as_i64(), d["matched"].as_i64()), (Some(2), Some(1)), "{d}");
    assert_eq!(d["conversations"][0]["id"], json!(c_pro));
    assert_eq!(d["conversations"][0]["tags"], json!([]), "a dry run changes nothing");
    // With conditions on the visitor (read for all the conversations at once).
    let a = json!({ "i": { "name": "Pro chats", "event": "CONVERSATION_CREATED", "actions": { "tags": ["pro"] },
                           "conditions": [{ "field": "VISITOR_ATTRIBUTE", "key": "plan", "operator": "EQUALS", "value": "pro" }] } });
    let d = app.ok(Some(&owner.token), q, a).await["automationDryRun"].clone();
    assert_eq!((d["checked"].as_i64(), d["matched"].as_i64()), (Some(2), Some(1)), "{d}");
    assert_eq!(d["conversations"][0]["id"], json!(c_pro));
    let bad = json!({ "i": { "name": "x", "event": "NO_REPLY", "actions": { "tags": ["x"] } } });
    assert_eq!(app.err(Some(&owner.token), q, bad).await, "BAD_USER_INPUT");

    let q = "query($w: ID!, $c: [TriggerConditionInput!]!) { triggerDryRun(websiteId: $w, conditions: $c) { checked matched pages { url } } }";
    let d = app.ok(Some(&owner.token), q, json!({ "w": site.id, "c": [{ "field": "PAGE_URL", "operator": "CONTAINS", "value": "pricing" }] })).await
        ["triggerDryRun"]
        .clone();
    assert_eq!(d["matched"], 1, "{d}");
    assert_eq!(d["pages"][0]["url"], "https://shop.test/pricing");
    assert!(app.ok(Some(&owner.token), "query { automations { id } }", json!({})).await["automations"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_transfer_back_to_the_line_runs_the_rules_again_with_its_department() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let billing = app.ok(Some(&owner.token), "mutation { createDepartment(name: \"Billing\") { id } }", json!({})).await["createDepartment"]["id"].clone();
    let rule = json!({ "i": { "name": "Billing matters", "conditions": [{ "field": "DEPARTMENT", "operator": "EQUALS", "value": billing }],
                              "actions": { "priority": "HIGH", "tags": ["billing"] } } });
    app.ok(Some(&owner.token), "mutation($i: RoutingRuleInput!) { createRoutingRule(input: $i) { id } }", rule).await;
    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("my invoice is wrong")).await;
    let conv = conversation(&app, &owner.token, &c).await;
    assert_eq!((conv["priority"].as_str(), conv["tags"].clone()), (Some("NORMAL"), json!([])), "no department when it starts");
    let assign = "mutation($c: ID!, $d: ID) { assignConversation(input: {conversationId: $c, departmentId: $d}) { id } }";
    app.ok(Some(&owner.token), assign, json!({ "c": c, "d": billing })).await;
    let conv = conversation(&app, &owner.token, &c).await;
    assert_eq!(conv["priority"], "HIGH");
    assert_eq!(conv["tags"], json!(["billing"]));
    assert_eq!(conv["routedBy"], "transferred; rule: Billing matters");
}

#[tokio::test]
async fn due_first_lists_the_soonest_due_conversation_first_page_by_page() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let sla = "mutation($i: SlaPolicyInput!) { createSlaPolicy(input: $i) { id } }";
    app.ok(Some(&owner.token), sla, json!({ "i": { "name": "Urgent", "priority": "URGENT", "firstResponseSeconds": 600, "businessHours": false } })).await;
    app.ok(Some(&owner.token), sla, json!({ "i": { "name": "Normal", "priority": "NORMAL", "firstResponseSeconds": 3600, "businessHours": false } })).await;
    let older = app.start_conversation(&app.visitor(&site).await, Some("first")).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let newer = app.start_conversation(&app.visitor(&site).await, Some("second")).await;
    let set_priority = "mutation($c: ID!) { setConversationPriority(conversationId: $c, priority: URGENT) { id } }";
    app.ok(Some(&owner.token), set_priority, json!({ "c": older })).await;
    // Answered: nothing due any more.
    let done = app.start_conversation(&app.visitor(&site).await, Some("third")).await;
    let due_of = |c: &str| {
        let c = c.to_owned();
        let app = &app;
        let token = owner.token.clone();
        async move {
            for _ in 0..100 {
                let d = app.ok(Some(&token), "query($c: ID!) { conversation(id: $c) { firstResponseDueAt } }", json!({ "c": c })).await;
                if !d["conversation"]["firstResponseDueAt"].is_null() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("{c} got no due time");
        }
    };
    due_of(&older).await;
    due_of(&newer).await;
    due_of(&done).await;
    app.send(&owner.token, &done, "answered").await;
    let page = "query($a: String) { conversations(first: 1, after: $a, order: DUE_FIRST) { edges { node { id } } pageInfo { endCursor hasNextPage } } }";
    let mut ids = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = app.ok(Some(&owner.token), page, json!({ "a": after })).await["conversations"].clone();
        ids.extend(d["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap().to_owned()));
        if d["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = d["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(ids, [older.clone(), newer.clone(), done.clone()], "urgent (10 min), then normal (1 h), then nothing due");
    let recent = app.ok(Some(&owner.token), "query { conversations(first: 3) { edges { node { id } } } }", json!({})).await;
    let recent: Vec<&str> = recent["conversations"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap()).collect();
    assert_eq!(recent[0], done, "the default is still the latest activity first");
}

#[tokio::test]
async fn a_waiting_visitor_can_have_the_replies_by_email() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let follow = "mutation($c: ID!) { followUpByEmail(conversationId: $c) { id isOffline } }";
    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("hello?")).await;
    assert_eq!(app.err(Some(&v.token), follow, json!({ "c": c })).await, "BAD_USER_INPUT", "no email yet");
    let other = app.visitor(&site).await;
    let theirs = app.start_conversation(&other, Some("mine")).await;
    let v = app.visitor_with(&site, json!({ "resumeToken": v.resume, "email": "pat@example.com" })).await;
    assert_eq!(app.err(Some(&v.token), follow, json!({ "c": theirs })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&owner.token), follow, json!({ "c": c })).await, "FORBIDDEN");
    assert_eq!(app.ok(Some(&v.token), follow, json!({ "c": c })).await["followUpByEmail"]["isOffline"], true);
    // The team's reply now goes by email too (a job committed with the reply).
    app.send(&owner.token, &c, "Sorry for the wait: here is your answer").await;
    let jobs = app.jobs().await;
    assert!(jobs.iter().any(|j| j.kind == "email.offline_reply" && j.payload.contains(&c)), "{jobs:?}");
}

/// POSTs a beacon as the widget does (JSON as `text/plain`): (status, body).
async fn beacon(app: &TestApp, body: &str) -> (u16, Value) {
    let url = app.url.replace("/graphql", "/presence");
    let r = app.http.post(url).header("content-type", "text/plain;charset=UTF-8").body(body.to_owned()).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

const LIVE: &str = "query($w: ID) { liveVisitors(websiteId: $w) { presenceId websiteId url title pagesViewed returning visitor { id } } }";

#[tokio::test]
async fn live_visitors_come_from_beacons_and_an_agent_can_write_to_one() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let eve = app.sign_up("Eve").await;
    let pid = "p4GzQe1vN0sXk2LmA9tYbW";
    let b = |url: &str, extra: Value| {
        let mut v = json!({ "websiteKey": site.key, "presenceId": pid, "url": url, "title": "Pricing", "returning": true });
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v.to_string()
    };
    // Off by default: nothing is recorded.
    let (status, body) = beacon(&app, &b("https://shop.test/pricing", json!({}))).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (403, Some("FORBIDDEN")), "{body}");
    let set = "mutation($id: ID!, $l: LivePresence!) { updateWebsite(id: $id, input: {livePresence: $l}) { livePresence } }";
    assert_eq!(app.err(Some(&bob.token), set, json!({ "id": site.id, "l": "PAGE_LOAD" })).await, "FORBIDDEN");
    app.ok(Some(&owner.token), set, json!({ "id": site.id, "l": "PAGE_LOAD" })).await;
    let config = app.ok(None, "query($k: String!) { widgetConfig(websiteKey: $k) { livePresence } }", json!({ "k": site.key })).await;
    assert_eq!(config["widgetConfig"]["livePresence"], "PAGE_LOAD");

    // Bad beacons: clear errors, nothing recorded.
    for (bad, code) in [
        ("not json".to_owned(), 400),
        (json!({ "websiteKey": site.key, "presenceId": "short", "url": "https://shop.test/" }).to_string(), 400),
        (json!({ "websiteKey": site.key, "presenceId": pid, "url": "javascript:alert(1)" }).to_string(), 400),
        (json!({ "websiteKey": "wk_nope", "presenceId": pid, "url": "https://shop.test/" }).to_string(), 404),
        (b("https://shop.test/", json!({ "title": "x".repeat(5000) })), 413),
    ] {
        assert_eq!(beacon(&app, &bad).await.0, code, "{}", &bad[..bad.len().min(80)]);
    }
    assert!(app.ok(Some(&owner.token), LIVE, json!({})).await["liveVisitors"].as_array().unwrap().is_empty());

    let (status, body) = beacon(&app, &b("https://shop.test/pricing", json!({}))).await;
    assert_eq!((status, body.clone()), (200, json!({ "messages": [] })));
    let live = app.ok(Some(&bob.token), LIVE, json!({ "w": site.id })).await["liveVisitors"].clone();
    assert_eq!(live.as_array().unwrap().len(), 1, "{live}");
    assert_eq!(
        (live[0]["url"].as_str(), live[0]["title"].as_str(), live[0]["pagesViewed"].as_i64()),
        (Some("https://shop.test/pricing"), Some("Pricing"), Some(1))
    );
    assert_eq!(live[0]["returning"], false, "no first-party id: nobody is returning");
    assert_eq!(live[0]["visitor"], Value::Null);
    // Another organization sees none of it, and cannot write to it.
    assert!(app.ok(Some(&eve.token), LIVE, json!({})).await["liveVisitors"].as_array().unwrap().is_empty());
    let write = "mutation($w: ID!, $p: ID!, $b: String!) { messageLiveVisitor(websiteId: $w, presenceId: $p, body: $b) }";
    assert_eq!(app.err(Some(&eve.token), write, json!({ "w": site.id, "p": pid, "b": "hi" })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&bob.token), write, json!({ "w": site.id, "p": "nobody_here_1234567", "b": "hi" })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&bob.token), write, json!({ "w": site.id, "p": pid, "b": " " })).await, "BAD_USER_INPUT");

    // Bob writes: the next beacon carries it; the visitor's reply stores it first, as Bob's.
    let id = app.ok(Some(&bob.token), write, json!({ "w": site.id, "p": pid, "b": "Hi! Any question about the plans?" })).await["messageLiveVisitor"].clone();
    let (_, body) = beacon(&app, &b("https://shop.test/pricing", json!({}))).await;
    assert_eq!(body["messages"][0]["id"], id);
    assert_eq!((body["messages"][0]["body"].as_str(), body["messages"][0]["senderName"].as_str()), (Some("Hi! Any question about the plans?"), Some("Bob")));
    let v = app.visitor(&site).await;
    let start = "mutation($i: StartConversationInput!) { startConversation(input: $i) { id } }";
    let both = json!({ "i": { "body": "Yes", "proactiveMessageId": id, "triggerId": "trg_x" } });
    assert_eq!(app.err(Some(&v.token), start, both).await, "BAD_USER_INPUT");
    let c = app.ok(Some(&v.token), start, json!({ "i": { "body": "Yes: which plan fits a team of 5?", "proactiveMessageId": id } })).await["startConversation"]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let conv = conversation(&app, &owner.token, &c).await;
    let nodes = conv["messages"]["nodes"].as_array().unwrap();
    assert_eq!((nodes[0]["senderKind"].as_str(), nodes[0]["senderName"].as_str()), (Some("AGENT"), Some("Bob")), "{conv}");
    assert_eq!(nodes[1]["senderKind"], "VISITOR");
    assert_eq!(conv["firstResponseAt"], Value::Null, "a message before the visitor wrote answers nothing");
    // Taken: the next beacon has nothing, and a second reply to it is refused.
    assert_eq!(beacon(&app, &b("https://shop.test/pricing", json!({}))).await.1, json!({ "messages": [] }));
    let again = json!({ "i": { "body": "again", "proactiveMessageId": id } });
    assert_eq!(app.err(Some(&v.token), start, again).await, "NOT_FOUND");

    // A visitor who chatted sends their token: agents see who it is.
    let (status, _) = beacon(&app, &b("https://shop.test/checkout", json!({ "visitorToken": v.token }))).await;
    assert_eq!(status, 200);
    let live = app.ok(Some(&owner.token), LIVE, json!({ "w": site.id })).await["liveVisitors"].clone();
    assert_eq!((live[0]["url"].as_str(), live[0]["visitor"]["id"].as_str()), (Some("https://shop.test/checkout"), Some(v.id.as_str())));
}

#[tokio::test]
async fn a_tab_that_beacons_too_fast_is_refused_and_a_first_party_id_may_return() {
    let app = spawn_app_with(|s| s.limits.rate_limits = "on".into()).await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let set = "mutation($id: ID!) { updateWebsite(id: $id, input: {livePresence: FIRST_PARTY_ID}) { livePresence } }";
    app.ok(Some(&owner.token), set, json!({ "id": site.id })).await;
    let body =
        json!({ "websiteKey": site.key, "presenceId": "returning_visitor_0001", "url": "https://shop.test/", "returning": true, "pagesViewed": 3 }).to_string();
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(beacon(&app, &body).await.0);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 429, 429]);
    let live = app.ok(Some(&owner.token), LIVE, json!({})).await["liveVisitors"].clone();
    assert_eq!((live[0]["returning"].as_bool(), live[0]["pagesViewed"].as_i64()), (Some(true), Some(3)));
}

#[tokio::test]
async fn the_order_decides_which_automation_answers_and_which_trigger_comes_first() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let mk = |name: &str, message: &str| json!({ "i": { "name": name, "event": "MESSAGE_RECEIVED", "actions": { "message": message } } });
    let first = app.ok(Some(&owner.token), CREATE_AUTOMATION, mk("First", "from the first")).await["createAutomation"]["id"].clone();
    let second = app.ok(Some(&owner.token), CREATE_AUTOMATION, mk("Second", "from the second")).await["createAutomation"]["id"].clone();
    let order = "mutation($ids: [ID!]!) { orderAutomations(ids: $ids) { id position } }";
    assert_eq!(app.err(Some(&owner.token), order, json!({ "ids": [second] })).await, "BAD_USER_INPUT", "every one, once");
    assert_eq!(app.err(Some(&owner.token), order, json!({ "ids": [second, second] })).await, "BAD_USER_INPUT");
    let got = app.ok(Some(&owner.token), order, json!({ "ids": [second, first] })).await["orderAutomations"].clone();
    assert_eq!((got[0]["id"].clone(), got[0]["position"].as_i64()), (second.clone(), Some(1)));
    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("hello")).await;
    assert_eq!(bot_messages(&app, &owner.token, &c, 1).await, ["from the second"]);

    let t = |m: &str| json!({ "w": site.id, "i": { "name": m, "conditions": [], "message": m } });
    let a = app.ok(Some(&owner.token), CREATE_TRIGGER, t("a")).await["createTrigger"]["id"].clone();
    let b = app.ok(Some(&owner.token), CREATE_TRIGGER, t("b")).await["createTrigger"]["id"].clone();
    let order = "mutation($w: ID!, $ids: [ID!]!) { orderTriggers(websiteId: $w, ids: $ids) { id } }";
    app.ok(Some(&owner.token), order, json!({ "w": site.id, "ids": [b, a] })).await;
    let listed = app.ok(None, WIDGET_TRIGGERS, json!({ "k": site.key })).await["widgetTriggers"].clone();
    assert_eq!((listed[0]["id"].clone(), listed[1]["id"].clone()), (b, a));
}

/// A late next response leaves a record: the check at its due time finds the visitor
/// still waiting. An answer in time leaves none; visitors never see them.
#[tokio::test]
async fn a_missed_sla_target_is_recorded_when_its_due_time_passes() {
    let clock = chinwag::jobs::ManualClock::starting_now();
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let policy = json!({ "i": { "name": "All", "firstResponseSeconds": 600, "nextResponseSeconds": 120, "businessHours": false } });
    app.ok(Some(&owner.token), "mutation($i: SlaPolicyInput!) { createSlaPolicy(input: $i) { id } }", policy).await;
    let breaches = "query($c: ID!) { conversation(id: $c) { nextResponseDueAt slaBreaches { target dueAt } } }";
    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("hello")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.send(&owner.token, &c, "Hi! Looking.").await;
    app.send(&v.token, &c, "any news?").await;
    let mut due = Value::Null;
    for _ in 0..100 {
        due = app.ok(Some(&owner.token), breaches, json!({ "c": c })).await["conversation"]["nextResponseDueAt"].clone();
        if !due.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!due.is_null(), "a next response is due");
    clock.advance(Duration::from_secs(121));
    app.app.jobs.wake();
    let mut got = Value::Null;
    for _ in 0..200 {
        got = app.ok(Some(&owner.token), breaches, json!({ "c": c })).await["conversation"]["slaBreaches"].clone();
        if got.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if got.as_array().is_some_and(|a| a.is_empty()) {
        let jobs: Vec<String> = app.jobs().await.iter().map(|j| format!("{} {:?} {} {}", j.kind, j.state, j.run_at, j.payload)).collect();
        panic!("no breach; now {} jobs {jobs:#?}", app.app.jobs.now());
    }
    assert_eq!(got, json!([{ "target": "NEXT_RESPONSE", "dueAt": due }]));
    // Answered late: the record stays; the first response, met in time, has none.
    app.send(&owner.token, &c, "Sorry, here it is").await;
    clock.advance(Duration::from_secs(600));
    app.app.jobs.wake();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.ok(Some(&owner.token), breaches, json!({ "c": c })).await["conversation"]["slaBreaches"].as_array().unwrap().len(), 1);
    assert_eq!(app.ok(Some(&v.token), breaches, json!({ "c": c })).await["conversation"]["slaBreaches"], json!([]), "staff only");
}

/// What one anonymous request can make `widgetTriggers` cost: aliases are refused past the
/// complexity limit, and those that fit pay per trigger from the request's budget.
#[tokio::test]
async fn aliased_widget_trigger_lists_are_bounded() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    for i in 0..20 {
        let input = json!({ "name": format!("t{i}"), "conditions": [], "message": "x".repeat(1_000), "agentId": owner.id });
        app.ok(Some(&owner.token), CREATE_TRIGGER, json!({ "w": site.id, "i": input })).await;
    }
    let aliases = |n: usize| -> String {
        let a: Vec<String> = (0..n).map(|i| format!("a{i}: widgetTriggers(websiteKey: $k) {{ id message senderName conditions {{ field }} }}")).collect();
        format!("query($k: String!) {{ {} }}", a.join(" "))
    };
    let r = app.gql(None, &aliases(1), json!({ "k": site.key })).await;
    assert_eq!(r["data"]["a0"].as_array().unwrap().len(), 20, "{}", &r.to_string()[..200]);
    let mut refused_at = None;
    for n in [10, 50, 200] {
        let r = app.gql(None, &aliases(n), json!({ "k": site.key })).await;
        if r.get("errors").is_some() {
            let code = r["errors"][0]["extensions"]["code"].as_str().unwrap_or_default().to_owned();
            assert!(code == "GRAPHQL_VALIDATION_FAILED" || code == "BAD_USER_INPUT", "{n}: {code}");
            refused_at = Some(n);
            break;
        }
        // What fits stays within a visitor's byte budget.
        assert!(r.to_string().len() <= 1_048_576 + 4_096, "{n} aliases answered {} bytes", r.to_string().len());
    }
    assert!(refused_at.is_some(), "200 aliases of a 20-trigger list must be refused");
}

/// An angry visitor goes up the line: an automation on SENTIMENT sets the priority and a
/// tag; a calm message changes nothing; routing rules refuse the field (they run before
/// the first message).
#[tokio::test]
async fn automations_act_on_a_messages_sentiment() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let upset = json!({ "i": { "name": "Upset visitors first", "event": "MESSAGE_RECEIVED",
        "conditions": [{ "field": "SENTIMENT", "operator": "IN", "values": ["negative", "angry"] }],
        "actions": { "tags": ["upset"], "priority": "URGENT" } } });
    app.ok(Some(&owner.token), CREATE_AUTOMATION, upset).await;

    let calm = app.visitor(&site).await;
    let c1 = app.start_conversation(&calm, Some("Hello, where can I see my order status?")).await;
    let angry = app.visitor(&site).await;
    let c2 = app.start_conversation(&angry, Some("This is RIDICULOUS, my parcel is STILL missing!!")).await;
    let mut tagged = Value::Null;
    for _ in 0..100 {
        tagged = conversation(&app, &owner.token, &c2).await;
        // The tags and the priority are two writes: wait for both.
        if tagged["tags"] == json!(["upset"]) && tagged["priority"] == "URGENT" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!((tagged["tags"].clone(), tagged["priority"].clone()), (json!(["upset"]), json!("URGENT")), "{tagged}");
    let calm_conv = conversation(&app, &owner.token, &c1).await;
    assert_eq!(calm_conv["tags"], json!([]), "{calm_conv}");
    assert_ne!(calm_conv["priority"], "URGENT");

    let rule = json!({ "i": { "name": "Angry", "conditions": [{ "field": "SENTIMENT", "operator": "EQUALS", "value": "angry" }], "actions": { "priority": "HIGH" } } });
    assert_eq!(app.err(Some(&owner.token), "mutation($i: RoutingRuleInput!) { createRoutingRule(input: $i) { id } }", rule).await, "BAD_USER_INPUT");
}
