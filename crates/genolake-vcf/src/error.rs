//! The error type of `genolake-vcf`: what went wrong, in which file, where.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The file as a whole (it could not be opened, say).
    File,
    /// A 1-based line number.
    Line(u64),
    /// A byte offset in the (uncompressed) file.
    Offset(u64),
    /// A line starting `within` bytes into the BGZF block at compressed
    /// offset `block`; the form samtools and htslib print virtual offsets in.
    Virtual { block: u64, within: u32 },
    /// A byte offset in a compressed file, for damage to the compression itself.
    CompressedOffset(u64),
    /// A 1-based record (row) among those handed to a writer.
    Record(u64),
    /// A BCF record starting `within` bytes into the BGZF block at
    /// compressed offset `block` (BCF records are binary: they have no lines).
    RecordAt { block: u64, within: u32 },
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::File => Ok(()),
            Position::Line(n) => write!(f, "line {n}"),
            Position::Offset(o) => write!(f, "line starting at byte {o}"),
            Position::Virtual { block, within } => write!(
                f,
                "line starting {within} bytes into the BGZF block at byte {block}"
            ),
            Position::CompressedOffset(o) => write!(f, "byte {o}"),
            Position::Record(n) => write!(f, "record {n}"),
            Position::RecordAt { block, within } => write!(
                f,
                "record starting {within} bytes into the BGZF block at byte {block}"
            ),
        }
    }
}

/// What kind of problem an [`Error`] reports.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    /// The operating system refused a read or an open.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The gzip/BGZF layer is damaged: truncated, bad magic, failed inflate.
    #[error("{0}")]
    Compression(String),
    /// A header line is malformed.
    #[error("{0}")]
    Header(String),
    /// A data line is malformed.
    #[error("{0}")]
    Record(String),
    /// The tabix or CSI index is unusable.
    #[error("{0}")]
    Index(String),
    /// The options given to the reader do not fit the file.
    #[error("{0}")]
    Options(String),
    /// The batches handed to a writer do not fit it: a column of an
    /// unsupported type, a missing required column, a sample missing from a
    /// row, records out of order for an index.
    #[error("{0}")]
    Input(String),
    /// Assembling an Arrow array failed (invalid UTF-8 in a batch, say).
    #[error("{0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

/// An error from reading VCF: the file, the position and what was wrong.
///
/// Displays as a sentence a user can act on:
/// `calls.vcf.gz: line 1234: GT allele "|" is not a number or "."`.
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
            "x.vcf",
            Position::Line(12),
            ErrorKind::Record("POS \"abc\" is not a number".into()),
        );
        assert_eq!(e.to_string(), "x.vcf: line 12: POS \"abc\" is not a number");
        let e = Error::new(
            "x.vcf.gz",
            Position::Virtual {
                block: 100,
                within: 7,
            },
            ErrorKind::Record("bad".into()),
        );
        assert_eq!(
            e.to_string(),
            "x.vcf.gz: line starting 7 bytes into the BGZF block at byte 100: bad"
        );
    }
}
