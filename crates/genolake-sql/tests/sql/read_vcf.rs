//! `read_vcf` against bcftools: counts, regions, splits, options and errors.

use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::physical_plan::{ExecutionPlanProperties, collect_partitioned};
use datafusion::prelude::{SessionConfig, SessionContext};
use genolake_core::Progress;
use genolake_sql::{SessionBuilder, session, vcf_table};

use crate::common::*;

const THOUSAND_GENOMES: &str =
    "tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz";
const CEU_TRIO_BGZF: &str = "tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz";
const CEU_TRIO_PLAIN: &str = "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf";

async fn count(ctx: &SessionContext, sql: &str) -> usize {
    single_i64(&query(ctx, sql).await) as usize
}

#[tokio::test]
async fn count_star_equals_bcftools_record_count() {
    let ctx = session();
    for file in [THOUSAND_GENOMES, CEU_TRIO_BGZF, CEU_TRIO_PLAIN] {
        let path = glow(file);
        let ours = count(&ctx, &format!("SELECT count(*) FROM read_vcf('{path}')")).await;
        assert!(ours > 0, "{file}");
        if let Some(expected) = bcftools_count(&path, &[]) {
            assert_eq!(ours, expected, "{file}");
        }
    }
}

/// Predicates on contigName/start/end, the bcftools arguments that select
/// the same records, and the regions the reader must be given.
const REGION_CASES: &[(&str, &[&str], &str)] = &[
    // bcftools -r: records overlapping 20:10,000,000-10,500,000 (1-based).
    (
        "contigName = '20' AND end > 9999999 AND start < 10500000",
        &["-r", "20:10000000-10500000"],
        "regions=[20:10000000-10500000]",
    ),
    // bcftools -t: records whose POS lies in the range.
    (
        "contigName = '21' AND start >= 10100000 AND start < 10200000",
        &["-t", "21:10100001-10200000"],
        "regions=[21:10100001-10200000]",
    ),
    (
        "contigName IN ('20', '21') AND start BETWEEN 10050000 AND 10150000",
        &["-t", "20:10050001-10150001,21:10050001-10150001"],
        "regions=[20:10050001-10150001, 21:10050001-10150001]",
    ),
    (
        "(contigName = '20' AND start < 10050000) OR (contigName = '21' AND start > 10500000)",
        &["-t", "20:1-10050000,21:10500002-"],
        "regions=[20:1-10050000, 21:10500002-]",
    ),
    ("contigName = '21'", &["-t", "21"], "regions=[21]"),
    ("contigName = '22'", &["-t", "22"], "regions=[22]"),
    (
        "contigName = '20' AND start < 0",
        &["-t", "22"],
        "regions=[]",
    ),
];

#[tokio::test]
async fn region_filters_match_bcftools_and_reach_the_reader() {
    let ctx = session();
    let path = glow(CEU_TRIO_BGZF);
    let total = bcftools_count(&path, &[]);
    for (predicate, bcftools_args, shown) in REGION_CASES {
        let sql = format!("SELECT count(*) FROM read_vcf('{path}') WHERE {predicate}");
        let ours = count(&ctx, &sql).await;
        if let Some(expected) = bcftools_count(&path, bcftools_args) {
            assert_eq!(ours, expected, "{predicate} vs bcftools {bcftools_args:?}");
        }
        if let Some(total) = total {
            assert!(
                ours < total,
                "{predicate} keeps every record: a poor test case"
            );
        }
        let plan = explain(&ctx, &sql).await;
        assert!(
            plan.contains(shown),
            "{predicate}: the plan does not show {shown}:\n{plan}"
        );
        // The filter is Inexact: DataFusion still applies it.
        assert!(
            plan.contains("FilterExec"),
            "{predicate}: no FilterExec left:\n{plan}"
        );
    }
}

