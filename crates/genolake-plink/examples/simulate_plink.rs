//! Writes a simulated PLINK 1 fileset, for benchmarks.
//!
//! `simulate_plink <variants> <samples> <prefix>` writes `<prefix>.bed`,
//! `.bim` and `.fam`: sites spread over chromosomes 1–22, an allele
//! frequency drawn per site, genotypes drawn under Hardy–Weinberg
//! equilibrium and about 1% missing.

use std::fs::File;
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
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: simulate_plink <variants> <samples> <prefix>");
        std::process::exit(2);
    }
    let variants: u64 = args[1].parse().expect("variants is a number");
    let samples: usize = args[2].parse().expect("samples is a number");
    let prefix = &args[3];
    let create = |ext: &str| {
        File::create(format!("{prefix}.{ext}")).map(|f| BufWriter::with_capacity(1 << 20, f))
    };
    let mut fam = create("fam")?;
    for s in 0..samples {
        writeln!(fam, "F{s:06}\tS{s:06}\t0\t0\t{}\t-9", 1 + s % 2)?;
    }
    fam.flush()?;
    let mut bim = create("bim")?;
    let mut bed = create("bed")?;
    bed.write_all(&[0x6c, 0x1b, 0x01])?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let per_contig = variants.div_ceil(22);
    let bases = ["A", "C", "G", "T"];
    let mut record = vec![0u8; samples.div_ceil(4)];
    for v in 0..variants {
        let contig = v / per_contig + 1;
        let bp = (v % per_contig) * 1000 + 1 + rng.next() % 900;
        let r = (rng.next() % 4) as usize;
        let a = (r + 1 + (rng.next() % 3) as usize) % 4;
        writeln!(bim, "{contig}\trs{v}\t0\t{bp}\t{}\t{}", bases[a], bases[r])?;
        let af = rng.unit().powi(2) * 0.5;
        record.fill(0);
        for s in 0..samples {
            let code = if rng.next().is_multiple_of(100) {
                0b01
            } else {
                let alts = u8::from(rng.unit() < af) + u8::from(rng.unit() < af);
                [0b11, 0b10, 0b00][alts as usize]
            };
            record[s / 4] |= code << (2 * (s % 4));
        }
        bed.write_all(&record)?;
    }
    bim.flush()?;
    bed.flush()
}
