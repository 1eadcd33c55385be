//! Live delivery: the rules that turn committed changes into what one viewer receives.
//!
//! `conversation_stream` subscribes to the bus *before* reading the store, replays from
//! the viewer's position, then goes live with no gap and no duplicate: it tracks the
//! last `seq` handled, skips anything at or below it, and fills any jump in `seq` (or a
//! lagged or resynced bus) from the store in one loop. Ordering works on the unfiltered
//! sequence and the audience filter (a visitor never sees a note, live or replayed, nor
//! a note's typing or read receipt) is applied afterwards, so a note never stalls a
//! visitor's stream. `inbox_stream` is the organization's live inbox. Sockets report
//! here when they open and close, and visitor presence follows from that.
//!
//! GraphQL maps these items to its types; the transport shares the serialized bytes of
//! a live-only stream between the sockets of one audience, and then each socket checks
//! its own principal per delivery (`Checks::ByConsumers`).

use std::sync::Arc;

use futures_util::stream::{BoxStream, StreamExt as _};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;

use super::{not_found, staff, App};
use crate::auth::Principal;
use crate::bus::{conversation_topic, org_topic, Event};
use crate::domain::{inbox_preview, SenderKind};
use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;
use crate::store::{ConversationRow, MessageRow};

/// Rows read per store round trip while replaying or filling a gap.
const REPLAY_BATCH: i64 = 500;

/// Where a conversation stream starts.
#[derive(Debug, Clone)]
pub enum Resume {
    /// Live events only.
    Live,
    /// After the message with this id (the last one the client holds), exclusive.
    AfterId(String),
    /// After this `seq` (0: the whole conversation).
    AfterSeq(i64),
}

/// Who checks, per delivered event, that the viewer may still receive it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checks {
    /// The stream itself (one viewer per stream).
    PerDelivery,
    /// The stream is shared by an audience; each consumer checks its own principal.
    ByConsumers,
}

/// One item of a conversation's live stream, already filtered for the viewer.
#[derive(Debug, Clone)]
pub enum ConversationLive {
    Message(MessageRow),
    Typing {
        conversation_id: String,
        sender_kind: SenderKind,
        sender_id: String,
        is_typing: bool,
    },
    Read {
        conversation_id: String,
        reader_kind: SenderKind,
        reader_id: String,
        message_id: String,
        seq: i64,
    },
    /// Boxed: a conversation row is several times larger than the other items.
    Updated(Box<ConversationRow>),
}

/// One item of an organization's live inbox.
#[derive(Debug, Clone)]
pub enum InboxLive {
    Created(ConversationRow),
    Updated(ConversationRow),
    /// A message with its conversation as committed, and the preview agents see.
    Message {
        message: MessageRow,
        conversation: ConversationRow,
        preview: String,
    },
    VisitorPresence {
        visitor_id: String,
        online: bool,
    },
}

/// A viewer's position in one conversation's unfiltered sequence, and its audience.
struct Cursor<'a> {
    app: &'a App,
    conversation_id: String,
    last: i64,
    agents_view: bool,
}

impl Cursor<'_> {
    fn visible(&self, m: &MessageRow) -> bool {
        self.agents_view || !m.is_private
    }

    /// Reads the messages after `last` up to `upto` from the store, moving `last` past
    /// all of them and returning those the audience may see. `upto` is the `seq` of a
    /// committed message whose payload the caller holds (`i64::MAX`: everything).
    async fn fill(&mut self, upto: i64) -> ApiResult<Vec<MessageRow>> {
        let mut out = Vec::new();
        loop {
            let batch = self.app.store.messages_between(&self.conversation_id, self.last, upto, REPLAY_BATCH).await?;
            let n = batch.len() as i64;
            for m in batch {
                self.last = m.seq;
                if self.visible(&m) {
                    out.push(m);
                }
            }
            if n < REPLAY_BATCH {
                break;
            }
        }
        if upto != i64::MAX && self.last < upto {
            // The event's own message is committed (we hold its payload); never go back.
            self.last = upto;
        }
        Ok(out)
    }

    /// What a bus event means for this viewer, in `seq` order.
    async fn on_event(&mut self, ev: &Event) -> ApiResult<Vec<ConversationLive>> {
        let single = |item| Ok(vec![item]);
        match ev {
            Event::MessageAdded { message } if message.seq <= self.last => Ok(Vec::new()),
            Event::MessageAdded { message } if message.seq == self.last + 1 => {
                self.last = message.seq;
                Ok(if self.visible(message) { vec![ConversationLive::Message(message.clone())] } else { Vec::new() })
            }
            Event::MessageAdded { message } => Ok(self.fill(message.seq).await?.into_iter().map(ConversationLive::Message).collect()),
            // Events between nodes may have been lost: the store has the messages.
            Event::Resync => Ok(self.fill(i64::MAX).await?.into_iter().map(ConversationLive::Message).collect()),
            Event::Typing { conversation_id, sender_kind, sender_id, is_typing, is_private } if self.agents_view || !is_private => {
                single(ConversationLive::Typing {
                    conversation_id: conversation_id.clone(),
                    sender_kind: *sender_kind,
                    sender_id: sender_id.clone(),
                    is_typing: *is_typing,
                })
            }
            Event::ReadReceipt { conversation_id, reader_kind, reader_id, message_id, seq, is_private } if self.agents_view || !is_private => {
                single(ConversationLive::Read {
                    conversation_id: conversation_id.clone(),
                    reader_kind: *reader_kind,
                    reader_id: reader_id.clone(),
                    message_id: message_id.clone(),
                    seq: *seq,
                })
            }
            Event::ConversationUpdated { conversation } => single(ConversationLive::Updated(Box::new(conversation.clone()))),
            _ => Ok(Vec::new()),
        }
    }
}

