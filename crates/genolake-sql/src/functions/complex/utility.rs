//! Glow's remaining helpers: `array_quantile`, `assert_true_or_error` and
//! `comb`.

use std::cmp::Ordering;
use std::sync::Arc;

use arrow::array::{Array, AsArray, Float64Array, Int64Array, NullArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};

use super::vectors::flat_numbers;
use super::{exec_err, is_number_list, literal_str, plan_err};

/// `array_quantile(array, quantile[, isSorted])`: the quantile of the
/// array's values by linear interpolation between order statistics (R's
/// type 7, numpy's default). Nulls sort last and NaN above every number, as
/// Spark's `array_sort` puts them; an empty array gives null.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ArrayQuantile {
    signature: Signature,
}

impl ArrayQuantile {
    /// The UDF.
    pub fn new() -> Self {
        Self {
            signature: Signature::one_of(
                vec![TypeSignature::Any(2), TypeSignature::Any(3)],
                Volatility::Immutable,
            ),
        }
    }
}

impl Default for ArrayQuantile {
    fn default() -> Self {
        Self::new()
    }
}

/// Spark's ascending order: numbers, then NaN, then null.
fn spark_order(a: &Option<f64>, b: &Option<f64>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        },
    }
}

/// Glow's `array_quantile` of sorted values: with `h = p (n − 1) + 1`
/// truncated to `r`, `(h − r) · x[r] + (1 − h + r) · x[r − 1]` (0-based),
/// null where an index falls outside the array or on a null. A term with
/// weight 0 is left out, so an infinite neighbour does not turn an exact
/// order statistic into NaN (0 · ∞).
fn quantile(sorted: &[Option<f64>], p: f64) -> Option<f64> {
    let n = sorted.len() as i64;
    if n == 0 {
        return None;
    }
    let h = p * (n - 1) as f64 + 1.0;
    let r = h as i64;
    let get = |i: i64| -> Option<f64> {
        if (0..n).contains(&i) {
            sorted[i as usize]
        } else {
            None
        }
    };
    let below = get((r - 1).max(0))?;
    let above = get((n - 1).min(r))?;
    let fraction = h - r as f64;
    if fraction == 0.0 {
        Some(below)
    } else {
        Some(fraction * above + (1.0 - fraction) * below)
    }
}

impl ScalarUDFImpl for ArrayQuantile {
    fn name(&self) -> &str {
        "array_quantile"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        if !is_number_list(&types[0])
            || !(types[1].is_numeric() || types[1] == DataType::Null)
            || types
                .get(2)
                .is_some_and(|t| !matches!(t, DataType::Boolean | DataType::Null))
        {
            return Err(plan_err(format!(
                "array_quantile takes an array of numbers, the quantile (a number) and \
                 optionally whether the array is sorted (a boolean); got {types:?}"
            )));
        }
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let numbers = flat_numbers(&arrays[0])?;
        let p = cast(&arrays[1], &DataType::Float64)?;
        let p = p.as_primitive::<Float64Type>();
        let sorted = match arrays.get(2) {
            Some(s) => Some(cast(s, &DataType::Boolean)?.as_boolean().clone()),
            None => None,
        };
        let mut run: Vec<Option<f64>> = Vec::new();
        let out: Float64Array = (0..arrays[0].len())
            .map(|row| {
                if numbers.nulls.as_ref().is_some_and(|n| n.is_null(row)) || p.is_null(row) {
                    return None;
                }
                run.clear();
                run.extend(
                    (numbers.offsets[row]..numbers.offsets[row + 1])
                        .map(|i| numbers.values.is_valid(i).then(|| numbers.values.value(i))),
                );
                let is_sorted = sorted
                    .as_ref()
                    .is_some_and(|s| s.is_valid(row) && s.value(row));
                if !is_sorted {
                    run.sort_by(spark_order);
                }
                quantile(&run, p.value(row))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// `assert_true_or_error(condition, errMsg)`: null when the condition
/// holds, else the query fails with `errMsg` (a null condition fails too).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct AssertTrueOrError {
    signature: Signature,
}

impl AssertTrueOrError {
    /// The UDF.
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::Any(2), Volatility::Immutable),
        }
    }
}

