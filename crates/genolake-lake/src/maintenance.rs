//! A table's upkeep: compaction of the small files many appends leave
//! ([`Optimize`], optionally Z-ordered) and removal of the files no version
//! within the retention period reads ([`Vacuum`]), with delta-rs's
//! operations and Delta's semantics.
//!
//! Both record genolake's version in their commits (`commitInfo.genolake`,
//! with `operation` `OPTIMIZE` or `VACUUM`), beside Delta's own operation
//! names and metrics, so `genolake history` shows who did what.
//!
//! - **Optimize** rewrites the active files into files of about the target
//!   size (the table's `delta.targetFileSize`, or delta-rs's 100 MB), and
//!   with [`Optimize::zorder_by`] sorts each partition's rows along a
//!   Z-order curve of the columns (`contigName,start` makes region queries
//!   skip files). The rows do not change (the commit is `dataChange:
//!   false`), and earlier versions stay readable until vacuumed. The files
//!   are written with genolake's writer properties for the table's layout.
//! - **Vacuum** deletes the data files that no version newer than the
//!   retention period references: those removed by commits older than it,
//!   and files no commit ever referenced (left by a crashed writer). The
//!   retention is the table's `delta.deletedFileRetentionDuration` (7 days
//!   by default); a shorter one is refused unless
//!   [`Vacuum::enforce_retention`] is turned off, because time travel to the
//!   versions in between would then fail. A dry run lists the files only.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU64;

use deltalake::kernel::transaction::CommitProperties;
use deltalake::operations::optimize::OptimizeType;
use deltalake::operations::vacuum::VacuumMode;
use deltalake::table::config::TablePropertiesExt;
use deltalake::{DeltaTable, Path};
use object_store::ObjectStoreExt;
use serde_json::json;
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::history::{read_commit, table_version};
use crate::ingest::Target;
use crate::layout::StoredMatrix;
use crate::properties::{genomics_writer_properties, matrix_writer_properties};
use crate::provenance::{COMMIT_INFO_KEY, TOOL_VERSION};

/// Opens the table at `location`, which must exist.
async fn open_table(
    location: &str,
    storage_options: &HashMap<String, String>,
) -> Result<(Url, DeltaTable)> {
    let target = Target::resolve(location, false)?;
    let table = target.open_existing(storage_options).await?;
    Ok((target.url, table))
}

/// Compacts a table's files, optionally in Z-order. Configure with chained
/// methods, then [`execute`](Optimize::execute) once.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # use std::sync::Arc;
/// # use arrow::array::{Int64Array, RecordBatch, StringArray};
/// # use arrow::datatypes::{DataType, Field, Schema};
/// use genolake_lake::{Ingest, Optimize, SaveMode, blocking_stream};
///
/// # let schema = Arc::new(Schema::new(vec![
/// #     Field::new("contigName", DataType::Utf8, true),
/// #     Field::new("start", DataType::Int64, true),
/// # ]));
/// let dir = tempfile::tempdir()?;
/// let table = dir.path().join("t");
/// let table = table.to_str().unwrap();
/// for start in [300, 100, 200] {
///     let batch = RecordBatch::try_new(schema.clone(), vec![
///         Arc::new(StringArray::from(vec!["1"])),
///         Arc::new(Int64Array::from(vec![start])),
///     ])?;
///     let input = blocking_stream(schema.clone(), vec![Ok::<_, std::io::Error>(batch)]);
///     Ingest::new(table).mode(SaveMode::Append).execute_stream(input).await?;
/// }
/// let summary = Optimize::new(table).zorder_by(["start"]).execute().await?;
/// assert_eq!((summary.files_removed, summary.files_added), (3, 1));
/// assert_eq!(summary.version, Some(3));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Optimize {
    location: String,
    zorder_by: Vec<String>,
    target_size: Option<NonZeroU64>,
    storage_options: HashMap<String, String>,
}

