//! The ingest operation: a DataFusion plan or record batch streams into a
//! Delta table, in one commit, with provenance and idempotency.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::dataframe::DataFrame;
use datafusion::execution::{SendableRecordBatchStream, SessionState, SessionStateBuilder};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::execute_stream_partitioned;
use deltalake::delta_datafusion::create_session;
use deltalake::delta_datafusion::planner::DeltaPlanner;
use deltalake::kernel::transaction::{
    CommitBuilder, CommitProperties, TableReference, TransactionError,
};
use deltalake::kernel::{Action, Transaction};
use deltalake::operations::write::{SchemaMode as DeltaSchemaMode, WriteMetrics};
use deltalake::parquet::file::properties::WriterProperties;
use deltalake::protocol::DeltaOperation;
use deltalake::{DeltaTable, DeltaTableBuilder, DeltaTableError};
use genolake_core::matrix::MatrixLayout;
use genolake_core::merge::{SchemaMerge, describe_changes};
use serde::{Deserialize, Serialize};
use url::Url;

use genolake_ops::pipeline::Prepared;

use crate::describe::HeaderDescriptions;
use crate::error::{Error, ErrorKind, Result};
use crate::history::{IngestRecord, read_commit};
use crate::layout::{
    DescribedInput, Layout, SampleList, StoredMatrix, configuration_changes, configure,
    described_stream, glow_stream, matrix_stream, same_columns,
};
use crate::parallel::{ParallelWrite, Route, WriteOptions};
use crate::properties::genomics_writer_properties;
use crate::properties::matrix_writer_properties;
use crate::provenance::{COMMIT_INFO_KEY, Provenance};
use crate::stream::{conform_stream, plan_of_streams};
use crate::withdraw::{Withdrawals, batch_sample_ids, withdrawn_among};

/// The app transaction id counting genolake overwrites of a table; its
/// version is the table's current generation (absent: 0).
pub const GENERATION_APP_ID: &str = "genolake-generation";

/// How many commits back a skipped re-ingest looks for the commit that
/// first wrote the same content (to name its version in the message).
const SKIP_LOOKBACK: i64 = 1000;

/// What to do when a table already exists at the location.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SaveMode {
    /// Fail, naming the table (the default: never touch a table unasked).
    #[default]
    #[serde(rename = "error")]
    ErrorIfExists,
    /// Add the rows to the table (skipping content already ingested, see
    /// [`Ingest::idempotent`]).
    Append,
    /// Replace the table's rows, schema and (if given) partitioning, in one
    /// commit; earlier versions stay readable by time travel until vacuumed.
    Overwrite,
}

impl SaveMode {
    /// The name the CLI takes: `error`, `append` or `overwrite`.
    pub fn as_str(self) -> &'static str {
        match self {
            SaveMode::ErrorIfExists => "error",
            SaveMode::Append => "append",
            SaveMode::Overwrite => "overwrite",
        }
    }

    fn to_delta(self) -> deltalake::protocol::SaveMode {
        match self {
            SaveMode::ErrorIfExists => deltalake::protocol::SaveMode::ErrorIfExists,
            SaveMode::Append => deltalake::protocol::SaveMode::Append,
            SaveMode::Overwrite => deltalake::protocol::SaveMode::Overwrite,
        }
    }
}

impl fmt::Display for SaveMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SaveMode {
    type Err = String;

    /// Parses `error` (or `errorifexists`), `append` or `overwrite`,
    /// ignoring case.
    ///
    /// ```
    /// use genolake_lake::SaveMode;
    /// assert_eq!("append".parse(), Ok(SaveMode::Append));
    /// assert_eq!("Error".parse(), Ok(SaveMode::ErrorIfExists));
    /// assert!("ignore".parse::<SaveMode>().is_err());
    /// ```
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "error" | "errorifexists" => Ok(SaveMode::ErrorIfExists),
            "append" => Ok(SaveMode::Append),
            "overwrite" => Ok(SaveMode::Overwrite),
            _ => Err(format!(
                "invalid save mode {s:?}: expected error, append or overwrite"
            )),
        }
    }
}

/// What an append does when the input's columns differ from the table's.
///
/// Whatever the mode, columns the table has and the input lacks are null in
/// the appended rows, and a column whose type differs in a way that does
/// not merge is an error naming it, both types and where each comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SchemaMode {
    /// Add the input's new columns and `genotypes` fields to the table's
    /// schema, nullable (earlier rows read them as null), in the commit that
    /// appends the rows (the default: cohorts arrive in files whose VCF
    /// headers declare different INFO and FORMAT keys). See
    /// [`genolake_core::merge`] for where new columns go and which types
    /// merge.
    #[default]
    Merge,
    /// Keep the table's schema: an input with a column or field the table
    /// lacks is refused, naming it.
    Keep,
}

impl SchemaMode {
    /// The name the CLI takes: `merge` or `keep`.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaMode::Merge => "merge",
            SchemaMode::Keep => "keep",
        }
    }
}

impl fmt::Display for SchemaMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SchemaMode {
    type Err = String;

    /// Parses `merge` or `keep`, ignoring case.
    ///
    /// ```
    /// use genolake_lake::SchemaMode;
    /// assert_eq!("merge".parse(), Ok(SchemaMode::Merge));
    /// assert_eq!("Keep".parse(), Ok(SchemaMode::Keep));
    /// assert!("overwrite".parse::<SchemaMode>().is_err());
    /// ```
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "merge" => Ok(SchemaMode::Merge),
            "keep" => Ok(SchemaMode::Keep),
            _ => Err(format!("invalid schema mode {s:?}: expected merge or keep")),
        }
    }
}

/// How an ingest ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The rows were committed as a new table version.
    Committed,
    /// Nothing was written: an append found its content's app transaction
    /// already committed in the table's current generation.
    Skipped {
        /// The version that committed the same content, if still in the log.
        committed_in: Option<i64>,
    },
}

