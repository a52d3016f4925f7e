//! The per-row QC functions.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Float64Builder, Int32Array, Int32Builder,
    ListArray, ListBuilder, StructArray,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Fields, Float64Type, Int64Type};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use genolake_stats::{CallSummary, SummaryStats, array_summary_stats, hardy_weinberg};

use super::input::{
    CallRows, NumberRows, check_calls_args, exec_err, genotype_struct, is_number_list, plan_err,
};

/// The per-row functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VariantStat {
    /// `call_summary_stats`
    CallSummary,
    /// `hardy_weinberg`
    HardyWeinberg,
    /// `genotype_states`
    GenotypeStates,
    /// `dp_summary_stats`
    Dp,
    /// `gq_summary_stats`
    Gq,
    /// `array_summary_stats`
    Array,
    /// `hard_calls`
    HardCalls,
    /// `mean_substitute`
    MeanSubstitute,
}

impl VariantStat {
    /// Every per-row function.
    pub const ALL: [VariantStat; 8] = [
        Self::CallSummary,
        Self::HardyWeinberg,
        Self::GenotypeStates,
        Self::Dp,
        Self::Gq,
        Self::Array,
        Self::HardCalls,
        Self::MeanSubstitute,
    ];

    /// The SQL name (Glow's).
    pub fn name(self) -> &'static str {
        match self {
            Self::CallSummary => "call_summary_stats",
            Self::HardyWeinberg => "hardy_weinberg",
            Self::GenotypeStates => "genotype_states",
            Self::Dp => "dp_summary_stats",
            Self::Gq => "gq_summary_stats",
            Self::Array => "array_summary_stats",
            Self::HardCalls => "hard_calls",
            Self::MeanSubstitute => "mean_substitute",
        }
    }
}

/// One of Glow's per-row functions as a DataFusion scalar UDF.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct QcScalar {
    stat: VariantStat,
    signature: Signature,
}

impl QcScalar {
    /// The UDF for `stat`.
    pub fn new(stat: VariantStat) -> Self {
        let counts: &[usize] = match stat {
            VariantStat::CallSummary | VariantStat::HardyWeinberg | VariantStat::GenotypeStates => {
                &[1, 2, 3]
            }
            VariantStat::Dp | VariantStat::Gq | VariantStat::Array => &[1],
            VariantStat::HardCalls => &[3, 4],
            VariantStat::MeanSubstitute => &[1, 2],
        };
        let signature = Signature::one_of(
            counts.iter().map(|&n| TypeSignature::Any(n)).collect(),
            Volatility::Immutable,
        );
        Self { stat, signature }
    }
}

fn float(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}

fn int(name: &str) -> Field {
    Field::new(name, DataType::Int32, true)
}

fn list_of(name: &str, item: DataType) -> Field {
    Field::new(
        name,
        DataType::List(Arc::new(Field::new("element", item, true))),
        true,
    )
}

pub(super) fn moment_fields() -> Vec<Field> {
    vec![float("mean"), float("stdDev"), float("min"), float("max")]
}

fn call_summary_fields() -> Fields {
    Fields::from(vec![
        float("callRate"),
        int("nCalled"),
        int("nUncalled"),
        int("nHet"),
        list_of("nHomozygous", DataType::Int32),
        int("nNonRef"),
        int("nAllelesCalled"),
        list_of("alleleCounts", DataType::Int32),
        list_of("alleleFrequencies", DataType::Float64),
    ])
}

fn hardy_weinberg_fields() -> Fields {
    Fields::from(vec![float("hetFreqHwe"), float("pValueHwe")])
}

fn int_list() -> DataType {
    DataType::List(Arc::new(Field::new("element", DataType::Int32, true)))
}

fn float_list() -> DataType {
    DataType::List(Arc::new(Field::new("element", DataType::Float64, true)))
}

