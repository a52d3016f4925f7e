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

/// What [`SparseDosages::list_keys`] counted: the dosages of the called
/// samples, and the missing samples.
struct Listed {
    sum: u64,
    missing: usize,
}

/// Eight bytes of a row as a little-endian word.
#[inline(always)]
fn word(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().unwrap_or([0; 8]))
}

/// The entries one word of four diploid samples adds to a column of a
/// given base: the listed lanes first (`count` of them; the slots past
/// them are written and overwritten by the next word's), with the dosage
/// sum of the called samples and the number of missing ones.
#[derive(Clone, Copy)]
struct WordEntries {
    lanes: [u32; 4],
    /// Dosage minus base; NaN for a missing sample.
    deltas: [f64; 4],
    count: u32,
    sum: u32,
    missing: u32,
}

/// [`WordEntries`] of every word key (see [`word_key`]), for bases 0, 1
/// and 2.
static WORD_ENTRIES: [[WordEntries; 256]; 3] = [word_entries(0), word_entries(1), word_entries(2)];

const fn word_entries(base: u32) -> [WordEntries; 256] {
    let empty = WordEntries {
        lanes: [0; 4],
        deltas: [0.0; 4],
        count: 0,
        sum: 0,
        missing: 0,
    };
    let mut table = [empty; 256];
    let mut key = 0;
    while key < 256 {
        let mut entries = empty;
        let mut lane = 0;
        while lane < 4 {
            let code = (key >> (2 * lane)) & 3;
            let at = entries.count as usize;
            if code == 3 {
                entries.lanes[at] = lane;
                entries.deltas[at] = f64::NAN;
                entries.count += 1;
                entries.missing += 1;
            } else {
                entries.sum += code;
                if code != base {
                    entries.lanes[at] = lane;
                    entries.deltas[at] = code as f64 - base as f64;
                    entries.count += 1;
                }
            }
            lane += 1;
        }
        table[key as usize] = entries;
        key += 1;
    }
    table
}

