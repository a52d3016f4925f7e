//! Step 1 against REGENIE v1.0.6.7's own step-1 output on its example data
//! (`tests/data/regenie`, see NOTICE.md): 500 samples, 1000 variants
//! (`example.bgen`, one chromosome; `example_3chr.bgen`, three), two
//! quantitative and two binary phenotypes, three covariates, block size
//! 100 as in `fit_lin_out.log` and `fit_bin_out.log`.
//!
//! With REGENIE 1.0's constants ([`Convention::Regenie1`]) the level-1
//! cross-validation scores equal those in the logs to the six decimals
//! printed there, the same penalties are chosen, and every LOCO value
//! equals REGENIE's to the six significant digits of its `.loco` files
//! (Pearson correlation 1.0000000 per phenotype and chromosome). REGENIE
//! read the PLINK copy of these genotypes; the BGEN's dosages are the same
//! hard calls.

use std::collections::HashMap;
use std::path::PathBuf;

use arrow::array::{Array, AsArray};
use arrow::datatypes::Float64Type;
use faer::Mat;
use genolake_bgen::{Reader, ReaderOptions};
use genolake_stats::wgr::{Convention, LocoPredictions, TraitType, WgrOptions, WholeGenomeRidge};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/regenie")
        .join(name)
}

/// Alternate-allele dosages `P(het) + 2 P(hom alt)` of every variant, as
/// REGENIE reads a diploid BGEN; the lead switches this to `gwas::dosage`.
fn bgen_dosages(name: &str, sample_file: Option<&str>) -> (Vec<String>, Vec<String>, Mat<f64>) {
    let mut options = ReaderOptions::default();
    if let Some(s) = sample_file {
        options.sample_file_path = Some(data(s));
    }
    let reader = Reader::builder(data(name))
        .options(options)
        .build()
        .unwrap();
    let ids = reader.sample_ids().as_ref().clone();
    let n = ids.len();
    let mut contigs = Vec::new();
    let mut columns: Vec<f64> = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let contig = arrow::compute::cast(
            batch.column_by_name("contigName").unwrap(),
            &arrow::datatypes::DataType::Utf8,
        )
        .unwrap();
        let contig = contig.as_string::<i32>();
        let genotypes = batch.column_by_name("genotypes").unwrap().as_list::<i32>();
        for row in 0..batch.num_rows() {
            contigs.push(contig.value(row).to_owned());
            let samples = genotypes.value(row);
            let samples = samples.as_struct();
            let probs = samples
                .column_by_name("posteriorProbabilities")
                .unwrap()
                .as_list::<i32>();
            assert_eq!(probs.len(), n);
            for s in 0..n {
                if probs.is_null(s) {
                    columns.push(f64::NAN);
                    continue;
                }
                let p = probs.value(s);
                let p = p.as_primitive::<Float64Type>().values();
                assert_eq!(p.len(), 3, "the example data are diploid and biallelic");
                columns.push(p[1] + 2.0 * p[2]);
            }
        }
    }
    let m = contigs.len();
    let g = Mat::<f64>::from_fn(n, m, |i, j| columns[j * n + i]);
    (ids, contigs, g)
}

/// A REGENIE table (`FID IID v1 v2 ...`) keyed by IID.
fn read_table(name: &str) -> (Vec<String>, HashMap<String, Vec<f64>>) {
    let text = std::fs::read_to_string(data(name)).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .skip(2)
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[1].to_owned(),
                f[2..].iter().map(|v| v.parse::<f64>().unwrap()).collect(),
            )
        })
        .collect();
    (header, rows)
}

