"""Checks a Unity Catalog create-table request (what `genolake register`
sends) against Unity Catalog OSS's OpenAPI description, and its columns
against independent readers of the same Delta table. Prints one JSON object
whose `ok` is false, with the `errors`, when anything is wrong; exits 2 when
a checker is missing (a test fails then, it does not skip).

usage: validate_uc_request.py OPENAPI_YAML REQUEST_JSON TABLE_DIR

- the request must validate against the `CreateTable` schema of the OpenAPI
  description (OpenAPI 3.0 semantics, through openapi-schema-validator),
  and again with no properties the schema does not name (a misspelt key
  would otherwise pass unnoticed, as the schema allows extra ones);
- every column's `type_json` must parse, as JSON and as a Spark StructField
  (PySpark's own parser), whose type's catalog string is the `type_text`
  and whose class gives the `type_name` Unity Catalog's Spark connector
  would send; `type_name` must be in the ColumnTypeName enum;
- the columns must be the table's, in order, with the field JSON the Python
  `deltalake` package reads from the table's log, and the table comment
  its description.
"""
import copy
import json
import os
import pathlib
import sys


def fail_missing(what, error):
    print(json.dumps({"ok": False, "missing": what, "error": str(error)}))
    sys.stdout.flush()
    os._exit(2)


try:
    import yaml
except ImportError as e:  # pragma: no cover - the test must fail, not skip
    fail_missing("PyYAML", e)
try:
    from openapi_schema_validator import OAS30Validator, oas30_format_checker
except ImportError as e:  # pragma: no cover
    fail_missing("openapi-schema-validator", e)
try:
    from pyspark.sql import types as spark
except ImportError as e:  # pragma: no cover
    fail_missing("pyspark", e)
try:
    from deltalake import DeltaTable
except ImportError as e:  # pragma: no cover
    fail_missing("deltalake", e)


def resolve(node, schemas, seen=()):
    """The schema with every `#/components/schemas/X` reference inlined."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None:
            name = ref.rsplit("/", 1)[-1]
            if name in seen:
                raise ValueError(f"recursive reference to {name}")
            return resolve(schemas[name], schemas, seen + (name,))
        return {key: resolve(value, schemas, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, schemas, seen) for item in node]
    return node


def closed(schema):
    """CreateTable and its ColumnInfo items without room for unnamed keys."""
    schema = copy.deepcopy(schema)
    schema["additionalProperties"] = False
    schema["properties"]["columns"]["items"]["additionalProperties"] = False
    return schema


def errors_of(schema, instance):
    validator = OAS30Validator(schema, format_checker=oas30_format_checker)
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(request)'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


# What Unity Catalog's Spark connector sends as type_name for each Spark type.
SPARK_TYPE_NAMES = [
    (spark.BooleanType, "BOOLEAN"),
    (spark.ByteType, "BYTE"),
    (spark.ShortType, "SHORT"),
    (spark.IntegerType, "INT"),
    (spark.LongType, "LONG"),
    (spark.FloatType, "FLOAT"),
    (spark.DoubleType, "DOUBLE"),
    (spark.DateType, "DATE"),
    (spark.TimestampType, "TIMESTAMP"),
    (spark.TimestampNTZType, "TIMESTAMP_NTZ"),
    (spark.StringType, "STRING"),
    (spark.BinaryType, "BINARY"),
    (spark.DecimalType, "DECIMAL"),
    (spark.ArrayType, "ARRAY"),
    (spark.StructType, "STRUCT"),
    (spark.MapType, "MAP"),
]


def spark_type_name(data_type):
    for cls, name in SPARK_TYPE_NAMES:
        if isinstance(data_type, cls):
            return name
    return None


def main():
    api_path, request_path, table = sys.argv[1:4]
    with open(api_path) as f:
        api = yaml.safe_load(f)
    with open(request_path) as f:
        request = json.load(f)
    schemas = api["components"]["schemas"]
    # The request body the endpoint declares, not a schema picked by name.
    body = api["paths"]["/tables"]["post"]["requestBody"]["content"]["application/json"]
    create_table = resolve(body["schema"], schemas)
    errors = errors_of(create_table, request)
    errors += [f"(closed) {e}" for e in errors_of(closed(create_table), request)]

    type_names = set(schemas["ColumnTypeName"]["enum"])
    delta = DeltaTable(table)
    delta_fields = json.loads(delta.schema().to_json())["fields"]
    columns = request.get("columns", [])
    if [c.get("name") for c in columns] != [f["name"] for f in delta_fields]:
        errors.append(
            f"columns {[c.get('name') for c in columns]} are not the table's "
            f"{[f['name'] for f in delta_fields]}"
        )
    partitions = delta.metadata().partition_columns
    for position, (column, delta_field) in enumerate(zip(columns, delta_fields)):
        name = column.get("name")
        where = f"column {name}"
        if column.get("position") != position:
            errors.append(f"{where}: position {column.get('position')!r}, expected {position}")
        if column.get("type_name") not in type_names:
            errors.append(f"{where}: type_name {column.get('type_name')!r} is not a ColumnTypeName")
        try:
            type_json = json.loads(column["type_json"])
        except (KeyError, TypeError, ValueError) as e:
            errors.append(f"{where}: type_json does not parse: {e}")
            continue
        if type_json != delta_field:
            errors.append(f"{where}: type_json {type_json} is not the table's field {delta_field}")
        try:
            field = spark.StructField.fromJson(type_json)
        except Exception as e:  # PySpark raises several kinds
            errors.append(f"{where}: type_json is not a Spark StructField: {e}")
            continue
        if field.name != name or field.nullable != column.get("nullable"):
            errors.append(f"{where}: type_json names {field.name}, nullable {field.nullable}")
        if field.dataType.simpleString() != column.get("type_text"):
            errors.append(
                f"{where}: type_text {column.get('type_text')!r}, Spark says "
                f"{field.dataType.simpleString()!r}"
            )
        if spark_type_name(field.dataType) != column.get("type_name"):
            errors.append(
                f"{where}: type_name {column.get('type_name')}, Spark's type is "
                f"{type(field.dataType).__name__}"
            )
        if field.metadata.get("comment") != column.get("comment"):
            errors.append(f"{where}: comment differs from the field's metadata")
        expected_index = partitions.index(name) if name in partitions else None
        if column.get("partition_index") != expected_index:
            errors.append(f"{where}: partition_index {column.get('partition_index')}")

    description = delta.metadata().description
    if request.get("comment") != description:
        errors.append(f"comment {request.get('comment')!r}, table description {description!r}")
    location = pathlib.Path(table).resolve().as_uri()
    if request.get("storage_location") != location:
        errors.append(f"storage_location {request.get('storage_location')!r}, expected {location!r}")

    print(
        json.dumps(
            {
                "ok": not errors,
                "errors": errors,
                "columns": len(columns),
                "commented": sum(1 for c in columns if c.get("comment")),
                "type_names": sorted({c.get("type_name") for c in columns}),
            }
        )
    )


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        print(json.dumps({"ok": False, "errors": [f"{type(e).__name__}: {e}"]}))
    # Skip interpreter teardown (deltalake's native threads can abort there).
    sys.stdout.flush()
    os._exit(0)
