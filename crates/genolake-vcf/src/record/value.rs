//! Typed INFO and FORMAT values: parsing a field's text into its column.

use arrow::datatypes::{Float64Type, Int32Type};
use genolake_core::builder::{BoolColumn, ColumnBuilder, ListColumn, PrimitiveColumn, StringColumn};
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
            (ValueType::String | ValueType::Character, false) => Self::StrList(ListColumn::default()),
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
            Self::Int(c) => {
                if memchr::memchr(b',', raw).is_some() {
                    return Err(too_many(raw));
                }
                c.push(parse_i32(raw)?);
            }
            Self::Float(c) => {
                if memchr::memchr(b',', raw).is_some() {
                    return Err(too_many(raw));
                }
                c.push(parse_f64(raw)?);
            }
            // A single string keeps its commas: free text often has them.
            Self::Str(c) => c.push(raw),
            Self::IntList(c) => {
                for item in raw.split(|b| *b == b',') {
                    if item == b"." {
                        c.items().push_nulls(1);
                    } else {
                        c.items().push(parse_i32(item)?);
                    }
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
}

fn too_many(raw: &[u8]) -> String {
    format!(
        "{:?} has several values but the header declares one (Number=1)",
        String::from_utf8_lossy(raw)
    )
}

/// Parses a VCF Integer: optional sign and decimal digits, within `i32`.
#[inline]
pub(crate) fn parse_i32(raw: &[u8]) -> Result<i32, String> {
    let (negative, digits) = match raw {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, raw),
    };
    if digits.is_empty() || digits.len() > 10 {
        return Err(not_integer(raw));
    }
    let mut value: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return Err(not_integer(raw));
        }
        value = value * 10 + d as i64;
    }
    let value = if negative { -value } else { value };
    i32::try_from(value).map_err(|_| format!("{} does not fit a 32-bit Integer", String::from_utf8_lossy(raw)))
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

fn not_integer(raw: &[u8]) -> String {
    format!("{:?} is not an Integer", String::from_utf8_lossy(raw))
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
        assert_eq!(parse_i32(b"42"), Ok(42));
        assert_eq!(parse_i32(b"-7"), Ok(-7));
        assert_eq!(parse_i32(b"+7"), Ok(7));
        assert_eq!(parse_i32(b"2147483647"), Ok(i32::MAX));
        for bad in [&b""[..], b"-", b"1.5", b"abc", b"2147483648", b"99999999999"] {
            assert!(parse_i32(bad).is_err(), "{bad:?}");
        }
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
