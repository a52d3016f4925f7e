//! Times per-row QC on matrix-layout rows: the visitor path that `genolake
//! qc` took (`call_summary_stats` and `SampleCallStats::add_row`, each
//! walking the row) against the fused fast path
//! (`SampleCallStats::add_row_summarised`).
//!
//! The rows are simulated: diploid, one byte a slot, alternate allele
//! frequencies drawn from Beta(0.2, 1) (most variants rare, as in a
//! sequenced cohort), 1% of genotypes missing, sites of every class.
//!
//! ```text
//! cargo run --release --example qc_rows                  # both paths, median of 5
//! cargo run --release --example qc_rows -- 20000 2000 visitor   # one path, once
//! cargo run --release --example qc_rows -- 20000 2000 fused     # (for callgrind)
//! cargo run --release --example qc_rows -- 20000 2000 none      # simulation only
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use genolake_stats::{
    CallSummary, Calls, MatrixCalls, SampleCallStats, SampleVisitor, call_summary_stats,
};

// The plink2 tests' cohort module, for its random numbers.
#[path = "../tests/cohort/mod.rs"]
mod cohort;

use cohort::Rng;

/// A matrix row seen only through its visitor: the path every row took
/// before the fast path.
struct Visited<'a>(MatrixCalls<'a>);

impl Calls for Visited<'_> {
    fn samples(&self) -> usize {
        self.0.samples()
    }

    fn visit<V: SampleVisitor>(&self, visitor: &mut V) {
        self.0.visit(visitor)
    }
}

/// Sites by class, with their share of rows in percent.
const SITES: [(&str, &str, u32); 6] = [
    ("A", "G", 45),   // transition
    ("C", "A", 25),   // transversion
    ("A", "AT", 12),  // insertion
    ("ATT", "A", 12), // deletion
    ("T", "*", 2),    // spanning deletion
    ("AC", "GT", 4),  // other
];

struct Cohort {
    samples: usize,
    bytes: Vec<u8>,
    sites: Vec<usize>,
}

fn simulate(rows: usize, samples: usize) -> Cohort {
    let mut rng = Rng(2026);
    let mut bytes = Vec::with_capacity(rows * samples * 2);
    let mut sites = Vec::with_capacity(rows);
    for _ in 0..rows {
        // Beta(0.2, 1) by inversion: its distribution function is x^0.2.
        let p = rng.unit().powi(5);
        for _ in 0..samples {
            if rng.unit() < 0.01 {
                bytes.extend([0xff, 0xff]);
            } else {
                bytes.push(u8::from(rng.unit() < p));
                bytes.push(u8::from(rng.unit() < p));
            }
        }
        let mut pick = (rng.next() % 100) as u32;
        let site = SITES
            .iter()
            .position(|&(_, _, share)| {
                let hit = pick < share;
                pick = pick.saturating_sub(share);
                hit
            })
            .unwrap_or(0);
        sites.push(site);
    }
    Cohort {
        samples,
        bytes,
        sites,
    }
}

impl Cohort {
    fn rows(&self) -> impl Iterator<Item = (MatrixCalls<'_>, &'static str, &'static str)> {
        self.bytes
            .chunks_exact(2 * self.samples)
            .zip(&self.sites)
            .map(|(row, &site)| {
                let calls = MatrixCalls::new(row, 2, self.samples).expect("a diploid row");
                (calls, SITES[site].0, SITES[site].1)
            })
    }
}

/// What a path produced: per-sample counts and a checksum of the
/// summaries, so that the paths can be checked against each other.
fn run(cohort: &Cohort, path: &str) -> (SampleCallStats, i64) {
    let mut stats = SampleCallStats::default();
    let mut check = 0i64;
    let mut fold = |s: &CallSummary| {
        check += i64::from(s.n_called) * 3 + i64::from(s.n_het) * 5 + i64::from(s.n_non_ref) * 7;
        check += s.n_homozygous.iter().map(|&x| i64::from(x)).sum::<i64>() * 11;
        check += s.allele_counts.iter().map(|&x| i64::from(x)).sum::<i64>() * 13;
    };
    for (calls, reference, alternate) in cohort.rows() {
        let summary = match path {
            "visitor" => {
                let calls = Visited(calls);
                stats
                    .add_row(&calls, reference, [alternate])
                    .expect("a row");
                call_summary_stats(&calls)
            }
            "separate" => {
                stats
                    .add_row(&calls, reference, [alternate])
                    .expect("a row");
                call_summary_stats(&calls)
            }
            _ => stats
                .add_row_summarised(&calls, reference, [alternate])
                .expect("a row"),
        };
        fold(black_box(&summary));
    }
    (stats, check)
}

/// CPU time this thread has run, from Linux's scheduler statistics: on a
/// machine shared with other work, wall time also counts the waits.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Wall and CPU time of `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration, Option<Duration>) {
    let (cpu, start) = (cpu_time(), Instant::now());
    let value = f();
    let wall = start.elapsed();
    let cpu = cpu_time()
        .zip(cpu)
        .map(|(end, start)| end.saturating_sub(start));
    (value, wall, cpu)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows = args.first().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let samples = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let cohort = simulate(rows, samples);
    let genotypes = (rows * samples) as f64;
    if let Some(path) = args.get(2) {
        if path == "none" {
            // The simulation alone, to subtract from a profile.
            println!("{} bytes simulated", black_box(&cohort.bytes).len());
            return;
        }
        let ((stats, check), wall, cpu) = timed(|| run(&cohort, path));
        println!(
            "{path}: {:.3} s wall, {:.3} s CPU, {:.3} ns CPU per genotype (check {check}, {} samples)",
            wall.as_secs_f64(),
            cpu.unwrap_or(wall).as_secs_f64(),
            cpu.unwrap_or(wall).as_secs_f64() * 1e9 / genotypes,
            stats.counts().len()
        );
        return;
    }
    println!(
        "{rows} rows x {samples} diploid samples, median of 5 runs per path (wall, and CPU of this thread)"
    );
    let reference = run(&cohort, "visitor");
    let mut medians = Vec::new();
    for path in ["visitor", "separate", "fused"] {
        let (mut walls, mut cpus) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let (result, wall, cpu) = timed(|| run(&cohort, path));
            walls.push(wall);
            cpus.push(cpu.unwrap_or(wall));
            assert!(
                result.0 == reference.0 && result.1 == reference.1,
                "{path} disagrees with the visitor path"
            );
        }
        let (wall, cpu) = (median(walls), median(cpus));
        medians.push(cpu);
        println!(
            "{path:>8}: wall {:8.2} ms {:6.3} ns/genotype   CPU {:8.2} ms {:6.3} ns/genotype",
            wall.as_secs_f64() * 1e3,
            wall.as_secs_f64() * 1e9 / genotypes,
            cpu.as_secs_f64() * 1e3,
            cpu.as_secs_f64() * 1e9 / genotypes
        );
    }
    println!(
        "CPU time, visitor / fused: {:.1}x; separate / fused: {:.2}x",
        medians[0].as_secs_f64() / medians[2].as_secs_f64(),
        medians[1].as_secs_f64() / medians[2].as_secs_f64()
    );
}
