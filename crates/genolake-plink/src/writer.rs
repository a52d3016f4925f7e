//! Writing a variant table as a PLINK 1 fileset.
//!
//! Any record batches with the variant table's columns can be written:
//! batches read from PLINK, BGEN or VCF (`genotypes.calls` is all the writer
//! needs of a genotype). The files are written beside their final names
//! (`x.bed.partial`, ...) and renamed by [`Writer::finish`], so a failed
//! write never leaves a fileset that looks complete.

mod builder;
mod input;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;

pub use builder::WriterBuilder;

use crate::bed::{self, MAGIC, MISSING};
use crate::error::{Error, ErrorKind, Position, Result};
use crate::fam::Sample;
use crate::fileset::FilesetPaths;
use input::{Columns, Genotypes};

/// How the writer makes the FID and IID of the `.fam` from a `sampleId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FamilyIds {
    /// FID `0` and IID the whole `sampleId`: what plink2 writes for the
    /// samples of a VCF (the default).
    #[default]
    Zero,
    /// FID and IID both the whole `sampleId` (plink's `--double-id`).
    Double,
    /// Split the `sampleId` at its first `_` into FID and IID (plink's
    /// `--id-delim _`): undoes the reader's `mergeFidIid`. A `sampleId`
    /// without `_` is an error.
    Split,
}

/// Options of the PLINK writer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriterOptions {
    /// How `.fam` FIDs and IIDs are made from `sampleId`s.
    pub family_ids: FamilyIds,
    /// The `.fam` lines to write, in genotype order, instead of lines made
    /// from `sampleId`s. Needed when the genotypes carry no `sampleId`;
    /// when given, only the number of genotypes of each row is checked.
    pub samples: Option<Vec<Sample>>,
}

/// What a finished write produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteSummary {
    /// The files written.
    pub paths: FilesetPaths,
    /// Variants written (`.bim` lines, `.bed` records).
    pub variants: u64,
    /// Samples written (`.fam` lines).
    pub samples: u64,
}

/// Writes record batches of the variant table as a PLINK 1 fileset.
///
/// Every row must be biallelic (one alternate allele, or none for a
/// monomorphic site) and carry one genotype per sample. Allele 2 of the
/// `.bim` is the `referenceAllele`, allele 1 the alternate, as plink2 does
/// when it imports a VCF. Calls are written as PLINK codes: `[0, 0]` →
/// homozygous allele 2, `[0, 1]` or `[1, 0]` → heterozygous, `[1, 1]` →
/// homozygous allele 1; a haploid call counts as homozygous (`[1]` is written
/// as `[1, 1]`, as plink2 does); a call with any missing allele, an empty or
/// a null `calls` is missing.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_plink::{Reader, Writer};
///
/// let dir = tempfile::tempdir()?;
/// let mut writer = Writer::create(dir.path().join("copy"))?;
/// for batch in Reader::open("tests/data/five-samples-five-variants/bed-bim-fam/test.bed")? {
///     writer.write(&batch?)?;
/// }
/// let summary = writer.finish()?;
/// assert_eq!((summary.variants, summary.samples), (5, 5));
/// assert_eq!(
///     std::fs::read(&summary.paths.bed)?,
///     std::fs::read("tests/data/five-samples-five-variants/bed-bim-fam/test.bed")?
/// );
/// # Ok(()) }
/// ```
pub struct Writer {
    paths: FilesetPaths,
    partial: FilesetPaths,
    options: WriterOptions,
    bed: BufWriter<File>,
    bim: BufWriter<File>,
    /// The `sampleId`s every row must carry, once known.
    sample_ids: Option<Vec<String>>,
    rows: u64,
    codes: Vec<u8>,
    record: Vec<u8>,
    line: Vec<u8>,
    done: bool,
}

fn partial(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".partial");
    PathBuf::from(s)
}

