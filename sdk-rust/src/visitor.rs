//! [`VisitorClient`]: what a person on the website does, for a custom chat UI, a test
//! harness or a script. The session starts (or resumes) on first use.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use graphql_client::GraphQLQuery;
use serde_json::Value;

use crate::core::{endpoint, subscription_request, Core, Http, SendOptions, TokenSource};
use crate::error::Result;
use crate::events::{data, ConversationEvents};
use crate::live::ConnectionState;
use crate::operations as ops;
use crate::types::{ConversationEvent, History, Message, Page, Visitor, VisitorConversation, WidgetConfig};

/// Options of [`VisitorClient::with_options`]; start from [`VisitorOptions::new`].
///
/// ```
/// use chinwag_sdk::VisitorOptions;
/// let options = VisitorOptions {
///     name: Some("Vi".into()),
///     resume_token: None, // from an earlier session, to come back as the same visitor
///     ..VisitorOptions::new("http://127.0.0.1:8080", "wk_...")
/// };
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct VisitorOptions {
    /// The server (`http://127.0.0.1:8080`) or its GraphQL endpoint (`.../graphql`).
    pub url: String,
    /// The WebSocket endpoint; derived from `url` when `None`.
    pub ws_url: Option<String>,
    /// The website's public widget key.
    pub website_key: String,
    /// The visitor's name, when known.
    pub name: Option<String>,
    /// The visitor's email, when known.
    pub email: Option<String>,
    /// A resume token from an earlier session ([`VisitorSession::resume_token`]).
    pub resume_token: Option<String>,
    /// Your own user id for a signed-in user; needs `user_hash`.
    pub external_id: Option<String>,
    /// Hex HMAC-SHA256 of `external_id` with the website's identity secret.
    pub user_hash: Option<String>,
    /// Hex HMAC-SHA256 of `"email:" + email` (the email exactly as given) with the website's identity secret,
    /// from your server: the email is vouched for, so transcripts and replies reach it
    /// without a confirmation link first. Needs `email`.
    pub email_hash: Option<String>,
    /// How many times a send is tried (same `clientMessageId` each time). Default 6.
    pub send_attempts: u32,
}

impl VisitorOptions {
    /// Options with defaults for the server at `url` and the website `website_key`.
    ///
    /// ```
    /// let options = chinwag_sdk::VisitorOptions::new("http://127.0.0.1:8080", "wk_...");
    /// assert_eq!(options.send_attempts, 6);
    /// ```
    pub fn new(url: impl Into<String>, website_key: impl Into<String>) -> VisitorOptions {
        VisitorOptions {
            url: url.into(),
            ws_url: None,
            website_key: website_key.into(),
            name: None,
            email: None,
            resume_token: None,
            external_id: None,
            user_hash: None,
            email_hash: None,
            send_attempts: 6,
        }
    }
}

/// A visitor's session: keep `resume_token` to come back as the same visitor.
///
/// ```no_run
/// # async fn demo(chat: chinwag_sdk::VisitorClient) -> Result<(), chinwag_sdk::Error> {
/// chat.visitor().await?; // starts the session
/// let session: chinwag_sdk::VisitorSession = chat.session().expect("started");
/// std::fs::write("visitor-resume-token", &session.resume_token).ok();
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorSession {
    /// The bearer token (long-lived, renewed by use).
    pub token: String,
    /// Pass as [`VisitorOptions::resume_token`] to continue as this visitor.
    pub resume_token: String,
}

/// Starts the visitor session on first use, and again (resuming) when the server
/// refuses the token.
struct VisitorAuth {
    http: Http,
    options: VisitorOptions,
    state: tokio::sync::Mutex<VisitorState>,
    /// A copy readable without awaiting, for `session()`.
    current: std::sync::Mutex<Option<VisitorSession>>,
}

#[derive(Default)]
struct VisitorState {
    session: Option<VisitorSession>,
    visitor: Option<Visitor>,
}

impl VisitorAuth {
    async fn start(&self, state: &mut VisitorState) -> Result<String> {
        let resume_token = state.session.as_ref().map(|s| s.resume_token.clone()).or_else(|| self.options.resume_token.clone());
        let o = &self.options;
        let input = ops::start_visitor_session::StartVisitorSessionInput {
            website_key: o.website_key.clone(),
            name: o.name.clone(),
            email: o.email.clone(),
            resume_token,
            external_id: o.external_id.clone(),
            user_hash: o.user_hash.clone(),
            email_hash: o.email_hash.clone(),
            attributes: None,
        };
        let d = self.http.post::<ops::StartVisitorSession>(ops::start_visitor_session::Variables { input }, None).await?;
        let s = d.start_visitor_session;
        let session = VisitorSession { token: s.token, resume_token: s.resume_token };
        state.visitor = Some(s.visitor.into());
        state.session = Some(session.clone());
        *self.current.lock().expect("not poisoned") = Some(session.clone());
        Ok(session.token)
    }
}

