//! Reading BCF into Arrow record batches.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use genolake_core::{Progress, Split, Stringency};

use super::header::{BcfHead, read_head};
use super::input::BlockInput;
use super::record::{InfoAs, Transcoder};
use crate::bgzf;
use crate::error::{Error, ErrorKind, Position, Result};
use crate::header::Header;
use crate::index::{VariantIndex, find_index};
use crate::reader::{BatchLimit, ReaderOptions, VirtualPosition, finish_batch, skip_record};
use crate::record::{Outcome, RecordDecoder, TypedInfo, TypedSamples};

/// Largest record accepted (`l_shared + l_indiv`): past this the file is
/// taken to be damaged rather than read into memory without bound.
const MAX_RECORD_LEN: usize = 1 << 30;
/// Records a split start must see parse, one after another, before it is
/// taken for the first record of the split (see [`Reader::synchronise`]).
const SYNC_RECORDS: usize = 3;

/// Reads the header of a BCF file.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let header = genolake_vcf::bcf::read_header("tests/data/VCFv4.3.bcf", Default::default())?;
/// assert_eq!(header.samples, ["NA00001", "NA00002", "NA00003"]);
/// # Ok(()) }
/// ```
pub fn read_header(path: impl AsRef<Path>, stringency: Stringency) -> Result<Header> {
    let mut input = BlockInput::open(path.as_ref())?;
    Ok(read_head(&mut input, stringency)?.header)
}

/// The header text of a BCF file, `##` lines and `#CHROM` line, as
/// [`read_header_text`](crate::read_header_text) gives a VCF's: what a
/// writer takes to carry the header over (checked by parsing it first).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let text = genolake_vcf::bcf::read_header_text("tests/data/VCFv4.3.bcf")?;
/// assert!(text.starts_with("##fileformat=VCFv4.3\n"));
/// assert!(text.trim_end().ends_with("\tNA00003"));
/// # Ok(()) }
/// ```
pub fn read_header_text(path: impl AsRef<Path>) -> Result<String> {
    let mut input = BlockInput::open(path.as_ref())?;
    Ok(read_head(&mut input, Stringency::Lenient)?.text)
}

/// Builds a BCF [`Reader`]: options, the split to read and a progress
/// counter, as [`crate::ReaderBuilder`] does for VCF.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_vcf::ReaderOptions;
/// use genolake_vcf::bcf::Reader;
///
/// let options = ReaderOptions {
///     samples: Some(vec!["NA00002".into()]),
///     ..Default::default()
/// };
/// let reader = Reader::builder("tests/data/VCFv4.3.bcf").options(options).build()?;
/// let rows: usize = reader.map(|b| b.map(|b| b.num_rows())).sum::<Result<_, _>>()?;
/// assert_eq!(rows, 5);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ReaderBuilder {
    path: PathBuf,
    options: ReaderOptions,
    start: u64,
    end: u64,
    progress: Option<Arc<Progress>>,
}

impl ReaderBuilder {
    /// Sets the reader options (those of the VCF reader).
    pub fn options(mut self, options: ReaderOptions) -> Self {
        self.options = options;
        self
    }

    /// Reads only the records a split owns: those starting in a BGZF block
    /// that starts in the split's byte range.
    pub fn split(mut self, split: &Split) -> Self {
        self.path = split.path.clone();
        self.start = split.start;
        self.end = split.end;
        self
    }

