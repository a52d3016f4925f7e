//! Malformed input gives an error naming the file, the place and the problem
//! under strict stringency; under lenient, a value that does not parse is
//! null (counted), and only a record whose placing columns are broken is
//! skipped (counted).

use std::path::{Path, PathBuf};

use genolake_core::Stringency;
use genolake_vcf::{Reader, ReaderOptions};

const HEADER: &str = "##fileformat=VCFv4.2\n\
##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n\
##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n\
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n";
const GOOD: &str = "1\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/1\t1|1\n";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn read(path: &Path, stringency: Stringency) -> (Result<usize, String>, u64) {
    let (rows, skipped, _) = read_counting(path, stringency);
    (rows, skipped)
}

/// Rows (or the error), records skipped, and values read as null.
fn read_counting(path: &Path, stringency: Stringency) -> (Result<usize, String>, u64, u64) {
    let reader = Reader::builder(path)
        .options(ReaderOptions {
            stringency,
            ..Default::default()
        })
        .build();
    let mut reader = match reader {
        Ok(r) => r,
        Err(e) => return (Err(e.to_string()), 0, 0),
    };
    let mut rows = 0;
    for batch in reader.by_ref() {
        match batch {
            Ok(b) => rows += b.num_rows(),
            Err(e) => return (Err(e.to_string()), reader.skipped(), reader.nulled_values()),
        }
    }
    (Ok(rows), reader.skipped(), reader.nulled_values())
}

/// What a lenient read makes of a malformed record between two good ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lenient {
    /// A column that places the record is broken: skipped and counted.
    Skipped,
    /// One value does not parse: the record is kept, the value null.
    Nulled,
    /// The record is kept whole (extra values dropped, letters warned about).
    Kept,
}

/// Each malformed record: the line, words the strict error must contain,
/// and what lenient and silent reads do with it.
const BAD_RECORDS: &[(&str, &[&str], Lenient)] = &[
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/|1\t0/0\n",
        &["line 6", "GT \"0/|1\"", "where an allele"],
        Lenient::Nulled,
    ),
    (
        "1\tabc\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/1\t0/0\n",
        &["line 6", "POS \"abc\""],
        Lenient::Skipped,
    ),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/1\t0/0\t1/1\n",
        &["line 6", "3 sample columns", "2 samples"],
        Lenient::Skipped,
    ),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/1\n",
        &["line 6", "1 sample columns"],
        Lenient::Skipped,
    ),
    (
        "1\t100\t.\tA\tG\n",
        &["line 6", "at least 8"],
        Lenient::Skipped,
    ),
    (
        "1\t100\t.\t\tG\t.\tPASS\tDP=3\tGT\t0/1\t0/0\n",
        &["line 6", "REF is empty"],
        Lenient::Skipped,
    ),
    (
        "1\t100\t.\tA\tG,,C\t.\tPASS\tDP=3\tGT\t0/1\t0/0\n",
        &["line 6", "ALT \"G,,C\" has an empty allele"],
        Lenient::Skipped,
    ),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=x\tGT\t0/1\t0/0\n",
        &["line 6", "INFO DP", "not an Integer"],
        Lenient::Nulled,
    ),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=-3\tGT\t0/1\t0/0\n",
        &["line 6", "INFO DP", "negative"],
        Lenient::Nulled,
    ),
    (
        "1\t100\t.\tA\tG\tlow\tPASS\tDP=3\tGT\t0/1\t0/0\n",
        &["line 6", "QUAL"],
        Lenient::Nulled,
    ),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/2\t0/0\n",
        &["line 6", "allele 2", "only 2 alleles"],
        Lenient::Nulled,
    ),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/1:5\t0/0\n",
        &["line 6", "more values than the 1 FORMAT keys"],
        Lenient::Kept,
    ),
    (
        "1\t100\t.\tR\tG\t.\tPASS\tDP=3\tGT\t0/1\t0/0\n",
        &["line 6", "REF \"R\" is not bases"],
        Lenient::Kept,
    ),
    (
        "1\t100\trs1;\tA\tG\t.\tPASS\tDP=3\tGT\t0/1\t0/0\n",
        &["line 6", "ID \"rs1;\" has an empty identifier"],
        Lenient::Kept,
    ),
    (
        "1\t100\t.\tA\tG\t.\tq10;\tDP=3\tGT\t0/1\t0/0\n",
        &["line 6", "FILTER \"q10;\" has an empty name"],
        Lenient::Kept,
    ),
    (
        "2\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/1\t0/0\n",
        &[
            "line 7",
            "records of contig 1 come again after those of contig 2",
        ],
        Lenient::Kept,
    ),
];

