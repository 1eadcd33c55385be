//! Scale-out under faults: several real `chinwag` processes on one PostgreSQL and one
//! Redis. Fault tests break only services they started themselves (a private
//! redis-server, a private PostgreSQL cluster), never the machine's shared ones.

#[allow(dead_code)]
#[path = "../api/fake_slack.rs"]
mod fake_slack;
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;
mod nodes;

mod faults;
mod jobs;
mod nodes_together;
mod routing;
mod slack;
mod webhooks;
