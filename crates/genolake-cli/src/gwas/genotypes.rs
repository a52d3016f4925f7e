//! The genotypes of any input, read on every core as blocks of dosages.
//!
//! Files are cut into splits (a VCF decoded straight into the matrix
//! layout, a PLINK fileset read as its `.bed` records); a matrix table is
//! read as its raw `calls` bytes; a local, unpartitioned Glow table by leaf
//! (its calls rebuilt from their Parquet levels, no `sampleId` decoded);
//! any other table through `read_delta`.
//! A BGEN input, or a Glow table holding `posteriorProbabilities`, gives
//! dosages from its probabilities; every other input from its calls. Each
//! batch becomes one column of ALT-allele dosages per biallelic variant
//! (see [`Dosages`]); no genotype struct is built.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use arrow::array::{Array, AsArray, ListArray, RecordBatch, StructArray};
use arrow::datatypes::{DataType, Float64Type, Int32Type, SchemaRef};
use genolake_core::Progress;
use genolake_core::matrix::MatrixLayout;
use genolake_core::schema::{CALLS, GENOTYPES, SAMPLE_ID};
use genolake_plink::BED_RECORD;
use genolake_stats::gwas::dosage::{self, Probabilities, RowDosages};
use genolake_stats::gwas::sparse::{SparseBlock, SparseDosages};
use genolake_stats::{ListCalls, MatrixCalls};

use crate::leaves::LeafScan;
use crate::options::Input;
use crate::progress::Bar;
use crate::qc::binary_value;
use crate::table::Table;
use crate::workers;

/// The columns every result row repeats.
pub const SITE_COLUMNS: [&str; 4] = ["contigName", "start", "referenceAllele", "alternateAlleles"];

const PROBABILITIES: &str = "posteriorProbabilities";

/// Variants per dosage block handed to the tests.
const BLOCK: usize = 512;

/// How the batches of a scan hold their genotypes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Glow,
    Matrix,
    /// PLINK `.bed` records (two bits a sample), beside the site columns.
    Bed,
}

/// One input's genotypes, ready to be scanned.
pub struct Genotypes {
    input: Input,
    threads: usize,
    samples: Vec<String>,
    sparse: bool,
}

impl Genotypes {
    /// Opens `input` and learns its samples (every row must hold the same
    /// samples in the same order, as a cohort's files do).
    pub fn open(input: Input, threads: usize) -> Result<Self> {
        let samples = sample_ids(&input, threads)?;
        if samples.is_empty() {
            bail!("the input holds no sample: there is nothing to test");
        }
        Ok(Self {
            input,
            threads,
            samples,
            sparse: false,
        })
    }

    /// Scans give their dosages as sparse columns (see [`Dosages::block`]):
    /// for tests whose cost then follows the carriers, not the samples.
    pub fn sparse(mut self) -> Self {
        self.sparse = true;
        self
    }

    /// The samples, in the order of every dosage column.
    pub fn samples(&self) -> &[String] {
        &self.samples
    }

    /// Reads every batch on the scan's threads: each work unit (split,
    /// partition or piece) gets its own state from `make`, and its batches
    /// go to `each` in order; the states come back in input order.
    pub fn scan<S: Send>(
        &self,
        verb: &'static str,
        make: impl Fn(usize) -> S + Sync,
        each: impl Fn(&mut S, &RecordBatch, &mut Dosages) -> Result<()> + Sync,
    ) -> Result<Vec<S>> {
        self.scan_with(self.threads, verb, make, each)
    }

