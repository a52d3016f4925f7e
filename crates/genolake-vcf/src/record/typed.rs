//! Binary typed values (BCF's INFO and per-sample vectors) straight into
//! the columns.
//!
//! A BCF record's genotypes are already numbers: turning them into VCF text
//! and parsing that text again cost BCF reads most of their time. Here each
//! FORMAT key's vector (`n` values of one type per sample, sample after
//! sample), and each INFO value (one such vector), is decoded in one loop
//! into the column the VCF decoder would have filled from the same values
//! written as text, with the same value:
//! integers as they are, floats as the shortest text that reads back as
//! the same 32-bit float read as a 64-bit one (what VCF text of the record
//! says), strings cut at their NUL padding.
//!
//! Only well-formed values of common shapes are decoded here. Anything
//! else (a value the VCF decoder would reject, null or warn about, a type
//! that does not match the header's, an undeclared key, a string holding
//! VCF's separators) makes [`GenotypeColumns::decode_typed`] answer
//! [`Typed::Fallback`] (and [`info_value_typed`] false); the record decoder
//! then undoes the row and the caller has it decode the record's VCF text,
//! which says what is wrong exactly as the VCF reader says it (and, in
//! lenient reads, nulls and counts it the same way).

use arrow::datatypes::Float64Type;
use genolake_core::builder::{ColumnBuilder, ListColumn, PrimitiveColumn, StringColumn};
use genolake_core::matrix::CallsBuilder;

use super::gt::{GtColumns, Ploidy};
use super::int::{IntColumn, IntListColumn, MIN_INTEGER};
use super::value::{TextRule, ValueColumn, check_text};
use super::{GenotypeColumns, Slot, gt_alleles};

/// The type of a typed vector's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int8,
    Int16,
    Int32,
    Float,
    /// Bytes of text, padded with NULs.
    Char,
}

impl Kind {
    /// Bytes per value.
    pub(crate) fn width(self) -> usize {
        match self {
            Kind::Int8 | Kind::Char => 1,
            Kind::Int16 => 2,
            Kind::Int32 | Kind::Float => 4,
        }
    }
}

/// One FORMAT key's values for every sample of a record: `n` values of
/// `kind` per sample at `start..end` of the record's per-sample bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TypedField {
    pub(crate) kind: Kind,
    pub(crate) n: usize,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// One INFO entry of a record: its key (an index into the names the
/// decoder is given) and its value (`None`: a flag, or no value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TypedInfoEntry {
    pub(crate) key: usize,
    pub(crate) value: Option<TypedField>,
}

/// The record's end from its INFO `END`, as the VCF text `END=v` gives it:
/// `Ok(None)` without a valued `END`, `Err` for a value the text decoder
/// must judge (not one Integer).
pub(crate) fn typed_end(info: &super::TypedInfo<'_>) -> Result<Option<i64>, ()> {
    for entry in info.entries {
        let (Some(Some(name)), Some(field)) = (info.names.get(entry.key), entry.value) else {
            continue;
        };
        if name != "END" {
            continue;
        }
        let bytes = info.data.get(field.start..field.end).ok_or(())?;
        return match field.kind {
            Kind::Int8 => single::<i8>(bytes, field.n),
            Kind::Int16 => single::<i16>(bytes, field.n),
            Kind::Int32 => single::<i32>(bytes, field.n),
            Kind::Float | Kind::Char => None,
        }
        .map(|v| Some(i64::from(v)))
        .ok_or(());
    }
    Ok(None)
}

/// The one Integer of a vector of `n` (the rest padding), if it is one.
fn single<W: Width>(bytes: &[u8], n: usize) -> Option<i32> {
    if n == 0 || bytes.len() != n * W::BYTES || (n > 1 && W::read(&bytes[W::BYTES..]) != W::END) {
        return None;
    }
    match W::read(bytes) {
        x if x == W::MISSING || x == W::END || (x as i64) < MIN_INTEGER => None,
        x => Some(x),
    }
}

