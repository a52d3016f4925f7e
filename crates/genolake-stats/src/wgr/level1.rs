//! Level 1: one ridge (quantitative trait) or logistic ridge (binary trait)
//! per phenotype on the level-0 predictions, its penalty chosen by
//! cross-validation, and the out-of-fold models kept so that
//! leave-one-chromosome-out predictions can drop any set of columns.

use faer::linalg::solvers::Solve;
use faer::{Mat, MatRef, Side};

use super::ridge::{Folds, check_finite, cross, product, ridge_solve};
use crate::{Error, Result};

/// How level 1 is cross-validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// Consecutive folds of samples.
    Folds(Folds),
    /// Leave one sample out: exact for ridge, one Newton step from the
    /// full fit for logistic ridge (as REGENIE's `--loocv`).
    LeaveOneOut,
}

/// The score that picks the penalty of a linear level-1 model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    /// GloWGR: the mean over folds of each fold's R² (`1 − SSres/SStot`
    /// with the fold's own mean); the highest wins.
    MeanFoldR2,
    /// REGENIE: the mean squared error of all out-of-fold predictions; the
    /// lowest wins.
    PooledMse,
}

#[derive(Debug, Clone)]
enum Model {
    /// One coefficient vector per fold (`q × K`), fitted without that fold.
    Folds { folds: Folds, betas: Mat<f64> },
    /// The full fit and, per sample, the rank-one correction that removes
    /// it: `β₋ᵢ = β − cᵢ uᵢ`.
    LeaveOneOut {
        beta: Vec<f64>,
        u: Mat<f64>,
        c: Vec<f64>,
    },
}

/// A cross-validated level-1 model of one phenotype.
///
/// # Examples
///
/// ```
/// use faer::Mat;
/// use genolake_stats::wgr::{Criterion, Folds, Level1Fit, Scheme};
///
/// // y follows the first column; the second is noise.
/// let n = 40;
/// let x = Mat::<f64>::from_fn(n, 2, |i, j| if j == 0 { (i as f64 - 20.0) / 10.0 } else { ((i * 7) % 5) as f64 - 2.0 });
/// let y: Vec<f64> = (0..n).map(|i| x[(i, 0)]).collect();
/// let fit = Level1Fit::ridge(x.as_ref(), &y, &Scheme::Folds(Folds::contiguous(n, 4)?), &[0.01, 100.0], Criterion::PooledMse)?;
/// assert_eq!(fit.best_alpha(), 0.01);
/// let pred = fit.predict(x.as_ref(), &[true, true]);
/// assert!((pred[10] - y[10]).abs() < 0.05);
/// # Ok::<(), genolake_stats::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Level1Fit {
    alphas: Vec<f64>,
    scores: Vec<f64>,
    best: usize,
    model: Model,
}

impl Level1Fit {
    /// The penalties tried, in the order given.
    pub fn alphas(&self) -> &[f64] {
        &self.alphas
    }

    /// The cross-validation score of each penalty: mean fold R² or pooled
    /// MSE ([`Criterion`]) for ridge, minus the out-of-fold log-likelihood
    /// per sample for logistic ridge.
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// Index of the chosen penalty.
    pub fn best(&self) -> usize {
        self.best
    }

    /// The chosen penalty.
    pub fn best_alpha(&self) -> f64 {
        self.alphas[self.best]
    }

