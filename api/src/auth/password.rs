//! Argon2id password hashing (the crate's defaults: m=19 MiB, t=2, p=1), off the
//! async runtime so a log-in burst does not stall message delivery.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::ApiError;

pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| ApiError::internal(format!("password hash: {e}")))
    })
    .await
    .map_err(|e| ApiError::internal(format!("password hash task: {e}")))?
}

/// Verifies `password` against `hash`; with no hash (unknown account) it burns the
/// same time against a fixed hash so timing does not reveal which emails exist.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4S1vZQbCQ3jgG0Tq0dXcmZ4n3ZmJ2n0n0N7g3Vb4y0c";
    let found = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY.to_owned());
    tokio::task::spawn_blocking(move || {
        let ok = PasswordHash::new(&hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false);
        ok && found
    })
    .await
    .unwrap_or(false)
}
