//! What one request may read: rows and bytes, counted as resolvers load pages (messages,
//! conversations, page views) and before single lookups (a conversation, a website, an
//! unread count), so aliases of a cheap field cannot multiply store reads either. Depth and complexity limits bound a document's shape; this
//! bounds what it costs, whatever its aliases and page sizes (50 aliases of
//! `messages(last: 200)` over long messages would otherwise build a response of about
//! 100 MB). Visitors get less than staff (`--visitor-max-rows` / `--visitor-max-bytes`,
//! `--staff-max-rows` / `--staff-max-bytes`). Subscriptions are not charged: their
//! events are bounded by the delivery rules, one at a time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use async_graphql::parser::types::OperationType;
use async_graphql::Context;

use super::ContextExt as _;
use crate::auth::Principal;
use crate::error::ApiError;

/// What a row costs besides its text (ids, times, flags), in bytes.
pub const ROW_OVERHEAD: usize = 200;

/// The request's budget, made on the first charge.
#[derive(Default)]
pub struct BudgetCell(OnceLock<Budget>);

struct Budget {
    rows: AtomicU64,
    bytes: AtomicU64,
    max_rows: u64,
    max_bytes: u64,
}

/// Counts `rows` and `bytes` the resolver just loaded against the request's budget;
/// `BAD_USER_INPUT` once either is spent (the rest of the request then fails fast).
pub fn charge(ctx: &Context<'_>, rows: usize, bytes: usize) -> Result<(), ApiError> {
    if ctx.query_env.operation.node.ty == OperationType::Subscription {
        return Ok(());
    }
    let Some(cell) = ctx.data_opt::<BudgetCell>() else { return Ok(()) };
    let budget = cell.0.get_or_init(|| {
        let l = &ctx.app().settings.limits;
        let visitor = matches!(ctx.viewer(), Ok(Principal::Visitor(_)) | Err(_));
        let (max_rows, max_bytes) = if visitor { (l.visitor_max_rows, l.visitor_max_bytes) } else { (l.staff_max_rows, l.staff_max_bytes) };
        Budget { rows: AtomicU64::new(0), bytes: AtomicU64::new(0), max_rows, max_bytes }
    });
    let rows = budget.rows.fetch_add(rows as u64, Ordering::Relaxed) + rows as u64;
    let bytes = budget.bytes.fetch_add(bytes as u64, Ordering::Relaxed) + bytes as u64;
    if rows > budget.max_rows || bytes > budget.max_bytes {
        return Err(ApiError::BadInput(format!(
            "this request reads too much (at most {} rows and {} bytes per request): ask for smaller pages or fewer aliases",
            budget.max_rows, budget.max_bytes
        )));
    }
    Ok(())
}
