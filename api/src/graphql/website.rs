//! Websites, the public widget config and visitor sessions.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::guards::{Allow, Scope};
use super::types::{Appearance, BusinessHoursOut, PreChatFieldOut, Visitor, VisitorSession, Website, WidgetConfig};
use super::{ContextExt as _, GqlResult};
use crate::app::{Identity, StartSession, WebsiteUpdate};
use crate::domain::{BusinessHours, Interval, PreChatField, PreChatFieldKind, Weekday, WidgetPosition};

#[derive(InputObject)]
pub struct CreateWebsiteInput {
    pub name: String,
    /// Origins allowed to start visitor sessions, like `https://shop.example`; empty: any origin.
    pub allowed_origins: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct UpdateWebsiteInput {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    /// Accent colour, `#rgb` or `#rrggbb`.
    pub color: Option<String>,
    pub position: Option<WidgetPosition>,
    pub launcher_text: Option<String>,
    pub greeting: Option<String>,
    /// Replace the identity-verification secret (old user hashes stop working).
    pub rotate_identity_secret: Option<bool>,
    /// Opening hours; see `clearBusinessHours` to be always open again.
    pub business_hours: Option<BusinessHoursInput>,
    pub clear_business_hours: Option<bool>,
    /// The pre-chat form; an empty list removes it.
    pub pre_chat_fields: Option<Vec<PreChatFieldInput>>,
    /// Take messages (with an email) when nobody is available.
    pub offline_messages: Option<bool>,
    /// Show "powered by Chinwag" in the widget.
    pub powered_by: Option<bool>,
    /// How long conversations and idle visitors are kept (both periods are set together).
    pub retention: Option<RetentionInput>,
    /// Linked from the widget's privacy line; an empty string removes it.
    pub privacy_policy_url: Option<String>,
    /// Let visitors delete their own conversations and data from the widget
    /// (`deleteMyData`).
    pub visitor_deletion: Option<bool>,
    /// Live visitors before they use the chat (docs/routing.md#live-visitors).
    pub live_presence: Option<crate::domain::LivePresence>,
    /// Push the widget's events to the page's `dataLayer` for Google Tag Manager and GA4
    /// (docs/integrations.md#page-analytics).
    pub page_analytics: Option<bool>,
    /// Event names counted as conversions besides `purchase` (at most 20; 1 to 64
    /// letters, digits, `_`, `-`, `.` and `:`), docs/analytics.md#conversions.
    pub goals: Option<Vec<String>>,
    /// Days before a conversion in which a conversation started by the visitor earns
    /// it (1 to 90; default 7).
    pub conversion_window_days: Option<i32>,
    /// Count the value of purchases tracked from the browser (unverified) in revenue;
    /// off by default, when only purchases your server posts count.
    pub browser_revenue: Option<bool>,
}

/// Retention in days (1 to 3,650); null keeps forever. Deleted daily (docs/privacy.md).
#[derive(InputObject, SimpleObject)]
#[graphql(name = "Retention", input_name = "RetentionInput")]
pub struct RetentionInput {
    /// Conversations resolved this many days ago are deleted, with their files.
    pub resolved_conversation_days: Option<i32>,
    /// Visitors without a conversation, last seen this many days ago, are deleted.
    pub idle_visitor_days: Option<i32>,
}

#[derive(InputObject)]
pub struct BusinessHoursInput {
    /// An IANA time zone, like `Europe/Oslo`.
    pub time_zone: String,
    pub intervals: Vec<OpeningIntervalInput>,
}

#[derive(InputObject)]
pub struct OpeningIntervalInput {
    pub day: Weekday,
    /// Local time `HH:MM`.
    pub open: String,
    /// Local time `HH:MM`, after `open`; `24:00` for midnight.
    pub close: String,
}

#[derive(InputObject)]
pub struct PreChatFieldInput {
    /// Attribute key; `name` and `email` fill the visitor's own fields.
    pub key: String,
    pub label: String,
    pub kind: Option<PreChatFieldKind>,
    pub required: Option<bool>,
    /// The choices of a `SELECT` field (2 to 20).
    pub options: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct VisitorAttributeInput {
    pub key: String,
    pub value: String,
}

#[derive(InputObject)]
pub struct StartVisitorSessionInput {
    pub website_key: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// From an earlier session: continue as the same visitor.
    pub resume_token: Option<String>,
    /// The site's own user id; needs `userHash`.
    pub external_id: Option<String>,
    /// Hex HMAC-SHA256 of `externalId` with the website's identity secret.
    pub user_hash: Option<String>,
    /// Hex HMAC-SHA256 of `"email:" + email` (the email exactly as given) with the website's identity secret,
    /// computed by the site's server: the email is then vouched for, and transcripts and
    /// replies go to it without a confirmation link first. Needs `email`.
    pub email_hash: Option<String>,
    /// Pre-chat answers or other custom attributes (merged into the visitor's).
    pub attributes: Option<Vec<VisitorAttributeInput>>,
}

/// Attributes of a customer, by the site's own user id, from the site's server.
#[derive(InputObject)]
pub struct SetVisitorAttributesInput {
    pub website_id: ID,
    /// The site's own user id (what identity verification signs).
    pub external_id: String,
    /// Set (at most 20 at once; keys are 1 to 40 letters, digits, `_` and `-`).
    pub attributes: Option<Vec<VisitorAttributeInput>>,
    /// Keys to remove.
    pub remove: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct TrackPageViewInput {
    /// The page's absolute URL.
    pub url: String,
    pub title: Option<String>,
    pub referrer: Option<String>,
}

/// An event the page recorded with `Chinwag('track', name, properties)`
/// (docs/analytics.md#conversions).
#[derive(InputObject)]
pub struct TrackEventInput {
    /// 1 to 64 letters, digits, `_`, `-`, `.` and `:`. `purchase` and the website's
    /// `goals` are conversions; other events are checked and not kept.
    pub name: String,
    /// With `currency`: the conversion's value (0 to 1,000,000).
    pub value: Option<f64>,
    /// An ISO 4217 code (`EUR`).
    pub currency: Option<String>,
    /// At most 20 (keys as for attributes; values at most 200 characters).
    pub properties: Option<Vec<VisitorAttributeInput>>,
    /// When it happened, if earlier (at most a day ago): events the page recorded
    /// before the visitor's first message are sent with it.
    pub occurred_at: Option<crate::graphql::types::DateTime>,
}

#[derive(InputObject)]
pub struct TrackEventsInput {
    /// At most 20.
    pub events: Vec<TrackEventInput>,
}

#[derive(Default)]
pub struct WebsiteQuery;

#[Object]
impl WebsiteQuery {
    /// What the widget shows before a session exists. No token needed.
    async fn widget_config(&self, ctx: &Context<'_>, website_key: String) -> GqlResult<WidgetConfig> {
        // Each lookup is a store read: charged before it, like a row.
        crate::graphql::budget::charge(ctx, 1, crate::graphql::budget::ROW_OVERHEAD)?;
        let app = ctx.app();
        let w = app.website_by_key(&website_key).await?;
        // With the organization's holidays.
        let hours = app.website_hours(&w).await?;
        let now = crate::time::now_ms();
        Ok(WidgetConfig {
            website_name: w.name.clone(),
            appearance: Appearance::of(&w),
            business_hours_open: hours.as_ref().is_none_or(|h| h.is_open_at(now)),
            next_opening_at: hours.as_ref().and_then(|h| h.next_opening_after(now)).map(super::types::DateTime),
            business_hours: w.hours().map(BusinessHoursOut::from),
            agent_online: app.agent_online(&w.org_id).await?,
            pre_chat_fields: w.pre_chat().into_iter().map(PreChatFieldOut::from).collect(),
            offline_messages: w.offline_messages,
            powered_by: w.powered_by,
            privacy_policy_url: w.privacy_policy_url.clone(),
            visitor_deletion: w.visitor_deletion,
            has_triggers: app.website_has_triggers(&w).await?,
            has_articles: app.website_has_articles(&w).await?,
            answer_drafts: app.website_answer_drafts(&w).await,
            live_presence: w.live_presence,
            page_analytics: w.page_analytics,
        })
    }

