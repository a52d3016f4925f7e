//! Cells of Glow's published notebooks and docs, ported to genolake SQL,
//! and the Spark habits they lean on (`size`, `explode`, `posexplode`,
//! `element_at`, a field after an index, and index 0 as an error).
//!
//! Each port cites its cell; docs/spark-sql.md lists what each one had to
//! change. Every answer is checked against bcftools reading the same file.

use std::collections::{BTreeMap, BTreeSet};

use genolake_sql::{run_sql, session};

use crate::common::*;

const KG: &str = "tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz";
const CEU_TRIO: &str = "tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz";

/// bcftools' output; these tests fail, not skip, without it.
fn peer(args: &[&str]) -> String {
    bcftools(args).expect("bcftools must be installed: these tests compare with it")
}

/// The rows of a query's result as tab-separated text, in result order.
async fn query(sql: &str) -> Vec<String> {
    let result = run_sql(&session(), sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}\nfailed: {e}"));
    rows(&result.batches)
}

/// The rows of a query parsed in the dialect `dialect` (`spark` parses lambdas).
async fn query_in(dialect: &str, sql: &str) -> Vec<String> {
    let mut config = datafusion::prelude::SessionConfig::new();
    config
        .options_mut()
        .set("datafusion.sql_parser.dialect", dialect)
        .unwrap();
    let ctx = genolake_sql::SessionBuilder::new().config(config).build();
    let result = run_sql(&ctx, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}\nfailed: {e}"));
    rows(&result.batches)
}

/// The error a query fails with.
async fn query_error(sql: &str) -> String {
    match run_sql(&session(), sql).await {
        Ok(result) => panic!("{sql}\nshould fail, gave {:?}", rows(&result.batches)),
        Err(e) => e.to_string(),
    }
}

/// A VCF GT as Glow's `calls` prints: `0|1` is `[0, 1]`, `./.` is `[-1, -1]`.
fn gt_calls(gt: &str) -> String {
    let calls: Vec<&str> = gt
        .split(['/', '|'])
        .map(|allele| if allele == "." { "-1" } else { allele })
        .collect();
    format!("[{}]", calls.join(", "))
}

fn samples(vcf: &str) -> Vec<String> {
    peer(&["query", "-l", vcf])
        .lines()
        .map(str::to_string)
        .collect()
}

/// Glow docs, "Read and Write VCF, Plink, and BGEN with Spark"
/// (docs/source/etl/variant-data.rst):
/// `df = spark.read.format("vcf").load(path)` then
/// `assert_rows_equal(df.select("contigName", "start").head(), Row(contigName='17', start=504217))`.
/// Ported: the reader is `read_vcf(path, 'validationStringency', 'lenient')`
/// and `head()` is `LIMIT 1`. The file declares FORMAT PS a String where VCF
/// 4.2 reserves an Integer; Glow reads it without a word (its default
/// stringency is silent), genolake's default (strict) stops at that line.
#[tokio::test]
async fn glow_variant_data_first_row_is_contig_17_start_504217() {
    let vcf = glow("test.chr17.vcf");
    let got = query(&format!(
        "SELECT contigName, start FROM read_vcf('{vcf}', 'validationStringency', 'lenient') LIMIT 1"
    ))
    .await;
    let first = peer(&["query", "-f", "%CHROM\t%POS0\n", &vcf]);
    let first = first.lines().next().unwrap();
    assert_eq!(first, "17\t504217", "the row Glow's docs assert");
    assert_eq!(got, [first]);

    // As written, the read stops at the header line that breaks the spec.
    let error = query_error(&format!(
        "SELECT contigName, start FROM read_vcf('{vcf}') LIMIT 1"
    ))
    .await;
    assert!(
        error.contains("test.chr17.vcf: line 62: FORMAT PS"),
        "{error}"
    );
}

