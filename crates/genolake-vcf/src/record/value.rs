//! Typed INFO and FORMAT values: parsing a field's text into its column.

use arrow::datatypes::Float64Type;
use genolake_core::builder::{
    BoolColumn, ColumnBuilder, ListColumn, PrimitiveColumn, StringColumn,
};
use genolake_core::schema::ValueType;

use super::int::{IntColumn, IntListColumn, parse_i32};
use super::samples::{ABSENT, KeySpans};
use crate::header::Definition;

/// The column of one INFO key or FORMAT key, typed by its header definition.
#[derive(Debug)]
pub(crate) enum ValueColumn {
    Flag(BoolColumn),
    Int(IntColumn),
    Float(PrimitiveColumn<Float64Type>),
    Str(StringColumn),
    IntList(IntListColumn),
    FloatList(ListColumn<PrimitiveColumn<Float64Type>>),
    StrList(ListColumn<StringColumn>),
}

impl ValueColumn {
    pub(crate) fn new(def: &Definition) -> Self {
        let scalar = def.number.is_scalar();
        match (def.value_type, scalar) {
            (ValueType::Flag, _) => Self::Flag(BoolColumn::default()),
            (ValueType::Integer, true) => Self::Int(IntColumn::default()),
            (ValueType::Float, true) => Self::Float(PrimitiveColumn::default()),
            (ValueType::String | ValueType::Character, true) => Self::Str(StringColumn::default()),
            (ValueType::Integer, false) => Self::IntList(IntListColumn::default()),
            (ValueType::Float, false) => Self::FloatList(ListColumn::default()),
            (ValueType::String | ValueType::Character, false) => {
                Self::StrList(ListColumn::default())
            }
        }
    }

    pub(crate) fn builder(&mut self) -> &mut dyn ColumnBuilder {
        match self {
            Self::Flag(c) => c,
            Self::Int(c) => c,
            Self::Float(c) => c,
            Self::Str(c) => c,
            Self::IntList(c) => c,
            Self::FloatList(c) => c,
            Self::StrList(c) => c,
        }
    }

    /// Takes back the memory of the last batch, if it is free (see
    /// [`Recycler`](super::recycle::Recycler)); only the columns of
    /// Integers, the bulk of a cohort's genotype fields, keep theirs.
    pub(crate) fn recycle(&mut self) {
        match self {
            Self::Int(c) => c.recycle(),
            Self::IntList(c) => c.recycle(),
            _ => {}
        }
    }

    /// Appends the value for a key that is absent: false for a flag, null otherwise.
    #[inline]
    pub(crate) fn push_absent(&mut self, n: usize) {
        match self {
            Self::Flag(c) => c.push_n(n, false),
            other => other.builder().push_nulls(n),
        }
    }

    /// Parses `raw` (the text after `KEY=`, or a FORMAT subfield) and appends it.
    /// `.` is missing: a null value, or a null list; inside a list, a null item.
    #[inline]
    pub(crate) fn push(&mut self, raw: &[u8]) -> Result<(), String> {
        if raw == b"." {
            match self {
                Self::Flag(c) => c.push(true),
                other => other.builder().push_nulls(1),
            }
            return Ok(());
        }
        match self {
            Self::Flag(c) => c.push(true),
            Self::Int(c) => match parse_i32(raw) {
                Some(v) => c.push(Some(v)),
                None if raw.contains(&b',') => return Err(too_many(raw)),
                None => return Err(not_integer(raw)),
            },
            Self::Float(c) => match parse_f64(raw) {
                Ok(v) => c.push(v),
                Err(_) if raw.contains(&b',') => return Err(too_many(raw)),
                Err(e) => return Err(e),
            },
            // A single string keeps its commas: free text often has them.
            Self::Str(c) => c.push(raw),
            Self::IntList(c) => {
                if c.push_value(raw).is_none() {
                    return Err(not_integer_list(raw));
                }
            }
            Self::FloatList(c) => {
                for item in raw.split(|b| *b == b',') {
                    if item == b"." {
                        c.items().push_nulls(1);
                    } else {
                        c.items().push(parse_f64(item)?);
                    }
                }
                c.close();
            }
            Self::StrList(c) => {
                for item in raw.split(|b| *b == b',') {
                    if item == b"." {
                        c.items().push_nulls(1);
                    } else {
                        c.items().push(item);
                    }
                }
                c.close();
            }
        }
        Ok(())
    }

