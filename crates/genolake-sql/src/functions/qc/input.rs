//! The genotype arguments of the QC functions, in either layout, turned
//! into per-row [`Calls`] and per-row numeric values without copying
//! genotypes.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BinaryViewArray, Float64Array, Int32Array,
    LargeBinaryArray, ListArray, StructArray,
};
use arrow::buffer::NullBuffer;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type, Int32Type};
use datafusion::error::{DataFusionError, Result};
use genolake_core::schema::{CALLS, SAMPLE_ID};
use genolake_stats::{ListCalls, MatrixCalls};

pub(super) fn plan_err(message: String) -> DataFusionError {
    DataFusionError::Plan(message)
}

pub(super) fn exec_err(error: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(error.to_string())
}

/// The struct type of a Glow `genotypes` argument, if it is one.
pub(super) fn genotype_struct(data_type: &DataType) -> Option<&arrow::datatypes::Fields> {
    match data_type {
        DataType::List(item) | DataType::LargeList(item) | DataType::ListView(item) => {
            match item.data_type() {
                DataType::Struct(fields) => Some(fields),
                _ => None,
            }
        }
        _ => None,
    }
}

pub(super) fn is_binary(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView
    )
}

/// Whether a Glow genotype struct carries `sampleId`.
pub(super) fn has_sample_ids(data_type: &DataType) -> bool {
    genotype_struct(data_type).is_some_and(|f| f.find(SAMPLE_ID).is_some())
}

