//! The error type of `genolake-ops`.

use std::path::PathBuf;

/// Why a transform could not run: a reference or chain file that cannot be
/// read, or a table without the columns a transform needs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A FASTA file or its index is malformed, or lacks what was asked of
    /// it; `message` names the place (index line, byte offset, contig).
    #[error("{}: {message}", path.display())]
    Fasta { path: PathBuf, message: String },
    /// A chain file is malformed at `line`.
    #[error("{}, line {line}: {message}", path.display())]
    Chain {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// The input table lacks a column a transform needs, or holds it with
    /// a type the transform cannot read.
    #[error("column {column}: {message}")]
    Column { column: String, message: String },
    /// An argument (an option value, a header) that cannot be used.
    #[error("{0}")]
    Invalid(String),
    /// Building an output batch failed.
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    /// Reading a VCF header failed.
    #[error(transparent)]
    Vcf(#[from] genolake_vcf::Error),
    /// A piped command could not start, failed, or wrote output that does
    /// not parse; `message` says which, with its exit status and the last
    /// lines of its stderr.
    #[error("pipe command `{command}`: {message}")]
    Pipe { command: String, message: String },
}

/// The result of fallible functions of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
