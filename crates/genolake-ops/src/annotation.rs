//! Typed parsing of VEP's `CSQ` and SnpEff's `ANN` INFO fields.
//!
//! Both tools pack one annotation per transcript and allele into a string of
//! `|`-separated fields, several annotations per record separated by `,`;
//! the header's Description names the fields. Glow reads such a column as
//! `List<Struct>` with one struct field per named field, typed by a fixed
//! table of well-known names ([`FieldKind::of`]), and so does this module,
//! one record batch at a time:
//!
//! ```
//! use arrow::array::{Array, AsArray, StringArray};
//! use genolake_ops::annotation::{parse_annotations, AnnotationFormat};
//!
//! let format = AnnotationFormat::from_description(
//!     "Consequence annotations from Ensembl VEP. Format: Allele|Consequence|EXON|STRAND",
//! )?;
//! let values = StringArray::from(vec!["T|missense_variant&splice_region_variant|11/15|-1"]);
//! let parsed = parse_annotations(&values, &format)?;
//! let consequence = parsed.column_by_name("Consequence").unwrap().as_list::<i32>();
//! assert_eq!(consequence.value(0).len(), 2);
//! let exon = parsed.column_by_name("EXON").unwrap().as_struct();
//! assert_eq!(exon.column_by_name("total").unwrap().as_string::<i32>().value(0), "15");
//! # Ok::<(), genolake_ops::Error>(())
//! ```
//!
//! # Parsing rules (Glow's, plus what Glow leaves undefined)
//!
//! * Field names: the Description's text after its last `:` (a trailing
//!   `:` ignored), single quotes removed, split on `|` (trailing empty names
//!   dropped), spaces removed and `.` replaced by `_`, so SnpEff's
//!   `cDNA.pos / cDNA.length` becomes `cDNA_pos/cDNA_length`. Unknown names
//!   are strings. An empty or repeated name is an error here (Glow makes a
//!   struct that Parquet then refuses).
//! * An annotation is split on `|` into at most as many pieces as there are
//!   fields: surplus `|` stay in the last field's text (Glow's split limit).
//!   Fields missing at the end of a short annotation are null (Glow builds a
//!   short row there, which Spark cannot read back).
//! * An empty field is null, whatever its type.
//! * Array fields split on `&`, trailing empty items dropped (Java's
//!   `String.split`): `a&&b` is `[a, "", b]`, `a&` is `[a]`, `&&` is `[]`.
//! * Pair fields (`Rank`, `EXON`, `Codons`, ...) split once on `/` into two
//!   strings; without a `/` the second is null (`1395` → `{1395, null}`),
//!   further `/` stay in the second.
//! * Integer fields (SnpEff's `Distance`) parse as `i32` with an optional
//!   sign. Where Glow fails the whole read on a non-integer, the value here
//!   is null: one odd annotation should not cost the table.
//! * A null annotation (a null list item) is a null struct; a null list is a
//!   null list.
//!
//! [`format_annotations`] and [`format_annotation_column`] write parsed
//! annotations back to text as Glow's VCF writer does, so a parsed table
//! can be written out as VCF again.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, GenericListArray, Int32Builder, ListArray, ListBuilder,
    NullBufferBuilder, OffsetSizeTrait, RecordBatch, StringArray, StringBuilder, StructArray,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema, SchemaRef};
use genolake_core::schema::{INFO_PREFIX, list_of};
use genolake_vcf::Header;

use crate::error::{Error, Result};

/// The INFO keys whose values Glow parses into typed annotations: VEP's
/// `CSQ` and SnpEff's `ANN`.
pub const ANNOTATION_KEYS: [&str; 2] = ["CSQ", "ANN"];

/// How one annotation field is typed, decided by its (mangled) name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `Utf8`, the type of every name Glow does not know.
    String,
    /// `List<Utf8>` from an `&`-separated value (`Consequence`, `FLAGS`).
    StringArray,
    /// `Int32` (SnpEff's `Distance`).
    Integer,
    /// `Struct{first: Utf8, second: Utf8}` from a `/`-separated value; the
    /// two names are the struct's field names (`rank`/`total`, ...).
    Pair(&'static str, &'static str),
}

