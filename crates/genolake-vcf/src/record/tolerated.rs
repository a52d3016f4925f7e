//! What a lenient read lets pass, counted and warned about once each.
//!
//! Under strict stringency every problem here is an error, and the message
//! is the one the error carries. Under lenient and silent stringency a
//! value that does not parse (or breaks its definition) becomes null and is
//! counted per field, and a record whose fixed columns break the letter of
//! the specification (a base outside A, C, G, T, N, a stray `;`) is kept;
//! lenient reads warn once per field or kind of problem. Counts of values
//! of a record are held back until the record is kept, so a record skipped
//! later for a broken column counts nothing.

use std::collections::{BTreeMap, HashSet};

use genolake_core::Stringency;

#[derive(Debug)]
pub(crate) struct Tolerated {
    stringency: Stringency,
    /// Values read as null, per field (`INFO GC`), over the whole read.
    nulled: BTreeMap<String, u64>,
    /// Fields nulled in the record being decoded.
    pending: Vec<String>,
    /// Fields and kinds of problem already warned about.
    warned: HashSet<String>,
    warnings: Vec<String>,
}

impl Tolerated {
    pub(crate) fn new(stringency: Stringency) -> Self {
        Self {
            stringency,
            nulled: BTreeMap::new(),
            pending: Vec::new(),
            warned: HashSet::new(),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn is_strict(&self) -> bool {
        self.stringency == Stringency::Strict
    }

    /// A value of `field` is wrong (`problem`): an error under strict
    /// stringency; else the caller reads it as null, and it is counted.
    pub(crate) fn null(&mut self, field: &str, problem: &str) -> Result<(), String> {
        if self.is_strict() {
            return Err(format!("{field}: {problem}"));
        }
        self.count_null(field, problem);
        Ok(())
    }

    /// As [`Tolerated::null`], for a `problem` that names its field itself.
    pub(crate) fn null_named(&mut self, field: &str, problem: &str) -> Result<(), String> {
        if self.is_strict() {
            return Err(problem.to_string());
        }
        self.count_null(field, problem);
        Ok(())
    }

    fn count_null(&mut self, field: &str, problem: &str) {
        self.pending.push(field.to_string());
        self.warn_once(field, || {
            format!("{field}: {problem}; values of {field} that do not parse are read as null")
        });
    }

    /// A record breaks the letter of the specification (`problem`, of the
    /// kind `kind`): an error under strict stringency; else it is kept.
    pub(crate) fn lint(&mut self, kind: &str, problem: String) -> Result<(), String> {
        self.lint_then(kind, problem, "such records are kept as they are")
    }

    /// As [`Tolerated::lint`], saying what a lenient read does instead.
    pub(crate) fn lint_then(
        &mut self,
        kind: &str,
        problem: String,
        instead: &str,
    ) -> Result<(), String> {
        if self.is_strict() {
            return Err(problem);
        }
        self.warn_once(kind, || format!("{problem}; {instead}"));
        Ok(())
    }

    /// A value of `field` that the file's version allows but its column
    /// cannot hold (an Integer past 32 bits in VCF 4.2) is read as missing:
    /// counted, and warned about once per field in every stringency but
    /// silent, since even a strict read loses it.
    pub(crate) fn unrepresentable(&mut self, field: &str, message: impl FnOnce() -> String) {
        self.pending.push(field.to_string());
        let key = format!("{field} unrepresentable");
        if self.stringency != Stringency::Silent && !self.warned.contains(&key) {
            self.warnings.push(message());
            self.warned.insert(key);
        }
    }

    /// Something the specification frowns on but that loses nothing (a
    /// stray `;`): a warning under lenient stringency, never an error.
    pub(crate) fn note(&mut self, kind: &str, message: impl FnOnce() -> String) {
        self.warn_once(kind, message);
    }

    fn warn_once(&mut self, key: &str, message: impl FnOnce() -> String) {
        if self.stringency == Stringency::Lenient && !self.warned.contains(key) {
            self.warned.insert(key.to_string());
            self.warnings.push(message());
        }
    }

    /// The record is kept: its nulled values count. Returns how many.
    pub(crate) fn commit(&mut self) -> u64 {
        let n = self.pending.len() as u64;
        for field in self.pending.drain(..) {
            *self.nulled.entry(field).or_insert(0) += 1;
        }
        n
    }

    /// The record is dropped: its nulled values do not count.
    pub(crate) fn discard(&mut self) {
        self.pending.clear();
    }

    pub(crate) fn has_warnings(&self) -> bool {
        !self.warnings.is_empty()
    }

    pub(crate) fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Values read as null so far, per field.
    pub(crate) fn nulled(&self) -> &BTreeMap<String, u64> {
        &self.nulled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_errs_lenient_counts_kept_records_and_warns_once() {
        let mut strict = Tolerated::new(Stringency::Strict);
        assert_eq!(
            strict.null("INFO GC", "\"1.5\" is not an Integer"),
            Err("INFO GC: \"1.5\" is not an Integer".to_string())
        );
        let mut lenient = Tolerated::new(Stringency::Lenient);
        for _ in 0..3 {
            lenient.null("INFO GC", "bad").unwrap();
            assert_eq!(lenient.commit(), 1);
        }
        lenient.null("INFO GC", "bad").unwrap();
        lenient.discard();
        assert_eq!(lenient.nulled().get("INFO GC"), Some(&3));
        assert_eq!(lenient.take_warnings().len(), 1);
        let mut strict = Tolerated::new(Stringency::Strict);
        for _ in 0..2 {
            strict.unrepresentable("INFO X", || "X is too wide".into());
            assert_eq!(strict.commit(), 1);
        }
        assert_eq!(strict.take_warnings(), ["X is too wide"]);
        let mut silent = Tolerated::new(Stringency::Silent);
        silent.unrepresentable("INFO X", || "X is too wide".into());
        silent.null("INFO GC", "bad").unwrap();
        silent.lint("REF", "REF \"R\"".into()).unwrap();
        assert!(!silent.has_warnings());
    }
}
