//! genolake-stats against plink2 on a simulated cohort: allele frequencies
//! (`--freq`), Hardy-Weinberg p-values (`--hardy`, `--hardy midp`), call
//! rates (`--missing`) and per-sample counts (`--sample-counts`). plink2
//! prints six significant digits; every value must round to what it
//! printed. The tests fail when plink2 is not installed.

mod cohort;

use std::collections::HashMap;

use cohort::{Cohort, agrees_to_printed, plink2, report};
use genolake_stats::{
    CallSummary, ListCalls, MatrixCalls, SampleCallStats, call_summary_stats, hardy_weinberg,
};

fn matrix_bytes(calls: &[i32]) -> Vec<u8> {
    calls.iter().map(|&c| c as i8 as u8).collect()
}

fn summaries(cohort: &Cohort) -> Vec<CallSummary> {
    let n = cohort.samples.len();
    let offsets: Vec<i32> = (0..=n as i32).map(|s| 2 * s).collect();
    cohort
        .sites
        .iter()
        .map(|site| {
            let list = call_summary_stats(&ListCalls::new(&site.calls, &offsets));
            let bytes = matrix_bytes(&site.calls);
            let matrix = call_summary_stats(&MatrixCalls::new(&bytes, 2, n).unwrap());
            assert_eq!(
                format!("{list:?}"),
                format!("{matrix:?}"),
                "both layouts give the same summary at {}",
                site.id
            );
            list
        })
        .collect()
}

fn by_id(
    rows: Vec<HashMap<String, String>>,
    key: &str,
) -> HashMap<String, HashMap<String, String>> {
    rows.into_iter()
        .map(|row| (row[key].clone(), row))
        .collect()
}

fn run_plink2(cohort: &Cohort) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    cohort.write_vcf(&dir.path().join("cohort.vcf"));
    plink2(
        dir.path(),
        &[
            "--vcf",
            "cohort.vcf",
            "--freq",
            "--missing",
            "--hardy",
            "--out",
            "all",
        ],
    );
    plink2(
        dir.path(),
        &["--vcf", "cohort.vcf", "--hardy", "midp", "--out", "midp"],
    );
    plink2(
        dir.path(),
        &[
            "--vcf",
            "cohort.vcf",
            "--max-alleles",
            "2",
            "--missing",
            "--sample-counts",
            "--out",
            "bi",
        ],
    );
    dir
}

/// Compares every site's summary with plink2's reports in `dir`; returns
/// how many biallelic sites were tested, had p < 1e-50, and had
/// 0.9 < p < 1.
fn compare_variants(cohort: &Cohort, dir: &std::path::Path) -> (usize, usize, usize) {
    let ours = summaries(cohort);
    let afreq = by_id(report(&dir.join("all.afreq")), "ID");
    let vmiss = by_id(report(&dir.join("all.vmiss")), "ID");
    let hardy = by_id(report(&dir.join("all.hardy")), "ID");
    let midp = by_id(report(&dir.join("midp.hardy")), "ID");
    assert_eq!(afreq.len(), cohort.sites.len());

    let (mut tiny, mut near_one, mut tested) = (0, 0, 0);
    for (site, summary) in cohort.sites.iter().zip(&ours) {
        let id = &site.id;
        let freq = &afreq[id];
        assert_eq!(
            freq["OBS_CT"],
            summary.n_alleles_called.to_string(),
            "{id}: OBS_CT"
        );
        if summary.n_alleles_called > 0 {
            for (k, printed) in freq["ALT_FREQS"].split(',').enumerate() {
                let ours = summary
                    .allele_frequencies
                    .get(k + 1)
                    .copied()
                    .unwrap_or(0.0);
                assert!(
                    agrees_to_printed(ours, printed),
                    "{id}: alt {k} frequency {ours} against {printed}"
                );
            }
        }
        let miss = &vmiss[id];
        assert_eq!(
            miss["MISSING_CT"],
            summary.n_uncalled.to_string(),
            "{id}: MISSING_CT"
        );
        assert!(
            agrees_to_printed(1.0 - summary.call_rate, &miss["F_MISS"]),
            "{id}: call rate {} against F_MISS {}",
            summary.call_rate,
            miss["F_MISS"]
        );
        if site.alternates.len() != 1 {
            continue;
        }
        // plink2's A1 is the reference allele for a biallelic site.
        let h = &hardy[id];
        assert_eq!(h["A1"], site.reference, "{id}: A1");
        let counts = |k: usize| {
            summary
                .n_homozygous
                .get(k)
                .copied()
                .unwrap_or(0)
                .to_string()
        };
        assert_eq!(h["HOM_A1_CT"], counts(0), "{id}: HOM_A1_CT");
        assert_eq!(h["HET_A1_CT"], summary.n_het.to_string(), "{id}: HET_A1_CT");
        assert_eq!(h["TWO_AX_CT"], counts(1), "{id}: TWO_AX_CT");
        let hw = hardy_weinberg(summary);
        assert!(
            agrees_to_printed(hw.p_value_exact, &h["P"]),
            "{id}: p {} against {}",
            hw.p_value_exact,
            h["P"]
        );
        assert!(
            agrees_to_printed(hw.p_value_hwe, &midp[id]["MIDP"]),
            "{id}: mid-p {} against {}",
            hw.p_value_hwe,
            midp[id]["MIDP"]
        );
        tested += 1;
        tiny += usize::from(hw.p_value_exact < 1e-50);
        near_one += usize::from(hw.p_value_exact > 0.9 && hw.p_value_exact < 1.0);
    }
    (tested, tiny, near_one)
}

