//! Which live documents the transport may run once for a whole audience. A document is
//! shareable when it only subscribes, replays nothing (no `after` / `afterSeq`: a
//! replay starts from each socket's own position; no `current`: a snapshot as of each
//! socket's own start), and selects no field whose value
//! depends on who reads it. The transport asks here and knows no field names itself.

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::Value as GqlValue;

/// Fields whose value differs per viewer within one audience.
const PER_VIEWER_FIELDS: [&str; 1] = ["unreadCount"];
/// Arguments that start a stream from the viewer's own position (unless null or false).
const RESUME_ARGUMENTS: [&str; 3] = ["after", "afterSeq", "current"];

/// Whether `query` with `variables` may be executed once and shared by its audience.
pub fn shareable(query: &str, variables: &serde_json::Value) -> bool {
    let Ok(doc) = super::documents::parse(query) else { return false };
    for (_, op) in doc.operations.iter() {
        if op.node.ty != OperationType::Subscription {
            return false;
        }
        for sel in &op.node.selection_set.node.items {
            let Selection::Field(field) = &sel.node else { return false };
            for (name, value) in &field.node.arguments {
                if !RESUME_ARGUMENTS.contains(&name.node.as_str()) {
                    continue;
                }
                let resolved = value.node.clone().into_const_with(|var| {
                    Ok::<_, ()>(variables.get(var.as_str()).cloned().and_then(|v| GqlValue::from_json(v).ok()).unwrap_or(GqlValue::Null))
                });
                if !matches!(resolved, Ok(GqlValue::Null | GqlValue::Boolean(false))) {
                    return false;
                }
            }
        }
    }
    !selects_per_viewer_field(&doc)
}

/// Any selection, in an operation or a fragment, of a per-viewer field.
fn selects_per_viewer_field(doc: &ExecutableDocument) -> bool {
    fn walk(set: &SelectionSet) -> bool {
        set.items.iter().any(|sel| match &sel.node {
            Selection::Field(f) => PER_VIEWER_FIELDS.contains(&f.node.name.node.as_str()) || walk(&f.node.selection_set.node),
            Selection::InlineFragment(f) => walk(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => false, // the fragment itself is walked below
        })
    }
    doc.operations.iter().any(|(_, op)| walk(&op.node.selection_set.node)) || doc.fragments.values().any(|f| walk(&f.node.selection_set.node))
}

#[cfg(test)]
mod tests {
    use super::shareable;
    use serde_json::json;

    #[test]
    fn live_only_subscriptions_without_per_viewer_fields_are_shared() {
        assert!(shareable("subscription { inboxEvents { __typename } }", &json!({})));
        assert!(shareable("subscription($c: ID!, $a: ID) { conversationEvents(conversationId: $c, after: $a) { __typename } }", &json!({"c": "x"})));
        assert!(shareable("subscription($n: Boolean) { conversationEvents(conversationId: \"x\", current: $n) { __typename } }", &json!({"n": false})));
    }

    #[test]
    fn replays_queries_and_per_viewer_fields_are_not() {
        assert!(!shareable("subscription($a: ID) { conversationEvents(conversationId: \"x\", after: $a) { __typename } }", &json!({"a": "m1"})));
        assert!(!shareable("subscription { conversationEvents(conversationId: \"x\", afterSeq: 0) { __typename } }", &json!({})));
        assert!(!shareable("subscription($n: Boolean) { conversationEvents(conversationId: \"x\", current: $n) { __typename } }", &json!({"n": true})));
        assert!(!shareable("query { __typename }", &json!({})));
        let in_fragment = "subscription { inboxEvents { ...F } } fragment F on ConversationUpdated { conversation { unreadCount } }";
        assert!(!shareable(in_fragment, &json!({})));
        assert!(!shareable("subscription { inboxEvents { ... on ConversationUpdated { conversation { unreadCount } } } }", &json!({})));
        assert!(!shareable("not graphql", &json!({})));
    }
}
