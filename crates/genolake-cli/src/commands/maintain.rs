//! `genolake optimize` and `genolake vacuum`: a table's upkeep, with
//! delta-rs's operations and Delta's semantics (see
//! `genolake_lake::maintenance`).

use std::path::PathBuf;

use anyhow::{Context, Result};
use genolake_lake::{Optimize, Vacuum};

#[derive(Debug, clap::Args)]
pub struct OptimizeArgs {
    /// The Delta table (a directory).
    #[arg(long)]
    table: PathBuf,
    /// Sort each partition's rows along a Z-order curve of these columns
    /// (for example contigName,start; not partition columns) instead of
    /// only compacting small files; rewrites every file.
    #[arg(long, value_delimiter = ',')]
    zorder_by: Vec<String>,
    /// Write files of about this many bytes (default: the table's
    /// delta.targetFileSize, or 100 MB).
    #[arg(long)]
    target_size: Option<u64>,
}

#[derive(Debug, clap::Args)]
pub struct VacuumArgs {
    /// The Delta table (a directory).
    #[arg(long)]
    table: PathBuf,
    /// Keep the files that versions of the last N hours read (default: the
    /// table's delta.deletedFileRetentionDuration, 168 hours unless set).
    #[arg(long)]
    retain_hours: Option<u64>,
    /// List the files that would be deleted; delete nothing.
    #[arg(long)]
    dry_run: bool,
    /// Accept a retention shorter than the table's (time travel to the
    /// versions in between will fail, and a writer still running may lose
    /// its files).
    #[arg(long)]
    force: bool,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn optimize(args: OptimizeArgs) -> Result<()> {
    let mut optimize = Optimize::new(args.table.to_string_lossy()).zorder_by(args.zorder_by);
    if let Some(bytes) = args.target_size {
        optimize = optimize.target_size(bytes);
    }
    let summary = runtime()?.block_on(optimize.execute())?;
    println!("{summary}");
    Ok(())
}

pub fn vacuum(args: VacuumArgs) -> Result<()> {
    let mut vacuum = Vacuum::new(args.table.to_string_lossy())
        .dry_run(args.dry_run)
        .enforce_retention(!args.force);
    if let Some(hours) = args.retain_hours {
        vacuum = vacuum.retain_hours(hours);
    }
    let summary = runtime()?.block_on(vacuum.execute())?;
    println!("{summary}");
    for file in &summary.files {
        println!("  {file}");
    }
    Ok(())
}
