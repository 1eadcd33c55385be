//! The Analytics engine (docs/analytics.md).
//!
//! - **The rollup** keeps `analytics_facts`, one row per episode of a conversation, from
//!   what changed since it last ran: a job every minute (`ANALYTICS_ROLLUP`), and each
//!   report before it reads, so a report counts everything committed before it.
//!   Nothing is added to the send path: the rollup reads conversations by `updated_at`.
//! - **Reports** read the facts of a range, streamed and folded into groups as they come
//!   (memory is the groups', not the rows'), in the requested time zone: facts are
//!   dated in 15-minute UTC buckets, which every zone's hours and days are made of.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::App;
use crate::auth::Principal;
use crate::domain::analytics::{self as rules, bucket_of, Figures, Hist, Lifecycle};
use crate::domain::{ApiKeyScope, BusinessHours, ConversationStatus, SenderKind};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{JobRow, Outcome};
use crate::ratelimit::Quota;
use crate::store::{FactFilter, FactRow, StoreError};

pub const ANALYTICS_ROLLUP: &str = "analytics.rollup";
const ROLLUP_EVERY_MS: i64 = 60_000;
/// A change may commit after a later one: each rollup looks this far behind its progress
/// (what it already has, at the same `updated_at`, it skips).
const OVERLAP_MS: i64 = 60_000;
const ROLLUP_BATCH: i64 = 500;
/// How many conversations a report works out before it reads (the job does the rest).
const REPORT_CATCH_UP: usize = 5_000;
/// The longest range one report covers.
pub const MAX_RANGE_DAYS: i64 = 400;
/// The longest range grouped by hour.
pub const MAX_HOURLY_DAYS: i64 = 31;
const DAY_MS: i64 = 86_400_000;

#[derive(Serialize, Deserialize)]
struct RollupJob {}

/// How a report groups its episodes.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum AnalyticsGrouping {
    Hour,
    #[default]
    Day,
    /// Weeks starting on Monday.
    Week,
    Month,
    /// 0 to 23, in the report's time zone.
    HourOfDay,
    /// 1 (Monday) to 7 (Sunday), in the report's time zone.
    DayOfWeek,
    Agent,
    Department,
    Website,
    Channel,
    /// A conversation with several tags is in each of their groups (so these groups do
    /// not add up to the totals); one without any is in the group with the key "".
    Tag,
}

/// Where a conversation took place.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnalyticsChannel {
    /// The chat widget (or the API).
    Chat,
    /// Answered by email: the visitor left while nobody was available, or asked for it.
    Email,
}

impl AnalyticsChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            AnalyticsChannel::Chat => "chat",
            AnalyticsChannel::Email => "email",
        }
    }
}

/// A report's question.
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    pub from: i64,
    pub to: i64,
    /// IANA; the organization's when `None`.
    pub time_zone: Option<String>,
    pub group_by: AnalyticsGrouping,
    pub business_hours: bool,
    pub websites: Vec<String>,
    pub departments: Vec<String>,
    pub agents: Vec<String>,
    pub channels: Vec<AnalyticsChannel>,
    pub tags: Vec<String>,
}

/// Conversions in a group (docs/analytics.md#conversion-reports).
#[derive(Debug, Clone, Default)]
pub struct ConversionFigures {
    pub conversions: i64,
    pub chat_assisted: i64,
    pub visitors_who_chatted: i64,
    /// Of those visitors, how many had a chat-assisted conversion.
    pub converted_visitors: i64,
    /// Chat-assisted revenue per currency, in minor units.
    pub revenue: BTreeMap<String, i64>,
}

impl ConversionFigures {
    pub fn rate(&self) -> Option<f64> {
        (self.visitors_who_chatted > 0).then(|| self.converted_visitors as f64 / self.visitors_who_chatted as f64)
    }
}

#[derive(Default)]
struct Acc {
    figures: Figures,
    conversions: ConversionFigures,
    chatted: HashSet<String>,
    converted: HashSet<String>,
}

impl Acc {
    fn finish(mut self) -> GroupFigures {
        self.conversions.visitors_who_chatted = self.chatted.len() as i64;
        self.conversions.converted_visitors = self.converted.intersection(&self.chatted).count() as i64;
        GroupFigures { figures: self.figures, conversions: self.conversions }
    }
}

#[derive(Debug, Clone, Default)]
pub struct GroupFigures {
    pub figures: Figures,
    pub conversions: ConversionFigures,
}

