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
    /// Where a durable job is: waiting for its time (or its next retry), leased by a
    /// worker, or given up on and kept for inspection (a dead letter).
    JobState { Pending => "pending", Running => "running", Dead => "dead" });

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
try_from_string!(SenderKind, Role, AgentStatus, ConversationStatus, WidgetPosition, JobState);

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
sql_text_enum!(SenderKind, Role, AgentStatus, ConversationStatus, WidgetPosition, JobState);
