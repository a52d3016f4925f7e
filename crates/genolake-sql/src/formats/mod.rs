//! The formats genolake reads and writes, and what tells them apart.
//!
//! Everything genolake knows of a format lives in that format's module: a
//! [`ReadSpec`] (names, file endings, reader options and the reader itself)
//! and, for the formats it writes, a [`WriteSpec`] (in [`writer`]). The
//! [`InputFormat`] and [`WriteFormat`] enums only list the modules, so a
//! new format is one module and one line in each list.

mod bcf;
mod bgen;
mod parquet;
mod plink;
mod vcf;
pub mod writer;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

pub use bcf::BcfFormatReader;
pub use bgen::BgenFormatReader;
pub use plink::PlinkFormatReader;
pub use vcf::VcfFormatReader;
pub use writer::{FormatWriter, WriteFormat, WriteSource, Written};

use crate::error::{Error, Result};
use crate::scan::SharedReader;

/// What genolake knows of a format it reads, given once in the format's
/// module.
pub(crate) struct ReadSpec {
    /// The lower-case name: `STORED AS` takes it, `read_<name>` reads it.
    pub(crate) name: &'static str,
    /// The name as written in prose and error messages.
    pub(crate) display_name: &'static str,
    /// The extension of the data files.
    pub(crate) extension: &'static str,
    /// Lower-case endings of the data files' names.
    pub(crate) suffixes: &'static [&'static str],
    /// Endings of files that name the data file beside them (a PLINK
    /// `.bim` or `.fam` names its `.bed`).
    pub(crate) companions: &'static [&'static str],
    /// Whether a name without a known ending is a prefix of a data file
    /// (`cohort` for `cohort.bed`).
    pub(crate) prefix: bool,
    /// The option names the reader takes (Glow's names).
    pub(crate) option_names: &'static [&'static str],
    /// A call of the table function, for its usage message.
    pub(crate) usage: &'static str,
    /// A reader with these options (name, value pairs).
    pub(crate) reader: fn(&[(String, String)]) -> Result<SharedReader>,
    /// A reader with the default options.
    pub(crate) default_reader: fn() -> SharedReader,
}

/// A genomics file format genolake reads into Glow's variant table.
///
/// ```
/// use std::path::Path;
/// use genolake_sql::InputFormat;
///
/// assert_eq!(InputFormat::detect(Path::new("calls.vcf.bgz")), Some(InputFormat::Vcf));
/// assert_eq!(InputFormat::detect(Path::new("calls.bcf")), Some(InputFormat::Bcf));
/// assert_eq!(InputFormat::detect(Path::new("ukb_imp_chr1.bgen")), Some(InputFormat::Bgen));
/// assert_eq!(InputFormat::detect(Path::new("cohort.bed")), Some(InputFormat::Plink));
/// assert_eq!("PLINK".parse::<InputFormat>().unwrap(), InputFormat::Plink);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputFormat {
    /// VCF 4.0–4.4, plain, gzip or BGZF.
    Vcf,
    /// BCF 2.1 and 2.2.
    Bcf,
    /// BGEN 1.1–1.3.
    Bgen,
    /// A PLINK 1 binary fileset (`.bed`, `.bim`, `.fam`).
    Plink,
}

impl InputFormat {
    /// Every format, in the order they are documented.
    pub const ALL: [InputFormat; 4] = [Self::Vcf, Self::Bcf, Self::Bgen, Self::Plink];

