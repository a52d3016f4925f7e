//! Strict reads against the specification's own conformance suite
//! (hts-specs `test/vcf`) and the VCFs of bcftools' and htslib's test
//! suites, with bcftools as the peer.
//!
//! - Every `passed` file reads, with bcftools' record count.
//! - `failed` files are rejected, each with an error naming the file and a
//!   line, but those in [`ACCEPTED_FAILED`], which say why.
//! - Of the bcftools and htslib files that bcftools reads, genolake reads
//!   each with bcftools' record count, but those in [`REJECTED_PEERS`],
//!   which say why.
//!
//! Both lists are exact: a change that accepts or rejects another file
//! fails here and has to say why. The rates are printed (run with
//! `--nocapture`); with bcftools 1.16, strict reads reject 577 of the 607
//! `failed` files (95.1%) and read 509 of the 537 peer files bcftools reads
//! (94.8%).

use std::path::{Path, PathBuf};
use std::process::Command;

use genolake_vcf::Reader;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Every `.vcf` and `.vcf.gz` under `dir`, as paths relative to `data()`.
fn vcfs(dir: &str) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path.to_string_lossy();
                if name.ends_with(".vcf") || name.ends_with(".vcf.gz") {
                    let relative = path.strip_prefix(root).unwrap();
                    out.push(relative.to_string_lossy().into_owned());
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&data(), &data().join(dir), &mut out);
    assert!(!out.is_empty(), "no VCFs under {dir}");
    out
}

/// The records bcftools reads from `file`, or `None` if it fails.
fn bcftools_records(file: &str) -> Option<usize> {
    if std::env::var_os("GENOLAKE_SKIP_PEERS").is_some() {
        panic!("this test compares with bcftools: unset GENOLAKE_SKIP_PEERS");
    }
    let output = Command::new("bcftools")
        .args(["view", "-H"])
        .arg(data().join(file))
        .output()
        .expect("bcftools is needed for this test (apt-get install bcftools)");
    output
        .status
        .success()
        .then(|| output.stdout.iter().filter(|&&b| b == b'\n').count())
}

/// Records genolake's strict reader reads, or its error.
fn strict_records(file: &str) -> Result<usize, String> {
    let reader = Reader::open(data().join(file)).map_err(|e| e.to_string())?;
    let mut rows = 0;
    for batch in reader {
        rows += batch.map_err(|e| e.to_string())?.num_rows();
    }
    Ok(rows)
}

