"""Reads a Delta table with the Python `deltalake` package (an independent
reader) and prints what the Rust tests compare, as one JSON object.

usage: read_delta.py TABLE [APP_ID ...]
"""
import json
import os
import sys

from deltalake import DeltaTable


def genotype(g):
    return {
        "sampleId": g.get("sampleId"),
        "phased": g.get("phased"),
        "calls": g.get("calls"),
    }


def row(r):
    genotypes = r.get("genotypes")
    return {
        "contigName": r.get("contigName"),
        "start": r.get("start"),
        "end": r.get("end"),
        "referenceAllele": r.get("referenceAllele"),
        "alternateAlleles": r.get("alternateAlleles"),
        "genotypes": None if genotypes is None else [genotype(g) for g in genotypes],
    }


def main():
    table = DeltaTable(sys.argv[1])
    data = table.to_pyarrow_table()
    print(
        json.dumps(
            {
                "version": table.version(),
                "num_rows": data.num_rows,
                "columns": data.column_names,
                "types": {f.name: str(f.type) for f in data.schema},
                "partition_columns": table.metadata().partition_columns,
                "files": len(table.file_uris()),
                "rows": [row(r) for r in data.to_pylist()],
                "history": table.history(),
                "transactions": {
                    app_id: table.transaction_version(app_id) for app_id in sys.argv[2:]
                },
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
    # Skip interpreter teardown: pyarrow's and deltalake's native thread pools
    # can abort there ("terminate called without an active exception") after
    # the JSON is out, which would fail a test whose read succeeded.
    sys.stdout.flush()
    os._exit(0)
