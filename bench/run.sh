#!/usr/bin/env bash
# Benchmarks genolake against its peers on one simulated cohort, in one run.
#
#   bench/run.sh [VARIANTS] [SAMPLES] [RUNS]      (defaults: 100000 2000 3)
#
# For two bgzipped VCFs (GT only, and GT:AD:DP:GQ:PL) it times, on the same
# machine and the same input:
#   bcftools view -Ou          (parse VCF, encode uncompressed BCF: the decode peer)
#   bcftools view -Ob          (parse VCF, write compressed BCF: the ingest peer)
#   plink2 --make-pgen         (parse VCF, write PGEN)
#   genolake count             (VCF -> Arrow on every core, no output)
#   genolake ingest            (VCF -> Delta Lake table)
# Each command runs RUNS times; the median wall time and the largest peak RSS
# are reported, with ratios, as a Markdown table on stdout (paste it into
# bench/RESULTS.md). Needs bcftools, tabix (bgzip), plink2 and GNU time.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
source "$(dirname "$0")/lib.sh"
SIMULATE=$EXAMPLES/simulate_vcf

echo "| input | command | median s (of $RUNS) | peak RSS MiB | ratio |"
echo "| --- | --- | ---: | ---: | --- |"
for kind in gt rich; do
    vcf=$DATA/cohort_${VARIANTS}x${SAMPLES}_$kind.vcf.gz
    if [ ! -s "$vcf" ]; then
        "$SIMULATE" "$VARIANTS" "$SAMPLES" "$kind" | bgzip -@ "$THREADS" > "$vcf.tmp"
        mv "$vcf.tmp" "$vcf"
    fi
    name="$(basename "$vcf") ($(du -m "$vcf" | cut -f1) MB)"
    read -r t_ou m_ou < <(measure bcftools view -Ou -o /dev/null "$vcf")
    read -r t_ob m_ob < <(measure bcftools view -Ob -o "$SCRATCH/x.bcf" "$vcf")
    read -r t_pg m_pg < <(measure plink2 --vcf "$vcf" --make-pgen --out "$SCRATCH/x" --threads "$THREADS" --silent)
    read -r t_ct m_ct < <(measure "$GENOLAKE" count --threads "$THREADS" "$vcf")
    read -r t_in m_in < <(measure "$GENOLAKE" ingest --threads "$THREADS" --mode overwrite --table "$SCRATCH/delta" "$vcf")
    echo "| $name | bcftools view -Ou | $t_ou | $(mib "$m_ou") | |"
    echo "| | bcftools view -Ob | $t_ob | $(mib "$m_ob") | |"
    echo "| | plink2 --make-pgen --threads $THREADS | $t_pg | $(mib "$m_pg") | |"
    echo "| | genolake count --threads $THREADS | $t_ct | $(mib "$m_ct") | $(ratio "$t_ou" "$t_ct") faster than bcftools -Ou, $(ratio "$t_pg" "$t_ct") than plink2 |"
    echo "| | genolake ingest --threads $THREADS | $t_in | $(mib "$m_in") | $(ratio "$t_ob" "$t_in") faster than bcftools -Ob |"
done
