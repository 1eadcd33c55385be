//! Reports (docs/analytics.md): figures as defined, worked out from what happened (times
//! read back from the messages themselves), the CSV exports agreeing with the query,
//! facts kept incrementally equal to facts worked out from scratch, and who may read.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::helpers::*;

const REPORT: &str = "query($i: AnalyticsInput!) { analytics(input: $i) { timeZone groupBy totals { ...F } groups { key label start figures { ...F } } } }
fragment F on AnalyticsFigures { conversations reopened episodes missed resolved messages visitorMessages agentMessages botMessages messagesPerConversation
  firstResponseTime { count averageSeconds p50Seconds p90Seconds } responseTime { count averageSeconds p50Seconds p90Seconds }
  resolutionTime { count averageSeconds } waitTime { count averageSeconds }
  csat { ratings average distribution responseRate comments }
  conversions { conversions chatAssisted visitorsWhoChatted convertedVisitors conversionRate revenue { amount currency } }
  negativeConversations angryConversations negativeMessages }";
const RESOLVE: &str = "mutation($c: ID!) { setConversationStatus(conversationId: $c, status: RESOLVED) { id } }";
const RATE: &str = "mutation($c: ID!, $r: Int!, $t: String) { rateConversation(conversationId: $c, rating: $r, comment: $t) { id } }";
const TAGS: &str = "mutation($c: ID!, $t: [String!]!) { setConversationTags(conversationId: $c, tags: $t) { id } }";
const TIMES: &str = "query($id: ID!) { conversation(id: $id) { messages(last: 200) { nodes { senderKind isPrivate createdAt } } } }";

fn range() -> Value {
    let now = chinwag::time::now_ms();
    json!({ "from": chinwag::time::rfc3339(now - 86_400_000), "to": chinwag::time::rfc3339(now + 3_600_000) })
}

fn input(extra: Value) -> Value {
    let mut i = range();
    i.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    json!({ "i": i })
}

async fn report(app: &TestApp, token: &str, extra: Value) -> Value {
    app.ok(Some(token), REPORT, input(extra)).await["analytics"].clone()
}

