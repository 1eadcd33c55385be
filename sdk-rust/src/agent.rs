//! [`AgentClient`]: a member of the support team, or a bot or integration acting with an
//! API key: sessions with refresh, the inbox, conversations, replies, canned responses.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures_util::future::BoxFuture;
use graphql_client::GraphQLQuery;
use serde_json::Value;
use tokio::time::Instant;

use crate::core::{endpoint, subscription_request, Core, Http, SendOptions, TokenSource};
use crate::error::{Error, ErrorCode, Result};
use crate::events::{data, ConversationEvents, InboxEvents};
use crate::live::ConnectionState;
use crate::operations as ops;
use crate::types::{
    Agent, AgentConversation, AgentStatus, Assignment, CannedResponse, ConversationEvent, ConversationFilter, ConversationStatus, CreatedApiKey, History,
    InboxEvent, Message, Page, Priority, RoutingSettings, RoutingSettingsPatch, Website,
};

/// An agent's tokens.
///
/// ```no_run
/// # async fn demo(agent: chinwag_sdk::AgentClient) {
/// // Persist it to sign in again without a password (see `AgentOptions::session`).
/// if let Some(session) = agent.session() { println!("refresh token: {}", session.refresh_token) }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSession {
    /// Short-lived (15 minutes by default); the client refreshes it before it expires.
    pub access_token: String,
    /// Works once: each refresh returns a new one.
    pub refresh_token: String,
}

/// Called with the new session after a log-in and every refresh, and with `None` when
/// the session ended (logged out, revoked, expired). Persist the session here to sign
/// in again after a restart without a password.
///
/// ```
/// use std::sync::Arc;
/// let listener: chinwag_sdk::SessionListener = Arc::new(|session| match session {
///     Some(s) => println!("new refresh token {}", s.refresh_token),
///     None => println!("signed out"),
/// });
/// # let _ = listener;
/// ```
pub type SessionListener = Arc<dyn Fn(Option<&AgentSession>) + Send + Sync>;

/// Options of [`AgentClient::with_options`]; start from [`AgentOptions::new`].
///
/// ```
/// use std::sync::Arc;
/// use chinwag_sdk::{AgentClient, AgentOptions};
/// let agent = AgentClient::with_options(AgentOptions {
///     on_session_change: Some(Arc::new(|s| println!("signed in: {}", s.is_some()))),
///     ..AgentOptions::new("http://127.0.0.1:8080")
/// });
/// # let _ = agent;
/// ```
#[derive(Clone)]
pub struct AgentOptions {
    /// The server (`http://127.0.0.1:8080`) or its GraphQL endpoint (`.../graphql`).
    pub url: String,
    /// The WebSocket endpoint; derived from `url` when `None`.
    pub ws_url: Option<String>,
    /// Act with an API key (a bot): no log-in, no refresh, messages are `BOT`.
    pub api_key: Option<String>,
    /// Start signed in with these tokens (from your own storage).
    pub session: Option<AgentSession>,
    /// See [`SessionListener`].
    pub on_session_change: Option<SessionListener>,
    /// How many times a send is tried (same `clientMessageId` each time). Default 6.
    pub send_attempts: u32,
}

impl AgentOptions {
    /// Options with defaults for the server at `url`, signed out.
    ///
    /// ```
    /// let options = chinwag_sdk::AgentOptions::new("http://127.0.0.1:8080");
    /// assert!(options.api_key.is_none());
    /// ```
    pub fn new(url: impl Into<String>) -> AgentOptions {
        AgentOptions { url: url.into(), ws_url: None, api_key: None, session: None, on_session_change: None, send_attempts: 6 }
    }
}

struct Tokens {
    session: AgentSession,
    /// When to refresh, by the local clock: the token's lifetime (from its claims)
    /// counted from its arrival, less a margin, so a skewed clock does not matter.
    refresh_at: Option<Instant>,
}

struct AgentAuth {
    http: Http,
    api_key: Option<String>,
    state: tokio::sync::Mutex<Option<Tokens>>,
    /// A copy readable without awaiting, for `session()`.
    current: std::sync::Mutex<Option<AgentSession>>,
    listener: Option<SessionListener>,
}

