//! Formatting rows of the variant table as VCF data lines.
//!
//! [`Layout`] reads a schema once: which columns are written, as what
//! keys, in which order. [`Columns`] holds one batch's arrays, downcast (and
//! cast to the handful of types the formatter knows, when a SQL result gave
//! others); [`Columns::write_site`] and [`Columns::write_samples`] append one
//! row's text to the output buffer, with no allocation per genotype.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float32Array, Float64Array, Int32Array, Int64Array,
    RecordBatch, StringArray,
};
use arrow::buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{
    DataType, Field, Fields, Float32Type, Float64Type, Int32Type, Int64Type, Schema,
};
use genolake_core::schema::{
    ALTERNATE_ALLELES, ATTRIBUTES, CALLS, CONTIG_NAME, END, FILTERS, GENOTYPES, INFO_PREFIX, NAMES,
    OTHER_FIELDS, PHASED, QUAL, REFERENCE_ALLELE, SAMPLE_ID, SPLIT_FROM_MULTI_ALLELIC, START,
    format_key_of_genotype_field, list_of,
};

/// An INFO column and its key.
#[derive(Debug, Clone)]
pub(crate) struct InfoColumn {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) data_type: DataType,
}

/// A genotype field and its FORMAT key.
#[derive(Debug, Clone)]
pub(crate) struct FormatField {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) data_type: DataType,
}

/// What `genotypes` holds.
#[derive(Debug, Clone)]
pub(crate) struct GenotypeLayout {
    pub(crate) sample_id: bool,
    /// `calls` (and maybe `phased`) are there: GT is written, first.
    pub(crate) gt: bool,
    /// FORMAT keys after GT, in the order they are written.
    pub(crate) fields: Vec<FormatField>,
}

/// Which columns of a schema are written, and how.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) infos: Vec<InfoColumn>,
    /// INFO as one `attributes` map (a `flattenInfoFields=false` read):
    /// its entries are written as they are, in order, after the columns.
    pub(crate) attributes: bool,
    /// `end` is there but no `INFO_END`: `END=` is written where `end` is
    /// not `start` + the length of REF, as the reader took it from there.
    pub(crate) write_end: bool,
    pub(crate) genotypes: Option<GenotypeLayout>,
    /// Columns left out, for one warning.
    pub(crate) ignored: Vec<String>,
}

/// The type the formatter writes a value column as, if it can: 32- or
/// 64-bit integers and floats, Boolean and Utf8, or a List of them. Narrower
/// integers, `LargeUtf8`, `Utf8View`, dictionaries of strings and other list
/// kinds are cast to these.
pub(crate) fn value_type(data_type: &DataType) -> Option<DataType> {
    use DataType::*;
    let scalar = |t: &DataType| -> Option<DataType> {
        Some(match t {
            Boolean => Boolean,
            Int8 | Int16 | Int32 | UInt8 | UInt16 => Int32,
            Int64 | UInt32 | UInt64 => Int64,
            Float16 | Float32 => Float32,
            Float64 => Float64,
            Utf8 | LargeUtf8 | Utf8View => Utf8,
            Dictionary(_, v) if matches!(**v, Utf8 | LargeUtf8 | Utf8View) => Utf8,
            _ => return None,
        })
    };
    match data_type {
        List(item) | LargeList(item) | ListView(item) | LargeListView(item) => {
            let item = scalar(item.data_type())?;
            (item != Boolean).then(|| list_of(item))
        }
        FixedSizeList(item, _) => {
            let item = scalar(item.data_type())?;
            (item != Boolean).then(|| list_of(item))
        }
        other => scalar(other),
    }
}

/// The type a required or site column is cast to, or an error naming it.
fn expect(field: &Field, wanted: &DataType) -> Result<(), String> {
    match value_type(field.data_type()) {
        Some(t) if &t == wanted => Ok(()),
        _ => Err(format!(
            "column {} has type {}; the VCF writer needs {wanted} (or a type castable to it)",
            field.name(),
            field.data_type()
        )),
    }
}