impl FieldKind {
    /// The kind Glow gives the field `name` (already mangled, e.g.
    /// `CDS_pos/CDS_length`); the table covers SnpEff, VEP and LOFTEE names
    /// and applies to `CSQ` and `ANN` alike, as in Glow.
    pub fn of(name: &str) -> FieldKind {
        const RANK_TOTAL: FieldKind = FieldKind::Pair("rank", "total");
        const POS_LENGTH: FieldKind = FieldKind::Pair("pos", "length");
        const REF_VAR: FieldKind = FieldKind::Pair("reference", "variant");
        match name {
            "Annotation" | "Consequence" | "Existing_variation" | "FLAGS" | "LoF_filter"
            | "LoF_flags" | "LoF_info" => FieldKind::StringArray,
            "Rank" | "EXON" | "INTRON" => RANK_TOTAL,
            "cDNA_pos/cDNA_length" | "CDS_pos/CDS_length" | "AA_pos/AA_length" => POS_LENGTH,
            "Amino_acids" | "Codons" => REF_VAR,
            "Distance" => FieldKind::Integer,
            _ => FieldKind::String,
        }
    }

    /// The Arrow type of a field of this kind.
    pub fn data_type(self) -> DataType {
        match self {
            FieldKind::String => DataType::Utf8,
            FieldKind::StringArray => list_of(DataType::Utf8),
            FieldKind::Integer => DataType::Int32,
            FieldKind::Pair(first, second) => DataType::Struct(Fields::from(vec![
                Field::new(first, DataType::Utf8, true),
                Field::new(second, DataType::Utf8, true),
            ])),
        }
    }
}

/// One named, typed field of an annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotationField {
    /// The struct field name (Glow's mangled form of the header's name).
    pub name: String,
    /// How its values are typed.
    pub kind: FieldKind,
}

/// The ordered fields of one annotation INFO key, and the Arrow type they
/// parse into.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotationFormat {
    fields: Vec<AnnotationField>,
    struct_fields: Fields,
}

impl AnnotationFormat {
    /// The format a header Description announces (see the module's rules);
    /// a bare `Allele|Consequence|...` list works too. An error when it names
    /// no field, an empty field or one field twice, since such a struct
    /// cannot be stored or queried by name.
    pub fn from_description(description: &str) -> Result<Self> {
        // Java's split drops trailing empty pieces before `.last`.
        let after_colon = description
            .split(':')
            .rev()
            .find(|piece| !piece.is_empty())
            .unwrap_or("");
        let unquoted = after_colon.replace('\'', "");
        let mut raw: Vec<&str> = unquoted.split('|').collect();
        while raw.last().is_some_and(|name| name.is_empty()) {
            raw.pop();
        }
        let names = raw
            .iter()
            .map(|name| name.replace(' ', "").replace('.', "_"));
        Self::from_names(names).map_err(|e| match e {
            Error::Invalid(message) => {
                Error::Invalid(format!("annotation Description {description:?}: {message}"))
            }
            other => other,
        })
    }

    /// The format of fields already named as Glow names them, each typed by
    /// [`FieldKind::of`]; the same checks as [`Self::from_description`].
    pub fn from_names<I, S>(names: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut fields: Vec<AnnotationField> = Vec::new();
        for name in names {
            let name = name.into();
            if name.is_empty() {
                return Err(Error::Invalid(format!(
                    "field {} has an empty name",
                    fields.len() + 1
                )));
            }
            if fields.iter().any(|f| f.name == name) {
                return Err(Error::Invalid(format!("field {name} is named twice")));
            }
            let kind = FieldKind::of(&name);
            fields.push(AnnotationField { name, kind });
        }
        if fields.is_empty() {
            return Err(Error::Invalid("no annotation fields are named".into()));
        }
        let struct_fields = fields
            .iter()
            .map(|f| Field::new(&f.name, f.kind.data_type(), true))
            .collect();
        Ok(AnnotationFormat {
            fields,
            struct_fields,
        })
    }

    /// The fields, in the header's order.
    pub fn fields(&self) -> &[AnnotationField] {
        &self.fields
    }

    /// The struct of one parsed annotation.
    pub fn struct_type(&self) -> DataType {
        DataType::Struct(self.struct_fields.clone())
    }

    /// The type of a parsed column: `List<Struct{...}>`.
    pub fn data_type(&self) -> DataType {
        list_of(self.struct_type())
    }
}

