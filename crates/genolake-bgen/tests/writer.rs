//! The writer: round trips (exact at the source's bit depth, within one
//! quantisation step below it), Glow's inference of phasing and ploidy, rows
//! BGEN cannot hold, and files plink2 reads back.

mod common;

use std::path::{Path, PathBuf};

use std::sync::Arc;

use arrow::array::{Int64Array, ListBuilder, RecordBatch, StringBuilder};
use common::{Row, glow_bgen, local_data, read_bgen, read_vcf, rows};
use genolake_bgen::{Compression, Reader, ReaderOptions, Writer, WriterOptions};

fn batches_of(path: &Path) -> Vec<RecordBatch> {
    Reader::open(path)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn write(batches: &[RecordBatch], out: &Path, options: WriterOptions) -> u64 {
    let mut writer = Writer::create(out, options).unwrap();
    for b in batches {
        writer.write(b).unwrap_or_else(|e| panic!("{e}"));
    }
    writer.finish().unwrap()
}

fn write_err(batches: &[RecordBatch], out: &Path, options: WriterOptions) -> String {
    let mut writer = Writer::create(out, options).unwrap();
    for b in batches {
        if let Err(e) = writer.write(b) {
            return e.to_string();
        }
    }
    panic!("writing {} succeeded", out.display())
}

/// Same rows, probabilities within `tolerance` (0 for exact).
fn assert_rows_match(ours: &[Row], theirs: &[Row], tolerance: f64, what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}");
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert_eq!(
            (
                &a.contig,
                a.start,
                a.end,
                &a.names,
                &a.reference,
                &a.alternates
            ),
            (
                &b.contig,
                b.start,
                b.end,
                &b.names,
                &b.reference,
                &b.alternates
            ),
            "{what} row {i}"
        );
        assert_eq!(a.genotypes.len(), b.genotypes.len(), "{what} row {i}");
        for (j, (x, y)) in a.genotypes.iter().zip(&b.genotypes).enumerate() {
            assert_eq!(
                (&x.sample_id, x.phased, x.ploidy),
                (&y.sample_id, y.phased, y.ploidy),
                "{what} row {i} sample {j}"
            );
            match (&x.probabilities, &y.probabilities) {
                (None, None) => {}
                (Some(p), Some(q)) => {
                    assert_eq!(p.len(), q.len(), "{what} row {i} sample {j}");
                    for (u, v) in p.iter().zip(q) {
                        if tolerance == 0.0 {
                            assert_eq!(
                                u.to_bits(),
                                v.to_bits(),
                                "{what} row {i} sample {j}: {p:?} vs {q:?}"
                            );
                        } else {
                            assert!(
                                (u - v).abs() <= tolerance,
                                "{what} row {i} sample {j}: {p:?} vs {q:?}"
                            );
                        }
                    }
                }
                (p, q) => panic!("{what} row {i} sample {j}: {p:?} vs {q:?}"),
            }
            if tolerance == 0.0 {
                assert_eq!(x.calls, y.calls, "{what} row {i} sample {j}");
            }
        }
    }
}

#[test]
fn rewriting_at_the_source_bit_depth_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (glow_bgen().join("example.32bits.bgen"), 32),
        (glow_bgen().join("example.16bits.bgen"), 16),
        (glow_bgen().join("example.8bits.bgen"), 8),
        (glow_bgen().join("example.3bits.bgen"), 3),
        (glow_bgen().join("phased.16bits.bgen"), 16),
        (local_data().join("complex.16bits.bgen"), 16),
    ];
    for (source, bits) in cases {
        for compression in [Compression::Zlib, Compression::Zstd, Compression::None] {
            let out = dir.path().join("out.bgen");
            let batches = batches_of(&source);
            let options = WriterOptions {
                bits_per_probability: bits,
                compression,
                ..Default::default()
            };
            let n = write(&batches, &out, options);
            let header = genolake_bgen::read_header(&out).unwrap();
            assert_eq!(header.variant_count as u64, n);
            assert_eq!(header.compression, compression);
            let what = format!("{} at {bits} bits, {compression:?}", source.display());
            assert_rows_match(
                &read_bgen(&out, ReaderOptions::default()),
                &read_bgen(&source, ReaderOptions::default()),
                0.0,
                &what,
            );
        }
    }
}

