//! Small dense symmetric solves (k × k, k about the number of covariates)
//! and the few matrix products of the per-variant fits.
//!
//! The matrices here are at most a few dozen wide, so a plain Cholesky in
//! row-major storage is faster than any general routine and allocates
//! nothing; the large products (n × m blocks) go through faer.

use faer::{Accum, MatMut, MatRef, Par};

/// Relative pivot below which a symmetric matrix counts as singular: a
/// column whose remaining weighted variance is under 10⁻¹⁰ of its own is a
/// linear combination of the earlier ones for any statistical purpose.
pub(crate) const PIVOT_TOLERANCE: f64 = 1e-10;

/// Lower Cholesky factor of the k × k row-major matrix `a`, in place (the
/// upper triangle is left as it was). `false` when a pivot is not positive
/// or falls under [`PIVOT_TOLERANCE`] of its diagonal entry.
pub(crate) fn cholesky(a: &mut [f64], k: usize) -> bool {
    for j in 0..k {
        let original = a[j * k + j];
        let mut d = original;
        for l in 0..j {
            d -= a[j * k + l] * a[j * k + l];
        }
        if !d.is_finite() || d <= 0.0 || d <= PIVOT_TOLERANCE * original.abs() {
            return false;
        }
        let ljj = d.sqrt();
        a[j * k + j] = ljj;
        for i in j + 1..k {
            let mut s = a[i * k + j];
            for l in 0..j {
                s -= a[i * k + l] * a[j * k + l];
            }
            a[i * k + j] = s / ljj;
        }
    }
    true
}

/// Solves L z = b in place with the leading `k` × `k` block of the factor
/// (stored with row stride `stride`).
pub(crate) fn forward(l: &[f64], stride: usize, k: usize, b: &mut [f64]) {
    for i in 0..k {
        let mut s = b[i];
        for j in 0..i {
            s -= l[i * stride + j] * b[j];
        }
        b[i] = s / l[i * stride + i];
    }
}

/// Solves Lᵀ x = z in place with the leading `k` × `k` block of the factor.
pub(crate) fn backward(l: &[f64], stride: usize, k: usize, b: &mut [f64]) {
    for i in (0..k).rev() {
        let mut s = b[i];
        for j in i + 1..k {
            s -= l[j * stride + i] * b[j];
        }
        b[i] = s / l[i * stride + i];
    }
}

/// Solves (L Lᵀ) x = b in place with the leading `k` × `k` block: the
/// leading block of a Cholesky factor is the factor of the leading block,
/// which is how a fit with its last coefficients held at zero reuses the
/// factor of the full information matrix.
pub(crate) fn solve(l: &[f64], stride: usize, k: usize, b: &mut [f64]) {
    forward(l, stride, k, b);
    backward(l, stride, k, b);
}

/// log det(L Lᵀ) of a k × k factor.
pub(crate) fn log_det(l: &[f64], k: usize) -> f64 {
    (0..k).map(|j| 2.0 * l[j * k + j].ln()).sum()
}

