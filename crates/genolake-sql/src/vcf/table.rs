//! [`VcfTable`]: one or more VCF files as a DataFusion table.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::Result as DfResult;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use genolake_core::Progress;
use genolake_vcf::ReaderOptions;

use super::files::{HeaderCache, VcfFile, expand_paths};
use super::source::VcfSource;
use crate::error::{Error, Result};
use crate::regions::{Constraint, from_expr};

/// VCF files read as one table, in Glow's schema.
///
/// This is what `read_vcf(...)` returns, and what ingest code scans to stream
/// VCF into a Delta table: the scan is a DataFusion file scan over
/// [`VcfSource`], split by byte ranges across the session's
/// `target_partitions`, reading batch by batch in bounded memory.
///
/// Filters on `contigName` (`=`, `IN`), `start` and `end` (`<`, `<=`, `>`,
/// `>=`, `=`, `BETWEEN`, combined with `AND`/`OR`) are accepted as
/// [`Inexact`](TableProviderFilterPushDown::Inexact): they become regions the
/// reader reads (only the indexed blocks that hold them, when a `.tbi` or
/// `.csi` sits beside a BGZF file), and DataFusion applies them again to the
/// rows. A `region` reader option, when given, takes precedence over them.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use genolake_sql::VcfTable;
///
/// let ctx = genolake_sql::session();
/// let table = VcfTable::try_new(&["tests/data/VCFv4.3.vcf"], Default::default())?;
/// ctx.register_table("calls", Arc::new(table))?;
/// let batches = ctx.sql("SELECT count(*) FROM calls WHERE contigName = '20'").await?.collect().await?;
/// assert_eq!(batches[0].num_rows(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct VcfTable {
    files: Vec<VcfFile>,
    schema: SchemaRef,
    options: ReaderOptions,
    progress: Option<Arc<Progress>>,
    headers: HeaderCache,
}

impl VcfTable {
    /// A table over `paths`: files, directories (their `*.vcf`, `*.vcf.gz`,
    /// `*.vcf.bgz` files) or a last component with `*`/`?` wildcards. Every
    /// header is read now; they must give the same columns.
    pub fn try_new(paths: &[impl AsRef<Path>], options: ReaderOptions) -> Result<Self> {
        let paths: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
        let files = expand_paths(&paths)?;
        let headers = HeaderCache::default();
        let mut schema: Option<SchemaRef> = None;
        for file in &files {
            let header = headers.get(&file.path, options.stringency)?;
            let this =
                genolake_vcf::schema(&header, &options).map_err(|e| Error::input(&file.path, e))?;
            match &schema {
                None => schema = Some(this),
                Some(first) if first.fields() != this.fields() => {
                    return Err(Error::input(
                        &file.path,
                        format!(
                            "its header gives other columns than that of {}; a table's files must share INFO and FORMAT definitions",
                            files[0].path.display()
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        let schema =
            schema.ok_or_else(|| Error::Usage("a VCF table needs at least one file".into()))?;
        Ok(Self {
            files,
            schema,
            options,
            progress: None,
            headers,
        })
    }

    /// Adds bytes, records and skipped records of every scan to `progress`.
    pub fn with_progress(mut self, progress: Arc<Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The files read, in order (absolute paths).
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    /// The reader options.
    pub fn options(&self) -> &ReaderOptions {
        &self.options
    }

    /// The source a scan with `pushdown` reads through.
    fn source(&self, pushdown: Constraint) -> VcfSource {
        let mut source = VcfSource::new(
            TableSchema::from(Arc::clone(&self.schema)),
            self.options.clone(),
        )
        .with_pushdown(pushdown)
        .with_headers(self.headers.clone());
        if let Some(progress) = &self.progress {
            source = source.with_progress(Arc::clone(progress));
        }
        source
    }
}

#[async_trait]
impl TableProvider for VcfTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|filter| {
                if from_expr(filter).is_any() {
                    TableProviderFilterPushDown::Unsupported
                } else {
                    TableProviderFilterPushDown::Inexact
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let pushdown = filters
            .iter()
            .map(from_expr)
            .fold(Constraint::Any, Constraint::and);
        // Whole files spread over the partitions; DataFusion then cuts the
        // splittable ones into byte ranges (see `VcfSource::repartitioned`).
        let target = state.config_options().execution.target_partitions.max(1);
        let n = self.files.len().min(target).max(1);
        let mut groups: Vec<Vec<PartitionedFile>> = vec![Vec::new(); n];
        for (i, file) in self.files.iter().enumerate() {
            groups[i % n].push(PartitionedFile::new(file.location(), file.size));
        }
        let config = FileScanConfigBuilder::new(
            ObjectStoreUrl::local_filesystem(),
            Arc::new(self.source(pushdown)),
        )
        .with_file_groups(groups.into_iter().map(FileGroup::new).collect())
        .with_projection_indices(projection.cloned())?
        .with_limit(limit)
        .build();
        Ok(DataSourceExec::from_data_source(config))
    }
}

/// A table over VCF `paths` read with `options`, counting into `progress`:
/// the entry point for ingest code, which scans it into a Delta table
/// without collecting rows in memory.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use genolake_core::Progress;
///
/// let progress = Arc::new(Progress::default());
/// let table = genolake_sql::vcf_table(
///     &["tests/data/VCFv4.3.vcf".into()],
///     Default::default(),
///     Some(Arc::clone(&progress)),
/// )?;
/// let ctx = genolake_sql::session();
/// let rows = ctx.read_table(table)?.count().await?;
/// assert_eq!((rows, progress.records()), (5, 5));
/// # Ok(()) }
/// ```
pub fn vcf_table(
    paths: &[PathBuf],
    options: ReaderOptions,
    progress: Option<Arc<Progress>>,
) -> Result<Arc<dyn TableProvider>> {
    let mut table = VcfTable::try_new(paths, options)?;
    if let Some(progress) = progress {
        table = table.with_progress(progress);
    }
    Ok(Arc::new(table))
}