    #[graphql(guard = "Allow::Staff(Scope::WebsitesRead)")]
    async fn websites(&self, ctx: &Context<'_>) -> GqlResult<Vec<Website>> {
        Ok(ctx.app().websites(ctx.viewer()?).await?.into_iter().map(Website).collect())
    }

    #[graphql(guard = "Allow::Staff(Scope::WebsitesRead)")]
    async fn website(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Website> {
        crate::graphql::budget::charge(ctx, 1, crate::graphql::budget::ROW_OVERHEAD)?;
        Ok(Website(ctx.app().website(ctx.viewer()?, &id).await?))
    }

    /// The visitor of a visitor token.
    #[graphql(guard = "Allow::Visitors")]
    async fn current_visitor(&self, ctx: &Context<'_>) -> GqlResult<Visitor> {
        crate::graphql::budget::charge(ctx, 1, crate::graphql::budget::ROW_OVERHEAD)?;
        Ok(Visitor(ctx.app().current_visitor(ctx.viewer()?).await?))
    }
}

#[derive(Default)]
pub struct WebsiteMutation;

#[Object]
impl WebsiteMutation {
    /// Sets or removes attributes of a customer by the site's own user id, from the site's
    /// server (agents and API keys): order counts, plan, lifetime value. The visitor is made
    /// if the customer has not chatted yet. Agents see them with `fromServer: true`; the
    /// visitor never does. At most 50 per visitor.
    #[graphql(guard = "Allow::Staff(Scope::VisitorsWrite)")]
    async fn set_visitor_attributes(&self, ctx: &Context<'_>, input: SetVisitorAttributesInput) -> GqlResult<Visitor> {
        let set: Vec<(String, String)> = input.attributes.unwrap_or_default().into_iter().map(|a| (a.key, a.value)).collect();
        let remove = input.remove.unwrap_or_default();
        Ok(Visitor(ctx.app().set_visitor_attributes(ctx.viewer()?, &input.website_id, &input.external_id, &set, &remove).await?))
    }

