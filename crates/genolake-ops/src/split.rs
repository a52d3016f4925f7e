//! Splitting multiallelic variants into biallelic rows, as Glow's
//! `split_multiallelics` transformer does (itself modelled on
//! `vt decompose -s`).
//!
//! A row with `n ≥ 2` alternate alleles becomes `n` rows, the `k`-th
//! carrying the reference and the `k`-th alternate allele; rows with one or
//! zero alternates are copied. On every output row `splitFromMultiAllelic`
//! says whether it came from such a split, and on split rows
//! `INFO_OLD_MULTIALLELIC` holds the site it came from as
//! `contig:POS:REF/ALT1/ALT2/...` (the column is added when the input lacks
//! it, null on rows that were not split).
//!
//! What is split, by the field's `Number` (see [`FieldNumbers`]):
//!
//! | Number | INFO column                | genotype field                       |
//! |--------|----------------------------|--------------------------------------|
//! | `A`    | `[v_k]`                    | `[v_k]`                              |
//! | `R`    | `[v_0, v_k]`               | `[v_0, v_k]`                         |
//! | `G`    | copied                     | the likelihoods of the genotypes made of ref and alt `k`, in VCF order |
//! | other  | copied                     | copied                               |
//!
//! `calls` are recoded on split rows: `0` stays `0`, `k` becomes `1`, a
//! missing allele stays `-1`, and another alternate becomes `-1` (Glow's and
//! vt's convention, [`OtherAlleles::Missing`]) or `0` (bcftools norm's,
//! [`OtherAlleles::Reference`]). Every other column and genotype field
//! (names, qual, filters, `sampleId`, `phased`, ...) is copied.
//!
//! A list whose length does not fit its Number on that row is handled as
//! Glow handles it: an INFO list is copied whole, a genotype `A` or `R`
//! list becomes null, and a genotype `G` list keeps those of the wanted
//! genotype indices it has (so a short list yields a shorter one).
//!
//! Where this differs from Glow, and why:
//!
//! - Glow picks fields by shape, not by header: it splits only Number=A
//!   INFO lists, splits the genotype fields named `genotypeLikelihoods`,
//!   `phredLikelihoods` and `posteriorProbabilities` as G, and treats every
//!   other genotype list as R, nulling it when its length is not the
//!   allele count. That copies Number=R INFO lists unsplit and nulls
//!   Number=A genotype lists and fixed-length ones (`FT`, `HQ`). Here the
//!   header's Number decides, so those are split (R INFO, A genotype) or
//!   copied (fixed or unknown Number), as bcftools and vt do.
//! - Glow takes the ploidy of G fields from the first sample's calls; here
//!   each sample's own calls give it (or, without calls, the list length).
//! - Glow drops rows without alternate alleles (`posexplode` of an empty
//!   list); here they are copied.
//! - Glow overwrites an existing `INFO_OLD_MULTIALLELIC` with null on rows it
//!   does not split; here those rows keep their value, as every unsplit
//!   column does.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayBuilder, ArrayRef, AsArray, BooleanArray, BooleanBufferBuilder, GenericListArray,
    Int32Builder, ListArray, RecordBatch, StringBuilder, StructArray, UInt32Array,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::take;
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Int64Type, Schema, SchemaRef};
use genolake_core::schema::{
    ALTERNATE_ALLELES, CALLS, CONTIG_NAME, GENOTYPES, INFO_PREFIX, Number, PHASED,
    REFERENCE_ALLELE, SAMPLE_ID, SPLIT_FROM_MULTI_ALLELIC, START, format_key_of_genotype_field,
};
use genolake_vcf::header::{Header, Version, reserved_format, reserved_info};

use crate::{Error, Result};

/// The column naming the multiallelic site a split row came from, as vt and
/// Glow name it.
pub const OLD_MULTIALLELIC: &str = "INFO_OLD_MULTIALLELIC";

/// What the calls of a split row say where the sample carried one of the
/// other alternate alleles of the original site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OtherAlleles {
    /// A missing allele (`-1`, `.` in VCF): what Glow and `vt decompose -s`
    /// write. The default.
    #[default]
    Missing,
    /// The reference allele (`0`): what `bcftools norm -m-` writes.
    Reference,
}

