//! The per-sample QC aggregates: one result per sample over every row of a
//! group, with partial states that merge (the accumulators of
//! [`genolake_stats`], serialized as one binary value).

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, ListArray, StringArray, StructArray,
};
use arrow::buffer::OffsetBuffer;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Signature, TypeSignature, Volatility,
};
use genolake_stats::{SampleCallStats, SampleMoments};

use super::input::{
    CallRows, NumberRows, check_calls_args, exec_err, genotype_struct, has_sample_ids,
    is_number_list, plan_err,
};
use super::scalar::{moment_fields, moments_array};

/// The per-sample aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SampleStat {
    /// `sample_call_summary_stats`
    Calls,
    /// `sample_dp_summary_stats`
    Dp,
    /// `sample_gq_summary_stats`
    Gq,
}

impl SampleStat {
    /// Every per-sample aggregate.
    pub const ALL: [SampleStat; 3] = [Self::Calls, Self::Dp, Self::Gq];

    /// The SQL name (Glow's).
    pub fn name(self) -> &'static str {
        match self {
            Self::Calls => "sample_call_summary_stats",
            Self::Dp => "sample_dp_summary_stats",
            Self::Gq => "sample_gq_summary_stats",
        }
    }

    fn field(self) -> Option<&'static str> {
        match self {
            Self::Calls => None,
            Self::Dp => Some("depth"),
            Self::Gq => Some("conditionalQuality"),
        }
    }
}

/// One of Glow's per-sample aggregates as a DataFusion aggregate UDF.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct QcAggregate {
    stat: SampleStat,
    signature: Signature,
}

impl QcAggregate {
    /// The UDF for `stat`.
    pub fn new(stat: SampleStat) -> Self {
        let counts: &[usize] = match stat {
            SampleStat::Calls => &[3, 4, 5],
            SampleStat::Dp | SampleStat::Gq => &[1],
        };
        let signature = Signature::one_of(
            counts.iter().map(|&n| TypeSignature::Any(n)).collect(),
            Volatility::Immutable,
        );
        Self { stat, signature }
    }
}

fn long(name: &str) -> Field {
    Field::new(name, DataType::Int64, true)
}

fn float(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}

fn call_stats_fields(sample_ids: bool) -> Fields {
    let mut fields = Vec::new();
    if sample_ids {
        fields.push(Field::new("sampleId", DataType::Utf8, true));
    }
    fields.extend([
        float("callRate"),
        long("nCalled"),
        long("nUncalled"),
        long("nHomRef"),
        long("nHet"),
        long("nHomVar"),
        long("nSnp"),
        long("nInsertion"),
        long("nDeletion"),
        long("nTransition"),
        long("nTransversion"),
        long("nSpanningDeletion"),
        float("rTiTv"),
        float("rInsertionDeletion"),
        float("rHetHomVar"),
    ]);
    Fields::from(fields)
}

fn moments_fields(sample_ids: bool) -> Fields {
    let mut fields = moment_fields();
    if sample_ids {
        fields.insert(0, Field::new("sampleId", DataType::Utf8, true));
    }
    Fields::from(fields)
}

fn list_of(fields: Fields) -> DataType {
    DataType::List(Arc::new(Field::new(
        "element",
        DataType::Struct(fields),
        true,
    )))
}

impl AggregateUDFImpl for QcAggregate {
    fn name(&self) -> &str {
        self.stat.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        let name = self.stat.name();
        let ids = has_sample_ids(&types[0]);
        match self.stat {
            SampleStat::Calls => {
                check_calls_args(name, types, 2)?;
                let n = types.len();
                let alleles_ok = matches!(
                    types[n - 2],
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) && is_string_list(&types[n - 1]);
                if !alleles_ok {
                    return Err(plan_err(format!(
                        "{name}: the last two arguments must be referenceAllele (a string) and \
                         alternateAlleles (a list of strings); got {} and {}",
                        types[n - 2],
                        types[n - 1]
                    )));
                }
                Ok(list_of(call_stats_fields(ids)))
            }
            SampleStat::Dp | SampleStat::Gq => {
                let field = self.stat.field().unwrap_or_default();
                let ok = is_number_list(&types[0])
                    || genotype_struct(&types[0]).is_some_and(|s| s.find(field).is_some());
                if !ok {
                    return Err(plan_err(format!(
                        "{name} takes the genotypes column (with {field}) or a list of numbers per row; got {}",
                        types[0]
                    )));
                }
                Ok(list_of(moments_fields(ids)))
            }
        }
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let ids = args
            .expr_fields
            .first()
            .is_some_and(|f| has_sample_ids(f.data_type()));
        Ok(match self.stat {
            SampleStat::Calls => Box::new(CallsAccumulator {
                stats: SampleCallStats::default(),
                want_ids: ids,
            }),
            stat => Box::new(MomentsAccumulator {
                stats: SampleMoments::default(),
                want_ids: ids,
                field: stat.field(),
            }),
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[state]", args.name),
            DataType::Binary,
            true,
        ))])
    }
}

fn is_string_list(data_type: &DataType) -> bool {
    match data_type {
        DataType::List(item) | DataType::LargeList(item) | DataType::ListView(item) => matches!(
            item.data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ),
        _ => false,
    }
}

#[derive(Debug)]
struct CallsAccumulator {
    stats: SampleCallStats,
    want_ids: bool,
}

