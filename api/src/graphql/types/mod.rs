//! Output types of the schema, each a thin view over a committed row, one module per
//! domain. Fields that need more data read it through `App` (scoped by the caller) or,
//! for the fields every item of a page has, through the request's loaders (one read per
//! kind).

mod account;
mod conversation;
mod events;
mod website;

pub use account::*;
pub use conversation::*;
pub use events::*;
pub use website::*;

use async_graphql::{Context, InputValueError, InputValueResult, Scalar, ScalarType, SimpleObject, Value};

use super::ContextExt as _;
use crate::auth::Principal;
use crate::time::{parse_rfc3339, rfc3339};

/// An instant, as an RFC 3339 string in UTC with milliseconds (`2026-11-27T10:00:00.123Z`).
#[derive(Clone, Copy, Debug)]
pub struct DateTime(pub i64);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => parse_rfc3339(s).map(DateTime).ok_or_else(|| InputValueError::custom("expected an RFC 3339 date-time")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }
    fn to_value(&self) -> Value {
        Value::String(rfc3339(self.0))
    }
}

pub(super) fn dt(ms: Option<i64>) -> Option<DateTime> {
    ms.map(DateTime)
}

pub(super) fn is_staff(ctx: &Context<'_>) -> bool {
    matches!(ctx.viewer(), Ok(Principal::Agent(_) | Principal::ApiKey(_)))
}

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}
