//! Attachments: upload, attach, download through signed links.

use serde_json::{json, Value};

use crate::helpers::*;

pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

pub(crate) async fn upload(app: &TestApp, token: &str, conv: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let base = app.url.trim_end_matches("/graphql");
    let r =
        app.http.post(format!("{base}/uploads")).query(&[("conversationId", conv), ("filename", name)]).bearer_auth(token).body(bytes).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn files_are_uploaded_attached_and_downloaded_through_signed_links() {
    let app = spawn_app_with(|s| s.limits.max_upload_bytes = 64 * 1024).await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("here is a screenshot")).await;
    let base = app.url.trim_end_matches("/graphql").to_owned();

    let (status, up) = upload(&app, &v.token, &conv, "../screen shot.png", PNG.to_vec()).await;
    assert_eq!(status, 201, "{up}");
    assert_eq!(up["contentType"], "image/png", "sniffed from the bytes");
    assert_eq!(up["filename"], "screen shot.png", "no paths");
    let send = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id body attachments { id filename contentType size url isImage } } }";
    let d = app.ok(Some(&v.token), send, json!({ "i": { "conversationId": conv, "body": "", "attachmentIds": [up["id"]] } })).await;
    let att = d["sendMessage"]["attachments"][0].clone();
    assert_eq!(d["sendMessage"]["body"], "", "an empty body is fine with a file");
    assert_eq!(att["isImage"], true);

    // The agent sees it too, and the link works without a token.
    let msgs = app.ok(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { messages { nodes { attachments { url } } } } }", json!({ "c": conv })).await;
    let url = msgs["conversation"]["messages"]["nodes"][1]["attachments"][0]["url"].as_str().unwrap().to_owned();
    let got = app.http.get(format!("{base}{url}")).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.headers()["x-content-type-options"], "nosniff");
    assert_eq!(got.bytes().await.unwrap().as_ref(), PNG);
    let forged = url.replace("sig=", "sig=x");
    assert_eq!(app.http.get(format!("{base}{forged}")).send().await.unwrap().status(), 403);

    // Active content is only ever downloaded.
    let (_, svg) = upload(&app, &v.token, &conv, "x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec()).await;
    let d = app.ok(Some(&v.token), send, json!({ "i": { "conversationId": conv, "body": "vector", "attachmentIds": [svg["id"]] } })).await;
    let url = d["sendMessage"]["attachments"][0]["url"].as_str().unwrap().to_owned();
    let r = app.http.get(format!("{base}{url}")).send().await.unwrap();
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(d["sendMessage"]["attachments"][0]["isImage"], false);

    // A name beyond ASCII keeps its name (RFC 6266 filename*), with an ASCII fallback.
    let (_, named) = upload(&app, &v.token, &conv, "reçu n°2.txt", b"thanks".to_vec()).await;
    let d = app.ok(Some(&v.token), send, json!({ "i": { "conversationId": conv, "body": "receipt", "attachmentIds": [named["id"]] } })).await;
    let url = d["sendMessage"]["attachments"][0]["url"].as_str().unwrap().to_owned();
    let r = app.http.get(format!("{base}{url}")).send().await.unwrap();
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"re_u n_2.txt\"; filename*=UTF-8''re%C3%A7u%20n%C2%B02.txt");
}

#[tokio::test]
async fn uploads_refuse_bad_input_and_other_peoples_files() {
    let app = spawn_app_with(|s| s.limits.max_upload_bytes = 1024).await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("hi")).await;
    let other = app.visitor(&site).await;
    let other_conv = app.start_conversation(&other, Some("hi")).await;

    let (status, e) = upload(&app, &v.token, &conv, "big.bin", vec![7u8; 2048]).await;
    assert_eq!((status, e["errors"][0]["extensions"]["code"].as_str()), (413, Some("BAD_USER_INPUT")));
    assert_eq!(upload(&app, "not-a-token", &conv, "a.png", PNG.to_vec()).await.0, 401);
    assert_eq!(upload(&app, &other.token, &conv, "a.png", PNG.to_vec()).await.0, 404, "not their conversation");

    let (_, mine) = upload(&app, &v.token, &conv, "a.png", PNG.to_vec()).await;
    let send = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }";
    // Another visitor cannot send it, nor can it go to another conversation.
    assert_eq!(
        app.err(Some(&other.token), send, json!({ "i": { "conversationId": other_conv, "body": "x", "attachmentIds": [mine["id"]] } })).await,
        "NOT_FOUND"
    );
    assert_eq!(app.err(Some(&v.token), send, json!({ "i": { "conversationId": conv, "body": "", "attachmentIds": [] } })).await, "BAD_USER_INPUT");
    app.ok(Some(&v.token), send, json!({ "i": { "conversationId": conv, "body": "ok", "attachmentIds": [mine["id"]] } })).await;
    assert_eq!(
        app.err(Some(&v.token), send, json!({ "i": { "conversationId": conv, "body": "again", "attachmentIds": [mine["id"]] } })).await,
        "NOT_FOUND",
        "a file is sent once"
    );
}

/// An S3-compatible server for the test: moto's, on a free port (the test command
/// installs it; under CI its absence is a failure, elsewhere a skip).
pub(crate) struct S3Server(std::process::Child, pub(crate) u16);

impl S3Server {
    pub(crate) fn start() -> Option<S3Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let server = S3Server(child, port);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }
}

/// A server whose files live in a fresh bucket of a moto S3 server; none (the test
/// skips) when moto is missing, which fails under CI.
pub(crate) async fn s3_app() -> Option<(S3Server, TestApp)> {
    let Some(s3) = S3Server::start() else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "an S3-compatible test server (python3 -m moto.server) is required under CI");
        eprintln!("skipping: no moto S3 server (pip install 'moto[server]')");
        return None;
    };
    let endpoint = format!("http://127.0.0.1:{}", s3.1);
    // Create the bucket through the S3 API itself.
    assert!(reqwest::Client::new().put(format!("{endpoint}/chinwag-files")).send().await.unwrap().status().is_success());
    let app = spawn_app_with(move |s| {
        s.s3_bucket = Some("chinwag-files".into());
        s.s3_endpoint = Some(endpoint);
        s.s3_access_key_id = Some("test".into());
        s.s3_secret_access_key = Some("test".into());
    })
    .await;
    Some((s3, app))
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn attachments_can_live_in_s3_compatible_storage() {
    let Some((s3, app)) = s3_app().await else { return };
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor(&site).await;
    let conv = app.start_conversation(&v, Some("hi")).await;
    let (status, up) = upload(&app, &v.token, &conv, "pic.png", PNG.to_vec()).await;
    assert_eq!(status, 201, "{up}");
    let d = app
        .ok(
            Some(&v.token),
            "mutation($i: SendMessageInput!) { sendMessage(input: $i) { attachments { url } } }",
            json!({ "i": { "conversationId": conv, "body": "", "attachmentIds": [up["id"]] } }),
        )
        .await;
    let url = d["sendMessage"]["attachments"][0]["url"].as_str().unwrap().to_owned();
    let base = app.url.trim_end_matches("/graphql");
    assert_eq!(app.http.get(format!("{base}{url}")).send().await.unwrap().bytes().await.unwrap().as_ref(), PNG);
    // The bytes are in the bucket, not on the local disk.
    assert!(!app.app.settings.data_dir.join("files").exists());
    let listing = reqwest::Client::new().get(format!("http://127.0.0.1:{}/chinwag-files?list-type=2", s3.1)).send().await.unwrap().text().await.unwrap();
    assert!(listing.contains("<Key>att/"), "{listing}");
}
