//! Glow's genotype and array helpers that are not per-variant counts:
//! `hard_calls` and `mean_substitute` (`genotype_states` sits with the
//! counts, `array_summary_stats` with the moments).

use crate::error::{Error, Result};

/// Glow's `hard_calls`: diploid calls from genotype probabilities (BGEN's
/// `posteriorProbabilities`, say).
///
/// Phased probabilities hold one run of `alternates + 1` allele
/// probabilities per haplotype: each haplotype gets the allele of the
/// highest probability at or above `threshold`, or −1. Unphased ones hold
/// one probability per genotype in colex order (0/0, 0/1, 1/1, 0/2, 1/2,
/// 2/2, ...): the genotype of the highest probability at or above
/// `threshold` is returned as its two alleles, or −1, −1.
///
/// ```
/// use genolake_stats::hard_calls;
///
/// assert_eq!(hard_calls(&[0.0, 0.05, 0.95], 1, false, 0.9)?, [1, 1]);
/// assert_eq!(hard_calls(&[0.0, 0.05, 0.95, 0.0, 0.0, 0.0], 2, false, 0.9)?, [1, 1]);
/// assert_eq!(hard_calls(&[0.1, 0.0, 0.0, 0.92, 0.0, 0.0], 2, false, 0.9)?, [0, 2]);
/// assert_eq!(hard_calls(&[0.95, 0.05, 0.2, 0.8], 1, true, 0.9)?, [0, -1]);
/// # Ok::<(), genolake_stats::Error>(())
/// ```
pub fn hard_calls(
    probabilities: &[f64],
    alternates: i32,
    phased: bool,
    threshold: f64,
) -> Result<[i32; 2]> {
    let alleles = usize::try_from(alternates)
        .ok()
        .and_then(|a| a.checked_add(1))
        .ok_or_else(|| Error::Argument(format!("hard_calls: {alternates} alternate alleles")))?;
    let best = |run: &[f64]| -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (i, &p) in run.iter().enumerate() {
            if p >= threshold && best.is_none_or(|(_, max)| p > max) {
                best = Some((i, p));
            }
        }
        best.map(|(i, _)| i)
    };
    let to_call = |i: Option<usize>| i.map_or(-1, |i| i32::try_from(i).unwrap_or(-1));
    if phased {
        if probabilities.len() < 2 * alleles {
            return Err(Error::Argument(format!(
                "hard_calls: phased probabilities of {} values, where two haplotypes of {alleles} alleles need {}",
                probabilities.len(),
                2 * alleles
            )));
        }
        Ok([
            to_call(best(&probabilities[..alleles])),
            to_call(best(&probabilities[alleles..2 * alleles])),
        ])
    } else {
        Ok(match best(probabilities) {
            None => [-1, -1],
            Some(index) => {
                // Colex order: genotype (j, k), j <= k, sits at k(k+1)/2 + j.
                let mut k = 0usize;
                while (k + 1) * (k + 2) / 2 <= index {
                    k += 1;
                }
                let j = index - k * (k + 1) / 2;
                [to_call(Some(j)), to_call(Some(k))]
            }
        })
    }
}

/// Glow's `mean_substitute`: every missing value (null, NaN, or equal to
/// `missing`) becomes the mean of the others; when all are missing, they
/// become `missing`.
///
/// ```
/// use genolake_stats::mean_substitute;
///
/// assert_eq!(mean_substitute(&[Some(1.0), None, Some(-1.0), Some(3.0)], -1.0), [1.0, 2.0, 2.0, 3.0]);
/// assert_eq!(mean_substitute(&[None, Some(f64::NAN)], -1.0), [-1.0, -1.0]);
/// ```
pub fn mean_substitute(values: &[Option<f64>], missing: f64) -> Vec<f64> {
    let is_missing = |v: &Option<f64>| v.is_none_or(|x| x.is_nan() || x == missing);
    let (sum, count) = values
        .iter()
        .filter(|v| !is_missing(v))
        .fold((0.0, 0u64), |(s, c), v| (s + v.unwrap_or(0.0), c + 1));
    let fill = if count > 0 {
        sum / count as f64
    } else {
        missing
    };
    values
        .iter()
        .map(|v| {
            if is_missing(v) {
                fill
            } else {
                v.unwrap_or(fill)
            }
        })
        .collect()
}
