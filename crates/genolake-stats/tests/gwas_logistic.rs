//! Logistic regression GWAS checked against its peers: REGENIE step 2
//! (`--bt --firth --approx`) on its own example, `plink2 --glm
//! firth-fallback` on Glow's fixture, and the values R's `glm` and
//! `logistf` give in Glow's own test suite.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::Float64Type;
use faer::Mat;
use genolake_stats::Error;
use genolake_stats::gwas::logistic::{LogisticModel, LogitTest, PhenotypeSkip, TestFailure};
use proptest::prelude::*;

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

/// Whitespace-separated table with a header line.
fn read_table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| l.split_whitespace().map(String::from).collect())
        .collect();
    (header, rows)
}

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Dosages as the lead's `gwas::dosage` will compute them; here a local
/// stand-in: P(het) + 2·P(hom alt) of a biallelic diploid BGEN genotype,
/// the first allele being the reference (REGENIE's `--ref-first`).
fn bgen_dosages(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let reader = genolake_bgen::Reader::open(path).unwrap();
    let samples: Vec<String> = reader.sample_ids().iter().cloned().collect();
    let mut variants = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let genotypes = batch.column_by_name("genotypes").unwrap().as_list::<i32>();
        for row in 0..batch.num_rows() {
            let genotypes = genotypes.value(row);
            let genotypes = genotypes.as_struct();
            let probabilities = genotypes
                .column_by_name("posteriorProbabilities")
                .unwrap()
                .as_list::<i32>();
            let dosages = (0..genotypes.len())
                .map(|s| {
                    let p = probabilities.value(s);
                    let p = p.as_primitive::<Float64Type>();
                    assert_eq!(p.len(), 3, "a biallelic diploid genotype");
                    p.value(1) + 2.0 * p.value(2)
                })
                .collect();
            variants.push(dosages);
        }
    }
    (samples, variants)
}

/// Alternate-allele counts of a biallelic VCF's GT calls.
fn vcf_dosages(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let reader = genolake_vcf::Reader::open(path).unwrap();
    let mut samples = Vec::new();
    let mut variants = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let genotypes = batch.column_by_name("genotypes").unwrap().as_list::<i32>();
        for row in 0..batch.num_rows() {
            let genotypes = genotypes.value(row);
            let genotypes = genotypes.as_struct();
            let ids = genotypes
                .column_by_name("sampleId")
                .unwrap()
                .as_string::<i32>();
            if samples.is_empty() {
                samples = (0..ids.len()).map(|s| ids.value(s).to_string()).collect();
            }
            let calls = genotypes.column_by_name("calls").unwrap().as_list::<i32>();
            let dosages = (0..genotypes.len())
                .map(|s| {
                    let c = calls.value(s);
                    let c = c.as_primitive::<arrow::datatypes::Int32Type>();
                    assert!(
                        c.values().iter().all(|&a| a == 0 || a == 1),
                        "biallelic, no missing call"
                    );
                    c.values().iter().map(|&a| a as f64).sum()
                })
                .collect();
            variants.push(dosages);
        }
    }
    (samples, variants)
}

fn columns_to_mat(columns: &[Vec<f64>]) -> Mat<f64> {
    Mat::from_fn(columns[0].len(), columns.len(), |i, j| columns[j][i])
}

struct Regenie {
    phenotypes: Mat<f64>,
    covariates: Mat<f64>,
    offsets: Mat<f64>,
    dosages: Mat<f64>,
    samples: Vec<String>,
}

/// REGENIE's example in BGEN sample order: phenotypes Y1, Y2, covariates
/// V1–V3, and the chromosome-1 LOCO predictions as offsets.
fn regenie_inputs() -> Regenie {
    let (samples, variants) = bgen_dosages(&data("regenie/example.bgen"));
    let index: HashMap<&str, usize> = samples
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let n = samples.len();
    let by_iid = |path: &str, columns: usize| {
        let (_, rows) = read_table(&data(path));
        let mut m = Mat::<f64>::zeros(n, columns);
        let mut seen = 0;
        for row in rows {
            // The BGEN file's sample ids are REGENIE's FID_IID.
            let id = format!("{}_{}", row[0], row[1]);
            let i = *index
                .get(id.as_str())
                .unwrap_or_else(|| panic!("sample {id} of {path}"));
            for j in 0..columns {
                m[(i, j)] = row[2 + j].parse().unwrap();
            }
            seen += 1;
        }
        assert_eq!(seen, n);
        m
    };
    let phenotypes = by_iid("regenie/phenotype_bin.txt", 2);
    let covariates = by_iid("regenie/covariates.txt", 3);
    let mut offsets = Mat::<f64>::zeros(n, 2);
    for (j, file) in ["regenie/fit_bin_out_1.loco", "regenie/fit_bin_out_2.loco"]
        .iter()
        .enumerate()
    {
        let (header, rows) = read_table(&data(file));
        let chr1 = rows.iter().find(|r| r[0] == "1").unwrap();
        for (name, value) in header[1..].iter().zip(&chr1[1..]) {
            offsets[(index[name.as_str()], j)] = value.parse().unwrap();
        }
    }
    Regenie {
        phenotypes,
        covariates,
        offsets,
        dosages: columns_to_mat(&variants),
        samples,
    }
}

