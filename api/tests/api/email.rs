//! Email out, received by a real SMTP server on a local port; and the outbox folder
//! when no SMTP is configured.

use std::time::Duration;

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

/// The first mail that contains every one of `needles`.
async fn mail_with(sink: &SmtpSink, needles: &[&str]) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        // Quoted-printable soft breaks may split a needle.
        let flat: Vec<String> = sink.mails.lock().unwrap().iter().map(|m| m.replace("=\n", "").replace("=3D", "=")).collect();
        if let Some(m) = flat.into_iter().find(|m| needles.iter().all(|n| m.contains(n))) {
            return m;
        }
        assert!(tokio::time::Instant::now() < deadline, "no mail with {needles:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The confirmation link's page, and its form posted (what the button does).
async fn confirm(app: &TestApp, token: &str) -> (String, u16, String) {
    let page = app.http.get(format!("{}/email/confirm?token={token}", app.url.trim_end_matches("/graphql"))).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let page = page.text().await.unwrap();
    let posted = app.http.post(format!("{}/email/confirm", app.url.trim_end_matches("/graphql"))).form(&[("token", token)]).send().await.unwrap();
    let status = posted.status().as_u16();
    (page, status, posted.text().await.unwrap())
}

#[tokio::test]
async fn replies_to_an_offline_message_reach_an_address_once_its_owner_confirms_it_and_never_carry_notes() {
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

    // The address typed into the widget is nobody's word: a confirmation link first,
    // carrying no text of the conversation.
    let ask = sink.wait_for("replied to your message").await;
    assert!(ask.contains("vi@example.test") && ask.contains("https://chat.example.test/email/confirm?token="), "{ask}");
    assert!(!ask.contains("calling you at 3") && !ask.contains("Please call me back"), "{ask}");
    let token = token_in(&ask);

    // Opening the link only asks; the button confirms and the conversation follows.
    let (page, status, done) = confirm(&app, &token).await;
    assert!(page.contains("vi@example.test") && page.contains("<form method=post"), "{page}");
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("is confirmed"), "{done}");
    let transcript = sink.wait_for("Your conversation with").await;
    assert!(transcript.contains("Please call me back") && transcript.contains("calling you at 3"), "{transcript}");
    assert!(sink.mails.lock().unwrap().iter().all(|m| !m.contains("VIP")), "notes never leave by email");

    // Using the link again sends nothing more; later replies go straight to the address.
    let before = sink.count();
    assert_eq!(confirm(&app, &token).await.1, 200);
    app.send(&owner.token, &conv, "Calling at 4 instead").await;
    let reply = sink.wait_for("Calling at 4 instead").await;
    assert!(reply.contains("vi@example.test"));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(sink.count(), before + 1, "one reply, no second transcript");
    // The visitor's own (now confirmed) address gets transcripts at once.
    app.ok(Some(&v.token), "mutation($c: ID!) { sendTranscript(conversationId: $c) }", json!({ "c": conv })).await;
    mail_with(&sink, &["Your conversation with", "Calling at 4 instead"]).await;

    // A made-up or tampered link changes nothing.
    for bad in ["ec_e30.AAAA".to_owned(), token.replace('.', "x.")] {
        let r = app.http.post(format!("{}/email/confirm", app.url.trim_end_matches("/graphql"))).form(&[("token", bad.as_str())]).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 400);
        assert!(r.text().await.unwrap().contains("does not work"));
    }
}

#[tokio::test]
async fn a_visitor_cannot_relay_its_text_to_a_third_party_by_transcript() {
    let (app, sink) = with_smtp().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor_with(&site, json!({ "name": "Cheap Pills" })).await;
    let conv = app.start_conversation(&v, Some("BUY NOW at spam.example")).await;
    let send = "mutation($c: ID!, $e: String) { sendTranscript(conversationId: $c, email: $e) }";
    assert_eq!(app.ok(Some(&v.token), send, json!({ "c": conv, "e": "victim@example.test" })).await["sendTranscript"], true);
    let mail = sink.wait_for("victim@example.test").await;
    assert!(mail.contains("Confirm your email for") && mail.contains("/email/confirm?token="), "{mail}");
    assert!(!mail.contains("BUY NOW") && !mail.contains("spam.example") && !mail.contains("Cheap Pills"), "no text the visitor wrote: {mail}");
}

