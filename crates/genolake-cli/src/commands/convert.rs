//! `genolake convert`: any input genolake reads rewritten as VCF, BCF,
//! BGEN, PLINK or Parquet, through the same Arrow rows SQL and ingest see.
//!
//! Files are decoded on `--threads` threads, split by split, and the
//! batches handed to the writer in file order (each split's queue holds two
//! batches, so memory stays bounded). A Delta table is read through
//! `read_delta` in Glow's schema, in the table's order (its data files in
//! the order delta-rs lists them). The writers are genolake-sql's
//! ([`WriteFormat`]), the same `COPY ... STORED AS` uses: each writes under
//! a temporary name and renames when done, so a failed conversion leaves
//! nothing under the output's name.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arrow::array::RecordBatch;
use genolake_core::Progress;
use genolake_sql::{FormatWriter, InputFormat, WriteFormat, WriteSource, Written};

use genolake_ops::normalize::SortWindow;
use genolake_ops::pipeline::Prepared;

use crate::options::{Input, ReadArgs, TransformArgs, parse_pair, threads};
use crate::progress::Bar;
use crate::table::Table;
use crate::workers;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input files of one format: VCF, BCF, BGEN, or PLINK .bed/prefix; or
    /// one Delta table's directory (either layout). A table's rows are
    /// written in its files' order (the order delta-rs lists its data
    /// files), not sorted: sort with genolake sql first if the order matters.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The output: .vcf, .vcf.gz/.vcf.bgz (BGZF, indexed), .bcf, .bgen, a PLINK
    /// .bed (its .bim and .fam beside it) or .parquet; any other name needs
    /// --to.
    #[arg(long, short)]
    output: PathBuf,
    /// The output format, when the output's name does not tell it: vcf,
    /// bcf, bgen, plink (a .bed path or a prefix) or parquet.
    #[arg(long, value_parser = parse_write_format)]
    to: Option<WriteFormat>,
    /// Threads decoding the input (default: every core); the VCF writer
    /// compresses on as many.
    #[arg(long)]
    threads: Option<usize>,
    /// Write one file per input split (per partition of a table) into the
    /// directory --output, side by side, as Glow writes one file per
    /// partition: part-00000.vcf.gz, ... (the ending from --output's name,
    /// else the format's). Each part is whole and, for BGZF VCF, indexed;
    /// the directory appears only when every part is written.
    #[arg(long)]
    sharded: bool,
    /// VCF and BCF: `infer` (a header made from the columns) or a VCF/BCF file whose
    /// header to write (Glow: vcfHeader). Default: the input's header when it
    /// is VCF or BCF, else inferred.
    #[arg(long, value_name = "infer|FILE")]
    vcf_header: Option<String>,
    /// VCF: the index written beside a BGZF output: tbi, csi or none
    /// (default tbi, csi when the header has a contig of 2^29 bases or more);
    /// BCF: csi (default) or none.
    #[arg(long)]
    index: Option<String>,
    /// VCF: bgzf or none (default: told by the name); BGEN: zlib (default)
    /// or zstd; Parquet: zstd (default), snappy, gzip, lz4 or none.
    #[arg(long)]
    compression: Option<String>,
    /// The compression level (VCF: 0–12, default 6; BGEN: zlib 0–9 or zstd
    /// up to 22; Parquet: the codec's).
    #[arg(long)]
    level: Option<i32>,
    /// BGEN: bits per probability, 1 to 32 (Glow: bitsPerProbability;
    /// default 16).
    #[arg(long)]
    bits: Option<u8>,
    /// Any writer option by name, as NAME=VALUE (repeatable), for example
    /// `--write-option familyIds=split` for PLINK.
    #[arg(long = "write-option", value_name = "NAME=VALUE", value_parser = parse_pair)]
    write_options: Vec<(String, String)>,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    transform: TransformArgs,
}

fn parse_write_format(s: &str) -> Result<WriteFormat, String> {
    s.parse().map_err(|e: genolake_sql::Error| e.to_string())
}