/// BETA, SE, LOG10P of a `.regenie` file, in file (BGEN) order.
fn regenie_results(path: &str) -> Vec<[f64; 3]> {
    let (header, rows) = read_table(&data(path));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (b, s, l) = (col("BETA"), col("SE"), col("LOG10P"));
    rows.iter()
        .map(|r| {
            [
                r[b].parse().unwrap(),
                r[s].parse().unwrap(),
                r[l].parse().unwrap(),
            ]
        })
        .collect()
}

/// Largest relative difference over BETA, SE and LOG10P against REGENIE,
/// and the number of Firth-corrected tests.
fn compare_with_regenie(threshold: f64, prefix: &str, missing: &[&str]) -> (f64, usize) {
    let mut inputs = regenie_inputs();
    for id in missing {
        let i = inputs.samples.iter().position(|s| s == id).unwrap();
        inputs.phenotypes[(i, 0)] = f64::NAN;
        inputs.phenotypes[(i, 1)] = f64::NAN;
    }
    let model = LogisticModel::builder(inputs.phenotypes.as_ref())
        .covariates(inputs.covariates.as_ref())
        .offsets(inputs.offsets.as_ref())
        .firth_threshold(threshold)
        .build()
        .unwrap();
    let results = model.score_test(inputs.dosages.as_ref()).unwrap();
    let mut worst: f64 = 0.0;
    let mut corrected = 0;
    for (p, trait_) in ["Y1", "Y2"].iter().enumerate() {
        let expected = regenie_results(&format!("regenie/{prefix}{trait_}.regenie"));
        assert_eq!(expected.len(), results.variants());
        for (v, want) in expected.iter().enumerate() {
            let got = results
                .get(v, p)
                .as_ref()
                .unwrap_or_else(|e| panic!("variant {v} {trait_}: {e}"));
            corrected += usize::from(got.firth);
            let got = [got.beta, got.standard_error, got.neg_log10_p];
            for k in 0..3 {
                // REGENIE prints six significant digits: up to 5·10⁻⁶
                // relative.
                let rel = (got[k] - want[k]).abs() / want[k].abs().max(1e-3);
                assert!(
                    rel < 1e-5,
                    "{prefix}{trait_} variant {v} column {k}: ours {} REGENIE {}",
                    got[k],
                    want[k]
                );
                worst = worst.max(rel);
            }
        }
    }
    (worst, corrected)
}

#[test]
fn score_test_with_approximate_firth_for_every_variant_matches_regenie() {
    let (worst, corrected) = compare_with_regenie(0.9999, "test_bin_out_firth_", &[]);
    eprintln!("REGENIE --pThresh 0.9999: largest relative difference {worst:.2e}");
    // test_bin_out_firth.log: "Number of tests with Firth correction : (2000/2000)".
    assert_eq!(corrected, 2000);
}

#[test]
fn score_test_with_approximate_firth_under_one_half_matches_regenie() {
    let (worst, corrected) = compare_with_regenie(0.5, "test_bin_out_half_firth_", &[]);
    eprintln!("REGENIE --pThresh 0.5: largest relative difference {worst:.2e}");
    // test_bin_out_half_firth.log: "(988/2000)".
    assert_eq!(corrected, 988);
}

#[test]
fn missing_phenotypes_match_regenie_with_those_samples_removed() {
    // Glow's test_approx_firth.py names the six samples REGENIE removed.
    let missing = ["35_35", "136_136", "77_77", "100_100", "204_204", "474_474"];
    let (worst, corrected) = compare_with_regenie(0.9999, "test_bin_out_missing_firth_", &missing);
    eprintln!("REGENIE --remove (6 samples): largest relative difference {worst:.2e}");
    assert_eq!(corrected, 2000);
}

/// Glow's `gwas/` fixture in VCF sample order.
struct GlowFixture {
    samples: Vec<String>,
    /// Dosages, one vector per variant.
    variants: Vec<Vec<f64>>,
    /// Binary phenotype names.
    names: Vec<String>,
    phenotypes: Mat<f64>,
    covariates: Mat<f64>,
}

fn glow_fixture() -> GlowFixture {
    let (samples, variants) = vcf_dosages(&data("gwas/genotypes.vcf.gz"));
    let index: HashMap<&str, usize> = samples
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let csv = |path: &str| {
        let text = gunzip(&data(path));
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .unwrap()
            .split(',')
            .skip(1)
            .map(String::from)
            .collect();
        let mut m = Mat::<f64>::zeros(samples.len(), header.len());
        for line in lines {
            let mut fields = line.split(',');
            let i = index[fields.next().unwrap()];
            for (j, f) in fields.enumerate() {
                m[(i, j)] = f.parse().unwrap();
            }
        }
        (header, m)
    };
    let (names, phenotypes) = csv("gwas/binary-phenotypes.csv.gz");
    let (_, covariates) = csv("gwas/covariates.csv.gz");
    GlowFixture {
        samples,
        variants,
        names,
        phenotypes,
        covariates,
    }
}

