//! Connections: many idle subscribed sockets (from several 127.0.0.x source addresses),
//! server memory per connection; then a reconnect storm: every socket drops, messages
//! arrive meanwhile, and all come back, authenticate, resubscribe with `after` and
//! catch up. Reports the time until the last one has caught up.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::client::{self, Api, Result, CONVERSATION_EVENTS};
use crate::report::Report;
use crate::server::Target;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Idle subscribed sockets (this machine allows 20,000 open files per process).
    #[arg(long, default_value_t = 1000)]
    pub count: usize,
    /// Conversations the sockets are spread over.
    #[arg(long, default_value_t = 100)]
    pub conversations: usize,
    /// Messages per conversation sent while every socket is down.
    #[arg(long, default_value_t = 2)]
    pub missed: usize,
    /// Source addresses (127.0.0.1 ..); 0 picks one per 10,000 sockets.
    #[arg(long, default_value_t = 0)]
    pub sources: usize,
}

pub async fn run(target: &Target, a: Args) -> Result<Report> {
    let servers = target.servers().await?;
    let server = &servers[0];
    let api = Api::new(&server.base);
    let owner = api.sign_up().await?;
    let key = api.website(&owner).await?;
    let mut convs = Vec::new();
    for _ in 0..a.conversations.max(1) {
        convs.push(api.visitor_conversation(&key).await?);
    }
    // The id of the last message each conversation has (its first message).
    let mut last_ids = Vec::new();
    for (vt, c) in &convs {
        let d = api.gql(Some(vt), "query($c: ID!) { conversation(id: $c) { messages(last: 1) { nodes { id } } } }", json!({ "c": c })).await?;
        last_ids.push(d["conversation"]["messages"]["nodes"][0]["id"].as_str().unwrap_or_default().to_owned());
    }
    let sources = client::loopback_sources(if a.sources == 0 { a.count / 10_000 + 1 } else { a.sources });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss0 = server.rss_bytes();

    let started = Instant::now();
    let mut socks = Vec::new();
    for chunk in (0..a.count).collect::<Vec<_>>().chunks(256) {
        let opened = futures_util::future::join_all(chunk.iter().map(|&i| {
            let (base, owner, conv, src) = (server.base.clone(), owner.clone(), convs[i % convs.len()].1.clone(), sources[i % sources.len()]);
            async move {
                let mut s = client::connect(&base, &owner, Some(src)).await?;
                s.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv })).await?;
                Ok::<_, String>(s)
            }
        }))
        .await;
        for s in opened {
            socks.push(s?);
        }
    }
    super::fanout::wait_subscriptions(&server.base, a.count).await;
    let ramp = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss1 = server.rss_bytes();

    let mut rep = Report::new(
        "connections",
        json!({ "count": a.count, "conversations": a.conversations, "sources": sources.len(), "store": super::latency::store_name(target) }),
    );
    rep.figure("sockets open", a.count as f64, "sockets");
    rep.figure("ramp time", ramp, "s");
    if let (Some(r0), Some(r1)) = (rss0, rss1) {
        rep.figure("server RSS idle", r0 as f64 / 1048576.0, "MiB");
        rep.figure("server RSS with sockets", r1 as f64 / 1048576.0, "MiB");
        rep.figure("server bytes per socket", (r1.saturating_sub(r0)) as f64 / a.count as f64, "bytes");
    }

    // The storm: everyone drops, messages arrive, everyone comes back with `after`.
    drop(socks);
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (vt, c) in &convs {
        for _ in 0..a.missed {
            api.send(vt, c, "while you were away").await?;
        }
    }
    let caught = Arc::new(AtomicU64::new(0));
    let dup = Arc::new(AtomicU64::new(0));
    let storm = Instant::now();
    // Every client is a task of its own, as independent clients would be.
    let handles: Vec<_> = (0..a.count)
        .map(|i| {
            let (base, owner, src) = (server.base.clone(), owner.clone(), sources[i % sources.len()]);
            let (conv, after) = (convs[i % convs.len()].1.clone(), last_ids[i % convs.len()].clone());
            let (caught, dup, missed) = (caught.clone(), dup.clone(), a.missed);
            tokio::spawn(async move {
                let mut s = client::connect(&base, &owner, Some(src)).await?;
                s.subscribe("c", CONVERSATION_EVENTS, json!({ "c": conv, "after": after })).await?;
                let mut got = 0;
                let mut last = 1i64;
                while got < missed {
                    let Some(t) = s.next_text().await else { return Err("socket ended during catch-up".to_string()) };
                    if let Some(seq) = super::latency::seq_of(&t) {
                        if seq <= last {
                            dup.fetch_add(1, Ordering::Relaxed);
                        } else {
                            last = seq;
                            got += 1;
                        }
                    }
                }
                caught.fetch_add(1, Ordering::Relaxed);
                Ok::<_, String>(s)
            })
        })
        .collect();
    let mut results = Vec::with_capacity(handles.len());
    for h in handles {
        results.push(h.await.map_err(|e| e.to_string()).and_then(|r| r));
    }
    let storm_secs = storm.elapsed().as_secs_f64();
    let failed = results.iter().filter(|r| r.is_err()).count();
    rep.figure("storm: all reconnected and caught up", storm_secs, "s");
    rep.figure("storm lost", (a.count - caught.load(Ordering::Relaxed) as usize) as f64, "sockets");
    rep.figure("storm duplicated", dup.load(Ordering::Relaxed) as f64, "deliveries");
    if failed > 0 {
        rep.notes.push(format!("{failed} sockets failed to reconnect: {:?}", results.iter().find_map(|r| r.as_ref().err())));
    }
    Ok(rep)
}
