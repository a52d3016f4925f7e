//! Counters a reader bumps as it goes, for progress bars and summaries.

use std::sync::atomic::{AtomicU64, Ordering};

/// Shared counters: readers add to them, a progress bar or summary reads them.
///
/// Counters are relaxed atomics, bumped once per batch, so they cost nothing
/// measurable on the decode path.
#[derive(Debug, Default)]
pub struct Progress {
    bytes: AtomicU64,
    records: AtomicU64,
    skipped: AtomicU64,
    nulled: AtomicU64,
}

impl Progress {
    /// Input bytes consumed (compressed bytes for compressed input).
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Records decoded into rows.
    pub fn records(&self) -> u64 {
        self.records.load(Ordering::Relaxed)
    }

    /// Malformed records skipped under lenient or silent stringency.
    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    /// Values read as null because they did not parse, under lenient or
    /// silent stringency (the record itself was kept).
    pub fn nulled(&self) -> u64 {
        self.nulled.load(Ordering::Relaxed)
    }

    /// Adds consumed input bytes.
    pub fn add_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// Adds decoded records.
    pub fn add_records(&self, n: u64) {
        self.records.fetch_add(n, Ordering::Relaxed);
    }

    /// Adds skipped records.
    pub fn add_skipped(&self, n: u64) {
        self.skipped.fetch_add(n, Ordering::Relaxed);
    }

    /// Adds values read as null.
    pub fn add_nulled(&self, n: u64) {
        self.nulled.fetch_add(n, Ordering::Relaxed);
    }
}