impl AgentAuth {
    fn adopt(&self, state: &mut Option<Tokens>, session: Option<AgentSession>) {
        *state = session.clone().map(|session| {
            let refresh_at = lifetime(&session.access_token).map(|life| Instant::now() + life - (life / 4).min(Duration::from_secs(60)));
            Tokens { session, refresh_at }
        });
        *self.current.lock().expect("not poisoned") = session.clone();
        if let Some(listener) = &self.listener {
            listener(session.as_ref());
        }
    }

    async fn sign_in(&self, auth: ops::sign_up::AuthFields) -> Agent {
        let session = AgentSession { access_token: auth.access_token, refresh_token: auth.refresh_token };
        let mut state = self.state.lock().await;
        self.adopt(&mut state, Some(session));
        auth.agent.into()
    }
}

/// The access token's lifetime from its claims (`exp - iat`); `None` when it is not a
/// JWT the client can read (it is then refreshed only when refused).
fn lifetime(token: &str) -> Option<Duration> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    let seconds = claims["exp"].as_i64()? - claims["iat"].as_i64()?;
    (seconds > 0).then(|| Duration::from_secs(seconds as u64))
}

impl TokenSource for AgentAuth {
    fn token<'a>(&'a self, rejected: Option<&'a str>) -> BoxFuture<'a, Result<String>> {
        Box::pin(async move {
            if let Some(key) = &self.api_key {
                return match rejected {
                    Some(r) if r == key => Err(Error::server(ErrorCode::Unauthenticated, "the API key was refused (revoked?)")),
                    _ => Ok(key.clone()),
                };
            }
            // Holding the lock while refreshing makes concurrent callers wait for the one
            // refresh and share its result: a refresh token works once.
            let mut state = self.state.lock().await;
            let Some(tokens) = state.as_ref() else {
                return Err(Error::server(ErrorCode::Unauthenticated, "not signed in"));
            };
            let refused = rejected == Some(tokens.session.access_token.as_str());
            let stale = tokens.refresh_at.is_some_and(|at| Instant::now() >= at);
            if !refused && !stale {
                return Ok(tokens.session.access_token.clone());
            }
            let vars = ops::refresh_session::Variables { refresh_token: tokens.session.refresh_token.clone() };
            match self.http.post::<ops::RefreshSession>(vars, None).await {
                Ok(d) => {
                    let s = d.refresh_session;
                    let session = AgentSession { access_token: s.access_token, refresh_token: s.refresh_token };
                    let token = session.access_token.clone();
                    self.adopt(&mut state, Some(session));
                    Ok(token)
                }
                Err(e) => {
                    // Revoked or expired for good; a network error keeps the session.
                    if e.code() == Some(&ErrorCode::Unauthenticated) {
                        self.adopt(&mut state, None);
                    }
                    Err(e)
                }
            }
        })
    }
}

/// An agent's client, or a bot's with an API key.
///
/// Cheap to clone (clones share the session and the live connection). Access tokens are
/// refreshed shortly before they expire and again whenever the server refuses one
/// (HTTP `UNAUTHENTICATED`, socket close 4403).
///
/// ```no_run
/// # async fn demo() -> Result<(), chinwag_sdk::Error> {
/// use chinwag_sdk::{AgentClient, InboxEvent};
/// use futures_util::StreamExt as _;
///
/// let bot = AgentClient::with_api_key("http://127.0.0.1:8080", "cw_...");
/// let mut inbox = bot.inbox_events();
/// while let Some(event) = inbox.next().await {
///     if let InboxEvent::ConversationCreated(c) = event? {
///         bot.send_message(&c.id, "Hi! A human will be with you shortly.").await?;
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AgentClient {
    core: Arc<Core>,
    auth: Arc<AgentAuth>,
}

impl AgentClient {
    /// A signed-out client for the server at `url`: call [`log_in`](Self::log_in) or
    /// [`sign_up`](Self::sign_up) next.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), chinwag_sdk::Error> {
    /// let agent = chinwag_sdk::AgentClient::new("http://127.0.0.1:8080");
    /// agent.log_in("ann@acme.test", "correct horse").await?;
    /// # Ok(()) }
    /// ```
    pub fn new(url: impl Into<String>) -> AgentClient {
        AgentClient::with_options(AgentOptions::new(url))
    }

