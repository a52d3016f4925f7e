//! `linear_regression_gwas(genotypes, phenotypes, covariates)`.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, StructArray};
use arrow::datatypes::{DataType, Fields};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use genolake_stats::gwas::linear::{
    Association, LinearModel, LinearOptions, LinearResults, PhenotypeSkip,
};

use super::{Batch, Inputs, ModelCache, check_types, columnar, exec_err, float, run, validity};

const NAME: &str = "linear_regression_gwas";
const USAGE: &str = "genotypes (a list of numbers per sample), phenotypes (a list of numbers \
                     per sample) and covariates (a Spark ML matrix or a list of numbers per \
                     sample, one row per sample)";

/// Glow's `linear_regression_gwas(genotypes, phenotypes, covariates)`:
/// ordinary least squares of the phenotypes on the genotypes and the
/// covariates (no intercept is added), a struct of `beta`,
/// `standardError` and `pValue` (two-sided t-test with n − c − 1 degrees
/// of freedom) per row.
///
/// Samples whose phenotype is NaN or null are left out of the fit. A null
/// argument gives a null result, as does a variant with no variance left
/// once the covariates are accounted for (Glow returns NaN there). Null or
/// non-finite genotypes, sizes that disagree, a phenotype that is constant
/// or a covariate matrix that is singular on the samples are errors.
#[derive(Debug)]
pub struct LinearRegressionGwas {
    signature: Signature,
    cache: ModelCache<LinearModel>,
}

impl LinearRegressionGwas {
    /// The UDF.
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::Any(3), Volatility::Immutable),
            cache: ModelCache::new(),
        }
    }

    /// How many models (covariate QR, phenotype residuals) this function
    /// has prepared: rows with the inputs of an earlier row reuse its
    /// model.
    pub fn models_prepared(&self) -> u64 {
        self.cache.prepared()
    }
}

impl Default for LinearRegressionGwas {
    fn default() -> Self {
        Self::new()
    }
}

// Every instance computes the same function; the cache is not part of it.
impl PartialEq for LinearRegressionGwas {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for LinearRegressionGwas {}

impl Hash for LinearRegressionGwas {
    fn hash<H: Hasher>(&self, state: &mut H) {
        NAME.hash(state);
    }
}

fn result_fields() -> Fields {
    Fields::from(vec![float("beta"), float("standardError"), float("pValue")])
}

/// The model of one (phenotypes, covariates) pair, or an error saying why
/// the phenotype cannot be tested.
fn prepare(inputs: &Inputs) -> Result<LinearModel> {
    let options = LinearOptions {
        fit_intercept: false,
        ..LinearOptions::default()
    };
    let model = LinearModel::new(inputs.covariates(), inputs.phenotypes(), None, &options)
        .map_err(|e| exec_err(format!("{NAME}: {e}")))?;
    let c = inputs.covariates.cols;
    match model.skipped().first().copied().flatten() {
        None => Ok(model),
        Some(PhenotypeSkip::TooFewSamples { samples, needed }) => Err(exec_err(format!(
            "{NAME}: {samples} samples have a phenotype, too few for {c} covariates and the \
             genotype: at least {needed} are needed"
        ))),
        Some(PhenotypeSkip::NoVariance) => Err(exec_err(format!(
            "{NAME}: the phenotype is constant, or wholly explained by the {c} covariates, on \
             its samples: there is nothing to test"
        ))),
        Some(PhenotypeSkip::SingularCovariates) => Err(exec_err(format!(
            "{NAME}: the {c} covariates are linearly dependent on the samples that have a \
             phenotype (drop a constant or duplicated covariate)"
        ))),
    }
}

impl ScalarUDFImpl for LinearRegressionGwas {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        check_types(NAME, USAGE, types)?;
        Ok(DataType::Struct(result_fields()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let batch = Batch::new(NAME, &args.args, None, args.number_rows)?;
        let mut results = LinearResults::default();
        let rows = run(
            NAME,
            &batch,
            &self.cache,
            prepare,
            |model, block, out: &mut Vec<Option<Association>>| {
                model
                    .test(block, &mut results)
                    .map_err(|e| exec_err(format!("{NAME}: {e}")))?;
                out.extend((0..block.ncols()).map(|v| results.get(v, 0).copied()));
                Ok(())
            },
        )?;
        let column = |f: fn(&Association) -> f64| -> ArrayRef {
            Arc::new(
                rows.iter()
                    .map(|a| a.as_ref().map(f))
                    .collect::<Float64Array>(),
            )
        };
        let array = StructArray::try_new(
            result_fields(),
            vec![
                column(|a| a.beta),
                column(|a| a.standard_error),
                column(|a| a.p_value),
            ],
            validity(&rows),
        )?;
        columnar(Arc::new(array), batch.all_scalar)
    }
}
