//! Linear regression of phenotypes on one variant at a time, with
//! covariates, vectorised over blocks of variants.
//!
//! A [`LinearModel`] is prepared once from the covariates (n × c), the
//! phenotypes (n × p, NaN for a missing value) and optional per-sample
//! offsets (n × p). Preparing projects the covariates out of the
//! phenotypes through a QR decomposition; testing a block of m variants
//! (dosages, n × m, column-major) then takes three matrix products — the
//! covariate basis against the block, the block against the phenotype
//! residuals, and the block's column sums of squares — and O(m × p) scalar
//! work, never a least-squares fit per variant.
//!
//! For variant g and phenotype y with covariates C, let r = (I − QQᵀ)g be
//! the genotype residual (Q an orthonormal basis of C) and e the phenotype
//! residual. Then
//! ```text
//! β  = gᵀe / rᵀr                    (gᵀe = rᵀe because Qᵀe = 0)
//! rᵀr = gᵀg − ‖Qᵀg‖²
//! SE = √((eᵀe − β² rᵀr) / (dof · rᵀr)),   dof = n − c − 1
//! ```
//! and the two-sided p-value of t = β / SE is taken from Student's t with
//! `dof` degrees of freedom. The two conventions ([`Convention`]) are
//! described in the crate documentation.

use faer::linalg::matmul::matmul;
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Accum, Mat, MatRef, Par};

use crate::error::{Error, Result};
use crate::gwas::pvalue::{StudentT, chi2_1df};
use crate::gwas::sparse::{SparseBlock, SparseColumn};

/// Which published method the statistics reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Convention {
    /// Ordinary least squares of `phenotype − offset` on the dosage and the
    /// covariates, per phenotype on the samples where it is present; the
    /// t-test with n − c − 1 degrees of freedom. Glow's
    /// `linear_regression_gwas` and `glow.gwas.linear_regression` on
    /// complete data, plink2's `--glm` always. Offsets are in phenotype
    /// units.
    #[default]
    Glow,
    /// REGENIE step 2 for quantitative traits (non-strict mode): phenotypes
    /// residualised on the covariates and scaled to unit variance, offsets
    /// (LOCO predictions, in those scaled units) subtracted, a score test
    /// with a χ²₁ p-value, BETA and SE on the phenotype's scale.
    Regenie,
    /// [`Regenie`](Self::Regenie) as REGENIE v1.0 computed it (v1.0.6.7
    /// made the REGENIE files of Glow's test data): the residual of
    /// phenotype minus offset is scaled with Neff − 1 degrees of freedom
    /// where later versions take Neff − c. BETA is the same; SE² is
    /// smaller and CHISQ larger by the factor (Neff − 1) / (Neff − c).
    RegenieV1,
}

/// How a [`LinearModel`] is built.
#[derive(Debug, Clone, Copy)]
pub struct LinearOptions {
    /// The statistics to reproduce.
    pub convention: Convention,
    /// Add an intercept column to the covariates (Glow's `fit_intercept`;
    /// REGENIE always has one).
    pub fit_intercept: bool,
    /// Parallelism of the matrix products (`Par::Seq` by default: callers
    /// usually test blocks on several threads themselves).
    pub parallelism: Par,
}

impl Default for LinearOptions {
    fn default() -> Self {
        Self {
            convention: Convention::Glow,
            fit_intercept: true,
            parallelism: Par::Seq,
        }
    }
}

/// Why a phenotype is not tested. Its results are `None` for every
/// variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhenotypeSkip {
    /// Fewer present samples than the covariates plus the genotype need.
    TooFewSamples {
        /// Samples where the phenotype is present.
        samples: usize,
        /// Samples needed: covariates (with the intercept) plus two.
        needed: usize,
    },
    /// The phenotype (minus its offset) is constant, or wholly explained by
    /// the covariates, on its samples.
    NoVariance,
    /// The covariates are linearly dependent on the samples where this
    /// phenotype is present (they are not on all samples).
    SingularCovariates,
}

/// The statistics of one (variant, phenotype) pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Association {
    /// Effect of one more copy of the alternate allele, in phenotype units.
    pub beta: f64,
    /// Standard error of `beta`.
    pub standard_error: f64,
    /// The test statistic: t under [`Convention::Glow`], χ² (REGENIE's
    /// CHISQ) under [`Convention::Regenie`].
    pub statistic: f64,
    /// The p-value (0 when it underflows; see `log10p`).
    pub p_value: f64,
    /// −log₁₀ of the p-value (REGENIE's LOG10P), accurate beyond `f64`'s
    /// range.
    pub log10p: f64,
}

/// A set of samples: all of them, or those marked 1.0.
#[derive(Debug, Clone)]
struct Subset {
    /// 1.0 for a member, 0.0 otherwise; `None` for all samples.
    weights: Option<Vec<f64>>,
    count: usize,
}

impl Subset {
    fn of(mask: &[bool]) -> Self {
        let count = mask.iter().filter(|&&m| m).count();
        if count == mask.len() {
            Subset {
                weights: None,
                count,
            }
        } else {
            Subset {
                weights: Some(mask.iter().map(|&m| f64::from(u8::from(m))).collect()),
                count,
            }
        }
    }

    fn contains(&self, i: usize) -> bool {
        self.weights.as_ref().is_none_or(|w| w[i] != 0.0)
    }

