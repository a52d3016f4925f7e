//! Building record batches of the PLINK variant table.
//!
//! The site columns come from `.bim` lines through the core builders. The
//! genotypes are where the bytes are: every genotype has exactly two calls,
//! so the offsets of `genotypes` and of `calls`, and the repeated `sampleId`
//! strings, are the same for every batch of a given number of rows. They are
//! built once per fileset and shared by every batch of every reader of it
//! (Arrow buffers are reference counted), leaving one flat `Int32` buffer of calls per batch,
//! filled from the `.bed` bytes by a 256-entry table.
//!
//! In the matrix layout ([`GenotypeOutput::Matrix`]) there is no
//! genotype struct at all: each row's `calls` are `2 × samples` one-byte
//! slots, filled from the same bytes by a table of 8-byte entries, and the
//! sample ids are stored once, in the schema's description.
//!
//! [`GenotypeOutput::BedRecords`] batches carry each row's `.bed` record as
//! it is, in a fixed-size binary column.
//!
//! [`GenotypeOutput::Matrix`]: crate::GenotypeOutput::Matrix
//! [`GenotypeOutput::BedRecords`]: crate::GenotypeOutput::BedRecords

use std::sync::{Arc, Mutex};

use arrow::array::{
    ArrayRef, BinaryArray, FixedSizeBinaryArray, Int32Array, ListArray, RecordBatch,
    new_empty_array,
};
use arrow::buffer::{OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Field, Fields, Float64Type, Int64Type, Schema, SchemaRef};
use arrow::error::ArrowError;
use genolake_core::builder::{
    ColumnBuilder, ListColumn, PrimitiveColumn, RepeatedStrings, StringColumn, ascending_offsets,
    struct_array,
};
use genolake_core::matrix::{GenotypeParts, MatrixLayout, Samples};
use genolake_core::schema::{self as names, list_of};

use crate::bim::BimRecord;
use crate::reader::{BED_RECORD, GenotypeOutput};

/// The fields of a genotype struct.
pub(crate) fn genotype_fields(include_sample_ids: bool) -> Fields {
    let mut fields = Vec::with_capacity(2);
    if include_sample_ids {
        fields.push(Field::new(names::SAMPLE_ID, DataType::Utf8, true));
    }
    fields.push(Field::new(names::CALLS, list_of(DataType::Int32), true));
    Fields::from(fields)
}

/// The schema of Glow's PLINK reader, in its column order.
pub(crate) fn plink_schema(include_sample_ids: bool) -> SchemaRef {
    let mut fields = site_fields();
    fields.push(genolake_core::schema::genotypes_field(
        genotype_fields(include_sample_ids)
            .iter()
            .map(|f| f.as_ref().clone())
            .collect(),
    ));
    Arc::new(Schema::new(fields))
}

/// The parts of the genotype column that depend only on the row count
/// (and the samples read).
pub(crate) struct Shared {
    rows: usize,
    samples: usize,
    ids: Option<Vec<String>>,
    genotype_offsets: OffsetBuffer<i32>,
    call_offsets: OffsetBuffer<i32>,
    sample_ids: Option<ArrayRef>,
}

/// The last [`Shared`] parts built for a fileset, for its next reader: the
/// readers of its splits then build them once between them.
#[derive(Clone, Default)]
pub(crate) struct SharedCache(Arc<Mutex<Option<Arc<Shared>>>>);

impl SharedCache {
    fn get(&self, rows: usize, samples: usize, ids: &Option<Vec<String>>) -> Option<Arc<Shared>> {
        let cached = self.0.lock().ok()?.clone()?;
        (cached.rows >= rows && cached.samples == samples && &cached.ids == ids).then_some(cached)
    }

    fn put(&self, shared: Arc<Shared>) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(shared);
        }
    }
}

impl std::fmt::Debug for SharedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedCache")
    }
}

/// A cache never makes two filesets differ.
impl PartialEq for SharedCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SharedCache {}

/// Accumulates rows and turns them into record batches.
pub(crate) struct BatchBuilder {
    schema: SchemaRef,
    genotype_fields: Fields,
    samples: usize,
    sample_ids: Option<Vec<String>>,
    contig: StringColumn,
    names: ListColumn<StringColumn>,
    position: PrimitiveColumn<Float64Type>,
    start: PrimitiveColumn<Int64Type>,
    end: PrimitiveColumn<Int64Type>,
    reference: StringColumn,
    alternates: ListColumn<StringColumn>,
    rows: usize,
    shared: Option<Arc<Shared>>,
    cache: SharedCache,
    out: Out,
}

