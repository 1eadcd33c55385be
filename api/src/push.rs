//! Web Push (RFC 8030) with message encryption (RFC 8291, `aes128gcm` of RFC 8188) and
//! VAPID (RFC 8292): what the server needs to wake an agent's phone with an offer. The
//! crypto is ring's (already the TLS stack's provider) and the HKDF is RustCrypto's.
//!
//! `decrypt` is the receiving side (what a browser does), used by the tests' push
//! service to check what was sent.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use hkdf::Hkdf;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use ring::{aead, agreement};
use sha2::Sha256;

/// The record size written in the header (one record: payloads are small).
const RECORD_SIZE: u32 = 4096;
/// The most a payload may be (a push service takes at least 4,096 bytes of body).
pub const MAX_PAYLOAD: usize = 3_000;

#[derive(Debug)]
pub struct PushError(pub String);

fn err(m: impl Into<String>) -> PushError {
    PushError(m.into())
}

/// The server's VAPID key (ECDSA P-256), kept as PKCS#8.
pub struct Vapid {
    key: EcdsaKeyPair,
    pkcs8: Vec<u8>,
}

impl Vapid {
    pub fn generate() -> Vapid {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("generating a P-256 key");
        Vapid::from_pkcs8(pkcs8.as_ref()).expect("a key just generated reads back")
    }

    pub fn from_pkcs8(der: &[u8]) -> Result<Vapid, PushError> {
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &SystemRandom::new()).map_err(|_| err("not a P-256 PKCS#8 key"))?;
        Ok(Vapid { key, pkcs8: der.to_vec() })
    }

    pub fn pkcs8_b64(&self) -> String {
        B64.encode(&self.pkcs8)
    }

    /// The public key as browsers take it (`applicationServerKey`): the uncompressed
    /// point, base64url.
    pub fn public_key(&self) -> String {
        B64.encode(self.key.public_key().as_ref())
    }

    /// `Authorization: vapid t=<JWT>, k=<key>` for a push to `endpoint`, valid until
    /// `exp` (unix seconds; at most 24 h ahead).
    pub fn authorization(&self, endpoint: &str, subject: &str, exp: i64) -> Result<String, PushError> {
        let url = reqwest::Url::parse(endpoint).map_err(|_| err("bad endpoint"))?;
        let audience = url.origin().ascii_serialization();
        let header = B64.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = B64.encode(serde_json::json!({ "aud": audience, "exp": exp, "sub": subject }).to_string());
        let signing_input = format!("{header}.{claims}");
        let sig = self.key.sign(&SystemRandom::new(), signing_input.as_bytes()).map_err(|_| err("signing"))?;
        Ok(format!("vapid t={signing_input}.{}, k={}", B64.encode(sig.as_ref()), self.public_key()))
    }
}

/// The keys' derivation shared by both sides (RFC 8291 section 3.4): the content key and
/// the nonce from the ECDH secret, the subscription's auth secret, both public keys and
/// the record's salt.
fn derive(ecdh: &[u8], auth: &[u8], ua_public: &[u8], as_public: &[u8], salt: &[u8]) -> Result<([u8; 16], [u8; 12]), PushError> {
    let mut key_info = Vec::with_capacity(14 + 65 + 65);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(ua_public);
    key_info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth), ecdh).expand(&key_info, &mut ikm).map_err(|_| err("hkdf"))?;
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek).map_err(|_| err("hkdf"))?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce).map_err(|_| err("hkdf"))?;
    Ok((cek, nonce))
}

/// Encrypts `payload` for a subscription (`p256dh` and `auth` as the browser gave them,
/// base64url): the body of the push request, `Content-Encoding: aes128gcm`.
pub fn encrypt(payload: &[u8], p256dh: &str, auth: &str) -> Result<Vec<u8>, PushError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(err("payload too large"));
    }
    let ua_public = B64.decode(p256dh.trim_end_matches('=')).map_err(|_| err("p256dh is not base64url"))?;
    let auth = B64.decode(auth.trim_end_matches('=')).map_err(|_| err("auth is not base64url"))?;
    if ua_public.len() != 65 || ua_public[0] != 4 || auth.len() != 16 {
        return Err(err("p256dh must be an uncompressed P-256 point and auth 16 bytes"));
    }
    let rng = SystemRandom::new();
    let as_private = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).map_err(|_| err("key generation"))?;
    let as_public = as_private.compute_public_key().map_err(|_| err("key generation"))?.as_ref().to_vec();
    let ecdh = agreement::agree_ephemeral(as_private, &agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, &ua_public), |s| s.to_vec())
        .map_err(|_| err("p256dh is not a valid P-256 key"))?;
    let mut salt = [0u8; 16];
    ring::rand::SecureRandom::fill(&rng, &mut salt).map_err(|_| err("random"))?;
    let (cek, nonce) = derive(&ecdh, &auth, &ua_public, &as_public, &salt)?;
    let mut record = payload.to_vec();
    record.push(2); // the last record's delimiter, no padding
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &cek).map_err(|_| err("aes"))?);
    key.seal_in_place_append_tag(aead::Nonce::assume_unique_for_key(nonce), aead::Aad::empty(), &mut record).map_err(|_| err("aes"))?;
    let mut body = Vec::with_capacity(16 + 4 + 1 + 65 + record.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(as_public.len() as u8);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&record);
    Ok(body)
}