/// An INFO value into its column, as [`value_typed`] puts a FORMAT value
/// of one sample; false where the text path must decide. A string must
/// also read back as the same INFO entry: no `;`, and no trailing space,
/// which the text decoder trims from the column.
pub(crate) fn info_value_typed(column: &mut ValueColumn, field: TypedField, bytes: &[u8]) -> bool {
    if bytes.len() != field.n * field.kind.width() {
        return false;
    }
    if field.kind == Kind::Char {
        let text = &bytes[..memchr::memchr(0, bytes).unwrap_or(bytes.len())];
        if text.contains(&b';') || text.last().is_some_and(u8::is_ascii_whitespace) {
            return false;
        }
    }
    if let ValueColumn::Long(c) = column {
        let value = match field.kind {
            Kind::Int8 => single::<i8>(bytes, field.n),
            Kind::Int16 => single::<i16>(bytes, field.n),
            Kind::Int32 => single::<i32>(bytes, field.n),
            Kind::Float | Kind::Char => return false,
        };
        match value {
            Some(v) => c.push(i64::from(v)),
            None => return false,
        }
        return true;
    }
    value_typed(column, field, bytes, 1, None, 1)
}

/// What became of a record's typed sample values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Typed {
    /// Appended to the columns.
    Done,
    /// Appended, GT already sealed into a matrix row.
    Sealed,
    /// Not decoded here; what was appended must be undone.
    Fallback,
}

/// BCF's float marking a missing value.
const FLOAT_MISSING: u32 = 0x7F80_0001;
/// BCF's float padding a vector shorter than its field's.
const FLOAT_END: u32 = 0x7F80_0002;

/// An integer width of typed vectors.
trait Width {
    const BYTES: usize;
    const MISSING: i32;
    const END: i32;
    /// The value at the start of `b` (at least `BYTES` long).
    fn read(b: &[u8]) -> i32;
}

impl Width for i8 {
    const BYTES: usize = 1;
    const MISSING: i32 = i8::MIN as i32;
    const END: i32 = i8::MIN as i32 + 1;
    #[inline(always)]
    fn read(b: &[u8]) -> i32 {
        b[0] as i8 as i32
    }
}

impl Width for i16 {
    const BYTES: usize = 2;
    const MISSING: i32 = i16::MIN as i32;
    const END: i32 = i16::MIN as i32 + 1;
    #[inline(always)]
    fn read(b: &[u8]) -> i32 {
        i16::from_le_bytes([b[0], b[1]]) as i32
    }
}

impl Width for i32 {
    const BYTES: usize = 4;
    const MISSING: i32 = i32::MIN;
    const END: i32 = i32::MIN + 1;
    #[inline(always)]
    fn read(b: &[u8]) -> i32 {
        i32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
}

/// The value VCF text of the 32-bit float `v` reads as: the shortest
/// decimal that reads back as `v` (as the transcoder and `bcftools view`
/// write it), read as a 64-bit float.
#[inline]
pub(crate) fn vcf_float(v: f32) -> f64 {
    // Integers, the common values (depths, 0), read back exactly.
    if v == v.trunc() && v.abs() < (1 << 24) as f32 {
        return v as f64;
    }
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format(v);
    // ryu writes NaN and the infinities as `NaN`, `inf` and `-inf`, which
    // the VCF parser reads too.
    text.parse::<f64>().unwrap_or(f64::NAN)
}

/// The selected samples' slices of `data`, `stride` bytes each.
#[inline]
fn per_sample<'a>(
    data: &'a [u8],
    stride: usize,
    n_samples: usize,
    selected: Option<&'a [bool]>,
) -> impl Iterator<Item = &'a [u8]> + 'a {
    (0..n_samples)
        .filter(move |&s| selected.is_none_or(|sel| sel[s]))
        .map(move |s| &data[s * stride..(s + 1) * stride])
}

