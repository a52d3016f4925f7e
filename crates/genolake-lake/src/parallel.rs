//! Parquet encoding on every core: one delta-rs [`DeltaWriter`] per input
//! stream, all running at once, and their files in one commit.
//!
//! delta-rs 1.1's write operation drains every partition of an
//! unpartitioned input into a single `DeltaWriter`, so a Parquet encoder
//! (the costly half of an ingest) runs on one core however many streams
//! decode the input. Here each stream gets its own writer in its own task;
//! the writers produce Parquet files (with Delta statistics and Hive
//! partition directories, as delta-rs writes them) and their `add` actions
//! go into one commit, made by the caller through delta-rs's `CommitBuilder`.
//!
//! That commit must say what delta-rs's write operation would have said:
//! `protocol` and `metadata` for a new table, `remove` actions (and new
//! `metadata` when the schema or partitioning changes) for an overwrite, new
//! `metadata` for an append whose input adds columns (the caller merged the
//! schemas, see `Ingest::write_schema`). This module does so for the tables
//! genolake makes and their like (protocol reader 1 / writer 2, no
//! constraints, invariants, generated or identity columns, column mapping)
//! and for inputs delta-rs would write unchanged. Anything else is
//! [`Route::DeltaRs`]: the caller hands it to delta-rs's own write
//! operation, which is correct for every table, on one core.

use std::collections::HashMap;
use std::num::NonZeroU64;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, SchemaRef};
use datafusion::execution::SendableRecordBatchStream;
use deltalake::datafile::writer::{DeltaWriter, WriterConfig};
use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::kernel::schema::cast::normalize_for_delta;
use deltalake::kernel::{Action, Add, Metadata, MetadataExt, Protocol, StructType, new_metadata};
use deltalake::logstore::ObjectStoreRef;
use deltalake::operations::get_num_idx_cols_and_stats_columns;
use deltalake::parquet::file::properties::WriterProperties;
use deltalake::table::config::{DEFAULT_TARGET_FILE_SIZE, TablePropertiesExt};
use deltalake::{DeltaTable, DeltaTableError};
use futures::StreamExt;
use futures::stream::BoxStream;
use genolake_core::merge::conform_batch;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::describe::{HeaderDescriptions, describe_schema};
use crate::ingest::SaveMode;
use crate::layout::Layout;
use crate::written::WrittenStore;

type DeltaResult<T> = Result<T, DeltaTableError>;

/// The message of the error a writer returns when another one failed first.
const CANCELLED: &str = "ingest cancelled because another writer failed";

/// What the ingest asks of the write.
pub(crate) struct WriteOptions<'a> {
    pub(crate) mode: SaveMode,
    pub(crate) partition_by: &'a [String],
    pub(crate) table_name: Option<&'a str>,
    pub(crate) description: Option<&'a str>,
    pub(crate) target_file_size: Option<NonZeroU64>,
    pub(crate) writer_properties: WriterProperties,
    /// The layout written, which says what the genotype columns mean (see
    /// [`crate::describe`]).
    pub(crate) layout: Layout,
    /// What the inputs' headers say their fields mean.
    pub(crate) descriptions: &'a HeaderDescriptions,
}

/// Which write path an ingest takes.
pub(crate) enum Route {
    /// One writer per input stream, on every core.
    Parallel(Box<ParallelWrite>),
    /// delta-rs's own write operation (one Parquet writer), for the reason given.
    DeltaRs(String),
}

/// A parallel write, planned: what to write and what to commit besides the
/// files.
pub(crate) struct ParallelWrite {
    /// The partition columns of the table after the commit.
    pub(crate) partition_columns: Vec<String>,
    /// `protocol` and `metadata` (a new table, or an overwrite that changes
    /// the schema or partitioning) and `remove` actions (an overwrite).
    pub(crate) actions: Vec<Action>,
    /// How many of `actions` are removes.
    pub(crate) removed_files: usize,
    /// The schema of the input (partition columns included), which every
    /// batch must have to enter a writer.
    schema: SchemaRef,
    config: WriterConfig,
}

