//! The error type of `genolake-core`: option values that do not parse.

/// Why a value given by the user (a region, a stringency) was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// A region string is not `contig`, `contig:start-end`, `contig:start-` or `contig:pos`.
    #[error("invalid region {input:?}: {reason}")]
    InvalidRegion { input: String, reason: String },
    /// A validation stringency other than strict, lenient or silent.
    #[error("invalid validation stringency {0:?}: expected strict, lenient or silent")]
    InvalidStringency(String),
}
