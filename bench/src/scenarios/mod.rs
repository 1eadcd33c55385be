//! The scenarios. Each has bounded counts and a duration, runs on loopback, and
//! reports server CPU time per operation alongside rates.

pub mod analytics;
pub mod assistant;
pub mod coldstart;
pub mod connections;
pub mod durability;
pub mod fanout;
pub mod jobs;
pub mod latency;
pub mod routing;
pub mod webhooks;

use crate::client::Result;
use crate::report::Report;
use crate::server::Target;

/// The server's application on the target's database (data in `dir`), in this process,
/// with rate limits and job workers off: scenarios time its operations directly.
pub async fn in_process(target: &Target, dir: &std::path::Path) -> Result<chinwag::startup::Application> {
    in_process_with(target, dir, |_| {}).await
}

/// `in_process`, with some settings of the scenario's own.
pub async fn in_process_with(target: &Target, dir: &std::path::Path, f: impl FnOnce(&mut chinwag::config::Settings)) -> Result<chinwag::startup::Application> {
    let mut settings = chinwag::config::Settings::defaults();
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.data_dir = dir.to_path_buf();
    settings.database_url = target.database_url.clone();
    settings.limits.rate_limits = "off".into();
    settings.jobs.job_workers = false;
    f(&mut settings);
    chinwag::startup::Application::build(settings).await.map_err(|x| format!("{x:?}"))
}

/// Every scenario, briefly and small: proves the generator and the contract still fit.
/// Fails when anything was lost or duplicated.
/// After a bulk load, PostgreSQL's statistics as autovacuum leaves them within a
/// minute of such a change (its planner otherwise plans for the empty tables it last
/// saw, until autovacuum comes round in the middle of a measurement). SQLite keeps no
/// statistics unless asked, and the server never asks.
pub async fn settle(store: &chinwag::store::Store) -> Result<()> {
    if let chinwag::store::Store::Postgres(pool) = store {
        sqlx::query("analyze").execute(pool).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

pub async fn smoke(target: &Target) -> Result<Report> {
    let mut r = Report::new("smoke", serde_json::json!({}));
    let lat = latency::run(target, latency::Args { rooms: 4, members: 3, rate: 200, duration: 2.0, transport: "ws".into(), floor: true }).await?;
    let fan = fanout::run(target, fanout::Args { subscribers: 50, messages: 5, body_size: 100, raw: true }).await?;
    let dur = durability::run(target, durability::Args { writers: 4, duration: 1.0, concurrency: vec![8], skip_store: false, skip_e2e: false }).await?;
    let con = connections::run(target, connections::Args { count: 60, conversations: 6, missed: 2, sources: 2 }).await?;
    let cold = coldstart::run(target, coldstart::Args { runs: 2 }).await?;
    let parts = vec!["drain".into(), "store".into(), "e2e".into()];
    let jobs = jobs::run(target, jobs::Args { jobs: 500, concurrency: 64, rounds: 1, duration: 0.5, writers: 4, parts }).await?;
    let routing = routing::run(target, routing::Args { agents: 20, departments: 4, capacity: 2, waiting: 20, duration: 1.0, clients: 4 }).await?;
    if routing.get("agents over capacity") != Some(0.0) || routing.get("assignments/s").unwrap_or(0.0) <= 0.0 {
        return Err(format!("routing: {:?}", routing.figures));
    }
    let hooks = webhooks::run(target, webhooks::Args { endpoints: 2, messages: 64, senders: 8, kill: false, restart_redis: false, timeout: 30.0 }).await?;
    if hooks.get("lost") != Some(0.0) || hooks.get("unsigned or badly signed") != Some(0.0) {
        return Err(format!("webhooks: {:?}", hooks.figures));
    }
    for (part, lost, dup) in
        [(&lat, "lost", "duplicated"), (&lat, "floor lost", "duplicated"), (&fan, "lost", "duplicated"), (&con, "storm lost", "storm duplicated")]
    {
        if part.get(lost).unwrap_or(0.0) != 0.0 || part.get(dup).unwrap_or(0.0) != 0.0 {
            return Err(format!("{}: {} lost, {} duplicated", part.scenario, part.get(lost).unwrap_or(0.0), part.get(dup).unwrap_or(0.0)));
        }
    }
    // Issue 20's 1% smoke: 10,000 conversations of the 1,000,000 the budget is set at.
    let analytics = analytics::run(target, analytics::Args { conversations: 10_000, messages: 10, agents: 20, runs: 3, seed: 0x5eed }).await?;
    let episodes = analytics.get("report 365 days by week: episodes").unwrap_or(0.0);
    if episodes < 10_000.0 || analytics.get("conversations.csv: rows") != Some(episodes) {
        return Err(format!("analytics: {:?}", analytics.figures));
    }
    r.parts = vec![lat, fan, dur, con, cold, jobs, routing, hooks, analytics];
    Ok(r)
}
