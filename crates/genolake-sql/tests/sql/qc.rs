//! Glow's QC functions in SQL, against the peers: plink2 on a simulated
//! cohort (allele frequencies, Hardy-Weinberg p-values, call rates,
//! per-sample counts), bcftools on the 1000 Genomes slices of Glow's test
//! data (per-sample transitions, transversions, indels, het and hom-var
//! counts), and Glow's own golden values (taken from Hail by Glow's test
//! suite). plink2 and bcftools must be installed: these tests fail without
//! them.

#[path = "../../../genolake-stats/tests/cohort/mod.rs"]
pub(crate) mod cohort;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int32Type};
use cohort::{agrees_to_printed, plink2, report};

use crate::common::glow;

async fn query(sql: &str) -> Vec<RecordBatch> {
    let ctx = genolake_sql::SessionBuilder::new()
        .target_partitions(2)
        .build();
    genolake_sql::run_sql(&ctx, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .batches
}

/// The cells of a result by column name, each column as text per row.
struct Table {
    columns: HashMap<String, Vec<Option<String>>>,
    rows: usize,
}

fn table(batches: &[RecordBatch]) -> Table {
    let options = arrow::util::display::FormatOptions::default().with_null("NULL");
    let mut columns: HashMap<String, Vec<Option<String>>> = HashMap::new();
    let mut rows = 0;
    for batch in batches {
        rows += batch.num_rows();
        for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
            let formatter =
                arrow::util::display::ArrayFormatter::try_new(column.as_ref(), &options).unwrap();
            let cells = columns.entry(field.name().clone()).or_default();
            for i in 0..batch.num_rows() {
                cells.push(column.is_valid(i).then(|| formatter.value(i).to_string()));
            }
        }
    }
    Table { columns, rows }
}

impl Table {
    fn text(&self, column: &str, row: usize) -> &str {
        self.columns[column][row]
            .as_deref()
            .unwrap_or_else(|| panic!("{column} is null in row {row}"))
    }

    fn f64(&self, column: &str, row: usize) -> f64 {
        self.text(column, row).parse().unwrap()
    }
}