impl Layout {
    /// Reads the columns of `schema`, with the FORMAT keys of a supplied
    /// header first (in its order).
    pub(crate) fn of(schema: &Schema, header_formats: &[String]) -> Result<Self, String> {
        let utf8_list = list_of(DataType::Utf8);
        let mut infos = Vec::new();
        let mut genotypes = None;
        let mut ignored = Vec::new();
        let mut has_info_end = false;
        let mut attributes = false;
        for field in schema.fields() {
            let name = field.name().as_str();
            match name {
                CONTIG_NAME | REFERENCE_ALLELE => expect(field, &DataType::Utf8)?,
                START | END => {
                    expect(field, &DataType::Int64).or_else(|_| expect(field, &DataType::Int32))?
                }
                NAMES | ALTERNATE_ALLELES | FILTERS => expect(field, &utf8_list)?,
                QUAL => expect(field, &DataType::Float64)
                    .or_else(|_| expect(field, &DataType::Float32))?,
                SPLIT_FROM_MULTI_ALLELIC => {}
                ATTRIBUTES => {
                    let strings = matches!(field.data_type(), DataType::Map(entries, _)
                        if matches!(entries.data_type(), DataType::Struct(kv)
                            if kv.len() == 2 && kv.iter().all(|f| value_type(f.data_type()) == Some(DataType::Utf8))));
                    if !strings {
                        return Err(format!(
                            "column {name} has type {}; the VCF writer needs a map of strings to strings",
                            field.data_type()
                        ));
                    }
                    attributes = true;
                }
                GENOTYPES => genotypes = Some(genotype_layout(field, header_formats)?),
                _ => {
                    if let Some(key) = name.strip_prefix(INFO_PREFIX) {
                        let data_type = value_type(field.data_type()).ok_or_else(|| {
                            format!(
                                "column {name} has type {}, which no INFO value has: Boolean (a Flag), integers, floats, strings, or lists of them",
                                field.data_type()
                            )
                        })?;
                        check_key(key, name, "INFO")?;
                        has_info_end |= key == "END";
                        infos.push(InfoColumn {
                            name: name.to_string(),
                            key: key.to_string(),
                            data_type,
                        });
                    } else {
                        ignored.push(name.to_string());
                    }
                }
            }
        }
        for required in [CONTIG_NAME, START, REFERENCE_ALLELE] {
            if schema.column_with_name(required).is_none() {
                return Err(format!(
                    "the batches have no {required} column, which every VCF record needs"
                ));
            }
        }
        Ok(Self {
            infos,
            attributes,
            write_end: !has_info_end && !attributes && schema.column_with_name(END).is_some(),
            genotypes,
            ignored,
        })
    }
}

fn genotype_layout(field: &Field, header_formats: &[String]) -> Result<GenotypeLayout, String> {
    let fields: &Fields = match field.data_type() {
        DataType::List(item) | DataType::LargeList(item) => match item.data_type() {
            DataType::Struct(fields) => fields,
            _ => return Err(not_genotypes(field)),
        },
        _ => return Err(not_genotypes(field)),
    };
    let mut layout = GenotypeLayout {
        sample_id: false,
        gt: false,
        fields: Vec::new(),
    };
    for f in fields {
        match f.name().as_str() {
            SAMPLE_ID => {
                expect(f, &DataType::Utf8)?;
                layout.sample_id = true;
            }
            CALLS => {
                // Any integers: a SQL result may widen them.
                expect(f, &list_of(DataType::Int32))
                    .or_else(|_| expect(f, &list_of(DataType::Int64)))?;
                layout.gt = true;
            }
            PHASED => expect(f, &DataType::Boolean)?,
            // Keys no header declared, as text: not written (see the
            // module documentation of the writer).
            OTHER_FIELDS => {}
            name => {
                let data_type = value_type(f.data_type())
                    .filter(|t| t != &DataType::Boolean)
                    .ok_or_else(|| {
                        format!(
                            "genotype field {name} has type {}, which no FORMAT value has: integers, floats, strings, or lists of them",
                            f.data_type()
                        )
                    })?;
                let key = format_key_of_genotype_field(name);
                check_key(key, &format!("genotype field {name}"), "FORMAT")?;
                layout.fields.push(FormatField {
                    name: name.to_string(),
                    key: key.to_string(),
                    data_type,
                });
            }
        }
    }
    // A supplied header's FORMAT order first, then the others as they come.
    let rank = |key: &str| {
        header_formats
            .iter()
            .position(|k| k == key)
            .unwrap_or(usize::MAX)
    };
    layout.fields.sort_by_key(|f| rank(&f.key));
    Ok(layout)
}

/// A key must not break the INFO or FORMAT column it is written in: no
/// whitespace, `;`, `=`, `,` or `:` (the specification's keys are letters,
/// digits, `_` and `.`; others are written as given).
fn check_key(key: &str, what: &str, kind: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err(format!("{what} names no {kind} key"));
    }
    if let Some(c) = key
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, ';' | '=' | ',' | ':'))
    {
        return Err(format!(
            "{what} gives the {kind} key {key:?}, whose {c:?} would break the record"
        ));
    }
    Ok(())
}

fn not_genotypes(field: &Field) -> String {
    format!(
        "column {} has type {}; the VCF writer needs a list of genotype structs",
        field.name(),
        field.data_type()
    )
}

/// One scalar array of a type the formatter writes.
#[derive(Debug, Clone)]
pub(crate) enum Scalar {
    Bool(BooleanArray),
    I32(Int32Array),
    I64(Int64Array),
    F32(Float32Array),
    F64(Float64Array),
    Str(StringArray),
}

/// A value column: scalars, or lists of them.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Scalar(Scalar),
    List {
        offsets: OffsetBuffer<i32>,
        nulls: Option<NullBuffer>,
        items: Scalar,
    },
}

fn cast_to(array: &ArrayRef, wanted: &DataType) -> Result<ArrayRef, String> {
    if array.data_type() == wanted {
        return Ok(Arc::clone(array));
    }
    arrow::compute::cast(array, wanted).map_err(|e| format!("cannot cast to {wanted}: {e}"))
}

