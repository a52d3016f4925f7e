//! Left-aligning and trimming variants against the reference, as Glow's
//! `normalize_variant` function and `normalize_variants` transformer do and
//! as `bcftools norm -f` and `vt normalize` define it.
//!
//! An indel in a repeat can be written at many positions; the normal form is
//! the leftmost one with the fewest bases (Tan et al. 2015, the algorithm of
//! vt). Two passes reach it: while all alleles end in the same base, drop
//! that base, and when an allele runs empty extend every allele on the left
//! with the reference base before it; then drop bases that all alleles share
//! on the left while each keeps at least one.
//!
//! [`Normalizer`] applies this to record batches in Glow's two output
//! layouts, and [`SortWindow`] restores (contig, start) order after the
//! left shifts, within a bounded window as `bcftools norm --site-win` does.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanBuilder, GenericListArray, Int64Array, Int64Builder, ListBuilder,
    RecordBatch, StringArray, StringBuilder, StructArray,
};
use arrow::buffer::NullBuffer;
use arrow::compute;
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema, SchemaRef};
use genolake_core::schema::{ALTERNATE_ALLELES, CONTIG_NAME, END, REFERENCE_ALLELE, START};

use crate::error::{Error, Result};
use crate::fasta::IndexedFasta;

/// Name of the struct column Glow adds when it keeps the original columns.
pub const NORMALIZATION_RESULT: &str = "normalizationResult";
/// Name of the status struct (`changed`, `errorMessage`).
pub const NORMALIZATION_STATUS: &str = "normalizationStatus";
/// Status field: whether normalization changed the variant.
pub const CHANGED: &str = "changed";
/// Status field: why the variant could not be normalized, or null.
pub const ERROR_MESSAGE: &str = "errorMessage";
/// The status Glow gives a row whose REF allele is empty.
pub const NO_ALLELES_MESSAGE: &str = "No REF or ALT alleles found.";
/// How a REF that differs from the reference is reported when
/// [`Normalizer::check_reference`] is on (bcftools' words).
pub const REFERENCE_MISMATCH: &str = "Reference allele mismatch";

/// Bases fetched from the reference each time left-alignment runs off the
/// alleles' left end, as Glow pads: a long repeat costs one fetch per 100
/// bases rather than one per base.
const PAD_WINDOW: u64 = 100;

/// Whether normalization changed a variant, or why it could not run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NormalizationStatus {
    /// True when start, end or alleles differ from the input.
    pub changed: bool,
    /// Set, with `changed` false, when the row could not be normalized.
    pub error_message: Option<String>,
}

/// A variant after normalization, in Glow's coordinates (0-based start,
/// exclusive end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedVariant {
    /// 0-based start of the reference allele.
    pub start: i64,
    /// Exclusive end: the input end less the bases trimmed on the right.
    pub end: i64,
    /// The reference allele.
    pub reference_allele: String,
    /// The alternate alleles, in input order.
    pub alternate_alleles: Vec<String>,
}

/// What [`normalize_variant`] returns: the variant (absent when the row
/// could not be normalized) and its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizationResult {
    /// The normalized variant, or the input unchanged; `None` with an error
    /// message in `status`.
    pub variant: Option<NormalizedVariant>,
    /// Whether it changed, or why it could not be normalized.
    pub status: NormalizationStatus,
}

/// Whether an ALT allele is symbolic (`<DEL>`, `*`, a breakend, `.`): such
/// alleles do not spell bases, so the variant is left as it is. Glow looks
/// for `<`, `>` and `*`; breakends and the missing allele are added because
/// their bracket and dot notation would otherwise be trimmed as if bases.
pub fn is_symbolic(allele: &str) -> bool {
    allele == "."
        || allele
            .bytes()
            .any(|b| matches!(b, b'<' | b'>' | b'*' | b'[' | b']'))
}

