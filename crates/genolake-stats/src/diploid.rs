//! The fast path for the row that dominates real cohorts: diploid, one byte
//! a slot, every allele 0, 1 or missing (−1).
//!
//! On such a row a sample's two bytes fall into one of nine pairs, and
//! every count Glow asks for follows from five sums: the zero bytes, the one
//! bytes, and the samples that are `0/0`, `0/1`-or-`1/0` and `1/1` (a half
//! call such as `1/.` is what the bytes hold beyond those). Each is a
//! branch-free bit expression of the pair, computed for four samples at
//! once on a 64-bit word of the row (one 16-bit lane a sample); the loops
//! over words are plain, so the compiler vectorises them further.
//! Per-sample counters are flat arrays of such words, one array per kind,
//! added to the accumulator's `u64` counts before a lane could overflow.
//!
//! Anything else (haploid padding, null samples, alleles from 2 up, other
//! negative values, other widths and ploidies) is left to the generic
//! visitors: [`bytes`] decides per row with one pass over the bytes.

use crate::calls::{Calls, MatrixCalls};
use crate::sample::{SampleCallCounts, VariantClass};
use crate::variant::CallSummary;

/// The row's bytes when the fast path applies.
pub(crate) fn bytes<'a, C: Calls + ?Sized>(calls: &'a C) -> Option<&'a [u8]> {
    let matrix: MatrixCalls<'a> = calls.as_matrix()?;
    if matrix.ploidy() != 2 || matrix.width() != 1 || matrix.samples() == 0 {
        return None;
    }
    let bytes = matrix.bytes();
    // −1, 0 and 1 become 0, 1 and 2; a maximum (which vectorises, where a
    // short-circuiting search would not) finds any other value.
    let max = bytes.iter().fold(0u8, |m, &b| m.max(b.wrapping_add(1)));
    (max <= 2).then_some(bytes)
}

/// Samples per block: keeps every 16-bit lane of a word sum (at most two
/// a sample, a lane seeing every fourth sample) far below 2¹⁶.
const BLOCK: usize = 1 << 14;

/// Samples in one 64-bit word of the row: four pairs of bytes.
const PER_WORD: usize = 4;

/// The low bit of each byte and of each 16-bit lane.
const BYTE_BITS: u64 = 0x0101_0101_0101_0101;
const LANE_BITS: u64 = 0x0001_0001_0001_0001;

/// The five sums a row's summary follows from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RowSums {
    /// Bytes equal to 0: called reference alleles.
    pub zeros: u64,
    /// Bytes equal to 1: called alternate alleles.
    pub ones: u64,
    /// Samples `0/0`.
    pub hom_ref: u64,
    /// Samples `0/1` or `1/0`.
    pub het: u64,
    /// Samples `1/1`.
    pub hom_var: u64,
}

/// Four samples' kinds, one per 16-bit lane, from their eight bytes (as a
/// little-endian word: a sample's first byte in the low half of its lane).
#[derive(Clone, Copy, Default)]
struct Lanes {
    /// Zero bytes, 0 to 2.
    zeros: u64,
    /// One bytes, 0 to 2: also the sample's alternate alleles.
    ones: u64,
    /// 1 for `0/0`.
    hom_ref: u64,
    /// 1 for `0/1` and `1/0`.
    het: u64,
    /// 1 for `1/1`.
    hom_var: u64,
}

impl Lanes {
    #[inline(always)]
    fn of(word: u64) -> Self {
        // Every byte is 0xff, 0 or 1: a zero is the one with its low bit
        // clear, a one the one with bit 1 clear and bit 0 set.
        let zero = !word & BYTE_BITS;
        let one = word & !(word >> 1) & BYTE_BITS;
        let (zero_hi, one_hi) = (zero >> 8, one >> 8);
        Self {
            zeros: (zero & LANE_BITS) + (zero_hi & LANE_BITS),
            ones: (one & LANE_BITS) + (one_hi & LANE_BITS),
            hom_ref: zero & zero_hi & LANE_BITS,
            het: ((zero & one_hi) | (one & zero_hi)) & LANE_BITS,
            hom_var: one & one_hi & LANE_BITS,
        }
    }

