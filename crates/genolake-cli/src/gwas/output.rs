//! Where association results go: CSV, TSV or Parquet by the output's
//! extension, or a Delta table (a directory, or `--format delta`).
//!
//! Workers write their rows into part files of a staging directory beside
//! the output; the parts are joined in input order into a staged file
//! renamed into place at the end, or ingested into the Delta table in one
//! commit. A failed run leaves nothing under the output's name.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::{cast, take};
use arrow::datatypes::{DataType, Field, Float64Type, Int64Type, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::qc::output::{Format, Part, TableWriter, join_parts};

use super::genotypes::SITE_COLUMNS;
use super::plots::Collected;

/// The results' format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Csv,
    Tsv,
    Parquet,
    Delta,
}

impl OutputFormat {
    /// The format `--format` names, else the one the extension tells (a
    /// path without one is a Delta table's directory).
    pub fn of(path: &Path, flag: Option<OutputFormat>) -> Result<Self> {
        if let Some(format) = flag {
            return Ok(format);
        }
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        Ok(match extension.as_deref() {
            Some("csv") => OutputFormat::Csv,
            Some("tsv") | Some("txt") => OutputFormat::Tsv,
            Some("parquet") => OutputFormat::Parquet,
            None => OutputFormat::Delta,
            Some(other) => bail!(
                "{}: the extension .{other} names no output format; use .csv, .tsv or .parquet, \
                 a directory for a Delta table, or --format",
                path.display()
            ),
        })
    }
}

/// The site columns of every result row, in their output types.
pub fn site_fields() -> Vec<Field> {
    vec![
        Field::new(SITE_COLUMNS[0], DataType::Utf8, true),
        Field::new(SITE_COLUMNS[1], DataType::Int64, true),
        Field::new(SITE_COLUMNS[2], DataType::Utf8, true),
        Field::new(
            SITE_COLUMNS[3],
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            true,
        ),
        Field::new("phenotype", DataType::Utf8, false),
    ]
}

/// The site columns of `batch` at `rows`, each repeated `phenotypes`
/// times (result rows are variant-major), in their output types.
pub fn site_columns(
    batch: &RecordBatch,
    rows: &[u32],
    phenotypes: &[String],
) -> Result<Vec<ArrayRef>> {
    let p = phenotypes.len();
    let indices = arrow::array::UInt32Array::from_iter_values(
        rows.iter().flat_map(|&r| std::iter::repeat_n(r, p)),
    );
    let fields = site_fields();
    let mut columns = Vec::with_capacity(fields.len());
    for field in &fields[..4] {
        let column = batch
            .column_by_name(field.name())
            .ok_or_else(|| anyhow!("the input has no {} column", field.name()))?;
        let taken = take(column.as_ref(), &indices, None)?;
        columns.push(cast(&taken, field.data_type()).with_context(|| {
            format!("{} cannot be read as {}", field.name(), field.data_type())
        })?);
    }
    let names: arrow::array::StringArray = (0..rows.len())
        .flat_map(|_| phenotypes.iter().map(|p| Some(p.as_str())))
        .collect();
    columns.push(Arc::new(names));
    Ok(columns)
}

/// A staging directory beside the output, removed unless committed.
pub struct Destination {
    output: PathBuf,
    format: OutputFormat,
    staging: PathBuf,
    committed: bool,
}

