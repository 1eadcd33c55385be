//! Tokens and access: forged, expired and `alg: none` tokens; refresh rotation; API
//! keys; removal and role changes taking effect at once.

use base64::Engine as _;
use serde_json::json;

use chinwag::auth::{Keys, PrincipalKind};

use crate::helpers::*;

const ME: &str = "{ me { id role } }";

async fn status_and_code(app: &TestApp, token: &str) -> (u16, String) {
    let r = app.http.post(&app.url).bearer_auth(token).json(&json!({ "query": ME })).send().await.unwrap();
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap();
    (status, code_of(&body))
}

#[tokio::test]
async fn forged_expired_and_alg_none_tokens_are_unauthenticated() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = owner.token.split('.').collect();
    let alg_none = format!("{}.{}.", b64.encode(br#"{"alg":"none","typ":"JWT"}"#), parts[1]);
    let forged = Keys::new(b"an attacker's own signing secret!!").sign(&Keys::claims(&owner.id, PrincipalKind::Agent, "org_x", None, Some(0), 600));
    let claims: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    let mut expired_claims = Keys::claims(&owner.id, PrincipalKind::Agent, claims["org"].as_str().unwrap(), None, Some(0), 0);
    expired_claims.exp -= 120;
    expired_claims.iat -= 240;
    let expired = app.app.keys.sign(&expired_claims);
    let tampered = format!("{}.{}.{}", parts[0], b64.encode(br#"{"sub":"x","kind":"agent","org":"o","ep":0,"iat":1,"exp":9999999999}"#), parts[2]);
    for bad in [alg_none, forged, expired, tampered, "garbage".to_owned()] {
        assert_eq!(status_and_code(&app, &bad).await, (401, "UNAUTHENTICATED".to_owned()), "{bad}");
        let mut ws = app.ws_raw().await;
        ws.send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {bad}") } })).await;
        assert_eq!(ws.closed().await, 4403);
    }
    // No token at all on an operation that needs one.
    assert_eq!(app.err(None, ME, json!({})).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = spawn_app_with(|s| s.refresh_reuse_grace = 1).await;
    let owner = app.sign_up("Ann").await;
    let q = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }";
    let r1 = app.ok(None, q, json!({ "t": owner.refresh })).await["refreshSession"].clone();
    // Two tabs at once: within the grace window the same successor comes back.
    let r1b = app.ok(None, q, json!({ "t": owner.refresh })).await["refreshSession"].clone();
    assert_eq!(r1["refreshToken"], r1b["refreshToken"]);
    let new_access = r1["accessToken"].as_str().unwrap();
    assert!(app.gql(Some(new_access), ME, json!({})).await.get("errors").is_none());
    let r2 = app.ok(None, q, json!({ "t": r1["refreshToken"] })).await["refreshSession"].clone();
    // After the grace window, reusing a spent token revokes the whole family.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(app.err(None, q, json!({ "t": owner.refresh })).await, "UNAUTHENTICATED");
    assert_eq!(app.err(None, q, json!({ "t": r2["refreshToken"] })).await, "UNAUTHENTICATED", "the live successor died with its family");
    assert_eq!(app.err(None, q, json!({ "t": "rt_nope.bad" })).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_removed_agent_stops_receiving_at_once() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bo = app.add_agent(&owner, "Bo", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("hi")).await;
    let mut ws = app.ws(&bo.token).await;
    ws.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await;
    ws.subscribe("i", "subscription { inboxEvents { __typename } }", json!({})).await;
    app.wait_live_streams(2).await;
    app.send(&v.token, &conv, "before").await;
    assert_eq!(collect_messages(&mut ws, "c", 1).await[0]["body"], "before");

    app.ok(Some(&owner.token), "mutation($a: ID!) { removeAgent(agentId: $a) { id } }", json!({ "a": bo.id })).await;
    app.send(&v.token, &conv, "after").await;
    // The socket closes with 4403 and "after" never reaches it.
    loop {
        match ws.next_event().await {
            Next::Closed(code) => {
                assert_eq!(code, 4403);
                break;
            }
            Next::Msg(m) => assert_ne!(m["payload"]["data"]["conversationEvents"]["message"]["body"], "after", "{m}"),
        }
    }
    assert_eq!(app.err(Some(&bo.token), ME, json!({})).await, "UNAUTHENTICATED");
    let q = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }";
    assert_eq!(app.err(None, q, json!({ "t": bo.refresh })).await, "UNAUTHENTICATED");
    let login = app
        .err(None, "mutation($e: String!) { logIn(input: {email: $e, password: \"another good password\"}) { accessToken } }", json!({ "e": bo.email }))
        .await;
    assert_eq!(login, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_role_change_takes_effect_at_once() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bo = app.add_agent(&owner, "Bo", "ADMIN").await;
    let create_key = "mutation { createApiKey(name: \"k\") { secret } }";
    assert!(app.gql(Some(&bo.token), create_key, json!({})).await.get("errors").is_none());
    app.ok(Some(&owner.token), "mutation($a: ID!) { setAgentRole(agentId: $a, role: AGENT) { role } }", json!({ "a": bo.id })).await;
    assert_eq!(app.err(Some(&bo.token), create_key, json!({})).await, "UNAUTHENTICATED", "the old token died");
    let relog = app
        .ok(
            None,
            "mutation($e: String!) { logIn(input: {email: $e, password: \"another good password\"}) { accessToken agent { role } } }",
            json!({ "e": bo.email }),
        )
        .await;
    assert_eq!(relog["logIn"]["agent"]["role"], "AGENT");
    let t = relog["logIn"]["accessToken"].as_str().unwrap();
    assert_eq!(app.err(Some(t), create_key, json!({})).await, "FORBIDDEN");
    // The owner cannot be demoted or removed.
    let owner_id = owner.id.clone();
    assert_eq!(app.err(Some(&owner.token), "mutation($a: ID!) { removeAgent(agentId: $a) { id } }", json!({ "a": owner_id })).await, "FORBIDDEN");
}

#[tokio::test]
async fn api_keys_act_for_their_organization_as_bot_until_revoked() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("hi")).await;
    let k = app.ok(Some(&owner.token), "mutation { createApiKey(name: \"greeter\") { secret apiKey { id name } } }", json!({})).await["createApiKey"].clone();
    let secret = k["secret"].as_str().unwrap();
    let m = app.send(secret, &conv, "Hello from the bot").await;
    assert_eq!(m["senderKind"], "BOT");
    let list = app.ok(Some(secret), "{ conversations { edges { node { id } } } }", json!({})).await;
    assert_eq!(list["conversations"]["edges"][0]["node"]["id"], conv);
    let keys = app.ok(Some(&owner.token), "{ apiKeys { id name } }", json!({})).await;
    assert_eq!(keys["apiKeys"][0]["name"], "greeter");
    assert!(!keys.to_string().contains(secret), "the secret is shown once");
    app.ok(Some(&owner.token), "mutation($id: ID!) { revokeApiKey(id: $id) }", json!({ "id": k["apiKey"]["id"] })).await;
    assert_eq!(code_of(&app.send_raw(secret, &conv, "again", None, false).await), "UNAUTHENTICATED");
    // A key with a wrong secret part is refused.
    let wrong = format!("{}x", &secret[..secret.len() - 1]);
    assert_eq!(app.err(Some(&wrong), "{ agents { id } }", json!({})).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn visitors_cannot_do_agent_things_and_agents_need_the_right_role() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let agent = app.add_agent(&owner, "Bo", "AGENT").await;
    assert_eq!(app.err(Some(&v.token), "{ agents { id } }", json!({})).await, "FORBIDDEN");
    assert_eq!(app.err(Some(&v.token), "mutation { createWebsite(input: {name: \"x\"}) { id } }", json!({})).await, "FORBIDDEN");
    assert_eq!(app.err(Some(&agent.token), "mutation { createWebsite(input: {name: \"x\"}) { id } }", json!({})).await, "FORBIDDEN");
    assert_eq!(app.err(Some(&agent.token), "mutation { inviteAgent(input: {email: \"z@z.io\", role: AGENT}) { token } }", json!({})).await, "FORBIDDEN");
    assert_eq!(app.err(Some(&owner.token), "mutation { startConversation(input: {}) { id } }", json!({})).await, "FORBIDDEN");
}

#[tokio::test]
async fn log_out_ends_the_session_family() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let q = "mutation($t: String!) { refreshSession(refreshToken: $t) { refreshToken } }";
    let next = app.ok(None, q, json!({ "t": owner.refresh })).await["refreshSession"]["refreshToken"].as_str().unwrap().to_owned();
    app.ok(None, "mutation($t: String!) { logOut(refreshToken: $t) }", json!({ "t": next })).await;
    assert_eq!(app.err(None, q, json!({ "t": next })).await, "UNAUTHENTICATED");
    assert_eq!(app.err(None, "mutation { logOut(refreshToken: \"rt_forged.x\") }", json!({})).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn an_api_key_may_expire_and_shows_when_it_was_last_used() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let create = "mutation($e: DateTime) { createApiKey(name: \"short\", expiresAt: $e) { secret apiKey { id expiresAt lastUsedAt } } }";
    assert_eq!(app.err(Some(&owner.token), create, json!({ "e": "2001-01-01T00:00:00Z" })).await, "BAD_USER_INPUT", "not in the past");
    let soon = chinwag::time::rfc3339(chinwag::time::now_ms() + 1500);
    let k = app.ok(Some(&owner.token), create, json!({ "e": soon })).await["createApiKey"].clone();
    let secret = k["secret"].as_str().unwrap().to_owned();
    assert_eq!(k["apiKey"]["expiresAt"], soon.as_str());
    assert_eq!(k["apiKey"]["lastUsedAt"], serde_json::Value::Null);

    // Used: it works, its use is recorded, and an open socket lives until the expiry.
    assert!(app.gql(Some(&secret), "{ websites { id } }", json!({})).await.get("errors").is_none());
    let keys = app.ok(Some(&owner.token), "{ apiKeys { id lastUsedAt } }", json!({})).await;
    assert!(keys["apiKeys"][0]["lastUsedAt"].is_string(), "{keys}");
    let mut ws = app.ws(&secret).await;

    // Expired: refused over HTTP, and the socket is closed with 4403.
    let code = tokio::time::timeout(std::time::Duration::from_secs(5), ws.closed()).await.expect("closed at expiry");
    assert_eq!(code, 4403);
    assert_eq!(code_of(&app.gql(Some(&secret), "{ websites { id } }", json!({})).await), "UNAUTHENTICATED");
}