impl Args {
    /// The output format: `--to`, else told by the output's name.
    fn format(&self) -> Result<WriteFormat> {
        if let Some(format) = self.to {
            return Ok(format);
        }
        match WriteFormat::detect(&self.output) {
            Some(format) => Ok(format),
            None => bail!(
                "{}: cannot tell the output format from the name (expected .vcf, .vcf.gz, \
                 .vcf.bgz, .bcf, .bgen, .bed or .parquet); give --to",
                self.output.display()
            ),
        }
    }

    /// The writer options the flags ask for, by the writers' names.
    fn write_options(&self, format: WriteFormat, threads: usize) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let mut set = |name: &str, value: String| pairs.push((name.to_string(), value));
        if let Some(header) = &self.vcf_header {
            set("vcfHeader", header.clone());
        }
        if let Some(index) = &self.index {
            set("index", index.clone());
        }
        if let Some(compression) = &self.compression {
            set("compression", compression.clone());
        }
        if let Some(level) = self.level {
            set("compressionLevel", level.to_string());
        }
        if let Some(bits) = self.bits {
            set("bitsPerProbability", bits.to_string());
        }
        if matches!(format, WriteFormat::Vcf | WriteFormat::Bcf) {
            // Shards are written side by side: each compresses on its own
            // thread.
            let compressing = if self.sharded { 0 } else { threads };
            set("threads", compressing.to_string());
        }
        pairs.extend(self.write_options.iter().cloned());
        pairs
    }
}

/// Where the rows come from.
enum Source {
    Files(crate::options::Inputs),
    Table(Table),
}

impl Source {
    /// Hands every row to `sink`, in order, decoding files on `threads`.
    fn write_to(
        &self,
        sink: &mut dyn FormatWriter,
        threads: usize,
        progress: &Arc<Progress>,
        prepared: Option<&Prepared>,
    ) -> Result<()> {
        match self {
            Source::Files(inputs) => {
                let reader = inputs.reader.as_ref();
                let regions = reader.regions().to_vec();
                let mut splits = Vec::new();
                for path in &inputs.paths {
                    // More splits than threads, so a slow split holds the
                    // others back less.
                    splits.extend(reader.plan_splits(path, threads * 4)?);
                }
                workers::stream_in_order(
                    threads,
                    splits,
                    2,
                    "decoding",
                    |split, emit| {
                        // Each split transforms on its own thread, with its
                        // own reference handles.
                        let mut steps = Steps::new(prepared)?;
                        for batch in reader.read(&split, regions.clone(), Some(progress.clone()))? {
                            emit(steps.apply(batch?)?)?;
                        }
                        Ok(())
                    },
                    |batch: RecordBatch| Ok(sink.write(&batch)?),
                )
            }
            Source::Table(table) => {
                let mut steps = Steps::new(prepared)?;
                table.for_each_batch(|batch| Ok(sink.write(&steps.apply(batch.clone())?)?))
            }
        }
    }

    /// Writes each split (each partition of a table) to its own file,
    /// `create(index)`, on `threads` threads; the files written, in order.
    fn write_shards(
        &self,
        threads: usize,
        progress: &Arc<Progress>,
        prepared: Option<&Prepared>,
        create: impl Fn(usize) -> Result<Box<dyn FormatWriter>> + Sync,
    ) -> Result<Vec<Written>> {
        match self {
            Source::Files(inputs) => {
                let reader = inputs.reader.as_ref();
                let regions = reader.regions().to_vec();
                let mut splits = Vec::new();
                for path in &inputs.paths {
                    splits.extend(reader.plan_splits(path, threads)?);
                }
                workers::in_order(threads, splits, "converting", |index, split| {
                    let mut sink = create(index)?;
                    let mut steps = Steps::new(prepared)?;
                    for batch in reader.read(&split, regions.clone(), Some(progress.clone()))? {
                        sink.write(&steps.apply(batch?)?)?;
                    }
                    Ok(sink.finish()?)
                })
            }
            Source::Table(table) => {
                let sinks = table.for_each_partition(
                    threads,
                    "*",
                    None,
                    |index| (index, None::<(Box<dyn FormatWriter>, Steps)>),
                    |(index, sink), batch| {
                        if sink.is_none() {
                            *sink = Some((create(*index)?, Steps::new(prepared)?));
                        }
                        if let Some((sink, steps)) = sink {
                            sink.write(&steps.apply(batch.clone())?)?;
                        }
                        Ok(())
                    },
                )?;
                // A partition without rows writes no file.
                sinks
                    .into_iter()
                    .filter_map(|(_, sink)| sink)
                    .map(|(sink, _)| Ok(sink.finish()?))
                    .collect()
            }
        }
    }

