//! A table as a Unity Catalog registration: the body of `POST
//! /api/2.1/unity-catalog/tables` that makes it an EXTERNAL Delta table of
//! the catalog, so it falls under the catalog's access control and lineage.
//!
//! Unity Catalog OSS creates external tables only from a request naming
//! the table (`name`, `catalog_name`, `schema_name`), its kind
//! (`table_type` EXTERNAL, `data_source_format` DELTA), where it is
//! (`storage_location`) and its columns. Each column is described the way
//! Unity Catalog's Spark connector describes a Spark column: `type_text`
//! is Spark's catalog string of the type (`array<struct<sampleId:string,
//! calls:array<int>>>`), `type_json` the Spark JSON of the whole field
//! (which is the field's JSON in the Delta schema, metadata included),
//! `type_name` the catalog's name of the outer type (`ARRAY`), `position`
//! from 0, `nullable`, the `comment` from the field's metadata and
//! `partition_index` for partition columns. The table's `comment` is the
//! Delta table's description.
//!
//! ```
//! use genolake_lake::catalog::{TableName, create_table_request};
//! use serde_json::json;
//!
//! let schema = json!({"type": "struct", "fields": [
//!     {"name": "contigName", "type": "string", "nullable": true, "metadata": {"comment": "CHROM"}},
//!     {"name": "genotypes", "type": {"type": "array", "containsNull": true, "elementType":
//!         {"type": "struct", "fields": [
//!             {"name": "calls", "type": {"type": "array", "elementType": "integer", "containsNull": true},
//!              "nullable": true, "metadata": {}}]}},
//!      "nullable": true, "metadata": {}},
//! ]});
//! let name: TableName = "main.genomics.calls".parse()?;
//! let request = create_table_request(&name, &schema, &["contigName".into()], Some("calls"), "file:///lake/calls")?;
//! assert_eq!(request["table_type"], "EXTERNAL");
//! assert_eq!(request["columns"][0]["type_text"], "string");
//! assert_eq!(request["columns"][0]["comment"], "CHROM");
//! assert_eq!(request["columns"][0]["partition_index"], 0);
//! assert_eq!(request["columns"][1]["type_name"], "ARRAY");
//! assert_eq!(request["columns"][1]["type_text"], "array<struct<calls:array<int>>>");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value, json};

use crate::describe::COMMENT_KEY;
use crate::error::{Error, ErrorKind, Result};
use crate::ingest::Target;

/// A three-part Unity Catalog name, `catalog.schema.table`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName {
    /// The catalog.
    pub catalog: String,
    /// The schema in the catalog.
    pub schema: String,
    /// The table in the schema.
    pub table: String,
}

impl FromStr for TableName {
    type Err = String;

    /// Parses `catalog.schema.table`.
    ///
    /// ```
    /// use genolake_lake::catalog::TableName;
    /// let name: TableName = "main.genomics.calls".parse().unwrap();
    /// assert_eq!(name.schema, "genomics");
    /// assert!("genomics.calls".parse::<TableName>().is_err());
    /// ```
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let parts: Vec<&str> = s.split('.').collect();
        match parts.as_slice() {
            [catalog, schema, table] if parts.iter().all(|p| !p.trim().is_empty()) => Ok(Self {
                catalog: catalog.trim().to_string(),
                schema: schema.trim().to_string(),
                table: table.trim().to_string(),
            }),
            _ => Err(format!(
                "{s:?} is not a catalog.schema.table name (three non-empty parts separated by dots)"
            )),
        }
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.catalog, self.schema, self.table)
    }
}

/// The registration request of the Delta table at `location` under
/// `name`, from its current schema, partitioning and description.
pub async fn unity_create_table(location: &str, name: &TableName) -> Result<Value> {
    let error = |kind| Error::new(location, kind);
    let target = Target::resolve(location, false)?;
    let table = target.open_existing(&Default::default()).await?;
    let snapshot = table.snapshot().map_err(|e| error(ErrorKind::Delta(e)))?;
    let metadata = snapshot.metadata();
    let schema = serde_json::to_value(snapshot.schema().as_ref()).map_err(|e| {
        error(ErrorKind::Options(format!(
            "cannot read the table's schema: {e}"
        )))
    })?;
    // A catalog's location names the directory itself.
    let location_url = target.url.as_str().trim_end_matches('/').to_string();
    create_table_request(
        name,
        &schema,
        metadata.partition_columns(),
        metadata.description(),
        &location_url,
    )
    .map_err(|message| error(ErrorKind::Options(message)))
}

