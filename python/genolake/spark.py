"""Spark data sources ``vcf``, ``bcf``, ``bgen`` and ``plink`` on genolake's readers.

After ``genolake.spark.register(spark)``, a Glow notebook's reading cell runs
unchanged on genolake's Rust readers::

    import genolake.spark
    genolake.spark.register(spark)
    df = (spark.read.format("vcf")
          .option("includeSampleIds", "false")
          .load("/data/cohort/*.vcf.gz"))

The driver reads the files' headers and cuts each file into splits: a path
and a range (BGZF blocks or bytes of a VCF or BGEN, variants of a PLINK
fileset). Each split is one Spark input partition; an executor decodes its
split with genolake into Arrow batches, which Spark takes without a Python
loop per row. The schema and options are Glow's (``includeSampleIds``,
``flattenInfoFields``, ``validationStringency``, ``sampleFilePath``,
``hardCallThreshold``, ``mergeFidIid``, ...), with genolake's one change:
the default stringency is strict. The option ``splits`` sets the most
splits per file (default: Spark's default parallelism; a split is never
smaller than a few MB). On Spark 4.1 and later, when
``spark.sql.python.filterPushdown.enabled`` is set before ``register``,
filters on ``contigName`` together with ``start`` or ``end`` narrow the read
to that region, through the file's index when there is one; without it the
sources read everything and Spark filters.

Executors need the ``genolake`` package importable in their Python (the
same wheel, or ``PYTHONPATH``), as any Python data source does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from pyspark.sql.datasource import (
    DataSource,
    DataSourceReader,
    InputPartition,
)
from pyspark.sql.types import StructType

from genolake import _native

__all__ = [
    "register",
    "VcfDataSource",
    "BcfDataSource",
    "BgenDataSource",
    "PlinkDataSource",
    "GenomicsReader",
    "FilteringReader",
]

_PUSHDOWN = "spark.sql.python.filterPushdown.enabled"

# Options that Spark itself sets and genolake's readers do not take.
_SPARK_KEYS = {"path", "paths", "splits"}


def register(spark: Any, splits: int | None = None) -> None:
    """Registers the ``vcf``, ``bgen`` and ``plink`` data sources with ``spark``.

    ``splits`` is the most splits a file is cut into when a read does not
    set the ``splits`` option (default: the session's default parallelism,
    so one large file keeps every core busy).
    """
    default = splits or spark.sparkContext.defaultParallelism
    # Spark refuses a reader with pushFilters unless this is on; on, filters
    # on contigName/start/end become regions.
    pushdown = spark.conf.get(_PUSHDOWN, "false").lower() == "true"
    reader = FilteringReader if pushdown else GenomicsReader
    for source in (VcfDataSource, BcfDataSource, BgenDataSource, PlinkDataSource):
        # Spark plans a data source in Python workers, which have no session
        # to ask: the settings travel in a subclass made here, which
        # cloudpickle ships by value.
        attributes = {"default_splits": max(1, int(default)), "reader_class": reader}
        spark.dataSource.register(type(source.__name__, (source,), attributes))


@dataclass(frozen=True)
class Split(InputPartition):
    """One input partition: the records of ``path`` that start in ``[start, end)``."""

    path: str
    start: int
    end: int


def _paths(options: dict[str, str]) -> list[str]:
    if "paths" in options:
        paths = json.loads(options["paths"])
        if paths:
            return list(paths)
    if "path" in options:
        return [options["path"]]
    raise ValueError("no path given: spark.read.format(...).load(path)")


def _reader_options(options: dict[str, str]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in options.items() if k.lower() not in _SPARK_KEYS]


class _GenomicsDataSource(DataSource):
    """A genomics format read by genolake; subclasses name the format."""

    format = ""
    #: The most splits per file when the read sets no ``splits`` option.
    default_splits = 1
    #: The reader class :func:`register` chose: with filter pushdown when
    #: the session allows it.
    reader_class: type | None = None

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        self._plan: tuple[Any, list[tuple[str, int, int]]] | None = None

    @classmethod
    def name(cls) -> str:
        return cls.format

    def _planned(self) -> tuple[Any, list[tuple[str, int, int]]]:
        """The files' schema (a ``pyarrow.Schema``) and splits, planned once.

        Spark pickles the data source between its planning steps, so the
        plan is kept as plain, picklable values.
        """
        if self._plan is None:
            import pyarrow as pa

            options = dict(self.options)
            target = int(options.get("splits", 0)) or self.default_splits
            schema, splits = _native.plan_splits(
                self.format, _paths(options), _reader_options(options), target
            )
            self._plan = (pa.schema(schema), splits)
        return self._plan

    def schema(self) -> StructType:
        from pyspark.sql.pandas.types import from_arrow_schema

        schema, _ = self._planned()
        return from_arrow_schema(schema)

    def reader(self, schema: StructType) -> "GenomicsReader":
        _, splits = self._planned()
        return (self.reader_class or GenomicsReader)(
            self.format, _reader_options(dict(self.options)), [Split(*s) for s in splits]
        )


class VcfDataSource(_GenomicsDataSource):
    """``spark.read.format("vcf")``: VCF files, plain, gzip or BGZF."""

    format = "vcf"


class BcfDataSource(_GenomicsDataSource):
    """``spark.read.format("bcf")``: BCF 2.1/2.2 files, in the VCF table."""

    format = "bcf"


class BgenDataSource(_GenomicsDataSource):
    """``spark.read.format("bgen")``: BGEN 1.1–1.3 files."""

    format = "bgen"


class PlinkDataSource(_GenomicsDataSource):
    """``spark.read.format("plink")``: PLINK 1 filesets, by ``.bed`` or prefix."""

    format = "plink"


class GenomicsReader(DataSourceReader):
    """Decodes the splits planned on the driver, one per partition."""

    def __init__(
        self, format: str, options: list[tuple[str, str]], splits: list[Split]
    ) -> None:
        self.format = format
        self.options = options
        self.splits = splits
        self.regions: list[str] = []

    def partitions(self) -> Sequence[InputPartition]:
        return self.splits

    def read(self, partition: Split) -> Iterator[Any]:
        import pyarrow as pa

        stream = _native.read_split(
            self.format,
            partition.path,
            partition.start,
            partition.end,
            self.options,
            self.regions,
        )
        yield from pa.RecordBatchReader.from_stream(stream)


class FilteringReader(GenomicsReader):
    """A :class:`GenomicsReader` that turns filters into regions (the
    session must set ``spark.sql.python.filterPushdown.enabled``)."""

    def pushFilters(self, filters: list[Any]) -> Iterator[Any]:
        """Narrows the read to regions from filters on ``contigName`` and
        ``start``/``end``. Every filter is still returned, for Spark to
        apply exactly: a region is a superset of the rows it selects."""
        self.regions = _regions(filters)
        yield from filters


def _regions(filters: list[Any]) -> list[str]:
    """Regions (1-based, ``contig:lo-hi``) holding every row the filters
    (ANDed) can select, or none when they do not name a contig."""
    from pyspark.sql.datasource import (
        EqualTo,
        GreaterThan,
        GreaterThanOrEqual,
        In,
        LessThan,
        LessThanOrEqual,
    )

    contigs: list[str] = []
    lo, hi = 1, None
    for f in filters:
        column = getattr(f, "attribute", ())
        if column == ("contigName",):
            if isinstance(f, EqualTo) and isinstance(f.value, str):
                contigs = [f.value]
            elif isinstance(f, In) and all(isinstance(v, str) for v in f.value):
                contigs = list(f.value)
        elif column in (("start",), ("end",)) and isinstance(getattr(f, "value", None), int):
            # `start` is 0-based; a row overlaps 1-based position p when
            # start < p and end >= p. Bounds keep every row that may pass.
            v = f.value
            if column == ("start",):
                if isinstance(f, (LessThan, LessThanOrEqual, EqualTo)):
                    bound = v if isinstance(f, LessThan) else v + 1
                    hi = bound if hi is None else min(hi, bound)
                if isinstance(f, (GreaterThan, GreaterThanOrEqual, EqualTo)):
                    lo = max(lo, v + 2 if isinstance(f, GreaterThan) else v + 1)
            else:
                if isinstance(f, (GreaterThan, GreaterThanOrEqual)):
                    lo = max(lo, v + 1 if isinstance(f, GreaterThan) else v)
                elif isinstance(f, EqualTo):
                    lo = max(lo, v)
    if hi is not None and hi < lo:
        hi = lo
    span = f":{lo}-{hi}" if hi is not None else (f":{lo}-" if lo > 1 else "")
    return [c + span for c in contigs]
