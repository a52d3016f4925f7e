//! Writing the variant table as BCF 2.2: the VCF writer's header, columns,
//! samples, BGZF output and index, with binary records in place of lines.
//!
//! A record refers to its contig, FILTERs and INFO/FORMAT keys by their
//! place in dictionaries the header defines, built here from the header's
//! text by the code the reader builds them with (so htslib, our reader and
//! this writer agree on every index, `IDX=` included).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use arrow::array::{Array, RecordBatch};
use arrow::buffer::NullBuffer;
use arrow::datatypes::Schema;
use genolake_core::Stringency;
use genolake_core::schema::ValueType;

use super::encode::{self, FLOAT_END, FLOAT_MISSING, INT_END, INT_MIN_VALUE, INT_MISSING};
use super::header::dictionaries;
use crate::error::{Error, ErrorKind, Position, Result};
use crate::header::{Contig, HeaderParser};
use crate::writer::indexer::{IndexFormat, Indexer};
use crate::writer::record::{Columns, Genotypes, Layout, Scalar, Value};
use crate::writer::{Compression, Core, RecordFormat, Samples, WriteSummary, WriterOptions};

/// Builds a [`Writer`] with the VCF writer's options:
/// `bcf::Writer::builder(path).contigs(...).index(IndexFormat::Csi).build(&schema)`.
pub type WriterBuilder = crate::writer::WriterBuilder<Writer>;

/// Writes record batches of the variant table as BCF 2.2.
///
/// See the [module documentation](super) for what is written and an example.
pub struct Writer {
    core: Core<BcfRecords>,
}

impl Writer {
    /// Starts a file for batches of `schema`, with default options (a header
    /// inferred from the columns).
    pub fn create(path: impl AsRef<Path>, schema: &Schema) -> Result<Self> {
        Self::builder(path).build(schema)
    }

    /// A builder for options.
    pub fn builder(path: impl AsRef<Path>) -> WriterBuilder {
        WriterBuilder::new(path.as_ref())
    }

    fn open(path: PathBuf, options: WriterOptions, schema: &Schema) -> Result<Self> {
        let refuse = |message: &str| {
            Err(Error::new(
                &path,
                Position::File,
                ErrorKind::Options(message.into()),
            ))
        };
        if options.compression == Some(Compression::None) {
            return refuse("BCF is always BGZF-compressed: leave the compression unset");
        }
        if options.index == Some(IndexFormat::Tabix) {
            return refuse(
                "a BCF file is indexed with CSI (IndexFormat::Csi), as bcftools indexes it; tabix indexes text",
            );
        }
        Ok(Self {
            core: Core::open(
                path,
                options,
                schema,
                Compression::Bgzf,
                BcfRecords::default(),
            )?,
        })
    }

    /// Appends the rows of a batch. The header is written with the first
    /// row; contigs, FILTERs and `attributes` keys first seen in a later
    /// batch are errors, as BCF names them by their header line.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.core.write(batch)
    }

    /// Writes what is buffered, the index, and moves the files to their
    /// final names.
    pub fn finish(self) -> Result<WriteSummary> {
        self.core.finish()
    }
}

impl crate::writer::WriterBuilder<Writer> {
    /// Opens the file (under a temporary name until [`Writer::finish`]) for
    /// batches of `schema`.
    pub fn build(self, schema: &Schema) -> Result<Writer> {
        let (path, options) = self.into_parts();
        Writer::open(path, options, schema)
    }
}

/// How the values of an INFO or FORMAT column are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Flag,
    Int,
    Float,
    Text,
}

/// The kind a column of `value`'s type is written as, given the Type its
/// key's header line declares: text where the header says String (a list
/// joined by commas, as VCF writes it), floats for integers a header
/// declares Float, else the column's own.
fn kind_of(value: &Value, declared: Option<ValueType>) -> Kind {
    let items = match value {
        Value::Scalar(s) | Value::List { items: s, .. } => s,
    };
    match (items, declared) {
        (Scalar::Bool(_), _) => Kind::Flag,
        (_, Some(ValueType::String | ValueType::Character)) | (Scalar::Str(_), _) => Kind::Text,
        (Scalar::I32(_) | Scalar::I64(_), Some(ValueType::Float)) => Kind::Float,
        (Scalar::I32(_) | Scalar::I64(_), _) => Kind::Int,
        (Scalar::F32(_) | Scalar::F64(_), _) => Kind::Float,
    }
}

