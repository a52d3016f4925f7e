//! Array indexing without Spark's silent trap.
//!
//! DataFusion counts array elements from 1 and answers NULL for index 0, so
//! a Spark habit (`genotypes[0]` for the first sample) would give NULLs that
//! look like missing data. Here index 0 on an array is an error that says
//! how to index instead:
//! - `x[0]` with a constant index fails when the query is planned
//!   ([`IndexPlanner`]);
//! - `x[i]`, `array_element(x, i)` (and its aliases) and `element_at(x, i)`
//!   fail at run time in the first row whose `i` is 0.
//!
//! Every other index behaves as in DataFusion: `x[1]` is the first element,
//! `x[-1]` the last, an index past either end gives NULL.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, FieldRef, Int64Type};
use datafusion::common::{DFSchema, Result, ScalarValue, exec_err, plan_err};
use datafusion::functions_nested::extract::array_element_udf;
use datafusion::functions_nested::map_extract::map_extract_udf;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawFieldAccessExpr};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, Expr, ExprSchemable, GetFieldAccess, ReturnFieldArgs,
    ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// What every index-0 error says after naming where it happened.
const ONE_BASED: &str = "SQL arrays in genolake (DataFusion) are indexed from 1, not from 0 as in \
     Spark's `x[0]`: the first element is x[1] (or element_at(x, 1)), the last x[-1]";

/// DataFusion's `array_element` (and `array_extract`, `list_element`,
/// `list_extract`, and `x[i]`), refusing index 0.
pub(crate) fn checked_array_element() -> ScalarUDF {
    ScalarUDF::new_from_impl(CheckedArrayElement::new())
}

static CHECKED_ARRAY_ELEMENT: LazyLock<Arc<ScalarUDF>> =
    LazyLock::new(|| Arc::new(checked_array_element()));

