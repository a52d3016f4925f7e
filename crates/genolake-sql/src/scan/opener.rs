//! Opening one split of a file as a stream of record batches.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileOpenFuture, FileOpener};
use datafusion::error::{DataFusionError, Result as DfResult};
use futures::StreamExt;
use futures::stream::BoxStream;
use genolake_core::merge::{SchemaMerge, conform_batch, describe_changes};
use genolake_core::{Progress, Region, Split};

use super::SharedReader;
use super::files::{is_companion_file, local_path};
use crate::error::{Error, Result};

/// Batches a split may decode ahead of its consumer.
const READ_AHEAD: usize = 2;

/// Opens each [`PartitionedFile`] (a whole file or a byte range of it) with
/// the format's reader over that split, on a blocking thread, and streams
/// its batches with the projection applied.
pub(crate) struct GenomicsOpener {
    pub reader: SharedReader,
    /// The regions the scan settled on (empty: every record).
    pub regions: Vec<Region>,
    /// True when the pushed-down predicate can keep no row at all.
    pub read_nothing: bool,
    /// The table's file schema (before projection).
    pub file_schema: SchemaRef,
    /// Columns of `file_schema` to keep.
    pub file_indices: Vec<usize>,
    pub progress: Option<Arc<Progress>>,
}

impl FileOpener for GenomicsOpener {
    fn open(&self, file: PartitionedFile) -> DfResult<FileOpenFuture> {
        let path = local_path(&file.object_meta.location)?;
        if self.read_nothing || is_companion_file(&path) {
            return Ok(Box::pin(async { Ok(futures::stream::empty().boxed()) }));
        }
        let split = match &file.range {
            None => Split::whole(&path),
            Some(range) => Split {
                path: path.clone(),
                start: u64::try_from(range.start).unwrap_or(0),
                end: if u64::try_from(range.end).unwrap_or(u64::MAX) >= file.object_meta.size {
                    u64::MAX
                } else {
                    range.end as u64
                },
            },
        };
        let job = ReadJob {
            path,
            split,
            reader: Arc::clone(&self.reader),
            regions: self.regions.clone(),
            file_schema: Arc::clone(&self.file_schema),
            file_indices: self.file_indices.clone(),
            progress: self.progress.clone(),
        };
        Ok(Box::pin(async move { Ok(job.spawn()) }))
    }
}

/// Everything a blocking thread needs to read one split.
struct ReadJob {
    path: PathBuf,
    split: Split,
    reader: SharedReader,
    regions: Vec<Region>,
    file_schema: SchemaRef,
    file_indices: Vec<usize>,
    progress: Option<Arc<Progress>>,
}

impl ReadJob {
    /// Starts reading on a blocking thread; the returned stream yields its
    /// batches. Dropping the stream stops the thread at its next batch.
    fn spawn(self) -> BoxStream<'static, DfResult<RecordBatch>> {
        let (tx, rx) = tokio::sync::mpsc::channel::<DfResult<RecordBatch>>(READ_AHEAD);
        let work = move || {
            if let Err(e) = self.run(&tx) {
                let _ = tx.blocking_send(Err(DataFusionError::from(e)));
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn_blocking(work);
            }
            Err(_) => {
                std::thread::spawn(work);
            }
        }
        futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })
        .boxed()
    }

    fn run(&self, tx: &tokio::sync::mpsc::Sender<DfResult<RecordBatch>>) -> Result<()> {
        let schema = self.reader.schema(&self.path)?;
        // A file whose header lacks some of the table's INFO or FORMAT keys
        // (the table's schema is the union of its files') is cast to the
        // table's columns; the others are only projected.
        let conform_to = if schema.fields() == self.file_schema.fields() {
            None
        } else {
            let table = self.file_schema.project(&self.file_indices)?;
            check_fits(&schema, &self.file_schema, &self.path)?;
            Some(Arc::new(table))
        };
        let batches = self
            .reader
            .read(&self.split, self.regions.clone(), self.progress.clone())?;
        for batch in batches {
            let batch = batch?;
            let batch = match &conform_to {
                None => batch.project(&self.file_indices)?,
                Some(schema) => conform_batch(&batch, schema)?,
            };
            if tx.blocking_send(Ok(batch)).is_err() {
                // The consumer has gone (a LIMIT was reached, or the query was cancelled).
                break;
            }
        }
        Ok(())
    }
}

/// Checks that a file read with `found` fits a table of `table` (the files
/// may have changed since the table was planned): its columns must merge
/// into the table's without changing them.
fn check_fits(found: &SchemaRef, table: &SchemaRef, path: &Path) -> Result<()> {
    let mut merge = SchemaMerge::new();
    merge.add_stored("the table", table)?;
    merge.add(&path.display().to_string(), found)?;
    let changes = describe_changes(table, &merge.schema());
    if changes.is_empty() {
        return Ok(());
    }
    Err(Error::input(
        path,
        format!(
            "its columns changed since the table was planned: {}",
            changes.join(", ")
        ),
    ))
}
