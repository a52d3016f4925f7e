//! Times whole-genome ridge regression (step 1) on a simulated cohort.
//!
//! ```text
//! cargo run --release -p genolake-stats --example wgr -- [variants] [samples] [block size] [contigs]
//! ```
//!
//! Defaults: 100,000 variants × 2,000 samples, one quantitative phenotype
//! with 3 covariates, block size 1000 (REGENIE's default), 10 contigs.
//! Dosages are generated block by block (never held whole), as a reader
//! would stream them. Prints wall and CPU seconds (user + system, from
//! `/proc/self/stat`) for the generation and for step 1.

use std::time::Instant;

use faer::Mat;
use genolake_stats::wgr::{WgrOptions, WholeGenomeRidge};

/// A cheap reproducible hash → [0, 1).
fn uniform(a: u64, b: u64) -> f64 {
    let mut x = a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Dosage of sample `i` at variant `j`: two draws at the variant's allele
/// frequency (0.05–0.5).
fn dosage(i: usize, j: usize) -> f64 {
    let freq = 0.05 + 0.45 * uniform(j as u64, 7);
    (uniform(i as u64, 2 * j as u64 + 1) < freq) as u8 as f64
        + (uniform(i as u64, 2 * j as u64 + 2) < freq) as u8 as f64
}

fn cpu_seconds() -> f64 {
    // utime and stime are fields 14 and 15 of /proc/self/stat, in clock
    // ticks (100 a second on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |k: usize| {
        fields
            .get(k)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let variants = args.first().copied().unwrap_or(100_000);
    let samples = args.get(1).copied().unwrap_or(2_000);
    let block_size = args.get(2).copied().unwrap_or(1000);
    let contigs = args.get(3).copied().unwrap_or(10).max(1);
    let per_contig = variants.div_ceil(contigs);

    // A phenotype from 200 causal variants (h² about 0.4) and 3 covariates.
    let causal: Vec<usize> = (0..200).map(|k| (k * 7919 + 13) % variants).collect();
    let covariates = Mat::<f64>::from_fn(samples, 3, |i, j| {
        uniform(i as u64, 1000 + j as u64) * 2.0 - 1.0
    });
    let y = Mat::<f64>::from_fn(samples, 1, |i, _| {
        let genetic: f64 = causal.iter().map(|&j| dosage(i, j) - 0.5).sum::<f64>() * 0.05;
        genetic + covariates[(i, 0)] + 2.0 * (uniform(i as u64, 999) - 0.5)
    });

    let options = WgrOptions {
        block_size,
        ..WgrOptions::default()
    };
    let mut wgr = WholeGenomeRidge::new(
        vec!["y".into()],
        y.as_ref(),
        Some(covariates.as_ref()),
        variants,
        options,
    )?;
    let (mut gen_wall, mut gen_cpu) = (0.0, 0.0);
    let (wall0, cpu0) = (Instant::now(), cpu_seconds());
    let chunk = 1000;
    let mut start = 0;
    while start < variants {
        let len = chunk.min(variants - start);
        let (w, c) = (Instant::now(), cpu_seconds());
        let g = Mat::<f64>::from_fn(samples, len, |i, j| dosage(i, start + j));
        let names: Vec<String> = (start..start + len)
            .map(|j| format!("{}", j / per_contig + 1))
            .collect();
        gen_wall += w.elapsed().as_secs_f64();
        gen_cpu += cpu_seconds() - c;
        wgr.push(g.as_ref(), &names)?;
        start += len;
    }
    let (level1_wall, level1_cpu) = (Instant::now(), cpu_seconds());
    let loco = wgr.finish()?;
    let (level1_wall, level1_cpu) = (
        level1_wall.elapsed().as_secs_f64(),
        cpu_seconds() - level1_cpu,
    );
    let wall = wall0.elapsed().as_secs_f64() - gen_wall;
    let cpu = cpu_seconds() - cpu0 - gen_cpu;
    let fit = &loco.level1()[0];
    println!(
        "{variants} variants × {samples} samples, block size {block_size}, {} contigs: step 1 {wall:.2} s wall, {cpu:.2} s CPU \
         (simulating the dosages: {gen_wall:.2} s wall); level-1 penalty {:.1}, CV MSE {:.4}",
        loco.contigs().len(),
        fit.best_alpha(),
        fit.scores()[fit.best()]
    );
    println!("of which level 1 and LOCO: {level1_wall:.2} s wall, {level1_cpu:.2} s CPU");
    println!(
        "CPU per variant × sample: {:.2} ns",
        cpu * 1e9 / (variants as f64 * samples as f64)
    );
    Ok(())
}
