"""The matrix layout read without genolake: the `deltalake` package and
Polars open a matrix table, and the README's Polars recipe turns rows into
(sampleId, calls) pairs equal to genolake's long view and to the Glow
table's genotypes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
from deltalake import DeltaTable

import genolake

from conftest import GLOW, cli_sql

# Diploid calls, multiallelic sites, FORMAT AD:DP:GQ:PL.
CEU_TRIO = GLOW / "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf"
# Many samples.
KG_SAMPLE = GLOW / "1kg_sample.vcf"


def header_samples(vcf: Path) -> list[str]:
    with open(vcf) as lines:
        for line in lines:
            if line.startswith("#CHROM"):
                return line.rstrip("\n").split("\t")[9:]
    raise AssertionError(f"{vcf} has no #CHROM line")


def ingest_both(tmp_path: Path, source: Path) -> tuple[str, str]:
    glow = str(tmp_path / "glow")
    matrix = str(tmp_path / "matrix")
    genolake.ingest(source, glow)
    genolake.ingest(source, matrix, layout="matrix")
    return glow, matrix


def recipe(path: str, ploidy: int = 2) -> pl.DataFrame:
    """The README's recipe, verbatim apart from the function around it."""
    samples = json.loads(DeltaTable(path).metadata().configuration["genolake.matrix.sampleIds"])
    n = len(samples)
    return (
        pl.read_delta(path)
        # Rows of this ploidy whose calls take one byte each (fewer than 128 alleles).
        .filter((pl.col("callsPloidy") == ploidy) & (pl.col("calls").bin.size() == n * ploidy))
        .select(
            "contigName",
            "start",
            sampleId=pl.lit(samples, dtype=pl.List(pl.String)),
            calls=pl.col("calls")
            .bin.reinterpret(dtype=pl.Array(pl.Int8, n * ploidy))
            .reshape((-1, n, ploidy)),
        )
        .explode("sampleId", "calls")
    )


def pairs(rows) -> list[tuple]:
    return sorted((r["contigName"], r["start"], r["sampleId"], list(r["calls"])) for r in rows)


def test_deltalake_reads_the_matrix_table_and_its_sample_list(tmp_path):
    glow, matrix = ingest_both(tmp_path, CEU_TRIO)
    table = DeltaTable(matrix)
    configuration = table.metadata().configuration
    assert configuration["genolake.layout"] == "matrix"
    samples = json.loads(configuration["genolake.matrix.sampleIds"])
    assert samples == header_samples(CEU_TRIO)
    assert configuration["genolake.matrix.sampleCount"] == str(len(samples))
    arrow = table.to_pyarrow_table()
    assert arrow.num_rows == DeltaTable(glow).to_pyarrow_table().num_rows > 0
    assert "genotypes" not in arrow.column_names
    for column in ("calls", "callsPloidy", "phased", "depth", "alleleDepths"):
        assert column in arrow.column_names
    # One depth per sample, in the sample list's order.
    assert all(len(d) == len(samples) for d in arrow.column("depth").to_pylist() if d is not None)

    # DuckDB, on the table's Arrow dataset.
    dataset = table.to_pyarrow_dataset()  # noqa: F841 (DuckDB finds it by name)
    [(rows, call_bytes)] = duckdb.sql("SELECT count(*), sum(octet_length(calls)) FROM dataset").fetchall()
    assert rows == arrow.num_rows
    assert call_bytes == sum(len(c) for c in arrow.column("calls").to_pylist() if c is not None) > 0


def test_the_polars_recipe_gives_genolakes_pairs_and_the_glow_tables(tmp_path):
    glow, matrix = ingest_both(tmp_path, KG_SAMPLE)
    from_recipe = pairs(recipe(matrix).to_dicts())
    samples = header_samples(KG_SAMPLE)
    assert len(samples) > 10
    assert len(from_recipe) == len(samples) * len(pl.read_delta(matrix))

    long = cli_sql(f"SELECT contigName, start, sampleId, calls FROM read_delta('{matrix}', 'layout', 'long')")
    assert from_recipe == pairs(long)

    # The Glow table, read by Polars alone.
    exploded = (
        pl.read_delta(glow)
        .select("contigName", "start", "genotypes")
        .explode("genotypes")
        .unnest("genotypes")
        .select("contigName", "start", "sampleId", "calls")
    )
    assert from_recipe == pairs(exploded.to_dicts())


def test_polars_reads_mixed_ploidy_and_a_sample_filter_reads_one_sample(tmp_path):
    # complex.16bits.bgen has haploid and diploid samples in one row.
    source = GLOW / "bgen" / "complex.16bits.bgen"
    glow, matrix = ingest_both(tmp_path, source)
    frame = pl.read_delta(matrix)
    assert set(frame["callsPloidy"].to_list()) >= {1, 2}
    one = cli_sql(
        f"SELECT start, sampleId, calls FROM read_delta('{matrix}', 'layout', 'long') "
        "WHERE sampleId = 'sample_0'"
    )
    glow_rows = cli_sql(f"SELECT start, genotypes FROM read_delta('{glow}')")
    expected = sorted(
        (r["start"], g["calls"]) for r in glow_rows for g in r["genotypes"] if g["sampleId"] == "sample_0"
    )
    assert sorted((r["start"], r["calls"]) for r in one) == expected
    assert len(expected) == len(frame)