/// The internal outcome, without building strings for unchanged rows.
enum Outcome {
    Unchanged,
    Changed {
        start: i64,
        end: i64,
        alleles: Vec<VecDeque<u8>>,
    },
    Error(&'static str),
}

/// Left-aligns and trims one variant against `fasta`.
///
/// `start`/`end` are Glow's 0-based start and exclusive end of `reference`.
/// SNPs, variants with a symbolic ALT and variants whose alleles are all
/// identical come back unchanged; a variant without ALT alleles keeps only
/// the first reference base (Glow's rule). An empty REF gives no variant and
/// the status message [`NO_ALLELES_MESSAGE`]. A contig missing from the
/// FASTA is an error only when the variant needs bases from it.
///
/// ```
/// # fn main() -> genolake_ops::Result<()> {
/// use genolake_ops::{fasta::IndexedFasta, normalize::normalize_variant};
/// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/variantsplitternormalizer-test");
/// # std::env::set_current_dir(dir).unwrap();
/// // Two A's inserted in a run of A's move to the run's left end.
/// let mut fasta = IndexedFasta::open("20_altered.fasta")?;
/// let result = normalize_variant(&mut fasta, "20", 70, 72, "AA", &["AAAA", "AAAAAA"])?;
/// let variant = result.variant.unwrap();
/// assert_eq!((variant.start, variant.end), (66, 67));
/// assert_eq!(variant.reference_allele, "T");
/// assert_eq!(variant.alternate_alleles, ["TAA", "TAAAA"]);
/// # Ok(())
/// # }
/// ```
pub fn normalize_variant(
    fasta: &mut IndexedFasta,
    contig: &str,
    start: i64,
    end: i64,
    reference: &str,
    alternates: &[&str],
) -> Result<NormalizationResult> {
    let unchanged = || NormalizedVariant {
        start,
        end,
        reference_allele: reference.to_string(),
        alternate_alleles: alternates.iter().map(|a| a.to_string()).collect(),
    };
    Ok(
        match normalize(fasta, contig, start, end, reference, alternates)? {
            Outcome::Unchanged => NormalizationResult {
                variant: Some(unchanged()),
                status: NormalizationStatus::default(),
            },
            Outcome::Changed {
                start,
                end,
                mut alleles,
            } => {
                let mut strings = alleles.iter_mut().map(allele_string);
                let reference_allele = strings.next().unwrap_or_default();
                NormalizationResult {
                    variant: Some(NormalizedVariant {
                        start,
                        end,
                        reference_allele,
                        alternate_alleles: strings.collect(),
                    }),
                    status: NormalizationStatus {
                        changed: true,
                        error_message: None,
                    },
                }
            }
            Outcome::Error(message) => NormalizationResult {
                variant: None,
                status: NormalizationStatus {
                    changed: false,
                    error_message: Some(message.to_string()),
                },
            },
        },
    )
}

/// Alleles come from `&str`s and the reference's printable ASCII, so the
/// bytes are UTF-8; the lossy conversion never replaces anything.
fn allele_string(allele: &mut VecDeque<u8>) -> String {
    String::from_utf8_lossy(allele.make_contiguous()).into_owned()
}

fn normalize(
    fasta: &mut IndexedFasta,
    contig: &str,
    start: i64,
    end: i64,
    reference: &str,
    alternates: &[&str],
) -> Result<Outcome> {
    if reference.is_empty() {
        return Ok(Outcome::Error(NO_ALLELES_MESSAGE));
    }
    if alternates.is_empty() {
        // Glow keeps the first base and reports a change even when REF has
        // one base; the end follows the trimmed REF here (Glow leaves it).
        let first = VecDeque::from(vec![reference.as_bytes()[0]]);
        let trimmed = reference.len() as i64 - 1;
        return Ok(Outcome::Changed {
            start,
            end: end - trimmed,
            alleles: vec![first],
        });
    }
    if reference.len() == 1 && alternates.iter().all(|a| a.len() == 1) {
        return Ok(Outcome::Unchanged);
    }
    if alternates.iter().any(|a| is_symbolic(a)) || alternates.iter().all(|a| *a == reference) {
        return Ok(Outcome::Unchanged);
    }
    if alternates.iter().any(|a| a.is_empty()) {
        // An empty ALT is not a VCF allele; padding it would invent bases.
        return Ok(Outcome::Unchanged);
    }
    let last = |a: &str| a.as_bytes()[a.len() - 1];
    let first = |a: &str| a.as_bytes()[0];
    let shared_last = alternates.iter().all(|a| last(a) == last(reference));
    let min_len = alternates
        .iter()
        .map(|a| a.len())
        .min()
        .unwrap_or(1)
        .min(reference.len());
    let shared_first = min_len >= 2 && alternates.iter().all(|a| first(a) == first(reference));
    if !shared_last && !shared_first {
        return Ok(Outcome::Unchanged);
    }

    let mut alleles: Vec<VecDeque<u8>> = std::iter::once(reference)
        .chain(alternates.iter().copied())
        .map(|a| a.bytes().collect())
        .collect();
    let mut pos = start;
    let mut right_trimmed: i64 = 0;
    // Reference bases just left of `pos`, nearest last.
    let mut pad: Vec<u8> = Vec::new();
    while let Some(&base) = alleles[0].back() {
        if !alleles.iter().all(|a| a.back() == Some(&base)) {
            break;
        }
        let empties = alleles.iter().any(|a| a.len() == 1);
        if empties && pos <= 0 {
            // At the contig's first base there is nothing to extend with.
            break;
        }
        for a in &mut alleles {
            a.pop_back();
        }
        right_trimmed += 1;
        if empties {
            if pad.is_empty() {
                let to = pos as u64;
                let from = to.saturating_sub(PAD_WINDOW);
                fasta.fetch_into(contig, from, to, &mut pad)?;
            }
            let Some(base) = pad.pop() else { break };
            for a in &mut alleles {
                a.push_front(base);
            }
            pos -= 1;
        }
    }
    let mut left_trimmed = 0;
    while alleles.iter().all(|a| a.len() >= 2) {
        let base = alleles[0][0];
        if !alleles.iter().all(|a| a[0] == base) {
            break;
        }
        for a in &mut alleles {
            a.pop_front();
        }
        left_trimmed += 1;
    }
    if right_trimmed == 0 && left_trimmed == 0 {
        return Ok(Outcome::Unchanged);
    }
    Ok(Outcome::Changed {
        start: pos + left_trimmed,
        end: end - right_trimmed,
        alleles,
    })
}

/// The type of the `normalizationStatus` struct.
pub fn status_fields() -> Fields {
    Fields::from(vec![
        Field::new(CHANGED, DataType::Boolean, true),
        Field::new(ERROR_MESSAGE, DataType::Utf8, true),
    ])
}

/// Normalizes record batches of Glow's variant table.
///
/// Like Glow's `normalize_variants` transformer with `replace_columns`
/// true (the default), `start`, `end`, `referenceAllele` and
/// `alternateAlleles` take the normalized values where the variant changed
/// and a `normalizationStatus {changed, errorMessage}` column is added; with
/// `replace_columns(false)` they stay and a `normalizationResult` struct
/// (`start`, `end`, `referenceAllele`, `alternateAlleles`,
/// `normalizationStatus`) is added, as `normalize_variant` returns it. Only
/// `contigName`, `start`, `end`, `referenceAllele` and `alternateAlleles`
/// are read; every other column passes through. A row with a null in any of
/// them gets a null result (a null status), as Glow's null-safe expression.
/// Multiallelic rows are normalized as a whole, as `bcftools norm` without
/// `-m` does.
pub struct Normalizer {
    fasta: IndexedFasta,
    replace_columns: bool,
    check_reference: bool,
    /// Reused for the reference bases under a REF.
    reference_bases: Vec<u8>,
}

impl std::fmt::Debug for Normalizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Normalizer")
            .field("fasta", &self.fasta.path())
            .field("replace_columns", &self.replace_columns)
            .finish()
    }
}