#[test]
fn wald_test_with_firth_fallback_matches_plink2() {
    let GlowFixture {
        samples,
        variants,
        names,
        phenotypes,
        covariates,
    } = glow_fixture();
    let dir = tempfile::tempdir().unwrap();
    let write = |file: &str, m: &Mat<f64>, header: &[String]| {
        let mut text = format!("#IID\t{}\n", header.join("\t"));
        for (i, s) in samples.iter().enumerate() {
            let row: Vec<String> = (0..m.ncols()).map(|j| m[(i, j)].to_string()).collect();
            text += &format!("{s}\t{}\n", row.join("\t"));
        }
        std::fs::write(dir.path().join(file), text).unwrap();
    };
    write("pheno.tsv", &phenotypes, &names);
    let covariate_names: Vec<String> = (0..covariates.ncols()).map(|j| format!("c{j}")).collect();
    write("covar.tsv", &covariates, &covariate_names);
    let status = std::process::Command::new("plink2")
        .current_dir(dir.path())
        .args(["--vcf", data("gwas/genotypes.vcf.gz").to_str().unwrap()])
        .args(["--pheno", "pheno.tsv", "--1", "--covar", "covar.tsv"])
        .args([
            "--glm",
            "firth-fallback",
            "hide-covar",
            "--threads",
            "1",
            "--out",
            "out",
        ])
        .output()
        .expect("plink2 must be installed for this test");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );

    let model = LogisticModel::builder(phenotypes.as_ref())
        .covariates(covariates.as_ref())
        .build()
        .unwrap();
    let results = model.wald_test(columns_to_mat(&variants).as_ref()).unwrap();
    // Largest differences [beta, SE, P], for the standard fits and the
    // Firth fits. plink2 prints six significant digits, and this Debian
    // build (v2.00a3.5) fits in single precision; its Firth fits stop once
    // steps and scores are under 10⁻⁴, which where the penalized likelihood
    // is as flat as a singleton's (SE ≈ 2.3) leaves its estimates a few 10⁻⁴
    // from the optimum (ours are converged to a score of 10⁻⁸ and checked
    // against R's logistf in the Glow tests below). Betas are compared in
    // units of their SE: plink2 prints the odds ratio, whose rounding is up
    // to 5·10⁻⁶ in beta.
    let mut worst = [[0.0_f64; 3]; 2];
    let mut firth = 0;
    for (p, name) in names.iter().enumerate() {
        let (header, rows) =
            read_table(&dir.path().join(format!("out.{name}.glm.logistic.hybrid")));
        let col = |h: &str| header.iter().position(|x| x == h).unwrap();
        assert_eq!(rows.len(), variants.len());
        for (v, row) in rows.iter().enumerate() {
            let got = results
                .get(v, p)
                .as_ref()
                .unwrap_or_else(|e| panic!("{name} variant {v}: {e}"));
            let beta = row[col("OR")].parse::<f64>().unwrap().ln();
            let se: f64 = row[col("LOG(OR)_SE")].parse().unwrap();
            let pv: f64 = row[col("P")].parse().unwrap();
            assert_eq!(
                got.firth,
                row[col("FIRTH?")] == "Y",
                "{name} variant {v}: Firth fallback"
            );
            firth += usize::from(got.firth);
            let d = [
                (got.beta - beta).abs() / se,
                (got.standard_error - se).abs() / se,
                (got.p_value - pv).abs() / pv,
            ];
            let tolerance = if got.firth { 5e-4 } else { 5e-5 };
            for (k, what) in ["beta", "SE", "P"].iter().enumerate() {
                assert!(
                    d[k] < tolerance,
                    "{name} variant {v} (Firth {}): {what} ours {:?} plink2 {row:?}",
                    got.firth,
                    [got.beta, got.standard_error, got.p_value]
                );
                let w = &mut worst[usize::from(got.firth)][k];
                *w = w.max(d[k]);
            }
        }
    }
    eprintln!(
        "plink2 --glm firth-fallback: {firth} Firth fits; largest differences, standard fits: beta {:.1e} SE, \
         SE {:.1e}, P {:.1e}; Firth fits: beta {:.1e} SE, SE {:.1e}, P {:.1e}",
        worst[0][0], worst[0][1], worst[0][2], worst[1][0], worst[1][1], worst[1][2]
    );
    assert!(firth > 0, "the fixture has singletons, which need Firth");
}

/// Glow's `readTestData`: phenotype first, then covariates (an intercept
/// is prepended), the genotype next to last, the offset last.
fn glow_r_data(file: &str) -> (Mat<f64>, Mat<f64>, Mat<f64>, Mat<f64>) {
    let (_, rows) = read_table(&data(file));
    let n = rows.len();
    let w = rows[0].len();
    let v = |i: usize, j: usize| rows[i][j].parse::<f64>().unwrap();
    let phenotypes = Mat::from_fn(n, 1, |i, _| v(i, 0));
    let covariates = Mat::from_fn(n, w - 2, |i, j| if j == 0 { 1.0 } else { v(i, j) });
    let genotypes = Mat::from_fn(n, 1, |i, _| v(i, w - 2));
    let offsets = Mat::from_fn(n, 1, |i, _| v(i, w - 1));
    (phenotypes, covariates, genotypes, offsets)
}

