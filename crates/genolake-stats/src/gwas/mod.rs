//! Per-variant association tests: linear regression of phenotypes on
//! genotype dosages, with covariates and per-sample offsets.
//!
//! [`dosage`] turns stored genotypes (matrix calls, Glow's calls lists,
//! BGEN probabilities, `.bed` records) into columns of dosages;
//! [`sparse`] stores them as the samples that differ from a base value,
//! which rare variants make short; [`linear`] tests blocks of either
//! form; [`pvalue`] computes p-values that stay accurate far into the
//! tails.

pub mod dosage;
pub mod linear;
pub mod logistic;
pub mod pvalue;
pub mod sparse;

pub use dosage::{Probabilities, RowDosages};
pub use linear::{
    Association, Convention, LinearModel, LinearOptions, LinearResults, PhenotypeSkip,
};
