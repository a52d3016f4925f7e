//! Logistic regression of binary phenotypes on genotype dosages, one
//! variant at a time, with covariates and per-sample offsets.
//!
//! A [`LogisticModel`] is prepared once per phenotype set: it checks the
//! inputs, fits the null model (covariates and offset, no genotype) of
//! every phenotype by iteratively reweighted least squares and keeps what
//! the per-variant tests reuse. Blocks of variants (an n × m faer matrix of
//! dosages, one column per variant) then go through one of four tests:
//!
//! | test | method | what it is | compared with |
//! |---|---|---|---|
//! | score, approximate Firth | [`LogisticModel::score_test`] | Glow's `glow.gwas.logistic_regression` and REGENIE step 2 `--firth --approx`: a score test for every variant, Firth's penalized likelihood ratio test for those under a p-value threshold | REGENIE's `.regenie` files |
//! | Wald | [`LogisticModel::wald_test`] | the full maximum-likelihood fit of every variant with all covariates, Firth regression where it does not converge | `plink2 --glm firth-fallback` |
//! | LRT | [`LogisticModel::glow_test`] with [`LogitTest::Lrt`] | Glow's `logistic_regression_gwas(…, 'LRT')` | R's `glm` (Glow's golden values) |
//! | Firth | [`LogisticModel::glow_test`] with [`LogitTest::Firth`] | Glow's `logistic_regression_gwas(…, 'Firth')` | R's `logistf` (Glow's golden values) |
//!
//! # The performance model
//!
//! The score test is a handful of matrix products per block, whatever the
//! number of variants: with the null model's fitted probabilities μ and
//! weights W = μ(1 − μ), a variant's score is gᵀ(y − μ) and its variance
//! gᵀWg − ‖L⁻¹XᵀWg‖² (L the Cholesky factor of XᵀWX), so a block needs
//! Gᵀ(Y − M) and Wᵀ(G∘G) for all phenotypes at once and (L⁻¹XᵀW)·G for
//! each, all GEMMs. Firth's fits then run only for the few variants the
//! threshold selects.
//!
//! The Wald test cannot avoid fitting every variant, so it makes each fit
//! cheap: every variant starts from the null fit, whose weights are
//! shared, so the first Newton step of a whole block is again a few GEMMs;
//! later steps build each variant's information matrix XᵀW_vX for all
//! variants of the block in one product of the pairwise covariate products
//! (n × c(c+1)/2) with the weight matrix, and solve for the genotype
//! through the Schur complement of the covariate block. Variants leave the
//! block as they converge (usually after three or four steps).
//!
//! On 100,000 simulated variants (a third under 1% frequency) × 2,000
//! samples × 10 covariates, one thread, `examples/gwas_logistic.rs` takes
//! about 27 µs of CPU per variant for the score test with the approximate
//! Firth correction under p = 0.05 (most of it in the 5% of Firth fits) and
//! about 76 µs for the Wald test; `plink2 --glm firth-fallback` (v2.00a3.5,
//! one thread) took 173 µs per variant on a `--dummy` cohort of the same
//! shape, measured on the same machine the same hour. A model is
//! `Send + Sync`: blocks can be tested on several threads at once.
//!
//! # Missing phenotypes, skipped phenotypes, failed tests
//!
//! A phenotype value of NaN is missing: that sample is left out of that
//! phenotype's null model and tests (as if REGENIE had been told to
//! `--remove` it), and its dosages are ignored. Dosages themselves must be
//! finite: impute missing calls first (Glow and REGENIE use the variant's
//! mean dosage). Inputs that cannot be
//! analysed are errors ([`crate::Error`]): a phenotype value other than 0,
//! 1 or NaN, a non-finite covariate, offset or dosage, covariates that are
//! linearly dependent over all samples, mismatched shapes. A phenotype
//! that can be read but not tested is skipped, and every test of it
//! returns [`TestFailure::PhenotypeSkipped`] with the reason
//! ([`PhenotypeSkip`]): no samples, a constant phenotype (all cases or all
//! controls), covariates that become dependent on its samples, a null
//! model that does not converge (separation by the covariates). A single
//! test that fails — a variant without variation among the samples, a fit
//! that does not converge — is a [`TestFailure`] in its cell. No NaN is
//! ever returned as a statistic.
//!
//! # Examples
//!
//! ```
//! use faer::Mat;
//! use genolake_stats::gwas::logistic::LogisticModel;
//!
//! // 200 samples, one covariate, one phenotype, three variants.
//! let n = 200;
//! let mut state = 7u64;
//! let mut uniform = move || {
//!     state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
//!     (state >> 11) as f64 / (1u64 << 53) as f64
//! };
//! let covariates = Mat::from_fn(n, 1, |_, _| uniform() - 0.5);
//! let dosages = Mat::from_fn(n, 3, |_, _| (uniform() * 3.0).floor());
//! let phenotypes = Mat::from_fn(n, 1, |i, _| {
//!     let eta = -0.5 + 0.8 * dosages[(i, 0)] + covariates[(i, 0)];
//!     if uniform() < 1.0 / (1.0 + (-eta).exp()) { 1.0 } else { 0.0 }
//! });
//! let model = LogisticModel::builder(phenotypes.as_ref())
//!     .covariates(covariates.as_ref())
//!     .build()?;
//!
//! let score = model.score_test(dosages.as_ref())?;
//! let first = score.get(0, 0).as_ref().expect("a testable variant");
//! assert!(first.p_value < 1e-3 && first.beta > 0.0);
//!
//! let wald = model.wald_test(dosages.as_ref())?;
//! let first = wald.get(0, 0).as_ref().expect("a testable variant");
//! assert!((first.beta - 0.8).abs() < 0.5 && !first.firth);
//! # Ok::<(), genolake_stats::Error>(())
//! ```

