//! Helpers shared by the integration tests: the Glow test data, a plain Rust
//! view of variant rows (from our BGEN batches or from `genolake_vcf`), and
//! plink2.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use arrow::array::{Array, AsArray, RecordBatch, StructArray};
use arrow::datatypes::{Float64Type, Int32Type, Int64Type};

/// The Glow BGEN test data folder beside the repository.
pub fn glow_bgen() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/glow/bgen")
}

/// Test files copied into this crate.
pub fn local_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// One genotype, as plain values.
#[derive(Debug, Clone, PartialEq)]
pub struct Gt {
    pub sample_id: Option<String>,
    pub phased: Option<bool>,
    pub calls: Option<Vec<i32>>,
    pub ploidy: Option<i32>,
    /// `None` for a null list, or a list whose items are all null (VCF `.`).
    pub probabilities: Option<Vec<f64>>,
}

/// One variant row, as plain values.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub contig: String,
    pub start: i64,
    pub end: i64,
    pub names: Vec<String>,
    pub reference: String,
    pub alternates: Vec<String>,
    pub genotypes: Vec<Gt>,
}

fn strings(list: &dyn Array) -> Vec<String> {
    list.as_string::<i32>()
        .iter()
        .map(|s| s.unwrap_or("").to_string())
        .collect()
}

/// Rows of batches with Glow's column names (BGEN or VCF).
pub fn rows(batches: &[RecordBatch]) -> Vec<Row> {
    let mut out = Vec::new();
    for batch in batches {
        let col = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap_or_else(|| panic!("no column {name}"))
        };
        let contig = col("contigName").as_string::<i32>();
        let start = col("start").as_primitive::<Int64Type>();
        let end = col("end").as_primitive::<Int64Type>();
        let names = col("names").as_list::<i32>();
        let reference = col("referenceAllele").as_string::<i32>();
        let alternates = col("alternateAlleles").as_list::<i32>();
        let genotypes = col("genotypes").as_list::<i32>();
        for i in 0..batch.num_rows() {
            let g = genotypes.value(i);
            let g: &StructArray = g.as_struct();
            let field = |name: &str| g.column_by_name(name).cloned();
            let ids = field("sampleId");
            let phased = field("phased");
            let calls = field("calls");
            let ploidy = field("ploidy");
            let probabilities = field("posteriorProbabilities");
            let mut gts = Vec::new();
            for j in 0..g.len() {
                let sample_id = ids
                    .as_ref()
                    .filter(|a| a.is_valid(j))
                    .map(|a| a.as_string::<i32>().value(j).to_string());
                let phased = phased
                    .as_ref()
                    .filter(|a| a.is_valid(j))
                    .map(|a| a.as_boolean().value(j));
                let calls = calls.as_ref().filter(|a| a.is_valid(j)).map(|a| {
                    a.as_list::<i32>()
                        .value(j)
                        .as_primitive::<Int32Type>()
                        .iter()
                        .map(|c| c.unwrap_or(-1))
                        .collect()
                });
                let ploidy = ploidy
                    .as_ref()
                    .filter(|a| a.is_valid(j))
                    .map(|a| a.as_primitive::<Int32Type>().value(j));
                let probabilities =
                    probabilities
                        .as_ref()
                        .filter(|a| a.is_valid(j))
                        .and_then(|a| {
                            let p = a.as_list::<i32>().value(j);
                            let p = p.as_primitive::<Float64Type>();
                            (p.null_count() < p.len() || p.is_empty())
                                .then(|| p.iter().map(|x| x.unwrap_or(f64::NAN)).collect())
                        });
                gts.push(Gt {
                    sample_id,
                    phased,
                    calls,
                    ploidy,
                    probabilities,
                });
            }
            out.push(Row {
                contig: contig.value(i).to_string(),
                start: start.value(i),
                end: end.value(i),
                names: strings(names.value(i).as_ref()),
                reference: reference.value(i).to_string(),
                alternates: strings(alternates.value(i).as_ref()),
                genotypes: gts,
            });
        }
    }
    out
}

/// Every row of a BGEN file read with `options`.
pub fn read_bgen(path: &Path, options: genolake_bgen::ReaderOptions) -> Vec<Row> {
    let batches: Vec<RecordBatch> = genolake_bgen::Reader::builder(path)
        .options(options)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    rows(&batches)
}

/// Every row of a VCF file, read by genolake-vcf.
pub fn read_vcf(path: &Path) -> Vec<Row> {
    let batches: Vec<RecordBatch> = genolake_vcf::Reader::open(path)
        .unwrap_or_else(|e| panic!("{e}"))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    rows(&batches)
}

/// Names as a sorted set, splitting the `,` qctool writes between the
/// variant identifier and the rsid.
pub fn name_set(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = names
        .iter()
        .flat_map(|n| n.split([',', ';']))
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Runs plink2 with `args` in `dir`; panics with a clear message if it is
/// missing (CI installs it; set GENOLAKE_SKIP_PEERS=1 to skip peer comparisons).
pub fn plink2(dir: &Path, args: &[&str]) -> Option<()> {
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
    Some(())
}
