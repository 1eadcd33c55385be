//! The Message Router's settings and queue (docs/routing.md): how waiting
//! conversations get an assignee, agents' capacities, priorities and queue positions.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::guards::{Allow, Scope};
use super::types::{Agent, Conversation, Department};
use super::{ContextExt as _, GqlResult};
use crate::domain::{Assignment, Priority};
use crate::store::{RoutingPatch, RoutingSettingsRow};

/// How the organization's waiting conversations get an assignee.
#[derive(SimpleObject)]
pub struct RoutingSettings {
    /// For conversations without a department (a department has its own `assignment`).
    pub assignment: Assignment,
    /// Max concurrent chats of an agent whose own `capacity` is 0.
    pub default_capacity: i32,
    /// Whether `PENDING` chats count against capacity (`OPEN` ones always do).
    pub pending_counts: bool,
    /// How long an agent still counts as online after their last connection closed.
    pub offline_grace_seconds: i32,
    /// A chat the router assigned goes back to the line (and to someone else if anyone
    /// is free) when its assignee has not replied within this many seconds; 0: never.
    pub reassign_after_seconds: i32,
    /// 0: the router assigns a chat at once. Otherwise it offers the chat to the agent it
    /// chose, who accepts it (`acceptOffer`) within this many seconds, or it is offered to
    /// the next free agent.
    pub offer_seconds: i32,
}

impl From<RoutingSettingsRow> for RoutingSettings {
    fn from(r: RoutingSettingsRow) -> Self {
        RoutingSettings {
            assignment: Assignment::from_db(&r.assignment).unwrap_or(Assignment::Manual),
            default_capacity: r.default_capacity as i32,
            pending_counts: r.pending_counts,
            offline_grace_seconds: r.offline_grace_seconds as i32,
            reassign_after_seconds: r.reassign_after_seconds as i32,
            offer_seconds: r.offer_seconds as i32,
        }
    }
}

/// Absent fields stay as they are.
#[derive(InputObject)]
pub struct RoutingSettingsInput {
    pub assignment: Option<Assignment>,
    /// 1 to 100.
    pub default_capacity: Option<i32>,
    pub pending_counts: Option<bool>,
    /// 0 to 3600.
    pub offline_grace_seconds: Option<i32>,
    /// 0 (never) or 10 to 3600.
    pub reassign_after_seconds: Option<i32>,
    /// 0 (assign at once) or 10 to 300.
    pub offer_seconds: Option<i32>,
}

/// The waiting line at a glance.
#[derive(SimpleObject)]
pub struct QueueSummary {
    /// Conversations waiting for an agent.
    pub waiting: i32,
    /// When the one waiting longest arrived in the line; null when nobody waits.
    pub oldest_waiting_since: Option<super::types::DateTime>,
}

#[derive(Default)]
pub struct RoutingQuery;

#[Object]
impl RoutingQuery {
    #[graphql(guard = "Allow::Agents")]
    async fn routing_settings(&self, ctx: &Context<'_>) -> GqlResult<RoutingSettings> {
        Ok(ctx.app().routing_settings(ctx.viewer()?).await?.into())
    }

    /// How many conversations wait for an agent and since when (one department's line,
    /// or all of them).
    #[graphql(guard = "Allow::Agents")]
    async fn queue_summary(&self, ctx: &Context<'_>, department_id: Option<ID>) -> GqlResult<QueueSummary> {
        let (waiting, oldest) = ctx.app().queue_summary(ctx.viewer()?, department_id.as_ref().map(|d| d.as_str())).await?;
        Ok(QueueSummary { waiting: waiting as i32, oldest_waiting_since: oldest.map(super::types::DateTime) })
    }
}

#[derive(Default)]
pub struct RoutingMutation;

#[Object]
impl RoutingMutation {
    #[graphql(guard = "Allow::Admins")]
    async fn update_routing_settings(&self, ctx: &Context<'_>, input: RoutingSettingsInput) -> GqlResult<RoutingSettings> {
        let patch = RoutingPatch {
            assignment: input.assignment,
            default_capacity: input.default_capacity.map(i64::from),
            pending_counts: input.pending_counts,
            offline_grace_seconds: input.offline_grace_seconds.map(i64::from),
            reassign_after_seconds: input.reassign_after_seconds.map(i64::from),
            offer_seconds: input.offer_seconds.map(i64::from),
        };
        Ok(ctx.app().update_routing_settings(ctx.viewer()?, patch).await?.into())
    }

    /// Takes the chat the router offered you (it must still be on offer to you).
    #[graphql(guard = "Allow::Agents")]
    async fn accept_offer(&self, ctx: &Context<'_>, conversation_id: ID) -> GqlResult<Conversation> {
        Ok(Conversation(ctx.app().accept_offer(ctx.viewer()?, &conversation_id).await?))
    }

    /// Turns down the chat the router offered you: it is offered to someone else.
    #[graphql(guard = "Allow::Agents")]
    async fn decline_offer(&self, ctx: &Context<'_>, conversation_id: ID) -> GqlResult<Conversation> {
        Ok(Conversation(ctx.app().decline_offer(ctx.viewer()?, &conversation_id).await?))
    }

    /// How the department's waiting conversations get an assignee.
    #[graphql(guard = "Allow::Admins")]
    async fn set_department_assignment(&self, ctx: &Context<'_>, id: ID, assignment: Assignment) -> GqlResult<Department> {
        Ok(Department(ctx.app().set_department_assignment(ctx.viewer()?, &id, assignment).await?))
    }

    /// Max concurrent chats the router gives the agent; 0: the organization's default.
    #[graphql(guard = "Allow::Admins")]
    async fn set_agent_capacity(&self, ctx: &Context<'_>, agent_id: ID, capacity: i32) -> GqlResult<Agent> {
        Ok(Agent(ctx.app().set_agent_capacity(ctx.viewer()?, &agent_id, i64::from(capacity)).await?))
    }

    /// Higher priorities are served first from the queue.
    #[graphql(guard = "Allow::Staff(Scope::ConversationsWrite)")]
    async fn set_conversation_priority(&self, ctx: &Context<'_>, conversation_id: ID, priority: Priority) -> GqlResult<Conversation> {
        Ok(Conversation(ctx.app().set_conversation_priority(ctx.viewer()?, &conversation_id, priority).await?))
    }
}
