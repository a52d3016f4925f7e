//! `IndexedFasta` against sequences read straight from the plain FASTA, on
//! Glow's test reference (plain and BGZF) and on generated multi-line,
//! multi-block files.

use std::path::{Path, PathBuf};
use std::process::Command;

use genolake_ops::Error;
use genolake_ops::fasta::IndexedFasta;
use proptest::prelude::*;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/variantsplitternormalizer-test")
        .join(name)
}

/// Contigs of a plain FASTA, parsed without any index: what `samtools
/// faidx` prints for a region is a slice of these.
fn parse_fasta(path: &Path) -> Vec<(String, Vec<u8>)> {
    let text = std::fs::read(path).unwrap();
    let mut contigs: Vec<(String, Vec<u8>)> = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        if let Some(header) = line.strip_prefix(b">") {
            let name = String::from_utf8_lossy(header)
                .split_whitespace()
                .next()
                .unwrap()
                .to_string();
            contigs.push((name, Vec::new()));
        } else if let Some((_, seq)) = contigs.last_mut() {
            seq.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
        }
    }
    for (_, seq) in &mut contigs {
        seq.make_ascii_uppercase();
    }
    contigs
}

/// Writes a FASTA of `contigs` with `width` bases a line and its `.fai`.
fn write_fasta(path: &Path, contigs: &[(String, Vec<u8>)], width: usize) {
    let mut text = Vec::new();
    let mut fai = String::new();
    for (name, seq) in contigs {
        text.extend_from_slice(format!(">{name} description\n").as_bytes());
        let offset = text.len();
        for line in seq.chunks(width) {
            text.extend_from_slice(line);
            text.push(b'\n');
        }
        fai.push_str(&format!(
            "{name}\t{}\t{offset}\t{width}\t{}\n",
            seq.len(),
            width + 1
        ));
    }
    std::fs::write(path, text).unwrap();
    std::fs::write(format!("{}.fai", path.display()), fai).unwrap();
}

/// Compresses `path` into `<path>.gz` with `bgzip -i`, which writes the
/// `.gzi`; the `.fai` offsets are those of the uncompressed file.
fn bgzip(path: &Path) -> PathBuf {
    let status = Command::new("bgzip")
        .args(["-i", "-k", "-f"])
        .arg(path)
        .status()
        .expect("bgzip (htslib) must be installed for this test");
    assert!(status.success());
    let gz = PathBuf::from(format!("{}.gz", path.display()));
    std::fs::copy(
        format!("{}.fai", path.display()),
        format!("{}.gz.fai", path.display()),
    )
    .unwrap();
    gz
}

#[test]
fn plain_and_bgzf_reference_match_the_sequence() {
    let expected = parse_fasta(&data("20_altered.fasta"));
    assert_eq!(expected.len(), 1);
    let seq = &expected[0].1;
    assert_eq!(seq.len(), 38994);
    for file in ["20_altered.fasta", "20_altered_bgzip.fasta.gz"] {
        let mut fasta = IndexedFasta::open(data(file)).unwrap();
        assert_eq!(fasta.path(), data(file));
        assert_eq!(fasta.contig_length("20"), Some(38994));
        assert_eq!(fasta.contig_length("chr20"), None);
        assert_eq!(fasta.fetch("20", 0, 38994).unwrap(), *seq, "{file}");
        assert_eq!(fasta.fetch("20", 0, 10).unwrap(), b"GGCAACAAGA", "{file}");
        assert_eq!(fasta.fetch("20", 55, 65).unwrap(), &seq[55..65], "{file}");
        assert_eq!(fasta.fetch("20", 38990, 38994).unwrap(), &seq[38990..]);
        assert!(fasta.fetch("20", 5, 5).unwrap().is_empty());
    }
}

