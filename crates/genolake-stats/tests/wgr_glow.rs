//! Whole-genome ridge regression against Project Glow's GloWGR fixtures
//! (`tests/data/wgr/ridge-regression`, see its README.md and NOTICE.md).
//!
//! Glow's test data hold a blocked genotype matrix of 103 variants on three
//! chromosomes × 100 samples in 10 sample blocks, four simulated
//! phenotypes, the level-0 ridge predictions GloWGR made from them
//! (`level1BlockedGT`), those reduced once more (`level2BlockedGT`), and the
//! LOCO predictions of a level-1 ridge on either (`level1YHatLoco.csv`,
//! `level2YHatLoco.csv`). Alphas are Glow's test alphas 0.1, 1 and 10.

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int32Type};
use faer::Mat;
use genolake_stats::wgr::{Criterion, Folds, Level1Fit, Scheme, kfold_ridge_predictions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const ALPHAS: [f64; 3] = [0.1, 1.0, 10.0];

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/wgr/ridge-regression")
        .join(name)
}

fn read_parquet(name: &str) -> Vec<RecordBatch> {
    let file = File::open(data(name)).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

fn strings(batch: &RecordBatch, column: &str) -> Vec<String> {
    let col = batch.column_by_name(column).unwrap();
    let col = arrow::compute::cast(col, &arrow::datatypes::DataType::Utf8).unwrap();
    col.as_string::<i32>()
        .iter()
        .map(|v| v.unwrap().to_owned())
        .collect()
}

fn floats(batch: &RecordBatch, column: &str) -> Vec<f64> {
    batch
        .column_by_name(column)
        .unwrap()
        .as_primitive::<Float64Type>()
        .values()
        .to_vec()
}

/// A CSV with a header and a first column of sample ids, as Glow wrote them.
struct Csv {
    header: Vec<String>,
    rows: Vec<(Vec<String>, Vec<f64>)>,
}

fn read_csv(name: &str, key_columns: usize) -> Csv {
    let text = std::fs::read_to_string(data(name)).unwrap();
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| {
            let fields: Vec<&str> = l.split(',').collect();
            let keys = fields[..key_columns]
                .iter()
                .map(|s| s.to_string())
                .collect();
            let values = fields[key_columns..]
                .iter()
                .map(|s| s.parse::<f64>().unwrap())
                .collect();
            (keys, values)
        })
        .collect();
    Csv { header, rows }
}

/// Glow's sample blocks, sorted by block id, so that each block becomes a
/// run of consecutive samples.
fn sample_blocks() -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let mut blocks = Vec::new();
    for batch in read_parquet("groupedIDs.snappy.parquet") {
        let ids = strings(&batch, "sample_block");
        let lists = batch
            .column_by_name("sample_ids")
            .unwrap()
            .as_list::<i32>()
            .clone();
        for (i, id) in ids.into_iter().enumerate() {
            let samples = lists.value(i);
            let samples =
                arrow::compute::cast(&samples, &arrow::datatypes::DataType::Utf8).unwrap();
            blocks.push((
                id,
                samples
                    .as_string::<i32>()
                    .iter()
                    .map(|s| s.unwrap().to_owned())
                    .collect::<Vec<_>>(),
            ));
        }
    }
    blocks.sort();
    let order = blocks.iter().flat_map(|(_, s)| s.iter().cloned()).collect();
    (order, blocks)
}

fn folds(blocks: &[(String, Vec<String>)]) -> Folds {
    Folds::from_sizes(&blocks.iter().map(|(_, s)| s.len()).collect::<Vec<_>>()).unwrap()
}

