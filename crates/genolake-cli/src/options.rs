//! Reader options shared by every command that reads input files.
//!
//! Flags are turned into option pairs under Glow's names (`includeSampleIds`,
//! `hardCallThreshold`, ...) and handed to the same parser SQL's
//! `read_<format>(...)` uses, so a flag and a SQL option can never disagree;
//! the pairs are also what an ingest records as its options.
//!
//! An input is files of one format or one Delta table ([`Input`]); a table
//! is read through SQL's `read_delta`, so only `--region` applies to it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use genolake_core::Region;
use genolake_core::Stringency;
use genolake_sql::{InputFormat, SharedReader};

use crate::table::Table;

/// Options with Glow's meaning; the long names are Glow's, in kebab case.
/// Format-specific flags are refused for other formats.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// The input format (default: told by the file names: .vcf[.gz|.bgz],
    /// .bgen, .bed/.bim/.fam or a PLINK prefix).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<InputFormat>,
    /// Leave `sampleId` out of each genotype (Glow: includeSampleIds=false).
    #[arg(long)]
    pub no_sample_ids: bool,
    /// What to do with malformed records: strict (stop with an error),
    /// lenient (skip with a warning), silent (skip quietly).
    #[arg(long, default_value = "strict", value_parser = parse_stringency)]
    pub stringency: Stringency,
    /// Read only records overlapping this region (`chr`, `chr:start-end`, 1-based);
    /// repeat or separate by commas for several. Uses a .tbi/.csi/.bgi index when present;
    /// on a Delta table it is a filter on contigName, start and end.
    #[arg(long, value_delimiter = ',')]
    pub region: Vec<String>,
    /// Read only these samples (comma-separated; VCF and PLINK).
    #[arg(long, value_delimiter = ',')]
    pub samples: Option<Vec<String>>,
    /// VCF: one `attributes` map instead of `INFO_<key>` columns (Glow: flattenInfoFields=false).
    #[arg(long)]
    pub no_flatten_info_fields: bool,
    /// BGEN: an Oxford .sample file naming the samples (Glow: sampleFilePath).
    #[arg(long)]
    pub sample_file: Option<PathBuf>,
    /// BGEN: the .sample column holding sample IDs (Glow: sampleIdColumn; default ID_2).
    #[arg(long)]
    pub sample_id_column: Option<String>,
    /// BGEN: the probability a call needs (Glow: hardCallThreshold; default 0.9).
    #[arg(long)]
    pub hard_call_threshold: Option<f64>,
    /// BGEN: leave out hard calls (Glow: emitHardCalls=false).
    #[arg(long)]
    pub no_hard_calls: bool,
    /// PLINK: sample IDs are the IID alone, not FID_IID (Glow: mergeFidIid=false).
    #[arg(long)]
    pub no_merge_fid_iid: bool,
    /// PLINK: the .fam column delimiter (one character, `tab`, `space`, or
    /// `whitespace` for any run of both, the default).
    #[arg(long)]
    pub fam_delimiter: Option<String>,
    /// PLINK: the .bim column delimiter (as --fam-delimiter).
    #[arg(long)]
    pub bim_delimiter: Option<String>,
    /// Any reader option by its Glow name, as NAME=VALUE (repeatable), for
    /// example `--option useBgenIndex=false`.
    #[arg(long = "option", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub options: Vec<(String, String)>,
}

fn parse_format(s: &str) -> Result<InputFormat, String> {
    s.parse().map_err(|e: genolake_sql::Error| e.to_string())
}

fn parse_stringency(s: &str) -> Result<Stringency, String> {
    s.parse().map_err(|e: genolake_core::Error| e.to_string())
}

/// A `NAME=VALUE` flag as its pair (`--option`, `convert --write-option`).
pub(crate) fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .ok_or_else(|| format!("expected NAME=VALUE, not '{s}'"))
}

/// The directory every Delta table has, whichever writer made it: its log.
const DELTA_LOG: &str = "_delta_log";

/// Whether `path` is a Delta table: a directory holding `_delta_log`.
///
/// Told by the directory rather than by trying to open it, so a file is
/// never mistaken for a table and a broken table is reported by
/// `read_delta`, naming it. Only local tables are recognised (a URL is no
/// path here; `genolake sql` reads those).
pub fn is_delta_table(path: &Path) -> bool {
    path.join(DELTA_LOG).is_dir()
}

/// What a command reads.
pub enum Input {
    /// Files of one format.
    Files(Inputs),
    /// One Delta table, of any layout, read in Glow's schema.
    Table(Table),
}

/// Inputs of one format, and a reader for them.
pub struct Inputs {
    pub format: InputFormat,
    pub reader: SharedReader,
    /// The options given, by Glow's names, in the order given.
    pub options: Vec<(String, String)>,
    /// The data files, resolved (a PLINK prefix as its `.bed`) and checked
    /// to be readable with these options.
    pub paths: Vec<PathBuf>,
    /// Their total size in bytes, for the progress bar.
    pub total_bytes: u64,
}

