//! Firth's penalized-likelihood logistic regression on a small design.
//!
//! One routine serves four callers: REGENIE's null model of the
//! approximate correction (covariates only, all coefficients free), its
//! one-column variant fit (the residualized genotype against the null
//! model's linear predictor as offset), Glow's `Firth` test (covariates
//! and genotype, the genotype held at zero for the null model while the
//! penalty still comes from the full design) and the Wald test's fallback
//! for separated variants (plink2's `firth-fallback`).
//!
//! The iteration is REGENIE's (`fit_firth_logistic`): a modified-score
//! Newton step, capped in size, then halved until the penalized deviance
//! does not increase; it stops when every entry of the modified score is
//! under a tolerance.

use super::linalg;

/// Iteration limits of one Firth fit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FirthParams {
    /// Most Newton iterations.
    pub max_iter: usize,
    /// Largest absolute change of a coefficient in one iteration.
    pub max_step: f64,
    /// Most step halvings in one iteration.
    pub max_halvings: usize,
    /// Convergence: every entry of the modified score below this.
    pub score_tolerance: f64,
    /// A step is taken once the penalized deviance exceeds the previous
    /// one by no more than this.
    pub deviance_slack: f64,
    /// Shorten a step that undoes much of the previous one (see
    /// [`FirthParams::TIGHT`]). REGENIE does not, and on a rare variant
    /// then spends its 250 iterations jumping between two points; the
    /// optimum is the same, found in a handful of steps.
    pub damp_reversals: bool,
}

impl FirthParams {
    /// REGENIE's variant fit (`--maxstep 5`, 250 iterations, 25 halvings,
    /// score tolerance 10⁻⁵), with reversals damped.
    pub(crate) const REGENIE: FirthParams = FirthParams {
        max_iter: 250,
        max_step: 5.0,
        max_halvings: 25,
        score_tolerance: 1e-5,
        deviance_slack: 1e-6,
        damp_reversals: true,
    };
    /// REGENIE's null fit (`--maxstep-null 25`, `--maxiter-null 1000`).
    pub(crate) const REGENIE_NULL: FirthParams = FirthParams {
        max_iter: 1000,
        max_step: 25.0,
        ..FirthParams::REGENIE
    };
    /// REGENIE's retry of a failed null fit (step 5, 5,000 iterations).
    pub(crate) const REGENIE_NULL_RETRY: FirthParams = FirthParams {
        max_iter: 5000,
        max_step: 5.0,
        ..FirthParams::REGENIE
    };
    /// Full fits (Glow's test, the Wald fallback): converged to a score
    /// of 10⁻⁸ so the reported estimates carry about eight digits.
    ///
    /// The modified-score step ignores how the penalty's curvature changes,
    /// and for a variant carried by one sample it overshoots by a factor of
    /// two: the iteration then jumps between two points either side of the
    /// optimum with equal deviances, which the line search accepts. When a
    /// step reverses the previous one (ratio ρ < 0), dividing it by 1 − ρ
    /// is the step that a linear fixed-point map with that ratio needs.
    pub(crate) const TIGHT: FirthParams = FirthParams {
        max_iter: 250,
        max_step: 5.0,
        max_halvings: 25,
        score_tolerance: 1e-8,
        deviance_slack: 1e-6,
        damp_reversals: true,
    };
}

/// The problem: a column-major n × k design, 0/1 responses and an offset
/// on the linear-predictor scale (samples already restricted to those
/// with a phenotype).
pub(crate) struct FirthProblem<'a> {
    pub x: &'a [f64],
    pub n: usize,
    pub k: usize,
    pub y: &'a [f64],
    pub offset: &'a [f64],
}

/// A converged fit.
#[derive(Debug, Clone)]
pub(crate) struct FirthFit {
    /// All k coefficients (the held ones are zero).
    pub beta: Vec<f64>,
    /// −2 × (log-likelihood + ½ log det I): the penalized deviance.
    pub deviance: f64,
    /// Cholesky factor of I = Xᵀ W X at the estimate (row-major k × k).
    pub chol: Vec<f64>,
}

/// The likelihood at one β, in buffers reused from evaluation to
/// evaluation (a fit makes tens of them).
struct Eval {
    eta: Vec<f64>,
    mu: Vec<f64>,
    w: Vec<f64>,
    chol: Vec<f64>,
    deviance: f64,
}

impl Eval {
    fn new(n: usize, k: usize) -> Self {
        Self {
            eta: vec![0.0; n],
            mu: vec![0.0; n],
            w: vec![0.0; n],
            chol: vec![0.0; k * k],
            deviance: f64::INFINITY,
        }
    }
}