    /// A client acting with an API key: its messages are `BOT`.
    ///
    /// ```
    /// let bot = chinwag_sdk::AgentClient::with_api_key("http://127.0.0.1:8080", "cw_...");
    /// # let _ = bot;
    /// ```
    pub fn with_api_key(url: impl Into<String>, api_key: impl Into<String>) -> AgentClient {
        AgentClient::with_options(AgentOptions { api_key: Some(api_key.into()), ..AgentOptions::new(url) })
    }

    /// A client with every option.
    ///
    /// ```
    /// use chinwag_sdk::{AgentClient, AgentOptions, AgentSession};
    /// let saved = AgentSession { access_token: "eyJ...".into(), refresh_token: "rt_...".into() };
    /// let agent = AgentClient::with_options(AgentOptions { session: Some(saved), ..AgentOptions::new("http://127.0.0.1:8080") });
    /// assert!(agent.session().is_some());
    /// ```
    pub fn with_options(options: AgentOptions) -> AgentClient {
        let url = endpoint(&options.url);
        let auth = Arc::new(AgentAuth {
            http: Http::new(&url),
            api_key: options.api_key,
            state: Default::default(),
            current: Default::default(),
            listener: options.on_session_change,
        });
        if let Some(session) = options.session {
            let mut state = auth.state.try_lock().expect("new, so unlocked");
            auth.adopt(&mut state, Some(session));
        }
        let core = Arc::new(Core::new(&url, options.ws_url.as_deref(), options.send_attempts, auth.clone()));
        AgentClient { core, auth }
    }

    /// The current tokens (`None` when signed out or acting with an API key).
    ///
    /// ```
    /// let agent = chinwag_sdk::AgentClient::new("http://127.0.0.1:8080");
    /// assert!(agent.session().is_none());
    /// ```
    pub fn session(&self) -> Option<AgentSession> {
        self.auth.current.lock().expect("not poisoned").clone()
    }

    /// Creates an organization and its owner, and signs the owner in.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
    /// let owner = agent.sign_up("Acme", "Ann", "ann@acme.test", "correct horse").await?;
    /// assert_eq!(owner.role, chinwag_sdk::Role::Owner);
    /// # Ok(()) }
    /// ```
    pub async fn sign_up(&self, organization_name: &str, name: &str, email: &str, password: &str) -> Result<Agent> {
        let input = ops::sign_up::SignUpInput {
            organization_name: organization_name.to_owned(),
            name: name.to_owned(),
            email: email.to_owned(),
            password: password.to_owned(),
        };
        let d = self.core.http.post::<ops::SignUp>(ops::sign_up::Variables { input }, None).await?;
        Ok(self.auth.sign_in(d.sign_up).await)
    }

    /// Signs in; the client keeps (and refreshes) the session.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
    /// let me = agent.log_in("ann@acme.test", "correct horse").await?;
    /// println!("hello {}", me.name);
    /// # Ok(()) }
    /// ```
    pub async fn log_in(&self, email: &str, password: &str) -> Result<Agent> {
        let input = ops::log_in::LogInInput { email: email.to_owned(), password: password.to_owned() };
        let d = self.core.http.post::<ops::LogIn>(ops::log_in::Variables { input }, None).await?;
        let a = d.log_in;
        // Same fragment, another operation's copy of it.
        let auth = ops::sign_up::AuthFields {
            access_token: a.access_token,
            refresh_token: a.refresh_token,
            agent: ops::sign_up::AgentFields {
                id: a.agent.id,
                name: a.agent.name,
                email: a.agent.email,
                role: a.agent.role,
                status: a.agent.status,
                is_online: a.agent.is_online,
            },
        };
        Ok(self.auth.sign_in(auth).await)
    }

    /// Forgets the session here. Live streams end with `UNAUTHENTICATED` at their next
    /// reconnect.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) {
    /// agent.log_out().await;
    /// assert!(agent.session().is_none());
    /// # }
    /// ```
    pub async fn log_out(&self) {
        let mut state = self.auth.state.lock().await;
        self.auth.adopt(&mut state, None);
    }

    /// The signed-in agent.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
    /// println!("{}", agent.me().await?.email);
    /// # Ok(()) }
    /// ```
    pub async fn me(&self) -> Result<Agent> {
        Ok(self.core.request::<ops::Me>(ops::me::Variables).await?.me.into())
    }

