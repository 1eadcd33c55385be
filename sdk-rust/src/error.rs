//! The one error type of the SDK: [`Error`], carrying the server's `extensions.code` as
//! an [`ErrorCode`] (or saying that no answer came back).

use std::time::Duration;

use serde::Deserialize;

/// Why the server refused an operation: its `extensions.code`.
///
/// ```
/// use chinwag_sdk::ErrorCode;
/// assert_eq!(ErrorCode::from_code("RATE_LIMITED"), ErrorCode::RateLimited);
/// assert_eq!(ErrorCode::RateLimited.as_str(), "RATE_LIMITED");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// No, invalid or expired token (or a wrong password).
    Unauthenticated,
    /// The wrong kind of principal or role.
    Forbidden,
    /// Missing, or not the caller's: the two look the same.
    NotFound,
    /// Validation failed; nothing changed. The message says what to fix.
    BadUserInput,
    /// Too many calls: wait [`Error::retry_after`].
    RateLimited,
    /// A cap of the plan was reached (open conversations per visitor).
    PlanLimit,
    /// The server's store or bus is down: retry (sends keep their `clientMessageId`).
    Unavailable,
    /// A bug on the server; it logged it.
    Internal,
    /// The document did not parse.
    GraphqlParseFailed,
    /// The document did not validate (including depth and complexity limits).
    GraphqlValidationFailed,
    /// A code this version of the SDK does not know.
    Other(String),
}

impl ErrorCode {
    /// The code as the server spells it.
    ///
    /// ```
    /// assert_eq!(chinwag_sdk::ErrorCode::NotFound.as_str(), "NOT_FOUND");
    /// ```
    pub fn as_str(&self) -> &str {
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
            ErrorCode::Other(code) => code,
        }
    }

    /// Parses the server's spelling; unknown codes become [`ErrorCode::Other`].
    ///
    /// ```
    /// use chinwag_sdk::ErrorCode;
    /// assert_eq!(ErrorCode::from_code("TEAPOT"), ErrorCode::Other("TEAPOT".into()));
    /// ```
    pub fn from_code(code: &str) -> ErrorCode {
        match code {
            "UNAUTHENTICATED" => ErrorCode::Unauthenticated,
            "FORBIDDEN" => ErrorCode::Forbidden,
            "NOT_FOUND" => ErrorCode::NotFound,
            "BAD_USER_INPUT" => ErrorCode::BadUserInput,
            "RATE_LIMITED" => ErrorCode::RateLimited,
            "PLAN_LIMIT" => ErrorCode::PlanLimit,
            "UNAVAILABLE" => ErrorCode::Unavailable,
            "INTERNAL" => ErrorCode::Internal,
            "GRAPHQL_PARSE_FAILED" => ErrorCode::GraphqlParseFailed,
            "GRAPHQL_VALIDATION_FAILED" => ErrorCode::GraphqlValidationFailed,
            other => ErrorCode::Other(other.to_owned()),
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of a GraphQL response's `errors`.
///
/// ```
/// let e: chinwag_sdk::GraphQLError = serde_json::from_str(
///     r#"{"message":"slow down","extensions":{"code":"RATE_LIMITED","retryAfter":2}}"#).unwrap();
/// assert_eq!(e.extensions["retryAfter"], 2);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GraphQLError {
    /// What went wrong, in plain words.
    pub message: String,
    /// Where in the response, like `["sendMessage"]`.
    #[serde(default)]
    pub path: Vec<serde_json::Value>,
    /// `code`, and for `RATE_LIMITED` also `retryAfter`.
    #[serde(default)]
    pub extensions: serde_json::Value,
}

/// Everything that can go wrong; match on [`Error::code`] rather than on messages.
///
/// ```no_run
/// # async fn demo(chat: chinwag_sdk::VisitorClient, id: &str) {
/// use chinwag_sdk::{Error, ErrorCode};
/// match chat.send_message(id, "").await {
///     Err(e) if e.code() == Some(&ErrorCode::BadUserInput) => eprintln!("fix the input: {e}"),
///     Err(Error::Network { .. }) => eprintln!("offline; try again later"),
///     Err(e) => eprintln!("failed: {e}"),
///     Ok(m) => println!("sent #{}", m.seq),
/// }
/// # }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server refused: `code` is the first error's `extensions.code`.
    #[error("{code}: {message}")]
    Server {
        /// The server's `extensions.code`.
        code: ErrorCode,
        /// The first error's message.
        message: String,
        /// For `RATE_LIMITED`: how long to wait.
        retry_after: Option<Duration>,
        /// The HTTP status, when the error came over HTTP.
        status: Option<u16>,
        /// Every error of the response.
        errors: Vec<GraphQLError>,
    },
    /// No answer came back (connection refused or dropped, timeout, DNS).
    #[error("network error: {message}")]
    Network {
        /// What the transport said.
        message: String,
    },
    /// An answer came back that is not what the schema promises (a proxy's error page,
    /// a server of another version).
    #[error("unexpected response: {message}")]
    Protocol {
        /// What was wrong with it.
        message: String,
    },
}

impl Error {
    /// The server's code, or `None` for network and protocol failures.
    ///
    /// ```
    /// use chinwag_sdk::{Error, ErrorCode};
    /// let e = Error::Network { message: "connection refused".into() };
    /// assert_eq!(e.code(), None);
    /// ```
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Server { code, .. } => Some(code),
            _ => None,
        }
    }

    /// How long the server asked to wait (`RATE_LIMITED`).
    ///
    /// ```
    /// # fn demo(e: chinwag_sdk::Error) {
    /// if let Some(wait) = e.retry_after() { println!("retry in {wait:?}") }
    /// # }
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether repeating the same call may succeed: network failures, `UNAVAILABLE` and
    /// `RATE_LIMITED`. Sends are safe to repeat with the same `clientMessageId`.
    ///
    /// ```
    /// let e = chinwag_sdk::Error::Network { message: "reset".into() };
    /// assert!(e.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Network { .. } => true,
            Error::Server { code, .. } => matches!(code, ErrorCode::Unavailable | ErrorCode::RateLimited),
            Error::Protocol { .. } => false,
        }
    }

    /// An error from a response's `errors` (the first one names the code).
    pub(crate) fn from_graphql(errors: Vec<GraphQLError>, status: Option<u16>) -> Error {
        let first = errors.first();
        let code = first.and_then(|e| e.extensions.get("code")).and_then(|c| c.as_str()).map(ErrorCode::from_code).unwrap_or(ErrorCode::Internal);
        let message = first.map(|e| e.message.clone()).unwrap_or_else(|| "unknown error".into());
        let retry_after = first.and_then(|e| e.extensions.get("retryAfter")).and_then(|s| s.as_f64()).map(Duration::from_secs_f64);
        Error::Server { code, message, retry_after, status, errors }
    }

    /// An error the SDK raises itself with a server code (like a 4403 close).
    pub(crate) fn server(code: ErrorCode, message: impl Into<String>) -> Error {
        Error::Server { code, message: message.into(), retry_after: None, status: None, errors: Vec::new() }
    }

    pub(crate) fn network(e: impl std::fmt::Display) -> Error {
        Error::Network { message: e.to_string() }
    }

    pub(crate) fn protocol(e: impl std::fmt::Display) -> Error {
        Error::Protocol { message: e.to_string() }
    }
}

/// The SDK's result type.
///
/// ```
/// fn check(r: chinwag_sdk::Result<()>) -> bool { r.is_ok() }
/// # assert!(check(Ok(())));
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;
