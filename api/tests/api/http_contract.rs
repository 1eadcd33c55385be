//! GraphQL over HTTP per the spec, CORS, health and OpenAPI.

use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn responses_use_the_graphql_response_media_type_and_spec_status_codes() {
    let app = spawn_app().await;
    let post = |body: String| {
        app.http
            .post(&app.url)
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json, application/json")
            .body(body)
            .send()
    };

    let ok = post(json!({ "query": "{ __typename }" }).to_string()).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["content-type"], "application/graphql-response+json");

    let parse = post(json!({ "query": "{ nope" }).to_string()).await.unwrap();
    assert_eq!(parse.status(), 400);
    let body = parse.json::<Value>().await.unwrap();
    assert_eq!(code_of(&body), "GRAPHQL_PARSE_FAILED");
    assert!(body.get("data").is_none(), "no data entry when nothing ran: {body}");

    let invalid = post(json!({ "query": "{ noSuchField }" }).to_string()).await.unwrap();
    assert_eq!(invalid.status(), 400);
    assert_eq!(code_of(&invalid.json::<Value>().await.unwrap()), "GRAPHQL_VALIDATION_FAILED");

    // Clients asking for application/json, for anything, or saying nothing get
    // application/json, 200 with errors.
    for accept in [Some("application/json"), Some("*/*"), None] {
        let mut req = app.http.post(&app.url).json(&json!({ "query": "{ noSuchField }" }));
        if let Some(a) = accept {
            req = req.header("accept", a);
        }
        let legacy = req.send().await.unwrap();
        assert_eq!(legacy.status(), 200, "{accept:?}");
        assert_eq!(legacy.headers()["content-type"], "application/json", "{accept:?}");
        assert!(legacy.json::<Value>().await.unwrap().get("data").is_none());
    }

    // A request's extensions, when sent, are an object.
    let ext = post(json!({ "query": "{ __typename }", "extensions": [1] }).to_string()).await.unwrap();
    assert_eq!(ext.status(), 400);
    assert_eq!(code_of(&ext.json::<Value>().await.unwrap()), "BAD_USER_INPUT");
    let ext = post(json!({ "query": "{ __typename }", "extensions": { "persistedQuery": null } }).to_string()).await.unwrap();
    assert_eq!(ext.status(), 200);

    let batch = post(json!([{ "query": "{ __typename }" }]).to_string()).await.unwrap();
    assert_eq!(batch.status(), 400);

    let not_json = app.http.post(&app.url).header("content-type", "text/plain").body("{ __typename }").send().await.unwrap();
    assert_eq!(not_json.status(), 415);

    let garbage = post("{".into()).await.unwrap();
    assert_eq!(garbage.status(), 400);
    assert_eq!(code_of(&garbage.json::<Value>().await.unwrap()), "BAD_USER_INPUT");
}

