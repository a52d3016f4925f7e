//! BGEN through the shared scan, and the BGEN writer.

use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use genolake_bgen::{Compression, Header, Reader, ReaderOptions, Writer};
use genolake_core::{Progress, Region, Split};

use super::writer::{FormatWriter, PartialFile, WriteSpec, Written};
use super::{InputFormat, ReadSpec};
use crate::error::{Error, Result};
use crate::options::{BGEN_OPTION_NAMES, apply_bgen_option};
use crate::scan::{BatchIter, FormatReader, PathCache};

pub(super) const READ: ReadSpec = ReadSpec {
    name: "bgen",
    display_name: "BGEN",
    extension: "bgen",
    suffixes: &[".bgen"],
    companions: &[],
    prefix: false,
    option_names: BGEN_OPTION_NAMES,
    usage: "read_bgen('imputed.bgen', 'sampleFilePath', 'imputed.sample', 'hardCallThreshold', 0.9)",
    reader: |options| {
        let mut o = ReaderOptions::default();
        for (key, value) in options {
            apply_bgen_option(&mut o, key, value)?;
        }
        Ok(Arc::new(BgenFormatReader::new(o)))
    },
    default_reader: || Arc::new(BgenFormatReader::new(ReaderOptions::default())),
};

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

pub(super) const WRITE: WriteSpec = WriteSpec {
    name: "bgen",
    display_name: "BGEN",
    suffixes: &[".bgen"],
    extension: "bgen",
    option_names: &[
        "bitsPerProbability",
        "compression",
        "compressionLevel",
        "maximumInferredPloidy",
        "defaultInferredPloidy",
        "defaultInferredPhasing",
        "sampleIds",
    ],
    create: |path, _schema, options, _source| {
        let mut o = genolake_bgen::WriterOptions::default();
        if let Some(bits) = options.number("bitsPerProbability", 1..=32)? {
            o.bits_per_probability = bits;
        }
        o.compression = match options.text("compression")?.as_deref() {
            None => o.compression,
            Some(c) if c.eq_ignore_ascii_case("zlib") => Compression::Zlib,
            Some(c) if c.eq_ignore_ascii_case("zstd") => Compression::Zstd,
            Some(c) => {
                return Err(Error::option(
                    "compression",
                    format!("expected zlib or zstd, not '{c}'"),
                ));
            }
        };
        o.compression_level = options.number("compressionLevel", -7..=22)?;
        if let Some(ploidy) = options.number("maximumInferredPloidy", 1..=63)? {
            o.maximum_inferred_ploidy = ploidy;
        }
        if let Some(ploidy) = options.number("defaultInferredPloidy", 1..=63)? {
            o.default_inferred_ploidy = ploidy;
        }
        if let Some(phased) = options.flag("defaultInferredPhasing")? {
            o.default_inferred_phasing = phased;
        }
        o.sample_ids = options.list("sampleIds")?;
        let file = PartialFile::new(path);
        let writer = Writer::create(file.partial(), o)?;
        Ok(Box::new(BgenFormatWriter { writer, file }))
    },
};

/// The BGEN writer behind [`WriteFormat::Bgen`](super::WriteFormat::Bgen),
/// writing under a temporary name.
struct BgenFormatWriter {
    writer: Writer,
    file: PartialFile,
}

impl FormatWriter for BgenFormatWriter {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        Ok(self.writer.write(batch)?)
    }

    fn finish(self: Box<Self>) -> Result<Written> {
        let rows = self.writer.finish()?;
        Ok(Written {
            rows,
            paths: vec![self.file.keep()?],
        })
    }
}
