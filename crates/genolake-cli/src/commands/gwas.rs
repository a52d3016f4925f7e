//! `genolake gwas linear|logistic|wgr`.
//!
//! Association tests read the genotypes on every core (see
//! [`crate::gwas::genotypes`]); each batch's biallelic rows become a block
//! of dosage columns tested at once against every phenotype. With
//! leave-one-chromosome-out offsets a model is built per contig, once, and
//! shared by the workers. Results go to part files joined in input order
//! (see [`crate::gwas::output`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use arrow::array::Float64Array;
use arrow::array::{ArrayRef, AsArray, Float64Builder, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use faer::{Mat, MatRef};
use genolake_stats::gwas::linear::{
    self, LinearModel, LinearOptions, LinearResults, PhenotypeSkip,
};
use genolake_stats::gwas::logistic::{self, LogisticModel, LogitTest};

use crate::gwas::design::{Design, DesignArgs};
use crate::gwas::genotypes::{Block, Dosages, Genotypes};
use crate::gwas::output::{Destination, OutputFormat, site_columns, site_fields};
use crate::gwas::plots::{self, Collected, PlotFormat};
use crate::options::{ReadArgs, threads};
use genolake_stats::wgr::{Convention, CrossValidation, TraitType, WgrOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Linear regression of each phenotype on each variant's dosage, with
    /// covariates (Glow's linear_regression_gwas).
    Linear(LinearArgs),
    /// Logistic regression of binary (0/1) phenotypes on each variant's
    /// dosage, with covariates (Glow's logistic_regression_gwas).
    Logistic(LogisticArgs),
    /// Whole-genome ridge regression (REGENIE step 1, Glow's GloWGR):
    /// leave-one-chromosome-out predictions to use as offsets.
    Wgr(WgrArgs),
}

/// What every association test takes.
#[derive(Debug, clap::Args)]
pub(crate) struct Common {
    /// Genotypes: VCF, BGEN or PLINK files, or one Delta table (either
    /// layout).
    #[arg(long, short, required = true, num_args = 1..)]
    pub(crate) input: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) design: DesignArgs,
    /// Where the results go: .csv, .tsv, .parquet, or a directory for a
    /// Delta table (replaced if it exists).
    #[arg(long, short)]
    pub(crate) output: PathBuf,
    /// The results' format (default: from the output's extension).
    #[arg(long, value_enum)]
    pub(crate) format: Option<OutputFormat>,
    #[command(flatten)]
    pub(crate) read: ReadArgs,
    /// Threads to decode and test with (default: every core).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
}

/// The plots of an association run.
#[derive(Debug, clap::Args)]
struct PlotArgs {
    /// Also draw a Manhattan and a Q-Q plot per phenotype into this
    /// directory.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// The plots' image format.
    #[arg(long, value_enum, default_value = "png")]
    plot_format: PlotFormat,
}

