//! `genolake count`: decode every record of VCF, BGEN or PLINK files into
//! Arrow, on every core, and count.
//!
//! This is the decode path of ingest without the writing: useful to validate
//! a file (strict stringency reads every field) and to measure decode speed.
//!
//! A Delta table is counted through `read_delta` instead (see
//! [`Table::count`]): rows and the sum of `cardinality(genotypes)`, or for a
//! matrix table rows × its samples, which needs no genotype column at all.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use genolake_core::Progress;

use crate::options::{Input, ReadArgs, threads};
use crate::progress::Bar;
use crate::table::Table;
use crate::workers;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input files: VCF (plain, gzip or BGZF), BGEN, or PLINK .bed/prefix; or
    /// one Delta table's directory (either layout).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    /// Threads to decode with (default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(args: Args) -> Result<()> {
    let threads = threads(args.threads);
    let inputs = match args.read.input(&args.inputs)? {
        Input::Files(inputs) => inputs,
        Input::Table(table) => return count_table(&table, threads),
    };
    let reader = inputs.reader.as_ref();
    let progress = Arc::new(Progress::default());
    let mut splits = Vec::new();
    for path in &inputs.paths {
        splits.extend(reader.plan_splits(path, threads)?);
    }
    let regions = reader.regions().to_vec();
    let started = Instant::now();
    let bar = Bar::start(progress.clone(), inputs.total_bytes, "decoding");
    let results = workers::in_order(threads, splits, "decoding", |_, split| {
        let (mut rows, mut genotypes) = (0u64, 0u64);
        for batch in reader.read(&split, regions.clone(), Some(progress.clone()))? {
            let batch = batch?;
            rows += batch.num_rows() as u64;
            if let Some(g) = batch.column_by_name("genotypes") {
                let list = g.as_any().downcast_ref::<arrow::array::ListArray>();
                genotypes += list.map_or(0, |l| l.values().len() as u64);
            }
        }
        Ok((rows, genotypes))
    });
    drop(bar);
    let (mut rows, mut genotypes) = (0, 0);
    for (r, g) in results? {
        rows += r;
        genotypes += g;
    }
    let skipped = progress.skipped();
    let seconds = started.elapsed().as_secs_f64();
    let nulled = match progress.nulled() {
        0 => String::new(),
        n => format!(", {n} values read as null"),
    };
    println!("{rows} records, {genotypes} genotypes, {skipped} skipped{nulled}");
    eprintln!(
        "decoded {} in {seconds:.3} s on {threads} threads ({:.1} M genotypes/s)",
        inputs.format.display_name(),
        genotypes as f64 / seconds.max(1e-9) / 1e6
    );
    Ok(())
}

fn count_table(table: &Table, threads: usize) -> Result<()> {
    let started = Instant::now();
    let counts = table.count(threads)?;
    // The same line as for files, so scripts read both alike; a table has
    // nothing to skip or null (its rows were checked when ingested).
    println!(
        "{} records, {} genotypes, 0 skipped",
        counts.rows, counts.genotypes
    );
    eprintln!(
        "read the Delta table {} in {:.3} s on {threads} threads",
        table.path().display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
