//! Glow's regression functions, `linear_regression_gwas` and
//! `logistic_regression_gwas`, as DataFusion UDFs over
//! [`genolake_stats::gwas`].
//!
//! Both take, per row, the genotypes of one variant (a list of numbers,
//! one per sample), the phenotypes (a list of numbers in the same sample
//! order; NaN or null for a missing value) and the covariates (a Spark ML
//! matrix with one row per sample, or a list of per-sample lists). Glow
//! adds no intercept: the covariates are the design as given.
//!
//! The statistics are prepared once per (phenotypes, covariates, offsets)
//! — the covariate QR and the phenotype residuals of a linear model, the
//! null fit of a logistic one — and reused for every row that brings the
//! same values, as Glow keeps the covariate QR of a task. The rows of a
//! batch are grouped by their inputs (compared by value, so a literal and
//! a column repeated by a join both work; rows of several phenotypes may
//! come interleaved) and each group is tested in blocks of variants, one
//! matrix product per block. Prepared models are kept between batches and
//! shared by the partitions of a query.

mod linear;
mod logistic;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arrow::array::{Array, ArrayRef, AsArray, ListArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type};
use datafusion::error::Result;
use datafusion::execution::FunctionRegistry;
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF};
use faer::MatRef;

use super::complex::{
    DenseMatrix, FlatNumbers, Matrices, check_matrix_type, flat_numbers, is_number_list,
};

pub use linear::LinearRegressionGwas;
pub use logistic::LogisticRegressionGwas;

/// Registers the regression functions in `state`.
pub fn register_gwas(state: &mut SessionState) -> Result<()> {
    state.register_udf(Arc::new(ScalarUDF::new_from_impl(
        LinearRegressionGwas::new(),
    )))?;
    state.register_udf(Arc::new(ScalarUDF::new_from_impl(
        LogisticRegressionGwas::new(),
    )))?;
    Ok(())
}

fn plan_err(message: impl Into<String>) -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::Plan(message.into())
}

fn exec_err(message: impl Into<String>) -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::Execution(message.into())
}

