//! Lying, truncated and corrupt input gives an error naming the file, the
//! byte offset and the problem; never a panic, never an allocation the file
//! cannot justify. Random mutations of valid files never panic either.

mod common;

use std::path::{Path, PathBuf};

use common::{glow_bgen, local_data};
use genolake_bgen::{ErrorKind, Position, Reader, ReaderOptions};
use genolake_core::Stringency;
use proptest::prelude::*;

/// Where the fields of one layout 2 variant block lie.
#[derive(Debug, Clone, Copy)]
struct Block {
    offset: usize,
    alleles_at: usize,
    length_at: usize,
    data_at: usize,
    end: usize,
}

fn u16_at(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes([b[at], b[at + 1]]) as usize
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// The variant blocks of a valid layout 2 file.
fn blocks(b: &[u8]) -> Vec<Block> {
    // The flags are the last 4 bytes of the header block, at [4, 4 + L_H).
    let compressed = u32_at(b, u32_at(b, 4)) & 3 != 0;
    let mut at = u32_at(b, 0) + 4;
    let mut out = Vec::new();
    while at < b.len() {
        let offset = at;
        for _ in 0..3 {
            at += 2 + u16_at(b, at);
        }
        at += 4;
        let alleles_at = at;
        let k = u16_at(b, at);
        at += 2;
        for _ in 0..k {
            at += 4 + u32_at(b, at);
        }
        let length_at = at;
        let c = u32_at(b, at);
        let data_at = at + if compressed { 8 } else { 4 };
        at += 4 + c;
        out.push(Block {
            offset,
            alleles_at,
            length_at,
            data_at,
            end: at,
        });
    }
    out
}

fn read(path: &Path, stringency: Stringency) -> Result<(usize, u64), genolake_bgen::Error> {
    let options = ReaderOptions {
        stringency,
        ..Default::default()
    };
    let mut reader = Reader::builder(path).options(options).build()?;
    let mut rows = 0;
    for batch in reader.by_ref() {
        rows += batch?.num_rows();
    }
    Ok((rows, reader.skipped()))
}

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Reads a mutated copy strictly: the error, its position and message.
    fn strict_error(&self, bytes: &[u8]) -> (Position, String, genolake_bgen::Error) {
        let path = self.write("bad.bgen", bytes);
        match read(&path, Stringency::Strict) {
            Ok(r) => panic!("read succeeded with {r:?}"),
            Err(e) => {
                assert!(
                    e.to_string().starts_with(&path.display().to_string()),
                    "{e}"
                );
                (e.position(), e.to_string(), e)
            }
        }
    }
}

fn complex() -> Vec<u8> {
    std::fs::read(local_data().join("complex.16bits.bgen")).unwrap()
}

#[test]
fn every_truncation_is_an_error() {
    let case = Case::new();
    let bytes = complex();
    for len in 0..bytes.len() {
        let (_, message, _) = case.strict_error(&bytes[..len]);
        assert!(
            message.contains("ends")
                || message.contains("remain")
                || message.contains("too short")
                || message.contains("past the end"),
            "truncated to {len}: {message}"
        );
    }
}

#[test]
fn a_file_ending_between_blocks_names_the_missing_variants() {
    let case = Case::new();
    let bytes = complex();
    let third = blocks(&bytes)[3];
    let (position, message, _) = case.strict_error(&bytes[..third.offset]);
    assert_eq!(position, Position::Offset(third.offset as u64));
    assert!(
        message.contains("the header declares 10 variants but the file ends after 3"),
        "{message}"
    );
    // Lenient reads keep the variants that are there.
    let path = case.write("short.bgen", &bytes[..third.offset]);
    assert_eq!(read(&path, Stringency::Lenient).unwrap(), (3, 0));
}

#[test]
fn a_block_length_past_the_end_of_the_file_is_an_error() {
    let case = Case::new();
    let mut bytes = complex();
    let b = blocks(&bytes)[2];
    put_u32(&mut bytes, b.length_at, 0xffff_fff0);
    let (position, message, _) = case.strict_error(&bytes);
    assert_eq!(position, Position::Variant(b.offset as u64));
    assert!(
        message.contains("the genotype block claims 4294967276 bytes"),
        "{message}"
    );
    assert!(message.contains("remain in the file"), "{message}");
}

