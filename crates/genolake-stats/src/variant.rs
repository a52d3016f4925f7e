//! Per-variant QC: Glow's `call_summary_stats`, `hardy_weinberg` and
//! `genotype_states`.

use crate::calls::{Calls, SampleVisitor};
use crate::hwe::hwe_exact;

/// Allele indices above this are refused rather than counted: a per-allele
/// count vector that long would be an absurd allocation, and no variant
/// format stores that many alleles at one site.
pub const MAX_ALLELE_INDEX: i32 = 1 << 20;

/// Glow's `call_summary_stats` struct for one variant.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallSummary {
    /// `nCalled / (nCalled + nUncalled)`; NaN for a row without samples.
    pub call_rate: f64,
    /// Samples whose calls are non-empty and hold no missing allele.
    pub n_called: i32,
    /// Samples with an empty or null call list or a missing allele.
    pub n_uncalled: i32,
    /// Samples carrying two different called alleles.
    pub n_het: i32,
    /// Per allele, the samples whose called alleles are all that allele.
    pub n_homozygous: Vec<i32>,
    /// Samples carrying a called alternate allele.
    pub n_non_ref: i32,
    /// Called alleles, over all samples.
    pub n_alleles_called: i32,
    /// Per allele, how often it is called.
    pub allele_counts: Vec<i32>,
    /// `alleleCounts / nAllelesCalled`.
    pub allele_frequencies: Vec<f64>,
}

/// Accumulates a [`CallSummary`] sample by sample, with Glow's rules: a
/// sample is uncalled when its list is empty or holds −1; among its called
/// alleles, two different ones make it heterozygous, otherwise it is
/// homozygous for its last called allele (a haploid call is homozygous; a
/// half call such as `1/.` is uncalled, yet homozygous and non-ref).
#[derive(Debug, Default)]
struct Counter {
    summary: CallSummary,
    out_of_range: Option<i32>,
}

impl SampleVisitor for Counter {
    #[inline]
    fn sample<I: Iterator<Item = i32>>(&mut self, _index: usize, alleles: I) {
        let s = &mut self.summary;
        let mut seen = false;
        let mut uncalled = false;
        let mut het = false;
        let mut non_ref = false;
        let mut last = -1;
        for allele in alleles {
            seen = true;
            if allele < 0 {
                uncalled = true;
                continue;
            }
            if allele > MAX_ALLELE_INDEX {
                self.out_of_range.get_or_insert(allele);
                uncalled = true;
                continue;
            }
            let a = allele as usize;
            if a >= s.allele_counts.len() {
                s.allele_counts.resize(a + 1, 0);
            }
            s.allele_counts[a] += 1;
            s.n_alleles_called += 1;
            het |= last != -1 && allele != last;
            non_ref |= allele > 0;
            last = allele;
        }
        s.n_non_ref += i32::from(non_ref);
        if !seen || uncalled {
            s.n_uncalled += 1;
        } else {
            s.n_called += 1;
        }
        if het {
            s.n_het += 1;
        } else if last >= 0 {
            let a = last as usize;
            if a >= s.n_homozygous.len() {
                s.n_homozygous.resize(a + 1, 0);
            }
            s.n_homozygous[a] += 1;
        }
    }
}

/// Glow's `call_summary_stats` for one row of calls.
///
/// Allele indices above [`MAX_ALLELE_INDEX`] count as missing; use
/// [`try_call_summary_stats`] to have them refused.
pub fn call_summary_stats(calls: &impl Calls) -> CallSummary {
    count(calls).summary
}

/// [`call_summary_stats`], refusing allele indices above
/// [`MAX_ALLELE_INDEX`].
pub fn try_call_summary_stats(calls: &impl Calls) -> crate::Result<CallSummary> {
    let counter = count(calls);
    match counter.out_of_range {
        Some(allele) => Err(crate::Error::Argument(format!(
            "an allele index of {allele} is larger than any site holds (at most {MAX_ALLELE_INDEX})"
        ))),
        None => Ok(counter.summary),
    }
}

fn count(calls: &impl Calls) -> Counter {
    let mut counter = Counter::default();
    calls.visit(&mut counter);
    let s = &mut counter.summary;
    s.call_rate = f64::from(s.n_called) / f64::from(s.n_called + s.n_uncalled);
    let n = f64::from(s.n_alleles_called);
    s.allele_frequencies = s.allele_counts.iter().map(|&c| f64::from(c) / n).collect();
    counter
}