/// What an ingest did.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestSummary {
    /// The table's URL.
    pub table: Url,
    /// Committed, or skipped as a re-ingest.
    pub outcome: Outcome,
    /// The table version the ingest committed (when skipped: the current one).
    pub version: i64,
    /// Rows written.
    pub rows: u64,
    /// Data files written.
    pub files: u64,
    /// Bytes in the data files written.
    pub bytes: u64,
    /// Data files removed (an overwrite removes the previous ones).
    pub removed_files: u64,
    /// The app transaction id of the content, when the ingest was idempotent.
    pub app_id: Option<String>,
    /// The table generation the rows belong to (see [`IngestRecord::generation`]).
    pub generation: i64,
    /// Wall time of the whole ingest.
    pub elapsed: Duration,
}

impl IngestSummary {
    /// Whether the ingest was skipped as a re-ingest of content already in the table.
    pub fn is_skipped(&self) -> bool {
        matches!(self.outcome, Outcome::Skipped { .. })
    }
}

impl fmt::Display for IngestSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Committed => {
                write!(
                    f,
                    "wrote {} rows in {} file{} ({:.1} MB) to {} as version {} in {:.1} s",
                    self.rows,
                    self.files,
                    if self.files == 1 { "" } else { "s" },
                    self.bytes as f64 / 1e6,
                    self.table,
                    self.version,
                    self.elapsed.as_secs_f64()
                )?;
                if self.removed_files > 0 {
                    write!(f, ", replacing {} file(s)", self.removed_files)?;
                }
                Ok(())
            }
            Outcome::Skipped { committed_in } => {
                write!(
                    f,
                    "skipped: these inputs were already ingested into {}",
                    self.table
                )?;
                if let Some(version) = committed_in {
                    write!(f, " at version {version}")?;
                }
                write!(
                    f,
                    " (app transaction {}); nothing was written. Use --mode overwrite to \
                     replace the table's rows, or pass --allow-duplicates to append a second copy",
                    self.app_id.as_deref().unwrap_or("?")
                )
            }
        }
    }
}

/// Writes a DataFusion plan (or record batch streams) into a Delta table, in
/// one commit. Configure with chained methods, then run once with
/// [`execute`](Ingest::execute), [`execute_stream`](Ingest::execute_stream)
/// or [`execute_streams`](Ingest::execute_streams).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use arrow::array::{Int64Array, RecordBatch, StringArray};
/// use arrow::datatypes::{DataType, Field, Schema};
/// use datafusion::prelude::SessionContext;
/// use genolake_lake::{Ingest, SaveMode};
///
/// let schema = Arc::new(Schema::new(vec![
///     Field::new("contigName", DataType::Utf8, true),
///     Field::new("start", DataType::Int64, true),
/// ]));
/// let batch = RecordBatch::try_new(schema, vec![
///     Arc::new(StringArray::from(vec!["1", "2"])),
///     Arc::new(Int64Array::from(vec![100, 200])),
/// ])?;
/// let df = SessionContext::new().read_batch(batch)?;
/// let dir = tempfile::tempdir()?;
/// let summary = Ingest::new(dir.path().join("variants").to_str().unwrap())
///     .mode(SaveMode::Append)
///     .partition_by(["contigName"])
///     .execute(df)
///     .await?;
/// assert_eq!((summary.version, summary.rows, summary.files), (0, 2, 2));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Ingest {
    pub(crate) location: String,
    mode: SaveMode,
    pub(crate) partition_by: Vec<String>,
    provenance: Option<Provenance>,
    writer_properties: Option<WriterProperties>,
    idempotent: bool,
    schema_mode: SchemaMode,
    sources: Vec<(String, SchemaRef)>,
    target_file_size: Option<NonZeroU64>,
    table_name: Option<String>,
    pub(crate) description: Option<String>,
    descriptions: HeaderDescriptions,
    storage_options: HashMap<String, String>,
    pub(crate) layout: Option<Layout>,
    pub(crate) transform: Option<Prepared>,
}

impl Ingest {
    /// An ingest into the table at `location`: a local path (created if
    /// missing) or a URL (`file://`, or an object store delta-rs knows).
    pub fn new(location: impl Into<String>) -> Self {
        Self {
            location: location.into(),
            mode: SaveMode::default(),
            partition_by: Vec::new(),
            provenance: None,
            writer_properties: None,
            idempotent: true,
            schema_mode: SchemaMode::default(),
            sources: Vec::new(),
            target_file_size: None,
            table_name: None,
            description: None,
            descriptions: HeaderDescriptions::default(),
            storage_options: HashMap::new(),
            layout: None,
            transform: None,
        }
    }

    /// Runs these variant transforms (split, normalize, lift over: see
    /// [`genolake_ops::pipeline`]) on the rows of
    /// [`execute_files`](Ingest::execute_files) before they are written;
    /// the commit records them with the reader options, so a re-ingest with
    /// other transforms is not taken for a duplicate. Genotypes are
    /// transformed in Glow's layout, and stored in the table's.
    pub fn transform(mut self, prepared: Prepared) -> Self {
        self.transform = Some(prepared);
        self
    }

    /// What to do if a table exists (default: [`SaveMode::ErrorIfExists`]).
    pub fn mode(mut self, mode: SaveMode) -> Self {
        self.mode = mode;
        self
    }

