//! VCF into Apache Arrow, in the table layout of Glow's VCF reader.
//!
//! `genolake-vcf` reads VCF 4.0–4.4, plain, gzip-compressed or BGZF, into
//! Arrow record batches whose columns are those of Glow (`contigName`,
//! `start`, `end`, `names`, ..., `INFO_<key>`, `genotypes`), so the same SQL
//! runs on Spark with Glow and on genolake.
//!
//! # How it is fast
//!
//! Header, BGZF blocks and tabix/CSI indexes follow the specifications with
//! help from noodles; records are decoded by hand, straight from the
//! line's bytes into Arrow buffers, without allocating per genotype: the
//! values of a line's sample columns are located first, from a bitmap of its
//! separators, then parsed one FORMAT key at a time, each in a loop of its
//! own, and the buffers of a batch are reused for the next. A file
//! is cut into [`Split`](genolake_core::Split)s that each own the records
//! starting in their byte range (BGZF blocks for `.vcf.gz`), so several
//! threads, processes or machines read one file at once, and memory stays
//! bounded by the batch size whatever the file size.
//!
//! # Errors
//!
//! Every [`Error`] names the file, the line (or, in the middle of a BGZF file,
//! the block and offset) and what was wrong. Under the default strict
//! [`Stringency`](genolake_core::Stringency) the first malformed record stops
//! the read; lenient and silent reads skip it and count it.
//!
//! # Examples
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use arrow::array::AsArray;
//! use arrow::datatypes::Int64Type;
//! use genolake_vcf::Reader;
//!
//! let reader = Reader::open("tests/data/VCFv4.3.vcf")?;
//! assert_eq!(reader.header().samples.len(), 3);
//! let batch = reader.into_iter().next().unwrap()?;
//! let start = batch.column_by_name("start").unwrap().as_primitive::<Int64Type>();
//! assert_eq!(start.value(0), 14369); // POS 14370, 0-based
//! # Ok(()) }
//! ```

pub mod bgzf;
pub mod error;
pub mod header;
pub mod index;
pub mod reader;
mod record;

pub use error::{Error, ErrorKind, Position, Result};
pub use header::Header;
pub use reader::{
    Compression, Reader, ReaderBuilder, ReaderOptions, plan_splits, read_header, schema,
};