/// Glow's `hardy_weinberg` struct.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HardyWeinberg {
    /// The expected heterozygote frequency under equilibrium:
    /// `nA · nB / (2n − 1) / nCalled` (NaN without called samples).
    pub het_freq_hwe: f64,
    /// The exact test's mid-p value, Glow's (and Hail's) `pValueHwe`; it
    /// equals `plink2 --hardy midp`.
    pub p_value_hwe: f64,
    /// The classic exact p-value of the same test (`plink2 --hardy`).
    pub p_value_exact: f64,
}

/// Glow's `hardy_weinberg` from a variant's [`CallSummary`]: the test runs
/// on the heterozygotes and the homozygotes of alleles 0 and 1 (Glow
/// assumes a biallelic site; split multiallelic sites first).
///
/// ```
/// use genolake_stats::{ListCalls, call_summary_stats, hardy_weinberg};
///
/// // 0/0, 0/1, 1/1
/// let values = [0, 0, 0, 1, 1, 1];
/// let summary = call_summary_stats(&ListCalls::new(&values, &[0, 2, 4, 6]));
/// let hw = hardy_weinberg(&summary);
/// assert!((hw.het_freq_hwe - 0.6).abs() < 1e-12);
/// ```
pub fn hardy_weinberg(summary: &CallSummary) -> HardyWeinberg {
    let hom_ref = summary.n_homozygous.first().copied().unwrap_or(0).max(0) as u64;
    let hom_alt = summary.n_homozygous.get(1).copied().unwrap_or(0).max(0) as u64;
    let het = summary.n_het.max(0) as u64;
    let n = het + hom_ref + hom_alt;
    let minor = het + 2 * hom_ref.min(hom_alt);
    let major = 2 * n - minor;
    let expected_het = (minor as f64) * (major as f64) / (2.0 * n as f64 - 1.0);
    let test = hwe_exact(het, hom_ref, hom_alt);
    HardyWeinberg {
        het_freq_hwe: expected_het / f64::from(summary.n_called),
        p_value_hwe: test.mid_p,
        p_value_exact: test.p_value,
    }
}

