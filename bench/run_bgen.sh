#!/usr/bin/env bash
# Benchmarks genolake's BGEN reader against plink2's BGEN import, in one run.
#
#   bench/run_bgen.sh [VARIANTS] [SAMPLES] [RUNS]      (defaults: 100000 5000 3)
#
# The cohort comes from plink2 itself: `plink2 --dummy` (1% missing, half the
# genotypes fractional dosages, as imputed data has), exported with
# `--export bgen-1.2 bits=8` and `bits=16` (zlib); the zstd twins are
# written by genolake's BGEN writer (`examples/bgen_copy.rs`), since plink2
# writes zlib only. For each file it times, on the same machine:
#   plink2 --bgen F ref-first --make-pgen    (the import peer)
#   genolake count F                         (BGEN -> Arrow on every core, no output)
#   genolake ingest F                        (BGEN -> Delta Lake table; once per file,
#                                             it writes GBs of probabilities)
# and prints a Markdown table with medians, peak RSS and ratios.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-5000}
RUNS=${3:-3}
source "$(dirname "$0")/lib.sh"

stem=$DATA/dummy_${VARIANTS}x${SAMPLES}
if [ ! -s "$stem.pgen" ]; then
    plink2 --dummy "$SAMPLES" "$VARIANTS" 0.01 dosage-freq=0.5 acgt --make-pgen \
        --out "$stem" --threads "$THREADS" --silent
fi
files=()
for bits in 8 16; do
    zlib=${stem}_${bits}bits.zlib.bgen
    zstd=${stem}_${bits}bits.zstd.bgen
    if [ ! -s "$zlib" ]; then
        plink2 --pfile "$stem" --export bgen-1.2 bits="$bits" --out "$SCRATCH/export" \
            --threads "$THREADS" --silent
        mv "$SCRATCH/export.bgen" "$zlib"
    fi
    if [ ! -s "$zstd" ]; then
        "$EXAMPLES/bgen_copy" "$zlib" "$zstd.tmp" "$bits" 1 zstd >/dev/null
        mv "$zstd.tmp" "$zstd"
    fi
    files+=("$zlib" "$zstd")
done

echo "| input | command | median s (of $RUNS) | peak RSS MiB | ratio |"
echo "| --- | --- | ---: | ---: | --- |"
for bgen in "${files[@]}"; do
    name="$(basename "$bgen") ($(megabytes "$bgen") MB)"
    read -r t_pg m_pg < <(measure plink2 --bgen "$bgen" ref-first --make-pgen \
        --out "$SCRATCH/x" --threads "$THREADS" --silent)
    read -r t_ct m_ct < <(measure "$GENOLAKE" count --threads "$THREADS" "$bgen")
    read -r t_in m_in < <(RUNS=1 measure "$GENOLAKE" ingest --threads "$THREADS" \
        --mode overwrite --table "$SCRATCH/delta" "$bgen")
    echo "| $name | plink2 --bgen ref-first --make-pgen --threads $THREADS | $t_pg | $(mib "$m_pg") | |"
    echo "| | genolake count --threads $THREADS | $t_ct | $(mib "$m_ct") | $(ratio "$t_pg" "$t_ct") faster than plink2 |"
    echo "| | genolake ingest --threads $THREADS (1 run) | $t_in | $(mib "$m_in") | $(ratio "$t_pg" "$t_in") of plink2's time |"
done
