//! The workers of one node: a loop that leases due jobs per kind (never more than the
//! kind's free slots), a task per running job, a heartbeat that renews the leases of
//! running jobs, and a flusher that deletes succeeded jobs in batches. On shutdown the
//! loop stops leasing, running jobs get a grace period, and what is still running is
//! given back unfinished for another node (or the next start).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, watch, Notify, Semaphore};
use tokio::task::JoinSet;

use super::{Jobs, Next, Policy};
use crate::domain::JobState;
use crate::store::{JobRow, Store};

/// How a run ended. `Err((message, permanent))`: a permanent failure is not retried.
pub type Outcome = Result<(), (String, bool)>;

/// Runs one job (any number at once, up to the kind's concurrency).
pub type Handler = Arc<dyn Fn(JobRow) -> BoxFuture<'static, Outcome> + Send + Sync>;

/// A kind of job this node runs.
#[derive(Clone)]
pub struct Kind {
    pub name: &'static str,
    pub policy: Policy,
    pub handler: Handler,
}

/// The most jobs one lease statement takes.
const LEASE_BATCH: usize = 256;

/// A running node's workers; `shutdown` ends them.
pub struct Worker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

struct Shared {
    store: Store,
    jobs: Arc<Jobs>,
    lease: Duration,
    /// Lease tokens with jobs still to finish (run or flush), and how many.
    tokens: Mutex<HashMap<String, usize>>,
    /// Running jobs: id -> lease token (to give back on shutdown).
    running: Mutex<HashMap<String, String>>,
    /// Signalled whenever a run ends (a slot is free).
    freed: Notify,
}

impl Shared {
    fn token_done(&self, token: &str) {
        let mut tokens = self.tokens.lock().expect("tokens lock");
        if let Some(n) = tokens.get_mut(token) {
            *n -= 1;
            if *n == 0 {
                tokens.remove(token);
            }
        }
    }
}

impl Worker {
    /// Starts leasing the given kinds. `poll`: the longest wait between looks when
    /// nothing wakes the loop; `lease`: how long a lease lasts without renewal.
    pub fn start(store: Store, jobs: Arc<Jobs>, kinds: Vec<Kind>, poll: Duration, lease: Duration, grace: Duration) -> Worker {
        jobs.register_kinds(&kinds.iter().map(|k| k.name).collect::<Vec<_>>());
        let (stop, stopping) = watch::channel(false);
        let shared = Arc::new(Shared { store, jobs, lease, tokens: Mutex::default(), running: Mutex::default(), freed: Notify::new() });
        let task = tokio::spawn(run(shared, kinds, poll, grace, stopping));
        Worker { stop, task }
    }

    /// Stops leasing, waits up to the grace period for running jobs, gives back the
    /// rest, and returns once every finished job is recorded.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn run(shared: Arc<Shared>, kinds: Vec<Kind>, poll: Duration, grace: Duration, mut stopping: watch::Receiver<bool>) {
    let slots: Vec<Arc<Semaphore>> = kinds.iter().map(|k| Arc::new(Semaphore::new(k.policy.concurrency.max(1)))).collect();
    let (done_tx, done_rx) = mpsc::unbounded_channel::<(String, String)>();
    let flusher = tokio::spawn(flush(shared.clone(), done_rx));
    let heartbeat = tokio::spawn(heartbeat(shared.clone()));
    let wake = shared.jobs.waker();
    let mut set = JoinSet::new();
    // Expired leases are looked for at most this often.
    let reap_every = (shared.lease / 4).max(Duration::from_millis(50));
    let mut last_reap: Option<Instant> = None;
    loop {
        if *stopping.borrow() {
            break;
        }
        while set.try_join_next().is_some() {}
        let now = shared.jobs.now();
        if last_reap.is_none_or(|t| t.elapsed() >= reap_every) {
            last_reap = Some(Instant::now());
            match shared.store.take_back_expired_jobs(now).await {
                Ok(n) => shared.jobs.metrics.taken_over.add(n),
                Err(e) => tracing::warn!(error = ?e, "jobs: cannot take back expired leases"),
            }
        }
        let mut more = false;
        for (kind, slots) in kinds.iter().zip(&slots) {
            let concurrency = kind.policy.concurrency.max(1);
            let free = slots.available_permits();
            // While some run, wait for a quarter of the slots to free up, so that each
            // lease takes a batch rather than one job per finished one.
            if free == 0 || (free < concurrency && free < (concurrency / 4).max(1)) {
                continue;
            }
            let free = free.min(LEASE_BATCH);
            let token = crate::ids::random_token(16);
            let until = now + shared.lease.as_millis() as i64;
            let leased = match shared.store.lease_jobs(kind.name, free as i64, &token, now, until).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = ?e, kind = kind.name, "jobs: cannot lease");
                    continue;
                }
            };
            if leased.is_empty() {
                continue;
            }
            more |= leased.len() == free;
            shared.tokens.lock().expect("tokens lock").insert(token.clone(), leased.len());
            for job in leased {
                let permit = slots.clone().try_acquire_owned().expect("leased only as many as there are free slots");
                shared.running.lock().expect("running lock").insert(job.id.clone(), token.clone());
                let (shared, kind, done) = (shared.clone(), kind.clone(), done_tx.clone());
                set.spawn(async move {
                    run_one(&shared, &kind, job, done).await;
                    drop(permit);
                    shared.freed.notify_one();
                });
            }
        }
        if more {
            continue;
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = shared.freed.notified() => {}
            _ = tokio::time::sleep(poll) => {}
            _ = stopping.changed() => {}
        }
    }
    // Shutdown: no more leases; running jobs get the grace period.
    let deadline = tokio::time::Instant::now() + grace;
    while !set.is_empty() {
        if tokio::time::timeout_at(deadline, set.join_next()).await.is_err() {
            break;
        }
    }
    set.abort_all();
    while set.join_next().await.is_some() {}
    let unfinished: Vec<(String, String)> = shared.running.lock().expect("running lock").drain().collect();
    let now = shared.jobs.now();
    for (id, token) in &unfinished {
        match shared.store.release_job(id, token, now).await {
            Ok(_) => tracing::info!(job = %id, "jobs: given back unfinished at shutdown"),
            Err(e) => tracing::warn!(job = %id, error = ?e, "jobs: cannot give back; it runs again when its lease expires"),
        }
        shared.token_done(token);
    }
    drop(done_tx);
    let _ = flusher.await;
    heartbeat.abort();
    if !unfinished.is_empty() {
        tracing::info!(count = unfinished.len(), "jobs: unfinished jobs given back");
    }
}

