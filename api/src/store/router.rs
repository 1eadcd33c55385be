//! The router's storage: assignment settings, agents' connection leases, and the
//! assignment run itself. A run is one transaction that reads the waiting queue and
//! the free agents and writes every assignment it decides, so its decisions never
//! rest on one node's memory: on SQLite the one write connection serializes runs, on
//! PostgreSQL the organization's row is locked (`for update`) for the run, so two
//! nodes' runs for one organization take turns and never give a conversation two
//! assignees or an agent more chats than their capacity.

use std::collections::HashMap;

use super::jobs::insert_jobs;
use super::rows::conversation_cols;
use super::{ConversationRow, Found, Store, StoreResult};
use crate::domain::Assignment;

/// An organization's assignment settings (`routingSettings`).
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct RoutingSettingsRow {
    /// For conversations without a department.
    pub assignment: String,
    pub default_capacity: i64,
    pub pending_counts: bool,
    pub offline_grace_seconds: i64,
    /// 0: never.
    pub reassign_after_seconds: i64,
    /// 0: the router assigns at once; else it offers, for this long.
    pub offer_seconds: i64,
}

/// What an owner or admin changes; `None` leaves a setting as it is.
#[derive(Debug, Default)]
pub struct RoutingPatch {
    pub assignment: Option<Assignment>,
    pub default_capacity: Option<i64>,
    pub pending_counts: Option<bool>,
    pub offline_grace_seconds: Option<i64>,
    pub reassign_after_seconds: Option<i64>,
    pub offer_seconds: Option<i64>,
}

/// The job kind that gives a chat back to the line when its assignee has not answered.
pub const REASSIGN: &str = "router.reassign";

/// The job kind that moves an offer nobody accepted on.
pub const OFFER_EXPIRY: &str = "router.offer";

/// One offer an expiry job checks.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct OfferJob {
    pub conversation_id: String,
    pub agent_id: String,
    pub expires_at: i64,
}

/// One assignment a reassignment job checks.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ReassignJob {
    pub conversation_id: String,
    pub agent_id: String,
    pub assigned_at: i64,
}

/// The head of one waiting line: a department's (`$2`), up to `$4` conversations, in
/// line order. `conversations_line_idx` holds the lines in that order, so a run reads
/// as many rows as it could assign, not every waiting conversation.
macro_rules! line_sql {
    ($department:literal) => {
        concat!(
            "select c.id, c.department_id, d.name as department_name, coalesce(d.assignment, o.assignment) as assignment, c.passed_over, \
             c.priority, coalesce(c.waiting_since, c.created_at) as arrived \
             from conversations c join organizations o on o.id = c.org_id left join departments d on d.id = c.department_id \
             where c.org_id = $1 and ",
            $department,
            " and c.assignee_id is null and c.status = 'open' and c.queued \
             and (c.offered_to is null or c.offer_expires_at <= $3) \
             order by c.priority desc, coalesce(c.waiting_since, c.created_at), c.id limit $4"
        )
    };
}
const DEPARTMENT_LINE: &str = line_sql!("c.department_id = $2");
/// The line of conversations without a department (`$2` unused).
const OPEN_LINE: &str = line_sql!("c.department_id is null and $2 = ''");

#[derive(sqlx::FromRow)]
struct Waiting {
    id: String,
    department_id: Option<String>,
    department_name: Option<String>,
    assignment: String,
    /// The agent who last let it go unanswered: anyone else is preferred.
    passed_over: Option<String>,
    priority: i64,
    arrived: i64,
}

#[derive(sqlx::FromRow)]
struct Free {
    id: String,
    capacity: i64,
    load: i64,
    last_assigned_at: i64,
}

#[derive(sqlx::FromRow)]
struct Member {
    department_id: String,
    agent_id: String,
    last_assigned_at: i64,
}

/// One assignment decided by a run.
struct Decision {
    conversation_id: String,
    agent_id: String,
    department_id: Option<String>,
    routed_by: String,
}

