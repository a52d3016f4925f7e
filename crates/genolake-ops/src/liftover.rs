//! Liftover between genome assemblies: coordinates alone (Glow's
//! `lift_over_coordinates`) and whole variants (Glow's `lift_over_variants`
//! transformer, with Picard `LiftoverVcf` semantics).
//!
//! A lifted variant gets its new contig, position and alleles; on the
//! reverse strand its alleles are reverse-complemented (biallelic indels
//! re-anchored and left-aligned against the target reference); a biallelic
//! SNP whose lifted REF is the target's ALT has REF and ALT swapped, with
//! its genotype calls flipped, `AF` replaced by `1 - AF`, `MAX_AF` dropped
//! and every other array-valued INFO and FORMAT field (AD, PL, GP, …)
//! reversed, as Picard's `RECOVER_SWAPPED_REF_ALT` and Glow do. A variant
//! that cannot be lifted keeps its row unchanged and says why in the
//! `liftOverStatus` column.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, BooleanBuilder, Float64Array, GenericListArray,
    Int32Array, Int64Array, Int64Builder, ListArray, ListBuilder, StringArray, StringBuilder,
    StructArray, UInt32Array,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use genolake_core::schema::{
    ALTERNATE_ALLELES, CALLS, CONTIG_NAME, END, FILTERS, GENOTYPES, INFO_PREFIX, REFERENCE_ALLELE,
    START,
};

use crate::chain::ChainIndex;
use crate::error::{Error, Result};

pub use crate::chain::DEFAULT_MIN_MATCH;

/// The status column `lift_over_variants` appends:
/// `struct<success: boolean, errorMessage: string>`.
pub const LIFT_OVER_STATUS: &str = "liftOverStatus";
/// `liftOverStatus.success`.
pub const SUCCESS: &str = "success";
/// `liftOverStatus.errorMessage`, null on success.
pub const ERROR_MESSAGE: &str = "errorMessage";
/// The INFO flag column set on lifted rows whose REF and ALT were swapped.
pub const SWAPPED_ALLELES: &str = "INFO_SwappedAlleles";
/// The INFO flag column set on lifted rows mapped to the reverse strand.
pub const REVERSE_COMPLEMENTED_ALLELES: &str = "INFO_ReverseComplementedAlleles";

/// Picard's reasons for a failed liftover, used as `errorMessage`.
pub mod reason {
    /// No chain maps the variant (or its target contig is not in the
    /// reference).
    pub const NO_TARGET: &str = "NoTarget";
    /// The reference allele maps to a region of another length (Picard's
    /// spelling).
    pub const INDEL_STRADDLES_TWO_INTERVALS: &str = "IndelStraddlesMultipleIntevals";
    /// A reverse-strand variant that cannot be reverse-complemented: a
    /// multiallelic indel, or an indel whose anchored REF does not match.
    pub const CANNOT_LIFT_OVER: &str = "CannotLiftOver";
    /// The lifted REF is not the target reference's bases; the message
    /// continues with `: AttemptedLocus contig:start-end` (1-based).
    pub const MISMATCHED_REF_ALLELE: &str = "MismatchedRefAllele";
    /// A row without contig, start, end or a non-empty reference allele.
    pub const CONVERSION_FAILED: &str = "Conversion failed";
}

/// Lifts the 0-based, end-exclusive interval `[start, end)` on `contig`
/// with htsjdk's minimum-match rule, as Glow's `lift_over_coordinates`;
/// `None` when it cannot be lifted (or is empty).
///
/// ```
/// use genolake_ops::chain::ChainIndex;
/// use genolake_ops::liftover::lift_over_coordinates;
/// let text = "chain 1 chr1 1000 + 0 1000 chr1 1000 - 0 1000 7\n1000\n";
/// let chains = ChainIndex::from_reader(text.as_bytes(), "rev.chain").unwrap();
/// // Reverse strand: [10, 20) counts back from the contig's end.
/// assert_eq!(
///     lift_over_coordinates(&chains, "chr1", 10, 20, 0.95),
///     Some(("chr1".to_string(), 980, 990))
/// );
/// ```
pub fn lift_over_coordinates(
    chains: &ChainIndex,
    contig: &str,
    start: i64,
    end: i64,
    min_match: f64,
) -> Option<(String, i64, i64)> {
    chains
        .lift_over(contig, start, end, min_match)
        .map(|l| (l.contig.to_string(), l.start, l.end))
}

