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
//! [`annotation`] parses VEP's `CSQ` and SnpEff's `ANN` INFO strings into
//! `List<Struct>` columns with Glow's field names and types (consequence
//! lists, rank/total and position/length pairs, SnpEff's integer
//! `Distance`), found from the header's Description.

pub mod annotation;
pub mod error;

pub use error::{Error, Result};