#[test]
fn variant_qc_equals_plink2_freq_hardy_and_missing() {
    let cohort = cohort::simulate(3000, 300, 16);
    let dir = run_plink2(&cohort);
    let (tested, tiny, _) = compare_variants(&cohort, dir.path());
    assert!(tested > 2500, "{tested} biallelic sites tested");
    assert!(tiny >= 10, "only {tiny} sites with p < 1e-50");
}

#[test]
fn hardy_weinberg_equals_plink2_near_one_with_many_samples() {
    let cohort = cohort::simulate_common(300, 2000, 17);
    let dir = run_plink2(&cohort);
    let (tested, tiny, near_one) = compare_variants(&cohort, dir.path());
    assert!(
        tested > 250 && tiny >= 1,
        "{tested} sites tested, {tiny} with p < 1e-50"
    );
    assert!(near_one >= 5, "only {near_one} sites with 0.9 < p < 1");
}

#[test]
fn sample_qc_equals_plink2_sample_counts_and_missing() {
    let cohort = cohort::simulate(3000, 300, 16);
    let dir = run_plink2(&cohort);
    let n = cohort.samples.len();
    let offsets: Vec<i32> = (0..=n as i32).map(|s| 2 * s).collect();
    let mut list = SampleCallStats::default();
    let mut matrix = SampleCallStats::default();
    // Two partial accumulators merged, as an engine would run them.
    let mut second_half = SampleCallStats::default();
    let biallelic: Vec<_> = cohort
        .sites
        .iter()
        .filter(|s| s.alternates.len() == 1)
        .collect();
    for (i, site) in biallelic.iter().enumerate() {
        let alts = site.alternates.iter().map(String::as_str);
        list.add_row(
            &ListCalls::new(&site.calls, &offsets),
            &site.reference,
            alts.clone(),
        )
        .unwrap();
        let bytes = matrix_bytes(&site.calls);
        let target = if i < biallelic.len() / 2 {
            &mut matrix
        } else {
            &mut second_half
        };
        target
            .add_row(
                &MatrixCalls::new(&bytes, 2, n).unwrap(),
                &site.reference,
                alts,
            )
            .unwrap();
    }
    matrix.merge(&second_half).unwrap();
    assert_eq!(list.counts(), matrix.counts());

    let smiss = by_id(report(&dir.path().join("bi.smiss")), "IID");
    let scount = by_id(report(&dir.path().join("bi.scount")), "IID");
    for (sample, counts) in cohort.samples.iter().zip(list.counts()) {
        let miss = &smiss[sample];
        assert_eq!(
            miss["MISSING_CT"],
            counts.n_uncalled.to_string(),
            "{sample}: MISSING_CT"
        );
        assert!(
            agrees_to_printed(1.0 - counts.call_rate(), &miss["F_MISS"]),
            "{sample}: F_MISS"
        );
        let c = &scount[sample];
        assert_eq!(
            c["HOM_REF_CT"],
            counts.n_hom_ref.to_string(),
            "{sample}: HOM_REF_CT"
        );
        assert_eq!(
            c["HOM_ALT_SNP_CT"],
            counts.n_hom_var.to_string(),
            "{sample}: HOM_ALT_SNP_CT"
        );
        assert_eq!(
            c["HET_SNP_CT"],
            counts.n_het.to_string(),
            "{sample}: HET_SNP_CT"
        );
        assert_eq!(
            counts.n_snp(),
            counts.n_het + 2 * counts.n_hom_var,
            "{sample}: every alternate allele of a biallelic SNP is a transition or a transversion"
        );
    }
}

