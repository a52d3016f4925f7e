"""Helpers of the withdrawal tests, on the Python `deltalake` package and
Polars (two readers independent of genolake).

usage:
  withdraw_tables.py write-clinical CSV TABLE   write the CSV as a Delta table
  withdraw_tables.py samples TABLE              the samples each reader sees
  withdraw_tables.py version TABLE VERSION      read an older version

`samples` prints {"deltalake": S, "polars": S}, S = {"version", "rows",
"sampleIds" (sorted, distinct), "perRow" (genotypes per row, sorted by
start)}: for a Glow table the ids of `genotypes`, for a matrix table those
of its configuration and the samples per row from the bytes of `calls`
(`len / callsPloidy`, one byte per slot at these sites), for a table keyed
by sampleId its `sampleId` column.
"""
import json
import os
import sys

import polars as pl
import pyarrow.csv
from deltalake import DeltaTable, write_deltalake


def summarise(rows, configuration, version):
    ids = set()
    per_row = []
    rows = sorted(rows, key=lambda r: (r.get("start") or 0))
    matrix = configuration.get("genolake.layout") == "matrix"
    for r in rows:
        if "genotypes" in r:
            genotypes = r["genotypes"] or []
            ids.update(g["sampleId"] for g in genotypes)
            per_row.append(len(genotypes))
        elif matrix:
            per_row.append(len(r["calls"]) // r["callsPloidy"])
        elif "sampleId" in r:
            ids.add(r["sampleId"])
    if matrix:
        ids.update(json.loads(configuration["genolake.matrix.sampleIds"]))
    return {
        "version": version,
        "rows": len(rows),
        "sampleIds": sorted(ids),
        "perRow": per_row,
    }


def main():
    command, table = sys.argv[1], sys.argv[2]
    if command == "write-clinical":
        write_deltalake(sys.argv[3], pyarrow.csv.read_csv(table))
        print("{}")
    elif command == "samples":
        dt = DeltaTable(table)
        configuration = dt.metadata().configuration
        from_deltalake = summarise(dt.to_pyarrow_table().to_pylist(), configuration, dt.version())
        from_polars = summarise(pl.read_delta(table).to_dicts(), configuration, dt.version())
        print(json.dumps({"deltalake": from_deltalake, "polars": from_polars}))
    elif command == "version":
        try:
            rows = DeltaTable(table, version=int(sys.argv[3])).to_pyarrow_table().num_rows
            print(json.dumps({"rows": rows}))
        except Exception as e:  # noqa: BLE001 - the test reads the message
            print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
    # As read_delta.py: skip interpreter teardown, where native thread pools
    # can abort after the JSON is out.
    sys.stdout.flush()
    os._exit(0)