impl App {
    /// The live events of one conversation for `p`, starting at `from`.
    pub async fn conversation_stream(
        self: &Arc<Self>,
        p: Principal,
        conversation_id: &str,
        from: Resume,
        current: bool,
        checks: Checks,
    ) -> ApiResult<BoxStream<'static, ApiResult<ConversationLive>>> {
        let agents_view = !matches!(p, Principal::Visitor(_));
        // Staff see every conversation of their organization, and a conversation never
        // changes organization: once known, no read (a reconnect storm resumes
        // thousands of subscriptions at once).
        // A key limited to websites always reads (the shortcut knows the organization only).
        let conversation_id = if agents_view && p.websites().is_none() && self.facts.in_org(conversation_id, p.org_id()) {
            conversation_id.to_owned()
        } else {
            let conv = self.visible_conversation(&p, conversation_id).await?;
            self.facts.remember_conversation(&conv.id, &conv.org_id);
            conv.id
        };
        // Subscribe first, then read: anything committed after this point arrives live.
        let rx = self.bus.subscribe(&conversation_topic(&conversation_id)).await;
        if matches!(from, Resume::AfterSeq(seq) if seq < 0) {
            return Err(ApiError::BadInput("afterSeq must be 0 or more".into()));
        }
        // Read once the subscription listens: no change falls between it and the events.
        let now = match (current, &from) {
            (true, _) | (false, Resume::Live) => Some(self.visible_conversation(&p, &conversation_id).await?),
            _ => None,
        };
        let (last, replay) = match from {
            Resume::AfterSeq(seq) => (seq, true),
            Resume::AfterId(after) => (self.message_position(&conversation_id, &after, agents_view).await?, true),
            Resume::Live => (now.as_ref().map_or(0, |c| c.last_seq), false),
        };
        let first = now.filter(|_| current);
        let app = self.clone();
        let listening = Listening::new(&self.metrics);
        Ok(async_stream::stream! {
            let _listening = listening;
            if let Some(c) = first {
                yield Ok(ConversationLive::Updated(Box::new(c)));
            }
            let mut cursor = Cursor { app: &app, conversation_id, last, agents_view };
            if replay {
                match cursor.fill(i64::MAX).await {
                    Ok(ms) => for m in ms { yield Ok(ConversationLive::Message(m)); },
                    Err(e) => { yield Err(e); return; }
                }
            }
            let mut rx = rx;
            while let Some(ev) = next_event(&mut rx).await {
                if checks == Checks::PerDelivery && !app.still_authorized(&p) {
                    yield Err(ApiError::Unauthenticated("access was revoked"));
                    return;
                }
                match cursor.on_event(&ev).await {
                    Ok(items) => for item in items { yield Ok(item); },
                    Err(e) => { yield Err(e); return; }
                }
            }
        }
        .boxed())
    }

    /// The answer bot's drafts in a conversation the viewer sees, live only: the
    /// conversation's website (the bot writes as it), and `(text, done)` as the model
    /// writes (docs/assistant.md#drafts).
    pub async fn draft_stream(
        self: &Arc<Self>,
        p: Principal,
        conversation_id: &str,
        checks: Checks,
    ) -> ApiResult<(String, BoxStream<'static, ApiResult<(String, bool)>>)> {
        let conv = self.visible_conversation(&p, conversation_id).await?;
        let website_id = conv.website_id.clone();
        let rx = self.bus.subscribe(&conversation_topic(&conv.id)).await;
        let app = self.clone();
        let listening = Listening::new(&self.metrics);
        Ok((
            website_id,
            async_stream::stream! {
                let _listening = listening;
                let mut rx = rx;
                while let Some(ev) = next_event(&mut rx).await {
                    let Event::AnswerDraft { text, done, .. } = &*ev else { continue };
                    if checks == Checks::PerDelivery && !app.still_authorized(&p) {
                        yield Err(ApiError::Unauthenticated("access was revoked"));
                        return;
                    }
                    yield Ok((text.clone(), *done));
                }
            }
            .boxed(),
        ))
    }

    /// The `seq` of message `id` in the conversation, as a viewer may know it (a visitor
    /// cannot resume from a note: it does not exist for them).
    async fn message_position(&self, conversation_id: &str, id: &str, agents_view: bool) -> ApiResult<i64> {
        // A message's place never changes either.
        let (seq, is_private) = match self.facts.message_position(conversation_id, id) {
            Some(known) => known,
            None => {
                let m = self.store.message(conversation_id, id).await.map_err(|e| not_found(e, "message"))?;
                self.facts.remember_message(conversation_id, &m.id, m.seq, m.is_private);
                (m.seq, m.is_private)
            }
        };
        if is_private && !agents_view {
            return Err(ApiError::NotFound("message"));
        }
        Ok(seq)
    }

    /// The live inbox of the principal's organization (staff only), live only: after a
    /// reconnect, clients refetch what they show.
    pub async fn inbox_stream(self: &Arc<Self>, p: Principal, checks: Checks) -> ApiResult<BoxStream<'static, ApiResult<InboxLive>>> {
        let (org, _, _) = staff(&p)?;
        let rx = self.bus.subscribe(&org_topic(org)).await;
        let app = self.clone();
        let listening = Listening::new(&self.metrics);
        Ok(async_stream::stream! {
            let _listening = listening;
            let mut rx = rx;
            while let Some(ev) = next_event(&mut rx).await {
                if checks == Checks::PerDelivery && !app.still_authorized(&p) {
                    yield Err(ApiError::Unauthenticated("access was revoked"));
                    return;
                }
                let item = match &*ev {
                    Event::ConversationCreated { conversation } => InboxLive::Created(conversation.clone()),
                    Event::ConversationUpdated { conversation } => InboxLive::Updated(conversation.clone()),
                    Event::InboxMessage { message, conversation } => InboxLive::Message {
                        preview: inbox_preview(&message.body, message.is_private),
                        message: message.clone(),
                        conversation: conversation.clone(),
                    },
                    Event::VisitorPresence { visitor_id, online, website_id, .. } if p.sees_website(website_id) => {
                        InboxLive::VisitorPresence { visitor_id: visitor_id.clone(), online: *online }
                    }
                    _ => continue,
                };
                // A key limited to websites gets only their conversations' events.
                if let InboxLive::Created(c) | InboxLive::Updated(c) | InboxLive::Message { conversation: c, .. } = &item {
                    if !p.sees_website(&c.website_id) {
                        continue;
                    }
                }
                yield Ok(item);
            }
        }
        .boxed())
    }

    /// A socket authenticated as `p` opened (`up`) or closed: agents' "online" needs a
    /// live socket, and a visitor's first socket or last one is an inbox event.
    pub fn socket_presence(&self, p: &Principal, up: bool) {
        match p {
            Principal::Agent(a) if up => {
                if self.presence.agent_up(&a.id) {
                    self.agent_connection(&a.org_id, &a.id, true);
                }
            }
            Principal::Agent(a) => {
                if self.presence.agent_down(&a.id) {
                    self.agent_connection(&a.org_id, &a.id, false);
                }
            }
            Principal::Visitor(v) => {
                let changed = if up { self.presence.visitor_up(&v.id) } else { self.presence.visitor_down(&v.id) };
                if changed {
                    self.bus.publish(
                        &org_topic(&v.org_id),
                        Event::VisitorPresence { org_id: v.org_id.clone(), website_id: v.website_id.clone(), visitor_id: v.id.clone(), online: up },
                    );
                }
            }
            Principal::ApiKey(_) => {}
        }
    }
}

/// The next bus event; a lag becomes `Resync` (the store has everything that matters,
/// and the inbox is live only), and `None` means the bus closed.
async fn next_event(rx: &mut Receiver<Arc<Event>>) -> Option<Arc<Event>> {
    match rx.recv().await {
        Ok(ev) => Some(ev),
        Err(RecvError::Lagged(_)) => Some(Arc::new(Event::Resync)),
        Err(RecvError::Closed) => None,
    }
}

/// Counts a stream in `chinwag_live_streams` from the moment it listens on the bus and
/// knows where it starts (anything committed later reaches it) until it is dropped.
struct Listening(Arc<Metrics>);

impl Listening {
    fn new(metrics: &Arc<Metrics>) -> Listening {
        metrics.live_streams.add(1);
        Listening(metrics.clone())
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.0.live_streams.add(-1);
    }
}
