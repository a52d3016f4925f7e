//! An error as one line a user can act on.
//!
//! Errors reach `main` wrapped by the engines they crossed: a VCF reader's
//! `x.vcf: line 3: ...` raised inside a DataFusion scan comes back as
//! DataFusion's `External error: x.vcf: line 3: ...`, inside delta-rs's
//! `Generic DeltaTable error: ...`, and each wrapper both prints its cause
//! and reports it as its `source`, so printing the chain repeated the
//! message two or three times behind the engines' labels. The message here
//! is the outermost error's text followed by whatever its causes add, with
//! the engines' labels left out.

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

/// `error` and its causes as one message, each part once, without engine
/// labels (see the module documentation).
pub fn render(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
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
            assert_eq!(render(&anyhow::Error::new(error)), expected);
        }
        let hidden = anyhow::Error::new(Wrapper("No such file or directory", None))
            .context("x.vcf: cannot be read");
        assert_eq!(
            render(&hidden),
            "x.vcf: cannot be read: No such file or directory"
        );
        let repeated = anyhow::anyhow!("Schema error: a\nSchema error: a\nSchema error: a");
        assert_eq!(render(&repeated), "Schema error: a");
    }
}
