//! Glow's pipe transformer as a table function: a table's rows through an
//! external command, partition by partition.
//!
//! ```sql
//! SELECT * FROM pipe('calls.vcf.gz', 'cmd', '["bcftools", "view", "-v", "snps"]',
//!                    'inputFormatter', 'vcf', 'outputFormatter', 'vcf');
//! SELECT * FROM pipe('v', 'cmd', '["wc", "-l"]', 'inputFormatter', 'text',
//!                    'outputFormatter', 'text');
//! ```
//!
//! The first argument names a table of the session or a file, as for the
//! other transforms ([`crate::transform`]); the options are Glow's (`cmd`
//! as a JSON array, `inputFormatter`, `outputFormatter`, `in_vcfHeader`,
//! `env_<NAME>`, the formatters' own). Each partition of the input's scan
//! runs the command once, on its own thread ([`genolake_ops::pipe`]); a
//! command that fails reports its exit status and the end of its stderr.
//!
//! The output's columns must be known while planning: the command is run
//! once on the input's first batch to learn them (a VCF's header, a CSV's
//! header line), and every partition's output must have those columns, as
//! Glow requires of its partitions.

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::execute_stream;
use futures::StreamExt;
use futures::stream::BoxStream;
use genolake_ops::pipe::{Pipe, PipeOptions};

use crate::error::{Error, Result};
use crate::functions::{block_on, path_and_options};
use crate::map_exec::{MapTable, PartitionMap};
use crate::transform::resolve_input;

const USAGE: &str = "pipe('table or path', 'cmd', '[\"bcftools\", \"view\"]', \
                     'inputFormatter', 'vcf', 'outputFormatter', 'vcf')";

/// The `pipe` table function.
#[derive(Debug, Default)]
pub struct PipeFunction;

impl TableFunctionImpl for PipeFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> DfResult<Arc<dyn TableProvider>> {
        let (input, pairs) = path_and_options("pipe", USAGE, args.exprs())?;
        let pipe = Pipe::new(PipeOptions::from_pairs(&pairs).map_err(Error::from)?);
        let session = args.session();
        let (provider, header) = resolve_input(session, "pipe", &input)?;
        let schema = probe_schema(session, &provider, &pipe, header.as_deref())?;
        let map = PipeMap {
            pipe,
            header,
            schema,
        };
        Ok(Arc::new(MapTable::new(provider, Arc::new(map))))
    }
}

/// The output's columns: the command run on the input's first batch.
fn probe_schema(
    session: &dyn Session,
    provider: &Arc<dyn TableProvider>,
    pipe: &Pipe,
    header: Option<&str>,
) -> Result<SchemaRef> {
    let input_schema = provider.schema();
    let first = block_on(async {
        let plan = provider.scan(session, None, &[], Some(1024)).await?;
        let mut stream = execute_stream(plan, session.task_ctx())?;
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            if batch.num_rows() > 0 {
                return Ok::<_, DataFusionError>(Some(batch));
            }
        }
        Ok(None)
    })??;
    let Some(first) = first else {
        return Err(Error::Usage(format!(
            "pipe: {} has no rows, so the command's output columns cannot be learnt",
            pipe.command_line()
        )));
    };
    let output = pipe.run(
        &input_schema,
        header,
        std::iter::once(Ok::<_, String>(first)),
    )?;
    output.schema().ok_or_else(|| {
        Error::Usage(format!(
            "pipe: {} wrote nothing for the input's first rows, so its output columns cannot \
             be learnt",
            pipe.command_line()
        ))
    })
}

/// Runs the command over each partition of its input.
#[derive(Debug)]
struct PipeMap {
    pipe: Pipe,
    header: Option<String>,
    /// The command's output columns, as the probe found them.
    schema: SchemaRef,
}

impl PartitionMap for PipeMap {
    fn name(&self) -> &'static str {
        "PipeExec"
    }

    fn describe(&self) -> String {
        self.pipe.command_line()
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn map(
        &self,
        partition: usize,
        mut input: SendableRecordBatchStream,
    ) -> DfResult<BoxStream<'static, DfResult<RecordBatch>>> {
        let input_schema = input.schema();
        let (sender, receiver) = tokio::sync::mpsc::channel::<DfResult<RecordBatch>>(2);
        let (pipe, header, expected) = (
            self.pipe.clone(),
            self.header.clone(),
            Arc::clone(&self.schema),
        );
        let handle = tokio::runtime::Handle::current();
        // The command and its spool files are blocking work: a thread of
        // its own, which pulls the partition's rows from the async stream
        // and sends the output's batches back.
        tokio::task::spawn_blocking(move || {
            let rows = std::iter::from_fn(|| handle.block_on(input.next()));
            let send = |batch: DfResult<RecordBatch>| sender.blocking_send(batch).is_ok();
            let output = match pipe.run(&input_schema, header.as_deref(), rows) {
                Ok(output) => output,
                Err(e) => {
                    send(Err(Error::from(e).into()));
                    return;
                }
            };
            if let Some(schema) = output.schema()
                && schema.fields() != expected.fields()
            {
                let names = |s: &SchemaRef| -> Vec<String> {
                    s.fields().iter().map(|f| f.name().clone()).collect()
                };
                send(Err(Error::Usage(format!(
                    "pipe: {} gave other columns for partition {partition} than for the \
                     first rows ({:?} against {:?}); every partition must give the same",
                    pipe.command_line(),
                    names(&schema),
                    names(&expected),
                ))
                .into()));
                return;
            }
            for batch in output {
                let batch = batch.map_err(|e| DataFusionError::from(Error::from(e)));
                let failed = batch.is_err();
                if !send(batch) || failed {
                    return;
                }
            }
        });
        Ok(
            futures::stream::unfold(receiver, |mut receiver| async move {
                receiver.recv().await.map(|batch| (batch, receiver))
            })
            .boxed(),
        )
    }
}
