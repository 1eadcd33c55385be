//! The typed live streams: a conversation's events (each message exactly once, in
//! `seq` order, across reconnects) and the organization's inbox.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_util::Stream;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::live::{Frame, Subscription};
use crate::types::{AnswerDraft, ConversationEvent, InboxEvent};

/// Turns one `next` payload's `data` into an event.
pub(crate) type Parse<T> = fn(Value) -> Result<T>;

/// A conversation's live events: a [`Stream`] of [`ConversationEvent`]s.
///
/// Messages sent while the connection was down are replayed when it comes back
/// (the subscription resumes with `after` = the last message delivered), and anything
/// already delivered is dropped, so each message arrives exactly once, in `seq` order.
/// The stream ends after an error (like `NOT_FOUND`); dropping it unsubscribes.
///
/// ```no_run
/// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
/// use chinwag_sdk::ConversationEvent;
/// use futures_util::StreamExt as _;
/// let mut events = agent.conversation_events(id, None);
/// while let Some(ConversationEvent::Message(m)) = events.next().await.transpose()? {
///     println!("#{} {}", m.seq, m.body);
/// }
/// # Ok(()) }
/// ```
pub struct ConversationEvents<C> {
    subscription: Subscription,
    parse: Parse<ConversationEvent<C>>,
    last_seq: i64,
    done: bool,
    _conversation: PhantomData<fn() -> C>,
}

impl<C> ConversationEvents<C> {
    pub(crate) fn new(subscription: Subscription, parse: Parse<ConversationEvent<C>>) -> Self {
        ConversationEvents { subscription, parse, last_seq: 0, done: false, _conversation: PhantomData }
    }
}

impl<C> Stream for ConversationEvents<C> {
    type Item = Result<ConversationEvent<C>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            let frame = match ready!(Pin::new(&mut this.subscription).poll_next(cx)) {
                Some(frame) => frame,
                None => {
                    this.done = true;
                    return Poll::Ready(None);
                }
            };
            match frame {
                Frame::Data(data) => match (this.parse)(data) {
                    Ok(ConversationEvent::Message(m)) => {
                        // Within one subscription the server sends each message once, in
                        // seq order; a re-subscription may overlap what was delivered.
                        if m.seq <= this.last_seq {
                            continue;
                        }
                        this.last_seq = m.seq;
                        this.subscription.set_variable("after", Value::String(m.id.clone()));
                        return Poll::Ready(Some(Ok(ConversationEvent::Message(m))));
                    }
                    Ok(event) => return Poll::Ready(Some(Ok(event))),
                    Err(e) => return Poll::Ready(Some(Err(e))),
                },
                Frame::Error(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Frame::Reconnected => return Poll::Ready(Some(Ok(ConversationEvent::Reconnected))),
            }
        }
    }
}

/// The organization's inbox, live: a [`Stream`] of [`InboxEvent`]s (agents and API
/// keys). Events while the connection was down are not replayed: on
/// [`InboxEvent::Reconnected`], refetch your lists. Dropping it unsubscribes.
///
/// ```no_run
/// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
/// use futures_util::StreamExt as _;
/// let mut inbox = agent.inbox_events();
/// while let Some(event) = inbox.next().await {
///     println!("{:?}", event?);
/// }
/// # Ok(()) }
/// ```
pub struct InboxEvents {
    subscription: Subscription,
    parse: Parse<InboxEvent>,
    done: bool,
}

impl InboxEvents {
    pub(crate) fn new(subscription: Subscription, parse: Parse<InboxEvent>) -> Self {
        InboxEvents { subscription, parse, done: false }
    }
}

impl Stream for InboxEvents {
    type Item = Result<InboxEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        Poll::Ready(match ready!(Pin::new(&mut this.subscription).poll_next(cx)) {
            None => {
                this.done = true;
                None
            }
            Some(Frame::Data(data)) => Some((this.parse)(data)),
            Some(Frame::Error(e)) => {
                this.done = true;
                Some(Err(e))
            }
            Some(Frame::Reconnected) => Some(Ok(InboxEvent::Reconnected)),
        })
    }
}

/// The answer bot's answer in a conversation while a model server writes it, from
/// [`VisitorClient::answer_drafts`](crate::VisitorClient::answer_drafts) or
/// [`AgentClient::answer_drafts`](crate::AgentClient::answer_drafts): live only, never
/// replayed (a reconnect continues with the next draft).
///
/// ```no_run
/// # async fn demo(chat: chinwag_sdk::VisitorClient, id: &str) -> Result<(), chinwag_sdk::Error> {
/// use futures_util::StreamExt as _;
/// let mut drafts = chat.answer_drafts(id);
/// while let Some(draft) = drafts.next().await {
///     let draft = draft?;
///     if draft.done { println!("(the answer is in)") } else { println!("{}", draft.text) }
/// }
/// # Ok(()) }
/// ```
pub struct AnswerDrafts {
    subscription: Subscription,
    done: bool,
}

impl AnswerDrafts {
    pub(crate) fn new(live: &crate::live::Live, conversation_id: &str) -> Self {
        use crate::operations as ops;
        let request = crate::core::subscription_request::<ops::AnswerDrafts>(ops::answer_drafts::Variables { conversation_id: conversation_id.to_owned() });
        AnswerDrafts { subscription: live.subscribe(request), done: false }
    }
}

impl Stream for AnswerDrafts {
    type Item = Result<AnswerDraft>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            return Poll::Ready(match ready!(Pin::new(&mut this.subscription).poll_next(cx)) {
                None => {
                    this.done = true;
                    None
                }
                Some(Frame::Data(data)) => Some(self::data::<crate::operations::answer_drafts::ResponseData>(data).map(|d| {
                    let d = d.answer_drafts;
                    AnswerDraft { conversation_id: d.conversation_id, text: d.text, done: d.done, sender_name: d.sender_name }
                })),
                Some(Frame::Error(e)) => {
                    this.done = true;
                    Some(Err(e))
                }
                // Drafts are not replayed: the next one carries the whole text anyway.
                Some(Frame::Reconnected) => continue,
            });
        }
    }
}

/// Deserializes a subscription's `data` into its generated type.
pub(crate) fn data<T: serde::de::DeserializeOwned>(data: Value) -> Result<T> {
    serde_json::from_value(data).map_err(Error::protocol)
}
