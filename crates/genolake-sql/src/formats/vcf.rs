//! VCF through the shared scan.

use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use genolake_core::{Progress, Region, Split};
use genolake_vcf::{Compression, Header, Reader, ReaderOptions};

use super::InputFormat;
use crate::error::{Error, Result};
use crate::scan::{BatchIter, FormatReader, PathCache};

/// Reads VCF files with `genolake_vcf`, parsing each file's header once for
/// all its splits.
#[derive(Debug, Clone)]
pub struct VcfFormatReader {
    options: ReaderOptions,
    headers: PathCache<Header>,
}

impl VcfFormatReader {
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
        let stringency = self.options.stringency;
        self.headers.get(path, |path| {
            let header = genolake_vcf::read_header(path, stringency)?;
            for warning in &header.warnings {
                tracing::warn!("{}: {warning}", path.display());
            }
            Ok(header)
        })
    }
}

impl FormatReader for VcfFormatReader {
    fn format(&self) -> InputFormat {
        InputFormat::Vcf
    }

    fn schema(&self, path: &Path) -> Result<SchemaRef> {
        let header = self.header(path)?;
        genolake_vcf::schema(&header, &self.options).map_err(|e| Error::input(path, e))
    }

    fn splittable(&self, path: &Path) -> bool {
        genolake_vcf::reader::detect_compression(path).is_ok_and(|c| c != Compression::Gzip)
    }

    fn plan_splits(&self, path: &Path, target: usize) -> Result<Vec<Split>> {
        Ok(genolake_vcf::plan_splits(path, target)?)
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

    fn matrix_genotypes(&self) -> Option<crate::scan::SharedReader> {
        Some(Arc::new(Self {
            options: ReaderOptions {
                matrix_genotypes: true,
                ..self.options.clone()
            },
            headers: self.headers.clone(),
        }))
    }
}