#[test]
fn out_of_range_and_unknown_contigs_are_errors_naming_the_file() {
    let mut fasta = IndexedFasta::open(data("20_altered.fasta")).unwrap();
    let e = fasta.fetch("20", 38990, 38995).unwrap_err().to_string();
    assert!(e.contains("20_altered.fasta") && e.contains("38994"), "{e}");
    let e = fasta.fetch("21", 0, 1).unwrap_err().to_string();
    assert!(
        e.contains("20_altered.fasta") && e.contains("contig 21"),
        "{e}"
    );
    let e = fasta.fetch("20", 10, 5).unwrap_err().to_string();
    assert!(e.contains("[10, 5)"), "{e}");
}

#[test]
fn missing_indexes_are_errors_naming_the_expected_index() {
    for file in [
        "20_altered_noindex.fasta",
        "20_altered_bgzip_noindex.fasta.gz",
    ] {
        let e = IndexedFasta::open(data(file)).unwrap_err();
        let expected = format!("{}.fai", data(file).display());
        assert!(matches!(&e, Error::Fasta { path, .. } if path == Path::new(&expected)));
        let e = e.to_string();
        assert!(e.contains("samtools faidx"), "{e}");
    }
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("ref.fa.gz");
    std::fs::copy(data("20_altered_bgzip.fasta.gz"), &gz).unwrap();
    std::fs::copy(
        data("20_altered_bgzip.fasta.gz.fai"),
        dir.path().join("ref.fa.gz.fai"),
    )
    .unwrap();
    let e = IndexedFasta::open(&gz).unwrap_err().to_string();
    assert!(
        e.contains("ref.fa.gz.gzi") && e.contains("samtools faidx"),
        "{e}"
    );
    let e = IndexedFasta::open(dir.path().join("absent.fa")).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
}

#[test]
fn malformed_indexes_name_the_line_or_byte() {
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("ref.fa");
    std::fs::copy(data("20_altered.fasta"), &fa).unwrap();
    let fai = dir.path().join("ref.fa.fai");
    for (text, wanted) in [
        ("20\t38994\t4\t60\t61\nX\t1\t2\n", "line 2: expected 5"),
        (
            "20\t38994\t4\t60\t61\n20\t38994\t4\t60\t61\n",
            "line 2: contig 20 is indexed twice",
        ),
        ("20\t-1\t4\t60\t61\n", "line 1: length"),
    ] {
        std::fs::write(&fai, text).unwrap();
        let e = IndexedFasta::open(&fa).unwrap_err().to_string();
        assert!(e.contains("ref.fa.fai") && e.contains(wanted), "{e}");
    }
    // A stale index whose line width is wrong lands on a line terminator.
    std::fs::write(&fai, "20\t38994\t4\t70\t71\n").unwrap();
    let mut fasta = IndexedFasta::open(&fa).unwrap();
    let e = fasta.fetch("20", 0, 70).unwrap_err().to_string();
    assert!(e.contains("byte 64") && e.contains("stale"), "{e}");
    // An index promising more bases than the file holds.
    std::fs::write(&fai, "20\t100000000\t4\t60\t61\n").unwrap();
    let mut fasta = IndexedFasta::open(&fa).unwrap();
    let e = fasta
        .fetch("20", 99_000_000, 99_000_010)
        .unwrap_err()
        .to_string();
    assert!(e.contains("file ends before byte"), "{e}");

    let gz = dir.path().join("ref.fa.gz");
    std::fs::copy(data("20_altered_bgzip.fasta.gz"), &gz).unwrap();
    std::fs::copy(
        data("20_altered_bgzip.fasta.gz.fai"),
        dir.path().join("ref.fa.gz.fai"),
    )
    .unwrap();
    let gzi = dir.path().join("ref.fa.gz.gzi");
    for (bytes, wanted) in [
        (vec![1u8, 0, 0], "shorter than the 8-byte"),
        (
            u64::MAX.to_le_bytes().to_vec(),
            "does not match the file size",
        ),
        (
            [1u64, 0, 5]
                .iter()
                .flat_map(|n| n.to_le_bytes())
                .collect::<Vec<u8>>(),
            "entry 0 at byte 8",
        ),
    ] {
        std::fs::write(&gzi, bytes).unwrap();
        let e = IndexedFasta::open(&gz).unwrap_err().to_string();
        assert!(e.contains("ref.fa.gz.gzi") && e.contains(wanted), "{e}");
    }

    let plain_gz = dir.path().join("plain.fa.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, b">1\nACGT\n").unwrap();
    std::fs::write(&plain_gz, encoder.finish().unwrap()).unwrap();
    std::fs::write(dir.path().join("plain.fa.gz.fai"), "1\t4\t3\t4\t5\n").unwrap();
    let e = IndexedFasta::open(&plain_gz).unwrap_err().to_string();
    assert!(e.contains("not BGZF") && e.contains("bgzip"), "{e}");
}

/// A reproducible pseudo-random genome: three contigs, mixed case, long
/// enough that its BGZF copy spans several blocks.
fn generated_contigs() -> Vec<(String, Vec<u8>)> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    [("chrA", 150_001usize), ("chrB", 7), ("chrC", 90_000)]
        .iter()
        .map(|&(name, len)| {
            let seq = (0..len)
                .map(|_| b"ACGTNacgt"[(next() % 9) as usize])
                .collect();
            (name.to_string(), seq)
        })
        .collect()
}

