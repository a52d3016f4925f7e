//! The Wald test: every variant's full maximum-likelihood fit with all
//! covariates, Firth's regression where that fit does not converge
//! (`plink2 --glm firth-fallback`).
//!
//! The fits of a block advance together. All start from the null model
//! (genotype coefficient 0), whose weights they share, so the first Newton
//! step of the block is three GEMMs. At later steps each variant v has its
//! own weights W_v, and its information matrix
//!
//! ```text
//! [ XᵀW_vX   XᵀW_vg ]
//! [ gᵀW_vX   gᵀW_vg ]
//! ```
//!
//! comes from GEMMs too: the pairwise products x_a·x_b (a ≤ b) of the
//! design's columns, an n × c(c+1)/2 matrix, times the n × m weight matrix
//! give every XᵀW_vX at once. The step itself solves the covariate block
//! by Cholesky and the genotype through its Schur complement, which is also
//! the inverse of the genotype's variance.

use faer::{Mat, MatRef};

use super::firth::{self, FirthParams, FirthProblem};
use super::{BlockResults, CHUNK, LogisticModel, Phenotype, TestFailure, linalg, pvalue};
use crate::Result;

/// Newton iterations before a fit counts as diverged (Glow's limit).
const MAX_ITER: usize = 25;
/// Convergence: no coefficient moves more than this in a step (Glow's
/// tolerance). The step is still applied, and Newton's convergence is
/// quadratic, so the estimate is good to about 10⁻¹²; the information, from
/// the point before the step, puts about 10⁻⁶ relative on the SE. A
/// tighter tolerance costs every variant one more pass.
const STEP_TOLERANCE: f64 = 1e-6;

/// One Wald test; plink2's `--glm` columns BETA (log odds ratio),
/// LOG(OR)_SE, Z_STAT, P and FIRTH?.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaldStats {
    /// Maximum-likelihood (or Firth) estimate of the log odds ratio per
    /// allele.
    pub beta: f64,
    /// Its standard error, from the inverse information at the estimate.
    pub standard_error: f64,
    /// beta / standard_error.
    pub z: f64,
    /// Two-sided p-value of `z`; 0 when it underflows, see
    /// [`neg_log10_p`](Self::neg_log10_p).
    pub p_value: f64,
    /// −log₁₀ of the p-value, exact where the p-value underflows.
    pub neg_log10_p: f64,
    /// Whether the fit did not converge and Firth's penalized regression
    /// gave the estimate (plink2's `FIRTH?` = Y).
    pub firth: bool,
}

/// What the Newton iterations of one variant ended with.
#[derive(Debug, Clone)]
pub(super) enum Fit {
    Converged {
        /// Genotype coefficient.
        gamma: f64,
        /// Its variance (inverse Schur complement of the information).
        variance: f64,
        /// Log-likelihood (computed only when asked for, else 0).
        loglik: f64,
    },
    NoVariation,
    Diverged,
}