/// What the writers wrote.
pub(crate) struct Written {
    /// One `add` action per data file, with statistics.
    pub(crate) adds: Vec<Add>,
    /// Rows written.
    pub(crate) rows: u64,
    /// How many writers ran at once.
    pub(crate) writers: usize,
    /// The store the files went through, to delete them if the commit fails.
    pub(crate) store: Arc<WrittenStore>,
}

impl ParallelWrite {
    /// Plans the write of input with `schema` into `table` (`exists`: whether
    /// it has a commit), or says why delta-rs should write it.
    pub(crate) fn route(
        table: &DeltaTable,
        exists: bool,
        schema: &SchemaRef,
        options: &WriteOptions<'_>,
    ) -> DeltaResult<Route> {
        let fallback = |why: &str| Ok(Route::DeltaRs(why.to_string()));
        if !Arc::ptr_eq(&normalize_for_delta(schema), schema) {
            return fallback("the input has types Delta stores differently (Date64, timestamps)");
        }
        if let Some(why) = unsupported(schema.fields().iter().map(AsRef::as_ref)) {
            return fallback(why);
        }
        let Ok(delta_schema) = TryIntoKernel::<StructType>::try_into_kernel(schema.as_ref()) else {
            return fallback("the input schema has no Delta equivalent");
        };
        let stored_schema = if exists {
            Some(serde_json::to_value(table.snapshot()?.schema().as_ref())?)
        } else {
            None
        };
        let delta_schema = described(
            &delta_schema,
            stored_schema.as_ref(),
            options.layout,
            options.descriptions,
        )?;
        let (target_file_size, (num_indexed_cols, stats_columns)) = if exists {
            let config = table.snapshot()?.table_config();
            (
                config.target_file_size(),
                get_num_idx_cols_and_stats_columns(Some(config), HashMap::new()),
            )
        } else {
            (
                DEFAULT_TARGET_FILE_SIZE,
                get_num_idx_cols_and_stats_columns(None, HashMap::new()),
            )
        };
        let target_file_size = options.target_file_size.unwrap_or(target_file_size);

        let mut actions = Vec::new();
        let mut removed_files = 0;
        let partition_columns = if !exists {
            // What delta-rs's CreateBuilder makes of a plain schema and no
            // table properties: protocol 1/2 and fresh metadata.
            let protocol: Protocol = serde_json::from_value(serde_json::json!({
                "minReaderVersion": 1,
                "minWriterVersion": 2,
            }))?;
            let mut metadata = new_metadata(
                &delta_schema,
                options.partition_by,
                HashMap::<String, String>::new(),
            )?;
            if let Some(name) = options.table_name {
                metadata = metadata.with_name(name.to_string())?;
            }
            if let Some(description) = options.description {
                metadata = metadata.with_description(description.to_string())?;
            }
            actions.push(Action::Protocol(protocol));
            actions.push(Action::Metadata(metadata));
            options.partition_by.to_vec()
        } else {
            let state = table.snapshot()?;
            let protocol = state.protocol();
            if protocol.min_reader_version() > 1 || protocol.min_writer_version() > 2 {
                return fallback("the table's protocol has features only delta-rs implements");
            }
            let table_schema = state.snapshot().arrow_schema();
            if let Some(why) = unsupported(table_schema.fields().iter().map(AsRef::as_ref)) {
                return fallback(why);
            }
            if !state.table_config().get_constraints().is_empty() {
                return fallback("the table has CHECK constraints");
            }
            let current = state.metadata().partition_columns().to_vec();
            let partition_columns = if options.partition_by.is_empty() {
                current.clone()
            } else if options.partition_by == current || options.mode == SaveMode::Overwrite {
                options.partition_by.to_vec()
            } else {
                // delta-rs refuses this, naming both partitionings.
                return fallback("the partition columns differ from the table's");
            };
            // Comments aside: a table made before genolake wrote them gets
            // them with its next schema change, not a metadata action on
            // every append.
            let columns = without_metadata(&serde_json::to_value(&delta_schema)?);
            let same_schema = stored_schema
                .as_ref()
                .is_some_and(|stored| columns == without_metadata(stored));
            let overwrite = options.mode == SaveMode::Overwrite;
            if overwrite && state.table_config().append_only() {
                return fallback("the table is append-only");
            }
            // An overwrite may repartition; an append keeps the partitioning
            // (checked above) but may bring columns the caller merged into
            // the table's schema (new INFO keys, say). Either way the commit
            // records the result.
            if !same_schema || partition_columns != current {
                let metadata = with_schema_and_partitioning(
                    state.metadata(),
                    &delta_schema,
                    &partition_columns,
                )?;
                actions.push(Action::Metadata(metadata));
            }
            if overwrite {
                for file in state.snapshot().try_log_data()?.iter() {
                    actions.push(Action::Remove(file.remove_action(true)));
                    removed_files += 1;
                }
            }
            partition_columns
        };

        let config = WriterConfig::new(
            schema.clone(),
            partition_columns.clone(),
            Some(options.writer_properties.clone()),
            Some(target_file_size),
            None,
            num_indexed_cols,
            stats_columns,
        );
        Ok(Route::Parallel(Box::new(ParallelWrite {
            partition_columns,
            schema: schema.clone(),
            actions,
            removed_files,
            config,
        })))
    }

