//! The one-pass QC behind `genolake qc`.
//!
//! A [`Worker`] takes batches of variant rows, in either genotype layout,
//! and for each row computes Glow's `call_summary_stats` and
//! `hardy_weinberg` (one output row per variant), while it adds the row to
//! per-sample counts (`sample_call_summary_stats`) and keeps the few values
//! per variant the plots need. Workers run side by side on separate
//! stretches of the input and are merged at the end, so the input is read
//! once whatever the number of threads.

pub mod output;
pub mod plots;

use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BinaryViewArray, Float64Array, Int32Array,
    LargeBinaryArray, ListArray, ListBuilder, RecordBatch, StructArray,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};
use genolake_core::matrix::MatrixLayout;
use genolake_stats::{CallSummary, Calls, ListCalls, MatrixCalls, SampleCallStats, hardy_weinberg};

/// How a batch holds its genotypes.
#[derive(Debug, Clone)]
pub enum Genotypes {
    /// Glow's `genotypes` list of structs with a `calls` list.
    Glow,
    /// A matrix table's raw `calls` and `callsPloidy`, for `samples`
    /// samples.
    Matrix { samples: usize },
}

/// The per-variant values the plots draw, kept for every variant (16 bytes
/// each: 160 MB for ten million variants).
#[derive(Debug, Default)]
pub struct PlotValues {
    /// Minor allele frequency: one minus the most frequent allele's
    /// frequency (NaN without called alleles).
    pub minor_allele_frequency: Vec<f32>,
    /// Variant call rates.
    pub call_rate: Vec<f32>,
    /// Hardy-Weinberg exact p-values (plink2's `--hardy`), NaN when the
    /// test has nothing to test.
    pub p_value_hwe: Vec<f64>,
}

impl PlotValues {
    fn append(&mut self, other: PlotValues) {
        self.minor_allele_frequency
            .extend(other.minor_allele_frequency);
        self.call_rate.extend(other.call_rate);
        self.p_value_hwe.extend(other.p_value_hwe);
    }
}

/// QC over one stretch of the input.
pub struct Worker {
    genotypes: Genotypes,
    /// A Glow row's calls as diploid bytes, for the fast path.
    scratch: Vec<u8>,
    samples: SampleCallStats,
    plot: PlotValues,
    rows: u64,
}

/// What a worker saw, to be merged with the others'.
pub struct Finished {
    pub samples: SampleCallStats,
    pub plot: PlotValues,
    pub rows: u64,
}

impl Worker {
    pub fn new(genotypes: Genotypes) -> Self {
        Self {
            genotypes,
            scratch: Vec::new(),
            samples: SampleCallStats::default(),
            plot: PlotValues::default(),
            rows: 0,
        }
    }

    /// A worker for batches of `schema`: the matrix layout when the schema
    /// describes it (a reader decoding straight into it), with the
    /// samples it names; Glow's layout otherwise.
    pub fn of_schema(schema: &SchemaRef) -> Result<Self> {
        Ok(match MatrixLayout::of_described(schema)? {
            Some((_, samples)) => {
                let mut worker = Self::new(Genotypes::Matrix {
                    samples: samples.count(),
                });
                if let Some(ids) = samples.ids() {
                    worker.samples.set_sample_ids(ids.to_vec());
                }
                worker
            }
            None => Self::new(Genotypes::Glow),
        })
    }

    /// Adds a batch's rows and returns their variant QC rows.
    pub fn batch(&mut self, batch: &RecordBatch) -> Result<RecordBatch> {
        let n = batch.num_rows();
        let sites = site_columns(batch)?;
        let reference = sites[4].as_string::<i32>();
        let alternates = sites[5].as_list::<i32>();
        let alternate_values = alternates.values().as_string_opt::<i32>();
        let mut alts: Vec<&str> = Vec::new();
        let mut out = VariantColumns::with_capacity(n);
        let (glow, matrix_samples) = match self.genotypes {
            Genotypes::Glow => (Some(glow_calls(batch)?), 0),
            Genotypes::Matrix { samples } => (None, samples),
        };
        for row in 0..n {
            alts.clear();
            if alternates.is_valid(row) {
                let range = alternates.value_offsets()[row] as usize
                    ..alternates.value_offsets()[row + 1] as usize;
                if let Some(values) = alternate_values {
                    alts.extend(range.map(|i| values.value(i)));
                }
            }
            let reference = if reference.is_valid(row) {
                reference.value(row)
            } else {
                ""
            };
            let summary = match &glow {
                Some(glow) => self.add_glow_row(glow, row, reference, &alts)?,
                None => self.add_matrix_row(batch, row, matrix_samples, reference, &alts)?,
            };
            out.push(&summary, &mut self.plot);
        }
        self.rows += n as u64;
        out.finish(sites)
    }

