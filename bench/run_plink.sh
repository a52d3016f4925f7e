#!/usr/bin/env bash
# Benchmarks genolake's PLINK reader, with plink2 --freq as the floor of
# touching every genotype, and checks it against plink2, in one run.
#
#   bench/run_plink.sh [VARIANTS] [SAMPLES] [RUNS] [WIDE_SAMPLES]   (defaults: 100000 2000 3 40000)
#
# The fileset is written by plink2 from the simulated GT-only VCF that
# bench/run.sh uses (`plink2 --vcf x.vcf.gz --make-bed`, biallelic sites).
# Before timing, it checks that genolake reads the same calls from the .bed
# as from the VCF (per-variant sums of alternate alleles and of missing
# calls, through `genolake sql`). Then it times:
#   plink2 --bfile x --freq        (reads every genotype: the floor)
#   genolake count x.bed           (.bed -> Arrow on every core, no output)
#   genolake ingest x.bed          (.bed -> Delta Lake table)
# and prints a Markdown table with medians, peak RSS, .bed GB/s per core
# and ratios. That .bed is 50 MB, read in a few hundredths of a second, so
# throughput is also timed on a 1 GB .bed (VARIANTS x WIDE_SAMPLES, written
# by examples/simulate_plink.rs), without the ingest.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
WIDE_SAMPLES=${4:-40000}
source "$(dirname "$0")/lib.sh"

vcf=$DATA/cohort_${VARIANTS}x${SAMPLES}_gt.vcf.gz
if [ ! -s "$vcf" ]; then
    "$EXAMPLES/simulate_vcf" "$VARIANTS" "$SAMPLES" gt | bgzip -@ "$THREADS" > "$vcf.tmp"
    mv "$vcf.tmp" "$vcf"
fi
prefix=$DATA/cohort_${VARIANTS}x${SAMPLES}_plink
if [ ! -s "$prefix.bed" ]; then
    # chrM output keeps the VCF's chr prefix on contig names.
    plink2 --vcf "$vcf" --max-alleles 2 --output-chr chrM --make-bed --out "$prefix" \
        --threads "$THREADS" --silent
fi

# Same calls from the .bed as from the VCF's biallelic sites. plink2 stores
# no phase and calls its family IDs 0, so the comparison is per variant.
summary='SELECT contigName, start, referenceAllele, alternateAlleles[1] AS alt,
    sum(CASE WHEN g.calls[1] = -1 THEN 1 ELSE 0 END) AS missing,
    sum(CASE WHEN g.calls[1] > 0 THEN 1 ELSE 0 END + CASE WHEN g.calls[2] > 0 THEN 1 ELSE 0 END) AS alts
  FROM (SELECT contigName, start, referenceAllele, alternateAlleles, unnest(genotypes) AS g FROM %s %s)
  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4'
# shellcheck disable=SC2059
"$GENOLAKE" sql --format csv "$(printf "$summary" "read_plink('$prefix.bed', 'includeSampleIds', false)" "")" > "$SCRATCH/plink.csv"
# shellcheck disable=SC2059
"$GENOLAKE" sql --format csv "$(printf "$summary" "read_vcf('$vcf', 'includeSampleIds', false)" "WHERE cardinality(alternateAlleles) = 1")" > "$SCRATCH/vcf.csv"
if ! cmp -s "$SCRATCH/plink.csv" "$SCRATCH/vcf.csv"; then
    echo "bench: genolake reads other calls from plink2's .bed than from the VCF:" >&2
    diff "$SCRATCH/plink.csv" "$SCRATCH/vcf.csv" | head >&2
    exit 1
fi
checked=$(( $(wc -l < "$SCRATCH/plink.csv") - 1 ))

# And the other way: a fileset genolake writes from the VCF's biallelic
# sites gives plink2 the same --freq and --hardy as plink2's own fileset.
bcftools view -m2 -M2 -Oz -o "$SCRATCH/biallelic.vcf.gz" "$vcf"
"$GENOLAKE" convert "$SCRATCH/biallelic.vcf.gz" --to plink --output "$SCRATCH/ours" >/dev/null
plink2 --bfile "$SCRATCH/ours" --freq --hardy --out "$SCRATCH/ours" --threads "$THREADS" --silent
plink2 --bfile "$prefix" --freq --hardy --out "$SCRATCH/theirs" --threads "$THREADS" --silent
for ext in afreq hardy; do
    if ! cmp -s "$SCRATCH/ours.$ext" "$SCRATCH/theirs.$ext"; then
        echo "bench: plink2 --$ext differs between genolake's fileset and plink2's:" >&2
        diff "$SCRATCH/ours.$ext" "$SCRATCH/theirs.$ext" | head >&2
        exit 1
    fi
done

wide=$DATA/simulated_${VARIANTS}x${WIDE_SAMPLES}
if [ ! -s "$wide.bed" ]; then
    "$EXAMPLES/simulate_plink" "$VARIANTS" "$WIDE_SAMPLES" "$wide"
fi

# GB of .bed per second per core: bytes, seconds, threads.
per_core() { awk -v b="$1" -v t="$2" -v n="$3" 'BEGIN { printf "%.2f GB/s per core", b / 1e9 / t / n }'; }

echo "Checked first: genolake reads the same calls from the .bed as from the VCF at all $checked biallelic sites,"
echo "and plink2 --freq and --hardy are identical on the fileset genolake writes from those sites and on plink2's."
echo
echo "| input | command | median s (of $RUNS) | peak RSS MiB | ratio |"
echo "| --- | --- | ---: | ---: | --- |"
for bed in "$prefix" "$wide"; do
    bytes=$(stat -c %s "$bed.bed")
    read -r t_fq m_fq < <(measure plink2 --bfile "$bed" --freq --out "$SCRATCH/x" --threads "$THREADS" --silent)
    read -r t_c1 m_c1 < <(measure "$GENOLAKE" count --threads 1 "$bed.bed")
    read -r t_ct m_ct < <(measure "$GENOLAKE" count --threads "$THREADS" "$bed.bed")
    echo "| $(basename "$bed").bed ($(megabytes "$bed.bed") MB) | plink2 --bfile --freq --threads $THREADS | $t_fq | $(mib "$m_fq") | $(per_core "$bytes" "$t_fq" "$THREADS") |"
    echo "| | genolake count --threads 1 | $t_c1 | $(mib "$m_c1") | $(per_core "$bytes" "$t_c1" 1); $(ratio "$t_fq" "$t_c1") of plink2 --freq's speed |"
    echo "| | genolake count --threads $THREADS | $t_ct | $(mib "$m_ct") | $(per_core "$bytes" "$t_ct" "$THREADS"); $(ratio "$t_fq" "$t_ct") of plink2 --freq's speed |"
    if [ "$bed" = "$prefix" ]; then
        read -r t_in m_in < <(measure "$GENOLAKE" ingest --threads "$THREADS" --mode overwrite --table "$SCRATCH/delta" "$bed.bed")
        echo "| | genolake ingest --threads $THREADS | $t_in | $(mib "$m_in") | $(ratio "$t_fq" "$t_in") of plink2 --freq's speed |"
    fi
done