impl Writer {
    /// Starts a fileset at a `.bed` path or prefix, with default options.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        Self::builder(path).build()
    }

    /// A builder for options.
    pub fn builder(path: impl AsRef<Path>) -> WriterBuilder {
        WriterBuilder::new(path.as_ref())
    }

    pub(crate) fn open(path: &Path, options: WriterOptions) -> Result<Self> {
        let paths = FilesetPaths::new(path);
        let partial = FilesetPaths {
            bed: partial(&paths.bed),
            bim: partial(&paths.bim),
            fam: partial(&paths.fam),
        };
        let create = |p: &Path| {
            File::create(p)
                .map(|f| BufWriter::with_capacity(1 << 20, f))
                .map_err(|e| Error::io(p, e))
        };
        let mut bed = create(&partial.bed)?;
        let bim = create(&partial.bim)?;
        bed.write_all(&MAGIC)
            .map_err(|e| Error::io(&partial.bed, e))?;
        let sample_ids = options
            .samples
            .as_ref()
            .map(|s| s.iter().map(|s| s.individual_id.clone()).collect());
        Ok(Self {
            paths,
            partial,
            options,
            bed,
            bim,
            sample_ids,
            rows: 0,
            codes: Vec::new(),
            record: Vec::new(),
            line: Vec::new(),
            done: false,
        })
    }

    fn input_error(&self, row: u64, message: String) -> Error {
        Error::new(
            &self.paths.bed,
            Position::Row(row),
            ErrorKind::Input(message),
        )
    }

    /// Appends the rows of a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let columns = Columns::of(batch)
            .map_err(|m| Error::new(&self.paths.bed, Position::File, ErrorKind::Input(m)))?;
        for r in 0..batch.num_rows() {
            let row = self.rows + 1;
            self.write_row(&columns, r, row)?;
            self.rows = row;
        }
        Ok(())
    }

    fn write_row(&mut self, columns: &Columns, r: usize, row: u64) -> Result<()> {
        let site = columns.site(r).map_err(|m| self.input_error(row, m))?;
        let bed_path = self.paths.bed.clone();
        let fail = |m: String| Error::new(&bed_path, Position::Row(row), ErrorKind::Input(m));
        if site.alternates.len() > 1 {
            return Err(fail(format!(
                "{}:{} {}>{} has {} alternate alleles; a PLINK 1 fileset holds biallelic \
                 variants only: split multiallelic sites first (split_multiallelics)",
                site.contig,
                site.start.saturating_add(1),
                site.reference,
                site.alternates.join(","),
                site.alternates.len()
            )));
        }
        let genotypes = columns.genotypes.row(r);
        self.check_samples(&genotypes, row)?;
        let alleles = 1 + site.alternates.len() as i32;
        self.codes.clear();
        for g in 0..genotypes.len() {
            let code = genotype_code(genotypes.calls(g), alleles).map_err(|m| {
                fail(format!(
                    "the genotype of sample {} ({}) {m}",
                    g + 1,
                    self.sample_ids
                        .as_ref()
                        .and_then(|ids| ids.get(g))
                        .map_or("", String::as_str)
                ))
            })?;
            self.codes.push(code);
        }
        self.record.clear();
        bed::encode_record(&self.codes, &mut self.record);

        self.line.clear();
        let allele1 = site.alternates.first().copied().unwrap_or(".");
        let id = if site.names.is_empty() {
            ".".to_string()
        } else {
            site.names.join(";")
        };
        for (what, text) in [
            ("contigName", site.contig),
            ("names", id.as_str()),
            ("referenceAllele", site.reference),
            ("alternateAlleles", allele1),
        ] {
            if text.is_empty() || text.bytes().any(|b| b.is_ascii_whitespace()) {
                return Err(fail(format!(
                    "{what} {text:?} is empty or holds white space, which a .bim line cannot hold"
                )));
            }
        }
        let bp = site
            .start
            .checked_add(1)
            .ok_or_else(|| fail(format!("start {} is out of range", site.start)))?;
        writeln!(
            self.line,
            "{}\t{id}\t{}\t{bp}\t{allele1}\t{}",
            site.contig, site.position, site.reference
        )
        .expect("writing to a Vec");
        self.bim
            .write_all(&self.line)
            .map_err(|e| Error::io(&self.partial.bim, e))?;
        self.bed
            .write_all(&self.record)
            .map_err(|e| Error::io(&self.partial.bed, e))?;
        Ok(())
    }

    fn check_samples(&mut self, genotypes: &Genotypes, row: u64) -> Result<()> {
        let fail = |m: String| Error::new(&self.paths.bed, Position::Row(row), ErrorKind::Input(m));
        let Some(ids) = &self.sample_ids else {
            // The first row names the samples.
            let Some(names) = genotypes.sample_ids() else {
                return Err(fail(
                    "the genotypes carry no sampleId: give the .fam lines in WriterOptions::samples"
                        .into(),
                ));
            };
            let mut ids = Vec::with_capacity(genotypes.len());
            for (g, id) in names.enumerate() {
                let id =
                    id.ok_or_else(|| fail(format!("the sampleId of genotype {} is null", g + 1)))?;
                if id.is_empty() || id.bytes().any(|b| b.is_ascii_whitespace()) {
                    return Err(fail(format!(
                        "sampleId {id:?} is empty or holds white space, which a .fam line cannot \
                         hold"
                    )));
                }
                fam_sample(id, self.options.family_ids).map_err(&fail)?;
                ids.push(id.to_string());
            }
            self.sample_ids = Some(ids);
            return Ok(());
        };
        if genotypes.len() != ids.len() {
            return Err(fail(format!(
                "the row has {} genotypes, but the fileset has {} samples",
                genotypes.len(),
                ids.len()
            )));
        }
        if self.options.samples.is_none()
            && let Some(names) = genotypes.sample_ids()
        {
            for (g, (id, expected)) in names.zip(ids).enumerate() {
                if id != Some(expected.as_str()) {
                    return Err(fail(format!(
                        "genotype {} is of sample {:?}, but the first row has {expected:?} there; \
                         every row must list the samples in the same order",
                        g + 1,
                        id.unwrap_or("null")
                    )));
                }
            }
        }
        Ok(())
    }

    fn fam_lines(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let samples: Vec<Sample> = match (&self.options.samples, &self.sample_ids) {
            (Some(samples), _) => samples.clone(),
            (None, None) => Vec::new(),
            (None, Some(ids)) => ids
                .iter()
                .map(|id| fam_sample(id, self.options.family_ids))
                .collect::<std::result::Result<_, _>>()
                .map_err(|m| Error::new(&self.paths.fam, Position::File, ErrorKind::Options(m)))?,
        };
        for s in &samples {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}",
                s.family_id, s.individual_id, s.father_id, s.mother_id, s.sex, s.phenotype
            )
            .expect("writing to a Vec");
        }
        Ok(out)
    }

    /// Writes the `.fam`, flushes everything and gives the files their
    /// final names.
    pub fn finish(mut self) -> Result<WriteSummary> {
        let fam = self.fam_lines()?;
        std::fs::write(&self.partial.fam, &fam).map_err(|e| Error::io(&self.partial.fam, e))?;
        self.bed
            .flush()
            .map_err(|e| Error::io(&self.partial.bed, e))?;
        self.bim
            .flush()
            .map_err(|e| Error::io(&self.partial.bim, e))?;
        for (from, to) in [
            (&self.partial.bim, &self.paths.bim),
            (&self.partial.fam, &self.paths.fam),
            (&self.partial.bed, &self.paths.bed),
        ] {
            std::fs::rename(from, to).map_err(|e| Error::io(to, e))?;
        }
        self.done = true;
        let samples = match (&self.options.samples, &self.sample_ids) {
            (Some(s), _) => s.len(),
            (None, Some(ids)) => ids.len(),
            (None, None) => 0,
        };
        Ok(WriteSummary {
            paths: self.paths.clone(),
            variants: self.rows,
            samples: samples as u64,
        })
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.done {
            for p in [&self.partial.bed, &self.partial.bim, &self.partial.fam] {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// The `.fam` line of a `sampleId`.
fn fam_sample(id: &str, family_ids: FamilyIds) -> std::result::Result<Sample, String> {
    Ok(match family_ids {
        FamilyIds::Zero => Sample::new("0", id),
        FamilyIds::Double => Sample::new(id, id),
        FamilyIds::Split => match id.split_once('_') {
            Some((fid, iid)) if !fid.is_empty() && !iid.is_empty() => Sample::new(fid, iid),
            _ => {
                return Err(format!(
                    "sampleId {id:?} is not FID_IID, so FamilyIds::Split cannot split it; use \
                     FamilyIds::Zero or Double"
                ));
            }
        },
    })
}

/// The PLINK code of one genotype's calls, for a site with `alleles` alleles.
fn genotype_code(calls: Option<Calls<'_>>, alleles: i32) -> std::result::Result<u8, String> {
    let Some(calls) = calls else {
        return Ok(MISSING);
    };
    let allele = |a: Option<i32>| -> std::result::Result<Option<i32>, String> {
        match a {
            None | Some(-1) => Ok(None),
            Some(a) if (0..alleles).contains(&a) => Ok(Some(a)),
            Some(a) if a >= 0 => Err(format!(
                "calls allele {a}, but the row has only {alleles} allele{}",
                if alleles == 1 { "" } else { "s" }
            )),
            Some(a) => Err(format!("has the invalid allele index {a}")),
        }
    };
    let (a, b) = match calls.len() {
        0 => return Ok(MISSING),
        1 => {
            let a = allele(calls.get(0))?;
            (a, a)
        }
        2 => (allele(calls.get(0))?, allele(calls.get(1))?),
        n => {
            return Err(format!(
                "has {n} calls; PLINK 1 holds haploid and diploid genotypes only"
            ));
        }
    };
    Ok(match (a, b) {
        (Some(0), Some(0)) => 0b11,
        (Some(1), Some(1)) => 0b00,
        (Some(_), Some(_)) => 0b10,
        _ => MISSING,
    })
}

pub(crate) use input::Calls;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_map_to_plink_codes() {
        let cases: &[(&[Option<i32>], u8)] = &[
            (&[Some(0), Some(0)], 0b11),
            (&[Some(0), Some(1)], 0b10),
            (&[Some(1), Some(0)], 0b10),
            (&[Some(1), Some(1)], 0b00),
            (&[Some(-1), Some(-1)], 0b01),
            (&[Some(0), Some(-1)], 0b01),
            (&[None, Some(1)], 0b01),
            (&[Some(0)], 0b11),
            (&[Some(1)], 0b00),
            (&[Some(-1)], 0b01),
            (&[], 0b01),
        ];
        for (calls, code) in cases {
            let got = genotype_code(Some(Calls::Slice(calls)), 2).unwrap();
            assert_eq!(got, *code, "{calls:?}");
        }
        assert_eq!(genotype_code(None, 2).unwrap(), 0b01);
        assert!(genotype_code(Some(Calls::Slice(&[Some(0), Some(2)])), 2).is_err());
        assert!(genotype_code(Some(Calls::Slice(&[Some(1), Some(1)])), 1).is_err());
        assert!(genotype_code(Some(Calls::Slice(&[Some(0), Some(0), Some(1)])), 2).is_err());
        assert!(genotype_code(Some(Calls::Slice(&[Some(-2), Some(0)])), 2).is_err());
    }
}