/// Glow notebook "variant-data" (docs/source/_static/notebooks/etl/variant-data.html), cell
/// "Read in a VCF with flattenInfoFields and includeSampleIds disabled":
/// `.option("includeSampleIds", False).option("flattenInfoFields", False).load(vcf_path)
///  .withColumn("first_genotype", expr("genotypes[0]")).drop("genotypes")`.
/// Ported: `genotypes[1]` (1-based), `.drop` as `* EXCLUDE (genotypes)`.
#[tokio::test]
async fn glow_first_genotype_is_genotypes_1_and_genotypes_0_is_an_error() {
    let vcf = glow(KG);
    let table = format!("read_vcf('{vcf}', 'includeSampleIds', false, 'flattenInfoFields', false)");
    let got = query(&format!(
        "SELECT contigName, start, first_genotype.calls FROM (
             SELECT * EXCLUDE (genotypes), genotypes[1] AS first_genotype FROM {table})"
    ))
    .await;
    let first_sample = &samples(&vcf)[0];
    let expected: Vec<String> = peer(&[
        "query",
        "-s",
        first_sample,
        "-f",
        "%CHROM\t%POS0\t[%GT]\n",
        &vcf,
    ])
    .lines()
    .map(|line| {
        let (site, gt) = line.rsplit_once('\t').unwrap();
        format!("{site}\t{}", gt_calls(gt))
    })
    .collect();
    assert_eq!(expected.len(), 17);
    assert_eq!(got, expected);

    // The cell as written in Spark must not silently give NULL genotypes.
    let error = query_error(&format!(
        "SELECT * EXCLUDE (genotypes), genotypes[0] AS first_genotype FROM {table}"
    ))
    .await;
    assert!(error.contains("indexed from 1"), "{error}");
    assert!(error.contains("x[1]"), "{error}");
}

/// The same notebook, cell "Read in a BGEN file with the same schema":
/// `df.withColumn("firstGenotype", expr("genotypes[0]")).drop("genotypes")`.
/// Ported: `genotypes[1]`, checked against the VCF Glow made from the same
/// BGEN with hard calls at threshold 0.9 (genolake's default, as Glow's).
#[tokio::test]
async fn glow_bgen_first_genotype_matches_the_threshold_vcf() {
    let bgen = glow("bgen/example.16bits.bgen");
    let vcf = glow("bgen/example.16bits.threshold-0.9.vcf");
    let got = query(&format!(
        "SELECT start, firstGenotype.sampleId, firstGenotype.calls FROM (
             SELECT * EXCLUDE (genotypes), genotypes[1] AS firstGenotype FROM read_bgen('{bgen}'))"
    ))
    .await;
    let first_sample = &samples(&vcf)[0];
    let expected: Vec<String> = peer(&[
        "query",
        "-s",
        first_sample,
        "-f",
        "%POS0\t[%SAMPLE\t%GT]\n",
        &vcf,
    ])
    .lines()
    .map(|line| {
        let mut fields = line.split('\t');
        let (start, sample) = (fields.next().unwrap(), fields.next().unwrap());
        format!("{start}\t{sample}\t{}", gt_calls(fields.next().unwrap()))
    })
    .collect();
    assert_eq!(expected.len(), 199);
    assert!(expected[0].contains("sample_001"));
    assert_eq!(got, expected);
}

/// Glow notebook "sample-qc-demo" (docs/source/_static/notebooks/etl/sample-qc-demo.html),
/// cell "Size of genotypes array before filtering": `df.selectExpr("size(genotypes)")`.
/// Ported unchanged: `size` is Spark's, from `datafusion-spark`.
#[tokio::test]
async fn glow_size_of_genotypes_is_the_number_of_samples() {
    let vcf = glow(KG);
    let got = query(&format!("SELECT size(genotypes) FROM read_vcf('{vcf}')")).await;
    let n = samples(&vcf).len();
    assert_eq!(n, 2535);
    let sites = bcftools_count(&vcf, &[]).unwrap();
    assert_eq!(got, vec![n.to_string(); sites]);
}

