//! `--purge`: after a withdrawal, deletes the files that still hold the
//! samples (earlier versions' data files, and the log entries that name
//! them, such as a matrix table's old sample list), then reads every file
//! left under the table's directory to confirm that none holds a withdrawn
//! id.
//!
//! Three steps, each Delta's own operation:
//! 1. a full `VACUUM`: every data file the current version does not
//!    reference (those the withdrawal replaced, and any a crashed run left)
//!    and that is older than the retention period;
//! 2. a checkpoint of the current version;
//! 3. the expiry of the log files before that checkpoint that are older
//!    than the log retention period.
//!
//! The retention periods are the table's (`delta.deletedFileRetentionDuration`,
//! 7 days, and `delta.logRetentionDuration`, 30 days, by default) unless
//! [`Purge::retention_override`] sets both to zero: the files a withdrawal
//! just replaced are younger than any retention, so a purge right after a
//! withdrawal needs the override, and without it the check reports what is
//! left and when it may go. After a purge with the override, time travel
//! to a version before the checkpoint fails (its log is gone) instead of
//! returning data.

use std::collections::HashSet;
use std::fmt;
use std::time::{Duration, Instant};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::DataType;
use deltalake::DeltaTable;
use deltalake::logstore::object_store::ObjectStoreExt;
use deltalake::operations::vacuum::VacuumMode;
use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use deltalake::parquet::file::reader::ChunkReader;
use deltalake::table::config::TablePropertiesExt;
use futures::TryStreamExt;
use memchr::memmem::Finder;

use crate::error::{Error, ErrorKind, Result};
use crate::ingest::Target;

/// Deletes what still holds withdrawn samples, and checks that nothing does.
#[derive(Debug, Clone)]
pub struct Purge {
    location: String,
    ids: Vec<String>,
    retention_override: bool,
}

/// What a purge deleted and what its check found.
#[derive(Debug, Clone)]
pub struct PurgeSummary {
    /// The table as given.
    pub table: String,
    /// Data files deleted by the vacuum.
    pub files_deleted: usize,
    /// Log files expired.
    pub log_files_deleted: usize,
    /// Files read by the check.
    pub files_checked: usize,
    /// Files the check found that may still hold a withdrawn sample, each
    /// with why (never the id itself). Empty when the purge is complete.
    pub leftovers: Vec<String>,
    /// Whether the retention periods were overridden.
    pub retention_overridden: bool,
    /// Wall time.
    pub elapsed: Duration,
}

impl PurgeSummary {
    /// Whether the check found nothing left of the samples.
    pub fn is_clean(&self) -> bool {
        self.leftovers.is_empty()
    }
}

impl fmt::Display for PurgeSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: purge deleted {} data file(s) and {} log file(s); checked {} file(s): ",
            self.table, self.files_deleted, self.log_files_deleted, self.files_checked
        )?;
        if self.is_clean() {
            return write!(
                f,
                "no withdrawn sample id or genotype is left; versions before the checkpoint \
                 can no longer be read"
            );
        }
        write!(
            f,
            "{} file(s) may still hold withdrawn samples: {}",
            self.leftovers.len(),
            self.leftovers.join("; ")
        )?;
        if !self.retention_overridden {
            write!(
                f,
                ". They are inside the table's retention period (time travel still needs them); \
                 run the purge again after it, or pass --retention-override to delete them now"
            )?;
        }
        Ok(())
    }
}

impl Purge {
    /// A purge of the table at `location` of the samples `ids`.
    pub fn new(
        location: impl Into<String>,
        ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            location: location.into(),
            ids: ids.into_iter().map(Into::into).collect(),
            retention_override: false,
        }
    }

    /// Delete files and log entries however recent (retention zero),
    /// giving up time travel to every earlier version.
    pub fn retention_override(mut self, retention_override: bool) -> Self {
        self.retention_override = retention_override;
        self
    }

    /// Vacuums, checkpoints, expires the log, then checks every file.
    pub async fn execute(self) -> Result<PurgeSummary> {
        let started = Instant::now();
        let location = self.location.as_str();
        let delta = |e| Error::new(location, ErrorKind::Delta(e));
        let target = Target::resolve(location, false)?;
        let table = target.open_existing(&Default::default()).await?;

        let mut vacuum = table.vacuum().with_mode(VacuumMode::Full);
        if self.retention_override {
            vacuum = vacuum
                .with_retention_period(chrono::Duration::zero())
                .with_enforce_retention_duration(false);
        }
        let (mut table, metrics) = vacuum.await.map_err(delta)?;
        table.update_state().await.map_err(delta)?;

        deltalake::checkpoints::create_checkpoint(&table, None)
            .await
            .map_err(delta)?;
        let snapshot = table.snapshot().map_err(delta)?;
        let now = chrono::Utc::now().timestamp_millis();
        let cutoff = if self.retention_override {
            // Files written in this very second count as expired too.
            now + 60_000
        } else {
            now - snapshot.table_config().log_retention_duration().as_millis() as i64
        };
        let version = snapshot.version();
        let log_files_deleted = deltalake::checkpoints::cleanup_expired_logs_for(
            version as _,
            table.log_store().as_ref(),
            cutoff,
            None,
        )
        .await
        .map_err(delta)?;

        let (files_checked, leftovers) = check(&table, &self.ids, location).await?;
        Ok(PurgeSummary {
            table: location.to_string(),
            files_deleted: metrics.files_deleted.len(),
            log_files_deleted,
            files_checked,
            leftovers,
            retention_overridden: self.retention_override,
            elapsed: started.elapsed(),
        })
    }
}

