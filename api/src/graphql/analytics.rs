//! Reports (docs/analytics.md): owners, admins and API keys with `ANALYTICS_READ`.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::guards::{Allow, Scope};
use super::types::DateTime;
use super::{ContextExt as _, GqlResult};
use crate::app::analytics::{AgentNow, AnalyticsChannel, AnalyticsGrouping, GroupFigures, OperationsNow, Report, ReportGroup, ReportQuery};
use crate::domain::analytics::Durations;
use crate::domain::conversions::Currency;

/// A report's question: episodes started in `[from, to)`, narrowed by the filters (each
/// list matches any of its values; an absent or empty one filters nothing).
#[derive(InputObject)]
pub struct AnalyticsInput {
    /// The range's start (inclusive).
    pub from: DateTime,
    /// The range's end (exclusive); at most 400 days after `from` (31 when grouped by hour).
    pub to: DateTime,
    /// The IANA time zone days, weeks, months and hours are read in; the organization's
    /// (`schedule.timeZone`) when absent.
    pub time_zone: Option<String>,
    #[graphql(default)]
    pub group_by: AnalyticsGrouping,
    /// Times count only within the websites' business hours (and not on holidays).
    #[graphql(default)]
    pub business_hours_only: bool,
    pub website_ids: Option<Vec<ID>>,
    pub department_ids: Option<Vec<ID>>,
    pub agent_ids: Option<Vec<ID>>,
    pub channels: Option<Vec<AnalyticsChannel>>,
    pub tags: Option<Vec<String>>,
}

impl AnalyticsInput {
    pub fn into_query(self) -> ReportQuery {
        let ids = |v: Option<Vec<ID>>| v.unwrap_or_default().into_iter().map(|i| i.0).collect();
        ReportQuery {
            from: self.from.0,
            to: self.to.0,
            time_zone: self.time_zone,
            group_by: self.group_by,
            business_hours: self.business_hours_only,
            websites: ids(self.website_ids),
            departments: ids(self.department_ids),
            agents: ids(self.agent_ids),
            channels: self.channels.unwrap_or_default(),
            tags: self.tags.unwrap_or_default(),
        }
    }
}

pub struct AnalyticsReport(pub Report);

/// Figures over a range (docs/analytics.md defines each), in total and per group.
#[Object]
impl AnalyticsReport {
    async fn from(&self) -> DateTime {
        DateTime(self.0.query.from)
    }
    async fn to(&self) -> DateTime {
        DateTime(self.0.query.to)
    }
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    async fn group_by(&self) -> AnalyticsGrouping {
        self.0.query.group_by
    }
    async fn business_hours_only(&self) -> bool {
        self.0.query.business_hours
    }
    /// Every change committed before this is counted.
    async fn computed_at(&self) -> DateTime {
        DateTime(self.0.computed_at)
    }
    async fn totals(&self) -> AnalyticsFigures<'_> {
        AnalyticsFigures(&self.0.totals)
    }
    /// The groups with at least one episode or conversion, in time or key order (groups
    /// by time: periods without any are left out).
    async fn groups(&self) -> Vec<AnalyticsGroup<'_>> {
        self.0.groups.iter().map(AnalyticsGroup).collect()
    }
}

pub struct AnalyticsGroup<'a>(&'a ReportGroup);

#[Object]
impl AnalyticsGroup<'_> {
    /// An agent's, department's or website's id (`""`: none), a tag, `chat` or `email`,
    /// an hour (0-23) or a weekday (1 Monday to 7 Sunday), or a period's local start
    /// (`2026-12-07`, `2026-12` for a month, `2026-12-07T14:00` for an hour).
    async fn key(&self) -> &str {
        &self.0.key
    }
    /// A name to show: the agent's, department's or website's, `Monday`, `14:00`...
    async fn label(&self) -> &str {
        &self.0.label
    }
    /// A period's start, for groupings by time.
    async fn start(&self) -> Option<DateTime> {
        self.0.start.map(DateTime)
    }
    async fn figures(&self) -> AnalyticsFigures<'_> {
        AnalyticsFigures(&self.0.figures)
    }
}

