//! Decoding VCF data lines straight into Arrow columns.
//!
//! No allocation per genotype. The site columns are split with `memchr` and
//! parsed in place. The sample columns are first located (where each value
//! of each sample lies, from a bitmap of the line's separators) and then
//! parsed key by key, each FORMAT key's values in one loop into its column
//! (see [`samples`]); a line that is not regular, or holds a malformed value,
//! is decoded again sample by sample, which names the first problem. A line
//! that turns out to be malformed half-way is undone by truncating every
//! column back to the previous row, so lenient reads skip it cleanly.

mod gt;
mod int;
mod recycle;
mod samples;
mod separators;
mod site;
mod tolerated;
pub(crate) mod typed;
pub(crate) mod value;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, new_empty_array};
use arrow::datatypes::{DataType, Field, Fields, Float64Type, Int64Type, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow_buffer::NullBufferBuilder;
use genolake_core::builder::{
    BoolColumn, ColumnBuilder, ListColumn, MapColumn, PrimitiveColumn, RepeatedStrings,
    StringColumn, ascending_offsets, struct_array,
};
use genolake_core::matrix::{CallsBuilder, GenotypeParts, MatrixLayout, Samples};
use genolake_core::schema::{self as names, genotype_field_name, list_of, string_map};
use genolake_core::{Region, Stringency};

use crate::header::rules::valid_key;
use crate::header::{Header, Version};
use crate::reader::ReaderOptions;
use gt::{GtColumns, Ploidy};
use samples::SampleTable;
use tolerated::Tolerated;
use typed::{Typed, TypedField, TypedInfoEntry};
use value::{ValueColumn, ValueRules, column_data_type, format_value_len, parse_f64, parse_i64};

/// What became of a decoded line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Appended as a row.
    Row,
    /// Outside the requested regions; nothing appended.
    OutsideRegions,
}

/// Computes the schema a header and options give, without building anything.
pub(crate) fn schema_of(header: &Header, options: &ReaderOptions) -> Result<SchemaRef, String> {
    Ok(RecordDecoder::new(header, options)?.schema())
}

/// Where one FORMAT key of the current row goes.
#[derive(Debug, Clone)]
enum Slot {
    Gt,
    Field(usize),
    Other(Box<[u8]>),
}

struct InfoColumns {
    columns: Vec<ValueColumn>,
    rules: Vec<ValueRules>,
    index: HashMap<Box<[u8]>, usize>,
    seen: Vec<bool>,
}

struct GenotypeColumns {
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
    sample_ids: Option<RepeatedStrings>,
    /// Bytes of sample names one row adds.
    sample_bytes: usize,
    gt: GtColumns,
    fields: Vec<ValueColumn>,
    /// The checks of each field, beside it.
    rules: Vec<ValueRules>,
    /// Whether any field has a check (most files: AD, PL).
    any_rules: bool,
    /// An empty value is an empty list (VCF 4.5: `LAA` of a sample with no
    /// local alternate allele).
    empty_lists: bool,
    /// Integers past 32 bits are read as missing (VCF 4.0–4.2; see
    /// [`wide_integers_as_missing`]).
    wide_integers_missing: bool,
    index: HashMap<Box<[u8]>, usize>,
    other: Option<MapColumn>,
    struct_fields: Fields,
    /// For each struct field after `sampleId`, which column builds it.
    order: Vec<Part>,
    /// Which header columns are selected (`None`: all).
    selected: Option<Vec<bool>>,
    n_selected: usize,
    /// Cache of the last FORMAT column and what it maps to.
    format: Vec<u8>,
    slots: Vec<Slot>,
    present: Vec<bool>,
    has_gt: bool,
}

#[derive(Debug, Clone, Copy)]
enum Part {
    Phased,
    Calls,
    Field(usize),
    Other,
}

/// Decoding straight into the matrix layout
/// ([`ReaderOptions::matrix_genotypes`]): GT goes into `calls`, row by row.
struct MatrixOut {
    layout: MatrixLayout,
    /// The layout's schema, describing itself and the samples.
    schema: SchemaRef,
    calls: CallsBuilder,
}

/// Decodes data lines of one header into record batches.
pub(crate) struct RecordDecoder {
    schema: SchemaRef,
    /// Set when decoding into the matrix layout.
    matrix: Option<MatrixOut>,
    regions: Vec<Region>,
    n_samples: usize,
    contig: StringColumn,
    start: PrimitiveColumn<Int64Type>,
    end: PrimitiveColumn<Int64Type>,
    names: ListColumn<StringColumn>,
    reference: StringColumn,
    alternates: ListColumn<StringColumn>,
    qual: PrimitiveColumn<Float64Type>,
    filters: ListColumn<StringColumn>,
    split_flag: BoolColumn,
    info: Option<InfoColumns>,
    attributes: Option<MapColumn>,
    genotypes: GenotypeColumns,
    /// Where the values of the current line's sample columns are.
    samples: SampleTable,
    /// Whether regular lines are decoded key by key (tests compare with
    /// sample by sample).
    key_by_key: bool,
    rows: usize,
    bytes: usize,
    version: Version,
    tolerated: Tolerated,
    /// The contig whose name was last checked.
    checked_chrom: Vec<u8>,
    /// File order: contig and start of the last record, and the contigs
    /// already left (`None` when regions are read, out of file order).
    order: Option<FileOrder>,
    /// Set when typed sample values were left to the text decoder (see
    /// [`RecordDecoder::decode_typed`]).
    typed_fallback: bool,
}

/// A record's INFO values as typed vectors (BCF): the bytes they lie in,
/// each entry's key (an index into `names`) and value, in file order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TypedInfo<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) entries: &'a [TypedInfoEntry],
    pub(crate) names: &'a [Option<String>],
}

/// The parts of a record given as typed values rather than text.
#[derive(Debug, Clone, Copy)]
struct Binary<'a> {
    info: TypedInfo<'a>,
    samples: Option<TypedSamples<'a>>,
}

/// A record's sample values as typed vectors (BCF): the per-sample bytes
/// and where each FORMAT key's values lie in them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TypedSamples<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) fields: &'a [TypedField],
}

/// Records of a contig come together and in ascending position (VCF 4.3,
/// section 1.6.1). Checked within what one reader reads.
#[derive(Debug, Default)]
struct FileOrder {
    contig: Vec<u8>,
    start: i64,
    done: HashSet<Vec<u8>>,
}

