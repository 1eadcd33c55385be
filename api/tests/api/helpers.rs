//! The test fixture: a real server on port 0 with a fresh database (a temp SQLite
//! file, or a PostgreSQL database cloned from a migrated template), plus clients for
//! HTTP and graphql-transport-ws.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use chinwag::app::App;
use chinwag::config::Settings;
use chinwag::startup::Application;

pub const WAIT: Duration = Duration::from_secs(10);

/// A client of one server: HTTP and graphql-transport-ws helpers.
pub struct Client {
    pub url: String,
    pub ws_url: String,
    pub http: reqwest::Client,
}

impl Client {
    /// For a server at `http://host:port`.
    pub fn new(base: &str) -> Client {
        let base = base.trim_end_matches('/');
        Client { url: format!("{base}/graphql"), ws_url: format!("{}/graphql", base.replacen("http", "ws", 1)), http: reqwest::Client::new() }
    }
}

pub struct TestApp {
    pub client: Client,
    pub app: Arc<App>,
    /// The inbound SMTP listener, when the settings turn it on.
    pub smtp: Option<std::net::SocketAddr>,
    dir: Option<tempfile::TempDir>,
    pg_db: Option<String>,
    settings: Settings,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server; `tweak` adjusts settings (limits, grace windows) first.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with_clock(tweak, Arc::new(chinwag::jobs::SystemClock)).await
}

/// As `spawn_app_with`, with jobs on `clock` (a `ManualClock` the test moves).
pub async fn spawn_app_with_clock(tweak: impl FnOnce(&mut Settings), clock: Arc<dyn chinwag::jobs::Clock>) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::defaults();
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.data_dir = dir.path().to_path_buf();
    settings.limits.rate_limits = "off".into();
    let pg_db = if std::env::var("CHINWAG_TEST_DATABASE").as_deref() == Ok("postgres") {
        let (url, name) = pg::fresh_database().await;
        settings.database_url = Some(url);
        Some(name)
    } else {
        None
    };
    tweak(&mut settings);
    start(settings, Some(dir), pg_db, clock).await
}

