//! Messages, typing and read receipts: the operations every participant shares.

use async_graphql::{Context, InputObject, Object, ID};

use super::guards::{Allow, Scope};
use super::types::Message;
use super::{ContextExt as _, GqlResult};
use crate::app::Send;

#[derive(InputObject)]
pub struct SendMessageInput {
    pub conversation_id: ID,
    /// 1 to 10,000 characters after trimming.
    pub body: String,
    /// Your idempotency key (at most 64 characters): a retry with the same key returns
    /// the original message instead of sending twice.
    pub client_message_id: Option<String>,
    /// A note only agents see. Visitors get FORBIDDEN.
    pub is_private: Option<bool>,
    /// Files uploaded with `POST /uploads` to this conversation; with one, `body` may be empty.
    pub attachment_ids: Option<Vec<ID>>,
}

#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Sends a message. When this returns, the message is stored and will be delivered.
    #[graphql(guard = "Allow::Signed(Scope::MessagesWrite)")]
    async fn send_message(&self, ctx: &Context<'_>, input: SendMessageInput) -> GqlResult<Message> {
        let s = Send {
            conversation_id: &input.conversation_id,
            body: &input.body,
            client_message_id: input.client_message_id.as_deref(),
            is_private: input.is_private.unwrap_or(false),
            attachment_ids: input.attachment_ids.unwrap_or_default().into_iter().map(|i| i.0).collect(),
        };
        let (m, _) = ctx.app().send_message(ctx.viewer()?, s).await?;
        Ok(Message(m))
    }

    /// Shows (or hides) a typing indicator. It turns off by itself after about 6 s
    /// without a refresh, and when the typist sends a message. `isPrivate`: an agent
    /// typing a note, shown to agents only.
    #[graphql(guard = "Allow::Signed(Scope::MessagesWrite)")]
    async fn set_typing(&self, ctx: &Context<'_>, conversation_id: ID, is_typing: bool, is_private: Option<bool>) -> GqlResult<bool> {
        Ok(ctx.app().set_typing(ctx.viewer()?, &conversation_id, is_typing, is_private.unwrap_or(false)).await?)
    }

    /// Emails the visitor this conversation's public messages (to `email`, or the
    /// visitor's own): at once to an address that is vouched for (signed with `emailHash`,
    /// or confirmed before), otherwise a confirmation link first, carrying no text of the
    /// conversation; the transcript follows the confirmation. `true` either way.
    #[graphql(guard = "Allow::Visitors")]
    async fn send_transcript(&self, ctx: &Context<'_>, conversation_id: ID, email: Option<String>) -> GqlResult<bool> {
        ctx.app().send_transcript(&ctx.meta(), ctx.viewer()?, &conversation_id, email.as_deref()).await?;
        Ok(true)
    }

    /// Marks the conversation read up to and including `messageId`.
    #[graphql(guard = "Allow::Signed(Scope::MessagesWrite)")]
    async fn mark_read(&self, ctx: &Context<'_>, conversation_id: ID, message_id: ID) -> GqlResult<bool> {
        Ok(ctx.app().mark_read(ctx.viewer()?, &conversation_id, &message_id).await?)
    }
}
