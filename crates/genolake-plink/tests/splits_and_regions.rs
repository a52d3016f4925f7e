//! Splits that tile a `.bed` read every variant exactly once, wherever they
//! are cut; regions, sample selection and batch sizes select what a whole
//! read would, reading only the `.bed` records they need.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{Rng, Row, read_plink, read_vcf, rows, simulated_vcf};
use genolake_core::{Progress, Region, Split};
use genolake_plink::{GenotypeOutput, Reader, ReaderOptions, Writer, read_fileset};

const SAMPLES: usize = 13; // 4 bytes a variant, the last one padded

/// A simulated fileset of 300 variants, written by genolake from a VCF.
fn cohort(dir: &Path) -> PathBuf {
    let vcf = dir.join("cohort.vcf");
    std::fs::write(&vcf, simulated_vcf(300, SAMPLES, 11)).unwrap();
    let mut writer = Writer::create(dir.join("cohort")).unwrap();
    for batch in read_vcf(&vcf) {
        writer.write(&batch).unwrap();
    }
    writer.finish().unwrap().paths.bed
}

fn read_split(path: &Path, split: &Split, options: ReaderOptions) -> Vec<Row> {
    let reader = Reader::builder(path)
        .options(options)
        .split(split)
        .build()
        .unwrap();
    rows(&reader.collect::<Result<Vec<_>, _>>().unwrap())
}

#[test]
fn splits_that_tile_the_bed_read_each_variant_once_wherever_they_are_cut() {
    let dir = tempfile::tempdir().unwrap();
    let bed = cohort(dir.path());
    let whole = rows(&read_plink(&bed, ReaderOptions::default()));
    assert_eq!(whole.len(), 300);
    let len = std::fs::metadata(&bed).unwrap().len();
    let mut rng = Rng(3);
    for parts in [1usize, 2, 3, 7, 50, 400] {
        // Cuts anywhere, inside records and inside the magic bytes included.
        let mut cuts: Vec<u64> = (1..parts).map(|_| rng.below(len + 10)).collect();
        cuts.sort_unstable();
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(u64::MAX);
        let mut pieces = Vec::new();
        for w in bounds.windows(2) {
            let split = Split {
                path: bed.clone(),
                start: w[0],
                end: w[1],
            };
            pieces.extend(read_split(&bed, &split, ReaderOptions::default()));
        }
        assert_eq!(pieces, whole, "{parts} splits");
    }
}

#[test]
fn a_split_reads_only_its_own_records() {
    let dir = tempfile::tempdir().unwrap();
    let bed = cohort(dir.path());
    let fileset = Arc::new(read_fileset(&bed, &ReaderOptions::default()).unwrap());
    // Variants 100..150: bytes [3 + 100 × 4, 3 + 150 × 4).
    let split = Split {
        path: bed.clone(),
        start: fileset.variant_offset(100),
        end: fileset.variant_offset(150),
    };
    let progress = Arc::new(Progress::default());
    let reader = Reader::builder(&bed)
        .split(&split)
        .fileset(fileset.clone())
        .progress(progress.clone())
        .build()
        .unwrap();
    assert_eq!(reader.variants(), 100..150);
    let batches = reader.collect::<Result<Vec<_>, _>>().unwrap();
    let whole = rows(&read_plink(&bed, ReaderOptions::default()));
    assert_eq!(rows(&batches), whole[100..150]);
    assert_eq!(progress.records(), 50);
    let bim_bytes: u64 = std::fs::read_to_string(&fileset.paths().bim)
        .unwrap()
        .lines()
        .skip(100)
        .take(50)
        .map(|l| l.len() as u64 + 1)
        .sum();
    assert_eq!(
        progress.bytes(),
        50 * 4 + bim_bytes,
        ".bed bytes of 50 records and their .bim lines"
    );
}

#[test]
fn a_shared_fileset_must_be_the_one_read() {
    let dir = tempfile::tempdir().unwrap();
    let bed = cohort(dir.path());
    let other = common::glow_plink().join("bed-bim-fam/test.bed");
    let fileset = Arc::new(read_fileset(&other, &ReaderOptions::default()).unwrap());
    let e = Reader::builder(&bed)
        .fileset(fileset)
        .build()
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("the fileset given to the reader is"), "{e}");
}

