//! BCF 2.2 (and 2.1), the binary form of VCF, into the same Arrow batches.
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

mod header;
mod input;
mod reader;
mod record;
#[cfg(test)]
mod tests;

pub use reader::{Reader, ReaderBuilder, read_header};

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
