//! Where the values of the sample columns end: a bitmap of the `:` and tab
//! bytes of a line, built once per line and walked with a [`Cursor`].
//!
//! Finding the end of each value by looking at its bytes one after another
//! makes each answer wait for the previous one. Marking all separators first,
//! 64 bytes per machine word and independently of one another, turns each
//! answer into a bit scan on a register, a few cycles apart.

/// Bitmap of the separator bytes (`:` and tab) of one line's sample
/// columns, with one more bit set just past the end so every value ends.
#[derive(Debug, Default)]
pub(crate) struct Separators {
    words: Vec<u64>,
    /// The tabs alone.
    tab_words: Vec<u64>,
    len: usize,
}

/// Separators found eight bytes at a time in a `u64`, for CPUs without
/// SSE2 (and to test the SSE2 code against).
#[cfg(any(test, not(target_arch = "x86_64")))]
mod portable {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;

    /// The top bit of each byte of `word` that equals `c`; no other bit. Exact
    /// (no carries between bytes), unlike the usual "has a zero byte" test.
    #[inline(always)]
    fn bytes_equal(word: u64, c: u8) -> u64 {
        let x = word ^ (ONES * c as u64);
        !(((x & LOW7) + LOW7) | x) & HIGH
    }

    /// Gathers the top bit of byte `j` into bit `j`: the products land on
    /// distinct bits, so nothing carries into the top byte.
    #[inline(always)]
    fn gather(marks: u64) -> u64 {
        marks.wrapping_mul(0x0002_0408_1020_4081) >> 56
    }

    /// Bit `i` set where byte `i` of `chunk` is a separator, and where it is
    /// a tab.
    #[inline(always)]
    pub(super) fn separator_bits_portable(chunk: &[u8; 64]) -> (u64, u64) {
        let (mut bits, mut tabs) = (0, 0);
        for (i, word) in chunk.chunks_exact(8).enumerate() {
            let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            let tab_marks = bytes_equal(word, b'\t');
            bits |= gather(bytes_equal(word, b':') | tab_marks) << (8 * i);
            tabs |= gather(tab_marks) << (8 * i);
        }
        (bits, tabs)
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn separator_bits(chunk: &[u8; 64]) -> (u64, u64) {
    // SAFETY: SSE2 is part of the x86_64 baseline, so every x86_64 CPU has it.
    unsafe { separator_bits_sse2(chunk) }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn separator_bits(chunk: &[u8; 64]) -> (u64, u64) {
    portable::separator_bits_portable(chunk)
}

/// The separators of 64 bytes, and the tabs among them, sixteen bytes per
/// instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn separator_bits_sse2(chunk: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x, _mm_set1_epi8,
    };
    let colon = _mm_set1_epi8(b':' as i8);
    let tab = _mm_set1_epi8(b'\t' as i8);
    let (mut bits, mut tabs) = (0, 0);
    for (i, lane) in chunk.chunks_exact(16).enumerate() {
        let low = i64::from_le_bytes(lane[..8].try_into().expect("eight bytes"));
        let high = i64::from_le_bytes(lane[8..].try_into().expect("eight bytes"));
        let v = _mm_set_epi64x(high, low);
        let tab_marks = _mm_cmpeq_epi8(v, tab);
        let marks = _mm_or_si128(_mm_cmpeq_epi8(v, colon), tab_marks);
        bits |= (_mm_movemask_epi8(marks) as u32 as u64) << (16 * i);
        tabs |= (_mm_movemask_epi8(tab_marks) as u32 as u64) << (16 * i);
    }
    (bits, tabs)
}

impl Separators {
    /// Marks the separators of `bytes`, forgetting the previous line.
    pub(crate) fn index(&mut self, bytes: &[u8]) {
        self.len = bytes.len();
        self.words.clear();
        self.tab_words.clear();
        let mut chunks = bytes.chunks_exact(64);
        for chunk in &mut chunks {
            let (bits, tabs) = separator_bits(chunk.try_into().expect("64 bytes"));
            self.words.push(bits);
            self.tab_words.push(tabs);
        }
        let tail = chunks.remainder();
        let mut last = [0u8; 64];
        last[..tail.len()].copy_from_slice(tail);
        let (bits, tabs) = separator_bits(&last);
        // The end of the line ends the last value.
        self.words.push(bits | 1 << tail.len());
        self.tab_words.push(tabs);
    }

