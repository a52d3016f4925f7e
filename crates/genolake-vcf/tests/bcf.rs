//! The BCF reader, judged by the VCF reader and by bcftools: every VCF of
//! Glow's test data that bcftools reads, converted with `bcftools view -Ob`,
//! reads as the same Arrow batches as the VCF itself; splits read each
//! record once; `.csi` region queries find what `bcftools view -r` finds;
//! damaged files are errors naming the record, never panics.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use arrow::array::{AsArray, RecordBatch};

use arrow::compute::concat_batches;
use arrow::datatypes::Int64Type;
use common::{GLOW_VCFS, assert_same, bcftools, glow_data};
use genolake_core::{Split, Stringency};
use genolake_vcf::error::{ErrorKind, Position};
use genolake_vcf::{Reader, ReaderOptions, bcf};
use proptest::prelude::*;

fn read_all(batches: impl Iterator<Item = genolake_vcf::Result<RecordBatch>>) -> Vec<RecordBatch> {
    batches
        .map(|b| b.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn one_batch(schema: arrow::datatypes::SchemaRef, batches: &[RecordBatch]) -> RecordBatch {
    concat_batches(&schema, batches).unwrap()
}

/// `bcftools view -Ob` of `vcf` into `dir`, indexed with `bcftools index`;
/// `None` when peers are skipped or bcftools cannot write the VCF as BCF
/// (records on contigs the header does not declare).
fn to_bcf(vcf: &Path, dir: &Path) -> Option<PathBuf> {
    bcftools(&["--version"])?;
    let out = dir.join(format!(
        "{}.bcf",
        vcf.file_name()?.to_string_lossy().replace(' ', "_")
    ));
    let status = std::process::Command::new("bcftools")
        .args(["view", "-Ob", "-o", out.to_str()?, vcf.to_str()?])
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    bcftools(&["index", "-f", out.to_str()?])?;
    Some(out)
}

#[test]
fn glow_vcfs_as_bcf_read_as_the_same_batches_as_the_vcf() {
    if bcftools(&["--version"]).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut converted = 0;
    for (name, stringency) in GLOW_VCFS {
        let vcf = glow_data().join(name);
        let Some(bcf_path) = to_bcf(&vcf, dir.path()) else {
            continue;
        };
        converted += 1;
        for matrix_genotypes in [false, true] {
            let options = ReaderOptions {
                stringency: *stringency,
                matrix_genotypes,
                batch_size: Some(7),
                ..Default::default()
            };
            let from_vcf = Reader::builder(&vcf)
                .options(options.clone())
                .build()
                .unwrap();
            let schema = from_vcf.schema();
            let from_vcf = one_batch(schema.clone(), &read_all(from_vcf));
            let from_bcf = bcf::Reader::builder(&bcf_path)
                .options(options)
                .build()
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(from_bcf.schema(), schema, "{name}: schemas differ");
            let from_bcf = one_batch(schema, &read_all(from_bcf));
            assert_same(&from_vcf, &from_bcf, name);
        }
    }
    // The others place records on contigs their header does not declare,
    // which BCF cannot encode.
    assert!(converted >= 20, "only {converted} files converted");
}

/// The records of a file read in `parts` splits, in order.
fn read_in_splits(path: &Path, parts: usize) -> RecordBatch {
    let len = std::fs::metadata(path).unwrap().len();
    let mut batches = Vec::new();
    let mut schema = None;
    for split in Split::tile(path, len, parts) {
        let reader = bcf::Reader::builder(path).split(&split).build().unwrap();
        schema = Some(reader.schema());
        batches.extend(read_all(reader));
    }
    one_batch(schema.unwrap(), &batches)
}

#[test]
fn splits_of_a_bcf_read_every_record_once() {
    let dir = tempfile::tempdir().unwrap();
    // Several blocks: records of 2,504 samples, 13 kB each.
    let vcf =
        glow_data().join("tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz");
    let Some(path) = to_bcf(&vcf, dir.path()) else {
        return;
    };
    let whole = one_batch(
        bcf::Reader::open(&path).unwrap().schema(),
        &read_all(bcf::Reader::open(&path).unwrap()),
    );
    assert_eq!(whole.num_rows(), 17);
    for parts in [2, 3, 7, 20] {
        let split = read_in_splits(&path, parts);
        assert_same(&whole, &split, &format!("{parts} splits"));
    }
}

/// A BCF whose records cross blocks (bgzip cuts blocks anywhere): splits
/// find their first record by parsing.
#[test]
fn splits_find_records_that_do_not_start_a_block() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = glow_data().join("CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf");
    let Some(path) = to_bcf(&vcf, dir.path()) else {
        return;
    };
    let raw = inflate(&std::fs::read(&path).unwrap());
    let cut = dir.path().join("cut.bcf");
    // Blocks of 1,000 bytes: nearly every block starts mid-record.
    std::fs::write(&cut, bgzf(&raw, 1000)).unwrap();
    let whole = one_batch(
        bcf::Reader::open(&path).unwrap().schema(),
        &read_all(bcf::Reader::open(&path).unwrap()),
    );
    for parts in [2, 5, 13] {
        assert_same(
            &whole,
            &read_in_splits(&cut, parts),
            &format!("{parts} splits"),
        );
    }
}

fn positions(batch: &RecordBatch) -> Vec<(String, i64)> {
    let contig = batch
        .column_by_name("contigName")
        .unwrap()
        .as_string::<i32>();
    let start = batch
        .column_by_name("start")
        .unwrap()
        .as_primitive::<Int64Type>();
    (0..batch.num_rows())
        .map(|i| (contig.value(i).to_string(), start.value(i) + 1))
        .collect()
}

#[test]
fn csi_region_queries_find_what_bcftools_finds() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[&str])] = &[
        (
            "tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz",
            &["20:10000000-10001000", "20:10050000-10060000", "21:1-100"],
        ),
        (
            "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf",
            &["20", "21:10000000-10010000", "20:10000000-10000200"],
        ),
        (
            "combined.chr20_18210071_18210093.g.vcf",
            &["20:18210075-18210080"],
        ),
    ];
    for (name, regions) in cases {
        let Some(path) = to_bcf(&glow_data().join(name), dir.path()) else {
            return;
        };
        for region in *regions {
            let expected: Vec<(String, i64)> =
                bcftools(&["view", "-H", "-r", region, path.to_str().unwrap()])
                    .unwrap()
                    .lines()
                    .map(|l| {
                        let f: Vec<&str> = l.split('\t').collect();
                        (f[0].to_string(), f[1].parse().unwrap())
                    })
                    .collect();
            let options = ReaderOptions {
                regions: vec![region.parse().unwrap()],
                ..Default::default()
            };
            let reader = bcf::Reader::builder(&path)
                .options(options)
                .build()
                .unwrap();
            let batch = one_batch(reader.schema(), &read_all(reader));
            assert_eq!(positions(&batch), expected, "{name} {region}");
        }
    }
}

