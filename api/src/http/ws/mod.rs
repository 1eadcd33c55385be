//! The graphql-transport-ws protocol, to the letter: 4400 invalid message, 4401
//! subscribe before `connection_ack`, 4403 missing/invalid/expired/revoked token (at
//! init or later), 4406 wrong subprotocol, 4408 no `connection_init` within 3 s, 4409
//! duplicate operation id, 4429 a second `connection_init`; ping/pong. At most N
//! operations per socket (one more gets an `error` for its id, the socket stays open).
//! Outbound frames go through a bounded queue; a consumer that cannot keep up is
//! closed with 1013. async-graphql's own handler does not do all of this, so the loop
//! is written here around `Schema::execute_stream`.
//!
//! By concern: this module upgrades and counts sockets; `protocol` has the message
//! types, the close codes and frame encoding; `connection` reads a socket's client
//! messages and runs its operations; `writer` writes its frames and delivers its shared
//! live streams; `shared` runs one execution per audience for live-only streams;
//! `queue` is the socket's small in-process queue. The transport knows no GraphQL
//! field names: what may be shared is `graphql::share_key`'s decision, what is
//! delivered is `app::live`'s.

mod connection;
mod protocol;
mod queue;
mod shared;
mod writer;

pub use shared::SharedStreams;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::response::Response;

use super::{request_meta, AppState};
use connection::Connection;
use protocol::{close, CloseCode, PROTOCOL};

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
    fn opened(&self) {
        self.open.fetch_add(1, Ordering::Relaxed);
    }
    fn closed(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
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
                let _ = socket.send(close(CloseCode::SubprotocolNotAcceptable, "Subprotocol not acceptable")).await;
            }
        })
}