/// Parses the annotation columns of a variant table: which `INFO_<key>`
/// columns to replace, and with what format.
#[derive(Debug, Clone)]
pub struct AnnotationParser {
    columns: Vec<(String, AnnotationFormat)>,
}

impl AnnotationParser {
    /// The parser for the `CSQ` and `ANN` INFO lines of `header` (whatever
    /// their declared Type and Number, as in Glow); `None` when it has
    /// neither.
    pub fn from_header(header: &Header) -> Result<Option<Self>> {
        let mut columns = Vec::new();
        for definition in &header.infos {
            if !ANNOTATION_KEYS.contains(&definition.id.as_str()) {
                continue;
            }
            let format = AnnotationFormat::from_description(&definition.description)
                .map_err(|e| Error::Invalid(format!("INFO header line {}: {e}", definition.id)))?;
            columns.push((format!("{INFO_PREFIX}{}", definition.id), format));
        }
        Ok((!columns.is_empty()).then_some(AnnotationParser { columns }))
    }

    /// A parser for the given column names and formats.
    pub fn new(columns: Vec<(String, AnnotationFormat)>) -> Self {
        AnnotationParser { columns }
    }

    /// The columns this parser replaces and their formats.
    pub fn columns(&self) -> &[(String, AnnotationFormat)] {
        &self.columns
    }

    /// The schema [`Self::transform`] gives a batch of schema `input`.
    pub fn output_schema(&self, input: &Schema) -> SchemaRef {
        let fields: Vec<FieldRef> = input
            .fields()
            .iter()
            .map(|field| match self.format_of(field.name()) {
                Some(format) => Arc::new(
                    Field::new(field.name(), format.data_type(), true)
                        .with_metadata(field.metadata().clone()),
                ),
                None => field.clone(),
            })
            .collect();
        Arc::new(Schema::new_with_metadata(fields, input.metadata().clone()))
    }

    /// `batch` with each of the parser's columns that it holds replaced by
    /// its parsed `List<Struct>`; every other column, and a column already
    /// parsed, stays as it is. An error when such a column holds something
    /// other than strings or lists of strings.
    pub fn transform(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let schema = batch.schema();
        let mut columns = batch.columns().to_vec();
        let mut changed = false;
        for (i, field) in schema.fields().iter().enumerate() {
            let Some(format) = self.format_of(field.name()) else {
                continue;
            };
            if field.data_type() == &format.data_type() {
                continue;
            }
            columns[i] = parse_annotation_column(batch.column(i).as_ref(), format)
                .map_err(|e| with_column(e, field.name()))?;
            changed = true;
        }
        if !changed {
            return Ok(batch.clone());
        }
        Ok(RecordBatch::try_new(self.output_schema(&schema), columns)?)
    }

    fn format_of(&self, column: &str) -> Option<&AnnotationFormat> {
        self.columns
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, format)| format)
    }
}

fn with_column(error: Error, column: &str) -> Error {
    match error {
        Error::Column { message, .. } => Error::Column {
            column: column.to_string(),
            message,
        },
        other => other,
    }
}

/// Parses one annotation column: `List<Utf8>` (one annotation per item, as
/// the VCF reader gives a `Number=.` key) or `Utf8` (annotations separated
/// by `,`, as a `Number=1` key arrives), large and view string variants
/// included. Returns `List<Struct>` of `format`'s type, one list per row.
pub fn parse_annotation_column(array: &dyn Array, format: &AnnotationFormat) -> Result<ArrayRef> {
    let unexpected = || Error::Column {
        column: String::new(),
        message: format!(
            "annotations must be strings or lists of strings, not {}",
            array.data_type()
        ),
    };
    match array.data_type() {
        DataType::Utf8 => Ok(Arc::new(parse_joined(array.as_string::<i32>(), format)?)),
        DataType::LargeUtf8 | DataType::Utf8View => {
            let strings = arrow::compute::cast(array, &DataType::Utf8)?;
            Ok(Arc::new(parse_joined(strings.as_string::<i32>(), format)?))
        }
        DataType::List(item) if is_string(item.data_type()) => {
            parse_list(array.as_list::<i32>(), format)
        }
        DataType::LargeList(item) if is_string(item.data_type()) => {
            parse_list(array.as_list::<i64>(), format)
        }
        _ => Err(unexpected()),
    }
}

