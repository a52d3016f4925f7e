//! Writing the variant table as VCF: plain text, or BGZF with a `.tbi` or
//! `.csi` index built on the way. The BCF writer ([`bcf::Writer`](crate::bcf::Writer))
//! is this writer with binary records: the header, samples, columns,
//! output and index below are shared; only the records differ.
//!
//! Any record batches with the variant table's columns can be written:
//! those the [`Reader`](crate::Reader) yields, or a SQL result that keeps
//! their names (`contigName`, `start` and `referenceAllele` are required;
//! `end`, `names`, `alternateAlleles`, `qual`, `filters`, `INFO_<key>`
//! columns and `genotypes` are written when present; other columns are left
//! out, with a warning). Types a SQL engine may produce instead of the
//! reader's (`Utf8View`, `LargeList`, narrower integers, `Float32`) are cast
//! first. Batches in the matrix layout
//! ([`ReaderOptions::matrix_genotypes`](crate::ReaderOptions::matrix_genotypes))
//! are not written yet: convert them to Glow's layout first.
//!
//! # What is written
//!
//! - POS is `start + 1`; ID is `names` joined by `;`; ALT `alternateAlleles`
//!   joined by `,`; FILTER `filters` joined by `;`; each is `.` when null or
//!   empty, as QUAL is when null.
//! - INFO: a Flag (a Boolean column) as its bare key when true, left out
//!   when false or null; other values as `key=value`, lists joined by `,`
//!   with `.` for null items, left out when null or empty. Where there is
//!   no `INFO_END` column, `END=` is written from `end` on rows whose `end`
//!   is not `start` + the length of REF (the reader took it from INFO END).
//! - FORMAT: GT first, from `calls` (−1 is `.`) joined by `|` when `phased`
//!   else `/`; then the other genotype fields, named back by
//!   [`format_key_of_genotype_field`](genolake_core::schema::format_key_of_genotype_field),
//!   in the supplied header's order, else the columns'. As htslib does, a
//!   row lists the keys some sample has a value for, and a sample's trailing
//!   missing values are left out (`0/1` rather than `0/1:.:.`). Genotype
//!   fields a header did not declare (`otherFields`) are not written.
//! - INFO as one `attributes` map (a `flattenInfoFields=false` read) is
//!   written entry by entry, in its order, `key=value` (a bare key for an
//!   empty value, as the reader gives Flags); an inferred header declares
//!   the keys of the first batch (reserved keys as the specification does,
//!   others as Flags or `Number=.` Strings).
//! - Floats are written with the fewest digits that read back to the same
//!   value (ryu; `f32` columns to the same `f32`), integers in decimal: a
//!   file read, written and read again gives the same values, and bcftools
//!   prints the same text for the original and the copy.
//! - What VCF cannot tell apart is not kept apart: a null list and a list
//!   of one null item are both `.`; a null `calls` among a row's genotypes
//!   is written `.` and reads back as `[-1]`; the order of a record's INFO
//!   and FORMAT keys is the header's (the table has no other).
//!
//! # The header
//!
//! Supplied as text ([`WriterBuilder::header`], Glow's `vcfHeader`, for
//! example [`read_header_text`](crate::read_header_text) of the source
//! file), its `##` lines are written as they are, followed by lines for the
//! columns they do not declare, and its samples are the samples written
//! unless [`WriterBuilder::samples`] says otherwise. Otherwise the header is
//! inferred from the columns: `##fileformat=VCFv4.3`, `PASS` and the
//! filters of the first batch, one INFO line per `INFO_<key>` column and one
//! FORMAT line per genotype field. A key the specification reserves takes
//! the specification's Number, Type and Description when its column has
//! the type they give (`INFO_AF` as a list of floats is `Number=A,Type=Float`);
//! any other key takes them from its Arrow type: Boolean is a Flag
//! (`Number=0`), a list is `Number=.`, a scalar `Number=1`; integers are
//! Integer, floats Float, strings String. `END` is declared when a row of
//! the first batch needs it (so a table without such rows reads back
//! without an `INFO_END` column).
//!
//! The header is written with the first row, before the records, so it
//! cannot list the contigs they name: `##contig` lines come from
//! [`WriterBuilder::contigs`] (or the supplied header). bcftools, tabix and
//! htslib read records of undeclared contigs (with a warning) and index
//! them without contig lines; VCF 4.3 asks for them, so pass them when they
//! are known.
//!
//! # Files
//!
//! The file is written under a temporary name (`<path>.partial`) and renamed
//! by [`Writer::finish`]: a failed write leaves nothing under the final name,
//! and a writer dropped without `finish` removes its temporary files. BGZF
//! blocks are cut every 65,280 bytes of text, as bgzip cuts them, and
//! compressed by libdeflate on [`WriterBuilder::threads`] threads while the
//! next records are formatted. An index needs records sorted by contig (each
//! contig's records together) and position: a record out of order is an
//! error naming it.
//!
//! # Examples
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use genolake_vcf::writer::IndexFormat;
//! use genolake_vcf::{Reader, Writer, read_header_text};
//!
//! let source = "tests/data/VCFv4.3.vcf";
//! let reader = Reader::open(source)?;
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("copy.vcf.gz");
//! let mut writer = Writer::builder(&path)
//!     .header(read_header_text(source)?)
//!     .index(IndexFormat::Tabix)
//!     .build(&reader.schema())?;
//! for batch in reader {
//!     writer.write(&batch?)?;
//! }
//! let summary = writer.finish()?;
//! assert_eq!(summary.records, 5);
//! assert!(dir.path().join("copy.vcf.gz.tbi").is_file());
//! let again: usize = Reader::open(&path)?.map(|b| b.unwrap().num_rows()).sum();
//! assert_eq!(again, 5);
//! # Ok(()) }
//! ```

