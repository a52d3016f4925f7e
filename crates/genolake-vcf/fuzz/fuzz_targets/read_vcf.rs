//! Any bytes after a valid header: the reader returns rows or errors, never panics.
//!
//! `cargo +nightly fuzz run read_vcf` from crates/genolake-vcf.

#![no_main]

use genolake_core::Stringency;
use genolake_vcf::{Reader, ReaderOptions};
use libfuzzer_sys::fuzz_target;

const HEADER: &[u8] = b"##fileformat=VCFv4.3\n\
##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n\
##INFO=<ID=AF,Number=A,Type=Float,Description=\"f\">\n\
##INFO=<ID=DB,Number=0,Type=Flag,Description=\"b\">\n\
##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n\
##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"a\">\n\
##FORMAT=<ID=FT,Number=1,Type=String,Description=\"t\">\n\
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n";

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("genolake-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input.vcf");
    let mut bytes = HEADER.to_vec();
    bytes.extend_from_slice(data);
    if std::fs::write(&path, &bytes).is_err() {
        return;
    }
    for stringency in [Stringency::Strict, Stringency::Lenient] {
        let options = ReaderOptions { stringency, batch_size: Some(3), ..Default::default() };
        if let Ok(reader) = Reader::builder(&path).options(options).build() {
            for batch in reader {
                if batch.is_err() {
                    break;
                }
            }
        }
    }
});
