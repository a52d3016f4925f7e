//! BCF through the shared scan: the VCF reader's options and schema, read
//! with `genolake_vcf::bcf`; and the BCF writer, with the VCF writer's
//! options.

use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use genolake_core::{Progress, Region, Split};
use genolake_vcf::bcf::{Reader, Writer};
use genolake_vcf::writer::IndexFormat;
use genolake_vcf::{Header, ReaderOptions};

use super::vcf::{
    annotation_parser, annotations_as_text, annotations_as_text_schema, has_parsed_annotations,
    parse_annotations_in, reader_options, shared_writer_options, with_annotations,
};
use super::writer::{FormatWriter, WriteSource, WriteSpec, Written};
use super::{InputFormat, ReadSpec};
use crate::error::{Error, Result};
use crate::options::VCF_OPTION_NAMES;
use crate::scan::{BatchIter, FormatReader, PathCache, SharedReader};

pub(super) const READ: ReadSpec = ReadSpec {
    name: "bcf",
    display_name: "BCF",
    extension: "bcf",
    suffixes: &[".bcf"],
    companions: &[],
    prefix: false,
    option_names: VCF_OPTION_NAMES,
    usage: "read_bcf('calls.bcf', 'includeSampleIds', false, 'region', '20:1-100000')",
    reader: |options| Ok(Arc::new(BcfFormatReader::new(reader_options(options)?))),
    default_reader: || Arc::new(BcfFormatReader::new(ReaderOptions::default())),
};

/// Reads BCF files with `genolake_vcf::bcf`, parsing each file's header
/// once (to give the schema; each split reads the dictionaries again).
#[derive(Debug, Clone)]
pub struct BcfFormatReader {
    options: ReaderOptions,
    headers: PathCache<Header>,
}

impl BcfFormatReader {
    /// A reader with `options` (the VCF reader's).
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
            let header = genolake_vcf::bcf::read_header(path, stringency)?;
            for warning in &header.warnings {
                tracing::warn!("{}: {warning}", path.display());
            }
            Ok(header)
        })
    }
}

impl FormatReader for BcfFormatReader {
    fn format(&self) -> InputFormat {
        InputFormat::Bcf
    }

    fn schema(&self, path: &Path) -> Result<SchemaRef> {
        let header = self.header(path)?;
        let schema =
            genolake_vcf::schema(&header, &self.options).map_err(|e| Error::input(path, e))?;
        Ok(with_annotations(
            schema,
            annotation_parser(&header, path).as_deref(),
        ))
    }

    /// BCF is BGZF: any byte range is read from the blocks starting in it.
    fn splittable(&self, _path: &Path) -> bool {
        true
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
        let parser = annotation_parser(&*self.header(&split.path)?, &split.path);
        let mut builder = Reader::builder(&split.path).options(options).split(split);
        if let Some(progress) = progress {
            builder = builder.progress(progress);
        }
        let batches = Box::new(builder.build()?.map(|b| b.map_err(Error::from)));
        Ok(parse_annotations_in(batches, parser))
    }

    fn write_source(&self, path: &Path) -> Result<WriteSource> {
        Ok(WriteSource {
            vcf_header: Some(genolake_vcf::bcf::read_header_text(path)?),
            ..WriteSource::default()
        })
    }

    fn matrix_genotypes(&self) -> Option<SharedReader> {
        Some(Arc::new(Self {
            options: ReaderOptions {
                matrix_genotypes: true,
                ..self.options.clone()
            },
            headers: self.headers.clone(),
        }))
    }
}

pub(super) const WRITE: WriteSpec = WriteSpec {
    name: "bcf",
    display_name: "BCF",
    suffixes: &[".bcf"],
    extension: "bcf",
    option_names: &[
        "vcfHeader",
        "sampleIds",
        "compressionLevel",
        "index",
        "threads",
    ],
    create: |path, schema, options, source| {
        let mut writer_options = shared_writer_options(options, source)?;
        // BCF is BGZF, indexed with CSI as `bcftools index` does.
        writer_options.index = match options.text("index")?.as_deref() {
            None => Some(IndexFormat::Csi),
            Some(i) if i.eq_ignore_ascii_case("csi") => Some(IndexFormat::Csi),
            Some(i) if i.eq_ignore_ascii_case("none") => None,
            Some(i) => {
                return Err(Error::option(
                    "index",
                    format!("expected csi or none for BCF, not '{i}'"),
                ));
            }
        };
        let writer = Writer::builder(path)
            .options(writer_options)
            .build(&annotations_as_text_schema(schema))?;
        Ok(Box::new(BcfFormatWriter {
            writer,
            parsed_annotations: has_parsed_annotations(schema),
        }))
    },
};

/// The BCF writer behind [`WriteFormat::Bcf`](super::WriteFormat::Bcf).
struct BcfFormatWriter {
    writer: Writer,
    /// The rows hold CSQ/ANN parsed into structs, written back as text.
    parsed_annotations: bool,
}

impl FormatWriter for BcfFormatWriter {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if self.parsed_annotations {
            Ok(self.writer.write(&annotations_as_text(batch)?)?)
        } else {
            Ok(self.writer.write(batch)?)
        }
    }

    fn finish(self: Box<Self>) -> Result<Written> {
        Ok(self.writer.finish()?.into())
    }
}