/// Checks the types of `genotypes, phenotypes, covariates[, ...]` at
/// planning, naming what `function` takes.
fn check_types(function: &str, usage: &str, types: &[DataType]) -> Result<()> {
    let number_list = |t: &DataType| is_number_list(t) || t == &DataType::Null;
    let covariates_ok = match &types[2] {
        DataType::Struct(_) => check_matrix_type(function, &types[2]).is_ok(),
        DataType::Null => true,
        other => nested_number_list(other),
    };
    if !number_list(&types[0]) || !number_list(&types[1]) || !covariates_ok {
        return Err(plan_err(format!(
            "{function} takes {usage}; got {}",
            types
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

/// Whether `data_type` is a list of lists of numbers.
fn nested_number_list(data_type: &DataType) -> bool {
    match data_type {
        DataType::List(item)
        | DataType::LargeList(item)
        | DataType::ListView(item)
        | DataType::FixedSizeList(item, _) => is_number_list(item.data_type()),
        _ => false,
    }
}

/// A nullable Float64 field of a result struct.
fn float(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}

/// The rows of one argument: a column, or a scalar standing for every row.
fn rows_of(value: &ColumnarValue) -> Result<(ArrayRef, bool)> {
    match value {
        ColumnarValue::Array(array) => Ok((Arc::clone(array), false)),
        ColumnarValue::Scalar(scalar) => Ok((scalar.to_array_of_size(1)?, true)),
    }
}

/// A column of number lists (genotypes, phenotypes, offsets) as Float64.
struct NumberLists {
    lists: FlatNumbers,
    scalar: bool,
}

impl NumberLists {
    fn new(value: &ColumnarValue) -> Result<Self> {
        let (array, scalar) = rows_of(value)?;
        Ok(Self {
            lists: flat_numbers(&array)?,
            scalar,
        })
    }

    fn at(&self, row: usize) -> usize {
        if self.scalar { 0 } else { row }
    }

    fn is_null(&self, row: usize) -> bool {
        let row = self.at(row);
        self.lists.nulls.as_ref().is_some_and(|n| n.is_null(row))
    }

    fn range(&self, row: usize) -> std::ops::Range<usize> {
        let row = self.at(row);
        self.lists.offsets[row]..self.lists.offsets[row + 1]
    }

    /// The values of a non-null row (a null element reads as whatever
    /// Arrow stores under it: check [`first_null`](Self::first_null)).
    fn values(&self, row: usize) -> &[f64] {
        &self.lists.values.values()[self.range(row)]
    }

    /// Position of the first null element of a row.
    fn first_null(&self, row: usize) -> Option<usize> {
        let range = self.range(row);
        let start = range.start;
        range
            .into_iter()
            .find(|&i| self.lists.values.is_null(i))
            .map(|i| i - start)
    }

    /// The values of a non-null row with NaN for a null element.
    fn values_nan_for_null(&self, row: usize) -> Vec<f64> {
        let range = self.range(row);
        range
            .map(|i| {
                if self.lists.values.is_null(i) {
                    f64::NAN
                } else {
                    self.lists.values.value(i)
                }
            })
            .collect()
    }

    /// Whether two non-null rows hold the same values and nulls.
    fn same(&self, a: usize, b: usize) -> bool {
        let (a, b) = (self.range(a), self.range(b));
        if a == b {
            return true;
        }
        let values = &self.lists.values;
        a.len() == b.len()
            && a.zip(b).all(|(i, j)| {
                values.is_null(i) == values.is_null(j)
                    && (values.is_null(i) || values.value(i).to_bits() == values.value(j).to_bits())
            })
    }
}

/// The covariates column: Spark ML matrices, or a list per sample.
enum Covariates {
    Matrices {
        matrices: Box<Matrices>,
        scalar: bool,
    },
    Lists {
        lists: ListArray,
        scalar: bool,
    },
    Null,
}

impl Covariates {
    fn new(function: &'static str, value: &ColumnarValue) -> Result<Self> {
        let (array, scalar) = rows_of(value)?;
        match array.data_type() {
            DataType::Null => Ok(Covariates::Null),
            DataType::Struct(_) => Ok(Covariates::Matrices {
                matrices: Box::new(Matrices::new(function, &array)?),
                scalar,
            }),
            _ => {
                let target = DataType::List(Arc::new(Field::new(
                    "element",
                    DataType::List(Arc::new(Field::new("element", DataType::Float64, true))),
                    true,
                )));
                let lists = cast(&array, &target)
                    .map_err(|e| exec_err(format!("{function}: covariates: {e}")))?;
                Ok(Covariates::Lists {
                    lists: lists.as_list::<i32>().clone(),
                    scalar,
                })
            }
        }
    }

    fn at(&self, row: usize) -> usize {
        match self {
            Covariates::Matrices { scalar: true, .. } | Covariates::Lists { scalar: true, .. } => 0,
            _ => row,
        }
    }

    fn is_null(&self, row: usize) -> bool {
        let at = self.at(row);
        match self {
            Covariates::Matrices { matrices, .. } => matrices.is_null(at),
            Covariates::Lists { lists, .. } => lists.is_null(at),
            Covariates::Null => true,
        }
    }

    /// Whether two non-null rows are stored identically.
    fn same(&self, a: usize, b: usize) -> bool {
        let (a, b) = (self.at(a), self.at(b));
        if a == b {
            return true;
        }
        match self {
            Covariates::Matrices { matrices, .. } => matrices.same_stored(a, b),
            Covariates::Lists { lists, .. } => lists.value(a) == lists.value(b),
            Covariates::Null => true,
        }
    }

    /// A non-null row as a dense matrix, one row per sample.
    fn dense(&self, function: &str, row: usize) -> Result<DenseMatrix> {
        let at = self.at(row);
        match self {
            Covariates::Matrices { matrices, .. } => matrices
                .dense(at)?
                .ok_or_else(|| exec_err(format!("{function}: the covariate matrix is null"))),
            Covariates::Lists { lists, .. } => {
                let per_sample = lists.value(at);
                let per_sample = per_sample.as_list::<i32>();
                let samples = per_sample.len();
                let cols = if samples == 0 {
                    0
                } else {
                    per_sample.value_length(0) as usize
                };
                let numbers = per_sample.values().as_primitive::<Float64Type>();
                let mut values = Vec::with_capacity(samples * cols);
                for i in 0..samples {
                    if per_sample.is_null(i) {
                        return Err(exec_err(format!(
                            "{function}: the covariates of sample {i} are null: every sample needs \
                             its {cols} covariates"
                        )));
                    }
                    let len = per_sample.value_length(i) as usize;
                    if len != cols {
                        return Err(exec_err(format!(
                            "{function}: sample {i} has {len} covariates where sample 0 has {cols}: \
                             the covariates need one list of the same length per sample"
                        )));
                    }
                    let start = per_sample.value_offsets()[i] as usize;
                    for k in start..start + len {
                        if numbers.is_null(k) {
                            return Err(exec_err(format!(
                                "{function}: covariate {} of sample {i} is null: covariates must \
                                 be numbers (drop or impute such samples first)",
                                k - start
                            )));
                        }
                        values.push(numbers.value(k));
                    }
                }
                Ok(DenseMatrix {
                    rows: samples,
                    cols,
                    values,
                })
            }
            Covariates::Null => Err(exec_err(format!("{function}: the covariates are null"))),
        }
    }
}

/// What a model is prepared from; models are reused for equal inputs.
#[derive(Debug)]
struct Inputs {
    /// One per sample, NaN where missing.
    phenotypes: Vec<f64>,
    /// One row per sample.
    covariates: DenseMatrix,
    /// One per sample, if given.
    offsets: Option<Vec<f64>>,
}

impl Inputs {
    fn samples(&self) -> usize {
        self.phenotypes.len()
    }

    fn covariates(&self) -> MatRef<'_, f64> {
        MatRef::from_row_major_slice(
            &self.covariates.values,
            self.covariates.rows,
            self.covariates.cols,
        )
    }

    fn phenotypes(&self) -> MatRef<'_, f64> {
        MatRef::from_column_major_slice(&self.phenotypes, self.samples(), 1)
    }

    fn offsets(&self) -> Option<MatRef<'_, f64>> {
        self.offsets
            .as_ref()
            .map(|o| MatRef::from_column_major_slice(o, o.len(), 1))
    }

    /// Equal bit for bit: a model prepared from one serves the other.
    fn same(&self, other: &Inputs) -> bool {
        let bits = |a: &[f64], b: &[f64]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
        };
        bits(&self.phenotypes, &other.phenotypes)
            && self.covariates.rows == other.covariates.rows
            && self.covariates.cols == other.covariates.cols
            && bits(&self.covariates.values, &other.covariates.values)
            && match (&self.offsets, &other.offsets) {
                (None, None) => true,
                (Some(a), Some(b)) => bits(a, b),
                _ => false,
            }
    }
}

/// A prepared model and what it was prepared from.
struct Prepared<M> {
    inputs: Inputs,
    model: M,
}

/// Prepared models kept between batches (and shared by the partitions of
/// a query), most recently used first.
struct ModelCache<M> {
    entries: Mutex<Vec<Arc<Prepared<M>>>>,
    prepared: AtomicU64,
}

/// Models kept: enough for a query that tests a dozen phenotypes whose
/// rows come interleaved (a join of variants with phenotypes)...
const CACHED_MODELS: usize = 32;
/// ... as long as their inputs hold at most this many values (each model
/// holds a few times its inputs); the newest model is always kept.
const CACHED_VALUES: usize = 1 << 23;

impl Inputs {
    /// Values held, for the cache's budget.
    fn size(&self) -> usize {
        self.phenotypes.len()
            + self.covariates.values.len()
            + self.offsets.as_ref().map_or(0, Vec::len)
    }
}

impl<M> ModelCache<M> {
    fn new() -> Self {
        Self {
            entries: Mutex::new(Vec::new()),
            prepared: AtomicU64::new(0),
        }
    }

    /// The model of `inputs`: a cached one prepared from equal inputs, or a
    /// new one. Preparing holds the lock: the partitions of a query usually
    /// need the same model, and then one prepares it while the others wait
    /// for it instead of preparing it again.
    fn get(
        &self,
        inputs: Inputs,
        prepare: impl FnOnce(&Inputs) -> Result<M>,
    ) -> Result<Arc<Prepared<M>>> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = entries.iter().position(|e| e.inputs.same(&inputs)) {
            let entry = entries.remove(k);
            entries.insert(0, Arc::clone(&entry));
            return Ok(entry);
        }
        let model = prepare(&inputs)?;
        self.prepared.fetch_add(1, Ordering::Relaxed);
        let entry = Arc::new(Prepared { inputs, model });
        entries.insert(0, Arc::clone(&entry));
        let mut held = 0;
        let keep = entries
            .iter()
            .take(CACHED_MODELS)
            .take_while(|e| {
                held += e.inputs.size();
                held <= CACHED_VALUES
            })
            .count()
            .max(1);
        entries.truncate(keep);
        Ok(entry)
    }

    fn prepared(&self) -> u64 {
        self.prepared.load(Ordering::Relaxed)
    }
}

