//! Malformed filesets and unwritable tables give an error naming the file,
//! the place (line, byte or row) and the problem; never a panic.

mod common;

use std::path::{Path, PathBuf};

use common::glow_plink;
use genolake_core::Stringency;
use genolake_plink::{Reader, ReaderOptions, Writer};

/// The Glow fileset copied into `dir` as `t.*`, with `edit` applied to the
/// bytes of one file (`None` removes it).
fn fileset(dir: &Path, file: &str, edit: impl Fn(Vec<u8>) -> Option<Vec<u8>>) -> PathBuf {
    let source = glow_plink().join("bed-bim-fam");
    for ext in ["bed", "bim", "fam"] {
        let bytes = std::fs::read(source.join(format!("test.{ext}"))).unwrap();
        let bytes = if ext == file {
            edit(bytes)
        } else {
            Some(bytes)
        };
        if let Some(bytes) = bytes {
            std::fs::write(dir.join(format!("t.{ext}")), bytes).unwrap();
        }
    }
    dir.join("t.bed")
}

/// Reads a fileset; the rows or the error's message, and the skipped count.
fn read(path: &Path, stringency: Stringency) -> (Result<usize, String>, u64) {
    let options = ReaderOptions {
        stringency,
        ..Default::default()
    };
    let mut reader = match Reader::builder(path).options(options).build() {
        Ok(r) => r,
        Err(e) => return (Err(e.to_string()), 0),
    };
    let mut rows = 0;
    for batch in reader.by_ref() {
        match batch {
            Ok(b) => rows += b.num_rows(),
            Err(e) => return (Err(e.to_string()), reader.skipped()),
        }
    }
    (Ok(rows), reader.skipped())
}

fn replace_line(bytes: Vec<u8>, line: usize, with: &str) -> Option<Vec<u8>> {
    let text = String::from_utf8(bytes).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[line - 1] = with.to_string();
    Some((lines.join("\n") + "\n").into_bytes())
}

type Edit = fn(Vec<u8>) -> Option<Vec<u8>>;

/// Each malformed fileset: the file edited, how, and words the error must hold.
const CASES: &[(&str, &str, Edit, &[&str])] = &[
    (
        "wrong magic",
        "bed",
        |mut b| {
            b[0] = 0x00;
            Some(b)
        },
        &[
            "t.bed: byte 0:",
            "starts with 00 1b 01",
            "magic bytes 6c 1b 01",
        ],
    ),
    (
        "sample-major",
        "bed",
        |mut b| {
            b[2] = 0x00;
            Some(b)
        },
        &["t.bed: byte 0:", "sample-major", "--make-bed"],
    ),
    (
        "shorter than the magic",
        "bed",
        |_| Some(vec![0x6c, 0x1b]),
        &["t.bed: byte 0:", "2 bytes long"],
    ),
    (
        "empty .bed",
        "bed",
        |_| Some(vec![]),
        &["t.bed: byte 0:", "0 bytes long"],
    ),
    (
        "truncated .bed",
        "bed",
        |mut b| {
            b.pop();
            Some(b)
        },
        &[
            "t.bed: byte 12:",
            "ends inside the record of variant 5",
            "5 variants",
            "5 samples",
            "13 bytes",
        ],
    ),
    (
        "overlong .bed",
        "bed",
        |mut b| {
            b.push(0);
            Some(b)
        },
        &["t.bed: byte 13:", "goes on 1 byte past"],
    ),
    ("missing .bed", "bed", |_| None, &["t.bed:", "missing"]),
    (
        "missing .bim",
        "bim",
        |_| None,
        &["t.bim:", "missing", ".bed, .bim and .fam"],
    ),
    (
        "missing .fam",
        "fam",
        |_| None,
        &["t.fam:", "missing", ".bed, .bim and .fam"],
    ),
    (
        "a .fam line with too few columns",
        "fam",
        |b| replace_line(b, 2, "fam2 ind2 0 0 1"),
        &["t.fam: line 2:", "expected 6 columns", "found 5"],
    ),
    (
        "a .fam line with too many columns",
        "fam",
        |b| replace_line(b, 4, "fam4 ind4 0 0 2 1 x"),
        &["t.fam: line 4:", "found 7"],
    ),
    (
        "a .fam line that is not UTF-8",
        "fam",
        |b| {
            let mut b = b;
            b[1] = 0xff;
            Some(b)
        },
        &["t.fam: line 1:", "UTF-8"],
    ),
    // Samples are packed four to a byte: four more widen every record.
    (
        "four extra samples",
        "fam",
        |mut b| {
            b.extend_from_slice(b"f6 i6 0 0 1 1\nf7 i7 0 0 1 1\nf8 i8 0 0 1 1\nf9 i9 0 0 1 1\n");
            Some(b)
        },
        &[
            "t.bed: byte 13:",
            "9 samples",
            "3 + 5 × 3 = 18 bytes",
            "variant 4",
        ],
    ),
    (
        "an extra variant",
        "bim",
        |mut b| {
            b.extend_from_slice(b"2\tsnp6\t0\t60\tC\tA\n");
            Some(b)
        },
        &[
            "t.bed:",
            "6 variants",
            "ends inside the record of variant 6",
        ],
    ),
    (
        "a .bim line with too few columns",
        "bim",
        |b| replace_line(b, 3, "24\tsnp3\t1\t30\tC"),
        &["t.bim: line 3:", "expected 6 columns", "found 5"],
    ),
    (
        "a base-pair coordinate that is not a number",
        "bim",
        |b| replace_line(b, 2, "23\tsnp2\t0.5\t2O\tC\tA"),
        &["t.bim: line 2:", "base-pair coordinate \"2O\""],
    ),
    (
        "a centimorgan position that is not a number",
        "bim",
        |b| replace_line(b, 5, "26\tsnp5\tx\t50\tC\tA"),
        &["t.bim: line 5:", "centimorgans \"x\""],
    ),
    (
        "an overlong .bim line",
        "bim",
        |b| replace_line(b, 1, &"x".repeat(2 << 20)),
        &["t.bim: line 1:", "longer than"],
    ),
];

