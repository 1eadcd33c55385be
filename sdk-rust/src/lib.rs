//! # chinwag-sdk
//!
//! The Rust client of Chinwag's public GraphQL API, for services,
//! bots and integrations. It speaks the same schema as every other client: typed
//! operations generated from `schema/schema.graphql`, live events over
//! graphql-transport-ws as [`Stream`](futures_util::Stream)s that reconnect and resume
//! with nothing lost or doubled, idempotent retried sends, and one [`Error`] enum that
//! carries the server's `extensions.code`.
//!
//! - [`VisitorClient`]: a person on a website (a custom chat UI, a test harness).
//! - [`AgentClient`]: a member of the team, or a bot with an API key
//!   ([`AgentClient::with_api_key`]; its messages are `BOT`).
//!
//! ```no_run
//! // The bot of docs/sdk-rust.md, kept here so that it keeps compiling.
//! use chinwag_sdk::{AgentClient, InboxEvent, SenderKind};
//! use futures_util::StreamExt as _;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), chinwag_sdk::Error> {
//!     let key = std::env::var("CHINWAG_API_KEY").expect("CHINWAG_API_KEY");
//!     let bot = AgentClient::with_api_key("http://127.0.0.1:8080", key);
//!     let mut inbox = bot.inbox_events();
//!     while let Some(event) = inbox.next().await {
//!         match event? {
//!             InboxEvent::ConversationCreated(conversation) => {
//!                 bot.send_message(&conversation.id, "Hello! How can I help?").await?;
//!             }
//!             InboxEvent::MessageAdded { message, .. } if message.sender_kind == SenderKind::Visitor => {
//!                 println!("visitor in {}: {}", message.conversation_id, message.body);
//!             }
//!             InboxEvent::Reconnected => { /* the inbox is live only: refetch what you track */ }
//!             _ => {}
//!         }
//!     }
//!     Ok(())
//! }
//! ```
//!
//! The guide is `docs/sdk-rust.md` in the repository.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod agent;
mod core;
mod error;
mod events;
mod live;
pub mod operations;
mod types;
mod visitor;

pub use crate::agent::{AgentClient, AgentOptions, AgentSession, SessionListener};
pub use crate::core::SendOptions;
pub use crate::error::{Error, ErrorCode, GraphQLError, Result};
pub use crate::events::{AnswerDrafts, ConversationEvents, InboxEvents};
pub use crate::live::ConnectionState;
pub use crate::types::{
    Agent, AgentConversation, AgentStatus, AnswerDraft, AssigneeFilter, Assignment, CannedResponse, ConversationEvent, ConversationFilter, ConversationStatus,
    CreatedApiKey, History, InboxEvent, Message, Page, Priority, ReadReceipt, Role, RoutingSettings, RoutingSettingsPatch, SenderKind, Typing, Visitor,
    VisitorConversation, Website, WidgetConfig,
};
pub use crate::visitor::{VisitorClient, VisitorOptions, VisitorSession};
/// Re-exported so your own operations derive against the same version.
///
/// ```
/// use chinwag_sdk::graphql_client::GraphQLQuery as _;
/// ```
pub use graphql_client;
