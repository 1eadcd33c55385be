//! The jobs the app enqueues (see `crate::jobs`) and how each runs. Every email is one:
//! invites and password resets commit their job with the invite or reset, a reply to an
//! offline message commits it with the message, and a transcript is enqueued on its own.

use std::sync::Arc;

use futures_util::FutureExt as _;
use serde::{Deserialize, Serialize};

use super::{App, ConversationRow, MessageRow};
use crate::domain::SenderKind;
use crate::jobs::{JobRow, Kind, NewJob, Outcome, Policy};
use crate::mail::SendError;
use crate::store::StoreError;

/// An email rendered when it was enqueued.
pub const EMAIL: &str = "email";
/// The team's reply to an offline message, rendered when it runs (from the committed
/// message), so the job carries ids only.
pub const OFFLINE_REPLY: &str = "email.offline_reply";

#[derive(Serialize, Deserialize)]
struct Email {
    to: String,
    subject: String,
    text: String,
}

#[derive(Serialize, Deserialize)]
struct OfflineReply {
    conversation_id: String,
    message_id: String,
}

/// What a new message makes happen later, decided under the append's lock and
/// committed with the message: the team's public reply in an offline conversation is
/// emailed to the visitor.
pub(crate) fn after_message(m: &MessageRow, conv: &ConversationRow, _became_queued: bool, now: i64) -> Vec<NewJob> {
    if !(conv.is_offline && !m.is_private && m.sender_kind != SenderKind::Visitor) {
        return Vec::new();
    }
    let payload = OfflineReply { conversation_id: conv.id.clone(), message_id: m.id.clone() };
    vec![NewJob {
        kind: OFFLINE_REPLY,
        key: None,
        org_id: Some(conv.org_id.clone()),
        payload: serde_json::to_string(&payload).expect("payloads serialize"),
        run_at: now,
    }]
}

impl App {
    /// An email job, due now, to commit with the change it follows.
    pub(crate) fn email_job(&self, org_id: Option<&str>, to: &str, subject: String, text: String) -> NewJob {
        self.jobs.job(EMAIL, org_id, &Email { to: to.to_owned(), subject, text })
    }

    /// The kinds this node runs, with their policies (`--job-policy` overrides).
    pub fn job_kinds(self: &Arc<Self>) -> Vec<Kind> {
        let policies = &self.job_policies;
        let kind = |name: &'static str, run: fn(Arc<App>, JobRow) -> futures_util::future::BoxFuture<'static, Outcome>| {
            let app = self.clone();
            let default = if name.starts_with("privacy.") || name.starts_with("analytics.") {
                Policy::housekeeping()
            } else if name.starts_with("webhook.") {
                Policy::webhooks()
            } else {
                Policy::outbound()
            };
            Kind { name, policy: policies.of(name, default), handler: Arc::new(move |job| run(app.clone(), job)) }
        };
        vec![
            kind(EMAIL, |app, job| async move { app.run_email(job).await }.boxed()),
            kind(OFFLINE_REPLY, |app, job| async move { app.run_offline_reply(job).await }.boxed()),
            kind(super::privacy::ERASE, |app, job| async move { app.run_erase(job).await }.boxed()),
            kind(super::visitors::WEBSITE_DELETE, |app, job| async move { app.run_website_delete(job).await }.boxed()),
            kind(crate::store::REASSIGN, |app, job| async move { app.run_reassign(job).await }.boxed()),
            kind(crate::store::OFFER_EXPIRY, |app, job| async move { app.run_offer_expiry(job).await }.boxed()),
            kind(super::automation::AUTOMATION_MESSAGE, |app, job| async move { app.run_automation_message(job).await }.boxed()),
            kind(super::automation::AUTOMATION_NO_REPLY, |app, job| async move { app.run_no_reply(job).await }.boxed()),
            kind(super::automation::AUTOMATION_RATING, |app, job| async move { app.run_rating(job).await }.boxed()),
            kind(super::push::PUSH_NOTIFY, |app, job| async move { app.run_push_notify(job).await }.boxed()),
            kind(super::sla::SLA_CHECK, |app, job| async move { app.run_sla_check(job).await }.boxed()),
            kind(super::export::EXPORT, |app, job| async move { app.run_export(job).await }.boxed()),
            kind(super::notify::OFFLINE_NOTICE, |app, job| async move { app.run_offline_notice(job).await }.boxed()),
            kind(super::webhooks::WEBHOOK_EVENT, |app, job| async move { app.run_webhook_event(job).await }.boxed()),
            kind(crate::store::WEBHOOK_DELIVER, |app, job| async move { app.run_webhook_deliver(job).await }.boxed()),
            kind(super::slack::SLACK_SYNC, |app, job| async move { app.run_slack_sync(job).await }.boxed()),
            kind(super::slack::SLACK_REPLY, |app, job| async move { app.run_slack_reply(job).await }.boxed()),
            kind(super::slack::SLACK_ACTION, |app, job| async move { app.run_slack_action(job).await }.boxed()),
            kind(super::export::RETENTION, |app, job| async move { app.run_retention(job).await }.boxed()),
            kind(super::analytics::ANALYTICS_ROLLUP, |app, job| async move { app.run_analytics_rollup(job).await }.boxed()),
        ]
    }

