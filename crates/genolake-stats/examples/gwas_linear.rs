//! Times the linear-regression GWAS on a synthetic cohort: matrix-layout
//! calls → dosages → block tests, one thread.
//!
//! ```text
//! cargo run --release -p genolake-stats --example gwas_linear [variants] [samples] [block] [missing]
//! ```
//! Defaults: 100,000 variants × 2,000 samples, one phenotype, ten
//! covariates, blocks of 256 variants, 1% of genotypes missing (imputed
//! with the variant's mean). Prints wall and CPU time of each
//! step; the calls are simulated before the clock starts.

use std::time::Instant;

use faer::{Mat, MatRef};
use genolake_stats::MatrixCalls;
use genolake_stats::gwas::dosage::from_calls;
use genolake_stats::gwas::linear::{LinearModel, LinearOptions, LinearResults};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// CPU seconds (user + system) of this process so far, from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the line, in clock ticks (100 a second).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let missing_rate: f64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0.01);
    let args: Vec<usize> = args.iter().take(3).filter_map(|a| a.parse().ok()).collect();
    let variants = args.first().copied().unwrap_or(100_000);
    let n = args.get(1).copied().unwrap_or(2_000);
    let block = args.get(2).copied().unwrap_or(256);
    let covariates = 10;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    // Diploid one-byte calls, allele frequencies 0.01–0.5.
    let mut calls = vec![0u8; variants * 2 * n];
    for row in calls.chunks_exact_mut(2 * n) {
        let p = 0.01 + 0.49 * rng.unit();
        for slot in row.chunks_exact_mut(2) {
            if rng.unit() < missing_rate {
                slot.fill(0xff);
            } else {
                slot[0] = u8::from(rng.unit() < p);
                slot[1] = u8::from(rng.unit() < p);
            }
        }
    }
    let x = Mat::from_fn(n, covariates, |_, _| rng.unit());
    let y = Mat::from_fn(n, 1, |i, _| x[(i, 0)] + rng.unit());

    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let model =
        LinearModel::new(x.as_ref(), y.as_ref(), None, &LinearOptions::default()).expect("a model");
    let mut dosages = vec![0.0; n * block];
    let mut results = LinearResults::default();
    let (mut dosage_time, mut test_time) = (0.0, 0.0);
    let (mut tested, mut smallest) = (0usize, 1.0f64);
    for first in (0..variants).step_by(block) {
        let m = block.min(variants - first);
        let t = Instant::now();
        for (k, column) in dosages[..m * n].chunks_exact_mut(n).enumerate() {
            let row = &calls[(first + k) * 2 * n..(first + k + 1) * 2 * n];
            let matrix = MatrixCalls::new(row, 2, n).expect("a diploid row");
            from_calls(&matrix, column).expect("a column per row");
        }
        let t2 = Instant::now();
        model
            .test(
                MatRef::from_column_major_slice(&dosages[..m * n], n, m),
                &mut results,
            )
            .expect("a tested block");
        test_time += t2.elapsed().as_secs_f64();
        dosage_time += (t2 - t).as_secs_f64();
        for (_, _, a) in results.iter() {
            if let Some(a) = a {
                tested += 1;
                smallest = smallest.min(a.p_value);
            }
        }
    }
    let (wall, cpu) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    println!(
        "{variants} variants x {n} samples x 1 phenotype x {covariates} covariates, blocks of {block}, \
         {missing_rate} missing: {tested} tests, smallest p {smallest:.3e}"
    );
    println!(
        "wall {wall:.3} s, CPU {cpu:.2} s (dosages {dosage_time:.3} s, regression {test_time:.3} s); \
         {:.2} ns per genotype",
        wall * 1e9 / (variants * n) as f64
    );
}