/// Per sample, how many sites have a non-reference allele (true) and how
/// many not (false), from bcftools' GTs.
fn non_ref_counts(vcf: &str) -> BTreeMap<(String, bool), usize> {
    let mut counts = BTreeMap::new();
    for line in peer(&["query", "-f", "[%SAMPLE\t%GT\n]", vcf]).lines() {
        let (sample, gt) = line.split_once('\t').unwrap();
        let non_ref = gt.split(['/', '|']).any(|a| a != "." && a != "0");
        *counts.entry((sample.to_string(), non_ref)).or_insert(0) += 1;
    }
    counts
}

/// Glow docs, "Sample Quality Control" (docs/source/etl/sample-qc.rst), "Explode and aggregate":
/// `exploded_df = df.withColumn("genotype", fx.explode("genotypes"))
///    .withColumn("hasNonRef", fx.expr("exists(genotype.calls, call -> call != -1 and call != 0)"))`
/// `agg = exploded_df.groupBy("genotype.sampleId", "hasNonRef").agg(fx.count(fx.lit(1)))
///    .orderBy("sampleId", "hasNonRef")`.
/// Ported: Spark's `exists(array, lambda)` is DataFusion's `array_any_match`,
/// parsed in the `spark` dialect (the generic one has no lambdas).
#[tokio::test]
async fn glow_explode_and_aggregate_counts_non_ref_sites_per_sample() {
    let vcf = glow(KG);
    let got = query_in(
        "spark",
        &format!(
            "SELECT genotype.sampleId AS sampleId, hasNonRef, count(1) AS n FROM (
             SELECT genotype,
                    array_any_match(genotype.calls, call -> call != -1 AND call != 0) AS hasNonRef
             FROM (SELECT *, explode(genotypes) AS genotype FROM read_vcf('{vcf}')))
         GROUP BY genotype.sampleId, hasNonRef
         ORDER BY sampleId, hasNonRef"
        ),
    )
    .await;
    let expected: Vec<String> = non_ref_counts(&vcf)
        .into_iter()
        .map(|((sample, non_ref), n)| format!("{sample}\t{non_ref}\t{n}"))
        .collect();
    assert!(expected.iter().any(|row| row.contains("\ttrue\t")));
    assert_eq!(got, expected);
}

/// Glow notebook "Explode variant dataframe"
/// (docs/source/_static/notebooks/etl/6_explode_variant_dataframe.html):
/// `vcf_df.select("contigName", "start", "end", "referenceAllele", "alternateAlleles", "qual",
///    fx.explode(fx.arrays_zip(fx.col("genotypes.sampleId").alias("sampleId"),
///                             fx.col("genotypes.calls").alias("calls"))).alias("genotypes"))
///  .withColumn("sampleId", fx.col("genotypes.sampleId"))
///  .withColumn("calls", fx.col("genotypes.calls"))`.
/// Ported: explode the genotype structs themselves (DataFusion has no
/// `array.field` projection over an array of structs, and the zip only
/// rebuilt those structs); the benchmark's random `qual` is left out.
#[tokio::test]
async fn glow_explode_variant_dataframe_gives_one_row_per_site_and_sample() {
    let vcf = glow(KG);
    let got = query(&format!(
        "SELECT contigName, start, genotypes.sampleId AS sampleId, genotypes.calls AS calls FROM (
             SELECT contigName, start, end, referenceAllele, alternateAlleles, qual,
                    explode(genotypes) AS genotypes
             FROM read_vcf('{vcf}'))"
    ))
    .await;
    let expected: Vec<String> = peer(&["query", "-f", "[%CHROM\t%POS0\t%SAMPLE\t%GT\n]", &vcf])
        .lines()
        .map(|line| {
            let (site, gt) = line.rsplit_once('\t').unwrap();
            format!("{site}\t{}", gt_calls(gt))
        })
        .collect();
    assert_eq!(expected.len(), 17 * 2535);
    assert_eq!(got, expected);
}

