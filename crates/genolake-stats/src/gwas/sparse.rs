//! Blocks of dosage columns stored as a base value plus the samples that
//! differ from it.
//!
//! Most variants of a real cohort are rare: under the allele frequencies of
//! a coalescent simulation (or of a biobank's sequencing) a typical variant
//! has a few percent of carriers. A column written as its commonest dosage
//! (the *base*, usually 0) plus a list of (sample, dosage − base) entries
//! makes every product with it — the cross products of a linear-regression
//! block, its sums of squares — cost O(entries) instead of O(samples), and
//! reading it skips the words of a row that hold no carrier.
//!
//! A column never holds more entries than half its samples plus one third:
//! a row whose carriers pass half the samples is re-based on its commonest
//! dosage (2 when the alternate allele is the major one, 1 at intermediate
//! frequencies), which leaves at most two thirds of the samples as entries.
//!
//! Missing genotypes become entries holding the row's mean dosage, as in
//! [`dosage`](super::dosage).
//!
//! ```
//! use genolake_stats::MatrixCalls;
//! use genolake_stats::gwas::dosage::RowDosages;
//! use genolake_stats::gwas::sparse::SparseDosages;
//!
//! // Eight samples in one-byte diploid slots: two carriers, one missing.
//! let mut bytes = [0u8; 16];
//! bytes[2..4].copy_from_slice(&[0, 1]); // sample 1: 0/1
//! bytes[10..12].copy_from_slice(&[1, 1]); // sample 5: 1/1
//! bytes[14..16].copy_from_slice(&[0xff, 0xff]); // sample 7: ./.
//! let mut block = SparseDosages::new(8);
//! let row = block.push_calls(&MatrixCalls::new(&bytes, 2, 8)?)?;
//! assert_eq!(row, RowDosages::Written { imputed: 1, mean: 3.0 / 7.0 });
//! let column = block.block().column(0);
//! assert_eq!((column.base, column.indices), (0.0, &[1, 5, 7][..]));
//! let mut dense = [0.0; 8];
//! block.block().column(0).write_dense(&mut dense);
//! assert_eq!(dense[5], 2.0);
//! # Ok::<(), genolake_stats::Error>(())
//! ```

use std::ops::Range;

use crate::calls::{Calls, ListCalls};
use crate::error::{Error, Result};
use crate::gwas::dosage::{self, RowDosages};

/// One column of a [`SparseBlock`]: every sample holds `base` except
/// `indices[k]`, which holds `base + deltas[k]`.
#[derive(Debug, Clone, Copy)]
pub struct SparseColumn<'a> {
    /// The dosage of every sample not listed.
    pub base: f64,
    /// The listed samples, ascending.
    pub indices: &'a [u32],
    /// Each listed sample's dosage minus `base`.
    pub deltas: &'a [f64],
}

impl SparseColumn<'_> {
    /// Writes the column's dosages into `out` (one value per sample).
    pub fn write_dense(&self, out: &mut [f64]) {
        out.fill(self.base);
        for (&i, &d) in self.indices.iter().zip(self.deltas) {
            out[i as usize] += d;
        }
    }
}

/// A borrowed run of columns of a [`SparseDosages`].
#[derive(Debug, Clone, Copy)]
pub struct SparseBlock<'a> {
    samples: usize,
    bases: &'a [f64],
    /// Each column's first entry, then the end of the last (columns + 1).
    starts: &'a [usize],
    indices: &'a [u32],
    deltas: &'a [f64],
}

impl<'a> SparseBlock<'a> {
    /// Samples per column.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Columns in the block.
    pub fn columns(&self) -> usize {
        self.bases.len()
    }

    /// Listed samples over all columns.
    pub fn entries(&self) -> usize {
        self.starts[self.bases.len()] - self.starts[0]
    }

