//! What happens after a failed run: the retry schedule of a kind of job.

use std::collections::HashMap;
use std::time::Duration;

/// A kind's retry and concurrency rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Runs in all, the first included; after the last failure the job is dead.
    pub attempts: u32,
    /// The delay before the first retry; it doubles for each retry after.
    pub base: Duration,
    /// The longest delay between two runs.
    pub max: Duration,
    /// A job older than this is not retried again (its work no longer makes sense).
    pub max_age: Duration,
    /// Jobs of this kind one node runs at once.
    pub concurrency: usize,
    /// A run that takes longer fails (and is retried).
    pub timeout: Duration,
}

/// After a failed run: due again at a time, or a dead letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    RetryAt(i64),
    Dead,
}

impl Policy {
    /// Twelve runs over about a day and a half, for work that talks to other services.
    pub const fn outbound() -> Policy {
        Policy {
            attempts: 12,
            base: Duration::from_secs(5),
            max: Duration::from_secs(4 * 3600),
            max_age: Duration::from_secs(3 * 24 * 3600),
            concurrency: 8,
            timeout: Duration::from_secs(60),
        }
    }

    /// Webhook events and deliveries: the delivery keeps its own schedule (the Standard
    /// Webhooks one), so these retries are only for a run that could not reach the store.
    pub const fn webhooks() -> Policy {
        Policy {
            attempts: 8,
            base: Duration::from_secs(1),
            max: Duration::from_secs(300),
            max_age: Duration::from_secs(24 * 3600),
            concurrency: 64,
            timeout: Duration::from_secs(30),
        }
    }

    /// Work of our own that may take long (an organization's export, a day's retention):
    /// an hour per run, one at a time per node, retried for a day.
    pub const fn housekeeping() -> Policy {
        Policy {
            attempts: 8,
            base: Duration::from_secs(30),
            max: Duration::from_secs(2 * 3600),
            max_age: Duration::from_secs(24 * 3600),
            concurrency: 1,
            timeout: Duration::from_secs(3600),
        }
    }

    /// The delay before retry number `retry` (1 after the first failure): `base * 2^(retry-1)`
    /// capped at `max`, of which half is fixed and half random ("equal jitter", with
    /// `random` in [0, 1)), so jobs that failed together do not all retry together.
    pub fn backoff(&self, retry: u32, random: f64) -> Duration {
        let exp = self.base.saturating_mul(2u32.saturating_pow(retry.saturating_sub(1).min(30)));
        let full = exp.min(self.max);
        full / 2 + full.mul_f64(random.clamp(0.0, 1.0) / 2.0)
    }

    /// What follows a failure of run number `attempts` at `now`, for a job created at
    /// `created_at`. A permanent failure is never retried.
    pub fn after_failure(&self, attempts: u32, created_at: i64, now: i64, permanent: bool, random: f64) -> Next {
        if permanent || attempts >= self.attempts {
            return Next::Dead;
        }
        let at = now + self.backoff(attempts, random).as_millis() as i64;
        if at - created_at > self.max_age.as_millis() as i64 {
            return Next::Dead;
        }
        Next::RetryAt(at)
    }

    /// Applies `key=value` overrides (`attempts=5,base=1s,max=1h,age=3d,concurrency=4,timeout=30s`).
    fn apply(&mut self, overrides: &str) -> Result<(), String> {
        for pair in overrides.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').ok_or_else(|| format!("'{pair}' is not key=value"))?;
            let duration = || humantime::parse_duration(value.trim()).map_err(|e| format!("{key}: {e}"));
            let number = || value.trim().parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| format!("{key}: '{value}' is not a positive number"));
            match key.trim() {
                "attempts" => self.attempts = number()?,
                "concurrency" => self.concurrency = number()? as usize,
                "base" => self.base = duration()?,
                "max" => self.max = duration()?,
                "age" => self.max_age = duration()?,
                "timeout" => self.timeout = duration()?,
                other => return Err(format!("unknown key '{other}' (attempts, base, max, age, concurrency, timeout)")),
            }
        }
        Ok(())
    }
}

