//! What both clients share: GraphQL over HTTP with the client's credentials (one retry
//! with fresh ones when the server refuses a token), the retrying idempotent send, and
//! the small helpers for timing and ids.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use graphql_client::GraphQLQuery;
use serde_json::Value;

use crate::error::{Error, ErrorCode, GraphQLError, Result};
use crate::live::Live;
use crate::operations::{send_message, SendMessage};
use crate::types::Message;

/// Supplies the bearer token. `rejected` is the token the server just refused: return
/// another one (an agent refreshes, a visitor resumes its session), or fail with
/// `UNAUTHENTICATED` when there is none to be had.
pub(crate) trait TokenSource: Send + Sync + 'static {
    fn token<'a>(&'a self, rejected: Option<&'a str>) -> BoxFuture<'a, Result<String>>;
}

/// GraphQL over HTTP at one URL.
#[derive(Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    url: String,
}

impl Http {
    pub(crate) fn new(url: &str) -> Http {
        Http { client: reqwest::Client::new(), url: url.to_owned() }
    }

    /// Posts one operation and returns its `data`, or the error the response carries.
    pub(crate) async fn post<Q: GraphQLQuery>(&self, variables: Q::Variables, bearer: Option<&str>) -> Result<Q::ResponseData> {
        let body = Q::build_query(variables);
        let mut request = self.client.post(&self.url).header(reqwest::header::ACCEPT, "application/graphql-response+json, application/json").json(&body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(Error::network)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(Error::network)?;
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        let errors = json.as_ref().and_then(|j| j.get("errors")).and_then(|e| serde_json::from_value::<Vec<GraphQLError>>(e.clone()).ok());
        if let Some(errors) = errors.filter(|e| !e.is_empty()) {
            return Err(Error::from_graphql(errors, Some(status.as_u16())));
        }
        match json.and_then(|mut j| j.get_mut("data").map(Value::take)).filter(|d| !d.is_null()) {
            Some(data) if status.is_success() => serde_json::from_value(data).map_err(Error::protocol),
            // A body without GraphQL errors (a proxy, a 413 from a load balancer): name
            // the status the way the server would have.
            _ => Err(Error::Server {
                code: code_for_status(status.as_u16()),
                message: format!("HTTP {status} from {}", self.url),
                retry_after: None,
                status: Some(status.as_u16()),
                errors: Vec::new(),
            }),
        }
    }
}

fn code_for_status(status: u16) -> ErrorCode {
    match status {
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        400 | 413 | 415 => ErrorCode::BadUserInput,
        429 => ErrorCode::RateLimited,
        s if s >= 500 => ErrorCode::Unavailable,
        _ => ErrorCode::Internal,
    }
}

/// The machinery behind a client: HTTP, credentials, the live connection.
pub(crate) struct Core {
    pub(crate) http: Http,
    pub(crate) auth: Arc<dyn TokenSource>,
    pub(crate) live: Live,
    pub(crate) send_attempts: u32,
}

impl Core {
    pub(crate) fn new(url: &str, ws_url: Option<&str>, send_attempts: u32, auth: Arc<dyn TokenSource>) -> Core {
        let ws_url = ws_url.map(str::to_owned).unwrap_or_else(|| ws_url_for(url));
        Core { http: Http::new(url), live: Live::new(ws_url, auth.clone()), auth, send_attempts: send_attempts.max(1) }
    }

    /// Runs an operation with the client's token, once more with a fresh token when the
    /// server says the first is no longer good.
    pub(crate) async fn request<Q: GraphQLQuery>(&self, variables: Q::Variables) -> Result<Q::ResponseData>
    where
        Q::Variables: Clone,
    {
        let token = self.auth.token(None).await?;
        match self.http.post::<Q>(variables.clone(), Some(&token)).await {
            Err(e) if e.code() == Some(&ErrorCode::Unauthenticated) => match self.auth.token(Some(&token)).await {
                Ok(fresh) if fresh != token => self.http.post::<Q>(variables, Some(&fresh)).await,
                // Nothing fresher to be had: the server's own answer says it best.
                _ => Err(e),
            },
            other => other,
        }
    }

