//! The error type of `genolake-core`: option values that do not parse, and
//! inputs whose schemas do not merge.

use crate::merge::SchemaConflict;

/// Why a value given by the user (a region, a stringency) or a set of
/// inputs was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// A region string is not `contig`, `contig:start-end`, `contig:start-` or `contig:pos`.
    #[error("invalid region {input:?}: {reason}")]
    InvalidRegion { input: String, reason: String },
    /// A validation stringency other than strict, lenient or silent.
    #[error("invalid validation stringency {0:?}: expected strict, lenient or silent")]
    InvalidStringency(String),
    /// Two inputs give one column types that do not merge (see
    /// [`SchemaMerge`](crate::merge::SchemaMerge)). Boxed: it is several
    /// strings, and every `Result` of this crate would carry their size.
    #[error("{0}")]
    SchemaConflict(Box<SchemaConflict>),
}
