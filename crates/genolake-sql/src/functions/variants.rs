//! Glow's per-variant transform functions: `normalize_variant` and
//! `lift_over_coordinates` (genolake-ops does the work).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Fields, Int64Type, Schema};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::FunctionRegistry;
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use genolake_core::schema::{ALTERNATE_ALLELES, CONTIG_NAME, END, REFERENCE_ALLELE, START};
use genolake_ops::chain::{ChainIndex, DEFAULT_MIN_MATCH};
use genolake_ops::fasta::IndexedFasta;
use genolake_ops::liftover::lift_over_coordinates_array;
use genolake_ops::normalize::{NORMALIZATION_RESULT, Normalizer};

fn exec_err(message: impl Into<String>) -> DataFusionError {
    DataFusionError::Execution(message.into())
}

fn ops_err(error: genolake_ops::Error) -> DataFusionError {
    DataFusionError::External(Box::new(error))
}

/// The one value of a path argument: a constant, or a column holding one
/// path (the path is per query, not per row, as a reference is).
fn one_path(function: &str, value: &ColumnarValue) -> Result<Option<String>> {
    let text = |v: &ScalarValue| v.try_as_str().flatten().map(str::to_string);
    match value {
        ColumnarValue::Scalar(v) => Ok(text(v)),
        ColumnarValue::Array(array) => {
            let strings = cast(array, &DataType::Utf8)?;
            let strings = strings.as_string::<i32>();
            let mut found: Option<&str> = None;
            for path in strings.iter().flatten() {
                match found {
                    Some(p) if p != path => {
                        return Err(exec_err(format!(
                            "{function}: the path must be the same on every row; found \
                             '{p}' and '{path}'"
                        )));
                    }
                    _ => found = Some(path),
                }
            }
            Ok(found.map(str::to_string))
        }
    }
}

/// `normalize_variant(contigName, start, end, referenceAllele,
/// alternateAlleles, referenceGenomePath)`: the variant left-aligned and
/// trimmed against the reference, as Glow returns it: a struct of `start`,
/// `end`, `referenceAllele`, `alternateAlleles` and `normalizationStatus`
/// (`changed`, `errorMessage`). See [`genolake_ops::normalize`].
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NormalizeVariant {
    signature: Signature,
}

impl NormalizeVariant {
    /// The UDF.
    pub fn new() -> Self {
        Self {
            signature: Signature::any(6, Volatility::Immutable),
        }
    }

    /// The output struct for input columns of these types.
    fn result_type(types: &[DataType]) -> Result<DataType> {
        let schema = Self::input_schema(types);
        // Only the schema is asked for: no reference is needed to tell it.
        let result = Normalizer::output_schema_for(&schema, false).map_err(ops_err)?;
        Ok(result
            .field_with_name(NORMALIZATION_RESULT)?
            .data_type()
            .clone())
    }

    fn input_schema(types: &[DataType]) -> Schema {
        let names = [CONTIG_NAME, START, END, REFERENCE_ALLELE, ALTERNATE_ALLELES];
        Schema::new(
            names
                .iter()
                .zip(types)
                .map(|(name, t)| Field::new(*name, t.clone(), true))
                .collect::<Vec<_>>(),
        )
    }
}

impl Default for NormalizeVariant {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for NormalizeVariant {
    fn name(&self) -> &str {
        "normalize_variant"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        let list = |t: &DataType| match t {
            DataType::List(_) | DataType::LargeList(_) => {
                DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
            }
            other => other.clone(),
        };
        Ok(vec![
            DataType::Utf8,
            DataType::Int64,
            DataType::Int64,
            DataType::Utf8,
            list(&types[4]),
            DataType::Utf8,
        ])
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        if !matches!(types[4], DataType::List(_)) {
            return Err(DataFusionError::Plan(format!(
                "normalize_variant(contigName, start, end, referenceAllele, alternateAlleles, \
                 referenceGenomePath): alternateAlleles must be an array of strings, not {}",
                types[4]
            )));
        }
        Self::result_type(&types[..5])
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let path = one_path("normalize_variant", &args.args[5])?;
        let arrays: Vec<ArrayRef> = args.args[..5]
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<_>>()?;
        let types: Vec<DataType> = arrays.iter().map(|a| a.data_type().clone()).collect();
        let Some(path) = path else {
            // No reference on any row: every result is null.
            return Ok(ColumnarValue::Array(arrow::array::new_null_array(
                &Self::result_type(&types)?,
                rows,
            )));
        };
        let batch = RecordBatch::try_new(Arc::new(Self::input_schema(&types)), arrays)?;
        let fasta = IndexedFasta::open(Path::new(&path)).map_err(ops_err)?;
        let mut normalizer = Normalizer::new(fasta).replace_columns(false);
        let normalized = normalizer.transform(&batch).map_err(ops_err)?;
        let result = normalized
            .column_by_name(NORMALIZATION_RESULT)
            .ok_or_else(|| exec_err("normalize_variant: the normalizer returned no result"))?;
        Ok(ColumnarValue::Array(Arc::clone(result)))
    }
}

/// `lift_over_coordinates(contigName, start, end, chainFile[,
/// minMatchRatio])`: the interval lifted with the UCSC chain file, as Glow
/// returns it: a struct of `contigName`, `start` and `end`, null where it
/// does not lift (htsjdk's rule: one chain must map at least
/// `minMatchRatio` of its bases, default 0.95). See
/// [`genolake_ops::liftover`].
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LiftOverCoordinates {
    signature: Signature,
}

impl LiftOverCoordinates {
    /// The UDF.
    pub fn new() -> Self {
        Self {
            signature: Signature::one_of(
                vec![TypeSignature::Any(4), TypeSignature::Any(5)],
                Volatility::Immutable,
            ),
        }
    }

