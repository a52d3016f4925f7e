//! Table functions: `read_vcf(...)`, `read_bgen(...)`, `read_plink(...)`
//! and `read_delta(...)`; Glow's QC functions (`qc`), its struct,
//! vector, matrix and array helpers (`complex`) and its regression
//! functions (`gwas`).

mod complex;
mod gwas;
mod qc;
mod read_delta;
mod read_genomics;
mod variants;

use std::future::Future;

use datafusion::common::ScalarValue;
use datafusion::logical_expr::Expr;

pub use complex::{
    AddStructFields, ArrayQuantile, AssertTrueOrError, Comb, ExpandStruct, ExplodeMatrix,
    GeneratorRewrite, SubsetStruct, VectorFunction, matrix_type, register_complex, vector_type,
};
pub use gwas::{LinearRegressionGwas, LogisticRegressionGwas, register_gwas};
pub use qc::{QcAggregate, QcScalar, SampleStat, VariantStat, register_qc};
pub use read_delta::ReadDelta;
pub use read_genomics::ReadGenomics;
pub use variants::register_variants;

use crate::error::{Error, Result};

/// The text of a constant argument: strings as they are, numbers and
/// booleans as SQL prints them.
pub(crate) fn literal_text(function: &str, position: usize, expr: &Expr) -> Result<String> {
    let not_constant = || {
        Error::Usage(format!(
            "{function}: argument {position} must be a constant string, number or boolean, not {expr}"
        ))
    };
    let Expr::Literal(value, _) = expr else {
        return Err(not_constant());
    };
    match value {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Ok(s.clone()),
        ScalarValue::Boolean(Some(_))
        | ScalarValue::Int8(Some(_))
        | ScalarValue::Int16(Some(_))
        | ScalarValue::Int32(Some(_))
        | ScalarValue::Int64(Some(_))
        | ScalarValue::UInt8(Some(_))
        | ScalarValue::UInt16(Some(_))
        | ScalarValue::UInt32(Some(_))
        | ScalarValue::UInt64(Some(_))
        | ScalarValue::Float32(Some(_))
        | ScalarValue::Float64(Some(_))
        | ScalarValue::Decimal128(Some(_), _, _) => Ok(value.to_string()),
        _ => Err(not_constant()),
    }
}

/// Splits `path, 'name', value, 'name', value, ...` into the path and the
/// option pairs.
pub(crate) fn path_and_options(
    function: &str,
    usage: &str,
    args: &[Expr],
) -> Result<(String, Vec<(String, String)>)> {
    if args.is_empty() || args.len().is_multiple_of(2) {
        return Err(Error::Usage(format!(
            "{function} takes a path then option names and values in pairs: {usage}"
        )));
    }
    let path = literal_text(function, 1, &args[0])?;
    let mut options = Vec::new();
    for (i, pair) in args[1..].chunks(2).enumerate() {
        let name = literal_text(function, 2 + 2 * i, &pair[0])?;
        let value = literal_text(function, 3 + 2 * i, &pair[1])?;
        options.push((name, value));
    }
    Ok((path, options))
}

/// Runs a future to completion from synchronous code that may itself run
/// inside a Tokio runtime (table functions are called while planning).
pub(crate) fn block_on<F>(future: F) -> Result<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            Ok(tokio::task::block_in_place(|| handle.block_on(future)))
        }
        _ => std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map(|runtime| runtime.block_on(future))
                })
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
        .map_err(|e| {
            Error::Usage(format!(
                "cannot start a Tokio runtime to plan the table function: {e}"
            ))
        }),
    }
}