impl<M> std::fmt::Debug for ModelCache<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelCache")
            .field("prepared", &self.prepared())
            .finish_non_exhaustive()
    }
}

/// Dosages a group holds before it is tested: 16 MiB, so that the groups
/// of a batch stay bounded whatever the number of samples, while blocks of
/// up to a few hundred variants keep the matrix products efficient.
const BLOCK_VALUES: usize = 1 << 21;
const MAX_BLOCK: usize = 512;

/// The arguments of one call, read from a batch.
struct Batch {
    genotypes: NumberLists,
    phenotypes: NumberLists,
    covariates: Covariates,
    offsets: Option<NumberLists>,
    /// Rows to compute: 1 when every argument is a scalar.
    rows: usize,
    all_scalar: bool,
}

impl Batch {
    fn new(
        function: &'static str,
        args: &[ColumnarValue],
        offsets: Option<usize>,
        rows: usize,
    ) -> Result<Self> {
        let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        Ok(Self {
            genotypes: NumberLists::new(&args[0])?,
            phenotypes: NumberLists::new(&args[1])?,
            covariates: Covariates::new(function, &args[2])?,
            offsets: offsets
                .and_then(|k| args.get(k))
                .map(NumberLists::new)
                .transpose()?,
            rows: if all_scalar { 1 } else { rows },
            all_scalar,
        })
    }

