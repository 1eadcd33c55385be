//! Storage: one domain-shaped API over SQLite (embedded default) and PostgreSQL.
//!
//! The two dialects agree on almost all SQL we write (`$n` binds, `returning`,
//! `on conflict`, partial indexes), so each query is written once and expanded for
//! both pools by the `on_read!` / `on_write!` macros below; rows decode into the same
//! `FromRow` types. SQLite gets a single-connection write pool (one writer is what
//! SQLite allows anyway; queuing in the pool beats `SQLITE_BUSY`) and a read pool.

/// Runs `$body` with `$pool` bound to a read pool and `$db` to the dialect's type.
macro_rules! on_read {
    ($store:expr, |$pool:ident, $db:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite { read: $pool, .. } => {
                #[allow(dead_code)]
                type $db = sqlx::Sqlite;
                $body
            }
            $crate::store::Store::Postgres($pool) => {
                #[allow(dead_code)]
                type $db = sqlx::Postgres;
                $body
            }
        }
    };
}

/// Like `on_read!`, on the pool that may write.
macro_rules! on_write {
    ($store:expr, |$pool:ident, $db:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite { write: $pool, .. } => {
                #[allow(dead_code)]
                type $db = sqlx::Sqlite;
                $body
            }
            $crate::store::Store::Postgres($pool) => {
                #[allow(dead_code)]
                type $db = sqlx::Postgres;
                $body
            }
        }
    };
}

/// Runs a conversation's `query_as` (`update ... returning`) and, in the same
/// transaction (when there are any), inserts the jobs `$jobs` (a `ConversationJobs`) makes from the row as
/// written: its change's webhook events commit with it. The row, if any.
macro_rules! with_jobs {
    ($pool:ident, $db:ident, $jobs:expr, $query:expr) => {{
        let row: Option<$crate::store::ConversationRow> = match $jobs {
            // Nothing to commit with it: one statement, no transaction of its own.
            None => $query.fetch_optional($pool).await?,
            Some(make) => {
                let mut tx = sqlx::Acquire::begin($pool).await?;
                let row: Option<$crate::store::ConversationRow> = $query.fetch_optional(&mut *tx).await?;
                if let Some(r) = &row {
                    $crate::store::jobs::insert_jobs!(tx, $db, &make(r), $crate::time::now_ms());
                }
                tx.commit().await?;
                row
            }
        };
        row
    }};
}

/// Jobs a conversation's change commits with it, made from the row as written (its
/// webhook events); `None` for none.
pub type ConversationJobs<'a> = Option<&'a (dyn Fn(&ConversationRow) -> Vec<NewJob> + Send + Sync)>;

/// Appends ` and <column> in (...)` with one bind per id to a `QueryBuilder`; an empty
/// list is valid SQL and matches nothing (its one bind, '', is never an id).
macro_rules! and_in {
    ($q:ident, $column:literal, $ids:expr) => {{
        $q.push(concat!(" and ", $column, " in ("));
        let mut sep = $q.separated(", ");
        sep.push_bind("");
        for id in $ids {
            sep.push_bind(id.clone());
        }
        $q.push(")");
    }};
}

#[macro_use]
mod group;
mod agents;
mod analytics;
mod api_keys;
mod append;
mod articles;
mod assistant;
mod attachments;
mod audit;
mod automation;
mod batches;
mod blocks;
mod canned;
mod channels;
mod chat;
mod conversions;
mod departments;
mod invites;
pub(crate) mod jobs;
mod migrate;
mod privacy;
mod push;
mod router;
mod rows;
mod rules;
mod schedule;
mod sessions;
mod sla;
mod webhooks;
mod websites;