/// `lift_over_coordinates` over columns: a `struct<contigName: string,
/// start: long, end: long>` array, null where a row cannot be lifted or an
/// input is null.
pub fn lift_over_coordinates_array(
    chains: &ChainIndex,
    contig: &StringArray,
    start: &Int64Array,
    end: &Int64Array,
    min_match: f64,
) -> Result<StructArray> {
    if contig.len() != start.len() || contig.len() != end.len() {
        return Err(Error::Invalid(format!(
            "lift_over_coordinates: columns of different lengths ({}, {}, {})",
            contig.len(),
            start.len(),
            end.len()
        )));
    }
    let mut contigs = StringBuilder::new();
    let mut starts = Int64Builder::with_capacity(contig.len());
    let mut ends = Int64Builder::with_capacity(contig.len());
    let mut valid = Vec::with_capacity(contig.len());
    for i in 0..contig.len() {
        let lifted = (contig.is_valid(i) && start.is_valid(i) && end.is_valid(i))
            .then(|| chains.lift_over(contig.value(i), start.value(i), end.value(i), min_match))
            .flatten();
        valid.push(lifted.is_some());
        contigs.append_option(lifted.map(|l| l.contig));
        starts.append_option(lifted.map(|l| l.start));
        ends.append_option(lifted.map(|l| l.end));
    }
    let fields = Fields::from(vec![
        Field::new(CONTIG_NAME, DataType::Utf8, true),
        Field::new(START, DataType::Int64, true),
        Field::new(END, DataType::Int64, true),
    ]);
    Ok(StructArray::try_new(
        fields,
        vec![
            Arc::new(contigs.finish()),
            Arc::new(starts.finish()),
            Arc::new(ends.finish()),
        ],
        Some(NullBuffer::from(valid)),
    )?)
}

/// The target assembly's sequence, as `lift_over_variants` reads it.
/// Implemented by [`crate::fasta::IndexedFasta`]; tests may supply their own.
pub trait Reference {
    /// The length of `contig`, `None` when the reference lacks it.
    fn contig_length(&self, contig: &str) -> Option<u64>;
    /// Bases `[start, end)` (0-based) of `contig`; callers stay within
    /// `contig_length`.
    fn fetch(&mut self, contig: &str, start: u64, end: u64) -> Result<Vec<u8>>;
}

impl Reference for crate::fasta::IndexedFasta {
    fn contig_length(&self, contig: &str) -> Option<u64> {
        crate::fasta::IndexedFasta::contig_length(self, contig)
    }

    fn fetch(&mut self, contig: &str, start: u64, end: u64) -> Result<Vec<u8>> {
        crate::fasta::IndexedFasta::fetch(self, contig, start, end)
    }
}

/// Glow's `lift_over_variants` as a batch transform: owns the chains and
/// the target reference, lifts one batch at a time.
pub struct LiftOverVariants<R> {
    chains: Arc<ChainIndex>,
    reference: R,
    min_match: f64,
}

