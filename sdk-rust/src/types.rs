//! The shapes the clients return, one Rust type per fragment of
//! `graphql/operations.graphql`, converted from the per-operation generated types.
//! (graphql_client generates a fragment's struct once per operation; these are the
//! single names callers hold.)

use serde::{Deserialize, Serialize};

/// Who sent a message (or is typing, or read).
///
/// ```
/// use chinwag_sdk::SenderKind;
/// let kind: SenderKind = serde_json::from_str("\"BOT\"").unwrap();
/// assert_eq!(kind, SenderKind::Bot);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SenderKind {
    /// The person on the website.
    Visitor,
    /// A member of the support team.
    Agent,
    /// An API key (a bot or an integration).
    Bot,
    /// The server itself.
    System,
    /// A kind this version of the SDK does not know yet.
    #[serde(other)]
    Unknown,
}

/// A conversation's status.
///
/// ```
/// assert_eq!(serde_json::to_string(&chinwag_sdk::ConversationStatus::Resolved).unwrap(), "\"RESOLVED\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConversationStatus {
    /// Waiting on the team.
    Open,
    /// Waiting on the visitor.
    Pending,
    /// Done (a visitor message reopens it).
    Resolved,
    /// A status this version of the SDK does not know yet.
    #[serde(other)]
    Unknown,
}

/// An agent's chosen availability.
///
/// ```
/// assert_eq!(serde_json::to_string(&chinwag_sdk::AgentStatus::Online).unwrap(), "\"ONLINE\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgentStatus {
    /// Available for chats.
    Online,
    /// Signed in but away.
    Away,
    /// Not available.
    Offline,
    /// A status this version of the SDK does not know yet.
    #[serde(other)]
    Unknown,
}

/// How a department's (or the organization's) waiting conversations get an assignee
/// (docs/routing.md).
///
/// ```
/// assert_eq!(serde_json::to_string(&chinwag_sdk::Assignment::RoundRobin).unwrap(), "\"ROUND_ROBIN\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Assignment {
    /// Agents pick chats from the queue.
    Manual,
    /// The free agent who was given a chat longest ago.
    RoundRobin,
    /// The free agent with the fewest open chats.
    LeastBusy,
    /// A mode this version of the SDK does not know yet.
    #[serde(other)]
    Unknown,
}

/// A conversation's place in the queue: higher priorities are served first.
///
/// ```
/// assert_eq!(serde_json::from_str::<chinwag_sdk::Priority>("\"URGENT\"").unwrap(), chinwag_sdk::Priority::Urgent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Priority {
    /// The default.
    Normal,
    /// Served before normal.
    High,
    /// Served first.
    Urgent,
    /// A priority this version of the SDK does not know yet.
    #[serde(other)]
    Unknown,
}

/// An agent's role in the organization.
///
/// ```
/// assert_eq!(serde_json::from_str::<chinwag_sdk::Role>("\"OWNER\"").unwrap(), chinwag_sdk::Role::Owner);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Created the organization; can do everything.
    Owner,
    /// Manages the team, websites and API keys.
    Admin,
    /// Answers conversations.
    Agent,
    /// A role this version of the SDK does not know yet.
    #[serde(other)]
    Unknown,
}

/// Whose conversations a listing returns.
///
/// ```
/// let filter = chinwag_sdk::ConversationFilter { assignee: Some(chinwag_sdk::AssigneeFilter::Unassigned), ..Default::default() };
/// # let _ = filter;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssigneeFilter {
    /// Assigned to the signed-in agent.
    Me,
    /// Assigned to no one.
    Unassigned,
    /// Assigned to anyone or no one.
    Any,
}

/// A stored message. `seq` numbers a conversation's messages in commit order.
///
/// ```no_run
/// # async fn demo(chat: chinwag_sdk::VisitorClient, conversation_id: &str) -> Result<(), chinwag_sdk::Error> {
/// let message: chinwag_sdk::Message = chat.send_message(conversation_id, "Hello!").await?;
/// println!("#{} {:?}: {}", message.seq, message.sender_kind, message.body);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Time-sortable id; pass it as `after` to resume a stream after this message.
    pub id: String,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// Its place in the conversation, strictly increasing.
    pub seq: i64,
    /// The text, trimmed.
    pub body: String,
    /// Who sent it: `Bot` for API keys.
    pub sender_kind: SenderKind,
    /// The visitor, agent or API key that sent it.
    pub sender_id: Option<String>,
    /// A note only agents see.
    pub is_private: bool,
    /// The sender's idempotency key.
    pub client_message_id: Option<String>,
    /// When it was stored (RFC 3339).
    pub created_at: String,
}

