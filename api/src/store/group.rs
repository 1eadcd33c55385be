//! Group commit for SQLite's other writes. The appender commits many messages per
//! transaction; the writes around a conversation's life (a visitor's arrival, a new
//! conversation, a transfer, a resolve, an assignment run) each took a transaction of
//! their own on SQLite's one write connection, so under load the writer spent its time
//! in `fsync`s (`synchronous=FULL`) rather than in writes.
//!
//! `on_group!` runs a store method's body in the shared open transaction instead, inside
//! a savepoint of its own (a body that fails is rolled back alone), then waits for the
//! transaction's commit: nobody is told of a write before it is durable, as before.
//! Who commits: each caller, after its body, queues for the lock once more (tokio's
//! mutex is fair), and the first of a transaction's callers to get it back commits
//! everything written meanwhile; the others find their transaction committed. At rest
//! a write commits alone at once (nobody else queued); under load a commit carries the
//! writes of everyone who queued during the previous one.
//!
//! Bodies use only the connection they are given (another write on the write pool
//! would wait for the connection this transaction holds). PostgreSQL needs none of
//! this (its connections commit in parallel and share WAL flushes): there `on_group!`
//! is `on_write!`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex as SyncMutex};

use sqlx::sqlite::SqliteConnection;
use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::{watch, Mutex, OwnedMutexGuard};

use super::{StoreError, StoreResult};

/// The most bodies one transaction carries before it commits whoever is queued.
const MAX_GROUP: usize = 256;
/// Failed commits remembered, so a caller learns its transaction's fate.
const FAILED_KEPT: usize = 64;

/// Runs `$body` like `on_write!`; on SQLite `$pool` is the `&mut SqliteConnection` of
/// the group's transaction, and the body commits with the group.
macro_rules! on_group {
    ($store:expr, |$pool:ident, $db:ident| $body:expr) => {
        on_group!(@ $store, true, |$pool, $db| $body)
    };
    // A body that is atomic by itself: one statement (SQLite undoes a failed statement
    // by itself), or a transaction of its own (`begin()` on the group's connection is a
    // savepoint). It needs no savepoint of the group's: two round trips to sqlx's SQLite
    // thread fewer.
    ($store:expr, atomic, |$pool:ident, $db:ident| $body:expr) => {
        on_group!(@ $store, false, |$pool, $db| $body)
    };
    (@ $store:expr, $guarded:expr, |$pool:ident, $db:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite { group, .. } => {
                #[allow(dead_code)]
                type $db = sqlx::Sqlite;
                let mut turn = group.enter($guarded).await?;
                let outcome = {
                    let $pool: &mut sqlx::sqlite::SqliteConnection = turn.connection();
                    async { $body }.await
                };
                turn.finish(outcome).await
            }
            $crate::store::Store::Postgres($pool) => {
                #[allow(dead_code)]
                type $db = sqlx::Postgres;
                $body
            }
        }
    };
}

pub struct Group {
    pool: SqlitePool,
    state: Arc<Mutex<State>>,
    /// The last transaction that ended (committed or failed).
    ended: watch::Sender<u64>,
    failed: SyncMutex<VecDeque<u64>>,
}

#[derive(Default)]
struct State {
    tx: Option<Transaction<'static, Sqlite>>,
    /// The open transaction's number (or the last one's, when none is open).
    number: u64,
    bodies: usize,
    /// A body was abandoned inside its savepoint (its caller's future was dropped).
    abandoned: bool,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group").field("ended", &*self.ended.borrow()).finish_non_exhaustive()
    }
}

impl Group {
    pub fn new(pool: SqlitePool) -> Arc<Group> {
        Arc::new(Group { pool, state: Arc::new(Mutex::new(State::default())), ended: watch::channel(0).0, failed: SyncMutex::new(VecDeque::new()) })
    }