impl Accumulator for CallsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let n = values.len();
        let calls = CallRows::new(&values[..n - 2], 0)?;
        let reference = cast(&values[n - 2], &DataType::Utf8)?;
        let reference = reference.as_string::<i32>();
        let alternates = super::input::as_list(&values[n - 1])?;
        let alt_values = cast(alternates.values(), &DataType::Utf8)?;
        let alt_values = alt_values.as_string::<i32>();
        let mut alts: Vec<&str> = Vec::new();
        for row in 0..calls.len() {
            if self.want_ids
                && !self.stats.has_sample_ids()
                && let Some(ids) = calls.sample_ids(row)?
            {
                self.stats.set_sample_ids(ids);
            }
            let ref_allele = if reference.is_valid(row) {
                reference.value(row)
            } else {
                ""
            };
            alts.clear();
            if alternates.is_valid(row) {
                let offsets = alternates.value_offsets();
                alts.extend(
                    (offsets[row] as usize..offsets[row + 1] as usize).map(|i| alt_values.value(i)),
                );
            }
            calls.with_row(row, |c| {
                c.add_to(&mut self.stats, ref_allele, &alts)
                    .map_err(exec_err)
            })?;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let counts = self.stats.counts();
        let ids = self.want_ids.then(|| {
            let known = self.stats.sample_ids().unwrap_or(&[]);
            (0..counts.len())
                .map(|i| known.get(i).cloned().unwrap_or_default())
                .collect::<Vec<_>>()
        });
        let fields = call_stats_fields(ids.is_some());
        let long = |f: fn(&genolake_stats::SampleCallCounts) -> u64| -> ArrayRef {
            Arc::new(Int64Array::from_iter_values(
                counts.iter().map(|c| f(c) as i64),
            ))
        };
        let ratio = |f: fn(&genolake_stats::SampleCallCounts) -> f64| -> ArrayRef {
            Arc::new(Float64Array::from_iter_values(counts.iter().map(f)))
        };
        let mut columns: Vec<ArrayRef> = Vec::new();
        if let Some(ids) = &ids {
            columns.push(Arc::new(StringArray::from_iter_values(ids)));
        }
        columns.extend([
            ratio(|c| c.call_rate()),
            long(|c| c.n_called),
            long(|c| c.n_uncalled),
            long(|c| c.n_hom_ref),
            long(|c| c.n_het),
            long(|c| c.n_hom_var),
            long(|c| c.n_snp()),
            long(|c| c.n_insertion),
            long(|c| c.n_deletion),
            long(|c| c.n_transition),
            long(|c| c.n_transversion),
            long(|c| c.n_spanning_deletion),
            ratio(|c| c.r_ti_tv()),
            ratio(|c| c.r_insertion_deletion()),
            ratio(|c| c.r_het_hom_var()),
        ]);
        let structs: ArrayRef = Arc::new(StructArray::try_new(fields, columns, None)?);
        Ok(one_list(structs))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + std::mem::size_of_val(self.stats.counts())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Binary(Some(self.stats.to_bytes()))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let states = cast(&states[0], &DataType::Binary)?;
        let states = states.as_binary::<i32>();
        for i in 0..states.len() {
            if states.is_valid(i) {
                let other = SampleCallStats::from_bytes(states.value(i)).map_err(exec_err)?;
                self.stats.merge(&other).map_err(exec_err)?;
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
struct MomentsAccumulator {
    stats: SampleMoments,
    want_ids: bool,
    field: Option<&'static str>,
}

impl Accumulator for MomentsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let numbers = NumberRows::new(&values[0], self.field)?;
        let ids = if self.want_ids && !self.stats.has_sample_ids() {
            Some(CallRows::new(&values[..1], 0).ok())
        } else {
            None
        };
        for row in 0..numbers.len() {
            if let Some(Some(rows)) = &ids
                && !self.stats.has_sample_ids()
                && !values[0].is_null(row)
                && let Some(found) = rows.sample_ids(row)?
            {
                self.stats.set_sample_ids(found);
            }
            if let Some(row_values) = numbers.row(row) {
                self.stats.add_row(row_values).map_err(exec_err)?;
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let summaries = self.stats.summaries();
        let ids = self.want_ids.then(|| {
            let known = self.stats.sample_ids().unwrap_or(&[]);
            (0..summaries.len())
                .map(|i| known.get(i).cloned().unwrap_or_default())
                .collect::<Vec<_>>()
        });
        Ok(one_list(moments_array(&summaries, ids.as_deref())))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.stats.summaries().len() * 40
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Binary(Some(self.stats.to_bytes()))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let states = cast(&states[0], &DataType::Binary)?;
        let states = states.as_binary::<i32>();
        for i in 0..states.len() {
            if states.is_valid(i) {
                let other = SampleMoments::from_bytes(states.value(i)).map_err(exec_err)?;
                self.stats.merge(&other).map_err(exec_err)?;
            }
        }
        Ok(())
    }
}

/// A one-row list value holding `items`.
fn one_list(items: ArrayRef) -> ScalarValue {
    let field = Arc::new(Field::new("element", items.data_type().clone(), true));
    let list = ListArray::new(
        field,
        OffsetBuffer::from_lengths([items.len()]),
        items,
        None,
    );
    ScalarValue::List(Arc::new(list))
}
