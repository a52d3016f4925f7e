//! `genolake gwas` end to end, against plink2 --glm and REGENIE's outputs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::cohort::plink2;
use super::{genolake, ok, stderr};

fn stats_data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../genolake-stats/tests/data")
        .join(relative)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A delimited text table as rows of named fields.
fn table(path: &Path, delimiter: char) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let split = |line: &str| -> Vec<String> {
        if delimiter == ' ' {
            line.split_whitespace().map(str::to_string).collect()
        } else {
            line.split(delimiter).map(str::to_string).collect()
        }
    };
    let header = split(lines.next().expect("a header").trim_start_matches('#'));
    lines
        .map(|line| header.iter().cloned().zip(split(line)).collect())
        .collect()
}

fn number(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?} is not a number", row[column]))
}

/// The `.bed` plink2 makes of `vcf` (its biallelic sites), in `dir`.
fn plink2_bed(dir: &Path, vcf: &Path) -> PathBuf {
    plink2(
        dir,
        &[
            "--vcf",
            path(vcf),
            "--max-alleles",
            "2",
            "--make-bed",
            "--out",
            "cohort",
        ],
    );
    dir.join("cohort.bed")
}

/// Writes a gzipped CSV as plink2's tab-separated `#IID` table.
fn csv_gz_as_plink2(from: &Path, to: &Path) {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(from).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        if i == 0 {
            out.push_str("#IID");
        } else {
            out.push_str(fields[0]);
        }
        for f in &fields[1..] {
            out.push('\t');
            out.push_str(f);
        }
        out.push('\n');
    }
    std::fs::write(to, out).unwrap();
}

/// Our results by (variant ID or start, phenotype).
fn results_by_start(path: &Path) -> HashMap<(String, String), HashMap<String, String>> {
    table(path, ',')
        .into_iter()
        .map(|r| ((r["start"].clone(), r["phenotype"].clone()), r))
        .collect()
}

