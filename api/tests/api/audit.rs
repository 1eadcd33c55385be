//! The audit log: owners and admins read who changed what, when and from where, filter and
//! page it, and export it as CSV; nobody else reads it.

use serde_json::json;

use crate::helpers::*;

const LOG: &str = "query($f: AuditLogFilter, $first: Int, $after: String) { auditLog(filter: $f, first: $first, after: $after) { \
                   edges { cursor node { action actorKind actorId actorName targetId ip createdAt } } pageInfo { hasNextPage endCursor } } }";

fn actions(d: &serde_json::Value) -> Vec<String> {
    d["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["action"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn owners_read_filter_page_and_export_the_audit_log_and_nobody_else_does() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let agent = app.add_agent(&owner, "Bo", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let key = app.ok(Some(&owner.token), "mutation { createApiKey(name: \"bot\") { secret } }", json!({})).await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(Some(&owner.token), "mutation { createDepartment(name: \"Sales\") { id } }", json!({})).await;
    let v = app.visitor(&site).await;
    app.ok(Some(&key), "mutation($v: ID!) { blockVisitor(input: {visitorId: $v}) { id } }", json!({ "v": v.id })).await;
    let change = "mutation { changePassword(currentPassword: \"another good password\", newPassword: \"a third good password\") { accessToken } }";
    let agent_token = app.ok(Some(&agent.token), change, json!({})).await["changePassword"]["accessToken"].as_str().unwrap().to_owned();

    // Newest first, with who (and the agent's name), on what, and from where.
    let d = app.ok(Some(&owner.token), LOG, json!({})).await;
    let all = actions(&d);
    assert_eq!(&all[..3], ["agent.password_change", "visitor.block", "department.create"], "{d}");
    assert!(all.contains(&"api_key.create".to_owned()) && all.contains(&"website.create".to_owned()) && all.contains(&"agent.invite".to_owned()), "{all:?}");
    let block = &d["auditLog"]["edges"][1]["node"];
    assert_eq!(block["actorKind"], "api_key");
    assert_eq!(block["actorName"], serde_json::Value::Null);
    assert_eq!(block["targetId"], v.id.as_str());
    assert_eq!(block["ip"], "127.0.0.1");
    let pw = &d["auditLog"]["edges"][0]["node"];
    assert_eq!((pw["actorKind"].as_str(), pw["actorId"].as_str(), pw["actorName"].as_str()), (Some("agent"), Some(agent.id.as_str()), Some("Bo")));

    // Filters and pages.
    let only = app.ok(Some(&owner.token), LOG, json!({ "f": { "action": "visitor.block" } })).await;
    assert_eq!(actions(&only), ["visitor.block"]);
    let mine = app.ok(Some(&owner.token), LOG, json!({ "f": { "actorId": agent.id } })).await;
    assert_eq!(actions(&mine), ["agent.password_change"]);
    let later = app.ok(Some(&owner.token), LOG, json!({ "f": { "since": "2999-01-01T00:00:00Z" } })).await;
    assert!(actions(&later).is_empty());
    let p1 = app.ok(Some(&owner.token), LOG, json!({ "first": 2 })).await;
    assert_eq!(p1["auditLog"]["pageInfo"]["hasNextPage"], true);
    let p2 = app.ok(Some(&owner.token), LOG, json!({ "first": 2, "after": p1["auditLog"]["pageInfo"]["endCursor"] })).await;
    assert_eq!([actions(&p1), actions(&p2)].concat(), all[..4]);

    // Nobody else: an agent, an API key, a visitor, another organization (its own only).
    let other_visitor = app.visitor(&site).await;
    for token in [&agent_token, &key, &other_visitor.token] {
        assert_eq!(app.err(Some(token), LOG, json!({})).await, "FORBIDDEN");
    }
    let rival = app.sign_up("Rita").await;
    assert!(actions(&app.ok(Some(&rival.token), LOG, json!({})).await).is_empty());

    // CSV, for owners and admins, recorded itself.
    let base = app.url.trim_end_matches("/graphql").to_owned();
    let r = app.http.get(format!("{base}/audit.csv?action=visitor.block")).bearer_auth(&owner.token).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "time,action,actor_kind,actor_id,target_id,ip");
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].contains(",visitor.block,api_key,") && lines[1].ends_with(&format!("{},127.0.0.1", v.id)), "{csv}");
    assert_eq!(app.http.get(format!("{base}/audit.csv")).send().await.unwrap().status().as_u16(), 401);
    assert_eq!(app.http.get(format!("{base}/audit.csv")).bearer_auth(&agent_token).send().await.unwrap().status().as_u16(), 403);
    let exported = app.ok(Some(&owner.token), LOG, json!({ "f": { "action": "audit.export" } })).await;
    assert_eq!(actions(&exported), ["audit.export"]);
    let bad = app.http.get(format!("{base}/audit.csv?since=yesterday")).bearer_auth(&owner.token).send().await.unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}
