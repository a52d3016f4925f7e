//! Glow's variant transforms in SQL: `split_multiallelics`,
//! `normalize_variants` and `lift_over_variants` (table functions),
//! `normalize_variant` and `lift_over_coordinates` (scalar functions),
//! judged by bcftools, UCSC liftOver's and Picard's outputs.

use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::Int64Type;
use datafusion::prelude::SessionContext;
use genolake_sql::session;

use crate::common::*;

/// A file of genolake-ops' test data (Glow's transform fixtures).
fn ops_data(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../genolake-ops/tests/data")
        .join(relative);
    assert!(path.exists(), "test data {} is missing", path.display());
    path.to_str().unwrap().to_string()
}

const NORMALIZER: &str = "variantsplitternormalizer-test";

async fn query_error(ctx: &SessionContext, sql: &str) -> String {
    let result = match ctx.sql(sql).await {
        Ok(df) => df.collect().await.map(|_| ()),
        Err(e) => Err(e),
    };
    genolake_core::error::render(&result.expect_err(sql))
}

/// Rows of `contigName, start (1-based), referenceAllele, alternate alleles
/// joined by commas` as bcftools' `%CHROM\t%POS\t%REF\t%ALT` prints them,
/// sorted (bcftools sorts what it shifts; Glow's transforms keep the order).
fn site_lines(batches: &[RecordBatch]) -> Vec<String> {
    let mut lines = Vec::new();
    for batch in batches {
        let contig = batch.column(0).as_string::<i32>();
        let start = batch.column(1).as_primitive::<Int64Type>();
        let reference = batch.column(2).as_string::<i32>();
        let alternates = batch.column(3).as_list::<i32>();
        for row in 0..batch.num_rows() {
            let alts = alternates.value(row);
            let alts = alts.as_string::<i32>();
            let alts: Vec<&str> = (0..alts.len()).map(|i| alts.value(i)).collect();
            lines.push(format!(
                "{}\t{}\t{}\t{}",
                contig.value(row),
                start.value(row) + 1,
                reference.value(row),
                if alts.is_empty() {
                    ".".to_string()
                } else {
                    alts.join(",")
                }
            ));
        }
    }
    lines.sort();
    lines
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

const SITES: &str = "%CHROM\t%POS\t%REF\t%ALT\n";

#[tokio::test]
async fn split_multiallelics_gives_the_sites_bcftools_norm_splits_into() {
    let ctx = session();
    for file in [
        "01_IN_altered_multiallelic.vcf",
        "test_left_align_hg38_altered.vcf",
    ] {
        let path = ops_data(&format!("{NORMALIZER}/{file}"));
        let ours = query(
            &ctx,
            &format!(
                "SELECT contigName, start, referenceAllele, alternateAlleles \
                 FROM split_multiallelics('{path}')"
            ),
        )
        .await;
        let Some(theirs) = bcftools(&["norm", "-m-", &path, "-Ov"]) else {
            continue;
        };
        let split =
            std::env::temp_dir().join(format!("genolake-split-{}-{file}", std::process::id()));
        std::fs::write(&split, theirs).unwrap();
        let expected = bcftools(&["query", "-f", SITES, split.to_str().unwrap()]).unwrap();
        std::fs::remove_file(&split).unwrap();
        assert_eq!(site_lines(&ours), sorted_lines(&expected), "{file}");
    }

    // Through a view, with Glow's calls (other alternates missing) and
    // the split flag and original site.
    let path = ops_data(&format!("{NORMALIZER}/01_IN_altered_multiallelic.vcf"));
    query(
        &ctx,
        &format!("CREATE VIEW calls AS SELECT * FROM read_vcf('{path}')"),
    )
    .await;
    let flags = query(
        &ctx,
        "SELECT count(*) FILTER (WHERE splitFromMultiAllelic), \
                count(*) FILTER (WHERE INFO_OLD_MULTIALLELIC IS NOT NULL), count(*) \
         FROM split_multiallelics('calls')",
    )
    .await;
    let counts: Vec<i64> = (0..3)
        .map(|c| flags[0].column(c).as_primitive::<Int64Type>().value(0))
        .collect();
    assert!(counts[0] > 0, "{counts:?}");
    assert_eq!(counts[0], counts[1], "{counts:?}");
    let total = bcftools(&["norm", "-m-", &path, "-Ov"])
        .map(|vcf| vcf.lines().filter(|l| !l.starts_with('#')).count() as i64);
    if let Some(total) = total {
        assert_eq!(counts[2], total);
    }

    let error = query_error(&ctx, "SELECT * FROM split_multiallelics('no_such_table')").await;
    assert!(
        error.contains("neither a table of this session nor an existing path"),
        "{error}"
    );
}

#[tokio::test]
async fn normalize_variants_and_normalize_variant_agree_with_bcftools_norm() {
    let ctx = session();
    for (file, fasta) in [
        ("01_IN_altered_biallelic.vcf", "20_altered.fasta"),
        (
            "01_IN_altered_multiallelic.vcf",
            "20_altered_bgzip.fasta.gz",
        ),
        (
            "test_left_align_hg38_altered.vcf",
            "Homo_sapiens_assembly38.20.21_altered.fasta",
        ),
    ] {
        let path = ops_data(&format!("{NORMALIZER}/{file}"));
        let fasta = ops_data(&format!("{NORMALIZER}/{fasta}"));
        let table = query(
            &ctx,
            &format!(
                "SELECT contigName, start, referenceAllele, alternateAlleles \
                 FROM normalize_variants('{path}', 'referenceGenomePath', '{fasta}')"
            ),
        )
        .await;
        let scalar = query(
            &ctx,
            &format!(
                "SELECT contigName, n.start, n.referenceAllele, n.alternateAlleles FROM \
                 (SELECT contigName, normalize_variant(contigName, start, \"end\", \
                  referenceAllele, alternateAlleles, '{fasta}') AS n FROM read_vcf('{path}'))"
            ),
        )
        .await;
        assert_eq!(site_lines(&table), site_lines(&scalar), "{file}");
        let Some(theirs) = bcftools(&["norm", "-f", &fasta, &path, "-Ov"]) else {
            continue;
        };
        let normalized =
            std::env::temp_dir().join(format!("genolake-norm-{}-{file}", std::process::id()));
        std::fs::write(&normalized, theirs).unwrap();
        let expected = bcftools(&["query", "-f", SITES, normalized.to_str().unwrap()]).unwrap();
        std::fs::remove_file(&normalized).unwrap();
        assert_eq!(site_lines(&table), sorted_lines(&expected), "{file}");
    }

    // Glow's status column, and its option to keep the input columns.
    let path = ops_data(&format!("{NORMALIZER}/01_IN_altered_biallelic.vcf"));
    let fasta = ops_data(&format!("{NORMALIZER}/20_altered.fasta"));
    let status = query(
        &ctx,
        &format!(
            "SELECT count(*) FILTER (WHERE normalizationStatus.changed), count(*) \
             FROM normalize_variants('{path}', 'referenceGenomePath', '{fasta}')"
        ),
    )
    .await;
    let changed = status[0].column(0).as_primitive::<Int64Type>().value(0);
    assert!(changed > 0);
    // bcftools' REF check, as a status message: none on Glow's fixture.
    let mismatches = query(
        &ctx,
        &format!(
            "SELECT count(*) FILTER (WHERE normalizationStatus.errorMessage LIKE 'Reference%'), \
                    count(*) FILTER (WHERE normalizationStatus.changed) \
             FROM normalize_variants('{path}', 'referenceGenomePath', '{fasta}', \
                                     'checkReference', true)"
        ),
    )
    .await;
    assert_eq!(
        mismatches[0].column(0).as_primitive::<Int64Type>().value(0),
        0
    );
    assert_eq!(
        mismatches[0].column(1).as_primitive::<Int64Type>().value(0),
        changed
    );
    let kept = query(
        &ctx,
        &format!(
            "SELECT count(*) FILTER (WHERE start <> normalizationResult.start) \
             FROM normalize_variants('{path}', 'reference_genome_path', '{fasta}', \
                                     'replace_columns', false)"
        ),
    )
    .await;
    assert!(kept[0].column(0).as_primitive::<Int64Type>().value(0) > 0);

    let error = query_error(&ctx, &format!("SELECT * FROM normalize_variants('{path}')")).await;
    assert!(
        error.contains("needs the option 'referenceGenomePath'"),
        "{error}"
    );
    let error = query_error(
        &ctx,
        &format!(
            "SELECT * FROM normalize_variants('{path}', 'referenceGenomePath', '{}')",
            ops_data(&format!("{NORMALIZER}/20_altered_noindex.fasta"))
        ),
    )
    .await;
    assert!(error.contains("20_altered_noindex.fasta.fai"), "{error}");
}

/// UCSC liftOver's outputs for `unlifted.test.bed` at minMatch 0.5 and
/// 0.01, and Picard's for its biallelic-indel case.
#[tokio::test]
async fn lift_over_matches_ucsc_liftover_and_picard() {
    let ctx = session();
    let chain = ops_data("liftover/hg38ToHg19.over.chain.gz");
    let unlifted = std::fs::read_to_string(ops_data("liftover/unlifted.test.bed")).unwrap();
    let values: Vec<String> = unlifted
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            format!("('{}', {}, {})", f[0], f[1], f[2])
        })
        .collect();
    for (ratio, name) in [("0.5", "minMatch05"), ("0.01", "minMatch001")] {
        let lifted = query(
            &ctx,
            &format!(
                "SELECT l.contigName, l.start, l.\"end\" FROM \
                 (SELECT lift_over_coordinates(c, s, e, '{chain}', {ratio}) AS l \
                  FROM (VALUES {}) AS t(c, s, e)) WHERE l IS NOT NULL",
                values.join(", ")
            ),
        )
        .await;
        let mut ours = Vec::new();
        for batch in &lifted {
            let (c, s, e) = (
                batch.column(0).as_string::<i32>(),
                batch.column(1).as_primitive::<Int64Type>(),
                batch.column(2).as_primitive::<Int64Type>(),
            );
            for row in 0..batch.num_rows() {
                ours.push(format!(
                    "{}\t{}\t{}",
                    c.value(row),
                    s.value(row),
                    e.value(row)
                ));
            }
        }
        let expected =
            std::fs::read_to_string(ops_data(&format!("liftover/lifted.{name}.test.bed"))).unwrap();
        let expected: Vec<String> = expected
            .lines()
            .map(|l| l.split('\t').take(3).collect::<Vec<_>>().join("\t"))
            .collect();
        assert_eq!(ours, expected, "minMatch {ratio}");
    }

    let input = ops_data("liftover/picard/testLiftoverBiallelicIndels.vcf");
    let picard_chain = ops_data("liftover/picard/test.over.chain");
    let reference = ops_data("liftover/picard/dummy.reference.fasta");
    let call = format!(
        "lift_over_variants('{input}', 'chainFile', '{picard_chain}', 'referenceFile', \
         '{reference}')"
    );
    let lifted = query(
        &ctx,
        &format!(
            "SELECT contigName, start, referenceAllele, alternateAlleles FROM {call} \
             WHERE liftOverStatus.success"
        ),
    )
    .await;
    let failed = query(
        &ctx,
        &format!("SELECT count(*) FROM {call} WHERE NOT liftOverStatus.success"),
    )
    .await;
    let expected_lifted = ops_data("liftover/picard/lifted.testLiftoverBiallelicIndels.vcf");
    let expected_failed = ops_data("liftover/picard/failed.testLiftoverBiallelicIndels.vcf");
    if let Some(expected) = bcftools(&["query", "-f", SITES, &expected_lifted]) {
        assert_eq!(site_lines(&lifted), sorted_lines(&expected));
        let failures = bcftools(&["view", "-H", &expected_failed]).unwrap();
        assert_eq!(
            failed[0].column(0).as_primitive::<Int64Type>().value(0) as usize,
            failures.lines().count()
        );
    }
}

