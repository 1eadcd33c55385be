//! One socket's connection: reads client messages (the protocol's state machine), runs
//! operations that cannot be shared as tasks of their own, and closes the socket with
//! the protocol's codes. The protocol, to the letter: 4400 invalid message, 4401
//! subscribe before `connection_ack`, 4403 missing/invalid/expired/revoked token (at
//! init or later), 4406 wrong subprotocol, 4408 no `connection_init` within 3 s, 4409
//! duplicate operation id, 4429 a second `connection_init`; ping/pong. At most N
//! operations per socket (one more gets an `error` for its id, the socket stays open).
//! Outbound frames go through a bounded queue; a consumer that cannot keep up is
//! closed with 1013. async-graphql's own handler does not do all of this, so the loop
//! is written here around `Schema::execute_stream`.
//!
//! Each socket has two tasks: the connection (reads client messages and runs the
//! operations that cannot be shared) and the writer. The writer also delivers the
//! socket's shared live streams (see `shared`) itself, so a delivery costs one wake-up
//! and one write per socket, coalesced with whatever else is ready into a single flush.
//! Queries, mutations, replays and per-viewer documents are polled by the connection's
//! own task (no task spawned per `sendMessage`, and no wake-up to report its end).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, WebSocket};
use futures_util::future::{AbortHandle, Abortable, BoxFuture};
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt as _, StreamExt as _};
use serde_json::json;
use tokio::sync::broadcast;

use super::protocol::{complete, frame, ClientMsg, Close, CloseCode, SubscribePayload};
use super::queue::{self, TrySendError};
use super::writer::{shared_sub, Decrement, Out, SharedOp, Writer};
use crate::app::RequestMeta;
use crate::auth::Principal;
use crate::bus::{Event, AUTH_TOPIC};
use crate::error::ErrorCode;
use crate::graphql::{finish_response, is_request_error, prepare};
use crate::http::AppState;
use crate::time::now_ms;

/// A socket's operation: polled by the connection's task, or a shared stream its
/// writer delivers.
enum Op {
    Local(AbortHandle),
    Shared(Arc<SharedOp>),
}

/// The operations the connection's task polls; each ends with its generation.
type Running = FuturesUnordered<BoxFuture<'static, Option<u64>>>;

impl Op {
    fn cancel(self, out: &queue::Sender<Out>) {
        match self {
            Op::Local(abort) => abort.abort(),
            Op::Shared(op) => {
                op.cancelled.store(true, Ordering::Relaxed);
                out.push(Out::Sweep);
            }
        }
    }
}

pub(super) struct Connection {
    state: AppState,
    meta: RequestMeta,
    out: queue::Sender<Out>,
    /// Operation tasks report a full queue or their end here.
    ctl: queue::Sender<Ctl>,
    principal: Option<Principal>,
    init_received: bool,
    ops: HashMap<String, (u64, Op)>,
    /// The `Op::Local` operations' futures.
    running: Running,
    next_gen: u64,
}

/// Operations and the writer report to the connection here. Small on purpose: the
/// channel allocates room for 32 of these per socket.
pub(super) enum Ctl {
    /// The shared operation of this generation ended.
    Done(u64),
    SlowConsumer,
}

