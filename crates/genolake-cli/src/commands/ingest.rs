//! `genolake ingest`: files into a Delta Lake table, in one commit.
//!
//! The files are read through the same DataFusion scan as `read_vcf`,
//! `read_bgen` and `read_plink` (split
//! across every core, memory bounded by the batch size) and streamed into
//! delta-rs; nothing is committed unless every record was read and written.
//! Files whose headers differ are read with the union of their columns, and
//! an append merges it into the table's schema (`--schema-mode`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use datafusion::catalog::TableProvider;
use genolake_core::Progress;
use genolake_lake::{Ingest, Layout, SaveMode, SchemaMode};
use genolake_sql::{GenomicsTable, WriteSource};

use crate::options::{ReadArgs, TransformArgs, threads};
use crate::progress::Bar;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input files of one format: VCF (plain, gzip or BGZF), BGEN, or PLINK
    /// .bed/prefix.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The Delta table to write (a directory; created if missing).
    #[arg(long)]
    table: PathBuf,
    /// What to do if the table exists: error, append or overwrite.
    #[arg(long, default_value = "error", value_parser = parse_mode)]
    mode: SaveMode,
    /// What an append does when the inputs have columns the table lacks
    /// (INFO or FORMAT keys its files did not declare): merge (add them,
    /// null in earlier rows) or keep (refuse, naming them). A column whose
    /// types conflict is an error either way.
    #[arg(long, default_value = "merge", value_parser = parse_schema_mode)]
    schema_mode: SchemaMode,
    /// How to store genotypes: glow (Glow's schema, a struct per genotype
    /// with its sampleId) or matrix (sample ids once in the table's
    /// configuration, genotypes as per-variant arrays; read back through
    /// read_delta in Glow's schema all the same). Default: an existing
    /// table's layout, glow for a new one.
    #[arg(long, value_parser = parse_layout)]
    layout: Option<Layout>,
    /// Partition the table by these columns (for example contigName).
    #[arg(long, value_delimiter = ',')]
    partition_by: Vec<String>,
    /// Append even if these exact inputs with these options were ingested
    /// before (by default such a re-ingest is detected and skipped).
    #[arg(long)]
    allow_duplicates: bool,
    #[command(flatten)]
    read: ReadArgs,
    /// Threads to decode and write with (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    transform: TransformArgs,
}

fn parse_mode(s: &str) -> Result<SaveMode, String> {
    s.parse()
}

fn parse_layout(s: &str) -> Result<Layout, String> {
    s.parse()
}

fn parse_schema_mode(s: &str) -> Result<SchemaMode, String> {
    s.parse()
}

pub fn run(args: Args) -> Result<()> {
    let threads = threads(args.threads);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(ingest(args, threads))
}

async fn ingest(args: Args, threads: usize) -> Result<()> {
    let inputs = args.read.inputs(&args.inputs)?;
    let progress = Arc::new(Progress::default());
    // The VCF header gives the Number of INFO and FORMAT keys to split by.
    let header = if args.transform.is_empty() {
        None
    } else {
        WriteSource::of_files(inputs.reader.as_ref(), &inputs.paths)?
            .vcf_header
            .as_deref()
            .map(genolake_ops::pipeline::parse_header)
            .transpose()?
    };
    let files =
        GenomicsTable::try_new(&inputs.paths, inputs.reader)?.with_progress(progress.clone());
    // The transforms see the table's columns (the files', merged).
    let prepared = match args.transform.pipeline()? {
        Some(pipeline) => Some(pipeline.prepare(&files.schema(), header.as_ref())?),
        None => None,
    };
    let location = table_location(&args.table)?;
    let bar = Bar::start(progress.clone(), inputs.total_bytes, "ingesting");
    let mut ingest = Ingest::new(location);
    if let Some(layout) = args.layout {
        ingest = ingest.layout(layout);
    }
    if let Some(prepared) = &prepared {
        ingest = ingest.transform(prepared.clone());
    }
    let summary = ingest
        .mode(args.mode)
        .schema_mode(args.schema_mode)
        .partition_by(args.partition_by.iter().cloned())
        .idempotent(!args.allow_duplicates)
        .execute_files(files, &inputs.options, threads)
        .await;
    drop(bar);
    let summary = summary?;
    for line in prepared.as_ref().map(|p| p.summary()).unwrap_or_default() {
        eprintln!("{line}");
    }
    if progress.skipped() > 0 {
        eprintln!("{} malformed records were skipped", progress.skipped());
    }
    if progress.nulled() > 0 {
        eprintln!(
            "{} values that did not parse were read as null (the warnings name their fields)",
            progress.nulled()
        );
    }
    println!("{summary}");
    Ok(())
}

/// The table as an absolute path, so the commit records where it is.
fn table_location(table: &Path) -> Result<String> {
    let absolute = if table.is_absolute() {
        table.to_path_buf()
    } else {
        std::env::current_dir()?.join(table)
    };
    Ok(absolute.to_string_lossy().into_owned())
}
