//! Integer values (`Type=Integer`), the bulk of a FORMAT-rich file: parsing
//! and the Arrow columns they go to.
//!
//! A cohort with `GT:AD:DP:GQ:PL` holds seven integers per genotype, so this
//! is the inner loop of decoding. What keeps it short:
//!
//! - a whole column is parsed in one loop ([`IntColumn::push_spans`],
//!   [`IntListColumn::push_spans`]) over values whose ends are already known
//!   (see [`samples`](super::samples)), so one value does not wait for the
//!   previous one and the loop body does only this column's work;
//! - numbers of one to nine digits, nearly all of them, take a plain digit
//!   loop that cannot overflow; anything else goes to the general parser;
//! - values go straight into the `Vec<i32>` that becomes the Arrow value
//!   buffer, and list ends into the one that becomes the offsets;
//! - validity is kept as runs of nulls ([`NullRuns`]) and turned into a bitmap
//!   once per batch: appending a valid value touches no bitmap, and missing
//!   values (`.`, a few per cent of genotypes) cost a comparison each;
//! - the buffers of a batch are reused for the next ([`Recycler`]).
//!
//! What is an Integer is decided by [`parse_i32`] (and, for lists, by
//! splitting on commas and calling it on each item): an optional sign and 1
//! to 10 decimal digits whose value fits an `i32`; `.` is missing. The fast
//! paths agree with it on every input (see the property tests), and on any
//! input they reject, the plain parser decides, and names the error.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, ListArray};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field};
use arrow::error::ArrowError;
use arrow_buffer::BooleanBufferBuilder;
use genolake_core::builder::{ColumnBuilder, ascending_offsets};

use super::recycle::Recycler;
use super::samples::{ABSENT, KeySpans};

/// The smallest Integer a VCF value may hold: BCF keeps the eight values
/// below it (down to `i32::MIN`) for missing and end-of-vector markers, and
/// the specification disallows them in VCF too.
pub(crate) const MIN_INTEGER: i64 = i32::MIN as i64 + 8;

/// Parses a VCF Integer: optional sign and 1 to 10 decimal digits, from
/// [`MIN_INTEGER`] to `i32::MAX`. This is the definition the fast scanners
/// below are tested against.
/// The error message is built by the caller: keeping `String` out of the
/// return type keeps this in registers.
#[inline]
pub(crate) fn parse_i32(raw: &[u8]) -> Option<i32> {
    let (negative, digits) = match raw {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, raw),
    };
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    let mut value: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        value = value * 10 + d as i64;
    }
    let value = if negative { -value } else { value };
    if value < MIN_INTEGER {
        return None;
    }
    i32::try_from(value).ok()
}

/// The value of `digits` if it is one to nine decimal digits, the common
/// case (no sign, cannot overflow).
///
/// A plain loop: on the short numbers of genotype fields it measured twice
/// as fast as checking and converting eight bytes at a time in a `u64`
/// (SWAR), whose shifts and multiplications cost more than the two or
/// three digits they replace.
#[inline(always)]
fn plain_digits(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 9 {
        return None;
    }
    let mut value = 0u32;
    for &b in digits {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + digit as u32;
    }
    Some(value)
}

/// Parses the item `bytes[start..end]` of an Integer value: `Some(Some(v))`
/// for an Integer, `Some(None)` for `.`, `None` for anything else.
#[inline(always)]
pub(crate) fn int_item(bytes: &[u8], start: usize, end: usize) -> Option<Option<i32>> {
    let item = bytes.get(start..end)?;
    match plain_digits(item) {
        Some(value) => Some(Some(value as i32)),
        None => int_item_other(item),
    }
}

/// `.`, signs, long numbers and what is not an Integer.
#[inline(never)]
fn int_item_other(item: &[u8]) -> Option<Option<i32>> {
    if item == b"." {
        Some(None)
    } else {
        parse_i32(item).map(Some)
    }
}

