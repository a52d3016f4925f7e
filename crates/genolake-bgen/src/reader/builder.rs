//! Configuring a [`Reader`](super::Reader).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use genolake_core::{Progress, Split};

use super::input::{Input, Variant};
use super::{Plan, Reader, ReaderOptions, default_batch_size};
use crate::codec::Inflater;
use crate::error::{Error, ErrorKind, Position, Result};
use crate::header::{Header, Layout};
use crate::index::usable_index;
use crate::record::RecordDecoder;
use crate::sample::read_sample_file;

/// Buffer for skimming block headers up to a split's start.
const SKIM_BUFFER_BYTES: usize = 4 << 10;

/// Builds a [`Reader`]: options, the split to read, a shared header and a
/// progress counter.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_bgen::{Reader, ReaderOptions};
///
/// let options = ReaderOptions {
///     regions: vec!["01:5-8".parse()?],
///     emit_hard_calls: false,
///     ..Default::default()
/// };
/// let reader = Reader::builder("tests/data/complex.16bits.bgen").options(options).build()?;
/// let rows: usize = reader.map(|b| b.map(|b| b.num_rows())).sum::<Result<_, _>>()?;
/// assert_eq!(rows, 4); // M5, M6, M7 and M8
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ReaderBuilder {
    path: PathBuf,
    options: ReaderOptions,
    start: u64,
    end: u64,
    header: Option<Arc<Header>>,
    progress: Option<Arc<Progress>>,
}

impl ReaderBuilder {
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            options: ReaderOptions::default(),
            start: 0,
            end: u64::MAX,
            header: None,
            progress: None,
        }
    }

    /// Sets the reader options.
    pub fn options(mut self, options: ReaderOptions) -> Self {
        self.options = options;
        self
    }

    /// Reads only the variants whose block starts inside the split's byte range.
    pub fn split(mut self, split: &Split) -> Self {
        self.path = split.path.clone();
        self.start = split.start;
        self.end = split.end;
        self
    }

    /// Uses an already parsed header instead of reading it again.
    pub fn header(mut self, header: Arc<Header>) -> Self {
        self.header = Some(header);
        self
    }

    /// Adds bytes read, records and skipped records to a shared counter.
    pub fn progress(mut self, progress: Arc<Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Opens the file, resolves the sample identifiers and positions the
    /// reader at the first variant block of its split.
    pub fn build(self) -> Result<Reader> {
        let path = self.path;
        let options = self.options;
        if !options.hard_call_threshold.is_finite() {
            return Err(Error::new(
                &path,
                Position::File,
                ErrorKind::Options(format!(
                    "hardCallThreshold {} is not a number",
                    options.hard_call_threshold
                )),
            ));
        }
        let mut input = Input::open(&path)?;
        let header = match self.header {
            Some(h) => h,
            None => Arc::new(input.read_header()?),
        };
        let sample_ids = Arc::new(resolve_sample_ids(&path, &header, &options)?);
        let decoder = RecordDecoder::new(&sample_ids, &options);
        let first = header.first_variant_offset;
        let start = self.start.max(first);
        let end = self.end;
        let index = if options.use_index {
            usable_index(&path, input.len())
        } else {
            None
        };
        let plan = match (&index, options.regions.is_empty()) {
            (Some(index), false) => Plan::Offsets {
                offsets: index.offsets(&options.regions, start, end)?,
                next: 0,
            },
            (Some(index), true) => match index.first_at_or_after(start, end)? {
                Some(offset) => {
                    input.seek(offset)?;
                    Plan::Scan {
                        end,
                        ordinal: index.count_before(offset)?,
                    }
                }
                None => Plan::Offsets {
                    offsets: Vec::new(),
                    next: 0,
                },
            },
            (None, _) => {
                let (offset, ordinal) = skim_to(&path, &header, start)?;
                input.seek(offset)?;
                Plan::Scan { end, ordinal }
            }
        };
        Ok(Reader {
            path,
            sample_ids,
            input,
            plan,
            variant: Variant::default(),
            inflater: Inflater::new(),
            decoder,
            regions: options.regions,
            stringency: options.stringency,
            batch_size: options
                .batch_size
                .unwrap_or_else(|| default_batch_size(header.sample_count as usize))
                .max(1),
            header,
            progress: self.progress,
            consumed: 0,
            reported_bytes: 0,
            skipped: 0,
            finished: false,
        })
    }
}

