//! Writing variant rows as BGEN v1.2/v1.3 (layout 2).
//!
//! Rows are read by column name, so any table with Glow's columns can be
//! written: BGEN rows read back, or VCF rows with `GP` as
//! `posteriorProbabilities`. Where a genotype lacks `phased` or `ploidy`,
//! they are inferred as Glow's BGEN writer infers them: from the number of
//! probabilities, the number of alleles and the defaults
//! (`defaultInferredPloidy`, `defaultInferredPhasing`,
//! `maximumInferredPloidy`). A genotype without probabilities is written as
//! missing.
//!
//! Probabilities are quantised as the BGEN specification describes: scaled
//! to `2^B − 1`, rounded down, and the remaining units given to the values
//! with the largest fractional parts, so every stored value lies within one
//! unit (`1 / (2^B − 1)`) of the input and each block sums exactly to one.
//! At 32 bits, probabilities read from a BGEN file are written back to the
//! same integers.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, GenericListArray, Int32Array, Int64Array,
    ListArray, RecordBatch, StringArray, StructArray,
};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field};
use genolake_core::schema;

use crate::codec::Deflater;
use crate::error::{Error, ErrorKind, Position, Result};
use crate::header::{Compression, Header, Layout};
use crate::record::genotype_count;

/// Options of the BGEN writer, named as Glow's `bigbgen` writer names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// `bitsPerProbability`: 8, 16 or 32 (any of 1 to 32 works; default 16).
    pub bits_per_probability: u8,
    /// Compression of genotype blocks (default zlib; zstd makes a v1.3 file).
    pub compression: Compression,
    /// Compression level (default: zlib 6, zstd 3).
    pub compression_level: Option<i32>,
    /// `maximumInferredPloidy`: the largest ploidy tried when inferring it
    /// from unphased probabilities (default 10).
    pub maximum_inferred_ploidy: u8,
    /// `defaultInferredPloidy`: the ploidy of genotypes with neither ploidy,
    /// calls nor phasing (default 2).
    pub default_inferred_ploidy: u8,
    /// `defaultInferredPhasing`: the phasing of genotypes whose
    /// probabilities fit both (default false).
    pub default_inferred_phasing: bool,
    /// The sample identifiers to store; by default those of the first row's
    /// `sampleId`s, or none when it has no `sampleId`.
    pub sample_ids: Option<Vec<String>>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            bits_per_probability: 16,
            compression: Compression::Zlib,
            compression_level: None,
            maximum_inferred_ploidy: 10,
            default_inferred_ploidy: 2,
            default_inferred_phasing: false,
            sample_ids: None,
        }
    }
}

/// Writes variant rows to a `.bgen` file.
///
/// Call [`Writer::finish`] when done: it writes the variant count into the
/// header. A file whose writer was dropped unfinished declares 0 variants.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_bgen::{Reader, Writer, WriterOptions};
///
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("copy.bgen");
/// let mut writer = Writer::create(&out, WriterOptions { bits_per_probability: 32, ..Default::default() })?;
/// for batch in Reader::open("tests/data/complex.16bits.bgen")? {
///     writer.write(&batch?)?;
/// }
/// assert_eq!(writer.finish()?, 10);
/// let rows: usize = Reader::open(&out)?.map(|b| b.map(|b| b.num_rows())).sum::<Result<_, _>>()?;
/// assert_eq!(rows, 10);
/// # Ok(()) }
/// ```
pub struct Writer {
    path: PathBuf,
    out: BufWriter<File>,
    options: WriterOptions,
    header: Option<Header>,
    variants: u64,
    rows: u64,
    deflater: Deflater,
    block: Vec<u8>,
    compressed: Vec<u8>,
    genotypes: Vec<Genotype>,
    quantised: Vec<u64>,
    order: Vec<usize>,
}

/// One genotype of the row being written, after inference.
#[derive(Debug, Clone, Default)]
struct Genotype {
    phased: Option<bool>,
    ploidy: Option<u32>,
    /// Offset and length of its probabilities in the row's flat values;
    /// `None` when missing.
    probabilities: Option<(usize, usize)>,
}

