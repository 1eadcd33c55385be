//! Who may call an operation, declared on its resolver (`#[graphql(guard = "...")]`):
//! the schema's permission matrix in one readable place, checked before the resolver
//! runs. The domain operations in `app/` check the same principal again (they are the
//! authority, whatever the transport); a guard refuses early with the same code.

use async_graphql::{Context, Guard};

use super::ContextExt as _;
use crate::auth::Principal;
use crate::error::ApiError;

/// The kinds of principal an operation is for. Operations without a guard are open to
/// anonymous callers (and check what they need themselves, like an invite's token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    /// Any principal: visitors see only their own, staff their organization's.
    Signed,
    /// Agents of any role and API keys.
    Staff,
    /// Agents (a person), any role.
    Agents,
    /// Owners and admins.
    Admins,
    /// Visitors (a widget's session).
    Visitors,
}

impl Allow {
    pub fn admits(self, p: &Principal) -> bool {
        match self {
            Allow::Signed => true,
            Allow::Staff => p.is_staff(),
            Allow::Agents => matches!(p, Principal::Agent(_)),
            Allow::Admins => matches!(p, Principal::Agent(a) if a.role.is_admin()),
            Allow::Visitors => matches!(p, Principal::Visitor(_)),
        }
    }

    fn refusal(self) -> ApiError {
        ApiError::Forbidden(match self {
            Allow::Signed => "this operation needs a token",
            Allow::Staff | Allow::Agents => "this operation is for agents",
            Allow::Admins => "this operation needs an owner or admin",
            Allow::Visitors => "this operation is for visitors",
        })
    }
}

impl Guard for Allow {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        if self.admits(ctx.viewer()?) {
            Ok(())
        } else {
            Err(self.refusal().into())
        }
    }
}