#[test]
fn a_compressed_size_that_does_not_inflate_as_stated_is_an_error() {
    let case = Case::new();
    let original = complex();
    let b = blocks(&original)[1];
    let stated = u32_at(&original, b.length_at + 4);
    let stored = b.end - b.data_at;
    let cases = [
        (
            stated + 1,
            format!(
                "of {stored} bytes inflates to {stated} bytes, not the {} stated",
                stated + 1
            ),
        ),
        (
            stated - 1,
            format!("inflates to more than the {} bytes stated", stated - 1),
        ),
        (0, "inflates to more than the 0 bytes stated".to_string()),
        (
            u32::MAX as usize,
            "claims to inflate to 4294967295 bytes, more than zlib can compress".to_string(),
        ),
    ];
    for (lie, words) in cases {
        let mut bytes = original.clone();
        put_u32(&mut bytes, b.length_at + 4, lie as u32);
        let (position, message, e) = case.strict_error(&bytes);
        assert_eq!(position, Position::Variant(b.offset as u64), "{message}");
        assert!(message.contains(&words), "{lie}: {message}");
        if lie != u32::MAX as usize {
            assert!(matches!(e.kind(), ErrorKind::Compression(_)), "{message}");
        }
    }
}

#[test]
fn corrupt_compressed_data_is_an_error_and_lenient_reads_skip_the_variant() {
    let case = Case::new();
    let mut bytes = complex();
    let b = blocks(&bytes)[4];
    for byte in &mut bytes[b.data_at + 2..b.end] {
        *byte ^= 0x5a;
    }
    let (position, message, e) = case.strict_error(&bytes);
    assert_eq!(position, Position::Variant(b.offset as u64));
    assert!(matches!(e.kind(), ErrorKind::Compression(_)), "{message}");
    let path = case.write("lenient.bgen", &bytes);
    assert_eq!(read(&path, Stringency::Lenient).unwrap(), (9, 1));
    assert_eq!(read(&path, Stringency::Silent).unwrap(), (9, 1));
}

#[test]
fn more_alleles_than_the_file_holds_is_an_error() {
    let case = Case::new();
    let mut bytes = complex();
    let b = blocks(&bytes)[0];
    bytes[b.alleles_at..b.alleles_at + 2].copy_from_slice(&u16::MAX.to_le_bytes());
    let (position, message, _) = case.strict_error(&bytes);
    assert_eq!(position, Position::Variant(b.offset as u64));
    assert!(
        message.contains("the file ends inside the alleles: 262140 bytes needed"),
        "{message}"
    );
}

#[test]
fn an_allele_longer_than_the_file_is_an_error() {
    let case = Case::new();
    let mut bytes = complex();
    let b = blocks(&bytes)[0];
    put_u32(&mut bytes, b.alleles_at + 2, 1 << 30);
    let (_, message, _) = case.strict_error(&bytes);
    assert!(
        message.contains("the file ends inside an allele: 1073741824 bytes needed"),
        "{message}"
    );
}