    /// Takes the lock, opens the transaction if none is, and (`guarded`) the body's
    /// savepoint.
    pub async fn enter(self: &Arc<Self>, guarded: bool) -> StoreResult<Turn> {
        let mut state = self.state.clone().lock_owned().await;
        if state.abandoned {
            // A body abandoned mid-way: undone, and its transaction committed, by a task
            // of its own (not cancelled with this caller); then this caller's turn.
            let number = state.number;
            let _ = tokio::spawn(self.clone().close(state, number)).await;
            state = self.state.clone().lock_owned().await;
        }
        if state.tx.is_some() && !guarded {
            return Ok(Turn { group: self.clone(), state: Some(state), number: 0, guarded });
        }
        // `begin` and the savepoint run in a task of their own, whole: with callers cut
        // while they were on their way, the group's connection was left in a transaction
        // sqlx no longer counted as ours, and every later `begin` failed with
        // `InvalidSavePointStatement` or waited for good (the test
        // `a_body_cut_at_any_point_is_whole_or_undone_and_fails_nobody_else`, 3 runs in 3).
        // A caller gone by then leaves the task to undo its savepoint and commit the
        // others' writes.
        let (back, here) = tokio::sync::oneshot::channel();
        let group = self.clone();
        tokio::spawn(async move {
            let mut state = state;
            let opened = group.open(&mut state, guarded).await;
            if let Err((mut state, opened)) = back.send((state, opened)) {
                if opened.is_ok() {
                    state.abandoned |= guarded;
                    let number = state.number;
                    group.close(state, number).await;
                }
            }
        });
        let (state, opened) = here.await.map_err(|_| StoreError::Unavailable(sqlx::Error::Protocol("the group's begin did not answer".into())))?;
        opened?;
        Ok(Turn { group: self.clone(), state: Some(state), number: 0, guarded })
    }

    /// Opens the transaction if none is, and (`guarded`) the body's savepoint (a
    /// transaction whose savepoint failed is not trusted: it fails as a whole).
    async fn open(&self, state: &mut State, guarded: bool) -> StoreResult<()> {
        if state.tx.is_none() {
            let tx = self.pool.begin_with("begin immediate").await?;
            state.tx = Some(tx);
            state.number += 1;
            state.bodies = 0;
        }
        if guarded {
            if let Err(e) = savepoint(state, "savepoint g").await {
                self.end(state, Err(StoreError::Unavailable(sqlx::Error::Protocol("group savepoint".into()))));
                return Err(e);
            }
        }
        Ok(())
    }

    /// Commits (or, after a failure, rolls back) the open transaction and tells its callers.
    fn end(&self, state: &mut State, outcome: Result<(), StoreError>) {
        state.tx = None;
        if outcome.is_err() {
            let mut failed = self.failed.lock().expect("group lock");
            failed.push_back(state.number);
            if failed.len() > FAILED_KEPT {
                failed.pop_front();
            }
        }
        self.ended.send_replace(state.number);
    }

    /// Undoes the body a caller abandoned (the transaction's other bodies stay); a
    /// transaction that cannot be tidied fails as a whole.
    async fn tidy(&self, state: &mut State) {
        if std::mem::take(&mut state.abandoned) && state.tx.is_some() {
            if let Err(e) = savepoint(state, "rollback to g; release g").await {
                self.end(state, Err(e));
            }
        }
    }

    /// Commits the open transaction, if one is.
    async fn commit(&self, state: &mut State) {
        let Some(tx) = state.tx.take() else { return };
        let outcome = tx.commit().await.map_err(StoreError::from);
        if let Err(e) = &outcome {
            tracing::warn!(error = ?e, "a group commit failed");
        }
        self.end(state, outcome);
    }

    fn outcome(&self, number: u64) -> StoreResult<()> {
        if self.failed.lock().expect("group lock").contains(&number) {
            return Err(StoreError::Unavailable(sqlx::Error::Protocol("the transaction this write was part of did not commit".into())));
        }
        Ok(())
    }

    /// Commits transaction `number` if it is still open, the lock held. Always run as a
    /// task of its own, so a caller that goes away cannot cut a commit in half.
    async fn close(self: Arc<Self>, mut state: OwnedMutexGuard<State>, number: u64) {
        if state.number == number {
            self.tidy(&mut state).await;
            self.commit(&mut state).await;
        }
    }

    /// `close`, once the lock is free (a transaction whose callers all went away).
    async fn settle(self: Arc<Self>, number: u64) {
        let state = self.state.clone().lock_owned().await;
        self.close(state, number).await;
    }
}

/// Runs one of the savepoint statements. (Boxed: the futures that await it are spawned,
/// and a boxed future is `Send` for every lifetime of the connection it borrows.)
fn savepoint<'a>(state: &'a mut State, sql: &'static str) -> futures_util::future::BoxFuture<'a, StoreResult<()>> {
    Box::pin(async move {
        let tx = state.tx.as_mut().expect("an open group transaction");
        sqlx::query(sql).execute(&mut **tx).await?;
        Ok(())
    })
}

