//! Black-box tests of the real server over HTTP and WebSocket. The same suite runs on
//! SQLite and PostgreSQL (`CHINWAG_TEST_DATABASE=postgres`).

mod access;
mod agent_side;
mod analytics;
mod articles;
mod assistant;
mod audit;
mod automation;
mod bad_input;
mod blocking;
mod built_clients;
mod census;
mod conversions;
mod core_path;
mod delivery;
mod email;
mod email_in;
mod fake_slack;
mod files;
mod helpers;
mod http_contract;
mod jobs;
mod permissions;
mod privacy;
mod protocol;
mod push;
mod routing;
mod rules;
mod schema;
mod slack;
mod tenancy;
mod visitor_side;
mod webhooks;
