//! The graphql-transport-ws protocol, to the letter: 4400 invalid message, 4401
//! subscribe before `connection_ack`, 4403 missing/invalid/expired/revoked token (at
//! init or later), 4406 wrong subprotocol, 4408 no `connection_init` within 3 s, 4409
//! duplicate operation id, 4429 a second `connection_init`; ping/pong. At most N
//! operations per socket (one more gets an `error` for its id, the socket stays open).
//! Outbound frames go through a bounded queue; a consumer that cannot keep up is
//! closed with 1013. async-graphql's own handler does not do all of this, so the loop
//! is written here around `Schema::execute_stream`.
//!
//! Each socket has two tasks: the connection (reads client messages) and the writer.
//! The writer also delivers the socket's shared live streams (see `shared`) itself, so
//! a delivery costs one wake-up and one write per socket, coalesced with whatever else
//! is ready into a single flush; only replays and per-viewer documents run as tasks
//! of their own.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt as _, Stream, StreamExt as _};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast;

use super::queue::{self, TrySendError};
use tokio::task::JoinHandle;

use super::shared::Item;
use super::{request_meta, AppState};
use crate::app::{App, RequestMeta};
use crate::auth::Principal;
use crate::bus::{org_topic, Event, AUTH_TOPIC};
use crate::graphql::{finish_response, is_request_error, Viewer};
use crate::time::now_ms;

pub const PROTOCOL: &str = "graphql-transport-ws";
const INIT_TIMEOUT: Duration = Duration::from_secs(3);

/// Live socket count, for metrics and graceful shutdown.
#[derive(Clone, Default)]
pub struct Sockets {
    open: Arc<AtomicUsize>,
    shutdown: Arc<tokio::sync::Notify>,
}

impl Sockets {
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }
    /// Asks every socket to close with 1012 (service restart): clients reconnect elsewhere.
    pub fn shutdown(&self) {
        self.shutdown.notify_waiters();
    }
}