    /// Partition a new table by these columns (`contigName`, typically).
    /// For an existing table they must match its partitioning, except with
    /// [`SaveMode::Overwrite`], which repartitions. Empty (the default)
    /// keeps an existing table's partitioning.
    pub fn partition_by(mut self, columns: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.partition_by = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Inputs, tool version and options to record in the commit; the input
    /// checksums and options also make the idempotency key.
    pub fn provenance(mut self, provenance: Provenance) -> Self {
        self.provenance = Some(provenance);
        self
    }

    /// Parquet writer properties, replacing
    /// [`genomics_writer_properties`] of the input schema.
    pub fn writer_properties(mut self, properties: WriterProperties) -> Self {
        self.writer_properties = Some(properties);
        self
    }

    /// Whether to record and honour an app transaction for the content
    /// (default true). When the provenance names input files, the commit
    /// carries a Delta app transaction (`txn`) whose id hashes the input
    /// checksums and options ([`Provenance::app_id`]); an append whose id is
    /// already committed in the table's current generation is skipped
    /// ([`Outcome::Skipped`]) instead of duplicating rows. Two concurrent
    /// ingests of the same content conflict at commit, and one fails.
    /// Overwrites always write, and start a new generation, so content
    /// ingested before an overwrite can be appended again.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// What an append does with columns the table lacks (default:
    /// [`SchemaMode::Merge`], add them).
    pub fn schema_mode(mut self, mode: SchemaMode) -> Self {
        self.schema_mode = mode;
        self
    }

    /// The schemas of the files the input was read from, by name (their
    /// paths): a column whose type conflicts with the table's is then
    /// reported with the file it comes from rather than as "the input".
    pub fn source_schemas(
        mut self,
        sources: impl IntoIterator<Item = (impl Into<String>, SchemaRef)>,
    ) -> Self {
        self.sources = sources
            .into_iter()
            .map(|(name, schema)| (name.into(), schema))
            .collect();
        self
    }

    /// Roll data files at about this many bytes (default: the table's
    /// `delta.targetFileSize`, or delta-rs's 100 MB).
    pub fn target_file_size(mut self, bytes: u64) -> Self {
        self.target_file_size = NonZeroU64::new(bytes);
        self
    }

    /// The table name recorded in a new table's metadata.
    pub fn table_name(mut self, name: impl Into<String>) -> Self {
        self.table_name = Some(name.into());
        self
    }

    /// The description recorded in a new table's metadata (default for
    /// files ingested with [`Ingest::execute_files`]: what they are and in
    /// which layout, see [`crate::describe::table_description`]).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// What the inputs' headers say their fields mean, for the comments of
    /// the columns this ingest adds to the table (see [`crate::describe`];
    /// default for VCF files ingested with [`Ingest::execute_files`]: their
    /// INFO and FORMAT descriptions).
    pub fn header_descriptions(mut self, descriptions: HeaderDescriptions) -> Self {
        self.descriptions = descriptions;
        self
    }

    /// The layout to store genotypes in (default: an existing table's, and
    /// Glow's for a new table). [`Layout::Matrix`] stores the sample ids once,
    /// in the table's configuration, and the genotypes as per-variant arrays
    /// (see [`genolake_core::matrix`]); every row must then hold the same
    /// samples, and an append must bring the table's samples in the table's
    /// order. An append cannot change the layout; an overwrite can.
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = Some(layout);
        self
    }

    /// Options for the object store (credentials, region, ...), as delta-rs
    /// takes them.
    pub fn storage_options(mut self, options: HashMap<String, String>) -> Self {
        self.storage_options = options;
        self
    }

    /// Runs the ingest on a DataFrame's plan, in the DataFrame's own session
    /// (its tables, functions and object stores) with delta-rs's query
    /// planner added. Each partition of the physical plan is streamed into
    /// Parquet files by its own writer, all at once (see
    /// [`execute_streams`](Ingest::execute_streams)): the input is never
    /// collected in memory.
    pub async fn execute(self, input: DataFrame) -> Result<IngestSummary> {
        let schema = input.schema().inner().clone();
        let (state, plan) = input.into_parts();
        let state = SessionStateBuilder::new_from_existing(state)
            .with_query_planner(DeltaPlanner::new())
            .build();
        let state = Box::new(state);
        self.run(schema, Input::Plan { plan, state }).await
    }

    /// Runs the ingest on one record batch stream (see
    /// [`blocking_stream`](crate::blocking_stream) for a file reader).
    pub async fn execute_stream(self, input: SendableRecordBatchStream) -> Result<IngestSummary> {
        self.execute_streams(vec![input]).await
    }

    /// Runs the ingest on several streams (splits of a file, or several
    /// files), in one commit.
    ///
    /// Streams of different schemas (files whose VCF headers differ) are
    /// written with the union of their columns (see
    /// [`genolake_core::merge`]): a column a stream lacks is null in its
    /// rows. Each stream is encoded by its own Parquet writer in its own
    /// task, so encoding runs on every core (streams beyond the number of
    /// cores share writers), and every writer produces its own data files.
    /// The tables delta-rs's write operation must handle itself (column
    /// mapping, constraints and other table features, see the crate
    /// documentation) are written by it instead, with one Parquet writer.
    pub async fn execute_streams(
        self,
        inputs: Vec<SendableRecordBatchStream>,
    ) -> Result<IngestSummary> {
        if inputs.is_empty() {
            return Err(Error::new(
                self.location,
                ErrorKind::Options("no input streams to ingest".into()),
            ));
        }
        let mut merge = SchemaMerge::new();
        for (i, input) in inputs.iter().enumerate() {
            if let Err(e) = merge.add(&format!("input stream {}", i + 1), &input.schema()) {
                return Err(Error::new(self.location, ErrorKind::Schema(e)));
            }
        }
        let schema = merge.schema();
        let inputs = inputs
            .into_iter()
            .map(|input| conform_stream(input, &schema))
            .collect();
        self.run(schema, Input::Streams(inputs)).await
    }

    async fn run(self, schema: SchemaRef, input: Input) -> Result<IngestSummary> {
        let started = Instant::now();
        let target = Target::resolve(&self.location, true)?;
        let (table, exists) = match target.open_or_new(&self.storage_options).await {
            Ok(opened) => opened,
            Err(e) => {
                target.discard_new_table();
                return Err(e);
            }
        };
        let result = self
            .write(&target, table, exists, schema, input, started)
            .await;
        if result.is_err() && !exists {
            target.discard_new_table();
        }
        result
    }

