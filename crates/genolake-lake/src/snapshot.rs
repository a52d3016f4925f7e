//! The data files of a table's current version, for readers that open the
//! Parquet files themselves.
//!
//! DataFusion's Parquet scan reads a struct column whole: asked for a Glow
//! table's `genotypes`, it decodes every genotype's `sampleId` string too,
//! most of the table's decoded bytes. A reader that needs only some nested
//! leaves (`genotypes.calls`) opens the files listed here with a leaf
//! projection instead.

use std::path::PathBuf;

use crate::error::{Error, ErrorKind, Result};
use crate::ingest::Target;

/// One data file of a table's current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// The file's local path (the table's directory joined with the log's
    /// URL-decoded relative path).
    pub path: PathBuf,
    /// Its size in bytes, as the log records it.
    pub size: u64,
}

/// A local table's current data files and what a direct reader must know
/// to read them as Delta would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFiles {
    /// The files, in the order the log lists them (the order of a one
    /// partition scan through `read_delta`).
    pub files: Vec<DataFile>,
    /// Partition columns: their values are in the log, not in the files.
    pub partition_columns: Vec<String>,
    /// Whether a file has a deletion vector (not all its rows are live).
    pub deletion_vectors: bool,
}

impl LocalFiles {
    /// Whether every row of the files is live and every column is in the
    /// files: what a reader that opens the Parquet files alone needs.
    pub fn self_contained(&self) -> bool {
        self.partition_columns.is_empty() && !self.deletion_vectors
    }
}

/// The current data files of the table at `location`; `None` when the
/// table is not in a local directory (a remote URL: read it through
/// DataFusion).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let missing = dir.path().join("none");
/// let err = genolake_lake::local_files(&missing.to_string_lossy()).await.unwrap_err();
/// assert!(err.to_string().contains("no Delta table"));
/// # Ok(()) }
/// ```
pub async fn local_files(location: &str) -> Result<Option<LocalFiles>> {
    let target = Target::resolve(location, false)?;
    let Some(root) = target.local.clone() else {
        return Ok(None);
    };
    let table = target.open_existing(&Default::default()).await?;
    let snapshot = table
        .snapshot()
        .map_err(|e| Error::new(location, ErrorKind::Delta(e)))?;
    let partition_columns = snapshot.metadata().partition_columns().to_vec();
    let mut files = Vec::new();
    let mut deletion_vectors = false;
    for file in snapshot.log_data().iter() {
        deletion_vectors |= file.deletion_vector_descriptor().is_some();
        let size = u64::try_from(file.size()).map_err(|_| {
            Error::new(
                location,
                ErrorKind::Location(format!(
                    "the log gives {} a negative size {}",
                    file.path(),
                    file.size()
                )),
            )
        })?;
        files.push(DataFile {
            path: root.join(file.path().as_ref()),
            size,
        });
    }
    Ok(Some(LocalFiles {
        files,
        partition_columns,
        deletion_vectors,
    }))
}
