//! PLINK 1 filesets through the shared scan, and the PLINK writer.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use genolake_core::{Progress, Region, Split};
use genolake_plink::{
    FamilyIds, Fileset, FilesetPaths, GenotypeOutput, Reader, ReaderOptions, Writer, WriterOptions,
};

use super::writer::{FormatWriter, WriteSource, WriteSpec, Written};
use super::{InputFormat, ReadSpec};
use crate::error::{Error, Result};
use crate::options::{PLINK_OPTION_NAMES, apply_plink_option};
use crate::scan::{BatchIter, FormatReader, PathCache, SharedReader};

/// Endings of the files that name a fileset besides its `.bed`.
const COMPANIONS: &[&str] = &[".bim", ".fam"];

pub(super) const READ: ReadSpec = ReadSpec {
    name: "plink",
    display_name: "PLINK",
    extension: "bed",
    suffixes: &[".bed"],
    companions: COMPANIONS,
    prefix: true,
    option_names: PLINK_OPTION_NAMES,
    usage: "read_plink('cohort.bed', 'mergeFidIid', false)",
    reader: |options| {
        let mut o = ReaderOptions::default();
        for (key, value) in options {
            apply_plink_option(&mut o, key, value)?;
        }
        Ok(Arc::new(PlinkFormatReader::new(o)))
    },
    default_reader: || Arc::new(PlinkFormatReader::new(ReaderOptions::default())),
};

/// Reads PLINK 1 filesets with `genolake_plink` through their `.bed`,
/// opening each fileset (its `.fam` read, its `.bim` counted, its `.bed`
/// size checked) once for all its splits.
#[derive(Debug, Clone)]
pub struct PlinkFormatReader {
    options: ReaderOptions,
    filesets: PathCache<Fileset>,
}

impl PlinkFormatReader {
    /// A reader with `options`.
    pub fn new(options: ReaderOptions) -> Self {
        Self {
            options,
            filesets: PathCache::default(),
        }
    }

    /// The reader options.
    pub fn options(&self) -> &ReaderOptions {
        &self.options
    }

    /// This reader, giving the genotypes as `genotypes` says, sharing the
    /// filesets opened.
    fn with_genotypes(&self, genotypes: GenotypeOutput) -> SharedReader {
        Arc::new(Self {
            options: ReaderOptions {
                genotypes,
                ..self.options.clone()
            },
            filesets: self.filesets.clone(),
        })
    }

    fn fileset(&self, bed: &Path) -> Result<Arc<Fileset>> {
        let delimiter = self.options.fam_delimiter;
        self.filesets
            .get(bed, |bed| Ok(Fileset::open(bed, delimiter)?))
    }
}

impl FormatReader for PlinkFormatReader {
    fn format(&self) -> InputFormat {
        InputFormat::Plink
    }

    /// A fileset is named by its `.bed`, its `.bim`, its `.fam` or the
    /// prefix they share; the scan reads the `.bed`.
    fn resolve(&self, path: &Path) -> PathBuf {
        let lower = path.to_string_lossy().to_ascii_lowercase();
        if COMPANIONS.iter().any(|c| lower.ends_with(c)) {
            return path.with_extension("bed");
        }
        FilesetPaths::new(path).bed
    }

    fn schema(&self, path: &Path) -> Result<SchemaRef> {
        // Opening the fileset checks that its three files fit together.
        let fileset = self.fileset(path)?;
        Ok(genolake_plink::schema_of(&fileset, &self.options)?)
    }

    fn splittable(&self, _path: &Path) -> bool {
        true
    }

    fn plan_splits(&self, path: &Path, target: usize) -> Result<Vec<Split>> {
        Ok(self.fileset(path)?.plan_splits(target))
    }

    fn regions(&self) -> &[Region] {
        &self.options.regions
    }

    fn read(
        &self,
        split: &Split,
        regions: Vec<Region>,
        progress: Option<Arc<Progress>>,
    ) -> Result<BatchIter> {
        let options = ReaderOptions {
            regions,
            ..self.options.clone()
        };
        let mut builder = Reader::builder(&split.path)
            .options(options)
            .split(split)
            .fileset(self.fileset(&split.path)?);
        if let Some(progress) = progress {
            builder = builder.progress(progress);
        }
        Ok(Box::new(builder.build()?.map(|b| b.map_err(Error::from))))
    }

    /// Every `.bed` record decodes to two one-byte slots per sample.
    fn matrix_genotypes(&self) -> Option<SharedReader> {
        Some(self.with_genotypes(GenotypeOutput::Matrix))
    }

    /// The `.bed` records as they are (packed again for a sample
    /// selection).
    fn bed_records(&self) -> Option<SharedReader> {
        Some(self.with_genotypes(GenotypeOutput::BedRecords))
    }

    /// The chromosomes of the `.bim`, so a VCF or BCF written from the
    /// fileset declares them all (BCF must).
    fn write_source(&self, path: &Path) -> Result<WriteSource> {
        let bim = FilesetPaths::new(path).bim;
        Ok(WriteSource {
            contigs: genolake_plink::read_contigs(bim, self.options.bim_delimiter)?,
            ..WriteSource::default()
        })
    }
}

pub(super) const WRITE: WriteSpec = WriteSpec {
    name: "plink",
    display_name: "PLINK",
    suffixes: &[".bed"],
    extension: "bed",
    option_names: &["familyIds"],
    create: |path, _schema, options, _source| {
        let family_ids = options.get("familyIds", |v| match v.to_ascii_lowercase().as_str() {
            "zero" => Ok(FamilyIds::Zero),
            "double" => Ok(FamilyIds::Double),
            "split" => Ok(FamilyIds::Split),
            _ => Err(format!("expected zero, double or split, not '{v}'")),
        })?;
        let writer = Writer::builder(path)
            .options(WriterOptions {
                family_ids: family_ids.unwrap_or_default(),
                samples: None,
            })
            .build()?;
        Ok(Box::new(PlinkFormatWriter(writer)))
    },
};

/// The PLINK writer behind [`WriteFormat::Plink`](super::WriteFormat::Plink)
/// (it keeps its files under `.partial` names until it finishes).
struct PlinkFormatWriter(Writer);

impl FormatWriter for PlinkFormatWriter {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        Ok(self.0.write(batch)?)
    }

    fn finish(self: Box<Self>) -> Result<Written> {
        let summary = self.0.finish()?;
        let FilesetPaths { bed, bim, fam } = summary.paths;
        Ok(Written {
            rows: summary.variants,
            paths: vec![bed, bim, fam],
        })
    }
}