/// What an optimize did.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizeSummary {
    /// The table's URL.
    pub table: Url,
    /// The version committed; `None` when there was nothing to compact.
    pub version: Option<i64>,
    /// The Z-order columns (empty: plain compaction).
    pub zorder_by: Vec<String>,
    /// Files written.
    pub files_added: u64,
    /// Files replaced (still read by earlier versions until vacuumed).
    pub files_removed: u64,
    /// Bytes written.
    pub bytes_added: i64,
    /// Bytes in the files replaced.
    pub bytes_removed: i64,
    /// Partitions that had files rewritten.
    pub partitions_optimized: u64,
    /// Active files before the optimize.
    pub files_considered: usize,
}

impl Optimize {
    /// An optimize of the table at `location` (a directory or a URL
    /// delta-rs knows).
    pub fn new(location: impl Into<String>) -> Self {
        Self {
            location: location.into(),
            zorder_by: Vec::new(),
            target_size: None,
            storage_options: HashMap::new(),
        }
    }

    /// Sort each partition's rows along a Z-order curve of these columns
    /// (not partition columns) instead of only compacting; every file of a
    /// partition is rewritten.
    pub fn zorder_by(mut self, columns: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.zorder_by = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Files of about this many bytes (default: the table's
    /// `delta.targetFileSize`, or delta-rs's 100 MB).
    pub fn target_size(mut self, bytes: u64) -> Self {
        self.target_size = NonZeroU64::new(bytes);
        self
    }

    /// Options for the object store, as delta-rs takes them.
    pub fn storage_options(mut self, options: HashMap<String, String>) -> Self {
        self.storage_options = options;
        self
    }

    /// Runs the optimize: one commit, or none when no file needs it.
    pub async fn execute(self) -> Result<OptimizeSummary> {
        let location = self.location.as_str();
        let error = |kind| Error::new(location, kind);
        let (url, table) = open_table(location, &self.storage_options).await?;
        let before = table_version(&table);
        // Rewritten files keep the layout's tuned encodings, not
        // delta-rs's defaults.
        let properties = match StoredMatrix::of(&table).map_err(|e| error(ErrorKind::Options(e)))? {
            Some(matrix) => matrix_writer_properties(&matrix.layout),
            None => {
                let schema = table
                    .snapshot()
                    .map_err(|e| error(ErrorKind::Delta(e)))?
                    .snapshot()
                    .arrow_schema();
                genomics_writer_properties(&schema)
            }
        };
        let record = json!({
            "toolVersion": TOOL_VERSION,
            "operation": "OPTIMIZE",
            "zorderBy": self.zorder_by,
            "targetSize": self.target_size.map(NonZeroU64::get),
        });
        let mut builder = table
            .optimize()
            .with_writer_properties(properties)
            .with_commit_properties(
                CommitProperties::default().with_metadata([(COMMIT_INFO_KEY.to_string(), record)]),
            );
        if !self.zorder_by.is_empty() {
            builder = builder.with_type(OptimizeType::ZOrder(self.zorder_by.clone()));
        }
        if let Some(size) = self.target_size {
            builder = builder.with_target_size(size);
        }
        let (table, metrics) = builder.await.map_err(|e| error(ErrorKind::Delta(e)))?;
        let after = table_version(&table);
        Ok(OptimizeSummary {
            table: url,
            version: (after != before).then_some(after),
            zorder_by: self.zorder_by,
            files_added: metrics.num_files_added,
            files_removed: metrics.num_files_removed,
            bytes_added: metrics.files_added.total_size,
            bytes_removed: metrics.files_removed.total_size,
            partitions_optimized: metrics.partitions_optimized,
            files_considered: metrics.total_considered_files,
        })
    }
}

impl fmt::Display for OptimizeSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.zorder_by.is_empty() {
            "compacted".to_string()
        } else {
            format!("Z-ordered by {}", self.zorder_by.join(","))
        };
        match self.version {
            None => write!(
                f,
                "nothing to optimize in {}: {} active file(s), none rewritten",
                self.table, self.files_considered
            ),
            Some(version) => write!(
                f,
                "{what} {}: removed {} file(s) ({:.1} MB), added {} file(s) ({:.1} MB) in {} \
                 partition(s), as version {version}; the removed files stay for time travel \
                 until vacuumed",
                self.table,
                self.files_removed,
                self.bytes_removed as f64 / 1e6,
                self.files_added,
                self.bytes_added as f64 / 1e6,
                self.partitions_optimized,
            ),
        }
    }
}