#[tokio::test]
async fn indexed_reads_decode_only_the_region() {
    let path = glow(CEU_TRIO_BGZF);
    let file_size = std::fs::metadata(&path).unwrap().len();
    let progress = Arc::new(Progress::default());
    let table = vcf_table(
        &[path.clone().into()],
        Default::default(),
        Some(Arc::clone(&progress)),
    )
    .unwrap();
    let ctx = session();
    ctx.register_table("calls", table).unwrap();
    let sql = "SELECT count(*) FROM calls WHERE contigName = '21' AND end > 10100000 AND start < 10102000";
    let rows = count(&ctx, sql).await;
    assert!(rows > 0);
    if let Some(expected) = bcftools_count(&path, &["-r", "21:10100001-10102000"]) {
        assert_eq!(rows, expected);
    }
    // The reader saw the region: it decoded only the overlapping records
    // and, through the tabix index, read a fraction of the file.
    assert_eq!(progress.records(), rows as u64);
    assert!(
        progress.bytes() < file_size / 2,
        "read {} of {file_size} bytes for a small region",
        progress.bytes()
    );

    // Without a usable predicate every record is decoded.
    let before = progress.records();
    let all = count(&ctx, "SELECT count(*) FROM calls WHERE qual > 0").await;
    assert!(all > rows);
    assert_eq!(progress.records() - before, 1075);
}

#[tokio::test]
async fn a_region_option_reads_what_bcftools_regions_read() {
    let ctx = session();
    let path = glow(CEU_TRIO_BGZF);
    let sql = format!(
        "SELECT count(*) FROM read_vcf('{path}', 'region', '20:10,000,000-10,500,000, 21:10100001-10150000')"
    );
    let ours = count(&ctx, &sql).await;
    if let Some(expected) =
        bcftools_count(&path, &["-r", "20:10000000-10500000,21:10100001-10150000"])
    {
        assert_eq!(ours, expected);
    }
}

#[tokio::test]
async fn regions_sharing_a_bgzf_block_are_read_once() {
    let ctx = session();
    let path = glow(CEU_TRIO_BGZF);
    let regions = "21:10100001-10100500,21:10101000-10101500";
    let bcftools_rows = bcftools_count(&path, &["-r", regions]);
    let by_option = count(
        &ctx,
        &format!("SELECT count(*) FROM read_vcf('{path}', 'region', '{regions}')"),
    )
    .await;
    let by_filter = count(
        &ctx,
        &format!(
            "SELECT count(*) FROM read_vcf('{path}') WHERE contigName = '21' AND
               ((end > 10100000 AND start < 10100500) OR (end > 10100999 AND start < 10101500))"
        ),
    )
    .await;
    assert_eq!(by_option, by_filter);
    if let Some(expected) = bcftools_rows {
        assert!(expected > 0);
        assert_eq!(by_option, expected);
    }
}

fn split_session(partitions: usize) -> SessionContext {
    let mut config = SessionConfig::new().with_repartition_file_min_size(1);
    // Keep each byte range in its partition, so the test sees the split.
    config
        .options_mut()
        .execution
        .enable_file_stream_work_stealing = false;
    SessionBuilder::new()
        .config(config)
        .target_partitions(partitions)
        .build()
}

/// Reads every row with 1 and with 2 partitions: same rows, and the second
/// plan really has two non-empty partitions (unless the file is plain gzip).
async fn same_rows_with_two_partitions(path: &str, splittable: bool) {
    let sql = format!(
        "SELECT contigName, start, \"end\", referenceAllele, alternateAlleles, qual, genotypes FROM read_vcf('{path}')"
    );
    let one = query(&split_session(1), &sql).await;
    let ctx = split_session(2);
    let plan = ctx
        .sql(&sql)
        .await
        .unwrap()
        .create_physical_plan()
        .await
        .unwrap();
    let partitions = collect_partitioned(Arc::clone(&plan), ctx.task_ctx())
        .await
        .unwrap();
    let text = explain(&ctx, &sql).await;
    if splittable {
        assert_eq!(plan.output_partitioning().partition_count(), 2, "{text}");
        for (i, partition) in partitions.iter().enumerate() {
            assert!(
                num_rows(partition) > 0,
                "partition {i} of {path} is empty:\n{text}"
            );
        }
        assert!(text.contains("2 groups"), "{text}");
    } else {
        assert!(
            text.contains("1 group"),
            "a plain gzip file must not be split:\n{text}"
        );
    }
    let two: Vec<_> = partitions.into_iter().flatten().collect();
    assert!(num_rows(&one) > 0);
    assert_eq!(sorted_rows(&one), sorted_rows(&two), "{path}");
}