    /// Column `v`.
    pub fn column(&self, v: usize) -> SparseColumn<'a> {
        let range = self.starts[v]..self.starts[v + 1];
        SparseColumn {
            base: self.bases[v],
            indices: &self.indices[range.clone()],
            deltas: &self.deltas[range],
        }
    }

    /// The block as a dense column-major `samples × columns` array.
    pub fn to_dense(&self, out: &mut Vec<f64>) {
        let n = self.samples;
        out.clear();
        out.resize(n * self.columns(), 0.0);
        for (v, column) in out.chunks_exact_mut(n.max(1)).enumerate() {
            self.column(v).write_dense(column);
        }
    }
}

/// A growing block of sparse dosage columns; reuse one value across blocks
/// ([`clear`](Self::clear) keeps its buffers).
#[derive(Debug, Clone)]
pub struct SparseDosages {
    samples: usize,
    bases: Vec<f64>,
    starts: Vec<usize>,
    indices: Vec<u32>,
    deltas: Vec<f64>,
    /// A dense column for the rows the sparse readers do not take.
    scratch: Vec<f64>,
}

impl SparseDosages {
    /// An empty block of columns of `samples` samples.
    pub fn new(samples: usize) -> Self {
        Self {
            samples,
            bases: Vec::new(),
            starts: vec![0],
            indices: Vec::new(),
            deltas: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Removes every column.
    pub fn clear(&mut self) {
        self.bases.clear();
        self.starts.truncate(1);
        self.indices.clear();
        self.deltas.clear();
    }

    /// Samples per column.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Columns in the block.
    pub fn columns(&self) -> usize {
        self.bases.len()
    }

    /// Every column.
    pub fn block(&self) -> SparseBlock<'_> {
        self.range(0..self.columns())
    }

    /// Columns `range`.
    pub fn range(&self, range: Range<usize>) -> SparseBlock<'_> {
        SparseBlock {
            samples: self.samples,
            bases: &self.bases[range.clone()],
            starts: &self.starts[range.start..=range.end],
            indices: &self.indices,
            deltas: &self.deltas,
        }
    }

    /// Appends a column given densely, based on its commonest value among
    /// 0, 1 and 2. Every value must be finite.
    pub fn push_dense(&mut self, column: &[f64]) -> Result<()> {
        if column.len() != self.samples {
            return Err(Error::Argument(format!(
                "a dosage column of {} values does not fit a block of {} samples",
                column.len(),
                self.samples
            )));
        }
        if let Some(v) = column.iter().find(|v| !v.is_finite()) {
            return Err(Error::Argument(format!(
                "a dosage column holds {v}: impute missing genotypes first"
            )));
        }
        // Exact small integers only (an imputed 0.37 counts for none);
        // branch-free, so that the loop vectorises.
        let mut counts = [0usize; 3];
        for &v in column {
            counts[0] += usize::from(v == 0.0);
            counts[1] += usize::from(v == 1.0);
            counts[2] += usize::from(v == 2.0);
        }
        let base = (0..3)
            .max_by_key(|&k| (counts[k], usize::from(k == 0)))
            .unwrap_or(0) as f64;
        for (i, &v) in column.iter().enumerate() {
            if v != base {
                self.indices.push(i as u32);
                self.deltas.push(v - base);
            }
        }
        self.close(base);
        Ok(())
    }

    /// Appends the dosages of a row of hard calls (see
    /// [`dosage::from_calls`]) when it has any; a multiallelic or
    /// all-missing row adds no column.
    pub fn push_calls<C: Calls + ?Sized>(&mut self, calls: &C) -> Result<RowDosages> {
        self.check_samples(calls.samples())?;
        if let Some(bytes) = crate::diploid::bytes(calls) {
            return Ok(self.push_diploid_bytes(bytes));
        }
        self.push_through_dense(|column| dosage::from_calls(calls, column))
    }