/// A JSON array parameter of ids as a list of rows, in each dialect.
fn ids_of(param: &str, postgres: bool) -> String {
    if postgres {
        format!("select json_array_elements_text({param}::json)")
    } else {
        format!("select value from json_each({param})")
    }
}

/// Decides who gets which waiting conversation: in queue order (priority, then
/// arrival), each goes to a free member of its department (or any free agent without
/// one) by the department's mode; a conversation nobody can take leaves its place to
/// the next, which can only be in another department or pool, so arrival order holds
/// within each pool. Pure, so the rules are tested without a database.
fn decide(waiting: &[Waiting], agents: &mut HashMap<String, Free>, members: &mut [Member], now: i64) -> Vec<Decision> {
    let mut out = Vec::new();
    // Each decision moves its agent's "last assigned" forward by a tick, so several
    // decisions in one run still take turns.
    let mut tick = now;
    for w in waiting {
        let mode = Assignment::from_db(&w.assignment).unwrap_or(Assignment::Manual);
        if mode == Assignment::Manual {
            continue;
        }
        // Candidates: (agent id, load, last assigned in this pool).
        let candidates: Vec<(String, i64, i64)> = match &w.department_id {
            Some(d) => members
                .iter()
                .filter(|m| &m.department_id == d)
                .filter_map(|m| agents.get(&m.agent_id).filter(|a| a.load < a.capacity).map(|a| (a.id.clone(), a.load, m.last_assigned_at)))
                .collect(),
            None => agents.values().filter(|a| a.load < a.capacity).map(|a| (a.id.clone(), a.load, a.last_assigned_at)).collect(),
        };
        let passed = |id: &String| w.passed_over.as_ref() == Some(id);
        let best = match mode {
            Assignment::LeastBusy => candidates.into_iter().min_by(|a, b| (passed(&a.0), a.1, a.2, &a.0).cmp(&(passed(&b.0), b.1, b.2, &b.0))),
            _ => candidates.into_iter().min_by(|a, b| (passed(&a.0), a.2, &a.0).cmp(&(passed(&b.0), b.2, &b.0))),
        };
        let Some((agent_id, _, _)) = best else { continue };
        tick += 1;
        let agent = agents.get_mut(&agent_id).expect("a candidate is a free agent");
        agent.load += 1;
        agent.last_assigned_at = tick;
        if let Some(d) = &w.department_id {
            if let Some(m) = members.iter_mut().find(|m| &m.department_id == d && m.agent_id == agent_id) {
                m.last_assigned_at = tick;
            }
        }
        let how = if mode == Assignment::LeastBusy { "least busy" } else { "round robin" };
        let routed_by = match &w.department_name {
            Some(name) => format!("{how} in {name}"),
            None => how.to_owned(),
        };
        out.push(Decision { conversation_id: w.id.clone(), agent_id, department_id: w.department_id.clone(), routed_by });
    }
    out
}

