//! Identifiers: prefixed ULIDs (`msg_01J...`). Time-sortable, so message ids order the
//! way they were written, and the prefix tells a developer at a glance what an id names.
//! Random secrets for tokens live here too.

use base64::Engine as _;

/// A new id with the given prefix, e.g. `new_id("cnv")` -> `cnv_01J9...`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", ulid::Ulid::new())
}

/// `n` bytes from the operating system's CSPRNG, URL-safe base64 without padding.
pub fn random_token(n: usize) -> String {
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).expect("the OS random source is available");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Lowercase hex of a SHA-256 digest, for storing high-entropy secrets.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex(&sha2::Sha256::digest(data))
}

/// Lowercase hex HMAC-SHA256 of the concatenated `parts` under `key` (signatures of
/// requests from outside: identity hashes, Slack's `v0`, signed inbound email).
pub fn hmac_sha256_hex(key: &[u8], parts: &[&[u8]]) -> String {
    use hmac::Mac as _;
    let mut m = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    hex(&m.finalize().into_bytes())
}

pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}
