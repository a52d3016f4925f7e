//! Consent withdrawal: samples out of every row of a variant table (Glow or
//! matrix layout) and out of tables keyed by `sampleId`, one audited Delta
//! commit per table.
//!
//! A sample of a variant table is an element of every row (a struct of the
//! `genotypes` list, or a slice of each matrix row's arrays), so no engine's
//! `DELETE` removes it. [`Withdraw`] rewrites every data file of a table
//! without the samples, on every core, and commits the new files with the
//! `remove`s of the old ones in one commit: readers see the table with all
//! of the samples or with none of them.
//!
//! # What the commit records
//!
//! `commitInfo.genolake` holds `{"toolVersion", "operation": "WITHDRAW",
//! "withdrawal": {"sampleCount", "salt", "hashedIds", "reason",
//! "infoFields": {"recomputed", "dropped"}, "rowsRewritten",
//! "samplesRemoved"}}` ([`WithdrawCommitInfo`]). The ids appear only as
//! SHA-256 hashes of a random per-request salt followed by the id, so the
//! audit trail does not disclose them again. The salt and hashes are also
//! kept in the table's configuration ([`WITHDRAWALS_KEY`]), which survives
//! checkpoints and log expiry: an ingest compares its input's samples with
//! them and refuses to bring a withdrawn sample back.
//!
//! # Resuming
//!
//! Nothing is committed until every file is rewritten; a crash leaves the
//! table at its previous version (the files written so far are not
//! referenced, and `--purge`'s vacuum deletes them). Running the same
//! withdrawal again redoes the unfinished tables; a table whose
//! configuration already records every requested id, or that turns out to
//! hold none of them, commits nothing and says so. An app transaction
//! ([`WITHDRAW_APP_ID`]) numbers the withdrawals of a table, so two
//! withdrawals racing on one table conflict instead of both committing.
//!
//! # INFO statistics
//!
//! `INFO_AC`, `INFO_AN` and `INFO_AF` are recomputed from the remaining
//! calls (called alleles, as `bcftools view -s` updates AC and AN); other
//! INFO keys that summarise genotypes and cannot be recomputed from them
//! (`MLEAC`, `MLEAF`, `NS`, `DP`, `InbreedingCoeff`, `ExcessHet`,
//! per-population `AC_*`/`*_AF`, ...) are set to null. Site-quality
//! annotations computed from reads (`QD`, `FS`, `MQ`, rank sums, `VQSLOD`)
//! are kept. The commit and the summary name both lists.

mod filter;
mod purge;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use arrow::array::{Array, ArrayRef, RecordBatch, StringArray, new_null_array};
use arrow::compute::cast;
use arrow::datatypes::{Schema, SchemaRef};
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use deltalake::kernel::transaction::{CommitBuilder, CommitProperties, TableReference};
use deltalake::kernel::{Action, Transaction};
use deltalake::logstore::ObjectStoreRef;
use deltalake::logstore::object_store::ObjectStoreExt;
use deltalake::logstore::object_store::path::Path;
use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use deltalake::protocol::DeltaOperation;
use futures::{StreamExt, TryStreamExt};
use genolake_core::Progress;
use genolake_core::matrix::{SAMPLE_COUNT_KEY, SAMPLE_IDS_KEY, Samples};
use genolake_core::merge::conform_batch;
use genolake_core::schema::{CALLS, GENOTYPES, SAMPLE_ID};
use serde::{Deserialize, Serialize};

use crate::describe::HeaderDescriptions;
use crate::error::{Error, ErrorKind, Result};
use crate::history::WithdrawalRecord;
use crate::ingest::{SaveMode, Target};
use crate::layout::{Layout, StoredMatrix, configure};
use crate::parallel::{ParallelWrite, Route, WriteOptions};
use crate::properties::{genomics_writer_properties, matrix_writer_properties};
use crate::provenance::{COMMIT_INFO_KEY, TOOL_VERSION};

pub use filter::InfoFields;
pub use purge::{Purge, PurgeSummary};

