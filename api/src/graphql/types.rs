//! Output types of the schema, each a thin view over a committed row. Fields that
//! need more data read it through `App` (scoped by the caller) or, for the fields
//! every item of a page has, through the request's loaders (one read per kind).

use async_graphql::{ComplexObject, Context, InputValueError, InputValueResult, Object, Scalar, ScalarType, SimpleObject, Union, Value, ID};

use super::{ContextExt as _, GqlResult};
use crate::app::{AgentRow, ApiKeyRow, CannedRow, ConversationRow, DepartmentRow, MessageRow, PageFrom, ReadRow, VisitorRow, WebsiteRow};
use crate::auth::Principal;
use crate::domain::{AgentStatus, ConversationStatus, Role, SenderKind, WidgetPosition};
use crate::time::{parse_rfc3339, rfc3339};

/// An instant, as an RFC 3339 string in UTC with milliseconds (`2026-11-27T10:00:00.123Z`).
#[derive(Clone, Copy, Debug)]
pub struct DateTime(pub i64);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => parse_rfc3339(s).map(DateTime).ok_or_else(|| InputValueError::custom("expected an RFC 3339 date-time")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }
    fn to_value(&self) -> Value {
        Value::String(rfc3339(self.0))
    }
}

fn dt(ms: Option<i64>) -> Option<DateTime> {
    ms.map(DateTime)
}

fn is_staff(ctx: &Context<'_>) -> bool {
    matches!(ctx.viewer(), Ok(Principal::Agent(_) | Principal::ApiKey(_)))
}

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
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

pub struct Website(pub WebsiteRow);