    /// Sets or removes the visitor's own attributes, from their browser (the widget's
    /// `set` command): at most 20 at once and 50 in all. Agents see them as the browser's
    /// (`fromServer: false`), and routing rules tell them from the site server's.
    #[graphql(guard = "Allow::Visitors")]
    async fn set_my_attributes(&self, ctx: &Context<'_>, attributes: Option<Vec<VisitorAttributeInput>>, remove: Option<Vec<String>>) -> GqlResult<Visitor> {
        let set: Vec<(String, String)> = attributes.unwrap_or_default().into_iter().map(|a| (a.key, a.value)).collect();
        Ok(Visitor(ctx.app().set_my_attributes(ctx.viewer()?, &set, &remove.unwrap_or_default()).await?))
    }

    /// Adds a website; its `publicKey` goes into the widget snippet.
    #[graphql(guard = "Allow::Managers(Scope::WebsitesManage)")]
    async fn create_website(&self, ctx: &Context<'_>, input: CreateWebsiteInput) -> GqlResult<Website> {
        let origins = input.allowed_origins.unwrap_or_default();
        Ok(Website(ctx.app().create_website(ctx.viewer()?, &input.name, &origins).await?))
    }

    #[graphql(guard = "Allow::Managers(Scope::WebsitesManage)")]
    async fn update_website(&self, ctx: &Context<'_>, id: ID, input: UpdateWebsiteInput) -> GqlResult<Website> {
        let u = WebsiteUpdate {
            name: input.name,
            allowed_origins: input.allowed_origins,
            color: input.color,
            position: input.position,
            launcher_text: input.launcher_text,
            greeting: input.greeting,
            rotate_identity_secret: input.rotate_identity_secret.unwrap_or(false),
            business_hours: match (input.clear_business_hours.unwrap_or(false), input.business_hours) {
                (true, _) => Some(None),
                (false, Some(h)) => {
                    let intervals = h.intervals.into_iter().map(|i| Interval { day: i.day, open: i.open, close: i.close }).collect();
                    Some(Some(BusinessHours::parse(&h.time_zone, intervals)?))
                }
                (false, None) => None,
            },
            pre_chat_fields: input.pre_chat_fields.map(|fields| {
                fields
                    .into_iter()
                    .map(|f| PreChatField {
                        key: f.key,
                        label: f.label,
                        kind: f.kind.unwrap_or(PreChatFieldKind::Text),
                        required: f.required.unwrap_or(false),
                        options: f.options.unwrap_or_default(),
                    })
                    .collect()
            }),
            offline_messages: input.offline_messages,
            powered_by: input.powered_by,
            retention: input.retention.map(|r| (r.resolved_conversation_days.map(i64::from), r.idle_visitor_days.map(i64::from))),
            privacy_policy_url: input.privacy_policy_url,
            visitor_deletion: input.visitor_deletion,
            live_presence: input.live_presence,
            page_analytics: input.page_analytics,
            goals: input.goals,
            conversion_window_days: input.conversion_window_days.map(i64::from),
            browser_revenue: input.browser_revenue,
        };
        Ok(Website(ctx.app().update_website(ctx.viewer()?, &id, u).await?))
    }