/// The offset of the first block starting at or after `start`, and the
/// number of blocks before it, found by skimming block headers from the
/// first block. Past the last declared block (or the end of the file) the
/// offset returned is where skimming stopped.
fn skim_to(path: &Path, header: &Header, start: u64) -> Result<(u64, u64)> {
    let first = header.first_variant_offset;
    if start <= first {
        return Ok((first, 0));
    }
    let mut input = Input::with_capacity(path, SKIM_BUFFER_BYTES)?;
    input.seek(first)?;
    let mut variant = Variant::default();
    let mut ordinal = 0u64;
    while input.pos() < start && ordinal < header.variant_count as u64 && !input.at_end() {
        input.read_variant(header, &mut variant, true)?;
        ordinal += 1;
    }
    Ok((input.pos(), ordinal))
}

fn resolve_sample_ids(
    path: &Path,
    header: &Header,
    options: &ReaderOptions,
) -> Result<Vec<String>> {
    let n = header.sample_count as usize;
    match (&header.sample_ids, &options.sample_file_path) {
        (Some(ids), sample_file) => {
            if let Some(sample_file) = sample_file {
                tracing::info!(
                    "{}: using the sample identifiers stored in the file, not those of {}",
                    path.display(),
                    sample_file.display()
                );
            }
            Ok(ids.clone())
        }
        (None, Some(sample_file)) => {
            let ids = read_sample_file(sample_file, &options.sample_id_column)?;
            if ids.len() != n {
                return Err(Error::new(
                    sample_file,
                    Position::File,
                    ErrorKind::SampleFile(format!(
                        "the sample file lists {} samples but {} declares {n}",
                        ids.len(),
                        path.display()
                    )),
                ));
            }
            Ok(ids)
        }
        (None, None) => {
            // Nothing in the file vouches for the sample count: check it
            // against the first variant block before naming that many.
            check_sample_count(path, header)?;
            Ok((0..n).map(|i| format!("sample_{i}")).collect())
        }
    }
}

/// Checks the header's sample count against the first variant block: in
/// layout 1 its own count, in layout 2 the first four bytes its genotype
/// data inflates to. A file without variants may declare up to 2^20
/// samples unchecked.
fn check_sample_count(path: &Path, header: &Header) -> Result<()> {
    let n = header.sample_count as u64;
    let mut input = Input::with_capacity(path, SKIM_BUFFER_BYTES)?;
    input.seek(header.first_variant_offset)?;
    if header.variant_count == 0 || input.at_end() {
        if n > 1 << 20 {
            return Err(Error::new(
                path,
                Position::Offset(12),
                ErrorKind::Header(format!(
                    "the header declares {n} samples but the file holds no variant data to confirm it"
                )),
            ));
        }
        return Ok(());
    }
    let mut variant = Variant::default();
    // Layout 1 blocks state their sample count, checked while reading.
    input.read_variant(header, &mut variant, header.layout == Layout::One)?;
    if header.layout == Layout::One {
        return Ok(());
    }
    let mismatch = |message: String| {
        Error::new(
            path,
            Position::Variant(variant.offset),
            ErrorKind::Header(message),
        )
    };
    if (variant.uncompressed_len as u64) < 10 + n {
        return Err(mismatch(format!(
            "the header declares {n} samples but the first variant's genotype data of {} bytes cannot hold that many",
            variant.uncompressed_len
        )));
    }
    let stated =
        crate::codec::inflate_prefix::<4>(header.compression, &variant.genotype).map_err(|m| {
            Error::new(
                path,
                Position::Variant(variant.offset),
                ErrorKind::Compression(m),
            )
        })?;
    let stated = u32::from_le_bytes(stated) as u64;
    if stated != n {
        return Err(mismatch(format!(
            "the header declares {n} samples but the first variant block holds {stated}"
        )));
    }
    Ok(())
}