struct Golden {
    beta: f64,
    odds_ratio: f64,
    interval: [f64; 2],
    p_value: f64,
}

fn check_glow(
    test: LogitTest,
    phenotypes: &Mat<f64>,
    covariates: &Mat<f64>,
    genotypes: &Mat<f64>,
    offsets: Option<&Mat<f64>>,
    want: &Golden,
    tolerance: f64,
) {
    let mut builder = LogisticModel::builder(phenotypes.as_ref())
        .covariates(covariates.as_ref())
        .intercept(false);
    if let Some(o) = offsets {
        builder = builder.offsets(o.as_ref());
    }
    let model = builder.build().unwrap();
    let got = model.glow_test(genotypes.as_ref(), test).unwrap();
    let got = got.get(0, 0).as_ref().unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= tolerance * b.abs();
    assert!(
        close(got.beta, want.beta),
        "beta {} R {}",
        got.beta,
        want.beta
    );
    assert!(
        close(got.odds_ratio, want.odds_ratio),
        "OR {} R {}",
        got.odds_ratio,
        want.odds_ratio
    );
    for k in 0..2 {
        let (a, b) = (got.wald_confidence_interval[k], want.interval[k]);
        assert!(close(a, b), "CI[{k}] {a} R {b}");
    }
    assert!(
        close(got.p_value, want.p_value),
        "p {} R {}",
        got.p_value,
        want.p_value
    );
}

#[test]
fn glow_lrt_matches_r_glm_on_glows_test_data() {
    let (y, x, g, offset) = glow_r_data("r/binarywithoffset.txt");
    let plain = Golden {
        beta: -0.611263,
        odds_ratio: 0.54266503,
        interval: [2.901759e-01, 1.014851],
        p_value: 0.04693173,
    };
    check_glow(LogitTest::Lrt, &y, &x, &g, None, &plain, 1e-5);
    let zero = Mat::<f64>::zeros(y.nrows(), 1);
    check_glow(LogitTest::Lrt, &y, &x, &g, Some(&zero), &plain, 1e-5);
    let with_offset = Golden {
        beta: -0.591478,
        odds_ratio: 0.5535084,
        interval: [0.2957338280, 1.035971],
        p_value: 0.05590138,
    };
    // R's glm stops on a relative deviance change of 10⁻⁸, which leaves
    // its standard error a few 10⁻⁵ from the exact one here.
    check_glow(
        LogitTest::Lrt,
        &y,
        &x,
        &g,
        Some(&offset),
        &with_offset,
        1e-4,
    );

    // Glow's small cases (R's glm, four or five digits).
    let intercept = Mat::from_fn(6, 1, |_, _| 1.0);
    let g = Mat::from_fn(6, 1, |i, _| [0.0, 1.0, 2.0, 0.0, 0.0, 1.0][i]);
    let y1 = Mat::from_fn(6, 1, |i, _| [0.0, 0.0, 1.0, 1.0, 1.0, 1.0][i]);
    let v1 = Golden {
        beta: 0.4768,
        odds_ratio: 1.610951,
        interval: [0.1403952, 18.48469],
        p_value: 0.6935,
    };
    check_glow(LogitTest::Lrt, &y1, &intercept, &g, None, &v1, 1e-3);
    let y2 = Mat::from_fn(6, 1, |i, _| [0.0, 0.0, 1.0, 0.0, 1.0, 1.0][i]);
    let v2 = Golden {
        beta: 1.4094,
        odds_ratio: 4.0936366,
        interval: [0.26608762, 62.978730],
        p_value: 0.2549,
    };
    check_glow(LogitTest::Lrt, &y2, &intercept, &g, None, &v2, 1e-3);
    let y3 = Mat::from_fn(6, 1, |i, _| [1.0, 0.0, 1.0, 0.0, 1.0, 1.0][i]);
    let o3 = Mat::from_fn(6, 1, |i, _| [0.0, 0.0, 1.0, 0.0, 1.0, 0.0][i]);
    let v3 = Golden {
        beta: 0.341551,
        odds_ratio: 1.40712879,
        interval: [0.097423, 20.323856],
        p_value: 0.797255,
    };
    check_glow(LogitTest::Lrt, &y3, &intercept, &g, Some(&o3), &v3, 1e-4);
    let covariates = Mat::from_fn(6, 3, |i, j| {
        [
            [1.0, 0.0, -1.0],
            [1.0, 2.0, 3.0],
            [1.0, 1.0, 5.0],
            [1.0, -2.0, 0.0],
            [1.0, -2.0, -4.0],
            [1.0, 4.0, 3.0],
        ][i][j]
    });
    let v4 = Golden {
        beta: 3.1776,
        odds_ratio: 23.9884595,
        interval: [0.007623126, 75486.900886],
        p_value: 0.35,
    };
    check_glow(LogitTest::Lrt, &y1, &covariates, &g, None, &v4, 1e-2);
}

