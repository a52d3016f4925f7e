//! Genotypes as dosages: the number of alternate alleles a sample carries,
//! as `f64`, one variant at a time into a column of a caller's block.
//!
//! Regression works on a column-major block of n samples × m variants; each
//! function here fills one column (`out`, n long) straight from the stored
//! form of a row, without a value per genotype:
//!
//! | source | function | dosage |
//! |---|---|---|
//! | matrix-layout `calls` bytes, Glow's `calls` lists ([`Calls`]) | [`from_calls`], [`from_list_calls`] | count of allele 1 among the sample's alleles |
//! | BGEN posterior probabilities ([`Probabilities`]) | [`from_probabilities`] | expected count of allele 1 |
//! | PLINK `.bed` record (2 bits a sample) | [`from_bed`] | count of allele 1 of the `.bim` (genolake's alternate allele) |
//!
//! A missing genotype (a missing allele, null or empty calls, null
//! probabilities, the `.bed` missing code) is replaced by the mean dosage
//! of the row's other samples, as Glow's `mean_substitute` and REGENIE do;
//! [`RowDosages::Written`] says how many were. A row with an allele index
//! from 2 up is [`RowDosages::Multiallelic`]: dosages of one alternate
//! allele are not defined for it, and callers skip it (or split it first).
//!
//! # Dosages from probabilities
//!
//! BGEN stores, per sample, unphased genotype probabilities in BGEN order
//! (for two alleles, P(0 copies of allele 1), P(1), P(2), … up to the
//! ploidy) or, phased, the probabilities of each haplotype carrying allele
//! 0 or 1. The dosage is the expected count of allele 1 — `P(het) +
//! 2·P(hom alt)` for an unphased diploid — which is what REGENIE computes
//! with `--ref-first` (the first BGEN allele as reference); the tests
//! check it against REGENIE's A1FREQ and association results.
//!
//! # Speed
//!
//! The common rows take branch-free loops that the compiler vectorises: a
//! matrix row of diploid one-byte slots holding 0, 1 or −1 (the shape the
//! QC fast path also takes), and `.bed` records through a 256-entry table of
//! four dosages per byte. Other rows go through the [`Calls`] visitor.
//! Missing values are marked with NaN on the first pass and replaced by the
//! mean on a second pass only when the row has any.

use crate::calls::{Calls, ListCalls, SampleVisitor};
use crate::error::{Error, Result};

/// What a row's column was filled with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RowDosages {
    /// Dosages written; `imputed` missing samples hold `mean`, the mean
    /// dosage of the others.
    Written {
        /// Samples whose genotype was missing.
        imputed: usize,
        /// Mean dosage of the called samples.
        mean: f64,
    },
    /// An allele index from 2 up: the column is unspecified and the row
    /// should be skipped (or split into biallelic rows first).
    Multiallelic,
    /// No sample is called: the column holds zeros, a constant that the
    /// regression cannot test.
    AllMissing,
}

impl RowDosages {
    /// Whether the column holds usable dosages.
    pub fn is_written(&self) -> bool {
        matches!(self, RowDosages::Written { .. })
    }
}

fn check_len(out: &[f64], samples: usize) -> Result<()> {
    if out.len() != samples {
        return Err(Error::Argument(format!(
            "a dosage column of {} values cannot hold a row of {samples} samples",
            out.len()
        )));
    }
    Ok(())
}

/// Replaces the NaN markers by the mean of the other values.
fn impute(out: &mut [f64], sum: f64, missing: usize) -> RowDosages {
    let called = out.len() - missing;
    if called == 0 {
        out.fill(0.0);
        return RowDosages::AllMissing;
    }
    let mean = sum / called as f64;
    if missing > 0 {
        for v in out.iter_mut() {
            if v.is_nan() {
                *v = mean;
            }
        }
    }
    RowDosages::Written {
        imputed: missing,
        mean,
    }
}

