//! Any bytes as a whole VCF file, header included, read whole and in two
//! splits under strict and lenient stringency: rows or errors, never a
//! panic or an allocation the input cannot justify.
//!
//! `scripts/fuzz.sh read_vcf_file` at the top of the repository builds and
//! runs it, seeded with the conformance suites in `tests/data`.

#![no_main]

use genolake_core::{Split, Stringency};
use genolake_vcf::{Reader, ReaderOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("genolake-vcf-file-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input.vcf");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let half = data.len() as u64 / 2;
    let part = |start, end| Split {
        path: path.clone(),
        start,
        end,
    };
    let splits = [Split::whole(&path), part(0, half), part(half, u64::MAX)];
    for stringency in [Stringency::Strict, Stringency::Lenient] {
        for split in &splits {
            let options = ReaderOptions {
                stringency,
                batch_size: Some(2),
                ..Default::default()
            };
            if let Ok(reader) = Reader::builder(&path).options(options).split(split).build() {
                for batch in reader {
                    if batch.is_err() {
                        break;
                    }
                }
            }
        }
    }
});
