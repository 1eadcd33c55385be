//! Times the encoder on texts of 8 to 256 word pieces and prints the median per length,
//! then a question's comparison with 17,000 stored passages (`dots_i8`):
//! `cargo run --release -p chinwag-embed --example speed -- target/models/all-minilm-l6-v2`
//! (docs/benchmarks.md has the figures).

use std::time::{Duration, Instant};

use chinwag_embed::{dot_i8, dots_i8, Embedder, Quantized};

fn main() {
    let dir = std::env::args().nth(1).or_else(|| std::env::var("CHINWAG_EMBEDDING_MODEL").ok()).expect("usage: speed MODEL_DIR");
    let model = Embedder::load(dir.as_ref()).unwrap_or_else(|e| panic!("{dir}: {e}"));
    println!("pieces  median ms  p90 ms");
    for pieces in [8, 18, 32, 64, 128, 256] {
        // "How do I ..." words are one piece each.
        let text = ["how", "do", "i", "return", "my", "order", "to", "you"].iter().cycle().take(pieces).copied().collect::<Vec<_>>().join(" ");
        assert_eq!(model.tokenize(&text).len(), pieces.min(model.max_pieces()));
        let runs = if pieces <= 32 { 300 } else { 40 };
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(model.embed(&text));
                start.elapsed()
            })
            .collect();
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("{pieces:>6}  {:>9.2}  {:>6.2}", ms(times[runs / 2]), ms(times[runs * 9 / 10]));
    }
    let passages: Vec<i8> = (0..17_000 * 384).map(|i: usize| (i.wrapping_mul(2_654_435_761) >> 7) as i8).collect();
    let question = Quantized::new(&model.embed("Are you closed on Sundays?"));
    let median = |f: &dyn Fn() -> i64| {
        let mut times: Vec<Duration> = (0..100)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect();
        times.sort();
        times[50].as_secs_f64() * 1000.0
    };
    let baseline = median(&|| passages.chunks_exact(384).map(|p| i64::from(dot_i8(p, &question.values))).sum());
    let dispatched = median(&|| dots_i8(&passages, &question.values).into_iter().map(i64::from).sum());
    println!("17,000 passages: {dispatched:.2} ms (the baseline build's instructions: {baseline:.2} ms)");
}
