//! Reading PLINK 1 filesets into Arrow record batches.

mod builder;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use genolake_core::{Progress, Region, Split, Stringency};

pub use builder::ReaderBuilder;

use crate::bed::{self, decode_records, decode_selected};
use crate::bim::{self, BimLines};
use crate::error::{Error, ErrorKind, Position, Result};
use crate::fileset::{Fileset, FilesetPaths, open_bed};
use crate::record::{BatchBuilder, CallsOut, plink_schema};
use crate::text::Delimiter;

/// Largest number of genotypes a default batch holds; rows per batch follow
/// from the number of samples.
const GENOTYPES_PER_BATCH: usize = 1 << 20;
/// Most rows in a default batch (filesets with few samples).
const MAX_BATCH_ROWS: usize = 8192;

/// Options of the PLINK reader, named as Glow names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderOptions {
    /// `includeSampleIds`: put `sampleId` in each genotype (default true).
    pub include_sample_ids: bool,
    /// `mergeFidIid`: make `sampleId` `FID_IID` (default true, as in Glow);
    /// false takes the IID alone.
    pub merge_fid_iid: bool,
    /// `famDelimiter`: how `.fam` columns are separated (default: any run
    /// of spaces and tabs, which reads plink 1.9 and plink2 files alike;
    /// Glow's default is one space).
    pub fam_delimiter: Delimiter,
    /// `bimDelimiter`: how `.bim` columns are separated (default: any run
    /// of spaces and tabs; Glow's default is one tab).
    pub bim_delimiter: Delimiter,
    /// `validationStringency`: what to do with a malformed `.bim` line
    /// (default strict: stop with an error naming it; lenient and silent
    /// skip the variant and count it). A malformed `.fam`, a `.bed` of the
    /// wrong size or with the wrong magic bytes is an error whatever the
    /// stringency: they change the layout of every record.
    pub stringency: Stringency,
    /// Read only these samples (by `sampleId`), in the file's order
    /// (default: all).
    pub samples: Option<Vec<String>>,
    /// Rows per batch (default: about a million genotypes, at most 8192 rows).
    pub batch_size: Option<usize>,
    /// Yield only variants overlapping one of these regions (default: all).
    /// The `.bim` is scanned; only the `.bed` records of matching variants
    /// are read.
    pub regions: Vec<Region>,
    /// How each row's genotypes are given (default: Glow's `genotypes`
    /// list).
    pub genotypes: GenotypeOutput,
}

/// How the PLINK reader gives each row's genotypes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GenotypeOutput {
    /// Glow's `genotypes` list of {`sampleId`, `calls`} structs.
    #[default]
    Glow,
    /// Straight into the matrix layout ([`genolake_core::matrix`]): each
    /// row's `calls` are two one-byte slots per sample and `callsPloidy`
    /// is 2; the batches' schema describes the layout and names the
    /// samples ([`schema_of`]).
    Matrix,
    /// The `.bed` record itself, in a [`BED_RECORD`] column of
    /// `ceil(samples / 4)` bytes (two bits a sample, the first sample in
    /// the low bits; unused bits of the last byte zero), for readers of
    /// the 2-bit codes (genolake's association tests). With a sample
    /// selection the selected samples' codes are packed again, in the
    /// `.fam`'s order. The samples are those [`GenotypeOutput::Matrix`]
    /// names.
    BedRecords,
}

/// The column of [`GenotypeOutput::BedRecords`] batches that holds each
/// row's `.bed` record.
pub const BED_RECORD: &str = "bedRecord";

impl Default for ReaderOptions {
    fn default() -> Self {
        Self {
            include_sample_ids: true,
            merge_fid_iid: true,
            fam_delimiter: Delimiter::Whitespace,
            bim_delimiter: Delimiter::Whitespace,
            stringency: Stringency::Strict,
            samples: None,
            batch_size: None,
            regions: Vec::new(),
            genotypes: GenotypeOutput::Glow,
        }
    }
}

