//! `genolake gwas wgr`: whole-genome ridge regression (REGENIE step 1)
//! over any genotypes, writing leave-one-chromosome-out predictions.
//!
//! Level-0 penalties depend on the number of variants, so a first pass
//! counts the variants that will be used; the second streams the dosages,
//! in input order, into [`WholeGenomeRidge`]: one thread decodes while
//! another fits, through a channel of a few batches, so memory stays at one
//! block plus the level-0 predictions whatever the cohort.
//!
//! Samples without every covariate are left out. A missing phenotype value
//! is replaced by the phenotype's mean, as REGENIE's step 1 does, and
//! counted on stderr.
//!
//! The predictions are written as a table with `sampleId`, `contigName` and
//! one column per phenotype, which `genolake gwas linear|logistic
//! --offsets` reads back, and with `--loco-prefix` also as REGENIE's
//! `.loco` files and `_pred.list`.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use arrow::array::{ArrayRef, AsArray, Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use faer::MatRef;
use genolake_stats::wgr::{LocoPredictions, WgrOptions, WholeGenomeRidge, write_pred_list};

use super::design::{Design, Offsets};
use super::genotypes::Genotypes;
use super::output::{Destination, OutputFormat};
use crate::commands::gwas::Common;
use crate::options::threads;

/// Batches decoded ahead of the fitting thread.
const AHEAD: usize = 4;

