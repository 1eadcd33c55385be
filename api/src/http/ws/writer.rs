//! A socket's writing half: frames queued by the connection and its operation tasks,
//! and the shared live streams it delivers itself, so a delivery costs one wake-up and
//! one write per socket, coalesced with whatever else is ready into a single flush.
//! Each shared delivery re-checks the socket's own principal against the in-memory
//! access cache.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt as _, Stream};
use serde_json::json;
use tokio::sync::broadcast;

use super::connection::Ctl;
use super::protocol::{close, complete, frame, splice, CloseCode};
use super::queue;
use super::shared::Item;
use crate::app::App;
use crate::auth::Principal;
use crate::error::ErrorCode;

pub(super) enum Out {
    Text(String),
    Close(CloseCode, &'static str),
    /// A shared live stream the writer delivers from now on.
    Shared(SharedSub),
    /// A shared operation was cancelled: the writer drops it.
    Sweep,
}

/// The most queue items and shared-stream items (each up to `shared::MAX_TOGETHER`
/// frames) written between two flushes.
const MAX_COALESCE: usize = 64;

/// One operation on a shared live stream, as the writer delivers it.
pub(super) struct SharedOp {
    pub(super) id: String,
    /// `id` as a JSON string, spliced into the shared bytes.
    id_json: String,
    pub(super) generation: u64,
    principal: Principal,
    /// Set by the connection (`complete`, the socket closing): nothing more is written.
    pub(super) cancelled: AtomicBool,
    /// The access cache's change count when the principal was last found authorized:
    /// while it has not changed, a delivery needs no lookup.
    authorized_at: AtomicU64,
    _gauge: Decrement,
}

type Received = Result<Arc<Item>, broadcast::error::RecvError>;

/// A socket's subscription to a shared execution: the writer polls `items` directly
/// (a socket has a few of these, so a poll over all of them is cheaper than a
/// `SelectAll`, which allocates a task node per delivered item).
pub(super) struct SharedSub {
    pub(super) op: Arc<SharedOp>,
    items: std::pin::Pin<Box<dyn Stream<Item = Received> + Send>>,
}

/// A socket's subscription to a shared execution, for its writer to deliver.
pub(super) fn shared_sub(app: &App, id: String, generation: u64, principal: Principal, rx: broadcast::Receiver<Arc<Item>>) -> SharedSub {
    let id_json = serde_json::to_string(&id).expect("ids serialize");
    let op = SharedOp {
        id,
        id_json,
        generation,
        principal,
        cancelled: AtomicBool::new(false),
        authorized_at: AtomicU64::new(u64::MAX),
        _gauge: Decrement::new(app.metrics.clone()),
    };
    // The receive future lives in the stream between polls, so a pending receive keeps
    // its place in the channel's waiter list instead of joining it anew on every poll.
    let items = futures_util::stream::unfold(rx, |mut rx| async move { Some((rx.recv().await, rx)) });
    SharedSub { op: Arc::new(op), items: Box::pin(items) }
}

/// The socket's writing half: frames queued by the connection and its operation
/// tasks, and the shared streams it delivers itself.
pub(super) struct Writer {
    pub(super) sink: SplitSink<WebSocket, WsMessage>,
    pub(super) app: Arc<App>,
    pub(super) ctl: queue::Sender<Ctl>,
    /// Fell behind a shared stream: nothing more is written but the close frame (a
    /// frame after the gap would move the client's position past what it missed).
    pub(super) closing: bool,
    pub(super) shared: Vec<SharedSub>,
    /// Where the next poll of `shared` starts, so no stream starves the others.
    pub(super) turn: usize,
    /// Deliveries written since the last flush (counted in the metrics at the flush).
    pub(super) delivered: u64,
    /// How long a write may wait for the client (`--write-stall-ms`).
    pub(super) stall: Duration,
}

/// Runs a write; false if it failed, or if the client has not read for `stall`
/// (`--write-stall-ms`; then the connection is told, and closes the socket with 1013).
/// The timer is only armed when the write cannot finish at once, so the usual write
/// costs no timer.
async fn guarded<E>(ctl: &queue::Sender<Ctl>, stall: Duration, io: impl std::future::Future<Output = Result<(), E>>) -> bool {
    tokio::pin!(io);
    let first = tokio::select! {
        biased;
        r = &mut io => Some(r),
        _ = async {} => None,
    };
    match first {
        Some(r) => r.is_ok(),
        None => match tokio::time::timeout(stall, io).await {
            Ok(r) => r.is_ok(),
            Err(_) => {
                ctl.push(Ctl::SlowConsumer);
                false
            }
        },
    }
}

enum Step {
    Out(Option<Out>),
    /// An item of `shared[index]`.
    Shared(usize, Received),
}

impl Writer {
    pub(super) async fn run(mut self, mut rx: queue::Receiver<Out>) {
        loop {
            // One poll for the queue and every shared stream (queued frames first).
            let step = std::future::poll_fn(|cx| match rx.poll_recv(cx) {
                Poll::Ready(o) => Poll::Ready(Step::Out(o)),
                Poll::Pending => self.poll_shared(cx).map(|(i, r)| Step::Shared(i, r)),
            })
            .await;
            if !self.apply(step).await {
                return;
            }
            // Write whatever else is ready, then flush once. The shared streams are polled
            // with this task's own context, so their wake-up registrations stay in place.
            for _ in 0..MAX_COALESCE {
                let step = match rx.try_recv() {
                    Some(o) => Step::Out(Some(o)),
                    None => match std::future::poll_fn(|cx| Poll::Ready(self.poll_shared(cx))).await {
                        Poll::Ready((i, r)) => Step::Shared(i, r),
                        Poll::Pending => break,
                    },
                };
                if !self.apply(step).await {
                    return;
                }
            }
            if self.delivered > 0 {
                self.app.metrics.deliveries.add(std::mem::take(&mut self.delivered));
            }
            if !guarded(&self.ctl, self.stall, self.sink.flush()).await {
                return;
            }
        }
    }

