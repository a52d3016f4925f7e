#!/usr/bin/env bash
# Benchmarks `genolake qc` (issue 16) against plink2's QC reports, in one run.
#
#   bench/run_qc.sh [VARIANTS] [SAMPLES] [RUNS]      (defaults: 100000 2000 3)
#   NO_BUILD=1 bench/run_qc.sh ...     (use the binaries in CARGO_TARGET_DIR as they are)
#
# Inputs, made if missing: bench/run.sh's simulated GT-only cohort (a
# bgzipped VCF, crates/genolake-vcf/examples/simulate_vcf.rs) and the
# msprime cohort of bench/run_matrix.sh (realistic frequencies and linkage).
# Untimed set-up per cohort: plink2 --make-pgen, and genolake ingest into a
# matrix-layout and a Glow-layout Delta table. Timed, RUNS times each:
#   plink2 --pfile X --freq --hardy --missing --threads 2          (peer)
#   genolake qc T_matrix --no-plots --threads 2
#   genolake qc T_glow --no-plots --threads 2
#   genolake qc X.vcf.gz --no-plots --threads 2
#   genolake qc T_matrix --threads 2                             (with the plots)
# plink2 writes its three reports; genolake its variant and sample tables
# (Parquet). The script checks that the variant tables have as many rows as
# the .pvar has variants, and prints Markdown tables to paste into
# bench/RESULTS.md. Needs plink2, bgzip and GNU time.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
THREADS=${THREADS:-2}
if [ "${NO_BUILD:-0}" = 1 ]; then
    cargo() { :; }
fi
source "$(dirname "$0")/lib.sh"

quotient() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
goal() { awk -v a="$1" -v b="$2" 'BEGIN { print a <= b ? "met" : "missed" }'; }

inputs=("$(simulated_cohort gt)" "$(msprime_cohort)")

echo "Started $(date -u '+%Y-%m-%d %H:%M:%S') UTC, commit $(git -C "$ROOT" rev-parse --short HEAD), load:$(uptime | sed 's/.*load average://')"
echo
echo "| input | command | median s (of $RUNS) | peak RSS MiB | ratio to plink2 |"
echo "| --- | --- | ---: | ---: | --- |"
goals=""
failed=0
for vcf in "${inputs[@]}"; do
    short=$(basename "$vcf" .vcf.gz)
    tm=$SCRATCH/qc_matrix
    tg=$SCRATCH/qc_glow
    plink2 --vcf "$vcf" --make-pgen --out "$SCRATCH/qc" --threads "$THREADS" --silent
    rm -rf "$tm" "$tg"
    "$GENOLAKE" ingest --threads "$THREADS" --layout matrix --table "$tm" "$vcf" >/dev/null
    "$GENOLAKE" ingest --threads "$THREADS" --layout glow --table "$tg" "$vcf" >/dev/null

    read -r t_pl m_pl < <(measure plink2 --pfile "$SCRATCH/qc" --freq --hardy --missing \
        --threads "$THREADS" --out "$SCRATCH/qc_plink2" --silent)
    read -r t_qm m_qm < <(measure "$GENOLAKE" qc "$tm" --no-plots --threads "$THREADS" \
        --output "$SCRATCH/qc_out_matrix")
    read -r t_qg m_qg < <(measure "$GENOLAKE" qc "$tg" --no-plots --threads "$THREADS" \
        --output "$SCRATCH/qc_out_glow")
    read -r t_qv m_qv < <(measure "$GENOLAKE" qc "$vcf" --no-plots --threads "$THREADS" \
        --output "$SCRATCH/qc_out_vcf")
    read -r t_qp m_qp < <(measure "$GENOLAKE" qc "$tm" --threads "$THREADS" \
        --output "$SCRATCH/qc_out_plots")

    rows=$(grep -vc '^#' "$SCRATCH/qc.pvar")
    check=ok
    for out in matrix glow vcf plots; do
        n=$("$GENOLAKE" sql --format csv \
            "CREATE EXTERNAL TABLE v STORED AS PARQUET LOCATION '$SCRATCH/qc_out_$out/variant_qc.parquet'; SELECT count(*) FROM v" | tail -n 1 | tr -d '\r')
        if [ "$n" != "$rows" ]; then check="MISMATCH ($out: $n rows)"; failed=1; fi
    done
    echo "| $short | plink2 --pfile --freq --hardy --missing | $t_pl | $(mib "$m_pl") | |"
    echo "| | genolake qc, matrix table, --no-plots | $t_qm | $(mib "$m_qm") | $(quotient "$t_qm" "$t_pl")x |"
    echo "| | genolake qc, Glow table, --no-plots | $t_qg | $(mib "$m_qg") | $(quotient "$t_qg" "$t_pl")x |"
    echo "| | genolake qc, .vcf.gz, --no-plots | $t_qv | $(mib "$m_qv") | $(quotient "$t_qv" "$t_pl")x |"
    echo "| | genolake qc, matrix table, with the 5 plots | $t_qp | $(mib "$m_qp") | $(quotient "$t_qp" "$t_pl")x |"
    echo "| | check: $rows variants in every variant table | | | $check |"
    goals+="| matrix table qc / plink2, $short | ≤ 2.0 | $(quotient "$t_qm" "$t_pl") | $(goal "$(quotient "$t_qm" "$t_pl")" 2) |"$'\n'
    goals+="| Glow table qc / plink2, $short | ≤ 5.0 | $(quotient "$t_qg" "$t_pl") | $(goal "$(quotient "$t_qg" "$t_pl")" 5) |"$'\n'
done
echo
echo "| goal (issue 16) | target | this run | |"
echo "| --- | --- | ---: | --- |"
printf '%s' "$goals"
echo
echo "Ended $(date -u '+%Y-%m-%d %H:%M:%S') UTC, load:$(uptime | sed 's/.*load average://')"
if [ "$failed" = 1 ]; then
    echo "bench: a cross-check failed (MISMATCH above)" >&2
    exit 1
fi
