//! Any bytes read as BGZF blocks: errors or data, never a panic or a huge allocation.

#![no_main]

use genolake_vcf::bgzf::BlockReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = BlockReader::new(std::io::Cursor::new(data));
    let mut out = Vec::new();
    while let Ok(Some(_)) = reader.read_block(&mut out) {
        assert!(out.len() <= data.len() * 70_000);
    }
});
