//! Webhook delivery (docs/webhooks.md; budget: at least 2,000 signed deliveries/s on one
//! node to local receivers, none lost across a killed node). Local receivers (in this
//! process) check every delivery's signature and count event ids; visitors send
//! messages through the API, each a `message.created` for every endpoint. Figures:
//! deliveries/s from the first send to the last delivery, the server's CPU per
//! delivery (its sends included), and lost, duplicated and unsigned deliveries.
//!
//! With `--kill` (two or more nodes, PostgreSQL and Redis), the first node is killed
//! (SIGKILL) halfway through the deliveries: its leased deliveries are taken over by
//! the others once their leases expire (`CHINWAG_JOB_LEASE_MS`, 3 s here); every
//! acknowledged message's event must still arrive. With `--restart-redis` the Redis the
//! nodes share (a private `redis-server` on a free port, never the machine's own) is
//! restarted at the same moment.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;

use crate::client::{Api, Result};
use crate::report::Report;
use crate::server::{Server, Target};

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Endpoints (each its own local receiver), every one taking `message.created`.
    #[arg(long, default_value_t = 5)]
    pub endpoints: usize,
    /// Messages sent (each one event, delivered to every endpoint).
    #[arg(long, default_value_t = 4000)]
    pub messages: usize,
    /// Concurrent senders.
    #[arg(long, default_value_t = 64)]
    pub senders: usize,
    /// Kill the first node halfway (needs --nodes 2 or more).
    #[arg(long)]
    pub kill: bool,
    /// Restart a private Redis halfway (needs --kill; the nodes use it instead of --redis-url).
    #[arg(long)]
    pub restart_redis: bool,
    /// Seconds to wait for the last deliveries.
    #[arg(long, default_value_t = 120.0)]
    pub timeout: f64,
}

#[derive(Default)]
struct Seen {
    /// Per receiver: event id -> times delivered.
    ids: Vec<HashMap<String, u32>>,
    unsigned: u64,
    total: u64,
    last: Option<Instant>,
}

#[derive(Clone)]
struct Receivers {
    seen: Arc<Mutex<Seen>>,
    secrets: Arc<Mutex<Vec<String>>>,
}

async fn receive(State(r): State<Receivers>, Path(n): Path<usize>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (id, ts, sig) = (h("webhook-id"), h("webhook-timestamp"), h("webhook-signature"));
    let secret = r.secrets.lock().expect("secrets").get(n).cloned().unwrap_or_default();
    let signed = !id.is_empty() && ts.parse::<i64>().is_ok_and(|t| sig.split(' ').any(|s| s == chinwag::domain::webhooks::sign(&secret, &id, t, &body)));
    let mut s = r.seen.lock().expect("seen");
    s.total += 1;
    s.last = Some(Instant::now());
    if !signed {
        s.unsigned += 1;
        return StatusCode::BAD_REQUEST;
    }
    *s.ids[n].entry(id).or_default() += 1;
    StatusCode::NO_CONTENT
}

/// A private `redis-server` on a free port (never the machine's shared one).
struct PrivateRedis {
    port: u16,
    child: std::process::Child,
}

