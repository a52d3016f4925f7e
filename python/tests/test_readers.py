"""The Python readers against the CLI's `genolake sql`, and their consumers."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

import genolake
from conftest import GLOW, VCF_DATA, cli_sql

# (reader, path, options, the same read in SQL)
READS = [
    (
        genolake.read_vcf,
        GLOW / "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf",
        {},
        "read_vcf('{p}')",
    ),
    (
        genolake.read_vcf,
        GLOW / "tabix-test-vcf" / "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz",
        {"includeSampleIds": False, "region": ["20:10000000-10100000", "21"]},
        "read_vcf('{p}', 'includeSampleIds', 'false', 'region', '20:10000000-10100000;21')",
    ),
    (
        genolake.read_bcf,
        VCF_DATA / "VCFv4.3.bcf",
        {"samples": ["NA00003", "NA00001"]},
        "read_bcf('{p}', 'samples', 'NA00003,NA00001')",
    ),
    (
        genolake.read_bgen,
        GLOW / "bgen" / "example.16bits.bgen",
        {"hardCallThreshold": 0.8},
        "read_bgen('{p}', 'hardCallThreshold', 0.8)",
    ),
    (
        genolake.read_plink,
        GLOW / "plink" / "five-samples-five-variants" / "bed-bim-fam" / "test",
        {"mergeFidIid": False},
        "read_plink('{p}', 'mergeFidIid', 'false')",
    ),
]

# Columns compared, as the CLI prints them in JSON.
COLUMNS = "contigName, start, \"end\", names, referenceAllele, alternateAlleles, genotypes"


def without_nulls(value):
    """A row as the CLI's JSON writes it: struct fields that are null left out."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def canonical(rows: list[dict]) -> list[str]:
    """Rows as JSON text, in the order given (both sides keep file order)."""
    return [json.dumps(without_nulls(r), sort_keys=True) for r in rows]


@pytest.mark.parametrize("reader, path, options, table", READS)
def test_readers_return_the_rows_of_genolake_sql(reader, path, options, table):
    ours = reader(path, **options).to_arrow()
    source = table.format(p=path)
    theirs = cli_sql(f"SELECT {COLUMNS} FROM {source}")
    assert ours.num_rows == len(theirs) > 0
    # Through the same SQL, from Python: identical JSON rows.
    mine = genolake.sql(f"SELECT {COLUMNS} FROM {source}").to_arrow()
    assert canonical(mine.to_pylist()) == canonical(theirs)
    # And the reader's table holds those rows.
    projected = ours.select([c.strip().strip('"') for c in COLUMNS.split(",")])
    assert projected.to_pylist() == mine.to_pylist()


def test_polars_and_duckdb_take_the_stream():
    polars = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    path = GLOW / "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf"
    frame = polars.from_arrow(pa.table(genolake.read_vcf(path)))
    assert frame.height == 1075 and frame.columns[0] == "contigName"
    assert genolake.read_vcf(path).to_polars().height == 1075
    stream = genolake.read_vcf(path)
    counts = duckdb.sql(
        "SELECT contigName, count(*) AS n FROM stream GROUP BY contigName ORDER BY contigName"
    ).fetchall()
    assert counts == [("20", 491), ("21", 584)]
    assert genolake.read_vcf(path).to_pandas().shape[0] == 1075


def test_a_stream_is_read_once_and_has_a_schema_first():
    stream = genolake.read_vcf(GLOW / "NA12878_21_10002403.vcf")
    assert stream.schema.names[:3] == ["contigName", "start", "end"]
    assert sum(b.num_rows for b in stream) == 4
    with pytest.raises(genolake.GenolakeError, match="read already"):
        stream.to_arrow()


def test_a_malformed_file_raises_naming_file_and_line():
    path = VCF_DATA / "gatk_integer_decimals.vcf"
    with pytest.raises(genolake.GenolakeError) as error:
        genolake.read_vcf(path).to_arrow()
    assert f"{path}: line 21: INFO GC" in str(error.value)
    # Lenient keeps every record.
    assert genolake.read_vcf(path, validationStringency="lenient").to_arrow().num_rows == 60
    with pytest.raises(genolake.GenolakeError, match="no such.*|cannot be opened"):
        genolake.read_vcf("/nonexistent/x.vcf")
    with pytest.raises(genolake.GenolakeError, match="hardCallThreshold"):
        genolake.read_bgen(GLOW / "bgen" / "example.16bits.bgen", hardCallThreshold=2)


def test_sql_runs_statements_and_joins_clinical_data(tmp_path: Path):
    clinical = tmp_path / "clinical.csv"
    clinical.write_text("sampleId,status\nHG00096,case\nHG00268,control\nNA19625,control\n")
    vcf = GLOW / "combined.chr20_18210071_18210093.g.vcf"
    query = (
        f"CREATE EXTERNAL TABLE clinical STORED AS CSV LOCATION '{clinical}' "
        "OPTIONS ('format.has_header' 'true'); "
        "SELECT c.status, count(*) AS carriers "
        f"FROM (SELECT unnest(genotypes) AS g FROM read_vcf('{vcf}')) v "
        "JOIN clinical c ON v.g['sampleId'] = c.sampleId "
        "WHERE array_has(v.g['calls'], 1) GROUP BY c.status ORDER BY c.status"
    )
    ours = genolake.sql(query).to_arrow().to_pylist()
    assert ours == cli_sql(query)
    assert [r["status"] for r in ours] == ["case", "control"]