#[derive(Debug, clap::Args)]
struct LinearArgs {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    plots: PlotArgs,
    /// The statistics to reproduce: glow (least squares and a t-test per
    /// phenotype on its samples, as Glow and plink2 --glm), regenie
    /// (REGENIE step 2: residualised, scaled phenotypes, offsets in those
    /// units, a chi-squared score test), or regenie-v1 (REGENIE 1.0's
    /// scaling).
    #[arg(long, value_enum, default_value = "glow")]
    convention: LinearConvention,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LinearConvention {
    Glow,
    Regenie,
    RegenieV1,
}

#[derive(Debug, clap::Args)]
struct LogisticArgs {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    plots: PlotArgs,
    /// The test: score (vectorised, with the approximate Firth correction
    /// below --firth-threshold, as glow.gwas.logistic_regression and
    /// REGENIE --firth --approx), wald (a full fit per variant with Firth's
    /// regression when it fails, as plink2 --glm firth-fallback), or Glow's
    /// SQL tests lrt and firth (likelihood ratio, plain or penalized).
    #[arg(long, value_enum, default_value = "score")]
    test: LogisticTestArg,
    /// The score test's p-value under which the approximate Firth
    /// correction replaces it.
    #[arg(long, default_value_t = 0.05)]
    firth_threshold: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogisticTestArg {
    Score,
    Wald,
    Lrt,
    Firth,
}

#[derive(Debug, clap::Args)]
struct WgrArgs {
    #[command(flatten)]
    common: Common,
    /// The phenotypes' kind: quantitative (ridge regression at level 1) or
    /// binary 0/1 (logistic ridge regression).
    #[arg(long = "trait", value_enum, default_value = "quantitative")]
    trait_type: TraitArg,
    /// Variants per level-0 block (REGENIE's --bsize); a block never spans
    /// two contigs.
    #[arg(long, default_value_t = 1000)]
    block_size: usize,
    /// Cross-validation folds (default: REGENIE's rule, leave-one-out for
    /// binary traits under 5,000 samples, else 5); 0 means leave one out.
    #[arg(long)]
    folds: Option<usize>,
    /// REGENIE's constants to follow: those of version 2 on, or of 1.0
    /// (whose .loco files the test data hold).
    #[arg(long, value_enum, default_value = "current")]
    convention: ConventionArg,
    /// Also write REGENIE's files: <prefix>_<i>.loco per phenotype and
    /// <prefix>_pred.list, which `genolake gwas --loco` and REGENIE's step
    /// 2 read.
    #[arg(long)]
    loco_prefix: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum TraitArg {
    Quantitative,
    Binary,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ConventionArg {
    Current,
    Regenie1,
}

pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Linear(args) => {
            let options = LinearOptions {
                convention: match args.convention {
                    LinearConvention::Glow => linear::Convention::Glow,
                    LinearConvention::Regenie => linear::Convention::Regenie,
                    LinearConvention::RegenieV1 => linear::Convention::RegenieV1,
                },
                ..LinearOptions::default()
            };
            // Linear tests read sparse columns: their cost follows the
            // carriers of each variant.
            associate(args.common, args.plots, true, &|contig| {
                Ok(Box::new(Linear::fit(contig, options)?) as Box<dyn Model>)
            })
        }
        Command::Logistic(args) => {
            let (test, threshold) = (args.test, args.firth_threshold);
            associate(args.common, args.plots, false, &|contig| {
                Ok(Box::new(Logistic::fit(contig, test, threshold)?) as Box<dyn Model>)
            })
        }
        Command::Wgr(args) => {
            let options = WgrOptions {
                block_size: args.block_size,
                cross_validation: match args.folds {
                    None => CrossValidation::Regenie,
                    Some(0) => CrossValidation::LeaveOneOut,
                    Some(k) => CrossValidation::KFold(k),
                },
                trait_type: match args.trait_type {
                    TraitArg::Quantitative => TraitType::Quantitative,
                    TraitArg::Binary => TraitType::Binary,
                },
                convention: match args.convention {
                    ConventionArg::Current => Convention::Current,
                    ConventionArg::Regenie1 => Convention::Regenie1,
                },
                ..WgrOptions::default()
            };
            crate::gwas::wgr::run(args.common, options, args.loco_prefix.as_deref())
        }
    }
}

/// One fitted null model: tests a block of dosage columns against every
/// phenotype.
pub trait Model: Send + Sync {
    /// The statistics' columns, after the site columns and `phenotype`.
    fn fields(&self) -> Vec<Field>;
    /// Tests a block of dosage columns; the columns of [`Self::fields`],
    /// one row per variant and phenotype, variant-major.
    fn test(&self, block: Block<'_>) -> Result<Vec<ArrayRef>>;
    /// Tests that gave no result, by reason, so far.
    fn failures(&self) -> Vec<(String, u64)> {
        Vec::new()
    }
}

/// Builds the model of one contig's offsets.
type Fit<'a> = dyn Fn(&ContigDesign<'_>) -> Result<Box<dyn Model>> + Sync + 'a;

/// The design as one contig sees it: its offsets applied.
pub struct ContigDesign<'a> {
    pub design: &'a Design,
    pub offsets: Option<&'a crate::gwas::design::Columns>,
}

/// The per-contig models of a run, fitted once on first use.
struct Models<'a> {
    design: &'a Design,
    fit: &'a Fit<'a>,
    by_contig: Mutex<HashMap<String, Arc<dyn Model>>>,
}

