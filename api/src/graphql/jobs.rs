//! Durable jobs, for owners and admins: what is pending, running or dead in their
//! organization, and retrying a dead one. Operators see every organization's jobs with
//! `chinwag jobs`.

use async_graphql::{Context, Object, SimpleObject, ID};

use super::conversation::{decode_cursor, encode_cursor, forward_page, page_first};
use super::guards::Allow;
use super::types::{DateTime, PageInfo};
use super::{ContextExt as _, GqlResult};
use crate::app::JobRow;
use crate::domain::JobState;

/// Work the server does later or elsewhere for the organization (an email, ...), kept
/// until it succeeds; a job that kept failing is DEAD and waits for `retryJob`. The
/// payload is not shown: an email's link is its recipient's secret.
#[derive(SimpleObject)]
pub struct Job {
    pub id: ID,
    /// `email`, `email.offline_reply`, ...
    pub kind: String,
    pub state: JobState,
    /// Runs started so far.
    pub attempts: i32,
    /// When it runs next (PENDING), or when its lease lapses (RUNNING).
    pub run_at: DateTime,
    /// Why the last run failed.
    pub last_error: Option<String>,
    pub created_at: DateTime,
    pub updated_at: DateTime,
}

impl From<JobRow> for Job {
    fn from(j: JobRow) -> Job {
        Job {
            id: ID(j.id),
            kind: j.kind,
            state: j.state,
            attempts: j.attempts.clamp(0, i32::MAX as i64) as i32,
            run_at: DateTime(if j.state == JobState::Running { j.lease_until.unwrap_or(j.run_at) } else { j.run_at }),
            last_error: j.last_error,
            created_at: DateTime(j.created_at),
            updated_at: DateTime(j.updated_at),
        }
    }
}

#[derive(SimpleObject)]
pub struct JobEdge {
    pub cursor: String,
    pub node: Job,
}

#[derive(SimpleObject)]
pub struct JobConnection {
    pub edges: Vec<JobEdge>,
    pub page_info: PageInfo,
}

#[derive(Default)]
pub struct JobsQuery;

#[Object]
impl JobsQuery {
    /// The organization's jobs, newest first (owners and admins), by kind and state.
    #[graphql(guard = "Allow::Admins", complexity = "super::page_cost(first, 25, 100, child_complexity)")]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        kind: Option<String>,
        state: Option<JobState>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<JobConnection> {
        let first = page_first(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let before = after.as_ref().map(|(t, id)| (*t, id.as_str()));
        let rows = ctx.app().jobs_page(ctx.viewer()?, kind.as_deref(), state, before, first as i64 + 1).await?;
        let (edges, page_info) = forward_page(rows, first, |r| encode_cursor(r.created_at, &r.id), |cursor, r| JobEdge { cursor, node: r.into() });
        Ok(JobConnection { edges, page_info })
    }
}

#[derive(Default)]
pub struct JobsMutation;

#[Object]
impl JobsMutation {
    /// Runs a DEAD job again now, with a fresh count of attempts (owners and admins).
    /// NOT_FOUND unless it is a dead job of the organization.
    #[graphql(guard = "Allow::Admins")]
    async fn retry_job(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Job> {
        Ok(ctx.app().retry_job(ctx.viewer()?, &id).await?.into())
    }
}