impl<R: Reference> LiftOverVariants<R> {
    /// A transform lifting with `chains` to `reference`; `min_match` is
    /// Glow's `minMatchRatio` ([`DEFAULT_MIN_MATCH`] when not given).
    pub fn new(chains: Arc<ChainIndex>, reference: R, min_match: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&min_match) {
            return Err(Error::Invalid(format!(
                "minMatchRatio must be between 0 and 1, got {min_match}"
            )));
        }
        Ok(Self {
            chains,
            reference,
            min_match,
        })
    }

    /// The schema of transformed batches: the input's columns, then
    /// `INFO_SwappedAlleles` and `INFO_ReverseComplementedAlleles` (unless
    /// the input has them already), then `liftOverStatus`.
    pub fn output_schema(&self, input: &Schema) -> Result<SchemaRef> {
        for (name, expected) in [
            (CONTIG_NAME, DataType::Utf8),
            (START, DataType::Int64),
            (END, DataType::Int64),
            (REFERENCE_ALLELE, DataType::Utf8),
        ] {
            let field = input.field_with_name(name).map_err(|_| Error::Column {
                column: name.to_string(),
                message: "lift_over_variants needs this column".to_string(),
            })?;
            if field.data_type() != &expected {
                return Err(type_error(name, &expected, field.data_type()));
            }
        }
        let mut fields: Vec<FieldRef> = input.fields().iter().cloned().collect();
        for name in [SWAPPED_ALLELES, REVERSE_COMPLEMENTED_ALLELES] {
            if input.index_of(name).is_err() {
                fields.push(Arc::new(Field::new(name, DataType::Boolean, true)));
            }
        }
        fields.push(Arc::new(status_field()));
        Ok(Arc::new(Schema::new_with_metadata(
            fields,
            input.metadata().clone(),
        )))
    }

    /// Lifts every row of `batch`; rows keep their order.
    pub fn transform(&mut self, batch: &RecordBatch) -> Result<RecordBatch> {
        let schema = self.output_schema(&batch.schema())?;
        let contigs = string_column(batch, CONTIG_NAME)?.ok_or_else(|| missing(CONTIG_NAME))?;
        let starts = int64_column(batch, START)?.ok_or_else(|| missing(START))?;
        let ends = int64_column(batch, END)?.ok_or_else(|| missing(END))?;
        let refs =
            string_column(batch, REFERENCE_ALLELE)?.ok_or_else(|| missing(REFERENCE_ALLELE))?;
        let alts = string_list_column(batch, ALTERNATE_ALLELES)?;

        let rows = batch.num_rows();
        let mut outcomes = Vec::with_capacity(rows);
        let mut alt_buf: Vec<&str> = Vec::new();
        for row in 0..rows {
            if contigs.is_null(row) || starts.is_null(row) || ends.is_null(row) || refs.is_null(row)
            {
                outcomes.push(Outcome::Failed(reason::CONVERSION_FAILED.to_string()));
                continue;
            }
            alt_buf.clear();
            if let Some(alts) = alts
                && alts.is_valid(row)
            {
                let values = alts.values().as_string::<i32>();
                let offsets = alts.value_offsets();
                let (a, b) = (offsets[row] as usize, offsets[row + 1] as usize);
                alt_buf.extend((a..b).map(|i| {
                    if values.is_valid(i) {
                        values.value(i)
                    } else {
                        "."
                    }
                }));
            }
            let variant = Variant {
                contig: contigs.value(row),
                start: starts.value(row),
                end: ends.value(row),
                reference: refs.value(row),
                alternates: &alt_buf,
            };
            outcomes.push(self.lift(&variant)?);
        }
        build_output(batch, schema, &outcomes)
    }

    fn lift(&mut self, variant: &Variant<'_>) -> Result<Outcome> {
        if variant.reference.is_empty() {
            return Ok(Outcome::Failed(reason::CONVERSION_FAILED.to_string()));
        }
        let Some(target) =
            self.chains
                .lift_over(variant.contig, variant.start, variant.end, self.min_match)
        else {
            return Ok(Outcome::Failed(reason::NO_TARGET.to_string()));
        };
        if variant.reference.len() as i64 != target.end - target.start {
            return Ok(Outcome::Failed(
                reason::INDEL_STRADDLES_TWO_INTERVALS.to_string(),
            ));
        }
        let Some(contig_length) = self.reference.contig_length(target.contig) else {
            return Ok(Outcome::Failed(reason::NO_TARGET.to_string()));
        };
        let mut sequence = ContigCursor {
            reference: &mut self.reference,
            contig: target.contig,
            length: contig_length as i64,
            cache_start: 0,
            cache: Vec::new(),
        };
        let mut alleles: Vec<Vec<u8>> = std::iter::once(variant.reference)
            .chain(variant.alternates.iter().copied())
            .map(|a| a.as_bytes().to_vec())
            .collect();
        // 1-based, inclusive, as Picard counts.
        let (mut start, mut stop) = (target.start + 1, target.end);
        if target.negative_strand {
            for allele in alleles.iter_mut().filter(|a| !keeps_bases(a)) {
                allele.reverse();
                allele.iter_mut().for_each(|b| *b = complement(*b));
            }
            if is_indel_for_liftover(&alleles) {
                if !sequence.matches(start, stop, &alleles[0])? {
                    return Ok(Outcome::Failed(reason::CANNOT_LIFT_OVER.to_string()));
                }
                match left_align(&mut alleles, start, stop, &mut sequence)? {
                    Some((s, e)) => (start, stop) = (s, e),
                    None => return Ok(Outcome::Failed(reason::CANNOT_LIFT_OVER.to_string())),
                }
            }
        }

        let mut swapped = false;
        if !sequence.matches(start, stop, &alleles[0])? {
            let biallelic_snp = alleles.len() == 2
                && alleles[0].len() == 1
                && alleles[1].len() == 1
                && !is_symbolic(&alleles[1]);
            if biallelic_snp && sequence.matches(start, stop, &alleles[1])? {
                alleles.swap(0, 1);
                swapped = true;
            } else {
                return Ok(Outcome::Failed(format!(
                    "{}: AttemptedLocus {}:{start}-{stop}",
                    reason::MISMATCHED_REF_ALLELE,
                    target.contig
                )));
            }
        }
        let mut alleles = alleles.into_iter().map(|a| {
            // Alleles come from UTF-8 input and ASCII reference bases.
            String::from_utf8(a).unwrap_or_default()
        });
        let reference = alleles.next().unwrap_or_default();
        Ok(Outcome::Lifted(Box::new(LiftedVariant {
            contig: target.contig.to_string(),
            start: start - 1,
            end: stop,
            reference,
            alternates: alleles.collect(),
            swapped,
            reverse_complemented: target.negative_strand,
        })))
    }
}

