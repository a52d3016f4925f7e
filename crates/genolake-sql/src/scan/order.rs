//! Rows in file order, however many partitions decode them.
//!
//! A scan's partitions are consecutive stretches of its files (see
//! [`super::partitions`]), so reading partition 0, then 1, and so on reads
//! the files in order, provided no partition takes over another's files at
//! run time (DataFusion's work stealing, off for scans that must keep
//! order). DataFusion's `CoalescePartitionsExec`, which merges
//! partitions wherever one stream is needed (the result of a query, a
//! `LIMIT`, the build side of a join), interleaves them as batches arrive
//! instead: a plain `SELECT ... FROM read_vcf(...)` came back in an order that
//! changed with the number of threads, and a `LIMIT 10` returned whichever
//! rows were decoded first.
//!
//! [`FileOrderExec`] merges partitions in partition order instead. Every
//! partition still runs at once; the ones behind the partition being
//! returned decode ahead until the batches they hold reach
//! [`LOOKAHEAD_BYTES`] in total, so memory stays bounded. Where the consumer
//! is at least as fast as one partition's decoding (a filter keeping few
//! rows, a projection of a few columns, both buffered small), the partitions
//! decode in parallel as before; where it is slower (printing every
//! genotype), the consumer sets the pace either way.
//!
//! [`KeepFileOrder`] (a physical optimizer rule of every session
//! [`SessionBuilder`](crate::SessionBuilder) makes) puts a `FileOrderExec`
//! wherever a `CoalescePartitionsExec` merges a genomics scan seen through
//! operators that keep each partition's order (projections, filters, limits,
//! `unnest`), and [`in_file_order_root`] does the same for a plan's result.
//! Anything that reorders rows (a join's probe side, an aggregation, a
//! hash repartition) makes order a matter for `ORDER BY`, as in any SQL
//! engine. Ingest does not go through here: it writes each partition with
//! its own writer.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use arrow::array::RecordBatch;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::execution_plan::CardinalityEffect;
use datafusion::physical_plan::metrics::{BaselineMetrics, ExecutionPlanMetricsSet, MetricsSet};
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::sorts::sort_preserving_merge::SortPreservingMergeExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::unnest::UnnestExec;
use datafusion::physical_plan::{
    ChildrenPropertiesMode, DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties,
    Partitioning, PlanProperties, ReplaceChildrenOptions, replace_children_if_necessary,
};
use futures::StreamExt;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;

use super::source::GenomicsSource;

/// How many bytes of batches the partitions behind the one being returned
/// may hold, together, before they wait.
pub const LOOKAHEAD_BYTES: usize = 256 << 20;

/// Merges the partitions of its input into one stream, partition 0's
/// batches first, then partition 1's, and so on (see the
/// [module](self)), stopping after `fetch` rows if given.
#[derive(Debug, Clone)]
pub struct FileOrderExec {
    input: Arc<dyn ExecutionPlan>,
    fetch: Option<usize>,
    properties: Arc<PlanProperties>,
    metrics: ExecutionPlanMetricsSet,
}

impl FileOrderExec {
    /// Merges the partitions of `input` in order.
    pub fn new(input: Arc<dyn ExecutionPlan>) -> Self {
        let mut equivalences = input.equivalence_properties().clone();
        // Each partition may be sorted; their concatenation need not be.
        equivalences.clear_orderings();
        equivalences.clear_per_partition_constants();
        let properties = PlanProperties::new(
            equivalences,
            Partitioning::UnknownPartitioning(1),
            input.pipeline_behavior(),
            input.boundedness(),
        );
        Self {
            input,
            fetch: None,
            properties: Arc::new(properties),
            metrics: ExecutionPlanMetricsSet::new(),
        }
    }

    /// Stops after `fetch` rows.
    pub fn with_fetch(mut self, fetch: Option<usize>) -> Self {
        self.fetch = fetch;
        self
    }
}

impl DisplayAs for FileOrderExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        match (t, self.fetch) {
            (DisplayFormatType::TreeRender, Some(fetch)) => write!(f, "limit: {fetch}"),
            (DisplayFormatType::TreeRender, None) => Ok(()),
            (_, Some(fetch)) => write!(f, "FileOrderExec: fetch={fetch}"),
            (_, None) => write!(f, "FileOrderExec"),
        }
    }
}

