//! Analytics (issue 20): a year of history, bulk-loaded with a fixed seed, then the
//! rollup that works out its facts and the reports read from them, timed in process
//! (the store and the server's `App`, as `routing` does; no HTTP in the figures).
//!
//! The history: `--conversations` conversations over the past 365 days, written in time
//! order (more in working hours), each with about `--messages` messages (visitor questions, agents'
//! replies after 5 s to 20 min, some notes and bot lines), 90% resolved (5% of them
//! reopened by the visitor and resolved again), 30% of the resolved rated, 40% tagged,
//! 3% followed by a verified purchase; `--agents` agents in four departments, two
//! websites. Figures: generation time and disk, the rollup's facts per second (a
//! backfill, as after an upgrade), each report's p50 and p95 over `--runs`, the
//! per-conversation CSV's rows per second and the process's peak memory around it.
//! Budget (issue 20): every report over 30 or 365 days at most 200 ms p95 with
//! 1,000,000 conversations and 10,000,000 messages; the CSV at least 100,000 rows/s.

use std::time::Instant;

use futures_util::StreamExt;
use serde_json::json;

use chinwag::app::analytics::{AnalyticsGrouping, ReportQuery};
use chinwag::auth::{ApiKeyPrincipal, Principal};
use chinwag::domain::{ApiKeyScope, Role, Scopes};
use chinwag::store::{NewAgent, Store};

use crate::client::Result;
use crate::report::Report;
use crate::server::Target;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[arg(long, default_value_t = 100_000)]
    pub conversations: usize,
    /// Messages per conversation, on average.
    #[arg(long, default_value_t = 10)]
    pub messages: usize,
    #[arg(long, default_value_t = 20)]
    pub agents: usize,
    /// Times each report runs.
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
    #[arg(long, default_value_t = 0x5eed)]
    pub seed: u64,
}

fn e<E: std::fmt::Debug>(x: E) -> String {
    format!("{x:?}")
}

/// A small, fixed-seed generator (SplitMix64): the same history for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;

/// Conversations' rows, as JSON arrays for the bulk inserts (`SQLITE` and `POSTGRES`
/// give each array's columns).
#[derive(Default)]
pub(crate) struct Batch {
    pub visitors: Vec<serde_json::Value>,
    pub conversations: Vec<serde_json::Value>,
    pub messages: Vec<serde_json::Value>,
    pub lifecycle: Vec<serde_json::Value>,
    pub tags: Vec<serde_json::Value>,
    pub conversions: Vec<serde_json::Value>,
}

struct World {
    org: String,
    websites: Vec<String>,
    departments: Vec<String>,
    agents: Vec<String>,
}