    /// Σ over members of x².
    fn sum_squares(&self, x: &[f64]) -> f64 {
        match &self.weights {
            None => squares(x),
            Some(w) => {
                let mut lanes = [0.0f64; 8];
                let (chunks, rest) = (x.chunks_exact(8), x.len() % 8);
                for (c, w) in chunks.zip(w.chunks_exact(8)) {
                    for k in 0..8 {
                        lanes[k] += c[k] * c[k] * w[k];
                    }
                }
                let tail: f64 = x[x.len() - rest..]
                    .iter()
                    .zip(&w[x.len() - rest..])
                    .map(|(v, w)| v * v * w)
                    .sum();
                lanes.iter().sum::<f64>() + tail
            }
        }
    }
}

/// The samples of one missingness pattern and their covariate basis.
#[derive(Debug, Clone)]
struct Pattern {
    subset: Subset,
    /// Orthonormal basis of the covariates, zero outside the subset (n × c).
    q: Mat<f64>,
}

/// A linear-regression GWAS model: covariates projected out of the
/// phenotypes once, ready to test blocks of variants.
///
/// Preparing costs O(n c² + n p c) and testing a block of m variants
/// O(n m (p + c)) in one matrix product, plus O(n m) for the sums of
/// squares; blocks of a few hundred variants keep the dosages in cache.
/// The model is immutable: share it between threads that test different
/// blocks, each with its own [`LinearResults`]. Per-chromosome offsets
/// (REGENIE's LOCO predictions) need one model per chromosome, which is
/// cheap to prepare. Phenotypes with different missing samples are
/// grouped by pattern; each pattern adds its c basis columns to the
/// product.
///
/// ```
/// use faer::{Mat, MatRef};
/// use genolake_stats::gwas::linear::{LinearModel, LinearOptions, LinearResults};
///
/// // Eight samples, one covariate, one phenotype; NaN marks a missing value.
/// let covariates = Mat::from_fn(8, 1, |i, _| (i * i % 5) as f64);
/// let y = [0.1, 1.2, 2.1, 0.3, f64::NAN, 2.2, 0.2, 1.1];
/// let phenotypes = MatRef::from_column_major_slice(&y, 8, 1);
/// let model = LinearModel::new(covariates.as_ref(), phenotypes, None, &LinearOptions::default())?;
///
/// // Two variants' dosages, column-major.
/// let dosages = [0., 1., 2., 0., 1., 2., 0., 1., /**/ 0., 0., 1., 1., 0., 2., 1., 0.];
/// let block = MatRef::from_column_major_slice(&dosages, 8, 2);
/// let mut results = LinearResults::default();
/// model.test(block, &mut results)?;
/// let first = results.get(0, 0).expect("the first variant is tested");
/// assert!(first.beta > 0.9 && first.p_value < 1e-3);
/// assert!(results.get(1, 0).is_some());
/// # Ok::<(), genolake_stats::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LinearModel {
    convention: Convention,
    parallelism: Par,
    samples: usize,
    /// Covariate columns, the intercept included.
    columns: usize,
    patterns: Vec<Pattern>,
    /// Per phenotype: its pattern (Glow) or its own subset when it differs
    /// from the analysed samples (REGENIE).
    pattern_of: Vec<usize>,
    own_subset: Vec<Option<Subset>>,
    skip: Vec<Option<PhenotypeSkip>>,
    /// Phenotype residuals (Glow), or REGENIE's scaled residuals minus
    /// offsets, rescaled to unit variance; zero where missing (n × p).
    y: Mat<f64>,
    /// REGENIE: Qᵀy, because offsets are not orthogonal to the covariates.
    qty: Mat<f64>,
    /// Glow: eᵀe. REGENIE: the phenotype's scale times its residual's.
    yy: Vec<f64>,
    /// Residual degrees of freedom (Glow).
    dof: Vec<f64>,
    /// [Y | Q of each pattern in use], so that one product with a block
    /// gives all the cross products (n × (p + c × patterns in use)).
    stacked: Mat<f64>,
    /// `stacked` row-major, for sparse blocks: sample i's row is
    /// `rows[i × stride .. i × stride + width]`, zero-padded to a stride of
    /// whole 4-value lanes (see [`cross_products`]).
    rows: Vec<f64>,
    /// Column sums of `stacked`: the cross products of a constant column.
    column_sums: Vec<f64>,
    /// Per pattern, its basis' first column in `stacked` (None: unused).
    basis_row: Vec<Option<usize>>,
}

/// Relative size under which a diagonal of R marks a covariate as a linear
/// combination of the ones before it.
const RANK_TOLERANCE: f64 = 1e-9;
/// Relative residual variance under which a variant (or a phenotype) counts
/// as explained by the covariates: well above the rounding of gᵀg − ‖Qᵀg‖².
const VARIANCE_TOLERANCE: f64 = 1e-9;

