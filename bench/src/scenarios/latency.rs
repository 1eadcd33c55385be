//! Latency: rooms of 2 to 10 members, messages sent at a fixed rate (over WebSocket by
//! default, like the budget says), latency measured at every receiving member.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::SinkExt as _;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, Api, Result, CONVERSATION_EVENTS, SEND_MUTATION};
use crate::report::{percentiles, Report};
use crate::server::Target;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Conversations.
    #[arg(long, default_value_t = 200)]
    pub rooms: usize,
    /// Receiving members per room (the visitor and agents), 2 to 10.
    #[arg(long, default_value_t = 5)]
    pub members: usize,
    /// Messages per second, all rooms together.
    #[arg(long, default_value_t = 2000)]
    pub rate: u64,
    /// Seconds of sending.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// `ws` (sendMessage over the socket) or `http`.
    #[arg(long, default_value = "ws")]
    pub transport: String,
    /// Also run the durable-relay floor (`relay.rs`) with the same rooms and rate, after
    /// the server, and report the server's latency as a ratio to it (on PostgreSQL, the
    /// floor commits a row per batch to the same database).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub floor: bool,
}

struct Receiver {
    last_seq: i64,
    delivered: u64,
    duplicated: u64,
}

pub async fn run(target: &Target, a: Args) -> Result<Report> {
    let servers = target.servers().await?;
    let apis: Vec<Api> = servers.iter().map(|s| Api::new(&s.base)).collect();
    let owner = apis[0].sign_up().await?;
    let key = apis[0].website(&owner).await?;
    let mut rooms = Vec::new();
    for _ in 0..a.rooms {
        rooms.push(apis[0].visitor_conversation(&key).await?);
    }
    let base = Instant::now();
    let samples: Arc<Mutex<Vec<f64>>> = Arc::new(Mutex::new(Vec::with_capacity((a.rate as f64 * a.duration) as usize * a.members)));
    let receivers: Arc<Mutex<Vec<Receiver>>> = Arc::new(Mutex::new(Vec::new()));
    let acked = Arc::new(AtomicU64::new(0));

    // Receivers: the room's visitor plus agents, spread over the nodes.
    let mut tasks = Vec::new();
    for (r, (vtoken, conv)) in rooms.iter().enumerate() {
        for m in 0..a.members {
            let token = if m == 0 { vtoken.clone() } else { owner.clone() };
            let node = &servers[(r + m) % servers.len()].base;
            let mut sock = client::connect(node, &token, None).await?;
            sock.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await?;
            let idx = {
                let mut rs = receivers.lock().unwrap();
                rs.push(Receiver { last_seq: 1, delivered: 0, duplicated: 0 });
                rs.len() - 1
            };
            let (samples, receivers) = (samples.clone(), receivers.clone());
            tasks.push(tokio::spawn(async move {
                while let Some(t) = sock.next_text().await {
                    let Some(ts) = field(&t, "\"body\":\"t=", '"') else { continue };
                    let now = base.elapsed().as_micros() as f64;
                    let sent: f64 = ts.parse().unwrap_or(now);
                    let seq = seq_of(&t).unwrap_or(0);
                    samples.lock().unwrap().push((now - sent) / 1000.0);
                    let mut rs = receivers.lock().unwrap();
                    let rc = &mut rs[idx];
                    if seq <= rc.last_seq {
                        rc.duplicated += 1;
                    } else {
                        rc.last_seq = seq;
                        rc.delivered += 1;
                    }
                }
            }));
        }
    }
    // Senders: one socket per room (the visitor), on another node than most receivers.
    let mut senders = Vec::new();
    for (r, (vtoken, _)) in rooms.iter().enumerate() {
        let node = &servers[(r + 1) % servers.len()].base;
        if a.transport == "ws" {
            let sock = client::connect(node, vtoken, None).await?;
            let (tx, mut rx) = (sock.tx, sock.rx);
            let acked = acked.clone();
            tasks.push(tokio::spawn(async move {
                use futures_util::StreamExt as _;
                while let Some(Ok(Message::Text(t))) = rx.next().await {
                    if t.contains("\"complete\"") {
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
            senders.push(Some(tx));
        } else {
            senders.push(None);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let cpu0 = servers.iter().filter_map(|s| s.cpu_seconds()).sum::<f64>();
    let own0 = crate::server::own_cpu_seconds();
    let started = Instant::now();
    let total = (a.rate as f64 * a.duration) as u64;
    // A steady rate: a few messages every millisecond (the timer's resolution), not
    // bursts, which would measure the queue behind each burst.
    let tick = Duration::from_millis(1);
    let per_tick = a.rate as f64 / 1000.0;
    let mut sent = 0u64;
    let mut owed = 0.0;
    let mut next_id = 0u64;
    let mut interval = tokio::time::interval(tick);
    let mut http_tasks = Vec::new();
    while sent < total {
        interval.tick().await;
        owed += per_tick;
        while owed >= 1.0 && sent < total {
            owed -= 1.0;
            let room = (sent as usize) % rooms.len();
            let body = format!("t={}", base.elapsed().as_micros());
            match &mut senders[room] {
                Some(tx) => {
                    next_id += 1;
                    let frame = json!({ "id": next_id.to_string(), "type": "subscribe", "payload": { "query": SEND_MUTATION, "variables": { "c": rooms[room].1, "b": body } } });
                    tx.send(Message::Text(frame.to_string().into())).await.map_err(|e| e.to_string())?;
                }
                None => {
                    let api = apis[(room + 1) % apis.len()].clone();
                    let (token, conv) = rooms[room].clone();
                    let acked = acked.clone();
                    http_tasks.push(tokio::spawn(async move {
                        if api.send(&token, &conv, &body).await.is_ok() {
                            acked.fetch_add(1, Ordering::Relaxed);
                        }
                    }));
                }
            }
            sent += 1;
        }
    }
    let send_secs = started.elapsed().as_secs_f64();
    let expected = sent * a.members as u64;
    let drain_until = Instant::now() + Duration::from_secs(10);
    loop {
        let delivered: u64 = receivers.lock().unwrap().iter().map(|r| r.delivered).sum();
        // Every delivery and every sender's acknowledgement (which may come last).
        if (delivered >= expected && acked.load(Ordering::Relaxed) >= sent) || Instant::now() > drain_until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = servers.iter().filter_map(|s| s.cpu_seconds()).sum::<f64>() - cpu0;
    let own = crate::server::own_cpu_seconds() - own0;
    for t in tasks {
        t.abort();
    }
    let (delivered, duplicated) = receivers.lock().unwrap().iter().fold((0, 0), |(d, u), r| (d + r.delivered, u + r.duplicated));

    let mut rep = Report::new(
        "latency",
        json!({ "rooms": a.rooms, "members": a.members, "rate": a.rate, "duration": a.duration, "transport": a.transport, "nodes": servers.len(), "store": store_name(target) }),
    );
    rep.figure("sent", sent as f64, "messages");
    rep.figure("acknowledged", acked.load(Ordering::Relaxed) as f64, "messages");
    rep.figure("achieved send rate", sent as f64 / send_secs, "msg/s");
    rep.figure("delivered", delivered as f64, "deliveries");
    rep.figure("delivered/s", delivered as f64 / elapsed, "deliveries/s");
    rep.figure("lost", expected.saturating_sub(delivered) as f64, "deliveries");
    rep.figure("duplicated", duplicated as f64, "deliveries");
    let mut s = std::mem::take(&mut *samples.lock().unwrap());
    percentiles(&mut s, &mut rep, "send->deliver", "ms");
    if cpu > 0.0 {
        rep.figure("server CPU per delivery", cpu * 1e6 / delivered.max(1) as f64, "us");
        rep.figure("server CPU per message", cpu * 1e6 / sent.max(1) as f64, "us");
    }
    rep.figure("load generator CPU", own, "s");
    if a.floor {
        // On PostgreSQL the floor commits its batches there: the server's floor on its store.
        let (mut fs, cpu_per_message, lost) = floor(&a, target.database_url.as_deref()).await?;
        percentiles(&mut fs, &mut rep, "floor send->deliver", "ms");
        rep.figure("floor lost", lost as f64, "deliveries");
        if let Some(c) = cpu_per_message {
            rep.figure("floor CPU per message", c, "us");
        }
        for p in ["p50", "p99"] {
            if let (Some(server), Some(floor)) = (rep.get(&format!("send->deliver {p}")), rep.get(&format!("floor send->deliver {p}"))) {
                rep.figure(&format!("send->deliver {p} / floor"), server / floor.max(1e-6), "x");
            }
        }
    }
    Ok(rep)
}

/// The durable-relay floor (`relay-server`, its own process), driven like the server:
/// the same rooms, members and rate, one sending socket per room. Its latency samples,
/// its CPU per message and what it lost.
async fn floor(a: &Args, database_url: Option<&str>) -> Result<(Vec<f64>, Option<f64>, u64)> {
    use futures_util::StreamExt as _;
    let port = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?.local_addr().unwrap().port();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("relay.log");
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args(["relay-server", "--port", &port.to_string(), "--file", &file.to_string_lossy()]);
    if let Some(url) = database_url.filter(|u| u.starts_with("postgres")) {
        cmd.args(["--database-url", url]);
    }
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let pid = child.id();
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let connect = |room: usize, send: u8| async move {
        tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/ws?room={room}&send={send}")).await.map(|(ws, _)| ws).map_err(|e| e.to_string())
    };
    let base = Instant::now();
    let samples: Arc<Mutex<Vec<f64>>> = Arc::new(Mutex::new(Vec::new()));
    let delivered = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for room in 0..a.rooms {
        for _ in 0..a.members {
            let mut ws = connect(room, 0).await?;
            let (samples, delivered) = (samples.clone(), delivered.clone());
            tasks.push(tokio::spawn(async move {
                while let Some(Ok(Message::Text(t))) = ws.next().await {
                    let Some(ts) = field(&t, "\"body\":\"t=", '"') else { continue };
                    let now = base.elapsed().as_micros() as f64;
                    samples.lock().unwrap().push((now - ts.parse().unwrap_or(now)) / 1000.0);
                    delivered.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
    }
    let mut senders = Vec::new();
    for room in 0..a.rooms {
        let (tx, mut rx) = connect(room, 1).await?.split();
        tasks.push(tokio::spawn(async move { while rx.next().await.is_some() {} }));
        senders.push(tx);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cpu0 = crate::server::cpu_seconds(pid);
    let total = (a.rate as f64 * a.duration) as u64;
    let per_tick = a.rate as f64 / 1000.0;
    let (mut sent, mut owed) = (0u64, 0.0);
    let mut interval = tokio::time::interval(Duration::from_millis(1));
    while sent < total {
        interval.tick().await;
        owed += per_tick;
        while owed >= 1.0 && sent < total {
            owed -= 1.0;
            let frame = json!({ "id": sent.to_string(), "b": format!("t={}", base.elapsed().as_micros()) });
            senders[(sent as usize) % a.rooms].send(Message::Text(frame.to_string().into())).await.map_err(|e| e.to_string())?;
            sent += 1;
        }
    }
    let expected = sent * a.members as u64;
    let deadline = Instant::now() + Duration::from_secs(10);
    while delivered.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = delivered.load(Ordering::Relaxed);
    let cpu = cpu0.and_then(|c0| crate::server::cpu_seconds(pid).map(|c1| (c1 - c0) * 1e6 / sent.max(1) as f64));
    for t in tasks {
        t.abort();
    }
    let _ = child.kill();
    let _ = child.wait();
    let s = std::mem::take(&mut *samples.lock().unwrap());
    Ok((s, cpu, expected.saturating_sub(got)))
}

/// The text between `start` and `end` in a frame, without parsing the JSON.
pub fn field<'a>(text: &'a str, start: &str, end: char) -> Option<&'a str> {
    let i = text.find(start)? + start.len();
    let rest = &text[i..];
    Some(&rest[..rest.find(end)?])
}

/// The `seq` of a MessageAdded frame (keys may come in any order).
pub fn seq_of(text: &str) -> Option<i64> {
    let i = text.find("\"seq\":")? + 6;
    let digits: String = text[i..].chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

pub fn store_name(t: &Target) -> &'static str {
    match &t.database_url {
        Some(u) if u.starts_with("postgres") => "postgres",
        _ => "sqlite",
    }
}
