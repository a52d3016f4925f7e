//! The exact test of Hardy-Weinberg equilibrium for a biallelic site
//! (Wigginton, Cutler and Abecasis 2005), with its mid-p variant (Graffelman
//! and Moreno 2013), computed as plink2's `--hardy` does: the p-value is the
//! probability, given the allele counts, of a heterozygote count at most as
//! likely as the observed one.
//!
//! # How it stays accurate
//!
//! Under equilibrium, given `n` genotypes carrying `r` copies of the rarer
//! allele, the heterozygote count `h` has the probability mass
//! `P(h) ∝ 2^h / (h! · ((r−h)/2)! · (n−h−(r−h)/2)!)`, unimodal, on
//! `h ≡ r (mod 2)`. Neighbouring masses differ by the ratio
//! `P(h+2)/P(h) = 4 · homr(h) · homc(h) / ((h+2)(h+1))`, so the whole
//! distribution can be walked with one multiplication a step, each ratio
//! computed from exact integer products (three roundings).
//!
//! Masses are kept relative to the observed count, which is 1. The walk
//! towards the mode adds the masses above 1 to the *center*; it rescales
//! both the running mass and the center by 2^-800 whenever they pass 2^800,
//! so an observation as unlikely as 10^-300 neither overflows nor loses
//! precision, and the p-value comes out with a relative error of about
//! 10^-13 however small it is (until it underflows `f64` below 10^-308).
//! Both tails are summed until a term no longer changes the sum, which
//! bounds the work by the width of the distribution rather than by `n`.
//! Masses within a relative 10^-12 of the observed one are ties: the
//! classic p-value counts them in the tail, the mid-p value counts them, and
//! the observed mass itself, by half.

/// Relative difference under which two masses count as equal.
const TIE: f64 = 1e-12;
/// Rescaling step of the center walk: 2^800 and its inverse.
const SCALE_UP: f64 = 6.668_014_432_879_854e240;
const SCALE_DOWN: f64 = 1.0 / SCALE_UP;
/// A term under this fraction of its sum no longer changes it.
const NEGLIGIBLE: f64 = 1.0 / (1u64 << 60) as f64;

/// The exact test's result for one site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HweTest {
    /// The classic exact p-value (`plink2 --hardy`).
    pub p_value: f64,
    /// The mid-p value (`plink2 --hardy midp`, Glow's and Hail's
    /// `pValueHwe`): outcomes as likely as the observed one count by half.
    pub mid_p: f64,
}

/// Counts of one site, oriented so that `homr` is the rarer homozygote.
struct Site {
    n: u64,
    rare: u64,
}

impl Site {
    fn homr(&self, het: u64) -> u64 {
        (self.rare - het) / 2
    }

    fn homc(&self, het: u64) -> u64 {
        self.n - het - self.homr(het)
    }

    /// P(het + 2) / P(het); `het + 2 <= rare`.
    fn up(&self, het: u64) -> f64 {
        let num = 4 * u128::from(self.homr(het)) * u128::from(self.homc(het));
        let den = u128::from(het + 2) * u128::from(het + 1);
        num as f64 / den as f64
    }

    /// P(het − 2) / P(het); `het >= 2`.
    fn down(&self, het: u64) -> f64 {
        let num = u128::from(het) * u128::from(het - 1);
        let den = 4 * u128::from(self.homr(het) + 1) * u128::from(self.homc(het) + 1);
        num as f64 / den as f64
    }

    /// The next count from `het` in `direction` (+1 up, −1 down), if any,
    /// and the ratio of its mass to that of `het`.
    fn step(&self, het: u64, up: bool) -> Option<(u64, f64)> {
        if up {
            (het + 2 <= self.rare).then(|| (het + 2, self.up(het)))
        } else {
            (het >= 2).then(|| (het - 2, self.down(het)))
        }
    }
}