/// The SQL recipe for merging that `genolake_ops::merge` documents runs in
/// DataFusion and joins each site's samples, as bcftools merge does for
/// inputs with the same sites.
#[tokio::test]
async fn the_documented_merge_recipe_runs() {
    let ctx = session();
    let first = ops_data("vcf-merge/HG00096.vcf.bgz");
    let second = ops_data("vcf-merge/HG00097.vcf.bgz");
    let merged = query(
        &ctx,
        &format!(
            "SELECT count(*), min(cardinality(genotypes)), max(cardinality(genotypes)) FROM (
               SELECT contigName, start, \"end\", referenceAllele, alternateAlleles,
                      flatten(array_agg(genotypes)) AS genotypes,
                      sum(\"INFO_DP\") AS \"INFO_DP\"
               FROM (
                 SELECT * FROM read_vcf('{first}')
                 UNION ALL
                 SELECT * FROM read_vcf('{second}')
               )
               GROUP BY contigName, start, \"end\", referenceAllele, alternateAlleles
               ORDER BY contigName, start)"
        ),
    )
    .await;
    let values: Vec<i64> = (0..3)
        .map(|c| {
            let column =
                arrow::compute::cast(merged[0].column(c), &arrow::datatypes::DataType::Int64)
                    .unwrap();
            column.as_primitive::<Int64Type>().value(0)
        })
        .collect();
    assert_eq!(values, [1000, 2, 2]);
}