/// The VCF `Number` of each INFO and FORMAT key, which decides what the
/// splitter splits.
///
/// Keys the header declares take the header's Number; keys it does not
/// declare take the Number the VCF specification reserves for them (`AC`,
/// `AD`, `PL`, ...). A column whose key has neither is copied unsplit, as
/// are columns of fixed or unknown Number and of VCF 4.5's local-allele
/// Numbers (`LA`, `LR`, `LG`, whose values follow the sample's `LAA`, not
/// ALT).
///
/// ```
/// use genolake_core::schema::Number;
/// use genolake_ops::split::FieldNumbers;
/// use genolake_vcf::header::Version;
///
/// let mut numbers = FieldNumbers::new(Version::V4_3);
/// numbers.set_info("XA", Number::A);
/// assert_eq!(numbers.info("XA"), Some(Number::A));
/// assert_eq!(numbers.format("AD"), Some(Number::R)); // reserved
/// assert_eq!(numbers.info("MYKEY"), None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct FieldNumbers {
    version: Version,
    infos: HashMap<String, Number>,
    formats: HashMap<String, Number>,
}

impl FieldNumbers {
    /// Numbers of no declared key: only the keys `version` of the
    /// specification reserves are known.
    pub fn new(version: Version) -> Self {
        Self {
            version,
            ..Self::default()
        }
    }

    /// The Numbers a VCF header declares, with the reserved keys of its
    /// version for the rest.
    pub fn from_header(header: &Header) -> Self {
        let mut numbers = Self::new(header.version);
        for d in &header.infos {
            numbers.infos.insert(d.id.clone(), d.number);
        }
        for d in &header.formats {
            numbers.formats.insert(d.id.clone(), d.number);
        }
        numbers
    }

    /// Declares (or overrides) the Number of an INFO key.
    pub fn set_info(&mut self, key: impl Into<String>, number: Number) {
        self.infos.insert(key.into(), number);
    }

    /// Declares (or overrides) the Number of a FORMAT key.
    pub fn set_format(&mut self, key: impl Into<String>, number: Number) {
        self.formats.insert(key.into(), number);
    }

    /// The Number of an INFO key, if declared or reserved.
    pub fn info(&self, key: &str) -> Option<Number> {
        self.infos
            .get(key)
            .copied()
            .or_else(|| reserved_info(self.version, key).map(|r| r.number))
    }

    /// The Number of a FORMAT key, if declared or reserved.
    pub fn format(&self, key: &str) -> Option<Number> {
        self.formats
            .get(key)
            .copied()
            .or_else(|| reserved_format(self.version, key).map(|r| r.number))
    }
}

/// What the splitter does with one top-level column.
#[derive(Debug, Clone)]
enum ColumnPlan {
    Copy,
    SplitFlag,
    Alternates,
    OldMultiallelic,
    /// An INFO list of Number A or R.
    Info(Number),
    Genotypes(GenotypePlan),
}

/// What the splitter does with each field of the genotype struct.
#[derive(Debug, Clone)]
struct GenotypePlan {
    fields: Vec<GenotypeFieldPlan>,
    /// The index of `calls` in the struct, which gives each sample's ploidy.
    calls: Option<usize>,
    /// The output list's item field (the struct, with split fields nullable).
    item: FieldRef,
    /// The output struct's fields.
    struct_fields: Fields,
}

#[derive(Debug, Clone, Copy)]
enum GenotypeFieldPlan {
    Copy,
    Calls,
    /// A list of Number A, R or G.
    Split(Number),
}

/// Splits multiallelic rows of Glow's variant table, one batch at a time.
///
/// Needs `contigName` (Utf8), `start` (Int64), `referenceAllele` (Utf8)
/// and `alternateAlleles` (List<Utf8>); every other column is optional.
/// The output has the input's columns in the input's order, then
/// `splitFromMultiAllelic` and `INFO_OLD_MULTIALLELIC` if the input lacks
/// them.
///
/// ```
/// use std::sync::Arc;
/// use arrow::array::{AsArray, Int64Array, ListBuilder, RecordBatch, StringArray, StringBuilder};
/// use arrow::datatypes::Int32Type;
/// use genolake_ops::split::{FieldNumbers, Splitter};
/// use genolake_vcf::header::Version;
///
/// let mut alts = ListBuilder::new(StringBuilder::new());
/// alts.values().append_value("T");
/// alts.values().append_value("G");
/// alts.append(true);
/// let batch = RecordBatch::try_from_iter([
///     ("contigName", Arc::new(StringArray::from(vec!["20"])) as _),
///     ("start", Arc::new(Int64Array::from(vec![99])) as _),
///     ("referenceAllele", Arc::new(StringArray::from(vec!["A"])) as _),
///     ("alternateAlleles", Arc::new(alts.finish()) as _),
/// ])?;
/// let splitter = Splitter::new(&batch.schema(), &FieldNumbers::new(Version::V4_3))?;
/// let split = splitter.split(&batch)?;
/// assert_eq!(split.num_rows(), 2);
/// let old = split.column_by_name("INFO_OLD_MULTIALLELIC").unwrap().as_string::<i32>();
/// assert_eq!(old.value(1), "20:100:A/T/G");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Splitter {
    input: SchemaRef,
    output: SchemaRef,
    plans: Vec<ColumnPlan>,
    contig: usize,
    start: usize,
    reference: usize,
    alternates: usize,
    append_flag: bool,
    append_old: bool,
    other_alleles: OtherAlleles,
}

