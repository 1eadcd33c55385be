//! Live events over graphql-transport-ws: one socket per client, opened when the first
//! subscription starts and closed shortly after the last one ends, reconnected with
//! backoff after any drop (1012 restart, 1013 slow consumer, network loss), with fresh
//! credentials after a 4403. Subscriptions survive reconnects: each is sent again with
//! its current variables, which the typed streams move forward (`after`) as messages
//! arrive.
//!
//! The socket belongs to one task (the actor below); clients and streams talk to it over
//! a channel, so nothing holds a lock across the network.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{SinkExt as _, Stream, StreamExt as _};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::core::{backoff, TokenSource};
use crate::error::{Error, ErrorCode, GraphQLError};

/// The live connection as a UI shows it.
///
/// ```no_run
/// # fn demo(chat: chinwag_sdk::VisitorClient) {
/// if chat.connection_state() == chinwag_sdk::ConnectionState::Online { println!("live") }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// No socket: nothing subscribed, or waiting to retry after a drop.
    Offline,
    /// Opening or re-opening the socket.
    Connecting,
    /// Events flow.
    Online,
}

/// How long `connection_init` may wait for its `connection_ack`.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);
/// A protocol ping this often; a socket whose pong does not come back within
/// `PONG_TIMEOUT` is half-open (lost Wi-Fi, a suspended laptop) and is dropped.
const PING_EVERY: Duration = Duration::from_secs(10);
const PONG_TIMEOUT: Duration = Duration::from_secs(5);
/// Keep the socket this long after the last subscription ends, for the next one.
const LINGER: Duration = Duration::from_secs(1);

/// What a subscription's stream receives.
#[derive(Debug)]
pub(crate) enum Frame {
    /// One `next` payload's `data`.
    Data(Value),
    /// The subscription failed and is over.
    Error(Error),
    /// The socket dropped and came back; the subscription was sent again.
    Reconnected,
}

enum Command {
    Subscribe { id: u64, request: Arc<Mutex<Value>>, tx: mpsc::UnboundedSender<Frame> },
    Unsubscribe(u64),
}

/// The handle clients hold; the actor starts with the first subscription.
pub(crate) struct Live {
    url: String,
    auth: Arc<dyn TokenSource>,
    commands: OnceLock<mpsc::UnboundedSender<Command>>,
    next_id: AtomicU64,
    state_tx: Arc<watch::Sender<ConnectionState>>,
}

impl Live {
    pub(crate) fn new(url: String, auth: Arc<dyn TokenSource>) -> Live {
        Live { url, auth, commands: OnceLock::new(), next_id: AtomicU64::new(1), state_tx: Arc::new(watch::channel(ConnectionState::Offline).0) }
    }

    pub(crate) fn state(&self) -> ConnectionState {
        *self.state_tx.borrow()
    }

    pub(crate) fn watch_state(&self) -> watch::Receiver<ConnectionState> {
        self.state_tx.subscribe()
    }

    /// Starts a subscription. `request` is `{query, variables}`; the caller may change
    /// its variables later, and every re-subscription sends them as they are then.
    /// Must be called within a Tokio runtime.
    pub(crate) fn subscribe(&self, request: Value) -> Subscription {
        let commands = self
            .commands
            .get_or_init(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                let actor = Actor { url: self.url.clone(), auth: self.auth.clone(), state: self.state_tx.clone(), subs: HashMap::new(), commands: rx };
                tokio::spawn(actor.run());
                tx
            })
            .clone();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let request = Arc::new(Mutex::new(request));
        let (tx, rx) = mpsc::unbounded_channel();
        // A send fails only when the actor is gone; the stream then ends at once.
        let _ = commands.send(Command::Subscribe { id, request: request.clone(), tx });
        Subscription { id, rx, commands, request }
    }
}

/// One subscription's frames; dropping it unsubscribes.
pub(crate) struct Subscription {
    id: u64,
    rx: mpsc::UnboundedReceiver<Frame>,
    commands: mpsc::UnboundedSender<Command>,
    request: Arc<Mutex<Value>>,
}

impl Subscription {
    /// Sets one variable for the next (re-)subscription, like `after`.
    pub(crate) fn set_variable(&self, name: &str, value: Value) {
        if let Ok(mut request) = self.request.lock() {
            request["variables"][name] = value;
        }
    }
}

impl Stream for Subscription {
    type Item = Frame;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Frame>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Unsubscribe(self.id));
    }
}