/// A word of four diploid one-byte samples as 8 bits: each sample's
/// dosage (0, 1, 2) or 3 when missing, two bits a sample.
#[inline(always)]
fn word_key(w: u64) -> u8 {
    let (sums, miss) = dosage::word_dosages(w);
    // A missing lane's sum is 0; its bit 7 becomes code 3.
    let codes = sums | (miss >> 6) | (miss >> 7);
    ((codes | codes >> 14 | codes >> 28 | codes >> 42) & 0xff) as u8
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
        let base = commonest(counts) as f64;
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
            return Ok(self.push_packed(&SlotRow(bytes)));
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
    /// unless no sample is called: listed against base 0 when it has few
    /// carriers, else based on its commonest dosage, as matrix rows are.
    pub fn push_bed(&mut self, record: &[u8]) -> Result<RowDosages> {
        if record.len() != self.samples.div_ceil(4) {
            return Err(Error::Argument(format!(
                "a .bed record of {} bytes does not hold {} samples (it takes {} bytes)",
                record.len(),
                self.samples,
                self.samples.div_ceil(4)
            )));
        }
        Ok(self.push_packed(&BedRow {
            record,
            samples: self.samples,
        }))
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

    /// A packed row (see [`PackedRow`]), listed against base 0 in one
    /// pass when it has few carriers (most rows of a cohort), else based
    /// on its commonest dosage (see [`Self::push_rebased`]).
    fn push_packed(&mut self, row: &impl PackedRow) -> RowDosages {
        match self.push_base0(row) {
            Some(written) => written,
            None => self.push_rebased(row),
        }
    }

    /// A packed row listed against base 0 in one pass; `None` when it has
    /// too many carriers for base 0 (nothing is kept).
    fn push_base0(&mut self, row: &impl PackedRow) -> Option<RowDosages> {
        // Missing entries hold NaN until the row's mean is known.
        let listed = row.list(self, 0, f64::NAN, self.limit())?;
        let tail = self.list_tail(row, 0, f64::NAN);
        if self.indices.len() - self.starts[self.starts.len() - 1] > self.limit() {
            self.abandon();
            return None;
        }
        Some(self.finish_base0(listed.sum + tail.sum, listed.missing + tail.missing))
    }

    /// A packed row with many carriers, in two passes: the first counts
    /// each dosage and picks the commonest as the base, as
    /// [`push_dense`](Self::push_dense) does; the second lists the samples
    /// that differ from it. A common variant is so based on 1 or 2 without
    /// a dense detour.
    fn push_rebased(&mut self, row: &impl PackedRow) -> RowDosages {
        let Counts {
            ones,
            twos,
            missing,
        } = row.counts();
        let called = self.samples - missing;
        if called == 0 {
            return RowDosages::AllMissing;
        }
        let zeros = called - ones - twos;
        let base = commonest([zeros, ones, twos]);
        let mean = (ones + 2 * twos) as f64 / called as f64;
        let basef = base as f64;
        // At most two thirds of the samples differ from the commonest
        // dosage: the limit is never reached.
        let listed = row.list(self, base, mean - basef, self.samples);
        debug_assert!(listed.is_some());
        self.list_tail(row, base, mean - basef);
        self.close(basef);
        RowDosages::Written {
            imputed: missing,
            mean,
        }
    }

    /// Appends the entries of the samples after a row's whole keys, as
    /// [`list_keys`](Self::list_keys) does for the keys.
    fn list_tail(&mut self, row: &impl PackedRow, base: u64, missing_delta: f64) -> Listed {
        let (mut sum, mut missing) = (0, 0);
        for (sample, code) in row.tail() {
            if u64::from(code) == base {
                continue;
            }
            self.indices.push(sample);
            if code == MISSING {
                missing += 1;
                self.deltas.push(missing_delta);
            } else {
                sum += u64::from(code);
                self.deltas.push(f64::from(code) - base as f64);
            }
        }
        Listed { sum, missing }
    }

    /// Appends the entries of `keys` word keys (see [`word_key`]; key k
    /// holds samples 4k to 4k + 3), read `K` at a time by `group` (`None`:
    /// every sample of the group is at base 0, nothing to list) and the
    /// last ones by `single`: every sample whose dosage is not `base` (0,
    /// 1 or 2), with its dosage minus `base`, and every missing sample,
    /// with `missing_delta`. `None`, with nothing kept, once more than
    /// `limit` entries are listed.
    ///
    /// A key's entries come from a table (see [`WordEntries`]), copied
    /// whole: no branch a sample. A coalescent cohort lists an eighth of
    /// its samples, scattered, and a branch a listed sample, mispredicted
    /// as often as not, cost more than the listing itself.
    #[inline(always)]
    fn list_keys<const K: usize>(
        &mut self,
        keys: usize,
        group: impl Fn(usize) -> Option<[u8; K]>,
        single: impl Fn(usize) -> u8,
        base: u64,
        missing_delta: f64,
        limit: usize,
    ) -> Option<Listed> {
        let table = &WORD_ENTRIES[base.min(2) as usize];
        let room = 4 * keys;
        let start = self.indices.len();
        self.indices.reserve(room);
        self.deltas.reserve(room);
        let mut room = Room {
            indices: &mut self.indices.spare_capacity_mut()[..room],
            deltas: &mut self.deltas.spare_capacity_mut()[..room],
            table,
            n: 0,
            sum: 0,
            missing: 0,
        };
        let groups = keys / K;
        for g in 0..groups {
            if let Some(group_keys) = group(g) {
                for (j, key) in group_keys.into_iter().enumerate() {
                    room.list(K * g + j, key)?;
                }
            }
            if room.n > limit {
                return None;
            }
        }
        for k in K * groups..keys {
            room.list(k, single(k))?;
        }
        let Room {
            n, sum, missing, ..
        } = room;
        if n > limit {
            return None;
        }
        // SAFETY: the first n slots of each room were written above (a
        // key's entries are written before n moves past them), and n ≤ room.
        unsafe {
            self.indices.set_len(start + n);
            self.deltas.set_len(start + n);
        }
        if missing > 0 && !missing_delta.is_nan() {
            for d in &mut self.deltas[start..] {
                if d.is_nan() {
                    *d = missing_delta;
                }
            }
        }
        Some(Listed { sum, missing })
    }
}

/// The code of a missing sample in a word key (see [`word_key`]).
const MISSING: u8 = 3;

/// Dosages counted over a row.
struct Counts {
    ones: usize,
    twos: usize,
    missing: usize,
}

/// A row of diploid hard calls in a packed form the sparse readers take:
/// whole word keys of four samples each (listed through
/// [`SparseDosages::list_keys`]) and up to three samples after them.
trait PackedRow {
    /// Lists the samples of the whole keys as [`SparseDosages::list_keys`]
    /// does.
    fn list(
        &self,
        block: &mut SparseDosages,
        base: u64,
        missing_delta: f64,
        limit: usize,
    ) -> Option<Listed>;

    /// The samples after the whole keys, with their codes (0, 1 or 2
    /// copies of the counted allele, or [`MISSING`]).
    fn tail(&self) -> impl Iterator<Item = (u32, u8)>;

    /// The dosages of the whole row.
    fn counts(&self) -> Counts;
}

/// A diploid row of the matrix layout: two one-byte slots a sample (0, 1
/// or 0xFF), four samples a word.
struct SlotRow<'a>(&'a [u8]);