#[test]
fn regions_select_the_overlapping_variants() {
    let dir = tempfile::tempdir().unwrap();
    let bed = cohort(dir.path());
    let whole = rows(&read_plink(&bed, ReaderOptions::default()));
    for regions in [
        vec!["3"],
        vec!["5:100-800", "9:1-250", "22"],
        vec!["7:1"],
        vec!["chr1"],
    ] {
        let regions: Vec<Region> = regions.iter().map(|r| r.parse().unwrap()).collect();
        let expected: Vec<Row> = whole
            .iter()
            .filter(|r| Region::any_overlaps(&regions, &r.contig, r.start, r.end))
            .cloned()
            .collect();
        let options = ReaderOptions {
            regions: regions.clone(),
            batch_size: Some(5),
            ..Default::default()
        };
        assert_eq!(rows(&read_plink(&bed, options)), expected, "{regions:?}");
    }
}

#[test]
fn selected_samples_come_in_file_order_with_their_own_calls() {
    let dir = tempfile::tempdir().unwrap();
    let bed = cohort(dir.path());
    let whole = rows(&read_plink(&bed, ReaderOptions::default()));
    let options = ReaderOptions {
        samples: Some(vec!["0_S0012".into(), "0_S0002".into(), "0_S0005".into()]),
        ..Default::default()
    };
    let picked = rows(&read_plink(&bed, options));
    for (p, w) in picked.iter().zip(&whole) {
        let expected = vec![
            w.genotypes[2].clone(),
            w.genotypes[5].clone(),
            w.genotypes[12].clone(),
        ];
        assert_eq!(p.genotypes, expected);
    }
}

#[test]
fn batch_size_changes_batches_not_rows() {
    let dir = tempfile::tempdir().unwrap();
    let bed = cohort(dir.path());
    let whole = rows(&read_plink(&bed, ReaderOptions::default()));
    for size in [1, 7, 299, 300, 100_000] {
        let options = ReaderOptions {
            batch_size: Some(size),
            ..Default::default()
        };
        let batches = read_plink(&bed, options);
        assert!(
            batches
                .iter()
                .all(|b| b.num_rows() <= size && b.num_rows() > 0)
        );
        assert_eq!(rows(&batches), whole, "batch size {size}");
    }
}

#[test]
fn readers_sharing_a_fileset_each_get_their_own_options() {
    let dir = tempfile::tempdir().unwrap();
    let bed = cohort(dir.path());
    let fileset = Arc::new(read_fileset(&bed, &ReaderOptions::default()).unwrap());
    let variants = [
        ReaderOptions::default(),
        ReaderOptions {
            merge_fid_iid: false,
            ..Default::default()
        },
        ReaderOptions {
            include_sample_ids: false,
            batch_size: Some(1000),
            ..Default::default()
        },
        ReaderOptions {
            samples: Some(vec!["0_S0004".into()]),
            batch_size: Some(3),
            ..Default::default()
        },
        ReaderOptions::default(),
    ];
    for options in variants {
        let shared = Reader::builder(&bed)
            .options(options.clone())
            .fileset(fileset.clone())
            .build()
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert_eq!(
            rows(&shared),
            rows(&read_plink(&bed, options.clone())),
            "{options:?}"
        );
    }
}

/// Each row's `calls` bytes of a matrix batch.
fn calls_rows(batch: &arrow::array::RecordBatch) -> Vec<Vec<u8>> {
    use arrow::array::{Array, AsArray};
    let calls = batch.column_by_name("calls").unwrap().as_binary::<i32>();
    (0..calls.len()).map(|r| calls.value(r).to_vec()).collect()
}

/// The reads the layout tests compare: every sample in batches of 7, and
/// three samples (asked out of order) in two regions in one batch.
#[allow(clippy::type_complexity)]
fn selections(
    fileset: &genolake_plink::Fileset,
) -> [(Option<Vec<String>>, Option<usize>, Vec<Region>); 2] {
    let ids = fileset.sample_ids(true);
    let picked = vec![ids[12].clone(), ids[3].clone(), ids[4].clone()];
    let regions: Vec<Region> = vec!["2".parse().unwrap(), "5:1-500".parse().unwrap()];
    [(None, Some(7), Vec::new()), (Some(picked), None, regions)]
}