struct Variant<'a> {
    contig: &'a str,
    start: i64,
    end: i64,
    reference: &'a str,
    alternates: &'a [&'a str],
}

enum Outcome {
    Lifted(Box<LiftedVariant>),
    Failed(String),
}

struct LiftedVariant {
    contig: String,
    start: i64,
    end: i64,
    reference: String,
    alternates: Vec<String>,
    swapped: bool,
    reverse_complemented: bool,
}

/// Alleles whose bases liftover leaves alone: symbolic ones, the spanning
/// deletion `*` and the no-call `.`.
fn keeps_bases(allele: &[u8]) -> bool {
    is_symbolic(allele) || allele == b"*" || allele == b"."
}

/// Picard's test for re-aligning a reverse-complemented variant: a REF
/// longer than one base, or any other allele with bases not one base long.
fn is_indel_for_liftover(alleles: &[Vec<u8>]) -> bool {
    alleles[0].len() != 1 || alleles[1..].iter().any(|a| !keeps_bases(a) && a.len() != 1)
}

/// Symbolic alleles (`<DEL>`, breakends) as htsjdk recognises them.
fn is_symbolic(allele: &[u8]) -> bool {
    allele.len() > 1
        && (allele[0] == b'<'
            || allele[allele.len() - 1] == b'>'
            || allele.contains(&b'[')
            || allele.contains(&b']')
            || allele[0] == b'.'
            || allele[allele.len() - 1] == b'.')
}

/// htsjdk's `SequenceUtil.complement`: IUPAC-unaware, other bytes kept.
fn complement(base: u8) -> u8 {
    match base {
        b'A' => b'T',
        b'T' => b'A',
        b'C' => b'G',
        b'G' => b'C',
        b'a' => b't',
        b't' => b'a',
        b'c' => b'g',
        b'g' => b'c',
        other => other,
    }
}

/// Picard's left-alignment of a reverse-complemented indel (Tan et al.
/// 2015): trim common last bases, re-anchoring on the base before when an
/// allele empties, then trim common first bases. Returns the new 1-based
/// `(start, stop)`, `None` when it would read outside the contig.
fn left_align<R: Reference>(
    all_alleles: &mut [Vec<u8>],
    mut start: i64,
    mut stop: i64,
    sequence: &mut ContigCursor<'_, R>,
) -> Result<Option<(i64, i64)>> {
    // Symbolic alleles, `*` and `.` are neither trimmed nor extended.
    let mut alleles: Vec<&mut Vec<u8>> = all_alleles
        .iter_mut()
        .enumerate()
        .filter(|(i, a)| *i == 0 || !keeps_bases(a))
        .map(|(_, a)| a)
        .collect();
    let mut changed = true;
    // Each pass either shortens alleles or moves left, so the contig's
    // length bounds the loop; the guard only makes that explicit.
    let mut budget = sequence.length + 2;
    while changed {
        changed = false;
        budget -= 1;
        if budget < 0 {
            return Ok(None);
        }
        let last = alleles[0].last().copied();
        if stop > 1
            && alleles
                .iter()
                .all(|a| !a.is_empty() && a.last().copied() == last)
        {
            alleles.iter_mut().for_each(|a| {
                a.pop();
            });
            changed = true;
            stop -= 1;
        }
        if alleles.iter().any(|a| a.is_empty()) {
            // Picard takes the base after the variant when none precedes it.
            let position = if start > 1 { start - 2 } else { stop };
            let Some(base) = sequence.base(position)? else {
                return Ok(None);
            };
            alleles.iter_mut().for_each(|a| a.insert(0, base));
            changed = true;
            start -= 1;
        }
    }
    while alleles.iter().all(|a| a.len() >= 2) && {
        let first = alleles[0][0];
        alleles.iter().all(|a| a[0] == first)
    } {
        alleles.iter_mut().for_each(|a| {
            a.remove(0);
        });
        start += 1;
    }
    Ok(Some((start, stop)))
}

/// Reads a target contig through a small cache, since left-alignment asks
/// for one base at a time.
struct ContigCursor<'a, R> {
    reference: &'a mut R,
    contig: &'a str,
    length: i64,
    cache_start: i64,
    cache: Vec<u8>,
}

