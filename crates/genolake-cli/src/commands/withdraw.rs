//! `genolake withdraw`: consent withdrawal. Removes samples from every row
//! of variant tables (Glow or matrix layout) and their rows from tables
//! keyed by `sampleId`, one audited commit per table; `--purge` then
//! deletes the files and log entries that still hold them and checks that
//! none is left.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use genolake_core::Progress;
use genolake_lake::{Purge, Withdraw, WithdrawOutcome};

use crate::progress::Bar;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The samples to withdraw: a file with one id per line (blank lines
    /// and lines starting with # skipped), or a comma-separated list.
    #[arg(long)]
    samples: String,
    /// A Delta table to withdraw them from; repeat for several. Each gets
    /// one commit.
    #[arg(long, required = true)]
    table: Vec<PathBuf>,
    /// Why, recorded in each commit (the ids themselves are recorded only
    /// as salted SHA-256 hashes).
    #[arg(long)]
    reason: Option<String>,
    /// Then delete the files that still hold the samples (earlier
    /// versions' data files, the log entries before a new checkpoint) and
    /// check every remaining file of each table.
    #[arg(long)]
    purge: bool,
    /// With --purge: delete them now, whatever the tables' retention
    /// periods; time travel to every earlier version is lost.
    #[arg(long, requires = "purge")]
    retention_override: bool,
    /// Threads to rewrite with (default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(args: Args) -> Result<()> {
    let threads = crate::options::threads(args.threads);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(withdraw(args))
}

async fn withdraw(args: Args) -> Result<()> {
    let ids = sample_ids(&args.samples)?;
    let tables: Vec<String> = args
        .table
        .iter()
        .map(|t| absolute(t))
        .collect::<Result<_>>()?;
    // Every table is checked before any is touched.
    for given in &args.table {
        if !given.join("_delta_log").is_dir() {
            bail!("{}: there is no Delta table here", given.display());
        }
    }
    // One request, one salt: its hashes match across the tables' records.
    let salt = genolake_lake::withdraw::new_salt();
    let mut incomplete = Vec::new();
    for table in &tables {
        let progress = Arc::new(Progress::default());
        let bar = Bar::start(
            progress.clone(),
            parquet_bytes(Path::new(table)),
            "withdrawing",
        );
        let mut request = Withdraw::new(table.clone(), ids.iter().cloned())
            .salt(salt.clone())
            .progress(progress);
        if let Some(reason) = &args.reason {
            request = request.reason(reason.clone());
        }
        let summary = request.execute().await;
        drop(bar);
        let summary = summary?;
        println!("{summary}");
        if summary.samples_removed == 0 && summary.outcome == WithdrawOutcome::NotPresent {
            eprintln!(
                "{table}: none of the {} requested samples were found",
                summary.sample_count
            );
        }
        if args.purge {
            let purged = Purge::new(table.clone(), ids.iter().cloned())
                .retention_override(args.retention_override)
                .execute()
                .await?;
            println!("{purged}");
            if !purged.is_clean() {
                incomplete.push(table.clone());
            }
        }
    }
    if !incomplete.is_empty() {
        bail!(
            "the purge is incomplete for {} table(s): {} (see above)",
            incomplete.len(),
            incomplete.join(", ")
        );
    }
    Ok(())
}

/// The ids of `--samples`: a file's lines, or a comma-separated list.
fn sample_ids(samples: &str) -> Result<Vec<String>> {
    let path = Path::new(samples);
    let ids: Vec<String> = if path.is_file() {
        std::fs::read_to_string(path)
            .with_context(|| format!("reading the sample list {}", path.display()))?
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(String::from)
            .collect()
    } else {
        samples
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(String::from)
            .collect()
    };
    if ids.is_empty() {
        bail!("--samples {samples:?} names no sample ids");
    }
    Ok(ids)
}

/// Bytes of the Parquet files under a local table, for the progress bar
/// (an upper bound: files of earlier versions count too).
fn parquet_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() && entry.file_name() != "_delta_log" {
                parquet_bytes(&path)
            } else if path.extension().is_some_and(|e| e == "parquet") {
                entry.metadata().map_or(0, |m| m.len())
            } else {
                0
            }
        })
        .sum()
}

/// The table as an absolute path, so the commit records where it is.
fn absolute(table: &Path) -> Result<String> {
    let absolute = if table.is_absolute() {
        table.to_path_buf()
    } else {
        std::env::current_dir()?.join(table)
    };
    Ok(absolute.to_string_lossy().into_owned())
}