impl RecordDecoder {
    pub(crate) fn new(header: &Header, options: &ReaderOptions) -> Result<Self, String> {
        let mut fields = vec![
            Field::new(names::CONTIG_NAME, DataType::Utf8, true),
            Field::new(names::START, DataType::Int64, true),
            Field::new(names::END, DataType::Int64, true),
            Field::new(names::NAMES, list_of(DataType::Utf8), true),
            Field::new(names::REFERENCE_ALLELE, DataType::Utf8, true),
            Field::new(names::ALTERNATE_ALLELES, list_of(DataType::Utf8), true),
            Field::new(names::QUAL, DataType::Float64, true),
            Field::new(names::FILTERS, list_of(DataType::Utf8), true),
            Field::new(names::SPLIT_FROM_MULTI_ALLELIC, DataType::Boolean, true),
        ];
        let (info, attributes) = if options.flatten_info_fields {
            let mut columns = Vec::new();
            let mut index = HashMap::new();
            let mut rules = Vec::new();
            for def in &header.infos {
                fields.push(Field::new(
                    format!("{}{}", names::INFO_PREFIX, def.id),
                    column_data_type(def, true),
                    true,
                ));
                index.insert(def.id.as_bytes().into(), columns.len());
                columns.push(ValueColumn::new(def, true));
                rules.push(ValueRules::new(def));
            }
            let seen = vec![false; columns.len()];
            (
                Some(InfoColumns {
                    columns,
                    rules,
                    index,
                    seen,
                }),
                None,
            )
        } else {
            fields.push(Field::new(names::ATTRIBUTES, string_map(), true));
            (None, Some(MapColumn::default()))
        };

        let selected = match &options.samples {
            None => None,
            Some(wanted) => {
                let known: HashSet<&str> = header.samples.iter().map(String::as_str).collect();
                if let Some(missing) = wanted.iter().find(|w| !known.contains(w.as_str())) {
                    return Err(format!("sample {missing:?} is not in the file's header"));
                }
                let wanted: HashSet<&str> = wanted.iter().map(String::as_str).collect();
                Some(
                    header
                        .samples
                        .iter()
                        .map(|s| wanted.contains(s.as_str()))
                        .collect::<Vec<bool>>(),
                )
            }
        };
        let selected_names: Vec<&str> = header
            .samples
            .iter()
            .enumerate()
            .filter(|(i, _)| selected.as_ref().is_none_or(|s| s[*i]))
            .map(|(_, name)| name.as_str())
            .collect();
        let n_selected = selected_names.len();
        let sample_ids = RepeatedStrings::new(&selected_names);

        let mut struct_fields = Vec::new();
        if options.include_sample_ids {
            struct_fields.push(Field::new(names::SAMPLE_ID, DataType::Utf8, true));
        }
        let mut order = Vec::new();
        let mut genotype_fields = Vec::new();
        let mut genotype_rules = Vec::new();
        let mut index = HashMap::new();
        let gt_declared = header.format("GT").is_some();
        let has_gt = gt_declared || !header.samples.is_empty();
        let push_gt = |struct_fields: &mut Vec<Field>, order: &mut Vec<Part>| {
            struct_fields.push(Field::new(names::PHASED, DataType::Boolean, true));
            struct_fields.push(Field::new(names::CALLS, list_of(DataType::Int32), true));
            order.push(Part::Phased);
            order.push(Part::Calls);
        };
        if has_gt && !gt_declared {
            push_gt(&mut struct_fields, &mut order);
        }
        for def in &header.formats {
            if def.id == "GT" {
                push_gt(&mut struct_fields, &mut order);
                continue;
            }
            struct_fields.push(Field::new(
                genotype_field_name(&def.id),
                column_data_type(def, false),
                true,
            ));
            order.push(Part::Field(genotype_fields.len()));
            index.insert(def.id.as_bytes().into(), genotype_fields.len());
            genotype_fields.push(ValueColumn::new(def, false));
            genotype_rules.push(ValueRules::new(def));
        }
        let other = if options.stringency == Stringency::Strict {
            None
        } else {
            struct_fields.push(Field::new(names::OTHER_FIELDS, string_map(), true));
            order.push(Part::Other);
            Some(MapColumn::default())
        };
        let struct_fields = Fields::from(struct_fields);
        fields.push(Field::new(
            names::GENOTYPES,
            list_of(DataType::Struct(struct_fields.clone())),
            true,
        ));
        let n_fields = genotype_fields.len();
        let schema = Arc::new(Schema::new(fields));
        // Without GT (no samples, none declared) there are no calls to
        // encode: such a file is read in Glow's layout.
        let matrix = if options.matrix_genotypes && has_gt {
            let layout = MatrixLayout::from_glow(&schema).map_err(|e| e.to_string())?;
            let samples = if options.include_sample_ids {
                Samples::with_ids(selected_names.iter().map(|s| s.to_string()).collect())
            } else {
                Samples::anonymous(n_selected)
            };
            Some(MatrixOut {
                schema: layout.described_schema(&samples),
                layout,
                calls: CallsBuilder::default(),
            })
        } else {
            None
        };
        let repeat_ids = options.include_sample_ids && matrix.is_none();
        Ok(Self {
            schema,
            matrix,
            regions: options.regions.clone(),
            n_samples: header.samples.len(),
            contig: StringColumn::default(),
            start: PrimitiveColumn::default(),
            end: PrimitiveColumn::default(),
            names: ListColumn::default(),
            reference: StringColumn::default(),
            alternates: ListColumn::default(),
            qual: PrimitiveColumn::default(),
            filters: ListColumn::default(),
            split_flag: BoolColumn::default(),
            info,
            attributes,
            genotypes: GenotypeColumns {
                offsets: vec![0],
                nulls: NullBufferBuilder::new(0),
                sample_bytes: if repeat_ids {
                    sample_ids.bytes_per_repetition()
                } else {
                    0
                },
                sample_ids: repeat_ids.then_some(sample_ids),
                gt: GtColumns::default(),
                fields: genotype_fields,
                any_rules: genotype_rules.iter().any(ValueRules::active),
                empty_lists: header.version >= Version::V4_5,
                wide_integers_missing: header.version < Version::V4_3,
                rules: genotype_rules,
                index,
                other,
                struct_fields,
                order,
                selected,
                n_selected,
                format: Vec::new(),
                slots: Vec::new(),
                present: vec![false; n_fields],
                has_gt,
            },
            samples: SampleTable::default(),
            key_by_key: true,
            rows: 0,
            bytes: 0,
            version: header.version,
            tolerated: Tolerated::new(options.stringency),
            checked_chrom: Vec::new(),
            order: options.regions.is_empty().then(FileOrder::default),
            typed_fallback: false,
        })
    }

    pub(crate) fn schema(&self) -> SchemaRef {
        match &self.matrix {
            Some(matrix) => Arc::clone(&matrix.schema),
            None => Arc::clone(&self.schema),
        }
    }

