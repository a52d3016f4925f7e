//! `genolake history`: a table's lineage and audit log, one entry per
//! commit, newest first.
//!
//! Each entry says what Delta recorded (version, time, operation, its
//! parameters and metrics, files and rows added and removed, app
//! transactions) and what genolake recorded: an ingest's input files with
//! their sizes and SHA-256 checksums, options, mode and tool version; a
//! withdrawal's sample count, reason and salted hashes (never the ids); the
//! tool version of an optimize or vacuum. `--verify` checksums the recorded
//! inputs again where they still exist and fails if any changed.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use genolake_lake::{Commit, GenolakeRecord, InputStatus, VerifiedInput, verify_inputs};
use serde_json::{Value, json};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Delta table (a directory).
    #[arg(long)]
    table: PathBuf,
    /// Show at most this many commits (the newest).
    #[arg(long)]
    limit: Option<usize>,
    /// How to print: table (one block per commit) or json (one document).
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    format: String,
    /// Checksum the recorded input files again where they still exist;
    /// exit with an error if any changed since it was ingested.
    #[arg(long)]
    verify: bool,
}

pub fn run(args: Args) -> Result<()> {
    let location = args.table.to_string_lossy().into_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let commits = runtime.block_on(genolake_lake::history(&location, args.limit))?;
    let verified = args.verify.then(|| verify_inputs(&commits));
    match args.format.as_str() {
        "json" => {
            let mut document = json!({
                "table": location,
                "commits": commits.iter().map(commit_json).collect::<Vec<_>>(),
            });
            if let Some(verified) = &verified {
                document["verification"] = verified.iter().map(verified_json).collect();
            }
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
        _ => {
            for commit in &commits {
                print!("{}", commit_text(commit));
            }
            if let Some(verified) = &verified {
                print!("{}", verification_text(verified));
            }
        }
    }
    if let Some(verified) = &verified {
        let changed: Vec<&str> = verified
            .iter()
            .filter(|v| matches!(v.status, InputStatus::Changed { .. }))
            .map(|v| v.recorded.path.as_str())
            .collect();
        if !changed.is_empty() {
            bail!(
                "{} input file(s) changed since they were ingested: {}",
                changed.len(),
                changed.join(", ")
            );
        }
    }
    Ok(())
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of milliseconds since the Unix epoch.
fn utc_time(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    let in_day = millis.rem_euclid(86_400_000);
    // Days since 1970-01-01 to a civil date, in 400-year eras of 146,097
    // days that start on March 1st (so the leap day ends a year).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

fn commit_json(commit: &Commit) -> Value {
    let mut value = json!({
        "version": commit.version,
        "timestamp": commit.timestamp,
        "time": commit.timestamp.map(utc_time),
        "operation": commit.operation,
        "operationParameters": commit.operation_parameters,
        "operationMetrics": commit.operation_metrics,
        "engine": commit.engine,
        "toolVersion": commit.tool_version(),
        "addedFiles": commit.added_files,
        "addedBytes": commit.added_bytes,
        "rowsWritten": commit.added_rows,
        "removedFiles": commit.removed_files,
        "removedBytes": commit.removed_bytes,
        "rowsRemoved": commit.removed_rows,
        "appTransactions": commit.app_transactions,
    });
    match &commit.genolake {
        Some(GenolakeRecord::Ingest(ingest)) => {
            value["ingest"] = serde_json::to_value(ingest).unwrap_or(Value::Null);
        }
        Some(GenolakeRecord::Withdrawal { withdrawal, .. }) => {
            value["withdrawal"] = serde_json::to_value(withdrawal).unwrap_or(Value::Null);
        }
        Some(GenolakeRecord::Other {
            operation, record, ..
        }) => {
            value["genolakeOperation"] = json!(operation);
            value["genolake"] = record.clone();
        }
        None => {}
    }
    value
}

fn verified_json(verified: &VerifiedInput) -> Value {
    let (status, now) = match &verified.status {
        InputStatus::Unchanged => ("unchanged", Value::Null),
        InputStatus::Changed { now } => {
            ("changed", json!({"size": now.size, "sha256": now.sha256}))
        }
        InputStatus::Missing => ("missing", Value::Null),
        InputStatus::Unreadable(why) => ("unreadable", json!(why)),
    };
    json!({
        "path": verified.recorded.path,
        "size": verified.recorded.size,
        "sha256": verified.recorded.sha256,
        "versions": verified.versions,
        "status": status,
        "now": now,
    })
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn commit_text(commit: &Commit) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let time = commit.timestamp.map_or_else(|| "?".to_string(), utc_time);
    let operation = commit.operation.as_deref().unwrap_or("?");
    let _ = write!(out, "version {}  {time}  {operation}", commit.version);
    match commit.tool_version() {
        Some(tool) => {
            let _ = writeln!(out, "  by {tool}");
        }
        None => {
            let _ = writeln!(
                out,
                "  by {}",
                commit.engine.as_deref().unwrap_or("another writer")
            );
        }
    }
    // An optimize rewrites rows without changing them.
    let rows = if operation == "OPTIMIZE" {
        "rows rewritten (unchanged)"
    } else {
        "rows written"
    };
    let _ = write!(
        out,
        "  {rows} {}, files added {} ({}), files removed {} ({})",
        commit.added_rows,
        commit.added_files,
        megabytes(commit.added_bytes),
        commit.removed_files,
        megabytes(commit.removed_bytes)
    );
    if let Some(rows) = commit.removed_rows {
        let _ = write!(out, ", rows removed {rows}");
    }
    out.push('\n');
    match &commit.genolake {
        Some(GenolakeRecord::Ingest(ingest)) => {
            let _ = write!(out, "  ingest: mode {}", ingest.mode);
            if !ingest.partition_by.is_empty() {
                let _ = write!(out, ", partitioned by {}", ingest.partition_by.join(","));
            }
            let _ = writeln!(out, ", generation {}", ingest.generation);
            for input in &ingest.provenance.inputs {
                let _ = writeln!(
                    out,
                    "  input: {} ({} bytes, sha256 {})",
                    input.path, input.size, input.sha256
                );
            }
            let _ = writeln!(out, "  options: {}", ingest.provenance.options);
            if let Some(app_id) = &ingest.app_id {
                let _ = writeln!(
                    out,
                    "  app transaction: {app_id} (a re-ingest of the same inputs and options \
                     is skipped and commits nothing)"
                );
            }
        }
        Some(GenolakeRecord::Withdrawal { withdrawal, .. }) => {
            let _ = writeln!(
                out,
                "  withdrawal: {} sample(s) named, {} removed from this table, {} row(s) \
                 rewritten; reason: {}",
                withdrawal.sample_count,
                withdrawal.samples_removed,
                withdrawal.rows_rewritten,
                withdrawal.reason.as_deref().unwrap_or("(none given)")
            );
            let _ = writeln!(
                out,
                "  withdrawn ids recorded as {} salted SHA-256 hash(es) (salt {}), never in clear",
                withdrawal.hashed_ids.len(),
                withdrawal.salt
            );
            let fields = &withdrawal.info_fields;
            if !fields.recomputed.is_empty() || !fields.dropped.is_empty() {
                let _ = writeln!(
                    out,
                    "  INFO recomputed: {}; INFO dropped: {}",
                    list_or_none(&fields.recomputed),
                    list_or_none(&fields.dropped)
                );
            }
        }
        Some(GenolakeRecord::Other { record, .. }) => {
            let mut details = record.clone();
            if let Some(map) = details.as_object_mut() {
                map.remove("toolVersion");
                map.remove("operation");
            }
            if details.as_object().is_some_and(|m| !m.is_empty()) {
                let _ = writeln!(out, "  genolake: {details}");
            }
        }
        None => {}
    }
    if let Some(parameters) = &commit.operation_parameters
        && parameters.as_object().is_some_and(|p| !p.is_empty())
    {
        let _ = writeln!(out, "  parameters: {parameters}");
    }
    if let Some(metrics) = &commit.operation_metrics
        && metrics.as_object().is_some_and(|m| !m.is_empty())
    {
        let _ = writeln!(out, "  metrics: {metrics}");
    }
    let ingest_app_id = commit.ingest.as_ref().and_then(|i| i.app_id.as_deref());
    for (app_id, version) in &commit.app_transactions {
        if Some(app_id.as_str()) != ingest_app_id {
            let _ = writeln!(out, "  app transaction: {app_id} = {version}");
        }
    }
    out.push('\n');
    out
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

fn verification_text(verified: &[VerifiedInput]) -> String {
    use std::fmt::Write;
    let mut out = String::from("inputs checked again:\n");
    if verified.is_empty() {
        out.push_str("  no commit shown records input files\n");
    }
    for input in verified {
        let versions: Vec<String> = input.versions.iter().map(i64::to_string).collect();
        let status = match &input.status {
            InputStatus::Unchanged => "unchanged".to_string(),
            InputStatus::Changed { now } => format!(
                "CHANGED: now {} bytes, sha256 {} (ingested: {} bytes, sha256 {})",
                now.size, now.sha256, input.recorded.size, input.recorded.sha256
            ),
            InputStatus::Missing => "missing (not checked)".to_string(),
            InputStatus::Unreadable(why) => format!("unreadable: {why}"),
        };
        let _ = writeln!(
            out,
            "  {} (version {}): {status}",
            input.recorded.path,
            versions.join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_match_known_dates() {
        assert_eq!(utc_time(0), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 (a leap day of a year divisible by 400), 12:34:56.789.
        assert_eq!(utc_time(951_827_696_789), "2000-02-29T12:34:56.789Z");
        assert_eq!(utc_time(1_796_601_600_000), "2026-12-07T00:00:00.000Z");
        assert_eq!(utc_time(-1), "1969-12-31T23:59:59.999Z");
    }
}
