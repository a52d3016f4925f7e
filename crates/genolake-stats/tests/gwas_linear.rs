//! The block-vectorised linear regression against a straightforward
//! least-squares fit of each variant and phenotype on its own, and its
//! answers to input it cannot test.

use faer::{Mat, MatRef};
use genolake_stats::Error;
use genolake_stats::gwas::linear::{
    Convention, LinearModel, LinearOptions, LinearResults, PhenotypeSkip,
};
use proptest::prelude::*;

struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One variant and phenotype fitted alone: the samples where the
/// phenotype is present, the design [1, covariates, dosage], QR, and the
/// dosage's coefficient and standard error σ / |R_kk|.
fn reference(
    g: &[f64],
    covariates: MatRef<'_, f64>,
    y: &[f64],
    offset: &[f64],
) -> Option<(f64, f64, usize)> {
    let rows: Vec<usize> = (0..y.len()).filter(|&i| !y[i].is_nan()).collect();
    let k = covariates.ncols() + 2;
    if rows.len() < k + 1 {
        return None;
    }
    let x = Mat::from_fn(rows.len(), k, |r, j| {
        let i = rows[r];
        match j {
            0 => 1.0,
            j if j == k - 1 => g[i],
            j => covariates[(i, j - 1)],
        }
    });
    let target = Mat::from_fn(rows.len(), 1, |r, _| y[rows[r]] - offset[rows[r]]);
    let qr = x.qr();
    let r = qr.thin_R();
    let q = qr.compute_thin_Q();
    // Coefficients: R b = Qᵀ y, by back substitution.
    let qty: Vec<f64> = (0..k)
        .map(|j| (0..rows.len()).map(|i| q[(i, j)] * target[(i, 0)]).sum())
        .collect();
    let mut b = vec![0.0; k];
    for j in (0..k).rev() {
        let s: f64 = ((j + 1)..k).map(|l| r[(j, l)] * b[l]).sum();
        b[j] = (qty[j] - s) / r[(j, j)];
    }
    let rss: f64 = (0..rows.len())
        .map(|i| {
            let fit: f64 = (0..k).map(|j| x[(i, j)] * b[j]).sum();
            (target[(i, 0)] - fit).powi(2)
        })
        .sum();
    let dof = rows.len() - k;
    let sigma = (rss / dof as f64).sqrt();
    Some((b[k - 1], sigma / r[(k - 1, k - 1)].abs(), dof))
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * b.abs().max(1e-12)
}

proptest! {
    #[test]
    fn blocks_give_what_one_fit_per_variant_gives(
        seed in any::<u64>(),
        n in 10usize..40,
        c in 0usize..4,
        p in 1usize..4,
        m in 1usize..6,
        missing in 0.0f64..0.3,
        integer in any::<bool>(),
    ) {
        let mut rng = Rng(seed);
        let covariates = Mat::from_fn(n, c, |_, _| rng.unit() * 4.0 - 2.0);
        let dosages: Vec<f64> = (0..n * m)
            .map(|_| if integer { (rng.unit() * 3.0).floor() } else { rng.unit() * 2.0 })
            .collect();
        let y = Mat::from_fn(n, p, |_, _| if rng.unit() < missing { f64::NAN } else { rng.unit() * 10.0 });
        let offsets = Mat::from_fn(n, p, |_, _| rng.unit());
        let model = LinearModel::new(covariates.as_ref(), y.as_ref(), Some(offsets.as_ref()), &LinearOptions::default()).unwrap();
        let mut results = LinearResults::default();
        model.test(MatRef::from_column_major_slice(&dosages, n, m), &mut results).unwrap();
        prop_assert_eq!((results.variants(), results.phenotypes()), (m, p));
        for v in 0..m {
            let g = &dosages[v * n..(v + 1) * n];
            for j in 0..p {
                let yj: Vec<f64> = (0..n).map(|i| y[(i, j)]).collect();
                let oj: Vec<f64> = (0..n).map(|i| offsets[(i, j)]).collect();
                let ours = results.get(v, j);
                let expected = reference(g, covariates.as_ref(), &yj, &oj);
                match (ours, expected) {
                    (Some(a), Some((beta, se, dof))) => {
                        prop_assert!(close(a.beta, beta, 1e-7), "beta {} against {}", a.beta, beta);
                        prop_assert!(close(a.standard_error, se, 1e-7), "se {} against {}", a.standard_error, se);
                        let t = beta / se;
                        let p_value = genolake_stats::gwas::pvalue::t_two_sided(t, dof as f64).p;
                        prop_assert!(close(a.p_value, p_value, 1e-6), "p {} against {}", a.p_value, p_value);
                        prop_assert!(a.p_value >= 0.0 && a.p_value <= 1.0);
                    }
                    // Too few samples for the phenotype, or no variance left.
                    (None, None) => {}
                    (None, Some((_, se, _))) => {
                        // Only a variant (nearly) in the covariates' span, or
                        // a skipped phenotype, is left untested.
                        prop_assert!(model.skipped()[j].is_some() || !se.is_finite() || se > 1e6,
                            "untested pair ({v}, {j}) with a fit of se {se}");
                    }
                    (Some(a), None) => prop_assert!(false, "tested a pair with too few samples: {a:?}"),
                }
            }
        }
    }
}