/// Where a participant has read up to.
///
/// ```
/// # fn show(r: chinwag_sdk::ReadReceipt) {
/// println!("{:?} read up to #{}", r.reader_kind, r.seq);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadReceipt {
    /// The conversation.
    pub conversation_id: String,
    /// Who read.
    pub reader_kind: SenderKind,
    /// The reader's id.
    pub reader_id: String,
    /// The last message read.
    pub message_id: String,
    /// That message's `seq`.
    pub seq: i64,
}

/// A participant started or stopped typing.
///
/// ```
/// # fn show(t: chinwag_sdk::Typing) {
/// if t.is_typing { println!("{:?} is typing...", t.sender_kind) }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Typing {
    /// The conversation.
    pub conversation_id: String,
    /// Who is typing.
    pub sender_kind: SenderKind,
    /// The typist's id.
    pub sender_id: Option<String>,
    /// Started (`true`) or stopped.
    pub is_typing: bool,
}

/// The answer bot's answer so far while a model server writes it; `done` ends the
/// draft (the bot's message, if any, has arrived on the conversation's events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerDraft {
    /// The conversation.
    pub conversation_id: String,
    /// The whole answer so far (empty with `done`).
    pub text: String,
    /// The draft is over.
    pub done: bool,
    /// Who is writing: the website's bot name, as its message will show it.
    pub sender_name: Option<String>,
}

/// A person on a website, anonymous or identified.
///
/// ```no_run
/// # async fn demo(chat: chinwag_sdk::VisitorClient) -> Result<(), chinwag_sdk::Error> {
/// let visitor: chinwag_sdk::Visitor = chat.visitor().await?;
/// println!("I am {}", visitor.id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Visitor {
    /// The visitor's id.
    pub id: String,
    /// The name, when given.
    pub name: Option<String>,
    /// The email, when given.
    pub email: Option<String>,
    /// The site's own user id, once verified.
    pub external_id: Option<String>,
}

/// A conversation as its visitor sees it.
///
/// ```no_run
/// # async fn demo(chat: chinwag_sdk::VisitorClient) -> Result<(), chinwag_sdk::Error> {
/// let conversation: chinwag_sdk::VisitorConversation = chat.start_conversation(Some("Hi")).await?;
/// println!("{} is {:?}", conversation.id, conversation.status);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitorConversation {
    /// The conversation's id.
    pub id: String,
    /// Open, pending or resolved.
    pub status: ConversationStatus,
    /// The assigned agent's display name.
    pub assignee_name: Option<String>,
    /// The highest `seq` handed out.
    pub last_seq: i64,
    /// The latest public message, shortened.
    pub last_message_preview: Option<String>,
    /// Messages the visitor has not read.
    pub unread_count: i64,
    /// The visitor's rating, 1 to 5.
    pub rating: Option<i64>,
    /// The rating's comment.
    pub rating_comment: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
    /// Resolved (RFC 3339), while resolved.
    pub resolved_at: Option<String>,
}

/// A member of the support team.
///
/// ```no_run
/// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
/// let me: chinwag_sdk::Agent = agent.me().await?;
/// println!("{} ({:?})", me.name, me.role);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// The agent's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Sign-in email.
    pub email: String,
    /// Owner, admin or agent.
    pub role: Role,
    /// Chosen availability.
    pub status: AgentStatus,
    /// Online and connected.
    pub is_online: bool,
}

/// A conversation as an agent (or an API key) sees it.
///
/// ```no_run
/// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
/// for c in agent.conversations(Default::default(), None).await?.nodes {
///     println!("{} {:?} {}", c.id, c.status, c.last_message_preview.unwrap_or_default());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentConversation {
    /// The conversation's id.
    pub id: String,
    /// Open, pending or resolved.
    pub status: ConversationStatus,
    /// The website it started on.
    pub website_id: String,
    /// Who started it.
    pub visitor: Visitor,
    /// The assigned agent's display name.
    pub assignee_name: Option<String>,
    /// The assigned agent's id.
    pub assignee_id: Option<String>,
    /// The department it is routed to.
    pub department_id: Option<String>,
    /// The highest `seq` handed out.
    pub last_seq: i64,
    /// The latest public message, shortened.
    pub last_message_preview: Option<String>,
    /// Messages the caller has not read.
    pub unread_count: i64,
    /// The visitor's rating, 1 to 5.
    pub rating: Option<i64>,
    /// The rating's comment.
    pub rating_comment: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
    /// Last message or change (RFC 3339).
    pub last_activity_at: String,
    /// The team's first reply (RFC 3339).
    pub first_response_at: Option<String>,
    /// Resolved (RFC 3339), while resolved.
    pub resolved_at: Option<String>,
    /// Its priority in the queue.
    pub priority: Priority,
    /// Its place in the waiting line (1 is next), while it waits for an agent.
    pub queue_position: Option<i64>,
    /// Why the router put it where it is ("rule: Sales; round robin in Sales").
    pub routed_by: Option<String>,
    /// The team's labels, lowercased.
    pub tags: Vec<String>,
}

