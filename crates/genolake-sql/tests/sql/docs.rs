//! Every ```sql block of docs/functions.md runs as written, statement by
//! statement, from the repository's root; a statement followed by
//! `-- result:` lines gives exactly those rows.

use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One statement of a block and the rows it must give, if any are given.
#[derive(Debug)]
struct Example {
    sql: String,
    expected: Option<Vec<String>>,
}

/// The ```sql blocks of a markdown text, each as its statements.
fn sql_blocks(markdown: &str) -> Vec<Vec<Example>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```sql") => current = Some(Vec::new()),
            (Some(_), l) if l.starts_with("```") => {
                let lines = current.take().unwrap_or_default();
                blocks.push(statements(&lines));
            }
            (Some(lines), _) => lines.push(line.to_string()),
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "a ```sql block is not closed");
    blocks
}

/// Splits a block into statements at lines ending with `;`, attaching the
/// `-- result:` lines that follow a statement to it.
fn statements(lines: &[String]) -> Vec<Example> {
    let mut examples: Vec<Example> = Vec::new();
    let mut sql = String::new();
    for line in lines {
        let trimmed = line.trim();
        if let Some(row) = trimmed.strip_prefix("-- result:") {
            let example = examples
                .last_mut()
                .filter(|_| sql.trim().is_empty())
                .expect("a -- result: line follows a statement ending with ;");
            example
                .expected
                .get_or_insert_with(Vec::new)
                .push(row.trim().to_string());
            continue;
        }
        sql.push_str(line);
        sql.push('\n');
        if trimmed.ends_with(';') {
            examples.push(Example {
                sql: std::mem::take(&mut sql),
                expected: None,
            });
        }
    }
    if !sql.trim().is_empty() {
        examples.push(Example {
            sql,
            expected: None,
        });
    }
    examples
}

/// The statement with its repository paths made absolute.
fn with_paths(sql: &str) -> String {
    let root = repository();
    let root = root.to_str().expect("the repository's path is UTF-8");
    sql.replace("'testdata/", &format!("'{root}/testdata/"))
        .replace("'crates/", &format!("'{root}/crates/"))
}

/// Each row as its cells joined by ` | `, nulls as `NULL`.
pub(crate) fn rendered(batches: &[RecordBatch]) -> Vec<String> {
    crate::common::joined_rows(batches, " | ", "NULL")
}

#[test]
fn statements_split_at_semicolons_and_keep_their_results() {
    let blocks = sql_blocks(
        "text\n```sql\nSELECT 1;\n-- result: 1\nSELECT 2,\n  3;\nSELECT 4\n```\n```sql\nSELECT 5\n```\n",
    );
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0].len(), 3);
    assert_eq!(
        blocks[0][0].expected.as_deref(),
        Some(&["1".to_string()][..])
    );
    assert_eq!(blocks[0][1].sql, "SELECT 2,\n  3;\n");
    assert!(blocks[0][1].expected.is_none());
    assert_eq!(blocks[1][0].sql.trim(), "SELECT 5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_of_the_function_reference_runs_and_gives_its_result() {
    let path = repository().join("docs/functions.md");
    let markdown =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let blocks = sql_blocks(&markdown);
    assert!(blocks.len() >= 15, "only {} sql blocks", blocks.len());
    let (mut ran, mut checked) = (0, 0);
    let mut failures = Vec::new();
    for block in &blocks {
        // One session per block: a block's statements may build on each other.
        let ctx = genolake_sql::SessionBuilder::new()
            .target_partitions(2)
            .build();
        for example in block {
            let sql = with_paths(&example.sql);
            ran += 1;
            match genolake_sql::run_sql(&ctx, &sql).await {
                Err(e) => failures.push(format!("{}\nfailed: {e}", example.sql.trim())),
                Ok(result) => {
                    if let Some(expected) = &example.expected {
                        checked += 1;
                        let got = rendered(&result.batches);
                        if &got != expected {
                            failures.push(format!(
                                "{}\ngave    {got:?}\nexpected {expected:?}",
                                example.sql.trim()
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} examples of docs/functions.md fail:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(checked >= 15, "only {checked} examples state a result");
}
