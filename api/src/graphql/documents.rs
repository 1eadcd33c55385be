//! Parsed documents by their text. Clients send the same few operations again and again
//! (every `sendMessage` of a widget is the same text with other variables), so each
//! text is parsed once: the send path's parse was about 4% of the server's CPU (the
//! profile in docs/benchmarks.md), and a reconnect storm parsed each subscription twice
//! (sharing, then execution). `graphql::prepare` hands the schema the parsed document;
//! the schema's own checks (recursion, directives, validation) still run on it. Bounded: at most `MAX_DOCUMENTS` texts of at most
//! `MAX_TEXT` bytes; when full it starts over, so a flood of distinct texts costs what
//! parsing costs without a cache, never memory.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use async_graphql::Name;

const MAX_DOCUMENTS: usize = 512;
const MAX_TEXT: usize = 16 * 1024;

static DOCUMENTS: LazyLock<Mutex<HashMap<Arc<str>, ExecutableDocument>>> = LazyLock::new(Default::default);

/// The document of `query`, parsed once per text (errors are not kept: a bad text is
/// parsed each time, as before).
pub fn parse(query: &str) -> async_graphql::parser::Result<ExecutableDocument> {
    if let Some(doc) = DOCUMENTS.lock().expect("documents lock").get(query) {
        return Ok(doc.clone());
    }
    let doc = async_graphql::parser::parse_query(query)?;
    if query.len() <= MAX_TEXT {
        let mut map = DOCUMENTS.lock().expect("documents lock");
        if map.len() >= MAX_DOCUMENTS {
            map.clear();
        }
        map.insert(Arc::from(query), doc.clone());
    }
    Ok(doc)
}

/// The document with only the operation `name` and the fragments it uses, when it has
/// an operation of that name (else as it is). The schema then validates, costs and runs
/// what the request runs: a client that keeps all its operations in one document (the
/// Rust SDK sends its whole operations file with each request) is not refused as "too
/// complex" for operations it did not ask to run.
pub fn only(doc: ExecutableDocument, name: &str) -> ExecutableDocument {
    let DocumentOperations::Multiple(mut ops) = doc.operations else { return doc };
    let Some(op) = ops.remove(name) else { return ExecutableDocument { operations: DocumentOperations::Multiple(ops), fragments: doc.fragments } };
    let mut wanted: Vec<Name> = Vec::new();
    spreads(&op.node.selection_set.node, &mut wanted);
    let mut i = 0;
    while i < wanted.len() {
        if let Some(f) = doc.fragments.get(&wanted[i]) {
            spreads(&f.node.selection_set.node, &mut wanted);
        }
        i += 1;
    }
    let fragments = doc.fragments.into_iter().filter(|(n, _)| wanted.contains(n)).collect();
    ExecutableDocument { operations: DocumentOperations::Multiple(HashMap::from([(Name::new(name), op)])), fragments }
}

/// The fragments a selection set spreads, added to `out` once each.
fn spreads(set: &SelectionSet, out: &mut Vec<Name>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => spreads(&f.node.selection_set.node, out),
            Selection::InlineFragment(f) => spreads(&f.node.selection_set.node, out),
            Selection::FragmentSpread(f) => {
                if !out.contains(&f.node.fragment_name.node) {
                    out.push(f.node.fragment_name.node.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_parsed_once_and_the_cache_stays_bounded() {
        let q = "query CacheTest { widgetConfig(websiteKey: \"k\") { websiteName } }";
        let a = parse(q).unwrap();
        assert!(DOCUMENTS.lock().unwrap().contains_key(q));
        let b = parse(q).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "the same document");
        assert!(parse("query {").is_err(), "errors are errors");
        for i in 0..(MAX_DOCUMENTS + 10) {
            parse(&format!("query Q{i} {{ __typename }}")).unwrap();
        }
        assert!(DOCUMENTS.lock().unwrap().len() <= MAX_DOCUMENTS);
        let long = format!("query {{ __typename }} # {}", "x".repeat(MAX_TEXT));
        parse(&long).unwrap();
        assert!(!DOCUMENTS.lock().unwrap().contains_key(long.as_str()), "long texts are not kept");
    }

    #[test]
    fn only_the_named_operation_and_its_fragments_are_kept() {
        let doc = parse(
            "fragment A on Query { __typename ...B } fragment B on Query { __typename } fragment C on Query { __typename } \
             query One { ...A } query Two { ...C } mutation Three { __typename }",
        )
        .unwrap();
        let one = only(doc.clone(), "One");
        let DocumentOperations::Multiple(ops) = &one.operations else { panic!("several") };
        assert_eq!(ops.keys().map(|k| k.as_str()).collect::<Vec<_>>(), ["One"]);
        let mut kept: Vec<&str> = one.fragments.keys().map(|k| k.as_str()).collect();
        kept.sort_unstable();
        assert_eq!(kept, ["A", "B"], "A and what A spreads");
        let missing = only(doc, "Nope");
        let DocumentOperations::Multiple(ops) = &missing.operations else { panic!("several") };
        assert_eq!(ops.len(), 3, "an unknown name is left for the schema to refuse");
    }
}
