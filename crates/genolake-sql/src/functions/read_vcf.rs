//! `read_vcf(path [, 'optionName', value]...)`.

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::error::Result as DfResult;
use genolake_vcf::ReaderOptions;

use super::path_and_options;
use crate::options::apply_vcf_option;
use crate::vcf::VcfTable;

/// The `read_vcf` table function: VCF files as a table in Glow's schema.
///
/// `read_vcf(path [, 'optionName', value]...)` where `path` is a file, a
/// directory (its `*.vcf`, `*.vcf.gz`, `*.vcf.bgz` files) or a file name
/// pattern with `*` and `?`, and the options are Glow's
/// (`includeSampleIds`, `flattenInfoFields`, `validationStringency`), plus
/// `samples` (comma-separated names), `region` (`'20:1-100000,21'`),
/// `batchSize` and `useIndex`. Values may be strings, booleans or numbers.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ctx = genolake_sql::session();
/// let sql = "SELECT contigName, start, cardinality(genotypes) AS n
///            FROM read_vcf('tests/data/VCFv4.3.vcf', 'samples', 'NA00001,NA00003', 'region', '20:1-20000')";
/// let batches = ctx.sql(sql).await?.collect().await?;
/// assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 2);
/// # Ok(()) }
/// ```
#[derive(Debug, Default)]
pub struct ReadVcf {
    defaults: ReaderOptions,
}

impl ReadVcf {
    /// A `read_vcf` whose options start from `defaults`.
    pub fn with_defaults(defaults: ReaderOptions) -> Self {
        Self { defaults }
    }
}

const USAGE: &str = "read_vcf('calls.vcf.gz', 'includeSampleIds', false, 'region', '20:1-100000')";

impl TableFunctionImpl for ReadVcf {
    fn call_with_args(&self, args: TableFunctionArgs) -> DfResult<Arc<dyn TableProvider>> {
        let (path, pairs) = path_and_options("read_vcf", USAGE, args.exprs())?;
        let mut options = self.defaults.clone();
        for (name, value) in &pairs {
            apply_vcf_option(&mut options, name, value)?;
        }
        let table = VcfTable::try_new(&[PathBuf::from(path)], options)?;
        Ok(Arc::new(table))
    }
}