    /// Rows decoded since the last batch.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Input bytes behind the rows since the last batch, plus the repeated
    /// sample names: a batch is cut before any string column nears 2 GiB.
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.bytes + self.rows * self.genotypes.sample_bytes
    }

    /// Input bytes behind the rows since the last batch.
    pub(crate) fn input_bytes(&self) -> usize {
        self.bytes
    }

    /// Whether warnings are waiting (lenient reads).
    pub(crate) fn has_warnings(&self) -> bool {
        self.tolerated.has_warnings()
    }

    /// Warnings gathered since the last call (lenient reads).
    pub(crate) fn take_warnings(&mut self) -> Vec<String> {
        self.tolerated.take_warnings()
    }

    /// Values read as null so far (lenient and silent reads), per field.
    pub(crate) fn nulled(&self) -> &std::collections::BTreeMap<String, u64> {
        self.tolerated.nulled()
    }

    /// Decodes one data line. On error nothing of the line remains appended.
    pub(crate) fn decode(&mut self, line: &[u8]) -> Result<Outcome, String> {
        self.decode_with(line, None, line.len())
    }

    /// Whether [`decode_typed`](Self::decode_typed) can take INFO as typed
    /// values: not when INFO goes to one `attributes` map of text.
    pub(crate) fn reads_typed_info(&self) -> bool {
        self.info.is_some()
    }

    /// Decodes a record given as the text of its site columns, with `.` for
    /// INFO, and FORMAT (`line`, without sample columns), its INFO values
    /// and its sample values (`None`: the record has no samples) as typed
    /// vectors; `input_len` is the record's size in its file, which counts
    /// towards the batch's byte limits. `None`, with nothing appended, when
    /// the values are not all of shapes decoded directly (see [`typed`]):
    /// then decode the record's whole line with [`decode`](Self::decode),
    /// which gives the VCF reader's values, errors and warnings.
    pub(crate) fn decode_typed(
        &mut self,
        line: &[u8],
        info: TypedInfo<'_>,
        samples: Option<TypedSamples<'_>>,
        input_len: usize,
    ) -> Option<Result<Outcome, String>> {
        let binary = Binary { info, samples };
        let result = self.decode_with(line, Some(binary), input_len);
        if std::mem::take(&mut self.typed_fallback) {
            return None;
        }
        Some(result)
    }

    fn decode_with(
        &mut self,
        line: &[u8],
        binary: Option<Binary<'_>>,
        input_len: usize,
    ) -> Result<Outcome, String> {
        if self.rows == 0 {
            self.genotypes.recycle();
            if let Some(info) = &mut self.info {
                info.columns.iter_mut().for_each(ValueColumn::recycle);
            }
        }
        let result = self.decode_inner(line, binary);
        match result {
            Ok(Outcome::Row) => {
                self.rows += 1;
                self.bytes += input_len;
                self.tolerated.commit();
            }
            Ok(Outcome::OutsideRegions) => self.tolerated.discard(),
            Err(_) => {
                self.tolerated.discard();
                self.rollback();
            }
        }
        result
    }

    fn rollback(&mut self) {
        let rows = self.rows;
        self.contig.truncate(rows);
        self.start.truncate(rows);
        self.end.truncate(rows);
        self.names.truncate(rows);
        self.reference.truncate(rows);
        self.alternates.truncate(rows);
        self.qual.truncate(rows);
        self.filters.truncate(rows);
        self.split_flag.truncate(rows);
        if let Some(info) = &mut self.info {
            for c in &mut info.columns {
                c.builder().truncate(rows);
            }
        }
        if let Some(a) = &mut self.attributes {
            a.truncate(rows);
        }
        if let Some(matrix) = &mut self.matrix {
            matrix.calls.truncate(rows);
        }
        let g = &mut self.genotypes;
        g.offsets.truncate(rows + 1);
        g.nulls.truncate(rows);
        let items = g.offsets[rows] as usize;
        if let Some(ids) = &mut g.sample_ids {
            ids.truncate(items);
        }
        g.truncate_items(items);
    }

    /// Gives a record with typed values up to the text decoder (see
    /// [`decode_typed`](Self::decode_typed)).
    fn fall_back<T>(&mut self) -> Result<T, String> {
        self.typed_fallback = true;
        Err(String::new())
    }

    fn decode_inner(&mut self, line: &[u8], binary: Option<Binary<'_>>) -> Result<Outcome, String> {
        if let Err(e) = std::str::from_utf8(line) {
            return Err(format!(
                "the line is not valid UTF-8 (at byte {} of the line)",
                e.valid_up_to() + 1
            ));
        }
        let mut columns = Columns::new(line);
        let chrom = columns.next_required("CHROM")?;
        let pos = columns.next_required("POS")?;
        let id = columns.next_required("ID")?;
        let reference = columns.next_required("REF")?;
        let alt = columns.next_required("ALT")?;
        let qual = columns.next_required("QUAL")?;
        let filter = columns.next_required("FILTER")?;
        let info = columns.next_required("INFO")?;

        // Columns that place the record: without them it is skipped.
        if chrom.is_empty() {
            return Err("CHROM is empty".to_string());
        }
        let pos = parse_i64(pos)
            .filter(|p| *p >= 0)
            .ok_or_else(|| format!("POS {:?} is not a non-negative integer", lossy(pos)))?;
        let start = pos - 1;
        if reference.is_empty() || reference == b"." {
            return Err("REF is empty; a record needs its reference base(s)".to_string());
        }
        if alt.is_empty() || (alt != b"." && alt.split(|b| *b == b',').any(<[u8]>::is_empty)) {
            return Err(format!(
                "ALT {:?} has an empty allele (ALT is '.' or alleles separated by ',')",
                lossy(alt)
            ));
        }
        // REF plus each ALT.
        let n_alleles = if alt == b"." {
            1
        } else {
            2 + memchr::memchr_iter(b',', alt).count()
        };
        let end = match binary.map(|b| typed::typed_end(&b.info)) {
            Some(Ok(Some(end))) => end,
            Some(Ok(None)) => start + reference.len() as i64,
            Some(Err(())) => return self.fall_back(),
            None => self.text_end(info, start, reference.len())?,
        };
        if !self.regions.is_empty() {
            let contig =
                std::str::from_utf8(chrom).map_err(|_| "CHROM is not UTF-8".to_string())?;
            if !Region::any_overlaps(&self.regions, contig, start, end) {
                return Ok(Outcome::OutsideRegions);
            }
        }
        self.check_site(chrom, start, id, reference, alt, filter)?;

        self.contig.push(chrom);
        self.start.push(start);
        self.end.push(end);
        push_split(&mut self.names, id, b';');
        self.reference.push(reference);
        push_split(&mut self.alternates, alt, b',');
        if qual == b"." {
            self.qual.push_nulls(1);
        } else {
            match parse_f64(qual) {
                Ok(q) => {
                    if let Some(problem) = site::qual(q) {
                        self.tolerated.lint("QUAL", problem)?;
                    }
                    self.qual.push(q);
                }
                Err(problem) => {
                    self.tolerated.null("QUAL", &problem)?;
                    self.qual.push_nulls(1);
                }
            }
        }
        push_split(&mut self.filters, filter, b';');
        self.split_flag.push(false);
        match binary {
            Some(b) => self.decode_info_typed(&b.info, n_alleles)?,
            None => self.decode_info(info, n_alleles)?,
        }
        self.decode_genotypes(&mut columns, n_alleles, binary.and_then(|b| b.samples))?;
        Ok(Outcome::Row)
    }

    /// The end of a record from the text of its INFO `END`, if any.
    fn text_end(&self, info: &[u8], start: i64, ref_len: usize) -> Result<i64, String> {
        Ok(match info_value(info, b"END") {
            Some(raw) => match parse_i64(raw) {
                Some(end) => end,
                // The INFO column reports it (or nulls it), with its key.
                None if self.tolerated.is_strict() => {
                    return Err(format!("INFO END {:?} is not an integer", lossy(raw)));
                }
                None => start + ref_len as i64,
            },
            None => start + ref_len as i64,
        })
    }

    /// INFO as typed values: what [`decode_info`](Self::decode_info) makes
    /// of their text, for well-formed values of declared keys; anything
    /// else falls back to the text.
    fn decode_info_typed(&mut self, info: &TypedInfo<'_>, n_alleles: usize) -> Result<(), String> {
        let Some(cols) = &mut self.info else {
            return self.fall_back();
        };
        cols.seen.fill(false);
        let mut ok = true;
        for entry in info.entries {
            let Some(Some(name)) = info.names.get(entry.key) else {
                ok = false;
                break;
            };
            let Some(&i) = cols.index.get(name.as_bytes()) else {
                ok = false;
                break;
            };
            if std::mem::replace(&mut cols.seen[i], true) {
                ok = false;
                break;
            }
            let column = &mut cols.columns[i];
            let before = column.builder().len();
            let pushed = match (entry.value, &mut *column) {
                (None, ValueColumn::Flag(c)) => {
                    c.push(true);
                    true
                }
                (None, column) => {
                    column.push_absent(1);
                    true
                }
                (Some(field), column) => info
                    .data
                    .get(field.start..field.end)
                    .is_some_and(|bytes| typed::info_value_typed(column, field, bytes)),
            };
            let rules = &cols.rules[i];
            if !pushed
                || (rules.active()
                    && column
                        .check_rows(rules, before, n_alleles, false, |_| Ploidy::default())
                        .is_err())
            {
                ok = false;
                break;
            }
        }
        if !ok {
            self.typed_fallback = true;
            return Err(String::new());
        }
        for (column, seen) in cols.columns.iter_mut().zip(&cols.seen) {
            if !seen {
                column.push_absent(1);
            }
        }
        Ok(())
    }

    /// The letter of the fixed columns, and the file's order: errors under
    /// strict stringency, warnings under lenient.
    fn check_site(
        &mut self,
        chrom: &[u8],
        start: i64,
        id: &[u8],
        reference: &[u8],
        alt: &[u8],
        filter: &[u8],
    ) -> Result<(), String> {
        let t = &mut self.tolerated;
        if chrom != self.checked_chrom.as_slice() {
            if let Some(problem) = site::chrom(chrom) {
                t.lint("CHROM", problem)?;
            }
            self.checked_chrom.clear();
            self.checked_chrom.extend_from_slice(chrom);
        }
        if let Some(problem) = site::id(id, self.version) {
            t.lint("ID", problem)?;
        }
        if let Some(problem) = site::reference(reference) {
            t.lint("REF", problem)?;
        }
        if alt != b"."
            && let Some(problem) = alt.split(|b| *b == b',').find_map(site::alternate)
        {
            t.lint("ALT", problem)?;
        }
        if let Some(problem) = site::filter(filter, self.version) {
            t.lint("FILTER", problem)?;
        }
        if let Some(order) = &mut self.order {
            // `<ctg>` names contig `ctg` of the assembly file.
            let chrom = chrom
                .strip_prefix(b"<")
                .and_then(|c| c.strip_suffix(b">"))
                .unwrap_or(chrom);
            if chrom == order.contig.as_slice() {
                if start < order.start {
                    // The conformance suite passes a file out of order, and
                    // nothing is lost: a warning only.
                    let contig = lossy(chrom).into_owned();
                    let (now, before) = (start + 1, order.start + 1);
                    t.note("order", || {
                        format!(
                            "records are not sorted: POS {now} comes after POS {before} on contig {contig} (positions ascend within a contig); an index cannot serve such a file"
                        )
                    });
                }
            } else {
                if order.done.contains(chrom) {
                    t.lint(
                        "contiguous",
                        format!(
                            "records of contig {} come again after those of contig {} (the records of a contig come together)",
                            lossy(chrom),
                            lossy(&order.contig)
                        ),
                    )?;
                }
                let left = std::mem::replace(&mut order.contig, chrom.to_vec());
                if !left.is_empty() {
                    order.done.insert(left);
                }
            }
            order.start = start;
        }
        Ok(())
    }

    fn decode_info(&mut self, info: &[u8], n_alleles: usize) -> Result<(), String> {
        if let Some(map) = &mut self.attributes {
            if info != b"." {
                for entry in info.split(|b| *b == b';').filter(|e| !e.is_empty()) {
                    match memchr::memchr(b'=', entry) {
                        Some(eq) => map.insert(&entry[..eq], Some(&entry[eq + 1..])),
                        None => map.insert(entry, Some(b"")),
                    }
                }
            }
            map.close();
            return Ok(());
        }
        let Some(cols) = &mut self.info else {
            return Ok(());
        };
        let t = &mut self.tolerated;
        cols.seen.fill(false);
        // Spaces may end a value since VCF 4.3; at the end of the column
        // they are nothing (bcftools drops them too).
        let info = info.trim_ascii_end();
        if info != b"." {
            for entry in info.split(|b| *b == b';') {
                if entry.is_empty() {
                    t.note("INFO empty", || {
                        format!(
                            "INFO {:?} has an empty entry (a stray ';'), passed over",
                            lossy(info)
                        )
                    });
                    continue;
                }
                let (key, value) = match memchr::memchr(b'=', entry) {
                    Some(eq) => (&entry[..eq], Some(&entry[eq + 1..])),
                    None => (entry, None),
                };
                let Some(&i) = cols.index.get(key) else {
                    if t.is_strict() {
                        return Err(undeclared("INFO", key));
                    }
                    t.lint_then(
                        &format!("INFO {}", lossy(key)),
                        format!(
                            "INFO key {:?} is used but not declared in the header, nor in the first records, where undeclared keys get a column",
                            lossy(key)
                        ),
                        "its values are dropped",
                    )?;
                    continue;
                };
                if std::mem::replace(&mut cols.seen[i], true) {
                    t.lint_then(
                        "INFO twice",
                        format!("INFO key {:?} appears twice", lossy(key)),
                        "the first value is kept",
                    )?;
                    continue;
                }
                let column = &mut cols.columns[i];
                let before = column.builder().len();
                let result = match (value, &*column) {
                    (None, ValueColumn::Flag(_)) => column.push(b""),
                    // `0` and `1` spell a flag out.
                    (Some(b"0"), ValueColumn::Flag(_)) => {
                        column.push_absent(1);
                        Ok(())
                    }
                    (Some(b"1"), ValueColumn::Flag(_)) => column.push(b""),
                    (Some(_), ValueColumn::Flag(_)) => {
                        t.lint_then(
                            "INFO flag value",
                            format!(
                                "INFO {} is a Flag and takes no value (or 0 or 1), found {:?}",
                                lossy(key),
                                lossy(entry)
                            ),
                            "the flag is read as set",
                        )?;
                        column.push(b"")
                    }
                    // A key without a value, or with an empty one, is
                    // missing, as bcftools reads it.
                    (None | Some(b""), _) => {
                        column.push_absent(1);
                        Ok(())
                    }
                    (Some(v), _) => column.push(v),
                };
                let rules = &cols.rules[i];
                let result = result.and_then(|()| {
                    if rules.active() {
                        column
                            .check_rows(rules, before, n_alleles, false, |_| Ploidy::default())
                            .map_err(|(_, problem)| {
                                format!("{:?} {problem}", lossy(value.unwrap_or_default()))
                            })
                    } else {
                        Ok(())
                    }
                });
                if let Err(problem) = result {
                    let field = format!("INFO {}", lossy(key));
                    let retried = self.version < Version::V4_3
                        && value.is_some_and(|raw| {
                            wide_integers_as_missing(column, before, raw, &field, t, |column| {
                                if rules.active() {
                                    column
                                        .check_rows(rules, before, n_alleles, false, |_| {
                                            Ploidy::default()
                                        })
                                        .map_err(drop)
                                } else {
                                    Ok(())
                                }
                            })
                        });
                    if !retried {
                        t.null(&field, &problem)?;
                        column.replace_with_null(before);
                    }
                }
            }
        }
        for (column, seen) in cols.columns.iter_mut().zip(&cols.seen) {
            if !seen {
                column.push_absent(1);
            }
        }
        Ok(())
    }

    fn decode_genotypes(
        &mut self,
        columns: &mut Columns<'_>,
        n_alleles: usize,
        typed: Option<TypedSamples<'_>>,
    ) -> Result<(), String> {
        let g = &mut self.genotypes;
        let n_samples = self.n_samples;
        let before = *g.offsets.last().unwrap_or(&0);
        // Whether the row's calls went into the matrix row already.
        let mut sealed = false;
        match columns.next() {
            // Sites-only: an empty list of genotypes.
            None if n_samples == 0 => g.offsets.push(before),
            None => {
                return Err(format!(
                    "the record has no FORMAT or sample columns but the header names {n_samples} samples"
                ));
            }
            Some(format) => {
                if format.is_empty() {
                    return Err("FORMAT is empty".to_string());
                }
                // FORMAT "." declares no per-sample keys: every field is missing.
                let no_keys = format == b".";
                if no_keys {
                    g.slots.clear();
                    g.present.fill(false);
                    g.format.clear();
                } else if format != g.format.as_slice() {
                    g.map_format(format, &mut self.tolerated)?;
                }
                let gt_only = matches!(g.slots.as_slice(), [Slot::Gt]);
                let mut seen = 0usize;
                let rest = columns.take_rest();
                if let Some(typed) = typed {
                    let calls = self.matrix.as_mut().map(|m| &mut m.calls);
                    let outcome = match no_keys || rest.is_some() {
                        true => Typed::Fallback,
                        false => g.decode_typed(
                            typed.data,
                            typed.fields,
                            n_samples,
                            n_alleles,
                            before as usize,
                            calls,
                        ),
                    };
                    match outcome {
                        Typed::Fallback => return self.fall_back(),
                        Typed::Sealed => sealed = true,
                        Typed::Done => {}
                    }
                    seen = n_samples;
                }
                // Most cohorts: GT alone, diploid, every sample read.
                let fast = typed.is_none()
                    && gt_only
                    && g.selected.is_none()
                    && g.other.is_none()
                    && rest.is_some_and(|bytes| match &mut self.matrix {
                        Some(matrix) => {
                            sealed = g.gt.push_diploid_matrix_row(
                                bytes,
                                n_samples,
                                gt_alleles(n_alleles),
                                &mut matrix.calls,
                            );
                            sealed
                        }
                        None => {
                            g.gt.push_diploid_row(bytes, n_samples, gt_alleles(n_alleles))
                        }
                    });
                if fast {
                    seen = n_samples;
                } else if let Some(bytes) = rest.filter(|_| typed.is_none()) {
                    // Key by key when the line is regular; else (and to name
                    // the first malformed value) sample by sample.
                    let located = self.key_by_key
                        && !no_keys
                        && !g.slots.iter().any(|s| matches!(s, Slot::Other(_)))
                        && self.samples.locate(
                            bytes,
                            n_samples,
                            g.selected.as_deref(),
                            g.slots.len(),
                        );
                    if located && g.decode_located(bytes, &self.samples, n_alleles, before as usize)
                    {
                        seen = n_samples;
                    } else {
                        if located {
                            g.truncate_items(before as usize);
                        }
                        seen = g.decode_samples(
                            bytes,
                            n_samples,
                            n_alleles,
                            no_keys,
                            &mut self.tolerated,
                        )?;
                    }
                }
                if seen < n_samples {
                    return Err(format!(
                        "the record has {seen} sample columns but the header names {n_samples} samples"
                    ));
                }
                let n = g.n_selected;
                if g.has_gt && !g.slots.iter().any(|s| matches!(s, Slot::Gt)) {
                    g.gt.push_missing(n);
                }
                for (column, present) in g.fields.iter_mut().zip(&g.present) {
                    if !present {
                        column.builder().push_nulls(n);
                    }
                }
                if let Some(ids) = &mut g.sample_ids {
                    ids.push_all();
                }
                g.offsets.push(before + n as i32);
            }
        }
        // Nothing fails after this: the row is whole.
        if let Some(matrix) = &mut self.matrix
            && !sealed
        {
            g.gt.seal_row(&mut matrix.calls)?;
        }
        g.nulls.append_non_null();
        Ok(())
    }

    /// Takes the rows decoded so far as a record batch.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let rows = std::mem::take(&mut self.rows);
        self.bytes = 0;
        let mut columns: Vec<ArrayRef> = vec![
            self.contig.finish()?,
            self.start.finish()?,
            self.end.finish()?,
            self.names.finish()?,
            self.reference.finish()?,
            self.alternates.finish()?,
            self.qual.finish()?,
            self.filters.finish()?,
            self.split_flag.finish()?,
        ];
        if let Some(info) = &mut self.info {
            for c in &mut info.columns {
                columns.push(c.builder().finish()?);
            }
        }
        if let Some(a) = &mut self.attributes {
            columns.push(a.finish()?);
        }
        if let Some(matrix) = &mut self.matrix {
            let external = |e: genolake_core::Error| ArrowError::ExternalError(Box::new(e));
            let (calls, ploidy, phased) = matrix.calls.finish().map_err(external)?;
            let (offsets, fields) = self.genotypes.finish_matrix_parts()?;
            let parts = GenotypeParts {
                offsets,
                calls: Some((calls, ploidy)),
                phased: Some(phased),
                fields,
            };
            let batch = matrix
                .layout
                .assemble(columns, parts, rows)
                .map_err(external)?;
            return RecordBatch::try_new_with_options(
                Arc::clone(&matrix.schema),
                batch.columns().to_vec(),
                &arrow::array::RecordBatchOptions::new().with_row_count(Some(rows)),
            );
        }
        columns.push(self.genotypes.finish()?);
        RecordBatch::try_new_with_options(
            self.schema.clone(),
            columns,
            &arrow::array::RecordBatchOptions::new().with_row_count(Some(rows)),
        )
    }
}