    async fn write(
        self,
        target: &Target,
        table: DeltaTable,
        exists: bool,
        schema: SchemaRef,
        input: Input,
        started: Instant,
    ) -> Result<IngestSummary> {
        let location = target.location.as_str();
        let error = |kind| Error::new(location, kind);
        // Input a reader decoded into the matrix layout is planned by its
        // Glow schema.
        let described = MatrixLayout::of_described(&schema)
            .map_err(|e| error(ErrorKind::Options(format!("the input's schema: {e}"))))?
            .map(|(layout, samples)| Arc::new(DescribedInput { layout, samples }));
        let schema = match &described {
            Some(input) => input.layout.glow_schema(),
            None => schema,
        };

        for column in &self.partition_by {
            if schema.field_with_name(column).is_err() {
                let columns: Vec<_> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                return Err(error(ErrorKind::Options(format!(
                    "cannot partition by {column:?}: the input has no such column \
                     (its columns: {})",
                    columns.join(", ")
                ))));
            }
        }
        if exists && self.mode == SaveMode::ErrorIfExists {
            return Err(error(ErrorKind::TableExists));
        }

        let stored_matrix = if exists {
            StoredMatrix::of(&table).map_err(|e| error(ErrorKind::Options(e)))?
        } else {
            None
        };
        // Samples withdrawn from the table (genolake withdraw) must not come
        // back with a re-ingest of an original file: such input is refused.
        let withdrawals = if exists {
            let snapshot = table.snapshot().map_err(|e| error(ErrorKind::Delta(e)))?;
            Withdrawals::of(snapshot.metadata().configuration())
                .map_err(|e| error(ErrorKind::Options(e)))?
        } else {
            Withdrawals::default()
        };
        if let Some(ids) = described.as_ref().and_then(|input| input.samples.ids()) {
            let found = withdrawn_among(&withdrawals, ids.iter().map(String::as_str));
            if !found.is_empty() {
                return Err(error(ErrorKind::Options(withdrawn_message(&found))));
            }
        }
        let withdrawals = (!withdrawals.is_empty()).then(|| Arc::new(withdrawals));
        let stored_layout = if stored_matrix.is_some() {
            Layout::Matrix
        } else {
            Layout::Glow
        };
        let layout = match (exists, self.mode, self.layout) {
            (true, SaveMode::Append, Some(asked)) if asked != stored_layout => {
                return Err(error(ErrorKind::Options(format!(
                    "the table stores genotypes in the {stored_layout} layout, so an append \
                     cannot write the {asked} layout (leave out the layout, or overwrite)"
                ))));
            }
            (_, _, Some(asked)) => asked,
            (true, _, None) => stored_layout,
            (false, _, None) => Layout::Glow,
        };

        let generation = if exists {
            txn_version(&table, GENERATION_APP_ID, location)
                .await?
                .unwrap_or(0)
        } else {
            0
        };
        let provenance = self
            .provenance
            .clone()
            .unwrap_or_else(|| Provenance::new(serde_json::json!({})));
        let app_id =
            (self.idempotent && !provenance.inputs.is_empty()).then(|| provenance.app_id());

        if let (true, SaveMode::Append, Some(app_id)) = (exists, self.mode, &app_id)
            && txn_version(&table, app_id, location).await? == Some(generation)
        {
            let version = crate::history::table_version(&table);
            let committed_in = find_commit_with_txn(&table, location, app_id, version).await;
            tracing::info!(table = %target.url, app_id, "skipping re-ingest of committed content");
            return Ok(IngestSummary {
                table: target.url.clone(),
                outcome: Outcome::Skipped { committed_in },
                version,
                rows: 0,
                files: 0,
                bytes: 0,
                removed_files: 0,
                app_id: Some(app_id.clone()),
                generation,
                elapsed: started.elapsed(),
            });
        }

        let commit_generation = if exists && self.mode == SaveMode::Overwrite {
            generation + 1
        } else {
            generation
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let mut transactions = Vec::new();
        if self.mode == SaveMode::Overwrite {
            transactions.push(Transaction::new_with_last_update(
                GENERATION_APP_ID,
                commit_generation,
                Some(now),
            ));
        }
        if let Some(app_id) = &app_id {
            transactions.push(Transaction::new_with_last_update(
                app_id,
                commit_generation,
                Some(now),
            ));
        }
        let record = IngestRecord {
            provenance,
            mode: self.mode,
            partition_by: self.partition_by.clone(),
            app_id: app_id.clone(),
            generation: commit_generation,
        };
        let record = serde_json::to_value(&record).map_err(|e| {
            error(ErrorKind::Options(format!(
                "cannot serialise the provenance: {e}"
            )))
        })?;
        let commit = CommitProperties::default()
            .with_metadata([(COMMIT_INFO_KEY.to_string(), record.clone())])
            .with_application_transactions(transactions.clone());

        // delta-rs's write operation, where it is used, merges schemas its
        // own way from the input's.
        let input_schema = Arc::clone(&schema);
        let stored_glow = stored_matrix.as_ref().map(|m| m.layout.glow_schema());
        let schema = self.write_schema(&table, exists, schema, stored_glow, location)?;
        let matrix = match layout {
            Layout::Glow => None,
            Layout::Matrix => {
                let matrix = MatrixLayout::from_glow(&schema)
                    .map_err(|e| error(ErrorKind::Options(format!("--layout matrix: {e}"))))?;
                if let (Some(stored), SaveMode::Append) = (&stored_matrix, self.mode) {
                    check_stored_columns(&stored.layout.matrix_schema(), &matrix.matrix_schema())
                        .map_err(|e| error(ErrorKind::Options(e)))?;
                }
                Some(Arc::new(matrix))
            }
        };
        let glow_schema = Arc::clone(&schema);
        let schema = matrix.as_ref().map_or(schema, |m| m.matrix_schema());
        let properties = self
            .writer_properties
            .clone()
            .unwrap_or_else(|| match &matrix {
                Some(matrix) => matrix_writer_properties(matrix),
                None => genomics_writer_properties(&schema),
            });
        let options = WriteOptions {
            mode: self.mode,
            partition_by: &self.partition_by,
            table_name: self.table_name.as_deref(),
            description: self.description.as_deref(),
            target_file_size: self.target_file_size,
            writer_properties: properties.clone(),
            layout,
            descriptions: &self.descriptions,
        };
        let route = ParallelWrite::route(&table, exists, &schema, &options)
            .map_err(|e| error(ErrorKind::Delta(e)))?;
        let log_store = table.log_store();
        let version = match route {
            Route::Parallel(parallel) => {
                let metadata = [(COMMIT_INFO_KEY.to_string(), record)];
                let matrix = matrix.map(|layout| MatrixWrite {
                    layout,
                    glow: glow_schema,
                    samples: SampleList::new(
                        location,
                        if self.mode == SaveMode::Append {
                            stored_matrix.and_then(|m| m.samples)
                        } else {
                            None
                        },
                    ),
                });
                self.write_parallel(
                    &table,
                    exists,
                    *parallel,
                    input,
                    (metadata, transactions),
                    Layouts {
                        input: described,
                        output: matrix,
                        withdrawals,
                    },
                )
                .await?
            }
            Route::DeltaRs(why) if described.is_some() => {
                return Err(error(ErrorKind::Options(format!(
                    "the input is in the matrix layout, which genolake's own writers take \
                     only, and this table needs delta-rs's: {why}"
                ))));
            }
            Route::DeltaRs(why) if matrix.is_some() => {
                return Err(error(ErrorKind::Options(format!(
                    "the matrix layout is written by genolake's own writers only, and this \
                     table needs delta-rs's: {why}"
                ))));
            }
            Route::DeltaRs(why) if withdrawals.is_some() => {
                return Err(error(ErrorKind::Options(format!(
                    "samples were withdrawn from this table, and this input needs delta-rs's \
                     writer, where genolake cannot check that none of them comes back: {why}"
                ))));
            }
            Route::DeltaRs(why) => {
                tracing::info!(table = %target.url, "writing with delta-rs's single writer: {why}");
                self.write_with_delta_rs(location, table, input_schema, input, properties, commit)
                    .await?
            }
        };

        let commit = read_commit(log_store.as_ref(), location, version)
            .await?
            .ok_or_else(|| {
                error(ErrorKind::Options(format!(
                    "commit {version} is missing from the log right after it was made"
                )))
            })?;
        let summary = IngestSummary {
            table: target.url.clone(),
            outcome: Outcome::Committed,
            version,
            rows: commit.added_rows,
            files: commit.added_files,
            bytes: commit.added_bytes,
            removed_files: commit.removed_files,
            app_id,
            generation: commit_generation,
            elapsed: started.elapsed(),
        };
        tracing::info!("{summary}");
        Ok(summary)
    }
}

impl Ingest {
    /// The schema the input is written with. An append onto an existing
    /// table writes the table's schema merged with the input's (see
    /// [`genolake_core::merge`]; the table's columns never change type) and,
    /// under [`SchemaMode::Keep`], only if that adds nothing. A new table,
    /// or an overwrite, takes the input's.
    fn write_schema(
        &self,
        table: &DeltaTable,
        exists: bool,
        input: SchemaRef,
        stored_glow: Option<SchemaRef>,
        location: &str,
    ) -> Result<SchemaRef> {
        let error = |kind| Error::new(location, kind);
        if !exists || self.mode != SaveMode::Append {
            return Ok(input);
        }
        let stored = match stored_glow {
            Some(stored) => stored,
            None => table
                .snapshot()
                .map_err(|e| error(ErrorKind::Delta(e)))?
                .snapshot()
                .arrow_schema(),
        };
        let mut merge = SchemaMerge::new();
        merge
            .add_stored("the table", &stored)
            .map_err(|e| error(ErrorKind::Schema(e)))?;
        for (name, schema) in &self.sources {
            merge
                .add(name, schema)
                .map_err(|e| error(ErrorKind::Schema(e)))?;
        }
        merge
            .add("the input", &input)
            .map_err(|e| error(ErrorKind::Schema(e)))?;
        let merged = merge.schema();
        let changes = describe_changes(&stored, &merged);
        if !changes.is_empty() {
            if self.schema_mode == SchemaMode::Keep {
                return Err(error(ErrorKind::SchemaChange(changes)));
            }
            tracing::info!(changes = ?changes, "merging the input's columns into the table's schema");
        }
        Ok(merged)
    }
}

impl Ingest {
    /// Writes every input stream with its own Parquet writer, all at once,
    /// then commits the files with `actions` (see [`ParallelWrite`]);
    /// returns the version committed. On failure no commit is made and the
    /// files written are deleted.
    async fn write_parallel(
        &self,
        table: &DeltaTable,
        exists: bool,
        parallel: ParallelWrite,
        input: Input,
        (metadata, transactions): ([(String, serde_json::Value); 1], Vec<Transaction>),
        layouts: Layouts,
    ) -> Result<i64> {
        let started = Instant::now();
        let error = |kind| Error::new(&self.location, kind);
        let mut streams = input
            .into_streams()
            .await
            .map_err(|e| error(ErrorKind::DataFusion(e)))?;
        streams = streams
            .into_iter()
            .map(|stream| layouts.convert(stream))
            .collect();
        let log_store = table.log_store();
        let max_writers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let written = parallel
            .write(streams, log_store.object_store(None), max_writers)
            .await
            .map_err(|e| error(ErrorKind::Write(e)))?;
        tracing::debug!(
            writers = written.writers,
            files = written.adds.len(),
            rows = written.rows,
            "Parquet files written"
        );

        // The commit delta-rs's write operation would make for these files.
        let metrics = WriteMetrics {
            num_added_files: written.adds.len(),
            num_removed_files: parallel.removed_files,
            num_partitions: 0,
            num_added_rows: written.rows as usize,
            execution_time_ms: started.elapsed().as_millis() as u64,
            num_retries: 0,
        };
        let metrics = serde_json::to_value(&metrics).map_err(|e| {
            error(ErrorKind::Options(format!(
                "cannot serialise the write metrics: {e}"
            )))
        })?;
        let [(key, record)] = metadata;
        let commit = CommitProperties::default()
            .with_metadata([(key, record), ("operationMetrics".to_string(), metrics)])
            .with_application_transactions(transactions);
        let operation = DeltaOperation::Write {
            mode: self.mode.to_delta(),
            partition_by: (!parallel.partition_columns.is_empty())
                .then(|| parallel.partition_columns.clone()),
            predicate: None,
        };
        let mut actions = parallel.actions;
        let snapshot = if exists {
            Some(table.snapshot().map_err(|e| error(ErrorKind::Delta(e)))?)
        } else {
            None
        };
        let samples = layouts.output.as_ref().and_then(|m| m.samples.samples());
        let changes = configuration_changes(
            layouts.output.as_ref().map(|m| m.layout.as_ref()),
            samples.as_ref(),
        );
        if let Err(e) = configure(&mut actions, snapshot.map(|s| s.metadata()), &changes) {
            written.store.delete_written().await;
            return Err(error(ErrorKind::Write(e)));
        }
        actions.extend(written.adds.into_iter().map(Action::Add));
        let committed = CommitBuilder::from(commit)
            .with_actions(actions)
            .build(
                snapshot.map(|s| s as &dyn TableReference),
                log_store,
                operation,
            )
            .await;
        match committed {
            Ok(committed) => Ok(i64::try_from(committed.version()).unwrap_or(i64::MAX)),
            Err(e) => {
                if commit_surely_failed(&e) {
                    written.store.delete_written().await;
                } else {
                    tracing::warn!(
                        "the commit failed in a way that leaves its outcome unknown; \
                         its data files are kept (VACUUM removes them if unreferenced): {e}"
                    );
                }
                Err(error(ErrorKind::Write(e)))
            }
        }
    }

