//! Variant tables into Delta Lake: streaming ingest, partitioning,
//! idempotent commits and provenance.
//!
//! `genolake-lake` lands the Glow-schema tables the genolake readers produce
//! (or any Arrow data) as Delta tables through delta-rs, so Spark,
//! Databricks, DuckDB, Polars and the Python `deltalake` package read them
//! and join them with clinical data.
//!
//! # What an ingest guarantees
//!
//! - **One commit or none.** The input (a DataFusion plan, or record batch
//!   streams) is streamed into Parquet files, with a bounded number of
//!   batches in flight: a file larger than memory ingests. The files become
//!   visible in a single Delta commit at the end. If the input fails
//!   part-way (a malformed VCF line under strict stringency, say), nothing is
//!   committed: an existing table keeps its version, and a failed first
//!   ingest leaves no table (the directory it created, or the files it put
//!   in an empty one, are removed). The data files a failed ingest had
//!   written into an existing table are deleted too (best-effort; any left,
//!   after a crash say, are not referenced by the log, invisible to readers,
//!   and removed by `VACUUM`).
//! - **Provenance.** Each commit's `commitInfo` carries a `genolake` record
//!   ([`IngestRecord`]): the input paths, sizes and SHA-256 checksums, the
//!   genolake version, the options used, the mode and partitioning. Read it
//!   back with [`history`], or with any Delta reader's history API;
//!   [`verify_inputs`] checksums the inputs again where they still exist.
//! - **Descriptions.** A new table's metadata describes it, and each column
//!   genolake defines carries a `comment` in the Delta schema (what Spark,
//!   Databricks and Unity Catalog show; see [`describe`]).
//!   [`catalog::unity_create_table`] turns the schema into a Unity Catalog
//!   registration request.
//! - **Upkeep.** [`Optimize`] compacts (or Z-orders) the files of many
//!   appends and [`Vacuum`] deletes those no version within the retention
//!   period reads, each recording genolake's version in its commits.
//! - **Idempotent re-ingest.** The input checksums and options make a Delta
//!   app transaction id ([`Provenance::app_id`]) committed with the rows. An
//!   append whose content is already committed (in the table's current
//!   generation, see [`Ingest::idempotent`]) is skipped with a clear message
//!   instead of duplicating rows.
//! - **Modes.** [`SaveMode::ErrorIfExists`] (the default) refuses to touch an
//!   existing table and says which flag to pass; [`SaveMode::Append`] adds
//!   rows; [`SaveMode::Overwrite`] replaces rows, schema and partitioning in
//!   one commit (time travel still reaches the old version).
//! - **Schema merge.** Inputs whose VCF headers differ (several streams, or
//!   an append onto a table made from other files) are written with the
//!   union of their columns, by the rules of [`genolake_core::merge`]: a
//!   column or `genotypes` field an input lacks is null in its rows; an
//!   append adds the input's new columns to the table's schema, in Glow's
//!   order (new `INFO_` columns before `genotypes`), in the commit that adds
//!   the rows ([`SchemaMode::Merge`], the default; [`SchemaMode::Keep`]
//!   refuses them). A stored column never changes type; a type conflict
//!   names the column, both types and where each comes from (see
//!   [`Ingest::source_schemas`]), and writes nothing.
//!
//! # Consent withdrawal
//!
//! [`Withdraw`] removes samples from a table: their genotypes from every
//! row of a variant table (Glow or matrix layout), their rows from a table
//! keyed by `sampleId`, in one commit that records salted hashes of the ids
//! (never the ids); [`Purge`] then deletes the older versions' files and
//! log entries and checks that no file holds the ids. An ingest refuses
//! input holding a withdrawn sample. See [`withdraw`] and
//! `docs/withdrawal.md`.
//!
//! # Performance model
//!
//! A Parquet writer pays per leaf value, and nearly all values of a variant
//! table are genotypes. The default [`genomics_writer_properties`] keep
//! statistics and dictionaries off the genotype leaves (except a dictionary
//! on `sampleId`), page statistics on `contigName`, `start` and `end`, zstd
//! everywhere and row groups of about 32 MB. Checksums are computed before
//! the write (the idempotency check needs them), one file per core, at
//! 1.5–2 GB/s per core with the CPU's SHA extensions: a few percent of an
//! ingest.
//!
//! Encoding Parquet costs several times more than decoding a VCF, so it runs
//! on every core: each input stream (each partition of a DataFusion plan, or
//! each stream given to [`Ingest::execute_streams`]) is encoded by its own
//! delta-rs `DeltaWriter` in its own task, at most one writer per core, and
//! the files of all writers are committed together through delta-rs's
//! `CommitBuilder`, with the actions delta-rs's write operation would have
//! committed (`protocol` and `metadata` for a new table, `remove`s and new
//! `metadata` for an overwrite). delta-rs 1.1's own write operation would
//! drain every partition of an unpartitioned table into one writer, on one
//! core. It is still used, with that one writer, where a table needs more
//! than this crate implements: input types Delta stores differently
//! (timestamps), and tables with a protocol above reader 1 / writer 2
//! (column mapping, deletion vectors, ...), CHECK constraints, invariants,
//! generated or identity columns. There an append merges schemas by
//! delta-rs's rules (new columns last).
//!
//! Memory is bounded per input stream: the batches decoded ahead (two), the
//! batch being encoded, and the writer's open row group (about 32 MB
//! encoded). Ingesting 100,000 sites × 2,000 samples with GT:AD:DP:GQ:PL on
//! two cores peaks at about 1.7 GB.
//!
//! # Examples
//!
//! Ingest record batches (here built by hand; a VCF reader's batches go the
//! same way through [`blocking_stream`]), append the same content again, and
//! read the provenance back:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use arrow::array::{Int64Array, RecordBatch, StringArray};
//! use arrow::datatypes::{DataType, Field, Schema};
//! use genolake_lake::{Ingest, InputFile, Provenance, SaveMode, blocking_stream};
//! use serde_json::json;
//!
//! let dir = tempfile::tempdir()?;
//! let vcf = dir.path().join("calls.vcf");
//! std::fs::write(&vcf, "##fileformat=VCFv4.3\n")?; // stands in for the input file
//! let table = dir.path().join("variants");
//! let table = table.to_str().unwrap();
//!
//! let schema = Arc::new(Schema::new(vec![
//!     Field::new("contigName", DataType::Utf8, true),
//!     Field::new("start", DataType::Int64, true),
//! ]));
//! let batch = RecordBatch::try_new(schema.clone(), vec![
//!     Arc::new(StringArray::from(vec!["20", "20", "21"])),
//!     Arc::new(Int64Array::from(vec![100, 200, 300])),
//! ])?;
//! let provenance = Provenance::from_paths([&vcf], json!({"stringency": "strict"})).await?;
//!
//! let ingest = |mode| {
//!     let input = blocking_stream(schema.clone(), vec![Ok::<_, std::io::Error>(batch.clone())]);
//!     Ingest::new(table)
//!         .mode(mode)
//!         .partition_by(["contigName"])
//!         .provenance(provenance.clone())
//!         .execute_stream(input)
//! };
//! let first = ingest(SaveMode::ErrorIfExists).await?;
//! assert_eq!((first.version, first.rows), (0, 3));
//!
//! // The same content again: skipped, not duplicated.
//! let again = ingest(SaveMode::Append).await?;
//! assert!(again.is_skipped());
//! assert_eq!(again.version, 0);
//!
//! // Mode error on an existing table names the way out.
//! let err = ingest(SaveMode::ErrorIfExists).await.unwrap_err();
//! assert!(err.to_string().contains("--mode append"));
//!
//! let commits = genolake_lake::history(table, None).await?;
//! let record = commits[0].ingest.as_ref().unwrap();
//! assert_eq!(record.provenance.inputs[0].sha256, InputFile::from_path(&vcf)?.sha256);
//! # Ok(()) }
//! ```

pub mod catalog;
pub mod describe;
pub mod error;
mod files;
pub mod history;
pub mod ingest;
pub mod layout;
pub mod maintenance;
mod parallel;
pub mod properties;
pub mod provenance;
pub mod snapshot;
pub mod stream;
pub mod withdraw;
mod written;

pub use error::{Error, ErrorKind, Result};
pub use history::{
    Commit, GenolakeRecord, IngestRecord, InputStatus, VerifiedInput, WithdrawalRecord, history,
    verify_inputs,
};
pub use ingest::{GENERATION_APP_ID, Ingest, IngestSummary, Outcome, SaveMode, SchemaMode};
pub use layout::{Layout, TableLayout, table_layout};
pub use maintenance::{Optimize, OptimizeSummary, Vacuum, VacuumSummary};
pub use properties::{
    genomics_writer_properties, genomics_writer_properties_builder, matrix_writer_properties,
};
pub use provenance::{InputFile, Provenance};
pub use snapshot::{DataFile, LocalFiles, local_files};
pub use stream::blocking_stream;
pub use withdraw::{
    InfoFields, Purge, PurgeSummary, TableKind, Withdraw, WithdrawCommitInfo, WithdrawOutcome,
    WithdrawSummary,
};