/// Appends the items of the list `bytes[start..end]` to `values` if all are
/// numbers of one to nine digits, the common case; else returns false, with
/// some items maybe appended (the caller truncates).
///
/// A plain loop over the bytes (see [`plain_digits`]): on lists of short
/// numbers (allele depths, likelihoods) it also measured faster than
/// finding each item's digits eight bytes at a time, where every item waits
/// for the load that finds where it starts, and than writing the items into
/// a slice sized beforehand.
#[inline(always)]
fn push_list_items(values: &mut Vec<i32>, bytes: &[u8], start: usize, end: usize) -> bool {
    let Some(span) = bytes.get(start..end) else {
        return false;
    };
    let mut bytes = span.iter();
    loop {
        // An item starts with a digit (taking it out of the loop below
        // measured faster).
        let Some(&first) = bytes.next() else {
            return false;
        };
        let mut value = first.wrapping_sub(b'0') as u32;
        if value > 9 {
            return false;
        }
        let mut digits = 1;
        let another = loop {
            let Some(&b) = bytes.next() else {
                break false;
            };
            let digit = b.wrapping_sub(b'0');
            if digit <= 9 {
                // Past nine digits the value is wrong, and rejected below.
                value = value.wrapping_mul(10).wrapping_add(digit as u32);
                digits += 1;
                continue;
            }
            if b != b',' {
                return false;
            }
            break true;
        };
        if digits > 9 {
            return false;
        }
        values.push(value as i32);
        if !another {
            return true;
        }
    }
}

/// Validity as the runs of nulls among the values appended so far, in order.
///
/// Appending a valid value costs nothing here; the bitmap Arrow wants is
/// drawn once per batch by [`NullRuns::finish`], and only if a null arrived.
#[derive(Debug, Default)]
pub(crate) struct NullRuns {
    /// `[start, end)` of each run of nulls, ascending and not touching.
    runs: Vec<(usize, usize)>,
}

impl NullRuns {
    /// Marks values `at..at + n` null; `at` is at or past the end of the last run.
    #[inline]
    pub(crate) fn add(&mut self, at: usize, n: usize) {
        if n == 0 {
            return;
        }
        match self.runs.last_mut() {
            Some(last) if last.1 == at => last.1 += n,
            _ => self.runs.push((at, at + n)),
        }
    }

    /// Forgets the nulls from value `len` on.
    pub(crate) fn truncate(&mut self, len: usize) {
        while let Some(last) = self.runs.last_mut() {
            if last.0 >= len {
                self.runs.pop();
            } else {
                last.1 = last.1.min(len);
                break;
            }
        }
    }

    /// The validity bitmap of `len` values (`None`: all valid), and resets.
    pub(crate) fn finish(&mut self, len: usize) -> Option<NullBuffer> {
        if self.runs.is_empty() {
            return None;
        }
        let mut bits = BooleanBufferBuilder::new(len);
        let mut at = 0;
        for &(start, end) in &self.runs {
            bits.append_n(start - at, true);
            bits.append_n(end - start, false);
            at = end;
        }
        bits.append_n(len - at, true);
        self.runs.clear();
        Some(NullBuffer::new(bits.finish()))
    }
}

/// A column of `Int32`: a scalar Integer INFO or FORMAT field.
#[derive(Debug, Default)]
pub(crate) struct IntColumn {
    values: Vec<i32>,
    nulls: NullRuns,
    recycler: Recycler<i32>,
}

impl IntColumn {
    /// Takes back the memory of the last batch, if it is free (see [`Recycler`]).
    pub(crate) fn recycle(&mut self) {
        self.recycler.refill(&mut self.values);
    }

    /// The values appended so far (a null holds 0).
    pub(crate) fn values(&self) -> &[i32] {
        &self.values
    }

    /// Appends a value, or null for `None`.
    #[inline(always)]
    pub(crate) fn push(&mut self, value: Option<i32>) {
        match value {
            Some(v) => self.values.push(v),
            None => self.push_nulls(1),
        }
    }

    /// Appends values, none null.
    #[inline(always)]
    pub(crate) fn extend_valid(&mut self, values: impl Iterator<Item = i32>) {
        self.values.extend(values);
    }

