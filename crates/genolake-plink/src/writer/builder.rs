//! Configuring a [`Writer`](super::Writer).

use std::path::{Path, PathBuf};

use super::{Writer, WriterOptions};
use crate::error::Result;

/// Builds a [`Writer`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_plink::{FamilyIds, Writer, WriterOptions};
///
/// let dir = tempfile::tempdir()?;
/// let options = WriterOptions { family_ids: FamilyIds::Split, ..Default::default() };
/// let writer = Writer::builder(dir.path().join("out.bed")).options(options).build()?;
/// let summary = writer.finish()?; // no rows: an empty fileset
/// assert_eq!(std::fs::read(&summary.paths.bed)?, [0x6c, 0x1b, 0x01]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct WriterBuilder {
    path: PathBuf,
    options: WriterOptions,
}

impl WriterBuilder {
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            options: WriterOptions::default(),
        }
    }

    /// Sets the writer options.
    pub fn options(mut self, options: WriterOptions) -> Self {
        self.options = options;
        self
    }

    /// Creates the files (under temporary names until
    /// [`Writer::finish`](super::Writer::finish)).
    pub fn build(self) -> Result<Writer> {
        Writer::open(&self.path, self.options)
    }
}