async fn start(settings: Settings, dir: Option<tempfile::TempDir>, pg_db: Option<String>, clock: Arc<dyn chinwag::jobs::Clock>) -> TestApp {
    let application = Application::build_with_clock(settings.clone(), clock).await.expect("server builds");
    let port = application.port();
    let app = application.app();
    let smtp = application.smtp_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(application.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp { client: Client::new(&format!("http://127.0.0.1:{port}")), app, smtp, dir, pg_db, settings, stop: Some(stop), server: Some(server) }
}

impl TestApp {
    /// Stops this server as a SIGTERM would (running jobs finish within the grace period
    /// or are given back) and starts another on the same database and data dir, with
    /// `tweak` applied to the same settings.
    pub async fn restart(mut self, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        self.stop_server().await;
        let mut settings = self.settings.clone();
        settings.listen = "127.0.0.1:0".parse().unwrap();
        tweak(&mut settings);
        let (dir, pg_db) = (self.dir.take(), self.pg_db.take());
        start(settings, dir, pg_db, Arc::new(chinwag::jobs::SystemClock)).await
    }

    /// Stops the server and waits until it has (its workers and store are closed).
    pub async fn stop_server(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// The jobs in the store, newest first (any organization), but the daily retention
    /// run and the analytics rollup every server schedules at start.
    pub async fn jobs(&self) -> Vec<chinwag::jobs::JobRow> {
        self.all_jobs().await.into_iter().filter(|j| j.kind != chinwag::app::RETENTION && j.kind != chinwag::app::analytics::ANALYTICS_ROLLUP).collect()
    }

    /// Every job in the store, newest first.
    pub async fn all_jobs(&self) -> Vec<chinwag::jobs::JobRow> {
        self.app.store.jobs_page(None, None, None, None, 1000).await.expect("jobs")
    }

    /// Waits until `n` live streams of this server listen on the bus and know where they
    /// start (`chinwag_live_streams`): then their subscriptions miss nothing sent after.
    /// Live subscribers of one audience share one stream.
    pub async fn wait_live_streams(&self, n: i64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.app.metrics.live_streams.get() < n {
            assert!(tokio::time::Instant::now() < deadline, "{n} live streams never registered");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

impl std::ops::Deref for TestApp {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(db) = self.pg_db.take() {
            // Drop runs outside async: clean up on a thread of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(pg::drop_database(&db));
            })
            .join();
        }
    }
}

#[derive(Clone, Debug)]
pub struct Agent {
    pub id: String,
    pub token: String,
    pub refresh: String,
    pub email: String,
}

#[derive(Clone, Debug)]
pub struct Site {
    pub id: String,
    pub key: String,
}

#[derive(Clone, Debug)]
pub struct Visitor {
    pub id: String,
    pub token: String,
    pub resume: String,
}

impl Client {
    /// POSTs an operation and returns the whole JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self.http.post(&self.url).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request").json().await.expect("JSON body")
    }

    /// The `data` of a response that must have no errors.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let r = self.gql(token, query, variables).await;
        assert!(r.get("errors").is_none(), "unexpected errors: {r}");
        r["data"].clone()
    }

    /// The `extensions.code` of the first error; panics when there is none.
    pub async fn err(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let r = self.gql(token, query, variables).await;
        code_of(&r)
    }

    pub async fn sign_up(&self, who: &str) -> Agent {
        let email = format!("{who}-{}@example.com", chinwag::ids::new_id("e").to_lowercase());
        let d = self
            .ok(
                None,
                "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken agent { id } } }",
                json!({ "i": { "organizationName": format!("{who} Inc"), "name": who, "email": email, "password": "correct horse battery" } }),
            )
            .await;
        Agent {
            id: d["signUp"]["agent"]["id"].as_str().unwrap().into(),
            token: d["signUp"]["accessToken"].as_str().unwrap().into(),
            refresh: d["signUp"]["refreshToken"].as_str().unwrap().into(),
            email,
        }
    }

    /// Invites and accepts a second agent into `owner`'s organization.
    pub async fn add_agent(&self, owner: &Agent, who: &str, role: &str) -> Agent {
        let email = format!("{who}-{}@example.com", chinwag::ids::new_id("e").to_lowercase());
        let d = self
            .ok(Some(&owner.token), "mutation($i: InviteAgentInput!) { inviteAgent(input: $i) { token } }", json!({ "i": { "email": email, "role": role } }))
            .await;
        let token = d["inviteAgent"]["token"].as_str().unwrap();
        let d = self
            .ok(
                None,
                "mutation($i: AcceptInviteInput!) { acceptInvite(input: $i) { accessToken refreshToken agent { id } } }",
                json!({ "i": { "token": token, "name": who, "password": "another good password" } }),
            )
            .await;
        Agent {
            id: d["acceptInvite"]["agent"]["id"].as_str().unwrap().into(),
            token: d["acceptInvite"]["accessToken"].as_str().unwrap().into(),
            refresh: d["acceptInvite"]["refreshToken"].as_str().unwrap().into(),
            email,
        }
    }

    pub async fn create_website(&self, owner: &Agent, origins: &[&str]) -> Site {
        let d = self
            .ok(
                Some(&owner.token),
                "mutation($i: CreateWebsiteInput!) { createWebsite(input: $i) { id publicKey } }",
                json!({ "i": { "name": "Shop", "allowedOrigins": origins } }),
            )
            .await;
        Site { id: d["createWebsite"]["id"].as_str().unwrap().into(), key: d["createWebsite"]["publicKey"].as_str().unwrap().into() }
    }

    pub async fn visitor(&self, site: &Site) -> Visitor {
        self.visitor_with(site, json!({})).await
    }

    pub async fn visitor_with(&self, site: &Site, extra: Value) -> Visitor {
        let mut input = json!({ "websiteKey": site.key });
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let d = self
            .ok(None, "mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token resumeToken visitor { id } } }", json!({ "i": input }))
            .await;
        let s = &d["startVisitorSession"];
        Visitor {
            id: s["visitor"]["id"].as_str().unwrap().into(),
            token: s["token"].as_str().unwrap().into(),
            resume: s["resumeToken"].as_str().unwrap().into(),
        }
    }

    pub async fn start_conversation(&self, v: &Visitor, body: Option<&str>) -> String {
        let d =
            self.ok(Some(&v.token), "mutation($i: StartConversationInput!) { startConversation(input: $i) { id } }", json!({ "i": { "body": body } })).await;
        d["startConversation"]["id"].as_str().unwrap().into()
    }

    /// Sends and returns the full response (for error checks use `code_of`).
    pub async fn send_raw(&self, token: &str, conversation: &str, body: &str, client_id: Option<&str>, private: bool) -> Value {
        self.gql(
            Some(token),
            "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id seq body senderKind isPrivate clientMessageId conversationId createdAt } }",
            json!({ "i": { "conversationId": conversation, "body": body, "clientMessageId": client_id, "isPrivate": private } }),
        )
        .await
    }

    pub async fn send(&self, token: &str, conversation: &str, body: &str) -> Value {
        let r = self.send_raw(token, conversation, body, None, false).await;
        assert!(r.get("errors").is_none(), "send failed: {r}");
        r["data"]["sendMessage"].clone()
    }

    /// Messages as the token's holder sees them (latest 200).
    pub async fn messages(&self, token: &str, conversation: &str) -> Vec<Value> {
        let d = self
            .ok(
                Some(token),
                "query($id: ID!) { conversation(id: $id) { messages(last: 200) { nodes { id seq body isPrivate senderKind } } } }",
                json!({ "id": conversation }),
            )
            .await;
        d["conversation"]["messages"]["nodes"].as_array().unwrap().clone()
    }

    /// A socket past `connection_ack`.
    pub async fn ws(&self, token: &str) -> Ws {
        let mut ws = self.ws_raw().await;
        ws.send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } })).await;
        let ack = ws.next().await.expect("ack");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }

    /// A socket that has only done the handshake.
    pub async fn ws_raw(&self) -> Ws {
        let mut req = self.ws_url.as_str().into_client_request().unwrap();
        req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
        let (inner, resp) = tokio_tungstenite::connect_async(req).await.expect("ws connect");
        assert_eq!(resp.headers().get("sec-websocket-protocol").unwrap(), "graphql-transport-ws");
        Ws { inner }
    }
}

