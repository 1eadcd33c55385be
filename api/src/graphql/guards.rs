//! Who may call an operation, declared on its resolver (`#[graphql(guard = "...")]`):
//! the schema's permission matrix in one readable place, checked before the resolver
//! runs. The domain operations in `app/` check the same principal again (they are the
//! authority, whatever the transport); a guard refuses early with the same code.

use async_graphql::{Context, Guard};

use super::ContextExt as _;
use crate::auth::Principal;
pub use crate::domain::ApiKeyScope as Scope;
use crate::error::ApiError;

/// The kinds of principal an operation is for, and the scope an API key needs for it.
/// Operations without a guard are open to anonymous callers (and check what they need
/// themselves, like an invite's token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    /// Visitors and agents (visitors see only their own, staff their organization's),
    /// and API keys with the scope.
    Signed(Scope),
    /// Agents of any role, and API keys with the scope.
    Staff(Scope),
    /// Agents (a person), any role.
    Agents,
    /// Owners and admins.
    Admins,
    /// Owners and admins, and API keys with the scope.
    Managers(Scope),
    /// A field's guard: anyone the operation let in (anonymous included: a visitor's
    /// new session returns its own visitor), but an API key needs one of the scopes (a
    /// key that may change something does not read through what the change returns).
    KeysNeed(Scope, Scope),
    /// Visitors (a widget's session).
    Visitors,
}

impl Allow {
    pub fn admits(self, p: &Principal) -> bool {
        match self {
            Allow::Signed(s) => !matches!(p, Principal::ApiKey(k) if !k.scopes.has(s)),
            Allow::KeysNeed(a, b) => !matches!(p, Principal::ApiKey(k) if !k.scopes.has(a) && !k.scopes.has(b)),
            Allow::Staff(s) => p.is_staff() && p.has_scope(s),
            Allow::Agents => matches!(p, Principal::Agent(_)),
            Allow::Admins => matches!(p, Principal::Agent(a) if a.role.is_admin()),
            Allow::Managers(s) => matches!(p, Principal::Agent(a) if a.role.is_admin()) || matches!(p, Principal::ApiKey(k) if k.scopes.has(s)),
            Allow::Visitors => matches!(p, Principal::Visitor(_)),
        }
    }

    fn refusal(self, p: &Principal) -> ApiError {
        if let (Principal::ApiKey(_), Allow::Signed(s) | Allow::Staff(s) | Allow::Managers(s) | Allow::KeysNeed(s, _)) = (p, self) {
            return ApiError::Forbidden(scope_refusal(s));
        }
        ApiError::Forbidden(match self {
            Allow::Signed(_) | Allow::KeysNeed(..) => "this operation needs a token",
            Allow::Staff(_) | Allow::Agents => "this operation is for agents",
            Allow::Admins | Allow::Managers(_) => "this operation needs an owner or admin",
            Allow::Visitors => "this operation is for visitors",
        })
    }
}

/// The refusal of a key without `s` (static, so the message names the scope).
fn scope_refusal(s: Scope) -> &'static str {
    match s {
        Scope::ConversationsRead => "this API key does not have the scope conversations:read",
        Scope::ConversationsWrite => "this API key does not have the scope conversations:write",
        Scope::MessagesWrite => "this API key does not have the scope messages:write",
        Scope::VisitorsRead => "this API key does not have the scope visitors:read",
        Scope::VisitorsWrite => "this API key does not have the scope visitors:write",
        Scope::VisitorsErase => "this API key does not have the scope visitors:erase",
        Scope::VisitorsExport => "this API key does not have the scope visitors:export",
        Scope::WebsitesRead => "this API key does not have the scope websites:read",
        Scope::WebsitesManage => "this API key does not have the scope websites:manage",
        Scope::WebhooksManage => "this API key does not have the scope webhooks:manage",
        Scope::ConversionsWrite => "this API key does not have the scope conversions:write",
        Scope::AnalyticsRead => "this API key does not have the scope analytics:read",
    }
}

impl Guard for Allow {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let p = match ctx.viewer() {
            Ok(p) => p,
            Err(_) if matches!(self, Allow::KeysNeed(..)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if self.admits(p) {
            Ok(())
        } else {
            Err(self.refusal(p).into())
        }
    }
}