    /// Adds bytes read, records and skipped records to a shared counter.
    pub fn progress(mut self, progress: Arc<Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Opens the file, reads its header and positions the reader at the
    /// first record it owns.
    pub fn build(self) -> Result<Reader> {
        let path = self.path;
        let options = self.options;
        let mut input = BlockInput::open(&path)?;
        let BcfHead {
            header,
            dictionaries,
            first_record,
            ..
        } = read_head(&mut input, options.stringency)?;
        for warning in &header.warnings {
            tracing::warn!("{}: {warning}", path.display());
        }
        let decoder = RecordDecoder::new(&header, &options)
            .map_err(|e| Error::new(&path, Position::File, ErrorKind::Options(e)))?;
        let transcoder = Transcoder::new(dictionaries, header.samples.len());
        let index = if options.regions.is_empty() || !options.use_index {
            None
        } else {
            find_index(&path)
        };
        let mut chunks = match index {
            Some(index_path) => {
                // A BCF's CSI names contigs by their index in the header.
                let contigs = transcoder.contig_names();
                let index = VariantIndex::read_bcf(&index_path, contigs)?;
                let chunks: Vec<_> = index
                    .chunks(&options.regions)?
                    .into_iter()
                    .filter(|(begin, _)| begin.block >= self.start && begin.block < self.end)
                    .collect();
                Some(chunks)
            }
            None => None,
        };
        if let Some(chunks) = &mut chunks {
            chunks.reverse();
        }
        let selected = options
            .samples
            .as_ref()
            .map_or(header.samples.len(), Vec::len);
        let mut reader = Reader {
            path,
            header: Arc::new(header),
            input,
            transcoder,
            decoder,
            stringency: options.stringency,
            limit: BatchLimit::new(&options, selected),
            progress: self.progress,
            reported_bytes: 0,
            skipped: 0,
            end: VirtualPosition {
                block: self.end,
                within: 0,
            },
            chunks,
            finished: false,
        };
        match reader.chunks.is_some() {
            true => reader.next_chunk()?,
            false => reader.start_split(self.start, first_record)?,
        }
        Ok(reader)
    }
}

/// Reads the records of a BCF file (or of one split of it) as record
/// batches, in the VCF reader's layout: the same header gives the same
/// schema, and the same records the same values.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_vcf::bcf;
///
/// let mut rows = 0;
/// for batch in bcf::Reader::open("tests/data/VCFv4.3.bcf")? {
///     rows += batch?.num_rows();
/// }
/// assert_eq!(rows, 5);
/// # Ok(()) }
/// ```
pub struct Reader {
    path: PathBuf,
    header: Arc<Header>,
    input: BlockInput,
    transcoder: Transcoder,
    decoder: RecordDecoder,
    stringency: Stringency,
    limit: BatchLimit,
    progress: Option<Arc<Progress>>,
    reported_bytes: u64,
    skipped: u64,
    /// Records starting at or after this position are not ours.
    end: VirtualPosition,
    /// Index chunks still to read, in reverse order (`None`: a split).
    chunks: Option<Vec<(VirtualPosition, VirtualPosition)>>,
    finished: bool,
}

/// A record located in the input: its length and where it starts.
struct Located {
    len: usize,
    l_shared: usize,
}

impl Reader {
    /// Opens a whole file with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::builder(path).build()
    }

    /// A builder for options, splits and progress reporting.
    pub fn builder(path: impl AsRef<Path>) -> ReaderBuilder {
        ReaderBuilder {
            path: path.as_ref().to_path_buf(),
            options: ReaderOptions::default(),
            start: 0,
            end: u64::MAX,
            progress: None,
        }
    }

    /// The file's header.
    pub fn header(&self) -> &Arc<Header> {
        &self.header
    }

    /// The schema of the batches: the VCF reader's for the same header.
    pub fn schema(&self) -> SchemaRef {
        self.decoder.schema()
    }

    /// Malformed records skipped so far (lenient and silent stringency).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Values read as null so far, per field (lenient and silent stringency).
    pub fn nulled(&self) -> &std::collections::BTreeMap<String, u64> {
        self.decoder.nulled()
    }

    /// Positions the input at the first record of the split `[start, end)`.
    fn start_split(&mut self, start: u64, first_record: VirtualPosition) -> Result<()> {
        if start == 0 || start <= first_record.block {
            // The split that holds the header's end starts after it.
            if first_record.block >= self.end.block || !self.input.seek(first_record)? {
                self.finished = true;
            }
            return Ok(());
        }
        let len = std::fs::metadata(&self.path)
            .map_err(|e| Error::io(&self.path, e))?
            .len();
        let block = bgzf::next_block_start(self.input.file(), start, len)
            .map_err(|e| Error::io(&self.path, e))?;
        match block {
            Some(block) if block < self.end.block => {
                if !self.input.seek(VirtualPosition { block, within: 0 })? {
                    self.finished = true;
                    return Ok(());
                }
                self.synchronise()
            }
            _ => {
                self.finished = true;
                Ok(())
            }
        }
    }