    /// Writes the input through delta-rs's own write operation (one Parquet
    /// writer); returns the version committed.
    async fn write_with_delta_rs(
        &self,
        location: &str,
        table: DeltaTable,
        schema: SchemaRef,
        input: Input,
        properties: WriterProperties,
        commit: CommitProperties,
    ) -> Result<i64> {
        let error = |kind| Error::new(location, kind);
        let (plan, state) = input
            .into_plan(schema)
            .map_err(|e| error(ErrorKind::DataFusion(e)))?;
        let mut builder = table
            .write(Vec::<RecordBatch>::new())
            .with_input_plan(plan)
            .with_session_state(Arc::new(state))
            .with_save_mode(self.mode.to_delta())
            .with_writer_properties(properties)
            .with_commit_properties(commit);
        if !self.partition_by.is_empty() {
            builder = builder.with_partition_columns(self.partition_by.clone());
        }
        match (self.mode, self.schema_mode) {
            (SaveMode::Overwrite, _) => {
                builder = builder.with_schema_mode(DeltaSchemaMode::Overwrite)
            }
            (SaveMode::Append, SchemaMode::Merge) => {
                builder = builder.with_schema_mode(DeltaSchemaMode::Merge)
            }
            _ => {}
        }
        if let Some(size) = self.target_file_size {
            builder = builder.with_target_file_size(Some(size));
        }
        if let Some(name) = &self.table_name {
            builder = builder.with_table_name(name);
        }
        if let Some(description) = &self.description {
            builder = builder.with_description(description);
        }
        let table = builder.await.map_err(|e| error(ErrorKind::Write(e)))?;
        Ok(crate::history::table_version(&table))
    }
}

/// What a matrix write needs beside the plain write: the layout, the Glow
/// schema the input is conformed to first, and the sample list.
struct MatrixWrite {
    layout: Arc<MatrixLayout>,
    glow: SchemaRef,
    samples: SampleList,
}

/// The layout an input stream arrives in (Glow's unless a reader decoded
/// it into the matrix layout) and the one written (Glow's unless a matrix
/// write).
struct Layouts {
    input: Option<Arc<DescribedInput>>,
    output: Option<MatrixWrite>,
    /// The table's withdrawals, when it has some: input batches are
    /// checked against them before anything else.
    withdrawals: Option<Arc<Withdrawals>>,
}

impl Layouts {
    /// `stream` in the layout written.
    fn convert(&self, stream: SendableRecordBatchStream) -> SendableRecordBatchStream {
        let stream = match &self.withdrawals {
            Some(withdrawals) => refuse_withdrawn(stream, Arc::clone(withdrawals)),
            None => stream,
        };
        match (&self.input, &self.output) {
            // Already in the layout written: the batches pass through.
            (Some(input), Some(matrix))
                if same_columns(
                    &input.layout.matrix_schema(),
                    &matrix.layout.matrix_schema(),
                ) =>
            {
                described_stream(
                    stream,
                    Arc::clone(&matrix.layout),
                    input.samples.clone(),
                    matrix.samples.clone(),
                )
            }
            (Some(input), output) => {
                let glow = glow_stream(stream, Arc::clone(input));
                match output {
                    Some(matrix) => matrix.stream(glow),
                    None => glow,
                }
            }
            (None, Some(matrix)) => matrix.stream(stream),
            (None, None) => stream,
        }
    }
}

impl MatrixWrite {
    /// `stream`, in Glow's layout, converted to the matrix layout.
    fn stream(&self, stream: SendableRecordBatchStream) -> SendableRecordBatchStream {
        matrix_stream(
            stream,
            Arc::clone(&self.glow),
            Arc::clone(&self.layout),
            self.samples.clone(),
        )
    }
}

/// `stream`, failing at the first batch that holds a withdrawn sample (see
/// [`crate::withdraw::batch_sample_ids`] for which ids a batch is checked by).
fn refuse_withdrawn(
    stream: SendableRecordBatchStream,
    withdrawals: Arc<Withdrawals>,
) -> SendableRecordBatchStream {
    use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
    use futures::StreamExt;
    let schema = stream.schema();
    let checked = stream.map(move |batch| {
        let batch = batch?;
        let ids = batch_sample_ids(&batch);
        let found = withdrawn_among(&withdrawals, ids.iter().map(String::as_str));
        if found.is_empty() {
            Ok(batch)
        } else {
            Err(datafusion::error::DataFusionError::Execution(
                withdrawn_message(&found),
            ))
        }
    });
    Box::pin(RecordBatchStreamAdapter::new(schema, checked))
}

/// Why an input with withdrawn samples is refused, and the way out.
fn withdrawn_message(found: &[String]) -> String {
    format!(
        "the input holds {} sample(s) withdrawn from this table with genolake withdraw ({}); \
         genolake does not bring withdrawn samples back: remove them from the input first \
         (bcftools view -s ^{} ...)",
        found.len(),
        found.join(", "),
        found.join(",")
    )
}

/// Checks that every column of a matrix table is written with its type
/// (an append's merged layout only adds columns).
fn check_stored_columns(
    stored: &SchemaRef,
    written: &SchemaRef,
) -> std::result::Result<(), String> {
    for field in stored.fields() {
        match written.field_with_name(field.name()) {
            Ok(new) if delta_type(new.data_type()) == delta_type(field.data_type()) => {}
            Ok(new) => {
                return Err(format!(
                    "the matrix table's column {} is {}, and this append would write it as {}",
                    field.name(),
                    field.data_type(),
                    new.data_type()
                ));
            }
            Err(_) => {
                return Err(format!(
                    "the matrix table's column {} has no place in the input's layout",
                    field.name()
                ));
            }
        }
    }
    Ok(())
}

/// `data_type` as Delta stores it: list items and struct fields are
/// nullable and items unnamed, so two Arrow spellings of one Delta type
/// compare equal.
fn delta_type(data_type: &arrow::datatypes::DataType) -> arrow::datatypes::DataType {
    use arrow::datatypes::{DataType, Field};
    match data_type {
        DataType::List(item) | DataType::LargeList(item) => DataType::List(Arc::new(Field::new(
            "element",
            delta_type(item.data_type()),
            true,
        ))),
        DataType::Struct(fields) => DataType::Struct(
            fields
                .iter()
                .map(|f| Field::new(f.name(), delta_type(f.data_type()), true))
                .collect(),
        ),
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::BinaryView | DataType::LargeBinary => DataType::Binary,
        other => other.clone(),
    }
}

/// What an ingest reads: a DataFusion plan, or record batch streams.
enum Input {
    Plan {
        plan: LogicalPlan,
        // Boxed: a session state is two kilobytes, a stream list 24 bytes.
        state: Box<SessionState>,
    },
    Streams(Vec<SendableRecordBatchStream>),
}

impl Input {
    /// One stream per partition of the plan (nothing runs until polled).
    async fn into_streams(self) -> datafusion::error::Result<Vec<SendableRecordBatchStream>> {
        match self {
            Input::Streams(streams) => Ok(streams),
            Input::Plan { plan, state } => {
                let plan = state.create_physical_plan(&plan).await?;
                execute_stream_partitioned(plan, state.task_ctx())
            }
        }
    }

