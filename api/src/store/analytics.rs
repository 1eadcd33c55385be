//! The Analytics engine's rows (docs/analytics.md): each conversation's resolutions and
//! reopenings as they happen, and the per-episode facts reports add up, kept by the
//! rollup (`app::analytics`) from what changed since it last ran.

use super::{Store, StoreResult};

/// What the rollup reads of a conversation.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct RollupConversationRow {
    pub id: String,
    pub org_id: String,
    pub website_id: String,
    pub visitor_id: String,
    pub department_id: Option<String>,
    pub assignee_id: Option<String>,
    pub status: String,
    pub is_offline: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    pub assigned_at: Option<i64>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<i64>,
}

/// A message as the rollup reads it.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct RollupMessageRow {
    pub conversation_id: String,
    pub created_at: i64,
    pub sender_kind: String,
    pub sender_id: Option<String>,
    pub is_private: bool,
    /// A public visitor message's text (for its sentiment); none for others.
    pub body: Option<String>,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct LifecycleRow {
    pub conversation_id: String,
    pub at: i64,
    pub event: String,
}

/// One episode's facts (the `analytics_facts` table). Read from SQLite as JSON arrays
/// in `FACT_COLUMNS` order (a page in one value: see `facts_page`).
#[derive(sqlx::FromRow, serde::Deserialize, Debug, Clone, PartialEq)]
pub struct FactRow {
    pub conversation_id: String,
    pub episode: i64,
    pub org_id: String,
    pub website_id: String,
    pub visitor_id: String,
    pub department_id: Option<String>,
    pub agent_id: Option<String>,
    pub channel: String,
    pub started_at: i64,
    pub bucket: i64,
    pub visitor_messages: i64,
    pub agent_messages: i64,
    pub bot_messages: i64,
    pub first_visitor_at: Option<i64>,
    pub first_response_ms: Option<i64>,
    pub first_response_bh_ms: Option<i64>,
    pub responses: i64,
    pub response_ms: i64,
    pub response_bh_ms: i64,
    pub response_bins: String,
    pub response_bh_bins: String,
    pub wait_ms: Option<i64>,
    pub resolved_at: Option<i64>,
    pub resolution_ms: Option<i64>,
    pub resolution_bh_ms: Option<i64>,
    pub rating: Option<i64>,
    #[serde(deserialize_with = "super::rows::flag")]
    pub rating_comment: bool,
    pub source_updated_at: i64,
    pub negative_messages: i64,
    pub angry_messages: i64,
}

const FACT_COLUMNS: &str = "conversation_id, episode, org_id, website_id, visitor_id, department_id, agent_id, channel, started_at, bucket, \
     visitor_messages, agent_messages, bot_messages, first_visitor_at, first_response_ms, first_response_bh_ms, responses, response_ms, \
     response_bh_ms, response_bins, response_bh_bins, wait_ms, resolved_at, resolution_ms, resolution_bh_ms, rating, rating_comment, source_updated_at, negative_messages, angry_messages";

/// Facts read from SQLite per page (one JSON value each).
const FACT_PAGE: i64 = 10_000;

/// What a report reads: its organization's episodes started in `[from, to)`, narrowed
/// by the filters (an empty list filters nothing).
#[derive(Debug, Clone, Default)]
pub struct FactFilter {
    pub from: i64,
    pub to: i64,
    pub websites: Vec<String>,
    pub departments: Vec<String>,
    pub agents: Vec<String>,
    pub channels: Vec<String>,
    /// Episodes of conversations with any of these tags.
    pub tags: Vec<String>,
}

/// A conversion as reports read it, with whether its value counts as revenue.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ReportConversionRow {
    pub id: String,
    pub website_id: String,
    pub visitor_id: String,
    pub conversation_id: Option<String>,
    pub agent_id: Option<String>,
    pub department_id: Option<String>,
    pub value_minor: Option<i64>,
    pub currency: Option<String>,
    pub counts_as_revenue: bool,
    pub occurred_at: i64,
}

/// Pushes ` and <column> in (...)` for a non-empty list.
macro_rules! filter_in {
    ($q:ident, $column:literal, $list:expr) => {
        if !$list.is_empty() {
            and_in!($q, $column, $list);
        }
    };
}