pub fn code_of(r: &Value) -> String {
    r["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("expected an error with a code, got {r}")).to_owned()
}

pub struct Ws {
    pub inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What the server did with the socket when we waited for the next frame.
#[derive(Debug)]
pub enum Next {
    Msg(Value),
    Closed(u16),
}

impl Ws {
    pub async fn send(&mut self, v: Value) {
        self.inner.send(WsMessage::Text(v.to_string().into())).await.expect("ws send");
    }

    pub async fn send_text(&mut self, s: &str) {
        self.inner.send(WsMessage::Text(s.to_owned().into())).await.expect("ws send");
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } })).await;
    }

    /// The next protocol message or the close code, within `WAIT`.
    pub async fn next_event(&mut self) -> Next {
        self.next_within(WAIT).await.unwrap_or_else(|| panic!("nothing from the server within {WAIT:?}"))
    }

    pub async fn next_within(&mut self, d: Duration) -> Option<Next> {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            let m = tokio::time::timeout_at(deadline, self.inner.next()).await.ok()?;
            match m {
                Some(Ok(WsMessage::Text(t))) => return Some(Next::Msg(serde_json::from_str(t.as_str()).expect("JSON frame"))),
                Some(Ok(WsMessage::Close(frame))) => return Some(Next::Closed(frame.map(|f| u16::from(f.code)).unwrap_or(u16::from(CloseCode::Status)))),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Some(Next::Closed(1006)),
            }
        }
    }

    /// The next protocol message; panics on close.
    pub async fn next(&mut self) -> Option<Value> {
        match self.next_event().await {
            Next::Msg(v) => Some(v),
            Next::Closed(c) => panic!("socket closed with {c} while a message was expected"),
        }
    }

    /// The next `next` payload's data for operation `id`, skipping other operations.
    pub async fn next_data(&mut self, id: &str) -> Value {
        loop {
            let m = self.next().await.unwrap();
            if m["id"] == id {
                assert_eq!(m["type"], "next", "expected data for {id}, got {m}");
                assert!(m["payload"].get("errors").is_none(), "errors in stream: {m}");
                return m["payload"]["data"].clone();
            }
        }
    }

    /// Waits for the server to close the socket and returns the code.
    pub async fn closed(&mut self) -> u16 {
        loop {
            match self.next_event().await {
                Next::Closed(c) => return c,
                Next::Msg(_) => continue,
            }
        }
    }

    /// Asserts nothing arrives for `d`.
    pub async fn quiet_for(&mut self, d: Duration) -> Result<(), Value> {
        match self.next_within(d).await {
            None => Ok(()),
            Some(Next::Msg(v)) => Err(v),
            Some(Next::Closed(c)) => Err(json!({ "closed": c })),
        }
    }
}

