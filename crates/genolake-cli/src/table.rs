//! A Delta table as the input of `schema`, `count` and `convert`.
//!
//! A table is read through SQL's `read_delta`, exactly as `genolake sql`
//! reads it, so a matrix table is presented in Glow's schema like any other
//! input and whatever `read_delta` handles (deletion vectors, column
//! mapping, file skipping on `contigName`/`start`) applies here too.
//! `--region` becomes a filter on `contigName`, `start` and `end`, with the
//! overlap rule of the file readers.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Int64Type, SchemaRef};
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use genolake_core::Region;
use genolake_core::matrix::Samples;
use genolake_core::schema::GENOTYPES;
use genolake_lake::Layout;

/// One Delta table, and the regions asked for.
pub struct Table {
    path: PathBuf,
    regions: Vec<Region>,
}

/// What `genolake count` reports.
pub struct Counts {
    pub rows: u64,
    pub genotypes: u64,
}

impl Table {
    /// The table in the directory `path`, read only where it overlaps
    /// `regions` (everywhere when there are none).
    pub fn new(path: PathBuf, regions: Vec<Region>) -> Self {
        Self { path, regions }
    }

    /// The directory, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The table's columns in Glow's schema, as `read_delta` gives them.
    pub fn schema(&self) -> Result<SchemaRef> {
        runtime(1)?.block_on(async {
            let df = genolake_sql::run_statements(&session(1), &self.select("*")).await?;
            Ok(SchemaRef::new(df.schema().as_arrow().clone()))
        })
    }

    /// Counts rows and genotypes on `threads` threads.
    ///
    /// A matrix table stores its samples once and gives every row one
    /// genotype per sample, so its genotypes are its rows times its
    /// samples: counting them through `cardinality(genotypes)` would
    /// rebuild every genotype struct only to count it (see `count.rs`
    /// for the measurement). A Glow table's lists are summed.
    pub fn count(&self, threads: usize) -> Result<Counts> {
        runtime(threads)?.block_on(async {
            let ctx = session(threads);
            let location = self.location()?;
            let layout = genolake_lake::table_layout(&location).await?;
            let has_genotypes = {
                let df = genolake_sql::run_statements(&ctx, &self.select("*")).await?;
                df.schema().as_arrow().field_with_name(GENOTYPES).is_ok()
            };
            let sum_genotypes = match layout.layout {
                Layout::Glow if has_genotypes => "coalesce(sum(cardinality(genotypes)), 0)::BIGINT",
                _ => "0::BIGINT",
            };
            let sql = self.select(&format!("count(*)::BIGINT, {sum_genotypes}"));
            let df = genolake_sql::run_statements(&ctx, &sql).await?;
            let result = genolake_sql::collect(df).await?;
            let value = |column: usize| -> Result<u64> {
                let batch = result
                    .batches
                    .iter()
                    .find(|b| b.num_rows() > 0)
                    .ok_or_else(|| anyhow!("counting {} returned no row", location))?;
                let array = batch.column(column).as_primitive::<Int64Type>();
                Ok(if array.is_null(0) {
                    0
                } else {
                    u64::try_from(array.value(0))?
                })
            };
            let rows = value(0)?;
            let genotypes = match (layout.layout, &layout.samples) {
                (Layout::Matrix, Some(samples)) if has_genotypes => rows * samples.count() as u64,
                (Layout::Matrix, _) => 0,
                (Layout::Glow, _) => value(1)?,
            };
            Ok(Counts { rows, genotypes })
        })
    }

    /// Hands every row to `write`, in the table's order: its data files in
    /// the order delta-rs lists them, each file's rows as stored. One
    /// partition reads them, so nothing is interleaved.
    pub fn for_each_batch(&self, mut write: impl FnMut(&RecordBatch) -> Result<()>) -> Result<()> {
        runtime(1)?.block_on(async {
            let df = genolake_sql::run_statements(&session(1), &self.select("*")).await?;
            let mut stream = genolake_sql::execute_stream(df).await?;
            while let Some(batch) = stream.next().await {
                write(&batch?)?;
            }
            Ok(())
        })
    }

    /// The samples of a matrix table, in the order its `calls` hold them;
    /// `None` for a Glow table (or a matrix table with no rows yet).
    pub fn matrix_samples(&self) -> Result<Option<Samples>> {
        runtime(1)?.block_on(async {
            let layout = genolake_lake::table_layout(&self.location()?).await?;
            Ok(match layout.layout {
                Layout::Matrix => layout.samples,
                Layout::Glow => None,
            })
        })
    }

