//! Bad input gets a clear error with a stable code and changes nothing.

use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn message_bodies_and_keys_are_validated() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, None).await;
    // NUL cannot be stored in PostgreSQL text: refused up front, never a failed batch.
    for (body, key) in
        [("", None), ("   \n\t ", None), (&*"x".repeat(10_001), None), ("ok", Some("k".repeat(65))), ("a\0b", None), ("ok", Some("k\0".to_owned()))]
    {
        let r = app.send_raw(&v.token, &conv, body, key.as_deref(), false).await;
        assert_eq!(code_of(&r), "BAD_USER_INPUT", "{r}");
    }
    let max = "é".repeat(10_000);
    assert_eq!(app.send(&v.token, &conv, &max).await["body"].as_str().unwrap().chars().count(), 10_000);
    assert_eq!(app.messages(&v.token, &conv).await.len(), 1, "only the valid one was stored");
}

#[tokio::test]
async fn sign_up_and_settings_are_validated() {
    let app = spawn_app().await;
    let q = "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }";
    for (email, password) in [("not-an-email", "long enough pw"), ("a@b.io", "short"), ("a@b.io", &*"p".repeat(129))] {
        let code = app.err(None, q, json!({ "i": { "organizationName": "X", "name": "Y", "email": email, "password": password } })).await;
        assert_eq!(code, "BAD_USER_INPUT");
    }
    let owner = app.sign_up("Ann").await;
    let dup = app.err(None, q, json!({ "i": { "organizationName": "X", "name": "Y", "email": owner.email, "password": "long enough pw" } })).await;
    assert_eq!(dup, "BAD_USER_INPUT");
    let site = app.create_website(&owner, &[]).await;
    for input in [json!({ "color": "red" }), json!({ "allowedOrigins": ["shop.example"] }), json!({ "launcherText": "" }), json!({ "name": "  " })] {
        let code = app
            .err(
                Some(&owner.token),
                "mutation($id: ID!, $i: UpdateWebsiteInput!) { updateWebsite(id: $id, input: $i) { id } }",
                json!({ "id": site.id, "i": input }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{input}");
    }
    let bad_var = app.err(Some(&owner.token), "query($id: ID!) { website(id: $id) { id } }", json!({ "id": { "no": 1 } })).await;
    assert!(bad_var == "BAD_USER_INPUT" || bad_var == "GRAPHQL_VALIDATION_FAILED", "{bad_var}");
    let rating = app.err(None, "query { widgetConfig(websiteKey: \"wk_nope\") { websiteName } }", json!({})).await;
    assert_eq!(rating, "NOT_FOUND");
}

#[tokio::test]
async fn sends_are_rate_limited_per_principal_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.limits.rate_limits = "on".into();
        s.limits.send_burst = 5;
        s.limits.send_per_second = 1;
    })
    .await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, None).await;
    for i in 0..5 {
        app.send(&v.token, &conv, &format!("m{i}")).await;
    }
    let r = app.send_raw(&v.token, &conv, "one too many", None, false).await;
    assert_eq!(code_of(&r), "RATE_LIMITED");
    assert!(r["errors"][0]["extensions"]["retryAfter"].as_u64().unwrap() >= 1);
    // Another principal has its own bucket.
    app.send(&owner.token, &conv, "agent still fine").await;
    assert_eq!(app.messages(&owner.token, &conv).await.len(), 6);
}

#[tokio::test]
async fn sign_ups_visitor_sessions_and_failed_log_ins_are_limited() {
    let app = spawn_app_with(|s| {
        s.limits.rate_limits = "on".into();
        s.limits.signups_per_hour = 2;
        s.limits.visitor_sessions_per_minute = 3;
        s.limits.login_failures_per_email = 3;
    })
    .await;
    let owner = app.sign_up("A").await;
    app.sign_up("B").await;
    let q = "mutation { signUp(input: {organizationName: \"C\", name: \"C\", email: \"c@c.io\", password: \"long enough pw\"}) { accessToken } }";
    assert_eq!(app.err(None, q, json!({})).await, "RATE_LIMITED");

    let site = app.create_website(&owner, &[]).await;
    for _ in 0..3 {
        app.visitor(&site).await;
    }
    let r = app.err(None, "mutation($k: String!) { startVisitorSession(input: {websiteKey: $k}) { token } }", json!({ "k": site.key })).await;
    assert_eq!(r, "RATE_LIMITED");

    let login = "mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { accessToken } }";
    for _ in 0..3 {
        assert_eq!(app.err(None, login, json!({ "e": owner.email, "p": "wrong password" })).await, "UNAUTHENTICATED");
    }
    // Now even the right password is refused until the window passes.
    assert_eq!(app.err(None, login, json!({ "e": owner.email, "p": "correct horse battery" })).await, "RATE_LIMITED");
}