/// One caller's place in a group transaction: its body's savepoint, then the wait for
/// the commit.
pub struct Turn {
    group: Arc<Group>,
    /// Held while the body runs.
    state: Option<OwnedMutexGuard<State>>,
    /// The transaction the body was written in, once it was (0 before).
    number: u64,
    /// The body has a savepoint of the group's (it is not atomic by itself).
    guarded: bool,
}

impl Turn {
    pub fn connection(&mut self) -> &mut SqliteConnection {
        let state = self.state.as_mut().expect("inside the body");
        &mut *state.tx.as_mut().expect("an open group transaction")
    }

    /// Ends the body's savepoint (releasing it, or rolling it back if the body failed),
    /// then waits until its transaction has ended.
    pub async fn finish<T>(mut self, outcome: StoreResult<T>) -> StoreResult<T> {
        let mut state = self.state.take().expect("inside the body");
        // From here the body is whole: a caller that goes away leaves the commit to `Drop`.
        self.number = state.number;
        let ended = match (self.guarded, &outcome) {
            (true, _) => {
                // The savepoint's end runs in a task of its own, so a caller that goes
                // away cannot leave it half done (`Drop` would then undo a body whose
                // savepoint was already released, which fails the whole transaction).
                let sql = if outcome.is_ok() { "release g" } else { "rollback to g; release g" };
                let group = self.group.clone();
                let ended = tokio::spawn(async move {
                    let ended = savepoint(&mut state, sql).await;
                    if ended.is_err() {
                        // The transaction cannot be trusted past a failed savepoint: nobody's commits.
                        group.end(&mut state, Err(StoreError::Unavailable(sqlx::Error::Protocol("group savepoint".into()))));
                    }
                    (state, ended)
                })
                .await;
                match ended {
                    Ok((back, ended)) => {
                        state = back;
                        ended
                    }
                    // The task panicked (the lock went with it): the transaction is not trusted.
                    Err(e) => return outcome.and(Err(StoreError::Unavailable(sqlx::Error::Protocol(format!("group savepoint: {e}"))))),
                }
            }
            (false, Ok(_) | Err(StoreError::Conflict(_) | StoreError::NotFound)) => Ok(()),
            // A statement that failed otherwise (I/O, a full disk) may have ended the
            // transaction in SQLite: it is not trusted.
            (false, Err(_)) => Err(StoreError::Unavailable(sqlx::Error::Protocol("a write in the group transaction failed".into()))),
        };
        if let Err(e) = ended {
            if !self.guarded {
                // The transaction cannot be trusted past a failed statement: nobody's commits.
                self.group.end(&mut state, Err(StoreError::Unavailable(sqlx::Error::Protocol("group savepoint".into()))));
            }
            self.number = 0;
            return outcome.and(Err(e));
        }
        // A failed body waits for the commit too: what it ran into (another's row under
        // a unique key) is then there for the caller to read.
        state.bodies += 1;
        if state.bodies >= MAX_GROUP {
            let _ = tokio::spawn(self.group.clone().close(state, self.number)).await;
        } else {
            drop(state);
        }
        let mut ended = self.group.ended.subscribe();
        while *ended.borrow_and_update() < self.number {
            tokio::select! {
                biased;
                changed = ended.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                // Nobody committed it meanwhile: this caller commits everyone's.
                state = self.group.state.clone().lock_owned() => {
                    let _ = tokio::spawn(self.group.clone().close(state, self.number)).await;
                }
            }
        }
        let number = std::mem::take(&mut self.number);
        let value = outcome?;
        self.group.outcome(number)?;
        Ok(value)
    }
}

impl Drop for Turn {
    /// A caller that went away mid-body leaves its savepoint to be undone; one that went
    /// away before its transaction committed leaves the commit to a task (the others of
    /// that transaction may have gone too).
    fn drop(&mut self) {
        if let Some(mut state) = self.state.take() {
            // An atomic body needs no undoing: it ran whole or not at all.
            state.abandoned |= self.guarded;
            let number = state.number;
            drop(state);
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(self.group.clone().settle(number));
            }
        } else if self.number != 0 {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(self.group.clone().settle(self.number));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Store, StoreError, StoreResult};

    /// A table of the test's own on a real SQLite file.
    async fn store(dir: &tempfile::TempDir) -> Store {
        let store = Store::open(None, dir.path()).await.unwrap();
        on_write!(&store, |pool, DB| {
            sqlx::query::<DB>("create table t (k text primary key, n bigint not null)").execute(pool).await.unwrap();
        });
        store
    }

