"""genolake: genomics files as Arrow tables, SQL and Delta Lake, from Python.

genolake reads VCF, BGEN and PLINK files into the variant table of
Databricks' Glow (``contigName``, ``start``, ``genotypes``, ``INFO_AF``, ...)
with Rust readers, runs DataFusion SQL over files and Delta tables, and
ingests files into Delta Lake. Every reader returns an :class:`ArrowStream`:
pyarrow, Polars and DuckDB take it without a copy (the Arrow PyCapsule
interface), and it decodes on every core as it is read.

Reader options are keyword arguments with Glow's names::

    import genolake

    calls = genolake.read_vcf("calls.vcf.gz", includeSampleIds=False)
    table = calls.to_arrow()                      # a pyarrow.Table
    frame = genolake.read_bgen("imputed.bgen", hardCallThreshold=0.95).to_polars()
    af = genolake.sql("SELECT contigName, start, INFO_AF FROM read_vcf('calls.vcf.gz')")
    genolake.ingest(["chr1.vcf.gz", "chr2.vcf.gz"], "/lake/variants", mode="append")

Spark runs the same readers on its executors after
``genolake.spark.register(spark)``: ``spark.read.format("vcf").load(path)``.

Errors raise :class:`GenolakeError`, whose message names the file and the
line or byte offset.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from os import PathLike, fspath
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence, Union

from genolake import _native
from genolake._native import GenolakeError

if TYPE_CHECKING:
    import pandas
    import polars
    import pyarrow

__all__ = [
    "ArrowStream",
    "GenolakeError",
    "IngestResult",
    "ingest",
    "read_bcf",
    "read_bgen",
    "read_delta",
    "read_plink",
    "read_vcf",
    "sql",
    "transform",
]

__version__ = _native.__version__

Paths = Union[str, PathLike, Sequence[Union[str, PathLike]]]


class ArrowStream:
    """Rows of a genolake read or query, as a stream of Arrow record batches.

    The stream is read once, by whichever consumer takes it first:
    ``pyarrow.table(stream)``, ``polars.from_arrow(stream)``, DuckDB's
    ``duckdb.sql("SELECT ... FROM stream")``, or the conveniences below.
    Batches are decoded as they are consumed, so a file larger than memory
    can be streamed through ``to_reader()``.
    """

    def __init__(self, native: _native.RecordBatchStream) -> None:
        self._native = native

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The Arrow PyCapsule stream interface."""
        return self._native.__arrow_c_stream__(requested_schema)

    def __arrow_c_schema__(self) -> Any:
        """The Arrow PyCapsule schema interface."""
        return self._native.__arrow_c_schema__()

    @property
    def schema(self) -> "pyarrow.Schema":
        """The Arrow schema of the rows (readable before the rows)."""
        import pyarrow as pa

        return pa.schema(self._native)

    def to_reader(self) -> "pyarrow.RecordBatchReader":
        """A ``pyarrow.RecordBatchReader`` over the batches, in bounded memory.

        An error met while reading surfaces from pyarrow as
        ``pyarrow.ArrowInvalid`` with genolake's message; iterating over the
        stream itself (``for batch in stream``) raises :class:`GenolakeError`.
        """
        import pyarrow as pa

        return pa.RecordBatchReader.from_stream(self)

    def __iter__(self) -> "Iterator[pyarrow.RecordBatch]":
        """The batches, one by one, as ``pyarrow.RecordBatch``."""
        reader = self.to_reader()
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except Exception as e:  # pyarrow carries genolake's error
                raise _genolake_error(e) from e
            yield batch

    def to_arrow(self) -> "pyarrow.Table":
        """All rows as a ``pyarrow.Table``."""
        try:
            return self.to_reader().read_all()
        except Exception as e:  # pyarrow carries genolake's error
            raise _genolake_error(e) from e

    def to_polars(self) -> "polars.DataFrame":
        """All rows as a ``polars.DataFrame``."""
        import polars as pl

        return pl.from_arrow(self.to_arrow())

    def to_pandas(self) -> "pandas.DataFrame":
        """All rows as a ``pandas.DataFrame`` (nested columns as Python objects)."""
        return self.to_arrow().to_pandas()

    def __repr__(self) -> str:
        return f"ArrowStream({', '.join(self.schema.names)})"