#[test]
fn fewer_bits_stay_within_one_quantisation_step() {
    let dir = tempfile::tempdir().unwrap();
    let source = glow_bgen().join("example.32bits.bgen");
    let batches = batches_of(&source);
    let original = read_bgen(&source, ReaderOptions::default());
    for bits in [1u8, 2, 5, 8, 12, 16, 24, 32] {
        let out = dir.path().join(format!("b{bits}.bgen"));
        write(
            &batches,
            &out,
            WriterOptions {
                bits_per_probability: bits,
                ..Default::default()
            },
        );
        let step = 1.0 / ((1u64 << bits) - 1) as f64;
        let tolerance = if bits == 32 { 0.0 } else { step + 1e-12 };
        assert_rows_match(
            &read_bgen(&out, ReaderOptions::default()),
            &original,
            tolerance,
            &format!("{bits} bits"),
        );
    }
}

#[test]
fn vcf_rows_get_glow_inferred_ploidy_and_phasing() {
    let dir = tempfile::tempdir().unwrap();
    // example.16bits.vcf: unphased diploid GP, a missing sample; phased.16bits.vcf:
    // four probabilities per sample, which only phased diploids explain.
    for (vcf, bgen, phased) in [
        ("example.16bits.vcf", "example.16bits.bgen", false),
        ("phased.16bits.vcf", "phased.16bits.bgen", true),
    ] {
        let batches: Vec<RecordBatch> = genolake_vcf::Reader::open(glow_bgen().join(vcf))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let out = dir.path().join("from_vcf.bgen");
        write(&batches, &out, WriterOptions::default());
        let back = read_bgen(&out, ReaderOptions::default());
        let vcf_rows = read_vcf(&glow_bgen().join(vcf));
        let source = read_bgen(&glow_bgen().join(bgen), ReaderOptions::default());
        assert_eq!(back.len(), vcf_rows.len());
        for (b, (v, s)) in back.iter().zip(vcf_rows.iter().zip(&source)) {
            assert_eq!(b.names, v.names, "a single name is kept whole");
            for ((bg, vg), sg) in b.genotypes.iter().zip(&v.genotypes).zip(&s.genotypes) {
                assert_eq!(bg.sample_id, vg.sample_id);
                assert_eq!(bg.ploidy, Some(2));
                assert_eq!(bg.phased, Some(phased));
                match (&bg.probabilities, &sg.probabilities) {
                    (Some(p), Some(q)) => {
                        for (x, y) in p.iter().zip(q) {
                            assert!((x - y).abs() <= 1.0 / 65535.0 + 1e-6, "{p:?} vs {q:?}");
                        }
                    }
                    (None, None) => {}
                    other => panic!("{other:?}"),
                }
            }
        }
    }
}

fn complex_batch() -> RecordBatch {
    batches_of(&local_data().join("complex.16bits.bgen")).remove(0)
}