/// Fills `out` (one value per sample) with the dosages of a row of hard
/// calls, in either layout.
///
/// A sample is missing when any of its alleles is missing (−1) or its
/// calls are null or empty, as Glow's `genotype_states` has it; a haploid
/// sample's dosage is 0 or 1.
///
/// ```
/// use genolake_stats::MatrixCalls;
/// use genolake_stats::gwas::dosage::{RowDosages, from_calls};
///
/// // 0/0, 0/1, 1/1 and ./. in one-byte diploid slots.
/// let bytes = [0u8, 0, 0, 1, 1, 1, 0xff, 0xff];
/// let mut column = [0.0; 4];
/// let row = from_calls(&MatrixCalls::new(&bytes, 2, 4)?, &mut column)?;
/// assert_eq!(row, RowDosages::Written { imputed: 1, mean: 1.0 });
/// assert_eq!(column, [0.0, 1.0, 2.0, 1.0]);
/// // An allele index of 2 makes the row multiallelic.
/// let row = from_calls(&MatrixCalls::new(&[0, 2], 2, 1)?, &mut column[..1])?;
/// assert_eq!(row, RowDosages::Multiallelic);
/// # Ok::<(), genolake_stats::Error>(())
/// ```
pub fn from_calls<C: Calls + ?Sized>(calls: &C, out: &mut [f64]) -> Result<RowDosages> {
    check_len(out, calls.samples())?;
    if let Some(bytes) = crate::diploid::bytes(calls) {
        return Ok(diploid_bytes(bytes, out));
    }
    let mut visitor = Visitor {
        out,
        sum: 0,
        missing: 0,
        multiallelic: false,
    };
    calls.visit(&mut visitor);
    let Visitor {
        out,
        sum,
        missing,
        multiallelic,
    } = visitor;
    if multiallelic {
        return Ok(RowDosages::Multiallelic);
    }
    Ok(impute(out, sum as f64, missing))
}

/// Each sample's lane (16 bits, four to a 64-bit word of the row) with
/// its low byte set.
const LANE_LOW: u64 = 0x00ff_00ff_00ff_00ff;
/// The low bit of every byte.
const BYTE_BITS: u64 = 0x0101_0101_0101_0101;
/// The top bit of each lane's low byte: set by a 0xFF (missing) allele.
const LANE_MISSING: u64 = 0x0080_0080_0080_0080;

/// Four samples of a word: their dosages (a lane each, missing as 0) and
/// the missing lanes (bit 7 of each).
#[inline(always)]
pub(crate) fn word_dosages(w: u64) -> (u64, u64) {
    let alleles = w & BYTE_BITS;
    let sums = (alleles + (alleles >> 8)) & LANE_LOW;
    let missing = (w | (w >> 8)) & LANE_MISSING;
    // A missing lane's byte becomes 0xFF in the mask: cleared from sums.
    (sums & !((missing >> 7) * 0xff), missing)
}

/// [`from_calls`] for Glow's layout, through the matrix fast path when the
/// row allows: a row whose samples all have two alleles of 0, 1 or −1 is
/// first packed into `scratch` (one byte a slot, reused between rows).
///
/// ```
/// use genolake_stats::ListCalls;
/// use genolake_stats::gwas::dosage::{RowDosages, from_calls, from_list_calls};
///
/// // 0/1, 1/1, ./. and a haploid 1.
/// let values = [0, 1, 1, 1, -1, -1, 1];
/// let offsets = [0, 2, 4, 6, 7];
/// let (mut fast, mut slow, mut scratch) = ([0.0; 4], [0.0; 4], Vec::new());
/// let row = from_list_calls(&ListCalls::new(&values, &offsets), &mut scratch, &mut fast)?;
/// assert_eq!(row, from_calls(&ListCalls::new(&values, &offsets), &mut slow)?);
/// assert_eq!(fast, [1.0, 2.0, 4.0 / 3.0, 1.0]);
/// # Ok::<(), genolake_stats::Error>(())
/// ```
pub fn from_list_calls(
    calls: &ListCalls<'_>,
    scratch: &mut Vec<u8>,
    out: &mut [f64],
) -> Result<RowDosages> {
    check_len(out, calls.samples())?;
    match calls.diploid_bytes(scratch) {
        Some(matrix) => from_calls(&matrix, out),
        None => from_calls(calls, out),
    }
}

