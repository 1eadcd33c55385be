//! chinwag-sdk against a real server: each test starts `chinwag serve` in-process on
//! port 0 with a fresh SQLite file and talks to it over real HTTP and WebSocket.

mod drafts;
mod errors;
mod helpers;
mod loops;
mod reconnect;
mod routing;
