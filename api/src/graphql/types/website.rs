//! Websites, the widget's public configuration, and visitors.

use async_graphql::{Context, Object, SimpleObject, ID};

use super::super::{ContextExt as _, GqlResult};
use super::*;
use crate::app::{VisitorRow, WebsiteRow};
use crate::domain::WidgetPosition;

pub struct Website(pub WebsiteRow);

/// A site the widget is installed on. An organization may have several (brands, inboxes).
#[Object]
impl Website {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The public widget key for `data-website-key` and `startVisitorSession`.
    async fn public_key(&self) -> &str {
        &self.0.public_key
    }
    /// Origins allowed to start visitor sessions; empty means any origin.
    async fn allowed_origins(&self) -> Vec<String> {
        self.0.origins()
    }
    async fn appearance(&self) -> Appearance {
        Appearance::of(&self.0)
    }
    async fn business_hours(&self) -> Option<BusinessHoursOut> {
        self.0.hours().map(Into::into)
    }
    async fn pre_chat_fields(&self) -> Vec<PreChatFieldOut> {
        self.0.pre_chat().into_iter().map(Into::into).collect()
    }
    async fn offline_messages(&self) -> bool {
        self.0.offline_messages
    }
    /// Live visitors before first use: OFF, PAGE_LOAD or FIRST_PARTY_ID.
    async fn live_presence(&self) -> crate::domain::LivePresence {
        self.0.live_presence
    }
    /// The widget pushes its events (opened, conversation started, message sent, rating
    /// given) to the page's `dataLayer`, for Google Tag Manager and GA4.
    async fn page_analytics(&self) -> bool {
        self.0.page_analytics
    }
    async fn powered_by(&self) -> bool {
        self.0.powered_by
    }
    /// Event names counted as conversions besides `purchase` (docs/analytics.md#conversions).
    async fn goals(&self) -> Vec<String> {
        self.0.goal_names()
    }
    /// Days before a conversion in which a conversation earns it.
    async fn conversion_window_days(&self) -> i32 {
        self.0.conversion_window_days as i32
    }
    /// The value of purchases tracked from the browser counts in revenue.
    async fn browser_revenue(&self) -> bool {
        self.0.browser_revenue
    }
    async fn privacy_policy_url(&self) -> Option<&str> {
        self.0.privacy_policy_url.as_deref()
    }
    /// The help center's own host name (docs/assistant.md#its-own-host-name), if set.
    async fn help_center_domain(&self) -> Option<&str> {
        self.0.help_domain.as_deref()
    }

    /// Where the website's help center is: on its own host name when it has one, else
    /// under `/help/<publicKey>` on this server.
    async fn help_center_url(&self, ctx: &Context<'_>) -> String {
        let s = &ctx.app().settings;
        let https = s.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
        match &self.0.help_domain {
            Some(d) => format!("{}://{d}/", if https { "https" } else { "http" }),
            None => format!("{}/help/{}", s.public_url.clone().unwrap_or_else(|| format!("http://{}", s.listen)).trim_end_matches('/'), self.0.public_key),
        }
    }