pub struct AnalyticsFigures<'a>(&'a GroupFigures);

#[Object]
impl AnalyticsFigures<'_> {
    /// New conversations started.
    async fn conversations(&self) -> i64 {
        self.0.figures.conversations
    }
    /// Resolved conversations reopened (each reopening is an episode of its own).
    async fn reopened(&self) -> i64 {
        self.0.figures.reopened
    }
    /// `conversations + reopened`: what the per-episode figures are out of.
    async fn episodes(&self) -> i64 {
        self.0.figures.episodes()
    }
    /// Episodes whose visitor got no person's reply within an hour.
    async fn missed(&self) -> i64 {
        self.0.figures.missed
    }
    async fn resolved(&self) -> i64 {
        self.0.figures.resolved
    }
    /// Public messages of visitors, agents and bots (notes and system lines are not).
    async fn messages(&self) -> i64 {
        self.0.figures.messages()
    }
    async fn visitor_messages(&self) -> i64 {
        self.0.figures.visitor_messages
    }
    async fn agent_messages(&self) -> i64 {
        self.0.figures.agent_messages
    }
    async fn bot_messages(&self) -> i64 {
        self.0.figures.bot_messages
    }
    /// `messages / episodes`.
    async fn messages_per_conversation(&self) -> Option<f64> {
        let n = self.0.figures.episodes();
        (n > 0).then(|| self.0.figures.messages() as f64 / n as f64)
    }
    async fn first_response_time(&self) -> AnalyticsDuration {
        AnalyticsDuration::of(&self.0.figures.first_response)
    }
    /// Every response: a person's reply to the visitor's oldest unanswered message.
    async fn response_time(&self) -> AnalyticsDuration {
        AnalyticsDuration::of(&self.0.figures.response)
    }
    async fn resolution_time(&self) -> AnalyticsDuration {
        AnalyticsDuration::of(&self.0.figures.resolution)
    }
    /// From the visitor's first message to the router's assignment or the first reply.
    async fn wait_time(&self) -> AnalyticsDuration {
        AnalyticsDuration::of(&self.0.figures.wait)
    }
    /// Episodes in which a visitor's message reads as negative or angry
    /// (docs/analytics.md#sentiment).
    async fn negative_conversations(&self) -> i64 {
        self.0.figures.negative
    }
    /// Episodes in which a visitor's message reads as angry.
    async fn angry_conversations(&self) -> i64 {
        self.0.figures.angry
    }
    /// Visitors' public messages that read as negative or angry.
    async fn negative_messages(&self) -> i64 {
        self.0.figures.negative_messages
    }
    async fn csat(&self) -> AnalyticsCsat {
        let f = &self.0.figures;
        AnalyticsCsat {
            ratings: f.rated(),
            average: f.csat_average(),
            distribution: f.ratings.to_vec(),
            response_rate: f.csat_response_rate(),
            comments: f.comments,
        }
    }
    async fn conversions(&self) -> AnalyticsConversions {
        let c = &self.0.conversions;
        AnalyticsConversions {
            conversions: c.conversions,
            chat_assisted: c.chat_assisted,
            visitors_who_chatted: c.visitors_who_chatted,
            converted_visitors: c.converted_visitors,
            conversion_rate: c.rate(),
            revenue: c.revenue.iter().map(|(cur, v)| Money { amount: Currency::major(cur, *v), currency: cur.clone() }).collect(),
        }
    }
}

/// Durations in seconds: the average is exact; p50 and p90 (nearest rank) are within 1%.
#[derive(SimpleObject)]
pub struct AnalyticsDuration {
    pub count: i64,
    pub average_seconds: Option<f64>,
    pub p50_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
}

impl AnalyticsDuration {
    fn of(d: &Durations) -> Self {
        let s = crate::app::analytics::seconds;
        AnalyticsDuration { count: d.count, average_seconds: s(d.average_ms()), p50_seconds: s(d.hist.quantile(0.5)), p90_seconds: s(d.hist.quantile(0.9)) }
    }
}

