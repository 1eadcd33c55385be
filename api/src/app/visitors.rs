//! Websites and visitors: creating websites, the public widget config, and visitor
//! sessions (new, resumed, or verified by identity HMAC).

use std::time::Duration;

use super::{App, RequestMeta};
use serde::{Deserialize, Serialize};

use crate::auth::{verify_identity_hash, Keys, Principal, PrincipalKind};
use crate::bus::{Event, AUTH_TOPIC};
use crate::domain::{
    parse_attributes, BusinessHours, Color, Email, Greeting, LauncherText, PageTitle, PersonName, PreChatField, WebOrigin, WebUrl, WebsiteName, WidgetPosition,
};
use crate::error::{ApiError, ApiResult};
use crate::ids::{random_token, sha256_hex};
use crate::jobs::{JobRow, Outcome};
use crate::ratelimit::Quota;
use crate::store::{Constraint, NewVisitor, StoreError, Visit, VisitorRow, WebsitePatch, WebsiteRow};

/// The job kind that removes a deleted website's visitors and conversations.
pub const WEBSITE_DELETE: &str = "privacy.website_delete";

#[derive(Serialize, Deserialize)]
struct WebsiteDeleteJob {
    website_id: String,
}

pub struct VisitorSessionOut {
    pub token: String,
    pub resume_token: String,
    pub visitor: VisitorRow,
}

/// Optional identity of a logged-in customer, signed by the site's backend.
pub struct Identity<'a> {
    pub external_id: &'a str,
    pub user_hash: &'a str,
}

pub struct StartSession<'a> {
    pub website_key: &'a str,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    /// HMAC of `email` by the site's server: the email is vouched for.
    pub email_hash: Option<&'a str>,
    pub resume_token: Option<&'a str>,
    pub identity: Option<Identity<'a>>,
    /// Pre-chat answers and other custom attributes, merged into the visitor's.
    pub attributes: Vec<(String, String)>,
}

#[derive(Default)]
pub struct WebsiteUpdate {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub color: Option<String>,
    pub position: Option<WidgetPosition>,
    pub launcher_text: Option<String>,
    pub greeting: Option<String>,
    pub rotate_identity_secret: bool,
    /// Some(None) removes business hours (always open).
    pub business_hours: Option<Option<BusinessHours>>,
    pub pre_chat_fields: Option<Vec<PreChatField>>,
    pub offline_messages: Option<bool>,
    pub powered_by: Option<bool>,
    /// Some: both retention periods in days (None in it: kept forever).
    pub retention: Option<(Option<i64>, Option<i64>)>,
    /// An empty string removes the link.
    pub privacy_policy_url: Option<String>,
    pub visitor_deletion: Option<bool>,
    pub live_presence: Option<crate::domain::LivePresence>,
    pub page_analytics: Option<bool>,
    /// Event names counted as conversions besides `purchase`.
    pub goals: Option<Vec<String>>,
    pub conversion_window_days: Option<i64>,
    pub browser_revenue: Option<bool>,
}

impl App {
    pub async fn create_website(&self, p: &Principal, name: &str, origins: &[String]) -> ApiResult<WebsiteRow> {
        let org_id = super::manager(p, crate::domain::ApiKeyScope::WebsitesManage)?;
        if p.websites().is_some() {
            return Err(ApiError::Forbidden("an API key limited to websites cannot create one"));
        }
        let name = WebsiteName::parse(name)?;
        let origins: Vec<String> = WebOrigin::parse_list(origins)?.into_iter().map(|o| o.as_str().to_owned()).collect();
        let key = format!("wk_{}", random_token(15));
        let row = self.store.create_website(org_id, name.as_str(), &origins, &key, &random_token(32)).await?;
        self.audit(p, "website.create", Some(&row.id)).await?;
        Ok(row)
    }

