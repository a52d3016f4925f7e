//! Any bytes as the inflated content of a BCF file (magic, header and
//! records), wrapped in BGZF and read whole and from a split in the
//! middle, under strict and lenient stringency: rows or errors, never a
//! panic or an allocation the input cannot justify.
//!
//! `scripts/fuzz.sh read_bcf` at the top of the repository builds and runs
//! it; `tests/data/VCFv4.3.bcf`, inflated, is a good seed.

#![no_main]

use genolake_core::{Split, Stringency};
use genolake_vcf::ReaderOptions;
use genolake_vcf::bcf::Reader;
use libfuzzer_sys::fuzz_target;

/// BGZF blocks of at most 4 KiB (so records cross blocks), and the
/// end-of-file block.
fn bgzf(data: &[u8]) -> Vec<u8> {
    let mut compressor = libdeflater::Compressor::new(libdeflater::CompressionLvl::fastest());
    let mut out = Vec::new();
    let chunks = data.chunks(4096).chain(std::iter::once(&[][..]));
    for piece in chunks {
        let mut deflated = vec![0u8; compressor.deflate_compress_bound(piece.len())];
        let Ok(n) = compressor.deflate_compress(piece, &mut deflated) else {
            return out;
        };
        let size = (18 + n + 8 - 1) as u16;
        out.extend_from_slice(&[31, 139, 8, 4, 0, 0, 0, 0, 0, 255, 6, 0, b'B', b'C', 2, 0]);
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&deflated[..n]);
        let mut crc = libdeflater::Crc::new();
        crc.update(piece);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(piece.len() as u32).to_le_bytes());
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("genolake-bcf-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input.bcf");
    let bytes = bgzf(data);
    if std::fs::write(&path, &bytes).is_err() {
        return;
    }
    let half = bytes.len() as u64 / 2;
    let splits = [
        Split::whole(&path),
        Split {
            path: path.clone(),
            start: half,
            end: u64::MAX,
        },
    ];
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