#[test]
fn rows_bgen_cannot_hold_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bad.bgen");
    // complex.16bits.vcf mixes phased and unphased genotypes in a row that
    // has no GT to say which is which, and haploid rows of "1,0" among
    // diploids: inference fails as in Glow.
    let vcf: Vec<RecordBatch> = genolake_vcf::Reader::open(glow_bgen().join("complex.16bits.vcf"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let e = write_err(&vcf, &out, WriterOptions::default());
    assert!(
        e.contains("bad.bgen: row 0: sample 1: phasing cannot be inferred"),
        "{e}"
    );

    // More than the two names a BGEN variant holds.
    let batch = complex_batch();
    let mut names = ListBuilder::new(StringBuilder::new());
    for _ in 0..batch.num_rows() {
        for name in ["a", "b", "c"] {
            names.values().append_value(name);
        }
        names.append(true);
    }
    let mut columns = batch.columns().to_vec();
    columns[3] = Arc::new(names.finish());
    let three_names = RecordBatch::try_new(batch.schema(), columns).unwrap();
    let e = write_err(&[three_names], &out, WriterOptions::default());
    assert!(
        e.contains("row 0: a BGEN variant holds at most two identifiers"),
        "{e}"
    );

    // A start past BGEN's 32-bit positions.
    let mut columns = batch.columns().to_vec();
    columns[1] = Arc::new(Int64Array::from(vec![1i64 << 33; batch.num_rows()]));
    let far = RecordBatch::try_new(batch.schema(), columns).unwrap();
    let e = write_err(&[far], &out, WriterOptions::default());
    assert!(e.contains("row 0: start 8589934592 does not fit"), "{e}");

    let e = Writer::create(
        &out,
        WriterOptions {
            bits_per_probability: 33,
            ..Default::default()
        },
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("bitsPerProbability 33"), "{e}");

    // Given sample identifiers must match the genotype count.
    let batch = complex_batch();
    let e = write_err(
        std::slice::from_ref(&batch),
        &out,
        WriterOptions {
            sample_ids: Some(vec!["a".into()]),
            ..Default::default()
        },
    );
    assert!(e.contains("4 genotypes but 1 sample identifiers"), "{e}");
}

#[test]
fn sample_identifiers_come_from_the_rows_or_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ids.bgen");
    let batch = complex_batch();
    write(std::slice::from_ref(&batch), &out, WriterOptions::default());
    let header = genolake_bgen::read_header(&out).unwrap();
    assert_eq!(
        header.sample_ids.unwrap(),
        ["sample_0", "sample_1", "sample_2", "sample_3"]
    );

    let ids: Vec<String> = ["w", "x", "y", "z"].map(String::from).to_vec();
    // Rows whose sampleIds disagree with the given ones are refused...
    let e = write_err(
        std::slice::from_ref(&batch),
        &out,
        WriterOptions {
            sample_ids: Some(ids.clone()),
            ..Default::default()
        },
    );
    assert!(
        e.contains("sampleId \"sample_0\" but the file stores sample \"w\""),
        "{e}"
    );
    // ...rows without sampleIds take them.
    let no_ids: Vec<RecordBatch> = Reader::builder(local_data().join("complex.16bits.bgen"))
        .options(ReaderOptions {
            include_sample_ids: false,
            ..Default::default()
        })
        .build()
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    write(
        &no_ids,
        &out,
        WriterOptions {
            sample_ids: Some(ids.clone()),
            ..Default::default()
        },
    );
    assert_eq!(
        genolake_bgen::read_header(&out)
            .unwrap()
            .sample_ids
            .unwrap(),
        ids
    );
    // Without either, the file stores none and readers generate them.
    write(&no_ids, &out, WriterOptions::default());
    assert_eq!(genolake_bgen::read_header(&out).unwrap().sample_ids, None);
    assert_eq!(
        read_bgen(&out, ReaderOptions::default())[0].genotypes[3]
            .sample_id
            .as_deref(),
        Some("sample_3")
    );
}

#[test]
fn an_empty_writer_writes_a_valid_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("empty.bgen");
    let n = Writer::create(
        &out,
        WriterOptions {
            sample_ids: Some(vec!["a".into(), "b".into()]),
            ..Default::default()
        },
    )
    .unwrap()
    .finish()
    .unwrap();
    assert_eq!(n, 0);
    let reader = Reader::open(&out).unwrap();
    assert_eq!(reader.sample_ids().as_slice(), ["a", "b"]);
    assert_eq!(reader.count(), 0);
}

fn plink_vcf_rows(dir: &Path, args: &[&str]) -> Option<Vec<Row>> {
    common::plink2(dir, args)?;
    let out = args[args.iter().position(|a| *a == "--out").unwrap() + 1];
    Some(read_vcf(&dir.join(format!("{out}.vcf"))))
}

/// Compares our rows with plink2's VCF export, GP to 4 decimals (plink2
/// prints dosage-derived probabilities).
fn assert_matches_plink(ours: &[Row], plink: &[Row], tolerance: f64, what: &str) {
    assert_eq!(ours.len(), plink.len(), "{what}");
    let mut compared = 0;
    for (a, b) in ours.iter().zip(plink) {
        assert_eq!(a.start, b.start, "{what}");
        assert_eq!(a.reference, b.reference, "{what}");
        for (x, y) in a.genotypes.iter().zip(&b.genotypes) {
            // With a .sample file, plink2 joins ID_1 and ID_2 with '_'.
            let (ours, theirs) = (x.sample_id.clone().unwrap(), y.sample_id.clone().unwrap());
            assert!(
                theirs == ours || theirs == format!("{ours}_{ours}"),
                "{what}: {ours} vs {theirs}"
            );
            match (&x.probabilities, &y.probabilities) {
                (Some(p), Some(q)) => {
                    // plink2 keeps dosage, not the full distribution; compare dosages.
                    let dosage = |p: &[f64]| p[1] + 2.0 * p[2];
                    assert!(
                        (dosage(p) - dosage(q)).abs() <= tolerance,
                        "{what} at {}: {p:?} vs {q:?}",
                        a.start + 1
                    );
                    compared += 1;
                }
                (Some(p), None) if y.calls.as_ref().is_some_and(|c| c.iter().all(|&c| c >= 0)) => {
                    // plink2 prints only GT where the dosage is within its
                    // hard-call threshold (0.1) of the call.
                    let call: i32 = y.calls.as_ref().unwrap().iter().sum();
                    let dosage = p[1] + 2.0 * p[2];
                    assert!(
                        (dosage - call as f64).abs() <= 0.1 + tolerance,
                        "{what} at {}: {p:?} vs {:?}",
                        a.start + 1,
                        y.calls
                    );
                    compared += 1;
                }
                (None, None) => {}
                (p, q) => panic!(
                    "{what} at {}: {p:?} vs {q:?} (calls {:?})",
                    a.start + 1,
                    y.calls
                ),
            }
        }
    }
    assert!(
        compared > 1000,
        "{what}: only {compared} genotypes compared"
    );
}