/// The columns normalization reads, checked for type.
struct Inputs<'a> {
    contig: &'a StringArray,
    start: &'a Int64Array,
    end: &'a Int64Array,
    reference: &'a StringArray,
    alternates: &'a GenericListArray<i32>,
    alternate_values: &'a StringArray,
    alternates_item: FieldRef,
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str, expected: &str) -> Result<&'a T> {
    let array = batch.column_by_name(name).ok_or_else(|| Error::Column {
        column: name.to_string(),
        message: "missing; normalization needs it".to_string(),
    })?;
    array
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| Error::Column {
            column: name.to_string(),
            message: format!("expected {expected}, found {}", array.data_type()),
        })
}

impl<'a> Inputs<'a> {
    fn of(batch: &'a RecordBatch) -> Result<Self> {
        let alternates: &GenericListArray<i32> = column(batch, ALTERNATE_ALLELES, "List<Utf8>")?;
        let alternate_values = alternates
            .values()
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| Error::Column {
                column: ALTERNATE_ALLELES.to_string(),
                message: format!("expected List<Utf8>, found {}", alternates.data_type()),
            })?;
        let alternates_item = match alternates.data_type() {
            DataType::List(item) => item.clone(),
            _ => Arc::new(Field::new_list_field(DataType::Utf8, true)),
        };
        Ok(Self {
            contig: column(batch, CONTIG_NAME, "Utf8")?,
            start: column(batch, START, "Int64")?,
            end: column(batch, END, "Int64")?,
            reference: column(batch, REFERENCE_ALLELE, "Utf8")?,
            alternates,
            alternate_values,
            alternates_item,
        })
    }

    fn is_null(&self, row: usize) -> bool {
        self.contig.is_null(row)
            || self.start.is_null(row)
            || self.end.is_null(row)
            || self.reference.is_null(row)
            || self.alternates.is_null(row)
    }
}