impl ReadArgs {
    /// The options these flags ask for, by Glow's names. Flags left at their
    /// defaults are not listed, so each format's reader only sees what the
    /// user said.
    pub fn option_pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut set = |name: &str, value: String| pairs.push((name.to_string(), value));
        if self.no_sample_ids {
            set("includeSampleIds", "false".into());
        }
        if self.stringency != Stringency::Strict {
            set("validationStringency", self.stringency.to_string());
        }
        if !self.region.is_empty() {
            set("region", self.region.join(";"));
        }
        if let Some(samples) = &self.samples {
            set("samples", samples.join(","));
        }
        if self.no_flatten_info_fields {
            set("flattenInfoFields", "false".into());
        }
        if let Some(path) = &self.sample_file {
            set("sampleFilePath", path.to_string_lossy().into_owned());
        }
        if let Some(column) = &self.sample_id_column {
            set("sampleIdColumn", column.clone());
        }
        if let Some(threshold) = self.hard_call_threshold {
            set("hardCallThreshold", threshold.to_string());
        }
        if self.no_hard_calls {
            set("emitHardCalls", "false".into());
        }
        if self.no_merge_fid_iid {
            set("mergeFidIid", "false".into());
        }
        if let Some(delimiter) = &self.fam_delimiter {
            set("famDelimiter", delimiter.clone());
        }
        if let Some(delimiter) = &self.bim_delimiter {
            set("bimDelimiter", delimiter.clone());
        }
        pairs.extend(self.options.iter().cloned());
        pairs
    }

    /// What `inputs` are: one Delta table, or files of one format.
    pub fn input(&self, inputs: &[PathBuf]) -> Result<Input> {
        let Some(table) = inputs.iter().find(|p| is_delta_table(p)) else {
            if let Some(dir) = inputs.iter().find(|p| p.is_dir()) {
                bail!(
                    "{}: is a directory but not a Delta table (it has no {DELTA_LOG}); \
                     give VCF, BGEN or PLINK files, or a Delta table's directory",
                    dir.display()
                );
            }
            return Ok(Input::Files(self.inputs(inputs)?));
        };
        if let Some(other) = inputs.iter().find(|p| *p != table) {
            bail!(
                "{} is a Delta table and {} is another input: give one table alone \
                 (read several with genolake sql)",
                table.display(),
                other.display()
            );
        }
        let refused = self.file_only_flags();
        if !refused.is_empty() {
            bail!(
                "{}: is a Delta table, read as it is stored; the file reader flags {} do not apply \
                 (filter or reshape a table with genolake sql)",
                table.display(),
                refused.join(", ")
            );
        }
        let regions = self
            .region
            .iter()
            .map(|r| r.parse::<Region>())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Input::Table(Table::new(table.clone(), regions)))
    }

    /// The flags given that only a file reader takes (every one but
    /// `--region`), by their names on the command line.
    fn file_only_flags(&self) -> Vec<&'static str> {
        [
            ("--format", self.format.is_some()),
            ("--no-sample-ids", self.no_sample_ids),
            ("--stringency", self.stringency != Stringency::Strict),
            ("--samples", self.samples.is_some()),
            ("--no-flatten-info-fields", self.no_flatten_info_fields),
            ("--sample-file", self.sample_file.is_some()),
            ("--sample-id-column", self.sample_id_column.is_some()),
            ("--hard-call-threshold", self.hard_call_threshold.is_some()),
            ("--no-hard-calls", self.no_hard_calls),
            ("--no-merge-fid-iid", self.no_merge_fid_iid),
            ("--fam-delimiter", self.fam_delimiter.is_some()),
            ("--bim-delimiter", self.bim_delimiter.is_some()),
            ("--option", !self.options.is_empty()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    /// The format of `inputs` (they must share one) and its reader.
    pub fn inputs(&self, inputs: &[PathBuf]) -> Result<Inputs> {
        let format = match self.format {
            Some(format) => format,
            None => InputFormat::detect_all(inputs)?,
        };
        let options = self.option_pairs();
        let reader = format.reader(&options)?;
        let mut paths = Vec::with_capacity(inputs.len());
        let mut total_bytes = 0;
        for input in inputs {
            let path = reader.resolve(input);
            // Reads the header (or fileset) now, so a bad input fails before
            // any work starts.
            reader.schema(&path)?;
            total_bytes += std::fs::metadata(&path)
                .with_context(|| format!("{}: cannot be read", path.display()))?
                .len();
            paths.push(path);
        }
        Ok(Inputs {
            format,
            reader,
            options,
            paths,
            total_bytes,
        })
    }
}

/// The number of threads to use: the flag, or every core.
pub fn threads(flag: Option<usize>) -> usize {
    flag.filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The variant transforms `convert` and `ingest` run on every row, in the
/// order `bcftools norm` and Glow's pipelines apply them: split, then
/// normalize, then lift over.
#[derive(Debug, Clone, Default, Args)]
pub struct TransformArgs {
    /// Split multiallelic variants into one row per alternate allele, as
    /// Glow's split_multiallelics and `bcftools norm -m-` do: INFO and
    /// FORMAT values with Number=A, R or G cut to the allele, calls of the
    /// other alternates recoded (see --other-alleles).
    #[arg(long)]
    pub split_multiallelics: bool,
    /// With --split-multiallelics, what a call of another alternate allele
    /// becomes in a split row: reference (0, as `bcftools norm -m-` writes
    /// it; the default) or missing (., as Glow and `vt decompose` write it).
    #[arg(
        long,
        value_name = "reference|missing",
        requires = "split_multiallelics"
    )]
    pub other_alleles: Option<String>,
    /// Left-align and trim alleles against --reference, as Glow's
    /// normalize_variants and `bcftools norm -f` do; records that move are
    /// put back in order within --sort-window bases.
    #[arg(long, requires = "reference")]
    pub normalize: bool,
    /// The reference for --normalize: FASTA, plain (with .fai) or BGZF
    /// (with .fai and .gzi), as `samtools faidx` indexes it.
    #[arg(long, value_name = "FASTA")]
    pub reference: Option<PathBuf>,
    /// With --normalize, what a REF that differs from --reference does, as
    /// in `bcftools norm --check-ref`: e (stop with an error naming the
    /// record; the default), w (keep the record as it is, and count it) or
    /// x (leave it out, and count it).
    #[arg(
        long,
        value_name = "e|w|x",
        default_value = "e",
        requires = "normalize"
    )]
    pub check_ref: String,
    /// Lift variants to another assembly with this UCSC chain file (plain or
    /// gzip), as Glow's lift_over_variants and Picard's LiftoverVcf do.
    /// Variants that do not lift are left out and counted.
    #[arg(long, value_name = "CHAIN", requires = "target_reference")]
    pub liftover: Option<PathBuf>,
    /// The reference of the assembly lifted to (FASTA with .fai), for
    /// checking and swapping reference alleles.
    #[arg(long, value_name = "FASTA")]
    pub target_reference: Option<PathBuf>,
    /// With --liftover, the least fraction of a variant's bases the chain
    /// must map (Glow: minMatchRatio).
    #[arg(long, default_value_t = 0.95, requires = "liftover")]
    pub min_match_ratio: f64,
    /// With --normalize, how far (in bases) a record may move left past
    /// those before it and still be put back in order (bcftools norm:
    /// --site-win).
    #[arg(long, default_value_t = 1000)]
    pub sort_window: u64,
}