fn utf8_list() -> DataType {
    genolake_core::schema::list_of(DataType::Utf8)
}

fn column_error(column: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Column {
        column: column.into(),
        message: message.into(),
    }
}

/// The index of a required column, checked to have the type the splitter
/// reads.
fn required(
    schema: &Schema,
    name: &str,
    check: impl Fn(&DataType) -> bool,
    wanted: &str,
) -> Result<usize> {
    let (index, field) = schema
        .column_with_name(name)
        .ok_or_else(|| column_error(name, "missing; splitting multiallelic variants needs it"))?;
    if !check(field.data_type()) {
        return Err(column_error(
            name,
            format!("has type {}; splitting needs {wanted}", field.data_type()),
        ));
    }
    Ok(index)
}

fn is_list(data_type: &DataType) -> bool {
    matches!(data_type, DataType::List(_))
}

fn splittable(number: Option<Number>, genotype: bool) -> Option<Number> {
    match number {
        Some(n @ (Number::A | Number::R)) => Some(n),
        Some(Number::G) if genotype => Some(Number::G),
        _ => None,
    }
}

impl Splitter {
    /// A splitter for batches of `schema`, splitting the columns whose
    /// Number `numbers` gives as A, R (or G, for genotype fields).
    ///
    /// Fails when a needed column is missing or any column the splitter
    /// reads has a type it cannot read.
    pub fn new(schema: &Schema, numbers: &FieldNumbers) -> Result<Self> {
        let contig = required(schema, CONTIG_NAME, |t| t == &DataType::Utf8, "Utf8")?;
        let start = required(schema, START, |t| t == &DataType::Int64, "Int64")?;
        let reference = required(schema, REFERENCE_ALLELE, |t| t == &DataType::Utf8, "Utf8")?;
        let alternates = required(
            schema,
            ALTERNATE_ALLELES,
            |t| t == &utf8_list(),
            "List<Utf8>",
        )?;
        let mut plans = Vec::with_capacity(schema.fields().len());
        let mut fields: Vec<FieldRef> = Vec::with_capacity(schema.fields().len() + 2);
        for field in schema.fields() {
            let name = field.name().as_str();
            let (plan, out) = match name {
                ALTERNATE_ALLELES => (ColumnPlan::Alternates, field.clone()),
                SPLIT_FROM_MULTI_ALLELIC => (
                    ColumnPlan::SplitFlag,
                    Arc::new(Field::new(name, DataType::Boolean, true)),
                ),
                OLD_MULTIALLELIC => {
                    if field.data_type() != &DataType::Utf8 {
                        return Err(column_error(
                            name,
                            format!(
                                "has type {}; splitting writes Utf8 to it",
                                field.data_type()
                            ),
                        ));
                    }
                    (
                        ColumnPlan::OldMultiallelic,
                        field.as_ref().clone().with_nullable(true).into(),
                    )
                }
                GENOTYPES => {
                    let plan = genotype_plan(field, numbers)?;
                    let out = Field::new(name, DataType::List(plan.item.clone()), true)
                        .with_metadata(field.metadata().clone());
                    (ColumnPlan::Genotypes(plan), Arc::new(out))
                }
                _ => match name.strip_prefix(INFO_PREFIX) {
                    Some(key) => match splittable(numbers.info(key), false) {
                        Some(number) if is_list(field.data_type()) => {
                            (ColumnPlan::Info(number), field.clone())
                        }
                        Some(number) => {
                            return Err(column_error(
                                name,
                                format!(
                                    "has Number={number} but type {}; splitting needs a list",
                                    field.data_type()
                                ),
                            ));
                        }
                        None => (ColumnPlan::Copy, field.clone()),
                    },
                    None => (ColumnPlan::Copy, field.clone()),
                },
            };
            plans.push(plan);
            fields.push(out);
        }
        let append_flag = schema.column_with_name(SPLIT_FROM_MULTI_ALLELIC).is_none();
        if append_flag {
            fields.push(Arc::new(Field::new(
                SPLIT_FROM_MULTI_ALLELIC,
                DataType::Boolean,
                true,
            )));
        }
        let append_old = schema.column_with_name(OLD_MULTIALLELIC).is_none();
        if append_old {
            fields.push(Arc::new(Field::new(OLD_MULTIALLELIC, DataType::Utf8, true)));
        }
        let output = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
        Ok(Self {
            input: Arc::new(schema.clone()),
            output,
            plans,
            contig,
            start,
            reference,
            alternates,
            append_flag,
            append_old,
            other_alleles: OtherAlleles::default(),
        })
    }

