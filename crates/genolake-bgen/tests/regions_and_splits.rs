//! Splits yield exactly the variants whose block starts in their byte range,
//! with or without a `.bgi` index; region queries give the same rows with
//! and without one.

mod common;

use std::path::{Path, PathBuf};

use common::{Row, glow_bgen, local_data, read_bgen, rows};
use genolake_bgen::index::{VariantIndex, build_index};
use genolake_bgen::{Reader, ReaderOptions, plan_splits};
use genolake_core::{Region, Split};

fn read_split(split: &Split, options: ReaderOptions) -> Vec<Row> {
    let batches: Vec<_> = Reader::builder(&split.path)
        .options(options)
        .split(split)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    rows(&batches)
}

fn key(r: &Row) -> (String, i64, Vec<String>) {
    (r.contig.clone(), r.start, r.names.clone())
}

/// Reads a file in `parts` splits and checks the union is the whole file, in order.
fn check_tiling(path: &Path, parts: usize, use_index: bool) {
    let whole = read_bgen(path, ReaderOptions::default());
    let len = std::fs::metadata(path).unwrap().len();
    let mut union = Vec::new();
    for split in Split::tile(path, len, parts) {
        let options = ReaderOptions {
            use_index,
            ..Default::default()
        };
        union.extend(read_split(&split, options));
    }
    assert_eq!(
        union.len(),
        whole.len(),
        "{} in {parts} parts (index: {use_index})",
        path.display()
    );
    assert_eq!(
        union,
        whole,
        "{} in {parts} parts (index: {use_index})",
        path.display()
    );
}

#[test]
fn splits_tile_an_indexed_file_with_and_without_its_index() {
    let path = glow_bgen().join("example.16bits.bgen");
    for parts in [1, 2, 3, 7, 40] {
        check_tiling(&path, parts, true);
        check_tiling(&path, parts, false);
    }
}

#[test]
fn splits_tile_an_unindexed_file() {
    for file in [
        "example.16bits.noindex.bgen",
        "example.8bits.zstd.bgen",
        "phased.16bits.bgen",
    ] {
        for parts in [2, 5, 13] {
            check_tiling(&glow_bgen().join(file), parts, true);
        }
    }
    check_tiling(&local_data().join("complex.16bits.bgen"), 50, true);
}

#[test]
fn a_split_owns_the_blocks_starting_in_its_range() {
    let path = glow_bgen().join("example.16bits.bgen");
    let index = VariantIndex::open(glow_bgen().join("example.16bits.bgen.bgi")).unwrap();
    let len = std::fs::metadata(&path).unwrap().len();
    for (start, end) in [
        (0, 10_000),
        (6032, 6033),
        (6033, 200_000),
        (100_000, u64::MAX),
        (len, u64::MAX),
    ] {
        let expected = index.offsets_in(start, end, usize::MAX >> 1).unwrap().len();
        for use_index in [true, false] {
            let split = Split {
                path: path.clone(),
                start,
                end,
            };
            let options = ReaderOptions {
                use_index,
                ..Default::default()
            };
            assert_eq!(
                read_split(&split, options).len(),
                expected,
                "[{start}, {end}) index {use_index}"
            );
        }
    }
}

#[test]
fn a_split_starting_at_the_last_block_reads_only_it() {
    // As Glow's "skip to last record" test: the last block of complex.16bits.bgen starts at 774.
    let split = Split {
        path: local_data().join("complex.16bits.bgen"),
        start: 774,
        end: u64::MAX,
    };
    let rows = read_split(&split, ReaderOptions::default());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].names, ["M10"]);
}

#[test]
fn plan_splits_covers_the_file() {
    let path = glow_bgen().join("example.16bits.bgen");
    let splits = plan_splits(&path, 8).unwrap();
    assert_eq!(splits.first().unwrap().start, 0);
    assert_eq!(splits.last().unwrap().end, u64::MAX);
    let rows: usize = splits
        .iter()
        .map(|s| read_split(s, ReaderOptions::default()).len())
        .sum();
    assert_eq!(rows, 199);
}