impl Store {
    pub async fn routing_settings(&self, org_id: &str) -> StoreResult<RoutingSettingsRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, RoutingSettingsRow>(
                "select assignment, default_capacity, pending_counts, offline_grace_seconds, reassign_after_seconds, offer_seconds from organizations where id = $1",
            )
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    pub async fn set_routing_settings(&self, org_id: &str, p: &RoutingPatch) -> StoreResult<RoutingSettingsRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, RoutingSettingsRow>(
                "update organizations set assignment = coalesce($1, assignment), default_capacity = coalesce($2, default_capacity), \
                 pending_counts = coalesce($3, pending_counts), offline_grace_seconds = coalesce($4, offline_grace_seconds), \
                 reassign_after_seconds = coalesce($6, reassign_after_seconds), offer_seconds = coalesce($7, offer_seconds) where id = $5 \
                 returning assignment, default_capacity, pending_counts, offline_grace_seconds, reassign_after_seconds, offer_seconds",
            )
            .bind(p.assignment.map(Assignment::as_str))
            .bind(p.default_capacity)
            .bind(p.pending_counts)
            .bind(p.offline_grace_seconds)
            .bind(org_id)
            .bind(p.reassign_after_seconds)
            .bind(p.offer_seconds)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    pub async fn set_department_assignment(&self, org_id: &str, id: &str, mode: Assignment) -> StoreResult<super::DepartmentRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, super::DepartmentRow>(
                "update departments set assignment = $1 where id = $2 and org_id = $3 returning id, org_id, name, created_at, assignment",
            )
            .bind(mode.as_str())
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    /// 0: the organization's default.
    pub async fn set_agent_capacity(&self, org_id: &str, id: &str, capacity: i64) -> StoreResult<super::AgentRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, super::AgentRow>(concat!(
                "update agents set capacity = $1 where id = $2 and org_id = $3 and removed_at is null returning ",
                super::rows::agent_cols!()
            ))
            .bind(capacity)
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    /// The heartbeat of a node: these agents hold a live socket here, so they count as
    /// connected until `until`.
    pub async fn extend_connections(&self, agent_ids: &[String], until: i64) -> StoreResult<()> {
        if agent_ids.is_empty() {
            return Ok(());
        }
        let ids = serde_json::to_string(agent_ids).expect("ids serialize");
        match self {
            Store::Sqlite { write, .. } => {
                sqlx::query("update agents set connected_until = max(connected_until, $1) where id in (select value from json_each($2))")
                    .bind(until)
                    .bind(ids)
                    .execute(write)
                    .await?;
            }
            Store::Postgres(pool) => {
                sqlx::query("update agents set connected_until = greatest(connected_until, $1) where id in (select json_array_elements_text($2::json))")
                    .bind(until)
                    .bind(ids)
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// The agent's last socket on this node closed: they count as connected for the
    /// organization's grace from now (another node's heartbeat extends it again if
    /// they still hold a socket there).
    pub async fn end_connection(&self, agent_id: &str, now: i64) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>(
                "update agents set connected_until = $1 + 1000 * (select offline_grace_seconds from organizations o where o.id = agents.org_id) where id = $2",
            )
            .bind(now)
            .bind(agent_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Organizations with a conversation waiting in an automatically assigned line (for
    /// the sweep that catches a run a crash interrupted).
    pub async fn orgs_with_waiting(&self, limit: i64) -> StoreResult<Vec<String>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>(
                "select distinct c.org_id from conversations c join organizations o on o.id = c.org_id left join departments d on d.id = c.department_id \
                 where c.assignee_id is null and c.status = 'open' and c.queued and coalesce(d.assignment, o.assignment) <> 'manual' limit $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The first waiting conversations of the organization, in queue order.
    pub async fn waiting_conversations(&self, org_id: &str, limit: i64) -> StoreResult<Vec<ConversationRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, ConversationRow>(concat!(
                "select ",
                conversation_cols!(),
                " from conversations where org_id = $1 and assignee_id is null and status = 'open' and queued \
                 order by priority desc, coalesce(waiting_since, created_at), id limit $2"
            ))
            .bind(org_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn set_conversation_priority(&self, org_id: &str, id: &str, priority: i64) -> StoreResult<ConversationRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, ConversationRow>(concat!(
                "update conversations set priority = $1, updated_at = $2 where id = $3 and org_id = $4 returning ",
                conversation_cols!()
            ))
            .bind(priority)
            .bind(crate::time::now_ms())
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    /// Takes open conversations the router assigned (a person's assignment clears
    /// `routed_by`) in automatically assigned lines back from assignees who went away:
    /// disconnected past their grace, `OFFLINE`, or removed. They wait again from their
    /// first arrival (so they come first); returns them as written.
    pub async fn release_from_offline(&self, now: i64) -> StoreResult<Vec<ConversationRow>> {
        on_write!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, ConversationRow>(concat!(
                "update conversations set assignee_id = null, routed_by = null, updated_at = $1 \
                 where status = 'open' and routed_by is not null \
                 and assignee_id in (select a.id from agents a where a.connected_until <= $1 or a.status = 'offline' or a.removed_at is not null) \
                 and coalesce((select d.assignment from departments d where d.id = conversations.department_id), \
                 (select o.assignment from organizations o where o.id = conversations.org_id)) <> 'manual' returning ",
                conversation_cols!()
            ))
            .bind(now)
            .fetch_all(pool)
            .await?)
        })
    }

    /// How many conversations wait for an assignee, and since when the oldest waits
    /// (in one department, or all of the organization's).
    pub async fn queue_summary(&self, org_id: &str, department_id: Option<&str>) -> StoreResult<(i64, Option<i64>)> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, (i64, Option<i64>)>(
                "select count(*), min(coalesce(waiting_since, created_at)) from conversations \
                 where org_id = $1 and assignee_id is null and status = 'open' and queued and ($2 is null or department_id = $2)",
            )
            .bind(org_id)
            .bind(department_id)
            .fetch_one(pool)
            .await?)
        })
    }

