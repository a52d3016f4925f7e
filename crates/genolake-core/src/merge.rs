//! One schema for inputs whose headers differ, and batches cast to it.
//!
//! Cohorts arrive in batches and per-chromosome files whose VCF headers
//! declare different INFO and FORMAT keys, so their tables have different
//! `INFO_` columns and different `genotypes` struct fields. Read together
//! (several files in one scan, or an append onto a Delta table), they need
//! one schema: [`SchemaMerge`] makes it, and [`conform_batch`] casts each
//! input's batches to it. Both the SQL scan (files of one table) and the
//! Delta ingest (inputs onto a table) use these, so the rules live here once:
//!
//! - **Union by name.** Every column of every input is in the merged schema;
//!   a column, or a struct field (inside `genotypes`' list too), missing from
//!   an input is null in that input's rows. A field added by a later input
//!   is nullable, since earlier rows have no value for it.
//! - **Order.** The columns already merged keep their places. A new column
//!   goes right before the next column of its own input that is already
//!   there, or last when none follows. For Glow's variant table that keeps
//!   the fixed columns first and `genotypes` last: new `INFO_` columns land
//!   after the known ones, before `genotypes` (or before the known `INFO_`
//!   column their header lists next), in their header's order; new genotype
//!   fields likewise among the genotype fields.
//! - **Types.** A column has one type. The same type in another Arrow
//!   encoding (`Utf8`/`Utf8View`/`LargeUtf8`, `List`/`LargeList`, list item
//!   names) merges to the incoming input's encoding, so the incoming batches
//!   need no cast. Numbers widen where no value can change: a smaller signed
//!   integer into a larger one, an integer of up to 32 bits (VCF `Integer`)
//!   or a `Float32` into `Float64` (VCF `Float`). Anything else (`Integer`
//!   against `String`, a scalar against a list, `Flag` against `Integer`) is a
//!   [`Error::SchemaConflict`] naming the column, both types and both inputs.
//! - **Stored columns never change type.** Columns added with
//!   [`SchemaMerge::add_stored`] (a Delta table's) hold written data: an
//!   input's values may widen into them (`Int32` into a stored `Float64`), but
//!   a stored column is never widened (a stored `Int32` against an incoming
//!   `Float64` is a conflict).
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{Int32Array, RecordBatch};
//! use arrow::datatypes::{DataType, Field, Schema};
//! use genolake_core::merge::{SchemaMerge, conform_batch};
//!
//! let a = Schema::new(vec![
//!     Field::new("start", DataType::Int64, true),
//!     Field::new("INFO_DP", DataType::Int32, true),
//!     Field::new("genotypes", DataType::Utf8, true),
//! ]);
//! let b = Schema::new(vec![
//!     Field::new("start", DataType::Int64, true),
//!     Field::new("INFO_AF", DataType::Float64, true),
//!     Field::new("genotypes", DataType::Utf8, true),
//! ]);
//! let mut merge = SchemaMerge::new();
//! merge.add("a.vcf", &a)?;
//! merge.add("b.vcf", &b)?;
//! let names: Vec<_> = merge.schema().fields().iter().map(|f| f.name().clone()).collect();
//! assert_eq!(names, ["start", "INFO_DP", "INFO_AF", "genotypes"]);
//!
//! // The same key as Integer in one file and String in another is a conflict.
//! let c = Schema::new(vec![Field::new("INFO_DP", DataType::Utf8, true)]);
//! let err = merge.add("c.vcf", &c).unwrap_err();
//! assert_eq!(err.to_string(), "column INFO_DP is Int32 in a.vcf but Utf8 in c.vcf");
//!
//! // a.vcf's batches, cast to the merged schema: INFO_AF is null in them.
//! let batch = RecordBatch::try_new(Arc::new(Schema::new(vec![
//!     Field::new("INFO_DP", DataType::Int32, true),
//! ])), vec![Arc::new(Int32Array::from(vec![7]))])?;
//! let merged = conform_batch(&batch, &merge.schema())?;
//! assert_eq!(merged.num_columns(), 4);
//! assert_eq!(merged.column(2).null_count(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, LargeListArray, ListArray, MapArray, RecordBatch, RecordBatchOptions,
    StructArray, new_null_array,
};
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema, SchemaRef};
use arrow::error::ArrowError;

