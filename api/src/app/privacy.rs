//! Privacy requests (docs/privacy.md): erasing a person's data, as a job with a
//! receipt. A request names visitors by id, by the site's own customer id (every
//! website of the organization, or of the key's websites) or by email.

use serde::{Deserialize, Serialize};

use super::{manager, App};
use crate::auth::Principal;
use crate::bus::{Event, AUTH_TOPIC};
use crate::domain::{ApiKeyScope, Email};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{JobRow, Outcome};
use crate::store::{ErasureRow, NewErasure, VisitorLookup, VisitorRow, MAX_VISITORS_PER_REQUEST};

/// The job kind that carries out an erasure.
pub const ERASE: &str = "privacy.erase";

/// Visitors' tokens issued until this long after the request are refused (as for a
/// block: a session starting on a node that hears of it a little later).
pub(super) const REVOKE_MARGIN_MS: i64 = 1_000;
/// The erasure runs this long after the request: a message or file the visitor sent
/// just before (authorized, not yet committed) is committed by then, and erased too.
pub(super) const ERASE_GRACE_MS: i64 = 2_000;

/// How a request names the person: exactly one of the three.
pub struct PersonRef<'a> {
    pub visitor_id: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub email: Option<&'a str>,
}

#[derive(Serialize, Deserialize)]
struct EraseJob {
    erasure_id: String,
}

/// What erasing does to conversations (the organization's setting).
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasureMode {
    /// Conversations are kept for the team, with the visitor's messages emptied.
    Tombstone,
    /// The visitor's conversations are deleted, the team's messages with them.
    Delete,
}

impl ErasureMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErasureMode::Tombstone => "tombstone",
            ErasureMode::Delete => "delete",
        }
    }

    pub fn from_db(s: &str) -> ErasureMode {
        if s == "delete" {
            ErasureMode::Delete
        } else {
            ErasureMode::Tombstone
        }
    }
}

impl App {
    /// The visitors a request names, of the websites the principal sees.
    pub(super) async fn named_visitors(&self, p: &Principal, org_id: &str, who: &PersonRef<'_>) -> ApiResult<Vec<VisitorRow>> {
        let email = who.email.map(Email::parse).transpose()?;
        let lookup = match (who.visitor_id, who.external_id.map(str::trim), &email) {
            (Some(id), None, None) => VisitorLookup::Id(id),
            (None, Some(ext), None) if !ext.is_empty() && ext.chars().count() <= 200 => VisitorLookup::ExternalId(ext),
            (None, None, Some(e)) => VisitorLookup::Email(e.as_str()),
            _ => return Err(ApiError::BadInput("name the person by exactly one of visitorId, externalId (1 to 200 characters) or email".into())),
        };
        let found = self.store.find_visitors(org_id, lookup, p.websites()).await?;
        if found.len() as i64 > MAX_VISITORS_PER_REQUEST {
            return Err(ApiError::BadInput(format!("more than {MAX_VISITORS_PER_REQUEST} visitors match: name them by visitorId")));
        }
        if found.is_empty() && who.visitor_id.is_some() {
            return Err(ApiError::NotFound("visitor"));
        }
        Ok(found)
    }

    /// Erases the named visitors' personal data (docs/privacy.md): their tokens stop
    /// working at once (open sockets close with 4403), and a job removes the rest,
    /// recording what it removed on the returned receipt. Erasing again is harmless.
    pub async fn erase_visitor(&self, p: &Principal, who: PersonRef<'_>) -> ApiResult<ErasureRow> {
        let org_id = manager(p, ApiKeyScope::VisitorsErase)?;
        // Per principal, so a plugin's key cannot use up the owner's requests.
        self.limit(&format!("erase:{}", p.limit_key()), crate::ratelimit::Quota::per_window(500, std::time::Duration::from_secs(3600))).await?;
        let visitors = self.named_visitors(p, org_id, &who).await?;
        let ids: Vec<String> = visitors.into_iter().map(|v| v.id).collect();
        let mode = self.store.erasure_mode(org_id).await?;
        self.start_erasure(p, org_id, &ids, &mode).await
    }

    /// Records the erasure with its job, revokes the visitors' tokens on every node and
    /// audits the request.
    async fn start_erasure(&self, p: &Principal, org_id: &str, ids: &[String], mode: &str) -> ApiResult<ErasureRow> {
        let id = crate::ids::new_id("era");
        let at = crate::time::now_ms() + REVOKE_MARGIN_MS;
        let (by_kind, by, _) = p.actor();
        let job = self.jobs.job_at(ERASE, Some(org_id), &EraseJob { erasure_id: id.clone() }, self.jobs.now() + ERASE_GRACE_MS);
        let row = self.store.create_erasure(NewErasure { id: &id, org_id, visitor_ids: ids, mode, by_kind, by, revoke_until: at, job }).await?;
        for v in ids {
            self.access.revoke_visitor(v, at);
            self.bus.publish(AUTH_TOPIC, Event::VisitorRevoked { visitor_id: v.clone(), at });
        }
        self.jobs.wake();
        self.audit(p, "visitor.erase", Some(&id)).await?;
        Ok(row)
    }