impl LogisticModel {
    /// Wald test of every variant of the block (n × m dosages, one column
    /// per variant) against every phenotype: the full logistic regression
    /// of the phenotype on the covariates and the dosage, and where it does
    /// not converge within 25 Newton steps (separation, typically a rare
    /// variant carried only by cases or only by controls) Firth's penalized
    /// regression, as `plink2 --glm firth-fallback` reports.
    ///
    /// # Errors
    ///
    /// A block whose row count is not the model's, or a non-finite dosage.
    ///
    /// # Examples
    ///
    /// ```
    /// use faer::{Mat, mat};
    /// use genolake_stats::gwas::logistic::LogisticModel;
    ///
    /// let phenotypes = mat![[0.0], [0.0], [1.0], [1.0], [0.0], [1.0], [1.0], [0.0]];
    /// let model = LogisticModel::builder(phenotypes.as_ref()).build()?;
    /// // The only carrier is a case: no finite maximum-likelihood estimate.
    /// let dosages = Mat::from_fn(8, 1, |i, _| if i == 2 { 1.0 } else { 0.0 });
    /// let results = model.wald_test(dosages.as_ref())?;
    /// let stats = results.get(0, 0).as_ref().unwrap();
    /// assert!(stats.firth && stats.beta > 0.0 && stats.beta.is_finite());
    /// # Ok::<(), genolake_stats::Error>(())
    /// ```
    pub fn wald_test(&self, dosages: MatRef<'_, f64>) -> Result<BlockResults<WaldStats>> {
        self.check_block(dosages)?;
        let m = dosages.ncols();
        let c = self.covariates;
        Ok(self.per_phenotype(m, |_, ph, cells| {
            let mut start = 0;
            while start < m {
                let width = CHUNK.min(m - start);
                let g = gather(ph, dosages, start, width);
                // plink2 goes straight to Firth when all of a variant's
                // dosage is in cases or all in controls (the maximum
                // likelihood estimate is infinite); so do we, which also
                // spares those variants 25 futile Newton steps.
                let separated: Vec<bool> = (0..width)
                    .map(|v| {
                        let gv = g.col_as_slice(v);
                        let total: f64 = gv.iter().sum();
                        let in_cases = linalg::dot(gv, &ph.y);
                        total != 0.0 && (in_cases == 0.0 || in_cases == total)
                    })
                    .collect();
                let fits = fit_block(ph, c, g.as_ref(), &separated, false);
                for (v, fit) in fits.into_iter().enumerate() {
                    cells[start + v] = match fit {
                        Fit::Converged {
                            gamma, variance, ..
                        } => Ok(wald_stats(gamma, variance.sqrt(), false)),
                        Fit::NoVariation => Err(TestFailure::NoVariation),
                        Fit::Diverged => firth_fallback(ph, c, g.col_as_slice(v)),
                    };
                }
                start += width;
            }
        }))
    }
}

fn wald_stats(beta: f64, standard_error: f64, firth: bool) -> WaldStats {
    let z = beta / standard_error;
    let (p_value, neg_log10_p) = pvalue::normal_two_sided(z);
    WaldStats {
        beta,
        standard_error,
        z,
        p_value,
        neg_log10_p,
        firth,
    }
}

/// Firth's regression of the phenotype on the covariates and the dosages
/// `g` (of the phenotype's samples).
fn firth_fallback(
    ph: &Phenotype,
    c: usize,
    g: &[f64],
) -> std::result::Result<WaldStats, TestFailure> {
    let n = ph.n();
    let mut x = Vec::with_capacity(n * (c + 1));
    x.extend_from_slice(&ph.x);
    x.extend_from_slice(g);
    let problem = FirthProblem {
        x: &x,
        n,
        k: c + 1,
        y: &ph.y,
        offset: &ph.offset,
    };
    let mut start = ph.beta.clone();
    start.push(0.0);
    let fit = firth::fit(&problem, c + 1, &start, &FirthParams::TIGHT)
        .ok_or(TestFailure::FirthNotConverged)?;
    // The last diagonal entry of I⁻¹ is 1/L_kk².
    let standard_error = 1.0 / fit.chol[c * (c + 1) + c];
    Ok(wald_stats(fit.beta[c], standard_error, true))
}

/// Columns `start..start + width` of the block, restricted to the
/// phenotype's samples, as an owned column-major matrix.
pub(super) fn gather(
    ph: &Phenotype,
    dosages: MatRef<'_, f64>,
    start: usize,
    width: usize,
) -> Mat<f64> {
    match &ph.observed {
        None => Mat::from_fn(dosages.nrows(), width, |i, v| dosages[(i, start + v)]),
        Some(obs) => Mat::from_fn(obs.len(), width, |r, v| dosages[(obs[r], start + v)]),
    }
}

/// x_a·x_b for a ≤ b, the columns of the pairwise-product matrix in the
/// order (0,0), (1,0), (1,1), (2,0), …
fn pair_products(ph: &Phenotype, c: usize) -> Mat<f64> {
    let n = ph.n();
    let mut k = Mat::zeros(n, c * (c + 1) / 2);
    let mut col = 0;
    for a in 0..c {
        for b in 0..=a {
            for i in 0..n {
                k[(i, col)] = ph.x[a * n + i] * ph.x[b * n + i];
            }
            col += 1;
        }
    }
    k
}

