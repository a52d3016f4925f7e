//! Opening one split of a file as a stream of record batches.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileOpenFuture, FileOpener};
use datafusion::error::{DataFusionError, Result as DfResult};
use futures::StreamExt;
use futures::stream::BoxStream;
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
        if schema.fields() != self.file_schema.fields() {
            return Err(Error::input(
                &self.path,
                format!(
                    "it gives columns that differ from the table's (which come from the first file): {}",
                    describe_difference(&self.file_schema, &schema)
                ),
            ));
        }
        let batches = self
            .reader
            .read(&self.split, self.regions.clone(), self.progress.clone())?;
        for batch in batches {
            let batch = batch?.project(&self.file_indices)?;
            if tx.blocking_send(Ok(batch)).is_err() {
                // The consumer has gone (a LIMIT was reached, or the query was cancelled).
                break;
            }
        }
        Ok(())
    }
}

/// The first column that differs between two schemas, for error messages.
fn describe_difference(expected: &SchemaRef, found: &SchemaRef) -> String {
    for (i, field) in expected.fields().iter().enumerate() {
        match found.fields().get(i) {
            None => return format!("column {} ({}) is missing", i + 1, field.name()),
            Some(other) if other != field => {
                return format!(
                    "column {} is {} {} here but {} {} in the table",
                    i + 1,
                    other.name(),
                    other.data_type(),
                    field.name(),
                    field.data_type()
                );
            }
            Some(_) => {}
        }
    }
    format!(
        "this file has {} columns, the table {}",
        found.fields().len(),
        expected.fields().len()
    )
}