    /// A visitor deletes their own data, where the website lets them: the same erasure,
    /// asked by the visitor (recorded with its receipt and in the audit log).
    pub async fn delete_my_data(&self, p: &Principal) -> ApiResult<()> {
        let v = super::visitor(p)?;
        let site = self.store.website(&v.org_id, &v.website_id).await?;
        if !site.visitor_deletion {
            return Err(ApiError::Forbidden("this website does not let visitors delete their data"));
        }
        // Once per visitor (aliases in one request included), and a website's visitors
        // at most 100 times an hour (each leaves a receipt).
        let hour = std::time::Duration::from_secs(3600);
        self.limit(&format!("delete-me:{}", v.id), crate::ratelimit::Quota::per_window(1, hour)).await?;
        self.limit(&format!("delete-me-site:{}", v.website_id), crate::ratelimit::Quota::per_window(100, hour)).await?;
        // A visitor removes their own side only: the team's replies and notes stay,
        // whatever the organization's mode for the requests it answers.
        self.start_erasure(p, &v.org_id, std::slice::from_ref(&v.id), ErasureMode::Tombstone.as_str()).await?;
        Ok(())
    }

    pub async fn erasure(&self, p: &Principal, id: &str) -> ApiResult<ErasureRow> {
        let org_id = manager(p, ApiKeyScope::VisitorsErase)?;
        match self.store.erasure(org_id, id).await {
            Ok(e) if sees_request(p, &e.requested_by) => Ok(e),
            Ok(_) => Err(ApiError::NotFound("erasure")),
            Err(e) => Err(super::accounts::not_found(e, "erasure")),
        }
    }

    pub async fn erasures(&self, p: &Principal, first: i64) -> ApiResult<Vec<ErasureRow>> {
        let org_id = manager(p, ApiKeyScope::VisitorsErase)?;
        Ok(self.store.erasures(org_id, requester(p), first.clamp(1, 100)).await?)
    }

    pub async fn erasure_mode(&self, p: &Principal) -> ApiResult<ErasureMode> {
        let org_id = manager(p, ApiKeyScope::VisitorsErase)?;
        Ok(ErasureMode::from_db(&self.store.erasure_mode(org_id).await?))
    }

    pub async fn set_erasure_mode(&self, p: &Principal, mode: ErasureMode) -> ApiResult<ErasureMode> {
        let a = super::admin(p)?;
        self.store.set_erasure_mode(&a.org_id, mode.as_str()).await?;
        self.audit(p, "privacy.erasure_mode", None).await?;
        Ok(mode)
    }

    pub(super) async fn run_erase(&self, job: JobRow) -> Outcome {
        let j: EraseJob = super::outbox::payload(&job)?;
        let org_id = job.org_id.as_deref().unwrap_or_default();
        let store = |e: crate::store::StoreError| (format!("store: {e:?}"), false);
        let e = self.store.erasure(org_id, &j.erasure_id).await.map_err(store)?;
        if e.status == "done" {
            return Ok(());
        }
        let delete = e.mode == "delete";
        let ids: Vec<String> = serde_json::from_str(&e.visitor_ids).unwrap_or_default();
        for v in &ids {
            self.erase_visitor_now(org_id, v, delete, Some(&e.id)).await?;
        }
        self.store.finish_erasure(&e.id).await.map_err(store)
    }

    /// Erases one visitor (counted on the receipt `erasure_id` when there is one), with
    /// their files and the exports naming them. Running it again finds nothing more.
    pub(super) async fn erase_visitor_now(&self, org_id: &str, v: &str, delete: bool, erasure_id: Option<&str>) -> Outcome {
        let store = |e: crate::store::StoreError| (format!("store: {e:?}"), false);
        // Files first: a failure after leaves rows a retry deletes, never a file
        // nothing points at.
        for key in self.store.erasable_files(org_id, v, delete).await.map_err(store)? {
            self.files.delete(&key).await.map_err(|err| (format!("file store: {err}"), false))?;
        }
        self.store.erase_visitor(org_id, v, delete, erasure_id).await.map_err(store)?;
        // Exports of the person end too: built archives are deleted, pending ones
        // are never built.
        for x in self.store.exports_naming(org_id, v).await.map_err(store)? {
            if let Some(key) = &x.storage_key {
                self.files.delete(key).await.map_err(|err| (format!("file store: {err}"), false))?;
            }
            self.store.expire_export(&x.id).await.map_err(store)?;
        }
        Ok(())
    }
}

/// Owners and admins see every privacy request of the organization; an API key, the
/// ones it made (a key limited to one website must not learn of the others' visitors).
pub(super) fn sees_request(p: &Principal, requested_by: &str) -> bool {
    requester(p).is_none_or(|me| me == requested_by)
}

/// Whose requests `p` lists: a key's own, or (none) everyone's.
pub(super) fn requester(p: &Principal) -> Option<&str> {
    match p {
        Principal::ApiKey(k) => Some(&k.id),
        _ => None,
    }
}