enum Out {
    Text(String),
    Close(u16, &'static str),
    /// A shared live stream the writer delivers from now on.
    Shared(SharedSub),
    /// A shared operation was cancelled: the writer drops it.
    Sweep,
}

/// The most queue items and shared-stream items (each up to `shared::MAX_TOGETHER`
/// frames) written between two flushes.
const MAX_COALESCE: usize = 64;

/// One operation on a shared live stream, as the writer delivers it.
struct SharedOp {
    id: String,
    /// `id` as a JSON string, spliced into the shared bytes.
    id_json: String,
    generation: u64,
    principal: Principal,
    /// Set by the connection (`complete`, the socket closing): nothing more is written.
    cancelled: AtomicBool,
    /// The access cache's change count when the principal was last found authorized:
    /// while it has not changed, a delivery needs no lookup.
    authorized_at: AtomicU64,
    _gauge: Decrement,
}

type Received = Result<Arc<Item>, broadcast::error::RecvError>;

/// A socket's subscription to a shared execution: the writer polls `items` directly
/// (a socket has a few of these, so a poll over all of them is cheaper than a
/// `SelectAll`, which allocates a task node per delivered item).
struct SharedSub {
    op: Arc<SharedOp>,
    items: std::pin::Pin<Box<dyn Stream<Item = Received> + Send>>,
}

/// A socket's operation: its own task, or a shared stream its writer delivers.
enum Op {
    Task(JoinHandle<()>),
    Shared(Arc<SharedOp>),
}

impl Op {
    fn cancel(self, out: &queue::Sender<Out>) {
        match self {
            Op::Task(t) => t.abort(),
            Op::Shared(op) => {
                op.cancelled.store(true, Ordering::Relaxed);
                out.push(Out::Sweep);
            }
        }
    }
}

#[derive(Deserialize)]
struct ClientMsg {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    payload: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscribePayload {
    query: String,
    #[serde(default)]
    variables: Option<serde_json::Value>,
    #[serde(default)]
    operation_name: Option<String>,
}

pub fn upgrade(state: AppState, ws: WebSocketUpgrade, headers: &HeaderMap, peer: Option<ConnectInfo<SocketAddr>>) -> Response {
    let meta = request_meta(&state.app, headers, peer.as_ref());
    let offered =
        headers.get(axum::http::header::SEC_WEBSOCKET_PROTOCOL).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|p| p.trim() == PROTOCOL));
    ws.protocols([PROTOCOL])
        // Small buffers: thousands of idle sockets must stay cheap. Client messages are
        // small (a larger one grows the buffer for as long as it takes to read it):
        // 1 KB instead of 4 KB took 19,000 idle sockets from 15.3 to 12.2 KB each.
        .read_buffer_size(1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(state.app.settings.limits.max_body_bytes)
        .on_upgrade(move |socket| async move {
            if offered {
                Connection::run(state, socket, meta).await
            } else {
                let mut socket = socket;
                let _ = socket.send(close(4406, "Subprotocol not acceptable")).await;
            }
        })
}

fn close(code: u16, reason: &'static str) -> WsMessage {
    WsMessage::Close(Some(CloseFrame { code, reason: reason.into() }))
}

struct Connection {
    state: AppState,
    meta: RequestMeta,
    out: queue::Sender<Out>,
    /// Operation tasks report a full queue or their end here.
    ctl: queue::Sender<Ctl>,
    principal: Option<Principal>,
    init_received: bool,
    ops: HashMap<String, (u64, Op)>,
    next_gen: u64,
}

/// Operations and the writer report to the connection here. Small on purpose: the
/// channel allocates room for 32 of these per socket.
enum Ctl {
    /// The operation of this generation ended.
    Done(u64),
    SlowConsumer,
}

impl Connection {
    async fn run(state: AppState, socket: WebSocket, meta: RequestMeta) {
        let (sink, mut stream) = socket.split();
        let (out_tx, out_rx) = queue::bounded::<Out>(state.app.settings.limits.socket_queue.max(16));
        let (ctl_tx, mut ctl_rx) = queue::unbounded();
        let stall = Duration::from_millis(state.app.settings.limits.write_stall_ms);
        let writer = tokio::spawn(
            Writer { sink, app: state.app.clone(), ctl: ctl_tx.clone(), closing: false, shared: Vec::new(), turn: 0, delivered: 0, stall }.run(out_rx),
        );
        state.sockets.open.fetch_add(1, Ordering::Relaxed);
        let shutdown = state.sockets.shutdown.clone();
        let mut conn = Connection { state, meta, out: out_tx, ctl: ctl_tx, principal: None, init_received: false, ops: HashMap::new(), next_gen: 0 };
        // One timer: the init timeout until `connection_init`, then the token's expiry.
        let deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(deadline);
        let mut auth_rx: Option<broadcast::Receiver<Arc<Event>>> = None;
        let shutdown = shutdown.notified();
        tokio::pin!(shutdown);

        let close_with: Option<(u16, &'static str)> = loop {
            tokio::select! {
                _ = &mut deadline => break Some(match conn.principal {
                    Some(_) => (4403, "Forbidden: token expired"),
                    None => (4408, "Connection initialisation timeout"),
                }),
                _ = &mut shutdown => break Some((1012, "Server restarting")),
                ctl = ctl_rx.recv() => match ctl {
                    Some(Ctl::Done(generation)) => conn.ops.retain(|_, (g, _)| *g != generation),
                    Some(Ctl::SlowConsumer) => {
                        conn.state.app.metrics.slow_consumers.inc();
                        break Some((1013, "Try again later: too slow"));
                    }
                    None => break None,
                },
                ev = async { match auth_rx.as_mut() { Some(rx) => rx.recv().await, None => std::future::pending().await } } => {
                    let relevant = match (&ev, &conn.principal) {
                        (Ok(e), Some(Principal::Agent(a))) => matches!(&**e, Event::AgentAccessChanged { agent_id } if *agent_id == a.id),
                        (Ok(e), Some(Principal::ApiKey(k))) => matches!(&**e, Event::ApiKeyRevoked { key_id } if *key_id == k.id),
                        (Err(broadcast::error::RecvError::Lagged(_)), _) => true,
                        _ => false,
                    };
                    if relevant {
                        let p = conn.principal.clone().expect("set with auth_rx");
                        // Boxed, like every store access here (see below).
                        if !Box::pin(conn.state.app.recheck(&p)).await {
                            break Some((4403, "Forbidden: access revoked"));
                        }
                    }
                }
                msg = stream.next() => match msg {
                    // Boxed: the handler's futures (authentication, store reads) would
                    // otherwise make every idle socket's task as large as the largest.
                    Some(Ok(WsMessage::Text(t))) => match Box::pin(conn.handle(t.as_str())).await {
                        Ok(Some(exp)) => {
                            deadline.as_mut().reset(tokio::time::Instant::now() + exp);
                            if matches!(conn.principal, Some(Principal::Agent(_) | Principal::ApiKey(_))) {
                                auth_rx = Some(Box::pin(conn.state.app.bus.subscribe(AUTH_TOPIC)).await);
                            }
                        }
                        Ok(None) => {}
                        Err(close) => break Some(close),
                    },
                    Some(Ok(WsMessage::Binary(_))) => break Some((4400, "Invalid message received: binary")),
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break None,
                    Some(Ok(_)) => {} // WebSocket-level ping/pong is answered by the library.
                },
            }
        };

        for (_, (_, op)) in conn.ops.drain() {
            op.cancel(&conn.out);
        }
        if let Some((code, reason)) = close_with {
            // The queue may be full (slow consumer): make room isn't possible, so wait briefly.
            conn.out.push(Out::Close(code, reason));
        }
        drop(conn.out);
        let mut writer = writer;
        if tokio::time::timeout(Duration::from_secs(2), &mut writer).await.is_err() {
            writer.abort(); // a client that does not read must not keep the task alive
        }
        conn.state.sockets.open.fetch_sub(1, Ordering::Relaxed);
        if let Some(p) = &conn.principal {
            presence(&conn.state, p, false);
        }
    }

