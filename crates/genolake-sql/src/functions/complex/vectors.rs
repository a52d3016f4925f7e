//! Spark ML vectors as Arrow structs: `array_to_dense_vector`,
//! `array_to_sparse_vector` and `vector_to_array`.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayBuilder, ArrayRef, AsArray, Float64Builder, Int8Array, Int32Array, ListArray,
    StructArray,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Fields, Float64Type, Int8Type, Int32Type};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use super::{exec_err, is_number_list, plan_err};

/// Spark ML's code for a sparse vector or matrix in its `type` field.
pub(super) const SPARSE: i8 = 0;
/// Spark ML's code for a dense vector or matrix.
pub(super) const DENSE: i8 = 1;

/// A list of non-null values, as Spark ML's `ArrayType(_, containsNull =
/// false)`.
pub(super) fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("element", item, false)))
}

fn vector_fields() -> Fields {
    Fields::from(vec![
        Field::new("type", DataType::Int8, false),
        Field::new("size", DataType::Int32, true),
        Field::new("indices", list_of(DataType::Int32), true),
        Field::new("values", list_of(DataType::Float64), true),
    ])
}

/// The Arrow type of a Spark ML vector: the struct of Spark's `VectorUDT`
/// (`type` 0 sparse with `size`, `indices`, `values`; 1 dense with
/// `values` only).
pub fn vector_type() -> DataType {
    DataType::Struct(vector_fields())
}

/// Which conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Conversion {
    Dense,
    Sparse,
    ToArray,
}

/// `array_to_dense_vector(array)`, `array_to_sparse_vector(array)` and
/// `vector_to_array(vector)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct VectorFunction {
    conversion: Conversion,
    signature: Signature,
}

impl VectorFunction {
    fn new(conversion: Conversion) -> Self {
        Self {
            conversion,
            signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
        }
    }

    /// `array_to_dense_vector`.
    pub fn dense() -> Self {
        Self::new(Conversion::Dense)
    }

    /// `array_to_sparse_vector`: the array's non-zero values (NaN is not
    /// zero) with their 0-based positions.
    pub fn sparse() -> Self {
        Self::new(Conversion::Sparse)
    }

    /// `vector_to_array`.
    pub fn to_array() -> Self {
        Self::new(Conversion::ToArray)
    }
}