impl GenotypeColumns {
    /// Appends the values of a record's typed FORMAT `fields` (in FORMAT
    /// order, as mapped to `self.slots`) of `data`, the record's per-sample
    /// bytes, for its `n_samples` samples; `before` is the number of
    /// genotypes before this record's. On [`Typed::Fallback`] some values
    /// may be appended: the caller rolls the row back.
    pub(crate) fn decode_typed(
        &mut self,
        data: &[u8],
        fields: &[TypedField],
        n_samples: usize,
        n_alleles: usize,
        before: usize,
        matrix: Option<&mut CallsBuilder>,
    ) -> Typed {
        if fields.len() != self.slots.len() || n_samples == 0 {
            return Typed::Fallback;
        }
        // Every field's bytes are its values, whole: indexing below stays
        // in bounds.
        let whole = fields.iter().all(|f| {
            data.get(f.start..f.end).is_some_and(|d| {
                f.n.checked_mul(f.kind.width())
                    .and_then(|s| s.checked_mul(n_samples))
                    == Some(d.len())
            })
        });
        if !whole {
            return Typed::Fallback;
        }
        let limit = gt_alleles(n_alleles);
        // Diploid GT of one byte an allele goes straight into the matrix
        // row; the other fields then know every genotype is diploid, and
        // how each is phased, from the same bytes.
        let gt_at = self.slots.iter().position(|s| matches!(s, Slot::Gt));
        let mut sealed = None;
        if let (Some(calls), Some(k)) = (matrix, gt_at)
            && self.selected.is_none()
            && self.other.is_none()
            && fields[k].kind == Kind::Int8
            && fields[k].n == 2
        {
            let bytes = &data[fields[k].start..fields[k].end];
            if self.gt.push_diploid_typed_matrix(bytes, limit, calls) {
                sealed = Some(bytes);
            }
        }
        let selected = self.selected.as_deref();
        for (slot, field) in self.slots.iter().zip(fields) {
            let bytes = &data[field.start..field.end];
            let ok = match slot {
                Slot::Gt if sealed.is_some() => true,
                Slot::Gt => gt_typed(&mut self.gt, *field, bytes, n_samples, selected, limit),
                Slot::Field(i) => value_typed(
                    &mut self.fields[*i],
                    *field,
                    bytes,
                    n_samples,
                    selected,
                    self.n_selected,
                ),
                Slot::Other(_) => false,
            };
            if !ok {
                return Typed::Fallback;
            }
        }
        if self.any_rules {
            let diploid = sealed.is_some() || self.gt.all_diploid(before);
            let gt = &self.gt;
            let ploidy = |g: usize| match sealed {
                Some(bytes) => Ploidy {
                    alleles: 2,
                    phased: g
                        .checked_sub(before)
                        .and_then(|i| bytes.get(2 * i + 1))
                        .is_some_and(|b| b & 1 == 1),
                },
                None => gt.ploidy(g),
            };
            for slot in &self.slots {
                if let Slot::Field(i) = slot
                    && self.rules[*i].active()
                    && self.fields[*i]
                        .check_rows(&self.rules[*i], before, n_alleles, diploid, ploidy)
                        .is_err()
                {
                    return Typed::Fallback;
                }
            }
        }
        if let Some(other) = &mut self.other {
            for _ in 0..self.n_selected {
                other.close();
            }
        }
        match sealed {
            Some(_) => Typed::Sealed,
            None => Typed::Done,
        }
    }
}

/// GT: `(allele + 1) << 1 | phased` per allele, 0 (or the missing value) a
/// missing allele, padded to the field's ploidy. The first allele's phase
/// bit is not VCF's to say (VCF 4.4's `|0` aside): `phased` is whether a
/// later allele is phased, as the VCF text `0|1` says.
fn gt_typed(
    gt: &mut GtColumns,
    field: TypedField,
    bytes: &[u8],
    n_samples: usize,
    selected: Option<&[bool]>,
    limit: usize,
) -> bool {
    match field.kind {
        Kind::Int8 if field.n == 2 && selected.is_none() => {
            gt.push_diploid_typed(bytes, limit)
                || gt_items::<i8>(gt, 2, bytes, n_samples, None, limit)
        }
        Kind::Int8 => gt_items::<i8>(gt, field.n, bytes, n_samples, selected, limit),
        Kind::Int16 => gt_items::<i16>(gt, field.n, bytes, n_samples, selected, limit),
        Kind::Int32 => gt_items::<i32>(gt, field.n, bytes, n_samples, selected, limit),
        Kind::Float | Kind::Char => false,
    }
}