/// `pipe` runs a command over a table's rows as Glow's pipe transformer
/// does: VCF through bcftools gives what bcftools gives on the file, text
/// through `wc -l` one line, and a failing command its status and stderr.
#[tokio::test]
async fn pipe_runs_commands_over_rows_as_glow_does() {
    let ctx = session();
    let path = ops_data("CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf");
    let snps = query(
        &ctx,
        &format!(
            "SELECT contigName, start, referenceAllele, alternateAlleles FROM \
             pipe('{path}', 'cmd', '[\"bcftools\", \"view\", \"-v\", \"snps\"]', \
                  'inputFormatter', 'vcf', 'outputFormatter', 'vcf')"
        ),
    )
    .await;
    if let Some(expected) = bcftools(&["view", "-v", "snps", "-Ov", &path]) {
        let direct = std::env::temp_dir().join(format!("genolake-pipe-{}.vcf", std::process::id()));
        std::fs::write(&direct, expected).unwrap();
        let sites = bcftools(&["query", "-f", SITES, direct.to_str().unwrap()]).unwrap();
        std::fs::remove_file(&direct).unwrap();
        assert!(sites.lines().count() > 100);
        assert_eq!(site_lines(&snps), sorted_lines(&sites));
    }

    query(
        &ctx,
        &format!("CREATE VIEW contigs AS SELECT contigName FROM read_vcf('{path}')"),
    )
    .await;
    let rows: usize = query(&ctx, &format!("SELECT count(*) FROM read_vcf('{path}')"))
        .await
        .iter()
        .map(|b| b.column(0).as_primitive::<Int64Type>().value(0) as usize)
        .sum();
    let counted = query(
        &ctx,
        "SELECT text FROM pipe('contigs', 'cmd', '[\"wc\", \"-l\"]', \
         'inputFormatter', 'text', 'outputFormatter', 'text')",
    )
    .await;
    let lines: usize = counted
        .iter()
        .flat_map(|b| {
            let text = b.column(0).as_string::<i32>();
            (0..b.num_rows())
                .map(|i| text.value(i).trim().parse::<usize>().unwrap())
                .collect::<Vec<_>>()
        })
        .sum();
    assert_eq!(lines, rows);

    let error = query_error(
        &ctx,
        &format!(
            "SELECT * FROM pipe('{path}', 'cmd', '[\"sh\", \"-c\", \"echo oops >&2; exit 3\"]', \
             'inputFormatter', 'vcf', 'outputFormatter', 'vcf')"
        ),
    )
    .await;
    assert!(error.contains("oops") && error.contains('3'), "{error}");
}
