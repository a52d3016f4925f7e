//! The per-batch work of a withdrawal: the withdrawn samples' genotypes out
//! of every row (Glow or matrix layout), or their rows out of a table keyed
//! by `sampleId`, and the INFO statistics that counted them.
//!
//! Every other value is copied unchanged: a kept sample's genotype struct
//! (Glow) or its bytes of `calls` and `phased` and its element of each
//! per-sample list (matrix) are the very values read, so the remaining
//! genotypes are byte-for-byte what they were. A matrix row keeps its
//! `callsPloidy` and integer width even if only the withdrawn samples
//! needed them: every value of the row still decodes the same way.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BooleanArray, Float32Array, Float64Array, Int32Array,
    Int64Array, LargeStringArray, ListArray, RecordBatch, StringArray, StringViewArray,
    new_null_array,
};
use arrow::buffer::{Buffer, NullBuffer, OffsetBuffer};
use arrow::compute::{filter, filter_record_batch};
use arrow::datatypes::{DataType, Field, FieldRef, Int32Type, SchemaRef};
use arrow::error::ArrowError;
use genolake_core::matrix::{CALLS_PLOIDY, Encoding, MatrixLayout};
use genolake_core::schema::{CALLS, GENOTYPES, SAMPLE_ID};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type Result<T> = std::result::Result<T, ArrowError>;

fn invalid(message: String) -> ArrowError {
    ArrowError::InvalidArgumentError(message)
}

/// The samples a withdrawal removes, and what it found of them.
pub(crate) struct Withdrawn {
    index: HashMap<String, usize>,
    found: Vec<AtomicBool>,
    /// Genotypes (variant tables) or rows (sample tables) removed.
    pub(crate) removed: AtomicU64,
}

impl Withdrawn {
    pub(crate) fn new(ids: &[String]) -> Self {
        let index: HashMap<String, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        Self {
            found: (0..ids.len()).map(|_| AtomicBool::new(false)).collect(),
            index,
            removed: AtomicU64::new(0),
        }
    }

