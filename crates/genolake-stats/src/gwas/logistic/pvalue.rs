//! Upper tail of the χ² distribution with one degree of freedom, accurate
//! down to p-values far below `f64`'s smallest.
//!
//! P(χ²₁ > x) = erfc(√(x/2)). Where erfc underflows (x above about 1,400)
//! the p-value itself cannot be represented, but its logarithm can: the
//! asymptotic series of erfc gives −log₁₀ p to full precision there, which
//! is what GWAS tables print (REGENIE's `LOG10P`).

/// P(χ²₁ > x) and −log₁₀ of it: [`crate::gwas::pvalue::chi2_1df`], as a
/// pair. A negative or NaN `x` is the caller's error; it is mapped to
/// p = 1 only for x in (−∞, 0].
pub(crate) fn chi2_1df(x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (1.0, 0.0);
    }
    let tail = crate::gwas::pvalue::chi2_1df(x);
    (tail.p, tail.log10p)
}

/// Two-sided p-value of a standard normal statistic, and −log₁₀ of it.
pub(crate) fn normal_two_sided(z: f64) -> (f64, f64) {
    chi2_1df(z * z)
}

#[cfg(test)]
mod tests {
    use std::f64::consts::{LN_10, PI};

    use super::*;

    #[test]
    fn matches_known_quantiles_and_stays_continuous_where_erfc_underflows() {
        // Expected values from scipy.stats.chi2; statrs' erfc is good to
        // about 10⁻¹⁰ relative. isf(0.05, 1) = 3.8414588206941285:
        let (p, _) = chi2_1df(3.8414588206941285);
        assert!((p / 0.05 - 1.0).abs() < 1e-9, "{p}");
        // sf(100, 1) = 1.5239706048320995e-23, −log10 = 22.817023409822095
        let (p, l) = chi2_1df(100.0);
        assert!((p / 1.5239706048320995e-23 - 1.0).abs() < 1e-9, "{p}");
        assert!((l - 22.817023409822095).abs() < 1e-8, "{l}");
        // −chi2.logsf(1325, 1) / ln 10 = 289.37958929183344
        let (_, l) = chi2_1df(1325.0);
        assert!((l - 289.37958929183344).abs() < 1e-8, "{l}");
        // Either side of the switch to the series agrees.
        let x = 1325.0;
        let (_, below) = chi2_1df(x);
        let z = (x / 2.0_f64).sqrt();
        let z2 = z * z;
        let series = 1.0 - 1.0 / (2.0 * z2) + 3.0 / (4.0 * z2 * z2) - 15.0 / (8.0 * z2 * z2 * z2);
        let asymptotic = (z2 + (z * PI.sqrt()).ln() - series.ln()) / LN_10;
        assert!((below - asymptotic).abs() < 1e-8, "{below} vs {asymptotic}");
        let (p, l) = chi2_1df(5000.0);
        assert_eq!(p, 0.0);
        assert!((l - 1_087.683_836_566).abs() < 1e-6, "{l}");
    }
}