    /// A logical plan of the input, and the session to run it in.
    fn into_plan(
        self,
        schema: SchemaRef,
    ) -> datafusion::error::Result<(LogicalPlan, SessionState)> {
        match self {
            Input::Plan { plan, state } => Ok((plan, *state)),
            Input::Streams(streams) => {
                Ok((plan_of_streams(schema, streams)?, create_session().state()))
            }
        }
    }
}

/// Whether a commit error means no commit was made (so the files written
/// for it are garbage), rather than an outcome unknown (a store error while
/// the commit file was being written).
fn commit_surely_failed(error: &DeltaTableError) -> bool {
    match error {
        DeltaTableError::VersionAlreadyExists(_) => true,
        DeltaTableError::Transaction { source } => matches!(
            source,
            TransactionError::VersionAlreadyExists(_)
                | TransactionError::CommitConflict(_)
                | TransactionError::MaxCommitAttempts(_)
                | TransactionError::DeltaTableAppendOnly
                | TransactionError::UnsupportedTableFeatures(_)
                | TransactionError::TableFeaturesRequired(_)
                | TransactionError::SerializeLogJson { .. }
        ),
        _ => false,
    }
}

pub(crate) async fn txn_version_of(
    table: &DeltaTable,
    app_id: &str,
    location: &str,
) -> Result<Option<i64>> {
    txn_version(table, app_id, location).await
}

async fn txn_version(table: &DeltaTable, app_id: &str, location: &str) -> Result<Option<i64>> {
    let state = table
        .snapshot()
        .map_err(|e| Error::new(location, ErrorKind::Delta(e)))?;
    state
        .transaction_version(table.log_store().as_ref(), app_id)
        .await
        .map_err(|e| Error::new(location, ErrorKind::Delta(e)))
}

/// The newest version (within [`SKIP_LOOKBACK`] commits) whose commit holds
/// the app transaction `app_id`.
async fn find_commit_with_txn(
    table: &DeltaTable,
    location: &str,
    app_id: &str,
    latest: i64,
) -> Option<i64> {
    let log_store = table.log_store();
    for version in (0.max(latest - SKIP_LOOKBACK)..=latest).rev() {
        match read_commit(log_store.as_ref(), location, version).await {
            Ok(Some(commit)) if commit.app_transactions.contains_key(app_id) => {
                return Some(version);
            }
            Ok(Some(_)) => {}
            _ => return None,
        }
    }
    None
}

/// A table location resolved to a URL, remembering what was there before so
/// a failed first ingest can leave the place as it found it.
pub(crate) struct Target {
    /// The location as the user gave it, for messages.
    pub(crate) location: String,
    pub(crate) url: Url,
    /// The directory, for a local table.
    pub(crate) local: Option<PathBuf>,
    /// Whether the local directory existed before the ingest.
    existed: bool,
    /// Whether it existed and was empty.
    was_empty: bool,
}

impl Target {
    /// Resolves `location`; a missing local directory is created when
    /// `create` is set, and an error otherwise.
    pub(crate) fn resolve(location: &str, create: bool) -> Result<Self> {
        let error = |message: String| Error::new(location, ErrorKind::Location(message));
        let local = local_path(location);
        let (existed, was_empty) = match &local {
            Some(path) => match std::fs::read_dir(path) {
                Ok(mut entries) => (true, entries.next().is_none()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if !create {
                        return Err(error("there is no Delta table here".into()));
                    }
                    (false, false)
                }
                Err(e) if path.is_file() => {
                    return Err(error(format!("not a directory ({e})")));
                }
                Err(e) => return Err(error(format!("cannot read the directory: {e}"))),
            },
            None => (true, false),
        };
        let url = deltalake::ensure_table_uri(location).map_err(|e| error(e.to_string()))?;
        Ok(Self {
            location: location.to_string(),
            url,
            local,
            existed,
            was_empty,
        })
    }

