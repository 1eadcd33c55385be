//! Events between nodes over Redis pub/sub. One pub/sub connection per node, subscribed
//! per topic on demand and unsubscribed (by a periodic sweep) when the last local
//! subscriber has left. Publishing goes through an ordered queue on a managed
//! connection. Every channel lives under the configured prefix, so deployments and
//! test runs can share one Redis. When the link drops, the node keeps serving its own
//! subscribers, reconnects with backoff, re-subscribes, and tells every live stream to
//! re-read the store (`Event::Resync`), since pub/sub may have lost messages meanwhile.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use super::{Event, LocalBus};
use crate::metrics::Metrics;
use crate::time::now_ms;

/// Queued publishes before new ones are dropped (and counted): pub/sub is a hint.
const PUBLISH_QUEUE: usize = 65_536;
const SWEEP_EVERY: Duration = Duration::from_secs(5);
/// How long `listen` waits for Redis before going on degraded.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Serialize, Deserialize)]
struct Envelope {
    /// The publishing node: a node ignores its own events (it delivered them locally).
    n: String,
    t: String,
    /// Publish time, unix ms, for the bus-lag metric.
    at: i64,
    e: Event,
}

enum Cmd {
    Listen(String, oneshot::Sender<()>),
}

pub struct RedisBus {
    node: String,
    prefix: String,
    conn: ConnectionManager,
    cmd_tx: mpsc::UnboundedSender<Cmd>,
    pub_tx: mpsc::Sender<(String, Vec<u8>)>,
    up: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
}