async fn run_one(shared: &Shared, kind: &Kind, job: JobRow, done: mpsc::UnboundedSender<(String, String)>) {
    let m = &shared.jobs.metrics;
    m.running.add(1);
    let started = Instant::now();
    let (id, token, attempts, created_at) = (job.id.clone(), job.lease_token.clone().unwrap_or_default(), job.attempts, job.created_at);
    let outcome = match tokio::time::timeout(kind.policy.timeout, (kind.handler)(job)).await {
        Ok(outcome) => outcome,
        Err(_) => Err((format!("timed out after {:?}", kind.policy.timeout), false)),
    };
    m.run_ms.observe(started.elapsed().as_secs_f64() * 1000.0);
    m.running.add(-1);
    shared.running.lock().expect("running lock").remove(&id);
    let (error, permanent) = match outcome {
        Ok(()) => {
            // Deleted by the flusher, which keeps the lease renewed until then.
            let _ = done.send((id, token));
            return;
        }
        Err(e) => e,
    };
    let now = shared.jobs.now();
    let next = kind.policy.after_failure(attempts.max(1) as u32, created_at, now, permanent, random_unit());
    let (state, run_at) = match next {
        Next::RetryAt(at) => (JobState::Pending, at),
        Next::Dead => (JobState::Dead, now),
    };
    match shared.store.fail_job(&id, &token, state, run_at, &truncate(&error), now).await {
        Ok(true) if state == JobState::Dead => {
            m.died.inc();
            tracing::error!(job = %id, kind = kind.name, attempts, error = %error, "job failed for good: kept as a dead letter");
        }
        Ok(true) => {
            m.retried.inc();
            tracing::warn!(job = %id, kind = kind.name, attempts, error = %error, retry_in_ms = run_at - now, "job failed; will retry");
        }
        Ok(false) => tracing::warn!(job = %id, "job failed after its lease was lost; the new holder decides"),
        Err(e) => tracing::warn!(job = %id, error = ?e, "cannot record a job's failure; it runs again when its lease expires"),
    }
    shared.token_done(&token);
}

/// Deletes succeeded jobs in batches (one transaction for whatever has piled up).
async fn flush(shared: Arc<Shared>, mut rx: mpsc::UnboundedReceiver<(String, String)>) {
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, 4096).await > 0 {
        let mut by_token: HashMap<&str, Vec<&str>> = HashMap::new();
        for (id, token) in &batch {
            by_token.entry(token).or_default().push(id);
        }
        let groups: Vec<(&str, Vec<&str>)> = by_token.into_iter().collect();
        let mut wait = Duration::from_millis(50);
        loop {
            match shared.store.complete_jobs(&groups).await {
                Ok(_) => break,
                Err(e) if !rx.is_closed() || wait < Duration::from_secs(2) => {
                    // The lease stays renewed meanwhile, so nobody runs them again.
                    tracing::warn!(error = ?e, "jobs: cannot record completions; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                Err(e) => {
                    tracing::warn!(error = ?e, "jobs: completions not recorded; they run again when their leases expire");
                    break;
                }
            }
        }
        shared.jobs.metrics.completed.add(batch.len() as u64);
        for (_, token) in &batch {
            shared.token_done(token);
        }
        batch.clear();
    }
}

/// Renews the leases of unfinished jobs every third of a lease.
async fn heartbeat(shared: Arc<Shared>) {
    let every = (shared.lease / 3).max(Duration::from_millis(20));
    loop {
        tokio::time::sleep(every).await;
        let tokens: Vec<String> = shared.tokens.lock().expect("tokens lock").keys().cloned().collect();
        if tokens.is_empty() {
            continue;
        }
        let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
        let until = shared.jobs.now() + shared.lease.as_millis() as i64;
        if let Err(e) = shared.store.extend_job_leases(&refs, until).await {
            tracing::warn!(error = ?e, "jobs: cannot renew leases");
        }
    }
}

/// A uniform random number in [0, 1) (retry jitter).
pub(crate) fn random_unit() -> f64 {
    let mut b = [0u8; 8];
    getrandom::getrandom(&mut b).expect("the OS random source is available");
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// Errors are kept with the job; a long one is cut (at a character boundary).
fn truncate(s: &str) -> String {
    match s.char_indices().nth(2000) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}