/// Deletes the data files no version within the retention period reads.
/// Configure with chained methods, then [`execute`](Vacuum::execute) once.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # use std::sync::Arc;
/// # use arrow::array::{Int64Array, RecordBatch};
/// # use arrow::datatypes::{DataType, Field, Schema};
/// use genolake_lake::{Ingest, SaveMode, Vacuum, blocking_stream};
///
/// # let schema = Arc::new(Schema::new(vec![Field::new("start", DataType::Int64, true)]));
/// # let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(vec![1]))])?;
/// let dir = tempfile::tempdir()?;
/// let table = dir.path().join("t");
/// let table = table.to_str().unwrap();
/// for mode in [SaveMode::ErrorIfExists, SaveMode::Overwrite] {
///     let input = blocking_stream(schema.clone(), vec![Ok::<_, std::io::Error>(batch.clone())]);
///     Ingest::new(table).mode(mode).execute_stream(input).await?;
/// }
/// // The overwritten file is within the default retention of 7 days.
/// let err = Vacuum::new(table).retain_hours(0).execute().await.unwrap_err();
/// assert!(err.to_string().contains("168 hours"));
/// let dry = Vacuum::new(table).retain_hours(0).enforce_retention(false).dry_run(true).execute().await?;
/// assert_eq!(dry.files.len(), 1);
/// let done = Vacuum::new(table).retain_hours(0).enforce_retention(false).execute().await?;
/// assert_eq!((done.files, done.versions), (dry.files, Some((2, 3))));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Vacuum {
    location: String,
    retain_hours: Option<u64>,
    enforce_retention: bool,
    dry_run: bool,
    storage_options: HashMap<String, String>,
}

/// What a vacuum did (or, dry, would do).
#[derive(Debug, Clone, PartialEq)]
pub struct VacuumSummary {
    /// The table's URL.
    pub table: Url,
    /// Whether this was a dry run (nothing deleted, nothing committed).
    pub dry_run: bool,
    /// The retention period applied, in hours.
    pub retention_hours: f64,
    /// The files deleted (or to delete), relative to the table.
    pub files: Vec<String>,
    /// Their bytes, as far as the store says.
    pub bytes: u64,
    /// The `VACUUM START` and `VACUUM END` versions committed (none when
    /// dry, or nothing was deleted).
    pub versions: Option<(i64, i64)>,
}

impl Vacuum {
    /// A vacuum of the table at `location` (a directory or a URL delta-rs
    /// knows).
    pub fn new(location: impl Into<String>) -> Self {
        Self {
            location: location.into(),
            retain_hours: None,
            enforce_retention: true,
            dry_run: false,
            storage_options: HashMap::new(),
        }
    }

    /// Keep the files that versions of the last `hours` read (default: the
    /// table's `delta.deletedFileRetentionDuration`, 7 days unless set).
    pub fn retain_hours(mut self, hours: u64) -> Self {
        self.retain_hours = Some(hours);
        self
    }

    /// Whether to refuse a retention shorter than the table's (default
    /// true), as Delta's `spark.databricks.delta.retentionDurationCheck`.
    pub fn enforce_retention(mut self, enforce: bool) -> Self {
        self.enforce_retention = enforce;
        self
    }