use crate::error::Error;

/// Schemas merged one after another into one (see the [module](self) for
/// the rules), remembering which input gave each column its type so a
/// conflict names both inputs.
#[derive(Debug, Clone, Default)]
pub struct SchemaMerge {
    fields: Vec<FieldRef>,
    /// By column path (`INFO_DP`, `genotypes.depth`): the input that gave
    /// the column its current type. A nested field without an entry has
    /// its parent's.
    origins: HashMap<String, Origin>,
}

#[derive(Debug, Clone)]
struct Origin {
    source: Arc<str>,
    stored: bool,
}

impl SchemaMerge {
    /// An empty merge.
    pub fn new() -> Self {
        Self::default()
    }

    /// Merges in the schema of the input named `source` (a file path, say).
    /// On a conflict nothing changes.
    pub fn add(&mut self, source: &str, schema: &Schema) -> Result<(), Error> {
        self.merge(source, schema, false)
    }

    /// Merges in the schema of data already stored (a Delta table named
    /// `source`): its columns keep their types whatever later inputs hold.
    /// On a conflict nothing changes.
    pub fn add_stored(&mut self, source: &str, schema: &Schema) -> Result<(), Error> {
        self.merge(source, schema, true)
    }

    /// The merged schema (empty before the first input).
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(self.fields.clone()))
    }

    fn merge(&mut self, source: &str, schema: &Schema, stored: bool) -> Result<(), Error> {
        let incoming = Origin {
            source: Arc::from(source),
            stored,
        };
        let mut origins = self.origins.clone();
        let mut merger = Merger {
            origins: &mut origins,
            incoming: &incoming,
        };
        let fields = merger.fields(&self.fields, schema.fields(), "")?;
        self.fields = fields;
        self.origins = origins;
        Ok(())
    }
}

/// A column whose types in two inputs do not merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaConflict {
    /// The column, with the path of a nested field (`genotypes.depth`).
    pub column: String,
    /// Its type so far ([`type_name`]).
    pub existing: String,
    /// The input that gave it that type.
    pub existing_source: String,
    /// Its type in the input being merged.
    pub incoming: String,
    /// The input being merged.
    pub incoming_source: String,
    /// Whether the incoming type would widen a stored column's.
    pub stored_would_widen: bool,
}

impl fmt::Display for SchemaConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "column {} is {} in {} but {} in {}",
            self.column, self.existing, self.existing_source, self.incoming, self.incoming_source
        )?;
        if self.stored_would_widen {
            f.write_str(
                "; the type of a column a table stores cannot change (overwrite the table to \
                 change it)",
            )?;
        }
        Ok(())
    }
}

/// One merge of an incoming schema into the fields merged so far.
struct Merger<'a> {
    origins: &'a mut HashMap<String, Origin>,
    incoming: &'a Origin,
}

/// Why two types do not merge.
enum Mismatch {
    /// The types themselves differ: the enclosing field reports it.
    Types,
    /// A stored type would have to widen: the enclosing field reports it.
    StoredWouldWiden,
    /// A nested field conflicts, already reported (boxed: the error is
    /// large and this travels up every level of nesting).
    Conflict(Box<Error>),
}

