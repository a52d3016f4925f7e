//! Copies a BGEN file through Arrow, `times` over, as layout 2 with the
//! given bits per probability and compression (`zlib`, `zstd` or `none`):
//! a quick way to make larger test files, or the zstd twin of a zlib file.
//!
//! `cargo run --release -p genolake-bgen --example bgen_copy -- in.bgen out.bgen [bits] [times] [compression]`

use std::process::ExitCode;

use genolake_bgen::{Compression, Reader, Writer, WriterOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: bgen_copy <in.bgen> <out.bgen> [bits] [times] [zlib|zstd|none]");
        return ExitCode::FAILURE;
    }
    let compression = match args.get(4).map(String::as_str) {
        None | Some("zlib") => Compression::Zlib,
        Some("zstd") => Compression::Zstd,
        Some("none") => Compression::None,
        Some(other) => {
            eprintln!("unknown compression {other}: expected zlib, zstd or none");
            return ExitCode::FAILURE;
        }
    };
    let bits = args.get(2).and_then(|b| b.parse().ok()).unwrap_or(16);
    let times: usize = args.get(3).and_then(|t| t.parse().ok()).unwrap_or(1);
    let run = || -> Result<u64, genolake_bgen::Error> {
        let mut writer = Writer::create(
            &args[1],
            WriterOptions {
                bits_per_probability: bits,
                compression,
                ..Default::default()
            },
        )?;
        for _ in 0..times {
            for batch in Reader::open(&args[0])? {
                writer.write(&batch?)?;
            }
        }
        writer.finish()
    };
    match run() {
        Ok(n) => {
            println!("{n} variants written to {}", args[1]);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
