//! Configuring a [`Reader`](super::Reader).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use genolake_core::{Progress, Split};

use super::input::{Bounds, LineInput, detect_compression};
use super::{BatchLimit, Compression, Reader, ReaderOptions, read_header};
use crate::error::{Error, ErrorKind, Position, Result};
use crate::header::Header;
use crate::index::{VariantIndex, find_index};
use crate::record::RecordDecoder;

/// Builds a [`Reader`]: options, the split to read, a shared header and a
/// progress counter.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_vcf::{Reader, ReaderOptions};
///
/// let options = ReaderOptions {
///     regions: vec!["20:1000000-1300000".parse()?],
///     samples: Some(vec!["NA00002".into()]),
///     ..Default::default()
/// };
/// let reader = Reader::builder("tests/data/VCFv4.3.vcf").options(options).build()?;
/// let rows: usize = reader.map(|b| b.map(|b| b.num_rows())).sum::<Result<_, _>>()?;
/// assert_eq!(rows, 3);
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

    /// Reads only the records a split owns (see [`Split`]).
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

    /// Opens the file and positions the reader at its first record.
    pub fn build(self) -> Result<Reader> {
        let path = self.path;
        let options = self.options;
        let header = match self.header {
            Some(h) => h,
            None => {
                let header = read_header(&path, options.stringency)?;
                for warning in &header.warnings {
                    tracing::warn!("{}: {warning}", path.display());
                }
                Arc::new(header)
            }
        };
        let decoder = RecordDecoder::new(&header, &options)
            .map_err(|e| Error::new(&path, Position::File, ErrorKind::Options(e)))?;
        let compression = detect_compression(&path)?;
        let index =
            if options.regions.is_empty() || !options.use_index || compression != Compression::Bgzf
            {
                None
            } else {
                find_index(&path)
            };
        let final_newline = index.is_none();
        let bounds = match index {
            Some(index_path) => {
                let index = VariantIndex::read(&index_path)?;
                let chunks = index
                    .chunks(&options.regions)?
                    .into_iter()
                    .filter(|(begin, _)| begin.block >= self.start && begin.block < self.end)
                    .collect();
                Bounds::Chunks(chunks)
            }
            None => Bounds::Split {
                start: self.start,
                end: self.end,
            },
        };
        let input = LineInput::open(&path, compression, bounds)?;
        let selected = options
            .samples
            .as_ref()
            .map_or(header.samples.len(), Vec::len);
        Ok(Reader {
            path,
            header,
            input,
            decoder,
            stringency: options.stringency,
            limit: BatchLimit::new(&options, selected),
            progress: self.progress,
            reported_bytes: 0,
            reported_nulled: 0,
            skipped: 0,
            final_newline,
            finished: false,
        })
    }
}