fn conversation(rng: &mut Rng, w: &World, n: usize, total: usize, per: usize, now: i64, b: &mut Batch) {
    let id = format!("cnv_bench{n:09}");
    let visitor = format!("vis_bench{n:09}");
    let website = &w.websites[rng.below(w.websites.len() as u64) as usize];
    let department = if rng.chance(80) { Some(w.departments[rng.below(w.departments.len() as u64) as usize].clone()) } else { None };
    let agent = w.agents[rng.below(w.agents.len() as u64) as usize].clone();
    // Conversations arrive in time order over the past year (as a real history is
    // written: a conversation's rows lie near its neighbours in time), on day
    // `n * 364 / total`; 70% in working hours (08-18 UTC).
    let day = now - 365 * DAY + (n as i64 * 364 / total as i64) * DAY;
    let day = day - day.rem_euclid(DAY);
    let minute = if rng.chance(70) { 8 * 60 + rng.below(600) } else { rng.below(1440) } as i64;
    let start = day + minute * MIN + rng.below(60_000) as i64;
    let mut t = start;
    let mut seq = 0;
    let mut push = |b: &mut Batch, kind: &str, sender: Option<&str>, private: bool, at: i64| {
        seq += 1;
        b.messages.push(json!([
            format!("msg_bench{n:09}_{seq:03}"),
            id,
            w.org,
            seq,
            kind,
            sender,
            "a message of a realistic length, more or less",
            private,
            null,
            at
        ]));
    };
    let count = 2 + rng.below((2 * per as u64).saturating_sub(3).max(1)) as usize;
    let mut first_response = None;
    for i in 0..count {
        if i % 2 == 0 {
            push(b, "visitor", Some(&visitor), false, t);
            t += 10_000 + rng.below(5 * MIN as u64) as i64;
        } else {
            if rng.chance(10) {
                push(b, "agent", Some(&agent), true, t);
                t += 5_000;
            }
            if rng.chance(5) {
                push(b, "bot", None, false, t);
                t += 5_000;
            }
            t += 5_000 * (1 << rng.below(8)) as i64;
            push(b, "agent", Some(&agent), false, t);
            first_response.get_or_insert(t);
            t += 30_000 + rng.below(3 * MIN as u64) as i64;
        }
    }
    let resolved = rng.chance(90);
    let mut resolved_at = None;
    let mut rated = None;
    if resolved {
        let r = t + MIN + rng.below(30 * MIN as u64) as i64;
        b.lifecycle.push(json!([id, w.org, r, "resolved"]));
        resolved_at = Some(r);
        t = r;
        if rng.chance(5) {
            // Reopened by the visitor a day later, answered, resolved again.
            t += DAY / 2 + rng.below(DAY as u64) as i64;
            push(b, "visitor", Some(&visitor), false, t);
            t += 5_000 * (1 << rng.below(8)) as i64;
            push(b, "agent", Some(&agent), false, t);
            t += 10 * MIN;
            b.lifecycle.push(json!([id, w.org, t, "resolved"]));
            resolved_at = Some(t);
        }
        if rng.chance(30) {
            let rating = [5, 5, 5, 4, 4, 3, 2, 1][rng.below(8) as usize];
            let comment = rng.chance(30).then_some("thanks");
            rated = Some((rating, comment, t + MIN));
        }
    }
    if rng.chance(40) {
        let tags = ["billing", "shipping", "returns", "sales", "bug", "vip", "refund", "account"];
        let first = rng.below(8) as usize;
        b.tags.push(json!([id, w.org, tags[first], start]));
        if rng.chance(30) {
            b.tags.push(json!([id, w.org, tags[(first + 1 + rng.below(7) as usize) % 8], start]));
        }
    }
    if rng.chance(3) {
        let value = 1_000 + rng.below(49_000) as i64;
        b.conversions.push(json!([
            format!("cvn_bench{n:09}"),
            w.org,
            website,
            visitor,
            "purchase",
            value,
            "EUR",
            true,
            id,
            agent,
            department,
            start + 60 * MIN
        ]));
    }
    let updated = t.max(rated.map_or(0, |r| r.2));
    b.visitors.push(json!([visitor, w.org, website, "", start, updated]));
    b.conversations.push(json!([
        id,
        w.org,
        website,
        visitor,
        department,
        agent,
        if resolved { "resolved" } else { "open" },
        seq,
        true,
        start,
        updated,
        first_response,
        resolved_at,
        rated.map(|r| r.0),
        rated.and_then(|r| r.1),
        rated.map(|r| r.2),
    ]));
}

/// The bulk inserts, one statement per table with its rows as one JSON parameter (as
/// the server's own batch writes do).
const SQLITE: [&str; 6] = [
    "insert into visitors (id, org_id, website_id, resume_hash, created_at, last_seen_at) \
     select value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 from json_each($1)",
    "insert into conversations (id, org_id, website_id, visitor_id, department_id, assignee_id, status, last_seq, queued, created_at, updated_at, \
     last_activity_at, first_response_at, resolved_at, rating, rating_comment, rated_at) \
     select value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9, value->>10, value->>10, \
     value->>11, value->>12, value->>13, value->>14, value->>15 from json_each($1)",
    "insert into messages (id, conversation_id, org_id, seq, sender_kind, sender_id, body, is_private, client_message_id, created_at) \
     select value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9 from json_each($1)",
    "insert into conversation_lifecycle (conversation_id, org_id, at, event) select value->>0, value->>1, value->>2, value->>3 from json_each($1)",
    "insert into conversation_tags (conversation_id, org_id, tag, created_at) select value->>0, value->>1, value->>2, value->>3 from json_each($1)",
    "insert into conversions (id, org_id, website_id, visitor_id, name, value_minor, currency, verified, conversation_id, agent_id, department_id, occurred_at, created_at) \
     select value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9, value->>10, value->>11, value->>11 from json_each($1)",
];
const POSTGRES: [&str; 6] = [
    "insert into visitors (id, org_id, website_id, resume_hash, created_at, last_seen_at) \
     select x->>0, x->>1, x->>2, x->>3, (x->>4)::bigint, (x->>5)::bigint from json_array_elements($1::json) x",
    "insert into conversations (id, org_id, website_id, visitor_id, department_id, assignee_id, status, last_seq, queued, created_at, updated_at, \
     last_activity_at, first_response_at, resolved_at, rating, rating_comment, rated_at) \
     select x->>0, x->>1, x->>2, x->>3, x->>4, x->>5, x->>6, (x->>7)::bigint, (x->>8)::boolean, (x->>9)::bigint, (x->>10)::bigint, (x->>10)::bigint, \
     (x->>11)::bigint, (x->>12)::bigint, (x->>13)::bigint, x->>14, (x->>15)::bigint from json_array_elements($1::json) x",
    "insert into messages (id, conversation_id, org_id, seq, sender_kind, sender_id, body, is_private, client_message_id, created_at) \
     select x->>0, x->>1, x->>2, (x->>3)::bigint, x->>4, x->>5, x->>6, (x->>7)::boolean, x->>8, (x->>9)::bigint from json_array_elements($1::json) x",
    "insert into conversation_lifecycle (conversation_id, org_id, at, event) select x->>0, x->>1, (x->>2)::bigint, x->>3 from json_array_elements($1::json) x",
    "insert into conversation_tags (conversation_id, org_id, tag, created_at) select x->>0, x->>1, x->>2, (x->>3)::bigint from json_array_elements($1::json) x",
    "insert into conversions (id, org_id, website_id, visitor_id, name, value_minor, currency, verified, conversation_id, agent_id, department_id, occurred_at, created_at) \
     select x->>0, x->>1, x->>2, x->>3, x->>4, (x->>5)::bigint, x->>6, (x->>7)::boolean, x->>8, x->>9, x->>10, (x->>11)::bigint, (x->>11)::bigint \
     from json_array_elements($1::json) x",
];

