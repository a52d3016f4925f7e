#!/usr/bin/env bash
# Builds every fuzz target of the format crates as a libFuzzer binary on
# stable Rust and runs each one, seeded with the test data.
#
#   scripts/fuzz.sh [TARGET ...]            (default: every target)
#
#   FUZZ_SECONDS   time per target (default 600)
#   FUZZ_RSS_MB    libFuzzer's -rss_limit_mb (default 2048)
#   FUZZ_DIR       corpora, crash artifacts and logs (default ~/.cache/genolake/fuzz)
#
# Nightly Rust and cargo-fuzz are not needed: the flags below are the
# instrumentation cargo-fuzz asks of nightly, which stable rustc accepts.
# A crash leaves its input in $FUZZ_DIR/artifacts/TARGET/; turn each into a
# regression test beside the decoder before fixing it. The summary gives, per
# target, the executions run, the corpus size and the crashes found.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_PER_TARGET=${FUZZ_SECONDS:-600}
RSS_MB=${FUZZ_RSS_MB:-2048}
WORK=${FUZZ_DIR:-$HOME/.cache/genolake/fuzz}
TRIPLE=x86_64-unknown-linux-gnu
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$HOME/.cache/genolake/target-fuzz}
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"

# target name -> crate whose fuzz/ folder holds it
declare -A CRATE=(
    [read_vcf]=genolake-vcf [read_vcf_file]=genolake-vcf [bgzf_blocks]=genolake-vcf [read_bcf]=genolake-vcf
    [read_bgen]=genolake-bgen [read_plink]=genolake-plink [matrix_rows]=genolake-core
    [read_chain]=genolake-ops [parse_annotations]=genolake-ops [read_fasta]=genolake-ops
)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(read_vcf read_vcf_file bgzf_blocks read_bcf read_bgen read_plink matrix_rows
    read_chain parse_annotations read_fasta)

# Copies the files find prints into the corpus $1 under unique names
# (copied, never linked: libFuzzer writes into its corpus).
copy_into() {
    local corpus=$1 file
    while IFS= read -r file; do
        cp "$file" "$corpus/$(printf '%s' "$file" | md5sum | cut -c1-8)-$(basename "$file")"
    done
}

# Seeds each corpus from files of the repository.
seed() {
    local target=$1 corpus=$2
    case $target in
        read_vcf | read_vcf_file)
            find "$ROOT/testdata/glow" "$ROOT/crates/genolake-vcf/tests/data" \
                -name '*.vcf' -size -64k | copy_into "$corpus" ;;
        bgzf_blocks)
            find "$ROOT/testdata/glow" "$ROOT/crates/genolake-vcf/tests/data" \
                \( -name '*.vcf.gz' -o -name '*.bgz' \) -size -256k | copy_into "$corpus" ;;
        read_bcf)
            # The target takes inflated BCF and compresses it itself.
            bgzip -dc "$ROOT/crates/genolake-vcf/tests/data/VCFv4.3.bcf" > "$corpus/VCFv4.3" ;;
        read_bgen)
            find "$ROOT/testdata/glow/bgen" "$ROOT/crates/genolake-bgen/tests/data" \
                -name '*.bgen' -size -512k | copy_into "$corpus" ;;
        read_plink)
            # The target cuts its input into .fam, .bim and .bed at 0xff bytes.
            local set=$ROOT/crates/genolake-plink/tests/data/five-samples-five-variants/bed-bim-fam/test
            { cat "$set.fam"; printf '\xff'; cat "$set.bim"; printf '\xff'; cat "$set.bed"; } \
                > "$corpus/five-samples-five-variants" ;;
        read_chain)
            find "$ROOT/crates/genolake-ops/tests/data/liftover/picard" -name '*.chain' \
                | copy_into "$corpus" ;;
        parse_annotations)
            # The CSQ/ANN Description, then values.
            local vcf
            for vcf in vep snpeff loftee; do
                vcf=$ROOT/crates/genolake-ops/tests/data/vcf/$vcf.vcf
                { grep -m1 -oE 'ID=(CSQ|ANN),[^>]*Description="[^"]*' "$vcf" | sed 's/.*Description="//'
                  grep -v '^#' "$vcf" | grep -oE '(CSQ|ANN)=[^;	]*' | cut -d= -f2 | head -5
                } > "$corpus/$(basename "$vcf")"
            done ;;
        read_fasta)
            # The .fai, a 0xff byte, then the FASTA.
            local ref=$ROOT/crates/genolake-ops/tests/data/variantsplitternormalizer-test/20_altered.fasta
            { cat "$ref.fai"; printf '\xff'; head -c 4096 "$ref"; } > "$corpus/20_altered" ;;
        matrix_rows)
            # Three diploid samples: 0/1 1/1 ./., then a padded haploid one.
            printf '\x03\x02\x00\x01\x01\x01\xff\xff\xfd\x00\x01\x02\xfe\x00\xfe\x01\x01\xff\xfe' \
                > "$corpus/diploid-and-padded" ;;
    esac
}

mkdir -p "$WORK"
built=()
summary=()
for target in "${targets[@]}"; do
    crate=${CRATE[$target]:?unknown target $target}
    if [[ ! " ${built[*]} " =~ " $crate " ]]; then
        echo "fuzz: building the targets of $crate" >&2
        (cd "$ROOT/crates/$crate/fuzz" && cargo build --release --target "$TRIPLE" --bins -q)
        built+=("$crate")
    fi
    corpus=$WORK/corpus/$target
    artifacts=$WORK/artifacts/$target
    log=$WORK/$target.log
    mkdir -p "$corpus" "$artifacts"
    if [ -z "$(ls -A "$corpus")" ]; then
        seed "$target" "$corpus"
    fi
    echo "fuzz: running $target for ${SECONDS_PER_TARGET}s (log: $log)" >&2
    status=0
    "$CARGO_TARGET_DIR/$TRIPLE/release/$target" "$corpus" \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb="$RSS_MB" -timeout=60 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 > "$log" 2>&1 || status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    crashes=$(find "$artifacts" -type f | wc -l)
    summary+=("| $target | $runs | $(ls "$corpus" | wc -l) | $crashes | $status |")
done

echo "| target | executions | corpus | crash files | exit |"
echo "| --- | ---: | ---: | ---: | ---: |"
printf '%s\n' "${summary[@]}"
