//! SQL over genomics files, with Apache DataFusion.
//!
//! `genolake-sql` makes VCF, BCF, BGEN and PLINK files (and Delta tables
//! written from them) queryable with DataFusion SQL under the names Glow
//! users know:
//!
//! - `read_vcf(path, 'optionName', value, ...)` reads VCF into Glow's
//!   variant table (`contigName`, `start`, `end`, ..., `genotypes`);
//!   `read_bcf(...)` reads BCF with the same options into the same table;
//!   `read_bgen(...)` and `read_plink(...)` read BGEN files and PLINK
//!   filesets (by `.bed` or prefix) into Glow's tables for them;
//! - `read_delta(path)` reads a Delta Lake table;
//! - `CREATE EXTERNAL TABLE t STORED AS VCF LOCATION '...' OPTIONS (...)`
//!   (or `BCF`, `BGEN`, `PLINK`) registers files as a table;
//! - `COPY (SELECT ...) TO 'out.vcf.gz' STORED AS VCF OPTIONS (...)` (or
//!   `BCF`, `BGEN`, `PLINK`) writes a result in that format (see [`WriteFormat`]
//!   for the writers and their options);
//! - [`session()`] makes a session in which Glow's camelCase names work
//!   unquoted, as in Spark, with Glow's SQL functions (QC statistics,
//!   genotype, struct, Spark ML vector and matrix helpers; every one is in
//!   `docs/functions.md` with an example the tests run);
//! - [`run_statements`] runs a `;`-separated script and [`BatchWriter`]
//!   writes its result as a table, CSV, JSON lines or Parquet;
//! - [`genomics_table`] (and [`vcf_table`]) give ingest code a table over
//!   input files to stream into Delta Lake.
//!
//! # How a scan runs
//!
//! A scan is an ordinary DataFusion file scan (`DataSourceExec` over a
//! `FileScanConfig` with a [`GenomicsSource`]), so plans stay plain values
//! that a distributed engine can ship; what differs between formats sits
//! behind [`FormatReader`]. DataFusion cuts each file into byte ranges, one
//! per partition up to `target_partitions` (files smaller than
//! `datafusion.optimizer.repartition_file_min_size`, 10 MiB by default, stay
//! whole); a plain-gzip VCF cannot be entered mid-stream and is always read
//! whole. Each range runs the format crate's synchronous reader on a
//! blocking thread, two batches ahead of its consumer, so memory stays
//! bounded whatever the file size, and a `LIMIT` stops the readers early.
//!
//! Filters on `contigName`, `start` and `end` become genomic regions handed
//! to the reader: with a `.tbi` or `.csi` index beside a BGZF file (a `.bgi`
//! beside a BGEN file), only the blocks holding those regions are read; a
//! PLINK reader scans the `.bim` and reads only the matching `.bed`
//! records. The regions are a superset of what the filter keeps, and
//! DataFusion still applies the filter, so the answer is exactly that of
//! the filter. `EXPLAIN` shows them (`file_type=vcf,
//! regions=[20:10000001-10001000]`).
//!
//! Every column is decoded whatever the projection (the reader has no
//! column selection yet), so `count(*)` costs as much as `SELECT *`.
//!
//! # Row order
//!
//! A scan's partitions are consecutive stretches of its files, and where
//! partitions are merged into one stream above a scan seen only through
//! operators that keep order (projections, filters, `LIMIT`, `unnest`), they
//! are merged in partition order ([`FileOrderExec`]): a query without
//! `ORDER BY`, joins or aggregations returns rows in file order (files in
//! the order given, a directory's or a wildcard's sorted by name), whatever
//! the number of threads, and `LIMIT n` returns the first `n`. Results of
//! joins, aggregations and anything else that repartitions rows come in no
//! set order: ask with `ORDER BY`. A query's result keeps file order through
//! [`collect`], [`run_sql`] and [`write_dataframe`] (and `genolake sql`);
//! DataFusion's own `DataFrame::collect` merges the result's partitions as
//! they come.
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

mod copy;
pub mod error;
mod formats;
mod functions;
mod map_exec;
pub mod matrix;
pub mod options;
mod output;
mod pipe;
mod regions;
mod scan;
mod session;
pub mod spark;
mod statements;
mod transform;

pub use error::{Error, Result};
pub use formats::{
    BcfFormatReader, BgenFormatReader, FormatWriter, InputFormat, PlinkFormatReader,
    VcfFormatReader, WriteFormat, WriteSource, Written,
};
pub use functions::{
    AddStructFields, ArrayQuantile, AssertTrueOrError, Comb, ExpandStruct, ExplodeMatrix,
    GeneratorRewrite, LinearRegressionGwas, LogisticRegressionGwas, QcAggregate, QcScalar,
    ReadDelta, ReadGenomics, SampleStat, SubsetStruct, VariantStat, VectorFunction, matrix_type,
    vector_type,
};
pub use output::{BatchWriter, OutputFormat, write_batches, write_dataframe};
pub use pipe::PipeFunction;
pub use scan::{
    BatchIter, FileOrderExec, FormatReader, GenomicsFormat, GenomicsFormatFactory, GenomicsSource,
    GenomicsTable, KeepFileOrder, LOOKAHEAD_BYTES, SharedReader, genomics_table,
    in_file_order_root, vcf_table,
};
pub use session::{SessionBuilder, register, session};
pub use statements::{QueryResult, collect, execute_stream, run_sql, run_statements};
pub use transform::{Transform, TransformFunction, transform_table};
