//! VCF through the shared scan, and the VCF writer behind `convert` and
//! `COPY ... STORED AS VCF`.

use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use genolake_core::{Progress, Region, Split};
use genolake_vcf::header::Contig;
use genolake_vcf::writer::{Compression as OutputCompression, IndexFormat};
use genolake_vcf::{Compression, Header, Reader, ReaderOptions, WriterOptions};

use super::writer::{FormatWriter, Options as WriterSpecOptions, WriteSource, WriteSpec, Written};
use super::{InputFormat, ReadSpec};
use crate::error::{Error, Result};
use crate::options::{VCF_OPTION_NAMES, apply_vcf_option};
use crate::scan::{BatchIter, FormatReader, PathCache, SharedReader};

/// File name endings of VCF files.
pub(super) const SUFFIXES: &[&str] = &[".vcf", ".vcf.gz", ".vcf.bgz", ".vcf.bgzf", ".vcf.gzip"];

pub(super) const READ: ReadSpec = ReadSpec {
    name: "vcf",
    display_name: "VCF",
    extension: "vcf",
    suffixes: SUFFIXES,
    companions: &[],
    prefix: false,
    option_names: VCF_OPTION_NAMES,
    usage: "read_vcf('calls.vcf.gz', 'includeSampleIds', false, 'region', '20:1-100000')",
    reader: |options| Ok(Arc::new(VcfFormatReader::new(reader_options(options)?))),
    default_reader: || Arc::new(VcfFormatReader::new(ReaderOptions::default())),
};

