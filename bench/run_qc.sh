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
#   genolake sql: the same statistics as SQL (call_summary_stats and
#     hardy_weinberg summed over the rows, sample_call_summary_stats),
#     on each table
# plink2 writes its three reports; genolake its variant and sample tables
# (Parquet). The script checks every variant and sample table against
# plink2's --freq, --hardy, --missing and --sample-counts reports of the
# same cohort (bench/qc_check.py, reading with pyarrow from a venv of its own,
# QC_VENV) and prints Markdown tables to paste into bench/RESULTS.md.
# Needs plink2, bgzip and GNU time.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
THREADS=${THREADS:-2}
source "$(dirname "$0")/lib.sh"

quotient() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
goal() { awk -v a="$1" -v b="$2" 'BEGIN { print a <= b ? "met" : "missed" }'; }

venv=${QC_VENV:-$HOME/.cache/genolake/qc-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyarrow' 2>/dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet pyarrow >&2
fi

# The variant and sample statistics of `genolake qc` as SQL over table $1
# with genotype arguments $2 (and read_delta options $3), reduced to a few
# numbers so that printing takes no time.
sql_qc() {
    echo "SELECT sum(get_field(s, 'nCalled')), sum(get_field(h, 'pValueHwe')) FROM
            (SELECT call_summary_stats($2) AS s, hardy_weinberg($2) AS h FROM read_delta('$1'$3));
          SELECT cardinality(sample_call_summary_stats($2, referenceAllele, alternateAlleles)) FROM read_delta('$1'$3)"
}

inputs=("$(simulated_cohort gt)" "$(msprime_cohort)")

echo "Started $(date -u '+%Y-%m-%d %H:%M:%S') UTC, commit $(git -C "$ROOT" rev-parse --short HEAD), load:$(uptime | sed 's/.*load average://')"
echo
echo "| input | command | median s (of $RUNS) | peak RSS MiB | ratio to plink2 |"
echo "| --- | --- | ---: | ---: | --- |"
goals=""
checks=""
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
    read -r t_sm m_sm < <(measure "$GENOLAKE" sql --threads "$THREADS" --format csv \
        "$(sql_qc "$tm" "calls, callsPloidy" ", 'layout', 'matrix'")")
    read -r t_sg m_sg < <(measure "$GENOLAKE" sql --threads "$THREADS" --format csv \
        "$(sql_qc "$tg" genotypes "")")

    plink2 --pfile "$SCRATCH/qc" --freq --hardy --missing --sample-counts \
        --threads "$THREADS" --out "$SCRATCH/qc_check" --silent
    mismatched=""
    for out in matrix glow vcf plots; do
        if ! "$venv/bin/python" "$HERE/qc_check.py" "$SCRATCH/qc_out_$out" "$SCRATCH/qc_check" "$SCRATCH/qc.pvar" \
            > "$SCRATCH/check_$out.md"; then
            mismatched+=" $out"
            failed=1
        fi
    done
    check=${mismatched:+MISMATCH (${mismatched# })}
    checks+="$short, genolake qc of the matrix table against plink2:"$'\n\n'"$(cat "$SCRATCH/check_matrix.md")"$'\n\n'
    echo "| $short | plink2 --pfile --freq --hardy --missing | $t_pl | $(mib "$m_pl") | |"
    echo "| | genolake qc, matrix table, --no-plots | $t_qm | $(mib "$m_qm") | $(quotient "$t_qm" "$t_pl")x |"
    echo "| | genolake qc, Glow table, --no-plots | $t_qg | $(mib "$m_qg") | $(quotient "$t_qg" "$t_pl")x |"
    echo "| | genolake qc, .vcf.gz, --no-plots | $t_qv | $(mib "$m_qv") | $(quotient "$t_qv" "$t_pl")x |"
    echo "| | genolake qc, matrix table, with the 5 plots | $t_qp | $(mib "$m_qp") | $(quotient "$t_qp" "$t_pl")x |"
    echo "| | SQL, matrix table (call_summary_stats, hardy_weinberg; sample_call_summary_stats) | $t_sm | $(mib "$m_sm") | $(quotient "$t_sm" "$t_pl")x |"
    echo "| | SQL, Glow table (the same over genotypes) | $t_sg | $(mib "$m_sg") | $(quotient "$t_sg" "$t_pl")x |"
    echo "| | check: every variant and sample table equals plink2's reports (bench/qc_check.py) | | | ${check:-ok} |"
    goals+="| matrix table qc / plink2, $short | ≤ 2.0 | $(quotient "$t_qm" "$t_pl") | $(goal "$(quotient "$t_qm" "$t_pl")" 2) |"$'\n'
    goals+="| Glow table qc / plink2, $short | ≤ 5.0 | $(quotient "$t_qg" "$t_pl") | $(goal "$(quotient "$t_qg" "$t_pl")" 5) |"$'\n'
done
echo
echo "| goal (issue 16) | target | this run | |"
echo "| --- | --- | ---: | --- |"
printf '%s' "$goals"
echo
printf '%s' "$checks"
echo "Ended $(date -u '+%Y-%m-%d %H:%M:%S') UTC, load:$(uptime | sed 's/.*load average://')"
if [ "$failed" = 1 ]; then
    echo "bench: a cross-check failed (MISMATCH above)" >&2
    exit 1
fi
