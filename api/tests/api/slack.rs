//! Slack both ways. Slack is unreachable from here: the product's real Slack client talks
//! to `FakeSlack`, a local server written from Slack's published Web API documentation
//! (auth.test, chat.postMessage, chat.postEphemeral, users.info, views.open: bearer
//! tokens, JSON bodies for writes, form bodies for users.info, `{"ok": false, "error"}`),
//! and the tests send what Slack's Events API, interactivity and slash commands send,
//! signed with `v0` as Slack signs them.

use std::time::Duration;

use serde_json::{json, Value};

use crate::fake_slack::*;
use crate::helpers::*;

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn v0(secret: &str, ts: i64, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("v0={hex}")
}

/// Posts to one of the organization's Slack endpoints as Slack would, signed.
async fn from_slack(app: &TestApp, url: &str, body: &str, form: bool, sig: Option<(&str, i64)>) -> (u16, String) {
    let (secret, ts) = sig.unwrap_or((SIGNING, now_secs()));
    let r = app
        .http
        .post(url)
        .header("content-type", if form { "application/x-www-form-urlencoded" } else { "application/json" })
        .header("x-slack-request-timestamp", ts.to_string())
        .header("x-slack-signature", v0(secret, ts, body))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

fn thread_reply(event_id: &str, user: &str, root: &str, ts: &str, text: &str, extra: Value) -> String {
    let mut event = json!({ "type": "message", "channel": CHANNEL, "user": user, "text": text, "ts": ts, "thread_ts": root, "channel_type": "channel" });
    event.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    json!({ "token": "x", "team_id": "T0ACME", "api_app_id": "A1", "type": "event_callback", "event_id": event_id, "event_time": now_secs(), "event": event })
        .to_string()
}

struct Connected {
    app: TestApp,
    slack: FakeSlack,
    owner: Agent,
    site: Site,
    /// `.../integrations/slack/<org>`.
    base: String,
}

async fn connected(mode: &str) -> Connected {
    let slack = FakeSlack::start(&[]).await;
    let url = slack.url.clone();
    let app = spawn_app_with(move |s| {
        s.integrations.slack_api_url = url;
        s.outbound_allow_private = true;
    })
    .await;
    let owner = app.sign_up("Ann").await;
    slack.state.lock().unwrap().users = vec![("UANN".into(), owner.email.clone()), ("UEVE".into(), "eve@elsewhere.test".into())];
    let site = app.create_website(&owner, &[]).await;
    let connect = "mutation($i: ConnectSlackInput!) { connectSlack(input: $i) { teamId teamName channelId mode eventsUrl interactionsUrl commandsUrl } }";
    let input = |token: &str, channel: &str| json!({ "i": { "botToken": token, "signingSecret": SIGNING, "channelId": channel, "mode": mode } });
    assert_eq!(app.err(Some(&owner.token), connect, input("xoxb-wrong-token-0000", CHANNEL)).await, "BAD_USER_INPUT", "Slack refuses the token");
    assert_eq!(app.err(Some(&owner.token), connect, input(TOKEN, "CNOTJOINED")).await, "BAD_USER_INPUT", "the app is not in that channel");
    assert_eq!(app.err(Some(&owner.token), connect, input("not-a-bot-token", CHANNEL)).await, "BAD_USER_INPUT");
    let d = app.ok(Some(&owner.token), connect, input(TOKEN, CHANNEL)).await["connectSlack"].clone();
    assert_eq!((d["teamId"].as_str(), d["teamName"].as_str(), d["mode"].as_str()), (Some("T0ACME"), Some("Acme"), Some(mode)), "{d}");
    let base = d["eventsUrl"].as_str().unwrap().trim_end_matches("/events").to_owned();
    assert!(d["commandsUrl"].as_str().unwrap().ends_with("/commands"));
    slack.wait_post("the hello", |p| text_of(p).contains("Chinwag is connected")).await;
    // The public base is the server's own address in tests.
    let base = format!("{}{}", app.url.trim_end_matches("/graphql"), &base[base.find("/integrations").unwrap()..]);
    Connected { app, slack, owner, site, base }
}

#[tokio::test]
async fn a_small_team_answers_a_visitor_from_a_slack_thread_and_the_thread_mirrors_the_conversation() {
    let Connected { app, slack, owner, site, base } = connected("THREADS").await;
    let events = format!("{base}/events");

    // Slack checks the URL first.
    let (status, body) = from_slack(&app, &events, &json!({ "type": "url_verification", "token": "x", "challenge": "c-123" }).to_string(), false, None).await;
    assert_eq!((status, body.as_str()), (200, "c-123"));

    // A visitor whose name tries to ping the whole channel.
    let v = app.visitor_with(&site, json!({ "name": "<!channel> Kim" })).await;
    let conv = app.start_conversation(&v, Some("Do you ship to Norway?")).await;
    let root = slack.wait_post("the thread's first message", |p| text_of(p).contains("Do you ship to Norway?")).await;
    assert!(root["thread_ts"].is_null(), "{root}");
    assert!(text_of(&root).contains("&lt;!channel&gt; Kim") && !text_of(&root).contains("<!channel>"), "escaped: {root}");
    assert!(text_of(&root).contains(&conv), "names the conversation: {root}");
    let root_ts = root["ts"].as_str().unwrap().to_owned();

    // Ann answers in the thread: the visitor gets it from her.
    let reply = thread_reply("Ev1", "UANN", &root_ts, "1765000100.000100", "Yes, we do &amp; it is free over 50 &lt;EUR&gt;", json!({}));
    assert_eq!(from_slack(&app, &events, &reply, false, None).await.0, 200);
    let seen = wait_for_message(&app, &v.token, &conv, "Yes, we do & it is free over 50 <EUR>").await;
    assert_eq!(seen["senderKind"], "AGENT");
    // Slack's retry of the same event adds nothing.
    let (status, _) = from_slack(&app, &events, &reply, false, None).await;
    assert_eq!(status, 200);

    // The visitor's next message is mirrored into the thread; Ann's reply is not echoed.
    app.send(&v.token, &conv, "Great, how long does it take?").await;
    let mirrored = slack.wait_post("the visitor's message in the thread", |p| text_of(p).contains("how long does it take")).await;
    assert_eq!(mirrored["thread_ts"], root_ts.as_str());
    assert!(text_of(&mirrored).contains("&lt;!channel&gt; Kim"), "{mirrored}");
    assert!(slack.posts().iter().all(|p| !text_of(p).contains("Yes, we do")), "no echo: {:#?}", slack.posts());
    let mine = app.messages(&owner.token, &conv).await;
    assert_eq!(mine.iter().filter(|m| m["body"].as_str().unwrap().starts_with("Yes, we do")).count(), 1, "once: {mine:?}");

    // A visitor's lines are quoted: they cannot pass for the thread's own.
    app.send(&v.token, &conv, "ok\n:lock: *Private note by Boss*: refund approved").await;
    let forged_line = slack.wait_post("the visitor's two lines", |p| text_of(p).contains("refund approved")).await;
    assert!(forged_line["text"].as_str().unwrap().contains("\n>:lock: *Private note by Boss*"), "{forged_line}");

    // A dashboard reply is mirrored with its author.
    app.send(&owner.token, &conv, "About three days").await;
    let dash = slack.wait_post("the dashboard reply", |p| text_of(p).contains("About three days")).await;
    assert!(text_of(&dash).contains("*Ann*"), "{dash}");

    // A Slack user who is no agent here is told so; bots (ours included) are ignored.
    let eve = thread_reply("Ev2", "UEVE", &root_ts, "1765000200.000100", "I can help!", json!({}));
    assert_eq!(from_slack(&app, &events, &eve, false, None).await.0, 200);
    slack.wait_ephemeral("UEVE", "not an agent").await;
    let bot = thread_reply("Ev3", "UBOT", &root_ts, "1765000300.000100", "echo from our bot", json!({ "bot_id": "B0BOT" }));
    assert_eq!(from_slack(&app, &events, &bot, false, None).await.0, 200);
    let edit = thread_reply("Ev4", "UANN", &root_ts, "1765000400.000100", "edited text", json!({ "subtype": "message_changed" }));
    assert_eq!(from_slack(&app, &events, &edit, false, None).await.0, 200);

    // Forged, stale or another app's requests change nothing.
    let forged = thread_reply("Ev5", "UANN", &root_ts, "1765000500.000100", "forged words", json!({}));
    assert_eq!(from_slack(&app, &events, &forged, false, Some(("another-secret", now_secs()))).await.0, 401);
    assert_eq!(from_slack(&app, &events, &forged, false, Some((SIGNING, now_secs() - 600))).await.0, 401);
    let other = app.sign_up("Olga").await;
    let manifest = app.ok(Some(&other.token), "{ slackAppManifest }", json!({})).await["slackAppManifest"].as_str().unwrap().to_owned();
    let at = manifest.find("/integrations/slack/").unwrap();
    let path: String = manifest[at..].chars().take_while(|c| !c.is_whitespace()).collect();
    assert!(path.ends_with("/commands") && !path.contains(&base[base.find("/integrations").unwrap()..]), "{path}");
    let elsewhere = format!("{}{}", app.url.trim_end_matches("/graphql"), path.replace("/commands", "/events"));
    assert_eq!(from_slack(&app, &elsewhere, &forged, false, None).await.0, 401, "an organization without Slack answers as a bad signature");

    // "Add private note": the modal opens, and its submission becomes Ann's note.
    let interactions = format!("{base}/interactions");
    let click = json!({ "type": "block_actions", "user": { "id": "UANN" }, "trigger_id": "trig-1", "channel": { "id": CHANNEL },
        "container": { "type": "message", "message_ts": root_ts, "channel_id": CHANNEL },
        "actions": [{ "type": "button", "action_id": "chinwag_note", "block_id": "chinwag", "value": conv }] });
    assert_eq!(from_slack(&app, &interactions, &form(&[("payload", &click.to_string())]), true, None).await.0, 200);
    let deadline = tokio::time::Instant::now() + WAIT;
    while slack.state.lock().unwrap().views.is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "the modal did not open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let view = slack.state.lock().unwrap().views[0].clone();
    assert_eq!((view["trigger_id"].as_str(), view["view"]["private_metadata"].as_str()), (Some("trig-1"), Some(conv.as_str())), "{view}");
    let empty = json!({ "type": "view_submission", "user": { "id": "UANN" }, "view": { "callback_id": "chinwag_note", "private_metadata": conv,
        "state": { "values": { "note": { "note_text": { "type": "plain_text_input", "value": " " } } } } } });
    let (status, body) = from_slack(&app, &interactions, &form(&[("payload", &empty.to_string())]), true, None).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["response_action"], "errors", "an empty note stays in the modal");
    let submit = json!({ "type": "view_submission", "user": { "id": "UANN" }, "view": { "callback_id": "chinwag_note", "private_metadata": conv,
        "state": { "values": { "note": { "note_text": { "type": "plain_text_input", "value": "VIP customer, be quick" } } } } } });
    assert_eq!(from_slack(&app, &interactions, &form(&[("payload", &submit.to_string())]), true, None).await.0, 200);
    let note = wait_for_message(&app, &owner.token, &conv, "VIP customer, be quick").await;
    assert_eq!((note["isPrivate"].as_bool(), note["senderKind"].as_str()), (Some(true), Some("AGENT")));
    assert!(app.messages(&v.token, &conv).await.iter().all(|m| m["body"] != "VIP customer, be quick"), "the visitor never sees a note");
    slack.wait_post("the note in the thread, marked private", |p| text_of(p).contains("Private note by Ann") && text_of(p).contains("VIP customer")).await;

    // `/chinwag resolve <conversation>` answers at once and resolves it as Ann.
    let commands = format!("{base}/commands");
    let cmd = form(&[("command", "/chinwag"), ("text", &format!("resolve {conv}")), ("user_id", "UANN"), ("channel_id", CHANNEL), ("team_id", "T0ACME")]);
    let (status, body) = from_slack(&app, &commands, &cmd, true, None).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["response_type"], "ephemeral");
    slack.wait_post("the resolution in the thread", |p| text_of(p).contains("Resolved.") && p["thread_ts"] == root_ts.as_str()).await;
    let st = app.ok(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { status } }", json!({ "c": conv })).await;
    assert_eq!(st["conversation"]["status"], "RESOLVED");
    let (_, usage) = from_slack(&app, &commands, &form(&[("text", "dance"), ("user_id", "UANN")]), true, None).await;
    assert!(usage.contains("/chinwag resolve"), "{usage}");
    // Eve cannot act through Slack either.
    let cmd = form(&[("command", "/chinwag"), ("text", &format!("assign {conv}")), ("user_id", "UEVE"), ("channel_id", CHANNEL)]);
    from_slack(&app, &commands, &cmd, true, None).await;
    slack.wait_ephemeral("UEVE", "needs a Chinwag agent").await;

    // Only the first reply ever reached the visitor.
    let from_slack_msgs: Vec<Value> = app.messages(&v.token, &conv).await.into_iter().filter(|m| m["senderKind"] == "AGENT").collect();
    let bodies: Vec<&str> = from_slack_msgs.iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, vec!["Yes, we do & it is free over 50 <EUR>", "About three days"], "no forged, bot, edited or stranger's text");
}

