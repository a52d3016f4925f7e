//! Configuring a [`Reader`](super::Reader).

use std::collections::HashMap;
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use genolake_core::{Progress, Split};

use super::{Reader, ReaderOptions, default_batch_size};
use crate::bim::BimLines;
use crate::error::{Error, ErrorKind, Position, Result};
use crate::fileset::{Fileset, FilesetPaths, open_bed};
use crate::record::BatchBuilder;

/// Builds a [`Reader`]: options, the split to read, a shared fileset and a
/// progress counter.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_plink::{Reader, ReaderOptions};
///
/// let options = ReaderOptions {
///     regions: vec!["23".parse()?, "26:50".parse()?],
///     samples: Some(vec!["fam2_ind2".into()]),
///     ..Default::default()
/// };
/// let reader = Reader::builder("tests/data/five-samples-five-variants/bed-bim-fam/test.bed")
///     .options(options)
///     .build()?;
/// let rows: usize = reader.map(|b| b.map(|b| b.num_rows())).sum::<Result<_, _>>()?;
/// assert_eq!(rows, 2);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ReaderBuilder {
    path: PathBuf,
    options: ReaderOptions,
    start: u64,
    end: u64,
    fileset: Option<Arc<Fileset>>,
    progress: Option<Arc<Progress>>,
}

impl ReaderBuilder {
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            options: ReaderOptions::default(),
            start: 0,
            end: u64::MAX,
            fileset: None,
            progress: None,
        }
    }

    /// Sets the reader options.
    pub fn options(mut self, options: ReaderOptions) -> Self {
        self.options = options;
        self
    }

    /// Reads only the variants a split of the `.bed` owns (see
    /// [`Fileset::variants_of`]).
    pub fn split(mut self, split: &Split) -> Self {
        self.path = split.path.clone();
        self.start = split.start;
        self.end = split.end;
        self
    }

    /// Uses an already opened fileset instead of reading its `.fam` and
    /// counting its `.bim` again.
    pub fn fileset(mut self, fileset: Arc<Fileset>) -> Self {
        self.fileset = Some(fileset);
        self
    }

    /// Adds bytes read, records and skipped records to a shared counter.
    pub fn progress(mut self, progress: Arc<Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Opens the files and positions the reader at the split's first variant.
    pub fn build(self) -> Result<Reader> {
        let options = self.options;
        let paths = FilesetPaths::new(&self.path);
        let fileset = match self.fileset {
            Some(fileset) => {
                if fileset.paths() != &paths {
                    return Err(Error::new(
                        &paths.bed,
                        Position::File,
                        ErrorKind::Options(format!(
                            "the fileset given to the reader is {}, not this one",
                            fileset.paths().bed.display()
                        )),
                    ));
                }
                fileset
            }
            None => Arc::new(Fileset::open(&paths.bed, options.fam_delimiter)?),
        };
        let (selected, ids) = select_samples(&fileset, &options)?;
        let samples = ids.len();
        let sample_bytes: usize = ids.iter().map(String::len).sum();
        // Keep each batch's offsets within what an i32 holds.
        let max_rows =
            (i32::MAX as usize / 2 / samples.max(1)).min(i32::MAX as usize / sample_bytes.max(1));
        if max_rows == 0 {
            return Err(Error::new(
                &paths.fam,
                Position::File,
                ErrorKind::Options(format!(
                    "{samples} samples do not fit one row of an Arrow batch (at most 2^30 \
                     genotypes and 2 GiB of sample IDs); select fewer samples"
                )),
            ));
        }
        let batch_size = options
            .batch_size
            .unwrap_or_else(|| default_batch_size(samples))
            .clamp(1, max_rows);

        let variants = fileset.variants_of(&Split {
            path: paths.bed.clone(),
            start: self.start,
            end: self.end,
        });
        let mut bim = BimLines::open(&paths.bim)?;
        let skipped = bim.skip(&paths.bim, variants.start)?;
        if skipped < variants.start {
            return Err(Error::new(
                &paths.bim,
                Position::File,
                ErrorKind::Bim(format!(
                    "the file lists {skipped} variants, fewer than the {} counted when the \
                     fileset was opened; it changed since",
                    fileset.variant_count()
                )),
            ));
        }
        let reported_bytes = bim.bytes_read();
        let (mut bed, _) = open_bed(&paths.bed)?;
        let bed_position = fileset.variant_offset(variants.start);
        bed.seek(SeekFrom::Start(bed_position))
            .map_err(|e| Error::io(&paths.bed, e))?;
        let builder = BatchBuilder::new(
            samples,
            options.include_sample_ids.then_some(ids),
            fileset.cache(),
            options.genotypes,
        )
        .map_err(|e| Error::new(&paths.bed, Position::File, ErrorKind::Arrow(e)))?;
        Ok(Reader {
            fileset,
            bim,
            bed,
            bed_position,
            next_variant: variants.start,
            variants,
            builder,
            selected,
            samples,
            bim_delimiter: options.bim_delimiter,
            stringency: options.stringency,
            regions: options.regions,
            batch_size,
            pending: Vec::new(),
            records: Vec::new(),
            progress: self.progress,
            reported_bytes,
            bed_bytes: 0,
            skipped: 0,
            finished: false,
        })
    }
}

/// The samples `options` reads: their indices in the `.fam` when only some
/// are (ascending, whatever order they were asked in), and their ids.
pub(crate) fn select_samples(
    fileset: &Fileset,
    options: &ReaderOptions,
) -> Result<(Option<Vec<u32>>, Vec<String>)> {
    let ids = fileset.sample_ids(options.merge_fid_iid);
    let Some(wanted) = &options.samples else {
        return Ok((None, ids));
    };
    let position: HashMap<&str, u32> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i as u32))
        .collect();
    let mut picked = Vec::with_capacity(wanted.len());
    for w in wanted {
        match position.get(w.as_str()) {
            Some(&i) => picked.push(i),
            None => {
                return Err(Error::new(
                    &fileset.paths().fam,
                    Position::File,
                    ErrorKind::Options(format!(
                        "sample {w:?} is not in the file (sample IDs are {}; mergeFidIid is {})",
                        if options.merge_fid_iid {
                            "FID_IID"
                        } else {
                            "IIDs"
                        },
                        options.merge_fid_iid
                    )),
                ));
            }
        }
    }
    picked.sort_unstable();
    picked.dedup();
    let chosen = picked.iter().map(|&i| ids[i as usize].clone()).collect();
    Ok((Some(picked), chosen))
}
