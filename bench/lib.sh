# Shared by the bench/run*.sh scripts: build, timing and formatting helpers.
# Source it after setting RUNS; it sets GENOLAKE, EXAMPLES and SCRATCH.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
DATA=${BENCH_DATA:-$HERE/data}
THREADS=${THREADS:-$(nproc)}
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/genolake/target}

for tool in bcftools bgzip plink2 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install bcftools tabix plink2 time)" >&2; exit 1; }
done

# The same build as the tests (`cargo test` builds the binary and the
# examples with the workspace's features), so no second copy of DataFusion
# and delta-rs is compiled for the benchmark. NO_BUILD=1 uses the binaries
# in CARGO_TARGET_DIR as they are.
if [ "${NO_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && cargo test --release --workspace --no-run -q)
fi
GENOLAKE=$CARGO_TARGET_DIR/release/genolake
EXAMPLES=$CARGO_TARGET_DIR/release/examples
mkdir -p "$DATA"

# Runs "$@" RUNS times; prints "median_seconds max_rss_kib".
measure() {
    local times=() rss=0 line
    for _ in $(seq "$RUNS"); do
        line=$(/usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -n 1)
        times+=("${line% *}")
        (( ${line#* } > rss )) && rss=${line#* }
    done
    printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "$rss"
}

# "a / b" with two decimals and an x.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
# KiB to MiB.
mib() { echo $(( $1 / 1024 )); }
# Size of a file in MB (10^6 bytes).
megabytes() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.0f", b / 1e6 }'; }

# Path of bench/run.sh's simulated cohort of VARIANTS x SAMPLES, KIND gt or
# rich (crates/genolake-vcf/examples/simulate_vcf.rs), bgzipped; made if
# missing.
simulated_cohort() {
    local kind=$1 vcf=$DATA/cohort_${VARIANTS}x${SAMPLES}_$1.vcf.gz
    if [ ! -s "$vcf" ]; then
        "$EXAMPLES/simulate_vcf" "$VARIANTS" "$SAMPLES" "$kind" | bgzip -@ "$THREADS" > "$vcf.tmp"
        mv "$vcf.tmp" "$vcf"
    fi
    echo "$vcf"
}

# Path of the msprime cohort of VARIANTS x SAMPLES on contig 1 (realistic
# allele frequencies and linkage, every call phased; bench/simulate_phased.py),
# bgzipped; made if missing, in a venv of its own (BENCH_VENV).
msprime_cohort() {
    local venv=${BENCH_VENV:-$HOME/.cache/genolake/bench-venv}
    local vcf=$DATA/msprime_1_${VARIANTS}x${SAMPLES}.vcf.gz
    if [ ! -s "$vcf" ]; then
        if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import msprime' 2>/dev/null; then
            python3 -m venv "$venv" >&2
            "$venv/bin/pip" install --quiet msprime >&2
        fi
        "$venv/bin/python" "$HERE/simulate_phased.py" "$VARIANTS" "$SAMPLES" --contig 1 \
            | bgzip -@ "$THREADS" > "$vcf.tmp"
        mv "$vcf.tmp" "$vcf"
    fi
    echo "$vcf"
}