    /// Whether `id` is withdrawn; marks it found.
    fn take(&self, id: &str) -> bool {
        match self.index.get(id) {
            Some(&i) => {
                self.found[i].store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Whether `id` is withdrawn, without marking it.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// How many of the withdrawn samples were seen.
    pub(crate) fn found(&self) -> usize {
        self.found
            .iter()
            .filter(|f| f.load(Ordering::Relaxed))
            .count()
    }
}

/// The hex SHA-256 of `salt` followed by the UTF-8 bytes of `id`: how a
/// withdrawal records an id without disclosing it.
pub(crate) fn hashed_id(salt: &[u8], id: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(id.as_bytes());
    let digest = hasher.finalize();
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        use std::fmt::Write;
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A string column of any of Arrow's three string types.
pub(crate) enum Strings<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    pub(crate) fn of(array: &'a dyn Array, what: &str) -> Result<Self> {
        match array.data_type() {
            DataType::Utf8 => Ok(Strings::Utf8(array.as_string::<i32>())),
            DataType::LargeUtf8 => Ok(Strings::Large(array.as_string::<i64>())),
            DataType::Utf8View => Ok(Strings::View(array.as_string_view())),
            other => Err(invalid(format!("{what} is {other}, not a string column"))),
        }
    }

    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }

    /// Whether the `len` values from `a` equal those from `b` (a row of
    /// sample ids against the previous row's).
    fn same_run(&self, a: usize, b: usize, len: usize) -> bool {
        if let Strings::Utf8(array) = self
            && array.null_count() == 0
        {
            let offsets = array.value_offsets();
            let data = array.value_data();
            let bytes = |s: usize| &data[offsets[s] as usize..offsets[s + len] as usize];
            return bytes(a) == bytes(b)
                && (0..len)
                    .all(|i| offsets[a + i + 1] - offsets[a] == offsets[b + i + 1] - offsets[b]);
        }
        (0..len).all(|i| self.get(a + i) == self.get(b + i))
    }
}

/// The INFO columns of a variant table a withdrawal recomputed from the
/// remaining genotypes, and those it set to null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoFields {
    /// Recomputed: `INFO_AC`, `INFO_AN`, `INFO_AF` where the table has them.
    pub recomputed: Vec<String>,
    /// Set to null: other INFO columns that summarise the genotypes.
    pub dropped: Vec<String>,
}

/// The INFO columns a withdrawal recomputes or nulls.
#[derive(Debug, Clone, Default)]
pub(crate) struct InfoPlan {
    ac: Option<usize>,
    an: Option<usize>,
    af: Option<usize>,
    dropped: Vec<usize>,
    /// Names recomputed and dropped, for the record.
    pub(crate) recomputed_names: Vec<String>,
    pub(crate) dropped_names: Vec<String>,
}

/// INFO keys that summarise the genotypes and that a withdrawal cannot
/// recompute from them: set to null. Besides these, any key that starts
/// with `AC_`, `AN_` or `AF_` or ends with `_AC`, `_AN` or `_AF`
/// (per-population counts and frequencies).
const DROPPED_INFO: &[&str] = &[
    "MLEAC",
    "MLEAF",
    "NS",
    "DP",
    "InbreedingCoeff",
    "ExcessHet",
    "ExcHet",
    "HWE",
    "F_MISSING",
    "MAF",
    "AC_Het",
    "AC_Hom",
    "AC_Hemi",
    "nhet",
    "nhomalt",
];

fn is_dropped(key: &str) -> bool {
    DROPPED_INFO.contains(&key)
        || ["AC_", "AN_", "AF_"].iter().any(|p| key.starts_with(p))
        || ["_AC", "_AN", "_AF"].iter().any(|s| key.ends_with(s))
}

fn list_item(data_type: &DataType) -> Option<&DataType> {
    match data_type {
        DataType::List(item) => Some(item.data_type()),
        _ => None,
    }
}

impl InfoPlan {
    /// The plan for a variant table of `schema`.
    pub(crate) fn of(schema: &SchemaRef) -> Self {
        let mut plan = InfoPlan::default();
        for (i, field) in schema.fields().iter().enumerate() {
            let Some(key) = field.name().strip_prefix("INFO_") else {
                continue;
            };
            let data_type = field.data_type();
            let recomputable = match key {
                "AC" => {
                    matches!(data_type, DataType::Int32)
                        || list_item(data_type) == Some(&DataType::Int32)
                }
                "AN" => matches!(data_type, DataType::Int32 | DataType::Int64),
                "AF" => {
                    matches!(data_type, DataType::Float64 | DataType::Float32)
                        || matches!(
                            list_item(data_type),
                            Some(DataType::Float64 | DataType::Float32)
                        )
                }
                _ => false,
            };
            if recomputable {
                match key {
                    "AC" => plan.ac = Some(i),
                    "AN" => plan.an = Some(i),
                    _ => plan.af = Some(i),
                }
                plan.recomputed_names.push(field.name().clone());
            } else if matches!(key, "AC" | "AN" | "AF") || is_dropped(key) {
                plan.dropped.push(i);
                plan.dropped_names.push(field.name().clone());
            }
        }
        plan
    }

    fn needs_counts(&self) -> bool {
        self.ac.is_some() || self.an.is_some() || self.af.is_some()
    }

