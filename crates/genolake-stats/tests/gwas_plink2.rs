//! Linear-regression GWAS against plink2 `--glm`, the peer: on Glow's
//! regression fixture (1000 Genomes genotypes, simulated phenotypes,
//! covariates and offsets, `tests/data/gwas`) and on a simulated cohort
//! with missing phenotypes. plink2 prints six significant digits; BETA
//! and SE must round to what it printed, P agree to a relative 10⁻⁵. The tests fail when plink2 is
//! not installed. The .bed plink2 writes for the simulated cohort gives
//! the same dosages through the 2-bit path. One more test reproduces the row Glow's documentation
//! asserts for `linear_regression_gwas` on the same fixture.

mod cohort;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, StructArray};
use arrow::datatypes::Int32Type;
use cohort::{Rng, agrees_to_printed, plink2, report};
use faer::{Mat, MatRef};
use genolake_stats::ListCalls;
use genolake_stats::gwas::dosage::{RowDosages, from_bed, from_calls};
use genolake_stats::gwas::linear::{LinearModel, LinearOptions, LinearResults};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gwas")
        .join(name)
}

/// A gzipped CSV with a sample id column first: ids, column names, values
/// (row-major).
fn csv_gz(path: &Path) -> (Vec<String>, Vec<String>, Vec<Vec<f64>>) {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut lines = text.lines();
    let names: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .skip(1)
        .map(String::from)
        .collect();
    let (mut ids, mut values) = (Vec::new(), Vec::new());
    for line in lines {
        let mut fields = line.split(',');
        ids.push(fields.next().unwrap().to_string());
        values.push(fields.map(|v| v.parse::<f64>().unwrap()).collect());
    }
    (ids, names, values)
}

struct Genotypes {
    samples: Vec<String>,
    ids: Vec<String>,
    dosages: Vec<f64>,
}

fn read_vcf(path: &Path) -> Genotypes {
    let reader = genolake_vcf::Reader::open(path).unwrap();
    let mut out = Genotypes {
        samples: Vec::new(),
        ids: Vec::new(),
        dosages: Vec::new(),
    };
    for batch in reader {
        let batch = batch.unwrap();
        let names = batch
            .column_by_name("names")
            .unwrap()
            .as_list::<i32>()
            .clone();
        let genotypes = batch
            .column_by_name("genotypes")
            .unwrap()
            .as_list::<i32>()
            .clone();
        for row in 0..batch.num_rows() {
            let g = genotypes.value(row);
            let g: &StructArray = g.as_struct();
            if out.samples.is_empty() {
                let ids = g.column_by_name("sampleId").unwrap().as_string::<i32>();
                out.samples = (0..ids.len()).map(|i| ids.value(i).to_string()).collect();
            }
            let calls = g.column_by_name("calls").unwrap().as_list::<i32>();
            let values = calls.values().as_primitive::<Int32Type>().values();
            let n = out.samples.len();
            let start = out.dosages.len();
            out.dosages.resize(start + n, 0.0);
            let row_dosages = from_calls(
                &ListCalls::new(values, calls.value_offsets()),
                &mut out.dosages[start..],
            )
            .unwrap();
            assert!(matches!(row_dosages, RowDosages::Written { .. }));
            let name = names.value(row);
            out.ids.push(name.as_string::<i32>().value(0).to_string());
        }
    }
    out
}

/// Runs plink2 --glm and checks every (variant, phenotype) it reports
/// against `results`, and that it reports exactly the pairs we test.
/// Returns the largest relative deviations of BETA, SE and P.
fn check_against_plink2(
    dir: &Path,
    ids: &[String],
    phenotypes: &[String],
    results: &LinearResults,
) -> [f64; 3] {
    let mut worst = [0.0f64; 3];
    for (p, name) in phenotypes.iter().enumerate() {
        let rows = report(&dir.join(format!("out.{name}.glm.linear")));
        let by_id: HashMap<&str, &HashMap<String, String>> = rows
            .iter()
            .filter(|r| r["TEST"] == "ADD")
            .map(|r| (r["ID"].as_str(), r))
            .collect();
        for (v, id) in ids.iter().enumerate() {
            let ours = results.get(v, p);
            let theirs = by_id.get(id.as_str()).filter(|r| r["BETA"] != "NA");
            match (ours, theirs) {
                (Some(a), Some(r)) => {
                    for (k, (value, column)) in
                        [(a.beta, "BETA"), (a.standard_error, "SE"), (a.p_value, "P")]
                            .into_iter()
                            .enumerate()
                    {
                        // plink2 may count the reference allele (A1 ≠ ALT):
                        // its BETA then has the other sign.
                        let flipped = column == "BETA" && r["A1"] != r["ALT"];
                        let text = if flipped {
                            r[column]
                                .strip_prefix('-')
                                .map_or_else(|| format!("-{}", r[column]), str::to_string)
                        } else {
                            r[column].clone()
                        };
                        let printed: f64 = text.parse().unwrap();
                        worst[k] = worst[k].max(((value - printed) / printed).abs());
                        // plink2's t-distribution tail carries about six
                        // digits of its own: P gets a relative 10⁻⁵.
                        let agrees = if column == "P" {
                            ((value - printed) / printed).abs() < 1e-5
                        } else {
                            agrees_to_printed(value, &text)
                        };
                        assert!(
                            agrees,
                            "{name} {id} {column}: ours {value}, plink2 {}",
                            r[column]
                        );
                    }
                }
                (None, None) => {}
                (ours, theirs) => panic!(
                    "{name} {id}: ours {ours:?}, plink2 {:?}",
                    theirs.map(|r| &r["BETA"])
                ),
            }
        }
    }
    worst
}