    /// Sets the signed-in agent's availability.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
    /// agent.set_agent_status(chinwag_sdk::AgentStatus::Online).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_agent_status(&self, status: AgentStatus) -> Result<Agent> {
        Ok(self.core.request::<ops::SetAgentStatus>(ops::set_agent_status::Variables { status }).await?.set_agent_status.into())
    }

    /// The queue, newest activity first, 50 at a time: pass the page's `end_cursor` as
    /// `after` for the next. Lists conversations with at least one visitor message.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
    /// use chinwag_sdk::{AssigneeFilter, ConversationFilter, ConversationStatus};
    /// let filter = ConversationFilter { status: vec![ConversationStatus::Open], assignee: Some(AssigneeFilter::Unassigned), ..Default::default() };
    /// let page = agent.conversations(filter, None).await?;
    /// # let _ = page;
    /// # Ok(()) }
    /// ```
    pub async fn conversations(&self, filter: ConversationFilter, after: Option<&str>) -> Result<Page<AgentConversation>> {
        let filter = ops::conversations::ConversationFilter {
            status: (!filter.status.is_empty()).then_some(filter.status),
            assignee: filter.assignee,
            assignee_id: filter.assignee_id,
            department_id: filter.department_id,
            website_id: filter.website_id,
            visitor_id: filter.visitor_id,
            search: filter.search,
            tag: filter.tag,
        };
        let vars = ops::conversations::Variables { filter: Some(filter), first: Some(50), after: after.map(str::to_owned), order: None };
        let c = self.core.request::<ops::Conversations>(vars).await?.conversations;
        Ok(Page { nodes: c.nodes.into_iter().map(Into::into).collect(), has_next_page: c.page_info.has_next_page, end_cursor: c.page_info.end_cursor })
    }

    /// One conversation.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// let c = agent.conversation(id).await?;
    /// println!("{:?}, assigned to {:?}", c.status, c.assignee_name);
    /// # Ok(()) }
    /// ```
    pub async fn conversation(&self, id: &str) -> Result<AgentConversation> {
        let vars = ops::agent_conversation_info::Variables { id: id.to_owned() };
        Ok(self.core.request::<ops::AgentConversationInfo>(vars).await?.conversation.into())
    }

    /// A page of a conversation's history, notes included: `last` messages before
    /// `before` (or the newest), oldest first.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// let history = agent.messages(id, 20, None).await?;
    /// # let _ = history;
    /// # Ok(()) }
    /// ```
    pub async fn messages(&self, conversation_id: &str, last: u32, before: Option<&str>) -> Result<History> {
        let vars = ops::agent_messages::Variables { id: conversation_id.to_owned(), last: Some(i64::from(last)), before: before.map(str::to_owned) };
        let m = self.core.request::<ops::AgentMessages>(vars).await?.conversation.messages;
        Ok(History { messages: m.nodes.into_iter().map(Into::into).collect(), has_older: m.page_info.has_previous_page })
    }

    /// Sends a reply (`AGENT`, or `BOT` with an API key). Network failures, `UNAVAILABLE`
    /// and `RATE_LIMITED` are retried with the same `clientMessageId`.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// agent.send_message(id, "Yes, we do!").await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_message(&self, conversation_id: &str, body: &str) -> Result<Message> {
        self.core.send(conversation_id, body, SendOptions::default()).await
    }

    /// Sends with your own idempotency key, or as a private note.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// let options = chinwag_sdk::SendOptions { client_message_id: Some("greet-1".into()), is_private: false };
    /// agent.send_message_with(id, "Welcome!", options).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_message_with(&self, conversation_id: &str, body: &str, options: SendOptions) -> Result<Message> {
        self.core.send(conversation_id, body, options).await
    }

    /// Sends a private note: only agents see it.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// agent.send_note(id, "VIP customer, be nice").await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_note(&self, conversation_id: &str, body: &str) -> Result<Message> {
        self.core.send(conversation_id, body, SendOptions { is_private: true, ..Default::default() }).await
    }

    /// Shows or hides the typing indicator (`is_private`: typing a note, agents only).
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// agent.set_typing(id, true, false).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_typing(&self, conversation_id: &str, is_typing: bool, is_private: bool) -> Result<()> {
        let vars = ops::set_typing::Variables { conversation_id: conversation_id.to_owned(), is_typing, is_private: is_private.then_some(true) };
        self.core.request::<ops::SetTyping>(vars).await.map(drop)
    }

    /// Marks the conversation read up to and including `message_id`.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, m: chinwag_sdk::Message) -> Result<(), chinwag_sdk::Error> {
    /// agent.mark_read(&m.conversation_id, &m.id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn mark_read(&self, conversation_id: &str, message_id: &str) -> Result<()> {
        let vars = ops::mark_read::Variables { conversation_id: conversation_id.to_owned(), message_id: message_id.to_owned() };
        self.core.request::<ops::MarkRead>(vars).await.map(drop)
    }

    /// Assigns to an agent and/or a department (a transfer); `None` clears either.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// let me = agent.me().await?;
    /// agent.assign_conversation(id, Some(&me.id), None).await?;
    /// # Ok(()) }
    /// ```
    pub async fn assign_conversation(&self, conversation_id: &str, agent_id: Option<&str>, department_id: Option<&str>) -> Result<AgentConversation> {
        let input = ops::assign_conversation::AssignConversationInput {
            conversation_id: conversation_id.to_owned(),
            agent_id: agent_id.map(str::to_owned),
            department_id: department_id.map(str::to_owned),
        };
        Ok(self.core.request::<ops::AssignConversation>(ops::assign_conversation::Variables { input }).await?.assign_conversation.into())
    }

    /// Opens, sets pending or resolves a conversation.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// agent.set_conversation_status(id, chinwag_sdk::ConversationStatus::Resolved).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_conversation_status(&self, conversation_id: &str, status: ConversationStatus) -> Result<AgentConversation> {
        let vars = ops::set_conversation_status::Variables { conversation_id: conversation_id.to_owned(), status };
        Ok(self.core.request::<ops::SetConversationStatus>(vars).await?.set_conversation_status.into())
    }

    /// Sets a conversation's priority: higher priorities are served first from the queue.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// let c = agent.set_conversation_priority(id, chinwag_sdk::Priority::Urgent).await?;
    /// println!("now #{:?} in line", c.queue_position);
    /// # Ok(()) }
    /// ```
    pub async fn set_conversation_priority(&self, conversation_id: &str, priority: Priority) -> Result<AgentConversation> {
        let vars = ops::set_conversation_priority::Variables { conversation_id: conversation_id.to_owned(), priority };
        Ok(self.core.request::<ops::SetConversationPriority>(vars).await?.set_conversation_priority.into())
    }

    /// Replaces a conversation's tags (at most 10; stored lowercased). Routing rules,
    /// triggers, automations, their dry runs and live visitors are managed with the
    /// `RoutingRules`, `CreateRoutingRule`, `Triggers`, `CreateAutomation`,
    /// `AutomationDryRun`, `LiveVisitors`, ... operations of
    /// [`operations`](crate::operations) through [`request`](Self::request)
    /// (docs/routing.md).
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
    /// let c = agent.set_conversation_tags(id, &["refund", "vip"]).await?;
    /// assert!(c.tags.contains(&"vip".to_string()));
    /// # Ok(()) }
    /// ```
    pub async fn set_conversation_tags(&self, conversation_id: &str, tags: &[&str]) -> Result<AgentConversation> {
        let vars = ops::set_conversation_tags::Variables { conversation_id: conversation_id.to_owned(), tags: tags.iter().map(|t| (*t).to_owned()).collect() };
        Ok(self.core.request::<ops::SetConversationTags>(vars).await?.set_conversation_tags.into())
    }

    /// How the organization's waiting conversations get an assignee (docs/routing.md).
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
    /// let s = agent.routing_settings().await?;
    /// println!("{:?}, {} chats each", s.assignment, s.default_capacity);
    /// # Ok(()) }
    /// ```
    pub async fn routing_settings(&self) -> Result<RoutingSettings> {
        Ok(self.core.request::<ops::RoutingSettings>(ops::routing_settings::Variables {}).await?.routing_settings.into())
    }

    /// Changes the routing settings (owners and admins).
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
    /// use chinwag_sdk::{Assignment, RoutingSettingsPatch};
    /// let patch = RoutingSettingsPatch { assignment: Some(Assignment::RoundRobin), default_capacity: Some(3), ..Default::default() };
    /// agent.update_routing_settings(patch).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_routing_settings(&self, patch: RoutingSettingsPatch) -> Result<RoutingSettings> {
        let input = ops::update_routing_settings::RoutingSettingsInput {
            assignment: patch.assignment,
            default_capacity: patch.default_capacity,
            pending_counts: patch.pending_counts,
            offline_grace_seconds: patch.offline_grace_seconds,
            reassign_after_seconds: patch.reassign_after_seconds,
            offer_seconds: patch.offer_seconds,
        };
        Ok(self.core.request::<ops::UpdateRoutingSettings>(ops::update_routing_settings::Variables { input }).await?.update_routing_settings.into())
    }

    /// Sets how a department's waiting conversations get an assignee (owners and
    /// admins); returns the mode now in force.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, sales: &str) -> Result<(), chinwag_sdk::Error> {
    /// agent.set_department_assignment(sales, chinwag_sdk::Assignment::LeastBusy).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_department_assignment(&self, department_id: &str, assignment: Assignment) -> Result<Assignment> {
        let vars = ops::set_department_assignment::Variables { id: department_id.to_owned(), assignment };
        Ok(self.core.request::<ops::SetDepartmentAssignment>(vars).await?.set_department_assignment.assignment)
    }

    /// Sets the most chats the router gives an agent at once (owners and admins; 0: the
    /// organization's default); returns the capacity now in force.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, bob: &str) -> Result<(), chinwag_sdk::Error> {
    /// agent.set_agent_capacity(bob, 8).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_agent_capacity(&self, agent_id: &str, capacity: i64) -> Result<i64> {
        let vars = ops::set_agent_capacity::Variables { agent_id: agent_id.to_owned(), capacity };
        Ok(self.core.request::<ops::SetAgentCapacity>(vars).await?.set_agent_capacity.capacity)
    }

    /// The organization's saved replies.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
    /// let replies = agent.canned_responses().await?;
    /// # let _ = replies;
    /// # Ok(()) }
    /// ```
    pub async fn canned_responses(&self) -> Result<Vec<CannedResponse>> {
        Ok(self.core.request::<ops::CannedResponses>(ops::canned_responses::Variables).await?.canned_responses.into_iter().map(Into::into).collect())
    }

    /// Saves a reply for the whole team.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
    /// agent.create_canned_response("shipping", "Shipping", "We ship worldwide within 3 days.").await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_canned_response(&self, shortcut: &str, title: &str, body: &str) -> Result<CannedResponse> {
        let input = ops::create_canned_response::CannedResponseInput { shortcut: shortcut.to_owned(), title: title.to_owned(), body: body.to_owned() };
        Ok(self.core.request::<ops::CreateCannedResponse>(ops::create_canned_response::Variables { input }).await?.create_canned_response.into())
    }

    /// Adds a website (owners and admins); its `public_key` goes into the widget snippet.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
    /// let site = agent.create_website("Acme shop", &["https://acme.test"]).await?;
    /// # let _ = site;
    /// # Ok(()) }
    /// ```
    pub async fn create_website(&self, name: &str, allowed_origins: &[&str]) -> Result<Website> {
        let input =
            ops::create_website::CreateWebsiteInput { name: name.to_owned(), allowed_origins: Some(allowed_origins.iter().map(|o| (*o).to_owned()).collect()) };
        Ok(self.core.request::<ops::CreateWebsite>(ops::create_website::Variables { input }).await?.create_website.into())
    }

    /// Deletes a website (owners, admins, keys with `WEBSITES_MANAGE`): its key and
    /// identity secret stop working at once and a job removes its visitors with their
    /// conversations and files. Cannot be undone.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, website_id: &str) -> Result<(), chinwag_sdk::Error> {
    /// agent.delete_website(website_id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_website(&self, id: &str) -> Result<()> {
        self.core.request::<ops::DeleteWebsite>(ops::delete_website::Variables { id: id.to_owned() }).await?;
        Ok(())
    }

    /// Creates an API key (owners and admins): the secret is in the result, once.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
    /// let key = agent.create_api_key("greeter-bot").await?;
    /// let bot = chinwag_sdk::AgentClient::with_api_key("http://127.0.0.1:8080", key.secret);
    /// # let _ = bot;
    /// # Ok(()) }
    /// ```
    pub async fn create_api_key(&self, name: &str) -> Result<CreatedApiKey> {
        let k = self.core.request::<ops::CreateApiKey>(ops::create_api_key::Variables { name: name.to_owned() }).await?.create_api_key;
        Ok(CreatedApiKey { id: k.api_key.id, name: k.api_key.name, secret: k.secret })
    }

    /// Revokes an API key (owners and admins): its requests fail at once and its live
    /// streams end with `UNAUTHENTICATED`.
    ///
    /// ```no_run
    /// # async fn demo(owner: chinwag_sdk::AgentClient, key: chinwag_sdk::CreatedApiKey) -> Result<(), chinwag_sdk::Error> {
    /// owner.revoke_api_key(&key.id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn revoke_api_key(&self, id: &str) -> Result<()> {
        self.core.request::<ops::RevokeApiKey>(ops::revoke_api_key::Variables { id: id.to_owned() }).await.map(drop)
    }

    /// The answer bot's answer in the conversation while a model server writes it
    /// (docs/assistant.md#drafts): the whole text so far each time, then `done` once the
    /// bot's message (if any) has arrived on [`conversation_events`](Self::conversation_events).
    /// Call within a Tokio runtime.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) {
    /// let drafts = agent.answer_drafts(id);
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
    /// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) {
    /// let events = agent.conversation_events(id, None);
    /// # let _ = events;
    /// # }
    /// ```
    pub fn conversation_events(&self, conversation_id: &str, after: Option<&str>) -> ConversationEvents<AgentConversation> {
        let request = subscription_request::<ops::AgentConversationEvents>(ops::agent_conversation_events::Variables {
            conversation_id: conversation_id.to_owned(),
            after: after.map(str::to_owned),
            after_seq: None,
            current: None,
        });
        ConversationEvents::new(self.core.live.subscribe(request), parse_conversation_events)
    }

    /// The organization's inbox, live only. Call within a Tokio runtime.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) {
    /// let inbox = agent.inbox_events();
    /// # let _ = inbox;
    /// # }
    /// ```
    pub fn inbox_events(&self) -> InboxEvents {
        InboxEvents::new(self.core.live.subscribe(subscription_request::<ops::InboxEvents>(ops::inbox_events::Variables)), parse_inbox_events)
    }

    /// Runs any operation with the client's credentials, for what the methods do not
    /// cover (your own `GraphQLQuery` derives against the same schema work too).
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) -> Result<(), chinwag_sdk::Error> {
    /// use chinwag_sdk::operations::{me, Me};
    /// let data = agent.request::<Me>(me::Variables).await?;
    /// println!("{}", data.me.id);
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
    /// let agent = chinwag_sdk::AgentClient::new("http://127.0.0.1:8080");
    /// assert_eq!(agent.connection_state(), chinwag_sdk::ConnectionState::Offline);
    /// ```
    pub fn connection_state(&self) -> ConnectionState {
        self.core.live.state()
    }

    /// Watches the live connection's state.
    ///
    /// ```no_run
    /// # async fn demo(agent: chinwag_sdk::AgentClient) {
    /// let mut state = agent.watch_connection_state();
    /// while state.changed().await.is_ok() { println!("{:?}", *state.borrow()) }
    /// # }
    /// ```
    pub fn watch_connection_state(&self) -> tokio::sync::watch::Receiver<ConnectionState> {
        self.core.live.watch_state()
    }
}