    /// How many conversations of the pool (the department's, or the organization's
    /// without one) got their first answer after `since` (ms): the line's recent pace.
    pub async fn answered_since(&self, org_id: &str, department_id: Option<&str>, since: i64) -> StoreResult<i64> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, i64>(
                "select count(*) from conversations where org_id = $1 and first_response_at > $2 and department_id is not distinct from $3",
            )
            .bind(org_id)
            .bind(since)
            .bind(department_id)
            .fetch_one(pool)
            .await?)
        })
    }

    /// The conversation's place in its queue (1 is next), or `None` if it is not waiting.
    pub async fn queue_position(&self, conversation_id: &str) -> StoreResult<Option<i64>> {
        let n = on_read!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i64>(
                "select count(*) from conversations c join conversations w on w.org_id = c.org_id \
                 and w.department_id is not distinct from c.department_id and w.assignee_id is null and w.status = 'open' and w.queued \
                 where c.id = $1 and c.assignee_id is null and c.status = 'open' and c.queued \
                 and (w.priority > c.priority or (w.priority = c.priority and (coalesce(w.waiting_since, w.created_at) < coalesce(c.waiting_since, c.created_at) \
                 or (coalesce(w.waiting_since, w.created_at) = coalesce(c.waiting_since, c.created_at) and w.id <= c.id))))",
            )
            .bind(conversation_id)
            .fetch_one(pool)
            .await?
        });
        Ok((n > 0).then_some(n))
    }

    /// Gives the conversation back to the line if it is still the assignment the job
    /// was made for (same assignee, same time, by the router, open) and the assignee has
    /// not written a public reply since: it waits again from its first arrival (so it
    /// comes first), with the agent passed over. Returns it as written.
    pub async fn release_unanswered(&self, j: &ReassignJob, now: i64) -> StoreResult<Option<ConversationRow>> {
        on_group!(self, atomic, |pool, DB| {
            Ok(sqlx::query_as::<DB, ConversationRow>(concat!(
                "update conversations set assignee_id = null, waiting_since = null, passed_over = $2, updated_at = $4, \
                 routed_by = 'not answered by ' || coalesce((select a.name from agents a where a.id = $2), 'an agent') \
                 where id = $1 and assignee_id = $2 and assigned_at = $3 and status = 'open' and routed_by is not null \
                 and not exists (select 1 from messages m where m.conversation_id = $1 and m.sender_kind = 'agent' and m.sender_id = $2 \
                 and not m.is_private and m.created_at >= $3) returning ",
                conversation_cols!()
            ))
            .bind(&j.conversation_id)
            .bind(&j.agent_id)
            .bind(j.assigned_at)
            .bind(now)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// The agent accepts the chat offered to them: it is theirs (as the router's
    /// assignment). `None` when no live offer of it is theirs.
    pub async fn accept_offer(&self, id: &str, agent_id: &str, now: i64, events: super::ConversationJobs<'_>) -> StoreResult<Option<ConversationRow>> {
        on_group!(self, atomic, |pool, DB| {
            let query = sqlx::query_as::<DB, ConversationRow>(concat!(
                "update conversations set assignee_id = $2, waiting_since = null, assigned_at = $3, offered_to = null, offer_expires_at = null, updated_at = $3 \
                 where id = $1 and offered_to = $2 and offer_expires_at > $3 and assignee_id is null and status = 'open' returning ",
                conversation_cols!()
            ))
            .bind(id)
            .bind(agent_id)
            .bind(now);
            Ok(with_jobs!(pool, DB, events, query))
        })
    }

    /// Ends the agent's offer of the chat (declined, or `expires_at` passed: then only that
    /// very offer), passing them over for it. `None` when there is no such offer.
    pub async fn end_offer(&self, id: &str, agent_id: &str, expires_at: Option<i64>, now: i64) -> StoreResult<Option<ConversationRow>> {
        on_group!(self, atomic, |pool, DB| {
            Ok(sqlx::query_as::<DB, ConversationRow>(concat!(
                "update conversations set offered_to = null, offer_expires_at = null, passed_over = $2, updated_at = $3 \
                 where id = $1 and offered_to = $2 and ($4 is null or offer_expires_at = $4) returning ",
                conversation_cols!()
            ))
            .bind(id)
            .bind(agent_id)
            .bind(now)
            .bind(expires_at)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// One assignment run for the organization: returns the conversations it assigned
    /// (or offered), as written. Where the organization reassigns unanswered chats, each assignment
    /// commits with its job, due `reassign_at(seconds)` (on the jobs' clock).
    /// `events`: the jobs an assignment (not an offer) commits with it (its webhook event).
    pub async fn assign_waiting(
        &self,
        org_id: &str,
        now: i64,
        reassign_at: impl Fn(i64) -> i64,
        events: super::ConversationJobs<'_>,
    ) -> StoreResult<Vec<ConversationRow>> {
        let lock = match self {
            Store::Sqlite { .. } => None,
            Store::Postgres(_) => Some("select id from organizations where id = $1 for update"),
        };
        // An organization that assigns by hand everywhere (the default) has no runs: read
        // on the read pool, so its new chats never take SQLite's one write connection.
        let automatic = on_read!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i64>(
                "select count(*) from organizations o where o.id = $1 and (o.assignment <> 'manual' \
                 or exists (select 1 from departments d where d.org_id = o.id and d.assignment <> 'manual'))",
            )
            .bind(org_id)
            .fetch_one(pool)
            .await?
        });
        if automatic == 0 {
            return Ok(Vec::new());
        }
        let postgres = matches!(self, Store::Postgres(_));
        on_group!(self, atomic, |pool, DB| {
            let mut tx = sqlx::Acquire::begin(pool).await?;
            if let Some(lock) = lock {
                sqlx::query::<DB>(lock).bind(org_id).execute(&mut *tx).await?;
            }
            // Only the agents with room are read (a run under load finds a few among
            // hundreds): each one's load from the (assignee, status) index, a few
            // probes per agent however long the organization's history.
            let free = sqlx::query_as::<DB, Free>(
                "select id, capacity, last_assigned_at, load from (select a.id, \
                 case when a.capacity > 0 then a.capacity else o.default_capacity end as capacity, a.last_assigned_at, \
                 (select count(*) from conversations x where x.assignee_id = a.id \
                 and x.status in ('open', case when o.pending_counts then 'pending' else 'open' end)) \
                 + (select count(*) from conversations y where y.offered_to = a.id and y.offer_expires_at > $2) as load \
                 from agents a join organizations o on o.id = a.org_id \
                 where a.org_id = $1 and a.removed_at is null and a.status = 'online' and a.connected_until > $2) f where load < capacity",
            )
            .bind(org_id)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            if free.is_empty() {
                return Ok(Vec::new());
            }
            let free_ids = serde_json::to_string(&free.iter().map(|a| a.id.as_str()).collect::<Vec<_>>()).expect("ids serialize");
            let mut agents: HashMap<String, Free> = free.into_iter().map(|a| (a.id.clone(), a)).collect();
            // Their memberships, and the lines they can take: chats of their departments
            // and chats without one, in line order (a department whose members are all
            // busy has nothing to gain from being read).
            let mut members = sqlx::query_as::<DB, Member>(&format!(
                "select m.department_id, m.agent_id, m.last_assigned_at from department_members m join departments d on d.id = m.department_id \
                 where d.org_id = $1 and m.agent_id in ({})",
                ids_of("$2", postgres)
            ))
            .bind(org_id)
            .bind(&free_ids)
            .fetch_all(&mut *tx)
            .await?;
            // The lines the free agents can take, each read up to the room its members
            // have (a department's conversations go to its members only, first come
            // first served, so no run could assign more of it), and the line without a
            // department up to everyone's room; then merged in queue order.
            let mut room: HashMap<&str, i64> = HashMap::new();
            for m in &members {
                if let Some(a) = agents.get(&m.agent_id) {
                    *room.entry(m.department_id.as_str()).or_default() += a.capacity - a.load;
                }
            }
            let everyone: i64 = agents.values().map(|a| a.capacity - a.load).sum();
            let mut waiting: Vec<Waiting> = Vec::new();
            let mut lines: Vec<(&str, &str, i64)> = room.into_iter().map(|(d, k)| (DEPARTMENT_LINE, d, k)).collect();
            lines.sort_unstable();
            lines.push((OPEN_LINE, "", everyone));
            for (sql, department, limit) in lines {
                let head = sqlx::query_as::<DB, Waiting>(sql).bind(org_id).bind(department).bind(now).bind(limit).fetch_all(&mut *tx).await?;
                waiting.extend(head);
            }
            waiting.sort_unstable_by(|a, b| (-a.priority, a.arrived, &a.id).cmp(&(-b.priority, b.arrived, &b.id)));
            if waiting.iter().all(|w| w.assignment == Assignment::Manual.as_str()) {
                return Ok(Vec::new());
            }
            let decisions = decide(&waiting, &mut agents, &mut members, now);
            let (reassign_after, offer_seconds): (i64, i64) =
                sqlx::query_as::<DB, (i64, i64)>("select reassign_after_seconds, offer_seconds from organizations where id = $1")
                    .bind(org_id)
                    .fetch_one(&mut *tx)
                    .await?;
            // The run's writes are three statements whatever it decides (each a round
            // trip on PostgreSQL): the conversations, then the turns of the agents and
            // memberships whose assignment was written. On SQLite the unary `+` keeps the
            // planner on the primary key (by the (assignee, status) index it would scan
            // every waiting chat for each one decided).
            let expires_at = now + offer_seconds * 1000;
            let rows: Vec<(&str, &str, &str)> = decisions.iter().map(|d| (d.conversation_id.as_str(), d.agent_id.as_str(), d.routed_by.as_str())).collect();
            let sql = match (postgres, offer_seconds > 0) {
                (false, true) => concat!(
                    "update conversations set offered_to = x.value->>1, offer_expires_at = $3, \
                     routed_by = case when routed_by is null then x.value->>2 else routed_by || '; ' || (x.value->>2) end, updated_at = $2 \
                     from json_each($1) as x where conversations.id = x.value->>0 and +conversations.assignee_id is null and +conversations.status = 'open' \
                     and (conversations.offered_to is null or conversations.offer_expires_at <= $2) returning ",
                    conversation_cols!()
                ),
                (false, false) => concat!(
                    "update conversations set assignee_id = x.value->>1, waiting_since = null, assigned_at = $2, offered_to = null, offer_expires_at = null, \
                     routed_by = case when routed_by is null then x.value->>2 else routed_by || '; ' || (x.value->>2) end, updated_at = $2 \
                     from json_each($1) as x where conversations.id = x.value->>0 and +conversations.assignee_id is null and +conversations.status = 'open' \
                     and $3 >= 0 returning ",
                    conversation_cols!()
                ),
                (true, true) => concat!(
                    "update conversations c set offered_to = x->>1, offer_expires_at = $3, \
                     routed_by = case when routed_by is null then x->>2 else routed_by || '; ' || (x->>2) end, updated_at = $2 \
                     from json_array_elements($1::json) x where c.id = x->>0 and c.assignee_id is null and c.status = 'open' \
                     and (c.offered_to is null or c.offer_expires_at <= $2) returning ",
                    conversation_cols!()
                ),
                (true, false) => concat!(
                    "update conversations c set assignee_id = x->>1, waiting_since = null, assigned_at = $2, offered_to = null, offer_expires_at = null, \
                     routed_by = case when routed_by is null then x->>2 else routed_by || '; ' || (x->>2) end, updated_at = $2 \
                     from json_array_elements($1::json) x where c.id = x->>0 and c.assignee_id is null and c.status = 'open' and $3 >= 0 returning ",
                    conversation_cols!()
                ),
            };
            let assigned = if rows.is_empty() {
                Vec::new()
            } else {
                sqlx::query_as::<DB, ConversationRow>(sql)
                    .bind(serde_json::to_string(&rows).expect("rows serialize"))
                    .bind(now)
                    .bind(expires_at)
                    .fetch_all(&mut *tx)
                    .await?
            };
            let written: std::collections::HashSet<&str> = assigned.iter().map(|r| r.id.as_str()).collect();
            let done: Vec<&Decision> = decisions.iter().filter(|d| written.contains(d.conversation_id.as_str())).collect();
            let mut turns: Vec<(&str, i64)> = done.iter().map(|d| (d.agent_id.as_str(), agents.get(&d.agent_id).map_or(now, |a| a.last_assigned_at))).collect();
            turns.sort_unstable();
            turns.dedup();
            let member_turns: Vec<(&str, &str, i64)> = done
                .iter()
                .filter_map(|d| d.department_id.as_deref().map(|dep| (dep, d.agent_id.as_str(), agents.get(&d.agent_id).map_or(now, |a| a.last_assigned_at))))
                .collect();
            if !turns.is_empty() {
                let sql = if postgres {
                    "update agents a set last_assigned_at = (x->>1)::bigint from json_array_elements($1::json) x where a.id = x->>0"
                } else {
                    "update agents set last_assigned_at = x.value->>1 from json_each($1) as x where agents.id = x.value->>0"
                };
                sqlx::query::<DB>(sql).bind(serde_json::to_string(&turns).expect("rows serialize")).execute(&mut *tx).await?;
            }
            if !member_turns.is_empty() {
                let sql = if postgres {
                    "update department_members m set last_assigned_at = (x->>2)::bigint from json_array_elements($1::json) x \
                     where m.department_id = x->>0 and m.agent_id = x->>1"
                } else {
                    "update department_members set last_assigned_at = x.value->>2 from json_each($1) as x \
                     where department_members.department_id = x.value->>0 and department_members.agent_id = x.value->>1"
                };
                sqlx::query::<DB>(sql).bind(serde_json::to_string(&member_turns).expect("rows serialize")).execute(&mut *tx).await?;
            }
            let mut jobs = Vec::new();
            for d in &done {
                if offer_seconds > 0 {
                    let payload = OfferJob { conversation_id: d.conversation_id.clone(), agent_id: d.agent_id.clone(), expires_at };
                    let payload = serde_json::to_string(&payload).expect("job payloads serialize");
                    jobs.push(super::NewJob { kind: OFFER_EXPIRY, key: None, org_id: Some(org_id.to_owned()), payload, run_at: reassign_at(offer_seconds) });
                } else if reassign_after > 0 {
                    let payload = ReassignJob { conversation_id: d.conversation_id.clone(), agent_id: d.agent_id.clone(), assigned_at: now };
                    let payload = serde_json::to_string(&payload).expect("job payloads serialize");
                    jobs.push(super::NewJob { kind: REASSIGN, key: None, org_id: Some(org_id.to_owned()), payload, run_at: reassign_at(reassign_after) });
                }
            }
            if let Some(make) = events {
                for r in assigned.iter().filter(|r| r.assignee_id.is_some()) {
                    jobs.extend(make(r));
                }
            }
            insert_jobs!(tx, DB, &jobs, now);
            tx.commit().await?;
            Ok(assigned)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting(id: &str, dep: Option<&str>, mode: Assignment) -> Waiting {
        Waiting {
            id: id.into(),
            department_id: dep.map(Into::into),
            department_name: dep.map(Into::into),
            assignment: mode.as_str().into(),
            passed_over: None,
            priority: 0,
            arrived: 0,
        }
    }
    fn free(id: &str, capacity: i64, load: i64, last: i64) -> (String, Free) {
        (id.into(), Free { id: id.into(), capacity, load, last_assigned_at: last })
    }
    fn member(dep: &str, agent: &str, last: i64) -> Member {
        Member { department_id: dep.into(), agent_id: agent.into(), last_assigned_at: last }
    }
    fn who(d: &[Decision]) -> Vec<(&str, &str)> {
        d.iter().map(|d| (d.conversation_id.as_str(), d.agent_id.as_str())).collect()
    }

    #[test]
    fn round_robin_takes_turns_and_capacity_holds() {
        let w: Vec<_> = ["c1", "c2", "c3", "c4", "c5"].iter().map(|c| waiting(c, Some("sales"), Assignment::RoundRobin)).collect();
        let mut agents: HashMap<_, _> = [free("ann", 2, 0, 5), free("bob", 2, 1, 1)].into_iter().collect();
        let mut members = vec![member("sales", "ann", 5), member("sales", "bob", 1)];
        let d = decide(&w, &mut agents, &mut members, 100);
        // bob was given a chat longest ago; then ann; then ann again (bob is full at 2).
        assert_eq!(who(&d), [("c1", "bob"), ("c2", "ann"), ("c3", "ann")]);
        assert!(agents.values().all(|a| a.load <= a.capacity));
        assert_eq!(d[0].routed_by, "round robin in sales");
    }

    #[test]
    fn least_busy_prefers_the_emptiest_agent_and_manual_departments_wait() {
        let w =
            vec![waiting("m1", Some("support"), Assignment::Manual), waiting("c1", None, Assignment::LeastBusy), waiting("c2", None, Assignment::LeastBusy)];
        let mut agents: HashMap<_, _> = [free("ann", 5, 3, 0), free("bob", 5, 1, 9)].into_iter().collect();
        let d = decide(&w, &mut agents, &mut [], 100);
        assert_eq!(who(&d), [("c1", "bob"), ("c2", "bob")]);
    }

    #[test]
    fn an_agent_who_let_a_chat_go_unanswered_gets_it_only_when_nobody_else_is_free() {
        let mut w = vec![waiting("c1", None, Assignment::RoundRobin)];
        w[0].passed_over = Some("bob".into());
        // bob was given a chat longest ago, yet ann gets it.
        let mut agents: HashMap<_, _> = [free("ann", 2, 1, 50), free("bob", 2, 0, 1)].into_iter().collect();
        assert_eq!(who(&decide(&w, &mut agents, &mut [], 100)), [("c1", "ann")]);
        let mut agents: HashMap<_, _> = [free("ann", 1, 1, 50), free("bob", 2, 0, 1)].into_iter().collect();
        assert_eq!(who(&decide(&w, &mut agents, &mut [], 100)), [("c1", "bob")], "nobody else is free");
        w[0].assignment = Assignment::LeastBusy.as_str().into();
        let mut agents: HashMap<_, _> = [free("ann", 5, 3, 0), free("bob", 5, 0, 0)].into_iter().collect();
        assert_eq!(who(&decide(&w, &mut agents, &mut [], 100)), [("c1", "ann")]);
    }

    #[test]
    fn only_members_take_a_departments_chats_and_a_blocked_pool_does_not_block_another() {
        let w = vec![waiting("s1", Some("sales"), Assignment::RoundRobin), waiting("h1", Some("help"), Assignment::RoundRobin)];
        // The sales member is full; help's member is free and not in sales.
        let mut agents: HashMap<_, _> = [free("ann", 1, 1, 0), free("bob", 1, 0, 0)].into_iter().collect();
        let mut members = vec![member("sales", "ann", 0), member("help", "bob", 0)];
        let d = decide(&w, &mut agents, &mut members, 100);
        assert_eq!(who(&d), [("h1", "bob")]);
    }
}
