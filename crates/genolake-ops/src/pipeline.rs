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
use arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use genolake_core::Stringency;
use genolake_vcf::header::{Header, HeaderParser};

use arrow::array::{Array, AsArray, BooleanArray};
use arrow::compute::filter_record_batch;

use crate::chain::ChainIndex;
use crate::fasta::IndexedFasta;
use crate::liftover::{ERROR_MESSAGE, LIFT_OVER_STATUS, LiftOverVariants, SUCCESS};
use crate::normalize::{NORMALIZATION_STATUS, Normalizer, REFERENCE_MISMATCH};
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
    /// Check each REF against the reference, as `bcftools norm -f` does
    /// (`None`: not checked, as Glow does not).
    pub check_reference: Option<RefCheck>,
}

/// What to do with a REF that differs from the reference: `bcftools norm
/// --check-ref` e, w and x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefCheck {
    /// Stop with an error naming the record (bcftools' default).
    Error,
    /// Keep the record as it is; count it (and say so in
    /// `normalizationStatus.errorMessage` when that column is kept).
    Warn,
    /// Leave the record out; count it.
    Exclude,
}

impl std::str::FromStr for RefCheck {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "e" | "error" => Ok(RefCheck::Error),
            "w" | "warn" => Ok(RefCheck::Warn),
            "x" | "exclude" => Ok(RefCheck::Exclude),
            _ => Err(format!(
                "expected e (error), w (warn) or x (exclude), not '{s}'"
            )),
        }
    }
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
        let schema = &plain_strings(schema);
        let numbers = match header {
            Some(header) => FieldNumbers::from_header(header),
            None => FieldNumbers::default(),
        };
        let mut current = Arc::clone(schema);
        let splitter = match &self.split {
            Some(options) => {
                let splitter =
                    Splitter::new(&current, &numbers)?.with_other_alleles(options.other_alleles);
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
                .replace_columns(options.replace_columns)
                .check_reference(options.check_reference.is_some());
            current = drop_added(
                &current,
                normalizer.output_schema(&current)?,
                NORMALIZATION_STATUS,
                options.status || !options.replace_columns,
            );
        }
        let mut liftover = None;
        if let Some(options) = &self.liftover {
            let chains = Arc::new(ChainIndex::open(&options.chain)?);
            let reference = IndexedFasta::open(&options.reference)?;
            let target_contigs = reference
                .contigs()
                .iter()
                .map(|entry| (entry.name.clone(), entry.length))
                .collect();
            let lifter =
                LiftOverVariants::new(Arc::clone(&chains), reference, options.min_match_ratio)?;
            current = drop_added(
                &current,
                lifter.output_schema(&current)?,
                LIFT_OVER_STATUS,
                options.keep_failed,
            );
            liftover = Some(Lifting {
                chains,
                target_contigs,
            });
        }
        Ok(Prepared(Arc::new(Inner {
            pipeline: self.clone(),
            numbers,
            input_schema: Arc::clone(schema),
            splitter,
            liftover,
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

/// What every worker of a liftover shares: the chains, read once, and the
/// target reference's contigs (name, length).
#[derive(Debug)]
struct Lifting {
    chains: Arc<ChainIndex>,
    target_contigs: Vec<(String, u64)>,
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
    liftover: Option<Lifting>,
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
                    .replace_columns(options.replace_columns)
                    .check_reference(options.check_reference.is_some()),
            ),
            None => None,
        };
        let lifter = match (&self.0.pipeline.liftover, &self.0.liftover) {
            (Some(options), Some(lifting)) => Some(LiftOverVariants::new(
                Arc::clone(&lifting.chains),
                IndexedFasta::open(&options.reference)?,
                options.min_match_ratio,
            )?),
            _ => None,
        };
        Ok(Worker {
            prepared: self.clone(),
            splitter: None,
            normalizer,
            lifter,
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
        let Some(lifting) = &self.0.liftover else {
            return Ok(text.to_string());
        };
        let mut out = String::with_capacity(text.len());
        let mut contigs_written = false;
        let contig_lines = |out: &mut String| {
            for (name, length) in &lifting.target_contigs {
                out.push_str(&format!("##contig=<ID={name},length={length}>\n"));
            }
        };
        for line in text.lines() {
            if line.starts_with("##contig=") {
                // The target's contigs go where the source's were.
                if !contigs_written {
                    contig_lines(&mut out);
                    contigs_written = true;
                }
                continue;
            }
            if line.starts_with("#CHROM") && !contigs_written {
                contig_lines(&mut out);
                contigs_written = true;
            }
            out.push_str(line);
            out.push('\n');
        }
        Ok(out)
    }

    /// The contigs the output's rows name, from the input's: the target
    /// reference's after a liftover.
    pub fn output_contigs(&self, contigs: &[String]) -> Vec<String> {
        match &self.0.liftover {
            Some(lifting) => lifting
                .target_contigs
                .iter()
                .map(|(name, _)| name.clone())
                .collect(),
            None => contigs.to_vec(),
        }
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
    lifter: Option<LiftOverVariants<IndexedFasta>>,
}

impl std::fmt::Debug for LiftOverVariants<IndexedFasta> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LiftOverVariants")
    }
}

impl Worker {
    /// `batch` through every step.
    pub fn apply(&mut self, batch: &RecordBatch) -> Result<RecordBatch> {
        let inner = &self.prepared.0;
        let mut batch = with_plain_strings(batch)?;
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
            let mut normalized = normalizer.transform(&batch)?;
            if let Some(check) = options.check_reference {
                normalized = self.prepared.checked(normalized, check)?;
            }
            batch = without_added(
                &schema,
                normalized,
                NORMALIZATION_STATUS,
                options.status || !options.replace_columns,
            )?;
        }
        if let (Some(options), Some(lifter)) = (&inner.pipeline.liftover, &mut self.lifter) {
            let lifted = lifter.transform(&batch)?;
            batch = if options.keep_failed {
                lifted
            } else {
                self.prepared.only_lifted(lifted)?
            };
        }
        Ok(batch)
    }
}

impl Prepared {
    /// `batch` after the REF check `check` asks for: an error at the first
    /// REF that differs from the reference, or such rows counted (and, for
    /// [`RefCheck::Exclude`], left out).
    fn checked(&self, batch: RecordBatch, check: RefCheck) -> Result<RecordBatch> {
        let Ok(index) = batch.schema().index_of(NORMALIZATION_STATUS) else {
            // Glow's keep mode: the status inside normalizationResult says it.
            return Ok(batch);
        };
        let status = batch.column(index).as_struct();
        let Some(message) = status
            .column_by_name(ERROR_MESSAGE)
            .and_then(|c| c.as_string_opt::<i32>())
        else {
            return Ok(batch);
        };
        let mismatched: Vec<bool> = (0..batch.num_rows())
            .map(|row| message.is_valid(row) && message.value(row).starts_with(REFERENCE_MISMATCH))
            .collect();
        let count = mismatched.iter().filter(|m| **m).count() as u64;
        if count == 0 {
            return Ok(batch);
        }
        match check {
            RefCheck::Error => {
                let row = mismatched.iter().position(|m| *m).unwrap_or(0);
                Err(Error::Invalid(format!(
                    "{} (bcftools norm --check-ref: w keeps such records, x leaves them out)",
                    message.value(row)
                )))
            }
            RefCheck::Warn => {
                self.count(
                    "had a REF that differs from the reference and were kept as they were",
                    count,
                );
                Ok(batch)
            }
            RefCheck::Exclude => {
                self.count(
                    "had a REF that differs from the reference and were left out",
                    count,
                );
                let keep: BooleanArray = mismatched.iter().map(|m| Some(!m)).collect();
                Ok(filter_record_batch(&batch, &keep)?)
            }
        }
    }

    /// The rows of `batch` that lifted, without the status column; the
    /// others counted by reason.
    fn only_lifted(&self, batch: RecordBatch) -> Result<RecordBatch> {
        let index = batch.schema().index_of(LIFT_OVER_STATUS)?;
        let status = batch.column(index).as_struct();
        let success = status
            .column_by_name(SUCCESS)
            .and_then(|c| c.as_boolean_opt())
            .ok_or_else(|| Error::Invalid("liftOverStatus has no success field".into()))?;
        let message = status
            .column_by_name(ERROR_MESSAGE)
            .and_then(|c| c.as_string_opt::<i32>());
        let keep: BooleanArray = (0..batch.num_rows())
            .map(|row| Some(success.is_valid(row) && success.value(row)))
            .collect();
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        for row in (0..batch.num_rows()).filter(|&row| !keep.value(row)) {
            let text = message
                .filter(|m| m.is_valid(row))
                .map_or("unknown reason", |m| m.value(row));
            // Group by the reason's name, not the locus it may quote.
            let name = text.split(':').next().unwrap_or(text).trim();
            *reasons.entry(name.to_string()).or_default() += 1;
        }
        for (reason, rows) in reasons {
            self.count(
                format!("did not lift over ({reason}) and were left out"),
                rows,
            );
        }
        let mut kept = filter_record_batch(&batch, &keep)?;
        kept.remove_column(index);
        Ok(kept)
    }
}

/// `data_type` with every string as `Utf8` and every list as `List`, at
/// any depth: Delta tables and SQL results hold `Utf8View` and `LargeList`,
/// which the transforms do not read.
fn plain_type(data_type: &DataType) -> DataType {
    let field =
        |f: &FieldRef| Arc::new(f.as_ref().clone().with_data_type(plain_type(f.data_type())));
    match data_type {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        // Lists as the VCF reader makes them, whatever their item is
        // called (Delta's Parquet says `element`).
        DataType::List(item) | DataType::LargeList(item) | DataType::ListView(item) => {
            DataType::List(Arc::new(Field::new_list_field(
                plain_type(item.data_type()),
                item.is_nullable(),
            )))
        }
        DataType::Struct(fields) => DataType::Struct(fields.iter().map(field).collect()),
        other => other.clone(),
    }
}

/// `schema` with [`plain_type`] columns.
fn plain_strings(schema: &SchemaRef) -> SchemaRef {
    if schema
        .fields()
        .iter()
        .all(|f| plain_type(f.data_type()) == *f.data_type())
    {
        return Arc::clone(schema);
    }
    let fields: Vec<FieldRef> = schema
        .fields()
        .iter()
        .map(|f| Arc::new(f.as_ref().clone().with_data_type(plain_type(f.data_type()))))
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// `batch` with [`plain_type`] columns (cast only where they differ).
fn with_plain_strings(batch: &RecordBatch) -> Result<RecordBatch> {
    let schema = batch.schema();
    let plain = plain_strings(&schema);
    if Arc::ptr_eq(&plain, &schema) {
        return Ok(batch.clone());
    }
    let columns = batch
        .columns()
        .iter()
        .zip(plain.fields())
        .map(|(column, field)| {
            if column.data_type() == field.data_type() {
                Ok(Arc::clone(column))
            } else {
                Ok(arrow::compute::cast(column, field.data_type())?)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new(plain, columns)?)
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
        if parser.feed(line).map_err(|e| {
            Error::Invalid(format!(
                "the VCF header, line {}: {e}",
                parser.line_number()
            ))
        })? {
            break;
        }
    }
    parser
        .finish()
        .map_err(|e| Error::Invalid(format!("the VCF header: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Delta tables and SQL results hold `Utf8View` strings and may hold
    /// `LargeList`s: the pipeline reads them as it reads the VCF reader's
    /// types, with the same result.
    #[test]
    fn view_strings_and_large_lists_split_like_plain_ones() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/variantsplitternormalizer-test/01_IN_altered_multiallelic.vcf"
        );
        let header = genolake_vcf::read_header(path, Stringency::Strict).unwrap();
        let reader = genolake_vcf::Reader::builder(path).build().unwrap();
        let schema = reader.schema();
        let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
        let pipeline = Pipeline {
            split: Some(SplitOptions::default()),
            ..Pipeline::default()
        };
        let mut plain = pipeline
            .prepare(&schema, Some(&header))
            .unwrap()
            .worker()
            .unwrap();
        let view_of = |data_type: &DataType| match data_type {
            DataType::Utf8 => DataType::Utf8View,
            DataType::List(item) if item.data_type() == &DataType::Utf8 => {
                DataType::LargeList(Arc::new(Field::new(
                    "element",
                    DataType::Utf8View,
                    item.is_nullable(),
                )))
            }
            other => other.clone(),
        };
        let viewed: Vec<FieldRef> = schema
            .fields()
            .iter()
            .map(|f| Arc::new(f.as_ref().clone().with_data_type(view_of(f.data_type()))))
            .collect();
        let viewed = Arc::new(Schema::new(viewed));
        assert_ne!(viewed, schema);
        let mut from_views = pipeline
            .prepare(&viewed, Some(&header))
            .unwrap()
            .worker()
            .unwrap();
        for batch in &batches {
            let columns = batch
                .columns()
                .iter()
                .zip(viewed.fields())
                .map(|(c, f)| arrow::compute::cast(c, f.data_type()).unwrap())
                .collect();
            let as_views = RecordBatch::try_new(Arc::clone(&viewed), columns).unwrap();
            assert_eq!(
                from_views.apply(&as_views).unwrap(),
                plain.apply(batch).unwrap()
            );
        }
    }
}
