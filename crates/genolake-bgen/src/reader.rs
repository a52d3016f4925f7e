//! Reading BGEN into Arrow record batches.

mod builder;
pub(crate) mod input;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use genolake_core::{Progress, Region, Split, Stringency};

pub use builder::ReaderBuilder;

use crate::codec::Inflater;
use crate::error::{Error, ErrorKind, Position, Result};
use crate::header::{Header, Layout};
use crate::record::RecordDecoder;
use input::{Input, Variant};

/// Largest number of genotypes a default batch holds; rows per batch follow
/// from the number of samples. Decoding is bound by writing the columns
/// (a phased diploid genotype is 52 bytes of them), so a batch is sized to
/// stay in a core's L2 cache (under 1 MB of columns here) as the memory
/// of the batch before it, freed, comes back for the next. Against 2^17,
/// 2^14 took 9% less CPU time on a phased diploid file, 20% less on a
/// chrX one, 13% less on an imputed unphased one (2^15: 4%, 17%, 10%).
const GENOTYPES_PER_BATCH: usize = 1 << 14;
/// Most rows in a default batch.
const MAX_BATCH_ROWS: usize = 8192;
/// A batch is cut before its string data nears the 2 GiB an `i32` offset allows.
const MAX_BATCH_BYTES: usize = 1 << 30;
/// Splits smaller than this cost more to start than they save.
const MIN_SPLIT_BYTES: u64 = 8 << 20;

/// Options of the BGEN reader, named as Glow names them.
#[derive(Debug, Clone, PartialEq)]
pub struct ReaderOptions {
    /// `includeSampleIds`: put `sampleId` in each genotype (default true).
    pub include_sample_ids: bool,
    /// `sampleFilePath`: an Oxford `.sample` file giving the sample
    /// identifiers of a `.bgen` that stores none. Identifiers stored in the
    /// `.bgen` win, as in Glow. Without either, samples are named
    /// `sample_0`, `sample_1`, ...
    pub sample_file_path: Option<PathBuf>,
    /// `sampleIdColumn`: the `.sample` column holding identifiers (default `ID_2`).
    pub sample_id_column: String,
    /// `emitHardCalls`: add `calls` to each genotype (default true).
    pub emit_hard_calls: bool,
    /// `hardCallThreshold`: the probability a genotype (unphased) or an allele
    /// (phased, per haplotype) needs to become a call (default 0.9).
    pub hard_call_threshold: f64,
    /// `validationStringency`: what to do with a variant whose genotype data
    /// is malformed (default strict). Damage to the framing of the file
    /// (lengths that run past its end) always stops the read, since no later
    /// block can be found after it.
    pub stringency: Stringency,
    /// Rows per batch (default: 2^14 genotypes, small enough to stay in a core's L2 cache; at least
    /// one row and at most 8192).
    pub batch_size: Option<usize>,
    /// Yield only variants overlapping one of these regions (default: all).
    pub regions: Vec<Region>,
    /// `useBgenIndex`: use a `.bgi` beside the file to find regions and split
    /// starts (default true).
    pub use_index: bool,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        Self {
            include_sample_ids: true,
            sample_file_path: None,
            sample_id_column: crate::sample::DEFAULT_SAMPLE_ID_COLUMN.to_string(),
            emit_hard_calls: true,
            hard_call_threshold: 0.9,
            stringency: Stringency::Strict,
            batch_size: None,
            regions: Vec::new(),
            use_index: true,
        }
    }
}

/// Reads the header of a BGEN file.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let header = genolake_bgen::read_header("tests/data/complex.16bits.bgen")?;
/// assert_eq!(header.variant_count, 10);
/// # Ok(()) }
/// ```
pub fn read_header(path: impl AsRef<Path>) -> Result<Header> {
    Header::read(path)
}

/// The Arrow schema a file will be read with under `options`. Every BGEN
/// file has the same columns; the header is taken for symmetry with the
/// other format crates.
pub fn schema(_header: &Header, options: &ReaderOptions) -> std::result::Result<SchemaRef, String> {
    if !(options.hard_call_threshold.is_finite()) {
        return Err(format!(
            "hardCallThreshold {} is not a number",
            options.hard_call_threshold
        ));
    }
    Ok(crate::record::schema_of(options))
}

/// Cuts a file into at most `target` byte-range splits for parallel reading.
///
/// With a `.bgi` index each split jumps straight to its first block. Without
/// one, a split that does not start at the first block skims the
/// identifying data of every block before it (a few dozen bytes per
/// variant, nothing decompressed) to find its first block, so splitting an
/// unindexed file still yields every variant exactly once, at a cost that
/// grows with the split's distance from the start of the file.
pub fn plan_splits(path: impl AsRef<Path>, target: usize) -> Result<Vec<Split>> {
    let path = path.as_ref();
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    let parts = (len / MIN_SPLIT_BYTES + 1).min(target.max(1) as u64) as usize;
    Ok(Split::tile(path, len, parts))
}

/// How the reader finds its blocks.
enum Plan {
    /// Block after block from the current offset, until a block starts at or
    /// after `end`; `ordinal` counts the blocks before the current one.
    Scan { end: u64, ordinal: u64 },
    /// The blocks at these offsets (from the index, for regions).
    Offsets { offsets: Vec<u64>, next: usize },
}

/// Reads the variants of a BGEN file (or of one split of it) as record batches.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_bgen::Reader;
///
/// let mut rows = 0;
/// for batch in Reader::open("tests/data/complex.16bits.bgen")? {
///     rows += batch?.num_rows();
/// }
/// assert_eq!(rows, 10);
/// # Ok(()) }
/// ```
pub struct Reader {
    path: PathBuf,
    header: Arc<Header>,
    sample_ids: Arc<Vec<String>>,
    input: Input,
    plan: Plan,
    variant: Variant,
    inflater: Inflater,
    decoder: RecordDecoder,
    regions: Vec<Region>,
    stringency: Stringency,
    batch_size: usize,
    progress: Option<Arc<Progress>>,
    consumed: u64,
    reported_bytes: u64,
    skipped: u64,
    finished: bool,
}

