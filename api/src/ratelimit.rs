//! In-process rate limits: a token bucket per key (GCRA-style arithmetic on one
//! timestamp). Refusals carry how long to wait, surfaced as `retryAfter`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

#[derive(Default)]
pub struct RateLimiter {
    /// key -> theoretical arrival time of the next request.
    tat: Mutex<HashMap<String, Instant>>,
}

impl RateLimiter {
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
        let rl = RateLimiter::default();
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
        let rl = RateLimiter::default();
        for _ in 0..1000 {
            rl.check("k", Quota::per_second(0, 0)).unwrap();
        }
    }

    #[test]
    fn is_limited_does_not_take_tokens() {
        let rl = RateLimiter::default();
        let q = Quota::per_window(2, Duration::from_secs(60));
        assert!(rl.is_limited("k", q).is_ok());
        rl.check("k", q).unwrap();
        assert!(rl.is_limited("k", q).is_ok());
        rl.check("k", q).unwrap();
        assert!(rl.is_limited("k", q).is_err());
    }
}