    /// Makes value `at`, already appended, null (at or after the last null).
    #[inline]
    pub(crate) fn set_null(&mut self, at: usize) {
        self.nulls.add(at, 1);
    }

    /// Appends `raw`, one Integer or `.`; false (nothing appended) if it is
    /// neither.
    #[cfg(test)]
    pub(crate) fn push_value(&mut self, raw: &[u8]) -> bool {
        self.push_span(raw, 0, raw.len())
    }

    /// Parses `bytes[start..end]`, one Integer or `.`, and appends it;
    /// false (nothing appended) if it is neither.
    #[inline(always)]
    pub(crate) fn push_span(&mut self, bytes: &[u8], start: usize, end: usize) -> bool {
        match int_item(bytes, start, end) {
            Some(value) => {
                self.push(value);
                true
            }
            None => false,
        }
    }

    /// Appends one value per span of `bytes` ([`ABSENT`]: null). False at
    /// the first malformed value, with the values before it appended.
    // Not inlined: the loop gets the registers to itself.
    #[inline(never)]
    pub(crate) fn push_spans(&mut self, bytes: &[u8], spans: KeySpans<'_>) -> bool {
        let Self { values, nulls, .. } = self;
        // The values are written into place: the loop keeps the slice in
        // registers instead of updating the `Vec`'s length at every value.
        let base = values.len();
        values.resize(base + spans.len(), 0);
        let out = &mut values[base..];
        for (i, (start, end)) in spans.enumerate() {
            if start == ABSENT.0 {
                nulls.add(base + i, 1);
                continue;
            }
            match int_item(bytes, start as usize, end as usize) {
                Some(Some(value)) => out[i] = value,
                Some(None) => nulls.add(base + i, 1),
                None => {
                    values.truncate(base + i);
                    return false;
                }
            }
        }
        true
    }
}

impl ColumnBuilder for IntColumn {
    fn len(&self) -> usize {
        self.values.len()
    }

    #[inline]
    fn push_nulls(&mut self, n: usize) {
        self.nulls.add(self.values.len(), n);
        self.values.resize(self.values.len() + n, 0);
    }

    fn data_type(&self) -> DataType {
        DataType::Int32
    }

    fn truncate(&mut self, len: usize) {
        self.values.truncate(len);
        self.nulls.truncate(len);
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let len = self.values.len();
        let values = self.recycler.lend(std::mem::take(&mut self.values));
        let nulls = self.nulls.finish(len);
        Ok(Arc::new(Int32Array::try_new(values, nulls)?))
    }
}

/// A column of `List<Int32>`: an Integer field with `Number` other than 0 or
/// 1 (`AD`, `PL`, ...). A `.` value is a null list; a `.` item inside a list
/// is a null item.
#[derive(Debug)]
pub(crate) struct IntListColumn {
    /// One more than the rows; the last is where the open row starts.
    offsets: Vec<i32>,
    nulls: NullRuns,
    values: Vec<i32>,
    value_nulls: NullRuns,
    offsets_recycler: Recycler<i32>,
    values_recycler: Recycler<i32>,
}

impl Default for IntListColumn {
    fn default() -> Self {
        Self {
            offsets: vec![0],
            nulls: NullRuns::default(),
            values: Vec::new(),
            value_nulls: NullRuns::default(),
            offsets_recycler: Recycler::default(),
            values_recycler: Recycler::default(),
        }
    }
}

impl IntListColumn {
    /// Takes back the memory of the last batch, if it is free (see [`Recycler`]).
    pub(crate) fn recycle(&mut self) {
        self.offsets_recycler.refill(&mut self.offsets);
        self.values_recycler.refill(&mut self.values);
    }

    /// Where each row's items start (one more than the rows).
    pub(crate) fn offsets(&self) -> &[i32] {
        &self.offsets
    }

    /// The items appended so far (a null item holds 0).
    pub(crate) fn values(&self) -> &[i32] {
        &self.values
    }

    /// Appends an item to the open row.
    #[inline(always)]
    pub(crate) fn push_item(&mut self, value: Option<i32>) {
        match value {
            Some(v) => self.values.push(v),
            None => {
                self.value_nulls.add(self.values.len(), 1);
                self.values.push(0);
            }
        }
    }

