//! Blocking visitors: an agent (or API key) blocks an abusive visitor, its verified
//! external id and optionally the network of its last address. The visitor's tokens are
//! revoked at once on every node (open sockets close with 4403), and new sessions of the
//! visitor, of the external id or from the network are refused. What it cannot stop: a
//! new anonymous session from another network (docs/operations.md says so).

use std::net::IpAddr;

use super::{staff, App};
use crate::auth::Principal;
use crate::bus::{Event, AUTH_TOPIC};
use crate::config::IpRange;
use crate::error::{ApiError, ApiResult};
use crate::store::{BlockRow, NewBlock, StoreError, WebsiteRow};

/// The most blocks one organization keeps in force (each session start reads the
/// network blocks).
pub const MAX_ACTIVE_BLOCKS: i64 = 10_000;

/// A block's reason, at most this many characters.
const MAX_REASON: usize = 500;

/// Tokens issued until this long after a block are revoked too: a session start that
/// checked for blocks just before the block committed, a node that hears of the block a
/// little later, or one whose clock is a little behind, must not hand out a token that
/// outlives it. (A visitor unblocked within it gets a token refused once; its client
/// starts a new session.)
const REVOKE_MARGIN_MS: i64 = 1_000;

impl App {
    pub async fn block_visitor(&self, p: &Principal, visitor_id: &str, reason: Option<&str>, network: bool) -> ApiResult<BlockRow> {
        let (org_id, _, actor_id) = staff(p)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if reason.is_some_and(|r| r.chars().count() > MAX_REASON) {
            return Err(ApiError::BadInput(format!("reason must be at most {MAX_REASON} characters")));
        }
        let visitor = self.store.visitor(org_id, visitor_id).await.map_err(|e| super::not_found(e, "visitor"))?;
        if !p.sees_website(&visitor.website_id) {
            return Err(ApiError::NotFound("visitor"));
        }
        if network && p.websites().is_some() {
            // A network block refuses sessions on every website of the organization.
            return Err(ApiError::Forbidden("an API key limited to websites cannot block a network"));
        }
        let network = if network {
            let ip: IpAddr = visitor
                .ip
                .as_deref()
                .and_then(|ip| ip.parse().ok())
                .ok_or_else(|| ApiError::BadInput("no address is known for this visitor: block it without its network".into()))?;
            Some(IpRange::network_of(ip).to_string())
        } else {
            None
        };
        // Blocks wake every open socket of the cluster: a team blocks a few people an hour.
        self.limit(&format!("block:{org_id}"), crate::ratelimit::Quota::per_window(60, std::time::Duration::from_secs(3600))).await?;
        if !self.store.blocks_page(org_id, Some(&visitor.id), None, 1).await?.is_empty() {
            return Err(ApiError::BadInput("this visitor is already blocked".into()));
        }
        if self.store.active_block_count(org_id).await? >= MAX_ACTIVE_BLOCKS {
            return Err(ApiError::PlanLimit("this organization has 10,000 blocks in force: lift some first"));
        }
        let at = crate::time::now_ms() + REVOKE_MARGIN_MS;
        let row = self
            .store
            .create_block(
                NewBlock {
                    org_id,
                    website_id: &visitor.website_id,
                    visitor_id: &visitor.id,
                    external_id: visitor.external_id.as_deref(),
                    network: network.as_deref(),
                    reason,
                    created_by: actor_id,
                },
                at,
            )
            .await?;
        self.access.revoke_visitor(&visitor.id, at);
        self.bus.publish(AUTH_TOPIC, Event::VisitorRevoked { visitor_id: visitor.id.clone(), at });
        self.audit(p, "visitor.block", Some(&visitor.id)).await?;
        Ok(row)
    }

    /// Lifts a block: the visitor may start a new session (its old tokens stay revoked).
    pub async fn unblock_visitor(&self, p: &Principal, block_id: &str) -> ApiResult<BlockRow> {
        let (org_id, _, actor_id) = staff(p)?;
        if p.websites().is_some() {
            let block = self.store.block(org_id, block_id).await.map_err(|e| super::not_found(e, "block"))?;
            if !p.sees_website(&block.website_id) {
                return Err(ApiError::NotFound("block"));
            }
        }
        let row = self.store.lift_block(org_id, block_id, actor_id).await.map_err(|e| super::not_found(e, "block"))?;
        self.audit(p, "visitor.unblock", Some(&row.visitor_id)).await?;
        Ok(row)
    }

    pub async fn blocks_page(&self, p: &Principal, visitor_id: Option<&str>, before: Option<(i64, &str)>, limit: i64) -> ApiResult<Vec<BlockRow>> {
        let (org_id, _, _) = staff(p)?;
        if p.websites().is_some() {
            // A key limited to websites lists the blocks of one of their visitors.
            let Some(id) = visitor_id else {
                return Err(ApiError::Forbidden("an API key limited to websites lists blocks by visitorId"));
            };
            let v = self.store.visitor(org_id, id).await.map_err(|e| super::not_found(e, "visitor"))?;
            if !p.sees_website(&v.website_id) {
                return Err(ApiError::NotFound("visitor"));
            }
        }
        Ok(self.store.blocks_page(org_id, visitor_id, before, limit).await?)
    }

    /// Refuses a session of a blocked visitor, of a blocked external id on this website,
    /// or from a blocked network.
    pub(super) async fn refuse_blocked(&self, website: &WebsiteRow, visitor_id: Option<&str>, external_id: Option<&str>, ip: Option<&str>) -> ApiResult<()> {
        let blocks = match self.store.blocks_for_session(&website.org_id, &website.id, visitor_id, external_id).await {
            Ok(b) => b,
            Err(StoreError::NotFound) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let ip: Option<IpAddr> = ip.and_then(|ip| ip.parse().ok());
        let blocked = blocks.iter().any(|b| {
            visitor_id == Some(b.visitor_id.as_str())
                || (b.website_id == website.id && external_id.is_some() && b.external_id.as_deref() == external_id)
                || matches!((&b.network, ip), (Some(n), Some(ip)) if n.parse::<IpRange>().is_ok_and(|n| n.contains(ip)))
        });
        if blocked {
            return Err(ApiError::Forbidden("this visitor is blocked on this website"));
        }
        Ok(())
    }
}