/// A builder's genotypes of the rows pushed so far, by [`GenotypeOutput`].
enum Out {
    /// Glow's flat `calls` values, two per genotype.
    Lists(Vec<i32>),
    /// The matrix layout of the PLINK schema (shared with each batch's
    /// finishing) and its flat one-byte slots.
    Slots {
        layout: Arc<MatrixLayout>,
        slots: Vec<u8>,
    },
    /// The `.bed` records, back to back.
    Records(Vec<u8>),
}

/// Where a batch's genotypes are decoded to.
pub(crate) enum CallsOut<'a> {
    /// Glow's flat `calls` values, two per genotype.
    Lists(&'a mut Vec<i32>),
    /// The matrix layout's one-byte slots, two per genotype.
    Slots(&'a mut Vec<u8>),
    /// The `.bed` records, back to back.
    Records(&'a mut Vec<u8>),
}

/// The site columns of the PLINK schema.
fn site_fields() -> Vec<Field> {
    vec![
        Field::new(names::CONTIG_NAME, DataType::Utf8, true),
        Field::new(names::NAMES, list_of(DataType::Utf8), true),
        Field::new(names::POSITION, DataType::Float64, true),
        Field::new(names::START, DataType::Int64, true),
        Field::new(names::END, DataType::Int64, true),
        Field::new(names::REFERENCE_ALLELE, DataType::Utf8, true),
        Field::new(names::ALTERNATE_ALLELES, list_of(DataType::Utf8), true),
    ]
}

/// The schema of [`GenotypeOutput::BedRecords`] batches of `samples`
/// samples: the site columns and [`BED_RECORD`].
pub(crate) fn bed_record_schema(samples: usize) -> SchemaRef {
    let mut fields = site_fields();
    let width = i32::try_from(samples.div_ceil(4)).unwrap_or(i32::MAX);
    fields.push(Field::new(
        BED_RECORD,
        DataType::FixedSizeBinary(width),
        false,
    ));
    Arc::new(Schema::new(fields))
}

/// The matrix layout of the PLINK schema and the schema of its batches,
/// which describes the layout and `samples`.
pub(crate) fn matrix_schema(
    include_sample_ids: bool,
    samples: &Samples,
) -> Result<(MatrixLayout, SchemaRef), ArrowError> {
    let layout = MatrixLayout::from_glow(&plink_schema(include_sample_ids))
        .map_err(|e| ArrowError::InvalidArgumentError(e.to_string()))?;
    let schema = layout.described_schema(samples);
    Ok((layout, schema))
}

impl BatchBuilder {
    /// A builder for rows of `samples.len()` genotypes; `sample_ids` is
    /// `None` when the struct carries no `sampleId`. `output` says how the
    /// genotypes are given (the matrix layout's schema names the samples).
    pub(crate) fn new(
        samples: usize,
        sample_ids: Option<Vec<String>>,
        cache: SharedCache,
        output: GenotypeOutput,
    ) -> Result<Self, ArrowError> {
        let include = sample_ids.is_some();
        let (schema, out) = match output {
            GenotypeOutput::Glow => (plink_schema(include), Out::Lists(Vec::new())),
            GenotypeOutput::Matrix => {
                let described = match &sample_ids {
                    Some(ids) => Samples::with_ids(ids.clone()),
                    None => Samples::anonymous(samples),
                };
                let (layout, schema) = matrix_schema(include, &described)?;
                let (layout, slots) = (Arc::new(layout), Vec::new());
                (schema, Out::Slots { layout, slots })
            }
            GenotypeOutput::BedRecords => (bed_record_schema(samples), Out::Records(Vec::new())),
        };
        Ok(Self {
            schema,
            genotype_fields: genotype_fields(include),
            samples,
            sample_ids,
            contig: StringColumn::default(),
            names: ListColumn::new(StringColumn::default()),
            position: PrimitiveColumn::default(),
            start: PrimitiveColumn::default(),
            end: PrimitiveColumn::default(),
            reference: StringColumn::default(),
            alternates: ListColumn::new(StringColumn::default()),
            rows: 0,
            shared: None,
            cache,
            out,
        })
    }

    pub(crate) fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Appends the site columns of a row; its calls go to [`Self::calls`].
    pub(crate) fn push_site(&mut self, record: &BimRecord<'_>) {
        self.contig.push(record.contig.as_bytes());
        self.names.items().push(record.id.as_bytes());
        self.names.close();
        self.position.push(record.centimorgans);
        let start = record.position.saturating_sub(1);
        self.start.push(start);
        self.end
            .push(start.saturating_add(record.allele2.len() as i64));
        self.reference.push(record.allele2.as_bytes());
        self.alternates.items().push(record.allele1.as_bytes());
        self.alternates.close();
        self.rows += 1;
    }

    /// Where the genotypes of the rows pushed so far go: two calls (or
    /// slots) per genotype, row after row.
    pub(crate) fn calls(&mut self) -> CallsOut<'_> {
        match &mut self.out {
            Out::Lists(calls) => CallsOut::Lists(calls),
            Out::Slots { slots, .. } => CallsOut::Slots(slots),
            Out::Records(records) => CallsOut::Records(records),
        }
    }

    fn shared(&mut self, rows: usize) -> Result<&Shared, ArrowError> {
        let reusable = self.shared.as_ref().is_some_and(|s| s.rows >= rows);
        if !reusable && let Some(cached) = self.cache.get(rows, self.samples, &self.sample_ids) {
            self.shared = Some(cached);
        }
        let reusable = self.shared.as_ref().is_some_and(|s| s.rows >= rows);
        if !reusable {
            let samples = self.samples;
            let too_big = || {
                ArrowError::InvalidArgumentError(format!(
                    "{rows} rows of {samples} genotypes exceed the 2^31 values an Arrow list \
                     holds in one batch; use a smaller batch size"
                ))
            };
            let genotypes = rows.checked_mul(samples).ok_or_else(too_big)?;
            if genotypes
                .checked_mul(2)
                .is_none_or(|c| c > i32::MAX as usize)
            {
                return Err(too_big());
            }
            let genotype_offsets: Vec<i32> = (0..=rows).map(|r| (r * samples) as i32).collect();
            let call_offsets: Vec<i32> = (0..=genotypes).map(|g| (2 * g) as i32).collect();
            let sample_ids = match &self.sample_ids {
                None => None,
                Some(ids) => {
                    let mut column = RepeatedStrings::new(ids);
                    if column
                        .bytes_per_repetition()
                        .checked_mul(rows)
                        .is_none_or(|b| b > i32::MAX as usize)
                    {
                        return Err(ArrowError::InvalidArgumentError(format!(
                            "{rows} rows of sample names exceed the 2 GiB an Arrow string column \
                             holds in one batch; use a smaller batch size"
                        )));
                    }
                    for _ in 0..rows {
                        column.push_all();
                    }
                    Some(column.finish()?)
                }
            };
            let shared = Arc::new(Shared {
                rows,
                samples,
                ids: self.sample_ids.clone(),
                genotype_offsets: ascending_offsets(genotype_offsets)?,
                call_offsets: ascending_offsets(call_offsets)?,
                sample_ids,
            });
            self.cache.put(shared.clone());
            self.shared = Some(shared);
        }
        Ok(self.shared.as_ref().expect("just built"))
    }

    /// Checks that the rows' genotype columns can be built, before any
    /// work is spent on them.
    pub(crate) fn prepare(&mut self, rows: usize) -> Result<(), ArrowError> {
        // Bytes a row takes in its binary column, and the room the decoder
        // writes past the last row (up to 8 bytes of slots).
        let (per_row, slack) = match self.out {
            Out::Lists(_) => return self.shared(rows).map(|_| ()),
            Out::Slots { .. } => (self.samples.checked_mul(2), 8),
            Out::Records(_) => (Some(self.samples.div_ceil(4)), 0),
        };
        let bytes = per_row
            .and_then(|b| b.checked_mul(rows))
            .filter(|&b| b <= i32::MAX as usize)
            .ok_or_else(|| {
                ArrowError::InvalidArgumentError(format!(
                    "{rows} rows of {} samples exceed the 2 GiB an Arrow binary column \
                     holds in one batch; use a smaller batch size",
                    self.samples
                ))
            })?;
        match &mut self.out {
            Out::Slots { slots: buffer, .. } | Out::Records(buffer) => {
                buffer.reserve_exact(bytes + slack)
            }
            Out::Lists(_) => {}
        }
        Ok(())
    }

    /// The site columns of the rows pushed so far, in the schema's order.
    fn site_columns(&mut self) -> Result<Vec<ArrayRef>, ArrowError> {
        Ok(vec![
            self.contig.finish()?,
            self.names.finish()?,
            self.position.finish()?,
            self.start.finish()?,
            self.end.finish()?,
            self.reference.finish()?,
            self.alternates.finish()?,
        ])
    }

    /// The rows pushed so far, with their matrix `slots`, as a matrix
    /// batch assembled by `layout`.
    fn finish_matrix(
        &mut self,
        rows: usize,
        layout: &MatrixLayout,
        slots: Vec<u8>,
    ) -> Result<RecordBatch, ArrowError> {
        let per_row = 2 * self.samples;
        let sites = self.site_columns()?;
        if slots.len() != rows * per_row {
            return Err(ArrowError::InvalidArgumentError(format!(
                "{} call slots decoded for {rows} rows of {} samples",
                slots.len(),
                self.samples
            )));
        }
        let ends: Vec<i32> = (0..=rows).map(|r| (r * per_row) as i32).collect();
        let calls = BinaryArray::try_new(ascending_offsets(ends)?, slots.into(), None)?;
        let ploidy = Int32Array::from(vec![2; rows]);
        let parts = GenotypeParts {
            offsets: OffsetBuffer::new_zeroed(rows),
            calls: Some((Arc::new(calls), Arc::new(ploidy))),
            phased: None,
            // The sample ids and calls are taken from above, not from here.
            fields: (0..self.genotype_fields.len())
                .map(|_| new_empty_array(&DataType::Null))
                .collect(),
        };
        let batch = layout
            .assemble(sites, parts, rows)
            .map_err(|e| ArrowError::InvalidArgumentError(e.to_string()))?;
        // The batch carries the schema that names the samples.
        batch.with_schema(self.schema.clone())
    }

    /// The rows pushed so far, with their `.bed` `records`, as a batch.
    fn finish_records(&mut self, rows: usize, records: Vec<u8>) -> Result<RecordBatch, ArrowError> {
        let width = self.samples.div_ceil(4);
        if records.len() != rows * width {
            return Err(ArrowError::InvalidArgumentError(format!(
                "{} .bed bytes read for {rows} records of {width} bytes",
                records.len()
            )));
        }
        let width = i32::try_from(width).map_err(|_| {
            ArrowError::InvalidArgumentError(format!("{} samples in one .bed record", self.samples))
        })?;
        let records = FixedSizeBinaryArray::try_new(width, records.into(), None)?;
        let mut columns = self.site_columns()?;
        columns.push(Arc::new(records));
        RecordBatch::try_new(self.schema.clone(), columns)
    }

    /// Takes the rows pushed so far as a batch.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let rows = std::mem::take(&mut self.rows);
        let calls = match &mut self.out {
            Out::Lists(calls) => std::mem::take(calls),
            Out::Records(records) => {
                let records = std::mem::take(records);
                return self.finish_records(rows, records);
            }
            Out::Slots { layout, slots } => {
                let (layout, slots) = (Arc::clone(layout), std::mem::take(slots));
                return self.finish_matrix(rows, &layout, slots);
            }
        };
        let genotypes = rows * self.samples;
        if calls.len() != 2 * genotypes {
            return Err(ArrowError::InvalidArgumentError(format!(
                "{} calls decoded for {rows} rows of {} samples",
                calls.len(),
                self.samples
            )));
        }
        let item = Arc::new(Field::new_list_field(DataType::Int32, true));
        let genotype_fields = self.genotype_fields.clone();
        let shared = self.shared(rows)?;
        let call_offsets = shared.call_offsets.slice(0, genotypes);
        let genotype_offsets = shared.genotype_offsets.slice(0, rows);
        let sample_ids = shared.sample_ids.as_ref().map(|a| a.slice(0, genotypes));
        let calls = ListArray::try_new(
            item,
            call_offsets,
            Arc::new(Int32Array::new(ScalarBuffer::from(calls), None)),
            None,
        )?;
        let mut children: Vec<ArrayRef> = Vec::with_capacity(2);
        children.extend(sample_ids);
        children.push(Arc::new(calls));
        let structs = struct_array(genotype_fields.clone(), children, genotypes)?;
        let genotypes_array = ListArray::try_new(
            Arc::new(Field::new_list_field(
                DataType::Struct(genotype_fields),
                true,
            )),
            genotype_offsets,
            structs,
            None,
        )?;
        let mut columns = self.site_columns()?;
        columns.push(Arc::new(genotypes_array));
        RecordBatch::try_new(self.schema.clone(), columns)
    }
}
