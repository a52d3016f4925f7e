//! The `genolake` binary end to end: schema, count, errors and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn genolake(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genolake"))
        .args(args)
        .output()
        .expect("the genolake binary runs")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/data/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn bcftools(args: &[&str]) -> String {
    let out = Command::new("bcftools")
        .args(args)
        .output()
        .expect("bcftools is needed for this test (apt-get install bcftools)");
    assert!(out.status.success(), "bcftools {args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn schema_prints_glow_columns_and_genotype_fields() {
    let out = genolake(&["schema", example().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for column in [
        "contigName: Utf8",
        "start: Int64",
        "end: Int64",
        "INFO_AF",
        "genotypes: List<Struct>",
        "  sampleId: Utf8",
        "  calls: List(Int32)",
    ] {
        assert!(text.contains(column), "schema lacks {column:?}:\n{text}");
    }
    let out = genolake(&["schema", "--no-sample-ids", example().to_str().unwrap()]);
    assert!(!stdout(&out).contains("sampleId"));
}

#[test]
fn count_agrees_with_bcftools() {
    let path = example();
    let path = path.to_str().unwrap();
    let records = bcftools(&["view", "-H", path]).lines().count();
    let samples = bcftools(&["query", "-l", path]).lines().count();
    let out = genolake(&["count", "--threads", "2", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        format!(
            "{records} records, {} genotypes, 0 skipped",
            records * samples
        )
    );
    let region = "20:10000000-10001500";
    let expected = bcftools(&["view", "-H", "-r", region, path])
        .lines()
        .count();
    let out = genolake(&["count", "--region", region, path]);
    assert!(
        stdout(&out).starts_with(&format!("{expected} records")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn malformed_input_fails_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.vcf");
    std::fs::write(
        &path,
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\tx\t.\tA\tC\t.\t.\t.\n",
    )
    .unwrap();
    let out = genolake(&["count", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("bad.vcf: line 3: POS \"x\""), "{err}");
    let out = genolake(&["count", "--stringency", "lenient", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "0 records, 0 genotypes, 1 skipped");
    assert!(stderr(&out).contains("record skipped"), "{}", stderr(&out));
}

#[test]
fn unknown_stringency_is_a_usage_error() {
    let out = genolake(&["count", "--stringency", "loose", "x.vcf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("strict, lenient or silent"),
        "{}",
        stderr(&out)
    );
}
