//! [`GenomicsTable`]: one or more files of one genomics format as a DataFusion table.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::FileScanConfigBuilder;
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::Result as DfResult;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use genolake_core::Progress;
use genolake_core::merge::SchemaMerge;
use genolake_vcf::ReaderOptions;

use super::files::{InputFile, expand_paths};
use super::partitions;
use super::source::GenomicsSource;
use super::{FormatReader, SharedReader};
use crate::error::{Error, Result};
use crate::formats::VcfFormatReader;
use crate::regions::{Constraint, from_expr};

/// Files of one format (VCF, BGEN or PLINK) read as one table, in Glow's
/// schema for that format.
///
/// This is what `read_vcf(...)`, `read_bgen(...)` and `read_plink(...)`
/// return, and what ingest code scans to stream files into a Delta table:
/// the scan is a DataFusion file scan over [`GenomicsSource`], split by byte
/// ranges across the session's `target_partitions`, reading batch by batch
/// in bounded memory.
///
/// Filters on `contigName` (`=`, `IN`), `start` and `end` (`<`, `<=`, `>`,
/// `>=`, `=`, `BETWEEN`, combined with `AND`/`OR`) are accepted as
/// [`Inexact`](TableProviderFilterPushDown::Inexact): they become regions the
/// reader reads (only the indexed blocks that hold them, when a `.tbi` or
/// `.csi` sits beside a BGZF file or a `.bgi` beside a BGEN file; only the
/// matching `.bed` records of a PLINK fileset), and DataFusion applies them
/// again to the rows. A `region` reader option, when given, takes precedence
/// over them.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use genolake_sql::{GenomicsTable, VcfFormatReader};
///
/// let ctx = genolake_sql::session();
/// let reader = Arc::new(VcfFormatReader::new(Default::default()));
/// let table = GenomicsTable::try_new(&["tests/data/VCFv4.3.vcf"], reader)?;
/// ctx.register_table("calls", Arc::new(table))?;
/// let batches = ctx.sql("SELECT count(*) FROM calls WHERE contigName = '20'").await?.collect().await?;
/// assert_eq!(batches[0].num_rows(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct GenomicsTable {
    files: Vec<InputFile>,
    schema: SchemaRef,
    reader: SharedReader,
    progress: Option<Arc<Progress>>,
}

impl GenomicsTable {
    /// A table over `paths` read by `reader`: files (or PLINK prefixes),
    /// directories (their files of the format, by name) or a last component
    /// with `*`/`?` wildcards. Every file's schema is read now; the table
    /// has the union of their columns (see [`genolake_core::merge`]).
    pub fn try_new(paths: &[impl AsRef<Path>], reader: SharedReader) -> Result<Self> {
        let paths: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
        let files = expand_paths(&paths, reader.as_ref())?;
        let schema = common_schema(files.iter().map(|f| f.path.as_path()), reader.as_ref())?;
        Ok(Self {
            files,
            schema,
            reader,
            progress: None,
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

    /// The same files read by `reader` (of the same format, with other
    /// options): every file's schema is read again.
    pub fn with_reader(self, reader: SharedReader) -> Result<Self> {
        let schema = common_schema(self.files(), reader.as_ref())?;
        Ok(Self {
            schema,
            reader,
            ..self
        })
    }

    /// The format reader, with the options the user gave.
    pub fn reader(&self) -> &SharedReader {
        &self.reader
    }

    /// The source a scan with `pushdown` reads through.
    fn source(&self, pushdown: Constraint) -> GenomicsSource {
        let mut source = GenomicsSource::new(
            TableSchema::from(Arc::clone(&self.schema)),
            Arc::clone(&self.reader),
        )
        .with_pushdown(pushdown);
        if let Some(progress) = &self.progress {
            source = source.with_progress(Arc::clone(progress));
        }
        source
    }
}

#[async_trait]
impl TableProvider for GenomicsTable {
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
        // Whole files in consecutive stretches, one per partition, so the
        // partitions read one after another read the files in order;
        // DataFusion then cuts the splittable ones into byte ranges (see
        // `GenomicsSource::repartitioned`), keeping that order.
        let target = state.config_options().execution.target_partitions.max(1);
        let files: Vec<PartitionedFile> = self
            .files
            .iter()
            .map(|file| PartitionedFile::new(file.location(), file.size))
            .collect();
        let groups = partitions::in_order(&files, target, u64::MAX, |_| false);
        let config = FileScanConfigBuilder::new(
            ObjectStoreUrl::local_filesystem(),
            Arc::new(self.source(pushdown)),
        )
        .with_file_groups(groups)
        .with_projection_indices(projection.cloned())?
        .with_limit(limit)
        .build();
        Ok(DataSourceExec::from_data_source(config))
    }
}

/// The schema `files` are read with together: the union of their own (see
/// [`genolake_core::merge`]: files whose VCF headers declare different INFO
/// or FORMAT keys give a table with every column, null in the rows of files
/// without it), or an error naming the column, both types and both files
/// when one column has types that do not merge.
pub(crate) fn common_schema<'a>(
    files: impl IntoIterator<Item = &'a Path>,
    reader: &dyn FormatReader,
) -> Result<SchemaRef> {
    let mut merge = SchemaMerge::new();
    let mut any = false;
    for path in files {
        let schema = reader.schema(path)?;
        merge.add(&path.display().to_string(), &schema)?;
        any = true;
    }
    if !any {
        return Err(Error::Usage(format!(
            "a {} table needs at least one file",
            reader.format().display_name()
        )));
    }
    Ok(merge.schema())
}

/// A table over `paths` read by `reader`, counting into `progress`: the
/// entry point for ingest code, which scans it into a Delta table without
/// collecting rows in memory.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use genolake_core::Progress;
/// use genolake_sql::InputFormat;
///
/// let progress = Arc::new(Progress::default());
/// let reader = InputFormat::Vcf.reader(&[("includeSampleIds".into(), "false".into())])?;
/// let table = genolake_sql::genomics_table(
///     &["tests/data/VCFv4.3.vcf".into()],
///     reader,
///     Some(Arc::clone(&progress)),
/// )?;
/// let ctx = genolake_sql::session();
/// let rows = ctx.read_table(table)?.count().await?;
/// assert_eq!((rows, progress.records()), (5, 5));
/// # Ok(()) }
/// ```
pub fn genomics_table(
    paths: &[PathBuf],
    reader: SharedReader,
    progress: Option<Arc<Progress>>,
) -> Result<Arc<dyn TableProvider>> {
    let mut table = GenomicsTable::try_new(paths, reader)?;
    if let Some(progress) = progress {
        table = table.with_progress(progress);
    }
    Ok(Arc::new(table))
}

/// [`genomics_table`] over VCF files read with `options`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let table = genolake_sql::vcf_table(&["tests/data/VCFv4.3.vcf".into()], Default::default(), None)?;
/// let rows = genolake_sql::session().read_table(table)?.count().await?;
/// assert_eq!(rows, 5);
/// # Ok(()) }
/// ```
pub fn vcf_table(
    paths: &[PathBuf],
    options: ReaderOptions,
    progress: Option<Arc<Progress>>,
) -> Result<Arc<dyn TableProvider>> {
    genomics_table(paths, Arc::new(VcfFormatReader::new(options)), progress)
}
