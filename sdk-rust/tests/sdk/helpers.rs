//! The fixture: a real server on port 0 with a fresh database, a TCP proxy that can cut
//! and refuse connections (to drop a client's socket from outside), and waits with
//! deadlines.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chinwag::config::Settings;
use chinwag::startup::Application;
use chinwag_sdk::{Agent, AgentClient, ConversationEvent, ConversationEvents, Message, Website};
use futures_util::StreamExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub const WAIT: Duration = Duration::from_secs(10);

pub struct TestServer {
    pub url: String,
    pub addr: SocketAddr,
    dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    running: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Stops the server gracefully (sockets close with 1012) and starts it again on the
    /// same port and data.
    pub async fn restart(&mut self) {
        let _ = self.stop.take().map(|stop| stop.send(()));
        if let Some(running) = self.running.take() {
            let _ = running.await;
        }
        let mut settings = test_settings(self.dir.path());
        settings.listen = self.addr;
        let (stop, running) = start(settings).await.1;
        self.stop = Some(stop);
        self.running = Some(running);
    }
}

fn test_settings(dir: &std::path::Path) -> Settings {
    let mut settings = Settings::defaults();
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.data_dir = dir.to_path_buf();
    settings.limits.rate_limits = "off".into();
    settings
}

type Running = (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>);

async fn start(settings: Settings) -> (SocketAddr, Running) {
    let application = Application::build(settings).await.expect("server builds");
    let addr: SocketAddr = ([127, 0, 0, 1], application.port()).into();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(application.run_until(async move {
        let _ = stopped.await;
    }));
    (addr, (stop, running))
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn spawn_server() -> TestServer {
    spawn_server_with(|_| {}).await
}

/// Starts a server; `tweak` adjusts settings (token lifetimes, limits) first.
pub async fn spawn_server_with(tweak: impl FnOnce(&mut Settings)) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(dir.path());
    tweak(&mut settings);
    let (addr, (stop, running)) = start(settings).await;
    TestServer { url: format!("http://{addr}"), addr, dir, stop: Some(stop), running: Some(running) }
}

static EMAILS: AtomicU64 = AtomicU64::new(0);

/// A new organization: its owner's client, the owner, and a website.
pub async fn organization(server: &TestServer) -> (AgentClient, Agent, Website) {
    let owner = AgentClient::new(&server.url);
    let n = EMAILS.fetch_add(1, Ordering::Relaxed);
    let me = owner.sign_up("Acme", "Ann", &format!("ann{n}-{}@example.com", std::process::id()), "correct horse battery").await.expect("sign up");
    let site = owner.create_website("Shop", &[]).await.expect("website");
    (owner, me, site)
}

/// The next item of a stream within `WAIT`.
pub async fn next<S: futures_util::Stream + Unpin>(stream: &mut S) -> S::Item {
    tokio::time::timeout(WAIT, stream.next()).await.expect("an event within the deadline").expect("the stream goes on")
}

/// The next `n` messages of a conversation stream, skipping typing, receipts and
/// updates; panics on `Reconnected` unless `allow_reconnect`.
pub async fn messages<C: std::fmt::Debug>(events: &mut ConversationEvents<C>, n: usize) -> Vec<Message> {
    let mut out = Vec::new();
    while out.len() < n {
        match next(events).await.expect("no stream error") {
            ConversationEvent::Message(m) => out.push(m),
            ConversationEvent::Reconnected => panic!("unexpected reconnect"),
            _ => {}
        }
    }
    out
}

/// Nothing but typing, receipts or updates arrives for `d`.
pub async fn no_message_for<C: std::fmt::Debug>(events: &mut ConversationEvents<C>, d: Duration) {
    let deadline = tokio::time::Instant::now() + d;
    while let Ok(item) = tokio::time::timeout_at(deadline, events.next()).await {
        match item {
            Some(Ok(ConversationEvent::Message(m))) => panic!("unexpected message {m:?}"),
            Some(Ok(_)) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// graphql-transport-ws has no acknowledgement for `subscribe`: a stream with no `after`
/// (live only) is given a moment to be registered before the test makes events.
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(200)).await;
}

/// A TCP proxy in front of the server: `cut` breaks every open connection (what a
/// network drop looks like to both ends), `refuse` turns new ones away.
pub struct Proxy {
    pub url: String,
    cut: watch::Sender<u64>,
    refusing: Arc<AtomicBool>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (cut, cut_rx) = watch::channel(0u64);
        let refusing = Arc::new(AtomicBool::new(false));
        let refuse = refusing.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if refuse.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let mut cut_rx = cut_rx.clone();
                cut_rx.mark_unchanged();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut_rx.changed() => {}
                    }
                });
            }
        });
        Proxy { url, cut, refusing }
    }

    pub fn cut(&self) {
        self.cut.send_modify(|g| *g += 1);
    }

    pub fn refuse(&self, on: bool) {
        self.refusing.store(on, Ordering::SeqCst);
    }
}
