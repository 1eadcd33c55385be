//! Shared live streams: the fan-out rule "resolve and serialize once per audience".
//! Live-only subscriptions (no `after`/`afterSeq`) with the same document and
//! variables, for the same audience (an organization's staff, or one visitor), share
//! one execution: each event is resolved and serialized once, and every socket gets the
//! same bytes with only its operation id spliced in. Each socket still checks its own
//! principal against the in-memory access cache before every delivery. Replays (with
//! `after`) run per socket, since each starts from its own position.
//!
//! Events that are ready together (a group commit publishes its messages at once) go
//! out as one item: each socket is woken once for them and writes them in one flush.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::{FutureExt as _, StreamExt as _};
use tokio::sync::broadcast;

use crate::auth::Principal;
use crate::graphql::{finish_response, is_request_error, SharedExecution};

/// What the shared execution sends its sockets.
pub enum Item {
    /// The JSON payloads of `next` messages, in order: the results that were ready together.
    Next(Vec<String>),
    /// The document was refused: the JSON payload of the `error` message; nothing follows.
    Error(String),
    End,
}

/// Items a consumer may fall behind before it is closed as too slow (1013): between
/// 256 and 4,096 results.
const CAPACITY: usize = 256;
/// The most results one item carries.
pub const MAX_TOGETHER: usize = 16;

#[derive(Clone, Default)]
pub struct SharedStreams {
    streams: Arc<Mutex<HashMap<String, broadcast::Sender<Arc<Item>>>>>,
}

/// The sharing key, or `None` when the operation must run on its own.
pub fn key(principal: &Principal, query: &str, operation_name: Option<&str>, variables: &serde_json::Value) -> Option<String> {
    if !crate::graphql::shareable(query, variables) {
        return None;
    }
    let audience = match principal {
        Principal::Agent(a) => format!("org:{}", a.org_id),
        Principal::ApiKey(k) => format!("org:{}", k.org_id),
        Principal::Visitor(v) => format!("visitor:{}", v.id),
    };
    Some(format!("{audience}\u{0}{}\u{0}{query}\u{0}{variables}", operation_name.unwrap_or("")))
}

impl SharedStreams {
    /// Joins the stream for `key`, starting it with `request` if nobody runs it yet.
    pub fn join(&self, key: String, schema: &crate::graphql::ChinwagSchema, request: async_graphql::Request) -> broadcast::Receiver<Arc<Item>> {
        let mut streams = self.streams.lock().expect("shared streams lock");
        if let Some(tx) = streams.get(&key) {
            return tx.subscribe();
        }
        let (tx, rx) = broadcast::channel(CAPACITY);
        streams.insert(key.clone(), tx.clone());
        let registry = self.streams.clone();
        let mut stream = schema.execute_stream(request.data(SharedExecution));
        tokio::spawn(async move {
            let mut idle_check = tokio::time::interval(std::time::Duration::from_secs(10));
            loop {
                let next = tokio::select! {
                    r = stream.next() => r,
                    _ = idle_check.tick() => {
                        // Under the registry lock, so no socket can join in between.
                        let mut streams = registry.lock().expect("shared streams lock");
                        if tx.receiver_count() == 0 {
                            if streams.get(&key).is_some_and(|t| t.same_channel(&tx)) {
                                streams.remove(&key);
                            }
                            return;
                        }
                        continue;
                    }
                };
                let Some(mut resp) = next else { break };
                // This result and whichever others are ready now.
                let (mut payloads, mut refused, mut ended) = (Vec::new(), None, false);
                loop {
                    finish_response(&mut resp);
                    if is_request_error(&resp) {
                        refused = Some(serde_json::to_string(&resp.errors).expect("errors serialize"));
                        break;
                    }
                    payloads.push(serde_json::to_string(&resp).expect("responses serialize"));
                    if payloads.len() == MAX_TOGETHER {
                        break;
                    }
                    match stream.next().now_or_never() {
                        Some(Some(r)) => resp = r,
                        Some(None) => {
                            ended = true;
                            break;
                        }
                        None => break,
                    }
                }
                if !payloads.is_empty() && tx.send(Arc::new(Item::Next(payloads))).is_err() {
                    break; // nobody listens any more
                }
                if let Some(errors) = refused {
                    let _ = tx.send(Arc::new(Item::Error(errors)));
                    break;
                }
                if ended {
                    break;
                }
            }
            // Unregistered before the end is sent: a socket joining now starts afresh.
            {
                let mut streams = registry.lock().expect("shared streams lock");
                if streams.get(&key).is_some_and(|t| t.same_channel(&tx)) {
                    streams.remove(&key);
                }
            }
            let _ = tx.send(Arc::new(Item::End));
        });
        rx
    }

    /// Running shared executions (for tests and metrics).
    pub fn len(&self) -> usize {
        self.streams.lock().expect("shared streams lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