pub const CONVERSATION_EVENTS: &str = "subscription($c: ID!, $after: ID) { conversationEvents(conversationId: $c, after: $after) { \
    __typename \
    ... on MessageAdded { message { id seq body isPrivate senderKind } } \
    ... on TypingChanged { isTyping senderKind } \
    ... on ReadReceipt { messageId readerKind seq } \
    ... on ConversationUpdated { conversation { id status } } } }";

/// The next event of `typename` from operation `id` (whose root field is `field`),
/// skipping other kinds (presence, typing, ...).
pub async fn next_of_type(ws: &mut Ws, id: &str, field: &str, typename: &str) -> Value {
    loop {
        let ev = ws.next_data(id).await[field].clone();
        if ev["__typename"] == typename {
            return ev;
        }
    }
}

/// Collects `n` MessageAdded events from operation `id`, skipping other event kinds.
pub async fn collect_messages(ws: &mut Ws, id: &str, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < n {
        let d = ws.next_data(id).await;
        let ev = &d["conversationEvents"];
        if ev["__typename"] == "MessageAdded" {
            out.push(ev["message"].clone());
        }
    }
    out
}

/// A real SMTP server on a local port that keeps what it receives (enough of RFC 5321
/// for lettre: EHLO, MAIL, RCPT, DATA, QUIT).
pub struct SmtpSink {
    pub port: u16,
    pub mails: Arc<std::sync::Mutex<Vec<String>>>,
    mode: Arc<std::sync::atomic::AtomicU8>,
    /// Deliveries held without an answer (`SmtpMode::Stall`).
    pub stalled: Arc<std::sync::atomic::AtomicUsize>,
}