/// Evaluates the penalized likelihood at `beta` into `into`; false when the
/// information matrix is singular or the deviance not finite.
fn evaluate(
    p: &FirthProblem<'_>,
    free: usize,
    beta: &[f64],
    into: &mut Eval,
    scratch: &mut Vec<f64>,
) -> bool {
    let n = p.n;
    let eta = &mut into.eta;
    eta.copy_from_slice(&p.offset[..n]);
    for (c, &b) in beta.iter().enumerate().take(free) {
        if b != 0.0 {
            for (e, &x) in eta.iter_mut().zip(&p.x[c * n..(c + 1) * n]) {
                *e += b * x;
            }
        }
    }
    let loglik = linalg::logistic_pass(eta, p.y, &mut into.mu, &mut into.w);
    linalg::weighted_gram_gemm(p.x, n, p.k, &into.w, scratch, &mut into.chol);
    if !linalg::cholesky(&mut into.chol, p.k) {
        return false;
    }
    into.deviance = -2.0 * (loglik + 0.5 * linalg::log_det(&into.chol, p.k));
    into.deviance.is_finite()
}

/// Fits the first `free` coefficients from `start` (the others stay 0),
/// with the penalty of the whole design. `None` when the iteration does not
/// converge or the information matrix is singular.
pub(crate) fn fit(
    p: &FirthProblem<'_>,
    free: usize,
    start: &[f64],
    params: &FirthParams,
) -> Option<FirthFit> {
    let (n, k) = (p.n, p.k);
    let mut beta = start.to_vec();
    let mut scratch = Vec::new();
    let mut current = Eval::new(n, k);
    if !evaluate(p, free, &beta, &mut current, &mut scratch) {
        return None;
    }
    // The last valid evaluation of a line search, and the one under way.
    let (mut next, mut candidate) = (Eval::new(n, k), Eval::new(n, k));
    let mut z = vec![0.0; n * k];
    let mut leverage = vec![0.0; n];
    let mut residual = vec![0.0; n];
    let mut score = vec![0.0; free];
    let mut step = vec![0.0; free];
    let mut trial = vec![0.0; k];
    let mut previous: Option<Vec<f64>> = None;
    for _ in 0..params.max_iter {
        // Leverages h_i = w_i x_iᵀ I⁻¹ x_i and the modified score
        // Xᵀ (y − μ + h (½ − μ)).
        linalg::leverage_sums(p.x, n, k, &current.chol, &mut z, &mut leverage);
        for i in 0..n {
            let (mu, h) = (current.mu[i], current.w[i] * leverage[i]);
            residual[i] = p.y[i] - mu + h * (0.5 - mu);
        }
        for (c, s) in score.iter_mut().enumerate() {
            *s = linalg::dot(&p.x[c * n..(c + 1) * n], &residual);
        }
        step.copy_from_slice(&score);
        linalg::solve(&current.chol, k, free, &mut step);
        let largest = step.iter().fold(0.0_f64, |m, s| m.max(s.abs()));
        if !largest.is_finite() {
            return None;
        }
        if largest > params.max_step {
            let scale = params.max_step / largest;
            step.iter_mut().for_each(|s| *s *= scale);
        }
        if params.damp_reversals
            && let Some(prev) = &previous
        {
            let norm = linalg::dot(prev, prev);
            let ratio = if norm > 0.0 {
                linalg::dot(&step, prev) / norm
            } else {
                0.0
            };
            if ratio < -0.1 {
                step.iter_mut().for_each(|s| *s /= 1.0 - ratio);
            }
        }
        // REGENIE divides by 1, 2, 4, … in turn, so the step shrinks by
        // 1, 1/2, 1/8, 1/64, …
        let mut divisor = 1.0;
        let mut taken = None;
        for _ in 0..params.max_halvings.max(1) {
            step.iter_mut().for_each(|s| *s /= divisor);
            trial.copy_from_slice(&beta);
            for (t, s) in trial.iter_mut().zip(&step) {
                *t += s;
            }
            let valid = evaluate(p, free, &trial, &mut candidate, &mut scratch);
            let accept = valid && candidate.deviance < current.deviance + params.deviance_slack;
            if valid {
                std::mem::swap(&mut next, &mut candidate);
                taken = Some(trial.clone());
            }
            if accept {
                break;
            }
            divisor *= 2.0;
        }
        let taken = taken?;
        previous = Some(taken.iter().zip(&beta).map(|(t, b)| t - b).collect());
        beta = taken;
        std::mem::swap(&mut current, &mut next);
        if score.iter().all(|s| s.abs() < params.score_tolerance) {
            return Some(FirthFit {
                beta,
                deviance: current.deviance,
                chol: current.chol,
            });
        }
    }
    None
}
