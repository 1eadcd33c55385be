//! Building and running the server. `Application::build` binds the listener (port 0
//! works) and exposes `port()`, so tests never sleep waiting for readiness.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use crate::app::{App, Services};
use crate::config::Settings;
use crate::graphql::build_schema;
use crate::http::{router, AppState, Sockets};
use crate::jobs::{Clock, SystemClock, Worker};
use crate::store::{anyhow_like, Store};

pub struct Application {
    listener: tokio::net::TcpListener,
    state: AppState,
    /// This node's job workers (none with `--job-workers false`).
    worker: Option<Worker>,
    /// The inbound SMTP listener (`--inbound-smtp-listen`).
    smtp: Option<tokio::net::TcpListener>,
}

/// The kernel's accept queue for our socket: a reconnect storm of thousands of clients
/// overflows tokio's default (1024), and every dropped SYN costs its client a second or
/// more. The kernel caps it at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 8192;

fn listen_on(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow_like::Result<Application> {
        Application::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// As `build`, with jobs on `clock` (tests move a `ManualClock` instead of sleeping).
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> anyhow_like::Result<Application> {
        let store = Store::open(settings.database_url.as_deref(), &settings.data_dir).await?;
        let secret = signing_secret(&settings)?;
        let limits = settings.limits.clone();
        let listen = settings.listen;
        let services = match &settings.redis_url {
            Some(url) => Services::redis(url, &settings.redis_prefix).await.map_err(|e| format!("cannot reach Redis at REDIS_URL: {e}"))?,
            None => Services::local(),
        };
        let mailer = crate::mail::Mailer::from_settings(&settings)?;
        let files = crate::files::Files::from_settings(&settings)?;
        let jobs = settings.jobs.clone();
        let app = App::new(settings, store, services, mailer, files, &secret, clock).await?;
        if jobs.job_workers {
            // Retention runs daily as a job (one per day, whichever node takes it).
            app.schedule_retention().await.map_err(|e| format!("scheduling retention: {e:?}"))?;
            // The analytics rollup runs every minute the same way.
            app.schedule_analytics().await.map_err(|e| format!("scheduling the analytics rollup: {e:?}"))?;
        }
        let schema = build_schema(Some(app.clone()), &limits);
        let listener = listen_on(listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let smtp = match app.settings.integrations.inbound_smtp_listen {
            Some(addr) => {
                if app.reply_domain().is_none() {
                    return Err("--inbound-smtp-listen needs --reply-domain (the domain it takes mail for)".to_owned().into());
                }
                Some(listen_on(addr).map_err(|e| format!("cannot listen for SMTP on {addr}: {e}"))?)
            }
            None => None,
        };
        let worker = jobs.job_workers.then(|| {
            let kinds = app.job_kinds();
            let known: Vec<&str> = kinds.iter().map(|k| k.name).collect();
            for unknown in crate::jobs::Policies::parse(&jobs.job_policy).unwrap_or_default().unknown(&known) {
                tracing::warn!(kind = unknown, "CHINWAG_JOB_POLICY names a kind this server does not run");
            }
            let ms = std::time::Duration::from_millis;
            Worker::start(app.store.clone(), app.jobs.clone(), kinds, ms(jobs.job_poll_ms), ms(jobs.job_lease_ms), ms(jobs.job_shutdown_grace_ms))
        });
        Ok(Application { listener, state: AppState { app, schema, sockets: Sockets::default(), shared: Default::default() }, worker, smtp })
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// The inbound SMTP listener's address, when it is on.
    pub fn smtp_addr(&self) -> Option<SocketAddr> {
        self.smtp.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn app(&self) -> Arc<App> {
        self.state.app.clone()
    }

    /// Serves until `shutdown` resolves; then asks sockets to reconnect elsewhere (1012)
    /// and finishes in-flight requests.
    pub async fn run_until(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let sockets = self.state.sockets.clone();
        let app = self.state.app.clone();
        let worker = self.worker;
        let smtp = self.smtp.map(|l| {
            tracing::info!(addr = ?l.local_addr().ok(), "inbound SMTP listening");
            tokio::spawn(crate::smtp::serve(l, app.clone()))
        });
        let service = router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(self.listener, service)
            .with_graceful_shutdown(async move {
                shutdown.await;
                tracing::info!("shutting down");
                sockets.shutdown();
            })
            .await;
        if let Some(smtp) = smtp {
            smtp.abort();
        }
        // Running jobs finish (or are given back) before the store closes.
        if let Some(worker) = worker {
            worker.shutdown().await;
        }
        app.store.close().await;
        result
    }

    pub async fn run(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// The token signing secret: from config, or generated once into the data dir (0600).
fn signing_secret(settings: &Settings) -> anyhow_like::Result<Vec<u8>> {
    if let Some(s) = &settings.jwt_secret {
        if s.len() < 32 {
            return Err("CHINWAG_JWT_SECRET must be at least 32 bytes".into());
        }
        return Ok(s.as_bytes().to_vec());
    }
    let path = settings.data_dir.join("jwt.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    std::fs::create_dir_all(&settings.data_dir).map_err(|e| format!("cannot create {}: {e}", settings.data_dir.display()))?;
    let secret = crate::ids::random_token(48);
    write_private(&path, secret.as_bytes())?;
    tracing::info!(path = %path.display(), "generated a token signing key");
    Ok(secret.into_bytes())
}

fn write_private(path: &Path, data: &[u8]) -> anyhow_like::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(data)?;
    f.sync_all()?;
    Ok(())
}