    /// Appends `rows` lists of `per_row` items each, none null, from
    /// `items` (`rows × per_row` of them).
    #[inline(always)]
    pub(crate) fn extend_full_rows(
        &mut self,
        items: impl Iterator<Item = i32>,
        rows: usize,
        per_row: usize,
    ) {
        let start = self.values.len();
        self.values.extend(items);
        // Batches are cut long before 2^31 values (see `Reader`).
        let (start, per_row) = (start as i32, per_row as i32);
        self.offsets
            .extend((1..=rows as i32).map(|k| start + k * per_row));
    }

    /// Ends the open row.
    #[inline(always)]
    pub(crate) fn close(&mut self) {
        // Batches are cut long before 2^31 values (see `Reader`).
        self.offsets.push(self.values.len() as i32);
    }

    /// Drops the items of the open row.
    #[cold]
    fn discard_open_row(&mut self) {
        let start = *self.offsets.last().unwrap_or(&0) as usize;
        self.values.truncate(start);
        self.value_nulls.truncate(start);
    }

    /// Parses `bytes[start..end]`, a list of Integers and `.`s or `.`, and
    /// appends it as a row; false (nothing appended) if it is not one.
    /// `bytes[end]` must not be a digit (it is a separator or past the end).
    #[inline(always)]
    pub(crate) fn push_span(&mut self, bytes: &[u8], start: usize, end: usize) -> bool {
        let row_start = self.values.len();
        if push_list_items(&mut self.values, bytes, start, end) {
            self.close();
            return true;
        }
        self.values.truncate(row_start);
        self.push_span_other(bytes, start, end)
    }

    /// Appends one row per span of `bytes` ([`ABSENT`]: a null row). False
    /// at the first malformed value, with the rows before it appended.
    // Not inlined: the loop gets the registers to itself.
    #[inline(never)]
    pub(crate) fn push_spans(&mut self, bytes: &[u8], spans: KeySpans<'_>) -> bool {
        let Self {
            offsets,
            nulls,
            values,
            value_nulls,
            ..
        } = self;
        offsets.reserve(spans.len());
        for (start, end) in spans {
            let (start, end) = (start as usize, end as usize);
            let row_start = values.len();
            if !push_list_items(values, bytes, start, end) {
                // `.`, signs, long numbers and errors: item by item.
                values.truncate(row_start);
                match bytes.get(start..end).filter(|_| start != ABSENT.0 as usize) {
                    None | Some(b".") => nulls.add(offsets.len() - 1, 1),
                    Some(raw) => {
                        for item in raw.split(|b| *b == b',') {
                            let Some(value) = int_item_other(item) else {
                                value_nulls.truncate(row_start);
                                values.truncate(row_start);
                                return false;
                            };
                            if value.is_none() {
                                value_nulls.add(values.len(), 1);
                            }
                            values.push(value.unwrap_or(0));
                        }
                    }
                }
            }
            // Batches are cut long before 2^31 values (see `Reader`).
            offsets.push(values.len() as i32);
        }
        true
    }

    /// `.`, signs, long numbers and errors: item by item.
    #[inline(never)]
    fn push_span_other(&mut self, bytes: &[u8], start: usize, end: usize) -> bool {
        match bytes.get(start..end) {
            Some(raw) => self.push_value(raw).is_some(),
            None => false,
        }
    }

    /// Appends `raw`, a whole value (INFO's text after `=`), as a row;
    /// `None` (nothing appended) if it is not a list of Integers and `.`s.
    pub(crate) fn push_value(&mut self, raw: &[u8]) -> Option<()> {
        if raw == b"." {
            self.push_nulls(1);
            return Some(());
        }
        for item in raw.split(|b| *b == b',') {
            match int_item_other(item) {
                Some(value) => self.push_item(value),
                None => {
                    self.discard_open_row();
                    return None;
                }
            }
        }
        self.close();
        Some(())
    }
}