    /// Handles one client message. `Ok(Some(ttl))` after a successful init, with the
    /// time until the token expires; `Err` closes the socket with that code.
    async fn handle(&mut self, text: &str) -> Result<Option<Duration>, (u16, &'static str)> {
        let msg: ClientMsg = serde_json::from_str(text).map_err(|_| (4400, "Invalid message received"))?;
        match msg.kind.as_str() {
            "connection_init" => {
                if self.init_received {
                    return Err((4429, "Too many initialisation requests"));
                }
                self.init_received = true;
                let token = msg
                    .payload
                    .as_ref()
                    .and_then(|p| p.get("authorization").or_else(|| p.get("Authorization")))
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.split_once(' ').filter(|(s, _)| s.eq_ignore_ascii_case("bearer")).map(|(_, t)| t.trim().to_owned()))
                    .ok_or((4403, "Forbidden"))?;
                let p = self.state.app.authenticate(&token).await.map_err(|_| (4403, "Forbidden"))?;
                let ttl = match p.expires_at() {
                    Some(exp) => Duration::from_millis((exp - now_ms()).max(0) as u64),
                    None => Duration::from_secs(365 * 24 * 3600),
                };
                presence(&self.state, &p, true);
                self.principal = Some(p);
                self.send(json!({ "type": "connection_ack" }).to_string())?;
                Ok(Some(ttl))
            }
            "ping" => {
                let mut pong = json!({ "type": "pong" });
                if let Some(p) = msg.payload {
                    pong["payload"] = p;
                }
                self.send(pong.to_string())?;
                Ok(None)
            }
            "pong" => Ok(None),
            "subscribe" => {
                let id = msg.id.filter(|i| !i.is_empty()).ok_or((4400, "Invalid message received: subscribe needs an id"))?;
                let payload: SubscribePayload =
                    msg.payload.and_then(|p| serde_json::from_value(p).ok()).ok_or((4400, "Invalid message received: subscribe needs a query"))?;
                let Some(principal) = self.principal.clone() else {
                    return Err((4401, "Unauthorized"));
                };
                if self.ops.contains_key(&id) {
                    return Err((4409, "Subscriber for this id already exists"));
                }
                if self.ops.len() >= self.state.app.settings.limits.max_operations_per_socket {
                    let err = json!({ "type": "error", "id": id, "payload": [{ "message": "too many operations on this socket", "extensions": { "code": "RATE_LIMITED", "retryAfter": 1 } }] });
                    self.send(err.to_string())?;
                    return Ok(None);
                }
                self.next_gen += 1;
                let generation = self.next_gen;
                let raw_vars = payload.variables.filter(|v| v.is_object()).unwrap_or(serde_json::Value::Object(Default::default()));
                let share_key = super::shared::key(&principal, &payload.query, payload.operation_name.as_deref(), &raw_vars);
                let mut request = async_graphql::Request::new(payload.query)
                    .variables(async_graphql::Variables::from_json(raw_vars))
                    .data(Viewer(Some(principal.clone())))
                    .data(self.meta.clone());
                if let Some(name) = payload.operation_name {
                    request = request.operation_name(name);
                }
                let op = match share_key {
                    // One execution for the audience; this socket's writer splices its id into the shared bytes.
                    Some(key) => {
                        let rx = self.state.shared.join(key, &self.state.schema, request);
                        let sub = shared_sub(&self.state.app, id.clone(), generation, principal, rx);
                        let op = sub.op.clone();
                        self.enqueue(Out::Shared(sub))?;
                        Op::Shared(op)
                    }
                    None => Op::Task(tokio::spawn(run_operation(self.state.clone(), id.clone(), generation, request, self.out.clone(), self.ctl.clone()))),
                };
                self.ops.insert(id, (generation, op));
                Ok(None)
            }
            "complete" => {
                if let Some(id) = msg.id {
                    if let Some((_, op)) = self.ops.remove(&id) {
                        op.cancel(&self.out);
                    }
                }
                Ok(None)
            }
            _ => Err((4400, "Invalid message received: unknown type")),
        }
    }

