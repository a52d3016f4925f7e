//! `genolake convert`: files of one format rewritten as another, through
//! the same Arrow rows SQL and ingest see.
//!
//! Rows are read in file order (one split per file, so the output keeps the
//! input's order) and handed to the format crate's writer. A Delta table is
//! read through `read_delta` in Glow's schema, in the table's order (its
//! data files in the order delta-rs lists them), into the same writers. On failure the
//! output is removed: PLINK's writer keeps its files under `.partial` names
//! until it finishes, BGEN's output is deleted here.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Result, bail};
use arrow::array::RecordBatch;
use genolake_core::Progress;
use genolake_sql::InputFormat;

use crate::options::{Input, ReadArgs};
use crate::progress::Bar;
use crate::table::Table;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input files of one format: VCF, BGEN, or PLINK .bed/prefix; or one
    /// Delta table's directory (either layout). A table's rows are written in
    /// its files' order (the order delta-rs lists its data files), not
    /// sorted: sort with genolake sql first if the order matters.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The output format: plink (a .bed/.bim/.fam fileset) or bgen.
    #[arg(long, value_parser = parse_format)]
    to: InputFormat,
    /// The output: a .bgen file, or a PLINK .bed path or prefix.
    #[arg(long, short)]
    output: PathBuf,
    /// BGEN: bits per probability, 1 to 32 (Glow: bitsPerProbability; default 16).
    #[arg(long, default_value_t = 16)]
    bits: u8,
    /// BGEN: zlib (default) or zstd.
    #[arg(long, default_value = "zlib")]
    compression: String,
    #[command(flatten)]
    read: ReadArgs,
}

fn parse_format(s: &str) -> Result<InputFormat, String> {
    s.parse().map_err(|e: genolake_sql::Error| e.to_string())
}

/// Where the rows go.
enum Sink {
    Plink(genolake_plink::Writer),
    Bgen(genolake_bgen::Writer),
}

impl Sink {
    fn open(args: &Args) -> Result<Self> {
        Ok(match args.to {
            InputFormat::Plink => Sink::Plink(genolake_plink::Writer::create(&args.output)?),
            InputFormat::Bgen => {
                let compression = match args.compression.as_str() {
                    "zlib" => genolake_bgen::Compression::Zlib,
                    "zstd" => genolake_bgen::Compression::Zstd,
                    other => bail!("--compression {other}: expected zlib or zstd"),
                };
                let options = genolake_bgen::WriterOptions {
                    bits_per_probability: args.bits,
                    compression,
                    ..Default::default()
                };
                Sink::Bgen(genolake_bgen::Writer::create(&args.output, options)?)
            }
            InputFormat::Vcf => bail!("there is no VCF writer yet: convert --to plink or bgen"),
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match self {
            Sink::Plink(w) => w.write(batch)?,
            Sink::Bgen(w) => w.write(batch)?,
        }
        Ok(())
    }

    /// Finishes the output; the number of variants written.
    fn finish(self) -> Result<u64> {
        Ok(match self {
            Sink::Plink(w) => w.finish()?.variants,
            Sink::Bgen(w) => w.finish()?,
        })
    }
}

/// Where the rows come from.
enum Source {
    Files(crate::options::Inputs),
    Table(Table),
}

impl Source {
    /// Hands every row to `sink`, in order.
    fn write_to(&self, sink: &mut Sink, progress: &Arc<Progress>) -> Result<()> {
        match self {
            Source::Files(inputs) => {
                let reader = inputs.reader.as_ref();
                for path in &inputs.paths {
                    for split in reader.plan_splits(path, 1)? {
                        for batch in reader.read(
                            &split,
                            reader.regions().to_vec(),
                            Some(progress.clone()),
                        )? {
                            sink.write(&batch?)?;
                        }
                    }
                }
                Ok(())
            }
            Source::Table(table) => table.for_each_batch(|batch| sink.write(batch)),
        }
    }
}

pub fn run(args: Args) -> Result<()> {
    let source = match args.read.input(&args.inputs)? {
        Input::Files(inputs) => Source::Files(inputs),
        Input::Table(table) => Source::Table(table),
    };
    let progress = Arc::new(Progress::default());
    // A table's size on disk says little of the work (compressed columns):
    // no bar for it.
    let bar = match &source {
        Source::Files(inputs) => Some(Bar::start(
            progress.clone(),
            inputs.total_bytes,
            "converting",
        )),
        Source::Table(_) => None,
    };
    let mut sink = Sink::open(&args)?;
    let written = source.write_to(&mut sink, &progress);
    drop(bar);
    let variants = match written.and_then(|()| sink.finish()) {
        Ok(variants) => variants,
        Err(e) => {
            if args.to == InputFormat::Bgen {
                let _ = std::fs::remove_file(&args.output);
            }
            return Err(e);
        }
    };
    if progress.skipped() > 0 {
        eprintln!("{} malformed records were skipped", progress.skipped());
    }
    if progress.nulled() > 0 {
        eprintln!(
            "{} values that did not parse were read as null (the warnings name their fields)",
            progress.nulled()
        );
    }
    println!(
        "{variants} variants written to {} ({})",
        args.output.display(),
        args.to.display_name()
    );
    Ok(())
}