/// The conversation's public messages as (sender kind, unix ms), in order.
async fn times(app: &TestApp, owner: &Agent, conv: &str) -> Vec<(String, i64)> {
    let d = app.ok(Some(&owner.token), TIMES, json!({ "id": conv })).await;
    d["conversation"]["messages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["isPrivate"] == false)
        .map(|m| (m["senderKind"].as_str().unwrap().to_owned(), chinwag::time::parse_rfc3339(m["createdAt"].as_str().unwrap()).unwrap()))
        .collect()
}

async fn org_of(app: &TestApp, owner: &Agent) -> String {
    match app.app.authenticate(&owner.token).await.unwrap() {
        chinwag::auth::Principal::Agent(a) => a.org_id.clone(),
        _ => unreachable!(),
    }
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn close(a: &Value, b: f64) {
    let a = a.as_f64().unwrap_or_else(|| panic!("{a} is not a number"));
    assert!((a - b).abs() < 0.0015, "{a} against {b}");
}

/// Seconds from the start of the list to the response times (visitor -> next agent):
/// what docs/analytics.md defines, computed here from the messages' own times.
fn responses(ms: &[(String, i64)]) -> Vec<i64> {
    let mut out = Vec::new();
    let mut asked: Option<i64> = None;
    for (kind, at) in ms {
        match kind.as_str() {
            "VISITOR" => {
                asked.get_or_insert(*at);
            }
            "AGENT" => {
                if let Some(a) = asked.take() {
                    out.push(at - a);
                }
            }
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn a_report_counts_episodes_responses_resolutions_and_ratings_as_defined() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bo = app.add_agent(&owner, "Bo", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;

    // Vera: answered by Ann (with a note between that answers nothing), then by Bo;
    // resolved, rated 4 with a comment, reopened by her own message, answered, resolved.
    let vera = app.visitor(&site).await;
    let c1 = app.start_conversation(&vera, Some("Do you ship to Norway?")).await;
    app.send_raw(&owner.token, &c1, "checking with the warehouse", None, true).await;
    app.send(&owner.token, &c1, "Yes, we do.").await;
    app.send(&vera.token, &c1, "How long does it take?").await;
    app.send(&vera.token, &c1, "Roughly?").await;
    app.send(&bo.token, &c1, "Three to five days.").await;
    app.ok(Some(&owner.token), RESOLVE, json!({ "c": c1 })).await;
    let before_reopen = times(&app, &owner, &c1).await;
    app.ok(Some(&vera.token), RATE, json!({ "c": c1, "r": 4, "t": "quick" })).await;
    app.send(&vera.token, &c1, "One more thing: tracking?").await;
    app.send(&owner.token, &c1, "You get a link by email.").await;
    app.ok(Some(&owner.token), RESOLVE, json!({ "c": c1 })).await;
    app.ok(Some(&owner.token), TAGS, json!({ "c": c1, "t": ["shipping"] })).await;
    // Walt: nobody answers (within the hour: not missed yet).
    let walt = app.visitor(&site).await;
    let c2 = app.start_conversation(&walt, Some("Hello?")).await;

    let all = times(&app, &owner, &c1).await;
    let first = &all[..before_reopen.len()];
    let second = &all[before_reopen.len()..];
    let (r1, r2) = (responses(first), responses(second));
    assert_eq!((r1.len(), r2.len()), (2, 1), "{all:?}");

    let r = report(&app, &owner.token, json!({})).await;
    let t = &r["totals"];
    assert_eq!(r["timeZone"], "UTC", "the organization's zone by default");
    assert_eq!((t["conversations"].as_i64(), t["reopened"].as_i64(), t["episodes"].as_i64()), (Some(2), Some(1), Some(3)));
    assert_eq!((t["resolved"].as_i64(), t["missed"].as_i64()), (Some(2), Some(0)));
    // Public messages only: the note is not one.
    assert_eq!((t["visitorMessages"].as_i64(), t["agentMessages"].as_i64(), t["messages"].as_i64()), (Some(5), Some(3), Some(8)));
    close(&t["messagesPerConversation"], 8.0 / 3.0);
    // Every response, from the oldest unanswered visitor message.
    let every: Vec<i64> = r1.iter().chain(&r2).copied().collect();
    assert_eq!(t["responseTime"]["count"], 3);
    close(&t["responseTime"]["averageSeconds"], secs(every.iter().sum::<i64>()) / 3.0);
    // First responses: one per episode that was answered.
    assert_eq!(t["firstResponseTime"]["count"], 2);
    close(&t["firstResponseTime"]["averageSeconds"], secs(r1[0] + r2[0]) / 2.0);
    let mut sorted = [r1[0], r2[0]];
    sorted.sort_unstable();
    let p50 = t["firstResponseTime"]["p50Seconds"].as_f64().unwrap();
    assert!((p50 - secs(sorted[0])).abs() <= secs(sorted[0]) * 0.01 + 0.001, "p50 {p50} is the nearest-rank median {} within 1%", secs(sorted[0]));
    // Resolution: each episode from its start (the conversation's, then the reopening
    // message's) to its resolution.
    assert_eq!(t["resolutionTime"]["count"], 2);
    // The rating rates the first resolution; it has a comment.
    assert_eq!(t["csat"], json!({ "ratings": 1, "average": 4.0, "distribution": [0, 0, 0, 1, 0], "responseRate": 0.5, "comments": 1 }));
    assert_eq!(t["conversions"]["visitorsWhoChatted"], 2);

    // By agent: the first public reply credits an episode (Ann's both); Walt's unanswered
    // one has nobody. Groups add up to the totals.
    let by_agent = report(&app, &owner.token, json!({ "groupBy": "AGENT" })).await;
    let groups: HashMap<String, Value> = by_agent["groups"].as_array().unwrap().iter().map(|g| (g["key"].as_str().unwrap().to_owned(), g.clone())).collect();
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert_eq!(groups[&owner.id]["label"], "Ann");
    assert_eq!(groups[&owner.id]["figures"]["episodes"], 2);
    assert_eq!(groups[&owner.id]["figures"]["responseTime"]["count"], 3, "Bo's reply is in Ann's episode");
    assert_eq!(groups[""]["label"], "Nobody");
    assert_eq!(groups[""]["figures"]["conversations"], 1);
    for field in ["conversations", "reopened", "episodes", "resolved", "messages"] {
        let sum: i64 = groups.values().map(|g| g["figures"][field].as_i64().unwrap()).sum();
        assert_eq!(sum, t[field].as_i64().unwrap(), "{field}: groups add up to the totals");
    }

    // Filters: by tag, by agent, by channel.
    let tagged = report(&app, &owner.token, json!({ "tags": ["shipping"] })).await;
    assert_eq!(tagged["totals"]["episodes"], 2, "Vera's two episodes");
    let bos = report(&app, &owner.token, json!({ "agentIds": [bo.id] })).await;
    assert_eq!(bos["totals"]["episodes"], 0);
    let email = report(&app, &owner.token, json!({ "channels": ["EMAIL"] })).await;
    assert_eq!(email["totals"]["episodes"], 0);
    let by_tag = report(&app, &owner.token, json!({ "groupBy": "TAG" })).await;
    let keys: Vec<&str> = by_tag["groups"].as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["", "shipping"]);
    // By day, in a zone ahead of UTC: the day keys are local dates.
    let by_day = report(&app, &owner.token, json!({ "timeZone": "Asia/Kathmandu" })).await;
    assert_eq!(by_day["timeZone"], "Asia/Kathmandu");
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::get("Asia/Kathmandu").unwrap()).date().to_string();
    assert_eq!(by_day["groups"].as_array().unwrap().last().unwrap()["key"], json!(today));
    let _ = c2;
}

/// `GET path?query` with `token`: (status, body).
async fn get(app: &TestApp, token: Option<&str>, path: &str, query: &[(&str, &str)]) -> (u16, String) {
    let url = app.client.url.replace("/graphql", path);
    let mut req = app.client.http.get(url).query(query);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A CSV line's cells (quoted cells may hold commas).
fn cells(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

#[tokio::test]
async fn the_csv_exports_agree_with_the_query_and_never_carry_a_formula() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let rename = "mutation($id: ID!) { updateWebsite(id: $id, input: { name: \"=HYPERLINK(\\\"http://evil.test\\\")\" }) { id } }";
    app.ok(Some(&owner.token), rename, json!({ "id": site.id })).await;
    for n in 0..3 {
        let v = app.visitor(&site).await;
        let c = app.start_conversation(&v, Some("hi")).await;
        app.send(&owner.token, &c, "hello").await;
        if n < 2 {
            app.ok(Some(&owner.token), RESOLVE, json!({ "c": c })).await;
        }
        app.ok(Some(&owner.token), TAGS, json!({ "c": c, "t": ["-cmd", "vip"] })).await;
    }
    let r = report(&app, &owner.token, json!({ "groupBy": "WEBSITE" })).await;
    let i = range();
    let q = [("from", i["from"].as_str().unwrap()), ("to", i["to"].as_str().unwrap()), ("groupBy", "WEBSITE")];

    let (status, csv) = get(&app, Some(&owner.token), "/analytics/report.csv", &q).await;
    assert_eq!(status, 200, "{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    let header = cells(lines[0]);
    let total = cells(lines[1]);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    assert_eq!(total[0], "total");
    for (name, v) in [("conversations", &r["totals"]["conversations"]), ("resolved", &r["totals"]["resolved"]), ("messages", &r["totals"]["messages"])] {
        assert_eq!(total[col(name)], v.to_string(), "{name}");
    }
    let avg: f64 = total[col("first_response_avg_s")].parse().unwrap();
    close(&r["totals"]["firstResponseTime"]["averageSeconds"], avg);
    assert_eq!(lines.len(), 3, "the total and one website: {csv}");
    assert_eq!(cells(lines[2])[1], "'=HYPERLINK(\"http://evil.test\")", "a name that would be a formula is defused");

    let (status, csv) = get(&app, Some(&owner.token), "/analytics/conversations.csv", &q).await;
    assert_eq!(status, 200, "{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "a header and one row per episode: {csv}");
    let header = cells(lines[0]);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<Vec<String>> = lines[1..].iter().map(|l| cells(l)).collect();
    assert_eq!(rows.iter().filter(|r| !r[col("resolved_at")].is_empty()).count(), 2);
    assert_eq!(rows[0][col("website")], "'=HYPERLINK(\"http://evil.test\")");
    assert_eq!(rows[0][col("tags")], "'-cmd; vip");
    let sum: f64 = rows.iter().map(|r| r[col("first_response_s")].parse::<f64>().unwrap()).sum();
    close(&r["totals"]["firstResponseTime"]["averageSeconds"], sum / 3.0);

    // Bad input is a clear error, as JSON with its code.
    for (bad, why) in [
        (vec![("from", "yesterday"), ("to", q[1].1)], "from"),
        (vec![("from", q[0].1), ("to", q[1].1), ("groupBy", "FORTNIGHT")], "grouping"),
        (vec![("from", q[0].1), ("to", q[1].1), ("timeZone", "Mars/Olympus")], "time zone"),
        (vec![("from", "2020-01-01T00:00:00Z"), ("to", q[1].1)], "400 days"),
    ] {
        let (status, body) = get(&app, Some(&owner.token), "/analytics/conversations.csv", &bad).await;
        assert_eq!(status, 400, "{why}: {body}");
        assert!(body.contains("BAD_USER_INPUT"), "{why}: {body}");
    }
    let (status, body) = get(&app, Some(&owner.token), "/analytics/report.csv", &[("to", q[1].1)]).await;
    assert_eq!(status, 400, "no from: {body}");
    assert!(body.contains("BAD_USER_INPUT"), "as JSON with its code: {body}");
    assert_eq!(rows[0][col("agent_id")], owner.id, "ids beside the names");
    let (status, _) = get(&app, None, "/analytics/report.csv", &q).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn only_owners_admins_and_keys_with_the_scope_read_reports_and_only_their_own() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let agent = app.add_agent(&owner, "Bo", "AGENT").await;
    let admin = app.add_agent(&owner, "Cy", "ADMIN").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    app.start_conversation(&v, Some("hi")).await;
    let other = app.sign_up("Eve").await;
    let other_site = app.create_website(&other, &[]).await;
    let ov = app.visitor(&other_site).await;
    app.start_conversation(&ov, Some("secret question")).await;

    for token in [&agent.token, &v.token] {
        assert_eq!(app.err(Some(token), REPORT, input(json!({}))).await, "FORBIDDEN");
    }
    assert_eq!(report(&app, &admin.token, json!({})).await["totals"]["conversations"], 1);
    let key = |scopes: &'static str| {
        let (app, owner) = (&app, &owner);
        async move {
            let d = app.ok(Some(&owner.token), &format!("mutation {{ createApiKey(name: \"bi\", scopes: [{scopes}]) {{ secret }} }}"), json!({})).await;
            d["createApiKey"]["secret"].as_str().unwrap().to_owned()
        }
    };
    let without = key("CONVERSATIONS_READ").await;
    assert_eq!(app.err(Some(&without), REPORT, input(json!({}))).await, "FORBIDDEN");
    let with = key("ANALYTICS_READ").await;
    assert_eq!(report(&app, &with, json!({})).await["totals"]["conversations"], 1);
    let i = range();
    let q = [("from", i["from"].as_str().unwrap()), ("to", i["to"].as_str().unwrap())];
    assert_eq!(get(&app, Some(&agent.token), "/analytics/report.csv", &q).await.0, 403);
    assert_eq!(get(&app, Some(&with), "/analytics/report.csv", &q).await.0, 200);

    // A key limited to another website reads that website's figures alone.
    let second = app.create_website(&owner, &[]).await;
    let d = app
        .ok(
            Some(&owner.token),
            "mutation($w: [ID!]) { createApiKey(name: \"shop 2\", scopes: [ANALYTICS_READ], websiteIds: $w) { secret } }",
            json!({ "w": [second.id] }),
        )
        .await;
    let limited = d["createApiKey"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(report(&app, &limited, json!({})).await["totals"]["conversations"], 0);
    assert_eq!(report(&app, &limited, json!({ "websiteIds": [site.id] })).await["totals"]["conversations"], 0);
    let sv = app.visitor(&second).await;
    app.start_conversation(&sv, Some("hello from the second shop")).await;
    assert_eq!(report(&app, &limited, json!({})).await["totals"]["conversations"], 1);

    // Another organization's ids filter to nothing of theirs; their figures never show.
    let eve = report(&app, &owner.token, json!({ "websiteIds": [other_site.id], "groupBy": "WEBSITE" })).await;
    assert_eq!(eve["totals"]["episodes"], 0);
    assert_eq!(eve["groups"], json!([]));
    assert_eq!(report(&app, &other.token, json!({})).await["totals"]["conversations"], 1);

    // Bad questions.
    let now = chinwag::time::now_ms();
    for (extra, why) in [
        (json!({ "from": chinwag::time::rfc3339(now), "to": chinwag::time::rfc3339(now) }), "empty range"),
        (json!({ "from": chinwag::time::rfc3339(now - 401 * 86_400_000) }), "over 400 days"),
        (json!({ "from": chinwag::time::rfc3339(now - 40 * 86_400_000), "groupBy": "HOUR" }), "hourly over 31 days"),
        (json!({ "timeZone": "Nowhere/Land" }), "time zone"),
        (json!({ "websiteIds": (0..51).map(|n| format!("web_{n}")).collect::<Vec<_>>() }), "51 websites"),
        (json!({ "channels": vec!["CHAT"; 51] }), "51 channels"),
    ] {
        assert_eq!(app.err(Some(&owner.token), REPORT, input(extra)).await, "BAD_USER_INPUT", "{why}");
    }
}

#[tokio::test]
async fn many_reports_in_one_request_are_rate_limited() {
    let app = spawn_app_with(|s| s.limits.rate_limits = "on".into()).await;
    let owner = app.sign_up("Ann").await;
    let i = range();
    // 50 reports (the most root fields one operation may select), then 11 more.
    let ask = |n: usize| {
        let aliases: String = (0..n).map(|k| format!("r{k}: analytics(input: $i) {{ totals {{ episodes }} }} ")).collect();
        let (app, owner, i) = (&app, &owner, i.clone());
        async move { app.gql(Some(&owner.token), &format!("query($i: AnalyticsInput!) {{ {aliases} }}"), json!({ "i": i })).await }
    };
    let first = ask(50).await;
    assert!(first.get("errors").is_none(), "{first}");
    let r = ask(11).await;
    let codes: Vec<String> =
        r["errors"].as_array().map(|e| e.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned()).collect()).unwrap_or_default();
    assert!(codes.iter().any(|c| c == "RATE_LIMITED"), "the 61st report in a minute is refused: {r}");
}

#[tokio::test]
async fn facts_kept_incrementally_equal_facts_worked_out_from_scratch() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bo = app.add_agent(&owner, "Bo", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let org = org_of(&app, &owner).await;
    let mut convs: Vec<(Visitor, String)> = Vec::new();
    // A fixed pseudo-random history: starts, replies, notes, resolutions, reopenings by
    // the visitor and by hand, ratings, with reports read in between.
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for step in 0..60 {
        let choice = if convs.is_empty() { 0 } else { next(7) };
        if choice == 0 {
            let v = app.visitor(&site).await;
            let c = app.start_conversation(&v, Some("hello")).await;
            convs.push((v, c));
            continue;
        }
        let (v, c) = &convs[next(convs.len() as u64) as usize];
        let agent = if next(2) == 0 { &owner } else { &bo };
        match choice {
            1 => drop(app.send_raw(&agent.token, c, "an answer", None, false).await),
            2 => drop(app.send_raw(&v.token, c, "a question", None, false).await),
            3 => drop(app.send_raw(&agent.token, c, "a note", None, true).await),
            4 => drop(app.gql(Some(&owner.token), RESOLVE, json!({ "c": c })).await),
            5 => drop(
                app.gql(Some(&owner.token), "mutation($c: ID!) { setConversationStatus(conversationId: $c, status: OPEN) { id } }", json!({ "c": c })).await,
            ),
            _ => drop(app.gql(Some(&v.token), RATE, json!({ "c": c, "r": 1 + next(5) as i64 })).await),
        }
        if step % 9 == 0 {
            report(&app, &owner.token, json!({})).await;
        }
    }
    let kept = report(&app, &owner.token, json!({ "groupBy": "AGENT" })).await;
    let incremental = facts_as_of_now(&app, &org).await;
    assert_eq!(incremental.iter().filter(|f| f.episode == 0).count(), convs.len());
    assert!(incremental.iter().any(|f| f.episode > 0), "the history reopened something");

    app.app.store.restart_analytics(&org).await.unwrap();
    assert!(app.app.roll_up(&org, usize::MAX).await.unwrap());
    let scratch = facts_as_of_now(&app, &org).await;
    assert_eq!(incremental, scratch);
    assert_eq!(report(&app, &owner.token, json!({ "groupBy": "AGENT" })).await, kept);
}

#[tokio::test]
async fn new_business_hours_work_the_figures_out_again() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("hi")).await;
    app.send(&owner.token, &c, "hello").await;
    let bh = json!({ "businessHoursOnly": true });
    let before = report(&app, &owner.token, bh.clone()).await;
    let wall = report(&app, &owner.token, json!({})).await;
    assert_eq!(before["totals"]["firstResponseTime"], wall["totals"]["firstResponseTime"], "no hours: always open");
    assert!(wall["totals"]["firstResponseTime"]["averageSeconds"].as_f64().unwrap() > 0.0);

    // Open only an hour a week, at another time than now: no business time passed.
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let day = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"][(now.weekday().to_monday_zero_offset() as usize + 3) % 7];
    let hours = json!({ "timeZone": "UTC", "intervals": [{ "day": day, "open": "10:00", "close": "11:00" }] });
    let set = "mutation($id: ID!, $i: UpdateWebsiteInput!) { updateWebsite(id: $id, input: $i) { id } }";
    app.ok(Some(&owner.token), set, json!({ "id": site.id, "i": { "businessHours": hours } })).await;
    let after = report(&app, &owner.token, bh).await;
    assert_eq!(after["totals"]["firstResponseTime"]["count"], 1);
    assert_eq!(after["totals"]["firstResponseTime"]["averageSeconds"], 0.0, "{after}");
    assert_eq!(report(&app, &owner.token, json!({})).await["totals"]["firstResponseTime"], wall["totals"]["firstResponseTime"]);
}

#[tokio::test]
async fn conversions_report_chat_assisted_revenue_and_the_rate_of_visitors_who_chatted() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let track = "mutation($i: TrackEventsInput!) { trackEvents(input: $i) }";
    let buy = |v: f64| json!({ "i": { "events": [{ "name": "purchase", "value": v, "currency": "EUR" }] } });
    // Two visitors chat; one buys for 20 EUR; a third buys without chatting.
    let vera = app.visitor(&site).await;
    let c = app.start_conversation(&vera, Some("is it in stock?")).await;
    app.send(&owner.token, &c, "yes").await;
    app.ok(Some(&vera.token), track, buy(20.0)).await;
    let walt = app.visitor(&site).await;
    app.start_conversation(&walt, Some("hi")).await;
    let x = app.visitor(&site).await;
    app.ok(Some(&x.token), track, buy(5.0)).await;

    let r = report(&app, &owner.token, json!({})).await;
    let conv = &r["totals"]["conversions"];
    assert_eq!(conv["conversions"], 2);
    assert_eq!(conv["chatAssisted"], 1);
    assert_eq!((conv["visitorsWhoChatted"].as_i64(), conv["convertedVisitors"].as_i64()), (Some(2), Some(1)));
    assert_eq!(conv["conversionRate"], 0.5);
    assert_eq!(conv["revenue"], json!([]), "the browser's purchases are not revenue unless the website says so");
    let set = "mutation($id: ID!) { updateWebsite(id: $id, input: { browserRevenue: true }) { id } }";
    app.ok(Some(&owner.token), set, json!({ "id": site.id })).await;
    let r = report(&app, &owner.token, json!({ "groupBy": "AGENT" })).await;
    assert_eq!(r["totals"]["conversions"]["revenue"], json!([{ "amount": 20.0, "currency": "EUR" }]));
    let email = report(&app, &owner.token, json!({ "channels": ["EMAIL"] })).await;
    assert_eq!(email["totals"]["conversions"]["conversions"], 0, "no conversion came from an email conversation");
    app.ok(Some(&owner.token), TAGS, json!({ "c": c, "t": ["vip"] })).await;
    let vip = report(&app, &owner.token, json!({ "tags": ["vip"] })).await;
    assert_eq!(vip["totals"]["conversions"]["chatAssisted"], 1);
    assert_eq!(report(&app, &owner.token, json!({ "tags": ["other"] })).await["totals"]["conversions"]["conversions"], 0);
    let ann = r["groups"].as_array().unwrap().iter().find(|g| g["key"] == json!(owner.id)).unwrap().clone();
    assert_eq!(ann["figures"]["conversions"]["chatAssisted"], 1, "{r}");
}

/// All of the organization's facts.
async fn all_facts(app: &TestApp, org: &str) -> Vec<chinwag::store::FactRow> {
    let f = chinwag::store::FactFilter { from: 0, to: i64::MAX, ..Default::default() };
    let mut out = Vec::new();
    app.app.store.each_fact(org, &f, |r| out.push(r.clone())).await.unwrap();
    out
}

/// The facts, without when each was worked out.
async fn facts_as_of_now(app: &TestApp, org: &str) -> Vec<chinwag::store::FactRow> {
    let mut out = all_facts(app, org).await;
    out.iter_mut().for_each(|r| r.source_updated_at = 0);
    out
}

#[tokio::test]
async fn the_rollup_job_keeps_the_facts_every_minute_without_a_report() {
    let clock = chinwag::jobs::ManualClock::starting_now();
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let org = org_of(&app, &owner).await;
    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("hi")).await;
    app.send(&owner.token, &c, "hello").await;
    assert!(all_facts(&app, &org).await.is_empty(), "nothing read a report, and the minute has not passed");

    clock.advance(std::time::Duration::from_secs(61));
    app.app.jobs.wake();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let facts = all_facts(&app, &org).await;
        if let [f] = facts.as_slice() {
            assert_eq!((f.conversation_id.as_str(), f.responses, f.agent_id.as_deref()), (c.as_str(), 1, Some(owner.id.as_str())));
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the rollup never ran: {facts:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let pending = app.all_jobs().await.into_iter().filter(|j| j.kind == "analytics.rollup" && j.state == chinwag::domain::JobState::Pending).count();
    assert_eq!(pending, 1, "the next run is scheduled");
}

#[tokio::test]
async fn operations_now_shows_the_queue_the_team_and_today() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bo = app.add_agent(&owner, "Bo", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let capacity = "mutation($a: ID!) { setAgentCapacity(agentId: $a, capacity: 4) { id } }";
    app.ok(Some(&owner.token), capacity, json!({ "a": bo.id })).await;
    let v = app.visitor(&site).await;
    let answered = app.start_conversation(&v, Some("hi")).await;
    app.send(&bo.token, &answered, "hello").await;
    let assign = "mutation($i: AssignConversationInput!) { assignConversation(input: $i) { id } }";
    app.ok(Some(&owner.token), assign, json!({ "i": { "conversationId": answered, "agentId": bo.id } })).await;
    let w = app.visitor(&site).await;
    app.start_conversation(&w, Some("anyone?")).await;

    let q = "query { operationsNow { waiting oldestWaitingSince agents { agent { id name } isOnline openChats pendingChats capacity } \
             today { timeZone groupBy totals { conversations firstResponseTime { count } } } } }";
    let now = app.ok(Some(&owner.token), q, json!({})).await["operationsNow"].clone();
    assert_eq!(now["waiting"], 1, "{now}");
    assert!(now["oldestWaitingSince"].is_string());
    let bo_now = now["agents"].as_array().unwrap().iter().find(|a| a["agent"]["id"] == json!(bo.id)).unwrap().clone();
    assert_eq!((bo_now["openChats"].as_i64(), bo_now["pendingChats"].as_i64(), bo_now["capacity"].as_i64()), (Some(1), Some(0), Some(4)));
    assert_eq!(bo_now["isOnline"], false, "no live connection");
    assert_eq!(now["today"]["groupBy"], "HOUR_OF_DAY");
    assert_eq!(now["today"]["totals"]["conversations"], 2);
    assert_eq!(now["today"]["totals"]["firstResponseTime"]["count"], 1);
    assert_eq!(app.err(Some(&bo.token), q, json!({})).await, "FORBIDDEN");
}

#[tokio::test]
async fn reports_count_the_episodes_whose_visitor_reads_negative_or_angry() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let ola = app.add_agent(&owner, "Ola", "AGENT").await;
    let chat = async |first: &str, then: Option<&str>, agent: &Agent| {
        let v = app.visitor(&site).await;
        let c = app.start_conversation(&v, Some(first)).await;
        app.send(&agent.token, &c, "Let me look into it.").await;
        // A note is never the visitor's mood, whatever it says.
        app.send_raw(&agent.token, &c, "Terrible customer, very angry!!", None, true).await;
        if let Some(t) = then {
            app.send(&v.token, &c, t).await;
        }
        c
    };
    chat("The lamp arrived broken", Some("Still waiting, please check"), &owner).await;
    chat("THIS IS RIDICULOUS, my parcel is STILL missing!!", None, &ola).await;
    let calm = chat("Hi, do you ship to Norway?", Some("Thanks, that was really helpful!"), &ola).await;
    app.ok(Some(&owner.token), RESOLVE, json!({ "c": calm })).await;

    let r = report(&app, &owner.token, json!({ "groupBy": "AGENT" })).await;
    let t = &r["totals"];
    assert_eq!((t["conversations"].as_i64(), t["negativeConversations"].as_i64(), t["angryConversations"].as_i64()), (Some(3), Some(2), Some(1)), "{t}");
    assert_eq!(t["negativeMessages"], 3, "the two negative messages of the first, and the angry one: {t}");
    let by: HashMap<String, (i64, i64)> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["label"].as_str().unwrap().to_owned(),
                (g["figures"]["negativeConversations"].as_i64().unwrap(), g["figures"]["angryConversations"].as_i64().unwrap()),
            )
        })
        .collect();
    assert_eq!(by["Ann"], (1, 0), "{by:?}");
    assert_eq!(by["Ola"], (1, 1), "{by:?}");

    // The per-conversation export carries the counts.
    let i = range();
    let q = [("from", i["from"].as_str().unwrap()), ("to", i["to"].as_str().unwrap())];
    let (status, csv) = get(&app, Some(&owner.token), "/analytics/conversations.csv", &q).await;
    assert_eq!(status, 200, "{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    let header = cells(lines[0]);
    let (neg, angry) = (header.iter().position(|h| h == "negative_messages").unwrap(), header.iter().position(|h| h == "angry_messages").unwrap());
    let mut counts: Vec<(String, String)> = lines[1..].iter().map(|l| cells(l)).map(|r| (r[neg].clone(), r[angry].clone())).collect();
    counts.sort();
    assert_eq!(counts, [("0", "0"), ("1", "1"), ("2", "0")].map(|(a, b)| (a.to_owned(), b.to_owned())));
    let (_, report_csv) = get(&app, Some(&owner.token), "/analytics/report.csv", &q).await;
    let lines: Vec<&str> = report_csv.lines().collect();
    let header = cells(lines[0]);
    let total = cells(lines[1]);
    assert_eq!(total[header.iter().position(|h| h == "negative").unwrap()], "2", "{report_csv}");
    assert_eq!(total[header.iter().position(|h| h == "angry").unwrap()], "1", "{report_csv}");
}