#[derive(SimpleObject)]
pub struct AnalyticsCsat {
    pub ratings: i64,
    /// 1 to 5.
    pub average: Option<f64>,
    /// How many of each rating, 1 to 5.
    pub distribution: Vec<i64>,
    /// Rated episodes per resolved one.
    pub response_rate: Option<f64>,
    /// Ratings with a comment.
    pub comments: i64,
}

#[derive(SimpleObject)]
pub struct AnalyticsConversions {
    /// Conversions that occurred in the range.
    pub conversions: i64,
    /// Of them, those attributed to a conversation.
    pub chat_assisted: i64,
    /// Distinct visitors with an episode in the range.
    pub visitors_who_chatted: i64,
    /// Of them, those with a chat-assisted conversion in the range.
    pub converted_visitors: i64,
    pub conversion_rate: Option<f64>,
    /// Chat-assisted revenue per currency: verified purchases, and the browser's where
    /// the website counts them (`browserRevenue`).
    pub revenue: Vec<Money>,
}

#[derive(SimpleObject)]
pub struct Money {
    /// In major units (120.5).
    pub amount: f64,
    pub currency: String,
}

pub struct Operations(pub OperationsNow);

/// The queue and the team now, and today's figures so far (docs/analytics.md#operations-now).
#[Object]
impl Operations {
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }
    /// Conversations waiting for an agent now.
    async fn waiting(&self) -> i64 {
        self.0.waiting
    }
    /// When the one waiting longest arrived in the line; null when nobody waits.
    async fn oldest_waiting_since(&self) -> Option<DateTime> {
        self.0.oldest_waiting_since.map(DateTime)
    }
    /// Every agent, by name, with their chats now.
    async fn agents(&self) -> Vec<AgentWork<'_>> {
        self.0.agents.iter().map(AgentWork).collect()
    }
    /// Today since midnight in the organization's time zone, by hour of day.
    async fn today(&self) -> AnalyticsReport {
        AnalyticsReport(self.0.today.clone())
    }
}

pub struct AgentWork<'a>(&'a AgentNow);

#[Object]
impl AgentWork<'_> {
    async fn agent(&self) -> super::types::Agent {
        super::types::Agent(self.0.agent.clone())
    }
    /// Their chosen status is online and they have a live connection.
    async fn is_online(&self) -> bool {
        self.0.agent.status == crate::domain::AgentStatus::Online && self.0.connected
    }
    /// Open chats assigned to them.
    async fn open_chats(&self) -> i64 {
        self.0.open
    }
    /// Pending chats assigned to them.
    async fn pending_chats(&self) -> i64 {
        self.0.pending
    }
    /// Their capacity, or the organization's default.
    async fn capacity(&self) -> i64 {
        self.0.capacity
    }
}

#[derive(Default)]
pub struct AnalyticsQuery;

#[Object]
impl AnalyticsQuery {
    /// Response times, volume, agents, satisfaction and conversions over a range
    /// (docs/analytics.md). Counts everything committed before it; 60 reports a minute
    /// per organization.
    #[graphql(guard = "Allow::Managers(Scope::AnalyticsRead)")]
    async fn analytics(&self, ctx: &Context<'_>, input: AnalyticsInput) -> GqlResult<AnalyticsReport> {
        let report = ctx.app().analytics_report(ctx.viewer()?, input.into_query()).await?;
        super::budget::charge(ctx, report.groups.len() + 1, (report.groups.len() + 1) * super::budget::ROW_OVERHEAD)?;
        Ok(AnalyticsReport(report))
    }

    /// The operations view: who waits, who works on what, and today so far (counts as a
    /// report for the rate limit; refresh it every 10 to 30 seconds).
    #[graphql(guard = "Allow::Managers(Scope::AnalyticsRead)")]
    async fn operations_now(&self, ctx: &Context<'_>) -> GqlResult<Operations> {
        Ok(Operations(ctx.app().operations_now(ctx.viewer()?).await?))
    }
}