    /// [`Self::scan`] on `threads` threads; with one, every batch reaches
    /// `each` in input order.
    pub fn scan_with<S: Send>(
        &self,
        threads: usize,
        verb: &'static str,
        make: impl Fn(usize) -> S + Sync,
        each: impl Fn(&mut S, &RecordBatch, &mut Dosages) -> Result<()> + Sync,
    ) -> Result<Vec<S>> {
        let samples = self.samples.len();
        let sparse = self.sparse;
        let start =
            |index: usize, layout: Layout| (make(index), Dosages::new(samples, layout, sparse));
        // A block of at most BLOCK variants: 2,000 samples make it 8 MB of
        // dosages however large the reader's batches are.
        let apply = |(state, dosages): &mut (S, Dosages), batch: &RecordBatch| {
            let mut offset = 0;
            while offset < batch.num_rows() {
                let rows = BLOCK.min(batch.num_rows() - offset);
                let block = batch.slice(offset, rows);
                dosages.read(&block)?;
                each(state, &block, dosages)?;
                offset += rows;
            }
            Ok(())
        };
        let states = match &self.input {
            Input::Files(inputs) => {
                let (reader, layout) = match inputs.reader.bed_records() {
                    Some(reader) => (reader, Layout::Bed),
                    None => {
                        let reader = inputs
                            .reader
                            .matrix_genotypes()
                            .unwrap_or_else(|| inputs.reader.clone());
                        let schema = reader.schema(&inputs.paths[0])?;
                        let layout = match MatrixLayout::of_described(&schema)? {
                            Some(_) => Layout::Matrix,
                            None => Layout::Glow,
                        };
                        (reader, layout)
                    }
                };
                let reader = reader.as_ref();
                let mut splits = Vec::new();
                for path in &inputs.paths {
                    splits.extend(reader.plan_splits(path, threads)?);
                }
                let regions = reader.regions().to_vec();
                let progress = Arc::new(Progress::default());
                let bar = Bar::start(progress.clone(), inputs.total_bytes, verb);
                let done = workers::in_order(threads, splits, verb, |index, split| {
                    let mut state = start(index, layout);
                    for batch in reader.read(&split, regions.clone(), Some(progress.clone()))? {
                        apply(&mut state, &batch?)?;
                    }
                    Ok(state)
                });
                drop(bar);
                done?
            }
            Input::Table(table) => {
                if table.matrix_samples()?.is_some() {
                    let columns = format!("{}, calls, callsPloidy", site_sql());
                    table.for_each_partition(
                        threads,
                        &columns,
                        Some("matrix"),
                        |index| start(index, Layout::Matrix),
                        apply,
                    )?
                } else if let Some(scan) = leaf_scan(table)? {
                    let keep = |parts: &[String]| {
                        parts.len() <= 3 && SITE_COLUMNS.contains(&parts[0].as_str())
                    };
                    scan.for_each_piece(
                        threads,
                        &keep,
                        true,
                        verb,
                        |index| start(index, Layout::Glow),
                        apply,
                    )?
                } else {
                    let columns = format!("{}, genotypes", site_sql());
                    table.for_each_partition(
                        threads,
                        &columns,
                        None,
                        |index| start(index, Layout::Glow),
                        apply,
                    )?
                }
            }
        };
        Ok(states.into_iter().map(|(state, _)| state).collect())
    }
}