/// Opens a fileset (by `.bed` path or prefix) and checks that its files fit
/// together, for sharing between the readers of its splits.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let path = "tests/data/five-samples-five-variants/bed-bim-fam/test.bed";
/// let fileset = genolake_plink::read_fileset(path, &Default::default())?;
/// assert_eq!(fileset.sample_ids(true)[4], "fam5_ind5");
/// # Ok(()) }
/// ```
pub fn read_fileset(path: impl AsRef<Path>, options: &ReaderOptions) -> Result<Fileset> {
    Fileset::open(path, options.fam_delimiter)
}

/// The Arrow schema of the batches read under `options`: Glow's PLINK
/// schema, `contigName`, `names`, `position`, `start`, `end`,
/// `referenceAllele`, `alternateAlleles`, `genotypes` of {`sampleId`,
/// `calls`} (no `sampleId` when `include_sample_ids` is false).
///
/// ```
/// let schema = genolake_plink::schema(&Default::default());
/// let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
/// assert_eq!(
///     names,
///     ["contigName", "names", "position", "start", "end", "referenceAllele",
///      "alternateAlleles", "genotypes"]
/// );
/// ```
pub fn schema(options: &ReaderOptions) -> SchemaRef {
    plink_schema(options.include_sample_ids)
}

/// The Arrow schema of the batches read from `fileset` under `options`:
/// [`schema`]; with [`GenotypeOutput::Matrix`] the matrix layout's, which
/// names the samples read (so it needs the fileset); with
/// [`GenotypeOutput::BedRecords`] the site columns and [`BED_RECORD`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_core::matrix::MatrixLayout;
/// use genolake_plink::{GenotypeOutput, ReaderOptions};
///
/// let path = "tests/data/five-samples-five-variants/bed-bim-fam/test.bed";
/// let fileset = genolake_plink::read_fileset(path, &Default::default())?;
/// let options = ReaderOptions { genotypes: GenotypeOutput::Matrix, ..Default::default() };
/// let schema = genolake_plink::schema_of(&fileset, &options)?;
/// let (_, samples) = MatrixLayout::of_described(&schema)?.unwrap();
/// assert_eq!(samples.ids().unwrap()[4], "fam5_ind5");
/// # Ok(()) }
/// ```
pub fn schema_of(fileset: &Fileset, options: &ReaderOptions) -> Result<SchemaRef> {
    if options.genotypes == GenotypeOutput::Glow {
        return Ok(schema(options));
    }
    let (_, ids) = builder::select_samples(fileset, options)?;
    if options.genotypes == GenotypeOutput::BedRecords {
        return Ok(crate::record::bed_record_schema(ids.len()));
    }
    let samples = if options.include_sample_ids {
        genolake_core::matrix::Samples::with_ids(ids)
    } else {
        genolake_core::matrix::Samples::anonymous(ids.len())
    };
    crate::record::matrix_schema(options.include_sample_ids, &samples)
        .map(|(_, schema)| schema)
        .map_err(|e| Error::new(&fileset.paths().bed, Position::File, ErrorKind::Arrow(e)))
}

/// Cuts a fileset's `.bed` into at most `target` splits on variant
/// boundaries, for parallel reading. Only the `.fam` (to know the record
/// width) and the `.bed`'s size are read; see [`Fileset::variants_of`] for
/// which variants a split owns.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let path = "tests/data/five-samples-five-variants/bed-bim-fam/test.bed";
/// let splits = genolake_plink::plan_splits(path, 4)?;
/// assert_eq!(splits.len(), 1); // a tiny file is not worth splitting
/// # Ok(()) }
/// ```
pub fn plan_splits(path: impl AsRef<Path>, target: usize) -> Result<Vec<Split>> {
    let paths = FilesetPaths::new(path);
    let (_, len) = open_bed(&paths.bed)?;
    let samples = crate::fam::count_samples(&paths.fam)?;
    let width = bed::bytes_per_variant(samples);
    let variants = (len - bed::HEADER_LEN).checked_div(width).unwrap_or(0);
    Ok(crate::fileset::plan(&paths.bed, variants, width, target))
}

