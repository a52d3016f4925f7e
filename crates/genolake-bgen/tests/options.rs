//! Reader options as Glow defines them: where sample identifiers come from,
//! which genotype fields exist, batch sizes and progress counters.

mod common;

use std::sync::Arc;

use arrow::datatypes::DataType;
use common::{glow_bgen, local_data, read_bgen};
use genolake_bgen::{Reader, ReaderOptions};
use genolake_core::Progress;

fn ids(path: &std::path::Path, options: ReaderOptions) -> Result<Vec<String>, String> {
    let reader = Reader::builder(path)
        .options(options)
        .build()
        .map_err(|e| e.to_string())?;
    Ok((**reader.sample_ids()).clone())
}

fn sample_column(file: &str, column: usize) -> Vec<String> {
    std::fs::read_to_string(glow_bgen().join(file))
        .unwrap()
        .lines()
        .skip(2)
        .map(|l| l.split(' ').nth(column).unwrap().to_string())
        .collect()
}

#[test]
fn sample_ids_come_from_the_sample_file_when_the_bgen_has_none() {
    let bgen = glow_bgen().join("example.16bits.oxford.bgen");
    let expected = sample_column("example.16bits.oxford.sample", 1);
    for column in [None, Some("ID_2")] {
        let mut options = ReaderOptions {
            sample_file_path: Some(local_data().join("example.16bits.oxford.sample")),
            ..Default::default()
        };
        if let Some(c) = column {
            options.sample_id_column = c.into();
        }
        assert_eq!(ids(&bgen, options.clone()).unwrap(), expected);
        let rows = read_bgen(&bgen, options);
        let first: Vec<_> = rows[0]
            .genotypes
            .iter()
            .map(|g| g.sample_id.clone().unwrap())
            .collect();
        assert_eq!(first, expected);
    }
}

#[test]
fn sample_id_column_selects_another_column() {
    let options = ReaderOptions {
        sample_file_path: Some(glow_bgen().join("example.sample")),
        sample_id_column: "ID_1".into(),
        ..Default::default()
    };
    let got = ids(&glow_bgen().join("example.16bits.oxford.bgen"), options).unwrap();
    assert_eq!(got, sample_column("example.sample", 0));
}

#[test]
fn a_missing_sample_column_is_an_error() {
    for (sample, column) in [
        ("example.sample", "ID_2"),
        ("example.16bits.oxford.sample", "FAKE"),
    ] {
        let options = ReaderOptions {
            sample_file_path: Some(glow_bgen().join(sample)),
            sample_id_column: column.into(),
            ..Default::default()
        };
        let e = ids(&glow_bgen().join("example.16bits.oxford.bgen"), options).unwrap_err();
        assert!(
            e.contains(sample)
                && e.contains("line 1")
                && e.contains(&format!("no column named {column:?}")),
            "{e}"
        );
    }
}

#[test]
fn a_corrupted_sample_file_names_its_bad_line() {
    let options = ReaderOptions {
        sample_file_path: Some(glow_bgen().join("example.16bits.oxford.corrupted.sample")),
        ..Default::default()
    };
    let e = ids(&glow_bgen().join("example.16bits.oxford.bgen"), options).unwrap_err();
    assert!(
        e.contains("example.16bits.oxford.corrupted.sample: line 4:"),
        "{e}"
    );
    assert!(e.contains("too few for column \"ID_2\""), "{e}");
}

#[test]
fn a_sample_file_with_the_wrong_count_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("three.sample");
    std::fs::write(&sample, "ID_1 ID_2 missing\n0 0 0\na a 0\nb b 0\nc c 0\n").unwrap();
    let options = ReaderOptions {
        sample_file_path: Some(sample),
        ..Default::default()
    };
    let e = ids(&glow_bgen().join("example.16bits.oxford.bgen"), options).unwrap_err();
    assert!(e.contains("the sample file lists 3 samples but"), "{e}");
    assert!(e.contains("declares 500"), "{e}");
}