    #[inline(always)]
    fn add(&mut self, other: &Self) {
        self.zeros += other.zeros;
        self.ones += other.ones;
        self.hom_ref += other.hom_ref;
        self.het += other.het;
        self.hom_var += other.hom_var;
    }

    /// Adds the sample kinds and alternate alleles to a word of each
    /// counter. No carry crosses lanes: a lane stays below 2¹⁶ until its
    /// counters are flushed.
    #[inline(always)]
    fn count(&self, hom_ref: &mut u64, het: &mut u64, hom_var: &mut u64, alt: &mut u64) {
        *hom_ref += self.hom_ref;
        *het += self.het;
        *hom_var += self.hom_var;
        *alt += self.ones;
    }
}

/// A row's bytes as whole words and a last partial word, padded with
/// missing calls, which count nowhere.
#[inline(always)]
fn words(bytes: &[u8]) -> (&[[u8; 2 * PER_WORD]], Option<u64>) {
    let (whole, tail) = bytes.as_chunks::<{ 2 * PER_WORD }>();
    let last = (!tail.is_empty()).then(|| {
        let mut padded = [0xff; 2 * PER_WORD];
        padded[..tail.len()].copy_from_slice(tail);
        u64::from_le_bytes(padded)
    });
    (whole, last)
}

/// Adds up the four 16-bit lanes of a word.
fn lane_sum(word: u64) -> u64 {
    (0..PER_WORD).map(|k| (word >> (16 * k)) & 0xffff).sum()
}

impl RowSums {
    fn add_block(&mut self, block: &Lanes) {
        self.zeros += lane_sum(block.zeros);
        self.ones += lane_sum(block.ones);
        self.hom_ref += lane_sum(block.hom_ref);
        self.het += lane_sum(block.het);
        self.hom_var += lane_sum(block.hom_var);
    }

    /// The sums of a row that [`bytes`] accepted.
    pub(crate) fn of(bytes: &[u8]) -> Self {
        let mut sums = Self::default();
        for block in bytes.chunks(2 * BLOCK) {
            let mut s = Lanes::default();
            let (whole, last) = words(block);
            for &word in whole {
                s.add(&Lanes::of(u64::from_le_bytes(word)));
            }
            if let Some(word) = last {
                s.add(&Lanes::of(word));
            }
            sums.add_block(&s);
        }
        sums
    }

    /// Glow's `call_summary_stats` of a row of `samples` samples with
    /// these sums, exactly as the generic counter makes it (vectors as
    /// long as the largest allele seen; see the counter in `variant.rs`).
    pub(crate) fn summary(&self, samples: usize) -> CallSummary {
        let to_i32 = |x: u64| i32::try_from(x).unwrap_or(i32::MAX);
        let called = self.hom_ref + self.het + self.hom_var;
        // Homozygous for allele a: no other allele called, at least one a
        // (so `0/.` and `./0` count for the reference).
        let hom0 = self.zeros - self.hom_ref - self.het;
        let hom1 = self.ones - self.hom_var - self.het;
        let trim = |pair: [u64; 2]| -> Vec<i32> {
            let len = if pair[1] > 0 {
                2
            } else {
                usize::from(pair[0] > 0)
            };
            pair[..len].iter().map(|&x| to_i32(x)).collect()
        };
        let allele_counts = trim([self.zeros, self.ones]);
        let n_alleles_called = to_i32(self.zeros + self.ones);
        let n = f64::from(n_alleles_called);
        let n_called = to_i32(called);
        let n_uncalled = to_i32(samples as u64 - called);
        CallSummary {
            call_rate: f64::from(n_called) / f64::from(n_called + n_uncalled),
            n_called,
            n_uncalled,
            n_het: to_i32(self.het),
            n_homozygous: trim([hom0, hom1]),
            // Carries a one: a heterozygote, or any sample with a one and
            // no zero.
            n_non_ref: to_i32(self.ones - self.hom_var),
            n_alleles_called,
            allele_frequencies: allele_counts.iter().map(|&c| f64::from(c) / n).collect(),
            allele_counts,
        }
    }
}

