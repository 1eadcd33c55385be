//! Webhook endpoints and their delivery log (docs/webhooks.md): owners, admins and API
//! keys with `WEBHOOKS_MANAGE` (Zapier, Make and n8n subscribe and unsubscribe with one).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::conversation::{decode_cursor, encode_cursor, forward_page, page_first};
use super::guards::{Allow, Scope};
use super::types::{DateTime, PageInfo};
use super::{ContextExt as _, GqlResult};
use crate::app::EndpointInput;
use crate::domain::webhooks::{filter_of, EventType};
use crate::store::{WebhookAttemptRow, WebhookEndpointRow};

pub struct WebhookEndpoint(pub WebhookEndpointRow);

/// Where the organization's events are delivered, signed per the Standard Webhooks
/// specification.
#[Object]
impl WebhookEndpoint {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn url(&self) -> &str {
        &self.0.url
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The events it receives; empty for every event.
    async fn event_types(&self) -> Vec<EventType> {
        filter_of(&self.0.event_types)
    }
    /// The signing secret (`whsec_...`): verify `webhook-signature` with it.
    async fn secret(&self) -> &str {
        &self.0.secret
    }
    /// After a rotation, the previous secret also signs until this time.
    async fn previous_secret_expires_at(&self) -> Option<DateTime> {
        self.0.previous_secret_until.filter(|t| *t > crate::time::now_ms()).map(DateTime)
    }
    /// Deliveries per second at most; null for no limit.
    async fn rate_limit(&self) -> Option<i32> {
        self.0.rate_limit.map(|r| r as i32)
    }
    async fn enabled(&self) -> bool {
        self.0.disabled_at.is_none()
    }
    async fn disabled_at(&self) -> Option<DateTime> {
        self.0.disabled_at.map(DateTime)
    }
    /// Why it was disabled: by hand, 410 Gone, five days of failures, or its backlog.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// Every attempt since this time failed (null: the last one succeeded).
    async fn failing_since(&self) -> Option<DateTime> {
        self.0.failing_since.map(DateTime)
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// The delivery log (30 days), newest first.
    #[graphql(complexity = "super::page_cost(first, 25, 100, child_complexity)")]
    async fn attempts(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> GqlResult<WebhookAttemptConnection> {
        let first = page_first(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let rows = ctx.app().webhook_attempts(ctx.viewer()?, &self.0.id, after, first as i64 + 1).await?;
        crate::graphql::budget::charge(ctx, rows.len(), rows.iter().map(|r| r.response.len() + crate::graphql::budget::ROW_OVERHEAD).sum())?;
        let (edges, page_info) =
            forward_page(rows, first, |r| encode_cursor(r.created_at, &r.id), |cursor, r| WebhookAttemptEdge { cursor, node: WebhookAttempt(r) });
        Ok(WebhookAttemptConnection { edges, page_info })
    }
}

pub struct WebhookAttempt(pub WebhookAttemptRow);

/// How an attempt ended.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "WebhookAttemptOutcome")]
pub enum AttemptOutcome {
    /// The receiver answered 2xx.
    Succeeded,
    /// Any other answer, or none: attempted again at `nextAttemptAt` (none for a manual
    /// attempt).
    Failed,
    /// Failed, and it was the schedule's last attempt.
    Exhausted,
    /// 410 Gone: the endpoint was disabled.
    Gone,
}

/// One delivery attempt of an event to an endpoint.
#[Object]
impl WebhookAttempt {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The event's id: the `webhook-id` header, the same on every attempt.
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.clone())
    }
    async fn event_type(&self) -> Option<EventType> {
        EventType::parse(&self.0.event_type)
    }
    /// 1 for the first attempt of the schedule.
    async fn attempt(&self) -> i32 {
        self.0.attempt as i32
    }
    async fn outcome(&self) -> AttemptOutcome {
        match self.0.outcome.as_str() {
            "succeeded" => AttemptOutcome::Succeeded,
            "exhausted" => AttemptOutcome::Exhausted,
            "gone" => AttemptOutcome::Gone,
            _ => AttemptOutcome::Failed,
        }
    }
    /// The receiver's HTTP status; null when there was no answer.
    async fn status(&self) -> Option<i32> {
        self.0.status.map(|s| s as i32)
    }
    async fn latency_ms(&self) -> i32 {
        self.0.latency_ms as i32
    }
    /// The start of the answer (at most 1,000 characters), or why there was none.
    async fn response(&self) -> &str {
        &self.0.response
    }
    async fn next_attempt_at(&self) -> Option<DateTime> {
        self.0.next_attempt_at.map(DateTime)
    }
    /// Sent by hand (replay or recover).
    async fn manual(&self) -> bool {
        self.0.manual
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

#[derive(SimpleObject)]
pub struct WebhookAttemptEdge {
    pub cursor: String,
    pub node: WebhookAttempt,
}

#[derive(SimpleObject)]
pub struct WebhookAttemptConnection {
    pub edges: Vec<WebhookAttemptEdge>,
    pub page_info: PageInfo,
}

/// A new endpoint.
#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// An http(s) URL at a public address.
    pub url: String,
    #[graphql(default)]
    pub description: String,
    /// The events to receive; empty (the default) for every event.
    #[graphql(default)]
    pub event_types: Vec<EventType>,
    /// Deliveries per second at most (1 to 10,000); none by default.
    pub rate_limit: Option<i32>,
}

/// Changes to an endpoint: fields left out keep their value.
#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub rate_limit: Option<i32>,
    /// Removes the rate limit.
    pub clear_rate_limit: Option<bool>,
    /// Enable (forgetting past failures) or disable the endpoint.
    pub enabled: Option<bool>,
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The organization's webhook endpoints.
    #[graphql(guard = "Allow::Managers(Scope::WebhooksManage)")]
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> GqlResult<Vec<WebhookEndpoint>> {
        Ok(ctx.app().webhook_endpoints(ctx.viewer()?).await?.into_iter().map(WebhookEndpoint).collect())
    }

    #[graphql(guard = "Allow::Managers(Scope::WebhooksManage)")]
    async fn webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> GqlResult<WebhookEndpoint> {
        Ok(WebhookEndpoint(ctx.app().webhook_endpoint(ctx.viewer()?, &id).await?))
    }

    /// Every event type an endpoint can receive (docs/webhooks.md#events).
    #[graphql(guard = "Allow::Managers(Scope::WebhooksManage)")]
    async fn webhook_event_types(&self) -> Vec<EventType> {
        EventType::ALL.to_vec()
    }
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Adds an endpoint (at most 20 per organization) with a new signing secret.
    #[graphql(guard = "Allow::Managers(Scope::WebhooksManage)")]
    async fn create_webhook_endpoint(&self, ctx: &Context<'_>, input: CreateWebhookEndpointInput) -> GqlResult<WebhookEndpoint> {
        let i = EndpointInput {
            url: Some(input.url),
            description: Some(input.description),
            event_types: Some(input.event_types),
            rate_limit: Some(input.rate_limit.map(i64::from)),
            enabled: None,
        };
        Ok(WebhookEndpoint(ctx.app().create_webhook_endpoint(ctx.viewer()?, i).await?))
    }

    #[graphql(guard = "Allow::Managers(Scope::WebhooksManage)")]
    async fn update_webhook_endpoint(&self, ctx: &Context<'_>, id: ID, input: UpdateWebhookEndpointInput) -> GqlResult<WebhookEndpoint> {
        let rate_limit = match (input.clear_rate_limit, input.rate_limit) {
            (Some(true), _) => Some(None),
            (_, Some(r)) => Some(Some(i64::from(r))),
            _ => None,
        };
        let i = EndpointInput { url: input.url, description: input.description, event_types: input.event_types, rate_limit, enabled: input.enabled };
        Ok(WebhookEndpoint(ctx.app().update_webhook_endpoint(ctx.viewer()?, &id, i).await?))
    }

    /// Removes the endpoint, its delivery log and its waiting deliveries.
    #[graphql(guard = "Allow::Managers(Scope::WebhooksManage)")]
    async fn delete_webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().delete_webhook_endpoint(ctx.viewer()?, &id).await?;
        Ok(true)
    }

