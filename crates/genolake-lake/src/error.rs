//! The error type of `genolake-lake`: which table (or input file) and what went wrong.

use std::fmt;
use std::path::PathBuf;

use deltalake::DeltaTableError;

/// What kind of problem an [`Error`] reports.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    /// Mode `error` (the default) found a table at the location.
    #[error(
        "a Delta table already exists here; pass --mode append to add rows to it \
         or --mode overwrite to replace it"
    )]
    TableExists,
    /// The location is not a usable table path or URL.
    #[error("{0}")]
    Location(String),
    /// The options do not fit the table or the input (an unknown partition
    /// column, say).
    #[error("{0}")]
    Options(String),
    /// An input file could not be read to checksum it.
    #[error("cannot read input file {path}: {source}")]
    Input {
        /// The input file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// Writing failed part-way (the input stream failed, a file could not
    /// be written, a concurrent writer won the commit); nothing was committed.
    #[error("ingest failed and nothing was committed (the table is unchanged): {0}")]
    Write(#[source] DeltaTableError),
    /// The input's columns do not merge with the table's: one column has
    /// two types (the message names it, both types and where each comes
    /// from). Nothing was written.
    #[error("{0}; nothing was written")]
    Schema(#[source] genolake_core::Error),
    /// An append under [`SchemaMode::Keep`](crate::SchemaMode::Keep) would
    /// add these columns or fields to the table's schema.
    #[error(
        "the input does not fit the table's schema ({}); pass --schema-mode merge to add \
         them to it",
        .0.join(", ")
    )]
    SchemaChange(Vec<String>),
    /// Reading the table (its log, its history) failed.
    #[error("{0}")]
    Delta(#[source] DeltaTableError),
    /// An input file could not be read (its header, say).
    #[error("{0}")]
    Read(#[source] genolake_sql::Error),
    /// Planning the input failed.
    #[error("{0}")]
    DataFusion(#[source] datafusion::error::DataFusionError),
}

/// An error from `genolake-lake`: the table location and what went wrong.
///
/// Displays as a sentence a user can act on:
/// `/data/cohort: a Delta table already exists here; pass --mode append ...`.
#[derive(Debug)]
pub struct Error {
    location: String,
    // Boxed: delta-rs errors are large, and every `Result` of this crate
    // would otherwise carry their size.
    kind: Box<ErrorKind>,
}

/// The result type of `genolake-lake`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error about the table at `location`.
    pub fn new(location: impl Into<String>, kind: ErrorKind) -> Self {
        Self {
            location: location.into(),
            kind: Box::new(kind),
        }
    }

    /// The table location (path or URL) the error is about.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Whether the error means the table already existed under mode `error`.
    pub fn is_table_exists(&self) -> bool {
        matches!(*self.kind, ErrorKind::TableExists)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.kind)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(self.kind.as_ref())
    }
}