impl LinearModel {
    /// Prepares the model. `covariates` is n × c (c may be 0), `phenotypes`
    /// n × p with NaN for missing values, `offsets` n × p (a NaN is allowed
    /// only where the phenotype is missing).
    ///
    /// Errors: shapes that disagree, non-finite covariates, infinite
    /// phenotypes, missing offsets of present phenotypes, and covariates
    /// that are linearly dependent over the samples analysed (the message
    /// names the first dependent column). A phenotype that cannot be tested
    /// is skipped instead, see [`skipped`](Self::skipped).
    pub fn new(
        covariates: MatRef<'_, f64>,
        phenotypes: MatRef<'_, f64>,
        offsets: Option<MatRef<'_, f64>>,
        options: &LinearOptions,
    ) -> Result<Self> {
        let n = phenotypes.nrows();
        let p = phenotypes.ncols();
        if covariates.nrows() != n && covariates.ncols() > 0 {
            return Err(Error::Argument(format!(
                "the covariates have {} rows but the phenotypes {n}: both need one row per sample",
                covariates.nrows()
            )));
        }
        if let Some(o) = offsets
            && (o.nrows() != n || o.ncols() != p)
        {
            return Err(Error::Argument(format!(
                "the offsets are {} × {} but the phenotypes {n} × {p}: one offset per sample and phenotype",
                o.nrows(),
                o.ncols()
            )));
        }
        for j in 0..covariates.ncols() {
            for i in 0..n {
                if !covariates[(i, j)].is_finite() {
                    return Err(Error::Argument(format!(
                        "covariate column {j} holds {} at sample {i}: covariates must be finite \
                         (drop or impute such samples first)",
                        covariates[(i, j)]
                    )));
                }
            }
        }
        for j in 0..p {
            for i in 0..n {
                let y = phenotypes[(i, j)];
                if y.is_infinite() {
                    return Err(Error::Argument(format!(
                        "phenotype column {j} holds {y} at sample {i}: use NaN for a missing value"
                    )));
                }
                if let Some(o) = offsets
                    && !y.is_nan()
                    && !o[(i, j)].is_finite()
                {
                    return Err(Error::Argument(format!(
                        "the offset of phenotype column {j} at sample {i} is {} where the phenotype is present",
                        o[(i, j)]
                    )));
                }
            }
        }
        let intercept = usize::from(options.fit_intercept);
        let c = covariates.ncols() + intercept;
        let design = Mat::from_fn(n, c, |i, j| {
            if j < intercept {
                1.0
            } else {
                covariates[(i, j - intercept)]
            }
        });
        let present =
            |j: usize| -> Vec<bool> { (0..n).map(|i| !phenotypes[(i, j)].is_nan()).collect() };
        let mut model = LinearModel {
            convention: options.convention,
            parallelism: options.parallelism,
            samples: n,
            columns: c,
            patterns: Vec::new(),
            pattern_of: vec![0; p],
            own_subset: vec![None; p],
            skip: vec![None; p],
            y: Mat::zeros(n, p),
            qty: Mat::zeros(c, p),
            yy: vec![0.0; p],
            dof: vec![0.0; p],
            stacked: Mat::zeros(n, 0),
            rows: Vec::new(),
            column_sums: Vec::new(),
            basis_row: Vec::new(),
        };
        match options.convention {
            Convention::Glow => {
                // The covariates must be of full rank over all samples.
                if n > c {
                    basis(design.as_ref(), &Subset::of(&vec![true; n]), intercept)?;
                }
                let mut masks: Vec<Vec<bool>> = Vec::new();
                for j in 0..p {
                    let mask = present(j);
                    let k = match masks.iter().position(|m| *m == mask) {
                        Some(k) => k,
                        None => {
                            masks.push(mask);
                            masks.len() - 1
                        }
                    };
                    model.pattern_of[j] = k;
                }
                let mut bases = Vec::with_capacity(masks.len());
                for mask in &masks {
                    let subset = Subset::of(mask);
                    let q = if subset.count >= c + 2 {
                        basis(design.as_ref(), &subset, intercept).ok()
                    } else {
                        None
                    };
                    bases.push((subset, q));
                }
                for j in 0..p {
                    let (subset, q) = &bases[model.pattern_of[j]];
                    if subset.count < c + 2 {
                        model.skip[j] = Some(PhenotypeSkip::TooFewSamples {
                            samples: subset.count,
                            needed: c + 2,
                        });
                        continue;
                    }
                    let Some(q) = q else {
                        model.skip[j] = Some(PhenotypeSkip::SingularCovariates);
                        continue;
                    };
                    let mut u = Mat::from_fn(n, 1, |i, _| {
                        if subset.contains(i) {
                            phenotypes[(i, j)] - offsets.map_or(0.0, |o| o[(i, j)])
                        } else {
                            0.0
                        }
                    });
                    let uu = squares(u.col_as_slice(0));
                    project_out(q.as_ref(), u.as_mut());
                    let ee = squares(u.col_as_slice(0));
                    if uu == 0.0 || ee <= VARIANCE_TOLERANCE * VARIANCE_TOLERANCE * uu {
                        model.skip[j] = Some(PhenotypeSkip::NoVariance);
                        continue;
                    }
                    model
                        .y
                        .col_as_slice_mut(j)
                        .copy_from_slice(u.col_as_slice(0));
                    model.yy[j] = ee;
                    model.dof[j] = (subset.count - c - 1) as f64;
                }
                model.patterns = bases
                    .into_iter()
                    .map(|(subset, q)| Pattern {
                        subset,
                        q: q.unwrap_or_else(|| Mat::zeros(n, c)),
                    })
                    .collect();
            }
            Convention::Regenie | Convention::RegenieV1 => {
                // REGENIE analyses the samples with at least one phenotype.
                let analysed: Vec<bool> = (0..n)
                    .map(|i| (0..p).any(|j| !phenotypes[(i, j)].is_nan()))
                    .collect();
                let subset = Subset::of(&analysed);
                if subset.count <= c {
                    return Err(Error::Argument(format!(
                        "{} samples with a phenotype cannot be fitted with {c} covariate columns",
                        subset.count
                    )));
                }
                let q = basis(design.as_ref(), &subset, intercept)?;
                for j in 0..p {
                    let mask = present(j);
                    let own = Subset::of(&mask);
                    let effective = own.count;
                    if effective < c + 2 {
                        model.skip[j] = Some(PhenotypeSkip::TooFewSamples {
                            samples: effective,
                            needed: c + 2,
                        });
                        continue;
                    }
                    let mean = (0..n)
                        .filter(|&i| mask[i])
                        .map(|i| phenotypes[(i, j)])
                        .sum::<f64>()
                        / effective as f64;
                    let mut y = Mat::from_fn(n, 1, |i, _| {
                        if mask[i] {
                            phenotypes[(i, j)] - mean
                        } else {
                            0.0
                        }
                    });
                    let yy0 = squares(y.col_as_slice(0));
                    // REGENIE removes the covariates' fit only where the
                    // phenotype is present.
                    let mut beta = Mat::zeros(c, 1);
                    matmul(
                        beta.as_mut(),
                        Accum::Replace,
                        q.transpose(),
                        y.as_ref(),
                        1.0,
                        Par::Seq,
                    );
                    let mut fit = Mat::zeros(n, 1);
                    matmul(
                        fit.as_mut(),
                        Accum::Replace,
                        q.as_ref(),
                        beta.as_ref(),
                        1.0,
                        Par::Seq,
                    );
                    for i in 0..n {
                        if mask[i] {
                            y[(i, 0)] -= fit[(i, 0)];
                        }
                    }
                    let dof = (effective - c) as f64;
                    let yy = squares(y.col_as_slice(0));
                    if yy0 == 0.0 || yy <= VARIANCE_TOLERANCE * VARIANCE_TOLERANCE * yy0 {
                        model.skip[j] = Some(PhenotypeSkip::NoVariance);
                        continue;
                    }
                    let scale_y = (yy / dof).sqrt();
                    let mut res = Mat::from_fn(n, 1, |i, _| {
                        if mask[i] {
                            y[(i, 0)] / scale_y - offsets.map_or(0.0, |o| o[(i, j)])
                        } else {
                            0.0
                        }
                    });
                    let rr = squares(res.col_as_slice(0));
                    if rr == 0.0 {
                        model.skip[j] = Some(PhenotypeSkip::NoVariance);
                        continue;
                    }
                    let res_dof = if options.convention == Convention::RegenieV1 {
                        (effective - 1) as f64
                    } else {
                        dof
                    };
                    let sd_res = (rr / res_dof).sqrt();
                    for v in res.col_as_slice_mut(0) {
                        *v /= sd_res;
                    }
                    model
                        .y
                        .col_as_slice_mut(j)
                        .copy_from_slice(res.col_as_slice(0));
                    model.yy[j] = scale_y * sd_res;
                    if own.count != subset.count {
                        model.own_subset[j] = Some(own);
                    }
                }
                let mut qty = Mat::zeros(c, p);
                matmul(
                    qty.as_mut(),
                    Accum::Replace,
                    q.transpose(),
                    model.y.as_ref(),
                    1.0,
                    Par::Seq,
                );
                model.qty = qty;
                model.patterns = vec![Pattern { subset, q }];
            }
        }
        model.stack();
        Ok(model)
    }