use filter::{BatchFilter, InfoPlan, MatrixShape, Shape, Strings, Withdrawn, struct_field};

/// Table configuration key holding every withdrawal's salt and hashed ids
/// (a JSON array of `{"salt", "hashedIds"}`), so an ingest can refuse
/// withdrawn samples after the log that recorded them has expired.
pub const WITHDRAWALS_KEY: &str = "genolake.withdrawals";

/// The app transaction id numbering a table's withdrawals.
pub const WITHDRAW_APP_ID: &str = "genolake-withdraw";

/// Hidden test hook: when set to `before-commit`, the process aborts after
/// the new files of the first table are written and before its commit, as a
/// crash would.
pub const CRASH_ENV: &str = "GENOLAKE_WITHDRAW_CRASH";

/// What a table holds per sample, as its schema and configuration say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// A variant table in Glow's layout (`genotypes` with `sampleId`).
    Glow,
    /// A variant table in the matrix layout (sample ids in its configuration).
    Matrix,
    /// A table keyed by a `sampleId` column (clinical data, say).
    Samples,
}

impl fmt::Display for TableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TableKind::Glow => "variant table, Glow layout",
            TableKind::Matrix => "variant table, matrix layout",
            TableKind::Samples => "table keyed by sampleId",
        })
    }
}

/// The record a withdrawal commits under `commitInfo.genolake`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawCommitInfo {
    /// `genolake` and its version.
    pub tool_version: String,
    /// Always `WITHDRAW`.
    pub operation: String,
    /// What was withdrawn, without the ids.
    pub withdrawal: WithdrawalRecord,
}

/// How a table's withdrawal ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WithdrawOutcome {
    /// A new version without the samples.
    Committed {
        /// The version committed.
        version: i64,
    },
    /// The table's configuration records every requested id as withdrawn
    /// already (a rerun): nothing was read or committed.
    AlreadyWithdrawn,
    /// The table holds none of the samples: nothing was committed.
    NotPresent,
}

/// What a withdrawal did to one table.
#[derive(Debug, Clone)]
pub struct WithdrawSummary {
    /// The table as given.
    pub table: String,
    /// What it holds per sample.
    pub kind: TableKind,
    /// Committed, or why not.
    pub outcome: WithdrawOutcome,
    /// Ids requested.
    pub sample_count: usize,
    /// Of those, how many the table held.
    pub samples_removed: usize,
    /// Genotypes (variant tables) or rows (sample tables) removed.
    pub removed: u64,
    /// Rows written to the new files.
    pub rows_rewritten: u64,
    /// Data files replaced and written.
    pub files_removed: usize,
    /// Data files written.
    pub files_added: usize,
    /// INFO columns recomputed and nulled.
    pub info_fields: InfoFields,
    /// Wall time.
    pub elapsed: Duration,
}

impl fmt::Display for WithdrawSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): ", self.table, self.kind)?;
        match &self.outcome {
            WithdrawOutcome::AlreadyWithdrawn => {
                return write!(
                    f,
                    "all {} samples were withdrawn from it before; nothing committed",
                    self.sample_count
                );
            }
            WithdrawOutcome::NotPresent => {
                return write!(
                    f,
                    "holds none of the {} samples; nothing committed",
                    self.sample_count
                );
            }
            WithdrawOutcome::Committed { version } => {
                let removed = match self.kind {
                    TableKind::Samples => format!("{} rows", self.removed),
                    _ => format!("{} genotypes", self.removed),
                };
                write!(
                    f,
                    "withdrew {} of {} samples ({removed} removed), rewrote {} rows in {} file(s) \
                     replacing {}, as version {version} in {:.1} s",
                    self.samples_removed,
                    self.sample_count,
                    self.rows_rewritten,
                    self.files_added,
                    self.files_removed,
                    self.elapsed.as_secs_f64()
                )?;
            }
        }
        if self.samples_removed < self.sample_count {
            write!(
                f,
                "; {} of the requested samples were not in the table",
                self.sample_count - self.samples_removed
            )?;
        }
        let info = &self.info_fields;
        if !info.recomputed.is_empty() {
            write!(
                f,
                "; recomputed from the remaining genotypes: {}",
                info.recomputed.join(", ")
            )?;
        }
        if !info.dropped.is_empty() {
            write!(
                f,
                "; set to null (they summarise genotypes and cannot be recomputed): {}",
                info.dropped.join(", ")
            )?;
        }
        Ok(())
    }
}

