//! The graphql-transport-ws protocol, to the letter: 4400 invalid message, 4401
//! subscribe before `connection_ack`, 4403 missing/invalid/expired/revoked token (at
//! init or later), 4406 wrong subprotocol, 4408 no `connection_init` within 3 s, 4409
//! duplicate operation id, 4429 a second `connection_init`; ping/pong. At most N
//! operations per socket (one more gets an `error` for its id, the socket stays open).
//! Outbound frames go through a bounded queue; a consumer that cannot keep up is
//! closed with 1013. async-graphql's own handler does not do all of this, so the loop
//! is written here around `Schema::execute_stream`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::{SinkExt as _, StreamExt as _};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

use super::{request_meta, AppState};
use crate::app::RequestMeta;
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
    let offered = headers
        .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim() == PROTOCOL));
    ws.protocols([PROTOCOL])
        // Small buffers: thousands of idle sockets must stay cheap.
        .read_buffer_size(4 * 1024)
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
    out: mpsc::Sender<Out>,
    /// Operation tasks report a full queue or their end here.
    ctl: mpsc::UnboundedSender<Ctl>,
    principal: Option<Principal>,
    init_received: bool,
    ops: HashMap<String, (u64, JoinHandle<()>)>,
    next_gen: u64,
}

enum Ctl {
    Done(String, u64),
    SlowConsumer,
}

