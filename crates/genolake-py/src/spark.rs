//! What the Spark data sources of `genolake.spark` run: splits planned on
//! the driver, decoded on the executors.
//!
//! A split is a path and a range (bytes of a VCF or BGEN file, variants of
//! a PLINK fileset): three plain values that pickle, so Spark ships them to
//! executors, where [`read_split`] decodes exactly the records that start
//! inside the range. Nothing is decoded on the driver but headers.

use std::ffi::CString;
use std::path::PathBuf;

use arrow::datatypes::SchemaRef;
use arrow::ffi::FFI_ArrowSchema;
use genolake_core::{Region, Split};
use genolake_sql::{GenomicsTable, InputFormat};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::error::{GenolakeError, arrow_error, to_py};
use crate::stream::{IterReader, RecordBatchStream};

/// An Arrow schema, for `pyarrow.schema(...)` (`__arrow_c_schema__`).
#[pyclass(module = "genolake._native", name = "Schema")]
pub struct Schema {
    schema: SchemaRef,
}

#[pymethods]
impl Schema {
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.schema.as_ref())
            .map_err(|e| GenolakeError::new_err(e.to_string()))?;
        let name = CString::new("arrow_schema").expect("no NUL in the name");
        PyCapsule::new(py, schema, Some(name))
    }
}

/// A split as Python sees it: `(path, start, end)`.
type SplitTuple = (String, u64, u64);

/// The files `paths` name (directories and globs expanded), their common
/// schema, and their splits: at most `target` per file, each a `(path,
/// start, end)` tuple.
#[pyfunction]
#[pyo3(signature = (format, paths, options = Vec::new(), target = 1))]
pub fn plan_splits(
    py: Python<'_>,
    format: &str,
    paths: Vec<PathBuf>,
    options: Vec<(String, String)>,
    target: usize,
) -> PyResult<(Schema, Vec<SplitTuple>)> {
    py.detach(|| {
        let format: InputFormat = format.parse().map_err(to_py)?;
        let reader = format.reader(&options).map_err(to_py)?;
        let table = GenomicsTable::try_new(&paths, reader.clone()).map_err(to_py)?;
        let mut splits = Vec::new();
        for file in table.files() {
            for split in reader.plan_splits(file, target.max(1)).map_err(to_py)? {
                splits.push((
                    split.path.to_string_lossy().into_owned(),
                    split.start,
                    split.end,
                ));
            }
        }
        let schema = Schema {
            schema: datafusion::catalog::TableProvider::schema(&table),
        };
        Ok((schema, splits))
    })
}

/// Decodes one split planned by [`plan_splits`] (with the same options),
/// keeping only records that overlap one of `regions` (`chr`,
/// `chr:start-end`, 1-based; none: every record).
#[pyfunction]
#[pyo3(signature = (format, path, start, end, options = Vec::new(), regions = Vec::new()))]
pub fn read_split(
    py: Python<'_>,
    format: &str,
    path: PathBuf,
    start: u64,
    end: u64,
    options: Vec<(String, String)>,
    regions: Vec<String>,
) -> PyResult<RecordBatchStream> {
    py.detach(|| {
        let format: InputFormat = format.parse().map_err(to_py)?;
        let reader = format.reader(&options).map_err(to_py)?;
        let regions = regions
            .iter()
            .map(|r| r.parse::<Region>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(to_py)?;
        let schema = reader.schema(&path).map_err(to_py)?;
        let split = Split { path, start, end };
        let batches = reader.read(&split, regions, None).map_err(to_py)?;
        let batches = batches.map(|b| b.map_err(arrow_error));
        Ok(RecordBatchStream::new(Box::new(IterReader {
            schema,
            batches,
        })))
    })
}
