//! `logistic_regression_gwas(genotypes, phenotypes, covariates, test[,
//! offset])`.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Float64Builder, ListBuilder, StructArray};
use arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use genolake_stats::gwas::logistic::{LogisticModel, LogitTest, LogitTestResults};

use super::{
    Batch, Inputs, ModelCache, check_types, columnar, exec_err, float, plan_err, run, validity,
};

const NAME: &str = "logistic_regression_gwas";
const USAGE: &str = "genotypes (a list of numbers per sample), phenotypes (0, 1 or NaN per \
                     sample), covariates (a Spark ML matrix or a list of numbers per sample, one \
                     row per sample), the test ('LRT' or 'Firth') and optionally offsets (a list \
                     of numbers per sample)";

/// Glow's `logistic_regression_gwas(genotypes, phenotypes, covariates,
/// test[, offset])`: a logistic regression of the binary phenotypes on
/// the genotypes and the covariates (no intercept is added), tested with
/// the likelihood ratio test (`'LRT'`) or Firth's penalized likelihood
/// ratio test (`'Firth'`); a struct of `beta`, `oddsRatio`,
/// `waldConfidenceInterval` (the odds ratio's 95% interval) and `pValue`.
///
/// Samples whose phenotype is NaN or null are left out. A null argument
/// gives a null result, as does a variant that cannot be tested (no
/// variation, or a fit that does not converge; Glow returns NaN there).
#[derive(Debug)]
pub struct LogisticRegressionGwas {
    signature: Signature,
    cache: ModelCache<LogisticModel>,
}

impl LogisticRegressionGwas {
    /// The UDF.
    pub fn new() -> Self {
        Self {
            signature: Signature::one_of(
                vec![TypeSignature::Any(4), TypeSignature::Any(5)],
                Volatility::Immutable,
            ),
            cache: ModelCache::new(),
        }
    }

    /// How many models (null fits) this function has prepared: rows with
    /// the inputs of an earlier row reuse its model.
    pub fn models_prepared(&self) -> u64 {
        self.cache.prepared()
    }
}

impl Default for LogisticRegressionGwas {
    fn default() -> Self {
        Self::new()
    }
}

// Every instance computes the same function; the cache is not part of it.
impl PartialEq for LogisticRegressionGwas {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for LogisticRegressionGwas {}

impl Hash for LogisticRegressionGwas {
    fn hash<H: Hasher>(&self, state: &mut H) {
        NAME.hash(state);
    }
}

fn interval_type() -> DataType {
    DataType::List(Arc::new(Field::new("element", DataType::Float64, true)))
}

fn result_fields() -> Fields {
    Fields::from(vec![
        float("beta"),
        float("oddsRatio"),
        Field::new("waldConfidenceInterval", interval_type(), true),
        float("pValue"),
    ])
}

/// The test named by a constant argument.
fn parse_test(value: Option<&ScalarValue>) -> Result<LogitTest> {
    let text = value
        .and_then(|v| v.try_as_str().flatten())
        .ok_or_else(|| {
            plan_err(format!(
                "{NAME}: the test (argument 4) must be a constant string, 'LRT' or 'Firth'"
            ))
        })?;
    text.parse::<LogitTest>()
        .map_err(|e| plan_err(format!("{NAME}: {e}")))
}

fn prepare(inputs: &Inputs) -> Result<LogisticModel> {
    if inputs.covariates.cols == 0 {
        return Err(exec_err(format!(
            "{NAME}: the covariates need at least one column (no intercept is added: include a \
             column of ones)"
        )));
    }
    let mut builder = LogisticModel::builder(inputs.phenotypes())
        .covariates(inputs.covariates())
        .intercept(false);
    if let Some(offsets) = inputs.offsets() {
        builder = builder.offsets(offsets);
    }
    let model = builder
        .build()
        .map_err(|e| exec_err(format!("{NAME}: {e}")))?;
    model
        .phenotype_status(0)
        .map_err(|why| exec_err(format!("{NAME}: the phenotype cannot be tested: {why}")))?;
    Ok(model)
}

impl ScalarUDFImpl for LogisticRegressionGwas {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(result_fields()))
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let types: Vec<DataType> = args
            .arg_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        check_types(NAME, USAGE, &types)?;
        if let Some(offsets) = types.get(4)
            && !(super::is_number_list(offsets) || offsets == &DataType::Null)
        {
            return Err(plan_err(format!(
                "{NAME} takes {USAGE}; the offsets are {offsets}"
            )));
        }
        parse_test(args.scalar_arguments[3])?;
        Ok(Arc::new(Field::new(
            NAME,
            DataType::Struct(result_fields()),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let test = match &args.args[3] {
            ColumnarValue::Scalar(value) => parse_test(Some(value))?,
            ColumnarValue::Array(_) => {
                return Err(exec_err(format!(
                    "{NAME}: the test (argument 4) must be a constant string, 'LRT' or 'Firth'"
                )));
            }
        };
        let batch = Batch::new(NAME, &args.args, Some(4), args.number_rows)?;
        let rows = run(
            NAME,
            &batch,
            &self.cache,
            prepare,
            |model, block, out: &mut Vec<Option<LogitTestResults>>| {
                let results = model
                    .glow_test(block, test)
                    .map_err(|e| exec_err(format!("{NAME}: {e}")))?;
                out.extend((0..block.ncols()).map(|v| results.get(v, 0).as_ref().ok().copied()));
                Ok(())
            },
        )?;
        let column = |f: fn(&LogitTestResults) -> f64| -> ArrayRef {
            Arc::new(
                rows.iter()
                    .map(|r| r.as_ref().map(f))
                    .collect::<Float64Array>(),
            )
        };
        let mut intervals = ListBuilder::new(Float64Builder::new())
            .with_field(Arc::new(Field::new("element", DataType::Float64, true)));
        for row in &rows {
            match row {
                Some(r) => {
                    intervals.values().append_slice(&r.wald_confidence_interval);
                    intervals.append(true);
                }
                None => intervals.append(false),
            }
        }
        let array = StructArray::try_new(
            result_fields(),
            vec![
                column(|r| r.beta),
                column(|r| r.odds_ratio),
                Arc::new(intervals.finish()),
                column(|r| r.p_value),
            ],
            validity(&rows),
        )?;
        columnar(Arc::new(array), batch.all_scalar)
    }
}