#[test]
fn identifiers_stored_in_the_bgen_win_over_a_sample_file() {
    let options = ReaderOptions {
        sample_file_path: Some(glow_bgen().join("example.fake.sample")),
        ..Default::default()
    };
    let got = ids(&glow_bgen().join("example.16bits.bgen"), options).unwrap();
    assert_eq!(got[0], "sample_001");
    assert!(got.iter().all(|id| !id.starts_with("fake")));
}

#[test]
fn identifiers_are_generated_when_none_exist() {
    let got = ids(
        &glow_bgen().join("example.16bits.nosampleids.bgen"),
        ReaderOptions::default(),
    )
    .unwrap();
    assert_eq!(got.len(), 500);
    assert_eq!(
        (got[0].as_str(), got[499].as_str()),
        ("sample_0", "sample_499")
    );
}

fn genotype_field_names(options: ReaderOptions) -> Vec<String> {
    let reader = Reader::builder(local_data().join("complex.16bits.bgen"))
        .options(options)
        .build()
        .unwrap();
    let schema = reader.schema();
    let DataType::List(item) = schema.field_with_name("genotypes").unwrap().data_type() else {
        panic!("genotypes is a list")
    };
    let DataType::Struct(fields) = item.data_type() else {
        panic!("of structs")
    };
    fields.iter().map(|f| f.name().clone()).collect()
}

#[test]
fn schema_follows_include_sample_ids_and_emit_hard_calls() {
    assert_eq!(
        genotype_field_names(ReaderOptions::default()),
        [
            "sampleId",
            "phased",
            "calls",
            "ploidy",
            "posteriorProbabilities"
        ]
    );
    let no_ids = ReaderOptions {
        include_sample_ids: false,
        ..Default::default()
    };
    assert_eq!(
        genotype_field_names(no_ids),
        ["phased", "calls", "ploidy", "posteriorProbabilities"]
    );
    let no_calls = ReaderOptions {
        emit_hard_calls: false,
        ..Default::default()
    };
    assert_eq!(
        genotype_field_names(no_calls),
        ["sampleId", "phased", "ploidy", "posteriorProbabilities"]
    );
    let reader = Reader::open(local_data().join("complex.16bits.bgen")).unwrap();
    let site: Vec<_> = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        site,
        [
            "contigName",
            "start",
            "end",
            "names",
            "referenceAllele",
            "alternateAlleles",
            "genotypes"
        ]
    );
    // Batches carry the schema the reader announces.
    let schema = reader.schema();
    for batch in reader {
        assert_eq!(batch.unwrap().schema(), schema);
    }
}

#[test]
fn batches_respect_batch_size_and_progress_counts_everything() {
    let progress = Arc::new(Progress::default());
    let path = glow_bgen().join("example.16bits.bgen");
    let reader = Reader::builder(&path)
        .options(ReaderOptions {
            batch_size: Some(50),
            ..Default::default()
        })
        .progress(progress.clone())
        .build()
        .unwrap();
    let sizes: Vec<usize> = reader.map(|b| b.unwrap().num_rows()).collect();
    assert_eq!(sizes, [50, 50, 50, 49]);
    assert_eq!(progress.records(), 199);
    let header = genolake_bgen::read_header(&path).unwrap();
    let len = std::fs::metadata(&path).unwrap().len();
    assert_eq!(progress.bytes(), len - header.first_variant_offset);
}

#[test]
fn a_shared_header_is_reused() {
    let path = local_data().join("complex.16bits.bgen");
    let header = Arc::new(genolake_bgen::read_header(&path).unwrap());
    let reader = Reader::builder(&path)
        .header(header.clone())
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(reader.header(), &header));
    assert_eq!(reader.map(|b| b.unwrap().num_rows()).sum::<usize>(), 10);
}

#[test]
fn a_nonsense_threshold_is_rejected() {
    let options = ReaderOptions {
        hard_call_threshold: f64::NAN,
        ..Default::default()
    };
    let e = Reader::builder(local_data().join("complex.16bits.bgen"))
        .options(options)
        .build()
        .err()
        .unwrap();
    assert!(e.to_string().contains("hardCallThreshold NaN"), "{e}");
}
