//! The SQL surface of DESIGN.md: the clinical join, `STORED AS VCF`,
//! multi-statement scripts and result writers.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type};
use genolake_sql::{OutputFormat, run_sql, run_statements, session, write_batches};

use crate::common::*;

const THOUSAND_GENOMES: &str =
    "tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz";
const CEU_TRIO_BGZF: &str = "tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz";

/// A status for the i-th sample; every seventh sample has no clinical row.
fn status_of(i: usize) -> Option<&'static str> {
    match i % 7 {
        0 => None,
        1 | 2 => Some("case"),
        _ => Some("control"),
    }
}

#[tokio::test]
async fn the_design_join_query_counts_what_bcftools_counts() {
    let vcf = glow(THOUSAND_GENOMES);
    let Some(samples) = bcftools(&["query", "-l", &vcf]) else {
        return;
    };
    let samples: Vec<&str> = samples.lines().collect();
    assert!(samples.len() > 100);

    // A clinical table keyed by sampleId.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("clinical.csv");
    let mut text = String::from("sampleId,status,age\n");
    let mut status: HashMap<&str, &str> = HashMap::new();
    for (i, sample) in samples.iter().enumerate() {
        if let Some(s) = status_of(i) {
            writeln!(text, "{sample},{s},{}", 20 + i % 50).unwrap();
            status.insert(sample, s);
        }
    }
    std::fs::write(&csv, text).unwrap();

    // Expected: genotypes carrying allele 1, per status of their sample.
    let genotypes = bcftools(&["query", "-f", "[%SAMPLE\t%GT\n]", &vcf]).unwrap();
    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    for line in genotypes.lines() {
        let (sample, gt) = line.split_once('\t').unwrap();
        let carries_alt1 = gt.split(['|', '/']).any(|allele| allele == "1");
        if let (true, Some(s)) = (carries_alt1, status.get(sample)) {
            *expected.entry(s.to_string()).or_default() += 1;
        }
    }
    assert_eq!(expected.len(), 2, "both statuses must occur: {expected:?}");

    let ctx = session();
    let sql = format!(
        "CREATE EXTERNAL TABLE clinical STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true');
         SELECT c.status, count(*) FROM (SELECT unnest(genotypes) AS g FROM read_vcf('{vcf}')) v
         JOIN clinical c ON v.g['sampleId'] = c.sampleId
         WHERE array_has(v.g['calls'], 1) GROUP BY c.status",
        csv.display()
    );
    let result = run_sql(&ctx, &sql).await.unwrap();
    let mut ours: BTreeMap<String, i64> = BTreeMap::new();
    for batch in &result.batches {
        let status = arrow::compute::cast(batch.column(0), &DataType::Utf8).unwrap();
        let status = status.as_string::<i32>();
        let counts = batch.column(1).as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            ours.insert(status.value(i).to_string(), counts.value(i));
        }
    }
    assert_eq!(ours, expected);
}

#[tokio::test]
async fn create_external_table_stored_as_vcf_takes_glow_options() {
    let vcf = glow(CEU_TRIO_BGZF);
    let ctx = session();
    let result = run_sql(
        &ctx,
        &format!(
            "CREATE EXTERNAL TABLE trio STORED AS VCF LOCATION '{vcf}'
                 OPTIONS ('includeSampleIds' 'false', 'validationStringency' 'lenient');
             SELECT count(*) FROM trio"
        ),
    )
    .await
    .unwrap();
    let total = single_i64(&result.batches) as usize;
    if let Some(expected) = bcftools_count(&vcf, &[]) {
        assert_eq!(total, expected);
    }
    let df = ctx.sql("SELECT genotypes FROM trio").await.unwrap();
    let DataType::List(item) = df.schema().field(0).data_type().clone() else {
        panic!("genotypes is not a list");
    };
    let DataType::Struct(fields) = item.data_type() else {
        panic!("genotypes items are not structs");
    };
    assert!(fields.iter().all(|f| f.name() != "sampleId"), "{fields:?}");

    // Filters reach the reader through the listing table's physical plan too.
    let sql =
        "SELECT count(*) FROM trio WHERE contigName = '20' AND end > 9999999 AND start < 10500000";
    let plan = explain(&ctx, sql).await;
    assert!(plan.contains("regions=[20:10000000-10500000]"), "{plan}");
    let region_count = single_i64(&ctx.sql(sql).await.unwrap().collect().await.unwrap()) as usize;
    if let Some(expected) = bcftools_count(&vcf, &["-r", "20:10000000-10500000"]) {
        assert_eq!(region_count, expected);
    }

    // Default options: sample ids present; a bad option is refused.
    run_sql(
        &ctx,
        &format!("CREATE EXTERNAL TABLE trio2 STORED AS VCF LOCATION '{vcf}'; SELECT 1"),
    )
    .await
    .unwrap();
    let ids = ctx
        .sql("SELECT DISTINCT g['sampleId'] FROM (SELECT unnest(genotypes) AS g FROM trio2)")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(sorted_rows(&ids), ["NA12878"]);
    let e = run_sql(
        &ctx,
        &format!("CREATE EXTERNAL TABLE trio3 STORED AS VCF LOCATION '{vcf}' OPTIONS ('flattenInfoField' 'true')"),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("flatteninfofield") && e.contains("known options"),
        "{e}"
    );
}

