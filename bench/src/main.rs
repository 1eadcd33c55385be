//! `chinwag-bench`: Chinwag's own load generator. It speaks only the public contract
//! (GraphQL over HTTP and graphql-transport-ws), so it can drive any server that
//! implements it (`--url`), or start a `chinwag` of its own (`--spawn`, the default)
//! so it can read the server's CPU time and memory from `/proc` and report figures
//! per delivery that carry from one machine to another.
#![forbid(unsafe_code)]

mod client;
mod raw;
mod relay;
mod report;
mod scenarios;
mod server;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "chinwag-bench", about = "Benchmarks Chinwag against the budgets of DESIGN.md")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
    #[command(flatten)]
    target: server::Target,
    /// Print the result as JSON (with revision, cores and parameters) instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Scenario {
    /// Rooms of several members; send at a fixed rate; latency at each receiver.
    Latency(scenarios::latency::Args),
    /// One event to many subscribers, beside a raw WebSocket broadcast of the same bytes.
    Fanout(scenarios::fanout::Args),
    /// Sustained commit rate at the store and acknowledged sendMessage rate end to end.
    Durability(scenarios::durability::Args),
    /// Many idle subscribed sockets: server memory per connection; then a reconnect storm.
    Connections(scenarios::connections::Args),
    /// Process start to first answered request.
    ColdStart(scenarios::coldstart::Args),
    /// Durable jobs: completed/s with a trivial handler, and the outbox row's cost on the send path.
    Jobs(scenarios::jobs::Args),
    /// The router's assignment runs at the store: assignments/s with agents resolving at random.
    Routing(scenarios::routing::Args),
    /// Webhook deliveries/s to local receivers, signed and counted; with --kill, a node dies mid-run.
    Webhooks(scenarios::webhooks::Args),
    /// A year of history bulk-loaded; the analytics rollup and reports timed (issue 20).
    Analytics(scenarios::analytics::Args),
    /// The answer bot's quality on the fixture, and its retrieval time (issue 24).
    Assistant(scenarios::assistant::Args),
    /// Runs every scenario briefly with small numbers (the test suite's smoke run).
    Smoke,
    /// Internal: the raw WebSocket broadcaster used as the fan-out baseline.
    #[command(hide = true)]
    RawServer(raw::Args),
    /// Internal: the durable-relay floor used by the latency scenario.
    #[command(hide = true)]
    RelayServer(relay::Args),
}

fn main() {
    let cli = Cli::parse();
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let result = rt.block_on(async move {
        match cli.scenario {
            Scenario::RawServer(a) => {
                raw::serve(a).await;
                Ok(None)
            }
            Scenario::RelayServer(a) => {
                relay::serve(a).await;
                Ok(None)
            }
            Scenario::Latency(a) => scenarios::latency::run(&cli.target, a).await.map(Some),
            Scenario::Fanout(a) => scenarios::fanout::run(&cli.target, a).await.map(Some),
            Scenario::Durability(a) => scenarios::durability::run(&cli.target, a).await.map(Some),
            Scenario::Connections(a) => scenarios::connections::run(&cli.target, a).await.map(Some),
            Scenario::ColdStart(a) => scenarios::coldstart::run(&cli.target, a).await.map(Some),
            Scenario::Jobs(a) => scenarios::jobs::run(&cli.target, a).await.map(Some),
            Scenario::Routing(a) => scenarios::routing::run(&cli.target, a).await.map(Some),
            Scenario::Webhooks(a) => scenarios::webhooks::run(&cli.target, a).await.map(Some),
            Scenario::Analytics(a) => scenarios::analytics::run(&cli.target, a).await.map(Some),
            Scenario::Assistant(a) => scenarios::assistant::run(&cli.target, a).await.map(Some),
            Scenario::Smoke => scenarios::smoke(&cli.target).await.map(Some),
        }
    });
    match result {
        Ok(Some(report)) => report.print(cli.json),
        Ok(None) => {}
        Err(e) => {
            eprintln!("chinwag-bench: {e}");
            std::process::exit(1);
        }
    }
}
