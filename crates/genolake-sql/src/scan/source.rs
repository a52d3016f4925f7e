//! [`GenomicsSource`]: the [`FileSource`] of a DataFusion scan of genomics files.

use std::fmt;
use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileOpener, FileScanConfig, FileSource};
use datafusion::datasource::projection::{ProjectionOpener, SplitProjection};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::object_store::ObjectStore;
use datafusion::physical_expr::{LexOrdering, PhysicalExpr};
use datafusion::physical_plan::DisplayFormatType;
use datafusion::physical_plan::filter_pushdown::{FilterPushdownPropagation, PushedDown};
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion::physical_plan::projection::ProjectionExprs;
use genolake_core::{Progress, Region};

use super::SharedReader;
use super::files::local_path;
use super::opener::GenomicsOpener;
use super::partitions;
use crate::regions::{Constraint, DisplayRegions, from_physical_expr, merge_regions};

/// Reads genomics files (VCF, BGEN, PLINK: whatever its
/// [`FormatReader`](super::FormatReader) reads) for a DataFusion
/// `DataSourceExec`.
///
/// A `GenomicsSource` sits in a [`FileScanConfig`], so a scan is an ordinary
/// DataFusion file scan: DataFusion splits files into byte ranges across
/// `target_partitions` (through [`FileSource::repartitioned`], which keeps a
/// plain-gzip VCF whole because it cannot be entered mid-stream), pushes
/// projections and filters into it, and the plan stays a tree of plain values
/// that can be sent elsewhere.
///
/// Filters on `contigName`, `start` and `end` become [`Region`]s handed to
/// the reader, which then reads only the index chunks that hold them. They
/// are reported back as not pushed down (`Inexact`), so DataFusion still
/// applies them row by row.
#[derive(Clone)]
pub struct GenomicsSource {
    table_schema: TableSchema,
    reader: SharedReader,
    pushdown: Constraint,
    projection: SplitProjection,
    metrics: ExecutionPlanMetricsSet,
    batch_size: Option<usize>,
    progress: Option<Arc<Progress>>,
}

impl GenomicsSource {
    /// A source of the given table schema read by `reader`.
    pub fn new(table_schema: impl Into<TableSchema>, reader: SharedReader) -> Self {
        let table_schema = table_schema.into();
        Self {
            projection: SplitProjection::unprojected(&table_schema),
            table_schema,
            reader,
            pushdown: Constraint::Any,
            metrics: ExecutionPlanMetricsSet::new(),
            batch_size: None,
            progress: None,
        }
    }

    /// Adds bytes, records and skipped records of every split to `progress`.
    pub fn with_progress(mut self, progress: Arc<Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    pub(crate) fn with_pushdown(mut self, pushdown: Constraint) -> Self {
        self.pushdown = pushdown;
        self
    }

    /// The format reader, with the options the user gave.
    pub fn reader(&self) -> &SharedReader {
        &self.reader
    }

    /// The regions the reader is given: the user's `region` option when set,
    /// otherwise those derived from pushed-down filters. `None` reads every
    /// record; `Some` of an empty list reads none.
    pub fn regions(&self) -> Option<Vec<Region>> {
        let given = self.reader.regions();
        if !given.is_empty() {
            return Some(merge_regions(given.to_vec()));
        }
        self.pushdown.regions()
    }
}

impl From<GenomicsSource> for Arc<dyn FileSource> {
    fn from(source: GenomicsSource) -> Self {
        Arc::new(source)
    }
}

impl fmt::Debug for GenomicsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenomicsSource")
            .field("reader", &self.reader)
            .field("regions", &self.regions())
            .finish_non_exhaustive()
    }
}

impl GenomicsSource {
    /// Whether a file can be cut into byte ranges (not a range already, and
    /// not plain gzip).
    fn is_splittable(&self, file: &PartitionedFile) -> bool {
        file.range.is_none()
            && local_path(&file.object_meta.location)
                .is_ok_and(|path| self.reader.splittable(&path))
    }
}

