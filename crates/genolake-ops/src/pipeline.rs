//! The transforms chained as `genolake convert`, `genolake ingest` and the
//! SQL table functions run them: split, then normalize, then lift over (the
//! order of `bcftools norm -m- -f` followed by a liftover, and of Glow's
//! documented pipelines).
//!
//! A [`Pipeline`] says what to do; [`Pipeline::prepare`] checks it against
//! the input's columns and opens the chain file once, giving a
//! [`Prepared`] pipeline that knows its output schema and can be shared
//! between threads; each thread takes a [`Worker`] of its own (its own
//! FASTA handles) and runs batches through it.
//!
//! ```
//! # fn main() -> genolake_ops::Result<()> {
//! use genolake_ops::pipeline::{Pipeline, SplitOptions};
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"),
//!     "/tests/data/variantsplitternormalizer-test/01_IN_altered_multiallelic.vcf");
//! let header = genolake_vcf::read_header(path, genolake_core::Stringency::Strict)?;
//! let reader = genolake_vcf::Reader::builder(path).build()?;
//! let pipeline = Pipeline { split: Some(SplitOptions::default()), ..Pipeline::default() };
//! let prepared = pipeline.prepare(&reader.schema(), Some(&header))?;
//! let mut worker = prepared.worker()?;
//! let mut rows = 0;
//! for batch in reader {
//!     rows += worker.apply(&batch?)?.num_rows();
//! }
//! assert!(rows > 0);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;
use arrow::datatypes::{Schema, SchemaRef};
use genolake_core::Stringency;
use genolake_vcf::header::{Header, HeaderParser};

use crate::fasta::IndexedFasta;
use crate::normalize::{NORMALIZATION_STATUS, Normalizer};
use crate::split::{FieldNumbers, OLD_MULTIALLELIC, OtherAlleles, Splitter};
use crate::{Error, Result};

/// How to split multiallelic rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitOptions {
    /// What calls of the other alternates become.
    pub other_alleles: OtherAlleles,
    /// Add `INFO_OLD_MULTIALLELIC` naming the original site, as Glow and vt
    /// do (`bcftools norm` does not, unless asked with `--old-rec-tag`).
    pub old_multiallelic: bool,
}

impl Default for SplitOptions {
    /// Glow's: other alternates missing, `INFO_OLD_MULTIALLELIC` added.
    fn default() -> Self {
        Self {
            other_alleles: OtherAlleles::Missing,
            old_multiallelic: true,
        }
    }
}

impl SplitOptions {
    /// As `bcftools norm -m-` writes: other alternates become the
    /// reference, no `OLD_MULTIALLELIC`.
    pub fn bcftools() -> Self {
        Self {
            other_alleles: OtherAlleles::Reference,
            old_multiallelic: false,
        }
    }
}

impl std::str::FromStr for OtherAlleles {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "missing" => Ok(OtherAlleles::Missing),
            "reference" | "ref" => Ok(OtherAlleles::Reference),
            _ => Err(format!("expected reference or missing, not '{s}'")),
        }
    }
}

/// How to normalize.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizeOptions {
    /// The reference FASTA (with `.fai`, and `.gzi` when BGZF).
    pub reference: PathBuf,
    /// Glow's `replace_columns`: replace the variant columns (true) or keep
    /// them and add a `normalizationResult` struct.
    pub replace_columns: bool,
    /// Keep the `normalizationStatus` column (Glow's output); files written
    /// by the CLI leave it out.
    pub status: bool,
}

/// How to lift over.
#[derive(Debug, Clone, PartialEq)]
pub struct LiftOverOptions {
    /// The UCSC chain file, plain or gzip.
    pub chain: PathBuf,
    /// The target assembly's reference FASTA.
    pub reference: PathBuf,
    /// The least fraction of a variant's bases the chain must map (Glow's
    /// `minMatchRatio`, default 0.95).
    pub min_match_ratio: f64,
    /// Keep rows that do not lift, with `liftOverStatus.success` false, as
    /// Glow does (true); or leave them out and count them (false).
    pub keep_failed: bool,
}

impl LiftOverOptions {
    /// Glow's defaults for `chain` to the assembly of `reference`.
    pub fn new(chain: PathBuf, reference: PathBuf) -> Self {
        Self {
            chain,
            reference,
            min_match_ratio: 0.95,
            keep_failed: true,
        }
    }
}

