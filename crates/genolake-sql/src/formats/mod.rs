//! The input formats genolake reads, and what tells them apart.

mod bgen;
mod plink;
mod vcf;

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

pub use bgen::BgenFormatReader;
pub use plink::PlinkFormatReader;
pub use vcf::VcfFormatReader;

use crate::error::{Error, Result};
use crate::options::{BGEN_OPTION_NAMES, PLINK_OPTION_NAMES, VCF_OPTION_NAMES};
use crate::options::{apply_bgen_option, apply_plink_option, apply_vcf_option};
use crate::scan::SharedReader;

/// File name endings of VCF files.
const VCF_SUFFIXES: &[&str] = &[".vcf", ".vcf.gz", ".vcf.bgz", ".vcf.bgzf", ".vcf.gzip"];

/// A genomics file format genolake reads into Glow's variant table.
///
/// ```
/// use std::path::Path;
/// use genolake_sql::InputFormat;
///
/// assert_eq!(InputFormat::detect(Path::new("calls.vcf.bgz")), Some(InputFormat::Vcf));
/// assert_eq!(InputFormat::detect(Path::new("ukb_imp_chr1.bgen")), Some(InputFormat::Bgen));
/// assert_eq!(InputFormat::detect(Path::new("cohort.bed")), Some(InputFormat::Plink));
/// assert_eq!("PLINK".parse::<InputFormat>().unwrap(), InputFormat::Plink);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputFormat {
    /// VCF 4.0–4.4, plain, gzip or BGZF.
    Vcf,
    /// BGEN 1.1–1.3.
    Bgen,
    /// A PLINK 1 binary fileset (`.bed`, `.bim`, `.fam`).
    Plink,
}

impl InputFormat {
    /// Every format, in the order they are documented.
    pub const ALL: [InputFormat; 3] = [Self::Vcf, Self::Bgen, Self::Plink];

    /// The lower-case name: `STORED AS` takes it, `read_<name>` reads it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Vcf => "vcf",
            Self::Bgen => "bgen",
            Self::Plink => "plink",
        }
    }

    /// The name as written in prose and error messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Vcf => "VCF",
            Self::Bgen => "BGEN",
            Self::Plink => "PLINK",
        }
    }

    /// The extension of the data files (a PLINK fileset is read through
    /// its `.bed`).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Vcf => "vcf",
            Self::Bgen => "bgen",
            Self::Plink => "bed",
        }
    }

    /// Whether a file of this name holds data of this format (how
    /// directories are listed).
    pub fn is_data_file_name(self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        match self {
            Self::Vcf => VCF_SUFFIXES.iter().any(|s| lower.ends_with(s)),
            Self::Bgen => lower.ends_with(".bgen"),
            Self::Plink => lower.ends_with(".bed"),
        }
    }

    /// The format of `path` by its name: a VCF ending, `.bgen`, or a PLINK
    /// `.bed`, `.bim` or `.fam`; a path without a known ending is taken as a
    /// PLINK prefix when `<path>.bed` exists.
    pub fn detect(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        if let Some(format) = Self::ALL.into_iter().find(|f| f.is_data_file_name(name)) {
            return Some(format);
        }
        if lower.ends_with(".bim") || lower.ends_with(".fam") {
            return Some(Self::Plink);
        }
        let mut bed = path.as_os_str().to_owned();
        bed.push(".bed");
        Path::new(&bed).is_file().then_some(Self::Plink)
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
                     .vcf.bgz, .bgen, .bed or a PLINK prefix); name the format",
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
        match self {
            Self::Vcf => VCF_OPTION_NAMES,
            Self::Bgen => BGEN_OPTION_NAMES,
            Self::Plink => PLINK_OPTION_NAMES,
        }
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
        Ok(match self {
            Self::Vcf => {
                let mut o = genolake_vcf::ReaderOptions::default();
                for (key, value) in options {
                    apply_vcf_option(&mut o, key, value)?;
                }
                Arc::new(VcfFormatReader::new(o))
            }
            Self::Bgen => {
                let mut o = genolake_bgen::ReaderOptions::default();
                for (key, value) in options {
                    apply_bgen_option(&mut o, key, value)?;
                }
                Arc::new(BgenFormatReader::new(o))
            }
            Self::Plink => {
                let mut o = genolake_plink::ReaderOptions::default();
                for (key, value) in options {
                    apply_plink_option(&mut o, key, value)?;
                }
                Arc::new(PlinkFormatReader::new(o))
            }
        })
    }

    /// A reader of this format with default options.
    pub fn default_reader(self) -> SharedReader {
        match self {
            Self::Vcf => Arc::new(VcfFormatReader::new(Default::default())),
            Self::Bgen => Arc::new(BgenFormatReader::new(Default::default())),
            Self::Plink => Arc::new(PlinkFormatReader::new(Default::default())),
        }
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
                Error::Usage(format!("unknown format '{s}': expected vcf, bgen or plink"))
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