def _genolake_error(error: Exception) -> Exception:
    """genolake's error inside an error pyarrow raised while importing the
    stream (``pyarrow.ArrowInvalid: External error: <message>``)."""
    import pyarrow as pa

    if not isinstance(error, pa.ArrowException):
        return error
    message = str(error)
    prefix = "External error: "
    while message.startswith(prefix):
        message = message[len(prefix):]
    return GenolakeError(message)


def _paths(paths: Paths) -> list[str]:
    if isinstance(paths, (str, PathLike)):
        return [fspath(paths)]
    return [fspath(p) for p in paths]


def _option_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        # Regions may hold commas ("20:10,000,001-10,000,100"); ';' parts them.
        separator = ";" if name.lower() in ("region", "regions") else ","
        return separator.join(_option_value(name, v) for v in value)
    return fspath(value) if isinstance(value, PathLike) else str(value)


def _options(options: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name, _option_value(name, v)) for name, v in options.items() if v is not None]


def _read(format: str, paths: Paths, options: dict[str, Any]) -> ArrowStream:
    return ArrowStream(_native.read(format, _paths(paths), _options(options)))


def read_vcf(path: Paths, **options: Any) -> ArrowStream:
    """Reads VCF files (plain, gzip or BGZF) into Glow's variant table.

    ``path`` is a file, a directory of VCFs, a glob, or a list of them.
    Options take Glow's names: ``includeSampleIds``, ``flattenInfoFields``,
    ``validationStringency`` (``"strict"``, the default, ``"lenient"`` or
    ``"silent"``), and genolake's ``region`` (``"chr20:1-5000000"``, or a
    list of them, read through a .tbi/.csi index when one is beside the
    file), ``samples`` (a list of sample ids) and ``batchSize``.
    """
    return _read("vcf", path, options)


def read_bcf(path: Paths, **options: Any) -> ArrowStream:
    """Reads BCF 2.1/2.2 files (as bcftools writes them) into the table
    ``read_vcf`` gives for the same records, with ``read_vcf``'s options
    (``region`` reads through the ``.csi`` beside the file).
    """
    return _read("bcf", path, options)


def read_bgen(path: Paths, **options: Any) -> ArrowStream:
    """Reads BGEN 1.1–1.3 files into Glow's variant table.

    Options: ``sampleFilePath``, ``sampleIdColumn``, ``emitHardCalls``,
    ``hardCallThreshold``, ``includeSampleIds``, ``useBgenIndex``,
    ``region``, ``validationStringency``, ``batchSize``.
    """
    return _read("bgen", path, options)


def read_plink(path: Paths, **options: Any) -> ArrowStream:
    """Reads PLINK 1 filesets (a ``.bed``, or a prefix) into Glow's variant table.

    Options: ``famDelimiter``, ``bimDelimiter``, ``mergeFidIid``,
    ``includeSampleIds``, ``region``, ``samples``, ``validationStringency``,
    ``batchSize``.
    """
    return _read("plink", path, options)


def read_delta(
    path: Union[str, PathLike],
    versionAsOf: int | None = None,
    timestampAsOf: str | None = None,
) -> ArrowStream:
    """Reads a Delta table (its latest version, or one in its history)."""
    options = {"versionAsOf": versionAsOf, "timestampAsOf": timestampAsOf}
    return _read("delta", path, options)


def sql(query: str) -> ArrowStream:
    """Runs SQL statements separated by ``;`` and streams the last one's rows.

    The table functions ``read_vcf``, ``read_bcf``, ``read_bgen``, ``read_plink`` and
    ``read_delta`` and ``CREATE EXTERNAL TABLE ... STORED AS VCF`` work as
    in ``genolake sql``; Glow's camelCase names need no quotes.
    """
    return ArrowStream(_native.sql(query))


