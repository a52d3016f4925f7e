//! Genomics files as DataFusion scans: one file source, opener, table and
//! file format shared by every input format.
//!
//! What differs between VCF, BGEN and PLINK (how a schema is found, whether
//! a file can be cut into byte ranges, how a split is read) sits behind
//! [`FormatReader`]; everything DataFusion sees (byte-range partitioning,
//! projection, filter pushdown into regions, `LIMIT`, `EXPLAIN`) is written
//! once here.

mod files;
mod format;
mod opener;
mod order;
mod partitions;
mod source;
mod table;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use genolake_core::{Progress, Region, Split};

pub(crate) use files::PathCache;
pub use format::{GenomicsFormat, GenomicsFormatFactory};
pub(crate) use order::in_file_order;
pub(crate) use order::only_child;
pub use order::{FileOrderExec, KeepFileOrder, LOOKAHEAD_BYTES, in_file_order_root};
pub use source::GenomicsSource;
pub use table::{GenomicsTable, genomics_table, vcf_table};

use crate::error::Result;
use crate::formats::InputFormat;

/// Record batches of one split, read on the calling thread.
pub type BatchIter = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// One input format, with its reader options, as the shared scan needs it.
///
/// Implementations hold the options a user gave (by Glow's names) and any
/// per-file state worth sharing between the splits of a scan (a parsed VCF
/// header, a PLINK fileset), so that state is read once per file.
pub trait FormatReader: fmt::Debug + Send + Sync {
    /// Which format this reads.
    fn format(&self) -> InputFormat;

    /// The data file a user's path names: the path itself, except that a
    /// PLINK prefix (`cohort`) names its `.bed` (`cohort.bed`).
    fn resolve(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }

    /// The Arrow schema `path` is read with under these options.
    fn schema(&self, path: &Path) -> Result<SchemaRef>;

    /// Whether `path` can be read in byte ranges (plain gzip cannot).
    fn splittable(&self, path: &Path) -> bool;

    /// Cuts `path` into at most `target` splits.
    fn plan_splits(&self, path: &Path, target: usize) -> Result<Vec<Split>>;

    /// The regions the user asked for in the options (empty: none given).
    fn regions(&self) -> &[Region];

    /// Reads one split, keeping only records overlapping one of `regions`
    /// (every record when it is empty), counting into `progress`.
    fn read(
        &self,
        split: &Split,
        regions: Vec<Region>,
        progress: Option<Arc<Progress>>,
    ) -> Result<BatchIter>;

    /// This reader, decoding genotypes straight into the matrix layout
    /// (see [`genolake_core::matrix`]), if its format can: its schemas then
    /// describe the layout and the samples
    /// ([`MatrixLayout::described_schema`]). `None` by default.
    ///
    /// [`MatrixLayout::described_schema`]: genolake_core::matrix::MatrixLayout::described_schema
    fn matrix_genotypes(&self) -> Option<SharedReader> {
        None
    }

    /// This reader, giving each row's genotypes as a PLINK `.bed` record
    /// (two bits a sample, in the column [`genolake_plink::BED_RECORD`])
    /// beside the site columns, if its format stores them so: for
    /// consumers that read the codes themselves, with no decoding. The
    /// samples are those [`matrix_genotypes`](Self::matrix_genotypes)
    /// describes. `None` by default.
    fn bed_records(&self) -> Option<SharedReader> {
        None
    }

    /// What a writer can carry over from `path` (see [`WriteSource`]):
    /// nothing by default.
    ///
    /// [`WriteSource`]: crate::WriteSource
    fn write_source(&self, _path: &Path) -> Result<crate::WriteSource> {
        Ok(crate::WriteSource::default())
    }
}

/// Shared handle on a [`FormatReader`].
pub type SharedReader = Arc<dyn FormatReader>;