/// A fresh random salt for a withdrawal request: 16 bytes (122 of them
/// random, a version 4 UUID's).
pub fn new_salt() -> Vec<u8> {
    uuid::Uuid::new_v4().as_bytes().to_vec()
}

/// The withdrawal of samples from one Delta table, configured by chained
/// methods and run once with [`execute`](Withdraw::execute).
///
/// ```no_run
/// # async fn f() -> genolake_lake::Result<()> {
/// use genolake_lake::Withdraw;
/// let summary = Withdraw::new("lake/variants", ["HG00096", "HG00097"])
///     .reason("consent withdrawn, request 2026-118")
///     .execute()
///     .await?;
/// println!("{summary}");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Withdraw {
    location: String,
    ids: Vec<String>,
    reason: Option<String>,
    salt: Vec<u8>,
    progress: Option<Arc<Progress>>,
}

impl Withdraw {
    /// Withdraws `ids` from the table at `location` (a path or URL).
    pub fn new(
        location: impl Into<String>,
        ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let mut ids: Vec<String> = ids.into_iter().map(Into::into).collect();
        ids.sort();
        ids.dedup();
        Self {
            location: location.into(),
            ids,
            reason: None,
            salt: new_salt(),
            progress: None,
        }
    }

    /// Why the samples are withdrawn, recorded in the commit.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// The salt of the hashed ids (default: 16 random bytes). One request
    /// over several tables should use one salt.
    pub fn salt(mut self, salt: Vec<u8>) -> Self {
        self.salt = salt;
        self
    }

