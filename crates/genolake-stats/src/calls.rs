//! The two genotype representations seen through one interface.
//!
//! Glow's layout gives each sample a `calls` list of `Int32` allele indices
//! (−1 for a missing allele); the matrix layout gives each row one byte
//! string of `callsPloidy` slots per sample, little-endian integers of 1, 2
//! or 4 bytes, −2 padding a sample with fewer alleles and −3 filling a
//! sample whose calls are null. Both implement [`Calls`]: they hand each
//! sample's allele indices, in sample order, to a [`SampleVisitor`], so the
//! counting code is written once and monomorphised for each representation,
//! without building a value per genotype.

use crate::error::{Error, Result};

/// Slot value of a matrix sample with fewer alleles than the row's ploidy.
pub const PAD: i32 = -2;
/// Slot value of a matrix sample whose calls are null.
pub const NULL_CALLS: i32 = -3;

/// Receives one row's samples in order.
pub trait SampleVisitor {
    /// Called once per sample, in sample order. `alleles` yields the
    /// sample's allele indices, −1 for a missing allele; it is empty when
    /// the sample's calls are null or an empty list.
    fn sample<I: Iterator<Item = i32>>(&mut self, index: usize, alleles: I);
}

/// One row's genotype calls, whatever their layout.
pub trait Calls {
    /// Samples in the row.
    fn samples(&self) -> usize;
    /// Hands every sample's alleles to `visitor`, in sample order.
    fn visit<V: SampleVisitor>(&self, visitor: &mut V);
    /// The row as matrix-layout bytes, when it is one: the statistics read
    /// a diploid row of one-byte slots straight from its bytes, without
    /// visiting samples one by one. The default, `None`, always takes the
    /// visitor.
    fn as_matrix(&self) -> Option<MatrixCalls<'_>> {
        None
    }
}

/// A row of Glow-layout calls: sample `s`'s alleles are
/// `values[offsets[s] .. offsets[s + 1]]`.
///
/// ```
/// use genolake_stats::{ListCalls, call_summary_stats};
///
/// // 0/1, 1/1, ./.
/// let values = [0, 1, 1, 1, -1, -1];
/// let offsets = [0, 2, 4, 6];
/// let stats = call_summary_stats(&ListCalls::new(&values, &offsets));
/// assert_eq!((stats.n_called, stats.n_uncalled, stats.n_het), (2, 1, 1));
/// assert_eq!(stats.allele_counts, vec![1, 3]);
/// ```
#[derive(Clone, Copy)]
pub struct ListCalls<'a> {
    values: &'a [i32],
    offsets: &'a [i32],
    valid: Option<&'a dyn Fn(usize) -> bool>,
}

impl<'a> ListCalls<'a> {
    /// Calls whose lists are all present. `offsets` has one more entry than
    /// there are samples; they index `values` (an Arrow list's offsets,
    /// sliced to the row's samples, work as they are).
    pub fn new(values: &'a [i32], offsets: &'a [i32]) -> Self {
        Self {
            values,
            offsets,
            valid: None,
        }
    }

    /// Calls where sample `s`'s list is null unless `valid(s)`: a null list
    /// counts as uncalled.
    pub fn with_validity(mut self, valid: &'a dyn Fn(usize) -> bool) -> Self {
        self.valid = Some(valid);
        self
    }