/// Glow notebook "merge-vcf" (docs/source/_static/notebooks/etl/merge-vcf.html), cell
/// "Split Thousand Genome Project multi-sample VCF into 2 single-sample VCFs":
/// `filter(genotypes, (g, idx) -> g.sampleId = genotypes[0].sampleId)` (and `genotypes[1]`).
/// Ported with `posexplode`, whose `pos` counts from 0 as in Spark, so the
/// notebook's indexes 0 and 1 stay as written.
#[tokio::test]
async fn glow_split_by_sample_with_posexplode_keeps_spark_positions() {
    let vcf = glow(KG);
    let got = query(&format!(
        "SELECT pos, contigName, start, col.sampleId, col.calls FROM (
             SELECT contigName, start, posexplode(genotypes) FROM read_vcf('{vcf}'))
         WHERE pos IN (0, 1)
         ORDER BY pos, start"
    ))
    .await;
    let samples = samples(&vcf);
    let mut expected = Vec::new();
    for (pos, sample) in samples[..2].iter().enumerate() {
        for line in peer(&["query", "-s", sample, "-f", "%CHROM\t%POS0\t[%GT]\n", &vcf]).lines() {
            let (site, gt) = line.rsplit_once('\t').unwrap();
            expected.push(format!("{pos}\t{site}\t{sample}\t{}", gt_calls(gt)));
        }
    }
    assert_eq!(expected.len(), 2 * 17);
    assert_eq!(got, expected);
}

/// The same notebook, cell "Merge genotype arrays":
/// `df_to_merge.groupBy('contigName', 'start', 'end', 'referenceAllele', 'alternateAlleles')
///    .agg(sort_array(flatten(collect_list('genotypes'))).alias('genotypes'))`,
/// merging the two single-sample tables of the previous cell.
/// Ported: `collect_list` is `array_agg` (`collect_list` from
/// `datafusion-spark` works too), `sort_array` is `array_sort`; the
/// `genotypes.sampleId` display becomes an index per sample.
#[tokio::test]
async fn glow_merge_genotype_arrays_rebuilds_the_first_two_samples() {
    let vcf = glow(KG);
    let got = query(&format!(
        "CREATE VIEW kg AS SELECT * FROM read_vcf('{vcf}');
         CREATE VIEW to_merge AS
             SELECT contigName, start, end, referenceAllele, alternateAlleles,
                    make_array(genotypes[1]) AS genotypes FROM kg
             UNION ALL
             SELECT contigName, start, end, referenceAllele, alternateAlleles,
                    make_array(genotypes[2]) AS genotypes FROM kg;
         SELECT contigName, start, size(genotypes), genotypes[1].sampleId, genotypes[1].calls,
                genotypes[2].sampleId, genotypes[2].calls
         FROM (SELECT contigName, start,
                      array_sort(flatten(array_agg(genotypes))) AS genotypes
               FROM to_merge
               GROUP BY contigName, start, end, referenceAllele, alternateAlleles)
         ORDER BY contigName, start"
    ))
    .await;
    let samples = samples(&vcf);
    let pairs = format!("{},{}", samples[0], samples[1]);
    let expected: Vec<String> = peer(&[
        "query",
        "-s",
        &pairs,
        "-f",
        "%CHROM\t%POS0[\t%SAMPLE\t%GT]\n",
        &vcf,
    ])
    .lines()
    .map(|line| {
        let f: Vec<&str> = line.split('\t').collect();
        format!(
            "{}\t{}\t2\t{}\t{}\t{}\t{}",
            f[0],
            f[1],
            f[2],
            gt_calls(f[3]),
            f[4],
            gt_calls(f[5])
        )
    })
    .collect();
    assert_eq!(expected.len(), 17);
    assert_eq!(got, expected);
}

