//! A simulated cohort for comparisons with plink2, generated
//! deterministically: rare-heavy allele frequencies, monomorphic sites,
//! missing calls at several rates, some triallelic sites, and sites far out
//! of Hardy-Weinberg equilibrium (all heterozygous, no heterozygotes,
//! inbred). Shared by genolake-stats' and genolake-sql's tests.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

/// One site: its alleles and two calls per sample (−1 missing).
pub struct Site {
    pub chrom: u32,
    pub pos: u64,
    pub id: String,
    pub reference: String,
    pub alternates: Vec<String>,
    pub calls: Vec<i32>,
}

pub struct Cohort {
    pub samples: Vec<String>,
    pub sites: Vec<Site>,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const BASES: [&str; 4] = ["A", "C", "G", "T"];

/// The cohort: `sites` sites × `samples` samples, the same for a seed;
/// most alternate allele frequencies are rare (0.5 · U³).
pub fn simulate(sites: usize, samples: usize, seed: u64) -> Cohort {
    simulate_with(sites, samples, seed, |u| 0.5 * u.powi(3))
}

/// Like [`simulate`], with common alternate alleles (frequencies 0.1 to
/// 0.5): with thousands of samples, p-values near 1 that are not 1.
pub fn simulate_common(sites: usize, samples: usize, seed: u64) -> Cohort {
    simulate_with(sites, samples, seed, |u| 0.1 + 0.4 * u)
}

fn simulate_with(sites: usize, samples: usize, seed: u64, frequency: fn(f64) -> f64) -> Cohort {
    let mut rng = Rng(seed);
    let sample_ids = (0..samples).map(|s| format!("S{s:04}")).collect();
    let mut out = Vec::with_capacity(sites);
    for v in 0..sites {
        let r = (rng.next() % 4) as usize;
        let mut alts = vec![(r + 1 + (rng.next() % 3) as usize) % 4];
        let triallelic = v % 100 == 3;
        if triallelic {
            let other = (0..4).find(|&b| b != r && b != alts[0]).unwrap();
            alts.push(other);
        }
        let missing = [0.0, 0.0, 0.002, 0.01, 0.05, 0.3][(rng.next() % 6) as usize];
        let (p, inbreeding) = if v % 500 == 19 {
            (0.3, 0.6)
        } else if v % 50 == 0 {
            (0.0, 0.0)
        } else {
            (frequency(rng.unit()), 0.0)
        };
        let mut calls = Vec::with_capacity(2 * samples);
        for s in 0..samples {
            if rng.unit() < missing {
                calls.extend([-1, -1]);
                continue;
            }
            let pair = match v % 500 {
                // All heterozygous: out of equilibrium beyond 1e-50.
                7 => [0, 1],
                // No heterozygotes, half each homozygote.
                13 => {
                    let a = (s % 2) as i32;
                    [a, a]
                }
                _ => {
                    let draw = |rng: &mut Rng| -> i32 {
                        if rng.unit() >= p {
                            0
                        } else if triallelic && rng.unit() < 0.3 {
                            2
                        } else {
                            1
                        }
                    };
                    let a = draw(&mut rng);
                    let b = if rng.unit() < inbreeding {
                        a
                    } else {
                        draw(&mut rng)
                    };
                    [a, b]
                }
            };
            calls.extend(pair);
        }
        out.push(Site {
            chrom: 1 + (v * 22 / sites) as u32,
            pos: 1000 + 100 * v as u64,
            id: format!("v{v}"),
            reference: BASES[r].to_string(),
            alternates: alts.iter().map(|&a| BASES[a].to_string()).collect(),
            calls,
        });
    }
    Cohort {
        samples: sample_ids,
        sites: out,
    }
}

impl Cohort {
    /// Writes the cohort as an uncompressed VCF 4.2 file.
    pub fn write_vcf(&self, path: &Path) {
        let mut text = String::new();
        text.push_str("##fileformat=VCFv4.2\n");
        for c in 1..=22 {
            writeln!(text, "##contig=<ID={c}>").unwrap();
        }
        text.push_str("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n");
        text.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT");
        for s in &self.samples {
            write!(text, "\t{s}").unwrap();
        }
        text.push('\n');
        for site in &self.sites {
            write!(
                text,
                "{}\t{}\t{}\t{}\t{}\t.\t.\t.\tGT",
                site.chrom,
                site.pos,
                site.id,
                site.reference,
                site.alternates.join(",")
            )
            .unwrap();
            for pair in site.calls.chunks(2) {
                let allele = |a: i32| {
                    if a < 0 {
                        ".".to_string()
                    } else {
                        a.to_string()
                    }
                };
                write!(text, "\t{}/{}", allele(pair[0]), allele(pair[1])).unwrap();
            }
            text.push('\n');
        }
        std::fs::write(path, text).unwrap();
    }
}

/// Runs plink2 with `args` in `dir`; panics (the test fails) when plink2 is
/// missing or fails.
pub fn plink2(dir: &Path, args: &[&str]) {
    let output = std::process::Command::new("plink2")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("plink2 must be installed for this test (it is the peer): {e}"));
    assert!(
        output.status.success(),
        "plink2 {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A plink2 report as rows of named columns.
pub fn report(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("plink2 report {} unreadable: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("a header line")
        .trim_start_matches('#')
        .split('\t')
        .map(str::to_string)
        .collect();
    lines
        .map(|line| {
            header
                .iter()
                .cloned()
                .zip(line.split('\t').map(str::to_string))
                .collect()
        })
        .collect()
}

/// Whether `ours` rounds to `printed`, a number plink2 wrote with `%g`
/// (six significant digits, trailing zeros dropped): the difference is at
/// most half a unit of the sixth significant digit (with a hair of slack
/// for the decimal conversion).
pub fn agrees_to_printed(ours: f64, printed: &str) -> bool {
    let theirs: f64 = printed
        .parse()
        .unwrap_or_else(|_| panic!("{printed:?} is not a number"));
    if theirs == 0.0 {
        return ours.abs() < 1e-300;
    }
    // Relative, so that values near f64's smallest need no power of ten
    // that underflows.
    let log = theirs.abs().log10();
    let half_unit = 0.5e-5 * 10f64.powf(log.floor() - log);
    ((ours - theirs) / theirs).abs() <= half_unit * (1.0 + 1e-9) + 1e-12
}
