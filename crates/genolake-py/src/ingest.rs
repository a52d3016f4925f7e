//! `ingest`: files into a Delta table, in one commit, as `genolake ingest`.

use std::path::PathBuf;
use std::sync::Arc;

use genolake_core::Progress;
use genolake_lake::{Ingest, Layout, SaveMode, SchemaMode};
use genolake_sql::{GenomicsTable, InputFormat};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::{to_py, usage};
use crate::runtime::runtime;

/// Ingests files of one format into the Delta table at `table` and returns
/// what the commit did: `table` (its URL), `version`, `skipped` (the same
/// inputs were ingested before), `rows`, `files`, `bytes`, `summary` (the
/// line `genolake ingest` prints), and the records `skipped_records` and
/// values `nulled_values` a lenient read passed over.
#[pyfunction]
#[pyo3(signature = (
    paths, table, mode = "error", format = None, partition_by = Vec::new(),
    allow_duplicates = false, schema_mode = "merge", layout = None, options = Vec::new()
))]
#[allow(clippy::too_many_arguments)] // Python's keyword arguments, one per option
pub fn ingest<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    table: PathBuf,
    mode: &str,
    format: Option<&str>,
    partition_by: Vec<String>,
    allow_duplicates: bool,
    schema_mode: &str,
    layout: Option<&str>,
    options: Vec<(String, String)>,
) -> PyResult<Bound<'py, PyDict>> {
    let mode: SaveMode = mode.parse().map_err(usage)?;
    let schema_mode: SchemaMode = schema_mode.parse().map_err(usage)?;
    let layout: Option<Layout> = layout.map(str::parse).transpose().map_err(usage)?;
    let format = match format {
        Some(name) => name.parse::<InputFormat>().map_err(to_py)?,
        None => InputFormat::detect_all(&paths).map_err(to_py)?,
    };
    let location = std::path::absolute(&table).map_err(to_py)?;
    let progress = Arc::new(Progress::default());
    let summary = py.detach(|| {
        let reader = format.reader(&options).map_err(to_py)?;
        let files = GenomicsTable::try_new(&paths, reader)
            .map_err(to_py)?
            .with_progress(progress.clone());
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut ingest = Ingest::new(location.to_string_lossy());
        if let Some(layout) = layout {
            ingest = ingest.layout(layout);
        }
        let ingest = ingest
            .mode(mode)
            .schema_mode(schema_mode)
            .partition_by(partition_by)
            .idempotent(!allow_duplicates);
        runtime()
            .block_on(ingest.execute_files(files, &options, threads))
            .map_err(to_py)
    })?;
    let result = PyDict::new(py);
    result.set_item("table", summary.table.as_str())?;
    result.set_item("version", summary.version)?;
    result.set_item("skipped", summary.is_skipped())?;
    result.set_item("rows", summary.rows)?;
    result.set_item("files", summary.files)?;
    result.set_item("bytes", summary.bytes)?;
    result.set_item("summary", summary.to_string())?;
    result.set_item("skipped_records", progress.skipped())?;
    result.set_item("nulled_values", progress.nulled())?;
    Ok(result)
}
