//! Any bytes as a UCSC chain file, then a few intervals lifted with it:
//! an index or an error naming the line, never a panic or an allocation
//! the input cannot justify.
//!
//! `scripts/fuzz.sh read_chain` builds and runs it, seeded with the
//! Picard chains of `tests/data/liftover/picard`.

#![no_main]

use genolake_ops::chain::ChainIndex;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(index) = ChainIndex::from_reader(data, "fuzz.chain") else {
        return;
    };
    for (start, end) in [
        (0, 1),
        (0, 100),
        (10, 11),
        (1 << 20, (1 << 20) + 5),
        (-5, 3),
    ] {
        for contig in ["chr1", "1", "chr20", ""] {
            let _ = index.lift_over(contig, start, end, 0.95);
            let _ = index.lift_over(contig, start, end, 0.0);
        }
    }
});