impl RedisBus {
    pub async fn connect(url: &str, prefix: &str, local: LocalBus, metrics: Arc<Metrics>) -> redis::RedisResult<Arc<RedisBus>> {
        let client = redis::Client::open(url)?;
        let conn = client.get_connection_manager().await?;
        // Fail at start when pub/sub cannot be reached either.
        drop(client.get_async_pubsub().await?);
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (pub_tx, pub_rx) = mpsc::channel(PUBLISH_QUEUE);
        let up = Arc::new(AtomicBool::new(false));
        let node = crate::ids::new_id("node");
        let bus =
            Arc::new(RedisBus { node: node.clone(), prefix: prefix.to_owned(), conn: conn.clone(), cmd_tx, pub_tx, up: up.clone(), metrics: metrics.clone() });
        tokio::spawn(publisher(conn.clone(), pub_rx, metrics.clone()));
        tokio::spawn(subscriber(client, conn, format!("{prefix}bus:"), node, local, cmd_rx, up, metrics));
        Ok(bus)
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    pub fn node_id(&self) -> &str {
        &self.node
    }

    /// A managed command connection (reconnects by itself), for presence and limits.
    pub fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    pub fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// Makes sure this node hears `topic` from other nodes.
    pub async fn listen(&self, topic: &str) {
        let (tx, rx) = oneshot::channel();
        if self.cmd_tx.send(Cmd::Listen(topic.to_owned(), tx)).is_ok() {
            let _ = tokio::time::timeout(LISTEN_TIMEOUT, rx).await;
        }
    }

    pub fn publish(&self, topic: &str, event: &Event) {
        if matches!(event, Event::Resync) {
            return;
        }
        let env = Envelope { n: self.node.clone(), t: topic.to_owned(), at: now_ms(), e: event.clone() };
        let bytes = serde_json::to_vec(&env).expect("events serialize");
        if self.pub_tx.try_send((format!("{}bus:{topic}", self.prefix), bytes)).is_err() {
            self.metrics.bus_publish_dropped.inc();
        }
    }
}

/// Publishes in order on one managed connection. A failure means other nodes may miss
/// events, so once publishing works again every node is told to resync.
async fn publisher(mut conn: ConnectionManager, mut rx: mpsc::Receiver<(String, Vec<u8>)>, metrics: Arc<Metrics>) {
    let mut failed = false;
    while let Some((channel, bytes)) = rx.recv().await {
        let r: redis::RedisResult<i64> = redis::cmd("PUBLISH").arg(&channel).arg(&bytes).query_async(&mut conn).await;
        match r {
            Ok(_) if failed => {
                failed = false;
                let resync = resync_channel(&channel);
                let _: redis::RedisResult<i64> = redis::cmd("PUBLISH").arg(resync).arg("1").query_async(&mut conn).await;
            }
            Ok(_) => {}
            Err(e) => {
                metrics.bus_publish_failed.inc();
                if !failed {
                    tracing::warn!(error = %e, "redis publish failed; other nodes will resync when it works again");
                }
                failed = true;
            }
        }
    }
}

/// `<prefix>bus:_resync`, derived from any topic channel `<prefix>bus:<topic>`.
fn resync_channel(topic_channel: &str) -> String {
    let base = topic_channel.find("bus:").map(|i| &topic_channel[..i + 4]).unwrap_or(topic_channel);
    format!("{base}{RESYNC_TOPIC}")
}

/// Every node listens here: "events may have been lost, re-read the store".
const RESYNC_TOPIC: &str = "_resync";

#[allow(clippy::too_many_arguments)]
async fn subscriber(
    client: redis::Client,
    mut conn: ConnectionManager,
    channel_prefix: String,
    node: String,
    local: LocalBus,
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
    up: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
) {
    let mut wanted: HashSet<String> = HashSet::new();
    let mut backoff = Duration::from_millis(100);
    let mut first = true;
    loop {
        let attempt = tokio::time::timeout(Duration::from_secs(5), client.get_async_pubsub()).await;
        let Ok(Ok(pubsub)) = attempt else {
            up.store(false, Ordering::Relaxed);
            // While down, answer listeners at once: they go on degraded and resync later.
            let deadline = tokio::time::sleep(backoff);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    _ = &mut deadline => break,
                    cmd = cmds.recv() => match cmd {
                        Some(Cmd::Listen(topic, ack)) => { wanted.insert(topic); let _ = ack.send(()); }
                        None => return,
                    },
                }
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
            continue;
        };
        let (mut sink, mut stream) = pubsub.split();
        let mut channels: Vec<String> = wanted.iter().map(|t| format!("{channel_prefix}{t}")).collect();
        channels.push(format!("{channel_prefix}{RESYNC_TOPIC}"));
        if sink.subscribe(&channels).await.is_err() {
            continue;
        }
        backoff = Duration::from_millis(100);
        up.store(true, Ordering::Relaxed);
        if !first {
            tracing::info!("redis pub/sub is back; live streams re-read the store");
            local.publish_all(Arc::new(Event::Resync));
            metrics.bus_resyncs.inc();
            // Others may have missed what this node published while it was cut off.
            let _: redis::RedisResult<i64> = redis::cmd("PUBLISH").arg(format!("{channel_prefix}{RESYNC_TOPIC}")).arg(&node).query_async(&mut conn).await;
        }
        first = false;
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        loop {
            tokio::select! {
                msg = stream.next() => {
                    let Some(msg) = msg else { break };
                    if msg.get_channel_name().ends_with(RESYNC_TOPIC) {
                        if msg.get_payload_bytes() != node.as_bytes() {
                            local.publish_all(Arc::new(Event::Resync));
                            metrics.bus_resyncs.inc();
                        }
                        continue;
                    }
                    let Ok(env) = serde_json::from_slice::<Envelope>(msg.get_payload_bytes()) else { continue };
                    if env.n == node { continue; }
                    metrics.bus_lag_ms.observe((now_ms() - env.at).max(0) as f64);
                    local.publish(&env.t, Arc::new(env.e));
                }
                cmd = cmds.recv() => match cmd {
                    Some(Cmd::Listen(topic, ack)) => {
                        if wanted.insert(topic.clone()) && sink.subscribe(format!("{channel_prefix}{topic}")).await.is_err() {
                            let _ = ack.send(());
                            break;
                        }
                        let _ = ack.send(());
                    }
                    None => return,
                },
                _ = sweep.tick() => {
                    let idle: Vec<String> = local.sweep().into_iter().filter(|t| wanted.remove(t)).collect();
                    // Topics swept here may have been re-listened since; keep those.
                    let idle: Vec<String> = idle.into_iter().filter(|t| if local.has_listeners(t) { wanted.insert(t.clone()); false } else { true }).collect();
                    if !idle.is_empty() {
                        let chans: Vec<String> = idle.iter().map(|t| format!("{channel_prefix}{t}")).collect();
                        if sink.unsubscribe(&chans).await.is_err() { break; }
                    }
                }
            }
        }
        up.store(false, Ordering::Relaxed);
        tracing::warn!("redis pub/sub connection lost; serving local subscribers only");
    }
}
