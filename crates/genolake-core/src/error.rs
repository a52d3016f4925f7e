//! The error type of `genolake-core` (option values that do not parse,
//! inputs whose schemas do not merge), and [`render`], which prints any
//! error of genolake once, whatever engines it crossed.

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
    /// Rows that the matrix layout cannot hold, or a matrix table whose
    /// configuration or columns do not describe one (see
    /// [`matrix`](crate::matrix)).
    #[error("{0}")]
    Layout(String),
}

/// The result of fallible functions of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<arrow::error::ArrowError> for Error {
    fn from(error: arrow::error::ArrowError) -> Self {
        Error::Layout(error.to_string())
    }
}

/// Labels DataFusion, Arrow and delta-rs put before the error they wrap;
/// they say which library passed the error on, nothing about what is wrong.
const WRAPPER_LABELS: &[&str] = &[
    "External error: ",
    "Arrow error: ",
    "Execution error: ",
    "Parquet error: ",
    "Generic DeltaTable error: ",
    "Generic error: ",
    "Kernel error: ",
    "Object Store error: ",
];

/// `error` and its causes (its `source` chain) as one message, each part
/// once, without the labels of the engines that passed it on.
///
/// Errors of the readers reach a caller wrapped by the engines they crossed:
/// a VCF reader's `x.vcf: line 3: ...` raised inside a DataFusion scan
/// comes back as DataFusion's `External error: x.vcf: line 3: ...`, inside
/// delta-rs's `Generic DeltaTable error: ...`, and each wrapper both prints
/// its cause and reports it as its `source`, so printing the chain repeats
/// the message behind the engines' labels. The message here is the
/// outermost error's text followed by whatever its causes add. The CLI and
/// the Python package print errors through it.
///
/// ```
/// let io = std::io::Error::other("External error: x.vcf: line 3: bad POS");
/// assert_eq!(genolake_core::error::render(&io), "x.vcf: line 3: bad POS");
/// ```
pub fn render(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = String::new();
    let mut next = Some(error);
    while let Some(cause) = next {
        next = cause.source();
        let text = without_labels(cause.to_string());
        if text.is_empty() || message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    // delta-rs joins the errors of several columns or partitions with
    // newlines, often the same one over and over.
    let mut lines: Vec<&str> = Vec::new();
    for line in message.lines() {
        if lines.last() != Some(&line) {
            lines.push(line);
        }
    }
    lines.join("\n")
}

fn without_labels(mut text: String) -> String {
    for label in WRAPPER_LABELS {
        text = text.replace(label, "");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(&'static str, Option<Box<Wrapper>>);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)?;
            match &self.1 {
                Some(inner) if !self.0.is_empty() => write!(f, ": {inner}"),
                Some(inner) => write!(f, "{inner}"),
                None => Ok(()),
            }
        }
    }

    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn wrapped_messages_print_once_without_engine_labels() {
        let read = || {
            Some(Box::new(Wrapper(
                "x.vcf: line 3: POS \"x\" is not a number",
                None,
            )))
        };
        let cases = [
            // DataFusion around a reader's error, as `genolake sql` saw it.
            (
                Wrapper("External error", read()),
                "x.vcf: line 3: POS \"x\" is not a number",
            ),
            // delta-rs around DataFusion around it, inside genolake-lake's.
            (
                Wrapper(
                    "/t: ingest failed and nothing was committed",
                    Some(Box::new(Wrapper(
                        "Generic DeltaTable error",
                        Some(Box::new(Wrapper("External error", read()))),
                    ))),
                ),
                "/t: ingest failed and nothing was committed: x.vcf: line 3: POS \"x\" is not a number",
            ),
            // A cause the outer message does not print is kept.
            (Wrapper("cannot open x.vcf", None), "cannot open x.vcf"),
        ];
        for (error, expected) in cases {
            assert_eq!(render(&error), expected);
        }
        // A context that does not print its cause (as anyhow's does not).
        #[derive(Debug)]
        struct Context(Wrapper);
        impl std::fmt::Display for Context {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("x.vcf: cannot be read")
            }
        }
        impl std::error::Error for Context {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let hidden = Context(Wrapper("No such file or directory", None));
        assert_eq!(
            render(&hidden),
            "x.vcf: cannot be read: No such file or directory"
        );
        let repeated = Wrapper("Schema error: a\nSchema error: a\nSchema error: a", None);
        assert_eq!(render(&repeated), "Schema error: a");
    }
}
