//! `genolake qc`: variant QC and sample QC tables, and the first plots, in
//! one pass over any input.
//!
//! Files are cut into splits decoded on every core, as `count` does; a VCF
//! is decoded straight into the matrix layout. A matrix table is read
//! through `read_delta` in as many partitions as threads, as its raw
//! `calls` bytes (no genotype struct is built). A local, unpartitioned Glow
//! table's Parquet files are read directly (see [`LeafScan`]): the site
//! columns and `genotypes.calls` only, the calls rebuilt from their levels,
//! and one row's sample ids per piece; any other Glow table goes through
//! `read_delta`. Each split, partition or piece is counted by its own
//! [`Worker`], whose variant rows go
//! to a part file of their own; the parts are then joined in input order and
//! the per-sample counts merged. Everything is written into a staging
//! directory inside `--output` and moved into place at the end.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use arrow::array::{Array, ArrayRef, AsArray, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{Field, Schema};
use genolake_core::Progress;
use genolake_core::schema::GENOTYPES;
use genolake_stats::SampleCallCounts;

use crate::leaves::LeafScan;
use crate::options::{Input, ReadArgs, threads};
use crate::progress::Bar;
use crate::qc::output::{Format, Staging, TableWriter, join_parts};
use crate::qc::{Finished, Genotypes, Worker, merge, plots, variant_schema};
use crate::table::Table;
use crate::workers;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input files: VCF (plain, gzip or BGZF), BGEN, or PLINK .bed/prefix; or
    /// one Delta table's directory (either layout).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The directory to write into (created if missing): variant_qc and
    /// sample_qc tables and the plots. Files of the same names are replaced.
    #[arg(long, short)]
    output: PathBuf,
    /// The tables' format.
    #[arg(long, value_enum, default_value = "parquet")]
    format: Format,
    /// Write the tables only, no plots.
    #[arg(long)]
    no_plots: bool,
    #[command(flatten)]
    read: ReadArgs,
    /// Threads to decode and count with (default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(args: Args) -> Result<()> {
    let threads = threads(args.threads);
    let started = Instant::now();
    let staging = Staging::new(&args.output)?;
    let (parts, finished) = match args.read.input(&args.inputs)? {
        Input::Files(inputs) => {
            let progress = Arc::new(Progress::default());
            // A format that decodes genotypes straight into the matrix
            // layout (VCF) is read so: no genotype struct is built.
            let reader = inputs
                .reader
                .matrix_genotypes()
                .unwrap_or_else(|| inputs.reader.clone());
            let reader = reader.as_ref();
            let mut splits = Vec::new();
            for path in &inputs.paths {
                splits.extend(reader.plan_splits(path, threads)?);
            }
            let regions = reader.regions().to_vec();
            let bar = Bar::start(progress.clone(), inputs.total_bytes, "QC");
            let done = workers::in_order(threads, splits, "QC", |index, split| {
                let mut worker: Option<Worker> = None;
                let mut part = staging.part(index, args.format);
                for batch in reader.read(&split, regions.clone(), Some(progress.clone()))? {
                    let batch = batch?;
                    let worker = match &mut worker {
                        Some(worker) => worker,
                        None => worker.insert(Worker::of_schema(&batch.schema())?),
                    };
                    part.write(&worker.batch(&batch)?)?;
                }
                let worker = worker.unwrap_or_else(|| Worker::new(Genotypes::Glow));
                Ok((part.close()?, worker.finish()))
            });
            drop(bar);
            let done = done?;
            let parts = done.iter().filter_map(|(p, _)| p.clone()).collect();
            let finished = done.into_iter().map(|(_, f)| f).collect();
            (parts, finished)
        }
        Input::Table(table) => table_qc(&table, threads, &staging, args.format)?,
    };
    let all = merge(finished)?;

    let extension = args.format.extension();
    let variant_name = format!("variant_qc.{extension}");
    let sample_name = format!("sample_qc.{extension}");
    let mut names = vec![variant_name.clone(), sample_name.clone()];

    join_parts(
        &parts,
        &staging.path(&variant_name),
        args.format,
        variant_schema(),
    )?;
    for part in &parts {
        let _ = std::fs::remove_file(part);
    }

    let samples = sample_table(&all)?;
    let mut writer =
        TableWriter::create(&staging.path(&sample_name), args.format, samples.schema())?;
    writer.write(&samples)?;
    writer.close()?;

    if !args.no_plots {
        let dir = staging.path("");
        plots::draw(&dir, &all.plot, all.samples.counts())?;
        names.extend(plots::NAMES.iter().map(|n| n.to_string()));
    }
    let written: Vec<String> = names
        .iter()
        .map(|n| staging.final_path(n).display().to_string())
        .collect();
    staging.commit(&names)?;
    println!(
        "{} variants, {} samples: {}",
        all.rows,
        all.samples.counts().len(),
        written.join(", ")
    );
    eprintln!(
        "QC in {:.3} s on {threads} threads",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// QC of a Delta table: its partitions read side by side.
fn table_qc(
    table: &Table,
    threads: usize,
    staging: &Staging,
    format: Format,
) -> Result<(Vec<PathBuf>, Vec<Finished>)> {
    let site_columns = "contigName, start, \"end\", names, referenceAllele, alternateAlleles";
    let matrix_samples = table.matrix_samples()?;
    if matrix_samples.is_none()
        && !table.has_regions()
        && let Some(scan) = LeafScan::open(&table.location()?)?
    {
        return glow_leaves_qc(&scan, threads, staging, format);
    }
    let (columns, layout, genotypes) = match &matrix_samples {
        Some(samples) => (
            format!("{site_columns}, calls, callsPloidy"),
            Some("matrix"),
            Genotypes::Matrix {
                samples: samples.count(),
            },
        ),
        None => (format!("{site_columns}, genotypes"), None, Genotypes::Glow),
    };
    let sample_ids = matrix_samples
        .as_ref()
        .and_then(|samples| samples.ids().map(<[String]>::to_vec));
    let results = table.for_each_partition(
        threads,
        &columns,
        layout,
        |index| (Worker::new(genotypes.clone()), staging.part(index, format)),
        |(worker, part), batch| part.write(&worker.batch(batch)?),
    )?;
    let mut parts = Vec::new();
    let mut finished = Vec::new();
    for (worker, part) in results {
        if let Some(path) = part.close()? {
            parts.push(path);
        }
        let mut done = worker.finish();
        if let Some(ids) = &sample_ids
            && !done.samples.has_sample_ids()
            && !done.samples.counts().is_empty()
        {
            done.samples.set_sample_ids(ids.clone());
        }
        finished.push(done);
    }
    Ok((parts, finished))
}

/// QC of a Glow table whose files are read directly: the site columns and
/// the genotypes' `calls` only, and each piece's first `sampleId`s. Reading
/// `genotypes` whole through `read_delta` decoded every genotype's sample
/// id: 10.7 s of a 100,000 × 2,000 table's 11 s (bench/RESULTS.md).
fn glow_leaves_qc(
    scan: &LeafScan,
    threads: usize,
    staging: &Staging,
    format: Format,
) -> Result<(Vec<PathBuf>, Vec<Finished>)> {
    const SITES: [&str; 6] = [
        "contigName",
        "start",
        "end",
        "names",
        "referenceAllele",
        "alternateAlleles",
    ];
    let genotype_leaf = |parts: &[String], name: &str| {
        parts.first().is_some_and(|p| p == GENOTYPES) && parts.iter().skip(1).any(|p| p == name)
    };
    let keep = |parts: &[String]| parts.first().is_some_and(|p| SITES.contains(&p.as_str()));
    let heads = scan.first_rows(threads, &|parts| genotype_leaf(parts, "sampleId"))?;
    let results = scan.for_each_piece(
        threads,
        &keep,
        true,
        "QC",
        |index| (Worker::new(Genotypes::Glow), staging.part(index, format)),
        |(worker, part), batch| part.write(&worker.batch(batch)?),
    )?;
    let mut parts = Vec::new();
    let mut finished = Vec::new();
    for ((worker, part), head) in results.into_iter().zip(&heads) {
        if let Some(path) = part.close()? {
            parts.push(path);
        }
        let mut done = worker.finish();
        if !done.samples.counts().is_empty()
            && let Some(ids) = first_sample_ids(head)?
        {
            done.samples.set_sample_ids(ids);
        }
        finished.push(done);
    }
    Ok((parts, finished))
}

/// The sample ids of a one-row batch of `genotypes.sampleId`; `None` when
/// the row has no genotypes or a null id.
fn first_sample_ids(head: &RecordBatch) -> Result<Option<Vec<String>>> {
    let Some(genotypes) = head.column_by_name(GENOTYPES) else {
        return Ok(None);
    };
    let genotypes = genotypes
        .as_list_opt::<i32>()
        .ok_or_else(|| anyhow!("genotypes is not a list"))?;
    if head.num_rows() == 0 || genotypes.is_null(0) {
        return Ok(None);
    }
    let row = genotypes.value(0);
    let Some(ids) = row
        .as_struct_opt()
        .and_then(|s| s.column_by_name("sampleId"))
    else {
        return Ok(None);
    };
    let ids = arrow::compute::cast(ids, &arrow::datatypes::DataType::Utf8)?;
    let ids = ids.as_string::<i32>();
    Ok((0..ids.len())
        .map(|i| ids.is_valid(i).then(|| ids.value(i).to_string()))
        .collect())
}

/// Glow's `sample_call_summary_stats` fields, one row per sample.
fn sample_table(all: &Finished) -> Result<RecordBatch> {
    let counts: &[SampleCallCounts] = all.samples.counts();
    let ids: StringArray = match all.samples.sample_ids() {
        Some(ids) => ids.iter().map(|s| Some(s.as_str())).collect(),
        None => (0..counts.len()).map(|_| None::<&str>).collect(),
    };
    let count = |f: fn(&SampleCallCounts) -> u64| -> ArrayRef {
        Arc::new(counts.iter().map(f).collect::<UInt64Array>())
    };
    let ratio = |f: fn(&SampleCallCounts) -> f64| -> ArrayRef {
        Arc::new(
            counts
                .iter()
                .map(|c| Some(f(c)).filter(|v| v.is_finite()))
                .collect::<Float64Array>(),
        )
    };
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("sampleId", Arc::new(ids)),
        ("callRate", ratio(SampleCallCounts::call_rate)),
        ("nCalled", count(|c| c.n_called)),
        ("nUncalled", count(|c| c.n_uncalled)),
        ("nHomRef", count(|c| c.n_hom_ref)),
        ("nHet", count(|c| c.n_het)),
        ("nHomVar", count(|c| c.n_hom_var)),
        ("nSnp", count(SampleCallCounts::n_snp)),
        ("nInsertion", count(|c| c.n_insertion)),
        ("nDeletion", count(|c| c.n_deletion)),
        ("nTransition", count(|c| c.n_transition)),
        ("nTransversion", count(|c| c.n_transversion)),
        ("nSpanningDeletion", count(|c| c.n_spanning_deletion)),
        ("rTiTv", ratio(SampleCallCounts::r_ti_tv)),
        (
            "rInsertionDeletion",
            ratio(SampleCallCounts::r_insertion_deletion),
        ),
        ("rHetHomVar", ratio(SampleCallCounts::r_het_hom_var)),
    ];
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
        .collect();
    let arrays = columns.into_iter().map(|(_, a)| a).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .context("building the sample QC table")
}
