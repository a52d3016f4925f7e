//! Any text as a CSQ/ANN header Description (the first line) and the
//! annotation values of rows (the other lines, each split on `,` as a
//! VCF's INFO list is): typed structs or an error, never a panic.
//!
//! `scripts/fuzz.sh parse_annotations` builds and runs it, seeded with the
//! CSQ and ANN lines of `tests/data/vcf`.

#![no_main]

use std::sync::Arc;

use arrow::array::StringArray;
use genolake_ops::annotation::{AnnotationFormat, format_annotations, parse_annotations};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.lines();
    let Some(description) = lines.next() else {
        return;
    };
    let Ok(format) = AnnotationFormat::from_description(description) else {
        return;
    };
    let values: Vec<Option<&str>> = lines
        .flat_map(|line| line.split(','))
        .map(|v| (v != ".").then_some(v))
        .collect();
    let values = StringArray::from(values);
    if let Ok(parsed) = parse_annotations(&values, &format) {
        let _ = format_annotations(&parsed);
        let _ = Arc::new(parsed);
    }
});