impl GenotypeColumns {
    fn map_format(&mut self, format: &[u8], t: &mut Tolerated) -> Result<(), String> {
        // Forget the cached FORMAT first: a failure below leaves the slots half built.
        self.format.clear();
        self.slots.clear();
        self.present.fill(false);
        let mut gt_seen = false;
        for (k, key) in format.split(|b| *b == b':').enumerate() {
            if key.is_empty() {
                return Err(format!("FORMAT {:?} has an empty key", lossy(format)));
            }
            let slot = if key == b"GT" {
                if std::mem::replace(&mut gt_seen, true) {
                    return Err("FORMAT lists GT twice".to_string());
                }
                if k > 0 {
                    t.lint(
                        "FORMAT GT",
                        format!(
                            "FORMAT {:?} lists GT in place {}; GT comes first when present",
                            lossy(format),
                            k + 1
                        ),
                    )?;
                }
                Slot::Gt
            } else if let Some(&i) = self.index.get(key) {
                if std::mem::replace(&mut self.present[i], true) {
                    return Err(format!("FORMAT lists {} twice", lossy(key)));
                }
                Slot::Field(i)
            } else if t.is_strict() || self.other.is_none() {
                return Err(undeclared("FORMAT", key));
            } else {
                if !valid_key(key) {
                    t.lint(
                        "FORMAT key",
                        format!(
                            "FORMAT key {:?} is not a valid key (a letter or _, then letters, digits, _ and .)",
                            lossy(key)
                        ),
                    )?;
                }
                Slot::Other(key.into())
            };
            self.slots.push(slot);
        }
        self.format.clear();
        self.format.extend_from_slice(format);
        Ok(())
    }

