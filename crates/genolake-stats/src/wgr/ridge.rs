//! Ridge solves and cross-validated ridge predictions, the linear algebra
//! under both levels of the whole-genome regression.
//!
//! Everything here works on normal equations built with matrix products
//! (faer's GEMM), so the cost of a block is one `XᵀX` over all samples plus
//! small `m × m` factorisations, whatever the number of phenotypes.

use std::ops::Range;

use faer::linalg::matmul::matmul;
use faer::linalg::solvers::Solve;
use faer::prelude::*;
use faer::{Accum, Mat, MatRef, Side};

use crate::{Error, Result};

/// How the samples are split for cross-validation: consecutive runs of
/// samples, in the order the caller gives them, as REGENIE assigns its
/// folds.
///
/// # Examples
///
/// ```
/// use genolake_stats::wgr::Folds;
///
/// // REGENIE's sizes: n / K in every fold, the remainder in the last.
/// let folds = Folds::contiguous(11, 5)?;
/// assert_eq!(folds.len(), 5);
/// assert_eq!(folds.range(0), 0..2);
/// assert_eq!(folds.range(4), 8..11);
/// # Ok::<(), genolake_stats::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folds {
    /// `len() + 1` ascending boundaries, from 0 to the number of samples.
    bounds: Vec<usize>,
}

impl Folds {
    /// `k` consecutive folds over `n` samples: `n / k` samples in each, the
    /// remainder added to the last (REGENIE's `cv_sizes`).
    pub fn contiguous(n: usize, k: usize) -> Result<Self> {
        if k < 2 {
            return Err(Error::Wgr(format!(
                "cross-validation needs at least 2 folds, not {k}"
            )));
        }
        if n < 2 * k {
            return Err(Error::Wgr(format!(
                "{n} samples are too few for {k}-fold cross-validation (at least {} needed)",
                2 * k
            )));
        }
        let size = n / k;
        let mut bounds: Vec<usize> = (0..k).map(|i| i * size).collect();
        bounds.push(n);
        Ok(Self { bounds })
    }

    /// Folds of the given sizes, in order.
    pub fn from_sizes(sizes: &[usize]) -> Result<Self> {
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(Error::Wgr(format!(
                "cross-validation needs at least 2 non-empty folds, got sizes {sizes:?}"
            )));
        }
        let mut bounds = Vec::with_capacity(sizes.len() + 1);
        bounds.push(0);
        for size in sizes {
            bounds.push(bounds[bounds.len() - 1] + size);
        }
        Ok(Self { bounds })
    }

    /// Number of folds.
    pub fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    /// Always false: there are at least two folds.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of samples over all folds.
    pub fn samples(&self) -> usize {
        self.bounds[self.bounds.len() - 1]
    }

    /// The samples of fold `i`.
    pub fn range(&self, i: usize) -> Range<usize> {
        self.bounds[i]..self.bounds[i + 1]
    }
}

/// `XᵀY` with faer's parallel GEMM.
pub(crate) fn cross(x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::<f64>::zeros(x.ncols(), y.ncols());
    matmul(
        out.as_mut(),
        Accum::Replace,
        x.transpose(),
        y,
        1.0,
        faer::get_global_parallelism(),
    );
    out
}

/// `X B` with faer's parallel GEMM.
pub(crate) fn product(x: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::<f64>::zeros(x.nrows(), b.ncols());
    matmul(
        out.as_mut(),
        Accum::Replace,
        x,
        b,
        1.0,
        faer::get_global_parallelism(),
    );
    out
}

