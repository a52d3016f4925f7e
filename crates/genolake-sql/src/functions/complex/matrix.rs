//! Spark ML matrices as Arrow structs and `explode_matrix`.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, ListArray, StructArray};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field, Fields, Int8Type, Int32Type};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use super::vectors::{DENSE, FlatNumbers, SPARSE, field_as, flat_numbers, list_of};
use super::{exec_err, plan_err};

/// The Arrow type of a Spark ML matrix: the struct of Spark's `MatrixUDT`.
/// Dense (`type` 1): `values` in column-major order, row-major when
/// `isTransposed`. Sparse (`type` 0): compressed sparse columns
/// (`colPtrs`, `rowIndices`, `values`), compressed sparse rows when
/// `isTransposed` (`colPtrs` then point into rows and `rowIndices` hold
/// column indices).
pub fn matrix_type() -> DataType {
    DataType::Struct(Fields::from(vec![
        Field::new("type", DataType::Int8, false),
        Field::new("numRows", DataType::Int32, false),
        Field::new("numCols", DataType::Int32, false),
        Field::new("colPtrs", list_of(DataType::Int32), true),
        Field::new("rowIndices", list_of(DataType::Int32), true),
        Field::new("values", list_of(DataType::Float64), true),
        Field::new("isTransposed", DataType::Boolean, false),
    ]))
}

/// One row of an exploded matrix.
pub(super) fn row_type() -> DataType {
    list_of(DataType::Float64)
}

pub(crate) fn check_matrix_type(function: &str, data_type: &DataType) -> Result<()> {
    let ok = match data_type {
        DataType::Struct(fields) => [
            "type",
            "numRows",
            "numCols",
            "colPtrs",
            "rowIndices",
            "values",
            "isTransposed",
        ]
        .iter()
        .all(|name| fields.find(name).is_some()),
        DataType::Null => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(plan_err(format!(
            "{function} takes a Spark ML matrix: a struct of type (0 sparse, 1 dense), numRows, \
             numCols, colPtrs, rowIndices, values and isTransposed; got {data_type}"
        )))
    }
}

/// `explode_matrix(matrix)`: one row per matrix row, an array of doubles.
/// Glow's is a generator; [`super::GeneratorRewrite`] turns it into an
/// unnest of [`MatrixRows`] in a SELECT list, and anywhere else it is an
/// error.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ExplodeMatrix {
    signature: Signature,
}

impl ExplodeMatrix {
    /// The UDF.
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
        }
    }
}

impl Default for ExplodeMatrix {
    fn default() -> Self {
        Self::new()
    }
}

/// Why `explode_matrix` ran instead of being rewritten.
pub(super) const EXPLODE_MATRIX_PLACE: &str = "explode_matrix makes one row per matrix row and \
     can only be an item of a SELECT list, once per SELECT (SELECT explode_matrix(m) AS row \
     FROM t)";

impl ScalarUDFImpl for ExplodeMatrix {
    fn name(&self) -> &str {
        "explode_matrix"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        check_matrix_type(self.name(), &types[0])?;
        Ok(row_type())
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Err(exec_err(EXPLODE_MATRIX_PLACE))
    }
}

/// The rows of each matrix as a list of arrays (null for a null matrix):
/// what `explode_matrix` unnests. Not registered; the rewrite calls it.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) struct MatrixRows {
    signature: Signature,
}