/// The fast path: two bytes a sample, each 0, 1 or 0xFF (missing); four
/// samples at a time on a 64-bit word, with bit operations.
fn diploid_bytes(bytes: &[u8], out: &mut [f64]) -> RowDosages {
    let mut sum = 0u64;
    let mut missing = 0u64;
    let words = bytes.chunks_exact(8);
    let rest = words.remainder();
    let full = 4 * (bytes.len() / 8);
    for (word, four) in words.zip(out.chunks_exact_mut(4)) {
        let w = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        let (sums, miss) = word_dosages(w);
        // Four lanes of at most 2 add up in the top lane.
        sum += (sums.wrapping_mul(0x0001_0001_0001_0001)) >> 48;
        missing += u64::from((miss >> 7).count_ones());
        four[0] = (sums & 0xff) as f64;
        four[1] = ((sums >> 16) & 0xff) as f64;
        four[2] = ((sums >> 32) & 0xff) as f64;
        four[3] = (sums >> 48) as f64;
    }
    for (pair, v) in rest.chunks_exact(2).zip(out[full..].iter_mut()) {
        let (a, b) = (u64::from(pair[0]), u64::from(pair[1]));
        let miss = (a | b) >> 7;
        let dosage = ((a + b) & 3) * (1 - miss);
        sum += dosage;
        missing += miss;
        *v = dosage as f64;
    }
    let (missing, called) = (missing as usize, out.len() - missing as usize);
    if called == 0 {
        out.fill(0.0);
        return RowDosages::AllMissing;
    }
    let mean = sum as f64 / called as f64;
    if missing > 0 {
        // A second pass finds the missing samples again, a word at a time.
        for (k, word) in bytes.chunks_exact(8).enumerate() {
            let w = u64::from_le_bytes([
                word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
            ]);
            let mut miss = word_dosages(w).1;
            while miss != 0 {
                let lane = miss.trailing_zeros() as usize / 16;
                out[4 * k + lane] = mean;
                miss &= miss - 1;
            }
        }
        for (pair, v) in rest.chunks_exact(2).zip(out[full..].iter_mut()) {
            if (pair[0] | pair[1]) >> 7 != 0 {
                *v = mean;
            }
        }
    }
    RowDosages::Written {
        imputed: missing,
        mean,
    }
}

struct Visitor<'a> {
    out: &'a mut [f64],
    sum: u64,
    missing: usize,
    multiallelic: bool,
}

impl SampleVisitor for Visitor<'_> {
    fn sample<I: Iterator<Item = i32>>(&mut self, index: usize, alleles: I) {
        let (mut count, mut seen, mut missing) = (0u64, false, false);
        for allele in alleles {
            seen = true;
            match allele {
                0 => {}
                1 => count += 1,
                a if a >= 2 => self.multiallelic = true,
                _ => missing = true,
            }
        }
        if missing || !seen {
            self.missing += 1;
            self.out[index] = f64::NAN;
        } else {
            self.sum += count;
            self.out[index] = count as f64;
        }
    }
}

/// For each `.bed` byte, the dosages of its four samples; NaN marks the
/// missing code.
static BED_DOSAGES: [[f64; 4]; 256] = bed_table();

const fn bed_table() -> [[f64; 4]; 256] {
    // Codes 00, 01, 10, 11: two copies of allele 1, missing, one copy, none.
    const CODE: [f64; 4] = [2.0, f64::NAN, 1.0, 0.0];
    let mut table = [[0.0; 4]; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut sample = 0;
        while sample < 4 {
            table[byte][sample] = CODE[(byte >> (2 * sample)) & 3];
            sample += 1;
        }
        byte += 1;
    }
    table
}

/// Fills `out` with the dosages of one variant's `.bed` record
/// (`ceil(samples / 4)` bytes, SNP-major), counting copies of the `.bim`'s
/// allele 1, which genolake reads as the alternate allele.
///
/// ```
/// use genolake_stats::gwas::dosage::{RowDosages, from_bed};
///
/// // Samples: hom allele 1 (00), missing (01), het (10), hom allele 2 (11).
/// let record = [0b11_10_01_00u8];
/// let mut column = [0.0; 4];
/// assert_eq!(from_bed(&record, &mut column)?, RowDosages::Written { imputed: 1, mean: 1.0 });
/// assert_eq!(column, [2.0, 1.0, 1.0, 0.0]);
/// # Ok::<(), genolake_stats::Error>(())
/// ```
pub fn from_bed(record: &[u8], out: &mut [f64]) -> Result<RowDosages> {
    let samples = out.len();
    if record.len() != samples.div_ceil(4) {
        return Err(Error::Argument(format!(
            "a .bed record of {} bytes does not hold {samples} samples (it takes {} bytes)",
            record.len(),
            samples.div_ceil(4)
        )));
    }
    let (mut sum, mut missing) = (0.0f64, 0usize);
    let full = samples / 4;
    for (byte, chunk) in record.iter().zip(out.chunks_exact_mut(4)) {
        chunk.copy_from_slice(&BED_DOSAGES[usize::from(*byte)]);
    }
    if let Some(&last) = record.get(full) {
        let rest = &mut out[4 * full..];
        let len = rest.len();
        rest.copy_from_slice(&BED_DOSAGES[usize::from(last)][..len]);
    }
    for &v in out.iter() {
        let miss = v.is_nan();
        missing += usize::from(miss);
        sum += if miss { 0.0 } else { v };
    }
    Ok(impute(out, sum, missing))
}