    /// Writes the span of each value, in order, to `spans`: from just past
    /// the separator before (0 for the first) to its separator (the end of
    /// the line last). Returns how many there are, which may be more than
    /// `spans` holds.
    #[inline]
    pub(crate) fn spans_into(&self, spans: &mut [(u32, u32)]) -> usize {
        let mut out = spans.iter_mut();
        let mut count = 0;
        let mut start = 0u32;
        for (i, &word) in self.words.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let end = (i * 64 + bits.trailing_zeros() as usize) as u32;
                bits &= bits - 1;
                if let Some(span) = out.next() {
                    *span = (start, end);
                }
                count += 1;
                start = end.wrapping_add(1);
            }
        }
        count
    }

    /// Whether the line's tabs are exactly at `positions` (ascending or
    /// not). Forgets the tabs: call once per line.
    pub(crate) fn tabs_exactly_at(&mut self, positions: impl Iterator<Item = usize>) -> bool {
        for at in positions {
            match self.tab_words.get_mut(at / 64) {
                Some(word) if *word & 1 << (at % 64) != 0 => *word &= !(1 << (at % 64)),
                _ => return false,
            }
        }
        self.tab_words.iter().all(|word| *word == 0)
    }

    /// A cursor at the start of the indexed bytes.
    pub(crate) fn cursor(&self) -> Cursor<'_> {
        Cursor {
            words: &self.words,
            index: 0,
            bits: self.words.first().copied().unwrap_or(0),
            len: self.len,
        }
    }
}

/// Hands out the separator positions of a line in order.
pub(crate) struct Cursor<'a> {
    words: &'a [u64],
    /// Which word `bits` comes from.
    index: usize,
    /// The separators of that word not yet handed out.
    bits: u64,
    len: usize,
}

impl Cursor<'_> {
    /// The position of the next separator, or the length of the line once
    /// all are handed out (the end of the line counts as the last one).
    #[inline(always)]
    pub(crate) fn next(&mut self) -> usize {
        while self.bits == 0 {
            self.index += 1;
            match self.words.get(self.index) {
                Some(&word) => self.bits = word,
                None => return self.len,
            }
        }
        // No bit is set past the end of the line.
        let at = self.index * 64 + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn positions(bytes: &[u8]) -> Vec<usize> {
        let mut separators = Separators::default();
        separators.index(bytes);
        let mut cursor = separators.cursor();
        let mut out = Vec::new();
        loop {
            let at = cursor.next();
            out.push(at);
            if at == bytes.len() {
                break;
            }
        }
        out
    }

    fn expected(bytes: &[u8]) -> Vec<usize> {
        let mut out: Vec<usize> = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| matches!(b, b':' | b'\t'))
            .map(|(i, _)| i)
            .collect();
        out.push(bytes.len());
        out
    }

    #[test]
    fn finds_every_separator_and_the_end() {
        let line = b"0/1:3,4:7\t./.:.:.\t1|1:10,0:10";
        assert_eq!(positions(line), [3, 7, 9, 13, 15, 17, 21, 26, 29]);
        assert_eq!(positions(line), expected(line));
        assert_eq!(positions(b""), [0]);
        let long: Vec<u8> = b"0/0:33,0:33:62:0,62,620\t".repeat(40);
        assert_eq!(positions(&long), expected(&long));
    }

    proptest! {
        /// Every separator is found, in every position of the 64-byte words,
        /// by the portable code and by the one the build uses.
        #[test]
        fn bitmaps_mark_exactly_the_separators(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b':'), Just(b','), Just(b'\t'), Just(b'0'), any::<u8>()],
                0..300,
            ),
        ) {
            prop_assert_eq!(positions(&bytes), expected(&bytes));
            for chunk in bytes.chunks(64) {
                let mut padded = [0u8; 64];
                padded[..chunk.len()].copy_from_slice(chunk);
                prop_assert_eq!(separator_bits(&padded), portable::separator_bits_portable(&padded));
            }
            let mut separators = Separators::default();
            separators.index(&bytes);
            let ends = expected(&bytes);
            let mut spans = vec![(0, 0); ends.len()];
            prop_assert_eq!(separators.spans_into(&mut spans), ends.len());
            prop_assert_eq!(separators.spans_into(&mut spans[..ends.len() / 2]), ends.len());
            let starts = std::iter::once(0).chain(ends.iter().map(|e| e + 1));
            let want: Vec<(u32, u32)> = starts.zip(&ends).map(|(s, e)| (s as u32, *e as u32)).collect();
            prop_assert_eq!(spans, want);
            let tabs: Vec<usize> = (0..bytes.len()).filter(|i| bytes[*i] == b'\t').collect();
            if let Some((_, some)) = tabs.split_last() {
                prop_assert!(!separators.tabs_exactly_at(some.iter().copied()));
                separators.index(&bytes);
            }
            prop_assert!(separators.tabs_exactly_at(tabs.iter().copied()));
        }
    }
}