/// Builders of the four variant columns.
struct VariantBuilders {
    start: Int64Builder,
    end: Int64Builder,
    reference: StringBuilder,
    alternates: ListBuilder<StringBuilder>,
}

impl VariantBuilders {
    fn new(rows: usize, item: FieldRef) -> Self {
        Self {
            start: Int64Builder::with_capacity(rows),
            end: Int64Builder::with_capacity(rows),
            reference: StringBuilder::with_capacity(rows, rows * 2),
            alternates: ListBuilder::with_capacity(StringBuilder::new(), rows).with_field(item),
        }
    }

    fn append_null(&mut self) {
        self.start.append_null();
        self.end.append_null();
        self.reference.append_null();
        self.alternates.append_null();
    }

    /// Copies the input row as it is, nulls included.
    fn append_input(&mut self, inputs: &Inputs, row: usize) {
        self.start
            .append_option(inputs.start.is_valid(row).then(|| inputs.start.value(row)));
        self.end
            .append_option(inputs.end.is_valid(row).then(|| inputs.end.value(row)));
        self.reference.append_option(
            inputs
                .reference
                .is_valid(row)
                .then(|| inputs.reference.value(row)),
        );
        if inputs.alternates.is_valid(row) {
            let offsets = inputs.alternates.value_offsets();
            for i in offsets[row] as usize..offsets[row + 1] as usize {
                let values = inputs.alternate_values;
                self.alternates
                    .values()
                    .append_option(values.is_valid(i).then(|| values.value(i)));
            }
            self.alternates.append(true);
        } else {
            self.alternates.append_null();
        }
    }

    fn append_changed(&mut self, start: i64, end: i64, alleles: &mut [VecDeque<u8>]) {
        self.start.append_value(start);
        self.end.append_value(end);
        let mut strings = alleles.iter_mut().map(allele_string);
        self.reference
            .append_value(strings.next().unwrap_or_default());
        for alt in strings {
            self.alternates.values().append_value(alt);
        }
        self.alternates.append(true);
    }

    fn finish(mut self) -> [ArrayRef; 4] {
        [
            Arc::new(self.start.finish()),
            Arc::new(self.end.finish()),
            Arc::new(self.reference.finish()),
            Arc::new(self.alternates.finish()),
        ]
    }
}

impl Normalizer {
    /// A normalizer against `fasta` that replaces the variant columns
    /// (Glow's default `replace_columns=true`).
    pub fn new(fasta: IndexedFasta) -> Self {
        Self {
            fasta,
            replace_columns: true,
            check_reference: false,
            reference_bases: Vec::new(),
        }
    }

    /// Check each REF against the reference first, as `bcftools norm -f`
    /// does (Glow does not): a row whose REF differs keeps its alleles,
    /// with `changed` false and an `errorMessage` starting
    /// [`REFERENCE_MISMATCH`]. REF and reference are compared without
    /// regard to case; an `N` on either side matches any base.
    pub fn check_reference(mut self, check: bool) -> Self {
        self.check_reference = check;
        self
    }

    /// Glow's `replace_columns` option: false keeps the input columns and
    /// adds a `normalizationResult` struct instead.
    pub fn replace_columns(mut self, replace: bool) -> Self {
        self.replace_columns = replace;
        self
    }

    /// The reference it normalizes against.
    pub fn fasta(&mut self) -> &mut IndexedFasta {
        &mut self.fasta
    }

    /// The schema of the batches [`transform`](Self::transform) returns for
    /// input of schema `input`.
    pub fn output_schema(&self, input: &Schema) -> Result<SchemaRef> {
        Self::output_schema_for(input, self.replace_columns)
    }