    /// Only list the files that would be deleted.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Options for the object store, as delta-rs takes them.
    pub fn storage_options(mut self, options: HashMap<String, String>) -> Self {
        self.storage_options = options;
        self
    }

    /// Runs the vacuum: two commits (`VACUUM START`, `VACUUM END`) around
    /// the deletions, none when dry or nothing is deleted.
    pub async fn execute(self) -> Result<VacuumSummary> {
        let location = self.location.as_str();
        let error = |kind| Error::new(location, kind);
        let (url, table) = open_table(location, &self.storage_options).await?;
        let table_retention = table
            .snapshot()
            .map_err(|e| error(ErrorKind::Delta(e)))?
            .table_config()
            .deleted_file_retention_duration();
        let table_hours = table_retention.as_secs_f64() / 3600.0;
        let retention_hours = self.retain_hours.map_or(table_hours, |h| h as f64);
        if self.enforce_retention && retention_hours < table_hours {
            return Err(error(ErrorKind::Options(format!(
                "a retention of {retention_hours} hours is below the table's {table_hours} hours \
                 (delta.deletedFileRetentionDuration): vacuuming would delete files that time \
                 travel to the versions of the last {table_hours} hours still reads, and files \
                 a running writer has not committed yet. Pass --force to vacuum anyway"
            ))));
        }
        let before = table_version(&table);
        let record = json!({
            "toolVersion": TOOL_VERSION,
            "operation": "VACUUM",
            "retainHours": retention_hours,
            "retentionCheck": self.enforce_retention,
        });
        let log_store = table.log_store();
        let mut builder = table
            .vacuum()
            .with_mode(VacuumMode::Full)
            .with_dry_run(self.dry_run)
            .with_enforce_retention_duration(self.enforce_retention)
            .with_commit_properties(
                CommitProperties::default().with_metadata([(COMMIT_INFO_KEY.to_string(), record)]),
            );
        if let Some(hours) = self.retain_hours {
            let hours = i64::try_from(hours).unwrap_or(i64::MAX / 3_600_000);
            builder = builder.with_retention_period(chrono::Duration::hours(hours));
        }
        let (table, metrics) = builder.await.map_err(|e| error(ErrorKind::Delta(e)))?;
        let after = table_version(&table);
        let versions = (after > before).then_some((before + 1, after));
        let bytes = match versions {
            // The START commit counted them before deleting.
            Some((start, _)) => read_commit(log_store.as_ref(), location, start)
                .await?
                .and_then(|commit| commit.operation_metrics)
                .and_then(|metrics| metrics.get("sizeOfDataToDelete").and_then(|v| v.as_u64()))
                .unwrap_or(0),
            None => {
                let store = log_store.object_store(None);
                let mut bytes = 0;
                for file in &metrics.files_deleted {
                    if let Ok(meta) = store.head(&Path::from(file.as_str())).await {
                        bytes += meta.size;
                    }
                }
                bytes
            }
        };
        Ok(VacuumSummary {
            table: url,
            dry_run: self.dry_run,
            retention_hours,
            files: metrics.files_deleted,
            bytes,
            versions,
        })
    }
}

impl fmt::Display for VacuumSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = self.bytes as f64 / 1e6;
        if self.dry_run {
            write!(
                f,
                "dry run: {} file(s) ({size:.1} MB) in {} are older than the retention of {} \
                 hours and read by no current version; nothing was deleted",
                self.files.len(),
                self.table,
                self.retention_hours
            )
        } else {
            write!(
                f,
                "deleted {} file(s) ({size:.1} MB) from {} (retention {} hours)",
                self.files.len(),
                self.table,
                self.retention_hours
            )?;
            match self.versions {
                Some((start, end)) => write!(
                    f,
                    ", as versions {start} (VACUUM START) and {end} (VACUUM END)"
                ),
                None => write!(f, "; nothing to commit"),
            }
        }
    }
}
