//! BGEN through the shared scan.

use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use genolake_bgen::{Header, Reader, ReaderOptions};
use genolake_core::{Progress, Region, Split};

use super::InputFormat;
use crate::error::{Error, Result};
use crate::scan::{BatchIter, FormatReader, PathCache};

/// Reads BGEN files with `genolake_bgen`, parsing each file's header once
/// for all its splits.
#[derive(Debug, Clone)]
pub struct BgenFormatReader {
    options: ReaderOptions,
    headers: PathCache<Header>,
}

impl BgenFormatReader {
    /// A reader with `options`.
    pub fn new(options: ReaderOptions) -> Self {
        Self {
            options,
            headers: PathCache::default(),
        }
    }

    /// The reader options.
    pub fn options(&self) -> &ReaderOptions {
        &self.options
    }

    fn header(&self, path: &Path) -> Result<Arc<Header>> {
        self.headers
            .get(path, |path| Ok(genolake_bgen::read_header(path)?))
    }
}

impl FormatReader for BgenFormatReader {
    fn format(&self) -> InputFormat {
        InputFormat::Bgen
    }

    fn schema(&self, path: &Path) -> Result<SchemaRef> {
        let header = self.header(path)?;
        genolake_bgen::schema(&header, &self.options).map_err(|e| Error::input(path, e))
    }

    fn splittable(&self, _path: &Path) -> bool {
        true
    }

    fn plan_splits(&self, path: &Path, target: usize) -> Result<Vec<Split>> {
        Ok(genolake_bgen::plan_splits(path, target)?)
    }

    fn regions(&self) -> &[Region] {
        &self.options.regions
    }

    fn read(
        &self,
        split: &Split,
        regions: Vec<Region>,
        progress: Option<Arc<Progress>>,
    ) -> Result<BatchIter> {
        let options = ReaderOptions {
            regions,
            ..self.options.clone()
        };
        let mut builder = Reader::builder(&split.path)
            .options(options)
            .split(split)
            .header(self.header(&split.path)?);
        if let Some(progress) = progress {
            builder = builder.progress(progress);
        }
        Ok(Box::new(builder.build()?.map(|b| b.map_err(Error::from))))
    }
}
