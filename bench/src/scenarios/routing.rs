//! Routing: the router's assignment runs at the store (in process, like `durability`'s
//! store part), with `--agents` agents in `--departments` departments (round robin and
//! least busy alternating), all online with capacity `--capacity`; conversations arrive
//! as fast as they are assigned (a producer keeps `--waiting` chats in line, each with a
//! department and a visitor message appended through the group-commit appender), and
//! agents resolve their chats at random. Figures: assignments per second in the steady
//! state (assignments, not offers), CPU per assignment of this process (everything:
//! producer, resolvers and runs), and the invariant checked at the end: no agent over
//! capacity. (FIFO and two nodes are the test suites' `routing` tests.)
//! Budget (issue 19): at least 2,000 assignments/s on one node.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use chinwag::domain::{AgentStatus, Assignment, ConversationStatus, Role, SenderKind};
use chinwag::store::{Appender, ConversationFilter, NewAgent, NewMessage, NewVisitor, RoutingPatch, Store};

use crate::client::Result;
use crate::report::Report;
use crate::server::Target;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[arg(long, default_value_t = 500)]
    pub agents: usize,
    #[arg(long, default_value_t = 20)]
    pub departments: usize,
    /// Concurrent chats per agent.
    #[arg(long, default_value_t = 3)]
    pub capacity: i64,
    /// Chats the producers keep waiting (filled before the clock starts, then topped up).
    #[arg(long, default_value_t = 3000)]
    pub waiting: usize,
    /// Seconds of steady state.
    #[arg(long, default_value_t = 20.0)]
    pub duration: f64,
    /// Producers, and resolvers, each writing one chat (or resolve) at a time: how many
    /// visitors arrive and agents resolve at once.
    #[arg(long, default_value_t = 128)]
    pub clients: usize,
}

fn e<E: std::fmt::Debug>(x: E) -> String {
    format!("{x:?}")
}

