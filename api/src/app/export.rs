//! Exports (everything about a person, or a whole organization, as one ZIP archive
//! built by a job and fetched through a signed link) and retention (a daily job that
//! deletes what websites keep no longer). docs/privacy.md is the user's side.

use std::collections::HashMap;
use std::io::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::privacy::PersonRef;
use super::{manager, App};
use crate::auth::Principal;
use crate::domain::{ApiKeyScope, Role};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{JobRow, Outcome};
use crate::store::{ConversationRow, ExportRow, NewExport, StoreError, VisitorRow};
use crate::time::rfc3339;

/// The job kind that builds an export's archive.
pub const EXPORT: &str = "privacy.export";
/// The daily job that applies retention (and deletes expired exports and old audit
/// entries).
pub const RETENTION: &str = "privacy.retention";

/// An export's link works this long after it is built; then the archive is deleted.
const EXPORT_TTL_MS: i64 = 7 * DAY_MS;
/// Audit entries are kept this long.
pub const AUDIT_RETENTION_DAYS: i64 = 400;
const DAY_MS: i64 = 24 * 3600 * 1000;
/// Rows one retention step deletes before looking again (keeps each transaction short).
const RETENTION_BATCH: i64 = 200;

/// A failed run, retried (the store or the file storage may be back).
fn store_err(e: StoreError) -> (String, bool) {
    (format!("store: {e:?}"), false)
}

fn failed(what: &str, e: impl std::fmt::Display) -> (String, bool) {
    (format!("{what}: {e}"), false)
}

/// The ZIP archive being written, and what each person's part needs. The writing and
/// deflating happen on a thread of their own, fed a few entries ahead: an organization's
/// export may deflate for minutes, which must not hold one of the runtime's workers.
struct Archive {
    entries: Option<tokio::sync::mpsc::Sender<Entry>>,
    writer: Option<std::thread::JoinHandle<Result<(), String>>>,
    /// Agents' names by id.
    agents: HashMap<String, String>,
    /// Whether the team's private notes go in (a whole organization's export).
    notes: bool,
}

/// One file of the archive, deflated unless `compressed` already (images, PDFs,
/// archives: deflating them again costs CPU for nothing).
struct Entry {
    name: String,
    bytes: Vec<u8>,
    compressed: bool,
}

impl Archive {
    fn create(path: &std::path::Path, agents: HashMap<String, String>, notes: bool) -> Result<Archive, (String, bool)> {
        let file = std::fs::File::create(path).map_err(|e| failed("archive", e))?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Entry>(4);
        let writer = std::thread::spawn(move || -> Result<(), String> {
            let mut zip = zip::ZipWriter::new(file);
            let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            while let Some(e) = rx.blocking_recv() {
                let opts = if e.compressed { deflated.compression_method(zip::CompressionMethod::Stored) } else { deflated };
                zip.start_file(e.name, opts).map_err(|e| e.to_string())?;
                zip.write_all(&e.bytes).map_err(|e| e.to_string())?;
            }
            zip.finish().map_err(|e| e.to_string())?;
            Ok(())
        });
        Ok(Archive { entries: Some(tx), writer: Some(writer), agents, notes })
    }

    async fn add(&mut self, name: String, bytes: Vec<u8>, compressed: bool) -> Result<(), (String, bool)> {
        let tx = self.entries.as_ref().expect("an open archive");
        // The writer stopped only on an error, which `finish` reports.
        tx.send(Entry { name, bytes, compressed }).await.map_err(|_| failed("archive", "the writer stopped"))
    }

    /// Waits for the writer to write what is queued and close the archive.
    async fn finish(mut self) -> Result<(), (String, bool)> {
        drop(self.entries.take());
        let writer = self.writer.take().expect("an open archive");
        match tokio::task::spawn_blocking(move || writer.join()).await {
            Ok(Ok(r)) => r.map_err(|e| failed("archive", e)),
            _ => Err(failed("archive", "the writer panicked")),
        }
    }
}

