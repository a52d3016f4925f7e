//! `read_plink` and `STORED AS PLINK`, checked against Glow's test fileset
//! and against a fileset plink2 writes from a VCF.

use std::path::Path;
use std::process::Command;

use crate::common::{explain, glow, glow_data, num_rows, single_i64, skip_peers, sorted_rows};
use datafusion::prelude::{SessionConfig, SessionContext};
use genolake_sql::{SessionBuilder, session};

const FILESET: &str = "plink/five-samples-five-variants/bed-bim-fam/test";

async fn rows(ctx: &SessionContext, sql: &str) -> Vec<arrow::array::RecordBatch> {
    ctx.sql(sql).await.unwrap().collect().await.unwrap()
}

/// One text row per (variant, sample): contig, start, alleles, sample, calls.
async fn genotype_rows(ctx: &SessionContext, table: &str, filter: &str) -> Vec<String> {
    let sql = format!(
        "SELECT contigName, start, referenceAllele, alternateAlleles, g.sampleId, g.calls
         FROM (SELECT *, unnest(genotypes) AS g FROM {table}) {filter}"
    );
    sorted_rows(&rows(ctx, &sql).await)
}

/// Sorted rows are equal; on failure, shows the first difference only.
fn assert_same_rows(ours: &[String], expected: &[String]) {
    if let Some(i) = (0..ours.len().min(expected.len())).find(|&i| ours[i] != expected[i]) {
        panic!(
            "row {i} differs: {:?} vs expected {:?}",
            ours[i], expected[i]
        );
    }
    assert_eq!(ours.len(), expected.len(), "row counts differ");
}

#[tokio::test]
async fn a_prefix_a_bed_path_and_a_directory_read_the_same_rows_as_plinks_vcf() {
    let ctx = session();
    let prefix = glow_data().join(FILESET);
    let prefix = prefix.to_str().unwrap();
    let vcf = genotype_rows(
        &ctx,
        &format!(
            "read_vcf('{}')",
            glow("plink/five-samples-five-variants/vcf/test.vcf")
        ),
        "",
    )
    .await;
    assert_eq!(vcf.len(), 25);
    for table in [
        format!("read_plink('{prefix}')"),
        format!("read_plink('{prefix}.bed')"),
        format!("read_plink('{prefix}.fam')"),
    ] {
        assert_same_rows(&genotype_rows(&ctx, &table, "").await, &vcf);
    }
    // A directory: the .bim and .fam beside the .bed are not taken as data.
    let dir = Path::new(prefix).parent().unwrap().to_str().unwrap();
    let sql = format!(
        "CREATE EXTERNAL TABLE cohort STORED AS PLINK LOCATION '{dir}/' OPTIONS ('mergeFidIid' 'false');
         SELECT count(*) FROM cohort"
    );
    let result = genolake_sql::run_sql(&ctx, &sql).await.unwrap();
    assert_eq!(single_i64(&result.batches), 5);
    let ids = rows(
        &ctx,
        "SELECT DISTINCT g.sampleId FROM (SELECT unnest(genotypes) AS g FROM cohort)",
    )
    .await;
    assert!(sorted_rows(&ids).iter().all(|id| id.starts_with("ind")));
}

#[tokio::test]
async fn region_filters_reach_the_reader_and_missing_files_are_named() {
    let ctx = session();
    let bed = glow(&format!("{FILESET}.bed"));
    let sql = format!("SELECT names FROM read_plink('{bed}') WHERE contigName = '23'");
    assert!(
        explain(&ctx, &sql)
            .await
            .contains("file_type=plink, regions=[23]"),
        "{}",
        explain(&ctx, &sql).await
    );
    assert_eq!(sorted_rows(&rows(&ctx, &sql).await), ["[snp2]"]);

    let no_bim = glow("plink/five-samples-five-variants/no-bim/test.bed");
    let error = ctx
        .sql(&format!("SELECT * FROM read_plink('{no_bim}')"))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("test.bim"), "{error}");
    let error = ctx
        .sql(&format!(
            "SELECT * FROM read_plink('{bed}', 'flattenInfoFields', false)"
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown PLINK option"), "{error}");
}

/// plink2 is the peer: the fileset it writes from a VCF must read back as
/// the VCF's biallelic sites, split across partitions or not.
#[tokio::test]
async fn a_fileset_from_plink2_reads_as_its_vcf_in_two_partitions() {
    let vcf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/data/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kg");
    if skip_peers() {
        return;
    }
    let status = Command::new("plink2")
        .arg("--vcf")
        .arg(&vcf)
        .args(["--max-alleles", "2", "--make-bed", "--silent", "--out"])
        .arg(&out)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "plink2 could not run ({e}): it is needed for this test \
                 (apt-get install plink2), or set GENOLAKE_SKIP_PEERS=1"
            )
        });
    assert!(status.success());

    let mut config = SessionConfig::new().with_repartition_file_min_size(1);
    config
        .options_mut()
        .execution
        .enable_file_stream_work_stealing = false;
    let ctx = SessionBuilder::new()
        .config(config)
        .target_partitions(2)
        .build();
    // plink2 gives every sample of a VCF the family ID 0.
    let table = format!("read_plink('{}', 'mergeFidIid', false)", out.display());
    assert!(
        explain(&ctx, &format!("SELECT * FROM {table}"))
            .await
            .contains("2 groups")
    );
    let plink = genotype_rows(&ctx, &table, "").await;
    // plink2 writes calls unphased, so the VCF's are sorted to compare.
    let vcf_table = format!("read_vcf('{}')", vcf.display());
    let vcf_sql = format!(
        "SELECT contigName, start, referenceAllele, alternateAlleles, g.sampleId, array_sort(g.calls)
         FROM (SELECT *, unnest(genotypes) AS g FROM {vcf_table}) WHERE cardinality(alternateAlleles) = 1"
    );
    let vcf_rows = sorted_rows(&rows(&ctx, &vcf_sql).await);
    assert!(num_rows(&rows(&ctx, &format!("SELECT * FROM {table}")).await) > 1);
    assert_same_rows(&plink, &vcf_rows);
}
