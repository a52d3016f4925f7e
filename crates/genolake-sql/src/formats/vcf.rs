//! VCF through the shared scan, and the VCF writer behind `convert` and
//! `COPY ... STORED AS VCF`.

use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use genolake_core::schema::INFO_PREFIX;
use genolake_core::{Progress, Region, Split};
use genolake_ops::annotation::{AnnotationParser, format_annotation_column};
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
        let schema =
            genolake_vcf::schema(&header, &self.options).map_err(|e| Error::input(path, e))?;
        Ok(with_annotations(
            schema,
            annotation_parser(&header, path).as_deref(),
        ))
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
        let header = self.header(&split.path)?;
        let parser = annotation_parser(&header, &split.path);
        let mut builder = Reader::builder(&split.path)
            .options(options)
            .split(split)
            .header(header);
        if let Some(progress) = progress {
            builder = builder.progress(progress);
        }
        let batches = Box::new(builder.build()?.map(|b| b.map_err(Error::from)));
        Ok(parse_annotations_in(batches, parser))
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
            .build(&annotations_as_text_schema(schema))?;
        Ok(Box::new(VcfFormatWriter {
            writer,
            parsed_annotations: has_parsed_annotations(schema),
        }))
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
struct VcfFormatWriter {
    writer: genolake_vcf::Writer,
    /// The rows hold CSQ/ANN parsed into structs, written back as text.
    parsed_annotations: bool,
}

impl FormatWriter for VcfFormatWriter {
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

/// The parser of the VEP (`CSQ`) and SnpEff (`ANN`) annotations `header`
/// describes: Glow reads them as lists of structs, typed and named from the
/// header's Description (see [`genolake_ops::annotation`]). A Description
/// that names no usable fields leaves them text, with a warning.
pub(super) fn annotation_parser(header: &Header, path: &Path) -> Option<Arc<AnnotationParser>> {
    match AnnotationParser::from_header(header) {
        Ok(parser) => parser.map(Arc::new),
        Err(e) => {
            tracing::warn!(
                "{}: {e}; its CSQ/ANN values are read as text",
                path.display()
            );
            None
        }
    }
}

/// `schema` with the annotation columns `parser` parses typed as it
/// returns them.
pub(super) fn with_annotations(schema: SchemaRef, parser: Option<&AnnotationParser>) -> SchemaRef {
    match parser {
        Some(parser) => parser.output_schema(&schema),
        None => schema,
    }
}

/// `batches` with their annotation columns parsed.
pub(super) fn parse_annotations_in(
    batches: BatchIter,
    parser: Option<Arc<AnnotationParser>>,
) -> BatchIter {
    match parser {
        Some(parser) => Box::new(batches.map(move |batch| Ok(parser.transform(&batch?)?))),
        None => batches,
    }
}

/// Whether an INFO column holds parsed annotations (a list of structs).
fn is_parsed_annotation(field: &Field) -> bool {
    field.name().starts_with(INFO_PREFIX)
        && matches!(field.data_type(), DataType::List(item) if matches!(item.data_type(), DataType::Struct(_)))
}

/// Whether `schema` has parsed annotation columns the VCF and BCF writers
/// must turn back into text.
pub(super) fn has_parsed_annotations(schema: &Schema) -> bool {
    schema.fields().iter().any(|f| is_parsed_annotation(f))
}

/// `schema` with parsed annotation columns as the text lists they were.
pub(super) fn annotations_as_text_schema(schema: &Schema) -> Schema {
    let fields: Vec<FieldRef> = schema
        .fields()
        .iter()
        .map(|f| {
            if is_parsed_annotation(f) {
                Arc::new(Field::new(
                    f.name(),
                    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
                    true,
                ))
            } else {
                Arc::clone(f)
            }
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}

/// `batch` with parsed annotation columns written back as text, as Glow's
/// VCF writer does.
pub(super) fn annotations_as_text(batch: &RecordBatch) -> Result<RecordBatch> {
    let schema = Arc::new(annotations_as_text_schema(&batch.schema()));
    let columns = batch
        .schema()
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(field, column)| {
            if is_parsed_annotation(field) {
                Ok(format_annotation_column(column.as_ref())?)
            } else {
                Ok(Arc::clone(column))
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new(schema, columns)?)
}