/// `genolake gwas linear` on Glow's regression fixture (1000 Genomes
/// genotypes, ten simulated traits, six covariates) agrees with `plink2
/// --glm` on every (variant, trait): BETA and SE to plink2's six printed
/// digits, P to a relative 10⁻⁵. The same run over a matrix-layout and a
/// Glow-layout Delta table of the same VCF gives the same numbers, and a
/// Delta output reads back through the `deltalake` package.
#[test]
fn gwas_linear_agrees_with_plink2_glm_from_files_and_tables() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = stats_data("gwas/genotypes.vcf.gz");
    let phenotypes = stats_data("gwas/continuous-phenotypes.csv.gz");
    let covariates = stats_data("gwas/covariates.csv.gz");
    let out = dir.path().join("linear.csv");
    let plots = dir.path().join("plots");
    let printed = ok(&[
        "gwas",
        "linear",
        "--input",
        path(&vcf),
        "--phenotypes",
        path(&phenotypes),
        "--covariates",
        path(&covariates),
        "--output",
        path(&out),
        "--plot",
        path(&plots),
    ]);
    assert!(
        printed.contains("13 variants × 10 phenotypes tested"),
        "{printed}"
    );
    for trait_name in ["Continuous_Trait_1", "Continuous_Trait_10"] {
        for kind in ["manhattan", "qq"] {
            let png = plots.join(format!("{kind}_{trait_name}.png"));
            let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
            assert!(bytes.starts_with(b"\x89PNG"), "{} is a PNG", png.display());
        }
    }

    csv_gz_as_plink2(&phenotypes, &dir.path().join("pheno.tsv"));
    csv_gz_as_plink2(&covariates, &dir.path().join("covar.tsv"));
    plink2(
        dir.path(),
        &[
            "--vcf",
            path(&vcf),
            "--pheno",
            "pheno.tsv",
            "--covar",
            "covar.tsv",
            "--glm",
            "hide-covar",
            "--covar-variance-standardize",
            "--out",
            "p",
            "--threads",
            "1",
        ],
    );
    let ours = results_by_start(&out);
    let mut compared = 0;
    for t in 1..=10 {
        let name = format!("Continuous_Trait_{t}");
        for row in table(&dir.path().join(format!("p.{name}.glm.linear")), '\t') {
            if row["TEST"] != "ADD" || row["BETA"] == "NA" {
                continue;
            }
            let start = (number(&row, "POS") as i64 - 1).to_string();
            let mine = &ours[&(start, name.clone())];
            let sign = if row["A1"] == row["ALT"] { 1.0 } else { -1.0 };
            for (column, theirs) in [
                ("beta", sign * number(&row, "BETA")),
                ("standardError", number(&row, "SE")),
                ("pValue", number(&row, "P")),
            ] {
                let value = number(mine, column);
                assert!(
                    ((value - theirs) / theirs).abs() < 1e-5,
                    "{name} at {}: {column} {value}, plink2 {theirs}",
                    row["POS"]
                );
            }
            compared += 1;
        }
    }
    assert_eq!(
        compared,
        ours.len(),
        "plink2 and genolake test the same pairs"
    );

    let from_vcf = std::fs::read_to_string(&out).unwrap();
    for layout in ["matrix", "glow"] {
        let table_dir = dir.path().join(format!("t_{layout}"));
        ok(&[
            "ingest",
            "--layout",
            layout,
            "--table",
            path(&table_dir),
            path(&vcf),
        ]);
        let again = dir.path().join(format!("{layout}.csv"));
        ok(&[
            "gwas",
            "linear",
            "-i",
            path(&table_dir),
            "-p",
            path(&phenotypes),
            "-c",
            path(&covariates),
            "-o",
            path(&again),
        ]);
        assert_eq!(
            std::fs::read_to_string(&again).unwrap(),
            from_vcf,
            "{layout} table"
        );
    }
    // The .bed plink2 makes of the VCF (its 2-bit records listed straight
    // into sparse dosages, its FID_IID samples matched by IID) gives the
    // same file.
    let bed = plink2_bed(dir.path(), &vcf);
    let from_bed = dir.path().join("bed.csv");
    ok(&[
        "gwas",
        "linear",
        "-i",
        path(&bed),
        "-p",
        path(&phenotypes),
        "-c",
        path(&covariates),
        "-o",
        path(&from_bed),
    ]);
    assert_eq!(
        std::fs::read_to_string(&from_bed).unwrap(),
        from_vcf,
        ".bed"
    );

    let delta = dir.path().join("results_table");
    ok(&[
        "gwas",
        "linear",
        "-i",
        path(&vcf),
        "-p",
        path(&phenotypes),
        "-c",
        path(&covariates),
        "-o",
        path(&delta),
    ]);
    let printed = super::python_row_count(&delta).expect("the deltalake package reads the results");
    let (rows, columns) = printed.split_once(' ').unwrap();
    assert_eq!(rows, ours.len().to_string());
    assert!(
        columns.contains("phenotype,beta,standardError,pValue"),
        "{columns}"
    );
}