    /// Builds `stacked` and `basis_row` from the phenotypes and patterns.
    fn stack(&mut self) {
        let (n, p, c) = (self.samples, self.phenotypes(), self.columns);
        self.basis_row = (0..self.patterns.len())
            .map(|k| {
                (0..p).any(|j| {
                    self.skip[j].is_none()
                        && (self.convention != Convention::Glow || self.pattern_of[j] == k)
                })
            })
            .scan(p, |next, used| {
                let row = used.then_some(*next);
                if used {
                    *next += c;
                }
                Some(row)
            })
            .collect();
        let width = p + c * self.basis_row.iter().flatten().count();
        let mut stacked = Mat::zeros(n, width);
        for j in 0..p {
            stacked
                .col_as_slice_mut(j)
                .copy_from_slice(self.y.col_as_slice(j));
        }
        for (k, row) in self.basis_row.iter().enumerate() {
            if let Some(row) = row {
                for l in 0..c {
                    stacked
                        .col_as_slice_mut(row + l)
                        .copy_from_slice(self.patterns[k].q.col_as_slice(l));
                }
            }
        }
        let stride = width.next_multiple_of(LANE);
        self.rows = vec![0.0; n * stride];
        for (i, row) in self.rows.chunks_exact_mut(stride.max(1)).enumerate() {
            for (l, value) in row[..width].iter_mut().enumerate() {
                *value = stacked[(i, l)];
            }
        }
        self.column_sums = (0..width)
            .map(|l| stacked.col_as_slice(l).iter().sum())
            .collect();
        self.stacked = stacked;
    }

    /// Samples (rows of every block).
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Phenotypes (columns of the results).
    pub fn phenotypes(&self) -> usize {
        self.skip.len()
    }

    /// Covariate columns, the intercept included.
    pub fn covariate_columns(&self) -> usize {
        self.columns
    }

    /// Per phenotype, why it is not tested (`None`: it is).
    pub fn skipped(&self) -> &[Option<PhenotypeSkip>] {
        &self.skip
    }