#[tokio::test]
async fn splitting_a_file_across_partitions_yields_the_same_rows() {
    same_rows_with_two_partitions(&glow(CEU_TRIO_BGZF), true).await;
    same_rows_with_two_partitions(&glow(CEU_TRIO_PLAIN), true).await;
    same_rows_with_two_partitions(&glow(THOUSAND_GENOMES), true).await;

    // Plain gzip (not BGZF) is read whole.
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("ceu.vcf.gz");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "gzip -c '{}' > '{}'",
            glow(CEU_TRIO_PLAIN),
            gz.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    same_rows_with_two_partitions(gz.to_str().unwrap(), false).await;
}

#[tokio::test]
async fn a_split_file_filtered_by_region_matches_bcftools() {
    let ctx = split_session(2);
    let path = glow(CEU_TRIO_BGZF);
    let sql = format!(
        "SELECT count(*) FROM read_vcf('{path}') WHERE contigName = '20' AND end > 9999999 AND start < 10500000"
    );
    let ours = count(&ctx, &sql).await;
    if let Some(expected) = bcftools_count(&path, &["-r", "20:10000000-10500000"]) {
        assert_eq!(ours, expected);
    }
}

#[tokio::test]
async fn limit_stops_early() {
    let ctx = session();
    let path = glow(THOUSAND_GENOMES);
    let batches = query(
        &ctx,
        &format!("SELECT contigName, start FROM read_vcf('{path}') LIMIT 3"),
    )
    .await;
    assert_eq!(num_rows(&batches), 3);
}

#[tokio::test]
async fn glow_options_shape_the_table() {
    let ctx = session();
    let path = local_data("VCFv4.3.vcf");

    let df = ctx
        .sql(&format!(
            "SELECT * FROM read_vcf('{path}', 'includeSampleIds', false)"
        ))
        .await
        .unwrap();
    let DataType::List(item) = df
        .schema()
        .field_with_name(None, "genotypes")
        .unwrap()
        .data_type()
        .clone()
    else {
        panic!("genotypes is not a list");
    };
    let DataType::Struct(fields) = item.data_type() else {
        panic!("genotypes items are not structs");
    };
    assert!(fields.iter().all(|f| f.name() != "sampleId"), "{fields:?}");
    assert!(fields.iter().any(|f| f.name() == "calls"));

    let sizes = query(
        &ctx,
        &format!(
            "SELECT DISTINCT cardinality(genotypes) FROM read_vcf('{path}', 'samples', 'NA00002')"
        ),
    )
    .await;
    assert_eq!(sorted_rows(&sizes), ["1"]);

    let ids = query(
        &ctx,
        &format!("SELECT DISTINCT g['sampleId'] FROM (SELECT unnest(genotypes) AS g FROM read_vcf('{path}', 'samples', 'NA00003,NA00001'))"),
    )
    .await;
    assert_eq!(sorted_rows(&ids), ["NA00001", "NA00003"]);

    let df = ctx
        .sql(&format!(
            "SELECT attributes FROM read_vcf('{path}', 'flattenInfoFields', 'false')"
        ))
        .await
        .unwrap();
    assert!(matches!(
        df.schema().field(0).data_type(),
        DataType::Map(_, _)
    ));

    for (args, message) in [
        ("'validationStringency', 'loose'", "validationStringency"),
        ("'includeSampleId', true", "known options are"),
        ("'samples'", "in pairs"),
    ] {
        let e = ctx
            .sql(&format!("SELECT * FROM read_vcf('{path}', {args})"))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains(message), "{args}: {e}");
    }
}

#[tokio::test]
async fn directories_and_wildcards_read_several_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.vcf", "b.vcf", "c.vcf.bak"] {
        std::fs::copy(local_data("VCFv4.3.vcf"), dir.path().join(name)).unwrap();
    }
    let ctx = session();
    let d = dir.path().display();
    assert_eq!(
        count(&ctx, &format!("SELECT count(*) FROM read_vcf('{d}')")).await,
        10
    );
    assert_eq!(
        count(&ctx, &format!("SELECT count(*) FROM read_vcf('{d}/a*')")).await,
        5
    );
    let e = ctx
        .sql(&format!("SELECT * FROM read_vcf('{d}/z*.vcf')"))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("no VCF file matches"), "{e}");
}

