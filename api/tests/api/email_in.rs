//! Email as a channel: the team's emailed reply carries a signed reply address; the
//! visitor's answer, sent over real SMTP (lettre) to the server's own listener or posted
//! as raw MIME to `/inbound/email`, lands in the conversation once, live, quoted text cut.

use std::time::Duration;

use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde_json::{json, Value};

use crate::helpers::*;

const REPLY_DOMAIN: &str = "reply.example.test";
const SECRET: &str = "inbound-secret-for-tests";

struct Setup {
    app: TestApp,
    sink: SmtpSink,
    owner: Agent,
    conv: String,
    /// The `Reply-To` and `Message-ID` of the team's emailed reply.
    reply_to: String,
    message_id: String,
}

/// A conversation left offline by a visitor whose email the site signed, and the team's
/// reply to it, emailed through the sink.
async fn setup(max_bytes: usize) -> Setup {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(url);
        s.integrations.reply_domain = Some(REPLY_DOMAIN.into());
        s.integrations.inbound_smtp_listen = Some("127.0.0.1:0".parse().unwrap());
        s.integrations.inbound_email_secret = Some(SECRET.into());
        s.integrations.inbound_email_max_bytes = max_bytes;
    })
    .await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let d = app.ok(Some(&owner.token), "query($id: ID!) { website(id: $id) { identitySecret } }", json!({ "id": site.id })).await;
    let secret = d["website"]["identitySecret"].as_str().unwrap().to_owned();
    let v = app.visitor_with(&site, json!({ "email": "kim@example.test", "emailHash": hmac_hex(&secret, "email:kim@example.test") })).await;
    let conv = app.ok(Some(&v.token), "mutation { startConversation(input: {body: \"Which colours do you have?\", offline: true}) { id } }", json!({})).await
        ["startConversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.send(&owner.token, &conv, "We have red and blue. Which one?").await;
    let mail = sink.wait_for("We have red and blue").await;
    assert!(mail.contains("You can answer by replying to this email"), "{mail}");
    let reply_to = header_of(&mail, "Reply-To");
    let message_id = header_of(&mail, "Message-ID");
    assert!(reply_to.starts_with("reply+cnv_") && reply_to.ends_with(&format!("@{REPLY_DOMAIN}")), "{reply_to}");
    assert!(message_id.starts_with("<c.cnv_"), "{message_id}");
    Setup { app, sink, owner, conv, reply_to, message_id }
}

/// A header's value, unfolded.
fn header_of(mail: &str, name: &str) -> String {
    let mut lines = mail.lines().skip_while(|l| !l.to_ascii_lowercase().starts_with(&format!("{}:", name.to_ascii_lowercase())));
    let mut v = lines.next().unwrap_or_else(|| panic!("no {name} in {mail}"))[name.len() + 1..].trim().to_owned();
    for l in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
        v.push_str(l.trim());
    }
    v.trim_matches(|c| c == '"').to_owned()
}

fn smtp(s: &Setup) -> AsyncSmtpTransport<Tokio1Executor> {
    let addr = s.app.smtp.expect("the listener is on");
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(addr.ip().to_string()).port(addr.port()).build()
}

async fn send_raw(s: &Setup, from: &str, to: &str, raw: &str) -> Result<(), lettre::transport::smtp::Error> {
    let envelope = lettre::address::Envelope::new(Some(from.parse().unwrap()), vec![to.parse().unwrap()]).unwrap();
    smtp(s).send_raw(&envelope, raw.as_bytes()).await.map(|_| ())
}