struct Sub {
    request: Arc<Mutex<Value>>,
    tx: mpsc::UnboundedSender<Frame>,
    /// Was sent on an earlier socket: tell the stream when it is resumed on a new one.
    resumed: bool,
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Why a socket ended.
enum Ended {
    /// Every handle is gone: stop.
    Shutdown,
    /// Nothing is subscribed any more: wait for the next subscription.
    Idle,
    /// The server closed with this code, or the connection broke (1006).
    Closed(u16),
}

struct Actor {
    url: String,
    auth: Arc<dyn TokenSource>,
    state: Arc<watch::Sender<ConnectionState>>,
    subs: HashMap<u64, Sub>,
    commands: mpsc::UnboundedReceiver<Command>,
}

impl Actor {
    async fn run(mut self) {
        let mut failures = 0u32;
        let mut rejected: Option<String> = None;
        loop {
            self.subs.retain(|_, s| !s.tx.is_closed());
            while self.subs.is_empty() {
                match self.commands.recv().await {
                    Some(command) => self.apply_offline(command),
                    None => return,
                }
            }
            self.set(ConnectionState::Connecting);
            let token = match self.auth.token(rejected.as_deref()).await {
                Ok(token) => token,
                Err(e) if e.code() == Some(&ErrorCode::Unauthenticated) => {
                    // No credentials to be had (signed out, key revoked): end every stream.
                    self.fail_all(e);
                    rejected = None;
                    self.set(ConnectionState::Offline);
                    continue;
                }
                Err(_) => {
                    self.set(ConnectionState::Offline);
                    if !self.wait(backoff(failures)).await {
                        return;
                    }
                    failures += 1;
                    continue;
                }
            };
            rejected = None;
            let ended = match self.connect(&token).await {
                Ok(socket) => {
                    failures = 0;
                    self.set(ConnectionState::Online);
                    self.session(socket).await
                }
                Err(code) => code,
            };
            self.set(ConnectionState::Offline);
            match ended {
                Ended::Shutdown => return,
                Ended::Idle => continue,
                Ended::Closed(code) => {
                    // 4403: the token expired or was revoked; the next attempt asks for a
                    // new one. Everything else (1012 restart, 1013 slow consumer, a
                    // broken network) is retried with the same credentials.
                    if code == 4403 {
                        rejected = Some(token);
                    }
                    if !self.wait(backoff(failures)).await {
                        return;
                    }
                    failures += 1;
                }
            }
        }
    }

    fn set(&self, state: ConnectionState) {
        self.state.send_if_modified(|s| std::mem::replace(s, state) != state);
    }

    fn fail_all(&mut self, e: Error) {
        for (_, sub) in self.subs.drain() {
            let _ = sub.tx.send(Frame::Error(e.clone()));
        }
    }

    /// Applies a command while no socket is open.
    fn apply_offline(&mut self, command: Command) {
        match command {
            Command::Subscribe { id, request, tx } => {
                self.subs.insert(id, Sub { request, tx, resumed: false });
            }
            Command::Unsubscribe(id) => {
                self.subs.remove(&id);
            }
        }
    }

