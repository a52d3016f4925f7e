//! One module per subcommand.

pub mod convert;
pub mod count;
pub mod ingest;
pub mod schema;
pub mod sql;