    /// Counters to bump as files are read: bytes of Parquet and rows.
    pub fn progress(mut self, progress: Arc<Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Rewrites the table without the samples, in one commit.
    pub async fn execute(self) -> Result<WithdrawSummary> {
        let started = Instant::now();
        let location = self.location.as_str();
        let error = |kind| Error::new(location, kind);
        if self.ids.is_empty() {
            return Err(error(ErrorKind::Options(
                "no sample ids to withdraw".into(),
            )));
        }
        let target = Target::resolve(location, false)?;
        let table = target.open_existing(&HashMap::new()).await?;
        let snapshot = table.snapshot().map_err(|e| error(ErrorKind::Delta(e)))?;
        let schema = snapshot.snapshot().arrow_schema();
        let configuration = snapshot.metadata().configuration().clone();
        let stored_matrix = StoredMatrix::of(&table).map_err(|e| error(ErrorKind::Options(e)))?;
        let kind = kind_of(&schema, stored_matrix.is_some()).ok_or_else(|| {
            error(ErrorKind::Options(
                "holds no samples genolake can withdraw: it has neither a genotypes column \
                 with sampleId, nor the matrix layout, nor a sampleId column"
                    .into(),
            ))
        })?;
        let info = match kind {
            TableKind::Samples => InfoPlan::default(),
            _ => InfoPlan::of(&schema),
        };
        let mut summary = WithdrawSummary {
            table: location.to_string(),
            kind,
            outcome: WithdrawOutcome::NotPresent,
            sample_count: self.ids.len(),
            samples_removed: 0,
            removed: 0,
            rows_rewritten: 0,
            files_removed: 0,
            files_added: 0,
            info_fields: info.fields(),
            elapsed: Duration::ZERO,
        };
        let previous = Withdrawals::of(&configuration).map_err(|e| error(ErrorKind::Options(e)))?;
        if self.ids.iter().all(|id| previous.contains(id)) {
            summary.outcome = WithdrawOutcome::AlreadyWithdrawn;
            summary.elapsed = started.elapsed();
            return Ok(summary);
        }

        let withdrawn = Arc::new(Withdrawn::new(&self.ids));
        let mut configuration_changes = Vec::new();
        let shape = match kind {
            TableKind::Samples => Shape::Samples {
                sample_id: index_of(&schema, SAMPLE_ID, location)?,
            },
            TableKind::Glow => {
                let genotypes = index_of(&schema, GENOTYPES, location)?;
                let field = schema.field(genotypes);
                Shape::Glow {
                    genotypes,
                    sample_id: struct_field(field, SAMPLE_ID).ok_or_else(|| {
                        error(ErrorKind::Options("genotypes has no sampleId".into()))
                    })?,
                    calls: struct_field(field, CALLS),
                }
            }
            TableKind::Matrix => {
                let stored = stored_matrix.as_ref().expect("a matrix table");
                let Some(samples) = &stored.samples else {
                    // A matrix table without rows holds no samples.
                    summary.elapsed = started.elapsed();
                    return Ok(summary);
                };
                let ids = samples.ids().ok_or_else(|| {
                    error(ErrorKind::Options(
                        "is a matrix table stored without sample ids (includeSampleIds=false), \
                         so it cannot tell which genotypes are whose"
                            .into(),
                    ))
                })?;
                let shape = MatrixShape::new(&schema, &stored.layout, ids, &withdrawn)
                    .map_err(|e| error(ErrorKind::Options(e.to_string())))?;
                if shape.keeps_all() {
                    summary.elapsed = started.elapsed();
                    return Ok(summary);
                }
                let kept: Vec<String> = ids
                    .iter()
                    .filter(|id| !withdrawn.contains(id))
                    .cloned()
                    .collect();
                let kept = Samples::with_ids(kept);
                configuration_changes.push((SAMPLE_COUNT_KEY, Some(kept.count().to_string())));
                configuration_changes.push((SAMPLE_IDS_KEY, kept.ids_json()));
                Shape::Matrix(shape)
            }
        };

        let properties = match &stored_matrix {
            Some(matrix) => matrix_writer_properties(&matrix.layout),
            None => genomics_writer_properties(&schema),
        };
        let options = WriteOptions {
            mode: SaveMode::Append,
            partition_by: &[],
            table_name: None,
            description: None,
            target_file_size: None,
            writer_properties: properties,
            // The table's own columns, already described: nothing is added.
            layout: if stored_matrix.is_some() {
                Layout::Matrix
            } else {
                Layout::Glow
            },
            descriptions: &HeaderDescriptions::default(),
        };
        let parallel = match ParallelWrite::route(&table, true, &schema, &options)
            .map_err(|e| error(ErrorKind::Delta(e)))?
        {
            Route::Parallel(parallel) => *parallel,
            Route::DeltaRs(why) => {
                return Err(error(ErrorKind::Options(format!(
                    "genolake cannot rewrite this table itself: {why}"
                ))));
            }
        };
        let partition_columns = snapshot.metadata().partition_columns().to_vec();
        let files: Vec<FileToRewrite> = snapshot
            .snapshot()
            .try_log_data()
            .map_err(|e| error(ErrorKind::Delta(e)))?
            .iter()
            .map(|file| {
                if file.deletion_vector_descriptor().is_some() {
                    return Err(error(ErrorKind::Options(
                        "the table has deletion vectors, which genolake does not rewrite".into(),
                    )));
                }
                Ok(FileToRewrite {
                    path: file.object_store_path(),
                    size: u64::try_from(file.size()).unwrap_or(0),
                    partition_values: file.partition_values_map(),
                    remove: Action::Remove(file.remove_action(true)),
                })
            })
            .collect::<Result<_>>()?;

        let filter = Arc::new(BatchFilter {
            schema: Arc::clone(&schema),
            shape,
            info,
            withdrawn: Arc::clone(&withdrawn),
        });
        let store = table.log_store().object_store(None);
        let streams = files
            .iter()
            .map(|file| {
                file_stream(
                    Arc::clone(&store),
                    file,
                    Arc::clone(&schema),
                    &partition_columns,
                    Arc::clone(&filter),
                    self.progress.clone(),
                )
            })
            .collect();
        let max_writers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let written = parallel
            .write(streams, store, max_writers)
            .await
            .map_err(|e| error(ErrorKind::Write(e)))?;

        summary.samples_removed = withdrawn.found();
        summary.removed = withdrawn.removed.load(Ordering::Relaxed);
        if summary.removed == 0 {
            written.store.delete_written().await;
            summary.elapsed = started.elapsed();
            return Ok(summary);
        }
        if std::env::var(CRASH_ENV).as_deref() == Ok("before-commit") {
            eprintln!("{CRASH_ENV}=before-commit: aborting before the commit");
            std::process::abort();
        }

        let mut hashed: Vec<String> = self
            .ids
            .iter()
            .map(|id| filter::hashed_id(&self.salt, id))
            .collect();
        hashed.sort();
        let salt = hex(&self.salt);
        let mut withdrawals = previous;
        withdrawals.0.push(StoredWithdrawal {
            salt: salt.clone(),
            hashed_ids: hashed.clone(),
        });
        configuration_changes.push((WITHDRAWALS_KEY, Some(withdrawals.to_json())));

        let record = WithdrawCommitInfo {
            tool_version: TOOL_VERSION.to_string(),
            operation: "WITHDRAW".into(),
            withdrawal: WithdrawalRecord {
                sample_count: self.ids.len() as u64,
                salt,
                hashed_ids: hashed,
                reason: self.reason.clone(),
                info_fields: summary.info_fields.clone(),
                rows_rewritten: written.rows,
                samples_removed: summary.samples_removed as u64,
            },
        };
        let record = serde_json::to_value(&record).map_err(|e| {
            error(ErrorKind::Options(format!(
                "cannot serialise the record: {e}"
            )))
        })?;
        let metrics = serde_json::json!({
            "num_added_files": written.adds.len(),
            "num_removed_files": files.len(),
            "num_added_rows": written.rows,
        });
        let sequence = crate::ingest::txn_version_of(&table, WITHDRAW_APP_ID, location)
            .await?
            .unwrap_or(0)
            + 1;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let commit = CommitProperties::default()
            .with_metadata([
                (COMMIT_INFO_KEY.to_string(), record),
                ("operationMetrics".to_string(), metrics),
            ])
            .with_application_transactions(vec![Transaction::new_with_last_update(
                WITHDRAW_APP_ID,
                sequence,
                Some(now),
            )]);
        let mut actions: Vec<Action> = files.iter().map(|f| f.remove.clone()).collect();
        summary.files_removed = files.len();
        summary.files_added = written.adds.len();
        summary.rows_rewritten = written.rows;
        if let Err(e) = configure(
            &mut actions,
            Some(snapshot.metadata()),
            &configuration_changes,
        ) {
            written.store.delete_written().await;
            return Err(error(ErrorKind::Write(e)));
        }
        actions.extend(written.adds.into_iter().map(Action::Add));
        let committed = CommitBuilder::from(commit)
            .with_actions(actions)
            .build(
                Some(snapshot as &dyn TableReference),
                table.log_store(),
                // The predicate `true` says the withdrawal read every row: an
                // append committed meanwhile (rows that may hold the samples)
                // then conflicts instead of surviving the withdrawal.
                DeltaOperation::Delete {
                    predicate: Some("true".into()),
                },
            )
            .await;
        match committed {
            Ok(committed) => {
                summary.outcome = WithdrawOutcome::Committed {
                    version: i64::try_from(committed.version()).unwrap_or(i64::MAX),
                };
            }
            Err(e) => {
                written.store.delete_written().await;
                return Err(error(ErrorKind::Write(e)));
            }
        }
        summary.elapsed = started.elapsed();
        tracing::info!("{summary}");
        Ok(summary)
    }
}

impl InfoPlan {
    fn fields(&self) -> InfoFields {
        InfoFields {
            recomputed: self.recomputed_names.clone(),
            dropped: self.dropped_names.clone(),
        }
    }
}

/// What a table holds per sample: by its layout, then by its columns.
fn kind_of(schema: &SchemaRef, matrix: bool) -> Option<TableKind> {
    if matrix {
        return Some(TableKind::Matrix);
    }
    if let Ok(field) = schema.field_with_name(GENOTYPES)
        && struct_field(field, SAMPLE_ID).is_some()
    {
        return Some(TableKind::Glow);
    }
    schema
        .field_with_name(SAMPLE_ID)
        .is_ok()
        .then_some(TableKind::Samples)
}

fn index_of(schema: &Schema, name: &str, location: &str) -> Result<usize> {
    schema.index_of(name).map_err(|_| {
        Error::new(
            location,
            ErrorKind::Options(format!("the table has no column {name}")),
        )
    })
}

/// A data file of the table and the `remove` action that retires it.
struct FileToRewrite {
    path: Path,
    size: u64,
    partition_values: HashMap<String, Option<String>>,
    remove: Action,
}

/// The batches of one data file, in the table's schema (partition columns
/// included, from the file's partition values), without the withdrawn
/// samples. Nothing is read until the stream is polled.
fn file_stream(
    store: ObjectStoreRef,
    file: &FileToRewrite,
    schema: SchemaRef,
    partition_columns: &[String],
    filter: Arc<BatchFilter>,
    progress: Option<Arc<Progress>>,
) -> SendableRecordBatchStream {
    let path = file.path.clone();
    let size = file.size;
    let partitions: Vec<(usize, Option<String>)> = partition_columns
        .iter()
        .filter_map(|name| {
            let i = schema.index_of(name).ok()?;
            Some((i, file.partition_values.get(name).cloned().flatten()))
        })
        .collect();
    let data_schema = Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(i, _)| !partitions.iter().any(|(p, _)| p == i))
            .map(|(_, f)| Arc::clone(f))
            .collect::<Vec<_>>(),
    ));
    let out = Arc::clone(&schema);
    let opened = futures::stream::once(async move {
        // The whole file in memory (compressed: a few tens of MB), decoded
        // a batch at a time as the writer pulls.
        let bytes = store
            .get(&path)
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?
            .bytes()
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let batches = futures::stream::iter(
            ParquetRecordBatchReaderBuilder::try_new(bytes)?
                .with_batch_size(1024)
                .build()?,
        );
        let counters = progress.clone();
        let rows = batches.map(move |batch| {
            let batch = batch?;
            if let Some(progress) = &counters {
                progress.add_records(batch.num_rows() as u64);
            }
            let batch = with_partition_values(&batch, &data_schema, &schema, &partitions)?;
            Ok::<_, DataFusionError>(filter.apply(&batch)?)
        });
        // A file counts as read once its last batch is through.
        let done = futures::stream::once(async move {
            if let Some(progress) = &progress {
                progress.add_bytes(size);
            }
            None
        });
        Ok::<_, DataFusionError>(
            rows.map(Some)
                .chain(done)
                .filter_map(|item| async move { item }),
        )
    })
    .try_flatten();
    Box::pin(RecordBatchStreamAdapter::new(out, opened))
}

