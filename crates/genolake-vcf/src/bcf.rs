//! BCF 2.2 (and 2.1), the binary form of VCF, into the same Arrow batches,
//! and those batches back into BCF 2.2.
//!
//! A BCF file is BGZF around a header (the VCF header as text) and binary
//! records whose strings (FILTER, INFO and FORMAT keys, contigs) are indexes
//! into dictionaries the header defines (VCF 4.3, section 6). [`Reader`]
//! reads the header with the VCF header parser, so the schema is the one the
//! VCF reader gives for the same header, and decodes each record with the
//! VCF record decoder's builders and checks, so the same records give the
//! same values column by column:
//!
//! - the fixed site columns (CHROM to FILTER) and FORMAT's keys are written
//!   as the VCF text that says the same (a few dozen bytes a record) and
//!   decoded as VCF: their checks (REF's bases, file order, regions) are the
//!   VCF reader's;
//! - INFO values, and the per-sample values that make nearly all of a
//!   cohort's bytes, are decoded straight from their typed vectors into the
//!   Arrow builders: GT (any ploidy; diploid GT of one byte per allele in
//!   loops of its own, into the matrix layout's bytes when
//!   [`matrix_genotypes`](crate::ReaderOptions::matrix_genotypes) is set),
//!   Integer, Float and String (and Character) fields of any `Number`,
//!   flags, and INFO `END` (which also gives `end`); missing values and
//!   vector-end padding read as VCF's `.`;
//! - anything else falls back to the record's whole VCF line, decoded as
//!   the VCF reader decodes it: a value the VCF reader would reject, null or
//!   warn about (so errors, lenient nulls and their counts are the VCF
//!   reader's), a vector whose type is not its key's, a key the header does
//!   not declare or a key given twice, text holding VCF's separators, a
//!   record with samples but no FORMAT keys, and INFO read as one
//!   `attributes` map (`flattenInfoFields=false`).
//!
//! Floats are 32-bit in BCF; each is read as the shortest decimal that reads
//! back as the same `f32` (what `bcftools view` writes), read as a 64-bit
//! float: a value VCF wrote in no more digits than an `f32` holds is read
//! as the VCF reader reads it.
//!
//! Every length a record gives (`l_shared`, `l_indiv`, each typed vector's
//! count) is checked against the bytes that remain before it is used, and
//! every dictionary index against its dictionary: a damaged file is an
//! [`Error`](crate::Error) naming the file and the record's BGZF virtual
//! position, never a panic or an allocation the file cannot justify.
//!
//! # Splits and regions
//!
//! A [`Split`](genolake_core::Split) of a BCF file owns the records that
//! start in the BGZF blocks starting in its byte range. BCF records have no
//! delimiter: a split that starts mid-file takes for its first record the
//! first offset at which several records in a row parse whole (htslib
//! starts a block at a record whenever the record fits, so that is almost
//! always the block's first byte). Regions use the `.csi` index beside the
//! file (`bcftools index` writes one), as the VCF reader uses `.tbi`/`.csi`.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use genolake_vcf::{ReaderOptions, bcf};
//!
//! let options = ReaderOptions {
//!     regions: vec!["20:1000000-1300000".parse()?],
//!     ..Default::default()
//! };
//! let reader = bcf::Reader::builder("tests/data/VCFv4.3.bcf").options(options).build()?;
//! let rows: usize = reader.map(|b| b.map(|b| b.num_rows())).sum::<Result<_, _>>()?;
//! assert_eq!(rows, 3);
//! # Ok(()) }
//! ```

