//! Record batch streams as ingest input: iterators of batches made into
//! streams, and streams made into a DataFusion plan delta-rs can execute.

use std::fmt;
use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::datasource::provider_as_source;
use datafusion::error::DataFusionError;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use futures::StreamExt;
use genolake_core::merge::conform_batch;

/// Batches a blocking producer may have ready ahead of the writer: enough to
/// overlap decoding with writing, few enough to keep memory bounded.
const CHANNEL_BATCHES: usize = 2;

/// Runs a blocking iterator of record batches (a file reader, say) on Tokio's
/// blocking pool and streams its batches, at most a couple ahead of the
/// consumer, so memory stays bounded whatever the input size.
///
/// The iterator starts on the first poll. An `Err` item ends the stream with
/// that error (wrapped as [`DataFusionError::External`]), which makes an
/// ingest fail and commit nothing. If the consumer stops early the producer
/// stops at its next batch.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use arrow::array::{Int64Array, RecordBatch};
/// use arrow::datatypes::{DataType, Field, Schema};
/// use futures::TryStreamExt;
///
/// let schema = Arc::new(Schema::new(vec![Field::new("start", DataType::Int64, true)]));
/// let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(vec![1, 2]))])?;
/// let batches = vec![Ok::<_, std::io::Error>(batch.clone()), Ok(batch)];
/// let stream = genolake_lake::blocking_stream(schema, batches);
/// let rows: usize = stream.map_ok(|b| b.num_rows()).try_collect::<Vec<_>>().await?.iter().sum();
/// assert_eq!(rows, 4);
/// # Ok(()) }
/// ```
pub fn blocking_stream<I, E>(schema: SchemaRef, batches: I) -> SendableRecordBatchStream
where
    I: IntoIterator<Item = Result<RecordBatch, E>> + Send + 'static,
    I::IntoIter: Send,
    E: std::error::Error + Send + Sync + 'static,
{
    let stream = futures::stream::once(async move {
        let (tx, rx) = tokio::sync::mpsc::channel(CHANNEL_BATCHES);
        tokio::task::spawn_blocking(move || {
            for item in batches {
                let item = item.map_err(|e| DataFusionError::External(Box::new(e)));
                let failed = item.is_err();
                if tx.blocking_send(item).is_err() || failed {
                    break;
                }
            }
        });
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) })
    })
    .flatten();
    Box::pin(RecordBatchStreamAdapter::new(schema, stream))
}

/// `stream` with `schema`'s columns (see
/// [`genolake_core::merge::conform_batch`]): a column it lacks is null. The
/// stream itself when it has them already.
pub(crate) fn conform_stream(
    stream: SendableRecordBatchStream,
    schema: &SchemaRef,
) -> SendableRecordBatchStream {
    if stream.schema().fields() == schema.fields() {
        return stream;
    }
    let target = Arc::clone(schema);
    let batches =
        stream.map(move |batch| batch.and_then(|batch| Ok(conform_batch(&batch, &target)?)));
    Box::pin(RecordBatchStreamAdapter::new(Arc::clone(schema), batches))
}

/// A stream that can be executed once, as one partition of a plan.
struct OnceStream {
    schema: SchemaRef,
    stream: Mutex<Option<SendableRecordBatchStream>>,
}

impl fmt::Debug for OnceStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceStream")
            .field("schema", &self.schema)
            .finish()
    }
}

impl PartitionStream for OnceStream {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let taken = self.stream.lock().map(|mut s| s.take()).unwrap_or(None);
        taken.unwrap_or_else(|| {
            let error = DataFusionError::Execution(
                "an ingest input stream can be read only once".to_string(),
            );
            Box::pin(RecordBatchStreamAdapter::new(
                self.schema.clone(),
                futures::stream::once(async move { Err(error) }),
            ))
        })
    }
}

/// A logical plan scanning `streams`, one partition each (so delta-rs drives
/// them concurrently). All streams must share `schema`.
pub(crate) fn plan_of_streams(
    schema: SchemaRef,
    streams: Vec<SendableRecordBatchStream>,
) -> datafusion::error::Result<LogicalPlan> {
    let partitions = streams
        .into_iter()
        .map(|stream| {
            Arc::new(OnceStream {
                schema: schema.clone(),
                stream: Mutex::new(Some(stream)),
            }) as Arc<dyn PartitionStream>
        })
        .collect();
    let table = Arc::new(StreamingTable::try_new(schema, partitions)?);
    LogicalPlanBuilder::scan("genolake_ingest_input", provider_as_source(table), None)?.build()
}