#[test]
fn glow_firth_matches_r_logistf_on_glows_test_data() {
    let (y, x, g, offset) = glow_r_data("r/sex2withoffset.txt");
    let exp = f64::exp;
    let plain = Golden {
        beta: 3.09601263,
        odds_ratio: exp(3.09601263),
        interval: [exp(-0.1869446), exp(6.37896984)],
        p_value: 4.951873e-03,
    };
    check_glow(LogitTest::Firth, &y, &x, &g, None, &plain, 1e-5);
    let zero = Mat::<f64>::zeros(y.nrows(), 1);
    check_glow(LogitTest::Firth, &y, &x, &g, Some(&zero), &plain, 1e-5);
    let with_offset = Golden {
        beta: 2.7397118,
        odds_ratio: exp(2.7397118),
        interval: [exp(-0.6063838), exp(6.0858075)],
        p_value: 0.01916332,
    };
    check_glow(
        LogitTest::Firth,
        &y,
        &x,
        &g,
        Some(&offset),
        &with_offset,
        1e-5,
    );

    let intercept = Mat::from_fn(6, 1, |_, _| 1.0);
    let g = Mat::from_fn(6, 1, |i, _| [0.0, 1.0, 2.0, 0.0, 0.0, 1.0][i]);
    let y1 = Mat::from_fn(6, 1, |i, _| [0.0, 0.0, 1.0, 1.0, 1.0, 1.0][i]);
    let v1 = Golden {
        beta: 0.2434646,
        odds_ratio: exp(0.2434646),
        interval: [exp(-2.020431), exp(2.507360)],
        p_value: 0.796830,
    };
    check_glow(LogitTest::Firth, &y1, &intercept, &g, None, &v1, 1e-5);
    let y2 = Mat::from_fn(6, 1, |i, _| [0.0, 0.0, 1.0, 0.0, 1.0, 1.0][i]);
    let v2 = Golden {
        beta: 0.8731197,
        odds_ratio: exp(0.8731197),
        interval: [exp(-1.495994), exp(3.242234)],
        p_value: 0.3609153,
    };
    check_glow(LogitTest::Firth, &y2, &intercept, &g, None, &v2, 1e-5);
    let y3 = Mat::from_fn(6, 1, |i, _| [1.0, 0.0, 1.0, 0.0, 1.0, 1.0][i]);
    let o3 = Mat::from_fn(6, 1, |i, _| [0.0, 0.0, 1.0, 0.0, 1.0, 0.0][i]);
    let v3 = Golden {
        beta: 0.0206165,
        odds_ratio: exp(0.0206165),
        interval: [exp(-2.377305), exp(2.418538)],
        p_value: 0.9843376,
    };
    check_glow(LogitTest::Firth, &y3, &intercept, &g, Some(&o3), &v3, 1e-4);
}

#[test]
fn a_model_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<LogisticModel>();
    let n = 60;
    let y = Mat::from_fn(n, 1, |i, _| (i % 3 == 0) as u8 as f64);
    let g = Mat::from_fn(n, 8, |i, v| ((i * (v + 3)) % 3) as f64);
    let model = LogisticModel::builder(y.as_ref())
        .firth_threshold(1.0)
        .build()
        .unwrap();
    let alone = model.score_test(g.as_ref()).unwrap();
    std::thread::scope(|s| {
        let halves: Vec<_> = [0, 4]
            .map(|start| {
                let (model, g) = (&model, &g);
                s.spawn(move || model.score_test(g.as_ref().subcols(start, 4)).unwrap())
            })
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        for v in 0..8 {
            assert_eq!(halves[v / 4].get(v % 4, 0), alone.get(v, 0));
        }
    });
}

