//! Helpers shared by the integration tests: the Glow test data, bcftools,
//! and small readers of query results.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::Int64Type;

/// The Glow test data folder beside the repository.
pub fn glow_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/glow")
}

/// A file of the Glow test data, as a string for SQL.
pub fn glow(relative: &str) -> String {
    let path = glow_data().join(relative);
    assert!(path.exists(), "test data {} is missing", path.display());
    path.to_str().unwrap().to_string()
}

/// This crate's own test data.
pub fn local_data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

/// Whether peer comparisons are skipped: only when GENOLAKE_SKIP_PEERS is
/// set (CI never sets it); a missing peer otherwise fails the test.
pub fn skip_peers() -> bool {
    let skip = std::env::var_os("GENOLAKE_SKIP_PEERS").is_some();
    if skip {
        eprintln!("GENOLAKE_SKIP_PEERS is set: not comparing with bcftools or plink2");
    }
    skip
}

/// Runs bcftools with `args` and returns what it printed; `None` only when
/// GENOLAKE_SKIP_PEERS is set. A missing bcftools fails the test.
pub fn bcftools(args: &[&str]) -> Option<String> {
    if skip_peers() {
        return None;
    }
    let output = Command::new("bcftools")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "bcftools {args:?} could not run ({e}): it is needed for this test \
                 (apt-get install bcftools), or set GENOLAKE_SKIP_PEERS=1"
            )
        });
    assert!(
        output.status.success(),
        "bcftools {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).expect("bcftools prints UTF-8"))
}

/// Number of data lines `bcftools view -H` prints with `extra` arguments.
pub fn bcftools_count(file: &str, extra: &[&str]) -> Option<usize> {
    let mut args = vec!["view", "-H"];
    args.extend_from_slice(extra);
    args.push(file);
    bcftools(&args).map(|out| out.lines().count())
}

/// The single Int64 value of a one-row, one-column result (`count(*)`).
pub fn single_i64(batches: &[RecordBatch]) -> i64 {
    let rows: Vec<_> = batches.iter().filter(|b| b.num_rows() > 0).collect();
    assert_eq!(
        rows.len(),
        1,
        "expected one batch with rows, got {batches:?}"
    );
    assert_eq!(rows[0].num_rows(), 1);
    rows[0].column(0).as_primitive::<Int64Type>().value(0)
}

/// Every row of the batches rendered as text (cells separated by tabs), in
/// order.
pub fn rows(batches: &[RecordBatch]) -> Vec<String> {
    joined_rows(batches, "\t", "")
}

/// Every row of the batches as its cells joined by `separator`, a null
/// cell written as `null`, in order.
pub fn joined_rows(batches: &[RecordBatch], separator: &str, null: &str) -> Vec<String> {
    let options = arrow::util::display::FormatOptions::default().with_null(null);
    let mut rows = Vec::new();
    for batch in batches {
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| arrow::util::display::ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
            .collect();
        for i in 0..batch.num_rows() {
            let cells: Vec<String> = formatters.iter().map(|f| f.value(i).to_string()).collect();
            rows.push(cells.join(separator));
        }
    }
    rows
}

/// Every row of the batches rendered as text, one string per row, sorted.
pub fn sorted_rows(batches: &[RecordBatch]) -> Vec<String> {
    let mut rows = rows(batches);
    rows.sort();
    rows
}

/// Total rows of the batches.
pub fn num_rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(|b| b.num_rows()).sum()
}

/// The text of the plan `EXPLAIN` prints for `sql`.
pub async fn explain(ctx: &datafusion::prelude::SessionContext, sql: &str) -> String {
    let batches = ctx
        .sql(&format!("EXPLAIN {sql}"))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut text = String::new();
    for batch in &batches {
        let plans =
            arrow::compute::cast(batch.column(1), &arrow::datatypes::DataType::Utf8).unwrap();
        let plans = plans.as_string::<i32>();
        for i in 0..plans.len() {
            text.push_str(plans.value(i));
            text.push('\n');
        }
    }
    text
}

/// The batches `sql` gives in `ctx`, or a panic naming the query.
pub async fn query(ctx: &datafusion::prelude::SessionContext, sql: &str) -> Vec<RecordBatch> {
    ctx.sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
