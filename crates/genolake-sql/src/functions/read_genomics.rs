//! `read_vcf`, `read_bgen` and `read_plink(path [, 'optionName', value]...)`.

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::error::Result as DfResult;

use super::path_and_options;
use crate::formats::InputFormat;
use crate::scan::GenomicsTable;

/// The table functions `read_vcf`, `read_bgen` and `read_plink`: files of
/// one format as a table in Glow's schema for it.
///
/// `read_<format>(path [, 'optionName', value]...)` where `path` is a file
/// (for PLINK: the `.bed`, or the prefix its `.bim` and `.fam` share), a
/// directory (its files of the format, by name) or a file name pattern with
/// `*` and `?`, and the options are Glow's for the format (see
/// [`crate::options`]). Values may be strings, booleans or numbers.
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
#[derive(Debug)]
pub struct ReadGenomics {
    format: InputFormat,
}

impl ReadGenomics {
    /// The table function reading `format` (`read_vcf` for VCF, ...).
    pub fn new(format: InputFormat) -> Self {
        Self { format }
    }

    /// The SQL name of the function.
    pub fn name(&self) -> String {
        format!("read_{}", self.format.name())
    }

    fn usage(&self) -> &'static str {
        self.format.usage()
    }
}

impl TableFunctionImpl for ReadGenomics {
    fn call_with_args(&self, args: TableFunctionArgs) -> DfResult<Arc<dyn TableProvider>> {
        let (path, pairs) = path_and_options(&self.name(), self.usage(), args.exprs())?;
        let reader = self.format.reader(&pairs)?;
        let table = GenomicsTable::try_new(&[PathBuf::from(path)], reader)?;
        Ok(Arc::new(table))
    }
}
