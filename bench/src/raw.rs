//! The fan-out baseline: a minimal axum WebSocket broadcaster that sends one
//! pre-serialized frame to every connected socket, coalescing queued frames into one
//! flush as the server does (so the ratio compares delivery paths, not flush policies). It runs as its own process (this
//! binary, `raw-server`) so its CPU time is measured apart from the clients'.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::Router;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::broadcast;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    pub port: u16,
}

#[derive(Clone)]
struct S {
    tx: broadcast::Sender<Arc<str>>,
}

#[derive(serde::Deserialize)]
struct Cast {
    count: usize,
    size: usize,
}

pub async fn serve(a: Args) {
    let (tx, _) = broadcast::channel(4096);
    let app = Router::new().route("/ws", get(ws)).route("/broadcast", post(cast)).with_state(S { tx });
    let l = tokio::net::TcpListener::bind(("127.0.0.1", a.port)).await.expect("bind");
    axum::serve(l, app).await.expect("serve");
}

async fn ws(State(s): State<S>, up: WebSocketUpgrade) -> axum::response::Response {
    up.read_buffer_size(4096).write_buffer_size(4096).on_upgrade(move |sock: WebSocket| async move {
        let mut rx = s.tx.subscribe();
        let (mut tx, mut inbound) = sock.split();
        loop {
            tokio::select! {
                m = rx.recv() => match m {
                    // Like the server's writer: write what is queued, then flush once.
                    Ok(frame) => {
                        if tx.feed(Message::Text((&*frame).into())).await.is_err() {
                            break;
                        }
                        // At most 64 more (checked before taking one: a frame taken is written).
                        for _ in 0..64 {
                            let Ok(frame) = rx.try_recv() else { break };
                            if tx.feed(Message::Text((&*frame).into())).await.is_err() {
                                return;
                            }
                        }
                        if tx.flush().await.is_err() {
                            break;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                },
                m = inbound.next() => if !matches!(m, Some(Ok(_))) { break },
            }
        }
    })
}

async fn cast(State(s): State<S>, Query(c): Query<Cast>) -> &'static str {
    let frame: Arc<str> = Arc::from("x".repeat(c.size));
    for _ in 0..c.count {
        let _ = s.tx.send(frame.clone());
        tokio::task::yield_now().await;
    }
    "ok"
}