    /// Whether any argument of a row is null (its result is then null, as
    /// in Glow).
    fn any_null(&self, row: usize) -> bool {
        self.genotypes.is_null(row)
            || self.phenotypes.is_null(row)
            || self.covariates.is_null(row)
            || self.offsets.as_ref().is_some_and(|o| o.is_null(row))
    }

    /// Whether two rows bring the same phenotypes, covariates and offsets.
    fn same_model(&self, a: usize, b: usize) -> bool {
        self.phenotypes.same(a, b)
            && self.covariates.same(a, b)
            && self.offsets.as_ref().is_none_or(|o| o.same(a, b))
    }

    /// The model inputs of a row, with their sizes checked.
    fn inputs(&self, function: &str, row: usize) -> Result<Inputs> {
        let phenotypes = self.phenotypes.values_nan_for_null(row);
        let n = phenotypes.len();
        let covariates = self.covariates.dense(function, row)?;
        if covariates.rows != n {
            return Err(exec_err(format!(
                "{function}: the covariates have {} rows but there are {n} phenotypes: the \
                 covariates need one row per sample, in the order of the phenotypes",
                covariates.rows
            )));
        }
        let offsets = match &self.offsets {
            None => None,
            Some(o) => {
                let offsets = o.values_nan_for_null(row);
                if offsets.len() != n {
                    return Err(exec_err(format!(
                        "{function}: {} offsets but {n} phenotypes: one offset per sample",
                        offsets.len()
                    )));
                }
                Some(offsets)
            }
        };
        Ok(Inputs {
            phenotypes,
            covariates,
            offsets,
        })
    }

    /// Appends a row's genotypes to `dosages`, checked: one finite value
    /// per sample.
    fn push_dosages(
        &self,
        function: &str,
        row: usize,
        samples: usize,
        dosages: &mut Vec<f64>,
    ) -> Result<()> {
        let values = self.genotypes.values(row);
        if values.len() != samples {
            return Err(exec_err(format!(
                "{function}: {} genotypes but {samples} phenotypes: both need one value per \
                 sample, in the same order",
                values.len()
            )));
        }
        let impute = "impute missing genotypes first, as Glow's documentation does with \
                      mean_substitute(genotype_states(genotypes))";
        if let Some(i) = self.genotypes.first_null(row) {
            return Err(exec_err(format!(
                "{function}: the genotype of sample {i} is null: {impute}"
            )));
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(exec_err(format!(
                "{function}: the genotype of sample {i} is {}: {impute}",
                values[i]
            )));
        }
        dosages.extend_from_slice(values);
        Ok(())
    }
}

