//! The error type of `genolake-sql`.

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::error::DataFusionError;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Anything that can go wrong between a SQL string and its result.
///
/// Errors from the VCF reader keep their own message, which names the file
/// and the line. Those that travel through a DataFusion plan (a reader
/// failing inside a scan) come back as themselves, not as the
/// [`Error::DataFusion`] wrapping them (which DataFusion prints as
/// `External error: <file>: line <n>: ...`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading a VCF file failed (the message names file and position).
    #[error(transparent)]
    Vcf(#[from] genolake_vcf::Error),
    /// Reading a BGEN file failed (the message names file and byte offset).
    #[error(transparent)]
    Bgen(#[from] genolake_bgen::Error),
    /// Reading a PLINK fileset failed (the message names file and place).
    #[error(transparent)]
    Plink(#[from] genolake_plink::Error),
    /// Planning or executing a query failed. Displays as the genolake
    /// error it carries when it carries one (see [`From<DataFusionError>`]).
    #[error("{}", display_datafusion(.0))]
    DataFusion(#[source] DataFusionError),
    /// Building or converting Arrow data failed (writing CSV or JSON, say).
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    /// Writing Parquet failed.
    #[error(transparent)]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    /// Opening or reading a Delta table failed.
    #[error(transparent)]
    Delta(#[from] deltalake::DeltaTableError),
    /// An input path cannot be used: missing, unreadable, of another
    /// format, or read with columns that do not fit the table's.
    #[error("{}: {message}", path.display())]
    Input {
        /// The file or directory concerned.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The files of one table give a column types that do not merge (the
    /// message names the column, both types and both files).
    #[error(transparent)]
    Schema(#[from] genolake_core::Error),
    /// A reader or table-function option has an unknown name or a bad value.
    #[error("option '{name}': {message}")]
    Option {
        /// The option as the user wrote it.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// A SQL text, table-function call or output request is malformed.
    #[error("{0}")]
    Usage(String),
    /// Writing the result failed.
    #[error("writing the result failed: {0}")]
    Io(#[from] std::io::Error),
    /// A variant transform failed: a reference or chain file that cannot
    /// be read, or rows it cannot transform (the message says which).
    #[error(transparent)]
    Ops(#[from] genolake_ops::Error),
}

impl Error {
    pub(crate) fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Input {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn option(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Option {
            name: name.into(),
            message: message.into(),
        }
    }
}

impl From<Error> for DataFusionError {
    fn from(error: Error) -> Self {
        match error {
            Error::DataFusion(e) => e,
            other => DataFusionError::External(Box::new(other)),
        }
    }
}

impl From<DataFusionError> for Error {
    /// The genolake error a DataFusion error carries (a reader's, which
    /// names file and line), or the DataFusion error itself. An error shared
    /// between partitions still referenced elsewhere stays wrapped, but
    /// displays as the error it carries.
    fn from(error: DataFusionError) -> Self {
        match error {
            DataFusionError::External(inner) => match inner.downcast::<Error>() {
                Ok(ours) => *ours,
                Err(inner) => Self::DataFusion(DataFusionError::External(inner)),
            },
            DataFusionError::ArrowError(arrow, backtrace) => match *arrow {
                arrow::error::ArrowError::ExternalError(inner) => match inner.downcast::<Error>() {
                    Ok(ours) => *ours,
                    Err(inner) => Self::DataFusion(DataFusionError::ArrowError(
                        Box::new(arrow::error::ArrowError::ExternalError(inner)),
                        backtrace,
                    )),
                },
                other => Self::DataFusion(DataFusionError::ArrowError(Box::new(other), backtrace)),
            },
            // One partition's error handed to every partition (a repartition).
            DataFusionError::Shared(shared) => match Arc::try_unwrap(shared) {
                Ok(inner) => Self::from(inner),
                Err(shared) => Self::DataFusion(DataFusionError::Shared(shared)),
            },
            // Context added by DataFusion around one of ours says less than
            // the reader's own message.
            DataFusionError::Context(context, inner) => match Self::from(*inner) {
                Self::DataFusion(inner) => {
                    Self::DataFusion(DataFusionError::Context(context, Box::new(inner)))
                }
                ours => ours,
            },
            other => Self::DataFusion(other),
        }
    }
}

/// The genolake error `error` carries, however DataFusion wrapped it.
fn carried(error: &DataFusionError) -> Option<&Error> {
    match error {
        DataFusionError::External(inner) => inner.downcast_ref::<Error>(),
        DataFusionError::ArrowError(arrow, _) => match arrow.as_ref() {
            arrow::error::ArrowError::ExternalError(inner) => inner.downcast_ref::<Error>(),
            _ => None,
        },
        DataFusionError::Shared(inner) => carried(inner),
        DataFusionError::Context(_, inner) => carried(inner),
        _ => None,
    }
}

fn display_datafusion(error: &DataFusionError) -> String {
    match carried(error) {
        Some(ours) => ours.to_string(),
        None => error.to_string(),
    }
}