/// Runs bcftools; the test fails when it is not installed.
fn bcftools(args: &[&str]) -> String {
    let output = Command::new("bcftools")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("bcftools must be installed for this test (it is the peer): {e}")
        });
    assert!(
        output.status.success(),
        "bcftools {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variant_qc_in_sql_equals_plink2_on_a_simulated_cohort() {
    let cohort = cohort::simulate(3000, 300, 16);
    let dir = tempfile::tempdir().unwrap();
    let vcf = dir.path().join("cohort.vcf");
    cohort.write_vcf(&vcf);
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
    let by_id = |file: &str| -> HashMap<String, HashMap<String, String>> {
        report(&dir.path().join(file))
            .into_iter()
            .map(|r| (r["ID"].clone(), r))
            .collect()
    };
    let (afreq, vmiss, midp) = (by_id("all.afreq"), by_id("all.vmiss"), by_id("midp.hardy"));

    let sql = format!(
        "SELECT names[1] AS id, cardinality(alternateAlleles) AS alts,
                cs['callRate'] AS callRate, cs['nUncalled'] AS nUncalled,
                cs['nAllelesCalled'] AS nAllelesCalled, cs['alleleFrequencies'] AS freqs,
                hw['pValueHwe'] AS pValueHwe
         FROM (SELECT names, alternateAlleles, call_summary_stats(genotypes) AS cs,
                      hardy_weinberg(genotypes) AS hw
               FROM read_vcf('{}'))",
        vcf.display()
    );
    let t = table(&query(&sql).await);
    assert_eq!(t.rows, cohort.sites.len());
    let (mut tiny, mut checked) = (0, 0);
    for row in 0..t.rows {
        let id = t.text("id", row);
        assert_eq!(t.text("nAllelesCalled", row), afreq[id]["OBS_CT"], "{id}");
        let freqs: Vec<f64> = t
            .text("freqs", row)
            .trim_matches(['[', ']'])
            .split(", ")
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        if !freqs.is_empty() {
            for (k, printed) in afreq[id]["ALT_FREQS"].split(',').enumerate() {
                let ours = freqs.get(k + 1).copied().unwrap_or(0.0);
                assert!(
                    agrees_to_printed(ours, printed),
                    "{id}: {ours} against {printed}"
                );
            }
        }
        assert_eq!(t.text("nUncalled", row), vmiss[id]["MISSING_CT"], "{id}");
        assert!(
            agrees_to_printed(1.0 - t.f64("callRate", row), &vmiss[id]["F_MISS"]),
            "{id}"
        );
        if t.text("alts", row) == "1" {
            let p = t.f64("pValueHwe", row);
            assert!(
                agrees_to_printed(p, &midp[id]["MIDP"]),
                "{id}: mid-p {p} against {}",
                midp[id]["MIDP"]
            );
            tiny += usize::from(p < 1e-50);
            checked += 1;
        }
    }
    assert!(
        checked > 2500 && tiny >= 10,
        "{checked} sites, {tiny} with p < 1e-50"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_qc_in_sql_equals_plink2_on_a_simulated_cohort() {
    let cohort = cohort::simulate(3000, 300, 16);
    let dir = tempfile::tempdir().unwrap();
    let vcf = dir.path().join("cohort.vcf");
    cohort.write_vcf(&vcf);
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
    let by_iid = |file: &str| -> HashMap<String, HashMap<String, String>> {
        report(&dir.path().join(file))
            .into_iter()
            .map(|r| (r["IID"].clone(), r))
            .collect()
    };
    let (smiss, scount) = (by_iid("bi.smiss"), by_iid("bi.scount"));
    let sql = format!(
        "SELECT u['sampleId'] AS sampleId, u['nHomRef'] AS nHomRef, u['nHet'] AS nHet,
                u['nHomVar'] AS nHomVar, u['nUncalled'] AS nUncalled, u['callRate'] AS callRate
         FROM (SELECT unnest(s) AS u
               FROM (SELECT sample_call_summary_stats(genotypes, referenceAllele, alternateAlleles) AS s
                     FROM read_vcf('{}') WHERE cardinality(alternateAlleles) = 1))",
        vcf.display()
    );
    let t = table(&query(&sql).await);
    assert_eq!(t.rows, cohort.samples.len());
    for row in 0..t.rows {
        let id = t.text("sampleId", row);
        assert_eq!(id, cohort.samples[row], "samples come in order");
        assert_eq!(t.text("nHomRef", row), scount[id]["HOM_REF_CT"], "{id}");
        assert_eq!(t.text("nHet", row), scount[id]["HET_SNP_CT"], "{id}");
        assert_eq!(t.text("nHomVar", row), scount[id]["HOM_ALT_SNP_CT"], "{id}");
        assert_eq!(t.text("nUncalled", row), smiss[id]["MISSING_CT"], "{id}");
        assert!(
            agrees_to_printed(1.0 - t.f64("callRate", row), &smiss[id]["F_MISS"]),
            "{id}"
        );
    }
}

/// bcftools' per-sample counts (`stats -s -`) of a file's biallelic sites,
/// as Glow counts them: bcftools counts a genotype once where Glow counts
/// each alternate allele, so hom-alt genotypes are counted again from a
/// copy with the heterozygous genotypes set missing.
fn bcftools_glow_counts(file: &str, dir: &Path) -> HashMap<String, [u64; 7]> {
    let bi = dir.join("biallelic.vcf");
    let hom = dir.join("hom.vcf");
    bcftools(&[
        "view",
        "-m2",
        "-M2",
        "-Ov",
        "-o",
        bi.to_str().unwrap(),
        file,
    ]);
    bcftools(&[
        "+setGT",
        bi.to_str().unwrap(),
        "-Ov",
        "-o",
        hom.to_str().unwrap(),
        "--",
        "-t",
        "q",
        "-n",
        ".",
        "-i",
        "GT=\"het\"",
    ]);
    let parse = |path: &Path| -> HashMap<String, (Vec<u64>, Vec<u64>)> {
        let text = bcftools(&["stats", "-s", "-", path.to_str().unwrap()]);
        let mut out: HashMap<String, (Vec<u64>, Vec<u64>)> = HashMap::new();
        for line in text.lines() {
            let cells: Vec<&str> = line.split('\t').collect();
            let numbers = |from: usize, to: usize| -> Vec<u64> {
                cells[from..to]
                    .iter()
                    .map(|c| c.parse::<f64>().unwrap() as u64)
                    .collect()
            };
            match cells[0] {
                // PSC: nRefHom nNonRefHom nHets nTransitions nTransversions nIndels depth nSingletons nHapRef nHapAlt nMissing
                "PSC" => out.entry(cells[2].to_string()).or_default().0 = numbers(3, 14),
                // PSI: in-frame out-frame n/a ratio nInsHets nDelHets nInsAltHoms nDelAltHoms
                "PSI" => out.entry(cells[2].to_string()).or_default().1 = numbers(7, 11),
                _ => {}
            }
        }
        out
    };
    let (all, homs) = (parse(&bi), parse(&hom));
    all.into_iter()
        .map(|(sample, (psc, psi))| {
            let hom_psc = &homs[&sample].0;
            let (ins_het, del_het, ins_hom, del_hom) = (psi[0], psi[1], psi[2], psi[3]);
            // PSC's het and hom counts are SNPs only; PSI has the indels.
            let counts = [
                psc[2] + ins_het + del_het, // nHet
                psc[1] + ins_hom + del_hom, // nHomVar
                psc[3] + hom_psc[3],        // nTransition
                psc[4] + hom_psc[4],        // nTransversion
                ins_het + 2 * ins_hom,      // nInsertion
                del_het + 2 * del_hom,      // nDeletion
                psc[10],                    // nUncalled
            ];
            (sample, counts)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_call_summary_stats_equals_bcftools_stats_on_1000_genomes_slices() {
    for file in [
        glow("tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz"),
        glow("CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let expected = bcftools_glow_counts(&file, dir.path());
        let sql = format!(
            "SELECT u['sampleId'] AS sampleId, u['nHet'] AS nHet, u['nHomVar'] AS nHomVar,
                    u['nTransition'] AS nTransition, u['nTransversion'] AS nTransversion,
                    u['nInsertion'] AS nInsertion, u['nDeletion'] AS nDeletion, u['nUncalled'] AS nUncalled
             FROM (SELECT unnest(s) AS u
                   FROM (SELECT sample_call_summary_stats(genotypes, referenceAllele, alternateAlleles) AS s
                         FROM read_vcf('{file}') WHERE cardinality(alternateAlleles) = 1))"
        );
        let t = table(&query(&sql).await);
        assert_eq!(t.rows, expected.len(), "{file}");
        let mut variants = 0;
        for row in 0..t.rows {
            let id = t.text("sampleId", row);
            let ours: Vec<u64> = [
                "nHet",
                "nHomVar",
                "nTransition",
                "nTransversion",
                "nInsertion",
                "nDeletion",
                "nUncalled",
            ]
            .iter()
            .map(|c| t.text(c, row).parse().unwrap())
            .collect();
            assert_eq!(
                ours, expected[id],
                "{file}: {id} (nHet, nHomVar, nTransition, nTransversion, nInsertion, nDeletion, nUncalled)"
            );
            variants += ours[2] + ours[3] + ours[4] + ours[5];
        }
        assert!(
            variants > 1000,
            "{file}: only {variants} alternate alleles compared"
        );
    }
}

// Glow's golden values (core/src/test/.../SampleQcExprsSuite and
// VariantQcExprsSuite, from Hail), on the full files, multiallelic sites
// included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_qc_of_na12878_equals_glows_golden_values() {
    let file = glow("CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf");
    let sql = format!(
        "SELECT unnest(s) AS u FROM (SELECT sample_call_summary_stats(genotypes, referenceAllele, alternateAlleles) AS s
         FROM read_vcf('{file}'))"
    );
    let batches = query(&sql).await;
    let rows = crate::common::rows(&batches);
    assert_eq!(
        rows,
        [format!(
            "{{sampleId: NA12878, callRate: 1.0, nCalled: 1075, nUncalled: 0, nHomRef: 1, nHet: 893, nHomVar: 181, \
             nSnp: 1082, nInsertion: 85, nDeletion: 98, nTransition: 659, nTransversion: 423, nSpanningDeletion: 2, \
             rTiTv: {}, rInsertionDeletion: {}, rHetHomVar: {}}}",
            659.0 / 423.0,
            85.0 / 98.0,
            893.0 / 181.0
        )]
    );
    let sql = format!(
        "SELECT u['min'] AS min, u['max'] AS max, u['mean'] AS mean, u['stdDev'] AS sd FROM
         (SELECT unnest(s) AS u FROM (SELECT sample_dp_summary_stats(genotypes) AS s FROM read_vcf('{file}')))"
    );
    let batches = query(&sql).await;
    let b = &batches.iter().find(|b| b.num_rows() > 0).unwrap();
    let get = |i: usize| b.column(i).as_primitive::<Float64Type>().value(0);
    assert_eq!((get(0), get(1)), (1.0, 645.0));
    assert!(
        (get(2) - 72.2).abs() < 0.05 && (get(3) - 75.6).abs() < 0.05,
        "{} {}",
        get(2),
        get(3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variant_qc_of_a_1000_genomes_site_equals_glows_golden_values() {
    let file = glow("1kg_sample.vcf");
    let sql = format!(
        "SELECT cs['nCalled'], cs['nUncalled'], cs['nHet'], cs['nNonRef'], cs['nAllelesCalled'],
                cs['alleleCounts'], hw['hetFreqHwe'], hw['pValueHwe'],
                dp['mean'], dp['stdDev'], dp['min'], dp['max'], gq['mean'], gq['stdDev'], gq['min'], gq['max']
         FROM (SELECT call_summary_stats(genotypes) AS cs, hardy_weinberg(genotypes) AS hw,
                      dp_summary_stats(genotypes) AS dp, gq_summary_stats(genotypes) AS gq
               FROM read_vcf('{file}') WHERE contigName = '1' AND start = 904164)"
    );
    let batches = query(&sql).await;
    let b = batches.iter().find(|b| b.num_rows() > 0).unwrap();
    let int = |i: usize| b.column(i).as_primitive::<Int32Type>().value(0);
    let float = |i: usize| b.column(i).as_primitive::<Float64Type>().value(0);
    assert_eq!(
        [int(0), int(1), int(2), int(3), int(4)],
        [704, 6, 110, 134, 1408]
    );
    let counts = b.column(5).as_list::<i32>().value(0);
    assert_eq!(counts.as_primitive::<Int32Type>().values(), &[1250, 158]);
    // Hail's values, to which Glow compares within 20 %; the same test
    // gives them to 1e-9 here.
    let close = |ours: f64, hail: f64| ((ours - hail) / hail).abs() < 1e-9;
    assert!(close(float(6), 0.19938860890353427), "{}", float(6));
    assert!(close(float(7), 2.8753895001390113e-07), "{}", float(7));
    // Hail's standard deviations are the population ones (divisor n, here
    // the 704 samples with DP and GQ); Glow's code, and so genolake,
    // divides by n − 1.
    let sample_sd = |population: f64| population * (704.0f64 / 703.0).sqrt();
    assert!(
        close(float(8), 7.019886363636361) && close(float(9), sample_sd(3.9050742032055332)),
        "{} {}",
        float(8),
        float(9)
    );
    assert_eq!((float(10), float(11)), (1.0, 23.0));
    assert!(
        close(float(12), 26.856534090909086) && close(float(13), sample_sd(22.18115337984482)),
        "{} {}",
        float(12),
        float(13)
    );
    assert_eq!((float(14), float(15)), (2.0, 99.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn genotype_and_array_helpers_follow_glow() {
    let file = glow("CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf");
    let batches = query(&format!(
        "SELECT genotype_states(genotypes)[1] AS state, count(*) AS n FROM read_vcf('{file}') GROUP BY 1 ORDER BY 1"
    ))
    .await;
    // 0/0, 0/1, 1/1 and 1/2 (sum 3) as in the file.
    assert_eq!(
        crate::common::rows(&batches),
        ["0\t1", "1\t881", "2\t181", "3\t12"]
    );
    let batches = query(
        "SELECT array_summary_stats([0.0, 1.0, 2.0]) AS a, array_summary_stats([1.0]) AS one,
                mean_substitute([1.0, -1.0, 3.0]) AS m, mean_substitute([1.0, NULL, 9.0, 3.0], 9) AS m9,
                hard_calls([0.0, 0.05, 0.95], 1, false) AS h, hard_calls([0.1, 0.0, 0.0, 0.92, 0.0, 0.0], 2, false, 0.9) AS h2,
                hard_calls([0.95, 0.05, 0.2, 0.8], 1, true) AS hp",
    )
    .await;
    assert_eq!(
        crate::common::rows(&batches),
        [
            "{mean: 1.0, stdDev: 1.0, min: 0.0, max: 2.0}\t{mean: 1.0, stdDev: NaN, min: 1.0, max: 1.0}\t\
          [1.0, 2.0, 3.0]\t[1.0, 2.0, 2.0, 3.0]\t[1, 1]\t[0, 2]\t[0, -1]"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qc_functions_explain_wrong_arguments() {
    let ctx = genolake_sql::session();
    for (sql, expected) in [
        (
            "SELECT call_summary_stats([1, 2])",
            "takes the genotypes column",
        ),
        ("SELECT hardy_weinberg(1)", "takes the genotypes column"),
        ("SELECT dp_summary_stats('x')", "list of numbers"),
        (
            "SELECT sample_call_summary_stats(X'00', 2, 'A', 'B')",
            "alternateAlleles",
        ),
    ] {
        let err = genolake_sql::run_sql(&ctx, sql)
            .await
            .err()
            .unwrap_or_else(|| panic!("{sql} ran"));
        assert!(err.to_string().contains(expected), "{sql}: {err}");
    }
}