#[tokio::test]
async fn deep_and_complex_queries_are_refused_before_running() {
    let app = spawn_app_with(|s| s.limits.query_depth = 4).await;
    let owner = app.sign_up("Ann").await;
    let deep = "{ conversations { edges { node { visitor { id } messages { nodes { id } } } } } }";
    let r = app.gql(Some(&owner.token), deep, json!({})).await;
    assert_eq!(code_of(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
}

/// A client that keeps all its operations in one document (the Rust SDK sends its whole
/// operations file) runs the one it names: only that operation is validated and costed,
/// while the same costly operation, named, is still refused.
#[tokio::test]
async fn only_the_named_operation_of_a_document_is_costed() {
    let app = spawn_app_with(|s| s.limits.query_complexity = 200).await;
    let owner = app.sign_up("Ann").await;
    let costly: String = (0..40).map(|i| format!("c{i}: conversations(first: 100) {{ edges {{ node {{ id }} }} }} ")).collect();
    let doc = format!("fragment Who on Agent {{ id name }} query Cheap {{ me {{ ...Who }} }} query Costly {{ {costly} }}");
    let ask = |op: &str| {
        let body = json!({ "query": doc, "operationName": op });
        let (app, token) = (&app, owner.token.clone());
        async move { app.http.post(&app.url).bearer_auth(token).json(&body).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let cheap = ask("Cheap").await;
    assert_eq!(cheap["data"]["me"]["name"], "Ann", "{cheap}");
    let r = ask("Costly").await;
    assert_eq!(code_of(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("too complex"), "{r}");
}

#[tokio::test]
async fn the_open_conversation_cap_is_enforced() {
    let app = spawn_app_with(|s| s.limits.max_open_conversations = 2).await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    app.start_conversation(&v, Some("a")).await;
    app.start_conversation(&v, Some("b")).await;
    let code = app.err(Some(&v.token), "mutation { startConversation(input: {body: \"c\"}) { id } }", json!({})).await;
    assert_eq!(code, "PLAN_LIMIT");
}

/// Behind a proxy that appends the address it saw (nginx's `$proxy_add_x_forwarded_for`),
/// a client that writes its own `X-Forwarded-For` entries cannot step around per-IP limits:
/// the limit counts the rightmost address, the one the proxy added.
#[tokio::test]
async fn a_forged_forwarded_for_header_does_not_step_around_per_ip_limits() {
    let app = spawn_app_with(|s| {
        s.trust_proxy = true;
        s.limits.rate_limits = "on".into();
        s.limits.signups_per_hour = 2;
    })
    .await;
    let sign_up = |i: usize| {
        let body = json!({ "query": format!("mutation {{ signUp(input: {{organizationName: \"O{i}\", name: \"N\", email: \"u{i}@x.io\", password: \"long enough pw\"}}) {{ accessToken }} }}") });
        // A different forged address each time, then what the proxy saw: always the same client.
        app.http.post(&app.url).header("x-forwarded-for", format!("198.51.100.{i}, 203.0.113.7")).json(&body).send()
    };
    for i in 0..2 {
        let r: serde_json::Value = sign_up(i).await.unwrap().json().await.unwrap();
        assert!(r.get("errors").is_none(), "{r}");
    }
    let r: serde_json::Value = sign_up(2).await.unwrap().json().await.unwrap();
    assert_eq!(code_of(&r), "RATE_LIMITED", "{r}");
    // Another client behind the same proxy has its own budget.
    let body = json!({ "query": "mutation { signUp(input: {organizationName: \"P\", name: \"N\", email: \"p@x.io\", password: \"long enough pw\"}) { accessToken } }" });
    let r: serde_json::Value = app.http.post(&app.url).header("x-forwarded-for", "203.0.113.8").json(&body).send().await.unwrap().json().await.unwrap();
    assert!(r.get("errors").is_none(), "{r}");
}

/// Resident memory of this process (the server runs in it), from `/proc`.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb: u64 = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).expect("VmRSS");
    kb * 1024
}

#[tokio::test]
async fn password_hashing_is_bounded_and_made_up_tokens_cost_no_hash() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let before = rss_bytes();
    // 32 concurrent requests of 20 aliased acceptInvite with made-up tokens (the
    // review's attack: 6,990 MiB before): a token is looked up before any hash.
    let aliases: Vec<String> = (0..20)
        .map(|i| format!("a{i}: acceptInvite(input: {{token: \"inv_madeup{i}\", name: \"Eve\", password: \"a fine password\"}}) {{ accessToken }}"))
        .collect();
    let attack = format!("mutation {{ {} }}", aliases.join(" "));
    let answers = futures_util::future::join_all((0..32).map(|_| app.gql(None, &attack, json!({})))).await;
    for a in &answers {
        let errors = a["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 20);
        assert!(errors.iter().all(|e| e["extensions"]["code"] == "NOT_FOUND"), "{a}");
    }
    let grown = rss_bytes().saturating_sub(before);
    assert!(grown < 100 * 1024 * 1024, "RSS grew by {} MiB", grown / (1024 * 1024));

    // Real hashing, bursts of 48 log-ins at once: one thread per core hashes, a bounded
    // queue waits, the rest are told to retry; a second burst holds no more memory.
    let login = json!({ "e": owner.email, "p": "not the password" });
    let q = "mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { accessToken } }";
    let mut after_first = 0;
    for burst in 0..2 {
        let answers = futures_util::future::join_all((0..48).map(|_| app.gql(None, q, login.clone()))).await;
        let codes: Vec<String> = answers.iter().map(code_of).collect();
        assert!(codes.iter().all(|c| c == "UNAUTHENTICATED" || c == "UNAVAILABLE"), "{codes:?}");
        assert!(codes.iter().any(|c| c == "UNAVAILABLE"), "the queue is bounded: {codes:?}");
        let rss = rss_bytes();
        if burst == 0 {
            after_first = rss;
        } else {
            let more = rss.saturating_sub(after_first);
            assert!(more < 40 * 1024 * 1024, "a second burst held {} MiB more", more / (1024 * 1024));
        }
    }

    // Aliases cannot multiply hashing: one password operation per request.
    let two = "mutation($e: String!, $p: String!) { a: logIn(input: {email: $e, password: $p}) { accessToken } b: logIn(input: {email: $e, password: $p}) { accessToken } }";
    let r = app.gql(None, two, json!({ "e": owner.email, "p": "correct horse battery" })).await;
    assert_eq!(r["errors"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("one password operation per request"), "{r}");
}

#[tokio::test]
async fn one_request_reads_a_bounded_number_of_rows_and_bytes() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("hello")).await;
    let long = "x".repeat(10_000);
    for _ in 0..30 {
        app.send(&v.token, &conv, &long).await;
    }
    let page = "messages(last: 200) { nodes { body } }";
    let one = format!("query($c: ID!) {{ conversation(id: $c) {{ {page} }} }}");
    let d = app.ok(Some(&v.token), &one, json!({ "c": conv })).await;
    assert_eq!(d["conversation"]["messages"]["nodes"].as_array().unwrap().len(), 31, "an ordinary page reads fine");

    // The review's attack, 50 aliases of the same long page, is refused before anything
    // runs: a list's selection counts once per row it may return (50 x 200 x 2 > 10,000).
    let aliases = |n: usize| -> String {
        let a: Vec<String> = (0..n).map(|i| format!("a{i}: conversation(id: $c) {{ {page} }}")).collect();
        format!("query($c: ID!) {{ {} }}", a.join(" "))
    };
    for token in [&v.token, &owner.token] {
        let r = app.http.post(&app.url).json(&json!({ "query": aliases(50), "variables": { "c": conv } })).bearer_auth(token).send().await.unwrap();
        let text = r.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{text}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("complex"), "{text}");
        assert!(body.get("data").is_none() && text.len() < 1024, "refused before running: {text}");
    }

    // Twenty aliases fit the complexity limit; what they read is bounded by the budget:
    // about 6 MB, over a visitor's 1 MiB and within staff's 8 MiB.
    for token in [&v.token, &owner.token] {
        let r = app.http.post(&app.url).json(&json!({ "query": aliases(20), "variables": { "c": conv } })).bearer_auth(token).send().await.unwrap();
        let text = r.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap();
        let refused = body["errors"]
            .as_array()
            .is_some_and(|errs| errs.iter().any(|e| e["extensions"]["code"] == "BAD_USER_INPUT" && e["message"].as_str().unwrap().contains("reads too much")));
        assert_eq!(refused, *token == v.token, "{}", &text[..300.min(text.len())]);
        let cap = if *token == v.token { 1_048_576 } else { 8 * 1_048_576 };
        assert!(text.len() < cap + 64 * 1024, "the response stays within the cap: {} bytes", text.len());
    }
}

#[tokio::test]
async fn aliases_of_cheap_lookups_cannot_multiply_store_reads() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    // Root fields are capped (aliases and fragments included), before anything runs.
    let aliases: Vec<String> = (0..51).map(|i| format!("a{i}: widgetConfig(websiteKey: $k) {{ websiteName }}")).collect();
    let many = format!("query($k: String!) {{ {} }}", aliases.join(" "));
    let r = app.gql(None, &many, json!({ "k": site.key })).await;
    assert_eq!(code_of(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
    assert!(r.get("data").is_none());
    let spread = format!("query($k: String!) {{ ...F }} fragment F on Query {{ {} }}", aliases.join(" "));
    assert_eq!(code_of(&app.gql(None, &spread, json!({ "k": site.key })).await), "GRAPHQL_VALIDATION_FAILED");
    let fifty = format!("query($k: String!) {{ {} }}", aliases[..50].join(" "));
    assert!(app.gql(None, &fifty, json!({ "k": site.key })).await.get("errors").is_none(), "50 root fields are fine");

    // Within one object, each lookup is charged to the read budget: 2,500 aliases of an
    // unread count stop at the visitor's 2,000.
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("hello")).await;
    let counts: Vec<String> = (0..2500).map(|i| format!("u{i}: unreadCount")).collect();
    let q = format!("query($c: ID!) {{ conversation(id: $c) {{ {} }} }}", counts.join(" "));
    let r = app.gql(Some(&v.token), &q, json!({ "c": conv })).await;
    assert!(r["errors"].as_array().is_some_and(|e| e.iter().any(|e| e["message"].as_str().unwrap().contains("reads too much"))), "{}", &r.to_string()[..300]);
}