    fn send(&self, text: String) -> Result<(), (u16, &'static str)> {
        self.enqueue(Out::Text(text))
    }

    fn enqueue(&self, out: Out) -> Result<(), (u16, &'static str)> {
        match self.out.try_send(out) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err((1013, "Try again later: too slow")),
            Err(TrySendError::Closed(_)) => Err((1000, "Closed")),
        }
    }
}

/// Runs an operation that cannot be shared (a replay, a per-viewer document, a
/// query or mutation sent over the socket) as a task of its own.
async fn run_operation(state: AppState, id: String, generation: u64, request: async_graphql::Request, out: queue::Sender<Out>, ctl: queue::Sender<Ctl>) {
    let metrics = state.app.metrics.clone();
    let _gauge = Decrement::new(metrics.clone());
    let send = |text: String| match out.try_send(Out::Text(text)) {
        Ok(()) => true,
        Err(TrySendError::Full(_)) => {
            ctl.push(Ctl::SlowConsumer);
            false
        }
        Err(TrySendError::Closed(_)) => false,
    };
    let mut stream = state.schema.execute_stream(request);
    let mut first = true;
    while let Some(mut resp) = stream.next().await {
        finish_response(&mut resp);
        if first && is_request_error(&resp) {
            send(frame(&id, "error", &resp.errors));
            ctl.push(Ctl::Done(generation));
            return;
        }
        first = false;
        let frame = frame(&id, "next", &resp);
        if !send(frame) {
            return;
        }
        metrics.deliveries.inc();
    }
    send(complete(&id));
    ctl.push(Ctl::Done(generation));
}

fn complete(id: &str) -> String {
    json!({ "type": "complete", "id": id }).to_string()
}

/// A socket's subscription to a shared execution, for its writer to deliver.
fn shared_sub(app: &App, id: String, generation: u64, principal: Principal, rx: broadcast::Receiver<Arc<Item>>) -> SharedSub {
    let id_json = serde_json::to_string(&id).expect("ids serialize");
    let op = SharedOp {
        id,
        id_json,
        generation,
        principal,
        cancelled: AtomicBool::new(false),
        authorized_at: AtomicU64::new(u64::MAX),
        _gauge: Decrement::new(app.metrics.clone()),
    };
    // The receive future lives in the stream between polls, so a pending receive keeps
    // its place in the channel's waiter list instead of joining it anew on every poll.
    let items = futures_util::stream::unfold(rx, |mut rx| async move { Some((rx.recv().await, rx)) });
    SharedSub { op: Arc::new(op), items: Box::pin(items) }
}

/// The socket's writing half: frames queued by the connection and its operation
/// tasks, and the shared streams it delivers itself.
struct Writer {
    sink: SplitSink<WebSocket, WsMessage>,
    app: Arc<App>,
    ctl: queue::Sender<Ctl>,
    /// Fell behind a shared stream: nothing more is written but the close frame (a
    /// frame after the gap would move the client's position past what it missed).
    closing: bool,
    shared: Vec<SharedSub>,
    /// Where the next poll of `shared` starts, so no stream starves the others.
    turn: usize,
    /// Deliveries written since the last flush (counted in the metrics at the flush).
    delivered: u64,
    /// How long a write may wait for the client (`--write-stall-ms`).
    stall: Duration,
}

