//! Where `genolake qc` writes: a staging directory inside the output
//! directory, renamed into place only once everything is written, so a
//! failed run leaves no half-written table under a final name.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

/// The format of the QC tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Parquet, lists kept as lists.
    Parquet,
    /// CSV with a header; lists written as comma-separated text in one field.
    Csv,
    /// Tab-separated text with a header; lists as in CSV.
    Tsv,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
        }
    }
}

/// The output directory and the staging directory inside it.
pub struct Staging {
    output: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl Staging {
    /// Creates `output` if missing, and an empty staging directory in it.
    pub fn new(output: &Path) -> Result<Self> {
        std::fs::create_dir_all(output)
            .with_context(|| format!("{}: cannot create the directory", output.display()))?;
        let staging = output.join(format!(".genolake-qc-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging)
                .with_context(|| format!("{}: cannot be cleared", staging.display()))?;
        }
        std::fs::create_dir(&staging)
            .with_context(|| format!("{}: cannot be created", staging.display()))?;
        Ok(Self {
            output: output.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// A file in the staging directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// The final place of a staged file.
    pub fn final_path(&self, name: &str) -> PathBuf {
        self.output.join(name)
    }

    /// Moves the staged `names` into the output directory (replacing files of
    /// the same names) and removes the staging directory.
    pub fn commit(mut self, names: &[String]) -> Result<()> {
        for name in names {
            let to = self.output.join(name);
            std::fs::rename(self.staging.join(name), &to)
                .with_context(|| format!("{}: cannot be written", to.display()))?;
        }
        self.committed = true;
        std::fs::remove_dir_all(&self.staging)
            .with_context(|| format!("{}: cannot be removed", self.staging.display()))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// One worker's variant rows, in a Parquet file of its own (fast to write
/// and to read back: no compression, no dictionaries, whose hashing of
/// every string was a tenth of a `gwas linear` run), opened on the first
/// batch.
pub struct Part {
    path: PathBuf,
    writer: Option<ArrowWriter<File>>,
}

impl Part {
    pub fn new(path: PathBuf) -> Self {
        Self { path, writer: None }
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let writer = match &mut self.writer {
            Some(writer) => writer,
            None => {
                let file = File::create(&self.path)
                    .with_context(|| format!("{}: cannot be created", self.path.display()))?;
                let properties = WriterProperties::builder()
                    .set_compression(Compression::UNCOMPRESSED)
                    .set_dictionary_enabled(false)
                    .build();
                self.writer.insert(ArrowWriter::try_new(
                    file,
                    batch.schema(),
                    Some(properties),
                )?)
            }
        };
        writer.write(batch)?;
        Ok(())
    }

    /// Closes the file; the path, if anything was written.
    pub fn close(self) -> Result<Option<PathBuf>> {
        match self.writer {
            Some(writer) => {
                writer.close()?;
                Ok(Some(self.path))
            }
            None => Ok(None),
        }
    }
}

/// Writes a table to `path` in `format`, batch by batch.
pub struct TableWriter {
    inner: Inner,
}

enum Inner {
    Parquet(ArrowWriter<File>),
    Csv(arrow::csv::Writer<File>),
}

impl TableWriter {
    pub fn create(path: &Path, format: Format, schema: Arc<Schema>) -> Result<Self> {
        let file =
            File::create(path).with_context(|| format!("{}: cannot be created", path.display()))?;
        let inner = match format {
            Format::Parquet => {
                let properties = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::default()))
                    .build();
                Inner::Parquet(ArrowWriter::try_new(file, schema, Some(properties))?)
            }
            Format::Csv | Format::Tsv => Inner::Csv(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .with_delimiter(if format == Format::Tsv { b'\t' } else { b',' })
                    .build(file),
            ),
        };
        Ok(Self { inner })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match &mut self.inner {
            Inner::Parquet(writer) => writer.write(batch)?,
            Inner::Csv(writer) => writer.write(&lists_as_text(batch)?)?,
        }
        Ok(())
    }

    pub fn close(self) -> Result<()> {
        match self.inner {
            Inner::Parquet(writer) => {
                writer.close()?;
            }
            Inner::Csv(writer) => {
                writer.into_inner().sync_all()?;
            }
        }
        Ok(())
    }
}

/// Copies the parts' rows, in order, into one table.
pub fn concatenate(parts: &[PathBuf], writer: &mut TableWriter) -> Result<()> {
    for part in parts {
        let file =
            File::open(part).with_context(|| format!("{}: cannot be read", part.display()))?;
        for batch in ParquetRecordBatchReaderBuilder::try_new(file)?.build()? {
            writer.write(&batch?)?;
        }
    }
    Ok(())
}

/// The batch with every list column turned into text, its items separated
/// by commas (CSV has no lists); a null list stays null.
fn lists_as_text(batch: &RecordBatch) -> Result<RecordBatch> {
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if let DataType::List(_) = field.data_type() {
            let list = column.as_list::<i32>();
            let formatter =
                ArrayFormatter::try_new(list.values().as_ref(), &FormatOptions::default())?;
            let mut text = StringBuilder::new();
            for row in 0..list.len() {
                if list.is_null(row) {
                    text.append_null();
                    continue;
                }
                let offsets = list.value_offsets();
                let items: Vec<String> = (offsets[row] as usize..offsets[row + 1] as usize)
                    .map(|i| formatter.value(i).to_string())
                    .collect();
                text.append_value(items.join(","));
            }
            fields.push(Field::new(field.name(), DataType::Utf8, true));
            columns.push(Arc::new(text.finish()));
        } else {
            fields.push(field.as_ref().clone());
            columns.push(column.clone());
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}