    /// The row in the matrix layout's one-byte diploid form, written into
    /// `bytes`, when every sample has a present list of two alleles, each
    /// 0, 1 or −1: the form the diploid fast path counts without visiting
    /// samples one by one (biallelic diploid rows are nearly every row of
    /// a cohort). `None`, with `bytes` unspecified, for any other row.
    ///
    /// ```
    /// use genolake_stats::{ListCalls, call_summary_stats};
    ///
    /// // 0/1, 1/1, ./.
    /// let values = [0, 1, 1, 1, -1, -1];
    /// let offsets = [0, 2, 4, 6];
    /// let list = ListCalls::new(&values, &offsets);
    /// let mut bytes = Vec::new();
    /// let matrix = list.diploid_bytes(&mut bytes).unwrap();
    /// assert_eq!(call_summary_stats(&matrix), call_summary_stats(&list));
    /// // A haploid sample leaves the fast path.
    /// assert!(ListCalls::new(&[0, 1, 1], &[0, 2, 3]).diploid_bytes(&mut bytes).is_none());
    /// ```
    pub fn diploid_bytes<'b>(&self, bytes: &'b mut Vec<u8>) -> Option<MatrixCalls<'b>> {
        let samples = self.samples();
        if self.valid.is_some() || samples == 0 {
            return None;
        }
        let first = *self.offsets.first()?;
        // Offsets two apart from the first: one comparison per sample,
        // without branches, so it vectorises.
        let stride = self
            .offsets
            .iter()
            .zip((0..).step_by(2))
            .fold(true, |ok, (&o, step): (&i32, i32)| {
                ok & (o.wrapping_sub(first) == step)
            });
        let start = usize::try_from(first).ok()?;
        let values = self.values.get(start..start.checked_add(2 * samples)?)?;
        if !stride {
            return None;
        }
        bytes.clear();
        bytes.resize(values.len(), 0);
        // −1, 0 and 1 become 0xFF, 0 and 1; anything else sets the flag.
        // Element-wise over two slices of one length, so that it vectorises.
        let mut outside = 0u32;
        for (b, &v) in bytes.iter_mut().zip(values) {
            outside |= u32::from((v.wrapping_add(1) as u32) > 2);
            *b = v as u8;
        }
        if outside != 0 {
            return None;
        }
        MatrixCalls::new(bytes, 2, samples).ok()
    }

    fn alleles(&self, sample: usize) -> &'a [i32] {
        if self.valid.is_some_and(|valid| !valid(sample)) {
            return &[];
        }
        let start = usize::try_from(self.offsets[sample]).unwrap_or(0);
        let end = usize::try_from(self.offsets[sample + 1]).unwrap_or(0);
        self.values.get(start..end.max(start)).unwrap_or(&[])
    }
}

impl Calls for ListCalls<'_> {
    fn samples(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    fn visit<V: SampleVisitor>(&self, visitor: &mut V) {
        for sample in 0..self.samples() {
            visitor.sample(sample, self.alleles(sample).iter().copied());
        }
    }
}

/// A row of matrix-layout calls (`calls` and `callsPloidy` of a matrix
/// table, see `genolake_core::matrix`).
///
/// ```
/// use genolake_stats::{MatrixCalls, call_summary_stats};
///
/// // Two diploid samples, one byte per slot: 0/1 and 1/1.
/// let calls = MatrixCalls::new(&[0, 1, 1, 1], 2, 2)?;
/// let stats = call_summary_stats(&calls);
/// assert_eq!(stats.n_homozygous, vec![0, 1]);
/// # Ok::<(), genolake_stats::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct MatrixCalls<'a> {
    bytes: &'a [u8],
    ploidy: usize,
    samples: usize,
    width: usize,
}

impl<'a> MatrixCalls<'a> {
    /// The calls of one row: `bytes` holds `ploidy` slots per sample for
    /// `samples` samples; the slot width follows from its length.
    pub fn new(bytes: &'a [u8], ploidy: usize, samples: usize) -> Result<Self> {
        let slots = ploidy.checked_mul(samples);
        let width = match slots {
            Some(0) if bytes.is_empty() => 1,
            Some(slots) if slots > 0 && bytes.len().is_multiple_of(slots) => bytes.len() / slots,
            _ => 0,
        };
        if !matches!(width, 1 | 2 | 4) {
            return Err(Error::MatrixShape {
                bytes: bytes.len(),
                ploidy,
                samples,
            });
        }
        Ok(Self {
            bytes,
            ploidy,
            samples,
            width,
        })
    }

    /// Bytes per slot: 1, 2 or 4.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Slots per sample (`callsPloidy`).
    pub fn ploidy(&self) -> usize {
        self.ploidy
    }