#[test]
fn header_lies_are_errors() {
    let case = Case::new();
    let original = complex();
    let mutate = |at: usize, value: u32| {
        let mut b = original.clone();
        put_u32(&mut b, at, value);
        b
    };
    let cases: Vec<(Vec<u8>, Position, &str)> = vec![
        (
            mutate(0, 1 << 30),
            Position::Offset(0),
            "lies past the end of the file",
        ),
        (
            mutate(4, 10),
            Position::Offset(4),
            "below the minimum of 20",
        ),
        (
            mutate(4, 1000),
            Position::Offset(4),
            "runs past the first variant block",
        ),
        (
            mutate(12, 5),
            Position::Offset(28),
            "lists 4 samples but the header declares 5",
        ),
        (
            mutate(16, 0x41424344),
            Position::Offset(16),
            "this is not a BGEN file",
        ),
        (
            mutate(20, 0x8000_0003 | (2 << 2)),
            Position::Offset(20),
            "compression flag is 3",
        ),
        (
            mutate(20, 0x8000_0001),
            Position::Offset(20),
            "layout 0 (BGEN v1.0) is deprecated",
        ),
        (
            mutate(20, 0x8000_0001 | (7 << 2)),
            Position::Offset(20),
            "layout 7 is not defined",
        ),
        (
            mutate(20, 0x8000_0002 | (1 << 2)),
            Position::Offset(20),
            "layout 1 blocks cannot be zstd-compressed",
        ),
        (
            mutate(24, 100_000),
            Position::Offset(24),
            "the sample identifier block claims 100000 bytes",
        ),
    ];
    for (bytes, position, words) in cases {
        let (got, message, e) = case.strict_error(&bytes);
        assert_eq!(got, position, "{message}");
        assert!(message.contains(words), "{message}");
        assert!(matches!(e.kind(), ErrorKind::Header(_)), "{message}");
    }
}

#[test]
fn a_sample_count_that_disagrees_with_the_data_is_an_error() {
    let case = Case::new();
    let original = std::fs::read(glow_bgen().join("example.16bits.nosampleids.bgen")).unwrap();
    let first = blocks(&original)[0];
    for (n, words) in [
        (
            501,
            "declares 501 samples but the first variant block holds 500",
        ),
        (
            499,
            "declares 499 samples but the first variant block holds 500",
        ),
        (
            u32::MAX,
            "declares 4294967295 samples but the first variant's genotype data",
        ),
    ] {
        let mut bytes = original.clone();
        put_u32(&mut bytes, 12, n);
        let (position, message, _) = case.strict_error(&bytes);
        assert_eq!(
            position,
            Position::Variant(first.offset as u64),
            "{message}"
        );
        assert!(message.contains(words), "{message}");
    }
    // A header without variant data may not claim absurd sample counts either.
    let mut empty = original[..first.offset].to_vec();
    put_u32(&mut empty, 8, 0);
    put_u32(&mut empty, 12, u32::MAX);
    let (_, message, _) = case.strict_error(&empty);
    assert!(
        message.contains("no variant data to confirm it"),
        "{message}"
    );
}

/// Mutations inside uncompressed layout 2 genotype data, each with the
/// words of its error.
#[test]
fn malformed_genotype_data_is_an_error() {
    let case = Case::new();
    let original = std::fs::read(glow_bgen().join("example.8bits.uncompressed.bgen")).unwrap();
    let b = blocks(&original)[1];
    let d = b.data_at;
    let n = 500;
    let set = |at: usize, values: &[u8]| {
        let mut bytes = original.clone();
        bytes[at..at + values.len()].copy_from_slice(values);
        bytes
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            set(d, &501u32.to_le_bytes()),
            "lists 501 samples but the header declares 500",
        ),
        (
            set(d + 4, &3u16.to_le_bytes()),
            "declares 3 alleles but the variant lists 2",
        ),
        (set(d + 7, &[64]), "the ploidy range 2..64 is invalid"),
        (set(d + 6, &[3]), "the ploidy range 3..2 is invalid"),
        (
            set(d + 8 + 7, &[5]),
            "sample 8 has ploidy 5, outside the stated range 2..2",
        ),
        (set(d + 8 + n, &[2]), "the phased flag is 2"),
        (set(d + 8 + n + 1, &[0]), "0 bits per probability"),
        (set(d + 8 + n + 1, &[33]), "33 bits per probability"),
        // (Despite its name, the file stores 16 bits per probability.)
        (
            set(d + 8 + n + 1, &[32]),
            "the probability data holds 2000 bytes but 500 samples with 2 alleles at 32 bits need 4000",
        ),
        (
            set(d + 8 + n + 2, &[0xff; 4]),
            "the probabilities of sample 1 sum past 1",
        ),
    ];
    for (bytes, words) in cases {
        let (position, message, e) = case.strict_error(&bytes);
        assert_eq!(position, Position::Variant(b.offset as u64), "{message}");
        assert!(matches!(e.kind(), ErrorKind::Record(_)), "{message}");
        assert!(message.contains(words), "expected {words:?} in: {message}");
    }
    // Too short for its own fields.
    let mut bytes = original.clone();
    put_u32(&mut bytes, b.length_at, 5);
    let (_, message, _) = case.strict_error(&bytes);
    assert!(message.contains("needs"), "{message}");
}