impl PackedRow for SlotRow<'_> {
    /// Against base 0, four words of `0/0` samples are skipped at once
    /// (most of a rare variant's row).
    fn list(
        &self,
        block: &mut SparseDosages,
        base: u64,
        missing_delta: f64,
        limit: usize,
    ) -> Option<Listed> {
        let bytes = self.0;
        let skip_zeros = base == 0;
        let group = |g: usize| {
            let group: &[u8; 32] = bytes[32 * g..].first_chunk()?;
            let (words, _) = group.as_chunks::<8>();
            let w = [0, 1, 2, 3].map(|j| u64::from_le_bytes(words[j]));
            if skip_zeros && (w[0] | w[1] | w[2] | w[3]) == 0 {
                return None;
            }
            Some([
                word_key(w[0]),
                word_key(w[1]),
                word_key(w[2]),
                word_key(w[3]),
            ])
        };
        let single = |k: usize| word_key(word(&bytes[8 * k..8 * k + 8]));
        block.list_keys(bytes.len() / 8, group, single, base, missing_delta, limit)
    }

    fn tail(&self) -> impl Iterator<Item = (u32, u8)> {
        let first = 4 * (self.0.len() / 8);
        let rest = self.0.chunks_exact(8).remainder();
        rest.chunks_exact(2).enumerate().map(move |(k, pair)| {
            let code = if (pair[0] | pair[1]) >> 7 != 0 {
                MISSING
            } else {
                pair[0] + pair[1]
            };
            ((first + k) as u32, code)
        })
    }

    fn counts(&self) -> Counts {
        let sums = crate::diploid::RowSums::of(self.0);
        let called = sums.hom_ref + sums.het + sums.hom_var;
        Counts {
            ones: sums.het as usize,
            twos: sums.hom_var as usize,
            // A sample with a missing allele is missing.
            missing: self.0.len() / 2 - called as usize,
        }
    }
}

/// A PLINK `.bed` record of `samples` samples: two bits a sample (00 two
/// copies of allele 1, 10 one, 11 none, 01 missing), four a byte.
struct BedRow<'a> {
    record: &'a [u8],
    samples: usize,
}

