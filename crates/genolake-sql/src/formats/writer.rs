//! Writing the variant table as a genomics file: one [`FormatWriter`] per
//! format, chosen by [`WriteFormat`].
//!
//! `genolake convert` and `COPY ... TO ... STORED AS <format>` both write
//! through here, so a format's options and file handling are the same
//! wherever it is written. Options are name, value pairs under Glow's names
//! where Glow has the option (`vcfHeader`, `bitsPerProbability`), matched as
//! reader options are (no case, no underscores, an optional `format.`
//! prefix). Every writer writes under a temporary name and renames on
//! [`FormatWriter::finish`]: a failed write leaves nothing under the final
//! name.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::path::Path;
//! use genolake_sql::{InputFormat, WriteFormat, WriteSource};
//!
//! let dir = tempfile::tempdir()?;
//! let output = dir.path().join("copy.vcf.gz");
//! assert_eq!(WriteFormat::detect(&output), Some(WriteFormat::Vcf));
//!
//! let reader = InputFormat::Vcf.default_reader();
//! let input = Path::new("tests/data/VCFv4.3.vcf");
//! let source = WriteSource::of_files(reader.as_ref(), &[input.to_path_buf()])?;
//! let options = [("index".to_string(), "tbi".to_string())];
//! let schema = reader.schema(input)?;
//! let mut writer = WriteFormat::Vcf.create(&output, &schema, &options, &source)?;
//! for split in reader.plan_splits(input, 1)? {
//!     for batch in reader.read(&split, Vec::new(), None)? {
//!         writer.write(&batch?)?;
//!     }
//! }
//! let written = writer.finish()?;
//! assert_eq!(written.rows, 5);
//! assert!(dir.path().join("copy.vcf.gz.tbi").is_file());
//! # Ok(()) }
//! ```

use std::fmt;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use arrow::array::RecordBatch;
use arrow::datatypes::Schema;

use crate::error::{Error, Result};
use crate::options::normalize_key;
use crate::scan::FormatReader;

/// Writes record batches of the variant table as one format.
pub trait FormatWriter: Send {
    /// Writes one batch.
    fn write(&mut self, batch: &RecordBatch) -> Result<()>;

    /// Finishes the output and moves it under its final name.
    fn finish(self: Box<Self>) -> Result<Written>;
}

/// What a finished write produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Rows (variants) written.
    pub rows: u64,
    /// The files written: the data file first, then its index or
    /// companion files.
    pub paths: Vec<PathBuf>,
}

impl From<genolake_vcf::WriteSummary> for Written {
    /// What the VCF and BCF writers wrote: the file, then its index.
    fn from(summary: genolake_vcf::WriteSummary) -> Self {
        Self {
            rows: summary.records,
            paths: std::iter::once(summary.path).chain(summary.index).collect(),
        }
    }
}

/// What the rows being written came from, where a writer can use it: the
/// header of a VCF or BCF source, carried over to a VCF or BCF output, and
/// the contigs a source names up front (a PLINK `.bim`), which a VCF or
/// BCF header declares.
#[derive(Debug, Clone, Default)]
pub struct WriteSource {
    /// The source's VCF header text (`##` lines and `#CHROM` line).
    pub vcf_header: Option<String>,
    /// The contigs the source's rows name, in order, when known before
    /// reading them.
    pub contigs: Vec<String>,
    /// The samples the rows carry when the read chose them (a reader's
    /// `samples`): written instead of the carried header's.
    pub samples: Option<Vec<String>>,
}

impl WriteSource {
    /// What `paths`, read by `reader`, tell a writer: the first file's
    /// header (files read together share their columns, and a VCF output
    /// has one header) and the contigs of all of them, in order.
    pub fn of_files(reader: &dyn FormatReader, paths: &[PathBuf]) -> Result<Self> {
        let mut source = Self::default();
        for (i, path) in paths.iter().enumerate() {
            let one = reader.write_source(path)?;
            if i == 0 {
                source.vcf_header = one.vcf_header;
            }
            for contig in one.contigs {
                if !source.contigs.contains(&contig) {
                    source.contigs.push(contig);
                }
            }
        }
        Ok(source)
    }
}

/// What genolake knows of a format it writes, given once in the format's
/// module.
pub(crate) struct WriteSpec {
    /// The lower-case name `--to` and `STORED AS` take.
    pub(crate) name: &'static str,
    /// The name in prose and messages.
    pub(crate) display_name: &'static str,
    /// Lower-case endings of output names that mean this format.
    pub(crate) suffixes: &'static [&'static str],
    /// The ending of files written without a name to tell it (shards).
    pub(crate) extension: &'static str,
    /// The options the writer takes, as users write them.
    pub(crate) option_names: &'static [&'static str],
    /// Opens a writer of `schema` at the path.
    pub(crate) create: CreateWriter,
}

