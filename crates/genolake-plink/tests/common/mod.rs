//! Helpers shared by the integration tests: the Glow test data, plink2, a
//! cohort simulator, and a plain-Rust view of the rows of a variant table
//! (from PLINK or from VCF) so tables can be compared value by value.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int32Type, Int64Type};
use genolake_plink::{Reader, ReaderOptions};

/// The Glow PLINK test data copied into this crate.
pub fn glow_plink() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/five-samples-five-variants")
}

/// One row of a variant table, as plain values.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub contig: String,
    pub names: Vec<String>,
    pub position: Option<f64>,
    pub start: i64,
    pub end: i64,
    pub reference: String,
    pub alternates: Vec<String>,
    /// `(sampleId, calls)` per genotype; calls empty when null.
    pub genotypes: Vec<(Option<String>, Vec<i32>)>,
}

fn strings(array: &dyn Array) -> Vec<String> {
    array
        .as_string::<i32>()
        .iter()
        .map(|s| s.unwrap_or("<null>").to_string())
        .collect()
}

/// The rows of batches of the PLINK or the VCF schema.
pub fn rows(batches: &[RecordBatch]) -> Vec<Row> {
    let mut out = Vec::new();
    for batch in batches {
        let col = |name: &str| batch.column_by_name(name);
        let contig = col("contigName").unwrap().as_string::<i32>().clone();
        let names = col("names").unwrap().as_list::<i32>().clone();
        let position = col("position").map(|p| p.as_primitive::<Float64Type>().clone());
        let start = col("start").unwrap().as_primitive::<Int64Type>().clone();
        let end = col("end").unwrap().as_primitive::<Int64Type>().clone();
        let reference = col("referenceAllele").unwrap().as_string::<i32>().clone();
        let alternates = col("alternateAlleles").unwrap().as_list::<i32>().clone();
        let genotypes = col("genotypes").unwrap().as_list::<i32>().clone();
        for i in 0..batch.num_rows() {
            let structs = genotypes.value(i);
            let structs = structs.as_struct();
            let ids = structs.column_by_name("sampleId");
            let calls = structs.column_by_name("calls").unwrap().as_list::<i32>();
            let genotypes = (0..structs.len())
                .map(|j| {
                    let id = ids.map(|ids| ids.as_string::<i32>().value(j).to_string());
                    let c = if calls.is_null(j) {
                        Vec::new()
                    } else {
                        calls.value(j).as_primitive::<Int32Type>().values().to_vec()
                    };
                    (id, c)
                })
                .collect();
            out.push(Row {
                contig: contig.value(i).to_string(),
                names: strings(names.value(i).as_ref()),
                position: position.as_ref().map(|p| p.value(i)),
                start: start.value(i),
                end: end.value(i),
                reference: reference.value(i).to_string(),
                alternates: strings(alternates.value(i).as_ref()),
                genotypes,
            });
        }
    }
    out
}

/// Reads a whole fileset; panics with the error's message.
pub fn read_plink(path: &Path, options: ReaderOptions) -> Vec<RecordBatch> {
    Reader::builder(path)
        .options(options)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Reads a whole VCF with genolake-vcf.
pub fn read_vcf(path: &Path) -> Vec<RecordBatch> {
    genolake_vcf::Reader::open(path)
        .unwrap_or_else(|e| panic!("{e}"))
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs plink2 in `dir`; `None` when GENOLAKE_SKIP_PEERS is set.
pub fn plink2(dir: &Path, args: &[&str]) -> Option<String> {
    if std::env::var_os("GENOLAKE_SKIP_PEERS").is_some() {
        eprintln!("GENOLAKE_SKIP_PEERS is set: not comparing with plink2");
        return None;
    }
    let output = Command::new("plink2")
        .args(args)
        .current_dir(dir)
        .output()
        .expect(
            "plink2 is needed for this test (apt-get install plink2), or set GENOLAKE_SKIP_PEERS=1",
        );
    assert!(
        output.status.success(),
        "plink2 {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// xorshift64*: reproducible and fast.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A simulated biallelic cohort as VCF text: `variants` sites on
/// chromosomes 1–22 (each chromosome's positions ascending), allele
/// frequencies drawn per site, genotypes under Hardy–Weinberg with about 2%
/// missing, some phased, about 1% haploid, and some sites with a missing ID
/// or a multi-base REF.
pub fn simulated_vcf(variants: u64, samples: usize, seed: u64) -> String {
    use std::fmt::Write;
    let mut rng = Rng(seed);
    let mut out = String::new();
    out.push_str("##fileformat=VCFv4.2\n");
    for c in 1..=22 {
        writeln!(out, "##contig=<ID={c},length=250000000>").unwrap();
    }
    out.push_str("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n");
    out.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT");
    for s in 0..samples {
        write!(out, "\tS{s:04}").unwrap();
    }
    out.push('\n');
    let per_contig = variants.div_ceil(22);
    let bases = ["A", "C", "G", "T"];
    for v in 0..variants {
        let contig = v / per_contig + 1;
        let pos = (v % per_contig) * 100 + 1 + rng.below(90);
        let r = rng.below(4) as usize;
        let a = (r + 1 + rng.below(3) as usize) % 4;
        let reference = if rng.below(20) == 0 {
            format!("{}{}", bases[r], bases[a])
        } else {
            bases[r].to_string()
        };
        let id = if rng.below(10) == 0 {
            ".".to_string()
        } else {
            format!("rs{v}")
        };
        write!(
            out,
            "{contig}\t{pos}\t{id}\t{reference}\t{}\t.\t.\t.\tGT",
            bases[a]
        )
        .unwrap();
        let af = rng.unit() * 0.6;
        for _ in 0..samples {
            if rng.below(50) == 0 {
                out.push_str("\t./.");
                continue;
            }
            let x = u8::from(rng.unit() < af);
            if rng.below(100) == 0 {
                // A haploid call: plink2 stores it as homozygous.
                write!(out, "\t{x}").unwrap();
                continue;
            }
            let y = u8::from(rng.unit() < af);
            let sep = if rng.below(5) == 0 { '|' } else { '/' };
            write!(out, "\t{x}{sep}{y}").unwrap();
        }
        out.push('\n');
    }
    out
}

/// The calls PLINK keeps of a VCF genotype: unphased, so in ascending
/// order, missing as `[-1, -1]`.
pub fn plink_calls(calls: &[i32]) -> Vec<i32> {
    match calls {
        [] => vec![-1, -1],
        [a] if *a < 0 => vec![-1, -1],
        [a] => vec![*a, *a],
        [a, b] if *a < 0 || *b < 0 => vec![-1, -1],
        [a, b] => vec![*a.min(b), *a.max(b)],
        other => panic!("not haploid or diploid: {other:?}"),
    }
}
