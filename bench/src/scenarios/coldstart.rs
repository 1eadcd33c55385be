//! Cold start: process start to the first answered request, on a fresh data dir
//! (migrations included) and again on an existing one.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::client::Result;
use crate::report::Report;
use crate::server::Target;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
}

pub async fn run(target: &Target, a: Args) -> Result<Report> {
    let mut fresh = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..a.runs.max(1) {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        fresh.push(start_once(target, dir.path()).await?);
        warm.push(start_once(target, dir.path()).await?);
    }
    let mut rep = Report::new("cold start", json!({ "runs": a.runs, "store": "sqlite" }));
    for (name, mut v) in [("fresh data dir", fresh), ("existing data dir", warm)] {
        v.sort_by(|x, y| x.partial_cmp(y).unwrap());
        rep.figure(&format!("{name}: median"), v[v.len() / 2], "ms");
        rep.figure(&format!("{name}: max"), v[v.len() - 1], "ms");
    }
    Ok(rep)
}

async fn start_once(target: &Target, dir: &std::path::Path) -> Result<f64> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?.local_addr().unwrap().port();
    let started = Instant::now();
    let mut child = Command::new(target.bin())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let http = reqwest::Client::new();
    let ms = loop {
        if let Ok(r) = http.get(format!("http://127.0.0.1:{port}/healthz")).send().await {
            if r.status().is_success() {
                break started.elapsed().as_secs_f64() * 1000.0;
            }
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            return Err("server did not start in 20 s".into());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    Ok(ms)
}