mod builder;
pub(crate) mod header;
pub(crate) mod indexer;
pub(crate) mod output;
pub(crate) mod record;

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::{RecordBatch, StringArray};
use arrow::datatypes::Schema;
use libdeflater::CompressionLvl;

pub use builder::{WriterBuilder, WriterOptions};
pub use indexer::IndexFormat;

use crate::error::{Error, ErrorKind, Position, Result};
use crate::header::Contig;
use header::Supplied;
use indexer::Indexer;
use output::Output;
use record::{Columns, Layout};

/// How the text is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Plain text (`.vcf`).
    None,
    /// BGZF (`.vcf.gz`), which tabix, bcftools and the reader can split and index.
    Bgzf,
}

impl Compression {
    /// BGZF for names ending in `.gz`, `.bgz` or `.bgzf`, else plain text.
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some("gz" | "bgz" | "bgzf") => Compression::Bgzf,
            _ => Compression::None,
        }
    }
}

/// What a finished write produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteSummary {
    /// The file written.
    pub path: PathBuf,
    /// The index written beside it, if any.
    pub index: Option<PathBuf>,
    /// Records (rows) written.
    pub records: u64,
    /// Bytes of the file (compressed, for BGZF).
    pub bytes: u64,
}

/// The samples written, and where each row's genotypes put them.
pub(crate) struct Samples {
    pub(crate) names: Vec<String>,
    /// Picked by `sampleId` (else by position).
    by_id: bool,
    /// The `sampleId`s of the first row (their bytes, and offsets from the
    /// first), against which later rows are checked in one comparison.
    reference_bytes: Vec<u8>,
    reference_offsets: Vec<i32>,
    /// For each name, its place among the first row's genotypes.
    selection: Vec<usize>,
}

impl Samples {
    /// Whether the ids of genotypes `range` are those of the first row, in
    /// its order.
    fn same_as_first(&self, ids: &StringArray, range: &std::ops::Range<usize>) -> bool {
        if range.len() + 1 != self.reference_offsets.len() {
            return false;
        }
        let offsets = ids.value_offsets();
        let base = offsets[range.start];
        let bytes = &ids.value_data()[base as usize..offsets[range.end] as usize];
        bytes == self.reference_bytes.as_slice()
            && offsets[range.start..=range.end]
                .iter()
                .zip(&self.reference_offsets)
                .all(|(o, r)| o - base == *r)
    }

