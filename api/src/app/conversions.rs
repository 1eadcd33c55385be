//! Conversion tracking (docs/analytics.md#conversions). Visitors' browsers send the
//! events `Chinwag('track', ...)` recorded (`trackEvents`); of those, purchases and the
//! website's goals are kept, unverified. The site's server posts conversions it vouches
//! for (`POST /conversions` with an API key holding `conversions:write` and an
//! `Idempotency-Key`): verified. Each is attributed when recorded and commits its
//! `conversion.tracked` event with it.

use serde_json::json;

use super::App;
use crate::auth::Principal;
use crate::domain::conversions::{self as conv, EventName};
use crate::domain::webhooks::EventType;
use crate::domain::ApiKeyScope;
use crate::error::{ApiError, ApiResult};
use crate::store::{ConversionRow, NewConversion, NewJob, WebsiteRow};
use crate::time::{now_ms, rfc3339};

/// An event as a client sends it.
#[derive(Debug, Clone, Default)]
pub struct TrackedEvent {
    pub name: String,
    pub value: Option<f64>,
    pub currency: Option<String>,
    pub properties: Vec<(String, String)>,
    /// When it happened (ms); events buffered before the visitor's first message are
    /// sent with their time.
    pub occurred_at: Option<i64>,
}

/// A conversion the site's server posts.
#[derive(Debug, Clone)]
pub struct ServerConversion {
    pub website_id: String,
    /// The site's own user id (`identify`'s `userId`).
    pub user_id: String,
    pub event: TrackedEvent,
    pub idempotency_key: String,
}

/// A conversion as events and the REST answer carry it.
pub(crate) fn conversion_data(c: &ConversionRow) -> serde_json::Value {
    json!({
        "id": c.id,
        "name": c.name,
        "value": c.value_minor.zip(c.currency.as_deref()).map(|(v, cur)| conv::Currency::major(cur, v)),
        "currency": c.currency,
        "verified": c.verified,
        "websiteId": c.website_id,
        "visitorId": c.visitor_id,
        "conversationId": c.conversation_id,
        "agentId": c.agent_id,
        "departmentId": c.department_id,
        "occurredAt": rfc3339(c.occurred_at),
    })
}

/// The checked conversion of an event on `site`, or `None` when the event is not one
/// of its goals.
fn conversion_of(site: &WebsiteRow, visitor_id: &str, e: &TrackedEvent, verified: bool, key: Option<&str>, now: i64) -> ApiResult<Option<NewConversion>> {
    let name = EventName::parse(&e.name)?;
    let money = conv::money(e.value, e.currency.as_deref())?;
    let properties = conv::properties_json(&e.properties)?;
    let occurred_at = conv::occurred_at(e.occurred_at, now)?;
    if !conv::is_conversion(name.as_str(), &site.goal_names()) {
        return Ok(None);
    }
    Ok(Some(NewConversion {
        org_id: site.org_id.clone(),
        website_id: site.id.clone(),
        visitor_id: visitor_id.to_owned(),
        name: name.as_str().to_owned(),
        value_minor: money.map(|(v, _)| v),
        currency: money.map(|(_, c)| c.code().to_owned()),
        verified,
        properties,
        idempotency_key: key.map(str::to_owned),
        occurred_at,
        window_ms: site.conversion_window_days * 86_400_000,
    }))
}

impl App {
    /// The visitor's tracked events: every one is checked (one bad event refuses the
    /// call and records nothing); purchases and the website's goals are recorded.
    /// Returns how many were.
    pub async fn track_events(&self, p: &Principal, events: &[TrackedEvent]) -> ApiResult<i64> {
        let v = super::visitor(p)?;
        if events.len() > conv::MAX_EVENTS {
            return Err(ApiError::BadInput(format!("at most {} events at once", conv::MAX_EVENTS)));
        }
        self.limit(&format!("track:{}", v.id), self.send_quota()).await?;
        let site = self.store.website(&v.org_id, &v.website_id).await?;
        let now = now_ms();
        let mut rows = Vec::new();
        for e in events {
            rows.extend(conversion_of(&site, &v.id, e, false, None, now)?);
        }
        if rows.is_empty() {
            return Ok(0);
        }
        let recorded = self.record(&v.org_id, &rows).await?;
        Ok(recorded.iter().filter(|(_, new)| *new).count() as i64)
    }

    /// A conversion from the site's server, for the visitor it identified as `user_id`.
    /// `None` when no visitor of the website has that id (nobody who chatted, so
    /// nothing to attribute: not stored). The same key again returns the first
    /// conversion (`false`: not recorded again).
    pub async fn record_server_conversion(&self, p: &Principal, c: &ServerConversion) -> ApiResult<Option<(ConversionRow, bool)>> {
        let org_id = match p {
            Principal::ApiKey(k) if k.scopes.has(ApiKeyScope::ConversionsWrite) => k.org_id.as_str(),
            Principal::ApiKey(_) => return Err(ApiError::Forbidden("this API key does not have the scope conversions:write")),
            _ => return Err(ApiError::Forbidden("conversions are posted with an API key that has the conversions:write scope")),
        };
        let key = c.idempotency_key.trim();
        if key.is_empty() || key.len() > 200 || !key.chars().all(|ch| ch.is_ascii_graphic()) {
            return Err(ApiError::BadInput("the Idempotency-Key header must be 1 to 200 visible ASCII characters".into()));
        }
        let user = c.user_id.trim();
        if user.is_empty() || user.chars().count() > 200 {
            return Err(ApiError::BadInput("userId must be 1 to 200 characters".into()));
        }
        self.limit(&format!("conversions:{}", p.limit_key()), self.send_quota()).await?;
        let site = self.store.website(org_id, &c.website_id).await.map_err(|e| super::not_found(e, "website"))?;
        if !p.sees_website(&site.id) {
            return Err(ApiError::NotFound("website"));
        }
        let now = now_ms();
        // Checked before the visitor is looked up: bad input is refused the same way
        // whoever the user is.
        let Some(mut row) = conversion_of(&site, "", &c.event, true, Some(key), now)? else {
            return Err(ApiError::BadInput(format!("'{}' is not purchase or one of this website's goals", c.event.name.trim())));
        };
        let Some(visitor) = self.store.visitor_by_external(&site.id, user).await? else {
            return Ok(None);
        };
        row.visitor_id = visitor.id;
        Ok(self.record(org_id, std::slice::from_ref(&row)).await?.pop())
    }

    async fn record(&self, org_id: &str, rows: &[NewConversion]) -> ApiResult<Vec<(ConversionRow, bool)>> {
        let hooked = self.hooked(org_id).await;
        let now = self.jobs.now();
        let events = move |c: &ConversionRow| -> Vec<NewJob> {
            vec![super::webhooks::event_job(&c.org_id, EventType::ConversionTracked, json!({ "conversion": conversion_data(c) }), now)]
        };
        let out = self.store.record_conversions(rows, hooked.then_some(&events as _)).await?;
        if hooked {
            self.jobs.wake();
        }
        Ok(out)
    }
}
