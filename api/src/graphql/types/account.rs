//! The team: agents, departments, API keys, sessions and invites.

use async_graphql::{Context, Object, SimpleObject, ID};

use super::super::{ContextExt as _, GqlResult};
use super::*;
use crate::app::{AgentRow, ApiKeyRow, DepartmentRow};
use crate::domain::{AgentStatus, Role};

pub struct Agent(pub AgentRow);

/// A member of the support team.
#[Object]
impl Agent {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn role(&self) -> Role {
        self.0.role
    }
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }
    /// The agent's chosen availability.
    async fn status(&self) -> AgentStatus {
        self.0.status
    }
    /// Chosen status is online and at least one live connection.
    async fn is_online(&self, ctx: &Context<'_>) -> bool {
        self.0.status == AgentStatus::Online && ctx.app().presence.agent_connected(&self.0.id).await
    }
    /// Max concurrent chats the router gives this agent; 0: the organization's default.
    async fn capacity(&self) -> i32 {
        self.0.capacity as i32
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

pub struct Department(pub DepartmentRow);

/// A team within the organization that conversations can be routed to.
#[Object]
impl Department {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// How its waiting conversations get an assignee.
    async fn assignment(&self) -> crate::domain::Assignment {
        crate::domain::Assignment::from_db(&self.0.assignment).unwrap_or(crate::domain::Assignment::Manual)
    }
    /// The department's agents (agents and API keys only; a visitor gets none: an
    /// agent's email, role and status are staff-only, and a visitor reaches departments
    /// through its own conversations).
    async fn members(&self, ctx: &Context<'_>) -> GqlResult<Vec<Agent>> {
        if !is_staff(ctx) {
            return Ok(Vec::new());
        }
        Ok(ctx.app().department_members(&self.0).await?.into_iter().map(Agent).collect())
    }
}

pub struct ApiKey(pub ApiKeyRow);

/// A server-to-server key acting for the organization; its messages are `BOT`.
#[Object]
impl ApiKey {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn revoked_at(&self) -> Option<DateTime> {
        dt(self.0.revoked_at)
    }
    /// When the key was last used (kept to within a minute).
    async fn last_used_at(&self) -> Option<DateTime> {
        dt(self.0.last_used_at)
    }
    /// When the key stops working; none: never.
    async fn expires_at(&self) -> Option<DateTime> {
        dt(self.0.expires_at)
    }
    /// What the key may do.
    async fn scopes(&self) -> Vec<crate::domain::ApiKeyScope> {
        crate::domain::Scopes::from_db(&self.0.scopes).list()
    }
    /// The websites the key is limited to; null: all of the organization's.
    async fn website_ids(&self) -> Option<Vec<ID>> {
        let ids: Vec<String> = serde_json::from_str(self.0.website_ids.as_deref()?).unwrap_or_default();
        Some(ids.into_iter().map(ID).collect())
    }
}

/// Returned once by `createApiKey`: the secret is never shown again.
#[derive(SimpleObject)]
pub struct CreatedApiKey {
    pub api_key: ApiKey,
    /// Use as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Tokens for an agent. The access token lives minutes; refresh it with `refreshSession`.
#[derive(SimpleObject)]
pub struct AuthPayload {
    pub access_token: String,
    pub refresh_token: String,
    pub agent: Agent,
}

/// An invitation waiting to be accepted.
#[derive(SimpleObject)]
pub struct PendingInvite {
    pub id: ID,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime,
    pub created_at: DateTime,
}

impl From<crate::app::InviteRow> for PendingInvite {
    fn from(i: crate::app::InviteRow) -> Self {
        PendingInvite { id: ID(i.id), email: i.email, role: i.role, expires_at: DateTime(i.expires_at), created_at: DateTime(i.created_at) }
    }
}

/// What an invite link is for, readable with the token alone (for the join page).
#[derive(SimpleObject)]
pub struct InvitePreview {
    pub email: String,
    pub role: Role,
    pub organization_name: String,
    pub expires_at: DateTime,
}

/// An invitation to join the team; send `token` to the invitee (it works once).
#[derive(SimpleObject)]
pub struct Invite {
    pub id: ID,
    pub email: String,
    pub role: Role,
    pub token: String,
    pub expires_at: DateTime,
}

// ---- events ----