    /// Sets what calls of the other alternate alleles become (Glow's
    /// [`OtherAlleles::Missing`] unless set).
    pub fn with_other_alleles(mut self, other_alleles: OtherAlleles) -> Self {
        self.other_alleles = other_alleles;
        self
    }

    /// The schema of the batches [`Splitter::split`] returns.
    pub fn output_schema(&self) -> SchemaRef {
        self.output.clone()
    }

    /// Splits the multiallelic rows of `batch`, which must have the schema
    /// the splitter was made for; output rows keep the input's order.
    pub fn split(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        if batch.schema().fields() != self.input.fields() {
            return Err(Error::Invalid(
                "split: the batch's schema is not the one the splitter was made for".into(),
            ));
        }
        let alternates = list_column(batch, self.alternates)?;
        let rows = Rows::of(alternates)?;
        let sources = UInt32Array::from(rows.sources.clone());
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.output.fields().len());
        for (index, plan) in self.plans.iter().enumerate() {
            let column = batch.column(index);
            let out: ArrayRef = match plan {
                ColumnPlan::Copy => take(column.as_ref(), &sources, None)?,
                ColumnPlan::SplitFlag => Arc::new(rows.flags()),
                ColumnPlan::OldMultiallelic => {
                    self.old_multiallelic(batch, &rows, Some(column.as_string::<i32>()))?
                }
                ColumnPlan::Alternates => {
                    let list = list_column(batch, index)?;
                    rebuild_list(list, &rows.sources, |out, _, picked| {
                        match rows.allele[out] {
                            0 => Pick::All,
                            k => {
                                picked.push(k - 1);
                                Pick::Picked
                            }
                        }
                    })?
                }
                ColumnPlan::Info(number) => {
                    let number = *number;
                    let list = list_column(batch, index)?;
                    rebuild_list(list, &rows.sources, |out, len, picked| {
                        let k = rows.allele[out];
                        let alts = rows.alternates(out);
                        match number {
                            _ if k == 0 => Pick::All,
                            Number::A if len == alts => {
                                picked.push(k - 1);
                                Pick::Picked
                            }
                            Number::R if len == alts + 1 => {
                                picked.extend([0, k]);
                                Pick::Picked
                            }
                            // Glow leaves a list of an unexpected length whole.
                            _ => Pick::All,
                        }
                    })?
                }
                ColumnPlan::Genotypes(plan) => self.genotypes(batch, index, plan, &rows)?,
            };
            columns.push(out);
        }
        if self.append_flag {
            columns.push(Arc::new(rows.flags()));
        }
        if self.append_old {
            columns.push(self.old_multiallelic(batch, &rows, None)?);
        }
        Ok(RecordBatch::try_new(self.output.clone(), columns)?)
    }

    /// `contig:POS:REF/ALT1/...` on split rows; elsewhere the input's value
    /// (or null when the input has no such column).
    fn old_multiallelic(
        &self,
        batch: &RecordBatch,
        rows: &Rows,
        existing: Option<&arrow::array::StringArray>,
    ) -> Result<ArrayRef> {
        let contig = batch.column(self.contig).as_string::<i32>();
        let start = batch.column(self.start).as_primitive::<Int64Type>();
        let reference = batch.column(self.reference).as_string::<i32>();
        let alternates = list_column(batch, self.alternates)?;
        let alt_values = alternates.values().as_string::<i32>();
        let mut out = StringBuilder::with_capacity(rows.sources.len(), 0);
        for (o, &src) in rows.sources.iter().enumerate() {
            let i = src as usize;
            if rows.allele[o] == 0 {
                match existing {
                    Some(e) if e.is_valid(i) => out.append_value(e.value(i)),
                    _ => out.append_null(),
                }
                continue;
            }
            if contig.is_null(i) || start.is_null(i) || reference.is_null(i) {
                out.append_null();
                continue;
            }
            // Infallible: writing to a String.
            let _ = write!(
                out,
                "{}:{}:{}",
                contig.value(i),
                start.value(i).saturating_add(1),
                reference.value(i)
            );
            let offsets = alternates.value_offsets();
            for a in offsets[i] as usize..offsets[i + 1] as usize {
                let allele = if alt_values.is_valid(a) {
                    alt_values.value(a)
                } else {
                    "."
                };
                let _ = write!(out, "/{allele}");
            }
            out.append_value("");
        }
        Ok(Arc::new(out.finish()))
    }

    fn genotypes(
        &self,
        batch: &RecordBatch,
        index: usize,
        plan: &GenotypePlan,
        rows: &Rows,
    ) -> Result<ArrayRef> {
        let genotypes = list_column(batch, index)?;
        let entries = genotypes
            .values()
            .as_struct_opt()
            .ok_or_else(|| column_error(GENOTYPES, "is not a list of structs"))?;
        // One output entry per input entry of the source row; `entry_row`
        // gives the output row each belongs to.
        let offsets = genotypes.value_offsets();
        let mut entry_sources: Vec<u32> = Vec::new();
        let mut entry_row: Vec<u32> = Vec::new();
        let mut out_offsets: Vec<i32> = Vec::with_capacity(rows.sources.len() + 1);
        // Each output row's entries, as a range of input entries.
        let mut row_entries: Vec<(usize, usize)> = Vec::with_capacity(rows.sources.len());
        out_offsets.push(0);
        for (o, &src) in rows.sources.iter().enumerate() {
            let i = src as usize;
            if genotypes.is_valid(i) {
                let (from, to) = (offsets[i] as usize, offsets[i + 1] as usize);
                entry_sources.extend(from as u32..to as u32);
                entry_row.extend(std::iter::repeat_n(o as u32, to - from));
                row_entries.push((from, to));
            } else {
                row_entries.push((0, 0));
            }
            out_offsets.push(offset(entry_sources.len())?);
        }
        let entry_indices = UInt32Array::from(entry_sources.clone());
        let calls = match plan.calls {
            Some(c) => entries.column(c).as_list_opt::<i32>(),
            None => None,
        };
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(plan.fields.len());
        for (f, field_plan) in plan.fields.iter().enumerate() {
            let child = entries.column(f);
            let out: ArrayRef = match field_plan {
                GenotypeFieldPlan::Copy => take(child.as_ref(), &entry_indices, None)?,
                GenotypeFieldPlan::Calls => {
                    let list = child
                        .as_list_opt::<i32>()
                        .ok_or_else(|| column_error(CALLS, "is not a list of Int32"))?;
                    match recode_calls_by_row(list, &row_entries, &rows.allele, self.other_alleles)?
                    {
                        Some(recoded) => recoded,
                        None => recode_calls(
                            list,
                            &entry_sources,
                            |e| rows.allele[entry_row[e] as usize],
                            self.other_alleles,
                        )?,
                    }
                }
                GenotypeFieldPlan::Split(number) => {
                    let number = *number;
                    let list = child.as_list_opt::<i32>().ok_or_else(|| {
                        column_error(plan.struct_fields[f].name(), "is not a list")
                    })?;
                    rebuild_list(list, &entry_sources, |e, len, picked| {
                        let o = entry_row[e] as usize;
                        let k = rows.allele[o];
                        if k == 0 {
                            return Pick::All;
                        }
                        let alts = rows.alternates(o);
                        match number {
                            Number::A if len == alts => {
                                picked.push(k - 1);
                                Pick::Picked
                            }
                            Number::R if len == alts + 1 => {
                                picked.extend([0, k]);
                                Pick::Picked
                            }
                            Number::G => {
                                let ploidy = calls
                                    .filter(|c| c.is_valid(entry_sources[e] as usize))
                                    .map_or(0, |c| {
                                        c.value_length(entry_sources[e] as usize) as usize
                                    });
                                match genotype_indices(alts + 1, ploidy, k, len, picked) {
                                    true => Pick::Picked,
                                    false => Pick::Null,
                                }
                            }
                            _ => Pick::Null,
                        }
                    })?
                }
            };
            columns.push(out);
        }
        let struct_nulls = entries.nulls().map(|nulls| {
            let mut valid = BooleanBufferBuilder::new(entry_sources.len());
            for &e in &entry_sources {
                valid.append(nulls.is_valid(e as usize));
            }
            NullBuffer::new(valid.finish())
        });
        let structs = StructArray::try_new(plan.struct_fields.clone(), columns, struct_nulls)?;
        let list_nulls = genotypes.nulls().map(|nulls| {
            let mut valid = BooleanBufferBuilder::new(rows.sources.len());
            for &src in &rows.sources {
                valid.append(nulls.is_valid(src as usize));
            }
            NullBuffer::new(valid.finish())
        });
        Ok(Arc::new(ListArray::try_new(
            plan.item.clone(),
            OffsetBuffer::new(out_offsets.into()),
            Arc::new(structs),
            list_nulls,
        )?))
    }
}

