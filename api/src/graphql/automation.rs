//! Triggers, automations and dry runs (docs/routing.md#triggers, #automations,
//! #dry-runs).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::guards::Allow;
use super::rules::{RoutingRuleInput, RuleConditionGql};
use super::types::{Conversation, DateTime};
use super::{ContextExt as _, GqlResult};
use crate::app::{AutomationInput, TriggerInput};
use crate::domain::automations::{AutomationActions, AutomationEvent, AutomationSpec};
use crate::domain::rules::{RuleCondition, RuleOperator};
use crate::domain::triggers::{TriggerCondition, TriggerField};
use crate::domain::Priority;
use crate::store::{AutomationRow, TriggerRow};

/// One test a trigger makes on the visitor's page (all of a trigger's must hold).
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(name = "TriggerCondition", input_name = "TriggerConditionInput")]
pub struct TriggerConditionGql {
    pub field: TriggerField,
    pub operator: RuleOperator,
    /// For `EQUALS`, `NOT_EQUALS`, `CONTAINS`, `STARTS_WITH` (case ignored) and
    /// `AT_LEAST` (a whole number of seconds or pages).
    pub value: Option<String>,
    /// For `IN`.
    #[graphql(default)]
    pub values: Vec<String>,
}

impl From<TriggerCondition> for TriggerConditionGql {
    fn from(c: TriggerCondition) -> Self {
        TriggerConditionGql { field: c.field, operator: c.operator, value: c.value, values: c.values }
    }
}

impl From<TriggerConditionGql> for TriggerCondition {
    fn from(c: TriggerConditionGql) -> Self {
        TriggerCondition { field: c.field, operator: c.operator, value: c.value, values: c.values }
    }
}

pub struct Trigger(pub TriggerRow);

