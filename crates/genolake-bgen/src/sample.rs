//! Oxford `.sample` files: sample identifiers kept beside a `.bgen`.
//!
//! The format is whitespace-separated text: a line of column names
//! (`ID_1 ID_2 missing ...`), a line of column types (`0 0 0 ...`), then one
//! line per sample in the order of the `.bgen`. Glow reads the identifiers
//! from the column named by `sampleIdColumn` (default `ID_2`).

use std::io::Write;
use std::path::Path;

use crate::error::{Error, ErrorKind, Position, Result};

/// The column Glow reads sample identifiers from by default.
pub const DEFAULT_SAMPLE_ID_COLUMN: &str = "ID_2";

/// Reads the sample identifiers of an Oxford `.sample` file from `column`.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ids = genolake_bgen::sample::read_sample_file("tests/data/example.16bits.oxford.sample", "ID_2")?;
/// assert_eq!(ids.len(), 500);
/// assert_eq!(ids[0], "sample_001");
/// # Ok(()) }
/// ```
pub fn read_sample_file(path: impl AsRef<Path>, column: &str) -> Result<Vec<String>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let error = |line: u64, message: String| {
        Error::new(path, Position::Line(line), ErrorKind::SampleFile(message))
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1;
        error(line, "the line is not valid UTF-8".into())
    })?;
    let mut lines = text.lines().enumerate().map(|(i, l)| (i as u64 + 1, l));
    let Some((_, names)) = lines.next() else {
        return Err(Error::new(
            path,
            Position::File,
            ErrorKind::SampleFile(
                "the sample file is empty: expected a line of column names".into(),
            ),
        ));
    };
    let names: Vec<&str> = names.split_ascii_whitespace().collect();
    let Some(index) = names.iter().position(|n| *n == column) else {
        return Err(error(
            1,
            format!(
                "no column named {column:?}; the columns are {}",
                names.join(", ")
            ),
        ));
    };
    if lines.next().is_none() {
        return Err(error(2, "the line of column types is missing".into()));
    }
    let mut ids = Vec::new();
    for (number, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let Some(id) = line.split_ascii_whitespace().nth(index) else {
            return Err(error(
                number,
                format!(
                    "the line has {} columns, too few for column {column:?} (column {})",
                    line.split_ascii_whitespace().count(),
                    index + 1
                ),
            ));
        };
        ids.push(id.to_string());
    }
    Ok(ids)
}

/// Writes an Oxford `.sample` file listing `ids` as both `ID_1` and `ID_2`,
/// with a `missing` column of zeros, as qctool and plink2 write it.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("x.sample");
/// genolake_bgen::sample::write_sample_file(&path, &["a", "b"])?;
/// assert_eq!(genolake_bgen::sample::read_sample_file(&path, "ID_1")?, ["a", "b"]);
/// # Ok(()) }
/// ```
pub fn write_sample_file<S: AsRef<str>>(path: impl AsRef<Path>, ids: &[S]) -> Result<()> {
    let path = path.as_ref();
    let mut out = Vec::new();
    out.extend_from_slice(b"ID_1 ID_2 missing\n0 0 0\n");
    for id in ids {
        let id = id.as_ref();
        if id.is_empty() || id.contains(|c: char| c.is_ascii_whitespace()) {
            return Err(Error::new(
                path,
                Position::File,
                ErrorKind::Write(format!(
                    "sample identifier {id:?} is empty or holds white space, which a .sample file cannot store"
                )),
            ));
        }
        writeln!(out, "{id} {id} 0").map_err(|e| Error::io(path, e))?;
    }
    std::fs::write(path, out).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_column_and_names_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sample");
        std::fs::write(&path, "ID_1 ID_2 missing\n0 0 0\na A 0\nb\tB 0\n\n").unwrap();
        assert_eq!(read_sample_file(&path, "ID_2").unwrap(), ["A", "B"]);
        assert_eq!(read_sample_file(&path, "ID_1").unwrap(), ["a", "b"]);
        let e = read_sample_file(&path, "FAKE").unwrap_err().to_string();
        assert!(e.contains("line 1: no column named \"FAKE\""), "{e}");
        std::fs::write(&path, "ID_1 ID_2 missing\n0 0 0\na A 0\nb\n").unwrap();
        let e = read_sample_file(&path, "ID_2").unwrap_err().to_string();
        assert!(e.contains("line 4: the line has 1 columns"), "{e}");
    }
}
