//! The durable-relay floor (issue 17): the least a durable chat relay does per message.
//! Each batch of what arrived is appended to a file and made durable (`fdatasync`),
//! then broadcast to the room's sockets and acknowledged to its senders, with one flush
//! per socket for what is queued, as the server writes. It runs as its own process (this
//! binary, `relay-server`), so its CPU is measured apart from the clients'; the latency
//! scenario drives it with the same rooms and rate as the server, so the server's latency
//! is also a ratio to this floor, which travels between machines.
//!
//! With `--database-url postgres://...` the durable step is PostgreSQL's instead of a
//! file's: one row per batch, committed through a pool (the server's own floor on
//! PostgreSQL).
//!
//! Protocol (no GraphQL: that is the server's cost, not the floor's): a socket joins
//! `/ws?room=N` (a sender `/ws?room=N&send=1`); a sender's text frame is `{"id":"1","b":"..."}`; every member gets
//! `{"seq":N,"body":"..."}` and the sender `{"type":"complete","id":"1"}`.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::{broadcast, mpsc};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    pub port: u16,
    /// The append-only file (created).
    #[arg(long)]
    pub file: std::path::PathBuf,
    /// Commit each batch as a row in PostgreSQL instead (a table `relay_floor`).
    #[arg(long)]
    pub database_url: Option<String>,
}

/// A message on its way to the file.
struct In {
    room: u64,
    id: String,
    body: String,
    ack: mpsc::UnboundedSender<Arc<str>>,
}

#[derive(Clone)]
struct S {
    rooms: Arc<Mutex<HashMap<u64, broadcast::Sender<Arc<str>>>>>,
    appender: mpsc::UnboundedSender<In>,
}

impl S {
    fn room(&self, room: u64) -> broadcast::Sender<Arc<str>> {
        self.rooms.lock().unwrap().entry(room).or_insert_with(|| broadcast::channel(4096).0).clone()
    }
}

#[derive(serde::Deserialize)]
struct Join {
    room: u64,
    /// A sending socket only (`&send=1`): acknowledgements, no deliveries (the server's
    /// sender in the latency scenario is not subscribed either).
    #[serde(default)]
    send: u8,
}

#[derive(serde::Deserialize)]
struct Send {
    id: String,
    b: String,
}

/// The batch's lines, as the durable step stores them.
fn lines(batch: &[In]) -> Vec<u8> {
    let mut buf = Vec::new();
    for m in batch {
        let _ = writeln!(buf, "{}\t{}\t{}", m.room, m.id, m.body);
    }
    buf
}

/// What is queued after `first`, up to 256 in all.
fn batch_after(first: In, rx: &mut mpsc::UnboundedReceiver<In>) -> Vec<In> {
    let mut batch = vec![first];
    while batch.len() < 256 {
        let Ok(m) = rx.try_recv() else { break };
        batch.push(m);
    }
    batch
}

/// Once a batch is durable: each message to its room, each acknowledgement to its sender.
fn deliver(s: &S, seqs: &mut HashMap<u64, u64>, batch: Vec<In>) {
    for m in batch {
        let seq = seqs.entry(m.room).or_insert(0);
        *seq += 1;
        let body = serde_json::to_string(&m.body).unwrap_or_default();
        let _ = s.room(m.room).send(format!("{{\"seq\":{seq},\"body\":{body}}}").into());
        let _ = m.ack.send(format!("{{\"type\":\"complete\",\"id\":\"{}\"}}", m.id).into());
    }
}

/// Batches, one write and one `fdatasync` each, then the deliveries: a thread of its
/// own, as a store's writer is.
fn append_to_file(file: std::path::PathBuf, mut rx: mpsc::UnboundedReceiver<In>, s: S) {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(file).expect("relay file");
    let mut seqs = HashMap::new();
    while let Some(first) = rx.blocking_recv() {
        let batch = batch_after(first, &mut rx);
        f.write_all(&lines(&batch)).expect("relay write");
        f.sync_data().expect("relay fdatasync");
        deliver(&s, &mut seqs, batch);
    }
}

/// Batches, one row committed each (PostgreSQL's own durability), then the deliveries.
async fn append_to_postgres(url: String, mut rx: mpsc::UnboundedReceiver<In>, s: S) {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(&url).await.expect("relay: PostgreSQL");
    sqlx::query("create table if not exists relay_floor (id bigserial primary key, batch text not null)").execute(&pool).await.expect("relay table");
    let mut seqs = HashMap::new();
    while let Some(first) = rx.recv().await {
        let batch = batch_after(first, &mut rx);
        let text = String::from_utf8_lossy(&lines(&batch)).into_owned();
        sqlx::query("insert into relay_floor (batch) values ($1)").bind(text).execute(&pool).await.expect("relay insert");
        deliver(&s, &mut seqs, batch);
    }
}

pub async fn serve(a: Args) {
    let (tx, rx) = mpsc::unbounded_channel();
    let s = S { rooms: Default::default(), appender: tx };
    let (file, state) = (a.file.clone(), s.clone());
    match a.database_url {
        Some(url) => drop(tokio::spawn(append_to_postgres(url, rx, state))),
        None => drop(std::thread::spawn(move || append_to_file(file, rx, state))),
    }
    let app = Router::new().route("/ws", get(ws)).with_state(s);
    let l = tokio::net::TcpListener::bind(("127.0.0.1", a.port)).await.expect("bind");
    axum::serve(l, app).await.expect("serve");
}

async fn ws(State(s): State<S>, Query(j): Query<Join>, up: WebSocketUpgrade) -> axum::response::Response {
    up.read_buffer_size(4096).write_buffer_size(4096).on_upgrade(move |sock: WebSocket| async move {
        // A sender's receiver is of a channel nobody sends to (kept open while it runs).
        let (_quiet, mut deliveries) = if j.send == 1 {
            let (tx, rx) = broadcast::channel(1);
            (Some(tx), rx)
        } else {
            (None, s.room(j.room).subscribe())
        };
        let (ack_tx, mut acks) = mpsc::unbounded_channel::<Arc<str>>();
        let (mut out, mut inbound) = sock.split();
        loop {
            let frame = tokio::select! {
                d = deliveries.recv() => match d { Ok(f) => f, Err(broadcast::error::RecvError::Lagged(_)) => continue, Err(_) => break },
                Some(f) = acks.recv() => f,
                m = inbound.next() => match m {
                    Some(Ok(Message::Text(t))) => {
                        if let Ok(m) = serde_json::from_str::<Send>(&t) {
                            let _ = s.appender.send(In { room: j.room, id: m.id, body: m.b, ack: ack_tx.clone() });
                        }
                        continue;
                    }
                    Some(Ok(_)) => continue,
                    _ => break,
                },
            };
            // Like the server's writer: write what is queued, then flush once.
            if out.feed(Message::Text((&*frame).into())).await.is_err() {
                break;
            }
            for _ in 0..64 {
                let next = match deliveries.try_recv() {
                    Ok(f) => f,
                    Err(_) => match acks.try_recv() {
                        Ok(f) => f,
                        Err(_) => break,
                    },
                };
                if out.feed(Message::Text((&*next).into())).await.is_err() {
                    return;
                }
            }
            if out.flush().await.is_err() {
                break;
            }
        }
    })
}
