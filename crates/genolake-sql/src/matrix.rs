//! Matrix tables read back: in Glow's schema, or one row per variant and
//! sample.
//!
//! A Delta table ingested with `--layout matrix` (see
//! [`genolake_core::matrix`]) stores its genotypes as per-variant arrays
//! and its sample ids once, in its configuration. [`MatrixTable`] wraps
//! delta-rs's provider of such a table and presents it as
//!
//! - [`View::Glow`] (what `read_delta(path)` gives): Glow's schema, with
//!   `genotypes` rebuilt from the arrays, so queries written for Glow's
//!   layout run unchanged. A query that does not select `genotypes` reads
//!   none of the genotype columns and builds nothing.
//! - [`View::Long`] (`read_delta(path, 'layout', 'long')`): the site
//!   columns, then `sampleId`, `calls`, `phased` and the FORMAT fields, one
//!   row per variant and sample. Filters on `sampleId` (`=`, `IN`, `OR` of
//!   them) choose the samples decoded, so a clinical join on a few samples
//!   does not expand the other thousands.
//!
//! Filters on site columns go down to delta-rs (file skipping) in both.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::{
    BinaryExpr, Expr, Operator, TableProviderFilterPushDown, TableType,
};
use datafusion::physical_plan::ExecutionPlan;
use futures::StreamExt;
use futures::stream::BoxStream;
use genolake_core::matrix::{GenotypeColumn, MatrixLayout, Samples};
use genolake_core::schema::{GENOTYPES, SAMPLE_ID};

use crate::map_exec::{MapExec, PartitionMap};

/// How a matrix table is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Glow's schema, with `genotypes`.
    Glow,
    /// A row per variant and sample.
    Long,
}

/// The most rows the long view puts in one batch (a batch of variants
/// times the samples chosen can be millions of rows).
const LONG_BATCH_ROWS: usize = 1 << 16;

/// A matrix table, as one of its [`View`]s.
#[derive(Debug)]
pub struct MatrixTable {
    inner: Arc<dyn TableProvider>,
    layout: Arc<MatrixLayout>,
    samples: Arc<Samples>,
    view: View,
    schema: SchemaRef,
}

impl MatrixTable {
    /// `inner`, a provider of the matrix table's stored columns (delta-rs's),
    /// with the table's layout and samples, presented as `view`.
    pub fn new(
        inner: Arc<dyn TableProvider>,
        layout: MatrixLayout,
        samples: Samples,
        view: View,
    ) -> Self {
        let schema = match view {
            View::Glow => layout.glow_schema(),
            View::Long => layout.long_schema(),
        };
        Self {
            inner,
            layout: Arc::new(layout),
            samples: Arc::new(samples),
            view,
            schema,
        }
    }

    /// Whether `name` is a column of the inner table that is no genotype
    /// column (a site column, which filters can take down).
    fn is_site_column(&self, name: &str) -> bool {
        name != GENOTYPES
            && !self.layout.is_genotype_column(name)
            && self.inner.schema().field_with_name(name).is_ok()
    }

    /// The samples `filter` chooses, if it is a filter on `sampleId` alone.
    fn chosen_by(&self, filter: &Expr) -> Option<BTreeSet<usize>> {
        let ids = self.samples.ids()?;
        let wanted = sample_ids_of(filter)?;
        Some(
            ids.iter()
                .enumerate()
                .filter(|(_, id)| wanted.contains(id.as_str()))
                .map(|(i, _)| i)
                .collect(),
        )
    }

    /// The inner columns `names` (output columns) need.
    fn inner_projection(&self, names: &[&str]) -> DfResult<Vec<usize>> {
        let inner = self.inner.schema();
        let mut wanted = BTreeSet::new();
        let mut add = |name: &str| -> DfResult<()> {
            wanted.insert(inner.index_of(name)?);
            Ok(())
        };
        for &name in names {
            let genotype_columns: Vec<&GenotypeColumn> = match self.view {
                View::Glow if name == GENOTYPES => self.layout.columns().iter().collect(),
                View::Glow => Vec::new(),
                View::Long => self
                    .layout
                    .columns()
                    .iter()
                    .filter(|c| c.column.as_deref().unwrap_or(&c.field) == name)
                    .collect(),
            };
            if genotype_columns.is_empty() {
                add(name)?;
            }
            for stored in genotype_columns
                .into_iter()
                .flat_map(GenotypeColumn::stored_columns)
            {
                add(stored)?;
            }
        }
        Ok(wanted.into_iter().collect())
    }
}