/// Opens a format's writer: output path, the rows' schema, the options
/// given, and what the source tells.
pub(crate) type CreateWriter =
    fn(&Path, &Schema, &Options, &WriteSource) -> Result<Box<dyn FormatWriter>>;

/// A genomics file format genolake writes (`genolake convert --to`,
/// `COPY ... STORED AS`).
///
/// ```
/// use std::path::Path;
/// use genolake_sql::WriteFormat;
///
/// assert_eq!(WriteFormat::detect(Path::new("out.vcf.bgz")), Some(WriteFormat::Vcf));
/// assert_eq!(WriteFormat::detect(Path::new("out.bed")), Some(WriteFormat::Plink));
/// assert_eq!(WriteFormat::detect(Path::new("out.parquet")), Some(WriteFormat::Parquet));
/// assert_eq!(WriteFormat::detect(Path::new("out")), None);
/// assert_eq!("bgen".parse::<WriteFormat>().unwrap(), WriteFormat::Bgen);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteFormat {
    /// VCF 4.3, plain or BGZF (with a `.tbi` or `.csi`).
    Vcf,
    /// BCF 2.2 (with a `.csi`).
    Bcf,
    /// BGEN 1.2 (zlib) or 1.3 (zstd).
    Bgen,
    /// A PLINK 1 binary fileset (`.bed`, `.bim`, `.fam`).
    Plink,
    /// One Parquet file of the table's columns.
    Parquet,
}

impl WriteFormat {
    /// Every format, in the order they are documented.
    pub const ALL: [WriteFormat; 5] =
        [Self::Vcf, Self::Bcf, Self::Bgen, Self::Plink, Self::Parquet];

    pub(crate) fn spec(self) -> &'static WriteSpec {
        match self {
            Self::Vcf => &super::vcf::WRITE,
            Self::Bcf => &super::bcf::WRITE,
            Self::Bgen => &super::bgen::WRITE,
            Self::Plink => &super::plink::WRITE,
            Self::Parquet => &super::parquet::WRITE,
        }
    }

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The name in prose and messages.
    pub fn display_name(self) -> &'static str {
        self.spec().display_name
    }

    /// The options the writer takes, as users write them.
    pub fn option_names(self) -> &'static [&'static str] {
        self.spec().option_names
    }

    /// The ending of files genolake names itself (one per shard):
    /// `vcf.gz`, `bgen`, `bed`, `parquet`.
    pub fn extension(self) -> &'static str {
        self.spec().extension
    }

    /// The ending `path`'s name gives this format (`vcf.bgz` for
    /// `calls.vcf.bgz`), else [`extension`](Self::extension).
    pub fn extension_of(self, path: &Path) -> &'static str {
        let lower = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        self.spec()
            .suffixes
            .iter()
            .find(|s| lower.ends_with(*s))
            .map_or(self.extension(), |s| &s[1..])
    }

    /// The format an output path's name asks for, if its ending tells one.
    pub fn detect(path: &Path) -> Option<Self> {
        let lower = path.file_name()?.to_str()?.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|f| f.spec().suffixes.iter().any(|s| lower.ends_with(s)))
    }

    /// Opens a writer of batches of `schema` at `path`, with `options`
    /// (name, value pairs; an unknown name is an error listing the known
    /// ones).
    pub fn create(
        self,
        path: &Path,
        schema: &Schema,
        options: &[(String, String)],
        source: &WriteSource,
    ) -> Result<Box<dyn FormatWriter>> {
        let spec = self.spec();
        let options = Options::new(spec, options)?;
        (spec.create)(path, schema, &options, source)
    }
}

impl fmt::Display for WriteFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for WriteFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        super::by_name(s, &Self::ALL, |f| f.name(), "cannot write the format")
    }
}

/// A writer's options, checked against its names and read by them.
pub(crate) struct Options {
    /// (normalised name, name as given, value).
    pairs: Vec<(String, String, String)>,
}

impl Options {
    fn new(spec: &WriteSpec, given: &[(String, String)]) -> Result<Self> {
        let mut pairs = Vec::with_capacity(given.len());
        for (key, value) in given {
            let normalized = normalize_key(key);
            if !spec
                .option_names
                .iter()
                .any(|n| normalize_key(n) == normalized)
            {
                return Err(Error::option(
                    key,
                    format!(
                        "not an option of the {} writer (its options: {})",
                        spec.display_name,
                        match spec.option_names {
                            [] => "none".to_string(),
                            names => names.join(", "),
                        }
                    ),
                ));
            }
            pairs.push((normalized, key.clone(), value.clone()));
        }
        Ok(Self { pairs })
    }

