//! Every VCF of Glow's test data reads as bcftools reads it, field by field:
//! sites, every INFO key of the header, and every FORMAT key of every sample.

mod common;

use std::path::Path;

use common::{assert_same_records, bcftools, glow_data, query_format, read_all, render};
use genolake_core::Stringency;
use genolake_vcf::ReaderOptions;

fn check(path: &Path, options: ReaderOptions) {
    let (header, batches) = read_all(path, options);
    let ours = render(&header, &batches);
    let format = query_format(&header);
    let Some(theirs) = bcftools(&["query", "-f", &format, path.to_str().unwrap()]) else {
        return;
    };
    assert!(!ours.is_empty(), "{} has records", path.display());
    assert_same_records(path, &ours, &theirs);
}

/// Files every stringency reads, strict included.
const FILES: &[&str] = &[
    "1000genomes-phase3-1row.vcf",
    "1kg_sample.vcf",
    "1kg_sample with spaces.vcf",
    "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf",
    "biallelic.CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf",
    "NA12878_21_10002403.vcf",
    "NA12878_21_10002403.g.vcf",
    "NA12878_21_10002403.bp.g.vcf",
    "combined.chr20_18210071_18210093.g.vcf",
    "vcf/VCFv4.3.vcf",
    "vcf/loftee.vcf",
    "vcf/snpeff.vcf",
    "vcf/vep.vcf",
    "vcf/1row.vcf.bgz",
    "vcf/1row_bgz.vcf.gz",
    "vcf/1row_not_bgz.vcf.gz",
    "vcf/test_withNanQual.vcf",
    "tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz",
    "tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz",
    "tabix-test-vcf/NA12878_21_10002403.vcf.gz",
    "tabix-test-vcf/NA12878_21_10002403NoTbi.vcf.gz",
    "tabix-test-vcf/combined.chr20_18210071_18210093.g.vcf.gz",
    "bgen/complex.16bits.vcf",
    "bgen/phased.8bits.vcf",
];

/// Files that break the specification where it is strict: a strict read
/// stops at the place named; a lenient one reads them as bcftools does.
const LENIENT_FILES: &[(&str, &str)] = &[
    // GATK's phasing declared PS a String; the specification, an Integer.
    (
        "test.chr17.vcf",
        "line 62: FORMAT PS is declared with Number=1,Type=String, but VCF 4.2 reserves it with Type=Integer",
    ),
    // GP is one value per genotype (Number=G), not one.
    (
        "vcf/test_withInfGenotype.vcf",
        "line 4: FORMAT GP is declared with Number=1,Type=Float, but VCF 4.1 reserves it with Number=G",
    ),
    (
        "vcf/test_withNanGenotype.vcf",
        "line 4: FORMAT GP is declared with Number=1,Type=Float, but VCF 4.1 reserves it with Number=G",
    ),
    // A Phred-scaled quality cannot be negative; lenient reads keep it.
    ("vcf/test_withInfQual.vcf", "line 7: QUAL -inf is negative"),
];

#[test]
fn glow_vcfs_match_bcftools_field_by_field() {
    for file in FILES {
        check(&glow_data().join(file), ReaderOptions::default());
    }
}

#[test]
fn files_that_break_the_spec_fail_strict_and_match_bcftools_lenient() {
    for (file, expected) in LENIENT_FILES {
        let path = glow_data().join(file);
        let err = genolake_vcf::Reader::open(&path)
            .and_then(|r| r.collect::<Result<Vec<_>, _>>())
            .unwrap_err()
            .to_string();
        assert!(err.contains(file) && err.contains(expected), "{err}");
        check(
            &path,
            ReaderOptions {
                stringency: Stringency::Lenient,
                ..Default::default()
            },
        );
    }
}

#[test]
fn misdeclared_numbers_fail_strict_and_are_nulled_lenient() {
    // The files declare CUSTOM and AD Number=1 and give two values; the
    // first file does it in INFO and FORMAT.
    for (file, key, nulled) in [
        (
            "vcf/misnumbered_info.vcf",
            "INFO CUSTOM",
            &["FORMAT AD", "INFO CUSTOM"][..],
        ),
        (
            "vcf/missing_contig_length.vcf",
            "FORMAT AD",
            &["FORMAT AD"][..],
        ),
    ] {
        let path = glow_data().join(file);
        let err = genolake_vcf::Reader::open(&path)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(file) && err.contains(key) && err.contains("Number=1"),
            "{err}"
        );
        for stringency in [Stringency::Lenient, Stringency::Silent] {
            let mut reader = genolake_vcf::Reader::builder(&path)
                .options(ReaderOptions {
                    stringency,
                    ..Default::default()
                })
                .build()
                .unwrap();
            let rows: usize = reader.by_ref().map(|b| b.unwrap().num_rows()).sum();
            assert_eq!(rows, 1, "{file}: the record is kept");
            assert_eq!(reader.skipped(), 0);
            let counts: Vec<(&str, u64)> = reader
                .nulled()
                .iter()
                .map(|(k, n)| (k.as_str(), *n))
                .collect();
            let expected: Vec<(&str, u64)> = nulled.iter().map(|k| (*k, 1)).collect();
            assert_eq!(
                counts, expected,
                "{file}: each bad value is null, and counted"
            );
        }
    }
}