#[test]
fn a_missing_phenotype_is_the_same_as_a_removed_sample_in_every_test() {
    let n = 120;
    let mut state = 0x1234_5678_9abc_def1_u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let x = Mat::from_fn(n, 2, |_, _| uniform() - 0.5);
    let g = Mat::from_fn(n, 4, |i, v| {
        if v == 3 {
            (i == 7) as u8 as f64
        } else {
            (uniform() * 3.0).floor()
        }
    });
    let o = Mat::from_fn(n, 1, |_, _| 0.3 * (uniform() - 0.5));
    let y = Mat::from_fn(n, 1, |i, _| {
        if i % 9 == 4 {
            f64::NAN
        } else {
            (uniform() < 0.4) as u8 as f64
        }
    });
    let kept: Vec<usize> = (0..n).filter(|&i| !y[(i, 0)].is_nan()).collect();
    let take = |m: &Mat<f64>| Mat::from_fn(kept.len(), m.ncols(), |r, j| m[(kept[r], j)]);
    let build = |y: &Mat<f64>, x: &Mat<f64>, o: &Mat<f64>| {
        LogisticModel::builder(y.as_ref())
            .covariates(x.as_ref())
            .offsets(o.as_ref())
            .firth_threshold(1.0)
            .build()
            .unwrap()
    };
    let with_missing = build(&y, &x, &o);
    let removed = build(&take(&y), &take(&x), &take(&o));
    let (g_all, g_kept) = (g.as_ref(), take(&g));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-6);
    let (s1, s2) = (
        with_missing.score_test(g_all).unwrap(),
        removed.score_test(g_kept.as_ref()).unwrap(),
    );
    let (w1, w2) = (
        with_missing.wald_test(g_all).unwrap(),
        removed.wald_test(g_kept.as_ref()).unwrap(),
    );
    for test in [LogitTest::Lrt, LogitTest::Firth] {
        let (a, b) = (
            with_missing.glow_test(g_all, test).unwrap(),
            removed.glow_test(g_kept.as_ref(), test).unwrap(),
        );
        for v in 0..4 {
            match (a.get(v, 0), b.get(v, 0)) {
                (Ok(a), Ok(b)) => assert!(
                    close(a.beta, b.beta) && close(a.p_value, b.p_value),
                    "{test:?} {v}"
                ),
                (a, b) => assert_eq!(a.as_ref().err(), b.as_ref().err(), "{test:?} {v}"),
            }
        }
    }
    for v in 0..4 {
        let (a, b) = (
            s1.get(v, 0).as_ref().unwrap(),
            s2.get(v, 0).as_ref().unwrap(),
        );
        assert!(
            a.firth && close(a.beta, b.beta) && close(a.standard_error, b.standard_error),
            "score {v}"
        );
        let (a, b) = (
            w1.get(v, 0).as_ref().unwrap(),
            w2.get(v, 0).as_ref().unwrap(),
        );
        assert!(
            close(a.beta, b.beta) && close(a.standard_error, b.standard_error),
            "Wald {v}"
        );
        assert_eq!(a.firth, b.firth);
    }
    // The singleton (variant 3) has no finite maximum-likelihood estimate.
    assert!(w1.get(3, 0).as_ref().unwrap().firth);
}

#[test]
fn complete_separation_by_a_covariate_skips_the_phenotype() {
    // Glow's `completeSeparation`: the covariate alone predicts the
    // phenotype, so the null model has no finite estimate.
    let y = Mat::from_fn(6, 1, |i, _| [0.0, 0.0, 1.0, 1.0, 1.0, 1.0][i]);
    let x = Mat::from_fn(6, 1, |i, _| [0.0, 0.0, 1.0, 1.0, 1.0, 1.0][i]);
    let model = LogisticModel::builder(y.as_ref())
        .covariates(x.as_ref())
        .intercept(false)
        .build()
        .unwrap();
    assert_eq!(
        model.phenotype_status(0),
        Err(PhenotypeSkip::NullModelDiverged)
    );
    let g = Mat::from_fn(6, 1, |i, _| [0.0, 1.0, 2.0, 0.0, 0.0, 1.0][i]);
    let r = model.glow_test(g.as_ref(), LogitTest::Lrt).unwrap();
    assert_eq!(
        r.get(0, 0),
        &Err(TestFailure::PhenotypeSkipped(
            PhenotypeSkip::NullModelDiverged
        ))
    );
}

#[test]
fn linearly_dependent_covariates_are_an_error() {
    // Glow's `linearlyDependentCovariates`.
    let y = Mat::from_fn(6, 1, |i, _| [0.0, 0.0, 1.0, 1.0, 1.0, 1.0][i]);
    let x = Mat::from_fn(6, 2, |i, j| if i == 0 { 0.0 } else { [1.0, 2.0][j] });
    let e = LogisticModel::builder(y.as_ref())
        .covariates(x.as_ref())
        .intercept(false)
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        Error::LogisticSingularCovariates {
            column: 1,
            intercept: false
        }
    );
    assert!(e.to_string().contains("linear combination"), "{e}");
}

#[test]
fn bad_phenotypes_covariates_offsets_and_dosages_are_errors_naming_the_cell() {
    let y = Mat::from_fn(5, 1, |i, _| [0.0, 1.0, 2.0, 1.0, 0.0][i]);
    let e = LogisticModel::builder(y.as_ref()).build().unwrap_err();
    assert_eq!(
        e,
        Error::LogisticPhenotypeValue {
            row: 2,
            column: 0,
            value: "2".into()
        }
    );
    let y = Mat::from_fn(5, 1, |i, _| [0.0, 1.0, 0.0, 1.0, 0.0][i]);
    let x = Mat::from_fn(5, 1, |i, _| if i == 3 { f64::NAN } else { i as f64 });
    let e = LogisticModel::builder(y.as_ref())
        .covariates(x.as_ref())
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        Error::LogisticNonFinite {
            what: "covariate",
            row: 3,
            column: 0
        }
    );
    let o = Mat::from_fn(5, 1, |i, _| if i == 1 { f64::INFINITY } else { 0.0 });
    let e = LogisticModel::builder(y.as_ref())
        .offsets(o.as_ref())
        .build()
        .unwrap_err();
    assert!(matches!(
        e,
        Error::LogisticNonFinite {
            what: "offset",
            row: 1,
            ..
        }
    ));
    let short = Mat::<f64>::zeros(4, 1);
    assert!(matches!(
        LogisticModel::builder(y.as_ref())
            .covariates(short.as_ref())
            .build(),
        Err(Error::Argument(_))
    ));

    let model = LogisticModel::builder(y.as_ref()).build().unwrap();
    let g = Mat::from_fn(
        5,
        2,
        |i, v| if v == 1 && i == 4 { f64::NAN } else { i as f64 },
    );
    let e = model.score_test(g.as_ref()).unwrap_err();
    assert_eq!(
        e,
        Error::LogisticNonFinite {
            what: "dosage",
            row: 4,
            column: 1
        }
    );
    assert!(matches!(
        model.wald_test(Mat::<f64>::zeros(3, 1).as_ref()),
        Err(Error::Argument(_))
    ));
    assert!("wald".parse::<LogitTest>().is_err());
}