    /// Out-of-fold predictions (on the linear-predictor scale, without any
    /// offset) of every sample from the columns of `x` marked in `keep`:
    /// sample `i` of fold `k` gets `Σⱼ keepⱼ xᵢⱼ βⱼ₍ₖ₎`. `x` must be the
    /// matrix the model was fitted on; dropping a chromosome's columns
    /// gives its LOCO prediction.
    pub fn predict(&self, x: MatRef<'_, f64>, keep: &[bool]) -> Vec<f64> {
        let n = x.nrows();
        let mut out = vec![0.0; n];
        match &self.model {
            Model::Folds { folds, betas } => {
                for k in 0..folds.len() {
                    for i in folds.range(k) {
                        out[i] = (0..x.ncols())
                            .filter(|&j| keep[j])
                            .map(|j| x[(i, j)] * betas[(j, k)])
                            .sum();
                    }
                }
            }
            Model::LeaveOneOut { beta, u, c } => {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = (0..x.ncols())
                        .filter(|&j| keep[j])
                        .map(|j| x[(i, j)] * (beta[j] - c[i] * u[(i, j)]))
                        .sum();
                }
            }
        }
        out
    }

    /// Ridge regression of `y` on `x` (no intercept: both are expected
    /// centred), cross-validated over `alphas`.
    pub fn ridge(
        x: MatRef<'_, f64>,
        y: &[f64],
        scheme: &Scheme,
        alphas: &[f64],
        criterion: Criterion,
    ) -> Result<Self> {
        check_inputs(x, y, alphas)?;
        let n = x.nrows();
        let ym = MatRef::from_column_major_slice(y, n, 1);
        match scheme {
            Scheme::Folds(folds) => {
                if folds.samples() != n {
                    return Err(Error::Wgr(format!(
                        "folds over {} samples for {n} samples",
                        folds.samples()
                    )));
                }
                let k_folds = folds.len();
                let solver = FoldSolver::new(x, ym, folds);
                let mut all_betas = Vec::with_capacity(alphas.len());
                let mut scores = Vec::with_capacity(alphas.len());
                for &alpha in alphas {
                    let mut betas = Mat::<f64>::zeros(x.ncols(), k_folds);
                    let mut r2_sum = 0.0;
                    let mut sse = 0.0;
                    for k in 0..k_folds {
                        let r = folds.range(k);
                        let b = solver.beta(x, ym, folds, k, alpha)?;
                        betas.as_mut().col_mut(k).copy_from(b.col(0));
                        let pred = product(x.subrows(r.start, r.len()), b.as_ref());
                        let yk = &y[r.clone()];
                        let mean = yk.iter().sum::<f64>() / yk.len() as f64;
                        let tot: f64 = yk.iter().map(|v| (v - mean) * (v - mean)).sum();
                        let res: f64 = yk
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (v - pred[(i, 0)]).powi(2))
                            .sum();
                        r2_sum += 1.0 - res / tot;
                        sse += res;
                    }
                    scores.push(match criterion {
                        Criterion::MeanFoldR2 => r2_sum / k_folds as f64,
                        Criterion::PooledMse => sse / n as f64,
                    });
                    all_betas.push(betas);
                }
                let best = pick(&scores, criterion == Criterion::MeanFoldR2)?;
                let betas = all_betas.swap_remove(best);
                Ok(Self {
                    alphas: alphas.to_vec(),
                    scores,
                    best,
                    model: Model::Folds {
                        folds: folds.clone(),
                        betas,
                    },
                })
            }
            Scheme::LeaveOneOut => {
                let q = x.ncols();
                let xtx = cross(x, x);
                let eig = xtx.self_adjoint_eigen(Side::Lower).map_err(|_| {
                    Error::Wgr("the eigendecomposition of the level-1 XᵀX did not converge".into())
                })?;
                let v = eig.U();
                let d = eig.S().column_vector();
                let z = product(x, v);
                let w = cross(z.as_ref(), ym);
                let mut scores = Vec::with_capacity(alphas.len());
                for &alpha in alphas {
                    let mut sse = 0.0;
                    let mut r2_parts = (0.0, 0.0);
                    let mean = y.iter().sum::<f64>() / n as f64;
                    for (i, &yi) in y.iter().enumerate() {
                        let (fit, h) = loo_parts(z.as_ref(), w.as_ref(), d, alpha, i);
                        let pred = (fit - h * yi) / (1.0 - h);
                        sse += (yi - pred).powi(2);
                        r2_parts.0 += (yi - pred).powi(2);
                        r2_parts.1 += (yi - mean).powi(2);
                    }
                    scores.push(match criterion {
                        Criterion::MeanFoldR2 => 1.0 - r2_parts.0 / r2_parts.1,
                        Criterion::PooledMse => sse / n as f64,
                    });
                }
                let best = pick(&scores, criterion == Criterion::MeanFoldR2)?;
                let alpha = alphas[best];
                // U = X A⁻¹ = Z D⁻¹ Vᵀ; β = V D⁻¹ Vᵀ Xᵀ y.
                let zd = Mat::<f64>::from_fn(n, q, |i, j| z[(i, j)] / (d[j].max(0.0) + alpha));
                let u = product(zd.as_ref(), v.transpose());
                let wd = Mat::<f64>::from_fn(q, 1, |j, _| w[(j, 0)] / (d[j].max(0.0) + alpha));
                let beta_m = product(v, wd.as_ref());
                let beta: Vec<f64> = (0..q).map(|j| beta_m[(j, 0)]).collect();
                let mut c = Vec::with_capacity(n);
                for (i, &yi) in y.iter().enumerate() {
                    let (fit, h) = loo_parts(z.as_ref(), w.as_ref(), d, alpha, i);
                    c.push((yi - fit) / (1.0 - h));
                }
                check_finite(u.as_ref(), "leave-one-out level-1 corrections")?;
                Ok(Self {
                    alphas: alphas.to_vec(),
                    scores,
                    best,
                    model: Model::LeaveOneOut { beta, u, c },
                })
            }
        }
    }

    /// Logistic ridge regression of the 0/1 `y` on `x` with a fixed
    /// per-sample `offset` (the covariates' null-model linear predictor),
    /// cross-validated over `alphas`: the penalty with the smallest
    /// out-of-fold `−log L / n` wins (REGENIE's level 1 for binary traits).
    pub fn logistic(
        x: MatRef<'_, f64>,
        y: &[f64],
        offset: &[f64],
        scheme: &Scheme,
        alphas: &[f64],
    ) -> Result<Self> {
        check_inputs(x, y, alphas)?;
        let n = x.nrows();
        let q = x.ncols();
        if offset.len() != n || offset.iter().any(|v| !v.is_finite()) {
            return Err(Error::Wgr(format!(
                "the offset must hold {n} finite values"
            )));
        }
        if y.iter().any(|&v| v != 0.0 && v != 1.0) {
            return Err(Error::Wgr(
                "a binary phenotype holds values other than 0 and 1".into(),
            ));
        }
        match scheme {
            Scheme::Folds(folds) => {
                if folds.samples() != n {
                    return Err(Error::Wgr(format!(
                        "folds over {} samples for {n} samples",
                        folds.samples()
                    )));
                }
                let k_folds = folds.len();
                let mut all_betas: Vec<Mat<f64>> = vec![Mat::zeros(q, k_folds); alphas.len()];
                let mut nll = vec![0.0; alphas.len()];
                for k in 0..k_folds {
                    let r = folds.range(k);
                    let train: Vec<usize> = (0..n).filter(|i| !r.contains(i)).collect();
                    let xt = Mat::<f64>::from_fn(train.len(), q, |i, j| x[(train[i], j)]);
                    let yt: Vec<f64> = train.iter().map(|&i| y[i]).collect();
                    let ot: Vec<f64> = train.iter().map(|&i| offset[i]).collect();
                    let mut start = vec![0.0; q];
                    for (a, &alpha) in alphas.iter().enumerate() {
                        let fit = irls(xt.as_ref(), &yt, &ot, alpha, &start)?;
                        for i in r.clone() {
                            let eta =
                                offset[i] + (0..q).map(|j| x[(i, j)] * fit.beta[j]).sum::<f64>();
                            nll[a] += neg_log_lik(y[i], eta);
                        }
                        for j in 0..q {
                            all_betas[a][(j, k)] = fit.beta[j];
                        }
                        start = fit.beta;
                    }
                }
                let scores: Vec<f64> = nll.iter().map(|v| v / n as f64).collect();
                let best = pick(&scores, false)?;
                let betas = all_betas.swap_remove(best);
                Ok(Self {
                    alphas: alphas.to_vec(),
                    scores,
                    best,
                    model: Model::Folds {
                        folds: folds.clone(),
                        betas,
                    },
                })
            }
            Scheme::LeaveOneOut => {
                let mut start = vec![0.0; q];
                let mut fits = Vec::with_capacity(alphas.len());
                let mut scores = Vec::with_capacity(alphas.len());
                for &alpha in alphas {
                    let fit = irls(x, y, offset, alpha, &start)?;
                    let (u, c) = logistic_loo(x, y, offset, &fit, alpha)?;
                    let mut nll = 0.0;
                    for i in 0..n {
                        let eta = offset[i]
                            + (0..q)
                                .map(|j| x[(i, j)] * (fit.beta[j] - c[i] * u[(i, j)]))
                                .sum::<f64>();
                        nll += neg_log_lik(y[i], eta);
                    }
                    scores.push(nll / n as f64);
                    start = fit.beta.clone();
                    fits.push((fit.beta, u, c));
                }
                let best = pick(&scores, false)?;
                let (beta, u, c) = fits.swap_remove(best);
                Ok(Self {
                    alphas: alphas.to_vec(),
                    scores,
                    best,
                    model: Model::LeaveOneOut { beta, u, c },
                })
            }
        }
    }
}