/// A temporary file, removed when this is dropped.
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[derive(Serialize, Deserialize)]
struct ExportJob {
    export_id: String,
}

#[derive(Serialize, Deserialize)]
struct RetentionJob {}

impl App {
    /// Exports everything about the named person (docs/privacy.md): owners and admins,
    /// and API keys with `VISITORS_EXPORT` (of their websites).
    pub async fn export_visitor(&self, p: &Principal, who: PersonRef<'_>) -> ApiResult<ExportRow> {
        let org_id = manager(p, ApiKeyScope::VisitorsExport)?;
        // Per principal, so a plugin's key cannot use up the owner's requests.
        self.limit(&format!("export:{}", p.limit_key()), crate::ratelimit::Quota::per_window(60, std::time::Duration::from_secs(3600))).await?;
        let visitors = self.named_visitors(p, org_id, &who).await?;
        let ids: Vec<String> = visitors.into_iter().map(|v| v.id).collect();
        let row = self.new_export(p, org_id, "visitor", &json!({ "visitorIds": ids })).await?;
        self.audit(p, "visitor.export", Some(&row.id)).await?;
        Ok(row)
    }

    /// Exports the whole organization (owners only, 3 a day): for an owner leaving us.
    pub async fn export_organization(&self, p: &Principal) -> ApiResult<ExportRow> {
        let owner = match p {
            Principal::Agent(a) if a.role == Role::Owner => a,
            _ => return Err(ApiError::Forbidden("only an owner exports the whole organization")),
        };
        self.limit(&format!("export-org:{}", owner.org_id), crate::ratelimit::Quota::per_window(3, std::time::Duration::from_secs(24 * 3600))).await?;
        let row = self.new_export(p, &owner.org_id, "organization", &json!({})).await?;
        self.audit(p, "organization.export", Some(&row.id)).await?;
        Ok(row)
    }

    async fn new_export(&self, p: &Principal, org_id: &str, kind: &str, subject: &Value) -> ApiResult<ExportRow> {
        let id = crate::ids::new_id("exp");
        let (by_kind, by, _) = p.actor();
        let job = self.jobs.job(EXPORT, Some(org_id), &ExportJob { export_id: id.clone() });
        let row = self.store.create_export(NewExport { id: &id, org_id, kind, subject: &subject.to_string(), by_kind, by, job }).await?;
        self.jobs.wake();
        Ok(row)
    }

    /// Whether `p` may see the export: the organization's managers (a whole
    /// organization's export: its owners only); a key, the exports it asked for.
    fn may_see_export(p: &Principal, e: &ExportRow) -> bool {
        match p {
            Principal::Agent(a) => a.org_id == e.org_id && (e.kind == "visitor" || a.role == Role::Owner),
            Principal::ApiKey(k) => k.org_id == e.org_id && super::privacy::sees_request(p, &e.requested_by),
            Principal::Visitor(_) => false,
        }
    }