    /// Parses the FORMAT value `bytes[start..end]` and appends it. Integers
    /// take a fast path; everything else, and the error messages, come from
    /// [`ValueColumn::push`]. `bytes[end]` is a separator or past the end.
    #[inline(always)]
    pub(crate) fn push_span(
        &mut self,
        bytes: &[u8],
        start: usize,
        end: usize,
    ) -> Result<(), String> {
        let pushed = match self {
            Self::Int(c) => c.push_span(bytes, start, end),
            Self::IntList(c) => c.push_span(bytes, start, end),
            _ => false,
        };
        if pushed {
            return Ok(());
        }
        self.push(&bytes[start..end])
    }

    /// Appends one value per sample: `spans` gives where each is in `bytes`
    /// ([`ABSENT`]: the sample has no value for this key). False at the
    /// first malformed value, with the values before it appended.
    #[inline(never)]
    pub(crate) fn push_column(&mut self, bytes: &[u8], spans: KeySpans<'_>) -> bool {
        match self {
            // One loop per type, so the loop body has no dispatch.
            Self::Int(c) => return c.push_spans(bytes, spans),
            Self::IntList(c) => return c.push_spans(bytes, spans),
            column => {
                for (start, end) in spans {
                    if start == ABSENT.0 {
                        column.builder().push_nulls(1);
                    } else if column
                        .push_span(bytes, start as usize, end as usize)
                        .is_err()
                    {
                        return false;
                    }
                }
            }
        }
        true
    }
}

#[cold]
fn not_integer_list(raw: &[u8]) -> String {
    let item = raw
        .split(|b| *b == b',')
        .find(|item| *item != b"." && parse_i32(item).is_none())
        .unwrap_or(raw);
    not_integer(item)
}

#[cold]
fn too_many(raw: &[u8]) -> String {
    format!(
        "{:?} has several values but the header declares one (Number=1)",
        String::from_utf8_lossy(raw)
    )
}

/// Length of the FORMAT value at the start of `bytes`.
#[inline]
pub(crate) fn format_value_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| b == b':' || b == b'\t')
        .unwrap_or(bytes.len())
}

/// Parses a non-negative or negative decimal `i64` (POS, END).
#[inline]
pub(crate) fn parse_i64(raw: &[u8]) -> Option<i64> {
    let (negative, digits) = match raw {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, raw),
    };
    if digits.is_empty() || digits.len() > 18 {
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
    Some(if negative { -value } else { value })
}

#[cold]
fn not_integer(raw: &[u8]) -> String {
    let digits = raw.strip_prefix(b"-").unwrap_or(raw);
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        format!(
            "{} does not fit a 32-bit Integer",
            String::from_utf8_lossy(raw)
        )
    } else {
        format!("{:?} is not an Integer", String::from_utf8_lossy(raw))
    }
}

/// Parses a VCF Float: decimal or scientific notation, and `inf`, `infinity`
/// and `nan` in any case with an optional sign, as VCF 4.3 allows.
#[inline]
pub(crate) fn parse_f64(raw: &[u8]) -> Result<f64, String> {
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| format!("{:?} is not a Float", String::from_utf8_lossy(raw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_errors_name_the_bad_item() {
        let mut column = ValueColumn::IntList(IntListColumn::default());
        let err = column.push(b"3,x7").unwrap_err();
        assert!(
            err.contains("\"x7\"") && err.contains("not an Integer"),
            "{err}"
        );
        let err = column.push(b"1,2147483648").unwrap_err();
        assert!(err.contains("does not fit a 32-bit Integer"), "{err}");
        let mut column = ValueColumn::Int(IntColumn::default());
        for (value, message) in [
            (&b"1,2:3"[..], "\"1,2\" has several values"),
            (b"x", "\"x\" is not an Integer"),
            (b"99999999999\t", "99999999999 does not fit"),
        ] {
            let end = format_value_len(value);
            let err = column.push_span(value, 0, end).unwrap_err();
            assert!(err.contains(message), "{err}");
        }
        assert_eq!(column.builder().len(), 0);
    }

    #[test]
    fn floats_accept_vcf_special_values_in_any_case() {
        for (text, expected) in [
            ("inf", f64::INFINITY),
            ("+InFiNiTy", f64::INFINITY),
            ("-inF", f64::NEG_INFINITY),
            ("-infinity", f64::NEG_INFINITY),
            ("1e-3", 0.001),
            (".5", 0.5),
        ] {
            assert_eq!(parse_f64(text.as_bytes()), Ok(expected), "{text}");
        }
        for nan in ["NaN", "nan", "-nan", "+naN", "NAN"] {
            assert!(parse_f64(nan.as_bytes()).unwrap().is_nan(), "{nan}");
        }
        assert!(parse_f64(b"x1").is_err());
    }
}
