//! Conversations: the agent's queue and the visitor's own list, assignment, status,
//! rating and canned responses.

use async_graphql::{Context, Enum, InputObject, Object, ID};
use base64::Engine as _;

use super::guards::{Allow, Scope};
use super::types::{CannedResponse, Conversation, ConversationConnection, ConversationEdge, PageInfo};
use super::{ContextExt as _, GqlResult};
use crate::app::CannedPatch;
use crate::app::ConversationFilter as StoreFilter;
use crate::auth::Principal;
use crate::domain::ConversationStatus;
use crate::error::ApiError;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// Assigned to the signed-in agent.
    Me,
    Unassigned,
    /// Assigned to anyone or no one.
    Any,
}

#[derive(InputObject, Default)]
pub struct ConversationFilter {
    /// Only these statuses (all when empty or absent).
    pub status: Option<Vec<ConversationStatus>>,
    pub assignee: Option<AssigneeFilter>,
    /// Assigned to this agent (overrides `assignee`).
    pub assignee_id: Option<ID>,
    pub department_id: Option<ID>,
    pub website_id: Option<ID>,
    /// One visitor's conversations (agents; a visitor always sees only its own).
    pub visitor_id: Option<ID>,
    /// Words found in messages (prefix match), or part of the visitor's name or email.
    pub search: Option<String>,
    /// Only conversations with this tag (agents; ignored for a visitor).
    pub tag: Option<String>,
}

/// How `conversations` sorts.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum ConversationOrder {
    Recent,
    DueFirst,
}

#[derive(InputObject)]
pub struct StartConversationInput {
    /// The first message. Without it the conversation stays out of agents' queues
    /// until the visitor writes.
    pub body: Option<String>,
    /// Left while nobody is available (outside business hours, or no agent online):
    /// needs a body and the visitor's email; the team answers by email.
    pub offline: Option<bool>,
    /// The trigger whose message the visitor replies to (its `WidgetTrigger.id`): the
    /// trigger's message is stored first, as the conversation's first BOT message.
    /// Needs a body; a trigger of another website, or disabled, is `NOT_FOUND`.
    pub trigger_id: Option<ID>,
    /// The agent's message (to a live visitor, from the presence beacon's answer) the
    /// visitor replies to: stored first, as the agent's. `NOT_FOUND` once expired (an
    /// hour) or answered.
    pub proactive_message_id: Option<ID>,
}

#[derive(InputObject)]
pub struct AssignConversationInput {
    pub conversation_id: ID,
    /// The agent to assign; absent or null unassigns.
    pub agent_id: Option<ID>,
    /// The department to route to; absent or null clears it.
    pub department_id: Option<ID>,
}

#[derive(InputObject)]
pub struct CannedResponseInput {
    pub shortcut: String,
    pub title: String,
    pub body: String,
}

#[derive(InputObject)]
pub struct UpdateCannedResponseInput {
    pub shortcut: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
}

pub(super) fn encode_cursor(ts: i64, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{ts}:{id}"))
}

/// A forward page from rows fetched with one extra: the edges of the first `first` rows,
/// each with its cursor, and whether more follow.
pub(super) fn forward_page<R, E>(mut rows: Vec<R>, first: i32, cursor: impl Fn(&R) -> String, edge: impl Fn(String, R) -> E) -> (Vec<E>, PageInfo) {
    let more = rows.len() > first as usize;
    rows.truncate(first as usize);
    let cursors: Vec<String> = rows.iter().map(cursor).collect();
    let page_info = PageInfo { has_next_page: more, has_previous_page: false, start_cursor: cursors.first().cloned(), end_cursor: cursors.last().cloned() };
    (cursors.into_iter().zip(rows).map(|(c, r)| edge(c, r)).collect(), page_info)
}

