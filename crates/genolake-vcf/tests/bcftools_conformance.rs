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
    "test.chr17.vcf",
    "vcf/VCFv4.3.vcf",
    "vcf/loftee.vcf",
    "vcf/snpeff.vcf",
    "vcf/vep.vcf",
    "vcf/1row.vcf.bgz",
    "vcf/1row_bgz.vcf.gz",
    "vcf/1row_not_bgz.vcf.gz",
    "vcf/test_withInfGenotype.vcf",
    "vcf/test_withInfQual.vcf",
    "vcf/test_withNanGenotype.vcf",
    "vcf/test_withNanQual.vcf",
    "tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz",
    "tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz",
    "tabix-test-vcf/NA12878_21_10002403.vcf.gz",
    "tabix-test-vcf/NA12878_21_10002403NoTbi.vcf.gz",
    "tabix-test-vcf/combined.chr20_18210071_18210093.g.vcf.gz",
];

#[test]
fn glow_vcfs_match_bcftools_field_by_field() {
    for file in FILES {
        check(&glow_data().join(file), ReaderOptions::default());
    }
}

#[test]
fn misdeclared_numbers_fail_strict_and_are_skipped_lenient() {
    for (file, key) in [
        ("vcf/misnumbered_info.vcf", "INFO CUSTOM"),
        ("vcf/missing_contig_length.vcf", "FORMAT AD"),
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
        let reader = genolake_vcf::Reader::builder(&path)
            .options(ReaderOptions {
                stringency: Stringency::Lenient,
                ..Default::default()
            })
            .build()
            .unwrap();
        let mut reader = reader;
        let rows: usize = reader.by_ref().map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(rows, 0, "{file}: the one malformed record is skipped");
        assert_eq!(reader.skipped(), 1);
    }
}
