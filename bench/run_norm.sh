#!/usr/bin/env bash
# Benchmarks split + normalize (`genolake convert --split-multiallelics
# --normalize`) against `bcftools norm -m- -f`, in one run (issue 20).
#
#   bench/run_norm.sh [VARIANTS] [SAMPLES] [RUNS] [KINDS]
#       defaults: 100000 2000 3 "gt ad"
#
# The cohorts come from bench/simulate_norm.py (msprime genotypes; 10%
# multiallelic SNPs, 12% indels written right-shifted or padded, 8%
# multiallelic indels, on a simulated reference): KIND gt has FORMAT GT,
# ad has GT:AD. For each, on THREADS threads (default: all cores), it
# checks that both tools' outputs print the same records and times
#   bcftools norm -m- -f ref.fa --threads T -Oz   vs   genolake convert ... -o .vcf.gz
# Prints a Markdown table of medians, peak RSS and ratios (bcftools' time
# over genolake's: above 1, genolake is faster). NO_BUILD=1 uses the
# binaries as built.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
KINDS=${4:-gt ad}
source "$(dirname "$0")/lib.sh"

# The cohort's prefix (PREFIX.vcf.gz, PREFIX.fa): made if missing, in the
# msprime venv of lib.sh.
norm_cohort() {
    local kind=$1 venv=${BENCH_VENV:-$HOME/.cache/genolake/bench-venv}
    local prefix=$DATA/norm_${VARIANTS}x${SAMPLES}_$kind
    if [ ! -s "$prefix.vcf.gz" ]; then
        if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import msprime' 2>/dev/null; then
            python3 -m venv "$venv" >&2
            "$venv/bin/pip" install --quiet msprime >&2
        fi
        local extra=()
        [ "$kind" = ad ] && extra=(--ad)
        "$venv/bin/python" "$HERE/simulate_norm.py" "$VARIANTS" "$SAMPLES" "$prefix" "${extra[@]}" >&2
        bgzip -@ "$THREADS" -f "$prefix.vcf"
    fi
    echo "$prefix"
}

row() {
    printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$(mib "$4")" "$5"
}

echo "| input | command | median s (of $RUNS) | peak RSS MiB | bcftools / genolake |"
echo "| --- | --- | ---: | ---: | ---: |"
for kind in $KINDS; do
    prefix=$(norm_cohort "$kind")
    vcf=$prefix.vcf.gz ref=$prefix.fa
    name="$(basename "$vcf") ($(megabytes "$vcf") MB)"
    theirs=$SCRATCH/theirs.vcf.gz ours=$SCRATCH/ours.vcf.gz
    peer_cmd=(bcftools norm -m- -f "$ref" --threads "$THREADS" -Oz -o "$theirs" "$vcf")
    our_cmd=("$GENOLAKE" convert --threads "$THREADS" "$vcf" -o "$ours"
        --split-multiallelics --normalize --reference "$ref")

    "${peer_cmd[@]}" 2>/dev/null
    "${our_cmd[@]}" >/dev/null 2>&1
    if ! cmp -s <(bcftools view -H "$theirs" | md5sum) <(bcftools view -H "$ours" | md5sum); then
        echo "bench: genolake's split and normalized records differ from bcftools norm's" >&2
        exit 1
    fi

    read -r peer peer_rss < <(measure "${peer_cmd[@]}")
    row "$name" "bcftools norm -m- -f --threads $THREADS -Oz" "$peer" "$peer_rss" 1
    read -r s rss < <(measure "${our_cmd[@]}")
    row "" "genolake convert --split-multiallelics --normalize -o .vcf.gz (+ .tbi)" "$s" "$rss" "$(ratio "$peer" "$s")"
    rm -f "$SCRATCH"/*
done