pub async fn run(target: &Target, a: Args) -> Result<Report> {
    let mut rep = Report::new(
        "routing",
        json!({ "agents": a.agents, "departments": a.departments, "capacity": a.capacity, "waiting": a.waiting, "duration": a.duration, "clients": a.clients,
                "store": super::latency::store_name(target) }),
    );
    let dir = tempfile::tempdir().map_err(|x| x.to_string())?;
    let store = Store::open(target.database_url.as_deref(), dir.path()).await.map_err(|x| x.to_string())?;
    let tag = chinwag::ids::new_id("r").to_lowercase();
    let (org, owner) = store
        .create_org_with_owner("Bench", NewAgent { email: &format!("owner-{tag}@bench.test"), name: "Owner", password_hash: "x", role: Role::Owner })
        .await
        .map_err(e)?;
    let org_id = org.id.clone();
    let web = store.create_website(&org_id, "Bench", &[], &chinwag::ids::new_id("wk"), "secret").await.map_err(e)?;
    store.set_routing_settings(&org_id, &RoutingPatch { default_capacity: Some(a.capacity), ..Default::default() }).await.map_err(e)?;
    let mut departments = Vec::new();
    for i in 0..a.departments {
        let d = store.create_department(&org_id, &format!("Team {i}")).await.map_err(e)?;
        let mode = if i % 2 == 0 { Assignment::RoundRobin } else { Assignment::LeastBusy };
        store.set_department_assignment(&org_id, &d.id, mode).await.map_err(e)?;
        departments.push(d.id);
    }
    let mut agents = Vec::new();
    for i in 0..a.agents {
        let hash = format!("invite-{tag}-{i}");
        store.create_invite(&org_id, &format!("a{i}-{tag}@bench.test"), Role::Agent, &hash, &owner.id, 3_600_000, |_| Vec::new()).await.map_err(e)?;
        let agent = store.accept_invite(&hash, &format!("Agent {i}"), "x").await.map_err(e)?;
        store.set_agent_status(&org_id, &agent.id, AgentStatus::Online).await.map_err(e)?;
        store.set_department_member(&departments[i % a.departments], &agent.id, true).await.map_err(e)?;
        agents.push(agent.id);
    }
    store.extend_connections(&agents, chinwag::time::now_ms() + 3_600_000).await.map_err(e)?;
    let appender = Appender::start(store.clone(), Arc::new(chinwag::jobs::SystemClock));

    let stop = Arc::new(AtomicBool::new(false));
    let assigned = Arc::new(AtomicU64::new(0));
    let waiting = Arc::new(AtomicU64::new(0));
    // What the producers and resolvers got done: the line and the slots the runs draw on.
    let (arrived, resolved) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    // The producers: keep the line at `--waiting`, spreading chats over the departments
    // (`--clients` at once, so arrivals are not one write at a time).
    let producers: Vec<_> = (0..a.clients)
        .map(|p| {
            let (store, appender, stop, waiting, arrived, departments, org_id, web_id, limit) = (
                store.clone(),
                appender.clone(),
                stop.clone(),
                waiting.clone(),
                arrived.clone(),
                departments.clone(),
                org_id.clone(),
                web.id.clone(),
                a.waiting as u64,
            );
            tokio::spawn(async move {
                let mut n = p;
                while !stop.load(Ordering::Relaxed) {
                    if waiting.load(Ordering::Relaxed) >= limit {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        continue;
                    }
                    let v = store
                        .create_visitor(NewVisitor {
                            org_id: &org_id,
                            website_id: &web_id,
                            external_id: None,
                            name: None,
                            email: None,
                            resume_hash: "",
                            user_agent: None,
                            ip: None,
                        })
                        .await;
                    let Ok(v) = v else { continue };
                    let Ok(c) = store.create_conversation(&org_id, &web_id, &v.id, false).await else { continue };
                    let dep = &departments[n % departments.len()];
                    n += 1;
                    if store.assign_conversation(&org_id, &c.id, None, Some(dep), None).await.is_err() {
                        continue;
                    }
                    let m = NewMessage {
                        org_id: org_id.clone(),
                        conversation_id: c.id,
                        visitor_id: None,
                        sender_kind: SenderKind::Visitor,
                        sender_id: v.id,
                        body: "hello".into(),
                        is_private: false,
                        client_message_id: None,
                        attachment_ids: Vec::new(),
                        follow_up: None,
                    };
                    if appender.append(m).await.is_ok() {
                        waiting.fetch_add(1, Ordering::Relaxed);
                        arrived.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    // The resolvers (`--clients` at once): each assignment is resolved a little later, in random
    // order.
    let (done_tx, done_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let done_rx = Arc::new(tokio::sync::Mutex::new(done_rx));
    let resolvers: Vec<_> = (0..a.clients as u64)
        .map(|r| {
            let (store, org_id, stop, done_rx, resolved) = (store.clone(), org_id.clone(), stop.clone(), done_rx.clone(), resolved.clone());
            tokio::spawn(async move {
                let mut held: Vec<String> = Vec::new();
                let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ (r + 1);
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(mut rx) = done_rx.try_lock() {
                        while let Ok(id) = rx.try_recv() {
                            held.push(id);
                        }
                    }
                    if held.is_empty() {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        continue;
                    }
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let id = held.swap_remove(seed as usize % held.len());
                    if store.set_conversation_status(&org_id, &id, ConversationStatus::Resolved, None).await.is_ok() {
                        resolved.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    // The line is full before the clock starts.
    let fill = Instant::now() + Duration::from_secs(300);
    while waiting.load(Ordering::Relaxed) < a.waiting as u64 && Instant::now() < fill {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    super::settle(&store).await?;
    // The runs, back to back, as a node's coalesced `route` does under load.
    let started = Instant::now();
    let cpu0 = crate::server::cpu_seconds(std::process::id());
    let (arrived0, resolved0) = (arrived.load(Ordering::Relaxed), resolved.load(Ordering::Relaxed));
    let (mut runs, mut run_secs) = (0u64, 0.0f64);
    let until = started + Duration::from_secs_f64(a.duration);
    while Instant::now() < until {
        let t = Instant::now();
        let rows = store.assign_waiting(&org_id, chinwag::time::now_ms(), |_| 0, None).await.map_err(e)?;
        run_secs += t.elapsed().as_secs_f64();
        runs += 1;
        waiting.fetch_sub((rows.len() as u64).min(waiting.load(Ordering::Relaxed)), Ordering::Relaxed);
        assigned.fetch_add(rows.len() as u64, Ordering::Relaxed);
        for r in rows {
            let _ = done_tx.send(r.id);
        }
        if runs % 8 == 0 {
            tokio::task::yield_now().await;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu = crate::server::cpu_seconds(std::process::id()).zip(cpu0).map(|(b, a)| b - a);
    let (arrivals, resolves, left) =
        (arrived.load(Ordering::Relaxed) - arrived0, resolved.load(Ordering::Relaxed) - resolved0, waiting.load(Ordering::Relaxed));
    stop.store(true, Ordering::Relaxed);
    for p in producers {
        let _ = p.await;
    }
    for r in resolvers {
        let _ = r.await;
    }

    let n = assigned.load(Ordering::Relaxed) as f64;
    rep.figure("assignments/s", n / secs, "/s");
    rep.figure("assignment runs/s", runs as f64 / secs, "/s");
    rep.figure("  assignments per run (mean)", n / (runs as f64).max(1.0), "");
    rep.figure("  run time per assignment", run_secs * 1e6 / n.max(1.0), "us");
    if let Some(cpu) = cpu {
        rep.figure("CPU per assignment (this process, all of it)", cpu * 1e6 / n.max(1.0), "us");
    }
    // A line that ran dry means the producers, not the runs, set the pace.
    rep.figure("chats arrived/s", arrivals as f64 / secs, "/s");
    rep.figure("chats resolved/s", resolves as f64 / secs, "/s");
    rep.figure("chats waiting at the end (of --waiting)", left as f64, "");

    // Invariants, once the last run is settled.
    let mut over = 0;
    for id in &agents {
        let f = ConversationFilter { statuses: vec![ConversationStatus::Open], assignee: Some(Some(id.clone())), ..Default::default() };
        if store.conversations(&org_id, &f, None, a.capacity + 5).await.map_err(e)?.len() as i64 > a.capacity {
            over += 1;
        }
    }
    rep.figure("agents over capacity", over as f64, "");
    if super::latency::store_name(target) == "postgres" {
        rep.notes.push("on PostgreSQL the CPU figure is this process's only (the database server's is not counted)".into());
    }
    Ok(rep)
}