mod firth;
mod glow;
mod linalg;
mod pvalue;
mod score;
mod wald;

use std::sync::OnceLock;

use faer::{Mat, MatRef};

use crate::{Error, Result};

pub use glow::{LogitTest, LogitTestResults};
pub use score::ScoreStats;
pub use wald::WaldStats;

/// Largest number of variants one internal pass works on at once: the
/// Wald test keeps a few n × m work matrices, so this bounds memory at a
/// few dozen megabytes for 10,000 samples whatever block the caller hands
/// in.
const CHUNK: usize = 256;

/// Why a phenotype is not tested. Every test of a skipped phenotype
/// returns [`TestFailure::PhenotypeSkipped`] with this reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhenotypeSkip {
    /// Every value is missing.
    NoSamples,
    /// All samples with a value are cases, or all are controls: there is
    /// nothing to explain.
    Constant,
    /// The covariates (with the intercept) are linearly dependent on the
    /// samples that have this phenotype, though not on all samples.
    SingularCovariates,
    /// The null model (covariates and offset only) does not converge:
    /// the covariates separate cases from controls.
    NullModelDiverged,
}

impl std::fmt::Display for PhenotypeSkip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PhenotypeSkip::NoSamples => "no sample has a value",
            PhenotypeSkip::Constant => "all samples with a value are cases, or all are controls",
            PhenotypeSkip::SingularCovariates => {
                "the covariates are linearly dependent on the samples with a value"
            }
            PhenotypeSkip::NullModelDiverged => {
                "the null model does not converge (the covariates separate cases from controls)"
            }
        })
    }
}

/// Why one test (one variant, one phenotype) has no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestFailure {
    /// The phenotype is not tested at all.
    PhenotypeSkipped(PhenotypeSkip),
    /// The dosages do not vary among the phenotype's samples once the
    /// covariates are accounted for (a monomorphic variant, or one that is
    /// a combination of the covariates).
    NoVariation,
    /// The maximum-likelihood fit does not converge (Glow's LRT, which has
    /// no fallback).
    NotConverged,
    /// Firth's penalized fit does not converge, or its likelihood ratio
    /// comes out negative (REGENIE reports such a test as failed too).
    FirthNotConverged,
    /// The null model of the approximate Firth correction does not
    /// converge for this phenotype (REGENIE stops with an error there).
    FirthNullModelDiverged,
}

impl std::fmt::Display for TestFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TestFailure::PhenotypeSkipped(why) => write!(f, "phenotype skipped: {why}"),
            TestFailure::NoVariation => f.write_str(
                "the dosages do not vary among the samples once covariates are accounted for",
            ),
            TestFailure::NotConverged => f.write_str("the logistic regression does not converge"),
            TestFailure::FirthNotConverged => {
                f.write_str("Firth's penalized regression does not converge")
            }
            TestFailure::FirthNullModelDiverged => {
                f.write_str("the null model of the approximate Firth correction does not converge")
            }
        }
    }
}

/// The results of one block: a cell per (variant, phenotype).
#[derive(Debug, Clone)]
pub struct BlockResults<T> {
    variants: usize,
    phenotypes: usize,
    /// Phenotype-major: cell (v, p) at `p * variants + v`.
    cells: Vec<std::result::Result<T, TestFailure>>,
}