impl MatrixRows {
    pub(super) fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for MatrixRows {
    fn name(&self) -> &str {
        "explode_matrix_rows"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        check_matrix_type("explode_matrix", &types[0])?;
        Ok(DataType::List(Arc::new(Field::new(
            "element",
            row_type(),
            false,
        ))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let array = ColumnarValue::values_to_arrays(&args.args)?.remove(0);
        Ok(ColumnarValue::Array(matrix_rows(&array)?))
    }
}

const NAME: &str = "explode_matrix";

/// Largest matrix, in rows and in cells, that is decoded into dense
/// values: a damaged `numRows` or `numCols` must not allocate without
/// bound.
const MAX_CELLS: usize = 1 << 28;

/// A column of Spark ML matrices, decoded one at a time into dense
/// row-major values. Every function that takes a matrix reads it here, so
/// they accept the same encodings and report the same errors (prefixed
/// with the function's name).
pub(crate) struct Matrices {
    function: &'static str,
    nulls: Option<NullBuffer>,
    kinds: arrow::array::Int8Array,
    num_rows: arrow::array::Int32Array,
    num_cols: arrow::array::Int32Array,
    col_ptrs: ListArray,
    row_indices: ListArray,
    transposed: BooleanArray,
    values: FlatNumbers,
}

/// One matrix as dense values, row by row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DenseMatrix {
    pub rows: usize,
    pub cols: usize,
    /// `rows × cols` values, row-major.
    pub values: Vec<f64>,
}

fn int_list(function: &str, array: &StructArray, name: &str) -> Result<ListArray> {
    let list = field_as(
        function,
        array,
        name,
        &DataType::List(Arc::new(Field::new("element", DataType::Int32, true))),
    )?;
    Ok(list.as_list::<i32>().clone())
}

impl Matrices {
    /// Reads the fields of a matrix column (a struct array; see
    /// [`matrix_type`]) for `function`.
    pub(crate) fn new(function: &'static str, array: &ArrayRef) -> Result<Self> {
        let matrices = array.as_struct_opt().ok_or_else(|| {
            exec_err(format!(
                "{function}: a Spark ML matrix is a struct, not {}",
                array.data_type()
            ))
        })?;
        let kinds = field_as(function, matrices, "type", &DataType::Int8)?;
        let num_rows = field_as(function, matrices, "numRows", &DataType::Int32)?;
        let num_cols = field_as(function, matrices, "numCols", &DataType::Int32)?;
        let transposed = field_as(function, matrices, "isTransposed", &DataType::Boolean)?;
        let values =
            flat_numbers(matrices.column_by_name("values").ok_or_else(|| {
                exec_err(format!("{function}: the struct has no field 'values'"))
            })?)?;
        Ok(Self {
            function,
            nulls: matrices.logical_nulls(),
            kinds: kinds.as_primitive::<Int8Type>().clone(),
            num_rows: num_rows.as_primitive::<Int32Type>().clone(),
            num_cols: num_cols.as_primitive::<Int32Type>().clone(),
            col_ptrs: int_list(function, matrices, "colPtrs")?,
            row_indices: int_list(function, matrices, "rowIndices")?,
            transposed: transposed.as_boolean().clone(),
            values,
        })
    }

    /// Whether matrix `m` is null.
    pub(crate) fn is_null(&self, m: usize) -> bool {
        self.nulls.as_ref().is_some_and(|n| n.is_null(m))
    }

    /// The stored values of matrix `m` (checked present).
    fn stored(&self, m: usize) -> &[f64] {
        &self.values.values.values()[self.values.offsets[m]..self.values.offsets[m + 1]]
    }

    /// Whether matrices `a` and `b` are stored identically (same type,
    /// shape, layout and bits): then they decode to the same values, and a
    /// caller that decoded `a` need not decode `b`.
    pub(crate) fn same_stored(&self, a: usize, b: usize) -> bool {
        if a == b {
            return true;
        }
        if self.is_null(a) || self.is_null(b) {
            return self.is_null(a) && self.is_null(b);
        }
        let scalars_equal = self.kinds.is_valid(a)
            && self.kinds.is_valid(b)
            && self.kinds.value(a) == self.kinds.value(b)
            && self.num_rows.value(a) == self.num_rows.value(b)
            && self.num_cols.value(a) == self.num_cols.value(b)
            && self.transposed.value(a) == self.transposed.value(b);
        let lists_equal = |list: &ListArray| {
            list.is_null(a) == list.is_null(b)
                && (list.is_null(a) || list.value(a) == list.value(b))
        };
        let values_present = |m: usize| {
            self.values.nulls.as_ref().is_none_or(|n| n.is_valid(m))
                && (self.values.offsets[m]..self.values.offsets[m + 1])
                    .all(|i| self.values.values.is_valid(i))
        };
        scalars_equal
            && values_present(a)
            && values_present(b)
            && bits_equal(self.stored(a), self.stored(b))
            && lists_equal(&self.col_ptrs)
            && lists_equal(&self.row_indices)
    }

    /// Matrix `m` as dense row-major values, `None` when it is null.
    pub(crate) fn dense(&self, m: usize) -> Result<Option<DenseMatrix>> {
        let function = self.function;
        if self.is_null(m) {
            return Ok(None);
        }
        if self.kinds.is_null(m)
            || self.num_rows.is_null(m)
            || self.num_cols.is_null(m)
            || self.transposed.is_null(m)
            || self.values.nulls.as_ref().is_some_and(|n| n.is_null(m))
        {
            return Err(exec_err(format!(
                "{function}: matrix {m} lacks its type, shape, isTransposed or values"
            )));
        }
        let (n_rows, n_cols) = (self.num_rows.value(m), self.num_cols.value(m));
        if n_rows < 0 || n_cols < 0 {
            return Err(exec_err(format!(
                "{function}: matrix {m} has shape {n_rows} × {n_cols}"
            )));
        }
        let (n_rows, n_cols) = (n_rows as usize, n_cols as usize);
        let (first, last) = (self.values.offsets[m], self.values.offsets[m + 1]);
        if (first..last).any(|i| self.values.values.is_null(i)) {
            return Err(exec_err(format!(
                "{function}: matrix {m} holds a null value; Spark ML matrices hold none"
            )));
        }
        let stored = self.stored(m);
        let cells = n_rows
            .checked_mul(n_cols)
            .filter(|&c| c <= MAX_CELLS && n_rows <= MAX_CELLS)
            .ok_or_else(|| {
                exec_err(format!(
                    "{function}: matrix {m} of {n_rows} × {n_cols} is too large to decode"
                ))
            })?;
        let is_transposed = self.transposed.value(m);
        let mut dense = vec![0.0; cells];
        match self.kinds.value(m) {
            DENSE => {
                if stored.len() != cells {
                    return Err(exec_err(format!(
                        "{function}: dense matrix {m} of {n_rows} × {n_cols} has {} values",
                        stored.len()
                    )));
                }
                if is_transposed {
                    dense.copy_from_slice(stored);
                } else {
                    for j in 0..n_cols {
                        for i in 0..n_rows {
                            dense[i * n_cols + j] = stored[j * n_rows + i];
                        }
                    }
                }
            }
            SPARSE => {
                // Compressed columns, or compressed rows when transposed.
                let (major, minor) = if is_transposed {
                    (n_rows, n_cols)
                } else {
                    (n_cols, n_rows)
                };
                let pointers = indices(function, &self.col_ptrs, m, "colPtrs")?;
                let minors = indices(function, &self.row_indices, m, "rowIndices")?;
                let well_formed = pointers.len() == major + 1
                    && pointers.first() == Some(&0)
                    && pointers.windows(2).all(|w| w[0] <= w[1])
                    && pointers.last() == Some(&stored.len())
                    && minors.len() == stored.len()
                    && minors.iter().all(|&i| i < minor);
                if !well_formed {
                    return Err(exec_err(format!(
                        "{function}: sparse matrix {m} of {n_rows} × {n_cols} has {} colPtrs, {} \
                         rowIndices and {} values that do not describe it",
                        pointers.len(),
                        minors.len(),
                        stored.len()
                    )));
                }
                for outer in 0..major {
                    for k in pointers[outer]..pointers[outer + 1] {
                        let (i, j) = if is_transposed {
                            (outer, minors[k])
                        } else {
                            (minors[k], outer)
                        };
                        dense[i * n_cols + j] = stored[k];
                    }
                }
            }
            other => {
                return Err(exec_err(format!(
                    "{function}: matrix {m} has type {other}; Spark ML knows 0 (sparse) and 1 (dense)"
                )));
            }
        }
        Ok(Some(DenseMatrix {
            rows: n_rows,
            cols: n_cols,
            values: dense,
        }))
    }
}

/// Equality of the bit patterns: NaN equals NaN, 0.0 differs from -0.0.
fn bits_equal(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// The entries of one list row as `usize`s, checked non-null and
/// non-negative.
fn indices(function: &str, list: &ListArray, row: usize, what: &str) -> Result<Vec<usize>> {
    if list.is_null(row) {
        return Err(exec_err(format!(
            "{function}: sparse matrix {row} has no {what}"
        )));
    }
    let values = list.value(row);
    let values = values.as_primitive::<Int32Type>();
    (0..values.len())
        .map(|i| {
            if values.is_null(i) || values.value(i) < 0 {
                Err(exec_err(format!(
                    "{function}: matrix {row}: {what} holds a null or negative entry at position {i}"
                )))
            } else {
                Ok(values.value(i) as usize)
            }
        })
        .collect()
}

fn matrix_rows(array: &ArrayRef) -> Result<ArrayRef> {
    let rows = array.len();
    let out_field = Arc::new(Field::new("element", row_type(), false));
    if array.data_type() == &DataType::Null {
        return Ok(arrow::array::new_null_array(
            &DataType::List(out_field),
            rows,
        ));
    }
    let matrices = Matrices::new(NAME, array)?;
    let mut data: Vec<f64> = Vec::new();
    let mut matrix_offsets = vec![0i32];
    // Per matrix: its number of columns, or None when it is null.
    let mut widths: Vec<Option<usize>> = Vec::with_capacity(rows);
    for m in 0..rows {
        let Some(dense) = matrices.dense(m)? else {
            widths.push(None);
            matrix_offsets.push(*matrix_offsets.last().unwrap_or(&0));
            continue;
        };
        data.extend_from_slice(&dense.values);
        widths.push(Some(dense.cols));
        let previous = *matrix_offsets.last().unwrap_or(&0);
        let next = i32::try_from(dense.rows)
            .ok()
            .and_then(|n| previous.checked_add(n));
        matrix_offsets.push(next.unwrap_or(i32::MAX));
        if next.is_none() || data.len() > i32::MAX as usize {
            return Err(exec_err(format!(
                "{NAME}: a batch of matrices holds more than 2^31 rows or values"
            )));
        }
    }
    let total_rows = *matrix_offsets.last().unwrap_or(&0) as usize;
    // Every row of one matrix has that matrix's numCols values.
    let mut row_offsets = Vec::with_capacity(total_rows + 1);
    row_offsets.push(0i32);
    for m in 0..rows {
        let Some(width) = widths[m] else {
            continue;
        };
        let n_rows = (matrix_offsets[m + 1] - matrix_offsets[m]) as usize;
        for _ in 0..n_rows {
            let previous = *row_offsets.last().unwrap_or(&0);
            row_offsets.push(previous + width as i32);
        }
    }
    let row_lists = ListArray::try_new(
        Arc::new(Field::new("element", DataType::Float64, false)),
        OffsetBuffer::new(row_offsets.into()),
        Arc::new(Float64Array::from(data)),
        None,
    )?;
    let nulls = NullBuffer::from(widths.iter().map(Option::is_some).collect::<Vec<_>>());
    Ok(Arc::new(ListArray::try_new(
        out_field,
        OffsetBuffer::new(matrix_offsets.into()),
        Arc::new(row_lists),
        (nulls.null_count() > 0).then_some(nulls),
    )?))
}