impl ExecutionPlan for FileOrderExec {
    fn name(&self) -> &str {
        "FileOrderExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
        options: ReplaceChildrenOptions,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let input = only_child(children, "FileOrderExec")?;
        Ok(Arc::new(match options.children_properties {
            ChildrenPropertiesMode::Keep => Self {
                input,
                metrics: ExecutionPlanMetricsSet::new(),
                ..Self::clone(&self)
            },
            ChildrenPropertiesMode::Recompute => Self::new(input).with_fetch(self.fetch),
        }))
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!(
                "FileOrderExec has one partition, not {partition}"
            )));
        }
        let budget = Arc::new(Budget::default());
        let mut tasks = JoinSet::new();
        let mut partitions = VecDeque::new();
        for i in 0..self.input.output_partitioning().partition_count() {
            let stream = self.input.execute(i, Arc::clone(&context))?;
            let (tx, rx) = mpsc::unbounded_channel();
            tasks.spawn(feed(i, stream, tx, Arc::clone(&budget)));
            partitions.push_back(rx);
        }
        let state = Output {
            partitions,
            head: 0,
            budget,
            remaining: self.fetch,
            metrics: BaselineMetrics::new(&self.metrics, partition),
            _tasks: tasks,
        };
        let stream = futures::stream::unfold(state, |mut state| async move {
            state.next().await.map(|item| (item, state))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema(),
            stream,
        )))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }

    fn supports_limit_pushdown(&self) -> bool {
        true
    }

    fn fetch(&self) -> Option<usize> {
        self.fetch
    }

    fn with_fetch(&self, fetch: Option<usize>) -> Option<Arc<dyn ExecutionPlan>> {
        Some(Arc::new(self.clone().with_fetch(fetch)))
    }

    fn cardinality_effect(&self) -> CardinalityEffect {
        CardinalityEffect::Equal
    }
}

/// The one child of a plan node that takes one (`name` says which node).
pub(crate) fn only_child(
    mut children: Vec<Arc<dyn ExecutionPlan>>,
    name: &str,
) -> DfResult<Arc<dyn ExecutionPlan>> {
    if children.len() != 1 {
        return Err(DataFusionError::Internal(format!(
            "{name} takes one child, not {}",
            children.len()
        )));
    }
    Ok(children.swap_remove(0))
}

/// The batches the partitions behind the head hold, in bytes, and which
/// partition is the head.
#[derive(Default)]
struct Budget {
    state: Mutex<BudgetState>,
    changed: Notify,
}

#[derive(Default)]
struct BudgetState {
    head: usize,
    held: usize,
}

impl Budget {
    fn lock(&self) -> MutexGuard<'_, BudgetState> {
        // The state stays consistent whatever panicked while holding it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until partition `partition` may hold `bytes` more: at once for
    /// the head (which must never wait on the others, or nothing would
    /// move), when nothing is held (a batch larger than the whole budget
    /// still passes), or when it fits in the budget.
    async fn reserve(&self, partition: usize, bytes: usize) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut state = self.lock();
                if partition <= state.head
                    || state.held == 0
                    || state.held + bytes <= LOOKAHEAD_BYTES
                {
                    state.held += bytes;
                    return;
                }
            }
            changed.await;
        }
    }

    fn release(&self, bytes: usize) {
        let mut state = self.lock();
        state.held = state.held.saturating_sub(bytes);
        drop(state);
        self.changed.notify_waiters();
    }

    fn advance(&self, head: usize) {
        self.lock().head = head;
        self.changed.notify_waiters();
    }
}

type Item = (DfResult<RecordBatch>, usize);

/// Sends partition `partition`'s batches, each once the budget allows.
async fn feed(
    partition: usize,
    mut stream: SendableRecordBatchStream,
    tx: mpsc::UnboundedSender<Item>,
    budget: Arc<Budget>,
) {
    while let Some(item) = stream.next().await {
        let bytes = item.as_ref().map_or(0, RecordBatch::get_array_memory_size);
        budget.reserve(partition, bytes).await;
        let failed = item.is_err();
        if tx.send((item, bytes)).is_err() || failed {
            // The output was dropped, or this partition failed.
            return;
        }
    }
}

/// The merged stream's state.
struct Output {
    /// The receivers of the partitions not finished yet, the head first.
    partitions: VecDeque<mpsc::UnboundedReceiver<Item>>,
    head: usize,
    budget: Arc<Budget>,
    remaining: Option<usize>,
    metrics: BaselineMetrics,
    /// Dropping the output aborts the partitions' tasks.
    _tasks: JoinSet<()>,
}

impl Output {
    async fn next(&mut self) -> Option<DfResult<RecordBatch>> {
        if self.remaining == Some(0) {
            return None;
        }
        loop {
            let received = self.partitions.front_mut()?.recv().await;
            let Some((item, bytes)) = received else {
                self.partitions.pop_front();
                self.head += 1;
                self.budget.advance(self.head);
                continue;
            };
            self.budget.release(bytes);
            let batch = match item {
                Ok(batch) => batch,
                Err(e) => {
                    // The first error in file order ends the output.
                    self.partitions.clear();
                    return Some(Err(e));
                }
            };
            let batch = match &mut self.remaining {
                Some(remaining) => {
                    let batch = batch.slice(0, batch.num_rows().min(*remaining));
                    *remaining -= batch.num_rows();
                    batch
                }
                None => batch,
            };
            self.metrics.record_output(batch.num_rows());
            return Some(Ok(batch));
        }
    }
}