    /// Writes `streams` into `store` (the table's root) with one writer per
    /// stream, all running at once; beyond `max_writers` streams, a writer
    /// takes several, read side by side. On failure every file written is deleted, best-effort, and
    /// the first error returned.
    pub(crate) async fn write(
        &self,
        streams: Vec<SendableRecordBatchStream>,
        store: ObjectStoreRef,
        max_writers: usize,
    ) -> DeltaResult<Written> {
        let store = WrittenStore::new(store);
        // No streams (a plan with no partitions): no writers, no files.
        let writers = streams.len().min(max_writers.max(1));
        let mut groups: Vec<Vec<SendableRecordBatchStream>> =
            (0..writers).map(|_| Vec::new()).collect();
        for (i, stream) in streams.into_iter().enumerate() {
            groups[i % writers].push(stream);
        }

        let (cancel, cancelled) = watch::channel(false);
        let mut tasks = JoinSet::new();
        for group in groups {
            let input: BoxStream<'static, _> = if group.len() == 1 {
                group.into_iter().next().expect("one stream").boxed()
            } else {
                futures::stream::select_all(group).boxed()
            };
            let writer = DeltaWriter::new(store.clone(), self.config.clone());
            tasks.spawn(drain(input, writer, self.schema.clone(), cancelled.clone()));
        }
        drop(cancelled);
        tracing::debug!(writers, "parallel Parquet writers started");

        let mut adds = Vec::new();
        let mut rows = 0;
        let mut failure = None;
        while let Some(joined) = tasks.join_next().await {
            let error = match joined {
                Ok(Ok((written, n))) => {
                    adds.extend(written);
                    rows += n;
                    continue;
                }
                Ok(Err(e)) => e,
                Err(e) => DeltaTableError::Generic(format!("a Parquet writer task failed: {e}")),
            };
            // The first failure is the cause; the others are its echo.
            if failure.is_none() {
                failure = Some(error);
                cancel.send_replace(true);
            }
        }
        if let Some(error) = failure {
            let deleted = store.delete_written().await;
            tracing::debug!(deleted, "deleted the files of a failed ingest");
            return Err(error);
        }
        Ok(Written {
            adds,
            rows,
            writers,
            store,
        })
    }
}

/// Writes one input through one writer until it ends (then closes the
/// writer: its `add` actions and row count), fails, or `cancelled` turns
/// true (then aborts the writer's unfinished uploads).
async fn drain(
    mut input: BoxStream<'static, datafusion::error::Result<RecordBatch>>,
    mut writer: DeltaWriter,
    schema: SchemaRef,
    mut cancelled: watch::Receiver<bool>,
) -> DeltaResult<(Vec<Add>, u64)> {
    let mut rows = 0;
    let ended = loop {
        let next = tokio::select! {
            biased;
            // A closed channel means the ingest itself was dropped: stop too.
            _ = cancelled.wait_for(|cancelled| *cancelled) => {
                break Err(DeltaTableError::Generic(CANCELLED.into()));
            }
            next = input.next() => next,
        };
        let batch = match next {
            None => break Ok(()),
            Some(Err(e)) => break Err(DeltaTableError::from(e)),
            Some(Ok(batch)) => batch,
        };
        let batch = match conform(batch, &schema) {
            Ok(batch) => batch,
            Err(e) => break Err(e),
        };
        rows += batch.num_rows() as u64;
        if let Err(e) = writer.write(&batch).await {
            break Err(e);
        }
    };
    match ended {
        Ok(()) => Ok((writer.close().await?, rows)),
        Err(e) => {
            if let Err(abort) = writer.abort().await {
                tracing::warn!("cannot abort a Parquet upload after a failed ingest: {abort}");
            }
            Err(e)
        }
    }
}