    /// Takes back the memory of the last batch where it is free (see
    /// [`recycle`]).
    fn recycle(&mut self) {
        self.gt.recycle();
        for c in &mut self.fields {
            c.recycle();
        }
    }

    /// Drops the genotype fields of genotypes from `items` on.
    fn truncate_items(&mut self, items: usize) {
        self.gt.truncate(items);
        for c in &mut self.fields {
            c.builder().truncate(items);
        }
        if let Some(o) = &mut self.other {
            o.truncate(items);
        }
    }

    /// Appends the values `table` located in `bytes`, key by key, and
    /// checks them against their definitions. False at the first malformed
    /// value, with what came before it appended; `before` is the number of
    /// genotypes before this record's.
    fn decode_located(
        &mut self,
        bytes: &[u8],
        table: &SampleTable,
        n_alleles: usize,
        before: usize,
    ) -> bool {
        for (k, slot) in self.slots.iter().enumerate() {
            match slot {
                Slot::Gt => {
                    if !self
                        .gt
                        .push_column(bytes, table.key(k), gt_alleles(n_alleles))
                    {
                        return false;
                    }
                }
                Slot::Field(i) => {
                    if !self.fields[*i].push_column(bytes, table.key(k)) {
                        return false;
                    }
                }
                Slot::Other(_) => return false,
            }
        }
        if self.any_rules {
            let diploid = self.gt.all_diploid(before);
            for slot in &self.slots {
                if let Slot::Field(i) = slot
                    && self.rules[*i].active()
                    && self.fields[*i]
                        .check_rows(&self.rules[*i], before, n_alleles, diploid, |g| {
                            self.gt.ploidy(g)
                        })
                        .is_err()
                {
                    return false;
                }
            }
        }
        if let Some(other) = &mut self.other {
            for _ in 0..self.n_selected {
                other.close();
            }
        }
        true
    }

    /// Decodes the sample columns of a line (`bytes`, everything after
    /// FORMAT) one after another and returns how many there are.
    fn decode_samples(
        &mut self,
        bytes: &[u8],
        n_samples: usize,
        n_alleles: usize,
        no_keys: bool,
        t: &mut Tolerated,
    ) -> Result<usize, String> {
        let mut seen = 0usize;
        let mut rest = Some(bytes);
        while let Some(bytes) = rest {
            if seen >= n_samples {
                let total = seen + 1 + memchr::memchr_iter(b'\t', bytes).count();
                return Err(format!(
                    "the record has {total} sample columns but the header names {n_samples} samples"
                ));
            }
            let wanted = self.selected.as_ref().is_none_or(|s| s[seen]);
            seen += 1;
            if !wanted || no_keys {
                let end = bytes.iter().position(|&b| b == b'\t');
                rest = end.map(|i| &bytes[i + 1..]);
                if wanted && let Some(other) = &mut self.other {
                    other.close();
                }
                continue;
            }
            rest = self
                .decode_sample(bytes, n_alleles, t)
                .map_err(|e| format!("sample {seen}: {e}"))?;
        }
        Ok(seen)
    }