impl Models<'_> {
    fn get(&self, contig: &str) -> Result<Arc<dyn Model>> {
        // One model serves every contig unless the offsets are per contig.
        let key = match self.design.offsets {
            crate::gwas::design::Offsets::PerContig(_) => contig,
            _ => "",
        };
        if let Some(model) = self
            .by_contig
            .lock()
            .map_err(|_| anyhow!("a model thread panicked"))?
            .get(key)
        {
            return Ok(model.clone());
        }
        let offsets = self.design.offsets_for(contig)?;
        let model: Arc<dyn Model> = Arc::from((self.fit)(&ContigDesign {
            design: self.design,
            offsets,
        })?);
        self.by_contig
            .lock()
            .map_err(|_| anyhow!("a model thread panicked"))?
            .insert(key.to_string(), model.clone());
        Ok(model)
    }
}

/// The design's matrices for one contig: a sample with a missing offset is
/// missing for that phenotype.
fn matrices(contig: &ContigDesign<'_>) -> (Mat<f64>, Mat<f64>, Option<Mat<f64>>) {
    let design = contig.design;
    let n = design.phenotypes.first().map_or(0, Vec::len);
    let covariates = Mat::from_fn(n, design.covariates.len(), |i, j| design.covariates[j][i]);
    let phenotypes = Mat::from_fn(n, design.phenotypes.len(), |i, j| {
        let missing_offset = contig.offsets.is_some_and(|o| o[j][i].is_nan());
        if missing_offset {
            f64::NAN
        } else {
            design.phenotypes[j][i]
        }
    });
    let offsets = contig
        .offsets
        .map(|o| Mat::from_fn(n, o.len(), |i, j| o[j][i]));
    (covariates, phenotypes, offsets)
}

/// Linear regression (genolake-stats' [`LinearModel`]).
struct Linear {
    model: LinearModel,
    samples: usize,
}

impl Linear {
    fn fit(contig: &ContigDesign<'_>, options: LinearOptions) -> Result<Self> {
        let (covariates, phenotypes, offsets) = matrices(contig);
        let options = LinearOptions {
            fit_intercept: contig.design.intercept,
            ..options
        };
        let model = LinearModel::new(
            covariates.as_ref(),
            phenotypes.as_ref(),
            offsets.as_ref().map(|o| o.as_ref()),
            &options,
        )?;
        report_skips(contig.design, model.skipped());
        Ok(Self {
            model,
            samples: phenotypes.nrows(),
        })
    }
}

/// Says once which phenotypes cannot be tested and why.
fn report_skips(design: &Design, skipped: &[Option<PhenotypeSkip>]) {
    static REPORTED: std::sync::Once = std::sync::Once::new();
    REPORTED.call_once(|| {
        for (name, skip) in design.phenotype_names.iter().zip(skipped) {
            let why = match skip {
                None => continue,
                Some(PhenotypeSkip::TooFewSamples { samples, needed }) => format!(
                    "{samples} samples have it, and the covariates and the genotype need {needed}"
                ),
                Some(PhenotypeSkip::NoVariance) => {
                    "it is constant (or the covariates explain it entirely)".to_string()
                }
                Some(PhenotypeSkip::SingularCovariates) => {
                    "the covariates are linearly dependent on its samples".to_string()
                }
            };
            eprintln!("phenotype {name} is not tested (its results are null): {why}");
        }
    });
}

impl Model for Linear {
    fn fields(&self) -> Vec<Field> {
        ["beta", "standardError", "pValue", "log10pValue"]
            .into_iter()
            .map(|name| Field::new(name, DataType::Float64, true))
            .collect()
    }

    fn test(&self, block: Block<'_>) -> Result<Vec<ArrayRef>> {
        let variants = block.variants();
        let mut results = LinearResults::default();
        match block {
            Block::Dense { values, .. } => {
                let dense = MatRef::from_column_major_slice(values, self.samples, variants);
                self.model.test(dense, &mut results)?;
            }
            Block::Sparse(sparse) => self.model.test_sparse(sparse, &mut results)?,
        }
        let rows = variants * self.model.phenotypes();
        let mut columns: [Float64Builder; 4] =
            std::array::from_fn(|_| Float64Builder::with_capacity(rows));
        for (_, _, association) in results.iter() {
            match association {
                Some(a) => {
                    for (column, value) in
                        columns
                            .iter_mut()
                            .zip([a.beta, a.standard_error, a.p_value, a.log10p])
                    {
                        column.append_value(value);
                    }
                }
                None => columns.iter_mut().for_each(|c| c.append_null()),
            }
        }
        Ok(columns
            .iter_mut()
            .map(|c| Arc::new(c.finish()) as ArrayRef)
            .collect())
    }
}

