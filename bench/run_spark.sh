#!/usr/bin/env bash
# Benchmarks genotypes counted through Spark on genolake's data source
# against `genolake count` and Hail's import_vcf, in one run (issue 14).
#
#   bench/run_spark.sh [VARIANTS] [SAMPLES] [RUNS] [CORES]     (defaults: 100000 2000 3 2)
#   NO_BUILD=1 bench/run_spark.sh ...     (use the binaries in CARGO_TARGET_DIR as they are)
#
# The input is bench/run.sh's GT-only cohort (crates/genolake-vcf/examples/
# simulate_vcf.rs, bgzipped), made if missing. Every step counts all its
# VARIANTS x SAMPLES genotypes, and bench/spark_count.py checks the counts:
#   genolake count --threads CORES                  Rust decode alone (the CLI)
#   read_split in CORES Python processes            + the Arrow C stream to pyarrow
#   ... and writing each batch as Arrow IPC         + the copy a Spark Python worker
#                                                     makes to hand batches to the JVM
#   Spark local[CORES], genolake.spark.register:
#     df.count()                                    (no column asked for)
#     df.select(sum(size("genotypes"))).first()     (the issue's query)
#   with `splits` = CORES, with sample ids and with includeSampleIds=false;
#   the sum once more without the `splits` option (the data source's
#   default), and on a second session with Arrow Java's bounds checks off
#   (-Darrow.enable_unsafe_memory_access=true);
#   Hail import_vcf + aggregate_entries (every GT parsed), local[CORES].
# Session starts are timed once, apart from the queries. For each step the
# table gives the median wall time of RUNS, the CPU seconds of the JVM and
# of the Python processes (Spark's workers) in the median run, genotypes
# per second and per core (all CORES count, used or not).
#
# Spark runs from the venv .ci/run makes (GENOLAKE_VENV, default
# ~/.cache/genolake/venv: PySpark 4.3, pyarrow) on Java 17; Hail pins its own
# PySpark 3.5, so it gets a venv of its own (HAIL_VENV, default
# ~/.cache/genolake/hail-venv), made from PyPI if missing.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
CORES=${4:-2}
source "$(dirname "$0")/lib.sh"
VENV=${GENOLAKE_VENV:-$HOME/.cache/genolake/venv}
HAIL_VENV=${HAIL_VENV:-$HOME/.cache/genolake/hail-venv}
HAIL_VERSION=0.2.139

"$VENV/bin/python" -c 'import pyarrow, pyspark' 2>/dev/null \
    || { echo "bench: $VENV has no pyspark and pyarrow (.ci/run makes it)" >&2; exit 1; }
if [ ! -x "$HAIL_VENV/bin/python" ] || ! "$HAIL_VENV/bin/python" -c 'import hail' 2>/dev/null; then
    python3 -m venv "$HAIL_VENV"
    "$HAIL_VENV/bin/pip" install --quiet --disable-pip-version-check "hail==$HAIL_VERSION"
fi
PYTHONPATH=$("$ROOT/scripts/python-dev.sh")
export PYTHONPATH

vcf=$DATA/cohort_${VARIANTS}x${SAMPLES}_gt.vcf.gz
if [ ! -s "$vcf" ]; then
    "$EXAMPLES/simulate_vcf" "$VARIANTS" "$SAMPLES" gt | bgzip -@ "$THREADS" > "$vcf.tmp"
    mv "$vcf.tmp" "$vcf"
fi
genotypes=$((VARIANTS * SAMPLES))

# Runs "$@" RUNS times; prints "median_seconds median_cpu_seconds".
measure_cpu() {
    local runs=()
    for _ in $(seq "$RUNS"); do
        runs+=("$(/usr/bin/time -f '%e %U %S' "$@" 2>&1 >/dev/null | tail -n 1)")
    done
    median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
    echo "$(printf '%s\n' "${runs[@]}" | awk '{ print $1 }' | median)" \
        "$(printf '%s\n' "${runs[@]}" | awk '{ print $2 + $3 }' | median)"
}

# Lines of bench/spark_count.py: step, tasks, median s, genotypes, CPU s
# of the JVM and of Python, every run's s.
read -r t_ct c_ct < <(measure_cpu "$GENOLAKE" count --threads "$CORES" "$vcf")
read -r t_cn c_cn < <(measure_cpu "$GENOLAKE" count --threads "$CORES" --no-sample-ids "$vcf")
results="count	$CORES	$t_ct	$genotypes	0	$c_ct	"$'\n'
results+="count_noids	$CORES	$t_cn	$genotypes	0	$c_cn	"$'\n'
count_py() {
    "$1/bin/python" "$HERE/spark_count.py" "${@:2}" "$vcf" --runs "$RUNS" --cores "$CORES"
}
results+=$(count_py "$VENV" rust)$'\n'
results+=$(count_py "$VENV" spark 2>"$SCRATCH/spark.log" \
    || { cat "$SCRATCH/spark.log" >&2; exit 1; })$'\n'
results+=$(count_py "$VENV" spark --unchecked 2>"$SCRATCH/spark.log" \
    || { cat "$SCRATCH/spark.log" >&2; exit 1; })$'\n'
