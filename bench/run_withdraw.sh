#!/usr/bin/env bash
# Benchmarks consent withdrawal (issue 17): `genolake withdraw` of 10
# samples from the Glow- and the matrix-layout table of bench/run.sh's
# GT-only cohort, against the re-ingest route (bcftools drops the samples
# from the VCF, then genolake ingests the result), in one run.
#
#   bench/run_withdraw.sh [VARIANTS] [SAMPLES] [RUNS]     (defaults: 100000 2000 3)
#   NO_BUILD=1 bench/run_withdraw.sh ...   (use the binaries in CARGO_TARGET_DIR as they are)
#   BENCH_DATA=/work/main/bench/data ...   (where the cohort VCF is, or is made)
#
# For each layout L (glow, matrix), on the same machine and the same input:
#   genolake withdraw --threads 2 --samples IDS --table T_L
#       (each run on a fresh copy of the table ingested once before timing;
#        the copy is not timed)
#   sh -c 'bcftools view -s ^IDS -Ov -o sub.vcf cohort.vcf.gz &&
#          genolake ingest --threads 2 --layout L --mode overwrite --table R_L sub.vcf'
#       (the re-ingest route: the VCF without the samples written first,
#        uncompressed so bcftools spends no time compressing, then ingested)
# IDS are 10 samples spread over the cohort (every SAMPLES/10-th). Each
# command runs RUNS times; the median wall time and the largest peak RSS
# (GNU time) are reported, with the ratio re-ingest / withdrawal. The
# script checks that both routes leave VARIANTS x (SAMPLES - 10) genotypes
# (`genolake count`) and prints a Markdown table for bench/RESULTS.md.
# The timed part holds /tmp/bench.lock (HELPERS.md): builds wait for it.
# Needs bcftools, tabix (bgzip) and GNU time.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
THREADS=${THREADS:-2}
source "$(dirname "$0")/lib.sh"

vcf=$(simulated_cohort gt)
ids=$(bcftools query -l "$vcf" | awk -v step=$((SAMPLES / 10)) '(NR - 1) % step == 0' | head -n 10 | paste -sd, -)

# Runs "$@" RUNS times, each after `cp -r $1 $2` (untimed); prints
# "median_seconds max_rss_kib".
measure_on_copy() {
    local base=$1 work=$2 times=() rss=0 line
    shift 2
    for _ in $(seq "$RUNS"); do
        rm -rf "$work"
        cp -r "$base" "$work"
        line=$(/usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -n 1)
        times+=("${line% *}")
        (( ${line#* } > rss )) && rss=${line#* }
    done
    printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "$rss"
}
# The genotype count `genolake count` prints for a table.
genotypes() { "$GENOLAKE" count "$1" 2>/dev/null | sed -n 's/.* records, \([0-9]*\) genotypes.*/\1/p'; }

for layout in glow matrix; do
    "$GENOLAKE" ingest --threads "$THREADS" --layout "$layout" --table "$SCRATCH/base_$layout" "$vcf" >/dev/null
done

while [ -e /tmp/bench.lock ]; do sleep 20; done
echo "run_withdraw.sh $$" > /tmp/bench.lock
trap 'rm -f /tmp/bench.lock; rm -rf "$SCRATCH"' EXIT

echo "Started $(date -u '+%Y-%m-%d %H:%M:%S') UTC, commit $(git -C "$ROOT" rev-parse --short HEAD), load:$(uptime | sed 's/.*load average://')"
echo
echo "Input: $(basename "$vcf") ($VARIANTS variants x $SAMPLES samples, GT only); withdrawn: $ids"
echo
echo "| table | route | median s (of $RUNS) | peak RSS MiB | re-ingest / withdrawal time |"
echo "| --- | --- | ---: | ---: | ---: |"
failed=0
expected=$((VARIANTS * (SAMPLES - 10)))
for layout in glow matrix; do
    work=$SCRATCH/work_$layout
    read -r t_w m_w < <(measure_on_copy "$SCRATCH/base_$layout" "$work" \
        "$GENOLAKE" withdraw --threads "$THREADS" --samples "$ids" --table "$work")
    n_w=$(genotypes "$work")
    reingest="bcftools view -s ^$ids -Ov -o $SCRATCH/sub.vcf $vcf && $GENOLAKE ingest --threads $THREADS --layout $layout --mode overwrite --table $SCRATCH/re_$layout $SCRATCH/sub.vcf"
    read -r t_r m_r < <(measure /bin/sh -c "$reingest")
    n_r=$(genotypes "$SCRATCH/re_$layout")
    check="ok"
    if [ "$n_w" != "$expected" ] || [ "$n_r" != "$expected" ]; then
        check="MISMATCH ($n_w, $n_r, expected $expected)"
        failed=1
    fi
    echo "| $layout | genolake withdraw --threads $THREADS --samples (10 ids) | $t_w | $(mib "$m_w") | $(ratio "$t_r" "$t_w") |"
    echo "| $layout | bcftools view -s ^(10 ids) -Ov, then genolake ingest --threads $THREADS --layout $layout | $t_r | $(mib "$m_r") | |"
    echo "| $layout | check: both leave $expected genotypes | | | $check |"
done
echo
echo "Ended $(date -u '+%Y-%m-%d %H:%M:%S') UTC, load:$(uptime | sed 's/.*load average://')"
if [ "$failed" = 1 ]; then
    echo "bench: a cross-check failed (MISMATCH above)" >&2
    exit 1
fi
