//! Any bytes read as a BGEN file, whole and in splits: rows or errors, never
//! a panic or an allocation the input cannot justify.
//!
//! `scripts/fuzz.sh read_bgen` at the top of the repository builds it on
//! stable Rust and runs it, seeded with the BGEN test files.

#![no_main]

use genolake_bgen::{Reader, ReaderOptions};
use genolake_core::{Split, Stringency};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("genolake-bgen-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input.bgen");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    for stringency in [Stringency::Strict, Stringency::Lenient] {
        let options = ReaderOptions {
            stringency,
            batch_size: Some(3),
            ..Default::default()
        };
        if let Ok(reader) = Reader::builder(&path).options(options).build() {
            for batch in reader {
                if batch.is_err() {
                    break;
                }
            }
        }
    }
    for split in Split::tile(&path, data.len() as u64, 3) {
        if let Ok(reader) = Reader::builder(&path).split(&split).build() {
            for batch in reader {
                if batch.is_err() {
                    break;
                }
            }
        }
    }
});