impl<T> BlockResults<T> {
    /// Variants of the block (columns of the dosage matrix).
    pub fn variants(&self) -> usize {
        self.variants
    }

    /// Phenotypes of the model.
    pub fn phenotypes(&self) -> usize {
        self.phenotypes
    }

    /// The result of variant `variant` (column of the block) for phenotype
    /// `phenotype` (column of the phenotype matrix).
    ///
    /// # Panics
    ///
    /// When either index is out of range.
    pub fn get(&self, variant: usize, phenotype: usize) -> &std::result::Result<T, TestFailure> {
        assert!(variant < self.variants && phenotype < self.phenotypes);
        &self.cells[phenotype * self.variants + variant]
    }

    /// All cells as (variant, phenotype, result), phenotype by phenotype.
    pub fn iter(
        &self,
    ) -> impl Iterator<Item = (usize, usize, &std::result::Result<T, TestFailure>)> {
        let m = self.variants;
        self.cells
            .iter()
            .enumerate()
            .map(move |(i, cell)| (i % m.max(1), i / m.max(1), cell))
    }
}

/// Configures a [`LogisticModel`]: phenotypes are required, the rest has
/// Glow's defaults (an intercept, no other covariates, no offsets, Firth's
/// correction under p = 0.05).
#[derive(Debug, Clone)]
pub struct LogisticModelBuilder<'a> {
    phenotypes: MatRef<'a, f64>,
    covariates: Option<MatRef<'a, f64>>,
    offsets: Option<MatRef<'a, f64>>,
    intercept: bool,
    firth_threshold: f64,
}

impl<'a> LogisticModelBuilder<'a> {
    /// Covariates, n × c, one column per covariate, samples in the order of
    /// the phenotypes (an intercept is added unless
    /// [`intercept(false)`](Self::intercept)).
    pub fn covariates(mut self, covariates: MatRef<'a, f64>) -> Self {
        self.covariates = Some(covariates);
        self
    }

    /// Per-sample offsets on the linear-predictor (log-odds) scale, n × p,
    /// one column per phenotype: REGENIE's LOCO predictions of the
    /// chromosome under test, for instance.
    pub fn offsets(mut self, offsets: MatRef<'a, f64>) -> Self {
        self.offsets = Some(offsets);
        self
    }

    /// Whether to add an intercept column before the covariates (default
    /// true, as Glow's `add_intercept` and REGENIE).
    pub fn intercept(mut self, intercept: bool) -> Self {
        self.intercept = intercept;
        self
    }

    /// p-value under which [`LogisticModel::score_test`] replaces the score
    /// test by the approximate Firth test (default 0.05, Glow's
    /// `pvalue_threshold` and REGENIE's `--pThresh`); 0 turns the
    /// correction off.
    pub fn firth_threshold(mut self, threshold: f64) -> Self {
        self.firth_threshold = threshold;
        self
    }

    /// Checks the inputs and fits every phenotype's null model.
    ///
    /// # Errors
    ///
    /// Mismatched shapes, a phenotype value other than 0, 1 or NaN, a
    /// non-finite covariate or (for a sample with a phenotype) offset, and
    /// covariates linearly dependent over all samples.
    pub fn build(self) -> Result<LogisticModel> {
        LogisticModel::prepare(self)
    }
}

/// Null model and reusable state of one phenotype.
#[derive(Debug)]
struct Phenotype {
    /// Sample indices with a value, when some are missing.
    observed: Option<Vec<usize>>,
    /// Design restricted to those samples, column-major n_o × c.
    x: Vec<f64>,
    y: Vec<f64>,
    offset: Vec<f64>,
    /// Null-model coefficients, linear predictor (with offset), fitted
    /// probabilities, weights, log-likelihood, Cholesky factor of XᵀWX.
    beta: Vec<f64>,
    eta: Vec<f64>,
    mu: Vec<f64>,
    w: Vec<f64>,
    loglik: f64,
    fisher_chol: Vec<f64>,
    /// L⁻¹XᵀW over all n samples (zero columns for missing ones), c × n.
    projector: Mat<f64>,
    /// Approximate Firth: offset + X·β of the penalized null model.
    firth_offset: OnceLock<Option<Vec<f64>>>,
    /// Orthonormal basis of the design's columns (n_o × c).
    basis: OnceLock<Vec<f64>>,
    /// Products x_a·x_b of covariate pairs a ≤ b, n_o × c(c+1)/2.
    pairs: OnceLock<Mat<f64>>,
}