fn raw_mail(from: &str, to: &str, message_id: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Re: your message\r\nMessage-ID: {message_id}\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

async fn visitor_messages(s: &Setup) -> Vec<Value> {
    s.app.messages(&s.owner.token, &s.conv).await.into_iter().filter(|m| m["senderKind"] == "VISITOR").collect()
}

async fn held(s: &Setup) -> Vec<Value> {
    let q = "query($c: ID!) { heldEmails(conversationId: $c) { id fromAddress subject body reason } }";
    s.app.ok(Some(&s.owner.token), q, json!({ "c": s.conv })).await["heldEmails"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_visitor_answers_by_email_and_the_agent_sees_it_live_once_without_the_quoted_text() {
    let s = setup(1 << 20).await;
    let mut ws = s.app.ws(&s.owner.token).await;
    let sub = "subscription($c: ID!) { conversationEvents(conversationId: $c) { __typename ... on MessageAdded { message { body senderKind attachments { filename size } } } } }";
    ws.subscribe("c", sub, json!({ "c": s.conv })).await;
    s.app.wait_live_streams(1).await;

    // The visitor's mail program: a reply with the quote below, a signature and a photo.
    let photo = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
    let text = "The blue one, please.\r\n\r\n-- \r\nKim\r\n\r\nOn Mon, 7 Dec 2026 at 10:00, Acme <x@y> wrote:\r\n> We have red and blue. Which one?\r\n";
    let email = lettre::Message::builder()
        .from("Kim <kim@example.test>".parse::<Mailbox>().unwrap())
        .to(s.reply_to.parse::<Mailbox>().unwrap())
        .subject("Re: your message")
        .message_id(Some("<reply-1@example.test>".into()))
        .in_reply_to(s.message_id.clone())
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(text.to_owned()))
                .singlepart(Attachment::new("blue.png".into()).body(photo.clone(), "image/png".parse().unwrap())),
        )
        .unwrap();
    smtp(&s).send(email.clone()).await.expect("the listener takes the reply");
    let live = next_of_type(&mut ws, "c", "conversationEvents", "MessageAdded").await;
    assert_eq!(live["message"]["body"], "The blue one, please.", "{live}");
    assert_eq!(live["message"]["senderKind"], "VISITOR");
    assert_eq!(live["message"]["attachments"], json!([{ "filename": "blue.png", "size": photo.len() }]));

    // The same email again (a retrying MTA): nothing new.
    smtp(&s).send(email).await.expect("taken again");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mine = visitor_messages(&s).await;
    assert_eq!(mine.iter().filter(|m| m["body"] == "The blue one, please.").count(), 1, "{mine:?}");

    // The team's next reply goes by email again, threaded the same way.
    s.app.send(&s.owner.token, &s.conv, "Blue it is, shipping today").await;
    let next = s.sink.wait_for("Blue it is").await;
    assert_eq!(header_of(&next, "Reply-To"), s.reply_to);

    // An auto-reply (RFC 3834) and a bounce are taken and dropped.
    let auto = raw_mail("kim@example.test", &s.reply_to, "<ooo-1@example.test>", "Auto-Submitted: auto-replied\r\n", "I am out of office");
    send_raw(&s, "kim@example.test", &s.reply_to, &auto).await.expect("taken");
    let bounce = raw_mail("MAILER-DAEMON@example.test", &s.reply_to, "<b-1@example.test>", "", "Delivery failed");
    send_raw(&s, "mailer-daemon@example.test", &s.reply_to, &bounce).await.expect("taken");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let bodies: Vec<Value> = s.app.messages(&s.owner.token, &s.conv).await.into_iter().map(|m| m["body"].clone()).collect();
    assert!(!bodies.iter().any(|b| b.as_str().unwrap().contains("out of office") || b.as_str().unwrap().contains("Delivery failed")), "{bodies:?}");
}

#[tokio::test]
async fn a_reply_from_another_address_or_failing_dmarc_is_held_until_an_agent_releases_it() {
    let s = setup(1 << 20).await;
    let stranger = raw_mail("mallory@evil.test", &s.reply_to, "<m-1@evil.test>", "", "Please send the order to my new address instead");
    send_raw(&s, "mallory@evil.test", &s.reply_to, &stranger).await.expect("taken for review");
    let spoofed = raw_mail(
        "kim@example.test",
        &s.reply_to,
        "<m-2@evil.test>",
        "Authentication-Results: mx.reply.example.test; spf=fail; dmarc=fail (p=reject) header.from=example.test\r\n",
        "Refund to this card please",
    );
    send_raw(&s, "kim@example.test", &s.reply_to, &spoofed).await.expect("taken for review");
    send_raw(&s, "mallory@evil.test", &s.reply_to, &stranger).await.expect("a retry");

    let h = held(&s).await;
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!((h[0]["fromAddress"].as_str(), h[0]["reason"].as_str()), (Some("mallory@evil.test"), Some("SENDER_MISMATCH")));
    assert_eq!(h[1]["reason"], "DMARC_FAIL");
    assert!(visitor_messages(&s).await.iter().all(|m| !m["body"].as_str().unwrap().contains("new address")), "nothing posted as the visitor");
    // The team hears of it in the conversation, privately.
    let notes: Vec<Value> = s.app.messages(&s.owner.token, &s.conv).await.into_iter().filter(|m| m["senderKind"] == "SYSTEM").collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes.iter().all(|n| n["isPrivate"] == true && n["body"].as_str().unwrap().contains("was held")), "{notes:?}");

    // Another organization's agent sees and touches none of it.
    let other = s.app.sign_up("Eve").await;
    let q = "query($c: ID!) { heldEmails(conversationId: $c) { id } }";
    assert_eq!(s.app.err(Some(&other.token), q, json!({ "c": s.conv })).await, "NOT_FOUND");
    let release = "mutation($id: ID!) { releaseHeldEmail(id: $id) { body senderKind } }";
    assert_eq!(s.app.err(Some(&other.token), release, json!({ "id": h[0]["id"] })).await, "NOT_FOUND");

    // Released: posted as the visitor's message. Discarded: gone.
    let posted = s.app.ok(Some(&s.owner.token), release, json!({ "id": h[0]["id"] })).await;
    assert_eq!(posted["releaseHeldEmail"], json!({ "body": "Please send the order to my new address instead", "senderKind": "VISITOR" }));
    let discard = "mutation($id: ID!) { discardHeldEmail(id: $id) }";
    s.app.ok(Some(&s.owner.token), discard, json!({ "id": h[1]["id"] })).await;
    assert!(held(&s).await.is_empty());
    assert_eq!(s.app.err(Some(&s.owner.token), release, json!({ "id": h[1]["id"] })).await, "NOT_FOUND", "a discarded email stays gone");
    assert!(visitor_messages(&s).await.iter().all(|m| !m["body"].as_str().unwrap().contains("Refund")));
}