    /// The next item of any shared stream, starting after the last one that had one.
    fn poll_shared(&mut self, cx: &mut Context<'_>) -> Poll<(usize, Received)> {
        let n = self.shared.len();
        for k in 0..n {
            let i = (self.turn + k) % n;
            // The streams never end by themselves: the writer drops them.
            if let Poll::Ready(Some(r)) = self.shared[i].items.as_mut().poll_next(cx) {
                self.turn = i + 1;
                return Poll::Ready((i, r));
            }
        }
        Poll::Pending
    }

    /// Queues one text frame (flushed by `run`); false ends the socket.
    async fn write(&mut self, text: String) -> bool {
        guarded(&self.ctl, self.stall, self.sink.feed(WsMessage::Text(text.into()))).await
    }

    /// Writes (without flushing) what `step` asks for; false ends the socket.
    async fn apply(&mut self, step: Step) -> bool {
        let text = match step {
            Step::Out(None) => return false,
            Step::Out(Some(Out::Close(code, reason))) => {
                let _ = guarded(&self.ctl, self.stall, self.sink.send(close(code, reason))).await;
                return false;
            }
            Step::Out(Some(Out::Shared(s))) => {
                self.shared.push(s);
                return true;
            }
            Step::Out(Some(Out::Sweep)) => {
                self.shared.retain(|s| !s.op.cancelled.load(Ordering::Relaxed));
                return true;
            }
            Step::Out(Some(Out::Text(_))) if self.closing => return true,
            Step::Out(Some(Out::Text(t))) => t,
            Step::Shared(i, item) => return self.deliver(i, item).await,
        };
        self.write(text).await
    }

    /// Writes the frames for one item of `shared[i]`; false ends the socket.
    async fn deliver(&mut self, i: usize, item: Received) -> bool {
        let op = &self.shared[i].op;
        // Closing, or cancelled (the sweep may not have come yet): the stream goes now, so
        // it is not polled again (an ended one would be ready on every poll).
        if self.closing || op.cancelled.load(Ordering::Relaxed) {
            self.remove_shared(i);
            return true;
        }
        // (frames to write, whether the operation ends, whether they count as deliveries)
        let (frames, ends, deliveries): (Vec<String>, bool, bool) = match item.as_deref() {
            Ok(Item::Next(_) | Item::Error(_)) if !authorized(&self.app, op) => {
                let revoked = frame(
                    &op.id,
                    "next",
                    &json!({ "errors": [{ "message": "access was revoked", "extensions": { "code": ErrorCode::Unauthenticated.as_str() } }] }),
                );
                (vec![revoked, complete(&op.id)], true, false)
            }
            Ok(Item::Next(payloads)) => (payloads.iter().map(|json| splice("next", &op.id_json, json)).collect(), false, true),
            Ok(Item::Error(json)) => (vec![splice("error", &op.id_json, json)], true, false),
            Ok(Item::End) | Err(broadcast::error::RecvError::Closed) => (vec![complete(&op.id)], true, false),
            Err(broadcast::error::RecvError::Lagged(_)) => {
                // Frames were missed: write nothing more (a later frame would move the
                // client's position past the gap); the connection closes with 1013.
                self.closing = true;
                self.ctl.push(Ctl::SlowConsumer);
                (Vec::new(), true, false)
            }
        };
        if ends {
            let generation = self.remove_shared(i).op.generation;
            self.ctl.push(Ctl::Done(generation));
        }
        let count = frames.len() as u64;
        for text in frames {
            if !self.write(text).await {
                return false;
            }
        }
        if deliveries {
            self.delivered += count;
        }
        true
    }

    /// Drops `shared[i]`; the next poll starts at the stream moved into its place.
    fn remove_shared(&mut self, i: usize) -> SharedSub {
        self.turn = i;
        self.shared.swap_remove(i)
    }
}

/// Whether the operation's principal may still receive: a lookup in the access cache
/// only when the cache changed since the last one that said yes.
fn authorized(app: &App, op: &SharedOp) -> bool {
    let changes = app.access.changes();
    if op.authorized_at.load(Ordering::Relaxed) == changes {
        return true;
    }
    let ok = app.still_authorized(&op.principal);
    if ok {
        op.authorized_at.store(changes, Ordering::Relaxed);
    }
    ok
}

/// Counts a running operation until it ends, however it ends (even aborted).
pub(super) struct Decrement(Arc<crate::metrics::Metrics>);

impl Decrement {
    pub(super) fn new(metrics: Arc<crate::metrics::Metrics>) -> Decrement {
        metrics.subscriptions.add(1);
        Decrement(metrics)
    }
}

impl Drop for Decrement {
    fn drop(&mut self) {
        self.0.subscriptions.add(-1);
    }
}