/// Logistic regression (genolake-stats' [`LogisticModel`]).
struct Logistic {
    model: LogisticModel,
    test: LogisticTestArg,
    samples: usize,
    failures: Mutex<HashMap<String, u64>>,
}

impl Logistic {
    fn fit(contig: &ContigDesign<'_>, test: LogisticTestArg, threshold: f64) -> Result<Self> {
        let (covariates, phenotypes, offsets) = matrices(contig);
        let mut builder = LogisticModel::builder(phenotypes.as_ref())
            .intercept(contig.design.intercept)
            .firth_threshold(threshold);
        if covariates.ncols() > 0 {
            builder = builder.covariates(covariates.as_ref());
        }
        if let Some(offsets) = &offsets {
            builder = builder.offsets(offsets.as_ref());
        }
        let model = builder.build()?;
        let design = contig.design;
        static REPORTED: std::sync::Once = std::sync::Once::new();
        REPORTED.call_once(|| {
            for (j, name) in design.phenotype_names.iter().enumerate() {
                if let Err(why) = model.phenotype_status(j) {
                    eprintln!("phenotype {name} is not tested (its results are null): {why}");
                }
            }
        });
        Ok(Self {
            model,
            test,
            samples: phenotypes.nrows(),
            failures: Mutex::new(HashMap::new()),
        })
    }

    /// The block's cells in variant-major order (the model's are
    /// phenotype-major), `None` where a test failed (counted).
    fn variant_major<T, U>(
        &self,
        results: &logistic::BlockResults<T>,
        value: impl Fn(&T) -> U,
    ) -> Vec<Option<U>> {
        let (m, p) = (results.variants(), results.phenotypes());
        (0..m * p)
            .map(|k| match results.get(k / p, k % p) {
                Ok(t) => Some(value(t)),
                Err(why) => {
                    self.failed(why);
                    None
                }
            })
            .collect()
    }

    fn failed(&self, why: &logistic::TestFailure) {
        if matches!(why, logistic::TestFailure::PhenotypeSkipped(_)) {
            return;
        }
        if let Ok(mut failures) = self.failures.lock() {
            *failures.entry(why.to_string()).or_default() += 1;
        }
    }
}

impl Model for Logistic {
    fn fields(&self) -> Vec<Field> {
        let number = |name: &str| Field::new(name, DataType::Float64, true);
        match self.test {
            LogisticTestArg::Score | LogisticTestArg::Wald => vec![
                number("beta"),
                number("oddsRatio"),
                number("standardError"),
                number("pValue"),
                number("log10pValue"),
                Field::new("firth", DataType::Boolean, true),
            ],
            LogisticTestArg::Lrt | LogisticTestArg::Firth => vec![
                number("beta"),
                number("oddsRatio"),
                Field::new(
                    "waldConfidenceInterval",
                    DataType::List(Arc::new(Field::new("element", DataType::Float64, true))),
                    true,
                ),
                number("pValue"),
                number("log10pValue"),
            ],
        }
    }

