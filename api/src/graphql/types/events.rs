//! The live events of `conversationEvents` and `inboxEvents`.

use async_graphql::{SimpleObject, Union, ID};

use super::*;
use crate::domain::SenderKind;

/// A message was added to the conversation.
#[derive(SimpleObject)]
pub struct MessageAdded {
    pub message: Message,
}

/// A participant started or stopped typing.
#[derive(SimpleObject)]
pub struct TypingChanged {
    pub conversation_id: ID,
    pub sender_kind: SenderKind,
    pub is_typing: bool,
    pub sender_id: Option<ID>,
}

/// The conversation's state changed (status, assignment, rating).
#[derive(SimpleObject)]
pub struct ConversationUpdated {
    pub conversation: Conversation,
}

/// The answer bot's answer while the model server writes it (docs/assistant.md#drafts):
/// ephemeral, like typing, on the `answerDrafts` subscription. Each carries the whole
/// text so far (a lost one costs nothing); `done` ends the draft: the answer has then
/// arrived as a message (`MessageAdded` on `conversationEvents`, from the bot), or none
/// comes (the model declined, or its answer was not grounded).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AnswerDraft {
    pub conversation_id: ID,
    pub text: String,
    pub done: bool,
    /// The bot's messages are sent as the website (its `sender_id`).
    #[graphql(skip)]
    pub website_id: String,
}

#[async_graphql::ComplexObject]
impl AnswerDraft {
    /// Who is writing: the website's bot name, as its message will show it.
    async fn sender_name(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(ctx.loaders()?.people.load_one(self.website_id.clone()).await?.and_then(|p| p.name))
    }
}

/// Events of one conversation.
// One per event, built and written out at once: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Union)]
pub enum ConversationEvent {
    MessageAdded(MessageAdded),
    TypingChanged(TypingChanged),
    ReadReceipt(ReadReceipt),
    ConversationUpdated(ConversationUpdated),
}

/// A conversation entered the inbox (its first visitor message).
#[derive(SimpleObject)]
pub struct ConversationCreated {
    pub conversation: Conversation,
}

/// A message in any conversation of the organization, with a preview.
#[derive(SimpleObject)]
pub struct InboxMessageAdded {
    pub conversation_id: ID,
    pub message: Message,
    /// The start of the body; notes are prefixed with "Note: ".
    pub preview: String,
    /// The conversation as of this message (status, assignee, ...).
    pub conversation: Conversation,
}

#[derive(SimpleObject)]
pub struct VisitorPresenceChanged {
    pub visitor_id: ID,
    pub online: bool,
}

/// Events of the whole organization's inbox, live only.
// Variants hold rows by value: each event is built once and serialized at once, so the
// size difference costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Union)]
pub enum InboxEvent {
    ConversationCreated(ConversationCreated),
    ConversationUpdated(ConversationUpdated),
    InboxMessageAdded(InboxMessageAdded),
    VisitorPresenceChanged(VisitorPresenceChanged),
}
