//! Prometheus metrics at `/metrics`, in the text exposition format. A handful of
//! atomics; no registry crate, since what we export is small and fixed.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.add(1);
    }
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Default)]
pub struct Gauge(AtomicI64);

impl Gauge {
    pub fn add(&self, n: i64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Milliseconds, with fixed buckets.
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_us: AtomicU64,
}

const BUCKETS: [f64; 10] = [0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 1000.0];

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: Default::default(), sum_us: AtomicU64::new(0) }
    }
}

impl Histogram {
    pub fn observe(&self, ms: f64) {
        let i = BUCKETS.iter().position(|b| ms <= *b).unwrap_or(BUCKETS.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add((ms * 1000.0) as u64, Ordering::Relaxed);
    }

    pub(crate) fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cum = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cum += self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {cum}");
        }
        cum += self.counts[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cum}");
        let _ = writeln!(out, "{name}_sum {}", self.sum_us.load(Ordering::Relaxed) as f64 / 1000.0);
        let _ = writeln!(out, "{name}_count {cum}");
    }
}

#[derive(Default)]
pub struct Metrics {
    pub subscriptions: Gauge,
    /// Live streams listening on the bus (`app::live`): a subscription counts once it
    /// can miss nothing.
    pub live_streams: Gauge,
    pub deliveries: Counter,
    pub slow_consumers: Counter,
    pub rate_limited: Counter,
    pub commit_ms: Histogram,
    pub bus_lag_ms: Histogram,
    pub bus_publish_dropped: Counter,
    pub bus_publish_failed: Counter,
    pub bus_resyncs: Counter,
    /// Conversations the router assigned.
    pub assignments: Counter,
}

impl Metrics {
    pub fn render(&self, open_sockets: usize, shared_streams: usize, redis_up: Option<bool>) -> String {
        let mut o = String::with_capacity(2048);
        let mut line = |name: &str, kind: &str, help: &str, v: String| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
        };
        line("chinwag_websockets_open", "gauge", "Open WebSocket connections.", open_sockets.to_string());
        line("chinwag_subscriptions_active", "gauge", "Running GraphQL operations on sockets.", self.subscriptions.get().to_string());
        line("chinwag_live_streams", "gauge", "Live event streams listening on the bus.", self.live_streams.get().to_string());
        line("chinwag_shared_streams", "gauge", "Live executions shared by every socket of one audience.", shared_streams.to_string());
        line("chinwag_deliveries_total", "counter", "Frames delivered to sockets.", self.deliveries.get().to_string());
        line("chinwag_slow_consumers_closed_total", "counter", "Sockets closed with 1013 for not keeping up.", self.slow_consumers.get().to_string());
        line("chinwag_rate_limited_total", "counter", "Calls refused with RATE_LIMITED.", self.rate_limited.get().to_string());
        line(
            "chinwag_bus_publish_dropped_total",
            "counter",
            "Events not handed to Redis because the queue was full.",
            self.bus_publish_dropped.get().to_string(),
        );
        line("chinwag_bus_publish_failed_total", "counter", "Redis publishes that failed.", self.bus_publish_failed.get().to_string());
        line("chinwag_router_assignments_total", "counter", "Conversations the router assigned.", self.assignments.get().to_string());
        line("chinwag_bus_resyncs_total", "counter", "Times live streams re-read the store after a bus outage.", self.bus_resyncs.get().to_string());
        if let Some(up) = redis_up {
            line("chinwag_redis_up", "gauge", "Whether the Redis pub/sub link is up.", (up as u8).to_string());
        }
        self.commit_ms.render(&mut o, "chinwag_message_commit_ms", "Time to commit one message, ms.");
        self.bus_lag_ms.render(&mut o, "chinwag_bus_lag_ms", "Publish to receive over Redis, ms.");
        o
    }
}