fn is_string(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

fn parse_list<O: OffsetSizeTrait>(
    list: &GenericListArray<O>,
    format: &AnnotationFormat,
) -> Result<ArrayRef> {
    let values = list.values();
    let strings: ArrayRef = if values.data_type() == &DataType::Utf8 {
        values.clone()
    } else {
        arrow::compute::cast(values, &DataType::Utf8)?
    };
    let structs = parse_annotations(strings.as_string::<i32>(), format)?;
    let offsets: Vec<i32> = list
        .value_offsets()
        .iter()
        .map(|offset| {
            i32::try_from(offset.as_usize()).map_err(|_| Error::Column {
                column: String::new(),
                message: "more than 2^31 annotations in one batch".into(),
            })
        })
        .collect::<Result<_>>()?;
    let item = Arc::new(Field::new_list_field(format.struct_type(), true));
    let list = ListArray::try_new(
        item,
        OffsetBuffer::new(offsets.into()),
        Arc::new(structs),
        list.nulls().cloned(),
    )?;
    Ok(Arc::new(list))
}

/// Rows of `,`-joined annotations into `List<Struct>`: a `.` row (VCF's
/// missing value) is a null list, an empty row an empty list.
fn parse_joined(rows: &StringArray, format: &AnnotationFormat) -> Result<ListArray> {
    let mut annotations = StringBuilder::new();
    let mut offsets = Vec::with_capacity(rows.len() + 1);
    offsets.push(0i32);
    let mut count = 0i32;
    for row in rows.iter() {
        if let Some(row) = row.filter(|r| !r.is_empty() && *r != ".") {
            for annotation in row.split(',') {
                annotations.append_value(annotation);
                count = count.checked_add(1).ok_or_else(|| Error::Column {
                    column: String::new(),
                    message: "more than 2^31 annotations in one batch".into(),
                })?;
            }
        }
        offsets.push(count);
    }
    let structs = parse_annotations(&annotations.finish(), format)?;
    let nulls = NullBuffer::from_iter(rows.iter().map(|r| r.is_some_and(|r| r != ".")));
    Ok(ListArray::try_new(
        Arc::new(Field::new_list_field(format.struct_type(), true)),
        OffsetBuffer::new(offsets.into()),
        Arc::new(structs),
        Some(nulls).filter(|n| n.null_count() > 0),
    )?)
}

/// One builder per annotation field.
enum Column {
    String(StringBuilder),
    StringArray(ListBuilder<StringBuilder>),
    Integer(Int32Builder),
    Pair {
        fields: Fields,
        first: StringBuilder,
        second: StringBuilder,
        valid: NullBufferBuilder,
    },
}

impl Column {
    fn new(kind: FieldKind, capacity: usize) -> Column {
        match kind {
            FieldKind::String => Column::String(StringBuilder::with_capacity(capacity, 0)),
            FieldKind::StringArray => {
                Column::StringArray(ListBuilder::with_capacity(StringBuilder::new(), capacity))
            }
            FieldKind::Integer => Column::Integer(Int32Builder::with_capacity(capacity)),
            FieldKind::Pair(first, second) => Column::Pair {
                fields: Fields::from(vec![
                    Field::new(first, DataType::Utf8, true),
                    Field::new(second, DataType::Utf8, true),
                ]),
                first: StringBuilder::with_capacity(capacity, 0),
                second: StringBuilder::with_capacity(capacity, 0),
                valid: NullBufferBuilder::new(capacity),
            },
        }
    }

    fn append_null(&mut self) {
        match self {
            Column::String(b) => b.append_null(),
            Column::StringArray(b) => b.append_null(),
            Column::Integer(b) => b.append_null(),
            Column::Pair {
                first,
                second,
                valid,
                ..
            } => {
                first.append_null();
                second.append_null();
                valid.append_null();
            }
        }
    }

    /// Appends a non-empty field value.
    fn append(&mut self, value: &str) {
        match self {
            Column::String(b) => b.append_value(value),
            Column::StringArray(b) => {
                // Java's split drops trailing empty items, and so does Glow.
                let items = value.trim_end_matches('&');
                if !items.is_empty() {
                    for item in items.split('&') {
                        b.values().append_value(item);
                    }
                }
                b.append(true);
            }
            Column::Integer(b) => b.append_option(value.parse::<i32>().ok()),
            Column::Pair {
                first,
                second,
                valid,
                ..
            } => {
                let (a, b) = match value.split_once('/') {
                    Some((a, b)) => (a, Some(b)),
                    None => (value, None),
                };
                first.append_value(a);
                second.append_option(b);
                valid.append_non_null();
            }
        }
    }

    fn finish(self) -> Result<ArrayRef> {
        Ok(match self {
            Column::String(mut b) => Arc::new(b.finish()),
            Column::StringArray(mut b) => Arc::new(b.finish()),
            Column::Integer(mut b) => Arc::new(b.finish()),
            Column::Pair {
                fields,
                mut first,
                mut second,
                mut valid,
            } => Arc::new(StructArray::try_new(
                fields,
                vec![Arc::new(first.finish()), Arc::new(second.finish())],
                valid.finish(),
            )?),
        })
    }
}

/// Parses each string of `values` as one annotation of `format` (see the
/// module's rules) into a `Struct` array of the same length: the function
/// behind a SQL `parse_annotations`-style call, and the core of
/// [`AnnotationParser::transform`].
pub fn parse_annotations(values: &StringArray, format: &AnnotationFormat) -> Result<StructArray> {
    let width = format.fields.len();
    let mut columns: Vec<Column> = format
        .fields
        .iter()
        .map(|f| Column::new(f.kind, values.len()))
        .collect();
    for value in values.iter() {
        let Some(value) = value else {
            columns.iter_mut().for_each(Column::append_null);
            continue;
        };
        let mut pieces = value.splitn(width, '|');
        for column in columns.iter_mut() {
            match pieces.next() {
                Some(piece) if !piece.is_empty() => column.append(piece),
                _ => column.append_null(),
            }
        }
    }
    let children = columns
        .into_iter()
        .map(Column::finish)
        .collect::<Result<Vec<_>>>()?;
    Ok(StructArray::try_new(
        format.struct_fields.clone(),
        children,
        values.nulls().cloned(),
    )?)
}

/// The inverse of [`parse_annotations`], as Glow's VCF writer does it: each
/// struct written back as `|`-joined fields, a null field as empty text,
/// lists joined with `&` (a null item as empty text), pairs as their
/// non-null members joined with `/`, integers in decimal. A null struct is
/// a null string (VCF's `.`). Accepts any struct whose fields are `Utf8`,
/// `Int32`, `List<Utf8>` or structs of `Utf8`, so a table parsed elsewhere
/// and then filtered or rebuilt writes back too.
pub fn format_annotations(structs: &StructArray) -> Result<StringArray> {
    let writers = structs
        .fields()
        .iter()
        .zip(structs.columns())
        .map(|(field, column)| FieldWriter::new(field.name(), column.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    let mut out = StringBuilder::with_capacity(structs.len(), structs.len() * 16);
    let mut text = String::new();
    for row in 0..structs.len() {
        if structs.is_null(row) {
            out.append_null();
            continue;
        }
        text.clear();
        for (j, writer) in writers.iter().enumerate() {
            if j > 0 {
                text.push('|');
            }
            writer.write(row, &mut text);
        }
        out.append_value(&text);
    }
    Ok(out.finish())
}

/// [`format_annotations`] on a parsed column: `List<Struct>` back to
/// `List<Utf8>`, one string per annotation, for writing VCF.
pub fn format_annotation_column(array: &dyn Array) -> Result<ArrayRef> {
    let DataType::List(_) = array.data_type() else {
        return Err(Error::Column {
            column: String::new(),
            message: format!(
                "parsed annotations must be a list of structs, not {}",
                array.data_type()
            ),
        });
    };
    let list = array.as_list::<i32>();
    let Some(structs) = list.values().as_struct_opt() else {
        return Err(Error::Column {
            column: String::new(),
            message: format!(
                "parsed annotations must be a list of structs, not {}",
                array.data_type()
            ),
        });
    };
    let strings = format_annotations(structs)?;
    Ok(Arc::new(ListArray::try_new(
        Arc::new(Field::new_list_field(DataType::Utf8, true)),
        list.offsets().clone(),
        Arc::new(strings),
        list.nulls().cloned(),
    )?))
}

/// How one struct field is written back to text.
enum FieldWriter<'a> {
    String(&'a StringArray),
    Integer(&'a arrow::array::Int32Array),
    StringArray(&'a ListArray, &'a StringArray),
    Pair(&'a StructArray, Vec<&'a StringArray>),
}

impl<'a> FieldWriter<'a> {
    fn new(name: &str, column: &'a dyn Array) -> Result<Self> {
        let unsupported = || Error::Column {
            column: String::new(),
            message: format!(
                "annotation field {name} has type {}, which has no VCF text form",
                column.data_type()
            ),
        };
        Ok(match column.data_type() {
            DataType::Utf8 => FieldWriter::String(column.as_string::<i32>()),
            DataType::Int32 => {
                FieldWriter::Integer(column.as_primitive::<arrow::datatypes::Int32Type>())
            }
            DataType::List(item) if item.data_type() == &DataType::Utf8 => {
                let list = column.as_list::<i32>();
                FieldWriter::StringArray(list, list.values().as_string::<i32>())
            }
            DataType::Struct(fields) if fields.iter().all(|f| f.data_type() == &DataType::Utf8) => {
                let pair = column.as_struct();
                let members = pair
                    .columns()
                    .iter()
                    .map(|c| c.as_string::<i32>())
                    .collect();
                FieldWriter::Pair(pair, members)
            }
            _ => return Err(unsupported()),
        })
    }

    fn write(&self, row: usize, text: &mut String) {
        match self {
            FieldWriter::String(a) => {
                if a.is_valid(row) {
                    text.push_str(a.value(row));
                }
            }
            FieldWriter::Integer(a) => {
                if a.is_valid(row) {
                    // Writing into a String cannot fail.
                    let _ = write!(text, "{}", a.value(row));
                }
            }
            FieldWriter::StringArray(list, items) => {
                if list.is_valid(row) {
                    let offsets = list.value_offsets();
                    for (k, i) in (offsets[row] as usize..offsets[row + 1] as usize).enumerate() {
                        if k > 0 {
                            text.push('&');
                        }
                        if items.is_valid(i) {
                            text.push_str(items.value(i));
                        }
                    }
                }
            }
            FieldWriter::Pair(pair, members) => {
                if pair.is_valid(row) {
                    let mut first = true;
                    for member in members.iter().filter(|m| m.is_valid(row)) {
                        if !first {
                            text.push('/');
                        }
                        text.push_str(member.value(row));
                        first = false;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, Int64Array, LargeStringArray};

    const VEP: &str = "Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|EXON|Amino_acids|DISTANCE|FLAGS";
    const SNPEFF: &str = "Functional annotations: 'Allele | Annotation | Rank | HGVS.c | cDNA.pos / cDNA.length | Distance | ERRORS / WARNINGS / INFO' ";

    fn names(format: &AnnotationFormat) -> Vec<&str> {
        format.fields().iter().map(|f| f.name.as_str()).collect()
    }

    fn strings(array: &StructArray, field: &str) -> Vec<Option<String>> {
        let column = array.column_by_name(field).unwrap().as_string::<i32>();
        column.iter().map(|v| v.map(String::from)).collect()
    }

    fn list(array: &StructArray, field: &str, row: usize) -> Option<Vec<String>> {
        let column = array.column_by_name(field).unwrap().as_list::<i32>();
        column.is_valid(row).then(|| {
            let items = column.value(row);
            items
                .as_string::<i32>()
                .iter()
                .map(|v| v.unwrap().to_string())
                .collect()
        })
    }

    fn pair(
        array: &StructArray,
        field: &str,
        row: usize,
    ) -> Option<(Option<String>, Option<String>)> {
        let column = array.column_by_name(field).unwrap().as_struct();
        column.is_valid(row).then(|| {
            let get = |i: usize| {
                let c = column.column(i).as_string::<i32>();
                c.is_valid(row).then(|| c.value(row).to_string())
            };
            (get(0), get(1))
        })
    }

    #[test]
    fn names_are_mangled_and_typed_as_glow_does() {
        let snpeff = AnnotationFormat::from_description(SNPEFF).unwrap();
        assert_eq!(
            names(&snpeff),
            [
                "Allele",
                "Annotation",
                "Rank",
                "HGVS_c",
                "cDNA_pos/cDNA_length",
                "Distance",
                "ERRORS/WARNINGS/INFO"
            ]
        );
        let kinds: Vec<FieldKind> = snpeff.fields().iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                FieldKind::String,
                FieldKind::StringArray,
                FieldKind::Pair("rank", "total"),
                FieldKind::String,
                FieldKind::Pair("pos", "length"),
                FieldKind::Integer,
                FieldKind::String
            ]
        );
        let vep = AnnotationFormat::from_description(VEP).unwrap();
        let kinds: Vec<FieldKind> = vep.fields().iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                FieldKind::String,
                FieldKind::StringArray,
                FieldKind::String,
                FieldKind::Pair("rank", "total"),
                FieldKind::Pair("reference", "variant"),
                FieldKind::String,
                FieldKind::StringArray
            ]
        );
        assert_eq!(
            vep.data_type().to_string(),
            list_of(vep.struct_type()).to_string()
        );
    }

    #[test]
    fn descriptions_split_as_java_would() {
        // The text after the last non-empty `:` piece; trailing `|` ignored.
        let f = AnnotationFormat::from_description("See http://x.org: A|B|").unwrap();
        assert_eq!(names(&f), ["A", "B"]);
        let f = AnnotationFormat::from_description("Format: A|B:").unwrap();
        assert_eq!(names(&f), ["A", "B"]);
        let f = AnnotationFormat::from_description("Allele|Consequence").unwrap();
        assert_eq!(names(&f), ["Allele", "Consequence"]);
        for bad in ["", ":::", "Format: |A", "Format: A|A", "Format: A| |B"] {
            let err = AnnotationFormat::from_description(bad).unwrap_err();
            assert!(matches!(err, Error::Invalid(_)), "{bad:?}: {err}");
            assert!(err.to_string().contains("annotation Description"), "{err}");
        }
    }

    #[test]
    fn values_follow_glows_splitting_rules() {
        let format = AnnotationFormat::from_description(SNPEFF).unwrap();
        let values = StringArray::from(vec![
            Some("T|a&&b|6/10|c.1G>A|1395|-12|W1|W2|W3"),
            Some("T|a&|1/2/3||/|+5"),
            Some("|&&|||x|12x"),
            None,
            Some(""),
        ]);
        let parsed = parse_annotations(&values, &format).unwrap();
        assert_eq!(parsed.len(), 5);
        assert_eq!(
            strings(&parsed, "Allele"),
            [Some("T".into()), Some("T".into()), None, None, None]
        );
        assert_eq!(list(&parsed, "Annotation", 0).unwrap(), ["a", "", "b"]);
        assert_eq!(list(&parsed, "Annotation", 1).unwrap(), ["a"]);
        assert_eq!(
            list(&parsed, "Annotation", 2).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(list(&parsed, "Annotation", 4), None);
        assert_eq!(
            pair(&parsed, "Rank", 0),
            Some((Some("6".into()), Some("10".into())))
        );
        assert_eq!(
            pair(&parsed, "Rank", 1),
            Some((Some("1".into()), Some("2/3".into())))
        );
        assert_eq!(pair(&parsed, "Rank", 2), None);
        assert_eq!(
            pair(&parsed, "cDNA_pos/cDNA_length", 0),
            Some((Some("1395".into()), None))
        );
        assert_eq!(
            pair(&parsed, "cDNA_pos/cDNA_length", 1),
            Some((Some(String::new()), Some(String::new())))
        );
        let distance = parsed.column_by_name("Distance").unwrap();
        let distance = distance.as_any().downcast_ref::<Int32Array>().unwrap();
        assert_eq!(
            distance.iter().collect::<Vec<_>>(),
            [Some(-12), Some(5), None, None, None]
        );
        // Surplus fields stay in the last one; missing ones are null.
        assert_eq!(
            strings(&parsed, "ERRORS/WARNINGS/INFO"),
            [Some("W1|W2|W3".into()), None, None, None, None]
        );
        assert!(parsed.is_null(3) && parsed.is_valid(4));
    }

    #[test]
    fn joined_strings_and_lists_parse_alike() {
        let format = AnnotationFormat::from_description(VEP).unwrap();
        let joined = StringArray::from(vec![Some("A|x|HIGH,C|y&z|LOW"), Some("."), None, Some("")]);
        let parsed = parse_annotation_column(&joined, &format).unwrap();
        let parsed = parsed.as_list::<i32>();
        assert_eq!(parsed.data_type(), &format.data_type());
        assert_eq!(parsed.value_length(0), 2);
        assert!(parsed.is_null(1) && parsed.is_null(2));
        assert!(parsed.is_valid(3) && parsed.value_length(3) == 0);
        let second = parsed.value(0);
        assert_eq!(
            list(second.as_struct(), "Consequence", 1).unwrap(),
            ["y", "z"]
        );

        let large = LargeStringArray::from(vec!["A|x|HIGH,C|y&z|LOW"]);
        let from_large = parse_annotation_column(&large, &format).unwrap();
        assert_eq!(&from_large.as_list::<i32>().value(0), &parsed.value(0));

        let mut builder = ListBuilder::new(StringBuilder::new());
        builder.values().append_value("A|x|HIGH");
        builder.values().append_value("C|y&z|LOW");
        builder.append(true);
        builder.append(false);
        let lists = builder.finish();
        let from_list = parse_annotation_column(&lists, &format).unwrap();
        let from_list = from_list.as_list::<i32>();
        assert_eq!(&from_list.value(0), &parsed.value(0));
        assert!(from_list.is_null(1));

        let wrong = Int64Array::from(vec![1]);
        let err = parse_annotation_column(&wrong, &format).unwrap_err();
        assert!(err.to_string().contains("Int64"), "{err}");
    }

    #[test]
    fn transform_replaces_only_its_columns() {
        let format = AnnotationFormat::from_description(VEP).unwrap();
        let parser = AnnotationParser::new(vec![("INFO_CSQ".into(), format.clone())]);
        let schema = Arc::new(Schema::new(vec![
            Field::new("start", DataType::Int64, true),
            Field::new("INFO_CSQ", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(vec![7])),
                Arc::new(StringArray::from(vec!["A|x"])),
            ],
        )
        .unwrap();
        let out = parser.transform(&batch).unwrap();
        assert_eq!(out.column(0), batch.column(0));
        assert_eq!(out.schema().field(1).data_type(), &format.data_type());
        // Parsed columns pass through a second time unchanged.
        assert_eq!(parser.transform(&out).unwrap(), out);
        // Batches without the column pass through.
        let only_start = batch.project(&[0]).unwrap();
        assert_eq!(parser.transform(&only_start).unwrap(), only_start);
        // A column of the wrong type is named in the error.
        let bad = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new(
                "INFO_CSQ",
                DataType::Int64,
                true,
            )])),
            vec![Arc::new(Int64Array::from(vec![1]))],
        )
        .unwrap();
        let err = parser.transform(&bad).unwrap_err();
        assert!(
            matches!(&err, Error::Column { column, .. } if column == "INFO_CSQ"),
            "{err}"
        );
    }
    #[test]
    fn formatting_writes_glows_text() {
        let format = AnnotationFormat::from_description(SNPEFF).unwrap();
        let values = StringArray::from(vec![
            Some("T|a&&b|6/10|c.1G>A|1395|-12|W1|W2"),
            Some("||/||||"),
            None,
            Some("T|x"),
        ]);
        let parsed = parse_annotations(&values, &format).unwrap();
        let back = format_annotations(&parsed).unwrap();
        let back: Vec<Option<&str>> = back.iter().collect();
        // Short annotations come back at the header's width.
        assert_eq!(
            back,
            [
                Some("T|a&&b|6/10|c.1G>A|1395|-12|W1|W2"),
                Some("||/||||"),
                None,
                Some("T|x|||||")
            ]
        );
        let column = parse_annotation_column(&values, &format).unwrap();
        let text = format_annotation_column(column.as_ref()).unwrap();
        let text = text.as_list::<i32>();
        assert_eq!(text.value(0).as_string::<i32>().value(0), values.value(0));
        assert!(text.is_null(2));
        let err = format_annotation_column(&values).unwrap_err();
        assert!(err.to_string().contains("list of structs"), "{err}");
        let odd = StructArray::from(vec![(
            Arc::new(Field::new("x", DataType::Int64, true)),
            Arc::new(Int64Array::from(vec![1])) as ArrayRef,
        )]);
        let err = format_annotations(&odd).unwrap_err();
        assert!(err.to_string().contains("field x has type Int64"), "{err}");
    }
}