/// Exact p-values with rational arithmetic (Python's integers), for every
/// biallelic site of both cohorts: plink2 prints six digits, this checks
/// the digits beyond.
const EXACT_HWE: &str = r#"
import sys
fact = [1]
def factorial(k):
    while len(fact) <= k:
        fact.append(fact[-1] * len(fact))
    return fact[k]
for line in sys.stdin:
    het, hom1, hom2 = map(int, line.split())
    n = het + hom1 + hom2
    rare = het + 2 * min(hom1, hom2)
    if n == 0:
        print("1 0.5")
        continue
    def weight(h):
        homr = (rare - h) // 2
        homc = n - h - homr
        # n! 2^h / (h! homr! homc!), an integer
        return factorial(n) * 2 ** h // (factorial(h) * factorial(homr) * factorial(homc))
    weights = [weight(h) for h in range(rare % 2, rare + 1, 2)]
    observed = weight(het)
    total = sum(weights)
    tail = sum(w for w in weights if w <= observed)
    ties = sum(w for w in weights if w == observed)
    print(repr(tail / total), repr((2 * tail - ties) / (2 * total)))
"#;

#[test]
fn hardy_weinberg_p_values_equal_exact_rational_arithmetic_to_1e_9() {
    use std::io::Write;
    let mut tables = Vec::new();
    // A third of the large cohort keeps Python's big-integer sums quick.
    for cohort in [
        cohort::simulate(3000, 300, 16),
        cohort::simulate_common(100, 2000, 17),
    ] {
        for (site, summary) in cohort.sites.iter().zip(summaries(&cohort)) {
            if site.alternates.len() == 1 {
                tables.push(summary);
            }
        }
    }
    let python = std::env::var("GENOLAKE_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = std::process::Command::new(&python)
        .args(["-c", EXACT_HWE])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{python} must be installed for this test: {e}"));
    let mut input = String::new();
    for s in &tables {
        let hom = |k: usize| s.n_homozygous.get(k).copied().unwrap_or(0);
        input.push_str(&format!("{} {} {}\n", s.n_het, hom(0), hom(1)));
    }
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let exact = String::from_utf8(output.stdout).unwrap();
    let (mut tiny, mut near_one) = (0, 0);
    for (summary, line) in tables.iter().zip(exact.lines()) {
        let (p, mid_p) = line.split_once(' ').unwrap();
        let (p, mid_p): (f64, f64) = (p.parse().unwrap(), mid_p.parse().unwrap());
        let hw = hardy_weinberg(summary);
        let close = |ours: f64, exact: f64| {
            exact == 0.0 && ours == 0.0 || ((ours - exact) / exact).abs() < 1e-9
        };
        assert!(
            close(hw.p_value_exact, p),
            "{:?}: p {} against exact {p}",
            summary.n_homozygous,
            hw.p_value_exact
        );
        assert!(
            close(hw.p_value_hwe, mid_p),
            "{:?}: mid-p {} against exact {mid_p}",
            summary.n_homozygous,
            hw.p_value_hwe
        );
        tiny += usize::from(p < 1e-50);
        near_one += usize::from(p > 0.9 && p < 1.0);
    }
    assert_eq!(exact.lines().count(), tables.len());
    assert!(
        tiny >= 10 && near_one >= 5,
        "{tiny} tiny, {near_one} near one"
    );
}
