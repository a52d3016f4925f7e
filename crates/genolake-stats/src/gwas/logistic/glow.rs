//! Glow's SQL function `logistic_regression_gwas(genotypes, phenotypes,
//! covariates, test[, offset])`: the likelihood ratio test and Firth's
//! penalized likelihood ratio test, each with the effect, its odds ratio
//! and the Wald confidence interval of the odds ratio.

use std::str::FromStr;

use faer::MatRef;

use super::firth::{self, FirthParams, FirthProblem};
use super::wald::{Fit, fit_block, gather};
use super::{BlockResults, CHUNK, LogisticModel, Phenotype, TestFailure, pvalue};
use crate::{Error, Result};

/// Φ⁻¹(0.975): the half-width of a two-sided 95% interval in standard
/// errors.
const Z_975: f64 = 1.959_963_984_540_054;

/// The `test` argument of Glow's `logistic_regression_gwas`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogitTest {
    /// `LRT`: maximum-likelihood fits with and without the genotype,
    /// compared by their likelihood ratio.
    Lrt,
    /// `Firth`: the same with Firth's penalized likelihood (the null model
    /// holds the genotype's coefficient at 0 but keeps its penalty), for
    /// rare variants and unbalanced phenotypes.
    Firth,
}

impl FromStr for LogitTest {
    type Err = Error;

    /// Glow's names, in any case: `LRT` or `Firth`.
    fn from_str(s: &str) -> Result<Self> {
        if s.eq_ignore_ascii_case("lrt") {
            Ok(LogitTest::Lrt)
        } else if s.eq_ignore_ascii_case("firth") {
            Ok(LogitTest::Firth)
        } else {
            Err(Error::Argument(format!(
                "'{s}' is not a logistic regression test: supported tests are LRT and Firth"
            )))
        }
    }
}

/// Glow's `LogitTestResults`: {beta, oddsRatio, waldConfidenceInterval,
/// pValue}.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogitTestResults {
    /// Log odds ratio per allele.
    pub beta: f64,
    /// e^beta.
    pub odds_ratio: f64,
    /// Wald 95% confidence interval of the odds ratio, [low, high].
    pub wald_confidence_interval: [f64; 2],
    /// p-value of the (penalized) likelihood ratio test; 0 when it
    /// underflows, see [`neg_log10_p`](Self::neg_log10_p).
    pub p_value: f64,
    /// −log₁₀ of the p-value, exact where the p-value underflows (not in
    /// Glow's struct).
    pub neg_log10_p: f64,
}

fn results(beta: f64, standard_error: f64, chi_squared: f64) -> LogitTestResults {
    let half = Z_975 * standard_error;
    // Glow takes the absolute value of the statistic: a full fit cannot
    // lose likelihood, so only rounding makes it negative.
    let (p_value, neg_log10_p) = pvalue::chi2_1df(chi_squared.abs());
    LogitTestResults {
        beta,
        odds_ratio: beta.exp(),
        wald_confidence_interval: [(beta - half).exp(), (beta + half).exp()],
        p_value,
        neg_log10_p,
    }
}

impl LogisticModel {
    /// Glow's `logistic_regression_gwas` for every variant of the block
    /// (n × m dosages) and every phenotype, with the model's covariates
    /// (Glow's `covariates` matrix is the design as given; build the model
    /// with [`intercept(false)`](super::LogisticModelBuilder::intercept)
    /// when it already holds the intercept column) and offsets.
    ///
    /// Where Glow returns a row of NaN (a fit that does not converge) this
    /// returns [`TestFailure::NotConverged`] or
    /// [`TestFailure::FirthNotConverged`].
    ///
    /// # Errors
    ///
    /// A block whose row count is not the model's, or a non-finite dosage.
    ///
    /// # Examples
    ///
    /// Glow's test `interceptOnlyV1`, whose expected values come from R's
    /// `glm` and `logistf`:
    ///
    /// ```
    /// use faer::mat;
    /// use genolake_stats::gwas::logistic::{LogisticModel, LogitTest};
    ///
    /// let phenotypes = mat![[0.0], [0.0], [1.0], [1.0], [1.0], [1.0]];
    /// let dosages = mat![[0.0], [1.0], [2.0], [0.0], [0.0], [1.0]];
    /// let model = LogisticModel::builder(phenotypes.as_ref()).build()?;
    /// let lrt = model.glow_test(dosages.as_ref(), LogitTest::Lrt)?;
    /// let lrt = lrt.get(0, 0).as_ref().unwrap();
    /// assert!((lrt.beta - 0.4768).abs() < 1e-3 && (lrt.p_value - 0.6935).abs() < 1e-3);
    /// let firth = model.glow_test(dosages.as_ref(), "firth".parse()?)?;
    /// let firth = firth.get(0, 0).as_ref().unwrap();
    /// assert!((firth.beta - 0.2434646).abs() < 1e-5 && (firth.p_value - 0.796830).abs() < 1e-5);
    /// # Ok::<(), genolake_stats::Error>(())
    /// ```
    pub fn glow_test(
        &self,
        dosages: MatRef<'_, f64>,
        test: LogitTest,
    ) -> Result<BlockResults<LogitTestResults>> {
        self.check_block(dosages)?;
        let m = dosages.ncols();
        let c = self.covariates;
        Ok(self.per_phenotype(m, |_, ph, cells| {
            let mut start = 0;
            while start < m {
                let width = CHUNK.min(m - start);
                let g = gather(ph, dosages, start, width);
                match test {
                    LogitTest::Lrt => {
                        let fits = fit_block(ph, c, g.as_ref(), &vec![false; width], true);
                        for (v, fit) in fits.into_iter().enumerate() {
                            cells[start + v] = match fit {
                                Fit::Converged {
                                    gamma,
                                    variance,
                                    loglik,
                                } => {
                                    Ok(results(gamma, variance.sqrt(), 2.0 * (loglik - ph.loglik)))
                                }
                                Fit::NoVariation => Err(TestFailure::NoVariation),
                                Fit::Diverged => Err(TestFailure::NotConverged),
                            };
                        }
                    }
                    LogitTest::Firth => {
                        for v in 0..width {
                            cells[start + v] = firth_test(ph, c, g.col_as_slice(v));
                        }
                    }
                }
                start += width;
            }
        }))
    }
}

/// Glow's Firth test of one variant.
fn firth_test(
    ph: &Phenotype,
    c: usize,
    g: &[f64],
) -> std::result::Result<LogitTestResults, TestFailure> {
    let n = ph.n();
    let mean = g.iter().sum::<f64>() / n as f64;
    if g.iter().all(|&v| v == mean) {
        return Err(TestFailure::NoVariation);
    }
    let mut x = Vec::with_capacity(n * (c + 1));
    x.extend_from_slice(&ph.x);
    x.extend_from_slice(g);
    let problem = FirthProblem {
        x: &x,
        n,
        k: c + 1,
        y: &ph.y,
        offset: &ph.offset,
    };
    let mut start = ph.beta.clone();
    start.push(0.0);
    let null = firth::fit(&problem, c, &start, &FirthParams::TIGHT)
        .ok_or(TestFailure::FirthNotConverged)?;
    let full = firth::fit(&problem, c + 1, &null.beta, &FirthParams::TIGHT)
        .ok_or(TestFailure::FirthNotConverged)?;
    let standard_error = 1.0 / full.chol[c * (c + 1) + c];
    Ok(results(
        full.beta[c],
        standard_error,
        null.deviance - full.deviance,
    ))
}