#[test]
fn strict_mode_names_the_line_and_lenient_mode_keeps_what_it_can() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (bad, words, lenient)) in BAD_RECORDS.iter().enumerate() {
        let text = format!("{HEADER}{GOOD}{bad}{GOOD}");
        let path = write(dir.path(), &format!("bad{i}.vcf"), text.as_bytes());
        let (strict, _) = read(&path, Stringency::Strict);
        let err = strict.expect_err(bad);
        assert!(err.starts_with(path.to_str().unwrap()), "{err}");
        for word in *words {
            assert!(err.contains(word), "error {err:?} should mention {word:?}");
        }
        let expected = match lenient {
            Lenient::Skipped => (Ok(2), 1, 0),
            Lenient::Nulled => (Ok(3), 0, 1),
            Lenient::Kept => (Ok(3), 0, 0),
        };
        assert_eq!(read_counting(&path, Stringency::Lenient), expected, "{bad}");
        assert_eq!(read_counting(&path, Stringency::Silent), expected, "{bad}");
    }
}

#[test]
fn undeclared_keys_of_the_first_records_are_typed_in_every_stringency() {
    let dir = tempfile::tempdir().unwrap();
    // AN is reserved (an Integer); XX and ZZ are not (text, as htslib reads them).
    let bad = "1\t100\t.\tA\tG\t.\tPASS\tXX=1;AN=4\tGT:ZZ\t0/1:1\t0/0:2\n";
    let path = write(
        dir.path(),
        "undeclared.vcf",
        format!("{HEADER}{GOOD}{bad}").as_bytes(),
    );
    for stringency in [Stringency::Strict, Stringency::Lenient] {
        let reader = Reader::builder(&path)
            .options(ReaderOptions {
                stringency,
                ..Default::default()
            })
            .build()
            .unwrap();
        let schema = reader.schema();
        let types: Vec<String> = ["INFO_XX", "INFO_AN"]
            .iter()
            .map(|c| schema.field_with_name(c).unwrap().data_type().to_string())
            .collect();
        assert_eq!(types, ["Utf8", "Int32"]);
        let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(rows, 2);
    }
}

#[test]
fn a_key_first_used_after_the_typed_records_fails_strict() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = HEADER.to_string();
    for _ in 0..genolake_vcf::header::undeclared::SCAN_LINES {
        text.push_str(GOOD);
    }
    text.push_str("1\t100\t.\tA\tG\t.\tPASS\tXX=1\tGT\t0/1\t0/0\n");
    let path = write(dir.path(), "late.vcf", text.as_bytes());
    let err = read(&path, Stringency::Strict).0.unwrap_err();
    assert!(err.contains("INFO key \"XX\" is not declared"), "{err}");
    let lines = genolake_vcf::header::undeclared::SCAN_LINES as u64 + 5;
    assert!(err.contains(&format!("line {lines}:")), "{err}");
    let records = genolake_vcf::header::undeclared::SCAN_LINES + 1;
    assert_eq!(read(&path, Stringency::Lenient), (Ok(records), 0));
}

#[test]
fn invalid_utf8_is_an_error_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = format!("{HEADER}{GOOD}").into_bytes();
    bytes.extend_from_slice(b"1\t100\tr\xffs\tA\tG\t.\tPASS\tDP=3\tGT\t0/1\t0/0\n");
    let path = write(dir.path(), "utf8.vcf", &bytes);
    let err = read(&path, Stringency::Strict).0.unwrap_err();
    assert!(err.contains("line 6") && err.contains("UTF-8"), "{err}");
}

#[test]
fn a_broken_info_header_line_is_an_error_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{HEADER}{GOOD}").replace("Type=Integer", "Type=Int");
    let path = write(dir.path(), "header.vcf", text.as_bytes());
    let err = read(&path, Stringency::Strict).0.unwrap_err();
    assert!(
        err.contains("line 2") && err.contains("INFO DP") && err.contains("Int"),
        "{err}"
    );
    // Lenient: the broken line is dropped, and DP, which the records use,
    // is typed as the specification reserves it.
    assert_eq!(read(&path, Stringency::Lenient), (Ok(1), 0));
    let reader = Reader::builder(&path)
        .options(ReaderOptions {
            stringency: Stringency::Lenient,
            ..Default::default()
        })
        .build()
        .unwrap();
    assert_eq!(
        reader
            .schema()
            .field_with_name("INFO_DP")
            .unwrap()
            .data_type(),
        &arrow::datatypes::DataType::Int32
    );
}

#[test]
fn truncated_bgzf_is_an_error_with_a_byte_offset() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/glow/tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz");
    let bytes = std::fs::read(source).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "cut.vcf.gz", &bytes[..bytes.len() * 2 / 3]);
    for stringency in [Stringency::Strict, Stringency::Lenient] {
        let err = read(&path, stringency).0.unwrap_err();
        assert!(err.contains("truncated") && err.contains("byte "), "{err}");
    }
}

#[test]
fn a_missing_file_names_the_path() {
    let err = read(Path::new("/nonexistent/x.vcf"), Stringency::Strict)
        .0
        .unwrap_err();
    assert!(err.contains("/nonexistent/x.vcf"), "{err}");
}

