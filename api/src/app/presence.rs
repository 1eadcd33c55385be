//! Ephemeral state: who has a live socket, and who is typing. Neither is stored;
//! changes travel on the bus only.

use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct Presence {
    agents: Mutex<HashMap<String, usize>>,
    visitors: Mutex<HashMap<String, usize>>,
}

fn bump(map: &Mutex<HashMap<String, usize>>, id: &str, up: bool) -> bool {
    let mut m = map.lock().expect("presence lock");
    if up {
        let n = m.entry(id.to_owned()).or_insert(0);
        *n += 1;
        *n == 1
    } else {
        match m.get_mut(id) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            Some(_) => {
                m.remove(id);
                true
            }
            None => false,
        }
    }
}

impl Presence {
    /// Returns true on the first socket (came online).
    pub fn agent_up(&self, id: &str) -> bool {
        bump(&self.agents, id, true)
    }
    /// Returns true when the last socket closed (went offline).
    pub fn agent_down(&self, id: &str) -> bool {
        bump(&self.agents, id, false)
    }
    pub fn visitor_up(&self, id: &str) -> bool {
        bump(&self.visitors, id, true)
    }
    pub fn visitor_down(&self, id: &str) -> bool {
        bump(&self.visitors, id, false)
    }
    pub fn agent_connected(&self, id: &str) -> bool {
        self.agents.lock().expect("presence lock").contains_key(id)
    }
    pub fn visitor_connected(&self, id: &str) -> bool {
        self.visitors.lock().expect("presence lock").contains_key(id)
    }
}

/// Who is typing where, with a generation per entry so a stale expiry timer does
/// not clear a fresh `setTyping(true)`.
#[derive(Default)]
pub struct Typing {
    /// (conversation, typist) -> (generation, typing a private note).
    entries: Mutex<HashMap<(String, String), (u64, bool)>>,
    next: std::sync::atomic::AtomicU64,
}

impl Typing {
    /// Marks typing on; returns the generation the expiry timer must match.
    pub fn start(&self, conversation_id: &str, sender_id: &str, is_private: bool) -> u64 {
        let g = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        self.entries.lock().expect("typing lock").insert((conversation_id.to_owned(), sender_id.to_owned()), (g, is_private));
        g
    }

    /// Clears typing; with `generation`, only if no later start happened. Returns
    /// `Some(is_private)` if it was on, so the "stopped" event reaches the same audience.
    pub fn stop(&self, conversation_id: &str, sender_id: &str, generation: Option<u64>) -> Option<bool> {
        let mut m = self.entries.lock().expect("typing lock");
        let key = (conversation_id.to_owned(), sender_id.to_owned());
        match (m.get(&key), generation) {
            (Some((g, _)), Some(want)) if *g != want => None,
            (Some(_), _) => m.remove(&key).map(|(_, private)| private),
            (None, _) => None,
        }
    }
}
