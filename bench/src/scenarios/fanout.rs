//! Fan-out: one conversation, thousands of subscribers, a burst of messages; the same
//! clients then receive a raw WebSocket broadcast of frames of the same size from a
//! minimal axum broadcaster, so "within 25% of raw" is a ratio from one run.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, Api, Result, CONVERSATION_EVENTS};
use crate::report::Report;
use crate::server::{cpu_seconds, Target};

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[arg(long, default_value_t = 2000)]
    pub subscribers: usize,
    /// Messages sent into the conversation.
    #[arg(long, default_value_t = 50)]
    pub messages: usize,
    /// Message body length in bytes.
    #[arg(long, default_value_t = 100)]
    pub body_size: usize,
    /// Also run the raw WebSocket baseline.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub raw: bool,
}

pub async fn run(target: &Target, a: Args) -> Result<Report> {
    let servers = target.servers().await?;
    let server = &servers[0];
    let api = Api::new(&server.base);
    let owner = api.sign_up().await?;
    let key = api.website(&owner).await?;
    let bot = api.api_key(&owner).await?;
    let (_, conv) = api.visitor_conversation(&key).await?;
    let sources = client::loopback_sources(a.subscribers / 10_000 + 1);

    let count = Arc::new(AtomicU64::new(0));
    let dup = Arc::new(AtomicU64::new(0));
    let frame_len = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..a.subscribers {
        let mut sock = client::connect(&server.base, &owner, Some(sources[i % sources.len()])).await?;
        sock.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await?;
        let (count, dup, frame_len) = (count.clone(), dup.clone(), frame_len.clone());
        tasks.push(tokio::spawn(async move {
            let mut last = 1i64;
            while let Some(t) = sock.next_text().await {
                let Some(seq) = super::latency::seq_of(&t) else { continue };
                frame_len.store(t.len() as u64, Ordering::Relaxed);
                if seq <= last {
                    dup.fetch_add(1, Ordering::Relaxed);
                } else {
                    last = seq;
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    wait_subscriptions(&server.base, a.subscribers).await;

    let body = "x".repeat(a.body_size);
    let expected = (a.subscribers * a.messages) as u64;
    let cpu0 = server.cpu_seconds();
    let started = Instant::now();
    // Published as a burst (16 sends in flight), as the raw baseline broadcasts its
    // frames back to back: both are measured with events queueing at the sockets.
    let sends: Vec<Result<serde_json::Value>> =
        futures_util::stream::iter(0..a.messages).map(|_| api.send(&bot, &conv, &body)).buffer_unordered(16).collect().await;
    sends.into_iter().collect::<Result<Vec<_>>>()?;
    let delivered = wait_count(&count, expected, Duration::from_secs(60)).await;
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu0.and_then(|c0| server.cpu_seconds().map(|c1| c1 - c0));
    for t in tasks {
        t.abort();
    }

    let mut rep = Report::new(
        "fanout",
        json!({ "subscribers": a.subscribers, "messages": a.messages, "body_size": a.body_size, "store": super::latency::store_name(target) }),
    );
    let rate = delivered as f64 / secs;
    rep.figure("delivered", delivered as f64, "deliveries");
    rep.figure("lost", expected.saturating_sub(delivered) as f64, "deliveries");
    rep.figure("duplicated", dup.load(Ordering::Relaxed) as f64, "deliveries");
    rep.figure("GraphQL deliveries/s", rate, "deliveries/s");
    rep.figure("frame size", frame_len.load(Ordering::Relaxed) as f64, "bytes");
    if let Some(cpu) = cpu {
        rep.figure("GraphQL server CPU per delivery", cpu * 1e6 / delivered.max(1) as f64, "us");
    }

    if a.raw {
        let size = frame_len.load(Ordering::Relaxed).max(1) as usize;
        let (raw_rate, raw_cpu) = raw_baseline(a.subscribers, a.messages, size, &sources).await?;
        rep.figure("raw deliveries/s", raw_rate, "deliveries/s");
        if let Some(c) = raw_cpu {
            rep.figure("raw server CPU per delivery", c, "us");
        }
        rep.figure("GraphQL / raw", rate / raw_rate, "ratio");
    }
    Ok(rep)
}

/// Waits until the server reports `n` running operations (subscriptions are set up).
pub async fn wait_subscriptions(base: &str, n: usize) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{base}/metrics")).send().await {
            if let Ok(t) = r.text().await {
                let active = super::latency::field(&t, "\nchinwag_subscriptions_active ", '\n').and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
                if active >= n {
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_count(count: &AtomicU64, expected: u64, limit: Duration) -> u64 {
    let deadline = Instant::now() + limit;
    loop {
        let c = count.load(Ordering::Relaxed);
        if c >= expected || Instant::now() > deadline {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn raw_baseline(subscribers: usize, messages: usize, size: usize, sources: &[std::net::IpAddr]) -> Result<(f64, Option<f64>)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?.local_addr().unwrap().port();
    let mut child =
        std::process::Command::new(std::env::current_exe().unwrap()).args(["raw-server", "--port", &port.to_string()]).spawn().map_err(|e| e.to_string())?;
    let pid = child.id();
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let count = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..subscribers {
        let stream = client::connect_from(sources[i % sources.len()], ([127, 0, 0, 1], port).into()).await?;
        let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/ws"), stream).await.map_err(|e| e.to_string())?;
        let count = count.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(m)) = ws.next().await {
                if let Message::Text(_) = m {
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let expected = (subscribers * messages) as u64;
    let cpu0 = cpu_seconds(pid);
    let started = Instant::now();
    reqwest::Client::new().post(format!("http://127.0.0.1:{port}/broadcast?count={messages}&size={size}")).send().await.map_err(|e| e.to_string())?;
    let delivered = wait_count(&count, expected, Duration::from_secs(60)).await;
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu0.and_then(|c0| cpu_seconds(pid).map(|c1| (c1 - c0) * 1e6 / delivered.max(1) as f64));
    for t in tasks {
        t.abort();
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok((delivered as f64 / secs, cpu))
}