/// Solves `(XᵀX + αI) B = XᵀY` by Cholesky.
///
/// `xtx` must be symmetric positive semi-definite and `alpha > 0`, which
/// makes the system positive definite; a failed factorisation (non-finite
/// input) is an error, never a NaN result.
///
/// # Examples
///
/// ```
/// use faer::mat;
/// use genolake_stats::wgr::ridge_solve;
///
/// let xtx = mat![[2.0, 0.0], [0.0, 4.0]];
/// let xty = mat![[2.0], [4.0]];
/// let b = ridge_solve(xtx.as_ref(), xty.as_ref(), 2.0)?;
/// assert!((b[(0, 0)] - 0.5).abs() < 1e-12);
/// assert!((b[(1, 0)] - 2.0 / 3.0).abs() < 1e-12);
/// # Ok::<(), genolake_stats::Error>(())
/// ```
pub fn ridge_solve(xtx: MatRef<'_, f64>, xty: MatRef<'_, f64>, alpha: f64) -> Result<Mat<f64>> {
    if xtx.nrows() != xtx.ncols() || xty.nrows() != xtx.nrows() {
        return Err(Error::Wgr(format!(
            "ridge normal equations of shapes {}×{} and {}×{} do not fit",
            xtx.nrows(),
            xtx.ncols(),
            xty.nrows(),
            xty.ncols()
        )));
    }
    if !(alpha > 0.0 && alpha.is_finite()) {
        return Err(Error::Wgr(format!(
            "a ridge penalty must be positive and finite, not {alpha}"
        )));
    }
    let mut a = xtx.to_owned();
    for i in 0..a.nrows() {
        a[(i, i)] += alpha;
    }
    let llt = a.llt(Side::Lower).map_err(|_| {
        Error::Wgr("a ridge system is not positive definite (non-finite values?)".into())
    })?;
    let b = llt.solve(xty);
    check_finite(b.as_ref(), "ridge coefficients")?;
    Ok(b)
}

pub(crate) fn check_finite(m: MatRef<'_, f64>, what: &str) -> Result<()> {
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            if !m[(i, j)].is_finite() {
                return Err(Error::Wgr(format!(
                    "{what} are not finite: the input holds values too large or NaN"
                )));
            }
        }
    }
    Ok(())
}

/// Out-of-fold ridge predictions of every column of `y` from `x`, for each
/// penalty in `alphas`.
///
/// For fold `k` the model is fitted on the other folds, `(XᵀX − X_kᵀX_k +
/// αI)⁻¹ (XᵀY − X_kᵀY_k)`, and applied to the samples of fold `k`. The
/// result is `n × (alphas.len() × y.ncols())`, column `a × p + j` holding
/// penalty `a` and phenotype `j` (GloWGR's order of `alpha_a_label_j`).
/// This is level 0 of the whole-genome regression on one block.
pub fn kfold_ridge_predictions(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    folds: &Folds,
    alphas: &[f64],
) -> Result<Mat<f64>> {
    let n = x.nrows();
    if y.nrows() != n || folds.samples() != n {
        return Err(Error::Wgr(format!(
            "{} genotype rows, {} phenotype rows and {} samples in the folds differ",
            n,
            y.nrows(),
            folds.samples()
        )));
    }
    let p = y.ncols();
    let fold_xtx: Vec<Mat<f64>> = (0..folds.len())
        .map(|k| {
            let r = folds.range(k);
            cross(x.subrows(r.start, r.len()), x.subrows(r.start, r.len()))
        })
        .collect();
    let fold_xty: Vec<Mat<f64>> = (0..folds.len())
        .map(|k| {
            let r = folds.range(k);
            cross(x.subrows(r.start, r.len()), y.subrows(r.start, r.len()))
        })
        .collect();
    let mut xtx = Mat::<f64>::zeros(x.ncols(), x.ncols());
    let mut xty = Mat::<f64>::zeros(x.ncols(), p);
    for k in 0..folds.len() {
        xtx += &fold_xtx[k];
        xty += &fold_xty[k];
    }
    let mut out = Mat::<f64>::zeros(n, alphas.len() * p);
    for k in 0..folds.len() {
        let r = folds.range(k);
        let train_xtx = &xtx - &fold_xtx[k];
        let train_xty = &xty - &fold_xty[k];
        for (a, &alpha) in alphas.iter().enumerate() {
            let b = ridge_solve(train_xtx.as_ref(), train_xty.as_ref(), alpha)?;
            let pred = product(x.subrows(r.start, r.len()), b.as_ref());
            out.as_mut()
                .submatrix_mut(r.start, a * p, r.len(), p)
                .copy_from(&pred);
        }
    }
    Ok(out)
}