impl ColumnBuilder for IntListColumn {
    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    #[inline]
    fn push_nulls(&mut self, n: usize) {
        self.nulls.add(self.len(), n);
        let end = self.values.len() as i32;
        self.offsets.resize(self.offsets.len() + n, end);
    }

    fn data_type(&self) -> DataType {
        genolake_core::schema::list_of(DataType::Int32)
    }

    fn truncate(&mut self, len: usize) {
        // Items of a row that was never closed are dropped too.
        if len <= self.len() {
            self.offsets.truncate(len + 1);
            let items = self.offsets[len] as usize;
            self.values.truncate(items);
            self.value_nulls.truncate(items);
            self.nulls.truncate(len);
        }
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let rows = self.len();
        let items = self.values.len();
        let offsets = self
            .offsets_recycler
            .lend(std::mem::replace(&mut self.offsets, vec![0]));
        let values = self.values_recycler.lend(std::mem::take(&mut self.values));
        let values = Int32Array::try_new(values, self.value_nulls.finish(items))?;
        Ok(Arc::new(ListArray::try_new(
            Arc::new(Field::new_list_field(DataType::Int32, true)),
            ascending_offsets(offsets)?,
            Arc::new(values),
            self.nulls.finish(rows),
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::samples::SampleTable;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::Int32Type;
    use proptest::prelude::*;

    /// The reference: an Integer list is its comma-separated items, each
    /// `.` (null) or an Integer by [`parse_i32`]; `.` alone is a null list.
    fn reference_list(raw: &[u8]) -> Option<Option<Vec<Option<i32>>>> {
        if raw == b"." {
            return Some(None);
        }
        raw.split(|b| *b == b',')
            .map(|item| {
                if item == b"." {
                    Some(None)
                } else {
                    parse_i32(item).map(Some)
                }
            })
            .collect::<Option<Vec<_>>>()
            .map(Some)
    }

    /// Calls `f` with `prefix` + `value` and the span of the FORMAT value
    /// at the start of `value` (up to `:`, a tab or the end).
    fn with_span<T>(prefix: &[u8], value: &[u8], f: impl FnOnce(&[u8], usize, usize) -> T) -> T {
        let line = [prefix, value].concat();
        let len = value
            .iter()
            .position(|&b| b == b':' || b == b'\t')
            .unwrap_or(value.len());
        f(&line, prefix.len(), prefix.len() + len)
    }

    /// What a list column holds after pushing one FORMAT value, and where
    /// the value ends (relative to its start).
    fn fast_list_after(prefix: &[u8], bytes: &[u8]) -> Option<(Option<Vec<Option<i32>>>, usize)> {
        let mut c = IntListColumn::default();
        let end = with_span(prefix, bytes, |line, start, end| {
            c.push_span(line, start, end).then_some(end - start)
        });
        let array = c.finish().unwrap();
        let list = array.as_list::<i32>();
        let Some(end) = end else {
            assert_eq!(list.len(), 0, "a rejected value appends nothing");
            assert_eq!(list.values().len(), 0, "a rejected value leaves no items");
            return None;
        };
        assert_eq!(list.len(), 1);
        if list.is_null(0) {
            return Some((None, end));
        }
        let items = list.value(0);
        let items = items.as_primitive::<Int32Type>();
        let items = (0..items.len())
            .map(|i| items.is_valid(i).then(|| items.value(i)))
            .collect();
        Some((Some(items), end))
    }

    fn fast_list(bytes: &[u8]) -> Option<(Option<Vec<Option<i32>>>, usize)> {
        fast_list_after(b"", bytes)
    }

    fn fast_scalar_after(prefix: &[u8], bytes: &[u8]) -> Option<(Option<i32>, usize)> {
        let mut c = IntColumn::default();
        let end = with_span(prefix, bytes, |line, start, end| {
            c.push_span(line, start, end).then_some(end - start)
        });
        let array = c.finish().unwrap();
        let array = array.as_primitive::<Int32Type>();
        let Some(end) = end else {
            assert_eq!(array.len(), 0);
            return None;
        };
        assert_eq!(array.len(), 1);
        Some((array.is_valid(0).then(|| array.value(0)), end))
    }

    fn fast_scalar(bytes: &[u8]) -> Option<(Option<i32>, usize)> {
        fast_scalar_after(b"", bytes)
    }

    #[test]
    fn integers_within_range() {
        assert_eq!(parse_i32(b"42"), Some(42));
        assert_eq!(parse_i32(b"-7"), Some(-7));
        assert_eq!(parse_i32(b"+7"), Some(7));
        assert_eq!(parse_i32(b"2147483647"), Some(i32::MAX));
        assert_eq!(parse_i32(b"-2147483640"), Some(-2147483640));
        assert_eq!(parse_i32(b"-2147483641"), None, "reserved by BCF");
        assert_eq!(parse_i32(b"-2147483648"), None, "reserved by BCF");
        for bad in [
            &b""[..],
            b"-",
            b"1.5",
            b"abc",
            b"2147483648",
            b"-2147483649",
            b"99999999999",
        ] {
            assert!(parse_i32(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn plain_digits_of_every_length() {
        for n in 1..=9 {
            let text = &b"123456789"[..n];
            let expected: u32 = std::str::from_utf8(text).unwrap().parse().unwrap();
            assert_eq!(plain_digits(text), Some(expected));
            assert_eq!(int_item(text, 0, n), Some(Some(expected as i32)));
        }
        for other in [
            &b""[..],
            b"1234567890",
            b"-1",
            b"+1",
            b"1.",
            b"1/",
            b"1:",
            b".",
        ] {
            assert_eq!(plain_digits(other), None, "{other:?}");
        }
        assert_eq!(int_item(b"1234567890", 0, 10), Some(Some(1234567890)));
        assert_eq!(int_item(b"x5", 1, 0), None, "an inverted span is no value");
    }

    #[test]
    fn format_lists_table() {
        type Expected = Option<(Option<Vec<Option<i32>>>, usize)>;
        let cases: &[(&str, Expected)] = &[
            (
                "1,22,-3",
                Some((Some(vec![Some(1), Some(22), Some(-3)]), 7)),
            ),
            ("5,.,7:9", Some((Some(vec![Some(5), None, Some(7)]), 5))),
            (".", Some((None, 1))),
            (".:1", Some((None, 1))),
            (".\t1", Some((None, 1))),
            (".,.", Some((Some(vec![None, None]), 3))),
            ("+2147483647", Some((Some(vec![Some(i32::MAX)]), 11))),
            (
                "-2147483640,0",
                Some((Some(vec![Some(-2147483640), Some(0)]), 13)),
            ),
            // BCF's markers, below -2147483640, are not VCF Integers.
            ("-2147483648,0", None),
            (
                "12345678,123456789\t",
                Some((Some(vec![Some(12345678), Some(123456789)]), 18)),
            ),
            ("0001,007", Some((Some(vec![Some(1), Some(7)]), 8))),
            ("", None),
            ("1,", None),
            (",1", None),
            ("1,,2", None),
            ("1.5", None),
            (".5", None),
            ("x", None),
            ("1;2", None),
            ("2147483648", None),
            ("-2147483649", None),
            ("12345678901", None),
            ("..", None),
            ("-", None),
            ("+", None),
            ("1-2", None),
            ("3,x7", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(&fast_list(raw.as_bytes()), expected, "{raw:?}");
        }
    }

    #[test]
    fn format_scalars_table() {
        type Expected = Option<(Option<i32>, usize)>;
        let cases: &[(&str, Expected)] = &[
            ("42", Some((Some(42), 2))),
            ("42:7", Some((Some(42), 2))),
            ("-42\t", Some((Some(-42), 3))),
            (".", Some((None, 1))),
            (".:.", Some((None, 1))),
            ("2147483647", Some((Some(i32::MAX), 10))),
            ("2147483648", None),
            ("1,2", None),
            (".,.", None),
            ("", None),
            (":", None),
            ("4x", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(&fast_scalar(raw.as_bytes()), expected, "{raw:?}");
        }
    }

    #[test]
    fn null_runs_merge_truncate_and_draw_the_bitmap() {
        let mut runs = NullRuns::default();
        runs.add(1, 2);
        runs.add(3, 1);
        runs.add(6, 0);
        runs.add(7, 3);
        assert_eq!(runs.runs, [(1, 4), (7, 10)]);
        runs.truncate(8);
        assert_eq!(runs.runs, [(1, 4), (7, 8)]);
        runs.truncate(7);
        assert_eq!(runs.runs, [(1, 4)]);
        let nulls = runs.finish(6).unwrap();
        let valid: Vec<bool> = (0..6).map(|i| nulls.is_valid(i)).collect();
        assert_eq!(valid, [true, false, false, false, true, true]);
        assert!(runs.finish(6).is_none(), "finish resets");
    }

    #[test]
    fn truncate_undoes_half_written_rows() {
        let mut c = IntListColumn::default();
        c.push_value(b"1,2").unwrap();
        c.push_value(b".").unwrap();
        c.push_value(b"3,.").unwrap();
        c.truncate(2);
        c.push_value(b"4").unwrap();
        assert!(c.push_value(b"5,x").is_none());
        let array = c.finish().unwrap();
        let list = array.as_list::<i32>();
        assert_eq!(list.len(), 3);
        assert!(list.is_null(1));
        assert_eq!(list.value(2).as_primitive::<Int32Type>().values(), &[4]);
        assert_eq!(
            list.values().null_count(),
            0,
            "the null item went with its row"
        );
    }

    /// Text built from the bytes integer fields are made of, and their neighbours.
    fn int_text() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            4 => (any::<i32>()).prop_map(|v| v.to_string().into_bytes()),
            4 => (0u32..1000).prop_map(|v| v.to_string().into_bytes()),
            1 => (0u64..100_000_000_000).prop_map(|v| v.to_string().into_bytes()),
            1 => Just(b"2147483648".to_vec()),
            1 => Just(b"-2147483648".to_vec()),
            2 => Just(b".".to_vec()),
            2 => Just(b",".to_vec()),
            1 => Just(b"-".to_vec()),
            1 => Just(b"+".to_vec()),
            1 => Just(b"0".to_vec()),
            1 => prop::sample::select(b":\t;x./ ".to_vec()).prop_map(|b| vec![b]),
        ];
        proptest::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        /// A FORMAT list value parses as the reference parses the text up to
        /// its end (`:`, tab or the end), and is rejected when it rejects it,
        /// wherever it starts in the line.
        #[test]
        fn format_lists_agree_with_the_reference(
            prefix in prop::sample::select(vec![&b""[..], b":", b"0/1:", b"0/1:12,7,.,3:"]),
            bytes in int_text(),
        ) {
            let end = bytes.iter().position(|&b| b == b':' || b == b'\t').unwrap_or(bytes.len());
            let expected = reference_list(&bytes[..end]).map(|list| (list, end));
            prop_assert_eq!(fast_list_after(prefix, &bytes), expected);
        }

        /// The same for a scalar: one Integer or `.`.
        #[test]
        fn format_scalars_agree_with_the_reference(
            prefix in prop::sample::select(vec![&b""[..], b":", b"0/1:", b"0/1:12,7,.,3:"]),
            bytes in int_text(),
        ) {
            let end = bytes.iter().position(|&b| b == b':' || b == b'\t').unwrap_or(bytes.len());
            let raw = &bytes[..end];
            let expected = if raw == b"." {
                Some((None, 1))
            } else {
                parse_i32(raw).map(|v| (Some(v), end))
            };
            prop_assert_eq!(fast_scalar_after(prefix, &bytes), expected);
        }

        /// Any byte string: the fast item parser is the reference.
        #[test]
        fn items_agree_with_the_reference(
            bytes in proptest::collection::vec(any::<u8>(), 0..14),
            cut in 0usize..14,
        ) {
            let end = cut.min(bytes.len());
            let expected = if &bytes[..end] == b"." { Some(None) } else { parse_i32(&bytes[..end]).map(Some) };
            prop_assert_eq!(int_item(&bytes, 0, end), expected);
        }

        /// Whole columns, one value per sample as the decoder hands them over
        /// (located in a line of sample columns): every value reads as the
        /// reference reads it, up to the first it rejects.
        #[test]
        fn columns_agree_with_the_reference(
            values in proptest::collection::vec(int_text(), 1..40),
            scalar in any::<bool>(),
        ) {
            let values: Vec<Vec<u8>> = values
                .into_iter()
                .map(|v| v.into_iter().filter(|b| !matches!(b, b':' | b'\t')).collect())
                // An empty sample column is the line's error, not the value's.
                .map(|v: Vec<u8>| if v.is_empty() { b"0".to_vec() } else { v })
                .collect();
            let line = values.join(&b'\t');
            let mut table = SampleTable::default();
            prop_assert!(table.locate(&line, values.len(), None, 1));
            let expected: Vec<_> = values
                .iter()
                .map(|v| if scalar {
                    if v == b"." { Some(Some(vec![None])) } else { parse_i32(v).map(|i| Some(vec![Some(i)])) }
                } else {
                    reference_list(v)
                })
                .collect();
            let good = expected.iter().take_while(|e| e.is_some()).count();
            let (pushed, got) = if scalar {
                let mut c = IntColumn::default();
                c.push_value(b"1");
                let pushed = c.push_spans(&line, table.key(0));
                let array = c.finish().unwrap();
                let array = array.as_primitive::<Int32Type>();
                let got: Vec<_> = (1..array.len())
                    .map(|i| Some(Some(vec![array.is_valid(i).then(|| array.value(i))])))
                    .collect();
                (pushed, got)
            } else {
                let mut c = IntListColumn::default();
                c.push_value(b"1");
                let pushed = c.push_spans(&line, table.key(0));
                let array = c.finish().unwrap();
                let list = array.as_list::<i32>();
                let got: Vec<_> = (1..list.len())
                    .map(|row| Some((!list.is_null(row)).then(|| {
                        let items = list.value(row);
                        let items = items.as_primitive::<Int32Type>();
                        (0..items.len()).map(|i| items.is_valid(i).then(|| items.value(i))).collect()
                    })))
                    .collect();
                (pushed, got)
            };
            prop_assert_eq!(pushed, good == values.len());
            prop_assert_eq!(&got[..], &expected[..good]);
        }

        /// A whole value (INFO) parses as the reference parses it.
        #[test]
        fn whole_lists_agree_with_the_reference(bytes in int_text()) {
            let mut c = IntListColumn::default();
            let pushed = c.push_value(&bytes);
            let array = c.finish().unwrap();
            let list = array.as_list::<i32>();
            let got = pushed.map(|()| {
                (!list.is_null(0)).then(|| {
                    let items = list.value(0);
                    let items = items.as_primitive::<Int32Type>();
                    (0..items.len()).map(|i| items.is_valid(i).then(|| items.value(i))).collect::<Vec<_>>()
                })
            });
            prop_assert_eq!(got, reference_list(&bytes));
        }

        /// Any integer, written in decimal with any sign and leading zeros,
        /// reads back, within and across the eight-byte words.
        #[test]
        fn written_integers_read_back(
            values in proptest::collection::vec(any::<i32>(), 1..6),
            zeros in 0usize..4,
            plus in any::<bool>(),
        ) {
            let text: Vec<String> = values
                .iter()
                .map(|v| {
                    let digits = format!("{}{}", "0".repeat(zeros), v.unsigned_abs());
                    let sign = if *v < 0 { "-" } else if plus { "+" } else { "" };
                    format!("{sign}{digits}")
                })
                .collect();
            let text = text.join(",");
            let expected: Vec<Option<i32>> = values
                .iter()
                .zip(text.split(','))
                .map(|(v, t)| (t.trim_start_matches(['-', '+']).len() <= 10).then_some(*v))
                .collect();
            let got = fast_list(text.as_bytes());
            if expected.iter().all(Option::is_some) {
                prop_assert_eq!(got, Some((Some(expected), text.len())));
            } else {
                prop_assert_eq!(got, None, "more than 10 digits is not an Integer");
            }
        }
    }
}