/// Xᵀ diag(w) X of a column-major n × k `x` into `out` (row-major k × k,
/// both triangles), four samples at a time where the CPU has AVX2.
pub(crate) fn weighted_gram(x: &[f64], n: usize, k: usize, w: &[f64], out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { weighted_gram_avx2(x, n, k, w, out) };
        clear_upper_vector_state();
        return;
    }
    weighted_gram_body(x, n, k, w, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn weighted_gram_avx2(x: &[f64], n: usize, k: usize, w: &[f64], out: &mut [f64]) {
    weighted_gram_body(x, n, k, w, out);
}

#[inline(always)]
fn weighted_gram_body(x: &[f64], n: usize, k: usize, w: &[f64], out: &mut [f64]) {
    for a in 0..k {
        let xa = &x[a * n..(a + 1) * n];
        for b in 0..=a {
            let xb = &x[b * n..(b + 1) * n];
            let s = dot3(xa, xb, w);
            out[a * k + b] = s;
            out[b * k + a] = s;
        }
    }
}

/// [`weighted_gram`] as one GEMM, (X√w)ᵀ(X√w), with `scratch` holding X√w:
/// the GEMM's kernel keeps a 12 × 4 tile of products in registers where
/// the pairwise dot products load three values per multiply-add, which
/// made the Gram matrix the largest cost of a Firth iteration. The weights
/// must not be negative (they are μ(1 − μ)).
pub(crate) fn weighted_gram_gemm(
    x: &[f64],
    n: usize,
    k: usize,
    w: &[f64],
    scratch: &mut Vec<f64>,
    out: &mut [f64],
) {
    scratch.clear();
    scratch.extend(w[..n].iter().map(|w| w.sqrt()));
    scratch.resize(n * (k + 1), 0.0);
    let (root, v) = scratch.split_at_mut(n);
    for (c, column) in v.chunks_exact_mut(n.max(1)).enumerate().take(k) {
        for ((d, &xi), &r) in column
            .iter_mut()
            .zip(&x[c * n..(c + 1) * n])
            .zip(root.iter())
        {
            *d = xi * r;
        }
    }
    let v = MatRef::from_column_major_slice(&v[..n * k], n, k);
    let dst = MatMut::from_column_major_slice_mut(&mut out[..k * k], k, k);
    gemm(dst, v.transpose(), v);
}

/// For every sample i, ‖L⁻¹ xᵢ‖² into `sums` (n values), where xᵢ is row
/// i of the column-major n × k `x` and `l` the row-major Cholesky factor
/// of a k × k matrix: the leverage of sample i under that matrix, before
/// its weight. `z` (n × k) is scratch.
///
/// Solved for all samples at once as one GEMM, Z = X L⁻ᵀ, with L⁻¹ from k
/// forward substitutions: sample by sample, this was two thirds of a Firth
/// fit.
pub(crate) fn leverage_sums(
    x: &[f64],
    n: usize,
    k: usize,
    l: &[f64],
    z: &mut [f64],
    sums: &mut [f64],
) {
    // Column c of L⁻¹ is L⁻¹ e_c; stored so that, read column-major, the
    // k × k matrix is L⁻ᵀ.
    let mut inverse = vec![0.0; k * k];
    for c in 0..k {
        let column = &mut inverse[c * k..(c + 1) * k];
        column[c] = 1.0;
        forward(l, k, k, column);
    }
    // inverse[c·k + r] = (L⁻¹)[r][c]: column-major, that is L⁻¹; its
    // transpose is what multiplies X.
    let factor = MatRef::from_column_major_slice(&inverse, k, k);
    let x = MatRef::from_column_major_slice(&x[..n * k], n, k);
    let mut zm = MatMut::from_column_major_slice_mut(&mut z[..n * k], n, k);
    gemm(zm.as_mut(), x, factor.transpose());
    let sums = &mut sums[..n];
    sums.fill(0.0);
    for column in z[..n * k].chunks_exact(n.max(1)) {
        for (s, &v) in sums.iter_mut().zip(column) {
            *s += v * v;
        }
    }
}

/// Σ aᵢ bᵢ.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    // Four independent sums, so that the additions pipeline.
    let mut acc = [0.0; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4
        .remainder()
        .iter()
        .zip(b4.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a4.zip(b4) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Σ aᵢ bᵢ cᵢ.
pub(crate) fn dot3(a: &[f64], b: &[f64], c: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (a4, b4, c4) = (a.chunks_exact(4), b.chunks_exact(4), c.chunks_exact(4));
    let tail: f64 = a4
        .remainder()
        .iter()
        .zip(b4.remainder())
        .zip(c4.remainder())
        .map(|((x, y), z)| x * y * z)
        .sum();
    for ((x, y), z) in a4.zip(b4).zip(c4) {
        for l in 0..4 {
            acc[l] += x[l] * y[l] * z[l];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// dst = lhs · rhs on one thread (the callers split work across threads
/// themselves, by variant).
pub(crate) fn gemm(dst: MatMut<'_, f64>, lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>) {
    faer::linalg::matmul::matmul(dst, Accum::Replace, lhs, rhs, 1.0, Par::Seq);
    clear_upper_vector_state();
}

/// faer's AVX kernels return with the upper halves of the vector registers
/// in use. Until a `vzeroupper`, every scalar SSE instruction that follows
/// (this crate's own loops, libm's `exp` and `log1p`) waits on them:
/// measured here, a Firth likelihood evaluation over 2,000 samples took
/// 1.5 ms after a GEMM and 65 µs without one.
#[inline]
fn clear_upper_vector_state() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX, checked just above.
        unsafe { zero_upper() }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn zero_upper() {
    std::arch::x86_64::_mm256_zeroupper();
}

/// The logistic function, written so that neither tail overflows.
#[inline]
pub(crate) fn sigmoid(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

/// Fitted probabilities μ = σ(η), weights μ(1 − μ) and the
/// log-likelihood Σ ln P(yᵢ) of 0/1 responses, from one exponential per
/// sample: the likelihoods are multiplied, and a logarithm taken only when
/// the running product nears the bottom of `f64`'s normal range (every few
/// hundred samples) — half the cost of a `log1p` per sample, which
/// dominated the Firth fits.
pub(crate) fn logistic_pass(eta: &[f64], y: &[f64], mu: &mut [f64], w: &mut [f64]) -> f64 {
    let mut loglik = 0.0;
    let mut product = 1.0;
    for i in 0..eta.len() {
        let e = (-eta[i].abs()).exp();
        // The larger of μ and 1 − μ, and the smaller, each to full
        // relative precision.
        let large = 1.0 / (1.0 + e);
        let small = e * large;
        let (m, complement) = if eta[i] >= 0.0 {
            (large, small)
        } else {
            (small, large)
        };
        mu[i] = m;
        w[i] = large * small;
        let p = if y[i] == 1.0 { m } else { complement };
        if p < 1e-100 {
            loglik += p.ln();
        } else {
            product *= p;
            if product < 1e-200 {
                loglik += product.ln();
                product = 1.0;
            }
        }
    }
    loglik + product.ln()
}

/// eˣ for x ≤ 0, without branches so that loops over it vectorise: the
/// Wald test's pass over n × m linear predictors is bound by `exp`.
/// x = k·ln 2 + r with |r| ≤ ½ ln 2, e^r by its Taylor polynomial to degree
/// 12 (truncation under 2·10⁻¹⁶ relative), 2ᵏ put in the exponent bits.
/// Arguments under −708 give e⁻⁷⁰⁸ (the caller only adds it to 1).
#[inline(always)]
fn exp_nonpositive(x: f64) -> f64 {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split so that k·LN2_HI is exact (fdlibm's constants).
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    // Adding and subtracting 1.5·2⁵² rounds to the nearest integer.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let x = x.max(-708.0);
    let k = (x * LOG2_E + ROUND) - ROUND;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 479_001_600.0;
    for d in [
        39_916_800.0,
        3_628_800.0,
        362_880.0,
        40_320.0,
        5_040.0,
        720.0,
        120.0,
        24.0,
        6.0,
        2.0,
        1.0,
        1.0,
    ] {
        p = p * r + 1.0 / d;
    }
    // k is an integer in [−1022, 0]: 2ᵏ from its biased exponent.
    let scale = f64::from_bits((((k as i64) + 1023) as u64) << 52);
    p * scale
}

/// The null fit's linear predictor `eta0` plus `eta` (X·Δβ, overwritten)
/// plus γ·g gives η; writes the weights μ(1 − μ) into `eta` and the
/// residuals y − μ into `residual`.
#[inline(always)]
fn weights_and_residuals_body(
    eta: &mut [f64],
    residual: &mut [f64],
    eta0: &[f64],
    y: &[f64],
    g: &[f64],
    gamma: f64,
) {
    let n = eta.len();
    let (residual, eta0, y, g) = (&mut residual[..n], &eta0[..n], &y[..n], &g[..n]);
    for i in 0..n {
        let e_ta = eta0[i] + eta[i] + gamma * g[i];
        let e = exp_nonpositive(-e_ta.abs());
        let large = 1.0 / (1.0 + e);
        let small = e * large;
        let mu = if e_ta >= 0.0 { large } else { small };
        eta[i] = large * small;
        residual[i] = y[i] - mu;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn weights_and_residuals_avx2(
    eta: &mut [f64],
    residual: &mut [f64],
    eta0: &[f64],
    y: &[f64],
    g: &[f64],
    gamma: f64,
) {
    weights_and_residuals_body(eta, residual, eta0, y, g, gamma);
}

/// See [`weights_and_residuals_body`]; four samples at a time where the
/// CPU has AVX2.
pub(crate) fn weights_and_residuals(
    eta: &mut [f64],
    residual: &mut [f64],
    eta0: &[f64],
    y: &[f64],
    g: &[f64],
    gamma: f64,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports AVX2 and FMA, checked just above.
        unsafe { weights_and_residuals_avx2(eta, residual, eta0, y, g, gamma) };
        clear_upper_vector_state();
        return;
    }
    weights_and_residuals_body(eta, residual, eta0, y, g, gamma);
}

/// The logistic function and log(1 + e^η) from one exponential.
#[inline]
pub(crate) fn sigmoid_softplus(eta: f64) -> (f64, f64) {
    let e = (-eta.abs()).exp();
    let mu = if eta >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    };
    (mu, eta.max(0.0) + e.ln_1p())
}

/// log(1 + eᵗ) without overflow: the log-likelihood of one sample is
/// y·η − softplus(η), which stays finite where log μ would be −∞.
#[inline]
pub(crate) fn softplus(eta: f64) -> f64 {
    eta.max(0.0) + (-eta.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fused_pass_matches_the_per_sample_formulas() {
        let eta: Vec<f64> = (0..3000).map(|i| (i as f64 - 1500.0) * 0.37).collect();
        let y: Vec<f64> = (0..3000).map(|i| ((i * 7) % 3 == 0) as u8 as f64).collect();
        let (mut mu, mut w) = (vec![0.0; 3000], vec![0.0; 3000]);
        let fused = logistic_pass(&eta, &y, &mut mu, &mut w);
        let direct: f64 = eta.iter().zip(&y).map(|(&e, &t)| t * e - softplus(e)).sum();
        assert!(
            (fused - direct).abs() <= 1e-12 * direct.abs(),
            "{fused} {direct}"
        );
        for i in 0..3000 {
            let m = sigmoid(eta[i]);
            assert!((mu[i] - m).abs() <= 1e-15 * m.max(1e-300) + f64::MIN_POSITIVE);
            // μ(1 − μ) as σ(η)·σ(−η): 1 − μ itself loses digits near μ = 1.
            let exact = m * sigmoid(-eta[i]);
            assert!((w[i] - exact).abs() <= 1e-14 * exact + f64::MIN_POSITIVE);
        }
    }

    #[test]
    fn the_branch_free_exponential_is_accurate_to_a_few_ulps() {
        for i in 0..=190_000 {
            let x = -(i as f64) * 0.0037; // down to −703
            let (got, want) = (exp_nonpositive(x), x.exp());
            assert!(
                (got - want).abs() <= 4.0 * f64::EPSILON * want,
                "{x}: {got} vs {want}"
            );
        }
        assert!(exp_nonpositive(-1e6) > 0.0 && exp_nonpositive(-1e6) < 1e-300);
        let (mut w, mut r) = (vec![0.25, -3.0, 40.0, -800.0, 0.0], vec![0.0; 5]);
        let eta0 = [0.1, 0.2, 0.3, 0.4, 0.5];
        let y = [1.0, 0.0, 1.0, 0.0, 1.0];
        let g = [0.0, 1.0, 2.0, 1.0, 0.0];
        let expected: Vec<(f64, f64)> = (0..5)
            .map(|i| {
                let eta = eta0[i] + w[i] + 0.7 * g[i];
                let mu = sigmoid(eta);
                (mu * sigmoid(-eta), y[i] - mu)
            })
            .collect();
        weights_and_residuals(&mut w, &mut r, &eta0, &y, &g, 0.7);
        for i in 0..5 {
            // Beyond e⁻⁷⁰⁸ the weight is ~10⁻³⁰⁸ instead of 0.
            assert!((w[i] - expected[i].0).abs() <= 1e-14 * expected[i].0 + 1e-300);
            assert!((r[i] - expected[i].1).abs() <= 1e-15);
        }
    }

    #[test]
    fn cholesky_solves_a_small_system_and_rejects_a_singular_one() {
        let mut a = vec![4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
        let a0 = a.clone();
        assert!(cholesky(&mut a, 3));
        let mut x = vec![1.0, 2.0, 3.0];
        solve(&a, 3, 3, &mut x);
        for i in 0..3 {
            let r: f64 = (0..3).map(|j| a0[i * 3 + j] * x[j]).sum();
            assert!((r - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        let mut s = vec![1.0, 2.0, 2.0, 4.0];
        assert!(!cholesky(&mut s, 2));
    }
}
