//! Reading VCF into Arrow record batches.

mod builder;
pub(crate) mod input;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use genolake_core::{Progress, Region, Split, Stringency};

pub use builder::ReaderBuilder;
pub use input::{Compression, VirtualPosition, detect_compression};

use crate::error::{Error, ErrorKind, Position, Result};
use crate::header::undeclared::UndeclaredKeys;
use crate::header::{Header, HeaderParser};
use crate::record::RecordDecoder;
use input::{Bounds, LineInput};

/// Largest number of genotypes a default batch holds; rows per batch follow
/// from the number of samples.
const GENOTYPES_PER_BATCH: usize = 1 << 20;
/// Most rows in a default batch (sites-only files, few samples).
const MAX_BATCH_ROWS: usize = 8192;
/// A batch is cut before its string data nears the 2 GiB an `i32` offset allows.
const MAX_BATCH_BYTES: usize = 1 << 30;
/// A default batch is cut after this many bytes of input text: a
/// FORMAT-rich genotype decodes to about three times its text, so a million
/// genotypes of GT:AD:DP:GQ:PL would be some 70 MB of Arrow per batch, and
/// an ingest holds several batches per core (a 100,000 × 2,000 rich cohort
/// ingested at 1.4 GB, 850 MB with this cap). GT-only batches (4 bytes a
/// genotype) stay under it.
const SOFT_BATCH_BYTES: usize = 8 << 20;
/// Splits smaller than this cost more to start than they save.
const MIN_SPLIT_BYTES: u64 = 8 << 20;

/// Options of the VCF reader, named as Glow names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderOptions {
    /// `includeSampleIds`: put `sampleId` in each genotype (default true).
    pub include_sample_ids: bool,
    /// `flattenInfoFields`: one `INFO_<key>` column per INFO definition
    /// (default true); false gives one `attributes` map instead.
    pub flatten_info_fields: bool,
    /// `validationStringency`: what to do with malformed records (default strict).
    pub stringency: Stringency,
    /// Read only these samples, in the file's order (default: all).
    pub samples: Option<Vec<String>>,
    /// Rows per batch (default: about a million genotypes, at most 8192 rows).
    pub batch_size: Option<usize>,
    /// Yield only records overlapping one of these regions (default: all).
    pub regions: Vec<Region>,
    /// Use a `.tbi`/`.csi` index beside a BGZF file to read only the blocks
    /// that hold the regions (default true).
    pub use_index: bool,
    /// Decode genotypes straight into the matrix layout
    /// ([`genolake_core::matrix`]) instead of Glow's `genotypes` list
    /// (default false): the batches have the layout's schema, described in
    /// its `callsPloidy` field's metadata with the samples read
    /// ([`MatrixLayout::described_schema`]), and GT is never built as
    /// `Int32` lists. Values, errors and warnings are those of Glow's
    /// layout converted. A file without GT (no samples) is read in Glow's
    /// layout regardless.
    ///
    /// [`MatrixLayout::described_schema`]: genolake_core::matrix::MatrixLayout::described_schema
    pub matrix_genotypes: bool,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        Self {
            include_sample_ids: true,
            flatten_info_fields: true,
            stringency: Stringency::Strict,
            samples: None,
            batch_size: None,
            regions: Vec::new(),
            use_index: true,
            matrix_genotypes: false,
        }
    }
}

/// Reads the header at the start of a VCF file (plain, gzip or BGZF).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let header = genolake_vcf::read_header("tests/data/VCFv4.3.vcf", Default::default())?;
/// assert_eq!(header.samples, ["NA00001", "NA00002", "NA00003"]);
/// # Ok(()) }
/// ```
pub fn read_header(path: impl AsRef<Path>, stringency: Stringency) -> Result<Header> {
    let path = path.as_ref();
    let compression = detect_compression(path)?;
    let mut input = LineInput::open(
        path,
        compression,
        Bounds::Split {
            start: 0,
            end: u64::MAX,
        },
    )?;
    let mut parser = HeaderParser::new(stringency);
    while let Some(line) = input.next_line()? {
        let position = line.position;
        let text = std::str::from_utf8(line.bytes).map_err(|_| {
            Error::new(
                path,
                position,
                ErrorKind::Header("the header line is not UTF-8".into()),
            )
        })?;
        let done = parser
            .feed(text)
            .map_err(|e| Error::new(path, position, ErrorKind::Header(e)))?;
        if done {
            break;
        }
    }
    let line = parser.line_number();
    let mut header = parser
        .finish()
        .map_err(|e| Error::new(path, Position::Line(line.max(1)), ErrorKind::Header(e)))?;
    let mut undeclared = UndeclaredKeys::new(&header);
    while !undeclared.is_full() {
        match input.next_line() {
            Ok(Some(line)) if line.bytes.first() == Some(&b'#') => {}
            Ok(Some(line)) => undeclared.feed(line.bytes),
            // A broken or truncated body is the decoder's to report, with
            // its place; the header itself is whole.
            Ok(None) | Err(_) => break,
        }
    }
    undeclared.apply(&mut header);
    Ok(header)
}