    fn test(&self, block: Block<'_>) -> Result<Vec<ArrayRef>> {
        let variants = block.variants();
        let mut scratch = Vec::new();
        let dosages = block.dense(&mut scratch);
        let block = MatRef::from_column_major_slice(dosages, self.samples, variants);
        let column = |values: Vec<Option<f64>>| Arc::new(Float64Array::from(values)) as ArrayRef;
        match self.test {
            LogisticTestArg::Score | LogisticTestArg::Wald => {
                let cells: Vec<Option<[f64; 5]>> = if self.test == LogisticTestArg::Score {
                    let results = self.model.score_test(block)?;
                    self.variant_major(&results, |s| {
                        with_flag(
                            [s.beta, s.standard_error, s.p_value, s.neg_log10_p],
                            s.firth,
                        )
                    })
                } else {
                    let results = self.model.wald_test(block)?;
                    self.variant_major(&results, |s| {
                        with_flag(
                            [s.beta, s.standard_error, s.p_value, s.neg_log10_p],
                            s.firth,
                        )
                    })
                };
                let get = |i: usize| cells.iter().map(|c| c.map(|c| c[i])).collect::<Vec<_>>();
                Ok(vec![
                    column(get(0)),
                    column(cells.iter().map(|c| c.map(|c| c[0].exp())).collect()),
                    column(get(1)),
                    column(get(2)),
                    column(get(3)),
                    Arc::new(arrow::array::BooleanArray::from(
                        cells
                            .iter()
                            .map(|c| c.map(|c| c[4] != 0.0))
                            .collect::<Vec<_>>(),
                    )),
                ])
            }
            LogisticTestArg::Lrt | LogisticTestArg::Firth => {
                let kind = if self.test == LogisticTestArg::Lrt {
                    LogitTest::Lrt
                } else {
                    LogitTest::Firth
                };
                let results = self.model.glow_test(block, kind)?;
                let cells = self.variant_major(&results, |r| *r);
                let mut intervals = arrow::array::ListBuilder::new(Float64Builder::new())
                    .with_field(Arc::new(Field::new("element", DataType::Float64, true)));
                for c in &cells {
                    match c {
                        Some(r) => {
                            intervals.values().append_slice(&r.wald_confidence_interval);
                            intervals.append(true);
                        }
                        None => intervals.append(false),
                    }
                }
                Ok(vec![
                    column(cells.iter().map(|c| c.map(|r| r.beta)).collect()),
                    column(cells.iter().map(|c| c.map(|r| r.odds_ratio)).collect()),
                    Arc::new(intervals.finish()),
                    column(cells.iter().map(|c| c.map(|r| r.p_value)).collect()),
                    column(cells.iter().map(|c| c.map(|r| r.neg_log10_p)).collect()),
                ])
            }
        }
    }