fn parse_conversation_events(value: Value) -> Result<ConversationEvent<AgentConversation>> {
    use ops::agent_conversation_events::{AgentConversationEventsConversationEvents as E, ResponseData};
    Ok(match data::<ResponseData>(value)?.conversation_events {
        E::MessageAdded(e) => ConversationEvent::Message(e.message.into()),
        E::TypingChanged(t) => ConversationEvent::Typing(t.into()),
        E::ReadReceipt(r) => ConversationEvent::ReadReceipt(r.into()),
        E::ConversationUpdated(u) => ConversationEvent::Updated(u.conversation.into()),
    })
}

fn parse_inbox_events(value: Value) -> Result<InboxEvent> {
    use ops::inbox_events::{InboxEventsInboxEvents as E, ResponseData};
    Ok(match data::<ResponseData>(value)?.inbox_events {
        E::ConversationCreated(c) => InboxEvent::ConversationCreated(c.conversation.into()),
        E::ConversationUpdated(c) => InboxEvent::ConversationUpdated(c.conversation.into()),
        E::InboxMessageAdded(m) => InboxEvent::MessageAdded { conversation_id: m.conversation_id, preview: m.preview, message: m.message.into() },
        E::VisitorPresenceChanged(p) => InboxEvent::VisitorPresence { visitor_id: p.visitor_id, online: p.online },
    })
}
