//! A DataFusion session that speaks genolake: Glow's camelCase names
//! unquoted, `read_vcf`/`read_bgen`/`read_plink`/`read_delta`, and `STORED
//! AS VCF|BGEN|PLINK`.

use std::sync::Arc;

use datafusion::datasource::provider::DefaultTableFactory;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SessionState;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::error::Result;
use crate::formats::InputFormat;
use crate::functions::{ReadDelta, ReadGenomics};
use crate::pipe::PipeFunction;
use crate::scan::{GenomicsFormatFactory, KeepFileOrder};
use crate::transform::{Transform, TransformFunction};

/// A session with genolake's defaults: see [`SessionBuilder`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ctx = genolake_sql::session();
/// let df = ctx.sql("SELECT contigName, start FROM read_vcf('tests/data/VCFv4.3.vcf') LIMIT 1").await?;
/// assert_eq!(df.collect().await?[0].num_rows(), 1);
/// # Ok(()) }
/// ```
pub fn session() -> SessionContext {
    SessionBuilder::new().build()
}

/// Builds a [`SessionContext`] for genomics SQL.
///
/// The session
/// - keeps identifiers as written (`datafusion.sql_parser.enable_ident_normalization
///   = false`), so Glow's `contigName`, `referenceAllele`, `sampleId` work
///   unquoted as they do in Spark;
/// - registers the table functions `read_vcf`, `read_bgen`, `read_plink`
///   and `read_delta`, and Glow's QC functions (`call_summary_stats`,
///   `hardy_weinberg`, `sample_call_summary_stats`, ...);
/// - makes `CREATE EXTERNAL TABLE ... STORED AS VCF` (`BGEN`, `PLINK`) work
///   (a listing table over [`GenomicsFormat`](crate::GenomicsFormat));
/// - plans with one partition per available core unless told otherwise;
/// - keeps file order where partitions of a genomics scan are merged
///   ([`KeepFileOrder`]; see the crate's "Row order");
/// - speaks Spark SQL's habits: `size`, `explode`, `posexplode`,
///   `element_at`, Spark's functions where DataFusion has none, and an error
///   for array index 0 (see [`spark`](crate::spark)).
///
/// ```
/// use genolake_sql::SessionBuilder;
///
/// let ctx = SessionBuilder::new().target_partitions(2).build();
/// assert_eq!(ctx.state().config().target_partitions(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct SessionBuilder {
    config: SessionConfig,
    target_partitions: Option<usize>,
}

impl Default for SessionBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionBuilder {
    /// DataFusion's default configuration with genolake's settings.
    pub fn new() -> Self {
        Self {
            config: SessionConfig::new(),
            target_partitions: None,
        }
    }

    /// Starts from `config` (any `datafusion.*` setting); genolake's
    /// settings are applied on top of it.
    pub fn config(mut self, config: SessionConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets how many partitions scans, joins and aggregations run in
    /// (default: the number of available cores).
    pub fn target_partitions(mut self, n: usize) -> Self {
        self.target_partitions = Some(n.max(1));
        self
    }

    /// The session.
    pub fn build(self) -> SessionContext {
        let partitions = self
            .target_partitions
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        let mut config = self.config.with_target_partitions(partitions);
        config.options_mut().sql_parser.enable_ident_normalization = false;
        let mut state = SessionStateBuilder::new()
            .with_config(config)
            .with_default_features()
            .with_physical_optimizer_rule(Arc::new(KeepFileOrder))
            .build();
        register_state(&mut state).expect("registering genolake into a fresh session cannot fail");
        SessionContext::new_with_state(state)
    }
}

/// Adds genolake's table functions and formats to an existing session (one
/// made by delta-rs for writing, say). It does not change the session's
/// settings: pass camelCase names quoted, or set
/// `datafusion.sql_parser.enable_ident_normalization` to false yourself.
pub fn register(ctx: &SessionContext) -> Result<()> {
    let state = ctx.state_ref();
    let mut state = state.write();
    register_state(&mut state)
}

fn register_state(state: &mut SessionState) -> Result<()> {
    for format in InputFormat::ALL {
        let function = ReadGenomics::new(format);
        state.register_udtf(&function.name(), Arc::new(function));
        state.register_file_format(Arc::new(GenomicsFormatFactory::new(format)), true)?;
        state.table_factories_mut().insert(
            format.display_name().to_string(),
            Arc::new(DefaultTableFactory::new()),
        );
    }
    state.register_udtf("read_delta", Arc::new(ReadDelta));
    state.register_udtf("pipe", Arc::new(PipeFunction));
    for transform in Transform::ALL {
        state.register_udtf(
            transform.name(),
            Arc::new(TransformFunction::new(transform)),
        );
    }
    crate::spark::register(state)?;
    crate::functions::register_qc(state)?;
    crate::functions::register_complex(state)?;
    crate::functions::register_gwas(state)?;
    crate::functions::register_variants(state)?;
    Ok(())
}