fn genotype_plan(field: &FieldRef, numbers: &FieldNumbers) -> Result<GenotypePlan> {
    let (item, struct_fields) = match field.data_type() {
        DataType::List(item) => match item.data_type() {
            DataType::Struct(fields) => (item, fields),
            _ => return Err(column_error(GENOTYPES, "is a list, but not of structs")),
        },
        other => {
            return Err(column_error(
                GENOTYPES,
                format!("has type {other}; splitting needs a list of structs"),
            ));
        }
    };
    let mut plans = Vec::with_capacity(struct_fields.len());
    let mut out_fields: Vec<FieldRef> = Vec::with_capacity(struct_fields.len());
    let mut calls = None;
    for (i, f) in struct_fields.iter().enumerate() {
        let name = f.name().as_str();
        let (plan, out) = match name {
            SAMPLE_ID | PHASED => (GenotypeFieldPlan::Copy, f.clone()),
            CALLS => {
                let int_list = matches!(f.data_type(), DataType::List(item) if item.data_type() == &DataType::Int32);
                if !int_list {
                    return Err(column_error(
                        format!("{GENOTYPES}.{CALLS}"),
                        format!("has type {}; splitting needs List<Int32>", f.data_type()),
                    ));
                }
                calls = Some(i);
                (GenotypeFieldPlan::Calls, f.clone())
            }
            _ => match splittable(numbers.format(format_key_of_genotype_field(name)), true) {
                Some(number) if is_list(f.data_type()) => (
                    GenotypeFieldPlan::Split(number),
                    Arc::new(f.as_ref().clone().with_nullable(true)),
                ),
                Some(number) => {
                    return Err(column_error(
                        format!("{GENOTYPES}.{name}"),
                        format!(
                            "has Number={number} but type {}; splitting needs a list",
                            f.data_type()
                        ),
                    ));
                }
                None => (GenotypeFieldPlan::Copy, f.clone()),
            },
        };
        plans.push(plan);
        out_fields.push(out);
    }
    let struct_fields = Fields::from(out_fields);
    let item = Arc::new(
        Field::new(
            item.name(),
            DataType::Struct(struct_fields.clone()),
            item.is_nullable(),
        )
        .with_metadata(item.metadata().clone()),
    );
    Ok(GenotypePlan {
        fields: plans,
        calls,
        item,
        struct_fields,
    })
}