/// Overrides per kind, parsed from `--job-policy` (`kind:key=value,...;kind:...`).
#[derive(Debug, Clone, Default)]
pub struct Policies(HashMap<String, String>);

impl Policies {
    pub fn parse(s: &str) -> Result<Policies, String> {
        let mut map = HashMap::new();
        for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (kind, overrides) = part.split_once(':').ok_or_else(|| format!("CHINWAG_JOB_POLICY: '{part}' is not kind:key=value,..."))?;
            // Checked now, so a typo fails at start rather than when the kind is used.
            Policy::outbound().apply(overrides).map_err(|e| format!("CHINWAG_JOB_POLICY {kind}: {e}"))?;
            map.insert(kind.trim().to_owned(), overrides.to_owned());
        }
        Ok(Policies(map))
    }

    /// `default` with the overrides given for `kind`.
    pub fn of(&self, kind: &str, default: Policy) -> Policy {
        let mut p = default;
        if let Some(o) = self.0.get(kind) {
            p.apply(o).expect("checked when parsed");
        }
        p
    }

    /// The kinds named that this node does not know, to warn about at start.
    pub fn unknown<'a>(&'a self, known: &'a [&str]) -> impl Iterator<Item = &'a str> {
        self.0.keys().map(String::as_str).filter(move |k| !known.contains(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            attempts: 5,
            base: Duration::from_secs(10),
            max: Duration::from_secs(60),
            max_age: Duration::from_secs(3600),
            concurrency: 2,
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn backoff_doubles_from_base_up_to_max_with_half_of_it_random() {
        let p = policy();
        assert_eq!(p.backoff(1, 0.0), Duration::from_secs(5));
        assert_eq!(p.backoff(1, 0.999_999).as_secs(), 9);
        assert_eq!(p.backoff(2, 0.0), Duration::from_secs(10));
        assert_eq!(p.backoff(3, 0.0), Duration::from_secs(20));
        assert_eq!(p.backoff(4, 0.0), Duration::from_secs(30), "capped at max, half fixed");
        assert_eq!(p.backoff(40, 1.0), Duration::from_secs(60), "no overflow far out");
    }

    #[test]
    fn a_job_dies_after_its_attempts_its_age_or_a_permanent_failure() {
        let p = policy();
        assert_eq!(p.after_failure(1, 0, 1000, false, 0.0), Next::RetryAt(6000));
        assert_eq!(p.after_failure(4, 0, 1000, false, 0.0), Next::RetryAt(1000 + 30_000));
        assert_eq!(p.after_failure(5, 0, 1000, false, 0.0), Next::Dead, "the fifth run was the last");
        assert_eq!(p.after_failure(1, 0, 1000, true, 0.0), Next::Dead);
        assert_eq!(p.after_failure(1, 0, 3_596_000, false, 0.0), Next::Dead, "the retry would fall after max_age");
    }

    #[test]
    fn overrides_parse_per_kind_and_typos_fail_at_start() {
        let ps = Policies::parse("email:attempts=3,base=1s; webhook:concurrency=2,age=1d").unwrap();
        let e = ps.of("email", policy());
        assert_eq!((e.attempts, e.base, e.max), (3, Duration::from_secs(1), Duration::from_secs(60)));
        assert_eq!(ps.of("webhook", policy()).max_age, Duration::from_secs(86_400));
        assert_eq!(ps.of("other", policy()), policy());
        assert_eq!(ps.unknown(&["email"]).collect::<Vec<_>>(), vec!["webhook"]);
        assert!(Policies::parse("email:atempts=3").unwrap_err().contains("unknown key"));
        assert!(Policies::parse("email:base=soon").is_err());
        assert!(Policies::parse("email:attempts=0").is_err());
        assert!(Policies::parse("attempts=3").is_err());
        assert!(Policies::parse("").is_ok());
    }
}
