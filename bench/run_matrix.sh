#!/usr/bin/env bash
# Benchmarks the matrix layout of Delta tables (issue 15) against the Glow
# layout and against plink2 and bcftools, in one run.
#
#   bench/run_matrix.sh [VARIANTS] [SAMPLES] [RUNS]      (defaults: 100000 2000 3)
#   NO_BUILD=1 bench/run_matrix.sh ...     (use the binaries in CARGO_TARGET_DIR as they are)
#
# Three bgzipped VCFs of VARIANTS sites x SAMPLES samples, made if missing:
# - bench/run.sh's GT-only cohort and its GT:AD:DP:GQ:PL twin
#   (crates/genolake-vcf/examples/simulate_vcf.rs: independent sites, 1%
#   missing calls);
# - a GT-only coalescent cohort simulated by msprime with recombination
#   (bench/simulate_phased.py, as bench/run_bgen.sh makes it: realistic
#   allele frequencies and linkage, every call phased, none missing), in a
#   venv of its own (BENCH_VENV, default ~/.cache/genolake/bench-venv).
# For each it times, on the same machine and the same input:
#   plink2 --vcf X --make-pgen --threads 2                 (peer)
#   bcftools view -Ob -o x.bcf X                           (peer)
#   genolake ingest --threads 2 --layout matrix --mode overwrite --table T_matrix X
#   genolake ingest --threads 2 --layout glow --mode overwrite --table T_glow X
#   genolake sql "SELECT sum(cardinality(genotypes)) FROM read_delta(T)"   (both tables)
#   genolake sql "SELECT sum(length(encode(calls, 'hex'))) / 2
#                 FROM read_delta(T_matrix, 'layout', 'matrix')"  (the raw calls,
#                 every byte of them; DataFusion 55's octet_length takes no
#                 BinaryView, apache/datafusion#24765)
#   genolake sql "SELECT count(calls) FROM read_delta(T_matrix, 'layout', 'matrix')"
#                 (the same column decoded, nothing computed over its bytes)
# and the sizes on disk (du) of both tables, the .pgen (and .pvar + .psam)
# and the .bcf. Each ingest starts from an empty directory (removed before
# each run, inside the timed command: milliseconds), so that du counts one
# version of the table. Each command runs RUNS times; the median wall time
# and the largest peak RSS are reported. The script checks that both
# layouts give back VARIANTS x SAMPLES genotypes (the count of variants
# from plink2's .pvar) and that the raw calls hold ploidy bytes per
# genotype, and prints Markdown tables (per input, then the issue's goals)
# to paste into bench/RESULTS.md. Needs bcftools, tabix (bgzip), plink2
# and GNU time.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
THREADS=${THREADS:-2}
source "$(dirname "$0")/lib.sh"

