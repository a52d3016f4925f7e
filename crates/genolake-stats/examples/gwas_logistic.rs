//! Times the logistic regression tests on a simulated cohort: by default
//! 100,000 variants × 2,000 samples, one binary phenotype, 10 covariates
//! (plus the intercept), in blocks of 1,000 variants.
//!
//! `cargo run --release -p genolake-stats --example gwas_logistic -- [variants] [samples] [test]`
//!
//! `test` is `score` (with the approximate Firth correction under
//! p = 0.05), `wald` (with Firth's fallback) or `both` (default). Dosages
//! are simulated block by block outside the timed region; the CPU time
//! printed is the process's user + system time spent in the tests.

use faer::Mat;
use genolake_stats::gwas::logistic::LogisticModel;

const BLOCK: usize = 1000;
const COVARIATES: usize = 10;

struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// User + system CPU seconds of this process (Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the
    // 12th and 13th of them, in clock ticks (100 per second on Linux).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Dosages of block `b`: allele frequencies from 0.002 to 0.5, a third of
/// the variants rare (under 1%).
fn block(rng: &mut Rng, samples: usize, width: usize) -> Mat<f64> {
    let freqs: Vec<f64> = (0..width)
        .map(|_| {
            if rng.uniform() < 1.0 / 3.0 {
                0.002 + 0.008 * rng.uniform()
            } else {
                0.01 + 0.49 * rng.uniform()
            }
        })
        .collect();
    Mat::from_fn(samples, width, |_, v| {
        let f = freqs[v];
        f64::from(u8::from(rng.uniform() < f) + u8::from(rng.uniform() < f))
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let variants: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let samples: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let test = args.next().unwrap_or_else(|| "both".into());

    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let covariates = Mat::from_fn(samples, COVARIATES, |_, _| rng.normal());
    // A phenotype with about 30% cases, driven by the covariates and a
    // variant of the first block.
    let causal = block(&mut rng, samples, 1);
    let phenotypes = Mat::from_fn(samples, 1, |i, _| {
        let eta = -0.9 + 0.3 * covariates[(i, 0)] - 0.2 * covariates[(i, 1)] + 0.4 * causal[(i, 0)];
        f64::from(u8::from(rng.uniform() < 1.0 / (1.0 + (-eta).exp())))
    });
    let start = cpu_seconds();
    let model = LogisticModel::builder(phenotypes.as_ref())
        .covariates(covariates.as_ref())
        .build()
        .expect("a valid model");
    let prepare = cpu_seconds() - start;
    println!(
        "{variants} variants × {samples} samples, {COVARIATES} covariates + intercept, 1 phenotype"
    );
    println!("null model: {prepare:.2} s CPU");

    for name in ["score", "wald"] {
        if test != "both" && test != name {
            continue;
        }
        let mut rng = Rng(0xb10c_0000_0000_0001);
        let (mut cpu, mut firth, mut failed, mut smallest) = (0.0, 0usize, 0usize, 1.0_f64);
        let mut done = 0;
        while done < variants {
            let width = BLOCK.min(variants - done);
            let dosages = block(&mut rng, samples, width);
            let t = cpu_seconds();
            match name {
                "score" => {
                    let r = model.score_test(dosages.as_ref()).expect("finite dosages");
                    cpu += cpu_seconds() - t;
                    for (_, _, cell) in r.iter() {
                        match cell {
                            Ok(s) => {
                                firth += usize::from(s.firth);
                                smallest = smallest.min(s.p_value);
                            }
                            Err(_) => failed += 1,
                        }
                    }
                }
                _ => {
                    let r = model.wald_test(dosages.as_ref()).expect("finite dosages");
                    cpu += cpu_seconds() - t;
                    for (_, _, cell) in r.iter() {
                        match cell {
                            Ok(s) => {
                                firth += usize::from(s.firth);
                                smallest = smallest.min(s.p_value);
                            }
                            Err(_) => failed += 1,
                        }
                    }
                }
            }
            done += width;
        }
        println!(
            "{name}: {cpu:.2} s CPU ({:.1} µs per variant), {firth} Firth fits, {failed} failed tests, smallest p {smallest:.3e}",
            cpu * 1e6 / variants as f64
        );
    }
}