/// Two batches of a cohort whose headers differ: b.vcf adds INFO CC
/// (String) and FORMAT GQ, and declares BB Integer where a.vcf says Float.
const COHORT: [(&str, &str); 2] = [
    (
        "a.vcf",
        include_str!("../../../../testdata/schema-merge/a.vcf"),
    ),
    (
        "b.vcf",
        include_str!("../../../../testdata/schema-merge/b.vcf"),
    ),
];

#[tokio::test]
async fn files_with_other_info_and_format_keys_read_as_one_table_of_every_column() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in COHORT {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let d = dir.path().display();
    let ctx = session();
    let df = ctx
        .sql(&format!("SELECT * FROM read_vcf('{d}')"))
        .await
        .unwrap();
    let columns: Vec<&str> = df
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .skip(9)
        .collect();
    assert_eq!(columns, ["INFO_XA", "INFO_CC", "INFO_BB", "genotypes"]);

    // A column a file lacks is null in its rows; BB's integers read as floats.
    let rows = query(
        &ctx,
        &format!("SELECT start, INFO_XA, INFO_CC, INFO_BB FROM read_vcf('{d}')"),
    )
    .await;
    assert_eq!(
        sorted_rows(&rows),
        ["199\t2\t\t", "299\t3\tx\t7.0", "99\t1\t\t0.5"]
    );
    let genotypes = query(
        &ctx,
        &format!(
            "SELECT start, g.sampleId, g.conditionalQuality, g.depth \
             FROM (SELECT start, unnest(genotypes) AS g FROM read_vcf('{d}'))"
        ),
    )
    .await;
    assert_eq!(
        sorted_rows(&genotypes),
        [
            "199\tS1\t\t30",
            "199\tS2\t\t40",
            "299\tS3\t99\t5",
            "99\tS1\t\t10",
            "99\tS2\t\t20"
        ]
    );

    // The same key as Integer in one file and String in another is an error
    // naming the column, both types and both files.
    std::fs::write(
        dir.path().join("c.vcf"),
        "##fileformat=VCFv4.3\n##INFO=<ID=XA,Number=1,Type=String,Description=\"a\">\n\
         #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n3\t1\t.\tA\tT\t.\t.\tXA=x\n",
    )
    .unwrap();
    let e = ctx
        .sql(&format!("SELECT * FROM read_vcf('{d}')"))
        .await
        .unwrap_err()
        .to_string();
    let file = |name: &str| {
        std::fs::canonicalize(dir.path().join(name))
            .unwrap()
            .display()
            .to_string()
    };
    assert!(
        e.contains(&format!(
            "column INFO_XA is Int32 in {} but Utf8 in {}",
            file("a.vcf"),
            file("c.vcf")
        )),
        "{e}"
    );
}

/// A session cutting files into byte ranges however small.
fn small_split_session(partitions: usize) -> SessionContext {
    SessionBuilder::new()
        .config(SessionConfig::new().with_repartition_file_min_size(1))
        .target_partitions(partitions)
        .build()
}

/// The rows of a query, in the order they come, through both of
/// genolake's ways of running one: collected, and streamed as CSV.
async fn rows_in_order(ctx: &SessionContext, sql: &str) -> (Vec<String>, String) {
    let collected = genolake_sql::run_sql(ctx, sql).await.unwrap();
    let rows = rows(&collected.batches);
    let df = genolake_sql::run_statements(ctx, sql).await.unwrap();
    let csv = genolake_sql::write_dataframe(df, genolake_sql::OutputFormat::Csv, Vec::new())
        .await
        .unwrap();
    (rows, String::from_utf8(csv).unwrap())
}