impl<R: Reference> ContigCursor<'_, R> {
    const WINDOW: i64 = 256;

    /// The 0-based base at `position`, `None` outside the contig.
    fn base(&mut self, position: i64) -> Result<Option<u8>> {
        if position < 0 || position >= self.length {
            return Ok(None);
        }
        let offset = position - self.cache_start;
        if offset < 0 || offset >= self.cache.len() as i64 {
            let start = (position - Self::WINDOW).max(0);
            let end = (position + Self::WINDOW).min(self.length);
            self.cache = self
                .reference
                .fetch(self.contig, start as u64, end as u64)?;
            self.cache_start = start;
        }
        Ok(self
            .cache
            .get((position - self.cache_start) as usize)
            .copied())
    }

    /// Whether the 1-based, inclusive `[start, stop]` holds `allele`,
    /// ignoring case; false when it leaves the contig.
    fn matches(&mut self, start: i64, stop: i64, allele: &[u8]) -> Result<bool> {
        if start < 1 || stop > self.length || stop - start + 1 != allele.len() as i64 {
            return Ok(false);
        }
        for (i, expected) in allele.iter().enumerate() {
            match self.base(start - 1 + i as i64)? {
                Some(base) if base.eq_ignore_ascii_case(expected) => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}

fn status_field() -> Field {
    Field::new(
        LIFT_OVER_STATUS,
        DataType::Struct(Fields::from(vec![
            Field::new(SUCCESS, DataType::Boolean, true),
            Field::new(ERROR_MESSAGE, DataType::Utf8, true),
        ])),
        true,
    )
}

fn missing(column: &str) -> Error {
    Error::Column {
        column: column.to_string(),
        message: "lift_over_variants needs this column".to_string(),
    }
}

fn type_error(column: &str, expected: &DataType, found: &DataType) -> Error {
    Error::Column {
        column: column.to_string(),
        message: format!("expected type {expected}, found {found}"),
    }
}

fn string_column<'a>(batch: &'a RecordBatch, name: &str) -> Result<Option<&'a StringArray>> {
    match batch.column_by_name(name) {
        None => Ok(None),
        Some(c) => c
            .as_string_opt::<i32>()
            .map(Some)
            .ok_or_else(|| type_error(name, &DataType::Utf8, c.data_type())),
    }
}

fn int64_column<'a>(batch: &'a RecordBatch, name: &str) -> Result<Option<&'a Int64Array>> {
    match batch.column_by_name(name) {
        None => Ok(None),
        Some(c) => c
            .as_primitive_opt::<arrow::datatypes::Int64Type>()
            .map(Some)
            .ok_or_else(|| type_error(name, &DataType::Int64, c.data_type())),
    }
}

fn string_list_column<'a>(batch: &'a RecordBatch, name: &str) -> Result<Option<&'a ListArray>> {
    match batch.column_by_name(name) {
        None => Ok(None),
        Some(c) => match c.as_list_opt::<i32>() {
            Some(list) if list.value_type() == DataType::Utf8 => Ok(Some(list)),
            _ => Err(type_error(
                name,
                &genolake_core::schema::list_of(DataType::Utf8),
                c.data_type(),
            )),
        },
    }
}