    /// Tests every variant of `dosages` (n × m, no NaN: see
    /// [`dosage`](crate::gwas::dosage), which imputes missing genotypes)
    /// against every phenotype, into `results` (reused between blocks).
    ///
    /// A pair is `None` when its phenotype is skipped or the variant has no
    /// variance left once the covariates are projected out (monomorphic on
    /// the phenotype's samples, or collinear with the covariates).
    pub fn test(&self, dosages: MatRef<'_, f64>, results: &mut LinearResults) -> Result<()> {
        let n = self.samples;
        if dosages.nrows() != n {
            return Err(Error::Argument(format!(
                "a block of {} samples cannot be tested by a model of {n} samples",
                dosages.nrows()
            )));
        }
        let m = dosages.ncols();
        results.reset(m, self.phenotypes());
        let scratch = &mut results.scratch;
        // One product gives Gᵀy for every phenotype and Qᵀg for every
        // pattern's basis: the block is read once.
        resize(&mut scratch.product, self.stacked.ncols(), m);
        matmul(
            scratch.product.as_mut(),
            Accum::Replace,
            self.stacked.transpose(),
            dosages,
            1.0,
            self.parallelism,
        );
        scratch.gg.clear();
        for (k, pattern) in self.patterns.iter().enumerate() {
            if self.basis_row[k].is_none() {
                continue;
            }
            for v in 0..m {
                let column = dosages.col(v);
                let gg = match column.try_as_col_major() {
                    Some(contiguous) => pattern.subset.sum_squares(contiguous.as_slice()),
                    None => (0..n)
                        .filter(|&i| pattern.subset.contains(i))
                        .map(|i| column[i] * column[i])
                        .sum(),
                };
                if !gg.is_finite() {
                    return Err(Error::Argument(format!(
                        "variant {v} of the block holds a NaN or infinite dosage: impute missing genotypes first"
                    )));
                }
                scratch.gg.push(gg);
            }
        }
        self.statistics(Some(dosages), results)
    }

    /// [`test`](Self::test) for a block of sparse columns (see
    /// [`sparse`](crate::gwas::sparse)): the same statistics, at a cost
    /// proportional to the columns' entries rather than to n × m.
    ///
    /// ```
    /// use faer::{Mat, MatRef};
    /// use genolake_stats::gwas::linear::{LinearModel, LinearOptions, LinearResults};
    /// use genolake_stats::gwas::sparse::SparseDosages;
    ///
    /// let covariates = Mat::from_fn(8, 1, |i, _| (i * i % 5) as f64);
    /// let y = [0.1, 1.2, 2.1, 0.3, 0.4, 2.2, 0.2, 1.1];
    /// let phenotypes = MatRef::from_column_major_slice(&y, 8, 1);
    /// let model = LinearModel::new(covariates.as_ref(), phenotypes, None, &LinearOptions::default())?;
    /// let dosages = [0., 1., 2., 0., 0., 2., 0., 1.];
    /// let mut sparse = SparseDosages::new(8);
    /// sparse.push_dense(&dosages)?;
    /// let (mut dense_results, mut sparse_results) = (LinearResults::default(), LinearResults::default());
    /// model.test(MatRef::from_column_major_slice(&dosages, 8, 1), &mut dense_results)?;
    /// model.test_sparse(sparse.block(), &mut sparse_results)?;
    /// let (a, b) = (dense_results.get(0, 0).unwrap(), sparse_results.get(0, 0).unwrap());
    /// assert!((a.beta - b.beta).abs() < 1e-12 && (a.p_value - b.p_value).abs() < 1e-12);
    /// # Ok::<(), genolake_stats::Error>(())
    /// ```
    pub fn test_sparse(&self, block: SparseBlock<'_>, results: &mut LinearResults) -> Result<()> {
        let n = self.samples;
        if block.samples() != n {
            return Err(Error::Argument(format!(
                "a block of {} samples cannot be tested by a model of {n} samples",
                block.samples()
            )));
        }
        if self.convention != Convention::Glow && self.own_subset.iter().any(Option::is_some) {
            // Phenotypes with their own missing samples need the dense
            // genotype residuals.
            let mut dense = std::mem::take(&mut results.scratch.dense);
            block.to_dense(&mut dense);
            let tested = self.test(
                MatRef::from_column_major_slice(&dense, n, block.columns()),
                results,
            );
            results.scratch.dense = dense;
            return tested;
        }
        let m = block.columns();
        results.reset(m, self.phenotypes());
        let width = self.stacked.ncols();
        let weighted: Vec<&Subset> = self
            .patterns
            .iter()
            .zip(&self.basis_row)
            .filter(|(_, row)| row.is_some())
            .map(|(pattern, _)| &pattern.subset)
            .collect();
        let scratch = &mut results.scratch;
        resize(&mut scratch.product, width, m);
        scratch.gg.clear();
        scratch.gg.resize(weighted.len() * m, 0.0);
        let mut acc = vec![0.0; width.next_multiple_of(LANE)];
        for v in 0..m {
            let column = block.column(v);
            let (sum, squares) = cross_products(&self.rows, column, &mut acc)?;
            let b = column.base;
            for (l, a) in acc[..width].iter().enumerate() {
                scratch.product[(l, v)] = b * self.column_sums[l] + a;
            }
            // Σ over a pattern's samples of (b + d)².
            for (slot, subset) in weighted.iter().enumerate() {
                let (sum, squares) = match &subset.weights {
                    None => (sum, squares),
                    Some(w) => column
                        .indices
                        .iter()
                        .zip(column.deltas)
                        .map(|(&i, &d)| (w[i as usize] * d, w[i as usize] * d * d))
                        .fold((0.0, 0.0), |(s, q), (a, b)| (s + a, q + b)),
                };
                let gg = b * b * subset.count as f64 + 2.0 * b * sum + squares;
                if !gg.is_finite() {
                    return Err(Error::Argument(format!(
                        "variant {v} of the block holds a NaN or infinite dosage"
                    )));
                }
                scratch.gg[slot * m + v] = gg;
            }
        }
        self.statistics(None, results)
    }