    /// Finds the first record starting at or after the input's position.
    ///
    /// BCF records have no delimiter, so a split starting mid-file tries
    /// each byte in turn: a record starts there if it and the
    /// [`SYNC_RECORDS`] - 1 after it (or those up to the end of the file)
    /// parse whole, every length agreeing with the fields, every index in
    /// its dictionary and the sample count the header's. htslib flushes a
    /// block before a record that would not fit, so the first byte of a
    /// block is almost always a record start and the first try succeeds.
    fn synchronise(&mut self) -> Result<()> {
        let mut skipped = 0usize;
        loop {
            if !self.input.ensure(1)? || self.at().block >= self.end.block {
                self.finished = true;
                return Ok(());
            }
            if self.plausible_run()? {
                return Ok(());
            }
            if !self.input.ensure(1)? {
                self.finished = true;
                return Ok(());
            }
            self.input.consume(1);
            skipped += 1;
            if skipped > MAX_RECORD_LEN {
                return Err(self.input.error_at(
                    0,
                    ErrorKind::Record(format!(
                        "no BCF record starts in the {MAX_RECORD_LEN} bytes after the split's first block"
                    )),
                ));
            }
        }
    }

    /// Whether records parse from the current position on (without
    /// consuming them).
    fn plausible_run(&mut self) -> Result<bool> {
        let mut ahead = 0usize;
        for _ in 0..SYNC_RECORDS {
            if !self.input.ensure(ahead + 8)? {
                // The end of the file: a run ending exactly there counts.
                return Ok(ahead > 0 && self.input.available().len() == ahead);
            }
            let head = &self.input.available()[ahead..ahead + 8];
            let l_shared = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
            let l_indiv = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
            // The shared part's fixed fields alone take 24 bytes.
            if !(24..=MAX_RECORD_LEN).contains(&l_shared) || l_indiv > MAX_RECORD_LEN {
                return Ok(false);
            }
            // The fixed fields first: a length read at a byte that starts
            // no record must not have the whole file read to be refuted.
            if !self.input.ensure(ahead + 32)?
                || !self
                    .transcoder
                    .plausible_fixed(&self.input.available()[ahead + 8..ahead + 32])
            {
                return Ok(false);
            }
            let len = 8 + l_shared + l_indiv;
            if !self.input.ensure(ahead + len)? {
                return Ok(false);
            }
            let record = &self.input.available()[ahead..ahead + len];
            // The layout alone: the sample text is not needed.
            if self
                .transcoder
                .site(
                    &record[8..8 + l_shared],
                    &record[8 + l_shared..],
                    InfoAs::Typed,
                )
                .is_err()
            {
                return Ok(false);
            }
            ahead += len;
        }
        Ok(true)
    }

    fn at(&self) -> VirtualPosition {
        self.input.position(0)
    }

    /// Moves to the next index chunk; finished when there is none.
    fn next_chunk(&mut self) -> Result<()> {
        loop {
            let Some((begin, end)) = self.chunks.as_mut().and_then(Vec::pop) else {
                self.finished = true;
                return Ok(());
            };
            self.end = end;
            if self.input.seek(begin)? {
                return Ok(());
            }
        }
    }