/// A page size: `first` (25 when absent), 1 to 100.
pub(super) fn page_first(first: Option<i32>) -> Result<i32, ApiError> {
    let first = first.unwrap_or(25);
    if !(1..=100).contains(&first) {
        return Err(ApiError::BadInput("first must be 1 to 100".into()));
    }
    Ok(first)
}

pub(super) fn decode_cursor(c: &str) -> Result<(i64, String), ApiError> {
    let bad = || ApiError::BadInput("invalid cursor".into());
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    let (ts, id) = s.split_once(':').ok_or_else(bad)?;
    Ok((ts.parse().map_err(|_| bad())?, id.to_owned()))
}

#[derive(Default)]
pub struct ConversationQuery;

#[Object]
impl ConversationQuery {
    /// Conversations, newest activity first. Agents and API keys see the organization's
    /// queue (conversations with at least one visitor message); a visitor sees its own.
    #[graphql(guard = "Allow::Signed(Scope::ConversationsRead)", complexity = "super::page_cost(first, 25, 100, child_complexity)")]
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        filter: Option<ConversationFilter>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(
            desc = "RECENT (the default): latest activity first. DUE_FIRST: the soonest SLA due time first (first response, next response or resolution, whichever is still open and soonest); conversations with nothing due come last."
        )]
        order: Option<ConversationOrder>,
    ) -> GqlResult<ConversationConnection> {
        let p = ctx.viewer()?;
        let filter = filter.unwrap_or_default();
        let first = page_first(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let assignee = match (filter.assignee_id, filter.assignee) {
            (Some(id), _) => Some(Some(id.0)),
            (None, Some(AssigneeFilter::Me)) => match p {
                Principal::Agent(a) => Some(Some(a.id.clone())),
                _ => return Err(ApiError::BadInput("assignee ME needs an agent token".into()).into()),
            },
            (None, Some(AssigneeFilter::Unassigned)) => Some(None),
            (None, Some(AssigneeFilter::Any) | None) => None,
        };
        let f = StoreFilter {
            statuses: filter.status.unwrap_or_default(),
            assignee,
            department_id: filter.department_id.map(|i| i.0),
            website_id: filter.website_id.map(|i| i.0),
            visitor_id: filter.visitor_id.map(|i| i.0),
            search: filter.search.filter(|s| !s.trim().is_empty()),
            tag: filter.tag.map(|t| t.trim().to_lowercase()),
            due_first: order == Some(ConversationOrder::DueFirst),
            ..Default::default()
        };
        let rows = ctx.app().conversations(p, f, after, first as i64 + 1).await?;
        super::budget::charge(
            ctx,
            rows.len(),
            rows.iter().map(|r| r.last_message_preview.as_ref().map_or(0, String::len) + super::budget::ROW_OVERHEAD).sum(),
        )?;
        let due_first = order == Some(ConversationOrder::DueFirst);
        let key = |r: &crate::store::ConversationRow| if due_first { r.next_due_at() } else { r.last_activity_at };
        let (edges, page_info) = forward_page(rows, first, |r| encode_cursor(key(r), &r.id), |cursor, r| ConversationEdge { cursor, node: Conversation(r) });
        Ok(ConversationConnection { edges, page_info })
    }

    /// One conversation the caller may see.
    #[graphql(guard = "Allow::Signed(Scope::ConversationsRead)")]
    async fn conversation(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Conversation> {
        crate::graphql::budget::charge(ctx, 1, crate::graphql::budget::ROW_OVERHEAD)?;
        Ok(Conversation(ctx.app().visible_conversation(ctx.viewer()?, &id).await?))
    }

    #[graphql(guard = "Allow::Staff(Scope::ConversationsRead)")]
    async fn canned_responses(&self, ctx: &Context<'_>) -> GqlResult<Vec<CannedResponse>> {
        Ok(ctx.app().canned_responses(ctx.viewer()?).await?.into_iter().map(CannedResponse).collect())
    }
}

fn reply_to(input: &StartConversationInput) -> GqlResult<Option<crate::app::ReplyTo<'_>>> {
    match (&input.trigger_id, &input.proactive_message_id) {
        (Some(_), Some(_)) => Err(ApiError::BadInput("reply to a trigger or to an agent's message, not both".into()).into()),
        (Some(t), None) => Ok(Some(crate::app::ReplyTo::Trigger(t.as_str()))),
        (None, Some(m)) => Ok(Some(crate::app::ReplyTo::Proactive(m.as_str()))),
        (None, None) => Ok(None),
    }
}

