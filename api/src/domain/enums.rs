//! The closed sets of the domain, with their storage spelling. They double as the
//! GraphQL enums, so there is one definition of each. Serde reads either spelling
//! (the variant's name, as events carry it, or the stored one).

use super::ValidationError;

macro_rules! stored_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $(#[serde(alias = $s)] $variant),+ }
        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn from_db(s: &str) -> Result<Self, ValidationError> {
                match s {
                    $($s => Ok($name::$variant),)+
                    other => Err(ValidationError(format!("unknown {} '{other}'", stringify!($name)))),
                }
            }
        }
    };
}

stored_enum!(
    /// Who sent a message.
    SenderKind { Visitor => "visitor", Agent => "agent", Bot => "bot", System => "system" });
stored_enum!(
    /// An agent's role in the organization.
    Role { Owner => "owner", Admin => "admin", Agent => "agent" });
stored_enum!(
    /// An agent's chosen availability.
    AgentStatus { Online => "online", Away => "away", Offline => "offline" });
stored_enum!(
    /// open, pending (waiting on the visitor), resolved.
    ConversationStatus { Open => "open", Pending => "pending", Resolved => "resolved" });
stored_enum!(
    /// Which side of the page the widget's launcher sits on.
    WidgetPosition { Left => "left", Right => "right" });
stored_enum!(
    /// Live visitors before first use (docs/routing.md#live-visitors): off (the default:
    /// nothing before the visitor uses the chat), a light beacon per page load (no
    /// storage, no "returning"), or with one first-party id kept in the browser (only
    /// where the site has the visitor's consent).
    LivePresence { Off => "off", PageLoad => "page_load", FirstPartyId => "first_party_id" });
stored_enum!(
    /// How a department's (or, with no department, the organization's) waiting
    /// conversations get an assignee: agents pick them (`MANUAL`), the free agent who was
    /// given a chat longest ago (`ROUND_ROBIN`), or the free agent with the fewest open
    /// chats (`LEAST_BUSY`). Free: online, connected, under capacity.
    Assignment { Manual => "manual", RoundRobin => "round_robin", LeastBusy => "least_busy" });
/// A conversation's place in the queue: higher priorities are served first. Stored as
/// its rank (0, 1, 2), so the queue sorts by the column.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Priority {
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn rank(self) -> i64 {
        self as i64
    }
    /// An unknown rank reads as the nearest known one.
    pub fn from_rank(rank: i64) -> Priority {
        match rank {
            i64::MIN..=0 => Priority::Normal,
            1 => Priority::High,
            _ => Priority::Urgent,
        }
    }
}
stored_enum!(
    /// Where a durable job is: waiting for its time (or its next retry), leased by a
    /// worker, or given up on and kept for inspection (a dead letter).
    JobState { Pending => "pending", Running => "running", Dead => "dead" });

stored_enum!(
/// What an API key may do (`createApiKey`'s `scopes`; docs/api.md's matrix). Agents
/// are governed by their role instead.
ApiKeyScope {
    ConversationsRead => "conversations:read",
    ConversationsWrite => "conversations:write",
    MessagesWrite => "messages:write",
    VisitorsRead => "visitors:read",
    VisitorsWrite => "visitors:write",
    VisitorsErase => "visitors:erase",
    VisitorsExport => "visitors:export",
    WebsitesRead => "websites:read",
    WebsitesManage => "websites:manage",
    WebhooksManage => "webhooks:manage",
    ConversionsWrite => "conversions:write",
    AnalyticsRead => "analytics:read",
});

impl ApiKeyScope {
    pub const ALL: [ApiKeyScope; 12] = [
        ApiKeyScope::ConversationsRead,
        ApiKeyScope::ConversationsWrite,
        ApiKeyScope::MessagesWrite,
        ApiKeyScope::VisitorsRead,
        ApiKeyScope::VisitorsWrite,
        ApiKeyScope::VisitorsErase,
        ApiKeyScope::VisitorsExport,
        ApiKeyScope::WebsitesRead,
        ApiKeyScope::WebsitesManage,
        ApiKeyScope::WebhooksManage,
        ApiKeyScope::ConversionsWrite,
        ApiKeyScope::AnalyticsRead,
    ];

    /// What a key created without `scopes` may do: what every key could do before keys
    /// had scopes (the conversation work of an agent), so old keys and old clients keep
    /// working.
    pub const DEFAULT: [ApiKeyScope; 6] = [
        ApiKeyScope::ConversationsRead,
        ApiKeyScope::ConversationsWrite,
        ApiKeyScope::MessagesWrite,
        ApiKeyScope::VisitorsRead,
        ApiKeyScope::VisitorsWrite,
        ApiKeyScope::WebsitesRead,
    ];

    fn bit(self) -> u16 {
        1 << ApiKeyScope::ALL.iter().position(|s| *s == self).expect("every scope is in ALL")
    }
}

/// A set of scopes, stored as their names separated by spaces (`"conversations:read
/// messages:write"`), as OAuth writes scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u16);

impl Scopes {
    pub fn of(list: &[ApiKeyScope]) -> Scopes {
        Scopes(list.iter().fold(0, |acc, s| acc | s.bit()))
    }

    /// `websites:manage` includes `websites:read`.
    pub fn has(self, s: ApiKeyScope) -> bool {
        self.0 & s.bit() != 0 || (s == ApiKeyScope::WebsitesRead && self.0 & ApiKeyScope::WebsitesManage.bit() != 0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn list(self) -> Vec<ApiKeyScope> {
        ApiKeyScope::ALL.into_iter().filter(|s| self.0 & s.bit() != 0).collect()
    }

    /// Unknown names are skipped (a scope removed in a later version grants nothing).
    pub fn from_db(s: &str) -> Scopes {
        Scopes::of(&s.split_whitespace().filter_map(|n| ApiKeyScope::from_db(n).ok()).collect::<Vec<_>>())
    }

    pub fn to_db(self) -> String {
        self.list().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }
}

impl Role {
    /// Owners and admins manage the team, websites and keys.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

macro_rules! try_from_string {
    ($($name:ident),+) => {$(
        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $name::from_db(&s)
            }
        }
    )+};
}
try_from_string!(SenderKind, Role, AgentStatus, ConversationStatus, WidgetPosition, JobState, LivePresence);

/// Stored enums decode from their text spelling in either dialect.
macro_rules! sql_text_enum {
    ($($name:ident),+) => {$(
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            String: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let s = <String as sqlx::Decode<'r, DB>>::decode(value)?;
                $name::from_db(&s).map_err(|e| e.0.into())
            }
        }
    )+};
}
sql_text_enum!(SenderKind, Role, AgentStatus, ConversationStatus, WidgetPosition, JobState, LivePresence);