fn site_sql() -> String {
    SITE_COLUMNS
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table's files read by leaf, when that is possible and enough: no
/// posterior probabilities to read (they need the whole genotype struct).
fn leaf_scan(table: &Table) -> Result<Option<LeafScan>> {
    if table.has_regions() || has_probabilities(&table.schema()?) {
        return Ok(None);
    }
    LeafScan::open(&table.location()?)
}

fn has_probabilities(schema: &SchemaRef) -> bool {
    let Ok(field) = schema.field_with_name(GENOTYPES) else {
        return false;
    };
    match field.data_type() {
        DataType::List(item) => match item.data_type() {
            DataType::Struct(fields) => fields.iter().any(|f| f.name() == PROBABILITIES),
            _ => false,
        },
        _ => false,
    }
}

/// The samples of the input, from its header or its first row.
fn sample_ids(input: &Input, threads: usize) -> Result<Vec<String>> {
    let first_row = match input {
        Input::Files(inputs) => {
            let reader = inputs
                .reader
                .matrix_genotypes()
                .unwrap_or_else(|| inputs.reader.clone());
            let path = &inputs.paths[0];
            if let Some((_, samples)) = MatrixLayout::of_described(&reader.schema(path)?)? {
                return samples.ids().map(<[String]>::to_vec).ok_or_else(|| {
                    anyhow!(
                        "{}: has no sample ids to match the phenotypes with",
                        path.display()
                    )
                });
            }
            let Some(split) = reader.plan_splits(path, 1)?.into_iter().next() else {
                return Ok(Vec::new());
            };
            let mut batches = reader.read(&split, Vec::new(), None)?;
            match batches.next() {
                Some(batch) => batch?,
                None => return Ok(Vec::new()),
            }
        }
        Input::Table(table) => {
            if let Some(samples) = table.matrix_samples()? {
                return samples.ids().map(<[String]>::to_vec).ok_or_else(|| {
                    anyhow!(
                        "{}: the matrix table records no sample ids to match the phenotypes with",
                        table.path().display()
                    )
                });
            }
            match table.first_row(GENOTYPES, threads)? {
                Some(batch) => batch,
                None => return Ok(Vec::new()),
            }
        }
    };
    glow_sample_ids(&first_row)
}

/// The `sampleId`s of a Glow batch's first row.
fn glow_sample_ids(batch: &RecordBatch) -> Result<Vec<String>> {
    if batch.num_rows() == 0 {
        return Ok(Vec::new());
    }
    let genotypes = batch
        .column_by_name(GENOTYPES)
        .ok_or_else(|| anyhow!("the input has no {GENOTYPES} column: there is nothing to test"))?
        .as_list_opt::<i32>()
        .ok_or_else(|| anyhow!("{GENOTYPES} is not a list"))?;
    let first = genotypes.value(0);
    let ids = first.as_struct().column_by_name(SAMPLE_ID).ok_or_else(|| {
        anyhow!("the genotypes have no {SAMPLE_ID}: read with sample ids to match the phenotypes")
    })?;
    let ids = arrow::compute::cast(ids, &DataType::Utf8)?;
    let ids = ids.as_string::<i32>();
    (0..ids.len())
        .map(|i| {
            if ids.is_valid(i) {
                Ok(ids.value(i).to_string())
            } else {
                Err(anyhow!(
                    "sample {i} of the first row has a null {SAMPLE_ID}"
                ))
            }
        })
        .collect()
}

/// One batch's dosages: a column of `samples` ALT-allele dosages per
/// biallelic row, missing ones replaced by the row's mean; dense, or
/// sparse when the scan was made [`Genotypes::sparse`].
pub struct Dosages {
    samples: usize,
    layout: Layout,
    /// Column-major `samples × rows.len()` (dense scans).
    pub values: Vec<f64>,
    /// The columns of sparse scans.
    sparse: Option<SparseDosages>,
    /// The batch row each column comes from.
    pub rows: Vec<u32>,
    /// Rows left out because they have more than one ALT allele.
    pub multiallelic: u64,
    /// Rows left out because no sample has a dosage.
    pub uncalled: u64,
    /// Dosages that were missing and replaced by the row's mean.
    pub imputed: u64,
    scratch: Vec<u8>,
}

impl Dosages {
    fn new(samples: usize, layout: Layout, sparse: bool) -> Self {
        Self {
            samples,
            layout,
            values: Vec::new(),
            sparse: sparse.then(|| SparseDosages::new(samples)),
            rows: Vec::new(),
            multiallelic: 0,
            uncalled: 0,
            imputed: 0,
            scratch: Vec::new(),
        }
    }

    /// Columns in the block.
    pub fn columns(&self) -> usize {
        self.rows.len()
    }

    /// Samples per column.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Columns `range` of the block, as they were read.
    pub fn block(&self, range: std::ops::Range<usize>) -> Block<'_> {
        match &self.sparse {
            Some(sparse) => Block::Sparse(sparse.range(range)),
            None => Block::Dense {
                values: &self.values[range.start * self.samples..range.end * self.samples],
                variants: range.len(),
            },
        }
    }

    /// Replaces the block with `batch`'s dosages.
    fn read(&mut self, batch: &RecordBatch) -> Result<()> {
        self.values.clear();
        self.rows.clear();
        if let Some(sparse) = &mut self.sparse {
            sparse.clear();
        }
        let n = self.samples;
        let alternates = batch
            .column_by_name("alternateAlleles")
            .and_then(|c| c.as_list_opt::<i32>())
            .ok_or_else(|| anyhow!("the input has no alternateAlleles list"))?;
        let biallelic = |row: usize| alternates.is_valid(row) && alternates.value_length(row) == 1;
        match self.layout {
            Layout::Bed => {
                let records = batch
                    .column_by_name(BED_RECORD)
                    .and_then(|c| c.as_fixed_size_binary_opt())
                    .ok_or_else(|| anyhow!("the PLINK rows have no {BED_RECORD} column"))?;
                for row in 0..batch.num_rows() {
                    if !biallelic(row) {
                        self.multiallelic += 1;
                        continue;
                    }
                    let record = records.value(row);
                    if let Some(sparse) = &mut self.sparse {
                        // Straight from the 2-bit codes: eight bytes of
                        // non-carriers are skipped at once.
                        let written = sparse.push_bed(record)?;
                        self.count(row, written);
                        continue;
                    }
                    let written = dosage::from_bed(record, self.push_column(row))?;
                    self.finish_column(written)?;
                }
            }
            Layout::Matrix => {
                let calls = batch
                    .column_by_name(CALLS)
                    .ok_or_else(|| anyhow!("the matrix rows have no {CALLS} column"))?;
                let ploidy = batch
                    .column_by_name("callsPloidy")
                    .ok_or_else(|| anyhow!("the matrix rows have no callsPloidy column"))?
                    .as_primitive_opt::<Int32Type>()
                    .ok_or_else(|| anyhow!("callsPloidy is not Int32"))?;
                for row in 0..batch.num_rows() {
                    if !biallelic(row) {
                        self.multiallelic += 1;
                        continue;
                    }
                    let Some(bytes) = binary_value(calls.as_ref(), row)? else {
                        self.uncalled += 1;
                        continue;
                    };
                    let width = usize::try_from(ploidy.value(row)).unwrap_or(0);
                    let matrix = MatrixCalls::new(bytes, width, n)
                        .with_context(|| format!("row {row} of a matrix batch"))?;
                    if let Some(sparse) = &mut self.sparse {
                        // Straight to sparse columns: rare variants' rows
                        // are mostly skipped a word at a time.
                        let written = sparse.push_calls(&matrix)?;
                        self.count(row, written);
                        continue;
                    }
                    let written = dosage::from_calls(&matrix, self.push_column(row))?;
                    self.finish_column(written)?;
                }
            }
            Layout::Glow => {
                let genotypes = batch
                    .column_by_name(GENOTYPES)
                    .ok_or_else(|| anyhow!("the input has no {GENOTYPES} column"))?
                    .as_list_opt::<i32>()
                    .ok_or_else(|| anyhow!("{GENOTYPES} is not a list"))?;
                let structs = genotypes.values().as_struct();
                let probabilities = structs
                    .column_by_name(PROBABILITIES)
                    .and_then(|c| c.as_list_opt::<i32>());
                let phased = structs
                    .column_by_name("phased")
                    .and_then(|c| c.as_boolean_opt());
                let calls = structs
                    .column_by_name(CALLS)
                    .and_then(|c| c.as_list_opt::<i32>());
                for row in 0..batch.num_rows() {
                    if !biallelic(row) {
                        self.multiallelic += 1;
                        continue;
                    }
                    let range = genotypes.value_offsets()[row] as usize
                        ..genotypes.value_offsets()[row + 1] as usize;
                    if range.len() != n {
                        bail!(
                            "row {row} holds {} genotypes where the first row held {n}: \
                             every row must hold the same samples",
                            range.len()
                        );
                    }
                    let has_probabilities =
                        probabilities.is_some_and(|p| row_has_probabilities(structs, p, &range));
                    if let (Some(sparse), Some(c), false) =
                        (&mut self.sparse, calls, has_probabilities)
                    {
                        let scratch = &mut self.scratch;
                        let written = with_list_calls(c, structs, range, |row| {
                            Ok(sparse.push_list_calls(row, scratch)?)
                        })?;
                        self.count(row, written);
                        continue;
                    }
                    let column_start = self.values.len();
                    self.push_column(row);
                    let column = &mut self.values[column_start..];
                    let written = match (probabilities, calls) {
                        (Some(p), _) if has_probabilities => {
                            // A BGEN row is phased or not as a whole.
                            let is_phased = phased.is_some_and(|f| {
                                range.clone().any(|g| f.is_valid(g) && f.value(g))
                            });
                            list_probabilities(p, structs, range, is_phased, column)?
                        }
                        (_, Some(c)) => {
                            let scratch = &mut self.scratch;
                            with_list_calls(c, structs, range, |row| {
                                Ok(dosage::from_list_calls(row, scratch, column)?)
                            })?
                        }
                        _ => bail!("the genotypes have neither calls nor {PROBABILITIES}"),
                    };
                    self.finish_column(written)?;
                }
            }
        }
        Ok(())
    }

    /// Appends a column for `row` and returns it to be filled.
    fn push_column(&mut self, row: usize) -> &mut [f64] {
        let start = self.values.len();
        self.values.resize(start + self.samples, 0.0);
        self.rows.push(row as u32);
        &mut self.values[start..]
    }

    /// Keeps the new column if it holds dosages, counting what was
    /// imputed; drops it (counted) otherwise. A sparse scan moves it to
    /// its sparse columns.
    fn finish_column(&mut self, written: RowDosages) -> Result<()> {
        let start = self.values.len() - self.samples;
        if written.is_written()
            && let Some(sparse) = &mut self.sparse
        {
            sparse.push_dense(&self.values[start..])?;
            self.values.truncate(start);
        }
        let Some(row) = self.rows.pop() else {
            return Ok(());
        };
        if !written.is_written() {
            self.values.truncate(start);
        }
        self.count(row as usize, written);
        Ok(())
    }

    /// Records a row's outcome: its column kept (and the row noted), or
    /// the reason it has none.
    fn count(&mut self, row: usize, written: RowDosages) {
        match written {
            RowDosages::Written { imputed, .. } => {
                self.imputed += imputed as u64;
                self.rows.push(row as u32);
            }
            RowDosages::Multiallelic => self.multiallelic += 1,
            RowDosages::AllMissing => self.uncalled += 1,
        }
    }
}

