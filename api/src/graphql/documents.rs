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

use async_graphql::parser::types::ExecutableDocument;

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
}