/// A key's dictionary index and declared type.
#[derive(Debug, Clone, Copy)]
struct Key {
    index: i32,
    declared: Option<ValueType>,
}

/// The dictionaries, and the keys of the layout's columns in them.
#[derive(Default)]
struct Dictionary {
    strings: HashMap<String, i32>,
    contigs: HashMap<String, i32>,
    contig_count: usize,
    longest: Option<u64>,
    infos: HashMap<String, ValueType>,
    formats: HashMap<String, ValueType>,
    /// For each of the layout's INFO columns and genotype fields.
    info_keys: Vec<Key>,
    format_keys: Vec<Key>,
    gt: i32,
    end: Option<i32>,
    samples: usize,
}

/// BCF records: the [`RecordFormat`] of [`Writer`].
#[derive(Default)]
pub(crate) struct BcfRecords {
    dictionary: Dictionary,
    /// The last contig and its index (records come a contig at a time).
    last_contig: Option<(String, i32)>,
    /// Scratch, reused by every record.
    ints: Vec<i32>,
    floats: Vec<u32>,
    text: Vec<u8>,
    ends: Vec<usize>,
    present: Vec<usize>,
    genotype_index: Vec<usize>,
}

fn undeclared(what: &str, name: &str) -> String {
    format!(
        "{what} {name} is not declared in the header; BCF names every contig, FILTER and INFO/FORMAT key by its header line, and the header is written with the first row (declaring those of the first batch): pass them with contigs(..) or a header"
    )
}

/// An integer item of a column, or an error when BCF's 32 bits (less their
/// eight reserved values) do not hold it.
#[inline]
fn int_item(v: i64) -> std::result::Result<i32, String> {
    if (INT_MIN_VALUE..=i32::MAX as i64).contains(&v) {
        Ok(v as i32)
    } else {
        Err(format!(
            "{v} does not fit BCF's 32-bit integers ({INT_MIN_VALUE} to {})",
            i32::MAX
        ))
    }
}

#[inline]
fn float_bits(v: f64) -> u32 {
    (v as f32).to_bits()
}

impl Scalar {
    /// Item `j` as an integer, known valid.
    #[inline]
    fn int(&self, j: usize) -> std::result::Result<i32, String> {
        match self {
            Scalar::I32(a) => int_item(a.value(j) as i64),
            Scalar::I64(a) => int_item(a.value(j)),
            Scalar::Bool(a) => Ok(a.value(j) as i32),
            Scalar::F32(a) => int_item(a.value(j) as i64),
            Scalar::F64(a) => int_item(a.value(j) as i64),
            Scalar::Str(a) => Err(format!("{:?} is not an integer", a.value(j))),
        }
    }

    /// Item `j` as a float's bits, known valid.
    #[inline]
    fn float(&self, j: usize) -> std::result::Result<u32, String> {
        Ok(match self {
            Scalar::F32(a) => a.value(j).to_bits(),
            Scalar::F64(a) => float_bits(a.value(j)),
            Scalar::I32(a) => (a.value(j) as f32).to_bits(),
            Scalar::I64(a) => (a.value(j) as f32).to_bits(),
            Scalar::Bool(a) => (a.value(j) as u8 as f32).to_bits(),
            Scalar::Str(a) => return Err(format!("{:?} is not a number", a.value(j))),
        })
    }
}

impl Value {
    /// The items of value `i` (known not missing) pushed as integers.
    fn push_ints(&self, i: usize, out: &mut Vec<i32>) -> std::result::Result<(), String> {
        match self {
            Value::Scalar(s) => out.push(s.int(i)?),
            Value::List { offsets, items, .. } => {
                for j in offsets[i] as usize..offsets[i + 1] as usize {
                    out.push(if items.is_null(j) {
                        INT_MISSING
                    } else {
                        items.int(j)?
                    });
                }
            }
        }
        Ok(())
    }

