//! `read_bgen` and `STORED AS BGEN`, checked against the VCFs Glow's test
//! data pairs with its BGEN files.

use crate::common::{explain, glow, num_rows, single_i64, sorted_rows};
use datafusion::prelude::{SessionConfig, SessionContext};
use genolake_sql::{SessionBuilder, session};

async fn rows(ctx: &SessionContext, sql: &str) -> Vec<arrow::array::RecordBatch> {
    ctx.sql(sql).await.unwrap().collect().await.unwrap()
}

async fn count(ctx: &SessionContext, sql: &str) -> i64 {
    single_i64(&rows(ctx, sql).await)
}

/// Genotypes of a BGEN and of its companion VCF joined on variant and
/// sample: `(pairs joined, pairs for which `differ` holds)`. Variants are
/// matched by position and by their set of names (some of Glow's VCFs join
/// the two names of a BGEN variant with a comma, others with `;`).
async fn compare_with_vcf(bgen: &str, vcf: &str, differ: &str) -> (i64, i64) {
    let ctx = session();
    let sql = format!(
        "WITH b AS (SELECT contigName, start, names, unnest(genotypes) AS g FROM {bgen}),
              v AS (SELECT contigName, start, names, unnest(genotypes) AS g FROM read_vcf('{vcf}'))
         SELECT count(*) AS pairs, sum(CASE WHEN {differ} THEN 1 ELSE 0 END) AS differ
         FROM b JOIN v ON b.contigName = v.contigName AND b.start = v.start
             AND array_sort(b.names) = array_sort(string_to_array(array_to_string(v.names, ','), ','))
             AND b.g.sampleId = v.g.sampleId"
    );
    let batches = rows(&ctx, &sql).await;
    let batch = &batches[0];
    use arrow::array::AsArray;
    use arrow::datatypes::Int64Type;
    let pairs = batch.column(0).as_primitive::<Int64Type>().value(0);
    let differ = batch.column(1).as_primitive::<Int64Type>().value(0);
    (pairs, differ)
}

#[tokio::test]
async fn probabilities_match_the_companion_vcf() {
    let vcf_variants = count(
        &session(),
        &format!(
            "SELECT count(*) FROM read_vcf('{}')",
            glow("bgen/example.16bits.vcf")
        ),
    )
    .await;
    let bgen = format!("read_bgen('{}')", glow("bgen/example.16bits.bgen"));
    assert_eq!(
        count(&session(), &format!("SELECT count(*) FROM {bgen}")).await,
        vcf_variants
    );
    // 16 bits: every probability within 1/65535 of the VCF's (printed to 6 digits).
    let differ = "abs(b.g.posteriorProbabilities[1] - v.g.posteriorProbabilities[1]) > 2e-5
                  OR abs(b.g.posteriorProbabilities[3] - v.g.posteriorProbabilities[3]) > 2e-5";
    let (pairs, differing) =
        compare_with_vcf(&bgen, &glow("bgen/example.16bits.vcf"), differ).await;
    // 199 variants x 500 samples; missing samples are null on both sides
    // and count as joined but not differing.
    assert_eq!(pairs, vcf_variants * 500);
    assert_eq!(differing, 0);
}

#[tokio::test]
async fn hard_call_threshold_matches_glows_threshold_files() {
    for (threshold, vcf) in [
        ("0.9", "bgen/example.16bits.threshold-0.9.vcf"),
        ("0.95", "bgen/example.16bits.threshold-0.95.vcf"),
    ] {
        let bgen = format!(
            "read_bgen('{}', 'hardCallThreshold', {threshold})",
            glow("bgen/example.16bits.bgen")
        );
        let (pairs, differing) =
            compare_with_vcf(&bgen, &glow(vcf), "b.g.calls <> v.g.calls").await;
        assert!(pairs > 0, "{vcf}");
        assert_eq!(differing, 0, "{vcf}");
    }
}

#[tokio::test]
async fn stored_as_bgen_takes_a_sample_file_option() {
    let ctx = session();
    let sql = format!(
        "CREATE EXTERNAL TABLE imputed STORED AS BGEN LOCATION '{}'
             OPTIONS ('sampleFilePath' '{}', 'sampleIdColumn' 'ID_1');
         SELECT DISTINCT g.sampleId AS id FROM (SELECT unnest(genotypes) AS g FROM imputed)
         ORDER BY id LIMIT 2",
        glow("bgen/example.16bits.nosampleids.bgen"),
        glow("bgen/example.16bits.oxford.sample"),
    );
    let result = genolake_sql::run_sql(&ctx, &sql).await.unwrap();
    let ids = sorted_rows(&result.batches);
    assert_eq!(ids, ["sample_001", "sample_002"]);
    let error = ctx
        .sql(&format!(
            "CREATE EXTERNAL TABLE bad STORED AS BGEN LOCATION '{}' OPTIONS ('mergeFidIid' 'true')",
            glow("bgen/example.16bits.bgen")
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown BGEN option"), "{error}");
}

#[tokio::test]
async fn a_region_filter_reaches_the_indexed_reader() {
    let ctx = session();
    let bgen = glow("bgen/example.16bits.bgen");
    assert!(std::path::Path::new(&format!("{bgen}.bgi")).exists());
    let filter = "contigName = '01' AND start >= 4999 AND start < 10000";
    let sql = format!("SELECT count(*) FROM read_bgen('{bgen}') WHERE {filter}");
    assert!(
        explain(&ctx, &sql)
            .await
            .contains("file_type=bgen, regions=[01:5000-"),
        "{}",
        explain(&ctx, &sql).await
    );
    let expected = count(
        &ctx,
        &format!(
            "SELECT count(*) FROM read_vcf('{}') WHERE {filter}",
            glow("bgen/example.16bits.vcf")
        ),
    )
    .await;
    assert!(expected > 0);
    assert_eq!(count(&ctx, &sql).await, expected);
}

#[tokio::test]
async fn two_partitions_read_the_same_rows_with_and_without_an_index() {
    let mut config = SessionConfig::new().with_repartition_file_min_size(1);
    config
        .options_mut()
        .execution
        .enable_file_stream_work_stealing = false;
    for file in [
        "bgen/example.16bits.bgen",
        "bgen/example.16bits.noindex.bgen",
    ] {
        let sql = format!("SELECT * FROM read_bgen('{}')", glow(file));
        let one = rows(&SessionBuilder::new().target_partitions(1).build(), &sql).await;
        let ctx = SessionBuilder::new()
            .config(config.clone())
            .target_partitions(2)
            .build();
        let plan = explain(&ctx, &sql).await;
        assert!(plan.contains("2 groups"), "{file}: {plan}");
        let two = rows(&ctx, &sql).await;
        assert_eq!(num_rows(&one), 199, "{file}");
        assert_eq!(sorted_rows(&one), sorted_rows(&two), "{file}");
    }
}