fn plink_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    (dir, path)
}

#[test]
fn plink2_reads_the_files_we_write() {
    let (_guard, dir) = plink_dir();
    let source = glow_bgen().join("example.16bits.bgen");
    let batches = batches_of(&source);
    let ours = read_bgen(&source, ReaderOptions::default());
    for (bits, compression, sample_file) in [
        (8u8, Compression::Zlib, false),
        (16, Compression::Zstd, false),
        (16, Compression::Zlib, true),
        // plink2 reads at most 28 bits per probability.
        (24, Compression::Zlib, false),
    ] {
        let out = dir.join("ours.bgen");
        write(
            &batches,
            &out,
            WriterOptions {
                bits_per_probability: bits,
                compression,
                ..Default::default()
            },
        );
        genolake_bgen::sample::write_sample_file(
            dir.join("ours.sample"),
            &ours[0]
                .genotypes
                .iter()
                .map(|g| g.sample_id.clone().unwrap())
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let mut args = vec!["--bgen", "ours.bgen", "ref-first"];
        if sample_file {
            args.extend(["--sample", "ours.sample"]);
        }
        args.extend([
            "--export",
            "vcf",
            "vcf-dosage=GP",
            "--out",
            "plink",
            "--silent",
        ]);
        let Some(plink) = plink_vcf_rows(&dir, &args) else {
            return;
        };
        let step = 2.0 / ((1u64 << bits) - 1) as f64;
        assert_matches_plink(
            &ours,
            &plink,
            step + 1e-3,
            &format!("{bits} bits {compression:?}"),
        );
    }
}

#[test]
fn we_read_the_files_plink2_writes_in_every_version() {
    let (_guard, dir) = plink_dir();
    let vcf = glow_bgen().join("example.16bits.vcf");
    let vcf = vcf.to_str().unwrap();
    let Some(reference) = plink_vcf_rows(
        &dir,
        &[
            "--vcf",
            vcf,
            "dosage=GP",
            "--export",
            "vcf",
            "vcf-dosage=GP",
            "--out",
            "ref",
            "--silent",
        ],
    ) else {
        return;
    };
    for (format, bits) in [
        ("bgen-1.1", None),
        ("bgen-1.2", Some(5)),
        ("bgen-1.2", Some(16)),
        ("bgen-1.3", Some(9)),
    ] {
        let mut args = vec!["--vcf", vcf, "dosage=GP", "--export", format, "ref-first"];
        let bits_arg = bits.map(|b| format!("bits={b}"));
        if let Some(b) = &bits_arg {
            args.push(b);
        }
        args.extend(["--out", "x", "--silent"]);
        common::plink2(&dir, &args).unwrap();
        let options = ReaderOptions {
            sample_file_path: Some(dir.join("x.sample")),
            ..Default::default()
        };
        let header = genolake_bgen::read_header(dir.join("x.bgen")).unwrap();
        let ours = read_bgen(&dir.join("x.bgen"), options);
        let step = match bits {
            None => 2.0 / 32768.0,
            Some(b) => 2.0 / ((1u64 << b) - 1) as f64,
        };
        assert_matches_plink(
            &ours,
            &reference,
            step + 1e-3,
            &format!("{format} {bits:?} ({:?})", header.layout),
        );
    }
}

#[test]
fn batches_from_several_files_append() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("twice.bgen");
    let mut batches = batches_of(&local_data().join("complex.16bits.bgen"));
    batches.extend(batches_of(&local_data().join("complex.16bits.bgen")));
    assert_eq!(write(&batches, &out, WriterOptions::default()), 20);
    let back: Vec<RecordBatch> = Reader::open(&out)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows(&back).len(), 20);
}