    fn add_glow_row(
        &mut self,
        glow: &GlowCalls<'_>,
        row: usize,
        reference: &str,
        alts: &[&str],
    ) -> Result<CallSummary> {
        let offsets = glow.genotypes.value_offsets();
        let (first, last) = (offsets[row] as usize, offsets[row + 1] as usize);
        if !self.samples.has_sample_ids()
            && let Some(ids) = glow.sample_ids
            && last > first
        {
            // Once per worker: a table's ids come as string views.
            let ids = arrow::compute::cast(&ids.slice(first, last - first), &DataType::Utf8)?;
            let ids = ids.as_string::<i32>();
            let names = (0..last - first)
                .map(|i| ids.is_valid(i).then(|| ids.value(i).to_string()))
                .collect::<Option<Vec<String>>>();
            if let Some(names) = names {
                self.samples.set_sample_ids(names);
            }
        }
        let list = ListCalls::new(glow.alleles, &glow.calls.value_offsets()[first..=last]);
        let nulls = glow.calls.nulls();
        if nulls.is_none_or(|n| n.slice(first, last - first).null_count() == 0) {
            let mut bytes = std::mem::take(&mut self.scratch);
            let summary = match list.diploid_bytes(&mut bytes) {
                Some(matrix) => self.add(&matrix, reference, alts),
                None => self.add(&list, reference, alts),
            };
            self.scratch = bytes;
            return summary;
        }
        let valid = |s: usize| nulls.is_none_or(|n| n.is_valid(first + s));
        self.add(&list.with_validity(&valid), reference, alts)
    }

    fn add_matrix_row(
        &mut self,
        batch: &RecordBatch,
        row: usize,
        samples: usize,
        reference: &str,
        alts: &[&str],
    ) -> Result<CallSummary> {
        let ploidy = batch
            .column_by_name("callsPloidy")
            .and_then(|c| c.as_primitive_opt::<Int32Type>())
            .ok_or_else(|| anyhow!("the matrix table has no Int32 callsPloidy column"))?;
        let calls = batch
            .column_by_name("calls")
            .ok_or_else(|| anyhow!("the matrix table has no calls column"))?;
        let bytes = binary_value(calls.as_ref(), row)?;
        let Some(bytes) = bytes else {
            // A row without GT: every sample uncalled.
            let empty = MatrixCalls::new(&[], 0, samples)?;
            return self.add(&empty, reference, alts);
        };
        let ploidy = if ploidy.is_valid(row) {
            usize::try_from(ploidy.value(row))
                .map_err(|_| anyhow!("row {row}: callsPloidy {} is negative", ploidy.value(row)))?
        } else {
            0
        };
        let calls = MatrixCalls::new(bytes, ploidy, samples)?;
        self.add(&calls, reference, alts)
    }

    fn add(&mut self, calls: &impl Calls, reference: &str, alts: &[&str]) -> Result<CallSummary> {
        // One walk over the calls gives both the row's summary and the
        // samples' counts.
        self.samples
            .add_row_summarised(calls, reference, alts.iter().copied())
            .context("sample QC")
    }

    pub fn finish(self) -> Finished {
        Finished {
            samples: self.samples,
            plot: self.plot,
            rows: self.rows,
        }
    }
}

