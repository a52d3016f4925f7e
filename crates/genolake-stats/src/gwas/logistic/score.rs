//! The score test, vectorised over a block, with REGENIE's approximate
//! Firth correction for the variants under the p-value threshold.

use faer::{Mat, MatRef};

use super::firth::{self, FirthParams, FirthProblem};
use super::{BlockResults, LogisticModel, Phenotype, TestFailure, linalg, pvalue};
use crate::Result;

/// Variants per internal pass of the score test: the squared dosages of a
/// pass are an n × 1024 matrix.
const SCORE_CHUNK: usize = 1024;

/// One score test, or its approximate Firth replacement; REGENIE's step-2
/// columns BETA, SE, CHISQ and LOG10P.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreStats {
    /// Effect estimate (log odds ratio per allele): the score divided by
    /// its variance (a one-step estimate from the null model), or Firth's
    /// estimate when [`firth`](Self::firth) is true.
    pub beta: f64,
    /// Its standard error: 1/√variance of the score, or from the
    /// unpenalized information at Firth's estimate.
    pub standard_error: f64,
    /// χ² statistic with one degree of freedom: score²/variance, or
    /// Firth's penalized likelihood ratio.
    pub chi_squared: f64,
    /// p-value of `chi_squared`; 0 when it underflows, see
    /// [`neg_log10_p`](Self::neg_log10_p).
    pub p_value: f64,
    /// −log₁₀ of the p-value, exact where the p-value underflows
    /// (REGENIE's LOG10P).
    pub neg_log10_p: f64,
    /// Whether the approximate Firth correction replaced the score test
    /// (Glow's `correctionSucceeded`).
    pub firth: bool,
}

impl LogisticModel {
    /// Score test of every variant of the block (n × m dosages, one column
    /// per variant) against every phenotype, with the approximate Firth
    /// correction for the tests whose score p-value is under the model's
    /// [threshold](super::LogisticModelBuilder::firth_threshold), as Glow's
    /// `glow.gwas.logistic_regression` (`correction='approx-firth'`) and
    /// REGENIE's step 2 (`--bt --firth --approx`) compute them.
    ///
    /// The correction is REGENIE's: a Firth-penalized null model of the
    /// covariates (and offset) gives each sample a linear predictor; the
    /// variant, linearly residualized on the covariates and scaled to unit
    /// variance, is then fitted alone with that predictor as offset, and
    /// the penalized likelihood ratio is the test.
    ///
    /// # Errors
    ///
    /// A block whose row count is not the model's, or a non-finite dosage.
    ///
    /// # Examples
    ///
    /// ```
    /// use faer::{Mat, mat};
    /// use genolake_stats::gwas::logistic::{LogisticModel, TestFailure};
    ///
    /// let phenotypes = mat![[0.0], [0.0], [1.0], [1.0], [0.0], [1.0], [1.0], [0.0]];
    /// let model = LogisticModel::builder(phenotypes.as_ref()).firth_threshold(0.0).build()?;
    /// // A variant and a monomorphic one.
    /// let dosages = Mat::from_fn(8, 2, |i, v| if v == 0 { (i % 3) as f64 } else { 1.0 });
    /// let results = model.score_test(dosages.as_ref())?;
    /// let tested = results.get(0, 0).as_ref().unwrap();
    /// assert!(tested.p_value > 0.0 && tested.p_value <= 1.0 && !tested.firth);
    /// assert_eq!(results.get(1, 0), &Err(TestFailure::NoVariation));
    /// # Ok::<(), genolake_stats::Error>(())
    /// ```
    pub fn score_test(&self, dosages: MatRef<'_, f64>) -> Result<BlockResults<ScoreStats>> {
        self.check_block(dosages)?;
        let n = self.samples;
        let m = dosages.ncols();
        let t = self.tested.len();
        let mut scores = Mat::<f64>::zeros(t, m);
        let mut variances = Mat::<f64>::zeros(t, m);
        let mut totals = Mat::<f64>::zeros(t, m);
        let mut start = 0;
        while start < m && t > 0 {
            let width = SCORE_CHUNK.min(m - start);
            let g = dosages.subcols(start, width);
            let squares = Mat::from_fn(n, width, |i, v| g[(i, v)] * g[(i, v)]);
            linalg::gemm(
                scores.as_mut().subcols_mut(start, width),
                self.residuals.transpose(),
                g,
            );
            linalg::gemm(
                totals.as_mut().subcols_mut(start, width),
                self.weights.transpose(),
                squares.as_ref(),
            );
            let mut projected = Mat::<f64>::zeros(self.covariates, width);
            for (ti, &j) in self.tested.iter().enumerate() {
                let Ok(ph) = &self.phenotypes[j] else {
                    continue;
                };
                linalg::gemm(projected.as_mut(), ph.projector.as_ref(), g);
                for v in 0..width {
                    let explained: f64 = (0..self.covariates)
                        .map(|c| projected[(c, v)] * projected[(c, v)])
                        .sum();
                    variances[(ti, start + v)] = totals[(ti, start + v)] - explained;
                }
            }
            start += width;
        }
        let mut tested_index = 0;
        let results = self.per_phenotype(m, |_, ph, cells| {
            let ti = tested_index;
            tested_index += 1;
            for (v, cell) in cells.iter_mut().enumerate() {
                let (u, var, total) = (scores[(ti, v)], variances[(ti, v)], totals[(ti, v)]);
                // What the covariates leave of Σ w g² is rounding noise
                // when the variant is constant or a covariate combination.
                if var.is_nan() || var <= 1e-9 * total {
                    *cell = Err(TestFailure::NoVariation);
                    continue;
                }
                let chi_squared = u * u / var;
                let (p_value, neg_log10_p) = pvalue::chi2_1df(chi_squared);
                *cell = if p_value < self.firth_threshold {
                    self.approx_firth(
                        ph,
                        dosages.col(v).try_as_col_major().map(|c| c.as_slice()),
                        dosages,
                        v,
                    )
                } else {
                    Ok(ScoreStats {
                        beta: u / var,
                        standard_error: 1.0 / var.sqrt(),
                        chi_squared,
                        p_value,
                        neg_log10_p,
                        firth: false,
                    })
                };
            }
        });
        Ok(results)
    }