/// Per-sample counters of the rows taken by the fast path since the last
/// flush into [`SampleCallCounts`]: 16 bits a sample, four samples a word,
/// so that one 64-bit addition counts four samples.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pending {
    /// Rows counted.
    rows: u32,
    /// Words per kind: the samples divided by four, rounded up.
    words: usize,
    /// `KINDS` arrays of `words` words, see [`Kind`].
    counters: Vec<u64>,
}

/// The counters of [`Pending`], in the order of its arrays.
#[derive(Debug, Clone, Copy)]
enum Kind {
    HomRef,
    Het,
    HomVar,
    Insertion,
    Deletion,
    Transition,
    Transversion,
    SpanningDeletion,
    /// Alternate alleles of no counted class (or a row without
    /// alternates): counted and never read, so that every row runs the
    /// same loop.
    Uncounted,
}

const KINDS: usize = 9;

/// Rows after which [`Pending`] flushes: a row adds at most 2 to a 16-bit
/// counter.
const FLUSH_ROWS: u32 = (u16::MAX / 2) as u32;

impl Kind {
    fn of(class: Option<VariantClass>) -> Self {
        match class {
            Some(VariantClass::Insertion) => Self::Insertion,
            Some(VariantClass::Deletion) => Self::Deletion,
            Some(VariantClass::Transition) => Self::Transition,
            Some(VariantClass::Transversion) => Self::Transversion,
            Some(VariantClass::SpanningDeletion) => Self::SpanningDeletion,
            Some(VariantClass::Other) | None => Self::Uncounted,
        }
    }
}

impl Pending {
    /// Whether any row waits to be flushed.
    pub(crate) fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Counts a row that [`bytes`] accepted, whose first alternate allele
    /// is of `class`, into the counters of `counts.len()` samples (the
    /// row's), and returns its sums.
    pub(crate) fn add(
        &mut self,
        bytes: &[u8],
        class: Option<VariantClass>,
        counts: &mut [SampleCallCounts],
    ) -> RowSums {
        let n = counts.len();
        debug_assert_eq!(bytes.len(), 2 * n);
        let words = n.div_ceil(PER_WORD);
        if self.words != words || self.counters.len() != KINDS * words {
            self.flush(counts);
            self.words = words;
            self.counters = vec![0; KINDS * words];
        }
        let (hom_ref, rest) = self.counters.split_at_mut(words);
        let (het, rest) = rest.split_at_mut(words);
        let (hom_var, rest) = rest.split_at_mut(words);
        let alt_start = (Kind::of(class) as usize - Kind::Insertion as usize) * words;
        let alt = &mut rest[alt_start..alt_start + words];
        let mut sums = RowSums::default();
        let block_words = BLOCK / PER_WORD;
        for (b, block) in bytes.chunks(2 * BLOCK).enumerate() {
            let range = b * block_words..words.min((b + 1) * block_words);
            sums.add_block(&count_block(
                block,
                &mut hom_ref[range.clone()],
                &mut het[range.clone()],
                &mut hom_var[range.clone()],
                &mut alt[range],
            ));
        }
        self.rows += 1;
        if self.rows == FLUSH_ROWS {
            self.flush(counts);
        }
        sums
    }

    /// Adds the pending counters to `counts` and clears them.
    pub(crate) fn flush(&mut self, counts: &mut [SampleCallCounts]) {
        if self.rows == 0 {
            return;
        }
        self.add_to(counts);
        self.counters.fill(0);
        self.rows = 0;
    }