    /// Serves the website's help center at the root of its own host name as well
    /// (`help.example.com`: point its DNS at this server or its proxy); `null` or an
    /// empty name removes it. Owners, admins and keys with `WEBSITES_MANAGE`; a name
    /// another website uses is refused (docs/assistant.md#its-own-host-name).
    #[graphql(guard = "Allow::Managers(Scope::WebsitesManage)")]
    async fn set_help_center_domain(&self, ctx: &Context<'_>, website_id: ID, domain: Option<String>) -> GqlResult<Website> {
        Ok(Website(ctx.app().set_help_center_domain(ctx.viewer()?, &website_id, domain.as_deref()).await?))
    }

    /// Deletes the website (owners, admins, and API keys with `WEBSITES_MANAGE` that see
    /// it). At once its key and identity secret stop working and its visitors' tokens are
    /// refused (open sockets close with 4403); a job then removes its visitors,
    /// conversations, messages and files. Cannot be undone.
    #[graphql(guard = "Allow::Managers(Scope::WebsitesManage)")]
    async fn delete_website(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().delete_website(ctx.viewer()?, &id).await?;
        Ok(true)
    }

    /// The visitor is on this page now (agents see it, with the history of pages).
    #[graphql(guard = "Allow::Visitors")]
    async fn track_page_view(&self, ctx: &Context<'_>, input: TrackPageViewInput) -> GqlResult<bool> {
        ctx.app().track_page_view(ctx.viewer()?, &input.url, input.title.as_deref(), input.referrer.as_deref()).await?;
        Ok(true)
    }

    /// Events the visitor's page tracked (`Chinwag('track', ...)`). Purchases and the
    /// website's goals are recorded as conversions, attributed to the visitor's latest
    /// conversation within the website's window, and unverified (their value counts
    /// in revenue only where `browserRevenue` is on). Returns how many were recorded.
    /// One bad event refuses the call and records nothing.
    #[graphql(guard = "Allow::Visitors")]
    async fn track_events(&self, ctx: &Context<'_>, input: TrackEventsInput) -> GqlResult<i32> {
        let events: Vec<_> = input
            .events
            .into_iter()
            .map(|e| crate::app::conversions::TrackedEvent {
                name: e.name,
                value: e.value,
                currency: e.currency,
                properties: e.properties.unwrap_or_default().into_iter().map(|p| (p.key, p.value)).collect(),
                occurred_at: e.occurred_at.map(|t| t.0),
            })
            .collect();
        Ok(ctx.app().track_events(ctx.viewer()?, &events).await? as i32)
    }

    /// Starts (or resumes) a visitor session on a website. No token needed; the
    /// request's `Origin` must be allowed by the website.
    async fn start_visitor_session(&self, ctx: &Context<'_>, input: StartVisitorSessionInput) -> GqlResult<VisitorSession> {
        let identity = match (&input.external_id, &input.user_hash) {
            (Some(external_id), Some(user_hash)) => Some(Identity { external_id, user_hash }),
            (None, None) => None,
            _ => return Err(crate::error::ApiError::BadInput("externalId and userHash go together".into()).into()),
        };
        let out = ctx
            .app()
            .start_visitor_session(
                &ctx.meta(),
                StartSession {
                    website_key: &input.website_key,
                    name: input.name.as_deref(),
                    email: input.email.as_deref(),
                    email_hash: input.email_hash.as_deref(),
                    resume_token: input.resume_token.as_deref(),
                    identity,
                    attributes: input.attributes.unwrap_or_default().into_iter().map(|a| (a.key, a.value)).collect(),
                },
            )
            .await?;
        Ok(VisitorSession { token: out.token, visitor: Visitor(out.visitor), resume_token: out.resume_token })
    }
}
