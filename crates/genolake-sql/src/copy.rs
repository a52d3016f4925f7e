//! `COPY (SELECT ...) TO 'out.vcf.gz' STORED AS VCF`: a query's rows
//! written in a genomics format.
//!
//! DataFusion's `COPY` writes the formats it knows (Parquet, CSV, JSON,
//! Arrow) itself. A `COPY` that names a format genolake writes
//! ([`WriteFormat`]: VCF, BGEN, PLINK), or whose target's name ends as
//! one (`.vcf.gz`, `.bgen`, `.bed`) without a `STORED AS`, is run here
//! instead: the query is streamed, in file order where the plan keeps it,
//! into the format's writer with the statement's `OPTIONS`, and the
//! statement's result is DataFusion's: one row, `count`, the rows written.
//! Parquet stays DataFusion's (`STORED AS PARQUET` writes a directory of
//! files as it always has).

use std::path::Path;
use std::sync::Arc;

use arrow::array::{RecordBatch, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::dataframe::DataFrame;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::{CopyToSource, CopyToStatement, Statement};
use datafusion::sql::sqlparser::ast::{self, Value};
use futures::StreamExt;

use crate::error::{Error, Result};
use crate::formats::{WriteFormat, WriteSource};
use crate::statements::execute_stream;

/// The genomics format `statement` writes, if it is a `COPY` genolake runs.
pub(crate) fn genomics_copy(
    statement: &Statement,
) -> Result<Option<(&CopyToStatement, WriteFormat)>> {
    let Statement::CopyTo(copy) = statement else {
        return Ok(None);
    };
    let format = match &copy.stored_as {
        Some(name) if name.eq_ignore_ascii_case("parquet") => None,
        Some(name) => name.parse::<WriteFormat>().ok(),
        None => WriteFormat::detect(Path::new(&copy.target)).filter(|f| *f != WriteFormat::Parquet),
    };
    let Some(format) = format else {
        return Ok(None);
    };
    if !copy.partitioned_by.is_empty() {
        return Err(Error::Usage(format!(
            "COPY ... STORED AS {}: PARTITIONED BY is not supported (one file is written)",
            format.display_name()
        )));
    }
    Ok(Some((copy, format)))
}

/// Runs `copy` in `format`: the rows written, as DataFusion's `COPY`
/// reports them.
pub(crate) async fn run_copy(
    ctx: &SessionContext,
    copy: &CopyToStatement,
    format: WriteFormat,
) -> Result<DataFrame> {
    let df = match &copy.source {
        CopyToSource::Query(query) => {
            let statement = Statement::Statement(Box::new(ast::Statement::Query(query.clone())));
            let plan = ctx.state().statement_to_plan(statement).await?;
            ctx.execute_logical_plan(plan).await?
        }
        CopyToSource::Relation(name) => ctx.table(name.to_string()).await?,
    };
    let options: Vec<(String, String)> = copy
        .options
        .iter()
        .map(|(key, value)| (key.clone(), option_text(value)))
        .collect();
    let schema = df.schema().as_arrow().clone();
    let mut writer = format.create(
        Path::new(&copy.target),
        &schema,
        &options,
        &WriteSource::default(),
    )?;
    let mut stream = execute_stream(df).await?;
    while let Some(batch) = stream.next().await {
        writer.write(&batch?)?;
    }
    let written = writer.finish()?;
    let schema = Arc::new(Schema::new(vec![Field::new(
        "count",
        DataType::UInt64,
        false,
    )]));
    let count = RecordBatch::try_new(
        schema,
        vec![Arc::new(UInt64Array::from(vec![written.rows]))],
    )?;
    Ok(ctx.read_batch(count)?)
}

/// An option's value as the writer reads it: a string's text, anything
/// else as SQL prints it (`8`, `true`).
fn option_text(value: &Value) -> String {
    match value {
        Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.clone(),
        other => other.to_string(),
    }
}
