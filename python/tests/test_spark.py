"""The Spark data sources on a local cluster: executors in their own JVMs and
Python workers, so splits, batches and errors really cross processes.

Spark needs Java 17 or later; `.ci/run` installs it. The results are
compared with `genolake sql` on the same files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import genolake
from conftest import GLOW, VCF_DATA, cli_sql

pyspark = pytest.importorskip("pyspark")

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

import genolake.spark  # noqa: E402

TRIO = GLOW / "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf"
COMBINED = GLOW / "combined.chr20_18210071_18210093.g.vcf"
BCF = VCF_DATA / "VCFv4.3.bcf"
BGEN = GLOW / "bgen" / "example.16bits.bgen"
PLINK = GLOW / "plink" / "five-samples-five-variants" / "bed-bim-fam" / "test"


@pytest.fixture(scope="module")
def spark():
    # Two executors of one core each, started by Spark as separate JVMs
    # (local-cluster), with Python workers running this interpreter and
    # finding the package where the driver does. The Python workers Spark
    # starts for the driver (planning the data source) read the environment.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local-cluster[2,1,1024]")
        .appName("genolake-tests")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.executorEnv.PYTHONPATH", os.environ.get("PYTHONPATH", ""))
        .config("spark.sql.python.filterPushdown.enabled", "true")
        .config("spark.task.maxFailures", "1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    genolake.spark.register(session)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def large_plink(tmp_path_factory) -> Path:
    """A PLINK fileset of 24 MB (three splits of at least 8 MB), from plink2."""
    if shutil.which("plink2") is None:
        pytest.fail("plink2 is missing (apt-get install plink2)")
    prefix = tmp_path_factory.mktemp("plink") / "dummy"
    subprocess.run(
        ["plink2", "--dummy", "400", "240000", "0.01", "--make-bed", "--out", str(prefix),
         "--threads", "2", "--silent"],
        check=True,
    )
    return prefix


@pytest.mark.parametrize(
    "format, path, options, source",
    [
        ("vcf", TRIO, {}, f"read_vcf('{TRIO}')"),
        ("bcf", BCF, {}, f"read_bcf('{BCF}')"),
        ("bgen", BGEN, {}, f"read_bgen('{BGEN}')"),
        ("plink", PLINK, {"mergeFidIid": "false"}, f"read_plink('{PLINK}', 'mergeFidIid', 'false')"),
    ],
)
def test_count_and_genotypes_match_genolake_sql(spark, format, path, options, source):
    df = spark.read.format(format).options(**options).load(str(path))
    expected = cli_sql(
        f"SELECT count(*) AS n, sum(cardinality(genotypes)) AS g FROM {source}"
    )[0]
    assert df.count() == expected["n"]
    genotypes = df.select(F.sum(F.size("genotypes")).alias("g")).first()["g"]
    assert genotypes == expected["g"]


def test_group_by_exploded_genotypes_and_a_clinical_join_match_genolake_sql(spark, tmp_path):
    df = spark.read.format("vcf").load(str(COMBINED))
    calls = df.select("contigName", F.explode("genotypes").alias("g")).select(
        F.col("g.sampleId").alias("sampleId"), F.col("g.calls").alias("calls")
    )
    per_sample = {
        r["sampleId"]: r["n"]
        for r in calls.where(F.array_contains("calls", 1)).groupBy("sampleId")
        .agg(F.count("*").alias("n")).collect()
    }
    expected = cli_sql(
        "SELECT g['sampleId'] AS \"sampleId\", count(*) AS n "
        f"FROM (SELECT unnest(genotypes) AS g FROM read_vcf('{COMBINED}')) "
        "WHERE array_has(g['calls'], 1) GROUP BY g['sampleId']"
    )
    assert per_sample == {r["sampleId"]: r["n"] for r in expected}
    assert len(per_sample) >= 2

    clinical = spark.createDataFrame(
        [("HG00096", "case"), ("HG00268", "control"), ("NA19625", "control")],
        "sampleId string, status string",
    )
    by_status = {
        r["status"]: r["n"]
        for r in calls.where(F.array_contains("calls", 1)).join(clinical, "sampleId")
        .groupBy("status").agg(F.count("*").alias("n")).collect()
    }
    assert by_status == {
        "case": per_sample["HG00096"],
        "control": per_sample["HG00268"] + per_sample.get("NA19625", 0),
    }


def test_each_split_is_one_partition_and_partitions_cross_processes(spark, large_plink):
    bed = f"{large_plink}.bed"
    _, splits = genolake._native.plan_splits("plink", [bed], [], 8)
    assert len(splits) == 3
    df = spark.read.format("plink").option("splits", "8").load(bed)
    assert df.rdd.getNumPartitions() == 3
    # Without the option, as many as the cluster has cores (two here).
    cores = spark.sparkContext.defaultParallelism
    assert cores == 2
    assert spark.read.format("plink").load(bed).rdd.getNumPartitions() == cores
    expected = cli_sql(
        f"SELECT count(*) AS n, sum(cardinality(genotypes)) AS g FROM read_plink('{bed}')"
    )[0]
    row = df.select(F.count("*").alias("n"), F.sum(F.size("genotypes")).alias("g")).first()
    assert (row["n"], row["g"]) == (expected["n"], expected["g"]) == (240000, 96000000)
    # Rows of different partitions were decoded by different worker processes.
    pids = (
        df.select(F.spark_partition_id().alias("p"))
        .rdd.mapPartitions(lambda rows: [(os.getpid(), sum(1 for _ in rows))])
        .collect()
    )
    assert len({pid for pid, _ in pids}) >= 2


def test_directories_and_globs_read_every_file(spark, tmp_path):
    for name in ("a.vcf", "b.vcf"):
        shutil.copy(TRIO, tmp_path / name)
    assert spark.read.format("vcf").load(str(tmp_path)).count() == 2 * 1075
    assert spark.read.format("vcf").load(str(tmp_path / "a.*")).count() == 1075
    both = spark.read.format("vcf").load([str(tmp_path / "a.vcf"), str(tmp_path / "b.vcf")])
    assert both.count() == 2 * 1075


def test_filters_on_contig_and_start_narrow_the_read_and_keep_exact_rows(spark):
    path = GLOW / "tabix-test-vcf" / "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz"
    df = spark.read.format("vcf").option("includeSampleIds", "false").load(str(path))
    rows = (
        df.where((F.col("contigName") == "20") & (F.col("start") >= 10000000)
                 & (F.col("start") < 10100000))
        .select("start").orderBy("start").collect()
    )
    expected = cli_sql(
        f"SELECT start FROM read_vcf('{path}') WHERE \"contigName\" = '20' "
        "AND start >= 10000000 AND start < 10100000 ORDER BY start"
    )
    assert [r["start"] for r in rows] == [r["start"] for r in expected]
    assert len(rows) > 0


def test_without_the_pushdown_setting_reads_work_and_spark_filters(spark):
    # Spark refuses a reader that takes filters unless the setting is on:
    # registered without it, the sources read everything.
    spark.conf.set("spark.sql.python.filterPushdown.enabled", "false")
    try:
        genolake.spark.register(spark)
        df = spark.read.format("vcf").load(str(TRIO))
        assert df.where((F.col("contigName") == "21") & (F.col("start") < 9500000)).count() == (
            cli_sql(f"SELECT count(*) AS n FROM read_vcf('{TRIO}') "
                    "WHERE \"contigName\" = '21' AND start < 9500000")[0]["n"]
        )
    finally:
        spark.conf.set("spark.sql.python.filterPushdown.enabled", "true")
        genolake.spark.register(spark)


def test_an_error_on_an_executor_reaches_the_driver_with_genolakes_message(spark):
    path = VCF_DATA / "gatk_integer_decimals.vcf"
    df = spark.read.format("vcf").load(str(path))
    with pytest.raises(Exception) as error:
        df.count()
    assert f"{path}: line 21: INFO GC" in str(error.value)
    # Lenient reads every record, as genolake does.
    lenient = spark.read.format("vcf").option("validationStringency", "lenient").load(str(path))
    assert lenient.count() == 60


def test_the_schema_is_glows(spark):
    df = spark.read.format("vcf").load(str(TRIO))
    names = df.schema.names
    assert names[:9] == [
        "contigName", "start", "end", "names", "referenceAllele", "alternateAlleles",
        "qual", "filters", "splitFromMultiAllelic",
    ]
    genotype = df.schema["genotypes"].dataType.elementType
    assert genotype["sampleId"].dataType.simpleString() == "string"
    assert genotype["calls"].dataType.simpleString() == "array<int>"
    assert df.schema["start"].dataType.simpleString() == "bigint"
    no_ids = spark.read.format("vcf").option("includeSampleIds", "false").load(str(TRIO))
    assert "sampleId" not in no_ids.schema["genotypes"].dataType.elementType.names


def test_filters_become_regions_holding_every_row_they_select():
    from pyspark.sql.datasource import (
        EqualTo, GreaterThan, GreaterThanOrEqual, In, IsNotNull, LessThan, LessThanOrEqual,
    )

    from genolake.spark import _regions

    contig = EqualTo(("contigName",), "20")
    # `start` is 0-based, regions 1-based and inclusive.
    assert _regions([IsNotNull(("contigName",)), contig,
                     GreaterThanOrEqual(("start",), 100), LessThan(("start",), 200)]) == ["20:101-200"]
    assert _regions([contig, GreaterThan(("start",), 100), LessThanOrEqual(("start",), 200)]) == [
        "20:102-201"
    ]
    # A row overlapping [lo, ...] may start before lo: `end` bounds keep it.
    assert _regions([contig, GreaterThanOrEqual(("end",), 150)]) == ["20:150-"]
    assert _regions([In(("contigName",), ("1", "2"))]) == ["1", "2"]
    # No contig named: no region, every row is read.
    assert _regions([GreaterThanOrEqual(("start",), 100)]) == []
