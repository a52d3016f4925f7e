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
//!
//! [`fasta`] reads bases from an indexed reference FASTA (plain or BGZF, with
//! the `.fai`/`.gzi` indexes of `samtools faidx`). [`normalize`] left-aligns
//! and trims variants against it as `bcftools norm -f` does, with Glow's
//! `normalize_variant` / `normalize_variants` output columns, and re-sorts
//! the shifted rows within a bounded window.
//!
//! Liftover: [`chain`] reads UCSC chain files (plain or gzip) into an index
//! per source contig; [`liftover`] lifts intervals with htsjdk's
//! minimum-match rule (Glow's `lift_over_coordinates`) and whole variants
//! against the target reference with Picard `LiftoverVcf`'s rules (Glow's
//! `lift_over_variants`): reverse-strand alleles reverse-complemented and
//! indels left-aligned, swapped REF/ALT recovered with genotype calls and
//! array fields flipped, and a `liftOverStatus` column saying why a row
//! could not be lifted.

pub mod chain;
pub mod error;
pub mod fasta;
pub mod liftover;
pub mod normalize;

pub use error::{Error, Result};