    pub async fn update_website(&self, p: &Principal, id: &str, u: WebsiteUpdate) -> ApiResult<WebsiteRow> {
        let org_id = super::manager(p, crate::domain::ApiKeyScope::WebsitesManage)?;
        if !p.sees_website(id) {
            return Err(ApiError::NotFound("website"));
        }
        if matches!(p, Principal::ApiKey(_)) && (u.retention.is_some() || u.visitor_deletion.is_some()) {
            // Deleting data at scale is a person's decision, not a plugin's.
            return Err(ApiError::Forbidden("retention and visitor deletion are set by owners and admins"));
        }
        let patch = WebsitePatch {
            name: u.name.as_deref().map(WebsiteName::parse).transpose()?.map(|n| n.into_inner()),
            allowed_origins: u
                .allowed_origins
                .as_deref()
                .map(WebOrigin::parse_list)
                .transpose()?
                .map(|l| l.into_iter().map(|o| o.as_str().to_owned()).collect()),
            color: u.color.as_deref().map(Color::parse).transpose()?.map(|c| c.as_str().to_owned()),
            position: u.position.map(|p| p.as_str()),
            launcher_text: u.launcher_text.as_deref().map(LauncherText::parse).transpose()?.map(|t| t.into_inner()),
            greeting: u.greeting.as_deref().map(Greeting::parse).transpose()?.map(|g| g.into_inner()),
            rotate_identity_secret: u.rotate_identity_secret.then(|| random_token(32)),
            business_hours: u.business_hours.map(|h| h.map(|h| serde_json::to_string(&h).expect("hours serialize"))),
            pre_chat_fields: u.pre_chat_fields.map(PreChatField::parse_list).transpose()?.map(|f| serde_json::to_string(&f).expect("fields serialize")),
            offline_messages: u.offline_messages,
            powered_by: u.powered_by,
            retention: u.retention.map(retention_days).transpose()?,
            privacy_policy_url: u.privacy_policy_url.as_deref().map(policy_url).transpose()?,
            visitor_deletion: u.visitor_deletion,
            live_presence: u.live_presence.map(|l| l.as_str()),
            page_analytics: u.page_analytics,
            goals: u.goals.as_deref().map(crate::domain::conversions::parse_goals).transpose()?.map(|g| serde_json::to_string(&g).expect("names serialize")),
            conversion_window_days: u
                .conversion_window_days
                .map(|d| {
                    let days = crate::domain::conversions::WINDOW_DAYS;
                    days.contains(&d).then_some(d).ok_or_else(|| ApiError::BadInput(format!("conversionWindowDays must be {} to {}", days.start(), days.end())))
                })
                .transpose()?,
            browser_revenue: u.browser_revenue,
        };
        let hours_changed = patch.business_hours.is_some();
        let row = self.store.update_website(org_id, id, patch).await.map_err(|e| super::accounts::not_found(e, "website"))?;
        if hours_changed {
            // Business-hours figures are worked out again, by the rollup (docs/analytics.md).
            self.store.restart_analytics(org_id).await?;
        }
        self.audit(p, "website.update", Some(id)).await?;
        Ok(row)
    }

    /// Deletes a website with everything about its visitors (docs/privacy.md): at once
    /// its key and identity secret stop working, its visitors' tokens are refused on
    /// every node (open sockets close with 4403) and it leaves every list; a job then
    /// removes its visitors, conversations, messages and files.
    pub async fn delete_website(&self, p: &Principal, id: &str) -> ApiResult<()> {
        let org_id = super::manager(p, crate::domain::ApiKeyScope::WebsitesManage)?;
        if !p.sees_website(id) {
            return Err(ApiError::NotFound("website"));
        }
        // After the revocation, so a session that started on a node which heard of it late
        // has its visitor removed too.
        let at = crate::time::now_ms() + super::privacy::REVOKE_MARGIN_MS;
        let job = self.jobs.job_at(WEBSITE_DELETE, Some(org_id), &WebsiteDeleteJob { website_id: id.to_owned() }, at + super::privacy::ERASE_GRACE_MS);
        let (key, secret) = (format!("deleted_{}", random_token(15)), random_token(32));
        self.store.delete_website(org_id, id, at, &key, &secret, &job).await.map_err(|e| super::not_found(e, "website"))?;
        self.access.revoke_visitor(id, at);
        self.bus.publish(AUTH_TOPIC, Event::WebsiteDeleted { website_id: id.to_owned(), at });
        self.jobs.wake();
        self.audit(p, "website.delete", Some(id)).await?;
        Ok(())
    }

    /// Removes a deleted website's visitors, a batch at a time, with their conversations
    /// and files (as an erasure in `delete` mode does), then its blocks.
    pub(super) async fn run_website_delete(&self, job: JobRow) -> Outcome {
        let j: WebsiteDeleteJob = super::outbox::payload(&job)?;
        let org_id = job.org_id.as_deref().unwrap_or_default();
        let store = |e: crate::store::StoreError| (format!("store: {e:?}"), false);
        loop {
            let ids = self.store.website_visitor_ids(&j.website_id, 100).await.map_err(store)?;
            if ids.is_empty() {
                break;
            }
            for v in &ids {
                self.erase_visitor_now(org_id, v, true, None).await?;
            }
        }
        self.store.finish_website_deletion(&j.website_id).await.map_err(store)
    }