# measure, but the last run's standard output goes to the file $1.
measure_to() {
    local out=$1 times=() rss=0 line
    shift
    for _ in $(seq "$RUNS"); do
        line=$(/usr/bin/time -f '%e %M' "$@" 2>&1 >"$out" | tail -n 1)
        times+=("${line% *}")
        (( ${line#* } > rss )) && rss=${line#* }
    done
    printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "$rss"
}
# Prefix of a command whose first argument is a table directory: removes it,
# then runs the rest (`fresh "$T" cmd...`), in the process /usr/bin/time times.
fresh=(/bin/sh -c 'rm -rf "$0" && exec "$@"')
# Disk usage of files or directories, in KiB; KiB to MB (10^6 bytes).
du_kib() { du -skc "$@" | tail -n 1 | cut -f 1; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }'; }
# The single number a `genolake sql --format csv` query printed.
value() { tail -n 1 "$1" | tr -d '\r'; }
# "a / b" with two decimals, no x.
quotient() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# "met" if a <= b (strictly below with "lt"), else "missed".
goal() { awk -v a="$1" -v b="$2" -v op="${3:-le}" 'BEGIN { ok = op == "lt" ? a < b : a <= b; print ok ? "met" : "missed" }'; }

inputs=("$(simulated_cohort gt)" "$(simulated_cohort rich)" "$(msprime_cohort)")

echo "Started $(date -u '+%Y-%m-%d %H:%M:%S') UTC, commit $(git -C "$ROOT" rev-parse --short HEAD), load:$(uptime | sed 's/.*load average://')"
echo
echo "| input | command | median s (of $RUNS) | peak RSS MiB | on disk MB | ratio |"
echo "| --- | --- | ---: | ---: | ---: | --- |"
goals=""
failed=0
for vcf in "${inputs[@]}"; do
    name="$(basename "$vcf") ($(awk -v b="$(stat -L -c %s "$vcf")" 'BEGIN { printf "%.0f", b / 1e6 }') MB)"
    tm=$SCRATCH/T_matrix
    tg=$SCRATCH/T_glow
    read -r t_pg m_pg < <(measure plink2 --vcf "$vcf" --make-pgen --out "$SCRATCH/x" \
        --threads "$THREADS" --silent)
    read -r t_ob m_ob < <(measure bcftools view -Ob -o "$SCRATCH/x.bcf" "$vcf")
    read -r t_mx m_mx < <(measure "${fresh[@]}" "$tm" "$GENOLAKE" ingest --threads "$THREADS" \
        --layout matrix --mode overwrite --table "$tm" "$vcf")
    read -r t_gl m_gl < <(measure "${fresh[@]}" "$tg" "$GENOLAKE" ingest --threads "$THREADS" \
        --layout glow --mode overwrite --table "$tg" "$vcf")
    s_pg=$(du_kib "$SCRATCH/x.pgen")
    s_pv=$(du_kib "$SCRATCH/x.pvar" "$SCRATCH/x.psam")
    s_bcf=$(du_kib "$SCRATCH/x.bcf")
    s_mx=$(du_kib "$tm")
    s_gl=$(du_kib "$tg")
    count="SELECT sum(cardinality(genotypes)) FROM read_delta"
    raw="SELECT sum(length(encode(calls, 'hex'))) / 2 FROM read_delta"
    read -r t_rm m_rm < <(measure_to "$SCRATCH/rm" "$GENOLAKE" sql --threads "$THREADS" \
        --format csv "$count('$tm')")
    read -r t_rg m_rg < <(measure_to "$SCRATCH/rg" "$GENOLAKE" sql --threads "$THREADS" \
        --format csv "$count('$tg')")
    read -r t_raw m_raw < <(measure_to "$SCRATCH/raw" "$GENOLAKE" sql --threads "$THREADS" \
        --format csv "$raw('$tm', 'layout', 'matrix')")
    read -r t_cc m_cc < <(measure_to "$SCRATCH/cc" "$GENOLAKE" sql --threads "$THREADS" \
        --format csv "SELECT count(calls) FROM read_delta('$tm', 'layout', 'matrix')")

    # Cross-checks: every genotype back from both layouts, ploidy bytes each.
    rows=$(grep -vc '^#' "$SCRATCH/x.pvar")
    expected=$((rows * SAMPLES))
    n_m=$(value "$SCRATCH/rm")
    n_g=$(value "$SCRATCH/rg")
    bytes=$(value "$SCRATCH/raw")
    "$GENOLAKE" sql --format csv "SELECT sum(callsPloidy) FROM read_delta('$tm', 'layout', 'matrix')" \
        > "$SCRATCH/ploidy"
    slots=$(( $(value "$SCRATCH/ploidy") * SAMPLES ))
    check="ok"
    if [ "$rows" != "$VARIANTS" ] || [ "$n_m" != "$expected" ] || [ "$n_g" != "$expected" ] \
        || [ "$bytes" != "$slots" ] || [ "$(value "$SCRATCH/cc")" != "$rows" ]; then
        check="MISMATCH"
        failed=1
    fi
    echo "| $name | plink2 --vcf --make-pgen --threads $THREADS | $t_pg | $(mib "$m_pg") | $(mb "$s_pg") (+ $(mb "$s_pv") .pvar, .psam) | |"
    echo "| | bcftools view -Ob | $t_ob | $(mib "$m_ob") | $(mb "$s_bcf") | |"
    echo "| | genolake ingest --layout matrix | $t_mx | $(mib "$m_mx") | $(mb "$s_mx") | $(quotient "$t_mx" "$t_pg")x plink2's time, $(quotient "$t_mx" "$t_ob")x bcftools -Ob's; $(quotient "$s_mx" "$s_pg")x the .pgen |"
    echo "| | genolake ingest --layout glow | $t_gl | $(mib "$m_gl") | $(mb "$s_gl") | $(quotient "$t_gl" "$t_pg")x plink2's time; $(quotient "$t_gl" "$t_mx")x the matrix ingest's time, $(quotient "$s_gl" "$s_mx")x its size |"
    echo "| | sum(cardinality(genotypes)), matrix table | $t_rm | $(mib "$m_rm") | | = $n_m |"
    echo "| | sum(cardinality(genotypes)), glow table | $t_rg | $(mib "$m_rg") | | = $n_g; $(quotient "$t_rg" "$t_rm")x the matrix table's time |"
    echo "| | raw calls: sum(length(encode(calls, 'hex'))) / 2 | $t_raw | $(mib "$m_raw") | | = $bytes bytes |"
    echo "| | raw calls: count(calls) | $t_cc | $(mib "$m_cc") | | |"
    echo "| | check: $rows variants x $SAMPLES samples = $expected genotypes, $slots call bytes (callsPloidy x samples) | | | | $check |"

    short=$(basename "$vcf" .vcf.gz)
    if [[ "$short" != *_rich ]]; then
        goals+="| matrix ingest / plink2 --make-pgen time, $short | ≤ 1.0 | $(quotient "$t_mx" "$t_pg") | $(goal "$t_mx" "$t_pg") |"$'\n'
    else
        goals+="| matrix ingest / bcftools view -Ob time, $short | ≤ 0.7 | $(quotient "$t_mx" "$t_ob") | $(goal "$(quotient "$t_mx" "$t_ob")" 0.7) |"$'\n'
        goals+="| (matrix ingest / plink2 --make-pgen time, $short) | | $(quotient "$t_mx" "$t_pg") | |"$'\n'
    fi
    goals+="| matrix ingest peak RSS, $short | < 1 GB (954 MiB) | $(mib "$m_mx") MiB | $(goal "$m_mx" 976562 lt) |"$'\n'
    if [[ "$short" != *_rich ]]; then
        goals+="| matrix table / .pgen size, $short | ≤ 2.0 | $(quotient "$s_mx" "$s_pg") ($(mb "$s_mx") / $(mb "$s_pg") MB) | $(goal "$(quotient "$s_mx" "$s_pg")" 2) |"$'\n'
    else
        # The .pgen keeps GT alone; the table AD, DP, GQ and PL too.
        goals+="| (matrix table / .pgen size, $short: the .pgen keeps GT alone) | | $(quotient "$s_mx" "$s_pg") ($(mb "$s_mx") / $(mb "$s_pg") MB) | |"$'\n'
    fi
    goals+="| raw calls read (length(encode)), $short | < 0.5 s | $t_raw s | $(goal "$t_raw" 0.5 lt) |"$'\n'
    goals+="| (raw calls read, count(calls)), $short | < 0.5 s | $t_cc s | $(goal "$t_cc" 0.5 lt) |"$'\n'
done
echo
echo "| goal (issue 15) | target | this run | |"
echo "| --- | --- | ---: | --- |"
printf '%s' "$goals"
echo
echo "Ended $(date -u '+%Y-%m-%d %H:%M:%S') UTC, load:$(uptime | sed 's/.*load average://')"
if [ "$failed" = 1 ]; then
    echo "bench: a cross-check failed (MISMATCH above)" >&2
    exit 1
fi
