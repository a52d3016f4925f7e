//! The `genolake` binary end to end: schema, count, errors and exit codes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn genolake(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genolake"))
        .args(args)
        .output()
        .expect("the genolake binary runs")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/data/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn bcftools(args: &[&str]) -> String {
    let out = Command::new("bcftools")
        .args(args)
        .output()
        .expect("bcftools is needed for this test (apt-get install bcftools)");
    assert!(out.status.success(), "bcftools {args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn schema_prints_glow_columns_and_genotype_fields() {
    let out = genolake(&["schema", example().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for column in [
        "contigName: Utf8",
        "start: Int64",
        "end: Int64",
        "INFO_AF",
        "genotypes: List<Struct>",
        "  sampleId: Utf8",
        "  calls: List(Int32)",
    ] {
        assert!(text.contains(column), "schema lacks {column:?}:\n{text}");
    }
    let out = genolake(&["schema", "--no-sample-ids", example().to_str().unwrap()]);
    assert!(!stdout(&out).contains("sampleId"));
}

#[test]
fn count_agrees_with_bcftools() {
    let path = example();
    let path = path.to_str().unwrap();
    let records = bcftools(&["view", "-H", path]).lines().count();
    let samples = bcftools(&["query", "-l", path]).lines().count();
    let out = genolake(&["count", "--threads", "2", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        format!(
            "{records} records, {} genotypes, 0 skipped",
            records * samples
        )
    );
    let region = "20:10000000-10001500";
    let expected = bcftools(&["view", "-H", "-r", region, path])
        .lines()
        .count();
    let out = genolake(&["count", "--region", region, path]);
    assert!(
        stdout(&out).starts_with(&format!("{expected} records")),
        "{}",
        stdout(&out)
    );
}

/// Lenient keeps every record of a file whose Integers hold decimals, and
/// the summary says how many values were read as null.
#[test]
fn lenient_count_reports_values_read_as_null() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../genolake-vcf/tests/data/gatk_integer_decimals.vcf");
    let path = path.to_str().unwrap();
    let out = genolake(&["count", path]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("INFO GC"), "{}", stderr(&out));
    let text = std::fs::read_to_string(path).unwrap();
    let records: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let hets = records
        .iter()
        .flat_map(|l| l.split('\t').skip(9))
        .filter(|g| g.starts_with("0/1"))
        .count();
    let out = genolake(&["count", "--stringency", "lenient", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        format!(
            "{} records, {} genotypes, 0 skipped, {} values read as null",
            records.len(),
            records.len() * 6,
            records.len() + hets
        )
    );
    assert!(stderr(&out).contains("INFO GC"), "{}", stderr(&out));
}

#[test]
fn malformed_input_fails_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.vcf");
    std::fs::write(
        &path,
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\tx\t.\tA\tC\t.\t.\t.\n",
    )
    .unwrap();
    let out = genolake(&["count", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("bad.vcf: line 3: POS \"x\""), "{err}");
    let out = genolake(&["count", "--stringency", "lenient", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "0 records, 0 genotypes, 1 skipped");
    assert!(stderr(&out).contains("record skipped"), "{}", stderr(&out));
}

#[test]
fn unknown_stringency_is_a_usage_error() {
    let out = genolake(&["count", "--stringency", "loose", "x.vcf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("strict, lenient or silent"),
        "{}",
        stderr(&out)
    );
}

fn glow(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/glow")
        .join(relative);
    assert!(path.exists(), "test data {} is missing", path.display());
    path.to_str().unwrap().to_string()
}

const PLINK_PREFIX: &str = "plink/five-samples-five-variants/bed-bim-fam/test";

#[test]
fn schema_and_count_read_bgen_and_plink() {
    let bgen = glow("bgen/example.16bits.bgen");
    let out = genolake(&["schema", &bgen]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("  posteriorProbabilities: List(Float64)"));
    let out = genolake(&["count", "--threads", "2", &bgen]);
    assert!(out.status.success(), "{}", stderr(&out));
    // 199 variants x 500 samples (the VCF Glow pairs with it says so too).
    assert_eq!(
        stdout(&out).trim(),
        "199 records, 99500 genotypes, 0 skipped"
    );

    let prefix = glow(&format!("{PLINK_PREFIX}.bed"));
    let prefix = prefix.trim_end_matches(".bed");
    let out = genolake(&["schema", prefix]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("position: Float64"),
        "{}",
        stdout(&out)
    );
    let out = genolake(&["count", "--region", "23,24", prefix]);
    assert_eq!(stdout(&out).trim(), "2 records, 10 genotypes, 0 skipped");
    // A flag of another format is refused by name.
    let out = genolake(&["count", "--hard-call-threshold", "0.8", prefix]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("hardCallThreshold") && stderr(&out).contains("unknown PLINK option"),
        "{}",
        stderr(&out)
    );
    let out = genolake(&["count", &bgen, prefix]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("one read takes one format"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_plink_input_names_the_file() {
    let out = genolake(&[
        "count",
        &glow("plink/five-samples-five-variants/malformed/test.bed"),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("malformed/test.bed"),
        "{}",
        stderr(&out)
    );
    let out = genolake(&[
        "schema",
        &glow("plink/five-samples-five-variants/no-fam/test.bed"),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("test.fam"), "{}", stderr(&out));
}

/// The Python `deltalake` package's view of a table: row count and columns
/// (`None` when GENOLAKE_SKIP_PYTHON is set).
fn python_row_count(table: &Path) -> Option<String> {
    if std::env::var_os("GENOLAKE_SKIP_PYTHON").is_some() {
        return None;
    }
    let python = std::env::var("GENOLAKE_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = "import os, sys\n\
        from deltalake import DeltaTable\n\
        t = DeltaTable(sys.argv[1]).to_pyarrow_table()\n\
        print(t.num_rows, ','.join(t.column_names))\n\
        sys.stdout.flush()\n\
        os._exit(0)\n";
    let out = Command::new(&python)
        .args(["-c", script])
        .arg(table)
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e}; set GENOLAKE_PYTHON to a venv with deltalake"));
    assert!(out.status.success(), "{}", stderr(&out));
    Some(stdout(&out).trim().to_string())
}

#[test]
fn bgen_and_plink_ingest_into_delta_tables_that_read_back_identically() {
    let dir = tempfile::tempdir().unwrap();
    let plink = glow(&format!("{PLINK_PREFIX}.bed"));
    let cases = [
        ("bgen", glow("bgen/example.16bits.bgen"), "read_bgen", 199),
        ("plink", plink, "read_plink", 5),
    ];
    for (name, input, function, rows) in cases {
        let table = dir.path().join(name);
        let table_str = table.to_str().unwrap();
        let out = genolake(&["ingest", &input, "--table", table_str]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        // Every row, as CSV, from the table and from the file.
        let query = |from: String| {
            let out = genolake(&[
                "sql",
                "--format",
                "csv",
                &format!("SELECT * FROM {from} ORDER BY contigName, start, names"),
            ]);
            assert!(out.status.success(), "{name}: {}", stderr(&out));
            stdout(&out)
        };
        let from_delta = query(format!("read_delta('{table_str}')"));
        let from_file = query(format!("{function}('{input}')"));
        assert_eq!(from_delta.lines().count(), rows + 1, "{name}");
        assert_eq!(from_delta, from_file, "{name}");
        if let Some(python) = python_row_count(&table) {
            assert!(
                python.starts_with(&format!("{rows} contigName,")),
                "{name}: {python}"
            );
            assert!(python.ends_with(",genotypes"), "{name}: {python}");
        }
        // The same inputs again are recognised and skipped.
        let out = genolake(&["ingest", &input, "--table", table_str, "--mode", "append"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert!(stdout(&out).contains("skipped"), "{name}: {}", stdout(&out));
    }
}

/// plink2 on the fileset `genolake convert` writes from a VCF gives the
/// same `--freq` and `--hardy` as on the fileset plink2 writes itself; a
/// multiallelic site is refused by name and leaves no fileset behind.
#[test]
fn convert_to_plink_agrees_with_plink2() {
    let dir = tempfile::tempdir().unwrap();
    let multiallelic = dir.path().join("multi.vcf");
    std::fs::write(
        &multiallelic,
        "##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"x\">\n\
         #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n\
         1\t10\trs1\tA\tC\t.\t.\t.\tGT\t0/1\n\
         1\t20\trs2\tA\tC,G\t.\t.\t.\tGT\t1/2\n",
    )
    .unwrap();
    let bad = dir.path().join("bad");
    let out = genolake(&[
        "convert",
        multiallelic.to_str().unwrap(),
        "--to",
        "plink",
        "--output",
        bad.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("multiallelic"), "{}", stderr(&out));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only the input may remain: {left:?}");

    let vcf = example();
    let ours = dir.path().join("ours");
    let out = genolake(&[
        "convert",
        vcf.to_str().unwrap(),
        "--to",
        "plink",
        "--output",
        ours.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("17 variants written"),
        "{}",
        stdout(&out)
    );
    let theirs = dir.path().join("theirs");
    let plink2 = |args: &[&str]| {
        let status = Command::new("plink2")
            .args(args)
            .args(["--silent"])
            .status()
            .expect("plink2 is needed for this test (apt-get install plink2)");
        assert!(status.success(), "plink2 {args:?}");
    };
    plink2(&[
        "--vcf",
        vcf.to_str().unwrap(),
        "--make-bed",
        "--out",
        theirs.to_str().unwrap(),
    ]);
    for prefix in [&ours, &theirs] {
        let prefix = prefix.to_str().unwrap();
        plink2(&["--bfile", prefix, "--freq", "--hardy", "--out", prefix]);
    }
    for ext in ["afreq", "hardy"] {
        let read = |p: &PathBuf| std::fs::read_to_string(p.with_extension(ext)).unwrap();
        let (a, b) = (read(&ours), read(&theirs));
        assert_eq!(a.lines().count(), 18, "{ext}");
        assert_eq!(a, b, "{ext}");
    }
}

/// A BGEN that `genolake convert` rewrites (16 bits, zstd) reads back with
/// every row of the original (re-quantising at the source's 16 bits is
/// exact), and plink2 imports both to the same allele frequencies.
#[test]
fn convert_to_bgen_keeps_every_row_and_plink2_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let source = glow("bgen/example.16bits.bgen");
    let bgen = dir.path().join("ours.bgen");
    let out = genolake(&[
        "convert",
        &source,
        "--to",
        "bgen",
        "--bits",
        "16",
        "--compression",
        "zstd",
        "--output",
        bgen.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = |path: &str| {
        let out = genolake(&[
            "sql",
            "--format",
            "csv",
            &format!("SELECT * FROM read_bgen('{path}') ORDER BY contigName, start, names"),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let ours = rows(bgen.to_str().unwrap());
    assert_eq!(ours.lines().count(), 199 + 1);
    assert_eq!(ours, rows(&source));

    let freq = |input: &str, out: &Path| {
        let status = Command::new("plink2")
            .args(["--bgen", input, "ref-first", "--freq", "--silent", "--out"])
            .arg(out)
            .status()
            .expect("plink2 is needed for this test (apt-get install plink2)");
        assert!(status.success(), "plink2 --bgen {input}");
        std::fs::read_to_string(out.with_extension("afreq")).unwrap()
    };
    let theirs = freq(&source, &dir.path().join("theirs"));
    assert_eq!(theirs.lines().count(), 199 + 1);
    assert_eq!(
        freq(bgen.to_str().unwrap(), &dir.path().join("ours")),
        theirs
    );
}

/// Batches of one cohort whose VCF headers differ (`(file name, text)`):
/// b.vcf adds INFO CC and FORMAT GQ and declares BB Integer where a.vcf
/// says Float; c.vcf adds a Flag; conflict.vcf declares XA a String.
const COHORT_A: (&str, &str) = (
    "a.vcf",
    include_str!("../../../testdata/schema-merge/a.vcf"),
);
const COHORT_B: (&str, &str) = (
    "b.vcf",
    include_str!("../../../testdata/schema-merge/b.vcf"),
);
const COHORT_C: (&str, &str) = (
    "c.vcf",
    include_str!("../../../testdata/schema-merge/c.vcf"),
);
const CONFLICT: (&str, &str) = (
    "conflict.vcf",
    include_str!("../../../testdata/schema-merge/xa-string.vcf"),
);

fn write_input(dir: &Path, (name, text): (&str, &str)) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// The columns, then the `genotypes` fields, of a Delta table as the
/// Python `deltalake` package and Polars read it, one line per reader
/// (`None` when GENOLAKE_SKIP_PYTHON is set).
fn python_columns(table: &Path) -> Option<String> {
    if std::env::var_os("GENOLAKE_SKIP_PYTHON").is_some() {
        return None;
    }
    let python = std::env::var("GENOLAKE_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = "import os, sys\n\
        import polars as pl\n\
        from deltalake import DeltaTable\n\
        t = DeltaTable(sys.argv[1]).to_pyarrow_table()\n\
        g = t.schema.field('genotypes').type.value_type\n\
        print('deltalake', t.num_rows, ','.join(t.column_names), ','.join(f.name for f in g))\n\
        f = pl.read_delta(sys.argv[1])\n\
        g = f.schema['genotypes'].inner\n\
        print('polars', f.height, ','.join(f.columns), ','.join(x.name for x in g.fields))\n\
        sys.stdout.flush()\n\
        os._exit(0)\n";
    let out = Command::new(&python)
        .args(["-c", script])
        .arg(table)
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e}; set GENOLAKE_PYTHON to a venv with deltalake"));
    assert!(out.status.success(), "{}", stderr(&out));
    Some(stdout(&out))
}

fn delta_commits(table: &Path) -> usize {
    std::fs::read_dir(table.join("_delta_log"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .count()
}

#[test]
fn files_with_other_headers_ingest_and_append_with_the_union_of_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    let [a, b, c, conflict] =
        [COHORT_A, COHORT_B, COHORT_C, CONFLICT].map(|f| write_input(dir.path(), f));
    let table = dir.path().join("cohort");
    let t = table.to_str().unwrap();

    // Two files whose headers differ, in one ingest: one commit.
    let out = genolake(&["ingest", &a, &b, "--table", t]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("wrote 3 rows"), "{}", stdout(&out));
    // A third, appended: its new column joins the schema (merge is the default).
    let out = genolake(&["ingest", &c, "--table", t, "--mode", "append"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("as version 1"), "{}", stdout(&out));
    assert_eq!(delta_commits(&table), 2);

    let columns = "contigName,start,end,names,referenceAllele,alternateAlleles,qual,filters,\
                   splitFromMultiAllelic,INFO_XA,INFO_CC,INFO_BB,INFO_DD,genotypes";
    // Columns a file lacks are null in its rows; BB's integer is a float.
    let sql = |query: String| {
        let out = genolake(&["sql", "--format", "csv", &query]);
        assert!(out.status.success(), "{query}: {}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(
        sql(format!(
            "SELECT start, INFO_XA, INFO_CC, INFO_BB, INFO_DD FROM read_delta('{t}') ORDER BY start"
        )),
        "start,INFO_XA,INFO_CC,INFO_BB,INFO_DD\n\
         99,1,,0.5,\n\
         199,2,,,\n\
         299,3,x,7.0,\n\
         399,4,,,true\n"
    );
    assert_eq!(
        sql(format!(
            "SELECT start, g.sampleId AS sample, g.conditionalQuality AS gq, g.depth AS dp \
             FROM (SELECT start, unnest(genotypes) AS g FROM read_delta('{t}')) ORDER BY start, sample"
        )),
        "start,sample,gq,dp\n\
         99,S1,,10\n\
         99,S2,,20\n\
         199,S1,,30\n\
         199,S2,,40\n\
         299,S3,99,5\n\
         399,S4,,\n"
    );
    let out = genolake(&[
        "sql",
        "--format",
        "csv",
        &format!("SELECT * FROM read_delta('{t}') LIMIT 0"),
    ]);
    assert_eq!(stdout(&out).trim(), columns, "{}", stderr(&out));
    if let Some(read) = python_columns(&table) {
        let genotype_fields = "sampleId,phased,calls,conditionalQuality,depth";
        assert_eq!(
            read,
            format!(
                "deltalake 4 {columns} {genotype_fields}\npolars 4 {columns} {genotype_fields}\n"
            )
        );
    }

    // The same key as Integer in the table and String in a file: refused,
    // naming the column, both types and the file; nothing changes.
    let files_before = std::fs::read_dir(&table).unwrap().count();
    let out = genolake(&["ingest", &conflict, "--table", t, "--mode", "append"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "column INFO_XA is Int32 in the table but Utf8 in {conflict}"
        )),
        "{err}"
    );
    assert_eq!(delta_commits(&table), 2);
    assert_eq!(std::fs::read_dir(&table).unwrap().count(), files_before);

    // --schema-mode keep refuses new columns by name.
    let renamed = COHORT_C.1.replace("DD", "EE");
    let d = write_input(dir.path(), ("d.vcf", renamed.as_str()));
    let out = genolake(&[
        "ingest",
        &d,
        "--table",
        t,
        "--mode",
        "append",
        "--schema-mode",
        "keep",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("INFO_EE is new"), "{}", stderr(&out));
    assert_eq!(delta_commits(&table), 2);
}

#[test]
fn errors_from_sql_and_ingest_are_printed_once_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write_input(
        dir.path(),
        (
            "bad.vcf",
            "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n\
             1\t5\t.\tA\tC\t.\t.\t.\n1\tx\t.\tA\tC\t.\t.\t.\n",
        ),
    );
    let table = dir.path().join("t");
    let runs = [
        vec![
            "sql".to_string(),
            format!("SELECT * FROM read_vcf('{bad}')"),
        ],
        vec![
            "sql".to_string(),
            format!("SELECT count(*) FROM read_vcf('{bad}')"),
        ],
        vec![
            "ingest".to_string(),
            bad.clone(),
            "--table".to_string(),
            table.to_str().unwrap().to_string(),
        ],
    ];
    for args in runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = genolake(&args);
        assert!(!out.status.success(), "{args:?}");
        let err = stderr(&out);
        assert_eq!(
            err.matches("bad.vcf: line 4: POS \"x\"").count(),
            1,
            "{args:?}: {err}"
        );
        assert!(!err.contains("External error"), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
    assert!(!table.exists(), "a failed first ingest leaves no table");
}

#[test]
fn sql_returns_rows_in_file_order_whatever_the_number_of_threads() {
    let vcf = example();
    let vcf = vcf.to_str().unwrap();
    // Cut even this small file into byte ranges, one per thread.
    let split = "SET datafusion.optimizer.repartition_file_min_size = 1";
    let run = |threads: &str, query: &str| {
        let out = genolake(&[
            "sql",
            "--threads",
            threads,
            "--format",
            "csv",
            &format!("{split}; {query}"),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let plan = run("2", &format!("EXPLAIN SELECT start FROM read_vcf('{vcf}')"));
    assert!(plan.contains("2 groups"), "the scan is not split:\n{plan}");
    for query in [
        format!("SELECT contigName, start, referenceAllele, INFO_AF FROM read_vcf('{vcf}')"),
        format!("SELECT start FROM read_vcf('{vcf}') WHERE start % 2 = 0"),
        format!("SELECT start FROM read_vcf('{vcf}') LIMIT 5"),
    ] {
        let one = run("1", &query);
        assert!(one.lines().count() > 3, "{one}");
        assert_eq!(run("2", &query), one, "{query}");
        assert_eq!(run("3", &query), one, "{query}");
    }
}

/// `genolake sql` takes a Glow notebook's Spark SQL: `--dialect spark`
/// parses lambdas and `posexplode(...) AS (i, g)`, Glow's `end` column reads
/// unquoted, and `genotypes[0]` fails with the 1-based rule instead of
/// printing NULLs. Checked against bcftools' genotypes of the first two samples.
#[test]
fn sql_takes_spark_sql_from_a_glow_notebook() {
    let vcf = example();
    let vcf = vcf.to_str().unwrap();
    let query = format!(
        "SELECT start, end, i, g.sampleId AS sampleId,
                array_any_match(g.calls, c -> c > 0) AS nonRef
         FROM (SELECT start, end, posexplode(genotypes) AS (i, g) FROM read_vcf('{vcf}'))
         WHERE i < 2
         ORDER BY start, i"
    );
    let got = ok(&["sql", "--dialect", "spark", "--format", "csv", &query]);
    let samples: Vec<String> = bcftools(&["query", "-l", vcf])
        .lines()
        .take(2)
        .map(str::to_string)
        .collect();
    let expected: Vec<String> = bcftools(&[
        "query",
        "-s",
        &samples.join(","),
        "-f",
        "[%POS0,%END,%SAMPLE,%GT\n]",
        vcf,
    ])
    .lines()
    .map(|line| {
        let f: Vec<&str> = line.split(',').collect();
        let i = samples.iter().position(|s| s == f[2]).unwrap();
        let non_ref = f[3].split(['/', '|']).any(|a| a != "." && a != "0");
        format!("{},{},{i},{},{non_ref}", f[0], f[1], f[2])
    })
    .collect();
    assert_eq!(expected.len(), 2 * 17);
    assert!(expected.iter().any(|row| row.ends_with("true")));
    assert_eq!(got.lines().skip(1).collect::<Vec<_>>(), expected);

    let out = genolake(&[
        "sql",
        &format!("SELECT genotypes[0] FROM read_vcf('{vcf}')"),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("indexed from 1"), "{}", stderr(&out));
}

/// `genolake schema` output reduced to what a table must share with the
/// file it was ingested from: each field's name, nesting and type, with
/// string and list types as Delta gives them back (`Utf8View`, list items
/// named `element`) read as the file reader's.
fn schema_shape(out: &Output) -> Vec<String> {
    assert!(out.status.success(), "{}", stderr(out));
    stdout(out)
        .lines()
        .map(|line| {
            line.replace("Utf8View", "Utf8")
                .replace(", field: 'element'", "")
        })
        .collect()
}

/// Runs `genolake args`, which must succeed, and returns its stdout.
fn ok(args: &[&str]) -> String {
    let out = genolake(args);
    assert!(out.status.success(), "genolake {args:?}: {}", stderr(&out));
    stdout(&out)
}

/// A VCF, a BGEN and a PLINK fileset, each ingested with either layout:
/// `schema`, `count` and `convert` of the table say and write what they do
/// for the file (convert's output byte for byte), and `--region` filters a
/// table as it filters the file.
#[test]
fn schema_count_and_convert_read_a_table_of_either_layout_like_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = example().to_str().unwrap().to_string();
    let cases = [
        ("vcf", vcf, "plink"),
        ("bgen", glow("bgen/example.16bits.bgen"), "bgen"),
        ("plink", glow(&format!("{PLINK_PREFIX}.bed")), "plink"),
    ];
    for (name, input, to) in &cases {
        let file_schema = schema_shape(&genolake(&["schema", input]));
        let file_count = ok(&["count", input]);
        let from_file = dir.path().join(format!("{name}-file"));
        ok(&[
            "convert",
            input,
            "--to",
            to,
            "-o",
            from_file.to_str().unwrap(),
        ]);
        for layout in ["glow", "matrix"] {
            let case = format!("{name} as {layout}");
            let table = dir.path().join(format!("{name}-{layout}"));
            let table = table.to_str().unwrap();
            ok(&["ingest", input, "--table", table, "--layout", layout]);

            let table_schema = schema_shape(&genolake(&["schema", table]));
            assert_eq!(table_schema, file_schema, "{case}");
            assert_eq!(ok(&["count", table]), file_count, "{case}");
            assert_eq!(
                ok(&["count", "--threads", "1", table]),
                file_count,
                "{case}"
            );

            let from_table = dir.path().join(format!("{name}-{layout}-out"));
            let written = ok(&[
                "convert",
                table,
                "--to",
                to,
                "-o",
                from_table.to_str().unwrap(),
            ]);
            let rows = file_count.split(' ').next().unwrap();
            assert!(
                written.starts_with(&format!("{rows} variants written")),
                "{case}: {written}"
            );
            let extensions: &[&str] = if *to == "plink" {
                &["bed", "bim", "fam"]
            } else {
                &["bgen"]
            };
            for ext in extensions {
                let read = |p: &Path| {
                    let path = if *to == "plink" {
                        p.with_extension(ext)
                    } else {
                        p.to_path_buf()
                    };
                    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                };
                assert!(
                    read(&from_table) == read(&from_file),
                    "{case}: the .{ext} written from the table differs from the file's"
                );
            }
        }
    }

    // --region filters a table with the file reader's overlap rule.
    let plink = glow(&format!("{PLINK_PREFIX}.bed"));
    let table = dir.path().join("plink-matrix");
    let table = table.to_str().unwrap();
    for region in ["23,24", "1:1-1000000000", "26:45-"] {
        assert_eq!(
            ok(&["count", "--region", region, table]),
            ok(&["count", "--region", region, &plink]),
            "--region {region}"
        );
    }
}

/// A table is one input read as stored: a reader flag, a second input or a
/// directory that is no table is refused, naming what is wrong.
#[test]
fn a_table_input_is_refused_with_file_flags_other_inputs_or_no_delta_log() {
    let dir = tempfile::tempdir().unwrap();
    let bgen = glow("bgen/example.16bits.bgen");
    let table = dir.path().join("t");
    let table = table.to_str().unwrap();
    ok(&["ingest", &bgen, "--table", table]);
    let refused = |args: &[&str], expected: &[&str]| {
        let out = genolake(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = stderr(&out);
        for part in expected {
            assert!(err.contains(part), "{args:?}: {err}");
        }
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    };
    refused(
        &["count", "--samples", "sample_001", "--no-hard-calls", table],
        &[table, "Delta table", "--samples, --no-hard-calls"],
    );
    refused(&["schema", "--format", "bgen", table], &[table, "--format"]);
    refused(&["count", table, &bgen], &[table, &bgen, "one table alone"]);
    refused(&["count", &bgen, table], &[table, "one table alone"]);

    let plain = dir.path().join("not-a-table");
    std::fs::create_dir(&plain).unwrap();
    let plain = plain.to_str().unwrap();
    for command in ["schema", "count"] {
        refused(
            &[command, plain],
            &[plain, "not a Delta table", "_delta_log"],
        );
    }
    // A _delta_log without a commit: read_delta's own error, naming the table.
    let broken = dir.path().join("broken");
    std::fs::create_dir_all(broken.join("_delta_log")).unwrap();
    let broken = broken.to_str().unwrap();
    for command in ["schema", "count"] {
        refused(&[command, broken], &[broken]);
    }
    let out = dir.path().join("out.bgen");
    refused(
        &[
            "convert",
            broken,
            "--to",
            "bgen",
            "-o",
            out.to_str().unwrap(),
        ],
        &[broken],
    );
    assert!(!out.exists(), "a failed convert leaves no output");
}

#[path = "../../genolake-stats/tests/cohort/mod.rs"]
mod cohort;

mod gwas;

/// Rows of a CSV file or plink2 report, as named fields.
type Rows = Vec<HashMap<String, String>>;

/// `genolake qc --format csv` on `input`: its variant and sample tables.
fn qc_tables(input: &Path, out: &Path) -> (Rows, Rows) {
    ok(&[
        "qc",
        input.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    (
        csv_rows(&out.join("variant_qc.csv")),
        csv_rows(&out.join("sample_qc.csv")),
    )
}

/// A CSV file with a header as rows of named fields; quoted fields (lists
/// joined by commas) unquoted.
fn csv_rows(path: &Path) -> Rows {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = split_csv(lines.next().expect("a header"));
    lines
        .map(|line| header.iter().cloned().zip(split_csv(line)).collect())
        .collect()
}

fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// `genolake qc` on a simulated cohort (rare-heavy frequencies, missing
/// calls, triallelic sites, sites far from equilibrium) as a VCF, a Glow
/// table and a matrix table: the three give the same tables, and those
/// equal plink2's `--freq`, `--missing`, `--hardy` (and `--hardy midp`)
/// per variant and `--sample-counts` and `--missing` per sample.
#[test]
fn qc_agrees_with_plink2_on_files_and_tables_of_both_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let mut cohort = cohort::simulate(2000, 150, 21);
    let vcf = dir.path().join("cohort.vcf");
    cohort.write_vcf(&vcf);
    cohort::plink2(
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
    cohort::plink2(
        dir.path(),
        &["--vcf", "cohort.vcf", "--hardy", "midp", "--out", "midp"],
    );

    let mut tables = Vec::new();
    // An unpartitioned Glow table's files are read by leaf (the calls
    // rebuilt from their levels); a partitioned one goes through
    // `read_delta`, as does a matrix table.
    for (name, layout, partition) in [
        ("file", None, &[][..]),
        ("glow", Some("glow"), &[][..]),
        (
            "glow_partitioned",
            Some("glow"),
            &["--partition-by", "contigName"][..],
        ),
        ("matrix", Some("matrix"), &[][..]),
    ] {
        let input = match layout {
            None => vcf.clone(),
            Some(layout) => {
                let table = dir.path().join(format!("table_{name}"));
                let mut args = vec![
                    "ingest",
                    "--layout",
                    layout,
                    "--table",
                    table.to_str().unwrap(),
                    vcf.to_str().unwrap(),
                ];
                args.extend(partition);
                ok(&args);
                table
            }
        };
        let out = dir.path().join(format!("qc_{name}"));
        tables.push((name, qc_tables(&input, &out)));
        for plot in [
            "allele_frequency_spectrum.png",
            "variant_call_rate.png",
            "sample_call_rate.png",
            "hardy_weinberg_qq.png",
            "sample_heterozygosity.png",
        ] {
            let bytes =
                std::fs::read(out.join(plot)).unwrap_or_else(|e| panic!("{name} {plot}: {e}"));
            assert!(
                bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 5000,
                "{name} {plot}: {} bytes",
                bytes.len()
            );
        }
        let leftovers: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(
            leftovers.is_empty(),
            "{name}: staging left behind: {leftovers:?}"
        );
    }
    // A table's rows come in its data files' order, not the VCF's: the
    // variant tables are compared by variant id.
    let by_name = |rows: &Rows| -> std::collections::BTreeMap<String, HashMap<String, String>> {
        rows.iter()
            .map(|r| (r["names"].clone(), r.clone()))
            .collect()
    };
    let (_, (variants, samples)) = &tables[0];
    for (name, (v, s)) in &tables[1..] {
        assert_eq!(v.len(), variants.len(), "{name}: variant QC rows");
        assert_eq!(
            by_name(v),
            by_name(variants),
            "{name}: variant QC differs from the file's"
        );
        assert_eq!(s, samples, "{name}: sample QC differs from the file's");
    }

    let by_id = |rows: Vec<HashMap<String, String>>,
                 key: &str|
     -> HashMap<String, HashMap<String, String>> {
        rows.into_iter().map(|r| (r[key].clone(), r)).collect()
    };
    let afreq = by_id(cohort::report(&dir.path().join("all.afreq")), "ID");
    let vmiss = by_id(cohort::report(&dir.path().join("all.vmiss")), "ID");
    let hardy = by_id(cohort::report(&dir.path().join("all.hardy")), "ID");
    let midp = by_id(cohort::report(&dir.path().join("midp.hardy")), "ID");
    assert_eq!(variants.len(), cohort.sites.len());
    let (mut tested, mut tiny) = (0, 0);
    for (row, site) in variants.iter().zip(&cohort.sites) {
        let id = &site.id;
        assert_eq!(&row["names"], id);
        assert_eq!(row["start"], (site.pos - 1).to_string(), "{id}");
        assert_eq!(row["nAllelesCalled"], afreq[id]["OBS_CT"], "{id}: OBS_CT");
        assert_eq!(
            row["nUncalled"], vmiss[id]["MISSING_CT"],
            "{id}: MISSING_CT"
        );
        let freqs: Vec<f64> = row["alleleFrequencies"]
            .split(',')
            .filter(|f| !f.is_empty())
            .map(|f| f.parse().unwrap())
            .collect();
        if row["nAllelesCalled"] != "0" {
            for (k, printed) in afreq[id]["ALT_FREQS"].split(',').enumerate() {
                let ours = freqs.get(k + 1).copied().unwrap_or(0.0);
                assert!(
                    cohort::agrees_to_printed(ours, printed),
                    "{id}: alt {k}: {ours} against {printed}"
                );
            }
        }
        if site.alternates.len() != 1 {
            continue;
        }
        let p: f64 = row["pValueHweExact"].parse().unwrap();
        assert!(
            cohort::agrees_to_printed(p, &hardy[id]["P"]),
            "{id}: p {p} against {}",
            hardy[id]["P"]
        );
        let mid: f64 = row["pValueHwe"].parse().unwrap();
        assert!(
            cohort::agrees_to_printed(mid, &midp[id]["MIDP"]),
            "{id}: mid-p {mid} against {}",
            midp[id]["MIDP"]
        );
        tested += 1;
        tiny += usize::from(p < 1e-30);
    }
    assert!(
        tested > 1000 && tiny > 0,
        "{tested} sites tested, {tiny} with p < 1e-30"
    );

    // Per sample, over biallelic sites (plink2 counts multiallelic
    // genotypes in its own categories).
    cohort.sites.retain(|s| s.alternates.len() == 1);
    let bi = dir.path().join("bi.vcf");
    cohort.write_vcf(&bi);
    cohort::plink2(
        dir.path(),
        &[
            "--vcf",
            "bi.vcf",
            "--missing",
            "--sample-counts",
            "--out",
            "bi",
        ],
    );
    let (_, samples) = qc_tables(&bi, &dir.path().join("qc_bi"));
    let smiss = by_id(cohort::report(&dir.path().join("bi.smiss")), "IID");
    let scount = by_id(cohort::report(&dir.path().join("bi.scount")), "IID");
    assert_eq!(samples.len(), cohort.samples.len());
    for (row, sample) in samples.iter().zip(&cohort.samples) {
        assert_eq!(&row["sampleId"], sample);
        assert_eq!(
            row["nUncalled"], smiss[sample]["MISSING_CT"],
            "{sample}: MISSING_CT"
        );
        assert_eq!(
            row["nHomRef"], scount[sample]["HOM_REF_CT"],
            "{sample}: HOM_REF_CT"
        );
        assert_eq!(
            row["nHet"], scount[sample]["HET_SNP_CT"],
            "{sample}: HET_SNP_CT"
        );
        assert_eq!(
            row["nHomVar"], scount[sample]["HOM_ALT_SNP_CT"],
            "{sample}: HOM_ALT_SNP_CT"
        );
    }
}

#[test]
fn qc_errors_name_the_input_and_leave_no_tables() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.vcf");
    std::fs::write(&bad, "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n1\tx\t.\tA\tG\t.\t.\t.\tGT\t0/1\n").unwrap();
    let out = dir.path().join("qc");
    let result = genolake(&[
        "qc",
        bad.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(!result.status.success());
    let message = stderr(&result);
    assert!(
        message.contains("bad.vcf") && message.contains("line 3"),
        "{message}"
    );
    let left: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.count())
        .into_iter()
        .collect();
    assert!(left.iter().all(|&n| n == 0), "{left:?}");
}

/// The issue's end-to-end case: a VCF ingested into Delta (either layout),
/// joined with a clinical CSV on `sampleId`, allele frequencies per
/// case/control group in one SQL statement; bcftools' `+fill-tags -S`
/// computes the same frequencies from the VCF, outside genolake.
#[test]
fn allele_frequencies_per_clinical_group_agree_with_bcftools_fill_tags() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = example();
    let vcf = vcf.to_str().unwrap();
    let clinical = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/clinical.csv");
    let clinical_text = std::fs::read_to_string(&clinical).unwrap();

    // bcftools: AF_case and AF_control per site, from a sample -> group file.
    let groups = dir.path().join("groups.txt");
    let mut text = String::new();
    for line in clinical_text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        text.push_str(&format!("{}\t{}\n", fields[0], fields[1]));
    }
    std::fs::write(&groups, text).unwrap();
    let tagged = dir.path().join("tagged.vcf");
    bcftools(&[
        "+fill-tags",
        vcf,
        "-Ov",
        "-o",
        tagged.to_str().unwrap(),
        "--",
        "-S",
        groups.to_str().unwrap(),
        "-t",
        "AF",
    ]);
    let mut expected = std::collections::BTreeMap::new();
    for line in bcftools(&[
        "query",
        "-f",
        "%POS\t%INFO/AF_case\t%INFO/AF_control\n",
        tagged.to_str().unwrap(),
    ])
    .lines()
    {
        let f: Vec<&str> = line.split('\t').collect();
        let start = f[0].parse::<i64>().unwrap() - 1;
        for (status, af) in [("case", f[1]), ("control", f[2])] {
            // One frequency per ALT allele; this slice is biallelic.
            for (i, af) in af.split(',').enumerate() {
                let af: f64 = af.parse().unwrap();
                expected.insert((start, status.to_string(), i as i64 + 1), af);
            }
        }
    }
    assert!(expected.len() >= 2 * 17, "{expected:?}");

    for layout in ["glow", "matrix"] {
        let table = dir.path().join(format!("variants_{layout}"));
        let table = table.to_str().unwrap();
        ok(&["ingest", "--layout", layout, "--table", table, vcf]);
        let query = format!(
            "CREATE EXTERNAL TABLE clinical STORED AS CSV LOCATION '{}'
                 OPTIONS ('format.has_header' 'true');
             WITH alleles AS (
                 SELECT v.start, c.status, unnest(v.g['calls']) AS allele
                 FROM (SELECT start, unnest(genotypes) AS g FROM read_delta('{table}')) v
                 JOIN clinical c ON v.g['sampleId'] = c.sampleId)
             SELECT start, status, allele,
                    CAST(count(*) AS DOUBLE) / sum(count(*)) OVER (PARTITION BY start, status) AS af
             FROM alleles WHERE allele >= 0 GROUP BY start, status, allele
             ORDER BY start, status, allele",
            clinical.display()
        );
        let out = ok(&["sql", "--format", "csv", &query]);
        let mut ours = std::collections::BTreeMap::new();
        for line in out.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let allele: i64 = f[2].parse().unwrap();
            if allele > 0 {
                let key = (f[0].parse::<i64>().unwrap(), f[1].to_string(), allele);
                ours.insert(key, f[3].parse::<f64>().unwrap());
            }
        }
        // bcftools prints six significant digits, and AF=0 for an allele nobody in the group carries;
        // the SQL has no row for it.
        for (key, af) in &expected {
            let mine = ours.get(key).copied().unwrap_or(0.0);
            assert!(
                (mine - af).abs() <= 1e-5 * af.max(1e-6),
                "{layout}: {key:?}: genolake {mine}, bcftools {af}"
            );
        }
        assert!(
            ours.keys().all(|k| expected.contains_key(k)),
            "{layout}: rows bcftools has no frequency for: {ours:?}"
        );
    }
}

/// The Python interpreter with the independent readers and checkers
/// (deltalake, Polars, PySpark, openapi-schema-validator): GENOLAKE_PYTHON,
/// or python3. These tests fail, never skip, when it lacks them.
fn python() -> String {
    std::env::var("GENOLAKE_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Runs one of this crate's test scripts and parses the JSON it prints.
fn python_json(script: &str, args: &[&str]) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(script);
    let python = python();
    let out = Command::new(&python)
        .arg(&script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e}; set GENOLAKE_PYTHON to the venv .ci/run makes"));
    assert!(
        out.status.success(),
        "{} {args:?} failed (is the venv complete? .ci/run installs it): {}{}",
        script.display(),
        stdout(&out),
        stderr(&out)
    );
    serde_json::from_str(stdout(&out).trim())
        .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", script.display(), stdout(&out)))
}

/// The SHA-256 of a file as coreutils' `sha256sum` computes it.
fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum (coreutils) runs");
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).split_whitespace().next().unwrap().to_string()
}

fn parquet_files_on_disk(table: &Path) -> usize {
    std::fs::read_dir(table)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".parquet"))
        .count()
}

/// The 1000 Genomes slice cut by bcftools into three files of consecutive
/// sites (paths and record counts).
fn three_slices(dir: &Path) -> Vec<(PathBuf, usize)> {
    let example = example();
    let example = example.to_str().unwrap();
    [
        "20:1-10001000",
        "20:10001001-10004000",
        "20:10004001-20000000",
    ]
    .iter()
    .enumerate()
    .map(|(i, region)| {
        let path = dir.join(format!("slice{i}.vcf.gz"));
        bcftools(&[
            "view",
            "-t",
            region,
            "-Oz",
            "-o",
            path.to_str().unwrap(),
            example,
        ]);
        let records = bcftools(&["view", "-H", path.to_str().unwrap()])
            .lines()
            .count();
        assert!(records > 0, "{region} holds no record");
        (path, records)
    })
    .collect()
}

/// Optimize compacts the files of three appends (and Z-orders them) while
/// deltalake and Polars read the same rows; vacuum refuses a retention
/// below the table's without --force, lists with --dry-run, and deletes;
/// history shows every commit with its inputs (checksums as sha256sum
/// computes them), tool version and rows, and --verify notices a changed
/// input.
#[test]
fn history_shows_ingests_optimize_and_vacuum_and_verify_finds_a_changed_input() {
    let dir = tempfile::tempdir().unwrap();
    let slices = three_slices(dir.path());
    let table = dir.path().join("calls");
    let table_str = table.to_str().unwrap();
    for (path, _) in &slices {
        let out = genolake(&[
            "ingest",
            path.to_str().unwrap(),
            "--table",
            table_str,
            "--mode",
            "append",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let before = python_json("read_rows.py", &[table_str]);
    assert_eq!(before["files"], 3, "one file per append");
    let total: usize = slices.iter().map(|(_, n)| n).sum();
    assert_eq!(before["deltalake"].as_array().unwrap().len(), total);
    assert_eq!(before["deltalake"], before["polars"]);

    let out = genolake(&["optimize", "--table", table_str]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("removed 3 file(s)") && stdout(&out).contains("added 1 file(s)"),
        "{}",
        stdout(&out)
    );
    let compacted = python_json("read_rows.py", &[table_str]);
    assert_eq!(compacted["files"], 1);
    assert_eq!(compacted["deltalake"], before["deltalake"]);
    assert_eq!(compacted["polars"], before["deltalake"]);

    let out = genolake(&[
        "optimize",
        "--table",
        table_str,
        "--zorder-by",
        "contigName,start",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Z-ordered by contigName,start"),
        "{}",
        stdout(&out)
    );
    let zordered = python_json("read_rows.py", &[table_str]);
    assert_eq!(zordered["version"], 4);
    assert_eq!(zordered["deltalake"], before["deltalake"]);
    assert_eq!(zordered["polars"], before["deltalake"]);
    let out = genolake(&[
        "optimize",
        "--table",
        table_str,
        "--zorder-by",
        "nosuchcolumn",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nosuchcolumn"), "{}", stderr(&out));

    // Five files on disk: three appended, one compacted, one Z-ordered.
    assert_eq!(parquet_files_on_disk(&table), 5);
    let out = genolake(&["vacuum", "--table", table_str, "--retain-hours", "0"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("168 hours") && stderr(&out).contains("--force"),
        "{}",
        stderr(&out)
    );
    let out = genolake(&["vacuum", "--table", table_str, "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("dry run: 0 file(s)"),
        "{}",
        stdout(&out)
    );
    // A file no commit references (a crashed writer's) goes too, as in
    // Delta's VACUUM.
    std::fs::write(table.join("part-stray-c000.parquet"), b"PAR1").unwrap();
    let vacuum = [
        "vacuum",
        "--table",
        table_str,
        "--retain-hours",
        "0",
        "--force",
    ];
    let out = genolake(&[&vacuum[..], &["--dry-run"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("dry run: 5 file(s)")
            && stdout(&out).contains("  part-stray-c000.parquet\n"),
        "{}",
        stdout(&out)
    );
    assert_eq!(parquet_files_on_disk(&table), 6);
    let out = genolake(&vacuum);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("deleted 5 file(s)"),
        "{}",
        stdout(&out)
    );
    assert_eq!(parquet_files_on_disk(&table), 1);
    let vacuumed = python_json("read_rows.py", &[table_str]);
    assert_eq!(vacuumed["deltalake"], before["deltalake"]);
    assert_eq!(vacuumed["polars"], before["deltalake"]);

    let out = genolake(&["history", "--table", table_str, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let history: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let commits = history["commits"].as_array().unwrap();
    let operations: Vec<&str> = commits
        .iter()
        .map(|c| c["operation"].as_str().unwrap())
        .collect();
    assert_eq!(
        operations,
        [
            "VACUUM END",
            "VACUUM START",
            "OPTIMIZE",
            "OPTIMIZE",
            "WRITE",
            "WRITE",
            "WRITE"
        ]
    );
    let tool = concat!("genolake ", env!("CARGO_PKG_VERSION"));
    for commit in commits {
        assert_eq!(commit["toolVersion"], tool, "{commit}");
    }
    assert_eq!(commits[0]["operationMetrics"]["numDeletedFiles"], 5);
    assert_eq!(commits[3]["operationMetrics"]["numFilesRemoved"], 3);
    assert_eq!(
        commits[2]["genolake"]["zorderBy"],
        serde_json::json!(["contigName", "start"])
    );
    for (commit, (path, records)) in commits[4..].iter().rev().zip(&slices) {
        let input = &commit["ingest"]["inputs"][0];
        assert_eq!(input["path"], path.to_str().unwrap());
        assert_eq!(input["sha256"], sha256sum(path));
        assert_eq!(input["size"], std::fs::metadata(path).unwrap().len());
        assert_eq!(commit["rowsWritten"], *records as u64);
        assert_eq!(commit["ingest"]["mode"], "append");
        assert!(
            commit["ingest"]["appId"]
                .as_str()
                .unwrap()
                .starts_with("genolake-ingest-")
        );
    }
    let out = genolake(&[
        "history", "--table", table_str, "--format", "json", "--limit", "2",
    ]);
    let limited: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(limited["commits"].as_array().unwrap().len(), 2);

    let out = genolake(&["history", "--table", table_str]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "version 6",
        "VACUUM END  by genolake",
        "VACUUM START",
        "OPTIMIZE",
        &format!("input: {} (", slices[1].0.display()),
        &format!("sha256 {}", sha256sum(&slices[2].0)),
    ] {
        assert!(
            text.contains(expected),
            "history lacks {expected:?}:\n{text}"
        );
    }

    let out = genolake(&["history", "--table", table_str, "--verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).matches(": unchanged").count(),
        3,
        "{}",
        stdout(&out)
    );
    // One input changed, one gone.
    let mut changed = std::fs::read(&slices[1].0).unwrap();
    changed.push(b'\n');
    std::fs::write(&slices[1].0, changed).unwrap();
    std::fs::remove_file(&slices[2].0).unwrap();
    let out = genolake(&["history", "--table", table_str, "--verify"]);
    assert!(!out.status.success(), "a changed input must fail --verify");
    let changed = slices[1].0.to_str().unwrap();
    assert!(
        stderr(&out).contains("1 input file(s) changed") && stderr(&out).contains(changed),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains(&format!("{changed} (version 1): CHANGED")),
        "{text}"
    );
    assert!(text.contains("(version 2): missing"), "{text}");
    let out = genolake(&[
        "history", "--table", table_str, "--verify", "--format", "json",
    ]);
    assert!(!out.status.success());
    let verified: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let statuses: Vec<&str> = verified["verification"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["unchanged", "changed", "missing"]);

    // A withdrawal commit as `genolake withdraw` records it (hashed ids
    // only): history shows its count, reason and hashes, never ids.
    let record = serde_json::json!({"commitInfo": {
        "timestamp": 1_796_601_600_000_i64,
        "operation": "WRITE",
        "operationParameters": {"mode": "Overwrite"},
        "genolake": {
            "toolVersion": tool,
            "operation": "WITHDRAW",
            "withdrawal": {
                "sampleCount": 3,
                "salt": "00ff",
                "hashedIds": ["a1", "b2", "c3"],
                "reason": "consent withdrawn",
                "infoFields": {"recomputed": ["INFO_AC", "INFO_AN", "INFO_AF"], "dropped": []},
                "rowsRewritten": 17,
                "samplesRemoved": 3
            }
        }
    }});
    std::fs::write(
        table.join("_delta_log/00000000000000000007.json"),
        format!("{record}\n"),
    )
    .unwrap();
    let out = genolake(&["history", "--table", table_str, "--limit", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "version 7  2026-12-07T00:00:00.000Z  WRITE  by genolake",
        "withdrawal: 3 sample(s) named, 3 removed from this table, 17 row(s) rewritten; \
         reason: consent withdrawn",
        "3 salted SHA-256 hash(es) (salt 00ff)",
        "INFO recomputed: INFO_AC, INFO_AN, INFO_AF; INFO dropped: none",
    ] {
        assert!(
            text.contains(expected),
            "history lacks {expected:?}:\n{text}"
        );
    }
    let out = genolake(&[
        "history", "--table", table_str, "--format", "json", "--limit", "1",
    ]);
    let latest: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let withdrawal = &latest["commits"][0]["withdrawal"];
    assert_eq!(
        withdrawal["hashedIds"],
        serde_json::json!(["a1", "b2", "c3"])
    );
    assert_eq!(withdrawal["reason"], "consent withdrawn");
}

/// One HTTP exchange with a stand-in for a Unity Catalog server on the
/// loopback address: the request as received (head and body) after
/// answering it with `status` and `body`.
struct OneRequestServer {
    url: String,
    request: std::thread::JoinHandle<(String, String)>,
}

impl OneRequestServer {
    fn start(status: &'static str, body: &'static str) -> Self {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let request = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(30)))
                .unwrap();
            let mut received = Vec::new();
            let mut buffer = [0u8; 8192];
            let (head, length) = loop {
                let n = stream.read(&mut buffer).unwrap();
                assert!(n > 0, "the client closed before its request ended");
                received.extend_from_slice(&buffer[..n]);
                if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&received[..end]).into_owned();
                    let length = head
                        .lines()
                        .find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse::<usize>().unwrap())
                        })
                        .expect("a Content-Length header");
                    received.drain(..end + 4);
                    break (head, length);
                }
            };
            while received.len() < length {
                let n = stream.read(&mut buffer).unwrap();
                assert!(n > 0, "the client closed before its body ended");
                received.extend_from_slice(&buffer[..n]);
            }
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(response.as_bytes()).unwrap();
            (head, String::from_utf8(received).unwrap())
        });
        Self { url, request }
    }
}

/// `genolake register`'s request, for the 1000 Genomes slice (Glow and
/// matrix layouts) and a BGEN table, validates against the CreateTable
/// schema of Unity Catalog OSS's OpenAPI description (no Unity Catalog
/// server can run here); every column is described, its type_json is the
/// Delta field the Python deltalake package reads and Spark's parser
/// accepts. Sent to a stand-in server, the same body arrives with the
/// token; a refusal is reported with its status and body.
#[test]
fn register_sends_a_request_unity_catalogs_openapi_description_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let openapi = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/unitycatalog-all.yaml");
    let example = example();
    let bgen = glow("bgen/example.16bits.bgen");
    let cases: [(&str, &str, &[&str]); 3] = [
        (
            "glow",
            example.to_str().unwrap(),
            &["--partition-by", "contigName"],
        ),
        ("matrix", example.to_str().unwrap(), &["--layout", "matrix"]),
        ("bgen", &bgen, &[]),
    ];
    let mut requests = Vec::new();
    for (name, input, flags) in cases {
        let table = dir.path().join(name);
        let table_str = table.to_str().unwrap();
        let out = genolake(&[&["ingest", input, "--table", table_str][..], flags].concat());
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let full_name = format!("main.genomics.{name}");
        let out = genolake(&[
            "register",
            "--table",
            table_str,
            "--name",
            &full_name,
            "--dry-run",
        ]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let request_path = dir.path().join(format!("{name}.json"));
        std::fs::write(&request_path, stdout(&out)).unwrap();
        let checked = python_json(
            "validate_uc_request.py",
            &[
                openapi.to_str().unwrap(),
                request_path.to_str().unwrap(),
                table_str,
            ],
        );
        assert_eq!(checked["ok"], true, "{name}: {checked}");
        assert!(
            checked["columns"].as_u64().unwrap() >= 7,
            "{name}: {checked}"
        );
        // Every column of a genolake table is described.
        assert_eq!(
            checked["commented"], checked["columns"],
            "{name}: {checked}"
        );
        let request: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(request["name"], name);
        assert_eq!(request["table_type"], "EXTERNAL");
        assert_eq!(request["data_source_format"], "DELTA");
        assert!(
            request["comment"]
                .as_str()
                .unwrap()
                .contains("Variants read from"),
            "{request}"
        );
        requests.push((table, full_name, request));
    }
    let (table, full_name, request) = &requests[0];
    let partition: Vec<_> = request["columns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("partition_index").is_some())
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(partition, ["contigName"]);
    let genotypes = request["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "genotypes")
        .unwrap();
    // The genotype fields in the header's FORMAT order, as Glow has them.
    assert_eq!(
        genotypes["type_text"],
        "array<struct<sampleId:string,alleleDepths:array<int>,depth:int,conditionalQuality:int,\
         phased:boolean,calls:array<int>,phredLikelihoods:array<int>>>"
    );

    // Sent: the same body, with the token, to the API path.
    let server = OneRequestServer::start("200 OK", r#"{"name":"glow","table_id":"t-123"}"#);
    let out = Command::new(env!("CARGO_BIN_EXE_genolake"))
        .args([
            "register",
            "--table",
            table.to_str().unwrap(),
            "--name",
            full_name,
        ])
        .args([
            "--catalog-url",
            &server.url,
            "--token-env",
            "GENOLAKE_TEST_UC_TOKEN",
        ])
        .env("GENOLAKE_TEST_UC_TOKEN", "s3cret")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .unwrap();
    let (head, body) = server.request.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("table_id t-123"), "{}", stdout(&out));
    assert!(
        head.starts_with("POST /api/2.1/unity-catalog/tables HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("\r\nauthorization: bearer s3cret"),
        "{head}"
    );
    let sent: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(&sent, request);

    // Refused: the status and the server's message reach the user.
    let server = OneRequestServer::start(
        "409 Conflict",
        r#"{"error_code":"TABLE_ALREADY_EXISTS","message":"Table already exists"}"#,
    );
    let out = Command::new(env!("CARGO_BIN_EXE_genolake"))
        .args([
            "register",
            "--table",
            table.to_str().unwrap(),
            "--name",
            full_name,
        ])
        .args(["--catalog-url", &format!("{}/", server.url)])
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .unwrap();
    let (head, _) = server.request.join().unwrap();
    assert!(
        !head.to_ascii_lowercase().contains("authorization"),
        "{head}"
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("409") && stderr(&out).contains("TABLE_ALREADY_EXISTS"),
        "{}",
        stderr(&out)
    );

    // A token variable that is not set is named.
    let out = Command::new(env!("CARGO_BIN_EXE_genolake"))
        .args([
            "register",
            "--table",
            table.to_str().unwrap(),
            "--name",
            full_name,
        ])
        .args([
            "--catalog-url",
            "http://127.0.0.1:9",
            "--token-env",
            "GENOLAKE_NO_SUCH_VAR",
        ])
        .env_remove("GENOLAKE_NO_SUCH_VAR")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("GENOLAKE_NO_SUCH_VAR"),
        "{}",
        stderr(&out)
    );
    let out = genolake(&[
        "register",
        "--table",
        table.to_str().unwrap(),
        "--name",
        "genomics.glow",
        "--dry-run",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("catalog.schema.table"),
        "{}",
        stderr(&out)
    );
}

/// A matrix table compacts and Z-orders like a Glow one: its genotype
/// columns, read by deltalake and Polars, and its Glow view through
/// read_delta, are the same before and after, and the sample list stays.
#[test]
fn optimize_keeps_a_matrix_tables_rows_and_samples() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("matrix");
    let table_str = table.to_str().unwrap();
    for (path, _) in three_slices(dir.path()) {
        let out = genolake(&[
            "ingest",
            path.to_str().unwrap(),
            "--table",
            table_str,
            "--mode",
            "append",
            "--layout",
            "matrix",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let glow_rows = || {
        let out = genolake(&[
            "sql",
            "--format",
            "csv",
            &format!("SELECT * FROM read_delta('{table_str}') ORDER BY start"),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let before = python_json("read_rows.py", &[table_str]);
    let glow_before = glow_rows();
    assert_eq!(before["files"], 3);
    let out = genolake(&["optimize", "--table", table_str, "--zorder-by", "start"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = python_json("read_rows.py", &[table_str]);
    assert_eq!(after["files"], 1);
    assert_eq!(after["deltalake"], before["deltalake"]);
    assert_eq!(after["polars"], before["deltalake"]);
    assert_eq!(glow_rows(), glow_before);
    let out = genolake(&["count", table_str]);
    assert!(out.status.success(), "{}", stderr(&out));
    let samples = bcftools(&["query", "-l", example().to_str().unwrap()])
        .lines()
        .count();
    let rows = before["deltalake"].as_array().unwrap().len();
    assert_eq!(
        stdout(&out).trim(),
        format!("{rows} records, {} genotypes, 0 skipped", rows * samples)
    );
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn genotype_count(table: &str, version: Option<u32>) -> Output {
    let from = match version {
        Some(v) => format!("read_delta('{table}', 'versionAsOf', {v})"),
        None => format!("read_delta('{table}')"),
    };
    genolake(&[
        "sql",
        "--format",
        "csv",
        &format!("SELECT sum(cardinality(genotypes)) AS n FROM {from}"),
    ])
}

/// `genolake withdraw` end to end: a crash before the commit leaves the
/// table as it was and the rerun finishes it in one commit; reruns commit
/// nothing; unknown tables and ids are reported; `--purge` refuses to cut
/// the retention period unasked, and with the override leaves no
/// withdrawn id in any file (log included) and no readable old version.
#[test]
fn withdraw_survives_a_crash_reports_what_it_did_and_purges_every_trace() {
    let dir = tempfile::tempdir().unwrap();
    let glow = dir.path().join("glow");
    let matrix = dir.path().join("matrix");
    let (glow_s, matrix_s) = (glow.to_str().unwrap(), matrix.to_str().unwrap());
    let input = example();
    let input = input.to_str().unwrap();
    ok(&[
        "ingest",
        input,
        "--table",
        glow_s,
        "--partition-by",
        "contigName",
    ]);
    ok(&["ingest", input, "--table", matrix_s, "--layout", "matrix"]);
    let samples = bcftools(&["query", "-l", input]).lines().count();
    let records = bcftools(&["view", "-H", input]).lines().count();
    let ids = ["HG00097", "HG00100", "NA12878"];
    let list = dir.path().join("withdrawn.txt");
    std::fs::write(&list, format!("# request 17\n{}\n\n", ids.join("\n"))).unwrap();
    let list = list.to_str().unwrap();

    // Crash after the new files are written, before the commit.
    let before = files_under(&glow).len();
    let crashed = Command::new(env!("CARGO_BIN_EXE_genolake"))
        .args(["withdraw", "--samples", list, "--table", glow_s])
        .env("GENOLAKE_WITHDRAW_CRASH", "before-commit")
        .output()
        .unwrap();
    assert!(!crashed.status.success());
    assert_eq!(delta_commits(&glow), 1, "the crash committed nothing");
    assert!(
        files_under(&glow).len() > before,
        "the crash left its files"
    );
    let full = (records * samples).to_string();
    assert_eq!(
        stdout(&genotype_count(glow_s, None)).lines().last(),
        Some(full.as_str())
    );

    // The rerun finishes the job: one withdrawal commit per table.
    let out = ok(&[
        "withdraw",
        "--samples",
        list,
        "--table",
        glow_s,
        "--table",
        matrix_s,
        "--reason",
        "consent withdrawn",
    ]);
    assert_eq!(out.matches("withdrew 3 of 3 samples").count(), 2, "{out}");
    assert!(
        out.contains("recomputed from the remaining genotypes: INFO_AC, INFO_AF, INFO_AN"),
        "{out}"
    );
    assert!(out.contains("set to null"), "{out}");
    let remaining = (records * (samples - 3)).to_string();
    for table in [&glow, &matrix] {
        assert_eq!(delta_commits(table), 2);
        let withdrawals = files_under(&table.join("_delta_log"))
            .iter()
            .filter(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains("\"WITHDRAW\"")))
            .count();
        assert_eq!(withdrawals, 1);
        let t = table.to_str().unwrap();
        assert_eq!(
            stdout(&genotype_count(t, None)).lines().last(),
            Some(remaining.as_str())
        );
        // Before a purge, time travel still reaches the old version.
        assert_eq!(
            stdout(&genotype_count(t, Some(0))).lines().last(),
            Some(full.as_str())
        );
    }
    // Again: nothing to do, nothing committed.
    let out = ok(&["withdraw", "--samples", list, "--table", glow_s]);
    assert!(
        out.contains("withdrawn from it before; nothing committed"),
        "{out}"
    );
    assert_eq!(delta_commits(&glow), 2);
    // Ids the table does not hold are counted.
    let out = ok(&[
        "withdraw",
        "--samples",
        "HG00096,NOT_A_SAMPLE",
        "--table",
        matrix_s,
    ]);
    assert!(out.contains("withdrew 1 of 2 samples"), "{out}");
    assert!(
        out.contains("1 of the requested samples were not in the table"),
        "{out}"
    );
    // An unknown table is an error naming it, before any table is touched.
    let missing = dir.path().join("missing");
    let out = genolake(&[
        "withdraw",
        "--samples",
        list,
        "--table",
        glow_s,
        "--table",
        missing.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("missing: there is no Delta table here"),
        "{}",
        stderr(&out)
    );

    // History shows the ingest, both withdrawals (hashed ids only) and a
    // vacuum of the files they replaced (delta-rs commits a vacuum only when
    // it deletes something).
    let out = ok(&[
        "vacuum",
        "--table",
        matrix_s,
        "--retain-hours",
        "0",
        "--force",
    ]);
    assert!(!out.is_empty());
    let out = genolake(&["history", "--table", matrix_s, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let history: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let commits = history["commits"].as_array().unwrap();
    let operations: Vec<&str> = commits
        .iter()
        .map(|c| c["operation"].as_str().unwrap())
        .collect();
    assert_eq!(operations.len(), 5, "{operations:?}");
    assert_eq!(operations[..2], ["VACUUM END", "VACUUM START"]);
    let (second, first) = (&commits[2]["withdrawal"], &commits[3]["withdrawal"]);
    assert_eq!(first["sampleCount"], 3, "{}", commits[3]);
    assert_eq!(first["samplesRemoved"], 3);
    assert_eq!(first["reason"], "consent withdrawn");
    assert_eq!(first["hashedIds"].as_array().unwrap().len(), 3);
    assert_eq!(second["sampleCount"], 2, "{}", commits[2]);
    assert_eq!(second["samplesRemoved"], 1);
    assert_eq!(
        commits[4]["ingest"]["inputs"][0]["sha256"],
        sha256sum(Path::new(input))
    );
    let text = ok(&["history", "--table", matrix_s]);
    assert!(text.contains("withdrawal: 3 sample(s) named"), "{text}");
    // The withdrawal commits name no withdrawn id (the first one's new
    // sample list still holds HG00096, withdrawn by the second).
    let log = |version: u32| {
        std::fs::read_to_string(matrix.join(format!("_delta_log/{version:020}.json"))).unwrap()
    };
    let all = [&ids[..], &["HG00096"]].concat();
    for (version, withdrawn) in [(1, &ids[..]), (2, &all[..])] {
        let commit = log(version);
        assert!(commit.contains("\"WITHDRAW\""), "version {version}");
        for id in withdrawn {
            assert!(!commit.contains(id), "version {version} names {id}");
        }
    }
    for id in &all {
        assert!(
            !stdout(&out).contains(id) && !text.contains(id),
            "history names {id}"
        );
    }

    // A purge within the retention period keeps the old files and says how to go on.
    let out = genolake(&["withdraw", "--samples", list, "--table", glow_s, "--purge"]);
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("--retention-override"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("the purge is incomplete"),
        "{}",
        stderr(&out)
    );

    let out = ok(&[
        "withdraw",
        "--samples",
        list,
        "--table",
        glow_s,
        "--table",
        matrix_s,
        "--purge",
        "--retention-override",
    ]);
    assert_eq!(
        out.matches("no withdrawn sample id or genotype is left")
            .count(),
        2,
        "{out}"
    );
    for table in [&glow, &matrix] {
        for file in files_under(table) {
            let bytes = std::fs::read(&file).unwrap();
            for id in ids {
                assert!(
                    !bytes.windows(id.len()).any(|w| w == id.as_bytes()),
                    "{} holds {id}",
                    file.display()
                );
            }
        }
        let t = table.to_str().unwrap();
        let old = genotype_count(t, Some(0));
        assert!(
            !old.status.success(),
            "version 0 still reads: {}",
            stdout(&old)
        );
        assert!(stderr(&old).contains("error"), "{}", stderr(&old));
        assert!(stdout(&genotype_count(t, None)).lines().last().is_some());
    }
    // Re-ingesting the original file would bring them back: refused.
    let out = genolake(&["ingest", input, "--table", glow_s, "--mode", "overwrite"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("withdrawn from this table"),
        "{}",
        stderr(&out)
    );
}

/// The records `bcftools view -H` prints for `path` with `args` before it.
fn bcftools_records(args: &[&str], path: &Path) -> String {
    let mut all: Vec<&str> = vec!["view", "-H"];
    all.extend_from_slice(args);
    all.push(path.to_str().unwrap());
    bcftools(&all)
}

/// `genolake convert` to VCF, judged by bcftools: the records of the input
/// (header carried, BGZF with a `.tbi`, decoded on two threads), of a
/// region and of chosen samples are those bcftools prints for the same
/// selection of the original; an inferred header still gives the same
/// genotypes; BGEN and PLINK inputs give VCFs bcftools indexes; a failed
/// conversion leaves no file.
#[test]
fn convert_to_vcf_gives_what_bcftools_gives_for_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = example();
    let out = |name: &str| dir.path().join(name);

    // Carried header, two threads, BGZF and .tbi by the name.
    let gz = out("copy.vcf.gz");
    let written = ok(&[
        "convert",
        vcf.to_str().unwrap(),
        "--threads",
        "2",
        "-o",
        gz.to_str().unwrap(),
    ]);
    assert!(written.starts_with("17 variants written to "), "{written}");
    assert!(written.contains("copy.vcf.gz.tbi") && written.trim_end().ends_with("(VCF)"));
    let original = bcftools_records(&[], &vcf);
    assert_eq!(original.lines().count(), 17);
    assert_eq!(bcftools_records(&[], &gz), original);
    let region = "20:10000200-10000400";
    assert_eq!(
        bcftools_records(&["-r", region], &gz),
        bcftools_records(&["-r", region], &vcf),
    );

    // BCF, both ways: bcftools prints the same records for the BCF we
    // write as for the VCF, region queries on our .csi find what its own
    // index finds, and the BCF bcftools writes converts back to those
    // records.
    let bcf = out("copy.bcf");
    let written = ok(&[
        "convert",
        vcf.to_str().unwrap(),
        "-o",
        bcf.to_str().unwrap(),
    ]);
    assert!(
        written.contains("copy.bcf.csi") && written.trim_end().ends_with("(BCF)"),
        "{written}"
    );
    assert_eq!(bcftools_records(&[], &bcf), original);
    let theirs = out("theirs.bcf");
    bcftools(&[
        "view",
        "-Ob",
        "-o",
        theirs.to_str().unwrap(),
        vcf.to_str().unwrap(),
    ]);
    bcftools(&["index", theirs.to_str().unwrap()]);
    assert_eq!(
        bcftools_records(&["-r", region], &bcf),
        bcftools_records(&["-r", region], &theirs),
    );
    let back = out("back.vcf.gz");
    ok(&[
        "convert",
        theirs.to_str().unwrap(),
        "--threads",
        "2",
        "-o",
        back.to_str().unwrap(),
    ]);
    assert_eq!(bcftools_records(&[], &back), original);

    // --region and --samples chosen by the reader (VCF): bcftools' view of
    // the same selection, without its INFO/AC and AN update (-I).
    let subset = out("subset.vcf");
    ok(&[
        "convert",
        vcf.to_str().unwrap(),
        "--region",
        region,
        "--samples",
        "HG00099,HG00096",
        "-o",
        subset.to_str().unwrap(),
    ]);
    let expected = bcftools_records(&["-I", "-r", region, "-s", "HG00099,HG00096"], &vcf);
    assert_eq!(expected.lines().count(), 2);
    assert_eq!(bcftools_records(&[], &subset), expected);
    assert_eq!(
        bcftools(&["query", "-l", subset.to_str().unwrap()]),
        "HG00099\nHG00096\n"
    );

    // Two inputs are written one after the other, in order, whatever
    // thread decodes which; an inferred header keeps every genotype.
    let twice = out("twice.vcf");
    ok(&[
        "convert",
        vcf.to_str().unwrap(),
        vcf.to_str().unwrap(),
        "--vcf-header",
        "infer",
        "--threads",
        "2",
        "-o",
        twice.to_str().unwrap(),
    ]);
    let query = |path: &Path| {
        bcftools(&[
            "query",
            "-f",
            "%CHROM:%POS %REF %ALT %QUAL %FILTER %INFO/AF [%GT,]\n",
            path.to_str().unwrap(),
        ])
    };
    assert_eq!(query(&twice), query(&vcf).repeat(2));

    // --sharded: one indexed file per split, here one per input.
    let shards = out("shards.vcf.gz");
    let written = ok(&[
        "convert",
        vcf.to_str().unwrap(),
        vcf.to_str().unwrap(),
        "--sharded",
        "-o",
        shards.to_str().unwrap(),
    ]);
    assert!(
        written.starts_with("34 variants written") && written.contains("2 files"),
        "{written}"
    );
    let mut parts: Vec<String> = std::fs::read_dir(&shards)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    parts.sort();
    assert_eq!(
        parts,
        [
            "part-00000.vcf.gz",
            "part-00000.vcf.gz.tbi",
            "part-00001.vcf.gz",
            "part-00001.vcf.gz.tbi"
        ]
    );
    for part in ["part-00000.vcf.gz", "part-00001.vcf.gz"] {
        assert_eq!(
            bcftools_records(&[], &shards.join(part)),
            original,
            "{part}"
        );
    }
    let again = genolake(&[
        "convert",
        vcf.to_str().unwrap(),
        "--sharded",
        "-o",
        shards.to_str().unwrap(),
    ]);
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    // BGEN and PLINK inputs: the genotypes bcftools reads back are the hard
    // calls genolake reads, and the BGZF output indexes as tabix's does.
    let bgen = glow("bgen/example.16bits.bgen");
    let plink = glow(&format!("{PLINK_PREFIX}.bed"));
    // The BGEN's records are not sorted (01:10000 follows 01:99000): it
    // cannot be indexed, and says so unless told not to index.
    let unsorted = genolake(&["convert", &bgen, "-o", out("bgen.vcf.gz").to_str().unwrap()]);
    assert!(
        stderr(&unsorted).contains("must be sorted"),
        "{}",
        stderr(&unsorted)
    );
    for (name, input, read, index) in [
        ("bgen", &bgen, "read_bgen", "none"),
        ("plink", &plink, "read_plink", "tbi"),
    ] {
        let output = out(&format!("{name}.vcf.bgz"));
        ok(&[
            "convert",
            input,
            "--index",
            index,
            "-o",
            output.to_str().unwrap(),
        ]);
        let states = ok(&[
            "sql",
            "--format",
            "csv",
            &format!(
                "SELECT contigName, start + 1 AS pos, genotype_states(genotypes) AS s \
                 FROM {read}('{input}')"
            ),
        ]);
        let expected: Vec<String> = states
            .lines()
            .skip(1)
            .map(|l| {
                let (site, list) = l.split_once(",\"[").unwrap();
                format!("{site},{}", list.trim_end_matches("]\"").replace(' ', ""))
            })
            .collect();
        // bcftools' GT as genotype_states gives it: the sum of the allele
        // indices, -1 when an allele is missing.
        let ours: Vec<String> = bcftools(&[
            "query",
            "-f",
            "%CHROM,%POS,[%GT,]\n",
            output.to_str().unwrap(),
        ])
        .lines()
        .map(|l| {
            let fields: Vec<&str> = l.trim_end_matches(',').split(',').collect();
            let states: Vec<String> = fields[2..]
                .iter()
                .map(|gt| {
                    gt.split(['/', '|'])
                        .map(|a| a.parse::<i32>().ok())
                        .sum::<Option<i32>>()
                        .unwrap_or(-1)
                        .to_string()
                })
                .collect();
            format!("{},{},{}", fields[0], fields[1], states.join(","))
        })
        .collect();
        assert!(!ours.is_empty(), "{name}");
        assert_eq!(ours, expected, "{name}");
        if index == "none" {
            continue;
        }
        let tabix = out(&format!("{name}.tabix.vcf.gz"));
        std::fs::copy(&output, &tabix).unwrap();
        bcftools(&["index", "-t", tabix.to_str().unwrap()]);
        let first = ours[0].split(',').next().unwrap();
        assert_eq!(
            bcftools_records(&["-r", first], &output),
            bcftools_records(&["-r", first], &tabix),
            "{name}"
        );
    }

    // A BCF names contigs by their header line: those of a PLINK fileset
    // come from its .bim, so a contig first seen in a later batch (one row
    // a batch here) is declared too.
    let plink_bcf = out("plink.bcf");
    ok(&[
        "convert",
        &plink,
        "--option",
        "batchSize=1",
        "-o",
        plink_bcf.to_str().unwrap(),
    ]);
    assert_eq!(
        bcftools(&["query", "-f", "%CHROM ", plink_bcf.to_str().unwrap()]),
        "1 23 24 25 26 "
    );
    let header = bcftools(&["view", "-h", plink_bcf.to_str().unwrap()]);
    assert!(header.contains("##contig=<ID=26>"), "{header}");

    // A record that does not parse: an error naming it, no file left.
    let bad = out("bad.vcf");
    let text = std::fs::read_to_string(&subset).unwrap();
    std::fs::write(&bad, text.replacen("\t10000211\t", "\tten\t", 1)).unwrap();
    let failed = out("failed.vcf.gz");
    let result = genolake(&[
        "convert",
        bad.to_str().unwrap(),
        "-o",
        failed.to_str().unwrap(),
    ]);
    assert!(!result.status.success());
    assert!(stderr(&result).contains("bad.vcf"), "{}", stderr(&result));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("failed"))
        .collect();
    assert!(left.is_empty(), "a failed convert left {left:?}");
}

/// `convert` to Parquet: the table's rows and columns, read back by
/// pyarrow; unknown output names and bad writer options are refused by
/// name.
#[test]
fn convert_to_parquet_reads_back_in_pyarrow_and_bad_requests_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = example();
    let parquet = dir.path().join("calls.parquet");
    ok(&[
        "convert",
        vcf.to_str().unwrap(),
        "-o",
        parquet.to_str().unwrap(),
    ]);
    let python = std::env::var("GENOLAKE_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = "import sys, pyarrow.parquet as pq\n\
        t = pq.read_table(sys.argv[1])\n\
        g = t.column('genotypes').to_pylist()\n\
        print(t.num_rows, len(g[0]), g[0][0]['sampleId'], t.column('start')[0])\n";
    let read = Command::new(&python)
        .args(["-c", script])
        .arg(&parquet)
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e}; set GENOLAKE_PYTHON to a venv with pyarrow"));
    assert!(read.status.success(), "{}", stderr(&read));
    assert_eq!(stdout(&read).trim(), "17 2535 HG00096 10000116");

    let refused = |args: &[&str], expected: &str| {
        let out = genolake(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    };
    let input = vcf.to_str().unwrap();
    let unknown = dir.path().join("calls.txt");
    refused(
        &["convert", input, "-o", unknown.to_str().unwrap()],
        "give --to",
    );
    let gz = dir.path().join("calls.vcf.gz");
    refused(
        &["convert", input, "-o", gz.to_str().unwrap(), "--bits", "8"],
        "bitsPerProbability",
    );
    refused(
        &[
            "convert",
            input,
            "-o",
            gz.to_str().unwrap(),
            "--index",
            "bai",
        ],
        "tbi, csi or none",
    );
    let bgen = glow("bgen/example.16bits.bgen");
    refused(
        &[
            "convert",
            &bgen,
            "--samples",
            "sample_001",
            "-o",
            parquet.to_str().unwrap(),
        ],
        "--samples",
    );
    assert!(!unknown.exists() && !gz.exists());
}

/// `COPY (SELECT ...) TO ... STORED AS VCF` (and BCF, by the target's name,
/// and as PLINK) writes a query's rows; bcftools and plink2 read them as the
/// same selection of the source.
#[test]
fn sql_copy_writes_vcf_and_plink() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = example();
    let input = vcf.to_str().unwrap();
    let gz = dir.path().join("late.vcf.gz");
    let copied = ok(&[
        "sql",
        "--format",
        "csv",
        &format!(
            "COPY (SELECT * FROM read_vcf('{input}') WHERE start >= 10000300 ORDER BY start) \
             TO '{}' STORED AS VCF OPTIONS ('vcfHeader' '{input}', 'index' 'csi')",
            gz.display()
        ),
    ]);
    let expected = bcftools_records(&["-i", "POS>10000300"], &vcf);
    let rows = expected.lines().count();
    assert!(rows > 5, "{expected}");
    assert_eq!(copied, format!("count\n{rows}\n"));
    assert_eq!(bcftools_records(&[], &gz), expected);
    assert!(dir.path().join("late.vcf.gz.csi").is_file());

    // BCF, named by STORED AS.
    let bcf = dir.path().join("late.bcf");
    ok(&[
        "sql",
        &format!(
            "COPY (SELECT * FROM read_vcf('{input}') WHERE start >= 10000300 ORDER BY start) \
             TO '{}' STORED AS BCF",
            bcf.display()
        ),
    ]);
    assert_eq!(bcftools_records(&[], &bcf), expected);
    assert!(dir.path().join("late.bcf.csi").is_file());

    // No STORED AS: the name says VCF; an inferred header.
    let plain = dir.path().join("first.vcf");
    ok(&[
        "sql",
        &format!(
            "COPY (SELECT contigName, start, referenceAllele, alternateAlleles, genotypes \
             FROM read_vcf('{input}') LIMIT 3) TO '{}'",
            plain.display()
        ),
    ]);
    assert_eq!(
        bcftools(&["query", "-f", "%POS[%GT]\n", plain.to_str().unwrap()])
            .lines()
            .count(),
        3
    );

    // PLINK: plink2 counts the same variants and samples.
    let bed = dir.path().join("snps.bed");
    ok(&[
        "sql",
        &format!(
            "COPY (SELECT * FROM read_vcf('{input}') WHERE size(alternateAlleles) = 1) \
             TO '{}' STORED AS PLINK",
            bed.display()
        ),
    ]);
    let biallelic = bcftools_records(&["-m2", "-M2"], &vcf).lines().count();
    let bim = std::fs::read_to_string(bed.with_extension("bim")).unwrap();
    assert_eq!(bim.lines().count(), biallelic);
    let prefix = dir.path().join("snps");
    let status = Command::new("plink2")
        .args([
            "--bfile",
            prefix.to_str().unwrap(),
            "--freq",
            "--silent",
            "--out",
        ])
        .arg(&prefix)
        .status()
        .expect("plink2 is needed for this test (apt-get install plink2)");
    assert!(status.success());
    let afreq = std::fs::read_to_string(prefix.with_extension("afreq")).unwrap();
    assert_eq!(afreq.lines().count(), biallelic + 1);
}

/// A file of genolake-ops' test data (Glow's transform fixtures).
fn ops_data(relative: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../genolake-ops/tests/data")
        .join(relative);
    assert!(path.exists(), "test data {} is missing", path.display());
    path
}

/// A `bcftools query` format printing every fixed column, INFO key and
/// FORMAT key `vcf`'s header declares.
fn every_field(vcf: &Path) -> String {
    let header = bcftools(&["view", "-h", vcf.to_str().unwrap()]);
    let ids = |kind: &str| -> Vec<String> {
        header
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("##{kind}=<ID=")))
            .map(|rest| rest.split(',').next().unwrap().to_string())
            .collect()
    };
    let mut format = "%CHROM\t%POS\t%ID\t%REF\t%ALT\t%QUAL\t%FILTER".to_string();
    for info in ids("INFO") {
        format.push_str(&format!("\t%INFO/{info}"));
    }
    let formats = ids("FORMAT");
    if !formats.is_empty() {
        format.push('[');
        for key in formats {
            format.push_str(&format!("\t%{key}"));
        }
        format.push(']');
    }
    format.push('\n');
    format
}

/// `convert --split-multiallelics --normalize` writes what `bcftools norm
/// -m- -f` writes (every field, in bcftools' order, on two threads, from a
/// plain and a BGZF reference); `ingest` with the same flags stores as many
/// rows; `--liftover` writes Picard's lifted records and counts the others;
/// a reference without its index is refused and leaves no output.
#[test]
fn convert_and_ingest_transform_as_bcftools_norm_and_picard_do() {
    let dir = tempfile::tempdir().unwrap();
    let norm = "variantsplitternormalizer-test";
    for (file, fasta) in [
        ("01_IN_altered_multiallelic.vcf", "20_altered.fasta"),
        ("01_IN_altered_biallelic.vcf", "20_altered_bgzip.fasta.gz"),
        (
            "test_left_align_hg38_altered.vcf",
            "Homo_sapiens_assembly38.20.21_altered.fasta",
        ),
    ] {
        let input = ops_data(&format!("{norm}/{file}"));
        let fasta = ops_data(&format!("{norm}/{fasta}"));
        let ours = dir.path().join(format!("ours-{file}.gz"));
        let theirs = dir.path().join(format!("theirs-{file}.gz"));
        ok(&[
            "convert",
            input.to_str().unwrap(),
            "-o",
            ours.to_str().unwrap(),
            "--threads",
            "2",
            "--split-multiallelics",
            "--normalize",
            "--reference",
            fasta.to_str().unwrap(),
        ]);
        let format = every_field(&input);
        let expected = same_as_bcftools_norm(&input, &fasta, &theirs, &ours, &format);
        assert!(expected.lines().count() > 5, "{file}");

        let table = dir.path().join(format!("table-{file}"));
        ok(&[
            "ingest",
            input.to_str().unwrap(),
            "--table",
            table.to_str().unwrap(),
            "--split-multiallelics",
            "--normalize",
            "--reference",
            fasta.to_str().unwrap(),
        ]);
        let count = ok(&["count", table.to_str().unwrap()]);
        assert!(
            count.starts_with(&format!("{} records,", expected.lines().count())),
            "{file}: {count}"
        );
    }

    // Picard's biallelic indel case: the lifted records, and the others
    // counted by reason.
    let input = ops_data("liftover/picard/testLiftoverBiallelicIndels.vcf");
    let lifted = dir.path().join("lifted.vcf");
    let out = genolake(&[
        "convert",
        input.to_str().unwrap(),
        "-o",
        lifted.to_str().unwrap(),
        "--liftover",
        ops_data("liftover/picard/test.over.chain")
            .to_str()
            .unwrap(),
        "--target-reference",
        ops_data("liftover/picard/dummy.reference.fasta")
            .to_str()
            .unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sites = "%CHROM\t%POS\t%REF\t%ALT\n";
    let expected = ops_data("liftover/picard/lifted.testLiftoverBiallelicIndels.vcf");
    let mut ours: Vec<String> = bcftools(&["query", "-f", sites, lifted.to_str().unwrap()])
        .lines()
        .map(str::to_string)
        .collect();
    let mut theirs: Vec<String> = bcftools(&["query", "-f", sites, expected.to_str().unwrap()])
        .lines()
        .map(str::to_string)
        .collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);
    let failed = bcftools(&[
        "view",
        "-H",
        ops_data("liftover/picard/failed.testLiftoverBiallelicIndels.vcf")
            .to_str()
            .unwrap(),
    ])
    .lines()
    .count();
    let reported: usize = stderr(&out)
        .lines()
        .filter(|l| l.contains("did not lift over"))
        .map(|l| {
            l.split_whitespace()
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    assert_eq!(reported, failed, "{}", stderr(&out));

    // A reference without its .fai: refused by name, nothing written.
    let target = dir.path().join("unindexed.vcf.gz");
    let out = genolake(&[
        "convert",
        ops_data(&format!("{norm}/01_IN_altered_biallelic.vcf"))
            .to_str()
            .unwrap(),
        "-o",
        target.to_str().unwrap(),
        "--normalize",
        "--reference",
        ops_data(&format!("{norm}/20_altered_noindex.fasta"))
            .to_str()
            .unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("20_altered_noindex.fasta.fai"),
        "{}",
        stderr(&out)
    );
    assert!(!target.exists());
    let out = genolake(&["convert", "x.vcf", "-o", "y.vcf", "--normalize"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--reference"), "{}", stderr(&out));
}

/// `genolake merge` of two single-sample VCFs prints, in bcftools, the
/// records `bcftools merge -m none` prints: every site once, both samples'
/// calls (missing where a sample lacks the site), INFO combined alike.
#[test]
fn merge_gives_what_bcftools_merge_gives() {
    let dir = tempfile::tempdir().unwrap();
    // bcftools merge reads indexed inputs: a copy of the first, indexed.
    let first = dir.path().join("HG00096.vcf.gz");
    std::fs::copy(ops_data("vcf-merge/HG00096.vcf.bgz"), &first).unwrap();
    bcftools(&["index", "-t", first.to_str().unwrap()]);
    // Every other site of the second sample, so the union matters.
    let second = dir.path().join("HG00097.odd.vcf.gz");
    bcftools(&[
        "view",
        "-i",
        "POS % 2 == 1",
        "-Oz",
        "-o",
        second.to_str().unwrap(),
        ops_data("vcf-merge/HG00097.vcf.bgz").to_str().unwrap(),
    ]);
    bcftools(&["index", "-t", second.to_str().unwrap()]);
    let ours = dir.path().join("merged.vcf.gz");
    let written = ok(&[
        "merge",
        first.to_str().unwrap(),
        second.to_str().unwrap(),
        "-o",
        ours.to_str().unwrap(),
    ]);
    assert!(written.contains("of 2 inputs written"), "{written}");
    let theirs = dir.path().join("theirs.vcf.gz");
    bcftools(&[
        "merge",
        "-m",
        "none",
        "-Oz",
        "-o",
        theirs.to_str().unwrap(),
        first.to_str().unwrap(),
        second.to_str().unwrap(),
    ]);
    let format =
        "%CHROM\t%POS\t%ID\t%REF\t%ALT\t%QUAL\t%FILTER\t%INFO/AC\t%INFO/AN\t%INFO/DP[\t%GT]\n";
    let expected = bcftools(&["query", "-f", format, theirs.to_str().unwrap()]);
    assert_eq!(expected.lines().count(), 1000);
    assert!(expected.contains("./."));
    assert_eq!(
        bcftools(&["query", "-f", format, ours.to_str().unwrap()]),
        expected
    );
    assert_eq!(
        bcftools(&["query", "-l", ours.to_str().unwrap()]),
        "HG00096\nHG00097\n"
    );

    // A sample in two inputs is refused, naming both; nothing is written.
    let twice = dir.path().join("twice.vcf.gz");
    let out = genolake(&[
        "merge",
        first.to_str().unwrap(),
        first.to_str().unwrap(),
        "-o",
        twice.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("HG00096"), "{}", stderr(&out));
    assert!(!twice.exists());
}

/// `--normalize` checks each REF against the reference as `bcftools norm
/// -f --check-ref` does: e stops at the record, x leaves it out (the same
/// records as bcftools writes), w keeps it as it is and counts it.
#[test]
fn normalize_checks_ref_as_bcftools_norm_does() {
    let dir = tempfile::tempdir().unwrap();
    let norm = "variantsplitternormalizer-test";
    let fasta = ops_data(&format!("{norm}/20_altered.fasta"));
    let text =
        std::fs::read_to_string(ops_data(&format!("{norm}/01_IN_altered_biallelic.vcf"))).unwrap();
    // 20:302 C>CTTGT, with a REF the reference does not have.
    let bad = text.replacen("20\t302\t.\tC\tCTTGT", "20\t302\t.\tG\tGTTGT", 1);
    assert_ne!(bad, text);
    let input = dir.path().join("bad_ref.vcf");
    std::fs::write(&input, bad).unwrap();
    let input = input.to_str().unwrap();
    let fasta = fasta.to_str().unwrap();
    let run = |check: &str, output: &Path| {
        genolake(&[
            "convert",
            input,
            "-o",
            output.to_str().unwrap(),
            "--normalize",
            "--reference",
            fasta,
            "--check-ref",
            check,
        ])
    };

    let out = run("e", &dir.path().join("e.vcf"));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Reference allele mismatch at 20:302"),
        "{}",
        stderr(&out)
    );
    let theirs = Command::new("bcftools")
        .args([
            "norm",
            "-f",
            fasta,
            "-c",
            "e",
            "-Ov",
            "-o",
            "/dev/null",
            input,
        ])
        .output()
        .expect("bcftools is needed for this test (apt-get install bcftools)");
    assert!(!theirs.status.success());
    assert!(stderr(&theirs).contains("Reference allele mismatch at 20:302"));

    let ours = dir.path().join("x.vcf");
    let out = run("x", &ours);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("1 variants had a REF that differs from the reference and were left out"),
        "{}",
        stderr(&out)
    );
    let theirs = dir.path().join("theirs_x.vcf");
    bcftools(&[
        "norm",
        "-f",
        fasta,
        "-c",
        "x",
        "-Ov",
        "-o",
        theirs.to_str().unwrap(),
        input,
    ]);
    let format = every_field(Path::new(input));
    let expected = bcftools(&["query", "-f", &format, theirs.to_str().unwrap()]);
    assert_eq!(
        bcftools(&["query", "-f", &format, ours.to_str().unwrap()]),
        expected
    );
    assert!(!expected.contains("20\t302\t"));

    let kept = dir.path().join("w.vcf");
    let out = run("w", &kept);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("were kept as they were"),
        "{}",
        stderr(&out)
    );
    let records = bcftools(&["query", "-f", "%POS\t%REF\t%ALT\n", kept.to_str().unwrap()]);
    assert!(records.contains("302\tG\tGTTGT\n"), "{records}");
}

/// The transforms read a Delta table of either layout in Glow's schema: a
/// matrix table converted with --split-multiallelics --normalize gives
/// bcftools norm's sites and calls for the file it was ingested from.
#[test]
fn a_matrix_table_is_split_and_normalized_like_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let norm = "variantsplitternormalizer-test";
    let input = ops_data(&format!("{norm}/01_IN_altered_multiallelic.vcf"));
    let fasta = ops_data(&format!("{norm}/20_altered.fasta"));
    let table = dir.path().join("matrix");
    ok(&[
        "ingest",
        input.to_str().unwrap(),
        "--table",
        table.to_str().unwrap(),
        "--layout",
        "matrix",
    ]);
    let ours = dir.path().join("from_table.vcf.gz");
    ok(&[
        "convert",
        table.to_str().unwrap(),
        "-o",
        ours.to_str().unwrap(),
        "--split-multiallelics",
        "--normalize",
        "--reference",
        fasta.to_str().unwrap(),
    ]);
    let theirs = dir.path().join("theirs.vcf.gz");
    let format = "%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n";
    let expected = same_as_bcftools_norm(&input, &fasta, &theirs, &ours, format);
    assert!(expected.lines().count() > 5);
}

/// Splits and normalizes `input` against `fasta` with `bcftools norm -m-`
/// into `theirs`, and checks that `bcftools query -f format` prints the
/// same for `ours`; returns what it prints.
fn same_as_bcftools_norm(
    input: &Path,
    fasta: &Path,
    theirs: &Path,
    ours: &Path,
    format: &str,
) -> String {
    bcftools(&[
        "norm",
        "-m-",
        "-f",
        fasta.to_str().unwrap(),
        "-Oz",
        "-o",
        theirs.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    let expected = bcftools(&["query", "-f", format, theirs.to_str().unwrap()]);
    assert_eq!(
        bcftools(&["query", "-f", format, ours.to_str().unwrap()]),
        expected,
        "{}",
        input.display()
    );
    expected
}