    /// Visitors may delete their own data from the widget (`deleteMyData`).
    async fn visitor_deletion(&self) -> bool {
        self.0.visitor_deletion
    }
    /// How long conversations and idle visitors are kept.
    async fn retention(&self) -> crate::graphql::website::RetentionInput {
        crate::graphql::website::RetentionInput {
            resolved_conversation_days: self.0.retain_resolved_days.map(|d| d as i32),
            idle_visitor_days: self.0.retain_idle_visitor_days.map(|d| d as i32),
        }
    }
    /// Secret for identity verification: HMAC-SHA256(secret, externalId), hex. Owners and admins, and
    /// API keys with `WEBSITES_MANAGE`, only.
    async fn identity_secret(&self, ctx: &Context<'_>) -> Option<&str> {
        let manager = ctx.viewer().is_ok_and(|p| crate::graphql::Allow::Managers(crate::domain::ApiKeyScope::WebsitesManage).admits(p));
        manager.then_some(self.0.identity_secret.as_str())
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

/// How the widget looks.
#[derive(SimpleObject)]
pub struct Appearance {
    /// Accent colour, `#rrggbb`.
    pub color: String,
    pub position: WidgetPosition,
    pub launcher_text: String,
    /// Shown by the widget when the chat opens; never stored as a message.
    pub greeting: String,
}

impl Appearance {
    pub fn of(w: &WebsiteRow) -> Self {
        Appearance { color: w.color.clone(), position: w.position, launcher_text: w.launcher_text.clone(), greeting: w.greeting.clone() }
    }
}

/// What the widget needs before a visitor session exists. Readable without a token.
#[derive(SimpleObject)]
pub struct WidgetConfig {
    pub website_name: String,
    pub appearance: Appearance,
    /// Whether the website is within business hours now (true when none are set).
    pub business_hours_open: bool,
    /// The opening hours, to tell visitors when the team is back.
    pub business_hours: Option<BusinessHoursOut>,
    /// When the website next opens, if it is closed now (time zones and daylight saving
    /// applied by the server).
    pub next_opening_at: Option<DateTime>,
    /// An agent has chosen status online and has a live connection.
    pub agent_online: bool,
    /// Fields the visitor fills before the first message; empty for none.
    pub pre_chat_fields: Vec<PreChatFieldOut>,
    /// When nobody is available, take an email and a message (`startConversation` with `offline`).
    pub offline_messages: bool,
    /// Show "powered by Chinwag".
    pub powered_by: bool,
    /// The website's privacy policy, linked from the widget.
    pub privacy_policy_url: Option<String>,
    /// The visitor may delete their own conversations and data (`deleteMyData`).
    pub visitor_deletion: bool,
    /// The website has enabled triggers: the widget loads their code (and lists them
    /// with `widgetTriggers`); without, it loads nothing more.
    pub has_triggers: bool,
    /// The website has published help-center articles: the widget may suggest them
    /// (`articleSearch`) as the visitor types their first message.
    pub has_articles: bool,
    /// The website's answer bot is on and writes with a model server: the widget
    /// subscribes to `answerDrafts` to show its answers as they are written.
    pub answer_drafts: bool,
    /// Whether (and how) the widget sends its presence beacon before first use.
    pub live_presence: crate::domain::LivePresence,
    /// Push the widget's events to the page's `dataLayer` (docs/integrations.md#page-analytics).
    pub page_analytics: bool,
}

/// One field of the pre-chat form.
#[derive(SimpleObject)]
#[graphql(name = "PreChatField")]
pub struct PreChatFieldOut {
    pub key: String,
    pub label: String,
    pub kind: crate::domain::PreChatFieldKind,
    pub required: bool,
    /// The choices of a `SELECT` field; empty for the others.
    pub options: Vec<String>,
}

impl From<crate::domain::PreChatField> for PreChatFieldOut {
    fn from(f: crate::domain::PreChatField) -> Self {
        PreChatFieldOut { key: f.key, label: f.label, kind: f.kind, required: f.required, options: f.options }
    }
}

/// Weekly opening hours in the website's time zone.
#[derive(SimpleObject)]
#[graphql(name = "BusinessHours")]
pub struct BusinessHoursOut {
    pub time_zone: String,
    pub intervals: Vec<OpeningInterval>,
}

#[derive(SimpleObject)]
pub struct OpeningInterval {
    pub day: crate::domain::Weekday,
    pub open: String,
    pub close: String,
}

impl From<crate::domain::BusinessHours> for BusinessHoursOut {
    fn from(h: crate::domain::BusinessHours) -> Self {
        BusinessHoursOut {
            time_zone: h.time_zone,
            intervals: h.intervals.into_iter().map(|i| OpeningInterval { day: i.day, open: i.open, close: i.close }).collect(),
        }
    }
}

/// A custom attribute of a visitor (a pre-chat answer, or set by the site).
#[derive(SimpleObject)]
pub struct VisitorAttribute {
    pub key: String,
    pub value: String,
    /// Set by the site's server (`setVisitorAttributes`), not by the visitor's browser:
    /// what rules may trust. A visitor never sees these.
    pub from_server: bool,
}

pub struct Visitor(pub VisitorRow);

/// A person on a website, anonymous or identified.
#[Object]
impl Visitor {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    #[graphql(guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::VisitorsRead)")]
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    #[graphql(guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::VisitorsRead)")]
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Whether `email` is vouched for: signed by the site's server (identity
    /// verification's `emailHash`) or confirmed by its owner through a link.
    #[graphql(guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::VisitorsRead)")]
    async fn email_verified(&self) -> bool {
        self.0.vouched_email().is_some()
    }
    /// Their browser's first language choice when their session last started (`fr-ca`,
    /// from `Accept-Language`); routing rules can match it (`LANGUAGE`).
    #[graphql(guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::VisitorsRead)")]
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }
    /// The site's own user id, once verified with an identity hash.
    #[graphql(guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::VisitorsRead)")]
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// Visible to agents only.
    #[graphql(guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::VisitorsRead)")]
    async fn user_agent(&self, ctx: &Context<'_>) -> Option<&str> {
        is_staff(ctx).then_some(()).and(self.0.user_agent.as_deref())
    }
    async fn is_online(&self, ctx: &Context<'_>) -> bool {
        ctx.app().presence.visitor_connected(&self.0.id).await
    }
    /// Custom attributes: the browser's, and for agents also the site server's (which win
    /// on the same key).
    #[graphql(guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::VisitorsRead)")]
    async fn attributes(&self, ctx: &Context<'_>) -> Vec<VisitorAttribute> {
        let mut all: std::collections::BTreeMap<String, (String, bool)> = self.0.attribute_pairs().into_iter().map(|(k, v)| (k, (v, false))).collect();
        if is_staff(ctx) {
            all.extend(self.0.server_attribute_pairs().into_iter().map(|(k, v)| (k, (v, true))));
        }
        all.into_iter().map(|(key, (value, from_server))| VisitorAttribute { key, value, from_server }).collect()
    }
    /// The page the visitor is on (agents only).
    #[graphql(guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::VisitorsRead)")]
    async fn current_url(&self, ctx: &Context<'_>) -> Option<&str> {
        is_staff(ctx).then_some(()).and(self.0.current_url.as_deref())
    }
    /// Pages viewed, newest first (agents only).
    #[graphql(
        complexity = "crate::graphql::page_cost(first, 20, 100, child_complexity)",
        guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::VisitorsRead)"
    )]
    async fn page_views(&self, ctx: &Context<'_>, first: Option<i32>) -> GqlResult<Vec<PageView>> {
        let rows = ctx.app().page_views(ctx.viewer()?, &self.0, first.unwrap_or(20)).await?;
        crate::graphql::budget::charge(ctx, rows.len(), rows.len() * crate::graphql::budget::ROW_OVERHEAD)?;
        Ok(rows.into_iter().map(|r| PageView { url: r.url, title: r.title, referrer: r.referrer, viewed_at: DateTime(r.created_at) }).collect())
    }
    /// Purchases and goals of the visitor, newest first (docs/analytics.md#conversions).
    #[graphql(
        complexity = "crate::graphql::page_cost(first, 20, 100, child_complexity)",
        guard = "crate::graphql::Allow::KeysNeed(crate::domain::ApiKeyScope::ConversationsRead, crate::domain::ApiKeyScope::VisitorsRead)"
    )]
    async fn conversions(&self, ctx: &Context<'_>, first: Option<i32>) -> GqlResult<Vec<Conversion>> {
        let rows = ctx.app().visitor_conversions(ctx.viewer()?, &self.0, first.unwrap_or(20)).await?;
        crate::graphql::budget::charge(ctx, rows.len(), rows.len() * crate::graphql::budget::ROW_OVERHEAD)?;
        Ok(rows.into_iter().map(Conversion).collect())
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn last_seen_at(&self) -> DateTime {
        DateTime(self.0.last_seen_at)
    }
}

