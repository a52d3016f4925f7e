//! The `.fam` file: one line per sample, in the order of the genotypes of
//! every `.bed` record.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use crate::error::{Error, ErrorKind, Position, Result};
use crate::text::{Delimiter, LineError, LineReader, columns, is_blank_line};

/// One line of a `.fam` file.
///
/// ```
/// use genolake_plink::Sample;
/// let s = Sample::new("fam1", "ind1");
/// assert_eq!(s.id(true), "fam1_ind1"); // mergeFidIid=true, Glow's default
/// assert_eq!(s.id(false), "ind1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sample {
    /// Family ID (FID); `0` when there is none.
    pub family_id: String,
    /// Within-family ID (IID).
    pub individual_id: String,
    /// Within-family ID of the father; `0` when unknown.
    pub father_id: String,
    /// Within-family ID of the mother; `0` when unknown.
    pub mother_id: String,
    /// Sex code: `1` male, `2` female, `0` unknown.
    pub sex: String,
    /// Phenotype value: `1` control, `2` case, `-9` or `0` missing, or a number.
    pub phenotype: String,
}

impl Sample {
    /// A sample with no parents, unknown sex and missing phenotype, as plink2
    /// writes samples imported from a VCF.
    pub fn new(family_id: impl Into<String>, individual_id: impl Into<String>) -> Self {
        Self {
            family_id: family_id.into(),
            individual_id: individual_id.into(),
            father_id: "0".into(),
            mother_id: "0".into(),
            sex: "0".into(),
            phenotype: "-9".into(),
        }
    }

    /// The `sampleId` Glow gives this sample: `FID_IID` when `merge_fid_iid`
    /// (Glow's `mergeFidIid`, default true), the IID alone otherwise.
    pub fn id(&self, merge_fid_iid: bool) -> String {
        if merge_fid_iid {
            format!("{}_{}", self.family_id, self.individual_id)
        } else {
            self.individual_id.clone()
        }
    }
}

const FAM_COLUMNS: &str = "family ID, individual ID, father, mother, sex and phenotype";

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::new(
                path,
                Position::File,
                ErrorKind::Missing(
                    "the .fam file that names the samples of the fileset is missing; a PLINK 1 \
                     fileset is three files with one prefix: .bed, .bim and .fam"
                        .into(),
                ),
            )
        } else {
            Error::io(path, e)
        }
    })
}

fn line_error(path: &Path, line: u64, e: LineError) -> Error {
    match e {
        LineError::Io(e) => Error::io(path, e),
        LineError::TooLong => Error::new(
            path,
            Position::Line(line),
            ErrorKind::Fam(format!(
                "the line is longer than {} bytes; this is not a .fam file",
                crate::text::MAX_LINE_LEN
            )),
        ),
    }
}

/// Reads the samples of a `.fam` file, skipping blank lines.
///
/// Every line must have exactly six columns; a line with more or fewer is an
/// error naming it, whatever the stringency, because the number of samples
/// decides the layout of the `.bed`.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_plink::{Delimiter, read_fam};
/// let samples = read_fam(
///     "tests/data/five-samples-five-variants/bed-bim-fam/test.fam",
///     Delimiter::Whitespace,
/// )?;
/// assert_eq!(samples.len(), 5);
/// assert_eq!(samples[0].id(true), "fam1_ind1");
/// # Ok(()) }
/// ```
pub fn read_fam(path: impl AsRef<Path>, delimiter: Delimiter) -> Result<Vec<Sample>> {
    let path = path.as_ref();
    let mut lines = LineReader::new(BufReader::new(open(path)?));
    let mut samples = Vec::new();
    loop {
        match lines.next_line() {
            Ok(Some(line)) if is_blank_line(line) => continue,
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return Err(line_error(path, lines.line_number(), e)),
        }
        let number = lines.line_number();
        let columns = columns::<6>(lines.current(), delimiter);
        let fail =
            |message: String| Error::new(path, Position::Line(number), ErrorKind::Fam(message));
        if columns.count != 6 {
            let hint = match delimiter {
                Delimiter::Byte(_) if columns.count < 6 => {
                    " (is famDelimiter right? the default, whitespace, reads both tabs and spaces)"
                }
                _ => "",
            };
            return Err(fail(format!(
                "expected 6 columns ({FAM_COLUMNS}) separated by {delimiter}, found {}{hint}",
                columns.count
            )));
        }
        let mut text = [""; 6];
        for (i, field) in columns.fields.iter().enumerate() {
            text[i] = std::str::from_utf8(field)
                .map_err(|_| fail(format!("column {} is not valid UTF-8", i + 1)))?;
            if text[i].is_empty() {
                return Err(fail(format!(
                    "column {} is empty (expected {FAM_COLUMNS} separated by {delimiter})",
                    i + 1
                )));
            }
        }
        samples.push(Sample {
            family_id: text[0].into(),
            individual_id: text[1].into(),
            father_id: text[2].into(),
            mother_id: text[3].into(),
            sex: text[4].into(),
            phenotype: text[5].into(),
        });
    }
    Ok(samples)
}

/// Counts the samples of a `.fam` file (its non-blank lines) without
/// parsing them: enough to know the width of a `.bed` record.
pub(crate) fn count_samples(path: &Path) -> Result<u64> {
    let mut lines = LineReader::new(BufReader::new(open(path)?));
    let mut n = 0;
    loop {
        match lines.next_line() {
            Ok(Some(line)) => n += u64::from(!is_blank_line(line)),
            Ok(None) => return Ok(n),
            Err(e) => return Err(line_error(path, lines.line_number(), e)),
        }
    }
}
