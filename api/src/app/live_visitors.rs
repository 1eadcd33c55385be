//! Live visitors before first use (docs/routing.md#live-visitors). On websites that turn
//! it on, the widget sends a light beacon (`POST /presence`) about every 30 s: no visitor
//! row is created; each node holds the beacons in memory for `TTL` (every node hears
//! every beacon over the bus, so any node answers `liveVisitors`), at most
//! `MAX_PER_WEBSITE` per website and `MAX_TOTAL` per node. An agent may write to a live
//! visitor: the message waits (an hour) in `proactive_messages`, the beacon's answer
//! carries it, and it becomes the first message of a conversation only when the visitor
//! replies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::App;
use crate::auth::Principal;
use crate::bus::Event;
use crate::domain::{LivePresence, MessageBody};
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::Quota;
use crate::time::now_ms;

/// How long a beacon keeps a visitor live (the widget sends one every 30 s).
pub const TTL_MS: i64 = 75_000;
pub const MAX_PER_WEBSITE: usize = 2_000;
pub const MAX_TOTAL: usize = 50_000;
/// How long an agent's message to a live visitor waits for them.
const PROACTIVE_TTL_MS: i64 = 3_600_000;
pub const LIVE_TOPIC: &str = "live";

/// A beacon as the widget sends it (JSON in a `text/plain` body: no preflight).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Beacon {
    pub website_key: String,
    /// Random per page load, or the first-party id (`FIRST_PARTY_ID`).
    pub presence_id: String,
    pub url: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub referrer: Option<String>,
    #[serde(default)]
    pub pages_viewed: Option<u32>,
    /// Seen before (only with `FIRST_PARTY_ID`; otherwise ignored).
    #[serde(default)]
    pub returning: bool,
    /// The visitor's token, when they have chatted: agents then see who it is.
    #[serde(default)]
    pub visitor_token: Option<String>,
}

/// One live visitor, as every node holds it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct LiveEntry {
    pub org_id: String,
    pub website_id: String,
    pub presence_id: String,
    pub url: String,
    pub title: Option<String>,
    pub referrer: Option<String>,
    pub pages_viewed: u32,
    pub returning: bool,
    pub visitor_id: Option<String>,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
}

/// What the beacon's answer carries: messages agents wrote to this visitor.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct BeaconAnswer {
    pub messages: Vec<ProactiveOut>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ProactiveOut {
    /// Sent back as `startConversation(input: {proactiveMessageId})` with the reply.
    pub id: String,
    pub body: String,
    pub sender_name: String,
    pub sender_avatar_url: Option<String>,
}

/// The live visitors this node knows, by website, then presence id.
#[derive(Default)]
pub struct LiveMap(Mutex<HashMap<String, HashMap<String, LiveEntry>>>);

impl LiveMap {
    /// Records a beacon (a newer one replaces the older; `first_seen_at` is kept), within
    /// the caps: a new presence past them is dropped. Expired entries go on the way.
    pub fn record(&self, e: LiveEntry, now: i64) {
        let mut all = self.0.lock().expect("live lock");
        let total: usize = all.values().map(HashMap::len).sum();
        let site = all.entry(e.website_id.clone()).or_default();
        site.retain(|_, x| now - x.last_seen_at < TTL_MS);
        let room = site.len() < MAX_PER_WEBSITE && total < MAX_TOTAL;
        match site.get_mut(&e.presence_id) {
            Some(known) => {
                let first = known.first_seen_at;
                *known = LiveEntry { first_seen_at: first, ..e };
            }
            None if room => {
                site.insert(e.presence_id.clone(), e);
            }
            None => {}
        }
    }

    /// A website's live visitors (or every website's of the organization), newest first.
    pub fn list(&self, org_id: &str, website_ids: &[String], now: i64) -> Vec<LiveEntry> {
        let mut all = self.0.lock().expect("live lock");
        all.retain(|_, site| {
            site.retain(|_, x| now - x.last_seen_at < TTL_MS);
            !site.is_empty()
        });
        let mut out: Vec<LiveEntry> =
            website_ids.iter().filter_map(|w| all.get(w)).flat_map(|site| site.values().filter(|x| x.org_id == org_id).cloned()).collect();
        out.sort_by(|a, b| b.first_seen_at.cmp(&a.first_seen_at).then_with(|| a.presence_id.cmp(&b.presence_id)));
        out
    }

    pub fn get(&self, website_id: &str, presence_id: &str, now: i64) -> Option<LiveEntry> {
        self.0.lock().expect("live lock").get(website_id).and_then(|s| s.get(presence_id)).filter(|x| now - x.last_seen_at < TTL_MS).cloned()
    }
}