impl TokenSource for VisitorAuth {
    fn token<'a>(&'a self, rejected: Option<&'a str>) -> BoxFuture<'a, Result<String>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            match &state.session {
                Some(s) if rejected != Some(s.token.as_str()) => Ok(s.token.clone()),
                _ => self.start(&mut state).await,
            }
        })
    }
}

/// A website visitor's client: start conversations, send, and follow them live.
///
/// Cheap to clone (clones share the session and the live connection). Nothing goes over
/// the network until the first call; the session is started, or resumed with
/// [`VisitorOptions::resume_token`], on first use.
///
/// ```no_run
/// # async fn demo() -> Result<(), chinwag_sdk::Error> {
/// use chinwag_sdk::{ConversationEvent, VisitorClient};
/// use futures_util::StreamExt as _;
///
/// let chat = VisitorClient::new("http://127.0.0.1:8080", "wk_...");
/// let conversation = chat.start_conversation(Some("Do you ship to Norway?")).await?;
/// let mut events = chat.conversation_events(&conversation.id, None);
/// while let Some(event) = events.next().await {
///     if let ConversationEvent::Message(m) = event? {
///         println!("{:?}: {}", m.sender_kind, m.body);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct VisitorClient {
    core: Arc<Core>,
    auth: Arc<VisitorAuth>,
}

impl VisitorClient {
    /// A client for the website `website_key` on the server at `url`.
    ///
    /// ```
    /// let chat = chinwag_sdk::VisitorClient::new("http://127.0.0.1:8080", "wk_...");
    /// assert!(chat.session().is_none(), "nothing happens before the first call");
    /// ```
    pub fn new(url: impl Into<String>, website_key: impl Into<String>) -> VisitorClient {
        VisitorClient::with_options(VisitorOptions::new(url, website_key))
    }

    /// A client with every option.
    ///
    /// ```
    /// use chinwag_sdk::{VisitorClient, VisitorOptions};
    /// let chat = VisitorClient::with_options(VisitorOptions {
    ///     email: Some("vi@example.com".into()),
    ///     ..VisitorOptions::new("http://127.0.0.1:8080", "wk_...")
    /// });
    /// # let _ = chat;
    /// ```
    pub fn with_options(options: VisitorOptions) -> VisitorClient {
        let url = endpoint(&options.url);
        let auth = Arc::new(VisitorAuth { http: Http::new(&url), options: options.clone(), state: Default::default(), current: Default::default() });
        let core = Arc::new(Core::new(&url, options.ws_url.as_deref(), options.send_attempts, auth.clone()));
        VisitorClient { core, auth }
    }