pub use agents::NewAgent;
pub use analytics::{FactFilter, FactRow, LifecycleRow, ReportConversionRow, RollupConversationRow, RollupMessageRow};
pub use api_keys::NewApiKey;
pub use append::{Appended, Appender, FollowUp, NewMessage};
pub use articles::{ArticleHit, ArticleRow, ArticleTextRow, ArticleTitleRow, ArticleWrite};
pub use assistant::{ArticleVectors, AssistantRow, BotAnswerRow, FirstReply, PastQuestion, PastReply, PublishedText, UnembeddedText};
pub use attachments::{AttachmentRow, NewAttachment};
pub use audit::{AuditFilter, AuditRow};
pub use automation::{AutomationRow, AutomationWrite, ProactiveRow, TriggerRow, TriggerWrite};
pub use batches::PersonRow;
pub use blocks::{BlockRow, NewBlock};
pub use channels::{HeldEmailRow, SlackRow, SlackThreadRow};
pub use chat::{ConversationFilter, PageDirection};
pub use conversions::{ConversionRow, NewConversion};
pub use jobs::{JobCount, JobRow, NewJob};
pub use privacy::{ErasedCounts, ErasureRow, ExportRow, NewErasure, NewExport, RetentionRule, VisitorLookup, MAX_VISITORS_PER_REQUEST};
pub use push::PushSubscriptionRow;
pub use router::{OfferJob, ReassignJob, RoutingPatch, RoutingSettingsRow, OFFER_EXPIRY, REASSIGN};
pub use rows::*;
pub use rules::{RuleRow, RuleWrite};
pub use schedule::ScheduleRow;
pub use sla::{SlaBreachRow, SlaDue, SlaPolicyRow, SlaWrite};
pub use webhooks::{EndpointAfter, WebhookAttemptRow, WebhookEndpointRow, WebhookEndpointWrite, WebhookEventRow, ENDPOINT_ID_LEN, WEBHOOK_DELIVER};
pub use websites::{NewVisitor, Visit, WebsitePatch};

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

/// Store failures. Not `Display` (see `ApiError`): resolvers convert it through
/// `ApiError`, so every failure carries a code.
#[derive(Debug)]
pub enum StoreError {
    NotFound,
    /// A unique constraint refused the write.
    Conflict(Constraint),
    /// The store cannot be reached or is overloaded: the caller may retry.
    Unavailable(sqlx::Error),
    Other(sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The unique constraints a client can run into, named as in the migrations. What a
/// client is told about each is decided in one place (`error::conflict_message`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// `agents_email_key`
    AgentEmail,
    /// `departments_org_name_key`
    DepartmentName,
    /// `canned_responses_org_shortcut_key`
    CannedShortcut,
    /// `visitors_website_external_key`
    VisitorExternalId,
    /// `articles_slug_key`
    ArticleSlug,
    /// `websites_help_domain_key`
    HelpDomain,
    Other,
}

impl Constraint {
    /// PostgreSQL reports the constraint's name; SQLite reports only its columns
    /// ("UNIQUE constraint failed: agents.email"), which are as fixed as the name.
    fn of(db: &dyn sqlx::error::DatabaseError) -> Constraint {
        let columns = db.message().rsplit_once(": ").map(|(_, c)| c).unwrap_or("");
        match db.constraint().unwrap_or(columns) {
            "agents_email_key" | "agents.email" => Constraint::AgentEmail,
            "departments_org_name_key" | "departments.org_id, departments.name" => Constraint::DepartmentName,
            "canned_responses_org_shortcut_key" | "canned_responses.org_id, canned_responses.shortcut" => Constraint::CannedShortcut,
            "visitors_website_external_key" | "visitors.website_id, visitors.external_id" => Constraint::VisitorExternalId,
            "articles_slug_key" | "articles.website_id, articles.slug" => Constraint::ArticleSlug,
            "websites_help_domain_key" | "websites.help_domain" => Constraint::HelpDomain,
            _ => Constraint::Other,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation => StoreError::Conflict(Constraint::of(db.as_ref())),
            // SQLITE_BUSY / SQLITE_LOCKED, and PostgreSQL's admin shutdown / cannot-connect classes.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("5" | "6" | "517" | "57P01" | "57P02" | "57P03")) || db.code().is_some_and(|c| c.starts_with("08")) =>
            {
                StoreError::Unavailable(e)
            }
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(e)
            }
            _ => StoreError::Other(e),
        }
    }
}