    async fn insert(store: &Store, k: &str) -> StoreResult<()> {
        on_group!(store, atomic, |pool, DB| {
            sqlx::query::<DB>("insert into t (k, n) values ($1, 1)").bind(k).execute(pool).await?;
            Ok(())
        })
    }

    /// Two statements in the group's savepoint (as `on_group!` without `atomic` runs a
    /// body); fails after the first when `fail`.
    async fn insert_two(store: &Store, k: &str, fail: bool, pause: Duration) -> StoreResult<()> {
        let Store::Sqlite { group, .. } = store else { unreachable!("SQLite") };
        let mut turn = group.enter(true).await?;
        let outcome = async {
            let c = turn.connection();
            sqlx::query("insert into t (k, n) values ($1, 1)").bind(format!("{k}-a")).execute(&mut *c).await?;
            tokio::time::sleep(pause).await;
            if fail {
                return Err(StoreError::NotFound);
            }
            sqlx::query("insert into t (k, n) values ($1, 2)").bind(format!("{k}-b")).execute(&mut *c).await?;
            Ok(())
        }
        .await;
        turn.finish(outcome).await
    }

    /// What a reader on the read pool sees: committed rows only.
    async fn keys(store: &Store) -> Vec<String> {
        on_read!(store, |pool, DB| sqlx::query_scalar::<DB, String>("select k from t order by k").fetch_all(pool).await.unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_share_commits_and_each_is_durable_when_it_returns() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let writes = (0..200).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                insert(&store, &format!("k{i:03}")).await.unwrap();
                // Returned: committed, so a reader on another connection sees it.
                assert!(keys(&store).await.contains(&format!("k{i:03}")));
            })
        });
        for w in futures_util::future::join_all(writes).await {
            w.unwrap();
        }
        let Store::Sqlite { group, .. } = &store else { unreachable!() };
        let transactions = *group.ended.borrow();
        assert_eq!(keys(&store).await.len(), 200);
        assert!(transactions < 200, "200 writes in {transactions} transactions: some shared one");
        // A unique conflict is the caller's error alone, and the row it met is readable.
        assert!(matches!(insert(&store, "k000").await, Err(StoreError::Conflict(_))));
        insert(&store, "after").await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_or_abandoned_body_is_undone_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let (ok, failed) = tokio::join!(insert_two(&store, "ok", false, Duration::ZERO), insert_two(&store, "bad", true, Duration::ZERO));
        ok.unwrap();
        assert!(matches!(failed, Err(StoreError::NotFound)));
        assert_eq!(keys(&store).await, ["ok-a", "ok-b"], "the failed body's first row is rolled back");

        // A caller that goes away between its two statements: its first row is undone,
        // and the writes queued behind it commit.
        let slow = tokio::time::timeout(Duration::from_millis(50), insert_two(&store, "gone", false, Duration::from_secs(5)));
        let (gone, next) = tokio::join!(slow, async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            insert(&store, "next").await
        });
        assert!(gone.is_err(), "timed out");
        next.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(keys(&store).await, ["next", "ok-a", "ok-b"]);
        insert(&store, "later").await.unwrap();
        assert_eq!(keys(&store).await.len(), 4);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_body_cut_at_any_point_is_whole_or_undone_and_fails_nobody_else() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        for round in 0..4u64 {
            // Bodies of two rows whose callers go away after anything from no time to
            // long enough (during a statement, during the savepoint's release, while
            // waiting for the commit), beside writes that stay.
            let cut = (0..150u64).map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let wait = Duration::from_micros((i * 37 + round * 11) % 900);
                    let _ = tokio::time::timeout(wait, insert_two(&store, &format!("c{round}-{i:03}"), false, Duration::ZERO)).await;
                })
            });
            let kept = (0..50u64).map(|i| {
                let store = store.clone();
                tokio::spawn(async move { insert(&store, &format!("k{round}-{i:03}")).await })
            });
            let (cut, kept) = tokio::join!(futures_util::future::join_all(cut), futures_util::future::join_all(kept));
            cut.into_iter().for_each(|c| c.unwrap());
            for k in kept {
                k.unwrap().expect("a write nobody cut commits, whatever the others' callers did");
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        insert(&store, "last").await.unwrap();
        let keys = keys(&store).await;
        for round in 0..4 {
            for i in 0..150 {
                let (a, b) = (format!("c{round}-{i:03}-a"), format!("c{round}-{i:03}-b"));
                assert_eq!(keys.contains(&a), keys.contains(&b), "{a}: both rows or neither");
            }
        }
        assert_eq!(keys.iter().filter(|k| k.starts_with('k')).count(), 200);
    }
}