impl Merger<'_> {
    /// `existing` with `incoming` merged in, by name (see the module's order
    /// rule).
    fn fields(
        &mut self,
        existing: &[FieldRef],
        incoming: &Fields,
        prefix: &str,
    ) -> Result<Vec<FieldRef>, Error> {
        let mut merged: Vec<FieldRef> = existing.to_vec();
        // New fields wait for the next field of their input already merged,
        // and go right before it.
        let mut pending: Vec<FieldRef> = Vec::new();
        for field in incoming {
            let path = join(prefix, field.name());
            match merged.iter().position(|f| f.name() == field.name()) {
                Some(i) => {
                    merged[i] = self.field(&merged[i], field, &path)?;
                    merged.splice(i..i, pending.drain(..));
                }
                None => {
                    self.origins.insert(path, self.incoming.clone());
                    pending.push(Arc::new(field.as_ref().clone().with_nullable(true)));
                }
            }
        }
        merged.append(&mut pending);
        Ok(merged)
    }

    fn field(
        &mut self,
        existing: &FieldRef,
        incoming: &Field,
        path: &str,
    ) -> Result<FieldRef, Error> {
        let data_type = match self.data_type(existing.data_type(), incoming.data_type(), path) {
            Ok(data_type) => data_type,
            Err(Mismatch::Conflict(e)) => return Err(*e),
            Err(mismatch) => {
                let origin = self.origin(path);
                return Err(Error::SchemaConflict(Box::new(SchemaConflict {
                    column: path.to_string(),
                    existing: type_name(existing.data_type()),
                    existing_source: origin.source.to_string(),
                    incoming: type_name(incoming.data_type()),
                    incoming_source: self.incoming.source.to_string(),
                    stored_would_widen: matches!(mismatch, Mismatch::StoredWouldWiden),
                })));
            }
        };
        if &data_type == existing.data_type() && (existing.is_nullable() || !incoming.is_nullable())
        {
            return Ok(Arc::clone(existing));
        }
        let mut metadata = existing.metadata().clone();
        for (key, value) in incoming.metadata() {
            metadata.entry(key.clone()).or_insert_with(|| value.clone());
        }
        Ok(Arc::new(
            Field::new(
                existing.name(),
                data_type,
                existing.is_nullable() || incoming.is_nullable(),
            )
            .with_metadata(metadata),
        ))
    }

    fn data_type(
        &mut self,
        existing: &DataType,
        incoming: &DataType,
        path: &str,
    ) -> Result<DataType, Mismatch> {
        use DataType::*;
        if existing == incoming {
            return Ok(incoming.clone());
        }
        let item = |merger: &mut Self, a: &FieldRef, b: &FieldRef| {
            // A list's item has no name of its own in a column path.
            let data_type = merger.data_type(a.data_type(), b.data_type(), path)?;
            Ok(Arc::new(
                Field::new(b.name(), data_type, a.is_nullable() || b.is_nullable())
                    .with_metadata(b.metadata().clone()),
            ))
        };
        match (existing, incoming) {
            (Null, other) | (other, Null) => Ok(other.clone()),
            (Utf8 | LargeUtf8 | Utf8View, Utf8 | LargeUtf8 | Utf8View)
            | (Binary | LargeBinary | BinaryView, Binary | LargeBinary | BinaryView) => {
                Ok(incoming.clone())
            }
            (List(a) | LargeList(a), List(b)) => Ok(List(item(self, a, b)?)),
            (List(a) | LargeList(a), LargeList(b)) => Ok(LargeList(item(self, a, b)?)),
            (Struct(a), Struct(b)) => Ok(Struct(
                self.fields(a, b, path)
                    .map_err(|e| Mismatch::Conflict(Box::new(e)))?
                    .into(),
            )),
            (Map(a, _), Map(b, sorted)) => Ok(Map(item(self, a, b)?, *sorted)),
            _ if widens(incoming, existing) => Ok(existing.clone()),
            _ if widens(existing, incoming) => {
                if self.origin(path).stored {
                    return Err(Mismatch::StoredWouldWiden);
                }
                self.origins.insert(path.to_string(), self.incoming.clone());
                Ok(incoming.clone())
            }
            _ => Err(Mismatch::Types),
        }
    }

    /// The input that gave the column at `path` its type: its own entry,
    /// or its nearest ancestor's.
    fn origin(&self, path: &str) -> Origin {
        let mut path = path;
        loop {
            if let Some(origin) = self.origins.get(path) {
                return origin.clone();
            }
            match path.rfind('.') {
                Some(dot) => path = &path[..dot],
                None => return self.incoming.clone(),
            }
        }
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Whether every value of `from` is exactly a value of `to`.
fn widens(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    match from {
        Int8 => matches!(to, Int16 | Int32 | Int64 | Float32 | Float64),
        Int16 => matches!(to, Int32 | Int64 | Float32 | Float64),
        Int32 => matches!(to, Int64 | Float64),
        UInt8 => matches!(
            to,
            Int16 | Int32 | Int64 | UInt16 | UInt32 | UInt64 | Float32 | Float64
        ),
        UInt16 => matches!(to, Int32 | Int64 | UInt32 | UInt64 | Float32 | Float64),
        UInt32 => matches!(to, Int64 | UInt64 | Float64),
        Float16 => matches!(to, Float32 | Float64),
        Float32 => matches!(to, Float64),
        _ => false,
    }
}

/// A short name of a type for messages: `Int32`, `List(Float64)`,
/// `Struct(sampleId, calls)`, without Arrow's field names and flags.
pub fn type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::List(item) | DataType::LargeList(item) => {
            format!("List({})", type_name(item.data_type()))
        }
        DataType::Struct(fields) => {
            let names: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
            format!("Struct({})", names.join(", "))
        }
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "Map({}, {})",
                type_name(kv[0].data_type()),
                type_name(kv[1].data_type())
            ),
            other => format!("Map({})", type_name(other)),
        },
        DataType::Utf8View | DataType::LargeUtf8 => "Utf8".to_string(),
        other => other.to_string(),
    }
}