    fn result_type() -> DataType {
        DataType::Struct(Fields::from(vec![
            Field::new(CONTIG_NAME, DataType::Utf8, true),
            Field::new(START, DataType::Int64, true),
            Field::new(END, DataType::Int64, true),
        ]))
    }
}

impl Default for LiftOverCoordinates {
    fn default() -> Self {
        Self::new()
    }
}

/// Chain files read so far, by path, size and modification time: a query
/// calls the function once per batch, and a genome's chain takes a while
/// to read.
fn chains(path: &Path) -> Result<Arc<ChainIndex>> {
    type Key = (PathBuf, u64, Option<std::time::SystemTime>);
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<ChainIndex>>>> = OnceLock::new();
    let metadata = std::fs::metadata(path)
        .map_err(|e| exec_err(format!("lift_over_coordinates: {}: {e}", path.display())))?;
    let key = (path.to_path_buf(), metadata.len(), metadata.modified().ok());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(found);
    }
    let index = Arc::new(ChainIndex::open(path).map_err(ops_err)?);
    if let Ok(mut cache) = cache.lock() {
        // Keep one chain file: queries lift with one at a time.
        cache.clear();
        cache.insert(key, Arc::clone(&index));
    }
    Ok(index)
}

impl ScalarUDFImpl for LiftOverCoordinates {
    fn name(&self) -> &str {
        "lift_over_coordinates"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        let mut coerced = vec![
            DataType::Utf8,
            DataType::Int64,
            DataType::Int64,
            DataType::Utf8,
        ];
        if types.len() == 5 {
            coerced.push(DataType::Float64);
        }
        Ok(coerced)
    }

    fn return_type(&self, _types: &[DataType]) -> Result<DataType> {
        Ok(Self::result_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let Some(path) = one_path("lift_over_coordinates", &args.args[3])? else {
            return Ok(ColumnarValue::Array(arrow::array::new_null_array(
                &Self::result_type(),
                rows,
            )));
        };
        let min_match = match args.args.get(4) {
            Some(ColumnarValue::Scalar(value)) => match value {
                ScalarValue::Float64(Some(ratio)) => *ratio,
                ScalarValue::Float64(None) => DEFAULT_MIN_MATCH,
                other => {
                    return Err(exec_err(format!(
                        "lift_over_coordinates: minMatchRatio must be a number, not {other}"
                    )));
                }
            },
            Some(ColumnarValue::Array(_)) => {
                return Err(exec_err(
                    "lift_over_coordinates: minMatchRatio must be a constant",
                ));
            }
            None => DEFAULT_MIN_MATCH,
        };
        if !(0.0..=1.0).contains(&min_match) {
            return Err(exec_err(format!(
                "lift_over_coordinates: minMatchRatio must be from 0 to 1, not {min_match}"
            )));
        }
        let chains = chains(Path::new(&path))?;
        let arrays: Vec<ArrayRef> = args.args[..3]
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<_>>()?;
        let lifted = lift_over_coordinates_array(
            &chains,
            arrays[0].as_string::<i32>(),
            arrays[1].as_primitive::<Int64Type>(),
            arrays[2].as_primitive::<Int64Type>(),
            min_match,
        )
        .map_err(ops_err)?;
        Ok(ColumnarValue::Array(Arc::new(lifted)))
    }
}

/// Registers the variant functions.
pub fn register_variants(state: &mut SessionState) -> Result<()> {
    let udfs: Vec<ScalarUDF> = vec![
        ScalarUDF::new_from_impl(NormalizeVariant::new()),
        ScalarUDF::new_from_impl(LiftOverCoordinates::new()),
    ];
    for udf in udfs {
        state.register_udf(Arc::new(udf))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_must_be_one_per_query() {
        let paths: ArrayRef = Arc::new(arrow::array::StringArray::from(vec![
            Some("a.fa"),
            None,
            Some("b.fa"),
        ]));
        let error = one_path("f", &ColumnarValue::Array(paths)).unwrap_err();
        assert!(error.to_string().contains("'a.fa' and 'b.fa'"), "{error}");
        let same: ArrayRef = Arc::new(arrow::array::StringArray::from(vec!["a.fa", "a.fa"]));
        assert_eq!(
            one_path("f", &ColumnarValue::Array(same))
                .unwrap()
                .as_deref(),
            Some("a.fa")
        );
    }
}
