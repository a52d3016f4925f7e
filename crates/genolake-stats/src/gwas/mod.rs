//! Per-variant association tests: linear and logistic regression of
//! phenotypes on genotype dosages, with covariates and per-sample offsets.

pub mod dosage;
pub mod linear;
pub mod logistic;
