//! One module per subcommand.

pub mod convert;
pub mod count;
pub mod ingest;
pub mod qc;
pub mod schema;
pub mod sql;
pub mod withdraw;
