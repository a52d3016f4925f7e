//! PLINK 1 binary filesets (`.bed`/`.bim`/`.fam`) into Apache Arrow, in the
//! table layout of Glow's PLINK reader, and back.
//!
//! A fileset reads into record batches with Glow's columns: `contigName`,
//! `names`, `position` (centimorgans), `start`, `end`, `referenceAllele`
//! (allele 2 of the `.bim`), `alternateAlleles` (`[allele 1]`) and
//! `genotypes` of {`sampleId`, `calls`}, so the same SQL runs on Spark with
//! Glow and on genolake. Reader options keep Glow's names: `includeSampleIds`,
//! `mergeFidIid` (sample IDs `FID_IID`, the default, or the IID alone),
//! `famDelimiter`, `bimDelimiter`.
//!
//! # How it is fast
//!
//! A SNP-major `.bed` is fixed-width: variant `v` starts at byte
//! `3 + v × ceil(samples / 4)`. A [`Split`](genolake_core::Split) is a byte
//! range of the `.bed` that owns the variants whose records start inside
//! it, so splits are a seek away and several cores, processes or machines
//! read one fileset without touching each other's bytes; a region query
//! scans the small `.bim` and reads only the matching `.bed` records.
//!
//! Decoding writes straight into one flat `Int32` buffer of calls: every
//! `.bed` byte holds four genotypes and a 256-entry table turns it into
//! their eight calls with one 32-byte copy. Every genotype has exactly two
//! calls, so list offsets are arithmetic; they and the repeated `sampleId`
//! strings are built once per fileset and shared by every batch of every
//! reader of it. What is left is bound by memory bandwidth: the Glow layout
//! writes 32 bytes of Arrow per byte of `.bed` (about 1.2 GB of `.bed` a
//! second on one core once the process's memory is warm, measured with
//! `examples/plink_count.rs` on 20,000 variants × 2,000 samples).
//!
//! Two other outputs skip the Glow layout
//! ([`ReaderOptions::genotypes`]): the matrix layout of
//! [`genolake_core::matrix`] (two one-byte slots a sample, from a table of
//! 8-byte entries), and the `.bed` records themselves
//! ([`GenotypeOutput::BedRecords`]), for readers of the 2-bit codes such as
//! genolake's association tests.
//!
//! # Errors
//!
//! Every [`Error`] names the file, the place (line of a `.bim` or `.fam`,
//! byte of a `.bed`, row of a written table) and what was wrong: a missing
//! `.bim` or `.fam`, wrong magic bytes, a `.bed` whose size disagrees with
//! `.bim` × `.fam`, a line with too few columns or a coordinate that is not
//! a number. Under the default strict
//! [`Stringency`](genolake_core::Stringency) a malformed `.bim` line stops the
//! read; lenient and silent reads skip that variant and count it.
//!
//! # Examples
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use arrow::array::AsArray;
//! use arrow::datatypes::{Float64Type, Int64Type};
//! use genolake_plink::Reader;
//!
//! let reader = Reader::open("tests/data/five-samples-five-variants/bed-bim-fam/test.bed")?;
//! assert_eq!(reader.fileset().samples().len(), 5);
//! let batch = reader.into_iter().next().unwrap()?;
//! let start = batch.column_by_name("start").unwrap().as_primitive::<Int64Type>();
//! assert_eq!(start.value(1), 19); // bp 20, 0-based
//! let cm = batch.column_by_name("position").unwrap().as_primitive::<Float64Type>();
//! assert_eq!(cm.value(1), 0.5);
//! let reference = batch.column_by_name("referenceAllele").unwrap().as_string::<i32>();
//! assert_eq!(reference.value(0), "A"); // allele 2
//! # Ok(()) }
//! ```

pub mod bed;
mod bim;
pub mod error;
mod fam;
mod fileset;
pub mod reader;
mod record;
mod text;
pub mod writer;

pub use bim::read_contigs;
pub use error::{Error, ErrorKind, Position, Result};
pub use fam::{Sample, read_fam};
pub use fileset::{Fileset, FilesetPaths};
pub use reader::{
    BED_RECORD, GenotypeOutput, Reader, ReaderBuilder, ReaderOptions, plan_splits, read_fileset,
    schema, schema_of,
};
pub use text::Delimiter;
pub use writer::{FamilyIds, WriteSummary, Writer, WriterBuilder, WriterOptions};

#[cfg(test)]
mod tests {
    /// Readers and writers move to the threads that run splits.
    #[test]
    fn readers_and_writers_are_send() {
        fn send<T: Send>() {}
        send::<crate::Reader>();
        send::<crate::Writer>();
        send::<crate::Fileset>();
        fn sync<T: Sync>() {}
        sync::<crate::Fileset>();
    }
}
