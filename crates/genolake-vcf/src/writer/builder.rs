//! The options of a [`Writer`], set one by one.

use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use arrow::datatypes::Schema;

use super::{Compression, IndexFormat, Writer};
use crate::error::Result;
use crate::header::Contig;

/// Options of the VCF and BCF writers, set through [`WriterBuilder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// Glow's `vcfHeader`: the whole header as text, `##` lines and the
    /// `#CHROM` line. Its `##` lines are written as given, followed by lines
    /// for the columns they do not declare; its samples are the samples
    /// written unless `samples` is set. `None`: a header inferred from the
    /// columns.
    pub header: Option<String>,
    /// The samples to write, in this order, picked by `sampleId` (or the
    /// names of the genotypes, in their order, when they carry no
    /// `sampleId`). `None`: the supplied header's samples, else those of the
    /// first row.
    pub samples: Option<Vec<String>>,
    /// `##contig` lines to declare (those a supplied header lacks).
    pub contigs: Vec<Contig>,
    /// Plain text or BGZF; `None`: BGZF when the path ends in `.gz`, `.bgz`
    /// or `.bgzf`. BCF is always BGZF.
    pub compression: Option<Compression>,
    /// libdeflate's level, 0 (stored) to 12 (default 6, as bgzip's).
    pub compression_level: u8,
    /// Threads compressing BGZF blocks beside the one formatting records
    /// (default: as many as the machine has cores; 0: compress on the
    /// calling thread).
    pub threads: Option<usize>,
    /// An index to write beside a BGZF file (for BCF, CSI).
    pub index: Option<IndexFormat>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            header: None,
            samples: None,
            contigs: Vec::new(),
            compression: None,
            compression_level: 6,
            threads: None,
            index: None,
        }
    }
}

/// Builds a [`Writer`]: `Writer::builder(path).index(IndexFormat::Tabix).build(&schema)`,
/// or (as [`bcf::WriterBuilder`](crate::bcf::WriterBuilder)) a BCF
/// [`bcf::Writer`](crate::bcf::Writer), with the same options.
pub struct WriterBuilder<W = Writer> {
    path: PathBuf,
    options: WriterOptions,
    writer: PhantomData<fn() -> W>,
}

// By hand: derived impls would ask the writer type for Debug and Clone.
impl<W> std::fmt::Debug for WriterBuilder<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterBuilder")
            .field("path", &self.path)
            .field("options", &self.options)
            .finish()
    }
}

impl<W> Clone for WriterBuilder<W> {
    fn clone(&self) -> Self {
        Self {
            path: self.path.clone(),
            options: self.options.clone(),
            writer: PhantomData,
        }
    }
}

impl WriterBuilder {
    /// Opens the file (under a temporary name until
    /// [`Writer::finish`]) for batches of `schema`.
    pub fn build(self, schema: &Schema) -> Result<Writer> {
        Writer::open(self.path, self.options, schema)
    }
}

impl<W> WriterBuilder<W> {
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            options: WriterOptions::default(),
            writer: PhantomData,
        }
    }

    /// The path and options set, for the writer that opens them.
    pub(crate) fn into_parts(self) -> (PathBuf, WriterOptions) {
        (self.path, self.options)
    }

    /// All options at once.
    pub fn options(mut self, options: WriterOptions) -> Self {
        self.options = options;
        self
    }

    /// The header as text (Glow's `vcfHeader`), for example what
    /// [`read_header_text`](crate::read_header_text) returns for the file
    /// the batches came from.
    pub fn header(mut self, text: impl Into<String>) -> Self {
        self.options.header = Some(text.into());
        self
    }

    /// The samples to write, picked by `sampleId`, in this order.
    pub fn samples<S: Into<String>>(mut self, samples: impl IntoIterator<Item = S>) -> Self {
        self.options.samples = Some(samples.into_iter().map(Into::into).collect());
        self
    }

    /// Contigs to declare in `##contig` lines, with their lengths when known.
    pub fn contigs(mut self, contigs: impl IntoIterator<Item = Contig>) -> Self {
        self.options.contigs = contigs.into_iter().collect();
        self
    }

    /// Plain text or BGZF, whatever the file name says.
    pub fn compression(mut self, compression: Compression) -> Self {
        self.options.compression = Some(compression);
        self
    }

    /// libdeflate's compression level, 0 to 12.
    pub fn compression_level(mut self, level: u8) -> Self {
        self.options.compression_level = level;
        self
    }

    /// Threads compressing BGZF blocks (0: on the calling thread).
    pub fn threads(mut self, threads: usize) -> Self {
        self.options.threads = Some(threads);
        self
    }

    /// Writes a `.tbi` or `.csi` index beside the (BGZF) file.
    pub fn index(mut self, index: IndexFormat) -> Self {
        self.options.index = Some(index);
        self
    }
}