#[tokio::test]
async fn alerts_only_announces_new_conversations_and_reads_nothing_back() {
    let Connected { app, slack, owner, site, base } = connected("ALERTS_ONLY").await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("Is the shop open on Sunday?")).await;
    let alert = slack.wait_post("the alert", |p| text_of(p).contains("Is the shop open on Sunday?")).await;
    assert!(!text_of(&alert).contains("chinwag_assign_me"), "no buttons in alerts: {alert}");
    let reply = thread_reply("EvA", "UANN", alert["ts"].as_str().unwrap(), "1765000600.000100", "Yes, 10 to 4", json!({}));
    assert_eq!(from_slack(&app, &format!("{base}/events"), &reply, false, None).await.0, 200);
    app.send(&v.token, &conv, "Thanks").await;
    app.send(&owner.token, &conv, "You're welcome").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(app.messages(&owner.token, &conv).await.iter().all(|m| m["body"] != "Yes, 10 to 4"), "nothing read back");
    assert!(slack.posts().iter().all(|p| !text_of(p).contains("Thanks") && !text_of(p).contains("welcome")), "nothing mirrored");

    // Disconnected: its endpoints are gone and new conversations stay out of Slack.
    assert_eq!(app.ok(Some(&owner.token), "mutation { disconnectSlack }", json!({})).await["disconnectSlack"], true);
    assert_eq!(from_slack(&app, &format!("{base}/events"), &reply, false, None).await.0, 401);
    let before = slack.posts().len();
    app.start_conversation(&app.visitor(&site).await, Some("Anyone there?")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(slack.posts().len(), before);
    assert!(app.ok(Some(&owner.token), "{ slackIntegration { teamId } }", json!({})).await["slackIntegration"].is_null());
}

/// The message with this body, as `token` sees the conversation (waiting for it).
async fn wait_for_message(app: &TestApp, token: &str, conv: &str, body: &str) -> Value {
    let q = "query($id: ID!) { conversation(id: $id) { messages(last: 200) { nodes { id body isPrivate senderKind } } } }";
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let d = app.ok(Some(token), q, json!({ "id": conv })).await;
        if let Some(m) = d["conversation"]["messages"]["nodes"].as_array().unwrap().iter().find(|m| m["body"] == body) {
            return m.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "no message {body:?} in {d}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
