//! Live events. `conversationEvents` replays from `after` and then goes live with no
//! gap and no duplicate: it subscribes to the bus *before* reading the store, tracks
//! the last `seq` delivered, skips anything at or below it, and fills any jump in
//! `seq` from the store before delivering. The visitor filter (no notes) is applied
//! after ordering, so a note never stalls a visitor's stream.

use std::sync::Arc;

use async_graphql::{Context, Subscription as SubscriptionDerive, ID};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::types::{
    Conversation, ConversationCreated, ConversationEvent, ConversationUpdated, InboxEvent, InboxMessageAdded, Message, MessageAdded, ReadReceipt,
    TypingChanged, VisitorPresenceChanged,
};
use super::ContextExt as _;
use crate::app::{staff, App};
use crate::auth::Principal;
use crate::bus::{conversation_topic, org_topic, Event};
use crate::error::ApiError;
use crate::store::MessageRow;

/// Rows read per store round trip while replaying.
const REPLAY_BATCH: i64 = 500;

pub struct Subscription;

#[SubscriptionDerive]
impl Subscription {
    /// Events of one conversation. `after`: the id of the last message you hold;
    /// every later message is replayed in `seq` order, then the stream goes live.
    /// `afterSeq` does the same by sequence number (0: the whole conversation), for a
    /// client that holds no message yet. Omit both for live events only.
    async fn conversation_events(
        &self,
        ctx: &Context<'_>,
        conversation_id: ID,
        after: Option<ID>,
        after_seq: Option<i32>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ConversationEvent>>> {
        let app = ctx.app().clone();
        let p = ctx.viewer()?.clone();
        // A shared producer's consumers check their own principals per delivery.
        let check_access = ctx.data_opt::<crate::http::SharedProducer>().is_none();
        let agents_view = !matches!(p, Principal::Visitor(_));
        // Staff see every conversation of their organization, and a conversation never
        // changes organization: once known, no read (a reconnect storm resumes
        // thousands of subscriptions at once).
        let conv_id = if agents_view && app.facts.in_org(&conversation_id, p.org_id()) {
            conversation_id.to_string()
        } else {
            let conv = app.visible_conversation(&p, &conversation_id).await?;
            app.facts.remember_conversation(&conv.id, &conv.org_id);
            conv.id
        };
        // Subscribe first, then read: anything committed after this point arrives live.
        let mut rx = app.bus.subscribe(&conversation_topic(&conv_id)).await;
        let (mut last, replay) = match (after, after_seq) {
            (Some(_), Some(_)) => return Err(ApiError::BadInput("give after or afterSeq, not both".into()).into()),
            (None, Some(seq)) if seq < 0 => return Err(ApiError::BadInput("afterSeq must be 0 or more".into()).into()),
            (None, Some(seq)) => (seq as i64, true),
            // A message's place never changes either.
            (Some(after), None) => match app.facts.message_position(&conv_id, &after) {
                Some((seq, is_private)) if agents_view || !is_private => (seq, true),
                Some(_) => return Err(ApiError::NotFound("message").into()),
                None => match app.store.message(&conv_id, &after).await {
                    Ok(m) => {
                        app.facts.remember_message(&conv_id, &m.id, m.seq, m.is_private);
                        if !agents_view && m.is_private {
                            return Err(ApiError::NotFound("message").into());
                        }
                        (m.seq, true)
                    }
                    Err(crate::store::StoreError::NotFound) => return Err(ApiError::NotFound("message").into()),
                    Err(e) => return Err(ApiError::from(e).into()),
                },
            },
            (None, None) => (app.visible_conversation(&p, &conv_id).await?.last_seq, false),
        };
        Ok(async_stream::stream! {
            if replay {
                loop {
                    let batch = match app.store.messages_between(&conv_id, last, i64::MAX, REPLAY_BATCH).await {
                        Ok(b) => b,
                        Err(e) => { yield Err(ApiError::from(e).into()); return; }
                    };
                    let n = batch.len() as i64;
                    for m in batch {
                        last = m.seq;
                        if agents_view || !m.is_private {
                            yield Ok(added(m));
                        }
                    }
                    if n < REPLAY_BATCH { break; }
                }
            }
            loop {
                let ev = match rx.recv().await {
                    Ok(ev) => ev,
                    Err(RecvError::Lagged(_)) => {
                        // We fell behind the bus: the store has everything that matters.
                        match fill(&app, &conv_id, &mut last, i64::MAX, agents_view).await {
                            Ok(ms) => for m in ms { yield Ok(added(m)); },
                            Err(e) => { yield Err(e.into()); return; }
                        }
                        continue;
                    }
                    Err(RecvError::Closed) => return,
                };
                if check_access && !app.still_authorized(&p) {
                    yield Err(ApiError::Unauthenticated("access was revoked").into());
                    return;
                }
                match &*ev {
                    Event::MessageAdded { message } => {
                        if message.seq <= last { continue; }
                        if message.seq == last + 1 {
                            last = message.seq;
                            if agents_view || !message.is_private {
                                yield Ok(added(message.clone()));
                            }
                        } else {
                            match fill(&app, &conv_id, &mut last, message.seq, agents_view).await {
                                Ok(ms) => for m in ms { yield Ok(added(m)); },
                                Err(e) => { yield Err(e.into()); return; }
                            }
                        }
                    }
                    Event::Typing { conversation_id, sender_kind, sender_id, is_typing, is_private } if agents_view || !is_private => {
                        yield Ok(ConversationEvent::TypingChanged(TypingChanged {
                            conversation_id: ID(conversation_id.clone()),
                            sender_kind: *sender_kind,
                            is_typing: *is_typing,
                            sender_id: Some(ID(sender_id.clone())),
                        }));
                    }
                    Event::ReadReceipt { conversation_id, reader_kind, reader_id, message_id, seq, is_private } if agents_view || !is_private => {
                        yield Ok(ConversationEvent::ReadReceipt(ReadReceipt {
                            conversation_id: ID(conversation_id.clone()),
                            reader_kind: *reader_kind,
                            reader_id: ID(reader_id.clone()),
                            message_id: ID(message_id.clone()),
                            seq: *seq as i32,
                        }));
                    }
                    Event::ConversationUpdated { conversation } => {
                        yield Ok(ConversationEvent::ConversationUpdated(ConversationUpdated { conversation: Conversation(conversation.clone()) }));
                    }
                    Event::Resync => {
                        // Events between nodes may have been lost: the store has the messages.
                        match fill(&app, &conv_id, &mut last, i64::MAX, agents_view).await {
                            Ok(ms) => for m in ms { yield Ok(added(m)); },
                            Err(e) => { yield Err(e.into()); return; }
                        }
                    }
                    _ => {}
                }
            }
        })
    }

    /// Events of the organization's whole inbox (agents and API keys), live only:
    /// conversations created (on their first visitor message) and updated, messages
    /// added (with a preview), visitor presence. After a reconnect, refetch.
    async fn inbox_events(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<InboxEvent>>> {
        let app: Arc<App> = ctx.app().clone();
        let p = ctx.viewer()?.clone();
        let (org, _, _) = staff(&p)?;
        let check_access = ctx.data_opt::<crate::http::SharedProducer>().is_none();
        let mut rx = app.bus.subscribe(&org_topic(org)).await;
        Ok(async_stream::stream! {
            loop {
                let ev = match rx.recv().await {
                    Ok(ev) => ev,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                };
                if check_access && !app.still_authorized(&p) {
                    yield Err(ApiError::Unauthenticated("access was revoked").into());
                    return;
                }
                let out = match &*ev {
                    Event::ConversationCreated { conversation } => InboxEvent::ConversationCreated(ConversationCreated { conversation: Conversation(conversation.clone()) }),
                    Event::ConversationUpdated { conversation } => InboxEvent::ConversationUpdated(ConversationUpdated { conversation: Conversation(conversation.clone()) }),
                    Event::InboxMessage { message, conversation } => InboxEvent::InboxMessageAdded(InboxMessageAdded {
                        conversation_id: ID(message.conversation_id.clone()),
                        preview: preview(message),
                        message: Message(message.clone()),
                        conversation: Conversation(conversation.clone()),
                    }),
                    Event::VisitorPresence { visitor_id, online, .. } => InboxEvent::VisitorPresenceChanged(VisitorPresenceChanged { visitor_id: ID(visitor_id.clone()), online: *online }),
                    _ => continue,
                };
                yield Ok(out);
            }
        })
    }
}

fn added(m: MessageRow) -> ConversationEvent {
    ConversationEvent::MessageAdded(MessageAdded { message: Message(m) })
}

fn preview(m: &MessageRow) -> String {
    let text: String = m.body.chars().take(140).collect();
    if m.is_private {
        format!("Note: {text}")
    } else {
        text
    }
}

/// Reads the messages after `last` up to `upto` from the store, advancing `last`
/// past all of them and returning those the audience may see.
async fn fill(app: &App, conversation_id: &str, last: &mut i64, upto: i64, agents_view: bool) -> Result<Vec<MessageRow>, ApiError> {
    let mut out = Vec::new();
    loop {
        let batch = app.store.messages_between(conversation_id, *last, upto, REPLAY_BATCH).await?;
        let n = batch.len() as i64;
        for m in batch {
            *last = m.seq;
            if agents_view || !m.is_private {
                out.push(m);
            }
        }
        if n < REPLAY_BATCH {
            break;
        }
    }
    if upto != i64::MAX && *last < upto {
        // The event's own message is committed (we hold its payload); never go back.
        *last = upto;
    }
    Ok(out)
}