    /// The value of option `name` (as the spec lists it), parsed by
    /// `parse`; the last one given wins.
    pub(crate) fn get<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> std::result::Result<T, String>,
    ) -> Result<Option<T>> {
        let normalized = normalize_key(name);
        match self.pairs.iter().rev().find(|(n, _, _)| *n == normalized) {
            Some((_, key, value)) => parse(value.trim())
                .map(Some)
                .map_err(|m| Error::option(key, m)),
            None => Ok(None),
        }
    }

    /// Option `name` as text.
    pub(crate) fn text(&self, name: &str) -> Result<Option<String>> {
        self.get(name, |v| Ok(v.to_string()))
    }

    /// Option `name` as a comma-separated list of names.
    pub(crate) fn list(&self, name: &str) -> Result<Option<Vec<String>>> {
        self.get(name, |v| {
            Ok(v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect())
        })
    }

    /// Option `name` as a number in `range`.
    pub(crate) fn number<T>(
        &self,
        name: &str,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<Option<T>>
    where
        T: FromStr + PartialOrd + fmt::Display + Copy,
    {
        self.get(name, |v| {
            let n: T = v.parse().map_err(|_| {
                format!(
                    "expected a number from {} to {}, not '{v}'",
                    range.start(),
                    range.end()
                )
            })?;
            if range.contains(&n) {
                Ok(n)
            } else {
                Err(format!(
                    "expected a number from {} to {}, not {n}",
                    range.start(),
                    range.end()
                ))
            }
        })
    }

    /// Option `name` as true or false.
    pub(crate) fn flag(&self, name: &str) -> Result<Option<bool>> {
        self.get(name, crate::options::parse_bool)
    }
}

/// A file written under `<path>.partial` and renamed to `path` by
/// [`PartialFile::keep`]; dropped before that, it is removed. For writers
/// whose format crate writes straight to the path it is given.
pub(crate) struct PartialFile {
    path: PathBuf,
    partial: PathBuf,
    kept: bool,
}

impl PartialFile {
    pub(crate) fn new(path: &Path) -> Self {
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        Self {
            path: path.to_path_buf(),
            partial: PathBuf::from(partial),
            kept: false,
        }
    }

    /// Where to write.
    pub(crate) fn partial(&self) -> &Path {
        &self.partial
    }

    /// Creates the temporary file for writing.
    pub(crate) fn create(&self) -> Result<BufWriter<File>> {
        let file = File::create(&self.partial)
            .map_err(|e| Error::input(&self.path, format!("cannot be created: {e}")))?;
        Ok(BufWriter::with_capacity(1 << 20, file))
    }

    /// Moves the finished file to its name.
    pub(crate) fn keep(mut self) -> Result<PathBuf> {
        std::fs::rename(&self.partial, &self.path).map_err(|e| {
            Error::input(
                &self.path,
                format!("cannot be moved from {}: {e}", self.partial.display()),
            )
        })?;
        self.kept = true;
        Ok(self.path.clone())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_told_apart_by_name() {
        let cases = [
            ("a.vcf", Some(WriteFormat::Vcf)),
            ("a.VCF.GZ", Some(WriteFormat::Vcf)),
            ("a.vcf.bgz", Some(WriteFormat::Vcf)),
            ("a.bcf", Some(WriteFormat::Bcf)),
            ("a.bgen", Some(WriteFormat::Bgen)),
            ("a.bed", Some(WriteFormat::Plink)),
            ("a.parquet", Some(WriteFormat::Parquet)),
            ("a.csv", None),
            ("prefix", None),
        ];
        for (name, expected) in cases {
            assert_eq!(WriteFormat::detect(Path::new(name)), expected, "{name}");
        }
        for format in WriteFormat::ALL {
            assert_eq!(format.name().parse::<WriteFormat>().unwrap(), format);
        }
        assert!("csv".parse::<WriteFormat>().is_err());
    }

    #[test]
    fn unknown_and_bad_options_name_themselves() {
        let schema = Schema::empty();
        let dir = tempfile::tempdir().unwrap();
        let source = WriteSource::default();
        let create = |format: WriteFormat, key: &str, value: &str| {
            let options = [(key.to_string(), value.to_string())];
            format
                .create(&dir.path().join("x"), &schema, &options, &source)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let e = create(WriteFormat::Vcf, "bitsPerProbability", "8");
        assert!(
            e.contains("'bitsPerProbability'") && e.contains("vcfHeader"),
            "{e}"
        );
        let e = create(WriteFormat::Bgen, "bits_per_probability", "40");
        assert!(e.contains("1 to 32"), "{e}");
        let e = create(WriteFormat::Vcf, "index", "bai");
        assert!(e.contains("tbi"), "{e}");
        assert!(!dir.path().join("x").exists());
    }

    #[test]
    fn a_partial_file_is_removed_unless_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bgen");
        {
            let file = PartialFile::new(&path);
            file.create().unwrap();
            assert!(file.partial().exists());
        }
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
        let file = PartialFile::new(&path);
        drop(file.create().unwrap());
        assert_eq!(file.keep().unwrap(), path);
        assert!(path.is_file());
    }
}
