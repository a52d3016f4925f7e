//! [`RecordBatchStream`]: Arrow batches handed to Python through the Arrow
//! PyCapsule interface.

use std::ffi::CString;
use std::sync::Mutex;

use arrow::array::{RecordBatch, RecordBatchReader};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::ffi::FFI_ArrowSchema;
use arrow::ffi_stream::FFI_ArrowArrayStream;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::error::GenolakeError;

/// Boxed batches with their schema, as Arrow's C stream exports them.
pub(crate) type Batches = Box<dyn RecordBatchReader + Send>;

/// A stream of Arrow record batches, read once.
///
/// Pass it to `pyarrow.table(...)`, `pyarrow.RecordBatchReader.from_stream(...)`,
/// `polars.from_arrow(...)` or query it from DuckDB: each takes it through
/// `__arrow_c_stream__` without a copy. The batches are decoded as the
/// consumer asks for them.
#[pyclass(module = "genolake._native", name = "RecordBatchStream")]
pub struct RecordBatchStream {
    schema: SchemaRef,
    batches: Mutex<Option<Batches>>,
}

impl RecordBatchStream {
    pub(crate) fn new(batches: Batches) -> Self {
        Self {
            schema: batches.schema(),
            batches: Mutex::new(Some(batches)),
        }
    }
}

#[pymethods]
impl RecordBatchStream {
    /// Exports the stream as an `ArrowArrayStream` PyCapsule (the Arrow
    /// PyCapsule interface). The stream can be consumed once.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is genolake's: a consumer asking for another casts.
        let _ = requested_schema;
        let batches = self
            .batches
            .lock()
            .ok()
            .and_then(|mut b| b.take())
            .ok_or_else(|| GenolakeError::new_err("this stream has been read already"))?;
        let stream = FFI_ArrowArrayStream::new(batches);
        let name = CString::new("arrow_array_stream").expect("no NUL in the name");
        PyCapsule::new(py, stream, Some(name))
    }

    /// Exports the schema as an `ArrowSchema` PyCapsule.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.schema.as_ref())
            .map_err(|e| GenolakeError::new_err(e.to_string()))?;
        let name = CString::new("arrow_schema").expect("no NUL in the name");
        PyCapsule::new(py, schema, Some(name))
    }

    fn __repr__(&self) -> String {
        let columns: Vec<&str> = self
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        format!("RecordBatchStream({})", columns.join(", "))
    }
}

/// Batches from an iterator of results, with a schema.
pub(crate) struct IterReader<I> {
    pub(crate) schema: SchemaRef,
    pub(crate) batches: I,
}

impl<I> Iterator for IterReader<I>
where
    I: Iterator<Item = Result<RecordBatch, ArrowError>>,
{
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.batches.next()
    }
}

impl<I> RecordBatchReader for IterReader<I>
where
    I: Iterator<Item = Result<RecordBatch, ArrowError>>,
{
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}
