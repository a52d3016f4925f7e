//! SQL over genomics files, with Apache DataFusion.
//!
//! `genolake-sql` makes VCF files (and Delta tables written from them)
//! queryable with DataFusion SQL under the names Glow users know:
//!
//! - `read_vcf(path, 'optionName', value, ...)` reads VCF into Glow's
//!   variant table (`contigName`, `start`, `end`, ..., `genotypes`);
//! - `read_delta(path)` reads a Delta Lake table;
//! - `CREATE EXTERNAL TABLE t STORED AS VCF LOCATION '...' OPTIONS (...)`
//!   registers VCF files as a table;
//! - [`session()`] makes a session in which Glow's camelCase names work
//!   unquoted, as in Spark;
//! - [`run_statements`] runs a `;`-separated script and [`BatchWriter`]
//!   writes its result as a table, CSV, JSON lines or Parquet;
//! - [`vcf_table`] gives ingest code a table over VCF inputs to stream into
//!   Delta Lake.
//!
//! # How a scan runs
//!
//! A VCF scan is an ordinary DataFusion file scan (`DataSourceExec` over a
//! `FileScanConfig` with a [`VcfSource`]), so plans stay plain values that a
//! distributed engine can ship. DataFusion cuts each plain or BGZF file into
//! byte ranges, one per partition up to `target_partitions` (files smaller
//! than `datafusion.optimizer.repartition_file_min_size`, 10 MiB by default,
//! stay whole); a plain-gzip file cannot be entered mid-stream and is always
//! read whole. Each range runs a synchronous `genolake_vcf::Reader` on a
//! blocking thread, two batches ahead of its consumer, so memory stays
//! bounded whatever the file size, and a `LIMIT` stops the readers early.
//!
//! Filters on `contigName`, `start` and `end` become genomic regions handed
//! to the reader: with a `.tbi` or `.csi` index beside a BGZF file, only the
//! blocks holding those regions are inflated. The regions are a superset of
//! what the filter keeps, and DataFusion still applies the filter, so the
//! answer is exactly that of the filter. `EXPLAIN` shows them
//! (`file_type=vcf, regions=[20:10000001-10001000]`).
//!
//! Every column is decoded whatever the projection (the reader has no
//! column selection yet), so `count(*)` costs as much as `SELECT *`.
//!
//! # Examples
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use genolake_sql::{OutputFormat, run_sql, session, write_batches};
//!
//! let ctx = session();
//! let sql = "
//!     CREATE EXTERNAL TABLE calls STORED AS VCF LOCATION 'tests/data/VCFv4.3.vcf'
//!         OPTIONS ('validationStringency' 'lenient');
//!     SELECT g.sampleId AS sampleId, count(*) AS hom_alt
//!     FROM (SELECT unnest(genotypes) AS g FROM calls WHERE contigName = '20' AND start < 1200000)
//!     WHERE g.calls[1] = 1 AND g.calls[2] = 1
//!     GROUP BY g.sampleId ORDER BY sampleId";
//! let result = run_sql(&ctx, sql).await?;
//! let csv = write_batches(result.schema, &result.batches, OutputFormat::Csv, Vec::new())?;
//! assert_eq!(String::from_utf8(csv)?, "sampleId,hom_alt\nNA00003,1\n");
//! # Ok(()) }
//! ```

pub mod error;
mod functions;
pub mod options;
mod output;
mod regions;
mod session;
mod statements;
mod vcf;

pub use error::{Error, Result};
pub use functions::{ReadDelta, ReadVcf};
pub use output::{BatchWriter, OutputFormat, write_batches, write_dataframe};
pub use session::{SessionBuilder, register, session};
pub use statements::{QueryResult, collect, run_sql, run_statements};
pub use vcf::{VcfFormat, VcfFormatFactory, VcfSource, VcfTable, vcf_table};
