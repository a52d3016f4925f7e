#!/usr/bin/env bash
# Benchmarks `genolake convert` and `genolake count` against bcftools on VCF
# and BCF, in one run (issue 19).
#
#   bench/run_convert.sh [VARIANTS] [SAMPLES] [RUNS] [KINDS]
#       defaults: 100000 2000 3 "gt rich"
#
# KINDS are cohorts: gt (GT only) and rich (GT:AD:DP:GQ:PL), simulated as
# bench/run.sh simulates them, and msprime (bench/simulate_phased.py). For
# each, on THREADS threads (default: all cores), it times
#   bcftools view -Oz      vs  genolake convert in.vcf.gz -o out.vcf.gz (+ .tbi)
#   bcftools view -Ob      vs  genolake convert in.vcf.gz -o out.bcf (+ .csi)
#   bcftools view -Ou      vs  genolake count in.bcf      (reading BCF)
# after checking that bcftools prints the same records (`view -H`) for
# genolake's outputs as for the input. Prints a Markdown table of medians,
# peak RSS and ratios (bcftools' time over genolake's: above 1, genolake is
# faster). NO_BUILD=1 uses the binaries as built.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
KINDS=${4:-gt rich}
source "$(dirname "$0")/lib.sh"

same_records() {
    if ! cmp -s <(bcftools view -H "$1" | md5sum) <(bcftools view -H "$2" | md5sum); then
        echo "bench: $2 prints other records than $1 in bcftools view -H" >&2
        exit 1
    fi
}

row() {
    printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$(mib "$4")" "$5"
}

echo "| input | command | median s (of $RUNS) | peak RSS MiB | bcftools / genolake |"
echo "| --- | --- | ---: | ---: | ---: |"
for kind in $KINDS; do
    if [ "$kind" = msprime ]; then
        vcf=$(msprime_cohort)
    else
        vcf=$(simulated_cohort "$kind")
    fi
    name="$(basename "$vcf") ($(megabytes "$vcf") MB)"
    theirs_gz=$SCRATCH/theirs.vcf.gz ours_gz=$SCRATCH/ours.vcf.gz
    theirs_bcf=$SCRATCH/theirs.bcf ours_bcf=$SCRATCH/ours.bcf

    "$GENOLAKE" convert --threads "$THREADS" "$vcf" -o "$ours_gz" >/dev/null 2>&1
    same_records "$vcf" "$ours_gz"
    "$GENOLAKE" convert --threads "$THREADS" "$vcf" -o "$ours_bcf" >/dev/null 2>&1
    same_records "$vcf" "$ours_bcf"

    read -r peer peer_rss < <(measure bcftools view -Oz --threads "$THREADS" -o "$theirs_gz" "$vcf")
    row "$name" "bcftools view -Oz --threads $THREADS ($(megabytes "$theirs_gz") MB)" "$peer" "$peer_rss" 1
    read -r s rss < <(measure "$GENOLAKE" convert --threads "$THREADS" "$vcf" -o "$ours_gz")
    row "" "genolake convert -o .vcf.gz, with .tbi ($(megabytes "$ours_gz") MB)" "$s" "$rss" "$(ratio "$peer" "$s")"

    read -r peer peer_rss < <(measure bcftools view -Ob --threads "$THREADS" -o "$theirs_bcf" "$vcf")
    row "" "bcftools view -Ob --threads $THREADS ($(megabytes "$theirs_bcf") MB)" "$peer" "$peer_rss" 1
    read -r s rss < <(measure "$GENOLAKE" convert --threads "$THREADS" "$vcf" -o "$ours_bcf")
    row "" "genolake convert -o .bcf, with .csi ($(megabytes "$ours_bcf") MB)" "$s" "$rss" "$(ratio "$peer" "$s")"

    read -r peer peer_rss < <(measure bcftools view -Ou --threads "$THREADS" -o /dev/null "$theirs_bcf")
    row "" "bcftools view -Ou --threads $THREADS of bcftools' .bcf" "$peer" "$peer_rss" 1
    read -r s rss < <(measure "$GENOLAKE" count --threads "$THREADS" "$theirs_bcf")
    row "" "genolake count --threads $THREADS of bcftools' .bcf" "$s" "$rss" "$(ratio "$peer" "$s")"
    rm -f "$SCRATCH"/*
done