/// A `.loco` file: the IIDs of its header and, per line, contig and values.
fn read_loco(name: &str) -> (Vec<String>, Vec<(String, Vec<f64>)>) {
    let text = std::fs::read_to_string(data(name)).unwrap();
    let mut lines = text.lines();
    let ids = lines
        .next()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .map(|s| s.rsplit('_').next().unwrap().to_owned())
        .collect();
    let rows = lines
        .map(|l| {
            let mut f = l.split_whitespace();
            let contig = f.next().unwrap().to_owned();
            (contig, f.map(|v| v.parse::<f64>().unwrap()).collect())
        })
        .collect();
    (ids, rows)
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// Runs step 1 and returns the predictions with the IIDs in sample order.
fn step1(
    bgen: &str,
    sample_file: Option<&str>,
    phenotypes: &str,
    trait_type: TraitType,
) -> (Vec<String>, LocoPredictions) {
    let (ids, contigs, g) = bgen_dosages(bgen, sample_file);
    // The BGEN's sample ids are REGENIE's `FID_IID`.
    let iids: Vec<String> = ids
        .iter()
        .map(|id| id.rsplit('_').next().unwrap().to_owned())
        .collect();
    let (names, pheno) = read_table(phenotypes);
    let (_, cov) = read_table("covariates.txt");
    let n = iids.len();
    let y = Mat::<f64>::from_fn(n, names.len(), |i, j| pheno[&iids[i]][j]);
    let c = Mat::<f64>::from_fn(n, 3, |i, j| cov[&iids[i]][j]);
    let options = WgrOptions {
        block_size: 100,
        trait_type,
        convention: Convention::Regenie1,
        ..WgrOptions::default()
    };
    let mut wgr =
        WholeGenomeRidge::new(names, y.as_ref(), Some(c.as_ref()), g.ncols(), options).unwrap();
    // Push in uneven chunks, as a reader of record batches would.
    let mut start = 0;
    for size in [1usize, 37, 250, 400].iter().cycle() {
        if start >= g.ncols() {
            break;
        }
        let len = (*size).min(g.ncols() - start);
        wgr.push(g.as_ref().subcols(start, len), &contigs[start..start + len])
            .unwrap();
        start += len;
    }
    (iids, wgr.finish().unwrap())
}

/// Compares each line of REGENIE's `.loco` files with ours; returns the
/// smallest correlation over the lines of contigs with variants elsewhere.
fn compare(label: &str, iids: &[String], ours: &LocoPredictions, files: &[&str]) -> (f64, f64) {
    let position: HashMap<&str, usize> = iids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut min_r: f64 = 1.0;
    let mut max_rel: f64 = 0.0;
    for (ph, file) in files.iter().enumerate() {
        let (ids, lines) = read_loco(file);
        let mut whole_checked = false;
        for (contig, values) in &lines {
            let mine_all = ours
                .get(contig, ph)
                .unwrap_or_else(|| ours.whole_genome(ph));
            let mine: Vec<f64> = ids
                .iter()
                .map(|id| mine_all[position[id.as_str()]])
                .collect();
            if values.iter().all(|v| *v == 0.0) {
                // The only chromosome: nothing is left to predict from.
                assert!(
                    mine.iter().all(|v| *v == 0.0),
                    "{label} {file} contig {contig}: ours are not all zero"
                );
                println!(
                    "| {label} | {} | {contig} | both all zero |",
                    ours.phenotypes()[ph]
                );
                continue;
            }
            let whole = ours.get(contig, ph).is_none();
            if whole && whole_checked {
                continue; // REGENIE repeats the whole-genome prediction for chromosomes 4..23.
            }
            whole_checked |= whole;
            let r = pearson(&mine, values);
            let what = if whole {
                format!("{contig}..23 (no variants: whole genome)")
            } else {
                contig.clone()
            };
            let diff = mine
                .iter()
                .zip(values)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            let size = values.iter().map(|v| v.abs()).fold(0.0, f64::max);
            println!(
                "| {label} | {} | {what} | {r:.7} | {diff:.2e} | {size:.3} |",
                ours.phenotypes()[ph]
            );
            max_rel = max_rel.max(diff / size);
            min_r = min_r.min(r);
        }
    }
    println!(
        "{label}: smallest correlation {min_r:.7}, largest difference {max_rel:.2e} of the largest |value|"
    );
    (min_r, max_rel)
}

/// The level-1 cross-validation scores against those REGENIE logged (six
/// decimals), and the same choice of penalty.
fn check_scores(loco: &LocoPredictions, logged: &[[f64; 5]]) {
    for (fit, want) in loco.level1().iter().zip(logged) {
        println!(
            "level 1 scores {:?}, chosen penalty {}",
            fit.scores(),
            fit.best_alpha()
        );
        for (got, want) in fit.scores().iter().zip(want) {
            assert!(
                (got - want).abs() < 1e-6,
                "score {got} where REGENIE logged {want}"
            );
        }
        let best = (0..5).min_by(|&a, &b| want[a].total_cmp(&want[b])).unwrap();
        assert_eq!(fit.best(), best);
    }
}

#[test]
fn quantitative_step1_loco_matches_regenie() {
    let (iids, loco) = step1(
        "example.bgen",
        None,
        "phenotype.txt",
        TraitType::Quantitative,
    );
    assert_eq!(loco.contigs(), ["1"]);
    // fit_lin_out.log: "Rsq = ..., MSE = ..." per h² of the level-1 grid.
    check_scores(
        &loco,
        &[
            [0.985189, 0.983353, 0.984056, 0.984105, 0.983994],
            [0.987376, 0.991836, 0.993289, 0.993696, 0.993825],
        ],
    );
    let (r, d) = compare(
        "linear",
        &iids,
        &loco,
        &["fit_lin_out_1.loco", "fit_lin_out_2.loco"],
    );
    assert!(r > 0.99999, "correlation {r}");
    assert!(d < 1e-5, "difference {d}");
}

#[test]
fn quantitative_step1_on_three_chromosomes_matches_regenie() {
    let (iids, loco) = step1(
        "example_3chr.bgen",
        Some("example_3chr.sample"),
        "phenotype.txt",
        TraitType::Quantitative,
    );
    assert_eq!(loco.contigs().len(), 3);
    let (r, d) = compare(
        "linear 3chr",
        &iids,
        &loco,
        &["fit_lin_out_3chr_1.loco", "fit_lin_out_3chr_2.loco"],
    );
    assert!(r > 0.99999, "correlation {r}");
    assert!(d < 1e-5, "difference {d}");
}

#[test]
fn binary_step1_loco_matches_regenie() {
    let (iids, loco) = step1("example.bgen", None, "phenotype_bin.txt", TraitType::Binary);
    // fit_bin_out.log: "-logLik/N = ..." per h² of the level-1 grid.
    check_scores(
        &loco,
        &[
            [0.354387, 0.360111, 0.361506, 0.361244, 0.361728],
            [0.317553, 0.316868, 0.317774, 0.316548, 0.309588],
        ],
    );
    let (r, d) = compare(
        "logistic",
        &iids,
        &loco,
        &["fit_bin_out_1.loco", "fit_bin_out_2.loco"],
    );
    assert!(r > 0.99999, "correlation {r}");
    assert!(d < 1e-5, "difference {d}");
}

#[test]
fn the_loco_file_round_trips_through_regenies_layout() {
    let (iids, loco) = step1(
        "example.bgen",
        None,
        "phenotype.txt",
        TraitType::Quantitative,
    );
    let ids: Vec<String> = iids.iter().map(|i| format!("{i}_{i}")).collect();
    let contigs: Vec<String> = (1..=23).map(|c| c.to_string()).collect();
    let contigs: Vec<&str> = contigs.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    loco.write_loco(0, &ids, &contigs, &mut out).unwrap();
    let ours = String::from_utf8(out).unwrap();
    let theirs = std::fs::read_to_string(data("fit_lin_out_1.loco")).unwrap();
    let (our_lines, their_lines): (Vec<&str>, Vec<&str>) =
        (ours.lines().collect(), theirs.lines().collect());
    assert_eq!(our_lines.len(), their_lines.len());
    // The same samples; REGENIE 1.0.6 lists them sorted as strings, we in
    // the order given, and both are read back by id.
    let mut ours_ids: Vec<&str> = our_lines[0].split(' ').collect();
    // REGENIE ends its lines with a space.
    let mut theirs_ids: Vec<&str> = their_lines[0].split_whitespace().collect();
    assert_eq!(ours_ids[0], "FID_IID");
    ours_ids.sort_unstable();
    theirs_ids.sort_unstable();
    assert_eq!(ours_ids, theirs_ids);
    for (a, b) in our_lines.iter().zip(&their_lines).skip(1) {
        assert_eq!(a.split(' ').next(), b.split(' ').next());
        assert_eq!(a.split(' ').count(), b.split_whitespace().count());
    }
}
