//! One module per subcommand.

pub mod convert;
pub mod count;
pub mod gwas;
pub mod history;
pub mod ingest;
pub mod maintain;
pub mod merge;
pub mod qc;
pub mod register;
pub mod schema;
pub mod sql;
pub mod withdraw;