#[test]
fn an_index_pointing_outside_the_variant_data_is_an_error() {
    let case = Case::new();
    let bgen = case.write("i.bgen", &complex());
    let index = genolake_bgen::index::build_index(&bgen).unwrap();
    rusqlite::Connection::open(&index)
        .unwrap()
        .execute(
            "UPDATE Variant SET file_start_position = 100000 WHERE position = 1",
            [],
        )
        .unwrap();
    let options = ReaderOptions {
        regions: vec!["01".parse().unwrap()],
        ..Default::default()
    };
    let e = Reader::builder(&bgen)
        .options(options)
        .build()
        .unwrap()
        .find_map(Result::err)
        .expect("an error");
    assert!(
        e.to_string()
            .contains("the index lists a variant block at byte 100000, outside the variant data"),
        "{e}"
    );
}

fn valid_files() -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![
        complex(),
        std::fs::read(glow_bgen().join("phased.8bits.bgen")).unwrap(),
    ];
    // A small zstd file and an uncompressed one, written by us.
    let batches: Vec<_> = Reader::open(local_data().join("complex.16bits.bgen"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (compression, bits) in [
        (genolake_bgen::Compression::Zstd, 5),
        (genolake_bgen::Compression::None, 3),
    ] {
        let out = dir.path().join("w.bgen");
        let mut w = genolake_bgen::Writer::create(
            &out,
            genolake_bgen::WriterOptions {
                compression,
                bits_per_probability: bits,
                ..Default::default()
            },
        )
        .unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.finish().unwrap();
        files.push(std::fs::read(&out).unwrap());
    }
    files
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Any mutation of a valid file reads as rows or as an error; the
    /// reader never panics.
    #[test]
    fn random_mutations_never_panic(
        file in 0usize..4,
        edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..8),
        cut in proptest::option::of(any::<u16>()),
        lenient in any::<bool>(),
    ) {
        thread_local! {
            static FILES: Vec<Vec<u8>> = valid_files();
            static DIR: tempfile::TempDir = tempfile::tempdir().unwrap();
        }
        let mut bytes = FILES.with(|f| f[file].clone());
        for (at, value) in edits {
            let at = at as usize % bytes.len();
            bytes[at] = value;
        }
        if let Some(cut) = cut {
            let len = bytes.len();
            bytes.truncate(cut as usize % len);
        }
        let path = DIR.with(|d| d.path().join(format!("m{file}.bgen")));
        std::fs::write(&path, &bytes).unwrap();
        let stringency = if lenient { Stringency::Lenient } else { Stringency::Strict };
        let _ = read(&path, stringency);
        for split in genolake_core::Split::tile(&path, bytes.len() as u64, 3) {
            if let Ok(reader) = Reader::builder(&path).split(&split).build() {
                for batch in reader {
                    if batch.is_err() {
                        break;
                    }
                }
            }
        }
    }
}

#[test]
fn invalid_utf8_in_an_identifier_is_an_error_and_lenient_reads_skip_it() {
    let case = Case::new();
    let mut bytes = complex();
    let b = blocks(&bytes)[0];
    // The first variant has an empty variant id, then the rsid "V1".
    let rsid = b.offset + 2 + u16_at(&bytes, b.offset) + 2;
    bytes[rsid] = 0xff;
    let (position, message, _) = case.strict_error(&bytes);
    assert_eq!(position, Position::Variant(b.offset as u64));
    assert!(message.contains("the rsid is not valid UTF-8"), "{message}");
    let path = case.write("utf8.bgen", &bytes);
    assert_eq!(read(&path, Stringency::Lenient).unwrap(), (9, 1));
}