    /// The statistics of a block from its cross products (`product`) and
    /// sums of squares (`gg`, per pattern in use); `dosages` when the
    /// block is dense.
    fn statistics(
        &self,
        dosages: Option<MatRef<'_, f64>>,
        results: &mut LinearResults,
    ) -> Result<()> {
        let n = self.samples;
        let m = results.variants;
        let p = self.phenotypes();
        let c = self.columns;
        let scratch = &mut results.scratch;
        let product = &scratch.product;
        match self.convention {
            Convention::Glow => {
                for (k, _) in self.patterns.iter().enumerate() {
                    let Some(row) = self.basis_row[k] else {
                        continue;
                    };
                    let used: Vec<usize> = (0..p)
                        .filter(|&j| self.pattern_of[j] == k && self.skip[j].is_none())
                        .collect();
                    let tests: Vec<StudentT> =
                        used.iter().map(|&j| StudentT::new(self.dof[j])).collect();
                    let slot = self.basis_row[..k].iter().flatten().count();
                    residual_squares(
                        &scratch.gg[slot * m..(slot + 1) * m],
                        product,
                        row,
                        c,
                        &mut scratch.rr,
                    );
                    for v in 0..m {
                        let (gg, rr) = scratch.rr[v];
                        if rr <= VARIANCE_TOLERANCE * gg {
                            continue;
                        }
                        for (&j, t_dist) in used.iter().zip(&tests) {
                            let beta = product[(j, v)] / rr;
                            let dof = self.dof[j];
                            let sse = (self.yy[j] - beta * beta * rr).max(0.0);
                            let se = (sse / (dof * rr)).sqrt();
                            let t = beta / se;
                            let pv = t_dist.two_sided(t);
                            results.values[v * p + j] = Some(Association {
                                beta,
                                standard_error: se,
                                statistic: t,
                                p_value: pv.p,
                                log10p: pv.log10p,
                            });
                        }
                    }
                }
            }
            Convention::Regenie | Convention::RegenieV1 => {
                let pattern = &self.patterns[0];
                let Some(row) = self.basis_row[0] else {
                    return Ok(());
                };
                residual_squares(&scratch.gg[..m], product, row, c, &mut scratch.rr);
                let qg = product.as_ref().subrows(row, c);
                if self.own_subset.iter().any(Option::is_some) {
                    let Some(dosages) = dosages else {
                        return Err(Error::Argument(
                            "phenotypes with missing samples need a dense block".to_string(),
                        ));
                    };
                    // Phenotypes with missing values need Σ r² over their own
                    // samples: form r = G − Q(QᵀG) on the analysed samples.
                    resize(&mut scratch.residual, n, m);
                    for v in 0..m {
                        for i in 0..n {
                            scratch.residual[(i, v)] = if pattern.subset.contains(i) {
                                dosages[(i, v)]
                            } else {
                                0.0
                            };
                        }
                    }
                    matmul(
                        scratch.residual.as_mut(),
                        Accum::Add,
                        pattern.q.as_ref(),
                        qg,
                        -1.0,
                        self.parallelism,
                    );
                }
                let analysed = pattern.subset.count as f64;
                for v in 0..m {
                    let (gg, rr) = scratch.rr[v];
                    // REGENIE ignores a variant whose residual standard
                    // deviation is below its numerical tolerance.
                    if rr <= VARIANCE_TOLERANCE * gg || (rr / (analysed - c as f64)).sqrt() < 1e-6 {
                        continue;
                    }
                    for j in 0..p {
                        if self.skip[j].is_some() {
                            continue;
                        }
                        let s = match &self.own_subset[j] {
                            None => rr,
                            Some(own) => own.sum_squares(scratch.residual.col_as_slice(v)),
                        };
                        if s.is_nan() || s <= 0.0 {
                            continue;
                        }
                        // rᵀy = Gᵀy − (QᵀG)ᵀ(Qᵀy): the offsets leave y
                        // outside the residual space.
                        let correction: f64 = (0..c).map(|l| qg[(l, v)] * self.qty[(l, j)]).sum();
                        let stat = (product[(j, v)] - correction) / s.sqrt();
                        let se = self.yy[j] / s.sqrt();
                        let chisq = stat * stat;
                        let pv = chi2_1df(chisq);
                        results.values[v * p + j] = Some(Association {
                            beta: stat * se,
                            standard_error: se,
                            statistic: chisq,
                            p_value: pv.p,
                            log10p: pv.log10p,
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// Values per lane of [`cross_products`]: four f64 fill an AVX register.
const LANE: usize = 4;

/// Σₖ deltas[k] · rows[indices[k]] into `acc` (one padded row's length),
/// with Σ deltas and Σ deltas²: the cross products of a sparse column.
///
/// A row of 12 values (a phenotype and 11 covariate columns) is too short
/// for the compiler's vectorised loop over a slice of unknown length, which
/// then ran on scalars; rows padded to whole lanes, summed in a fixed
/// number of lanes held in registers, and AVX2 where the CPU has it, made
/// this a third of its former time per listed sample. No fused
/// multiply-add: the results are the same with or without AVX2.
fn cross_products(rows: &[f64], column: SparseColumn<'_>, acc: &mut [f64]) -> Result<(f64, f64)> {
    // The indices ascend: the last is the largest.
    if let Some(&last) = column.indices.last()
        && (last as usize + 1) * acc.len() > rows.len()
    {
        return Err(Error::Argument(format!(
            "a sparse column lists sample {last} of a model of {} samples",
            rows.len() / acc.len().max(1)
        )));
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return Ok(unsafe { cross_products_avx2(rows, column, acc) });
    }
    Ok(cross_products_lanes(rows, column, acc))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn cross_products_avx2(rows: &[f64], column: SparseColumn<'_>, acc: &mut [f64]) -> (f64, f64) {
    cross_products_lanes(rows, column, acc)
}

/// [`cross_products`] for the row lengths of one to four lanes, any
/// other length in a loop over its lanes.
#[inline(always)]
fn cross_products_lanes(rows: &[f64], column: SparseColumn<'_>, acc: &mut [f64]) -> (f64, f64) {
    match acc.len() / LANE {
        1 => fixed_lanes::<1>(rows, column, acc),
        2 => fixed_lanes::<2>(rows, column, acc),
        3 => fixed_lanes::<3>(rows, column, acc),
        4 => fixed_lanes::<4>(rows, column, acc),
        _ => {
            let stride = acc.len();
            acc.fill(0.0);
            let (mut sum, mut squares) = (0.0, 0.0);
            for (&i, &d) in column.indices.iter().zip(column.deltas) {
                let row = &rows[i as usize * stride..][..stride];
                for (a, r) in acc.chunks_exact_mut(LANE).zip(row.chunks_exact(LANE)) {
                    for l in 0..LANE {
                        a[l] += d * r[l];
                    }
                }
                sum += d;
                squares += d * d;
            }
            (sum, squares)
        }
    }
}

#[inline(always)]
fn fixed_lanes<const N: usize>(
    rows: &[f64],
    column: SparseColumn<'_>,
    acc: &mut [f64],
) -> (f64, f64) {
    let rows = rows.as_chunks::<LANE>().0;
    let mut lanes = [[0.0f64; LANE]; N];
    let (mut sum, mut squares) = (0.0, 0.0);
    for (&i, &d) in column.indices.iter().zip(column.deltas) {
        // Always a row: the caller checked the indices.
        let Some(row) = rows
            .get(i as usize * N..)
            .and_then(|r| r.first_chunk::<N>())
        else {
            continue;
        };
        for (lane, values) in lanes.iter_mut().zip(row) {
            for (a, r) in lane.iter_mut().zip(values) {
                *a += d * r;
            }
        }
        sum += d;
        squares += d * d;
    }
    for (out, lane) in acc.chunks_exact_mut(LANE).zip(&lanes) {
        out.copy_from_slice(lane);
    }
    (sum, squares)
}

/// Σ x², in eight independent lanes: a single running sum would keep the
/// compiler from vectorising (floating-point addition is not reassociated).
fn squares(x: &[f64]) -> f64 {
    let mut lanes = [0.0f64; 8];
    let chunks = x.chunks_exact(8);
    let tail: f64 = chunks.remainder().iter().map(|v| v * v).sum();
    for c in chunks {
        for k in 0..8 {
            lanes[k] += c[k] * c[k];
        }
    }
    lanes.iter().sum::<f64>() + tail
}

fn resize(mat: &mut Mat<f64>, rows: usize, cols: usize) {
    if mat.nrows() != rows || mat.ncols() != cols {
        *mat = Mat::zeros(rows, cols);
    }
}

/// An orthonormal basis (n × c, zero outside `subset`) of the design's
/// columns restricted to `subset`, or the first column that depends on
/// the ones before it.
fn basis(design: MatRef<'_, f64>, subset: &Subset, intercept: usize) -> Result<Mat<f64>> {
    let (n, c) = (design.nrows(), design.ncols());
    let restricted = Mat::from_fn(n, c, |i, j| {
        if subset.contains(i) {
            design[(i, j)]
        } else {
            0.0
        }
    });
    if c == 0 {
        return Ok(Mat::zeros(n, 0));
    }
    let qr = restricted.qr();
    let r = qr.thin_R();
    for j in 0..c {
        let norm = squares(restricted.col_as_slice(j)).sqrt();
        if r[(j, j)].is_nan() || r[(j, j)].abs() <= RANK_TOLERANCE * norm {
            return Err(Error::SingularCovariates {
                column: j.checked_sub(intercept),
                samples: subset.count,
            });
        }
    }
    let mut q = qr.compute_thin_Q();
    for i in 0..n {
        if !subset.contains(i) {
            for j in 0..c {
                q[(i, j)] = 0.0;
            }
        }
    }
    Ok(q)
}

/// u ← u − Q(Qᵀu).
fn project_out(q: MatRef<'_, f64>, mut u: faer::MatMut<'_, f64>) {
    let mut coef = Mat::zeros(q.ncols(), u.ncols());
    matmul(
        coef.as_mut(),
        Accum::Replace,
        q.transpose(),
        u.rb(),
        1.0,
        Par::Seq,
    );
    matmul(u.rb_mut(), Accum::Add, q, coef.as_ref(), -1.0, Par::Seq);
}

/// Fills `out` with (Σ g², Σ g² − ‖Qᵀg‖²) per variant from the sums of
/// squares over a pattern's samples, Qᵀg being rows `row .. row + c` of
/// `product`.
fn residual_squares(
    gg: &[f64],
    product: &Mat<f64>,
    row: usize,
    c: usize,
    out: &mut Vec<(f64, f64)>,
) {
    out.clear();
    for (v, &gg) in gg.iter().enumerate() {
        let qq: f64 = (row..row + c)
            .map(|l| product[(l, v)] * product[(l, v)])
            .sum();
        out.push((gg, gg - qq));
    }
}

#[derive(Debug, Clone)]
struct Scratch {
    /// [Y | Q₀ | Q₁ …]ᵀ G.
    product: Mat<f64>,
    /// Σ g² over each pattern in use's samples, pattern-major.
    gg: Vec<f64>,
    residual: Mat<f64>,
    rr: Vec<(f64, f64)>,
    /// A sparse block made dense, where a convention needs it.
    dense: Vec<f64>,
}

impl Default for Scratch {
    fn default() -> Self {
        Self {
            product: Mat::zeros(0, 0),
            gg: Vec::new(),
            residual: Mat::zeros(0, 0),
            rr: Vec::new(),
            dense: Vec::new(),
        }
    }
}

/// The results of one block: an [`Association`] per (variant, phenotype),
/// or `None` where the pair cannot be tested. Reuse one value across
/// blocks: it keeps its buffers.
#[derive(Debug, Clone, Default)]
pub struct LinearResults {
    variants: usize,
    phenotypes: usize,
    values: Vec<Option<Association>>,
    scratch: Scratch,
}

impl LinearResults {
    fn reset(&mut self, variants: usize, phenotypes: usize) {
        self.variants = variants;
        self.phenotypes = phenotypes;
        self.values.clear();
        self.values.resize(variants * phenotypes, None);
    }

    /// Variants of the last block.
    pub fn variants(&self) -> usize {
        self.variants
    }

    /// Phenotypes of the model.
    pub fn phenotypes(&self) -> usize {
        self.phenotypes
    }

    /// The statistics of variant `variant` (its column in the block) and
    /// phenotype `phenotype`.
    pub fn get(&self, variant: usize, phenotype: usize) -> Option<&Association> {
        if phenotype >= self.phenotypes {
            return None;
        }
        self.values
            .get(variant * self.phenotypes + phenotype)?
            .as_ref()
    }

    /// All pairs, variant by variant, phenotypes in order within each.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, Option<&Association>)> + '_ {
        self.values.iter().enumerate().map(|(k, a)| {
            (
                k / self.phenotypes.max(1),
                k % self.phenotypes.max(1),
                a.as_ref(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gwas::sparse::SparseDosages;
    use proptest::prelude::*;

    /// A small deterministic generator: the tests need varied numbers, not
    /// good randomness.
    fn numbers(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Sparse blocks give the dense blocks' statistics, in every
        /// convention, with phenotypes missing on different samples.
        #[test]
        fn sparse_blocks_test_as_dense_ones(seed in any::<u64>(), missing in 0usize..4) {
            let (n, m, p) = (37, 9, 3);
            let mut next = numbers(seed);
            let covariates = Mat::from_fn(n, 2, |_, _| next() - 0.5);
            let phenotypes = Mat::from_fn(n, p, |i, j| {
                if j > 0 && i % (3 + j) < missing { f64::NAN } else { next() }
            });
            let offsets = Mat::from_fn(n, p, |_, _| 0.1 * next());
            let mut dense = Vec::with_capacity(n * m);
            for v in 0..m {
                let frequency = [0.02, 0.3, 0.5, 0.9][v % 4];
                for i in 0..n {
                    let dosage = f64::from(u8::from(next() < frequency)) + f64::from(u8::from(next() < frequency));
                    // Every fifth sample of odd variants is an imputed mean.
                    dense.push(if v % 2 == 1 && i % 5 == 0 { 0.37 + v as f64 / 10.0 } else { dosage });
                }
            }
            let mut sparse = SparseDosages::new(n);
            for column in dense.chunks_exact(n) {
                sparse.push_dense(column).unwrap();
            }
            let block = MatRef::from_column_major_slice(&dense, n, m);
            for convention in [Convention::Glow, Convention::Regenie, Convention::RegenieV1] {
                let options = LinearOptions { convention, ..LinearOptions::default() };
                let model = LinearModel::new(covariates.as_ref(), phenotypes.as_ref(), Some(offsets.as_ref()), &options).unwrap();
                let (mut a, mut b) = (LinearResults::default(), LinearResults::default());
                model.test(block, &mut a).unwrap();
                model.test_sparse(sparse.block(), &mut b).unwrap();
                for ((_, _, x), (_, _, y)) in a.iter().zip(b.iter()) {
                    match (x, y) {
                        (Some(x), Some(y)) => {
                            for (u, w) in [(x.beta, y.beta), (x.standard_error, y.standard_error), (x.log10p, y.log10p)] {
                                prop_assert!((u - w).abs() <= 1e-9 * u.abs().max(1.0), "{convention:?}: {u} vs {w}");
                            }
                        }
                        (None, None) => {}
                        _ => prop_assert!(false, "{convention:?}: {x:?} vs {y:?}"),
                    }
                }
            }
        }
    }
}
