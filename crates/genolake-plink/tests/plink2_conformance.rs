//! genolake against plink2 on a simulated cohort: a `.bed` plink2 made from
//! a VCF reads to the VCF's calls, and the `.bed` genolake writes from that
//! VCF is the one plink2 wrote, so `plink2 --freq --hardy` agree on them.

mod common;

use std::path::Path;

use common::{Row, plink_calls, plink2, read_plink, read_vcf, rows, simulated_vcf};
use genolake_plink::{FamilyIds, ReaderOptions, Writer, WriterOptions};

const VARIANTS: u64 = 2_000;
const SAMPLES: usize = 300;

/// Writes the simulated VCF and has plink2 convert it; `None` without plink2.
fn cohort(dir: &Path) -> Option<()> {
    std::fs::write(dir.join("cohort.vcf"), simulated_vcf(VARIANTS, SAMPLES, 7)).unwrap();
    plink2(
        dir,
        &[
            "--vcf",
            "cohort.vcf",
            "--make-bed",
            "--out",
            "theirs",
            "--silent",
        ],
    )?;
    Some(())
}

fn write(batches: &[arrow::array::RecordBatch], prefix: &Path, options: WriterOptions) {
    let mut writer = Writer::builder(prefix).options(options).build().unwrap();
    for batch in batches {
        writer.write(batch).unwrap_or_else(|e| panic!("{e}"));
    }
    let summary = writer.finish().unwrap();
    assert_eq!(summary.variants, VARIANTS);
    assert_eq!(summary.samples, SAMPLES as u64);
}

fn same_file(dir: &Path, a: &str, b: &str) {
    let (x, y) = (
        std::fs::read(dir.join(a)).unwrap(),
        std::fs::read(dir.join(b)).unwrap(),
    );
    if x != y {
        let show = |v: &[u8]| String::from_utf8_lossy(&v[..v.len().min(400)]).into_owned();
        panic!("{a} and {b} differ:\n{}\n---\n{}", show(&x), show(&y));
    }
}

#[test]
fn a_bed_plink2_made_from_a_vcf_reads_to_the_vcfs_calls() {
    let dir = tempfile::tempdir().unwrap();
    if cohort(dir.path()).is_none() {
        return;
    }
    let options = ReaderOptions {
        merge_fid_iid: false, // plink2 writes FID 0 and the VCF sample as IID
        ..Default::default()
    };
    let plink = rows(&read_plink(&dir.path().join("theirs.bed"), options));
    let vcf = rows(&read_vcf(&dir.path().join("cohort.vcf")));
    assert_eq!(plink.len(), VARIANTS as usize);
    assert_eq!(plink.len(), vcf.len());
    for (n, (p, v)) in plink.iter().zip(&vcf).enumerate() {
        let expected = Row {
            position: Some(0.0),
            // plink2 writes "." for a missing ID; Glow's reader keeps it.
            names: if v.names.is_empty() {
                vec![".".into()]
            } else {
                v.names.clone()
            },
            genotypes: v
                .genotypes
                .iter()
                .map(|(id, calls)| (id.clone(), plink_calls(calls)))
                .collect(),
            ..v.clone()
        };
        assert_eq!(*p, expected, "variant {n}");
    }
}

#[test]
fn genolake_writes_the_fileset_plink2_writes_and_plink2_agrees() {
    let dir = tempfile::tempdir().unwrap();
    if cohort(dir.path()).is_none() {
        return;
    }
    let d = dir.path();
    // VCF-shaped rows straight from genolake-vcf.
    let vcf = read_vcf(&d.join("cohort.vcf"));
    write(&vcf, &d.join("ours"), WriterOptions::default());
    same_file(d, "ours.bed", "theirs.bed");
    same_file(d, "ours.bim", "theirs.bim");
    same_file(d, "ours.fam", "theirs.fam");

    for prefix in ["ours", "theirs"] {
        let out = format!("{prefix}.stats");
        plink2(
            d,
            &[
                "--bfile", prefix, "--freq", "--hardy", "--out", &out, "--silent",
            ],
        )
        .unwrap();
    }
    for ext in ["afreq", "hardy"] {
        let ours = std::fs::read_to_string(d.join(format!("ours.stats.{ext}"))).unwrap();
        assert_eq!(
            ours.lines().count(),
            VARIANTS as usize + 1,
            "{ext} has a line per variant"
        );
        same_file(
            d,
            &format!("ours.stats.{ext}"),
            &format!("theirs.stats.{ext}"),
        );
    }
}

#[test]
fn a_fileset_read_and_written_back_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    if cohort(dir.path()).is_none() {
        return;
    }
    let d = dir.path();
    // mergeFidIid=true (the default) gives `0_S0001`; FamilyIds::Split undoes it.
    let batches = read_plink(
        &d.join("theirs.bed"),
        ReaderOptions {
            batch_size: Some(77),
            ..Default::default()
        },
    );
    let options = WriterOptions {
        family_ids: FamilyIds::Split,
        ..Default::default()
    };
    write(&batches, &d.join("again"), options);
    for ext in ["bed", "bim", "fam"] {
        same_file(d, &format!("again.{ext}"), &format!("theirs.{ext}"));
    }
}