#: Glow's transformers that ``transform`` runs, by Glow's names.
TRANSFORMS = ("split_multiallelics", "normalize_variants", "lift_over_variants", "pipe")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def transform(name: str, source: Union[str, PathLike], **options: Any) -> ArrowStream:
    """Runs one of Glow's transformers, as ``glow.transform(name, df, **options)`` does,
    over a file genolake reads (VCF, BCF, BGEN, PLINK) or a Delta table's directory.

    ``name`` is ``split_multiallelics``, ``normalize_variants``
    (``reference_genome_path``, ``replace_columns``), ``lift_over_variants``
    (``chain_file``, ``reference_file``, ``min_match_ratio``) or ``pipe``
    (``cmd`` as a list of strings, ``input_formatter``, ``output_formatter``,
    ``in_vcf_header``, ``env_<NAME>`` and the formatters' options). Option
    names may be Glow's snake case or camel case. The same transforms are
    table functions in ``sql``: ``SELECT * FROM split_multiallelics('calls.vcf.gz')``.
    """
    if name not in TRANSFORMS:
        raise GenolakeError(f"unknown transform {name!r}; known: {', '.join(TRANSFORMS)}")
    args = [_sql_text(fspath(source))]
    for option, value in options.items():
        if value is None:
            continue
        if option == "cmd" and isinstance(value, (list, tuple)):
            value = json.dumps([str(v) for v in value])
        args += [_sql_text(option), _sql_text(_option_value(option, value))]
    return sql(f"SELECT * FROM {name}({', '.join(args)})")


@dataclass(frozen=True)
class IngestResult:
    """What an ingest committed (or why it committed nothing)."""

    #: The table's URL.
    table: str
    #: The table version committed (if skipped: the current one).
    version: int
    #: Whether the same inputs were already in the table, so nothing was written.
    skipped: bool
    #: Rows written.
    rows: int
    #: Data files written.
    files: int
    #: Bytes of the data files written.
    bytes: int
    #: The summary ``genolake ingest`` prints.
    summary: str
    #: Malformed records a lenient read skipped (a broken fixed column).
    skipped_records: int = 0
    #: Values a lenient read could not parse and wrote as null.
    nulled_values: int = 0


def ingest(
    paths: Paths,
    table: Union[str, PathLike],
    mode: str = "error",
    format: str | None = None,
    partition_by: Iterable[str] = (),
    allow_duplicates: bool = False,
    schema_mode: str = "merge",
    layout: str | None = None,
    **options: Any,
) -> IngestResult:
    """Ingests files of one format into a Delta table, in one commit.

    ``mode`` is ``"error"`` (the default: refuse an existing table),
    ``"append"`` or ``"overwrite"``; ``format`` is told by the file names
    unless given (``"vcf"``, ``"bcf"``, ``"bgen"``, ``"plink"``). Reader options take
    Glow's names as in :func:`read_vcf`. An ingest that fails commits
    nothing; re-ingesting the same files with the same options is skipped
    unless ``allow_duplicates``. Files whose headers differ are written with
    the union of their columns; an append adds new columns to the table
    (``schema_mode="merge"``, the default) or refuses them (``"keep"``).
    A column whose types conflict raises, naming both files.

    ``layout="matrix"`` stores the sample ids once, in the table's
    configuration, and the genotypes as per-variant arrays (see the README's
    "Matrix layout"); ``"glow"`` is Glow's schema. The default is an
    existing table's layout, and Glow's for a new table.
    """
    result = _native.ingest(
        _paths(paths),
        fspath(table),
        mode=mode,
        format=format,
        partition_by=list(partition_by),
        allow_duplicates=allow_duplicates,
        schema_mode=schema_mode,
        layout=layout,
        options=_options(options),
    )
    return IngestResult(**result)