fn gt_items<W: Width>(
    gt: &mut GtColumns,
    n: usize,
    bytes: &[u8],
    n_samples: usize,
    selected: Option<&[bool]>,
    limit: usize,
) -> bool {
    if n == 0 {
        // Each sample's GT is `.`.
        for _ in per_sample(bytes, 0, n_samples, selected) {
            gt.push_allele(-1);
            gt.close_genotype(false);
        }
        return true;
    }
    for v in per_sample(bytes, n * W::BYTES, n_samples, selected) {
        let mut phased = false;
        let mut called = 0;
        for (j, item) in v.chunks_exact(W::BYTES).enumerate() {
            let raw = match W::read(item) {
                x if x == W::END => break,
                x if x == W::MISSING => 0,
                x => x,
            };
            phased |= j > 0 && raw & 1 == 1;
            let allele = (raw >> 1) - 1;
            if allele >= 0 && allele as usize >= limit {
                gt.truncate(gt.len());
                return false;
            }
            gt.push_allele(allele.max(-1));
            called += 1;
        }
        if called == 0 {
            gt.push_allele(-1);
        }
        gt.close_genotype(phased);
    }
    true
}

/// A FORMAT field other than GT into its column; false where the text path
/// must decide.
fn value_typed(
    column: &mut ValueColumn,
    field: TypedField,
    bytes: &[u8],
    n_samples: usize,
    selected: Option<&[bool]>,
    n_selected: usize,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, the only requirement of the function.
        return unsafe { value_typed_avx2(column, field, bytes, n_samples, selected, n_selected) };
    }
    value_typed_portable(column, field, bytes, n_samples, selected, n_selected)
}

/// [`value_typed`] compiled for AVX2: the loops over whole fields take 16
/// or 32 values an instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn value_typed_avx2(
    column: &mut ValueColumn,
    field: TypedField,
    bytes: &[u8],
    n_samples: usize,
    selected: Option<&[bool]>,
    n_selected: usize,
) -> bool {
    value_typed_portable(column, field, bytes, n_samples, selected, n_selected)
}

#[inline(always)]
fn value_typed_portable(
    column: &mut ValueColumn,
    field: TypedField,
    bytes: &[u8],
    n_samples: usize,
    selected: Option<&[bool]>,
    n_selected: usize,
) -> bool {
    if field.n == 0 {
        // Every sample's value is `.`: null (a flag has no FORMAT use).
        if matches!(column, ValueColumn::Flag(_) | ValueColumn::Long(_)) {
            return false;
        }
        column.builder().push_nulls(n_selected);
        return true;
    }
    let n = field.n;
    match (column, field.kind) {
        (ValueColumn::Int(c), Kind::Int8) => ints::<i8>(c, n, bytes, n_samples, selected),
        (ValueColumn::Int(c), Kind::Int16) => ints::<i16>(c, n, bytes, n_samples, selected),
        (ValueColumn::Int(c), Kind::Int32) => ints::<i32>(c, n, bytes, n_samples, selected),
        (ValueColumn::IntList(c), Kind::Int8) => int_lists::<i8>(c, n, bytes, n_samples, selected),
        (ValueColumn::IntList(c), Kind::Int16) => {
            int_lists::<i16>(c, n, bytes, n_samples, selected)
        }
        (ValueColumn::IntList(c), Kind::Int32) => {
            int_lists::<i32>(c, n, bytes, n_samples, selected)
        }
        (ValueColumn::Float(c), Kind::Float) => floats(c, n, bytes, n_samples, selected),
        (ValueColumn::FloatList(c), Kind::Float) => float_lists(c, n, bytes, n_samples, selected),
        (ValueColumn::Str(c, rule), Kind::Char) => strings(c, *rule, n, bytes, n_samples, selected),
        (ValueColumn::StrList(c, rule), Kind::Char) => {
            string_lists(c, *rule, n, bytes, n_samples, selected)
        }
        _ => false,
    }
}