#[derive(Default)]
pub struct ConversationMutation;

#[Object]
impl ConversationMutation {
    /// Starts a new conversation for the visitor (a visitor may have several).
    #[graphql(guard = "Allow::Visitors")]
    async fn start_conversation(&self, ctx: &Context<'_>, input: StartConversationInput) -> GqlResult<Conversation> {
        Ok(Conversation(ctx.app().start_conversation(ctx.viewer()?, input.body.as_deref(), input.offline.unwrap_or(false), reply_to(&input)?).await?))
    }

    /// The visitor will not wait in line: the team's public replies in this conversation
    /// are also emailed to them (`isOffline` becomes true). Needs the visitor's email.
    #[graphql(guard = "Allow::Visitors")]
    async fn follow_up_by_email(&self, ctx: &Context<'_>, conversation_id: ID) -> GqlResult<Conversation> {
        Ok(Conversation(ctx.app().follow_up_by_email(ctx.viewer()?, &conversation_id).await?))
    }

    /// Assigns to an agent and/or a department (transfer); null clears.
    #[graphql(guard = "Allow::Staff(Scope::ConversationsWrite)")]
    async fn assign_conversation(&self, ctx: &Context<'_>, input: AssignConversationInput) -> GqlResult<Conversation> {
        let row = ctx
            .app()
            .assign_conversation(
                ctx.viewer()?,
                &input.conversation_id,
                input.agent_id.as_ref().map(|i| i.as_str()),
                input.department_id.as_ref().map(|i| i.as_str()),
            )
            .await?;
        Ok(Conversation(row))
    }

    #[graphql(guard = "Allow::Staff(Scope::ConversationsWrite)")]
    async fn set_conversation_status(&self, ctx: &Context<'_>, conversation_id: ID, status: ConversationStatus) -> GqlResult<Conversation> {
        Ok(Conversation(ctx.app().set_conversation_status(ctx.viewer()?, &conversation_id, status).await?))
    }

    /// The visitor rates a resolved conversation, 1 to 5, once per resolution.
    #[graphql(guard = "Allow::Visitors")]
    async fn rate_conversation(&self, ctx: &Context<'_>, conversation_id: ID, rating: i32, comment: Option<String>) -> GqlResult<Conversation> {
        Ok(Conversation(ctx.app().rate_conversation(ctx.viewer()?, &conversation_id, rating, comment.as_deref()).await?))
    }

    #[graphql(guard = "Allow::Staff(Scope::ConversationsWrite)")]
    async fn create_canned_response(&self, ctx: &Context<'_>, input: CannedResponseInput) -> GqlResult<CannedResponse> {
        Ok(CannedResponse(ctx.app().create_canned(ctx.viewer()?, &input.shortcut, &input.title, &input.body).await?))
    }

    #[graphql(guard = "Allow::Staff(Scope::ConversationsWrite)")]
    async fn update_canned_response(&self, ctx: &Context<'_>, id: ID, input: UpdateCannedResponseInput) -> GqlResult<CannedResponse> {
        let patch = CannedPatch { shortcut: input.shortcut.as_deref(), title: input.title.as_deref(), body: input.body.as_deref() };
        Ok(CannedResponse(ctx.app().update_canned(ctx.viewer()?, &id, patch).await?))
    }

    #[graphql(guard = "Allow::Staff(Scope::ConversationsWrite)")]
    async fn delete_canned_response(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().delete_canned(ctx.viewer()?, &id).await?;
        Ok(true)
    }
}
