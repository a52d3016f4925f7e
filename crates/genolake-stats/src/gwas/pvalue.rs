//! Two-sided p-values of the t and χ²₁ tests, with their −log₁₀ kept
//! accurate where the p-value itself underflows.
//!
//! A genome-wide scan produces p-values far below `f64`'s smallest normal
//! number for strong associations (REGENIE prints LOG10P in the hundreds).
//! Both tails are computed directly as upper tails, never as `1 − cdf`, and
//! when a tail underflows its logarithm comes from the leading terms of an
//! expansion whose error is far below what the statistic itself carries.

#[cfg(test)]
use statrs::function::beta::beta_reg;
use statrs::function::beta::ln_beta;
use statrs::function::erf::erfc;

/// Below this a p-value is recomputed in the log domain: `f64` still holds
/// it, but its relative precision fades into the subnormals.
const TINY: f64 = 1e-290;

/// A p-value and its −log₁₀.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PValue {
    /// The p-value; 0 when it underflows `f64`.
    pub p: f64,
    /// −log₁₀ p, finite even when `p` underflows.
    pub log10p: f64,
}

/// The two-sided p-value of a Student t statistic with `dof` degrees of
/// freedom: P(|T| ≥ |t|).
///
/// ```
/// use genolake_stats::gwas::pvalue::t_two_sided;
///
/// let p = t_two_sided(2.0, 10.0);
/// assert!((p.p - 0.073388).abs() < 1e-6);
/// // Far in the tail the p-value underflows; its logarithm does not.
/// let far = t_two_sided(1e4, 2000.0);
/// assert_eq!(far.p, 0.0);
/// assert!(far.log10p > 1000.0 && far.log10p.is_finite());
/// ```
pub fn t_two_sided(t: f64, dof: f64) -> PValue {
    StudentT::new(dof).two_sided(t)
}

/// Student's t distribution of a fixed number of degrees of freedom, for
/// many two-sided tests: the normalising constant B(dof/2, 1/2) is
/// computed once instead of once per test.
#[derive(Debug, Clone, Copy)]
pub struct StudentT {
    dof: f64,
    ln_beta: f64,
}

impl StudentT {
    /// The distribution with `dof` degrees of freedom (p-values are NaN
    /// unless `dof` > 0).
    pub fn new(dof: f64) -> Self {
        let ln_beta = if dof > 0.0 {
            ln_beta(dof / 2.0, 0.5)
        } else {
            f64::NAN
        };
        Self { dof, ln_beta }
    }

    /// P(|T| ≥ |t|), see [`t_two_sided`].
    pub fn two_sided(&self, t: f64) -> PValue {
        let dof = self.dof;
        if !t.is_finite() || dof.is_nan() || dof <= 0.0 {
            return PValue {
                p: f64::NAN,
                log10p: f64::NAN,
            };
        }
        let t2 = t * t;
        // P(|T| ≥ |t|) = I_x(dof/2, 1/2) with x = dof / (dof + t²); 1 − x
        // is formed from t² directly so that it keeps its precision.
        let x = dof / (dof + t2);
        let one_minus_x = t2 / (dof + t2);
        let p = beta_reg_cached(dof / 2.0, 0.5, x, one_minus_x, self.ln_beta).clamp(0.0, 1.0);
        if p >= TINY {
            return PValue {
                p,
                log10p: -p.log10(),
            };
        }
        let ln_p = ln_beta_reg_small_x(dof / 2.0, 0.5, x, one_minus_x);
        PValue {
            p: ln_p.exp(),
            log10p: -ln_p / std::f64::consts::LN_10,
        }
    }
}

/// The regularised incomplete beta function I_x(a, b) given ln B(a, b):
/// the continued fraction of I_x where it converges fast (x below the
/// mean (a + 1) / (a + b + 2)), else 1 − I_{1−x}(b, a).
fn beta_reg_cached(a: f64, b: f64, x: f64, one_minus_x: f64, ln_beta_ab: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if one_minus_x <= 0.0 {
        return 1.0;
    }
    let front = (a * x.ln() + b * one_minus_x.ln() - ln_beta_ab).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * continued_fraction(a, b, x) / a
    } else {
        1.0 - front * continued_fraction(b, a, one_minus_x) / b
    }
}

