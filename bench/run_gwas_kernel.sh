#!/usr/bin/env bash
# Linear-regression GWAS kernel (issue 18): genolake-stats' dosages and
# block regression (crates/genolake-stats/examples/gwas_linear.rs, one
# thread, matrix-layout calls already in memory) against plink2 --glm on a
# .pgen of the same shape (plink2 --dummy), one quantitative phenotype and
# ten covariates, with no missing genotypes and with 1% missing.
#
#   bench/run_gwas_kernel.sh [variants] [samples] [runs]
#
# Builds only the genolake-stats example (NO_BUILD=1 uses the one in
# CARGO_TARGET_DIR). Prints median wall and CPU (user + system) seconds.
# The example times its own part after simulating its calls; plink2 is
# timed whole (reading the .pgen included). The end-to-end comparison of
# `genolake gwas linear` is run by the CLI's benchmark.
set -euo pipefail
VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
THREADS=${THREADS:-$(nproc)}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/genolake/target}
for tool in plink2 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
if [ "${NO_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && cargo build --release -q -p genolake-stats --example gwas_linear)
fi
EXAMPLE=$CARGO_TARGET_DIR/release/examples/gwas_linear
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| missing | command | median wall s (of $RUNS) | median CPU s | CPU ratio to plink2 |"
echo "| --- | --- | ---: | ---: | --- |"
for missing in 0 0.01; do
    plink2 --dummy "$SAMPLES" "$VARIANTS" "$missing" acgt scalar-pheno --out "$SCRATCH/d" --threads "$THREADS" >/dev/null
    awk 'BEGIN { srand(1) } NR == 1 { printf "#IID"; for (i = 0; i < 10; i++) printf "\tc%d", i; print ""; next }
         { printf "%s", $1; for (i = 0; i < 10; i++) printf "\t%.6f", rand(); print "" }' "$SCRATCH/d.psam" > "$SCRATCH/cov.txt"
    walls=(); cpus=()
    for _ in $(seq "$RUNS"); do
        line=$(/usr/bin/time -f '%e %U %S' plink2 --pfile "$SCRATCH/d" --covar "$SCRATCH/cov.txt" --glm hide-covar \
            --out "$SCRATCH/g" --threads "$THREADS" 2>&1 >/dev/null | tail -n 1)
        read -r wall user sys <<<"$line"
        walls+=("$wall"); cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')")
    done
    plink_wall=$(printf '%s\n' "${walls[@]}" | median)
    plink_cpu=$(printf '%s\n' "${cpus[@]}" | median)
    echo "| $missing | plink2 --pfile --covar --glm hide-covar --threads $THREADS | $plink_wall | $plink_cpu | |"
    walls=(); cpus=()
    for _ in $(seq "$RUNS"); do
        line=$("$EXAMPLE" "$VARIANTS" "$SAMPLES" 256 "$missing" | grep '^wall')
        walls+=("$(awk '{print $2}' <<<"$line")"); cpus+=("$(awk '{print $5}' <<<"$line")")
    done
    ours_wall=$(printf '%s\n' "${walls[@]}" | median)
    ours_cpu=$(printf '%s\n' "${cpus[@]}" | median)
    echo "| $missing | genolake-stats gwas_linear example (calls to dosages to tests, 1 thread) | $ours_wall | $ours_cpu | $(awk -v a="$ours_cpu" -v b="$plink_cpu" 'BEGIN { printf "%.2fx", a / b }') |"
done