/// The ridge fits without each fold, in the primal (`q × q` systems) or,
/// when there are more predictors than training samples, the dual form
/// (`(XₜXₜᵀ + αI)⁻¹yₜ`, then `β = Xₜᵀ·that`), whichever is smaller.
enum FoldSolver {
    Primal {
        xtx: Mat<f64>,
        xty: Mat<f64>,
        fold_xtx: Vec<Mat<f64>>,
        fold_xty: Vec<Mat<f64>>,
    },
    Dual {
        kernel: Mat<f64>,
    },
}

impl FoldSolver {
    fn new(x: MatRef<'_, f64>, y: MatRef<'_, f64>, folds: &Folds) -> Self {
        let n = x.nrows();
        let max_train = (0..folds.len())
            .map(|k| n - folds.range(k).len())
            .max()
            .unwrap_or(n);
        if x.ncols() > max_train {
            return Self::Dual {
                kernel: product(x, x.transpose()),
            };
        }
        let part = |k: usize, m: MatRef<'_, f64>| {
            let r = folds.range(k);
            cross(x.subrows(r.start, r.len()), m.subrows(r.start, r.len()))
        };
        let fold_xtx: Vec<Mat<f64>> = (0..folds.len()).map(|k| part(k, x)).collect();
        let fold_xty: Vec<Mat<f64>> = (0..folds.len()).map(|k| part(k, y)).collect();
        let mut xtx = Mat::<f64>::zeros(x.ncols(), x.ncols());
        let mut xty = Mat::<f64>::zeros(x.ncols(), y.ncols());
        for k in 0..folds.len() {
            xtx += &fold_xtx[k];
            xty += &fold_xty[k];
        }
        Self::Primal {
            xtx,
            xty,
            fold_xtx,
            fold_xty,
        }
    }

    /// The coefficients fitted on every fold but `k`.
    fn beta(
        &self,
        x: MatRef<'_, f64>,
        y: MatRef<'_, f64>,
        folds: &Folds,
        k: usize,
        alpha: f64,
    ) -> Result<Mat<f64>> {
        match self {
            Self::Primal {
                xtx,
                xty,
                fold_xtx,
                fold_xty,
            } => ridge_solve(
                (xtx - &fold_xtx[k]).as_ref(),
                (xty - &fold_xty[k]).as_ref(),
                alpha,
            ),
            Self::Dual { kernel } => {
                let n = x.nrows();
                let r = folds.range(k);
                let train: Vec<usize> = (0..r.start).chain(r.end..n).collect();
                let k_train = Mat::<f64>::from_fn(train.len(), train.len(), |a, b| {
                    kernel[(train[a], train[b])]
                });
                let y_train = Mat::<f64>::from_fn(train.len(), y.ncols(), |a, c| y[(train[a], c)]);
                let dual = ridge_solve(k_train.as_ref(), y_train.as_ref(), alpha)?;
                let mut beta = cross(x.subrows(0, r.start), dual.as_ref().subrows(0, r.start));
                beta += cross(
                    x.subrows(r.end, n - r.end),
                    dual.as_ref().subrows(r.start, n - r.end),
                );
                Ok(beta)
            }
        }
    }
}

