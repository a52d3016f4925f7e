#!/usr/bin/env bash
# Benchmarks genolake's VCF writer against bcftools view -Oz, in one run.
#
#   bench/run_vcf_write.sh [VARIANTS] [SAMPLES] [RUNS] [KIND]   (defaults: 100000 2000 3 gt)
#
# KIND is gt (GT only) or rich (GT:AD:DP:GQ:PL), the simulated cohorts of
# bench/run.sh. Before timing, it checks that the file genolake writes
# prints the same records as the input in `bcftools view -H`. Then it times,
# on THREADS threads (default: all cores):
#   bcftools view -Oz --threads N            (VCF.gz -> VCF.gz, the peer)
#   vcf_rewrite --threads N                  (VCF.gz -> Arrow -> VCF.gz)
#   vcf_rewrite --threads N --index tbi      (the same, and a tabix index)
#   vcf_rewrite --preload (plain and BGZF)   (the writer alone, batches in memory)
# and prints a Markdown table with medians, peak RSS and ratios.
#
# Only genolake-vcf's examples are built (NO_BUILD=1 skips that too), not
# the workspace.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
KIND=${4:-gt}
NO_BUILD_EXAMPLES=${NO_BUILD:-0}
NO_BUILD=1
source "$(dirname "$0")/lib.sh"
if [ "$NO_BUILD_EXAMPLES" != 1 ]; then
    (cd "$ROOT" && nice -n 10 cargo build --release -q -p genolake-vcf --examples)
fi

vcf=$(simulated_cohort "$KIND")
name=$(basename "$vcf")
ours=$SCRATCH/ours.vcf.gz
theirs=$SCRATCH/theirs.vcf.gz

# Same records out as in.
"$EXAMPLES/vcf_rewrite" --threads "$THREADS" "$vcf" "$ours" 2>/dev/null
if ! cmp -s <(bcftools view -H "$vcf" | md5sum) <(bcftools view -H "$ours" | md5sum); then
    echo "bench: the rewritten file prints other records than $name in bcftools view -H" >&2
    exit 1
fi

# A row under the first: no input named.
row() {
    printf '| | %s | %s | %s | %s |\n' "$1" "$2" "$(mib "$3")" "$4"
}

echo "| input | command | median s (of $RUNS) | peak RSS MiB | ratio to bcftools |"
echo "| --- | --- | ---: | ---: | --- |"
read -r peer peer_rss < <(measure bcftools view -Oz --threads "$THREADS" -o "$theirs" "$vcf")
echo "| $name ($(megabytes "$vcf") MB) | bcftools view -Oz --threads $THREADS ($(megabytes "$theirs") MB out) | $peer | $(mib "$peer_rss") | 1 |"
read -r s rss < <(measure "$EXAMPLES/vcf_rewrite" --threads "$THREADS" "$vcf" "$ours")
row "vcf_rewrite --threads $THREADS ($(megabytes "$ours") MB out)" "$s" "$rss" "$(ratio "$peer" "$s") faster"
read -r s rss < <(measure "$EXAMPLES/vcf_rewrite" --threads "$THREADS" --index tbi "$vcf" "$ours")
row "vcf_rewrite --threads $THREADS --index tbi" "$s" "$rss" "$(ratio "$peer" "$s") faster"
for out in "$SCRATCH/ours.vcf" "$ours"; do
    # The time of the write alone, as the example prints it.
    times=()
    for _ in $(seq "$RUNS"); do
        times+=("$("$EXAMPLES/vcf_rewrite" --preload --threads "$THREADS" "$vcf" "$out" 2>&1 | awk '/ in / {print $(NF-1)}')")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    text_mb=$(awk -v b="$(zcat -f "$out" | wc -c)" 'BEGIN { printf "%.0f", b / 1e6 }')
    echo "| | writer alone (--preload), $(basename "$out"): $text_mb MB of text | $median | | $(awk -v m="$text_mb" -v s="$median" 'BEGIN { printf "%.0f MB/s of text", m / s }') |"
done