impl ScalarUDFImpl for VectorFunction {
    fn name(&self) -> &str {
        match self.conversion {
            Conversion::Dense => "array_to_dense_vector",
            Conversion::Sparse => "array_to_sparse_vector",
            Conversion::ToArray => "vector_to_array",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        match self.conversion {
            Conversion::Dense | Conversion::Sparse => {
                if !is_number_list(&types[0]) {
                    return Err(plan_err(format!(
                        "{} takes an array of numbers; got {}",
                        self.name(),
                        types[0]
                    )));
                }
                Ok(vector_type())
            }
            Conversion::ToArray => {
                check_vector_type(&types[0])?;
                Ok(DataType::List(Arc::new(Field::new(
                    "element",
                    DataType::Float64,
                    true,
                ))))
            }
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let array = ColumnarValue::values_to_arrays(&args.args)?.remove(0);
        let out = match self.conversion {
            Conversion::Dense | Conversion::Sparse => {
                to_vectors(self.name(), &array, self.conversion == Conversion::Sparse)?
            }
            Conversion::ToArray => to_arrays(&array)?,
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// The numbers of a list column as one flat Float64 column with offsets.
pub(crate) struct FlatNumbers {
    pub offsets: Vec<usize>,
    pub values: arrow::array::Float64Array,
    pub nulls: Option<NullBuffer>,
}

pub(crate) fn flat_numbers(array: &ArrayRef) -> Result<FlatNumbers> {
    let target = DataType::List(Arc::new(Field::new("element", DataType::Float64, true)));
    let list = cast(array, &target)?;
    let list = list.as_list::<i32>();
    let offsets = list.value_offsets().iter().map(|&o| o as usize).collect();
    Ok(FlatNumbers {
        offsets,
        values: list.values().as_primitive::<Float64Type>().clone(),
        nulls: list.nulls().cloned(),
    })
}

fn to_vectors(name: &str, array: &ArrayRef, sparse: bool) -> Result<ArrayRef> {
    let numbers = flat_numbers(array)?;
    let rows = array.len();
    let mut sizes = Vec::with_capacity(rows);
    let mut index_offsets = vec![0i32];
    let mut indices = Vec::new();
    let mut value_offsets = vec![0i32];
    let mut values = Float64Builder::new();
    for row in 0..rows {
        let (start, end) = (numbers.offsets[row], numbers.offsets[row + 1]);
        let valid = numbers.nulls.as_ref().is_none_or(|n| n.is_valid(row));
        if valid {
            let size = i32::try_from(end - start).map_err(|_| {
                exec_err(format!(
                    "{name}: row {row} has {} values, more than a vector holds",
                    end - start
                ))
            })?;
            for (position, i) in (start..end).enumerate() {
                if numbers.values.is_null(i) {
                    return Err(exec_err(format!(
                        "{name}: element {} of row {row} is null, and vectors hold no nulls \
                         (replace them first, with mean_substitute or coalesce)",
                        position + 1
                    )));
                }
                let v = numbers.values.value(i);
                if !sparse {
                    values.append_value(v);
                } else if v != 0.0 {
                    indices.push(position as i32);
                    values.append_value(v);
                }
            }
            sizes.push(sparse.then_some(size));
        } else {
            sizes.push(None);
        }
        index_offsets.push(indices.len() as i32);
        value_offsets.push(values.len() as i32);
    }
    let kind = if sparse { SPARSE } else { DENSE };
    let nulls = numbers.nulls.clone();
    let values_list = ListArray::try_new(
        Arc::new(Field::new("element", DataType::Float64, false)),
        OffsetBuffer::new(value_offsets.into()),
        Arc::new(values.finish()),
        nulls.clone(),
    )?;
    let (size, indices): (ArrayRef, ArrayRef) = if sparse {
        (
            Arc::new(Int32Array::from(sizes)),
            Arc::new(ListArray::try_new(
                Arc::new(Field::new("element", DataType::Int32, false)),
                OffsetBuffer::new(index_offsets.into()),
                Arc::new(Int32Array::from(indices)),
                nulls.clone(),
            )?),
        )
    } else {
        (
            Arc::new(Int32Array::new_null(rows)),
            arrow::array::new_null_array(&list_of(DataType::Int32), rows),
        )
    };
    Ok(Arc::new(StructArray::try_new(
        vector_fields(),
        vec![
            Arc::new(Int8Array::from(vec![kind; rows])),
            size,
            indices,
            Arc::new(values_list),
        ],
        nulls,
    )?))
}

fn check_vector_type(data_type: &DataType) -> Result<()> {
    let usage = || {
        plan_err(format!(
            "vector_to_array takes a Spark ML vector: a struct of type (0 sparse, 1 dense), \
             size, indices and values, as array_to_dense_vector and array_to_sparse_vector \
             make; got {data_type}"
        ))
    };
    let DataType::Struct(fields) = data_type else {
        return Err(usage());
    };
    for name in ["type", "size", "indices", "values"] {
        if fields.find(name).is_none() {
            return Err(usage());
        }
    }
    Ok(())
}

/// A struct field by name, cast to `to`.
pub(super) fn field_as(
    function: &str,
    array: &StructArray,
    name: &str,
    to: &DataType,
) -> Result<ArrayRef> {
    let column = array
        .column_by_name(name)
        .ok_or_else(|| exec_err(format!("{function}: the struct has no field '{name}'")))?;
    cast(column, to).map_err(|e| exec_err(format!("{function}: field '{name}': {e}")))
}

fn to_arrays(array: &ArrayRef) -> Result<ArrayRef> {
    const NAME: &str = "vector_to_array";
    let vectors = array.as_struct();
    let kinds = field_as(NAME, vectors, "type", &DataType::Int8)?;
    let kinds = kinds.as_primitive::<Int8Type>();
    let sizes = field_as(NAME, vectors, "size", &DataType::Int32)?;
    let sizes = sizes.as_primitive::<Int32Type>();
    let indices = field_as(
        NAME,
        vectors,
        "indices",
        &DataType::List(Arc::new(Field::new("element", DataType::Int32, true))),
    )?;
    let indices = indices.as_list::<i32>();
    let index_values = indices.values().as_primitive::<Int32Type>();
    let values = flat_numbers(vectors.column_by_name("values").ok_or_else(|| {
        exec_err("vector_to_array: the struct has no field 'values'".to_string())
    })?)?;
    let mut offsets = vec![0i32];
    let mut out = Float64Builder::new();
    let mut valid = Vec::with_capacity(array.len());
    for row in 0..array.len() {
        if vectors.is_null(row) {
            valid.push(false);
            offsets.push(out.len() as i32);
            continue;
        }
        if kinds.is_null(row) || values.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
            return Err(exec_err(format!(
                "vector_to_array: vector {row} has no type or no values"
            )));
        }
        let (first, last) = (values.offsets[row], values.offsets[row + 1]);
        if (first..last).any(|i| values.values.is_null(i)) {
            return Err(exec_err(format!(
                "vector_to_array: vector {row} holds a null value; Spark ML vectors hold none"
            )));
        }
        let row_values = &values.values.values()[first..last];
        match kinds.value(row) {
            DENSE => out.append_slice(row_values),
            SPARSE => {
                if sizes.is_null(row) || indices.is_null(row) {
                    return Err(exec_err(format!(
                        "vector_to_array: sparse vector {row} has no size or no indices"
                    )));
                }
                let size = sizes.value(row);
                let bounds = indices.value_offsets();
                let (start, end) = (bounds[row] as usize, bounds[row + 1] as usize);
                if end - start != row_values.len() || size < 0 {
                    return Err(exec_err(format!(
                        "vector_to_array: sparse vector {row} has {} indices for {} values and \
                         size {size}",
                        end - start,
                        row_values.len()
                    )));
                }
                let mut dense = vec![0.0; size as usize];
                let mut previous = -1i64;
                for (k, i) in (start..end).enumerate() {
                    let index = index_values.value(i);
                    if index_values.is_null(i)
                        || index < 0
                        || index >= size
                        || i64::from(index) <= previous
                    {
                        return Err(exec_err(format!(
                            "vector_to_array: sparse vector {row} has index {index} at position \
                             {k}; indices must increase and lie in [0, {size})"
                        )));
                    }
                    previous = i64::from(index);
                    dense[index as usize] = row_values[k];
                }
                out.append_slice(&dense);
            }
            other => {
                return Err(exec_err(format!(
                    "vector_to_array: vector {row} has type {other}; Spark ML knows 0 (sparse) \
                     and 1 (dense)"
                )));
            }
        }
        valid.push(true);
        offsets.push(out.len() as i32);
    }
    let nulls = NullBuffer::from(valid);
    Ok(Arc::new(ListArray::try_new(
        Arc::new(Field::new("element", DataType::Float64, true)),
        OffsetBuffer::new(offsets.into()),
        Arc::new(out.finish()),
        (nulls.null_count() > 0).then_some(nulls),
    )?))
}