#[test]
fn constant_and_empty_phenotypes_are_skipped_and_monomorphic_variants_fail() {
    let n = 40;
    let y = Mat::from_fn(n, 4, |i, j| match j {
        0 => (i % 3 == 0) as u8 as f64,
        1 => 1.0,
        2 => f64::NAN,
        _ => {
            if i < 20 {
                f64::NAN
            } else {
                (i % 2) as f64
            }
        }
    });
    let x = Mat::from_fn(n, 1, |i, _| ((i * 7) % 11) as f64);
    let model = LogisticModel::builder(y.as_ref())
        .covariates(x.as_ref())
        .build()
        .unwrap();
    assert_eq!(model.phenotype_status(0), Ok(()));
    assert_eq!(model.phenotype_status(1), Err(PhenotypeSkip::Constant));
    assert_eq!(model.phenotype_status(2), Err(PhenotypeSkip::NoSamples));
    assert_eq!(model.phenotype_status(3), Ok(()));
    // Variant 0 varies; variant 1 is constant; variant 2 varies only among
    // samples 0..20, which phenotype 3 does not have.
    let g = Mat::from_fn(n, 3, |i, v| match v {
        0 => (i % 3 == 1) as u8 as f64 + (i % 5 == 0) as u8 as f64,
        1 => 2.0,
        _ => {
            if i < 20 {
                (i % 2) as f64
            } else {
                0.0
            }
        }
    });
    let score = model.score_test(g.as_ref()).unwrap();
    let wald = model.wald_test(g.as_ref()).unwrap();
    let lrt = model.glow_test(g.as_ref(), LogitTest::Lrt).unwrap();
    let firth = model.glow_test(g.as_ref(), LogitTest::Firth).unwrap();
    assert!(
        score.get(0, 0).is_ok()
            && wald.get(0, 0).is_ok()
            && lrt.get(0, 0).is_ok()
            && firth.get(0, 0).is_ok()
    );
    assert_eq!(score.get(1, 0), &Err(TestFailure::NoVariation));
    assert_eq!(wald.get(1, 0), &Err(TestFailure::NoVariation));
    assert_eq!(lrt.get(1, 0), &Err(TestFailure::NoVariation));
    assert_eq!(firth.get(1, 0), &Err(TestFailure::NoVariation));
    assert_eq!(score.get(2, 3), &Err(TestFailure::NoVariation));
    assert_eq!(wald.get(2, 3), &Err(TestFailure::NoVariation));
    assert!(score.get(2, 0).is_ok());
    for v in 0..3 {
        assert_eq!(
            score.get(v, 1),
            &Err(TestFailure::PhenotypeSkipped(PhenotypeSkip::Constant))
        );
        assert_eq!(
            wald.get(v, 2),
            &Err(TestFailure::PhenotypeSkipped(PhenotypeSkip::NoSamples))
        );
    }
    for (_, _, cell) in score.iter() {
        if let Ok(s) = cell {
            assert!(s.beta.is_finite() && s.standard_error.is_finite() && s.p_value.is_finite());
        }
    }
}