/// A data file's batch in the table's schema: its columns conformed to the
/// table's (a file from before a schema merge lacks the new ones) and the
/// partition columns filled with the file's values.
fn with_partition_values(
    batch: &RecordBatch,
    data_schema: &SchemaRef,
    schema: &SchemaRef,
    partitions: &[(usize, Option<String>)],
) -> std::result::Result<RecordBatch, DataFusionError> {
    let data = if batch.schema_ref().fields() == data_schema.fields() {
        batch.clone()
    } else {
        conform_batch(batch, data_schema)?
    };
    if partitions.is_empty() {
        return Ok(RecordBatch::try_new(
            Arc::clone(schema),
            data.columns().to_vec(),
        )?);
    }
    let rows = data.num_rows();
    let mut data_columns = data.columns().iter();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (i, field) in schema.fields().iter().enumerate() {
        match partitions.iter().find(|(p, _)| *p == i) {
            Some((_, Some(value))) => {
                let strings: ArrayRef = Arc::new(StringArray::from(vec![value.as_str(); rows]));
                columns.push(cast(&strings, field.data_type())?);
            }
            Some((_, None)) => columns.push(new_null_array(field.data_type(), rows)),
            None => columns.push(Arc::clone(data_columns.next().ok_or_else(|| {
                DataFusionError::Internal("a data file has fewer columns than the table".into())
            })?)),
        }
    }
    Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
}

