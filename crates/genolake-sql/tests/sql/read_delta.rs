//! `read_delta` over a table written with delta-rs's own API.

use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use deltalake::DeltaTable;
use genolake_sql::{run_sql, session};

use crate::common::*;

fn batch(contigs: &[&str], starts: &[i64]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("contigName", DataType::Utf8, false),
        Field::new("start", DataType::Int64, false),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(contigs.to_vec())),
            Arc::new(Int64Array::from(starts.to_vec())),
        ],
    )
    .unwrap()
}

async fn write(dir: &std::path::Path, batch: RecordBatch) {
    let url = url::Url::from_directory_path(dir).unwrap();
    DeltaTable::try_from_url(url)
        .await
        .unwrap()
        .write(vec![batch])
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_delta_reads_a_delta_table_and_its_versions() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), batch(&["20", "20", "21"], &[100, 200, 300])).await;
    write(dir.path(), batch(&["21"], &[400])).await;

    let ctx = session();
    let d = dir.path().display();
    let result = run_sql(
        &ctx,
        &format!(
            "SELECT contigName, count(*), sum(start) FROM read_delta('{d}') GROUP BY contigName"
        ),
    )
    .await
    .unwrap();
    assert_eq!(sorted_rows(&result.batches), ["20\t2\t300", "21\t2\t700"]);

    let result = run_sql(
        &ctx,
        &format!("SELECT count(*) FROM read_delta('{d}', 'versionAsOf', 0)"),
    )
    .await
    .unwrap();
    assert_eq!(single_i64(&result.batches), 3);

    let e = run_sql(
        &ctx,
        "SELECT * FROM read_delta('/nonexistent/genolake/table')",
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("/nonexistent/genolake/table"), "{e}");
}

/// Table functions are called while planning, inside the runtime: a
/// current-thread runtime must work too.
#[tokio::test]
async fn read_delta_works_on_a_current_thread_runtime() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), batch(&["1"], &[5])).await;
    let ctx = session();
    let result = run_sql(
        &ctx,
        &format!(
            "SELECT sum(start) FROM read_delta('{}')",
            dir.path().display()
        ),
    )
    .await
    .unwrap();
    assert_eq!(single_i64(&result.batches), 5);
}