#[tokio::test]
async fn statements_split_on_semicolons_outside_quotes_and_comments() {
    let ctx = session();
    let sql = "CREATE VIEW semi AS SELECT 'a;b' AS \"x;y\", 1 AS n; -- a comment; still a comment
               /* block; comment */
               SELECT \"x;y\" || ';' AS v, n + 1 AS m FROM semi;";
    let result = run_sql(&ctx, sql).await.unwrap();
    assert_eq!(sorted_rows(&result.batches), ["a;b;\t2"]);
    assert_eq!(result.schema.field(0).name(), "v");

    // Nothing runs when a statement does not parse.
    let e = run_statements(&ctx, "CREATE VIEW never AS SELECT 1; SELEC 2")
        .await
        .unwrap_err();
    assert!(!e.to_string().is_empty());
    assert!(
        ctx.sql("SELECT * FROM never").await.is_err(),
        "the first statement ran"
    );
    assert!(run_statements(&ctx, "  -- nothing\n ").await.is_err());
}

#[tokio::test]
async fn results_are_written_as_table_csv_json_and_parquet() {
    let ctx = session();
    let vcf = local_data("VCFv4.3.vcf");
    let result = run_sql(
        &ctx,
        &format!("SELECT contigName, start, alternateAlleles, genotypes FROM read_vcf('{vcf}') ORDER BY start"),
    )
    .await
    .unwrap();
    assert_eq!(result.num_rows(), 5);

    let table = String::from_utf8(
        write_batches(
            result.schema.clone(),
            &result.batches,
            OutputFormat::Table,
            Vec::new(),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(table.contains("| contigName | start"), "{table}");
    assert!(table.contains("1234566"), "{table}");

    let csv = String::from_utf8(
        write_batches(
            result.schema.clone(),
            &result.batches,
            OutputFormat::Csv,
            Vec::new(),
        )
        .unwrap(),
    )
    .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "contigName,start,alternateAlleles,genotypes");
    assert_eq!(lines.len(), 6);
    assert!(
        lines[3].starts_with("20,1110695,\"[G, T]\","),
        "{}",
        lines[3]
    );

    let json = String::from_utf8(
        write_batches(
            result.schema.clone(),
            &result.batches,
            OutputFormat::Json,
            Vec::new(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(json.lines().count(), 5);
    assert!(
        json.lines()
            .nth(2)
            .unwrap()
            .contains(r#""alternateAlleles":["G","T"]"#),
        "{json}"
    );
    assert!(json.contains(r#""sampleId":"NA00001""#));

    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("out.parquet");
    let file = std::fs::File::create(&parquet).unwrap();
    write_batches(
        result.schema.clone(),
        &result.batches,
        OutputFormat::Parquet,
        file,
    )
    .unwrap();
    ctx.register_parquet("back", parquet.to_str().unwrap(), Default::default())
        .await
        .unwrap();
    let back: Vec<RecordBatch> = ctx
        .sql("SELECT * FROM back")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(sorted_rows(&back), sorted_rows(&result.batches));

    // An empty result still has its header.
    let empty = run_sql(
        &ctx,
        &format!("SELECT contigName, start FROM read_vcf('{vcf}') WHERE start < 0"),
    )
    .await
    .unwrap();
    let csv = write_batches(empty.schema, &empty.batches, OutputFormat::Csv, Vec::new()).unwrap();
    assert_eq!(String::from_utf8(csv).unwrap(), "contigName,start\n");

    assert_eq!(
        "NDJSON".parse::<OutputFormat>().unwrap(),
        OutputFormat::Json
    );
    assert!("xml".parse::<OutputFormat>().is_err());
}

#[tokio::test]
async fn the_session_keeps_camel_case_names_and_uses_every_core() {
    let ctx = session();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(ctx.state().config().target_partitions(), cores);
    let vcf = local_data("VCFv4.3.vcf");
    let result = run_sql(
        &ctx,
        &format!("SELECT referenceAllele, splitFromMultiAllelic FROM read_vcf('{vcf}') WHERE contigName = '20' AND start = 14369"),
    )
    .await
    .unwrap();
    assert_eq!(sorted_rows(&result.batches), ["G\tfalse"]);
}
