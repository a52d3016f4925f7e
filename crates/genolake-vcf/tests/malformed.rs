//! Malformed input gives an error naming the file, the place and the problem
//! under strict stringency, and a skipped, counted record under lenient.

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
    let reader = Reader::builder(path)
        .options(ReaderOptions {
            stringency,
            ..Default::default()
        })
        .build();
    let mut reader = match reader {
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

/// Each malformed record: the line, and words the strict error must contain.
/// Undeclared keys are the exception under lenient stringency: the record is
/// kept (INFO values dropped with a warning, FORMAT values in `otherFields`).
const BAD_RECORDS: &[(&str, &[&str])] = &[
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/|1\t0/0\n",
        &["line 6", "GT \"0/|1\"", "where an allele"],
    ),
    (
        "1\tabc\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/1\t0/0\n",
        &["line 6", "POS \"abc\""],
    ),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/1\t0/0\t1/1\n",
        &["line 6", "3 sample columns", "2 samples"],
    ),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/1\n",
        &["line 6", "1 sample columns"],
    ),
    ("1\t100\t.\tA\tG\n", &["line 6", "at least 8"]),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=x\tGT\t0/1\t0/0\n",
        &["line 6", "INFO DP", "not an Integer"],
    ),
    (
        "1\t100\t.\tA\tG\tlow\tPASS\tDP=3\tGT\t0/1\t0/0\n",
        &["line 6", "QUAL"],
    ),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tXX=1\tGT\t0/1\t0/0\n",
        &["line 6", "INFO key \"XX\" is not defined"],
    ),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT:ZZ\t0/1:1\t0/0:2\n",
        &["line 6", "FORMAT key \"ZZ\""],
    ),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/2\t0/0\n",
        &["line 6", "allele 2", "only 2 alleles"],
    ),
    (
        "1\t100\t.\tA\tG\t.\tPASS\tDP=3\tGT\t0/1:5\t0/0\n",
        &["line 6", "more values than the 1 FORMAT keys"],
    ),
];

#[test]
fn strict_mode_names_the_line_and_lenient_mode_skips_it() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (bad, words)) in BAD_RECORDS.iter().enumerate() {
        let text = format!("{HEADER}{GOOD}{bad}{GOOD}");
        let path = write(dir.path(), &format!("bad{i}.vcf"), text.as_bytes());
        let (strict, _) = read(&path, Stringency::Strict);
        let err = strict.expect_err(bad);
        assert!(err.starts_with(path.to_str().unwrap()), "{err}");
        for word in *words {
            assert!(err.contains(word), "error {err:?} should mention {word:?}");
        }
        let expected = if bad.contains("XX=1") || bad.contains("GT:ZZ") {
            (Ok(3), 0)
        } else {
            (Ok(2), 1)
        };
        assert_eq!(read(&path, Stringency::Lenient), expected, "{bad}");
        assert_eq!(read(&path, Stringency::Silent), expected, "{bad}");
    }
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
    // Lenient: the definition is dropped, so DP values are dropped with a warning.
    assert_eq!(read(&path, Stringency::Lenient), (Ok(1), 0));
}

#[test]
fn truncated_bgzf_is_an_error_with_a_byte_offset() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../testdata/glow/tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz",
    );
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