    /// Decodes the sample starting at `bytes[0]` (which runs to the next tab
    /// or the end) and returns what follows its tab, if anything. A value
    /// that does not parse, or breaks its definition, is an error under
    /// strict stringency and null otherwise.
    fn decode_sample<'a>(
        &mut self,
        bytes: &'a [u8],
        n_alleles: usize,
        t: &mut Tolerated,
    ) -> Result<Option<&'a [u8]>, String> {
        let mut pos = 0;
        let mut k = 0;
        let genotype = self.gt.len();
        // From VCF 4.5 an empty column is an empty first value (a sample
        // with no local alleles) and the rest dropped.
        if matches!(bytes.first(), None | Some(b'\t')) && !self.empty_lists {
            t.lint_then(
                "empty sample",
                "the sample column is empty".to_string(),
                "its values are read as missing",
            )?;
            self.push_missing_from(0);
            return Ok(match bytes.first() {
                Some(b'\t') => Some(&bytes[1..]),
                _ => None,
            });
        }
        let next = loop {
            let rest = &bytes[pos..];
            let len = format_value_len(rest);
            let Some(slot) = self.slots.get(k) else {
                t.lint_then(
                    "FORMAT extra",
                    format!(
                        "it has more values than the {} FORMAT keys",
                        self.slots.len()
                    ),
                    "the extra values are dropped",
                )?;
                break memchr::memchr(b'\t', rest).map(|i| &rest[i + 1..]);
            };
            let value = &rest[..len];
            match slot {
                Slot::Gt => {
                    if let Err(problem) = self.gt.push(value, gt_alleles(n_alleles)) {
                        t.null_named("FORMAT GT", &problem)?;
                        self.gt.truncate(self.gt.len());
                        self.gt.push_missing(1);
                    }
                }
                Slot::Field(i) => {
                    let i = *i;
                    let column = &mut self.fields[i];
                    let before = column.builder().len();
                    let rules = &self.rules[i];
                    let gt = &self.gt;
                    if len == 0 && self.empty_lists && column.push_empty_list() {
                        k += 1;
                        match bytes.get(pos) {
                            Some(b':') => {
                                pos += 1;
                                continue;
                            }
                            Some(_) => break Some(&bytes[pos + 1..]),
                            None => break None,
                        }
                    }
                    let result = column.push_span(rest, 0, len).and_then(|()| {
                        if rules.active() {
                            column
                                .check_rows(rules, before, n_alleles, false, |_| {
                                    gt.ploidy(genotype)
                                })
                                .map_err(|(_, problem)| format!("{:?} {problem}", lossy(value)))
                        } else {
                            Ok(())
                        }
                    });
                    if let Err(problem) = result {
                        // `column` borrows a field of `self`: read the name
                        // from another field.
                        let name = self.format.split(|b| *b == b':').nth(k);
                        let key = format!("FORMAT {}", lossy(name.unwrap_or_default()));
                        let retried = self.wide_integers_missing
                            && wide_integers_as_missing(column, before, value, &key, t, |column| {
                                if rules.active() {
                                    column
                                        .check_rows(rules, before, n_alleles, false, |_| {
                                            gt.ploidy(genotype)
                                        })
                                        .map_err(drop)
                                } else {
                                    Ok(())
                                }
                            });
                        if !retried {
                            t.null(&key, &problem)?;
                            self.fields[i].replace_with_null(before);
                        }
                    }
                }
                Slot::Other(key) => {
                    if let Some(other) = &mut self.other {
                        other.insert(key, (value != b".").then_some(value));
                    }
                }
            }
            k += 1;
            let end = pos + len;
            match bytes.get(end) {
                Some(b':') => pos = end + 1,
                Some(_) => break Some(&bytes[end + 1..]),
                None => break None,
            }
        };
        // Trailing keys may be dropped from a sample: they are missing.
        self.push_missing_from(k);
        Ok(next)
    }

    /// Appends missing values for the keys of the FORMAT from the `k`th on,
    /// and closes the sample's `otherFields`.
    fn push_missing_from(&mut self, k: usize) {
        for slot in &self.slots[k.min(self.slots.len())..] {
            match slot {
                Slot::Gt => self.gt.push_missing(1),
                Slot::Field(i) => self.fields[*i].builder().push_nulls(1),
                Slot::Other(_) => {}
            }
        }
        if let Some(other) = &mut self.other {
            other.close();
        }
    }

    /// The genotypes of a matrix batch (see [`MatrixLayout::assemble`]):
    /// their offsets, and an array per struct field, an empty one in place
    /// of `sampleId`, `phased` and `calls`, which the matrix layout keeps
    /// elsewhere.
    fn finish_matrix_parts(
        &mut self,
    ) -> Result<(arrow::buffer::OffsetBuffer<i32>, Vec<ArrayRef>), ArrowError> {
        let rows = self.offsets.len() - 1;
        let mut children: Vec<ArrayRef> = Vec::with_capacity(self.struct_fields.len());
        if self
            .struct_fields
            .first()
            .is_some_and(|f| f.name() == names::SAMPLE_ID)
        {
            children.push(new_empty_array(&DataType::Utf8));
        }
        for part in &self.order {
            let array = match part {
                Part::Phased | Part::Calls => new_empty_array(&DataType::Null),
                Part::Field(i) => self.fields[*i].builder().finish()?,
                Part::Other => match &mut self.other {
                    Some(o) => o.finish()?,
                    None => continue,
                },
            };
            children.push(array);
        }
        self.gt.clear_sealed();
        let offsets = std::mem::replace(&mut self.offsets, Vec::with_capacity(rows + 1));
        self.offsets.push(0);
        self.nulls.finish();
        Ok((ascending_offsets(offsets)?, children))
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let rows = self.offsets.len() - 1;
        let items = *self.offsets.last().unwrap_or(&0) as usize;
        let mut children: Vec<ArrayRef> = Vec::with_capacity(self.struct_fields.len());
        if let Some(ids) = &mut self.sample_ids {
            children.push(ids.finish()?);
        }
        let (phased, calls) = self.gt.finish()?;
        for part in &self.order {
            let array = match part {
                Part::Phased => phased.clone(),
                Part::Calls => calls.clone(),
                Part::Field(i) => self.fields[*i].builder().finish()?,
                Part::Other => match &mut self.other {
                    Some(o) => o.finish()?,
                    None => continue,
                },
            };
            children.push(array);
        }
        let structs = struct_array(self.struct_fields.clone(), children, items)?;
        let offsets = std::mem::replace(&mut self.offsets, Vec::with_capacity(rows + 1));
        self.offsets.push(0);
        let nulls = self.nulls.finish();
        let field = Arc::new(Field::new_list_field(
            DataType::Struct(self.struct_fields.clone()),
            true,
        ));
        Ok(Arc::new(arrow::array::ListArray::try_new(
            field,
            ascending_offsets(offsets)?,
            structs,
            nulls,
        )?))
    }
}

/// The alleles a GT may call at a record with `n_alleles` (REF included).
/// ALT `.` is VCF's missing value: the record does not list its alternate
/// alleles, and its genotypes are read as written (bcftools reads them so).
#[inline]
fn gt_alleles(n_alleles: usize) -> usize {
    if n_alleles == 1 {
        usize::MAX
    } else {
        n_alleles
    }
}

/// Retries a value of `field` that failed to decode into `column` (whose
/// rows before it number `before`) with its items that are decimal numbers
/// too wide for a 32-bit Integer read as missing, then `check`s it: true,
/// with a warning, if it then fits.
///
/// Only for VCF 4.0–4.2: their text gives the Integer type no width, and
/// bcftools reads such items as missing, with a warning. VCF 4.3 makes
/// Integers 32-bit and rules out BCF's eight reserved values, so from 4.3
/// on they are errors. Taken only when a value has already failed.
#[cold]
fn wide_integers_as_missing(
    column: &mut ValueColumn,
    before: usize,
    raw: &[u8],
    field: &str,
    t: &mut Tolerated,
    check: impl FnOnce(&mut ValueColumn) -> Result<(), ()>,
) -> bool {
    let Some(patched) = column.wide_integers_as_missing(raw) else {
        return false;
    };
    column.builder().truncate(before);
    if column.push(&patched).is_err() || check(column).is_err() {
        column.builder().truncate(before);
        return false;
    }
    t.unrepresentable(field, || {
        format!(
            "{field}: {:?} holds Integers that do not fit 32 bits (or are BCF's reserved values); VCF 4.0 to 4.2 give Integers no width, and such values are read as missing, as bcftools reads them",
            lossy(raw)
        )
    });
    true
}

fn push_split(column: &mut ListColumn<StringColumn>, raw: &[u8], separator: u8) {
    if raw != b"." {
        for item in raw.split(|b| *b == separator) {
            column.items().push(item);
        }
    }
    column.close();
}

/// The value of `key` in an INFO column, if the key is there with a value.
fn info_value<'a>(info: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    info.split(|b| *b == b';').find_map(|entry| {
        let rest = entry.strip_prefix(key)?;
        rest.strip_prefix(b"=")
    })
}

fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// The error for a key without a column: neither declared nor met in the
/// first records, where undeclared keys are typed.
#[cold]
fn undeclared(kind: &str, key: &[u8]) -> String {
    format!(
        "{kind} key {:?} is not declared in the header, and the first {} records, where genolake types undeclared keys, do not use it; declare it in the header, or read with validationStringency=lenient to {}",
        lossy(key),
        crate::header::undeclared::SCAN_LINES,
        if kind == "INFO" {
            "drop its values with a warning"
        } else {
            "keep its values in otherFields"
        }
    )
}

