//! [`VcfSource`]: the VCF [`FileSource`] of a DataFusion file scan.

use std::fmt;
use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{
    FileGroup, FileGroupPartitioner, FileOpener, FileScanConfig, FileSource,
};
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
use genolake_vcf::{Compression, ReaderOptions};

use super::files::{HeaderCache, local_path};
use super::opener::VcfOpener;
use crate::regions::{Constraint, DisplayRegions, from_physical_expr, merge_regions};

/// Reads VCF files (plain, gzip or BGZF) for a DataFusion `DataSourceExec`.
///
/// A `VcfSource` sits in a [`FileScanConfig`], so a scan is an ordinary
/// DataFusion file scan: DataFusion splits files into byte ranges across
/// `target_partitions` (through [`FileSource::repartitioned`], which keeps a
/// plain-gzip file whole because it cannot be entered mid-stream), pushes
/// projections and filters into it, and the plan stays a tree of plain values
/// that can be sent elsewhere.
///
/// Filters on `contigName`, `start` and `end` become [`Region`]s handed to
/// the reader, which then reads only the index chunks that hold them. They
/// are reported back as not pushed down (`Inexact`), so DataFusion still
/// applies them row by row.
#[derive(Clone)]
pub struct VcfSource {
    table_schema: TableSchema,
    options: ReaderOptions,
    pushdown: Constraint,
    projection: SplitProjection,
    metrics: ExecutionPlanMetricsSet,
    batch_size: Option<usize>,
    progress: Option<Arc<Progress>>,
    headers: HeaderCache,
}

impl VcfSource {
    /// A source of the given table schema read with `options`.
    pub fn new(table_schema: impl Into<TableSchema>, options: ReaderOptions) -> Self {
        let table_schema = table_schema.into();
        Self {
            projection: SplitProjection::unprojected(&table_schema),
            table_schema,
            options,
            pushdown: Constraint::Any,
            metrics: ExecutionPlanMetricsSet::new(),
            batch_size: None,
            progress: None,
            headers: HeaderCache::default(),
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

    pub(crate) fn with_headers(mut self, headers: HeaderCache) -> Self {
        self.headers = headers;
        self
    }

    /// The reader options (regions given by the user included).
    pub fn options(&self) -> &ReaderOptions {
        &self.options
    }

    /// The regions the reader is given: the user's `region` option when set,
    /// otherwise those derived from pushed-down filters. `None` reads every
    /// record; `Some` of an empty list reads none.
    pub fn regions(&self) -> Option<Vec<Region>> {
        if !self.options.regions.is_empty() {
            return Some(merge_regions(self.options.regions.clone()));
        }
        self.pushdown.regions()
    }
}

impl From<VcfSource> for Arc<dyn FileSource> {
    fn from(source: VcfSource) -> Self {
        Arc::new(source)
    }
}

impl fmt::Debug for VcfSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VcfSource")
            .field("options", &self.options)
            .field("regions", &self.regions())
            .finish_non_exhaustive()
    }
}

/// Whether a file can be cut into byte ranges (anything but plain gzip).
fn is_splittable(file: &PartitionedFile) -> bool {
    file.range.is_none()
        && local_path(&file.object_meta.location)
            .ok()
            .and_then(|path| genolake_vcf::reader::detect_compression(&path).ok())
            .is_some_and(|c| c != Compression::Gzip)
}

impl FileSource for VcfSource {
    fn create_file_opener(
        &self,
        _object_store: Arc<dyn ObjectStore>,
        base_config: &FileScanConfig,
        _partition: usize,
    ) -> DfResult<Arc<dyn FileOpener>> {
        let url = base_config.object_store_url.as_str();
        if !url.starts_with("file://") {
            return Err(DataFusionError::NotImplemented(format!(
                "VCF files are read from the local file system only, not from {url}"
            )));
        }
        let mut options = self.options.clone();
        let regions = self.regions();
        let read_nothing = regions.as_ref().is_some_and(Vec::is_empty);
        options.regions = regions.unwrap_or_default();
        let opener = Arc::new(VcfOpener {
            options,
            read_nothing,
            file_schema: Arc::clone(self.table_schema.file_schema()),
            file_indices: self.projection.file_indices.clone(),
            headers: self.headers.clone(),
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
        "vcf"
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
        output_ordering: Option<LexOrdering>,
        config: &FileScanConfig,
    ) -> DfResult<Option<FileScanConfig>> {
        if target_partitions <= 1 {
            return Ok(None);
        }
        let (splittable, whole): (Vec<PartitionedFile>, Vec<PartitionedFile>) = config
            .file_groups
            .iter()
            .flat_map(|group| group.iter().cloned())
            .partition(is_splittable);
        let mut groups = Vec::new();
        let mut changed = false;
        if !splittable.is_empty() {
            let input = [FileGroup::new(splittable.clone())];
            match FileGroupPartitioner::new()
                .with_target_partitions(target_partitions)
                .with_repartition_file_min_size(repartition_file_min_size)
                .with_preserve_order_within_groups(output_ordering.is_some())
                .repartition_file_groups(&input)
            {
                Some(split) => {
                    changed = true;
                    groups.extend(split);
                }
                None => groups.extend(splittable.into_iter().map(|f| FileGroup::new(vec![f]))),
            }
        }
        // Whole files (plain gzip, or ranges cut already) are spread over
        // the partitions as they are.
        if !whole.is_empty() {
            let n = whole.len().min(target_partitions);
            let mut spread: Vec<Vec<PartitionedFile>> = vec![Vec::new(); n];
            for (i, file) in whole.into_iter().enumerate() {
                spread[i % n].push(file);
            }
            groups.extend(spread.into_iter().map(FileGroup::new));
        }
        if !changed && groups.len() <= config.file_groups.len() {
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
