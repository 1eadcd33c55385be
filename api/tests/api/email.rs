//! Email out, received by a real SMTP server on a local port; and the outbox folder
//! when no SMTP is configured.

use serde_json::json;

use crate::helpers::*;

async fn with_smtp() -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(url);
        s.public_url = Some("https://chat.example.test".into());
    })
    .await;
    (app, sink)
}

#[tokio::test]
async fn an_invite_arrives_by_email_with_a_working_link() {
    let (app, sink) = with_smtp().await;
    let owner = app.sign_up("Ann").await;
    app.ok(Some(&owner.token), "mutation { inviteAgent(input: {email: \"bo@team.test\", role: AGENT}) { id } }", json!({})).await;
    let mail = sink.wait_for("bo@team.test").await;
    assert!(mail.contains("https://chat.example.test/app/accept-invite?token="), "{mail}");
    let token = token_in(&mail);
    let d = app
        .ok(
            None,
            "mutation($t: String!) { acceptInvite(input: {token: $t, name: \"Bo\", password: \"a fine password\"}) { agent { email } } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(d["acceptInvite"]["agent"]["email"], "bo@team.test");
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_an_emailed_one_time_link() {
    let (app, sink) = with_smtp().await;
    let owner = app.sign_up("Ann").await;
    let ask = "mutation($e: String!) { requestPasswordReset(email: $e) }";
    assert_eq!(app.ok(None, ask, json!({ "e": "nobody@nowhere.test" })).await["requestPasswordReset"], true, "reveals nothing");
    app.ok(None, ask, json!({ "e": owner.email })).await;
    let mail = sink.wait_for("reset-password?token=").await;
    assert_eq!(sink.count(), 1, "no email for the unknown address");
    let token = token_in(&mail);
    let reset = "mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) { accessToken } }";
    assert_eq!(app.err(None, reset, json!({ "t": token, "p": "short" })).await, "BAD_USER_INPUT");
    app.ok(None, reset, json!({ "t": token, "p": "a brand new password" })).await;
    assert_eq!(app.err(None, reset, json!({ "t": token, "p": "a second new password" })).await, "NOT_FOUND", "the link works once");
    assert_eq!(app.err(Some(&owner.token), "{ me { id } }", json!({})).await, "UNAUTHENTICATED", "old sessions end");
    let login = "mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { accessToken } }";
    app.ok(None, login, json!({ "e": owner.email, "p": "a brand new password" })).await;
}

#[tokio::test]
async fn replies_to_an_offline_message_and_transcripts_reach_the_visitor_by_email_without_notes() {
    let (app, sink) = with_smtp().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor_with(&site, json!({ "email": "vi@example.test" })).await;
    let conv = app.ok(Some(&v.token), "mutation { startConversation(input: {body: \"Please call me back\", offline: true}) { id } }", json!({})).await
        ["startConversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.send_raw(&owner.token, &conv, "internal: VIP", None, true).await;
    app.send(&owner.token, &conv, "Happy to help, calling you at 3").await;
    let reply = sink.wait_for("calling you at 3").await;
    assert!(reply.contains("vi@example.test"));
    assert!(sink.mails.lock().unwrap().iter().all(|m| !m.contains("VIP")), "notes never leave by email");
    app.ok(Some(&v.token), "mutation($c: ID!) { sendTranscript(conversationId: $c) }", json!({ "c": conv })).await;
    let transcript = sink.wait_for("Your conversation with").await;
    assert!(transcript.contains("Please call me back") && transcript.contains("calling you at 3"));
    assert!(!transcript.contains("VIP"));
}

#[tokio::test]
async fn without_smtp_emails_go_to_the_outbox_folder() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    app.ok(Some(&owner.token), "mutation { inviteAgent(input: {email: \"cy@team.test\", role: AGENT}) { id } }", json!({})).await;
    let dir = app.app.settings.data_dir.join("outbox");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let found = std::fs::read_dir(&dir)
            .map(|d| d.flatten().any(|e| std::fs::read_to_string(e.path()).unwrap_or_default().contains("cy@team.test")))
            .unwrap_or(false);
        if found {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no outbox file in {}", dir.display());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_invite_does_not_tell_whether_the_address_has_an_account_elsewhere() {
    let (app, sink) = with_smtp().await;
    let ann = app.sign_up("Ann").await;
    let olga = app.sign_up("Olga").await;
    let invite = "mutation($e: String!) { inviteAgent(input: {email: $e, role: AGENT}) { id email role } }";
    // Ann's address has an account (in Ann's team); a fresh address has none. Olga's
    // team gets the same answer for both.
    let taken = app.ok(Some(&olga.token), invite, json!({ "e": ann.email })).await;
    let fresh = app.ok(Some(&olga.token), invite, json!({ "e": "new@elsewhere.test" })).await;
    assert_eq!(taken["inviteAgent"]["role"], fresh["inviteAgent"]["role"]);
    assert!(taken["inviteAgent"]["id"].is_string() && fresh["inviteAgent"]["id"].is_string());
    // The owner of the taken address is told, with no link to use.
    let to_ann = sink.wait_for(&ann.email.to_lowercase()).await.replace("=\n", "");
    assert!(to_ann.contains("already has a Chinwag account") && !to_ann.contains("token="), "{to_ann}");
    let to_new = sink.wait_for("new@elsewhere.test").await;
    assert!(to_new.contains("token="));
    // Within the team, an existing member is said.
    assert_eq!(app.err(Some(&ann.token), invite, json!({ "e": ann.email })).await, "BAD_USER_INPUT");
}

#[tokio::test]
async fn transcripts_are_limited_per_ip_and_per_website_whatever_the_session() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(url);
        s.limits.rate_limits = "on".into();
        s.limits.visitor_mail_per_ip_hour = 3;
        s.limits.visitor_mail_per_website_hour = 1000;
    })
    .await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let send = "mutation($c: ID!, $e: String) { sendTranscript(conversationId: $c, email: $e) }";
    // A fresh visitor session for each mail: the per-visitor limit never bites, the
    // per-IP one does.
    let mut codes = Vec::new();
    for i in 0..5 {
        let v = app.visitor(&site).await;
        let conv = app.start_conversation(&v, Some("hello")).await;
        let r = app.gql(Some(&v.token), send, json!({ "c": conv, "e": format!("victim{i}@example.test") })).await;
        codes.push(if r.get("errors").is_some() { code_of(&r) } else { "OK".into() });
    }
    assert_eq!(codes, ["OK", "OK", "OK", "RATE_LIMITED", "RATE_LIMITED"]);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.count(), 3, "refused ones send nothing");
}
