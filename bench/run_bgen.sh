#!/usr/bin/env bash
# Benchmarks genolake's BGEN reader against plink2's BGEN import, in one run.
#
#   bench/run_bgen.sh [VARIANTS] [SAMPLES] [RUNS]      (defaults: 100000 5000 3)
#   SETS=phased bench/run_bgen.sh                      (only the phased cohort)
#   NO_BUILD=1 bench/run_bgen.sh ...     (use the binaries in CARGO_TARGET_DIR as they are)
#
# Two sets of inputs (SETS, default "dummy phased"):
# - dummy: imputed-like data from plink2 itself, `plink2 --dummy` (1% missing,
#   half the genotypes fractional dosages), exported with `--export bgen-1.2
#   bits=8` and `bits=16` (zlib); the zstd twins are written by genolake's
#   BGEN writer (`examples/bgen_copy.rs`), since plink2 writes zlib only.
# - phased: a coalescent cohort of VARIANTS sites x PHASED_SAMPLES (default
#   2000) individuals simulated by msprime with recombination (realistic
#   allele frequencies and linkage; bench/simulate_phased.py), written as a
#   phased VCF and exported by plink2 (`--max-alleles 2 --export bgen-1.2
#   bits=8`; plink2 exports no multiallelic site): the phased diploid layout
#   of haplotype releases. And its chromosome X twin, half the individuals
#   haploid males (`--update-sex`), which plink2 exports with haploid and
#   diploid samples mixed in every block. bench/bgen_layout.py reads the
#   layouts back, independently of genolake, and the run stops if the
#   phased export is not phased. msprime is installed into a venv of its
#   own (BENCH_VENV, default ~/.cache/genolake/bench-venv) from PyPI.
#
# For each file it times, on the same machine:
#   plink2 --bgen F ref-first --make-pgen    (the import peer)
#   genolake count F                         (BGEN -> Arrow on every core, no output)
#   genolake ingest F                        (BGEN -> Delta Lake table; once per file,
#                                             it writes GBs of probabilities)
# and prints a Markdown table with medians, peak RSS and ratios.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-5000}
RUNS=${3:-3}
SETS=${SETS:-dummy phased}
PHASED_SAMPLES=${PHASED_SAMPLES:-2000}
source "$(dirname "$0")/lib.sh"

files=()
if [[ " $SETS " == *" dummy "* ]]; then
    stem=$DATA/dummy_${VARIANTS}x${SAMPLES}
    if [ ! -s "$stem.pgen" ]; then
        plink2 --dummy "$SAMPLES" "$VARIANTS" 0.01 dosage-freq=0.5 acgt --make-pgen \
            --out "$stem" --threads "$THREADS" --silent
    fi
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
fi

if [[ " $SETS " == *" phased "* ]]; then
    venv=${BENCH_VENV:-$HOME/.cache/genolake/bench-venv}
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import msprime' 2>/dev/null; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet msprime
    fi
    layouts=""
    for contig in 1 X; do
        stem=$DATA/msprime_${contig}_${VARIANTS}x${PHASED_SAMPLES}
        sex=()
        if [ "$contig" = X ]; then
            sex=(--update-sex "$stem.sex")
        fi
        if [ ! -s "$stem.vcf.gz" ]; then
            males=$([ "$contig" = X ] && echo $((PHASED_SAMPLES / 2)) || echo 0)
            "$venv/bin/python" "$HERE/simulate_phased.py" "$VARIANTS" "$PHASED_SAMPLES" \
                --contig "$contig" --males "$males" --sex-file "$stem.sex" \
                | bgzip -@ "$THREADS" > "$stem.vcf.gz.tmp"
            mv "$stem.vcf.gz.tmp" "$stem.vcf.gz"
        fi
        bgen=${stem}_phased_8bits.zlib.bgen
        if [ ! -s "$bgen" ]; then
            plink2 --vcf "$stem.vcf.gz" --max-alleles 2 "${sex[@]}" --export bgen-1.2 bits=8 \
                --out "$SCRATCH/export" --threads "$THREADS" --silent
            mv "$SCRATCH/export.bgen" "$bgen"
        fi
        table=$(python3 "$HERE/bgen_layout.py" "$bgen")
        layouts+=$(sed "s/^/| $(basename "$bgen") /" <<<"$table")$'\n'
        # Most blocks must be phased (plink2 writes a block unphased only
        # when it has no phased heterozygous call).
        awk -F'|' '{ n += $2; if ($3 ~ /^ phased/) p += $2 } END { exit !(p > 0.9 * n) }' \
            <<<"$table" || { echo "bench: $bgen is not phased:"; echo "$table"; exit 1; } >&2
        files+=("$bgen")
    done
    echo "Genotype block layouts of the phased exports (bench/bgen_layout.py):"
    echo
    echo "| file | blocks | phased | bits | alleles | ploidies |"
    echo "| --- | ---: | --- | ---: | ---: | --- |"
    printf '%s' "$layouts"
    echo
fi

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
