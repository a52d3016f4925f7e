//! Glow's PLINK test fileset reads as Glow reads it: the same rows as its
//! companion VCF (written from it by PLINK 1.9), with Glow's options.

mod common;

use common::{Row, glow_plink, read_plink, read_vcf, rows};
use genolake_plink::{Delimiter, ReaderOptions};

fn bed() -> std::path::PathBuf {
    glow_plink().join("bed-bim-fam/test.bed")
}

#[test]
fn glow_fileset_reads_to_the_calls_of_its_companion_vcf() {
    let plink = rows(&read_plink(&bed(), ReaderOptions::default()));
    let vcf = rows(&read_vcf(&glow_plink().join("vcf/test.vcf")));
    assert_eq!(plink.len(), 5);
    assert_eq!(plink.len(), vcf.len());
    for (p, v) in plink.iter().zip(&vcf) {
        // Everything but the PLINK-only position column agrees, sample IDs
        // (FID_IID, as PLINK wrote them into the VCF) included.
        let without_position = Row {
            position: None,
            ..p.clone()
        };
        assert_eq!(without_position, *v);
    }
}

#[test]
fn rows_are_those_glow_documents() {
    let plink = rows(&read_plink(&bed(), ReaderOptions::default()));
    let ids = [
        "fam1_ind1",
        "fam2_ind2",
        "fam3_ind3",
        "fam4_ind4",
        "fam5_ind5",
    ];
    let genotypes = |calls: [[i32; 2]; 5]| {
        ids.iter()
            .zip(calls)
            .map(|(id, c)| (Some(id.to_string()), c.to_vec()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        plink[0],
        Row {
            contig: "1".into(),
            names: vec!["snp1".into()],
            position: Some(0.0),
            start: 9,
            end: 10,
            reference: "A".into(),
            alternates: vec!["C".into()],
            genotypes: genotypes([[0, 0], [0, 1], [1, 1], [-1, -1], [-1, -1]]),
        }
    );
    assert_eq!(
        plink[4],
        Row {
            contig: "26".into(),
            names: vec!["snp5".into()],
            position: Some(2.5),
            start: 49,
            end: 50,
            reference: "A".into(),
            alternates: vec!["C".into()],
            genotypes: genotypes([[0, 0], [0, 1], [0, 0], [0, 1], [0, 1]]),
        }
    );
}

#[test]
fn merge_fid_iid_false_gives_the_iid_and_include_sample_ids_false_drops_it() {
    let options = ReaderOptions {
        merge_fid_iid: false,
        ..Default::default()
    };
    let plink = rows(&read_plink(&bed(), options));
    let ids: Vec<_> = plink[0]
        .genotypes
        .iter()
        .map(|g| g.0.clone().unwrap())
        .collect();
    assert_eq!(ids, ["ind1", "ind2", "ind3", "ind4", "ind5"]);

    let options = ReaderOptions {
        include_sample_ids: false,
        ..Default::default()
    };
    let batches = read_plink(&bed(), options.clone());
    assert_eq!(batches[0].schema(), genolake_plink::schema(&options));
    let plink = rows(&batches);
    assert!(plink[0].genotypes.iter().all(|g| g.0.is_none()));
    assert_eq!(plink[0].genotypes[2].1, [1, 1]);
}

#[test]
fn glow_delimiters_read_the_glow_files_and_wrong_ones_say_so() {
    // Glow's defaults: one tab in the .bim, one space in the .fam.
    let glow = ReaderOptions {
        bim_delimiter: "\t".parse().unwrap(),
        fam_delimiter: " ".parse().unwrap(),
        ..Default::default()
    };
    assert_eq!(
        rows(&read_plink(&bed(), glow)),
        rows(&read_plink(&bed(), ReaderOptions::default()))
    );

    let wrong_fam = ReaderOptions {
        fam_delimiter: Delimiter::Byte(b'\t'),
        ..Default::default()
    };
    let e = genolake_plink::Reader::builder(bed())
        .options(wrong_fam)
        .build()
        .err()
        .unwrap();
    let message = e.to_string();
    assert!(
        message.contains("test.fam: line 1: expected 6 columns"),
        "{message}"
    );
    assert!(message.contains("found 1"), "{message}");
    assert!(message.contains("famDelimiter"), "{message}");

    let wrong_bim = ReaderOptions {
        bim_delimiter: Delimiter::Byte(b' '),
        ..Default::default()
    };
    let reader = genolake_plink::Reader::builder(bed())
        .options(wrong_bim)
        .build()
        .unwrap();
    let e = reader
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err()
        .to_string();
    assert!(e.contains("test.bim: line 1: expected 6 columns"), "{e}");
    assert!(e.contains("bimDelimiter"), "{e}");
}

#[test]
fn a_prefix_names_the_fileset_as_plink_bfile_does() {
    let by_prefix = read_plink(
        &glow_plink().join("bed-bim-fam/test"),
        ReaderOptions::default(),
    );
    assert_eq!(
        rows(&by_prefix),
        rows(&read_plink(&bed(), ReaderOptions::default()))
    );
}