/// The transforms to run, each optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pipeline {
    /// Split multiallelic rows (first).
    pub split: Option<SplitOptions>,
    /// Left-align and trim (second).
    pub normalize: Option<NormalizeOptions>,
    /// Lift over to another assembly (last).
    pub liftover: Option<LiftOverOptions>,
}

impl Pipeline {
    /// No transform at all.
    pub fn is_empty(&self) -> bool {
        self.split.is_none() && self.normalize.is_none() && self.liftover.is_none()
    }

    /// One line naming the steps and their options, for logs and the
    /// provenance a Delta commit records.
    pub fn describe(&self) -> String {
        let mut steps = Vec::new();
        if let Some(split) = &self.split {
            steps.push(format!(
                "split_multiallelics(otherAlleles={}, oldMultiallelic={})",
                match split.other_alleles {
                    OtherAlleles::Missing => "missing",
                    OtherAlleles::Reference => "reference",
                },
                split.old_multiallelic
            ));
        }
        if let Some(normalize) = &self.normalize {
            steps.push(format!(
                "normalize_variants(referenceGenomePath={}, replaceColumns={})",
                normalize.reference.display(),
                normalize.replace_columns
            ));
        }
        if let Some(liftover) = &self.liftover {
            steps.push(format!(
                "lift_over_variants(chainFile={}, referenceFile={}, minMatchRatio={})",
                liftover.chain.display(),
                liftover.reference.display(),
                liftover.min_match_ratio
            ));
        }
        steps.join(" | ")
    }

    /// Checks the pipeline against input of `schema` (read under `header`,
    /// when it is a VCF's: the header gives the Number of each INFO and
    /// FORMAT key to split by; without one, the keys the specification
    /// reserves are split and the others copied) and opens its files.
    pub fn prepare(&self, schema: &SchemaRef, header: Option<&Header>) -> Result<Prepared> {
        let numbers = match header {
            Some(header) => FieldNumbers::from_header(header),
            None => FieldNumbers::default(),
        };
        let mut current = Arc::clone(schema);
        let splitter = match &self.split {
            Some(options) => {
                let splitter = Splitter::new(&current, &numbers)?
                    .with_other_alleles(options.other_alleles);
                current = drop_added(
                    &current,
                    splitter.output_schema(),
                    OLD_MULTIALLELIC,
                    options.old_multiallelic,
                );
                Some(splitter)
            }
            None => None,
        };
        if let Some(options) = &self.normalize {
            let normalizer = Normalizer::new(IndexedFasta::open(&options.reference)?)
                .replace_columns(options.replace_columns);
            current = drop_added(
                &current,
                normalizer.output_schema(&current)?,
                NORMALIZATION_STATUS,
                options.status || !options.replace_columns,
            );
        }
        Ok(Prepared(Arc::new(Inner {
            pipeline: self.clone(),
            numbers,
            input_schema: Arc::clone(schema),
            splitter,
            output_schema: current,
            counts: Mutex::new(BTreeMap::new()),
        })))
    }
}

/// `after` without the column `name` when `keep` is false and `before` did
/// not have it (a column the step added that the caller does not want).
fn drop_added(before: &Schema, after: SchemaRef, name: &str, keep: bool) -> SchemaRef {
    if keep || before.field_with_name(name).is_ok() {
        return after;
    }
    let fields: Vec<_> = after
        .fields()
        .iter()
        .filter(|f| f.name() != name)
        .cloned()
        .collect();
    Arc::new(Schema::new_with_metadata(fields, after.metadata().clone()))
}

/// A pipeline checked against its input; cheap to clone and share.
#[derive(Debug, Clone)]
pub struct Prepared(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    pipeline: Pipeline,
    numbers: FieldNumbers,
    input_schema: SchemaRef,
    splitter: Option<Splitter>,
    output_schema: SchemaRef,
    /// Rows left out or moved, by reason, over every worker.
    counts: Mutex<BTreeMap<String, u64>>,
}

impl Prepared {
    /// The columns of the batches workers return.
    pub fn output_schema(&self) -> SchemaRef {
        Arc::clone(&self.0.output_schema)
    }

    /// The pipeline it runs.
    pub fn pipeline(&self) -> &Pipeline {
        &self.0.pipeline
    }

    /// [`Pipeline::describe`].
    pub fn describe(&self) -> String {
        self.0.pipeline.describe()
    }

    /// Rows can come out of (contig, start) order: normalization shifts
    /// indels left, and a liftover maps rows anywhere.
    pub fn reorders(&self) -> bool {
        self.0.pipeline.normalize.is_some() || self.0.pipeline.liftover.is_some()
    }