    fn schema(&self) -> Result<arrow::datatypes::SchemaRef> {
        match self {
            Source::Files(inputs) => {
                let first = inputs.paths.first().context("no input given")?;
                Ok(inputs.reader.schema(first)?)
            }
            Source::Table(table) => table.schema(),
        }
    }
}

pub fn run(mut args: Args) -> Result<()> {
    let threads = threads(args.threads);
    let format = args.format()?;
    // A reader that cannot choose samples (BGEN, a table) leaves the choice
    // to the VCF writer, which picks genotypes by sampleId.
    let mut write_samples = None;
    if let Some(samples) = &args.read.samples {
        let table = args
            .inputs
            .iter()
            .any(|p| crate::options::is_delta_table(p));
        let reader_chooses = !table
            && args
                .read
                .format
                .map_or_else(|| InputFormat::detect_all(&args.inputs).ok(), Some)
                .is_some_and(|f| f.option_names().contains(&"samples"));
        if !reader_chooses {
            if !matches!(format, WriteFormat::Vcf | WriteFormat::Bcf) {
                bail!(
                    "--samples: this input cannot be read for some samples only, and {} output \
                     cannot choose them; select samples with genolake sql first",
                    format.display_name()
                );
            }
            write_samples = Some(samples.clone());
            args.read.samples = None;
        }
    }
    let (source, mut write_source) = match args.read.input(&args.inputs)? {
        Input::Files(inputs) => {
            let write_source = WriteSource::of_files(inputs.reader.as_ref(), &inputs.paths)?;
            (Source::Files(inputs), write_source)
        }
        Input::Table(table) => (Source::Table(table), WriteSource::default()),
    };
    // Samples a reader chose are the samples written, not the header's.
    write_source.samples = args.read.samples.clone();
    let mut options = args.write_options(format, threads);
    if let Some(samples) = write_samples {
        options.push(("sampleIds".into(), samples.join(",")));
    }
    let schema = source.schema()?;
    let prepared = match args.transform.pipeline()? {
        Some(pipeline) => {
            let header = write_source
                .vcf_header
                .as_deref()
                .map(genolake_ops::pipeline::parse_header)
                .transpose()?;
            let prepared = pipeline.prepare(&schema, header.as_ref())?;
            // Lifted rows name the target assembly's contigs.
            if let Some(text) = &write_source.vcf_header {
                write_source.vcf_header = Some(prepared.output_header(text)?);
            }
            write_source.contigs = prepared.output_contigs(&write_source.contigs);
            Some(prepared)
        }
        None => None,
    };
    let schema = prepared
        .as_ref()
        .map_or_else(|| schema.clone(), Prepared::output_schema);
    let window = prepared
        .as_ref()
        .filter(|p| p.reorders())
        .map(|_| args.transform.sort_window);
    let progress = Arc::new(Progress::default());
    if args.sharded {
        let bar = start_bar(&source, &progress);
        let output = Output {
            format,
            schema: &schema,
            options: &options,
            source: &write_source,
        };
        let written = write_sharded(
            &args.output,
            &output,
            &source,
            threads,
            &progress,
            prepared.as_ref(),
            window,
        );
        drop(bar);
        let written = written?;
        report(&progress, prepared.as_ref());
        let rows: u64 = written.iter().map(|w| w.rows).sum();
        println!(
            "{rows} variants written to {} ({} files, {})",
            args.output.display(),
            written.len(),
            format.display_name()
        );
        return Ok(());
    }
    let sink = format.create(&args.output, &schema, &options, &write_source)?;
    let mut sink = reordered(sink, window);
    let bar = start_bar(&source, &progress);
    let written = source.write_to(sink.as_mut(), threads, &progress, prepared.as_ref());
    drop(bar);
    // On error the sink is dropped unfinished, which removes its files.
    written?;
    let written = sink.finish()?;
    report(&progress, prepared.as_ref());
    let files: Vec<String> = written
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    println!(
        "{} variants written to {} ({})",
        written.rows,
        files.join(", "),
        format.display_name()
    );
    Ok(())
}

