//! The ridge solves of the whole-genome regression against direct solves,
//! and the errors bad input gets.

use faer::linalg::solvers::Solve;
use faer::{Mat, MatRef};
use genolake_stats::Error;
use genolake_stats::wgr::{
    Criterion, CrossValidation, Folds, Level1Fit, Scheme, TraitType, WgrOptions, WholeGenomeRidge,
    kfold_ridge_predictions, loocv_ridge_predictions, ridge_solve,
};
use proptest::prelude::*;

/// A deterministic pseudo-random matrix (xorshift), values in [-2, 2).
fn random(rows: usize, cols: usize, seed: u64) -> Mat<f64> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    Mat::from_fn(rows, cols, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0
    })
}

/// `(XᵀX + αI)⁻¹ XᵀY` by LU of the explicitly formed system.
fn direct(x: MatRef<'_, f64>, y: MatRef<'_, f64>, alpha: f64) -> Mat<f64> {
    let mut a = x.transpose() * x;
    for i in 0..a.nrows() {
        a[(i, i)] += alpha;
    }
    a.partial_piv_lu().solve(x.transpose() * y)
}

fn max_diff(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()));
    let mut d: f64 = 0.0;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            d = d.max((a[(i, j)] - b[(i, j)]).abs());
        }
    }
    d
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ridge_solve_agrees_with_a_direct_solve(n in 3usize..40, m in 1usize..12, p in 1usize..4, alpha in 1e-3f64..1e3, seed: u64) {
        let x = random(n, m, seed);
        let y = random(n, p, seed ^ 1);
        let b = ridge_solve((x.transpose() * &x).as_ref(), (x.transpose() * &y).as_ref(), alpha).unwrap();
        let want = direct(x.as_ref(), y.as_ref(), alpha);
        prop_assert!(max_diff(b.as_ref(), want.as_ref()) < 1e-8 * (1.0 + 1.0 / alpha));
    }

    #[test]
    fn kfold_predictions_agree_with_fits_on_the_other_folds(n in 10usize..40, m in 1usize..10, k in 2usize..5, seed: u64) {
        let x = random(n, m, seed);
        let y = random(n, 2, seed ^ 2);
        let alphas = [0.5, 5.0];
        let folds = Folds::contiguous(n, k).unwrap();
        let pred = kfold_ridge_predictions(x.as_ref(), y.as_ref(), &folds, &alphas).unwrap();
        for f in 0..folds.len() {
            let r = folds.range(f);
            let train: Vec<usize> = (0..n).filter(|i| !r.contains(i)).collect();
            let xt = Mat::<f64>::from_fn(train.len(), m, |i, j| x[(train[i], j)]);
            let yt = Mat::<f64>::from_fn(train.len(), 2, |i, j| y[(train[i], j)]);
            for (a, &alpha) in alphas.iter().enumerate() {
                let b = direct(xt.as_ref(), yt.as_ref(), alpha);
                let want = x.as_ref().subrows(r.start, r.len()) * &b;
                let got = pred.as_ref().submatrix(r.start, a * 2, r.len(), 2);
                prop_assert!(max_diff(got, want.as_ref()) < 1e-8);
            }
        }
    }

    #[test]
    fn leave_one_out_predictions_agree_with_n_folds_of_one(n in 6usize..30, m in 1usize..8, seed: u64) {
        let x = random(n, m, seed);
        let y = random(n, 2, seed ^ 3);
        let alphas = [0.1, 3.0];
        let loo = loocv_ridge_predictions(x.as_ref(), y.as_ref(), &alphas).unwrap();
        let singletons = Folds::from_sizes(&vec![1; n]).unwrap();
        let kfold = kfold_ridge_predictions(x.as_ref(), y.as_ref(), &singletons, &alphas).unwrap();
        prop_assert!(max_diff(loo.as_ref(), kfold.as_ref()) < 1e-8);
    }

    #[test]
    fn level1_leave_one_out_loco_agrees_with_n_folds_of_one(n in 8usize..30, q in 2usize..8, seed: u64) {
        let x = random(n, q, seed);
        let y: Vec<f64> = random(n, 1, seed ^ 4).col(0).iter().copied().collect();
        let alphas = [0.2, 2.0, 20.0];
        let loo = Level1Fit::ridge(x.as_ref(), &y, &Scheme::LeaveOneOut, &alphas, Criterion::PooledMse).unwrap();
        let singletons = Scheme::Folds(Folds::from_sizes(&vec![1; n]).unwrap());
        let folds = Level1Fit::ridge(x.as_ref(), &y, &singletons, &alphas, Criterion::PooledMse).unwrap();
        prop_assert_eq!(loo.best(), folds.best());
        for (a, b) in loo.scores().iter().zip(folds.scores()) {
            prop_assert!((a - b).abs() < 1e-8);
        }
        // Dropping columns (a chromosome) uses each sample's own model.
        let keep: Vec<bool> = (0..q).map(|j| j % 2 == 0).collect();
        for keep in [vec![true; q], keep] {
            let (a, b) = (loo.predict(x.as_ref(), &keep), folds.predict(x.as_ref(), &keep));
            for (u, v) in a.iter().zip(&b) {
                prop_assert!((u - v).abs() < 1e-8);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// More predictors than training samples takes the dual form.
    #[test]
    fn level1_ridge_with_more_predictors_than_samples_agrees_with_direct_solves(n in 6usize..24, extra in 0usize..12, k in 2usize..4, seed: u64) {
        let q = n + extra;
        let x = random(n, q, seed);
        let y: Vec<f64> = random(n, 1, seed ^ 5).col(0).iter().copied().collect();
        let folds = Folds::contiguous(n, k.min(n / 2)).unwrap();
        let fit = Level1Fit::ridge(x.as_ref(), &y, &Scheme::Folds(folds.clone()), &[0.3], Criterion::PooledMse).unwrap();
        let keep: Vec<bool> = (0..q).map(|j| j % 3 != 0).collect();
        let pred = fit.predict(x.as_ref(), &keep);
        for f in 0..folds.len() {
            let r = folds.range(f);
            let train: Vec<usize> = (0..n).filter(|i| !r.contains(i)).collect();
            let xt = Mat::<f64>::from_fn(train.len(), q, |i, j| x[(train[i], j)]);
            let yt = Mat::<f64>::from_fn(train.len(), 1, |i, _| y[train[i]]);
            let b = direct(xt.as_ref(), yt.as_ref(), 0.3);
            for i in r {
                let want: f64 = (0..q).filter(|&j| keep[j]).map(|j| x[(i, j)] * b[(j, 0)]).sum();
                prop_assert!((pred[i] - want).abs() < 1e-8, "{} against {}", pred[i], want);
            }
        }
    }
}

#[test]
fn logistic_level1_leave_one_out_is_close_to_refitting_without_each_sample() {
    let n = 60;
    let x = random(n, 4, 11);
    let eta: Vec<f64> = (0..n).map(|i| 0.8 * x[(i, 0)] - 0.5 * x[(i, 1)]).collect();
    let u = random(n, 1, 12);
    let y: Vec<f64> = (0..n)
        .map(|i| {
            if (u[(i, 0)] + 2.0) / 4.0 < 1.0 / (1.0 + (-eta[i]).exp()) {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    let offset = vec![0.1; n];
    let alphas = [1.0, 10.0];
    let loo = Level1Fit::logistic(x.as_ref(), &y, &offset, &Scheme::LeaveOneOut, &alphas).unwrap();
    let exact = Level1Fit::logistic(
        x.as_ref(),
        &y,
        &offset,
        &Scheme::Folds(Folds::from_sizes(&vec![1; n]).unwrap()),
        &alphas,
    )
    .unwrap();
    let keep = vec![true; 4];
    let (a, b) = (
        loo.predict(x.as_ref(), &keep),
        exact.predict(x.as_ref(), &keep),
    );
    let worst = a
        .iter()
        .zip(&b)
        .map(|(u, v)| (u - v).abs())
        .fold(0.0, f64::max);
    // One Newton step from the full fit: close, not exact.
    assert!(worst < 0.02, "one-step leave-one-out differs by {worst}");
    for (s, t) in loo.scores().iter().zip(exact.scores()) {
        assert!((s - t).abs() < 5e-3, "{s} against {t}");
    }
}

fn phenotype(n: usize) -> Mat<f64> {
    random(n, 1, 99)
}

fn wgr_error(result: Result<WholeGenomeRidge, Error>) -> String {
    match result {
        Err(e) => e.to_string(),
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
fn a_constant_phenotype_is_an_error_naming_it() {
    let y = Mat::<f64>::from_fn(30, 1, |_, _| 2.5);
    let msg = wgr_error(WholeGenomeRidge::new(
        vec!["height".into()],
        y.as_ref(),
        None,
        10,
        WgrOptions::default(),
    ));
    assert!(msg.contains("height") && msg.contains("constant"), "{msg}");
}

#[test]
fn a_phenotype_the_covariates_explain_is_an_error() {
    let c = random(30, 2, 5);
    let y = Mat::<f64>::from_fn(30, 1, |i, _| 3.0 * c[(i, 0)] - c[(i, 1)] + 1.0);
    let msg = wgr_error(WholeGenomeRidge::new(
        vec!["y".into()],
        y.as_ref(),
        Some(c.as_ref()),
        10,
        WgrOptions::default(),
    ));
    assert!(msg.contains("explained by the covariates"), "{msg}");
}

#[test]
fn collinear_or_constant_covariates_are_an_error_naming_the_column() {
    let c = random(30, 2, 6);
    let collinear = Mat::<f64>::from_fn(30, 3, |i, j| {
        if j == 2 {
            c[(i, 0)] + 2.0 * c[(i, 1)]
        } else {
            c[(i, j)]
        }
    });
    let msg = wgr_error(WholeGenomeRidge::new(
        vec!["y".into()],
        phenotype(30).as_ref(),
        Some(collinear.as_ref()),
        10,
        WgrOptions::default(),
    ));
    assert!(msg.contains("covariate 2 (0-based)"), "{msg}");
    let constant = Mat::<f64>::from_fn(30, 2, |i, j| if j == 1 { 4.0 } else { c[(i, 0)] });
    let msg = wgr_error(WholeGenomeRidge::new(
        vec!["y".into()],
        phenotype(30).as_ref(),
        Some(constant.as_ref()),
        10,
        WgrOptions::default(),
    ));
    assert!(msg.contains("covariate 1 (0-based)"), "{msg}");
}

#[test]
fn missing_phenotypes_and_covariates_are_errors() {
    let mut y = phenotype(30);
    y[(7, 0)] = f64::NAN;
    let msg = wgr_error(WholeGenomeRidge::new(
        vec!["bmi".into()],
        y.as_ref(),
        None,
        10,
        WgrOptions::default(),
    ));
    assert!(msg.contains("bmi") && msg.contains("sample 7"), "{msg}");
    let mut c = random(30, 1, 3);
    c[(4, 0)] = f64::INFINITY;
    let msg = wgr_error(WholeGenomeRidge::new(
        vec!["y".into()],
        phenotype(30).as_ref(),
        Some(c.as_ref()),
        10,
        WgrOptions::default(),
    ));
    assert!(
        msg.contains("covariate 0") && msg.contains("sample 4"),
        "{msg}"
    );
}

#[test]
fn too_few_samples_are_an_error() {
    let msg = wgr_error(WholeGenomeRidge::new(
        vec!["y".into()],
        phenotype(7).as_ref(),
        None,
        10,
        WgrOptions::default(),
    ));
    assert!(msg.contains("too few"), "{msg}");
    let options = WgrOptions {
        cross_validation: CrossValidation::KFold(1),
        ..WgrOptions::default()
    };
    let msg = wgr_error(WholeGenomeRidge::new(
        vec!["y".into()],
        phenotype(40).as_ref(),
        None,
        10,
        options,
    ));
    assert!(msg.contains("at least 2 folds"), "{msg}");
}

#[test]
fn binary_phenotypes_must_be_zero_or_one_with_both_classes() {
    let options = WgrOptions {
        trait_type: TraitType::Binary,
        ..WgrOptions::default()
    };
    let y = Mat::<f64>::from_fn(30, 1, |i, _| (i % 3) as f64);
    let msg = wgr_error(WholeGenomeRidge::new(
        vec!["case".into()],
        y.as_ref(),
        None,
        10,
        options.clone(),
    ));
    assert!(
        msg.contains("case") && msg.contains("expected 0 or 1"),
        "{msg}"
    );
    let y = Mat::<f64>::zeros(30, 1);
    let msg = wgr_error(WholeGenomeRidge::new(
        vec!["case".into()],
        y.as_ref(),
        None,
        10,
        options,
    ));
    assert!(msg.contains("constant"), "{msg}");
}

#[test]
fn contigs_must_come_together_and_shapes_must_fit() {
    let n = 30;
    let g = random(n, 3, 8);
    let mut wgr = WholeGenomeRidge::new(
        vec!["y".into()],
        phenotype(n).as_ref(),
        None,
        6,
        WgrOptions::default(),
    )
    .unwrap();
    wgr.push(g.as_ref(), &["1", "2", "2"]).unwrap();
    let err = wgr
        .push(g.as_ref(), &["1", "1", "1"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("contig 1 are not consecutive"), "{err}");
    let err = wgr
        .push(random(n + 1, 1, 2).as_ref(), &["3"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("31 dosage rows for 30 samples"), "{err}");
    let err = wgr.push(g.as_ref(), &["3"]).unwrap_err().to_string();
    assert!(err.contains("1 contig names for 3 variants"), "{err}");
}

#[test]
fn finishing_without_variants_is_an_error() {
    let wgr = WholeGenomeRidge::new(
        vec!["y".into()],
        phenotype(30).as_ref(),
        None,
        6,
        WgrOptions::default(),
    )
    .unwrap();
    let err = wgr.finish().unwrap_err().to_string();
    assert!(err.contains("no variants"), "{err}");
}

#[test]
fn monomorphic_and_missing_dosages_give_finite_predictions() {
    let n = 40;
    let mut g = random(n, 12, 21);
    let y = Mat::<f64>::from_fn(n, 2, |i, j| g[(i, 4 + j)] + 0.3 * ((i * 7 % 11) as f64));
    for i in 0..n {
        g[(i, 0)] = 1.0; // monomorphic
        if i % 5 == 0 {
            g[(i, 3)] = f64::NAN; // missing, mean-imputed
        }
    }
    for j in 0..12 {
        g[(0, j)] = f64::NAN;
    }
    let options = WgrOptions {
        block_size: 4,
        ..WgrOptions::default()
    };
    let mut wgr =
        WholeGenomeRidge::new(vec!["a".into(), "b".into()], y.as_ref(), None, 12, options).unwrap();
    let contigs: Vec<&str> = (0..12).map(|j| if j < 6 { "1" } else { "2" }).collect();
    wgr.push(g.as_ref(), &contigs).unwrap();
    let loco = wgr.finish().unwrap();
    assert_eq!(loco.values().len(), 2 * 2 * n);
    assert!(loco.values().iter().all(|v| v.is_finite()));
}