/// Glow's `genotype_states`: per sample, the sum of its allele indices, or
/// −1 when a call is missing or the list is empty.
///
/// ```
/// use genolake_stats::{ListCalls, genotype_states};
///
/// let values = [0, 1, 1, 1, 0, -1];
/// assert_eq!(genotype_states(&ListCalls::new(&values, &[0, 2, 4, 6, 6])), vec![1, 2, -1, -1]);
/// ```
pub fn genotype_states(calls: &impl Calls) -> Vec<i32> {
    struct States(Vec<i32>);
    impl SampleVisitor for States {
        #[inline]
        fn sample<I: Iterator<Item = i32>>(&mut self, _index: usize, alleles: I) {
            let mut sum: i32 = 0;
            let mut any = false;
            for allele in alleles {
                any = true;
                if allele < 0 {
                    sum = -1;
                    break;
                }
                sum = sum.saturating_add(allele);
            }
            self.0.push(if any { sum } else { -1 });
        }
    }
    let mut states = States(Vec::with_capacity(calls.samples()));
    calls.visit(&mut states);
    states.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ListCalls, MatrixCalls};

    fn list(calls: &[&[i32]]) -> CallSummary {
        let values: Vec<i32> = calls.iter().flat_map(|c| c.iter().copied()).collect();
        let mut offsets = vec![0];
        for c in calls {
            offsets.push(offsets.last().unwrap() + c.len() as i32);
        }
        call_summary_stats(&ListCalls::new(&values, &offsets))
    }

    // The cases of Glow's VariantQcExprsSuite.
    #[test]
    fn an_empty_call_list_is_uncalled() {
        let s = list(&[&[]]);
        assert_eq!(
            (s.call_rate, s.n_called, s.n_uncalled, s.n_het),
            (0.0, 0, 1, 0)
        );
        assert!(
            s.n_homozygous.is_empty()
                && s.allele_counts.is_empty()
                && s.allele_frequencies.is_empty()
        );
    }

    #[test]
    fn a_haploid_call_is_homozygous() {
        let s = list(&[&[0]]);
        assert_eq!(
            (s.call_rate, s.n_called, s.n_uncalled, s.n_het, s.n_non_ref),
            (1.0, 1, 0, 0, 0)
        );
        assert_eq!(
            (
                s.n_homozygous,
                s.n_alleles_called,
                s.allele_counts,
                s.allele_frequencies
            ),
            (vec![1], 1, vec![1], vec![1.0])
        );
    }

    #[test]
    fn a_half_call_is_uncalled_but_counts_its_allele() {
        let s = list(&[&[1, -1], &[0, 2]]);
        assert_eq!(
            (s.n_called, s.n_uncalled, s.n_het, s.n_non_ref),
            (1, 1, 1, 2)
        );
        assert_eq!(s.n_homozygous, vec![0, 1]);
        assert_eq!(s.allele_counts, vec![1, 1, 1]);
    }

    #[test]
    fn hardy_weinberg_without_homozygotes_does_not_fail() {
        let hw = hardy_weinberg(&list(&[&[0, 1]]));
        assert!(hw.p_value_hwe.is_finite() && hw.het_freq_hwe.is_finite());
        let none = hardy_weinberg(&list(&[&[-1, -1]]));
        assert_eq!(none.p_value_hwe, 0.5);
        assert!(none.het_freq_hwe.is_nan());
    }

    #[test]
    fn matrix_rows_with_padding_and_null_samples() {
        // Diploid 0/1, haploid 1 (padded), null calls, 2-byte slots.
        let slots: [i16; 6] = [0, 1, 1, -2, -3, -3];
        let bytes: Vec<u8> = slots.iter().flat_map(|s| s.to_le_bytes()).collect();
        let calls = MatrixCalls::new(&bytes, 2, 3).unwrap();
        assert_eq!(calls.width(), 2);
        let s = call_summary_stats(&calls);
        assert_eq!((s.n_called, s.n_uncalled, s.n_het), (2, 1, 1));
        assert_eq!(s.n_homozygous, vec![0, 1]);
        assert_eq!(genotype_states(&calls), vec![1, 1, -1]);
        assert!(MatrixCalls::new(&bytes[..5], 2, 3).is_err());
        assert!(MatrixCalls::new(&[0; 9], 1, 3).is_err());
    }

    #[test]
    fn absurd_allele_indices_are_refused() {
        let values = [0, i32::MAX];
        let calls = ListCalls::new(&values, &[0, 2]);
        assert!(try_call_summary_stats(&calls).is_err());
        assert_eq!(call_summary_stats(&calls).n_uncalled, 1);
    }

    proptest::proptest! {
        #[test]
        fn both_layouts_count_the_same(
            samples in proptest::collection::vec(
                proptest::option::weighted(0.9, proptest::collection::vec(-1i32..300, 0..4)),
                0..40,
            )
        ) {
            // Glow layout.
            let mut values = Vec::new();
            let mut offsets = vec![0];
            for s in &samples {
                values.extend(s.iter().flatten().copied());
                offsets.push(values.len() as i32);
            }
            let valid = |i: usize| samples[i].is_some();
            let glow = ListCalls::new(&values, &offsets).with_validity(&valid);
            // Matrix layout, as genolake_core writes it.
            let ploidy = samples.iter().flatten().map(Vec::len).max().unwrap_or(0).max(usize::from(samples.iter().any(Option::is_none)));
            let max = values.iter().copied().max().unwrap_or(0);
            let width = if max <= 127 { 1 } else { 2 };
            let mut bytes = Vec::new();
            for s in &samples {
                for k in 0..ploidy {
                    let slot = match s {
                        None => NULL_SLOT,
                        Some(c) => c.get(k).copied().unwrap_or(PAD_SLOT),
                    };
                    if width == 1 { bytes.push(slot as i8 as u8) } else { bytes.extend((slot as i16).to_le_bytes()) }
                }
            }
            let matrix = MatrixCalls::new(&bytes, ploidy, samples.len()).unwrap();
            let (a, b) = (call_summary_stats(&glow), call_summary_stats(&matrix));
            proptest::prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
            proptest::prop_assert_eq!(genotype_states(&glow), genotype_states(&matrix));
            proptest::prop_assert_eq!(a.n_called + a.n_uncalled, samples.len() as i32);
            proptest::prop_assert_eq!(a.allele_counts.iter().sum::<i32>(), a.n_alleles_called);
        }
    }

    const PAD_SLOT: i32 = crate::PAD;
    const NULL_SLOT: i32 = crate::NULL_CALLS;
}