fn region_rows(path: &Path, regions: &[&str], use_index: bool) -> Vec<Row> {
    let options = ReaderOptions {
        regions: regions.iter().map(|r| r.parse().unwrap()).collect(),
        use_index,
        ..Default::default()
    };
    read_bgen(path, options)
}

#[test]
fn region_queries_agree_with_and_without_the_index() {
    let path = glow_bgen().join("example.16bits.bgen");
    let whole = read_bgen(&path, ReaderOptions::default());
    let cases: &[&[&str]] = &[
        &["01:1-10000"],
        &["01:5000-5000"],
        &["01:10001-20000", "01:90000-"],
        &["01"],
        &["02"],
        &["01:1-10000", "01:5000-30000"],
    ];
    for regions in cases {
        let parsed: Vec<Region> = regions.iter().map(|r| r.parse().unwrap()).collect();
        let mut expected: Vec<Row> = whole
            .iter()
            .filter(|r| Region::any_overlaps(&parsed, &r.contig, r.start, r.end))
            .cloned()
            .collect();
        let with_index = region_rows(&path, regions, true);
        let without_index = region_rows(&path, regions, false);
        assert_eq!(without_index, expected, "{regions:?} without index");
        // With the index, blocks come in file order, as without it.
        expected.sort_by_key(key);
        let mut sorted = with_index.clone();
        sorted.sort_by_key(key);
        assert_eq!(sorted, expected, "{regions:?} with index");
        assert_eq!(with_index, without_index, "{regions:?}: same order");
    }
    assert_eq!(region_rows(&path, &["01:5000-5000"], true).len(), 1);
}

fn copy_to(dir: &Path, from: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(from, &to).unwrap();
    to
}

#[test]
fn built_indexes_match_bgenix_and_serve_queries() {
    let dir = tempfile::tempdir().unwrap();
    let bgen = copy_to(
        dir.path(),
        &glow_bgen().join("example.16bits.bgen"),
        "x.bgen",
    );
    let built = build_index(&bgen).unwrap();
    let ours = VariantIndex::open(&built).unwrap();
    let bgenix = VariantIndex::open(glow_bgen().join("example.16bits.bgen.bgi")).unwrap();
    assert_eq!(ours.len().unwrap(), 199);
    assert_eq!(ours.indexed_file_size(), Some(361_729));
    assert_eq!(
        ours.offsets_in(0, u64::MAX, 1000).unwrap(),
        bgenix.offsets_in(0, u64::MAX, 1000).unwrap()
    );
    let regions = ["01:10001-20000".parse::<Region>().unwrap()];
    assert_eq!(
        ours.offsets(&regions, 0, u64::MAX).unwrap(),
        bgenix.offsets(&regions, 0, u64::MAX).unwrap()
    );
    check_tiling(&bgen, 9, true);
}

#[test]
fn a_stale_index_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    // complex.16bits.bgen beside the index of another file: the index's
    // Metadata records another size, so it is not used.
    let bgen = copy_to(
        dir.path(),
        &local_data().join("complex.16bits.bgen"),
        "y.bgen",
    );
    copy_to(
        dir.path(),
        &glow_bgen().join("example.16bits.bgen.bgi"),
        "y.bgen.bgi",
    );
    let rows = region_rows(&bgen, &["01:1-3"], true);
    assert_eq!(rows.len(), 3);
    check_tiling(&bgen, 4, true);
}

#[test]
fn a_file_that_is_not_an_index_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let not_index = copy_to(
        dir.path(),
        &local_data().join("complex.16bits.bgen"),
        "z.bgi",
    );
    let e = VariantIndex::open(&not_index).err().unwrap().to_string();
    assert!(e.contains("z.bgi"), "{e}");
}