#[derive(Debug, Clone)]
pub struct ReportGroup {
    /// The group's key: an id, a tag, a channel, an hour or day number, or the start of
    /// a period as a local date(-time).
    pub key: String,
    pub label: String,
    /// A period's start (unix ms), for groupings by time.
    pub start: Option<i64>,
    pub figures: GroupFigures,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub query: ReportQuery,
    pub time_zone: String,
    /// Facts include every change committed before this (unix ms).
    pub computed_at: i64,
    pub totals: GroupFigures,
    pub groups: Vec<ReportGroup>,
}

/// A period's key and start for a bucket, in the report's zone.
fn period(tz: &jiff::tz::TimeZone, g: AnalyticsGrouping, bucket: i64) -> Option<(String, Option<i64>)> {
    let z = jiff::Timestamp::from_millisecond(bucket).ok()?.to_zoned(tz.clone());
    let start = |d: jiff::civil::DateTime| d.to_zoned(tz.clone()).ok().map(|z| z.timestamp().as_millisecond());
    Some(match g {
        AnalyticsGrouping::Hour => {
            let d = z.datetime().with().minute(0).second(0).subsec_nanosecond(0).build().ok()?;
            (d.strftime("%Y-%m-%dT%H:00").to_string(), start(d))
        }
        AnalyticsGrouping::Day => (z.date().to_string(), start(z.date().to_datetime(jiff::civil::Time::midnight()))),
        AnalyticsGrouping::Week => {
            let monday = z.date().checked_sub(jiff::Span::new().days(z.date().weekday().to_monday_zero_offset() as i64)).ok()?;
            (monday.to_string(), start(monday.to_datetime(jiff::civil::Time::midnight())))
        }
        AnalyticsGrouping::Month => {
            let first = z.date().first_of_month();
            (first.strftime("%Y-%m").to_string(), start(first.to_datetime(jiff::civil::Time::midnight())))
        }
        AnalyticsGrouping::HourOfDay => (z.hour().to_string(), None),
        AnalyticsGrouping::DayOfWeek => (z.date().weekday().to_monday_one_offset().to_string(), None),
        _ => return None,
    })
}

fn store_failed(e: StoreError) -> (String, bool) {
    (format!("store: {e:?}"), false)
}

impl App {
    /// Schedules the next rollup (idempotent: one job per minute, whichever node).
    pub async fn schedule_analytics(&self) -> ApiResult<()> {
        let at = self.jobs.now() - self.jobs.now().rem_euclid(ROLLUP_EVERY_MS) + ROLLUP_EVERY_MS;
        let job = self.jobs.job_at(ANALYTICS_ROLLUP, None, &RollupJob {}, at);
        self.jobs.schedule(job, &format!("analytics:{}", at / ROLLUP_EVERY_MS)).await?;
        Ok(())
    }

    /// Brings every organization's facts up to date, then schedules the next run.
    pub(super) async fn run_analytics_rollup(&self, _job: JobRow) -> Outcome {
        self.schedule_analytics().await.map_err(|e| (format!("{e:?}"), false))?;
        let mut after: Option<String> = None;
        loop {
            let orgs = self.store.orgs_to_roll_up(OVERLAP_MS, after.as_deref(), 200).await.map_err(store_failed)?;
            for org in &orgs {
                self.roll_up(org, usize::MAX).await.map_err(store_failed)?;
            }
            match orgs.last() {
                Some(last) if orgs.len() == 200 => after = Some(last.clone()),
                _ => return Ok(()),
            }
        }
    }

