#!/usr/bin/env bash
# Runs the Python package's tests (python/tests) against the workspace build:
# builds the extension module and the CLI (reusing every dependency
# `cargo test --release --workspace` compiled), stages the package with
# scripts/python-dev.sh, and runs pytest, Spark tests included.
#
#   scripts/test-python.sh [PYTEST_ARGS ...]
#
#   GENOLAKE_PYTHON   the interpreter of a venv with pytest, pyarrow, polars,
#                     duckdb, pandas, deltalake and pyspark (.ci/run makes it)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/genolake/target}
PYTHON=${GENOLAKE_PYTHON:-python3}
(cd "$ROOT" && cargo build --release --workspace)
PYTHONPATH=$("$ROOT/scripts/python-dev.sh")
export PYTHONPATH
export GENOLAKE_BIN=$CARGO_TARGET_DIR/release/genolake
cd "$ROOT"
exec "$PYTHON" -m pytest -q python/tests "$@"