    fn failures(&self) -> Vec<(String, u64)> {
        self.failures
            .lock()
            .map(|f| f.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default()
    }
}

/// Four statistics and a flag as one row of five numbers.
fn with_flag(values: [f64; 4], flag: bool) -> [f64; 5] {
    [
        values[0],
        values[1],
        values[2],
        values[3],
        f64::from(u8::from(flag)),
    ]
}

/// What a worker counted besides its results.
#[derive(Default)]
struct Tally {
    variants: u64,
    multiallelic: u64,
    uncalled: u64,
    imputed: u64,
}

fn associate(common: Common, plot: PlotArgs, sparse: bool, fit: &Fit<'_>) -> Result<()> {
    let started = Instant::now();
    let threads = threads(common.threads);
    let format = OutputFormat::of(&common.output, common.format)?;
    let input = common.read.input(&common.input)?;
    let mut genotypes = Genotypes::open(input, threads)?;
    if sparse {
        genotypes = genotypes.sparse();
    }
    let design = Design::build(&common.design, genotypes.samples())?;
    let samples = genotypes.samples().len();
    eprintln!(
        "{samples} samples, {} phenotypes, {} covariates{}{}",
        design.phenotype_names.len(),
        design.covariate_names.len(),
        if design.intercept {
            " and an intercept"
        } else {
            ""
        },
        if design.without_covariates > 0 {
            format!(
                "; {} samples without every covariate are left out",
                design.without_covariates
            )
        } else {
            String::new()
        }
    );
    let models = Models {
        design: &design,
        fit,
        by_contig: Mutex::new(HashMap::new()),
    };
    // The schema needs the model's fields: fit the model of the first
    // contig seen lazily, but learn the fields from a model built now when
    // the offsets are the same everywhere.
    let schema: Mutex<Option<SchemaRef>> = Mutex::new(None);
    let destination = Destination::new(&common.output, format)?;
    let phenotypes = &design.phenotype_names;
    let results = genotypes.scan(
        "testing",
        |index| (destination.part(index), Tally::default()),
        |(part, tally), batch, dosages| {
            tally.multiallelic += dosages.multiallelic;
            tally.uncalled += dosages.uncalled;
            tally.imputed += dosages.imputed;
            if dosages.columns() == 0 {
                return Ok(());
            }
            for (range, contig) in contig_runs(batch, dosages)? {
                let model = models.get(&contig)?;
                let rows = &dosages.rows[range.clone()];
                let mut columns = site_columns(batch, rows, phenotypes)?;
                let stats = model.test(dosages.block(range))?;
                let fields = model.fields();
                columns.extend(stats);
                let schema = {
                    let mut guard = schema
                        .lock()
                        .map_err(|_| anyhow!("a test thread panicked"))?;
                    guard
                        .get_or_insert_with(|| {
                            let mut all = site_fields();
                            all.extend(fields);
                            Arc::new(Schema::new(all))
                        })
                        .clone()
                };
                part.write(&RecordBatch::try_new(schema, columns)?)?;
                tally.variants += rows.len() as u64;
            }
            Ok(())
        },
    )?;
    let mut parts = Vec::new();
    let mut tally = Tally::default();
    for (part, t) in results {
        if let Some(path) = part.close()? {
            parts.push(path);
        }
        tally.variants += t.variants;
        tally.multiallelic += t.multiallelic;
        tally.uncalled += t.uncalled;
        tally.imputed += t.imputed;
    }
    // The zero-row schema still needs the model's fields: fit once.
    let schema = match schema
        .into_inner()
        .map_err(|_| anyhow!("a test thread panicked"))?
    {
        Some(schema) => schema,
        None => {
            let contig = match &design.offsets {
                crate::gwas::design::Offsets::PerContig(by) => {
                    by.keys().next().cloned().unwrap_or_default()
                }
                _ => String::new(),
            };
            let mut all = site_fields();
            all.extend(models.get(&contig)?.fields());
            Arc::new(Schema::new(all))
        }
    };
    let mut collected = plot.plot.as_ref().map(|_| Collected::new(phenotypes));
    destination
        .commit(&parts, schema, collected.as_mut(), threads)
        .with_context(|| format!("{}: the results cannot be written", common.output.display()))?;
    let mut written = vec![common.output.display().to_string()];
    if let (Some(dir), Some(collected)) = (&plot.plot, &collected) {
        for path in plots::draw(dir, collected, plot.plot_format)? {
            written.push(path.display().to_string());
        }
    }
    println!(
        "{} variants × {} phenotypes tested: {}",
        tally.variants,
        phenotypes.len(),
        written.join(", ")
    );
    let mut failures: HashMap<String, u64> = HashMap::new();
    for model in models
        .by_contig
        .lock()
        .map_err(|_| anyhow!("a model thread panicked"))?
        .values()
    {
        for (why, count) in model.failures() {
            *failures.entry(why).or_default() += count;
        }
    }
    for (why, count) in failures {
        eprintln!("{count} tests have null results: {why}");
    }
    if tally.multiallelic > 0 {
        eprintln!(
            "{} variants with more than one ALT allele were not tested \
             (split them first, as Glow's split_multiallelics does)",
            tally.multiallelic
        );
    }
    if tally.uncalled > 0 {
        eprintln!(
            "{} variants without any called genotype were not tested",
            tally.uncalled
        );
    }
    if tally.imputed > 0 {
        eprintln!(
            "{} missing dosages were replaced by their variant's mean",
            tally.imputed
        );
    }
    eprintln!(
        "tested in {:.3} s on {threads} threads",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The block's columns cut where the contig changes.
fn contig_runs(
    batch: &RecordBatch,
    dosages: &Dosages,
) -> Result<Vec<(std::ops::Range<usize>, String)>> {
    let contigs = arrow::compute::cast(
        batch
            .column_by_name("contigName")
            .ok_or_else(|| anyhow!("the input has no contigName column"))?,
        &arrow::datatypes::DataType::Utf8,
    )?;
    let contigs = contigs.as_string::<i32>();
    let mut runs: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (column, &row) in dosages.rows.iter().enumerate() {
        let contig = contigs.value(row as usize);
        match runs.last_mut() {
            Some((range, name)) if name == contig => range.end = column + 1,
            _ => runs.push((column..column + 1, contig.to_string())),
        }
    }
    Ok(runs)
}
