//! Reader options shared by every command that reads input files.

use anyhow::{Context, Result};
use clap::Args;
use genolake_core::{Region, Stringency};
use genolake_vcf::ReaderOptions;

/// Options with Glow's meaning; the long names are Glow's, in kebab case.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// Leave `sampleId` out of each genotype (Glow: includeSampleIds=false).
    #[arg(long)]
    pub no_sample_ids: bool,
    /// One `attributes` map instead of `INFO_<key>` columns (Glow: flattenInfoFields=false).
    #[arg(long)]
    pub no_flatten_info_fields: bool,
    /// What to do with malformed records: strict (stop with an error),
    /// lenient (skip with a warning), silent (skip quietly).
    #[arg(long, default_value = "strict", value_parser = parse_stringency)]
    pub stringency: Stringency,
    /// Read only records overlapping this region (`chr`, `chr:start-end`, 1-based);
    /// repeat or separate by commas for several. Uses a .tbi/.csi index when present.
    #[arg(long, value_delimiter = ',')]
    pub region: Vec<String>,
    /// Read only these samples (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub samples: Option<Vec<String>>,
}

fn parse_stringency(s: &str) -> Result<Stringency, String> {
    s.parse().map_err(|e: genolake_core::Error| e.to_string())
}

impl ReadArgs {
    /// The reader options these arguments ask for.
    pub fn reader_options(&self) -> Result<ReaderOptions> {
        let regions = self
            .region
            .iter()
            .map(|r| r.parse::<Region>().with_context(|| format!("--region {r}")))
            .collect::<Result<Vec<_>>>()?;
        Ok(ReaderOptions {
            include_sample_ids: !self.no_sample_ids,
            flatten_info_fields: !self.no_flatten_info_fields,
            stringency: self.stringency,
            samples: self.samples.clone(),
            regions,
            ..Default::default()
        })
    }
}

/// The number of threads to use: the flag, or every core.
pub fn threads(flag: Option<usize>) -> usize {
    flag.filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