/// A purchase or goal of a visitor (docs/analytics.md#conversions).
pub struct Conversion(pub crate::store::ConversionRow);

#[Object]
impl Conversion {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// `purchase` or one of the website's goals.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// In major units (19.99), with `currency`.
    async fn value(&self) -> Option<f64> {
        self.0.value_minor.zip(self.0.currency.as_deref()).map(|(v, c)| crate::domain::conversions::Currency::major(c, v))
    }
    async fn currency(&self) -> Option<&str> {
        self.0.currency.as_deref()
    }
    /// Posted by the website's server (`POST /conversions`), not tracked by the browser.
    async fn verified(&self) -> bool {
        self.0.verified
    }
    /// The conversation it is attributed to (the visitor's latest one started within
    /// the website's window before it), if any.
    async fn conversation_id(&self) -> Option<ID> {
        self.0.conversation_id.clone().map(ID)
    }
    /// That conversation's agent and department when it was recorded.
    async fn agent_id(&self) -> Option<ID> {
        self.0.agent_id.clone().map(ID)
    }
    async fn department_id(&self) -> Option<ID> {
        self.0.department_id.clone().map(ID)
    }
    async fn properties(&self) -> Vec<VisitorAttribute> {
        serde_json::from_str::<std::collections::BTreeMap<String, String>>(&self.0.properties)
            .unwrap_or_default()
            .into_iter()
            .map(|(key, value)| VisitorAttribute { key, value, from_server: self.0.verified })
            .collect()
    }
    async fn occurred_at(&self) -> DateTime {
        DateTime(self.0.occurred_at)
    }
}

/// A page a visitor viewed.
#[derive(SimpleObject)]
pub struct PageView {
    pub url: String,
    pub title: Option<String>,
    pub referrer: Option<String>,
    pub viewed_at: DateTime,
}

/// A visitor's session: the token for `Authorization: Bearer`, and a resume token the
/// browser keeps to come back as the same visitor.
#[derive(SimpleObject)]
pub struct VisitorSession {
    pub token: String,
    pub visitor: Visitor,
    /// Pass as `resumeToken` to `startVisitorSession` to continue as this visitor.
    pub resume_token: String,
}