fn check_inputs(x: MatRef<'_, f64>, y: &[f64], alphas: &[f64]) -> Result<()> {
    if y.len() != x.nrows() {
        return Err(Error::Wgr(format!(
            "{} rows of predictors for {} phenotype values",
            x.nrows(),
            y.len()
        )));
    }
    if alphas.is_empty() {
        return Err(Error::Wgr("no ridge penalties to choose from".into()));
    }
    if let Some(a) = alphas.iter().find(|a| !(**a > 0.0 && a.is_finite())) {
        return Err(Error::Wgr(format!(
            "a ridge penalty must be positive and finite, not {a}"
        )));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(Error::Wgr(
            "the phenotype holds missing or non-finite values".into(),
        ));
    }
    check_finite(x, "level-1 predictors")
}

/// The index of the best score (first one on ties), or an error when no
/// score is finite.
fn pick(scores: &[f64], highest: bool) -> Result<usize> {
    let mut best: Option<usize> = None;
    for (i, &s) in scores.iter().enumerate() {
        if !s.is_finite() {
            continue;
        }
        let better = match best {
            None => true,
            Some(b) => (highest && s > scores[b]) || (!highest && s < scores[b]),
        };
        if better {
            best = Some(i);
        }
    }
    best.ok_or_else(|| Error::Wgr("no ridge penalty gave a finite cross-validation score".into()))
}

