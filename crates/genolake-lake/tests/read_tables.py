"""Reads a Delta table with the Python `deltalake` package and with Polars
(two independent readers) and prints, for each, its columns, the fields of
its `genotypes` structs and its rows sorted by (contigName, start), as one
JSON object: {"deltalake": {...}, "polars": {...}}.

usage: read_tables.py TABLE
"""
import json
import os
import sys

import polars as pl
from deltalake import DeltaTable


def genotype_fields(schema_type):
    """The field names of a list<struct> type, from pyarrow or Polars."""
    inner = getattr(schema_type, "value_type", None) or getattr(schema_type, "inner", None)
    fields = getattr(inner, "fields", [])
    return [getattr(f, "name", None) or f.name for f in fields]


def summary(columns, genotypes_type, rows):
    rows = sorted(rows, key=lambda r: (r.get("contigName") or "", r.get("start") or 0))
    return {
        "columns": columns,
        "genotype_fields": genotype_fields(genotypes_type),
        "rows": rows,
    }


def main():
    path = sys.argv[1]
    arrow_table = DeltaTable(path).to_pyarrow_table()
    from_deltalake = summary(
        arrow_table.column_names,
        arrow_table.schema.field("genotypes").type,
        arrow_table.to_pylist(),
    )
    frame = pl.read_delta(path)
    from_polars = summary(frame.columns, frame.schema["genotypes"], frame.to_dicts())
    print(json.dumps({"deltalake": from_deltalake, "polars": from_polars}, default=str))


if __name__ == "__main__":
    main()
    # As read_delta.py: skip interpreter teardown, where native thread pools
    # can abort after the JSON is out.
    sys.stdout.flush()
    os._exit(0)