/// How the organization's waiting conversations get an assignee (docs/routing.md).
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingSettings {
    /// For conversations without a department.
    pub assignment: Assignment,
    /// Max concurrent chats of an agent whose own capacity is 0.
    pub default_capacity: i64,
    /// Whether pending chats count against capacity.
    pub pending_counts: bool,
    /// Seconds an agent still counts as online after their last connection closed.
    pub offline_grace_seconds: i64,
    /// Seconds a router-assigned chat waits for its assignee's reply before it goes to
    /// someone else; 0: never.
    pub reassign_after_seconds: i64,
    /// Seconds an agent has to accept a chat the router offers them; 0: it assigns at once.
    pub offer_seconds: i64,
}

/// What [`AgentClient::update_routing_settings`](crate::AgentClient::update_routing_settings)
/// changes; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct RoutingSettingsPatch {
    /// For conversations without a department.
    pub assignment: Option<Assignment>,
    /// 1 to 100.
    pub default_capacity: Option<i64>,
    /// Whether pending chats count against capacity.
    pub pending_counts: Option<bool>,
    /// 0 to 3600.
    pub offline_grace_seconds: Option<i64>,
    /// 0 (never) or 10 to 3600.
    pub reassign_after_seconds: Option<i64>,
    /// 0 (assign at once) or 10 to 300.
    pub offer_seconds: Option<i64>,
}

/// A saved reply of the organization.
///
/// ```no_run
/// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
/// for r in agent.canned_responses().await? {
///     println!("/{} {}: {}", r.shortcut, r.title, r.body);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CannedResponse {
    /// Its id.
    pub id: String,
    /// Typed as `/shortcut` in the dashboard.
    pub shortcut: String,
    /// A short title.
    pub title: String,
    /// The reply text.
    pub body: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

/// A site the widget is installed on.
///
/// ```no_run
/// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
/// let site: chinwag_sdk::Website = agent.create_website("Acme shop", &[]).await?;
/// println!("widget key: {}", site.public_key);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Website {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The public widget key (for visitors' sessions).
    pub public_key: String,
    /// Origins allowed to start visitor sessions; empty: any.
    pub allowed_origins: Vec<String>,
}

/// What a chat shows before a visitor session exists.
///
/// ```no_run
/// # async fn demo(chat: chinwag_sdk::VisitorClient) -> Result<(), chinwag_sdk::Error> {
/// let config: chinwag_sdk::WidgetConfig = chat.widget_config().await?;
/// println!("{} (agent online: {})", config.greeting, config.agent_online);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetConfig {
    /// The website's name.
    pub website_name: String,
    /// Accent colour, `#rrggbb`.
    pub color: String,
    /// The launcher's label.
    pub launcher_text: String,
    /// Shown when the chat opens (never stored as a message).
    pub greeting: String,
    /// Within business hours now.
    pub business_hours_open: bool,
    /// An agent is online.
    pub agent_online: bool,
}

/// An API key just created: the secret is shown this once.
///
/// ```no_run
/// # async fn demo(owner: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
/// let key: chinwag_sdk::CreatedApiKey = owner.create_api_key("greeter-bot").await?;
/// println!("CHINWAG_API_KEY={}", key.secret);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    /// The key's id (for `revokeApiKey`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Use as the bearer token; never shown again.
    pub secret: String,
}

/// One page of a listing, newest activity first.
///
/// ```no_run
/// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
/// let mut after = None;
/// loop {
///     let page = agent.conversations(Default::default(), after.as_deref()).await?;
///     println!("{} conversations", page.nodes.len());
///     if !page.has_next_page { break }
///     after = page.end_cursor;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub nodes: Vec<T>,
    /// More follow: pass `end_cursor` as `after`.
    pub has_next_page: bool,
    /// The cursor of the last item.
    pub end_cursor: Option<String>,
}

