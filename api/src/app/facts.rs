//! Facts that never change once true, remembered so that resuming a subscription
//! reads nothing it already knows: which organization a conversation belongs to, and
//! a message's place (`seq`, private or not) in its conversation. After a deploy or a
//! network blip thousands of sockets resume at once, mostly with the same few
//! conversations and `after` messages.
//!
//! Bounded: when a map reaches its limit it starts again empty (a miss only costs the
//! read it would have cost anyway).

use std::collections::HashMap;
use std::sync::RwLock;

const LIMIT: usize = 100_000;

#[derive(Default)]
pub struct Facts {
    conversation_org: RwLock<HashMap<String, String>>,
    /// (conversation id, message id) -> (seq, is private).
    message_position: RwLock<HashMap<(String, String), (i64, bool)>>,
}

fn remember<K: std::hash::Hash + Eq, V>(map: &RwLock<HashMap<K, V>>, k: K, v: V) {
    let mut m = map.write().unwrap_or_else(|e| e.into_inner());
    if m.len() >= LIMIT {
        m.clear();
    }
    m.insert(k, v);
}

impl Facts {
    /// Whether the conversation is known to belong to `org_id` (false when unknown).
    pub fn in_org(&self, conversation_id: &str, org_id: &str) -> bool {
        self.conversation_org.read().unwrap_or_else(|e| e.into_inner()).get(conversation_id).is_some_and(|o| o == org_id)
    }

    pub fn remember_conversation(&self, conversation_id: &str, org_id: &str) {
        remember(&self.conversation_org, conversation_id.to_owned(), org_id.to_owned());
    }

    pub fn message_position(&self, conversation_id: &str, message_id: &str) -> Option<(i64, bool)> {
        self.message_position.read().unwrap_or_else(|e| e.into_inner()).get(&(conversation_id.to_owned(), message_id.to_owned())).copied()
    }

    pub fn remember_message(&self, conversation_id: &str, message_id: &str, seq: i64, is_private: bool) {
        remember(&self.message_position, (conversation_id.to_owned(), message_id.to_owned()), (seq, is_private));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_are_remembered_and_the_maps_stay_bounded() {
        let f = Facts::default();
        assert!(!f.in_org("c", "o"));
        f.remember_conversation("c", "o");
        f.remember_message("c", "m", 7, true);
        assert_eq!((f.in_org("c", "o"), f.in_org("c", "p"), f.message_position("c", "m")), (true, false, Some((7, true))));
        for i in 0..LIMIT {
            f.remember_conversation(&format!("x{i}"), "o");
        }
        assert!(f.conversation_org.read().unwrap().len() <= LIMIT);
    }
}
