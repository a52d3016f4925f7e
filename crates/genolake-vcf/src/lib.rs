//! VCF and BCF into Apache Arrow, in the table layout of Glow's VCF reader.
//!
//! `genolake-vcf` reads VCF 4.0–4.5, plain, gzip-compressed or BGZF, into
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
//! # To the letter of the specification
//!
//! A header's `##fileformat` picks the rules (VCF 4.0 to 4.5; a later 4.x
//! is read as 4.5, with a warning). What the specification states is
//! checked, version by version:
//!
//! - **Reserved keys.** The INFO and FORMAT keys the specification reserves
//!   (`AC`, `AN`, `DP`, `END`, ..., `GT`, `AD`, `PL`, `GQ`, ...; see
//!   [`header::reserved_info`]) keep its Number and Type: a header line that
//!   gives one another Type or another Number is an error under strict
//!   stringency (naming the line, the key and what the version says) and a
//!   warning under lenient, which then uses the header's definition. A
//!   header's Number `.` says the count "varies, is unknown, or is
//!   unbounded": it fits a count that varies with the alleles or the ploidy
//!   (`A`, `R`, `G`, ...: writers from before `R` declared `AD` so) and `GT`
//!   and `FT`, whose one value lists a varying number of alleles or filters
//!   (htsjdk declares `FT` so), but not another fixed count (`AA`'s 1, a
//!   Flag's 0): strict reads reject Platypus' `GQ` declared with `.`, which
//!   lenient reads take.
//!   The keys of the structural-variant sections, which the versions redefine,
//!   and `SB`, which GATK and samtools wrote as one Float, type undeclared
//!   keys but are not checked.
//! - **Undeclared keys.** A key the records use without a header line is
//!   typed as its version reserves it, else as htslib types such keys (text,
//!   or a Flag), with one warning each, in every stringency: see
//!   [`header::undeclared`] for how the first records are read for them.
//! - **Header grammar.** Structured lines must parse (quotes closed, no `,`
//!   in a field name), INFO/FORMAT/FILTER/ALT/META lines start with their
//!   ID, Descriptions are quoted, Number and Type are valid for the version
//!   (`P` from 4.4; `LA`, `LR`, `LG`, `M` from 4.5), ALT IDs hold no
//!   whitespace, comma or angle bracket, contig names follow SAM's rule,
//!   `##assembly` and `##pedigreeDB` URLs name a host, two definitions of one
//!   INFO or FORMAT key agree.
//! - **Records.** REF and ALT alleles are bases (A, C, G, T, N), `*`,
//!   symbolic `<ID>`s or breakends; ID and FILTER have no empty or repeated
//!   entries; QUAL is not negative; a contig's records come together; a
//!   value holds as many items as its Number says (A, R, fixed counts, and G
//!   for the genotype's ploidy); reserved counts and depths are not negative;
//!   a reserved `Number=1` text (`AA`) holds no comma; a Character is one
//!   character; from VCF 4.3, which makes them 32-bit, Integers fit 32 bits
//!   and avoid BCF's eight reserved values.
//!
//! Decided against the text, with the specification's own conformance
//! suite and bcftools as judges (each is a warning, not an error):
//!
//! - records out of position order, a missing final newline, a repeated
//!   contig line or a repeated identical INFO/FORMAT line, a Flag declared
//!   with a Number other than 0, a SAMPLE line without `Genomes`, an ALT ID
//!   whose type is not DEL, INS, DUP, INV, CNV or BND (GATK's `NON_REF`,
//!   gnomAD-SV's `CPX`), `_` in FORMAT keys of 4.1/4.2 files, a header line
//!   without Description, Number (read as `.`) or Type (read as String);
//! - a key given without a value (`HOMSEQ;`) or with an empty one is
//!   missing, as bcftools reads it; a Flag may be spelt `0` or `1`;
//! - at a record whose ALT is `.` (the missing value: its alternate alleles
//!   are not listed) genotypes are read as written, and values are not
//!   counted against Numbers; elsewhere a GT calling an allele past the ALT
//!   list is an error;
//! - a Number=G list of a genotype without GT fits any ploidy, and of a
//!   phased genotype may hold one value per allele and haplotype (QCTOOL's
//!   GP from phased BGEN);
//! - a record with more or fewer sample columns than the header names is an
//!   error (lenient: skipped), as its values cannot be placed.
//!
//! Where the text leaves a choice open, bcftools decides: VCF 4.0 to 4.2
//! give Integers no width, and their columns are 32-bit, so there an item
//! past 32 bits, or one of BCF's eight reserved values, is read as missing,
//! as bcftools reads it, in every stringency (counted in
//! [`Reader::nulled`], and warned about once per field but in silent
//! reads).
//!
//! `INFO END` is an `Int64` column: positions pass 2^31 on long references
//! (htslib's tests). VCF 4.5's local-allele fields (`LAA`, and the `LA`,
//! `LR`, `LG` lists such as `LAD` and `LPL`) are kept as written, relative to
//! each sample's `LAA`, not expanded to the record's alleles; an empty value
//! of a list is an empty list there.
//!
//! Measured by `tests/spec_conformance.rs` (bcftools 1.16 as the peer):
//! strict reads accept all 76 `passed` files of hts-specs' `test/vcf` with
//! bcftools' record counts, reject 577 of its 607 `failed` files (95.1%), and
//! read 509 of the 537 VCFs of bcftools' and htslib's test suites that
//! bcftools reads (94.8%); the test lists every exception and why.
//!
//! # Errors
//!
//! Every [`Error`] names the file, the line (or, in the middle of a BGZF file,
//! the block and offset) and what was wrong. Under the default strict
//! [`Stringency`](genolake_core::Stringency) the first problem stops the
//! read. Lenient and silent reads keep the record and read a value that
//! does not parse (or breaks its definition) as null, counting per field
//! ([`Reader::nulled`]); they skip a record, and count it, only when a
//! column that places it is broken: CHROM, POS, REF, ALT, or the number of
//! sample columns. Lenient reads warn once per field or kind of problem.
//!
//! # BCF
//!
//! [`bcf::Reader`] reads BCF 2.2 (and 2.1), the binary form of VCF that
//! `bcftools view -Ob` writes, into the same batches: the header is parsed
//! by the VCF header parser (so the schema is the VCF reader's for the same
//! header), and each binary record is turned into the VCF line that says
//! the same, in one reused buffer, which the VCF record decoder builds into
//! Arrow columns with the same checks. The only difference is BCF's own:
//! floats are 32-bit there, so a Float column holds the `f32` value
//! (`329458.17` in VCF is `329458.16` in BCF), and a NaN has no sign. Every
//! length and dictionary index of a record is checked before use; a damaged
//! record is an error naming its BGZF virtual position. Splits own the
//! records starting in their blocks; regions use the `.csi` index that
//! `bcftools index` writes.
//!
//! [`bcf::Writer`] writes the same batches as BCF 2.2, with the VCF writer's
//! options, header and samples (the two share their code; see
//! [`bcf`] for the binary encoding and what BCF asks more: every
//! contig declared before its records, a `.csi` index).
//!
//! Measured by `tests/bcf.rs` (bcftools 1.16 writing the BCFs): every VCF
//! of Glow's test data that bcftools can write as BCF (those whose contigs
//! are declared) reads as the same batches, column by column, in Glow's
//! layout and in the matrix layout; splits read each record once, also of
//! a file cut in 1,000-byte blocks; `.csi` region queries return the records
//! `bcftools view -r` returns.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use genolake_vcf::{Reader, bcf};
//!
//! let from_bcf: Vec<_> = bcf::Reader::open("tests/data/VCFv4.3.bcf")?.collect::<Result<_, _>>()?;
//! let from_vcf: Vec<_> = Reader::open("tests/data/VCFv4.3.vcf")?.collect::<Result<_, _>>()?;
//! assert_eq!(from_bcf[0].schema(), from_vcf[0].schema());
//! assert_eq!(from_bcf[0].column(1), from_vcf[0].column(1)); // start
//! # Ok(()) }
//! ```
//!
//! # Writing
//!
//! [`Writer`] writes batches of the same layout (read from VCF, BGEN or
//! PLINK, or a SQL result that keeps the column names) back as VCF 4.x:
//! plain text, or BGZF with a `.tbi` or `.csi` index built from the
//! records' virtual positions as they are written. The header is the source
//! file's ([`read_header_text`], Glow's `vcfHeader`) or inferred from the
//! columns, Glow's renames reversed (`phredLikelihoods` is `PL`). The text
//! goes straight from the Arrow buffers into one reused byte buffer (no
//! allocation per genotype, floats in their shortest round-trip form), and
//! BGZF blocks are deflated by libdeflate on worker threads while the next
//! records are formatted. The file appears under its name only when
//! [`Writer::finish`] succeeds. See [`writer`] for what is written, field by
//! field, and what VCF cannot keep apart.
//!
//! Measured by `tests/writer.rs` (bcftools 1.16 as the judge): every VCF of
//! Glow's test data, read and written back (with its own header as plain
//! text, and with an inferred header as BGZF), prints the same records in
//! `bcftools view` (up to the order of INFO and FORMAT keys, which the table
//! does not keep) and the same values in `bcftools query`; region queries
//! on our indexes return what they return on tabix's and bcftools'.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use genolake_vcf::{Reader, Writer};
//!
//! let reader = Reader::open("tests/data/VCFv4.3.vcf")?;
//! let dir = tempfile::tempdir()?;
//! let mut writer = Writer::create(dir.path().join("copy.vcf.gz"), &reader.schema())?;
//! for batch in reader {
//!     writer.write(&batch?)?;
//! }
//! assert_eq!(writer.finish()?.records, 5);
//! # Ok(()) }
//! ```
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

pub mod bcf;
pub mod bgzf;
pub mod error;
pub mod header;
pub mod index;
pub mod reader;
mod record;
pub mod writer;

pub use error::{Error, ErrorKind, Position, Result};
pub use header::Header;
pub use reader::{
    Compression, Reader, ReaderBuilder, ReaderOptions, plan_splits, read_header, read_header_text,
    schema,
};
pub use writer::{WriteSummary, Writer, WriterBuilder, WriterOptions};