    /// The next record this reader owns, located at the input's position;
    /// `None` at the end of the split, chunk list or file.
    fn next_record(&mut self) -> Result<Option<Located>> {
        loop {
            if self.finished {
                return Ok(None);
            }
            // Ensured first: the position of a record starting a block is
            // that block's, known once the block is read.
            let have = self.input.ensure(8)?;
            let owned = self.at() < self.end;
            if !owned || (!have && self.input.available().is_empty()) {
                if self.chunks.is_some() {
                    self.next_chunk()?;
                    continue;
                }
                self.finished = true;
                return Ok(None);
            }
            if !have {
                let left = self.input.available().len();
                return Err(self.input.error_at(
                    0,
                    ErrorKind::Record(format!(
                        "the file ends {left} bytes into a record's 8-byte length fields (truncated file?)"
                    )),
                ));
            }
            let head = &self.input.available()[..8];
            let l_shared = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
            let l_indiv = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
            let len = 8 + l_shared + l_indiv;
            if l_shared > MAX_RECORD_LEN || l_indiv > MAX_RECORD_LEN || len > MAX_RECORD_LEN {
                return Err(self.input.error_at(
                    0,
                    ErrorKind::Record(format!(
                        "l_shared {l_shared} and l_indiv {l_indiv} make a record longer than the {MAX_RECORD_LEN} bytes accepted (damaged file?)"
                    )),
                ));
            }
            if !self.input.ensure(len)? {
                let left = self.input.available().len();
                return Err(self.input.error_at(
                    0,
                    ErrorKind::Record(format!(
                        "l_shared {l_shared} and l_indiv {l_indiv} say the record holds {len} bytes, but the file ends after {left} (truncated file?)"
                    )),
                ));
            }
            return Ok(Some(Located { len, l_shared }));
        }
    }

    fn report_progress(&mut self) {
        if let Some(progress) = &self.progress {
            let bytes = self.input.bytes_read();
            progress.add_bytes(bytes - self.reported_bytes);
            self.reported_bytes = bytes;
        }
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        while let Some(Located { len, l_shared }) = self.next_record()? {
            let record = &self.input.available()[..len];
            let (shared, indiv) = (&record[8..8 + l_shared], &record[8 + l_shared..]);
            // A record whose binary layout is broken cannot be skipped
            // safely in any stringency: its lengths may be what lies.
            let decoded =
                match decode_record(&mut self.transcoder, &mut self.decoder, shared, indiv, len) {
                    Ok((decoded, _)) => decoded,
                    Err(message) => return Err(self.input.error_at(0, ErrorKind::Record(message))),
                };
            let at = self.at();
            self.input.consume(len);
            if let Err(message) = decoded {
                let position = Position::RecordAt {
                    block: at.block,
                    within: at.within,
                };
                if self.stringency == Stringency::Strict {
                    return Err(Error::new(&self.path, position, ErrorKind::Record(message)));
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
                    tracing::warn!(
                        "{}: record at {}:{}: {warning}",
                        self.path.display(),
                        at.block,
                        at.within
                    );
                }
            }
            if self.limit.reached(&self.decoder) {
                break;
            }
        }
        self.report_progress();
        finish_batch(&mut self.decoder, &self.path, self.progress.as_deref())
    }
}

/// Decodes the record whose two parts are `shared` and `indiv` (`len`
/// bytes in all, with the length fields): its sample and INFO values
/// straight from their typed vectors where the decoder can, else its whole
/// VCF line. `Err` when the record's layout is broken; else the decoder's
/// outcome and whether the values were decoded directly.
pub(super) fn decode_record(
    transcoder: &mut Transcoder,
    decoder: &mut RecordDecoder,
    shared: &[u8],
    indiv: &[u8],
    len: usize,
) -> std::result::Result<(std::result::Result<Outcome, String>, bool), String> {
    let info_as = match decoder.reads_typed_info() {
        true => InfoAs::Typed,
        false => InfoAs::Text,
    };
    transcoder.site(shared, indiv, info_as)?;
    let samples = transcoder.typed_fields().map(|fields| TypedSamples {
        data: indiv,
        fields,
    });
    if info_as == InfoAs::Typed && (samples.is_some() || !transcoder.has_samples()) {
        let info = TypedInfo {
            data: shared,
            entries: transcoder.typed_info(),
            names: transcoder.names(),
        };
        // Batches are cut by input text (see `BatchLimit`). Typed values
        // take about half the bytes of their text (a diploid GT, 4 bytes
        // of text with its tab, is 2 typed): the record counts twice its
        // size, and batches hold what the same records read from VCF make.
        if let Some(decoded) = decoder.decode_typed(transcoder.line(), info, samples, 2 * len) {
            return Ok((decoded, true));
        }
    }
    if info_as == InfoAs::Typed {
        // The whole line: the site text again, INFO written out.
        transcoder.site(shared, indiv, InfoAs::Text)?;
    }
    transcoder.push_samples(indiv);
    Ok((decoder.decode(transcoder.line()), false))
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