    /// `columns` with the recomputed and dropped INFO columns replaced.
    fn apply(
        &self,
        schema: &SchemaRef,
        columns: &mut [ArrayRef],
        counts: &[Option<AlleleCounts>],
    ) -> Result<()> {
        let rows = counts.len();
        for &i in &self.dropped {
            columns[i] = new_null_array(schema.field(i).data_type(), rows);
        }
        if let Some(i) = self.an {
            let old = &columns[i];
            let values = (0..rows).map(|r| {
                if old.is_null(r) {
                    None
                } else {
                    counts[r].as_ref().map(|c| c.an)
                }
            });
            columns[i] = match old.data_type() {
                DataType::Int64 => Arc::new(values.collect::<Int64Array>()),
                _ => Arc::new(
                    values
                        .map(|v| v.and_then(|v| i32::try_from(v).ok()))
                        .collect::<Int32Array>(),
                ),
            };
        }
        if let Some(i) = self.ac {
            let old = Arc::clone(&columns[i]);
            columns[i] = per_allele(&old, &schema.fields()[i], counts, |c, alt| {
                Some(c.ac.get(alt).copied().unwrap_or(0) as f64)
            })?;
        }
        if let Some(i) = self.af {
            let old = Arc::clone(&columns[i]);
            columns[i] = per_allele(&old, &schema.fields()[i], counts, |c, alt| {
                (c.an > 0).then(|| c.ac.get(alt).copied().unwrap_or(0) as f64 / c.an as f64)
            })?;
        }
        Ok(())
    }
}

/// A per-ALT INFO column (or its Number=1 scalar form) recomputed by
/// `value(counts, alt index)`, one value per ALT the old row had; a row
/// null before, or without counts, is null.
fn per_allele(
    old: &ArrayRef,
    field: &FieldRef,
    counts: &[Option<AlleleCounts>],
    value: impl Fn(&AlleleCounts, usize) -> Option<f64>,
) -> Result<ArrayRef> {
    let rows = counts.len();
    let cell = |r: usize, alt: usize| counts[r].as_ref().and_then(|c| value(c, alt));
    let array: ArrayRef = match old.data_type() {
        DataType::Int32 => Arc::new(
            (0..rows)
                .map(|r| if old.is_null(r) { None } else { cell(r, 0) }.map(|v| v as i32))
                .collect::<Int32Array>(),
        ),
        DataType::Float64 => Arc::new(
            (0..rows)
                .map(|r| if old.is_null(r) { None } else { cell(r, 0) })
                .collect::<Float64Array>(),
        ),
        DataType::Float32 => Arc::new(
            (0..rows)
                .map(|r| if old.is_null(r) { None } else { cell(r, 0) }.map(|v| v as f32))
                .collect::<Float32Array>(),
        ),
        DataType::List(item) => {
            let list = old.as_list::<i32>();
            let mut lengths = Vec::with_capacity(rows);
            let mut valid = Vec::with_capacity(rows);
            let mut values: Vec<Option<f64>> = Vec::new();
            for (r, row_counts) in counts.iter().enumerate() {
                let present = list.is_valid(r) && row_counts.is_some();
                let alts = if present {
                    list.value_length(r) as usize
                } else {
                    0
                };
                // A frequency with no called allele has no value: the row is null.
                let row: Vec<Option<f64>> = (0..alts).map(|alt| cell(r, alt)).collect();
                let present = present && row.iter().all(Option::is_some);
                valid.push(present);
                if present {
                    lengths.push(alts);
                    values.extend(row);
                } else {
                    lengths.push(0);
                }
            }
            let values: ArrayRef = match item.data_type() {
                DataType::Int32 => Arc::new(
                    values
                        .into_iter()
                        .map(|v| v.map(|v| v as i32))
                        .collect::<Int32Array>(),
                ),
                DataType::Float32 => Arc::new(
                    values
                        .into_iter()
                        .map(|v| v.map(|v| v as f32))
                        .collect::<Float32Array>(),
                ),
                _ => Arc::new(values.into_iter().collect::<Float64Array>()),
            };
            Arc::new(ListArray::try_new(
                Arc::clone(item),
                OffsetBuffer::from_lengths(lengths),
                values,
                Some(NullBuffer::from(valid)),
            )?)
        }
        other => {
            return Err(invalid(format!(
                "cannot recompute {} of type {other}",
                field.name()
            )));
        }
    };
    Ok(array)
}

/// One row's called alleles: how many (AN) and how many of each ALT (AC,
/// index 0 for the first ALT).
#[derive(Debug, Clone, Default)]
pub(crate) struct AlleleCounts {
    an: i64,
    ac: Vec<i64>,
}

impl AlleleCounts {
    fn add(&mut self, allele: i32) {
        if allele < 0 {
            return;
        }
        self.an += 1;
        if allele > 0 {
            let alt = allele as usize - 1;
            if self.ac.len() <= alt {
                self.ac.resize(alt + 1, 0);
            }
            self.ac[alt] += 1;
        }
    }
}

/// What a table holds per sample, and where.
pub(crate) enum Shape {
    /// Glow's layout: `genotypes` (column index) whose structs have
    /// `sampleId` (field index) and maybe `calls`.
    Glow {
        genotypes: usize,
        sample_id: usize,
        calls: Option<usize>,
    },
    /// The matrix layout: the positions of its per-sample columns.
    Matrix(MatrixShape),
    /// A table keyed by `sampleId` (column index).
    Samples { sample_id: usize },
}

/// The per-sample columns of a matrix table and the samples kept.
pub(crate) struct MatrixShape {
    samples: usize,
    /// The kept samples, as runs of consecutive indices.
    runs: Vec<Range<usize>>,
    kept: usize,
    calls: Option<(usize, usize)>,
    phased: Option<usize>,
    per_sample: Vec<usize>,
}

impl MatrixShape {
    /// The shape of a matrix table of `schema` in `layout` holding `ids`
    /// (the sample list), of which `withdrawn` go.
    pub(crate) fn new(
        schema: &SchemaRef,
        layout: &MatrixLayout,
        ids: &[String],
        withdrawn: &Withdrawn,
    ) -> Result<Self> {
        let mut runs: Vec<Range<usize>> = Vec::new();
        let mut kept = 0;
        for (i, id) in ids.iter().enumerate() {
            if withdrawn.take(id) {
                continue;
            }
            kept += 1;
            match runs.last_mut() {
                Some(run) if run.end == i => run.end = i + 1,
                _ => runs.push(i..i + 1),
            }
        }
        let index = |name: &str| {
            schema
                .index_of(name)
                .map_err(|_| invalid(format!("the matrix table has no column {name}")))
        };
        let mut calls = None;
        let mut phased = None;
        let mut per_sample = Vec::new();
        for column in layout.columns() {
            let Some(name) = column.column.as_deref() else {
                continue;
            };
            match column.encoding {
                Encoding::Calls => calls = Some((index(name)?, index(CALLS_PLOIDY)?)),
                Encoding::Phased => phased = Some(index(name)?),
                Encoding::PerSample => per_sample.push(index(name)?),
                Encoding::SampleIds => {}
            }
        }
        Ok(Self {
            samples: ids.len(),
            runs,
            kept,
            calls,
            phased,
            per_sample,
        })
    }