fn write_table(path: &Path, header: &str, samples: &[String], columns: &[Vec<f64>]) {
    let mut text = String::from(header);
    text.push('\n');
    for (i, s) in samples.iter().enumerate() {
        text.push_str(s);
        for column in columns {
            let v = column[i];
            if v.is_nan() {
                text.push_str("\tNA")
            } else {
                write!(text, "\t{v:.17e}").unwrap()
            }
        }
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn glows_fixture_with_offsets_matches_plink2_glm() {
    let genotypes = read_vcf(&data("genotypes.vcf.gz"));
    let (pheno_ids, pheno_names, pheno) = csv_gz(&data("continuous-phenotypes.csv.gz"));
    let (cov_ids, cov_names, cov) = csv_gz(&data("covariates.csv.gz"));
    let (off_ids, off_names, off) = csv_gz(&data("continuous-offsets.csv.gz"));
    assert_eq!(pheno_ids, genotypes.samples);
    assert_eq!(cov_ids, genotypes.samples);
    assert_eq!(off_ids, genotypes.samples);
    assert_eq!(off_names, pheno_names);
    let n = genotypes.samples.len();
    let (p, c, m) = (pheno_names.len(), cov_names.len(), genotypes.ids.len());
    let y = Mat::from_fn(n, p, |i, j| pheno[i][j]);
    let o = Mat::from_fn(n, p, |i, j| off[i][j]);
    let x = Mat::from_fn(n, c, |i, j| cov[i][j]);
    let model = LinearModel::new(
        x.as_ref(),
        y.as_ref(),
        Some(o.as_ref()),
        &LinearOptions::default(),
    )
    .unwrap();
    let mut results = LinearResults::default();
    model
        .test(
            MatRef::from_column_major_slice(&genotypes.dosages, n, m),
            &mut results,
        )
        .unwrap();

    // plink2 gets the phenotype minus its offset.
    let dir = tempfile::tempdir().unwrap();
    let adjusted: Vec<Vec<f64>> = (0..p)
        .map(|j| (0..n).map(|i| pheno[i][j] - off[i][j]).collect())
        .collect();
    write_table(
        &dir.path().join("pheno.tsv"),
        &format!("#IID\t{}", pheno_names.join("\t")),
        &genotypes.samples,
        &adjusted,
    );
    let covariates: Vec<Vec<f64>> = (0..c)
        .map(|j| (0..n).map(|i| cov[i][j]).collect())
        .collect();
    write_table(
        &dir.path().join("covar.tsv"),
        &format!("#IID\t{}", cov_names.join("\t")),
        &genotypes.samples,
        &covariates,
    );
    let vcf = data("genotypes.vcf.gz");
    plink2(
        dir.path(),
        &[
            "--vcf",
            vcf.to_str().unwrap(),
            "--pheno",
            "pheno.tsv",
            "--covar",
            "covar.tsv",
            "--glm",
            "hide-covar",
            "--covar-variance-standardize",
            "--out",
            "out",
            "--threads",
            "1",
        ],
    );
    let worst = check_against_plink2(dir.path(), &genotypes.ids, &pheno_names, &results);
    eprintln!(
        "Glow fixture, {m} variants x {p} phenotypes: largest relative deviation from plink2 BETA {:.1e}, SE {:.1e}, P {:.1e}",
        worst[0], worst[1], worst[2]
    );
}

#[test]
fn a_simulated_cohort_with_missing_phenotypes_matches_plink2_glm() {
    // plink2 drops a sample with a missing genotype from that variant's
    // fit where we impute the mean: call them 0/0 here, and leave out the
    // multiallelic sites.
    let mut cohort = cohort::simulate_common(300, 400, 18);
    cohort.sites.retain(|s| s.alternates.len() == 1);
    for site in &mut cohort.sites {
        for call in &mut site.calls {
            *call = (*call).max(0);
        }
    }
    let n = cohort.samples.len();
    let m = cohort.sites.len();
    let offsets: Vec<i32> = (0..=n as i32).map(|s| 2 * s).collect();
    let mut dosages = vec![0.0; n * m];
    let mut ids = Vec::new();
    for (v, site) in cohort.sites.iter().enumerate() {
        let row = from_calls(
            &ListCalls::new(&site.calls, &offsets),
            &mut dosages[v * n..(v + 1) * n],
        )
        .unwrap();
        assert!(row.is_written(), "{}", site.id);
        ids.push(site.id.clone());
    }
    // Three covariates, two phenotypes driven by the first variants, each
    // missing on a different tenth of the samples.
    let mut rng = Rng(7);
    let x = Mat::from_fn(n, 3, |_, _| rng.unit() * 2.0 - 1.0);
    let y = Mat::from_fn(n, 2, |i, j| {
        let missing = (i * 7 + j * 3) % 10 == 0;
        if missing {
            f64::NAN
        } else {
            0.3 * dosages[(j + 1) * n + i] + 0.5 * x[(i, 0)] - x[(i, 2)] + (rng.unit() - 0.5) * 2.0
        }
    });
    let model = LinearModel::new(x.as_ref(), y.as_ref(), None, &LinearOptions::default()).unwrap();
    let mut results = LinearResults::default();
    model
        .test(
            MatRef::from_column_major_slice(&dosages, n, m),
            &mut results,
        )
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    cohort.write_vcf(&dir.path().join("c.vcf"));
    let names = vec!["y1".to_string(), "y2".to_string()];
    let columns: Vec<Vec<f64>> = (0..2)
        .map(|j| (0..n).map(|i| y[(i, j)]).collect())
        .collect();
    write_table(
        &dir.path().join("pheno.tsv"),
        "#IID\ty1\ty2",
        &cohort.samples,
        &columns,
    );
    let covariates: Vec<Vec<f64>> = (0..3)
        .map(|j| (0..n).map(|i| x[(i, j)]).collect())
        .collect();
    write_table(
        &dir.path().join("covar.tsv"),
        "#IID\tc1\tc2\tc3",
        &cohort.samples,
        &covariates,
    );
    plink2(
        dir.path(),
        &[
            "--vcf",
            "c.vcf",
            "--pheno",
            "pheno.tsv",
            "--covar",
            "covar.tsv",
            "--glm",
            "hide-covar",
            "--out",
            "out",
            "--threads",
            "1",
        ],
    );
    let worst = check_against_plink2(dir.path(), &ids, &names, &results);

    // The same genotypes as plink2 writes them to a .bed: the 2-bit path
    // gives the dosages of the calls path.
    plink2(dir.path(), &["--vcf", "c.vcf", "--make-bed", "--out", "c"]);
    let bed = std::fs::read(dir.path().join("c.bed")).unwrap();
    let bim = std::fs::read_to_string(dir.path().join("c.bim")).unwrap();
    let record = n.div_ceil(4);
    assert_eq!(bed.len(), 3 + m * record);
    let mut column = vec![0.0; n];
    for (v, line) in bim.lines().enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        let site = &cohort.sites[v];
        // plink2 writes ALT as allele 1 (the counted allele).
        assert_eq!(
            (fields[4], fields[5]),
            (site.alternates[0].as_str(), site.reference.as_str())
        );
        from_bed(&bed[3 + v * record..3 + (v + 1) * record], &mut column).unwrap();
        assert_eq!(
            column.as_slice(),
            &dosages[v * n..(v + 1) * n],
            "{}",
            site.id
        );
    }
    eprintln!(
        "simulated cohort, {m} variants x 2 phenotypes with missing values: largest relative deviation from plink2 BETA {:.1e}, SE {:.1e}, P {:.1e}",
        worst[0], worst[1], worst[2]
    );
}

#[test]
fn glows_documented_linear_regression_gwas_row_is_reproduced() {
    // Glow's documentation of `linear_regression_gwas` runs this fixture
    // with the covariates plus an explicit intercept column (the SQL
    // function adds none) and asserts, for rs587755077 (22:16050115) and
    // Continuous_Trait_1: beta 0.1472251285257647, standardError
    // 0.1415532796964315, pValue 0.298408742884705.
    let genotypes = read_vcf(&data("genotypes.vcf.gz"));
    let (_, _, pheno) = csv_gz(&data("continuous-phenotypes.csv.gz"));
    let (_, cov_names, cov) = csv_gz(&data("covariates.csv.gz"));
    let n = genotypes.samples.len();
    let c = cov_names.len();
    let covariates = Mat::from_fn(n, c + 1, |i, j| if j < c { cov[i][j] } else { 1.0 });
    let y = Mat::from_fn(n, 1, |i, _| pheno[i][0]);
    let options = LinearOptions {
        fit_intercept: false,
        ..LinearOptions::default()
    };
    let model = LinearModel::new(covariates.as_ref(), y.as_ref(), None, &options).unwrap();
    let v = genotypes
        .ids
        .iter()
        .position(|id| id == "rs587755077")
        .unwrap();
    let mut results = LinearResults::default();
    model
        .test(
            MatRef::from_column_major_slice(&genotypes.dosages[v * n..(v + 1) * n], n, 1),
            &mut results,
        )
        .unwrap();
    let a = results.get(0, 0).unwrap();
    let close = |ours: f64, glow: f64| ((ours - glow) / glow).abs() < 1e-10;
    assert!(close(a.beta, 0.1472251285257647), "beta {}", a.beta);
    assert!(
        close(a.standard_error, 0.1415532796964315),
        "standardError {}",
        a.standard_error
    );
    assert!(close(a.p_value, 0.298408742884705), "pValue {}", a.p_value);
}
