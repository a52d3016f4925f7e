//! The error type of `genolake-sql`.

use std::path::PathBuf;

use datafusion::error::DataFusionError;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Anything that can go wrong between a SQL string and its result.
///
/// Errors from the VCF reader keep their own message, which names the file
/// and the line; errors that travel through a DataFusion plan come back as
/// [`Error::DataFusion`] wrapping them (DataFusion prints them as
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
    /// Planning or executing a query failed.
    #[error(transparent)]
    DataFusion(#[from] DataFusionError),
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
    /// format, or read with other columns than the other inputs of the same
    /// table.
    #[error("{}: {message}", path.display())]
    Input {
        /// The file or directory concerned.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
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
