#!/usr/bin/env bash
# Interleaved runs of plink2's VCF import and two genolake builds' matrix
# ingest of the same VCF, for comparing a change on a shared machine: each
# round runs the three one after another, so load drifts touch all three.
#
#   bench/pairs_matrix_ingest.sh BEFORE AFTER VCF [ROUNDS]     (default 5 rounds)
#
# BEFORE and AFTER are genolake binaries. Prints, per round and command,
# wall s, peak RSS KiB, user s and system s (GNU time), then the sizes of
# the .pgen and of both tables, and the medians.
set -euo pipefail
before=$1
after=$2
vcf=$3
rounds=${4:-5}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
run() { /usr/bin/time -f '%e %M %U %S' "$@" 2>&1 >/dev/null | tail -n 1; }
echo "start $(date -u +%H:%M:%S) load$(uptime | sed 's/.*load average://')"
for i in $(seq "$rounds"); do
    p=$(run plink2 --vcf "$vcf" --make-pgen --out "$scratch/x" --threads 2 --silent)
    rm -rf "$scratch/before" "$scratch/after"
    b=$(run "$before" ingest --threads 2 --layout matrix --table "$scratch/before" "$vcf")
    a=$(run "$after" ingest --threads 2 --layout matrix --table "$scratch/after" "$vcf")
    echo "round $i plink2 [$p] before [$b] after [$a]"
done | tee "$scratch/rounds"
echo "sizes KiB: pgen $(du -sk "$scratch/x.pgen" | cut -f1)" \
    "before $(du -sk "$scratch/before" | cut -f1) after $(du -sk "$scratch/after" | cut -f1)"
for name in plink2 before after; do
    sed -E "s/.*$name \[([^]]*)\].*/\1/" "$scratch/rounds" | sort -g | awk -v n="$name" \
        '{ w[NR] = $1; if ($2 > rss) rss = $2 }
         END { printf "%s: median %.2f s, peak %d MiB\n", n, w[int((NR + 1) / 2)], rss / 1024 }'
done
echo "end $(date -u +%H:%M:%S) load$(uptime | sed 's/.*load average://')"
