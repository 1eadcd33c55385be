//! The server under test: one we start (`--spawn`, default) or one at `--url`. For a
//! spawned server we read CPU time and resident memory from `/proc/<pid>`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(clap::Args, Clone, Debug)]
pub struct Target {
    /// A running server to drive instead of spawning one (CPU/RSS need --server-pid); start
    /// it with CHINWAG_RATE_LIMITS=off and CHINWAG_MAX_OPEN_CONVERSATIONS=0, as spawned ones are.
    #[arg(long, global = true)]
    pub url: Option<String>,
    /// PID of the server at --url, to read its CPU time and memory.
    #[arg(long, global = true)]
    pub server_pid: Option<u32>,
    /// The chinwag binary to spawn (default: next to this one).
    #[arg(long, global = true)]
    pub server_bin: Option<PathBuf>,
    /// DATABASE_URL for spawned servers (default: a SQLite file in a temp dir).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// REDIS_URL for spawned servers (cross-node runs need it).
    #[arg(long, global = true)]
    pub redis_url: Option<String>,
    /// Spawned servers, each on its own port, sharing --database-url and --redis-url.
    #[arg(long, global = true, default_value_t = 1)]
    pub nodes: usize,
}

pub struct Server {
    pub base: String,
    pub pid: Option<u32>,
    child: Option<Child>,
    _dir: Option<tempfile::TempDir>,
}

impl Target {
    /// The servers to drive: `--url`, or `--nodes` spawned ones.
    pub async fn servers(&self) -> Result<Vec<Server>, String> {
        if let Some(url) = &self.url {
            return Ok(vec![Server::at(url, self.server_pid)]);
        }
        if self.nodes > 1 && (self.database_url.is_none() || self.redis_url.is_none()) {
            return Err("--nodes > 1 needs --database-url (PostgreSQL) and --redis-url".into());
        }
        let secret = chinwag::ids::random_token(32);
        let prefix = format!("bench-{}:", chinwag::ids::new_id("r"));
        let mut out = Vec::new();
        for _ in 0..self.nodes {
            out.push(self.spawn(&secret, &prefix).await?);
        }
        Ok(out)
    }

    pub fn bin(&self) -> PathBuf {
        self.server_bin.clone().unwrap_or_else(|| std::env::current_exe().expect("own path").with_file_name("chinwag"))
    }

    pub async fn spawn(&self, secret: &str, prefix: &str) -> Result<Server, String> {
        self.spawn_with(secret, prefix, &[]).await
    }

    /// As `spawn`, with extra environment for the server.
    pub async fn spawn_with(&self, secret: &str, prefix: &str, env: &[(&str, &str)]) -> Result<Server, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?.local_addr().unwrap().port();
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(self.bin());
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(dir.path())
            .env("CHINWAG_RATE_LIMITS", "off")
            .env("CHINWAG_JWT_SECRET", secret)
            .env("CHINWAG_REDIS_PREFIX", prefix)
            .env("CHINWAG_MAX_OPEN_CONVERSATIONS", "0")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(u) = &self.database_url {
            cmd.env("DATABASE_URL", u);
        }
        if let Some(u) = &self.redis_url {
            cmd.env("REDIS_URL", u);
        }
        let child = cmd.spawn().map_err(|e| format!("cannot start {}: {e} (build it: cargo build --release --bin chinwag)", self.bin().display()))?;
        let s = Server { base: format!("http://127.0.0.1:{port}"), pid: Some(child.id()), child: Some(child), _dir: Some(dir) };
        s.wait_ready(Duration::from_secs(20)).await?;
        Ok(s)
    }
}

impl Server {
    /// A server someone else started.
    pub fn at(url: &str, pid: Option<u32>) -> Server {
        Server { base: url.trim_end_matches('/').trim_end_matches("/graphql").to_owned(), pid, child: None, _dir: None }
    }

    /// Kills a spawned server at once (SIGKILL): no shutdown, no grace.
    pub fn kill(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.pid = None;
    }

    pub async fn wait_ready(&self, limit: Duration) -> Result<Duration, String> {
        let started = Instant::now();
        let http = reqwest::Client::new();
        loop {
            if let Ok(r) = http.get(format!("{}/healthz", self.base)).send().await {
                if r.status().is_success() {
                    return Ok(started.elapsed());
                }
            }
            if started.elapsed() > limit {
                return Err(format!("server at {} not ready in {limit:?}", self.base));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// User + system CPU time of the server process, in seconds.
    pub fn cpu_seconds(&self) -> Option<f64> {
        cpu_seconds(self.pid?)
    }

    /// Resident set size in bytes.
    pub fn rss_bytes(&self) -> Option<u64> {
        rss_bytes(self.pid?)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) start after ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks())
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf").arg("CLK_TCK").output().ok().and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok()).unwrap_or(100.0)
}

pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The load generator's own CPU time, to report how much of the two cores it took.
pub fn own_cpu_seconds() -> f64 {
    cpu_seconds(std::process::id()).unwrap_or(0.0)
}