fn build_output(
    batch: &RecordBatch,
    schema: SchemaRef,
    outcomes: &[Outcome],
) -> Result<RecordBatch> {
    let lifted = |row: usize| match &outcomes[row] {
        Outcome::Lifted(v) => Some(v.as_ref()),
        Outcome::Failed(_) => None,
    };
    let swapped: Vec<bool> = (0..outcomes.len())
        .map(|row| lifted(row).is_some_and(|v| v.swapped))
        .collect();
    let any_swapped = swapped.iter().any(|&s| s);
    let input_schema = batch.schema();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (index, field) in input_schema.fields().iter().enumerate() {
        let column = batch.column(index);
        let name = field.name().as_str();
        let replaced: ArrayRef = match name {
            CONTIG_NAME => {
                let old = column.as_string::<i32>();
                let mut b = StringBuilder::with_capacity(old.len(), old.value_data().len());
                for row in 0..old.len() {
                    match lifted(row) {
                        Some(v) => b.append_value(&v.contig),
                        None => b.append_option(old.is_valid(row).then(|| old.value(row))),
                    }
                }
                Arc::new(b.finish())
            }
            START | END => {
                let old = column.as_primitive::<arrow::datatypes::Int64Type>();
                let values: Int64Array = (0..old.len())
                    .map(|row| match lifted(row) {
                        Some(v) => Some(if name == START { v.start } else { v.end }),
                        None => old.is_valid(row).then(|| old.value(row)),
                    })
                    .collect();
                Arc::new(values)
            }
            REFERENCE_ALLELE => {
                let old = column.as_string::<i32>();
                let mut b = StringBuilder::with_capacity(old.len(), old.value_data().len());
                for row in 0..old.len() {
                    match lifted(row) {
                        Some(v) => b.append_value(&v.reference),
                        None => b.append_option(old.is_valid(row).then(|| old.value(row))),
                    }
                }
                Arc::new(b.finish())
            }
            ALTERNATE_ALLELES => {
                let old = column.as_list::<i32>();
                rebuild_string_list(field, old, |row| {
                    lifted(row).map(|v| v.alternates.iter().map(String::as_str).collect())
                })?
            }
            // Picard sets the filters of every lifted record, so a
            // missing FILTER becomes PASS, as Glow shows it.
            FILTERS => match column.as_list_opt::<i32>() {
                Some(old) if old.value_type() == DataType::Utf8 => {
                    rebuild_string_list(field, old, |row| {
                        (lifted(row).is_some() && (old.is_null(row) || old.value_length(row) == 0))
                            .then(|| vec!["PASS"])
                    })?
                }
                _ => column.clone(),
            },
            SWAPPED_ALLELES | REVERSE_COMPLEMENTED_ALLELES => {
                flag_column(outcomes, name == SWAPPED_ALLELES)
            }
            GENOTYPES if any_swapped => swap_genotypes(column, &swapped)?,
            _ if any_swapped && name.starts_with(INFO_PREFIX) => {
                swap_info(&name[INFO_PREFIX.len()..], column, &swapped)?
            }
            _ => column.clone(),
        };
        columns.push(replaced);
    }
    for name in [SWAPPED_ALLELES, REVERSE_COMPLEMENTED_ALLELES] {
        if input_schema.index_of(name).is_err() {
            columns.push(flag_column(outcomes, name == SWAPPED_ALLELES));
        }
    }
    let mut success = BooleanBuilder::with_capacity(outcomes.len());
    let mut messages = StringBuilder::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Lifted(_) => {
                success.append_value(true);
                messages.append_null();
            }
            Outcome::Failed(message) => {
                success.append_value(false);
                messages.append_value(message);
            }
        }
    }
    let DataType::Struct(status_fields) = status_field().data_type().clone() else {
        unreachable!("the status field is a struct")
    };
    columns.push(Arc::new(StructArray::try_new(
        status_fields,
        vec![Arc::new(success.finish()), Arc::new(messages.finish())],
        None,
    )?));
    Ok(RecordBatch::try_new(schema, columns)?)
}

fn flag_column(outcomes: &[Outcome], swapped: bool) -> ArrayRef {
    let values: BooleanArray = outcomes
        .iter()
        .map(|o| match o {
            Outcome::Lifted(v) => Some(if swapped {
                v.swapped
            } else {
                v.reverse_complemented
            }),
            Outcome::Failed(_) => None,
        })
        .collect();
    Arc::new(values)
}

/// A `List<Utf8>` with some rows replaced.
fn rebuild_string_list<'a>(
    field: &Field,
    old: &ListArray,
    replacement: impl Fn(usize) -> Option<Vec<&'a str>>,
) -> Result<ArrayRef> {
    let item = match field.data_type() {
        DataType::List(item) => item.clone(),
        other => {
            return Err(type_error(
                field.name(),
                &genolake_core::schema::list_of(DataType::Utf8),
                other,
            ));
        }
    };
    let mut builder = ListBuilder::new(StringBuilder::new()).with_field(item);
    for row in 0..old.len() {
        if let Some(values) = replacement(row) {
            for v in values {
                builder.values().append_value(v);
            }
            builder.append(true);
        } else if old.is_null(row) {
            builder.append(false);
        } else {
            let values = old.value(row);
            let values = values.as_string::<i32>();
            for v in values.iter() {
                builder.values().append_option(v);
            }
            builder.append(true);
        }
    }
    Ok(Arc::new(builder.finish()))
}