    /// Whether every sample is kept.
    pub(crate) fn keeps_all(&self) -> bool {
        self.kept == self.samples
    }
}

/// Removes the withdrawn samples from each batch of one table.
pub(crate) struct BatchFilter {
    pub(crate) schema: SchemaRef,
    pub(crate) shape: Shape,
    pub(crate) info: InfoPlan,
    pub(crate) withdrawn: Arc<Withdrawn>,
}

impl BatchFilter {
    /// The batch (with the table's schema) without the withdrawn samples.
    pub(crate) fn apply(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        match &self.shape {
            Shape::Samples { sample_id } => {
                let ids = Strings::of(batch.column(*sample_id).as_ref(), SAMPLE_ID)?;
                let keep: BooleanArray = (0..batch.num_rows())
                    .map(|r| Some(!ids.get(r).is_some_and(|id| self.withdrawn.take(id))))
                    .collect();
                let removed = keep.false_count() as u64;
                self.withdrawn.removed.fetch_add(removed, Ordering::Relaxed);
                if removed == 0 {
                    return Ok(batch.clone());
                }
                filter_record_batch(batch, &keep)
            }
            Shape::Glow {
                genotypes,
                sample_id,
                calls,
            } => self.glow(batch, *genotypes, *sample_id, *calls),
            Shape::Matrix(shape) => self.matrix(batch, shape),
        }
    }

