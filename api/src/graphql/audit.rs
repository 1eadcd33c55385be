//! The audit log, for owners and admins: who changed what, when and from where.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::conversation::{decode_cursor, encode_cursor, forward_page, page_first};
use super::guards::Allow;
use super::types::{DateTime, PageInfo};
use super::{ContextExt as _, GqlResult};
use crate::store::{AuditFilter, AuditRow};

/// One recorded action: team and key changes, blocks, website settings, retried jobs,
/// password changes, exports of this log. `GET /audit.csv` exports it.
pub struct AuditEntry(AuditRow);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// `agent.invite`, `agent.set_role`, `api_key.revoke`, `visitor.block`, ...
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// `agent`, `api_key` or `visitor`.
    async fn actor_kind(&self) -> &str {
        &self.0.actor_kind
    }
    async fn actor_id(&self) -> ID {
        ID(self.0.actor_id.clone())
    }
    /// The agent's name when the actor is an agent of the organization.
    async fn actor_name(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        if self.0.actor_kind != "agent" {
            return Ok(None);
        }
        Ok(ctx.loaders()?.agents.load_one(self.0.actor_id.clone()).await?.map(|a| a.name))
    }
    /// What the action was on (an agent, invite, key, visitor, website, job...).
    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.clone().map(ID)
    }
    /// The client address the server saw (behind trusted proxies, the forwarded one).
    async fn ip(&self) -> Option<&str> {
        self.0.ip.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

#[derive(SimpleObject)]
pub struct AuditEntryEdge {
    pub cursor: String,
    pub node: AuditEntry,
}

#[derive(SimpleObject)]
pub struct AuditEntryConnection {
    pub edges: Vec<AuditEntryEdge>,
    pub page_info: PageInfo,
}

/// Which entries: all filters are optional and combine.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    pub action: Option<String>,
    pub actor_id: Option<ID>,
    /// From this time (inclusive).
    pub since: Option<DateTime>,
    /// Until this time (exclusive).
    pub until: Option<DateTime>,
}

impl From<AuditLogFilter> for AuditFilter {
    fn from(f: AuditLogFilter) -> AuditFilter {
        AuditFilter { action: f.action, actor_id: f.actor_id.map(|i| i.0), since: f.since.map(|d| d.0), until: f.until.map(|d| d.0) }
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The organization's audit log, newest first (owners and admins).
    #[graphql(guard = "Allow::Admins", complexity = "super::page_cost(first, 25, 100, child_complexity)")]
    async fn audit_log(&self, ctx: &Context<'_>, filter: Option<AuditLogFilter>, first: Option<i32>, after: Option<String>) -> GqlResult<AuditEntryConnection> {
        let first = page_first(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let before = after.as_ref().map(|(t, id)| (*t, id.as_str()));
        let filter: AuditFilter = filter.unwrap_or_default().into();
        let rows = ctx.app().audit_page(ctx.viewer()?, &filter, before, first as i64 + 1).await?;
        crate::graphql::budget::charge(ctx, rows.len(), rows.len() * crate::graphql::budget::ROW_OVERHEAD)?;
        let (edges, page_info) = forward_page(rows, first, |r| encode_cursor(r.created_at, &r.id), |cursor, r| AuditEntryEdge { cursor, node: AuditEntry(r) });
        Ok(AuditEntryConnection { edges, page_info })
    }
}