    /// A new signing secret; the previous one also signs (a second signature in
    /// `webhook-signature`) for `overlapHours` (24 by default, at most 168), so
    /// receivers can switch without missing an event.
    #[graphql(guard = "Allow::Managers(Scope::WebhooksManage)")]
    async fn rotate_webhook_secret(&self, ctx: &Context<'_>, id: ID, overlap_hours: Option<i32>) -> GqlResult<WebhookEndpoint> {
        let overlap_hours = overlap_hours.unwrap_or(24);
        if overlap_hours < 0 {
            return Err(crate::error::ApiError::BadInput("overlapHours must not be negative".into()).into());
        }
        let overlap = std::time::Duration::from_secs(overlap_hours as u64 * 3600);
        Ok(WebhookEndpoint(ctx.app().rotate_webhook_secret(ctx.viewer()?, &id, overlap).await?))
    }

    /// Sends a `webhook.test` event to the endpoint now: the event's id.
    #[graphql(guard = "Allow::Managers(Scope::WebhooksManage)")]
    async fn test_webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> GqlResult<ID> {
        Ok(ID(ctx.app().test_webhook_endpoint(ctx.viewer()?, &id).await?))
    }

    /// Sends the attempt's event to its endpoint again, now (one manual attempt).
    #[graphql(guard = "Allow::Managers(Scope::WebhooksManage)")]
    async fn replay_webhook_attempt(&self, ctx: &Context<'_>, id: ID) -> GqlResult<WebhookAttempt> {
        Ok(WebhookAttempt(ctx.app().replay_webhook_attempt(ctx.viewer()?, &id).await?))
    }

    /// Sends again every event since `since` (within the last 30 days) that the
    /// endpoint wants and never received: how many (at most 10,000 per call).
    #[graphql(guard = "Allow::Managers(Scope::WebhooksManage)")]
    async fn recover_webhook_endpoint(&self, ctx: &Context<'_>, id: ID, since: DateTime) -> GqlResult<i32> {
        Ok(ctx.app().recover_webhook_endpoint(ctx.viewer()?, &id, since.0).await? as i32)
    }
}