/// Glow notebook "Query variant database" (docs/source/_static/notebooks/etl/9_query_variant_db.html),
/// cell "only retrieve genotype":
/// `spark.sql("select `calls` from variant_db.exploded where contigName = '{0}' and start == {1} and sampleId = '{2}'")`,
/// over the table of the "Explode variant dataframe" notebook.
/// Ported: the exploded table is a view; Spark's `==` is `=`.
#[tokio::test]
async fn glow_point_query_of_the_exploded_table_matches_bcftools() {
    let vcf = glow(KG);
    let sites = peer(&["query", "-f", "%CHROM\t%POS\n", &vcf]);
    let (chrom, pos) = sites.lines().nth(4).unwrap().split_once('\t').unwrap();
    let sample = samples(&vcf)[1234].clone();
    let start = pos.parse::<i64>().unwrap() - 1;
    let got = query(&format!(
        "CREATE VIEW exploded AS
             SELECT contigName, start, end, genotype.sampleId AS sampleId, genotype.calls AS calls
             FROM (SELECT contigName, start, end, explode(genotypes) AS genotype
                   FROM read_vcf('{vcf}'));
         select `calls` from exploded
         where contigName = '{chrom}' and start = {start} and sampleId = '{sample}'"
    ))
    .await;
    let region = format!("{chrom}:{pos}-{pos}");
    let gt = peer(&["query", "-r", &region, "-s", &sample, "-f", "[%GT]\n", &vcf]);
    let expected: Vec<String> = gt.lines().map(gt_calls).collect();
    assert_eq!(expected.len(), 1);
    assert_eq!(got, expected);
}

/// The same notebook, cell "select random gene to query":
/// `genes.hint("range_join", 10).join(variants_df, (variants_df.contigName == genes.contigName) &
///   (variants_df.start > genes.start) & (variants_df.start <= genes.end), "left_semi")`.
/// Ported: a `LEFT SEMI JOIN`, the range-join hint dropped; the genes are the
/// intervals of Glow's `bedtools/intersect_21.bed` (the notebook's come from a GFF).
#[tokio::test]
async fn glow_genes_semi_joined_to_variants_are_those_holding_a_variant() {
    let vcf = glow(CEU_TRIO);
    let bed = std::fs::read_to_string(glow("bedtools/intersect_21.bed")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("genes.csv");
    let mut text = String::from("gene,contigName,start,end\n");
    let mut genes = Vec::new();
    for (i, line) in bed.lines().enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        let (start, end): (i64, i64) = (f[1].parse().unwrap(), f[2].parse().unwrap());
        text.push_str(&format!("gene{i},{},{start},{end}\n", f[0]));
        genes.push((format!("gene{i}"), f[0].to_string(), start, end));
    }
    std::fs::write(&csv, text).unwrap();
    let got = query(&format!(
        "CREATE EXTERNAL TABLE genes (gene VARCHAR, contigName VARCHAR, start BIGINT, \"end\" BIGINT)
             STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true');
         SELECT genes.gene FROM genes LEFT SEMI JOIN read_vcf('{vcf}') variants
             ON variants.contigName = genes.contigName
             AND variants.start > genes.start AND variants.start <= genes.\"end\"
         ORDER BY gene",
        csv.display()
    ))
    .await;
    let variants: Vec<(String, i64)> = peer(&["query", "-f", "%CHROM\t%POS0\n", &vcf])
        .lines()
        .map(|line| {
            let (chrom, start) = line.split_once('\t').unwrap();
            (chrom.to_string(), start.parse().unwrap())
        })
        .collect();
    let expected: BTreeSet<String> = genes
        .iter()
        .filter(|(_, chrom, start, end)| {
            variants
                .iter()
                .any(|(c, s)| c == chrom && s > start && s <= end)
        })
        .map(|(gene, ..)| gene.clone())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(got, expected.into_iter().collect::<Vec<_>>());
}

