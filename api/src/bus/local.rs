//! The in-process bus: one broadcast channel per topic, created on first subscribe and
//! dropped once nobody listens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use super::Event;

/// How many events a slow subscriber may fall behind before it sees `Lagged` (and
/// refills from the store).
const TOPIC_CAPACITY: usize = 1024;

#[derive(Clone, Default)]
pub struct LocalBus {
    topics: Arc<Mutex<HashMap<String, broadcast::Sender<Arc<Event>>>>>,
}

impl LocalBus {
    pub fn subscribe(&self, topic: &str) -> broadcast::Receiver<Arc<Event>> {
        let mut topics = self.topics.lock().expect("bus lock");
        topics.entry(topic.to_owned()).or_insert_with(|| broadcast::channel(TOPIC_CAPACITY).0).subscribe()
    }

    pub fn publish(&self, topic: &str, event: Arc<Event>) {
        let mut topics = self.topics.lock().expect("bus lock");
        if let Some(tx) = topics.get(topic) {
            if tx.send(event).is_err() {
                topics.remove(topic);
            }
        }
    }

    /// Sends `event` to every topic (used for `Resync`).
    pub fn publish_all(&self, event: Arc<Event>) {
        let topics = self.topics.lock().expect("bus lock");
        for tx in topics.values() {
            let _ = tx.send(event.clone());
        }
    }

    /// Drops topics nobody listens to and returns their names.
    pub fn sweep(&self) -> Vec<String> {
        let mut topics = self.topics.lock().expect("bus lock");
        let idle: Vec<String> = topics.iter().filter(|(_, tx)| tx.receiver_count() == 0).map(|(k, _)| k.clone()).collect();
        for t in &idle {
            topics.remove(t);
        }
        idle
    }

    pub fn has_listeners(&self, topic: &str) -> bool {
        self.listeners(topic) > 0
    }

    /// How many receivers this node holds for `topic`.
    pub fn listeners(&self, topic: &str) -> usize {
        self.topics.lock().expect("bus lock").get(topic).map_or(0, |tx| tx.receiver_count())
    }
}