impl Connection {
    pub(super) async fn run(state: AppState, socket: WebSocket, meta: RequestMeta) {
        let (sink, mut stream) = socket.split();
        let (out_tx, out_rx) = queue::bounded::<Out>(state.app.settings.limits.socket_queue.max(16));
        let (ctl_tx, mut ctl_rx) = queue::unbounded();
        let stall = Duration::from_millis(state.app.settings.limits.write_stall_ms);
        let writer = tokio::spawn(
            Writer { sink, app: state.app.clone(), ctl: ctl_tx.clone(), closing: false, shared: Vec::new(), turn: 0, delivered: 0, stall }.run(out_rx),
        );
        state.sockets.opened();
        let shutdown = state.sockets.shutdown.clone();
        let mut conn = Connection {
            state,
            meta,
            out: out_tx,
            ctl: ctl_tx,
            principal: None,
            init_received: false,
            ops: HashMap::new(),
            running: FuturesUnordered::new(),
            next_gen: 0,
        };
        // One timer: the init timeout until `connection_init`, then the token's expiry.
        let deadline = tokio::time::sleep(Duration::from_millis(conn.state.app.settings.limits.ws_init_timeout_ms));
        tokio::pin!(deadline);
        let mut auth_rx: Option<broadcast::Receiver<Arc<Event>>> = None;
        let shutdown = shutdown.notified();
        tokio::pin!(shutdown);
        // Visitors' tokens are revoked through the access cache (blocking): every socket
        // is woken and re-checks its principal in memory.
        let revocations = conn.state.app.access.revocations();
        let revoked = revocations.notified();
        tokio::pin!(revoked);

        let close_with: Option<Close> = loop {
            tokio::select! {
                _ = &mut deadline => {
                    if conn.principal.is_some() {
                        break Some((CloseCode::Forbidden, "Forbidden: token expired"));
                    }
                    // Fair under load: a `connection_init` the client sent in time may
                    // be waiting in this socket (this task was not polled while the node
                    // was busy). Take what is already there before giving up.
                    match stream.next().now_or_never() {
                        Some(Some(Ok(WsMessage::Text(t)))) => match Box::pin(conn.handle(t.as_str())).await {
                            Ok(Some(exp)) => {
                                deadline.as_mut().reset(tokio::time::Instant::now() + exp);
                                auth_rx = Box::pin(conn.access_events()).await;
                            }
                            Ok(None) | Err(_) => break Some((CloseCode::InitTimeout, "Connection initialisation timeout")),
                        },
                        _ => break Some((CloseCode::InitTimeout, "Connection initialisation timeout")),
                    }
                }
                _ = &mut shutdown => break Some((CloseCode::ServiceRestart, "Server restarting")),
                _ = &mut revoked => {
                    revoked.set(revocations.notified());
                    if matches!(&conn.principal, Some(Principal::Visitor(v)) if !conn.state.app.access.visitor_valid(&v.id, &v.website_id, v.issued_at)) {
                        break Some((CloseCode::Forbidden, "Forbidden: access revoked"));
                    }
                }
                Some(ended) = conn.running.next(), if !conn.running.is_empty() => {
                    if let Some(generation) = ended {
                        conn.ops.retain(|_, (g, _)| *g != generation);
                    }
                }
                ctl = ctl_rx.recv() => match ctl {
                    Some(Ctl::Done(generation)) => conn.ops.retain(|_, (g, _)| *g != generation),
                    Some(Ctl::SlowConsumer) => {
                        conn.state.app.metrics.slow_consumers.inc();
                        break Some((CloseCode::TryAgainLater, "Try again later: too slow"));
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
                            break Some((CloseCode::Forbidden, "Forbidden: access revoked"));
                        }
                    }
                }
                msg = stream.next() => match msg {
                    // Boxed: the handler's futures (authentication, store reads) would
                    // otherwise make every idle socket's task as large as the largest.
                    Some(Ok(WsMessage::Text(t))) => match Box::pin(conn.handle(t.as_str())).await {
                        Ok(Some(exp)) => {
                            deadline.as_mut().reset(tokio::time::Instant::now() + exp);
                            auth_rx = Box::pin(conn.access_events()).await;
                        }
                        Ok(None) => {}
                        Err(close) => break Some(close),
                    },
                    Some(Ok(WsMessage::Binary(_))) => break Some((CloseCode::InvalidMessage, "Invalid message received: binary")),
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break None,
                    Some(Ok(_)) => {} // WebSocket-level ping/pong is answered by the library.
                },
            }
        };