struct Generated {
    _dir: tempfile::TempDir,
    plain: PathBuf,
    gz: PathBuf,
    contigs: Vec<(String, Vec<u8>)>,
}

fn generated() -> Generated {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("gen.fa");
    let contigs = generated_contigs();
    write_fasta(&plain, &contigs, 61);
    let gz = bgzip(&plain);
    let gzi_len = std::fs::metadata(format!("{}.gzi", gz.display()))
        .unwrap()
        .len();
    assert!(gzi_len > 8 + 16 * 2, "expected a multi-block BGZF file");
    let contigs = contigs
        .into_iter()
        .map(|(n, s)| (n, s.to_ascii_uppercase()))
        .collect();
    Generated {
        _dir: dir,
        plain,
        gz,
        contigs,
    }
}

#[test]
fn multi_block_bgzf_reads_whole_contigs() {
    let g = generated();
    for path in [&g.plain, &g.gz] {
        let mut fasta = IndexedFasta::open(path).unwrap();
        for (name, seq) in &g.contigs {
            assert_eq!(fasta.contig_length(name), Some(seq.len() as u64));
            let got = fasta.fetch(name, 0, seq.len() as u64).unwrap();
            assert!(got == *seq, "{name} of {}", path.display());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The plain and BGZF copies give the bytes of the sequence for any
    /// range, in any order of fetches (exercising the cached block).
    #[test]
    fn plain_and_bgzf_agree_on_random_ranges(
        ranges in proptest::collection::vec((0usize..3, 0.0f64..1.0, 0u64..400), 1..20)
    ) {
        thread_local! {
            static G: Generated = generated();
        }
        G.with(|g| {
            let mut plain = IndexedFasta::open(&g.plain).unwrap();
            let mut gz = IndexedFasta::open(&g.gz).unwrap();
            for &(contig, at, len) in &ranges {
                let (name, seq) = &g.contigs[contig];
                let start = (at * seq.len() as f64) as u64;
                let end = (start + len).min(seq.len() as u64);
                let want = &seq[start as usize..end as usize];
                prop_assert_eq!(plain.fetch(name, start, end).unwrap(), want);
                prop_assert_eq!(gz.fetch(name, start, end).unwrap(), want);
            }
            Ok(())
        })?;
    }

    /// The same on Glow's reference and its BGZF copy.
    #[test]
    fn glow_reference_plain_and_bgzf_agree(start in 0u64..38994, len in 0u64..300) {
        let end = (start + len).min(38994);
        let mut plain = IndexedFasta::open(data("20_altered.fasta")).unwrap();
        let mut gz = IndexedFasta::open(data("20_altered_bgzip.fasta.gz")).unwrap();
        prop_assert_eq!(plain.fetch("20", start, end).unwrap(), gz.fetch("20", start, end).unwrap());
    }
}
