//! Writes a simulated cohort VCF to stdout, for benchmarks.
//!
//! `simulate_vcf <variants> <samples> [gt|rich] | bgzip -@2 > cohort.vcf.gz`
//!
//! Sites are spread over chr1–chr22 with allele frequencies drawn per site
//! and genotypes drawn under Hardy–Weinberg equilibrium; about 1% of calls are
//! missing and 2% of sites are triallelic. `rich` adds AD, DP, GQ and PL, the
//! FORMAT keys of a GATK joint-called cohort.

use std::io::{self, BufWriter, Write};

/// xorshift64*: fast and reproducible; statistical quality is beside the point.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let variants: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let samples: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let rich = args.get(3).is_some_and(|a| a == "rich");
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    writeln!(out, "##fileformat=VCFv4.2")?;
    for c in 1..=22 {
        writeln!(out, "##contig=<ID=chr{c},length=250000000>")?;
    }
    writeln!(
        out,
        "##INFO=<ID=AF,Number=A,Type=Float,Description=\"Allele frequency\">"
    )?;
    writeln!(
        out,
        "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Total depth\">"
    )?;
    writeln!(
        out,
        "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">"
    )?;
    if rich {
        writeln!(
            out,
            "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Allelic depths\">"
        )?;
        writeln!(
            out,
            "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Read depth\">"
        )?;
        writeln!(
            out,
            "##FORMAT=<ID=GQ,Number=1,Type=Integer,Description=\"Genotype quality\">"
        )?;
        writeln!(
            out,
            "##FORMAT=<ID=PL,Number=G,Type=Integer,Description=\"Phred-scaled likelihoods\">"
        )?;
    }
    write!(out, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")?;
    for s in 0..samples {
        write!(out, "\tS{s:06}")?;
    }
    writeln!(out)?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let per_contig = variants.div_ceil(22);
    let bases = [b'A', b'C', b'G', b'T'];
    let mut line = Vec::with_capacity(samples * 32);
    for v in 0..variants {
        let contig = v / per_contig + 1;
        let pos = (v % per_contig) * 1000 + 1 + rng.below(900);
        let r = rng.below(4) as usize;
        let reference = bases[r];
        let alternate = bases[(r + 1 + rng.below(3) as usize) % 4];
        let triallelic = rng.below(50) == 0;
        let af = rng.unit().powi(3) * 0.5;
        line.clear();
        let alt = if triallelic { "X,Y" } else { "X" };
        let alt = alt
            .replace('X', &(alternate as char).to_string())
            .replace('Y', "<DEL>");
        write!(
            line,
            "chr{contig}\t{pos}\trs{v}\t{}\t{alt}\t{:.1}\tPASS\tAF={af:.4}{};DP={}\t",
            reference as char,
            rng.unit() * 1000.0,
            if triallelic { ",0.001" } else { "" },
            samples * 30
        )?;
        line.extend_from_slice(if rich { b"GT:AD:DP:GQ:PL" } else { b"GT" });
        for _ in 0..samples {
            line.push(b'\t');
            if rng.below(100) == 0 {
                line.extend_from_slice(if rich { b"./.:.:.:.:." } else { b"./." });
                continue;
            }
            let a = (rng.unit() < af) as u8;
            let b = (rng.unit() < af) as u8;
            line.extend_from_slice(&[b'0' + a, b'/', b'0' + b]);
            if rich {
                let depth = 10 + rng.below(30);
                let alt_reads = match a + b {
                    0 => rng.below(2),
                    1 => depth / 2,
                    _ => depth - rng.below(2),
                };
                let gq = 20 + rng.below(79);
                write!(line, ":{},{alt_reads}", depth - alt_reads)?;
                if triallelic {
                    line.extend_from_slice(b",0");
                }
                write!(line, ":{depth}:{gq}:")?;
                let pl = match a + b {
                    0 => [0, gq, gq * 10],
                    1 => [gq * 3, 0, gq * 4],
                    _ => [gq * 10, gq, 0],
                };
                write!(line, "{},{},{}", pl[0], pl[1], pl[2])?;
                if triallelic {
                    write!(line, ",{},{},{}", pl[2] + 40, pl[2] + 50, pl[2] + 60)?;
                }
            }
        }
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()
}