/// With REGENIE's own step-1 predictions as offsets (`--loco`, its
/// `_pred.list`), `--convention regenie-v1` reproduces REGENIE 1.0.6.7's
/// step 2 on its example BGEN: BETA, SE and LOG10P to REGENIE's printed
/// rounding (a relative 10⁻⁵).
#[test]
fn gwas_linear_with_regenie_loco_offsets_reproduces_regenie_step_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("step2.tsv");
    ok(&[
        "gwas",
        "linear",
        "-i",
        path(&stats_data("regenie/example.bgen")),
        "-p",
        path(&stats_data("regenie/phenotype.txt")),
        "-c",
        path(&stats_data("regenie/covariates.txt")),
        "--loco",
        path(&stats_data("regenie/fit_lin_out_pred.list")),
        "--convention",
        "regenie-v1",
        "-o",
        path(&out),
    ]);
    let ours: HashMap<(String, String), HashMap<String, String>> = table(&out, '\t')
        .into_iter()
        .map(|r| ((r["start"].clone(), r["phenotype"].clone()), r))
        .collect();
    let mut compared = 0;
    for phenotype in ["Y1", "Y2"] {
        let expected = stats_data(&format!("regenie/test_lin_out_{phenotype}.regenie"));
        for row in table(&expected, ' ') {
            let start = (number(&row, "GENPOS") as i64 - 1).to_string();
            let mine = &ours[&(start, phenotype.to_string())];
            for (ours_column, theirs_column) in [
                ("beta", "BETA"),
                ("standardError", "SE"),
                ("log10pValue", "LOG10P"),
            ] {
                let (value, theirs) = (number(mine, ours_column), number(&row, theirs_column));
                assert!(
                    (value - theirs).abs() <= 1e-5 * theirs.abs().max(1e-3),
                    "{phenotype} {}: {ours_column} {value}, REGENIE {theirs}",
                    row["ID"]
                );
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 2000);
}

/// `genolake gwas wgr --convention regenie1` on REGENIE's three-chromosome
/// example with its block size gives the LOCO predictions REGENIE 1.0.6.7
/// wrote (to its printed digits), as `.loco` files and as a table; both
/// feed `genolake gwas linear` (`--loco` and `--offsets`) to the same
/// results, which follow REGENIE's step 2 of that run.
#[test]
fn gwas_wgr_reproduces_regenie_step_1_and_feeds_step_2() {
    let dir = tempfile::tempdir().unwrap();
    let table_out = dir.path().join("loco.parquet");
    let prefix = dir.path().join("fit");
    let bgen = stats_data("regenie/example_3chr.bgen");
    let sample = stats_data("regenie/example_3chr.sample");
    let phenotypes = stats_data("regenie/phenotype.txt");
    let covariates = stats_data("regenie/covariates.txt");
    let design: Vec<String> = ["-p", path(&phenotypes), "-c", path(&covariates)]
        .map(str::to_string)
        .to_vec();
    let mut args: Vec<String> = [
        "gwas",
        "wgr",
        "-i",
        path(&bgen),
        "--sample-file",
        path(&sample),
    ]
    .map(str::to_string)
    .to_vec();
    args.extend(design.iter().cloned());
    args.extend(
        [
            "--block-size",
            "100",
            "--convention",
            "regenie1",
            "-o",
            path(&table_out),
            "--loco-prefix",
            path(&prefix),
        ]
        .map(str::to_string),
    );
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    for (i, phenotype) in ["Y1", "Y2"].iter().enumerate() {
        let ours = table(&dir.path().join(format!("fit_{}.loco", i + 1)), ' ');
        let theirs = table(
            &stats_data(&format!("regenie/fit_lin_out_3chr_{}.loco", i + 1)),
            ' ',
        );
        let by_contig: HashMap<&str, &HashMap<String, String>> =
            ours.iter().map(|r| (r["FID_IID"].as_str(), r)).collect();
        let mut contigs = 0;
        for row in &theirs {
            let Some(mine) = by_contig.get(row["FID_IID"].as_str()) else {
                continue;
            };
            for (sample, value) in row.iter().filter(|(k, _)| *k != "FID_IID") {
                let expected: f64 = value.parse().unwrap();
                let got = number(mine, sample);
                assert!(
                    (got - expected).abs() < 1e-5 * expected.abs().max(0.1),
                    "{phenotype} contig {} sample {sample}: {got} against REGENIE's {expected}",
                    row["FID_IID"]
                );
            }
            contigs += 1;
        }
        assert_eq!(
            contigs, 3,
            "contigs 1, 2 and 3 are compared for {phenotype}"
        );
    }
    let step2 = |offsets: &[&str], out: &Path| {
        let mut args: Vec<String> = [
            "gwas",
            "linear",
            "-i",
            path(&bgen),
            "--sample-file",
            path(&sample),
        ]
        .map(str::to_string)
        .to_vec();
        args.extend(design.iter().cloned());
        args.extend(offsets.iter().map(|s| s.to_string()));
        args.extend(["--convention", "regenie-v1", "-o", path(out)].map(str::to_string));
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        std::fs::read_to_string(out).unwrap()
    };
    let list = dir.path().join("fit_pred.list");
    let from_files = step2(&["--loco", path(&list)], &dir.path().join("a.csv"));
    let from_table = step2(&["--offsets", path(&table_out)], &dir.path().join("b.csv"));
    assert_eq!(from_files, from_table);
    let ours: HashMap<(String, String, String), HashMap<String, String>> =
        table(&dir.path().join("a.csv"), ',')
            .into_iter()
            .map(|r| {
                (
                    (
                        r["contigName"].clone(),
                        r["start"].clone(),
                        r["phenotype"].clone(),
                    ),
                    r,
                )
            })
            .collect();
    for phenotype in ["Y1", "Y2"] {
        let expected = stats_data(&format!("regenie/test_lin_out_3chr_{phenotype}.regenie"));
        let rows = table(&expected, ' ');
        assert!(rows.len() >= 500, "{}", rows.len());
        for row in rows {
            let start = (number(&row, "GENPOS") as i64 - 1).to_string();
            let mine = &ours[&(row["CHROM"].clone(), start, phenotype.to_string())];
            // Glow checks this run to 10⁻² (its LOCO and step-2 files do
            // not line up exactly; the 1-chromosome run matches to 10⁻⁵).
            let (b, se) = (number(mine, "beta"), number(&row, "SE"));
            assert!(
                (b - number(&row, "BETA")).abs() < 1e-2 * se,
                "{phenotype} {}: beta {b} against REGENIE's {}",
                row["ID"],
                row["BETA"]
            );
        }
    }
}

/// Phenotype tables that cannot be lined up with the genotypes fail with
/// the file and what is wrong, and leave no output.
#[test]
fn gwas_refuses_bad_phenotype_tables_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = stats_data("gwas/genotypes.vcf.gz");
    let out = dir.path().join("r.csv");
    let case = |name: &str, text: &str, extra: &[&str]| -> String {
        let table = dir.path().join(name);
        std::fs::write(&table, text).unwrap();
        let mut args = vec![
            "gwas",
            "linear",
            "-i",
            path(&vcf),
            "-p",
            path(&table),
            "-o",
            path(&out),
        ];
        args.extend_from_slice(extra);
        let output = genolake(&args);
        assert!(!output.status.success(), "{name} must fail");
        assert!(!out.exists(), "a failed run leaves no output");
        stderr(&output)
    };
    let unknown = case(
        "unknown.csv",
        "sample_id,y\nHG00096,1\nNOT_A_SAMPLE,2\n",
        &[],
    );
    assert!(
        unknown.contains("unknown.csv") && unknown.contains("NOT_A_SAMPLE"),
        "{unknown}"
    );
    assert!(unknown.contains("--allow-unknown-samples"), "{unknown}");
    let twice = case(
        "twice.csv",
        "sample_id,y\nHG00096,1\nHG00097,2\nHG00096,3\n",
        &[],
    );
    assert!(
        twice.contains("HG00096 appears twice") && twice.contains("lines 2 and 4"),
        "{twice}"
    );
    let text = case("text.csv", "sample_id,y\nHG00096,1\nHG00097,tall\n", &[]);
    assert!(
        text.contains("text.csv") && text.contains("line 3, column y"),
        "{text}"
    );
    let column = case(
        "c.csv",
        "sample_id,y\nHG00096,1\n",
        &["--phenotype-columns", "z"],
    );
    assert!(column.contains("has no column z"), "{column}");
    // Two covariates, one twice the other, for every sample.
    let samples = vcf_samples(&vcf);
    let mut text = String::from("sample_id,a,b\n");
    for (i, sample) in samples.iter().enumerate() {
        text.push_str(&format!("{sample},{},{}\n", i % 7, 2 * (i % 7)));
    }
    let covariates = dir.path().join("cov.csv");
    std::fs::write(&covariates, text).unwrap();
    let singular = case(
        "p.csv",
        "sample_id,y\nHG00096,1\nHG00097,2\nHG00099,4\nHG00100,3\nHG00101,5\nHG00102,1\nHG00103,0\n",
        &["-c", path(&covariates)],
    );
    assert!(singular.contains("linearly dependent"), "{singular}");
}

