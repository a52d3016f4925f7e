//! `genolake ingest`: files into a Delta Lake table.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::options::ReadArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input files (VCF, optionally gzip/BGZF-compressed).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The Delta table to write (a directory; created if missing).
    #[arg(long)]
    table: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
    /// Threads to decode and write with (default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(args: Args) -> Result<()> {
    let _ = (&args.inputs, &args.table, &args.read, args.threads);
    bail!("ingest is not wired yet")
}