/// The straightforward computations the fast paths must agree with: a
/// Newton fit of one design by Gaussian elimination, and the score test of
/// one variant from the null fit.
mod reference {
    pub fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
        let k = b.len();
        for col in 0..k {
            let pivot = (col..k)
                .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
                .unwrap();
            a.swap(col, pivot);
            b.swap(col, pivot);
            let pivot_row = a[col].clone();
            for row in col + 1..k {
                let f = a[row][col] / pivot_row[col];
                for (x, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * p;
                }
                b[row] -= f * b[col];
            }
        }
        let mut x = vec![0.0; k];
        for row in (0..k).rev() {
            let s: f64 = (row + 1..k).map(|c| a[row][c] * x[c]).sum();
            x[row] = (b[row] - s) / a[row][row];
        }
        x
    }

    pub fn inverse_diagonal_last(a: &[Vec<f64>]) -> f64 {
        let k = a.len();
        let mut e = vec![0.0; k];
        e[k - 1] = 1.0;
        solve(a.to_vec(), e)[k - 1]
    }

    /// Logistic MLE of y on the rows of `x`: (coefficients, information).
    pub fn fit(x: &[Vec<f64>], y: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
        let k = x[0].len();
        let mut beta = vec![0.0; k];
        for _ in 0..100 {
            let mut info = vec![vec![0.0; k]; k];
            let mut score = vec![0.0; k];
            for (row, &t) in x.iter().zip(y) {
                let eta: f64 = row.iter().zip(&beta).map(|(a, b)| a * b).sum();
                let mu = 1.0 / (1.0 + (-eta).exp());
                for a in 0..k {
                    score[a] += row[a] * (t - mu);
                    for b in 0..k {
                        info[a][b] += row[a] * row[b] * mu * (1.0 - mu);
                    }
                }
            }
            let step = solve(info.clone(), score);
            beta.iter_mut().zip(&step).for_each(|(b, s)| *b += s);
            if step.iter().all(|s| s.abs() < 1e-12) {
                return (beta, info);
            }
        }
        panic!("reference fit did not converge");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn score_and_wald_tests_agree_with_a_straightforward_per_variant_fit(
        seed in any::<u64>(),
        n in 80usize..160,
        effect in -1.0f64..1.0,
    ) {
        let mut state = seed | 1;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let covariates = Mat::from_fn(n, 2, |_, _| uniform() * 2.0 - 1.0);
        let dosages = Mat::from_fn(n, 3, |_, _| {
            let u = uniform();
            if u < 0.5 { 0.0 } else if u < 0.85 { 1.0 } else { 2.0 }
        });
        let phenotypes = Mat::from_fn(n, 1, |i, _| {
            let eta = 0.3 * covariates[(i, 0)] - 0.5 * covariates[(i, 1)] + effect * dosages[(i, 0)];
            if uniform() < 1.0 / (1.0 + (-eta).exp()) { 1.0 } else { 0.0 }
        });
        let cases: f64 = (0..n).map(|i| phenotypes[(i, 0)]).sum();
        prop_assume!(cases >= 10.0 && cases <= n as f64 - 10.0);
        let model = LogisticModel::builder(phenotypes.as_ref())
            .covariates(covariates.as_ref())
            .firth_threshold(0.0)
            .build()
            .unwrap();
        let score = model.score_test(dosages.as_ref()).unwrap();
        let wald = model.wald_test(dosages.as_ref()).unwrap();
        let y: Vec<f64> = (0..n).map(|i| phenotypes[(i, 0)]).collect();
        let null_x: Vec<Vec<f64>> = (0..n).map(|i| vec![1.0, covariates[(i, 0)], covariates[(i, 1)]]).collect();
        let (null_beta, _) = reference::fit(&null_x, &y);
        for v in 0..3 {
            let g: Vec<f64> = (0..n).map(|i| dosages[(i, v)]).collect();
            // Score test: U = gᵀ(y − μ), V = gᵀWg − gᵀWX (XᵀWX)⁻¹ XᵀWg.
            let mut info = vec![vec![0.0; 4]; 4];
            let mut u = 0.0;
            for i in 0..n {
                let row = [null_x[i][0], null_x[i][1], null_x[i][2], g[i]];
                let eta: f64 = null_x[i].iter().zip(&null_beta).map(|(a, b)| a * b).sum();
                let mu = 1.0 / (1.0 + (-eta).exp());
                u += g[i] * (y[i] - mu);
                for a in 0..4 {
                    for b in 0..4 {
                        info[a][b] += row[a] * row[b] * mu * (1.0 - mu);
                    }
                }
            }
            let variance = 1.0 / reference::inverse_diagonal_last(&info);
            let chi2 = u * u / variance;
            let got = score.get(v, 0).as_ref().unwrap();
            prop_assert!((got.chi_squared - chi2).abs() <= 1e-8 * chi2.max(1.0), "score {} vs {}", got.chi_squared, chi2);
            // Both null fits stop within ~10⁻¹⁰ of the optimum, so compare the
            // one-step estimate in units of its standard error.
            let se = 1.0 / variance.sqrt();
            prop_assert!((got.beta - u / variance).abs() <= 1e-7 * se, "beta {} vs {}", got.beta, u / variance);
            prop_assert!((got.standard_error - se).abs() <= 1e-8 * se);

            let full_x: Vec<Vec<f64>> = (0..n).map(|i| vec![1.0, covariates[(i, 0)], covariates[(i, 1)], g[i]]).collect();
            let (beta, info) = reference::fit(&full_x, &y);
            let se = reference::inverse_diagonal_last(&info).sqrt();
            let got = wald.get(v, 0).as_ref().unwrap();
            prop_assert!(!got.firth);
            prop_assert!((got.beta - beta[3]).abs() <= 1e-6 * beta[3].abs().max(1e-2), "beta {} vs {}", got.beta, beta[3]);
            prop_assert!((got.standard_error - se).abs() <= 1e-6 * se, "SE {} vs {}", got.standard_error, se);
        }
    }
}
