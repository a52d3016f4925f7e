//! BGEN into Apache Arrow, in the table layout of Glow's BGEN reader, and
//! back out again.
//!
//! `genolake-bgen` reads BGEN v1.1 (layout 1) and v1.2/v1.3 (layout 2)
//! files, uncompressed, zlib- or zstd-compressed, at every bit depth from 1
//! to 32, phased or not, of any ploidy and number of alleles, into Arrow
//! record batches with Glow's columns: `contigName`, `start`, `end`,
//! `names`, `referenceAllele`, `alternateAlleles` and `genotypes` of
//! {`sampleId`, `phased`, `calls`, `ploidy`, `posteriorProbabilities`}. The
//! [`Writer`] writes such rows (or VCF rows carrying `GP`) as layout 2 BGEN.
//!
//! # Glow's conventions
//!
//! - `names` holds the variant identifier then the rsid, empty ones left
//!   out and the rsid dropped when it repeats the identifier; the writer
//!   stores a single name as both.
//! - `start` is the BGEN position minus one and `end` is `start` plus the
//!   length of the first allele.
//! - `posteriorProbabilities` holds, unphased, one probability per genotype
//!   in BGEN (and VCF `GP`) order; phased, `ploidy × alleles` probabilities,
//!   haplotype by haplotype. A missing sample has null probabilities.
//! - `calls` are hard calls at `hardCallThreshold` (0.9 by default): the
//!   genotype (unphased) or the allele of each haplotype (phased) whose
//!   probability reaches the threshold, else −1. Unlike Glow's reader,
//!   which calls diploids only, every ploidy is called (as qctool calls
//!   them), and a heterozygote's alleles are listed in ascending order.
//! - Sample identifiers come from the file, else from an Oxford `.sample`
//!   file (`sampleFilePath`, `sampleIdColumn`), else are generated as
//!   `sample_0`, `sample_1`, ...
//!
//! # How it is fast
//!
//! Variant blocks are read through one buffer, inflated with libdeflate or
//! zstd into a reused buffer, and their probabilities unpacked straight into
//! flat Arrow buffers: no allocation per genotype. A file is cut into
//! byte-range [`Split`](genolake_core::Split)s, each of which owns the
//! variants whose block starts in its range; a `.bgi` index lets a split
//! (or a region query) jump straight to its first block.
//!
//! # Errors
//!
//! Every [`Error`] names the file, the byte offset (of the header field, or
//! of the variant block) and what was wrong. Lengths are checked against
//! the file size and the limits of the specification before anything is
//! allocated for them, so lying or truncated input gives an error, never a
//! panic or an unbounded allocation.
//!
//! # Examples
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use arrow::array::AsArray;
//! use arrow::datatypes::Int64Type;
//! use genolake_bgen::Reader;
//!
//! let reader = Reader::open("tests/data/complex.16bits.bgen")?;
//! assert_eq!(reader.sample_ids().len(), 4);
//! let batch = reader.into_iter().next().unwrap()?;
//! let start = batch.column_by_name("start").unwrap().as_primitive::<Int64Type>();
//! assert_eq!(start.value(0), 0); // position 1, 0-based
//! # Ok(()) }
//! ```

mod codec;
pub mod error;
pub mod header;
pub mod index;
pub mod reader;
pub mod record;
pub mod sample;
pub mod writer;

pub use error::{Error, ErrorKind, Position, Result};
pub use header::{Compression, Header, Layout};
pub use reader::{Reader, ReaderBuilder, ReaderOptions, plan_splits, read_header, schema};
pub use writer::{Writer, WriterOptions};