    /// Fills `index` with the genotype of each sample in row `range`.
    pub(crate) fn place(
        &self,
        ids: Option<&StringArray>,
        range: std::ops::Range<usize>,
        index: &mut Vec<usize>,
    ) -> std::result::Result<(), String> {
        index.clear();
        let Some(ids) = ids.filter(|_| self.by_id) else {
            if range.len() != self.names.len() {
                return Err(format!(
                    "the row has {} genotypes, but the header names {} samples",
                    range.len(),
                    self.names.len()
                ));
            }
            index.extend(range);
            return Ok(());
        };
        if self.same_as_first(ids, &range) {
            index.extend(self.selection.iter().map(|s| range.start + s));
            return Ok(());
        }
        let row: HashMap<&str, usize> = range.clone().map(|g| (ids.value(g), g)).collect();
        for name in &self.names {
            match row.get(name.as_str()) {
                Some(g) => index.push(*g),
                None => {
                    return Err(format!(
                        "sample {name:?} has no genotype in the row (its {} genotypes are of other samples)",
                        range.len()
                    ));
                }
            }
        }
        Ok(())
    }
}

/// What a file format makes of the rows: the VCF writer's text, or BCF's
/// binary records. Everything else (options, samples, the header's text,
/// BGZF, the index, the temporary name) is the [`Core`]'s, shared.
pub(crate) trait RecordFormat {
    /// Whether the contigs of the first batch that the header lacks are
    /// declared in it (BCF refers to contigs by their header line).
    const DECLARES_FIRST_CONTIGS: bool;