/// The exact test of Hardy-Weinberg equilibrium for `het` heterozygotes
/// and `hom1`, `hom2` homozygotes of either allele.
///
/// ```
/// use genolake_stats::hwe_exact;
///
/// // No genotypes: nothing to reject.
/// assert_eq!(hwe_exact(0, 0, 0).p_value, 1.0);
/// // Heterozygotes only, 50 of them: far from equilibrium.
/// let test = hwe_exact(50, 0, 0);
/// assert!(test.p_value < 1e-10 && test.mid_p < test.p_value);
/// ```
pub fn hwe_exact(het: u64, hom1: u64, hom2: u64) -> HweTest {
    let n = het + hom1 + hom2;
    if n == 0 {
        return HweTest {
            p_value: 1.0,
            mid_p: 0.5,
        };
    }
    let site = Site {
        n,
        rare: het + 2 * hom1.min(hom2),
    };
    // Which side of the observation the mode lies on.
    let up = site.step(het, true).is_some_and(|(_, ratio)| ratio > 1.0);

    // The near tail: from the observation away from the mode.
    let mut near = 1.0;
    let mut near_ties = 0.0;
    let mut mass = 1.0;
    let mut h = het;
    while let Some((next, ratio)) = site.step(h, !up) {
        mass *= ratio;
        if h == het && mass >= 1.0 - TIE {
            // A second mode beside the observed one.
            near_ties += mass;
        }
        let before = near;
        near += mass;
        if near == before || mass < near * NEGLIGIBLE {
            break;
        }
        h = next;
    }

    // Towards the mode and beyond: the center, then the far tail. Masses are
    // in units of `scale` times the observed one.
    let mut scale = 1.0f64;
    let mut center = 0.0f64;
    let mut far = 0.0f64;
    let mut ties = 0.0f64;
    let mut mass = 1.0f64;
    let mut h = het;
    let mut in_tail = false;
    while let Some((next, ratio)) = site.step(h, up) {
        mass *= ratio;
        h = next;
        if !in_tail {
            if mass > scale * (1.0 + TIE) {
                center += mass;
                if mass > SCALE_UP {
                    mass *= SCALE_DOWN;
                    center *= SCALE_DOWN;
                    scale *= SCALE_DOWN;
                }
                continue;
            }
            in_tail = true;
            if mass >= scale * (1.0 - TIE) {
                ties += mass;
            }
            far += mass;
        } else {
            let before = far;
            far += mass;
            if far == before || mass < (far + near * scale) * NEGLIGIBLE {
                break;
            }
        }
    }
    let tail = near * scale + far;
    let total = center + tail;
    HweTest {
        p_value: (tail / total).min(1.0),
        mid_p: ((tail - 0.5 * ((1.0 + near_ties) * scale + ties)) / total).clamp(0.0, 1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The p-values by direct summation over the whole support, in f64,
    /// accurate enough for small sites.
    fn direct(het: u64, hom1: u64, hom2: u64) -> (f64, f64) {
        let n = het + hom1 + hom2;
        let rare = het + 2 * hom1.min(hom2);
        let ln_fact = |k: u64| (1..=k).map(|i| (i as f64).ln()).sum::<f64>();
        let ln_p = |h: u64| {
            let homr = (rare - h) / 2;
            let homc = n - h - homr;
            h as f64 * 2f64.ln() - ln_fact(h) - ln_fact(homr) - ln_fact(homc)
        };
        let observed = ln_p(het);
        let (mut total, mut tail, mut ties) = (0.0, 0.0, 0.0);
        let mut h = rare % 2;
        while h <= rare {
            let p = (ln_p(h) - observed).exp();
            total += p;
            if p <= 1.0 + 1e-9 {
                tail += p;
            }
            if (p - 1.0).abs() <= 1e-9 {
                ties += p;
            }
            h += 2;
        }
        (tail / total, (tail - 0.5 * ties) / total)
    }

    #[test]
    fn no_genotypes_reject_nothing() {
        assert_eq!(
            hwe_exact(0, 0, 0),
            HweTest {
                p_value: 1.0,
                mid_p: 0.5
            }
        );
    }

    #[test]
    fn small_tables_match_direct_summation() {
        for het in 0..12 {
            for hom1 in 0..12 {
                for hom2 in 0..12 {
                    if het + hom1 + hom2 == 0 {
                        continue;
                    }
                    let test = hwe_exact(het, hom1, hom2);
                    let (p, mid_p) = direct(het, hom1, hom2);
                    assert!(
                        (test.p_value - p).abs() <= 1e-12 * p.max(1e-300),
                        "{het} {hom1} {hom2}: {test:?} against {p}"
                    );
                    assert!(
                        (test.mid_p - mid_p).abs() <= 1e-12 * mid_p.max(1e-300) + 1e-15,
                        "{het} {hom1} {hom2}: {test:?} against {mid_p}"
                    );
                }
            }
        }
    }

    #[test]
    fn extreme_tables_neither_overflow_nor_lose_the_tail() {
        // 100,000 heterozygotes: p far below f64's range, but not NaN.
        let all_het = hwe_exact(100_000, 0, 0);
        assert_eq!(all_het.p_value, 0.0);
        // Strong but representable departures stay positive and ordered.
        let a = hwe_exact(600, 0, 0).p_value;
        let b = hwe_exact(500, 0, 0).p_value;
        assert!(a > 0.0 && b > a && b < 1e-100, "{a} {b}");
    }

    proptest::proptest! {
        #[test]
        fn p_values_are_probabilities_symmetric_in_the_homozygotes(het in 0u64..400, hom1 in 0u64..400, hom2 in 0u64..400) {
            let test = hwe_exact(het, hom1, hom2);
            proptest::prop_assert!(test.p_value > 0.0 && test.p_value <= 1.0 || het + hom1 + hom2 > 0 && test.p_value >= 0.0);
            proptest::prop_assert!(test.mid_p <= test.p_value && test.mid_p >= 0.0);
            proptest::prop_assert_eq!(test, hwe_exact(het, hom2, hom1));
        }

        #[test]
        fn medium_tables_match_direct_summation(het in 0u64..80, hom1 in 0u64..80, hom2 in 0u64..80) {
            proptest::prop_assume!(het + hom1 + hom2 > 0);
            let test = hwe_exact(het, hom1, hom2);
            let (p, mid_p) = direct(het, hom1, hom2);
            proptest::prop_assert!((test.p_value - p).abs() <= 1e-10 * p.max(1e-300));
            proptest::prop_assert!((test.mid_p - mid_p).abs() <= 1e-10 * mid_p.max(1e-300) + 1e-14);
        }
    }
}