    /// Sends a message, retrying network failures, `UNAVAILABLE` and `RATE_LIMITED` with
    /// the same `clientMessageId`: the server stores it once whatever happens.
    pub(crate) async fn send(&self, conversation_id: &str, body: &str, options: SendOptions) -> Result<Message> {
        let input = send_message::SendMessageInput {
            conversation_id: conversation_id.to_owned(),
            body: body.to_owned(),
            client_message_id: Some(options.client_message_id.unwrap_or_else(new_id)),
            is_private: options.is_private.then_some(true),
            attachment_ids: None,
        };
        let mut attempt = 1;
        loop {
            match self.request::<SendMessage>(send_message::Variables { input: input.clone() }).await {
                Ok(data) => return Ok(data.send_message.into()),
                Err(e) if e.is_retryable() && attempt < self.send_attempts => {
                    tokio::time::sleep(e.retry_after().unwrap_or_else(|| backoff(attempt - 1))).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Options of a send.
///
/// ```no_run
/// # async fn demo(agent: chinwag_sdk::AgentClient, id: &str) -> Result<(), chinwag_sdk::Error> {
/// use chinwag_sdk::SendOptions;
/// // A key derived from what you answer makes a restarted bot's resend harmless.
/// let options = SendOptions { client_message_id: Some("reply-to-msg_123".into()), ..Default::default() };
/// agent.send_message_with(id, "Thanks!", options).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendOptions {
    /// Your idempotency key, at most 64 characters (a random one when `None`). A send
    /// with a key already used in the conversation returns the original message.
    pub client_message_id: Option<String>,
    /// A note only agents see (agents and API keys only; visitors get `FORBIDDEN`).
    pub is_private: bool,
}

/// `{query, variables, operationName}` for a subscription (the payload of `subscribe`).
pub(crate) fn subscription_request<Q: GraphQLQuery>(variables: Q::Variables) -> Value {
    let body = Q::build_query(variables);
    serde_json::json!({ "query": body.query, "variables": body.variables, "operationName": body.operation_name })
}

/// `http://host/graphql` -> `ws://host/graphql`, `https` -> `wss`.
pub(crate) fn ws_url_for(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        url.to_owned()
    }
}

/// The GraphQL endpoint for a base URL: `http://127.0.0.1:8080` -> `.../graphql`; a
/// URL that already names a path is kept.
pub(crate) fn endpoint(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    let after_scheme = trimmed.split_once("://").map_or(trimmed, |(_, rest)| rest);
    if after_scheme.contains('/') {
        trimmed.to_owned()
    } else {
        format!("{trimmed}/graphql")
    }
}

/// Randomised exponential backoff: 0.25-0.5 s after the first failure, doubling to at
/// most 7.5-15 s. The jitter spreads a reconnect storm after a server restart.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let base = 500u64.saturating_mul(1 << attempt.min(5)).min(15_000);
    let jitter = 0.5 + f64::from(random_u32() % 1000) / 2000.0;
    Duration::from_millis((base as f64 * jitter) as u64)
}

fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    let _ = getrandom::getrandom(&mut b);
    u32::from_le_bytes(b)
}

/// A random idempotency key: 32 hex characters.
pub(crate) fn new_id() -> String {
    let mut bytes = [0u8; 16];
    // Without an OS source of randomness, fall back on time: still unique enough for
    // one sender in one conversation.
    if getrandom::getrandom(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
        bytes = nanos.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_accept_a_base_url_or_the_graphql_url() {
        assert_eq!(endpoint("http://127.0.0.1:8080"), "http://127.0.0.1:8080/graphql");
        assert_eq!(endpoint("http://127.0.0.1:8080/"), "http://127.0.0.1:8080/graphql");
        assert_eq!(endpoint("https://chat.example.com/graphql"), "https://chat.example.com/graphql");
        assert_eq!(ws_url_for("https://chat.example.com/graphql"), "wss://chat.example.com/graphql");
        assert_eq!(ws_url_for("http://127.0.0.1:1/graphql"), "ws://127.0.0.1:1/graphql");
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        for attempt in 0..20 {
            let d = backoff(attempt);
            let cap = 500u64 * (1 << attempt.min(5));
            assert!(d <= Duration::from_millis(cap.min(15_000)), "{attempt}: {d:?}");
            assert!(d >= Duration::from_millis(cap.min(15_000) / 2), "{attempt}: {d:?}");
        }
        assert_eq!(new_id().len(), 32);
        assert_ne!(new_id(), new_id());
    }
}
