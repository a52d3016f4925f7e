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
//! [`split`] splits multiallelic rows into one row per alternate allele, as
//! Glow's `split_multiallelics` does: INFO and genotype fields of Number A,
//! R (and G, for genotype fields) go to the allele they belong to, calls
//! are recoded, and `INFO_OLD_MULTIALLELIC` records the original site.
//!
//! [`fasta`] reads bases from an indexed reference FASTA (plain or BGZF, with
//! the `.fai`/`.gzi` indexes of `samtools faidx`). [`normalize`] left-aligns
//! and trims variants against it as `bcftools norm -f` does, with Glow's
//! `normalize_variant` / `normalize_variants` output columns, and re-sorts
//! the shifted rows within a bounded window.
//!
//! [`pipeline`] chains the transforms in the order `bcftools norm -m- -f`
//! and Glow's pipelines apply them, as the CLI and the SQL table functions
//! run them: prepared once, then one worker per thread.
//!
//! [`annotation`] parses VEP's `CSQ` and SnpEff's `ANN` INFO strings into
//! `List<Struct>` columns with Glow's field names and types (consequence
//! lists, rank/total and position/length pairs, SnpEff's integer
//! `Distance`), found from the header's Description.
//!
//! [`merge`] joins per-sample or per-batch tables into one multi-sample
//! table: a streaming k-way merge of position-sorted inputs that joins
//! records of the same site (Glow's group-by key), fills missing genotypes
//! and combines IDs, QUAL, FILTER and INFO as `bcftools merge -m none` does.
//!
//! Liftover: [`chain`] reads UCSC chain files (plain or gzip) into an index
//! per source contig; [`liftover`] lifts intervals with htsjdk's
//! minimum-match rule (Glow's `lift_over_coordinates`) and whole variants
//! against the target reference with Picard `LiftoverVcf`'s rules (Glow's
//! `lift_over_variants`): reverse-strand alleles reverse-complemented and
//! indels left-aligned, swapped REF/ALT recovered with genotype calls and
//! array fields flipped, and a `liftOverStatus` column saying why a row
//! could not be lifted.
//!
//! [`pipe`] is Glow's pipe transformer: it writes a partition's rows to an
//! external command's stdin as VCF, CSV or text, and reads the command's
//! stdout back as a table (VCF into the variant table, CSV into string
//! columns, text into one `text` column), with Glow's option names, the
//! command's exit status and stderr in its errors.

pub mod annotation;
pub mod chain;
pub mod error;
pub mod fasta;
pub mod liftover;
pub mod merge;
pub mod normalize;
pub mod pipe;
pub mod pipeline;
pub mod split;

pub use error::{Error, Result};
