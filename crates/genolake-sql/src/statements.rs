//! Running a script of SQL statements, as `genolake sql` does.

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::dataframe::DataFrame;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::collect_partitioned;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::{DFParserBuilder, Statement as DfStatement};
use datafusion::sql::sqlparser::dialect::dialect_from_str;

use crate::error::{Error, Result};
use crate::scan::{in_file_order, in_file_order_root};

/// Runs the statements of `sql`, separated by `;`, one after the other, and
/// returns the last one's result, not yet executed.
///
/// The text is split by DataFusion's SQL parser, so a `;` inside a quoted
/// string, a quoted identifier or a comment does not end a statement. Every
/// statement but the last is executed to completion (a `CREATE EXTERNAL
/// TABLE` registers its table, an `INSERT` or `COPY` writes), in order, each
/// seeing what the previous ones did; their results are discarded. Nothing
/// runs if any statement fails to parse.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ctx = genolake_sql::session();
/// let sql = "CREATE VIEW v AS SELECT contigName, start FROM read_vcf('tests/data/VCFv4.3.vcf');
///            SELECT count(*) AS n FROM v WHERE start > 17000 -- a comment; with a semicolon
///            ";
/// let df = genolake_sql::run_statements(&ctx, sql).await?;
/// let result = genolake_sql::collect(df).await?;
/// assert_eq!(result.num_rows(), 1);
/// # Ok(()) }
/// ```
pub async fn run_statements(ctx: &SessionContext, sql: &str) -> Result<DataFrame> {
    let (dialect_name, recursion_limit, normalize) = {
        let state = ctx.state();
        let options = state.config().options();
        (
            options.sql_parser.dialect,
            options.sql_parser.recursion_limit.get(),
            options.sql_parser.enable_ident_normalization,
        )
    };
    let dialect = dialect_from_str(dialect_name)
        .ok_or_else(|| Error::Usage(format!("unsupported SQL dialect {dialect_name}")))?;
    let sql = crate::spark::syntax::quote_end_after_comma(sql, dialect.as_ref(), normalize);
    let mut statements = DFParserBuilder::new(&*sql)
        .with_dialect(dialect.as_ref())
        .with_recursion_limit(recursion_limit)
        .build()?
        .parse_statements()?;
    for statement in statements.iter_mut() {
        crate::spark::syntax::rewrite(statement);
    }
    let Some(last) = statements.pop_back() else {
        return Err(Error::Usage("no SQL statement to run".into()));
    };
    for statement in statements {
        run_statement(ctx, statement).await?.collect().await?;
    }
    run_statement(ctx, last).await
}

/// Plans one statement: a `COPY` to a genomics format is run here (see
/// [`crate::copy`]) and gives its count, anything else goes to DataFusion.
async fn run_statement(ctx: &SessionContext, statement: DfStatement) -> Result<DataFrame> {
    if let Some((copy, format)) = crate::copy::genomics_copy(&statement)? {
        return crate::copy::run_copy(ctx, copy, format).await;
    }
    let plan = ctx.state().statement_to_plan(statement).await?;
    Ok(ctx.execute_logical_plan(plan).await?)
}

/// A query result held in memory.
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// The result's columns (also when there are no rows).
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    /// Number of rows over all batches.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Executes a [`DataFrame`] and keeps its schema with its batches, in file
/// order where the plan keeps it (see the crate's "Row order").
pub async fn collect(df: DataFrame) -> Result<QueryResult> {
    let context = df.task_ctx();
    let plan = df.create_physical_plan().await?;
    // The executed plan's columns: an analyzer rewrite (`expand_struct`) can
    // change those of the DataFrame as planned.
    let schema = plan.schema();
    // Every row is held anyway: each partition is collected on its own, at
    // full speed, and the partitions are put in order.
    let batches = match in_file_order(&plan)? {
        Some(plan) => collect_partitioned(plan, Arc::new(context))
            .await?
            .into_iter()
            .flatten()
            .collect(),
        None => datafusion::physical_plan::collect(plan, Arc::new(context)).await?,
    };
    Ok(QueryResult { schema, batches })
}

/// Executes a [`DataFrame`] as a stream of batches, decoded as they are
/// pulled, in file order where the plan keeps it (see the crate's "Row
/// order"): what to hand a consumer that takes rows as they come (a
/// writer, or Python's Arrow stream) without holding them all.
pub async fn execute_stream(df: DataFrame) -> Result<SendableRecordBatchStream> {
    let context = Arc::new(df.task_ctx());
    let plan = in_file_order_root(df.create_physical_plan().await?)?;
    Ok(datafusion::physical_plan::execute_stream(plan, context)?)
}

/// [`run_statements`] then [`collect`]: the last statement's result in memory.
pub async fn run_sql(ctx: &SessionContext, sql: &str) -> Result<QueryResult> {
    collect(run_statements(ctx, sql).await?).await
}
