//! The error type of `genolake-bgen`: what went wrong, in which file, where.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The file as a whole (it could not be opened, say).
    File,
    /// A byte offset in the `.bgen` file.
    Offset(u64),
    /// Inside the variant block that starts at this byte offset.
    Variant(u64),
    /// A 1-based line of a text file (an Oxford `.sample` file).
    Line(u64),
    /// A row of the batch being written (0-based, counted over the whole file).
    Row(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::File => Ok(()),
            Position::Offset(o) => write!(f, "byte {o}"),
            Position::Variant(o) => write!(f, "variant block at byte {o}"),
            Position::Line(n) => write!(f, "line {n}"),
            Position::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// What kind of problem an [`Error`] reports.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    /// The operating system refused a read, a write or an open.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The file header or sample identifier block is malformed.
    #[error("{0}")]
    Header(String),
    /// A variant block is malformed (lengths, counts, probabilities).
    #[error("{0}")]
    Record(String),
    /// A compressed genotype block does not inflate as its lengths say.
    #[error("{0}")]
    Compression(String),
    /// The `.bgi` index is unusable.
    #[error("{0}")]
    Index(String),
    /// The Oxford `.sample` file is malformed or does not fit the `.bgen`.
    #[error("{0}")]
    SampleFile(String),
    /// The options do not fit the file, or the rows do not fit BGEN.
    #[error("{0}")]
    Options(String),
    /// A row cannot be written as BGEN.
    #[error("{0}")]
    Write(String),
    /// Assembling an Arrow array failed.
    #[error("{0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

/// An error from reading or writing BGEN: the file, the position and what was wrong.
///
/// Displays as one sentence a user can act on:
/// `x.bgen: variant block at byte 6032: the genotype block claims 1891 bytes but only 12 remain in the file`.
#[derive(Debug)]
pub struct Error {
    path: PathBuf,
    position: Position,
    kind: ErrorKind,
}

impl Error {
    /// An error at a position in a file.
    pub fn new(path: impl Into<PathBuf>, position: Position, kind: ErrorKind) -> Self {
        Self {
            path: path.into(),
            position,
            kind,
        }
    }

    /// An I/O error on a file as a whole.
    pub fn io(path: &Path, error: std::io::Error) -> Self {
        Self::new(path, Position::File, ErrorKind::Io(error))
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where in the file.
    pub fn position(&self) -> Position {
        self.position
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.position != Position::File {
            write!(f, ": {}", self.position)?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(e),
            ErrorKind::Arrow(e) => Some(e),
            _ => None,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_file_position_and_problem() {
        let e = Error::new(
            "x.bgen",
            Position::Variant(6032),
            ErrorKind::Record("the genotype block runs past the end of the file".into()),
        );
        assert_eq!(
            e.to_string(),
            "x.bgen: variant block at byte 6032: the genotype block runs past the end of the file"
        );
        let e = Error::new(
            "x.sample",
            Position::Line(4),
            ErrorKind::SampleFile("bad".into()),
        );
        assert_eq!(e.to_string(), "x.sample: line 4: bad");
        let e = Error::new("x.bgen", Position::File, ErrorKind::Options("no".into()));
        assert_eq!(e.to_string(), "x.bgen: no");
    }
}