/// Spark's `element_at`: a 1-based index into an array (negative from the
/// end), or a key into a map.
pub(crate) fn element_at() -> ScalarUDF {
    ScalarUDF::new_from_impl(ElementAt::new())
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CheckedArrayElement {
    signature: Signature,
    aliases: Vec<String>,
}

impl CheckedArrayElement {
    fn new() -> Self {
        let inner = array_element_udf();
        Self {
            signature: inner.signature().clone(),
            aliases: inner.aliases().to_vec(),
        }
    }
}

impl ScalarUDFImpl for CheckedArrayElement {
    fn name(&self) -> &str {
        "array_element"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    // The same column names as DataFusion's (`genotypes[Int64(1)]`), so that
    // replacing it changes no result's schema.
    fn schema_name(&self, args: &[Expr]) -> Result<String> {
        array_element_udf().schema_name(args)
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        array_element_udf().return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        array_element_udf().return_field_from_args(args)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        refuse_index_zero("array_element", &args.args[1])?;
        array_element_udf().invoke_with_args(args)
    }

    fn documentation(&self) -> Option<&Documentation> {
        None
    }
}

/// Fails naming the first row whose index is 0.
fn refuse_index_zero(function: &str, index: &ColumnarValue) -> Result<()> {
    match index {
        ColumnarValue::Scalar(value) => {
            if is_integer_zero(value) {
                return exec_err!("{function}: index 0: {ONE_BASED}");
            }
        }
        ColumnarValue::Array(values) => {
            if !values.data_type().is_integer() {
                return Ok(());
            }
            let values = cast(values, &DataType::Int64)?;
            let values = values.as_primitive::<Int64Type>();
            if let Some(row) = values.iter().position(|v| v == Some(0)) {
                return exec_err!("{function}: index 0 in row {}: {ONE_BASED}", row + 1);
            }
        }
    }
    Ok(())
}

fn is_integer_zero(value: &ScalarValue) -> bool {
    value.data_type().is_integer()
        && matches!(
            value.cast_to(&DataType::Int64),
            Ok(ScalarValue::Int64(Some(0)))
        )
}

/// Sends `x[i]` on arrays to [`checked_array_element`] and refuses a
/// constant `x[0]` while planning. Maps (`attributes['AC']`) and structs
/// are left to DataFusion's planner.
#[derive(Debug)]
pub(crate) struct IndexPlanner;

impl ExprPlanner for IndexPlanner {
    fn plan_field_access(
        &self,
        raw: RawFieldAccessExpr,
        schema: &DFSchema,
    ) -> Result<PlannerResult<RawFieldAccessExpr>> {
        let RawFieldAccessExpr { expr, field_access } = raw;
        let GetFieldAccess::ListIndex { key } = field_access else {
            return Ok(PlannerResult::Original(RawFieldAccessExpr {
                expr,
                field_access,
            }));
        };
        // array_agg(x)[i] is DataFusion's nth_value special case.
        let is_array = !matches!(expr, Expr::AggregateFunction(_))
            && matches!(
                expr.get_type(schema)?,
                DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _)
            );
        if !is_array {
            let field_access = GetFieldAccess::ListIndex { key };
            return Ok(PlannerResult::Original(RawFieldAccessExpr {
                expr,
                field_access,
            }));
        }
        if let Expr::Literal(value, _) = key.as_ref()
            && is_integer_zero(value)
        {
            return plan_err!("{expr}[0]: {ONE_BASED}");
        }
        Ok(PlannerResult::Planned(Expr::ScalarFunction(
            ScalarFunction::new_udf(Arc::clone(&CHECKED_ARRAY_ELEMENT), vec![expr, *key]),
        )))
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ElementAt {
    signature: Signature,
}

impl ElementAt {
    fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for ElementAt {
    fn name(&self) -> &str {
        "element_at"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::List(f) | DataType::FixedSizeList(f, _), index] if index_type(index) => {
                Ok(vec![DataType::List(Arc::clone(f)), DataType::Int64])
            }
            [list @ DataType::LargeList(_), index] if index_type(index) => {
                Ok(vec![list.clone(), DataType::Int64])
            }
            [map @ DataType::Map(entries, _), _] => match entries.data_type() {
                DataType::Struct(fields) if fields.len() == 2 => {
                    Ok(vec![map.clone(), fields[0].data_type().clone()])
                }
                other => {
                    plan_err!("element_at: a map's entries must be key-value pairs, not {other}")
                }
            },
            _ => plan_err!(
                "element_at takes an array and an integer index counted from 1 (negative from \
                 the end), or a map and a key; got {arg_types:?}"
            ),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types.first() {
            Some(DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _)) => {
                Ok(f.data_type().clone())
            }
            Some(DataType::Map(entries, _)) => match entries.data_type() {
                DataType::Struct(fields) if fields.len() == 2 => Ok(fields[1].data_type().clone()),
                other => {
                    plan_err!("element_at: a map's entries must be key-value pairs, not {other}")
                }
            },
            _ => plan_err!("element_at takes an array or a map, got {arg_types:?}"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if matches!(args.arg_fields[0].data_type(), DataType::Map(_, _)) {
            // Spark gives the value; DataFusion's map_extract a list of it.
            let values = invoke(
                &map_extract_udf(),
                args.args,
                args.arg_fields,
                args.number_rows,
                &args.config_options,
            )?;
            let (values, field) = values;
            let one = ColumnarValue::Scalar(ScalarValue::Int64(Some(1)));
            let one_field = Arc::new(arrow::datatypes::Field::new("n", DataType::Int64, false));
            return invoke(
                &array_element_udf(),
                vec![values, one],
                vec![field, one_field],
                args.number_rows,
                &args.config_options,
            )
            .map(|(value, _)| value);
        }
        refuse_index_zero("element_at", &args.args[1])?;
        array_element_udf().invoke_with_args(args)
    }
}

/// Runs `udf` on `args`, returning its result and result field.
fn invoke(
    udf: &ScalarUDF,
    args: Vec<ColumnarValue>,
    arg_fields: Vec<FieldRef>,
    number_rows: usize,
    config_options: &Arc<datafusion::config::ConfigOptions>,
) -> Result<(ColumnarValue, FieldRef)> {
    let scalars: Vec<Option<&ScalarValue>> = vec![None; args.len()];
    let return_field = udf.return_field_from_args(ReturnFieldArgs {
        arg_fields: &arg_fields,
        scalar_arguments: &scalars,
    })?;
    let value = udf.invoke_with_args(ScalarFunctionArgs {
        args,
        arg_fields,
        number_rows,
        return_field: Arc::clone(&return_field),
        config_options: Arc::clone(config_options),
    })?;
    Ok((value, return_field))
}

fn index_type(t: &DataType) -> bool {
    t.is_integer() || t == &DataType::Null
}