    fn glow(
        &self,
        batch: &RecordBatch,
        position: usize,
        sample_id: usize,
        calls: Option<usize>,
    ) -> Result<RecordBatch> {
        let rows = batch.num_rows();
        let list = batch
            .column(position)
            .as_list_opt::<i32>()
            .ok_or_else(|| invalid(format!("{GENOTYPES} is not a list")))?;
        let offsets = list.offsets();
        let base = offsets[0] as usize;
        let total = offsets[rows] as usize - base;
        let structs = list
            .values()
            .as_struct_opt()
            .ok_or_else(|| invalid(format!("{GENOTYPES} is not a list of structs")))?
            .slice(base, total);
        let ids = Strings::of(structs.column(sample_id).as_ref(), "genotypes.sampleId")?;

        // The rows of a table made from one VCF hold the same samples in
        // the same order: a row equal to the one before reuses its mask.
        let mut keep: Vec<bool> = Vec::with_capacity(total);
        let mut lengths = Vec::with_capacity(rows);
        let mut previous: Option<(usize, usize, usize)> = None; // start, len, kept
        let mut removed = 0u64;
        for r in 0..rows {
            let start = offsets[r] as usize - base;
            let len = offsets[r + 1] as usize - base - start;
            let kept = match previous {
                Some((p, plen, pkept)) if plen == len && ids.same_run(p, start, len) => {
                    keep.extend_from_within(p..p + len);
                    pkept
                }
                _ => {
                    let mut kept = 0;
                    for i in start..start + len {
                        let k = !ids.get(i).is_some_and(|id| self.withdrawn.take(id));
                        kept += usize::from(k);
                        keep.push(k);
                    }
                    kept
                }
            };
            removed += (len - kept) as u64;
            lengths.push(kept);
            previous = Some((start, len, kept));
        }
        self.withdrawn.removed.fetch_add(removed, Ordering::Relaxed);
        let mut columns = batch.columns().to_vec();
        let genotypes = if removed == 0 {
            list.clone()
        } else {
            let kept_structs = filter(&structs, &BooleanArray::from(keep))?;
            let item = match list.data_type() {
                DataType::List(item) => Arc::clone(item),
                _ => unreachable!("checked to be a list"),
            };
            ListArray::try_new(
                item,
                OffsetBuffer::from_lengths(lengths),
                kept_structs,
                list.nulls().cloned(),
            )?
        };
        if self.info.needs_counts() {
            let counts = glow_counts(&genotypes, calls)?;
            self.info.apply(&self.schema, &mut columns, &counts)?;
        } else {
            self.info
                .apply(&self.schema, &mut columns, &vec![None; rows])?;
        }
        columns[position] = Arc::new(genotypes);
        RecordBatch::try_new(batch.schema(), columns)
    }

