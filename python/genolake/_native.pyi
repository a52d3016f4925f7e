"""Type stubs of the native module (crates/genolake-py)."""

from typing import Any

__version__: str

class GenolakeError(Exception):
    """An error of genolake: its message names the file and the line or byte offset."""

class RecordBatchStream:
    """Arrow record batches, read once through the Arrow PyCapsule interface."""

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any: ...
    def __arrow_c_schema__(self) -> Any: ...

class Schema:
    """An Arrow schema (``pyarrow.schema(obj)`` takes it)."""

    def __arrow_c_schema__(self) -> Any: ...

def read(
    format: str, paths: list[str], options: list[tuple[str, str]] = ...
) -> RecordBatchStream:
    """Reads files of a format (vcf, bgen, plink) or a Delta table (delta)."""

def sql(query: str) -> RecordBatchStream:
    """Runs statements separated by ';' and returns the last one's rows."""

def ingest(
    paths: list[str],
    table: str,
    mode: str = ...,
    format: str | None = ...,
    partition_by: list[str] = ...,
    allow_duplicates: bool = ...,
    schema_mode: str = ...,
    layout: str | None = ...,
    options: list[tuple[str, str]] = ...,
) -> dict[str, Any]:
    """Ingests files into a Delta table in one commit."""

def plan_splits(
    format: str, paths: list[str], options: list[tuple[str, str]] = ..., target: int = ...
) -> tuple[Schema, list[tuple[str, int, int]]]:
    """Expands paths, reads their schema and cuts each file into at most `target` splits."""

def read_split(
    format: str,
    path: str,
    start: int,
    end: int,
    options: list[tuple[str, str]] = ...,
    regions: list[str] = ...,
) -> RecordBatchStream:
    """Decodes the records of one split."""