/// Runs a write; false if it failed, or if the client has not read for `stall`
/// (`--write-stall-ms`; then the connection is told, and closes the socket with 1013).
/// The timer is only armed when the write cannot finish at once, so the usual write
/// costs no timer.
async fn guarded<E>(ctl: &queue::Sender<Ctl>, stall: Duration, io: impl std::future::Future<Output = Result<(), E>>) -> bool {
    tokio::pin!(io);
    let first = tokio::select! {
        biased;
        r = &mut io => Some(r),
        _ = async {} => None,
    };
    match first {
        Some(r) => r.is_ok(),
        None => match tokio::time::timeout(stall, io).await {
            Ok(r) => r.is_ok(),
            Err(_) => {
                ctl.push(Ctl::SlowConsumer);
                false
            }
        },
    }
}

enum Step {
    Out(Option<Out>),
    /// An item of `shared[index]`.
    Shared(usize, Received),
}

impl Writer {
    async fn run(mut self, mut rx: queue::Receiver<Out>) {
        loop {
            // One poll for the queue and every shared stream (queued frames first).
            let step = std::future::poll_fn(|cx| match rx.poll_recv(cx) {
                Poll::Ready(o) => Poll::Ready(Step::Out(o)),
                Poll::Pending => self.poll_shared(cx).map(|(i, r)| Step::Shared(i, r)),
            })
            .await;
            if !self.apply(step).await {
                return;
            }
            // Write whatever else is ready, then flush once. The shared streams are polled
            // with this task's own context, so their wake-up registrations stay in place.
            for _ in 0..MAX_COALESCE {
                let step = match rx.try_recv() {
                    Some(o) => Step::Out(Some(o)),
                    None => match std::future::poll_fn(|cx| Poll::Ready(self.poll_shared(cx))).await {
                        Poll::Ready((i, r)) => Step::Shared(i, r),
                        Poll::Pending => break,
                    },
                };
                if !self.apply(step).await {
                    return;
                }
            }
            if self.delivered > 0 {
                self.app.metrics.deliveries.add(std::mem::take(&mut self.delivered));
            }
            if !guarded(&self.ctl, self.stall, self.sink.flush()).await {
                return;
            }
        }
    }

    /// The next item of any shared stream, starting after the last one that had one.
    fn poll_shared(&mut self, cx: &mut Context<'_>) -> Poll<(usize, Received)> {
        let n = self.shared.len();
        for k in 0..n {
            let i = (self.turn + k) % n;
            // The streams never end by themselves: the writer drops them.
            if let Poll::Ready(Some(r)) = self.shared[i].items.as_mut().poll_next(cx) {
                self.turn = i + 1;
                return Poll::Ready((i, r));
            }
        }
        Poll::Pending
    }

    /// Queues one text frame (flushed by `run`); false ends the socket.
    async fn write(&mut self, text: String) -> bool {
        guarded(&self.ctl, self.stall, self.sink.feed(WsMessage::Text(text.into()))).await
    }

    /// Writes (without flushing) what `step` asks for; false ends the socket.
    async fn apply(&mut self, step: Step) -> bool {
        let text = match step {
            Step::Out(None) => return false,
            Step::Out(Some(Out::Close(code, reason))) => {
                let _ = guarded(&self.ctl, self.stall, self.sink.send(close(code, reason))).await;
                return false;
            }
            Step::Out(Some(Out::Shared(s))) => {
                self.shared.push(s);
                return true;
            }
            Step::Out(Some(Out::Sweep)) => {
                self.shared.retain(|s| !s.op.cancelled.load(Ordering::Relaxed));
                return true;
            }
            Step::Out(Some(Out::Text(_))) if self.closing => return true,
            Step::Out(Some(Out::Text(t))) => t,
            Step::Shared(i, item) => return self.deliver(i, item).await,
        };
        self.write(text).await
    }