    fn matrix(&self, batch: &RecordBatch, shape: &MatrixShape) -> Result<RecordBatch> {
        let rows = batch.num_rows();
        let mut columns = batch.columns().to_vec();
        let mut counts = vec![None; rows];
        let removed = (shape.samples - shape.kept) as u64;
        if let Some((calls, ploidy)) = shape.calls {
            let (array, row_counts) = matrix_calls(
                batch.column(calls),
                batch.column(ploidy),
                shape,
                self.info.needs_counts(),
            )?;
            columns[calls] = array;
            counts = row_counts;
        }
        if let Some(phased) = shape.phased {
            columns[phased] = keep_bytes(batch.column(phased), shape, |_| Ok(1), "phased")?;
        }
        for &i in &shape.per_sample {
            columns[i] = keep_elements(&columns[i], shape, batch.schema().field(i).name())?;
        }
        let genotypes = (0..rows)
            .filter(|&r| shape.calls.is_none_or(|(c, _)| batch.column(c).is_valid(r)))
            .count() as u64;
        self.withdrawn
            .removed
            .fetch_add(removed * genotypes, Ordering::Relaxed);
        self.info.apply(&self.schema, &mut columns, &counts)?;
        RecordBatch::try_new(batch.schema(), columns)
    }
}

/// Each row's allele counts over the calls of its (remaining) genotypes.
fn glow_counts(genotypes: &ListArray, calls: Option<usize>) -> Result<Vec<Option<AlleleCounts>>> {
    let rows = genotypes.len();
    let Some(calls) = calls else {
        return Ok(vec![None; rows]);
    };
    let structs = genotypes.values().as_struct();
    let calls = structs
        .column(calls)
        .as_list_opt::<i32>()
        .ok_or_else(|| invalid(format!("genotypes.{CALLS} is not a list")))?;
    let alleles = calls
        .values()
        .as_primitive_opt::<Int32Type>()
        .ok_or_else(|| invalid(format!("genotypes.{CALLS} is not a list of Int32")))?;
    let offsets = genotypes.offsets();
    let call_offsets = calls.offsets();
    let mut out = Vec::with_capacity(rows);
    for r in 0..rows {
        if genotypes.is_null(r) {
            out.push(None);
            continue;
        }
        let mut counts = AlleleCounts::default();
        for g in offsets[r] as usize..offsets[r + 1] as usize {
            if calls.is_null(g) {
                continue;
            }
            for a in call_offsets[g] as usize..call_offsets[g + 1] as usize {
                if alleles.is_valid(a) {
                    counts.add(alleles.value(a));
                }
            }
        }
        out.push(Some(counts));
    }
    Ok(out)
}

/// The kept samples' bytes of a Binary column holding `width(row)` bytes
/// per sample in each row; null rows stay null.
fn keep_bytes(
    column: &ArrayRef,
    shape: &MatrixShape,
    width: impl Fn(usize) -> Result<usize>,
    name: &str,
) -> Result<ArrayRef> {
    let array = column
        .as_binary_opt::<i32>()
        .ok_or_else(|| invalid(format!("the matrix column {name} is not Binary")))?;
    let mut values: Vec<u8> = Vec::with_capacity(array.value_data().len());
    let mut offsets: Vec<i32> = Vec::with_capacity(array.len() + 1);
    offsets.push(0);
    for r in 0..array.len() {
        if array.is_valid(r) {
            let bytes = array.value(r);
            let chunk = width(r)?;
            if bytes.len() != chunk * shape.samples {
                return Err(invalid(format!(
                    "a row of {name} holds {} bytes, not {chunk} per sample for {} samples",
                    bytes.len(),
                    shape.samples
                )));
            }
            for run in &shape.runs {
                values.extend_from_slice(&bytes[run.start * chunk..run.end * chunk]);
            }
        }
        offsets.push(
            i32::try_from(values.len())
                .map_err(|_| invalid(format!("a batch of {name} exceeds 2 GiB")))?,
        );
    }
    Ok(Arc::new(BinaryArray::try_new(
        OffsetBuffer::new(offsets.into()),
        Buffer::from_vec(values),
        array.nulls().cloned(),
    )?))
}

/// The matrix `calls` column without the withdrawn samples, and each row's
/// allele counts over the kept samples (when `count`).
fn matrix_calls(
    calls: &ArrayRef,
    ploidy: &ArrayRef,
    shape: &MatrixShape,
    count: bool,
) -> Result<(ArrayRef, Vec<Option<AlleleCounts>>)> {
    let ploidy = ploidy
        .as_primitive_opt::<Int32Type>()
        .ok_or_else(|| invalid(format!("{CALLS_PLOIDY} is not Int32")))?;
    let binary = calls
        .as_binary_opt::<i32>()
        .ok_or_else(|| invalid("the matrix column calls is not Binary".into()))?;
    let width = |r: usize| -> Result<usize> {
        let p = usize::try_from(ploidy.value(r))
            .ok()
            .filter(|&p| p > 0 && ploidy.is_valid(r))
            .ok_or_else(|| {
                invalid(format!(
                    "{CALLS_PLOIDY} of a row with calls is not positive"
                ))
            })?;
        let len = binary.value_length(r) as usize;
        let per_sample = len / shape.samples.max(1);
        let w = per_sample / p;
        if !matches!(w, 1 | 2 | 4) || w * p * shape.samples != len {
            return Err(invalid(format!(
                "a row's calls hold {len} bytes, which is not {p} slots of 1, 2 or 4 bytes for \
                 each of {} samples",
                shape.samples
            )));
        }
        Ok(w * p)
    };
    let kept = keep_bytes(calls, shape, width, CALLS)?;
    let mut counts = vec![None; calls.len()];
    if count {
        let kept_binary = kept.as_binary::<i32>();
        for (r, slot) in counts.iter_mut().enumerate() {
            if kept_binary.is_null(r) {
                continue;
            }
            let bytes = kept_binary.value(r);
            let p = ploidy.value(r) as usize;
            let w = if shape.kept == 0 {
                1
            } else {
                bytes.len() / (p * shape.kept)
            };
            let mut c = AlleleCounts::default();
            match w {
                1 => bytes.iter().for_each(|&b| c.add(b as i8 as i32)),
                2 => bytes
                    .chunks_exact(2)
                    .for_each(|b| c.add(i16::from_le_bytes([b[0], b[1]]) as i32)),
                _ => bytes
                    .chunks_exact(4)
                    .for_each(|b| c.add(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
            }
            *slot = Some(c);
        }
    }
    Ok((kept, counts))
}

/// A per-sample list column (one element per sample in each non-null row)
/// without the withdrawn samples' elements.
fn keep_elements(column: &ArrayRef, shape: &MatrixShape, name: &str) -> Result<ArrayRef> {
    let list = column
        .as_list_opt::<i32>()
        .ok_or_else(|| invalid(format!("the matrix column {name} is not a list")))?;
    let offsets = list.offsets();
    let rows = list.len();
    let base = offsets[0] as usize;
    let total = offsets[rows] as usize - base;
    let mut keep = Vec::with_capacity(total);
    let mut lengths = Vec::with_capacity(rows);
    for r in 0..rows {
        let len = (offsets[r + 1] - offsets[r]) as usize;
        if list.is_null(r) || len == 0 {
            keep.extend(std::iter::repeat_n(false, len));
            lengths.push(0);
            continue;
        }
        if len != shape.samples {
            return Err(invalid(format!(
                "a row of {name} holds {len} values for {} samples",
                shape.samples
            )));
        }
        let mut next = 0;
        for run in &shape.runs {
            keep.extend(std::iter::repeat_n(false, run.start - next));
            keep.extend(std::iter::repeat_n(true, run.len()));
            next = run.end;
        }
        keep.extend(std::iter::repeat_n(false, shape.samples - next));
        lengths.push(shape.kept);
    }
    let values = list.values().slice(base, total);
    let values = filter(&values, &BooleanArray::from(keep))?;
    let item = match list.data_type() {
        DataType::List(item) => Arc::clone(item),
        _ => unreachable!("checked to be a list"),
    };
    Ok(Arc::new(ListArray::try_new(
        item,
        OffsetBuffer::from_lengths(lengths),
        values,
        list.nulls().cloned(),
    )?))
}

/// The field index of `name` in the struct items of list column `field`.
pub(crate) fn struct_field(field: &Field, name: &str) -> Option<usize> {
    match field.data_type() {
        DataType::List(item) => match item.data_type() {
            DataType::Struct(fields) => fields.iter().position(|f| f.name() == name),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_info_keys_include_population_frequencies() {
        for key in ["MLEAF", "EAS_AF", "AF_nfe", "AC_Het", "NS", "DP"] {
            assert!(is_dropped(key), "{key}");
        }
        for key in ["END", "QD", "FS", "SVTYPE"] {
            assert!(!is_dropped(key), "{key}");
        }
    }

    #[test]
    fn hashed_ids_depend_on_the_salt() {
        let a = hashed_id(b"salt", "HG00096");
        assert_eq!(a.len(), 64);
        assert_ne!(a, hashed_id(b"other", "HG00096"));
        assert_eq!(a, hashed_id(b"salt", "HG00096"));
    }

    fn shape(samples: usize, kept: &[Range<usize>]) -> MatrixShape {
        MatrixShape {
            samples,
            kept: kept.iter().map(|r| r.len()).sum(),
            runs: kept.to_vec(),
            calls: None,
            phased: None,
            per_sample: Vec::new(),
        }
    }

    #[test]
    fn matrix_calls_keep_other_samples_bytes_at_every_width_and_null_rows() {
        // Three samples, diploid; sample 1 (the middle one) withdrawn.
        let shape = shape(3, &[0..1, 2..3]);
        let one: Vec<u8> = vec![0, 1, 1, 1, 0xff, 0];
        let two: Vec<u8> = [0i16, 200, 1, 1, -1, -2]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let calls: ArrayRef = Arc::new(BinaryArray::from_opt_vec(vec![
            Some(&one[..]),
            None,
            Some(&two[..]),
        ]));
        let ploidy: ArrayRef = Arc::new(Int32Array::from(vec![Some(2), None, Some(2)]));
        let (kept, counts) = matrix_calls(&calls, &ploidy, &shape, true).unwrap();
        let kept = kept.as_binary::<i32>();
        assert_eq!(kept.value(0), &[0, 1, 0xff, 0]);
        assert!(kept.is_null(1));
        let expected: Vec<u8> = [0i16, 200, -1, -2]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(kept.value(2), &expected[..]);
        let first = counts[0].as_ref().unwrap();
        assert_eq!((first.an, &first.ac), (3, &vec![1]));
        assert!(counts[1].is_none());
        let third = counts[2].as_ref().unwrap();
        assert_eq!(third.an, 2);
        assert_eq!(third.ac[199], 1);
        // A row whose length does not fit the samples is an error, not a panic.
        let bad: ArrayRef = Arc::new(BinaryArray::from_vec(vec![&[0u8, 1, 2][..]]));
        let ploidy: ArrayRef = Arc::new(Int32Array::from(vec![2]));
        assert!(matrix_calls(&bad, &ploidy, &shape, false).is_err());
    }

    #[test]
    fn allele_counts_skip_missing_pad_and_null_slots() {
        let mut c = AlleleCounts::default();
        for a in [0, 1, -1, 2, -2, -3, 1] {
            c.add(a);
        }
        assert_eq!((c.an, c.ac), (4, vec![2, 1]));
    }
}