/// VCF reader options from name, value pairs (BCF takes the same).
pub(super) fn reader_options(options: &[(String, String)]) -> Result<ReaderOptions> {
    let mut o = ReaderOptions::default();
    for (key, value) in options {
        apply_vcf_option(&mut o, key, value)?;
    }
    Ok(o)
}

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

    fn write_source(&self, path: &Path) -> Result<WriteSource> {
        Ok(WriteSource {
            vcf_header: Some(genolake_vcf::read_header_text(path)?),
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

/// The VCF writer's options, as users write them.
pub(super) const WRITE_OPTION_NAMES: &[&str] = &[
    "vcfHeader",
    "sampleIds",
    "compression",
    "compressionLevel",
    "index",
    "threads",
];

pub(super) const WRITE: WriteSpec = WriteSpec {
    name: "vcf",
    display_name: "VCF",
    suffixes: SUFFIXES,
    extension: "vcf.gz",
    option_names: WRITE_OPTION_NAMES,
    create: |path, schema, options, source| {
        let writer = genolake_vcf::Writer::builder(path)
            .options(writer_options(path, options, source)?)
            .build(schema)?;
        Ok(Box::new(VcfFormatWriter(writer)))
    },
};

/// Positions past this need a CSI index: tabix's bins stop at 2^29.
const TABIX_LIMIT: u64 = 1 << 29;

/// The options the VCF and BCF writers share, from a writer's `options` and
/// the source's header:
/// - `vcfHeader`: `infer` (a header made from the columns), the header
///   itself (text starting with `#`), or a VCF or BCF file whose header to
///   use; by default the source's header when it has one, else `infer`;
/// - `sampleIds`: the samples to write, comma-separated, in order;
/// - `compressionLevel`: 0 to 12 (default 6);
/// - `threads`: threads compressing blocks (default: every core).
pub(super) fn shared_writer_options(
    options: &WriterSpecOptions,
    source: &WriteSource,
) -> Result<WriterOptions> {
    let header = match options.text("vcfHeader")? {
        Some(value) if value.eq_ignore_ascii_case("infer") => None,
        Some(value) if value.starts_with('#') => Some(value),
        Some(file) => Some(header_of_file(Path::new(&file))?),
        None => source.vcf_header.clone(),
    };
    let mut writer = WriterOptions {
        header,
        contigs: source
            .contigs
            .iter()
            .map(|id| Contig {
                id: id.clone(),
                length: None,
            })
            .collect(),
        samples: options
            .list("sampleIds")?
            .or_else(|| source.samples.clone()),
        threads: options.number("threads", 0..=1024)?,
        ..WriterOptions::default()
    };
    if let Some(level) = options.number("compressionLevel", 0..=12)? {
        writer.compression_level = level;
    }
    Ok(writer)
}

/// The VCF writer's options: [`shared_writer_options`] and
/// - `compression`: `bgzf` (also `gzip`, `bgzip`) or `none`; by default
///   told by the name (`.gz`, `.bgz`, `.bgzf` are BGZF);
/// - `index`: `tbi`, `csi` or `none`; by default `tbi` beside a BGZF file
///   (`csi` when the header declares a contig of 2^29 bases or more) and
///   none beside plain text.
fn writer_options(
    path: &Path,
    options: &WriterSpecOptions,
    source: &WriteSource,
) -> Result<WriterOptions> {
    let mut writer = shared_writer_options(options, source)?;
    let compression = match options.text("compression")?.as_deref() {
        None => None,
        Some(c)
            if ["bgzf", "bgzip", "gzip", "gz"]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(c)) =>
        {
            Some(true)
        }
        Some(c)
            if ["none", "uncompressed", "plain"]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(c)) =>
        {
            Some(false)
        }
        Some(c) => {
            return Err(Error::option(
                "compression",
                format!("expected bgzf or none, not '{c}'"),
            ));
        }
    };
    let bgzf = compression
        .unwrap_or_else(|| OutputCompression::from_path(path) == OutputCompression::Bgzf);
    let index = match options.text("index")?.as_deref() {
        None if bgzf && longest_contig(writer.header.as_deref()) >= TABIX_LIMIT => {
            Some(IndexFormat::Csi)
        }
        None if bgzf => Some(IndexFormat::Tabix),
        None => None,
        Some(i) if i.eq_ignore_ascii_case("tbi") || i.eq_ignore_ascii_case("tabix") => {
            Some(IndexFormat::Tabix)
        }
        Some(i) if i.eq_ignore_ascii_case("csi") => Some(IndexFormat::Csi),
        Some(i) if i.eq_ignore_ascii_case("none") => None,
        Some(i) => {
            return Err(Error::option(
                "index",
                format!("expected tbi, csi or none, not '{i}'"),
            ));
        }
    };
    if index.is_some() && !bgzf {
        return Err(Error::option(
            "index",
            "an index needs a BGZF file (name the output .vcf.gz, or set compression bgzf)",
        ));
    }
    writer.compression = Some(if bgzf {
        OutputCompression::Bgzf
    } else {
        OutputCompression::None
    });
    writer.index = index;
    Ok(writer)
}

/// The header of the VCF or BCF file at `path` (a `vcfHeader` naming one).
fn header_of_file(path: &Path) -> Result<String> {
    if !path.is_file() {
        return Err(Error::option(
            "vcfHeader",
            format!(
                "{}: no such file (give infer, the header text, or a VCF or BCF file)",
                path.display()
            ),
        ));
    }
    Ok(if genolake_vcf::bcf::is_bcf(path)? {
        genolake_vcf::bcf::read_header_text(path)?
    } else {
        genolake_vcf::read_header_text(path)?
    })
}

/// The longest contig `header` declares (0 when none or no header).
fn longest_contig(header: Option<&str>) -> u64 {
    let Some(text) = header else { return 0 };
    let mut parser = genolake_vcf::header::HeaderParser::new(genolake_core::Stringency::Silent);
    for line in text.lines() {
        if parser.feed(line).unwrap_or(true) {
            break;
        }
    }
    parser.finish().map_or(0, |h| {
        h.contigs.iter().filter_map(|c| c.length).max().unwrap_or(0)
    })
}

/// The VCF writer behind [`WriteFormat::Vcf`](super::WriteFormat::Vcf).
struct VcfFormatWriter(genolake_vcf::Writer);

impl FormatWriter for VcfFormatWriter {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        Ok(self.0.write(batch)?)
    }

    fn finish(self: Box<Self>) -> Result<Written> {
        Ok(self.0.finish()?.into())
    }
}
