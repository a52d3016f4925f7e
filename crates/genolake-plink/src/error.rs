//! The error type of `genolake-plink`: what went wrong, in which file, where.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file (or in a written table) something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The file as a whole (it could not be opened, or its size is wrong).
    File,
    /// A 1-based line of a `.bim` or `.fam` file.
    Line(u64),
    /// A byte offset in a `.bed` file.
    Offset(u64),
    /// A 1-based row of the table given to the [`Writer`](crate::Writer),
    /// counted over all batches.
    Row(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::File => Ok(()),
            Position::Line(n) => write!(f, "line {n}"),
            Position::Offset(o) => write!(f, "byte {o}"),
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
    /// A file of the fileset is not there.
    #[error("{0}")]
    Missing(String),
    /// A `.fam` line is malformed.
    #[error("{0}")]
    Fam(String),
    /// A `.bim` line is malformed.
    #[error("{0}")]
    Bim(String),
    /// The `.bed` file is not a SNP-major PLINK 1 `.bed`, or does not fit
    /// its `.bim` and `.fam`.
    #[error("{0}")]
    Bed(String),
    /// The options given do not fit the fileset.
    #[error("{0}")]
    Options(String),
    /// A row given to the writer cannot be stored in a PLINK 1 fileset.
    #[error("{0}")]
    Input(String),
    /// Assembling an Arrow array failed.
    #[error("{0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

/// An error from reading or writing PLINK: the file, the position and what
/// was wrong.
///
/// Displays as a sentence a user can act on:
/// `cohort.bim: line 12: the base-pair position "12a" is not a whole number`.
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
            "x.bim",
            Position::Line(12),
            ErrorKind::Bim("the base-pair position \"12a\" is not a whole number".into()),
        );
        assert_eq!(
            e.to_string(),
            "x.bim: line 12: the base-pair position \"12a\" is not a whole number"
        );
        let e = Error::new("x.bed", Position::Offset(3), ErrorKind::Bed("bad".into()));
        assert_eq!(e.to_string(), "x.bed: byte 3: bad");
        let e = Error::new("out.bed", Position::Row(7), ErrorKind::Input("bad".into()));
        assert_eq!(e.to_string(), "out.bed: row 7: bad");
    }
}
