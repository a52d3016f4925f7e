//! Reading back what ingests recorded: one [`Commit`] per table version,
//! with genolake's [`IngestRecord`] when genolake wrote it.

use std::collections::HashMap;

use deltalake::logstore::LogStore;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::ingest::{SaveMode, Target};
use crate::provenance::{COMMIT_INFO_KEY, Provenance};

/// What genolake stores under `commitInfo.genolake` in each commit it makes.
///
/// In the log it reads (camelCase, as Delta's own keys):
/// `{"toolVersion": "genolake 0.1.0", "inputs": [{"path": ..., "size": ...,
/// "sha256": ...}], "options": {...}, "mode": "append", "partitionBy": [],
/// "appId": "genolake-ingest-…", "generation": 0}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestRecord {
    /// Inputs, tool version and options.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// The save mode of the ingest.
    pub mode: SaveMode,
    /// The partition columns asked for (empty: the table's own, or none).
    #[serde(default)]
    pub partition_by: Vec<String>,
    /// The app transaction id committed with the rows, when the ingest was
    /// idempotent and named its inputs.
    #[serde(default)]
    pub app_id: Option<String>,
    /// The table generation the rows belong to: 0 for a new table, one more
    /// after each genolake overwrite. A re-ingest is skipped only when its
    /// app transaction was committed in the current generation.
    #[serde(default)]
    pub generation: i64,
}

/// One version of a table, read from its commit file.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// The table version.
    pub version: i64,
    /// `commitInfo.timestamp`, milliseconds since the Unix epoch.
    pub timestamp: Option<i64>,
    /// `commitInfo.operation` (`WRITE`, `CREATE TABLE`, `OPTIMIZE`, ...).
    pub operation: Option<String>,
    /// genolake's record, when genolake made the commit.
    pub ingest: Option<IngestRecord>,
    /// Data files added.
    pub added_files: u64,
    /// Bytes in the added files.
    pub added_bytes: u64,
    /// Rows in the added files: the writer's own count
    /// (`operationMetrics.num_added_rows`) when it recorded one, otherwise
    /// the sum of the files' `numRecords` statistics.
    pub added_rows: u64,
    /// Data files removed.
    pub removed_files: u64,
    /// App transactions (`txn` actions): app id → version.
    pub app_transactions: HashMap<String, i64>,
}

impl Commit {
    /// Parses the newline-delimited JSON actions of commit `version`.
    pub(crate) fn parse(version: i64, bytes: &[u8]) -> std::result::Result<Self, String> {
        let mut commit = Commit {
            version,
            timestamp: None,
            operation: None,
            ingest: None,
            added_files: 0,
            added_bytes: 0,
            added_rows: 0,
            removed_files: 0,
            app_transactions: HashMap::new(),
        };
        let mut metrics_rows = None;
        for line in bytes.split(|&b| b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let action: Value = serde_json::from_slice(line)
                .map_err(|e| format!("commit {version} holds a line that is not JSON: {e}"))?;
            if let Some(info) = action.get("commitInfo") {
                commit.timestamp = info.get("timestamp").and_then(Value::as_i64);
                commit.operation = info
                    .get("operation")
                    .and_then(Value::as_str)
                    .map(String::from);
                metrics_rows = info
                    .pointer("/operationMetrics/num_added_rows")
                    .and_then(Value::as_u64);
                // Other genolake operations (a withdrawal) record another shape.
                if let Some(record) = info
                    .get(COMMIT_INFO_KEY)
                    .filter(|r| r.get("operation").is_none())
                {
                    let record = serde_json::from_value(record.clone()).map_err(|e| {
                        format!("commit {version} has an unreadable genolake record: {e}")
                    })?;
                    commit.ingest = Some(record);
                }
            } else if let Some(add) = action.get("add") {
                commit.added_files += 1;
                commit.added_bytes += add.get("size").and_then(Value::as_u64).unwrap_or(0);
                let rows = add
                    .get("stats")
                    .and_then(Value::as_str)
                    .and_then(|s| serde_json::from_str::<Value>(s).ok())
                    .and_then(|stats| stats.get("numRecords").and_then(Value::as_u64));
                commit.added_rows += rows.unwrap_or(0);
            } else if action.get("remove").is_some() {
                commit.removed_files += 1;
            } else if let Some(txn) = action.get("txn")
                && let (Some(app_id), Some(v)) = (
                    txn.get("appId").and_then(Value::as_str),
                    txn.get("version").and_then(Value::as_i64),
                )
            {
                commit.app_transactions.insert(app_id.to_string(), v);
            }
        }
        // delta-rs counts the rows it wrote; files written without
        // statistics would be missing from the sum above.
        if let Some(rows) = metrics_rows {
            commit.added_rows = rows;
        }
        Ok(commit)
    }
}

