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
# and delta-rs is compiled for the benchmark.
(cd "$ROOT" && cargo test --release --workspace --no-run -q)
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
