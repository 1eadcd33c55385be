//! Stable error codes for failures that happen before any resolver runs: the
//! document does not parse (`GRAPHQL_PARSE_FAILED`) or does not validate, including
//! depth and complexity limits (`GRAPHQL_VALIDATION_FAILED`). Anything else left
//! without a code gets one in `finish_response`, which is also where the causes of
//! our own failures are logged, once.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Value, Variables};

use crate::error::{Cause, ErrorCode};

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

/// Root fields one operation may select, aliases and fragments included: clients send one
/// to a few; each is at least one store read, so a thousand aliases of a cheap lookup
/// would multiply reads past what complexity (which counts them once each) prevents.
const MAX_ROOT_FIELDS: usize = 50;

/// The root fields of `set`, through fragment spreads and inline fragments (`seen`
/// guards against cyclic fragments, which validation refuses later).
fn root_fields(doc: &ExecutableDocument, set: &async_graphql::parser::types::SelectionSet, seen: &mut Vec<async_graphql::Name>) -> usize {
    use async_graphql::parser::types::Selection;
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(f) => root_fields(doc, &f.node.selection_set.node, seen),
            Selection::FragmentSpread(f) => {
                let name = &f.node.fragment_name.node;
                match doc.fragments.get(name) {
                    Some(def) if !seen.contains(name) => {
                        seen.push(name.clone());
                        let n = root_fields(doc, &def.node.selection_set.node, seen);
                        seen.pop();
                        n
                    }
                    _ => 0,
                }
            }
        })
        .sum()
}

fn with_code(mut e: ServerError, code: ErrorCode) -> ServerError {
    let ext = e.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code.as_str());
    }
    e
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn parse_query(&self, ctx: &ExtensionContext<'_>, query: &str, variables: &Variables, next: NextParseQuery<'_>) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await.map_err(|e| with_code(e, ErrorCode::GraphqlParseFailed))?;
        for (_, op) in doc.operations.iter() {
            let n = root_fields(&doc, &op.node.selection_set.node, &mut Vec::new());
            if n > MAX_ROOT_FIELDS {
                let e =
                    ServerError::new(format!("an operation may select at most {MAX_ROOT_FIELDS} root fields (aliases included); this one selects {n}"), None);
                return Err(with_code(e, ErrorCode::GraphqlValidationFailed));
            }
        }
        Ok(doc)
    }

    async fn validation(&self, ctx: &ExtensionContext<'_>, next: NextValidation<'_>) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errs| errs.into_iter().map(|e| with_code(e, ErrorCode::GraphqlValidationFailed)).collect())
    }
}

/// Gives every error a code and logs the causes of ours. Input coercion failures (a
/// variable of the wrong type) are the client's fault; anything else unexplained is
/// internal.
pub fn finish_response(resp: &mut Response) {
    for e in &mut resp.errors {
        if let Some(cause) = e.source::<Cause>() {
            let code = if code_of(e) == Some(ErrorCode::Unavailable.as_str()) { ErrorCode::Unavailable } else { ErrorCode::Internal };
            cause.log(code);
        }
        if code_of(e).is_none() {
            let code = if e.message.starts_with("Invalid value for argument") || e.message.starts_with("Failed to parse") || e.message.contains("Invalid value")
            {
                ErrorCode::BadUserInput
            } else if e.message.starts_with("Unknown operation") || e.message.starts_with("Operation name required") {
                ErrorCode::GraphqlValidationFailed
            } else {
                tracing::error!(message = %e.message, "error without a code");
                ErrorCode::Internal
            };
            e.extensions.get_or_insert_with(Default::default).set("code", code.as_str());
        }
    }
}

fn code_of(e: &ServerError) -> Option<&str> {
    match e.extensions.as_ref()?.get("code")? {
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

/// True when the request as a whole was refused (nothing executed): per the
/// GraphQL-over-HTTP spec that is a 400, and over WebSocket an `error` message.
pub fn is_request_error(resp: &Response) -> bool {
    const REFUSED: [&str; 2] = [ErrorCode::GraphqlParseFailed.as_str(), ErrorCode::GraphqlValidationFailed.as_str()];
    matches!(resp.data, Value::Null) && !resp.errors.is_empty() && resp.errors.iter().all(|e| code_of(e).is_some_and(|c| REFUSED.contains(&c)))
}
