//! Reading back what ingests recorded: one [`Commit`] per table version,
//! with genolake's [`IngestRecord`] when genolake wrote it.

use std::collections::HashMap;

use deltalake::logstore::LogStore;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::ingest::{SaveMode, Target};
use crate::provenance::{COMMIT_INFO_KEY, InputFile, Provenance};
use crate::withdraw::InfoFields;

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

/// What genolake records about a withdrawal of samples (`genolake
/// withdraw`), under `commitInfo.genolake.withdrawal`.
///
/// The sample ids themselves are never recorded: each is hashed with the
/// commit's salt, so the audit trail can confirm that a given id was
/// withdrawn without disclosing who was.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WithdrawalRecord {
    /// How many samples the request named.
    pub sample_count: u64,
    /// The hex salt of the hashes.
    pub salt: String,
    /// One salted hash per sample named.
    pub hashed_ids: Vec<String>,
    /// The reason given, if any.
    pub reason: Option<String>,
    /// What became of the variant statistics that depended on the samples.
    pub info_fields: InfoFields,
    /// Rows rewritten without the samples.
    pub rows_rewritten: u64,
    /// Samples removed from this table (some may not have been in it).
    pub samples_removed: u64,
}

/// What genolake said about a commit, under `commitInfo.genolake`.
#[derive(Debug, Clone, PartialEq)]
pub enum GenolakeRecord {
    /// An ingest: its inputs, options and mode.
    Ingest(IngestRecord),
    /// A withdrawal of samples.
    Withdrawal {
        /// The genolake version that made the commit.
        tool_version: String,
        /// What was withdrawn.
        withdrawal: WithdrawalRecord,
    },
    /// Another operation (`OPTIMIZE`, `VACUUM`, ...): its name and the
    /// record as written.
    Other {
        /// The genolake version that made the commit.
        tool_version: Option<String>,
        /// genolake's name of the operation.
        operation: Option<String>,
        /// The whole record.
        record: Value,
    },
}

impl GenolakeRecord {
    /// Reads a `commitInfo.genolake` value: a record with an `operation`
    /// other than `WRITE` is not an ingest.
    fn parse(record: &Value) -> std::result::Result<Self, serde_json::Error> {
        let tool_version = record
            .get("toolVersion")
            .and_then(Value::as_str)
            .map(String::from);
        let operation = record.get("operation").and_then(Value::as_str);
        match operation {
            None | Some("WRITE") | Some("INGEST") => Ok(GenolakeRecord::Ingest(
                serde_json::from_value(record.clone())?,
            )),
            // A withdrawal record this version cannot read (written by a
            // later one, say) is still shown, as written.
            Some("WITHDRAW") => match serde_json::from_value(
                record
                    .get("withdrawal")
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Default::default())),
            ) {
                Ok(withdrawal) => Ok(GenolakeRecord::Withdrawal {
                    tool_version: tool_version.unwrap_or_default(),
                    withdrawal,
                }),
                Err(_) => Ok(GenolakeRecord::Other {
                    tool_version,
                    operation: Some("WITHDRAW".to_string()),
                    record: record.clone(),
                }),
            },
            Some(operation) => Ok(GenolakeRecord::Other {
                tool_version,
                operation: Some(operation.to_string()),
                record: record.clone(),
            }),
        }
    }

    /// The genolake version that made the commit.
    pub fn tool_version(&self) -> Option<&str> {
        match self {
            GenolakeRecord::Ingest(record) => Some(&record.provenance.tool_version),
            GenolakeRecord::Withdrawal { tool_version, .. } => Some(tool_version),
            GenolakeRecord::Other { tool_version, .. } => tool_version.as_deref(),
        }
    }
}

/// Keys of `operationMetrics` that count rows removed, as delta-rs and
/// Spark name them for DELETE, MERGE and UPDATE.
const REMOVED_ROWS_METRICS: [&str; 6] = [
    "num_deleted_rows",
    "numDeletedRows",
    "num_removed_rows",
    "numRemovedRows",
    "num_target_rows_deleted",
    "numTargetRowsDeleted",
];

/// One version of a table, read from its commit file.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// The table version.
    pub version: i64,
    /// `commitInfo.timestamp`, milliseconds since the Unix epoch.
    pub timestamp: Option<i64>,
    /// `commitInfo.operation` (`WRITE`, `CREATE TABLE`, `OPTIMIZE`,
    /// `VACUUM START`, `VACUUM END`, ...).
    pub operation: Option<String>,
    /// `commitInfo.operationParameters`, as written.
    pub operation_parameters: Option<Value>,
    /// `commitInfo.operationMetrics`, as written.
    pub operation_metrics: Option<Value>,
    /// `commitInfo.engineInfo` or `clientVersion`: the writer.
    pub engine: Option<String>,
    /// genolake's record of an ingest, when genolake ingested the rows.
    pub ingest: Option<IngestRecord>,
    /// genolake's record, whatever the operation.
    pub genolake: Option<GenolakeRecord>,
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
    /// Bytes in the removed files (as far as their `remove` actions say).
    pub removed_bytes: u64,
    /// Rows removed, when the operation's metrics count them (DELETE,
    /// MERGE).
    pub removed_rows: Option<u64>,
    /// App transactions (`txn` actions): app id → version.
    pub app_transactions: HashMap<String, i64>,
}