fn scalar(array: &ArrayRef) -> Result<Scalar, String> {
    Ok(match array.data_type() {
        DataType::Boolean => Scalar::Bool(array.as_boolean().clone()),
        DataType::Int32 => Scalar::I32(array.as_primitive::<Int32Type>().clone()),
        DataType::Int64 => Scalar::I64(array.as_primitive::<Int64Type>().clone()),
        DataType::Float32 => Scalar::F32(array.as_primitive::<Float32Type>().clone()),
        DataType::Float64 => Scalar::F64(array.as_primitive::<Float64Type>().clone()),
        DataType::Utf8 => Scalar::Str(array.as_string::<i32>().clone()),
        other => return Err(format!("no VCF value of type {other}")),
    })
}

impl Value {
    /// The column `array`, cast to `wanted` (a type [`value_type`] gave).
    pub(crate) fn of(array: &ArrayRef, wanted: &DataType) -> Result<Self, String> {
        let array = cast_to(array, wanted)?;
        Ok(match array.data_type() {
            DataType::List(_) => {
                let list = array.as_list::<i32>();
                Value::List {
                    offsets: list.offsets().clone(),
                    nulls: list.nulls().cloned(),
                    items: scalar(list.values())?,
                }
            }
            _ => Value::Scalar(scalar(&array)?),
        })
    }

    /// Null, or an empty list: nothing to write. (A list of one null item is
    /// written `.` too, which reads back as null: VCF cannot tell them
    /// apart; `.,.` keeps its two items, as in htslib.)
    #[inline]
    pub(crate) fn is_missing(&self, i: usize) -> bool {
        match self {
            Value::Scalar(s) => s.is_null(i),
            Value::List { offsets, nulls, .. } => {
                nulls.as_ref().is_some_and(|n| n.is_null(i)) || offsets[i] == offsets[i + 1]
            }
        }
    }

