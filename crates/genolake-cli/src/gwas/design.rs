//! The phenotypes, covariates and offsets of a run, lined up with the
//! genotypes' samples.
//!
//! A genotype sample without a phenotype value is missing for that
//! phenotype (each phenotype is fitted on its own samples, as Glow and
//! REGENIE do); one without every covariate is left out of every
//! phenotype, since a fit cannot use it. Rows of the tables whose sample
//! the genotypes do not hold are an error unless
//! `--allow-unknown-samples` says to ignore them: such rows usually mean
//! the wrong file or the wrong sample id column.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Result, bail};

use super::tables::SampleTable;

/// The tables' flags, shared by every `genolake gwas` subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct DesignArgs {
    /// Phenotypes: CSV, TSV, whitespace-separated text (gzipped or not) or
    /// Parquet; the sample id column (see --id-column) then one column per
    /// phenotype.
    #[arg(long, short = 'p')]
    pub phenotypes: PathBuf,
    /// Covariates, in the same kinds of table; an intercept is added unless
    /// --no-intercept.
    #[arg(long, short = 'c')]
    pub covariates: Option<PathBuf>,
    /// Per-sample offsets, one column per phenotype (named as in the
    /// phenotype table); with a contigName column, one row per sample and
    /// contig (leave-one-chromosome-out predictions).
    #[arg(long, conflicts_with = "loco")]
    pub offsets: Option<PathBuf>,
    /// REGENIE step-1 predictions as offsets: the `_pred.list` file naming
    /// each phenotype's `.loco` file.
    #[arg(long)]
    pub loco: Option<PathBuf>,
    /// Test only these phenotypes (default: every column).
    #[arg(long, value_delimiter = ',')]
    pub phenotype_columns: Vec<String>,
    /// Use only these covariates (default: every column).
    #[arg(long, value_delimiter = ',')]
    pub covariate_columns: Vec<String>,
    /// The tables' sample id column (default: sampleId or sample_id, IID
    /// after a FID column, else the first column).
    #[arg(long)]
    pub id_column: Option<String>,
    /// Ignore table rows whose sample the genotypes do not hold (counted on
    /// stderr) instead of failing.
    #[arg(long)]
    pub allow_unknown_samples: bool,
    /// Do not add an intercept to the covariates.
    #[arg(long)]
    pub no_intercept: bool,
}

/// Values per sample, one `Vec` per column, in the genotypes' sample order.
pub type Columns = Vec<Vec<f64>>;

/// The offsets of a run.
#[derive(Debug, Clone)]
pub enum Offsets {
    None,
    /// The same offsets on every contig.
    Global(Columns),
    /// Per contig (LOCO); a contig with no row has no offset file line,
    /// which is an error when a variant on it is tested.
    PerContig(HashMap<String, Columns>),
}

/// Everything a model is built from.
#[derive(Debug, Clone)]
pub struct Design {
    pub phenotype_names: Vec<String>,
    /// NaN where missing (or the sample has no covariates).
    pub phenotypes: Columns,
    pub covariate_names: Vec<String>,
    /// The covariates' values; the intercept is not among them (the models
    /// add it when [`Self::intercept`]).
    pub covariates: Columns,
    /// Whether the models fit an intercept.
    pub intercept: bool,
    pub offsets: Offsets,
    /// Genotype samples left out of every phenotype for a missing
    /// covariate.
    pub without_covariates: usize,
    /// Whether each sample has every covariate.
    pub has_covariates: Vec<bool>,
}

