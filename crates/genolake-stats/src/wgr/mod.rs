//! Whole-genome ridge regression: REGENIE's step 1, as Glow's GloWGR
//! reproduces it.
//!
//! Step 1 predicts each phenotype from all genotypes at once, so that the
//! per-variant tests of step 2 can take the polygenic background (and with
//! it relatedness and population structure) as an offset. For the test of
//! a variant on chromosome *c*, the offset must not contain that variant's
//! own signal, hence leave-one-chromosome-out (LOCO) predictions: one per
//! contig, phenotype and sample, made from the variants of all other
//! contigs.
//!
//! # The method
//!
//! 1. **Covariates out.** An orthonormal basis of the intercept and the
//!    covariates is projected out of the phenotypes, which are then scaled
//!    to unit variance, and out of every block of genotypes, which are
//!    scaled per variant to unit variance (monomorphic variants drop out;
//!    missing dosages take the variant's mean). Binary phenotypes also get
//!    a null logistic model on the covariates, whose linear predictor is
//!    level 1's offset.
//! 2. **Blocks and folds.** Variants come in blocks of `block_size`
//!    consecutive variants of one contig ([`WgrOptions::block_size`],
//!    REGENIE's `--bsize`). Samples are split into *K* consecutive folds
//!    ([`Folds`], 5 by default), or one per sample ([`CrossValidation`]).
//! 3. **Level 0.** Per block, a ridge regression of every phenotype on the
//!    block's variants for each penalty of a grid, fitted on *K − 1* folds
//!    and predicting the held-out fold: out-of-fold predictions,
//!    block × penalty × phenotype, each then standardised
//!    ([`kfold_ridge_predictions`], [`loocv_ridge_predictions`]).
//! 4. **Level 1.** Per phenotype, a ridge (quantitative) or logistic ridge
//!    (binary, with the covariate offset) on its level-0 predictions, the
//!    penalty picked by cross-validation on the same folds ([`Level1Fit`]).
//! 5. **LOCO.** For contig *c*, each sample's level-1 prediction from its
//!    held-out-fold model with the columns of *c*'s blocks left out
//!    ([`LocoPredictions`], written in REGENIE's `.loco` layout by
//!    [`LocoPredictions::write_loco`], listed by [`write_pred_list`]).
//!
//! # REGENIE or GloWGR, step by step
//!
//! The two agree on the method; where their details differ, the defaults
//! here are REGENIE's, because its `.loco` files are what step 2 tools and
//! users compare against:
//!
//! | | here (default) | REGENIE | GloWGR |
//! |---|---|---|---|
//! | folds | consecutive runs of samples | same | sample blocks given by the user |
//! | LOOCV | binary traits under 5,000 samples ([`CrossValidation::Regenie`]) | same | no |
//! | level-0 penalties | λ = M(1 − h²)/h², h² ∈ {0.01, 0.25, 0.5, 0.75, 0.99}, M variants | same (1.0: M/h², [`Convention::Regenie1`]) | its own alpha grid; any grid through [`kfold_ridge_predictions`] |
//! | covariates | projected out of genotypes and phenotypes | same | columns of every model, penalised with α = 1 |
//! | level-1 penalties | τ = Q(1 − h²)/h², Q = blocks × level-0 penalties, × 3/π² for binary traits | same (1.0: Q/h² for quantitative traits) | alpha grid |
//! | level-1 choice | lowest out-of-fold MSE ([`Criterion::PooledMse`]) or −log L | same | highest mean fold R² ([`Criterion::MeanFoldR2`]) |
//! | binary level 1 | IRLS logistic ridge with the null model as offset | same | L-BFGS with covariates as fixed effects |
//! | LOCO | same model, the contig's columns dropped; on the standardised residual phenotype's scale (logit scale for binary traits) | same | same model, columns dropped |
//!
//! The test suite pins both down: the building blocks reproduce Glow's
//! level-0 reduction (`level1BlockedGT`) and its level-1 LOCO predictions
//! (`level1YHatLoco`, `level2YHatLoco`) to 10⁻¹⁴, and the whole pipeline
//! with [`Convention::Regenie1`] reproduces REGENIE 1.0.6.7's `.loco`
//! files of its example data to the six digits REGENIE prints, with the
//! same cross-validation scores and penalty choices as its logs, for
//! quantitative (5-fold) and binary (leave-one-out) traits.
//!
//! # Cost and memory
//!
//! Level 0 is matrix products: per block of *b* variants over *n* samples,
//! one `GᵀG` and `GᵀY` split by fold (*n b²* multiply-adds with faer's
//! parallel GEMM) and, per fold and penalty, one *b × b* Cholesky
//! factorisation (*b³/3*), exactly as REGENIE's per-fold fits cost: per
//! variant, *n b + 25 b²/3* for 5 folds and 5 penalties. Level 1 solves
//! per phenotype *Q = 5 M / b* predictors in the primal or, when *Q*
//! exceeds the training samples, the dual form. With a few thousand
//! samples, blocks of 100 to 200 variants are much cheaper than REGENIE's
//! default of 1000. Memory holds one block of dosages plus the level-0
//! predictions, *n × Q* per phenotype, never the genotype matrix.
//!
//! # Examples
//!
//! ```
//! use faer::Mat;
//! use genolake_stats::wgr::{WgrOptions, WholeGenomeRidge};
//!
//! let (n, m) = (100, 60);
//! let g = Mat::<f64>::from_fn(n, m, |i, j| ((i * 31 + j * 17 + i * j * 7) % 3) as f64);
//! let y = Mat::<f64>::from_fn(n, 1, |i, _| g[(i, 5)] - g[(i, 45)] + ((i * 13) % 7) as f64 * 0.1);
//! let options = WgrOptions { block_size: 20, ..WgrOptions::default() };
//! let mut wgr = WholeGenomeRidge::new(vec!["y".into()], y.as_ref(), None, m, options)?;
//! // Blocks of dosages arrive as a reader yields them, grouped by contig.
//! let contigs: Vec<&str> = (0..m).map(|j| if j < 30 { "1" } else { "2" }).collect();
//! wgr.push(g.as_ref().subcols(0, 25), &contigs[..25])?;
//! wgr.push(g.as_ref().subcols(25, 35), &contigs[25..])?;
//! let loco = wgr.finish()?;
//! let offsets_for_chr2 = loco.get("2", 0).unwrap();
//! assert_eq!(offsets_for_chr2.len(), n);
//! # Ok::<(), genolake_stats::Error>(())
//! ```

mod level1;
mod loco;
mod model;
mod ridge;

pub use level1::{Criterion, Level1Fit, Scheme};
pub use loco::{LocoPredictions, write_pred_list};
pub use model::{
    Convention, CrossValidation, REGENIE_H2_GRID, TraitType, WgrOptions, WholeGenomeRidge,
};
pub use ridge::{
    Folds, kfold_ridge_predictions, loocv_ridge_predictions, ridge_solve, standardize_columns,
};
