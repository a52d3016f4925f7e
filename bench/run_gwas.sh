#!/usr/bin/env bash
# Benchmarks `genolake gwas` (issue 18) against plink2 --glm, in one run.
#
#   bench/run_gwas.sh [VARIANTS] [SAMPLES] [RUNS]      (defaults: 100000 2000 3)
#   NO_BUILD=1 bench/run_gwas.sh ...     (use the binaries in CARGO_TARGET_DIR as they are)
#   COHORTS=msprime TESTS=linear bench/run_gwas.sh ...   (one cohort: gt or msprime; linear only)
#
# Cohorts (made if missing): bench/run.sh's simulated GT cohort and the
# msprime cohort (realistic frequencies and linkage). Untimed set-up per
# cohort: plink2 --make-pgen and --make-bed, genolake ingest into a
# matrix-layout Delta table, ten covariates (uniform and normal), and one
# quantitative and one binary phenotype simulated from 20 causal variants
# (plink2 --score) plus the covariates plus noise; the binary one is the
# quantitative one above its median.
# Timed, RUNS times each, all with --threads $THREADS:
#   plink2 --pfile --glm hide-covar (linear)                        (peer)
#   genolake gwas linear on the matrix table and on the .bed
#   plink2 --pfile --glm firth-fallback hide-covar (logistic)       (peer)
#   genolake gwas logistic --test wald on the matrix table and the .bed
#   genolake gwas wgr on the matrix table (block size 1000 and 200; once)
# Then every genolake result is checked against plink2's (bench/gwas_check.py,
# pyarrow from QC_VENV): the largest relative deviations of BETA, SE and P.
# Needs plink2, bgzip and GNU time.
set -euo pipefail

VARIANTS=${1:-100000}
SAMPLES=${2:-2000}
RUNS=${3:-3}
THREADS=${THREADS:-2}
source "$(dirname "$0")/lib.sh"

venv=${QC_VENV:-$HOME/.cache/genolake/qc-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyarrow' 2>/dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet pyarrow >&2
fi

# Covariates and phenotypes for the samples of $1.psam, into $1.cov and
# $1.pheno (plink2's #IID tables, which genolake reads as they are).
simulate_traits() {
    local prefix=$1
    grep -v '^#' "$prefix.pvar" | awk 'BEGIN { srand(7) } NR % 997 == 0 { printf "%s\t%s\t%.3f\n", $3, $5, rand() - 0.5 }' \
        | head -n 20 > "$prefix.causal"
    plink2 --pfile "$prefix" --score "$prefix.causal" 1 2 3 cols=+scoresums --out "$prefix.score" \
        --threads "$THREADS" --silent
    awk -v seed=11 'BEGIN { srand(seed); pi = 3.141592653589793 }
        function normal() { return sqrt(-2 * log(1 - rand())) * cos(2 * pi * rand()) }
        NR == 1 { h = "#IID"; for (i = 0; i < 10; i++) h = h sprintf("\tc%d", i); print h > "'"$prefix"'.cov"; next }
        {
            line = $1; effect = 0
            for (i = 0; i < 10; i++) { v = (i < 5) ? rand() : normal(); line = line sprintf("\t%.6f", v); effect += 0.1 * v }
            print line > "'"$prefix"'.cov"
            y[$1] = $NF + effect + normal(); order[NR] = $1; n = NR
        }
        END {
            print "#IID\tquantitative" > "'"$prefix"'.pheno"
            for (r = 2; r <= n; r++) printf "%s\t%.6f\n", order[r], y[order[r]] > "'"$prefix"'.pheno"
        }' "$prefix.score.sscore"
    # The binary trait: the quantitative one above its median (plink2's
    # 1/2 coding is avoided: 0/1 with --1).
    local median
    median=$(tail -n +2 "$prefix.pheno" | cut -f2 | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    awk -v m="$median" 'NR == 1 { print "#IID\tbinary"; next } { printf "%s\t%d\n", $1, ($2 > m) }' \
        "$prefix.pheno" > "$prefix.bin"
}

case ${COHORTS:-all} in
    gt) inputs=("$(simulated_cohort gt)") ;;
    msprime) inputs=("$(msprime_cohort)") ;;
    *) inputs=("$(simulated_cohort gt)" "$(msprime_cohort)") ;;
esac
TESTS=${TESTS:-all}