/// The continued fraction of I_x(a, b) = xᵃ(1−x)ᵇ / (a B(a,b)) ·
/// 1/(1+ d₁/(1+ d₂/(1+ …))), with d₂ₘ₊₁ = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1))
/// and d₂ₘ = m(b−m)x / ((a+2m−1)(a+2m)), evaluated by Lentz's method.
fn continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const FLOOR: f64 = 1e-300;
    let guard = |v: f64| if v.abs() < FLOOR { FLOOR } else { v };
    let mut c = 1.0f64;
    let mut d = 1.0 / guard(1.0 - (a + b) * x / (a + 1.0));
    let mut h = d;
    for m in 1..10_000 {
        let m = f64::from(m);
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// The p-value of a χ² statistic with one degree of freedom (the two-sided
/// p-value of a standard normal z with z² = `chisq`).
///
/// ```
/// use genolake_stats::gwas::pvalue::chi2_1df;
///
/// let p = chi2_1df(3.841459);
/// assert!((p.p - 0.05).abs() < 1e-7);
/// let far = chi2_1df(5000.0);
/// assert_eq!(far.p, 0.0);
/// assert!((far.log10p - 1087.68384).abs() < 1e-5);
/// ```
pub fn chi2_1df(chisq: f64) -> PValue {
    if chisq.is_nan() || chisq < 0.0 || chisq.is_infinite() {
        return PValue {
            p: f64::NAN,
            log10p: f64::NAN,
        };
    }
    let z = (chisq / 2.0).sqrt();
    let p = erfc(z).clamp(0.0, 1.0);
    if p >= TINY {
        return PValue {
            p,
            log10p: -p.log10(),
        };
    }
    // erfc(z) = e^{−z²} / (z√π) · (1 − 1/(2z²) + 3/(4z⁴) − 15/(8z⁶) + …);
    // z is above 25 here, so the omitted terms are below 10⁻¹².
    let w = 1.0 / (2.0 * z * z);
    let series = 1.0 - w + 3.0 * w * w - 15.0 * w * w * w;
    let ln_p = -z * z - (z * std::f64::consts::PI.sqrt()).ln() + series.ln();
    PValue {
        p: ln_p.exp(),
        log10p: -ln_p / std::f64::consts::LN_10,
    }
}

/// ln I_x(a, b) for the small x where I_x underflows, from
/// I_x(a, b) = xᵃ (1 − x)ᵇ / (a B(a, b)) · ₂F₁(a + b, 1; a + 1; x)
/// (DLMF 8.17.8); the hypergeometric series has positive terms whose ratio
/// tends to x, so it converges fast for the x that reach this function.
fn ln_beta_reg_small_x(a: f64, b: f64, x: f64, one_minus_x: f64) -> f64 {
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    for k in 0..100_000 {
        let k = f64::from(k);
        term *= (a + b + k) / (a + 1.0 + k) * x;
        sum += term;
        if term <= sum * 1e-17 {
            break;
        }
    }
    a * x.ln() + b * one_minus_x.ln() - a.ln() - ln_beta(a, b) + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_domain_joins_the_direct_computation_where_both_hold() {
        // Just above the switch both ways are exact; they must agree.
        for dof in [5.0, 100.0, 2000.0] {
            for t in [5.0, 10.0, 20.0, 30.0] {
                let x = dof / (dof + t * t);
                let direct = beta_reg(dof / 2.0, 0.5, x);
                if direct > 1e-280 {
                    let logged = ln_beta_reg_small_x(dof / 2.0, 0.5, x, t * t / (dof + t * t));
                    assert!(
                        (direct.ln() - logged).abs() < 1e-9 * direct.ln().abs().max(1.0),
                        "dof {dof} t {t}: {} against {logged}",
                        direct.ln()
                    );
                }
            }
        }
        for chisq in [100.0, 500.0, 1300.0] {
            let z: f64 = (chisq / 2.0f64).sqrt();
            let w = 1.0 / (2.0 * z * z);
            let series = 1.0 - w + 3.0 * w * w - 15.0 * w * w * w;
            let ln_p = -z * z - (z * std::f64::consts::PI.sqrt()).ln() + series.ln();
            let direct = erfc(z).ln();
            assert!((direct - ln_p).abs() < 1e-6 * direct.abs(), "{chisq}");
        }
    }

    #[test]
    fn the_cached_incomplete_beta_is_statrs_one() {
        for dof in [1.0, 3.0, 10.0, 100.0, 1989.0, 1e5] {
            let t_dist = StudentT::new(dof);
            for t in [0.0, 1e-3, 0.1, 0.5, 1.0, 1.96, 3.0, 5.0, 8.0, 15.0] {
                let x = dof / (dof + t * t);
                let expected = beta_reg(dof / 2.0, 0.5, x);
                let ours = t_dist.two_sided(t).p;
                // statrs forms 1 − x by subtraction, which loses digits
                // when t² ≪ dof: its error there is about ε · dof / t².
                let statrs_error = if t > 0.0 { 1e-16 * dof / (t * t) } else { 0.0 };
                assert!(
                    (ours - expected).abs() <= 1e-12 * expected.max(1e-300) + 1e-15 + statrs_error,
                    "dof {dof} t {t}: {ours} against {expected}"
                );
            }
        }
    }

    #[test]
    fn p_values_are_continuous_across_the_switch() {
        let below = chi2_1df(1325.0);
        let above = chi2_1df(1340.0);
        assert!(below.p > 0.0 && above.log10p > below.log10p);
        let t_below = t_two_sided(60.0, 500.0);
        let t_above = t_two_sided(200.0, 500.0);
        assert!(t_above.log10p > t_below.log10p);
    }
}