impl TransformArgs {
    /// No transform is asked for.
    pub fn is_empty(&self) -> bool {
        !self.split_multiallelics && !self.normalize && self.liftover.is_none()
    }

    /// The pipeline the flags ask for, or `None` when they ask for no
    /// transform. The CLI writes files: no status columns, and rows that do
    /// not lift over are left out (and counted).
    pub fn pipeline(&self) -> Result<Option<genolake_ops::pipeline::Pipeline>> {
        use genolake_ops::pipeline::{LiftOverOptions, NormalizeOptions, Pipeline, SplitOptions};
        let mut pipeline = Pipeline::default();
        if self.split_multiallelics {
            // As `bcftools norm -m-` writes them, which the CLI follows.
            let mut split = SplitOptions::bcftools();
            if let Some(other) = &self.other_alleles {
                split.other_alleles = other
                    .parse()
                    .map_err(|e| anyhow::anyhow!("--other-alleles: {e}"))?;
            }
            pipeline.split = Some(split);
        }
        if self.normalize {
            let reference = self
                .reference
                .clone()
                .context("--normalize needs --reference")?;
            let check = self
                .check_ref
                .parse()
                .map_err(|e| anyhow::anyhow!("--check-ref: {e}"))?;
            pipeline.normalize = Some(NormalizeOptions {
                reference,
                replace_columns: true,
                status: false,
                check_reference: Some(check),
            });
        } else if self.reference.is_some() {
            bail!("--reference is the reference of --normalize; give --normalize too");
        }
        if let Some(chain) = &self.liftover {
            let target = self
                .target_reference
                .clone()
                .context("--liftover needs --target-reference")?;
            if !(0.0..=1.0).contains(&self.min_match_ratio) {
                bail!(
                    "--min-match-ratio: expected a ratio from 0 to 1, not {}",
                    self.min_match_ratio
                );
            }
            let mut options = LiftOverOptions::new(chain.clone(), target);
            options.min_match_ratio = self.min_match_ratio;
            options.keep_failed = false;
            pipeline.liftover = Some(options);
        } else if self.target_reference.is_some() {
            bail!("--target-reference is the reference of --liftover; give --liftover too");
        }
        Ok((!pipeline.is_empty()).then_some(pipeline))
    }
}
