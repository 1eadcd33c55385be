//! Blocking visitors (agents and API keys): block, lift, and list the blocks in force.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::conversation::{decode_cursor, encode_cursor, forward_page, page_first};
use super::guards::{Allow, Scope};
use super::types::{DateTime, PageInfo, Visitor};
use super::{ContextExt as _, GqlResult};
use crate::store::BlockRow;

/// A block in force: the visitor's tokens were revoked when it was made, and new sessions
/// of the visitor, of its verified external id on the website, and (when `coversNetwork`)
/// from the network of its last address are refused. The network itself is not shown.
pub struct VisitorBlock(BlockRow);

#[Object]
impl VisitorBlock {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn visitor(&self, ctx: &Context<'_>) -> GqlResult<Option<Visitor>> {
        Ok(ctx.loaders()?.visitors.load_one(self.0.visitor_id.clone()).await?.map(Visitor))
    }
    /// The verified external id the block also covers, if the visitor had one.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// Whether sessions from the network of the visitor's last address (IPv4 /24, IPv6
    /// /64) are refused too.
    async fn covers_network(&self) -> bool {
        self.0.network.is_some()
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The agent or API key that made it.
    async fn created_by(&self) -> ID {
        ID(self.0.created_by.clone())
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

#[derive(SimpleObject)]
pub struct VisitorBlockEdge {
    pub cursor: String,
    pub node: VisitorBlock,
}

#[derive(SimpleObject)]
pub struct VisitorBlockConnection {
    pub edges: Vec<VisitorBlockEdge>,
    pub page_info: PageInfo,
}

#[derive(InputObject)]
pub struct BlockVisitorInput {
    pub visitor_id: ID,
    /// Why (at most 500 characters), for the team.
    pub reason: Option<String>,
    /// Also refuse new sessions from the network of the visitor's last address (its IPv4
    /// /24 or IPv6 /64; the address is never shown). Others on that network are refused
    /// too: use it for abuse that comes back from new sessions.
    #[graphql(default = false)]
    pub network: bool,
}

#[derive(Default)]
pub struct BlocksQuery;

#[Object]
impl BlocksQuery {
    /// The blocks in force, newest first (agents and API keys), optionally of one visitor.
    #[graphql(guard = "Allow::Staff(Scope::VisitorsRead)", complexity = "super::page_cost(first, 25, 100, child_complexity)")]
    async fn visitor_blocks(&self, ctx: &Context<'_>, visitor_id: Option<ID>, first: Option<i32>, after: Option<String>) -> GqlResult<VisitorBlockConnection> {
        let first = page_first(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let before = after.as_ref().map(|(t, id)| (*t, id.as_str()));
        let rows = ctx.app().blocks_page(ctx.viewer()?, visitor_id.as_ref().map(|v| v.as_str()), before, first as i64 + 1).await?;
        let (edges, page_info) =
            forward_page(rows, first, |r| encode_cursor(r.created_at, &r.id), |cursor, r| VisitorBlockEdge { cursor, node: VisitorBlock(r) });
        Ok(VisitorBlockConnection { edges, page_info })
    }
}

#[derive(Default)]
pub struct BlocksMutation;

#[Object]
impl BlocksMutation {
    /// Blocks a visitor of the organization (agents and API keys): its tokens stop working
    /// at once on every node (open sockets close with 4403) and its new sessions are
    /// refused with FORBIDDEN. A new anonymous session from another network cannot be
    /// told apart from a new visitor.
    #[graphql(guard = "Allow::Staff(Scope::VisitorsWrite)")]
    async fn block_visitor(&self, ctx: &Context<'_>, input: BlockVisitorInput) -> GqlResult<VisitorBlock> {
        Ok(VisitorBlock(ctx.app().block_visitor(ctx.viewer()?, &input.visitor_id, input.reason.as_deref(), input.network).await?))
    }

    /// Lifts a block: the visitor may start a new session (tokens revoked by the block
    /// stay revoked). NOT_FOUND unless it is a block in force of the organization.
    #[graphql(guard = "Allow::Staff(Scope::VisitorsWrite)")]
    async fn unblock_visitor(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().unblock_visitor(ctx.viewer()?, &id).await?;
        Ok(true)
    }
}