impl ScalarUDFImpl for QcScalar {
    fn name(&self) -> &str {
        self.stat.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        let name = self.stat.name();
        match self.stat {
            VariantStat::CallSummary => {
                check_calls_args(name, types, 0)?;
                Ok(DataType::Struct(call_summary_fields()))
            }
            VariantStat::HardyWeinberg => {
                check_calls_args(name, types, 0)?;
                Ok(DataType::Struct(hardy_weinberg_fields()))
            }
            VariantStat::GenotypeStates => {
                check_calls_args(name, types, 0)?;
                Ok(int_list())
            }
            VariantStat::Dp | VariantStat::Gq | VariantStat::Array => {
                let field = field_of(self.stat);
                let ok = is_number_list(&types[0])
                    || field.is_some_and(|f| {
                        genotype_struct(&types[0]).is_some_and(|s| s.find(f).is_some())
                    });
                if !ok {
                    return Err(plan_err(format!(
                        "{name} takes {}a list of numbers; got {}",
                        field.map_or(String::new(), |f| format!(
                            "the genotypes column (with {f}) or "
                        )),
                        types[0]
                    )));
                }
                Ok(DataType::Struct(Fields::from(moment_fields())))
            }
            VariantStat::HardCalls => {
                if !is_number_list(&types[0])
                    || !types[1].is_integer()
                    || types[2] != DataType::Boolean
                {
                    return Err(plan_err(format!(
                        "hard_calls takes probabilities (a list of numbers), numAlts (an integer), phased \
                         (a boolean) and optionally a threshold; got {types:?}"
                    )));
                }
                Ok(int_list())
            }
            VariantStat::MeanSubstitute => {
                if !is_number_list(&types[0]) || types.get(1).is_some_and(|t| !t.is_numeric()) {
                    return Err(plan_err(format!(
                        "mean_substitute takes a list of numbers and optionally the missing value; got {types:?}"
                    )));
                }
                Ok(float_list())
            }
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let out = match self.stat {
            VariantStat::CallSummary => call_summaries(&CallRows::new(&arrays, 0)?, false)?,
            VariantStat::HardyWeinberg => call_summaries(&CallRows::new(&arrays, 0)?, true)?,
            VariantStat::GenotypeStates => genotype_states(&CallRows::new(&arrays, 0)?)?,
            VariantStat::Dp | VariantStat::Gq | VariantStat::Array => {
                let numbers = NumberRows::new(&arrays[0], field_of(self.stat))?;
                let stats: Vec<Option<SummaryStats>> = (0..numbers.len())
                    .map(|r| numbers.row(r).and_then(array_summary_stats))
                    .collect();
                moments_array(&stats, None)
            }
            VariantStat::HardCalls => hard_calls(&arrays, rows)?,
            VariantStat::MeanSubstitute => mean_substitute(&arrays)?,
        };
        Ok(ColumnarValue::Array(out))
    }
}

fn field_of(stat: VariantStat) -> Option<&'static str> {
    match stat {
        VariantStat::Dp => Some("depth"),
        VariantStat::Gq => Some("conditionalQuality"),
        _ => None,
    }
}

fn call_summaries(calls: &CallRows, hwe: bool) -> Result<ArrayRef> {
    let n = calls.len();
    let mut summaries: Vec<Option<CallSummary>> = Vec::with_capacity(n);
    for row in 0..n {
        summaries.push(calls.with_row(row, |c| Ok(c.summary()))?);
    }
    let nulls = NullBuffer::from(summaries.iter().map(Option::is_some).collect::<Vec<_>>());
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    let get = |s: &Option<CallSummary>| s.clone().unwrap_or_default();
    if hwe {
        let results: Vec<_> = summaries.iter().map(|s| hardy_weinberg(&get(s))).collect();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Float64Array::from_iter_values(
                results.iter().map(|h| h.het_freq_hwe),
            )),
            Arc::new(Float64Array::from_iter_values(
                results.iter().map(|h| h.p_value_hwe),
            )),
        ];
        return Ok(Arc::new(StructArray::try_new(
            hardy_weinberg_fields(),
            columns,
            nulls,
        )?));
    }
    let ints = |f: fn(&CallSummary) -> i32| -> ArrayRef {
        Arc::new(Int32Array::from_iter_values(
            summaries.iter().map(|s| s.as_ref().map_or(0, f)),
        ))
    };
    let mut hom = ListBuilder::new(Int32Builder::new()).with_field(Arc::new(Field::new(
        "element",
        DataType::Int32,
        true,
    )));
    let mut counts = ListBuilder::new(Int32Builder::new()).with_field(Arc::new(Field::new(
        "element",
        DataType::Int32,
        true,
    )));
    let mut freqs = ListBuilder::new(Float64Builder::new()).with_field(Arc::new(Field::new(
        "element",
        DataType::Float64,
        true,
    )));
    for s in &summaries {
        let s = get(s);
        hom.values().append_slice(&s.n_homozygous);
        hom.append(true);
        counts.values().append_slice(&s.allele_counts);
        counts.append(true);
        freqs.values().append_slice(&s.allele_frequencies);
        freqs.append(true);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Float64Array::from_iter_values(
            summaries
                .iter()
                .map(|s| s.as_ref().map_or(0.0, |s| s.call_rate)),
        )),
        ints(|s| s.n_called),
        ints(|s| s.n_uncalled),
        ints(|s| s.n_het),
        Arc::new(hom.finish()),
        ints(|s| s.n_non_ref),
        ints(|s| s.n_alleles_called),
        Arc::new(counts.finish()),
        Arc::new(freqs.finish()),
    ];
    Ok(Arc::new(StructArray::try_new(
        call_summary_fields(),
        columns,
        nulls,
    )?))
}