/// Merges workers' results, in the order of their stretches.
pub fn merge(finished: Vec<Finished>) -> Result<Finished> {
    let mut all = Finished {
        samples: SampleCallStats::default(),
        plot: PlotValues::default(),
        rows: 0,
    };
    for part in finished {
        all.samples.merge(&part.samples).context("sample QC")?;
        all.plot.append(part.plot);
        all.rows += part.rows;
    }
    Ok(all)
}

struct GlowCalls<'a> {
    genotypes: &'a ListArray,
    sample_ids: Option<&'a ArrayRef>,
    calls: &'a ListArray,
    alleles: &'a [i32],
}

fn glow_calls(batch: &RecordBatch) -> Result<GlowCalls<'_>> {
    let genotypes = batch
        .column_by_name("genotypes")
        .ok_or_else(|| anyhow!("the input has no genotypes column"))?
        .as_list_opt::<i32>()
        .ok_or_else(|| anyhow!("genotypes is not a list"))?;
    let structs: &StructArray = genotypes
        .values()
        .as_struct_opt()
        .ok_or_else(|| anyhow!("genotypes is not a list of structs"))?;
    let calls = structs.column_by_name("calls").ok_or_else(|| {
        anyhow!("the genotypes have no calls field (for BGEN, leave out --no-hard-calls)")
    })?;
    let calls = calls
        .as_list_opt::<i32>()
        .ok_or_else(|| anyhow!("calls is not a list"))?;
    let alleles = calls
        .values()
        .as_primitive_opt::<Int32Type>()
        .ok_or_else(|| anyhow!("calls is not a list of Int32"))?
        .values();
    let sample_ids = structs.column_by_name("sampleId");
    Ok(GlowCalls {
        genotypes,
        sample_ids,
        calls,
        alleles,
    })
}

pub(crate) fn binary_value(array: &dyn Array, row: usize) -> Result<Option<&[u8]>> {
    if array.is_null(row) {
        return Ok(None);
    }
    let any = array.as_any();
    if let Some(a) = any.downcast_ref::<BinaryViewArray>() {
        Ok(Some(a.value(row)))
    } else if let Some(a) = any.downcast_ref::<BinaryArray>() {
        Ok(Some(a.value(row)))
    } else if let Some(a) = any.downcast_ref::<LargeBinaryArray>() {
        Ok(Some(a.value(row)))
    } else {
        bail!("calls is {}, not binary", array.data_type())
    }
}

/// The site columns' types in the variant table: Glow's. A Delta table
/// read through DataFusion gives strings as views; they are cast back.
fn site_fields() -> Vec<Field> {
    let strings = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    vec![
        Field::new("contigName", DataType::Utf8, true),
        Field::new("start", DataType::Int64, true),
        Field::new("end", DataType::Int64, true),
        Field::new("names", strings.clone(), true),
        Field::new("referenceAllele", DataType::Utf8, true),
        Field::new("alternateAlleles", strings, true),
    ]
}

/// The variant table's columns: the site columns, then Glow's
/// `call_summary_stats` and `hardy_weinberg` fields, and plink2's exact
/// p-value beside Glow's mid-p one.
pub fn variant_schema() -> SchemaRef {
    let mut fields = site_fields();
    let int_list = DataType::List(Arc::new(Field::new("item", DataType::Int32, true)));
    let float_list = DataType::List(Arc::new(Field::new("item", DataType::Float64, true)));
    fields.extend([
        Field::new("callRate", DataType::Float64, true),
        Field::new("nCalled", DataType::Int32, false),
        Field::new("nUncalled", DataType::Int32, false),
        Field::new("nHet", DataType::Int32, false),
        Field::new("nHomozygous", int_list.clone(), false),
        Field::new("nNonRef", DataType::Int32, false),
        Field::new("nAllelesCalled", DataType::Int32, false),
        Field::new("alleleCounts", int_list, false),
        Field::new("alleleFrequencies", float_list, false),
        Field::new("hetFreqHwe", DataType::Float64, true),
        Field::new("pValueHwe", DataType::Float64, true),
        Field::new("pValueHweExact", DataType::Float64, true),
    ]);
    Arc::new(Schema::new(fields))
}

