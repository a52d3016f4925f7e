//! `read_delta(path [, 'versionAsOf', n] [, 'layout', 'glow'|'matrix'|'long'])`.

use std::sync::Arc;

use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::error::Result as DfResult;
use deltalake::DeltaTableBuilder;

use super::{block_on, path_and_options};
use crate::error::Error;
use crate::matrix::{MatrixTable, View};
use crate::options::normalize_key;
use genolake_core::matrix::{FIELDS_KEY, LAYOUT_KEY, MATRIX, MatrixLayout, Samples};

/// The `read_delta` table function: a Delta Lake table, through delta-rs's
/// own table provider (file skipping, deletion vectors, column mapping).
///
/// `read_delta(path)` reads the latest version; `read_delta(path,
/// 'versionAsOf', 3)` or `read_delta(path, 'timestampAsOf',
/// '2026-11-01T00:00:00Z')` travel in time, with the option names of
/// Spark's Delta reader. `path` is a directory or a URL delta-rs knows.
///
/// A table ingested with `--layout matrix` reads in Glow's schema all the
/// same (`'layout', 'glow'`, the default); `'layout', 'matrix'` gives its
/// stored columns, and `'layout', 'long'` a row per variant and sample
/// (see [`MatrixTable`]).
#[derive(Debug, Default)]
pub struct ReadDelta;

const USAGE: &str = "read_delta('/data/variants', 'versionAsOf', 3)";

/// What the `layout` option asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    Glow,
    Matrix,
    Long,
}

impl TableFunctionImpl for ReadDelta {
    fn call_with_args(&self, args: TableFunctionArgs) -> DfResult<Arc<dyn TableProvider>> {
        let (path, pairs) = path_and_options("read_delta", USAGE, args.exprs())?;
        let mut builder =
            DeltaTableBuilder::from_url(deltalake::ensure_table_uri(&path).map_err(Error::from)?)
                .map_err(Error::from)?;
        let mut asked = Asked::Glow;
        for (name, value) in &pairs {
            builder = match normalize_key(name).as_str() {
                "layout" => {
                    asked = match value.trim().to_ascii_lowercase().as_str() {
                        "glow" => Asked::Glow,
                        "matrix" => Asked::Matrix,
                        "long" => Asked::Long,
                        _ => {
                            return Err(Error::option(
                                name,
                                format!("expected glow, matrix or long, not '{value}'"),
                            )
                            .into());
                        }
                    };
                    builder
                }
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
                        "unknown read_delta option; known options are versionAsOf, timestampAsOf, layout",
                    )
                    .into());
                }
            };
        }
        let session: &dyn Session = args.session();
        let provider = block_on(async move {
            let table = builder.load().await?;
            table.update_datafusion_session(session)?;
            let configuration = table.snapshot()?.metadata().configuration().clone();
            let provider = table.table_provider().await?;
            Ok::<_, Error>((provider, configuration))
        })?
        .map_err(|e| match e {
            Error::Delta(e) => Error::input(&path, format!("cannot be read as a Delta table: {e}")),
            other => other,
        })?;
        let (provider, configuration) = provider;
        let is_matrix = configuration.get(LAYOUT_KEY).map(String::as_str) == Some(MATRIX);
        let view = match (asked, is_matrix) {
            (Asked::Glow, false) => return Ok(provider),
            (Asked::Matrix, true) => return Ok(provider),
            (Asked::Glow, true) => View::Glow,
            (Asked::Long, true) => View::Long,
            (_, false) => {
                return Err(Error::input(
                    &path,
                    "is a Glow-layout table; 'layout' 'matrix' and 'long' read tables ingested \
                     with --layout matrix",
                )
                .into());
            }
        };
        let invalid = |e: genolake_core::Error| {
            Error::input(
                &path,
                format!("is a matrix table whose configuration is not valid: {e}"),
            )
        };
        let fields = configuration.get(FIELDS_KEY).map_or("", String::as_str);
        let layout = MatrixLayout::from_matrix(&provider.schema(), fields).map_err(invalid)?;
        // A table created from no rows has no samples yet.
        let samples = Samples::from_table_configuration(&configuration)
            .map_err(invalid)?
            .unwrap_or_else(|| Samples::anonymous(0));
        Ok(Arc::new(MatrixTable::new(provider, layout, samples, view)))
    }
}
