//! Counts the variants of a PLINK 1 fileset, reading it on several threads,
//! and prints how fast the `.bed` was decoded into Arrow.
//!
//! `cargo run --release -p genolake-plink --example plink_count -- cohort.bed [threads] [passes] [batch rows]`
//!
//! With several passes the fileset is read again in the same process and
//! the fastest pass is reported: the first pass also pays for the kernel
//! handing the process fresh memory pages, which a long-running engine pays
//! once.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use genolake_core::Progress;
use genolake_plink::{Reader, ReaderOptions, read_fileset};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: plink_count <file.bed | prefix> [threads] [passes] [batch rows]");
        return ExitCode::FAILURE;
    };
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(1);
    let passes: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(1);
    let batch_size: Option<usize> = args.next().and_then(|t| t.parse().ok());
    match run(&path, threads, passes.max(1), batch_size) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(
    path: &str,
    threads: usize,
    passes: usize,
    batch_size: Option<usize>,
) -> Result<(), genolake_plink::Error> {
    let options = ReaderOptions {
        batch_size,
        ..Default::default()
    };
    let began = Instant::now();
    let fileset = Arc::new(read_fileset(path, &options)?);
    let opened = began.elapsed();
    let splits = fileset.plan_splits(threads);
    let bed_bytes = fileset.variant_offset(fileset.variant_count());
    println!("{:#?}", genolake_plink::schema(&options));
    println!(
        "{} variants × {} samples in {} split(s); opening (.fam, .bim count) took {:.3} s",
        fileset.variant_count(),
        fileset.samples().len(),
        splits.len(),
        opened.as_secs_f64()
    );
    let mut best = f64::INFINITY;
    for pass in 1..=passes {
        let seconds = read_once(path, &options, &fileset, &splits)?;
        best = best.min(seconds);
        println!(
            "pass {pass}: decoded {:.1} MB of .bed in {seconds:.3} s: {:.0} MB/s, {:.0} M genotypes/s",
            bed_bytes as f64 / 1e6,
            bed_bytes as f64 / 1e6 / seconds,
            fileset.variant_count() as f64 * fileset.samples().len() as f64 / 1e6 / seconds
        );
    }
    if passes > 1 {
        println!("best pass: {:.0} MB/s", bed_bytes as f64 / 1e6 / best);
    }
    Ok(())
}

fn read_once(
    path: &str,
    options: &ReaderOptions,
    fileset: &Arc<genolake_plink::Fileset>,
    splits: &[genolake_core::Split],
) -> Result<f64, genolake_plink::Error> {
    let progress = Arc::new(Progress::default());
    let decode = Instant::now();
    let counts: Vec<Result<usize, genolake_plink::Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = splits
            .iter()
            .map(|split| {
                let reader = Reader::builder(path)
                    .options(options.clone())
                    .split(split)
                    .fileset(fileset.clone())
                    .progress(progress.clone());
                scope.spawn(move || {
                    let mut rows = 0;
                    for batch in reader.build()? {
                        rows += batch?.num_rows();
                    }
                    Ok(rows)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("reader thread panicked"))
            .collect()
    });
    let mut rows = 0;
    for c in counts {
        rows += c?;
    }
    let seconds = decode.elapsed().as_secs_f64();
    assert_eq!(rows as u64, fileset.variant_count());
    assert_eq!(progress.records(), fileset.variant_count());
    Ok(seconds)
}