    /// The format's facts, from its module.
    pub(crate) fn spec(self) -> &'static ReadSpec {
        match self {
            Self::Vcf => &vcf::READ,
            Self::Bcf => &bcf::READ,
            Self::Bgen => &bgen::READ,
            Self::Plink => &plink::READ,
        }
    }

    /// The lower-case name: `STORED AS` takes it, `read_<name>` reads it.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The name as written in prose and error messages.
    pub fn display_name(self) -> &'static str {
        self.spec().display_name
    }

    /// The extension of the data files (a PLINK fileset is read through
    /// its `.bed`).
    pub fn extension(self) -> &'static str {
        self.spec().extension
    }

    /// A call of this format's table function, as its usage message shows.
    pub fn usage(self) -> &'static str {
        self.spec().usage
    }

    /// Whether a file of this name holds data of this format (how
    /// directories are listed).
    pub fn is_data_file_name(self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        self.spec().suffixes.iter().any(|s| lower.ends_with(s))
    }

    /// The format of `path` by its name: a VCF ending, `.bcf`, `.bgen`, or
    /// a PLINK `.bed`, `.bim` or `.fam`; a path without a known ending is
    /// taken as a PLINK prefix when `<path>.bed` exists.
    pub fn detect(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        if let Some(format) = Self::ALL.into_iter().find(|f| f.is_data_file_name(name)) {
            return Some(format);
        }
        if let Some(format) = Self::ALL
            .into_iter()
            .find(|f| f.spec().companions.iter().any(|c| lower.ends_with(c)))
        {
            return Some(format);
        }
        Self::ALL.into_iter().find(|f| {
            let mut data = path.as_os_str().to_owned();
            data.push(".");
            data.push(f.extension());
            f.spec().prefix && Path::new(&data).is_file()
        })
    }

    /// The one format of `paths`, told by their names (see [`detect`]):
    /// an error names a path whose name tells none (a directory, say) or two
    /// paths of different formats.
    ///
    /// [`detect`]: InputFormat::detect
    ///
    /// ```
    /// use std::path::PathBuf;
    /// use genolake_sql::InputFormat;
    ///
    /// let paths = [PathBuf::from("a.vcf.gz"), PathBuf::from("b.vcf")];
    /// assert_eq!(InputFormat::detect_all(&paths).unwrap(), InputFormat::Vcf);
    /// let mixed = [PathBuf::from("a.vcf.gz"), PathBuf::from("b.bgen")];
    /// assert!(InputFormat::detect_all(&mixed).is_err());
    /// ```
    pub fn detect_all(paths: &[impl AsRef<Path>]) -> Result<Self> {
        let mut found: Option<(Self, &Path)> = None;
        for path in paths {
            let path = path.as_ref();
            let Some(format) = Self::detect(path) else {
                return Err(Error::Usage(format!(
                    "{}: cannot tell the format from the name (expected .vcf, .vcf.gz, \
                     .vcf.bgz, .bcf, .bgen, .bed or a PLINK prefix); name the format",
                    path.display()
                )));
            };
            match found {
                Some((first, first_path)) if first != format => {
                    return Err(Error::Usage(format!(
                        "{} is {} but {} is {}: one read takes one format",
                        first_path.display(),
                        first.display_name(),
                        path.display(),
                        format.display_name()
                    )));
                }
                _ => found = Some((format, path)),
            }
        }
        found
            .map(|(format, _)| format)
            .ok_or_else(|| Error::Usage("no input given".into()))
    }

    /// The option names the format's reader takes (Glow's names).
    pub fn option_names(self) -> &'static [&'static str] {
        self.spec().option_names
    }

    /// A reader of this format with `options` (name, value pairs under
    /// Glow's names, as `read_<format>` and `OPTIONS (...)` give them).
    ///
    /// ```
    /// use genolake_sql::InputFormat;
    ///
    /// let options = [("hardCallThreshold".to_string(), "0.8".to_string())];
    /// assert!(InputFormat::Bgen.reader(&options).is_ok());
    /// let error = InputFormat::Plink.reader(&options).unwrap_err();
    /// assert!(error.to_string().contains("mergeFidIid"), "{error}");
    /// ```
    pub fn reader(self, options: &[(String, String)]) -> Result<SharedReader> {
        (self.spec().reader)(options)
    }

    /// A reader of this format with default options.
    pub fn default_reader(self) -> SharedReader {
        (self.spec().default_reader)()
    }
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for InputFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|f| f.name()).collect();
                Error::Usage(format!(
                    "unknown format '{s}': expected {}",
                    names.join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart_by_name() {
        let cases = [
            ("a.vcf", Some(InputFormat::Vcf)),
            ("a.VCF.GZ", Some(InputFormat::Vcf)),
            ("a.vcf.gz.tbi", None),
            ("a.bgen", Some(InputFormat::Bgen)),
            ("a.bgen.bgi", None),
            ("a.bcf", Some(InputFormat::Bcf)),
            ("a.bcf.csi", None),
            ("a.bim", Some(InputFormat::Plink)),
            ("a.fam", Some(InputFormat::Plink)),
            ("no-such-prefix", None),
        ];
        for (name, expected) in cases {
            assert_eq!(InputFormat::detect(Path::new(name)), expected, "{name}");
        }
    }

    #[test]
    fn a_prefix_with_a_bed_beside_it_is_plink() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cohort.qc.bed"), b"").unwrap();
        let prefix = dir.path().join("cohort.qc");
        assert_eq!(InputFormat::detect(&prefix), Some(InputFormat::Plink));
    }

    #[test]
    fn names_parse_back() {
        for format in InputFormat::ALL {
            assert_eq!(format.name().parse::<InputFormat>().unwrap(), format);
            assert_eq!(
                format.display_name().parse::<InputFormat>().unwrap(),
                format
            );
        }
        assert!("parquet".parse::<InputFormat>().is_err());
    }
}
