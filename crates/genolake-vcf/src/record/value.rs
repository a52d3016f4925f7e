//! Typed INFO and FORMAT values: parsing a field's text into its column.

use arrow::datatypes::{DataType, Float64Type, Int64Type};
use genolake_core::builder::{
    BoolColumn, ColumnBuilder, ListColumn, PrimitiveColumn, StringColumn,
};
use genolake_core::schema::{Number, ValueType, value_data_type};

use super::gt::Ploidy;
use super::int::{IntColumn, IntListColumn, parse_i32};
use super::samples::{ABSENT, KeySpans};
use crate::header::Definition;

/// What a text value may hold beyond being text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextRule {
    /// Anything: what a String holds is the file's business (commas in a
    /// `Number=1` String are common, and htslib keeps them).
    Free,
    /// One character per value (`Type=Character`).
    Char,
    /// One value of a reserved `Number=1` key (`AA`): no comma.
    Single,
    /// A CIGAR string per item (the reserved INFO `CIGAR`).
    Cigar,
}

/// The column of one INFO key or FORMAT key, typed by its header definition.
#[derive(Debug)]
pub(crate) enum ValueColumn {
    Flag(BoolColumn),
    Int(IntColumn),
    /// A position (INFO `END`), which may pass 2^31 on long references.
    Long(PrimitiveColumn<Int64Type>),
    Float(PrimitiveColumn<Float64Type>),
    Str(StringColumn, TextRule),
    IntList(IntListColumn),
    FloatList(ListColumn<PrimitiveColumn<Float64Type>>),
    StrList(ListColumn<StringColumn>, TextRule),
}

/// The Arrow type of the column a definition gets: as
/// [`value_data_type`] says, but a position (INFO `END`) is 64-bit, as the
/// table's `end` column is.
pub(crate) fn column_data_type(def: &Definition, info: bool) -> DataType {
    if is_position(def, info) {
        DataType::Int64
    } else {
        value_data_type(def.value_type, def.number)
    }
}

fn is_position(def: &Definition, info: bool) -> bool {
    info && def.id == "END" && def.value_type == ValueType::Integer && def.number.is_scalar()
}

/// The checks a value gets once it parsed: its count of values against
/// its Number, and its sign.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ValueRules {
    number: Number,
    non_negative: bool,
}

impl ValueRules {
    pub(crate) fn new(def: &Definition) -> Self {
        Self {
            number: def.number,
            non_negative: def.non_negative,
        }
    }

    /// Whether any check applies (most keys of most files: a count).
    #[inline]
    pub(crate) fn active(&self) -> bool {
        self.non_negative
            || matches!(
                self.number,
                Number::A | Number::R | Number::G | Number::Count(2..)
            )
    }

    /// Whether `len` values fit a record with `n_alleles` alleles (REF
    /// included) for a sample of `ploidy` (not known: a haploid or a diploid
    /// count fits; phased: also one value per allele and haplotype, as
    /// QCTOOL writes GP from phased BGEN). A site without ALT alleles gets
    /// no check: tools write `AC=0` or a diploid `PL` there.
    #[inline]
    fn fits(&self, len: usize, n_alleles: usize, ploidy: Ploidy) -> Result<(), usize> {
        if ploidy.phased && matches!(self.number, Number::G) && len == n_alleles * ploidy.alleles {
            return Ok(());
        }
        let ploidy = ploidy.alleles;
        let expected = match self.number {
            Number::Count(n @ 2..) => n as usize,
            _ if n_alleles < 2 => return Ok(()),
            Number::A => n_alleles - 1,
            Number::R => n_alleles,
            // Without a GT the ploidy is not known (the specification
            // assumes diploid; BGEN exports mix ploidies): any fits.
            Number::G if ploidy == 0 => {
                let fits_some = (1..=MAX_PLOIDY).any(|p| genotype_count(n_alleles, p) == Some(len));
                let diploid = genotype_count(n_alleles, 2).unwrap_or(usize::MAX);
                return if fits_some { Ok(()) } else { Err(diploid) };
            }
            Number::G => genotype_count(n_alleles, ploidy).unwrap_or(usize::MAX),
            _ => return Ok(()),
        };
        if len == expected {
            Ok(())
        } else {
            Err(expected)
        }
    }
}