/// Leave-one-out ridge predictions, exactly, from one eigendecomposition
/// of `XᵀX` (REGENIE's `ridge_level_0_loocv`).
///
/// With `H = X(XᵀX + αI)⁻¹Xᵀ`, the prediction of sample `i` by the model
/// fitted without it is `(ŷᵢ − hᵢᵢ yᵢ) / (1 − hᵢᵢ)`. Same layout as
/// [`kfold_ridge_predictions`].
pub fn loocv_ridge_predictions(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    alphas: &[f64],
) -> Result<Mat<f64>> {
    let n = x.nrows();
    if y.nrows() != n {
        return Err(Error::Wgr(format!(
            "{} genotype rows and {} phenotype rows differ",
            n,
            y.nrows()
        )));
    }
    for &alpha in alphas {
        if !(alpha > 0.0 && alpha.is_finite()) {
            return Err(Error::Wgr(format!(
                "a ridge penalty must be positive and finite, not {alpha}"
            )));
        }
    }
    let p = y.ncols();
    let m = x.ncols();
    let xtx = cross(x, x);
    let eig = xtx.self_adjoint_eigen(Side::Lower).map_err(|_| {
        Error::Wgr("the eigendecomposition of a block's XᵀX did not converge".into())
    })?;
    let v = eig.U();
    let d = eig.S().column_vector();
    // Z = X V: each sample's coordinates in the eigenbasis.
    let z = product(x, v);
    let w = cross(z.as_ref(), y);
    let z2 = Mat::<f64>::from_fn(n, m, |i, j| z[(i, j)] * z[(i, j)]);
    let mut out = Mat::<f64>::zeros(n, alphas.len() * p);
    for (a, &alpha) in alphas.iter().enumerate() {
        let inv = Mat::<f64>::from_fn(m, 1, |j, _| 1.0 / (d[j].max(0.0) + alpha));
        let scaled_w = Mat::<f64>::from_fn(m, p, |j, c| w[(j, c)] * inv[(j, 0)]);
        let fitted = product(z.as_ref(), scaled_w.as_ref());
        let h = product(z2.as_ref(), inv.as_ref());
        for i in 0..n {
            let hi = h[(i, 0)];
            if hi >= 1.0 - 1e-12 {
                return Err(Error::Wgr(
                    "a sample's leave-one-out leverage is 1: too few samples for the block size"
                        .into(),
                ));
            }
            for c in 0..p {
                out[(i, a * p + c)] = (fitted[(i, c)] - hi * y[(i, c)]) / (1.0 - hi);
            }
        }
    }
    check_finite(out.as_ref(), "leave-one-out predictions")?;
    Ok(out)
}

/// Centres each column and scales it to unit sample variance (`n − 1`), in
/// place; columns with no variance are set to zero. Returns the means and
/// standard deviations (zero for the constant columns).
pub fn standardize_columns(mut x: faer::MatMut<'_, f64>) -> (Vec<f64>, Vec<f64>) {
    let n = x.nrows();
    let mut means = Vec::with_capacity(x.ncols());
    let mut sds = Vec::with_capacity(x.ncols());
    for j in 0..x.ncols() {
        let col = x.rb_mut().col_mut(j);
        let mean = col.rb().iter().sum::<f64>() / n as f64;
        let ss: f64 = col.rb().iter().map(|v| (v - mean) * (v - mean)).sum();
        let sd = (ss / (n as f64 - 1.0)).sqrt();
        let keep = sd > 1e-12 * (1.0 + mean.abs()) && sd.is_finite();
        for v in col.iter_mut() {
            *v = if keep { (*v - mean) / sd } else { 0.0 };
        }
        means.push(mean);
        sds.push(if keep { sd } else { 0.0 });
    }
    (means, sds)
}
