//! Ingest into Delta, checked with an independent reader: the Python
//! `deltalake` package (see `read_delta.py`).
//!
//! The interpreter is `$GENOLAKE_PYTHON`, by default the workspace's
//! `.venv/bin/python`. If it is missing the tests fail, unless
//! `GENOLAKE_SKIP_PYTHON=1`, which skips the Python read-back (the Rust-side
//! checks still run).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::datasource::MemTable;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::prelude::SessionContext;
use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use deltalake::parquet::basic::{Compression, Encoding};
use deltalake::parquet::file::reader::{FileReader, SerializedFileReader};
use genolake_lake::{
    Error, ErrorKind, Ingest, IngestSummary, Layout, Outcome, Provenance, SaveMode, SchemaMode,
    blocking_stream,
};
use genolake_vcf::{Reader, ReaderOptions};
use serde_json::{Value, json};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/glow")
        .join(name)
}

/// 1kg_sample.vcf: 3 samples, one contig.
fn kg_sample() -> PathBuf {
    data("1kg_sample.vcf")
}

/// CEUTrio: 3 samples, contigs 20 and 21.
fn ceu_trio() -> PathBuf {
    data("CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf")
}

/// 1000 Genomes phase 3, chr20, BGZF: 2,504 samples.
fn thousand_genomes() -> PathBuf {
    data("tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz")
}

fn read_vcf(path: &Path) -> (SchemaRef, Vec<RecordBatch>) {
    let reader = Reader::open(path).unwrap();
    let schema = reader.schema();
    let batches = reader.into_iter().collect::<Result<Vec<_>, _>>().unwrap();
    (schema, batches)
}

/// A VCF file as a stream, decoded on the blocking pool as the writer pulls.
fn vcf_stream(path: &Path) -> SendableRecordBatchStream {
    vcf_stream_with(path, ReaderOptions::default())
}

fn vcf_stream_with(path: &Path, options: ReaderOptions) -> SendableRecordBatchStream {
    let reader = Reader::builder(path).options(options).build().unwrap();
    blocking_stream(reader.schema(), reader)
}

async fn provenance_of(path: &Path) -> Provenance {
    Provenance::from_paths([path], json!({"validationStringency": "strict"}))
        .await
        .unwrap()
}

fn table_dir() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("variants").to_str().unwrap().to_string();
    (dir, table)
}

/// The columns compared with the Python read-back, as JSON rows with
/// explicit nulls, sorted so row order does not matter.
fn rows_of(batches: &[RecordBatch]) -> Vec<Value> {
    let mut writer = arrow::json::ArrayWriter::new(Vec::new());
    for batch in batches {
        writer.write(batch).unwrap();
    }
    writer.finish().unwrap();
    let rows: Value = serde_json::from_slice(&writer.into_inner()).unwrap_or(json!([]));
    let field = |v: &Value, k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    let mut rows: Vec<Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let genotypes = r.get("genotypes").and_then(Value::as_array).map(|gs| {
                gs.iter()
                    .map(|g| {
                        json!({
                            "sampleId": field(g, "sampleId"),
                            "phased": field(g, "phased"),
                            "calls": field(g, "calls"),
                        })
                    })
                    .collect::<Vec<_>>()
            });
            json!({
                "contigName": field(r, "contigName"),
                "start": field(r, "start"),
                "end": field(r, "end"),
                "referenceAllele": field(r, "referenceAllele"),
                "alternateAlleles": field(r, "alternateAlleles"),
                "genotypes": genotypes,
            })
        })
        .collect();
    sort_rows(&mut rows);
    rows
}

fn sort_rows(rows: &mut [Value]) {
    rows.sort_by_cached_key(|r| r.to_string());
}

fn python() -> Option<PathBuf> {
    let python = std::env::var_os("GENOLAKE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"));
    if python.exists() {
        return Some(python);
    }
    if std::env::var("GENOLAKE_SKIP_PYTHON").as_deref() == Ok("1") {
        eprintln!("GENOLAKE_SKIP_PYTHON=1: skipping the Python deltalake read-back");
        return None;
    }
    panic!(
        "the Python interpreter {} is missing: create a venv there with `deltalake`, \
         point GENOLAKE_PYTHON at one, or set GENOLAKE_SKIP_PYTHON=1 to skip the Python checks",
        python.display()
    );
}

/// The table as the Python `deltalake` package reads it (`None` when
/// skipped); `app_ids` are looked up with `transaction_version`.
fn read_with_python(table: &str, app_ids: &[&str]) -> Option<Value> {
    let python = python()?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/read_delta.py");
    let output = Command::new(&python)
        .arg(script)
        .arg(table)
        .args(app_ids)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        output.status.success(),
        "read_delta.py failed on {table}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut value: Value = serde_json::from_slice(&output.stdout).unwrap();
    sort_rows(value["rows"].as_array_mut().unwrap());
    Some(value)
}

/// Row count as delta-rs's own DataFusion provider reads the table.
async fn rust_row_count(table: &str) -> usize {
    let table = deltalake::open_table(deltalake::ensure_table_uri(table).unwrap())
        .await
        .unwrap();
    let ctx = SessionContext::new();
    table.update_datafusion_session(&ctx.state()).unwrap();
    let provider = table.table_provider().await.unwrap();
    ctx.read_table(provider).unwrap().count().await.unwrap()
}

async fn table_version(table: &str) -> i64 {
    let version = deltalake::open_table(deltalake::ensure_table_uri(table).unwrap())
        .await
        .unwrap()
        .version()
        .unwrap();
    i64::try_from(version).unwrap()
}

fn has_delta_commit(dir: &Path) -> bool {
    std::fs::read_dir(dir.join("_delta_log"))
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".json"))
        })
        .unwrap_or(false)
}

fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("_delta_log") {
                files.extend(parquet_files(&path));
            }
        } else if path.extension().is_some_and(|e| e == "parquet") {
            files.push(path);
        }
    }
    files
}

/// Copies a VCF with the POS of its last record made non-numeric; returns
/// that record's line number.
fn corrupt_last_record(from: &Path, to: &Path) -> usize {
    let text = std::fs::read_to_string(from).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let last = lines.len() - 1;
    let fields: Vec<&str> = lines[last].split('\t').collect();
    lines[last] = [&[fields[0], "12x45"], &fields[2..]].concat().join("\t");
    std::fs::write(to, lines.join("\n") + "\n").unwrap();
    last + 1
}