/// Rows of a batch waiting to be tested with one model.
struct Group<M> {
    /// A row that brought the model's inputs.
    source: usize,
    prepared: Arc<Prepared<M>>,
    rows: Vec<usize>,
    /// Their dosages, column-major (one column per row).
    dosages: Vec<f64>,
}

/// Groups of a batch held at once, most recently used first: rows of
/// several phenotypes may come interleaved.
const MAX_GROUPS: usize = 32;

/// Runs a regression over the rows of a batch: rows with null arguments
/// give `None`; the others are grouped by model inputs (compared by value
/// with the rows already grouped), each group's model comes from `cache`
/// (or `prepare`), and each group is tested in blocks with `test`, which
/// appends one result per column of the block.
fn run<M, R: Clone>(
    function: &'static str,
    batch: &Batch,
    cache: &ModelCache<M>,
    prepare: impl Fn(&Inputs) -> Result<M>,
    mut test: impl FnMut(&M, MatRef<'_, f64>, &mut Vec<Option<R>>) -> Result<()>,
) -> Result<Vec<Option<R>>> {
    let mut out: Vec<Option<R>> = vec![None; batch.rows];
    let mut results: Vec<Option<R>> = Vec::new();
    let mut flush = |group: &mut Group<M>, out: &mut Vec<Option<R>>| -> Result<()> {
        if group.rows.is_empty() {
            return Ok(());
        }
        let n = group.prepared.inputs.samples();
        let block = MatRef::from_column_major_slice(&group.dosages, n, group.rows.len());
        results.clear();
        test(&group.prepared.model, block, &mut results)?;
        if results.len() != group.rows.len() {
            return Err(exec_err(format!(
                "{function}: {} results for a block of {} variants",
                results.len(),
                group.rows.len()
            )));
        }
        for (&row, result) in group.rows.iter().zip(results.drain(..)) {
            out[row] = result;
        }
        group.rows.clear();
        group.dosages.clear();
        Ok(())
    };
    let mut groups: Vec<Group<M>> = Vec::new();
    for row in 0..batch.rows {
        if batch.any_null(row) {
            continue;
        }
        match groups.iter().position(|g| batch.same_model(g.source, row)) {
            Some(0) => {}
            Some(k) => {
                let group = groups.remove(k);
                groups.insert(0, group);
            }
            None => {
                let prepared = cache.get(batch.inputs(function, row)?, &prepare)?;
                if groups.len() == MAX_GROUPS
                    && let Some(mut oldest) = groups.pop()
                {
                    flush(&mut oldest, &mut out)?;
                }
                groups.insert(
                    0,
                    Group {
                        source: row,
                        prepared,
                        rows: Vec::new(),
                        dosages: Vec::new(),
                    },
                );
            }
        }
        let group = &mut groups[0];
        let n = group.prepared.inputs.samples();
        batch.push_dosages(function, row, n, &mut group.dosages)?;
        group.rows.push(row);
        if group.rows.len() >= (BLOCK_VALUES / n.max(1)).clamp(1, MAX_BLOCK) {
            flush(group, &mut out)?;
        }
    }
    for group in &mut groups {
        flush(group, &mut out)?;
    }
    Ok(out)
}

/// The result column: one value when every argument was a scalar.
fn columnar(array: ArrayRef, all_scalar: bool) -> Result<ColumnarValue> {
    if all_scalar {
        Ok(ColumnarValue::Scalar(
            datafusion::common::ScalarValue::try_from_array(&array, 0)?,
        ))
    } else {
        Ok(ColumnarValue::Array(array))
    }
}

/// A result column's validity: a row is valid when it has a result.
fn validity<R>(results: &[Option<R>]) -> Option<arrow::buffer::NullBuffer> {
    let nulls =
        arrow::buffer::NullBuffer::from(results.iter().map(Option::is_some).collect::<Vec<_>>());
    (nulls.null_count() > 0).then_some(nulls)
}