/// The ids a filter on `sampleId` keeps: `sampleId = 'x'`, `sampleId IN
/// ('x', 'y')` and `OR`s of them.
fn sample_ids_of(filter: &Expr) -> Option<BTreeSet<String>> {
    let is_sample_id = |e: &Expr| matches!(e, Expr::Column(c) if c.name == SAMPLE_ID);
    let text = |e: &Expr| match e {
        Expr::Literal(value, _) => value.try_as_str().flatten().map(str::to_string),
        _ => None,
    };
    match filter {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
            Operator::Eq if is_sample_id(left) => text(right).map(|s| BTreeSet::from([s])),
            Operator::Eq if is_sample_id(right) => text(left).map(|s| BTreeSet::from([s])),
            Operator::Or => {
                let mut ids = sample_ids_of(left)?;
                ids.extend(sample_ids_of(right)?);
                Some(ids)
            }
            _ => None,
        },
        Expr::InList(list) if !list.negated && is_sample_id(&list.expr) => {
            list.list.iter().map(text).collect()
        }
        _ => None,
    }
}

#[async_trait]
impl TableProvider for MatrixTable {
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
        filters
            .iter()
            .map(|filter| {
                if self.view == View::Long && self.chosen_by(filter).is_some() {
                    return Ok(TableProviderFilterPushDown::Exact);
                }
                let sites_only = filter
                    .column_refs()
                    .iter()
                    .all(|c| self.is_site_column(&c.name));
                if !sites_only {
                    return Ok(TableProviderFilterPushDown::Unsupported);
                }
                // Inexact at best: the filter runs again above the
                // conversion, whatever delta-rs does with it.
                Ok(match self.inner.supports_filters_pushdown(&[filter])?[0] {
                    TableProviderFilterPushDown::Unsupported => {
                        TableProviderFilterPushDown::Unsupported
                    }
                    _ => TableProviderFilterPushDown::Inexact,
                })
            })
            .collect()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let schema = match projection {
            Some(projection) => Arc::new(self.schema.project(projection)?),
            None => Arc::clone(&self.schema),
        };
        let mut chosen: Option<BTreeSet<usize>> = None;
        let mut site_filters = Vec::new();
        for filter in filters {
            match (self.view, self.chosen_by(filter)) {
                (View::Long, Some(samples)) => {
                    chosen = Some(match chosen {
                        Some(before) => before.intersection(&samples).copied().collect(),
                        None => samples,
                    });
                }
                _ => site_filters.push(filter.clone()),
            }
        }
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let inner_projection = self.inner_projection(&names)?;
        let inner_limit = match self.view {
            View::Glow => limit,
            View::Long => None,
        };
        let input = self
            .inner
            .scan(state, Some(&inner_projection), &site_filters, inner_limit)
            .await?;
        let map = MatrixMap {
            layout: Arc::clone(&self.layout),
            samples: Arc::clone(&self.samples),
            view: self.view,
            chosen: chosen.map(|c| c.into_iter().collect::<Vec<_>>().into()),
            schema,
        };
        Ok(Arc::new(MapExec::new(input, Arc::new(map), None)?))
    }
}

/// Converts the matrix batches of a partition into a [`View`].
#[derive(Debug)]
struct MatrixMap {
    layout: Arc<MatrixLayout>,
    samples: Arc<Samples>,
    view: View,
    chosen: Option<Arc<[usize]>>,
    /// The view's columns the scan asked for.
    schema: SchemaRef,
}

impl MatrixMap {
    fn convert(&self, batch: &RecordBatch) -> DfResult<Vec<RecordBatch>> {
        let external = |e: genolake_core::Error| DataFusionError::External(Box::new(e));
        match self.view {
            View::Glow => Ok(vec![
                self.layout
                    .to_glow(batch, &self.samples, &self.schema)
                    .map_err(external)?,
            ]),
            View::Long => {
                let per_row = self
                    .chosen
                    .as_ref()
                    .map_or(self.samples.count(), |c| c.len())
                    .max(1);
                let step = (LONG_BATCH_ROWS / per_row).max(1);
                (0..batch.num_rows())
                    .step_by(step)
                    .map(|start| {
                        let rows = batch.slice(start, step.min(batch.num_rows() - start));
                        self.layout
                            .to_long(&rows, &self.samples, self.chosen.as_deref(), &self.schema)
                            .map_err(external)
                    })
                    .collect()
            }
        }
    }
}

impl PartitionMap for MatrixMap {
    fn name(&self) -> &'static str {
        "MatrixExec"
    }

    fn describe(&self) -> String {
        let view = match self.view {
            View::Glow => "glow",
            View::Long => "long",
        };
        match &self.chosen {
            Some(chosen) => format!("view={view}, samples={}", chosen.len()),
            None => format!("view={view}"),
        }
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn map(
        &self,
        _partition: usize,
        input: SendableRecordBatchStream,
    ) -> DfResult<BoxStream<'static, DfResult<RecordBatch>>> {
        let this = Self {
            layout: Arc::clone(&self.layout),
            samples: Arc::clone(&self.samples),
            view: self.view,
            chosen: self.chosen.clone(),
            schema: Arc::clone(&self.schema),
        };
        Ok(input
            .flat_map(move |batch| {
                let converted = batch.and_then(|batch| this.convert(&batch));
                futures::stream::iter(match converted {
                    Ok(batches) => batches.into_iter().map(Ok).collect::<Vec<_>>(),
                    Err(e) => vec![Err(e)],
                })
            })
            .boxed())
    }
}
