//! Writing query results: a text table, CSV, newline-delimited JSON or Parquet.

use std::fmt;
use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::dataframe::DataFrame;
use datafusion::parquet::arrow::ArrowWriter;
use futures::StreamExt;

use crate::error::{Error, Result};
use crate::statements::{collect, execute_stream};

/// How a result is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// A boxed text table, as datafusion-cli prints (all rows are held in
    /// memory to size the columns).
    #[default]
    Table,
    /// CSV with a header line; nested values (lists, structs, maps) are
    /// written as their text form, e.g. `[0, 1]`.
    Csv,
    /// One JSON object per line; nested values stay nested.
    Json,
    /// A Parquet file.
    Parquet,
}

impl FromStr for OutputFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "table" | "pretty" => Ok(Self::Table),
            "csv" => Ok(Self::Csv),
            "json" | "ndjson" | "jsonl" => Ok(Self::Json),
            "parquet" => Ok(Self::Parquet),
            _ => Err(Error::Usage(format!(
                "unknown output format '{s}'; expected table, csv, json or parquet"
            ))),
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Table => "table",
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Parquet => "parquet",
        })
    }
}

/// Writes record batches one at a time in an [`OutputFormat`], so a large
/// result streams to its destination (except [`OutputFormat::Table`], which
/// needs every row to size its columns).
///
/// ```
/// use std::sync::Arc;
/// use arrow::array::{Int64Array, RecordBatch};
/// use arrow::datatypes::{DataType, Field, Schema};
/// use genolake_sql::{BatchWriter, OutputFormat};
///
/// let schema = Arc::new(Schema::new(vec![Field::new("start", DataType::Int64, false)]));
/// let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(vec![14369, 17329]))]).unwrap();
/// let mut writer = BatchWriter::new(OutputFormat::Csv, schema, Vec::new()).unwrap();
/// writer.write(&batch).unwrap();
/// let out = writer.finish().unwrap();
/// assert_eq!(String::from_utf8(out).unwrap(), "start\n14369\n17329\n");
/// ```
pub struct BatchWriter<W: Write + Send> {
    inner: Inner<W>,
}

enum Inner<W: Write + Send> {
    Table {
        out: W,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    },
    Csv {
        writer: Box<arrow::csv::Writer<W>>,
        schema: SchemaRef,
        wrote: bool,
    },
    Json(arrow::json::LineDelimitedWriter<W>),
    Parquet(Box<ArrowWriter<W>>),
}

impl<W: Write + Send> BatchWriter<W> {
    /// A writer of batches of `schema` to `out`.
    pub fn new(format: OutputFormat, schema: SchemaRef, out: W) -> Result<Self> {
        let inner = match format {
            OutputFormat::Table => Inner::Table {
                out,
                schema,
                batches: Vec::new(),
            },
            OutputFormat::Csv => Inner::Csv {
                writer: Box::new(
                    arrow::csv::WriterBuilder::new()
                        .with_header(true)
                        .build(out),
                ),
                schema,
                wrote: false,
            },
            OutputFormat::Json => Inner::Json(arrow::json::LineDelimitedWriter::new(out)),
            OutputFormat::Parquet => {
                Inner::Parquet(Box::new(ArrowWriter::try_new(out, schema, None)?))
            }
        };
        Ok(Self { inner })
    }

    /// Writes one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match &mut self.inner {
            Inner::Table { batches, .. } => batches.push(batch.clone()),
            Inner::Csv { writer, wrote, .. } => {
                writer.write(&flatten_nested(batch)?)?;
                *wrote = true;
            }
            Inner::Json(writer) => writer.write(batch)?,
            Inner::Parquet(writer) => writer.write(batch)?,
        }
        Ok(())
    }

    /// Finishes the output (the table, the CSV header of an empty result,
    /// the Parquet footer), flushes it and hands back the destination.
    pub fn finish(self) -> Result<W> {
        let mut out = match self.inner {
            Inner::Table {
                mut out,
                schema,
                batches,
            } => {
                let table =
                    arrow::util::pretty::pretty_format_batches_with_schema(schema, &batches)?;
                writeln!(out, "{table}")?;
                out
            }
            Inner::Csv {
                mut writer,
                schema,
                wrote,
            } => {
                if !wrote {
                    writer.write(&flatten_nested(&RecordBatch::new_empty(schema))?)?;
                }
                writer.into_inner()
            }
            Inner::Json(mut writer) => {
                writer.finish()?;
                writer.into_inner()
            }
            Inner::Parquet(writer) => writer.into_inner()?,
        };
        out.flush()?;
        Ok(out)
    }
}

/// Writes `batches` of `schema` to `out` in `format`.
pub fn write_batches<W: Write + Send>(
    schema: SchemaRef,
    batches: &[RecordBatch],
    format: OutputFormat,
    out: W,
) -> Result<W> {
    let mut writer = BatchWriter::new(format, schema, out)?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.finish()
}

/// Executes `df` and streams its result to `out` in `format`, batch by batch.
pub async fn write_dataframe<W: Write + Send>(
    df: DataFrame,
    format: OutputFormat,
    out: W,
) -> Result<W> {
    if format == OutputFormat::Table {
        // A table holds every row to size its columns: collect them at full
        // speed rather than stream them in order through a bounded buffer.
        let result = collect(df).await?;
        return write_batches(result.schema, &result.batches, format, out);
    }
    let schema = SchemaRef::new(df.schema().as_arrow().clone());
    let mut writer = BatchWriter::new(format, schema, out)?;
    let mut stream = execute_stream(df).await?;
    while let Some(batch) = stream.next().await {
        writer.write(&batch?)?;
    }
    writer.finish()
}

fn is_nested(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::List(_)
            | DataType::LargeList(_)
            | DataType::ListView(_)
            | DataType::LargeListView(_)
            | DataType::FixedSizeList(_, _)
            | DataType::Struct(_)
            | DataType::Map(_, _)
            | DataType::Union(_, _)
    )
}

/// Replaces nested columns (which CSV cannot hold) by their text form.
fn flatten_nested(batch: &RecordBatch) -> Result<RecordBatch> {
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| is_nested(f.data_type()))
    {
        return Ok(batch.clone());
    }
    let options = FormatOptions::default();
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if !is_nested(field.data_type()) {
            fields.push(Arc::clone(field));
            columns.push(Arc::clone(column));
            continue;
        }
        let formatter = ArrayFormatter::try_new(column.as_ref(), &options)?;
        let mut text = StringBuilder::with_capacity(column.len(), column.len() * 16);
        for i in 0..column.len() {
            if column.is_null(i) {
                text.append_null();
            } else {
                text.append_value(formatter.value(i).to_string());
            }
        }
        fields.push(Arc::new(Field::new(field.name(), DataType::Utf8, true)));
        columns.push(Arc::new(text.finish()));
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}
