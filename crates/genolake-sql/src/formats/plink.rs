//! PLINK 1 filesets through the shared scan.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use genolake_core::{Progress, Region, Split};
use genolake_plink::{Fileset, FilesetPaths, Reader, ReaderOptions};

use super::InputFormat;
use crate::error::{Error, Result};
use crate::scan::{BatchIter, FormatReader, PathCache};

/// Reads PLINK 1 filesets with `genolake_plink` through their `.bed`,
/// opening each fileset (its `.fam` read, its `.bim` counted, its `.bed`
/// size checked) once for all its splits.
#[derive(Debug, Clone)]
pub struct PlinkFormatReader {
    options: ReaderOptions,
    filesets: PathCache<Fileset>,
}

impl PlinkFormatReader {
    /// A reader with `options`.
    pub fn new(options: ReaderOptions) -> Self {
        Self {
            options,
            filesets: PathCache::default(),
        }
    }

    /// The reader options.
    pub fn options(&self) -> &ReaderOptions {
        &self.options
    }

    fn fileset(&self, bed: &Path) -> Result<Arc<Fileset>> {
        let delimiter = self.options.fam_delimiter;
        self.filesets
            .get(bed, |bed| Ok(Fileset::open(bed, delimiter)?))
    }
}

impl FormatReader for PlinkFormatReader {
    fn format(&self) -> InputFormat {
        InputFormat::Plink
    }

    /// A fileset is named by its `.bed`, its `.bim`, its `.fam` or the
    /// prefix they share; the scan reads the `.bed`.
    fn resolve(&self, path: &Path) -> PathBuf {
        let lower = path.to_string_lossy().to_ascii_lowercase();
        if lower.ends_with(".bim") || lower.ends_with(".fam") {
            return path.with_extension("bed");
        }
        FilesetPaths::new(path).bed
    }

    fn schema(&self, path: &Path) -> Result<SchemaRef> {
        // Opening the fileset checks that its three files fit together.
        self.fileset(path)?;
        Ok(genolake_plink::schema(&self.options))
    }

    fn splittable(&self, _path: &Path) -> bool {
        true
    }

    fn plan_splits(&self, path: &Path, target: usize) -> Result<Vec<Split>> {
        Ok(self.fileset(path)?.plan_splits(target))
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
            .fileset(self.fileset(&split.path)?);
        if let Some(progress) = progress {
            builder = builder.progress(progress);
        }
        Ok(Box::new(builder.build()?.map(|b| b.map_err(Error::from))))
    }
}
