//! `chinwag`: serve, migrate, print the schema, and operator tasks.

use clap::{Parser, Subcommand};

use chinwag::config::Settings;
use chinwag::domain::{Email, JobState, OrgName, Password, PersonName, Role};
use chinwag::startup::Application;
use chinwag::store::{NewAgent, Store};

#[derive(Parser)]
#[command(name = "chinwag", version, about = "Chinwag: live chat for businesses, API-first")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (SQLite in --data-dir unless DATABASE_URL is set).
    Serve(Settings),
    /// Apply pending migrations and exit.
    Migrate(Settings),
    /// Print the public GraphQL schema (SDL) to stdout.
    Schema,
    /// Create an organization and its owner without the API.
    CreateOrg {
        #[arg(long)]
        org_name: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// The owner's password (or CHINWAG_ADMIN_PASSWORD).
        #[arg(long, env = "CHINWAG_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// List durable jobs of every organization, or retry a dead one (operators).
    Jobs {
        #[command(subcommand)]
        action: JobsAction,
    },
    /// Set an agent's password and end their sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
        /// The new password (or CHINWAG_ADMIN_PASSWORD).
        #[arg(long, env = "CHINWAG_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Subcommand)]
enum JobsAction {
    /// Newest first, one line each: id, kind, state, attempts, next run, organization, last error.
    List {
        /// pending, running or dead.
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        /// Only this organization's.
        #[arg(long)]
        org: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[command(flatten)]
        settings: Settings,
    },
    /// Run a dead job again now, with a fresh count of attempts.
    Retry {
        id: String,
        #[command(flatten)]
        settings: Settings,
    },
}

fn main() {
    let cli = Cli::parse();
    if let Command::Schema = cli.command {
        print!("{}", chinwag::graphql::sdl());
        return;
    }
    chinwag::telemetry::init();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    if let Err(e) = rt.block_on(run(cli.command)) {
        tracing::error!("{e}");
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run(cmd: Command) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    match cmd {
        Command::Serve(settings) => {
            let started = std::time::Instant::now();
            let app = Application::build(settings).await?;
            tracing::info!(addr = %app.local_addr(), store = app.app().store.dialect(), ready_ms = started.elapsed().as_millis() as u64, "chinwag is listening");
            app.run().await?;
        }
        Command::Migrate(settings) => {
            Store::open(settings.database_url.as_deref(), &settings.data_dir).await?;
            tracing::info!("migrations applied");
        }
        Command::Schema => unreachable!("handled before the runtime starts"),
        Command::CreateOrg { org_name, name, email, password, settings } => {
            let store = Store::open(settings.database_url.as_deref(), &settings.data_dir).await?;
            let org_name = OrgName::parse(&org_name).map_err(|e| e.0)?;
            let name = PersonName::parse(&name).map_err(|e| e.0)?;
            let email = Email::parse(&email).map_err(|e| e.0)?;
            let password = Password::parse(&password).map_err(|e| e.0)?;
            let hash = chinwag::auth::hash_password(password.expose().to_owned()).await.map_err(|e| e.message())?;
            let (org, agent) = store
                .create_org_with_owner(org_name.as_str(), NewAgent { email: email.as_str(), name: name.as_str(), password_hash: &hash, role: Role::Owner })
                .await
                .map_err(|e| format!("{e:?}"))?;
            println!("created organization {} with owner {} ({})", org.id, agent.id, agent.email);
        }
        Command::Jobs { action } => {
            let settings = match &action {
                JobsAction::List { settings, .. } | JobsAction::Retry { settings, .. } => settings,
            };
            let store = Store::open(settings.database_url.as_deref(), &settings.data_dir).await?;
            match action {
                JobsAction::List { state, kind, org, limit, .. } => {
                    let state = state.map(|s| JobState::from_db(&s.to_lowercase())).transpose().map_err(|e| e.0)?;
                    let jobs = store.jobs_page(org.as_deref(), kind.as_deref(), state, None, limit.clamp(1, 10_000)).await.map_err(|e| format!("{e:?}"))?;
                    for j in jobs {
                        let at = chinwag::time::rfc3339(j.run_at);
                        let error = j.last_error.as_deref().unwrap_or("").replace('\n', " ");
                        println!("{}\t{}\t{}\t{}\t{at}\t{}\t{error}", j.id, j.kind, j.state.as_str(), j.attempts, j.org_id.as_deref().unwrap_or("-"));
                    }
                }
                JobsAction::Retry { id, .. } => {
                    let job = store.retry_dead_job(None, &id, chinwag::time::now_ms()).await.map_err(|e| match e {
                        chinwag::store::StoreError::NotFound => format!("no dead job {id}"),
                        other => format!("{other:?}"),
                    })?;
                    println!("{} ({}) is due now; a running server picks it up", job.id, job.kind);
                }
            }
        }
        Command::ResetPassword { email, password, settings } => {
            let store = Store::open(settings.database_url.as_deref(), &settings.data_dir).await?;
            let email = Email::parse(&email).map_err(|e| e.0)?;
            let password = Password::parse(&password).map_err(|e| e.0)?;
            let agent = store.agent_by_email(email.as_str()).await.map_err(|e| format!("{e:?}"))?.ok_or("no agent with that email")?;
            let hash = chinwag::auth::hash_password(password.expose().to_owned()).await.map_err(|e| e.message())?;
            store.set_agent_password(&agent.id, &hash).await.map_err(|e| format!("{e:?}"))?;
            println!("password reset for {}; their sessions have ended", agent.email);
        }
    }
    Ok(())
}