    /// A worker for one thread.
    pub fn worker(&self) -> Result<Worker> {
        let normalizer = match &self.0.pipeline.normalize {
            Some(options) => Some(
                Normalizer::new(IndexedFasta::open(&options.reference)?)
                    .replace_columns(options.replace_columns),
            ),
            None => None,
        };
        Ok(Worker {
            prepared: self.clone(),
            splitter: None,
            normalizer,
        })
    }

    /// Counts `rows` left out or moved for `reason`.
    pub fn count(&self, reason: impl Into<String>, rows: u64) {
        if rows == 0 {
            return;
        }
        if let Ok(mut counts) = self.0.counts.lock() {
            *counts.entry(reason.into()).or_default() += rows;
        }
    }

    /// What the workers left out or could not do, one line per reason, for
    /// the user (empty when nothing was).
    pub fn summary(&self) -> Vec<String> {
        let Ok(counts) = self.0.counts.lock() else {
            return Vec::new();
        };
        counts
            .iter()
            .map(|(reason, rows)| format!("{rows} variants {reason}"))
            .collect()
    }

    /// The VCF header for the output, from the input's `text`: unchanged
    /// unless the rows are lifted to another assembly, whose contigs then
    /// replace the input's.
    pub fn output_header(&self, text: &str) -> Result<String> {
        Ok(text.to_string())
    }

    /// The contigs the output's rows name, from the input's.
    pub fn output_contigs(&self, contigs: &[String]) -> Vec<String> {
        contigs.to_vec()
    }
}

/// Runs a [`Prepared`] pipeline on one thread's batches.
#[derive(Debug)]
pub struct Worker {
    prepared: Prepared,
    /// A splitter for batches whose columns differ from the prepared
    /// input's (files of one read whose headers differ).
    splitter: Option<(SchemaRef, Splitter)>,
    normalizer: Option<Normalizer>,
}

impl Worker {
    /// `batch` through every step.
    pub fn apply(&mut self, batch: &RecordBatch) -> Result<RecordBatch> {
        let inner = &self.prepared.0;
        let mut batch = batch.clone();
        if let Some(options) = &inner.pipeline.split {
            let schema = batch.schema();
            let prepared_fits = inner.splitter.is_some() && schema == inner.input_schema;
            if !prepared_fits && self.splitter.as_ref().is_none_or(|(s, _)| *s != schema) {
                let splitter = Splitter::new(&schema, &inner.numbers)?
                    .with_other_alleles(options.other_alleles);
                self.splitter = Some((Arc::clone(&schema), splitter));
            }
            let splitter = match (&inner.splitter, &self.splitter) {
                (Some(splitter), _) if prepared_fits => splitter,
                (_, Some((_, splitter))) => splitter,
                _ => return Err(Error::Invalid("no splitter for the batch's columns".into())),
            };
            let split = splitter.split(&batch)?;
            batch = without_added(&schema, split, OLD_MULTIALLELIC, options.old_multiallelic)?;
        }
        if let (Some(options), Some(normalizer)) = (&inner.pipeline.normalize, &mut self.normalizer)
        {
            let schema = batch.schema();
            let normalized = normalizer.transform(&batch)?;
            batch = without_added(
                &schema,
                normalized,
                NORMALIZATION_STATUS,
                options.status || !options.replace_columns,
            )?;
        }
        Ok(batch)
    }
}

/// [`drop_added`] for a batch.
fn without_added(
    before: &Schema,
    batch: RecordBatch,
    name: &str,
    keep: bool,
) -> Result<RecordBatch> {
    if keep || before.field_with_name(name).is_ok() {
        return Ok(batch);
    }
    match batch.schema().index_of(name) {
        Ok(index) => {
            let mut batch = batch;
            batch.remove_column(index);
            Ok(batch)
        }
        Err(_) => Ok(batch),
    }
}

/// Parses a VCF header's text (its `##` lines and `#CHROM` line), leniently:
/// the pipeline only needs the Numbers of its keys.
pub fn parse_header(text: &str) -> Result<Header> {
    let mut parser = HeaderParser::new(Stringency::Silent);
    for line in text.lines() {
        if parser
            .feed(line)
            .map_err(|e| Error::Invalid(format!("the VCF header, line {}: {e}", parser.line_number())))?
        {
            break;
        }
    }
    parser
        .finish()
        .map_err(|e| Error::Invalid(format!("the VCF header: {e}")))
}