/// The registration request of a table with the Delta `schema` (as JSON),
/// partitioned by `partition_columns`, described by `description`, stored
/// at `storage_location`.
pub fn create_table_request(
    name: &TableName,
    schema: &Value,
    partition_columns: &[String],
    description: Option<&str>,
    storage_location: &str,
) -> std::result::Result<Value, String> {
    let fields = schema
        .get("fields")
        .and_then(Value::as_array)
        .ok_or("the table's schema has no fields")?;
    let mut columns = Vec::with_capacity(fields.len());
    for (position, field) in fields.iter().enumerate() {
        columns.push(column(position, field, partition_columns)?);
    }
    let mut request = json!({
        "name": name.table,
        "catalog_name": name.catalog,
        "schema_name": name.schema,
        "table_type": "EXTERNAL",
        "data_source_format": "DELTA",
        "storage_location": storage_location,
        "columns": columns,
    });
    if let Some(description) = description.filter(|d| !d.is_empty()) {
        request["comment"] = json!(description);
    }
    Ok(request)
}

/// One `ColumnInfo` of the request.
fn column(
    position: usize,
    field: &Value,
    partition_columns: &[String],
) -> std::result::Result<Value, String> {
    let name = field
        .get("name")
        .and_then(Value::as_str)
        .ok_or("a field of the table's schema has no name")?;
    let data_type = field
        .get("type")
        .ok_or_else(|| format!("column {name} has no type"))?;
    let in_column = |e: String| format!("column {name}: {e}");
    let mut column = Map::new();
    column.insert("name".into(), json!(name));
    column.insert(
        "type_text".into(),
        json!(catalog_string(data_type).map_err(in_column)?),
    );
    column.insert("type_json".into(), json!(field.to_string()));
    column.insert(
        "type_name".into(),
        json!(type_name(data_type).map_err(in_column)?),
    );
    if let Some((precision, scale)) = decimal(data_type) {
        column.insert("type_precision".into(), json!(precision));
        column.insert("type_scale".into(), json!(scale));
    }
    column.insert("position".into(), json!(position));
    column.insert(
        "nullable".into(),
        json!(
            field
                .get("nullable")
                .and_then(Value::as_bool)
                .unwrap_or(true)
        ),
    );
    if let Some(comment) = field
        .get("metadata")
        .and_then(|m| m.get(COMMENT_KEY))
        .and_then(Value::as_str)
    {
        column.insert("comment".into(), json!(comment));
    }
    if let Some(index) = partition_columns.iter().position(|c| c == name) {
        column.insert("partition_index".into(), json!(index));
    }
    Ok(Value::Object(column))
}

