//! Who is calling: principals, tokens (agent JWTs with rotating refresh tokens,
//! visitor JWTs, API keys), passwords and the in-memory access cache that makes a
//! removal or role change take effect on the next request.

mod cache;
mod password;
mod tokens;

pub use cache::AccessCache;
pub use password::{hash_password, verify_password};
pub use tokens::{format_api_key, parse_api_key as tokens_parse_api_key, verify_identity_hash, Claims, Keys, PrincipalKind};

use crate::domain::Role;

/// The authenticated caller. Every store query is scoped from this, never from a
/// client-supplied organization.
#[derive(Debug, Clone)]
pub enum Principal {
    Agent(AgentPrincipal),
    Visitor(VisitorPrincipal),
    ApiKey(ApiKeyPrincipal),
}

#[derive(Debug, Clone)]
pub struct AgentPrincipal {
    pub id: String,
    pub org_id: String,
    pub role: Role,
    pub epoch: i64,
    /// Access token expiry (unix ms): an open socket is closed with 4403 then.
    pub expires_at: i64,
    /// The client IP of the request or socket, for the audit log.
    pub ip: Option<String>,
}

#[derive(Debug, Clone)]
pub struct VisitorPrincipal {
    pub id: String,
    pub org_id: String,
    pub website_id: String,
    pub expires_at: i64,
    /// When the token was issued (unix ms): blocking revokes tokens issued before.
    pub issued_at: i64,
}

#[derive(Debug, Clone)]
pub struct ApiKeyPrincipal {
    pub id: String,
    pub org_id: String,
    /// The client IP of the request or socket, for the audit log.
    pub ip: Option<String>,
    /// When the key expires (unix ms): an open socket is closed with 4403 then.
    pub expires_at: Option<i64>,
    pub scopes: crate::domain::Scopes,
    /// The websites the key is limited to; none: all of the organization's.
    pub websites: Option<std::sync::Arc<[String]>>,
}

impl Principal {
    pub fn org_id(&self) -> &str {
        match self {
            Principal::Agent(a) => &a.org_id,
            Principal::Visitor(v) => &v.org_id,
            Principal::ApiKey(k) => &k.org_id,
        }
    }

    /// An agent or an API key: someone of the organization, who sees notes.
    pub fn is_staff(&self) -> bool {
        !matches!(self, Principal::Visitor(_))
    }

    /// Whether the principal may act under `scope`: an API key that has it, or any
    /// agent (agents are governed by their role, which the operation's guard checks).
    pub fn has_scope(&self, scope: crate::domain::ApiKeyScope) -> bool {
        match self {
            Principal::ApiKey(k) => k.scopes.has(scope),
            Principal::Agent(_) => true,
            Principal::Visitor(_) => false,
        }
    }

    /// The websites this principal is limited to: a visitor's one, a limited key's
    /// list; none for agents and unlimited keys (the whole organization).
    pub fn websites(&self) -> Option<&[String]> {
        match self {
            Principal::ApiKey(k) => k.websites.as_deref(),
            Principal::Visitor(v) => Some(std::slice::from_ref(&v.website_id)),
            Principal::Agent(_) => None,
        }
    }

    /// Whether the principal may see a record of `website_id` (of its organization).
    pub fn sees_website(&self, website_id: &str) -> bool {
        match self {
            Principal::ApiKey(k) => k.websites.as_ref().is_none_or(|w| w.iter().any(|x| x == website_id)),
            Principal::Visitor(v) => v.website_id == website_id,
            Principal::Agent(_) => true,
        }
    }

    /// A stable key for per-principal limits.
    pub fn limit_key(&self) -> String {
        match self {
            Principal::Agent(a) => format!("agent:{}", a.id),
            Principal::Visitor(v) => format!("visitor:{}", v.id),
            Principal::ApiKey(k) => format!("key:{}", k.id),
        }
    }

    /// The same principal, acting from `ip` (what the audit log records).
    pub fn from_ip(mut self, ip: Option<&str>) -> Principal {
        match &mut self {
            Principal::Agent(a) => a.ip = ip.map(str::to_owned),
            Principal::ApiKey(k) => k.ip = ip.map(str::to_owned),
            Principal::Visitor(_) => {}
        }
        self
    }

    /// Who acted, for the audit log: kind (`agent`, `api_key`, `visitor`), id and IP.
    pub fn actor(&self) -> (&'static str, &str, Option<&str>) {
        match self {
            Principal::Agent(a) => ("agent", &a.id, a.ip.as_deref()),
            Principal::ApiKey(k) => ("api_key", &k.id, k.ip.as_deref()),
            Principal::Visitor(v) => ("visitor", &v.id, None),
        }
    }

    pub fn expires_at(&self) -> Option<i64> {
        match self {
            Principal::Agent(a) => Some(a.expires_at),
            Principal::Visitor(v) => Some(v.expires_at),
            Principal::ApiKey(k) => k.expires_at,
        }
    }
}

/// The cache entry for an agent row, as it is after a committed change.
pub fn cache_entry(row: &crate::store::AgentRow) -> cache::AgentAccess {
    cache::AgentAccess { org_id: row.org_id.clone(), role: row.role, epoch: row.token_epoch, removed: row.removed_at.is_some() }
}

/// The token of a `Bearer <token>` credential (an HTTP `Authorization` header, or the
/// `authorization` of a WebSocket's `connection_init`); another scheme or an empty
/// token counts as none.
pub fn bearer_token(credential: &str) -> Option<&str> {
    let (scheme, token) = credential.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