impl PrivateRedis {
    fn start(port: u16) -> Result<PrivateRedis> {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server: {e}"))?;
        Ok(PrivateRedis { port, child })
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

pub async fn run(target: &Target, a: Args) -> Result<Report> {
    let mut rep = Report::new(
        "webhooks",
        json!({ "endpoints": a.endpoints, "messages": a.messages, "senders": a.senders, "kill": a.kill, "nodes": target.nodes,
                "store": super::latency::store_name(target) }),
    );
    if a.kill && target.nodes < 2 {
        return Err("--kill needs --nodes 2 or more (with --database-url and --redis-url)".into());
    }
    let mut redis = if a.restart_redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?.local_addr().map_err(|e| e.to_string())?.port();
        let r = PrivateRedis::start(port)?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        Some(r)
    } else {
        None
    };
    let mut target = target.clone();
    if let Some(r) = &redis {
        target.redis_url = Some(format!("redis://127.0.0.1:{}", r.port));
    }
    let mut servers: Vec<Server> = Vec::new();
    if let Some(url) = &target.url {
        servers.push(Server::at(url, target.server_pid));
    } else {
        let secret = chinwag::ids::random_token(32);
        let prefix = format!("bench-{}:", chinwag::ids::new_id("r"));
        let env = [("CHINWAG_OUTBOUND_ALLOW_PRIVATE", "true"), ("CHINWAG_JOB_LEASE_MS", "3000")];
        for _ in 0..target.nodes {
            servers.push(target.spawn_with(&secret, &prefix, &env).await?);
        }
    }

    // The receivers.
    let rec = Receivers { seen: Arc::new(Mutex::new(Seen { ids: vec![HashMap::new(); a.endpoints], ..Seen::default() })), secrets: Arc::default() };
    let app = axum::Router::new().route("/hook/{n}", axum::routing::post(receive)).with_state(rec.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let base = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    // The last node is the one that stays up: set up through it.
    let api = Api::new(&servers[servers.len() - 1].base);
    let owner = api.sign_up().await?;
    let key = api.website(&owner).await?;
    for n in 0..a.endpoints {
        let d = api
            .gql(
                Some(&owner),
                "mutation($u: String!) { createWebhookEndpoint(input: {url: $u, eventTypes: [MESSAGE_CREATED]}) { secret } }",
                json!({ "u": format!("{base}/hook/{n}") }),
            )
            .await?;
        rec.secrets.lock().expect("secrets").push(d["createWebhookEndpoint"]["secret"].as_str().unwrap_or_default().to_owned());
    }
    let mut convs = Vec::new();
    for i in 0..a.senders {
        let node = Api::new(&servers[i % servers.len()].base);
        convs.push((node, api.visitor_conversation(&key).await?));
    }
    // The conversations' first messages were events too: wait for them, then start.
    let first = a.senders as u64 * a.endpoints as u64;
    wait_total(&rec, first, Duration::from_secs(30)).await;
    let base_total = rec.seen.lock().expect("seen").total;

    let cpu0: Vec<Option<f64>> = servers.iter().map(|s| s.cpu_seconds()).collect();
    let started = Instant::now();
    let acked = Arc::new(Mutex::new(0usize));
    let per = a.messages / a.senders.max(1);
    let mut tasks = Vec::new();
    for (node, (token, conv)) in convs {
        let acked = acked.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per {
                let q = "mutation($c: ID!, $b: String!) { sendMessage(input: {conversationId: $c, body: $b}) { id } }";
                if node.gql(Some(&token), q, json!({ "c": conv, "b": format!("message {i}") })).await.is_ok() {
                    *acked.lock().expect("acked") += 1;
                }
            }
        }));
    }
    let expected_total = |acked: usize| (acked as u64 + a.senders as u64) * a.endpoints as u64;
    let mut killed_at = None;
    if a.kill {
        // Halfway through the deliveries, the first node dies without warning.
        let half = base_total + (a.messages as u64 * a.endpoints as u64) / 2;
        wait_total(&rec, half, Duration::from_secs_f64(a.timeout)).await;
        servers[0].kill();
        killed_at = Some(started.elapsed());
        if let Some(r) = &mut redis {
            let port = r.port;
            r.stop();
            tokio::time::sleep(Duration::from_millis(500)).await;
            *r = PrivateRedis::start(port)?;
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    let sent_in = started.elapsed();
    let acked = *acked.lock().expect("acked");
    let expected = expected_total(acked);
    wait_unique(&rec, expected, Duration::from_secs_f64(a.timeout)).await;
    let seen = rec.seen.lock().expect("seen");
    let elapsed = seen.last.map_or(started.elapsed(), |l| l.duration_since(started));
    let unique: u64 = seen.ids.iter().map(|m| m.len() as u64).sum();
    let delivered: u64 = seen.ids.iter().flat_map(|m| m.values()).map(|n| *n as u64).sum();
    let measured = delivered.saturating_sub(first) as f64;
    rep.figure("messages acknowledged", acked as f64, "msg");
    rep.figure("  sent in", sent_in.as_secs_f64(), "s");
    rep.figure("deliveries/s, first send to last delivery", measured / elapsed.as_secs_f64().max(1e-9), "deliveries/s");
    let cpu: f64 = servers.iter().zip(&cpu0).filter_map(|(s, c0)| Some(s.cpu_seconds()? - (*c0)?)).sum();
    if cpu > 0.0 {
        rep.figure("  server CPU per delivery (its sends included)", cpu * 1e6 / measured.max(1.0), "us");
    }
    rep.figure("lost", expected.saturating_sub(unique) as f64, "deliveries");
    rep.figure("duplicated", delivered.saturating_sub(unique) as f64, "deliveries");
    rep.figure("unsigned or badly signed", seen.unsigned as f64, "deliveries");
    if let Some(k) = killed_at {
        rep.figure("node killed at", k.as_secs_f64(), "s");
    }
    Ok(rep)
}

async fn wait_total(rec: &Receivers, n: u64, limit: Duration) {
    let deadline = Instant::now() + limit;
    while rec.seen.lock().expect("seen").total < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_unique(rec: &Receivers, n: u64, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let unique: u64 = rec.seen.lock().expect("seen").ids.iter().map(|m| m.len() as u64).sum();
        if unique >= n || Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