/// Puts a [`FileOrderExec`] in place of every `CoalescePartitionsExec` that
/// merges a genomics scan seen through order-keeping operators (see the
/// [module](self)).
#[derive(Debug, Default)]
pub struct KeepFileOrder;

impl PhysicalOptimizerRule for KeepFileOrder {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(coalesce) = node.downcast_ref::<CoalescePartitionsExec>() else {
                return Ok(Transformed::no(node));
            };
            match in_file_order(coalesce.input())? {
                Some(input) => Ok(Transformed::yes(Arc::new(
                    FileOrderExec::new(input).with_fetch(coalesce.fetch()),
                )
                    as Arc<dyn ExecutionPlan>)),
                None => Ok(Transformed::no(node)),
            }
        })
        .map(|transformed| transformed.data)
    }

    fn name(&self) -> &str {
        "keep_file_order"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// `plan` with its partitions merged in file order when its rows come from
/// a genomics scan through order-keeping operators; otherwise `plan`
/// unchanged. For the result of a query, whose partitions DataFusion would
/// otherwise merge as batches arrive.
pub fn in_file_order_root(plan: Arc<dyn ExecutionPlan>) -> DfResult<Arc<dyn ExecutionPlan>> {
    if plan.output_partitioning().partition_count() <= 1 {
        return Ok(plan);
    }
    Ok(match in_file_order(&plan)? {
        Some(input) => Arc::new(FileOrderExec::new(input)),
        None => plan,
    })
}

/// `plan` rewritten so that its partitions, read one after another, give
/// its rows in file order, if they can: `plan` is a genomics scan (told to
/// keep each partition's files to itself), or operators that keep each
/// partition's order over one. A round-robin
/// repartition (which DataFusion adds above a scan with fewer partitions
/// than the session's) deals batches out as they come, so it is removed:
/// the operators above it then run on the scan's partitions. `None` when an
/// operator reorders rows.
pub(crate) fn in_file_order(
    plan: &Arc<dyn ExecutionPlan>,
) -> DfResult<Option<Arc<dyn ExecutionPlan>>> {
    if is_genomics_scan(plan) {
        // DataFusion lets an idle partition take files (or byte ranges) from
        // its siblings at run time unless the scan must keep order.
        return Ok(Some(
            plan.with_preserve_order(true)
                .unwrap_or_else(|| Arc::clone(plan)),
        ));
    }
    let children = plan.children();
    let [child] = children.as_slice() else {
        return Ok(None);
    };
    if let Some(repartition) = plan.downcast_ref::<RepartitionExec>() {
        let round_robin = matches!(repartition.partitioning(), Partitioning::RoundRobinBatch(_));
        return if round_robin && !repartition.preserve_order() {
            in_file_order(child)
        } else {
            Ok(None)
        };
    }
    let merges = plan.downcast_ref::<CoalescePartitionsExec>().is_some()
        || plan.downcast_ref::<SortPreservingMergeExec>().is_some()
        || plan.downcast_ref::<FileOrderExec>().is_some();
    // DataFusion's `maintains_input_order` speaks of sort orders; unnest
    // says no (an unnested column is not sorted) but emits each row's
    // values in the row's place, which is the order that matters here.
    let keeps_order = (plan
        .maintains_input_order()
        .first()
        .copied()
        .unwrap_or(false)
        || plan.downcast_ref::<UnnestExec>().is_some())
        && plan.output_partitioning().partition_count()
            == child.output_partitioning().partition_count();
    if merges || !keeps_order {
        return Ok(None);
    }
    match in_file_order(child)? {
        None => Ok(None),
        Some(same) if Arc::ptr_eq(&same, child) => Ok(Some(Arc::clone(plan))),
        Some(rewritten) => Ok(Some(replace_children_if_necessary(
            Arc::clone(plan),
            vec![rewritten],
        )?)),
    }
}

/// Whether `plan` scans genomics files (whose partitions follow file order).
fn is_genomics_scan(plan: &Arc<dyn ExecutionPlan>) -> bool {
    plan.downcast_ref::<DataSourceExec>()
        .and_then(|exec| exec.data_source().downcast_ref::<FileScanConfig>())
        .is_some_and(|config| {
            config
                .file_source()
                .downcast_ref::<GenomicsSource>()
                .is_some()
        })
}