/// The row layout of one output batch.
struct Rows {
    /// The input row of each output row.
    sources: Vec<u32>,
    /// The alternate allele (1-based) each output row carries, 0 on rows
    /// that were not split.
    allele: Vec<u32>,
    /// The number of alternate alleles of each output row's input row.
    alternates: Vec<u32>,
}

impl Rows {
    fn of(alternates: &ListArray) -> Result<Self> {
        let n = alternates.len();
        let mut rows = Rows {
            sources: Vec::with_capacity(n),
            allele: Vec::with_capacity(n),
            alternates: Vec::with_capacity(n),
        };
        for i in 0..n {
            let alts = if alternates.is_valid(i) {
                alternates.value_length(i) as u32
            } else {
                0
            };
            let src = u32::try_from(i)
                .map_err(|_| Error::Invalid("split: a batch of more than 2^32 rows".into()))?;
            if alts >= 2 {
                for k in 1..=alts {
                    rows.sources.push(src);
                    rows.allele.push(k);
                    rows.alternates.push(alts);
                }
            } else {
                rows.sources.push(src);
                rows.allele.push(0);
                rows.alternates.push(alts);
            }
        }
        Ok(rows)
    }

    fn alternates(&self, out: usize) -> usize {
        self.alternates[out] as usize
    }

    fn flags(&self) -> BooleanArray {
        self.allele.iter().map(|&k| Some(k > 0)).collect()
    }
}

fn list_column(batch: &RecordBatch, index: usize) -> Result<&ListArray> {
    batch.column(index).as_list_opt::<i32>().ok_or_else(|| {
        column_error(
            batch.schema().field(index).name(),
            "is not a list with 32-bit offsets",
        )
    })
}

fn offset(len: usize) -> Result<i32> {
    i32::try_from(len).map_err(|_| {
        Error::Invalid(
            "split: an output list column exceeds 2^31 values; use smaller batches".into(),
        )
    })
}

/// Which elements of an input list an output list takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    /// The whole list.
    All,
    /// The listed positions that the list has, in order.
    Picked,
    /// A null list.
    Null,
}