/// The batch's site columns, cast to [`site_fields`]' types.
fn site_columns(batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
    site_fields()
        .iter()
        .map(|field| {
            let column = batch
                .column_by_name(field.name())
                .ok_or_else(|| anyhow!("the input has no {} column", field.name()))?;
            Ok(arrow::compute::cast(column, field.data_type())?)
        })
        .collect()
}

struct VariantColumns {
    call_rate: Vec<f64>,
    n_called: Vec<i32>,
    n_uncalled: Vec<i32>,
    n_het: Vec<i32>,
    n_homozygous: ListBuilder<arrow::array::Int32Builder>,
    n_non_ref: Vec<i32>,
    n_alleles_called: Vec<i32>,
    allele_counts: ListBuilder<arrow::array::Int32Builder>,
    allele_frequencies: ListBuilder<arrow::array::Float64Builder>,
    het_freq_hwe: Vec<f64>,
    p_value_hwe: Vec<f64>,
    p_value_exact: Vec<f64>,
}

impl VariantColumns {
    fn with_capacity(n: usize) -> Self {
        Self {
            call_rate: Vec::with_capacity(n),
            n_called: Vec::with_capacity(n),
            n_uncalled: Vec::with_capacity(n),
            n_het: Vec::with_capacity(n),
            n_homozygous: ListBuilder::new(arrow::array::Int32Builder::new()),
            n_non_ref: Vec::with_capacity(n),
            n_alleles_called: Vec::with_capacity(n),
            allele_counts: ListBuilder::new(arrow::array::Int32Builder::new()),
            allele_frequencies: ListBuilder::new(arrow::array::Float64Builder::new()),
            het_freq_hwe: Vec::with_capacity(n),
            p_value_hwe: Vec::with_capacity(n),
            p_value_exact: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, s: &CallSummary, plot: &mut PlotValues) {
        let hwe = hardy_weinberg(s);
        self.call_rate.push(s.call_rate);
        self.n_called.push(s.n_called);
        self.n_uncalled.push(s.n_uncalled);
        self.n_het.push(s.n_het);
        self.n_homozygous
            .append_value(s.n_homozygous.iter().map(|&v| Some(v)));
        self.n_non_ref.push(s.n_non_ref);
        self.n_alleles_called.push(s.n_alleles_called);
        self.allele_counts
            .append_value(s.allele_counts.iter().map(|&v| Some(v)));
        self.allele_frequencies
            .append_value(s.allele_frequencies.iter().map(|&v| Some(v)));
        self.het_freq_hwe.push(hwe.het_freq_hwe);
        self.p_value_hwe.push(hwe.p_value_hwe);
        self.p_value_exact.push(hwe.p_value_exact);

        let top = s
            .allele_frequencies
            .iter()
            .copied()
            .fold(f64::NAN, f64::max);
        plot.minor_allele_frequency.push((1.0 - top) as f32);
        plot.call_rate.push(s.call_rate as f32);
        plot.p_value_hwe.push(hwe.p_value_exact);
    }

    fn finish(mut self, sites: Vec<ArrayRef>) -> Result<RecordBatch> {
        let schema = variant_schema();
        let mut columns = sites;
        let floats = |v: Vec<f64>| -> ArrayRef {
            // NaN (nothing to compute) is stored as null, as Glow does.
            Arc::new(
                v.into_iter()
                    .map(|x| (!x.is_nan()).then_some(x))
                    .collect::<Float64Array>(),
            )
        };
        let ints = |v: Vec<i32>| -> ArrayRef { Arc::new(Int32Array::from(v)) };
        columns.extend([
            floats(self.call_rate),
            ints(self.n_called),
            ints(self.n_uncalled),
            ints(self.n_het),
            Arc::new(self.n_homozygous.finish()) as ArrayRef,
            ints(self.n_non_ref),
            ints(self.n_alleles_called),
            Arc::new(self.allele_counts.finish()),
            Arc::new(self.allele_frequencies.finish()),
            floats(self.het_freq_hwe),
            floats(self.p_value_hwe),
            floats(self.p_value_exact),
        ]);
        Ok(RecordBatch::try_new(schema, columns)?)
    }
}