/// `failed` files of the conformance suite that strict reads accept, and why.
const ACCEPTED_FAILED: &[(&str, &str)] = &[
    // The specification forbids none of these: the suite's validator
    // (EBI's vcf-validator) checks more than the text says.
    (
        "4.1/failed/failed_body_chrom_001.vcf",
        "':' may be in a contig name (SAM's rule, VCF 4.3)",
    ),
    (
        "4.2/failed/failed_body_chrom_001.vcf",
        "':' may be in a contig name (SAM's rule, VCF 4.3)",
    ),
    (
        "4.3/failed/failed_body_chrom_001.vcf",
        "':' may be in a contig name (SAM's rule, VCF 4.3)",
    ),
    (
        "4.3/failed/failed_body_chrom_004.vcf",
        "'*' may follow the first character of a contig name",
    ),
    (
        "4.3/failed/failed_meta_contig_003.vcf",
        "'*' may follow the first character of a contig name",
    ),
    (
        "4.1/failed/failed_body_duplicated_000.vcf",
        "two records of one variant: not forbidden, and common",
    ),
    (
        "4.2/failed/failed_body_duplicated_000.vcf",
        "two records of one variant: not forbidden, and common",
    ),
    (
        "4.3/failed/failed_body_duplicated_000.vcf",
        "two records of one variant: not forbidden, and common",
    ),
    (
        "4.1/failed/failed_body_duplicated_001.vcf",
        "the same variant told three ways: found by normalizing",
    ),
    (
        "4.2/failed/failed_body_duplicated_001.vcf",
        "the same variant told three ways: found by normalizing",
    ),
    (
        "4.3/failed/failed_body_duplicated_001.vcf",
        "the same variant told three ways: found by normalizing",
    ),
    (
        "4.1/failed/failed_body_duplicated_003.vcf",
        "the same variant told two ways: found by normalizing",
    ),
    (
        "4.2/failed/failed_body_duplicated_003.vcf",
        "the same variant told two ways: found by normalizing",
    ),
    (
        "4.3/failed/failed_body_duplicated_003.vcf",
        "the same variant told two ways: found by normalizing",
    ),
    (
        "4.1/failed/failed_meta_format_030.vcf",
        "4.1 gives GLE (a String) no Number",
    ),
    (
        "4.2/failed/failed_meta_format_029.vcf",
        "4.2 gives GLE (a String) no Number",
    ),
    // Rules the text states but real files break by the thousand.
    (
        "4.1/failed/failed_body_format_003.vcf",
        "'_' in a FORMAT key (GATK's MIN_DP in 4.1/4.2 files)",
    ),
    (
        "4.2/failed/failed_body_format_003.vcf",
        "'_' in a FORMAT key (GATK's MIN_DP in 4.1/4.2 files)",
    ),
    (
        "4.1/failed/failed_meta_alt_000.vcf",
        "an ALT ID of another type than DEL, INS, ... (gnomAD-SV's CPX, 1000G's CN0)",
    ),
    (
        "4.2/failed/failed_meta_alt_000.vcf",
        "an ALT ID of another type than DEL, INS, ... (gnomAD-SV's CPX, 1000G's CN0)",
    ),
    (
        "4.1/failed/failed_meta_alt_005.vcf",
        "an ALT ID of another type than DEL, INS, ... (GATK's NON_REF)",
    ),
    (
        "4.2/failed/failed_meta_alt_005.vcf",
        "an ALT ID of another type than DEL, INS, ... (GATK's NON_REF)",
    ),
    (
        "4.3/failed/failed_meta_alt_005.vcf",
        "an ALT ID of another type than DEL, INS, ... (GATK's NON_REF)",
    ),
    (
        "4.1/failed/failed_meta_sample_000.vcf",
        "a SAMPLE line without Genomes (bcftools' own test files)",
    ),
    (
        "4.2/failed/failed_meta_sample_000.vcf",
        "a SAMPLE line without Genomes (bcftools' own test files)",
    ),
    // The suite's own `passed` files do it, so strict reads must accept it.
    (
        "4.3/failed/failed_body_no_newline_000.vcf",
        "no final newline: 4.5/passed/zero_length_LAA.vcf",
    ),
    (
        "4.3/failed/failed_body_no_newline_001.vcf",
        "no final newline: 4.5/passed/zero_length_LAA.vcf",
    ),
    (
        "4.3/failed/failed_body_no_newline_002.vcf",
        "no final newline: 4.5/passed/zero_length_LAA.vcf",
    ),
    (
        "4.3/failed/failed_body_no_newline_003.vcf",
        "no final newline: 4.5/passed/zero_length_LAA.vcf",
    ),
    (
        "4.3/failed/failed_body_no_newline_004.vcf",
        "no final newline: 4.5/passed/zero_length_LAA.vcf",
    ),
];

/// Files of bcftools' and htslib's suites that bcftools reads and strict
/// reads reject, and why: each breaks the specification where it is clear.
const REJECTED_PEERS: &[(&str, &str)] = &[
    // A header line gives a reserved key another Type or Number.
    (
        "bcftools/annotate.olap.vcf",
        "INFO DB declared a String; reserved a Flag",
    ),
    (
        "bcftools/annotate3.vcf",
        "INFO AA declared an Integer; reserved a String",
    ),
    (
        "bcftools/annotate36.vcf",
        "INFO AF declared Number=1; reserved Number=A",
    ),
    (
        "bcftools/annots.id.vcf",
        "INFO 1000G declared a String; reserved a Flag",
    ),
    (
        "bcftools/convert.gvcf.vcf",
        "FORMAT GQ declared a Float; reserved an Integer",
    ),
    (
        "bcftools/view64bit.5.vcf",
        "INFO END declared Number=A; reserved Number=1",
    ),
    // A value's count contradicts its Number.
    (
        "bcftools/atomize.split.1.vcf",
        "INFO XGF (Number=G): 7 values at 5 alleles",
    ),
    (
        "bcftools/gtcheck.5.vcf",
        "FORMAT PL (Number=G): 3 values for a diploid at 3 alleles",
    ),
    (
        "bcftools/mpileup.cals.2.vcf",
        "INFO QS (Number=R): 5 values at 4 alleles",
    ),
    (
        "bcftools/norm.split.3.vcf",
        "INFO AC (Number=A): 3 values at 2 ALT alleles",
    ),
    (
        "bcftools/norm.string-tags.vcf",
        "INFO XRS (Number=R): 1 value at 3 alleles",
    ),
    (
        "bcftools/plugin-missing2ref.vcf",
        "FORMAT GL (Number=G): 3 values for a diploid at 3 alleles",
    ),
    (
        "bcftools/query.func.1.vcf",
        "INFO AD (Number=R): 3 values at 2 alleles",
    ),
    (
        "bcftools/query.gtidx.1.vcf",
        "FORMAT TC (Number=R): 2 values at 3 alleles",
    ),
    (
        "bcftools/setGT.5.vcf",
        "FORMAT AD (Number=A): 2 values at 1 ALT allele",
    ),
    (
        "htslib/tabix/vcf_file.vcf",
        "INFO AC (Number=A): 1 value at 305 ALT alleles",
    ),
    // REF and ALT are bases (A, C, G, T, N), '*', symbols and breakends.
    ("bcftools/mpileup.vcf", "ALT X"),
    (
        "bcftools/norm.2.vcf",
        "REF B (an IUPAC code, to be written as its first base)",
    ),
    ("bcftools/norm.iupac.vcf", "REF BA (IUPAC codes)"),
    ("bcftools/norm.vcf", "ALT I"),
    ("bcftools/query.filter.15.vcf", "REF *"),
    ("bcftools/norm.setref.vcf", "REF empty"),
    // Columns and definitions that cannot be placed.
    (
        "bcftools/regions.vcf",
        "GT 1/2 at a site with one ALT allele",
    ),
    ("bcftools/setGT.4.vcf", "4 sample columns, 3 samples"),
    ("htslib/noroundtrip.vcf", "FORMAT lists GT twice"),
    (
        "bcftools/annotate20.dst.vcf",
        "a FORMAT Description without its quotes",
    ),
    (
        "bcftools/annotate20.src.vcf",
        "a FORMAT Description without its quotes",
    ),
    (
        "bcftools/norm.split.4.vcf",
        "an INFO Description without its quotes",
    ),
];

