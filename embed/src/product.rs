//! The encoder's dense layers, `y = x W^T + b`, with the weights packed once, at load.
//!
//! A general matrix product (matrixmultiply, which ndarray calls) copies both operands
//! into blocks before multiplying. With the few rows a question has (its word pieces),
//! copying the weights, 42 MB for all-MiniLM-L6-v2, cost more than the arithmetic
//! (docs/benchmarks.md). Here the weights are laid out once, when the model loads, in
//! panels of two vectors' width: for each input dimension, the weights of that many
//! consecutive outputs side by side. A product then streams each panel once: for four
//! input rows at a time, each input value is broadcast and multiplied into the panel's
//! two vectors, eight sums in registers. `pulp` picks the widest vectors the processor
//! has when the server runs (AVX2 with FMA on x86-64, NEON on ARM); where it has none,
//! the weights stay as they are and ndarray multiplies them.

use pulp::{bytemuck, Arch, Simd, WithSimd};

/// Input rows multiplied together.
const INPUTS: usize = 4;

/// Weights laid out for [`Packed::apply`].
pub(crate) struct Packed {
    panels: Vec<f32>,
    /// Outputs in a panel: two vectors' lanes.
    width: usize,
    inputs: usize,
    arch: Arch,
}

impl Packed {
    /// Packs `w` (`outputs` rows of `inputs`, row-major), or `None` when this processor
    /// has no vector unit pulp knows.
    pub(crate) fn new(arch: Arch, w: &[f32], outputs: usize, inputs: usize) -> Option<Self> {
        let lanes = arch.dispatch(Lanes);
        if lanes == 1 || w.len() != outputs * inputs {
            return None;
        }
        let width = 2 * lanes;
        let count = outputs.div_ceil(width);
        let mut panels = vec![0.0; count * inputs * width];
        for (p, panel) in panels.chunks_exact_mut(inputs * width).enumerate() {
            for (i, at) in panel.chunks_exact_mut(width).enumerate() {
                for (c, v) in at.iter_mut().enumerate() {
                    if let Some(row) = w.get((p * width + c) * inputs..(p * width + c + 1) * inputs) {
                        *v = row[i];
                    }
                }
            }
        }
        Some(Self { panels, width, inputs, arch })
    }

    /// `y = x W^T + b`: `x` is rows of `inputs`, `y` the same number of rows of
    /// `b.len()` outputs.
    pub(crate) fn apply(&self, x: &[f32], b: &[f32], y: &mut [f32]) {
        let k = self.inputs;
        assert!(x.len() % k == 0 && y.len() == x.len() / k * b.len() && b.len().div_ceil(self.width) * k * self.width == self.panels.len(), "shapes");
        self.arch.dispatch(Product { packed: self, x, b, y });
    }
}

struct Lanes;

impl WithSimd for Lanes {
    type Output = usize;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> usize {
        S::F32_LANES
    }
}

struct Product<'a> {
    packed: &'a Packed,
    x: &'a [f32],
    b: &'a [f32],
    y: &'a mut [f32],
}

impl WithSimd for Product<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Product { packed, x, b, y } = self;
        let (k, width) = (packed.inputs, packed.width);
        assert_eq!(width, 2 * S::F32_LANES, "packed for this processor");
        let (n, m) = (x.len() / k, b.len());
        for (p, panel) in packed.panels.chunks_exact(k * width).enumerate() {
            let panel = S::as_simd_f32s(panel).0;
            let o = p * width;
            let mut t = 0;
            while t < n {
                let at = Tile { x, k, b, m, o, t };
                t += match n - t {
                    INPUTS.. => tile::<S, INPUTS>(simd, panel, at, y),
                    2 | 3 => tile::<S, 2>(simd, panel, at, y),
                    _ => tile::<S, 1>(simd, panel, at, y),
                };
            }
        }
    }
}

/// Where a tile is: input rows from `t`, outputs from `o` (of `m`).
#[derive(Clone, Copy)]
struct Tile<'a> {
    x: &'a [f32],
    k: usize,
    b: &'a [f32],
    m: usize,
    o: usize,
    t: usize,
}

/// Input rows `t..t + T` times one panel (`k` pairs of vectors), plus the bias, into `y`.
/// Returns `T`.
#[inline(always)]
fn tile<S: Simd, const T: usize>(simd: S, panel: &[S::f32s], at: Tile<'_>, y: &mut [f32]) -> usize {
    let Tile { x, k, b, m, o, t } = at;
    let rows: [&[f32]; T] = std::array::from_fn(|j| &x[(t + j) * k..(t + j + 1) * k]);
    assert_eq!(panel.len(), 2 * k);
    let zero = simd.splat_f32s(0.0);
    let mut acc = [[zero; 2]; T];
    for i in 0..k {
        let (w0, w1) = (panel[2 * i], panel[2 * i + 1]);
        for j in 0..T {
            let v = simd.splat_f32s(rows[j][i]);
            acc[j][0] = simd.mul_add_e_f32s(w0, v, acc[j][0]);
            acc[j][1] = simd.mul_add_e_f32s(w1, v, acc[j][1]);
        }
    }
    let cols = (m - o).min(2 * S::F32_LANES);
    for (j, sums) in acc.iter().enumerate() {
        let sums: &[f32] = bytemuck::cast_slice(sums);
        let out = &mut y[(t + j) * m + o..][..cols];
        for ((out, s), bias) in out.iter_mut().zip(sums).zip(&b[o..]) {
            *out = s + bias;
        }
    }
    T
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the plain sum, for shapes that exercise every remainder: outputs not a
    /// multiple of the panel width, input rows not a multiple of four.
    #[test]
    fn matches_the_plain_product() {
        let arch = Arch::new();
        for (n, k, m) in [(1, 3, 1), (2, 17, 5), (3, 384, 16), (7, 40, 9), (10, 64, 37), (13, 384, 48)] {
            let x: Vec<f32> = (0..n * k).map(|i| ((i * 7 % 23) as f32 - 11.0) / 10.0).collect();
            let w: Vec<f32> = (0..m * k).map(|i| ((i * 5 % 19) as f32 - 9.0) / 10.0).collect();
            let b: Vec<f32> = (0..m).map(|i| i as f32).collect();
            let Some(packed) = Packed::new(arch, &w, m, k) else {
                return; // no vector unit here: the encoder uses ndarray
            };
            let mut y = vec![f32::NAN; n * m];
            packed.apply(&x, &b, &mut y);
            for t in 0..n {
                for o in 0..m {
                    let want: f32 = (0..k).map(|i| x[t * k + i] * w[o * k + i]).sum::<f32>() + b[o];
                    assert!((y[t * m + o] - want).abs() < 1e-3 * want.abs().max(1.0), "{n}x{k}x{m} [{t},{o}]: {} vs {want}", y[t * m + o]);
                }
            }
        }
    }
}
