//! Any bytes as a FASTA file and its `.fai` (cut at the first 0xff byte:
//! the index before it, the sequence after), then fetches from every
//! contig the index names: bases or an error naming the file and place,
//! never a panic or an allocation past the range asked for.
//!
//! `scripts/fuzz.sh read_fasta` builds and runs it, seeded with the test
//! references.

#![no_main]

use genolake_ops::fasta::IndexedFasta;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cut = data.iter().position(|&b| b == 0xff).unwrap_or(data.len());
    let (index, sequence) = (&data[..cut], data.get(cut + 1..).unwrap_or(&[]));
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let fasta = dir.path().join("ref.fa");
    if std::fs::write(&fasta, sequence).is_err()
        || std::fs::write(dir.path().join("ref.fa.fai"), index).is_err()
    {
        return;
    }
    let Ok(mut reader) = IndexedFasta::open(&fasta) else {
        return;
    };
    let contigs: Vec<(String, u64)> = reader
        .contigs()
        .iter()
        .map(|c| (c.name.clone(), c.length))
        .collect();
    for (name, length) in contigs.iter().take(8) {
        for (start, end) in [(0, 1), (0, 64), (length / 2, length / 2 + 3), (0, *length)] {
            // Asking for a whole huge contig is the caller's choice; keep
            // the fuzzer's asks small.
            if end.saturating_sub(start) <= 1 << 16 {
                let _ = reader.fetch(name, start, end);
            }
        }
    }
});