/// Whether every value of `bytes` is an Integer: neither missing nor
/// padding nor reserved. One fold without early exit, which vectorises.
#[inline(always)]
fn all_integers<W: Width>(bytes: &[u8]) -> bool {
    bytes.chunks_exact(W::BYTES).fold(true, |ok, v| {
        let x = W::read(v);
        ok & (x as i64 >= MIN_INTEGER) & (x != W::MISSING) & (x != W::END)
    })
}

/// Samples whose lists are checked and appended together when all their
/// items are Integers: small enough that a missing value (a percent of
/// genotypes, in cohorts) leaves most groups whole.
const GROUP: usize = 16;

/// One Integer per sample: the first value, the rest padding.
#[inline(always)]
fn ints<W: Width>(
    c: &mut IntColumn,
    n: usize,
    bytes: &[u8],
    n_samples: usize,
    selected: Option<&[bool]>,
) -> bool {
    if n == 1 && selected.is_none() {
        // The common field, in two passes that vectorise: every value
        // (missing and padding as 0), then nulls where there were any.
        let reserved = bytes.chunks_exact(W::BYTES).fold(false, |any, v| {
            let x = W::read(v);
            any | ((x as i64) < MIN_INTEGER) & (x != W::MISSING) & (x != W::END)
        });
        if reserved {
            return false;
        }
        let base = c.values().len();
        c.extend_valid(bytes.chunks_exact(W::BYTES).map(|v| match W::read(v) {
            x if x == W::MISSING || x == W::END => 0,
            x => x,
        }));
        if !all_integers::<W>(bytes) {
            for (i, v) in bytes.chunks_exact(W::BYTES).enumerate() {
                let x = W::read(v);
                if x == W::MISSING || x == W::END {
                    c.set_null(base + i);
                }
            }
        }
        return true;
    }
    for v in per_sample(bytes, n * W::BYTES, n_samples, selected) {
        // A second value makes `1,2`, which a Number=1 key rejects.
        if n > 1 && W::read(&v[W::BYTES..]) != W::END {
            return false;
        }
        match W::read(v) {
            x if x == W::MISSING || x == W::END => c.push(None),
            x if (x as i64) < MIN_INTEGER => return false,
            x => c.push(Some(x)),
        }
    }
    true
}

/// A list of Integers per sample, to the first padding value; no value,
/// or one missing one, is VCF's `.`, a null list.
#[inline(always)]
fn int_lists<W: Width>(
    c: &mut IntListColumn,
    n: usize,
    bytes: &[u8],
    n_samples: usize,
    selected: Option<&[bool]>,
) -> bool {
    if selected.is_none() {
        // Groups of whole lists at once, the others list by list.
        let stride = n * W::BYTES;
        for group in bytes.chunks(GROUP * stride) {
            if all_integers::<W>(group) {
                let rows = group.len() / stride;
                c.extend_full_rows(group.chunks_exact(W::BYTES).map(W::read), rows, n);
            } else if !int_lists_each::<W>(c, n, group.chunks_exact(stride)) {
                return false;
            }
        }
        return true;
    }
    int_lists_each::<W>(c, n, per_sample(bytes, n * W::BYTES, n_samples, selected))
}

#[inline(always)]
fn int_lists_each<'a, W: Width>(
    c: &mut IntListColumn,
    n: usize,
    vectors: impl Iterator<Item = &'a [u8]>,
) -> bool {
    for v in vectors {
        let first = W::read(v);
        if first == W::END || (first == W::MISSING && (n == 1 || W::read(&v[W::BYTES..]) == W::END))
        {
            c.push_nulls(1);
            continue;
        }
        for item in v.chunks_exact(W::BYTES) {
            match W::read(item) {
                x if x == W::END => break,
                x if x == W::MISSING => c.push_item(None),
                x if (x as i64) < MIN_INTEGER => return false,
                x => c.push_item(Some(x)),
            }
        }
        c.close();
    }
    true
}

