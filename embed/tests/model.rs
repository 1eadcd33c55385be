//! The encoder against the real model, when `CHINWAG_TEST_EMBEDDING_MODEL` names its directory
//! (`./scripts/test` fetches it; under `CI=true` its absence fails the suite). The
//! expected figures come from an independent NumPy implementation of the same encoder
//! with Hugging Face's `tokenizers`; 0.7553 is also the similarity sentence-transformers'
//! documentation gives for the first pair.

use std::path::PathBuf;

use chinwag_embed::{cosine, Embedder};

fn model() -> Option<Embedder> {
    let Some(dir) = std::env::var_os("CHINWAG_TEST_EMBEDDING_MODEL") else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CHINWAG_TEST_EMBEDDING_MODEL is not set under CI=true");
        eprintln!("CHINWAG_TEST_EMBEDDING_MODEL not set: skipped");
        return None;
    };
    Some(Embedder::load(&PathBuf::from(dir)).expect("the model loads"))
}

#[test]
fn word_pieces_match_hugging_face() {
    let Some(m) = model() else { return };
    assert_eq!(m.tokenize("Hello, Tromsø! Don't ship-to #norway"), [7592, 1010, 19817, 22225, 16415, 999, 2123, 1005, 1056, 2911, 1011, 2000, 1001, 5120]);
    assert_eq!(m.tokenize("Café naïve ÅÄÖ 東京 x²"), [7668, 15743, 9779, 2080, 1879, 1755, 1060, 10701]);
    assert_eq!(
        m.tokenize("supercalifragilisticexpialidocious unaffable"),
        [3565, 9289, 10128, 29181, 24411, 4588, 10288, 19312, 21273, 10085, 6313, 14477, 20961, 3468]
    );
    assert_eq!(m.tokenize("  tabs\tand\nnewlines\u{200b} zero-width"), [21628, 2015, 1998, 2047, 12735, 5717, 1011, 9381]);
    assert_eq!(m.tokenize("😀 emoji ok"), [100, 7861, 29147, 2072, 7929]);
    assert_eq!(m.tokenize(&"word ".repeat(1_000)).len(), m.max_pieces());
}

#[test]
fn embeddings_match_the_reference() {
    let Some(m) = model() else { return };
    let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 2e-4);
    let food = m.embed("A man is eating food.");
    assert_eq!(food.len(), 384);
    assert!(close(&food[..4], &[0.03324, 0.00441, -0.00628, 0.04838]), "{:?}", &food[..4]);
    let bread = m.embed("A man is eating a piece of bread.");
    assert!(close(&bread[..4], &[0.05252, 0.05524, -0.01119, -0.00575]), "{:?}", &bread[..4]);
    assert!((cosine(&food, &bread) - 0.7553).abs() < 5e-4, "{}", cosine(&food, &bread));
    let (forgot, reset, norway) = (m.embed("I forgot my password"), m.embed("How do I reset my password?"), m.embed("Do you ship to Norway?"));
    assert!((cosine(&forgot, &reset) - 0.7798).abs() < 5e-4);
    assert!((cosine(&forgot, &norway) - 0.1119).abs() < 5e-4);
    assert!(m.embed("").iter().all(|x| x.is_finite()));
    assert!(m.embed(&"long text ".repeat(5_000)).iter().all(|x| x.is_finite()));
}