    /// `counts` with the pending counters added.
    pub(crate) fn added_to(&self, counts: &[SampleCallCounts]) -> Vec<SampleCallCounts> {
        let mut all = counts.to_vec();
        if self.rows > 0 {
            self.add_to(&mut all);
        }
        all
    }

    fn add_to(&self, counts: &mut [SampleCallCounts]) {
        let kind = |k: Kind, s: usize| {
            let word = self.counters[k as usize * self.words + s / PER_WORD];
            (word >> (16 * (s % PER_WORD))) & 0xffff
        };
        for (s, c) in counts.iter_mut().enumerate() {
            let called = kind(Kind::HomRef, s) + kind(Kind::Het, s) + kind(Kind::HomVar, s);
            c.n_called += called;
            c.n_uncalled += u64::from(self.rows) - called;
            c.n_hom_ref += kind(Kind::HomRef, s);
            c.n_het += kind(Kind::Het, s);
            c.n_hom_var += kind(Kind::HomVar, s);
            c.n_insertion += kind(Kind::Insertion, s);
            c.n_deletion += kind(Kind::Deletion, s);
            c.n_transition += kind(Kind::Transition, s);
            c.n_transversion += kind(Kind::Transversion, s);
            c.n_spanning_deletion += kind(Kind::SpanningDeletion, s);
        }
    }
}

