//! The streaming step-1 driver: phenotypes and covariates up front,
//! genotype dosages pushed block by block, LOCO predictions at the end.

use faer::{Mat, MatRef};

use super::level1::{Criterion, Level1Fit, Scheme, irls};
use super::loco::LocoPredictions;
use super::ridge::{
    Folds, cross, kfold_ridge_predictions, loocv_ridge_predictions, product, standardize_columns,
};
use crate::{Error, Result};

/// REGENIE's grid of heritabilities, for both levels.
pub const REGENIE_H2_GRID: [f64; 5] = [0.01, 0.25, 0.5, 0.75, 0.99];

/// The kind of phenotype, which decides the level-1 model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraitType {
    /// Quantitative: ridge regression at level 1.
    Quantitative,
    /// Binary (0/1): logistic ridge regression at level 1, with the
    /// covariates' null logistic model as offset.
    Binary,
}

/// How samples are split for cross-validation at both levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrossValidation {
    /// REGENIE's rule: leave-one-out for binary traits below 5,000
    /// samples, else 5 consecutive folds.
    Regenie,
    /// `k` consecutive folds.
    KFold(usize),
    /// Leave one sample out.
    LeaveOneOut,
}

/// Which REGENIE release's constants to follow: they changed between
/// versions 1 and 2, and the `.loco` files of each follow their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// REGENIE from version 2 on: penalties `P (1 − h²) / h²` for `P`
    /// standardised predictors (the ridge equivalent of a total
    /// heritability h² spread over them), phenotypes and genotypes scaled
    /// by `‖r‖ / √(n − c)` after projecting out `c` covariate columns.
    Current,
    /// REGENIE 1.0: penalties `P / h²` for quantitative traits (binary
    /// level 1 keeps `(1 − h²) / h²`), scaling by `‖r‖ / √(n − 1)`. The
    /// REGENIE 1.0.6.7 outputs of the test data follow it.
    Regenie1,
}

/// Options of [`WholeGenomeRidge`]; the defaults are REGENIE's.
#[derive(Debug, Clone, PartialEq)]
pub struct WgrOptions {
    /// Variants per level-0 block (REGENIE's `--bsize`, 1000 by default);
    /// a block never spans two contigs.
    pub block_size: usize,
    /// Cross-validation scheme.
    pub cross_validation: CrossValidation,
    /// Heritabilities of the level-0 grid: λ = M(1 − h²)/h² with M the
    /// number of variants.
    pub h2_level0: Vec<f64>,
    /// Heritabilities of the level-1 grid: τ = Q(1 − h²)/h² with Q the
    /// number of level-0 predictors (blocks × level-0 penalties), times
    /// 3/π² for binary traits (h² on the liability scale).
    pub h2_level1: Vec<f64>,
    /// Quantitative or binary phenotypes.
    pub trait_type: TraitType,
    /// REGENIE's constants of version 2 on, or of version 1.
    pub convention: Convention,
}

impl Default for WgrOptions {
    fn default() -> Self {
        Self {
            block_size: 1000,
            cross_validation: CrossValidation::Regenie,
            h2_level0: REGENIE_H2_GRID.to_vec(),
            h2_level1: REGENIE_H2_GRID.to_vec(),
            trait_type: TraitType::Quantitative,
            convention: Convention::Current,
        }
    }
}