impl Commit {
    /// genolake's record of a withdrawal, if the commit is one.
    pub fn withdrawal(&self) -> Option<&WithdrawalRecord> {
        match &self.genolake {
            Some(GenolakeRecord::Withdrawal { withdrawal, .. }) => Some(withdrawal),
            _ => None,
        }
    }

    /// The genolake version that made the commit, if genolake did.
    pub fn tool_version(&self) -> Option<&str> {
        self.genolake
            .as_ref()
            .and_then(GenolakeRecord::tool_version)
    }

    /// Reads commit `version` from the newline-delimited JSON actions of
    /// its log file (`_delta_log/<version>.json`).
    pub fn from_log(version: i64, bytes: &[u8]) -> Result<Self> {
        Self::parse(version, bytes)
            .map_err(|message| Error::new(format!("commit {version}"), ErrorKind::Options(message)))
    }

    /// Parses the newline-delimited JSON actions of commit `version`.
    pub(crate) fn parse(version: i64, bytes: &[u8]) -> std::result::Result<Self, String> {
        let mut commit = Commit {
            version,
            timestamp: None,
            operation: None,
            operation_parameters: None,
            operation_metrics: None,
            engine: None,
            ingest: None,
            genolake: None,
            added_files: 0,
            added_bytes: 0,
            added_rows: 0,
            removed_files: 0,
            removed_bytes: 0,
            removed_rows: None,
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
                commit.operation_parameters = info.get("operationParameters").cloned();
                commit.operation_metrics = info.get("operationMetrics").cloned();
                commit.engine = info
                    .get("engineInfo")
                    .or_else(|| info.get("clientVersion"))
                    .and_then(Value::as_str)
                    .map(String::from);
                metrics_rows = info
                    .pointer("/operationMetrics/num_added_rows")
                    .and_then(Value::as_u64);
                commit.removed_rows = REMOVED_ROWS_METRICS.iter().find_map(|key| {
                    info.get("operationMetrics")
                        .and_then(|m| m.get(*key))
                        .and_then(metric_count)
                });
                if let Some(record) = info.get(COMMIT_INFO_KEY) {
                    let record = GenolakeRecord::parse(record).map_err(|e| {
                        format!("commit {version} has an unreadable genolake record: {e}")
                    })?;
                    if let GenolakeRecord::Ingest(ingest) = &record {
                        commit.ingest = Some(ingest.clone());
                    }
                    commit.genolake = Some(record);
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
            } else if let Some(remove) = action.get("remove") {
                commit.removed_files += 1;
                commit.removed_bytes += remove.get("size").and_then(Value::as_u64).unwrap_or(0);
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

/// A count in `operationMetrics`: a number, or a number written as text
/// (Spark writes its metrics as strings).
fn metric_count(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
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
    let table = target.open_existing(&Default::default()).await?;
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

/// How an input file an ingest recorded compares with the file at its
/// path now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputStatus {
    /// Same size and SHA-256 as recorded.
    Unchanged,
    /// The file differs from what was ingested: its size and checksum now.
    Changed {
        /// The file as it is now.
        now: InputFile,
    },
    /// No file at the path.
    Missing,
    /// The file is there but could not be read.
    Unreadable(String),
}

/// One recorded input, checked again (see [`verify_inputs`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedInput {
    /// The input as the ingest recorded it.
    pub recorded: InputFile,
    /// The table versions whose ingests read it.
    pub versions: Vec<i64>,
    /// How it compares now.
    pub status: InputStatus,
}

/// Checksums again, where they still exist, the input files that the
/// ingests among `commits` recorded: each distinct (path, checksum) once,
/// each path read once. Relative paths are resolved against the current
/// directory, as they were given to the ingest.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_lake::history::{InputStatus, verify_inputs};
/// use genolake_lake::InputFile;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("calls.vcf");
/// std::fs::write(&path, "one")?;
/// let recorded = InputFile::from_path(&path)?;
/// std::fs::write(&path, "two")?;
/// // A commit's record, as `history` reads it.
/// let commit = genolake_lake::history::Commit::from_log(3, format!(
///     r#"{{"commitInfo":{{"genolake":{{"toolVersion":"genolake","inputs":[{}],"options":{{}},"mode":"append"}}}}}}"#,
///     serde_json::to_string(&recorded)?
/// ).as_bytes())?;
/// let checked = verify_inputs(&[commit]);
/// assert_eq!(checked[0].versions, [3]);
/// assert!(matches!(checked[0].status, InputStatus::Changed { .. }));
/// # Ok(()) }
/// ```
pub fn verify_inputs(commits: &[Commit]) -> Vec<VerifiedInput> {
    let mut checked: Vec<VerifiedInput> = Vec::new();
    // Each path read once: the file as it is now, or why it is not there.
    let mut now: HashMap<String, std::result::Result<InputFile, InputStatus>> = HashMap::new();
    // Oldest first, so the list reads in the order the inputs arrived.
    for commit in commits.iter().rev() {
        let Some(ingest) = &commit.ingest else {
            continue;
        };
        for input in &ingest.provenance.inputs {
            if let Some(seen) = checked.iter_mut().find(|c| c.recorded == *input) {
                seen.versions.push(commit.version);
                continue;
            }
            let status = match now
                .entry(input.path.clone())
                .or_insert_with(|| read_input(&input.path))
            {
                Ok(file) if file.size == input.size && file.sha256 == input.sha256 => {
                    InputStatus::Unchanged
                }
                Ok(file) => InputStatus::Changed { now: file.clone() },
                Err(status) => status.clone(),
            };
            checked.push(VerifiedInput {
                recorded: input.clone(),
                versions: vec![commit.version],
                status,
            });
        }
    }
    checked
}

/// The file at `path` now, or why it cannot be read.
fn read_input(path: &str) -> std::result::Result<InputFile, InputStatus> {
    InputFile::from_path(path).map_err(|e| match e.kind() {
        ErrorKind::Input { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            InputStatus::Missing
        }
        _ => InputStatus::Unreadable(e.to_string()),
    })
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
        assert_eq!(commit.tool_version(), Some("genolake 9"));
        let record = commit.ingest.unwrap();
        assert_eq!(record.mode, SaveMode::Append);
        assert_eq!(record.partition_by, ["contigName"]);
        assert_eq!(record.generation, 2);
        assert_eq!(record.provenance.tool_version, "genolake 9");
        assert_eq!(record.provenance.inputs[0].sha256, "ab");
    }

    #[test]
    fn parses_a_withdrawal_with_hashed_ids_only() {
        let log = br#"{"commitInfo":{"timestamp":7,"operation":"WRITE","operationMetrics":{"num_added_rows":3},"genolake":{"toolVersion":"genolake 9","operation":"WITHDRAW","withdrawal":{"sampleCount":2,"salt":"00ff","hashedIds":["aa","bb"],"reason":null,"infoFields":{"recomputed":["INFO_AC"],"dropped":["INFO_DP4"]},"rowsRewritten":3,"samplesRemoved":2}}}}
{"remove":{"path":"p0","size":40}}
"#;
        let commit = Commit::parse(5, log).unwrap();
        assert!(commit.ingest.is_none());
        let withdrawal = commit.withdrawal().unwrap();
        assert_eq!(withdrawal.sample_count, 2);
        assert_eq!(withdrawal.hashed_ids, ["aa", "bb"]);
        assert_eq!(withdrawal.reason, None);
        assert_eq!(withdrawal.info_fields.recomputed, ["INFO_AC"]);
        assert_eq!(withdrawal.info_fields.dropped, ["INFO_DP4"]);
        assert_eq!(
            (withdrawal.rows_rewritten, withdrawal.samples_removed),
            (3, 2)
        );
        assert_eq!(commit.tool_version(), Some("genolake 9"));
        assert_eq!((commit.removed_files, commit.removed_bytes), (1, 40));
    }

    #[test]
    fn an_unreadable_withdrawal_record_is_kept_as_written() {
        let log = br#"{"commitInfo":{"genolake":{"toolVersion":"genolake 10","operation":"WITHDRAW","withdrawal":{"sampleCount":"three"}}}}
"#;
        let commit = Commit::parse(2, log).unwrap();
        assert_eq!(commit.withdrawal(), None);
        assert_eq!(commit.tool_version(), Some("genolake 10"));
        match commit.genolake.unwrap() {
            GenolakeRecord::Other { record, .. } => {
                assert_eq!(record["withdrawal"]["sampleCount"], "three")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_genolake_operations_and_delta_metrics_are_kept() {
        let log = br#"{"commitInfo":{"operation":"DELETE","operationParameters":{"predicate":"x"},"operationMetrics":{"numDeletedRows":"12"},"genolake":{"toolVersion":"genolake 9","operation":"OPTIMIZE","zorderBy":["start"]}}}
"#;
        let commit = Commit::parse(1, log).unwrap();
        assert_eq!(commit.removed_rows, Some(12));
        assert_eq!(commit.operation_parameters.unwrap()["predicate"], "x");
        match commit.genolake.unwrap() {
            GenolakeRecord::Other {
                operation, record, ..
            } => {
                assert_eq!(operation.as_deref(), Some("OPTIMIZE"));
                assert_eq!(record["zorderBy"][0], "start");
            }
            other => panic!("{other:?}"),
        }
    }
}