#[tokio::test]
async fn a_plain_select_returns_rows_in_file_order_whatever_the_partitions() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in COHORT {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let cohort = dir.path().display().to_string();
    for path in [
        glow(THOUSAND_GENOMES),
        glow(CEU_TRIO_BGZF),
        glow(CEU_TRIO_PLAIN),
        cohort,
    ] {
        let queries = [
            format!("SELECT contigName, start, referenceAllele FROM read_vcf('{path}')"),
            format!("SELECT contigName, start FROM read_vcf('{path}') WHERE start % 3 <> 0"),
            format!(
                "SELECT start, g.sampleId FROM \
                 (SELECT start, unnest(genotypes) AS g FROM read_vcf('{path}'))"
            ),
        ];
        for sql in &queries {
            let (in_file_order, csv) = rows_in_order(&small_split_session(1), sql).await;
            assert!(in_file_order.len() > 1, "{sql}");
            for partitions in [2, 3] {
                let ctx = small_split_session(partitions);
                let plan = explain(&ctx, sql).await;
                assert!(
                    plan.contains(&format!("{partitions} groups")),
                    "the scan is not split:\n{plan}"
                );
                let (rows, streamed) = rows_in_order(&ctx, sql).await;
                assert_eq!(rows, in_file_order, "{partitions} partitions: {sql}");
                assert_eq!(streamed, csv, "{partitions} partitions: {sql}");
            }
        }
        // LIMIT takes the first rows of the file.
        let sql = format!("SELECT contigName, start FROM read_vcf('{path}')");
        let (all, _) = rows_in_order(&small_split_session(1), &sql).await;
        let (first, _) = rows_in_order(&small_split_session(3), &format!("{sql} LIMIT 2")).await;
        assert_eq!(first, all[..2], "{sql} LIMIT 2");
    }
}

#[tokio::test]
async fn a_malformed_record_fails_the_query_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.vcf");
    let text = std::fs::read_to_string(local_data("VCFv4.3.vcf")).unwrap();
    let header_lines = text.lines().filter(|l| l.starts_with('#')).count();
    let broken = text.replacen("20\t17330\t", "20\tseventeen\t", 1);
    std::fs::write(&path, broken).unwrap();
    let ctx = session();
    let sql = format!("SELECT count(*) FROM read_vcf('{}')", path.display());
    let e = ctx
        .sql(&sql)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("broken.vcf"), "{e}");
    assert!(e.contains(&format!("line {}", header_lines + 2)), "{e}");
    // Through genolake's own entry points the reader's error comes back as
    // itself, not wrapped by DataFusion.
    let message = genolake_sql::run_sql(&ctx, &sql)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with(&path.display().to_string()) && !message.contains("External error"),
        "{message}"
    );

    // Lenient reads skip the record.
    let sql = format!(
        "SELECT count(*) FROM read_vcf('{}', 'validationStringency', 'lenient')",
        path.display()
    );
    assert_eq!(count(&ctx, &sql).await, 4);
}

/// `read_bcf` and `STORED AS BCF` of the BCF bcftools writes from a VCF
/// give the rows `read_vcf` gives for the VCF, whole, over a region (read
/// through bcftools' `.csi`), and as an external table.
#[tokio::test]
async fn read_bcf_gives_the_rows_read_vcf_gives() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = glow(CEU_TRIO_BGZF);
    let bcf = dir.path().join("trio.bcf");
    let bcf = bcf.to_str().unwrap();
    if bcftools(&["view", "-Ob", "-o", bcf, &vcf]).is_none() {
        return;
    }
    bcftools(&["index", bcf]);
    let ctx = session();
    let all = "SELECT * FROM {}('{}') ORDER BY contigName, start, referenceAllele";
    let read = |function: &str, path: &str, sql: &str| {
        sql.replacen("{}", function, 1).replacen("{}", path, 1)
    };
    let from_vcf = rows(&query(&ctx, &read("read_vcf", &vcf, all)).await);
    let from_bcf = rows(&query(&ctx, &read("read_bcf", bcf, all)).await);
    assert_eq!(Some(from_vcf.len()), bcftools_count(&vcf, &[]));
    assert_eq!(from_bcf, from_vcf);

    let region = "SELECT contigName, start, genotypes FROM {}('{}') \
                  WHERE contigName = '21' AND start >= 10100000 AND start < 10200000";
    let from_bcf = rows(&query(&ctx, &read("read_bcf", bcf, region)).await);
    assert_eq!(
        Some(from_bcf.len()),
        bcftools_count(bcf, &["-t", "21:10100001-10200000"])
    );
    assert_eq!(
        from_bcf,
        rows(&query(&ctx, &read("read_vcf", &vcf, region)).await)
    );

    query(
        &ctx,
        &format!("CREATE EXTERNAL TABLE trio STORED AS BCF LOCATION '{bcf}'"),
    )
    .await;
    let n = count(&ctx, "SELECT count(*) FROM trio").await;
    assert_eq!(n, from_vcf.len());
}