    pub async fn website_by_key(&self, key: &str) -> ApiResult<WebsiteRow> {
        self.store.website_by_key(key.trim()).await.map_err(|e| super::accounts::not_found(e, "website"))
    }

    /// "An agent is online": chosen status online and at least one live socket.
    pub async fn agent_online(&self, org_id: &str) -> ApiResult<bool> {
        let ids = self.store.online_agent_ids(org_id).await?;
        for id in &ids {
            if self.presence.agent_connected(id).await {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub async fn start_visitor_session(&self, meta: &RequestMeta, input: StartSession<'_>) -> ApiResult<VisitorSessionOut> {
        let website = self.website_by_key(input.website_key).await?;
        let allowed = website.origins();
        if let (Some(origin), false) = (&meta.origin, allowed.is_empty()) {
            let origin = origin.trim_end_matches('/').to_lowercase();
            if !allowed.contains(&origin) {
                return Err(ApiError::Forbidden("this origin is not allowed for the website"));
            }
        }
        if let Some(ip) = &meta.ip {
            self.limit(&format!("visitor_session:{ip}"), Quota::per_window(self.settings.limits.visitor_sessions_per_minute, Duration::from_secs(60))).await?;
        }
        let name = input.name.filter(|n| !n.trim().is_empty()).map(PersonName::parse).transpose()?;
        let email = input.email.filter(|e| !e.trim().is_empty()).map(Email::parse).transpose()?;
        let email_signed = match (input.email_hash, input.email) {
            (None, _) => false,
            (Some(hash), Some(e)) if email.is_some() => {
                // Prefixed, so a user hash (over an external id) never passes for an email hash.
                if !verify_identity_hash(&website.identity_secret, &format!("email:{}", e.trim()), hash) {
                    return Err(ApiError::Forbidden("identity verification failed"));
                }
                true
            }
            (Some(_), _) => return Err(ApiError::BadInput("emailHash needs email".into())),
        };
        let identity = match &input.identity {
            Some(id) => {
                let ext = id.external_id.trim();
                if ext.is_empty() || ext.chars().count() > 200 {
                    return Err(ApiError::BadInput("externalId must be 1 to 200 characters".into()));
                }
                if !verify_identity_hash(&website.identity_secret, ext, id.user_hash) {
                    return Err(ApiError::Forbidden("identity verification failed"));
                }
                Some(ext)
            }
            None => None,
        };

        // The browser's own visitor, if it presents a genuine resume token for this website.
        let resumed = match input.resume_token.and_then(|t| self.parse_resume_token(t)) {
            Some(id) => match self.store.visitor(&website.org_id, &id).await {
                Ok(v) if v.website_id == website.id => Some(v),
                Ok(_) | Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };

        self.refuse_blocked(&website, resumed.as_ref().map(|v| v.id.as_str()), identity, meta.ip.as_deref()).await?;

        // A visitor identified for the first time is a webhook event.
        let mut newly_identified = false;
        let visitor = match identity {
            Some(ext) => match self.store.visitor_by_external(&website.id, ext).await? {
                Some(verified) => {
                    // History moves from an anonymous visitor into the verified one; never
                    // the reverse, and two external ids never merge.
                    if let Some(anon) = resumed.as_ref().filter(|r| r.external_id.is_none() && r.id != verified.id) {
                        self.store.merge_visitor_into(&anon.id, &verified.id).await?;
                    }
                    verified
                }
                None => {
                    newly_identified = true;
                    match resumed.filter(|r| r.external_id.is_none()) {
                        Some(anon) => anon, // becomes verified by touch below
                        None => self.verified_visitor(&website, meta, ext).await?,
                    }
                }
            },
            None => match resumed {
                Some(v) => v,
                None => self.new_visitor(&website, meta, None).await?,
            },
        };
        let resume_token = self.resume_token(&visitor.id);
        let attributes = if input.attributes.is_empty() {
            None
        } else {
            let mut all: std::collections::BTreeMap<String, String> = visitor.attribute_pairs().into_iter().collect();
            all.extend(parse_attributes(&input.attributes)?);
            if all.len() > MAX_BROWSER_ATTRIBUTES {
                return Err(ApiError::BadInput(format!("a visitor has at most {MAX_BROWSER_ATTRIBUTES} attributes")));
            }
            Some(serde_json::to_string(&all).expect("attributes serialize"))
        };
        let visit = |resume_hash| Visit {
            name: name.as_ref().map(|n| n.as_str()),
            email: email.as_ref().map(|e| e.as_str()),
            email_signed,
            resume_hash,
            external_id: identity,
            user_agent: meta.user_agent.as_deref(),
            ip: meta.ip.as_deref(),
            attributes: attributes.clone(),
            language: meta.language.as_deref(),
        };
        let resume_hash = sha256_hex(resume_token.as_bytes());
        let events = match (newly_identified, identity) {
            (true, Some(ext)) if self.hooked(&website.org_id).await => {
                let data = serde_json::json!({ "visitor": {
                    "id": visitor.id,
                    "websiteId": visitor.website_id,
                    "externalId": ext,
                    "name": name.as_ref().map(|n| n.as_str()).or(visitor.name.as_deref()),
                    "email": email.as_ref().map(|e| e.as_str()).or(visitor.email.as_deref()),
                }});
                vec![super::webhooks::event_job(&website.org_id, crate::domain::webhooks::EventType::VisitorIdentified, data, self.jobs.now())]
            }
            _ => Vec::new(),
        };
        let (visitor, resume_token) = match (self.store.touch_visitor(&visitor.id, visit(&resume_hash), &events).await, identity) {
            (Ok(v), _) => (v, resume_token),
            // An anonymous visitor becoming verified while another request (the site's
            // server setting attributes, a second tab) made the verified one: history
            // moves into that one, as above.
            (Err(StoreError::Conflict(Constraint::VisitorExternalId)), Some(ext)) => {
                let verified = self.store.visitor_by_external(&website.id, ext).await?.ok_or(ApiError::NotFound("visitor"))?;
                self.store.merge_visitor_into(&visitor.id, &verified.id).await?;
                let token = self.resume_token(&verified.id);
                let hash = sha256_hex(token.as_bytes());
                (self.store.touch_visitor(&verified.id, visit(&hash), &[]).await?, token)
            }
            (Err(e), _) => return Err(e.into()),
        };
        if !events.is_empty() {
            self.jobs.wake();
        }
        let issued_at = crate::time::now_ms();
        let token = self.keys.sign(&Keys::claims(
            &visitor.id,
            PrincipalKind::Visitor,
            &visitor.org_id,
            Some(&visitor.website_id),
            Some(issued_at),
            self.settings.visitor_token_ttl,
        ));
        Ok(VisitorSessionOut { token, resume_token, visitor })
    }

    /// Records the page the visitor is on (the widget calls this as pages change).
    pub async fn track_page_view(&self, p: &Principal, url: &str, title: Option<&str>, referrer: Option<&str>) -> ApiResult<()> {
        let v = super::visitor(p)?;
        let url = WebUrl::parse("url", url, 2000)?;
        let title = title.map(PageTitle::parse).transpose()?.filter(|t| !t.as_str().is_empty());
        let referrer = referrer.filter(|r| !r.trim().is_empty()).map(|r| WebUrl::parse("referrer", r, 2000)).transpose()?;
        self.limit(&format!("page:{}", v.id), self.send_quota()).await?;
        self.store.track_page_view(&v.org_id, &v.id, url.as_str(), title.as_ref().map(|t| t.as_str()), referrer.as_ref().map(|r| r.as_str())).await?;
        Ok(())
    }

    /// The verified visitor with this external id, made now if there is none (or the
    /// one another request made at the same moment).
    async fn verified_visitor(&self, website: &WebsiteRow, meta: &RequestMeta, ext: &str) -> ApiResult<VisitorRow> {
        match self.new_visitor(website, meta, Some(ext)).await {
            Err(ApiError::BadInput(_)) => self.store.visitor_by_external(&website.id, ext).await?.ok_or(ApiError::NotFound("visitor")),
            other => other,
        }
    }

    async fn new_visitor(&self, website: &WebsiteRow, meta: &RequestMeta, external_id: Option<&str>) -> ApiResult<VisitorRow> {
        Ok(self
            .store
            .create_visitor(NewVisitor {
                org_id: &website.org_id,
                website_id: &website.id,
                external_id,
                name: None,
                email: None,
                resume_hash: "",
                user_agent: meta.user_agent.as_deref(),
                ip: meta.ip.as_deref(),
            })
            .await?)
    }

    /// A stable, unforgeable token naming the visitor: `vr_<id>.<mac>`. Stable so two
    /// tabs resuming at once agree; the MAC means nothing is stored to steal.
    fn resume_token(&self, visitor_id: &str) -> String {
        self.keys.signed_id("vr_", visitor_id)
    }

    fn parse_resume_token(&self, token: &str) -> Option<String> {
        self.keys.parse_signed_id("vr_", token)
    }
}

/// The most attributes the site's server keeps on one visitor.
const MAX_SERVER_ATTRIBUTES: usize = 50;

impl App {
    /// Sets (and removes) attributes of a verified customer by the site's own user id, as
    /// the site's server (agents and API keys): the visitor is made if the customer has not
    /// chatted yet, so the attributes are there when they do. Kept apart from what the
    /// browser set; a visitor never sees them.
    pub async fn set_visitor_attributes(
        &self,
        p: &Principal,
        website_id: &str,
        external_id: &str,
        set: &[(String, String)],
        remove: &[String],
    ) -> ApiResult<VisitorRow> {
        let (org_id, _, _) = super::staff(p)?;
        self.limit(&format!("attributes:{}", p.limit_key()), self.send_quota()).await?;
        let site = self.store.website(org_id, website_id).await.map_err(|e| super::not_found(e, "website"))?;
        if !p.sees_website(&site.id) {
            return Err(ApiError::NotFound("website"));
        }
        let ext = external_id.trim();
        if ext.is_empty() || ext.chars().count() > 200 {
            return Err(ApiError::BadInput("externalId must be 1 to 200 characters".into()));
        }
        if remove.len() > MAX_SERVER_ATTRIBUTES {
            return Err(ApiError::BadInput(format!("remove at most {MAX_SERVER_ATTRIBUTES} keys at once")));
        }
        let set = parse_attributes(set)?;
        let visitor = match self.store.visitor_by_external(&site.id, ext).await? {
            Some(v) => v,
            None => self.verified_visitor(&site, &RequestMeta::default(), ext).await?,
        };
        let json = merged(visitor.server_attribute_pairs(), set, remove, MAX_SERVER_ATTRIBUTES)?;
        Ok(self.store.set_visitor_attributes(org_id, &visitor.id, true, &json).await?)
    }
}

impl App {
    /// Sets (and removes) attributes of the visitor, from their own browser (the widget's
    /// `set` command: a cart, a page's context). Stored apart from the site server's and
    /// shown to agents as the browser's; routing rules tell the two apart.
    pub async fn set_my_attributes(&self, p: &Principal, set: &[(String, String)], remove: &[String]) -> ApiResult<VisitorRow> {
        let v = super::visitor(p)?;
        self.limit(&format!("attributes:{}", v.id), self.send_quota()).await?;
        if remove.len() > MAX_BROWSER_ATTRIBUTES {
            return Err(ApiError::BadInput(format!("remove at most {MAX_BROWSER_ATTRIBUTES} keys at once")));
        }
        let set = parse_attributes(set)?;
        let visitor = self.store.visitor(&v.org_id, &v.id).await?;
        let json = merged(visitor.attribute_pairs(), set, remove, MAX_BROWSER_ATTRIBUTES)?;
        Ok(self.store.set_visitor_attributes(&v.org_id, &v.id, false, &json).await?)
    }
}

/// `current` less `remove`, with `set` over it, as stored JSON; at most `max` in all.
fn merged(current: Vec<(String, String)>, set: Vec<(String, String)>, remove: &[String], max: usize) -> ApiResult<String> {
    let mut all: std::collections::BTreeMap<String, String> = current.into_iter().collect();
    for k in remove {
        all.remove(k.trim());
    }
    all.extend(set);
    if all.len() > max {
        return Err(ApiError::BadInput(format!("a visitor has at most {max} attributes from your server, and {max} from their browser")));
    }
    Ok(serde_json::to_string(&all).expect("attributes serialize"))
}

/// The most attributes a visitor's browser keeps on them.
const MAX_BROWSER_ATTRIBUTES: usize = 50;

/// Retention periods: 1 to 3,650 days each, or none (kept).
fn retention_days((resolved, idle): (Option<i64>, Option<i64>)) -> ApiResult<(Option<i64>, Option<i64>)> {
    for d in [resolved, idle].into_iter().flatten() {
        if !(1..=3650).contains(&d) {
            return Err(ApiError::BadInput("retention periods are 1 to 3650 days, or null to keep".into()));
        }
    }
    Ok((resolved, idle))
}

/// A privacy policy's address: `https://` (or `http://`), at most 500 characters; empty
/// removes it.
fn policy_url(u: &str) -> ApiResult<Option<String>> {
    let u = u.trim();
    if u.is_empty() {
        return Ok(None);
    }
    let ok = (u.starts_with("https://") || u.starts_with("http://")) && u.len() <= 500 && !u.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(ApiError::BadInput("privacyPolicyUrl must be an http(s) address of at most 500 characters".into()));
    }
    Ok(Some(u.to_owned()))
}