/// One earlier withdrawal as the table's configuration keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredWithdrawal {
    salt: String,
    hashed_ids: Vec<String>,
}

/// Every withdrawal a table's configuration records.
#[derive(Debug, Clone, Default)]
pub(crate) struct Withdrawals(Vec<StoredWithdrawal>);

impl Withdrawals {
    /// The withdrawals recorded in a table's configuration (none if the key
    /// is absent).
    pub(crate) fn of(configuration: &HashMap<String, String>) -> std::result::Result<Self, String> {
        match configuration.get(WITHDRAWALS_KEY) {
            None => Ok(Self::default()),
            Some(json) => serde_json::from_str(json).map(Self).map_err(|e| {
                format!("the table's {WITHDRAWALS_KEY} is not a list of withdrawals: {e}")
            }),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `id` was withdrawn by any recorded withdrawal.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|w| {
            unhex(&w.salt).is_some_and(|salt| {
                let hashed = filter::hashed_id(&salt, id);
                w.hashed_ids.binary_search(&hashed).is_ok()
            })
        })
    }

    fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".into())
    }
}

/// The withdrawn ids among `ids`, by the table's configuration.
pub(crate) fn withdrawn_among<'a>(
    withdrawals: &Withdrawals,
    ids: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let mut found: Vec<String> = ids
        .into_iter()
        .filter(|id| withdrawals.contains(id))
        .map(String::from)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The sample ids of a batch: a `sampleId` column's values, or the
