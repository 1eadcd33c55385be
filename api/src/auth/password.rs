//! Argon2id password hashing (the crate's defaults: m=19 MiB, t=2, p=1), off the
//! async runtime so a log-in burst does not stall message delivery.
//!
//! Each hash holds 19 MiB while it runs, so hashing is bounded: it runs on a pool of one
//! thread per core (never on tokio's blocking pool, whose hundreds of threads would each
//! keep their own freed 19 MiB), and at most `QUEUED_PER_THREAD` per thread wait for
//! it; past that a caller gets `UNAVAILABLE` (retryable) at once, costing nothing.
//! Callers check tokens and limits before they hash, and a request (or a WebSocket
//! connection) gets one password operation at most (`RequestMeta::password_turn`).

use std::sync::{Arc, LazyLock, Mutex};

use tokio::sync::{oneshot, Semaphore};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::ApiError;

pub async fn hash_password(password: String) -> Result<String, ApiError> {
    on_pool(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| ApiError::internal(format!("password hash: {e}")))
    })
    .await?
}

/// Verifies `password` against `hash`; with no hash (unknown account) it burns the
/// same time against a fixed hash so timing does not reveal which emails exist.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, ApiError> {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4S1vZQbCQ3jgG0Tq0dXcmZ4n3ZmJ2n0n0N7g3Vb4y0c";
    let found = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY.to_owned());
    on_pool(move || {
        let ok = PasswordHash::new(&hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false);
        ok && found
    })
    .await
}

/// Callers waiting per hashing thread before more are refused.
const QUEUED_PER_THREAD: usize = 8;

type Work = Box<dyn FnOnce() + Send>;

struct Pool {
    tx: std::sync::mpsc::Sender<Work>,
    /// Running plus waiting.
    slots: Arc<Semaphore>,
}

static POOL: LazyLock<Pool> = LazyLock::new(|| {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (tx, rx) = std::sync::mpsc::channel::<Work>();
    let rx = Arc::new(Mutex::new(rx));
    for i in 0..threads {
        let rx = rx.clone();
        std::thread::Builder::new()
            .name(format!("chinwag-argon2-{i}"))
            .spawn(move || loop {
                let next = rx.lock().expect("argon2 queue").recv();
                match next {
                    Ok(work) => work(),
                    Err(_) => return,
                }
            })
            .expect("a hashing thread starts");
    }
    Pool { tx, slots: Arc::new(Semaphore::new(threads * (1 + QUEUED_PER_THREAD))) }
});

async fn on_pool<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    let permit = POOL.slots.clone().try_acquire_owned().map_err(|_| ApiError::unavailable("too many password checks at once; retry shortly"))?;
    let (tx, rx) = oneshot::channel();
    POOL.tx
        .send(Box::new(move || {
            let _ = tx.send(f());
            drop(permit);
        }))
        .map_err(|_| ApiError::internal("the hashing pool stopped"))?;
    rx.await.map_err(|_| ApiError::internal("a password hash failed"))
}
