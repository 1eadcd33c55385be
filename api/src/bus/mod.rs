//! Event fan-out. A write commits to the store first, then publishes an [`Event`]
//! carrying the committed payload under a topic (`conversation:{id}`, `org:{id}`,
//! `auth`). Every node delivers through its in-process bus, a broadcast channel per
//! topic; with Redis configured, events also travel between nodes over Redis pub/sub
//! (`redis.rs`). Pub/sub is at-most-once, so it is only a hint: catch-up always reads
//! the store, and a missed event costs latency, never data.

mod local;
mod redis;

pub use self::redis::RedisBus;
pub use local::LocalBus;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::domain::SenderKind;
use crate::store::{ConversationRow, MessageRow};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    MessageAdded {
        message: MessageRow,
    },
    /// On the organization's topic: a message with its conversation as committed.
    InboxMessage {
        message: MessageRow,
        conversation: ConversationRow,
    },
    Typing {
        conversation_id: String,
        sender_kind: SenderKind,
        sender_id: String,
        is_typing: bool,
        is_private: bool,
    },
    ReadReceipt {
        conversation_id: String,
        reader_kind: SenderKind,
        reader_id: String,
        message_id: String,
        seq: i64,
        is_private: bool,
    },
    /// The answer bot's answer while the model writes it (not stored): the text so
    /// far, then `done` (the answer follows as a message, or none does).
    AnswerDraft {
        conversation_id: String,
        text: String,
        done: bool,
    },
    /// Conversation state after a committed change (status, assignment, rating).
    ConversationUpdated {
        conversation: ConversationRow,
    },
    /// First visitor message: the conversation enters the inbox.
    ConversationCreated {
        conversation: ConversationRow,
    },
    VisitorPresence {
        org_id: String,
        /// Empty from a node of an older version.
        #[serde(default)]
        website_id: String,
        visitor_id: String,
        online: bool,
    },
    /// An agent's access changed (removed, role, password): sockets re-check at once.
    AgentAccessChanged {
        agent_id: String,
    },
    /// An API key was revoked.
    ApiKeyRevoked {
        key_id: String,
    },
    /// A visitor's tokens issued until `at` (unix ms) are revoked (the visitor was
    /// blocked): every node refuses them and closes its open sockets.
    VisitorRevoked {
        visitor_id: String,
        at: i64,
    },
    /// A website was deleted: every node refuses visitor tokens naming it issued until
    /// `at` (unix ms), and closes their open sockets.
    WebsiteDeleted {
        website_id: String,
        at: i64,
    },
    /// A live visitor's beacon (docs/routing.md#live-visitors), on `LIVE_TOPIC`: every
    /// node keeps every website's live visitors.
    LiveBeacon {
        entry: Box<crate::app::LiveEntry>,
    },
    /// Local only: the link to other nodes was down and is back, so events may have been
    /// missed; live streams re-read the store.
    Resync,
}

pub fn conversation_topic(id: &str) -> String {
    format!("conversation:{id}")
}

pub fn org_topic(id: &str) -> String {
    format!("org:{id}")
}

pub const AUTH_TOPIC: &str = "auth";

/// The bus a node uses: always the local one, plus Redis when configured.
#[derive(Clone)]
pub struct Bus {
    local: LocalBus,
    redis: Option<Arc<RedisBus>>,
}

impl Bus {
    /// How many live streams of this node listen on `topic` (a subscription is
    /// registered once it listens; tests wait for this instead of sleeping).
    pub fn local_listeners(&self, topic: &str) -> usize {
        self.local.listeners(topic)
    }

    /// The embedded default: one process, no Redis.
    pub fn local() -> Bus {
        Bus { local: LocalBus::default(), redis: None }
    }

    /// Local fan-out plus Redis pub/sub under `prefix`. Fails if Redis cannot be reached
    /// at start (a missing dependency fails at start-up, never inside a request).
    pub async fn with_redis(url: &str, prefix: &str, metrics: Arc<crate::metrics::Metrics>) -> Result<Bus, ::redis::RedisError> {
        let local = LocalBus::default();
        let redis = RedisBus::connect(url, prefix, local.clone(), metrics).await?;
        Ok(Bus { local, redis: Some(redis) })
    }

    /// Subscribes to a topic. With Redis, this returns once this node hears the topic
    /// from other nodes too (or Redis is known to be down), so a caller that reads the
    /// store afterwards misses nothing.
    pub async fn subscribe(&self, topic: &str) -> broadcast::Receiver<Arc<Event>> {
        let rx = self.local.subscribe(topic);
        if let Some(r) = &self.redis {
            r.listen(topic).await;
        }
        rx
    }

    /// Delivers to this node's subscribers at once and, with Redis, to other nodes.
    pub fn publish(&self, topic: &str, event: Event) {
        if let Some(r) = &self.redis {
            r.publish(topic, &event);
        }
        self.local.publish(topic, Arc::new(event));
    }

    /// `None` without Redis; otherwise whether the pub/sub link is up.
    pub fn redis_up(&self) -> Option<bool> {
        self.redis.as_ref().map(|r| r.is_up())
    }

    pub fn redis(&self) -> Option<&Arc<RedisBus>> {
        self.redis.as_ref()
    }
}