/// The columns of a batch, cast to the types the writer reads.
struct Columns {
    contig: StringArray,
    start: Int64Array,
    names: Option<ListArray>,
    reference: StringArray,
    alternates: Option<ListArray>,
    genotypes: Option<GenotypeColumns>,
}

struct GenotypeColumns {
    list: ListArray,
    sample_id: Option<StringArray>,
    phased: Option<BooleanArray>,
    calls: Option<ListArray>,
    ploidy: Option<Int32Array>,
    probabilities: Option<(ListArray, Float64Array)>,
}

impl Writer {
    /// Creates (or truncates) `path` for writing.
    pub fn create(path: impl AsRef<Path>, options: WriterOptions) -> Result<Self> {
        let path = path.as_ref();
        let options_error = |m: String| Error::new(path, Position::File, ErrorKind::Options(m));
        if !(1..=32).contains(&options.bits_per_probability) {
            return Err(options_error(format!(
                "bitsPerProbability {} is outside the 1 to 32 BGEN allows",
                options.bits_per_probability
            )));
        }
        if options.default_inferred_ploidy > 63 || options.maximum_inferred_ploidy > 63 {
            return Err(options_error("BGEN ploidy is at most 63".into()));
        }
        if let Some(ids) = &options.sample_ids {
            check_sample_ids(path, ids)?;
        }
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, file),
            deflater: Deflater::new(options.compression_level),
            options,
            header: None,
            variants: 0,
            rows: 0,
            block: Vec::new(),
            compressed: Vec::new(),
            genotypes: Vec::new(),
            quantised: Vec::new(),
            order: Vec::new(),
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn row_error(&self, row: u64, message: String) -> Error {
        Error::new(&self.path, Position::Row(row), ErrorKind::Write(message))
    }

    fn io_error(&self, e: std::io::Error) -> Error {
        Error::io(&self.path, e)
    }

    fn write_header(&mut self, sample_count: u32, sample_ids: Option<Vec<String>>) -> Result<()> {
        let header = Header {
            first_variant_offset: 0,
            header_length: 20,
            variant_count: 0,
            sample_count,
            free_data: Vec::new(),
            compression: self.options.compression,
            layout: Layout::Two,
            sample_ids,
        };
        let bytes = header.encode();
        self.out.write_all(&bytes).map_err(|e| self.io_error(e))?;
        self.header = Some(header);
        Ok(())
    }

