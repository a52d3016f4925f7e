//! Counts the records of a VCF or BCF file and prints the schema it reads with.
//!
//! `cargo run --release -p genolake-vcf --example vcf_count -- [--threads N] calls.vcf.gz`
//!
//! With `--threads N` (default 1) the file is cut into splits
//! ([`genolake_vcf::plan_splits`]) decoded by `N` threads at once, as
//! `genolake count --threads N` does: this is the decode path (VCF to Arrow,
//! no output) on which the benchmarks against `bcftools view -Ou` run.
//! `--matrix` decodes into the matrix layout
//! ([`ReaderOptions::matrix_genotypes`](genolake_vcf::ReaderOptions)), as
//! ingest does, instead of Glow's.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

fn main() -> ExitCode {
    let mut threads = 1usize;
    let mut matrix = false;
    let mut path = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--threads" {
            match args.next().and_then(|n| n.parse().ok()) {
                Some(n) if n > 0 => threads = n,
                _ => return usage(),
            }
        } else if arg == "--matrix" {
            matrix = true;
        } else if path.is_none() && !arg.starts_with('-') {
            path = Some(arg);
        } else {
            return usage();
        }
    }
    let Some(path) = path else {
        return usage();
    };
    match count(&path, threads, matrix) {
        Ok(rows) => {
            println!("{rows} records");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: vcf_count [--threads N] [--matrix] <file.vcf[.gz]|file.bcf>");
    ExitCode::FAILURE
}

fn count(path: &str, threads: usize, matrix: bool) -> genolake_vcf::Result<usize> {
    let options = genolake_vcf::ReaderOptions {
        matrix_genotypes: matrix,
        ..Default::default()
    };
    let is_bcf = genolake_vcf::bcf::is_bcf(path)?;
    let header = Arc::new(if is_bcf {
        genolake_vcf::bcf::read_header(path, options.stringency)?
    } else {
        genolake_vcf::read_header(path, options.stringency)?
    });
    let splits = genolake_vcf::plan_splits(path, threads)?;
    let schema = genolake_vcf::schema(&header, &options).map_err(|e| {
        genolake_vcf::Error::new(
            path,
            genolake_vcf::Position::File,
            genolake_vcf::ErrorKind::Options(e),
        )
    })?;
    println!("{schema:#?}");
    let queue = Mutex::new(splits.into_iter());
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> genolake_vcf::Result<usize> {
                    let mut rows = 0;
                    loop {
                        let next = queue.lock().expect("no worker panics").next();
                        let Some(split) = next else { break };
                        if is_bcf {
                            let reader = genolake_vcf::bcf::Reader::builder(path)
                                .options(options.clone())
                                .split(&split)
                                .build()?;
                            for batch in reader {
                                rows += batch?.num_rows();
                            }
                            continue;
                        }
                        let reader = genolake_vcf::Reader::builder(path)
                            .options(options.clone())
                            .split(&split)
                            .header(header.clone())
                            .build()?;
                        for batch in reader {
                            rows += batch?.num_rows();
                        }
                    }
                    Ok(rows)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a decoding thread panicked"))
            .sum()
    })
}