/// Whole-genome ridge regression (REGENIE step 1), fed with genotype
/// dosages in a stream.
///
/// Memory is bounded by one block of dosages (`n × block_size`) plus the
/// level-0 predictions (`n × blocks × level-0 penalties` per phenotype),
/// whatever the number of variants.
///
/// # Examples
///
/// ```
/// use faer::Mat;
/// use genolake_stats::wgr::{WgrOptions, WholeGenomeRidge};
///
/// let (n, m) = (60, 40);
/// // Dosages of m variants on two contigs; the phenotype follows variant 3.
/// let g = Mat::<f64>::from_fn(n, m, |i, j| ((i * 7 + j * 13 + i * j) % 3) as f64);
/// let y = Mat::<f64>::from_fn(n, 1, |i, _| g[(i, 3)] + 0.1 * ((i % 5) as f64));
/// let options = WgrOptions { block_size: 10, ..WgrOptions::default() };
/// let mut wgr = WholeGenomeRidge::new(vec!["y".into()], y.as_ref(), None, m, options)?;
/// let contigs: Vec<&str> = (0..m).map(|j| if j < 20 { "1" } else { "2" }).collect();
/// wgr.push(g.as_ref(), &contigs)?;
/// let loco = wgr.finish()?;
/// assert_eq!(loco.contigs(), ["1", "2"]);
/// // Leaving out contig 1 drops the causal variant.
/// let without_1 = loco.get("1", 0).unwrap();
/// let without_2 = loco.get("2", 0).unwrap();
/// assert_eq!(without_1.len(), n);
/// assert!(without_1.iter().chain(without_2).all(|v| v.is_finite()));
/// # Ok::<(), genolake_stats::Error>(())
/// ```
#[derive(Debug)]
pub struct WholeGenomeRidge {
    names: Vec<String>,
    n: usize,
    options: WgrOptions,
    /// Orthonormal basis of the intercept and covariates (`n × c`).
    basis: Mat<f64>,
    /// Residualised phenotypes scaled to unit variance (`n × p`).
    y_std: Mat<f64>,
    /// `n − c` or `n − 1`: the denominator of the scaling of phenotypes
    /// and genotypes.
    dof: f64,
    /// Binary traits: the 0/1 values and the null model's linear predictor.
    y_raw: Mat<f64>,
    offsets: Mat<f64>,
    folds: Option<Folds>,
    lambdas: Vec<f64>,
    /// The block being filled, column-major `n × block_size`.
    buffer: Vec<f64>,
    buffered: usize,
    contigs: Vec<String>,
    block_contig: Vec<usize>,
    /// Per phenotype, the standardised level-0 predictions, column-major
    /// `n × (blocks × lambdas)`.
    level0: Vec<Vec<f64>>,
    pushed: usize,
}