    /// REGENIE's approximate Firth test of variant `v` of the block.
    fn approx_firth(
        &self,
        ph: &Phenotype,
        contiguous: Option<&[f64]>,
        dosages: MatRef<'_, f64>,
        v: usize,
    ) -> std::result::Result<ScoreStats, TestFailure> {
        let offset = ph
            .firth_offset
            .get_or_init(|| firth_null_offset(ph, self.covariates, self.intercept))
            .as_ref()
            .ok_or(TestFailure::FirthNullModelDiverged)?;
        let basis = ph
            .basis
            .get_or_init(|| orthonormal_basis(&ph.x, ph.n(), self.covariates));
        let n_o = ph.n();
        let c = self.covariates;
        let mut x: Vec<f64> = match (&ph.observed, contiguous) {
            (None, Some(col)) => col.to_vec(),
            (None, None) => (0..n_o).map(|i| dosages[(i, v)]).collect(),
            (Some(obs), _) => obs.iter().map(|&i| dosages[(i, v)]).collect(),
        };
        // Residualize on the covariates and scale to unit variance, as
        // REGENIE does before the fit (its estimates are then scaled back).
        for col in 0..c {
            let q = &basis[col * n_o..(col + 1) * n_o];
            let coef = linalg::dot(q, &x);
            for (xi, qi) in x.iter_mut().zip(q) {
                *xi -= coef * qi;
            }
        }
        let scale = (linalg::dot(&x, &x) / (n_o as f64 - 1.0)).sqrt();
        if scale.is_nan() || scale < 1e-6 {
            return Err(TestFailure::NoVariation);
        }
        x.iter_mut().for_each(|xi| *xi /= scale);
        let problem = FirthProblem {
            x: &x,
            n: n_o,
            k: 1,
            y: &ph.y,
            offset,
        };
        // The penalized deviance of the null model (coefficient 0).
        let mut loglik = 0.0;
        let mut information = 0.0;
        for i in 0..n_o {
            loglik += ph.y[i] * offset[i] - linalg::softplus(offset[i]);
            let mu = linalg::sigmoid(offset[i]);
            information += mu * (1.0 - mu) * x[i] * x[i];
        }
        let null_deviance = -2.0 * (loglik + 0.5 * information.ln());
        let fit = firth::fit(&problem, 1, &[0.0], &FirthParams::REGENIE)
            .ok_or(TestFailure::FirthNotConverged)?;
        let chi_squared = null_deviance - fit.deviance;
        if chi_squared.is_nan() || chi_squared < 0.0 {
            return Err(TestFailure::FirthNotConverged);
        }
        let (p_value, neg_log10_p) = pvalue::chi2_1df(chi_squared);
        Ok(ScoreStats {
            beta: fit.beta[0] / scale,
            standard_error: 1.0 / (fit.chol[0] * scale),
            chi_squared,
            p_value,
            neg_log10_p,
            firth: true,
        })
    }
}

/// The Firth-penalized null model's linear predictor, offset included,
/// per sample; `None` if neither REGENIE's settings nor its fallback ones
/// converge.
fn firth_null_offset(ph: &Phenotype, c: usize, intercept: bool) -> Option<Vec<f64>> {
    let n = ph.n();
    let problem = FirthProblem {
        x: &ph.x,
        n,
        k: c,
        y: &ph.y,
        offset: &ph.offset,
    };
    let mut start = vec![0.0; c];
    if intercept && c > 0 {
        let cases: f64 = ph.y.iter().sum();
        let p0 = (0.5 + cases) / (n as f64 + 1.0);
        start[0] = (p0 / (1.0 - p0)).ln() - ph.offset.iter().sum::<f64>() / n as f64;
    }
    let fit = firth::fit(&problem, c, &start, &FirthParams::REGENIE_NULL)
        .or_else(|| firth::fit(&problem, c, &start, &FirthParams::REGENIE_NULL_RETRY))?;
    let mut eta = ph.offset.clone();
    for (col, &b) in fit.beta.iter().enumerate() {
        for (e, &x) in eta.iter_mut().zip(&ph.x[col * n..(col + 1) * n]) {
            *e += b * x;
        }
    }
    Some(eta)
}

/// Q = X L⁻ᵀ with L Lᵀ = XᵀX: orthonormal columns spanning the design's.
fn orthonormal_basis(x: &[f64], n: usize, c: usize) -> Vec<f64> {
    let ones = vec![1.0; n];
    let mut chol = vec![0.0; c * c];
    linalg::weighted_gram(x, n, c, &ones, &mut chol);
    // The design was checked to have full rank on these samples.
    let full_rank = linalg::cholesky(&mut chol, c);
    debug_assert!(full_rank);
    let mut q = vec![0.0; n * c];
    let mut row = vec![0.0; c];
    for i in 0..n {
        for col in 0..c {
            row[col] = x[col * n + i];
        }
        linalg::forward(&chol, c, c, &mut row);
        for col in 0..c {
            q[col * n + i] = row[col];
        }
    }
    q
}