fn genotype_states(calls: &CallRows) -> Result<ArrayRef> {
    let mut out = ListBuilder::new(Int32Builder::new()).with_field(Arc::new(Field::new(
        "element",
        DataType::Int32,
        true,
    )));
    for row in 0..calls.len() {
        match calls.with_row(row, |c| Ok(c.states()))? {
            Some(states) => {
                out.values().append_slice(&states);
                out.append(true);
            }
            None => out.append(false),
        }
    }
    Ok(Arc::new(out.finish()))
}

/// A struct column of moment summaries, nulls where there is none;
/// `sample_ids` prepends `sampleId`.
pub(super) fn moments_array(
    stats: &[Option<SummaryStats>],
    sample_ids: Option<&[String]>,
) -> ArrayRef {
    let column = |f: fn(&SummaryStats) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter(
            stats.iter().map(|s| s.as_ref().map(f)),
        ))
    };
    let mut fields = moment_fields();
    let mut columns = vec![
        column(|s| s.mean),
        column(|s| s.std_dev),
        column(|s| s.min),
        column(|s| s.max),
    ];
    if let Some(ids) = sample_ids {
        fields.insert(0, Field::new("sampleId", DataType::Utf8, true));
        columns.insert(
            0,
            Arc::new(arrow::array::StringArray::from_iter_values(ids)),
        );
    }
    Arc::new(StructArray::new(Fields::from(fields), columns, None))
}

fn hard_calls(arrays: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
    let probabilities = super::input::as_list(&arrays[0])?;
    let values = cast(probabilities.values(), &DataType::Float64)?;
    let values = values.as_primitive::<Float64Type>();
    let alts = cast(&arrays[1], &DataType::Int64)?;
    let alts = alts.as_primitive::<Int64Type>();
    let phased = arrays[2]
        .as_any()
        .downcast_ref::<BooleanArray>()
        .ok_or_else(|| exec_err("phased must be a boolean"))?;
    let threshold = match arrays.get(3) {
        Some(t) => {
            let t = cast(t, &DataType::Float64)?;
            let t = t.as_primitive::<Float64Type>();
            if t.is_empty() || t.is_null(0) {
                return Err(exec_err("hard_calls: the threshold must be a number"));
            }
            t.value(0)
        }
        None => 0.9,
    };
    let mut out = ListBuilder::new(Int32Builder::new()).with_field(Arc::new(Field::new(
        "element",
        DataType::Int32,
        true,
    )));
    let mut run = Vec::new();
    for row in 0..rows {
        if probabilities.is_null(row) || alts.is_null(row) || phased.is_null(row) {
            out.append(false);
            continue;
        }
        let offsets = probabilities.value_offsets();
        run.clear();
        run.extend((offsets[row] as usize..offsets[row + 1] as usize).map(|i| values.value(i)));
        let alternates = i32::try_from(alts.value(row)).unwrap_or(-1);
        let calls = genolake_stats::hard_calls(&run, alternates, phased.value(row), threshold)
            .map_err(exec_err)?;
        out.values().append_slice(&calls);
        out.append(true);
    }
    Ok(Arc::new(out.finish()))
}

fn mean_substitute(arrays: &[ArrayRef]) -> Result<ArrayRef> {
    let numbers = NumberRows::new(&arrays[0], None)?;
    let missing = match arrays.get(1) {
        Some(m) => Some(
            cast(m, &DataType::Float64)?
                .as_primitive::<Float64Type>()
                .clone(),
        ),
        None => None,
    };
    let mut values = Vec::new();
    let mut lengths = Vec::with_capacity(numbers.len());
    let mut valid = Vec::with_capacity(numbers.len());
    let mut row_values = Vec::new();
    for row in 0..numbers.len() {
        match numbers.row(row) {
            None => {
                lengths.push(0);
                valid.push(false);
            }
            Some(it) => {
                row_values.clear();
                row_values.extend(it);
                let m = missing.as_ref().map_or(-1.0, |m| m.value(row));
                let substituted = genolake_stats::mean_substitute(&row_values, m);
                lengths.push(substituted.len());
                values.extend(substituted);
                valid.push(true);
            }
        }
    }
    let nulls = NullBuffer::from(valid);
    Ok(Arc::new(ListArray::try_new(
        Arc::new(Field::new("element", DataType::Float64, true)),
        OffsetBuffer::from_lengths(lengths),
        Arc::new(Float64Array::from(values)),
        (nulls.null_count() > 0).then_some(nulls),
    )?))
}
