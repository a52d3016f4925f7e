//! Copies a BGEN file through Arrow, `times` over, as layout 2 with the
//! given bits per probability: a quick way to make larger test files.
//!
//! `cargo run --release -p genolake-bgen --example bgen_copy -- in.bgen out.bgen [bits] [times]`

use std::process::ExitCode;

use genolake_bgen::{Reader, Writer, WriterOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: bgen_copy <in.bgen> <out.bgen> [bits] [times]");
        return ExitCode::FAILURE;
    }
    let bits = args.get(2).and_then(|b| b.parse().ok()).unwrap_or(16);
    let times: usize = args.get(3).and_then(|t| t.parse().ok()).unwrap_or(1);
    let run = || -> Result<u64, genolake_bgen::Error> {
        let mut writer = Writer::create(
            &args[1],
            WriterOptions {
                bits_per_probability: bits,
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