//!
//! # Writing
//!
//! [`Writer`] writes the batches the VCF writer writes, with its options
//! ([`WriterOptions`](crate::WriterOptions)) and its rules (see
//! [`writer`](crate::writer)): the same header text, supplied or inferred,
//! the same samples, the same values left out. It shares the VCF writer's
//! code for all of that, for BGZF (blocks deflated on worker threads, the
//! file under a temporary name until [`Writer::finish`]) and for the index,
//! and differs only in the records: binary, as bcftools writes them.
//!
//! - The head is `BCF\2\2`, the header text's length and the text,
//!   NUL-terminated. Records refer to contigs, FILTERs and INFO/FORMAT keys
//!   by their place in the header's dictionaries, built as htslib builds
//!   them (`PASS` first, `IDX=` honoured) by the code the reader uses.
//!   So every contig, FILTER and key must be declared before the records:
//!   the header, written with the first row, declares the contigs, FILTERs
//!   and `attributes` keys of the first batch (besides every INFO column
//!   and genotype field); one first seen in a later batch is an error
//!   naming it. Pass [`contigs`](crate::WriterBuilder::contigs) (or a
//!   header) when batches come a contig at a time.
//! - Integers take the narrowest of 8, 16 and 32 bits that holds the
//!   vector, beside each width's reserved values (htslib's choice); an
//!   integer past 32 bits is an error. Floats are 32-bit (`Float64` columns
//!   are rounded to `f32`). A Number=. String list is one string, its items
//!   joined by commas as VCF writes them; a value the header declares String
//!   is written as its VCF text, whatever its column's type.
//! - GT is `(allele + 1) << 1 | phased` per allele (the first allele's
//!   phase bit 0, as htslib 1.16 writes it), 0 for a missing allele, and
//!   the vector-end value after the alleles of a genotype of lower ploidy
//!   than the row's highest; a diploid row in sample order is encoded in
//!   one loop over the allele buffer.
//! - FORMAT vectors are as long as the row's longest, a missing value one
//!   missing item followed by vector ends, strings padded with NULs. A
//!   row's `rlen` is `end − start`; `END` is written into INFO where the VCF
//!   writer writes it.
//! - The index is CSI (`.csi`, [`IndexFormat::Csi`](crate::writer::IndexFormat)),
//!   as `bcftools index` writes for BCF: `min_shift` 14, as many levels as
//!   the longest declared contig needs (2^31 when no length is declared),
//!   contigs numbered by the dictionary, no names (`l_aux` 0). An index
//!   needs the records in the order of the header's contigs.
//!
//! Measured by `tests/writer.rs` (bcftools 1.16 as the judge): every VCF of
//! Glow's test data written as BCF, with its own header and with an
//! inferred one, prints the same records in `bcftools view` and the same
//! values in `bcftools query` as the original, and reads back through
//! [`Reader`] as the batches the VCF reader gives (floats as `f32`); region
//! queries on our `.csi` return what they return on bcftools' own.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use genolake_vcf::writer::IndexFormat;
//! use genolake_vcf::{Reader, bcf, read_header_text};
//!
//! let source = "tests/data/VCFv4.3.vcf";
//! let reader = Reader::open(source)?;
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("copy.bcf");
//! let mut writer = bcf::Writer::builder(&path)
//!     .header(read_header_text(source)?)
//!     .index(IndexFormat::Csi)
//!     .build(&reader.schema())?;
//! for batch in reader {
//!     writer.write(&batch?)?;
//! }
//! assert_eq!(writer.finish()?.records, 5);
//! let rows: usize = bcf::Reader::open(&path)?.map(|b| b.unwrap().num_rows()).sum();
//! assert_eq!(rows, 5);
//! # Ok(()) }
//! ```

mod encode;
mod header;
mod input;
mod reader;
mod record;
#[cfg(test)]
mod tests;
mod writer;

pub use reader::{Reader, ReaderBuilder, read_header, read_header_text};
pub use writer::{Writer, WriterBuilder};

/// Whether the file at `path` is BCF: BGZF (or plain) bytes starting with
/// BCF's magic.
///
/// ```
/// assert!(genolake_vcf::bcf::is_bcf("tests/data/VCFv4.3.bcf").unwrap());
/// assert!(!genolake_vcf::bcf::is_bcf("tests/data/VCFv4.3.vcf").unwrap());
/// ```
pub fn is_bcf(path: impl AsRef<std::path::Path>) -> crate::Result<bool> {
    let path = path.as_ref();
    if crate::reader::detect_compression(path)? != crate::reader::Compression::Bgzf {
        return Ok(false);
    }
    let mut input = input::BlockInput::open(path)?;
    Ok(input.ensure(5)? && input.available().starts_with(b"BCF\x02"))
}