/// Glow's VCF reader test "with sample ids" (core/src/test/scala/io/projectglow/vcf/VCFDatasourceSuite.scala):
/// `datasource.where("genotypes[0].sampleId = 'NA12878'").count() == size`.
/// Ported: `genotypes[1].sampleId`, and Spark's `element_at(genotypes, 1).sampleId`
/// unchanged.
#[tokio::test]
async fn a_field_after_an_index_or_element_at_reads_the_first_sample() {
    let vcf = glow("NA12878_21_10002403.vcf");
    let sites = bcftools_count(&vcf, &[]).unwrap();
    assert_eq!(samples(&vcf), ["NA12878"]);
    for first in ["genotypes[1].sampleId", "element_at(genotypes, 1).sampleId"] {
        let got = query(&format!(
            "SELECT count(*) FROM read_vcf('{vcf}') WHERE {first} = 'NA12878'"
        ))
        .await;
        assert_eq!(got, [sites.to_string()], "{first}");
    }
    // Negative indexes count from the end, as element_at does in Spark.
    let kg = glow(KG);
    let last = samples(&kg).pop().unwrap();
    let got = query(&format!(
        "SELECT DISTINCT element_at(genotypes, -1).sampleId, genotypes[-1].sampleId FROM read_vcf('{kg}')"
    ))
    .await;
    assert_eq!(got, [format!("{last}\t{last}")]);
}

#[tokio::test]
async fn index_0_is_an_error_at_planning_and_at_run_time() {
    let vcf = glow(KG);
    for (sql, place) in [
        (format!("SELECT genotypes[0] FROM read_vcf('{vcf}')"), "[0]"),
        (
            format!("SELECT genotypes[0].calls FROM read_vcf('{vcf}')"),
            "[0]",
        ),
        (
            format!("SELECT element_at(genotypes, 0) FROM read_vcf('{vcf}')"),
            "element_at",
        ),
        (
            format!("SELECT array_element(genotypes, 0) FROM read_vcf('{vcf}')"),
            "array_element",
        ),
        (
            format!("SELECT genotypes[start - start] FROM read_vcf('{vcf}')"),
            "row 1",
        ),
        (
            format!("SELECT genotypes[size(alternateAlleles) - 1] FROM read_vcf('{vcf}')"),
            "index 0 in row 1",
        ),
    ] {
        let error = query_error(&sql).await;
        assert!(error.contains("indexed from 1"), "{sql}: {error}");
        assert!(error.contains(place), "{sql}: {error}");
    }
    // Maps keep their keys, whatever they are.
    let got = query(
        "SELECT map([0, 1], ['zero', 'one'])[0], element_at(map([0, 1], ['zero', 'one']), 1)",
    )
    .await;
    assert_eq!(got, ["zero\tone"]);
}

#[tokio::test]
async fn outer_generators_keep_empty_and_null_arrays_as_a_row() {
    let got = query(
        "SELECT id, explode(a) AS x FROM (VALUES (1, [10, 20]), (2, []), (3, NULL)) t(id, a)",
    )
    .await;
    assert_eq!(got, ["1\t10", "1\t20"]);
    let got = query(
        "SELECT id, explode_outer(a) AS x FROM (VALUES (1, [10, 20]), (2, []), (3, NULL)) t(id, a)
         ORDER BY id, x",
    )
    .await;
    assert_eq!(got, ["1\t10", "1\t20", "2\t", "3\t"]);
    let got = query(
        "SELECT id, posexplode_outer(a) FROM (VALUES (1, [10, 20]), (2, []), (3, NULL)) t(id, a)
         ORDER BY id, pos",
    )
    .await;
    assert_eq!(got, ["1\t0\t10", "1\t1\t20", "2\t\t", "3\t\t"]);
    let got = query("SELECT explode([[1, 2], [3]])").await;
    assert_eq!(got, ["[1, 2]", "[3]"]);
    let got = query("SELECT posexplode([[1, 2], [3]])").await;
    assert_eq!(got, ["0\t[1, 2]", "1\t[3]"]);
}

