//! [`VcfFormat`] and [`VcfFormatFactory`]: VCF as a DataFusion file format,
//! for `CREATE EXTERNAL TABLE ... STORED AS VCF` and listing tables.

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
use genolake_vcf::ReaderOptions;

use super::files::{is_index_file, local_path};
use super::source::VcfSource;
use crate::error::Error;
use crate::options::{apply_vcf_option, normalize_key};

/// VCF as a DataFusion [`FileFormat`]: the schema comes from the header of
/// each file (they must agree), the rows from [`VcfSource`].
///
/// Compressed files need no declaration: plain, gzip and BGZF are told apart
/// by their first bytes. [`VcfFormat::with_compression`] only changes which
/// files a listing table picks from a directory (`*.vcf` or `*.vcf.gz`).
#[derive(Debug, Clone, Default)]
pub struct VcfFormat {
    options: ReaderOptions,
    compression: Option<FileCompressionType>,
}

impl VcfFormat {
    /// A format reading with `options`.
    pub fn new(options: ReaderOptions) -> Self {
        Self {
            options,
            compression: None,
        }
    }

    /// Lists `*.vcf.gz` rather than `*.vcf` files in directories.
    pub fn with_compression(mut self, compression: FileCompressionType) -> Self {
        self.compression = Some(compression);
        self
    }

    /// The reader options.
    pub fn options(&self) -> &ReaderOptions {
        &self.options
    }
}

#[async_trait]
impl FileFormat for VcfFormat {
    fn get_ext(&self) -> String {
        "vcf".to_string()
    }

    fn get_ext_with_compression(&self, compression: &FileCompressionType) -> DfResult<String> {
        match compression.get_variant() {
            CompressionTypeVariant::UNCOMPRESSED => Ok("vcf".to_string()),
            CompressionTypeVariant::GZIP => Ok("vcf.gz".to_string()),
            other => Err(DataFusionError::Configuration(format!(
                "VCF files are plain, gzip or BGZF, not {other}"
            ))),
        }
    }

    fn compression_type(&self) -> Option<FileCompressionType> {
        self.compression
    }

    async fn infer_schema(
        &self,
        _state: &dyn Session,
        _store: &Arc<dyn ObjectStore>,
        objects: &[ObjectMeta],
    ) -> DfResult<SchemaRef> {
        let mut inferred: Option<(std::path::PathBuf, SchemaRef)> = None;
        for object in objects {
            let path = local_path(&object.location)?;
            if is_index_file(&path) {
                continue;
            }
            let header =
                genolake_vcf::read_header(&path, self.options.stringency).map_err(Error::from)?;
            let schema =
                genolake_vcf::schema(&header, &self.options).map_err(|e| Error::input(&path, e))?;
            match &inferred {
                None => inferred = Some((path, schema)),
                Some((first, expected)) if expected.fields() != schema.fields() => {
                    return Err(Error::input(
                        &path,
                        format!(
                            "its header gives other columns than that of {}; a table's files must share INFO and FORMAT definitions",
                            first.display()
                        ),
                    )
                    .into());
                }
                Some(_) => {}
            }
        }
        inferred
            .map(|(_, schema)| schema)
            .ok_or_else(|| DataFusionError::Plan("no VCF file to infer a schema from".into()))
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
        Arc::new(VcfSource::new(table_schema, self.options.clone()))
    }
}

/// Makes [`VcfFormat`]s from `OPTIONS` of `CREATE EXTERNAL TABLE ... STORED
/// AS VCF`, under Glow's option names (see [`crate::options`]), plus
/// `compression` (`gzip` to list `*.vcf.gz` files of a directory).
///
/// Keys of other namespaces (`aws.*`, ...) are left to DataFusion; an unknown
/// format option is an error naming the options known.
#[derive(Debug, Default)]
pub struct VcfFormatFactory {
    options: Option<ReaderOptions>,
}

impl VcfFormatFactory {
    /// A factory whose formats start from `options` before `OPTIONS` apply.
    pub fn with_options(options: ReaderOptions) -> Self {
        Self {
            options: Some(options),
        }
    }
}

impl FileFormatFactory for VcfFormatFactory {
    fn create(
        &self,
        _state: &dyn Session,
        format_options: &HashMap<String, String>,
    ) -> DfResult<Arc<dyn FileFormat>> {
        let mut options = self.options.clone().unwrap_or_default();
        let mut compression = None;
        // Sorted so that errors do not depend on hash order.
        let mut pairs: Vec<_> = format_options.iter().collect();
        pairs.sort();
        for (key, value) in pairs {
            let in_format_namespace =
                key.to_ascii_lowercase().starts_with("format.") || !key.contains('.');
            if !in_format_namespace {
                continue;
            }
            if normalize_key(key) == "compression" {
                compression = Some(value.parse::<CompressionTypeVariant>()?.into());
                continue;
            }
            apply_vcf_option(&mut options, key, value)?;
        }
        let mut format = VcfFormat::new(options);
        if let Some(compression) = compression {
            format = format.with_compression(compression);
        }
        Ok(Arc::new(format))
    }

    fn default(&self) -> Arc<dyn FileFormat> {
        Arc::new(VcfFormat::new(self.options.clone().unwrap_or_default()))
    }
}

impl GetExt for VcfFormatFactory {
    fn get_ext(&self) -> String {
        "vcf".to_string()
    }
}