/// A progress bar over the input files' bytes. A table's size on disk says
/// little of the work (compressed columns): no bar for it.
fn start_bar(source: &Source, progress: &Arc<Progress>) -> Option<Bar> {
    match source {
        Source::Files(inputs) => Some(Bar::start(
            progress.clone(),
            inputs.total_bytes,
            "converting",
        )),
        Source::Table(_) => None,
    }
}

/// Tells what the read skipped or nulled, and what the transforms left out.
fn report(progress: &Progress, prepared: Option<&Prepared>) {
    for line in prepared.map(Prepared::summary).unwrap_or_default() {
        eprintln!("{line}");
    }
    if progress.skipped() > 0 {
        eprintln!("{} malformed records were skipped", progress.skipped());
    }
    if progress.nulled() > 0 {
        eprintln!(
            "{} values that did not parse were read as null (the warnings name their fields)",
            progress.nulled()
        );
    }
}

/// What every shard is written as.
struct Output<'a> {
    format: WriteFormat,
    schema: &'a arrow::datatypes::Schema,
    options: &'a [(String, String)],
    source: &'a WriteSource,
}

/// `--sharded`: one file per split into `<output>.partial/`, renamed to
/// `output` when all are written (removed on failure).
fn write_sharded(
    output: &std::path::Path,
    shards: &Output<'_>,
    source: &Source,
    threads: usize,
    progress: &Arc<Progress>,
    prepared: Option<&Prepared>,
    window: Option<u64>,
) -> Result<Vec<Written>> {
    if output.exists() {
        bail!(
            "{}: already exists; --sharded writes a new directory",
            output.display()
        );
    }
    let mut partial = output.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::create_dir_all(&partial)
        .with_context(|| format!("{}: cannot be created", partial.display()))?;
    let extension = shards.format.extension_of(output);
    let written = source.write_shards(threads, progress, prepared, |index| {
        let path = partial.join(format!("part-{index:05}.{extension}"));
        let sink = shards
            .format
            .create(&path, shards.schema, shards.options, shards.source)?;
        Ok(reordered(sink, window))
    });
    match written.and_then(|w| {
        std::fs::rename(&partial, output).with_context(|| {
            format!(
                "{}: cannot be renamed to {}",
                partial.display(),
                output.display()
            )
        })?;
        Ok(w)
    }) {
        Ok(written) => Ok(written),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            Err(e)
        }
    }
}

/// The transforms one thread runs: its own worker (its own reference
/// handles), or nothing to do.
struct Steps(Option<genolake_ops::pipeline::Worker>);

impl Steps {
    fn new(prepared: Option<&Prepared>) -> Result<Self> {
        Ok(Self(prepared.map(Prepared::worker).transpose()?))
    }

    fn apply(&mut self, batch: RecordBatch) -> Result<RecordBatch> {
        match &mut self.0 {
            Some(worker) => Ok(worker.apply(&batch)?),
            None => Ok(batch),
        }
    }
}

/// `sink`, behind a window that puts rows a transform moved back in order
/// (normalized indels shift left past earlier records, as in `bcftools
/// norm`) when `window` is given.
fn reordered(sink: Box<dyn FormatWriter>, window: Option<u64>) -> Box<dyn FormatWriter> {
    match window {
        Some(bases) => Box::new(Reordered {
            inner: sink,
            window: SortWindow::new(bases),
        }),
        None => sink,
    }
}

struct Reordered {
    inner: Box<dyn FormatWriter>,
    window: SortWindow,
}

impl FormatWriter for Reordered {
    fn write(&mut self, batch: &RecordBatch) -> genolake_sql::Result<()> {
        for ready in self.window.push(batch.clone())? {
            self.inner.write(&ready)?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> genolake_sql::Result<Written> {
        for ready in self.window.finish()? {
            self.inner.write(&ready)?;
        }
        self.inner.finish()
    }
}