/// Reads every file under the table's root: data files must belong to the
/// current version and hold none of `ids` in any string or binary value;
/// log files (JSON read as bytes, checkpoints as Parquet) must not hold
/// them either. Returns how many files were read and what was found.
async fn check(table: &DeltaTable, ids: &[String], location: &str) -> Result<(usize, Vec<String>)> {
    let delta = |e| Error::new(location, ErrorKind::Delta(e));
    let snapshot = table.snapshot().map_err(delta)?;
    let current: HashSet<String> = snapshot
        .snapshot()
        .try_log_data()
        .map_err(delta)?
        .iter()
        .map(|f| f.object_store_path().to_string())
        .collect();
    let store = table.log_store().object_store(None);
    let objects: Vec<_> = store
        .list(None)
        .try_collect()
        .await
        .map_err(|e| delta(e.into()))?;
    let finders: Vec<Finder<'_>> = ids.iter().map(|id| Finder::new(id.as_bytes())).collect();
    let holds = |bytes: &[u8]| finders.iter().any(|f| f.find(bytes).is_some());
    let mut leftovers = Vec::new();
    for object in &objects {
        let path = object.location.to_string();
        let in_log = path.starts_with("_delta_log/");
        if holds(path.as_bytes()) {
            leftovers.push(format!("{path}: its path names a withdrawn sample"));
            continue;
        }
        if !in_log && path.ends_with(".parquet") && !current.contains(&path) {
            leftovers.push(format!("{path}: not part of the current version"));
            continue;
        }
        let bytes = store
            .get(&object.location)
            .await
            .map_err(|e| delta(e.into()))?
            .bytes()
            .await
            .map_err(|e| delta(e.into()))?;
        if holds(&bytes) {
            leftovers.push(format!("{path}: its bytes hold a withdrawn sample id"));
            continue;
        }
        if path.ends_with(".parquet")
            && parquet_holds(bytes, &finders).map_err(|e| {
                Error::new(
                    location,
                    ErrorKind::Options(format!("cannot read {path} to check it: {e}")),
                )
            })?
        {
            leftovers.push(format!("{path}: holds a withdrawn sample id"));
        }
    }
    Ok((objects.len(), leftovers))
}

/// Whether any string or binary value of a Parquet file holds one of the ids.
fn parquet_holds<T: ChunkReader + 'static>(
    bytes: T,
    finders: &[Finder<'_>],
) -> std::result::Result<bool, deltalake::parquet::errors::ParquetError> {
    for batch in ParquetRecordBatchReaderBuilder::try_new(bytes)?.build()? {
        let batch = batch?;
        if batch.columns().iter().any(|c| array_holds(c, finders)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether a value of `array` (or of its children) contains an id.
fn array_holds(array: &ArrayRef, finders: &[Finder<'_>]) -> bool {
    let in_buffer = |bytes: &[u8]| finders.iter().any(|f| f.find(bytes).is_some());
    match array.data_type() {
        // The value buffer holds every value back to back: one scan, then
        // value by value only if it matched (an id across two values).
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            in_buffer(a.value_data())
                && (0..a.len()).any(|i| a.is_valid(i) && in_buffer(a.value(i).as_bytes()))
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            in_buffer(a.value_data())
                && (0..a.len()).any(|i| a.is_valid(i) && in_buffer(a.value(i).as_bytes()))
        }
        DataType::Binary => {
            let a = array.as_binary::<i32>();
            in_buffer(a.value_data())
                && (0..a.len()).any(|i| a.is_valid(i) && in_buffer(a.value(i)))
        }
        DataType::LargeBinary => {
            let a = array.as_binary::<i64>();
            in_buffer(a.value_data())
                && (0..a.len()).any(|i| a.is_valid(i) && in_buffer(a.value(i)))
        }
        DataType::Utf8View => {
            let a = array.as_string_view();
            (0..a.len()).any(|i| a.is_valid(i) && in_buffer(a.value(i).as_bytes()))
        }
        DataType::BinaryView => {
            let a = array.as_binary_view();
            (0..a.len()).any(|i| a.is_valid(i) && in_buffer(a.value(i)))
        }
        DataType::List(_) => array_holds(array.as_list::<i32>().values(), finders),
        DataType::LargeList(_) => array_holds(array.as_list::<i64>().values(), finders),
        DataType::Struct(_) => array
            .as_struct()
            .columns()
            .iter()
            .any(|c| array_holds(c, finders)),
        DataType::Map(_, _) => {
            let map = array.as_map();
            array_holds(map.keys(), finders) || array_holds(map.values(), finders)
        }
        DataType::Dictionary(_, _) => array
            .as_any_dictionary_opt()
            .is_some_and(|d| array_holds(d.values(), finders)),
        _ => false,
    }
}