/// A page of a conversation's messages, oldest first.
///
/// ```no_run
/// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
/// let history = agent.messages(id, 50, None).await?;
/// if history.has_older {
///     let older = agent.messages(id, 50, Some(&history.messages[0].id)).await?;
///     # let _ = older;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The messages, in `seq` order.
    pub messages: Vec<Message>,
    /// Older messages exist.
    pub has_older: bool,
}

/// Which conversations [`AgentClient::conversations`](crate::AgentClient::conversations)
/// lists; the default lists all.
///
/// ```
/// use chinwag_sdk::{ConversationFilter, ConversationStatus};
/// let open = ConversationFilter { status: vec![ConversationStatus::Open], ..Default::default() };
/// # let _ = open;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationFilter {
    /// Only these statuses (all when empty).
    pub status: Vec<ConversationStatus>,
    /// Mine, unassigned or any.
    pub assignee: Option<AssigneeFilter>,
    /// Assigned to this agent (overrides `assignee`).
    pub assignee_id: Option<String>,
    /// Routed to this department.
    pub department_id: Option<String>,
    /// Started on this website.
    pub website_id: Option<String>,
    /// One visitor's conversations.
    pub visitor_id: Option<String>,
    /// Words found in messages (prefix match), or part of the visitor's name or email.
    pub search: Option<String>,
    /// Only conversations with this tag.
    pub tag: Option<String>,
}

/// One event of a conversation's stream. `C` is the conversation as the caller sees
/// it ([`VisitorConversation`] or [`AgentConversation`]).
///
/// ```no_run
/// # async fn demo(chat: chinwag_sdk::VisitorClient, id: &str) -> Result<(), chinwag_sdk::Error> {
/// use chinwag_sdk::ConversationEvent;
/// use futures_util::StreamExt as _;
/// let mut events = chat.conversation_events(id, None);
/// while let Some(event) = events.next().await {
///     match event? {
///         ConversationEvent::Message(m) => println!("{}", m.body),
///         ConversationEvent::Reconnected => { /* refetch status, receipts */ }
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConversationEvent<C> {
    /// A message, each exactly once and in `seq` order, including those sent while the
    /// connection was down (replayed after a reconnect).
    Message(Message),
    /// Someone (including the caller) started or stopped typing.
    Typing(Typing),
    /// Someone read up to a message.
    ReadReceipt(ReadReceipt),
    /// Status, assignment or rating changed. Not replayed after a reconnect.
    Updated(C),
    /// The connection dropped and came back. Missed messages follow by themselves;
    /// refetch anything else you show (status, receipts, typing).
    Reconnected,
}

/// One event of the organization's inbox (agents and API keys), live only.
///
/// ```no_run
/// # async fn demo(bot: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
/// use chinwag_sdk::InboxEvent;
/// use futures_util::StreamExt as _;
/// let mut inbox = bot.inbox_events();
/// while let Some(event) = inbox.next().await {
///     if let InboxEvent::ConversationCreated(c) = event? {
///         bot.send_message(&c.id, "Hello! How can I help?").await?;
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InboxEvent {
    /// A conversation entered the inbox: its first visitor message.
    ConversationCreated(AgentConversation),
    /// Status, assignment or rating changed.
    ConversationUpdated(AgentConversation),
    /// A message in any conversation of the organization.
    MessageAdded {
        /// The conversation.
        conversation_id: String,
        /// The start of the body; notes start with "Note: ".
        preview: String,
        /// The whole message.
        message: Message,
    },
    /// A visitor came online or went offline.
    VisitorPresence {
        /// The visitor.
        visitor_id: String,
        /// Online now.
        online: bool,
    },
    /// The connection dropped and came back: inbox events meanwhile are not replayed,
    /// so refetch your lists.
    Reconnected,
}

/// Builds a public type from each per-operation copy of a fragment's generated struct.
/// A field maps as is, or through the function after `=>`.
macro_rules! from_generated {
    ($target:ident $fields:tt for $($src:path),+ $(,)?) => {
        $(from_generated!(@one $target $fields $src);)+
    };
    (@one $target:ident { $($field:ident $(=> $conv:expr)?),* $(,)? } $src:path) => {
        impl From<$src> for $target {
            fn from(v: $src) -> Self {
                $target { $($field: from_generated!(@conv v.$field $(, $conv)?)),* }
            }
        }
    };
    (@conv $e:expr) => { $e };
    (@conv $e:expr, $conv:expr) => { ($conv)($e) };
}