impl WholeGenomeRidge {
    /// Prepares step 1 for the phenotypes `phenotypes` (`n × p`, one column
    /// per name in `names`) and optional `covariates` (`n × c`), rows in the
    /// order in which dosages will be pushed; `variant_count` is the number
    /// of variants that will be pushed (it sets the level-0 penalties, as
    /// REGENIE's).
    ///
    /// Errors: shapes that disagree, missing or non-finite values, a
    /// constant phenotype (or one the covariates explain entirely), a
    /// binary phenotype that is not 0/1 or has one class only, a constant
    /// or collinear covariate, too few samples for the cross-validation.
    pub fn new(
        names: Vec<String>,
        phenotypes: MatRef<'_, f64>,
        covariates: Option<MatRef<'_, f64>>,
        variant_count: usize,
        options: WgrOptions,
    ) -> Result<Self> {
        let n = phenotypes.nrows();
        let p = phenotypes.ncols();
        if p == 0 || names.len() != p {
            return Err(Error::Wgr(format!(
                "{} phenotype names for {p} phenotype columns",
                names.len()
            )));
        }
        if options.block_size == 0 {
            return Err(Error::Wgr("the block size must be at least 1".into()));
        }
        if variant_count == 0 {
            return Err(Error::Wgr("the variant count must be at least 1".into()));
        }
        for (what, grid) in [
            ("level-0", &options.h2_level0),
            ("level-1", &options.h2_level1),
        ] {
            if grid.is_empty() || grid.iter().any(|h| !(*h > 0.0 && *h < 1.0)) {
                return Err(Error::Wgr(format!(
                    "the {what} heritabilities must lie strictly between 0 and 1: {grid:?}"
                )));
            }
        }
        for j in 0..p {
            if let Some(i) = (0..n).find(|&i| !phenotypes[(i, j)].is_finite()) {
                return Err(Error::Wgr(format!(
                    "phenotype {} is missing or not finite at sample {i}: step 1 needs complete phenotypes",
                    names[j]
                )));
            }
        }
        let c_user = covariates.map_or(0, |c| c.ncols());
        if let Some(cov) = covariates {
            if cov.nrows() != n {
                return Err(Error::Wgr(format!(
                    "{} covariate rows for {n} phenotype rows",
                    cov.nrows()
                )));
            }
            for j in 0..c_user {
                if let Some(i) = (0..n).find(|&i| !cov[(i, j)].is_finite()) {
                    return Err(Error::Wgr(format!(
                        "covariate {j} is missing or not finite at sample {i}"
                    )));
                }
            }
        }
        let design = Mat::<f64>::from_fn(n, c_user + 1, |i, j| match (j, covariates) {
            (0, _) | (_, None) => 1.0,
            (j, Some(cov)) => cov[(i, j - 1)],
        });
        let scheme_loo = match options.cross_validation {
            CrossValidation::LeaveOneOut => true,
            CrossValidation::KFold(_) => false,
            CrossValidation::Regenie => options.trait_type == TraitType::Binary && n < 5000,
        };
        let k = match options.cross_validation {
            CrossValidation::KFold(k) => k,
            _ => 5,
        };
        let min = (c_user + 3).max(if scheme_loo { 3 } else { 2 * k });
        if n < min {
            return Err(Error::Wgr(format!(
                "{n} samples are too few: at least {min} are needed"
            )));
        }
        let folds = if scheme_loo {
            None
        } else {
            Some(Folds::contiguous(n, k)?)
        };

        let basis = orthonormal_basis(design.as_ref())?;
        let dof = match options.convention {
            Convention::Current => (n - basis.ncols()) as f64,
            Convention::Regenie1 => (n - 1) as f64,
        };

        for (j, name) in names.iter().enumerate() {
            let col: Vec<f64> = (0..n).map(|i| phenotypes[(i, j)]).collect();
            let first = col[0];
            if col.iter().all(|v| *v == first) {
                return Err(Error::Wgr(format!("phenotype {name} is constant")));
            }
            let not_binary = col.iter().position(|v| *v != 0.0 && *v != 1.0);
            if let (TraitType::Binary, Some(i)) = (options.trait_type, not_binary) {
                return Err(Error::Wgr(format!(
                    "binary phenotype {name} holds {} at sample {i}: expected 0 or 1",
                    col[i]
                )));
            }
        }
        let proj = product(basis.as_ref(), cross(basis.as_ref(), phenotypes).as_ref());
        let mut y_std = phenotypes - &proj;
        for (j, name) in names.iter().enumerate() {
            let norm = y_std.col(j).norm_l2();
            let total = phenotypes.col(j).norm_l2();
            // Written so that a NaN norm fails too.
            if norm.partial_cmp(&(1e-10 * total.max(1e-300))) != Some(std::cmp::Ordering::Greater) {
                return Err(Error::Wgr(format!(
                    "phenotype {name} is entirely explained by the covariates: nothing is left to predict"
                )));
            }
            let scale = norm / dof.sqrt();
            for v in y_std.col_mut(j).iter_mut() {
                *v /= scale;
            }
        }
        let (y_raw, offsets) = if options.trait_type == TraitType::Binary {
            let mut offsets = Mat::<f64>::zeros(n, p);
            for j in 0..p {
                let y: Vec<f64> = (0..n).map(|i| phenotypes[(i, j)]).collect();
                let fit = irls(
                    design.as_ref(),
                    &y,
                    &vec![0.0; n],
                    0.0,
                    &vec![0.0; design.ncols()],
                )
                .map_err(|e| {
                    Error::Wgr(format!(
                        "the null logistic model of phenotype {}: {e}",
                        names[j]
                    ))
                })?;
                for i in 0..n {
                    offsets[(i, j)] = (0..design.ncols())
                        .map(|c| design[(i, c)] * fit.beta[c])
                        .sum();
                }
            }
            (phenotypes.to_owned(), offsets)
        } else {
            (Mat::zeros(0, 0), Mat::zeros(0, 0))
        };
        let lambdas = options
            .h2_level0
            .iter()
            .map(|h| {
                variant_count as f64
                    * penalty_factor(options.convention, TraitType::Quantitative, *h)
            })
            .collect();
        Ok(Self {
            names,
            n,
            buffer: vec![0.0; n * options.block_size],
            options,
            basis,
            y_std,
            dof,
            y_raw,
            offsets,
            folds,
            lambdas,
            buffered: 0,
            contigs: Vec::new(),
            block_contig: Vec::new(),
            level0: vec![Vec::new(); p],
            pushed: 0,
        })
    }

