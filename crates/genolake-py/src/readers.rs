//! `read` and `sql`: files, Delta tables and queries as Arrow streams.

use std::path::PathBuf;

use datafusion::prelude::{DataFrame, SessionContext};
use futures::StreamExt;
use genolake_sql::{InputFormat, SessionBuilder, genomics_table};
use pyo3::prelude::*;

use crate::error::{arrow_error, to_py, usage};
use crate::runtime::runtime;
use crate::stream::{IterReader, RecordBatchStream};

fn session() -> SessionContext {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    SessionBuilder::new().target_partitions(threads).build()
}

/// A DataFrame's rows as a stream, decoded as the consumer pulls them, in
/// file order where the plan keeps it.
fn stream(df: DataFrame) -> PyResult<RecordBatchStream> {
    let mut batches = runtime()
        .block_on(genolake_sql::execute_stream(df))
        .map_err(to_py)?;
    let schema = batches.schema();
    let iter = std::iter::from_fn(move || {
        runtime()
            .block_on(batches.next())
            .map(|r| r.map_err(arrow_error))
    });
    Ok(RecordBatchStream::new(Box::new(IterReader {
        schema,
        batches: iter,
    })))
}

/// Reads files of one format (`vcf`, `bgen` or `plink`) into Glow's
/// variant table, or a Delta table (`delta`), as a stream of Arrow batches.
///
/// `paths` are files, directories (the format's files in them) or globs
/// (`*` and `?` in the last component); `options` are reader options by
/// Glow's names, as text (`("includeSampleIds", "false")`).
#[pyfunction]
#[pyo3(signature = (format, paths, options = Vec::new()))]
pub fn read(
    py: Python<'_>,
    format: &str,
    paths: Vec<PathBuf>,
    options: Vec<(String, String)>,
) -> PyResult<RecordBatchStream> {
    py.detach(|| {
        let ctx = session();
        let df = if format.eq_ignore_ascii_case("delta") {
            let [path] = paths.as_slice() else {
                return Err(usage(format!(
                    "read_delta reads one table, not {} paths",
                    paths.len()
                )));
            };
            let mut args = vec![literal(&path.to_string_lossy())];
            for (name, value) in &options {
                args.push(literal(name));
                args.push(literal(value));
            }
            let query = format!("SELECT * FROM read_delta({})", args.join(", "));
            runtime().block_on(ctx.sql(&query)).map_err(to_py)?
        } else {
            let format: InputFormat = format.parse().map_err(to_py)?;
            let reader = format.reader(&options).map_err(to_py)?;
            let table = genomics_table(&paths, reader, None).map_err(to_py)?;
            ctx.read_table(table).map_err(to_py)?
        };
        stream(df)
    })
}

/// Runs SQL statements separated by `;` (as `genolake sql` does) and
/// returns the last one's rows as a stream of Arrow batches.
#[pyfunction]
pub fn sql(py: Python<'_>, query: &str) -> PyResult<RecordBatchStream> {
    py.detach(|| {
        let ctx = session();
        let df = runtime()
            .block_on(genolake_sql::run_statements(&ctx, query))
            .map_err(to_py)?;
        stream(df)
    })
}

/// `text` as a SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
