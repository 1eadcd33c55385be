//! Live events: GraphQL's view of `app::live`. The delivery rules (subscribe-then-read,
//! gap filling, the note filter, per-delivery authorization) live there; this module
//! only maps arguments in and live items out.

use async_graphql::{Context, Subscription, ID};
use futures_util::{Stream, StreamExt as _};

use super::guards::{Allow, Scope};
use super::types::{
    AnswerDraft, Conversation, ConversationCreated, ConversationEvent, ConversationUpdated, InboxEvent, InboxMessageAdded, Message, MessageAdded, ReadReceipt,
    TypingChanged, VisitorPresenceChanged,
};
use super::ContextExt as _;
use crate::app::{Checks, ConversationLive, InboxLive, Resume};
use crate::error::ApiError;

/// Set on a request whose stream is shared by an audience (see `http::ws::shared`):
/// each consumer checks its own principal per delivery, so the stream does not.
#[derive(Clone, Copy)]
pub struct SharedExecution;

fn checks(ctx: &Context<'_>) -> Checks {
    if ctx.data_opt::<SharedExecution>().is_some() {
        Checks::ByConsumers
    } else {
        Checks::PerDelivery
    }
}

#[derive(Default)]
pub struct ConversationSubscription;

#[Subscription]
impl ConversationSubscription {
    /// Events of one conversation. `after`: the id of the last message you hold;
    /// every later message is replayed in `seq` order, then the stream goes live.
    /// `afterSeq` does the same by sequence number (0: the whole conversation), for a
    /// client that holds no message yet. Omit both for live events only.
    /// `current: true`: the stream begins with a `ConversationUpdated` carrying the
    /// conversation as it is once the subscription listens, so a client that read the
    /// conversation before subscribing misses no change made in between.
    #[graphql(guard = "Allow::Signed(Scope::ConversationsRead)")]
    async fn conversation_events(
        &self,
        ctx: &Context<'_>,
        conversation_id: ID,
        after: Option<ID>,
        after_seq: Option<i32>,
        current: Option<bool>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ConversationEvent>>> {
        let from = match (after, after_seq) {
            (Some(_), Some(_)) => return Err(ApiError::BadInput("give after or afterSeq, not both".into()).into()),
            (Some(id), None) => Resume::AfterId(id.0),
            (None, Some(seq)) => Resume::AfterSeq(seq.into()),
            (None, None) => Resume::Live,
        };
        let stream = ctx.app().conversation_stream(ctx.viewer()?.clone(), &conversation_id, from, current.unwrap_or(false), checks(ctx)).await?;
        Ok(stream.map(|item| item.map(conversation_event).map_err(Into::into)))
    }

    /// The answer bot's answer in this conversation while a model server writes it
    /// (docs/assistant.md#drafts): live only, never stored. Each event carries the whole
    /// text so far; the last has `done: true` and comes after the bot's message, if any.
    #[graphql(guard = "Allow::Signed(Scope::ConversationsRead)")]
    async fn answer_drafts(&self, ctx: &Context<'_>, conversation_id: ID) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<AnswerDraft>>> {
        let (website_id, stream) = ctx.app().draft_stream(ctx.viewer()?.clone(), &conversation_id, checks(ctx)).await?;
        let id = conversation_id.0;
        Ok(stream.map(move |item| {
            item.map(|(text, done)| AnswerDraft { conversation_id: ID(id.clone()), text, done, website_id: website_id.clone() }).map_err(Into::into)
        }))
    }
}

fn conversation_event(item: ConversationLive) -> ConversationEvent {
    match item {
        ConversationLive::Message(m) => ConversationEvent::MessageAdded(MessageAdded { message: Message(m) }),
        ConversationLive::Typing { conversation_id, sender_kind, sender_id, is_typing } => {
            ConversationEvent::TypingChanged(TypingChanged { conversation_id: ID(conversation_id), sender_kind, is_typing, sender_id: Some(ID(sender_id)) })
        }
        ConversationLive::Read { conversation_id, reader_kind, reader_id, message_id, seq } => ConversationEvent::ReadReceipt(ReadReceipt {
            conversation_id: ID(conversation_id),
            reader_kind,
            reader_id: ID(reader_id),
            message_id: ID(message_id),
            seq: seq as i32,
        }),
        ConversationLive::Updated(c) => ConversationEvent::ConversationUpdated(ConversationUpdated { conversation: Conversation(*c) }),
    }
}

#[derive(Default)]
pub struct InboxSubscription;

#[Subscription]
impl InboxSubscription {
    /// Events of the organization's whole inbox (agents and API keys), live only:
    /// conversations created (on their first visitor message) and updated, messages
    /// added (with a preview), visitor presence. After a reconnect, refetch.
    #[graphql(guard = "Allow::Staff(Scope::ConversationsRead)")]
    async fn inbox_events(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<InboxEvent>>> {
        let stream = ctx.app().inbox_stream(ctx.viewer()?.clone(), checks(ctx)).await?;
        Ok(stream.map(|item| item.map(inbox_event).map_err(Into::into)))
    }
}

fn inbox_event(item: InboxLive) -> InboxEvent {
    match item {
        InboxLive::Created(c) => InboxEvent::ConversationCreated(ConversationCreated { conversation: Conversation(c) }),
        InboxLive::Updated(c) => InboxEvent::ConversationUpdated(ConversationUpdated { conversation: Conversation(c) }),
        InboxLive::Message { message, conversation, preview } => InboxEvent::InboxMessageAdded(InboxMessageAdded {
            conversation_id: ID(message.conversation_id.clone()),
            preview,
            message: Message(message),
            conversation: Conversation(conversation),
        }),
        InboxLive::VisitorPresence { visitor_id, online } => InboxEvent::VisitorPresenceChanged(VisitorPresenceChanged { visitor_id: ID(visitor_id), online }),
    }
}