    pub async fn export_of(&self, p: &Principal, id: &str) -> ApiResult<ExportRow> {
        manager(p, ApiKeyScope::VisitorsExport)?;
        match self.store.export(id).await {
            Ok(e) if Self::may_see_export(p, &e) => Ok(e),
            Ok(_) | Err(StoreError::NotFound) => Err(ApiError::NotFound("export")),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn exports(&self, p: &Principal, first: i64) -> ApiResult<Vec<ExportRow>> {
        let org_id = manager(p, ApiKeyScope::VisitorsExport)?;
        let whole = matches!(p, Principal::Agent(a) if a.role == Role::Owner);
        Ok(self.store.exports(org_id, super::privacy::requester(p), whole, first.clamp(1, 100)).await?)
    }

    /// The signed download link of a built export, valid until it expires.
    pub fn export_link(&self, e: &ExportRow) -> Option<String> {
        let exp = e.expires_at.filter(|_| e.status == "done")? / 1000;
        let sig = self.keys.mac_b64("export", &format!("{}:{exp}", e.id));
        Some(format!("/exports/{}?exp={exp}&sig={sig}", e.id))
    }

    /// The archive a signed link names, if the link is genuine and unexpired.
    pub async fn signed_export(&self, id: &str, exp: i64, sig: &str) -> ApiResult<(ExportRow, crate::files::Download)> {
        if exp < crate::time::now_ms() / 1000 || !self.keys.verify_mac_b64("export", &format!("{id}:{exp}"), sig) {
            return Err(ApiError::Forbidden("the link is invalid or expired"));
        }
        let e = self.store.export(id).await.map_err(|e| super::not_found(e, "export"))?;
        let key = e.storage_key.clone().filter(|_| e.status == "done").ok_or(ApiError::NotFound("export"))?;
        let file = self.files.get_stream(&key).await.map_err(|e| ApiError::unavailable(format!("file store: {e}")))?;
        Ok((e, file))
    }

    pub(super) async fn run_export(&self, job: JobRow) -> Outcome {
        let j: ExportJob = super::outbox::payload(&job)?;
        let e = match self.store.export(&j.export_id).await {
            Ok(e) if e.status == "pending" => e,
            Ok(_) | Err(StoreError::NotFound) => return Ok(()),
            Err(err) => return Err(store_err(err)),
        };
        let dir = self.settings.data_dir.join("tmp");
        std::fs::create_dir_all(&dir).map_err(|err| failed("temporary directory", err))?;
        let path = dir.join(format!("{}.zip", e.id));
        // Removed however the run ends (a timeout drops this future mid-way).
        let _temporary = RemoveOnDrop(path.clone());
        let built = self.build_archive(&e, &path).await;
        let uploaded = match built {
            Ok(()) => {
                let key = format!("exports/{}.zip", e.id);
                self.files.put_file(&key, &path).await.map(|size| (key, size)).map_err(|err| failed("file store", err))
            }
            Err(err) => Err(err),
        };
        let (key, size) = uploaded?;
        let expires = crate::time::now_ms() + EXPORT_TTL_MS;
        if !self.store.finish_export(&e.id, &key, size as i64, expires).await.map_err(store_err)? {
            // Its person was erased while it was built.
            self.files.delete(&key).await.map_err(|err| failed("file store", err))?;
        }
        Ok(())
    }

    /// Writes the archive: `chinwag-export.json` (what was exported, and for an
    /// organization its websites, team, departments and canned responses), one
    /// `visitors/<id>.json` per person, and their files under `files/`.
    async fn build_archive(&self, e: &ExportRow, path: &std::path::Path) -> Result<(), (String, bool)> {
        let store = store_err;
        let whole = e.kind == "organization";
        let agents = self.store.agents(&e.org_id).await.map_err(store)?.into_iter().map(|a| (a.id, a.name)).collect();
        let mut archive = Archive::create(path, agents, whole)?;
        let org = self.store.org(&e.org_id).await.map_err(store)?;
        let mut manifest = json!({
            "format": "chinwag-export/1",
            "kind": e.kind,
            "exportedAt": rfc3339(crate::time::now_ms()),
            "organization": { "id": org.id, "name": org.name, "createdAt": rfc3339(org.created_at) },
        });
        let mut visitor_ids = Vec::new();
        if whole {
            manifest["websites"] = self
                .store
                .websites(&e.org_id)
                .await
                .map_err(store)?
                .iter()
                .map(|w| {
                    json!({
                        "id": w.id, "name": w.name, "publicKey": w.public_key, "allowedOrigins": w.origins(), "createdAt": rfc3339(w.created_at),
                        "retention": { "resolvedConversationDays": w.retain_resolved_days, "idleVisitorDays": w.retain_idle_visitor_days },
                    })
                })
                .collect();
            manifest["agents"] = self.store.agents(&e.org_id).await.map_err(store)?.iter().map(|a| json!({
                "id": a.id, "name": a.name, "email": a.email, "role": a.role.as_str(), "createdAt": rfc3339(a.created_at), "removedAt": a.removed_at.map(rfc3339),
            })).collect();
            manifest["departments"] = self.store.departments(&e.org_id).await.map_err(store)?.iter().map(|d| json!({ "id": d.id, "name": d.name })).collect();
            manifest["cannedResponses"] = self
                .store
                .canned_responses(&e.org_id)
                .await
                .map_err(store)?
                .iter()
                .map(|c| json!({ "shortcut": c.shortcut, "title": c.title, "body": c.body }))
                .collect();
        }
        let mut after = String::new();
        loop {
            let page: Vec<VisitorRow> = if whole {
                self.store.visitors_after(&e.org_id, &after, 200).await.map_err(store)?
            } else if after.is_empty() {
                let ids: Vec<String> =
                    serde_json::from_str::<Value>(&e.subject).ok().and_then(|s| serde_json::from_value(s["visitorIds"].clone()).ok()).unwrap_or_default();
                let mut rows = Vec::new();
                for id in ids {
                    match self.store.visitor(&e.org_id, &id).await {
                        Ok(v) => rows.push(v),
                        Err(StoreError::NotFound) => {} // erased since
                        Err(err) => return Err(store(err)),
                    }
                }
                rows
            } else {
                Vec::new()
            };
            let Some(last) = page.last() else { break };
            after = last.id.clone();
            for v in &page {
                let doc = self.visitor_document(v, &mut archive).await?;
                archive.add(format!("visitors/{}.json", v.id), serde_json::to_vec_pretty(&doc).expect("json"), false).await?;
                visitor_ids.push(v.id.clone());
            }
        }
        manifest["visitors"] = json!(visitor_ids);
        archive.add("chinwag-export.json".into(), serde_json::to_vec_pretty(&manifest).expect("json"), false).await?;
        archive.finish().await
    }

    /// One person's data: profile, page views, conversations with messages (the
    /// team's private notes only in a whole organization's export) and files.
    async fn visitor_document(&self, v: &VisitorRow, archive: &mut Archive) -> Result<Value, (String, bool)> {
        let views = self.store.page_views(&v.id, 10_000).await.map_err(store_err)?;
        let mut conversations = Vec::new();
        for c in self.store.visitor_conversations(&v.id).await.map_err(store_err)? {
            conversations.push(self.conversation_document(&c, archive).await?);
        }
        let attrs = |j: &str| serde_json::from_str::<Value>(j).unwrap_or(json!({}));
        Ok(json!({
            "id": v.id,
            "websiteId": v.website_id,
            "externalId": v.external_id,
            "name": v.name,
            "email": v.email,
            "emailVerifiedAt": v.email_verified_at.map(rfc3339),
            "attributes": attrs(&v.attributes),
            "attributesFromTheSite": attrs(&v.server_attributes),
            "userAgent": v.user_agent,
            "ip": v.ip,
            "currentUrl": v.current_url,
            "firstSeenAt": rfc3339(v.created_at),
            "lastSeenAt": rfc3339(v.last_seen_at),
            "pageViews": views.iter().map(|p| json!({ "url": p.url, "title": p.title, "referrer": p.referrer, "at": rfc3339(p.created_at) })).collect::<Vec<_>>(),
            "conversations": conversations,
        }))
    }

    async fn conversation_document(&self, c: &ConversationRow, archive: &mut Archive) -> Result<Value, (String, bool)> {
        let mut files: HashMap<String, Vec<String>> = HashMap::new();
        for a in self.store.conversation_attachments(&c.id).await.map_err(store_err)? {
            let name = format!("files/{}-{}", a.id, crate::files::clean_filename(&a.filename));
            let bytes = self.files.get(&a.storage_key).await.map_err(|err| failed("file store", err))?;
            let compressed = a.content_type.starts_with("image/") || matches!(a.content_type.as_str(), "application/pdf" | "application/zip");
            archive.add(name.clone(), bytes, compressed).await?;
            files.entry(a.message_id.unwrap_or_default()).or_default().push(name);
        }
        let mut messages = Vec::new();
        let mut after = 0;
        loop {
            let page = self.store.messages_between(&c.id, after, i64::MAX, 500).await.map_err(store_err)?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for m in page.into_iter().filter(|m| archive.notes || !m.is_private) {
                let sender = m.sender_id.as_ref().and_then(|id| archive.agents.get(id));
                messages.push(json!({
                    "id": m.id,
                    "from": m.sender_kind.as_str(),
                    "senderName": if m.sender_kind == crate::domain::SenderKind::Agent { sender.cloned() } else { None },
                    "body": m.body,
                    "privateNote": m.is_private,
                    "sentAt": rfc3339(m.created_at),
                    "files": files.remove(&m.id).unwrap_or_default(),
                }));
            }
        }
        Ok(json!({
            "id": c.id,
            "websiteId": c.website_id,
            "status": c.status.as_str(),
            "startedAt": rfc3339(c.created_at),
            "resolvedAt": c.resolved_at.map(rfc3339),
            "rating": c.rating,
            "ratingComment": c.rating_comment,
            "messages": messages,
        }))
    }

    /// Schedules today's retention run (idempotent: one job per day, whichever node).
    pub async fn schedule_retention(&self) -> ApiResult<()> {
        let now = self.jobs.now();
        let job = self.jobs.job_at(RETENTION, None, &RetentionJob {}, now);
        self.jobs.schedule(job, &format!("retention:{}", now / DAY_MS)).await?;
        Ok(())
    }

    /// Deletes what retention says is past its time, then schedules tomorrow's run.
    pub(super) async fn run_retention(&self, _job: JobRow) -> Outcome {
        let store = store_err;
        let now = self.jobs.now();
        // Tomorrow's run first: a failing run today (retried) must not stop the next.
        let next = now + DAY_MS;
        let job = self.jobs.job_at(RETENTION, None, &RetentionJob {}, next);
        self.jobs.schedule(job, &format!("retention:{}", next / DAY_MS)).await.map_err(store)?;
        for rule in self.store.retention_rules().await.map_err(store)? {
            if let Some(days) = rule.retain_resolved_days {
                loop {
                    let cutoff = now - days * DAY_MS;
                    let old = self.store.resolved_before(&rule.id, cutoff, RETENTION_BATCH).await.map_err(store)?;
                    for conv in &old {
                        for key in self.store.conversation_files(conv).await.map_err(store)? {
                            self.files.delete(&key).await.map_err(|err| failed("file store", err))?;
                        }
                        self.store.delete_conversation(&rule.org_id, conv, cutoff).await.map_err(store)?;
                    }
                    if (old.len() as i64) < RETENTION_BATCH {
                        break;
                    }
                }
            }
            if let Some(days) = rule.retain_idle_visitor_days {
                loop {
                    let idle = self.store.idle_visitors(&rule.id, now - days * DAY_MS, RETENTION_BATCH).await.map_err(store)?;
                    for v in &idle {
                        self.store.erase_visitor(&rule.org_id, v, true, None).await.map_err(store)?;
                    }
                    if (idle.len() as i64) < RETENTION_BATCH {
                        break;
                    }
                }
            }
        }
        for e in self.store.expired_exports(now).await.map_err(store)? {
            if let Some(key) = &e.storage_key {
                self.files.delete(key).await.map_err(|err| failed("file store", err))?;
            }
            self.store.expire_export(&e.id).await.map_err(store)?;
        }
        self.store.prune_audit_log(now - AUDIT_RETENTION_DAYS * DAY_MS).await.map_err(store)?;
        // Webhook events and the delivery log are kept 30 days (docs/webhooks.md).
        self.store.prune_webhooks(crate::time::now_ms() - crate::domain::webhooks::KEPT_DAYS * DAY_MS).await.map_err(store)?;
        Ok(())
    }
}
