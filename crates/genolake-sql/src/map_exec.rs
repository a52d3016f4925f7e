//! A table whose rows are another's mapped partition by partition, and its
//! plan node: what the transform and pipe table functions return.

use std::fmt;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::Result as DfResult;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    ChildrenPropertiesMode, DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties,
    PlanProperties, ReplaceChildrenOptions,
};
use futures::StreamExt;
use futures::stream::BoxStream;

use crate::scan::only_child;

/// What a [`MapExec`] does to one partition of its input.
pub(crate) trait PartitionMap: fmt::Debug + Send + Sync + 'static {
    /// The plan node's name, for `EXPLAIN`.
    fn name(&self) -> &'static str;
    /// A line saying what it runs, for `EXPLAIN`.
    fn describe(&self) -> String;
    /// The columns of the batches it returns.
    fn schema(&self) -> SchemaRef;
    /// The batches of partition `partition`, made from `input`'s.
    fn map(
        &self,
        partition: usize,
        input: SendableRecordBatchStream,
    ) -> DfResult<BoxStream<'static, DfResult<RecordBatch>>>;
}

/// A table whose rows are `input`'s through a [`PartitionMap`]. Filters
/// and limits are not pushed below the map: it changes the rows they would
/// test.
#[derive(Debug)]
pub(crate) struct MapTable {
    input: Arc<dyn TableProvider>,
    map: Arc<dyn PartitionMap>,
}

impl MapTable {
    pub(crate) fn new(input: Arc<dyn TableProvider>, map: Arc<dyn PartitionMap>) -> Self {
        Self { input, map }
    }
}

#[async_trait]
impl TableProvider for MapTable {
    fn schema(&self) -> SchemaRef {
        self.map.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        // Every input column: the map reads some and carries the others;
        // the projection is applied after it.
        let input = self.input.scan(state, None, &[], None).await?;
        Ok(Arc::new(MapExec::new(
            input,
            Arc::clone(&self.map),
            projection.cloned(),
        )?))
    }
}

/// Each partition of `input` through a [`PartitionMap`], then projected;
/// partitioning follows the input's.
#[derive(Debug, Clone)]
pub(crate) struct MapExec {
    input: Arc<dyn ExecutionPlan>,
    map: Arc<dyn PartitionMap>,
    projection: Option<Vec<usize>>,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
}

impl MapExec {
    pub(crate) fn new(
        input: Arc<dyn ExecutionPlan>,
        map: Arc<dyn PartitionMap>,
        projection: Option<Vec<usize>>,
    ) -> DfResult<Self> {
        let full = map.schema();
        let schema = match &projection {
            Some(columns) => Arc::new(full.project(columns)?),
            None => full,
        };
        let properties = PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&schema)),
            input.output_partitioning().clone(),
            input.pipeline_behavior(),
            input.boundedness(),
        );
        Ok(Self {
            input,
            map,
            projection,
            schema,
            properties: Arc::new(properties),
        })
    }
}

impl DisplayAs for MapExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}", self.map.name(), self.map.describe())
    }
}

impl ExecutionPlan for MapExec {
    fn name(&self) -> &str {
        self.map.name()
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
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
        let input = only_child(children, self.map.name())?;
        Ok(Arc::new(match options.children_properties {
            ChildrenPropertiesMode::Keep => Self {
                input,
                ..Self::clone(&self)
            },
            ChildrenPropertiesMode::Recompute => {
                Self::new(input, Arc::clone(&self.map), self.projection.clone())?
            }
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
        let input = self.input.execute(partition, context)?;
        let batches = self.map.map(partition, input)?;
        let projection = self.projection.clone();
        let projected = batches.map(move |batch| match &projection {
            Some(columns) => Ok(batch?.project(columns)?),
            None => batch,
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.schema),
            projected,
        )))
    }
}