/// One block of samples: adds each sample's kind and alternate alleles to
/// its counters and returns the block's sums, lane by lane.
#[inline(always)]
fn count_block(
    bytes: &[u8],
    hom_ref: &mut [u64],
    het: &mut [u64],
    hom_var: &mut [u64],
    alt: &mut [u64],
) -> Lanes {
    let mut s = Lanes::default();
    let (whole, last) = words(bytes);
    let counters = hom_ref
        .iter_mut()
        .zip(het.iter_mut())
        .zip(hom_var.iter_mut())
        .zip(alt.iter_mut());
    for (&word, (((hr, ht), hv), a)) in whole.iter().zip(counters) {
        let l = Lanes::of(u64::from_le_bytes(word));
        l.count(hr, ht, hv, a);
        s.add(&l);
    }
    let i = whole.len();
    if let Some(word) = last
        && i < hom_ref
            .len()
            .min(het.len())
            .min(hom_var.len())
            .min(alt.len())
    {
        let l = Lanes::of(word);
        l.count(&mut hom_ref[i], &mut het[i], &mut hom_var[i], &mut alt[i]);
        s.add(&l);
    }
    s
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::{
        CallSummary, Calls, ListCalls, MatrixCalls, NULL_CALLS, PAD, SampleCallStats,
        SampleVisitor, call_summary_stats, try_call_summary_stats,
    };

    /// A matrix row that hides its bytes: the statistics can only visit it,
    /// as they did before the fast path.
    struct Visited<'a>(MatrixCalls<'a>);

    impl Calls for Visited<'_> {
        fn samples(&self) -> usize {
            self.0.samples()
        }

        fn visit<V: SampleVisitor>(&self, visitor: &mut V) {
            self.0.visit(visitor)
        }
    }

    /// Reference and alternates covering every class, none, and several.
    const SITES: &[(&str, &[&str])] = &[
        ("A", &["G"]),
        ("C", &["A"]),
        ("A", &["ACT"]),
        ("TTC", &["T"]),
        ("T", &["*"]),
        ("AC", &["GT"]),
        ("A", &[]),
        ("A", &["G", "AT", "*"]),
        ("G", &["<DEL>"]),
    ];

    /// One row: its site and each sample's two slots.
    #[derive(Debug, Clone)]
    struct Row {
        site: usize,
        slots: Vec<[i32; 2]>,
    }

    impl Row {
        fn bytes(&self) -> Vec<u8> {
            self.slots
                .iter()
                .flatten()
                .map(|&s| s as i8 as u8)
                .collect()
        }

        /// The same genotypes in Glow's layout, with the matrix layout's
        /// reading of the slots: alleles end at the first padding or null
        /// slot, and a sample whose first slot is null has null calls.
        fn list(&self) -> (Vec<i32>, Vec<i32>, Vec<bool>) {
            let (mut values, mut offsets, mut valid) = (Vec::new(), vec![0], Vec::new());
            for pair in &self.slots {
                valid.push(pair[0] != NULL_CALLS);
                values.extend(pair.iter().take_while(|&&a| a != PAD && a != NULL_CALLS));
                offsets.push(values.len() as i32);
            }
            (values, offsets, valid)
        }

        /// Whether every slot is 0, 1 or −1, the fast path's domain.
        fn plain(&self) -> bool {
            self.slots.iter().flatten().all(|a| (-1..=1).contains(a))
        }
    }

    fn plain_slot() -> impl Strategy<Value = i32> {
        prop_oneof![5 => Just(0), 4 => Just(1), 1 => Just(-1)]
    }

    /// Everything a one-byte matrix row can hold, special values included.
    fn any_slot() -> impl Strategy<Value = i32> {
        prop_oneof![
            8 => plain_slot(),
            1 => Just(2),
            1 => Just(3),
            1 => Just(127),
            1 => Just(PAD),
            1 => Just(NULL_CALLS),
            1 => Just(-4),
            1 => Just(-128),
        ]
    }

    fn rows(samples: usize) -> impl Strategy<Value = Vec<Row>> {
        let row = (
            0..SITES.len(),
            prop::bool::weighted(0.6),
            prop::collection::vec([any_slot(), any_slot()], samples),
            prop::collection::vec([plain_slot(), plain_slot()], samples),
        )
            .prop_map(|(site, plain, wild, tame)| Row {
                site,
                slots: if plain { tame } else { wild },
            });
        prop::collection::vec(row, 1..12)
    }

    fn cohort() -> impl Strategy<Value = Vec<Row>> {
        prop_oneof![1usize..8, 8usize..200].prop_flat_map(rows)
    }

    fn text(summary: &CallSummary) -> String {
        format!("{summary:?}")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_fast_path_counts_what_the_visitors_count(rows in cohort()) {
            let mut fused = SampleCallStats::default();
            let mut fast = SampleCallStats::default();
            let mut visited = SampleCallStats::default();
            let mut list = SampleCallStats::default();
            let mut halves = [SampleCallStats::default(), SampleCallStats::default()];
            for (i, row) in rows.iter().enumerate() {
                let n = row.slots.len();
                let (reference, alternates) = SITES[row.site];
                let alts = || alternates.iter().copied();
                let bytes = row.bytes();
                let matrix = MatrixCalls::new(&bytes, 2, n).unwrap();
                // The fast path takes exactly the plain rows.
                prop_assert_eq!(super::bytes(&matrix).is_some(), row.plain());
                let (values, offsets, valid) = row.list();
                let is_valid = |s: usize| valid[s];
                let glow = ListCalls::new(&values, &offsets).with_validity(&is_valid);

                let expected = call_summary_stats(&Visited(matrix));
                prop_assert_eq!(text(&call_summary_stats(&glow)), text(&expected));
                prop_assert_eq!(text(&call_summary_stats(&matrix)), text(&expected));
                prop_assert_eq!(
                    try_call_summary_stats(&matrix).map(|s| text(&s)),
                    try_call_summary_stats(&Visited(matrix)).map(|s| text(&s))
                );
                let summary = fused.add_row_summarised(&matrix, reference, alts()).unwrap();
                prop_assert_eq!(text(&summary), text(&expected));

                fast.add_row(&matrix, reference, alts()).unwrap();
                visited.add_row(&Visited(matrix), reference, alts()).unwrap();
                list.add_row(&glow, reference, alts()).unwrap();
                halves[i % 2].add_row_summarised(&matrix, reference, alts()).unwrap();
                // Reading the counts midway must not disturb what follows.
                if i == 2 {
                    prop_assert_eq!(fused.counts(), visited.counts());
                }
            }
            prop_assert_eq!(visited.counts(), list.counts());
            prop_assert_eq!(fused.counts(), visited.counts());
            prop_assert_eq!(fast.counts(), visited.counts());
            prop_assert!(fused == visited);
            let back = SampleCallStats::from_bytes(&fused.to_bytes()).unwrap();
            prop_assert_eq!(back.counts(), visited.counts());
            let [mut even, odd] = halves;
            even.merge(&odd).unwrap();
            prop_assert_eq!(even.counts(), visited.counts());
        }
    }

    /// A deterministic stream of plain rows (splitmix64).
    fn plain_rows(rows: usize, samples: usize, mut seed: u64) -> Vec<Vec<u8>> {
        let mut next = move || {
            seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        (0..rows)
            .map(|_| {
                (0..2 * samples)
                    .map(|_| [0xff, 0, 0, 1][(next() % 4) as usize])
                    .collect()
            })
            .collect()
    }

    #[test]
    fn counters_flush_before_they_overflow() {
        // More rows than a 16-bit counter holds, each adding up to 2.
        let mut rows = plain_rows(70_000, 3, 7);
        for row in &mut rows {
            row[..2].copy_from_slice(&[1, 1]);
        }
        let mut fused = SampleCallStats::default();
        let mut visited = SampleCallStats::default();
        for (i, bytes) in rows.iter().enumerate() {
            let matrix = MatrixCalls::new(bytes, 2, 3).unwrap();
            let (reference, alternates) = SITES[usize::from(i % 3 == 0)];
            fused
                .add_row_summarised(&matrix, reference, alternates.iter().copied())
                .unwrap();
            visited
                .add_row(&Visited(matrix), reference, alternates.iter().copied())
                .unwrap();
        }
        assert_eq!(fused.counts(), visited.counts());
        let c = fused.counts()[0];
        assert_eq!(c.n_called + c.n_uncalled, 70_000);
        assert_eq!((c.n_hom_var, c.n_transition), (70_000, 2 * 46_666));
    }

    #[test]
    fn rows_of_more_samples_than_a_block_sum_exactly() {
        // 0/0 everywhere: 80,000 zero bytes, more than a 16-bit sum holds.
        let n = 40_000;
        let zeros = vec![0u8; 2 * n];
        let mut rows = plain_rows(3, n, 11);
        rows.push(zeros);
        let mut fused = SampleCallStats::default();
        let mut visited = SampleCallStats::default();
        for bytes in &rows {
            let matrix = MatrixCalls::new(bytes, 2, n).unwrap();
            let summary = fused.add_row_summarised(&matrix, "A", ["G"]).unwrap();
            assert_eq!(text(&summary), text(&call_summary_stats(&Visited(matrix))));
            visited.add_row(&Visited(matrix), "A", ["G"]).unwrap();
        }
        assert_eq!(fused.counts(), visited.counts());
        let last = call_summary_stats(&MatrixCalls::new(&rows[3], 2, n).unwrap());
        assert_eq!((last.n_called, last.allele_counts), (40_000, vec![80_000]));
    }

    #[test]
    fn other_shapes_are_left_to_the_visitor() {
        let haploid = MatrixCalls::new(&[0, 1, 1], 1, 3).unwrap();
        let wide = MatrixCalls::new(&[0, 0, 1, 0], 2, 1).unwrap();
        let empty = MatrixCalls::new(&[], 0, 4).unwrap();
        let no_samples = MatrixCalls::new(&[], 2, 0).unwrap();
        for calls in [haploid, wide, empty, no_samples] {
            assert!(super::bytes(&calls).is_none());
            let mut fused = SampleCallStats::default();
            let mut visited = SampleCallStats::default();
            let summary = fused.add_row_summarised(&calls, "A", ["G"]).unwrap();
            visited.add_row(&Visited(calls), "A", ["G"]).unwrap();
            assert_eq!(text(&summary), text(&call_summary_stats(&Visited(calls))));
            assert_eq!(fused.counts(), visited.counts());
        }
    }
}