/// `batch` with exactly `schema`'s columns, matched by name at every level
/// (struct fields inside lists and maps too): a column or field `batch`
/// lacks is null, one `schema` lacks is dropped, and types are cast where
/// they differ (see [`SchemaMerge`]: widening numbers, other string or list
/// encodings). Columns whose type already matches are shared, not copied.
///
/// Fails if a column `schema` declares non-nullable is missing, or a type
/// does not cast.
pub fn conform_batch(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
    let rows = batch.num_rows();
    let columns = schema
        .fields()
        .iter()
        .map(|field| match batch.column_by_name(field.name()) {
            Some(column) => conform_array(column, field.data_type()),
            None => Ok(new_null_array(field.data_type(), rows)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new_with_options(
        Arc::clone(schema),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )
}

/// `array` as `to` (see [`conform_batch`]).
pub fn conform_array(array: &ArrayRef, to: &DataType) -> Result<ArrayRef, ArrowError> {
    if array.data_type() == to {
        return Ok(Arc::clone(array));
    }
    match (array.data_type(), to) {
        (DataType::Struct(_), DataType::Struct(fields)) => {
            Ok(Arc::new(conform_struct(array.as_struct(), fields)?))
        }
        (DataType::List(_), DataType::List(item)) => {
            let list = array.as_list::<i32>();
            let values = conform_array(list.values(), item.data_type())?;
            Ok(Arc::new(ListArray::try_new(
                Arc::clone(item),
                list.offsets().clone(),
                values,
                list.nulls().cloned(),
            )?))
        }
        (DataType::LargeList(_), DataType::LargeList(item)) => {
            let list = array.as_list::<i64>();
            let values = conform_array(list.values(), item.data_type())?;
            Ok(Arc::new(LargeListArray::try_new(
                Arc::clone(item),
                list.offsets().clone(),
                values,
                list.nulls().cloned(),
            )?))
        }
        (DataType::Map(_, _), DataType::Map(entries, sorted)) => {
            let map = array.as_map();
            let DataType::Struct(fields) = entries.data_type() else {
                return Err(ArrowError::CastError(format!(
                    "map entries must be a struct, not {}",
                    entries.data_type()
                )));
            };
            let values = conform_struct(map.entries(), fields)?;
            Ok(Arc::new(MapArray::try_new(
                Arc::clone(entries),
                map.offsets().clone(),
                values,
                map.nulls().cloned(),
                *sorted,
            )?))
        }
        _ => arrow::compute::cast(array, to),
    }
}

fn conform_struct(array: &StructArray, fields: &Fields) -> Result<StructArray, ArrowError> {
    let columns = fields
        .iter()
        .map(|field| match array.column_by_name(field.name()) {
            Some(column) => conform_array(column, field.data_type()),
            None => Ok(new_null_array(field.data_type(), array.len())),
        })
        .collect::<Result<Vec<_>, _>>()?;
    StructArray::try_new_with_length(fields.clone(), columns, array.nulls().cloned(), array.len())
}

/// How `after` (a merge) changes `before`, for messages: the columns and
/// struct fields it adds (`INFO_AF is new`, `genotypes.GQX is new`) and
/// those it makes nullable. Empty when it adds nothing and relaxes nothing.
pub fn describe_changes(before: &Schema, after: &Schema) -> Vec<String> {
    let mut changes = Vec::new();
    changed_fields(before.fields(), after.fields(), "", &mut changes);
    changes
}

fn changed_fields(before: &Fields, after: &Fields, prefix: &str, changes: &mut Vec<String>) {
    for field in after {
        let path = join(prefix, field.name());
        match before.find(field.name()) {
            None => changes.push(format!("{path} is new")),
            Some((_, old)) => {
                if field.is_nullable() && !old.is_nullable() {
                    changes.push(format!("{path} may be null"));
                }
                changed_types(old.data_type(), field.data_type(), &path, changes);
            }
        }
    }
}

fn changed_types(before: &DataType, after: &DataType, path: &str, changes: &mut Vec<String>) {
    use DataType::*;
    match (before, after) {
        (Struct(a), Struct(b)) => changed_fields(a, b, path, changes),
        (List(a) | LargeList(a), List(b) | LargeList(b)) | (Map(a, _), Map(b, _)) => {
            if b.is_nullable() && !a.is_nullable() {
                changes.push(format!("{path} may hold null items"));
            }
            changed_types(a.data_type(), b.data_type(), path, changes)
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{BooleanArray, Float64Array, Int32Array, StringArray};

    use super::*;
    use crate::schema::{genotypes_field, list_of};

    fn field(name: &str, data_type: DataType) -> Field {
        Field::new(name, data_type, true)
    }

    fn schema(fields: Vec<Field>) -> Schema {
        Schema::new(fields)
    }

    fn names(schema: &Schema) -> Vec<String> {
        schema.fields().iter().map(|f| f.name().clone()).collect()
    }

    fn genotype_names(schema: &Schema) -> Vec<String> {
        let genotypes = schema.field_with_name("genotypes").unwrap();
        let DataType::List(item) = genotypes.data_type() else {
            panic!("genotypes is a list")
        };
        let DataType::Struct(fields) = item.data_type() else {
            panic!("of structs")
        };
        fields.iter().map(|f| f.name().clone()).collect()
    }

    /// A variant table: `start`, the INFO columns, genotypes with these fields.
    fn variants(info: &[(&str, DataType)], genotype: &[(&str, DataType)]) -> Schema {
        let mut fields = vec![field("start", DataType::Int64)];
        fields.extend(info.iter().map(|(n, t)| field(n, t.clone())));
        fields.push(genotypes_field(
            genotype.iter().map(|(n, t)| field(n, t.clone())).collect(),
        ));
        schema(fields)
    }

    #[test]
    fn new_columns_go_before_the_next_known_column_of_their_input() {
        use DataType::*;
        let a = variants(
            &[("INFO_A", Int32), ("INFO_B", Int32)],
            &[("calls", list_of(Int32))],
        );
        let b = variants(
            &[("INFO_A", Int32), ("INFO_C", Utf8), ("INFO_D", Boolean)],
            &[],
        );
        let c = variants(&[("INFO_E", Float64), ("INFO_B", Int32)], &[]);
        let mut merge = SchemaMerge::new();
        for (name, schema) in [("a", &a), ("b", &b), ("c", &c)] {
            merge.add(name, schema).unwrap();
        }
        assert_eq!(
            names(&merge.schema()),
            [
                "start",
                "INFO_A",
                "INFO_E",
                "INFO_B",
                "INFO_C",
                "INFO_D",
                "genotypes"
            ]
        );
    }

    #[test]
    fn genotype_fields_merge_by_name_inside_the_list_and_new_ones_are_nullable() {
        use DataType::*;
        let a = variants(
            &[],
            &[
                ("sampleId", Utf8),
                ("calls", list_of(Int32)),
                ("depth", Int32),
            ],
        );
        // GQX is non-nullable in its own input, but a's rows have no value for it.
        let b = schema(vec![
            field("start", Int64),
            genotypes_field(vec![
                field("sampleId", Utf8),
                field("phased", Boolean),
                field("calls", list_of(Int32)),
                Field::new("GQX", Int32, false),
            ]),
        ]);
        let mut merge = SchemaMerge::new();
        merge.add("a", &a).unwrap();
        merge.add("b", &b).unwrap();
        let merged = merge.schema();
        assert_eq!(
            genotype_names(&merged),
            ["sampleId", "phased", "calls", "depth", "GQX"]
        );
        let DataType::List(item) = merged.field_with_name("genotypes").unwrap().data_type() else {
            unreachable!()
        };
        let DataType::Struct(fields) = item.data_type() else {
            unreachable!()
        };
        assert!(fields.iter().all(|f| f.is_nullable()));
    }

    #[test]
    fn types_merge_or_conflict_as_specified() {
        use DataType::*;
        // (first input's type, second input's, merged type or the conflict)
        let cases: Vec<(DataType, DataType, Result<DataType, &str>)> = vec![
            (Int32, Int32, Ok(Int32)),
            // VCF Integer and Float: every Int32 is exactly a Float64.
            (Int32, Float64, Ok(Float64)),
            (Float64, Int32, Ok(Float64)),
            (list_of(Int32), list_of(Float64), Ok(list_of(Float64))),
            (Int32, Int64, Ok(Int64)),
            // Other encodings of the same values take the incoming one.
            (Utf8, Utf8View, Ok(Utf8View)),
            (
                list_of(Int32),
                List(Arc::new(Field::new("element", Int32, true))),
                Ok(List(Arc::new(Field::new("element", Int32, true)))),
            ),
            (
                Int32,
                Utf8,
                Err("column INFO_X is Int32 in a.vcf but Utf8 in b.vcf"),
            ),
            (
                Boolean,
                Int32,
                Err("column INFO_X is Boolean in a.vcf but Int32 in b.vcf"),
            ),
            (
                Int32,
                list_of(Int32),
                Err("column INFO_X is Int32 in a.vcf but List(Int32) in b.vcf"),
            ),
            (
                list_of(Int32),
                list_of(Utf8),
                Err("column INFO_X is List(Int32) in a.vcf but List(Utf8) in b.vcf"),
            ),
            // Int64 to Float64 could round.
            (
                Int64,
                Float64,
                Err("column INFO_X is Int64 in a.vcf but Float64 in b.vcf"),
            ),
        ];
        for (first, second, expected) in cases {
            let mut merge = SchemaMerge::new();
            merge
                .add("a.vcf", &schema(vec![field("INFO_X", first.clone())]))
                .unwrap();
            let merged = merge
                .add("b.vcf", &schema(vec![field("INFO_X", second.clone())]))
                .map(|()| merge.schema().field(0).data_type().clone())
                .map_err(|e| e.to_string());
            assert_eq!(merged, expected.map_err(String::from), "{first} + {second}");
        }
    }

    #[test]
    fn a_stored_column_takes_narrower_values_but_never_widens() {
        use DataType::*;
        let mut merge = SchemaMerge::new();
        let table = schema(vec![field("INFO_F", Float64), field("INFO_I", Int32)]);
        merge.add_stored("the table at /lake/t", &table).unwrap();
        merge
            .add("a.vcf", &schema(vec![field("INFO_F", Int32)]))
            .unwrap();
        assert_eq!(merge.schema().field(0).data_type(), &Float64);
        let err = merge
            .add("b.vcf", &schema(vec![field("INFO_I", Float64)]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "column INFO_I is Int32 in the table at /lake/t but Float64 in b.vcf; the type of \
             a column a table stores cannot change (overwrite the table to change it)"
        );
    }

    #[test]
    fn a_conflict_names_the_nested_field_and_the_input_that_typed_it_and_changes_nothing() {
        use DataType::*;
        let mut merge = SchemaMerge::new();
        merge
            .add("a.vcf", &variants(&[], &[("depth", Int32)]))
            .unwrap();
        merge
            .add(
                "b.vcf",
                &variants(&[("INFO_N", Int32)], &[("GQX", Float64)]),
            )
            .unwrap();
        let before = merge.schema();
        let err = merge
            .add("c.vcf", &variants(&[("INFO_M", Int32)], &[("GQX", Utf8)]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "column genotypes.GQX is Float64 in b.vcf but Utf8 in c.vcf"
        );
        assert_eq!(merge.schema(), before);
        // A widened field is typed by the input that widened it.
        merge
            .add("d.vcf", &variants(&[], &[("depth", Float64)]))
            .unwrap();
        let err = merge
            .add("e.vcf", &variants(&[], &[("depth", Boolean)]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "column genotypes.depth is Float64 in d.vcf but Boolean in e.vcf"
        );
    }

    #[test]
    fn batches_conform_by_name_with_nulls_for_what_they_lack() {
        use DataType::*;
        let own = Arc::new(variants(
            &[("INFO_I", Int32)],
            &[("sampleId", Utf8), ("depth", Int32)],
        ));
        let mut merge = SchemaMerge::new();
        merge
            .add(
                "a",
                &variants(&[("INFO_S", Utf8)], &[("sampleId", Utf8), ("GQX", Boolean)]),
            )
            .unwrap();
        merge
            .add("b", &variants(&[("INFO_I", Float64)], &[]))
            .unwrap();
        merge.add("own", &own).unwrap();
        let target = merge.schema();

        let samples = StructArray::try_new(
            Fields::from(vec![field("sampleId", Utf8), field("depth", Int32)]),
            vec![
                Arc::new(StringArray::from(vec!["s1", "s2", "s1"])),
                Arc::new(Int32Array::from(vec![Some(3), None, Some(5)])),
            ],
            None,
        )
        .unwrap();
        let genotypes = ListArray::try_new(
            Arc::new(Field::new_list_field(samples.data_type().clone(), true)),
            arrow::buffer::OffsetBuffer::from_lengths([2, 1]),
            Arc::new(samples),
            None,
        )
        .unwrap();
        let batch = RecordBatch::try_new(
            Arc::clone(&own),
            vec![
                Arc::new(arrow::array::Int64Array::from(vec![10, 20])),
                Arc::new(Int32Array::from(vec![Some(1), None])),
                Arc::new(genotypes),
            ],
        )
        .unwrap();

        let merged = conform_batch(&batch, &target).unwrap();
        assert_eq!(merged.schema(), target);
        assert_eq!(names(&target), ["start", "INFO_S", "INFO_I", "genotypes"]);
        assert_eq!(merged.column(1).null_count(), 2, "INFO_S is null");
        assert_eq!(
            merged
                .column(2)
                .as_primitive::<arrow::datatypes::Float64Type>(),
            &Float64Array::from(vec![Some(1.0), None])
        );
        let genotypes = merged.column(3).as_list::<i32>();
        assert_eq!(genotypes.value_offsets(), [0, 2, 3]);
        let fields = genotypes.values().as_struct();
        assert_eq!(fields.column_names(), ["sampleId", "GQX", "depth"]);
        assert_eq!(
            fields.column(1).as_boolean(),
            &BooleanArray::from(vec![None, None, None])
        );
        assert_eq!(
            fields
                .column(2)
                .as_primitive::<arrow::datatypes::Int32Type>(),
            &Int32Array::from(vec![Some(3), None, Some(5)])
        );
    }

    #[test]
    fn changes_list_new_columns_and_fields_by_path() {
        use DataType::*;
        let table = variants(&[("INFO_A", Int32)], &[("depth", Int32)]);
        let mut merge = SchemaMerge::new();
        merge.add_stored("t", &table).unwrap();
        assert!(describe_changes(&table, &merge.schema()).is_empty());
        merge
            .add("x", &variants(&[("INFO_B", Utf8)], &[("GQX", Int32)]))
            .unwrap();
        assert_eq!(
            describe_changes(&table, &merge.schema()),
            ["INFO_B is new", "genotypes.GQX is new"]
        );
    }
}