impl Destination {
    pub fn new(output: &Path, format: OutputFormat) -> Result<Self> {
        let absolute = std::path::absolute(output)
            .with_context(|| format!("{}: cannot be resolved", output.display()))?;
        let parent = absolute
            .parent()
            .ok_or_else(|| anyhow!("{}: has no parent directory", output.display()))?;
        std::fs::create_dir_all(parent)
            .with_context(|| format!("{}: cannot be created", parent.display()))?;
        if format == OutputFormat::Delta && absolute.is_file() {
            bail!(
                "{}: is a file, not a Delta table's directory",
                output.display()
            );
        }
        let name = absolute
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let staging = parent.join(format!(".{name}.genolake-gwas-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging)?;
        }
        std::fs::create_dir(&staging)
            .with_context(|| format!("{}: cannot be created", staging.display()))?;
        Ok(Self {
            output: absolute,
            format,
            staging,
            committed: false,
        })
    }

    /// A worker's part file (for a Parquet output, written as the output
    /// is: [`commit`](Self::commit) then copies its row groups).
    pub fn part(&self, index: usize) -> Part {
        let path = self.staging.join(format!("part-{index:06}.parquet"));
        match self.format {
            OutputFormat::Parquet => Part::of(path, Format::Parquet),
            _ => Part::new(path),
        }
    }

    /// Joins the parts into the output and hands every row's plot values
    /// to `collected` on the way.
    pub fn commit(
        mut self,
        parts: &[PathBuf],
        schema: SchemaRef,
        collected: Option<&mut Collected>,
        threads: usize,
    ) -> Result<()> {
        let plotting = collected.is_some();
        let mut collected = collected;
        let mut note = |batch: &RecordBatch| -> Result<()> {
            if let Some(collected) = collected.as_deref_mut() {
                collect(batch, collected)?;
            }
            Ok(())
        };
        match self.format {
            OutputFormat::Delta => {
                let mut batches = Vec::new();
                for part in parts {
                    for batch in read_part(part)? {
                        let batch = batch?;
                        note(&batch)?;
                        batches.push(batch);
                    }
                }
                let location = self.output.to_string_lossy().into_owned();
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(threads.max(1))
                    .enable_all()
                    .build()?;
                runtime.block_on(async {
                    let stream = genolake_lake::blocking_stream(
                        schema,
                        batches.into_iter().map(Ok::<_, arrow::error::ArrowError>),
                    );
                    genolake_lake::Ingest::new(location)
                        .mode(genolake_lake::SaveMode::Overwrite)
                        .description("genolake gwas association results")
                        .execute_stream(stream)
                        .await
                })?;
            }
            OutputFormat::Parquet => {
                // The parts' row groups are copied as they are; they are
                // decoded only for plots.
                let staged = self.staging.join("result");
                if plotting {
                    for part in parts {
                        for batch in read_part(part)? {
                            note(&batch?)?;
                        }
                    }
                }
                join_parts(parts, &staged, Format::Parquet, schema)?;
                self.rename_into_place(&staged)?;
            }
            format => {
                let staged = self.staging.join("result");
                let table_format = match format {
                    OutputFormat::Tsv => Format::Tsv,
                    _ => Format::Csv,
                };
                let mut writer = TableWriter::create(&staged, table_format, schema)?;
                for part in parts {
                    for batch in read_part(part)? {
                        let batch = batch?;
                        note(&batch)?;
                        writer.write(&batch)?;
                    }
                }
                writer.close()?;
                self.rename_into_place(&staged)?;
            }
        }
        self.committed = true;
        let _ = std::fs::remove_dir_all(&self.staging);
        Ok(())
    }

    fn rename_into_place(&self, staged: &Path) -> Result<()> {
        std::fs::rename(staged, &self.output)
            .with_context(|| format!("{}: cannot be written", self.output.display()))
    }
}

impl Drop for Destination {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

fn read_part(part: &Path) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReader> {
    let file = File::open(part).with_context(|| format!("{}: cannot be read", part.display()))?;
    Ok(ParquetRecordBatchReaderBuilder::try_new(file)?.build()?)
}

/// Adds a result batch's places and p-values to the plots' values.
fn collect(batch: &RecordBatch, collected: &mut Collected) -> Result<()> {
    let contigs = batch.column(0).as_string::<i32>();
    let starts = batch.column(1).as_primitive::<Int64Type>();
    let phenotypes = batch.column(4).as_string::<i32>();
    let p_values = batch
        .column_by_name("pValue")
        .ok_or_else(|| anyhow!("the results have no pValue"))?
        .as_primitive::<Float64Type>();
    let mut last: Option<(usize, u32)> = None;
    for row in 0..batch.num_rows() {
        let phenotype = phenotypes.value(row);
        let Some(slot) = collected
            .phenotypes
            .iter()
            .position(|(name, _)| name == phenotype)
        else {
            continue;
        };
        let contig = match last {
            Some((r, c)) if r + 1 == row && contigs.value(r) == contigs.value(row) => c,
            _ => collected.contig(contigs.value(row)),
        };
        last = Some((row, contig));
        let points = &mut collected.phenotypes[slot].1;
        points.contig.push(contig);
        points.position.push(starts.value(row));
        points.p_value.push(if p_values.is_valid(row) {
            p_values.value(row)
        } else {
            f64::NAN
        });
    }
    Ok(())
}
