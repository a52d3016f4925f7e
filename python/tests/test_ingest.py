"""`genolake.ingest` into Delta, read back by `deltalake`, Polars and genolake."""

from __future__ import annotations

from pathlib import Path

import pytest

import genolake
import re
import subprocess

from conftest import GLOW, VCF_DATA, cli_sql, genolake_binary

TRIO = GLOW / "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf"
# Another header: other INFO and FORMAT keys, other samples.
COMBINED = GLOW / "combined.chr20_18210071_18210093.g.vcf"


def test_ingest_then_deltalake_polars_and_genolake_read_the_table(tmp_path: Path):
    deltalake = pytest.importorskip("deltalake")
    polars = pytest.importorskip("polars")
    table = tmp_path / "variants"
    first = genolake.ingest(TRIO, table)
    assert (first.version, first.rows, first.skipped) == (0, 1075, False)
    assert first.files >= 1 and first.bytes > 0
    assert first.summary.startswith("wrote 1075 rows")
    # Another file, other header: appended with the union of the columns.
    second = genolake.ingest([COMBINED], table, mode="append")
    assert (second.version, second.rows) == (1, 23)

    delta = deltalake.DeltaTable(str(table))
    assert delta.version() == 1
    arrow = delta.to_pyarrow_table()
    trio_columns = set(genolake.read_vcf(TRIO).schema.names)
    combined_columns = set(genolake.read_vcf(COMBINED).schema.names)
    assert set(arrow.column_names) == trio_columns | combined_columns
    assert arrow.num_rows == 1098
    frame = polars.read_delta(str(table))
    assert frame.height == 1098
    ours = genolake.read_delta(table).to_arrow()
    assert ours.num_rows == 1098
    assert cli_sql(f"SELECT count(*) AS n FROM read_delta('{table}')") == [{"n": 1098}]
    # Time travel reaches the first commit.
    assert genolake.read_delta(table, versionAsOf=0).to_arrow().num_rows == 1075

    # The same inputs again: skipped, nothing written.
    again = genolake.ingest([COMBINED], table, mode="append")
    assert again.skipped and again.version == 1
    assert "already ingested" in again.summary


def test_ingest_refuses_an_existing_table_and_a_bad_file_commits_nothing(tmp_path: Path):
    table = tmp_path / "t"
    genolake.ingest(TRIO, table)
    with pytest.raises(genolake.GenolakeError, match="already exists"):
        genolake.ingest(TRIO, table)
    decimals = VCF_DATA / "gatk_integer_decimals.vcf"
    with pytest.raises(genolake.GenolakeError, match=f"{decimals}: line 21"):
        genolake.ingest(decimals, table, mode="append")
    assert genolake.read_delta(table).to_arrow().num_rows == 1075
    with pytest.raises(genolake.GenolakeError, match="mode"):
        genolake.ingest(TRIO, table, mode="sideways")
    with pytest.raises(genolake.GenolakeError, match="name the format"):
        genolake.ingest(tmp_path, tmp_path / "u")


def test_lenient_ingest_reports_values_read_as_null(tmp_path: Path):
    decimals = VCF_DATA / "gatk_integer_decimals.vcf"
    result = genolake.ingest(
        decimals, tmp_path / "t", validationStringency="lenient", includeSampleIds=False
    )
    # The CLI counts the same values read as null (INFO GC and FORMAT AB).
    count = subprocess.run(
        [str(genolake_binary()), "count", str(decimals), "--stringency", "lenient"],
        check=True, capture_output=True, text=True,
    ).stdout
    nulled = int(re.search(r"(\d+) values read as null", count).group(1))
    assert (result.rows, result.skipped_records, result.nulled_values) == (60, 0, nulled)
    assert nulled > 60
    gc = genolake.read_delta(tmp_path / "t").to_arrow().column("INFO_GC")
    assert gc.null_count == 60
