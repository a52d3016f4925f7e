#!/usr/bin/env bash
# Puts the `genolake` Python package, with the extension module the
# workspace build made, in a folder to put on PYTHONPATH; prints the folder.
#
#   export PYTHONPATH=$(scripts/python-dev.sh)
#
# `cargo test --release --workspace` builds the extension
# (libgenolake_py.so) with the very dependencies the tests use, so the
# Python tests need no second build of DataFusion and delta-rs; users
# install with `pip install ./python` (maturin) instead.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/genolake/target}
library=$TARGET/release/libgenolake_py.so
[ -f "$library" ] || { echo "python-dev: $library is missing; run cargo test --release --workspace" >&2; exit 1; }
stage=$TARGET/python
rm -rf "$stage/genolake"
mkdir -p "$stage/genolake"
ln -s "$ROOT"/python/genolake/* "$stage/genolake/"
# A copy, not a link: Python keeps the file open, and a rebuild replaces it.
cp "$library" "$stage/genolake/_native.abi3.so"
echo "$stage"