results+=$(count_py "$HAIL_VENV" hail 2>"$SCRATCH/hail.log" \
    || { cat "$SCRATCH/hail.log" >&2; exit 1; })$'\n'

field() { awk -F'\t' -v s="$1" -v f="$2" '$1 == s { print $f }' <<<"$results"; }
sum='`sum(size(genotypes))`'
noids=', includeSampleIds=false'
unchecked=', Arrow bounds checks off'
declare -A what=(
    [count]="\`genolake count --threads $CORES\`"
    [count_noids]="\`genolake count --threads $CORES --no-sample-ids\`"
    [rust_read_split]="\`read_split\` → pyarrow, $CORES processes"
    [rust_read_split_ipc]="… + Arrow IPC write"
    [rust_read_split_noids]="\`read_split\` → pyarrow$noids"
    [rust_read_split_ipc_noids]="… + Arrow IPC write$noids"
    [spark_count]="Spark \`df.count()\`"
    [spark_sum_size]="Spark $sum"
    [spark_sum_size_default]="Spark $sum, default \`splits\`"
    [spark_count_noids]="Spark \`df.count()\`$noids"
    [spark_sum_size_noids]="Spark $sum$noids"
    [spark_sum_size_unchecked]="Spark $sum$unchecked"
    [spark_sum_size_noids_unchecked]="Spark $sum$noids$unchecked"
    [hail_gt]="Hail $HAIL_VERSION \`import_vcf\` + \`aggregate_entries\`"
)
order=(count count_noids
    rust_read_split rust_read_split_ipc rust_read_split_noids rust_read_split_ipc_noids
    spark_count spark_sum_size spark_sum_size_default spark_count_noids spark_sum_size_noids
    spark_sum_size_unchecked spark_sum_size_noids_unchecked hail_gt)

echo "Input: $(basename "$vcf") ($(megabytes "$vcf") MB, $VARIANTS variants x $SAMPLES samples)."
echo "Session starts: Spark $(printf '%.1f' "$(field spark_session 3)") s," \
    "with Arrow bounds checks off $(printf '%.1f' "$(field spark_session_unchecked 3)") s," \
    "Hail $(printf '%.1f' "$(field hail_session 3)") s (not in the times below)."
echo
echo "| step | tasks | median s (of $RUNS) | median CPU s (JVM + Python)" \
    "| genotypes/s | per core ($CORES) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for step in "${order[@]}"; do
    awk -F'\t' -v s="$step" -v what="${what[$step]}" -v cores="$CORES" '
        function sci(x,   e, m) {
            e = int(log(x) / log(10))
            m = sprintf("%.1f", x / 10 ^ e)
            if (m == "10.0") { m = "1.0"; e++ }
            return m " × 10^" e
        }
        $1 == s {
            cpu = ($5 > 0 ? sprintf("%.1f + %.1f", $5, $6) : sprintf("%.1f", $6))
            printf "| %s | %s | %.2f | %s | %s | %s |\n",
                what, $2, $3, cpu, sci($4 / $3), sci($4 / $3 / cores)
        }' <<<"$results"
done

# CPU nanoseconds per genotype of a step: its JVMs (column 5) or its
# other processes (column 6); and the difference between two steps' others.
ns() { awk -F'\t' -v s="$1" -v f="$2" '$1 == s { printf "%.1f", $f * 1e9 / $4 }' <<<"$results"; }
ipc() { awk -v a="$(ns "$1" 6)" -v b="$(ns "$2" 6)" 'BEGIN { printf "%.1f", b - a }'; }
row() { echo "| $1 | $2 | $3 |"; }
echo
echo "Where the time goes, in CPU nanoseconds per genotype (medians of the steps above):"
echo
row part "with sample ids" "includeSampleIds=false"
row --- ---: ---:
row "Rust decode (\`genolake count\`)" "$(ns count 6)" "$(ns count_noids 6)"
row "Rust decode + Arrow C stream into pyarrow (\`read_split\`)" \
    "$(ns rust_read_split 6)" "$(ns rust_read_split_noids 6)"
row "Arrow IPC write (the hand-off's copy in the Python worker)" \
    "$(ipc rust_read_split rust_read_split_ipc)" "$(ipc rust_read_split_noids rust_read_split_ipc_noids)"
row "Spark's Python workers, all (decode, IPC, socket)" \
    "$(ns spark_sum_size 6)" "$(ns spark_sum_size_noids 6)"
row "Spark's JVM (IPC read, Arrow → UnsafeRow, sum)" \
    "$(ns spark_sum_size 5)" "$(ns spark_sum_size_noids 5)"
row "… with Arrow bounds checks off" \
    "$(ns spark_sum_size_unchecked 5)" "$(ns spark_sum_size_noids_unchecked 5)"
row "Spark's JVM for \`df.count()\`" "$(ns spark_count 5)" "$(ns spark_count_noids 5)"
echo
echo "Glow's published rate: 3–5 × 10^5 genotypes/s per core; issue 14's goal: 5 × 10^6 per core."
