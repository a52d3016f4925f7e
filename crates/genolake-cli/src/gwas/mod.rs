//! `genolake gwas`: association tests and whole-genome ridge regression
//! over any input genolake reads, with phenotype, covariate and offset
//! tables keyed by sample id.
//!
//! The statistics are genolake-stats' (`gwas::linear`, `gwas::logistic`,
//! `wgr`); this module reads the tables ([`tables`]), turns the genotypes
//! into dosage blocks on every core ([`genotypes`]), and writes the results
//! ([`output`]) and plots ([`plots`]).

pub mod design;
pub mod genotypes;
pub mod output;
pub mod plots;
pub mod tables;
pub mod wgr;
