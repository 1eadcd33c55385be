//! Processes: chinwag nodes, a private redis-server, a private PostgreSQL cluster.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::{pg, Client};

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Settings every node of one cluster shares.
#[derive(Clone)]
pub struct Cluster {
    pub database_url: String,
    pub redis_url: String,
    pub prefix: String,
    secret: String,
    pg_db: Option<String>,
}

impl Cluster {
    /// A fresh database on the shared test PostgreSQL and a unique prefix on the shared
    /// test Redis, so parallel runs never hear each other.
    pub async fn shared() -> Cluster {
        let (database_url, name) = pg::fresh_database().await;
        Cluster::with(database_url, redis_url(), Some(name))
    }

    pub fn with(database_url: String, redis_url: String, pg_db: Option<String>) -> Cluster {
        let id = chinwag::ids::new_id("t").to_lowercase();
        Cluster { database_url, redis_url, prefix: format!("chinwag-test-{id}:"), secret: chinwag::ids::random_token(32), pg_db }
    }

    pub async fn node(&self) -> Node {
        Node::start(self, free_port(), &[]).await
    }

    /// A node with extra environment (`CHINWAG_SMTP_URL`, job lease times, ...).
    pub async fn node_with(&self, env: &[(&str, &str)]) -> Node {
        Node::start(self, free_port(), env).await
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(db) = self.pg_db.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(pg::drop_database(&db));
            })
            .join();
        }
    }
}

pub fn redis_url() -> String {
    std::env::var("CHINWAG_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

pub struct Node {
    child: Child,
    pub client: Client,
    pub base: String,
    _dir: tempfile::TempDir,
}

impl Node {
    pub async fn start(c: &Cluster, port: u16, env: &[(&str, &str)]) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("node.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_chinwag"))
            .envs(env.iter().copied())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(dir.path())
            .env("DATABASE_URL", &c.database_url)
            .env("REDIS_URL", &c.redis_url)
            .env("CHINWAG_REDIS_PREFIX", &c.prefix)
            .env("CHINWAG_JWT_SECRET", &c.secret)
            .env("CHINWAG_RATE_LIMITS", "off")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start chinwag");
        let base = format!("http://127.0.0.1:{port}");
        let node = Node { child, client: Client::new(&base), base, _dir: dir };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(r) = node.client.http.get(format!("{}/healthz", node.base)).send().await {
                if r.status().is_success() {
                    return node;
                }
            }
            assert!(tokio::time::Instant::now() < deadline, "node did not start: {}", node.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until this node has `n` live streams listening on the bus (read from
    /// `/metrics`): then its subscriptions miss nothing published after.
    pub async fn wait_live_streams(&self, n: i64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.client.http.get(format!("{}/metrics", self.base)).send().await.unwrap().text().await.unwrap();
            let now: i64 = text.lines().find_map(|l| l.strip_prefix("chinwag_live_streams ")).and_then(|v| v.parse().ok()).unwrap_or(0);
            if now >= n {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "{n} live streams never registered on {}", self.base);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("node.log")).unwrap_or_default()
    }

    /// SIGKILL: no goodbye to anyone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM: the polite stop a deploy sends.
    pub fn terminate(&self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
    }

    /// Waits for the process to exit; its exit status.
    pub async fn exited(&mut self) -> std::process::ExitStatus {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(tokio::time::Instant::now() < deadline, "node did not exit: {}", self.log());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn readyz(&self) -> serde_json::Value {
        self.client.http.get(format!("{}/readyz", self.base)).send().await.unwrap().json().await.unwrap()
    }
}

impl std::ops::Deref for Node {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A private redis-server on its own port, to stop and start at will.
pub struct PrivateRedis {
    pub port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    pub fn start() -> PrivateRedis {
        let mut r = PrivateRedis { port: free_port(), child: None };
        r.up();
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn up(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server on PATH");
        self.child = Some(child);
        wait_for_port(self.port);
    }

    pub fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.down();
    }
}

fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("nothing listens on {port}");
}

/// A private PostgreSQL cluster (initdb / pg_ctl as the `postgres` user, since initdb
/// refuses root), on its own port and socket directory.
pub struct PrivatePostgres {
    pub port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
}

fn pg_bin() -> PathBuf {
    if let Ok(out) = Command::new("sh").args(["-c", "command -v initdb"]).output() {
        let p = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !p.is_empty() {
            return Path::new(&p).parent().unwrap().to_path_buf();
        }
    }
    // Debian keeps the server binaries off PATH, one folder per major version.
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql").map(|d| d.flatten().map(|e| e.path().join("bin")).collect()).unwrap_or_default();
    found.sort();
    found.pop().expect("PostgreSQL server binaries (initdb)")
}

fn as_postgres(cmd: &Path, args: &[&str]) -> std::process::Output {
    let is_root = Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false);
    let mut c = if is_root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(cmd);
        c
    } else {
        Command::new(cmd)
    };
    c.args(args).output().expect("run a PostgreSQL tool")
}

impl PrivatePostgres {
    pub fn start() -> PrivatePostgres {
        let dir = tempfile::Builder::new().prefix("chinwag-pg-").tempdir().unwrap();
        let _ = Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status();
        let bin = pg_bin();
        let data = dir.path().join("data");
        let out = as_postgres(&bin.join("initdb"), &["-D", data.to_str().unwrap(), "-A", "trust", "-U", "postgres", "--no-sync"]);
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let pg = PrivatePostgres { port: free_port(), dir, bin };
        pg.up();
        pg
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn up(&self) {
        let data = self.dir.path().join("data");
        let opts = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.dir.path().display());
        let log = self.dir.path().join("pg.log");
        let out = as_postgres(&self.bin.join("pg_ctl"), &["-D", data.to_str().unwrap(), "-o", &opts, "-l", log.to_str().unwrap(), "-w", "start"]);
        assert!(out.status.success(), "pg_ctl start: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn down(&self) {
        let data = self.dir.path().join("data");
        let _ = as_postgres(&self.bin.join("pg_ctl"), &["-D", data.to_str().unwrap(), "-m", "immediate", "-w", "stop"]);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.down();
    }
}