/// A site the widget is installed on. An organization may have several (brands, inboxes).
#[Object]
impl Website {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The public widget key for `data-website-key` and `startVisitorSession`.
    async fn public_key(&self) -> &str {
        &self.0.public_key
    }
    /// Origins allowed to start visitor sessions; empty means any origin.
    async fn allowed_origins(&self) -> Vec<String> {
        self.0.origins()
    }
    async fn appearance(&self) -> Appearance {
        Appearance::of(&self.0)
    }
    async fn business_hours(&self) -> Option<BusinessHoursOut> {
        self.0.hours().map(Into::into)
    }
    async fn pre_chat_fields(&self) -> Vec<PreChatFieldOut> {
        self.0.pre_chat().into_iter().map(Into::into).collect()
    }
    async fn offline_messages(&self) -> bool {
        self.0.offline_messages
    }
    async fn powered_by(&self) -> bool {
        self.0.powered_by
    }
    /// Secret for identity verification: HMAC-SHA256(secret, externalId), hex. Owners and admins only.
    async fn identity_secret(&self, ctx: &Context<'_>) -> Option<&str> {
        matches!(ctx.viewer(), Ok(Principal::Agent(a)) if a.role.is_admin()).then_some(self.0.identity_secret.as_str())
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

/// How the widget looks.
#[derive(SimpleObject)]
pub struct Appearance {
    /// Accent colour, `#rrggbb`.
    pub color: String,
    pub position: WidgetPosition,
    pub launcher_text: String,
    /// Shown by the widget when the chat opens; never stored as a message.
    pub greeting: String,
}

impl Appearance {
    pub fn of(w: &WebsiteRow) -> Self {
        Appearance { color: w.color.clone(), position: w.position, launcher_text: w.launcher_text.clone(), greeting: w.greeting.clone() }
    }
}

/// What the widget needs before a visitor session exists. Readable without a token.
#[derive(SimpleObject)]
pub struct WidgetConfig {
    pub website_name: String,
    pub appearance: Appearance,
    /// Whether the website is within business hours now (true when none are set).
    pub business_hours_open: bool,
    /// The opening hours, to tell visitors when the team is back.
    pub business_hours: Option<BusinessHoursOut>,
    /// When the website next opens, if it is closed now (time zones and daylight saving
    /// applied by the server).
    pub next_opening_at: Option<DateTime>,
    /// An agent has chosen status online and has a live connection.
    pub agent_online: bool,
    /// Fields the visitor fills before the first message; empty for none.
    pub pre_chat_fields: Vec<PreChatFieldOut>,
    /// When nobody is available, take an email and a message (`startConversation` with `offline`).
    pub offline_messages: bool,
    /// Show "powered by Chinwag".
    pub powered_by: bool,
}

/// One field of the pre-chat form.
#[derive(SimpleObject)]
#[graphql(name = "PreChatField")]
pub struct PreChatFieldOut {
    pub key: String,
    pub label: String,
    pub kind: crate::domain::PreChatFieldKind,
    pub required: bool,
}

impl From<crate::domain::PreChatField> for PreChatFieldOut {
    fn from(f: crate::domain::PreChatField) -> Self {
        PreChatFieldOut { key: f.key, label: f.label, kind: f.kind, required: f.required }
    }
}

/// Weekly opening hours in the website's time zone.
#[derive(SimpleObject)]
#[graphql(name = "BusinessHours")]
pub struct BusinessHoursOut {
    pub time_zone: String,
    pub intervals: Vec<OpeningInterval>,
}

#[derive(SimpleObject)]
pub struct OpeningInterval {
    pub day: crate::domain::Weekday,
    pub open: String,
    pub close: String,
}

impl From<crate::domain::BusinessHours> for BusinessHoursOut {
    fn from(h: crate::domain::BusinessHours) -> Self {
        BusinessHoursOut {
            time_zone: h.time_zone,
            intervals: h.intervals.into_iter().map(|i| OpeningInterval { day: i.day, open: i.open, close: i.close }).collect(),
        }
    }
}

/// A custom attribute of a visitor (a pre-chat answer, or set by the site).
#[derive(SimpleObject)]
pub struct VisitorAttribute {
    pub key: String,
    pub value: String,
}

pub struct Visitor(pub VisitorRow);

/// A person on a website, anonymous or identified.
#[Object]
impl Visitor {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// The site's own user id, once verified with an identity hash.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// Visible to agents only.
    async fn user_agent(&self, ctx: &Context<'_>) -> Option<&str> {
        is_staff(ctx).then_some(()).and(self.0.user_agent.as_deref())
    }
    async fn is_online(&self, ctx: &Context<'_>) -> bool {
        ctx.app().presence.visitor_connected(&self.0.id).await
    }
    async fn attributes(&self) -> Vec<VisitorAttribute> {
        self.0.attribute_pairs().into_iter().map(|(key, value)| VisitorAttribute { key, value }).collect()
    }
    /// The page the visitor is on (agents only).
    async fn current_url(&self, ctx: &Context<'_>) -> Option<&str> {
        is_staff(ctx).then_some(()).and(self.0.current_url.as_deref())
    }
    /// Pages viewed, newest first (agents only).
    async fn page_views(&self, ctx: &Context<'_>, first: Option<i32>) -> GqlResult<Vec<PageView>> {
        let rows = ctx.app().page_views(ctx.viewer()?, &self.0, first.unwrap_or(20)).await?;
        Ok(rows.into_iter().map(|r| PageView { url: r.url, title: r.title, referrer: r.referrer, viewed_at: DateTime(r.created_at) }).collect())
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn last_seen_at(&self) -> DateTime {
        DateTime(self.0.last_seen_at)
    }
}

/// A page a visitor viewed.
#[derive(SimpleObject)]
pub struct PageView {
    pub url: String,
    pub title: Option<String>,
    pub referrer: Option<String>,
    pub viewed_at: DateTime,
}

/// A visitor's session: the token for `Authorization: Bearer`, and a resume token the
/// browser keeps to come back as the same visitor.
#[derive(SimpleObject)]
pub struct VisitorSession {
    pub token: String,
    pub visitor: Visitor,
    /// Pass as `resumeToken` to `startVisitorSession` to continue as this visitor.
    pub resume_token: String,
}

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
    /// The sending agent's avatar.
    async fn sender_avatar_url(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        match (self.0.sender_kind, &self.0.sender_id) {
            (SenderKind::Agent, Some(id)) => Ok(ctx.loaders()?.people.load_one(id.clone()).await?.and_then(|p| p.avatar_url)),
            _ => Ok(None),
        }
    }
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
    /// The assigned agent's display name.
    async fn assignee_name(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        let Some(id) = &self.0.assignee_id else { return Ok(None) };
        Ok(ctx.loaders()?.people.load_one(id.clone()).await?.and_then(|p| p.name))
    }
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Option<Department>> {
        Ok(ctx.app().department_of(&self.0).await?.map(Department))
    }
    /// The highest `seq` handed out in this conversation.
    async fn last_seq(&self) -> i32 {
        self.0.last_seq as i32
    }
    /// The latest public message, shortened (notes never appear here).
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
    async fn rating_comment(&self) -> Option<&str> {
        self.0.rating_comment.as_deref()
    }
    /// Left while nobody was available; the team answers by email.
    async fn is_offline(&self) -> bool {
        self.0.is_offline
    }
    /// Messages, oldest first. With no arguments: the latest 50. `first`/`after` pages
    /// forward from a message id; `last`/`before` pages back.
    async fn messages(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>, last: Option<i32>, before: Option<ID>) -> GqlResult<MessageConnection> {
        let from = match (first, after.as_ref().map(|a| a.as_str()), last, before.as_ref().map(|b| b.as_str())) {
            (f, after, None, None) if f.is_some() || after.is_some() => PageFrom::First(f.unwrap_or(50), after),
            (None, None, l, before) => PageFrom::Last(l.unwrap_or(50), before),
            _ => return Err(crate::error::ApiError::BadInput("use first/after or last/before, not both".into()).into()),
        };
        let page = ctx.app().message_page(ctx.viewer()?, &self.0, from).await?;
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
        Ok(ctx.app().unread_count(ctx.viewer()?, &self.0).await? as i32)
    }
    /// Where each participant has read up to.
    async fn read_receipts(&self, ctx: &Context<'_>) -> GqlResult<Vec<ReadReceipt>> {
        let rows = ctx.app().read_positions(ctx.viewer()?, &self.0).await?;
        Ok(rows.into_iter().map(|r| ReadReceipt::from_row(&self.0.id, r)).collect())
    }
}

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
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
    async fn members(&self, ctx: &Context<'_>) -> GqlResult<Vec<Agent>> {
        Ok(ctx.app().department_members(&self.0).await?.into_iter().map(Agent).collect())
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

/// A message was added to the conversation.
#[derive(SimpleObject)]
pub struct MessageAdded {
    pub message: Message,
}

/// A participant started or stopped typing.
#[derive(SimpleObject)]
pub struct TypingChanged {
    pub conversation_id: ID,
    pub sender_kind: SenderKind,
    pub is_typing: bool,
    pub sender_id: Option<ID>,
}

/// The conversation's state changed (status, assignment, rating).
#[derive(SimpleObject)]
pub struct ConversationUpdated {
    pub conversation: Conversation,
}

/// Events of one conversation.
#[derive(Union)]
pub enum ConversationEvent {
    MessageAdded(MessageAdded),
    TypingChanged(TypingChanged),
    ReadReceipt(ReadReceipt),
    ConversationUpdated(ConversationUpdated),
}

/// A conversation entered the inbox (its first visitor message).
#[derive(SimpleObject)]
pub struct ConversationCreated {
    pub conversation: Conversation,
}

/// A message in any conversation of the organization, with a preview.
#[derive(SimpleObject)]
pub struct InboxMessageAdded {
    pub conversation_id: ID,
    pub message: Message,
    /// The start of the body; notes are prefixed with "Note: ".
    pub preview: String,
    /// The conversation as of this message (status, assignee, ...).
    pub conversation: Conversation,
}

#[derive(SimpleObject)]
pub struct VisitorPresenceChanged {
    pub visitor_id: ID,
    pub online: bool,
}

/// Events of the whole organization's inbox, live only.
// Variants hold rows by value: each event is built once and serialized at once, so the
// size difference costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Union)]
pub enum InboxEvent {
    ConversationCreated(ConversationCreated),
    ConversationUpdated(ConversationUpdated),
    InboxMessageAdded(InboxMessageAdded),
    VisitorPresenceChanged(VisitorPresenceChanged),
}
