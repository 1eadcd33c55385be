//! Durable jobs: everything that happens later or elsewhere (an email, and in later
//! phases a webhook, an offer timing out, a bot answer) is a row in the `jobs` table,
//! never a sleeping task whose loss loses the work.
//!
//! - **Outbox.** A job is inserted in the same transaction as the change that causes it
//!   (`store::insert_jobs!`, or `NewMessage::jobs` in the append batch): a committed
//!   change always has its follow-up work, a rolled-back one never does.
//! - **Leases.** Workers (`Worker`, in every `chinwag serve` unless
//!   `--job-workers false`) lease due jobs per kind, up to the kind's concurrency, and
//!   renew the leases while the handlers run. A job whose node died is taken back after
//!   its lease expires and runs again: delivery is at least once, and handlers use the
//!   job's stable id to make a repeat harmless (an email's `Message-ID`).
//! - **Retries.** A failed run is retried with exponential backoff and jitter
//!   (`Policy`), until the kind's attempts or maximum age run out; then the job is a
//!   dead letter, kept for inspection and retried by hand (`retryJob`, `chinwag jobs`).
//! - **Time** comes from a `Clock`, so tests move it instead of sleeping through
//!   timeouts.

mod policy;
mod worker;

pub use crate::store::{JobCount, JobRow, NewJob};
pub use policy::{Next, Policies, Policy};
pub(crate) use worker::random_unit;
pub use worker::{Handler, Kind, Outcome, Worker};

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::Notify;

use crate::metrics::{Counter, Gauge, Histogram};
use crate::store::{Store, StoreResult};

/// Where jobs read the time (unix ms).
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

/// The wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        crate::time::now_ms()
    }
}

/// A clock moved by hand (tests): after moving it, call `Jobs::wake` so that workers
/// look for what became due.
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn starting_now() -> Arc<ManualClock> {
        Arc::new(ManualClock(AtomicI64::new(crate::time::now_ms())))
    }

    pub fn advance(&self, by: std::time::Duration) {
        self.0.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Counted by this node's workers.
#[derive(Default)]
pub struct JobMetrics {
    pub completed: Counter,
    /// Failed runs rescheduled.
    pub retried: Counter,
    /// Jobs that became dead letters.
    pub died: Counter,
    /// Expired leases taken back (a node died or hung mid-run).
    pub taken_over: Counter,
    pub running: Gauge,
    pub run_ms: Histogram,
}

/// The store's view, read at most once a second for `/metrics`.
#[derive(Default, Clone)]
struct Snapshot {
    at: i64,
    counts: Vec<JobCount>,
    due: i64,
    oldest_due: Option<i64>,
}

/// Enqueues jobs and wakes this node's workers; shared by the app and the workers.
pub struct Jobs {
    store: Store,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    pub metrics: JobMetrics,
    snapshot: tokio::sync::Mutex<Snapshot>,
    /// Kinds this node runs, for the metrics' labels.
    kinds: Mutex<Vec<&'static str>>,
}

impl Jobs {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Jobs {
        Jobs { store, clock, wake: Arc::new(Notify::new()), metrics: JobMetrics::default(), snapshot: Default::default(), kinds: Default::default() }
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// A job due now.
    pub fn job(&self, kind: &'static str, org_id: Option<&str>, payload: &impl Serialize) -> NewJob {
        self.job_at(kind, org_id, payload, self.now())
    }

    /// A job due at `run_at` (unix ms, this clock's).
    pub fn job_at(&self, kind: &'static str, org_id: Option<&str>, payload: &impl Serialize, run_at: i64) -> NewJob {
        NewJob { kind, key: None, org_id: org_id.map(str::to_owned), payload: serde_json::to_string(payload).expect("job payloads serialize"), run_at }
    }

    /// Inserts jobs on their own (the change they follow is not in the store, e.g. a
    /// transcript), and wakes the workers.
    pub async fn enqueue(&self, jobs: &[NewJob]) -> StoreResult<()> {
        self.store.enqueue_jobs(jobs, self.now()).await?;
        self.wake();
        Ok(())
    }

    /// Schedules the job keyed `key` (replacing one with the same kind and key).
    pub async fn schedule(&self, mut job: NewJob, key: &str) -> StoreResult<()> {
        job.key = Some(key.to_owned());
        self.enqueue(&[job]).await
    }

    /// Cancels the pending job of `kind` keyed `key`; false if there was none.
    pub async fn cancel(&self, kind: &str, key: &str) -> StoreResult<bool> {
        self.store.cancel_job(kind, key).await
    }

    /// Tells this node's workers to look for due jobs now (after a commit that added
    /// some, or after a test moved the clock).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    pub(crate) fn register_kinds(&self, kinds: &[&'static str]) {
        self.kinds.lock().expect("kinds lock").extend_from_slice(kinds);
    }

    /// The `/metrics` lines: the store's counts (cached for a second, so scrapes cost
    /// at most one query a second) and this node's counters.
    pub async fn render_metrics(&self, out: &mut String) {
        use std::fmt::Write as _;
        let now = self.now();
        let snap = {
            let mut snap = self.snapshot.lock().await;
            if now - snap.at >= 1000 || now < snap.at {
                if let (Ok(counts), Ok((due, oldest_due))) = (self.store.job_counts().await, self.store.jobs_due(now).await) {
                    *snap = Snapshot { at: now, counts, due, oldest_due };
                }
            }
            snap.clone()
        };
        let mut kinds: Vec<&str> = self.kinds.lock().expect("kinds lock").clone();
        kinds.extend(snap.counts.iter().map(|c| c.kind.as_str()));
        kinds.sort_unstable();
        kinds.dedup();
        let _ = writeln!(out, "# HELP chinwag_jobs Jobs in the store by kind and state.\n# TYPE chinwag_jobs gauge");
        for kind in &kinds {
            for state in [crate::domain::JobState::Pending, crate::domain::JobState::Running, crate::domain::JobState::Dead] {
                let n = snap.counts.iter().find(|c| c.kind == *kind && c.state == state).map_or(0, |c| c.count);
                let _ = writeln!(out, "chinwag_jobs{{kind=\"{kind}\",state=\"{}\"}} {n}", state.as_str());
            }
        }
        let lag = snap.oldest_due.map_or(0.0, |t| (snap.at - t).max(0) as f64 / 1000.0);
        let m = &self.metrics;
        let mut line = |name: &str, kind: &str, help: &str, v: String| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
        };
        line("chinwag_jobs_due", "gauge", "Pending jobs whose time has come.", snap.due.to_string());
        line("chinwag_jobs_lag_seconds", "gauge", "How long the oldest due job has waited.", lag.to_string());
        line("chinwag_jobs_running", "gauge", "Jobs this node is running.", m.running.get().to_string());
        line("chinwag_jobs_completed_total", "counter", "Jobs this node completed.", m.completed.get().to_string());
        line("chinwag_jobs_retried_total", "counter", "Failed runs this node rescheduled.", m.retried.get().to_string());
        line("chinwag_jobs_dead_total", "counter", "Jobs this node gave up on (dead letters).", m.died.get().to_string());
        line("chinwag_jobs_taken_over_total", "counter", "Expired leases this node took back.", m.taken_over.get().to_string());
        m.run_ms.render(out, "chinwag_job_run_ms", "Time to run one job, ms.");
    }
}