/// A presence id: 16 to 64 letters, digits, `-` or `_` (the widget makes 22 random ones).
fn presence_id_ok(id: &str) -> bool {
    (16..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn clip(s: Option<String>, max: usize) -> Option<String> {
    s.map(|s| s.chars().filter(|c| !c.is_control()).take(max).collect::<String>()).filter(|s| !s.is_empty())
}

impl App {
    /// A beacon from a widget: recorded (and told to every node) when the website has
    /// live presence on; the answer carries agents' messages for this visitor.
    pub async fn beacon(&self, meta: &super::RequestMeta, b: Beacon) -> ApiResult<BeaconAnswer> {
        if !presence_id_ok(&b.presence_id) {
            return Err(ApiError::BadInput("presenceId: 16 to 64 letters, digits, '-' or '_'".into()));
        }
        let url = crate::domain::WebUrl::parse("url", &b.url, 2000)?.as_str().to_owned();
        // Per presence (a tab sends one every 30 s) and per address (an office's NAT).
        self.limit(&format!("beacon:{}", b.presence_id), Quota::per_window(6, Duration::from_secs(60))).await?;
        self.limit(&format!("beacon-ip:{}", meta.ip.as_deref().unwrap_or("-")), Quota::per_window(600, Duration::from_secs(60))).await?;
        let w = self.website_by_key(&b.website_key).await?;
        if w.live_presence == LivePresence::Off {
            return Err(ApiError::Forbidden("this website does not show live visitors"));
        }
        let visitor_id = match b.visitor_token.as_deref() {
            Some(t) => match self.authenticate(t).await {
                Ok(Principal::Visitor(v)) if v.website_id == w.id => Some(v.id.clone()),
                _ => None,
            },
            None => None,
        };
        let now = now_ms();
        let entry = LiveEntry {
            org_id: w.org_id.clone(),
            website_id: w.id.clone(),
            presence_id: b.presence_id.clone(),
            url,
            title: clip(b.title, 200),
            referrer: clip(b.referrer, 500),
            pages_viewed: b.pages_viewed.unwrap_or(1).clamp(1, 10_000),
            // Only a first-party id can tell a visitor seen before.
            returning: b.returning && w.live_presence == LivePresence::FirstPartyId,
            visitor_id,
            first_seen_at: now,
            last_seen_at: now,
        };
        self.live.record(entry.clone(), now);
        self.bus.publish(LIVE_TOPIC, Event::LiveBeacon { entry: Box::new(entry) });
        let rows = self.store.proactive_messages_for(&w.id, &b.presence_id, now).await?;
        let mut messages = Vec::with_capacity(rows.len());
        for m in rows {
            let agent = self.store.agent(&w.org_id, &m.agent_id).await.ok();
            messages.push(ProactiveOut {
                id: m.id,
                body: m.body,
                sender_name: agent.as_ref().map_or_else(|| w.name.clone(), |a| a.name.clone()),
                sender_avatar_url: agent.and_then(|a| a.avatar_url),
            });
        }
        Ok(BeaconAnswer { messages })
    }

    /// Another node's beacon (this node's own was recorded when it came in).
    pub(super) fn heard_beacon(&self, e: &LiveEntry) {
        self.live.record(e.clone(), now_ms());
    }

    /// The live visitors of the websites the agent sees (one with `website_id`).
    pub async fn live_visitors(&self, p: &Principal, website_id: Option<&str>) -> ApiResult<Vec<LiveEntry>> {
        let (org_id, _, _) = super::staff(p)?;
        let sites: Vec<String> = match website_id {
            Some(id) => vec![self.website(p, id).await?.id],
            None => self.websites(p).await?.into_iter().map(|w| w.id).collect(),
        };
        Ok(self.live.list(org_id, &sites, now_ms()))
    }

    /// An agent writes to a live visitor who has not chatted: their widget shows it with
    /// its next beacon (within about 30 s). Stored in a conversation only if they reply.
    pub async fn message_live_visitor(&self, p: &Principal, website_id: &str, presence_id: &str, body: &str) -> ApiResult<String> {
        let a = super::agent(p)?;
        let body = MessageBody::parse(body)?;
        let site = self.website(p, website_id).await?;
        let now = now_ms();
        if self.live.get(&site.id, presence_id, now).is_none() {
            return Err(ApiError::NotFound("live visitor"));
        }
        self.limit(&format!("proactive:{}", a.id), Quota::per_window(60, Duration::from_secs(60))).await?;
        let id = self.store.create_proactive_message(&a.org_id, &site.id, presence_id, &a.id, body.as_str(), now, now + PROACTIVE_TTL_MS).await?;
        Ok(id)
    }

    /// The agent's message the visitor replies to, if it is still waiting on their website.
    pub(super) async fn replied_proactive(&self, org_id: &str, website_id: &str, id: &str) -> ApiResult<crate::store::ProactiveRow> {
        match self.store.proactive_message(org_id, id).await? {
            Some(m) if m.website_id == website_id && m.expires_at > now_ms() => Ok(m),
            _ => Err(ApiError::NotFound("proactive message")),
        }
    }
}

/// Shared with the bus listener.
pub type Live = Arc<LiveMap>;

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(site: &str, id: &str, at: i64) -> LiveEntry {
        LiveEntry {
            org_id: "org_1".into(),
            website_id: site.into(),
            presence_id: id.into(),
            url: "https://shop.test/".into(),
            title: None,
            referrer: None,
            pages_viewed: 1,
            returning: false,
            visitor_id: None,
            first_seen_at: at,
            last_seen_at: at,
        }
    }

    #[test]
    fn beacons_expire_keep_their_first_sight_and_respect_the_cap() {
        let m = LiveMap::default();
        m.record(entry("web_1", "a", 1_000), 1_000);
        m.record(LiveEntry { url: "https://shop.test/pricing".into(), ..entry("web_1", "a", 30_000) }, 30_000);
        let got = m.list("org_1", &["web_1".into()], 31_000);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].first_seen_at, got[0].url.as_str()), (1_000, "https://shop.test/pricing"));
        assert!(m.list("org_1", &["web_1".into()], 30_000 + TTL_MS).is_empty(), "gone after the TTL");
        assert!(m.list("org_2", &["web_1".into()], 31_000).is_empty(), "another organization's");
        for i in 0..MAX_PER_WEBSITE + 5 {
            m.record(entry("web_2", &format!("p{i}"), 40_000), 40_000);
        }
        assert_eq!(m.list("org_1", &["web_2".into()], 40_000).len(), MAX_PER_WEBSITE);
        assert!(presence_id_ok("abcdefghijklmnop") && !presence_id_ok("short") && !presence_id_ok("abcdefghijklmnop<"));
    }
}
