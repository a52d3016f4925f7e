//! `genolake sql`: SQL over files and tables, printing the last result.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use genolake_sql::OutputFormat;

use crate::options::threads;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Statements separated by `;`; the last one's result is printed.
    /// Tables: read_vcf('<path>'), read_delta('<path>'), CREATE EXTERNAL TABLE ... STORED AS VCF.
    /// DataFusion SQL with Spark's habits: size, explode, posexplode, element_at, sha2, ...;
    /// arrays are indexed from 1 (genotypes[1] is the first sample; genotypes[0] is an error).
    query: String,
    /// How to print the result: table, csv, json (one object per line) or parquet.
    #[arg(long, default_value = "table", value_parser = parse_format)]
    format: OutputFormat,
    /// Write the result to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Threads to run with (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// SQL dialect of the parser: generic (default), spark, databricks, postgresql, ...
    /// `spark` and `databricks` parse Spark's lambdas (`x -> x > 0`) and backtick quoting;
    /// they change no function's meaning, and arrays stay indexed from 1.
    #[arg(long, default_value = "generic")]
    dialect: String,
}

fn parse_format(s: &str) -> Result<OutputFormat, String> {
    s.parse().map_err(|e: genolake_sql::Error| e.to_string())
}

pub fn run(args: Args) -> Result<()> {
    let threads = threads(args.threads);
    if args.format == OutputFormat::Parquet && args.output.is_none() {
        bail!("--format parquet needs --output FILE");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let mut config = datafusion::prelude::SessionConfig::new();
        config
            .options_mut()
            .set("datafusion.sql_parser.dialect", &args.dialect)
            .with_context(|| format!("--dialect {}", args.dialect))?;
        let ctx = genolake_sql::SessionBuilder::new()
            .config(config)
            .target_partitions(threads)
            .build();
        let df = genolake_sql::run_statements(&ctx, &args.query).await?;
        match &args.output {
            Some(path) => {
                let file = File::create(path)
                    .with_context(|| format!("{}: cannot create", path.display()))?;
                let mut out =
                    genolake_sql::write_dataframe(df, args.format, BufWriter::new(file)).await?;
                out.flush()?;
            }
            None => {
                let stdout = std::io::stdout();
                let mut out =
                    genolake_sql::write_dataframe(df, args.format, BufWriter::new(stdout)).await?;
                out.flush()?;
            }
        }
        Ok(())
    })
}
