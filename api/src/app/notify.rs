//! Emails to agents who are away from the dashboard (docs/integrations.md#email-to-offline-agents):
//! a chat assigned to an agent who is offline, and a new chat waiting while nobody who
//! could take it is online. At most one email per conversation and agent per
//! `NOTICE_INTERVAL`; each is a job that checks again, when it runs, that the chat still
//! needs them and that they are still offline.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{App, ConversationRow};
use crate::domain::ConversationStatus;
use crate::jobs::{JobRow, Outcome};
use crate::ratelimit::Quota;
use crate::store::StoreError;

pub const OFFLINE_NOTICE: &str = "email.offline_notice";
/// At most one email per conversation and agent this often.
pub const NOTICE_INTERVAL: Duration = Duration::from_secs(30 * 60);
/// A waiting chat is emailed about when nobody took it within this time.
pub const WAITING_GRACE: Duration = Duration::from_secs(60);
/// The most agents one waiting chat emails.
const MAX_RECIPIENTS: usize = 20;

#[derive(Serialize, Deserialize)]
struct Notice {
    conversation_id: String,
    /// The assignee to tell; none: the offline members of its department (or team).
    #[serde(default)]
    agent_id: Option<String>,
}

impl App {
    /// Whether the agent can see a chat now: status online and a live connection.
    async fn agent_present(&self, org_id: &str, agent_id: &str) -> bool {
        match self.store.agent(org_id, agent_id).await {
            Ok(a) => a.status == crate::domain::AgentStatus::Online && self.presence.agent_connected(agent_id).await,
            Err(_) => true,
        }
    }

    /// After a chat was given to `agent_id` by someone else: an email if they are offline.
    pub(super) async fn notice_assignee(&self, conv: &ConversationRow, agent_id: &str) {
        if self.agent_present(&conv.org_id, agent_id).await {
            return;
        }
        let job = self.jobs.job(OFFLINE_NOTICE, Some(&conv.org_id), &Notice { conversation_id: conv.id.clone(), agent_id: Some(agent_id.to_owned()) });
        if let Err(e) = self.jobs.schedule(job, &format!("{}:{agent_id}", conv.id)).await {
            tracing::warn!(error = ?e, "enqueueing an offline agent's email");
        }
    }

    /// After a chat started waiting: if it still waits in a minute with nobody online
    /// to take it, the offline agents who could are emailed.
    /// Only where email leaves the server (SMTP configured): it is about every chat.
    pub(super) async fn notice_waiting(&self, conv: &ConversationRow) {
        if !self.mailer.delivers() {
            return;
        }
        let at = self.jobs.now() + WAITING_GRACE.as_millis() as i64;
        let job = self.jobs.job_at(OFFLINE_NOTICE, Some(&conv.org_id), &Notice { conversation_id: conv.id.clone(), agent_id: None }, at);
        if let Err(e) = self.jobs.schedule(job, &conv.id).await {
            tracing::warn!(error = ?e, "enqueueing a waiting chat's email");
        }
    }

    pub(super) async fn run_offline_notice(&self, job: JobRow) -> Outcome {
        let n: Notice = super::outbox::payload(&job)?;
        let org_id = job.org_id.as_deref().unwrap_or_default();
        let conv = match self.store.conversation(org_id, &n.conversation_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(super::outbox::store_failed(e)),
        };
        if conv.status != ConversationStatus::Open {
            return Ok(());
        }
        let agents = self.store.agents(org_id).await.map_err(super::outbox::store_failed)?;
        let candidates: Vec<String> = match &n.agent_id {
            Some(a) if conv.assignee_id.as_deref() == Some(a) => vec![a.clone()],
            Some(_) => return Ok(()),
            None if conv.assignee_id.is_some() => return Ok(()),
            None => match &conv.department_id {
                Some(d) => self.store.department_member_ids(d).await.map_err(super::outbox::store_failed)?,
                None => agents.iter().map(|a| a.id.clone()).collect(),
            },
        };
        let mut offline = Vec::new();
        for id in &candidates {
            if self.agent_present(org_id, id).await {
                // Someone who can take it sees it: nobody is emailed.
                return Ok(());
            }
            offline.push(id);
        }
        let site = self.store.website(org_id, &conv.website_id).await.map_err(super::outbox::store_failed)?;
        let link = self.mailer.link(&format!("/app/inbox/{}/{}", if n.agent_id.is_some() { "mine" } else { "unassigned" }, conv.id));
        let preview = conv.last_message_preview.clone().unwrap_or_default();
        let mut jobs = Vec::new();
        for a in agents.iter().filter(|a| a.removed_at.is_none() && offline.contains(&&a.id)).take(MAX_RECIPIENTS) {
            let key = format!("offline-notice:{}:{}", conv.id, a.id);
            // A rule of the product, not an abuse limit: it holds with rate limits off.
            if self.limiter.check(&key, Quota::per_window(1, NOTICE_INTERVAL)).await.is_err() {
                continue;
            }
            let (subject, lead) = match &n.agent_id {
                Some(_) => (format!("A chat on {} was assigned to you", site.name), "A chat was assigned to you while you were away:"),
                None => (format!("A visitor is waiting on {}", site.name), "A visitor is waiting and nobody on the team is online:"),
            };
            let text = format!("{lead}\n\n  {preview}\n\nAnswer it: {link}\n\n-- \nChinwag emails you about chats when you are offline, at most once per chat every 30 minutes.\n");
            jobs.push(self.email_job(Some(org_id), &a.email, subject, text));
        }
        if !jobs.is_empty() {
            self.jobs.enqueue(&jobs).await.map_err(super::outbox::store_failed)?;
        }
        Ok(())
    }
}