#[inline(always)]
fn float_bits(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn floats(
    c: &mut PrimitiveColumn<Float64Type>,
    n: usize,
    bytes: &[u8],
    n_samples: usize,
    selected: Option<&[bool]>,
) -> bool {
    for v in per_sample(bytes, 4 * n, n_samples, selected) {
        if n > 1 && float_bits(&v[4..]) != FLOAT_END {
            return false;
        }
        match float_bits(v) {
            FLOAT_MISSING | FLOAT_END => c.push_nulls(1),
            bits => c.push(vcf_float(f32::from_bits(bits))),
        }
    }
    true
}

fn float_lists(
    c: &mut ListColumn<PrimitiveColumn<Float64Type>>,
    n: usize,
    bytes: &[u8],
    n_samples: usize,
    selected: Option<&[bool]>,
) -> bool {
    for v in per_sample(bytes, 4 * n, n_samples, selected) {
        let first = float_bits(v);
        if first == FLOAT_END
            || (first == FLOAT_MISSING && (n == 1 || float_bits(&v[4..]) == FLOAT_END))
        {
            c.push_nulls(1);
            continue;
        }
        for item in v.chunks_exact(4) {
            match float_bits(item) {
                FLOAT_END => break,
                FLOAT_MISSING => c.items().push_nulls(1),
                bits => c.items().push(vcf_float(f32::from_bits(bits))),
            }
        }
        c.close();
    }
    true
}

/// Whether the text of every sample, read or not, is one VCF value of
/// UTF-8 (see [`sample_text`]): the VCF text of the record holds them all.
fn all_texts(bytes: &[u8], n: usize, selected: Option<&[bool]>) -> bool {
    selected.is_none() || bytes.chunks_exact(n).all(|v| sample_text(v).is_some())
}

/// A sample's text: its bytes to the first NUL, if it reads as one VCF
/// value (no `:` or tab, which would split it) of UTF-8.
#[inline]
fn sample_text(v: &[u8]) -> Option<&[u8]> {
    let text = &v[..memchr::memchr(0, v).unwrap_or(v.len())];
    if text.iter().any(|&b| b == b':' || b == b'\t') {
        return None;
    }
    (text.is_ascii() || std::str::from_utf8(text).is_ok()).then_some(text)
}

fn strings(
    c: &mut StringColumn,
    rule: TextRule,
    n: usize,
    bytes: &[u8],
    n_samples: usize,
    selected: Option<&[bool]>,
) -> bool {
    if !all_texts(bytes, n, selected) {
        return false;
    }
    for v in per_sample(bytes, n, n_samples, selected) {
        match sample_text(v) {
            None => return false,
            Some(b"" | b".") => c.push_nulls(1),
            Some(text) => {
                if check_text(text, rule).is_err() {
                    return false;
                }
                c.push(text);
            }
        }
    }
    true
}

fn string_lists(
    c: &mut ListColumn<StringColumn>,
    rule: TextRule,
    n: usize,
    bytes: &[u8],
    n_samples: usize,
    selected: Option<&[bool]>,
) -> bool {
    if !all_texts(bytes, n, selected) {
        return false;
    }
    for v in per_sample(bytes, n, n_samples, selected) {
        match sample_text(v) {
            None => return false,
            Some(b"" | b".") => c.push_nulls(1),
            Some(text) => {
                for item in text.split(|b| *b == b',') {
                    if item == b"." {
                        c.items().push_nulls(1);
                        continue;
                    }
                    if rule != TextRule::Free && check_text(item, rule).is_err() {
                        return false;
                    }
                    c.items().push(item);
                }
                c.close();
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_their_shortest_text_reads() {
        // (f32 as BCF holds it, the f64 VCF text of it reads as)
        let cases = [
            (0.1f32, 0.1f64),
            (329_458.16, 329_458.16),
            (1e-7, 1e-7),
            (3.0, 3.0),
            (-0.0, -0.0),
            (16_777_217.0, 16_777_216.0),
            (f32::INFINITY, f64::INFINITY),
        ];
        for (bcf, vcf) in cases {
            assert_eq!(vcf_float(bcf).to_bits(), vcf.to_bits(), "{bcf}");
        }
        assert!(vcf_float(f32::NAN).is_nan());
    }
}