    /// Works out the facts of the organization's conversations changed since the last
    /// rollup, at most `max` of them; whether it caught up.
    pub async fn roll_up(&self, org_id: &str, max: usize) -> Result<bool, StoreError> {
        let _turn = self.analytics_turn(org_id).await;
        let mut through = self.store.analytics_progress(org_id).await?;
        let mut done = 0;
        let mut hours: HashMap<String, Option<BusinessHours>> = HashMap::new();
        loop {
            let changed = self.store.changed_conversations(org_id, through - OVERLAP_MS, ROLLUP_BATCH).await?;
            if changed.is_empty() {
                return Ok(true);
            }
            let ids: Vec<String> = changed.iter().map(|(id, _)| id.clone()).collect();
            let (convs, messages, history) = self.store.rollup_inputs(org_id, &ids).await?;
            let mut by_conv: HashMap<&str, Vec<rules::Message>> = HashMap::new();
            for m in &messages {
                let Ok(kind) = SenderKind::from_db(&m.sender_kind) else { continue };
                let mood = m.body.as_deref().map(crate::domain::signals::sentiment_of);
                by_conv.entry(m.conversation_id.as_str()).or_default().push(rules::Message {
                    at: m.created_at,
                    kind,
                    is_private: m.is_private,
                    sender_id: m.sender_id.clone(),
                    negative: mood.is_some_and(|s| s.angry || s.label() == "negative"),
                    angry: mood.is_some_and(|s| s.angry),
                });
            }
            let mut lives: HashMap<&str, Vec<Lifecycle>> = HashMap::new();
            for h in &history {
                let e = if h.event == "resolved" { Lifecycle::Resolved(h.at) } else { Lifecycle::Reopened(h.at) };
                lives.entry(h.conversation_id.as_str()).or_default().push(e);
            }
            let mut out = Vec::with_capacity(convs.len());
            for c in &convs {
                if !hours.contains_key(&c.website_id) {
                    let h = match self.store.website(org_id, &c.website_id).await {
                        Ok(w) => self.website_hours(&w).await.ok().flatten(),
                        Err(StoreError::NotFound) => None,
                        Err(e) => return Err(e),
                    };
                    hours.insert(c.website_id.clone(), h);
                }
                let conv = rules::Conversation {
                    created_at: c.created_at,
                    status: ConversationStatus::from_db(&c.status).unwrap_or(ConversationStatus::Open),
                    resolved_at: c.resolved_at,
                    assignee_id: c.assignee_id.clone(),
                    assigned_at: c.assigned_at,
                    rating: c.rating,
                    rating_comment: c.rating_comment.as_deref().is_some_and(|t| !t.trim().is_empty()),
                    rated_at: c.rated_at,
                };
                let facts = rules::episodes(
                    &conv,
                    by_conv.get(c.id.as_str()).map_or(&[][..], |v| v),
                    lives.get(c.id.as_str()).map_or(&[][..], |v| v),
                    hours[&c.website_id].as_ref(),
                );
                let channel = if c.is_offline { AnalyticsChannel::Email } else { AnalyticsChannel::Chat };
                let rows = facts
                    .into_iter()
                    .map(|f| FactRow {
                        conversation_id: c.id.clone(),
                        episode: f.episode,
                        org_id: c.org_id.clone(),
                        website_id: c.website_id.clone(),
                        visitor_id: c.visitor_id.clone(),
                        department_id: c.department_id.clone(),
                        agent_id: f.agent_id,
                        channel: channel.as_str().to_owned(),
                        started_at: f.started_at,
                        bucket: bucket_of(f.started_at),
                        visitor_messages: f.visitor_messages,
                        agent_messages: f.agent_messages,
                        bot_messages: f.bot_messages,
                        first_visitor_at: f.first_visitor_at,
                        first_response_ms: f.first_response_ms,
                        first_response_bh_ms: f.first_response_bh_ms,
                        responses: f.responses,
                        response_ms: f.response_ms,
                        response_bh_ms: f.response_bh_ms,
                        response_bins: serde_json::to_string(&f.response_bins).expect("bins serialize"),
                        response_bh_bins: serde_json::to_string(&f.response_bh_bins).expect("bins serialize"),
                        wait_ms: f.wait_ms,
                        resolved_at: f.resolved_at,
                        resolution_ms: f.resolution_ms,
                        resolution_bh_ms: f.resolution_bh_ms,
                        rating: f.rating,
                        rating_comment: f.rating_comment,
                        source_updated_at: c.updated_at,
                        negative_messages: f.negative_messages,
                        angry_messages: f.angry_messages,
                    })
                    .collect();
                out.push((c.id.clone(), c.updated_at, rows));
            }
            let found: HashSet<&str> = convs.iter().map(|c| c.id.as_str()).collect();
            let gone: Vec<String> = ids.iter().filter(|id| !found.contains(id.as_str())).cloned().collect();
            self.store.replace_facts(&out, &gone).await?;
            let newest = changed.iter().map(|(_, at)| *at).max().unwrap_or(through);
            if newest > through {
                through = newest;
                self.store.set_analytics_progress(org_id, through).await?;
            }
            done += changed.len();
            if done >= max {
                return Ok(false);
            }
        }
    }