pub fn run(common: Common, options: WgrOptions, loco_prefix: Option<&Path>) -> Result<()> {
    let started = Instant::now();
    let threads = threads(common.threads);
    let format = OutputFormat::of(&common.output, common.format)?;
    let input = common.read.input(&common.input)?;
    let genotypes = Genotypes::open(input, threads)?;
    let design = Design::build(&common.design, genotypes.samples())?;
    if !matches!(design.offsets, Offsets::None) {
        bail!("--offsets and --loco are inputs of the association tests, not of wgr");
    }
    let keep: Vec<usize> = (0..genotypes.samples().len())
        .filter(|&s| design.has_covariates[s])
        .collect();
    if keep.is_empty() {
        bail!("no sample has every covariate");
    }
    let n = keep.len();
    let p = design.phenotype_names.len();
    let mut imputed = 0usize;
    let phenotypes = faer::Mat::<f64>::from_fn(n, p, |i, j| design.phenotypes[j][keep[i]]);
    let phenotypes = {
        let mut filled = phenotypes;
        for j in 0..p {
            let (sum, count) = (0..n)
                .map(|i| filled[(i, j)])
                .filter(|v| !v.is_nan())
                .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
            if count == 0 {
                bail!(
                    "phenotype {} has no value for any sample with covariates",
                    design.phenotype_names[j]
                );
            }
            let mean = sum / count as f64;
            for i in 0..n {
                if filled[(i, j)].is_nan() {
                    filled[(i, j)] = mean;
                    imputed += 1;
                }
            }
        }
        filled
    };
    if !design.intercept {
        bail!(
            "whole-genome ridge regression always fits an intercept (REGENIE's model); drop --no-intercept"
        );
    }
    let covariates = (!design.covariates.is_empty()).then(|| {
        faer::Mat::<f64>::from_fn(n, design.covariates.len(), |i, j| {
            design.covariates[j][keep[i]]
        })
    });
    eprintln!(
        "{n} samples, {p} phenotypes, {} covariates{}{}",
        design.covariates.len(),
        if design.without_covariates > 0 {
            format!(
                "; {} samples without every covariate are left out",
                design.without_covariates
            )
        } else {
            String::new()
        },
        if imputed > 0 {
            format!("; {imputed} missing phenotype values replaced by their phenotype's mean")
        } else {
            String::new()
        }
    );

    let counts = genotypes.scan(
        "counting",
        |_| 0usize,
        |count, _, dosages| {
            *count += dosages.columns();
            Ok(())
        },
    )?;
    let variants: usize = counts.iter().sum();
    if variants == 0 {
        bail!("the input holds no biallelic variant with a called genotype");
    }
    let mut ridge = WholeGenomeRidge::new(
        design.phenotype_names.clone(),
        phenotypes.as_ref(),
        covariates.as_ref().map(|c| c.as_ref()),
        variants,
        options,
    )?;

    let all = keep.len() == genotypes.samples().len();
    let (sender, receiver) = sync_channel::<(Vec<f64>, Vec<String>)>(AHEAD);
    let ridge = std::thread::scope(|scope| -> Result<WholeGenomeRidge> {
        let fitter = scope.spawn(move || -> Result<WholeGenomeRidge> {
            for (values, contigs) in receiver {
                let block = MatRef::from_column_major_slice(&values, n, contigs.len());
                ridge.push(block, &contigs)?;
            }
            Ok(ridge)
        });
        let sender = std::sync::Mutex::new(sender);
        let scanned = genotypes.scan_with(
            1,
            "fitting",
            |_| (),
            |_, batch, dosages| {
                if dosages.columns() == 0 {
                    return Ok(());
                }
                let contig_column = arrow::compute::cast(
                    batch
                        .column_by_name("contigName")
                        .ok_or_else(|| anyhow!("the input has no contigName column"))?,
                    &DataType::Utf8,
                )?;
                let contig_column = contig_column.as_string::<i32>();
                let contigs: Vec<String> = dosages
                    .rows
                    .iter()
                    .map(|&r| contig_column.value(r as usize).to_string())
                    .collect();
                let values = if all {
                    dosages.values.clone()
                } else {
                    let total = dosages.samples();
                    let mut values = Vec::with_capacity(n * contigs.len());
                    for column in dosages.values.chunks_exact(total) {
                        values.extend(keep.iter().map(|&s| column[s]));
                    }
                    values
                };
                sender
                    .lock()
                    .map_err(|_| anyhow!("the fitting thread stopped"))?
                    .send((values, contigs))
                    .map_err(|_| anyhow!("the fitting thread stopped"))
            },
        );
        drop(sender);
        let fitted = fitter
            .join()
            .map_err(|_| anyhow!("the fitting thread panicked"))?;
        scanned?;
        fitted
    })?;
    let loco = ridge.finish()?;

    let samples: Vec<String> = keep
        .iter()
        .map(|&s| genotypes.samples()[s].clone())
        .collect();
    let destination = Destination::new(&common.output, format)?;
    let mut part = destination.part(0);
    let batch = prediction_table(&loco, &samples)?;
    let schema = batch.schema();
    part.write(&batch)?;
    let parts: Vec<_> = part.close()?.into_iter().collect();
    destination
        .commit(&parts, schema, None, threads)
        .with_context(|| {
            format!(
                "{}: the predictions cannot be written",
                common.output.display()
            )
        })?;
    let mut written = vec![common.output.display().to_string()];
    if let Some(prefix) = loco_prefix {
        written.extend(write_regenie(&loco, &samples, prefix)?);
    }
    println!(
        "{variants} variants, {} contigs, {p} phenotypes: {}",
        loco.contigs().len(),
        written.join(", ")
    );
    eprintln!(
        "fitted in {:.3} s on {threads} threads",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One row per contig and sample: the prediction of every phenotype.
fn prediction_table(loco: &LocoPredictions, samples: &[String]) -> Result<RecordBatch> {
    let contigs = loco.contigs();
    let rows = contigs.len() * samples.len();
    let mut fields = vec![
        Field::new("sampleId", DataType::Utf8, false),
        Field::new("contigName", DataType::Utf8, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(
            contigs
                .iter()
                .flat_map(|_| samples.iter().map(|s| Some(s.as_str())))
                .collect::<StringArray>(),
        ),
        Arc::new(
            contigs
                .iter()
                .flat_map(|c| std::iter::repeat_n(Some(c.as_str()), samples.len()))
                .collect::<StringArray>(),
        ),
    ];
    for (j, name) in loco.phenotypes().iter().enumerate() {
        let mut values = Vec::with_capacity(rows);
        for contig in contigs {
            let predictions = loco
                .get(contig, j)
                .ok_or_else(|| anyhow!("no prediction of {name} for contig {contig}"))?;
            values.extend_from_slice(predictions);
        }
        fields.push(Field::new(name, DataType::Float64, false));
        columns.push(Arc::new(Float64Array::from(values)));
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// REGENIE's `<prefix>_<i>.loco` per phenotype and `<prefix>_pred.list`.
fn write_regenie(loco: &LocoPredictions, samples: &[String], prefix: &Path) -> Result<Vec<String>> {
    let contigs: Vec<&str> = loco.contigs().iter().map(String::as_str).collect();
    let mut paths = Vec::new();
    for j in 0..loco.phenotypes().len() {
        let path = prefix.with_file_name(format!(
            "{}_{}.loco",
            prefix
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            j + 1
        ));
        let file = File::create(&path)
            .with_context(|| format!("{}: cannot be created", path.display()))?;
        loco.write_loco(j, samples, &contigs, BufWriter::new(file))
            .with_context(|| format!("{}: cannot be written", path.display()))?;
        paths.push(path);
    }
    let list = prefix.with_file_name(format!(
        "{}_pred.list",
        prefix
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let file =
        File::create(&list).with_context(|| format!("{}: cannot be created", list.display()))?;
    let absolute: Vec<std::path::PathBuf> = paths
        .iter()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
        .collect();
    write_pred_list(loco.phenotypes(), &absolute, BufWriter::new(file))
        .with_context(|| format!("{}: cannot be written", list.display()))?;
    let mut written: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    written.push(list.display().to_string());
    Ok(written)
}
