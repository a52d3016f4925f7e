//! VCF in DataFusion: a file format, its file source and a table provider.

mod files;
mod format;
mod opener;
mod source;
mod table;

pub use format::{VcfFormat, VcfFormatFactory};
pub use source::VcfSource;
pub use table::{VcfTable, vcf_table};