fn column(values: &[f64]) -> MatRef<'_, f64> {
    MatRef::from_column_major_slice(values, values.len(), 1)
}

fn both_conventions() -> [LinearOptions; 2] {
    [
        LinearOptions::default(),
        LinearOptions {
            convention: Convention::Regenie,
            ..LinearOptions::default()
        },
    ]
}

#[test]
fn a_covariate_duplicating_another_is_a_clear_error() {
    let a = [1.0, 2.0, 0.5, 3.0, 1.5, 2.5, 0.0, 1.0];
    let covariates = Mat::from_fn(8, 2, |i, _| a[i]);
    let y = [1.0, 0.0, 2.0, 1.0, 3.0, 2.0, 1.0, 0.0];
    for options in both_conventions() {
        let err = LinearModel::new(covariates.as_ref(), column(&y), None, &options).unwrap_err();
        assert_eq!(
            err,
            Error::SingularCovariates {
                column: Some(1),
                samples: 8
            }
        );
        assert!(err.to_string().contains("covariate column 1"), "{err}");
    }
    // A constant covariate beside the intercept.
    let constant = Mat::from_fn(8, 1, |_, _| 2.0);
    let err = LinearModel::new(
        constant.as_ref(),
        column(&y),
        None,
        &LinearOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::SingularCovariates {
            column: Some(0),
            samples: 8
        }
    );
}

#[test]
fn a_constant_phenotype_is_skipped_and_its_results_are_none() {
    let covariates = Mat::from_fn(8, 1, |i, _| (i * i % 5) as f64);
    let y = Mat::from_fn(8, 2, |i, j| if j == 0 { 4.2 } else { (i % 3) as f64 });
    let g = [0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0, 2.0];
    for options in both_conventions() {
        let model = LinearModel::new(covariates.as_ref(), y.as_ref(), None, &options).unwrap();
        assert_eq!(model.skipped(), &[Some(PhenotypeSkip::NoVariance), None]);
        let mut results = LinearResults::default();
        model.test(column(&g), &mut results).unwrap();
        assert!(results.get(0, 0).is_none());
        let tested = results.get(0, 1).unwrap();
        assert!(tested.beta.is_finite() && tested.standard_error > 0.0 && tested.p_value <= 1.0);
    }
}

#[test]
fn too_few_samples_for_the_covariates_is_a_skip_per_phenotype() {
    // Five samples, two covariates and the intercept: the first phenotype
    // has all five (enough), the second only four (one short).
    let covariates = Mat::from_fn(5, 2, |i, j| {
        ((i + 1) * (j + 2) % 7) as f64 + (i * i) as f64 * 0.1 * j as f64
    });
    let y = Mat::from_fn(5, 2, |i, j| {
        if j == 1 && i == 0 {
            f64::NAN
        } else {
            (i * 3 % 5) as f64
        }
    });
    let model = LinearModel::new(
        covariates.as_ref(),
        y.as_ref(),
        None,
        &LinearOptions::default(),
    )
    .unwrap();
    assert_eq!(model.skipped()[0], None);
    assert_eq!(
        model.skipped()[1],
        Some(PhenotypeSkip::TooFewSamples {
            samples: 4,
            needed: 5
        })
    );
}