    /// Sleeps, still taking commands; false when every handle is gone.
    async fn wait(&mut self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return true,
                command = self.commands.recv() => match command {
                    Some(command) => self.apply_offline(command),
                    None => return false,
                },
            }
        }
    }

    /// Opens a socket and completes `connection_init`.
    async fn connect(&mut self, token: &str) -> Result<Socket, Ended> {
        let mut request = self.url.as_str().into_client_request().map_err(|_| Ended::Closed(1006))?;
        request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("static header"));
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.map_err(|_| Ended::Closed(1006))?;
        let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
        socket.send(WsMessage::Text(init.to_string().into())).await.map_err(|_| Ended::Closed(1006))?;
        let deadline = Instant::now() + ACK_TIMEOUT;
        loop {
            match tokio::time::timeout_at(deadline, socket.next()).await {
                Ok(Some(Ok(WsMessage::Text(text)))) => {
                    let message: Value = serde_json::from_str(text.as_str()).unwrap_or_default();
                    match message["type"].as_str() {
                        Some("connection_ack") => return Ok(socket),
                        Some("ping") => {
                            let _ = socket.send(WsMessage::Text(json!({ "type": "pong" }).to_string().into())).await;
                        }
                        _ => {}
                    }
                }
                Ok(Some(Ok(WsMessage::Close(frame)))) => return Err(Ended::Closed(close_code(frame.as_ref()))),
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_)) | None) | Err(_) => return Err(Ended::Closed(1006)),
            }
        }
    }

    /// Runs one socket: (re-)subscribes everything, then routes frames until it ends.
    async fn session(&mut self, mut socket: Socket) -> Ended {
        let ids: Vec<u64> = self.subs.keys().copied().collect();
        for id in ids {
            let sub = self.subs.get_mut(&id).expect("listed above");
            if sub.resumed {
                let _ = sub.tx.send(Frame::Reconnected);
            }
            sub.resumed = true;
            let payload = sub.request.lock().map(|r| r.clone()).unwrap_or_default();
            if send_json(&mut socket, json!({ "id": id.to_string(), "type": "subscribe", "payload": payload })).await.is_err() {
                return Ended::Closed(1006);
            }
        }
        let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        let mut pong_due: Option<Instant> = None;
        let mut idle_since: Option<Instant> = None;
        loop {
            let linger = idle_since.map(|t| t + LINGER);
            tokio::select! {
                command = self.commands.recv() => match command {
                    None => {
                        let _ = socket.close(None).await;
                        return Ended::Shutdown;
                    }
                    Some(Command::Subscribe { id, request, tx }) => {
                        let payload = request.lock().map(|r| r.clone()).unwrap_or_default();
                        self.subs.insert(id, Sub { request, tx, resumed: true });
                        idle_since = None;
                        if send_json(&mut socket, json!({ "id": id.to_string(), "type": "subscribe", "payload": payload })).await.is_err() {
                            return Ended::Closed(1006);
                        }
                    }
                    Some(Command::Unsubscribe(id)) => {
                        if self.subs.remove(&id).is_some() {
                            let _ = send_json(&mut socket, json!({ "id": id.to_string(), "type": "complete" })).await;
                        }
                    }
                },
                frame = socket.next() => match frame {
                    Some(Ok(WsMessage::Text(text))) => {
                        let message: Value = match serde_json::from_str(text.as_str()) {
                            Ok(m) => m,
                            Err(_) => continue,
                        };
                        match message["type"].as_str() {
                            Some("next") => self.deliver(&mut socket, &message).await,
                            Some("error") => {
                                let errors: Vec<GraphQLError> = serde_json::from_value(message["payload"].clone()).unwrap_or_default();
                                if let Some(sub) = id_of(&message).and_then(|id| self.subs.remove(&id)) {
                                    let _ = sub.tx.send(Frame::Error(Error::from_graphql(errors, None)));
                                }
                            }
                            // Dropping the sender ends the stream.
                            Some("complete") => {
                                id_of(&message).and_then(|id| self.subs.remove(&id));
                            }
                            Some("ping") => {
                                let _ = send_json(&mut socket, json!({ "type": "pong" })).await;
                            }
                            Some("pong") => pong_due = None,
                            _ => {}
                        }
                    }
                    Some(Ok(WsMessage::Close(frame))) => return Ended::Closed(close_code(frame.as_ref())),
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => return Ended::Closed(1006),
                },
                _ = ping.tick() => {
                    if pong_due.is_some_and(|due| Instant::now() >= due) {
                        return Ended::Closed(1006);
                    }
                    if send_json(&mut socket, json!({ "type": "ping" })).await.is_err() {
                        return Ended::Closed(1006);
                    }
                    pong_due.get_or_insert(Instant::now() + PONG_TIMEOUT);
                },
                _ = tokio::time::sleep_until(linger.unwrap_or_else(Instant::now)), if linger.is_some() => {
                    let _ = socket.close(None).await;
                    return Ended::Idle;
                }
            }
            self.subs.retain(|_, s| !s.tx.is_closed());
            if self.subs.is_empty() {
                idle_since.get_or_insert_with(Instant::now);
            }
        }
    }

    /// Routes a `next` to its stream; errors in it end the subscription.
    async fn deliver(&mut self, socket: &mut Socket, message: &Value) {
        let Some(id) = id_of(message) else { return };
        let Some(sub) = self.subs.get(&id) else { return };
        let errors = message["payload"].get("errors").cloned().and_then(|e| serde_json::from_value::<Vec<GraphQLError>>(e).ok()).filter(|e| !e.is_empty());
        let ended = match errors {
            Some(errors) => {
                let _ = sub.tx.send(Frame::Error(Error::from_graphql(errors, None)));
                true
            }
            None => sub.tx.send(Frame::Data(message["payload"]["data"].clone())).is_err(),
        };
        if ended {
            self.subs.remove(&id);
            let _ = send_json(socket, json!({ "id": id.to_string(), "type": "complete" })).await;
        }
    }
}

fn id_of(message: &Value) -> Option<u64> {
    message["id"].as_str()?.parse().ok()
}

fn close_code(frame: Option<&CloseFrame>) -> u16 {
    frame.map_or(1005, |f| u16::from(f.code))
}

async fn send_json(socket: &mut Socket, message: Value) -> Result<(), ()> {
    socket.send(WsMessage::Text(message.to_string().into())).await.map_err(|_| ())
}