impl Default for AssertTrueOrError {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for AssertTrueOrError {
    fn name(&self) -> &str {
        "assert_true_or_error"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Null)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        if !matches!(
            args.arg_fields[0].data_type(),
            DataType::Boolean | DataType::Null
        ) || literal_str(args.scalar_arguments[1]).is_none()
        {
            return Err(plan_err(format!(
                "assert_true_or_error takes a condition (a boolean) and an error message (a \
                 constant string); got {} and {}",
                args.arg_fields[0].data_type(),
                args.arg_fields[1].data_type()
            )));
        }
        Ok(Arc::new(Field::new(self.name(), DataType::Null, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let condition = cast(&arrays[0], &DataType::Boolean)?;
        let condition = condition.as_boolean();
        let holds = (0..condition.len()).all(|i| condition.is_valid(i) && condition.value(i));
        if !holds {
            let message = cast(&arrays[1], &DataType::Utf8)?;
            let message = message.as_string::<i32>();
            let text = if message.is_empty() || message.is_null(0) {
                "assertion failed"
            } else {
                message.value(0)
            };
            return Err(exec_err(text));
        }
        Ok(ColumnarValue::Array(Arc::new(NullArray::new(
            args.number_rows,
        ))))
    }
}

/// `comb(n, k)`: the binomial coefficient, 0 when `k < 0` or `k > n`. Exact;
/// Glow's is exact up to n = 47 and an approximation (Stirling's formula
/// for log n!) beyond. A result beyond Int64 is an error.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Comb {
    signature: Signature,
}

impl Comb {
    /// The UDF.
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::Any(2), Volatility::Immutable),
        }
    }
}

impl Default for Comb {
    fn default() -> Self {
        Self::new()
    }
}

/// `n` choose `k` exactly, `None` beyond `i64`.
fn binomial(n: i64, k: i64) -> Option<i64> {
    if n < 0 || k < 0 || k > n {
        return Some(0);
    }
    let k = k.min(n - k) as u128;
    let n = n as u128;
    let mut result: u128 = 1;
    for i in 1..=k {
        // result · (n − k + i) / i stays an integer: it is C(n − k + i, i).
        result = result.checked_mul(n - k + i)? / i;
        if result > i64::MAX as u128 {
            return None;
        }
    }
    i64::try_from(result).ok()
}

impl ScalarUDFImpl for Comb {
    fn name(&self) -> &str {
        "comb"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        if !types.iter().all(|t| t.is_integer() || t == &DataType::Null) {
            return Err(plan_err(format!(
                "comb takes two integers n and k; got {types:?}"
            )));
        }
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let n = cast(&arrays[0], &DataType::Int64)?;
        let n = n.as_primitive::<Int64Type>();
        let k = cast(&arrays[1], &DataType::Int64)?;
        let k = k.as_primitive::<Int64Type>();
        let out = (0..n.len())
            .map(|i| {
                if n.is_null(i) || k.is_null(i) {
                    return Ok(None);
                }
                binomial(n.value(i), k.value(i)).map(Some).ok_or_else(|| {
                    exec_err(format!(
                        "comb({}, {}) is larger than a 64-bit integer holds",
                        n.value(i),
                        k.value(i)
                    ))
                })
            })
            .collect::<Result<Int64Array>>()?;
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_glows_examples() {
        let values: Vec<Option<f64>> = [1.0, 2.0, 3.0, 4.0, 5.0].map(Some).to_vec();
        // Glow's documented example: array_quantile([1, 2, 3, 4, 5], 0.7) = 3.8.
        assert!((quantile(&values, 0.7).unwrap() - 3.8).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[Some(5.0)], 0.001), Some(5.0));
    }

    #[test]
    fn binomials_are_exact() {
        assert_eq!(binomial(5, 2), Some(10));
        assert_eq!(binomial(47, 23), Some(16_123_801_841_550));
        assert_eq!(binomial(60, 30), Some(118_264_581_564_861_424));
        assert_eq!(binomial(3, 4), Some(0));
        assert_eq!(binomial(3, -1), Some(0));
        assert_eq!(binomial(200, 100), None);
    }
}
