//! Glow's complex-type functions: structs (`add_struct_fields`,
//! `subset_struct`, `expand_struct`), Spark ML vectors
//! (`array_to_dense_vector`, `array_to_sparse_vector`, `vector_to_array`)
//! and matrices (`explode_matrix`), and Glow's array and assertion helpers
//! (`array_quantile`, `assert_true_or_error`, `comb`).
//!
//! Spark ML's vector and matrix types do not exist in Arrow. They are the
//! structs Spark stores them as (the `sqlType` of Spark's `VectorUDT` and
//! `MatrixUDT`), with the same field names, types and codes, so a table
//! written by Spark ML reads back as these structs and the other way round:
//!
//! - vector: `type` (Int8, 0 sparse, 1 dense), `size` (Int32, sparse only),
//!   `indices` (List<Int32>, sparse only), `values` (List<Float64>);
//! - matrix: `type` (Int8, 0 sparse, 1 dense), `numRows`, `numCols`
//!   (Int32), `colPtrs`, `rowIndices` (List<Int32>, sparse only), `values`
//!   (List<Float64>), `isTransposed` (Boolean: row-major values, or
//!   compressed rows instead of columns).
//!
//! `expand_struct` and `explode_matrix` are generators in Glow (one struct
//! becomes several columns, one matrix several rows): DataFusion has no
//! generator functions, so [`GeneratorRewrite`] rewrites them in a SELECT
//! list into field accesses and an unnest.

mod generators;
mod matrix;
mod structs;
mod utility;
mod vectors;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, make_array};
use arrow::buffer::NullBuffer;
use arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::FunctionRegistry;
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::ScalarUDF;

pub use generators::GeneratorRewrite;
pub(crate) use matrix::{DenseMatrix, Matrices, check_matrix_type};
pub use matrix::{ExplodeMatrix, matrix_type};
pub use structs::{AddStructFields, ExpandStruct, SubsetStruct};
pub use utility::{ArrayQuantile, AssertTrueOrError, Comb};
pub(crate) use vectors::{FlatNumbers, flat_numbers};
pub use vectors::{VectorFunction, vector_type};

/// Registers the complex-type functions and the generator rewrite in
/// `state` (the rewrite once, however often this is called).
pub fn register_complex(state: &mut SessionState) -> Result<()> {
    let udfs: Vec<ScalarUDF> = vec![
        ScalarUDF::new_from_impl(AddStructFields::new()),
        ScalarUDF::new_from_impl(SubsetStruct::new()),
        ScalarUDF::new_from_impl(ExpandStruct::new()),
        ScalarUDF::new_from_impl(VectorFunction::dense()),
        ScalarUDF::new_from_impl(VectorFunction::sparse()),
        ScalarUDF::new_from_impl(VectorFunction::to_array()),
        ScalarUDF::new_from_impl(ExplodeMatrix::new()),
        ScalarUDF::new_from_impl(ArrayQuantile::new()),
        ScalarUDF::new_from_impl(AssertTrueOrError::new()),
        ScalarUDF::new_from_impl(Comb::new()),
    ];
    for udf in udfs {
        state.register_udf(Arc::new(udf))?;
    }
    let rewrite = GeneratorRewrite;
    let present = state
        .analyzer()
        .rules
        .iter()
        .any(|rule| rule.name() == datafusion::optimizer::AnalyzerRule::name(&rewrite));
    if !present {
        state.add_analyzer_rule(Arc::new(rewrite));
    }
    Ok(())
}

fn plan_err(message: impl Into<String>) -> DataFusionError {
    DataFusionError::Plan(message.into())
}

fn exec_err(message: impl Into<String>) -> DataFusionError {
    DataFusionError::Execution(message.into())
}

/// The text of a constant string argument, as planning sees it.
fn literal_str(value: Option<&ScalarValue>) -> Option<&str> {
    value.and_then(|v| v.try_as_str().flatten())
}

/// `child` with nulls wherever its parent struct is null: a field read from
/// a null struct is null, as in Spark.
fn with_parent_nulls(child: &ArrayRef, parent: Option<&NullBuffer>) -> Result<ArrayRef> {
    let Some(parent) = parent.filter(|p| p.null_count() > 0) else {
        return Ok(Arc::clone(child));
    };
    let nulls = NullBuffer::union(Some(parent), child.logical_nulls().as_ref());
    let data = child.to_data().into_builder().nulls(nulls).build()?;
    Ok(make_array(data))
}

/// Whether `data_type` is a list (of any offset width) of numbers.
pub(crate) fn is_number_list(data_type: &DataType) -> bool {
    match data_type {
        DataType::List(item)
        | DataType::LargeList(item)
        | DataType::ListView(item)
        | DataType::FixedSizeList(item, _) => {
            item.data_type().is_numeric() || item.data_type() == &DataType::Null
        }
        _ => false,
    }
}
