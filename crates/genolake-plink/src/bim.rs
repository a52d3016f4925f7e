//! The `.bim` file: one line per variant, in the order of the `.bed` records.
//!
//! Columns: chromosome, variant ID, position in centimorgans, base-pair
//! coordinate (1-based), allele 1 and allele 2. Allele 2 is the reference
//! (PLINK's A2; plink2 puts a VCF's REF there), allele 1 the alternate.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use crate::error::{Error, ErrorKind, Position, Result};
use crate::text::{Delimiter, LineError, LineReader, columns, is_blank_line};

/// One `.bim` line, borrowed from the line's bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BimRecord<'a> {
    pub contig: &'a str,
    pub id: &'a str,
    pub centimorgans: f64,
    pub position: i64,
    pub allele1: &'a str,
    pub allele2: &'a str,
}

const NAMES: [&str; 6] = [
    "chromosome",
    "variant ID",
    "position in centimorgans",
    "base-pair coordinate",
    "allele 1",
    "allele 2",
];

/// Parses one non-blank `.bim` line; the error says what is wrong with it.
pub(crate) fn parse_line(line: &[u8], delimiter: Delimiter) -> Result<BimRecord<'_>, String> {
    let columns = columns::<6>(line, delimiter);
    if columns.count != 6 {
        let hint = match delimiter {
            Delimiter::Byte(_) if columns.count < 6 => {
                " (is bimDelimiter right? the default, whitespace, reads both tabs and spaces)"
            }
            _ => "",
        };
        return Err(format!(
            "expected 6 columns ({}) separated by {delimiter}, found {}{hint}",
            NAMES.join(", "),
            columns.count
        ));
    }
    let mut text = [""; 6];
    for (i, field) in columns.fields.iter().enumerate() {
        text[i] = std::str::from_utf8(field)
            .map_err(|_| format!("column {} ({}) is not valid UTF-8", i + 1, NAMES[i]))?;
        if text[i].is_empty() {
            return Err(format!("column {} ({}) is empty", i + 1, NAMES[i]));
        }
    }
    let centimorgans = text[2].parse::<f64>().map_err(|_| {
        format!(
            "the position in centimorgans {:?} (column 3) is not a number",
            text[2]
        )
    })?;
    let position = text[3].parse::<i64>().map_err(|_| {
        format!(
            "the base-pair coordinate {:?} (column 4) is not a whole number",
            text[3]
        )
    })?;
    Ok(BimRecord {
        contig: text[0],
        id: text[1],
        centimorgans,
        position,
        allele1: text[4],
        allele2: text[5],
    })
}

/// The variant lines of a `.bim` file, blank lines skipped, each with its
/// line number.
pub(crate) struct BimLines {
    lines: LineReader<BufReader<File>>,
}

pub(crate) fn missing_message() -> String {
    "the .bim file that lists the variants of the fileset is missing; a PLINK 1 fileset is \
     three files with one prefix: .bed, .bim and .fam"
        .into()
}

impl BimLines {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::new(path, Position::File, ErrorKind::Missing(missing_message()))
            } else {
                Error::io(path, e)
            }
        })?;
        Ok(Self {
            lines: LineReader::new(BufReader::with_capacity(1 << 16, file)),
        })
    }

    /// The next non-blank line and its number, or `None` at the end.
    pub(crate) fn next(&mut self, path: &Path) -> Result<Option<(u64, &[u8])>> {
        // Two passes so the borrow of a blank line ends before the next read.
        loop {
            match self.lines.next_line() {
                Ok(Some(line)) if is_blank_line(line) => continue,
                Ok(Some(_)) => break,
                Ok(None) => return Ok(None),
                Err(e) => return Err(self.error(path, e)),
            }
        }
        let number = self.lines.line_number();
        // The line just read is still in the reader's buffer.
        Ok(Some((number, self.lines.current())))
    }

    /// Skips `n` variant lines.
    pub(crate) fn skip(&mut self, path: &Path, n: u64) -> Result<u64> {
        let mut skipped = 0;
        while skipped < n {
            if self.next(path)?.is_none() {
                break;
            }
            skipped += 1;
        }
        Ok(skipped)
    }

    /// Bytes consumed so far.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.lines.bytes_read()
    }

    fn error(&self, path: &Path, e: LineError) -> Error {
        match e {
            LineError::Io(e) => Error::io(path, e),
            LineError::TooLong => Error::new(
                path,
                Position::Line(self.lines.line_number()),
                ErrorKind::Bim(format!(
                    "the line is longer than {} bytes; this is not a .bim file",
                    crate::text::MAX_LINE_LEN
                )),
            ),
        }
    }
}

/// Counts the variants of a `.bim` file (its non-blank lines).
pub(crate) fn count_variants(path: &Path) -> Result<u64> {
    let mut lines = BimLines::open(path)?;
    let mut n = 0;
    while lines.next(path)?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// The chromosomes a `.bim` file names, each once, in the order they first
/// appear: what a VCF or BCF header written from the fileset declares.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let bim = "tests/data/five-samples-five-variants/bed-bim-fam/test.bim";
/// let contigs = genolake_plink::read_contigs(bim, Default::default())?;
/// assert_eq!(contigs, ["1", "23", "24", "25", "26"]);
/// # Ok(()) }
/// ```
pub fn read_contigs(path: impl AsRef<Path>, delimiter: Delimiter) -> Result<Vec<String>> {
    let path = path.as_ref();
    let mut lines = BimLines::open(path)?;
    let mut contigs: Vec<String> = Vec::new();
    while let Some((number, line)) = lines.next(path)? {
        let record = parse_line(line, delimiter)
            .map_err(|m| Error::new(path, Position::Line(number), ErrorKind::Bim(m)))?;
        // Records of one chromosome come together: comparing with the last
        // one found is enough almost always, the list catches the rest.
        if contigs.last().is_none_or(|c| c != record.contig)
            && !contigs.iter().any(|c| c == record.contig)
        {
            contigs.push(record.contig.to_string());
        }
    }
    Ok(contigs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plink_lines() {
        let r = parse_line(b"1\tsnp1\t0.5\t10\tC\tA", Delimiter::Whitespace).unwrap();
        assert_eq!(
            r,
            BimRecord {
                contig: "1",
                id: "snp1",
                centimorgans: 0.5,
                position: 10,
                allele1: "C",
                allele2: "A",
            }
        );
    }

    #[test]
    fn says_what_is_wrong() {
        let cases: &[(&[u8], Delimiter, &str)] = &[
            (
                b"1 snp1 0 10 C",
                Delimiter::Whitespace,
                "expected 6 columns",
            ),
            (b"1 snp1 0 10 C A B", Delimiter::Whitespace, "found 7"),
            (
                b"1 snp1 0 10 C A",
                Delimiter::Byte(b'\t'),
                "is bimDelimiter right?",
            ),
            (
                b"1 snp1 x 10 C A",
                Delimiter::Whitespace,
                "centimorgans \"x\"",
            ),
            (
                b"1 snp1 0 1.5 C A",
                Delimiter::Whitespace,
                "base-pair coordinate \"1.5\"",
            ),
            (
                b"1\tsnp1\t0\t10\t\tA",
                Delimiter::Byte(b'\t'),
                "column 5 (allele 1) is empty",
            ),
            (
                b"1 snp\xff 0 10 C A",
                Delimiter::Whitespace,
                "not valid UTF-8",
            ),
        ];
        for (line, delimiter, words) in cases {
            let e = parse_line(line, *delimiter).unwrap_err();
            assert!(e.contains(words), "{e:?} should contain {words:?}");
        }
    }
}