/// The INFO column `key` of swapped rows: AF becomes 1 − AF, MAX_AF is
/// dropped, other arrays are reversed (Glow's swap of Picard's defaults).
fn swap_info(key: &str, column: &ArrayRef, swapped: &[bool]) -> Result<ArrayRef> {
    match key {
        "MAX_AF" => {
            let mask = BooleanArray::from(swapped.to_vec());
            Ok(arrow::compute::nullif(column, &mask)?)
        }
        "AF" => match column.data_type() {
            DataType::Float64 => {
                let values = column.as_primitive::<arrow::datatypes::Float64Type>();
                let flipped: Float64Array = values
                    .iter()
                    .zip(swapped)
                    .map(|(v, &s)| v.map(|v| if s { 1.0 - v } else { v }))
                    .collect();
                Ok(Arc::new(flipped))
            }
            DataType::List(item) if item.data_type() == &DataType::Float64 => {
                let list = column.as_list::<i32>();
                let values = list
                    .values()
                    .as_primitive::<arrow::datatypes::Float64Type>();
                let mut flip = vec![false; values.len()];
                for (row, &s) in swapped.iter().enumerate() {
                    if s {
                        let (a, b) = (list.value_offsets()[row], list.value_offsets()[row + 1]);
                        flip[a as usize..b as usize]
                            .iter_mut()
                            .for_each(|f| *f = true);
                    }
                }
                let flipped: Float64Array = values
                    .iter()
                    .zip(&flip)
                    .map(|(v, &f)| v.map(|v| if f { 1.0 - v } else { v }))
                    .collect();
                Ok(Arc::new(ListArray::try_new(
                    item.clone(),
                    list.offsets().clone(),
                    Arc::new(flipped),
                    list.nulls().cloned(),
                )?))
            }
            _ => Ok(column.clone()),
        },
        _ => match column.as_list_opt::<i32>() {
            Some(list) => reverse_lists(list, swapped),
            None => Ok(column.clone()),
        },
    }
}

/// Reverses the lists of the rows marked in `which`, whatever their items.
fn reverse_lists(list: &ListArray, which: &[bool]) -> Result<ArrayRef> {
    let offsets = list.value_offsets();
    let base = offsets.first().copied().unwrap_or(0);
    let mut indices = Vec::with_capacity((offsets[offsets.len() - 1] - base) as usize);
    for row in 0..list.len() {
        let (a, b) = (offsets[row] as u32, offsets[row + 1] as u32);
        if which[row] {
            indices.extend((a..b).rev());
        } else {
            indices.extend(a..b);
        }
    }
    let values = arrow::compute::take(list.values(), &UInt32Array::from(indices), None)?;
    let new_offsets = OffsetBuffer::new(
        offsets
            .iter()
            .map(|o| o - base)
            .collect::<Vec<i32>>()
            .into(),
    );
    let DataType::List(item) = list.data_type() else {
        unreachable!("a ListArray has a List type")
    };
    Ok(Arc::new(GenericListArray::<i32>::try_new(
        item.clone(),
        new_offsets,
        values,
        list.nulls().cloned(),
    )?))
}

/// The genotypes of swapped rows: calls 0 ↔ 1, every array field but
/// `calls` and `filters` (FT) reversed.
fn swap_genotypes(column: &ArrayRef, swapped: &[bool]) -> Result<ArrayRef> {
    let Some(list) = column.as_list_opt::<i32>() else {
        return Err(Error::Column {
            column: GENOTYPES.to_string(),
            message: format!("expected a list of structs, found {}", column.data_type()),
        });
    };
    let Some(genotypes) = list.values().as_struct_opt() else {
        return Err(Error::Column {
            column: GENOTYPES.to_string(),
            message: format!("expected a list of structs, found {}", column.data_type()),
        });
    };
    let offsets = list.value_offsets();
    let mut per_genotype = vec![false; genotypes.len()];
    for (row, &s) in swapped.iter().enumerate() {
        if s {
            let (a, b) = (offsets[row] as usize, offsets[row + 1] as usize);
            per_genotype[a..b].iter_mut().for_each(|g| *g = true);
        }
    }
    let mut children: Vec<ArrayRef> = Vec::with_capacity(genotypes.num_columns());
    for (field, child) in genotypes.fields().iter().zip(genotypes.columns()) {
        let name = field.name().as_str();
        let new_child = match child.as_list_opt::<i32>() {
            Some(calls) if name == CALLS => flip_calls(calls, &per_genotype)?,
            Some(_) if name == FILTERS => child.clone(),
            Some(values) => reverse_lists(values, &per_genotype)?,
            None => child.clone(),
        };
        children.push(new_child);
    }
    let new_struct = StructArray::try_new(
        genotypes.fields().clone(),
        children,
        genotypes.nulls().cloned(),
    )?;
    let DataType::List(item) = list.data_type() else {
        unreachable!("a ListArray has a List type")
    };
    Ok(Arc::new(ListArray::try_new(
        item.clone(),
        list.offsets().clone(),
        Arc::new(new_struct),
        list.nulls().cloned(),
    )?))
}

