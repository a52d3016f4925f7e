//! Locating every value of a line's sample columns before parsing any.
//!
//! A genotype's values are parsed key by key across all samples rather than
//! sample by sample: one pass finds where each value starts and ends (from
//! the line's [`Separators`]), then each FORMAT key's values are parsed in a
//! loop of its own, whose iterations do not wait on one another (the next
//! value's position is already known) and whose body is one column's parser
//! (no dispatch on the key per value). Lines that are not regular (a
//! sample column too many or too few, one with more values than FORMAT has
//! keys, an empty one) are left to the sample-by-sample decoder, which
//! reports them.

use super::separators::Separators;

/// The span of a value a sample leaves out (trailing FORMAT keys may be
/// dropped from a sample): it is missing.
pub(crate) const ABSENT: (u32, u32) = (u32::MAX, u32::MAX);

/// Where each value of one line's (selected) sample columns lies.
#[derive(Debug, Default)]
pub(crate) struct SampleTable {
    separators: Separators,
    /// `[start, end)` of value `k` of the `i`-th selected sample at
    /// `i * keys + k`, or [`ABSENT`].
    spans: Vec<(u32, u32)>,
    keys: usize,
}

impl SampleTable {
    /// Locates the values of `bytes`, the sample columns of a line whose
    /// FORMAT has `keys` keys, for the samples `selected` names (`None`:
    /// all). False if the line is not regular (see the module documentation).
    pub(crate) fn locate(
        &mut self,
        bytes: &[u8],
        n_samples: usize,
        selected: Option<&[bool]>,
        keys: usize,
    ) -> bool {
        // Spans are `u32`; lines are far shorter (see `MAX_LINE_LEN`).
        if n_samples == 0 || keys == 0 || bytes.len() >= u32::MAX as usize {
            return false;
        }
        self.separators.index(bytes);
        self.keys = keys;
        if selected.is_none() && self.locate_full(n_samples, keys) {
            return true;
        }
        let rows = selected.map_or(n_samples, |s| s.iter().filter(|w| **w).count());
        // Every span is written below: no need to clear the last line's.
        self.spans.resize(rows * keys, ABSENT);
        let mut cursor = self.separators.cursor();
        let mut rows = self.spans.chunks_exact_mut(keys);
        let mut start = 0;
        for sample in 0..n_samples {
            let last = if selected.is_none_or(|s| s[sample]) {
                let Some(row) = rows.next() else {
                    return false;
                };
                let mut k = 0;
                let last = loop {
                    let end = cursor.next();
                    let Some(span) = row.get_mut(k) else {
                        // More values than FORMAT has keys.
                        return false;
                    };
                    *span = (start as u32, end as u32);
                    k += 1;
                    start = end + 1;
                    match bytes.get(end) {
                        Some(b':') => {}
                        other => break other,
                    }
                };
                if k == 1 && row[0].0 == row[0].1 {
                    // An empty sample column.
                    return false;
                }
                row[k..].fill(ABSENT);
                last
            } else {
                loop {
                    let end = cursor.next();
                    start = end + 1;
                    match bytes.get(end) {
                        Some(b':') => {}
                        other => break other,
                    }
                }
            };
            // A tab ends every sample column but the last, which ends the line.
            if last.is_none() != (sample + 1 == n_samples) {
                return false;
            }
        }
        true
    }

    /// The common case, every sample read and giving every key: then the
    /// line has `keys` separators per sample (the end of the line counting
    /// as the last), the last of each sample's is a tab and no other is, and
    /// the spans are simply all the separators in order, handed out without
    /// looking at their bytes. False if the line is not like that.
    fn locate_full(&mut self, n_samples: usize, keys: usize) -> bool {
        let values = n_samples * keys;
        self.spans.resize(values, ABSENT);
        if self.separators.spans_into(&mut self.spans) != values {
            return false;
        }
        let ends_of_samples = self.spans.chunks_exact(keys).take(n_samples - 1);
        if !self
            .separators
            .tabs_exactly_at(ends_of_samples.map(|row| row[keys - 1].1 as usize))
        {
            return false;
        }
        // An empty sample column (a single empty value) is the line's error.
        keys > 1 || self.spans.iter().all(|(start, end)| start != end)
    }

    /// The spans of key `k` (by its place in FORMAT), one per selected sample.
    #[inline]
    pub(crate) fn key(&self, k: usize) -> KeySpans<'_> {
        KeySpans {
            spans: &self.spans,
            at: k,
            step: self.keys.max(1),
        }
    }
}

/// The spans of one key, sample after sample.
#[derive(Debug, Clone)]
pub(crate) struct KeySpans<'a> {
    spans: &'a [(u32, u32)],
    at: usize,
    step: usize,
}

impl Iterator for KeySpans<'_> {
    type Item = (u32, u32);

    #[inline(always)]
    fn next(&mut self) -> Option<(u32, u32)> {
        let span = *self.spans.get(self.at)?;
        self.at += self.step;
        Some(span)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.spans.len().saturating_sub(self.at).div_ceil(self.step);
        (left, Some(left))
    }
}

impl ExactSizeIterator for KeySpans<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn locate(
        line: &str,
        n: usize,
        selected: Option<&[bool]>,
        keys: usize,
    ) -> Option<Vec<Vec<(u32, u32)>>> {
        let mut table = SampleTable::default();
        if !table.locate(line.as_bytes(), n, selected, keys) {
            return None;
        }
        Some((0..keys).map(|k| table.key(k).collect()).collect())
    }

    #[test]
    fn regular_lines_are_located_key_by_key() {
        let line = "0/1:3,4:7\t./.\t1|1:10,0:";
        let keys = locate(line, 3, None, 3).unwrap();
        assert_eq!(keys[0], [(0, 3), (10, 13), (14, 17)]);
        assert_eq!(keys[1], [(4, 7), ABSENT, (18, 22)]);
        assert_eq!(keys[2], [(8, 9), ABSENT, (23, 23)]);
        let keys = locate(line, 3, Some(&[false, true, true]), 3).unwrap();
        assert_eq!(keys[0], [(10, 13), (14, 17)]);
    }

    #[test]
    fn irregular_lines_are_left_to_the_sample_by_sample_decoder() {
        for (line, n, keys) in [
            ("0/1\t1/1", 3, 1),   // too few sample columns
            ("0/1\t1/1\t", 2, 1), // too many (an empty one)
            ("0/1:5", 1, 1),      // more values than keys
            ("0/1\t\t1/1", 3, 1), // an empty sample column
            ("", 1, 1),
            ("0/1", 0, 1),
        ] {
            assert_eq!(locate(line, n, None, keys), None, "{line:?}");
        }
        // An unread sample is not looked into.
        assert!(locate("0/1\t0/1:5:6\t1/1", 3, Some(&[true, false, true]), 1).is_some());
        // An empty first value is not an empty column.
        assert!(locate(":5", 1, None, 2).is_some());
    }
}