/// The matrix layout decoded from the `.bed` is what the layout makes of
/// Glow's rows, for every sample or some, in small batches or one.
#[test]
fn matrix_rows_are_the_glow_rows_in_the_matrix_layout() {
    use genolake_core::matrix::MatrixLayout;

    let dir = tempfile::tempdir().unwrap();
    let bed = cohort(dir.path());
    let fileset = read_fileset(&bed, &ReaderOptions::default()).unwrap();
    let cases = selections(&fileset);
    for (samples, batch_size, regions) in cases {
        let glow_options = ReaderOptions {
            samples: samples.clone(),
            batch_size,
            regions,
            ..ReaderOptions::default()
        };
        let matrix_options = ReaderOptions {
            genotypes: GenotypeOutput::Matrix,
            ..glow_options.clone()
        };
        let glow = read_plink(&bed, glow_options);
        let matrix = read_plink(&bed, matrix_options.clone());
        let schema = genolake_plink::schema_of(&fileset, &matrix_options).unwrap();
        let (_, described) = MatrixLayout::of_described(&schema).unwrap().unwrap();
        let layout = MatrixLayout::from_glow(&glow[0].schema()).unwrap();
        let (mut expected_rows, mut got_rows) = (0, 0);
        let expected: Vec<Vec<u8>> = glow
            .iter()
            .flat_map(|b| {
                let (m, ids) = layout.to_matrix(b).unwrap();
                assert_eq!(ids.unwrap().ids(), described.ids());
                expected_rows += m.num_rows();
                calls_rows(&m)
            })
            .collect();
        let got: Vec<Vec<u8>> = matrix
            .iter()
            .flat_map(|b| {
                assert_eq!(b.schema(), schema);
                got_rows += b.num_rows();
                calls_rows(b)
            })
            .collect();
        assert_eq!(got_rows, expected_rows);
        assert!(got.len() > 10 && got == expected, "samples {samples:?}");
        // The site columns are Glow's.
        for (g, m) in glow.iter().zip(&matrix) {
            for name in [
                "contigName",
                "start",
                "end",
                "referenceAllele",
                "alternateAlleles",
            ] {
                assert_eq!(g.column_by_name(name), m.column_by_name(name), "{name}");
            }
        }
    }
}

/// `.bed` record batches hold the file's records as they are, and for a
/// selection of samples their codes packed again: each row reads as the
/// matrix layout's row of the same options.
#[test]
fn bed_record_rows_are_the_records_of_the_samples_read() {
    use arrow::array::{Array, AsArray};

    let dir = tempfile::tempdir().unwrap();
    let bed = cohort(dir.path());
    let fileset = read_fileset(&bed, &ReaderOptions::default()).unwrap();
    let cases = selections(&fileset);
    let file = std::fs::read(&bed).unwrap();
    for (samples, batch_size, regions) in cases {
        let selected = samples.as_ref().map_or(SAMPLES, Vec::len);
        let matrix_options = ReaderOptions {
            samples: samples.clone(),
            batch_size,
            regions: regions.clone(),
            genotypes: GenotypeOutput::Matrix,
            ..ReaderOptions::default()
        };
        let records_options = ReaderOptions {
            genotypes: GenotypeOutput::BedRecords,
            ..matrix_options.clone()
        };
        let schema = genolake_plink::schema_of(&fileset, &records_options).unwrap();
        let matrix = read_plink(&bed, matrix_options);
        let batches = read_plink(&bed, records_options);
        let records: Vec<Vec<u8>> = batches
            .iter()
            .flat_map(|b| {
                assert_eq!(b.schema(), schema);
                let column = b
                    .column_by_name(genolake_plink::BED_RECORD)
                    .unwrap()
                    .as_fixed_size_binary();
                (0..column.len())
                    .map(|r| column.value(r).to_vec())
                    .collect::<Vec<_>>()
            })
            .collect();
        let expected: Vec<Vec<u8>> = matrix.iter().flat_map(calls_rows).collect();
        assert!(records.len() > 10);
        assert_eq!(records.len(), expected.len());
        // Codes 00, 01, 10, 11: allele 1 twice, missing, once, never.
        let slots = [[1u8, 1], [0xff, 0xff], [0, 1], [0, 0]];
        for (record, calls) in records.iter().zip(&expected) {
            assert_eq!(record.len(), selected.div_ceil(4));
            let decoded: Vec<u8> = (0..selected)
                .flat_map(|i| slots[usize::from((record[i / 4] >> (2 * (i % 4))) & 3)])
                .collect();
            assert_eq!(&decoded, calls, "samples {samples:?}");
            // Unused bits of the last byte are zero.
            if selected % 4 != 0 {
                assert_eq!(record[selected / 4] >> (2 * (selected % 4)), 0);
            }
        }
        if samples.is_none() && regions.is_empty() {
            let width = SAMPLES.div_ceil(4);
            let file_records: Vec<Vec<u8>> = file[3..].chunks(width).map(<[u8]>::to_vec).collect();
            assert_eq!(records, file_records);
        }
    }
}