    async fn run_email(&self, job: JobRow) -> Outcome {
        let e: Email = payload(&job)?;
        self.mailer.send(&job.id, &e.to, &e.subject, e.text).await.map_err(failed)
    }

    async fn run_offline_reply(&self, job: JobRow) -> Outcome {
        let r: OfflineReply = payload(&job)?;
        let org_id = job.org_id.as_deref().unwrap_or_default();
        let read = async {
            let conv = self.store.conversation(org_id, &r.conversation_id).await?;
            let message = self.store.message(&r.conversation_id, &r.message_id).await?;
            let visitor = self.store.visitor(org_id, &conv.visitor_id).await?;
            let site = self.store.website(org_id, &conv.website_id).await?;
            Ok::<_, StoreError>((conv, message, visitor, site))
        };
        let (conv, m, visitor, site) = match read.await {
            Ok(found) => found,
            // Erased since: nothing to send.
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err((format!("store: {e:?}"), false)),
        };
        let Some(to) = visitor.email.as_deref() else { return Ok(()) };
        if visitor.vouched_email().is_none() {
            // The reply follows the confirmation (as the conversation's transcript); past
            // the address's confirmations for the day, nothing more is sent.
            return match self.ask_confirmation(&conv, &site, to, super::vouch::Asked::Reply).await {
                Ok(()) | Err(crate::error::ApiError::RateLimited { .. }) => Ok(()),
                Err(e) => Err((format!("{e:?}"), false)),
            };
        }
        let subject = format!("Re: your message to {}", site.name);
        let text = format!("{}\n\n-- \nA reply to the message you left on {}.\n", m.body, site.name);
        let threading = self.reply_threading(&conv.id, &job.id, self.mailer.host());
        let text = match threading {
            Some(_) => format!("{text}You can answer by replying to this email.\n"),
            None => text,
        };
        self.mailer.send_threaded(&job.id, to, &subject, text, threading.as_ref()).await.map_err(failed)
    }
}

/// A run that could not reach the store: retried.
pub(super) fn store_failed(e: StoreError) -> (String, bool) {
    (format!("store: {e:?}"), false)
}

pub(super) fn payload<T: serde::de::DeserializeOwned>(job: &JobRow) -> Result<T, (String, bool)> {
    serde_json::from_str(&job.payload).map_err(|e| (format!("payload: {e}"), true))
}

fn failed(e: SendError) -> (String, bool) {
    (e.message, e.permanent)
}

/// The most jobs one page lists.
pub const MAX_JOB_PAGE: i64 = 100;

impl App {
    /// The organization's jobs, newest first (owners and admins): what is pending,
    /// running or dead, and why the last run failed.
    pub async fn jobs_page(
        &self,
        p: &crate::auth::Principal,
        kind: Option<&str>,
        state: Option<crate::domain::JobState>,
        before: Option<(i64, &str)>,
        limit: i64,
    ) -> crate::error::ApiResult<Vec<JobRow>> {
        let a = super::admin(p)?;
        Ok(self.store.jobs_page(Some(&a.org_id), kind, state, before, limit.clamp(1, MAX_JOB_PAGE + 1)).await?)
    }

    /// Runs a dead job again, now, with a fresh count of attempts (owners and admins).
    pub async fn retry_job(&self, p: &crate::auth::Principal, id: &str) -> crate::error::ApiResult<JobRow> {
        let a = super::admin(p)?;
        let job = self.store.retry_dead_job(Some(&a.org_id), id, self.jobs.now()).await.map_err(|e| match e {
            StoreError::NotFound => crate::error::ApiError::NotFound("dead job"),
            other => other.into(),
        })?;
        self.audit(p, "job.retry", Some(id)).await?;
        self.jobs.wake();
        Ok(job)
    }
}