    /// The row's bytes, `ploidy` slots of [`width`](Self::width) bytes per
    /// sample.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    fn visit_width<const W: usize, V: SampleVisitor>(&self, visitor: &mut V) {
        let per_sample = self.ploidy * W;
        if per_sample == 0 {
            for sample in 0..self.samples {
                visitor.sample(sample, std::iter::empty());
            }
            return;
        }
        for (sample, slots) in self.bytes.chunks_exact(per_sample).enumerate() {
            // Padding only trails a sample's alleles, and a null sample is
            // all −3: stopping at the first of either yields exactly the
            // sample's alleles.
            let alleles = slots
                .chunks_exact(W)
                .map(decode::<W>)
                .take_while(|&a| a != PAD && a != NULL_CALLS);
            visitor.sample(sample, alleles);
        }
    }
}

#[inline(always)]
fn decode<const W: usize>(slot: &[u8]) -> i32 {
    match W {
        1 => slot[0] as i8 as i32,
        2 => i16::from_le_bytes([slot[0], slot[1]]) as i32,
        _ => i32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]]),
    }
}

impl Calls for MatrixCalls<'_> {
    fn samples(&self) -> usize {
        self.samples
    }

    fn visit<V: SampleVisitor>(&self, visitor: &mut V) {
        match self.width {
            1 => self.visit_width::<1, V>(visitor),
            2 => self.visit_width::<2, V>(visitor),
            _ => self.visit_width::<4, V>(visitor),
        }
    }

    fn as_matrix(&self) -> Option<MatrixCalls<'_>> {
        Some(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SampleCallStats, call_summary_stats};
    use proptest::prelude::*;

    /// Samples of one to three alleles from −1 to 2, mostly diploid 0/1/−1
    /// so that both paths are taken.
    fn row() -> impl Strategy<Value = Vec<Vec<i32>>> {
        let diploid = proptest::collection::vec(-1i32..=1, 2);
        let any = proptest::collection::vec(-1i32..=2, 1..=3);
        proptest::collection::vec(prop_oneof![4 => diploid, 1 => any], 0..12)
    }

    proptest! {
        #[test]
        fn diploid_bytes_count_as_the_list(row in row()) {
            let mut values = Vec::new();
            let mut offsets = vec![0i32];
            for sample in &row {
                values.extend(sample);
                offsets.push(values.len() as i32);
            }
            let list = ListCalls::new(&values, &offsets);
            let eligible = !row.is_empty()
                && row.iter().all(|s| s.len() == 2 && s.iter().all(|a| (-1..=1).contains(a)));
            let mut bytes = Vec::new();
            let matrix = list.diploid_bytes(&mut bytes);
            prop_assert_eq!(matrix.is_some(), eligible);
            if let Some(matrix) = matrix {
                prop_assert_eq!(call_summary_stats(&matrix), call_summary_stats(&list));
                let (mut fast, mut slow) = (SampleCallStats::default(), SampleCallStats::default());
                fast.add_row_summarised(&matrix, "A", ["G"]).unwrap();
                slow.add_row_summarised(&list, "A", ["G"]).unwrap();
                prop_assert_eq!(fast.counts(), slow.counts());
            }
        }
    }

    #[test]
    fn offsets_not_from_zero_and_null_lists() {
        // The row's offsets start inside a longer values array.
        let values = [9, 9, 0, 1, 1, 1];
        let list = ListCalls::new(&values, &[2, 4, 6]);
        let mut bytes = Vec::new();
        assert_eq!(
            list.diploid_bytes(&mut bytes).map(|m| m.bytes().to_vec()),
            Some(vec![0, 1, 1, 1])
        );
        // Offsets past the values, and a validity, leave the fast path.
        assert!(
            ListCalls::new(&values, &[4, 6, 8])
                .diploid_bytes(&mut bytes)
                .is_none()
        );
        let valid = |_: usize| true;
        assert!(
            list.with_validity(&valid)
                .diploid_bytes(&mut bytes)
                .is_none()
        );
    }
}