impl Phenotype {
    fn n(&self) -> usize {
        self.y.len()
    }
}

/// Binary phenotypes, covariates and offsets prepared for per-variant
/// logistic regression tests; see the [module documentation](self).
#[derive(Debug)]
pub struct LogisticModel {
    samples: usize,
    covariates: usize,
    intercept: bool,
    firth_threshold: f64,
    phenotypes: Vec<std::result::Result<Phenotype, PhenotypeSkip>>,
    /// Indices of the phenotypes that are tested, and, over all n samples
    /// in that order, their null residuals y − μ and weights (zero where
    /// missing): one GEMM gives every tested phenotype's scores.
    tested: Vec<usize>,
    residuals: Mat<f64>,
    weights: Mat<f64>,
}

impl LogisticModel {
    /// Starts a model of the n × p `phenotypes` matrix (0, 1, or NaN for
    /// missing), one column per phenotype.
    pub fn builder(phenotypes: MatRef<'_, f64>) -> LogisticModelBuilder<'_> {
        LogisticModelBuilder {
            phenotypes,
            covariates: None,
            offsets: None,
            intercept: true,
            firth_threshold: 0.05,
        }
    }

    /// Samples (rows) of the model.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Phenotypes (columns) of the model.
    pub fn phenotypes(&self) -> usize {
        self.phenotypes.len()
    }

    /// Columns of the design: the covariates plus the intercept if any.
    pub fn design_columns(&self) -> usize {
        self.covariates
    }

    /// Whether phenotype `phenotype` is tested, or why not.
    ///
    /// # Panics
    ///
    /// When `phenotype` is out of range.
    pub fn phenotype_status(&self, phenotype: usize) -> std::result::Result<(), PhenotypeSkip> {
        self.phenotypes[phenotype]
            .as_ref()
            .map(|_| ())
            .map_err(|e| *e)
    }

    fn prepare(b: LogisticModelBuilder<'_>) -> Result<Self> {
        let n = b.phenotypes.nrows();
        let p = b.phenotypes.ncols();
        if let Some(c) = b.covariates
            && c.nrows() != n
        {
            return Err(Error::Argument(format!(
                "the covariate matrix has {} rows but the phenotype matrix has {n}: both need one row per sample",
                c.nrows()
            )));
        }
        if let Some(o) = b.offsets
            && (o.nrows() != n || o.ncols() != p)
        {
            return Err(Error::Argument(format!(
                "the offset matrix is {} × {} but the phenotype matrix is {n} × {p}: offsets need one column per phenotype",
                o.nrows(),
                o.ncols()
            )));
        }
        if !(0.0..=1.0).contains(&b.firth_threshold) {
            return Err(Error::Argument(format!(
                "the Firth p-value threshold {} is not in [0, 1]",
                b.firth_threshold
            )));
        }
        let k = b.covariates.map_or(0, |c| c.ncols());
        let c = k + usize::from(b.intercept);
        let mut design = vec![0.0; n * c];
        if b.intercept {
            design[..n].fill(1.0);
        }
        if let Some(cov) = b.covariates {
            let base = usize::from(b.intercept);
            for j in 0..k {
                for i in 0..n {
                    let v = cov[(i, j)];
                    if !v.is_finite() {
                        return Err(Error::LogisticNonFinite {
                            what: "covariate",
                            row: i,
                            column: j,
                        });
                    }
                    design[(base + j) * n + i] = v;
                }
            }
        }
        // Dependent covariates over all samples are the caller's mistake;
        // over one phenotype's samples they only skip that phenotype.
        if let Some(column) = dependent_column(&design, n, c) {
            return Err(Error::LogisticSingularCovariates {
                column,
                intercept: b.intercept,
            });
        }
        for j in 0..p {
            for i in 0..n {
                let y = b.phenotypes[(i, j)];
                if !(y.is_nan() || y == 0.0 || y == 1.0) {
                    return Err(Error::LogisticPhenotypeValue {
                        row: i,
                        column: j,
                        value: y.to_string(),
                    });
                }
                if let Some(o) = b.offsets
                    && !y.is_nan()
                    && !o[(i, j)].is_finite()
                {
                    return Err(Error::LogisticNonFinite {
                        what: "offset",
                        row: i,
                        column: j,
                    });
                }
            }
        }

        let mut phenotypes = Vec::with_capacity(p);
        for j in 0..p {
            phenotypes.push(prepare_phenotype(&b, &design, n, c, j));
        }
        let tested: Vec<usize> = (0..p).filter(|&j| phenotypes[j].is_ok()).collect();
        let mut residuals = Mat::zeros(n, tested.len());
        let mut weights = Mat::zeros(n, tested.len());
        for (t, &j) in tested.iter().enumerate() {
            let Ok(ph) = &phenotypes[j] else { continue };
            for r in 0..ph.n() {
                let i = ph.observed.as_ref().map_or(r, |o| o[r]);
                residuals[(i, t)] = ph.y[r] - ph.mu[r];
                weights[(i, t)] = ph.w[r];
            }
        }
        Ok(LogisticModel {
            samples: n,
            covariates: c,
            intercept: b.intercept,
            firth_threshold: b.firth_threshold,
            phenotypes,
            tested,
            residuals,
            weights,
        })
    }

    /// Checks a dosage block's shape and values.
    fn check_block(&self, dosages: MatRef<'_, f64>) -> Result<()> {
        if dosages.nrows() != self.samples {
            return Err(Error::Argument(format!(
                "the dosage block has {} rows but the model has {} samples",
                dosages.nrows(),
                self.samples
            )));
        }
        for v in 0..dosages.ncols() {
            for i in 0..self.samples {
                if !dosages[(i, v)].is_finite() {
                    return Err(Error::LogisticNonFinite {
                        what: "dosage",
                        row: i,
                        column: v,
                    });
                }
            }
        }
        Ok(())
    }

    /// A block's cells, each phenotype's filled by `per_phenotype` or with
    /// the phenotype's skip reason.
    fn per_phenotype<T>(
        &self,
        m: usize,
        mut per_phenotype: impl FnMut(usize, &Phenotype, &mut [std::result::Result<T, TestFailure>]),
    ) -> BlockResults<T> {
        let p = self.phenotypes.len();
        let mut cells: Vec<std::result::Result<T, TestFailure>> = Vec::with_capacity(m * p);
        for ph in &self.phenotypes {
            match ph {
                Ok(_) => cells.extend((0..m).map(|_| Err(TestFailure::NoVariation))),
                Err(why) => cells.extend((0..m).map(|_| Err(TestFailure::PhenotypeSkipped(*why)))),
            }
        }
        for (j, ph) in self.phenotypes.iter().enumerate() {
            if let Ok(ph) = ph {
                per_phenotype(j, ph, &mut cells[j * m..(j + 1) * m]);
            }
        }
        BlockResults {
            variants: m,
            phenotypes: p,
            cells,
        }
    }
}

/// The first design column that is (numerically) a combination of the
/// earlier ones, if any.
fn dependent_column(x: &[f64], n: usize, c: usize) -> Option<usize> {
    let ones = vec![1.0; n];
    let mut gram = vec![0.0; c * c];
    linalg::weighted_gram(x, n, c, &ones, &mut gram);
    for j in 0..c {
        // The factor of the leading (j+1) × (j+1) block fails exactly when
        // column j is the first dependent one.
        let mut lead = vec![0.0; (j + 1) * (j + 1)];
        for a in 0..=j {
            for b in 0..=j {
                lead[a * (j + 1) + b] = gram[a * c + b];
            }
        }
        if gram[j * c + j] == 0.0 || !linalg::cholesky(&mut lead, j + 1) {
            return Some(j);
        }
    }
    None
}

fn prepare_phenotype(
    b: &LogisticModelBuilder<'_>,
    design: &[f64],
    n: usize,
    c: usize,
    j: usize,
) -> std::result::Result<Phenotype, PhenotypeSkip> {
    let observed: Vec<usize> = (0..n).filter(|&i| !b.phenotypes[(i, j)].is_nan()).collect();
    let n_o = observed.len();
    if n_o == 0 {
        return Err(PhenotypeSkip::NoSamples);
    }
    let y: Vec<f64> = observed.iter().map(|&i| b.phenotypes[(i, j)]).collect();
    let cases = y.iter().filter(|&&v| v == 1.0).count();
    if cases == 0 || cases == n_o {
        return Err(PhenotypeSkip::Constant);
    }
    let offset: Vec<f64> = match b.offsets {
        Some(o) => observed.iter().map(|&i| o[(i, j)]).collect(),
        None => vec![0.0; n_o],
    };
    let x: Vec<f64> = if n_o == n {
        design.to_vec()
    } else {
        let mut x = Vec::with_capacity(n_o * c);
        for col in 0..c {
            x.extend(observed.iter().map(|&i| design[col * n + i]));
        }
        x
    };
    if dependent_column(&x, n_o, c).is_some() {
        return Err(PhenotypeSkip::SingularCovariates);
    }
    let fit =
        null_fit(&x, n_o, c, &y, &offset, b.intercept).ok_or(PhenotypeSkip::NullModelDiverged)?;

    // L⁻¹XᵀW as a c × n matrix over all samples.
    let mut projector = Mat::zeros(c, n);
    let mut z = vec![0.0; c];
    for r in 0..n_o {
        for col in 0..c {
            z[col] = x[col * n_o + r] * fit.w[r];
        }
        linalg::forward(&fit.fisher_chol, c, c, &mut z);
        let i = observed[r];
        for col in 0..c {
            projector[(col, i)] = z[col];
        }
    }
    Ok(Phenotype {
        observed: (n_o < n).then_some(observed),
        x,
        y,
        offset,
        beta: fit.beta,
        eta: fit.eta,
        mu: fit.mu,
        w: fit.w,
        loglik: fit.loglik,
        fisher_chol: fit.fisher_chol,
        projector,
        firth_offset: OnceLock::new(),
        basis: OnceLock::new(),
        pairs: OnceLock::new(),
    })
}

struct NullFit {
    beta: Vec<f64>,
    eta: Vec<f64>,
    mu: Vec<f64>,
    w: Vec<f64>,
    loglik: f64,
    fisher_chol: Vec<f64>,
}

/// Newton–Raphson (IRLS) for the null model, halving steps that lower the
/// likelihood. `None` when it does not converge in 100 iterations, which
/// on full-rank covariates means separation.
fn null_fit(
    x: &[f64],
    n: usize,
    c: usize,
    y: &[f64],
    offset: &[f64],
    intercept: bool,
) -> Option<NullFit> {
    let mut beta = vec![0.0; c];
    if intercept && c > 0 {
        // REGENIE's start: the log-odds of the case fraction, less the mean
        // offset.
        let mean = y.iter().sum::<f64>() / n as f64;
        let mean_offset = offset.iter().sum::<f64>() / n as f64;
        beta[0] = (mean / (1.0 - mean)).ln() - mean_offset;
    }
    let evaluate = |beta: &[f64]| -> (Vec<f64>, f64) {
        let mut eta = offset.to_vec();
        for (col, &b) in beta.iter().enumerate() {
            for (e, &v) in eta.iter_mut().zip(&x[col * n..(col + 1) * n]) {
                *e += b * v;
            }
        }
        let ll = eta
            .iter()
            .zip(y)
            .map(|(&e, &t)| t * e - linalg::softplus(e))
            .sum();
        (eta, ll)
    };
    let (mut eta, mut loglik) = evaluate(&beta);
    let mut mu = vec![0.0; n];
    let mut w = vec![0.0; n];
    let mut chol = vec![0.0; c * c];
    let mut step = vec![0.0; c];
    for _ in 0..100 {
        for i in 0..n {
            mu[i] = linalg::sigmoid(eta[i]);
            w[i] = mu[i] * (1.0 - mu[i]);
        }
        linalg::weighted_gram(x, n, c, &w, &mut chol);
        if !linalg::cholesky(&mut chol, c) {
            return None;
        }
        for (col, s) in step.iter_mut().enumerate() {
            *s = (0..n).map(|i| x[col * n + i] * (y[i] - mu[i])).sum();
        }
        linalg::solve(&chol, c, c, &mut step);
        let largest = step.iter().fold(0.0_f64, |m, s| m.max(s.abs()));
        if !largest.is_finite() {
            return None;
        }
        if largest < 1e-10 * (1.0 + beta.iter().fold(0.0_f64, |m, b| m.max(b.abs()))) {
            return Some(NullFit {
                beta,
                eta,
                mu,
                w,
                loglik,
                fisher_chol: chol,
            });
        }
        let mut scale = 1.0;
        let mut accepted = false;
        for _ in 0..30 {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + scale * s).collect();
            let (e, ll) = evaluate(&trial);
            if ll.is_finite() && ll >= loglik - 1e-12 * loglik.abs() {
                beta = trial;
                eta = e;
                loglik = ll;
                accepted = true;
                break;
            }
            scale /= 2.0;
        }
        if !accepted {
            return None;
        }
    }
    None
}