impl Connection {
    async fn run(state: AppState, socket: WebSocket, meta: RequestMeta) {
        let (mut sink, mut stream) = socket.split();
        let (out_tx, mut out_rx) = mpsc::channel::<Out>(state.app.settings.limits.socket_queue.max(16));
        let writer = tokio::spawn(async move {
            while let Some(o) = out_rx.recv().await {
                match o {
                    Out::Text(t) => {
                        // Coalesce what is already queued into one flush.
                        if sink.feed(WsMessage::Text(t.into())).await.is_err() {
                            return;
                        }
                        while let Ok(more) = out_rx.try_recv() {
                            let r = match more {
                                Out::Text(t) => sink.feed(WsMessage::Text(t.into())).await,
                                Out::Close(code, reason) => {
                                    let _ = sink.send(close(code, reason)).await;
                                    return;
                                }
                            };
                            if r.is_err() {
                                return;
                            }
                        }
                        if sink.flush().await.is_err() {
                            return;
                        }
                    }
                    Out::Close(code, reason) => {
                        let _ = sink.send(close(code, reason)).await;
                        return;
                    }
                }
            }
        });
        let (ctl_tx, mut ctl_rx) = mpsc::unbounded_channel();
        state.sockets.open.fetch_add(1, Ordering::Relaxed);
        let shutdown = state.sockets.shutdown.clone();
        let mut conn = Connection { state, meta, out: out_tx, ctl: ctl_tx, principal: None, init_received: false, ops: HashMap::new(), next_gen: 0 };
        let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(init_deadline);
        let mut auth_rx: Option<broadcast::Receiver<Arc<Event>>> = None;
        let expiry = tokio::time::sleep(Duration::from_secs(365 * 24 * 3600));
        tokio::pin!(expiry);
        let shutdown = shutdown.notified();
        tokio::pin!(shutdown);

        let close_with: Option<(u16, &'static str)> = loop {
            tokio::select! {
                _ = &mut init_deadline, if !conn.init_received => break Some((4408, "Connection initialisation timeout")),
                _ = &mut expiry, if conn.principal.is_some() => break Some((4403, "Forbidden: token expired")),
                _ = &mut shutdown => break Some((1012, "Server restarting")),
                ctl = ctl_rx.recv() => match ctl {
                    Some(Ctl::Done(id, generation)) => {
                        if conn.ops.get(&id).is_some_and(|(g, _)| *g == generation) {
                            conn.ops.remove(&id);
                        }
                    }
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
                        if !conn.state.app.recheck(&p).await {
                            break Some((4403, "Forbidden: access revoked"));
                        }
                    }
                }
                msg = stream.next() => match msg {
                    Some(Ok(WsMessage::Text(t))) => match conn.handle(t.as_str()).await {
                        Ok(Some(exp)) => {
                            expiry.as_mut().reset(tokio::time::Instant::now() + exp);
                            if matches!(conn.principal, Some(Principal::Agent(_) | Principal::ApiKey(_))) {
                                auth_rx = Some(conn.state.app.bus.subscribe(AUTH_TOPIC).await);
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

        for (_, (_, task)) in conn.ops.drain() {
            task.abort();
        }
        if let Some((code, reason)) = close_with {
            // The queue may be full (slow consumer): make room isn't possible, so wait briefly.
            let _ = tokio::time::timeout(Duration::from_secs(1), conn.out.send(Out::Close(code, reason))).await;
        }
        drop(conn.out);
        let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
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
                let task = tokio::spawn(run_operation(self.state.clone(), self.meta.clone(), principal, id.clone(), generation, payload, self.out.clone(), self.ctl.clone()));
                self.ops.insert(id, (generation, task));
                Ok(None)
            }
            "complete" => {
                if let Some(id) = msg.id {
                    if let Some((_, task)) = self.ops.remove(&id) {
                        task.abort();
                    }
                }
                Ok(None)
            }
            _ => Err((4400, "Invalid message received: unknown type")),
        }
    }

    fn send(&self, text: String) -> Result<(), (u16, &'static str)> {
        match self.out.try_send(Out::Text(text)) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => Err((1013, "Try again later: too slow")),
            Err(mpsc::error::TrySendError::Closed(_)) => Err((1000, "Closed")),
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_operation(
    state: AppState,
    meta: RequestMeta,
    principal: Principal,
    id: String,
    generation: u64,
    payload: SubscribePayload,
    out: mpsc::Sender<Out>,
    ctl: mpsc::UnboundedSender<Ctl>,
) {
    let raw_vars = payload.variables.clone().filter(|v| v.is_object()).unwrap_or(serde_json::Value::Object(Default::default()));
    let share_key = super::shared::key(&principal, &payload.query, payload.operation_name.as_deref(), &raw_vars);
    let variables = async_graphql::Variables::from_json(raw_vars);
    let mut request = async_graphql::Request::new(payload.query).variables(variables).data(Viewer(Some(principal.clone()))).data(meta);
    if let Some(name) = payload.operation_name {
        request = request.operation_name(name);
    }
    let metrics = state.app.metrics.clone();
    metrics.subscriptions.add(1);
    let _gauge = Decrement(metrics.clone());
    let send = |text: String| match out.try_send(Out::Text(text)) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            let _ = ctl.send(Ctl::SlowConsumer);
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    };
    if let Some(key) = share_key {
        // One execution for the audience; this socket splices its id into shared bytes.
        let mut rx = state.shared.join(key, &state.schema, request);
        let id_json = serde_json::to_string(&id).expect("ids serialize");
        loop {
            match rx.recv().await {
                Ok(item) => match &*item {
                    super::shared::Item::Payload { kind, json } => {
                        if !state.app.still_authorized(&principal) {
                            send(frame(&id, "next", &serde_json::json!({ "errors": [{ "message": "access was revoked", "extensions": { "code": "UNAUTHENTICATED" } }] })));
                            break;
                        }
                        if !send(format!(r#"{{"type":"{kind}","id":{id_json},"payload":{json}}}"#)) {
                            return;
                        }
                        if *kind == "error" {
                            let _ = ctl.send(Ctl::Done(id, generation));
                            return;
                        }
                        metrics.deliveries.inc();
                    }
                    super::shared::Item::End => break,
                },
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let _ = ctl.send(Ctl::SlowConsumer);
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
        send(json!({ "type": "complete", "id": id }).to_string());
        let _ = ctl.send(Ctl::Done(id, generation));
        return;
    }
    let mut stream = state.schema.execute_stream(request);
    let mut first = true;
    while let Some(mut resp) = stream.next().await {
        finish_response(&mut resp);
        if first && is_request_error(&resp) {
            send(frame(&id, "error", &resp.errors));
            let _ = ctl.send(Ctl::Done(id, generation));
            return;
        }
        first = false;
        let frame = frame(&id, "next", &resp);
        if !send(frame) {
            return;
        }
        metrics.deliveries.inc();
    }
    send(json!({ "type": "complete", "id": id }).to_string());
    let _ = ctl.send(Ctl::Done(id, generation));
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

/// Lowers the running-operations gauge however the operation ends (even aborted).
struct Decrement(Arc<crate::metrics::Metrics>);

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