/// The full-data fit `ŷᵢ` and leverage `hᵢᵢ` of sample `i` in the
/// eigenbasis of `XᵀX`.
fn loo_parts(
    z: MatRef<'_, f64>,
    w: MatRef<'_, f64>,
    d: faer::ColRef<'_, f64>,
    alpha: f64,
    i: usize,
) -> (f64, f64) {
    let mut fit = 0.0;
    let mut h = 0.0;
    for j in 0..z.ncols() {
        let inv = 1.0 / (d[j].max(0.0) + alpha);
        fit += z[(i, j)] * w[(j, 0)] * inv;
        h += z[(i, j)] * z[(i, j)] * inv;
    }
    (fit, h)
}

fn neg_log_lik(y: f64, eta: f64) -> f64 {
    // log(1 + e^η) − yη, written to stay finite for large |η|.
    let softplus = if eta > 0.0 {
        eta + (-eta).exp().ln_1p()
    } else {
        eta.exp().ln_1p()
    };
    softplus - y * eta
}

fn sigmoid(eta: f64) -> f64 {
    1.0 / (1.0 + (-eta).exp())
}

pub(crate) struct LogisticFit {
    pub(crate) beta: Vec<f64>,
    pub(crate) p: Vec<f64>,
}

/// Penalised IRLS for `logit P(y=1) = offset + Xβ` with penalty `alpha‖β‖²/2`
/// (`alpha = 0` for an unpenalised fit), with step halving when a step
/// makes the deviance worse or the probabilities degenerate.
pub(crate) fn irls(
    x: MatRef<'_, f64>,
    y: &[f64],
    offset: &[f64],
    alpha: f64,
    start: &[f64],
) -> Result<LogisticFit> {
    let n = x.nrows();
    let q = x.ncols();
    let mut beta = start.to_vec();
    let eta_of = |b: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|i| offset[i] + (0..q).map(|j| x[(i, j)] * b[j]).sum::<f64>())
            .collect()
    };
    let objective = |b: &[f64], eta: &[f64]| -> f64 {
        eta.iter()
            .zip(y)
            .map(|(&e, &yi)| neg_log_lik(yi, e))
            .sum::<f64>()
            + 0.5 * alpha * b.iter().map(|v| v * v).sum::<f64>()
    };
    let mut eta = eta_of(&beta);
    let mut obj = objective(&beta, &eta);
    for _ in 0..100 {
        let p: Vec<f64> = eta.iter().map(|&e| sigmoid(e)).collect();
        let w: Vec<f64> = p.iter().map(|v| (v * (1.0 - v)).max(1e-12)).collect();
        let xw = Mat::<f64>::from_fn(n, q, |i, j| x[(i, j)] * w[i]);
        let mut h = cross(xw.as_ref(), x);
        for j in 0..q {
            h[(j, j)] += alpha;
        }
        let grad = Mat::<f64>::from_fn(q, 1, |j, _| {
            (0..n).map(|i| x[(i, j)] * (y[i] - p[i])).sum::<f64>() - alpha * beta[j]
        });
        let max_grad = (0..q).map(|j| grad[(j, 0)].abs()).fold(0.0, f64::max);
        if max_grad < 1e-7 * (1.0 + n as f64).sqrt() {
            return Ok(LogisticFit { beta, p });
        }
        let llt = h.llt(Side::Lower).map_err(|_| {
            Error::Wgr(
                "a logistic fit met a singular information matrix (collinear covariates?)".into(),
            )
        })?;
        let step = llt.solve(grad.as_ref());
        let mut t = 1.0;
        let mut improved = false;
        for _ in 0..30 {
            let trial: Vec<f64> = (0..q).map(|j| beta[j] + t * step[(j, 0)]).collect();
            let trial_eta = eta_of(&trial);
            let trial_obj = objective(&trial, &trial_eta);
            if trial_obj.is_finite() && trial_obj <= obj + 1e-12 * obj.abs() {
                let change = obj - trial_obj;
                beta = trial;
                eta = trial_eta;
                obj = trial_obj;
                improved = true;
                if change.abs() < 1e-12 * (1.0 + obj.abs()) {
                    let p = eta.iter().map(|&e| sigmoid(e)).collect();
                    return Ok(LogisticFit { beta, p });
                }
                break;
            }
            t /= 2.0;
        }
        if !improved {
            let p = eta.iter().map(|&e| sigmoid(e)).collect();
            return Ok(LogisticFit { beta, p });
        }
    }
    Err(Error::Wgr(
        "a logistic regression did not converge in 100 iterations (separated or nearly constant phenotype?)".into(),
    ))
}