/// Columns of a [`Dosages`] block, in the form the scan read them.
#[derive(Clone, Copy)]
pub enum Block<'a> {
    /// Column-major `samples × variants`.
    Dense { values: &'a [f64], variants: usize },
    /// Sparse columns.
    Sparse(SparseBlock<'a>),
}

impl Block<'_> {
    /// Variants (columns) in the block.
    pub fn variants(&self) -> usize {
        match self {
            Block::Dense { variants, .. } => *variants,
            Block::Sparse(block) => block.columns(),
        }
    }

    /// The block as dense column-major values, converted into `scratch`
    /// when it is sparse.
    pub fn dense<'s>(&'s self, scratch: &'s mut Vec<f64>) -> &'s [f64] {
        match self {
            Block::Dense { values, .. } => values,
            Block::Sparse(block) => {
                block.to_dense(scratch);
                scratch
            }
        }
    }
}

/// Whether the row's genotypes carry probabilities (a BGEN row), judged by
/// its first sample with any.
fn row_has_probabilities(
    structs: &StructArray,
    probabilities: &ListArray,
    range: &std::ops::Range<usize>,
) -> bool {
    range.clone().any(|g| {
        structs.is_valid(g) && probabilities.is_valid(g) && probabilities.value_length(g) > 0
    })
}

