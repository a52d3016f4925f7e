//! `add_struct_fields`, `subset_struct` and `expand_struct`.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StructArray};
use arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};

use super::{exec_err, literal_str, plan_err, with_parent_nulls};

/// `add_struct_fields(struct, 'name1', value1, ...)`: the struct with the
/// fields appended, in order. A field of a null struct reads as null.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct AddStructFields {
    signature: Signature,
}

impl AddStructFields {
    /// The UDF.
    pub fn new() -> Self {
        Self {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

impl Default for AddStructFields {
    fn default() -> Self {
        Self::new()
    }
}

fn struct_fields<'a>(function: &str, field: &'a FieldRef) -> Result<&'a Fields> {
    match field.data_type() {
        DataType::Struct(fields) => Ok(fields),
        other => Err(plan_err(format!(
            "{function}: the first argument must be a struct; got {other}"
        ))),
    }
}

/// The output fields: every field nullable, since a null input struct
/// gives null fields in a non-null output struct (Spark's
/// `named_struct(..., s.a, ...)`).
fn nullable(field: &Field) -> FieldRef {
    Arc::new(field.clone().with_nullable(true))
}

impl ScalarUDFImpl for AddStructFields {
    fn name(&self) -> &str {
        "add_struct_fields"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _types: &[DataType]) -> Result<DataType> {
        Err(plan_err(
            "add_struct_fields: the return type comes from its arguments",
        ))
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let usage = "add_struct_fields takes a struct, then field names (constant strings) and \
                     values in pairs: add_struct_fields(s, 'name1', value1, 'name2', value2, ...)";
        let Some(first) = args.arg_fields.first() else {
            return Err(plan_err(usage));
        };
        let base = struct_fields(self.name(), first)?;
        if args.arg_fields.len().is_multiple_of(2) {
            return Err(plan_err(format!(
                "{usage}; got {} arguments",
                args.arg_fields.len()
            )));
        }
        let mut fields: Vec<FieldRef> = base.iter().map(|f| nullable(f)).collect();
        for i in (1..args.arg_fields.len()).step_by(2) {
            let name = literal_str(args.scalar_arguments[i]).ok_or_else(|| {
                plan_err(format!(
                    "{usage}; argument {} is not a constant string",
                    i + 1
                ))
            })?;
            if fields.iter().any(|f| f.name() == name) {
                return Err(plan_err(format!(
                    "add_struct_fields: the struct already has a field '{name}'"
                )));
            }
            fields.push(Arc::new(Field::new(
                name,
                args.arg_fields[i + 1].data_type().clone(),
                true,
            )));
        }
        Ok(Arc::new(Field::new(
            self.name(),
            DataType::Struct(Fields::from(fields)),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let DataType::Struct(fields) = args.return_field.data_type().clone() else {
            return Err(exec_err(
                "add_struct_fields: the return type is not a struct",
            ));
        };
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let base = arrays[0].as_struct();
        let mut columns: Vec<ArrayRef> = base
            .columns()
            .iter()
            .map(|c| with_parent_nulls(c, base.nulls()))
            .collect::<Result<_>>()?;
        columns.extend(arrays.iter().skip(2).step_by(2).cloned());
        Ok(ColumnarValue::Array(Arc::new(StructArray::try_new(
            fields, columns, None,
        )?)))
    }
}

/// `subset_struct(struct, 'f1', 'f2', ...)`: a struct of the named fields,
/// in the order named.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SubsetStruct {
    signature: Signature,
}

impl SubsetStruct {
    /// The UDF.
    pub fn new() -> Self {
        Self {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

impl Default for SubsetStruct {
    fn default() -> Self {
        Self::new()
    }
}

/// The index of field `name`: the exact name, else the only field whose
/// name differs in case (Spark resolves struct fields case-insensitively).
fn find_field(fields: &Fields, name: &str) -> Option<usize> {
    if let Some((i, _)) = fields.find(name) {
        return Some(i);
    }
    let mut matches = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.name().eq_ignore_ascii_case(name));
    match (matches.next(), matches.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

/// The positions of the fields `subset_struct` selects, from its argument
/// names.
fn subset_positions(fields: &Fields, names: &[&str]) -> Result<Vec<usize>> {
    names
        .iter()
        .map(|name| {
            find_field(fields, name).ok_or_else(|| {
                let known: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
                plan_err(format!(
                    "subset_struct: the struct has no field '{name}' (its fields: {})",
                    known.join(", ")
                ))
            })
        })
        .collect()
}

impl ScalarUDFImpl for SubsetStruct {
    fn name(&self) -> &str {
        "subset_struct"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _types: &[DataType]) -> Result<DataType> {
        Err(plan_err(
            "subset_struct: the return type comes from its arguments",
        ))
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let usage = "subset_struct takes a struct and one or more field names (constant \
                     strings): subset_struct(s, 'f1', 'f2', ...)";
        if args.arg_fields.len() < 2 {
            return Err(plan_err(usage));
        }
        let base = struct_fields(self.name(), &args.arg_fields[0])?;
        let names = (1..args.arg_fields.len())
            .map(|i| {
                literal_str(args.scalar_arguments[i]).ok_or_else(|| {
                    plan_err(format!(
                        "{usage}; argument {} is not a constant string",
                        i + 1
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let positions = subset_positions(base, &names)?;
        let fields: Vec<FieldRef> = positions
            .iter()
            .zip(&names)
            .map(|(&i, name)| {
                Arc::new(
                    base[i]
                        .as_ref()
                        .clone()
                        .with_name(*name)
                        .with_nullable(true),
                )
            })
            .collect();
        Ok(Arc::new(Field::new(
            self.name(),
            DataType::Struct(Fields::from(fields)),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let DataType::Struct(fields) = args.return_field.data_type().clone() else {
            return Err(exec_err("subset_struct: the return type is not a struct"));
        };
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let base = arrays[0].as_struct();
        let DataType::Struct(base_fields) = arrays[0].data_type() else {
            return Err(exec_err(
                "subset_struct: the first argument is not a struct",
            ));
        };
        let names: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
        let columns = subset_positions(base_fields, &names)?
            .into_iter()
            .map(|i| with_parent_nulls(base.column(i), base.nulls()))
            .collect::<Result<Vec<_>>>()?;
        Ok(ColumnarValue::Array(Arc::new(StructArray::try_new(
            fields, columns, None,
        )?)))
    }
}

/// `expand_struct(struct)`: the struct's fields as columns. Glow's is a
/// generator; here [`super::GeneratorRewrite`] replaces it in a SELECT list
/// by one column per field, and anywhere else it is an error.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ExpandStruct {
    signature: Signature,
}

impl ExpandStruct {
    /// The UDF.
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
        }
    }
}

impl Default for ExpandStruct {
    fn default() -> Self {
        Self::new()
    }
}

/// Why `expand_struct` ran instead of being rewritten.
pub(super) const EXPAND_STRUCT_PLACE: &str = "expand_struct turns a struct into columns and can \
     only be an item of a SELECT list (SELECT expand_struct(s) FROM t, or a subquery read with \
     SELECT *); to use one field elsewhere, write s['field']";

impl ScalarUDFImpl for ExpandStruct {
    fn name(&self) -> &str {
        "expand_struct"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        match &types[0] {
            DataType::Struct(_) => Ok(types[0].clone()),
            other => Err(plan_err(format!(
                "expand_struct: only structs can be expanded; got {other}"
            ))),
        }
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Err(exec_err(EXPAND_STRUCT_PLACE))
    }
}
