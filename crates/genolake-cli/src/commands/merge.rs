//! `genolake merge`: per-sample or per-batch VCFs joined into one
//! multi-sample file, as `bcftools merge -m none` joins them.
//!
//! The inputs are read side by side, each in position order, and merged as
//! they stream (see [`genolake_ops::merge`]): a record is one site (contig,
//! start, end, REF and ALT all equal); a sample whose input lacks the site
//! gets a missing call; IDs, QUAL, FILTER and INFO combine as bcftools
//! combines them. Memory holds about one batch per input.

use std::path::PathBuf;

use anyhow::{Result, bail};
use genolake_ops::merge::{MergeInput, Merger};
use genolake_sql::{WriteFormat, WriteSource};

use crate::options::parse_pair;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// VCF files (plain, gzip or BGZF), each sorted by position, with
    /// distinct samples; merged in this order (their samples too).
    #[arg(required = true, num_args = 2..)]
    inputs: Vec<PathBuf>,
    /// The output: .vcf, .vcf.gz (indexed), .bcf, .bgen, .bed or .parquet,
    /// as `convert` writes them.
    #[arg(long, short)]
    output: PathBuf,
    /// The output format, when the output's name does not tell it.
    #[arg(long, value_parser = parse_write_format)]
    to: Option<WriteFormat>,
    /// Any writer option by name, as NAME=VALUE (repeatable), as for convert.
    #[arg(long = "write-option", value_name = "NAME=VALUE", value_parser = parse_pair)]
    write_options: Vec<(String, String)>,
}

fn parse_write_format(s: &str) -> Result<WriteFormat, String> {
    s.parse().map_err(|e: genolake_sql::Error| e.to_string())
}

pub fn run(args: Args) -> Result<()> {
    let format = match args.to.or_else(|| WriteFormat::detect(&args.output)) {
        Some(format) => format,
        None => bail!(
            "{}: cannot tell the output format from the name; give --to",
            args.output.display()
        ),
    };
    let inputs = args
        .inputs
        .iter()
        .map(MergeInput::from_vcf)
        .collect::<Result<Vec<_>, _>>()?;
    let merger = Merger::new(inputs)?;
    // The first input's header, with every input's samples: lines for
    // keys only later inputs declare are inferred from the columns.
    let source = WriteSource {
        vcf_header: Some(genolake_vcf::read_header_text(&args.inputs[0])?),
        contigs: Vec::new(),
        samples: Some(merger.samples().to_vec()),
    };
    let schema = merger.schema();
    let mut sink = format.create(&args.output, &schema, &args.write_options, &source)?;
    for batch in merger {
        // On error the sink is dropped unfinished, which removes its files.
        sink.write(&batch?)?;
    }
    let written = sink.finish()?;
    println!(
        "{} variants of {} inputs written to {} ({})",
        written.rows,
        args.inputs.len(),
        args.output.display(),
        format.display_name()
    );
    Ok(())
}