fn percent(part: usize, whole: usize) -> f64 {
    100.0 * part as f64 / whole as f64
}

#[test]
fn passed_files_read_with_bcftools_record_counts() {
    let files = vcfs("hts-specs");
    let passed: Vec<&String> = files.iter().filter(|f| f.contains("/passed/")).collect();
    assert_eq!(passed.len(), 76);
    for file in passed {
        let theirs = bcftools_records(file).unwrap_or_else(|| panic!("bcftools fails on {file}"));
        let ours = strict_records(file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ours, theirs, "{file}: record count");
    }
}

#[test]
fn failed_files_are_rejected_naming_file_and_line() {
    let files = vcfs("hts-specs");
    let failed: Vec<&String> = files.iter().filter(|f| f.contains("/failed/")).collect();
    assert_eq!(failed.len(), 607);
    let mut accepted = Vec::new();
    for file in &failed {
        match strict_records(file) {
            Ok(_) => accepted.push(file.trim_start_matches("hts-specs/").to_string()),
            Err(e) => {
                let path = data().join(file);
                assert!(e.starts_with(&*path.to_string_lossy()), "{e}");
                assert!(e.contains(": line "), "no line in {e}");
            }
        }
    }
    let rejected = failed.len() - accepted.len();
    println!(
        "conformance suite: strict rejects {rejected} of {} failed files ({:.1}%)",
        failed.len(),
        percent(rejected, failed.len())
    );
    accepted.sort();
    let mut expected: Vec<String> = ACCEPTED_FAILED.iter().map(|(f, _)| f.to_string()).collect();
    expected.sort();
    assert_eq!(
        accepted, expected,
        "accepted failed files changed: say why in ACCEPTED_FAILED"
    );
}

#[test]
fn bcftools_and_htslib_suites_read_as_bcftools_reads_them() {
    let mut files = vcfs("bcftools");
    files.extend(vcfs("htslib"));
    let (mut read_by_bcftools, mut rejected) = (0, Vec::new());
    for file in &files {
        let Some(theirs) = bcftools_records(file) else {
            continue;
        };
        read_by_bcftools += 1;
        match strict_records(file) {
            Ok(ours) => assert_eq!(ours, theirs, "{file}: record count"),
            Err(e) => {
                assert!(e.contains(": line "), "no line in {e}");
                rejected.push(file.clone());
            }
        }
    }
    let read = read_by_bcftools - rejected.len();
    println!(
        "bcftools and htslib suites: strict reads {read} of the {read_by_bcftools} files bcftools reads ({:.1}%)",
        percent(read, read_by_bcftools)
    );
    rejected.sort();
    let mut expected: Vec<String> = REJECTED_PEERS.iter().map(|(f, _)| f.to_string()).collect();
    expected.sort();
    assert_eq!(
        rejected, expected,
        "rejected peer files changed: say why in REJECTED_PEERS"
    );
}