    /// Opens the table if there is one: `(table, true)`; otherwise a handle
    /// to create it with: `(table, false)`.
    pub(crate) async fn open_or_new(
        &self,
        storage_options: &HashMap<String, String>,
    ) -> Result<(DeltaTable, bool)> {
        let delta_error = |e| Error::new(&self.location, ErrorKind::Delta(e));
        let mut table = DeltaTableBuilder::from_url(self.url.clone())
            .map_err(delta_error)?
            .with_storage_options(storage_options.clone())
            .build()
            .map_err(delta_error)?;
        match table.load().await {
            Ok(()) => Ok((table, true)),
            Err(DeltaTableError::NotATable(_)) => Ok((table, false)),
            Err(e) => Err(delta_error(e)),
        }
    }

    /// Opens the table, `None` if there is none.
    pub(crate) async fn open(
        &self,
        storage_options: &HashMap<String, String>,
    ) -> Result<Option<DeltaTable>> {
        let (table, exists) = self.open_or_new(storage_options).await?;
        Ok(exists.then_some(table))
    }

    /// Opens the table, with an error naming the location if there is none:
    /// what every operation on an existing table starts with.
    pub(crate) async fn open_existing(
        &self,
        storage_options: &HashMap<String, String>,
    ) -> Result<DeltaTable> {
        self.open(storage_options).await?.ok_or_else(|| {
            Error::new(
                &self.location,
                ErrorKind::Location("there is no Delta table here".into()),
            )
        })
    }

