//! Any bytes as a fileset: the reader returns rows or errors, never panics
//! and never allocates beyond what the files' sizes call for.
//!
//! The input is cut into the `.fam`, the `.bim` and the `.bed` at its first
//! two `0xff` bytes (absent cuts leave the later files empty); a fileset
//! with a valid magic is tried as well, so the fuzzer reaches the decoder,
//! in Glow's layout and in the matrix layout.
//!
//! `cargo +nightly fuzz run read_plink` from crates/genolake-plink.

#![no_main]

use genolake_core::Stringency;
use genolake_plink::{GenotypeOutput, Reader, ReaderOptions};
use libfuzzer_sys::fuzz_target;

fn read(path: &std::path::Path, options: ReaderOptions) {
    if let Ok(reader) = Reader::builder(path).options(options).build() {
        for batch in reader {
            if batch.is_err() {
                break;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("genolake-plink-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let mut parts = data.splitn(3, |b| *b == 0xff);
    let fam = parts.next().unwrap_or_default();
    let bim = parts.next().unwrap_or_default();
    let bed = parts.next().unwrap_or_default();
    let with_magic: Vec<u8> = [0x6c, 0x1b, 0x01].iter().chain(bed).copied().collect();
    for bed in [bed, &with_magic[..]] {
        let written = std::fs::write(dir.join("f.fam"), fam).is_ok()
            && std::fs::write(dir.join("f.bim"), bim).is_ok()
            && std::fs::write(dir.join("f.bed"), bed).is_ok();
        if !written {
            return;
        }
        // Every output: Glow's calls lists, the matrix layout's slots and
        // the .bed records.
        for genotypes in [
            GenotypeOutput::Glow,
            GenotypeOutput::Matrix,
            GenotypeOutput::BedRecords,
        ] {
            for stringency in [Stringency::Strict, Stringency::Lenient] {
                let options = ReaderOptions {
                    stringency,
                    batch_size: Some(3),
                    genotypes,
                    ..Default::default()
                };
                read(&dir.join("f.bed"), options);
            }
        }
    }
});
