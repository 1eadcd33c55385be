//! Ephemeral state: who has a live socket, and who is typing. Neither is stored in
//! the database. Presence is counted per node; with Redis, each node also records the
//! principals it holds in a sorted set per principal (member: node id, score: expiry),
//! refreshed by a heartbeat, so "online" holds across nodes and a dead node's entries
//! expire by themselves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

    /// Whether the agent has a live socket on this node.
    pub fn is_local_agent(&self, id: &str) -> bool {
        self.agents.lock().expect("presence lock").contains_key(id)
    }

    /// The agents with a live socket on this node.
    pub fn local_agents(&self) -> Vec<String> {
        self.agents.lock().expect("presence lock").keys().cloned().collect()
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

/// Who is typing where. A typist's repeated `setTyping(true)` (clients call it on
/// keystrokes; a request may alias it hundreds of times) refreshes one entry: at most one
/// frame per typist per `TYPING_REFRESH` reaches the others, and one expiry timer per
/// entry re-arms itself until the typist has been quiet for the timeout.
#[derive(Default)]
pub struct Typing {
    /// (conversation, typist) -> the current spell of typing.
    entries: Mutex<HashMap<(String, String), Spell>>,
    next: std::sync::atomic::AtomicU64,
}

struct Spell {
    generation: u64,
    /// Typing a private note (only agents see it).
    private: bool,
    published_at: Instant,
    expires_at: Instant,
}

/// The most often a typist's "typing" frame is repeated to the others.
pub const TYPING_REFRESH: Duration = Duration::from_secs(1);

/// What a `setTyping(true)` must do.
#[derive(Debug, PartialEq, Eq)]
pub enum TypingStart {
    /// A new spell: publish, and start its expiry timer for this generation.
    New(u64),
    /// The spell goes on (its expiry moved); publish again only if `publish`.
    Refresh { publish: bool },
}

/// What an expiry timer finds when it wakes.
#[derive(Debug, PartialEq, Eq)]
pub enum TypingExpiry {
    /// Another spell (or none) is current: this timer is done.
    Gone,
    /// Refreshed meanwhile: sleep until then and look again.
    Later(Instant),
    /// Expired and cleared: publish "stopped" to the audience of this privacy.
    Now { private: bool },
}

impl Typing {
    /// Marks typing on at `now`, for `timeout` unless refreshed.
    pub fn start(&self, conversation_id: &str, sender_id: &str, is_private: bool, now: Instant, timeout: Duration) -> TypingStart {
        let mut m = self.entries.lock().expect("typing lock");
        let key = (conversation_id.to_owned(), sender_id.to_owned());
        if let Some(spell) = m.get_mut(&key).filter(|s| s.private == is_private) {
            spell.expires_at = now + timeout;
            let publish = now.duration_since(spell.published_at) >= TYPING_REFRESH;
            if publish {
                spell.published_at = now;
            }
            return TypingStart::Refresh { publish };
        }
        let generation = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        m.insert(key, Spell { generation, private: is_private, published_at: now, expires_at: now + timeout });
        TypingStart::New(generation)
    }

    /// The expiry timer of spell `generation` woke at `now`.
    pub fn expiry(&self, conversation_id: &str, sender_id: &str, generation: u64, now: Instant) -> TypingExpiry {
        let mut m = self.entries.lock().expect("typing lock");
        let key = (conversation_id.to_owned(), sender_id.to_owned());
        match m.get(&key) {
            Some(s) if s.generation != generation => TypingExpiry::Gone,
            Some(s) if s.expires_at > now => TypingExpiry::Later(s.expires_at),
            Some(_) => TypingExpiry::Now { private: m.remove(&key).map(|s| s.private).unwrap_or(false) },
            None => TypingExpiry::Gone,
        }
    }

    /// Clears typing (the typist sent a message or said it stopped). Returns
    /// `Some(is_private)` if it was on, so the "stopped" event reaches the same audience.
    pub fn stop(&self, conversation_id: &str, sender_id: &str) -> Option<bool> {
        let mut m = self.entries.lock().expect("typing lock");
        m.remove(&(conversation_id.to_owned(), sender_id.to_owned())).map(|s| s.private)
    }
}

#[cfg(test)]
mod typing_tests {
    use super::*;

    #[test]
    fn repeated_starts_refresh_one_spell_and_publish_at_most_once_a_second() {
        let t = Typing::default();
        let t0 = Instant::now();
        let six = Duration::from_secs(6);
        let TypingStart::New(g) = t.start("c", "v", false, t0, six) else { panic!("a new spell") };
        for ms in [1, 10, 500, 999] {
            assert_eq!(t.start("c", "v", false, t0 + Duration::from_millis(ms), six), TypingStart::Refresh { publish: false });
        }
        assert_eq!(t.start("c", "v", false, t0 + Duration::from_millis(1000), six), TypingStart::Refresh { publish: true });
        // The timer of the spell sleeps on while it is refreshed, then clears it.
        assert_eq!(t.expiry("c", "v", g, t0 + six), TypingExpiry::Later(t0 + Duration::from_millis(7000)));
        assert_eq!(t.expiry("c", "v", g, t0 + Duration::from_millis(7000)), TypingExpiry::Now { private: false });
        assert_eq!(t.expiry("c", "v", g, t0 + Duration::from_millis(7001)), TypingExpiry::Gone);
    }

    #[test]
    fn switching_to_a_note_is_a_new_spell_and_stop_clears_it() {
        let t = Typing::default();
        let now = Instant::now();
        let six = Duration::from_secs(6);
        let TypingStart::New(public) = t.start("c", "a", false, now, six) else { panic!() };
        let TypingStart::New(private) = t.start("c", "a", true, now, six) else { panic!() };
        assert_eq!(t.expiry("c", "a", public, now + six), TypingExpiry::Gone);
        assert_eq!(t.stop("c", "a"), Some(true));
        assert_eq!(t.expiry("c", "a", private, now + six), TypingExpiry::Gone);
        assert_eq!(t.stop("c", "a"), None);
    }
}