/// Reads the variants of a PLINK 1 fileset (or of one split of it) as
/// record batches.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use arrow::array::AsArray;
/// use genolake_plink::Reader;
///
/// let reader = Reader::open("tests/data/five-samples-five-variants/bed-bim-fam/test.bed")?;
/// let batch = reader.into_iter().next().unwrap()?;
/// assert_eq!(batch.num_rows(), 5);
/// let genotypes = batch.column_by_name("genotypes").unwrap().as_list::<i32>();
/// let first = genotypes.value(0);
/// let calls = first.as_struct().column_by_name("calls").unwrap().as_list::<i32>();
/// let calls: Vec<Vec<i32>> = (0..5)
///     .map(|i| calls.value(i).as_primitive::<arrow::datatypes::Int32Type>().values().to_vec())
///     .collect();
/// assert_eq!(calls, [vec![0, 0], vec![0, 1], vec![1, 1], vec![-1, -1], vec![-1, -1]]);
/// # Ok(()) }
/// ```
pub struct Reader {
    fileset: Arc<Fileset>,
    bim: BimLines,
    bed: File,
    bed_position: u64,
    variants: Range<u64>,
    next_variant: u64,
    builder: BatchBuilder,
    selected: Option<Vec<u32>>,
    samples: usize,
    bim_delimiter: Delimiter,
    stringency: Stringency,
    regions: Vec<Region>,
    batch_size: usize,
    pending: Vec<u64>,
    records: Vec<u8>,
    progress: Option<Arc<Progress>>,
    reported_bytes: u64,
    bed_bytes: u64,
    skipped: u64,
    finished: bool,
}

