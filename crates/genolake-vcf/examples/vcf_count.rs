//! Counts the records of a VCF file and prints the schema it reads with.
//!
//! `cargo run --release -p genolake-vcf --example vcf_count -- calls.vcf.gz`

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: vcf_count <file.vcf[.gz]>");
        return ExitCode::FAILURE;
    };
    let reader = match genolake_vcf::Reader::open(&path) {
        Ok(reader) => reader,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{:#?}", reader.schema());
    let mut rows = 0;
    for batch in reader {
        match batch {
            Ok(batch) => rows += batch.num_rows(),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{rows} records");
    ExitCode::SUCCESS
}