/// `genotypes.sampleId` of its first and last rows.
pub(crate) fn batch_sample_ids(batch: &RecordBatch) -> Vec<String> {
    let mut ids = Vec::new();
    if let Some(column) = batch.column_by_name(SAMPLE_ID)
        && let Ok(strings) = Strings::of(column.as_ref(), SAMPLE_ID)
    {
        ids.extend((0..column.len()).filter_map(|i| strings.get(i).map(String::from)));
    }
    if let Some(genotypes) = batch.column_by_name(GENOTYPES)
        && let Some(list) = genotypes.as_any().downcast_ref::<arrow::array::ListArray>()
        && let Some(structs) = list
            .values()
            .as_any()
            .downcast_ref::<arrow::array::StructArray>()
        && let Some(column) = structs.column_by_name(SAMPLE_ID)
        && let Ok(strings) = Strings::of(column.as_ref(), SAMPLE_ID)
        && !list.is_empty()
    {
        let offsets = list.offsets();
        for row in [0, list.len() - 1] {
            for i in offsets[row] as usize..offsets[row + 1] as usize {
                if let Some(id) = strings.get(i) {
                    ids.push(id.to_string());
                }
            }
        }
    }
    ids
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_withdrawals_recognise_their_ids_only() {
        let salt = b"0123456789abcdef".to_vec();
        let mut hashed = vec![
            filter::hashed_id(&salt, "HG00096"),
            filter::hashed_id(&salt, "HG00097"),
        ];
        hashed.sort();
        let withdrawals = Withdrawals(vec![StoredWithdrawal {
            salt: hex(&salt),
            hashed_ids: hashed,
        }]);
        let configuration = HashMap::from([(WITHDRAWALS_KEY.to_string(), withdrawals.to_json())]);
        let read = Withdrawals::of(&configuration).unwrap();
        assert!(read.contains("HG00096") && read.contains("HG00097"));
        assert!(!read.contains("HG00099"));
        assert_eq!(
            withdrawn_among(&read, ["HG00099", "HG00097", "HG00097"]),
            vec!["HG00097".to_string()]
        );
        assert_eq!(unhex(&hex(&salt)), Some(salt));
    }
}
