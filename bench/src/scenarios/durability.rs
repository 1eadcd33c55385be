//! Durability: (1) the sustained commit rate at the store with concurrent writers
//! (the store API in process, every commit durable: SQLite `synchronous=FULL`,
//! PostgreSQL `synchronous_commit=on`); (2) acknowledged `sendMessage`/s end to end over
//! HTTP at rising concurrency, with p99 latency (budget: the highest rate with p99
//! under 50 ms).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use chinwag::domain::{Role, SenderKind};
use chinwag::store::{Appender, NewAgent, NewMessage, NewVisitor, Store};

use crate::client::{Api, Result};
use crate::report::{percentiles, Report};
use crate::server::Target;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Concurrent writers at the store.
    #[arg(long, default_value_t = 64)]
    pub writers: usize,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 5.0)]
    pub duration: f64,
    /// Concurrency steps for the end-to-end run.
    #[arg(long, value_delimiter = ',', default_values_t = vec![16, 64, 256])]
    pub concurrency: Vec<usize>,
    #[arg(long)]
    pub skip_store: bool,
    #[arg(long)]
    pub skip_e2e: bool,
}

pub async fn run(target: &Target, a: Args) -> Result<Report> {
    let mut rep = Report::new(
        "durability",
        json!({ "writers": a.writers, "duration": a.duration, "concurrency": a.concurrency, "store": super::latency::store_name(target) }),
    );
    if !a.skip_store {
        let (single, _) = store_rate(target, a.writers, a.duration, false, None).await?;
        rep.figure("store commits/s, one message per transaction", single, "msg/s");
        let (grouped, _) = store_rate(target, a.writers, a.duration, true, None).await?;
        rep.figure("store commits/s, group commit", grouped, "msg/s");
    }
    if !a.skip_e2e {
        let servers = target.servers().await?;
        let server = &servers[0];
        let api = Api::new(&server.base);
        let owner = api.sign_up().await?;
        let key = api.website(&owner).await?;
        let mut best: Option<(f64, f64, usize)> = None;
        for &c in &a.concurrency {
            let mut convs = Vec::new();
            for _ in 0..c.min(256) {
                convs.push(api.visitor_conversation(&key).await?);
            }
            let cpu0 = server.cpu_seconds();
            let (rate, mut lat) = closed_loop(&api, &convs, c, a.duration).await;
            let cpu = cpu0.and_then(|c0| server.cpu_seconds().map(|c1| c1 - c0));
            let mut part = Report::new("durability e2e", json!({ "concurrency": c }));
            part.figure("acknowledged sendMessage/s", rate, "msg/s");
            percentiles(&mut lat, &mut part, "sendMessage", "ms");
            if let Some(cpu) = cpu {
                part.figure("server CPU per message", cpu * 1e6 / (rate * a.duration).max(1.0), "us");
            }
            let p99 = part.get("sendMessage p99").unwrap_or(f64::MAX);
            if p99 < 50.0 && best.is_none_or(|b| rate > b.0) {
                best = Some((rate, p99, c));
            }
            rep.parts.push(part);
        }
        match best {
            Some((rate, p99, c)) => {
                rep.figure("e2e sendMessage/s with p99 < 50 ms", rate, "msg/s");
                rep.figure("  its p99", p99, "ms");
                rep.figure("  at concurrency", c as f64, "requests");
            }
            None => rep.notes.push("no concurrency step kept p99 under 50 ms".into()),
        }
    }
    Ok(rep)
}

pub async fn closed_loop(api: &Api, convs: &[(String, String)], concurrency: usize, secs: f64) -> (f64, Vec<f64>) {
    let done = Arc::new(AtomicU64::new(0));
    let lat = Arc::new(Mutex::new(Vec::new()));
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..concurrency {
        let (api, (token, conv), done, lat) = (api.clone(), convs[i % convs.len()].clone(), done.clone(), lat.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                if api.send(&token, &conv, "durable").await.is_ok() {
                    mine.push(t.elapsed().as_secs_f64() * 1000.0);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
            lat.lock().unwrap().extend(mine);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    let v = std::mem::take(&mut *lat.lock().unwrap());
    (rate, v)
}

/// Durable appends per second with `writers` concurrent tasks, each on its own
/// conversation: through `Store::append_message` (a transaction each) or through the
/// group-committing `Appender` the server uses; `follow_up` adds the jobs each message
/// commits with. Returns the rate and this process's CPU per message in microseconds
/// (all of it on SQLite, which runs in process; the client side on PostgreSQL).
pub async fn store_rate(target: &Target, writers: usize, secs: f64, group: bool, follow_up: Option<chinwag::store::FollowUp>) -> Result<(f64, f64)> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let store = Store::open(target.database_url.as_deref(), dir.path()).await.map_err(|e| e.to_string())?;
    let email = format!("store-{}@bench.test", chinwag::ids::new_id("u").to_lowercase());
    let (org, _) = store
        .create_org_with_owner("Bench", NewAgent { email: &email, name: "Bench", password_hash: "x", role: Role::Owner })
        .await
        .map_err(|e| format!("{e:?}"))?;
    let web = store.create_website(&org.id, "Bench", &[], &chinwag::ids::new_id("wk"), "secret").await.map_err(|e| format!("{e:?}"))?;
    let mut convs = Vec::new();
    for _ in 0..writers {
        let v = store
            .create_visitor(NewVisitor {
                org_id: &org.id,
                website_id: &web.id,
                external_id: None,
                name: None,
                email: None,
                resume_hash: "",
                user_agent: None,
                ip: None,
            })
            .await
            .map_err(|e| format!("{e:?}"))?;
        let c = store.create_conversation(&org.id, &web.id, &v.id, false).await.map_err(|e| format!("{e:?}"))?;
        convs.push((c.id, v.id));
    }
    let done = Arc::new(AtomicU64::new(0));
    let appender = Appender::start(store.clone(), std::sync::Arc::new(chinwag::jobs::SystemClock));
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let cpu0 = crate::server::cpu_seconds(std::process::id());
    let mut tasks = Vec::new();
    for (conv, visitor) in convs {
        let (store, appender, done, org) = (store.clone(), appender.clone(), done.clone(), org.id.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                let m = NewMessage {
                    org_id: org.clone(),
                    conversation_id: conv.clone(),
                    visitor_id: None,
                    sender_kind: SenderKind::Visitor,
                    sender_id: visitor.clone(),
                    body: "durable".into(),
                    is_private: false,
                    client_message_id: None,
                    attachment_ids: Vec::new(),
                    follow_up,
                };
                let ok = if group { appender.append(m).await.is_ok() } else { store.append_message(m, chinwag::time::now_ms()).await.is_ok() };
                if ok {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let sent = done.load(Ordering::Relaxed) as f64;
    let rate = sent / started.elapsed().as_secs_f64();
    let cpu = cpu0.and_then(|c0| crate::server::cpu_seconds(std::process::id()).map(|c1| (c1 - c0) * 1e6 / sent.max(1.0))).unwrap_or(f64::NAN);
    store.close().await;
    Ok((rate, cpu))
}
