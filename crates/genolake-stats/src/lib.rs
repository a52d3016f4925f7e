//! Glow's quality-control statistics for genotype data, free of any SQL
//! engine.
//!
//! `genolake-stats` computes what Glow's QC functions compute, under the
//! same names and with the same output fields, so that `genolake-sql` can
//! register them as DataFusion functions with thin wrappers and other
//! callers (the CLI's `qc`, Python) can use them directly:
//!
//! | Glow function | here | output |
//! |---|---|---|
//! | `call_summary_stats` | [`call_summary_stats`] | [`CallSummary`]: callRate, nCalled, nUncalled, nHet, nHomozygous, nNonRef, nAllelesCalled, alleleCounts, alleleFrequencies |
//! | `hardy_weinberg` | [`hardy_weinberg`], [`hwe_exact`] | [`HardyWeinberg`]: hetFreqHwe, pValueHwe |
//! | `dp_summary_stats`, `gq_summary_stats`, `array_summary_stats` | [`array_summary_stats`], [`Moments`] | [`SummaryStats`]: mean, stdDev, min, max |
//! | `sample_call_summary_stats` | [`SampleCallStats`] | [`SampleCallCounts`] per sample |
//! | `sample_dp_summary_stats`, `sample_gq_summary_stats` | [`SampleMoments`] | [`SummaryStats`] per sample |
//! | `genotype_states`, `hard_calls`, `mean_substitute` | [`genotype_states`], [`hard_calls`], [`mean_substitute`] | |
//!
//! # Both genotype layouts, one counting code
//!
//! genolake stores genotypes two ways: Glow's `genotypes` list, where each
//! sample has a `calls` list of `Int32`, and the matrix layout, where a row
//! holds one byte string of `callsPloidy` slots per sample (see
//! `genolake_core::matrix`). [`ListCalls`] and [`MatrixCalls`] both
//! implement [`Calls`], which hands each sample's allele indices to a
//! [`SampleVisitor`] as an iterator. Every statistic is a visitor, written
//! once and compiled for each layout: nothing is allocated per genotype,
//! and the matrix bytes are read in place, one, two or four bytes a slot.
//!
//! # The fast path
//!
//! Most matrix rows are diploid, one byte a slot, with alleles 0, 1 or
//! missing. [`call_summary_stats`] and [`SampleCallStats`] recognise such a
//! row with one vectorised pass over its bytes and then count it without a
//! visitor: a sample's two bytes are classified with bit operations, four
//! samples to a 64-bit word, into per-sample counters kept as flat arrays
//! of 16-bit lanes (flushed into the `u64` counts long before they could
//! overflow). [`SampleCallStats::add_row_summarised`] returns the row's
//! [`CallSummary`] from the same pass. Any other row (haploid or padded
//! samples, null calls, alleles from 2 up, wider slots, Glow's layout) goes
//! through the visitors; the results are the same either way, which the
//! property tests check. On 20,000 simulated rows × 2,000 samples
//! (`examples/qc_rows.rs`) the fused pass takes under a nanosecond of CPU
//! per genotype, about twenty times less than the two visitor passes.
//!
//! # Glow's semantics, kept on purpose
//!
//! The numbers are Glow's, including its choices: `pValueHwe` is the exact
//! test's *mid-p* value (Glow's and Hail's; `plink2 --hardy midp`), and
//! [`HardyWeinberg::p_value_exact`] holds the classic one (`plink2
//! --hardy`); `stdDev` is the sample standard deviation (Glow's
//! documentation says population, its code divides by `n − 1`); per-sample
//! transition, transversion and indel counts are per allele, so a `1/1`
//! transition counts twice. The one departure: an empty or null call list
//! is uncalled in [`SampleCallStats`] (Glow counts it as homozygous
//! variant).
//!
//! The exact test is written to stay accurate from p-values near 1 down to
//! `f64`'s smallest (see [`hwe`]); the test suite checks it against plink2
//! to a relative 10⁻⁶.
//!
//! # Association tests (GWAS)
//!
//! [`gwas`] holds Glow's per-variant regressions. Genotypes become dosages
//! ([`gwas::dosage`]: matrix calls, Glow's calls lists, BGEN
//! probabilities and `.bed` records, missing values replaced by the
//! variant's mean); a [`gwas::LinearModel`] is prepared once from the
//! covariates, phenotypes and offsets and tests blocks of dosage columns
//! with one matrix product per block (faer) and O(samples) more work per
//! variant, however many phenotypes. On 100,000 variants × 2,000 samples
//! with ten covariates (`examples/gwas_linear.rs`) dosages and tests take
//! about 0.6 s of one core, where `plink2 --glm` takes about 1 s of CPU on
//! the same shape from its .pgen.
//!
//! The model is y − offset = β·g + Cγ + ε per variant g and phenotype y,
//! with covariates C (and an intercept unless `fit_intercept` is off).
//! The conventions ([`gwas::Convention`]):
//!
//! - **Glow** (the default): ordinary least squares on the samples where
//!   the phenotype is present, SE from the residual variance, and a
//!   two-sided t-test with n − c − 1 degrees of freedom, c counting the
//!   intercept. This is Glow's `linear_regression_gwas` and
//!   `glow.gwas.linear_regression` on complete phenotypes, and plink2's
//!   `--glm` in every case (the tests check both). Where a phenotype has
//!   missing values Glow keeps the covariate basis of all samples and n in
//!   the degrees of freedom, an approximation; here the samples are
//!   dropped for that phenotype, as plink2 and a per-variant fit drop
//!   them. Offsets are in phenotype units and projected on the covariates
//!   with the phenotype (Glow subtracts its offsets from the standardised
//!   phenotype after that projection: multiply GloWGR predictions by the
//!   phenotype's residual standard deviation first).
//! - **REGENIE** (step 2, quantitative traits): phenotypes centred,
//!   residualised on the covariates and scaled to unit variance; offsets
//!   (LOCO predictions, in those units) subtracted; a score test of the
//!   genotype residual, χ²₁ p-value; BETA and SE back on the phenotype's
//!   scale. Samples without any phenotype leave the analysis; a
//!   phenotype's missing samples leave its sums. `RegenieV1` is the same
//!   test as REGENIE v1.0 scaled the residual (Neff − 1 degrees of freedom
//!   instead of Neff − c): it reproduces the BETA, SE and LOG10P of
//!   REGENIE v1.0.6.7's runs on `example.bgen` in Glow's test data (with
//!   and without missing phenotypes) to the six digits REGENIE printed,
//!   and its three-chromosome run to 1.5 × 10⁻³ of an SE.
//!
//! Glow's SQL function `linear_regression_gwas` adds no intercept (its
//! callers put a column of ones among the covariates): build its model
//! with `fit_intercept` off.
//!
//! p-values are computed as upper tails and their −log₁₀ (REGENIE's
//! LOG10P) stays finite and accurate where the p-value underflows
//! ([`gwas::pvalue`]). A pair that cannot be tested is `None`, never NaN:
//! a phenotype that is constant, has too few samples, or whose covariates
//! are singular on its samples is skipped (see
//! [`gwas::LinearModel::skipped`]); a variant with no variance beyond the
//! covariates is untested; covariates singular on all samples are an
//! [`Error::SingularCovariates`].
//!
//! [`gwas::logistic`] tests binary phenotypes: the null model is fitted
//! once per phenotype, then a block of variants takes a vectorised score
//! test with the approximate Firth correction below a p-value threshold
//! (REGENIE `--firth --approx`, `glow.gwas.logistic_regression`), a full
//! Wald fit per variant with Firth's regression on separation (plink2
//! `--glm firth-fallback`), or Glow's SQL likelihood-ratio and Firth tests.
//!
//! # Whole-genome ridge regression
//!
//! [`wgr`] is REGENIE's step 1 as Glow's GloWGR reproduces it: dosages are
//! pushed block by block into a [`wgr::WholeGenomeRidge`], which keeps one
//! block and the level-0 predictions, and returns leave-one-chromosome-out
//! predictions to use as offsets, in REGENIE's `.loco` layout if wanted.
//!
//! # Examples
//!
//! ```
//! use genolake_stats::{MatrixCalls, call_summary_stats, hardy_weinberg};
//!
//! // A matrix row of four diploid samples, one byte per slot:
//! // 0/0, 0/1, 1/1 and a missing call.
//! let bytes = [0u8, 0, 0, 1, 1, 1, 0xff, 0xff];
//! let calls = MatrixCalls::new(&bytes, 2, 4)?;
//! let summary = call_summary_stats(&calls);
//! assert_eq!(summary.call_rate, 0.75);
//! assert_eq!(summary.allele_frequencies, vec![0.5, 0.5]);
//! let hw = hardy_weinberg(&summary);
//! assert!(hw.p_value_hwe > 0.0 && hw.p_value_hwe <= 1.0);
//! # Ok::<(), genolake_stats::Error>(())
//! ```

mod calls;
mod diploid;
mod error;
pub mod gwas;
mod helpers;
pub mod hwe;
mod moments;
mod sample;
mod variant;
pub mod wgr;

pub use calls::{Calls, ListCalls, MatrixCalls, NULL_CALLS, PAD, SampleVisitor};
pub use error::{Error, Result};
pub use helpers::{hard_calls, mean_substitute};
pub use hwe::{HweTest, hwe_exact};
pub use moments::{Moments, SummaryStats, array_summary_stats};
pub use sample::{SampleCallCounts, SampleCallStats, SampleMoments, VariantClass};
pub use variant::{
    CallSummary, HardyWeinberg, MAX_ALLELE_INDEX, call_summary_stats, genotype_states,
    hardy_weinberg, try_call_summary_stats,
};