/// The highest ploidy a Number=G list without a GT is checked against.
const MAX_PLOIDY: usize = 8;

/// The number of genotypes of `ploidy` over `alleles` alleles:
/// C(alleles + ploidy − 1, ploidy), the length of a Number=G list.
pub(crate) fn genotype_count(alleles: usize, ploidy: usize) -> Option<usize> {
    let mut count: usize = 1;
    for k in 1..=ploidy {
        count = count.checked_mul(alleles + k - 1)? / k;
    }
    Some(count)
}

impl ValueColumn {
    pub(crate) fn new(def: &Definition, info: bool) -> Self {
        let scalar = def.number.is_scalar();
        let text = match def.value_type {
            ValueType::Character => TextRule::Char,
            _ if def.reserved && info && def.id == "CIGAR" => TextRule::Cigar,
            _ if def.reserved && scalar => TextRule::Single,
            _ => TextRule::Free,
        };
        if is_position(def, info) {
            return Self::Long(PrimitiveColumn::default());
        }
        match (def.value_type, scalar) {
            (ValueType::Flag, _) => Self::Flag(BoolColumn::default()),
            (ValueType::Integer, true) => Self::Int(IntColumn::default()),
            (ValueType::Float, true) => Self::Float(PrimitiveColumn::default()),
            (ValueType::String | ValueType::Character, true) => {
                Self::Str(StringColumn::default(), text)
            }
            (ValueType::Integer, false) => Self::IntList(IntListColumn::default()),
            (ValueType::Float, false) => Self::FloatList(ListColumn::default()),
            (ValueType::String | ValueType::Character, false) => {
                Self::StrList(ListColumn::default(), text)
            }
        }
    }

    /// Checks the rows from `from` on against `rules`: the count of values
    /// (for `ploidy(row)`'s genotypes; `diploid` when every genotype of the
    /// rows is known to be an unphased or phased diploid) and the sign. The
    /// first row that fails, with what is wrong.
    pub(crate) fn check_rows(
        &self,
        rules: &ValueRules,
        from: usize,
        n_alleles: usize,
        diploid: bool,
        ploidy: impl Fn(usize) -> Ploidy,
    ) -> Result<(), (usize, String)> {
        let offsets = match self {
            Self::IntList(c) => Some(c.offsets()),
            Self::FloatList(c) => Some(c.offsets()),
            Self::StrList(c, _) => Some(c.offsets()),
            _ => None,
        };
        if let Some(offsets) = offsets
            && offsets.len() > from + 1
            && !matches!(rules.number, Number::Count(0 | 1) | Number::Unknown)
        {
            // The common case in one pass that vectorises: every count is
            // the one value a Number and the alleles (and diploidy) fix.
            let fixed = match rules.number {
                Number::G if diploid => genotype_count(n_alleles, 2),
                Number::G => None,
                _ => rules.fits(usize::MAX, n_alleles, Ploidy::default()).err(),
            };
            if let Some(expected) = fixed {
                let expected = expected as i32;
                let off = offsets[from..].windows(2).fold(false, |off, w| {
                    let len = w[1] - w[0];
                    off | ((len != 0) & (len != expected))
                });
                if !off {
                    return self.check_signs(rules, from);
                }
            }
            // A site without ALT alleles: nothing to count (see `fits`).
            if fixed.is_none() && !matches!(rules.number, Number::G) {
                return self.check_signs(rules, from);
            }
            for (row, w) in offsets[from..].windows(2).enumerate() {
                let len = (w[1] - w[0]) as usize;
                // Zero items: a missing value (`.`), null.
                if len == 0 {
                    continue;
                }
                let ploidy = match rules.number {
                    Number::G => ploidy(from + row),
                    _ => Ploidy::default(),
                };
                if let Err(expected) = rules.fits(len, n_alleles, ploidy) {
                    return Err((
                        from + row,
                        format!(
                            "has {len} values where Number={} asks for {expected}",
                            rules.number
                        ),
                    ));
                }
            }
        }
        self.check_signs(rules, from)
    }

