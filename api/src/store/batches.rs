//! Reads by many ids at once, for the per-request DataLoaders (`graphql/loaders.rs`):
//! a page of 200 messages costs one read for its senders and one for its attachments,
//! not one per field. Ids travel as one JSON array parameter, so each statement's text
//! is fixed whatever the count; the two dialects part only in how they unnest it.

use super::attachments::{attachment_cols, AttachmentRow};
use super::rows::{agent_cols, visitor_cols};
use super::{AgentRow, Store, StoreResult, VisitorRow};

/// A person as shown beside a message or an assignment: an agent, an API key's bot, a
/// trigger, an automation or a visitor (ids never collide: each kind has its own prefix).
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct PersonRow {
    pub id: String,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
}

/// `$1`, a JSON array of ids, as rows of one text column.
macro_rules! ids {
    (sqlite) => {
        "select value from json_each($1)"
    };
    (postgres) => {
        "select json_array_elements_text($1::json)"
    };
}

macro_rules! people {
    ($d:tt) => {
        concat!(
            "select id, name, avatar_url from agents where org_id = $2 and id in (",
            ids!($d),
            ") union all select id, name, null as avatar_url from api_keys where org_id = $2 and id in (",
            ids!($d),
            ") union all select id, name, null as avatar_url from visitors where org_id = $2 and id in (",
            ids!($d),
            // A trigger speaks as its agent, or as the website for the team; an
            // automation as the organization's bot (its name).
            ") union all select t.id, coalesce(a.name, w.name) as name, a.avatar_url from triggers t join websites w on w.id = t.website_id \
             left join agents a on a.id = t.agent_id where t.org_id = $2 and t.id in (",
            ids!($d),
            ") union all select u.id, o.name, null as avatar_url from automations u join organizations o on o.id = u.org_id where u.org_id = $2 and u.id in (",
            ids!($d),
            // The answer bot speaks as its website's id, under the name set for it.
            ") union all select b.website_id, b.bot_name, null as avatar_url from assistant_settings b where b.org_id = $2 and b.website_id in (",
            ids!($d),
            ")"
        )
    };
}

macro_rules! agents {
    ($d:tt) => {
        concat!("select ", agent_cols!(), " from agents where org_id = $2 and id in (", ids!($d), ")")
    };
}

macro_rules! visitors {
    ($d:tt) => {
        concat!("select ", visitor_cols!(), " from visitors where org_id = $2 and id in (", ids!($d), ")")
    };
}

macro_rules! attachments {
    ($d:tt) => {
        concat!("select ", attachment_cols!(), " from attachments where org_id = $2 and message_id in (", ids!($d), ") order by created_at, id")
    };
}

/// Runs `$sql!(dialect)` with the ids and the organization bound, as rows of `$row`.
macro_rules! by_ids {
    ($store:expr, $sql:ident, $row:ty, $org:expr, $ids:expr) => {{
        let ids = serde_json::to_string($ids).expect("ids serialize");
        match $store {
            Store::Sqlite { read, .. } => sqlx::query_as::<_, $row>($sql!(sqlite)).bind(ids).bind($org).fetch_all(read).await?,
            Store::Postgres(pool) => sqlx::query_as::<_, $row>($sql!(postgres)).bind(ids).bind($org).fetch_all(pool).await?,
        }
    }};
}

impl Store {
    /// Names and avatars of these agents, bots and visitors of the organization.
    pub async fn people(&self, org_id: &str, ids: &[String]) -> StoreResult<Vec<PersonRow>> {
        Ok(by_ids!(self, people, PersonRow, org_id, ids))
    }

    /// These agents of the organization, removed ones included (they still sent what
    /// they sent).
    pub async fn agents_by_ids(&self, org_id: &str, ids: &[String]) -> StoreResult<Vec<AgentRow>> {
        Ok(by_ids!(self, agents, AgentRow, org_id, ids))
    }

    pub async fn visitors_by_ids(&self, org_id: &str, ids: &[String]) -> StoreResult<Vec<VisitorRow>> {
        Ok(by_ids!(self, visitors, VisitorRow, org_id, ids))
    }

    /// The attachments of these messages, oldest first.
    pub async fn attachments_of(&self, org_id: &str, message_ids: &[String]) -> StoreResult<Vec<AttachmentRow>> {
        Ok(by_ids!(self, attachments, AttachmentRow, org_id, message_ids))
    }
}
