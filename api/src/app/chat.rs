//! Conversations and messages: start, send, typing, read receipts, rating,
//! assignment and status. Each write commits, then publishes what happened.

use crate::domain::webhooks::EventType;
use std::time::{Duration, Instant};

use super::accounts::not_found;
use super::presence::{TypingExpiry, TypingStart};
use super::{staff, visitor, App};
use crate::auth::Principal;
use crate::bus::{conversation_topic, org_topic, Event};
use crate::domain::{ClientMessageId, ConversationStatus, MessageBody, Rating, RatingComment, SenderKind};
use crate::error::{ApiError, ApiResult};
use crate::store::{ConversationFilter, ConversationRow, MessageRow, NewMessage};

/// `isTyping: false` follows by itself after this long without a refresh.
pub const TYPING_TIMEOUT: Duration = Duration::from_secs(6);

pub struct Send<'a> {
    pub conversation_id: &'a str,
    pub body: &'a str,
    pub client_message_id: Option<&'a str>,
    pub is_private: bool,
    /// Uploads of the sender in this conversation; with one, the body may be empty.
    pub attachment_ids: Vec<String>,
}

/// What a visitor's first message answers: a trigger's bubble, or an agent's message
/// to them as a live visitor.
#[derive(Clone, Copy)]
pub enum ReplyTo<'a> {
    Trigger(&'a str),
    Proactive(&'a str),
}

/// Links to stored files live this long.
const FILE_LINK_SECS: i64 = 3600;
/// Files one message may carry.
const MAX_ATTACHMENTS: usize = 10;

impl App {
    /// The conversation if the principal may see it; another tenant's or another
    /// visitor's id is `NOT_FOUND`, exactly like a missing one.
    pub async fn visible_conversation(&self, p: &Principal, id: &str) -> ApiResult<ConversationRow> {
        let r = match p {
            Principal::Visitor(v) => self.store.visitor_conversation(&v.id, id).await,
            other => self.store.conversation(other.org_id(), id).await.and_then(|c| {
                // A key limited to websites sees nothing of the others.
                if other.sees_website(&c.website_id) {
                    Ok(c)
                } else {
                    Err(crate::store::StoreError::NotFound)
                }
            }),
        };
        r.map_err(|e| not_found(e, "conversation"))
    }

    /// `offline`: left while nobody is available; the visitor must have given an email,
    /// and the team answers by email.
    /// `reply_to`: the trigger or the agent's message the visitor answers; it is stored
    /// first (a trigger's as the bot, an agent's as theirs).
    pub async fn start_conversation(&self, p: &Principal, body: Option<&str>, offline: bool, reply_to: Option<ReplyTo<'_>>) -> ApiResult<ConversationRow> {
        let v = visitor(p)?;
        let body = body.filter(|b| !b.trim().is_empty()).map(MessageBody::parse).transpose()?;
        if reply_to.is_some() && (body.is_none() || offline) {
            return Err(ApiError::BadInput("a reply to a trigger or an agent's message needs a body (and is not an offline message)".into()));
        }
        // (sender kind, sender, body) of the message answered.
        let opener = match reply_to {
            Some(ReplyTo::Trigger(id)) => {
                let t = self.replied_trigger(&v.org_id, &v.website_id, id).await?;
                Some((SenderKind::Bot, t.id, t.message))
            }
            Some(ReplyTo::Proactive(id)) => {
                let m = self.replied_proactive(&v.org_id, &v.website_id, id).await?;
                if !self.store.take_proactive_message(&m.id).await? {
                    return Err(ApiError::NotFound("proactive message"));
                }
                Some((SenderKind::Agent, m.agent_id, m.body))
            }
            None => None,
        };
        if offline {
            let site = self.store.website(&v.org_id, &v.website_id).await?;
            if !site.offline_messages {
                return Err(ApiError::Forbidden("this website does not take offline messages"));
            }
            let me = self.store.visitor(&v.org_id, &v.id).await?;
            if me.email.is_none() {
                return Err(ApiError::BadInput("an offline message needs the visitor's email (startVisitorSession with email)".into()));
            }
            if body.is_none() {
                return Err(ApiError::BadInput("an offline message needs a body".into()));
            }
        }
        let cap = self.settings.limits.max_open_conversations;
        if cap > 0 && self.store.open_conversation_count(&v.id).await? >= cap as i64 {
            return Err(ApiError::PlanLimit("too many open conversations; continue an open one"));
        }
        let conv = self.store.create_conversation(&v.org_id, &v.website_id, &v.id, offline).await?;
        // Routed before its first message puts it in the queue.
        let conv = self.apply_routing_rules(conv, false).await?;
        if let Some((sender_kind, sender_id, body)) = opener {
            // The bubble the visitor answers, stored as it was shown.
            let out = self
                .appender
                .append(NewMessage {
                    org_id: conv.org_id.clone(),
                    conversation_id: conv.id.clone(),
                    visitor_id: None,
                    sender_kind,
                    sender_id: sender_id.clone(),
                    body,
                    is_private: false,
                    attachment_ids: Vec::new(),
                    client_message_id: None,
                    follow_up: Some(super::webhooks::follow_up(false, self.hooked(&conv.org_id).await)),
                })
                .await?;
            self.after_append(out, sender_kind, &sender_id).await;
        }
        match body {
            Some(body) => {
                let (_, conv) = self
                    .send_message(
                        p,
                        Send { conversation_id: &conv.id, body: body.as_str(), client_message_id: None, is_private: false, attachment_ids: Vec::new() },
                    )
                    .await?;
                Ok(conv)
            }
            None => Ok(conv),
        }
    }

    /// Sends a message. Once this returns Ok, the message is committed; a retry with the
    /// same `clientMessageId` returns the original.
    pub async fn send_message(&self, p: &Principal, s: Send<'_>) -> ApiResult<(MessageRow, ConversationRow)> {
        let (sender_kind, sender_id) = match p {
            Principal::Visitor(v) => {
                if s.is_private {
                    return Err(ApiError::Forbidden("visitors cannot send private notes"));
                }
                (SenderKind::Visitor, v.id.as_str())
            }
            other => {
                let (_, kind, id) = staff(other)?;
                (kind, id)
            }
        };
        if s.attachment_ids.len() > MAX_ATTACHMENTS {
            return Err(ApiError::BadInput(format!("at most {MAX_ATTACHMENTS} attachments per message")));
        }
        for id in &s.attachment_ids {
            match self.store.attachment(id).await {
                Ok(a) if a.conversation_id == s.conversation_id && a.uploader_id == sender_id && a.message_id.is_none() && a.org_id == p.org_id() => {}
                Ok(_) | Err(crate::store::StoreError::NotFound) => return Err(ApiError::NotFound("attachment")),
                Err(e) => return Err(e.into()),
            }
        }
        if matches!(p, Principal::ApiKey(k) if k.websites.is_some()) {
            // A key limited to websites: the append checks the organization only (the
            // send path of everyone else pays no extra read).
            self.visible_conversation(p, s.conversation_id).await?;
        }
        let body = if s.attachment_ids.is_empty() || !s.body.trim().is_empty() { MessageBody::parse(s.body)?.into_inner() } else { String::new() };
        let key = s.client_message_id.map(ClientMessageId::parse).transpose()?;
        self.limit(&format!("send:{}", p.limit_key()), self.send_quota()).await?;
        // With automations on visitors' messages, the message commits a job for them.
        let automated = sender_kind == SenderKind::Visitor && !s.is_private && self.automated(p.org_id()).await;
        // With webhook endpoints, the message commits its events.
        let hooked = self.hooked(p.org_id()).await;
        let started = std::time::Instant::now();
        // The append itself checks that the conversation is the principal's (by
        // organization, and by visitor for a visitor): another's is NOT_FOUND.
        let out = self
            .appender
            .append(NewMessage {
                org_id: p.org_id().to_owned(),
                conversation_id: s.conversation_id.to_owned(),
                visitor_id: match p {
                    Principal::Visitor(v) => Some(v.id.clone()),
                    _ => None,
                },
                sender_kind,
                sender_id: sender_id.to_owned(),
                body,
                is_private: s.is_private,
                attachment_ids: s.attachment_ids,
                client_message_id: key.map(|k| k.as_str().to_owned()),
                follow_up: Some(super::webhooks::follow_up(automated, hooked)),
            })
            .await
            .map_err(|e| not_found(e, "conversation"))?;
        if out.duplicate {
            return Ok((out.message, out.conversation));
        }
        self.metrics.commit_ms.observe(started.elapsed().as_secs_f64() * 1000.0);
        if automated || hooked {
            self.jobs.wake();
        }
        Ok(self.after_append(out, sender_kind, sender_id).await)
    }

    /// What follows a committed message: an agent's first reply takes the chat, and
    /// subscribers, the queue, the router, SLA clocks and jobs learn of it.
    pub(super) async fn after_append(&self, out: crate::store::Appended, sender_kind: SenderKind, sender_id: &str) -> (MessageRow, ConversationRow) {
        // An agent answering a chat nobody has takes it: it leaves the line (and the
        // visitor's "#2 in line"), and counts against their capacity. Before the events,
        // so subscribers learn it with the message's own update.
        let mut out = out;
        if sender_kind == SenderKind::Agent
            && !out.message.is_private
            && out.conversation.assignee_id.is_none()
            && out.conversation.status == ConversationStatus::Open
        {
            let events = self.conversation_events(&out.conversation.org_id, EventType::ConversationAssigned).await;
            match self.store.take_on_reply(&out.conversation.id, sender_id, events.as_deref()).await {
                Ok(Some(row)) => {
                    out.conversation = row;
                    out.conversation_changed = true;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = ?e, "assigning a chat to the agent who answered it"),
            }
        }
        let conv = &out.conversation;
        let topic = conversation_topic(&conv.id);
        if let Some(was_private) = self.typing.stop(&conv.id, sender_id) {
            self.bus.publish(&topic, typing_event(&conv.id, sender_kind, sender_id, false, was_private));
        }
        self.bus.publish(&topic, Event::MessageAdded { message: out.message.clone() });
        self.slack_touch(conv);
        let org = org_topic(&conv.org_id);
        if out.became_queued {
            self.bus.publish(&org, Event::ConversationCreated { conversation: out.conversation.clone() });
        } else if out.conversation_changed {
            self.publish_conversation(&out.conversation);
        }
        if out.conversation.queued {
            self.bus.publish(&org, Event::InboxMessage { message: out.message.clone(), conversation: out.conversation.clone() });
        }
        if (out.became_queued || out.conversation_changed) && out.conversation.assignee_id.is_none() && out.conversation.status == ConversationStatus::Open {
            // It started waiting (a first visitor message, or a reopening): its
            // subscribers learn it is in line (and their place), and the router runs.
            if out.became_queued {
                self.bus.publish(&topic, Event::ConversationUpdated { conversation: out.conversation.clone() });
                // Its SLA clock starts: due times off the acknowledgement's path. With
                // nobody online, the offline agents hear of it by email (in a minute).
                if let Some(app) = self.me.upgrade() {
                    let conv = out.conversation.clone();
                    tokio::spawn(async move {
                        app.apply_sla(&conv).await;
                        if app.mailer.delivers() && !app.agent_online(&conv.org_id).await.unwrap_or(true) {
                            app.notice_waiting(&conv).await;
                        }
                    });
                }
            }
            self.route(&conv.org_id);
        }
        // The visitor started waiting for a reply where a next-response target applies.
        if sender_kind == SenderKind::Visitor
            && out.conversation.next_response_seconds.is_some()
            && out.conversation.awaiting_since == Some(out.message.created_at)
        {
            if let Some(app) = self.me.upgrade() {
                let conv = out.conversation.clone();
                tokio::spawn(async move { app.apply_next_response(&conv).await });
            }
        }
        if out.conversation.is_offline {
            // A follow-up job may have committed with the message.
            self.jobs.wake();
        }
        (out.message, out.conversation)
    }

    /// Stores an upload for a conversation the principal may see; the type is sniffed.
    pub async fn upload(&self, p: &Principal, conversation_id: &str, filename: &str, bytes: Vec<u8>) -> ApiResult<crate::store::AttachmentRow> {
        if !p.has_scope(crate::domain::ApiKeyScope::MessagesWrite) && !matches!(p, Principal::Visitor(_)) {
            return Err(ApiError::Forbidden("this API key does not have the scope messages:write"));
        }
        let conv = self.visible_conversation(p, conversation_id).await?;
        let (kind, uploader) = match p {
            Principal::Visitor(v) => ("visitor", v.id.clone()),
            other => {
                let (_, kind, id) = staff(other)?;
                (kind.as_str(), id.to_owned())
            }
        };
        self.limit(&format!("upload:{}", p.limit_key()), crate::ratelimit::Quota::per_window(60, Duration::from_secs(60))).await?;
        if self.store.pending_uploads(&conv.id).await? >= 20 {
            return Err(ApiError::PlanLimit("too many files waiting to be sent in this conversation"));
        }
        if bytes.is_empty() {
            return Err(ApiError::BadInput("the file is empty".into()));
        }
        let (content_type, _) = crate::files::sniff(&bytes);
        let key = format!("att/{}", crate::ids::random_token(18));
        let size = bytes.len() as i64;
        self.files.put(&key, bytes).await.map_err(|e| ApiError::unavailable(format!("file store: {e}")))?;
        let name = crate::files::clean_filename(filename);
        Ok(self
            .store
            .create_attachment(crate::store::NewAttachment {
                org_id: &conv.org_id,
                conversation_id: &conv.id,
                uploader_kind: kind,
                uploader_id: &uploader,
                filename: &name,
                content_type,
                size,
                storage_key: &key,
            })
            .await?)
    }

    /// A short-lived signed link to a file, for `<img src>` (which cannot send a token).
    pub fn file_url(&self, attachment_id: &str) -> String {
        let exp = crate::time::now_ms() / 1000 + FILE_LINK_SECS;
        let sig = self.keys.mac_b64("file", &format!("{attachment_id}:{exp}"));
        format!("/files/{attachment_id}?exp={exp}&sig={sig}")
    }

    /// The attachment a signed link names, if the link is genuine and unexpired.
    pub async fn signed_file(&self, attachment_id: &str, exp: i64, sig: &str) -> ApiResult<(crate::store::AttachmentRow, Vec<u8>)> {
        if exp < crate::time::now_ms() / 1000 || !self.keys.verify_mac_b64("file", &format!("{attachment_id}:{exp}"), sig) {
            return Err(ApiError::Forbidden("the link is invalid or expired"));
        }
        let a = self.store.attachment(attachment_id).await.map_err(|e| not_found(e, "file"))?;
        let bytes = self.files.get(&a.storage_key).await.map_err(|e| ApiError::unavailable(format!("file store: {e}")))?;
        Ok((a, bytes))
    }

    /// Emails the visitor the conversation's public messages: at once to an address that
    /// is vouched for, otherwise a confirmation link first (the transcript follows it).
    pub async fn send_transcript(&self, meta: &super::RequestMeta, p: &Principal, conversation_id: &str, email: Option<&str>) -> ApiResult<()> {
        let v = visitor(p)?;
        let conv = self.visible_conversation(p, conversation_id).await?;
        let me = self.store.visitor(&v.org_id, &v.id).await?;
        let to = match email {
            Some(e) => crate::domain::Email::parse(e)?.as_str().to_owned(),
            None => me.email.clone().ok_or_else(|| ApiError::BadInput("give an email for the transcript".into()))?,
        };
        // Mail a visitor can cause: per visitor, and (since a fresh session is a new
        // visitor) per IP and per website, so nobody relays mail in bulk through a site.
        let hour = Duration::from_secs(3600);
        let l = &self.settings.limits;
        self.limit(&format!("transcript:{}", v.id), crate::ratelimit::Quota::per_window(5, hour)).await?;
        if let Some(ip) = &meta.ip {
            self.limit(&format!("visitor-mail-ip:{ip}"), crate::ratelimit::Quota::per_window(l.visitor_mail_per_ip_hour, hour)).await?;
        }
        self.limit(&format!("visitor-mail-site:{}", v.website_id), crate::ratelimit::Quota::per_window(l.visitor_mail_per_website_hour, hour)).await?;
        let site = self.store.website(&conv.org_id, &conv.website_id).await?;
        if me.vouched_email() != Some(to.as_str()) {
            return self.ask_confirmation(&conv, &site, &to, super::vouch::Asked::Transcript).await;
        }
        let job = self.transcript_job(&conv, &site, &to).await?;
        self.jobs.enqueue(&[job]).await?;
        Ok(())
    }

    pub async fn set_typing(self: &std::sync::Arc<Self>, p: &Principal, conversation_id: &str, is_typing: bool, is_private: bool) -> ApiResult<bool> {
        let (kind, sender_id) = match p {
            Principal::Visitor(v) => {
                if is_private {
                    return Err(ApiError::Forbidden("visitors cannot write private notes"));
                }
                (SenderKind::Visitor, v.id.clone())
            }
            other => {
                let (_, kind, id) = staff(other)?;
                (kind, id.to_owned())
            }
        };
        let conv = self.visible_conversation(p, conversation_id).await?;
        let topic = conversation_topic(&conv.id);
        if is_typing {
            // Coalesced: a refresh within a second publishes nothing and starts no timer.
            match self.typing.start(&conv.id, &sender_id, is_private, Instant::now(), TYPING_TIMEOUT) {
                TypingStart::Refresh { publish: false } => {}
                TypingStart::Refresh { publish: true } => self.bus.publish(&topic, typing_event(&conv.id, kind, &sender_id, true, is_private)),
                TypingStart::New(generation) => {
                    self.bus.publish(&topic, typing_event(&conv.id, kind, &sender_id, true, is_private));
                    let app = std::sync::Arc::downgrade(self);
                    tokio::spawn(async move {
                        let mut until = Instant::now() + TYPING_TIMEOUT;
                        loop {
                            tokio::time::sleep_until(until.into()).await;
                            let Some(app) = app.upgrade() else { return };
                            match app.typing.expiry(&conv.id, &sender_id, generation, Instant::now()) {
                                TypingExpiry::Later(at) => until = at,
                                TypingExpiry::Now { private } => {
                                    app.bus.publish(&topic, typing_event(&conv.id, kind, &sender_id, false, private));
                                    return;
                                }
                                TypingExpiry::Gone => return,
                            }
                        }
                    });
                }
            }
        } else {
            let was_private = self.typing.stop(&conv.id, &sender_id).unwrap_or(is_private);
            self.bus.publish(&topic, typing_event(&conv.id, kind, &sender_id, false, was_private));
        }
        Ok(true)
    }

    pub async fn mark_read(&self, p: &Principal, conversation_id: &str, message_id: &str) -> ApiResult<bool> {
        let conv = self.visible_conversation(p, conversation_id).await?;
        let msg = self.store.message(&conv.id, message_id).await.map_err(|e| not_found(e, "message"))?;
        let (reader_kind, reader_id) = match p {
            Principal::Visitor(v) => {
                if msg.is_private {
                    return Err(ApiError::NotFound("message"));
                }
                (SenderKind::Visitor, v.id.clone())
            }
            other => {
                let (_, kind, id) = staff(other)?;
                (kind, id.to_owned())
            }
        };
        if self.store.mark_read(&conv.id, reader_kind.as_str(), &reader_id, &msg.id, msg.seq).await? {
            self.bus.publish(
                &conversation_topic(&conv.id),
                Event::ReadReceipt { conversation_id: conv.id, reader_kind, reader_id, message_id: msg.id, seq: msg.seq, is_private: msg.is_private },
            );
        }
        Ok(true)
    }

    pub async fn rate_conversation(&self, p: &Principal, conversation_id: &str, rating: i32, comment: Option<&str>) -> ApiResult<ConversationRow> {
        let v = visitor(p)?;
        let rating = Rating::parse(rating)?;
        let comment = comment.map(RatingComment::parse).transpose()?.filter(|c| !c.as_str().is_empty());
        let conv = self.visible_conversation(p, conversation_id).await?;
        let row = self
            .store
            .rate_conversation(
                &v.id,
                &conv.id,
                rating.get(),
                comment.as_ref().map(|c| c.as_str()),
                self.conversation_events(&v.org_id, EventType::RatingReceived).await.as_deref(),
            )
            .await?
            .ok_or_else(|| ApiError::BadInput("a conversation can be rated once it is resolved, once per resolution".into()))?;
        self.publish_conversation(&row);
        self.after_rating(&row).await;
        Ok(row)
    }

    /// The visitor will not wait: the team's public replies in this conversation are
    /// emailed to them (as in an offline conversation; an email the site did not vouch
    /// for is confirmed first). Needs the visitor's email (`startVisitorSession`).
    pub async fn follow_up_by_email(&self, p: &Principal, conversation_id: &str) -> ApiResult<ConversationRow> {
        let v = visitor(p)?;
        self.limit(&format!("follow-up:{}", v.id), crate::ratelimit::Quota::per_window(10, Duration::from_secs(3600))).await?;
        if self.store.visitor(&v.org_id, &v.id).await?.email.is_none() {
            return Err(ApiError::BadInput("replies by email need the visitor's email (startVisitorSession with email)".into()));
        }
        let row = self.store.follow_up_by_email(&v.id, conversation_id).await.map_err(|e| not_found(e, "conversation"))?;
        self.publish_conversation(&row);
        Ok(row)
    }

    pub async fn assign_conversation(
        &self,
        p: &Principal,
        conversation_id: &str,
        agent_id: Option<&str>,
        department_id: Option<&str>,
    ) -> ApiResult<ConversationRow> {
        let (org_id, _, _) = staff(p)?;
        let conv = self.visible_conversation(p, conversation_id).await?;
        if let Some(a) = agent_id {
            self.store.agent(org_id, a).await.map_err(|e| not_found(e, "agent"))?;
        }
        if let Some(d) = department_id {
            self.store.department(org_id, d).await.map_err(|e| not_found(e, "department"))?;
        }
        let events = self.conversation_events(org_id, EventType::ConversationAssigned).await;
        let mut row = self.store.assign_conversation(org_id, &conv.id, agent_id, department_id, events.as_deref()).await?;
        if let Some(a) = agent_id.filter(|a| matches!(p, Principal::Agent(me) if me.id != *a) || matches!(p, Principal::ApiKey(_))) {
            // Given a chat by someone else: an email if they are away.
            if row.assignee_id.as_deref() == Some(a) && conv.assignee_id.as_deref() != Some(a) {
                self.notice_assignee(&row, a).await;
            }
        }
        if agent_id.is_none() && row.status == ConversationStatus::Open {
            // Back in line (a transfer): the rules run again, with its new department.
            row = self.apply_routing_rules(row, true).await?;
        }
        self.publish_conversation(&row);
        if row.department_id != conv.department_id && row.queued {
            row = self.apply_sla(&row).await.unwrap_or(row);
        }
        // Unassigned, or moved to a department: it may be the router's now.
        self.route(org_id);
        Ok(row)
    }

    pub async fn set_conversation_status(&self, p: &Principal, conversation_id: &str, status: ConversationStatus) -> ApiResult<ConversationRow> {
        let (org_id, _, _) = staff(p)?;
        let conv = self.visible_conversation(p, conversation_id).await?;
        // Resolving is an event (when it was not resolved already).
        let events = match status == ConversationStatus::Resolved && conv.status != ConversationStatus::Resolved {
            true => self.conversation_events(org_id, EventType::ConversationResolved).await,
            false => None,
        };
        let row = self.store.set_conversation_status(org_id, &conv.id, status, events.as_deref()).await?;
        self.publish_conversation(&row);
        // A resolved or pending chat frees its agent's slot; a reopened one may wait.
        self.route(org_id);
        Ok(row)
    }

    pub(super) fn publish_conversation(&self, row: &ConversationRow) {
        // Its Slack thread tells assignments and resolutions.
        self.slack_touch(row);
        let ev = Event::ConversationUpdated { conversation: row.clone() };
        self.bus.publish(&conversation_topic(&row.id), ev.clone());
        if row.queued {
            self.bus.publish(&org_topic(&row.org_id), ev);
        }
    }

    /// A page of conversations for the principal: an organization's queue for staff,
    /// a visitor's own list for a visitor.
    pub async fn conversations(&self, p: &Principal, mut f: ConversationFilter, after: Option<(i64, String)>, limit: i64) -> ApiResult<Vec<ConversationRow>> {
        match p {
            Principal::Visitor(v) => {
                f.visitor_id = Some(v.id.clone());
                f.queued_only = false;
                // A note's words must not find a conversation for its visitor, nor
                // the team's tags.
                f.search_notes = false;
                f.tag = None;
            }
            _ => {
                f.queued_only = true;
                f.search_notes = true;
                f.website_ids = p.websites().map(<[String]>::to_vec);
            }
        }
        Ok(self.store.conversations(p.org_id(), &f, after, limit).await?)
    }
}

fn typing_event(conversation_id: &str, sender_kind: SenderKind, sender_id: &str, is_typing: bool, is_private: bool) -> Event {
    Event::Typing { conversation_id: conversation_id.to_owned(), sender_kind, sender_id: sender_id.to_owned(), is_typing, is_private }
}