#[tokio::test]
async fn a_stranger_cannot_fill_a_conversation_with_held_emails() {
    let s = setup(1 << 20).await;
    for i in 0..10 {
        let raw = raw_mail("mallory@evil.test", &s.reply_to, &format!("<flood-{i}@evil.test>"), "", "spam");
        send_raw(&s, "mallory@evil.test", &s.reply_to, &raw).await.expect("held");
    }
    // Past ten an hour: try again later (the sender's server keeps it, we store nothing).
    let raw = raw_mail("mallory@evil.test", &s.reply_to, "<flood-10@evil.test>", "", "spam");
    let e = send_raw(&s, "mallory@evil.test", &s.reply_to, &raw).await.expect_err("over the hour's holds");
    assert!(e.is_transient(), "{e}");
    assert_eq!(held(&s).await.len(), 10);
    let files = std::fs::read_dir(s.app.app.settings.data_dir.join("files").join("held")).unwrap().count();
    assert_eq!(files, 10, "one raw copy per held email");
}

#[tokio::test]
async fn the_listener_refuses_other_addresses_forged_tokens_oversized_mail_and_garbage() {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
    let s = setup(64 * 1024).await;
    let forged = {
        // The same conversation with a MAC of zeros, and another domain.
        let (local, _) = s.reply_to.split_once('@').unwrap();
        let (id, _) = local.rsplit_once('.').unwrap();
        format!("{id}.00000000000000000000@{REPLY_DOMAIN}")
    };
    // Postmaster takes mail (RFC 5321), which goes nowhere but the log.
    let to_postmaster = raw_mail("ops@example.test", "postmaster@reply.example.test", "<pm-1@example.test>", "", "hello postmaster");
    send_raw(&s, "ops@example.test", "Postmaster@Reply.Example.Test", &to_postmaster).await.expect("postmaster takes mail");
    for to in [forged.as_str(), "someone@reply.example.test", &s.reply_to.replace(REPLY_DOMAIN, "other.test")] {
        let raw = raw_mail("kim@example.test", to, "<f-1@example.test>", "", "hello");
        let e = send_raw(&s, "kim@example.test", to, &raw).await.expect_err(to);
        assert!(e.is_permanent(), "{to}: {e}");
    }

    // Over the size cap: refused after the data, and nothing posted.
    let big = raw_mail("kim@example.test", &s.reply_to, "<big@example.test>", "", &"A long line of text.\r\n".repeat(4000));
    let e = send_raw(&s, "kim@example.test", &s.reply_to, &big).await.expect_err("too large");
    assert!(e.to_string().contains("552") || e.is_permanent(), "{e}");
    assert!(visitor_messages(&s).await.iter().all(|m| !m["body"].as_str().unwrap().contains("A long line")));

    // By hand: a command line past the cap closes the session; unknown commands are
    // counted and the connection is closed after ten.
    let addr = s.app.smtp.unwrap();
    let sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (r, mut w) = sock.into_split();
    let mut lines = BufReader::new(r).lines();
    assert!(lines.next_line().await.unwrap().unwrap().starts_with("220 "));
    w.write_all(format!("HELO {}\r\n", "x".repeat(5000)).as_bytes()).await.unwrap();
    assert!(lines.next_line().await.unwrap().unwrap().starts_with("500 "));
    assert!(lines.next_line().await.unwrap().is_none(), "closed");

    let sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (r, mut w) = sock.into_split();
    let mut lines = BufReader::new(r).lines();
    lines.next_line().await.unwrap();
    for _ in 0..10 {
        w.write_all(b"BOGUS\r\n").await.unwrap();
    }
    let mut answers = Vec::new();
    while let Ok(Some(l)) = lines.next_line().await {
        answers.push(l);
    }
    assert_eq!(answers.iter().filter(|l| l.starts_with("502 ")).count(), 10, "{answers:?}");
    assert!(answers.last().unwrap().starts_with("421 "), "{answers:?}");
    // DATA before any recipient is refused.
    let sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (r, mut w) = sock.into_split();
    let mut lines = BufReader::new(r).lines();
    lines.next_line().await.unwrap();
    w.write_all(b"EHLO t\r\nMAIL FROM:<a@b.test> SIZE=999999999\r\nMAIL FROM:<a@b.test>\r\nDATA\r\nQUIT\r\n").await.unwrap();
    let mut answers = Vec::new();
    while let Ok(Some(l)) = lines.next_line().await {
        answers.push(l);
    }
    assert!(answers.iter().any(|l| l.starts_with("250-SIZE 65536")), "{answers:?}");
    assert!(answers.iter().any(|l| l.starts_with("552 ")), "SIZE over the cap: {answers:?}");
    assert!(answers.iter().any(|l| l.starts_with("503 ")), "DATA without RCPT: {answers:?}");
    assert!(answers.last().unwrap().starts_with("221 "), "{answers:?}");
}

