//! Durable jobs: (1) jobs completed per second on one node with a trivial handler
//! (enqueued first, then drained by the server's own `Worker`: lease, run, delete);
//! (2) what the outbox row costs the send path: group-committed appends with and
//! without one job per message, interleaved rounds, medians. Budgets (issue 14): at
//! least 5,000 jobs/s on SQLite and on PostgreSQL; at most 5% more CPU per message.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use chinwag::jobs::{Jobs, Kind, NewJob, Policy, SystemClock, Worker};
use chinwag::store::{ConversationRow, MessageRow, Store};

use crate::client::Result;
use crate::report::Report;
use crate::server::Target;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Jobs to drain.
    #[arg(long, default_value_t = 20_000)]
    pub jobs: usize,
    /// Jobs one node runs at once.
    #[arg(long, default_value_t = 256)]
    pub concurrency: usize,
    /// Interleaved rounds of the send-path comparison (each: without, then with).
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
    /// Seconds per send-path round.
    #[arg(long, default_value_t = 3.0)]
    pub duration: f64,
    /// Concurrent writers in the send-path comparison.
    #[arg(long, default_value_t = 64)]
    pub writers: usize,
    /// Which parts to run: `drain` (jobs/s), `store` (the outbox row at the store),
    /// `e2e` (the outbox row on sendMessage, server CPU).
    #[arg(long, value_delimiter = ',', default_values_t = vec!["drain".to_string(), "store".to_string(), "e2e".to_string()])]
    pub parts: Vec<String>,
}

pub async fn run(target: &Target, a: Args) -> Result<Report> {
    let mut rep = Report::new(
        "jobs",
        json!({ "jobs": a.jobs, "concurrency": a.concurrency, "rounds": a.rounds, "duration": a.duration, "writers": a.writers,
                "store": super::latency::store_name(target) }),
    );
    let part = |p: &str| a.parts.iter().any(|x| x == p);
    if part("drain") {
        let (rate, cpu) = drain(target, a.jobs, a.concurrency).await?;
        rep.figure("jobs completed/s, trivial handler", rate, "jobs/s");
        rep.figure("  CPU per job (this process)", cpu, "us");
    }
    if part("store") {
        store_cost(target, &a, &mut rep).await?;
    }
    if part("e2e") && target.url.is_none() {
        send_path(target, &a, &mut rep).await?;
    }
    Ok(rep)
}

/// Group-committed appends at the store with and without one job per message.
async fn store_cost(target: &Target, a: &Args, rep: &mut Report) -> Result<()> {
    let (mut without, mut with, mut rate_without, mut rate_with) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..a.rounds {
        let (r, c) = super::durability::store_rate(target, a.writers, a.duration, true, None).await?;
        rate_without.push(r);
        without.push(c);
        let (r, c) = super::durability::store_rate(target, a.writers, a.duration, true, Some(one_job)).await?;
        rate_with.push(r);
        with.push(c);
    }
    let (cw, cj) = (median(&mut without), median(&mut with));
    rep.figure("send path CPU per message, no outbox row (median)", cw, "us");
    rep.figure("send path CPU per message, one outbox row (median)", cj, "us");
    rep.figure("  outbox row's CPU cost", (cj / cw - 1.0) * 100.0, "%");
    rep.figure("group commits/s, no outbox row (median)", median(&mut rate_without), "msg/s");
    rep.figure("group commits/s, one outbox row (median)", median(&mut rate_with), "msg/s");
    if super::latency::store_name(target) == "postgres" {
        rep.notes.push("on PostgreSQL the store-level CPU figures are this process's only (the database server's is not counted)".into());
    }
    Ok(())
}