impl Reader {
    /// Opens a whole file with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::builder(path).build()
    }

    /// A builder for options, splits and progress reporting.
    pub fn builder(path: impl AsRef<Path>) -> ReaderBuilder {
        ReaderBuilder::new(path.as_ref())
    }

    /// The file's header.
    pub fn header(&self) -> &Arc<Header> {
        &self.header
    }

    /// The sample identifiers of the genotypes, in order: from the file, the
    /// `.sample` file, or generated.
    pub fn sample_ids(&self) -> &Arc<Vec<String>> {
        &self.sample_ids
    }

    /// The schema of the batches.
    pub fn schema(&self) -> SchemaRef {
        self.decoder.schema()
    }

    /// Variants skipped so far for malformed genotype data (lenient and
    /// silent stringency).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    fn report_progress(&mut self) {
        if let Some(progress) = &self.progress {
            progress.add_bytes(self.consumed - self.reported_bytes);
            self.reported_bytes = self.consumed;
        }
    }

    /// Positions the input at the next block to read, or returns false when
    /// there is none.
    fn next_block(&mut self) -> Result<bool> {
        let declared = self.header.variant_count as u64;
        match &mut self.plan {
            Plan::Scan { end, ordinal } => {
                if self.input.pos() >= *end {
                    return Ok(false);
                }
                if *ordinal >= declared {
                    if !self.input.at_end() {
                        tracing::warn!(
                            "{}: the header declares {declared} variants; the {} bytes after the last one are ignored",
                            self.path.display(),
                            self.input.len() - self.input.pos()
                        );
                    }
                    return Ok(false);
                }
                if self.input.at_end() {
                    let message = format!(
                        "the header declares {declared} variants but the file ends after {ordinal}"
                    );
                    if self.stringency == Stringency::Strict {
                        return Err(Error::new(
                            &self.path,
                            Position::Offset(self.input.len()),
                            ErrorKind::Header(message),
                        ));
                    }
                    if self.stringency == Stringency::Lenient {
                        tracing::warn!("{}: {message}", self.path.display());
                    }
                    return Ok(false);
                }
                *ordinal += 1;
                Ok(true)
            }
            Plan::Offsets { offsets, next } => {
                let Some(&offset) = offsets.get(*next) else {
                    return Ok(false);
                };
                *next += 1;
                if offset < self.header.first_variant_offset || offset >= self.input.len() {
                    return Err(Error::new(
                        &self.path,
                        Position::Offset(offset),
                        ErrorKind::Index(format!(
                            "the index lists a variant block at byte {offset}, outside the variant data (bytes {} to {})",
                            self.header.first_variant_offset,
                            self.input.len()
                        )),
                    ));
                }
                self.input.seek(offset)?;
                Ok(true)
            }
        }
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        let layout_one = self.header.layout == Layout::One;
        while !self.finished {
            if !self.next_block()? {
                self.finished = true;
                break;
            }
            let before = self.input.pos();
            self.input
                .read_variant(&self.header, &mut self.variant, false)?;
            self.consumed += self.input.pos() - before;
            if !self.regions.is_empty() {
                let (start, end) = self.variant.span();
                let keep = match std::str::from_utf8(&self.variant.chrom) {
                    Ok(contig) => Region::any_overlaps(&self.regions, contig, start, end),
                    Err(_) => true, // decoding names the problem
                };
                if !keep {
                    continue;
                }
            }
            let offset = self.variant.offset;
            let outcome = self
                .inflater
                .inflate(
                    self.header.compression,
                    &self.variant.genotype,
                    self.variant.uncompressed_len,
                )
                .map_err(|m| (ErrorKind::Compression(m.clone()), m))
                .and_then(|inflated| {
                    self.decoder
                        .decode(&self.variant, layout_one, inflated)
                        .map_err(|m| (ErrorKind::Record(m.clone()), m))
                });
            if let Err((kind, message)) = outcome {
                match self.stringency {
                    Stringency::Strict => {
                        return Err(Error::new(&self.path, Position::Variant(offset), kind));
                    }
                    Stringency::Lenient => {
                        tracing::warn!(
                            "{}: variant block at byte {offset}: {message}; variant skipped",
                            self.path.display()
                        );
                        self.skipped += 1;
                    }
                    Stringency::Silent => self.skipped += 1,
                }
                if let Some(p) = &self.progress {
                    p.add_skipped(1);
                }
                continue;
            }
            if self.decoder.rows() >= self.batch_size
                || self.decoder.buffered_bytes() >= MAX_BATCH_BYTES
            {
                break;
            }
        }
        self.report_progress();
        let rows = self.decoder.rows();
        if rows == 0 {
            return Ok(None);
        }
        if let Some(p) = &self.progress {
            p.add_records(rows as u64);
        }
        let batch = self
            .decoder
            .finish()
            .map_err(|e| Error::new(&self.path, Position::File, ErrorKind::Arrow(e)))?;
        Ok(Some(batch))
    }
}

impl Iterator for Reader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.read_batch() {
            Ok(batch) => batch.map(Ok),
            Err(e) => {
                self.finished = true;
                Some(Err(e))
            }
        }
    }
}

fn default_batch_size(samples: usize) -> usize {
    (GENOTYPES_PER_BATCH / samples.max(1)).clamp(1, MAX_BATCH_ROWS)
}