/// The header of a VCF file (plain, gzip or BGZF) as written: its `##`
/// lines and its `#CHROM` line, each ending in a newline.
///
/// This is what a [`Writer`](crate::Writer) takes to write the same header
/// again ([`WriterBuilder::header`](crate::WriterBuilder::header), Glow's
/// `vcfHeader`). It is not put in the batches' schema metadata: engines
/// compare schemas, metadata included, across the files of a table.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let text = genolake_vcf::read_header_text("tests/data/VCFv4.3.vcf")?;
/// assert!(text.starts_with("##fileformat=VCFv4.3\n"));
/// assert!(text.ends_with("\tNA00003\n"));
/// # Ok(()) }
/// ```
pub fn read_header_text(path: impl AsRef<Path>) -> Result<String> {
    let path = path.as_ref();
    let compression = detect_compression(path)?;
    let mut input = LineInput::open(
        path,
        compression,
        Bounds::Split {
            start: 0,
            end: u64::MAX,
        },
    )?;
    let mut text = String::new();
    while let Some(line) = input.next_line()? {
        let position = line.position;
        let bytes = line.bytes.strip_suffix(b"\r").unwrap_or(line.bytes);
        let line = std::str::from_utf8(bytes).map_err(|_| {
            Error::new(
                path,
                position,
                ErrorKind::Header("the header line is not UTF-8".into()),
            )
        })?;
        if !line.starts_with('#') {
            return Err(Error::new(
                path,
                position,
                ErrorKind::Header("the header ends without a #CHROM line".into()),
            ));
        }
        text.push_str(line);
        text.push('\n');
        if !line.starts_with("##") {
            return Ok(text);
        }
    }
    Err(Error::new(
        path,
        Position::File,
        ErrorKind::Header("the file ends before its #CHROM line".into()),
    ))
}

/// The Arrow schema a file will be read with under `options`.
pub fn schema(header: &Header, options: &ReaderOptions) -> std::result::Result<SchemaRef, String> {
    crate::record::schema_of(header, options)
}

/// Cuts a file into at most `target` splits for parallel reading. Plain
/// gzip cannot be entered mid-stream, so it is always one split.
pub fn plan_splits(path: impl AsRef<Path>, target: usize) -> Result<Vec<Split>> {
    let path = path.as_ref();
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    if detect_compression(path)? == Compression::Gzip {
        return Ok(vec![Split::whole(path)]);
    }
    let parts = (len / MIN_SPLIT_BYTES + 1).min(target.max(1) as u64) as usize;
    Ok(Split::tile(path, len, parts))
}

/// Reads the records of a VCF file (or of one split of it) as record batches.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_vcf::Reader;
///
/// let mut rows = 0;
/// for batch in Reader::open("tests/data/VCFv4.3.vcf")? {
///     rows += batch?.num_rows();
/// }
/// assert_eq!(rows, 5);
/// # Ok(()) }
/// ```
pub struct Reader {
    path: PathBuf,
    header: Arc<Header>,
    input: LineInput,
    decoder: RecordDecoder,
    stringency: Stringency,
    limit: BatchLimit,
    progress: Option<Arc<Progress>>,
    reported_bytes: u64,
    reported_nulled: u64,
    skipped: u64,
    /// Whether the last line must end with a newline: reads of whole
    /// splits, not of index chunks (which may end mid-file).
    final_newline: bool,
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

    /// The schema of the batches.
    pub fn schema(&self) -> SchemaRef {
        self.decoder.schema()
    }

    /// Malformed records skipped so far (lenient and silent stringency).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Values read as null so far because they did not parse or broke
    /// their definition (lenient and silent stringency), per field
    /// (`INFO GC`, `FORMAT AD`, `QUAL`).
    pub fn nulled(&self) -> &std::collections::BTreeMap<String, u64> {
        self.decoder.nulled()
    }

    /// The number of values read as null so far, over all fields.
    pub fn nulled_values(&self) -> u64 {
        self.decoder.nulled().values().sum()
    }

    fn record_error(&self, position: Position, message: String) -> Error {
        // Later splits and index chunks know byte positions, not line
        // numbers; a fatal error is worth one more pass to name the line.
        let position = match position {
            Position::Line(_) => position,
            other => input::locate_line(&self.path, other).map_or(other, Position::Line),
        };
        Error::new(&self.path, position, ErrorKind::Record(message))
    }

