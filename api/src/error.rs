//! The API's error type and its stable `extensions.code`. Every layer below maps into
//! this once; clients see a code and a plain message. The details of a failure that is
//! ours (`INTERNAL`, `UNAVAILABLE`) travel with the error as its `Cause` and are
//! logged once, at the edge (`graphql::finish_response`, the REST handlers'
//! `http::error_response`), never inside a conversion.

use std::sync::Arc;

use async_graphql::ErrorExtensions as _;

use crate::domain::ValidationError;
use crate::store::{Constraint, StoreError};

/// Every `extensions.code` the API writes: one definition, used wherever a code is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No, invalid or expired token.
    Unauthenticated,
    /// Wrong kind of principal or role.
    Forbidden,
    /// Missing, or outside the caller's organization or visitor: indistinguishable.
    NotFound,
    /// Validation of the input.
    BadUserInput,
    /// Limited: retry after `extensions.retryAfter` seconds.
    RateLimited,
    PlanLimit,
    /// Store or bus down: retry (with the same `clientMessageId`).
    Unavailable,
    Internal,
    /// The document does not parse.
    GraphqlParseFailed,
    /// The document does not validate (including depth and complexity limits).
    GraphqlValidationFailed,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::PlanLimit => "PLAN_LIMIT",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
        }
    }
}

/// What went wrong inside, for the log only (clients never see it).
#[derive(Debug, Clone)]
pub struct Cause(pub Arc<str>);

impl Cause {
    pub fn new(detail: impl std::fmt::Display) -> Cause {
        Cause(detail.to_string().into())
    }

    /// Logs this cause once, with the code the client got.
    pub fn log(&self, code: ErrorCode) {
        match code {
            ErrorCode::Unavailable => tracing::warn!(code = code.as_str(), cause = %self.0, "unavailable"),
            _ => tracing::error!(code = code.as_str(), cause = %self.0, "internal error"),
        }
    }
}

/// Not `Display` on purpose: async-graphql converts any `Display` type into an error
/// without a code, so this type (and the ones below it) convert only through
/// `From<ApiError> for async_graphql::Error`, which always sets `extensions.code`.
/// `Clone` so that one failed batch read answers every field that waited on it.
#[derive(Debug, Clone)]
pub enum ApiError {
    Unauthenticated(&'static str),
    Forbidden(&'static str),
    /// Missing, or outside the caller's organization or visitor: indistinguishable.
    NotFound(&'static str),
    BadInput(String),
    RateLimited {
        retry_after_secs: u64,
    },
    PlanLimit(&'static str),
    /// Store or bus down: retry (with the same clientMessageId).
    Unavailable(Cause),
    Internal(Cause),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(Cause::new(detail))
    }

    pub fn unavailable(detail: impl std::fmt::Display) -> ApiError {
        ApiError::Unavailable(Cause::new(detail))
    }

    /// The plain message a client sees.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated(m) | ApiError::Forbidden(m) | ApiError::PlanLimit(m) => (*m).to_owned(),
            ApiError::NotFound(what) => format!("{what} not found"),
            ApiError::BadInput(m) => m.clone(),
            ApiError::RateLimited { retry_after_secs } => format!("too many requests, retry in {retry_after_secs} s"),
            ApiError::Unavailable(_) => "temporarily unavailable, retry".to_owned(),
            ApiError::Internal(_) => "internal error".to_owned(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::BadInput(_) => ErrorCode::BadUserInput,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::PlanLimit(_) => ErrorCode::PlanLimit,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The inside story of a failure that is ours, for the log.
    pub fn cause(&self) -> Option<&Cause> {
        match self {
            ApiError::Unavailable(c) | ApiError::Internal(c) => Some(c),
            _ => None,
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
            StoreError::Conflict(c) => ApiError::BadInput(conflict_message(c).to_owned()),
            StoreError::Unavailable(err) => ApiError::unavailable(format!("store: {err}")),
            StoreError::Other(err) => ApiError::internal(format!("store: {err}")),
        }
    }
}

/// What a client is told when a unique constraint refuses its write: the one place
/// where constraint names become words.
pub fn conflict_message(c: Constraint) -> &'static str {
    match c {
        Constraint::AgentEmail => "an account with this email already exists",
        Constraint::DepartmentName => "a department with this name already exists",
        Constraint::CannedShortcut => "a canned response with this shortcut already exists",
        Constraint::VisitorExternalId => "a visitor with this external id already exists",
        Constraint::ArticleSlug => "an article with this slug already exists on this website",
        Constraint::HelpDomain => "another website's help center already uses this host name",
        Constraint::Other => "this already exists",
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        let retry = match &e {
            ApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let code = e.code();
        let mut err = async_graphql::Error::new(e.message()).extend_with(|_, ext| {
            ext.set("code", code.as_str());
            if let Some(secs) = retry {
                ext.set("retryAfter", secs);
            }
        });
        // Carried to `finish_response`, which logs it once.
        if let Some(cause) = e.cause() {
            err.source = Some(Arc::new(cause.clone()));
        }
        err
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