    /// Writes every row of a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let columns = self.columns(batch)?;
        for i in 0..batch.num_rows() {
            let row = self.rows;
            self.write_row(&columns, i, row)?;
            self.rows += 1;
        }
        Ok(())
    }

    fn columns(&self, batch: &RecordBatch) -> Result<Columns> {
        let missing = |name: &str| {
            Error::new(
                &self.path,
                Position::File,
                ErrorKind::Write(format!("the rows have no {name} column, which BGEN needs")),
            )
        };
        let cast_to = |array: &ArrayRef, to: &DataType, name: &str| {
            cast(array, to).map_err(|e| {
                Error::new(
                    &self.path,
                    Position::File,
                    ErrorKind::Write(format!(
                        "column {name} of type {} cannot be read as {to}: {e}",
                        array.data_type()
                    )),
                )
            })
        };
        let utf8_list = schema::list_of(DataType::Utf8);
        let column = |name: &str| batch.column_by_name(name);
        let contig = column(schema::CONTIG_NAME).ok_or_else(|| missing(schema::CONTIG_NAME))?;
        let start = column(schema::START).ok_or_else(|| missing(schema::START))?;
        let reference =
            column(schema::REFERENCE_ALLELE).ok_or_else(|| missing(schema::REFERENCE_ALLELE))?;
        let contig = cast_to(contig, &DataType::Utf8, schema::CONTIG_NAME)?
            .as_string::<i32>()
            .clone();
        let start = cast_to(start, &DataType::Int64, schema::START)?
            .as_primitive::<arrow::datatypes::Int64Type>()
            .clone();
        let reference = cast_to(reference, &DataType::Utf8, schema::REFERENCE_ALLELE)?
            .as_string::<i32>()
            .clone();
        let names = match column(schema::NAMES) {
            Some(a) => Some(
                cast_to(a, &utf8_list, schema::NAMES)?
                    .as_list::<i32>()
                    .clone(),
            ),
            None => None,
        };
        let alternates = match column(schema::ALTERNATE_ALLELES) {
            Some(a) => Some(
                cast_to(a, &utf8_list, schema::ALTERNATE_ALLELES)?
                    .as_list::<i32>()
                    .clone(),
            ),
            None => None,
        };
        let genotypes = match column(schema::GENOTYPES) {
            None => None,
            Some(a) => {
                let list: ListArray = match a.data_type() {
                    DataType::List(_) => a.as_list::<i32>().clone(),
                    DataType::LargeList(_) => {
                        let large: &GenericListArray<i64> = a.as_list::<i64>();
                        let item = Field::new_list_field(large.values().data_type().clone(), true);
                        cast_to(a, &DataType::List(Arc::new(item)), schema::GENOTYPES)?
                            .as_list::<i32>()
                            .clone()
                    }
                    other => {
                        return Err(Error::new(
                            &self.path,
                            Position::File,
                            ErrorKind::Write(format!(
                                "column genotypes has type {other}, not a list of structs"
                            )),
                        ));
                    }
                };
                let Some(structs) = list.values().as_struct_opt() else {
                    return Err(Error::new(
                        &self.path,
                        Position::File,
                        ErrorKind::Write("column genotypes is not a list of structs".into()),
                    ));
                };
                let structs: &StructArray = structs;
                let field = |name: &str| structs.column_by_name(name);
                let sample_id = match field(schema::SAMPLE_ID) {
                    Some(a) => Some(
                        cast_to(a, &DataType::Utf8, schema::SAMPLE_ID)?
                            .as_string::<i32>()
                            .clone(),
                    ),
                    None => None,
                };
                let phased = match field(schema::PHASED) {
                    Some(a) => Some(
                        cast_to(a, &DataType::Boolean, schema::PHASED)?
                            .as_boolean()
                            .clone(),
                    ),
                    None => None,
                };
                let calls = match field(schema::CALLS) {
                    Some(a) => Some(
                        cast_to(a, &schema::list_of(DataType::Int32), schema::CALLS)?
                            .as_list::<i32>()
                            .clone(),
                    ),
                    None => None,
                };
                let ploidy = match field(schema::PLOIDY) {
                    Some(a) => Some(
                        cast_to(a, &DataType::Int32, schema::PLOIDY)?
                            .as_primitive::<arrow::datatypes::Int32Type>()
                            .clone(),
                    ),
                    None => None,
                };
                let probabilities = match field(schema::POSTERIOR_PROBABILITIES) {
                    Some(a) => {
                        let list = cast_to(
                            a,
                            &schema::list_of(DataType::Float64),
                            schema::POSTERIOR_PROBABILITIES,
                        )?
                        .as_list::<i32>()
                        .clone();
                        let values = list
                            .values()
                            .as_primitive::<arrow::datatypes::Float64Type>()
                            .clone();
                        Some((list, values))
                    }
                    None => None,
                };
                Some(GenotypeColumns {
                    list,
                    sample_id,
                    phased,
                    calls,
                    ploidy,
                    probabilities,
                })
            }
        };
        Ok(Columns {
            contig,
            start,
            names,
            reference,
            alternates,
            genotypes,
        })
    }

    fn write_row(&mut self, c: &Columns, i: usize, row: u64) -> Result<()> {
        // Site.
        if c.contig.is_null(i) {
            return Err(self.row_error(row, "contigName is null".into()));
        }
        if c.start.is_null(i) {
            return Err(self.row_error(row, "start is null".into()));
        }
        if c.reference.is_null(i) {
            return Err(self.row_error(row, "referenceAllele is null".into()));
        }
        let start = c.start.value(i);
        let position = u32::try_from(start + 1).map_err(|_| {
            self.row_error(
                row,
                format!("start {start} does not fit BGEN's 32-bit 1-based position"),
            )
        })?;
        let names: Vec<String> = list_strings(c.names.as_ref(), i);
        if names.len() > 2 {
            return Err(self.row_error(
                row,
                format!(
                    "a BGEN variant holds at most two identifiers (variant id and rsid); this row has {}",
                    names.len()
                ),
            ));
        }
        let (varid, rsid) = match names.as_slice() {
            [] => ("", ""),
            [one] => (one.as_str(), one.as_str()),
            [a, b, ..] => (a.as_str(), b.as_str()),
        };
        let alternates = list_strings(c.alternates.as_ref(), i);
        let alleles = 1 + alternates.len();
        if alleles > u16::MAX as usize {
            return Err(self.row_error(
                row,
                format!("{alleles} alleles exceed the 65535 BGEN allows"),
            ));
        }

        // Genotypes, with Glow's inference of phasing and ploidy.
        let (n, flat) = self.infer_genotypes(c, i, row, alleles)?;
        self.ensure_header(c, i, n, row)?;
        let header_samples = self.header.as_ref().map_or(0, |h| h.sample_count as usize);
        if n != header_samples {
            return Err(self.row_error(
                row,
                format!("the row has {n} genotypes but the file was started with {header_samples} samples"),
            ));
        }
        self.encode_genotypes(alleles, flat.as_ref(), row)?;

        // Variant block.
        let mut v = Vec::with_capacity(64 + self.compressed.len());
        for (what, s) in [
            ("variant id", varid),
            ("rsid", rsid),
            ("contigName", c.contig.value(i)),
        ] {
            let len = u16::try_from(s.len()).map_err(|_| {
                self.row_error(
                    row,
                    format!("the {what} is {} bytes, above BGEN's 65535", s.len()),
                )
            })?;
            v.extend_from_slice(&len.to_le_bytes());
            v.extend_from_slice(s.as_bytes());
        }
        v.extend_from_slice(&position.to_le_bytes());
        v.extend_from_slice(&(alleles as u16).to_le_bytes());
        for allele in
            std::iter::once(c.reference.value(i)).chain(alternates.iter().map(String::as_str))
        {
            let len = u32::try_from(allele.len())
                .map_err(|_| self.row_error(row, "an allele exceeds 4 GiB".into()))?;
            v.extend_from_slice(&len.to_le_bytes());
            v.extend_from_slice(allele.as_bytes());
        }
        let compression = self.options.compression;
        self.deflater
            .deflate(compression, &self.block, &mut self.compressed)
            .map_err(|m| self.row_error(row, m))?;
        let too_big = || self.row_error(row, "the genotype block exceeds 4 GiB".into());
        if compression == Compression::None {
            let c_len = u32::try_from(self.compressed.len()).map_err(|_| too_big())?;
            v.extend_from_slice(&c_len.to_le_bytes());
        } else {
            let c_len = u32::try_from(self.compressed.len() + 4).map_err(|_| too_big())?;
            let d_len = u32::try_from(self.block.len()).map_err(|_| too_big())?;
            v.extend_from_slice(&c_len.to_le_bytes());
            v.extend_from_slice(&d_len.to_le_bytes());
        }
        self.out.write_all(&v).map_err(|e| self.io_error(e))?;
        self.out
            .write_all(&self.compressed)
            .map_err(|e| self.io_error(e))?;
        self.variants += 1;
        Ok(())
    }

    /// Fills `self.genotypes` for row `i`; returns the number of genotypes
    /// and the row's probabilities array (flat values, with offsets in each
    /// genotype).
    fn infer_genotypes(
        &mut self,
        c: &Columns,
        i: usize,
        row: u64,
        alleles: usize,
    ) -> Result<(usize, Option<Float64Array>)> {
        self.genotypes.clear();
        let Some(g) = &c.genotypes else {
            return Ok((0, None));
        };
        if g.list.is_null(i) {
            return Ok((0, None));
        }
        let range = g.list.value_offsets()[i] as usize..g.list.value_offsets()[i + 1] as usize;
        let n = range.len();
        let o = &self.options;
        let mut row_phasing: Option<bool> = None;
        for (s, j) in range.clone().enumerate() {
            let mut genotype = Genotype {
                phased: g
                    .phased
                    .as_ref()
                    .and_then(|a| a.is_valid(j).then(|| a.value(j))),
                ploidy: None,
                probabilities: None,
            };
            if let Some(calls) = &g.calls
                && calls.is_valid(j)
            {
                genotype.ploidy = Some(calls.value_length(j) as u32);
            }
            if let Some(ploidy) = &g.ploidy
                && ploidy.is_valid(j)
            {
                let p = ploidy.value(j);
                if !(0..=63).contains(&p) {
                    return Err(self.row_error(
                        row,
                        format!(
                            "sample {}: ploidy {p} is outside the 0 to 63 BGEN allows",
                            s + 1
                        ),
                    ));
                }
                genotype.ploidy = Some(p as u32);
            }
            if let Some((list, values)) = &g.probabilities
                && list.is_valid(j)
                && list.value_length(j) > 0
            {
                let start = list.value_offsets()[j] as usize;
                let len = list.value_length(j) as usize;
                let nulls = values.nulls().map_or(0, |n| {
                    (start..start + len).filter(|&k| n.is_null(k)).count()
                });
                if nulls == 0 {
                    genotype.probabilities = Some((start, len));
                } else if nulls < len {
                    return Err(self.row_error(
                        row,
                        format!("sample {}: some posterior probabilities are null", s + 1),
                    ));
                }
                // All null (VCF `GP` of `.`): a missing genotype.
            }
            if genotype.phased.is_none() && genotype.ploidy.is_none() {
                genotype.ploidy = Some(o.default_inferred_ploidy as u32);
            }
            if genotype.phased.is_none()
                && let (Some((_, len)), Some(p)) = (genotype.probabilities, genotype.ploidy)
            {
                let could_be_phased = len as u64 == p as u64 * alleles as u64;
                let could_be_unphased = len as u64 == genotype_count(p, alleles as u32);
                genotype.phased = match (could_be_phased, could_be_unphased) {
                    (true, true) => Some(o.default_inferred_phasing),
                    (true, false) => Some(true),
                    (false, true) => Some(false),
                    (false, false) => {
                        return Err(self.row_error(
                            row,
                            format!(
                                "sample {}: phasing cannot be inferred from {len} probabilities with ploidy {p} and {alleles} alleles",
                                s + 1
                            ),
                        ));
                    }
                };
            }
            if let Some(phased) = genotype.phased {
                match row_phasing {
                    None => row_phasing = Some(phased),
                    Some(r) if r != phased => {
                        return Err(self.row_error(
                            row,
                            "the row mixes phased and unphased genotypes, which one BGEN variant cannot hold".into(),
                        ));
                    }
                    Some(_) => {}
                }
            }
            self.genotypes.push(genotype);
        }
        let row_phased = row_phasing.unwrap_or(o.default_inferred_phasing);
        for (s, genotype) in self.genotypes.iter_mut().enumerate() {
            let phased = *genotype.phased.get_or_insert(row_phased);
            if genotype.ploidy.is_none() {
                let p = match genotype.probabilities {
                    None => o.default_inferred_ploidy as u32,
                    Some((_, len)) if phased => {
                        if len % alleles != 0 {
                            return Err(Error::new(
                                &self.path,
                                Position::Row(row),
                                ErrorKind::Write(format!(
                                    "sample {}: ploidy cannot be inferred from {len} phased probabilities with {alleles} alleles",
                                    s + 1
                                )),
                            ));
                        }
                        (len / alleles) as u32
                    }
                    Some((_, len)) => (1..=o.maximum_inferred_ploidy as u32)
                        .find(|&p| genotype_count(p, alleles as u32) == len as u64)
                        .ok_or_else(|| {
                            Error::new(
                                &self.path,
                                Position::Row(row),
                                ErrorKind::Write(format!(
                                    "sample {}: no ploidy up to {} gives {len} unphased genotypes with {alleles} alleles",
                                    s + 1,
                                    o.maximum_inferred_ploidy
                                )),
                            )
                        })?,
                };
                if p > 63 {
                    return Err(Error::new(
                        &self.path,
                        Position::Row(row),
                        ErrorKind::Write(format!(
                            "sample {}: ploidy {p} exceeds the 63 BGEN allows",
                            s + 1
                        )),
                    ));
                }
                genotype.ploidy = Some(p);
            }
        }
        let flat = g.probabilities.as_ref().map(|(_, values)| values.clone());
        Ok((n, flat))
    }

    fn ensure_header(&mut self, c: &Columns, i: usize, n: usize, row: u64) -> Result<()> {
        if self.header.is_some() {
            return self.check_sample_ids(c, i, row);
        }
        let ids = match &self.options.sample_ids {
            Some(ids) => {
                if ids.len() != n {
                    return Err(self.row_error(
                        row,
                        format!(
                            "the row has {n} genotypes but {} sample identifiers were given",
                            ids.len()
                        ),
                    ));
                }
                Some(ids.clone())
            }
            None => c.genotypes.as_ref().and_then(|g| {
                let ids = g.sample_id.as_ref()?;
                let range =
                    g.list.value_offsets()[i] as usize..g.list.value_offsets()[i + 1] as usize;
                if g.list.is_null(i) || range.clone().any(|j| ids.is_null(j)) || range.is_empty() {
                    return None;
                }
                Some(range.map(|j| ids.value(j).to_string()).collect::<Vec<_>>())
            }),
        };
        if let Some(ids) = &ids {
            check_sample_ids(&self.path, ids)?;
        }
        let count = u32::try_from(n)
            .map_err(|_| self.row_error(row, format!("{n} samples exceed BGEN's limit")))?;
        self.write_header(count, ids)?;
        self.check_sample_ids(c, i, row)
    }

    /// Rows must list the samples in the order the header stores them.
    fn check_sample_ids(&self, c: &Columns, i: usize, row: u64) -> Result<()> {
        let Some(stored) = self.header.as_ref().and_then(|h| h.sample_ids.as_ref()) else {
            return Ok(());
        };
        let Some(g) = &c.genotypes else { return Ok(()) };
        let Some(ids) = &g.sample_id else {
            return Ok(());
        };
        if g.list.is_null(i) {
            return Ok(());
        }
        let start = g.list.value_offsets()[i] as usize;
        for (s, expected) in stored.iter().enumerate() {
            let j = start + s;
            if j < g.list.value_offsets()[i + 1] as usize
                && ids.is_valid(j)
                && ids.value(j) != expected
            {
                return Err(self.row_error(
                    row,
                    format!(
                        "genotype {} has sampleId {:?} but the file stores sample {:?} there",
                        s + 1,
                        ids.value(j),
                        expected
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Builds the uncompressed genotype block of the current row in `self.block`.
    fn encode_genotypes(
        &mut self,
        alleles: usize,
        flat: Option<&Float64Array>,
        row: u64,
    ) -> Result<()> {
        let bits = self.options.bits_per_probability;
        let n = self.genotypes.len();
        let (min_ploidy, max_ploidy) = if n == 0 {
            let p = self.options.default_inferred_ploidy as u32;
            (p, p)
        } else {
            let ploidies = self.genotypes.iter().map(|g| g.ploidy.unwrap_or(0));
            (
                ploidies.clone().min().unwrap_or(0),
                ploidies.max().unwrap_or(0),
            )
        };
        let phased = self
            .genotypes
            .first()
            .and_then(|g| g.phased)
            .unwrap_or(self.options.default_inferred_phasing);
        let mut block = std::mem::take(&mut self.block);
        block.clear();
        block.extend_from_slice(&(n as u32).to_le_bytes());
        block.extend_from_slice(&(alleles as u16).to_le_bytes());
        block.push(min_ploidy as u8);
        block.push(max_ploidy as u8);
        for g in &self.genotypes {
            let missing = if g.probabilities.is_none() { 0x80 } else { 0 };
            block.push(g.ploidy.unwrap_or(0) as u8 | missing);
        }
        block.push(u8::from(phased));
        block.push(bits);
        let result = encode_probabilities(
            &self.genotypes,
            alleles,
            flat,
            phased,
            bits,
            &mut block,
            &mut self.quantised,
            &mut self.order,
        );
        self.block = block;
        result.map_err(|m| self.row_error(row, m))
    }

    /// Writes the variant count into the header and flushes; returns the
    /// number of variants written.
    pub fn finish(mut self) -> Result<u64> {
        if self.header.is_none() {
            let ids = self.options.sample_ids.clone();
            let n = ids.as_ref().map_or(0, Vec::len) as u32;
            self.write_header(n, ids)?;
        }
        let count = u32::try_from(self.variants).map_err(|_| {
            Error::new(
                &self.path,
                Position::File,
                ErrorKind::Write(format!(
                    "{} variants exceed the 2^32 − 1 a BGEN header can count",
                    self.variants
                )),
            )
        })?;
        self.out.flush().map_err(|e| self.io_error(e))?;
        let file = self.out.get_mut();
        file.seek(SeekFrom::Start(8))
            .map_err(|e| Error::io(&self.path, e))?;
        file.write_all(&count.to_le_bytes())
            .map_err(|e| Error::io(&self.path, e))?;
        file.sync_all().map_err(|e| Error::io(&self.path, e))?;
        Ok(self.variants)
    }
}

/// Appends the packed probabilities of every genotype to `block`.
#[allow(clippy::too_many_arguments)]
fn encode_probabilities(
    genotypes: &[Genotype],
    alleles: usize,
    flat: Option<&Float64Array>,
    phased: bool,
    bits: u8,
    block: &mut Vec<u8>,
    quantised: &mut Vec<u64>,
    order: &mut Vec<usize>,
) -> Result<(), String> {
    let mut packer = Packer::new(block, bits);
    let target = (1u64 << bits) - 1;
    let result = (|| {
        for (s, g) in genotypes.iter().enumerate() {
            let p = g.ploidy.unwrap_or(0);
            let (per_block, blocks) = if phased {
                (alleles, p as usize)
            } else {
                let count = genotype_count(p, alleles as u32);
                let count = usize::try_from(count)
                    .ok()
                    .filter(|&c| c <= 1 << 24)
                    .ok_or_else(|| {
                        format!(
                            "sample {}: ploidy {p} with {alleles} alleles has too many genotypes",
                            s + 1
                        )
                    })?;
                (count, 1)
            };
            let Some((start, len)) = g.probabilities else {
                for _ in 0..blocks * (per_block - 1) {
                    packer.push(0);
                }
                continue;
            };
            if len != per_block * blocks {
                return Err(format!(
                    "sample {}: {len} probabilities, but {} ploidy {p} with {alleles} alleles needs {}",
                    s + 1,
                    if phased { "phased" } else { "unphased" },
                    per_block * blocks
                ));
            }
            let values =
                &flat.expect("probabilities come from this array").values()[start..start + len];
            for chunk in values.chunks(per_block) {
                quantise(chunk, target, quantised, order)
                    .map_err(|m| format!("sample {}: {m}", s + 1))?;
                for &x in &quantised[..per_block - 1] {
                    packer.push(x);
                }
            }
        }
        Ok(())
    })();
    packer.finish();
    result
}

fn check_sample_ids(path: &Path, ids: &[String]) -> Result<()> {
    if let Some(id) = ids.iter().find(|id| id.len() > u16::MAX as usize) {
        return Err(Error::new(
            path,
            Position::File,
            ErrorKind::Write(format!(
                "sample identifier {:?}… exceeds BGEN's 65535 bytes",
                id.chars().take(20).collect::<String>()
            )),
        ));
    }
    Ok(())
}

fn list_strings(list: Option<&ListArray>, i: usize) -> Vec<String> {
    let Some(list) = list else { return Vec::new() };
    if list.is_null(i) {
        return Vec::new();
    }
    let values = list.value(i);
    let values = values.as_string::<i32>();
    values.iter().flatten().map(str::to_string).collect()
}

/// Scales probabilities to integers summing to `target`, each within one
/// unit of `p × target`: the rounding of the BGEN specification.
fn quantise(
    p: &[f64],
    target: u64,
    out: &mut Vec<u64>,
    order: &mut Vec<usize>,
) -> Result<(), String> {
    out.clear();
    let mut sum = 0.0;
    for &x in p {
        if !x.is_finite() || !(-1e-9..=1.0 + 1e-6).contains(&x) {
            return Err(format!("probability {x} is not between 0 and 1"));
        }
        sum += x.max(0.0);
    }
    if sum > 1.0 + 1e-3 {
        return Err(format!("probabilities sum to {sum}, above 1"));
    }
    if sum <= 0.0 {
        return Err(
            "probabilities are all zero; leave them null to write a missing genotype".into(),
        );
    }
    let scale = target as f64 / sum;
    let mut total: u64 = 0;
    order.clear();
    for (i, &x) in p.iter().enumerate() {
        let v = x.max(0.0) * scale;
        let floor = (v.floor() as u64).min(target);
        out.push(floor);
        total += floor;
        order.push(i);
    }
    let fraction = |i: usize| p[i].max(0.0) * scale - out[i] as f64;
    order.sort_by(|&a, &b| fraction(b).total_cmp(&fraction(a)).then(a.cmp(&b)));
    if total < target {
        let mut need = target - total;
        // Largest fractional parts first; more than one lap only if the
        // input was far from summing to one.
        'outer: while need > 0 {
            for &i in order.iter() {
                if need == 0 {
                    break 'outer;
                }
                if out[i] < target {
                    out[i] += 1;
                    need -= 1;
                }
            }
        }
    } else if total > target {
        let mut excess = total - target;
        for &i in order.iter().rev() {
            let take = excess.min(out[i]);
            out[i] -= take;
            excess -= take;
            if excess == 0 {
                break;
            }
        }
    }
    Ok(())
}

/// Packs `bits`-bit values little-endian into a byte vector.
pub(crate) struct Packer<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    filled: u32,
    bits: u32,
}

impl<'a> Packer<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>, bits: u8) -> Self {
        Self {
            out,
            acc: 0,
            filled: 0,
            bits: bits as u32,
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, value: u64) {
        self.acc |= value << self.filled;
        self.filled += self.bits;
        while self.filled >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.filled -= 8;
        }
    }

    pub(crate) fn finish(&mut self) {
        if self.filled > 0 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.filled = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantisation_sums_to_target_and_stays_within_one_unit() {
        let mut out = Vec::new();
        let mut order = Vec::new();
        let cases: &[&[f64]] = &[
            &[1.0, 0.0, 0.0],
            &[0.0278019, 0.00863661, 0.963561],
            &[1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
            &[0.5, 0.5],
            &[0.1, 0.2, 0.3, 0.4],
        ];
        for bits in [1u32, 3, 8, 16, 32] {
            let target = (1u64 << bits) - 1;
            for p in cases {
                quantise(p, target, &mut out, &mut order).unwrap();
                assert_eq!(out.iter().sum::<u64>(), target, "{p:?} at {bits} bits");
                let sum: f64 = p.iter().sum();
                for (x, q) in p.iter().zip(&out) {
                    let err = (x / sum - *q as f64 / target as f64).abs();
                    assert!(
                        err <= 1.0 / target as f64 + 1e-12,
                        "{p:?} at {bits} bits: {err}"
                    );
                }
            }
        }
    }

    #[test]
    fn quantisation_restores_32_bit_integers_exactly() {
        let target = u32::MAX as u64;
        let mut out = Vec::new();
        let mut order = Vec::new();
        for stored in [
            [1u64, 2, target - 3],
            [target, 0, 0],
            [123_456_789, 987_654_321, target - 1_111_111_110],
        ] {
            let p: Vec<f64> = stored.iter().map(|&x| x as f64 / target as f64).collect();
            quantise(&p, target, &mut out, &mut order).unwrap();
            assert_eq!(out, stored);
        }
    }

    #[test]
    fn quantisation_rejects_nonsense() {
        let mut out = Vec::new();
        let mut order = Vec::new();
        for p in [&[0.5, 0.7][..], &[f64::NAN, 1.0], &[-0.5, 1.5], &[0.0, 0.0]] {
            assert!(quantise(p, 255, &mut out, &mut order).is_err(), "{p:?}");
        }
    }

    #[test]
    fn packer_packs_little_endian() {
        let mut out = Vec::new();
        let mut p = Packer::new(&mut out, 3);
        for v in 1..=9u64 {
            p.push(v & 7);
        }
        p.finish();
        let mut expected = 0u64;
        for (i, v) in (1..=9u64).enumerate() {
            expected |= (v & 7) << (3 * i);
        }
        assert_eq!(out, expected.to_le_bytes()[..4]);
    }
}