    /// The items of value `i` (known not missing) pushed as float bits.
    fn push_floats(&self, i: usize, out: &mut Vec<u32>) -> std::result::Result<(), String> {
        match self {
            Value::Scalar(s) => out.push(s.float(i)?),
            Value::List { offsets, items, .. } => {
                for j in offsets[i] as usize..offsets[i + 1] as usize {
                    out.push(if items.is_null(j) {
                        FLOAT_MISSING
                    } else {
                        items.float(j)?
                    });
                }
            }
        }
        Ok(())
    }
}

/// Patches a little-endian `u32` at `at`.
#[inline]
fn patch_u32(out: &mut [u8], at: usize, v: u32) {
    out[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

impl RecordFormat for BcfRecords {
    const DECLARES_FIRST_CONTIGS: bool = true;

    fn write_header(
        &mut self,
        text: &str,
        layout: &Layout,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        let mut parser = HeaderParser::new(Stringency::Lenient);
        for line in text.lines() {
            if parser
                .feed(line)
                .map_err(|e| format!("the header, line {}: {e}", parser.line_number()))?
            {
                break;
            }
        }
        let header = parser.finish()?;
        let built = dictionaries(&header)?;
        let index = |list: &[Option<String>]| -> HashMap<String, i32> {
            list.iter()
                .enumerate()
                .filter_map(|(i, s)| Some((s.clone()?, i as i32)))
                .collect()
        };
        let mut d = Dictionary {
            strings: index(&built.strings),
            contigs: index(&built.contigs),
            contig_count: built.contigs.len(),
            longest: header.contigs.iter().filter_map(|c| c.length).max(),
            infos: header
                .infos
                .iter()
                .map(|i| (i.id.clone(), i.value_type))
                .collect(),
            formats: header
                .formats
                .iter()
                .map(|i| (i.id.clone(), i.value_type))
                .collect(),
            samples: header.samples.len(),
            ..Default::default()
        };
        let key = |id: &str, kind: &str, types: &HashMap<String, ValueType>| {
            d.strings
                .get(id)
                .map(|&index| Key {
                    index,
                    declared: types.get(id).copied(),
                })
                .ok_or_else(|| undeclared(kind, id))
        };
        d.info_keys = layout
            .infos
            .iter()
            .map(|i| key(&i.key, "INFO key", &d.infos))
            .collect::<std::result::Result<_, _>>()?;
        if let Some(g) = &layout.genotypes {
            d.format_keys = g
                .fields
                .iter()
                .map(|f| key(&f.key, "FORMAT key", &d.formats))
                .collect::<std::result::Result<_, _>>()?;
            if g.gt {
                d.gt = key("GT", "FORMAT key", &d.formats)?.index;
            }
        }
        d.end = d.strings.get("END").copied();
        self.dictionary = d;
        if self.dictionary.samples >= 1 << 24 {
            return Err(format!(
                "{} samples are more than a BCF record can count (2^24 − 1)",
                self.dictionary.samples
            ));
        }
        out.extend_from_slice(b"BCF\x02\x02");
        let l_text = u32::try_from(text.len() + 1)
            .map_err(|_| "the header is longer than BCF's 4 GiB".to_string())?;
        out.extend_from_slice(&l_text.to_le_bytes());
        out.extend_from_slice(text.as_bytes());
        out.push(0);
        Ok(())
    }

    fn write_row(
        &mut self,
        columns: &Columns,
        row: usize,
        layout: &Layout,
        samples: &Samples,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        let start = out.len();
        out.extend_from_slice(&[0; 8]);
        let shared = out.len();
        self.write_shared(columns, row, layout, out)?;
        let indiv = out.len();
        let n_fmt = self.write_samples(columns, row, layout, samples, out)?;
        let l_shared = u32::try_from(indiv - shared)
            .map_err(|_| "the record's site fields pass BCF's 4 GiB".to_string())?;
        let l_indiv = u32::try_from(out.len() - indiv)
            .map_err(|_| "the record's samples pass BCF's 4 GiB".to_string())?;
        patch_u32(out, start, l_shared);
        patch_u32(out, start + 4, l_indiv);
        let n_sample = self.dictionary.samples as u32;
        patch_u32(out, shared + 20, (n_fmt << 24) | n_sample);
        Ok(())
    }

    fn contig_id(&self, contig: &str) -> Option<usize> {
        self.dictionary.contigs.get(contig).map(|&i| i as usize)
    }

    fn indexer(&self, _format: IndexFormat, _contigs: &[Contig]) -> Indexer {
        Indexer::bcf(self.dictionary.contig_count, self.dictionary.longest)
    }
}

impl BcfRecords {
    fn contig_index(&mut self, contig: &str) -> std::result::Result<i32, String> {
        if let Some((name, index)) = &self.last_contig
            && name == contig
        {
            return Ok(*index);
        }
        let index = *self
            .dictionary
            .contigs
            .get(contig)
            .ok_or_else(|| undeclared("contig", contig))?;
        self.last_contig = Some((contig.to_string(), index));
        Ok(index)
    }

    /// The shared part: the fixed fields, ID, alleles, FILTER and INFO
    /// (`n_fmt` and `n_sample` patched by the caller).
    fn write_shared(
        &mut self,
        columns: &Columns,
        row: usize,
        layout: &Layout,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        let contig = columns.contig(row)?;
        if contig.is_empty() {
            return Err("contigName is empty".into());
        }
        let chrom = self.contig_index(contig)?;
        let position = columns.position(row)?;
        let pos = i32::try_from(position - 1)
            .ok()
            .filter(|p| *p < i32::MAX)
            .ok_or_else(|| format!("start {} is past BCF's 32-bit positions", position - 1))?;
        if columns.reference.is_null(row) || columns.reference.value(row).is_empty() {
            return Err("referenceAllele is null or empty".into());
        }
        let end = columns.end(row, position);
        let rlen = i32::try_from(end - position + 1)
            .map_err(|_| format!("the record's length {} passes 32 bits", end - position + 1))?;
        let qual = match &columns.qual {
            Some(q) if !q.is_missing(row) => match q {
                Value::Scalar(s) => s.float(row)?,
                _ => FLOAT_MISSING,
            },
            _ => FLOAT_MISSING,
        };
        let fixed = out.len();
        for v in [chrom as u32, pos as u32, rlen as u32, qual, 0, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }

        // ID: names joined by `;`, nothing for none.
        self.text.clear();
        if let Some(names) = &columns.names {
            names.write(row, b';', &mut self.text)?;
        }
        if self.text == b"." {
            self.text.clear();
        }
        encode::chars(out, &self.text);

        // REF and ALT, one typed string each.
        encode::chars(out, columns.reference.value(row).as_bytes());
        let mut n_allele = 1usize;
        if let Some(alts) = &columns.alternates
            && !alts.nulls.as_ref().is_some_and(|n| n.is_null(row))
        {
            for j in alts.offsets[row] as usize..alts.offsets[row + 1] as usize {
                let allele = if alts.items.is_null(j) {
                    "."
                } else {
                    alts.items.value(j)
                };
                encode::chars(out, allele.as_bytes());
                n_allele += 1;
            }
        }

        // FILTER.
        self.ints.clear();
        if let Some(filters) = &columns.filters
            && !filters.nulls.as_ref().is_some_and(|n| n.is_null(row))
        {
            for j in filters.offsets[row] as usize..filters.offsets[row + 1] as usize {
                if filters.items.is_null(j) {
                    continue;
                }
                let name = filters.items.value(j);
                let index = *self
                    .dictionary
                    .strings
                    .get(name)
                    .ok_or_else(|| undeclared("FILTER", name))?;
                self.ints.push(index);
            }
        }
        if self.ints.is_empty() {
            encode::nothing(out);
        } else {
            encode::ints(out, &self.ints, self.ints.len());
        }

        // INFO, in the layout's order as the VCF writer writes it.
        let mut n_info = 0usize;
        for (k, value) in columns.infos.iter().enumerate() {
            let key = self.dictionary.info_keys[k];
            match kind_of(value, key.declared) {
                Kind::Flag => {
                    if value.flag(row) {
                        encode::int1(out, key.index);
                        encode::nothing(out);
                        n_info += 1;
                    }
                    continue;
                }
                _ if value.is_missing(row) => continue,
                kind => {
                    encode::int1(out, key.index);
                    self.info_value(value, row, kind, out)
                        .map_err(|e| format!("{}: {e}", layout.infos[k].name))?;
                    n_info += 1;
                }
            }
        }
        if let Some(attributes) = &columns.attributes {
            for (name, text) in attributes.entries(row) {
                let index = *self
                    .dictionary
                    .strings
                    .get(name)
                    .filter(|_| self.dictionary.infos.contains_key(name))
                    .ok_or_else(|| undeclared("INFO key", name))?;
                encode::int1(out, index);
                self.attribute_value(name, text, out)?;
                n_info += 1;
            }
        }
        if let Some(end) = columns.end_to_write(row, layout, position) {
            let index = self.dictionary.end.ok_or_else(|| {
                format!(
                    "{}, and this row's end ({end}) needs INFO END",
                    undeclared("INFO key", "END")
                )
            })?;
            encode::int1(out, index);
            encode::int1(out, int_item(end)?);
            n_info += 1;
        }
        if n_info > 0xFFFF || n_allele > 0xFFFF {
            return Err(format!(
                "{n_info} INFO keys and {n_allele} alleles: BCF counts at most 65,535 of each"
            ));
        }
        patch_u32(out, fixed + 16, (n_allele << 16 | n_info) as u32);
        Ok(())
    }

    /// A typed INFO value (known not missing) of `kind`.
    fn info_value(
        &mut self,
        value: &Value,
        row: usize,
        kind: Kind,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        match kind {
            Kind::Int => {
                self.ints.clear();
                value.push_ints(row, &mut self.ints)?;
                encode::ints(out, &self.ints, self.ints.len());
            }
            Kind::Float => {
                self.floats.clear();
                value.push_floats(row, &mut self.floats)?;
                encode::floats(out, &self.floats, self.floats.len());
            }
            Kind::Text | Kind::Flag => {
                self.text.clear();
                value.write(row, &mut self.text)?;
                encode::chars(out, &self.text);
            }
        }
        Ok(())
    }

    /// A value of the `attributes` map, text, typed as its header line says.
    fn attribute_value(
        &mut self,
        key: &str,
        text: &str,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        let items = || text.split(',').map(|t| (t != ".").then_some(t));
        match self.dictionary.infos.get(key) {
            Some(ValueType::Flag) => encode::nothing(out),
            Some(ValueType::Integer) => {
                self.ints.clear();
                for item in items() {
                    self.ints.push(match item {
                        None => INT_MISSING,
                        Some(t) => int_item(t.parse::<i64>().map_err(|_| {
                            format!("INFO {key}: {t:?} is not an integer, as its header line says")
                        })?)?,
                    });
                }
                encode::ints(out, &self.ints, self.ints.len());
            }
            Some(ValueType::Float) => {
                self.floats.clear();
                for item in items() {
                    self.floats.push(match item {
                        None => FLOAT_MISSING,
                        Some(t) => crate::record::value::parse_f64(t.as_bytes())
                            .map(float_bits)
                            .map_err(|e| format!("INFO {key}: {e}, as its header line says"))?,
                    });
                }
                encode::floats(out, &self.floats, self.floats.len());
            }
            _ => encode::chars(out, text.as_bytes()),
        }
        Ok(())
    }

    /// The per-sample part; returns `n_fmt`.
    fn write_samples(
        &mut self,
        columns: &Columns,
        row: usize,
        layout: &Layout,
        samples: &Samples,
        out: &mut Vec<u8>,
    ) -> std::result::Result<u32, String> {
        let (Some(g_layout), Some(g)) = (&layout.genotypes, &columns.genotypes) else {
            return Ok(0);
        };
        let range = g.range(row);
        if samples.names.is_empty() || range.is_empty() {
            return Ok(0);
        }
        samples.place(g.sample_ids(), range.clone(), &mut self.genotype_index)?;
        // The keys some sample has a value for, as the VCF writer writes them.
        let gt = g_layout.gt && !g.calls_all_missing(range.clone());
        self.present.clear();
        self.present
            .extend((0..g.fields.len()).filter(|&k| !g.fields[k].all_missing(range.clone())));
        let mut n_fmt = 0;
        if gt {
            encode::int1(out, self.dictionary.gt);
            self.write_gt(g, out);
            n_fmt += 1;
        }
        let present = std::mem::take(&mut self.present);
        for &k in &present {
            let key = self.dictionary.format_keys[k];
            encode::int1(out, key.index);
            let field = &g.fields[k];
            self.write_format(g, field, kind_of(field, key.declared), out)
                .map_err(|e| format!("genotype field {}: {e}", g_layout.fields[k].name))?;
            n_fmt += 1;
        }
        self.present = present;
        if n_fmt > 255 {
            return Err(format!("{n_fmt} FORMAT keys: BCF counts at most 255"));
        }
        Ok(n_fmt)
    }

    /// GT of every sample, as many alleles each as the most any has.
    fn write_gt(&mut self, g: &Genotypes, out: &mut Vec<u8>) {
        let Some((offsets, alleles, nulls)) = &g.calls else {
            return;
        };
        let placed = &self.genotype_index;
        let phased = |at: usize| {
            g.phased
                .as_ref()
                .is_some_and(|p| p.is_valid(at) && p.value(at))
        };
        let missing = |at: usize| {
            g.struct_nulls.as_ref().is_some_and(|n| n.is_null(at))
                || nulls.as_ref().is_some_and(|n| n.is_null(at))
        };
        if g.struct_nulls.is_none() && nulls.is_none() && write_diploid_gts(g, placed, out) {
            return;
        }
        let ploidy = placed
            .iter()
            .filter(|&&at| !missing(at))
            .map(|&at| (offsets[at + 1] - offsets[at]) as usize)
            .max()
            .unwrap_or(1)
            .max(1);
        self.ints.clear();
        for &at in placed {
            let (a, b) = (offsets[at] as usize, offsets[at + 1] as usize);
            if missing(at) || a == b {
                // `.`: one missing allele.
                self.ints.push(0);
                self.ints.extend(std::iter::repeat_n(INT_END, ploidy - 1));
                continue;
            }
            let p = phased(at);
            for (j, &allele) in alleles[a..b].iter().enumerate() {
                self.ints.push(encode::gt_allele(allele, p && j > 0));
            }
            self.ints
                .extend(std::iter::repeat_n(INT_END, ploidy - (b - a)));
        }
        encode::ints(out, &self.ints, ploidy);
    }

    /// A FORMAT field of every sample: vectors as long as the longest,
    /// a missing value one missing item, shorter ones padded with the end
    /// of vector.
    fn write_format(
        &mut self,
        g: &Genotypes,
        field: &Value,
        kind: Kind,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        let placed = std::mem::take(&mut self.genotype_index);
        let missing = |at: usize| {
            g.struct_nulls.as_ref().is_some_and(|n| n.is_null(at)) || field.is_missing(at)
        };
        let result = (|| {
            match kind {
                Kind::Int | Kind::Float => {
                    let int = kind == Kind::Int;
                    // Each sample's items, then padded to the longest.
                    self.ints.clear();
                    self.floats.clear();
                    self.ends.clear();
                    let fast = int
                        && push_int32_items(
                            field,
                            &placed,
                            g.struct_nulls.as_ref(),
                            &mut self.ints,
                            &mut self.ends,
                        )?;
                    for &at in placed.iter().filter(|_| !fast) {
                        if missing(at) {
                            if int {
                                self.ints.push(INT_MISSING);
                            } else {
                                self.floats.push(FLOAT_MISSING);
                            }
                        } else if int {
                            field.push_ints(at, &mut self.ints)?;
                        } else {
                            field.push_floats(at, &mut self.floats)?;
                        }
                        self.ends.push(if int {
                            self.ints.len()
                        } else {
                            self.floats.len()
                        });
                    }
                    let per = widest(&self.ends);
                    if int {
                        pad(&mut self.ints, &self.ends, per, INT_END);
                        encode::ints(out, &self.ints, per);
                    } else {
                        pad(&mut self.floats, &self.ends, per, FLOAT_END);
                        encode::floats(out, &self.floats, per);
                    }
                }
                Kind::Text | Kind::Flag => {
                    self.text.clear();
                    self.ends.clear();
                    for &at in &placed {
                        if missing(at) {
                            self.text.push(b'.');
                        } else {
                            field.write(at, &mut self.text)?;
                        }
                        self.ends.push(self.text.len());
                    }
                    let per = widest(&self.ends);
                    pad(&mut self.text, &self.ends, per, 0);
                    encode::descriptor(out, super::record::CHAR, per);
                    out.extend_from_slice(&self.text);
                }
            }
            Ok(())
        })();
        self.genotype_index = placed;
        result
    }
}

/// The items of an `Int32` field (scalar, or list) for the `placed`
/// samples into `ints`, each sample's end into `ends`, as
/// [`Value::push_ints`] gives them but read straight from the Arrow
/// buffers: no dispatch on the column's type per item, a list's items
/// copied as a slice. False (nothing written) for a field of another type.
/// Errs on an item in BCF's reserved range of 32-bit integers.
fn push_int32_items(
    field: &Value,
    placed: &[usize],
    struct_nulls: Option<&NullBuffer>,
    ints: &mut Vec<i32>,
    ends: &mut Vec<usize>,
) -> std::result::Result<bool, String> {
    let null_struct = |at: usize| struct_nulls.is_some_and(|n| n.is_null(at));
    let mut lowest = i32::MAX;
    match field {
        Value::Scalar(Scalar::I32(array)) => {
            let values = array.values();
            for &at in placed {
                if null_struct(at) || array.is_null(at) {
                    ints.push(INT_MISSING);
                } else {
                    lowest = lowest.min(values[at]);
                    ints.push(values[at]);
                }
                ends.push(ints.len());
            }
        }
        Value::List {
            offsets,
            nulls,
            items: Scalar::I32(items),
        } => {
            let values = items.values();
            for &at in placed {
                let (a, b) = (offsets[at] as usize, offsets[at + 1] as usize);
                if a == b || null_struct(at) || nulls.as_ref().is_some_and(|n| n.is_null(at)) {
                    ints.push(INT_MISSING);
                } else if let Some(item_nulls) = items.nulls() {
                    for j in a..b {
                        if item_nulls.is_null(j) {
                            ints.push(INT_MISSING);
                        } else {
                            lowest = lowest.min(values[j]);
                            ints.push(values[j]);
                        }
                    }
                } else {
                    let run = &values[a..b];
                    lowest = run.iter().fold(lowest, |m, &v| m.min(v));
                    ints.extend_from_slice(run);
                }
                ends.push(ints.len());
            }
        }
        _ => return Ok(false),
    }
    if i64::from(lowest) < INT_MIN_VALUE {
        int_item(i64::from(lowest))?;
    }
    Ok(true)
}

/// GT of a row where every placed sample is diploid with alleles below 63
/// (or missing) and no call is null, the common shape of cohorts: one byte
/// an allele, two a sample, in a loop over the alleles themselves when the
/// samples are the row's genotypes in order. Returns false, having written
/// nothing, for any other row.
fn write_diploid_gts(g: &Genotypes, placed: &[usize], out: &mut Vec<u8>) -> bool {
    let Some((offsets, alleles, _)) = &g.calls else {
        return false;
    };
    let (Some(&first), n) = (placed.first(), placed.len()) else {
        return false;
    };
    // Folds rather than `all`: no early exit, so the checks vectorise.
    let fits = |v: &[i32]| v.iter().fold(true, |ok, &a| ok & (-1..63).contains(&a));
    let in_order = placed
        .windows(2)
        .fold(true, |ok, w| ok & (w[1] == w[0] + 1))
        && offsets[first..=first + n]
            .windows(2)
            .fold(true, |ok, w| ok & (w[1] - w[0] == 2));
    let phase = |at: usize| {
        g.phased
            .as_ref()
            .is_some_and(|p| p.is_valid(at) && p.value(at)) as u8
    };
    if in_order {
        let start = offsets[first] as usize;
        let values = &alleles[start..start + 2 * n];
        if !fits(values) {
            return false;
        }
        encode::descriptor(out, super::record::INT8, 2);
        let base = out.len();
        out.resize(base + 2 * n, 0);
        let slots = out[base..].chunks_exact_mut(2).zip(values.chunks_exact(2));
        match g.phased.as_ref().filter(|p| p.nulls().is_none()) {
            Some(p) => {
                // The phase bits 64 samples at a time.
                let bits = p
                    .values()
                    .inner()
                    .bit_chunks(p.values().offset() + first, n);
                let words = bits.iter().chain(std::iter::once(bits.remainder_bits()));
                let mut slots = out[base..]
                    .chunks_mut(128)
                    .zip(values.chunks(128))
                    .zip(words);
                for ((slot, pairs), word) in &mut slots {
                    for (k, (s, v)) in slot
                        .chunks_exact_mut(2)
                        .zip(pairs.chunks_exact(2))
                        .enumerate()
                    {
                        s[0] = ((v[0] + 1) << 1) as u8;
                        s[1] = ((v[1] + 1) << 1) as u8 | ((word >> k) & 1) as u8;
                    }
                }
            }
            None => {
                for (k, (slot, pair)) in slots.enumerate() {
                    slot[0] = ((pair[0] + 1) << 1) as u8;
                    slot[1] = ((pair[1] + 1) << 1) as u8 | phase(first + k);
                }
            }
        }
        return true;
    }
    let diploid = placed.iter().all(|&at| {
        let a = offsets[at] as usize;
        offsets[at + 1] as usize == a + 2 && fits(&alleles[a..a + 2])
    });
    if !diploid {
        return false;
    }
    encode::descriptor(out, super::record::INT8, 2);
    let base = out.len();
    out.resize(base + 2 * n, 0);
    for (slot, &at) in out[base..].chunks_exact_mut(2).zip(placed) {
        let a = offsets[at] as usize;
        slot[0] = ((alleles[a] + 1) << 1) as u8;
        slot[1] = ((alleles[a + 1] + 1) << 1) as u8 | phase(at);
    }
    true
}

/// The longest of the vectors ending at `ends` (at least 1).
fn widest(ends: &[usize]) -> usize {
    let mut start = 0;
    let mut widest = 1;
    for &end in ends {
        widest = widest.max(end - start);
        start = end;
    }
    widest
}

/// Pads each vector (ending at `ends` in `values`) to `per` items with `fill`.
fn pad<T: Copy>(values: &mut Vec<T>, ends: &[usize], per: usize, fill: T) {
    if ends.len() * per == values.len() {
        return;
    }
    let mut padded = Vec::with_capacity(ends.len() * per);
    let mut start = 0;
    for &end in ends {
        padded.extend_from_slice(&values[start..end]);
        padded.extend(std::iter::repeat_n(fill, per - (end - start)));
        start = end;
    }
    *values = padded;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_can_move_to_another_thread() {
        fn send<T: Send>() {}
        send::<Writer>();
    }

    #[test]
    fn vectors_are_padded_to_the_longest() {
        let mut values = vec![1, 2, 3, 4];
        let ends = [1, 1, 4];
        assert_eq!(widest(&ends), 3);
        pad(&mut values, &ends, 3, -9);
        assert_eq!(values, [1, -9, -9, -9, -9, -9, 2, 3, 4]);
    }
}