/// `v1=` HMAC-SHA256 of `<timestamp>.<body>`.
fn sign(secret: &str, ts: i64, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

async fn post_inbound(app: &TestApp, ts: i64, sig: Option<String>, body: Vec<u8>) -> (u16, Value) {
    let mut req = app.http.post(format!("{}/inbound/email", app.url.trim_end_matches("/graphql"))).header("chinwag-timestamp", ts.to_string());
    if let Some(sig) = sig {
        req = req.header("chinwag-signature", sig);
    }
    let r = req.body(body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_http_endpoint_takes_signed_raw_mime_threaded_by_in_reply_to_and_refuses_the_rest() {
    let s = setup(64 * 1024).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    // Sent to an address that lost its token (a forwarding rule): threading finds it.
    let extra = format!("In-Reply-To: {}\r\nReferences: <other@x.test> {}\r\n", s.message_id, s.message_id);
    let raw = raw_mail("Kim <KIM@example.test>", "support@shop.test", "<h-1@example.test>", &extra, "Tuesday works for me\r\n\r\n> quoted").into_bytes();

    assert_eq!(post_inbound(&s.app, now, None, raw.clone()).await.0, 401, "unsigned");
    assert_eq!(post_inbound(&s.app, now, Some(sign("wrong", now, &raw)), raw.clone()).await.0, 401, "another secret");
    assert_eq!(post_inbound(&s.app, now - 600, Some(sign(SECRET, now - 600, &raw)), raw.clone()).await.0, 401, "a stale replay");
    let mut tampered = raw.clone();
    tampered.extend_from_slice(b"P.S. and a refund");
    assert_eq!(post_inbound(&s.app, now, Some(sign(SECRET, now, &raw)), tampered).await.0, 401, "a changed body");
    assert!(visitor_messages(&s).await.iter().all(|m| m["body"] != "Tuesday works for me"));

    let (status, body) = post_inbound(&s.app, now, Some(sign(SECRET, now, &raw)), raw.clone()).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("posted")), "{body}");
    let (status, body) = post_inbound(&s.app, now, Some(sign(SECRET, now, &raw)), raw.clone()).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("duplicate")), "{body}");
    assert_eq!(visitor_messages(&s).await.iter().filter(|m| m["body"] == "Tuesday works for me").count(), 1);

    // No conversation (no token anywhere, or a forged one): 422, so the MTA bounces it.
    let lost = raw_mail("kim@example.test", "support@shop.test", "<h-2@example.test>", "", "hi").into_bytes();
    let (status, body) = post_inbound(&s.app, now, Some(sign(SECRET, now, &lost)), lost).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    // Over the size cap.
    let big = vec![b'a'; 70 * 1024];
    assert_eq!(post_inbound(&s.app, now, Some(sign(SECRET, now, &big)), big).await.0, 413);
    // Not an email at all, signed: refused, nothing changes.
    let junk = b"\x00\x01 not mime".to_vec();
    assert_eq!(post_inbound(&s.app, now, Some(sign(SECRET, now, &junk)), junk).await.0, 422);

    // A server without the secret has no such endpoint.
    let plain = spawn_app().await;
    assert_eq!(post_inbound(&plain, now, Some(sign(SECRET, now, &raw)), raw).await.0, 404);
}