    /// The schema a normalizer with `replace_columns` returns for input of
    /// schema `input`: no reference is needed to tell it (SQL asks while
    /// planning).
    pub fn output_schema_for(input: &Schema, replace_columns: bool) -> Result<SchemaRef> {
        let status = Field::new(
            NORMALIZATION_STATUS,
            DataType::Struct(status_fields()),
            true,
        );
        let mut fields: Vec<FieldRef> = input
            .fields()
            .iter()
            .filter(|f| {
                let replaced = if replace_columns {
                    NORMALIZATION_STATUS
                } else {
                    NORMALIZATION_RESULT
                };
                f.name() != replaced
            })
            .cloned()
            .collect();
        let find = |name: &str| -> Result<FieldRef> {
            input
                .field_with_name(name)
                .map(|f| Arc::new(f.clone()))
                .map_err(|_| Error::Column {
                    column: name.to_string(),
                    message: "missing; normalization needs it".to_string(),
                })
        };
        let variant_fields = [
            find(START)?,
            find(END)?,
            find(REFERENCE_ALLELE)?,
            find(ALTERNATE_ALLELES)?,
        ];
        find(CONTIG_NAME)?;
        if replace_columns {
            fields.push(Arc::new(status));
        } else {
            let mut inner: Vec<FieldRef> = variant_fields
                .iter()
                .map(|f| Arc::new(f.as_ref().clone().with_nullable(true)))
                .collect();
            inner.push(Arc::new(status));
            fields.push(Arc::new(Field::new(
                NORMALIZATION_RESULT,
                DataType::Struct(Fields::from(inner)),
                true,
            )));
        }
        Ok(Arc::new(Schema::new_with_metadata(
            fields,
            input.metadata().clone(),
        )))
    }

    /// The message for a REF that differs from the reference at `start`
    /// (`None` when they agree).
    fn reference_mismatch(
        &mut self,
        contig: &str,
        start: i64,
        reference: &str,
    ) -> Result<Option<String>> {
        let Ok(from) = u64::try_from(start) else {
            return Ok(Some(format!(
                "{REFERENCE_MISMATCH} at {contig}:{}: the position is before the contig",
                start + 1
            )));
        };
        let to = from + reference.len() as u64;
        if self
            .fasta
            .contig_length(contig)
            .is_some_and(|length| to > length)
        {
            return Ok(Some(format!(
                "{REFERENCE_MISMATCH} at {contig}:{}: REF {reference} runs past the contig's end",
                start + 1
            )));
        }
        self.reference_bases.clear();
        self.fasta
            .fetch_into(contig, from, to, &mut self.reference_bases)?;
        let agree = reference.bytes().zip(&self.reference_bases).all(|(a, &b)| {
            a.eq_ignore_ascii_case(&b) || a.eq_ignore_ascii_case(&b'N') || b == b'N'
        });
        Ok((!agree).then(|| {
            format!(
                "{REFERENCE_MISMATCH} at {contig}:{}: REF {reference}, the reference has {}",
                start + 1,
                String::from_utf8_lossy(&self.reference_bases)
            )
        }))
    }