/// End to end: an agent's `sendMessage` over HTTP into ordinary conversations and into
/// offline ones (where each reply commits an email job), interleaved rounds, the
/// server's CPU per message. The server runs no job workers, so only the send path is
/// counted, not the emails.
async fn send_path(target: &Target, a: &Args, rep: &mut Report) -> Result<()> {
    let secret = chinwag::ids::random_token(32);
    let server = target.spawn_with(&secret, &format!("bench-{}:", chinwag::ids::new_id("r")), &[("CHINWAG_JOB_WORKERS", "false")]).await?;
    let api = crate::client::Api::new(&server.base);
    let owner = api.sign_up().await?;
    let key = api.website(&owner).await?;
    let (mut plain, mut offline) = (Vec::new(), Vec::new());
    for _ in 0..a.writers.clamp(1, 64) {
        plain.push((owner.clone(), api.visitor_conversation(&key).await?.1));
        offline.push((owner.clone(), api.offline_conversation(&key).await?));
    }
    let (mut without, mut with, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..a.rounds {
        // A-B, then B-A: a drift over the run does not favour either side.
        let mut order = [(&plain, &mut without), (&offline, &mut with)];
        if round % 2 == 1 {
            order.reverse();
        }
        for (convs, out) in order {
            let cpu0 = server.cpu_seconds().ok_or("no server CPU figures (need its pid)")?;
            let (rate, _) = super::durability::closed_loop(&api, convs, a.writers, a.duration).await;
            let cpu = server.cpu_seconds().ok_or("no server CPU figures")? - cpu0;
            out.push(cpu * 1e6 / (rate * a.duration).max(1.0));
        }
        ratios.push(with[with.len() - 1] / without[without.len() - 1]);
    }
    let d = api.gql(Some(&owner), "{ jobs(kind: \"email.offline_reply\", first: 1) { edges { cursor } } }", json!({})).await?;
    if d["jobs"]["edges"].as_array().is_none_or(|e| e.is_empty()) {
        return Err("the offline replies wrote no outbox rows".into());
    }
    let (cw, cj) = (median(&mut without), median(&mut with));
    rep.figure("sendMessage server CPU per message, no outbox row (median)", cw, "us");
    rep.figure("sendMessage server CPU per message, one outbox row (median)", cj, "us");
    rep.figure("  outbox row's share of the send path (medians)", (cj / cw - 1.0) * 100.0, "%");
    rep.figure("  outbox row's share, median of the rounds' ratios", (median(&mut ratios) - 1.0) * 100.0, "%");
    Ok(())
}

/// The follow-up job the comparison commits with every message.
fn one_job(m: &MessageRow, c: &ConversationRow, _became_queued: bool, now: i64) -> Vec<NewJob> {
    vec![NewJob { kind: "bench.noop", key: None, org_id: Some(c.org_id.clone()), payload: format!("{{\"m\":\"{}\"}}", m.id), run_at: now }]
}

/// Enqueues `n` jobs, then times a `Worker` draining them.
async fn drain(target: &Target, n: usize, concurrency: usize) -> Result<(f64, f64)> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let store = Store::open(target.database_url.as_deref(), dir.path()).await.map_err(|e| e.to_string())?;
    let jobs = Arc::new(Jobs::new(store.clone(), Arc::new(SystemClock)));
    let kind = format!("bench.{}", chinwag::ids::new_id("k").to_lowercase());
    let kind: &'static str = Box::leak(kind.into_boxed_str());
    let now = jobs.now();
    let batch: Vec<NewJob> = (0..n).map(|i| NewJob { kind, key: None, org_id: None, payload: format!("{{\"i\":{i}}}"), run_at: now }).collect();
    for chunk in batch.chunks(1000) {
        store.enqueue_jobs(chunk, now).await.map_err(|e| format!("{e:?}"))?;
    }
    let policy = Policy { concurrency, ..Policy::outbound() };
    let handler: chinwag::jobs::Handler = Arc::new(|_job| Box::pin(async { Ok(()) }));
    let cpu0 = crate::server::cpu_seconds(std::process::id());
    let started = Instant::now();
    let worker = Worker::start(
        store.clone(),
        jobs.clone(),
        vec![Kind { name: kind, policy, handler }],
        Duration::from_millis(100),
        Duration::from_secs(30),
        Duration::from_secs(5),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while jobs.metrics.completed.get() < n as u64 {
        if Instant::now() > deadline {
            return Err(format!("only {} of {n} jobs completed in 120 s", jobs.metrics.completed.get()));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu0.and_then(|c0| crate::server::cpu_seconds(std::process::id()).map(|c1| (c1 - c0) * 1e6 / n as f64)).unwrap_or(f64::NAN);
    worker.shutdown().await;
    let left = store.jobs_page(None, Some(kind), None, None, 10).await.map_err(|e| format!("{e:?}"))?;
    if !left.is_empty() {
        return Err(format!("{} jobs left in the store after all completed", left.len()));
    }
    store.close().await;
    Ok((n as f64 / secs, cpu))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}
