//! The API's error type and its stable `extensions.code`. Every layer below maps into
//! this once; clients see a code and a plain message, details go to the log.

use async_graphql::ErrorExtensions as _;

use crate::domain::ValidationError;
use crate::store::StoreError;

/// Not `Display` on purpose: async-graphql converts any `Display` type into an error
/// without a code, so this type (and the ones below it) convert only through
/// `From<ApiError> for async_graphql::Error`, which always sets `extensions.code`.
#[derive(Debug)]
pub enum ApiError {
    Unauthenticated(&'static str),
    Forbidden(&'static str),
    /// Missing, or outside the caller's organization or visitor: indistinguishable.
    NotFound(&'static str),
    BadInput(String),
    RateLimited { retry_after_secs: u64 },
    PlanLimit(&'static str),
    /// Store or bus down: retry (with the same clientMessageId).
    Unavailable,
    Internal,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The plain message a client sees.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated(m) | ApiError::Forbidden(m) | ApiError::PlanLimit(m) => (*m).to_owned(),
            ApiError::NotFound(what) => format!("{what} not found"),
            ApiError::BadInput(m) => m.clone(),
            ApiError::RateLimited { retry_after_secs } => format!("too many requests, retry in {retry_after_secs} s"),
            ApiError::Unavailable => "temporarily unavailable, retry".to_owned(),
            ApiError::Internal => "internal error".to_owned(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::BadInput(_) => "BAD_USER_INPUT",
            ApiError::RateLimited { .. } => "RATE_LIMITED",
            ApiError::PlanLimit(_) => "PLAN_LIMIT",
            ApiError::Unavailable => "UNAVAILABLE",
            ApiError::Internal => "INTERNAL",
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        ApiError::BadInput(e.0)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound("resource"),
            StoreError::Conflict(what) => ApiError::BadInput(format!("{what} already exists")),
            StoreError::Unavailable(err) => {
                tracing::warn!(error = %err, "store unavailable");
                ApiError::Unavailable
            }
            StoreError::Other(err) => {
                tracing::error!(error = %err, "store error");
                ApiError::Internal
            }
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        let retry = match &e {
            ApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        async_graphql::Error::new(e.message()).extend_with(|_, ext| {
            ext.set("code", e.code());
            if let Some(secs) = retry {
                ext.set("retryAfter", secs);
            }
        })
    }
}

impl From<ValidationError> for async_graphql::Error {
    fn from(e: ValidationError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<StoreError> for async_graphql::Error {
    fn from(e: StoreError) -> Self {
        ApiError::from(e).into()
    }
}