/// Checks the argument types of a function taking calls: `genotypes`
/// (Glow) or `calls, callsPloidy[, sampleCount]` (matrix), followed by
/// `extra` more arguments.
pub(super) fn check_calls_args(name: &str, types: &[DataType], extra: usize) -> Result<()> {
    let usage = || {
        plan_err(format!(
            "{name} takes the genotypes column (a list of structs with calls) or the matrix columns \
             calls, callsPloidy and optionally the number of samples{}; got {types:?}",
            if extra > 0 {
                ", then the site's alleles"
            } else {
                ""
            }
        ))
    };
    match types.len().checked_sub(extra) {
        Some(1) => {
            let fields = genotype_struct(&types[0]).ok_or_else(usage)?;
            if fields.find(CALLS).is_none() {
                return Err(plan_err(format!(
                    "{name}: the genotype struct has no calls field (its fields: {})",
                    fields
                        .iter()
                        .map(|f| f.name().as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            Ok(())
        }
        Some(2 | 3) if is_binary(&types[0]) && types[1].is_integer() => Ok(()),
        _ => Err(usage()),
    }
}

/// One batch of calls, in either layout.
pub(super) enum CallRows {
    Glow(Box<GlowRows>),
    Matrix(MatrixRows),
}

impl CallRows {
    /// Reads `args[0]` (Glow) or `args[0..2]`/`args[0..3]` (matrix); the
    /// number of arguments used is returned beside.
    pub(super) fn new(args: &[ArrayRef], extra: usize) -> Result<Self> {
        if args.len() - extra == 1 {
            Ok(Self::Glow(Box::new(GlowRows::new(&args[0])?)))
        } else {
            Ok(Self::Matrix(MatrixRows::new(&args[..args.len() - extra])?))
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Self::Glow(g) => g.list.len(),
            Self::Matrix(m) => m.ploidy.len(),
        }
    }

    /// Runs `f` on row `row`'s calls, or returns `None` for a null row.
    pub(super) fn with_row<T>(
        &self,
        row: usize,
        f: impl FnOnce(&dyn CallsRow) -> Result<T>,
    ) -> Result<Option<T>> {
        match self {
            Self::Glow(g) => {
                if g.list.is_null(row) {
                    return Ok(None);
                }
                let offsets = g.list.value_offsets();
                let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
                let list = ListCalls::new(&g.values, &g.calls.value_offsets()[start..=end]);
                let nulls = |n: Option<&NullBuffer>| {
                    n.map_or(0, |n| n.slice(start, end - start).null_count())
                };
                if nulls(g.structs.nulls()) + nulls(g.calls.nulls()) == 0 {
                    let mut bytes = Vec::new();
                    if let Some(matrix) = list.diploid_bytes(&mut bytes) {
                        return f(&matrix).map(Some);
                    }
                    return f(&list).map(Some);
                }
                let valid = |s: usize| {
                    let i = start + s;
                    g.structs.is_valid(i) && g.calls.is_valid(i)
                };
                f(&list.with_validity(&valid)).map(Some)
            }
            Self::Matrix(m) => {
                let Some(bytes) = m.bytes(row) else {
                    return Ok(None);
                };
                if m.ploidy.is_null(row) {
                    return Ok(None);
                }
                let ploidy = usize::try_from(m.ploidy.value(row)).map_err(|_| {
                    exec_err(format!(
                        "callsPloidy of {} in row {row}",
                        m.ploidy.value(row)
                    ))
                })?;
                let samples = m
                    .samples
                    .unwrap_or(if ploidy == 0 { 0 } else { m.inferred });
                let calls = MatrixCalls::new(bytes, ploidy, samples).map_err(exec_err)?;
                f(&calls).map(Some)
            }
        }
    }

    /// The sample ids of row `row`, when the genotypes carry them.
    pub(super) fn sample_ids(&self, row: usize) -> Result<Option<Vec<String>>> {
        let Self::Glow(g) = self else {
            return Ok(None);
        };
        let Some(ids) = g.structs.column_by_name(SAMPLE_ID) else {
            return Ok(None);
        };
        let offsets = g.list.value_offsets();
        let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
        let ids = cast(&ids.slice(start, end - start), &DataType::Utf8)?;
        let ids = ids.as_string::<i32>();
        Ok(Some(
            (0..ids.len())
                .map(|i| {
                    if ids.is_valid(i) {
                        ids.value(i).to_string()
                    } else {
                        String::new()
                    }
                })
                .collect(),
        ))
    }
}

/// What the counting code sees of one row: either layout.
pub(super) trait CallsRow {
    fn summary(&self) -> genolake_stats::CallSummary;
    fn states(&self) -> Vec<i32>;
    fn add_to(
        &self,
        stats: &mut genolake_stats::SampleCallStats,
        reference: &str,
        alternates: &[&str],
    ) -> genolake_stats::Result<()>;
}

impl<C: genolake_stats::Calls> CallsRow for C {
    fn summary(&self) -> genolake_stats::CallSummary {
        genolake_stats::call_summary_stats(self)
    }

    fn states(&self) -> Vec<i32> {
        genolake_stats::genotype_states(self)
    }

    fn add_to(
        &self,
        stats: &mut genolake_stats::SampleCallStats,
        reference: &str,
        alternates: &[&str],
    ) -> genolake_stats::Result<()> {
        stats.add_row(self, reference, alternates.iter().copied())
    }
}

/// Glow's `genotypes` list of structs.
pub(super) struct GlowRows {
    list: ListArray,
    structs: StructArray,
    calls: ListArray,
    /// The calls' allele indices, with a null allele read as −1.
    values: Arc<[i32]>,
}

impl GlowRows {
    fn new(arg: &ArrayRef) -> Result<Self> {
        let list = as_list(arg)?;
        let structs = list
            .values()
            .as_struct_opt()
            .ok_or_else(|| exec_err("genotypes must be a list of structs"))?
            .clone();
        let calls = structs
            .column_by_name(CALLS)
            .ok_or_else(|| exec_err("the genotype struct has no calls field"))?;
        let calls = as_list(calls)?;
        let values = cast(calls.values(), &DataType::Int32)?;
        let values = values.as_primitive::<Int32Type>();
        let values: Arc<[i32]> = if values.null_count() == 0 {
            values.values().iter().copied().collect()
        } else {
            values.iter().map(|v| v.unwrap_or(-1)).collect()
        };
        Ok(Self {
            list,
            structs,
            calls,
            values,
        })
    }
}

/// A list column as a `ListArray` (large lists and list views cast).
pub(super) fn as_list(array: &ArrayRef) -> Result<ListArray> {
    match array.data_type() {
        DataType::List(_) => Ok(array.as_list::<i32>().clone()),
        DataType::LargeList(item) | DataType::ListView(item) | DataType::LargeListView(item) => {
            let target = DataType::List(Arc::new(Field::new(
                item.name(),
                item.data_type().clone(),
                true,
            )));
            Ok(cast(array, &target)?.as_list::<i32>().clone())
        }
        other => Err(exec_err(format!("expected a list, got {other}"))),
    }
}

/// The matrix layout's `calls` and `callsPloidy`.
pub(super) struct MatrixRows {
    calls: ArrayRef,
    ploidy: Int32Array,
    /// Samples given as the third argument.
    samples: Option<usize>,
    /// Samples inferred from the batch: the narrowest row's
    /// `len(calls) / callsPloidy` (one byte a slot for any site with fewer
    /// than 128 alleles).
    inferred: usize,
}

impl MatrixRows {
    fn new(args: &[ArrayRef]) -> Result<Self> {
        let calls = args[0].clone();
        let ploidy = cast(&args[1], &DataType::Int32)?
            .as_primitive::<Int32Type>()
            .clone();
        let samples = match args.get(2) {
            None => None,
            Some(n) => {
                let n = cast(n, &DataType::Int64)?;
                let n = n.as_primitive::<arrow::datatypes::Int64Type>();
                let first = (!n.is_empty() && n.is_valid(0)).then(|| n.value(0));
                match first.map(usize::try_from) {
                    Some(Ok(n)) => Some(n),
                    _ => {
                        return Err(exec_err(
                            "the number of samples must be a non-negative integer",
                        ));
                    }
                }
            }
        };
        let mut rows = Self {
            calls,
            ploidy,
            samples,
            inferred: 0,
        };
        rows.inferred = (0..rows.ploidy.len())
            .filter_map(|r| {
                let ploidy = usize::try_from(rows.ploidy.value(r))
                    .ok()
                    .filter(|&p| p > 0)?;
                rows.bytes(r).map(|b| b.len() / ploidy)
            })
            .min()
            .unwrap_or(0);
        Ok(rows)
    }

    fn bytes(&self, row: usize) -> Option<&[u8]> {
        if self.calls.is_null(row) {
            return None;
        }
        if let Some(a) = self.calls.as_any().downcast_ref::<BinaryArray>() {
            Some(a.value(row))
        } else if let Some(a) = self.calls.as_any().downcast_ref::<LargeBinaryArray>() {
            Some(a.value(row))
        } else {
            self.calls
                .as_any()
                .downcast_ref::<BinaryViewArray>()
                .map(|a| a.value(row))
        }
    }
}

/// Per-row numbers: a Glow genotype field (`depth`) or a list column (the
/// matrix layout's `depth`), as `f64`s with nulls.
pub(super) struct NumberRows {
    list: ListArray,
    values: Float64Array,
}

impl NumberRows {
    /// `field` of the genotype structs when `arg` is a Glow `genotypes`
    /// list, else `arg` itself as a list of numbers.
    pub(super) fn new(arg: &ArrayRef, field: Option<&str>) -> Result<Self> {
        let list = as_list(arg)?;
        let numbers = match (list.values().as_struct_opt(), field) {
            (Some(structs), Some(field)) => structs
                .column_by_name(field)
                .ok_or_else(|| exec_err(format!("the genotype struct has no {field} field")))?
                .clone(),
            (Some(_), None) => {
                return Err(exec_err(
                    "expected a list of numbers, got a list of structs",
                ));
            }
            (None, _) => list.values().clone(),
        };
        let values = cast(&numbers, &DataType::Float64)?
            .as_primitive::<Float64Type>()
            .clone();
        // A list whose genotype struct is null counts its field as null.
        let values = match list.values().as_struct_opt().and_then(|s| s.nulls()) {
            Some(nulls) => {
                let merged = arrow::buffer::NullBuffer::union(values.nulls(), Some(nulls));
                Float64Array::new(values.values().clone(), merged)
            }
            None => values,
        };
        Ok(Self { list, values })
    }

    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    /// Row `row`'s values, or `None` for a null row.
    pub(super) fn row(&self, row: usize) -> Option<impl Iterator<Item = Option<f64>> + '_> {
        if self.list.is_null(row) {
            return None;
        }
        let offsets = self.list.value_offsets();
        let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
        Some((start..end).map(|i| self.values.is_valid(i).then(|| self.values.value(i))))
    }
}

/// Whether a data type is a list of numbers.
pub(super) fn is_number_list(data_type: &DataType) -> bool {
    match data_type {
        DataType::List(item) | DataType::LargeList(item) | DataType::ListView(item) => {
            item.data_type().is_numeric() || item.data_type() == &DataType::Null
        }
        _ => false,
    }
}
