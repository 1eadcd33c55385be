//! Conversations, their messages and pages, read receipts and saved replies.

use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};

use super::super::{ContextExt as _, GqlResult};
use super::*;
use crate::app::{CannedRow, ConversationRow, MessageRow, PageFrom, ReadRow};
use crate::domain::{ConversationStatus, SenderKind};

pub struct Message(pub MessageRow);

/// One message. `seq` numbers a conversation's messages in commit order.
#[Object]
impl Message {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn conversation_id(&self) -> ID {
        ID(self.0.conversation_id.clone())
    }
    async fn seq(&self) -> i32 {
        self.0.seq as i32
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn sender_kind(&self) -> SenderKind {
        self.0.sender_kind
    }
    /// The visitor, agent or API key that sent it.
    async fn sender_id(&self) -> Option<ID> {
        self.0.sender_id.clone().map(ID)
    }
    /// A note only agents see.
    async fn is_private(&self) -> bool {
        self.0.is_private
    }
    async fn client_message_id(&self) -> Option<&str> {
        self.0.client_message_id.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// Files sent with the message.
    async fn attachments(&self, ctx: &Context<'_>) -> GqlResult<Vec<Attachment>> {
        let app = ctx.app();
        let rows = ctx.loaders()?.attachments.load_one(self.0.id.clone()).await?.unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|a| Attachment {
                url: app.file_url(&a.id),
                is_image: a.content_type.starts_with("image/") && a.content_type != "image/svg+xml",
                id: ID(a.id),
                filename: a.filename,
                content_type: a.content_type,
                size: a.size as i32,
            })
            .collect())
    }
    /// Who sent it, as the reader may see it: an agent's name, the bot's key name, or
    /// the visitor's name.
    async fn sender_name(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        match (self.0.sender_kind, &self.0.sender_id) {
            (SenderKind::System, _) | (_, None) => Ok(None),
            (_, Some(id)) => Ok(ctx.loaders()?.people.load_one(id.clone()).await?.and_then(|p| p.name)),
        }
    }
    /// The language of a visitor's message, from its common words (`en`, `nb`, `de`,
    /// ...); null when it is too short to tell, for others' messages, and for a visitor.
    async fn language(&self, ctx: &Context<'_>) -> Option<&'static str> {
        (self.0.sender_kind == SenderKind::Visitor && super::is_staff(ctx)).then(|| crate::domain::signals::language_of(&self.0.body)).flatten()
    }
    /// How a visitor's message feels (docs/assistant.md#sentiment-and-language); null
    /// for others' messages, and for a visitor.
    async fn sentiment(&self, ctx: &Context<'_>) -> Option<MessageSentiment> {
        (self.0.sender_kind == SenderKind::Visitor && super::is_staff(ctx)).then(|| {
            let s = crate::domain::signals::sentiment_of(&self.0.body);
            MessageSentiment {
                score: (s.score * 100.0).round() / 100.0,
                label: match s.label() {
                    "negative" => SentimentLabel::Negative,
                    "positive" => SentimentLabel::Positive,
                    _ => SentimentLabel::Neutral,
                },
                angry: s.angry,
            }
        })
    }
    /// The sending agent's avatar.
    async fn sender_avatar_url(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        match (self.0.sender_kind, &self.0.sender_id) {
            (SenderKind::Agent, Some(id)) => Ok(ctx.loaders()?.people.load_one(id.clone()).await?.and_then(|p| p.avatar_url)),
            _ => Ok(None),
        }
    }
}

/// How a visitor's message feels, from a lexicon with negation and shouting.
#[derive(SimpleObject)]
pub struct MessageSentiment {
    /// From -1 (very negative) to 1 (very positive).
    pub score: f64,
    pub label: SentimentLabel,
    /// Strongly negative, or negative and shouting.
    pub angry: bool,
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum SentimentLabel {
    Negative,
    Neutral,
    Positive,
}

/// A file sent with a message.
#[derive(SimpleObject)]
pub struct Attachment {
    pub id: ID,
    pub filename: String,
    /// Sniffed from the bytes when uploaded.
    pub content_type: String,
    pub size: i32,
    /// A signed link, valid for an hour; path relative to the server.
    pub url: String,
    /// Safe to show inline (PNG, JPEG, GIF, WebP).
    pub is_image: bool,
}

pub struct Conversation(pub ConversationRow);

impl Conversation {
    /// Open, in the line and unassigned.
    fn waiting(&self) -> bool {
        self.0.assignee_id.is_none() && self.0.status == crate::domain::ConversationStatus::Open && self.0.queued
    }
}

/// A conversation between a visitor and the team.
#[Object]
impl Conversation {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn status(&self) -> ConversationStatus {
        self.0.status
    }
    async fn website_id(&self) -> ID {
        ID(self.0.website_id.clone())
    }
    async fn visitor(&self, ctx: &Context<'_>) -> GqlResult<Visitor> {
        let v = ctx.loaders()?.visitors.load_one(self.0.visitor_id.clone()).await?;
        Ok(Visitor(v.ok_or(crate::error::ApiError::NotFound("visitor"))?))
    }
    /// The assigned agent (agents only; visitors see `assigneeName`).
    async fn assignee(&self, ctx: &Context<'_>) -> GqlResult<Option<Agent>> {
        match (&self.0.assignee_id, is_staff(ctx)) {
            (Some(id), true) => Ok(ctx.loaders()?.agents.load_one(id.clone()).await?.map(Agent)),
            _ => Ok(None),
        }
    }
    /// The agent the router offered it to, while the offer lasts (staff only).
    async fn offered_to(&self, ctx: &Context<'_>) -> GqlResult<Option<Agent>> {
        match (&self.0.offered_to, self.0.offer_expires_at, is_staff(ctx)) {
            (Some(id), Some(until), true) if until > crate::time::now_ms() => Ok(ctx.loaders()?.agents.load_one(id.clone()).await?.map(Agent)),
            _ => Ok(None),
        }
    }
    /// When the offer ends (staff only).
    async fn offer_expires_at(&self, ctx: &Context<'_>) -> Option<DateTime> {
        self.0.offer_expires_at.filter(|until| self.0.offered_to.is_some() && *until > crate::time::now_ms() && is_staff(ctx)).map(DateTime)
    }
    /// The assigned agent's display name.
    async fn assignee_name(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        let Some(id) = &self.0.assignee_id else { return Ok(None) };
        Ok(ctx.loaders()?.people.load_one(id.clone()).await?.and_then(|p| p.name))
    }
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Option<Department>> {
        Ok(ctx.app().department_of(&self.0).await?.map(Department))
    }
    /// Higher priorities are served first from the queue (`NORMAL` for a visitor: how
    /// the team ranks them is the team's).
    async fn priority(&self, ctx: &Context<'_>) -> crate::domain::Priority {
        if is_staff(ctx) {
            crate::domain::Priority::from_rank(self.0.priority)
        } else {
            crate::domain::Priority::Normal
        }
    }
    /// Why the router assigned it where it is ("round robin in Sales"); null if a person
    /// did (agents only).
    async fn routed_by(&self, ctx: &Context<'_>) -> Option<&str> {
        self.0.routed_by.as_deref().filter(|_| is_staff(ctx))
    }
    /// Since when it waits for an agent (its arrival in the line), or null when it is
    /// not waiting.
    async fn waiting_since(&self) -> Option<DateTime> {
        let waiting = self.0.assignee_id.is_none() && self.0.status == crate::domain::ConversationStatus::Open && self.0.queued;
        waiting.then(|| DateTime(self.0.waiting_since.unwrap_or(self.0.created_at)))
    }
    /// Labels the team gave it (agents only; empty for a visitor).
    async fn tags(&self, ctx: &Context<'_>) -> GqlResult<Vec<String>> {
        if !is_staff(ctx) {
            return Ok(Vec::new());
        }
        Ok(ctx.app().conversation_tags(&self.0.id).await?)
    }
    /// Its place among the conversations waiting for an agent (1 is next), or null
    /// when it is not waiting (assigned, pending, resolved, or not yet in the queue).
    async fn queue_position(&self, ctx: &Context<'_>) -> GqlResult<Option<i32>> {
        if !self.waiting() {
            return Ok(None);
        }
        Ok(ctx.app().queue_position(&self.0.id).await?.map(|n| n as i32))
    }
    /// About how many seconds it still waits for an agent (whole minutes), from the
    /// pace at which its line was answered over the last 30 minutes; null when it is not
    /// waiting or the line answered fewer than 3 chats in that time.
    async fn estimated_wait_seconds(&self, ctx: &Context<'_>) -> GqlResult<Option<i32>> {
        if !self.waiting() {
            return Ok(None);
        }
        let Some(position) = ctx.app().queue_position(&self.0.id).await? else { return Ok(None) };
        Ok(ctx.app().estimated_wait(&self.0, position).await?.map(|s| s as i32))
    }
    /// When its first public agent reply is due under its SLA policy (staff; null
    /// without a policy, and for a visitor).
    async fn first_response_due_at(&self, ctx: &Context<'_>) -> Option<DateTime> {
        self.0.first_response_due_at.filter(|_| is_staff(ctx)).map(DateTime)
    }
    /// When the team's reply to the visitor's waiting message is due under its SLA
    /// policy (staff): after the first response, while the visitor waits.
    async fn next_response_due_at(&self, ctx: &Context<'_>) -> Option<DateTime> {
        crate::app::next_response_due(&self.0).filter(|_| is_staff(ctx)).map(DateTime)
    }
    /// When it is due to be resolved under its SLA policy (staff).
    async fn resolution_due_at(&self, ctx: &Context<'_>) -> Option<DateTime> {
        self.0.resolution_due_at.filter(|_| is_staff(ctx)).map(DateTime)
    }
    /// Where it stands against its SLA policy now (staff; null without one).
    async fn sla_status(&self, ctx: &Context<'_>) -> Option<crate::app::SlaStatus> {
        if !is_staff(ctx) {
            return None;
        }
        crate::app::sla_status(&self.0, crate::time::now_ms())
    }
    /// Each SLA target it missed, recorded when its due time passed with the target still
    /// open (a late next response included, which leaves no other trace once answered).
    /// Staff only; empty for a visitor.
    async fn sla_breaches(&self, ctx: &Context<'_>) -> GqlResult<Vec<SlaBreach>> {
        if !is_staff(ctx) {
            return Ok(Vec::new());
        }
        Ok(ctx
            .app()
            .store
            .sla_breaches(&self.0.id)
            .await
            .map_err(crate::error::ApiError::from)?
            .into_iter()
            .map(|b| SlaBreach { target: b.target.to_uppercase(), due_at: DateTime(b.due_at), recorded_at: DateTime(b.recorded_at) })
            .collect())
    }
    /// The highest `seq` handed out in this conversation.
    async fn last_seq(&self) -> i32 {
        self.0.last_seq as i32
    }
    /// The latest public message, shortened (notes never appear here).
    #[graphql(guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::ConversationsRead)")]
    async fn last_message_preview(&self) -> Option<&str> {
        self.0.last_message_preview.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    async fn last_activity_at(&self) -> DateTime {
        DateTime(self.0.last_activity_at)
    }
    async fn first_response_at(&self) -> Option<DateTime> {
        dt(self.0.first_response_at)
    }
    async fn resolved_at(&self) -> Option<DateTime> {
        dt(self.0.resolved_at)
    }
    async fn rating(&self) -> Option<i32> {
        self.0.rating.map(|r| r as i32)
    }
    #[graphql(guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::ConversationsRead)")]
    async fn rating_comment(&self) -> Option<&str> {
        self.0.rating_comment.as_deref()
    }
    /// Left while nobody was available; the team answers by email.
    async fn is_offline(&self) -> bool {
        self.0.is_offline
    }
    /// Messages, oldest first. With no arguments: the latest 50. `first`/`after` pages
    /// forward from a message id; `last`/`before` pages back.
    #[graphql(
        complexity = "crate::graphql::page_cost(first.or(last), 50, crate::app::MAX_PAGE, child_complexity)",
        guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::ConversationsRead)"
    )]
    async fn messages(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>, last: Option<i32>, before: Option<ID>) -> GqlResult<MessageConnection> {
        let from = match (first, after.as_ref().map(|a| a.as_str()), last, before.as_ref().map(|b| b.as_str())) {
            (f, after, None, None) if f.is_some() || after.is_some() => PageFrom::First(f.unwrap_or(50), after),
            (None, None, l, before) => PageFrom::Last(l.unwrap_or(50), before),
            _ => return Err(crate::error::ApiError::BadInput("use first/after or last/before, not both".into()).into()),
        };
        let page = ctx.app().message_page(ctx.viewer()?, &self.0, from).await?;
        crate::graphql::budget::charge(ctx, page.messages.len(), page.messages.iter().map(|m| m.body.len() + crate::graphql::budget::ROW_OVERHEAD).sum())?;
        let page_info = PageInfo {
            has_next_page: page.has_next,
            has_previous_page: page.has_previous,
            start_cursor: page.messages.first().map(|m| m.id.clone()),
            end_cursor: page.messages.last().map(|m| m.id.clone()),
        };
        Ok(MessageConnection { nodes: page.messages.into_iter().map(Message).collect(), page_info })
    }
    /// How many messages the caller has not read (excluding its own).
    async fn unread_count(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        crate::graphql::budget::charge(ctx, 1, crate::graphql::budget::ROW_OVERHEAD)?;
        Ok(ctx.app().unread_count(ctx.viewer()?, &self.0).await? as i32)
    }
    /// Where each participant has read up to.
    #[graphql(guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::ConversationsRead)")]
    async fn read_receipts(&self, ctx: &Context<'_>) -> GqlResult<Vec<ReadReceipt>> {
        crate::graphql::budget::charge(ctx, 1, crate::graphql::budget::ROW_OVERHEAD)?;
        let rows = ctx.app().read_positions(ctx.viewer()?, &self.0).await?;
        Ok(rows.into_iter().map(|r| ReadReceipt::from_row(&self.0.id, r)).collect())
    }
}

