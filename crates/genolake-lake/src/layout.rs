//! Which layout a table stores genotypes in, and what writing the matrix
//! layout adds to an ingest: the conversion of each batch, one sample list
//! for every stream, and the table configuration that records both.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use arrow::array::{RecordBatch, RecordBatchOptions};
use arrow::datatypes::SchemaRef;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use deltalake::kernel::{Action, Metadata, MetadataExt};
use deltalake::{DeltaTable, DeltaTableError};
use futures::StreamExt;
use genolake_core::matrix::{
    FIELDS_KEY, LAYOUT_KEY, MATRIX, MatrixLayout, SAMPLE_COUNT_KEY, SAMPLE_IDS_KEY, Samples,
};
use genolake_core::merge::conform_batch;
use serde::{Deserialize, Serialize};

/// How a table stores genotypes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Glow's: a `genotypes` list of structs, each with its `sampleId`.
    #[default]
    Glow,
    /// Sample ids once in the table's configuration, genotypes as
    /// per-variant arrays (see [`genolake_core::matrix`]).
    Matrix,
}

impl Layout {
    /// The name used by `--layout` and the table configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Glow => "glow",
            Layout::Matrix => MATRIX,
        }
    }

    /// The layout a table's configuration records (Glow when none).
    pub fn of_configuration(configuration: &HashMap<String, String>) -> Self {
        match configuration.get(LAYOUT_KEY).map(String::as_str) {
            Some(MATRIX) => Layout::Matrix,
            _ => Layout::Glow,
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Layout {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "glow" => Ok(Layout::Glow),
            "matrix" => Ok(Layout::Matrix),
            other => Err(format!("unknown layout {other:?}: expected glow or matrix")),
        }
    }
}

/// What an existing matrix table records: its layout of the stored schema,
/// and its samples (none before the first rows).
pub(crate) struct StoredMatrix {
    pub(crate) layout: MatrixLayout,
    pub(crate) samples: Option<Samples>,
}

impl StoredMatrix {
    /// The matrix layout of `table`, if it has one.
    pub(crate) fn of(table: &DeltaTable) -> Result<Option<Self>, String> {
        let snapshot = table.snapshot().map_err(|e| e.to_string())?;
        let configuration = snapshot.metadata().configuration();
        if Layout::of_configuration(configuration) != Layout::Matrix {
            return Ok(None);
        }
        let fields = configuration.get(FIELDS_KEY).ok_or_else(|| {
            format!("the table says it is a matrix table but has no {FIELDS_KEY}")
        })?;
        let schema = snapshot.snapshot().arrow_schema();
        let layout = MatrixLayout::from_matrix(&schema, fields).map_err(|e| e.to_string())?;
        let samples =
            Samples::from_table_configuration(configuration).map_err(|e| e.to_string())?;
        Ok(Some(Self { layout, samples }))
    }
}

/// How a table stores its genotypes, as its configuration records it.
#[derive(Debug, Clone)]
pub struct TableLayout {
    /// The layout.
    pub layout: Layout,
    /// A matrix table's samples (none for a Glow table, or a matrix table
    /// that has no rows yet).
    pub samples: Option<Samples>,
}

/// The layout of the table at `location` (a local directory or a URL
/// delta-rs knows), read from its log alone: no data file is opened, so a
/// reader can plan by it cheaply (`genolake count` multiplies a matrix
/// table's rows by its samples instead of rebuilding every genotype).
pub async fn table_layout(location: &str) -> crate::Result<TableLayout> {
    use crate::error::{Error, ErrorKind};
    let table = crate::ingest::Target::resolve(location, false)?
        .open_existing(&Default::default())
        .await?;
    let snapshot = table
        .snapshot()
        .map_err(|e| Error::new(location, ErrorKind::Delta(e)))?;
    let configuration = snapshot.metadata().configuration();
    let layout = Layout::of_configuration(configuration);
    let samples = match layout {
        Layout::Glow => None,
        Layout::Matrix => Samples::from_table_configuration(configuration).map_err(|e| {
            Error::new(
                location,
                ErrorKind::Location(format!(
                    "is a matrix table whose configuration is not valid: {e}"
                )),
            )
        })?,
    };
    Ok(TableLayout { layout, samples })
}

/// The one sample list of a matrix ingest: the table's, or that of the
/// first batch written, which every other batch must match.
#[derive(Clone)]
pub(crate) struct SampleList {
    samples: Arc<Mutex<Option<Samples>>>,
    table: String,
    from_table: bool,
}

impl SampleList {
    pub(crate) fn new(table: &str, stored: Option<Samples>) -> Self {
        Self {
            from_table: stored.is_some(),
            samples: Arc::new(Mutex::new(stored)),
            table: table.to_string(),
        }
    }

    fn check(&self, batch: Samples) -> Result<(), genolake_core::Error> {
        let mut samples = self
            .samples
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match samples.as_ref() {
            None => {
                *samples = Some(batch);
                Ok(())
            }
            Some(known) if self.from_table => {
                known.check_same(&batch, &format!("the table {}", self.table), "the input")
            }
            Some(known) => known.check_same(&batch, "one input file", "another"),
        }
    }

