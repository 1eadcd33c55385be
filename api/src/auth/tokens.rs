//! Token formats. Access tokens are HS256 JWTs (only HS256 is accepted, so `alg:
//! none` and algorithm confusion fail). Refresh tokens are `rt_<id>.<mac>` where the
//! MAC is HMAC-SHA256 of the id under the server key: nothing secret is stored, and a
//! spent token's successor can be re-derived within the grace window. API keys are
//! `cw_<ulid>_<secret>`, stored as a SHA-256 of the secret.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use crate::time::now_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    Agent,
    Visitor,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Agent or visitor id.
    pub sub: String,
    pub kind: PrincipalKind,
    pub org: String,
    /// Visitors: their website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<String>,
    /// Agents: the token epoch at issue. Visitors: the issue time in ms (revocation
    /// compares it; `iat` is in seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ep: Option<i64>,
    pub iat: u64,
    pub exp: u64,
}

/// The server's signing material, derived from one secret.
pub struct Keys {
    enc: EncodingKey,
    dec: DecodingKey,
    mac_key: Vec<u8>,
    validation: Validation,
}

impl Keys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Keys { enc: EncodingKey::from_secret(secret), dec: DecodingKey::from_secret(secret), mac_key: secret.to_vec(), validation }
    }

    pub fn sign(&self, claims: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.enc).expect("HS256 signing cannot fail")
    }

    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.dec, &self.validation).ok().map(|d| d.claims)
    }

    pub fn claims(sub: &str, kind: PrincipalKind, org: &str, web: Option<&str>, ep: Option<i64>, ttl_secs: u64) -> Claims {
        let iat = (now_ms() / 1000) as u64;
        Claims { sub: sub.to_owned(), kind, org: org.to_owned(), web: web.map(str::to_owned), ep, iat, exp: iat + ttl_secs }
    }

    fn mac(&self, purpose: &str, data: &str) -> Vec<u8> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key).expect("HMAC takes any key length");
        m.update(purpose.as_bytes());
        m.update(b"\0");
        m.update(data.as_bytes());
        m.finalize().into_bytes().to_vec()
    }

    pub fn refresh_token(&self, id: &str) -> String {
        self.signed_id("rt_", id)
    }

    /// The refresh token's id if its MAC is genuine.
    pub fn parse_refresh_token(&self, token: &str) -> Option<String> {
        self.parse_signed_id("rt_", token)
    }

    /// `<prefix><id>.<mac>`: an id nobody can forge. The prefix is part of the MAC, so a
    /// token of one purpose never passes as another.
    pub fn signed_id(&self, prefix: &str, id: &str) -> String {
        format!("{prefix}{id}.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.mac(prefix, id)))
    }

    /// A URL-safe MAC of `data` for `purpose` (signed download links).
    pub fn mac_b64(&self, purpose: &str, data: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.mac(purpose, data))
    }

    /// The first `n` bytes of the MAC as lowercase hex: for tokens that must survive
    /// systems that fold case (the local part of an email address).
    pub fn mac_hex(&self, purpose: &str, data: &str, n: usize) -> String {
        crate::ids::hex(&self.mac(purpose, data)[..n])
    }

    pub fn verify_mac_hex(&self, purpose: &str, data: &str, n: usize, mac: &str) -> bool {
        let expected = self.mac_hex(purpose, data, n);
        bool::from(expected.as_bytes().ct_eq(mac.to_ascii_lowercase().as_bytes()))
    }

    pub fn verify_mac_b64(&self, purpose: &str, data: &str, mac: &str) -> bool {
        match base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(mac) {
            Ok(m) => bool::from(self.mac(purpose, data).ct_eq(&m)),
            Err(_) => false,
        }
    }

    /// `<prefix><base64url JSON>.<mac>`: a claim nobody can forge, so nothing is stored
    /// until it is used (email confirmation links).
    pub fn seal<T: Serialize>(&self, prefix: &str, claim: &T) -> String {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(claim).expect("claims serialize"));
        self.signed_id(prefix, &payload)
    }

    /// The claim of a genuine `seal`ed token.
    pub fn open<T: serde::de::DeserializeOwned>(&self, prefix: &str, token: &str) -> Option<T> {
        let payload = self.parse_signed_id(prefix, token.trim())?;
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }

    pub fn parse_signed_id(&self, prefix: &str, token: &str) -> Option<String> {
        let (id, mac) = token.strip_prefix(prefix)?.split_once('.')?;
        let mac = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(mac).ok()?;
        bool::from(self.mac(prefix, id).ct_eq(&mac)).then(|| id.to_owned())
    }
}

/// `cw_<ulid>_<secret>` -> (`key_<ulid>`, secret).
pub fn parse_api_key(token: &str) -> Option<(String, &str)> {
    let (ulid, secret) = token.strip_prefix("cw_")?.split_once('_')?;
    (ulid.len() == 26 && !secret.is_empty()).then(|| (format!("key_{ulid}"), secret))
}

pub fn format_api_key(key_id: &str, secret: &str) -> String {
    format!("cw_{}_{secret}", key_id.trim_start_matches("key_"))
}

/// Constant-time check of an identity hash: hex HMAC-SHA256(website secret, external id).
pub fn verify_identity_hash(secret: &str, external_id: &str, user_hash: &str) -> bool {
    let expected = crate::ids::hmac_sha256_hex(secret.as_bytes(), &[external_id.as_bytes()]);
    let given = user_hash.trim().to_ascii_lowercase();
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_round_trip_and_reject_tampering() {
        let k = Keys::new(b"0123456789abcdef0123456789abcdef");
        let t = k.refresh_token("rtk_1");
        assert_eq!(k.parse_refresh_token(&t).as_deref(), Some("rtk_1"));
        assert!(k.parse_refresh_token(&t.replace("rtk_1", "rtk_2")).is_none());
        assert!(Keys::new(b"another-secret-another-secret-xx").parse_refresh_token(&t).is_none());
    }

    #[test]
    fn jwt_rejects_alg_none_and_other_keys() {
        let k = Keys::new(b"0123456789abcdef0123456789abcdef");
        let c = Keys::claims("agt_1", PrincipalKind::Agent, "org_1", None, Some(0), 60);
        let t = k.sign(&c);
        assert_eq!(k.verify(&t).unwrap().sub, "agt_1");
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = t.split('.').nth(1).unwrap();
        let none = format!("{}.{payload}.", b64.encode(br#"{"alg":"none","typ":"JWT"}"#));
        assert!(k.verify(&none).is_none());
        assert!(Keys::new(b"x-other-secret-x-other-secret-xx").verify(&t).is_none());
    }

    #[test]
    fn identity_hash_is_hmac_sha256_hex() {
        // HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog")
        let h = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
        assert!(verify_identity_hash("key", "The quick brown fox jumps over the lazy dog", h));
        assert!(!verify_identity_hash("key", "The quick brown fox", h));
    }
}