    /// [`push_calls`](Self::push_calls) for a row of Glow's calls lists:
    /// a diploid row is packed into `scratch` (one byte a slot, reused
    /// between rows) and read as matrix bytes.
    pub fn push_list_calls(
        &mut self,
        calls: &ListCalls<'_>,
        scratch: &mut Vec<u8>,
    ) -> Result<RowDosages> {
        match calls.diploid_bytes(scratch) {
            Some(matrix) => self.push_calls(&matrix),
            None => self.push_calls(calls),
        }
    }

    /// Appends the dosages of a `.bed` record (see [`dosage::from_bed`])
    /// unless no sample is called.
    pub fn push_bed(&mut self, record: &[u8]) -> Result<RowDosages> {
        if record.len() != self.samples.div_ceil(4) {
            return Err(Error::Argument(format!(
                "a .bed record of {} bytes does not hold {} samples (it takes {} bytes)",
                record.len(),
                self.samples,
                self.samples.div_ceil(4)
            )));
        }
        if let Some(row) = self.push_bed_sparse(record) {
            return Ok(row);
        }
        self.push_through_dense(|column| dosage::from_bed(record, column))
    }

    /// The rows the sparse readers leave: `fill` writes a dense column,
    /// which is then based on its commonest dosage.
    fn push_through_dense(
        &mut self,
        fill: impl FnOnce(&mut [f64]) -> Result<RowDosages>,
    ) -> Result<RowDosages> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.resize(self.samples, 0.0);
        let row = fill(&mut scratch);
        let pushed = match row {
            Ok(r) if r.is_written() => self.push_dense(&scratch),
            _ => Ok(()),
        };
        self.scratch = scratch;
        pushed?;
        row
    }

    fn check_samples(&self, samples: usize) -> Result<()> {
        if samples != self.samples {
            return Err(Error::Argument(format!(
                "a row of {samples} samples does not fit a block of {}",
                self.samples
            )));
        }
        Ok(())
    }

    /// Ends the column whose entries were pushed since the last one.
    fn close(&mut self, base: f64) {
        self.bases.push(base);
        self.starts.push(self.indices.len());
    }

    /// Drops the entries pushed since the last column.
    fn abandon(&mut self) {
        let start = self.starts[self.starts.len() - 1];
        self.indices.truncate(start);
        self.deltas.truncate(start);
    }

    /// Most entries a base-0 column may take before it is re-based.
    fn limit(&self) -> usize {
        self.samples / 2
    }

    /// Ends a base-0 column whose missing entries hold NaN: they take the
    /// mean of the others.
    fn finish_base0(&mut self, sum: u64, missing: usize) -> RowDosages {
        let called = self.samples - missing;
        if called == 0 {
            self.abandon();
            return RowDosages::AllMissing;
        }
        let mean = sum as f64 / called as f64;
        if missing > 0 {
            let start = self.starts[self.starts.len() - 1];
            for d in &mut self.deltas[start..] {
                if d.is_nan() {
                    *d = mean;
                }
            }
        }
        self.close(0.0);
        RowDosages::Written {
            imputed: missing,
            mean,
        }
    }

    /// A diploid one-byte row (0, 1 or 0xFF a byte), listed against base
    /// 0 in one pass when it has few carriers (most rows of a cohort), else
    /// based on its commonest dosage (see [`Self::push_diploid_rebased`]).
    fn push_diploid_bytes(&mut self, bytes: &[u8]) -> RowDosages {
        match self.push_diploid_base0(bytes) {
            Some(row) => row,
            None => self.push_diploid_rebased(bytes),
        }
    }

    /// A diploid one-byte row read four samples to a word, skipping the
    /// words of four `0/0` samples. `None` when the row has too many
    /// carriers for base 0 (nothing is kept).
    fn push_diploid_base0(&mut self, bytes: &[u8]) -> Option<RowDosages> {
        let limit = self.starts[self.starts.len() - 1] + self.limit();
        let (mut sum, mut missing) = (0u64, 0usize);
        // The vectors as locals, room made once: their lengths then stay in
        // registers through the pushes, the cost of a listed sample.
        let mut indices = std::mem::take(&mut self.indices);
        let mut deltas = std::mem::take(&mut self.deltas);
        indices.reserve(self.samples);
        deltas.reserve(self.samples);
        let words = bytes.chunks_exact(8);
        let rest = words.remainder();
        let mut over = false;
        for (k, word) in words.enumerate() {
            let w = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
            if w == 0 {
                continue;
            }
            // A lane is listed when it carries an allele or is missing.
            let (sums, miss) = dosage::word_dosages(w);
            let mut lanes = sums | miss;
            while lanes != 0 {
                let lane = lanes.trailing_zeros() as usize / 16;
                let shift = 16 * lane;
                indices.push((4 * k + lane) as u32);
                let value = (sums >> shift) & 0xff;
                let is_missing = (miss >> shift) & 0x80 != 0;
                missing += usize::from(is_missing);
                sum += value;
                deltas.push(if is_missing { f64::NAN } else { value as f64 });
                lanes &= !(0xffff << shift);
            }
            if indices.len() > limit {
                over = true;
                break;
            }
        }
        if !over {
            let first = 4 * (bytes.len() / 8);
            for (k, pair) in rest.chunks_exact(2).enumerate() {
                let (a, b) = (u64::from(pair[0]), u64::from(pair[1]));
                if a | b == 0 {
                    continue;
                }
                indices.push((first + k) as u32);
                if (a | b) >> 7 != 0 {
                    missing += 1;
                    deltas.push(f64::NAN);
                } else {
                    sum += a + b;
                    deltas.push((a + b) as f64);
                }
            }
            over = indices.len() > limit;
        }
        self.indices = indices;
        self.deltas = deltas;
        if over {
            self.abandon();
            return None;
        }
        Some(self.finish_base0(sum, missing))
    }

    /// A diploid one-byte row with many carriers, in two passes: the first
    /// counts each dosage (bit counts of whole words) and picks the
    /// commonest as the base, as [`push_dense`](Self::push_dense) does; the
    /// second lists the samples that differ from it. A common variant is
    /// so based on 1 or 2 without a dense detour.
    fn push_diploid_rebased(&mut self, bytes: &[u8]) -> RowDosages {
        const LANE_ONE: u64 = 0x0001_0001_0001_0001;
        let words = bytes.chunks_exact(8);
        // The last samples, fewer than four: a pair of slots each.
        let rest = || {
            words
                .remainder()
                .chunks_exact(2)
                .map(|p| (u64::from(p[0]), u64::from(p[1])))
        };
        let word = |w: &[u8]| u64::from_le_bytes(w.try_into().unwrap_or([0; 8]));
        let (mut ones, mut twos, mut missing) = (0usize, 0usize, 0usize);
        for w in words.clone() {
            let (sums, miss) = dosage::word_dosages(word(w));
            ones += (sums & LANE_ONE).count_ones() as usize;
            twos += (sums & (LANE_ONE << 1)).count_ones() as usize;
            missing += miss.count_ones() as usize;
        }
        for (a, b) in rest() {
            match ((a | b) >> 7 != 0, a + b) {
                (true, _) => missing += 1,
                (false, 1) => ones += 1,
                (false, 2) => twos += 1,
                _ => {}
            }
        }
        let called = self.samples - missing;
        if called == 0 {
            return RowDosages::AllMissing;
        }
        let zeros = called - ones - twos;
        let counts = [zeros, ones, twos];
        let base = (0..3)
            .max_by_key(|&k| (counts[k], usize::from(k == 0)))
            .unwrap_or(0) as u64;
        let mean = (ones + 2 * twos) as f64 / called as f64;
        let base_lanes = base * LANE_ONE;
        let basef = base as f64;
        // The vectors as locals, room made once: their lengths then stay in
        // registers through the pushes (a quarter of the samples are
        // listed on average in a coalescent cohort).
        let mut indices = std::mem::take(&mut self.indices);
        let mut deltas = std::mem::take(&mut self.deltas);
        indices.reserve(self.samples);
        deltas.reserve(self.samples);
        let start = indices.len();
        let missing_delta = mean - basef;
        for (k, w) in words.clone().enumerate() {
            let (sums, miss) = dosage::word_dosages(word(w));
            // Lanes off the base, or missing (their sums read 0).
            let mut lanes = (sums ^ base_lanes) | miss;
            while lanes != 0 {
                let lane = lanes.trailing_zeros() as usize / 16;
                let shift = 16 * lane;
                indices.push((4 * k + lane) as u32);
                let value = ((sums >> shift) & 0xff) as f64 - basef;
                deltas.push(if (miss >> shift) & 0x80 != 0 {
                    missing_delta
                } else {
                    value
                });
                lanes &= !(0xffff << shift);
            }
        }
        let first = 4 * (bytes.len() / 8);
        for (k, (a, b)) in rest().enumerate() {
            let is_missing = (a | b) >> 7 != 0;
            if !is_missing && a + b == base {
                continue;
            }
            indices.push((first + k) as u32);
            deltas.push(if is_missing { mean } else { (a + b) as f64 } - basef);
        }
        debug_assert!(indices.len() - start <= self.samples);
        self.indices = indices;
        self.deltas = deltas;
        self.close(basef);
        RowDosages::Written {
            imputed: missing,
            mean,
        }
    }

    /// A `.bed` record read a word (32 samples) at a time, skipping words
    /// of samples homozygous for allele 2 (code 11, dosage 0). `None` when
    /// the row has too many carriers for base 0.
    fn push_bed_sparse(&mut self, record: &[u8]) -> Option<RowDosages> {
        let limit = self.starts[self.starts.len() - 1] + self.limit();
        let n = self.samples;
        let (mut sum, mut missing) = (0u64, 0usize);
        for (k, chunk) in record.chunks(8).enumerate() {
            let mut word = [0xffu8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            let codes = u64::from_le_bytes(word);
            // Codes other than 11 have a zero bit: invert to find them.
            let mut other = !codes;
            while other != 0 {
                let slot = other.trailing_zeros() as usize / 2;
                let sample = 32 * k + slot;
                other &= !(3u64 << (2 * slot));
                if sample >= n {
                    break;
                }
                self.indices.push(sample as u32);
                // Codes 00: two copies of allele 1, 10: one, 01: missing.
                match (codes >> (2 * slot)) & 3 {
                    0b00 => {
                        sum += 2;
                        self.deltas.push(2.0);
                    }
                    0b10 => {
                        sum += 1;
                        self.deltas.push(1.0);
                    }
                    _ => {
                        missing += 1;
                        self.deltas.push(f64::NAN);
                    }
                }
            }
            if self.indices.len() > limit {
                self.abandon();
                return None;
            }
        }
        Some(self.finish_base0(sum, missing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ListCalls, MatrixCalls};
    use proptest::prelude::*;

    fn bed_record(row: &[[i32; 2]]) -> Vec<u8> {
        let codes: Vec<u8> = row
            .iter()
            .map(|s| match (s[0], s[1]) {
                (-1, _) | (_, -1) => 0b01,
                (0, 0) => 0b11,
                (1, 1) => 0b00,
                _ => 0b10,
            })
            .collect();
        codes
            .chunks(4)
            .map(|c| {
                c.iter()
                    .enumerate()
                    .fold(0u8, |acc, (i, &code)| acc | (code << (2 * i)))
            })
            .collect()
    }

    proptest! {
        #[test]
        fn sparse_columns_hold_the_dense_dosages(
            row in proptest::collection::vec(
                prop_oneof![
                    8 => Just([0, 0]),
                    1 => Just([0, 1]),
                    1 => Just([1, 1]),
                    1 => Just([-1, -1]),
                    // Common alternate alleles push the row past base 0.
                    2 => Just([1, 0]),
                ],
                1..90,
            )
        ) {
            let n = row.len();
            let values: Vec<i32> = row.iter().flatten().copied().collect();
            let offsets: Vec<i32> = (0..=n as i32).map(|s| 2 * s).collect();
            let mut dense = vec![0.0; n];
            let expected = dosage::from_calls(&ListCalls::new(&values, &offsets), &mut dense).unwrap();

            let bytes: Vec<u8> = values.iter().map(|&v| v as u8).collect();
            let mut block = SparseDosages::new(n);
            let got = block.push_calls(&MatrixCalls::new(&bytes, 2, n).unwrap()).unwrap();
            prop_assert_eq!(expected, got);
            let bed = block.push_bed(&bed_record(&row)).unwrap();
            prop_assert_eq!(expected, bed);
            block.push_dense(&dense).unwrap();
            let mut out = vec![0.0; n];
            let columns = if expected.is_written() { 3 } else { 1 };
            prop_assert_eq!(block.columns(), columns);
            for v in 0..columns {
                let column = block.block().column(v);
                prop_assert!(column.indices.len() <= n / 2 + n / 3 + 1);
                prop_assert!(column.indices.windows(2).all(|w| w[0] < w[1]));
                column.write_dense(&mut out);
                if expected.is_written() {
                    prop_assert_eq!(&out, &dense);
                }
            }
        }
    }

    #[test]
    fn common_alternate_alleles_are_based_on_two() {
        let mut block = SparseDosages::new(5);
        block.push_dense(&[2.0, 2.0, 1.0, 2.0, 0.5]).unwrap();
        let column = block.block().column(0);
        assert_eq!(column.base, 2.0);
        assert_eq!(column.indices, &[2, 4]);
        assert_eq!(column.deltas, &[-1.0, -1.5]);
        assert!(block.push_dense(&[0.0, f64::NAN, 0.0, 0.0, 0.0]).is_err());
        assert!(block.push_dense(&[0.0; 4]).is_err());
    }

    #[test]
    fn matrix_rows_are_based_on_their_commonest_dosage() {
        // Nine samples (two words and a pair): mostly 0/1, some 1/1, three
        // missing; then a row of missing calls only.
        let slots: [[u8; 2]; 9] = [
            [0, 1],
            [1, 0],
            [0xff, 0xff],
            [1, 1],
            [0, 1],
            [0xff, 0xff],
            [0, 1],
            [0, 0],
            [0xff, 0xff],
        ];
        let bytes: Vec<u8> = slots.iter().flatten().copied().collect();
        let mut block = SparseDosages::new(9);
        let row = block
            .push_calls(&MatrixCalls::new(&bytes, 2, 9).unwrap())
            .unwrap();
        let mean = 6.0 / 6.0;
        assert_eq!(row, RowDosages::Written { imputed: 3, mean });
        let column = block.block().column(0);
        assert_eq!(column.base, 1.0);
        // The missing samples are listed even when the mean is the base.
        assert_eq!(column.indices, &[2, 3, 5, 7, 8]);
        assert_eq!(column.deltas, &[0.0, 1.0, 0.0, -1.0, 0.0]);
        let missing = [0xffu8; 18];
        let row = block
            .push_calls(&MatrixCalls::new(&missing, 2, 9).unwrap())
            .unwrap();
        assert_eq!(row, RowDosages::AllMissing);
        assert_eq!(block.columns(), 1);
    }

    #[test]
    fn ranges_and_dense_blocks() {
        let mut block = SparseDosages::new(3);
        for column in [[0.0, 1.0, 0.0], [2.0, 2.0, 0.0], [0.0, 0.0, 0.0]] {
            block.push_dense(&column).unwrap();
        }
        let mut dense = Vec::new();
        block.range(1..3).to_dense(&mut dense);
        assert_eq!(dense, [2.0, 2.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(block.range(1..3).entries(), 1);
        block.clear();
        assert_eq!(block.columns(), 0);
        assert_eq!(block.block().entries(), 0);
    }
}
