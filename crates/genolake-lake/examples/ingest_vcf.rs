//! Ingests VCF files into a Delta table and reports where the time went.
//!
//! ```text
//! cargo run --release -p genolake-lake --example ingest_vcf -- \
//!     TABLE INPUT.vcf[.gz]... [--mode error|append|overwrite] [--partition-by COLUMN] \
//!     [--splits N] [--no-idempotent] [--writer genomics|parquet-defaults]
//! ```
//!
//! `--writer` compares Parquet writer properties: genolake's
//! [`genomics_writer_properties`] (the default) against Parquet's defaults
//! with snappy (dictionaries and page statistics on every column).
//!
//! Each input is cut into up to `--splits` splits (default: one per core),
//! decoded concurrently, and written in one commit with the inputs'
//! checksums as provenance.

use std::time::Instant;

use deltalake::parquet::basic::Compression;
use deltalake::parquet::file::properties::WriterProperties;
use genolake_lake::{Ingest, Provenance, SaveMode, blocking_stream, genomics_writer_properties};
use genolake_vcf::{Reader, plan_splits};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut mode = SaveMode::ErrorIfExists;
    let mut partition_by = Vec::new();
    let mut splits = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut idempotent = true;
    let mut writer = String::from("genomics");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--mode" => mode = args.next().ok_or("--mode needs a value")?.parse()?,
            "--partition-by" => {
                partition_by.push(args.next().ok_or("--partition-by needs a column")?)
            }
            "--splits" => splits = args.next().ok_or("--splits needs a number")?.parse()?,
            "--no-idempotent" => idempotent = false,
            "--writer" => writer = args.next().ok_or("--writer needs a value")?,
            _ => positional.push(arg),
        }
    }
    let [table, inputs @ ..] = positional.as_slice() else {
        return Err(
            "usage: ingest_vcf TABLE INPUT... [--mode M] [--partition-by C] [--splits N]".into(),
        );
    };
    if inputs.is_empty() {
        return Err("no input files".into());
    }

    let started = Instant::now();
    let provenance = Provenance::from_paths(inputs, serde_json::json!({"splits": splits})).await?;
    let checksum_time = started.elapsed();
    let input_bytes: u64 = provenance.inputs.iter().map(|i| i.size).sum();

    let mut streams = Vec::new();
    for input in inputs {
        for split in plan_splits(input, splits)? {
            let reader = Reader::builder(input).split(&split).build()?;
            streams.push(blocking_stream(reader.schema(), reader));
        }
    }
    let schema = streams[0].schema();
    let properties = match writer.as_str() {
        "genomics" => genomics_writer_properties(&schema),
        "parquet-defaults" => WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build(),
        other => return Err(format!("unknown --writer {other}").into()),
    };
    let summary = Ingest::new(table.as_str())
        .writer_properties(properties)
        .mode(mode)
        .partition_by(partition_by)
        .provenance(provenance)
        .idempotent(idempotent)
        .execute_streams(streams)
        .await?;
    let total = started.elapsed();
    println!("{summary}");
    println!(
        "inputs {:.1} MB: checksums {:.3} s ({:.0} MB/s), ingest {:.2} s, total {:.2} s ({:.1} MB/s of input)",
        input_bytes as f64 / 1e6,
        checksum_time.as_secs_f64(),
        input_bytes as f64 / 1e6 / checksum_time.as_secs_f64(),
        (total - checksum_time).as_secs_f64(),
        total.as_secs_f64(),
        input_bytes as f64 / 1e6 / total.as_secs_f64(),
    );
    Ok(())
}