// ---- damaged files ----

fn inflate(bgzf: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bgzf)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// BGZF of `data` in blocks of `chunk` bytes, with the end-of-file block.
fn bgzf(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut compressor = libdeflater::Compressor::new(libdeflater::CompressionLvl::default());
    let mut out = Vec::new();
    let mut block = |piece: &[u8], out: &mut Vec<u8>| {
        let mut deflated = vec![0u8; compressor.deflate_compress_bound(piece.len())];
        let n = compressor.deflate_compress(piece, &mut deflated).unwrap();
        let size = (18 + n + 8 - 1) as u16;
        out.extend_from_slice(&[31, 139, 8, 4, 0, 0, 0, 0, 0, 255, 6, 0, b'B', b'C', 2, 0]);
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&deflated[..n]);
        let mut crc = libdeflater::Crc::new();
        crc.update(piece);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(piece.len() as u32).to_le_bytes());
    };
    for piece in data.chunks(chunk) {
        block(piece, &mut out);
    }
    block(&[], &mut out);
    out
}

/// The small test file's BCF, inflated, and where its first record starts.
fn small_raw() -> (Vec<u8>, usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/VCFv4.3.bcf");
    let raw = inflate(&std::fs::read(path).unwrap());
    let l_text = u32::from_le_bytes(raw[5..9].try_into().unwrap()) as usize;
    (raw, 9 + l_text)
}

fn read_bytes(raw: &[u8], dir: &Path) -> genolake_vcf::Result<usize> {
    let path = dir.join("damaged.bcf");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(&bgzf(raw, 300))
        .unwrap();
    let mut rows = 0;
    for batch in bcf::Reader::open(&path)? {
        rows += batch?.num_rows();
    }
    Ok(rows)
}

