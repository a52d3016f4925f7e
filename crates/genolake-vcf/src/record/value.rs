//! Typed INFO and FORMAT values: parsing a field's text into its column.

use arrow::datatypes::{Float64Type, Int32Type};
use genolake_core::builder::{
    BoolColumn, ColumnBuilder, ListColumn, PrimitiveColumn, StringColumn,
};
use genolake_core::schema::ValueType;

use crate::header::Definition;

/// The column of one INFO key or FORMAT key, typed by its header definition.
#[derive(Debug)]
pub(crate) enum ValueColumn {
    Flag(BoolColumn),
    Int(PrimitiveColumn<Int32Type>),
    Float(PrimitiveColumn<Float64Type>),
    Str(StringColumn),
    IntList(ListColumn<PrimitiveColumn<Int32Type>>),
    FloatList(ListColumn<PrimitiveColumn<Float64Type>>),
    StrList(ListColumn<StringColumn>),
}

impl ValueColumn {
    pub(crate) fn new(def: &Definition) -> Self {
        let scalar = def.number.is_scalar();
        match (def.value_type, scalar) {
            (ValueType::Flag, _) => Self::Flag(BoolColumn::default()),
            (ValueType::Integer, true) => Self::Int(PrimitiveColumn::default()),
            (ValueType::Float, true) => Self::Float(PrimitiveColumn::default()),
            (ValueType::String | ValueType::Character, true) => Self::Str(StringColumn::default()),
            (ValueType::Integer, false) => Self::IntList(ListColumn::default()),
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
            Self::Int(c) => match parse_i32_fast(raw) {
                Some(v) => c.push(v),
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
                if push_int_list(c.items(), raw) != Some(raw.len()) {
                    return Err(not_integer_list(raw));
                }
                c.close();
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

    /// Parses the FORMAT value at the start of `bytes` (it ends at `:`, a tab
    /// or the end), appends it, and returns its length. Integers are parsed
    /// in the same pass that finds the value's end.
    #[inline]
    pub(crate) fn push_format_value(&mut self, bytes: &[u8]) -> Result<usize, String> {
        match self {
            Self::Int(c) => {
                let end = match bytes {
                    [b'.', rest @ ..] if ends_format_value(rest.first()) => {
                        c.push_nulls(1);
                        return Ok(1);
                    }
                    _ => bytes
                        .iter()
                        .position(|b| !(b.is_ascii_digit() || *b == b'-' || *b == b'+'))
                        .unwrap_or(bytes.len()),
                };
                if ends_format_value(bytes.get(end))
                    && let Some(v) = parse_i32_fast(&bytes[..end])
                {
                    c.push(v);
                    return Ok(end);
                }
            }
            Self::IntList(c) => {
                if let Some(end) = push_int_list(c.items(), bytes)
                    && ends_format_value(bytes.get(end))
                {
                    c.close();
                    return Ok(end);
                }
            }
            _ => {}
        }
        // Everything else, and the error messages of the fast paths above:
        // the general parser on the delimited value (a failed fast path has
        // no effect that matters, as the caller rolls the row back on error).
        let end = format_value_len(bytes);
        self.push(&bytes[..end])?;
        Ok(end)
    }
}

#[cold]
fn not_integer_list(raw: &[u8]) -> String {
    let item = raw
        .split(|b| *b == b',')
        .find(|item| *item != b"." && parse_i32_fast(item).is_none())
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

/// Parses a VCF Integer: optional sign and decimal digits, within `i32`.
/// The error message is built by the caller: keeping `String` out of the
/// return type keeps this in registers on the hot path.
#[inline(always)]
pub(crate) fn parse_i32_fast(raw: &[u8]) -> Option<i32> {
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
    i32::try_from(if negative { -value } else { value }).ok()
}

/// Parses a comma-separated list of Integers (`.` items are null) at the
/// start of `raw`, in one pass, appending each item. Stops at the first byte
/// after an item that is not a comma and returns how many bytes it used;
/// `None` if an item is not an Integer (items may then have been appended:
/// the caller rolls the row back).
#[inline]
fn push_int_list(items: &mut PrimitiveColumn<Int32Type>, raw: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        if raw.get(i) == Some(&b'.') && !raw.get(i + 1).is_some_and(u8::is_ascii_digit) {
            items.push_nulls(1);
            i += 1;
        } else {
            let negative = raw.get(i) == Some(&b'-');
            if negative || raw.get(i) == Some(&b'+') {
                i += 1;
            }
            let first = i;
            let mut value: i64 = 0;
            while let Some(&b) = raw.get(i) {
                let d = b.wrapping_sub(b'0');
                if d > 9 || i - first == 10 {
                    break;
                }
                value = value * 10 + d as i64;
                i += 1;
            }
            if i == first || raw.get(i).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            items.push(i32::try_from(if negative { -value } else { value }).ok()?);
        }
        match raw.get(i) {
            Some(b',') => i += 1,
            _ => return Some(i),
        }
    }
}

/// Whether a FORMAT value ends before this byte.
#[inline(always)]
fn ends_format_value(b: Option<&u8>) -> bool {
    matches!(b, None | Some(b':') | Some(b'\t'))
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
    fn integers_within_range() {
        assert_eq!(parse_i32_fast(b"42"), Some(42));
        assert_eq!(parse_i32_fast(b"-7"), Some(-7));
        assert_eq!(parse_i32_fast(b"+7"), Some(7));
        assert_eq!(parse_i32_fast(b"2147483647"), Some(i32::MAX));
        for bad in [
            &b""[..],
            b"-",
            b"1.5",
            b"abc",
            b"2147483648",
            b"99999999999",
        ] {
            assert!(parse_i32_fast(bad).is_none(), "{bad:?}");
        }
    }

    fn int_list(raw: &str) -> Result<Vec<Option<i32>>, String> {
        use arrow::array::{Array, AsArray};
        let mut items = PrimitiveColumn::<Int32Type>::default();
        if push_int_list(&mut items, raw.as_bytes()) != Some(raw.len()) {
            return Err(not_integer_list(raw.as_bytes()));
        }
        let a = items.finish().unwrap();
        let a = a.as_primitive::<Int32Type>();
        Ok((0..a.len())
            .map(|i| a.is_valid(i).then(|| a.value(i)))
            .collect())
    }

    #[test]
    fn integer_lists_in_one_pass() {
        assert_eq!(int_list("1,22,-3"), Ok(vec![Some(1), Some(22), Some(-3)]));
        assert_eq!(int_list("5,.,7"), Ok(vec![Some(5), None, Some(7)]));
        assert_eq!(int_list("."), Ok(vec![None]));
        assert_eq!(int_list("+2147483647"), Ok(vec![Some(i32::MAX)]));
        for bad in [
            "",
            "1,",
            ",1",
            "1,,2",
            "1.5",
            "x",
            "1;2",
            "2147483648",
            "..",
            "-",
        ] {
            assert!(int_list(bad).is_err(), "{bad:?}");
        }
        assert!(int_list("3,x7").unwrap_err().contains("\"x7\""));
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
