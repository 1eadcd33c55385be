//! Ephemeral state: who has a live socket, and who is typing. Neither is stored in
//! the database. Presence is counted per node; with Redis, each node also records the
//! principals it holds in a sorted set per principal (member: node id, score: expiry),
//! refreshed by a heartbeat, so "online" holds across nodes and a dead node's entries
//! expire by themselves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::ConnectionManager;

use crate::time::now_ms;

const PRESENCE_TTL_MS: i64 = 90_000;
const HEARTBEAT: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct Presence {
    agents: Mutex<HashMap<String, usize>>,
    visitors: Mutex<HashMap<String, usize>>,
    redis: Option<RedisPresence>,
}

struct RedisPresence {
    conn: ConnectionManager,
    prefix: String,
    node: String,
}

impl RedisPresence {
    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}presence:{kind}:{id}", self.prefix)
    }

    fn mark(&self, kind: &'static str, id: &str, online: bool) {
        let mut conn = self.conn.clone();
        let key = self.key(kind, id);
        let node = self.node.clone();
        tokio::spawn(async move {
            let mut pipe = redis::pipe();
            if online {
                pipe.cmd("ZADD").arg(&key).arg(now_ms() + PRESENCE_TTL_MS).arg(&node).ignore();
                pipe.cmd("PEXPIRE").arg(&key).arg(PRESENCE_TTL_MS * 2).ignore();
            } else {
                pipe.cmd("ZREM").arg(&key).arg(&node).ignore();
            }
            let _: redis::RedisResult<()> = pipe.query_async(&mut conn).await;
        });
    }

    async fn online(&self, kind: &str, id: &str) -> Option<bool> {
        let mut conn = self.conn.clone();
        let n: redis::RedisResult<i64> = redis::cmd("ZCOUNT").arg(self.key(kind, id)).arg(now_ms()).arg("+inf").query_async(&mut conn).await;
        n.ok().map(|n| n > 0)
    }
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
    /// Presence shared through Redis; starts the heartbeat that keeps this node's
    /// entries alive.
    pub fn with_redis(conn: ConnectionManager, prefix: &str, node: &str) -> Arc<Presence> {
        let p = Arc::new(Presence { redis: Some(RedisPresence { conn, prefix: prefix.to_owned(), node: node.to_owned() }), ..Default::default() });
        let weak = Arc::downgrade(&p);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT);
            loop {
                tick.tick().await;
                let Some(p) = weak.upgrade() else { break };
                let Some(r) = &p.redis else { break };
                let agents: Vec<String> = p.agents.lock().expect("presence lock").keys().cloned().collect();
                let visitors: Vec<String> = p.visitors.lock().expect("presence lock").keys().cloned().collect();
                for id in agents {
                    r.mark("agent", &id, true);
                }
                for id in visitors {
                    r.mark("visitor", &id, true);
                }
            }
        });
        p
    }

    fn changed(&self, kind: &'static str, id: &str, online: bool, changed: bool) -> bool {
        if changed {
            if let Some(r) = &self.redis {
                r.mark(kind, id, online);
            }
        }
        changed
    }

    /// Returns true on the first socket here (came online on this node).
    pub fn agent_up(&self, id: &str) -> bool {
        self.changed("agent", id, true, bump(&self.agents, id, true))
    }
    /// Returns true when the last socket here closed.
    pub fn agent_down(&self, id: &str) -> bool {
        self.changed("agent", id, false, bump(&self.agents, id, false))
    }
    pub fn visitor_up(&self, id: &str) -> bool {
        self.changed("visitor", id, true, bump(&self.visitors, id, true))
    }
    pub fn visitor_down(&self, id: &str) -> bool {
        self.changed("visitor", id, false, bump(&self.visitors, id, false))
    }

    /// Has a live socket on any node.
    pub async fn agent_connected(&self, id: &str) -> bool {
        self.connected("agent", &self.agents, id).await
    }
    pub async fn visitor_connected(&self, id: &str) -> bool {
        self.connected("visitor", &self.visitors, id).await
    }

    async fn connected(&self, kind: &str, local: &Mutex<HashMap<String, usize>>, id: &str) -> bool {
        if local.lock().expect("presence lock").contains_key(id) {
            return true;
        }
        match &self.redis {
            Some(r) => r.online(kind, id).await.unwrap_or(false),
            None => false,
        }
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