/// What the sink answers at the end of a message's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpMode {
    /// `250`: taken.
    Accept = 0,
    /// `451`: try again later (a transient failure).
    Defer = 1,
    /// No answer at all, ever (a server that hangs mid-delivery).
    Stall = 2,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
        let mode: Arc<std::sync::atomic::AtomicU8> = Arc::default();
        let stalled: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let store = mails.clone();
        let (mode_in, stalled_in) = (mode.clone(), stalled.clone());
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let store = store.clone();
                let (mode, stalled) = (mode_in.clone(), stalled_in.clone());
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                    let mut data: Option<String> = None;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if let Some(d) = data.as_mut() {
                            if line == "." {
                                let mail = data.take().unwrap();
                                match mode.load(std::sync::atomic::Ordering::SeqCst) {
                                    0 => {
                                        store.lock().unwrap().push(mail);
                                        let _ = w.write_all(b"250 queued\r\n").await;
                                    }
                                    1 => {
                                        let _ = w.write_all(b"451 try again later\r\n").await;
                                    }
                                    _ => {
                                        stalled.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                                        std::future::pending::<()>().await;
                                    }
                                }
                            } else {
                                d.push_str(&line);
                                d.push('\n');
                            }
                            continue;
                        }
                        let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" | "HELO" => b"250 sink\r\n",
                            "DATA" => {
                                data = Some(String::new());
                                b"354 go ahead\r\n"
                            }
                            "QUIT" => {
                                let _ = w.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => b"250 ok\r\n",
                        };
                        let _ = w.write_all(reply).await;
                    }
                });
            }
        });
        SmtpSink { port, mails, mode, stalled }
    }

    pub fn set_mode(&self, mode: SmtpMode) {
        self.mode.store(mode as u8, std::sync::atomic::Ordering::SeqCst);
    }

    /// Waits until `n` deliveries are held by `SmtpMode::Stall`.
    pub async fn wait_stalled(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.stalled.load(std::sync::atomic::Ordering::SeqCst) < n {
            assert!(tokio::time::Instant::now() < deadline, "no delivery reached the sink");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits for a mail whose text contains `needle`.
    pub async fn wait_for(&self, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(m) = self.mails.lock().unwrap().iter().find(|m| m.replace("=\n", "").replace("=3D", "=").contains(needle)) {
                return m.clone();
            }
            assert!(tokio::time::Instant::now() < deadline, "no email containing {needle:?}; got {:?}", self.mails.lock().unwrap());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn count(&self) -> usize {
        self.mails.lock().unwrap().len()
    }
}

/// Hex HMAC-SHA256 of `data` with `secret`: what a site's server computes for identity
/// verification (`userHash` over the external id, `emailHash` over `email:` + the email).
pub fn hmac_hex(secret: &str, data: &str) -> String {
    use hmac::Mac as _;
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(data.as_bytes());
    chinwag::ids::hex(&m.finalize().into_bytes())
}

/// The token after `token=` in an email body (quoted-printable soft breaks removed).
pub fn token_in(mail: &str) -> String {
    let flat = mail.replace("=\n", "").replace("=3D", "=");
    let start = flat.find("token=").expect("a link with a token") + 6;
    flat[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')).collect()
}

pub mod pg {
    //! PostgreSQL test databases: a template migrated once per schema version (under an
    //! advisory lock, so parallel test processes agree), then one clone per test.

    use sqlx::Connection as _;

    fn base_url() -> String {
        std::env::var("CHINWAG_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
    }

    fn url_for(db: &str) -> String {
        let base = base_url();
        let (prefix, _) = base.rsplit_once('/').expect("URL has a database path");
        format!("{prefix}/{db}")
    }

    /// Named after the migrations' content, so a new migration gets a new template.
    fn template_name() -> String {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
        let mut files: Vec<_> = std::fs::read_dir(&dir).expect("migrations dir").flatten().map(|e| e.path()).collect();
        files.sort();
        let all: Vec<u8> = files.iter().flat_map(|f| std::fs::read(f).unwrap()).collect();
        format!("chinwag_tpl_{}", &chinwag::ids::sha256_hex(&all)[..12])
    }

    pub async fn fresh_database() -> (String, String) {
        let mut admin = sqlx::PgConnection::connect(&base_url()).await.expect("PostgreSQL for tests (CHINWAG_TEST_POSTGRES_URL)");
        let tpl = template_name();
        sqlx::query("select pg_advisory_lock(727274)").execute(&mut admin).await.unwrap();
        let exists: Option<i32> = sqlx::query_scalar("select 1 from pg_database where datname = $1").bind(&tpl).fetch_optional(&mut admin).await.unwrap();
        if exists.is_none() {
            sqlx::query(&format!("create database \"{tpl}\"")).execute(&mut admin).await.unwrap();
            let store = chinwag::store::Store::open(Some(&url_for(&tpl)), std::path::Path::new(".")).await.expect("migrate template");
            store.close().await;
        }
        sqlx::query("select pg_advisory_unlock(727274)").execute(&mut admin).await.unwrap();
        let name = format!("chinwag_t_{}", chinwag::ids::new_id("x").to_lowercase().replace("x_", ""));
        let mut tries = 0;
        loop {
            // Two clones of one template at the same instant can collide; retry briefly.
            match sqlx::query(&format!("create database \"{name}\" template \"{tpl}\"")).execute(&mut admin).await {
                Ok(_) => break,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot create test database: {e}"),
            }
        }
        (url_for(&name), name)
    }

    pub async fn drop_database(name: &str) {
        if let Ok(mut admin) = sqlx::PgConnection::connect(&base_url()).await {
            let _ = sqlx::query(&format!("drop database if exists \"{name}\" with (force)")).execute(&mut admin).await;
        }
    }
}

/// The sentence-embedding model's directory for tests of the semantic layer
/// (`CHINWAG_TEST_EMBEDDING_MODEL`, which `./scripts/test` fetches); `None` skips them,
/// except under `CI=true`, where its absence fails.
pub fn embedding_model() -> Option<std::path::PathBuf> {
    match std::env::var_os("CHINWAG_TEST_EMBEDDING_MODEL") {
        Some(dir) => Some(dir.into()),
        None => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "CHINWAG_TEST_EMBEDDING_MODEL is not set under CI=true");
            eprintln!("CHINWAG_TEST_EMBEDDING_MODEL not set: skipped");
            None
        }
    }
}