#[test]
fn windows_line_endings_read_like_unix_ones() {
    let dir = tempfile::tempdir().unwrap();
    let unix = write(dir.path(), "unix.vcf", format!("{HEADER}{GOOD}").as_bytes());
    let windows = write(
        dir.path(),
        "win.vcf",
        format!("{HEADER}{GOOD}").replace('\n', "\r\n").as_bytes(),
    );
    let a: Vec<_> = Reader::open(&unix)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let b: Vec<_> = Reader::open(&windows)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(a, b);
}

/// GATK declared INFO GC and FORMAT AB Integer and wrote decimals. Strict
/// stops at the first record, naming it; lenient and silent keep every
/// record, read those values as null and count them.
#[test]
fn integers_written_as_decimals_fail_strict_and_are_null_lenient() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gatk_integer_decimals.vcf");
    let text = std::fs::read_to_string(&path).unwrap();
    let records = text.lines().filter(|l| !l.starts_with('#')).count();
    let hets = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.split('\t').skip(9))
        .filter(|g| g.starts_with("0/1"))
        .count();
    let first = text.lines().take_while(|l| l.starts_with('#')).count() + 1;
    let err = read(&path, Stringency::Strict).0.unwrap_err();
    assert!(
        err.contains(&format!("line {first}:"))
            && err.contains("INFO GC")
            && err.contains("not an Integer"),
        "{err}"
    );
    for stringency in [Stringency::Lenient, Stringency::Silent] {
        let mut reader = Reader::builder(&path)
            .options(ReaderOptions {
                stringency,
                ..Default::default()
            })
            .build()
            .unwrap();
        let batches: Vec<_> = reader.by_ref().collect::<Result<_, _>>().unwrap();
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert_eq!((rows, reader.skipped()), (records, 0));
        let counts: Vec<(&str, u64)> = reader
            .nulled()
            .iter()
            .map(|(k, n)| (k.as_str(), *n))
            .collect();
        assert_eq!(
            counts,
            [("FORMAT AB", hets as u64), ("INFO GC", records as u64)]
        );
        // The other values of those records are all there.
        use arrow::array::{Array, AsArray};
        let gc = batches[0].column_by_name("INFO_GC").unwrap();
        let dp = batches[0].column_by_name("INFO_DP").unwrap();
        assert_eq!((gc.null_count(), dp.null_count()), (gc.len(), 0));
        let genotypes = batches[0]
            .column_by_name("genotypes")
            .unwrap()
            .as_list::<i32>();
        let depth = genotypes
            .values()
            .as_struct()
            .column_by_name("depth")
            .unwrap();
        assert!(depth.null_count() < depth.len());
    }
}

/// VCF 4.2 gives Integers no width; 4.3 makes them 32-bit and rules out
/// BCF's eight reserved values. So in a 4.2 file the items that do not fit
/// are read as missing (as bcftools reads them), counted, in every
/// stringency; in a 4.3 file they stop a strict read.
#[test]
fn integers_past_32_bits_are_missing_in_vcf_4_2_and_errors_from_4_3() {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::Int32Type;
    let dir = tempfile::tempdir().unwrap();
    let body = "##INFO=<ID=N,Number=.,Type=Integer,Description=\"n\">\n\
##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n\
##FORMAT=<ID=C,Number=1,Type=Integer,Description=\"c\">\n\
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n\
1\t100\t.\tA\tG\t.\tPASS\tN=1,42949672950,-2147483641,7\tGT:C\t0/1:5\t1|1:-2147483649\n";
    let v42 = write(
        dir.path(),
        "v42.vcf",
        format!("##fileformat=VCFv4.2\n{body}").as_bytes(),
    );
    for stringency in [Stringency::Strict, Stringency::Lenient, Stringency::Silent] {
        let mut reader = Reader::builder(&v42)
            .options(ReaderOptions {
                stringency,
                ..Default::default()
            })
            .build()
            .unwrap();
        let batches: Vec<_> = reader.by_ref().collect::<Result<_, _>>().unwrap();
        let counts: Vec<(&str, u64)> = reader
            .nulled()
            .iter()
            .map(|(k, n)| (k.as_str(), *n))
            .collect();
        assert_eq!(counts, [("FORMAT C", 1), ("INFO N", 1)]);
        let n = batches[0]
            .column_by_name("INFO_N")
            .unwrap()
            .as_list::<i32>();
        let items = n.value(0);
        let items = items.as_primitive::<Int32Type>();
        let items: Vec<Option<i32>> = items.iter().collect();
        assert_eq!(items, [Some(1), None, None, Some(7)]);
        let genotypes = batches[0]
            .column_by_name("genotypes")
            .unwrap()
            .as_list::<i32>();
        let c = genotypes.values().as_struct().column_by_name("C").unwrap();
        let c = c.as_primitive::<Int32Type>();
        assert_eq!((c.value(0), c.is_null(1)), (5, true));
    }
    let v43 = write(
        dir.path(),
        "v43.vcf",
        format!("##fileformat=VCFv4.3\n{body}").as_bytes(),
    );
    let err = read(&v43, Stringency::Strict).0.unwrap_err();
    assert!(
        err.contains("line 6:") && err.contains("INFO N") && err.contains("32-bit"),
        "{err}"
    );
}