impl FileSource for GenomicsSource {
    fn create_file_opener(
        &self,
        _object_store: Arc<dyn ObjectStore>,
        base_config: &FileScanConfig,
        _partition: usize,
    ) -> DfResult<Arc<dyn FileOpener>> {
        let url = base_config.object_store_url.as_str();
        if !url.starts_with("file://") {
            return Err(DataFusionError::NotImplemented(format!(
                "{} files are read from the local file system only, not from {url}",
                self.reader.format().display_name()
            )));
        }
        let regions = self.regions();
        let read_nothing = regions.as_ref().is_some_and(Vec::is_empty);
        let opener = Arc::new(GenomicsOpener {
            reader: Arc::clone(&self.reader),
            regions: regions.unwrap_or_default(),
            read_nothing,
            file_schema: Arc::clone(self.table_schema.file_schema()),
            file_indices: self.projection.file_indices.clone(),
            progress: self.progress.clone(),
        });
        ProjectionOpener::try_new(
            self.projection.clone(),
            opener,
            self.table_schema.file_schema(),
        )
    }

    fn table_schema(&self) -> &TableSchema {
        &self.table_schema
    }

    fn with_batch_size(&self, batch_size: usize) -> Arc<dyn FileSource> {
        // The reader sizes its batches by genotypes per batch unless the
        // user set `batchSize`; DataFusion's batch size is only remembered.
        let mut source = self.clone();
        source.batch_size = Some(batch_size);
        Arc::new(source)
    }

    fn projection(&self) -> Option<&ProjectionExprs> {
        Some(&self.projection.source)
    }

    fn try_pushdown_projection(
        &self,
        projection: &ProjectionExprs,
    ) -> DfResult<Option<Arc<dyn FileSource>>> {
        let mut source = self.clone();
        let merged = self.projection.source.try_merge(projection)?;
        source.projection = SplitProjection::new(self.table_schema.file_schema(), &merged);
        Ok(Some(Arc::new(source)))
    }

    fn metrics(&self) -> &ExecutionPlanMetricsSet {
        &self.metrics
    }

    fn file_type(&self) -> &str {
        self.reader.format().name()
    }

    fn fmt_extra(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let Some(regions) = self.regions() else {
            return Ok(());
        };
        match t {
            DisplayFormatType::TreeRender => writeln!(f, "regions={}", DisplayRegions(&regions)),
            _ => write!(f, ", regions={}", DisplayRegions(&regions)),
        }
    }

    fn repartitioned(
        &self,
        target_partitions: usize,
        repartition_file_min_size: usize,
        _output_ordering: Option<LexOrdering>,
        config: &FileScanConfig,
    ) -> DfResult<Option<FileScanConfig>> {
        if target_partitions <= 1 {
            return Ok(None);
        }
        // Cut in file order (see `partitions`), so the partitions read one
        // after another read the files in order; files that cannot be
        // entered mid-stream (plain gzip VCF, or ranges cut already) stay
        // whole, in their place.
        let files: Vec<PartitionedFile> = config
            .file_groups
            .iter()
            .flat_map(|group| group.iter().cloned())
            .collect();
        let groups = partitions::in_order(
            &files,
            target_partitions,
            repartition_file_min_size as u64,
            |file| self.is_splittable(file),
        );
        let pieces = |group: &FileGroup| -> Vec<(String, (u64, u64))> {
            group
                .iter()
                .map(|f| (f.object_meta.location.to_string(), f.range()))
                .collect()
        };
        let unchanged = groups.len() == config.file_groups.len()
            && groups
                .iter()
                .zip(&config.file_groups)
                .all(|(a, b)| pieces(a) == pieces(b));
        if unchanged {
            return Ok(None);
        }
        let mut config = config.clone();
        config.file_groups = groups;
        Ok(Some(config))
    }

    fn try_pushdown_filters(
        &self,
        filters: Vec<Arc<dyn PhysicalExpr>>,
        _config: &ConfigOptions,
    ) -> DfResult<FilterPushdownPropagation<Arc<dyn FileSource>>> {
        // Filters stay with DataFusion (the regions are a superset of what
        // they keep); the source only learns which regions to read.
        let result = FilterPushdownPropagation::with_parent_pushdown_result(vec![
            PushedDown::No;
            filters.len()
        ]);
        let constraint = filters
            .iter()
            .map(from_physical_expr)
            .fold(Constraint::Any, Constraint::and);
        if constraint.is_any() {
            return Ok(result);
        }
        let pushdown = self.pushdown.clone().and(constraint);
        if pushdown == self.pushdown {
            return Ok(result);
        }
        let mut source = self.clone();
        source.pushdown = pushdown;
        Ok(result.with_updated_node(Arc::new(source) as Arc<dyn FileSource>))
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        datafusion::physical_plan::apply_expression_roots(self.projection.source.iter(), f)
    }
}