fn committed(summary: &IngestSummary) {
    assert_eq!(summary.outcome, Outcome::Committed, "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dataframe_ingest_reads_back_identically_with_python_deltalake() {
    let (_dir, table) = table_dir();
    let (_, batches) = read_vcf(&kg_sample());
    let expected = rows_of(&batches);
    let df = SessionContext::new().read_batches(batches).unwrap();

    let summary = Ingest::new(&table).execute(df).await.unwrap();
    committed(&summary);
    assert_eq!(summary.version, 0);
    assert_eq!(summary.rows as usize, expected.len());
    assert!(summary.files >= 1 && summary.bytes > 0);
    assert_eq!(rust_row_count(&table).await, expected.len());

    let Some(read) = read_with_python(&table, &[]) else {
        return;
    };
    assert_eq!(read["num_rows"], expected.len());
    assert_eq!(read["rows"].as_array().unwrap(), &expected);
    // Nested types survive: a list of structs with a list of calls inside.
    let genotypes = read["types"]["genotypes"].as_str().unwrap();
    assert!(
        genotypes.contains("sampleId") && genotypes.contains("calls"),
        "{genotypes}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_ingest_of_1000_genomes_reads_back_identically() {
    let (_dir, table) = table_dir();
    let (_, batches) = read_vcf(&thousand_genomes());
    let expected = rows_of(&batches);
    assert!(expected[0]["genotypes"].as_array().unwrap().len() > 2000);

    let summary = Ingest::new(&table)
        .provenance(provenance_of(&thousand_genomes()).await)
        .execute_stream(vcf_stream(&thousand_genomes()))
        .await
        .unwrap();
    committed(&summary);
    assert_eq!(summary.rows as usize, expected.len());

    let Some(read) = read_with_python(&table, &[]) else {
        return;
    };
    assert_eq!(read["rows"].as_array().unwrap(), &expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partition_by_contig_name_is_readable_by_python_deltalake() {
    let (dir, table) = table_dir();
    let (_, batches) = read_vcf(&ceu_trio());
    let expected = rows_of(&batches);

    let summary = Ingest::new(&table)
        .partition_by(["contigName"])
        .execute_stream(vcf_stream(&ceu_trio()))
        .await
        .unwrap();
    committed(&summary);
    assert_eq!(summary.rows as usize, expected.len());
    let root = dir.path().join("variants");
    for contig in ["20", "21"] {
        let partition = root.join(format!("contigName={contig}"));
        assert!(
            !parquet_files(&partition).is_empty(),
            "no files in {}",
            partition.display()
        );
    }
    assert_eq!(rust_row_count(&table).await, expected.len());

    let Some(read) = read_with_python(&table, &[]) else {
        return;
    };
    assert_eq!(read["partition_columns"], json!(["contigName"]));
    assert_eq!(read["rows"].as_array().unwrap(), &expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_twice_doubles_rows_and_an_idempotent_reingest_is_skipped() {
    let (_dir, table) = table_dir();
    let vcf = kg_sample();
    let (_, batches) = read_vcf(&vcf);
    let once = rows_of(&batches);
    let provenance = provenance_of(&vcf).await;

    let first = Ingest::new(&table)
        .provenance(provenance.clone())
        .execute_stream(vcf_stream(&vcf))
        .await
        .unwrap();
    committed(&first);
    let app_id = first.app_id.clone().unwrap();
    assert_eq!(app_id, provenance.app_id());

    // Idempotency off: a plain append duplicates the rows.
    let second = Ingest::new(&table)
        .mode(SaveMode::Append)
        .provenance(provenance.clone())
        .idempotent(false)
        .execute_stream(vcf_stream(&vcf))
        .await
        .unwrap();
    committed(&second);
    assert_eq!(second.version, 1);
    assert_eq!(rust_row_count(&table).await, 2 * once.len());

    // Idempotency on (the default): the same content again is skipped.
    let third = Ingest::new(&table)
        .mode(SaveMode::Append)
        .provenance(provenance.clone())
        .execute_stream(vcf_stream(&vcf))
        .await
        .unwrap();
    assert_eq!(
        third.outcome,
        Outcome::Skipped {
            committed_in: Some(0)
        }
    );
    assert_eq!((third.version, third.rows), (1, 0));
    let message = third.to_string();
    assert!(
        message.contains("already ingested") && message.contains(&app_id),
        "{message}"
    );
    assert_eq!(table_version(&table).await, 1);

    // Other content is appended.
    let other = Ingest::new(&table)
        .mode(SaveMode::Append)
        .provenance(provenance_of(&data("NA12878_21_10002403.vcf")).await)
        .execute_stream(vcf_stream(&data("NA12878_21_10002403.vcf")))
        .await
        .unwrap();
    committed(&other);
    assert_eq!(other.version, 2);

    let Some(read) = read_with_python(&table, &[&app_id]) else {
        return;
    };
    assert_eq!(read["version"], 2);
    assert_eq!(read["num_rows"], 2 * once.len() + other.rows as usize);
    assert_eq!(read["transactions"][&app_id], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overwrite_replaces_rows_and_schema_and_starts_a_new_generation() {
    let (_dir, table) = table_dir();
    let (kg, ceu) = (kg_sample(), ceu_trio());
    let kg_provenance = provenance_of(&kg).await;
    Ingest::new(&table)
        .provenance(kg_provenance.clone())
        .execute_stream(vcf_stream(&kg))
        .await
        .unwrap();

    // CEUTrio has other INFO columns: the overwrite replaces the schema too.
    let overwrite = Ingest::new(&table)
        .mode(SaveMode::Overwrite)
        .partition_by(["contigName"])
        .provenance(provenance_of(&ceu).await)
        .execute_stream(vcf_stream(&ceu))
        .await
        .unwrap();
    committed(&overwrite);
    assert_eq!((overwrite.version, overwrite.generation), (1, 1));
    assert!(overwrite.removed_files >= 1);
    let (_, ceu_batches) = read_vcf(&ceu);
    let ceu_rows = rows_of(&ceu_batches);
    assert_eq!(rust_row_count(&table).await, ceu_rows.len());
    if let Some(read) = read_with_python(&table, &[]) {
        assert_eq!(read["rows"].as_array().unwrap(), &ceu_rows);
        assert_eq!(read["partition_columns"], json!(["contigName"]));
    }

    // The first content was overwritten, so it is not skipped any more.
    let again = Ingest::new(&table)
        .mode(SaveMode::Append)
        .provenance(kg_provenance)
        .execute_stream(vcf_stream(&kg))
        .await
        .unwrap();
    committed(&again);
    assert_eq!(again.generation, 1);
    let (_, kg_batches) = read_vcf(&kg);
    assert_eq!(
        rust_row_count(&table).await,
        ceu_rows.len() + rows_of(&kg_batches).len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_mode_on_an_existing_table_fails_naming_the_path_and_the_flags() {
    let (_dir, table) = table_dir();
    Ingest::new(&table)
        .execute_stream(vcf_stream(&kg_sample()))
        .await
        .unwrap();

    let err: Error = Ingest::new(&table)
        .execute_stream(vcf_stream(&kg_sample()))
        .await
        .unwrap_err();
    assert!(err.is_table_exists());
    let message = err.to_string();
    for part in [
        table.as_str(),
        "already exists",
        "--mode append",
        "--mode overwrite",
    ] {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
    assert_eq!(table_version(&table).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_info_carries_the_provenance() {
    let (_dir, table) = table_dir();
    let vcf = kg_sample();
    let options = json!({"validationStringency": "strict", "includeSampleIds": true});
    let provenance = Provenance::from_paths([&vcf], options.clone())
        .await
        .unwrap();
    let summary = Ingest::new(&table)
        .partition_by(["contigName"])
        .provenance(provenance.clone())
        .execute_stream(vcf_stream(&vcf))
        .await
        .unwrap();

    // The checksum, computed by an independent tool.
    let sha256sum = Command::new("sha256sum").arg(&vcf).output().unwrap();
    let sha256 = String::from_utf8(sha256sum.stdout).unwrap();
    let sha256 = sha256.split_whitespace().next().unwrap();
    let size = std::fs::metadata(&vcf).unwrap().len();

    let commits = genolake_lake::history(&table, None).await.unwrap();
    assert_eq!(commits.len(), 1);
    let record = commits[0].ingest.as_ref().unwrap();
    assert_eq!(record.provenance.inputs.len(), 1);
    let input = &record.provenance.inputs[0];
    assert_eq!(input.path, vcf.display().to_string());
    assert_eq!((input.size, input.sha256.as_str()), (size, sha256));
    assert_eq!(record.provenance.options, options);
    assert_eq!(
        record.provenance.tool_version,
        format!("genolake {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(record.mode, SaveMode::ErrorIfExists);
    assert_eq!(record.partition_by, ["contigName"]);
    assert_eq!(record.app_id, summary.app_id);
    assert_eq!(
        commits[0].app_transactions[summary.app_id.as_ref().unwrap()],
        0
    );
    assert_eq!(commits[0].added_rows, summary.rows);

    // The same record through delta-rs's history API...
    let delta = deltalake::open_table(deltalake::ensure_table_uri(&table).unwrap())
        .await
        .unwrap();
    let history: Vec<_> = futures::TryStreamExt::try_collect(delta.history(None))
        .await
        .unwrap();
    assert_eq!(history[0].info["genolake"]["inputs"][0]["sha256"], sha256);

    // ...and through Python's.
    let app_id = summary.app_id.as_deref().unwrap();
    let Some(read) = read_with_python(&table, &[app_id]) else {
        return;
    };
    let genolake = &read["history"][0]["genolake"];
    assert_eq!(genolake["inputs"][0]["sha256"], sha256);
    assert_eq!(genolake["inputs"][0]["size"], size);
    assert_eq!(genolake["options"], options);
    assert_eq!(genolake["toolVersion"], record.provenance.tool_version);
    assert_eq!(read["transactions"][app_id], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_input_stream_leaves_no_table_behind() {
    let (dir, table) = table_dir();
    let (schema, batches) = read_vcf(&kg_sample());
    let input: Vec<Result<RecordBatch, std::io::Error>> = vec![
        Ok(batches[0].clone()),
        Ok(batches[0].clone()),
        Err(std::io::Error::other("the input broke off")),
    ];
    let err = Ingest::new(&table)
        .execute_stream(blocking_stream(schema.clone(), input))
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Write(_)), "{err}");
    let message = err.to_string();
    assert!(message.contains("the input broke off"), "{message}");
    assert!(message.contains("nothing was committed"), "{message}");
    assert!(
        !dir.path().join("variants").exists(),
        "a failed first ingest left its directory"
    );

    // An existing empty directory is left empty.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let input: Vec<Result<RecordBatch, std::io::Error>> =
        vec![Ok(batches[0].clone()), Err(std::io::Error::other("broken"))];
    Ingest::new(empty.to_str().unwrap())
        .execute_stream(blocking_stream(schema, input))
        .await
        .unwrap_err();
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_vcf_line_in_strict_mode_leaves_an_existing_table_unchanged() {
    let (dir, table) = table_dir();
    let vcf = kg_sample();
    Ingest::new(&table)
        .partition_by(["contigName"])
        .execute_stream(vcf_stream(&vcf))
        .await
        .unwrap();
    let rows_before = rust_row_count(&table).await;
    let mut files_before = parquet_files(&dir.path().join("variants"));
    files_before.sort();

    // The first batches decode and go to the writer before the strict
    // reader meets the broken last record.
    let bad = dir.path().join("bad.vcf");
    let line = corrupt_last_record(&vcf, &bad);
    let options = ReaderOptions {
        batch_size: Some(4),
        ..ReaderOptions::default()
    };

    let err = Ingest::new(&table)
        .mode(SaveMode::Append)
        .provenance(provenance_of(&bad).await)
        .execute_stream(vcf_stream_with(&bad, options))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("bad.vcf"), "{message}");
    assert!(message.contains(&format!("line {line}")), "{message}");
    assert_eq!(table_version(&table).await, 0);
    assert_eq!(rust_row_count(&table).await, rows_before);
    assert!(has_delta_commit(&dir.path().join("variants")));
    // The files written before the broken line were deleted.
    let mut files_after = parquet_files(&dir.path().join("variants"));
    files_after.sort();
    assert_eq!(files_after, files_before);
    let Some(read) = read_with_python(&table, &[]) else {
        return;
    };
    assert_eq!(
        (read["version"].as_i64(), read["num_rows"].as_u64()),
        (Some(0), Some(rows_before as u64))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_vcf_in_a_first_ingest_leaves_no_delta_log_commit() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.vcf");
    corrupt_last_record(&kg_sample(), &bad);
    let table = dir.path().join("t");
    let options = ReaderOptions {
        batch_size: Some(2),
        ..ReaderOptions::default()
    };
    Ingest::new(table.to_str().unwrap())
        .execute_stream(vcf_stream_with(&bad, options))
        .await
        .unwrap_err();
    assert!(!has_delta_commit(&table));
    assert!(!table.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn genotype_leaves_are_written_without_statistics_or_dictionaries_and_calls_delta_encoded() {
    let (dir, table) = table_dir();
    Ingest::new(&table)
        .execute_stream(vcf_stream(&thousand_genomes()))
        .await
        .unwrap();
    let files = parquet_files(&dir.path().join("variants"));
    assert!(!files.is_empty());
    let reader = SerializedFileReader::new(std::fs::File::open(&files[0]).unwrap()).unwrap();
    let metadata = reader.metadata();
    let row_group = metadata.row_group(0);
    let mut seen = Vec::new();
    for column in row_group.columns() {
        let path = column.column_path().string();
        let dictionary = column.dictionary_page_offset().is_some();
        let statistics = column.statistics().is_some();
        assert!(
            matches!(column.compression(), Compression::ZSTD(_)),
            "{path}"
        );
        match path.as_str() {
            "contigName" => assert!(dictionary && statistics, "{path}"),
            "start" | "end" => assert!(statistics && !dictionary, "{path}"),
            "genotypes.list.element.sampleId" | "genotypes.list.item.sampleId" => {
                assert!(dictionary && !statistics, "{path}")
            }
            p if p.starts_with("genotypes.") => {
                assert!(!dictionary && !statistics, "{path}");
                let encodings: Vec<Encoding> = column.encodings().collect();
                assert!(!encodings.contains(&Encoding::RLE_DICTIONARY), "{path}");
                if p.contains(".calls.") {
                    assert!(
                        encodings.contains(&Encoding::DELTA_BINARY_PACKED),
                        "{path}: {encodings:?}"
                    );
                }
            }
            _ => {}
        }
        seen.push(path);
    }
    // Lists are named `element` (Parquet's standard) or `item` (Arrow's
    // default) depending on the path delta-rs writes through; both are covered.
    for path in [
        "genotypes.list.element.sampleId",
        "genotypes.list.element.phased",
        "genotypes.list.element.calls.list.element",
    ] {
        let arrow_naming = path.replace("element", "item");
        assert!(
            seen.iter().any(|p| *p == path || *p == arrow_naming),
            "{path} not among {seen:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_streams_ingest_in_one_commit() {
    let (_dir, table) = table_dir();
    let ceu = ceu_trio();
    let provenance = Provenance::from_paths([&ceu, &ceu], json!({}))
        .await
        .unwrap();
    let summary = Ingest::new(&table)
        .provenance(provenance)
        .execute_streams(vec![vcf_stream(&ceu), vcf_stream(&ceu)])
        .await
        .unwrap();
    committed(&summary);
    let (_, batches) = read_vcf(&ceu);
    assert_eq!(summary.rows as usize, 2 * rows_of(&batches).len());
    assert_eq!(summary.version, 0);

    // Streams whose columns conflict are refused before anything is written.
    let dir = tempfile::tempdir().unwrap();
    let err = Ingest::new(&table)
        .mode(SaveMode::Append)
        .execute_streams(vec![
            vcf_stream(&cohort_vcf(dir.path(), BATCH_A)),
            vcf_stream(&cohort_vcf(dir.path(), XA_AS_STRING)),
        ])
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("column INFO_XA is Int32 in input stream 1 but Utf8 in input stream 2"),
        "{err}"
    );
    assert_eq!(table_version(&table).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_partition_column_is_refused_naming_the_columns() {
    let (dir, table) = table_dir();
    let err = Ingest::new(&table)
        .partition_by(["chrom"])
        .execute_stream(vcf_stream(&kg_sample()))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("\"chrom\"") && message.contains("contigName"),
        "{message}"
    );
    assert!(!dir.path().join("variants").exists());
}

/// The (contigName, start) of every row, sorted: which rows a batch set
/// holds. `contig` stands for a missing `contigName` (a partition column).
fn row_keys_with(batches: &[RecordBatch], contig: Option<&str>) -> Vec<(String, i64)> {
    let mut keys = Vec::new();
    for batch in batches {
        let contigs = batch
            .column_by_name("contigName")
            .map(|c| arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8).unwrap());
        let contigs = contigs.as_ref().map(|c| {
            c.as_any()
                .downcast_ref::<arrow::array::StringArray>()
                .unwrap()
        });
        let starts = batch
            .column_by_name("start")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow::array::Int64Array>()
            .unwrap();
        for row in 0..batch.num_rows() {
            let name = contigs.map_or_else(|| contig.unwrap().to_string(), |c| c.value(row).into());
            keys.push((name, starts.value(row)));
        }
    }
    keys.sort();
    keys
}

fn row_keys(batches: &[RecordBatch]) -> Vec<(String, i64)> {
    row_keys_with(batches, None)
}

/// The row keys of a data file, its contig taken from a `contigName=`
/// directory when the table is partitioned by it.
fn parquet_row_keys(file: &Path) -> Vec<(String, i64)> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let partition = file
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|d| d.to_str())
        .and_then(|d| d.strip_prefix("contigName="));
    row_keys_with(&reader.collect::<Result<Vec<_>, _>>().unwrap(), partition)
}

/// CEUTrio cut in two halves of 100-row batches.
fn ceu_trio_halves() -> (SchemaRef, Vec<RecordBatch>, Vec<RecordBatch>) {
    let options = ReaderOptions {
        batch_size: Some(100),
        ..ReaderOptions::default()
    };
    let reader = Reader::builder(ceu_trio())
        .options(options)
        .build()
        .unwrap();
    let schema = reader.schema();
    let mut first = reader.into_iter().collect::<Result<Vec<_>, _>>().unwrap();
    assert!(first.len() >= 4, "{} batches", first.len());
    let second = first.split_off(first.len() / 2);
    (schema, first, second)
}

/// Streams of `parts` that cannot end unless they are read at the same time:
/// after its first batch each one waits (up to a minute) until every other
/// one has produced its first batch too, and fails otherwise. A writer that
/// drained the streams one after the other would fail the ingest.
fn lockstep_streams(
    schema: &SchemaRef,
    parts: Vec<Vec<RecordBatch>>,
) -> Vec<SendableRecordBatchStream> {
    let arrived = Arc::new((Mutex::new(0), Condvar::new()));
    let streams = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(index, batches)| {
            let arrived = arrived.clone();
            let items = batches.into_iter().enumerate().map(move |(i, batch)| {
                if i == 1 {
                    let (count, all_in) = &*arrived;
                    *count.lock().unwrap() += 1;
                    all_in.notify_all();
                    let (count, wait) = all_in
                        .wait_timeout_while(count.lock().unwrap(), Duration::from_secs(60), |n| {
                            *n < streams
                        })
                        .unwrap();
                    if wait.timed_out() {
                        return Err(std::io::Error::other(format!(
                            "stream {index} was not read concurrently with the others \
                             ({} of {streams} started)",
                            *count
                        )));
                    }
                }
                Ok(batch)
            });
            blocking_stream(schema.clone(), items)
        })
        .collect()
}

/// How many writers an ingest of `streams` streams runs at once.
fn writers_for(streams: usize) -> usize {
    streams.min(std::thread::available_parallelism().map_or(1, |n| n.get()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_streams_are_encoded_by_concurrent_writers_and_read_back_identically() {
    let (dir, table) = table_dir();
    let (schema, first, second) = ceu_trio_halves();
    let all: Vec<_> = first.iter().chain(&second).cloned().collect();
    let halves = [row_keys(&first), row_keys(&second)];

    let summary = Ingest::new(&table)
        .execute_streams(lockstep_streams(&schema, vec![first, second]))
        .await
        .unwrap();
    committed(&summary);
    assert_eq!(
        summary.rows as usize,
        all.iter().map(|b| b.num_rows()).sum::<usize>()
    );

    // One writer per stream, each with its own file holding exactly its
    // stream's rows: the streams were encoded side by side, not merged into
    // one writer.
    let files = parquet_files(&dir.path().join("variants"));
    assert_eq!(summary.files as usize, writers_for(2));
    assert_eq!(files.len(), writers_for(2));
    if files.len() == 2 {
        let mut written: Vec<_> = files.iter().map(|f| parquet_row_keys(f)).collect();
        written.sort();
        let mut expected = halves.to_vec();
        expected.sort();
        assert_eq!(written, expected);
    }

    assert_eq!(rust_row_count(&table).await, row_keys(&all).len());
    let Some(read) = read_with_python(&table, &[]) else {
        return;
    };
    assert_eq!(read["files"], writers_for(2));
    assert_eq!(read["rows"].as_array().unwrap(), &rows_of(&all));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_partition_of_a_dataframe_is_encoded_by_its_own_writer() {
    let (dir, table) = table_dir();
    let (schema, first, second) = ceu_trio_halves();
    let all: Vec<_> = first.iter().chain(&second).cloned().collect();
    let halves = [row_keys(&first), row_keys(&second)];
    let input = MemTable::try_new(schema, vec![first, second]).unwrap();
    let df = SessionContext::new().read_table(Arc::new(input)).unwrap();

    let summary = Ingest::new(&table)
        .partition_by(["contigName"])
        .execute(df)
        .await
        .unwrap();
    committed(&summary);

    // The halves meet at one contig: with a writer per partition, each
    // writes its own files in the partition directories it reaches.
    let mut written: Vec<_> = parquet_files(&dir.path().join("variants"))
        .iter()
        .map(|f| parquet_row_keys(f))
        .collect();
    assert_eq!(written.len() as u64, summary.files);
    if writers_for(2) == 2 {
        for half in &halves {
            let mut mine: Vec<_> = written
                .iter()
                .filter(|keys| keys.iter().all(|k| half.binary_search(k).is_ok()))
                .flatten()
                .cloned()
                .collect();
            mine.sort();
            assert_eq!(&mine, half);
        }
    }
    written.sort();

    let Some(read) = read_with_python(&table, &[]) else {
        return;
    };
    assert_eq!(read["partition_columns"], json!(["contigName"]));
    assert_eq!(read["rows"].as_array().unwrap(), &rows_of(&all));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_stream_stops_the_other_writers_and_deletes_their_files() {
    let (dir, table) = table_dir();
    let (schema, first, second) = ceu_trio_halves();
    Ingest::new(&table)
        .execute_stream(blocking_stream(
            schema.clone(),
            first.clone().into_iter().map(Ok::<_, std::io::Error>),
        ))
        .await
        .unwrap();
    let root = dir.path().join("variants");
    let files_before = parquet_files(&root);

    // One stream runs to its end; the other breaks off after a batch. A
    // tiny target file size makes the healthy writer finish files before
    // the failure, which must not survive it.
    let (done, healthy_done) = std::sync::mpsc::channel();
    let mut batches = first.into_iter();
    let healthy = blocking_stream(
        schema.clone(),
        std::iter::from_fn(move || {
            let next = batches.next();
            if next.is_none() {
                let _ = done.send(());
            }
            next.map(Ok::<_, std::io::Error>)
        }),
    );
    let mut broken_batches = vec![Ok(second[0].clone())].into_iter();
    let broken = blocking_stream(
        schema.clone(),
        std::iter::from_fn(move || {
            broken_batches.next().or_else(|| {
                // Break off once the healthy writer has all but its last
                // couple of batches, so it has finished files by then.
                let _ = healthy_done.recv_timeout(Duration::from_secs(60));
                None
            })
        })
        .chain(std::iter::once(Err(std::io::Error::other(
            "the second split broke off",
        )))),
    );
    let err = Ingest::new(&table)
        .mode(SaveMode::Append)
        .target_file_size(1)
        .execute_streams(vec![healthy, broken])
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("the second split broke off"), "{message}");
    assert!(message.contains("nothing was committed"), "{message}");
    assert_eq!(table_version(&table).await, 0);
    let mut files_after = parquet_files(&root);
    files_after.sort();
    let mut files_before = files_before;
    files_before.sort();
    assert_eq!(
        files_after, files_before,
        "the failed ingest left data files"
    );
}

// Appending files whose headers differ: the small cohort files below, each
// `(file name, text)`, declare different INFO and FORMAT keys.

/// The first batch of a cohort: INFO XA (Integer) and BB (Float), FORMAT
/// GT:DP, samples S1 and S2.
const BATCH_A: (&str, &str) = (
    "a.vcf",
    include_str!("../../../testdata/schema-merge/a.vcf"),
);

/// A later batch: a new INFO key CC (String), BB declared Integer (its
/// values fit the table's Float64), a new FORMAT key GQ before DP, sample S3.
const BATCH_B: (&str, &str) = (
    "b.vcf",
    include_str!("../../../testdata/schema-merge/b.vcf"),
);

/// XA declared String: a real conflict with BATCH_A's Integer.
const XA_AS_STRING: (&str, &str) = (
    "c.vcf",
    include_str!("../../../testdata/schema-merge/xa-string.vcf"),
);

/// XA declared Float: the table's Int32 column would have to widen.
const XA_AS_FLOAT: (&str, &str) = (
    "d.vcf",
    include_str!("../../../testdata/schema-merge/xa-float.vcf"),
);

fn cohort_vcf(dir: &Path, (name, text): (&str, &str)) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn vcf_schema(path: &Path) -> SchemaRef {
    Reader::open(path).unwrap().schema()
}

/// The rows of BATCH_A and BATCH_B in one table, as every reader must give
/// them: columns a file lacks are null in its rows, BB's integer is a float.
fn merged_cohort_rows() -> Value {
    json!([
        {"start": 99, "INFO_XA": 1, "INFO_CC": null, "INFO_BB": 0.5, "genotypes": [
            {"sampleId": "S1", "calls": [0, 1], "conditionalQuality": null, "depth": 10},
            {"sampleId": "S2", "calls": [1, 1], "conditionalQuality": null, "depth": 20}]},
        {"start": 199, "INFO_XA": 2, "INFO_CC": null, "INFO_BB": null, "genotypes": [
            {"sampleId": "S1", "calls": [0, 0], "conditionalQuality": null, "depth": 30},
            {"sampleId": "S2", "calls": [0, 1], "conditionalQuality": null, "depth": 40}]},
        {"start": 299, "INFO_XA": 3, "INFO_CC": "x", "INFO_BB": 7.0, "genotypes": [
            {"sampleId": "S3", "calls": [1, 1], "conditionalQuality": 99, "depth": 5}]},
    ])
}

/// The merged table's columns: the Glow order, new INFO columns before
/// `genotypes`, the new genotype field before the one that follows it in
/// its header.
const MERGED_COLUMNS: &[&str] = &[
    "contigName",
    "start",
    "end",
    "names",
    "referenceAllele",
    "alternateAlleles",
    "qual",
    "filters",
    "splitFromMultiAllelic",
    "INFO_XA",
    "INFO_CC",
    "INFO_BB",
    "genotypes",
];
const MERGED_GENOTYPE_FIELDS: &[&str] =
    &["sampleId", "phased", "calls", "conditionalQuality", "depth"];

/// `rows` (JSON objects, sorted by start) cut to the columns
/// `merged_cohort_rows` holds, with explicit nulls.
fn cohort_columns(rows: &Value) -> Value {
    let field = |v: &Value, k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    let rows: Vec<Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let genotypes: Vec<Value> = r["genotypes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| {
                    json!({
                        "sampleId": field(g, "sampleId"),
                        "calls": field(g, "calls"),
                        "conditionalQuality": field(g, "conditionalQuality"),
                        "depth": field(g, "depth"),
                    })
                })
                .collect();
            json!({
                "start": field(r, "start"),
                "INFO_XA": field(r, "INFO_XA"),
                "INFO_CC": field(r, "INFO_CC"),
                "INFO_BB": field(r, "INFO_BB"),
                "genotypes": genotypes,
            })
        })
        .collect();
    Value::Array(rows)
}

/// The table as genolake's Delta reader (delta-rs's DataFusion provider)
/// reads it: column names, genotype field names and rows sorted by start.
async fn read_with_delta_rs(table: &str) -> (Vec<String>, Vec<String>, Value) {
    let table = deltalake::open_table(deltalake::ensure_table_uri(table).unwrap())
        .await
        .unwrap();
    let ctx = SessionContext::new();
    table.update_datafusion_session(&ctx.state()).unwrap();
    let provider = table.table_provider().await.unwrap();
    let df = ctx
        .read_table(provider)
        .unwrap()
        .sort(vec![datafusion::prelude::col("start").sort(true, false)])
        .unwrap();
    let schema = df.schema().as_arrow().clone();
    let batches = df.collect().await.unwrap();
    let columns = schema.fields().iter().map(|f| f.name().clone()).collect();
    let arrow::datatypes::DataType::List(item) =
        schema.field_with_name("genotypes").unwrap().data_type()
    else {
        panic!("genotypes is a list");
    };
    let arrow::datatypes::DataType::Struct(fields) = item.data_type() else {
        panic!("of structs");
    };
    let genotype_fields = fields.iter().map(|f| f.name().clone()).collect();
    let mut writer = arrow::json::ArrayWriter::new(Vec::new());
    for batch in &batches {
        writer.write(batch).unwrap();
    }
    writer.finish().unwrap();
    let rows: Value = serde_json::from_slice(&writer.into_inner()).unwrap();
    (columns, genotype_fields, rows)
}

/// The table as the Python `deltalake` package and Polars read it (see
/// `read_tables.py`); `None` when the Python checks are skipped.
fn read_with_deltalake_and_polars(table: &str) -> Option<Value> {
    let python = python()?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/read_tables.py");
    let output = Command::new(&python)
        .arg(script)
        .arg(table)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        output.status.success(),
        "read_tables.py failed on {table}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

/// Every reader sees the merged cohort: genolake's (delta-rs), the Python
/// `deltalake` package and Polars.
async fn assert_merged_cohort(table: &str) {
    let (columns, genotype_fields, rows) = read_with_delta_rs(table).await;
    assert_eq!(columns, MERGED_COLUMNS);
    assert_eq!(genotype_fields, MERGED_GENOTYPE_FIELDS);
    assert_eq!(cohort_columns(&rows), merged_cohort_rows());
    let Some(read) = read_with_deltalake_and_polars(table) else {
        return;
    };
    for reader in ["deltalake", "polars"] {
        let read = &read[reader];
        assert_eq!(read["columns"], json!(MERGED_COLUMNS), "{reader}");
        assert_eq!(
            read["genotype_fields"],
            json!(MERGED_GENOTYPE_FIELDS),
            "{reader}"
        );
        assert_eq!(
            cohort_columns(&read["rows"]),
            merged_cohort_rows(),
            "{reader}"
        );
    }
}

/// The actions of the commit that made `version`, by kind (`add`,
/// `metaData`, `commitInfo`, ...).
fn commit_actions(table: &str, version: i64) -> Vec<String> {
    let log = Path::new(table).join(format!("_delta_log/{version:020}.json"));
    std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|line| {
            let action: Value = serde_json::from_str(line).unwrap();
            action.as_object().unwrap().keys().next().unwrap().clone()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appending_a_file_with_other_info_and_format_keys_merges_the_schema_in_one_commit() {
    let (dir, table) = table_dir();
    let (a, b) = (
        cohort_vcf(dir.path(), BATCH_A),
        cohort_vcf(dir.path(), BATCH_B),
    );
    committed(
        &Ingest::new(&table)
            .execute_stream(vcf_stream(&a))
            .await
            .unwrap(),
    );
    let files_before = parquet_files(Path::new(&table)).len();

    // Merging is the default.
    let appended = Ingest::new(&table)
        .mode(SaveMode::Append)
        .provenance(provenance_of(&b).await)
        .execute_stream(vcf_stream(&b))
        .await
        .unwrap();
    committed(&appended);
    assert_eq!((appended.version, appended.rows), (1, 1));
    // The new schema and the rows are one commit.
    let actions = commit_actions(&table, 1);
    assert!(
        actions.contains(&"metaData".to_string()) && actions.contains(&"add".to_string()),
        "{actions:?}"
    );
    assert_eq!(parquet_files(Path::new(&table)).len(), files_before + 1);
    assert_merged_cohort(&table).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_of_files_with_other_headers_ingest_with_the_union_of_their_columns() {
    let (dir, table) = table_dir();
    let (a, b) = (
        cohort_vcf(dir.path(), BATCH_A),
        cohort_vcf(dir.path(), BATCH_B),
    );
    let summary = Ingest::new(&table)
        .execute_streams(vec![vcf_stream(&a), vcf_stream(&b)])
        .await
        .unwrap();
    committed(&summary);
    assert_eq!((summary.version, summary.rows), (0, 3));
    assert_merged_cohort(&table).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_type_fails_naming_column_types_and_file_and_leaves_the_table_unchanged() {
    let (dir, table) = table_dir();
    let a = cohort_vcf(dir.path(), BATCH_A);
    Ingest::new(&table)
        .execute_stream(vcf_stream(&a))
        .await
        .unwrap();
    let files_before = parquet_files(Path::new(&table));

    // (input, what the error says)
    let cases = [
        (
            XA_AS_STRING,
            "column INFO_XA is Int32 in the table but Utf8 in {path}; nothing was written",
        ),
        (
            XA_AS_FLOAT,
            "column INFO_XA is Int32 in the table but Float64 in {path}; the type of a column \
             a table stores cannot change (overwrite the table to change it); nothing was written",
        ),
    ];
    for (input, expected) in cases {
        let path = cohort_vcf(dir.path(), input);
        let name = path.display().to_string();
        let err = Ingest::new(&table)
            .mode(SaveMode::Append)
            .source_schemas([(name.clone(), vcf_schema(&path))])
            .execute_stream(vcf_stream(&path))
            .await
            .unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Schema(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("{table}: {}", expected.replace("{path}", &name))
        );
        // Without the files' schemas the input is named as such.
        let err = Ingest::new(&table)
            .mode(SaveMode::Append)
            .execute_stream(vcf_stream(&path))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("in the input"), "{err}");
    }
    assert_eq!(table_version(&table).await, 0);
    assert_eq!(parquet_files(Path::new(&table)), files_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_mode_keep_refuses_new_columns_by_name_and_writes_nothing() {
    let (dir, table) = table_dir();
    let (a, b) = (
        cohort_vcf(dir.path(), BATCH_A),
        cohort_vcf(dir.path(), BATCH_B),
    );
    Ingest::new(&table)
        .execute_stream(vcf_stream(&a))
        .await
        .unwrap();
    let err = Ingest::new(&table)
        .mode(SaveMode::Append)
        .schema_mode(SchemaMode::Keep)
        .execute_stream(vcf_stream(&b))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("INFO_CC is new, genotypes.conditionalQuality is new")
            && message.contains("--schema-mode merge"),
        "{message}"
    );
    assert_eq!(table_version(&table).await, 0);

    // An input lacking some of the table's columns fits it: they are null.
    let summary = Ingest::new(&table)
        .mode(SaveMode::Append)
        .schema_mode(SchemaMode::Keep)
        .execute_stream(vcf_stream(&cohort_vcf(
            dir.path(),
            (
                "e.vcf",
                "##fileformat=VCFv4.3
##INFO=<ID=XA,Number=1,Type=Integer,Description=\"a\">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO
5\t1\t.\tA\tT\t.\tPASS\tXA=9
",
            ),
        )))
        .await
        .unwrap();
    committed(&summary);
    assert_eq!(summary.version, 1);
    assert!(!commit_actions(&table, 1).contains(&"metaData".to_string()));
}

// ---------------------------------------------------------------------------
// The matrix layout (issue 15).

/// Every VCF, BGEN and PLINK input of the test data.
fn genomics_inputs() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for entry in entries {
            let path = entry.path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                walk(&path, out);
            } else if name.ends_with(".vcf")
                || name.ends_with(".vcf.gz")
                || name.ends_with(".vcf.bgz")
                || name.ends_with(".bgen")
                || name.ends_with(".bed")
            {
                out.push(path);
            }
        }
    }
    let mut inputs = Vec::new();
    walk(&data(""), &mut inputs);
    inputs
}

async fn ingest_file(
    path: &Path,
    table: &str,
    layout: Layout,
    mode: SaveMode,
) -> genolake_lake::Result<IngestSummary> {
    let format = genolake_sql::InputFormat::detect_all(&[path.to_path_buf()]).unwrap();
    let reader = format.reader(&[]).unwrap();
    let files = genolake_sql::GenomicsTable::try_new(&[reader.resolve(path)], reader)
        .map_err(|e| genolake_lake::Error::new(table, genolake_lake::ErrorKind::Read(e)))?;
    Ingest::new(table)
        .layout(layout)
        .mode(mode)
        .execute_files(files, &[], 2)
        .await
}

/// The rows of `sql` as sorted JSON lines (every column, nulls left out).
async fn json_lines(sql: &str) -> Vec<String> {
    let ctx = genolake_sql::session();
    let result = genolake_sql::run_sql(&ctx, sql).await.unwrap();
    let mut writer = arrow::json::LineDelimitedWriter::new(Vec::new());
    for batch in &result.batches {
        writer.write(batch).unwrap();
    }
    writer.finish().unwrap();
    let text = String::from_utf8(writer.into_inner()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_input_reads_back_from_the_matrix_layout_as_from_glows() {
    let mut checked = Vec::new();
    let mut unreadable = Vec::new();
    for input in genomics_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let glow = dir.path().join("glow").to_string_lossy().to_string();
        let matrix = dir.path().join("matrix").to_string_lossy().to_string();
        // Files genolake refuses (malformed on purpose) have nothing to compare.
        if ingest_file(&input, &glow, Layout::Glow, SaveMode::ErrorIfExists)
            .await
            .is_err()
        {
            unreadable.push(input);
            continue;
        }
        ingest_file(&input, &matrix, Layout::Matrix, SaveMode::ErrorIfExists)
            .await
            .unwrap_or_else(|e| panic!("{}: matrix ingest failed: {e}", input.display()));
        let expected = json_lines(&format!("SELECT * FROM read_delta('{glow}')")).await;
        let actual = json_lines(&format!("SELECT * FROM read_delta('{matrix}')")).await;
        assert_eq!(actual, expected, "{}", input.display());
        checked.push(input);
    }
    let named = |part: &str| checked.iter().any(|p| p.to_string_lossy().contains(part));
    // Multiallelic sites, mixed ploidy (BGEN complex: haploid and diploid),
    // phased BGEN, FORMAT-rich VCFs and PLINK are among them.
    for part in [
        "CEUTrio",
        "complex.16bits.bgen",
        "phased.16bits.bgen",
        "NA12878_21_10002403.vcf",
        ".bed",
        "1000G.phase3",
    ] {
        assert!(
            named(part),
            "no input named {part} was checked: {checked:?}"
        );
    }
    assert!(checked.len() >= 40, "only {} inputs checked", checked.len());
    eprintln!(
        "{} inputs read back identically; {} unreadable by strict genolake: {unreadable:?}",
        checked.len(),
        unreadable.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appending_other_samples_to_a_matrix_table_fails_and_changes_nothing() {
    let (_dir, table) = table_dir();
    let cohort = |samples: &str| {
        format!(
            "##fileformat=VCFv4.3\n##contig=<ID=1>\n\
             ##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n\
             #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{}\n\
             1\t10\t.\tA\tC\t.\t.\t.\tGT\t{}\n",
            samples.replace(',', "\t"),
            vec!["0/1"; samples.split(',').count()].join("\t")
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, samples: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, cohort(samples)).unwrap();
        path
    };
    let first = write("a.vcf", "S1,S2,S3");
    let reordered = write("b.vcf", "S1,S3,S2");
    let fewer = write("c.vcf", "S1,S2");
    let same = write("d.vcf", "S1,S2,S3");
    // Another site for the same samples (the same content would be skipped).
    std::fs::write(&same, cohort("S1,S2,S3").replace("1\t10\t", "1\t20\t")).unwrap();
    committed(
        &ingest_file(&first, &table, Layout::Matrix, SaveMode::ErrorIfExists)
            .await
            .unwrap(),
    );

    let err = ingest_file(&reordered, &table, Layout::Matrix, SaveMode::Append)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(r#"sample 2 is "S2" in the table"#)
            && err.contains(r#"but "S3" in the input"#),
        "{err}"
    );
    let err = ingest_file(&fewer, &table, Layout::Matrix, SaveMode::Append)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("has 3 samples and the input 2"), "{err}");
    // The layout is the table's: an append cannot switch it.
    let err = ingest_file(&same, &table, Layout::Glow, SaveMode::Append)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("matrix layout"), "{err}");
    assert_eq!(table_version(&table).await, 0);
    assert_eq!(rust_row_count(&table).await, 1);

    // The same samples append, and an overwrite may change layout and samples.
    committed(
        &ingest_file(&same, &table, Layout::Matrix, SaveMode::Append)
            .await
            .unwrap(),
    );
    assert_eq!(rust_row_count(&table).await, 2);
    committed(
        &ingest_file(&fewer, &table, Layout::Glow, SaveMode::Overwrite)
            .await
            .unwrap(),
    );
    let lines = json_lines(&format!("SELECT genotypes FROM read_delta('{table}')")).await;
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].contains("S2") && !lines[0].contains("S3"),
        "{lines:?}"
    );
    let config = deltalake::open_table(url::Url::from_directory_path(&table).unwrap())
        .await
        .unwrap()
        .snapshot()
        .unwrap()
        .metadata()
        .configuration()
        .clone();
    assert!(
        config.keys().all(|k| !k.starts_with("genolake.")),
        "{config:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matrix_append_with_new_format_fields_merges_them() {
    let (_dir, table) = table_dir();
    let dir = tempfile::tempdir().unwrap();
    let a = cohort_vcf(dir.path(), BATCH_A);
    // BATCH_B's new INFO and FORMAT keys, for BATCH_A's samples.
    let b_text = BATCH_B
        .1
        .replace("FORMAT\tS3", "FORMAT\tS1\tS2")
        .replace("1/1:99:5", "1/1:99:5\t0|1:.:7");
    let b = cohort_vcf(dir.path(), ("b.vcf", &b_text));
    committed(
        &ingest_file(&a, &table, Layout::Matrix, SaveMode::ErrorIfExists)
            .await
            .unwrap(),
    );
    committed(
        &ingest_file(&b, &table, Layout::Matrix, SaveMode::Append)
            .await
            .unwrap(),
    );
    let (_glow_dir, glow) = table_dir();
    committed(
        &ingest_file(&a, &glow, Layout::Glow, SaveMode::ErrorIfExists)
            .await
            .unwrap(),
    );
    committed(
        &ingest_file(&b, &glow, Layout::Glow, SaveMode::Append)
            .await
            .unwrap(),
    );
    assert_eq!(
        json_lines(&format!("SELECT * FROM read_delta('{table}')")).await,
        json_lines(&format!("SELECT * FROM read_delta('{glow}')")).await
    );
}

/// Glow's QC functions given a matrix table's raw columns agree with the
/// same functions given the Glow-layout table's `genotypes`: multiallelic
/// sites (CEUTrio), thousands of samples (1000 Genomes), mixed ploidy and
/// missing hard calls (BGEN complex).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qc_functions_on_matrix_columns_equal_them_on_glow_genotypes() {
    for input in [
        ceu_trio(),
        thousand_genomes(),
        data("bgen/complex.16bits.bgen"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let glow = dir.path().join("glow").to_string_lossy().to_string();
        let matrix = dir.path().join("matrix").to_string_lossy().to_string();
        ingest_file(&input, &glow, Layout::Glow, SaveMode::ErrorIfExists)
            .await
            .unwrap();
        ingest_file(&input, &matrix, Layout::Matrix, SaveMode::ErrorIfExists)
            .await
            .unwrap();
        let per_variant = |from: &str, calls: &str| {
            format!(
                "SELECT contigName, start, referenceAllele, alternateAlleles,
                        call_summary_stats({calls}) AS cs, hardy_weinberg({calls}) AS hw,
                        genotype_states({calls}) AS gs
                 FROM {from}"
            )
        };
        let expected =
            json_lines(&per_variant(&format!("read_delta('{glow}')"), "genotypes")).await;
        let actual = json_lines(&per_variant(
            &format!("read_delta('{matrix}', 'layout', 'matrix')"),
            "calls, callsPloidy",
        ))
        .await;
        assert!(expected.len() > 5, "{}", input.display());
        assert_eq!(actual, expected, "{}", input.display());

        let per_sample = |from: &str, calls: &str| {
            format!(
                "SELECT u['callRate'] AS callRate, u['nCalled'] AS nCalled, u['nHomRef'] AS nHomRef,
                        u['nHet'] AS nHet, u['nHomVar'] AS nHomVar, u['nTransition'] AS nTransition,
                        u['nTransversion'] AS nTransversion, u['nInsertion'] AS nInsertion,
                        u['nDeletion'] AS nDeletion, u['nSpanningDeletion'] AS nSpanningDeletion
                 FROM (SELECT unnest(s) AS u FROM (SELECT sample_call_summary_stats({calls},
                       referenceAllele, alternateAlleles) AS s FROM {from}))"
            )
        };
        let expected = json_lines(&per_sample(&format!("read_delta('{glow}')"), "genotypes")).await;
        let actual = json_lines(&per_sample(
            &format!("read_delta('{matrix}', 'layout', 'matrix')"),
            "calls, callsPloidy",
        ))
        .await;
        assert!(!expected.is_empty(), "{}", input.display());
        assert_eq!(actual, expected, "{}", input.display());
    }
}

/// The `metaData` action of commit `version`, as written in the log.
fn metadata_action(table: &str, version: i64) -> Option<Value> {
    let log = Path::new(table).join(format!("_delta_log/{version:020}.json"));
    std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find_map(|action| action.get("metaData").cloned())
}

/// The `comment` of each field (and each `genotypes` field, as
/// `genotypes.<name>`) of the schema a `metaData` action holds.
fn schema_comments(metadata: &Value) -> Vec<(String, Option<String>)> {
    let schema: Value = serde_json::from_str(metadata["schemaString"].as_str().unwrap()).unwrap();
    let comment = |field: &Value| field["metadata"]["comment"].as_str().map(String::from);
    let mut comments = Vec::new();
    for field in schema["fields"].as_array().unwrap() {
        let name = field["name"].as_str().unwrap();
        comments.push((name.to_string(), comment(field)));
        if let Some(inner) = field
            .pointer("/type/elementType/fields")
            .and_then(Value::as_array)
            && name == "genotypes"
        {
            for inner in inner {
                let inner_name = inner["name"].as_str().unwrap();
                comments.push((format!("genotypes.{inner_name}"), comment(inner)));
            }
        }
    }
    comments
}

/// What the log says each column means is what Spark and Unity Catalog
/// show: every Glow column and genotype field gets a comment and the table
/// a description; an append that adds a column describes it and keeps the
/// others; an append that adds none writes no metadata.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_writes_column_comments_and_a_table_description_into_the_log() {
    use genolake_lake::describe::{column_comment, genotype_field_comment, table_description};
    let (dir, table) = table_dir();
    let (a, b) = (
        cohort_vcf(dir.path(), BATCH_A),
        cohort_vcf(dir.path(), BATCH_B),
    );
    committed(
        &ingest_file(&a, &table, Layout::Glow, SaveMode::ErrorIfExists)
            .await
            .unwrap(),
    );
    let metadata = metadata_action(&table, 0).unwrap();
    assert_eq!(
        metadata["description"],
        table_description(Some("vcf"), Layout::Glow)
    );
    let comments = schema_comments(&metadata);
    // BATCH_A's header: INFO XA "a", BB "b"; FORMAT GT "genotype", DP "depth".
    for (name, comment) in &comments {
        let expected = match name.as_str() {
            "INFO_XA" => Some("VCF INFO XA: a".to_string()),
            "INFO_BB" => Some("VCF INFO BB: b".to_string()),
            "genotypes.depth" => Some("depth (VCF FORMAT DP)".to_string()),
            _ => match name.strip_prefix("genotypes.") {
                Some(field) => genotype_field_comment(field),
                None => column_comment(name, Layout::Glow),
            },
        };
        assert!(comment.is_some(), "{name} has no comment");
        assert_eq!(comment, &expected, "{name}");
    }
    for expected in [
        "contigName",
        "start",
        "genotypes",
        "genotypes.sampleId",
        "genotypes.calls",
    ] {
        assert!(comments.iter().any(|(n, _)| n == expected), "{comments:?}");
    }

    // BATCH_B brings INFO CC and FORMAT GQ: described; the rest kept.
    committed(
        &ingest_file(&b, &table, Layout::Glow, SaveMode::Append)
            .await
            .unwrap(),
    );
    let merged = schema_comments(&metadata_action(&table, 1).expect("a schema change"));
    assert!(merged.len() > comments.len());
    for (name, comment) in &merged {
        assert!(comment.is_some(), "{name} has no comment after the append");
    }
    let comment_of = |name: &str| {
        merged
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, c)| c.clone())
    };
    assert_eq!(comment_of("INFO_CC").as_deref(), Some("VCF INFO CC: c"));
    assert_eq!(
        comment_of("genotypes.conditionalQuality").as_deref(),
        Some("quality (VCF FORMAT GQ)")
    );
    for kept in &comments {
        assert!(merged.contains(kept), "{kept:?} changed");
    }

    // The same columns again: no metadata action.
    committed(
        &Ingest::new(&table)
            .mode(SaveMode::Append)
            .execute_stream(vcf_stream(&a))
            .await
            .unwrap(),
    );
    assert_eq!(metadata_action(&table, 2), None);
    assert!(!commit_actions(&table, 2).contains(&"metaData".to_string()));
}

// Consent withdrawal (issue 17).

/// Three samples of the 1000 Genomes slice, also rows of the clinical CSV.
const WITHDRAWN: [&str; 3] = ["HG00097", "HG00100", "NA12878"];

fn clinical_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/clinical.csv")
}

/// Runs `withdraw_tables.py` (the Python `deltalake` package and Polars);
/// `None` when the Python checks are skipped.
fn withdraw_python(args: &[&str]) -> Option<Value> {
    let python = python()?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/withdraw_tables.py");
    let output = Command::new(&python)
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        output.status.success(),
        "withdraw_tables.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

async fn sql_batches(sql: &str) -> Vec<RecordBatch> {
    let ctx = genolake_sql::session();
    genolake_sql::run_sql(&ctx, sql).await.unwrap().batches
}

/// `bcftools view -s ^WITHDRAWN` of `input`, written to `dir` (bcftools
/// updates INFO/AC and INFO/AN to the remaining samples).
fn bcftools_without_withdrawn(input: &Path, dir: &Path) -> PathBuf {
    let out = dir.join("without.vcf.gz");
    let status = Command::new("bcftools")
        .args(["view", "-s", &format!("^{}", WITHDRAWN.join(","))])
        .args(["-Oz", "-o"])
        .arg(&out)
        .arg(input)
        .status()
        .expect("bcftools is needed for this test (apt-get install bcftools)");
    assert!(status.success());
    out
}

/// Every file under `dir`, recursively.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(all_files(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Every value of a Parquet file (data or checkpoint), nested ones
/// included, as JSON text.
fn parquet_text(path: &Path) -> String {
    let file = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut writer = arrow::json::LineDelimitedWriter::new(Vec::new());
    for batch in reader {
        writer.write(&batch.unwrap()).unwrap();
    }
    writer.finish().unwrap();
    String::from_utf8(writer.into_inner()).unwrap()
}

/// (start, INFO_AC, INFO_AN, INFO_AF) of each row, by start.
fn allele_stats(batches: &[RecordBatch]) -> Vec<(i64, Value, Value, Value)> {
    let mut writer = arrow::json::ArrayWriter::new(Vec::new());
    for batch in batches {
        writer.write(batch).unwrap();
    }
    writer.finish().unwrap();
    let rows: Value = serde_json::from_slice(&writer.into_inner()).unwrap();
    let get = |r: &Value, k: &str| r.get(k).cloned().unwrap_or(Value::Null);
    let mut stats: Vec<_> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["start"].as_i64().unwrap(),
                get(r, "INFO_AC"),
                get(r, "INFO_AN"),
                get(r, "INFO_AF"),
            )
        })
        .collect();
    stats.sort_by_key(|s| s.0);
    stats
}

/// A matrix table's raw rows: start, then calls, callsPloidy and phased
/// as hex, sorted.
async fn matrix_raw_rows(table: &str) -> Vec<Value> {
    json_lines(&format!(
        "SELECT start, encode(calls, 'hex') AS calls, callsPloidy, encode(phased, 'hex') AS phased
         FROM read_delta('{table}', 'layout', 'matrix')"
    ))
    .await
    .iter()
    .map(|line| serde_json::from_str(line).unwrap())
    .collect()
}

/// `hex` (bytes of `samples` equal chunks) without the chunks of `drop`.
fn without_chunks(hex: &str, samples: usize, drop: &[usize]) -> String {
    let chunk = hex.len() / samples;
    (0..samples)
        .filter(|i| !drop.contains(i))
        .map(|i| &hex[i * chunk..(i + 1) * chunk])
        .collect()
}

fn sha256_hex(salt: &[u8], id: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(id.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `commitInfo.genolake` record of commit `version`, and the commit
/// file's text.
fn withdrawal_commit(table: &str, version: i64) -> (Value, String) {
    let text =
        std::fs::read_to_string(Path::new(table).join(format!("_delta_log/{version:020}.json")))
            .unwrap();
    let record = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find_map(|a| a.pointer("/commitInfo/genolake").cloned())
        .expect("the commit has a genolake record");
    (record, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawing_three_samples_keeps_every_other_genotype_and_purge_leaves_no_trace() {
    use genolake_lake::{Purge, Withdraw, WithdrawOutcome};
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().to_string();
    let (glow, matrix, clinical) = (path("glow"), path("matrix"), path("clinical"));
    committed(
        &Ingest::new(&glow)
            .partition_by(["contigName"])
            .provenance(provenance_of(&thousand_genomes()).await)
            .execute_stream(vcf_stream(&thousand_genomes()))
            .await
            .unwrap(),
    );
    ingest_file(
        &thousand_genomes(),
        &matrix,
        Layout::Matrix,
        SaveMode::ErrorIfExists,
    )
    .await
    .unwrap();
    let clinical_csv = clinical_csv();
    let python_ok = withdraw_python(&["write-clinical", clinical_csv.to_str().unwrap(), &clinical]);
    let tables: Vec<&str> = if python_ok.is_some() {
        vec![&glow, &matrix, &clinical]
    } else {
        vec![&glow, &matrix]
    };

    let old_ids = genolake_lake::table_layout(&matrix)
        .await
        .unwrap()
        .samples
        .unwrap()
        .ids()
        .unwrap()
        .to_vec();
    let drop: Vec<usize> = WITHDRAWN
        .iter()
        .map(|id| old_ids.iter().position(|s| s == id).unwrap())
        .collect();
    let old_matrix = matrix_raw_rows(&matrix).await;

    let salt = genolake_lake::withdraw::new_salt();
    for table in &tables {
        let summary = Withdraw::new(*table, WITHDRAWN)
            .salt(salt.clone())
            .reason("consent withdrawn (test)")
            .execute()
            .await
            .unwrap();
        assert_eq!(
            summary.outcome,
            WithdrawOutcome::Committed { version: 1 },
            "{summary}"
        );
        assert_eq!(summary.samples_removed, 3, "{summary}");
    }

    // genolake reads the Glow table, and the matrix one in Glow's layout,
    // exactly as bcftools leaves the VCF without the samples: every other
    // genotype, and AC/AN recomputed as bcftools recomputes them.
    let expected_vcf = bcftools_without_withdrawn(&thousand_genomes(), dir.path());
    let (_, expected) = read_vcf(&expected_vcf);
    for table in [&glow, &matrix] {
        let batches = sql_batches(&format!("SELECT * FROM read_delta('{table}')")).await;
        assert_eq!(rows_of(&batches), rows_of(&expected), "{table}");
        let (stats, peer) = (allele_stats(&batches), allele_stats(&expected));
        assert_eq!(stats.len(), 17);
        for (ours, theirs) in stats.iter().zip(&peer) {
            assert_eq!(
                (ours.0, &ours.1, &ours.2),
                (theirs.0, &theirs.1, &theirs.2),
                "{table}"
            );
            let an = ours.2.as_f64().unwrap();
            for (af, ac) in ours
                .3
                .as_array()
                .unwrap()
                .iter()
                .zip(ours.1.as_array().unwrap())
            {
                assert!((af.as_f64().unwrap() - ac.as_f64().unwrap() / an).abs() < 1e-12);
            }
        }
    }
    // The matrix table's bytes are the old bytes without the samples'.
    let new_matrix = matrix_raw_rows(&matrix).await;
    assert_eq!(new_matrix.len(), old_matrix.len());
    for (old, new) in old_matrix.iter().zip(&new_matrix) {
        assert_eq!(old["start"], new["start"]);
        assert_eq!(old["callsPloidy"], new["callsPloidy"]);
        for column in ["calls", "phased"] {
            let old_hex = old[column].as_str().unwrap();
            assert_eq!(
                new[column].as_str().unwrap(),
                without_chunks(old_hex, old_ids.len(), &drop),
                "{column} at {}",
                old["start"]
            );
        }
    }

    // The commit records hashes, never the ids.
    for table in &tables {
        let (record, text) = withdrawal_commit(table, 1);
        for id in WITHDRAWN {
            assert!(
                !text.contains(id),
                "{table}: the withdrawal commit names {id}"
            );
        }
        let mut hashed: Vec<String> = WITHDRAWN.iter().map(|id| sha256_hex(&salt, id)).collect();
        hashed.sort();
        assert_eq!(record["operation"], "WITHDRAW");
        assert!(
            record["toolVersion"]
                .as_str()
                .unwrap()
                .starts_with("genolake ")
        );
        let w = &record["withdrawal"];
        assert_eq!(w["sampleCount"], 3);
        assert_eq!(w["samplesRemoved"], 3);
        assert_eq!(w["hashedIds"], json!(hashed));
        assert_eq!(w["reason"], "consent withdrawn (test)");
        let salt_hex: String = salt.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(w["salt"], salt_hex);
        let expected_rows = if *table == clinical { 2532 } else { 17 };
        assert_eq!(w["rowsRewritten"], expected_rows, "{table}");
        let recomputed = &w["infoFields"]["recomputed"];
        if *table == clinical {
            assert_eq!(recomputed, &json!([]));
        } else {
            assert_eq!(recomputed, &json!(["INFO_AC", "INFO_AF", "INFO_AN"]));
            assert!(
                w["infoFields"]["dropped"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("INFO_MLEAC"))
            );
        }
    }

    // The Python deltalake package and Polars read the new versions
    // without the samples, and every other one still there.
    let remaining: Vec<String> = old_ids
        .iter()
        .filter(|id| !WITHDRAWN.contains(&id.as_str()))
        .cloned()
        .collect();
    let check_python = |when: &str| {
        for table in &tables {
            let Some(read) = withdraw_python(&["samples", table]) else {
                return;
            };
            for reader in ["deltalake", "polars"] {
                let seen = &read[reader];
                assert_eq!(
                    seen["sampleIds"],
                    json!(remaining),
                    "{when} {reader} {table}"
                );
                if *table == clinical {
                    assert_eq!(seen["rows"], 2532, "{when} {reader}");
                } else {
                    assert_eq!(
                        seen["perRow"],
                        json!(vec![2532; 17]),
                        "{when} {reader} {table}"
                    );
                }
            }
        }
    };
    check_python("after the withdrawal");

    // A rerun commits nothing; a re-ingest of the original file is refused.
    for table in &tables {
        let again = Withdraw::new(*table, WITHDRAWN).execute().await.unwrap();
        assert_eq!(again.outcome, WithdrawOutcome::AlreadyWithdrawn, "{again}");
        assert_eq!(table_version(table).await, 1);
    }
    let err = Ingest::new(&glow)
        .mode(SaveMode::Append)
        .idempotent(false)
        .execute_stream(vcf_stream(&thousand_genomes()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("withdrawn") && err.contains("HG00097"),
        "{err}"
    );
    let err = ingest_file(
        &thousand_genomes(),
        &matrix,
        Layout::Matrix,
        SaveMode::Overwrite,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("withdrawn"), "{err}");
    assert_eq!(table_version(&glow).await, 1);
    assert_eq!(table_version(&matrix).await, 1);

    // Without the override the purge keeps what time travel needs, and says so.
    let kept = Purge::new(&matrix, WITHDRAWN).execute().await.unwrap();
    assert!(!kept.is_clean(), "{kept}");
    assert!(kept.to_string().contains("--retention-override"), "{kept}");

    for table in &tables {
        let purged = Purge::new(*table, WITHDRAWN)
            .retention_override(true)
            .execute()
            .await
            .unwrap();
        assert!(purged.is_clean(), "{purged}");
        assert!(purged.files_deleted >= 1, "{purged}");
        // Scanned directly: no file under the table holds a withdrawn id,
        // in its raw bytes or in any value of a Parquet file.
        let files = all_files(Path::new(table));
        assert!(
            files
                .iter()
                .any(|f| f.to_string_lossy().contains("checkpoint"))
        );
        for file in &files {
            let bytes = std::fs::read(file).unwrap();
            let text = if file.extension().is_some_and(|e| e == "parquet") {
                parquet_text(file)
            } else {
                String::from_utf8_lossy(&bytes).into_owned()
            };
            for id in WITHDRAWN {
                assert!(
                    !text.contains(id) && memchr::memmem::find(&bytes, id.as_bytes()).is_none(),
                    "{} still holds {id}",
                    file.display()
                );
            }
        }
        // The old version is gone, and says so rather than reading data.
        let url = deltalake::ensure_table_uri(table).unwrap();
        assert!(deltalake::open_table_with_version(url, 0).await.is_err());
        if let Some(old) = withdraw_python(&["version", table, "0"]) {
            assert!(old.get("error").is_some(), "{table}: {old}");
        }
    }
    check_python("after the purge");
    for table in [&glow, &matrix] {
        let batches = sql_batches(&format!("SELECT * FROM read_delta('{table}')")).await;
        assert_eq!(
            rows_of(&batches),
            rows_of(&expected),
            "{table} after the purge"
        );
    }
    // Input without the withdrawn samples is not refused.
    committed(
        &Ingest::new(&glow)
            .mode(SaveMode::Append)
            .execute_stream(vcf_stream(&expected_vcf))
            .await
            .unwrap(),
    );
    assert_eq!(rust_row_count(&glow).await, 34);
}