/// The browser's side: decrypts a push body with the subscription's private key (ring's
/// ephemeral keys are used once, as a test's subscription is) and auth secret.
pub fn decrypt(body: &[u8], ua_private: agreement::EphemeralPrivateKey, auth: &[u8]) -> Result<Vec<u8>, PushError> {
    if body.len() < 21 {
        return Err(err("short body"));
    }
    let (salt, rest) = body.split_at(16);
    let idlen = rest[4] as usize;
    if rest.len() < 5 + idlen + 17 {
        return Err(err("short body"));
    }
    let as_public = &rest[5..5 + idlen];
    let mut record = rest[5 + idlen..].to_vec();
    let ua_public = ua_private.compute_public_key().map_err(|_| err("key"))?.as_ref().to_vec();
    let ecdh = agreement::agree_ephemeral(ua_private, &agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, as_public), |s| s.to_vec())
        .map_err(|_| err("bad key in the header"))?;
    let (cek, nonce) = derive(&ecdh, auth, &ua_public, as_public, salt)?;
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &cek).map_err(|_| err("aes"))?);
    let plain = key.open_in_place(aead::Nonce::assume_unique_for_key(nonce), aead::Aad::empty(), &mut record).map_err(|_| err("does not decrypt"))?;
    match plain.iter().rposition(|b| *b != 0) {
        Some(i) if plain[i] == 2 => Ok(plain[..i].to_vec()),
        _ => Err(err("no last-record delimiter")),
    }
}

/// Checks a VAPID `Authorization` header as a push service does: the JWT's ES256
/// signature by the `k` key, its audience and expiry. Returns (subject, key).
pub fn verify_authorization(header: &str, origin: &str, now: i64) -> Result<(String, String), PushError> {
    let rest = header.strip_prefix("vapid ").ok_or_else(|| err("not vapid"))?;
    let mut t = None;
    let mut k = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("t=") {
            t = Some(v);
        } else if let Some(v) = part.strip_prefix("k=") {
            k = Some(v);
        }
    }
    let (t, k) = (t.ok_or_else(|| err("no t"))?, k.ok_or_else(|| err("no k"))?);
    let (signing_input, sig) = t.rsplit_once('.').ok_or_else(|| err("not a JWT"))?;
    let key = B64.decode(k).map_err(|_| err("k is not base64url"))?;
    let sig = B64.decode(sig).map_err(|_| err("bad signature encoding"))?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, &key)
        .verify(signing_input.as_bytes(), &sig)
        .map_err(|_| err("bad signature"))?;
    let claims = signing_input.split('.').nth(1).ok_or_else(|| err("not a JWT"))?;
    let claims: serde_json::Value = serde_json::from_slice(&B64.decode(claims).map_err(|_| err("claims"))?).map_err(|_| err("claims"))?;
    if claims["aud"] != origin {
        return Err(err(format!("aud {} is not {origin}", claims["aud"])));
    }
    let exp = claims["exp"].as_i64().unwrap_or(0);
    if exp <= now || exp > now + 24 * 3600 {
        return Err(err("exp is not within 24 h"));
    }
    Ok((claims["sub"].as_str().unwrap_or_default().to_owned(), k.to_owned()))
}

/// A subscription's keys as a browser makes them, for tests: (private key, p256dh, auth).
pub fn test_subscription_keys() -> (agreement::EphemeralPrivateKey, String, Vec<u8>) {
    let rng = SystemRandom::new();
    let private = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).expect("key");
    let public = private.compute_public_key().expect("key").as_ref().to_vec();
    let mut auth = vec![0u8; 16];
    ring::rand::SecureRandom::fill(&rng, &mut auth).expect("random");
    (private, B64.encode(public), auth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_encrypted_for_a_subscription_decrypts_with_its_keys_only() {
        let (private, p256dh, auth) = test_subscription_keys();
        let body = encrypt(br#"{"type":"offer"}"#, &p256dh, &B64.encode(&auth)).unwrap();
        assert_eq!(&body[16..20], &4096u32.to_be_bytes());
        assert_eq!(body[20], 65);
        assert_eq!(decrypt(&body, private, &auth).unwrap(), br#"{"type":"offer"}"#);
        let (other, _, _) = test_subscription_keys();
        assert!(decrypt(&body, other, &auth).is_err(), "another browser's key");
        assert!(encrypt(b"x", "AAAA", &B64.encode(&auth)).is_err());
        assert!(encrypt(&vec![b'x'; MAX_PAYLOAD + 1], &p256dh, &B64.encode(&auth)).is_err());
    }

    #[test]
    fn a_vapid_header_verifies_for_its_origin_and_key() {
        let v = Vapid::generate();
        let again = Vapid::from_pkcs8(&B64.decode(v.pkcs8_b64()).unwrap()).unwrap();
        assert_eq!(again.public_key(), v.public_key());
        let h = v.authorization("https://push.example/send/abc", "mailto:ops@example.com", 2_000).unwrap();
        let (sub, k) = verify_authorization(&h, "https://push.example", 1_000).unwrap();
        assert_eq!((sub.as_str(), k), ("mailto:ops@example.com", v.public_key()));
        assert!(verify_authorization(&h, "https://other.example", 1_000).is_err());
        assert!(verify_authorization(&h, "https://push.example", 2_001).is_err(), "expired");
        let forged = h.replace(&v.public_key(), &Vapid::generate().public_key());
        assert!(verify_authorization(&forged, "https://push.example", 1_000).is_err());
    }
}