    /// Writes the frames for one item of `shared[i]`; false ends the socket.
    async fn deliver(&mut self, i: usize, item: Received) -> bool {
        let op = &self.shared[i].op;
        // Closing, or cancelled (the sweep may not have come yet): the stream goes now, so
        // it is not polled again (an ended one would be ready on every poll).
        if self.closing || op.cancelled.load(Ordering::Relaxed) {
            self.remove_shared(i);
            return true;
        }
        // (frames to write, whether the operation ends, whether they count as deliveries)
        let (frames, ends, deliveries): (Vec<String>, bool, bool) = match item.as_deref() {
            Ok(Item::Next(_) | Item::Error(_)) if !authorized(&self.app, op) => {
                let revoked = frame(&op.id, "next", &json!({ "errors": [{ "message": "access was revoked", "extensions": { "code": "UNAUTHENTICATED" } }] }));
                (vec![revoked, complete(&op.id)], true, false)
            }
            Ok(Item::Next(payloads)) => (payloads.iter().map(|json| splice("next", &op.id_json, json)).collect(), false, true),
            Ok(Item::Error(json)) => (vec![splice("error", &op.id_json, json)], true, false),
            Ok(Item::End) | Err(broadcast::error::RecvError::Closed) => (vec![complete(&op.id)], true, false),
            Err(broadcast::error::RecvError::Lagged(_)) => {
                // Frames were missed: write nothing more (a later frame would move the
                // client's position past the gap); the connection closes with 1013.
                self.closing = true;
                self.ctl.push(Ctl::SlowConsumer);
                (Vec::new(), true, false)
            }
        };
        if ends {
            let generation = self.remove_shared(i).op.generation;
            self.ctl.push(Ctl::Done(generation));
        }
        let count = frames.len() as u64;
        for text in frames {
            if !self.write(text).await {
                return false;
            }
        }
        if deliveries {
            self.delivered += count;
        }
        true
    }

    /// Drops `shared[i]`; the next poll starts at the stream moved into its place.
    fn remove_shared(&mut self, i: usize) -> SharedSub {
        self.turn = i;
        self.shared.swap_remove(i)
    }
}

/// Whether the operation's principal may still receive: a lookup in the access cache
/// only when the cache changed since the last one that said yes.
fn authorized(app: &App, op: &SharedOp) -> bool {
    let changes = app.access.changes();
    if op.authorized_at.load(Ordering::Relaxed) == changes {
        return true;
    }
    let ok = app.still_authorized(&op.principal);
    if ok {
        op.authorized_at.store(changes, Ordering::Relaxed);
    }
    ok
}

/// `{"type":kind,"id":id,"payload":json}` in a buffer of exactly its size (so the
/// frame becomes the socket's bytes without another allocation).
fn splice(kind: &str, id_json: &str, json: &str) -> String {
    const PARTS: [&str; 4] = [r#"{"type":""#, r#"","id":"#, r#","payload":"#, "}"];
    let mut s = String::with_capacity(PARTS.iter().map(|p| p.len()).sum::<usize>() + kind.len() + id_json.len() + json.len());
    for part in [PARTS[0], kind, PARTS[1], id_json, PARTS[2], json, PARTS[3]] {
        s.push_str(part);
    }
    debug_assert_eq!(s.len(), s.capacity());
    s
}

/// Serializes a protocol message straight from the response (no intermediate JSON tree).
fn frame<T: serde::Serialize>(id: &str, kind: &'static str, payload: &T) -> String {
    #[derive(serde::Serialize)]
    struct Frame<'a, T> {
        #[serde(rename = "type")]
        kind: &'static str,
        id: &'a str,
        payload: &'a T,
    }
    serde_json::to_string(&Frame { kind, id, payload }).expect("responses serialize")
}

/// Counts a running operation until it ends, however it ends (even aborted).
struct Decrement(Arc<crate::metrics::Metrics>);

impl Decrement {
    fn new(metrics: Arc<crate::metrics::Metrics>) -> Decrement {
        metrics.subscriptions.add(1);
        Decrement(metrics)
    }
}

impl Drop for Decrement {
    fn drop(&mut self) {
        self.0.subscriptions.add(-1);
    }
}

/// Tracks live sockets per agent and visitor; visitor presence is an inbox event.
fn presence(state: &AppState, p: &Principal, up: bool) {
    let app = &state.app;
    match p {
        Principal::Agent(a) => {
            if up {
                app.presence.agent_up(&a.id);
            } else {
                app.presence.agent_down(&a.id);
            }
        }
        Principal::Visitor(v) => {
            let changed = if up { app.presence.visitor_up(&v.id) } else { app.presence.visitor_down(&v.id) };
            if changed {
                app.bus.publish(&org_topic(&v.org_id), Event::VisitorPresence { org_id: v.org_id.clone(), visitor_id: v.id.clone(), online: up });
            }
        }
        Principal::ApiKey(_) => {}
    }
}
