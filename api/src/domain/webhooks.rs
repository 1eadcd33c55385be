//! Webhooks (docs/webhooks.md): the event catalog, the Standard Webhooks signature, the
//! retry schedule and what an endpoint may be. Pure functions, tested without a network.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};

use super::{bounded, invalid, ValidationError};

/// The most endpoints an organization has.
pub const MAX_ENDPOINTS: usize = 20;
/// An event's payload is at most about this many bytes; a message body beyond
/// `MAX_BODY_BYTES` is cut (`bodyTruncated`) and read through the API by its id.
pub const MAX_PAYLOAD_BYTES: usize = 20 * 1024;
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// An endpoint failing this long (every attempt since) is disabled.
pub const DISABLE_AFTER: Duration = Duration::from_secs(5 * 24 * 3600);
/// Events and the delivery log are kept this long.
pub const KEPT_DAYS: i64 = 30;
/// How long the previous secret keeps signing after a rotation, by default.
pub const ROTATION_OVERLAP: Duration = Duration::from_secs(24 * 3600);
/// The longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

macro_rules! catalog {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[graphql(name = "WebhookEventType")]
        pub enum $name { $($(#[$vm])* $variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The name in payloads and filters (`conversation.created`).
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

catalog!(
    /// The events an endpoint can receive (docs/webhooks.md#events).
    EventType {
        /// A conversation entered the queue (its first visitor message).
        ConversationCreated => "conversation.created",
        /// A conversation's assignee changed (null: put back in line).
        ConversationAssigned => "conversation.assigned",
        ConversationResolved => "conversation.resolved",
        /// A message, note or bot message was stored.
        MessageCreated => "message.created",
        /// A visitor rated a resolved conversation.
        RatingReceived => "rating.received",
        /// A visitor was identified by the website's server (signed identity).
        VisitorIdentified => "visitor.identified",
        /// A conversion (a purchase, or one of the website's goals) was recorded.
        ConversionTracked => "conversion.tracked",
        /// A conversation missed an SLA target (Message Router).
        SlaBreached => "sla.breached",
        /// An endpoint of the organization was disabled (failures, backlog or 410).
        EndpointDisabled => "endpoint.disabled",
        /// Sent by "send test event"; always delivered, whatever the endpoint's filter.
        WebhookTest => "webhook.test",
    }
);

/// The stored filter: an empty list means every event.
pub fn parse_filter(types: &[EventType]) -> String {
    let mut names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    serde_json::to_string(&names).expect("names serialize")
}

pub fn filter_of(stored: &str) -> Vec<EventType> {
    serde_json::from_str::<Vec<String>>(stored).unwrap_or_default().iter().filter_map(|s| EventType::parse(s)).collect()
}

/// Whether an endpoint with the stored filter takes an event of `t`.
pub fn wants(stored_filter: &str, t: EventType) -> bool {
    if t == EventType::WebhookTest {
        return true;
    }
    let f = filter_of(stored_filter);
    f.is_empty() || f.contains(&t)
}

/// An endpoint's URL: http(s), with a host, at most 2,000 characters, no fragment.
/// (Where it points is checked when it is saved and again at each delivery.)
pub fn parse_url(s: &str) -> Result<String, ValidationError> {
    let s = s.trim();
    if s.len() > 2000 {
        return Err(invalid("url must be at most 2000 characters"));
    }
    let url = reqwest::Url::parse(s).map_err(|_| invalid("url must be an absolute http or https URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("url must be an absolute http or https URL"));
    }
    if url.fragment().is_some() {
        return Err(invalid("url must not have a fragment"));
    }
    Ok(url.to_string())
}

pub fn parse_description(s: &str) -> Result<String, ValidationError> {
    bounded("description", s, 0, 200)
}

/// Deliveries per second, 1 to 10,000.
pub fn parse_rate_limit(n: i64) -> Result<i64, ValidationError> {
    if !(1..=10_000).contains(&n) {
        return Err(invalid("rateLimit must be between 1 and 10000 deliveries per second"));
    }
    Ok(n)
}

/// A new signing secret: `whsec_` and 24 random bytes in base64 (the spec's format).
pub fn new_secret() -> String {
    let mut b = [0u8; 24];
    getrandom::getrandom(&mut b).expect("the OS random source is available");
    format!("whsec_{}", B64.encode(b))
}

/// The `webhook-signature` entry of one secret: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}` keyed with the secret's decoded bytes.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = B64.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).unwrap_or_else(|_| secret.as_bytes().to_vec());
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

/// The header's value: one signature per valid secret, separated by spaces.
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|s| sign(s, id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// The Standard Webhooks example schedule: the delay before each attempt, the first
/// immediate: 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
pub fn default_schedule() -> Vec<Duration> {
    [0, 5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400].into_iter().map(Duration::from_secs).collect()
}

/// Parses `--webhook-schedule` (`0,5s,5m,30m`): at least one delay, at most 20.
pub fn parse_schedule(s: &str) -> Result<Vec<Duration>, String> {
    let delays: Vec<Duration> = s
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| if p == "0" { Ok(Duration::ZERO) } else { humantime::parse_duration(p).map_err(|e| format!("webhook schedule '{p}': {e}")) })
        .collect::<Result<_, _>>()?;
    if delays.is_empty() || delays.len() > 20 {
        return Err("the webhook schedule needs 1 to 20 delays".into());
    }
    Ok(delays)
}

/// How an attempt ended, and what follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Succeeded,
    /// Failed; attempt again at this time (unix ms).
    RetryAt(i64),
    /// Failed, and it was the schedule's last attempt.
    Exhausted,
    /// 410 Gone: the receiver asks us to stop; the endpoint is disabled.
    Gone,
}

impl Verdict {
    pub fn outcome(self) -> &'static str {
        match self {
            Verdict::Succeeded => "succeeded",
            Verdict::RetryAt(_) => "failed",
            Verdict::Exhausted => "exhausted",
            Verdict::Gone => "gone",
        }
    }
}

/// What follows attempt number `attempt` (1 for the first) that got `status` (None: no
/// answer). Only 2xx succeeds. The next delay is the schedule's, within ±10% (jitter,
/// from `random` in [0, 1)); a 429, 502, 503 or 504 with `Retry-After` waits at least
/// that long (at most a day).
pub fn after_attempt(status: Option<u16>, retry_after: Option<u64>, attempt: u32, schedule: &[Duration], now: i64, random: f64) -> Verdict {
    match status {
        Some(200..=299) => return Verdict::Succeeded,
        Some(410) => return Verdict::Gone,
        _ => {}
    }
    let Some(delay) = schedule.get(attempt as usize) else { return Verdict::Exhausted };
    let mut delay = delay.mul_f64(0.9 + 0.2 * random.clamp(0.0, 1.0));
    if let (Some(429 | 502 | 503 | 504), Some(secs)) = (status, retry_after) {
        delay = delay.max(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    Verdict::RetryAt(now + delay.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_standard_webhooks_reference_does() {
        // The specification's test vector (standard-webhooks, libraries' shared tests).
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let both = signature_header(&[secret, "whsec_AAAA"], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert!(both.starts_with("v1,g0hM9SsE") && both.split(' ').count() == 2);
        assert!(new_secret().starts_with("whsec_") && B64.decode(&new_secret()[6..]).unwrap().len() == 24);
    }

    #[test]
    fn the_schedule_retries_with_jitter_honours_retry_after_and_ends() {
        let s = default_schedule();
        assert_eq!(after_attempt(Some(204), None, 1, &s, 0, 0.5), Verdict::Succeeded);
        assert_eq!(after_attempt(Some(410), None, 1, &s, 0, 0.5), Verdict::Gone);
        assert_eq!(after_attempt(Some(500), None, 1, &s, 1000, 0.5), Verdict::RetryAt(6000), "second attempt 5 s later");
        assert_eq!(after_attempt(None, None, 2, &s, 0, 0.0), Verdict::RetryAt(270_000), "third 5 min later, -10%");
        assert_eq!(after_attempt(Some(302), None, 2, &s, 0, 1.0), Verdict::RetryAt(330_000), "a redirect is a failure, +10%");
        assert_eq!(after_attempt(Some(503), Some(3600), 1, &s, 0, 0.5), Verdict::RetryAt(3_600_000), "Retry-After is honoured");
        assert_eq!(after_attempt(Some(500), Some(3600), 1, &s, 0, 0.5), Verdict::RetryAt(5000), "only on 429/502/503/504");
        assert_eq!(after_attempt(Some(429), Some(10 * 86_400), 1, &s, 0, 0.5), Verdict::RetryAt(86_400_000), "at most a day");
        assert_eq!(after_attempt(Some(500), None, 10, &s, 0, 0.5), Verdict::Exhausted, "ten attempts in all");
        assert_eq!(parse_schedule("0, 1s,2m").unwrap(), vec![Duration::ZERO, Duration::from_secs(1), Duration::from_secs(120)]);
        assert!(parse_schedule("").is_err() && parse_schedule("soon").is_err());
    }

    #[test]
    fn endpoints_take_http_urls_known_events_and_sane_limits() {
        assert_eq!(parse_url(" https://example.com/hook ").unwrap(), "https://example.com/hook");
        for bad in ["ftp://example.com/", "/hook", "https://", "https://example.com/#x", "javascript:alert(1)"] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
        assert!(parse_url(&format!("https://example.com/{}", "a".repeat(2000))).is_err());
        let f = parse_filter(&[EventType::MessageCreated, EventType::ConversationCreated, EventType::MessageCreated]);
        assert_eq!(f, r#"["conversation.created","message.created"]"#);
        assert!(wants(&f, EventType::MessageCreated) && !wants(&f, EventType::RatingReceived) && wants(&f, EventType::WebhookTest));
        assert!(wants("[]", EventType::RatingReceived));
        assert!(parse_rate_limit(0).is_err() && parse_rate_limit(10_001).is_err() && parse_rate_limit(50).is_ok());
    }
}