fn flip_calls(calls: &ListArray, which: &[bool]) -> Result<ArrayRef> {
    let Some(values) = calls
        .values()
        .as_primitive_opt::<arrow::datatypes::Int32Type>()
    else {
        return Err(Error::Column {
            column: format!("{GENOTYPES}.{CALLS}"),
            message: format!("expected a list of int32, found {}", calls.data_type()),
        });
    };
    let mut flip = vec![false; values.len()];
    let offsets = calls.value_offsets();
    for (g, &w) in which.iter().enumerate() {
        if w {
            flip[offsets[g] as usize..offsets[g + 1] as usize]
                .iter_mut()
                .for_each(|f| *f = true);
        }
    }
    let flipped: Int32Array = values
        .iter()
        .zip(&flip)
        .map(|(v, &f)| {
            v.map(|c| match (f, c) {
                (true, 0) => 1,
                (true, 1) => 0,
                (_, c) => c,
            })
        })
        .collect();
    let DataType::List(item) = calls.data_type() else {
        unreachable!("a ListArray has a List type")
    };
    Ok(Arc::new(ListArray::try_new(
        item.clone(),
        calls.offsets().clone(),
        Arc::new(flipped),
        calls.nulls().cloned(),
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoReference;

    impl Reference for NoReference {
        fn contig_length(&self, _: &str) -> Option<u64> {
            None
        }

        fn fetch(&mut self, _: &str, _: u64, _: u64) -> Result<Vec<u8>> {
            Ok(Vec::new())
        }
    }

    fn chains() -> Arc<ChainIndex> {
        let text = "chain 1 chr1 1000 + 0 1000 chrA 1000 + 0 1000 1\n1000\n";
        Arc::new(ChainIndex::from_reader(text.as_bytes(), "t.chain").unwrap())
    }

    #[test]
    fn coordinates_array_is_null_where_nothing_lifts() {
        let contig = StringArray::from(vec![Some("chr1"), Some("chr2"), None]);
        let start = Int64Array::from(vec![10, 10, 10]);
        let end = Int64Array::from(vec![20, 20, 20]);
        let out = lift_over_coordinates_array(&chains(), &contig, &start, &end, 0.95).unwrap();
        assert_eq!(out.null_count(), 2);
        assert_eq!(out.column(0).as_string::<i32>().value(0), "chrA");
        assert_eq!(
            out.column(1)
                .as_primitive::<arrow::datatypes::Int64Type>()
                .value(0),
            10
        );
    }

    #[test]
    fn a_column_of_the_wrong_type_is_named() {
        let transform = LiftOverVariants::new(chains(), NoReference, 0.95).unwrap();
        let schema = Schema::new(vec![
            Field::new(CONTIG_NAME, DataType::Utf8, true),
            Field::new(START, DataType::Int32, true),
            Field::new(END, DataType::Int64, true),
            Field::new(REFERENCE_ALLELE, DataType::Utf8, true),
        ]);
        match transform.output_schema(&schema) {
            Err(Error::Column { column, .. }) => assert_eq!(column, START),
            other => panic!("expected a column error, got {other:?}"),
        }
        assert!(LiftOverVariants::new(chains(), NoReference, 1.5).is_err());
    }

    #[test]
    fn only_the_needed_columns_are_required() {
        let mut transform = LiftOverVariants::new(chains(), NoReference, 0.95).unwrap();
        let schema = Arc::new(Schema::new(vec![
            Field::new(CONTIG_NAME, DataType::Utf8, true),
            Field::new(START, DataType::Int64, true),
            Field::new(END, DataType::Int64, true),
            Field::new(REFERENCE_ALLELE, DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec!["chr1", "chr1"])),
                Arc::new(Int64Array::from(vec![5, 5])),
                Arc::new(Int64Array::from(vec![6, 5])),
                Arc::new(StringArray::from(vec!["A", ""])),
            ],
        )
        .unwrap();
        let out = transform.transform(&batch).unwrap();
        assert_eq!(out.num_columns(), 7);
        let status = out.column_by_name(LIFT_OVER_STATUS).unwrap().as_struct();
        let messages = status.column(1).as_string::<i32>();
        // chrA is not in the (empty) reference.
        assert_eq!(messages.value(0), reason::NO_TARGET);
        assert_eq!(messages.value(1), reason::CONVERSION_FAILED);
        assert!(out.column_by_name(SWAPPED_ALLELES).unwrap().is_null(0));
    }
}
