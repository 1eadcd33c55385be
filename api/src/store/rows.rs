//! Rows as stored: the committed payloads that the API maps to GraphQL types and that
//! events carry over the bus.

use serde::{Deserialize, Serialize};

use crate::domain::{AgentStatus, ConversationStatus, Role, SenderKind, WidgetPosition};

#[derive(sqlx::FromRow, Debug, Clone, Serialize, Deserialize)]
pub struct OrgRow {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct AgentRow {
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: Role,
    pub status: AgentStatus,
    pub capacity: i64,
    pub token_epoch: i64,
    pub removed_at: Option<i64>,
    pub created_at: i64,
    pub avatar_url: Option<String>,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct PageViewRow {
    pub id: String,
    pub url: String,
    pub title: Option<String>,
    pub referrer: Option<String>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct InviteRow {
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub role: Role,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct RefreshRow {
    pub id: String,
    pub agent_id: String,
    pub family_id: String,
    pub successor_id: Option<String>,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub expires_at: i64,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ApiKeyRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub secret_hash: String,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    /// When the key stops working (unix ms); none: never.
    pub expires_at: Option<i64>,
    pub created_at: i64,
    /// Scope names separated by spaces (`domain::Scopes`).
    pub scopes: String,
    /// A JSON array of the websites the key is limited to; none: all of them.
    pub website_ids: Option<String>,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct WebsiteRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub public_key: String,
    pub allowed_origins: String,
    pub color: String,
    pub position: WidgetPosition,
    pub launcher_text: String,
    pub greeting: String,
    pub identity_secret: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// JSON `BusinessHours`, or null for always open.
    pub business_hours: Option<String>,
    /// JSON array of `PreChatField`.
    pub pre_chat_fields: String,
    pub offline_messages: bool,
    pub powered_by: bool,
    /// Retention in days: resolved conversations, and visitors without one (none: kept).
    pub retain_resolved_days: Option<i64>,
    pub retain_idle_visitor_days: Option<i64>,
    /// Linked from the widget's privacy line.
    pub privacy_policy_url: Option<String>,
    /// Visitors may delete their own data from the widget.
    pub visitor_deletion: bool,
    pub live_presence: crate::domain::LivePresence,
    /// The widget pushes its events to the page's `dataLayer`.
    pub page_analytics: bool,
    /// Event names counted as conversions besides `purchase` (JSON array).
    pub goals: String,
    pub conversion_window_days: i64,
    /// Purchases tracked from the browser count in revenue.
    pub browser_revenue: bool,
    /// The help center's own host name, if any.
    pub help_domain: Option<String>,
}

impl WebsiteRow {
    pub fn origins(&self) -> Vec<String> {
        serde_json::from_str(&self.allowed_origins).unwrap_or_default()
    }
    pub fn hours(&self) -> Option<crate::domain::BusinessHours> {
        self.business_hours.as_deref().and_then(|h| serde_json::from_str(h).ok())
    }
    pub fn pre_chat(&self) -> Vec<crate::domain::PreChatField> {
        serde_json::from_str(&self.pre_chat_fields).unwrap_or_default()
    }
    pub fn goal_names(&self) -> Vec<String> {
        serde_json::from_str(&self.goals).unwrap_or_default()
    }
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct DepartmentRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub created_at: i64,
    /// `manual`, `round_robin` or `least_busy` (`domain::Assignment`).
    pub assignment: String,
}

#[derive(sqlx::FromRow, Debug, Clone, Serialize, Deserialize)]
pub struct VisitorRow {
    pub id: String,
    pub org_id: String,
    pub website_id: String,
    pub external_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub current_url: Option<String>,
    /// JSON object of custom attributes.
    pub attributes: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// When `email` was vouched for (signed by the site, or confirmed by its owner).
    pub email_verified_at: Option<i64>,
    /// JSON object of the attributes the site's server set (never shown to the visitor).
    pub server_attributes: String,
    /// The browser's first language choice when a session started ("fr-ca").
    pub language: Option<String>,
}

impl VisitorRow {
    /// The email, if mail with conversation text may go to it.
    pub fn vouched_email(&self) -> Option<&str> {
        self.email_verified_at.and(self.email.as_deref())
    }

    /// What the visitor's browser set.
    pub fn attribute_pairs(&self) -> Vec<(String, String)> {
        serde_json::from_str::<std::collections::BTreeMap<String, String>>(&self.attributes).map(|m| m.into_iter().collect()).unwrap_or_default()
    }

    /// What the site's server set through the API.
    pub fn server_attribute_pairs(&self) -> Vec<(String, String)> {
        serde_json::from_str::<std::collections::BTreeMap<String, String>>(&self.server_attributes).map(|m| m.into_iter().collect()).unwrap_or_default()
    }
}

#[derive(sqlx::FromRow, Debug, Clone, Serialize, Deserialize)]
pub struct ConversationRow {
    pub id: String,
    pub org_id: String,
    pub website_id: String,
    pub visitor_id: String,
    pub department_id: Option<String>,
    pub assignee_id: Option<String>,
    pub status: ConversationStatus,
    pub last_seq: i64,
    #[serde(deserialize_with = "flag")]
    pub queued: bool,
    pub last_message_preview: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_activity_at: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    /// Left while nobody was available: the team answers by email.
    #[serde(deserialize_with = "flag")]
    pub is_offline: bool,
    /// 0 normal, 1 high, 2 urgent.
    pub priority: i64,
    /// Why the router put it where it is ("round robin in Sales"); `None` if nobody routed it.
    pub routed_by: Option<String>,
    /// When it last started waiting for an assignee, if it was unassigned since it began
    /// (`None`: its creation is its arrival).
    pub waiting_since: Option<i64>,
    /// When its first public agent reply is due under its SLA policy (docs/routing.md).
    #[serde(default)]
    pub first_response_due_at: Option<i64>,
    /// When it is due to be resolved under its SLA policy.
    #[serde(default)]
    pub resolution_due_at: Option<i64>,
    /// Since when the visitor waits for a reply (their first message after the team's
    /// last public reply).
    #[serde(default)]
    pub awaiting_since: Option<i64>,
    /// Its SLA policy's next-response target, in seconds.
    #[serde(default)]
    pub next_response_seconds: Option<i64>,
    /// When the reply to `awaiting_since` is due under its SLA policy.
    #[serde(default)]
    pub next_response_due_at: Option<i64>,
    /// The agent the router offered it to (while the offer lasts).
    #[serde(default)]
    pub offered_to: Option<String>,
    #[serde(default)]
    pub offer_expires_at: Option<i64>,
}

/// A boolean read from JSON as `true`/`false` or as SQLite's 1/0.
pub(crate) fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Ok(b),
        serde_json::Value::Number(n) => Ok(n.as_i64() != Some(0)),
        other => Err(serde::de::Error::custom(format!("expected a boolean, got {other}"))),
    }
}

#[derive(sqlx::FromRow, Debug, Clone, Serialize, Deserialize)]
pub struct MessageRow {
    pub id: String,
    pub conversation_id: String,
    pub org_id: String,
    pub seq: i64,
    pub sender_kind: SenderKind,
    pub sender_id: Option<String>,
    pub body: String,
    #[serde(deserialize_with = "flag")]
    pub is_private: bool,
    pub client_message_id: Option<String>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct CannedRow {
    pub id: String,
    pub org_id: String,
    pub shortcut: String,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ReadRow {
    pub reader_kind: String,
    pub reader_id: String,
    pub message_id: String,
    pub seq: i64,
    pub updated_at: i64,
}

/// Column lists as macros (so `concat!` builds static SQL), one definition each, so
/// `select` and `returning` agree with the rows.
macro_rules! agent_cols {
    () => {
        "id, org_id, email, name, password_hash, role, status, capacity, token_epoch, removed_at, created_at, avatar_url"
    };
}
macro_rules! website_cols {
    () => {
        "id, org_id, name, public_key, allowed_origins, color, position, launcher_text, greeting, identity_secret, created_at, updated_at, business_hours, pre_chat_fields, offline_messages, powered_by, retain_resolved_days, retain_idle_visitor_days, privacy_policy_url, visitor_deletion, live_presence, page_analytics, goals, conversion_window_days, browser_revenue, help_domain"
    };
}
macro_rules! visitor_cols {
    () => {
        "id, org_id, website_id, external_id, name, email, user_agent, ip, current_url, attributes, created_at, last_seen_at, email_verified_at, server_attributes, language"
    };
}
macro_rules! conversation_cols {
    () => {
        "id, org_id, website_id, visitor_id, department_id, assignee_id, status, last_seq, queued, last_message_preview, created_at, updated_at, last_activity_at, first_response_at, resolved_at, rating, rating_comment, is_offline, priority, routed_by, waiting_since, first_response_due_at, resolution_due_at, awaiting_since, next_response_seconds, next_response_due_at, offered_to, offer_expires_at"
    };
}
macro_rules! message_cols {
    () => {
        "id, conversation_id, org_id, seq, sender_kind, sender_id, body, is_private, client_message_id, created_at"
    };
}
macro_rules! canned_cols {
    () => {
        "id, org_id, shortcut, title, body, created_at, updated_at"
    };
}
pub(crate) use {agent_cols, canned_cols, conversation_cols, message_cols, visitor_cols, website_cols};