/// pts.csv in the given sample order, each phenotype standardised with the
/// given degrees of freedom for the standard deviation.
fn labels(order: &[String], ddof: f64) -> (Vec<String>, Mat<f64>) {
    let csv = read_csv("pts.csv", 1);
    let by_id: HashMap<&str, &Vec<f64>> =
        csv.rows.iter().map(|(k, v)| (k[0].as_str(), v)).collect();
    let p = csv.header.len() - 1;
    let n = order.len();
    let mut y = Mat::<f64>::from_fn(n, p, |i, j| by_id[order[i].as_str()][j]);
    for j in 0..p {
        let mean = (0..n).map(|i| y[(i, j)]).sum::<f64>() / n as f64;
        let var = (0..n).map(|i| (y[(i, j)] - mean).powi(2)).sum::<f64>() / (n as f64 - ddof);
        for i in 0..n {
            y[(i, j)] = (y[(i, j)] - mean) / var.sqrt();
        }
    }
    (csv.header[1..].to_vec(), y)
}

#[test]
fn level0_ridge_reduction_matches_glows_level1_blocked_gt() {
    let (order, blocks) = sample_blocks();
    let folds = folds(&blocks);
    let n = order.len();
    // The variants of each header block, in sort_key order.
    let mut members: HashMap<String, Vec<(i32, String)>> = HashMap::new();
    for batch in read_parquet("blockedGT.snappy.parquet") {
        let headers = strings(&batch, "header");
        let header_blocks = strings(&batch, "header_block");
        let sort_keys = batch
            .column_by_name("sort_key")
            .unwrap()
            .as_primitive::<Int32Type>()
            .values()
            .to_vec();
        for i in 0..batch.num_rows() {
            let list = members.entry(header_blocks[i].clone()).or_default();
            if !list.iter().any(|(_, h)| h == &headers[i]) {
                list.push((sort_keys[i], headers[i].clone()));
            }
        }
    }
    // X0.csv: the same genotypes, standardised by Glow.
    let x0 = read_csv("X0.csv", 1);
    let x0_rows: HashMap<&str, &Vec<f64>> =
        x0.rows.iter().map(|(k, v)| (k[0].as_str(), v)).collect();
    let x0_col: HashMap<&str, usize> = x0.header[1..]
        .iter()
        .enumerate()
        .map(|(j, h)| (h.as_str(), j))
        .collect();
    // GloWGR's RidgeReduction of that version standardised labels with the
    // population standard deviation.
    let (names, y) = labels(&order, 0.0);
    let p = names.len();

    let mut expected: HashMap<(String, String), Vec<f64>> = HashMap::new();
    for batch in read_parquet("level1BlockedGT.snappy.parquet") {
        let headers = strings(&batch, "header");
        let sample_blocks = strings(&batch, "sample_block");
        let values = batch
            .column_by_name("values")
            .unwrap()
            .as_list::<i32>()
            .clone();
        for i in 0..batch.num_rows() {
            let v = values.value(i);
            expected.insert(
                (headers[i].clone(), sample_blocks[i].clone()),
                v.as_primitive::<Float64Type>().values().to_vec(),
            );
        }
    }

    let mut compared = 0;
    let mut max_diff: f64 = 0.0;
    for (block, list) in &members {
        let mut list = list.clone();
        list.sort();
        let x = Mat::<f64>::from_fn(n, list.len(), |i, j| {
            x0_rows[order[i].as_str()][x0_col[list[j].1.as_str()]]
        });
        let pred = kfold_ridge_predictions(x.as_ref(), y.as_ref(), &folds, &ALPHAS).unwrap();
        for (k, (block_id, _)) in blocks.iter().enumerate() {
            for a in 0..ALPHAS.len() {
                for (j, name) in names.iter().enumerate() {
                    let header = format!("{block}_alpha_{a}_label_{name}");
                    let want = &expected[&(header, block_id.clone())];
                    let got: Vec<f64> = folds.range(k).map(|i| pred[(i, a * p + j)]).collect();
                    assert_eq!(want.len(), got.len());
                    for (w, g) in want.iter().zip(&got) {
                        max_diff = max_diff.max((w - g).abs());
                    }
                    compared += got.len();
                }
            }
        }
    }
    println!("level 0: {compared} predictions, max |difference| {max_diff:e}");
    assert_eq!(compared, expected.values().map(Vec::len).sum::<usize>());
    assert!(max_diff < 1e-10, "max difference {max_diff}");
}