#[tokio::test]
async fn an_email_signed_by_the_site_gets_transcripts_at_once_and_a_changed_one_does_not() {
    let (app, sink) = with_smtp().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let d = app.ok(Some(&owner.token), "query($id: ID!) { website(id: $id) { identitySecret } }", json!({ "id": site.id })).await;
    let secret = d["website"]["identitySecret"].as_str().unwrap().to_owned();
    let start = "mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token } }";
    let i = |extra: serde_json::Value| {
        let mut i = json!({ "websiteKey": site.key });
        i.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({ "i": i })
    };
    assert_eq!(app.err(None, start, i(json!({ "email": "kim@example.test", "emailHash": hmac_hex(&secret, "email:other@example.test") }))).await, "FORBIDDEN");
    assert_eq!(app.err(None, start, i(json!({ "emailHash": hmac_hex(&secret, "email:kim@example.test") }))).await, "BAD_USER_INPUT");

    // A user hash over the same string (a site whose external ids are emails) is no email hash.
    assert_eq!(app.err(None, start, i(json!({ "email": "kim@example.test", "emailHash": hmac_hex(&secret, "kim@example.test") }))).await, "FORBIDDEN");
    let v = app.visitor_with(&site, json!({ "email": "kim@example.test", "emailHash": hmac_hex(&secret, "email:kim@example.test") })).await;
    let conv = app.start_conversation(&v, Some("Where is my order?")).await;
    let send = "mutation($c: ID!) { sendTranscript(conversationId: $c) }";
    app.ok(Some(&v.token), send, json!({ "c": conv })).await;
    let transcript = sink.wait_for("Where is my order?").await;
    assert!(transcript.contains("kim@example.test"));
    let who = "query($c: ID!) { conversation(id: $c) { visitor { email emailVerified } } }";
    let seen = app.ok(Some(&owner.token), who, json!({ "c": conv })).await;
    assert_eq!(seen["conversation"]["visitor"], json!({ "email": "kim@example.test", "emailVerified": true }));

    // The browser gives another address, unsigned: it is not vouched for.
    let again = app.visitor_with(&site, json!({ "resumeToken": v.resume, "email": "kim.new@example.test" })).await;
    app.ok(Some(&again.token), send, json!({ "c": conv })).await;
    let ask = sink.wait_for("kim.new@example.test").await;
    assert!(ask.contains("/email/confirm?token=") && !ask.contains("Where is my order?"), "{ask}");
    let seen = app.ok(Some(&owner.token), who, json!({ "c": conv })).await;
    assert_eq!(seen["conversation"]["visitor"], json!({ "email": "kim.new@example.test", "emailVerified": false }));
}

#[tokio::test]
async fn an_address_gets_at_most_three_confirmation_mails_a_day() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(url);
        s.limits.rate_limits = "on".into();
    })
    .await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let send = "mutation($c: ID!, $e: String) { sendTranscript(conversationId: $c, email: $e) }";
    let mut codes = Vec::new();
    for _ in 0..4 {
        let v = app.visitor(&site).await;
        let conv = app.start_conversation(&v, Some("hello")).await;
        let r = app.gql(Some(&v.token), send, json!({ "c": conv, "e": "target@example.test" })).await;
        codes.push(if r.get("errors").is_some() { code_of(&r) } else { "OK".into() });
    }
    assert_eq!(codes, ["OK", "OK", "OK", "RATE_LIMITED"]);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.count(), 3);
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