#[derive(SimpleObject)]
pub struct MessageConnection {
    pub nodes: Vec<Message>,
    pub page_info: PageInfo,
}

#[derive(SimpleObject)]
pub struct ConversationEdge {
    pub cursor: String,
    pub node: Conversation,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ConversationConnection {
    pub edges: Vec<ConversationEdge>,
    pub page_info: PageInfo,
}

#[ComplexObject]
impl ConversationConnection {
    /// The conversations of `edges`, for clients that do not need cursors per item.
    async fn nodes(&self) -> Vec<Conversation> {
        self.edges.iter().map(|e| Conversation(e.node.0.clone())).collect()
    }
}

/// Where a participant has read up to.
#[derive(SimpleObject, Clone)]
pub struct ReadReceipt {
    pub conversation_id: ID,
    pub reader_kind: SenderKind,
    pub reader_id: ID,
    pub message_id: ID,
    pub seq: i32,
}

impl ReadReceipt {
    fn from_row(conversation_id: &str, r: ReadRow) -> Self {
        ReadReceipt {
            conversation_id: ID(conversation_id.to_owned()),
            reader_kind: SenderKind::from_db(&r.reader_kind).unwrap_or(SenderKind::System),
            reader_id: ID(r.reader_id),
            message_id: ID(r.message_id),
            seq: r.seq as i32,
        }
    }
}

pub struct CannedResponse(pub CannedRow);

/// A saved reply, inserted by typing `/shortcut`.
#[Object]
impl CannedResponse {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn shortcut(&self) -> &str {
        &self.0.shortcut
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// A missed SLA target.
#[derive(async_graphql::SimpleObject)]
pub struct SlaBreach {
    /// `FIRST_RESPONSE`, `NEXT_RESPONSE` or `RESOLUTION`.
    pub target: String,
    pub due_at: DateTime,
    /// When the check at its due time found it open.
    pub recorded_at: DateTime,
}
