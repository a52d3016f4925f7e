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
use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaDataReader};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;

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

    /// Worker `index`'s part of a table in `format` (see [`Part::of`]).
    pub fn part(&self, index: usize, format: Format) -> Part {
        Part::of(self.path(&format!("part-{index:06}.parquet")), format)
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
    properties: WriterProperties,
}

impl Part {
    /// A part of a text table: written fast (uncompressed, no
    /// dictionaries; interning every string cost up to a tenth of a run),
    /// read back once.
    pub fn new(path: PathBuf) -> Self {
        let properties = WriterProperties::builder()
            .set_compression(Compression::UNCOMPRESSED)
            .set_dictionary_enabled(false)
            .build();
        Self {
            path,
            writer: None,
            properties,
        }
    }

    /// A part of a table in `format`: a Parquet table's parts are written
    /// as the table is, so that [`join_parts`] copies their row groups
    /// into it without decoding them.
    pub fn of(path: PathBuf, format: Format) -> Self {
        match format {
            Format::Parquet => Self {
                path,
                writer: None,
                properties: table_properties(),
            },
            Format::Csv | Format::Tsv => Self::new(path),
        }
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
                self.writer.insert(ArrowWriter::try_new(
                    file,
                    batch.schema(),
                    Some(self.properties.clone()),
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
            Format::Parquet => Inner::Parquet(ArrowWriter::try_new(
                file,
                schema,
                Some(table_properties()),
            )?),
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

/// How Parquet tables are written for a user.
fn table_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build()
}

/// Writes the parts' rows, in order, to `path` as one table in `format`
/// of `schema`. Parts made by [`Part::of`] for a Parquet table have their
/// row groups copied as they are (a byte copy, however many rows); other
/// tables, or no part at all, go through [`TableWriter`].
pub fn join_parts(
    parts: &[PathBuf],
    path: &Path,
    format: Format,
    schema: Arc<Schema>,
) -> Result<()> {
    if format == Format::Parquet && !parts.is_empty() {
        return copy_row_groups(parts, path);
    }
    let mut writer = TableWriter::create(path, format, schema)?;
    concatenate(parts, &mut writer)?;
    writer.close()
}

/// The row groups of Parquet files of one schema, copied in order into a
/// new file at `path` with their statistics and page indexes (the
/// technique of parquet's `parquet-concat`); the file keeps the first
/// part's key-value metadata, where Arrow's schema is.
fn copy_row_groups(parts: &[PathBuf], path: &Path) -> Result<()> {
    let mut inputs = Vec::with_capacity(parts.len());
    for part in parts {
        let file =
            File::open(part).with_context(|| format!("{}: cannot be read", part.display()))?;
        let metadata = ParquetMetaDataReader::new()
            .with_page_index_policy(PageIndexPolicy::Optional)
            .parse_and_finish(&file)
            .with_context(|| format!("{}: cannot be read", part.display()))?;
        inputs.push((file, metadata));
    }
    let first = inputs[0].1.file_metadata();
    let schema = first.schema_descr().root_schema_ptr();
    let properties = WriterProperties::builder()
        .set_key_value_metadata(first.key_value_metadata().cloned())
        .build();
    let output =
        File::create(path).with_context(|| format!("{}: cannot be created", path.display()))?;
    let mut writer = SerializedFileWriter::new(output, schema.clone(), Arc::new(properties))?;
    for ((file, metadata), part) in inputs.iter().zip(parts) {
        if metadata.file_metadata().schema_descr().root_schema_ptr() != schema {
            anyhow::bail!(
                "{}: holds another schema than {}",
                part.display(),
                parts[0].display()
            );
        }
        for (g, group) in metadata.row_groups().iter().enumerate() {
            let mut out = writer.next_row_group()?;
            for (c, column) in group.columns().iter().enumerate() {
                let column_index = metadata
                    .column_index()
                    .and_then(|i| i.get(g))
                    .and_then(|i| i.get(c))
                    .cloned();
                let offset_index = metadata
                    .offset_index()
                    .and_then(|i| i.get(g))
                    .and_then(|i| i.get(c))
                    .cloned();
                out.append_column(
                    file,
                    ColumnCloseResult {
                        bytes_written: u64::try_from(column.compressed_size()).unwrap_or(0),
                        rows_written: u64::try_from(group.num_rows()).unwrap_or(0),
                        metadata: column.clone(),
                        bloom_filter: None,
                        column_index,
                        offset_index,
                    },
                )?;
            }
            out.close()?;
        }
    }
    writer.close()?;
    Ok(())
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