impl PackedRow for BedRow<'_> {
    /// Against base 0, eight bytes of samples homozygous for allele 2 are
    /// skipped at once.
    fn list(
        &self,
        block: &mut SparseDosages,
        base: u64,
        missing_delta: f64,
        limit: usize,
    ) -> Option<Listed> {
        let bytes = &self.record[..self.samples / 4];
        let skip_zeros = base == 0;
        let group = |g: usize| {
            let group: &[u8; 8] = bytes[8 * g..].first_chunk()?;
            if skip_zeros && u64::from_le_bytes(*group) == u64::MAX {
                return None;
            }
            let mut keys = *group;
            for key in &mut keys {
                *key = bed_key(*key);
            }
            Some(keys)
        };
        let single = |k: usize| bed_key(bytes[k]);
        block.list_keys(bytes.len(), group, single, base, missing_delta, limit)
    }

    fn tail(&self) -> impl Iterator<Item = (u32, u8)> {
        let full = self.samples / 4;
        let last = self.record.get(full).copied().map_or(0, bed_key);
        (4 * full..self.samples).map(move |sample| {
            let lane = sample - 4 * full;
            (sample as u32, (last >> (2 * lane)) & 3)
        })
    }

    fn counts(&self) -> Counts {
        const LOW: u64 = 0x5555_5555_5555_5555;
        let (mut ones, mut twos, mut missing) = (0usize, 0usize, 0usize);
        for chunk in self.record[..self.samples / 4].chunks(8) {
            // Padding bytes of 11 (allele 2 twice) count for nothing.
            let mut bytes = [0xffu8; 8];
            bytes[..chunk.len()].copy_from_slice(chunk);
            let w = u64::from_le_bytes(bytes);
            let (high, low) = ((w >> 1) & LOW, w & LOW);
            twos += (!high & !low & LOW).count_ones() as usize;
            missing += (!high & low).count_ones() as usize;
            ones += (high & !low).count_ones() as usize;
        }
        for (_, code) in self.tail() {
            match code {
                1 => ones += 1,
                2 => twos += 1,
                MISSING => missing += 1,
                _ => {}
            }
        }
        Counts {
            ones,
            twos,
            missing,
        }
    }
}

/// The spare capacity of a column's vectors being filled by
/// [`SparseDosages::list_keys`], with what it counted so far.
struct Room<'a> {
    indices: &'a mut [std::mem::MaybeUninit<u32>],
    deltas: &'a mut [std::mem::MaybeUninit<f64>],
    table: &'a [WordEntries; 256],
    /// Entries written.
    n: usize,
    sum: u64,
    missing: usize,
}

impl Room<'_> {
    /// Writes the entries of word key `key` of word `k` (samples 4k to
    /// 4k + 3); `None` if they do not fit, which the callers rule out.
    #[inline(always)]
    fn list(&mut self, k: usize, key: u8) -> Option<()> {
        // A key with nothing to list writes its slots all the same: a
        // branch on it would be mispredicted as often as not.
        let entries = &self.table[usize::from(key)];
        // n ≤ 4k entries before this word: its four slots fit.
        let indices = self.indices.get_mut(self.n..)?.first_chunk_mut::<4>()?;
        let deltas = self.deltas.get_mut(self.n..)?.first_chunk_mut::<4>()?;
        let first = 4 * k as u32;
        for ((index, delta), (&lane, &value)) in indices
            .iter_mut()
            .zip(deltas.iter_mut())
            .zip(entries.lanes.iter().zip(&entries.deltas))
        {
            index.write(first + lane);
            delta.write(value);
        }
        self.n += entries.count as usize;
        self.sum += u64::from(entries.sum);
        self.missing += entries.missing as usize;
        Some(())
    }
}

/// The dosage (0, 1 or 2) that most of `counts` (of dosages 0, 1, 2) have,
/// 0 on ties with it: the base of a column.
fn commonest(counts: [usize; 3]) -> u64 {
    (0..3)
        .max_by_key(|&k| (counts[k], usize::from(k == 0)))
        .unwrap_or(0) as u64
}

/// A `.bed` byte (four samples, two bits each: 00 two copies of allele 1,
/// 10 one, 11 none, 01 missing) as a word key (see [`word_key`]).
#[inline(always)]
fn bed_key(byte: u8) -> u8 {
    // Inverted, dosages 2, 1, 0 and a missing sample read 3, 1, 0 and 2:
    // flipping the low bit under a set high bit swaps the 3 and the 2.
    let inverted = !byte;
    inverted ^ ((inverted >> 1) & 0x55)
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
            ),
            // Which dosage the common 0/0 becomes: rows based on 0, 2 or 1.
            common in prop_oneof![Just([0, 0]), Just([1, 1]), Just([1, 0])],
        ) {
            let row: Vec<[i32; 2]> = row
                .into_iter()
                .map(|s| match s {
                    [0, 0] => common,
                    s if s == common => [0, 0],
                    s => s,
                })
                .collect();
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
