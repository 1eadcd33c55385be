//! Event fan-out. A write commits to the store first, then publishes an [`Event`]
//! carrying the committed payload under a topic (`conversation:{id}`, `org:{id}`,
//! `auth`). The in-process bus is a broadcast channel per topic; the Redis bus (for
//! several nodes) sits behind the same type. Catch-up always reads the store, so a
//! missed event costs latency, never data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::domain::SenderKind;
use crate::store::{ConversationRow, MessageRow};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    MessageAdded { message: MessageRow },
    Typing { conversation_id: String, sender_kind: SenderKind, sender_id: String, is_typing: bool, is_private: bool },
    ReadReceipt { conversation_id: String, reader_kind: SenderKind, reader_id: String, message_id: String, seq: i64, is_private: bool },
    /// Conversation state after a committed change (status, assignment, rating).
    ConversationUpdated { conversation: ConversationRow },
    /// First visitor message: the conversation enters the inbox.
    ConversationCreated { conversation: ConversationRow },
    VisitorPresence { org_id: String, visitor_id: String, online: bool },
    /// An agent's access changed (removed, role, password): sockets re-check at once.
    AgentAccessChanged { agent_id: String },
    /// An API key was revoked.
    ApiKeyRevoked { key_id: String },
}

pub fn conversation_topic(id: &str) -> String {
    format!("conversation:{id}")
}

pub fn org_topic(id: &str) -> String {
    format!("org:{id}")
}

pub const AUTH_TOPIC: &str = "auth";

/// How many events a slow subscriber may fall behind before it sees `Lagged` (and
/// refills from the store).
const TOPIC_CAPACITY: usize = 1024;

/// The in-process bus: one broadcast channel per topic, created on first subscribe
/// and dropped when the last subscriber leaves.
#[derive(Clone, Default)]
pub struct Bus {
    topics: Arc<Mutex<HashMap<String, broadcast::Sender<Arc<Event>>>>>,
}

impl Bus {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn subscribe(&self, topic: &str) -> broadcast::Receiver<Arc<Event>> {
        let mut topics = self.topics.lock().expect("bus lock");
        topics.entry(topic.to_owned()).or_insert_with(|| broadcast::channel(TOPIC_CAPACITY).0).subscribe()
    }

    pub fn publish(&self, topic: &str, event: Event) {
        let mut topics = self.topics.lock().expect("bus lock");
        if let Some(tx) = topics.get(topic) {
            if tx.send(Arc::new(event)).is_err() {
                // Nobody listens any more.
                topics.remove(topic);
            }
        }
    }

    /// Topics with a live subscriber (for tests and metrics).
    pub fn topic_count(&self) -> usize {
        self.topics.lock().expect("bus lock").values().filter(|t| t.receiver_count() > 0).count()
    }
}