    /// Normalizes every row of `batch`.
    pub fn transform(&mut self, batch: &RecordBatch) -> Result<RecordBatch> {
        let schema = self.output_schema(&batch.schema())?;
        let inputs = Inputs::of(batch)?;
        let rows = batch.num_rows();
        let mut variant = VariantBuilders::new(rows, inputs.alternates_item.clone());
        let mut changed = BooleanBuilder::with_capacity(rows);
        let mut message = StringBuilder::new();
        let mut valid = Vec::with_capacity(rows);
        let mut alternates: Vec<&str> = Vec::new();
        for row in 0..rows {
            if inputs.is_null(row) {
                if self.replace_columns {
                    variant.append_input(&inputs, row);
                } else {
                    variant.append_null();
                }
                changed.append_null();
                message.append_null();
                valid.push(false);
                continue;
            }
            alternates.clear();
            let offsets = inputs.alternates.value_offsets();
            for i in offsets[row] as usize..offsets[row + 1] as usize {
                // A null inside the list is VCF's missing allele.
                alternates.push(if inputs.alternate_values.is_valid(i) {
                    inputs.alternate_values.value(i)
                } else {
                    "."
                });
            }
            let mismatch = match self.check_reference {
                true => self.reference_mismatch(
                    inputs.contig.value(row),
                    inputs.start.value(row),
                    inputs.reference.value(row),
                )?,
                false => None,
            };
            valid.push(true);
            if let Some(text) = mismatch {
                variant.append_input(&inputs, row);
                changed.append_value(false);
                message.append_value(text);
                continue;
            }
            let outcome = normalize(
                &mut self.fasta,
                inputs.contig.value(row),
                inputs.start.value(row),
                inputs.end.value(row),
                inputs.reference.value(row),
                &alternates,
            )?;
            match outcome {
                Outcome::Unchanged => {
                    variant.append_input(&inputs, row);
                    changed.append_value(false);
                    message.append_null();
                }
                Outcome::Changed {
                    start,
                    end,
                    mut alleles,
                } => {
                    variant.append_changed(start, end, &mut alleles);
                    changed.append_value(true);
                    message.append_null();
                }
                Outcome::Error(text) => {
                    if self.replace_columns {
                        variant.append_input(&inputs, row);
                    } else {
                        variant.append_null();
                    }
                    changed.append_value(false);
                    message.append_value(text);
                }
            }
        }
        let nulls = NullBuffer::from(valid);
        let status = StructArray::try_new(
            status_fields(),
            vec![Arc::new(changed.finish()), Arc::new(message.finish())],
            Some(nulls.clone()),
        )?;
        let [start, end, reference, alternates] = variant.finish();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        for field in schema.fields() {
            let name = field.name().as_str();
            let array: ArrayRef = match name {
                START if self.replace_columns => start.clone(),
                END if self.replace_columns => end.clone(),
                REFERENCE_ALLELE if self.replace_columns => reference.clone(),
                ALTERNATE_ALLELES if self.replace_columns => alternates.clone(),
                NORMALIZATION_STATUS if self.replace_columns => Arc::new(status.clone()),
                NORMALIZATION_RESULT if !self.replace_columns => {
                    let DataType::Struct(fields) = field.data_type() else {
                        return Err(Error::Invalid(format!(
                            "{NORMALIZATION_RESULT} is not a struct"
                        )));
                    };
                    Arc::new(StructArray::try_new(
                        fields.clone(),
                        vec![
                            start.clone(),
                            end.clone(),
                            reference.clone(),
                            alternates.clone(),
                            Arc::new(status.clone()),
                        ],
                        Some(nulls.clone()),
                    )?)
                }
                _ => batch
                    .column_by_name(name)
                    .cloned()
                    .ok_or_else(|| Error::Invalid(format!("column {name} vanished")))?,
            };
            columns.push(array);
        }
        Ok(RecordBatch::try_new(schema, columns)?)
    }
}

/// Restores (contig, start) order to a stream of rows that left-alignment
/// moved, holding back only the rows a later one could still precede.
///
/// Input is assumed sorted before normalization, so a later row starts no
/// more than the window before the largest start seen on its contig; rows
/// that start at least `window` bases before that largest start are
/// emitted, sorted (stably, so ties keep input order), and the rest wait.
/// A new contig releases all rows of the previous one. Memory is bounded by
/// the rows within one window. `bcftools norm --site-win` does the same,
/// with 1000 bp by default ([`SortWindow::DEFAULT_WINDOW`]). A row moved
/// further than the window is still emitted, out of order, and counted in
/// [`unsorted_rows`](Self::unsorted_rows).
#[derive(Debug)]
pub struct SortWindow {
    window: i64,
    /// Rows held back, in input order: slices of input batches, or one
    /// batch of rows taken out of order.
    pending: Vec<RecordBatch>,
    last: Option<(String, i64)>,
    unsorted: u64,
}

impl SortWindow {
    /// `bcftools norm`'s default `--site-win`.
    pub const DEFAULT_WINDOW: u64 = 1000;

    /// A sorter holding rows within `window` bases of the furthest start.
    pub fn new(window: u64) -> Self {
        Self {
            window: i64::try_from(window).unwrap_or(i64::MAX),
            pending: Vec::new(),
            last: None,
            unsorted: 0,
        }
    }

    /// Rows emitted after a row of the same contig with a larger start
    /// because they moved further left than the window.
    pub fn unsorted_rows(&self) -> u64 {
        self.unsorted
    }

    /// Adds `batch`; returns the rows now known to be in their place (none,
    /// or one or more batches).
    ///
    /// Rows already in order come out as slices of the input, without a
    /// copy; when some moved, the rows released are gathered into one
    /// batch, copied once.
    pub fn push(&mut self, batch: RecordBatch) -> Result<Vec<RecordBatch>> {
        if batch.num_rows() > 0 {
            self.pending.push(batch);
        }
        self.release(false)
    }