impl Reader {
    /// Opens a whole fileset (by `.bed` path or prefix) with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::builder(path).build()
    }

    /// A builder for options, splits, a shared fileset and progress reporting.
    pub fn builder(path: impl AsRef<Path>) -> ReaderBuilder {
        ReaderBuilder::new(path.as_ref())
    }

    /// The fileset read.
    pub fn fileset(&self) -> &Arc<Fileset> {
        &self.fileset
    }

    /// The schema of the batches.
    pub fn schema(&self) -> SchemaRef {
        self.builder.schema()
    }

    /// The variants (0-based indices in `.bim` order) this reader's split owns.
    pub fn variants(&self) -> Range<u64> {
        self.variants.clone()
    }

    /// Malformed `.bim` lines skipped so far (lenient and silent stringency).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    fn report_progress(&mut self, rows: usize) {
        if let Some(progress) = &self.progress {
            let bytes = self.bim.bytes_read() + self.bed_bytes;
            progress.add_bytes(bytes - self.reported_bytes);
            progress.add_records(rows as u64);
            self.reported_bytes = bytes;
        }
    }

    /// Reads the `.bed` records of the variants in `pending` into `records`,
    /// one seek and one read per run of consecutive variants.
    fn read_records(&mut self) -> Result<()> {
        let width = self.fileset.bytes_per_variant() as usize;
        let rows = self.pending.len();
        self.records.resize(rows * width, 0);
        let mut i = 0;
        while i < rows {
            let first = self.pending[i];
            let mut j = i + 1;
            while j < rows && self.pending[j] == self.pending[j - 1] + 1 {
                j += 1;
            }
            let offset = self.fileset.variant_offset(first);
            let path = &self.fileset.paths().bed;
            if offset != self.bed_position {
                self.bed
                    .seek(SeekFrom::Start(offset))
                    .map_err(|e| Error::io(path, e))?;
            }
            let target = &mut self.records[i * width..j * width];
            if let Err(e) = self.bed.read_exact(target) {
                self.bed_position = u64::MAX;
                return Err(if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    Error::new(
                        path,
                        Position::Offset(offset),
                        ErrorKind::Bed(format!(
                            "the file ends before the records of variants {} to {} that start \
                             here; it was cut short after it was opened",
                            first + 1,
                            first + (j - i) as u64
                        )),
                    )
                } else {
                    Error::io(path, e)
                });
            }
            self.bed_position = offset + ((j - i) * width) as u64;
            self.bed_bytes += ((j - i) * width) as u64;
            i = j;
        }
        Ok(())
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        self.pending.clear();
        let fileset = self.fileset.clone();
        let bim_path = &fileset.paths().bim;
        while self.pending.len() < self.batch_size && self.next_variant < self.variants.end {
            let Some((number, line)) = self.bim.next(bim_path)? else {
                return Err(Error::new(
                    bim_path,
                    Position::File,
                    ErrorKind::Bim(format!(
                        "the file ends before variant {}, though it listed {} variants when the \
                         fileset was opened; it changed while being read",
                        self.next_variant + 1,
                        fileset.variant_count()
                    )),
                ));
            };
            let index = self.next_variant;
            self.next_variant += 1;
            match bim::parse_line(line, self.bim_delimiter) {
                Ok(record) => {
                    if !self.regions.is_empty() {
                        let start = record.position.saturating_sub(1);
                        let end = start.saturating_add(record.allele2.len() as i64);
                        if !Region::any_overlaps(&self.regions, record.contig, start, end) {
                            continue;
                        }
                    }
                    self.builder.push_site(&record);
                    self.pending.push(index);
                }
                Err(message) => {
                    match self.stringency {
                        Stringency::Strict => {
                            return Err(Error::new(
                                bim_path,
                                Position::Line(number),
                                ErrorKind::Bim(message),
                            ));
                        }
                        Stringency::Lenient => tracing::warn!(
                            "{}: line {number}: {message}; variant skipped",
                            bim_path.display()
                        ),
                        Stringency::Silent => {}
                    }
                    self.skipped += 1;
                    if let Some(p) = &self.progress {
                        p.add_skipped(1);
                    }
                }
            }
        }
        let rows = self.pending.len();
        if rows == 0 {
            self.report_progress(0);
            return Ok(None);
        }
        let arrow_error = |e| Error::new(&fileset.paths().bed, Position::File, ErrorKind::Arrow(e));
        self.builder.prepare(rows).map_err(arrow_error)?;
        self.read_records()?;
        let width = fileset.bytes_per_variant() as usize;
        let samples = self.samples;
        // Each decoder reserves what it writes, once: a second, larger
        // reservation would copy the whole (still empty) buffer.
        let records = self.records.chunks_exact(width.max(1)).take(rows);
        match (self.builder.calls(), &self.selected) {
            (CallsOut::Lists(calls), None) => decode_records(&self.records, samples, calls),
            (CallsOut::Lists(calls), Some(selected)) => {
                for record in records {
                    decode_selected(record, selected, calls);
                }
            }
            (CallsOut::Slots(slots), None) => {
                bed::decode_records_to_slots(&self.records, samples, slots)
            }
            (CallsOut::Slots(slots), Some(selected)) => {
                for record in records {
                    bed::decode_selected_to_slots(record, selected, slots);
                }
            }
            (CallsOut::Records(out), None) => {
                out.extend_from_slice(&self.records[..rows * width]);
            }
            (CallsOut::Records(out), Some(selected)) => {
                for record in records {
                    bed::select_record(record, selected, out);
                }
            }
        }
        self.report_progress(rows);
        self.builder.finish().map(Some).map_err(arrow_error)
    }
}

impl Iterator for Reader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.read_batch() {
            Ok(Some(batch)) => Some(Ok(batch)),
            Ok(None) => {
                self.finished = true;
                None
            }
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