#[test]
fn covariates_singular_only_where_a_phenotype_is_present_skip_that_phenotype() {
    // The covariate is 1 on the samples where the second phenotype is
    // present: there it duplicates the intercept.
    let cov = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 3.0];
    let y = Mat::from_fn(8, 2, |i, j| {
        if j == 1 && i >= 6 {
            f64::NAN
        } else {
            ((i * 5 + j) % 7) as f64
        }
    });
    let model =
        LinearModel::new(column(&cov), y.as_ref(), None, &LinearOptions::default()).unwrap();
    assert_eq!(
        model.skipped(),
        &[None, Some(PhenotypeSkip::SingularCovariates)]
    );
}

#[test]
fn a_monomorphic_variant_is_untested_not_nan() {
    let covariates = Mat::from_fn(8, 1, |i, _| (i % 3) as f64);
    let y = [1.0, 0.0, 2.0, 1.0, 3.0, 2.0, 1.0, 0.0];
    let g = [1.0; 8];
    for options in both_conventions() {
        let model = LinearModel::new(covariates.as_ref(), column(&y), None, &options).unwrap();
        let mut results = LinearResults::default();
        model.test(column(&g), &mut results).unwrap();
        assert!(results.get(0, 0).is_none());
    }
}

#[test]
fn malformed_inputs_are_errors_that_say_what_is_wrong() {
    let y = [1.0, 0.0, 2.0, 1.0, 3.0, 2.0, 1.0, 0.0];
    let options = LinearOptions::default();
    let none = Mat::<f64>::zeros(8, 0);
    let message = |r: Result<LinearModel, Error>| r.unwrap_err().to_string();
    // Covariates of another sample count.
    let short = Mat::from_fn(7, 1, |i, _| i as f64);
    assert!(
        message(LinearModel::new(short.as_ref(), column(&y), None, &options)).contains("7 rows")
    );
    // A NaN covariate.
    let nan = Mat::from_fn(8, 1, |i, _| if i == 3 { f64::NAN } else { i as f64 });
    assert!(
        message(LinearModel::new(nan.as_ref(), column(&y), None, &options)).contains("sample 3")
    );
    // An infinite phenotype.
    let mut inf = y;
    inf[2] = f64::INFINITY;
    assert!(
        message(LinearModel::new(
            none.as_ref(),
            column(&inf),
            None,
            &options
        ))
        .contains("use NaN")
    );
    // A missing offset where the phenotype is present; allowed where it is not.
    let mut off = [0.0; 8];
    off[5] = f64::NAN;
    assert!(
        message(LinearModel::new(
            none.as_ref(),
            column(&y),
            Some(column(&off)),
            &options
        ))
        .contains("sample 5")
    );
    let mut y_missing = y;
    y_missing[5] = f64::NAN;
    assert!(
        LinearModel::new(
            none.as_ref(),
            column(&y_missing),
            Some(column(&off)),
            &options
        )
        .is_ok()
    );
    // Blocks of the wrong height, or holding NaN dosages.
    let model = LinearModel::new(none.as_ref(), column(&y), None, &options).unwrap();
    let mut results = LinearResults::default();
    assert!(model.test(column(&[0.0; 7]), &mut results).is_err());
    let mut g = [0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0, 2.0];
    g[4] = f64::NAN;
    let err = model.test(column(&g), &mut results).unwrap_err();
    assert!(err.to_string().contains("impute"), "{err}");
}