/// Runs GloWGR's level-1 ridge on a reduced block matrix and compares the
/// LOCO predictions with Glow's.
fn level1_loco_matches(matrix: &str, expected_csv: &str) {
    let (order, blocks) = sample_blocks();
    let folds = folds(&blocks);
    let n = order.len();
    let position: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let block_samples: HashMap<&str, &Vec<String>> =
        blocks.iter().map(|(b, s)| (b.as_str(), s)).collect();
    // Columns per label: (sort_key, header) → standardised values.
    let mut columns: HashMap<String, Vec<(i32, String, Vec<f64>)>> = HashMap::new();
    for batch in read_parquet(matrix) {
        let headers = strings(&batch, "header");
        let sample_blocks = strings(&batch, "sample_block");
        let labels = strings(&batch, "label");
        let sort_keys = batch
            .column_by_name("sort_key")
            .unwrap()
            .as_primitive::<Int32Type>()
            .values()
            .to_vec();
        let mu = floats(&batch, "mu");
        let sig = floats(&batch, "sig");
        let values = batch
            .column_by_name("values")
            .unwrap()
            .as_list::<i32>()
            .clone();
        for r in 0..batch.num_rows() {
            let list = columns.entry(labels[r].clone()).or_default();
            let idx = match list.iter().position(|(_, h, _)| h == &headers[r]) {
                Some(idx) => idx,
                None => {
                    list.push((sort_keys[r], headers[r].clone(), vec![f64::NAN; n]));
                    list.len() - 1
                }
            };
            let v = values.value(r);
            for (s, value) in block_samples[sample_blocks[r].as_str()]
                .iter()
                .zip(v.as_primitive::<Float64Type>().values())
            {
                list[idx].2[position[s.as_str()]] = (value - mu[r]) / sig[r];
            }
        }
    }
    let (names, y) = labels(&order, 1.0);
    let expected = read_csv(expected_csv, 2);
    let mut max_diff: f64 = 0.0;
    let mut compared = 0;
    for (j, name) in names.iter().enumerate() {
        let mut cols = columns.remove(name).unwrap();
        cols.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let x = Mat::<f64>::from_fn(n, cols.len(), |i, c| cols[c].2[i]);
        let yj: Vec<f64> = (0..n).map(|i| y[(i, j)]).collect();
        let fit = Level1Fit::ridge(
            x.as_ref(),
            &yj,
            &Scheme::Folds(folds.clone()),
            &ALPHAS,
            Criterion::MeanFoldR2,
        )
        .unwrap();
        let value_col = expected.header.iter().position(|h| h == name).unwrap() - 2;
        for contig in ["1", "2", "3"] {
            let prefix = format!("chr_{contig}_");
            let keep: Vec<bool> = cols
                .iter()
                .map(|(_, h, _)| !h.starts_with(&prefix))
                .collect();
            let pred = fit.predict(x.as_ref(), &keep);
            for (keys, values) in expected.rows.iter().filter(|(k, _)| k[1] == contig) {
                let got = pred[position[keys[0].as_str()]];
                max_diff = max_diff.max((got - values[value_col]).abs());
                compared += 1;
            }
        }
    }
    println!("{expected_csv}: {compared} LOCO predictions, max |difference| {max_diff:e}");
    assert_eq!(compared, expected.rows.len() * names.len());
    assert!(max_diff < 1e-10, "max difference {max_diff}");
}

#[test]
fn level1_ridge_loco_matches_glows_level1_yhat_loco() {
    level1_loco_matches("level1BlockedGT.snappy.parquet", "level1YHatLoco.csv");
}

#[test]
fn level1_ridge_on_the_second_reduction_matches_glows_level2_yhat_loco() {
    level1_loco_matches("level2BlockedGT.snappy.parquet", "level2YHatLoco.csv");
}
