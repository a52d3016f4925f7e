//! Integration tests of genolake-sql, compiled as one binary: every test
//! binary links DataFusion and delta-rs, and each one costs CI minutes.

mod common;
mod complex;
mod docs;
mod gwas;
mod qc;
mod read_bgen;
mod read_delta;
mod read_plink;
mod read_vcf;
mod spark_habits;
mod sql_surface;
mod transforms;