/// Tab-separated columns of a line, handed out one at a time.
struct Columns<'a> {
    rest: Option<&'a [u8]>,
    taken: usize,
}

impl<'a> Columns<'a> {
    fn new(line: &'a [u8]) -> Self {
        Self {
            rest: Some(line),
            taken: 0,
        }
    }

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        self.taken += 1;
        match memchr::memchr(b'\t', rest) {
            Some(i) => {
                self.rest = Some(&rest[i + 1..]);
                Some(&rest[..i])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }

    fn next_required(&mut self, name: &str) -> Result<&'a [u8], String> {
        let taken = self.taken;
        self.next().ok_or_else(|| {
            format!("the line has {taken} tab-separated columns; a record needs at least 8 (no {name} column)")
        })
    }

    /// Everything after the columns handed out so far.
    fn take_rest(&mut self) -> Option<&'a [u8]> {
        self.rest.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::HeaderParser;
    use arrow::array::Array;
    use proptest::prelude::*;

    fn decoder(stringency: Stringency) -> RecordDecoder {
        let mut parser = HeaderParser::new(Stringency::Strict);
        for line in [
            "##fileformat=VCFv4.3",
            "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">",
            "##INFO=<ID=AF,Number=A,Type=Float,Description=\"f\">",
            "##INFO=<ID=DB,Number=0,Type=Flag,Description=\"b\">",
            "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">",
            "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"a\">",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2",
        ] {
            parser.feed(line).unwrap();
        }
        let header = parser.finish().unwrap();
        let options = ReaderOptions {
            stringency,
            ..Default::default()
        };
        RecordDecoder::new(&header, &options).unwrap()
    }

    /// A decoder for many FORMAT types and three samples (S2 and S3 read
    /// when `subset`).
    fn rich_decoder(stringency: Stringency, subset: bool, key_by_key: bool) -> RecordDecoder {
        let options = ReaderOptions {
            stringency,
            samples: subset.then(|| vec!["S2".into(), "S3".into()]),
            ..Default::default()
        };
        let mut decoder = rich_decoder_with(&options);
        decoder.key_by_key = key_by_key;
        decoder
    }

    fn rich_decoder_with(options: &ReaderOptions) -> RecordDecoder {
        let mut parser = HeaderParser::new(Stringency::Strict);
        for line in [
            "##fileformat=VCFv4.3",
            "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">",
            "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"a\">",
            "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"d\">",
            "##FORMAT=<ID=FT,Number=1,Type=String,Description=\"f\">",
            "##FORMAT=<ID=GL,Number=G,Type=Float,Description=\"l\">",
            "##FORMAT=<ID=HQ,Number=2,Type=Integer,Description=\"h\">",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3",
        ] {
            parser.feed(line).unwrap();
        }
        let header = parser.finish().unwrap();
        RecordDecoder::new(&header, options).unwrap()
    }

    /// A line of GT alone, mostly two single-digit alleles (the fast
    /// path), sometimes other ploidies, alleles past 127, or malformed
    /// text, at sites of 1 to 200 alleles.
    fn gt_only_line() -> impl Strategy<Value = String> {
        let gt = prop_oneof![
            30 => "[0-2.][/|][0-2.]",
            2 => "[|/]?([0-9]|1[0-9]{2}|\\.)([/|]([0-9]|1[0-9]{2}|\\.)){0,2}",
            1 => "[0-9./|,x]{0,4}",
        ];
        let n_samples = prop_oneof![20 => Just(3usize), 1 => Just(2usize), 1 => Just(4usize)];
        (
            n_samples.prop_flat_map(move |n| proptest::collection::vec(gt.clone(), n)),
            prop_oneof![Just(0usize), Just(1), Just(2), Just(199)],
        )
            .prop_map(|(gts, alts)| {
                let alt = if alts == 0 {
                    ".".to_string()
                } else {
                    (0..alts)
                        .map(|i| format!("<D{i}>"))
                        .collect::<Vec<_>>()
                        .join(",")
                };
                format!("1\t100\t.\tG\t{alt}\t.\tPASS\t.\tGT\t{}", gts.join("\t"))
            })
    }

    /// A value for a FORMAT key: mostly well formed, sometimes not.
    fn format_value(key: &'static str) -> BoxedStrategy<String> {
        let int = prop_oneof![
            20 => "[0-9]{1,3}",
            2 => "-[0-9]{1,2}",
            2 => Just(".".to_string()),
            1 => "[0-9]{8,11}",
        ];
        let bad = "[0-9.,+x-]{0,5}";
        match key {
            "GT" => prop_oneof![
                20 => "[0-1.][/|][0-1.]",
                2 => "([0-9]|10)([/|][0-9.]){0,2}",
                1 => "[0-9./|,x]{0,4}",
            ]
            .boxed(),
            "AD" | "HQ" => prop_oneof![
                20 => proptest::collection::vec(int, 1..4).prop_map(|v| v.join(",")),
                2 => Just(".".to_string()),
                1 => bad,
            ]
            .boxed(),
            "DP" => prop_oneof![20 => int, 1 => bad].boxed(),
            "FT" => "[A-Za-z0-9.;,]{0,5}".boxed(),
            _ => prop_oneof![
                20 => proptest::collection::vec("(-?[0-9]{1,2}(\\.[0-9])?|\\.)", 1..4)
                    .prop_map(|v| v.join(",")),
                1 => "[0-9.,eE+x-]{0,5}",
            ]
            .boxed(),
        }
    }

    /// A line with a random FORMAT (a random order of a random subset of the
    /// keys, now and then with an undeclared key), three samples each giving
    /// all its keys or a prefix of them (or, rarely, one too many), and
    /// rarely a sample column too many or too few.
    fn rich_line() -> impl Strategy<Value = String> {
        let keys = ["GT", "AD", "DP", "FT", "GL", "HQ"];
        (
            Just(keys).prop_shuffle(),
            1usize..=6,
            prop::bool::weighted(0.1),
            prop_oneof![20 => Just(3usize), 1 => Just(2usize), 1 => Just(4usize)],
            0usize..3,
        )
            .prop_flat_map(|(keys, n_keys, undeclared, n_samples, alts)| {
                let mut keys: Vec<&'static str> = keys[..n_keys].to_vec();
                if undeclared {
                    keys.push("ZZ");
                }
                let sample = keys
                    .iter()
                    .map(|&k| {
                        if k == "ZZ" {
                            "[a-z0-9]{1,3}".boxed()
                        } else {
                            format_value(k)
                        }
                    })
                    .collect::<Vec<_>>();
                let n = keys.len();
                let take = prop_oneof![20 => Just(n), 4 => 1..=n, 1 => Just(n + 1)];
                let samples = proptest::collection::vec((sample, take, "[0-9]{1,2}"), n_samples);
                (Just(keys), samples, Just(alts))
            })
            .prop_map(|(keys, samples, alts)| {
                let alt = ["A", "A,C", "A,C,<NON_REF>"][alts];
                let columns: Vec<String> = samples
                    .into_iter()
                    .map(|(values, take, extra)| {
                        let mut values: Vec<String> = values.into_iter().take(take).collect();
                        if take > keys.len() {
                            values.push(extra);
                        }
                        values.join(":")
                    })
                    .collect();
                format!(
                    "1\t100\t.\tG\t{alt}\t.\tPASS\t.\t{}\t{}",
                    keys.join(":"),
                    columns.join("\t")
                )
            })
    }