#[test]
fn each_malformed_fileset_gives_its_error() {
    for (name, file, edit, words) in CASES {
        let dir = tempfile::tempdir().unwrap();
        let path = fileset(dir.path(), file, edit);
        let (result, _) = read(&path, Stringency::Strict);
        let message = result.expect_err(name);
        for w in *words {
            assert!(
                message.contains(w),
                "{name}: {message:?} should contain {w:?}"
            );
        }
        assert!(
            !message.contains('\n'),
            "{name}: one sentence, one line: {message}"
        );
    }
}

#[test]
fn lenient_and_silent_reads_skip_a_malformed_bim_line_and_count_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = fileset(dir.path(), "bim", |b| {
        replace_line(b, 2, "23\tsnp2\t0.5\tx\tC\tA")
    });
    for stringency in [Stringency::Lenient, Stringency::Silent] {
        assert_eq!(read(&path, stringency), (Ok(4), 1));
    }
    // The other variants keep their own genotypes.
    let options = ReaderOptions {
        stringency: Stringency::Lenient,
        ..Default::default()
    };
    let kept = common::rows(&common::read_plink(&path, options));
    let whole = common::rows(&common::read_plink(
        &glow_plink().join("bed-bim-fam/test.bed"),
        ReaderOptions::default(),
    ));
    assert_eq!(
        kept,
        [
            whole[0].clone(),
            whole[2].clone(),
            whole[3].clone(),
            whole[4].clone()
        ]
    );
}

#[test]
fn structural_problems_are_errors_whatever_the_stringency() {
    let dir = tempfile::tempdir().unwrap();
    let path = fileset(dir.path(), "bed", |mut b| {
        b.pop();
        Some(b)
    });
    for stringency in [Stringency::Lenient, Stringency::Silent] {
        assert!(read(&path, stringency).0.is_err());
    }
}

#[test]
fn unknown_samples_are_named() {
    let options = ReaderOptions {
        samples: Some(vec!["ind1".into()]),
        ..Default::default()
    };
    let e = Reader::builder(glow_plink().join("bed-bim-fam/test.bed"))
        .options(options)
        .build()
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("sample \"ind1\" is not in the file"), "{e}");
    assert!(e.contains("mergeFidIid is true"), "{e}");
}

// The writer.

const HEADER: &str = "##fileformat=VCFv4.2\n\
##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n\
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT";