    /// One rollup, or one report's scan, at a time per organization on this node (another
    /// node's rollup may run beside it: an older reading never replaces a newer one).
    async fn analytics_turn(&self, org_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.analytics_locks.lock().expect("analytics locks");
            if locks.len() > 10_000 {
                locks.retain(|_, l| std::sync::Arc::strong_count(l) > 1);
            }
            locks.entry(org_id.to_owned()).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// The organization whose reports `p` may read: owners and admins, and API keys with
    /// `analytics:read`.
    pub fn analytics_reader(p: &Principal) -> ApiResult<&str> {
        match p {
            Principal::Agent(a) if a.role.is_admin() => Ok(a.org_id.as_str()),
            Principal::ApiKey(k) if k.scopes.has(ApiKeyScope::AnalyticsRead) => Ok(k.org_id.as_str()),
            Principal::ApiKey(_) => Err(ApiError::Forbidden("this API key does not have the scope analytics:read")),
            _ => Err(ApiError::Forbidden("reports are for owners and admins")),
        }
    }

    /// Checks a report's question, brings the facts up to date, and answers the
    /// organization and the filter to read with.
    async fn report_start(&self, p: &Principal, q: &ReportQuery) -> ApiResult<(String, jiff::tz::TimeZone, String, FactFilter)> {
        let org_id = Self::analytics_reader(p)?.to_owned();
        if q.to <= q.from {
            return Err(ApiError::BadInput("`to` must be after `from`".into()));
        }
        if q.to - q.from > MAX_RANGE_DAYS * DAY_MS {
            return Err(ApiError::BadInput(format!("a report covers at most {MAX_RANGE_DAYS} days")));
        }
        if q.group_by == AnalyticsGrouping::Hour && q.to - q.from > MAX_HOURLY_DAYS * DAY_MS {
            return Err(ApiError::BadInput(format!("group by HOUR over at most {MAX_HOURLY_DAYS} days")));
        }
        for (name, n) in [
            ("websiteIds", q.websites.len()),
            ("departmentIds", q.departments.len()),
            ("agentIds", q.agents.len()),
            ("tags", q.tags.len()),
            ("channels", q.channels.len()),
        ] {
            if n > 50 {
                return Err(ApiError::BadInput(format!("at most 50 {name}")));
            }
        }
        let zone = match &q.time_zone {
            Some(z) => z.trim().to_owned(),
            None => self.store.schedule(&org_id).await?.time_zone,
        };
        let tz = jiff::tz::TimeZone::get(&zone).map_err(|_| ApiError::BadInput(format!("'{zone}' is not an IANA time zone like Europe/Oslo")))?;
        // Reports are heavier than most calls: 60 a minute per organization.
        self.limit(&format!("analytics:{org_id}"), Quota::per_window(60, Duration::from_secs(60))).await?;
        self.roll_up(&org_id, REPORT_CATCH_UP).await?;
        // A key limited to some websites reads those alone.
        let websites = match p {
            Principal::ApiKey(k) => match &k.websites {
                Some(allowed) if q.websites.is_empty() => allowed.to_vec(),
                Some(allowed) => q.websites.iter().filter(|w| allowed.contains(w)).cloned().chain(["".to_owned()]).collect(),
                None => q.websites.clone(),
            },
            _ => q.websites.clone(),
        };
        let filter = FactFilter {
            from: q.from,
            to: q.to,
            websites,
            departments: q.departments.clone(),
            agents: q.agents.clone(),
            channels: q.channels.iter().map(|c| c.as_str().to_owned()).collect(),
            tags: q.tags.clone(),
        };
        Ok((org_id, tz, zone, filter))
    }

    /// A report (docs/analytics.md): totals and groups over the episodes started in the range.
    pub async fn analytics_report(&self, p: &Principal, q: ReportQuery) -> ApiResult<Report> {
        let (org_id, tz, zone, filter) = self.report_start(p, &q).await?;
        // One report at a time per organization on this node: a year's report holds its
        // visitors and groups in memory, and 50 aliases in one request must not hold 50.
        let _turn = self.analytics_turn(&org_id).await;
        let now = crate::time::now_ms();
        let g = q.group_by;
        let tags: HashMap<String, Vec<String>> = if g == AnalyticsGrouping::Tag {
            let mut m: HashMap<String, Vec<String>> = HashMap::new();
            for (c, t) in self.store.fact_tags(&org_id, &filter).await? {
                m.entry(c).or_default().push(t);
            }
            m
        } else {
            HashMap::new()
        };
        let mut totals = Acc::default();
        let mut groups: BTreeMap<String, (Option<i64>, Acc)> = BTreeMap::new();
        let mut periods: HashMap<i64, Option<(String, Option<i64>)>> = HashMap::new();
        let mut key_of_time = |at: i64| periods.entry(bucket_of(at)).or_insert_with(|| period(&tz, g, bucket_of(at))).clone();
        let bh = q.business_hours;
        self.store
            .each_fact(&org_id, &filter, |f| {
                let add = |acc: &mut Acc| {
                    acc.figures.add(&fact_of(f), bh, now);
                    acc.chatted.insert(f.visitor_id.clone());
                };
                add(&mut totals);
                let keys: Vec<(String, Option<i64>)> = match g {
                    AnalyticsGrouping::Agent => vec![(f.agent_id.clone().unwrap_or_default(), None)],
                    AnalyticsGrouping::Department => vec![(f.department_id.clone().unwrap_or_default(), None)],
                    AnalyticsGrouping::Website => vec![(f.website_id.clone(), None)],
                    AnalyticsGrouping::Channel => vec![(f.channel.clone(), None)],
                    AnalyticsGrouping::Tag => match tags.get(&f.conversation_id) {
                        Some(ts) => ts.iter().map(|t| (t.clone(), None)).collect(),
                        None => vec![(String::new(), None)],
                    },
                    _ => key_of_time(f.started_at).into_iter().collect(),
                };
                for (key, start) in keys {
                    add(&mut groups.entry(key).or_insert_with(|| (start, Acc::default())).1);
                }
            })
            .await?;
        self.store
            .each_report_conversion(&org_id, &filter, |c| {
                let key = match g {
                    AnalyticsGrouping::Agent => Some((c.agent_id.clone().unwrap_or_default(), None)),
                    AnalyticsGrouping::Department => Some((c.department_id.clone().unwrap_or_default(), None)),
                    AnalyticsGrouping::Website => Some((c.website_id.clone(), None)),
                    // Conversions have no channel or tag of their own.
                    AnalyticsGrouping::Channel | AnalyticsGrouping::Tag => None,
                    _ => key_of_time(c.occurred_at),
                };
                let add = |acc: &mut Acc| {
                    let x = &mut acc.conversions;
                    x.conversions += 1;
                    if c.conversation_id.is_some() {
                        x.chat_assisted += 1;
                        acc.converted.insert(c.visitor_id.clone());
                        if let (true, Some(v), Some(cur)) = (c.counts_as_revenue, c.value_minor, &c.currency) {
                            *x.revenue.entry(cur.clone()).or_default() += v;
                        }
                    }
                };
                add(&mut totals);
                if let Some((key, start)) = key {
                    add(&mut groups.entry(key).or_insert_with(|| (start, Acc::default())).1);
                }
            })
            .await?;
        let labels = self.group_labels(&org_id, g).await?;
        let mut groups: Vec<ReportGroup> = groups
            .into_iter()
            .map(|(key, (start, acc))| ReportGroup { label: labels.get(&key).cloned().unwrap_or_else(|| label_of(g, &key)), key, start, figures: acc.finish() })
            .collect();
        if matches!(g, AnalyticsGrouping::HourOfDay | AnalyticsGrouping::DayOfWeek) {
            groups.sort_by_key(|x| x.key.parse::<u32>().unwrap_or(0));
        } else if groups.iter().all(|x| x.start.is_some()) {
            groups.sort_by_key(|x| x.start);
        }
        Ok(Report { query: q, time_zone: zone, computed_at: now, totals: totals.finish(), groups })
    }

    /// Names for groups by agent, department and website.
    async fn group_labels(&self, org_id: &str, g: AnalyticsGrouping) -> ApiResult<HashMap<String, String>> {
        Ok(match g {
            AnalyticsGrouping::Agent => self.store.agents(org_id).await?.into_iter().map(|a| (a.id, a.name)).collect(),
            AnalyticsGrouping::Department => self.store.departments(org_id).await?.into_iter().map(|d| (d.id, d.name)).collect(),
            AnalyticsGrouping::Website => self.store.websites(org_id).await?.into_iter().map(|w| (w.id, w.name)).collect(),
            _ => HashMap::new(),
        })
    }
}

fn label_of(g: AnalyticsGrouping, key: &str) -> String {
    const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    match g {
        AnalyticsGrouping::Agent if key.is_empty() => "Nobody".into(),
        AnalyticsGrouping::Department if key.is_empty() => "No department".into(),
        AnalyticsGrouping::Tag if key.is_empty() => "No tag".into(),
        AnalyticsGrouping::Channel => if key == "email" { "Email" } else { "Chat" }.into(),
        AnalyticsGrouping::HourOfDay => format!("{key:0>2}:00"),
        AnalyticsGrouping::DayOfWeek => key.parse::<usize>().ok().and_then(|d| DAYS.get(d.wrapping_sub(1))).map_or(key.to_owned(), |d| (*d).to_owned()),
        _ => key.to_owned(),
    }
}

/// A stored fact as the rules' `Fact`.
pub fn fact_of(f: &FactRow) -> rules::Fact {
    let bins = |s: &str| if s == "{}" { Hist::default() } else { serde_json::from_str::<Hist>(s).unwrap_or_default() };
    rules::Fact {
        episode: f.episode,
        started_at: f.started_at,
        agent_id: f.agent_id.clone(),
        visitor_messages: f.visitor_messages,
        agent_messages: f.agent_messages,
        bot_messages: f.bot_messages,
        first_visitor_at: f.first_visitor_at,
        first_response_ms: f.first_response_ms,
        first_response_bh_ms: f.first_response_bh_ms,
        responses: f.responses,
        response_ms: f.response_ms,
        response_bh_ms: f.response_bh_ms,
        response_bins: bins(&f.response_bins),
        response_bh_bins: bins(&f.response_bh_bins),
        wait_ms: f.wait_ms,
        resolved_at: f.resolved_at,
        resolution_ms: f.resolution_ms,
        resolution_bh_ms: f.resolution_bh_ms,
        rating: f.rating,
        rating_comment: f.rating_comment,
        negative_messages: f.negative_messages,
        angry_messages: f.angry_messages,
    }
}

/// Seconds, to the millisecond, from ms.
pub fn seconds(ms: Option<f64>) -> Option<f64> {
    ms.map(|v| (v).round() / 1000.0)
}

/// How many episodes one per-conversation export holds at most (narrow the range for more).
pub const MAX_EXPORT_ROWS: usize = 1_000_000;
const EXPORT_PAGE: i64 = 5_000;

fn cell_f(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_default()
}

fn duration_cells(d: &rules::Durations) -> [String; 4] {
    [d.count.to_string(), cell_f(seconds(d.average_ms())), cell_f(seconds(d.hist.quantile(0.5))), cell_f(seconds(d.hist.quantile(0.9)))]
}

fn csv_line(cells: &[String]) -> String {
    let mut line = cells.iter().map(|c| super::accounts::csv_field(c)).collect::<Vec<_>>().join(",");
    line.push('\n');
    line
}

/// The report CSV's header.
pub const REPORT_CSV_HEADER: &str = "group,label,start,conversations,reopened,episodes,missed,resolved,messages,messages_per_conversation,\
first_response_count,first_response_avg_s,first_response_p50_s,first_response_p90_s,\
response_count,response_avg_s,response_p50_s,response_p90_s,\
resolution_count,resolution_avg_s,resolution_p50_s,resolution_p90_s,\
wait_count,wait_avg_s,wait_p50_s,wait_p90_s,\
csat_ratings,csat_average,csat_1,csat_2,csat_3,csat_4,csat_5,csat_response_rate,csat_comments,\
conversions,chat_assisted,visitors_who_chatted,converted_visitors,conversion_rate,revenue,\
negative,angry,negative_messages\n";

fn report_row(key: &str, label: &str, start: Option<i64>, g: &GroupFigures) -> String {
    let f = &g.figures;
    let c = &g.conversions;
    let mut cells = vec![
        key.to_owned(),
        label.to_owned(),
        start.map(crate::time::rfc3339).unwrap_or_default(),
        f.conversations.to_string(),
        f.reopened.to_string(),
        f.episodes().to_string(),
        f.missed.to_string(),
        f.resolved.to_string(),
        f.messages().to_string(),
        cell_f((f.episodes() > 0).then(|| f.messages() as f64 / f.episodes() as f64)),
    ];
    for d in [&f.first_response, &f.response, &f.resolution, &f.wait] {
        cells.extend(duration_cells(d));
    }
    cells.push(f.rated().to_string());
    cells.push(cell_f(f.csat_average()));
    cells.extend(f.ratings.iter().map(|n| n.to_string()));
    cells.push(cell_f(f.csat_response_rate()));
    cells.push(f.comments.to_string());
    cells.extend([c.conversions, c.chat_assisted, c.visitors_who_chatted, c.converted_visitors].map(|n| n.to_string()));
    cells.push(cell_f(c.rate()));
    cells.push(c.revenue.iter().map(|(cur, v)| format!("{cur} {}", crate::domain::conversions::Currency::major(cur, *v))).collect::<Vec<_>>().join("; "));
    cells.extend([f.negative, f.angry, f.negative_messages].map(|n| n.to_string()));
    csv_line(&cells)
}

/// The per-conversation CSV's header.
pub const CONVERSATIONS_CSV_HEADER: &str = "conversation_id,episode,started_at,website,department,agent,channel,\
visitor_messages,agent_messages,bot_messages,first_response_s,responses,response_avg_s,resolution_s,wait_s,resolved_at,missed,rating,rating_comment,tags,\
website_id,department_id,agent_id,negative_messages,angry_messages\n";

impl App {
    /// A report as CSV (docs/analytics.md#csv): a `total` row, then one per group.
    pub async fn analytics_report_csv(&self, p: &Principal, q: ReportQuery) -> ApiResult<String> {
        let report = self.analytics_report(p, q).await?;
        let mut out = String::from(REPORT_CSV_HEADER);
        out.push_str(&report_row("total", "Total", None, &report.totals));
        for g in &report.groups {
            out.push_str(&report_row(&g.key, &g.label, g.start, &g.figures));
        }
        Ok(out)
    }