/// The batch with exactly `schema`, or an error if its columns do not fit.
/// A DataFusion plan's batches can differ from its schema in field metadata
/// or nullability flags; an input's batches lack the columns a schema merge
/// added (null in them) and may order struct fields otherwise.
fn conform(batch: RecordBatch, schema: &SchemaRef) -> DeltaResult<RecordBatch> {
    if batch.schema_ref() == schema {
        return Ok(batch);
    }
    let fields = batch.schema_ref().fields();
    let same_columns = fields.len() == schema.fields().len()
        && fields
            .iter()
            .zip(schema.fields())
            .all(|(a, b)| a.name() == b.name() && a.data_type() == b.data_type());
    if same_columns {
        Ok(RecordBatch::try_new(
            schema.clone(),
            batch.columns().to_vec(),
        )?)
    } else {
        Ok(conform_batch(&batch, schema)?)
    }
}

/// Why fields need a table feature this module does not implement: Delta
/// column metadata (`delta.invariants`, `delta.generationExpression`,
/// `delta.identity.*`, `delta.columnMapping.*`) or timestamps without a time
/// zone (`timestampNtz`). `None` if they need none.
fn unsupported<'a>(fields: impl IntoIterator<Item = &'a Field>) -> Option<&'static str> {
    fields.into_iter().find_map(|field| {
        if field.metadata().keys().any(|key| key.starts_with("delta.")) {
            return Some("a column carries Delta metadata (invariants, generated or identity columns, column mapping)");
        }
        match field.data_type() {
            DataType::Timestamp(_, None) => Some("a column is a timestamp without time zone"),
            DataType::Struct(children) => unsupported(children.iter().map(AsRef::as_ref)),
            DataType::List(child)
            | DataType::LargeList(child)
            | DataType::ListView(child)
            | DataType::LargeListView(child)
            | DataType::FixedSizeList(child, _)
            | DataType::Map(child, _) => unsupported([child.as_ref()]),
            _ => None,
        }
    })
}

/// `schema` with genolake's column comments (see [`crate::describe`]),
/// keeping those of `stored`, the table's schema.
fn described(
    schema: &StructType,
    stored: Option<&serde_json::Value>,
    layout: Layout,
    header: &HeaderDescriptions,
) -> DeltaResult<StructType> {
    let mut value = serde_json::to_value(schema)?;
    describe_schema(&mut value, stored, layout, header);
    Ok(serde_json::from_value(value)?)
}

/// A Delta schema (as JSON) without field metadata, to compare columns
/// alone.
fn without_metadata(schema: &serde_json::Value) -> serde_json::Value {
    match schema {
        serde_json::Value::Object(map) => map
            .iter()
            .filter(|(key, _)| key.as_str() != "metadata")
            .map(|(key, value)| (key.clone(), without_metadata(value)))
            .collect(),
        serde_json::Value::Array(items) => items.iter().map(without_metadata).collect(),
        other => other.clone(),
    }
}

/// The table's metadata with another schema and partitioning, everything
/// else (id, name, description, properties, creation time) kept, as
/// delta-rs's write operation makes it for a schema-overwriting overwrite.
fn with_schema_and_partitioning(
    metadata: &Metadata,
    schema: &StructType,
    partition_columns: &[String],
) -> DeltaResult<Metadata> {
    let mut value = serde_json::to_value(metadata)?;
    value["schemaString"] = serde_json::Value::String(serde_json::to_string(schema)?);
    value["partitionColumns"] = serde_json::json!(partition_columns);
    Ok(serde_json::from_value(value)?)
}