/// A list column with one output list per entry of `sources` (input list
/// indices), each made of the input elements `choose` picks; element values
/// are gathered with one `take`, whatever their type.
fn rebuild_list(
    list: &GenericListArray<i32>,
    sources: &[u32],
    mut choose: impl FnMut(usize, usize, &mut Vec<u32>) -> Pick,
) -> Result<ArrayRef> {
    let offsets = list.value_offsets();
    let mut out_offsets: Vec<i32> = Vec::with_capacity(sources.len() + 1);
    out_offsets.push(0);
    let mut indices: Vec<u32> = Vec::with_capacity(sources.len());
    let mut valid = BooleanBufferBuilder::new(sources.len());
    let mut any_null = false;
    let mut picked: Vec<u32> = Vec::new();
    for (out, &src) in sources.iter().enumerate() {
        let src = src as usize;
        let (from, to) = (offsets[src] as u32, offsets[src + 1] as u32);
        let pick = if list.is_null(src) {
            Pick::Null
        } else {
            picked.clear();
            choose(out, (to - from) as usize, &mut picked)
        };
        match pick {
            Pick::All => indices.extend(from..to),
            Pick::Picked => {
                indices.extend(picked.iter().filter(|&&p| p < to - from).map(|&p| from + p))
            }
            Pick::Null => any_null = true,
        }
        valid.append(pick != Pick::Null);
        out_offsets.push(offset(indices.len())?);
    }
    let values = take(list.values().as_ref(), &UInt32Array::from(indices), None)?;
    let nulls = any_null.then(|| NullBuffer::new(valid.finish()));
    let item = match list.data_type() {
        DataType::List(item) => item.clone(),
        _ => Arc::new(Field::new_list_field(values.data_type().clone(), true)),
    };
    Ok(Arc::new(ListArray::try_new(
        item,
        OffsetBuffer::new(out_offsets.into()),
        values,
        nulls,
    )?))
}

/// `calls` recoded row by row, without nulls: each output row's entries
/// are a range of input entries (`row_entries`), so its calls are one run
/// of the values, copied whole for a row kept as it was (allele 0) and
/// mapped for a split row. `None` when the calls hold nulls (a null list
/// or a null call): [`recode_calls`] handles those entry by entry.
fn recode_calls_by_row(
    list: &ListArray,
    row_entries: &[(usize, usize)],
    alleles: &[u32],
    other_alleles: OtherAlleles,
) -> Result<Option<ArrayRef>> {
    let values = list
        .values()
        .as_primitive_opt::<arrow::datatypes::Int32Type>()
        .ok_or_else(|| column_error(CALLS, "is not a list of Int32"))?;
    if list.null_count() > 0 || values.null_count() > 0 {
        return Ok(None);
    }
    let other = match other_alleles {
        OtherAlleles::Missing => -1,
        OtherAlleles::Reference => 0,
    };
    let offsets = list.value_offsets();
    let values = values.values();
    let mut out: Vec<i32> = Vec::with_capacity(values.len());
    let mut out_offsets: Vec<i32> = Vec::with_capacity(offsets.len());
    out_offsets.push(0);
    for (&(from, to), &k) in row_entries.iter().zip(alleles) {
        if from == to {
            continue;
        }
        let (first, last) = (offsets[from] as usize, offsets[to] as usize);
        let base = offset(out.len())? - offsets[from];
        let run = &values[first..last];
        if k == 0 {
            out.extend_from_slice(run);
        } else {
            let k = k as i32;
            out.extend(run.iter().map(|&c| match c {
                c if c <= 0 => c,
                c if c == k => 1,
                _ => other,
            }));
        }
        for e in from..to {
            out_offsets.push(offsets[e + 1] + base);
        }
    }
    let item = match list.data_type() {
        DataType::List(item) => item.clone(),
        _ => Arc::new(Field::new_list_field(DataType::Int32, true)),
    };
    Ok(Some(Arc::new(ListArray::try_new(
        item,
        OffsetBuffer::new(out_offsets.into()),
        Arc::new(arrow::array::Int32Array::from(out)),
        None,
    )?)))
}

/// `calls` of each entry in `sources`, recoded for the allele `allele_of`
/// gives the entry (0: copied).
fn recode_calls(
    list: &ListArray,
    sources: &[u32],
    allele_of: impl Fn(usize) -> u32,
    other_alleles: OtherAlleles,
) -> Result<ArrayRef> {
    let values = list
        .values()
        .as_primitive_opt::<arrow::datatypes::Int32Type>()
        .ok_or_else(|| column_error(CALLS, "is not a list of Int32"))?;
    let other = match other_alleles {
        OtherAlleles::Missing => -1,
        OtherAlleles::Reference => 0,
    };
    let offsets = list.value_offsets();
    let mut out = Int32Builder::with_capacity(sources.len() * 2);
    let mut out_offsets: Vec<i32> = Vec::with_capacity(sources.len() + 1);
    out_offsets.push(0);
    let mut valid = BooleanBufferBuilder::new(sources.len());
    for (e, &src) in sources.iter().enumerate() {
        let src = src as usize;
        let k = i64::from(allele_of(e));
        valid.append(list.is_valid(src));
        if list.is_valid(src) {
            for v in offsets[src] as usize..offsets[src + 1] as usize {
                if values.is_null(v) {
                    out.append_null();
                    continue;
                }
                let call = values.value(v);
                out.append_value(match call {
                    _ if k == 0 => call,
                    c if c <= 0 => c,
                    c if i64::from(c) == k => 1,
                    _ => other,
                });
            }
        }
        out_offsets.push(offset(out.len())?);
    }
    let item = match list.data_type() {
        DataType::List(item) => item.clone(),
        _ => Arc::new(Field::new_list_field(DataType::Int32, true)),
    };
    let nulls = list.nulls().map(|_| NullBuffer::new(valid.finish()));
    Ok(Arc::new(ListArray::try_new(
        item,
        OffsetBuffer::new(out_offsets.into()),
        Arc::new(out.finish()),
        nulls,
    )?))
}

