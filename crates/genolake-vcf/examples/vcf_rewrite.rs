//! Reads a VCF and writes it out again through Arrow: the reader's batches
//! handed to the writer, with the source's header.
//!
//! `cargo run --release -p genolake-vcf --example vcf_rewrite -- [--lenient] [--infer-header]
//! [--index tbi|csi] [--threads N] [--level L] [--samples A,B] in.vcf[.gz] out.vcf[.gz]`
//!
//! The output is BGZF when its name ends in `.gz`, and BCF (always BGZF; its
//! index `--index csi`) when it ends in `.bcf`. With `--infer-header` the
//! header is inferred from the columns instead of copied. Prints the records
//! and bytes written and the time taken, reading included; with `--preload`
//! the batches are all read first and only the write is timed (memory for
//! the whole table: for benchmarks on test-sized files).

use std::process::ExitCode;
use std::time::Instant;

use arrow::array::RecordBatch;
use genolake_core::Stringency;
use genolake_vcf::writer::IndexFormat;
use genolake_vcf::{
    Reader, ReaderOptions, WriteSummary, Writer, WriterBuilder, bcf, read_header_text,
};

struct Args {
    input: String,
    output: String,
    lenient: bool,
    infer_header: bool,
    index: Option<IndexFormat>,
    threads: Option<usize>,
    level: Option<u8>,
    samples: Option<Vec<String>>,
    preload: bool,
}

fn parse() -> Option<Args> {
    let mut args = std::env::args().skip(1);
    let mut files = Vec::new();
    let mut parsed = Args {
        input: String::new(),
        output: String::new(),
        lenient: false,
        infer_header: false,
        index: None,
        threads: None,
        level: None,
        samples: None,
        preload: false,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lenient" => parsed.lenient = true,
            "--infer-header" => parsed.infer_header = true,
            "--preload" => parsed.preload = true,
            "--index" => {
                parsed.index = Some(match args.next()?.as_str() {
                    "tbi" => IndexFormat::Tabix,
                    "csi" => IndexFormat::Csi,
                    _ => return None,
                })
            }
            "--threads" => parsed.threads = Some(args.next()?.parse().ok()?),
            "--level" => parsed.level = Some(args.next()?.parse().ok()?),
            "--samples" => {
                parsed.samples = Some(args.next()?.split(',').map(String::from).collect())
            }
            _ if !arg.starts_with("--") => files.push(arg),
            _ => return None,
        }
    }
    let [input, output] = <[String; 2]>::try_from(files).ok()?;
    parsed.input = input;
    parsed.output = output;
    Some(parsed)
}

fn main() -> ExitCode {
    let Some(args) = parse() else {
        eprintln!(
            "usage: vcf_rewrite [--lenient] [--infer-header] [--index tbi|csi] [--threads N] [--level L] [--samples A,B] [--preload] in.vcf out.vcf[.gz]"
        );
        return ExitCode::FAILURE;
    };
    match rewrite(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn rewrite(args: &Args) -> genolake_vcf::Result<()> {
    let mut started = Instant::now();
    let options = ReaderOptions {
        stringency: if args.lenient {
            Stringency::Lenient
        } else {
            Stringency::Strict
        },
        ..Default::default()
    };
    let reader = Reader::builder(&args.input).options(options).build()?;
    let schema = reader.schema();
    let mut writer = if args.output.ends_with(".bcf") {
        Output::Bcf(Box::new(
            configure(bcf::Writer::builder(&args.output), args)?.build(&schema)?,
        ))
    } else {
        Output::Vcf(Box::new(
            configure(Writer::builder(&args.output), args)?.build(&schema)?,
        ))
    };
    if args.preload {
        let batches = reader.collect::<Result<Vec<_>, _>>()?;
        let genotypes: usize = batches
            .iter()
            .filter_map(|b| b.column_by_name("genotypes"))
            .map(|g| g.to_data().child_data().first().map_or(0, |c| c.len()))
            .sum();
        eprintln!("{genotypes} genotypes read; timing the write alone");
        started = Instant::now();
        for batch in &batches {
            writer.write(batch)?;
        }
    } else {
        for batch in reader {
            writer.write(&batch?)?;
        }
    }
    let summary = writer.finish()?;
    eprintln!(
        "{} records, {} bytes in {:.2} s",
        summary.records,
        summary.bytes,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The VCF or the BCF writer.
enum Output {
    Vcf(Box<Writer>),
    Bcf(Box<bcf::Writer>),
}

impl Output {
    fn write(&mut self, batch: &RecordBatch) -> genolake_vcf::Result<()> {
        match self {
            Output::Vcf(w) => w.write(batch),
            Output::Bcf(w) => w.write(batch),
        }
    }

    fn finish(self) -> genolake_vcf::Result<WriteSummary> {
        match self {
            Output::Vcf(w) => (*w).finish(),
            Output::Bcf(w) => (*w).finish(),
        }
    }
}

/// The options of `args`, for either writer.
fn configure<W>(
    mut builder: WriterBuilder<W>,
    args: &Args,
) -> genolake_vcf::Result<WriterBuilder<W>> {
    if !args.infer_header {
        builder = builder.header(read_header_text(&args.input)?);
    }
    if let Some(index) = args.index {
        builder = builder.index(index);
    }
    if let Some(threads) = args.threads {
        builder = builder.threads(threads);
    }
    if let Some(level) = args.level {
        builder = builder.compression_level(level);
    }
    if let Some(samples) = &args.samples {
        builder = builder.samples(samples.iter().cloned());
    }
    Ok(builder)
}
