//! Accounts and the team: sign-up, log-in, refresh, invites, roles, removal, agent
//! status, API keys and departments.

use async_graphql::{Context, InputObject, Object, ID};

use super::guards::{Allow, Scope};
use super::types::{Agent, ApiKey, AuthPayload, CreatedApiKey, DateTime, Department, Invite, InvitePreview, PendingInvite};
use super::{ContextExt as _, GqlResult};
use crate::app::Session;
use crate::domain::{AgentStatus, Role};

#[derive(InputObject)]
pub struct SignUpInput {
    pub organization_name: String,
    pub name: String,
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct LogInInput {
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct InviteAgentInput {
    pub email: String,
    /// ADMIN or AGENT.
    pub role: Role,
}

#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub name: Option<String>,
    /// An http(s) image URL; empty removes it.
    pub avatar_url: Option<String>,
    pub email: Option<String>,
    /// Needed to change the email.
    pub current_password: Option<String>,
}

#[derive(InputObject)]
pub struct AcceptInviteInput {
    pub token: String,
    pub name: String,
    pub password: String,
}

fn payload(s: Session) -> AuthPayload {
    AuthPayload { access_token: s.access_token, refresh_token: s.refresh_token, agent: Agent(s.agent) }
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in agent.
    #[graphql(guard = "Allow::Agents")]
    async fn me(&self, ctx: &Context<'_>) -> GqlResult<Agent> {
        Ok(Agent(ctx.app().me(ctx.viewer()?).await?))
    }

    /// The organization's agents.
    #[graphql(guard = "Allow::Staff(Scope::ConversationsRead)")]
    async fn agents(&self, ctx: &Context<'_>) -> GqlResult<Vec<Agent>> {
        Ok(ctx.app().agents(ctx.viewer()?).await?.into_iter().map(Agent).collect())
    }

    #[graphql(guard = "Allow::Staff(Scope::ConversationsRead)")]
    async fn departments(&self, ctx: &Context<'_>) -> GqlResult<Vec<Department>> {
        Ok(ctx.app().departments(ctx.viewer()?).await?.into_iter().map(Department).collect())
    }

    /// Invites not yet accepted (owners and admins).
    #[graphql(guard = "Allow::Admins")]
    async fn invites(&self, ctx: &Context<'_>) -> GqlResult<Vec<PendingInvite>> {
        Ok(ctx.app().pending_invites(ctx.viewer()?).await?.into_iter().map(Into::into).collect())
    }

    /// What an invite link is for; no token needed, only the invite's own.
    async fn invite(&self, ctx: &Context<'_>, token: String) -> GqlResult<InvitePreview> {
        let (i, organization_name) = ctx.app().invite_preview(&token).await?;
        Ok(InvitePreview { email: i.email, role: i.role, organization_name, expires_at: super::types::DateTime(i.expires_at) })
    }

    /// API keys of the organization (owners and admins).
    #[graphql(guard = "Allow::Admins")]
    async fn api_keys(&self, ctx: &Context<'_>) -> GqlResult<Vec<ApiKey>> {
        Ok(ctx.app().api_keys(ctx.viewer()?).await?.into_iter().map(ApiKey).collect())
    }
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an organization and its owner, and signs the owner in.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> GqlResult<AuthPayload> {
        let s = ctx.app().sign_up(&ctx.meta(), &input.organization_name, &input.name, &input.email, &input.password).await?;
        Ok(payload(s))
    }

    async fn log_in(&self, ctx: &Context<'_>, input: LogInInput) -> GqlResult<AuthPayload> {
        Ok(payload(ctx.app().log_in(&ctx.meta(), &input.email, &input.password).await?))
    }

    /// Trades a refresh token for new tokens. Each refresh token works once; reusing a
    /// spent one (after a short grace window) signs out that whole session family.
    async fn refresh_session(&self, ctx: &Context<'_>, refresh_token: String) -> GqlResult<AuthPayload> {
        Ok(payload(ctx.app().refresh_session(&refresh_token).await?))
    }

    /// Ends the session family of this refresh token (sign out on this device). Access
    /// tokens already issued expire by themselves within minutes.
    async fn log_out(&self, ctx: &Context<'_>, refresh_token: String) -> GqlResult<bool> {
        ctx.app().log_out(&refresh_token).await?;
        Ok(true)
    }

    /// Emails a one-time password reset link (if the email has an account; the answer
    /// is always true, so it reveals nothing).
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> GqlResult<bool> {
        ctx.app().request_password_reset(&ctx.meta(), &email).await?;
        Ok(true)
    }

    /// Sets a new password with the token from the reset email, and signs in.
    async fn reset_password(&self, ctx: &Context<'_>, token: String, password: String) -> GqlResult<AuthPayload> {
        Ok(payload(ctx.app().reset_password(&ctx.meta(), &token, &password).await?))
    }

    /// Changes the signed-in agent's name or avatar. A new `email` (with
    /// `currentPassword`) is mailed a confirmation link and changes when it is used (the
    /// answer still has the old email, whether or not the new address has an account).
    #[graphql(guard = "Allow::Agents")]
    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> GqlResult<Agent> {
        let avatar = input.avatar_url.as_deref().map(|u| if u.trim().is_empty() { None } else { Some(u) });
        let row = ctx
            .app()
            .update_profile(&ctx.meta(), ctx.viewer()?, input.name.as_deref(), avatar, input.email.as_deref(), input.current_password.as_deref())
            .await?;
        Ok(Agent(row))
    }

    /// Changes the signed-in agent's password; other sessions end.
    #[graphql(guard = "Allow::Agents")]
    async fn change_password(&self, ctx: &Context<'_>, current_password: String, new_password: String) -> GqlResult<AuthPayload> {
        Ok(payload(ctx.app().change_password(&ctx.meta(), ctx.viewer()?, &current_password, &new_password).await?))
    }

    #[graphql(guard = "Allow::Admins")]
    async fn invite_agent(&self, ctx: &Context<'_>, input: InviteAgentInput) -> GqlResult<Invite> {
        let c = ctx.app().invite_agent(ctx.viewer()?, &input.email, input.role).await?;
        Ok(Invite { id: ID(c.invite.id), email: c.invite.email, role: c.invite.role, token: c.token, expires_at: super::types::DateTime(c.invite.expires_at) })
    }

    /// Emails a pending invite again with a new link (the old one stops working).
    #[graphql(guard = "Allow::Admins")]
    async fn resend_invite(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Invite> {
        let c = ctx.app().resend_invite(ctx.viewer()?, &id).await?;
        Ok(Invite { id: ID(c.invite.id), email: c.invite.email, role: c.invite.role, token: c.token, expires_at: super::types::DateTime(c.invite.expires_at) })
    }

    /// Ends a pending invite; its link stops working.
    #[graphql(guard = "Allow::Admins")]
    async fn revoke_invite(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().revoke_invite(ctx.viewer()?, &id).await?;
        Ok(true)
    }

    /// Joins the team with an invite token, setting name and password.
    async fn accept_invite(&self, ctx: &Context<'_>, input: AcceptInviteInput) -> GqlResult<AuthPayload> {
        Ok(payload(ctx.app().accept_invite(&ctx.meta(), &input.token, &input.name, &input.password).await?))
    }

    /// Removes an agent; its sessions and sockets end at once.
    #[graphql(guard = "Allow::Admins")]
    async fn remove_agent(&self, ctx: &Context<'_>, agent_id: ID) -> GqlResult<Agent> {
        Ok(Agent(ctx.app().remove_agent(ctx.viewer()?, &agent_id).await?))
    }

    /// Changes an agent's role; the agent signs in again.
    #[graphql(guard = "Allow::Admins")]
    async fn set_agent_role(&self, ctx: &Context<'_>, agent_id: ID, role: Role) -> GqlResult<Agent> {
        Ok(Agent(ctx.app().set_agent_role(ctx.viewer()?, &agent_id, role).await?))
    }

    /// Sets the signed-in agent's availability.
    #[graphql(guard = "Allow::Agents")]
    async fn set_agent_status(&self, ctx: &Context<'_>, status: AgentStatus) -> GqlResult<Agent> {
        Ok(Agent(ctx.app().set_agent_status(ctx.viewer()?, status).await?))
    }

    /// Creates an API key. The secret is in the result and never shown again. With
    /// `expiresAt` (in the future) the key stops working then.
    #[graphql(guard = "Allow::Admins")]
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        name: String,
        expires_at: Option<DateTime>,
        #[graphql(
            desc = "What the key may do (docs/api.md); omitted: conversation work (`CONVERSATIONS_READ`, `CONVERSATIONS_WRITE`, `MESSAGES_WRITE`, `VISITORS_READ`, `VISITORS_WRITE`, `WEBSITES_READ`)."
        )]
        scopes: Option<Vec<Scope>>,
        #[graphql(desc = "Limits the key to these websites (at most 50); omitted: all of the organization's, present and future.")] website_ids: Option<
            Vec<ID>,
        >,
    ) -> GqlResult<CreatedApiKey> {
        let websites = website_ids.map(|w| w.into_iter().map(|i| i.0).collect::<Vec<_>>());
        let (row, secret) = ctx.app().create_api_key(ctx.viewer()?, &name, expires_at.map(|d| d.0), scopes.as_deref(), websites.as_deref()).await?;
        Ok(CreatedApiKey { api_key: ApiKey(row), secret })
    }

    #[graphql(guard = "Allow::Admins")]
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().revoke_api_key(ctx.viewer()?, &id).await?;
        Ok(true)
    }

    #[graphql(guard = "Allow::Admins")]
    async fn create_department(&self, ctx: &Context<'_>, name: String) -> GqlResult<Department> {
        Ok(Department(ctx.app().create_department(ctx.viewer()?, &name).await?))
    }

    #[graphql(guard = "Allow::Admins")]
    async fn update_department(&self, ctx: &Context<'_>, id: ID, name: String) -> GqlResult<Department> {
        Ok(Department(ctx.app().rename_department(ctx.viewer()?, &id, &name).await?))
    }

    #[graphql(guard = "Allow::Admins")]
    async fn delete_department(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().delete_department(ctx.viewer()?, &id).await?;
        Ok(true)
    }

    #[graphql(guard = "Allow::Admins")]
    async fn add_department_member(&self, ctx: &Context<'_>, department_id: ID, agent_id: ID) -> GqlResult<Department> {
        Ok(Department(ctx.app().set_department_member(ctx.viewer()?, &department_id, &agent_id, true).await?))
    }

    #[graphql(guard = "Allow::Admins")]
    async fn remove_department_member(&self, ctx: &Context<'_>, department_id: ID, agent_id: ID) -> GqlResult<Department> {
        Ok(Department(ctx.app().set_department_member(ctx.viewer()?, &department_id, &agent_id, false).await?))
    }
}