echo "Started $(date -u '+%Y-%m-%d %H:%M:%S') UTC, commit $(git -C "$ROOT" rev-parse --short HEAD), load:$(uptime | sed 's/.*load average://')"
echo
echo "| input | command | median s (of $RUNS) | peak RSS MiB | ratio to plink2 |"
echo "| --- | --- | ---: | ---: | --- |"
checks=""
for vcf in "${inputs[@]}"; do
    short=$(basename "$vcf" .vcf.gz)
    p=$SCRATCH/g
    tm=$SCRATCH/gwas_matrix
    plink2 --vcf "$vcf" --max-alleles 2 --set-all-var-ids '@:#:$r:$a' --new-id-max-allele-len 100 truncate \
        --make-pgen --out "$p" --threads "$THREADS" --silent
    plink2 --pfile "$p" --make-bed --out "$p" --threads "$THREADS" --silent
    simulate_traits "$p"
    rm -rf "$tm"
    "$GENOLAKE" ingest --threads "$THREADS" --layout matrix --table "$tm" "$vcf" >/dev/null

    read -r t_pl m_pl < <(measure plink2 --pfile "$p" --pheno "$p.pheno" --covar "$p.cov" \
        --glm hide-covar --out "$SCRATCH/pl" --threads "$THREADS" --silent)
    read -r t_lm m_lm < <(measure "$GENOLAKE" gwas linear -i "$tm" -p "$p.pheno" -c "$p.cov" \
        -o "$SCRATCH/lin_matrix.parquet" --threads "$THREADS")
    read -r t_lb m_lb < <(measure "$GENOLAKE" gwas linear -i "$p.bed" -p "$p.pheno" -c "$p.cov" \
        -o "$SCRATCH/lin_bed.parquet" --threads "$THREADS")
    echo "| $short | plink2 --pfile --glm hide-covar (linear, 10 covariates) | $t_pl | $(mib "$m_pl") | 1 |"
    echo "| $short | genolake gwas linear, matrix table | $t_lm | $(mib "$m_lm") | $(ratio "$t_lm" "$t_pl") |"
    echo "| $short | genolake gwas linear, .bed | $t_lb | $(mib "$m_lb") | $(ratio "$t_lb" "$t_pl") |"

    if [ "$TESTS" = linear ]; then
        line=$("$venv/bin/python" "$HERE/gwas_check.py" linear "$SCRATCH/pl.quantitative.glm.linear" \
            "$SCRATCH/lin_matrix.parquet" "$SCRATCH/lin_bed.parquet")
        checks+="$short linear: $line"$'\n'
        continue
    fi
    read -r t_pg m_pg < <(measure plink2 --pfile "$p" --pheno "$p.bin" --1 --covar "$p.cov" \
        --glm firth-fallback hide-covar --out "$SCRATCH/pg" --threads "$THREADS" --silent)
    echo "| $short | plink2 --pfile --glm firth-fallback hide-covar (logistic) | $t_pg | $(mib "$m_pg") | 1 |"
    if "$GENOLAKE" gwas logistic --help >/dev/null 2>&1; then
        read -r t_gm m_gm < <(measure "$GENOLAKE" gwas logistic -i "$tm" -p "$p.bin" -c "$p.cov" \
            --test wald -o "$SCRATCH/log_matrix.parquet" --threads "$THREADS")
        read -r t_gb m_gb < <(measure "$GENOLAKE" gwas logistic -i "$p.bed" -p "$p.bin" -c "$p.cov" \
            --test wald -o "$SCRATCH/log_bed.parquet" --threads "$THREADS")
        echo "| $short | genolake gwas logistic --test wald, matrix table | $t_gm | $(mib "$m_gm") | $(ratio "$t_gm" "$t_pg") |"
        echo "| $short | genolake gwas logistic --test wald, .bed | $t_gb | $(mib "$m_gb") | $(ratio "$t_gb" "$t_pg") |"
    fi

    for block in 1000 200; do
        read -r t_w m_w < <(RUNS=1 measure "$GENOLAKE" gwas wgr -i "$tm" -p "$p.pheno" -c "$p.cov" \
            --block-size "$block" -o "$SCRATCH/wgr_$block.parquet" --threads "$THREADS")
        per=$(awk -v t="$t_w" -v v="$VARIANTS" -v s="$SAMPLES" 'BEGIN { printf "%.1f", t * 1e9 / (v * s) }')
        echo "| $short | genolake gwas wgr --block-size $block, matrix table | $t_w | $(mib "$m_w") | $per ns per variant × sample |"
    done

    line=$("$venv/bin/python" "$HERE/gwas_check.py" linear "$SCRATCH/pl.quantitative.glm.linear" \
        "$SCRATCH/lin_matrix.parquet" "$SCRATCH/lin_bed.parquet")
    checks+="$short linear: $line"$'\n'
    if [ -s "$SCRATCH/log_matrix.parquet" ]; then
        line=$("$venv/bin/python" "$HERE/gwas_check.py" logistic "$SCRATCH/pg.binary.glm.logistic.hybrid" \
            "$SCRATCH/log_matrix.parquet" "$SCRATCH/log_bed.parquet")
        checks+="$short logistic: $line"$'\n'
    fi
done
echo
echo "Agreement with plink2 (largest relative deviation over all variants):"
printf '%s' "$checks"
