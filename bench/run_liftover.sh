#!/usr/bin/env bash
# Benchmarks liftover (`genolake convert --liftover`) against CrossMap
# (`CrossMap vcf`, from PyPI: bcftools 1.16 has no liftover), in one run
# (issue 20).
#
#   bench/run_liftover.sh [VARIANTS] [SAMPLES] [RUNS]
#       defaults: 100000 2000 3
#
# Input: bench/run_norm.sh's GT cohort (bench/simulate_norm.py), lifted to
# a second assembly made from its reference by bench/simulate_chain.py
# (blocks of 50-500 kb with gaps of up to 2 kb on either side, all on the
# + strand). Both tools write plain VCF. Prints a Markdown table of
# medians, peak RSS and ratios (CrossMap's time over genolake's), then how
# many records each lifted and how many lifted records agree on position
# and alleles. NO_BUILD=1 uses the binaries as built.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
source "$(dirname "$0")/lib.sh"

venv=${BENCH_VENV:-$HOME/.cache/genolake/bench-venv}
if [ ! -x "$venv/bin/CrossMap" ]; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet msprime CrossMap >&2
fi
CROSSMAP=$venv/bin/CrossMap

prefix=$DATA/norm_${VARIANTS}x${SAMPLES}_gt
if [ ! -s "$prefix.vcf.gz" ]; then
    NO_BUILD=1 "$HERE/run_norm.sh" "$VARIANTS" "$SAMPLES" 1 gt >/dev/null
fi
target=${prefix}_b
if [ ! -s "$target.over.chain" ]; then
    "$venv/bin/python" "$HERE/simulate_chain.py" "$prefix.fa" "$target" >&2
fi
vcf=$prefix.vcf.gz chain=$target.over.chain
theirs=$SCRATCH/theirs.vcf ours=$SCRATCH/ours.vcf

echo "| input | command | median s (of $RUNS) | peak RSS MiB | CrossMap / genolake |"
echo "| --- | --- | ---: | ---: | ---: |"
read -r peer peer_rss < <(measure "$CROSSMAP" vcf "$chain" "$vcf" "$target.fa" "$theirs")
printf '| %s | %s | %s | %s | %s |\n' "$(basename "$vcf") ($(megabytes "$vcf") MB)" \
    "CrossMap vcf (1 thread)" "$peer" "$(mib "$peer_rss")" 1
read -r s rss < <(measure "$GENOLAKE" convert --threads "$THREADS" "$vcf" -o "$ours" \
    --liftover "$chain" --target-reference "$target.fa")
printf '| | %s | %s | %s | %s |\n' "genolake convert --liftover --threads $THREADS -o .vcf" \
    "$s" "$(mib "$rss")" "$(ratio "$peer" "$s")"

sites='%CHROM\t%POS\t%REF\t%ALT\n'
bcftools query -f "$sites" "$theirs" | sort > "$SCRATCH/theirs.sites"
bcftools query -f "$sites" "$ours" | sort > "$SCRATCH/ours.sites"
echo
echo "CrossMap lifted $(wc -l < "$SCRATCH/theirs.sites"), genolake $(wc -l < "$SCRATCH/ours.sites") of" \
    "$(bcftools view -H "$vcf" | wc -l) records; $(comm -12 "$SCRATCH/theirs.sites" "$SCRATCH/ours.sites" | wc -l)" \
    "lifted records are identical in both (CHROM, POS, REF, ALT)."