    /// The specification ends every line with a newline, and a file that
    /// stops without one was often cut short; but its own conformance suite
    /// passes such a file, and the last line is whole when it parses: a
    /// warning, in every stringency but silent.
    fn unterminated(&self, position: Position) {
        if self.stringency != Stringency::Silent {
            tracing::warn!(
                "{}: {position}: the file ends without a newline after its last line (was it cut short?)",
                self.path.display()
            );
        }
    }

    /// One line at the end of a lenient read that nulled values.
    fn summarise_nulled(&self) {
        if self.stringency == Stringency::Lenient && self.nulled_values() > 0 {
            let fields: Vec<String> = self
                .nulled()
                .iter()
                .map(|(field, n)| format!("{field} {n}"))
                .collect();
            tracing::warn!(
                "{}: {} values read as null because they did not parse: {}",
                self.path.display(),
                self.nulled_values(),
                fields.join(", ")
            );
        }
    }

    fn report_progress(&mut self) {
        if let Some(progress) = &self.progress {
            let bytes = self.input.bytes_read();
            progress.add_bytes(bytes - self.reported_bytes);
            self.reported_bytes = bytes;
            let nulled = self.nulled_values();
            progress.add_nulled(nulled - self.reported_nulled);
            self.reported_nulled = nulled;
        }
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        while !self.finished {
            let Some(line) = self.input.next_line()? else {
                self.finished = true;
                self.summarise_nulled();
                break;
            };
            let position = line.position;
            let unterminated = !line.terminated && self.final_newline;
            if line.bytes.is_empty() || line.bytes[0] == b'#' {
                if unterminated {
                    self.unterminated(position);
                }
                continue;
            }
            if let Err(message) = self.decoder.decode(line.bytes) {
                if self.stringency == Stringency::Strict {
                    return Err(self.record_error(position, message));
                }
                skip_record(
                    self.stringency,
                    &self.path,
                    &position,
                    &message,
                    self.progress.as_deref(),
                );
                self.skipped += 1;
                continue;
            }
            if self.decoder.has_warnings() {
                for warning in self.decoder.take_warnings() {
                    tracing::warn!("{}: {position}: {warning}", self.path.display());
                }
            }
            if unterminated {
                self.unterminated(position);
            }
            if self.limit.reached(&self.decoder) {
                break;
            }
        }
        self.report_progress();
        finish_batch(&mut self.decoder, &self.path, self.progress.as_deref())
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

/// When a batch of decoded records is full, for the VCF and BCF readers:
/// at the rows asked for, before its strings near `i32` offsets' limit,
/// and, when the row count is the default, after [`SOFT_BATCH_BYTES`] of
/// input text (which cuts batches of wide rows short).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BatchLimit {
    rows: usize,
    default_rows: bool,
}

impl BatchLimit {
    /// The limit of `options` for rows of `samples` selected samples.
    pub(crate) fn new(options: &ReaderOptions, samples: usize) -> Self {
        Self {
            rows: options
                .batch_size
                .unwrap_or_else(|| default_batch_size(samples))
                .max(1),
            default_rows: options.batch_size.is_none(),
        }
    }

    /// Whether the decoder's batch is full.
    pub(crate) fn reached(&self, decoder: &RecordDecoder) -> bool {
        decoder.rows() >= self.rows
            || decoder.buffered_bytes() >= MAX_BATCH_BYTES
            || (self.default_rows && decoder.input_bytes() >= SOFT_BATCH_BYTES)
    }
}

/// Reports a record that failed to decode and is skipped (lenient and
/// silent stringency; strict reads stop before this).
pub(crate) fn skip_record(
    stringency: Stringency,
    path: &Path,
    position: &dyn std::fmt::Display,
    message: &str,
    progress: Option<&Progress>,
) {
    if stringency == Stringency::Lenient {
        tracing::warn!("{}: {position}: {message}; record skipped", path.display());
    }
    if let Some(p) = progress {
        p.add_skipped(1);
    }
}

/// The decoder's batch, counted as records read; `None` when it is empty.
pub(crate) fn finish_batch(
    decoder: &mut RecordDecoder,
    path: &Path,
    progress: Option<&Progress>,
) -> Result<Option<RecordBatch>> {
    let rows = decoder.rows();
    if rows == 0 {
        return Ok(None);
    }
    if let Some(p) = progress {
        p.add_records(rows as u64);
    }
    let batch = decoder
        .finish()
        .map_err(|e| Error::new(path, Position::File, ErrorKind::Arrow(e)))?;
    Ok(Some(batch))
}
