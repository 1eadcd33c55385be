//! `greeter-bot`: runs the bot against a Chinwag server until Ctrl-C.
//!
//! ```sh
//! cargo run -p greeter-bot -- --url http://127.0.0.1:8080 --api-key cw_...
//! ```

use clap::Parser;
use greeter_bot::{Bot, Config};

/// A Chinwag bot that greets new conversations, answers from canned responses and hands
/// over to a human when asked.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The Chinwag server.
    #[arg(long, env = "CHINWAG_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An API key of the organization (`createApiKey`); the bot's messages are BOT.
    #[arg(long, env = "CHINWAG_API_KEY", hide_env_values = true)]
    api_key: String,
    /// The first line of the greeting.
    #[arg(long, env = "GREETER_GREETING", default_value = "Hi! I'm the greeter bot.")]
    greeting: String,
    /// The agent to assign when a visitor asks for a person.
    #[arg(long, env = "GREETER_HANDOVER_AGENT")]
    handover_agent: Option<String>,
    /// The department to route to when a visitor asks for a person.
    #[arg(long, env = "GREETER_HANDOVER_DEPARTMENT")]
    handover_department: Option<String>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let client = chinwag_sdk::AgentClient::with_api_key(&args.url, args.api_key);
    // Fail fast on a wrong URL or key rather than waiting on a socket that never opens.
    if let Err(e) = client.canned_responses().await {
        eprintln!("greeter-bot: cannot use the API key at {}: {e}", args.url);
        std::process::exit(1);
    }
    let config = Config { greeting: args.greeting, handover_agent: args.handover_agent, handover_department: args.handover_department, ..Config::default() };
    eprintln!("greeter-bot: listening to the inbox at {}", args.url);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = Bot::new(client, config).run(shutdown).await {
        eprintln!("greeter-bot: stopped: {e}");
        std::process::exit(1);
    }
}
