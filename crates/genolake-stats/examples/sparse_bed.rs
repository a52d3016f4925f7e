//! Times the sparse linear-regression kernel on a real `.bed`: its records
//! as matrix-layout calls → sparse dosage columns → block tests, one thread.
//!
//! ```text
//! cargo run --release -p genolake-stats --example sparse_bed PREFIX [block] [repeats] [bed]
//! ```
//! With `bed`, the records are listed as they are (`SparseDosages::push_bed`)
//! instead of as matrix calls.
//! Reads PREFIX.bed and PREFIX.fam (SNP-major, allele 1 counted, as
//! genolake's PLINK reader does), one simulated phenotype and ten
//! simulated covariates. The calls are decoded before the clock starts, so
//! the figures are the listing of the dosages and the tests alone: the part
//! of `genolake gwas linear` that follows the carriers.

use std::time::Instant;

use faer::Mat;
use genolake_stats::MatrixCalls;
use genolake_stats::gwas::linear::{LinearModel, LinearOptions, LinearResults};
use genolake_stats::gwas::sparse::SparseDosages;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let prefix = args
        .first()
        .ok_or("usage: sparse_bed PREFIX [block] [repeats]")?;
    let block: usize = args.get(1).map_or(Ok(512), |a| a.parse())?;
    let repeats: usize = args.get(2).map_or(Ok(3), |a| a.parse())?;
    let from_bed = args.get(3).is_some_and(|a| a == "bed");
    let n = std::fs::read_to_string(format!("{prefix}.fam"))?
        .lines()
        .count();
    let bed = std::fs::read(format!("{prefix}.bed"))?;
    let width = n.div_ceil(4);
    let records = bed.get(3..).ok_or("a .bed of fewer than 3 bytes")?;
    let variants = records.len() / width;
    // Codes 00, 10, 11: two, one and no copies of allele 1; 01 missing.
    let slots: [[u8; 2]; 4] = [[1, 1], [0xff, 0xff], [0, 1], [0, 0]];
    let mut calls = vec![0u8; variants * 2 * n];
    for (record, row) in records
        .chunks_exact(width)
        .zip(calls.chunks_exact_mut(2 * n))
    {
        for (i, slot) in row.chunks_exact_mut(2).enumerate() {
            let code = (record[i / 4] >> (2 * (i % 4))) & 3;
            slot.copy_from_slice(&slots[usize::from(code)]);
        }
    }
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut unit = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let x = Mat::from_fn(n, 10, |_, _| unit());
    let y = Mat::from_fn(n, 1, |i, _| x[(i, 0)] + unit());
    let model = LinearModel::new(x.as_ref(), y.as_ref(), None, &LinearOptions::default())?;

    let mut sparse = SparseDosages::new(n);
    let mut results = LinearResults::default();
    for _ in 0..repeats {
        let (mut list_time, mut test_time) = (0.0, 0.0);
        let (mut entries, mut tested) = (0usize, 0usize);
        for first in (0..variants).step_by(block) {
            let m = block.min(variants - first);
            let t = Instant::now();
            sparse.clear();
            if from_bed {
                for record in records[first * width..(first + m) * width].chunks_exact(width) {
                    sparse.push_bed(record)?;
                }
            } else {
                for row in calls[first * 2 * n..(first + m) * 2 * n].chunks_exact(2 * n) {
                    sparse.push_calls(&MatrixCalls::new(row, 2, n)?)?;
                }
            }
            let t2 = Instant::now();
            model.test_sparse(sparse.block(), &mut results)?;
            test_time += t2.elapsed().as_secs_f64();
            list_time += (t2 - t).as_secs_f64();
            entries += sparse.block().entries();
            tested += results.iter().filter(|(_, _, a)| a.is_some()).count();
        }
        println!(
            "{variants} variants x {n} samples: {entries} entries, {tested} tests; \
             listing {list_time:.3} s ({:.2} ns an entry), tests {test_time:.3} s ({:.2} ns an entry)",
            list_time * 1e9 / entries as f64,
            test_time * 1e9 / entries as f64
        );
    }
    Ok(())
}