#[tokio::test]
async fn a_new_sign_in_email_changes_once_confirmed_and_a_taken_one_is_answered_alike() {
    let (app, sink) = with_smtp().await;
    let ann = app.sign_up("Ann").await;
    let bo = app.sign_up("Bo").await;
    let q = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { name email } }";
    let change = |to: &str| json!({ "i": { "name": "Ann B.", "email": to, "currentPassword": "correct horse battery" } });

    // Bo's address has an account: the same answer as a fresh one, and Bo is told with no link.
    let taken = app.ok(Some(&ann.token), q, change(&bo.email)).await;
    let fresh = app.ok(Some(&ann.token), q, change("ann.new@acme.test")).await;
    assert_eq!(taken, fresh, "the answer does not tell whether the address has an account");
    assert_eq!(fresh["updateProfile"]["email"], ann.email.to_lowercase().as_str());
    assert_eq!(fresh["updateProfile"]["name"], "Ann B.", "the rest of the profile changes at once");
    let to_bo = sink.wait_for("another Chinwag account").await;
    assert!(to_bo.contains(&bo.email.to_lowercase()) && !to_bo.contains("token="), "{to_bo}");
    let warning = mail_with(&sink, &["about to change", "ann.new@acme.test"]).await;
    assert!(warning.contains(&ann.email.to_lowercase()), "{warning}");

    // The link asks first; its button changes the sign-in email.
    let ask = sink.wait_for("Confirm this address as your Chinwag sign-in email").await;
    let token = token_in(&ask);
    let base = app.url.trim_end_matches("/graphql").to_owned();
    let page = app.http.get(format!("{base}/account/confirm-email?token={token}")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("ann.new@acme.test") && page.contains("<form method=post"), "{page}");
    assert_eq!(app.ok(Some(&ann.token), "{ me { email } }", json!({})).await["me"]["email"], ann.email.to_lowercase().as_str(), "nothing changed yet");
    for _ in 0..2 {
        let r = app.http.post(format!("{base}/account/confirm-email")).form(&[("token", token.as_str())]).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert!(r.text().await.unwrap().contains("You now sign in with"));
    }
    assert_eq!(app.ok(Some(&ann.token), "{ me { email } }", json!({})).await["me"]["email"], "ann.new@acme.test");
    let login = "mutation($e: String!) { logIn(input: {email: $e, password: \"correct horse battery\"}) { accessToken } }";
    app.ok(None, login, json!({ "e": "ann.new@acme.test" })).await;
    assert_eq!(app.err(None, login, json!({ "e": ann.email })).await, "UNAUTHENTICATED");
    // A tampered link changes nothing.
    let r = app.http.post(format!("{base}/account/confirm-email")).form(&[("token", token.replace('.', "x."))]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn a_password_change_cancels_a_pending_email_change() {
    let (app, sink) = with_smtp().await;
    let ann = app.sign_up("Ann").await;
    let q = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { email } }";
    app.ok(Some(&ann.token), q, json!({ "i": { "email": "thief@evil.test", "currentPassword": "correct horse battery" } })).await;
    let token = token_in(&sink.wait_for("Confirm this address as your Chinwag sign-in email").await);
    // The owner, warned, changes the password: the link no longer works.
    let change = "mutation { changePassword(currentPassword: \"correct horse battery\", newPassword: \"a new strong password\") { accessToken } }";
    app.ok(Some(&ann.token), change, json!({})).await;
    let base = app.url.trim_end_matches("/graphql").to_owned();
    let r = app.http.post(format!("{base}/account/confirm-email")).form(&[("token", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let login = "mutation($e: String!) { logIn(input: {email: $e, password: \"a new strong password\"}) { accessToken } }";
    app.ok(None, login, json!({ "e": ann.email })).await;
}

/// Mails to one address (the sink keeps whole messages).
fn mails_to(sink: &SmtpSink, to: &str, needle: &str) -> usize {
    let to = format!("To: {}", to.to_lowercase());
    sink.mails.lock().unwrap().iter().filter(|m| m.contains(&to) && m.replace("=\n", "").contains(needle)).count()
}

#[tokio::test]
async fn offline_agents_hear_of_chats_assigned_to_them_and_of_visitors_waiting_at_most_once_per_chat() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let clock = chinwag::jobs::ManualClock::starting_now();
    let app = spawn_app_with_clock(
        move |s| {
            s.smtp_url = Some(url);
            s.public_url = Some("https://chat.example.test".into());
        },
        clock.clone(),
    )
    .await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;

    // Nobody is online: a minute after the visitor wrote, the team hears of it.
    let v = app.visitor(&site).await;
    let c = app.start_conversation(&v, Some("Is the blue one in stock?")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    clock.advance(Duration::from_secs(61));
    app.app.jobs.wake();
    let mail = sink.wait_for("A visitor is waiting").await;
    assert!(mail.replace("=\n", "").contains(&format!("https://chat.example.test/app/inbox/unassigned/{c}")), "{mail}");
    assert!(mail.contains("Is the blue one in stock?"));
    for _ in 0..100 {
        if mails_to(&sink, &bob.email, "A visitor is waiting") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(mails_to(&sink, &bob.email, "A visitor is waiting"), 1, "every offline agent");

    // Ann gives that chat to Bob: he already heard of it (one email per chat and agent
    // in 30 minutes). Another chat given to him, twice: one email.
    let assign = "mutation($c: ID!, $a: ID) { assignConversation(input: {conversationId: $c, agentId: $a}) { id } }";
    app.ok(Some(&owner.token), assign, json!({ "c": c, "a": bob.id })).await;
    let other = app.start_conversation(&app.visitor(&site).await, Some("Do you deliver on Sundays?")).await;
    app.ok(Some(&owner.token), assign, json!({ "c": other, "a": bob.id })).await;
    let mail = sink.wait_for("was assigned to you").await;
    assert!(mail.replace("=\n", "").contains(&format!("/app/inbox/mine/{other}")), "{mail}");
    app.ok(Some(&owner.token), assign, json!({ "c": other, "a": null })).await;
    app.ok(Some(&owner.token), assign, json!({ "c": other, "a": bob.id })).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(mails_to(&sink, &bob.email, "was assigned to you"), 1, "at most once per chat in 30 minutes");

    // Someone online and connected: no email.
    app.ok(Some(&owner.token), "mutation { setAgentStatus(status: ONLINE) { status } }", json!({})).await;
    let _ws = app.ws(&owner.token).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = sink.count();
    let v2 = app.visitor(&site).await;
    let c2 = app.start_conversation(&v2, Some("second")).await;
    let bob_assign = app.ok(Some(&bob.token), assign, json!({ "c": c2, "a": owner.id })).await;
    assert!(bob_assign["assignConversation"]["id"].is_string());
    clock.advance(Duration::from_secs(61));
    app.app.jobs.wake();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.count(), before, "Ann is online: nothing to tell");
}
