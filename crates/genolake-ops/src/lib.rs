//! Variant transformations on Glow's variant table, free of any SQL engine.
//!
//! Variants from different sources must be made comparable before they can
//! be joined: split into biallelic rows, left-aligned and trimmed against
//! the reference, lifted to one genome build, their annotations parsed.
//! `genolake-ops` does this on Arrow record batches in Glow's schema (see
//! `genolake_core::schema`), one batch at a time, so callers stream any
//! input through it in bounded memory. `genolake-sql` registers the
//! transforms as SQL functions and the CLI runs them as steps of `ingest`
//! and `convert`.
//!
//! [`merge`] joins per-sample or per-batch tables into one multi-sample
//! table: a streaming k-way merge of position-sorted inputs that joins
//! records of the same site (Glow's group-by key), fills missing genotypes
//! and combines IDs, QUAL, FILTER and INFO as `bcftools merge -m none` does.

pub mod error;
pub mod merge;

pub use error::{Error, Result};