#[tokio::test]
async fn a_generators_columns_have_their_names_in_an_outer_query() {
    let got = query("SELECT col * 10 FROM (SELECT explode([1, 2]))").await;
    assert_eq!(got, ["10", "20"]);
    let got =
        query("SELECT pos + 1, upper(col) FROM (SELECT posexplode(['a', 'b'])) WHERE pos > 0")
            .await;
    assert_eq!(got, ["2\tB"]);
    // Spark's names for posexplode's two columns (its dialect parses them).
    let got = query_in(
        "spark",
        "SELECT i, x FROM (SELECT posexplode(make_array('a', 'b')) AS (i, x)) ORDER BY i DESC",
    )
    .await;
    assert_eq!(got, ["1\tb", "0\ta"]);
}

/// Glow's `end` column, unquoted after a comma as Spark takes it (the
/// generic dialect's trailing comma would otherwise end the list there).
#[tokio::test]
async fn glows_end_column_reads_unquoted_after_a_comma() {
    let vcf = glow(CEU_TRIO);
    let got = query(&format!(
        "SELECT contigName, start, end, end - start AS length FROM read_vcf('{vcf}')
         ORDER BY contigName, start, end"
    ))
    .await;
    let mut expected: Vec<(String, i64, i64)> =
        peer(&["query", "-f", "%CHROM\t%POS0\t%END\n", &vcf])
            .lines()
            .map(|line| {
                let f: Vec<&str> = line.split('\t').collect();
                (
                    f[0].to_string(),
                    f[1].parse().unwrap(),
                    f[2].parse().unwrap(),
                )
            })
            .collect();
    assert_eq!(expected.len(), 1075);
    expected.sort();
    let expected: Vec<String> = expected
        .into_iter()
        .map(|(chrom, start, end)| format!("{chrom}\t{start}\t{end}\t{}", end - start))
        .collect();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn generators_elsewhere_than_a_select_item_are_errors_that_say_so() {
    for sql in [
        "SELECT explode([1, 2]) + 1",
        "SELECT 1 WHERE explode([1, 2]) = 1",
        "SELECT explode([1]) AS a, explode([2]) AS b",
        "SELECT posexplode([1]) AS p",
    ] {
        let error = query_error(sql).await;
        assert!(
            error.contains("SELECT") && error.contains("explode"),
            "{sql}: {error}"
        );
    }
}

#[tokio::test]
async fn spark_functions_are_added_where_datafusion_has_none() {
    let got = query(
        "SELECT size([1, 2, 3]), size(CAST(NULL AS INT[])), sha2('genolake', 256),
                crc32('genolake'), if(1 < 2, 'yes', 'no')",
    )
    .await;
    // Spark's size is -1 for NULL (its default, spark.sql.legacy.sizeOfNull);
    // the hashes are Python's hashlib.sha256 and zlib.crc32 of b"genolake".
    assert_eq!(
        got,
        [
            "3\t-1\te3f95790fc53fadf18d0e022c669b5418df5d159d633ce07423f371155bb9522\t3425326376\tyes"
        ]
    );
    // DataFusion's own keep their meaning: concat skips NULLs (Spark's would be NULL).
    let got = query("SELECT concat('a', NULL, 'b')").await;
    assert_eq!(got, ["ab"]);
}

#[test]
fn the_spark_functions_left_out_are_those_listed_in_the_docs() {
    let mut state = datafusion::execution::SessionStateBuilder::new()
        .with_default_features()
        .build();
    let left_out = genolake_sql::spark::register_spark_functions(&mut state).unwrap();
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/spark-sql.md"),
    )
    .unwrap();
    let start = docs.find("<!-- left-out:start -->").unwrap();
    let end = docs.find("<!-- left-out:end -->").unwrap();
    let listed: Vec<String> = docs[start..end]
        .lines()
        .skip(1)
        .flat_map(|line| {
            line.split(',')
                .map(|name| name.trim().trim_matches('`').to_string())
        })
        .filter(|name| !name.is_empty())
        .collect();
    assert_eq!(listed, left_out);
    // And the ones a Glow notebook needs are in.
    for name in ["size", "sha2", "crc32", "xxhash64", "if"] {
        assert!(state.scalar_functions().contains_key(name), "{name}");
    }
    assert!(state.aggregate_functions().contains_key("collect_list"));
}
