//! The error type of `genolake-stats`.

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Input that the statistics cannot be computed on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A matrix-layout `calls` value does not hold `callsPloidy` × samples
    /// integers of 1, 2 or 4 bytes.
    #[error(
        "a matrix calls value of {bytes} bytes does not hold {ploidy} slots for each of {samples} samples \
         in 1, 2 or 4 bytes each"
    )]
    MatrixShape {
        /// Length of the value.
        bytes: usize,
        /// The row's `callsPloidy`.
        ploidy: usize,
        /// Samples the table holds.
        samples: usize,
    },
    /// Rows given to one per-sample accumulator hold different numbers of
    /// samples: the per-sample statistics assume the same samples, in the
    /// same order, in every row.
    #[error(
        "a row holds {found} samples where earlier rows held {expected}: per-sample statistics need the same \
         samples in the same order in every row"
    )]
    SampleCount {
        /// Samples of the earlier rows.
        expected: usize,
        /// Samples of this row.
        found: usize,
    },
    /// Partial per-sample results name different samples at one position.
    #[error("partial per-sample results disagree at sample {index}: {left:?} against {right:?}")]
    SampleMismatch {
        /// Position of the sample.
        index: usize,
        /// Sample id on one side.
        left: Option<String>,
        /// Sample id on the other.
        right: Option<String>,
    },
    /// An argument is outside what the function accepts.
    #[error("{0}")]
    Argument(String),
    /// A serialized partial state is damaged.
    #[error("a serialized per-sample state is damaged: {0}")]
    State(String),
    /// Whole-genome ridge regression (step 1) cannot run on this input:
    /// shapes that disagree, missing values, a constant phenotype, a
    /// singular covariate matrix, too few samples, or a fit that failed.
    #[error("whole-genome ridge regression: {0}")]
    Wgr(String),
    /// The covariates are linearly dependent on the samples analysed, so
    /// their effects (and the residuals the tests need) are not defined.
    #[error(
        "the covariates are linearly dependent on the {samples} samples analysed: {} is a linear combination \
         of the columns before it (drop it, or check for a constant or duplicated covariate)",
        match column { Some(c) => format!("covariate column {c}"), None => "the intercept".to_string() }
    )]
    SingularCovariates {
        /// The first dependent covariate column (0-based, without the
        /// intercept); `None` for the intercept itself.
        column: Option<usize>,
        /// Samples the covariates were fitted on.
        samples: usize,
    },
    /// A binary phenotype for logistic regression holds something other
    /// than 0, 1 or NaN (missing).
    #[error(
        "phenotype column {column}, row {row} holds {value}: logistic regression needs 0 (control), 1 (case) \
         or NaN (missing)"
    )]
    LogisticPhenotypeValue {
        /// Sample (row) of the value.
        row: usize,
        /// Phenotype (column) of the value.
        column: usize,
        /// The value as written.
        value: String,
    },
    /// A covariate, offset or dosage given to logistic regression is NaN
    /// or infinite.
    #[error(
        "{what} column {column}, row {row} is not a finite number: impute or drop it before the regression"
    )]
    LogisticNonFinite {
        /// `covariate`, `offset` or `dosage`.
        what: &'static str,
        /// Sample (row) of the value.
        row: usize,
        /// Column of the value in its matrix.
        column: usize,
    },
    /// The covariates (with the intercept) are linearly dependent over all
    /// samples, so no regression on them has a unique solution.
    #[error(
        "design column {column} (counting {}) is a linear combination of the columns before it: drop \
         redundant covariates",
        if *intercept { "the intercept as column 0" } else { "from 0, no intercept" }
    )]
    LogisticSingularCovariates {
        /// First dependent column of the design.
        column: usize,
        /// Whether column 0 is the added intercept.
        intercept: bool,
    },
}