    /// One row per episode (docs/analytics.md#csv), streamed page by page in start
    /// order; times in the report's time zone. Checked before the first byte.
    pub async fn analytics_conversations_csv(
        self: &std::sync::Arc<Self>,
        p: &Principal,
        q: ReportQuery,
    ) -> ApiResult<impl futures_util::Stream<Item = Result<String, StoreError>> + Send + 'static> {
        let (org_id, tz, _, filter) = self.report_start(p, &q).await?;
        let org = Self::analytics_reader(p)?.to_owned();
        self.limit(&format!("analytics-export:{org}"), Quota::per_window(30, Duration::from_secs(3600))).await?;
        let names: HashMap<String, String> = [AnalyticsGrouping::Agent, AnalyticsGrouping::Department, AnalyticsGrouping::Website]
            .into_iter()
            .map(|g| self.group_labels(&org_id, g))
            .collect::<futures_util::future::TryJoinAll<_>>()
            .await?
            .into_iter()
            .flatten()
            .collect();
        let app = self.clone();
        let now = crate::time::now_ms();
        Ok(async_stream::try_stream! {
            yield CONVERSATIONS_CSV_HEADER.to_owned();
            let mut after: Option<(i64, String, i64)> = None;
            let mut sent = 0;
            while sent < MAX_EXPORT_ROWS {
                let page = app.store.facts_page(&org_id, &filter, after.as_ref(), EXPORT_PAGE).await?;
                let Some(last) = page.last() else { break };
                after = Some((last.started_at, last.conversation_id.clone(), last.episode));
                let ids: Vec<String> = page.iter().map(|f| f.conversation_id.clone()).collect();
                let mut tags: HashMap<String, Vec<String>> = HashMap::new();
                for (c, t) in app.store.tags_of(&org_id, &ids).await? {
                    tags.entry(c).or_default().push(t);
                }
                let local = |ms: i64| jiff::Timestamp::from_millisecond(ms).map(|t| t.to_zoned(tz.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()).unwrap_or_default();
                let name = |id: &Option<String>| id.as_ref().map(|i| names.get(i).cloned().unwrap_or_else(|| i.clone())).unwrap_or_default();
                let mut chunk = String::with_capacity(page.len() * 160);
                for f in &page {
                    let fact = fact_of(f);
                    let secs = |ms: Option<i64>| cell_f(seconds(ms.map(|v| v as f64)));
                    chunk.push_str(&csv_line(&[
                        f.conversation_id.clone(),
                        f.episode.to_string(),
                        local(f.started_at),
                        names.get(&f.website_id).cloned().unwrap_or_else(|| f.website_id.clone()),
                        name(&f.department_id),
                        name(&f.agent_id),
                        f.channel.clone(),
                        f.visitor_messages.to_string(),
                        f.agent_messages.to_string(),
                        f.bot_messages.to_string(),
                        secs(f.first_response_ms),
                        f.responses.to_string(),
                        cell_f(seconds((f.responses > 0).then(|| f.response_ms as f64 / f.responses as f64))),
                        secs(f.resolution_ms),
                        secs(f.wait_ms),
                        f.resolved_at.map(local).unwrap_or_default(),
                        if rules::is_missed(&fact, now) { "yes" } else { "no" }.to_owned(),
                        f.rating.map(|r| r.to_string()).unwrap_or_default(),
                        if f.rating_comment { "yes" } else { "" }.to_owned(),
                        tags.get(&f.conversation_id).map(|t| t.join("; ")).unwrap_or_default(),
                        f.website_id.clone(),
                        f.department_id.clone().unwrap_or_default(),
                        f.agent_id.clone().unwrap_or_default(),
                        f.negative_messages.to_string(),
                        f.angry_messages.to_string(),
                    ]));
                }
                sent += page.len();
                yield chunk;
                if (page.len() as i64) < EXPORT_PAGE {
                    break;
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn periods_are_local_across_a_daylight_saving_change_and_half_hour_zones() {
        let oslo = jiff::tz::TimeZone::get("Europe/Oslo").unwrap();
        // Oslo leaves summer time on 2026-10-25 at 03:00 local (01:00 UTC): that local
        // day is 25 hours long, 22:00 UTC on the 24th to 23:00 UTC on the 25th.
        let day = |s: &str| period(&oslo, AnalyticsGrouping::Day, bucket_of(at(s))).unwrap();
        assert_eq!(day("2026-10-24T21:59:00Z").0, "2026-10-24");
        assert_eq!(day("2026-10-24T22:00:00Z"), ("2026-10-25".to_owned(), Some(at("2026-10-24T22:00:00Z"))));
        assert_eq!(day("2026-10-25T22:59:00Z").0, "2026-10-25", "the 25th has 25 hours");
        assert_eq!(day("2026-10-25T23:00:00Z").0, "2026-10-26");
        let hour = |s: &str| period(&oslo, AnalyticsGrouping::HourOfDay, bucket_of(at(s))).unwrap().0;
        assert_eq!(hour("2026-10-25T00:30:00Z"), "2", "02:30 summer time");
        assert_eq!(hour("2026-10-25T01:30:00Z"), "2", "02:30 again, winter time");
        // Kathmandu is UTC+5:45: its days start at 18:15 UTC, a 15-minute bucket's edge.
        let ktm = jiff::tz::TimeZone::get("Asia/Kathmandu").unwrap();
        let d = period(&ktm, AnalyticsGrouping::Day, bucket_of(at("2026-12-06T18:15:00Z"))).unwrap();
        assert_eq!(d, ("2026-12-07".to_owned(), Some(at("2026-12-06T18:15:00Z"))));
        assert_eq!(period(&ktm, AnalyticsGrouping::Day, bucket_of(at("2026-12-06T18:14:59Z"))).unwrap().0, "2026-12-06");
        let week = period(&ktm, AnalyticsGrouping::Week, bucket_of(at("2026-12-06T18:15:00Z"))).unwrap();
        assert_eq!(week.0, "2026-12-07", "a Monday");
        assert_eq!(period(&ktm, AnalyticsGrouping::Month, bucket_of(at("2026-12-06T18:15:00Z"))).unwrap().0, "2026-12");
        assert_eq!(period(&ktm, AnalyticsGrouping::DayOfWeek, bucket_of(at("2026-12-06T18:15:00Z"))).unwrap().0, "1");
    }

    #[test]
    fn a_report_row_defuses_formulas_and_lists_revenue_per_currency() {
        let mut g = GroupFigures::default();
        g.conversions.revenue.insert("EUR".into(), 12050);
        g.conversions.revenue.insert("JPY".into(), 500);
        let row = report_row("=1+1", "@me", None, &g);
        assert!(row.starts_with("'=1+1,'@me,,0,"), "{row}");
        assert!(row.trim_end().ends_with("EUR 120.5; JPY 500,0,0,0"), "{row}");
        assert_eq!(row.split(',').count(), REPORT_CSV_HEADER.split(',').count());
    }
}

/// An agent's work now (the operations view).
#[derive(Debug, Clone)]
pub struct AgentNow {
    pub agent: crate::store::AgentRow,
    pub connected: bool,
    pub open: i64,
    pub pending: i64,
    /// The agent's capacity, or the organization's default.
    pub capacity: i64,
}

/// The operations view (docs/analytics.md#operations-now): the queue and the team now,
/// and today's figures so far.
#[derive(Debug, Clone)]
pub struct OperationsNow {
    pub at: i64,
    pub waiting: i64,
    pub oldest_waiting_since: Option<i64>,
    pub agents: Vec<AgentNow>,
    /// Today's report, since midnight in the organization's time zone.
    pub today: Report,
}

impl App {
    pub async fn operations_now(&self, p: &Principal) -> ApiResult<OperationsNow> {
        let org_id = Self::analytics_reader(p)?.to_owned();
        let zone = self.store.schedule(&org_id).await?.time_zone;
        let tz = jiff::tz::TimeZone::get(&zone).unwrap_or(jiff::tz::TimeZone::UTC);
        let now = crate::time::now_ms();
        let midnight = jiff::Timestamp::from_millisecond(now)
            .ok()
            .and_then(|t| t.to_zoned(tz).start_of_day().ok())
            .map_or(now - now.rem_euclid(DAY_MS), |z| z.timestamp().as_millisecond());
        let today = self
            .analytics_report(
                p,
                ReportQuery { from: midnight, to: now + 1, time_zone: Some(zone), group_by: AnalyticsGrouping::HourOfDay, ..Default::default() },
            )
            .await?;
        let (waiting, oldest_waiting_since) = self.store.queue_summary(&org_id, None).await?;
        let default_capacity = self.store.routing_settings(&org_id).await?.default_capacity;
        let loads: HashMap<String, (i64, i64)> = self.store.agent_loads(&org_id).await?.into_iter().map(|(id, o, p)| (id, (o, p))).collect();
        let mut agents = Vec::new();
        for a in self.store.agents(&org_id).await? {
            let (open, pending) = loads.get(&a.id).copied().unwrap_or_default();
            let connected = self.presence.agent_connected(&a.id).await;
            let capacity = if a.capacity > 0 { a.capacity } else { default_capacity };
            agents.push(AgentNow { agent: a, connected, open, pending, capacity });
        }
        Ok(OperationsNow { at: now, waiting, oldest_waiting_since, agents, today })
    }
}