    /// The samples written, once every stream has ended.
    pub(crate) fn samples(&self) -> Option<Samples> {
        self.samples
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// `stream`'s Glow batches (conformed to `glow`, the schema written) in the
/// matrix layout, their samples checked against `samples`.
pub(crate) fn matrix_stream(
    stream: SendableRecordBatchStream,
    glow: SchemaRef,
    layout: Arc<MatrixLayout>,
    samples: SampleList,
) -> SendableRecordBatchStream {
    let schema = layout.matrix_schema();
    let batches = stream.map(move |batch| {
        let batch = batch?;
        let batch = if batch.schema_ref().fields() == glow.fields() {
            batch
        } else {
            conform_batch(&batch, &glow)?
        };
        let external = |e: genolake_core::Error| DataFusionError::External(Box::new(e));
        let (matrix, batch_samples) = layout.to_matrix(&batch).map_err(external)?;
        if let Some(batch_samples) = batch_samples {
            samples.check(batch_samples).map_err(external)?;
        }
        Ok(matrix)
    });
    Box::pin(RecordBatchStreamAdapter::new(schema, batches))
}

/// Input a reader decoded into the matrix layout: the layout its schema
/// describes, and its samples (see [`MatrixLayout::described_schema`]).
pub(crate) struct DescribedInput {
    pub(crate) layout: MatrixLayout,
    pub(crate) samples: Samples,
}

/// Whether two schemas have the same columns (names, types and
/// nullability; metadata aside).
pub(crate) fn same_columns(a: &SchemaRef, b: &SchemaRef) -> bool {
    a.fields().len() == b.fields().len()
        && a.fields().iter().zip(b.fields()).all(|(a, b)| {
            a.name() == b.name()
                && a.data_type() == b.data_type()
                && a.is_nullable() == b.is_nullable()
        })
}

/// `stream`'s batches, already in `layout` (a reader decoded them into
/// it, for `input_samples`), relabelled with its schema, their samples
/// checked against `samples` once (every batch of a stream has the same).
pub(crate) fn described_stream(
    stream: SendableRecordBatchStream,
    layout: Arc<MatrixLayout>,
    input_samples: Samples,
    samples: SampleList,
) -> SendableRecordBatchStream {
    let schema = layout.matrix_schema();
    let mut unchecked = Some(input_samples);
    let out = Arc::clone(&schema);
    let batches = stream.map(move |batch| {
        let batch = batch?;
        let external = |e: genolake_core::Error| DataFusionError::External(Box::new(e));
        if batch.num_rows() > 0
            && let Some(input_samples) = unchecked.take()
        {
            samples.check(input_samples).map_err(external)?;
        }
        Ok(RecordBatch::try_new_with_options(
            Arc::clone(&out),
            batch.columns().to_vec(),
            &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
        )?)
    });
    Box::pin(RecordBatchStreamAdapter::new(schema, batches))
}

/// `stream`'s batches, in the matrix layout `input` describes, in Glow's.
pub(crate) fn glow_stream(
    stream: SendableRecordBatchStream,
    input: Arc<DescribedInput>,
) -> SendableRecordBatchStream {
    let schema = input.layout.glow_schema();
    let batches = stream.map(move |batch| {
        let batch = batch?;
        input
            .layout
            .to_glow(&batch, &input.samples, &input.layout.glow_schema())
            .map_err(|e| DataFusionError::External(Box::new(e)))
    });
    Box::pin(RecordBatchStreamAdapter::new(schema, batches))
}

/// The table configuration a write in `layout` leaves: the matrix keys
/// set (from `layout` and `samples`) or removed.
pub(crate) fn configuration_changes(
    matrix: Option<&MatrixLayout>,
    samples: Option<&Samples>,
) -> Vec<(&'static str, Option<String>)> {
    match matrix {
        None => vec![
            (LAYOUT_KEY, None),
            (FIELDS_KEY, None),
            (SAMPLE_IDS_KEY, None),
            (SAMPLE_COUNT_KEY, None),
        ],
        Some(layout) => vec![
            (LAYOUT_KEY, Some(MATRIX.to_string())),
            (FIELDS_KEY, Some(layout.fields_json())),
            (SAMPLE_COUNT_KEY, samples.map(|s| s.count().to_string())),
            (SAMPLE_IDS_KEY, samples.and_then(Samples::ids_json)),
        ],
    }
}

/// Applies `changes` to the `metadata` action among `actions`, adding one
/// (a copy of `current`, the table's) if none is there and the
/// configuration would change.
pub(crate) fn configure(
    actions: &mut Vec<Action>,
    current: Option<&Metadata>,
    changes: &[(&'static str, Option<String>)],
) -> Result<(), DeltaTableError> {
    let position = actions
        .iter()
        .position(|a| matches!(a, Action::Metadata(_)));
    let mut metadata = match (position, current) {
        (Some(i), _) => match actions.remove(i) {
            Action::Metadata(metadata) => metadata,
            _ => unreachable!("the position of a metadata action"),
        },
        (None, Some(current)) => {
            let configuration = current.configuration();
            let unchanged = changes
                .iter()
                .all(|(key, value)| configuration.get(*key) == value.as_ref());
            if unchanged {
                return Ok(());
            }
            current.clone()
        }
        (None, None) => return Ok(()),
    };
    for (key, value) in changes {
        metadata = match value {
            Some(value) => metadata.add_config_key(key.to_string(), value.clone())?,
            None if metadata.configuration().contains_key(*key) => {
                metadata.remove_config_key(key)?
            }
            None => metadata,
        };
    }
    actions.insert(
        position.unwrap_or(actions.len()),
        Action::Metadata(metadata),
    );
    Ok(())
}