fn list_probabilities(
    probabilities: &ListArray,
    structs: &StructArray,
    range: std::ops::Range<usize>,
    phased: bool,
    out: &mut [f64],
) -> Result<RowDosages> {
    let values = probabilities
        .values()
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(|| anyhow!("{PROBABILITIES} are not Float64"))?;
    let offsets = &probabilities.value_offsets()[range.start..=range.end];
    let valid =
        |g: usize| structs.is_valid(range.start + g) && probabilities.is_valid(range.start + g);
    let row = Probabilities::new(values.values(), offsets, phased, 2).with_validity(&valid);
    Ok(dosage::from_probabilities(&row, out)?)
}

/// Calls `f` with the row's calls (`range` of the genotype lists).
fn with_list_calls<R>(
    calls: &ListArray,
    structs: &StructArray,
    range: std::ops::Range<usize>,
    f: impl FnOnce(&ListCalls<'_>) -> Result<R>,
) -> Result<R> {
    let values = calls
        .values()
        .as_primitive_opt::<Int32Type>()
        .ok_or_else(|| anyhow!("{CALLS} are not Int32"))?;
    let offsets = &calls.value_offsets()[range.start..=range.end];
    let valid = |g: usize| structs.is_valid(range.start + g) && calls.is_valid(range.start + g);
    let mut row = ListCalls::new(values.values(), offsets);
    if structs.null_count() > 0 || calls.null_count() > 0 {
        row = row.with_validity(&valid);
    }
    f(&row)
}
