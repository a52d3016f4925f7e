"""Shared fixtures: the repository's test data and the genolake binary."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GLOW = ROOT / "testdata" / "glow"
VCF_DATA = ROOT / "crates" / "genolake-vcf" / "tests" / "data"


def genolake_binary() -> Path:
    """The `genolake` CLI built beside the extension (GENOLAKE_BIN overrides)."""
    if "GENOLAKE_BIN" in os.environ:
        return Path(os.environ["GENOLAKE_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/genolake/target"))
    return target / "release" / "genolake"


def cli_sql(query: str) -> list[dict]:
    """Rows of `genolake sql QUERY --format json`: the CLI is the reference."""
    out = subprocess.run(
        [str(genolake_binary()), "sql", query, "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def glow() -> Path:
    return GLOW
