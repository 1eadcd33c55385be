//! Chinwag's server: the public GraphQL API over HTTP and WebSocket, its storage and
//! its event fan-out. `main.rs` is a shim over [`startup::Application`].
#![forbid(unsafe_code)]

pub mod app;
pub mod auth;
pub mod bus;
pub mod config;
pub mod domain;
pub mod error;
pub mod files;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod model;
pub mod outbound;
pub mod push;
pub mod ratelimit;
pub mod smtp;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod time;