/// Spark's catalog string of a Delta type (`bigint`, `array<int>`,
/// `struct<a:string>`), which Unity Catalog takes as `type_text`.
pub fn catalog_string(data_type: &Value) -> std::result::Result<String, String> {
    match data_type {
        Value::String(primitive) => Ok(match primitive.as_str() {
            "long" => "bigint".to_string(),
            "integer" => "int".to_string(),
            "short" => "smallint".to_string(),
            "byte" => "tinyint".to_string(),
            "string" | "float" | "double" | "boolean" | "binary" | "date" | "timestamp"
            | "timestamp_ntz" | "variant" => primitive.clone(),
            decimal if decimal.starts_with("decimal(") => decimal.replace(' ', ""),
            other => return Err(format!("type {other:?} has no Unity Catalog equivalent")),
        }),
        Value::Object(complex) => match complex.get("type").and_then(Value::as_str) {
            Some("array") => Ok(format!(
                "array<{}>",
                catalog_string(complex.get("elementType").unwrap_or(&Value::Null))?
            )),
            Some("map") => Ok(format!(
                "map<{},{}>",
                catalog_string(complex.get("keyType").unwrap_or(&Value::Null))?,
                catalog_string(complex.get("valueType").unwrap_or(&Value::Null))?
            )),
            Some("struct") => {
                let fields = complex
                    .get("fields")
                    .and_then(Value::as_array)
                    .ok_or("a struct type without fields")?;
                let mut parts = Vec::with_capacity(fields.len());
                for field in fields {
                    let name = field
                        .get("name")
                        .and_then(Value::as_str)
                        .ok_or("a struct field without a name")?;
                    let inner = catalog_string(field.get("type").unwrap_or(&Value::Null))?;
                    parts.push(format!("{}:{inner}", quote_if_needed(name)));
                }
                Ok(format!("struct<{}>", parts.join(",")))
            }
            _ => Err(format!("unknown complex type {data_type}")),
        },
        other => Err(format!("unknown type {other}")),
    }
}

/// A struct field name as Spark writes it in a catalog string: in
/// backticks when it is not a plain identifier.
fn quote_if_needed(name: &str) -> String {
    let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// Unity Catalog's `ColumnTypeName` of a Delta type.
pub fn type_name(data_type: &Value) -> std::result::Result<&'static str, String> {
    match data_type {
        Value::String(primitive) => Ok(match primitive.as_str() {
            "string" => "STRING",
            "long" => "LONG",
            "integer" => "INT",
            "short" => "SHORT",
            "byte" => "BYTE",
            "float" => "FLOAT",
            "double" => "DOUBLE",
            "boolean" => "BOOLEAN",
            "binary" => "BINARY",
            "date" => "DATE",
            "timestamp" => "TIMESTAMP",
            "timestamp_ntz" => "TIMESTAMP_NTZ",
            "variant" => "VARIANT",
            decimal if decimal.starts_with("decimal(") => "DECIMAL",
            other => return Err(format!("type {other:?} has no Unity Catalog equivalent")),
        }),
        Value::Object(complex) => match complex.get("type").and_then(Value::as_str) {
            Some("array") => Ok("ARRAY"),
            Some("map") => Ok("MAP"),
            Some("struct") => Ok("STRUCT"),
            _ => Err(format!("unknown complex type {data_type}")),
        },
        other => Err(format!("unknown type {other}")),
    }
}

/// Precision and scale of a `decimal(p,s)` type.
fn decimal(data_type: &Value) -> Option<(u32, u32)> {
    let inner = data_type
        .as_str()?
        .strip_prefix("decimal(")?
        .strip_suffix(')')?;
    let (precision, scale) = inner.split_once(',')?;
    Some((precision.trim().parse().ok()?, scale.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_strings_follow_spark() {
        let cases = [
            (json!("long"), "bigint", "LONG"),
            (json!("integer"), "int", "INT"),
            (json!("short"), "smallint", "SHORT"),
            (json!("byte"), "tinyint", "BYTE"),
            (json!("decimal(10, 2)"), "decimal(10,2)", "DECIMAL"),
            (
                json!({"type": "map", "keyType": "string", "valueType": "string", "valueContainsNull": true}),
                "map<string,string>",
                "MAP",
            ),
            (
                json!({"type": "struct", "fields": [
                    {"name": "a b", "type": "double", "nullable": true, "metadata": {}},
                    {"name": "c", "type": {"type": "array", "elementType": "boolean", "containsNull": true},
                     "nullable": true, "metadata": {}}]}),
                "struct<`a b`:double,c:array<boolean>>",
                "STRUCT",
            ),
        ];
        for (data_type, text, name) in cases {
            assert_eq!(catalog_string(&data_type).unwrap(), text);
            assert_eq!(type_name(&data_type).unwrap(), name);
        }
        assert_eq!(decimal(&json!("decimal(10, 2)")), Some((10, 2)));
        assert!(catalog_string(&json!("interval")).is_err());
    }
}
