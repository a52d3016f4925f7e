//! `read_delta(path [, 'version', n])`.

use std::future::Future;
use std::sync::Arc;

use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::error::Result as DfResult;
use deltalake::DeltaTableBuilder;

use super::path_and_options;
use crate::error::{Error, Result};
use crate::options::normalize_key;

/// The `read_delta` table function: a Delta Lake table, through delta-rs's
/// own table provider (file skipping, deletion vectors, column mapping).
///
/// `read_delta(path)` reads the latest version; `read_delta(path,
/// 'versionAsOf', 3)` or `read_delta(path, 'timestampAsOf',
/// '2026-11-01T00:00:00Z')` travel in time, with the option names of
/// Spark's Delta reader. `path` is a directory or a URL delta-rs knows.
#[derive(Debug, Default)]
pub struct ReadDelta;

const USAGE: &str = "read_delta('/data/variants', 'versionAsOf', 3)";

impl TableFunctionImpl for ReadDelta {
    fn call_with_args(&self, args: TableFunctionArgs) -> DfResult<Arc<dyn TableProvider>> {
        let (path, pairs) = path_and_options("read_delta", USAGE, args.exprs())?;
        let mut builder =
            DeltaTableBuilder::from_url(deltalake::ensure_table_uri(&path).map_err(Error::from)?)
                .map_err(Error::from)?;
        for (name, value) in &pairs {
            builder = match normalize_key(name).as_str() {
                "versionasof" | "version" => {
                    let version = value.trim().parse::<u64>().map_err(|_| {
                        Error::option(name, format!("expected a table version, not '{value}'"))
                    })?;
                    builder.with_version(version)
                }
                "timestampasof" | "timestamp" => {
                    builder.with_datestring(value).map_err(Error::from)?
                }
                _ => {
                    return Err(Error::option(
                        name,
                        "unknown read_delta option; known options are versionAsOf, timestampAsOf",
                    )
                    .into());
                }
            };
        }
        let session: &dyn Session = args.session();
        let provider = block_on(async move {
            let table = builder.load().await?;
            table.update_datafusion_session(session)?;
            let provider = table.table_provider().await?;
            Ok::<_, Error>(provider)
        })?
        .map_err(|e| match e {
            Error::Delta(e) => Error::input(&path, format!("cannot be read as a Delta table: {e}")),
            other => other,
        })?;
        Ok(provider)
    }
}

/// Runs a future to completion from synchronous code that may itself run
/// inside a Tokio runtime (table functions are called while planning).
fn block_on<F>(future: F) -> Result<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            Ok(tokio::task::block_in_place(|| handle.block_on(future)))
        }
        _ => std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map(|runtime| runtime.block_on(future))
                })
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
        .map_err(|e| {
            Error::Usage(format!(
                "cannot start a Tokio runtime to open a Delta table: {e}"
            ))
        }),
    }
}