/// The organization (bound here unless `@rest`), the range and the filters, then the order.
macro_rules! push_fact_filter {
    ($q:ident, $org:expr, $f:expr) => {
        $q.push_bind($org);
        push_fact_filter!($q, @rest, $org, $f);
    };
    ($q:ident, @rest, $org:expr, $f:expr) => {
        $q.push(" and started_at >= ").push_bind($f.from);
        $q.push(" and started_at < ").push_bind($f.to);
        filter_in!($q, "website_id", &$f.websites);
        filter_in!($q, "department_id", &$f.departments);
        filter_in!($q, "agent_id", &$f.agents);
        filter_in!($q, "channel", &$f.channels);
        if !$f.tags.is_empty() {
            $q.push(" and conversation_id in (select conversation_id from conversation_tags where org_id = ");
            $q.push_bind($org);
            and_in!($q, "tag", &$f.tags);
            $q.push(")");
        }
        $q.push(" order by started_at, conversation_id, episode");
    };
}

impl Store {
    /// How far the organization's facts are kept: conversations changed at or before it
    /// are in them (0: never rolled up).
    pub async fn analytics_progress(&self, org_id: &str) -> StoreResult<i64> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, i64>("select through from analytics_progress where org_id = $1").bind(org_id).fetch_optional(pool).await?.unwrap_or(0))
        })
    }

    pub async fn set_analytics_progress(&self, org_id: &str, through: i64) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>(
                "insert into analytics_progress (org_id, through) values ($1, $2) \
                 on conflict (org_id) do update set through = excluded.through",
            )
            .bind(org_id)
            .bind(through)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The organization's conversations changed after `since` whose facts are older than
    /// their change, oldest change first, at most `limit`: `(id, updated_at)`.
    pub async fn changed_conversations(&self, org_id: &str, since: i64, limit: i64) -> StoreResult<Vec<(String, i64)>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, (String, i64)>(
                "select c.id, c.updated_at from conversations c where c.org_id = $1 and c.updated_at > $2 \
                 and not exists (select 1 from analytics_facts f where f.conversation_id = c.id and f.episode = 0 and f.source_updated_at >= c.updated_at) \
                 order by c.updated_at, c.id limit $3",
            )
            .bind(org_id)
            .bind(since)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Organizations with conversations changed after their rollup's progress (less
    /// `overlap`), in id order after `after`, at most `limit`.
    pub async fn orgs_to_roll_up(&self, overlap: i64, after: Option<&str>, limit: i64) -> StoreResult<Vec<String>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>(
                "select o.id from organizations o left join analytics_progress p on p.org_id = o.id \
                 where o.id > $1 and exists (select 1 from conversations c where c.org_id = o.id and c.updated_at > coalesce(p.through, 0) - $2) \
                 order by o.id limit $3",
            )
            .bind(after.unwrap_or(""))
            .bind(overlap)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// What the rollup reads of these conversations: each one, its messages in order and
    /// its history.
    pub async fn rollup_inputs(&self, org_id: &str, ids: &[String]) -> StoreResult<(Vec<RollupConversationRow>, Vec<RollupMessageRow>, Vec<LifecycleRow>)> {
        on_read!(self, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "select id, org_id, website_id, visitor_id, department_id, assignee_id, status, is_offline, created_at, updated_at, \
                 resolved_at, assigned_at, rating, rating_comment, rated_at from conversations where org_id = ",
            );
            q.push_bind(org_id);
            and_in!(q, "id", ids);
            let conversations = q.build_query_as::<RollupConversationRow>().fetch_all(pool).await?;
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "select conversation_id, created_at, sender_kind, sender_id, is_private, \
                 case when sender_kind = 'visitor' and not is_private then body end as body from messages where org_id = ",
            );
            q.push_bind(org_id);
            and_in!(q, "conversation_id", ids);
            q.push(" order by conversation_id, seq");
            let messages = q.build_query_as::<RollupMessageRow>().fetch_all(pool).await?;
            let mut q = sqlx::QueryBuilder::<DB>::new("select conversation_id, at, event from conversation_lifecycle where org_id = ");
            q.push_bind(org_id);
            and_in!(q, "conversation_id", ids);
            q.push(" order by conversation_id, at");
            let history = q.build_query_as::<LifecycleRow>().fetch_all(pool).await?;
            Ok((conversations, messages, history))
        })
    }

    /// Replaces each conversation's facts with `facts` (all of its episodes), unless
    /// what is stored was worked out from a newer state of it. `gone`: conversations no
    /// longer there, whose facts go.
    pub async fn replace_facts(&self, facts: &[(String, i64, Vec<FactRow>)], gone: &[String]) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            for id in gone {
                sqlx::query::<DB>("delete from analytics_facts where conversation_id = $1").bind(id).execute(&mut *tx).await?;
            }
            for (id, source, rows) in facts {
                let newer: Option<i64> = sqlx::query_scalar::<DB, i64>(
                    "select source_updated_at from analytics_facts where conversation_id = $1 and source_updated_at > $2 limit 1",
                )
                .bind(id)
                .bind(source)
                .fetch_optional(&mut *tx)
                .await?;
                if newer.is_some() {
                    continue;
                }
                sqlx::query::<DB>("delete from analytics_facts where conversation_id = $1").bind(id).execute(&mut *tx).await?;
                if rows.is_empty() {
                    continue;
                }
                let mut q = sqlx::QueryBuilder::<DB>::new(format!("insert into analytics_facts ({FACT_COLUMNS}) "));
                q.push_values(rows, |mut b, f| {
                    b.push_bind(&f.conversation_id)
                        .push_bind(f.episode)
                        .push_bind(&f.org_id)
                        .push_bind(&f.website_id)
                        .push_bind(&f.visitor_id)
                        .push_bind(&f.department_id)
                        .push_bind(&f.agent_id)
                        .push_bind(&f.channel)
                        .push_bind(f.started_at)
                        .push_bind(f.bucket)
                        .push_bind(f.visitor_messages)
                        .push_bind(f.agent_messages)
                        .push_bind(f.bot_messages)
                        .push_bind(f.first_visitor_at)
                        .push_bind(f.first_response_ms)
                        .push_bind(f.first_response_bh_ms)
                        .push_bind(f.responses)
                        .push_bind(f.response_ms)
                        .push_bind(f.response_bh_ms)
                        .push_bind(&f.response_bins)
                        .push_bind(&f.response_bh_bins)
                        .push_bind(f.wait_ms)
                        .push_bind(f.resolved_at)
                        .push_bind(f.resolution_ms)
                        .push_bind(f.resolution_bh_ms)
                        .push_bind(f.rating)
                        .push_bind(f.rating_comment)
                        .push_bind(f.source_updated_at)
                        .push_bind(f.negative_messages)
                        .push_bind(f.angry_messages);
                });
                q.push(" on conflict (conversation_id, episode) do nothing");
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Forgets the organization's rollup progress and marks its facts out of date: every
    /// conversation is worked out again (after its websites' business hours changed).
    pub async fn restart_analytics(&self, org_id: &str) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            sqlx::query::<DB>("delete from analytics_progress where org_id = $1").bind(org_id).execute(&mut *tx).await?;
            sqlx::query::<DB>("update analytics_facts set source_updated_at = -1 where org_id = $1").bind(org_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Hands each fact a report reads (see `FactFilter`) to `each`, as they come: from
    /// PostgreSQL as a stream; from SQLite a page at a time (`facts_page`), as a row at a
    /// time from sqlx's SQLite thread costs more than the report's own work.
    pub async fn each_fact(&self, org_id: &str, f: &FactFilter, mut each: impl FnMut(&FactRow) + Send) -> StoreResult<()> {
        use futures_util::TryStreamExt;
        if let Store::Postgres(pool) = self {
            let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!("select {FACT_COLUMNS} from analytics_facts where org_id = "));
            push_fact_filter!(q, org_id, f);
            let mut rows = q.build_query_as::<FactRow>().fetch(pool);
            while let Some(row) = rows.try_next().await? {
                each(&row);
            }
            return Ok(());
        }
        let mut after: Option<(i64, String, i64)> = None;
        loop {
            let page = self.facts_page(org_id, f, after.as_ref(), FACT_PAGE).await?;
            page.iter().for_each(&mut each);
            match page.last() {
                Some(last) if page.len() as i64 == FACT_PAGE => after = Some((last.started_at, last.conversation_id.clone(), last.episode)),
                _ => return Ok(()),
            }
        }
    }

    /// A page of the facts a report reads, in start order, after `after`
    /// (`(started_at, conversation_id, episode)` of the last one read). From SQLite the
    /// page comes as one JSON value.
    pub async fn facts_page(&self, org_id: &str, f: &FactFilter, after: Option<&(i64, String, i64)>, limit: i64) -> StoreResult<Vec<FactRow>> {
        on_read!(self, |pool, DB| {
            let sqlite = matches!(self, Store::Sqlite { .. });
            let mut q = sqlx::QueryBuilder::<DB>::new(if sqlite {
                format!("select coalesce(json_group_array(json_array({FACT_COLUMNS})), '[]') from (select {FACT_COLUMNS} from analytics_facts where org_id = ")
            } else {
                format!("select {FACT_COLUMNS} from analytics_facts where org_id = ")
            });
            q.push_bind(org_id);
            if let Some((at, id, ep)) = after {
                // A row value: an index range on both databases (an `or` chain made SQLite
                // scan from the start for every page).
                q.push(" and (started_at, conversation_id, episode) > (").push_bind(*at);
                q.push(", ").push_bind(id.clone());
                q.push(", ").push_bind(*ep);
                q.push(")");
            }
            push_fact_filter!(q, @rest, org_id, f);
            q.push(" limit ").push_bind(limit);
            if sqlite {
                q.push(")");
                let json: String = q.build_query_scalar().fetch_one(pool).await?;
                let mut page: Vec<FactRow> = serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
                // The aggregate keeps the subquery's order in practice; the keyset needs it.
                page.sort_by(|a, b| (a.started_at, &a.conversation_id, a.episode).cmp(&(b.started_at, &b.conversation_id, b.episode)));
                return Ok(page);
            }
            Ok(q.build_query_as::<FactRow>().fetch_all(pool).await?)
        })
    }

    /// The tags of the conversations of the facts a report read: `(conversation, tag)`.
    pub async fn fact_tags(&self, org_id: &str, f: &FactFilter) -> StoreResult<Vec<(String, String)>> {
        on_read!(self, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "select distinct t.conversation_id, t.tag from conversation_tags t join analytics_facts f on f.conversation_id = t.conversation_id \
                 where t.org_id = ",
            );
            q.push_bind(org_id);
            q.push(" and f.org_id = ").push_bind(org_id);
            q.push(" and f.started_at >= ").push_bind(f.from);
            q.push(" and f.started_at < ").push_bind(f.to);
            Ok(q.build_query_as::<(String, String)>().fetch_all(pool).await?)
        })
    }

    /// Hands each of the organization's conversions that occurred in `[from, to)` on the
    /// filter's websites, departments and agents (and, with channels or tags, attributed
    /// to a conversation of them) to `each`, as they come.
    pub async fn each_report_conversion(&self, org_id: &str, f: &FactFilter, mut each: impl FnMut(&ReportConversionRow) + Send) -> StoreResult<()> {
        use futures_util::TryStreamExt;
        on_read!(self, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "select c.id, c.website_id, c.visitor_id, c.conversation_id, c.agent_id, c.department_id, c.value_minor, c.currency, \
                 (c.verified or w.browser_revenue) as counts_as_revenue, c.occurred_at \
                 from conversions c join websites w on w.id = c.website_id where c.org_id = ",
            );
            q.push_bind(org_id);
            q.push(" and c.occurred_at >= ").push_bind(f.from);
            q.push(" and c.occurred_at < ").push_bind(f.to);
            filter_in!(q, "c.website_id", &f.websites);
            filter_in!(q, "c.department_id", &f.departments);
            filter_in!(q, "c.agent_id", &f.agents);
            // A channel or a tag is a conversation's: only conversions attributed to such
            // conversations.
            if !f.channels.is_empty() {
                q.push(" and c.conversation_id in (select conversation_id from analytics_facts where org_id = ");
                q.push_bind(org_id);
                and_in!(q, "channel", &f.channels);
                q.push(")");
            }
            if !f.tags.is_empty() {
                q.push(" and c.conversation_id in (select conversation_id from conversation_tags where org_id = ");
                q.push_bind(org_id);
                and_in!(q, "tag", &f.tags);
                q.push(")");
            }
            let mut rows = q.build_query_as::<ReportConversionRow>().fetch(pool);
            while let Some(row) = rows.try_next().await? {
                each(&row);
            }
            Ok(())
        })
    }
}

impl Store {
    /// The tags of these conversations of the organization: `(conversation, tag)`.
    pub async fn tags_of(&self, org_id: &str, ids: &[String]) -> StoreResult<Vec<(String, String)>> {
        on_read!(self, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new("select conversation_id, tag from conversation_tags where org_id = ");
            q.push_bind(org_id);
            and_in!(q, "conversation_id", ids);
            q.push(" order by conversation_id, tag");
            Ok(q.build_query_as::<(String, String)>().fetch_all(pool).await?)
        })
    }
}

impl Store {
    /// Each agent of the organization (not removed) with their open and pending chats
    /// now: `(agent id, open, pending)`, from the (assignee, status) index.
    pub async fn agent_loads(&self, org_id: &str) -> StoreResult<Vec<(String, i64, i64)>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, (String, i64, i64)>(
                "select a.id, (select count(*) from conversations x where x.assignee_id = a.id and x.status = 'open'), \
                 (select count(*) from conversations y where y.assignee_id = a.id and y.status = 'pending') \
                 from agents a where a.org_id = $1 and a.removed_at is null order by a.name, a.id",
            )
            .bind(org_id)
            .fetch_all(pool)
            .await?)
        })
    }
}
