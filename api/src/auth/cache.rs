//! The access cache: what an agent or API key may do right now, checked on every
//! request and every delivered event without a store round trip. Entries are loaded on
//! miss and dropped when access changes (locally at once, and via the bus on other nodes).
//! Visitors are many and their tokens are checked on every request, so the cache keeps
//! only the few whose tokens were revoked (blocked visitors), all of them, loaded at start.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::Notify;

use crate::domain::Role;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone)]
pub struct AgentAccess {
    pub org_id: String,
    pub role: Role,
    pub epoch: i64,
    pub removed: bool,
}

#[derive(Debug, Clone)]
pub struct KeyAccess {
    pub org_id: String,
    pub secret_hash: String,
    pub revoked: bool,
    /// Unix ms; none: never.
    pub expires_at: Option<i64>,
    pub scopes: crate::domain::Scopes,
    /// The websites the key is limited to; none: all of the organization's.
    pub websites: Option<std::sync::Arc<[String]>>,
}

impl KeyAccess {
    /// Not revoked and not expired.
    pub fn usable(&self) -> bool {
        !self.revoked && self.expires_at.is_none_or(|t| t > crate::time::now_ms())
    }
}

#[derive(Default)]
pub struct AccessCache {
    agents: RwLock<HashMap<String, AgentAccess>>,
    keys: RwLock<HashMap<String, KeyAccess>>,
    /// Visitors (by visitor id) and websites (by website id: it was deleted) whose
    /// visitor tokens issued at or before the time (unix ms) are refused.
    revoked_visitors: RwLock<HashMap<String, i64>>,
    /// When each API key's use was last written to the store (at most once a minute).
    key_used: std::sync::Mutex<HashMap<String, i64>>,
    /// Woken when a visitor's tokens are revoked: open sockets re-check their visitor.
    revocations: Arc<Notify>,
    /// Counts changes to either map, so a check can be skipped while nothing changed.
    changes: AtomicU64,
}

impl AccessCache {
    /// How many times the cache has changed. Read before a check: an answer found
    /// after reading `n` stays true for as long as this still returns `n` (every
    /// change counts after it is made).
    pub fn changes(&self) -> u64 {
        self.changes.load(Ordering::Acquire)
    }

    fn agents_mut(&self, f: impl FnOnce(&mut HashMap<String, AgentAccess>)) {
        let mut agents = self.agents.write().expect("cache lock");
        f(&mut agents);
        self.changes.fetch_add(1, Ordering::Release);
    }

    fn keys_mut(&self, f: impl FnOnce(&mut HashMap<String, KeyAccess>)) {
        let mut keys = self.keys.write().expect("cache lock");
        f(&mut keys);
        self.changes.fetch_add(1, Ordering::Release);
    }

    /// Whether the agent still has access at `epoch`, without cloning the entry (this
    /// runs once per delivered event). `None` when not cached.
    pub fn agent_valid(&self, id: &str, epoch: i64) -> Option<bool> {
        self.agents.read().expect("cache lock").get(id).map(|a| !a.removed && a.epoch == epoch)
    }

    /// Whether a token of visitor `id` on `website_id`, issued at `issued_at` (unix ms),
    /// is still good: neither the visitor's tokens nor the website's were revoked since.
    pub fn visitor_valid(&self, id: &str, website_id: &str, issued_at: i64) -> bool {
        let revoked = self.revoked_visitors.read().expect("cache lock");
        [id, website_id].iter().all(|k| revoked.get(*k).is_none_or(|&at| issued_at > at))
    }

    /// Refuses the visitor's tokens issued until `at` (unix ms), and wakes open sockets.
    pub fn revoke_visitor(&self, id: &str, at: i64) {
        {
            let mut m = self.revoked_visitors.write().expect("cache lock");
            let e = m.entry(id.to_owned()).or_insert(at);
            *e = (*e).max(at);
        }
        self.changes.fetch_add(1, Ordering::Release);
        self.revocations.notify_waiters();
    }

    /// Adds what the store holds to the revoked visitors (at start, and after events may
    /// have been missed). Merged, never replaced: a revocation made while the store was
    /// read stays, and revocations are never undone.
    pub fn load_revoked_visitors(&self, rows: Vec<(String, i64)>) {
        {
            let mut m = self.revoked_visitors.write().expect("cache lock");
            for (id, at) in rows {
                let e = m.entry(id).or_insert(at);
                *e = (*e).max(at);
            }
        }
        self.changes.fetch_add(1, Ordering::Release);
        self.revocations.notify_waiters();
    }

    /// Whether the key's use at `now` should be written (the last write is over a minute
    /// old); notes it as written.
    pub fn key_use_due(&self, id: &str, now: i64) -> bool {
        let mut m = self.key_used.lock().expect("cache lock");
        match m.get(id) {
            Some(&at) if now - at < 60_000 => false,
            _ => {
                m.insert(id.to_owned(), now);
                true
            }
        }
    }

    /// What open sockets wait on to learn of a revocation.
    pub fn revocations(&self) -> Arc<Notify> {
        self.revocations.clone()
    }

    pub fn key_valid(&self, id: &str) -> Option<bool> {
        self.keys.read().expect("cache lock").get(id).map(KeyAccess::usable)
    }

    pub fn agent_cached(&self, id: &str) -> Option<AgentAccess> {
        self.agents.read().expect("cache lock").get(id).cloned()
    }

    pub async fn agent(&self, store: &Store, id: &str) -> Result<Option<AgentAccess>, StoreError> {
        if let Some(a) = self.agent_cached(id) {
            return Ok(Some(a));
        }
        let row = match store.agent_any(id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let access = AgentAccess { org_id: row.org_id, role: row.role, epoch: row.token_epoch, removed: row.removed_at.is_some() };
        self.agents_mut(|m| drop(m.insert(id.to_owned(), access.clone())));
        Ok(Some(access))
    }

    pub async fn key(&self, store: &Store, id: &str) -> Result<Option<KeyAccess>, StoreError> {
        if let Some(k) = self.keys.read().expect("cache lock").get(id).cloned() {
            return Ok(Some(k));
        }
        let row = match store.api_key(id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let access = KeyAccess {
            scopes: crate::domain::Scopes::from_db(&row.scopes),
            websites: row.website_ids.as_deref().map(|j| serde_json::from_str::<Vec<String>>(j).unwrap_or_default().into()),
            org_id: row.org_id,
            secret_hash: row.secret_hash,
            revoked: row.revoked_at.is_some(),
            expires_at: row.expires_at,
        };
        self.keys_mut(|m| drop(m.insert(id.to_owned(), access.clone())));
        Ok(Some(access))
    }

    pub fn set_agent(&self, id: &str, access: AgentAccess) {
        self.agents_mut(|m| drop(m.insert(id.to_owned(), access)));
    }

    pub fn forget_agent(&self, id: &str) {
        self.agents_mut(|m| drop(m.remove(id)));
    }

    pub fn forget_key(&self, id: &str) {
        self.keys_mut(|m| drop(m.remove(id)));
    }
}