    /// Returns every row still held, sorted.
    pub fn finish(&mut self) -> Result<Vec<RecordBatch>> {
        self.release(true)
    }

    fn release(&mut self, all: bool) -> Result<Vec<RecordBatch>> {
        if self.pending.is_empty() {
            return Ok(Vec::new());
        }
        let mut contigs: Vec<&StringArray> = Vec::with_capacity(self.pending.len());
        let mut starts: Vec<&Int64Array> = Vec::with_capacity(self.pending.len());
        for batch in &self.pending {
            let contig: &StringArray = column(batch, CONTIG_NAME, "Utf8")?;
            let start: &Int64Array = column(batch, START, "Int64")?;
            if let Some(row) =
                (0..batch.num_rows()).find(|&r| contig.is_null(r) || start.is_null(r))
            {
                return Err(Error::Column {
                    column: if contig.is_null(row) {
                        CONTIG_NAME
                    } else {
                        START
                    }
                    .to_string(),
                    message: format!("null in row {row}; rows without a position cannot be sorted"),
                });
            }
            contigs.push(contig);
            starts.push(start);
        }
        // Every held row, in input order, as (batch, row).
        let rows: Vec<(usize, usize)> = self
            .pending
            .iter()
            .enumerate()
            .flat_map(|(b, batch)| (0..batch.num_rows()).map(move |r| (b, r)))
            .collect();
        let contig_of = |(b, r): (usize, usize)| contigs[b].value(r);
        let start_of = |(b, r): (usize, usize)| starts[b].value(r);
        // Runs of one contig, in input order.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for i in 0..rows.len() {
            match runs.last_mut() {
                Some((_, end)) if contig_of(rows[i]) == contig_of(rows[*end - 1]) => *end = i + 1,
                _ => runs.push((i, i + 1)),
            }
        }
        let mut emit: Vec<usize> = Vec::with_capacity(rows.len());
        let mut keep: Vec<usize> = Vec::new();
        let last_run = runs.len().saturating_sub(1);
        for (i, &(from, to)) in runs.iter().enumerate() {
            let mut order: Vec<usize> = (from..to).collect();
            // Stable: ties keep input order.
            order.sort_by_key(|&k| start_of(rows[k]));
            if i == last_run && !all {
                let max = order.last().map_or(i64::MIN, |&k| start_of(rows[k]));
                let ready = order
                    .partition_point(|&k| start_of(rows[k]).saturating_add(self.window) <= max);
                keep.extend_from_slice(&order[ready..]);
                order.truncate(ready);
            }
            for &k in &order {
                let (name, pos) = (contig_of(rows[k]), start_of(rows[k]));
                if let Some((last_name, last_pos)) = &self.last
                    && last_name == name
                    && pos < *last_pos
                {
                    self.unsorted += 1;
                }
                match &mut self.last {
                    Some((last_name, last_pos)) if last_name == name => *last_pos = pos,
                    _ => self.last = Some((name.to_string(), pos)),
                }
            }
            emit.extend_from_slice(&order);
        }
        let out = self.gather(&rows, &emit, 0)?;
        let held = self.gather(&rows, &keep, rows.len() - keep.len())?;
        self.pending = held;
        Ok(out)
    }

    /// The rows `picked` (positions into `rows`) as batches: slices of the
    /// held batches when they are exactly the rows `from..` in input order,
    /// else one batch gathered from them.
    fn gather(
        &self,
        rows: &[(usize, usize)],
        picked: &[usize],
        from: usize,
    ) -> Result<Vec<RecordBatch>> {
        if picked.is_empty() {
            return Ok(Vec::new());
        }
        let in_place = picked.iter().enumerate().all(|(i, &k)| k == from + i);
        if !in_place {
            let batches: Vec<&RecordBatch> = self.pending.iter().collect();
            let indices: Vec<(usize, usize)> = picked.iter().map(|&k| rows[k]).collect();
            return Ok(vec![compute::interleave_record_batch(&batches, &indices)?]);
        }
        // A contiguous run of rows in input order: a slice of each batch.
        let mut out = Vec::new();
        let (first, last) = (rows[from], rows[from + picked.len() - 1]);
        for b in first.0..=last.0 {
            let batch = &self.pending[b];
            let start = if b == first.0 { first.1 } else { 0 };
            let end = if b == last.0 {
                last.1 + 1
            } else {
                batch.num_rows()
            };
            out.push(batch.slice(start, end - start));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbolic_alleles() {
        for a in [
            "<DEL>",
            "*",
            "<NON_REF>",
            "G]17:198982]",
            "]13:123456]T",
            ".",
        ] {
            assert!(is_symbolic(a), "{a}");
        }
        for a in ["A", "ACGT", "N"] {
            assert!(!is_symbolic(a), "{a}");
        }
    }

    fn batch(contigs: &[&str], starts: &[i64]) -> RecordBatch {
        RecordBatch::try_from_iter([
            (
                CONTIG_NAME,
                Arc::new(StringArray::from(contigs.to_vec())) as ArrayRef,
            ),
            (
                START,
                Arc::new(Int64Array::from(starts.to_vec())) as ArrayRef,
            ),
        ])
        .unwrap()
    }

    fn rows(batches: &[RecordBatch]) -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for b in batches {
            let c: &StringArray = column(b, CONTIG_NAME, "").unwrap();
            let s: &Int64Array = column(b, START, "").unwrap();
            for r in 0..b.num_rows() {
                out.push((c.value(r).to_string(), s.value(r)));
            }
        }
        out
    }

    #[test]
    fn sort_window_holds_rows_only_within_the_window() {
        let mut sorter = SortWindow::new(10);
        let mut out = Vec::new();
        out.extend(sorter.push(batch(&["1", "1", "1"], &[5, 20, 14])).unwrap());
        // 5 is more than 10 before 20: out; 14 and 20 wait.
        assert_eq!(rows(&out), [("1".to_string(), 5)]);
        out.extend(sorter.push(batch(&["1", "1", "2"], &[12, 40, 3])).unwrap());
        out.extend(sorter.push(batch(&["2", "2"], &[1, 2])).unwrap());
        out.extend(sorter.finish().unwrap());
        let want: Vec<(String, i64)> = [
            ("1", 5),
            ("1", 12),
            ("1", 14),
            ("1", 20),
            ("1", 40),
            ("2", 1),
            ("2", 2),
            ("2", 3),
        ]
        .iter()
        .map(|&(c, s)| (c.to_string(), s))
        .collect();
        assert_eq!(rows(&out), want);
        assert_eq!(sorter.unsorted_rows(), 0);
    }

    #[test]
    fn sort_window_counts_rows_moved_past_the_window() {
        let mut sorter = SortWindow::new(10);
        let mut out = Vec::new();
        out.extend(sorter.push(batch(&["1", "1"], &[100, 200])).unwrap());
        out.extend(sorter.push(batch(&["1"], &[50])).unwrap());
        out.extend(sorter.finish().unwrap());
        assert_eq!(rows(&out).len(), 3);
        assert_eq!(sorter.unsorted_rows(), 1);
    }

    proptest::proptest! {
        /// Rows shifted left by at most the window, pushed in batches of
        /// any size, come out sorted by start (ties in input order), each
        /// exactly once, whether released as slices or gathered.
        #[test]
        fn the_window_sorts_whatever_the_batches(
            steps in proptest::collection::vec(0i64..50, 1..200),
            shifts in proptest::collection::vec(0i64..100, 200),
            cuts in proptest::collection::vec(1usize..40, 1..20),
        ) {
            let window = 100;
            let mut position = 1000;
            let starts: Vec<i64> = steps
                .iter()
                .zip(&shifts)
                .map(|(step, shift)| {
                    position += step;
                    position - shift
                })
                .collect();
            let contigs = vec!["1"; starts.len()];
            let all = batch(&contigs, &starts);
            let mut sorter = SortWindow::new(window);
            let mut out = Vec::new();
            let (mut at, mut cut) = (0, cuts.iter().cycle());
            while at < starts.len() {
                let n = (*cut.next().unwrap()).min(starts.len() - at);
                out.extend(sorter.push(all.slice(at, n)).unwrap());
                at += n;
            }
            out.extend(sorter.finish().unwrap());
            let mut expected: Vec<(i64, usize)> =
                starts.iter().copied().zip(0..).collect();
            expected.sort_by_key(|&(start, _)| start);
            let got: Vec<i64> = rows(&out).into_iter().map(|(_, start)| start).collect();
            let want: Vec<i64> = expected.iter().map(|&(start, _)| start).collect();
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(sorter.unsorted_rows(), 0);
        }
    }
}