impl Design {
    /// Reads the tables and lines them up with `samples`.
    pub fn build(args: &DesignArgs, samples: &[String]) -> Result<Self> {
        let n = samples.len();
        let phenotype_table =
            SampleTable::read(&args.phenotypes, "phenotype", args.id_column.as_deref())?;
        let aligned = phenotype_table.align(samples, None);
        check_unknown(args, &phenotype_table, &aligned.unknown, "phenotype")?;
        if aligned.absent == n {
            bail!(
                "{}: no row names a sample of the genotypes (their first sample is {}); \
                 check --id-column",
                args.phenotypes.display(),
                samples[0]
            );
        }
        let (phenotype_names, mut phenotypes) = select(
            aligned.columns,
            aligned.values,
            &args.phenotype_columns,
            &args.phenotypes,
        )?;

        let mut covariate_names = Vec::new();
        let mut covariates = Vec::new();
        let mut without_covariates = 0;
        let mut has_covariates = vec![true; n];
        if let Some(path) = &args.covariates {
            let table = SampleTable::read(path, "covariate", args.id_column.as_deref())?;
            let aligned = table.align(samples, None);
            check_unknown(args, &table, &aligned.unknown, "covariate")?;
            let (names, mut values) = select(
                aligned.columns,
                aligned.values,
                &args.covariate_columns,
                path,
            )?;
            for sample in 0..n {
                if values.iter().any(|c| c[sample].is_nan()) {
                    without_covariates += 1;
                    has_covariates[sample] = false;
                    for column in &mut values {
                        column[sample] = 0.0;
                    }
                    for phenotype in &mut phenotypes {
                        phenotype[sample] = f64::NAN;
                    }
                }
            }
            covariate_names.extend(names);
            covariates.extend(values);
        }

        let offsets = match (&args.offsets, &args.loco) {
            (Some(path), _) => {
                let table = SampleTable::read(path, "offset", args.id_column.as_deref())?;
                offsets_of(args, &table, samples, &phenotype_names)?
            }
            (None, Some(list)) => {
                let table = SampleTable::from_regenie_predictions(list)?;
                offsets_of(args, &table, samples, &phenotype_names)?
            }
            (None, None) => Offsets::None,
        };
        Ok(Self {
            phenotype_names,
            phenotypes,
            covariate_names,
            covariates,
            intercept: !args.no_intercept,
            offsets,
            without_covariates,
            has_covariates,
        })
    }

    /// The offsets of variants on `contig`, if the run has any.
    pub fn offsets_for(&self, contig: &str) -> Result<Option<&Columns>> {
        match &self.offsets {
            Offsets::None => Ok(None),
            Offsets::Global(columns) => Ok(Some(columns)),
            Offsets::PerContig(by_contig) => match by_contig.get(contig) {
                Some(columns) => Ok(Some(columns)),
                None => {
                    let mut known: Vec<&String> = by_contig.keys().collect();
                    known.sort();
                    bail!(
                        "the offsets have no predictions for contig {contig} (they have {})",
                        known
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            },
        }
    }
}

fn check_unknown(
    args: &DesignArgs,
    table: &SampleTable,
    unknown: &[String],
    what: &str,
) -> Result<()> {
    if unknown.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = unknown.iter().take(5).map(String::as_str).collect();
    if args.allow_unknown_samples {
        eprintln!(
            "{}: {} {what} rows name samples the genotypes do not hold ({}{}); ignored",
            table.path.display(),
            unknown.len(),
            shown.join(", "),
            if unknown.len() > 5 { ", ..." } else { "" }
        );
        return Ok(());
    }
    bail!(
        "{}: {} {what} rows name samples the genotypes do not hold ({}{}); \
         check --id-column, or pass --allow-unknown-samples to ignore them",
        table.path.display(),
        unknown.len(),
        shown.join(", "),
        if unknown.len() > 5 { ", ..." } else { "" }
    )
}

/// The columns `wanted` names (all when empty), in that order.
fn select(
    names: Vec<String>,
    values: Columns,
    wanted: &[String],
    path: &std::path::Path,
) -> Result<(Vec<String>, Columns)> {
    if wanted.is_empty() {
        return Ok((names, values));
    }
    let mut out_names = Vec::with_capacity(wanted.len());
    let mut out_values = Vec::with_capacity(wanted.len());
    for want in wanted {
        let Some(i) = names.iter().position(|n| n == want) else {
            bail!(
                "{}: has no column {want} (it has {})",
                path.display(),
                names.join(", ")
            );
        };
        out_names.push(names[i].clone());
        out_values.push(values[i].clone());
    }
    Ok((out_names, out_values))
}

/// Offsets in phenotype order: every phenotype needs its column.
fn offsets_of(
    args: &DesignArgs,
    table: &SampleTable,
    samples: &[String],
    phenotypes: &[String],
) -> Result<Offsets> {
    let order: Vec<usize> = phenotypes
        .iter()
        .map(|p| {
            table.columns.iter().position(|c| c == p).ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: has no offsets for phenotype {p} (it has {})",
                    table.path.display(),
                    table.columns.join(", ")
                )
            })
        })
        .collect::<Result<_>>()?;
    let pick = |values: Columns| -> Columns { order.iter().map(|&i| values[i].clone()).collect() };
    if table.contigs.is_none() {
        let aligned = table.align(samples, None);
        check_unknown(args, table, &aligned.unknown, "offset")?;
        return Ok(Offsets::Global(pick(aligned.values)));
    }
    let mut by_contig = HashMap::new();
    for contig in table.contig_names() {
        let aligned = table.align(samples, Some(&contig));
        check_unknown(args, table, &aligned.unknown, "offset")?;
        by_contig.insert(contig, pick(aligned.values));
    }
    Ok(Offsets::PerContig(by_contig))
}