    /// Reads `columns` of the table (as `read_delta` presents it with the
    /// `layout` option, when given) in `threads` partitions side by side.
    /// Each partition's batches go, in order, to `each` with the state
    /// `make` gave that partition; the states come back in partition order.
    pub fn for_each_partition<S: Send>(
        &self,
        threads: usize,
        columns: &str,
        layout: Option<&str>,
        make: impl Fn(usize) -> S + Sync,
        each: impl Fn(&mut S, &RecordBatch) -> Result<()> + Sync,
    ) -> Result<Vec<S>> {
        let runtime = runtime(threads)?;
        let sql = self.select_from(columns, layout);
        let streams = runtime.block_on(async {
            let df = genolake_sql::run_statements(&session(threads), &sql).await?;
            anyhow::Ok(df.execute_stream_partitioned().await?)
        })?;
        let handle = runtime.handle();
        std::thread::scope(|scope| {
            let workers: Vec<_> = streams
                .into_iter()
                .enumerate()
                .map(|(index, mut stream)| {
                    let (make, each) = (&make, &each);
                    scope.spawn(move || -> Result<S> {
                        let mut state = make(index);
                        handle.block_on(async {
                            while let Some(batch) = stream.next().await {
                                each(&mut state, &batch?)?;
                            }
                            anyhow::Ok(())
                        })?;
                        Ok(state)
                    })
                })
                .collect();
            crate::workers::join_all(workers, "table reading")
        })
    }

    /// The first row of `columns` (as `read_delta` presents them), if the
    /// table has one.
    pub fn first_row(&self, columns: &str, threads: usize) -> Result<Option<RecordBatch>> {
        runtime(threads)?.block_on(async {
            let sql = format!("{} LIMIT 1", self.select_from(columns, None));
            let df = genolake_sql::run_statements(&session(threads), &sql).await?;
            let result = genolake_sql::collect(df).await?;
            Ok(result.batches.into_iter().find(|b| b.num_rows() > 0))
        })
    }

    /// Whether rows are read only where they overlap regions.
    pub fn has_regions(&self) -> bool {
        !self.regions.is_empty()
    }

    /// The table as an absolute path, for delta-rs (which takes URLs).
    pub fn location(&self) -> Result<String> {
        let absolute = std::path::absolute(&self.path)
            .with_context(|| format!("{}: cannot be resolved", self.path.display()))?;
        Ok(absolute.to_string_lossy().into_owned())
    }

    /// `SELECT <columns> FROM read_delta('<path>')`, with the regions'
    /// filter.
    fn select(&self, columns: &str) -> String {
        self.select_from(columns, None)
    }

    /// [`Self::select`] over `read_delta(path, 'layout', <layout>)`.
    fn select_from(&self, columns: &str, layout: Option<&str>) -> String {
        let layout = layout.map_or(String::new(), |l| format!(", 'layout', {}", sql_string(l)));
        let mut sql = format!(
            "SELECT {columns} FROM read_delta({}{layout})",
            sql_string(&self.path.to_string_lossy())
        );
        if !self.regions.is_empty() {
            let overlaps: Vec<String> = self.regions.iter().map(overlap_filter).collect();
            sql.push_str(" WHERE ");
            sql.push_str(&overlaps.join(" OR "));
        }
        sql
    }
}

/// SQL for [`Region::overlaps`]: the record `[start, end)` shares a base
/// with the region, a zero-length record counting as one base.
fn overlap_filter(region: &Region) -> String {
    let mut filter = format!(
        "(contigName = {} AND greatest(\"end\", start + 1) > {}",
        sql_string(&region.contig),
        region.start
    );
    // An open end (`chr:100-`) is i64::MAX: no bound to write.
    if region.end != i64::MAX {
        filter.push_str(&format!(" AND start < {}", region.end));
    }
    filter.push(')');
    filter
}

/// `s` as a SQL string literal.
fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn session(threads: usize) -> SessionContext {
    genolake_sql::SessionBuilder::new()
        .target_partitions(threads)
        .build()
}

/// A runtime for delta-rs and DataFusion; multi-threaded, as `read_delta`
/// opens the table from inside planning with `block_in_place`.
fn runtime(threads: usize) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .context("starting the async runtime")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_become_overlap_filters() {
        let table = Table::new(
            PathBuf::from("it's"),
            vec!["20:10-20".parse().unwrap(), "X".parse().unwrap()],
        );
        assert_eq!(
            table.select("*"),
            "SELECT * FROM read_delta('it''s') WHERE \
             (contigName = '20' AND greatest(\"end\", start + 1) > 9 AND start < 20) OR \
             (contigName = 'X' AND greatest(\"end\", start + 1) > 0)"
        );
    }
}