#[test]
fn regenie_and_glow_agree_on_beta_without_offsets_and_differ_in_se_as_documented() {
    // Without offsets or missing values REGENIE's BETA is the least-squares
    // BETA; its SE uses the phenotype residual's variance over n − c (the
    // genotype's share included), and REGENIE v1.0's over n − 1.
    let n = 60;
    let mut rng = Rng(11);
    let covariates = Mat::from_fn(n, 2, |_, _| rng.unit());
    let dosages: Vec<f64> = (0..3 * n).map(|_| (rng.unit() * 3.0).floor()).collect();
    let y = Mat::from_fn(n, 1, |i, _| {
        dosages[i] * 0.5 + covariates[(i, 0)] + rng.unit()
    });
    let block = MatRef::from_column_major_slice(&dosages, n, 3);
    let mut fits = Vec::new();
    for convention in [Convention::Glow, Convention::Regenie, Convention::RegenieV1] {
        let options = LinearOptions {
            convention,
            ..LinearOptions::default()
        };
        let model = LinearModel::new(covariates.as_ref(), y.as_ref(), None, &options).unwrap();
        let mut results = LinearResults::default();
        model.test(block, &mut results).unwrap();
        fits.push(results);
    }
    let c = 3.0; // two covariates and the intercept
    for v in 0..3 {
        let (glow, current, v1) = (
            fits[0].get(v, 0).unwrap(),
            fits[1].get(v, 0).unwrap(),
            fits[2].get(v, 0).unwrap(),
        );
        assert!(close(current.beta, glow.beta, 1e-10) && close(v1.beta, glow.beta, 1e-10));
        assert!(close(
            v1.standard_error / current.standard_error,
            ((n as f64 - c) / (n as f64 - 1.0)).sqrt(),
            1e-10
        ));
        // REGENIE's χ² is the score statistic: (n − c) times the squared
        // partial correlation, where the t² of least squares is
        // (n − c − 1) r² / (1 − r²).
        let t2 = glow.statistic * glow.statistic;
        let r2 = t2 / (t2 + n as f64 - c - 1.0);
        assert!(close(current.statistic, (n as f64 - c) * r2, 1e-10));
    }
}

#[test]
fn without_covariates_or_intercept_the_fit_goes_through_the_origin() {
    let g = [0.0, 1.0, 2.0, 1.0, 0.0, 2.0, 1.0, 1.0];
    let y = [0.1, 1.3, 1.9, 0.8, -0.2, 2.4, 1.1, 0.7];
    let none = Mat::<f64>::zeros(8, 0);
    let options = LinearOptions {
        fit_intercept: false,
        ..LinearOptions::default()
    };
    let model = LinearModel::new(none.as_ref(), column(&y), None, &options).unwrap();
    assert_eq!(model.covariate_columns(), 0);
    let mut results = LinearResults::default();
    model.test(column(&g), &mut results).unwrap();
    let a = results.get(0, 0).unwrap();
    let gg: f64 = g.iter().map(|v| v * v).sum();
    let gy: f64 = g.iter().zip(&y).map(|(a, b)| a * b).sum();
    let yy: f64 = y.iter().map(|v| v * v).sum();
    let beta = gy / gg;
    let se = ((yy - beta * beta * gg) / (7.0 * gg)).sqrt();
    assert!(
        close(a.beta, beta, 1e-12) && close(a.standard_error, se, 1e-12),
        "{a:?}"
    );
}

#[test]
fn an_overwhelming_association_keeps_a_finite_log10p_where_p_underflows() {
    let n = 2000;
    let mut rng = Rng(5);
    let g: Vec<f64> = (0..n).map(|_| (rng.unit() * 3.0).floor()).collect();
    let y: Vec<f64> = g.iter().map(|v| v + 0.01 * (rng.unit() - 0.5)).collect();
    let none = Mat::<f64>::zeros(n, 0);
    for options in both_conventions() {
        let model = LinearModel::new(none.as_ref(), column(&y), None, &options).unwrap();
        let mut results = LinearResults::default();
        model.test(column(&g), &mut results).unwrap();
        let a = results.get(0, 0).unwrap();
        assert!(close(a.beta, 1.0, 1e-3), "{a:?}");
        assert_eq!(a.p_value, 0.0);
        // REGENIE's score statistic is at most n − c (r² ≤ 1): χ² near 2,000.
        assert!(a.log10p.is_finite() && a.log10p > 320.0, "{a:?}");
    }
    // The log domain continues the direct computation: a t just below the
    // switch and one just above give ordered, close −log₁₀ p.
    let t = genolake_stats::gwas::pvalue::StudentT::new(1997.0);
    let (below, above) = (t.two_sided(38.0), t.two_sided(38.5));
    assert!(below.p > 0.0 && above.log10p > below.log10p && above.log10p - below.log10p < 10.0);
}
