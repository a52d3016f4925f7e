//! Glow's QC and genotype functions as DataFusion UDFs, thin wrappers over
//! [`genolake_stats`].
//!
//! | function | arguments | result |
//! |---|---|---|
//! | `call_summary_stats` | `genotypes` or `calls, callsPloidy[, sampleCount]` | struct: callRate, nCalled, nUncalled, nHet, nHomozygous, nNonRef, nAllelesCalled, alleleCounts, alleleFrequencies |
//! | `hardy_weinberg` | the same | struct: hetFreqHwe, pValueHwe |
//! | `genotype_states` | the same | list of Int32 |
//! | `dp_summary_stats`, `gq_summary_stats` | `genotypes`, or a list of numbers (the matrix layout's `depth`, `conditionalQuality`) | struct: mean, stdDev, min, max |
//! | `array_summary_stats` | a list of numbers | struct: mean, stdDev, min, max |
//! | `hard_calls` | `probabilities, numAlts, phased[, threshold]` | list of Int32 |
//! | `mean_substitute` | a list of numbers`[, missingValue]` | list of Float64 |
//! | `sample_call_summary_stats` (aggregate) | `genotypes, referenceAllele, alternateAlleles`, or `calls, callsPloidy[, sampleCount], referenceAllele, alternateAlleles` | list of struct per sample: [sampleId,] callRate, nCalled, ..., rHetHomVar |
//! | `sample_dp_summary_stats`, `sample_gq_summary_stats` (aggregates) | `genotypes`, or a list of numbers per row | list of struct per sample: [sampleId,] mean, stdDev, min, max |
//!
//! Matrix-layout tables (`read_delta(path, 'layout', 'matrix')`) pass their
//! raw columns: the number of samples is inferred from each batch as the
//! smallest `len(calls) / callsPloidy` (exact whenever a batch holds a site
//! with fewer than 128 alleles, that is, one byte a slot), or given as the
//! third argument. Their per-sample results carry no `sampleId` (the ids
//! are the table's `genolake.matrix.sampleIds`, in result order).

mod aggregate;
mod input;
mod scalar;

use std::sync::Arc;

use datafusion::execution::FunctionRegistry;
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

pub use aggregate::{QcAggregate, SampleStat};
pub use scalar::{QcScalar, VariantStat};

/// Registers every QC function in `state`.
pub fn register_qc(state: &mut SessionState) -> datafusion::error::Result<()> {
    for stat in VariantStat::ALL {
        state.register_udf(Arc::new(ScalarUDF::new_from_impl(QcScalar::new(stat))))?;
    }
    for stat in SampleStat::ALL {
        state.register_udaf(Arc::new(AggregateUDF::new_from_impl(QcAggregate::new(
            stat,
        ))))?;
    }
    Ok(())
}