    /// Number of samples.
    pub fn sample_count(&self) -> usize {
        self.n
    }

    /// Whether leave-one-out cross-validation is in use (REGENIE's rule or
    /// the options).
    pub fn is_leave_one_out(&self) -> bool {
        self.folds.is_none()
    }

    /// Pushes the dosages of consecutive variants: `dosages` is `n × m`
    /// (samples in rows, in the order of the phenotypes), `contigs[j]` the
    /// contig of column `j`. Variants of one contig must come together
    /// (blocks never span contigs); NaN dosages are replaced by the
    /// variant's mean. Each time a block fills, its level-0 ridge runs.
    pub fn push<S: AsRef<str>>(&mut self, dosages: MatRef<'_, f64>, contigs: &[S]) -> Result<()> {
        if dosages.nrows() != self.n {
            return Err(Error::Wgr(format!(
                "{} dosage rows for {} samples",
                dosages.nrows(),
                self.n
            )));
        }
        if contigs.len() != dosages.ncols() {
            return Err(Error::Wgr(format!(
                "{} contig names for {} variants",
                contigs.len(),
                dosages.ncols()
            )));
        }
        for (j, contig) in contigs.iter().enumerate() {
            let contig = contig.as_ref();
            if self.contigs.last().map(String::as_str) != Some(contig) {
                self.flush()?;
                if self.contigs.iter().any(|c| c == contig) {
                    return Err(Error::Wgr(format!(
                        "the variants of contig {contig} are not consecutive: variant {} comes after contig {}",
                        self.pushed,
                        self.contigs.last().map_or("", String::as_str)
                    )));
                }
                self.contigs.push(contig.to_owned());
            }
            let dst = &mut self.buffer[self.buffered * self.n..(self.buffered + 1) * self.n];
            let col = dosages.col(j);
            let (mut sum, mut count) = (0.0, 0usize);
            for (d, v) in dst.iter_mut().zip(col.iter()) {
                *d = *v;
                if v.is_finite() {
                    sum += v;
                    count += 1;
                }
            }
            let mean = if count > 0 { sum / count as f64 } else { 0.0 };
            for d in dst.iter_mut() {
                if !d.is_finite() {
                    *d = mean;
                }
            }
            self.buffered += 1;
            self.pushed += 1;
            if self.buffered == self.options.block_size {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Runs level 0 on the buffered variants, if any.
    fn flush(&mut self) -> Result<()> {
        if self.buffered == 0 {
            return Ok(());
        }
        let n = self.n;
        let b = self.buffered;
        self.buffered = 0;
        let g = MatRef::from_column_major_slice(&self.buffer[..n * b], n, b);
        // Project the covariates out of the genotypes, then scale each to
        // unit variance; variants left constant contribute nothing.
        let proj = product(self.basis.as_ref(), cross(self.basis.as_ref(), g).as_ref());
        let mut g = g - &proj;
        for j in 0..b {
            let norm = g.col(j).norm_l2();
            let sd = norm / self.dof.sqrt();
            let keep = sd > 1e-8;
            for v in g.col_mut(j).iter_mut() {
                *v = if keep { *v / sd } else { 0.0 };
            }
        }
        let mut pred = match &self.folds {
            Some(folds) => {
                kfold_ridge_predictions(g.as_ref(), self.y_std.as_ref(), folds, &self.lambdas)?
            }
            None => loocv_ridge_predictions(g.as_ref(), self.y_std.as_ref(), &self.lambdas)?,
        };
        standardize_columns(pred.as_mut());
        let p = self.names.len();
        for (ph, store) in self.level0.iter_mut().enumerate() {
            for a in 0..self.lambdas.len() {
                store.extend(pred.col(a * p + ph).iter());
            }
        }
        self.block_contig.push(self.contigs.len() - 1);
        Ok(())
    }

    /// Runs level 1 and returns the LOCO predictions.
    ///
    /// Quantitative traits: per phenotype, ridge on the level-0 predictions
    /// with REGENIE's τ grid, the penalty with the lowest out-of-fold mean
    /// squared error kept; predictions are on the scale of the
    /// standardised residual phenotype, as REGENIE writes them and as its
    /// step 2 subtracts them. Binary traits: logistic ridge with the covariates' null
    /// model as offset, the penalty with the lowest out-of-fold `−log L`
    /// kept; predictions are on the logit scale, without the offset.
    pub fn finish(mut self) -> Result<LocoPredictions> {
        self.flush()?;
        let n = self.n;
        let blocks = self.block_contig.len();
        if blocks == 0 {
            return Err(Error::Wgr("no variants were pushed".into()));
        }
        let per_block = self.lambdas.len();
        let q = blocks * per_block;
        // For binary traits the heritabilities are on the liability scale,
        // whose residual variance is π²/3 (REGENIE scales τ by 3/π²).
        let liability = match self.options.trait_type {
            TraitType::Quantitative => 1.0,
            TraitType::Binary => 3.0 / (std::f64::consts::PI * std::f64::consts::PI),
        };
        let taus: Vec<f64> = self
            .options
            .h2_level1
            .iter()
            .map(|h| {
                q as f64
                    * liability
                    * penalty_factor(self.options.convention, self.options.trait_type, *h)
            })
            .collect();
        let scheme = match &self.folds {
            Some(f) => Scheme::Folds(f.clone()),
            None => Scheme::LeaveOneOut,
        };
        let p = self.names.len();
        let contig_count = self.contigs.len();
        let mut values = vec![0.0; contig_count * p * n];
        let mut whole = vec![0.0; p * n];
        let mut fits = Vec::with_capacity(p);
        for ph in 0..p {
            let x = MatRef::from_column_major_slice(&self.level0[ph], n, q);
            let fit = match self.options.trait_type {
                TraitType::Quantitative => {
                    let y: Vec<f64> = self.y_std.col(ph).iter().copied().collect();
                    Level1Fit::ridge(x, &y, &scheme, &taus, Criterion::PooledMse)?
                }
                TraitType::Binary => {
                    let y: Vec<f64> = self.y_raw.col(ph).iter().copied().collect();
                    let offset: Vec<f64> = self.offsets.col(ph).iter().copied().collect();
                    Level1Fit::logistic(x, &y, &offset, &scheme, &taus).map_err(|e| {
                        Error::Wgr(format!("level 1 of phenotype {}: {e}", self.names[ph]))
                    })?
                }
            };
            let all = vec![true; q];
            for (i, v) in fit.predict(x, &all).into_iter().enumerate() {
                whole[ph * n + i] = v;
            }
            for c in 0..contig_count {
                let keep: Vec<bool> = (0..q)
                    .map(|col| self.block_contig[col / per_block] != c)
                    .collect();
                let pred = fit.predict(x, &keep);
                let base = (c * p + ph) * n;
                for (i, v) in pred.into_iter().enumerate() {
                    values[base + i] = v;
                }
            }
            fits.push(fit);
        }
        if values.iter().chain(&whole).any(|v| !v.is_finite()) {
            return Err(Error::Wgr("level 1 produced non-finite predictions".into()));
        }
        Ok(LocoPredictions::new(
            self.names,
            self.contigs,
            n,
            values,
            whole,
            fits,
        ))
    }
}

/// The penalty per predictor for heritability `h2`.
fn penalty_factor(scale: Convention, trait_type: TraitType, h2: f64) -> f64 {
    match (scale, trait_type) {
        (Convention::Regenie1, TraitType::Quantitative) => 1.0 / h2,
        _ => (1.0 - h2) / h2,
    }
}

/// An orthonormal basis of the columns of `design` (intercept first), or an
/// error naming the first covariate that is constant or a linear
/// combination of the columns before it.
fn orthonormal_basis(design: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let qr = design.qr();
    let r = qr.thin_R();
    let scale = (0..r.ncols())
        .map(|j| design.col(j).norm_l2())
        .fold(0.0, f64::max);
    for j in 0..r.ncols() {
        if r[(j, j)].abs().partial_cmp(&(1e-9 * scale)) != Some(std::cmp::Ordering::Greater) {
            return Err(Error::Wgr(if j == 0 {
                "the samples are too few for an intercept".into()
            } else {
                format!(
                    "covariate {} (0-based) is constant or a linear combination of the intercept and the covariates before it",
                    j - 1
                )
            }));
        }
    }
    Ok(qr.compute_thin_Q())
}