/// The positions, in a Number=G list of `alleles` alleles, of the genotypes
/// made only of the reference and alternate `k`, in VCF order (0/0, 0/k,
/// k/k for a diploid), pushed onto `picked`; positions past `len` are left
/// out. Returns false when the ploidy is unknown: no calls, and a length
/// that is neither the haploid (`alleles`) nor the diploid count.
///
/// In VCF order the genotype `a_1 ≤ … ≤ a_p` sits at
/// `Σ_m C(a_m + m − 1, m)`; with `p − j` zeros and `j` copies of `k` that is
/// the sum of the top `j` terms `C(k + m − 1, m)`, `m = p − j + 1 … p`.
fn genotype_indices(
    alleles: usize,
    ploidy: usize,
    k: u32,
    len: usize,
    picked: &mut Vec<u32>,
) -> bool {
    let ploidy = match ploidy {
        0 if len == alleles => 1,
        0 if Some(len) == alleles.checked_mul(alleles + 1).map(|n| n / 2) => 2,
        0 => return false,
        p => p,
    };
    picked.push(0);
    let k = u64::from(k);
    // The top term C(k + p − 1, p), built up by exact divisions; past u64
    // it is past any list, and so is every position but the first.
    let mut top: Option<u64> = Some(1);
    for m in 1..=ploidy as u64 {
        top = top.and_then(|t| {
            u64::try_from(u128::from(t) * u128::from(k + m - 1) / u128::from(m)).ok()
        });
        if top.is_none() {
            return true;
        }
    }
    let Some(mut term) = top else { return true };
    let mut index: u64 = 0;
    for m in (1..=ploidy as u64).rev() {
        index = match index.checked_add(term) {
            Some(i) if i < len as u64 => i,
            // Positions only grow: nothing further fits the list.
            _ => break,
        };
        picked.push(index as u32);
        // C(k + m − 2, m − 1) from C(k + m − 1, m); smaller, so it fits.
        term = (u128::from(term) * u128::from(m) / u128::from(k + m - 1)) as u64;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indices(alleles: usize, ploidy: usize, k: u32) -> Vec<u32> {
        let mut picked = Vec::new();
        assert!(genotype_indices(
            alleles,
            ploidy,
            k,
            usize::MAX >> 1,
            &mut picked
        ));
        picked
    }

    #[test]
    fn genotype_indices_follow_vcf_order() {
        // The cases of Glow's refAltColexOrderIdxArray tests.
        assert_eq!(indices(2, 1, 1), [0, 1]);
        assert_eq!(indices(5, 1, 4), [0, 4]);
        assert_eq!(indices(3, 2, 1), [0, 1, 2]);
        assert_eq!(indices(3, 2, 2), [0, 3, 5]);
        assert_eq!(indices(4, 2, 3), [0, 6, 9]);
        assert_eq!(indices(11, 2, 10), [0, 55, 65]);
        assert_eq!(indices(3, 3, 2), [0, 4, 7, 9]);
        assert_eq!(indices(5, 3, 4), [0, 20, 30, 34]);
        assert_eq!(indices(6, 4, 5), [0, 70, 105, 120, 125]);
        assert_eq!(indices(6, 5, 5), [0, 126, 196, 231, 246, 251]);
    }

    #[test]
    fn genotype_indices_stop_at_the_list_end_and_infer_ploidy() {
        let mut picked = Vec::new();
        // A 10-long PL of a 5-allele diploid site: only 0 of [0, 10, 14].
        assert!(genotype_indices(5, 2, 4, 10, &mut picked));
        assert_eq!(picked, [0]);
        picked.clear();
        assert!(genotype_indices(3, 0, 2, 6, &mut picked));
        assert_eq!(picked, [0, 3, 5]);
        picked.clear();
        assert!(genotype_indices(3, 0, 2, 3, &mut picked));
        assert_eq!(picked, [0, 2]);
        picked.clear();
        assert!(!genotype_indices(3, 0, 2, 4, &mut picked));
        // A huge ploidy overflows no arithmetic and stays within the list.
        picked.clear();
        assert!(genotype_indices(200, 100_000, 199, 1000, &mut picked));
        assert_eq!(picked, [0]);
    }
}
