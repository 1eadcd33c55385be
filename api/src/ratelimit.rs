//! Rate limits: a token bucket per key (GCRA arithmetic on one timestamp per key).
//! In process by default; with Redis, the timestamps live in Redis (with expiry) so a
//! limit holds across nodes, falling back to the local buckets if Redis fails.
//! Refusals carry how long to wait, surfaced as `retryAfter`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

/// Allows `burst` at once, refilling one token every `period / rate`.
#[derive(Clone, Copy, Debug)]
pub struct Quota {
    pub burst: u32,
    pub per: Duration,
    pub rate: u32,
}

impl Quota {
    pub fn per_second(rate: u32, burst: u32) -> Self {
        Quota { burst, per: Duration::from_secs(1), rate }
    }
    pub fn per_window(count: u32, window: Duration) -> Self {
        Quota { burst: count, per: window, rate: count }
    }
    fn disabled(&self) -> bool {
        self.rate == 0 || self.burst == 0
    }
    fn interval(&self) -> Duration {
        self.per / self.rate
    }
}

/// The limiter a node uses.
#[derive(Default)]
pub struct RateLimiter {
    local: LocalLimiter,
    redis: Option<(ConnectionManager, String)>,
}

/// GCRA in one round trip. KEYS[1]: the key; ARGV: now ms, interval ms, tolerance ms,
/// peek (1: only test). Returns 0 when allowed, else ms to wait.
const GCRA: &str = r#"
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tolerance
if allow_at > now then return math.ceil(allow_at - now) end
if ARGV[4] == '0' then redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now) + 1000) end
return 0
"#;

impl RateLimiter {
    pub fn with_redis(conn: ConnectionManager, prefix: &str) -> Self {
        RateLimiter { local: LocalLimiter::default(), redis: Some((conn, format!("{prefix}rl:"))) }
    }

    /// Takes one token for `key`, or says how long until one is free.
    pub async fn check(&self, key: &str, q: Quota) -> Result<(), Duration> {
        self.run(key, q, false).await
    }

    /// Whether `key` is over its quota, without taking a token.
    pub async fn is_limited(&self, key: &str, q: Quota) -> Result<(), Duration> {
        self.run(key, q, true).await
    }

    pub async fn clear(&self, key: &str) {
        self.local.clear(key);
        if let Some((conn, prefix)) = &self.redis {
            let mut conn = conn.clone();
            let _: redis::RedisResult<i64> = redis::cmd("DEL").arg(format!("{prefix}{key}")).query_async(&mut conn).await;
        }
    }

    async fn run(&self, key: &str, q: Quota, peek: bool) -> Result<(), Duration> {
        if q.disabled() {
            return Ok(());
        }
        if let Some((conn, prefix)) = &self.redis {
            let mut conn = conn.clone();
            let interval = q.interval().as_millis().max(1) as i64;
            let r: redis::RedisResult<i64> = redis::Script::new(GCRA)
                .key(format!("{prefix}{key}"))
                .arg(crate::time::now_ms())
                .arg(interval)
                .arg(interval * q.burst as i64)
                .arg(if peek { 1 } else { 0 })
                .invoke_async(&mut conn)
                .await;
            match r {
                Ok(0) => return Ok(()),
                Ok(wait) => return Err(Duration::from_millis(wait as u64)),
                Err(e) => tracing::warn!(error = %e, "redis rate limit failed; using this node's limits"),
            }
        }
        if peek {
            self.local.is_limited(key, q)
        } else {
            self.local.check(key, q)
        }
    }
}

/// In-process buckets.
#[derive(Default)]
pub struct LocalLimiter {
    /// key -> theoretical arrival time of the next request.
    tat: Mutex<HashMap<String, Instant>>,
}

impl LocalLimiter {
    /// Takes one token for `key`, or says how long until one is free.
    pub fn check(&self, key: &str, q: Quota) -> Result<(), Duration> {
        self.check_n(key, q, 1)
    }

    fn check_n(&self, key: &str, q: Quota, n: u32) -> Result<(), Duration> {
        if q.disabled() {
            return Ok(());
        }
        let now = Instant::now();
        let interval = q.interval();
        let tolerance = interval * q.burst;
        let mut map = self.tat.lock().expect("ratelimit lock");
        if map.len() > 100_000 {
            map.retain(|_, tat| *tat > now);
        }
        let tat = map.get(key).copied().unwrap_or(now).max(now);
        let new_tat = tat + interval * n;
        let allow_at = new_tat.checked_sub(tolerance).unwrap_or(now);
        if allow_at > now {
            return Err(allow_at - now);
        }
        map.insert(key.to_owned(), new_tat);
        Ok(())
    }

    /// Whether `key` is currently over its quota, without taking a token (log-in
    /// throttles count failures, but refuse before checking the password).
    pub fn is_limited(&self, key: &str, q: Quota) -> Result<(), Duration> {
        if q.disabled() {
            return Ok(());
        }
        let now = Instant::now();
        let map = self.tat.lock().expect("ratelimit lock");
        let Some(tat) = map.get(key) else { return Ok(()) };
        let allow_at = (*tat + q.interval()).checked_sub(q.interval() * q.burst).unwrap_or(now);
        if allow_at > now {
            Err(allow_at - now)
        } else {
            Ok(())
        }
    }

    pub fn clear(&self, key: &str) {
        self.tat.lock().expect("ratelimit lock").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refuses_with_a_wait() {
        let rl = LocalLimiter::default();
        let q = Quota::per_second(20, 100);
        for _ in 0..100 {
            rl.check("k", q).unwrap();
        }
        let wait = rl.check("k", q).unwrap_err();
        assert!(wait <= Duration::from_millis(50) && wait > Duration::ZERO, "{wait:?}");
        assert!(rl.check("other", q).is_ok());
    }

    #[test]
    fn zero_disables() {
        let rl = LocalLimiter::default();
        for _ in 0..1000 {
            rl.check("k", Quota::per_second(0, 0)).unwrap();
        }
    }

    #[test]
    fn is_limited_does_not_take_tokens() {
        let rl = LocalLimiter::default();
        let q = Quota::per_window(2, Duration::from_secs(60));
        assert!(rl.is_limited("k", q).is_ok());
        rl.check("k", q).unwrap();
        assert!(rl.is_limited("k", q).is_ok());
        rl.check("k", q).unwrap();
        assert!(rl.is_limited("k", q).is_err());
    }
}