/// Newton step of one variant from its information and score: solves the
/// covariate block by Cholesky (factor in `chol`), the genotype through the
/// Schur complement, with the scratch vectors [u, Δβ]. Returns (Δγ, Schur
/// complement) with Δβ in the second scratch vector, or `None` when the
/// genotype has no variation left after the covariates.
fn newton_step(
    chol: &[f64],
    c: usize,
    h_xg: &[f64],
    h_gg: f64,
    s_x: &[f64],
    s_g: f64,
    [u, delta_beta]: [&mut [f64]; 2],
) -> Option<(f64, f64)> {
    u.copy_from_slice(h_xg);
    linalg::solve(chol, c, c, u);
    let schur = h_gg - linalg::dot(h_xg, u);
    if schur.is_nan() || schur <= 1e-9 * h_gg {
        return None;
    }
    delta_beta.copy_from_slice(s_x);
    linalg::solve(chol, c, c, delta_beta);
    let delta_gamma = (s_g - linalg::dot(h_xg, delta_beta)) / schur;
    for (d, ui) in delta_beta.iter_mut().zip(u.iter()) {
        *d -= ui * delta_gamma;
    }
    Some((delta_gamma, schur))
}

/// Fits every column of `g` (the phenotype's samples × variants) by
/// Newton's method from the null model; the columns flagged in `separated`
/// are not fitted and come back [`Fit::Diverged`].
pub(super) fn fit_block(
    ph: &Phenotype,
    c: usize,
    g: MatRef<'_, f64>,
    separated: &[bool],
    want_loglik: bool,
) -> Vec<Fit> {
    let n = ph.n();
    let m = g.ncols();
    let x = MatRef::from_column_major_slice(&ph.x, n, c);
    let mut fits = vec![Fit::Diverged; m];
    let mut beta = Mat::<f64>::zeros(c, m); // β − β_null
    let mut gamma = vec![0.0; m];
    let mut u = vec![0.0; c];
    let mut delta_beta = vec![0.0; c];
    let mut active: Vec<usize> = Vec::with_capacity(m);

    // Step 0: the null model's weights and residuals, shared by the block.
    let mut weighted = Mat::<f64>::zeros(n, m);
    for v in 0..m {
        for i in 0..n {
            weighted[(i, v)] = ph.w[i] * g[(i, v)];
        }
    }
    let mut h_xg = Mat::<f64>::zeros(c, m);
    linalg::gemm(h_xg.as_mut(), x.transpose(), weighted.as_ref());
    let residual: Vec<f64> = ph.y.iter().zip(&ph.mu).map(|(y, mu)| y - mu).collect();
    let s_x: Vec<f64> = (0..c)
        .map(|a| linalg::dot(&ph.x[a * n..(a + 1) * n], &residual))
        .collect();
    for v in 0..m {
        let gv = g.col(v).try_as_col_major().map(|col| col.as_slice());
        let (h_gg, s_g) = match gv {
            Some(gv) => (
                linalg::dot(weighted.col_as_slice(v), gv),
                linalg::dot(&residual, gv),
            ),
            None => (0..n).fold((0.0, 0.0), |(a, b), i| {
                (
                    a + weighted[(i, v)] * g[(i, v)],
                    b + residual[i] * g[(i, v)],
                )
            }),
        };
        let h_xg_v: Vec<f64> = (0..c).map(|a| h_xg[(a, v)]).collect();
        let Some((dg, _)) = newton_step(
            &ph.fisher_chol,
            c,
            &h_xg_v,
            h_gg,
            &s_x,
            s_g,
            [&mut u, &mut delta_beta],
        ) else {
            fits[v] = Fit::NoVariation;
            continue;
        };
        for a in 0..c {
            beta[(a, v)] = delta_beta[a];
        }
        gamma[v] = dg;
        if separated[v] || !dg.is_finite() || delta_beta.iter().any(|d| !d.is_finite()) {
            continue; // Diverged
        }
        active.push(v);
    }
    if active.is_empty() {
        return fits;
    }

    let pairs = ph.pairs.get_or_init(|| pair_products(ph, c));
    let p2 = c * (c + 1) / 2;
    let mut info = vec![0.0; c * c];
    // Work matrices, allocated once: each iteration uses their first `a`
    // columns, where the variants still iterating are packed in order.
    let mut ga = Mat::<f64>::zeros(n, m);
    let mut ba = Mat::<f64>::zeros(c, m);
    let mut gam = vec![0.0; m];
    for (pos, &v) in active.iter().enumerate() {
        for i in 0..n {
            ga[(i, pos)] = g[(i, v)];
        }
        for p in 0..c {
            ba[(p, pos)] = beta[(p, v)];
        }
        gam[pos] = gamma[v];
    }
    let mut w = Mat::<f64>::zeros(n, m);
    let mut r = Mat::<f64>::zeros(n, m);
    let mut wg = weighted;
    let mut h_xx = Mat::<f64>::zeros(p2, m);
    let mut s_x = Mat::<f64>::zeros(c, m);
    let mut h_gg = vec![0.0; m];
    let mut s_g = vec![0.0; m];
    let mut loglik = vec![0.0; m];
    let mut keep = vec![false; m];
    for _ in 0..MAX_ITER {
        let a = active.len();
        if a == 0 {
            break;
        }
        // η = η_null + XΔβ + gγ, then μ, W and the residuals in place.
        linalg::gemm(w.as_mut().subcols_mut(0, a), x, ba.as_ref().subcols(0, a));
        for j in 0..a {
            let gj = ga.col_as_slice(j);
            let gamma_j = gam[j];
            let wj = w.col_as_slice_mut(j);
            let rj = r.col_as_slice_mut(j);
            if want_loglik {
                let mut ll = 0.0;
                for i in 0..n {
                    let eta = ph.eta[i] + wj[i] + gamma_j * gj[i];
                    let (mu, softplus) = linalg::sigmoid_softplus(eta);
                    ll += ph.y[i] * eta - softplus;
                    wj[i] = mu * linalg::sigmoid(-eta);
                    rj[i] = ph.y[i] - mu;
                }
                loglik[j] = ll;
            } else {
                linalg::weights_and_residuals(wj, rj, &ph.eta, &ph.y, gj, gamma_j);
            }
            let wgj = wg.col_as_slice_mut(j);
            for i in 0..n {
                wgj[i] = wj[i] * gj[i];
            }
            h_gg[j] = linalg::dot(wgj, gj);
            s_g[j] = linalg::dot(r.col_as_slice(j), gj);
        }
        linalg::gemm(
            h_xx.as_mut().subcols_mut(0, a),
            pairs.transpose(),
            w.as_ref().subcols(0, a),
        );
        linalg::gemm(
            h_xg.as_mut().subcols_mut(0, a),
            x.transpose(),
            wg.as_ref().subcols(0, a),
        );
        linalg::gemm(
            s_x.as_mut().subcols_mut(0, a),
            x.transpose(),
            r.as_ref().subcols(0, a),
        );

        for j in 0..a {
            keep[j] = false;
            let v = active[j];
            let mut col = 0;
            for p in 0..c {
                for q in 0..=p {
                    info[p * c + q] = h_xx[(col, j)];
                    info[q * c + p] = h_xx[(col, j)];
                    col += 1;
                }
            }
            if !linalg::cholesky(&mut info, c) {
                continue; // Diverged: weights vanished
            }
            let Some((dg, schur)) = newton_step(
                &info,
                c,
                h_xg.col_as_slice(j),
                h_gg[j],
                s_x.col_as_slice(j),
                s_g[j],
                [&mut u, &mut delta_beta],
            ) else {
                continue; // Diverged: the genotype's weights vanished
            };
            if !dg.is_finite() || delta_beta.iter().any(|d| !d.is_finite()) {
                continue;
            }
            let largest = delta_beta.iter().fold(dg.abs(), |acc, d| acc.max(d.abs()));
            if largest < STEP_TOLERANCE {
                fits[v] = Fit::Converged {
                    gamma: gam[j] + dg,
                    variance: 1.0 / schur,
                    loglik: loglik[j],
                };
                continue;
            }
            for p in 0..c {
                ba[(p, j)] += delta_beta[p];
            }
            gam[j] += dg;
            keep[j] = true;
        }
        // Pack the variants still iterating to the front, in order.
        let mut pos = 0;
        for j in 0..a {
            if !keep[j] {
                continue;
            }
            if pos != j {
                for i in 0..n {
                    ga[(i, pos)] = ga[(i, j)];
                }
                for p in 0..c {
                    ba[(p, pos)] = ba[(p, j)];
                }
                gam[pos] = gam[j];
                active[pos] = active[j];
            }
            pos += 1;
        }
        active.truncate(pos);
    }
    fits
}