        for (_, (_, op)) in conn.ops.drain() {
            op.cancel(&conn.out);
        }
        // The operations' futures hold senders of the writer's queue: dropped now, so the
        // writer sees the queue end.
        conn.running = FuturesUnordered::new();
        if let Some((code, reason)) = close_with {
            // The queue may be full (slow consumer): make room isn't possible, so wait briefly.
            conn.out.push(Out::Close(code, reason));
        }
        drop(conn.out);
        let mut writer = writer;
        if tokio::time::timeout(Duration::from_secs(2), &mut writer).await.is_err() {
            writer.abort(); // a client that does not read must not keep the task alive
        }
        conn.state.sockets.closed();
        if let Some(p) = &conn.principal {
            conn.state.app.socket_presence(p, false);
        }
    }

    /// After a successful init: an agent's or key's socket listens for access changes
    /// (removal, role, revoked key); a visitor's is woken through the access cache.
    // `&mut`: a shared borrow held across an await would need the connection to be
    // `Sync`, which its operations' futures are not.
    async fn access_events(&mut self) -> Option<broadcast::Receiver<Arc<Event>>> {
        match self.principal {
            Some(Principal::Agent(_) | Principal::ApiKey(_)) => Some(self.state.app.bus.subscribe(AUTH_TOPIC).await),
            _ => None,
        }
    }

    /// Handles one client message. `Ok(Some(ttl))` after a successful init, with the
    /// time until the token expires; `Err` closes the socket with that code.
    async fn handle(&mut self, text: &str) -> Result<Option<Duration>, Close> {
        let msg: ClientMsg = serde_json::from_str(text).map_err(|_| (CloseCode::InvalidMessage, "Invalid message received"))?;
        match msg.kind.as_str() {
            "connection_init" => {
                if self.init_received {
                    return Err((CloseCode::TooManyInits, "Too many initialisation requests"));
                }
                self.init_received = true;
                let token = msg
                    .payload
                    .as_ref()
                    .and_then(|p| p.get("authorization").or_else(|| p.get("Authorization")))
                    .and_then(|v| v.as_str())
                    .and_then(crate::auth::bearer_token)
                    .ok_or((CloseCode::Forbidden, "Forbidden"))?;
                let p = self.state.app.authenticate(token).await.map_err(|_| (CloseCode::Forbidden, "Forbidden"))?.from_ip(self.meta.ip.as_deref());
                let ttl = match p.expires_at() {
                    Some(exp) => Duration::from_millis((exp - now_ms()).max(0) as u64),
                    None => Duration::from_secs(365 * 24 * 3600),
                };
                self.state.app.socket_presence(&p, true);
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
                let id = msg.id.filter(|i| !i.is_empty()).ok_or((CloseCode::InvalidMessage, "Invalid message received: subscribe needs an id"))?;
                let payload: SubscribePayload = msg
                    .payload
                    .and_then(|p| serde_json::from_value(p).ok())
                    .ok_or((CloseCode::InvalidMessage, "Invalid message received: subscribe needs a query"))?;
                let Some(principal) = self.principal.clone() else {
                    return Err((CloseCode::Unauthorized, "Unauthorized"));
                };
                if self.ops.contains_key(&id) {
                    return Err((CloseCode::DuplicateId, "Subscriber for this id already exists"));
                }
                if self.ops.len() >= self.state.app.settings.limits.max_operations_per_socket {
                    let err = json!({ "type": "error", "id": id, "payload": [{ "message": "too many operations on this socket", "extensions": { "code": ErrorCode::RateLimited.as_str(), "retryAfter": 1 } }] });
                    self.send(err.to_string())?;
                    return Ok(None);
                }
                self.next_gen += 1;
                let generation = self.next_gen;
                let raw_vars = payload.variables.filter(|v| v.is_object()).unwrap_or(serde_json::Value::Object(Default::default()));
                let share_key = super::shared::key(&principal, &payload.query, payload.operation_name.as_deref(), &raw_vars);
                let mut request = prepare(
                    async_graphql::Request::new(payload.query).variables(async_graphql::Variables::from_json(raw_vars)),
                    Some(principal.clone()),
                    self.meta.clone(),
                );
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
                    None => {
                        let (abort, registration) = AbortHandle::new_pair();
                        let run = run_operation(self.state.clone(), id.clone(), generation, request, self.out.clone(), self.ctl.clone());
                        self.running.push(Abortable::new(run, registration).map(|r| r.ok().flatten()).boxed());
                        Op::Local(abort)
                    }
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
            _ => Err((CloseCode::InvalidMessage, "Invalid message received: unknown type")),
        }
    }

    fn send(&self, text: String) -> Result<(), Close> {
        self.enqueue(Out::Text(text))
    }

    fn enqueue(&self, out: Out) -> Result<(), Close> {
        match self.out.try_send(out) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err((CloseCode::TryAgainLater, "Try again later: too slow")),
            Err(TrySendError::Closed(_)) => Err((CloseCode::Normal, "Closed")),
        }
    }
}

/// Runs an operation that cannot be shared (a replay, a per-viewer document, a
/// query or mutation sent over the socket), polled by the connection's task. Ends
/// with its generation when it completed (the connection forgets its id), `None`
/// when the socket is going away.
async fn run_operation(
    state: AppState,
    id: String,
    generation: u64,
    request: async_graphql::Request,
    out: queue::Sender<Out>,
    ctl: queue::Sender<Ctl>,
) -> Option<u64> {
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
            return Some(generation);
        }
        first = false;
        let frame = frame(&id, "next", &resp);
        if !send(frame) {
            return None;
        }
        metrics.deliveries.inc();
    }
    send(complete(&id));
    Some(generation)
}
