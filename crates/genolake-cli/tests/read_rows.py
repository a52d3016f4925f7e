"""Reads a Delta table with the Python `deltalake` package and with Polars
(two readers independent of genolake) and prints, as one JSON object, its
version, its number of active files and each reader's rows (each row as
JSON with sorted keys, the rows sorted), for tests to compare.

usage: read_rows.py TABLE
"""
import json
import os
import sys

import polars as pl
from deltalake import DeltaTable


def canonical(rows):
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)


def main():
    table = DeltaTable(sys.argv[1])
    print(
        json.dumps(
            {
                "version": table.version(),
                "files": len(table.file_uris()),
                "deltalake": canonical(table.to_pyarrow_table().to_pylist()),
                "polars": canonical(pl.read_delta(sys.argv[1]).to_dicts()),
            }
        )
    )


if __name__ == "__main__":
    main()
    # Skip interpreter teardown (native thread pools can abort there).
    sys.stdout.flush()
    os._exit(0)
