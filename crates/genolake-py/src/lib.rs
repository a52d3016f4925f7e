//! genolake from Python: the native half of the `genolake` package.
//!
//! The Python package (`python/` at the top of the repository) is thin: it
//! names things and documents them; this module does the work. Everything
//! it returns crosses into Python as Arrow data without a copy and without
//! a Python object per row:
//!
//! - [`read`] and [`sql`] return a [`RecordBatchStream`], which implements
//!   the Arrow PyCapsule interface (`__arrow_c_stream__`): pyarrow,
//!   Polars and DuckDB import it as it is, batch by batch, as genolake
//!   decodes (on every core, through the same DataFusion scan as
//!   `genolake sql`).
//! - [`ingest::ingest`] writes files into a Delta table in one commit and returns
//!   the commit's version and summary.
//! - [`plan_splits`] and [`read_split`] are what the Spark data sources
//!   (`genolake.spark`) run: the driver cuts the inputs into splits (a path
//!   and a byte or variant range: small, picklable), and each executor
//!   decodes its split into Arrow batches for Spark.
//!
//! Errors raise `genolake.GenolakeError` with genolake's message, which
//! names the file and the line or byte offset.
//!
//! The module is built as part of the workspace (`cargo test --release
//! --workspace` builds `libgenolake_py.so` with the very dependencies the
//! tests use) or by maturin (`pip install ./python`).

mod error;
mod ingest;
mod readers;
mod runtime;
mod spark;
mod stream;

use pyo3::prelude::*;

pub use error::GenolakeError;
pub use readers::{read, sql};
pub use spark::{Schema, plan_splits, read_split};
pub use stream::RecordBatchStream;

/// The `genolake._native` module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("GenolakeError", m.py().get_type::<GenolakeError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<RecordBatchStream>()?;
    m.add_class::<Schema>()?;
    m.add_function(wrap_pyfunction!(read, m)?)?;
    m.add_function(wrap_pyfunction!(sql, m)?)?;
    m.add_function(wrap_pyfunction!(ingest::ingest, m)?)?;
    m.add_function(wrap_pyfunction!(plan_splits, m)?)?;
    m.add_function(wrap_pyfunction!(read_split, m)?)?;
    Ok(())
}