#[test]
fn the_small_file_reads_whole_from_rebuilt_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, _) = small_raw();
    assert_eq!(read_bytes(&raw, dir.path()).unwrap(), 5);
}

#[test]
fn damaged_records_are_errors_naming_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, first) = small_raw();
    let l_shared = u32::from_le_bytes(raw[first..first + 4].try_into().unwrap()) as usize;
    let indiv = first + 8 + l_shared;
    type Damage = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "l_shared past the file",
            Box::new(move |r| r[first..first + 4].copy_from_slice(&0x3000_0000u32.to_le_bytes())),
            "the file ends after",
        ),
        (
            "l_shared too large to accept",
            Box::new(move |r| r[first..first + 4].copy_from_slice(&u32::MAX.to_le_bytes())),
            "longer than",
        ),
        (
            "l_shared short of its fields",
            Box::new(move |r| r[first..first + 4].copy_from_slice(&30u32.to_le_bytes())),
            "remain of the record's shared part",
        ),
        (
            "l_indiv longer than its fields",
            Box::new(move |r| {
                let l = u32::from_le_bytes(r[first + 4..first + 8].try_into().unwrap());
                r[first + 4..first + 8].copy_from_slice(&(l + 4).to_le_bytes());
            }),
            "",
        ),
        (
            "a FORMAT vector running past the record",
            Box::new(move |r| r[indiv + 2] = 0xE3),
            "remain of the record's per-sample part",
        ),
        (
            "a FORMAT key out of the dictionary",
            Box::new(move |r| r[indiv + 1] = 120),
            "refers to string 120",
        ),
        (
            "a contig out of the dictionary",
            Box::new(move |r| r[first + 8..first + 12].copy_from_slice(&99u32.to_le_bytes())),
            "refers to contig 99",
        ),
        (
            "a type BCF does not define",
            Box::new(move |r| r[first + 8 + 24] = 0x34),
            "does not define",
        ),
        (
            "the file cut in a record",
            Box::new(|r| r.truncate(r.len() - 10)),
            "truncated",
        ),
    ];
    for (what, damage, message) in cases {
        let mut bytes = raw.clone();
        damage(&mut bytes);
        let error = read_bytes(&bytes, dir.path())
            .err()
            .unwrap_or_else(|| panic!("{what}: read without error"));
        assert!(
            error.to_string().contains(message),
            "{what}: {error} (wanted {message:?})"
        );
        assert!(
            matches!(error.position(), Position::RecordAt { .. }),
            "{what}: {error}"
        );
    }
}

#[test]
fn a_truncated_block_is_a_compression_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/VCFv4.3.bcf");
    let bytes = std::fs::read(path).unwrap();
    let cut = dir.path().join("cut.bcf");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let error = match bcf::Reader::open(&cut) {
        Err(e) => e,
        Ok(reader) => reader
            .into_iter()
            .find_map(Result::err)
            .expect("a truncated file is an error"),
    };
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Compression(_) | ErrorKind::Header(_)
        ),
        "{error}"
    );
}

#[test]
fn a_vcf_is_not_bcf() {
    let vcf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/VCFv4.3.vcf");
    let error = bcf::Reader::open(&vcf).err().expect("not BCF");
    assert!(error.to_string().contains("magic"), "{error}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn damaged_bytes_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        split in 0u64..2000,
        stringency in prop_oneof![Just(Stringency::Strict), Just(Stringency::Lenient)],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (mut raw, first) = small_raw();
        for (at, byte) in edits {
            // Mostly the records; sometimes the header.
            let i = at.index(raw.len());
            let i = if i < first && i % 3 != 0 { first + i % (raw.len() - first) } else { i };
            raw[i] = byte;
        }
        let path = dir.path().join("fuzzed.bcf");
        std::fs::write(&path, bgzf(&raw, 200)).unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        for split in [Split::whole(&path), Split { path: path.clone(), start: split.min(len), end: u64::MAX }] {
            let options = ReaderOptions { stringency, batch_size: Some(2), ..Default::default() };
            if let Ok(reader) = bcf::Reader::builder(&path).options(options).split(&split).build() {
                for batch in reader {
                    if batch.is_err() {
                        break;
                    }
                }
            }
        }
    }
}