    /// The sign check of [`ValueColumn::check_rows`].
    fn check_signs(&self, rules: &ValueRules, from: usize) -> Result<(), (usize, String)> {
        if rules.non_negative {
            let negative = match self {
                Self::Int(c) => first_negative(&c.values()[from..]).map(|i| from + i),
                Self::Long(c) => first_negative(&c.values()[from..]).map(|i| from + i),
                Self::Float(c) => first_negative(&c.values()[from..]).map(|i| from + i),
                Self::IntList(c) => {
                    let start = c.offsets()[from] as usize;
                    first_negative(&c.values()[start..]).map(|i| row_of(c.offsets(), start + i))
                }
                Self::FloatList(c) => {
                    let start = c.offsets()[from] as usize;
                    let values = c.items_ref().values();
                    first_negative(&values[start..]).map(|i| row_of(c.offsets(), start + i))
                }
                _ => None,
            };
            if let Some(row) = negative {
                return Err((
                    row,
                    "is negative, where the specification counts or measures (it cannot be below 0)"
                        .to_string(),
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn builder(&mut self) -> &mut dyn ColumnBuilder {
        match self {
            Self::Flag(c) => c,
            Self::Int(c) => c,
            Self::Long(c) => c,
            Self::Float(c) => c,
            Self::Str(c, _) => c,
            Self::IntList(c) => c,
            Self::FloatList(c) => c,
            Self::StrList(c, _) => c,
        }
    }

    /// Appends an empty list (VCF 4.5's zero-length local-allele lists);
    /// false, with nothing appended, for a column of scalars.
    pub(crate) fn push_empty_list(&mut self) -> bool {
        match self {
            Self::IntList(c) => c.close(),
            Self::FloatList(c) => c.close(),
            Self::StrList(c, _) => c.close(),
            _ => return false,
        }
        true
    }

    /// Appends null, or false for a flag (the key absent), in place of a
    /// value that failed: what was pushed of it is dropped first.
    pub(crate) fn replace_with_null(&mut self, len: usize) {
        self.builder().truncate(len);
        self.push_absent(1);
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
            Self::Long(c) => match parse_i64(raw) {
                Some(v) if v >= super::int::MIN_INTEGER => c.push(v),
                _ => return Err(not_integer(raw)),
            },
            Self::Str(c, rule) => {
                check_text(raw, *rule)?;
                c.push(raw)
            }
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
                        match parse_f64(item) {
                            Ok(v) => c.items().push(v),
                            Err(e) => {
                                c.truncate(c.len());
                                return Err(e);
                            }
                        }
                    }
                }
                c.close();
            }
            Self::StrList(c, rule) => {
                for item in raw.split(|b| *b == b',') {
                    if item == b"." {
                        c.items().push_nulls(1);
                    } else {
                        if *rule != TextRule::Free
                            && let Err(e) = check_text(item, *rule)
                        {
                            c.truncate(c.len());
                            return Err(e);
                        }
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

impl ValueColumn {
    /// `raw` with each item that is a decimal number but no VCF 4.3 Integer
    /// (past 32 bits, or one of BCF's eight reserved values) spelt `.`;
    /// `None` unless the column holds Integers and `raw` has such an item.
    #[cold]
    pub(crate) fn wide_integers_as_missing(&self, raw: &[u8]) -> Option<Vec<u8>> {
        if !matches!(self, Self::Int(_) | Self::IntList(_)) {
            return None;
        }
        let mut patched = Vec::with_capacity(raw.len());
        let mut any = false;
        for (i, item) in raw.split(|b| *b == b',').enumerate() {
            if i > 0 {
                patched.push(b',');
            }
            let digits = match item {
                [b'-' | b'+', rest @ ..] => rest,
                _ => item,
            };
            if !digits.is_empty()
                && digits.iter().all(u8::is_ascii_digit)
                && parse_i32(item).is_none()
            {
                patched.push(b'.');
                any = true;
            } else {
                patched.extend_from_slice(item);
            }
        }
        any.then_some(patched)
    }
}

/// The first index of a negative value.
fn first_negative<T: Copy + PartialOrd + Default>(values: &[T]) -> Option<usize> {
    let zero = T::default();
    // A plain comparison fold vectorises; the position is found only on failure.
    if values.iter().fold(false, |any, &v| any | (v < zero)) {
        values.iter().position(|&v| v < zero)
    } else {
        None
    }
}

/// The row whose items hold item `item`.
fn row_of(offsets: &[i32], item: usize) -> usize {
    offsets.partition_point(|&o| o as usize <= item) - 1
}

pub(crate) fn check_text(raw: &[u8], rule: TextRule) -> Result<(), String> {
    match rule {
        TextRule::Free => Ok(()),
        TextRule::Single if raw.contains(&b',') => Err(too_many(raw)),
        TextRule::Single => Ok(()),
        TextRule::Char if std::str::from_utf8(raw).is_ok_and(|t| t.chars().count() == 1) => Ok(()),
        TextRule::Char => Err(format!(
            "{:?} is not one character (Type=Character)",
            String::from_utf8_lossy(raw)
        )),
        TextRule::Cigar if super::site::cigar(raw) => Ok(()),
        TextRule::Cigar => Err(format!(
            "{:?} is not a CIGAR string (operations like 3M1I)",
            String::from_utf8_lossy(raw)
        )),
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
    let number = std::str::from_utf8(raw)
        .ok()
        .and_then(|t| t.parse::<i64>().ok());
    if number.is_some_and(|n| (i32::MIN as i64..super::int::MIN_INTEGER).contains(&n)) {
        format!(
            "{} is reserved: BCF keeps the Integers from -2147483648 to -2147483641 for its markers",
            String::from_utf8_lossy(raw)
        )
    } else if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
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
    fn only_integers_too_wide_for_32_bits_are_spelt_missing() {
        let list = ValueColumn::IntList(IntListColumn::default());
        let cases: &[(&str, Option<&str>)] = &[
            (
                "1,42949672950,-2147483641,+2147483647",
                Some("1,.,.,+2147483647"),
            ),
            ("-2147483649", Some(".")),
            ("1,2147483647,-2147483640", None),
            ("1,x,99999999999", Some("1,x,.")),
            ("1.5e12", None),
        ];
        for (raw, expected) in cases {
            let patched = list.wide_integers_as_missing(raw.as_bytes());
            assert_eq!(patched.as_deref(), expected.map(str::as_bytes), "{raw}");
        }
        let floats = ValueColumn::Float(PrimitiveColumn::default());
        assert_eq!(floats.wide_integers_as_missing(b"42949672950"), None);
    }

    #[test]
    fn counts_follow_number_alleles_and_ploidy() {
        use crate::header::{Definition, Origin};
        let rules = |number| {
            ValueRules::new(&Definition {
                id: "X".into(),
                number,
                value_type: ValueType::Integer,
                description: String::new(),
                origin: Origin::Header(1),
                reserved: false,
                non_negative: false,
            })
        };
        let (unknown, haploid, diploid) = (
            Ploidy::default(),
            Ploidy {
                alleles: 1,
                phased: false,
            },
            Ploidy {
                alleles: 2,
                phased: false,
            },
        );
        let phased = Ploidy {
            alleles: 2,
            phased: true,
        };
        let triploid = Ploidy {
            alleles: 3,
            phased: false,
        };
        // (Number, values, alleles incl. REF, ploidy, fits)
        let cases = [
            (Number::A, 2, 3, unknown, true),
            (Number::A, 3, 3, unknown, false),
            (Number::A, 5, 1, unknown, true), // ALT '.': not counted
            (Number::R, 3, 3, unknown, true),
            (Number::Count(4), 3, 2, unknown, false),
            (Number::G, 3, 2, diploid, true),
            (Number::G, 2, 2, haploid, true),
            (Number::G, 3, 2, haploid, false),
            (Number::G, 4, 2, triploid, true),
            (Number::G, 4, 2, phased, true), // one per allele and haplotype
            (Number::G, 4, 2, diploid, false),
            (Number::G, 4, 2, unknown, true), // some ploidy (3) fits
            (Number::G, 5, 3, unknown, false), // 3, 6, 10, 15, ... for ploidies 1 to 4
            (Number::G, 6, 3, diploid, true),
        ];
        for (number, len, alleles, ploidy, fits) in cases {
            assert_eq!(
                rules(number).fits(len, alleles, ploidy).is_ok(),
                fits,
                "Number={number} with {len} values, {alleles} alleles, {ploidy:?}"
            );
        }
        assert_eq!(genotype_count(3, 2), Some(6));
        assert_eq!(genotype_count(2, 3), Some(4));
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