/// The leave-one-out corrections of a logistic ridge fit: one Newton step
/// from the full fit without sample `i`, via Sherman–Morrison, gives
/// `β₋ᵢ = β − cᵢ H⁻¹xᵢ` with `cᵢ = (yᵢ − pᵢ) / (1 − wᵢ xᵢᵀH⁻¹xᵢ)`.
fn logistic_loo(
    x: MatRef<'_, f64>,
    y: &[f64],
    _offset: &[f64],
    fit: &LogisticFit,
    alpha: f64,
) -> Result<(Mat<f64>, Vec<f64>)> {
    let n = x.nrows();
    let q = x.ncols();
    let w: Vec<f64> = fit.p.iter().map(|v| v * (1.0 - v)).collect();
    let xw = Mat::<f64>::from_fn(n, q, |i, j| x[(i, j)] * w[i]);
    let mut h = cross(xw.as_ref(), x);
    for j in 0..q {
        h[(j, j)] += alpha;
    }
    let llt = h.llt(Side::Lower).map_err(|_| {
        Error::Wgr("a logistic ridge information matrix is not positive definite".into())
    })?;
    // U = X H⁻¹ (H symmetric): solve H Uᵀ = Xᵀ.
    let ut = llt.solve(x.transpose());
    let u = ut.transpose().to_owned();
    let mut c = Vec::with_capacity(n);
    for i in 0..n {
        let s: f64 = (0..q).map(|j| x[(i, j)] * u[(i, j)]).sum();
        let denom = 1.0 - w[i] * s;
        if denom <= 1e-12 {
            return Err(Error::Wgr(
                "a sample's leave-one-out leverage is 1 in the logistic level-1 model".into(),
            ));
        }
        c.push((y[i] - fit.p[i]) / denom);
    }
    check_finite(u.as_ref(), "leave-one-out logistic corrections")?;
    Ok((u, c))
}