/// The table's current version as the signed number the Delta protocol
/// and this crate's API use (0 before the first commit).
pub(crate) fn table_version(table: &deltalake::DeltaTable) -> i64 {
    table
        .version()
        .map_or(0, |v| i64::try_from(v).unwrap_or(i64::MAX))
}

/// Reads commit `version` from the log; `None` when its file is gone (log
/// cleanup after a checkpoint).
pub(crate) async fn read_commit(
    log_store: &dyn LogStore,
    location: &str,
    version: i64,
) -> Result<Option<Commit>> {
    // Delta versions are never negative; a negative one names no commit.
    let Ok(entry) = u64::try_from(version) else {
        return Ok(None);
    };
    let bytes = log_store
        .read_commit_entry(entry)
        .await
        .map_err(|e| Error::new(location, ErrorKind::Delta(e)))?;
    bytes
        .map(|bytes| Commit::parse(version, &bytes))
        .transpose()
        .map_err(|message| Error::new(location, ErrorKind::Options(message)))
}

/// The commits of the table at `location`, newest first, back to the
/// oldest commit file still in the log (at most `limit` of them).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # use std::sync::Arc;
/// # use arrow::array::{Int64Array, RecordBatch};
/// # use arrow::datatypes::{DataType, Field, Schema};
/// # let schema = Arc::new(Schema::new(vec![Field::new("start", DataType::Int64, true)]));
/// # let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(vec![1, 2]))])?;
/// # let dir = tempfile::tempdir()?;
/// # let table = dir.path().join("t");
/// # let table = table.to_str().unwrap();
/// use genolake_lake::{Ingest, Provenance, blocking_stream};
///
/// let input = blocking_stream(schema, vec![Ok::<_, std::io::Error>(batch)]);
/// Ingest::new(table)
///     .provenance(Provenance::new(serde_json::json!({"note": "demo"})))
///     .execute_stream(input)
///     .await?;
/// let commits = genolake_lake::history(table, None).await?;
/// let record = commits[0].ingest.as_ref().unwrap();
/// assert_eq!(record.provenance.options["note"], "demo");
/// assert_eq!(commits[0].added_rows, 2);
/// # Ok(()) }
/// ```
pub async fn history(location: &str, limit: Option<usize>) -> Result<Vec<Commit>> {
    let target = Target::resolve(location, false)?;
    let table = target.open(&Default::default()).await?.ok_or_else(|| {
        Error::new(
            location,
            ErrorKind::Location("there is no Delta table here".into()),
        )
    })?;
    let latest = table_version(&table);
    let log_store = table.log_store();
    let mut commits = Vec::new();
    for version in (0..=latest).rev() {
        if limit.is_some_and(|limit| commits.len() >= limit) {
            break;
        }
        match read_commit(log_store.as_ref(), location, version).await? {
            Some(commit) => commits.push(commit),
            None => break,
        }
    }
    Ok(commits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_adds_removes_txns_and_the_genolake_record() {
        let log = br#"{"commitInfo":{"timestamp":5,"operation":"WRITE","genolake":{"toolVersion":"genolake 9","inputs":[{"path":"a.vcf","size":3,"sha256":"ab"}],"options":{"k":1},"mode":"append","partitionBy":["contigName"],"appId":"genolake-ingest-x","generation":2}}}
{"add":{"path":"p1","size":10,"stats":"{\"numRecords\":7}"}}
{"add":{"path":"p2","size":5}}
{"remove":{"path":"p0"}}
{"txn":{"appId":"genolake-ingest-x","version":2}}
"#;
        let commit = Commit::parse(4, log).unwrap();
        assert_eq!(commit.version, 4);
        assert_eq!(commit.timestamp, Some(5));
        assert_eq!(commit.operation.as_deref(), Some("WRITE"));
        assert_eq!(
            (commit.added_files, commit.added_bytes, commit.added_rows),
            (2, 15, 7)
        );
        assert_eq!(commit.removed_files, 1);
        assert_eq!(commit.app_transactions["genolake-ingest-x"], 2);
        let record = commit.ingest.unwrap();
        assert_eq!(record.mode, SaveMode::Append);
        assert_eq!(record.partition_by, ["contigName"]);
        assert_eq!(record.generation, 2);
        assert_eq!(record.provenance.tool_version, "genolake 9");
        assert_eq!(record.provenance.inputs[0].sha256, "ab");
    }
}