/// One row of BGEN-style posterior probabilities: sample `s`'s values are
/// `values[offsets[s] .. offsets[s + 1]]`, as in the `posteriorProbabilities`
/// lists of genolake's (and Glow's) BGEN rows.
///
/// Unphased, a biallelic sample of ploidy k has k + 1 probabilities, of 0
/// to k copies of allele 1; phased, it has 2 per haplotype (allele 0, then
/// allele 1). A sample with no probabilities (a null or empty list), or
/// with a NaN among them, is missing.
#[derive(Clone, Copy)]
pub struct Probabilities<'a> {
    values: &'a [f64],
    offsets: &'a [i32],
    phased: bool,
    alleles: usize,
    valid: Option<&'a dyn Fn(usize) -> bool>,
}

impl<'a> Probabilities<'a> {
    /// A row of `alleles` alleles (a dosage needs 2), phased or not.
    pub fn new(values: &'a [f64], offsets: &'a [i32], phased: bool, alleles: usize) -> Self {
        Self {
            values,
            offsets,
            phased,
            alleles,
            valid: None,
        }
    }

    /// The row where sample `s`'s list is null unless `valid(s)`.
    pub fn with_validity(mut self, valid: &'a dyn Fn(usize) -> bool) -> Self {
        self.valid = Some(valid);
        self
    }

    /// Samples in the row.
    pub fn samples(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
}

/// Fills `out` with expected counts of allele 1 from a row of posterior
/// probabilities (see [`Probabilities`]): `P(het) + 2·P(hom alt)` for an
/// unphased diploid, the sum of the haplotypes' P(allele 1) when phased.
///
/// ```
/// use genolake_stats::gwas::dosage::{Probabilities, RowDosages, from_probabilities};
///
/// // Unphased diploids: a confident het, an uncertain sample, a missing one.
/// let values = [0.0, 1.0, 0.0, 0.1, 0.6, 0.3];
/// let offsets = [0, 3, 6, 6];
/// let mut column = [0.0; 3];
/// let row = from_probabilities(&Probabilities::new(&values, &offsets, false, 2), &mut column)?;
/// assert!(matches!(row, RowDosages::Written { imputed: 1, .. }));
/// assert!((column[1] - 1.2).abs() < 1e-12);
/// assert!((column[2] - 1.1).abs() < 1e-12);
/// # Ok::<(), genolake_stats::Error>(())
/// ```
pub fn from_probabilities(row: &Probabilities<'_>, out: &mut [f64]) -> Result<RowDosages> {
    check_len(out, row.samples())?;
    if row.alleles > 2 {
        return Ok(RowDosages::Multiallelic);
    }
    let (mut sum, mut missing) = (0.0f64, 0usize);
    for (s, v) in out.iter_mut().enumerate() {
        let present = row.valid.is_none_or(|valid| valid(s));
        let start = usize::try_from(row.offsets[s]).unwrap_or(0);
        let end = usize::try_from(row.offsets[s + 1]).unwrap_or(0);
        let probs = if present {
            row.values.get(start..end.max(start)).unwrap_or(&[])
        } else {
            &[]
        };
        let dosage = if probs.is_empty() {
            f64::NAN
        } else if row.phased {
            // Haplotype by haplotype: P(allele 0), P(allele 1).
            probs.iter().skip(1).step_by(2).sum()
        } else {
            // P(j copies of allele 1) at index j.
            probs
                .iter()
                .enumerate()
                .map(|(j, p)| j as f64 * p)
                .sum::<f64>()
        };
        if dosage.is_nan() {
            missing += 1;
            *v = f64::NAN;
        } else {
            sum += dosage;
            *v = dosage;
        }
    }
    Ok(impute(out, sum, missing))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MatrixCalls;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_fast_paths_give_what_the_visitor_gives(
            row in proptest::collection::vec(proptest::collection::vec(-1i32..=1, 2), 1..40)
        ) {
            let values: Vec<i32> = row.iter().flatten().copied().collect();
            let offsets: Vec<i32> = (0..=row.len() as i32).map(|s| 2 * s).collect();
            let n = row.len();
            let mut slow = vec![0.0; n];
            let mut fast = vec![0.0; n];
            let mut bed = vec![0.0; n];
            let a = from_calls(&ListCalls::new(&values, &offsets), &mut slow).unwrap();
            let mut listed = vec![0.0; n];
            let mut scratch = Vec::new();
            let d = from_list_calls(&ListCalls::new(&values, &offsets), &mut scratch, &mut listed).unwrap();
            prop_assert_eq!(a, d);
            prop_assert_eq!(&slow, &listed);
            let bytes: Vec<u8> = values.iter().map(|&v| v as u8).collect();
            let b = from_calls(&MatrixCalls::new(&bytes, 2, n).unwrap(), &mut fast).unwrap();
            prop_assert_eq!(a, b);
            prop_assert_eq!(&slow, &fast);
            // The same genotypes as .bed codes, half calls as missing.
            let codes: Vec<u8> = row
                .iter()
                .map(|s| match (s[0], s[1]) {
                    (-1, _) | (_, -1) => 0b01,
                    (0, 0) => 0b11,
                    (1, 1) => 0b00,
                    _ => 0b10,
                })
                .collect();
            let record: Vec<u8> = codes
                .chunks(4)
                .map(|c| c.iter().enumerate().fold(0u8, |acc, (i, &code)| acc | (code << (2 * i))))
                .collect();
            let c = from_bed(&record, &mut bed).unwrap();
            prop_assert_eq!(a, c);
            prop_assert_eq!(&slow, &bed);
        }
    }