    /// Writes the value at `i`, or `.` when it is missing (null, or an empty
    /// list); returns whether there was a value. One dispatch per value:
    /// this is the loop of every FORMAT field of every genotype.
    #[inline]
    fn write_or_dot(&self, i: usize, out: &mut Vec<u8>) -> Result<bool, String> {
        match self {
            Value::Scalar(Scalar::I32(a)) => {
                if a.is_null(i) {
                    out.push(b'.');
                    return Ok(false);
                }
                write_int(a.value(i) as i64, out);
            }
            Value::List {
                offsets,
                nulls,
                items: Scalar::I32(items),
            } => {
                let (a, b) = (offsets[i] as usize, offsets[i + 1] as usize);
                if a == b || nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                    out.push(b'.');
                    return Ok(false);
                }
                let values = &items.values()[a..b];
                match items.nulls() {
                    None => {
                        for (k, v) in values.iter().enumerate() {
                            if k > 0 {
                                out.push(b',');
                            }
                            write_int(*v as i64, out);
                        }
                    }
                    Some(item_nulls) => {
                        for (k, v) in values.iter().enumerate() {
                            if k > 0 {
                                out.push(b',');
                            }
                            if item_nulls.is_null(a + k) {
                                out.push(b'.');
                            } else {
                                write_int(*v as i64, out);
                            }
                        }
                    }
                }
            }
            other => {
                if other.is_missing(i) {
                    out.push(b'.');
                    return Ok(false);
                }
                other.write(i, out)?;
            }
        }
        Ok(true)
    }

    /// Whether a Boolean (INFO Flag) value is true.
    pub(crate) fn flag(&self, i: usize) -> bool {
        match self {
            Value::Scalar(Scalar::Bool(b)) => b.is_valid(i) && b.value(i),
            _ => false,
        }
    }

    pub(crate) fn is_flag(&self) -> bool {
        matches!(self, Value::Scalar(Scalar::Bool(_)))
    }

    /// Writes the value at `i`, known not to be missing; null items of a
    /// list are `.`.
    #[inline]
    pub(crate) fn write(&self, i: usize, out: &mut Vec<u8>) -> Result<(), String> {
        match self {
            Value::Scalar(s) => s.write(i, out),
            Value::List { offsets, items, .. } => {
                let (a, b) = (offsets[i] as usize, offsets[i + 1] as usize);
                for j in a..b {
                    if j > a {
                        out.push(b',');
                    }
                    if items.is_null(j) {
                        out.push(b'.');
                    } else {
                        items.write(j, out)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Whether every value in `range` is missing (to leave a FORMAT key out
    /// of a row whose samples all lack it).
    pub(crate) fn all_missing(&self, range: std::ops::Range<usize>) -> bool {
        let nulls = match self {
            Value::Scalar(s) => s.nulls(),
            Value::List { nulls, .. } => nulls.as_ref(),
        };
        match nulls {
            // The common case, checked a word at a time.
            Some(n) if n.slice(range.start, range.len()).null_count() == range.len() => true,
            _ => range.clone().all(|i| self.is_missing(i)),
        }
    }
}

impl Scalar {
    #[inline]
    pub(crate) fn is_null(&self, i: usize) -> bool {
        self.nulls().is_some_and(|n| n.is_null(i))
    }

    fn nulls(&self) -> Option<&NullBuffer> {
        match self {
            Scalar::Bool(a) => a.nulls(),
            Scalar::I32(a) => a.nulls(),
            Scalar::I64(a) => a.nulls(),
            Scalar::F32(a) => a.nulls(),
            Scalar::F64(a) => a.nulls(),
            Scalar::Str(a) => a.nulls(),
        }
    }

    #[inline]
    fn write(&self, i: usize, out: &mut Vec<u8>) -> Result<(), String> {
        match self {
            Scalar::Bool(a) => out.push(if a.value(i) { b'1' } else { b'0' }),
            Scalar::I32(a) => write_int(a.value(i) as i64, out),
            Scalar::I64(a) => write_int(a.value(i), out),
            Scalar::F32(a) => write_f32(a.value(i), out),
            Scalar::F64(a) => write_f64(a.value(i), out),
            Scalar::Str(a) => write_text(a.value(i).as_bytes(), out)?,
        }
        Ok(())
    }
}

/// Writes an integer in decimal.
#[inline]
pub(crate) fn write_int(v: i64, out: &mut Vec<u8>) {
    // Depths, qualities and likelihoods are mostly below 100.
    if (0..10).contains(&v) {
        out.push(b'0' + v as u8);
    } else if (10..100).contains(&v) {
        out.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
    } else {
        out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }
}

/// Writes a float with the fewest digits that read back to the same `f64`
/// (ryu), `1` rather than `1.0`, and VCF 4.3's `NaN`, `Inf`, `-Inf`.
#[inline]
pub(crate) fn write_f64(v: f64, out: &mut Vec<u8>) {
    if v.is_finite() {
        trim_point_zero(ryu::Buffer::new().format_finite(v), out);
    } else {
        write_non_finite(v.is_nan(), v.is_sign_positive(), out);
    }
}

/// As [`write_f64`], with the fewest digits that read back to the same `f32`.
#[inline]
pub(crate) fn write_f32(v: f32, out: &mut Vec<u8>) {
    if v.is_finite() {
        trim_point_zero(ryu::Buffer::new().format_finite(v), out);
    } else {
        write_non_finite(v.is_nan(), v.is_sign_positive(), out);
    }
}

fn trim_point_zero(text: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(text.strip_suffix(".0").unwrap_or(text).as_bytes());
}

fn write_non_finite(nan: bool, positive: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(match (nan, positive) {
        // The sign of a NaN survives a read (htslib prints `-nan`).
        (true, false) => b"-NaN",
        (true, true) => b"NaN",
        (false, true) => b"Inf",
        (false, false) => b"-Inf",
    });
}

/// Writes text that must not break the line: no tab, newline or carriage
/// return (which would end a column or the record).
#[inline]
fn write_text(text: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    if let Some(at) = memchr::memchr3(b'\t', b'\n', b'\r', text) {
        return Err(format!(
            "the text {:?} holds a {:?}, which would break the VCF line",
            String::from_utf8_lossy(text),
            text[at] as char
        ));
    }
    out.extend_from_slice(text);
    Ok(())
}

/// A `List<Utf8>` column (`names`, `alternateAlleles`, `filters`).
#[derive(Debug)]
pub(crate) struct StrList {
    pub(crate) offsets: OffsetBuffer<i32>,
    pub(crate) nulls: Option<NullBuffer>,
    pub(crate) items: StringArray,
}

impl StrList {
    fn of(array: &ArrayRef) -> Result<Self, String> {
        let array = cast_to(array, &list_of(DataType::Utf8))?;
        let list = array.as_list::<i32>();
        Ok(Self {
            offsets: list.offsets().clone(),
            nulls: list.nulls().cloned(),
            items: list.values().as_string::<i32>().clone(),
        })
    }

    /// Items joined by `sep`; `.` for a null or empty list (and null items).
    pub(crate) fn write(&self, i: usize, sep: u8, out: &mut Vec<u8>) -> Result<(), String> {
        let (a, b) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        if a == b || self.nulls.as_ref().is_some_and(|n| n.is_null(i)) {
            out.push(b'.');
            return Ok(());
        }
        for j in a..b {
            if j > a {
                out.push(sep);
            }
            if self.items.is_null(j) {
                out.push(b'.');
            } else {
                write_text(self.items.value(j).as_bytes(), out)?;
            }
        }
        Ok(())
    }
}

/// The `attributes` map of one batch: INFO entries as text.
pub(crate) struct Attributes {
    offsets: OffsetBuffer<i32>,
    nulls: Option<NullBuffer>,
    keys: StringArray,
    values: StringArray,
}

impl Attributes {
    fn of(array: &ArrayRef) -> Result<Self, String> {
        let map = array
            .as_map_opt()
            .ok_or_else(|| format!("attributes has type {}", array.data_type()))?;
        Ok(Self {
            offsets: map.offsets().clone(),
            nulls: map.nulls().cloned(),
            keys: strings(map.keys())?,
            values: strings(map.values())?,
        })
    }

    /// The entries of row `row` as `(key, value)`, a Flag's value empty.
    pub(crate) fn entries(&self, row: usize) -> impl Iterator<Item = (&str, &str)> {
        let range = if self.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
            0..0
        } else {
            self.offsets[row] as usize..self.offsets[row + 1] as usize
        };
        range.map(|j| {
            let value = if self.values.is_null(j) {
                ""
            } else {
                self.values.value(j)
            };
            (self.keys.value(j), value)
        })
    }

    /// Appends `key=value;...` (a bare key for an empty value).
    fn write(&self, row: usize, info_start: usize, out: &mut Vec<u8>) -> Result<(), String> {
        for (key, value) in self.entries(row) {
            if out.len() > info_start {
                out.push(b';');
            }
            write_text(key.as_bytes(), out)?;
            if !value.is_empty() {
                out.push(b'=');
                write_text(value.as_bytes(), out)?;
            }
        }
        Ok(())
    }
}

/// The genotype arrays of one batch.
pub(crate) struct Genotypes {
    offsets: OffsetBuffer<i32>,
    nulls: Option<NullBuffer>,
    pub(crate) struct_nulls: Option<NullBuffer>,
    sample_ids: Option<StringArray>,
    /// Offsets, alleles (−1 missing, nulls made −1) and nulls of `calls`.
    pub(crate) calls: Option<(OffsetBuffer<i32>, ScalarBuffer<i32>, Option<NullBuffer>)>,
    pub(crate) phased: Option<BooleanArray>,
    /// The fields after GT, in [`GenotypeLayout::fields`]' order.
    pub(crate) fields: Vec<Value>,
}

impl Genotypes {
    /// The genotypes of row `row`: a range of the struct arrays, empty for a
    /// null list.
    pub(crate) fn range(&self, row: usize) -> std::ops::Range<usize> {
        if self.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
            return 0..0;
        }
        self.offsets[row] as usize..self.offsets[row + 1] as usize
    }

    /// The `sampleId`s, if the genotypes carry them.
    pub(crate) fn sample_ids(&self) -> Option<&StringArray> {
        self.sample_ids.as_ref()
    }
}

/// One batch's arrays, ready to format.
pub(crate) struct Columns {
    contig: StringArray,
    start: Int64Array,
    end: Option<Int64Array>,
    pub(crate) names: Option<StrList>,
    pub(crate) reference: StringArray,
    pub(crate) alternates: Option<StrList>,
    pub(crate) qual: Option<Value>,
    pub(crate) filters: Option<StrList>,
    pub(crate) attributes: Option<Attributes>,
    /// The INFO columns, in [`Layout::infos`]' order.
    pub(crate) infos: Vec<Value>,
    pub(crate) genotypes: Option<Genotypes>,
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, String> {
    batch
        .column_by_name(name)
        .ok_or_else(|| format!("the batch has no {name} column, which the first batch had"))
}

fn strings(array: &ArrayRef) -> Result<StringArray, String> {
    Ok(cast_to(array, &DataType::Utf8)?.as_string::<i32>().clone())
}

fn int64s(array: &ArrayRef) -> Result<Int64Array, String> {
    Ok(cast_to(array, &DataType::Int64)?
        .as_primitive::<Int64Type>()
        .clone())
}

impl Columns {
    /// The columns of `batch` that `layout` writes.
    pub(crate) fn of(batch: &RecordBatch, layout: &Layout) -> Result<Self, String> {
        let optional = |name: &str| batch.column_by_name(name);
        let infos = layout
            .infos
            .iter()
            .map(|info| {
                Value::of(column(batch, &info.name)?, &info.data_type)
                    .map_err(|e| format!("column {}: {e}", info.name))
            })
            .collect::<Result<_, String>>()?;
        let genotypes = match &layout.genotypes {
            None => None,
            Some(g) => Some(genotypes(column(batch, GENOTYPES)?, g)?),
        };
        Ok(Self {
            contig: strings(column(batch, CONTIG_NAME)?)?,
            start: int64s(column(batch, START)?)?,
            end: optional(END).map(int64s).transpose()?,
            names: optional(NAMES).map(StrList::of).transpose()?,
            reference: strings(column(batch, REFERENCE_ALLELE)?)?,
            alternates: optional(ALTERNATE_ALLELES).map(StrList::of).transpose()?,
            qual: optional(QUAL)
                .map(|q| Value::of(q, &value_type(q.data_type()).unwrap_or(DataType::Float64)))
                .transpose()?,
            filters: optional(FILTERS).map(StrList::of).transpose()?,
            attributes: match optional(ATTRIBUTES).filter(|_| layout.attributes) {
                Some(map) => Some(Attributes::of(map)?),
                None => None,
            },
            infos,
            genotypes,
        })
    }

    /// The number of rows.
    pub(crate) fn rows(&self) -> usize {
        self.contig.len()
    }

    /// Row `row`'s contig, or an error when it is null.
    pub(crate) fn contig(&self, row: usize) -> Result<&str, String> {
        if self.contig.is_null(row) {
            return Err("contigName is null".into());
        }
        Ok(self.contig.value(row))
    }

    /// Row `row`'s 1-based POS.
    pub(crate) fn position(&self, row: usize) -> Result<i64, String> {
        if self.start.is_null(row) {
            return Err("start is null".into());
        }
        let start = self.start.value(row);
        // Past 2^62 no tool reads it, and `end` arithmetic stays in range.
        if !(0..1 << 62).contains(&start) {
            return Err(format!("start {start} is not a position (0 to 2^62)"));
        }
        Ok(start + 1)
    }

    /// Row `row`'s 1-based inclusive end: `end`, or POS + len(REF) − 1.
    pub(crate) fn end(&self, row: usize, position: i64) -> i64 {
        let implied = position - 1 + self.reference.value(row).len() as i64;
        match &self.end {
            Some(end) if end.is_valid(row) => end.value(row),
            _ => implied,
        }
        .max(position)
    }

    /// The `END=` row `row` (at 1-based `position`) writes, if any (see
    /// [`Layout::write_end`]).
    pub(crate) fn end_to_write(&self, row: usize, layout: &Layout, position: i64) -> Option<i64> {
        let end = self.end.as_ref().filter(|_| layout.write_end)?;
        (end.is_valid(row)
            && end.value(row) != position - 1 + self.reference.value(row).len() as i64)
            .then(|| end.value(row))
    }

    /// Whether a row of this batch needs `END=` (see [`Layout::write_end`]).
    pub(crate) fn needs_end(&self, layout: &Layout) -> bool {
        let Some(end) = self.end.as_ref().filter(|_| layout.write_end) else {
            return false;
        };
        (0..end.len()).any(|row| {
            end.is_valid(row)
                && self.start.is_valid(row)
                && end.value(row) != self.start.value(row) + self.reference.value(row).len() as i64
        })
    }

    /// The keys of this batch's `attributes`, in order of appearance, each
    /// with whether it was a Flag (no value).
    pub(crate) fn attribute_keys(&self) -> Vec<(String, bool)> {
        let mut keys: Vec<(String, bool)> = Vec::new();
        if let Some(attributes) = &self.attributes {
            for row in 0..self.contig.len() {
                for (key, value) in attributes.entries(row) {
                    if !keys.iter().any(|(k, _)| k == key) {
                        keys.push((key.to_string(), value.is_empty()));
                    }
                }
            }
        }
        keys
    }

    /// The contigs of this batch, in order of appearance.
    pub(crate) fn contig_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for name in self.contig.iter().flatten() {
            if names.last().is_none_or(|n| n != name) && !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
        names
    }

    /// The filter names of this batch but `PASS`, in order of appearance.
    pub(crate) fn filter_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        if let Some(filters) = &self.filters {
            let (a, b) = (
                filters.offsets[0] as usize,
                *filters.offsets.last().unwrap_or(&0) as usize,
            );
            for name in filters.items.slice(a, b - a).iter().flatten() {
                if name != "PASS" && !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        }
        names
    }

    /// Appends the eight site columns of row `row` (no trailing tab).
    pub(crate) fn write_site(
        &self,
        row: usize,
        layout: &Layout,
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        let contig = self.contig(row)?;
        if contig.is_empty() {
            return Err("contigName is empty".into());
        }
        let position = self.position(row)?;
        write_text(contig.as_bytes(), out)?;
        out.push(b'\t');
        write_int(position, out);
        out.push(b'\t');
        match &self.names {
            Some(names) => names.write(row, b';', out)?,
            None => out.push(b'.'),
        }
        out.push(b'\t');
        if self.reference.is_null(row) || self.reference.value(row).is_empty() {
            return Err("referenceAllele is null or empty".into());
        }
        write_text(self.reference.value(row).as_bytes(), out)?;
        out.push(b'\t');
        match &self.alternates {
            Some(alts) => alts.write(row, b',', out)?,
            None => out.push(b'.'),
        }
        out.push(b'\t');
        match &self.qual {
            Some(q) if !q.is_missing(row) => q.write(row, out)?,
            _ => out.push(b'.'),
        }
        out.push(b'\t');
        match &self.filters {
            Some(filters) => filters.write(row, b';', out)?,
            None => out.push(b'.'),
        }
        out.push(b'\t');
        let info_start = out.len();
        for (value, info) in self.infos.iter().zip(&layout.infos) {
            if value.is_flag() {
                if value.flag(row) {
                    if out.len() > info_start {
                        out.push(b';');
                    }
                    out.extend_from_slice(info.key.as_bytes());
                }
            } else if !value.is_missing(row) {
                if out.len() > info_start {
                    out.push(b';');
                }
                out.extend_from_slice(info.key.as_bytes());
                out.push(b'=');
                value
                    .write(row, out)
                    .map_err(|e| format!("{}: {e}", info.name))?;
            }
        }
        if let Some(attributes) = &self.attributes {
            attributes.write(row, info_start, out)?;
        }
        if let Some(end) = self.end_to_write(row, layout, position) {
            if out.len() > info_start {
                out.push(b';');
            }
            out.extend_from_slice(b"END=");
            write_int(end, out);
        }
        if out.len() == info_start {
            out.push(b'.');
        }
        Ok(())
    }

    /// Appends `\tFORMAT\tsample...` for row `row`, the genotypes at
    /// `genotype(i)` for the header's samples `i` in order. `present` is
    /// scratch space.
    pub(crate) fn write_samples(
        &self,
        row: usize,
        layout: &GenotypeLayout,
        genotype: &[usize],
        present: &mut Vec<usize>,
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        let Some(g) = &self.genotypes else {
            return Ok(());
        };
        let range = g.range(row);
        // A key is written in a row when any sample has a value for it, as
        // htslib writes the keys a record holds.
        let gt = layout.gt && !range.is_empty() && !g.calls_all_missing(range.clone());
        present.clear();
        if !range.is_empty() {
            present
                .extend((0..g.fields.len()).filter(|&k| !g.fields[k].all_missing(range.clone())));
        }
        if !gt && present.is_empty() {
            write_missing_samples(genotype.len(), out);
            return Ok(());
        }
        out.push(b'\t');
        if gt {
            out.extend_from_slice(b"GT");
        }
        for (n, &k) in present.iter().enumerate() {
            if gt || n > 0 {
                out.push(b':');
            }
            out.extend_from_slice(layout.fields[k].key.as_bytes());
        }
        if gt && present.is_empty() && write_diploid_gts(g, genotype, out) {
            return Ok(());
        }
        for &at in genotype {
            out.push(b'\t');
            if g.struct_nulls.as_ref().is_some_and(|n| n.is_null(at)) {
                out.push(b'.');
                continue;
            }
            if gt {
                write_gt(g, at, out);
            }
            // Trailing missing values are left out, as htslib writes a
            // sample that lacks them; the first value stays, `.` or not.
            let mut keep = out.len();
            for (n, &k) in present.iter().enumerate() {
                let first = !gt && n == 0;
                if !first {
                    out.push(b':');
                }
                let written = g.fields[k]
                    .write_or_dot(at, out)
                    .map_err(|e| format!("genotype field {}: {e}", layout.fields[k].name))?;
                if written || first {
                    keep = out.len();
                }
            }
            out.truncate(keep);
        }
        Ok(())
    }
}

impl Genotypes {
    /// Whether no genotype in `range` has GT.
    pub(crate) fn calls_all_missing(&self, range: std::ops::Range<usize>) -> bool {
        let Some((offsets, _, nulls)) = &self.calls else {
            return true;
        };
        if let Some(n) = nulls
            && n.slice(range.start, range.len()).null_count() == range.len()
        {
            return true;
        }
        range
            .clone()
            .all(|i| offsets[i] == offsets[i + 1] || nulls.as_ref().is_some_and(|n| n.is_null(i)))
    }
}

/// Appends `\tFORMAT\tsample...` for a row whose `samples` samples have no
/// values (or no genotypes at all): `.` for each, as htslib writes a record
/// without FORMAT keys.
pub(crate) fn write_missing_samples(samples: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(b"\t.");
    for _ in 0..samples {
        out.extend_from_slice(b"\t.");
    }
}

/// The samples of a row whose one key is GT, when every genotype is two
/// alleles of one digit (or missing) and no struct or call is null: four
/// bytes a genotype written into a slice, the common shape of cohorts.
/// Returns false, having written nothing, for any other row.
fn write_diploid_gts(g: &Genotypes, genotype: &[usize], out: &mut Vec<u8>) -> bool {
    let Some((offsets, alleles, nulls)) = &g.calls else {
        return false;
    };
    if nulls.is_some() || g.struct_nulls.is_some() {
        return false;
    }
    let phased = g
        .phased
        .as_ref()
        .filter(|p| p.nulls().is_none())
        .map(|p| p.values());
    if g.phased.is_some() && phased.is_none() {
        return false;
    }
    let base = out.len();
    out.resize(base + 4 * genotype.len(), 0);
    let slots = out[base..].chunks_exact_mut(4);
    for (slot, &at) in slots.zip(genotype) {
        let a = offsets[at] as usize;
        if offsets[at + 1] as usize != a + 2 {
            out.truncate(base);
            return false;
        }
        let (x, y) = (alleles[a], alleles[a + 1]);
        if !((-1..10).contains(&x) && (-1..10).contains(&y)) {
            out.truncate(base);
            return false;
        }
        let digit = |v: i32| if v < 0 { b'.' } else { b'0' + v as u8 };
        let sep = if phased.is_some_and(|p| p.value(at)) {
            b'|'
        } else {
            b'/'
        };
        slot.copy_from_slice(&[b'\t', digit(x), sep, digit(y)]);
    }
    true
}

/// GT from `calls` and `phased`: `.` for a missing allele, `|` between
/// alleles of a phased genotype, `/` otherwise; `.` for null or no calls.
#[inline]
fn write_gt(g: &Genotypes, at: usize, out: &mut Vec<u8>) {
    let Some((offsets, alleles, nulls)) = &g.calls else {
        out.push(b'.');
        return;
    };
    let (a, b) = (offsets[at] as usize, offsets[at + 1] as usize);
    if a == b || nulls.as_ref().is_some_and(|n| n.is_null(at)) {
        out.push(b'.');
        return;
    }
    let sep = match &g.phased {
        Some(p) if p.is_valid(at) && p.value(at) => b'|',
        _ => b'/',
    };
    let alleles = &alleles[a..b];
    // The common shape: two alleles of one digit or missing.
    if let [x, y] = alleles
        && (-1..10).contains(x)
        && (-1..10).contains(y)
    {
        let digit = |v: i32| if v < 0 { b'.' } else { b'0' + v as u8 };
        out.extend_from_slice(&[digit(*x), sep, digit(*y)]);
        return;
    }
    for (k, &allele) in alleles.iter().enumerate() {
        if k > 0 {
            out.push(sep);
        }
        if allele < 0 {
            out.push(b'.');
        } else {
            write_int(allele as i64, out);
        }
    }
}

fn genotypes(array: &ArrayRef, layout: &GenotypeLayout) -> Result<Genotypes, String> {
    let array = match array.data_type() {
        DataType::LargeList(item) => cast_to(array, &DataType::List(Arc::clone(item)))?,
        _ => Arc::clone(array),
    };
    let list = array
        .as_list_opt::<i32>()
        .ok_or_else(|| format!("genotypes has type {}", array.data_type()))?;
    let structs = list
        .values()
        .as_struct_opt()
        .ok_or_else(|| "genotypes is not a list of structs".to_string())?;
    let child = |name: &str| structs.column_by_name(name);
    let sample_ids = if layout.sample_id {
        child(SAMPLE_ID).map(strings).transpose()?
    } else {
        None
    };
    let calls = match child(CALLS).filter(|_| layout.gt) {
        Some(calls) => {
            let calls = cast_to(calls, &list_of(DataType::Int32))?;
            let calls = calls.as_list::<i32>();
            let alleles = calls.values().as_primitive::<Int32Type>();
            // A null allele (or one a cast could not narrow) is missing.
            let values = match alleles.nulls() {
                None => alleles.values().clone(),
                Some(valid) => alleles
                    .values()
                    .iter()
                    .zip(valid.iter())
                    .map(|(v, ok)| if ok { *v } else { -1 })
                    .collect(),
            };
            Some((calls.offsets().clone(), values, calls.nulls().cloned()))
        }
        None => None,
    };
    let phased = child(PHASED).map(|p| p.as_boolean().clone());
    let fields = layout
        .fields
        .iter()
        .map(|f| {
            let array = child(&f.name).ok_or_else(|| {
                format!(
                    "genotypes has no field {}, which the first batch had",
                    f.name
                )
            })?;
            Value::of(array, &f.data_type).map_err(|e| format!("genotype field {}: {e}", f.name))
        })
        .collect::<Result<_, String>>()?;
    Ok(Genotypes {
        offsets: list.offsets().clone(),
        nulls: list.nulls().cloned(),
        struct_nulls: structs.nulls().cloned(),
        sample_ids,
        calls,
        phased,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_take_the_fewest_digits_that_read_back() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e-7, "1e-7"),
            (123456.789, "123456.789"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for (v, text) in cases {
            let mut out = Vec::new();
            write_f64(*v, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), *text);
        }
        for v in [0.1f32, 3.3333333, 1e-30, 16777217.0] {
            let mut out = Vec::new();
            write_f32(v, &mut out);
            let text = String::from_utf8(out).unwrap();
            assert_eq!(text.parse::<f32>().unwrap(), v, "{text}");
        }
        let mut out = Vec::new();
        write_f32(0.1, &mut out);
        assert_eq!(out, b"0.1");
    }

    #[test]
    fn integers_are_decimal() {
        for v in [0i64, 7, 10, -1, i32::MIN as i64, i64::MAX] {
            let mut out = Vec::new();
            write_int(v, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }

    #[test]
    fn keys_that_would_break_the_record_are_refused() {
        let schema = |name: &str| {
            let mut fields = genolake_core::schema::site_fields();
            fields.push(Field::new(name, DataType::Int32, true));
            Schema::new(fields)
        };
        assert!(Layout::of(&schema("INFO_ok.key_1"), &[]).is_ok());
        for (name, expected) in [
            ("INFO_", "names no INFO key"),
            ("INFO_a b", "' '"),
            ("INFO_a=b", "'='"),
            ("INFO_a;b", "';'"),
        ] {
            let err = Layout::of(&schema(name), &[]).unwrap_err();
            assert!(err.contains(name) && err.contains(expected), "{err}");
        }
        let mut fields = genolake_core::schema::site_fields();
        fields.push(genolake_core::schema::genotypes_field(vec![Field::new(
            "x:y",
            DataType::Int32,
            true,
        )]));
        let err = Layout::of(&Schema::new(fields), &[]).unwrap_err();
        assert!(
            err.contains("genotype field x:y") && err.contains("FORMAT"),
            "{err}"
        );
    }

    #[test]
    fn text_that_would_break_the_line_is_refused() {
        let mut out = Vec::new();
        assert!(write_text(b"a b,c;d", &mut out).is_ok());
        let err = write_text(b"a\tb", &mut out).unwrap_err();
        assert!(err.contains("'\\t'"), "{err}");
    }
}