fn vcf_batches(
    dir: &Path,
    name: &str,
    samples: &str,
    records: &str,
) -> Vec<arrow::array::RecordBatch> {
    let path = dir.join(name);
    std::fs::write(&path, format!("{HEADER}\t{samples}\n{records}")).unwrap();
    // Lenient: a VCF ID with a space breaks the VCF specification too, and
    // the PLINK writer is what must refuse it here.
    genolake_vcf::Reader::builder(&path)
        .options(genolake_vcf::ReaderOptions {
            stringency: genolake_core::Stringency::Lenient,
            ..Default::default()
        })
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn write_error(dir: &Path, batches: &[arrow::array::RecordBatch]) -> String {
    let prefix = dir.join("out");
    let mut writer = Writer::create(&prefix).unwrap();
    let mut error = None;
    for batch in batches {
        if let Err(e) = writer.write(batch) {
            error = Some(e.to_string());
            break;
        }
    }
    let Some(error) = error else {
        panic!("writing should fail");
    };
    drop(writer);
    for ext in [
        "bed",
        "bim",
        "fam",
        "bed.partial",
        "bim.partial",
        "fam.partial",
    ] {
        assert!(
            !dir.join(format!("out.{ext}")).exists(),
            "a failed write leaves no out.{ext}"
        );
    }
    error
}

#[test]
fn the_writer_names_the_first_multiallelic_row() {
    let dir = tempfile::tempdir().unwrap();
    let first = vcf_batches(
        dir.path(),
        "a.vcf",
        "S1\tS2",
        "1\t10\trs1\tA\tC\t.\t.\t.\tGT\t0/1\t1/1\n",
    );
    let second = vcf_batches(
        dir.path(),
        "b.vcf",
        "S1\tS2",
        "1\t20\trs2\tG\tT\t.\t.\t.\tGT\t0/0\t0/1\n1\t30\trs3\tA\tC,G\t.\t.\t.\tGT\t0/2\t1/1\n\
         1\t40\trs4\tA\tC,G\t.\t.\t.\tGT\t0/2\t1/1\n",
    );
    let batches: Vec<_> = first.into_iter().chain(second).collect();
    let e = write_error(dir.path(), &batches);
    assert!(e.contains("out.bed: row 3:"), "{e}");
    assert!(e.contains("1:30 A>C,G has 2 alternate alleles"), "{e}");
    assert!(e.contains("biallelic"), "{e}");
}

#[test]
fn the_writer_refuses_what_plink_cannot_hold() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "S1\tS2",
            "1\t10\trs1\tA\tC\t.\t.\t.\tGT\t0/1/1\t0/0\n",
            &["row 1:", "sample 1 (S1)", "3 calls"],
        ),
        (
            "S1\tS 2",
            "1\t10\trs1\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\n",
            &["row 1:", "sampleId \"S 2\"", "white space"],
        ),
        (
            "S1\tS2",
            "1\t10\trs1\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\n1\t20\trs 2\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\n",
            &["row 2:", "names \"rs 2\""],
        ),
    ];
    for (samples, records, words) in cases {
        let batches = vcf_batches(dir.path(), "c.vcf", samples, records);
        let e = write_error(dir.path(), &batches);
        for w in *words {
            assert!(e.contains(w), "{e:?} should contain {w:?}");
        }
    }
}

#[test]
fn the_writer_checks_every_row_has_the_same_samples() {
    let dir = tempfile::tempdir().unwrap();
    let a = vcf_batches(
        dir.path(),
        "a.vcf",
        "S1\tS2",
        "1\t10\trs1\tA\tC\t.\t.\t.\tGT\t0/1\t1/1\n",
    );
    let swapped = vcf_batches(
        dir.path(),
        "b.vcf",
        "S2\tS1",
        "1\t20\trs2\tA\tC\t.\t.\t.\tGT\t0/1\t1/1\n",
    );
    let e = write_error(dir.path(), &[a[0].clone(), swapped[0].clone()]);
    assert!(
        e.contains("row 2: genotype 1 is of sample \"S2\", but the first row has \"S1\""),
        "{e}"
    );
    let three = vcf_batches(
        dir.path(),
        "c.vcf",
        "S1\tS2\tS3",
        "1\t20\trs2\tA\tC\t.\t.\t.\tGT\t0/1\t1/1\t0/0\n",
    );
    let e = write_error(dir.path(), &[a[0].clone(), three[0].clone()]);
    assert!(
        e.contains("row 2: the row has 3 genotypes, but the fileset has 2 samples"),
        "{e}"
    );
}

#[test]
fn the_writer_names_missing_columns() {
    let dir = tempfile::tempdir().unwrap();
    let batches = vcf_batches(
        dir.path(),
        "a.vcf",
        "S1",
        "1\t10\trs1\tA\tC\t.\t.\t.\tGT\t0/1\n",
    );
    let without = batches[0].project(&[0, 1, 2, 3, 4]).unwrap(); // no alternateAlleles, no genotypes
    let e = write_error(dir.path(), &[without]);
    assert!(
        e.contains("the table has no alternateAlleles column"),
        "{e}"
    );
}

#[test]
fn splitting_sample_ids_needs_fid_iid() {
    let dir = tempfile::tempdir().unwrap();
    let batches = vcf_batches(
        dir.path(),
        "a.vcf",
        "F1_I1\tS2",
        "1\t10\trs1\tA\tC\t.\t.\t.\tGT\t0/1\t1/1\n",
    );
    let options = genolake_plink::WriterOptions {
        family_ids: genolake_plink::FamilyIds::Split,
        ..Default::default()
    };
    let mut writer = Writer::builder(dir.path().join("out"))
        .options(options)
        .build()
        .unwrap();
    let e = writer.write(&batches[0]).unwrap_err().to_string();
    assert!(
        e.contains("out.bed: row 1: sampleId \"S2\" is not FID_IID"),
        "{e}"
    );
}