    proptest! {
        /// Decoding key by key gives what decoding sample by sample gives:
        /// the same rows, the same errors (the first malformed value in
        /// sample order), the same batch.
        #[test]
        fn key_by_key_decodes_as_sample_by_sample(
            lines in proptest::collection::vec(rich_line(), 1..8),
            lenient in any::<bool>(),
            subset in any::<bool>(),
        ) {
            let stringency = if lenient { Stringency::Lenient } else { Stringency::Strict };
            let mut fast = rich_decoder(stringency, subset, true);
            let mut slow = rich_decoder(stringency, subset, false);
            for line in &lines {
                prop_assert_eq!(fast.decode(line.as_bytes()), slow.decode(line.as_bytes()), "{}", line);
            }
            let (fast, slow) = (fast.finish().unwrap(), slow.finish().unwrap());
            prop_assert_eq!(fast, slow);
        }

        /// Decoding into the matrix layout gives what decoding into Glow's
        /// and converting gives: the same rows, errors and warnings, the
        /// same columns, batch after batch, and the samples its schema
        /// describes.
        #[test]
        fn matrix_decoding_is_glow_decoding_converted(
            lines in proptest::collection::vec(
                prop_oneof![1 => rich_line(), 2 => gt_only_line()],
                1..12,
            ),
            lenient in any::<bool>(),
            subset in any::<bool>(),
            ids in any::<bool>(),
            cut in 0usize..12,
        ) {
            let options = ReaderOptions {
                stringency: if lenient { Stringency::Lenient } else { Stringency::Strict },
                samples: subset.then(|| vec!["S2".into(), "S3".into()]),
                include_sample_ids: ids,
                ..Default::default()
            };
            let mut glow = rich_decoder_with(&options);
            let mut matrix = rich_decoder_with(&ReaderOptions { matrix_genotypes: true, ..options });
            let (described, samples) = MatrixLayout::of_described(&matrix.schema()).unwrap().unwrap();
            let layout = MatrixLayout::from_glow(&glow.schema()).unwrap();
            let (expected, got) = (layout.matrix_schema(), described.matrix_schema());
            prop_assert_eq!(expected.fields(), got.fields());
            // Two batches: the second starts from a finished first.
            for part in [&lines[..cut.min(lines.len())], &lines[cut.min(lines.len())..]] {
                for line in part {
                    prop_assert_eq!(glow.decode(line.as_bytes()), matrix.decode(line.as_bytes()), "{}", line);
                    prop_assert_eq!(glow.take_warnings(), matrix.take_warnings());
                }
                let (glow_batch, matrix_batch) = (glow.finish().unwrap(), matrix.finish().unwrap());
                let (converted, converted_samples) = layout.to_matrix(&glow_batch).unwrap();
                prop_assert_eq!(converted.columns(), matrix_batch.columns());
                prop_assert_eq!(matrix_batch.schema(), matrix.schema());
                if let Some(converted_samples) = converted_samples {
                    prop_assert_eq!(&converted_samples, &samples);
                }
            }
        }

        /// Lines built from VCF's own alphabet: decoding either appends a
        /// row or fails cleanly, and the batch always assembles.
        #[test]
        fn vcf_like_lines_decode_or_fail_cleanly(
            lines in proptest::collection::vec("[0-9A-Z.:;,=|/\t-]{0,60}", 1..20),
            lenient in any::<bool>(),
        ) {
            let mut d = decoder(if lenient { Stringency::Lenient } else { Stringency::Strict });
            let mut rows = 0;
            for line in &lines {
                if d.decode(line.as_bytes()) == Ok(Outcome::Row) {
                    rows += 1;
                }
            }
            let batch = d.finish().unwrap();
            prop_assert_eq!(batch.num_rows(), rows);
        }

        /// Well-formed records with random values read back exactly.
        #[test]
        fn generated_records_read_back(
            pos in 1i64..1_000_000_000,
            // DP, reserved, counts: never negative.
            dp in proptest::option::of(0..=i32::MAX),
            gts in proptest::collection::vec((0u8..3, 0u8..3, any::<bool>()), 2),
            ad in proptest::collection::vec(proptest::option::of(0i32..1000), 3),
        ) {
            let dp_text = dp.map_or(".".to_string(), |v| v.to_string());
            let ad_text: Vec<String> = ad.iter().map(|v| v.map_or(".".into(), |v| v.to_string())).collect();
            let samples: Vec<String> = gts
                .iter()
                .map(|(a, b, p)| format!("{a}{}{b}:{}", if *p { '|' } else { '/' }, ad_text.join(",")))
                .collect();
            let line = format!("chr1\t{pos}\trs1\tA\tC,G\t.\tPASS\tDP={dp_text};DB\tGT:AD\t{}", samples.join("\t"));
            let mut d = decoder(Stringency::Strict);
            prop_assert_eq!(d.decode(line.as_bytes()), Ok(Outcome::Row));
            let batch = d.finish().unwrap();
            use arrow::array::AsArray;
            use arrow::datatypes::Int32Type;
            let start = batch.column_by_name("start").unwrap().as_primitive::<Int64Type>().value(0);
            prop_assert_eq!(start, pos - 1);
            let info_dp = batch.column_by_name("INFO_DP").unwrap().as_primitive::<Int32Type>();
            prop_assert_eq!(info_dp.is_valid(0).then(|| info_dp.value(0)), dp);
            prop_assert!(batch.column_by_name("INFO_DB").unwrap().as_boolean().value(0));
            let genotypes = batch.column_by_name("genotypes").unwrap().as_list::<i32>().value(0);
            let genotypes = genotypes.as_struct();
            let calls = genotypes.column_by_name("calls").unwrap().as_list::<i32>();
            let depths = genotypes.column_by_name("alleleDepths").unwrap().as_list::<i32>();
            for (j, (a, b, p)) in gts.iter().enumerate() {
                let c = calls.value(j);
                prop_assert_eq!(c.as_primitive::<Int32Type>().values().to_vec(), vec![*a as i32, *b as i32]);
                prop_assert_eq!(genotypes.column_by_name("phased").unwrap().as_boolean().value(j), *p);
                let d = depths.value(j);
                let d = d.as_primitive::<Int32Type>();
                let got: Vec<Option<i32>> = (0..d.len()).map(|k| d.is_valid(k).then(|| d.value(k))).collect();
                prop_assert_eq!(&got, &ad);
            }
        }
    }

    #[test]
    fn the_first_malformed_value_in_sample_order_is_named() {
        // Sample 3's AD comes before sample 2's GL in key order, not in
        // sample order.
        let line = "1\t100\t.\tG\tA\t.\tPASS\t.\tGT:AD:GL\t0/1:1,2:0,0,0\t0/1:1,2:x\t0/0:y:0,0,0";
        for key_by_key in [true, false] {
            let mut d = rich_decoder(Stringency::Strict, false, key_by_key);
            let err = d.decode(line.as_bytes()).unwrap_err();
            assert!(err.starts_with("sample 2: FORMAT GL"), "{err}");
            assert_eq!(d.finish().unwrap().num_rows(), 0);
        }
    }

    #[test]
    fn missing_and_dropped_values_are_null() {
        let line = "1\t100\t.\tG\tA\t.\tPASS\t.\tGT:AD:DP\t./.:.:.\t0/1\t1|1:.,3:4";
        let mut d = rich_decoder(Stringency::Strict, false, true);
        assert_eq!(d.decode(line.as_bytes()), Ok(Outcome::Row));
        let batch = d.finish().unwrap();
        use arrow::array::AsArray;
        let genotypes = batch
            .column_by_name("genotypes")
            .unwrap()
            .as_list::<i32>()
            .value(0);
        let genotypes = genotypes.as_struct();
        let ad = genotypes
            .column_by_name("alleleDepths")
            .unwrap()
            .as_list::<i32>();
        assert!(
            ad.is_null(0) && ad.is_null(1),
            "`.` and a dropped key are null lists"
        );
        let items = ad.value(2);
        assert!(items.is_null(0) && !items.is_null(1));
        let dp = genotypes.column_by_name("depth").unwrap();
        assert_eq!(
            (dp.is_null(0), dp.is_null(1), dp.is_null(2)),
            (true, true, false)
        );
    }

    #[test]
    fn info_value_matches_whole_keys() {
        assert_eq!(info_value(b"DP=3;END=100", b"END"), Some(&b"100"[..]));
        assert_eq!(info_value(b"XEND=5;DB", b"END"), None);
        assert_eq!(info_value(b"ENDX=5", b"END"), None);
    }

    #[test]
    fn columns_count_and_report_missing() {
        let mut c = Columns::new(b"a\tb");
        assert_eq!(c.next_required("CHROM").unwrap(), b"a");
        assert_eq!(c.next_required("POS").unwrap(), b"b");
        let err = c.next_required("ID").unwrap_err();
        assert!(err.contains("2 tab-separated columns"), "{err}");
        assert!(Columns::new(b"").next().is_some_and(|c| c.is_empty()));
    }
}
