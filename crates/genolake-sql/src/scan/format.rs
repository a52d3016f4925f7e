//! [`GenomicsFormat`] and [`GenomicsFormatFactory`]: genomics files as a
//! DataFusion file format, for `CREATE EXTERNAL TABLE ... STORED AS
//! VCF|BGEN|PLINK` and listing tables.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::parsers::CompressionTypeVariant;
use datafusion::common::{GetExt, Statistics};
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::file_format::{FileFormat, FileFormatFactory};
use datafusion::datasource::physical_plan::{FileScanConfig, FileSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::object_store::{ObjectMeta, ObjectStore};
use datafusion::physical_plan::ExecutionPlan;

use super::SharedReader;
use super::files::{is_companion_file, local_path};
use super::source::GenomicsSource;
use super::table::common_schema;
use crate::formats::InputFormat;
use crate::options::normalize_key;

/// A genomics format as a DataFusion [`FileFormat`]: the schema comes from
/// each file (they must agree), the rows from [`GenomicsSource`].
///
/// Compressed VCF needs no declaration: plain, gzip and BGZF are told apart
/// by their first bytes. [`GenomicsFormat::with_compression`] only changes
/// which files a listing table picks from a directory (`*.vcf` or
/// `*.vcf.gz`).
#[derive(Debug, Clone)]
pub struct GenomicsFormat {
    reader: SharedReader,
    compression: Option<FileCompressionType>,
}

impl GenomicsFormat {
    /// A format reading with `reader`.
    pub fn new(reader: SharedReader) -> Self {
        Self {
            reader,
            compression: None,
        }
    }

    /// Lists `*.vcf.gz` rather than `*.vcf` files in directories.
    pub fn with_compression(mut self, compression: FileCompressionType) -> Self {
        self.compression = Some(compression);
        self
    }

    /// The format reader, with the options the user gave.
    pub fn reader(&self) -> &SharedReader {
        &self.reader
    }
}

#[async_trait]
impl FileFormat for GenomicsFormat {
    fn get_ext(&self) -> String {
        self.reader.format().extension().to_string()
    }

    fn get_ext_with_compression(&self, compression: &FileCompressionType) -> DfResult<String> {
        let format = self.reader.format();
        match (format, compression.get_variant()) {
            (_, CompressionTypeVariant::UNCOMPRESSED) => Ok(format.extension().to_string()),
            (InputFormat::Vcf, CompressionTypeVariant::GZIP) => Ok("vcf.gz".to_string()),
            (InputFormat::Vcf, other) => Err(DataFusionError::Configuration(format!(
                "VCF files are plain, gzip or BGZF, not {other}"
            ))),
            (_, other) => Err(DataFusionError::Configuration(format!(
                "{} files are not compressed as a whole (not {other})",
                format.display_name()
            ))),
        }
    }

    fn compression_type(&self) -> Option<FileCompressionType> {
        // DataFusion lists a directory as `*.<compressed extension>` when a
        // compression is set and as `*.<STORED AS name>` otherwise, which
        // for PLINK would be `*.plink`: saying "uncompressed" makes it
        // `*.bed`.
        match self.reader.format() {
            InputFormat::Vcf => self.compression,
            _ => Some(
                self.compression
                    .unwrap_or(FileCompressionType::UNCOMPRESSED),
            ),
        }
    }

    async fn infer_schema(
        &self,
        _state: &dyn Session,
        _store: &Arc<dyn ObjectStore>,
        objects: &[ObjectMeta],
    ) -> DfResult<SchemaRef> {
        let mut paths = Vec::with_capacity(objects.len());
        for object in objects {
            let path = local_path(&object.location)?;
            if !is_companion_file(&path) {
                paths.push(path);
            }
        }
        Ok(common_schema(
            paths.iter().map(|p| p.as_path()),
            self.reader.as_ref(),
        )?)
    }

    async fn infer_stats(
        &self,
        _state: &dyn Session,
        _store: &Arc<dyn ObjectStore>,
        table_schema: SchemaRef,
        _object: &ObjectMeta,
    ) -> DfResult<Statistics> {
        Ok(Statistics::new_unknown(&table_schema))
    }

    async fn create_physical_plan(
        &self,
        _state: &dyn Session,
        conf: FileScanConfig,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        Ok(DataSourceExec::from_data_source(conf))
    }

    fn file_source(&self, table_schema: TableSchema) -> Arc<dyn FileSource> {
        Arc::new(GenomicsSource::new(table_schema, Arc::clone(&self.reader)))
    }
}

/// Makes [`GenomicsFormat`]s of one [`InputFormat`] from the `OPTIONS` of
/// `CREATE EXTERNAL TABLE ... STORED AS VCF|BGEN|PLINK`, under Glow's
/// option names (see [`crate::options`]), plus `compression` for VCF
/// (`gzip` to list `*.vcf.gz` files of a directory).
///
/// Keys of other namespaces (`aws.*`, ...) are left to DataFusion; an unknown
/// format option is an error naming the options known.
#[derive(Debug)]
pub struct GenomicsFormatFactory {
    format: InputFormat,
}

impl GenomicsFormatFactory {
    /// A factory of `format` tables.
    pub fn new(format: InputFormat) -> Self {
        Self { format }
    }
}

impl FileFormatFactory for GenomicsFormatFactory {
    fn create(
        &self,
        _state: &dyn Session,
        format_options: &HashMap<String, String>,
    ) -> DfResult<Arc<dyn FileFormat>> {
        let mut compression = None;
        // Sorted so that errors do not depend on hash order.
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (key, value) in format_options {
            let in_format_namespace =
                key.to_ascii_lowercase().starts_with("format.") || !key.contains('.');
            if !in_format_namespace {
                continue;
            }
            if normalize_key(key) == "compression" {
                compression = Some(value.parse::<CompressionTypeVariant>()?.into());
                continue;
            }
            pairs.push((key.clone(), value.clone()));
        }
        pairs.sort();
        let mut format = GenomicsFormat::new(self.format.reader(&pairs)?);
        if let Some(compression) = compression {
            format = format.with_compression(compression);
        }
        Ok(Arc::new(format))
    }

    fn default(&self) -> Arc<dyn FileFormat> {
        Arc::new(GenomicsFormat::new(self.format.default_reader()))
    }
}

/// The name DataFusion files the factory under, which `STORED AS` looks up
/// (`vcf`, `bgen`, `plink`); the extension of listed files is
/// [`FileFormat::get_ext`]'s.
impl GetExt for GenomicsFormatFactory {
    fn get_ext(&self) -> String {
        self.format.name().to_string()
    }
}