/// Option -> NotFound, for lookups that must find a row.
pub trait Found<T> {
    fn found(self) -> StoreResult<T>;
}

impl<T> Found<T> for StoreResult<Option<T>> {
    fn found(self) -> StoreResult<T> {
        self.and_then(|o| o.ok_or(StoreError::NotFound))
    }
}

/// The store, picked once at start from the URL scheme.
#[derive(Clone, Debug)]
pub enum Store {
    /// `group`: the group commit of writes other than messages, on `write`.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        group: std::sync::Arc<group::Group>,
    },
    Postgres(PgPool),
}

impl Store {
    /// Connects to `database_url` (PostgreSQL) or opens `data_dir/chinwag.db` (SQLite),
    /// and applies pending migrations.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> anyhow_like::Result<Store> {
        let store = match database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Store::connect_postgres(url).await?,
            Some(url) if url.starts_with("sqlite:") => Store::connect_sqlite(SqliteConnectOptions::from_str(url)?).await?,
            Some(other) => {
                let scheme = other.split(':').next().unwrap_or("");
                return Err(format!("DATABASE_URL scheme '{scheme}' is not supported (use postgres:// or sqlite:)").into());
            }
            None => {
                std::fs::create_dir_all(data_dir).map_err(|e| format!("cannot create data dir {}: {e}", data_dir.display()))?;
                let opts = SqliteConnectOptions::new().filename(data_dir.join("chinwag.db"));
                Store::connect_sqlite(opts).await?
            }
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn connect_sqlite(opts: SqliteConnectOptions) -> anyhow_like::Result<Store> {
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Durable first: a message is on disk before anyone is told.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Deleted rows (an erasure) are overwritten in the file where that costs no
            // extra I/O, rather than lingering in free pages.
            .pragma("secure_delete", "fast")
            .busy_timeout(Duration::from_secs(5));
        // An embedded database's connections do not go stale: no ping before each use
        // (it would cost a round trip to sqlx's SQLite thread on every query).
        let pool = || SqlitePoolOptions::new().acquire_timeout(Duration::from_secs(10)).test_before_acquire(false);
        let write = pool().max_connections(1).connect_with(opts.clone()).await?;
        let read = pool().max_connections(8).connect_with(opts.read_only(false)).await?;
        let group = group::Group::new(write.clone());
        Ok(Store::Sqlite { read, write, group })
    }

    async fn connect_postgres(url: &str) -> anyhow_like::Result<Store> {
        // No JIT: its compile (15 ms and more) is worth it for long analytical scans, not
        // for a server's queries, yet the planner's estimate for a text search ranked
        // over thousands of rows crosses `jit_above_cost` and paid it on every search.
        let opts = PgConnectOptions::from_str(url)?.options([("synchronous_commit", "on"), ("jit", "off")]);
        let pool = PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(5)).connect_with(opts).await?;
        Ok(Store::Postgres(pool))
    }

    /// A trivial round trip, for `/readyz`.
    pub async fn ping(&self) -> StoreResult<()> {
        on_read!(self, |pool, DB| {
            sqlx::query::<DB>("select 1").execute(pool).await?;
        });
        Ok(())
    }

    pub fn dialect(&self) -> &'static str {
        match self {
            Store::Sqlite { .. } => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite { read, write, .. } => {
                write.close().await;
                read.close().await;
            }
            Store::Postgres(p) => p.close().await,
        }
    }
}

/// A minimal boxed error for start-up paths, where the message is all that matters.
pub mod anyhow_like {
    pub type Error = Box<dyn std::error::Error + Send + Sync>;
    pub type Result<T> = std::result::Result<T, Error>;
}