    /// Appends the head of the file, given the header's text (`#CHROM`
    /// line included) and the columns it declares.
    fn write_header(
        &mut self,
        text: &str,
        layout: &Layout,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String>;

    /// Appends row `row` of `columns`, its genotypes placed by `samples`.
    fn write_row(
        &mut self,
        columns: &Columns,
        row: usize,
        layout: &Layout,
        samples: &Samples,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String>;

    /// The index's id of a contig, once the header is written: `None` to
    /// number contigs as they come (VCF); BCF's are its dictionary's.
    fn contig_id(&self, contig: &str) -> Option<usize>;

    /// The indexer for an index of `format`, made when the header is written.
    fn indexer(&self, format: IndexFormat, contigs: &[Contig]) -> Indexer;
}

/// VCF text: the records as data lines.
#[derive(Default)]
pub(crate) struct VcfRecords {
    /// Scratch: the FORMAT fields a row writes; where its samples are.
    present: Vec<usize>,
    genotype_index: Vec<usize>,
}

impl RecordFormat for VcfRecords {
    const DECLARES_FIRST_CONTIGS: bool = false;

    fn write_header(
        &mut self,
        text: &str,
        _layout: &Layout,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        out.extend_from_slice(text.as_bytes());
        Ok(())
    }

    fn write_row(
        &mut self,
        columns: &Columns,
        row: usize,
        layout: &Layout,
        samples: &Samples,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        columns.write_site(row, layout, out)?;
        if let (Some(layout), Some(genotypes)) = (&layout.genotypes, &columns.genotypes) {
            let range = genotypes.range(row);
            if samples.names.is_empty() {
                // No sample columns, and no FORMAT column either.
            } else if range.is_empty() {
                record::write_missing_samples(samples.names.len(), out);
            } else {
                samples.place(genotypes.sample_ids(), range, &mut self.genotype_index)?;
                columns.write_samples(row, layout, &self.genotype_index, &mut self.present, out)?;
            }
        }
        out.push(b'\n');
        Ok(())
    }

    fn contig_id(&self, _contig: &str) -> Option<usize> {
        None
    }

    fn indexer(&self, format: IndexFormat, contigs: &[Contig]) -> Indexer {
        Indexer::new(format, contigs.iter().filter_map(|c| c.length).max())
    }
}

/// Writes record batches of the variant table as VCF.
///
/// See the [module documentation](self) for what is written and an example.
pub struct Writer {
    core: Core<VcfRecords>,
}

/// The state every writer shares: paths, output, index, header and samples.
pub(crate) struct Core<F: RecordFormat> {
    pub(crate) path: PathBuf,
    partial: PathBuf,
    /// The index's final and temporary paths.
    index_paths: Option<(PathBuf, PathBuf)>,
    output: Option<Output>,
    indexer: Option<Indexer>,
    layout: Layout,
    supplied: Option<Supplied>,
    options: WriterOptions,
    samples: Option<Samples>,
    records: u64,
    pub(crate) format: F,
    finished: bool,
}

pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

impl Writer {
    /// Starts a file for batches of `schema`, with default options (a header
    /// inferred from the columns; BGZF for `.gz` names).
    pub fn create(path: impl AsRef<Path>, schema: &Schema) -> Result<Self> {
        Self::builder(path).build(schema)
    }

    /// A builder for options.
    pub fn builder(path: impl AsRef<Path>) -> WriterBuilder {
        WriterBuilder::new(path.as_ref())
    }

    pub(crate) fn open(path: PathBuf, options: WriterOptions, schema: &Schema) -> Result<Self> {
        let compression = options
            .compression
            .unwrap_or_else(|| Compression::from_path(&path));
        Ok(Self {
            core: Core::open(path, options, schema, compression, VcfRecords::default())?,
        })
    }

    /// Appends the rows of a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.core.write(batch)
    }

    /// Writes what is buffered, the index, and moves the files to their
    /// final names.
    pub fn finish(self) -> Result<WriteSummary> {
        self.core.finish()
    }
}

impl<F: RecordFormat> Core<F> {
    /// Checks the options against `schema` and opens the temporary file.
    pub(crate) fn open(
        path: PathBuf,
        options: WriterOptions,
        schema: &Schema,
        compression: Compression,
        format: F,
    ) -> Result<Self> {
        let fail = |message: String| Error::new(&path, Position::File, ErrorKind::Input(message));
        let supplied = options
            .header
            .as_deref()
            .map(header::parse_supplied)
            .transpose()
            .map_err(|e| Error::new(&path, Position::File, ErrorKind::Header(e)))?;
        let formats = supplied.as_ref().map_or(&[][..], |s| &s.formats[..]);
        let layout = Layout::of(schema, formats).map_err(fail)?;
        if !layout.ignored.is_empty() {
            tracing::warn!(
                "{}: columns that are not VCF fields are not written: {}",
                path.display(),
                layout.ignored.join(", ")
            );
        }
        if options.index.is_some() && compression != Compression::Bgzf {
            return Err(fail(
                "an index needs BGZF compression (a .gz name, or Compression::Bgzf)".into(),
            ));
        }
        let level = CompressionLvl::new(options.compression_level as i32).map_err(|_| {
            fail(format!(
                "compression level {} is not between 0 and 12",
                options.compression_level
            ))
        })?;
        if options.index == Some(IndexFormat::Tabix)
            && let Some(contig) = options
                .contigs
                .iter()
                .find(|c| c.length.is_some_and(|l| l >= 1 << 29))
        {
            return Err(fail(format!(
                "contig {} is longer than the 2^29 − 1 bases a tabix index holds: index with CSI (IndexFormat::Csi)",
                contig.id
            )));
        }
        let partial = with_suffix(&path, ".partial");
        let file = File::create(&partial).map_err(|e| Error::io(&partial, e))?;
        let threads = options.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        });
        let output = match compression {
            Compression::None => Output::plain(file),
            Compression::Bgzf => Output::bgzf(file, level, threads),
        };
        let index_paths = options.index.map(|format| {
            let final_path = with_suffix(&path, &format!(".{}", format.extension()));
            let partial = with_suffix(&final_path, ".partial");
            (final_path, partial)
        });
        Ok(Self {
            path,
            partial,
            index_paths,
            output: Some(output),
            indexer: None,
            layout,
            supplied,
            options,
            samples: None,
            records: 0,
            format,
            finished: false,
        })
    }

    fn record_error(&self, record: u64, message: String) -> Error {
        Error::new(
            &self.path,
            Position::Record(record),
            ErrorKind::Input(message),
        )
    }

    /// Decides the samples (from the options, the supplied header or the
    /// first row) and writes the header.
    fn start(&mut self, columns: Option<(&Columns, usize)>) -> Result<()> {
        let wanted = self.options.samples.clone().or_else(|| {
            self.supplied
                .as_ref()
                .map(|s| s.samples.clone())
                .filter(|s| !s.is_empty())
        });
        // The samples of the first row that has genotypes (a null list
        // names none).
        let first = columns.and_then(|(c, row)| {
            let g = c.genotypes.as_ref()?;
            let rows = row..c.rows();
            let with_genotypes = rows.clone().find(|&r| !g.range(r).is_empty());
            Some((g, g.range(with_genotypes.unwrap_or(row))))
        });
        let mut samples = Samples {
            names: Vec::new(),
            by_id: false,
            reference_bytes: Vec::new(),
            reference_offsets: vec![0],
            selection: Vec::new(),
        };
        if let Some(g) = &self.layout.genotypes {
            match first {
                Some((genotypes, range)) if g.sample_id && genotypes.sample_ids().is_some() => {
                    let ids = genotypes.sample_ids().expect("checked above");
                    samples.by_id = true;
                    let mut positions = HashMap::new();
                    for (k, i) in range.clone().enumerate() {
                        let id = ids.value(i);
                        samples.reference_bytes.extend_from_slice(id.as_bytes());
                        samples
                            .reference_offsets
                            .push(samples.reference_bytes.len() as i32);
                        positions.entry(id.to_string()).or_insert(k);
                    }
                    samples.names = wanted.unwrap_or_else(|| {
                        range.clone().map(|i| ids.value(i).to_string()).collect()
                    });
                    for name in &samples.names {
                        let Some(k) = positions.get(name) else {
                            let mut known: Vec<&str> =
                                range.clone().map(|i| ids.value(i)).collect();
                            known.truncate(5);
                            return Err(Error::new(
                                &self.path,
                                Position::Record(self.records + 1),
                                ErrorKind::Input(format!(
                                    "sample {name:?} is not among the samples of the batches ({}{})",
                                    known.join(", "),
                                    if range.len() > 5 { ", ..." } else { "" }
                                )),
                            ));
                        };
                        samples.selection.push(*k);
                    }
                }
                Some((_, range)) => {
                    samples.names = wanted.unwrap_or_else(|| {
                        (1..=range.len()).map(|i| format!("sample_{i}")).collect()
                    });
                }
                None => samples.names = wanted.unwrap_or_default(),
            }
        }
        if let Some(name) = samples
            .names
            .iter()
            .find(|n| n.is_empty() || n.contains(['\t', '\n', '\r']))
        {
            return Err(Error::new(
                &self.path,
                Position::File,
                ErrorKind::Input(format!(
                    "sample name {name:?} cannot stand in a #CHROM line (empty, or holding a tab or newline)"
                )),
            ));
        }
        let first_batch = header::FirstBatch {
            filters: columns.map(|(c, _)| c.filter_names()).unwrap_or_default(),
            attribute_keys: columns.map(|(c, _)| c.attribute_keys()).unwrap_or_default(),
            needs_end: columns.is_some_and(|(c, _)| c.needs_end(&self.layout)),
            contigs: match columns {
                Some((c, _)) if F::DECLARES_FIRST_CONTIGS => c.contig_names(),
                _ => Vec::new(),
            },
        };
        let text = header::header_text(
            &self.layout,
            self.supplied.as_ref(),
            &self.options.contigs,
            &samples.names,
            &first_batch,
        );
        self.samples = Some(samples);
        let output = self.output.as_mut().expect("open until finished");
        self.format
            .write_header(&text, &self.layout, &mut output.buffer)
            .map_err(|e| Error::new(&self.path, Position::File, ErrorKind::Header(e)))?;
        self.indexer = self
            .options
            .index
            .map(|f| self.format.indexer(f, &self.options.contigs));
        Ok(())
    }

    /// Appends the rows of a batch.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let columns = Columns::of(batch, &self.layout).map_err(|m| {
            Error::new(
                &self.path,
                Position::Record(self.records + 1),
                ErrorKind::Input(m),
            )
        })?;
        for row in 0..batch.num_rows() {
            if self.samples.is_none() {
                self.start(Some((&columns, row)))?;
            }
            let record = self.records + 1;
            self.write_row(&columns, row).map_err(|message| {
                let site = match (columns.contig(row), columns.position(row)) {
                    (Ok(contig), Ok(pos)) => format!("{contig}:{pos}: "),
                    _ => String::new(),
                };
                self.record_error(record, format!("{site}{message}"))
            })?;
            self.records = record;
            let output = self.output.as_mut().expect("open until finished");
            output
                .flush_full()
                .map_err(|e| Error::io(&self.partial, e))?;
            if let Some(indexer) = &mut self.indexer {
                indexer.drain(output).map_err(|m| {
                    Error::new(&self.path, Position::Record(record), ErrorKind::Index(m))
                })?;
            }
        }
        Ok(())
    }

    fn write_row(&mut self, columns: &Columns, row: usize) -> std::result::Result<(), String> {
        let output = self.output.as_mut().expect("open until finished");
        let start = output.text_position();
        let mark = output.buffer.len();
        let samples = self.samples.as_ref().expect("started before the first row");
        let result = (|| {
            self.format
                .write_row(columns, row, &self.layout, samples, &mut output.buffer)?;
            if let Some(indexer) = &mut self.indexer {
                let contig = columns.contig(row)?;
                let position = columns.position(row)?;
                indexer.push(
                    contig,
                    self.format.contig_id(contig),
                    position,
                    columns.end(row, position),
                    start,
                    start + (output.buffer.len() - mark) as u64,
                )?;
            }
            Ok(())
        })();
        if result.is_err() {
            // The record is not written: the writer can go on.
            output.buffer.truncate(mark);
        }
        result
    }

    /// Writes what is buffered, the index, and moves the files to their
    /// final names.
    pub(crate) fn finish(mut self) -> Result<WriteSummary> {
        if self.samples.is_none() {
            self.start(None)?;
        }
        let mut output = self.output.take().expect("open until finished");
        output.finish().map_err(|e| Error::io(&self.partial, e))?;
        let bytes = output.bytes_written();
        let mut index = None;
        if let (Some(mut indexer), Some((final_path, partial))) =
            (self.indexer.take(), self.index_paths.clone())
        {
            indexer
                .drain(&output)
                .map_err(|m| Error::new(&self.path, Position::File, ErrorKind::Index(m)))?;
            indexer
                .write(&partial)
                .map_err(|e| Error::io(&partial, e))?;
            index = Some((final_path, partial));
        }
        drop(output);
        std::fs::rename(&self.partial, &self.path).map_err(|e| Error::io(&self.path, e))?;
        // An index left from an earlier file of this name would point into
        // the old one.
        for format in [IndexFormat::Tabix, IndexFormat::Csi] {
            let stale = with_suffix(&self.path, &format!(".{}", format.extension()));
            if index.as_ref().is_none_or(|(p, _)| p != &stale) && stale.is_file() {
                std::fs::remove_file(&stale).map_err(|e| Error::io(&stale, e))?;
            }
        }
        if let Some((final_path, partial)) = &index {
            std::fs::rename(partial, final_path).map_err(|e| Error::io(final_path, e))?;
        }
        self.finished = true;
        Ok(WriteSummary {
            path: self.path.clone(),
            index: index.map(|(p, _)| p),
            records: self.records,
            bytes,
        })
    }
}

impl<F: RecordFormat> Drop for Core<F> {
    fn drop(&mut self) {
        if !self.finished {
            // Stops the compression threads before the file goes.
            self.output = None;
            let _ = std::fs::remove_file(&self.partial);
            if let Some((_, partial)) = &self.index_paths {
                let _ = std::fs::remove_file(partial);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_can_move_to_another_thread() {
        fn send<T: Send>() {}
        send::<Writer>();
    }

    #[test]
    fn compression_follows_the_file_name() {
        for (name, expected) in [
            ("x.vcf.gz", Compression::Bgzf),
            ("x.vcf.bgz", Compression::Bgzf),
            ("x.vcf", Compression::None),
            ("x", Compression::None),
        ] {
            assert_eq!(Compression::from_path(Path::new(name)), expected, "{name}");
        }
    }
}