/// The sample ids of a bgzipped VCF's header.
fn vcf_samples(vcf: &Path) -> Vec<String> {
    use std::io::{BufRead, BufReader};
    let reader = BufReader::new(flate2::read::MultiGzDecoder::new(
        std::fs::File::open(vcf).unwrap(),
    ));
    for line in reader.lines() {
        let line = line.unwrap();
        if let Some(header) = line.strip_prefix("#CHROM") {
            return header.split('\t').skip(9).map(str::to_string).collect();
        }
    }
    panic!("{} has no #CHROM line", vcf.display())
}

/// `genolake gwas logistic --test wald` on Glow's fixture (ten binary
/// traits, six covariates) agrees with `plink2 --glm firth-fallback`: the
/// same tests fall back to Firth, and BETA, SE and P agree to 10⁻⁴
/// relative on ordinary fits and 10⁻³ on Firth's (plink2 fits in single
/// precision with a looser Firth tolerance). The score test runs too.
#[test]
fn gwas_logistic_wald_agrees_with_plink2_firth_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = stats_data("gwas/genotypes.vcf.gz");
    let phenotypes = stats_data("gwas/binary-phenotypes.csv.gz");
    let covariates = stats_data("gwas/covariates.csv.gz");
    let out = dir.path().join("wald.csv");
    ok(&[
        "gwas",
        "logistic",
        "--test",
        "wald",
        "-i",
        path(&vcf),
        "-p",
        path(&phenotypes),
        "-c",
        path(&covariates),
        "-o",
        path(&out),
    ]);
    csv_gz_as_plink2(&phenotypes, &dir.path().join("pheno.tsv"));
    csv_gz_as_plink2(&covariates, &dir.path().join("covar.tsv"));
    plink2(
        dir.path(),
        &[
            "--vcf",
            path(&vcf),
            "--pheno",
            "pheno.tsv",
            "--1",
            "--covar",
            "covar.tsv",
            "--glm",
            "firth-fallback",
            "hide-covar",
            "--covar-variance-standardize",
            "--out",
            "p",
            "--threads",
            "1",
        ],
    );
    let ours = results_by_start(&out);
    let mut compared = 0;
    for t in 1..=10 {
        let name = format!("Binary_Trait_{t}");
        let file = dir.path().join(format!("p.{name}.glm.logistic.hybrid"));
        for row in table(&file, '\t') {
            if row["TEST"] != "ADD" || row["OR"] == "NA" {
                continue;
            }
            let start = (number(&row, "POS") as i64 - 1).to_string();
            let mine = &ours[&(start, name.clone())];
            let firth = row["FIRTH?"] == "Y";
            assert_eq!(
                mine["firth"] == "true",
                firth,
                "{name} {} FIRTH?",
                row["POS"]
            );
            let tolerance = if firth { 1e-3 } else { 1e-4 };
            let sign = if row["A1"] == row["ALT"] { 1.0 } else { -1.0 };
            let beta = sign * number(&row, "OR").ln();
            let se = number(&row, "LOG(OR)_SE");
            let checks = [
                ("beta", beta, se),
                ("standardError", se, se),
                ("pValue", number(&row, "P"), number(&row, "P")),
            ];
            for (column, theirs, scale) in checks {
                let value = number(mine, column);
                assert!(
                    (value - theirs).abs() <= tolerance * scale.abs(),
                    "{name} at {}: {column} {value}, plink2 {theirs}",
                    row["POS"]
                );
            }
            compared += 1;
        }
    }
    assert!(compared >= 100, "{compared} tests compared");
    // The .bed plink2 makes of the VCF (read as its 2-bit records, into
    // dense dosages) gives the same file.
    let bed = plink2_bed(dir.path(), &vcf);
    let from_bed = dir.path().join("wald_bed.csv");
    ok(&[
        "gwas",
        "logistic",
        "--test",
        "wald",
        "-i",
        path(&bed),
        "-p",
        path(&phenotypes),
        "-c",
        path(&covariates),
        "-o",
        path(&from_bed),
    ]);
    assert_eq!(
        std::fs::read_to_string(&from_bed).unwrap(),
        std::fs::read_to_string(&out).unwrap(),
        ".bed"
    );
    let score = dir.path().join("score.parquet");
    let printed = ok(&[
        "gwas",
        "logistic",
        "-i",
        path(&vcf),
        "-p",
        path(&phenotypes),
        "-c",
        path(&covariates),
        "-o",
        path(&score),
    ]);
    assert!(
        printed.contains("13 variants × 10 phenotypes tested"),
        "{printed}"
    );
}