use crate::operations as ops;

from_generated!(Message { id, conversation_id, seq, body, sender_kind, sender_id, is_private, client_message_id, created_at } for
    ops::send_message::MessageFields,
    ops::visitor_messages::MessageFields,
    ops::agent_messages::MessageFields,
    ops::visitor_conversation_events::MessageFields,
    ops::agent_conversation_events::MessageFields,
    ops::inbox_events::MessageFields,
);

from_generated!(ReadReceipt { conversation_id, reader_kind, reader_id, message_id, seq } for
    ops::visitor_conversation_events::ReadReceiptFields,
    ops::agent_conversation_events::ReadReceiptFields,
);

from_generated!(Typing { conversation_id, sender_kind, sender_id, is_typing } for
    ops::visitor_conversation_events::TypingFields,
    ops::agent_conversation_events::TypingFields,
);

from_generated!(Visitor { id, name, email, external_id } for
    ops::start_visitor_session::VisitorFields,
    ops::current_visitor::VisitorFields,
    ops::set_my_attributes::VisitorFields,
    ops::conversations::AgentConversationFieldsVisitor,
    ops::agent_conversation::AgentConversationFieldsVisitor,
    ops::agent_conversation_info::AgentConversationFieldsVisitor,
    ops::agent_conversation_events::AgentConversationFieldsVisitor,
    ops::inbox_events::AgentConversationFieldsVisitor,
    ops::assign_conversation::AgentConversationFieldsVisitor,
    ops::set_conversation_status::AgentConversationFieldsVisitor,
    ops::set_conversation_priority::AgentConversationFieldsVisitor,
    ops::set_conversation_tags::AgentConversationFieldsVisitor,
);

from_generated!(VisitorConversation {
    id, status, assignee_name, last_seq, last_message_preview, unread_count, rating, rating_comment, created_at, updated_at, resolved_at,
} for
    ops::visitor_conversations::VisitorConversationFields,
    ops::start_conversation::VisitorConversationFields,
    ops::visitor_conversation_events::VisitorConversationFields,
    ops::rate_conversation::VisitorConversationFields,
);

from_generated!(Agent { id, name, email, role, status, is_online } for
    ops::sign_up::AgentFields,
    ops::log_in::AgentFields,
    ops::refresh_session::AgentFields,
    ops::me::AgentFields,
    ops::set_agent_status::AgentFields,
);

from_generated!(CannedResponse { id, shortcut, title, body, updated_at } for
    ops::canned_responses::CannedResponseFields,
    ops::create_canned_response::CannedResponseFields,
);

from_generated!(Website { id, name, public_key, allowed_origins } for ops::create_website::WebsiteFields);

from_generated!(RoutingSettings { assignment, default_capacity, pending_counts, offline_grace_seconds, reassign_after_seconds, offer_seconds } for
    ops::routing_settings::RoutingSettingsFields,
    ops::update_routing_settings::RoutingSettingsFields,
);

/// `AgentConversation` flattens `assignee { id }` and `department { id }` into ids.
macro_rules! agent_conversation_from {
    ($($module:ident),+) => {$(
        impl From<ops::$module::AgentConversationFields> for AgentConversation {
            fn from(c: ops::$module::AgentConversationFields) -> Self {
                AgentConversation {
                    id: c.id,
                    status: c.status,
                    website_id: c.website_id,
                    visitor: c.visitor.into(),
                    assignee_name: c.assignee_name,
                    assignee_id: c.assignee.map(|a| a.id),
                    department_id: c.department.map(|d| d.id),
                    last_seq: c.last_seq,
                    last_message_preview: c.last_message_preview,
                    unread_count: c.unread_count,
                    rating: c.rating,
                    rating_comment: c.rating_comment,
                    created_at: c.created_at,
                    updated_at: c.updated_at,
                    last_activity_at: c.last_activity_at,
                    first_response_at: c.first_response_at,
                    resolved_at: c.resolved_at,
                    priority: c.priority,
                    queue_position: c.queue_position,
                    routed_by: c.routed_by,
                    tags: c.tags,
                }
            }
        }
    )+};
}

agent_conversation_from!(
    conversations,
    agent_conversation,
    agent_conversation_info,
    agent_conversation_events,
    inbox_events,
    assign_conversation,
    set_conversation_status,
    set_conversation_priority,
    set_conversation_tags
);