    /// The current session, once started (to keep its resume token).
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient) -> Result<(), chinwag_sdk::Error> {
    /// chat.visitor().await?;
    /// println!("{:?}", chat.session().map(|s| s.resume_token));
    /// # Ok(()) }
    /// ```
    pub fn session(&self) -> Option<VisitorSession> {
        self.auth.current.lock().expect("not poisoned").clone()
    }

    /// The visitor, starting or resuming the session if needed.
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient) -> Result<(), chinwag_sdk::Error> {
    /// println!("visitor {}", chat.visitor().await?.id);
    /// # Ok(()) }
    /// ```
    pub async fn visitor(&self) -> Result<Visitor> {
        self.core.auth.token(None).await?;
        let state = self.auth.state.lock().await;
        Ok(state.visitor.clone().expect("a started session has its visitor"))
    }

    /// What the chat shows before a session exists. Needs no session.
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient) -> Result<(), chinwag_sdk::Error> {
    /// let config = chat.widget_config().await?;
    /// println!("{}", config.greeting);
    /// # Ok(()) }
    /// ```
    pub async fn widget_config(&self) -> Result<WidgetConfig> {
        let vars = ops::widget_config::Variables { website_key: self.auth.options.website_key.clone() };
        let w = self.core.http.post::<ops::WidgetConfig>(vars, None).await?.widget_config;
        Ok(WidgetConfig {
            website_name: w.website_name,
            color: w.appearance.color,
            launcher_text: w.appearance.launcher_text,
            greeting: w.appearance.greeting,
            business_hours_open: w.business_hours_open,
            agent_online: w.agent_online,
        })
    }

    /// The visitor's conversations, newest activity first, a page at a time.
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient) -> Result<(), chinwag_sdk::Error> {
    /// let latest = chat.conversations(None).await?.nodes.into_iter().next();
    /// # let _ = latest;
    /// # Ok(()) }
    /// ```
    pub async fn conversations(&self, after: Option<&str>) -> Result<Page<VisitorConversation>> {
        let vars = ops::visitor_conversations::Variables { first: Some(50), after: after.map(str::to_owned) };
        let c = self.core.request::<ops::VisitorConversations>(vars).await?.conversations;
        Ok(Page { nodes: c.nodes.into_iter().map(Into::into).collect(), has_next_page: c.page_info.has_next_page, end_cursor: c.page_info.end_cursor })
    }

    /// Starts a new conversation, with its first message when `body` is given (without
    /// one it stays out of agents' queues until the visitor writes).
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient) -> Result<(), chinwag_sdk::Error> {
    /// let conversation = chat.start_conversation(Some("Hello!")).await?;
    /// # let _ = conversation;
    /// # Ok(()) }
    /// ```
    pub async fn start_conversation(&self, body: Option<&str>) -> Result<VisitorConversation> {
        let vars = ops::start_conversation::Variables {
            input: ops::start_conversation::StartConversationInput {
                body: body.map(str::to_owned),
                offline: None,
                trigger_id: None,
                proactive_message_id: None,
            },
        };
        Ok(self.core.request::<ops::StartConversation>(vars).await?.start_conversation.into())
    }

    /// A page of a conversation's history: `last` messages before `before` (or the
    /// newest), oldest first.
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// for m in chat.messages(id, 50, None).await?.messages { println!("{}", m.body) }
    /// # Ok(()) }
    /// ```
    pub async fn messages(&self, conversation_id: &str, last: u32, before: Option<&str>) -> Result<History> {
        let vars = ops::visitor_messages::Variables { id: conversation_id.to_owned(), last: Some(i64::from(last)), before: before.map(str::to_owned) };
        let m = self.core.request::<ops::VisitorMessages>(vars).await?.conversation.messages;
        Ok(History { messages: m.nodes.into_iter().map(Into::into).collect(), has_older: m.page_info.has_previous_page })
    }

    /// Sends a message. Network failures, `UNAVAILABLE` and `RATE_LIMITED` are retried
    /// with the same `clientMessageId`, so it is stored once.
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// let m = chat.send_message(id, "Thanks!").await?;
    /// assert_eq!(m.sender_kind, chinwag_sdk::SenderKind::Visitor);
    /// # Ok(()) }
    /// ```
    pub async fn send_message(&self, conversation_id: &str, body: &str) -> Result<Message> {
        self.core.send(conversation_id, body, SendOptions::default()).await
    }

    /// Sends a message with your own idempotency key.
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// let options = chinwag_sdk::SendOptions { client_message_id: Some("draft-7".into()), ..Default::default() };
    /// chat.send_message_with(id, "Hello", options).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_message_with(&self, conversation_id: &str, body: &str, options: SendOptions) -> Result<Message> {
        self.core.send(conversation_id, body, options).await
    }

    /// Shows or hides the visitor's typing indicator (it ends by itself after about 6 s,
    /// and when the visitor sends).
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// chat.set_typing(id, true).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_typing(&self, conversation_id: &str, is_typing: bool) -> Result<()> {
        let vars = ops::set_typing::Variables { conversation_id: conversation_id.to_owned(), is_typing, is_private: None };
        self.core.request::<ops::SetTyping>(vars).await.map(drop)
    }

    /// Marks the conversation read up to and including `message_id`.
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient, m: chinwag_sdk::Message) -> Result<(), chinwag_sdk::Error> {
    /// chat.mark_read(&m.conversation_id, &m.id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn mark_read(&self, conversation_id: &str, message_id: &str) -> Result<()> {
        let vars = ops::mark_read::Variables { conversation_id: conversation_id.to_owned(), message_id: message_id.to_owned() };
        self.core.request::<ops::MarkRead>(vars).await.map(drop)
    }

    /// Rates a resolved conversation, 1 to 5, once per resolution.
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// chat.rate_conversation(id, 5, Some("Quick!")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn rate_conversation(&self, conversation_id: &str, rating: u8, comment: Option<&str>) -> Result<VisitorConversation> {
        let vars =
            ops::rate_conversation::Variables { conversation_id: conversation_id.to_owned(), rating: i64::from(rating), comment: comment.map(str::to_owned) };
        Ok(self.core.request::<ops::RateConversation>(vars).await?.rate_conversation.into())
    }

    /// Sets (`set`: key and value) and removes (`remove`) the visitor's own attributes:
    /// a cart, what the page is about. Agents see them as the browser's, never as the
    /// site server's (`setVisitorAttributes` in the API sets those). At most 20 at
    /// once and 50 in all; keys are 1 to 40 letters, digits, `_` and `-`.
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient) -> Result<(), chinwag_sdk::Error> {
    /// chat.set_attributes(&[("cart_total", "42.50 EUR")], &["coupon"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_attributes(&self, set: &[(&str, &str)], remove: &[&str]) -> Result<Visitor> {
        let vars = ops::set_my_attributes::Variables {
            attributes: Some(set.iter().map(|(k, v)| ops::set_my_attributes::VisitorAttributeInput { key: (*k).to_owned(), value: (*v).to_owned() }).collect()),
            remove: Some(remove.iter().map(|k| (*k).to_owned()).collect()),
        };
        Ok(self.core.request::<ops::SetMyAttributes>(vars).await?.set_my_attributes.into())
    }

    /// The answer bot's answer in the conversation while a model server writes it
    /// (docs/assistant.md#drafts): the whole text so far each time, then `done` once the
    /// bot's message (if any) has arrived on [`conversation_events`](Self::conversation_events).
    /// Call within a Tokio runtime.
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient, id: &str) {
    /// let drafts = chat.answer_drafts(id);
    /// # let _ = drafts;
    /// # }
    /// ```
    pub fn answer_drafts(&self, conversation_id: &str) -> crate::events::AnswerDrafts {
        crate::events::AnswerDrafts::new(&self.core.live, conversation_id)
    }

    /// A conversation's live events, starting after the message `after` (the last one you
    /// hold: every later one is replayed first) or live only with `None`. Resumes by
    /// itself after reconnects, each message exactly once. Call within a Tokio runtime.
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient, id: &str, last_held: &str) {
    /// let events = chat.conversation_events(id, Some(last_held));
    /// # let _ = events;
    /// # }
    /// ```
    pub fn conversation_events(&self, conversation_id: &str, after: Option<&str>) -> ConversationEvents<VisitorConversation> {
        let request = subscription_request::<ops::VisitorConversationEvents>(ops::visitor_conversation_events::Variables {
            conversation_id: conversation_id.to_owned(),
            after: after.map(str::to_owned),
            after_seq: None,
            current: None,
        });
        ConversationEvents::new(self.core.live.subscribe(request), parse_events)
    }

    /// Runs any operation with the visitor's token, for what the methods do not cover.
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient) -> Result<(), chinwag_sdk::Error> {
    /// use chinwag_sdk::operations::{visitor_conversations as vc, VisitorConversations};
    /// let data = chat.request::<VisitorConversations>(vc::Variables { first: Some(5), after: None }).await?;
    /// println!("{}", data.conversations.nodes.len());
    /// # Ok(()) }
    /// ```
    pub async fn request<Q: GraphQLQuery>(&self, variables: Q::Variables) -> Result<Q::ResponseData>
    where
        Q::Variables: Clone,
    {
        self.core.request::<Q>(variables).await
    }

    /// The live connection's state now.
    ///
    /// ```
    /// let chat = chinwag_sdk::VisitorClient::new("http://127.0.0.1:8080", "wk_...");
    /// assert_eq!(chat.connection_state(), chinwag_sdk::ConnectionState::Offline);
    /// ```
    pub fn connection_state(&self) -> ConnectionState {
        self.core.live.state()
    }

    /// Watches the live connection's state (for an "offline" banner).
    ///
    /// ```no_run
    /// # async fn demo(chat: chinwag_sdk::VisitorClient) {
    /// let mut state = chat.watch_connection_state();
    /// while state.changed().await.is_ok() { println!("{:?}", *state.borrow()) }
    /// # }
    /// ```
    pub fn watch_connection_state(&self) -> tokio::sync::watch::Receiver<ConnectionState> {
        self.core.live.watch_state()
    }
}

fn parse_events(value: Value) -> Result<ConversationEvent<VisitorConversation>> {
    use ops::visitor_conversation_events::{ResponseData, VisitorConversationEventsConversationEvents as E};
    Ok(match data::<ResponseData>(value)?.conversation_events {
        E::MessageAdded(e) => ConversationEvent::Message(e.message.into()),
        E::TypingChanged(t) => ConversationEvent::Typing(t.into()),
        E::ReadReceipt(r) => ConversationEvent::ReadReceipt(r.into()),
        E::ConversationUpdated(u) => ConversationEvent::Updated(u.conversation.into()),
    })
}