#[tokio::test]
async fn erasing_the_visitor_deletes_held_emails_and_its_address_stops_working() {
    let s = setup(1 << 20).await;
    let stranger = raw_mail("mallory@evil.test", &s.reply_to, "<e-1@evil.test>", "", "secret words");
    send_raw(&s, "mallory@evil.test", &s.reply_to, &stranger).await.unwrap();
    assert_eq!(held(&s).await.len(), 1);
    let held_dir = s.app.app.settings.data_dir.join("files").join("held");
    assert_eq!(walk(&held_dir).len(), 1, "the raw email is kept while held");
    let vid = s.app.ok(Some(&s.owner.token), "query($c: ID!) { conversation(id: $c) { visitor { id } } }", json!({ "c": s.conv })).await["conversation"]
        ["visitor"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let erase = "mutation($v: ID!) { eraseVisitor(input: {visitorId: $v}) { id } }";
    s.app.ok(Some(&s.owner.token), erase, json!({ "v": vid })).await;
    // The erasure runs as a job.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let raw = raw_mail("kim@example.test", &s.reply_to, "<e-2@example.test>", "", "still there?");
        if let Err(e) = send_raw(&s, "kim@example.test", &s.reply_to, &raw).await {
            assert!(e.is_permanent(), "{e}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the address still takes mail after the erasure");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let files = walk(&held_dir);
    assert!(files.is_empty(), "the held raw email is deleted: {files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default()
}