/// A website's proactive message: the widget shows it when its conditions hold on the
/// visitor's page, at most once per visitor (per page load without the site's consent
/// setting). Nothing is stored unless the visitor replies.
#[Object]
impl Trigger {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn website_id(&self) -> ID {
        ID(self.0.website_id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// 1 is checked first; the widget shows the first trigger whose conditions hold.
    async fn position(&self) -> i32 {
        self.0.position as i32
    }
    async fn conditions(&self) -> Vec<TriggerConditionGql> {
        crate::app::trigger_conditions(&self.0).into_iter().map(Into::into).collect()
    }
    async fn message(&self) -> &str {
        &self.0.message
    }
    /// The agent it speaks as; null: the team (the website's name).
    async fn agent_id(&self) -> Option<ID> {
        self.0.agent_id.clone().map(ID)
    }
    /// Opens the chat panel with the message, not only a bubble by the launcher.
    async fn open_panel(&self) -> bool {
        self.0.open_panel
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

#[derive(InputObject)]
#[graphql(name = "TriggerInput")]
pub struct TriggerInputGql {
    /// 1 to 100 characters (agents see it; visitors do not).
    pub name: String,
    #[graphql(default = true)]
    pub enabled: bool,
    /// At most 10; none: every page.
    pub conditions: Vec<TriggerConditionGql>,
    /// What the visitor reads: 1 to 1,000 characters.
    pub message: String,
    /// Speaks as this agent; null: as the team.
    pub agent_id: Option<ID>,
    #[graphql(default)]
    pub open_panel: bool,
}

impl From<TriggerInputGql> for TriggerInput {
    fn from(i: TriggerInputGql) -> Self {
        TriggerInput {
            name: i.name,
            enabled: i.enabled,
            conditions: i.conditions.into_iter().map(Into::into).collect(),
            message: i.message,
            agent_id: i.agent_id.map(|a| a.0),
            open_panel: i.open_panel,
        }
    }
}

/// A trigger as a website's widget gets it (no token needed): business hours and
/// agents online are already decided by the server, so only the page's conditions are
/// here.
#[derive(SimpleObject)]
pub struct WidgetTrigger {
    /// Sent back as `startConversation(input: {triggerId})` when the visitor replies.
    pub id: ID,
    pub message: String,
    /// The agent's name, or the website's for the team.
    pub sender_name: String,
    pub sender_avatar_url: Option<String>,
    pub open_panel: bool,
    pub conditions: Vec<TriggerConditionGql>,
}

/// What a matching automation does.
#[derive(SimpleObject, InputObject, Clone, Default)]
#[graphql(name = "AutomationActions", input_name = "AutomationActionsInput")]
pub struct AutomationActionsGql {
    /// Sent to the visitor as the bot (sender kind BOT, named after the organization):
    /// 1 to 2,000 characters.
    pub message: Option<String>,
    /// Or a canned response's body, sent the same way.
    pub canned_response_id: Option<ID>,
    /// Assigned to this agent.
    pub assign_to: Option<ID>,
    /// Moved to this department.
    pub department_id: Option<ID>,
    pub priority: Option<Priority>,
    /// Added to the conversation's tags.
    #[graphql(default)]
    pub tags: Vec<String>,
    #[graphql(default)]
    pub resolve: bool,
}

pub struct Automation(pub AutomationRow);

/// On an event, when its conditions hold, actions run (as a job, within seconds).
/// Automations never run on what automations or bots do.
#[Object]
impl Automation {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    async fn position(&self) -> i32 {
        self.0.position as i32
    }
    async fn event(&self) -> AutomationEvent {
        crate::app::automation_event(&self.0)
    }
    /// The routing rules' conditions, on the conversation's visitor.
    async fn conditions(&self) -> Vec<RuleConditionGql> {
        crate::app::automation_spec(&self.0).conditions.into_iter().map(super::rules::condition_out).collect()
    }
    /// `MESSAGE_RECEIVED`: the message contains one of them (whole words).
    async fn keywords(&self) -> Vec<String> {
        crate::app::automation_spec(&self.0).keywords
    }
    /// `NO_REPLY`: minutes the visitor has waited for a person's reply.
    async fn minutes(&self) -> Option<i32> {
        crate::app::automation_spec(&self.0).minutes.map(|m| m as i32)
    }
    /// `RATING_RECEIVED`: only ratings at most this.
    async fn rating_at_most(&self) -> Option<i32> {
        crate::app::automation_spec(&self.0).rating_at_most
    }
    async fn actions(&self) -> AutomationActionsGql {
        let a = crate::app::automation_spec(&self.0).actions;
        AutomationActionsGql {
            message: a.message,
            canned_response_id: a.canned_response_id.map(ID),
            assign_to: a.assign_to.map(ID),
            department_id: a.department_id.map(ID),
            priority: a.priority,
            tags: a.tags,
            resolve: a.resolve,
        }
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

#[derive(InputObject)]
#[graphql(name = "AutomationInput")]
pub struct AutomationInputGql {
    /// 1 to 100 characters (agents see it as `routedBy`).
    pub name: String,
    #[graphql(default = true)]
    pub enabled: bool,
    pub event: AutomationEvent,
    /// At most 10; none: always.
    #[graphql(default)]
    pub conditions: Vec<RuleConditionGql>,
    /// `MESSAGE_RECEIVED` only: at most 20 words or phrases; none: any message.
    #[graphql(default)]
    pub keywords: Vec<String>,
    /// `NO_REPLY` only (required there): 1 to 10,080.
    pub minutes: Option<i32>,
    /// `RATING_RECEIVED` only: 1 to 5.
    pub rating_at_most: Option<i32>,
    pub actions: AutomationActionsGql,
}

impl From<AutomationInputGql> for AutomationInput {
    fn from(i: AutomationInputGql) -> Self {
        let a = i.actions;
        AutomationInput {
            name: i.name,
            enabled: i.enabled,
            event: i.event,
            spec: AutomationSpec {
                conditions: i.conditions.into_iter().map(RuleCondition::from).collect(),
                keywords: i.keywords,
                minutes: i.minutes.map(i64::from),
                rating_at_most: i.rating_at_most,
                actions: AutomationActions {
                    message: a.message,
                    canned_response_id: a.canned_response_id.map(|x| x.0),
                    assign_to: a.assign_to.map(|x| x.0),
                    department_id: a.department_id.map(|x| x.0),
                    priority: a.priority,
                    tags: a.tags,
                    resolve: a.resolve,
                },
            },
        }
    }
}

/// What a rule or an automation would have done to the organization's last 100
/// conversations. Nothing is changed.
#[derive(SimpleObject)]
pub struct DryRun {
    /// Conversations looked at (at most 100).
    pub checked: i32,
    /// Of those, how many it acts on.
    pub matched: i32,
    /// Those it acts on, newest first.
    pub conversations: Vec<Conversation>,
}

/// A page a trigger's dry run matched.
#[derive(SimpleObject)]
pub struct DryRunPage {
    pub url: String,
    pub viewed_at: DateTime,
}

/// What a trigger would have done on the website's last 100 page views (of visitors
/// who chatted: others leave no page views).
#[derive(SimpleObject)]
pub struct TriggerDryRun {
    pub checked: i32,
    pub matched: i32,
    pub pages: Vec<DryRunPage>,
}

/// A dry run reads up to 100 conversations and their visitors: charged as rows, so
/// aliased dry runs meet the request's budget.
fn dry_run(ctx: &Context<'_>, (checked, rows): (i64, Vec<crate::app::ConversationRow>)) -> GqlResult<DryRun> {
    crate::graphql::budget::charge(ctx, checked as usize, checked as usize * crate::graphql::budget::ROW_OVERHEAD)?;
    Ok(DryRun { checked: checked as i32, matched: rows.len() as i32, conversations: rows.into_iter().map(Conversation).collect() })
}

pub struct LiveVisitor(pub crate::app::LiveEntry);

/// Someone on a website now (docs/routing.md#live-visitors): from the widget's beacon,
/// kept about a minute after the last one. No visitor row exists unless they chatted.
#[Object]
impl LiveVisitor {
    /// Random per page load, or the first-party id with `FIRST_PARTY_ID`.
    async fn presence_id(&self) -> ID {
        ID(self.0.presence_id.clone())
    }
    async fn website_id(&self) -> ID {
        ID(self.0.website_id.clone())
    }
    async fn url(&self) -> &str {
        &self.0.url
    }
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }
    async fn referrer(&self) -> Option<&str> {
        self.0.referrer.as_deref()
    }
    /// In this visit (1 without a first-party id).
    async fn pages_viewed(&self) -> i32 {
        self.0.pages_viewed as i32
    }
    /// Seen on an earlier visit (only with a first-party id).
    async fn returning(&self) -> bool {
        self.0.returning
    }
    async fn first_seen_at(&self) -> DateTime {
        DateTime(self.0.first_seen_at)
    }
    async fn last_seen_at(&self) -> DateTime {
        DateTime(self.0.last_seen_at)
    }
    /// The visitor, when they have chatted (their widget sends its token).
    async fn visitor(&self, ctx: &Context<'_>) -> GqlResult<Option<super::types::Visitor>> {
        let Some(id) = &self.0.visitor_id else { return Ok(None) };
        Ok(ctx.loaders()?.visitors.load_one(id.clone()).await?.map(super::types::Visitor))
    }
}

#[derive(Default)]
pub struct AutomationQuery;

#[Object]
impl AutomationQuery {
    /// The organization's triggers (one website's with `websiteId`), in order.
    #[graphql(guard = "Allow::Agents")]
    async fn triggers(&self, ctx: &Context<'_>, website_id: Option<ID>) -> GqlResult<Vec<Trigger>> {
        Ok(ctx.app().triggers(ctx.viewer()?, website_id.as_ref().map(|w| w.as_str())).await?.into_iter().map(Trigger).collect())
    }

    /// The website's triggers that may fire now, for its widget. No token needed.
    async fn widget_triggers(&self, ctx: &Context<'_>, website_key: String) -> GqlResult<Vec<WidgetTrigger>> {
        crate::graphql::budget::charge(ctx, 1, crate::graphql::budget::ROW_OVERHEAD)?;
        let listed = ctx.app().widget_triggers(&website_key).await?;
        // Each trigger is a row (and its sender a read): aliases pay per trigger.
        crate::graphql::budget::charge(ctx, listed.len(), listed.iter().map(|t| t.trigger.message.len() + crate::graphql::budget::ROW_OVERHEAD).sum())?;
        Ok(listed
            .into_iter()
            .map(|t| WidgetTrigger {
                id: ID(t.trigger.id),
                message: t.trigger.message,
                sender_name: t.sender_name,
                sender_avatar_url: t.sender_avatar_url,
                open_panel: t.trigger.open_panel,
                conditions: t.conditions.into_iter().map(Into::into).collect(),
            })
            .collect())
    }

    /// Who is on the websites now (one website's with `websiteId`), newest first: from
    /// the widget's beacon on websites with `livePresence` on.
    #[graphql(guard = "Allow::Agents")]
    async fn live_visitors(&self, ctx: &Context<'_>, website_id: Option<ID>) -> GqlResult<Vec<LiveVisitor>> {
        let rows = ctx.app().live_visitors(ctx.viewer()?, website_id.as_ref().map(|w| w.as_str())).await?;
        crate::graphql::budget::charge(ctx, rows.len(), rows.len() * crate::graphql::budget::ROW_OVERHEAD)?;
        Ok(rows.into_iter().map(LiveVisitor).collect())
    }

    /// The server's Web Push key: what the dashboard's service worker subscribes with
    /// (`applicationServerKey`, base64url).
    #[graphql(guard = "Allow::Agents")]
    async fn web_push_public_key(&self, ctx: &Context<'_>) -> GqlResult<String> {
        Ok(ctx.app().web_push_public_key(ctx.viewer()?).await?)
    }

    /// The organization's automations, in order.
    #[graphql(guard = "Allow::Agents")]
    async fn automations(&self, ctx: &Context<'_>) -> GqlResult<Vec<Automation>> {
        Ok(ctx.app().automations(ctx.viewer()?).await?.into_iter().map(Automation).collect())
    }

    /// The conversations among the last 100 this rule would match if it came first.
    #[graphql(guard = "Allow::Admins")]
    async fn routing_rule_dry_run(&self, ctx: &Context<'_>, input: RoutingRuleInput) -> GqlResult<DryRun> {
        dry_run(ctx, ctx.app().routing_rule_dry_run(ctx.viewer()?, input.into()).await?)
    }

    /// The conversations among the last 100 this automation would have acted on.
    #[graphql(guard = "Allow::Admins")]
    async fn automation_dry_run(&self, ctx: &Context<'_>, input: AutomationInputGql) -> GqlResult<DryRun> {
        dry_run(ctx, ctx.app().automation_dry_run(ctx.viewer()?, input.into()).await?)
    }

    /// The website's page views among the last 100 where these conditions hold.
    #[graphql(guard = "Allow::Admins")]
    async fn trigger_dry_run(&self, ctx: &Context<'_>, website_id: ID, conditions: Vec<TriggerConditionGql>) -> GqlResult<TriggerDryRun> {
        let (checked, pages) = ctx.app().trigger_dry_run(ctx.viewer()?, &website_id, conditions.into_iter().map(Into::into).collect()).await?;
        crate::graphql::budget::charge(ctx, checked as usize, checked as usize * crate::graphql::budget::ROW_OVERHEAD)?;
        Ok(TriggerDryRun {
            checked: checked as i32,
            matched: pages.len() as i32,
            pages: pages.into_iter().map(|(url, at)| DryRunPage { url, viewed_at: DateTime(at) }).collect(),
        })
    }
}

#[derive(Default)]
pub struct AutomationMutation;

#[Object]
impl AutomationMutation {
    /// Adds a trigger after the website's others (at most 20 per website).
    #[graphql(guard = "Allow::Admins")]
    async fn create_trigger(&self, ctx: &Context<'_>, website_id: ID, input: TriggerInputGql) -> GqlResult<Trigger> {
        Ok(Trigger(ctx.app().create_trigger(ctx.viewer()?, &website_id, input.into()).await?))
    }

    #[graphql(guard = "Allow::Admins")]
    async fn update_trigger(&self, ctx: &Context<'_>, id: ID, input: TriggerInputGql) -> GqlResult<Trigger> {
        Ok(Trigger(ctx.app().update_trigger(ctx.viewer()?, &id, input.into()).await?))
    }

    #[graphql(guard = "Allow::Admins")]
    async fn delete_trigger(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().delete_trigger(ctx.viewer()?, &id).await?;
        Ok(true)
    }

    /// Writes to a live visitor who has not chatted: their widget shows the message with
    /// its next beacon (within about 30 s); it is stored in a conversation only if they
    /// reply (within an hour). Returns the message's id.
    #[graphql(guard = "Allow::Agents")]
    async fn message_live_visitor(&self, ctx: &Context<'_>, website_id: ID, presence_id: ID, body: String) -> GqlResult<ID> {
        Ok(ID(ctx.app().message_live_visitor(ctx.viewer()?, &website_id, &presence_id, &body).await?))
    }

    /// Sets the order the widget checks the website's triggers in: every trigger's id,
    /// once, first to last.
    #[graphql(guard = "Allow::Admins")]
    async fn order_triggers(&self, ctx: &Context<'_>, website_id: ID, ids: Vec<ID>) -> GqlResult<Vec<Trigger>> {
        let ids: Vec<String> = ids.into_iter().map(|i| i.0).collect();
        Ok(ctx.app().order_triggers(ctx.viewer()?, &website_id, &ids).await?.into_iter().map(Trigger).collect())
    }

    /// Sets the order automations run in (the first that sends a message is the one
    /// reply a visitor's message gets): every automation's id, once, first to last.
    #[graphql(guard = "Allow::Admins")]
    async fn order_automations(&self, ctx: &Context<'_>, ids: Vec<ID>) -> GqlResult<Vec<Automation>> {
        let ids: Vec<String> = ids.into_iter().map(|i| i.0).collect();
        Ok(ctx.app().order_automations(ctx.viewer()?, &ids).await?.into_iter().map(Automation).collect())
    }

    /// Saves this browser's push subscription for the agent (`PushSubscription.toJSON()`:
    /// its endpoint and keys): chats offered or assigned to them are notified there,
    /// even with the dashboard closed. An agent keeps their 10 newest.
    #[graphql(guard = "Allow::Agents")]
    async fn subscribe_web_push(&self, ctx: &Context<'_>, endpoint: String, #[graphql(name = "p256dh")] p256dh: String, auth: String) -> GqlResult<bool> {
        ctx.app().subscribe_web_push(ctx.viewer()?, &endpoint, &p256dh, &auth).await?;
        Ok(true)
    }

    /// Stops notifications to this endpoint (false: the agent had none there).
    #[graphql(guard = "Allow::Agents")]
    async fn unsubscribe_web_push(&self, ctx: &Context<'_>, endpoint: String) -> GqlResult<bool> {
        Ok(ctx.app().unsubscribe_web_push(ctx.viewer()?, &endpoint).await?)
    }

    /// Sends a test notification to each of the agent's subscriptions; returns how many.
    #[graphql(guard = "Allow::Agents")]
    async fn test_web_push(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        Ok(ctx.app().test_web_push(ctx.viewer()?).await?)
    }

    /// Adds an automation after the others (at most 50 per organization).
    #[graphql(guard = "Allow::Admins")]
    async fn create_automation(&self, ctx: &Context<'_>, input: AutomationInputGql) -> GqlResult<Automation> {
        Ok(Automation(ctx.app().create_automation(ctx.viewer()?, input.into()).await?))
    }

    #[graphql(guard = "Allow::Admins")]
    async fn update_automation(&self, ctx: &Context<'_>, id: ID, input: AutomationInputGql) -> GqlResult<Automation> {
        Ok(Automation(ctx.app().update_automation(ctx.viewer()?, &id, input.into()).await?))
    }

    #[graphql(guard = "Allow::Admins")]
    async fn delete_automation(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().delete_automation(ctx.viewer()?, &id).await?;
        Ok(true)
    }
}