#[tokio::test]
async fn get_runs_queries_but_not_mutations() {
    let app = spawn_app().await;
    let q = app.http.get(&app.url).query(&[("query", "{ __typename }")]).send().await.unwrap();
    assert_eq!(q.status(), 200);
    assert_eq!(q.json::<Value>().await.unwrap()["data"]["__typename"], "Query");
    let m = app
        .http
        .get(&app.url)
        .query(&[("query", "mutation { logIn(input: {email: \"a@b.io\", password: \"whatever1\"}) { accessToken } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(m.status(), 405);
    assert_eq!(m.headers()["allow"], "POST");
}

#[tokio::test]
async fn an_oversized_body_gets_413_with_a_json_error() {
    let app = spawn_app().await;
    let big = json!({ "query": "{ __typename }", "variables": { "pad": "x".repeat(1_100_000) } }).to_string();
    let r = app.http.post(&app.url).header("content-type", "application/json").body(big).send().await.unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(code_of(&r.json::<Value>().await.unwrap()), "BAD_USER_INPUT");
}

#[tokio::test]
async fn browsers_on_any_origin_may_call_the_api() {
    let app = spawn_app().await;
    let r = app
        .http
        .request(reqwest::Method::OPTIONS, &app.url)
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let ok = app.http.post(&app.url).header("origin", "https://shop.example").json(&json!({ "query": "{ __typename }" })).send().await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], "*");
    assert!(ok.headers().get("x-request-id").is_some(), "every response carries a request id");
}

#[tokio::test]
async fn health_readiness_and_openapi_are_served() {
    let app = spawn_app().await;
    let base = app.url.trim_end_matches("/graphql");
    let h: Value = app.http.get(format!("{base}/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(h["status"], "ok");
    let r = app.http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let spec: Value = app.http.get(format!("{base}/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(spec["paths"]["/readyz"].is_object(), "{spec}");
    let dash = app.http.get(format!("{base}/app/")).send().await.unwrap();
    assert_eq!(dash.status(), 200);
}

#[tokio::test]
async fn built_clients_are_served_with_etags_cors_and_caching() {
    let built = tempfile::tempdir().unwrap();
    let widget = built.path().join("widget");
    let dash = built.path().join("dash");
    std::fs::create_dir_all(widget.join("chunks")).unwrap();
    std::fs::create_dir_all(dash.join("assets")).unwrap();
    std::fs::write(widget.join("widget.js"), "console.log('loader')").unwrap();
    std::fs::write(widget.join("panel-abc123.js"), "export const x = 1").unwrap();
    std::fs::write(dash.join("index.html"), "<!doctype html><title>Dashboard</title>").unwrap();
    std::fs::write(dash.join("assets/app-1.js"), "1").unwrap();
    let (w, d) = (widget.clone(), dash.clone());
    let app = spawn_app_with(move |s| {
        s.widget_dir = Some(w);
        s.dashboard_dir = Some(d);
    })
    .await;
    let base = app.url.trim_end_matches("/graphql").to_owned();
    let r = app.http.get(format!("{base}/widget.js")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    let etag = r.headers()["etag"].clone();
    let again = app.http.get(format!("{base}/widget.js")).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    let gz = app.http.get(format!("{base}/widget.js")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip", "served compressed to clients that accept it");
    assert_ne!(gz.headers()["etag"], r_etag_plain(&app, &base).await, "one ETag per representation");
    let chunk = app.http.get(format!("{base}/widget/panel-abc123.js")).send().await.unwrap();
    assert!(chunk.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(app.http.get(format!("{base}/widget/../../etc/passwd")).send().await.unwrap().status(), 404);
    let spa = app.http.get(format!("{base}/app/conversations/123")).send().await.unwrap();
    assert_eq!(spa.status(), 200);
    assert!(spa.text().await.unwrap().contains("Dashboard"), "client-side routes get index.html");
    let asset = app.http.get(format!("{base}/app/assets/app-1.js")).send().await.unwrap();
    assert!(asset.headers()["cache-control"].to_str().unwrap().contains("immutable"));
}

async fn r_etag_plain(app: &TestApp, base: &str) -> reqwest::header::HeaderValue {
    app.http.get(format!("{base}/widget.js")).send().await.unwrap().headers()["etag"].clone()
}

#[tokio::test]
async fn the_dashboard_cannot_be_framed_and_sends_no_referrer() {
    let app = spawn_app().await;
    let r = app.http.get(app.url.replace("/graphql", "/app/")).send().await.unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self';"), "{h:?}");
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "no inline scripts: {csp}");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
}

#[tokio::test]
async fn metrics_are_for_this_machine_or_the_bearer_of_the_metrics_token() {
    // Behind a trusted proxy on loopback, a client elsewhere is refused.
    let app = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let url = app.url.replace("/graphql", "/metrics");
    assert_eq!(app.http.get(&url).send().await.unwrap().status(), 200, "a local client");
    let far = app.http.get(&url).header("x-forwarded-for", "203.0.113.9").send().await.unwrap();
    assert_eq!(far.status(), 403);
    assert!(!far.text().await.unwrap().contains("chinwag_"), "nothing leaks");

    let app = spawn_app_with(|s| s.metrics_token = Some("scrape-secret".into())).await;
    let url = app.url.replace("/graphql", "/metrics");
    assert_eq!(app.http.get(&url).send().await.unwrap().status(), 403, "with a token set, even a local client needs it");
    assert_eq!(app.http.get(&url).bearer_auth("wrong").send().await.unwrap().status(), 403);
    let ok = app.http.get(&url).bearer_auth("scrape-secret").send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("chinwag_websockets_open"));
}