    /// After a failed first ingest, removes what it left in a local
    /// directory that did not exist or was empty before (the directory, or
    /// its new contents). Anything else is left alone: uncommitted files in
    /// an existing table are invisible to readers and removed by `VACUUM`.
    pub(crate) fn discard_new_table(&self) {
        let Some(path) = &self.local else { return };
        if (self.existed && !self.was_empty) || has_commit(path) {
            return;
        }
        let removed = if self.existed {
            std::fs::read_dir(path).and_then(|entries| {
                entries.into_iter().try_for_each(|entry| {
                    let entry = entry?.path();
                    if entry.is_dir() {
                        std::fs::remove_dir_all(entry)
                    } else {
                        std::fs::remove_file(entry)
                    }
                })
            })
        } else {
            std::fs::remove_dir_all(path)
        };
        if let Err(e) = removed {
            tracing::warn!(
                "{}: cannot remove the files of a failed ingest: {e}",
                path.display()
            );
        }
    }
}

/// The local directory a location names, `None` for a remote URL.
fn local_path(location: &str) -> Option<PathBuf> {
    match Url::parse(location) {
        Ok(url) if url.scheme() == "file" => url.to_file_path().ok(),
        // One-letter schemes are Windows drive letters.
        Ok(url) if url.scheme().len() > 1 => None,
        _ => Some(PathBuf::from(location)),
    }
}

/// Whether a local directory holds a Delta commit file.
fn has_commit(path: &Path) -> bool {
    std::fs::read_dir(path.join("_delta_log")).is_ok_and(|entries| {
        entries.flatten().any(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".json") && name.starts_with(|c: char| c.is_ascii_digit())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_and_urls_are_told_apart() {
        assert_eq!(local_path("data/t"), Some(PathBuf::from("data/t")));
        assert_eq!(local_path("/data/t"), Some(PathBuf::from("/data/t")));
        assert_eq!(local_path("file:///data/t"), Some(PathBuf::from("/data/t")));
        assert_eq!(local_path("s3://bucket/t"), None);
        assert_eq!(local_path("memory:///t"), None);
    }

    #[test]
    fn save_modes_round_trip_through_their_names() {
        for mode in [
            SaveMode::ErrorIfExists,
            SaveMode::Append,
            SaveMode::Overwrite,
        ] {
            assert_eq!(mode.as_str().parse(), Ok(mode));
            let json = serde_json::to_value(mode).unwrap();
            assert_eq!(json, mode.as_str());
        }
    }
}
