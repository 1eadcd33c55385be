//! A socket's in-process queues (outbound frames, control messages): a `VecDeque`
//! and the waiting receiver's waker behind a mutex. A tokio channel allocates a block
//! of 32 slots up front; with tens of thousands of idle sockets, two of those per
//! socket were about a fifth of a socket's memory. This one allocates nothing until used and stays as
//! small as its busiest moment. The receiver can be polled (`poll_recv`), so a task
//! can wait for it and for other sources in one poll without a future per wait.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

struct Shared<T> {
    state: Mutex<State<T>>,
    capacity: usize,
}

struct State<T> {
    items: VecDeque<T>,
    senders: usize,
    receiver_alive: bool,
    /// The receiver waiting for an item, woken by the next change.
    waiting: Option<Waker>,
}

/// Wakes the waiting receiver, after the lock is released.
fn wake<T>(mut state: MutexGuard<'_, State<T>>) {
    let waker = state.waiting.take();
    drop(state);
    if let Some(w) = waker {
        w.wake();
    }
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Nothing here can leave the state half-updated: a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Why `try_send` refused an item (which it hands back).
#[derive(Debug, PartialEq, Eq)]
pub enum TrySendError<T> {
    Full(T),
    Closed(T),
}

/// The sending half; clone it for each producer.
pub struct Sender<T>(Arc<Shared<T>>);

/// The receiving half: `recv` ends (`None`) once every sender is gone and the queue
/// is empty.
pub struct Receiver<T>(Arc<Shared<T>>);

/// A queue that holds at most `capacity` items (see `Sender::push` for the exception).
pub fn bounded<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared { state: Mutex::new(State { items: VecDeque::new(), senders: 1, receiver_alive: true, waiting: None }), capacity });
    (Sender(shared.clone()), Receiver(shared))
}

/// A queue without a bound, for messages whose number the program bounds itself.
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    bounded(usize::MAX)
}

impl<T> Sender<T> {
    /// Queues `item` unless the queue is full or its receiver is gone.
    pub fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        let mut state = self.0.lock();
        if !state.receiver_alive {
            return Err(TrySendError::Closed(item));
        }
        if state.items.len() >= self.0.capacity {
            return Err(TrySendError::Full(item));
        }
        state.items.push_back(item);
        wake(state);
        Ok(())
    }

    /// Queues `item` even past the bound (a close frame must get through a full
    /// queue); false if the receiver is gone.
    pub fn push(&self, item: T) -> bool {
        let mut state = self.0.lock();
        if !state.receiver_alive {
            return false;
        }
        state.items.push_back(item);
        wake(state);
        true
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.0.lock().senders += 1;
        Sender(self.0.clone())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.senders -= 1;
        if state.senders == 0 {
            wake(state);
        }
    }
}

impl<T> Receiver<T> {
    /// The next item, waiting for one; `None` once every sender is gone.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The next item if one is queued (`None` once every sender is gone); otherwise
    /// the task is woken by the next send.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut state = self.0.lock();
        if let Some(item) = state.items.pop_front() {
            return Poll::Ready(Some(item));
        }
        if state.senders == 0 {
            return Poll::Ready(None);
        }
        // Checked and registered under the lock, so no send in between is missed.
        if !state.waiting.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            state.waiting = Some(cx.waker().clone());
        }
        Poll::Pending
    }

    /// The next item if one is queued.
    pub fn try_recv(&mut self) -> Option<T> {
        self.0.lock().items.pop_front()
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.receiver_alive = false;
        state.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn items_arrive_in_order_and_the_bound_holds() {
        let (tx, mut rx) = bounded(2);
        assert_eq!(tx.try_send(1), Ok(()));
        assert_eq!(tx.try_send(2), Ok(()));
        assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
        assert!(tx.push(4), "push passes the bound");
        assert_eq!((rx.recv().await, rx.try_recv(), rx.try_recv(), rx.try_recv()), (Some(1), Some(2), Some(4), None));
    }

    #[tokio::test]
    async fn the_receiver_wakes_for_a_send_from_another_task_and_ends_with_the_last_sender() {
        let (tx, mut rx) = unbounded();
        let tx2 = tx.clone();
        drop(tx);
        let task = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            tx2.try_send("late").unwrap();
        });
        assert_eq!(rx.recv().await, Some("late"));
        task.await.unwrap();
        assert_eq!(rx.recv().await, None, "every sender is gone");
    }

    #[tokio::test]
    async fn sends_fail_once_the_receiver_is_gone() {
        let (tx, rx) = bounded(4);
        drop(rx);
        assert_eq!(tx.try_send(1), Err(TrySendError::Closed(1)));
        assert!(!tx.push(2));
    }
}