pub(crate) async fn load(store: &Store, b: &Batch) -> std::result::Result<(), sqlx::Error> {
    let parts = [&b.visitors, &b.conversations, &b.messages, &b.lifecycle, &b.tags, &b.conversions];
    match store {
        Store::Sqlite { write, .. } => {
            let mut tx = write.begin().await?;
            for (sql, rows) in SQLITE.iter().zip(parts) {
                sqlx::query(sql).bind(serde_json::to_string(rows).unwrap()).execute(&mut *tx).await?;
            }
            tx.commit().await
        }
        Store::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            for (sql, rows) in POSTGRES.iter().zip(parts) {
                sqlx::query(sql).bind(serde_json::to_string(rows).unwrap()).execute(&mut *tx).await?;
            }
            tx.commit().await
        }
    }
}

fn peak_rss_kb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0.0)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1]
}

pub async fn run(target: &Target, a: Args) -> Result<Report> {
    let mut rep = Report::new(
        "analytics",
        json!({ "conversations": a.conversations, "messages": a.messages, "agents": a.agents, "runs": a.runs, "seed": a.seed,
                "store": super::latency::store_name(target) }),
    );
    let dir = tempfile::tempdir().map_err(|x| x.to_string())?;
    let store = Store::open(target.database_url.as_deref(), dir.path()).await.map_err(e)?;
    let tag = chinwag::ids::new_id("r").to_lowercase();
    let (org, owner) = store
        .create_org_with_owner("Bench", NewAgent { email: &format!("owner-{tag}@bench.test"), name: "Owner", password_hash: "x", role: Role::Owner })
        .await
        .map_err(e)?;
    let mut world = World { org: org.id.clone(), websites: Vec::new(), departments: Vec::new(), agents: Vec::new() };
    for i in 0..2 {
        world.websites.push(store.create_website(&org.id, &format!("Shop {i}"), &[], &chinwag::ids::new_id("wk"), "secret").await.map_err(e)?.id);
    }
    for i in 0..4 {
        world.departments.push(store.create_department(&org.id, &format!("Team {i}")).await.map_err(e)?.id);
    }
    for i in 0..a.agents {
        let hash = format!("invite-{tag}-{i}");
        store.create_invite(&org.id, &format!("a{i}-{tag}@bench.test"), Role::Agent, &hash, &owner.id, 3_600_000, |_| Vec::new()).await.map_err(e)?;
        world.agents.push(store.accept_invite(&hash, &format!("Agent {i}"), "x").await.map_err(e)?.id);
    }

    // The history, in batches of 1,000 conversations.
    let now = chinwag::time::now_ms();
    let mut rng = Rng(a.seed);
    let started = Instant::now();
    let mut messages = 0;
    let mut n = 0;
    while n < a.conversations {
        let mut b = Batch::default();
        for _ in 0..1000.min(a.conversations - n) {
            conversation(&mut rng, &world, n, a.conversations, a.messages, now, &mut b);
            n += 1;
        }
        messages += b.messages.len();
        load(&store, &b).await.map_err(e)?;
    }
    let generation = started.elapsed().as_secs_f64();
    rep.figure("history: conversations", a.conversations as f64, "");
    rep.figure("history: messages", messages as f64, "");
    rep.figure("history: generation", generation, "s");
    let disk = match &store {
        Store::Sqlite { .. } => std::fs::read_dir(dir.path()).map_err(e)?.filter_map(|f| f.ok()?.metadata().ok()).map(|m| m.len()).sum::<u64>() as f64,
        Store::Postgres(pool) => sqlx::query_scalar::<_, i64>("select pg_database_size(current_database())").fetch_one(pool).await.map_err(e)? as f64,
    };
    rep.figure("history: disk", disk / 1e6, "MB");

    // The server's App on the same database (no job workers: the rollup is timed here).
    let application = super::in_process(target, dir.path()).await?;
    let app = application.app();
    let started = Instant::now();
    app.roll_up(&org.id, usize::MAX).await.map_err(e)?;
    let rollup = started.elapsed().as_secs_f64();
    // PostgreSQL has statistics for the facts before the reports, as a server has a
    // minute after a backfill (autovacuum's analyze): without them it planned the tag
    // report's join as a nested loop over every fact and ran for minutes. (An analyze
    // before the backfill, while the facts were empty, slowed the backfill itself: 84,106
    // facts in 14 minutes against all 104,511 in 8 without it.)
    super::settle(&store).await?;
    rep.figure("rollup (backfill): time", rollup, "s");
    rep.figure("rollup (backfill): conversations/s", a.conversations as f64 / rollup, "/s");

    let reader = Principal::ApiKey(ApiKeyPrincipal {
        id: "key_bench".into(),
        org_id: org.id.clone(),
        ip: None,
        expires_at: None,
        scopes: Scopes::of(&[ApiKeyScope::AnalyticsRead]),
        websites: None,
    });
    let q = |days: i64, group_by: AnalyticsGrouping, business_hours: bool| ReportQuery {
        from: now - days * DAY,
        to: now,
        time_zone: Some("Europe/Oslo".into()),
        group_by,
        business_hours,
        ..Default::default()
    };
    let reports = [
        ("30 days by day", q(30, AnalyticsGrouping::Day, false)),
        ("30 days by agent", q(30, AnalyticsGrouping::Agent, false)),
        ("30 days by hour of day, business hours", q(30, AnalyticsGrouping::HourOfDay, true)),
        ("365 days by week", q(365, AnalyticsGrouping::Week, false)),
        ("365 days by agent", q(365, AnalyticsGrouping::Agent, false)),
        ("365 days by tag", q(365, AnalyticsGrouping::Tag, false)),
    ];
    let mut worst: f64 = 0.0;
    for (name, query) in reports {
        let mut times = Vec::with_capacity(a.runs);
        let mut episodes = 0;
        for _ in 0..a.runs {
            let t = Instant::now();
            let r = app.analytics_report(&reader, query.clone()).await.map_err(e)?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            episodes = r.totals.figures.episodes();
        }
        times.sort_by(f64::total_cmp);
        let p95 = percentile(&times, 0.95);
        worst = worst.max(p95);
        rep.figure(&format!("report {name}: p50"), percentile(&times, 0.5), "ms");
        rep.figure(&format!("report {name}: p95"), p95, "ms");
        rep.figure(&format!("report {name}: episodes"), episodes as f64, "");
    }
    rep.figure("reports: worst p95", worst, "ms");

    // The per-conversation CSV over the year, streamed and counted.
    let before = peak_rss_kb();
    let t = Instant::now();
    let mut rows = 0usize;
    let mut bytes = 0usize;
    let mut stream = Box::pin(app.analytics_conversations_csv(&reader, q(365, AnalyticsGrouping::Day, false)).await.map_err(e)?);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(e)?;
        rows += chunk.bytes().filter(|b| *b == b'\n').count();
        bytes += chunk.len();
    }
    let secs = t.elapsed().as_secs_f64();
    rep.figure("conversations.csv: rows", (rows - 1) as f64, "");
    rep.figure("conversations.csv: rows/s", (rows - 1) as f64 / secs, "/s");
    rep.figure("conversations.csv: size", bytes as f64 / 1e6, "MB");
    rep.figure("peak RSS before the CSV", before / 1024.0, "MB");
    rep.figure("peak RSS after the CSV", peak_rss_kb() / 1024.0, "MB");
    Ok(rep)
}