    #[test]
    fn haploid_null_and_multiallelic_samples() {
        // Haploid 1, null (−3), a half call 0/., and 1/1 in two-byte slots of
        // a matrix row of ploidy 2 (−2 pads the haploid).
        let slots: [i16; 8] = [1, -2, -3, -3, 0, -1, 1, 1];
        let bytes: Vec<u8> = slots.iter().flat_map(|s| s.to_le_bytes()).collect();
        let mut out = [0.0; 4];
        let row = from_calls(&MatrixCalls::new(&bytes, 2, 4).unwrap(), &mut out).unwrap();
        assert_eq!(
            row,
            RowDosages::Written {
                imputed: 2,
                mean: 1.5
            }
        );
        assert_eq!(out, [1.0, 1.5, 1.5, 2.0]);
        let all_missing = [0xffu8; 4];
        let row = from_calls(
            &MatrixCalls::new(&all_missing, 2, 2).unwrap(),
            &mut out[..2],
        );
        assert_eq!(row.unwrap(), RowDosages::AllMissing);
        assert_eq!(out[..2], [0.0, 0.0]);
        assert!(from_calls(&MatrixCalls::new(&[0, 1], 2, 1).unwrap(), &mut out).is_err());
    }

    #[test]
    fn phased_and_haploid_probabilities() {
        // Phased diploid (0.9 of allele 1 on the first haplotype, 0.2 on the
        // second), an unphased haploid row is checked separately.
        let values = [0.1, 0.9, 0.8, 0.2];
        let mut out = [0.0];
        from_probabilities(&Probabilities::new(&values, &[0, 4], true, 2), &mut out).unwrap();
        assert!((out[0] - 1.1).abs() < 1e-12);
        let haploid = [0.25, 0.75];
        from_probabilities(&Probabilities::new(&haploid, &[0, 2], false, 2), &mut out).unwrap();
        assert!((out[0] - 0.75).abs() < 1e-12);
        let three = Probabilities::new(&[0.0; 6], &[0, 6], false, 3);
        assert_eq!(
            from_probabilities(&three, &mut out).unwrap(),
            RowDosages::Multiallelic
        );
    }
}
