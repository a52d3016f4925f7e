//! The mapping between a Glow schema and its matrix layout, and the batch
//! conversions both ways.

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BinaryViewArray, LargeBinaryArray, ListArray,
    RecordBatch, RecordBatchOptions, StringArray, StructArray, UInt64Array,
};
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Int32Type, Schema, SchemaRef};
use serde::{Deserialize, Serialize};

use super::calls::{self, Bytes, Rows, Selection};
use super::{CALLS_PLOIDY, Samples};
use crate::builder::RepeatedStrings;
use crate::error::{Error, Result};
use crate::schema::{CALLS, GENOTYPES, PHASED, SAMPLE_ID};

/// How a genotype field is stored in the matrix layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Encoding {
    /// `sampleId`: not stored per row; the table's [`Samples`].
    SampleIds,
    /// `calls`: a Binary column of allele indices, and `callsPloidy`.
    Calls,
    /// `phased`: a Binary column, a byte per sample.
    Phased,
    /// Any other field: a list of one value per sample.
    PerSample,
}

/// One field of Glow's genotype struct and where the matrix layout keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenotypeColumn {
    /// The field's name in Glow's genotype struct.
    pub field: String,
    /// The matrix column holding it (none for `sampleId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// How it is stored.
    pub encoding: Encoding,
}

impl GenotypeColumn {
    /// The matrix columns that store the field: its column, and for `calls`
    /// `callsPloidy` too; none for `sampleId`.
    pub fn stored_columns(&self) -> impl Iterator<Item = &str> {
        let ploidy = (self.encoding == Encoding::Calls).then_some(CALLS_PLOIDY);
        self.column.as_deref().into_iter().chain(ploidy)
    }
}

/// A Glow schema and its matrix layout (see [the module](super)).
#[derive(Debug, Clone)]
pub struct MatrixLayout {
    glow: SchemaRef,
    matrix: SchemaRef,
    /// Glow's genotype struct fields, in order, and their columns.
    columns: Vec<GenotypeColumn>,
}

impl MatrixLayout {
    /// The matrix layout of tables with the Glow schema `glow`, which must
    /// have a `genotypes` list of structs.
    pub fn from_glow(glow: &SchemaRef) -> Result<Self> {
        let (position, struct_fields) = genotype_fields(glow)?;
        let mut taken: HashSet<String> = glow
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|name| name != GENOTYPES)
            .collect();
        taken.insert(CALLS_PLOIDY.to_string());
        let mut columns = Vec::with_capacity(struct_fields.len());
        let mut block: Vec<Field> = Vec::new();
        for field in struct_fields.iter() {
            let name = field.name().as_str();
            let encoding = match (name, field.data_type()) {
                (SAMPLE_ID, _) => Encoding::SampleIds,
                (CALLS, DataType::List(item)) if item.data_type() == &DataType::Int32 => {
                    Encoding::Calls
                }
                (PHASED, DataType::Boolean) => Encoding::Phased,
                _ => Encoding::PerSample,
            };
            let column = (encoding != Encoding::SampleIds).then(|| unique_name(name, &mut taken));
            match (&column, encoding) {
                (Some(column), Encoding::Calls) => {
                    block.push(Field::new(column, DataType::Binary, true));
                    block.push(Field::new(CALLS_PLOIDY, DataType::Int32, true));
                }
                (Some(column), Encoding::Phased) => {
                    block.push(Field::new(column, DataType::Binary, true));
                }
                (Some(column), _) => block.push(Field::new(
                    column,
                    DataType::List(Arc::new(Field::new(
                        "element",
                        field.data_type().clone(),
                        true,
                    ))),
                    true,
                )),
                (None, _) => {}
            }
            columns.push(GenotypeColumn {
                field: name.to_string(),
                column,
                encoding,
            });
        }
        let mut fields: Vec<FieldRef> = Vec::with_capacity(glow.fields().len() + block.len());
        fields.extend(glow.fields()[..position].iter().cloned());
        fields.extend(block.into_iter().map(Arc::new));
        fields.extend(glow.fields()[position + 1..].iter().cloned());
        Ok(Self {
            glow: Arc::clone(glow),
            matrix: Arc::new(Schema::new_with_metadata(fields, glow.metadata().clone())),
            columns,
        })
    }

    /// The layout of a stored matrix table: its schema (as a reader gives
    /// it) and the value of its [`FIELDS_KEY`](super::FIELDS_KEY).
    pub fn from_matrix(matrix: &SchemaRef, fields_json: &str) -> Result<Self> {
        let columns: Vec<GenotypeColumn> = serde_json::from_str(fields_json).map_err(|e| {
            Error::Layout(format!("the table's genotype field list is not valid: {e}"))
        })?;
        let block: HashSet<&str> = columns
            .iter()
            .flat_map(GenotypeColumn::stored_columns)
            .collect();
        let mut struct_fields = Vec::with_capacity(columns.len());
        for column in &columns {
            let data_type = match (column.encoding, column.column.as_deref()) {
                (Encoding::SampleIds, _) => DataType::Utf8,
                (Encoding::Calls, _) => {
                    DataType::List(Arc::new(Field::new("element", DataType::Int32, true)))
                }
                (Encoding::Phased, _) => DataType::Boolean,
                (Encoding::PerSample, Some(name)) => {
                    let field = matrix.field_with_name(name).map_err(|_| {
                        Error::Layout(format!(
                            "the table has no column {name:?} for genotype field {:?}",
                            column.field
                        ))
                    })?;
                    match field.data_type() {
                        DataType::List(item) | DataType::LargeList(item) => {
                            item.data_type().clone()
                        }
                        other => {
                            return Err(Error::Layout(format!(
                                "column {name:?} should be a list of one value per sample, not {other}"
                            )));
                        }
                    }
                }
                (Encoding::PerSample, None) => {
                    return Err(Error::Layout(format!(
                        "genotype field {:?} has no column",
                        column.field
                    )));
                }
            };
            struct_fields.push(Field::new(&column.field, data_type, true));
        }
        for name in &block {
            if matrix.field_with_name(name).is_err() {
                return Err(Error::Layout(format!("the table has no column {name:?}")));
            }
        }
        let genotypes = Arc::new(Field::new(
            GENOTYPES,
            DataType::List(Arc::new(Field::new(
                "element",
                DataType::Struct(Fields::from(struct_fields)),
                true,
            ))),
            true,
        ));
        let mut fields: Vec<FieldRef> = Vec::with_capacity(matrix.fields().len());
        let mut placed = false;
        for field in matrix.fields() {
            if block.contains(field.name().as_str()) {
                if !placed {
                    fields.push(Arc::clone(&genotypes));
                    placed = true;
                }
            } else {
                fields.push(Arc::clone(field));
            }
        }
        if !placed {
            fields.push(genotypes);
        }
        Ok(Self {
            glow: Arc::new(Schema::new_with_metadata(fields, matrix.metadata().clone())),
            matrix: Arc::clone(matrix),
            columns,
        })
    }

    /// The Glow schema.
    pub fn glow_schema(&self) -> SchemaRef {
        Arc::clone(&self.glow)
    }

    /// The matrix schema.
    pub fn matrix_schema(&self) -> SchemaRef {
        Arc::clone(&self.matrix)
    }

    /// Glow's genotype fields and their columns, in the struct's order.
    pub fn columns(&self) -> &[GenotypeColumn] {
        &self.columns
    }

    /// What a table records as its [`FIELDS_KEY`](super::FIELDS_KEY).
    pub fn fields_json(&self) -> String {
        serde_json::to_string(&self.columns).unwrap_or_else(|_| "[]".into())
    }

    /// Whether a matrix column holds genotypes (rather than a site column).
    pub fn is_genotype_column(&self, name: &str) -> bool {
        self.columns
            .iter()
            .flat_map(GenotypeColumn::stored_columns)
            .any(|stored| stored == name)
    }

    /// The per-sample view: the site columns, then one column per genotype
    /// field (`sampleId`, `calls`, `phased` and the FORMAT fields, named as
    /// their matrix columns), a row per variant and sample.
    pub fn long_schema(&self) -> SchemaRef {
        let mut fields: Vec<FieldRef> = self
            .glow
            .fields()
            .iter()
            .filter(|f| f.name() != GENOTYPES)
            .cloned()
            .collect();
        if let Ok((_, struct_fields)) = genotype_fields(&self.glow) {
            for (field, column) in struct_fields.iter().zip(&self.columns) {
                let name = column.column.as_deref().unwrap_or(column.field.as_str());
                fields.push(Arc::new(Field::new(name, field.data_type().clone(), true)));
            }
        }
        Arc::new(Schema::new(fields))
    }

    /// A batch with the Glow schema as the matrix layout, and the samples
    /// of its rows (`None` for an empty batch).
    ///
    /// Every row must hold the same samples: it fails on a row with another
    /// number of genotypes, and compares the sample ids of the batch's first
    /// and last rows (a reader's batch holds rows of one file).
    pub fn to_matrix(&self, batch: &RecordBatch) -> Result<(RecordBatch, Option<Samples>)> {
        let position = self.glow.index_of(GENOTYPES)?;
        if batch.schema_ref().fields() != self.glow.fields() {
            return Err(Error::Layout(
                "the batch does not have the schema the layout was made for".into(),
            ));
        }
        let genotypes = batch
            .column(position)
            .as_list_opt::<i32>()
            .ok_or_else(|| Error::Layout("genotypes must be a list of structs".into()))?;
        let rows = batch.num_rows();
        let structs = genotypes.values().as_struct();
        if genotypes.null_count() > 0 || structs.null_count() > 0 {
            return Err(Error::Layout(
                "a null genotype list or genotype cannot be stored in the matrix layout".into(),
            ));
        }
        let offsets = genotypes.offsets();
        let samples = match offsets.windows(2).next() {
            Some(first) => (first[1] - first[0]) as usize,
            None => 0,
        };
        if let Some(row) = offsets
            .windows(2)
            .position(|w| (w[1] - w[0]) as usize != samples)
        {
            return Err(Error::Layout(format!(
                "row {} of a batch has {} genotypes where its first row has {samples}: every \
                 row of a matrix table holds the same samples",
                row + 1,
                offsets[row + 1] - offsets[row]
            )));
        }
        let starts = &offsets[..rows];
        let rows_of = Rows { starts, samples };
        let mut block: Vec<ArrayRef> = Vec::new();
        let mut found = None;
        for (i, column) in self.columns.iter().enumerate() {
            let child = structs.column(i);
            match column.encoding {
                Encoding::SampleIds => found = Some(sample_ids(child, starts, samples)?),
                Encoding::Calls => {
                    let (calls, ploidy) = calls::encode_calls(&rows_of, child.as_list::<i32>())?;
                    block.push(calls);
                    block.push(ploidy);
                }
                Encoding::Phased => block.push(calls::encode_phased(&rows_of, child.as_boolean())?),
                Encoding::PerSample => {
                    let item = match self
                        .matrix
                        .field_with_name(column.column.as_deref().unwrap_or(""))?
                        .data_type()
                    {
                        DataType::List(item) => Arc::clone(item),
                        other => {
                            return Err(Error::Layout(format!(
                                "unexpected matrix column type {other}"
                            )));
                        }
                    };
                    block.push(Arc::new(ListArray::try_new(
                        item,
                        offsets.clone(),
                        Arc::clone(child),
                        None,
                    )?));
                }
            }
        }
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.matrix.fields().len());
        columns.extend(batch.columns()[..position].iter().cloned());
        columns.extend(block);
        columns.extend(batch.columns()[position + 1..].iter().cloned());
        let matrix = RecordBatch::try_new_with_options(
            Arc::clone(&self.matrix),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )?;
        let samples = (rows > 0).then(|| found.unwrap_or_else(|| Samples::anonymous(samples)));
        Ok((matrix, samples))
    }

    /// Matrix rows (with at least the matrix columns `schema` needs) as
    /// `schema`, a projection of the Glow schema: `genotypes`, if asked
    /// for, is rebuilt from the genotype columns.
    pub fn to_glow(
        &self,
        batch: &RecordBatch,
        samples: &Samples,
        schema: &SchemaRef,
    ) -> Result<RecordBatch> {
        let rows = batch.num_rows();
        let mut columns = Vec::with_capacity(schema.fields().len());
        for field in schema.fields() {
            if field.name() == GENOTYPES {
                let DataType::List(item) = field.data_type() else {
                    return Err(Error::Layout("genotypes must be a list".into()));
                };
                let DataType::Struct(struct_fields) = item.data_type() else {
                    return Err(Error::Layout("genotypes must be a list of structs".into()));
                };
                let selection = Selection {
                    rows,
                    samples: samples.count(),
                    chosen: None,
                };
                let children = self
                    .decode(batch, samples, &selection)?
                    .iter()
                    .zip(struct_fields.iter())
                    .map(|(child, field)| crate::merge::conform_array(child, field.data_type()))
                    .collect::<Result<Vec<_>, _>>()?;
                let structs = StructArray::try_new_with_length(
                    struct_fields.clone(),
                    children,
                    None,
                    rows * samples.count(),
                )?;
                let n = samples.count();
                let ends: Vec<i32> = (0..=rows).map(|r| (r * n) as i32).collect();
                let offsets = crate::builder::ascending_offsets(ends)?;
                columns.push(Arc::new(ListArray::try_new(
                    Arc::clone(item),
                    offsets,
                    Arc::new(structs),
                    None,
                )?) as ArrayRef);
            } else {
                columns.push(column(batch, field.name())?);
            }
        }
        Ok(RecordBatch::try_new_with_options(
            Arc::clone(schema),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )?)
    }

    /// Matrix rows as `schema`, a projection of [`long_schema`]: for each
    /// row, one row per sample of `chosen` (indices into the table's
    /// samples, in the order wanted), or of every sample.
    ///
    /// [`long_schema`]: MatrixLayout::long_schema
    pub fn to_long(
        &self,
        batch: &RecordBatch,
        samples: &Samples,
        chosen: Option<&[usize]>,
        schema: &SchemaRef,
    ) -> Result<RecordBatch> {
        let rows = batch.num_rows();
        let selection = Selection {
            rows,
            samples: samples.count(),
            chosen,
        };
        let per_row = selection.per_row();
        let wanted = |name: &str| schema.field_with_name(name).is_ok();
        let decoded = self.decode_only(batch, samples, &selection, &wanted)?;
        let repeat = UInt64Array::from_iter_values(
            (0..rows as u64).flat_map(|r| std::iter::repeat_n(r, per_row)),
        );
        let mut columns = Vec::with_capacity(schema.fields().len());
        for field in schema.fields() {
            let name = field.name().as_str();
            let position = self
                .columns
                .iter()
                .position(|c| c.column.as_deref().unwrap_or(c.field.as_str()) == name);
            columns.push(match position {
                Some(i) => {
                    let decoded = decoded[i]
                        .as_ref()
                        .ok_or_else(|| Error::Layout(format!("column {name:?} was not decoded")))?;
                    crate::merge::conform_array(decoded, field.data_type())?
                }
                None => arrow::compute::take(column(batch, name)?.as_ref(), &repeat, None)?,
            });
        }
        Ok(RecordBatch::try_new_with_options(
            Arc::clone(schema),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows * per_row)),
        )?)
    }

    /// Every genotype field of the selected genotypes, in struct order.
    fn decode(
        &self,
        batch: &RecordBatch,
        samples: &Samples,
        selection: &Selection<'_>,
    ) -> Result<Vec<ArrayRef>> {
        self.decode_only(batch, samples, selection, &|_| true)?
            .into_iter()
            .map(|a| a.ok_or_else(|| Error::Layout("a genotype field was not decoded".into())))
            .collect()
    }

    /// The genotype fields whose long-view names `wanted` accepts, decoded.
    fn decode_only(
        &self,
        batch: &RecordBatch,
        samples: &Samples,
        selection: &Selection<'_>,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<Option<ArrayRef>>> {
        let mut out = Vec::with_capacity(self.columns.len());
        for column in &self.columns {
            let name = column.column.as_deref().unwrap_or(column.field.as_str());
            if !wanted(name) {
                out.push(None);
                continue;
            }
            let array = match column.encoding {
                Encoding::SampleIds => decode_sample_ids(samples, selection)?,
                Encoding::Calls => {
                    let calls = bytes_column(batch, name)?;
                    let ploidy = arrow::compute::cast(
                        column_ref(batch, super::CALLS_PLOIDY)?,
                        &DataType::Int32,
                    )?;
                    calls::decode_calls(calls, ploidy.as_primitive::<Int32Type>(), selection)?
                }
                Encoding::Phased => calls::decode_phased(bytes_column(batch, name)?, selection)?,
                Encoding::PerSample => {
                    decode_per_sample(column_ref(batch, name)?, name, selection)?
                }
            };
            out.push(Some(array));
        }
        Ok(out)
    }
}

/// The position of `genotypes` in `glow` and its struct's fields.
fn genotype_fields(glow: &Schema) -> Result<(usize, Fields)> {
    let position = glow.index_of(GENOTYPES).map_err(|_| {
        Error::Layout("the matrix layout needs a genotypes column, and the input has none".into())
    })?;
    match glow.field(position).data_type() {
        DataType::List(item) => match item.data_type() {
            DataType::Struct(fields) => Ok((position, fields.clone())),
            other => Err(Error::Layout(format!(
                "genotypes must be a list of structs, not of {other}"
            ))),
        },
        other => Err(Error::Layout(format!(
            "genotypes must be a list of structs, not {other}"
        ))),
    }
}

/// `name`, or when a site column (or an earlier field) has it, `genotype`
/// and `name` capitalised.
fn unique_name(name: &str, taken: &mut HashSet<String>) -> String {
    let mut candidate = name.to_string();
    if taken.contains(&candidate) {
        let mut chars = name.chars();
        candidate = match chars.next() {
            Some(first) => format!("genotype{}{}", first.to_uppercase(), chars.as_str()),
            None => "genotype".to_string(),
        };
        while taken.contains(&candidate) {
            candidate.push('_');
        }
    }
    taken.insert(candidate.clone());
    candidate
}

/// The samples of a batch's rows, from its first row, checked against its
/// last.
fn sample_ids(child: &ArrayRef, starts: &[i32], samples: usize) -> Result<Samples> {
    let Some((&first, &last)) = starts.first().zip(starts.last()) else {
        return Ok(Samples::anonymous(samples));
    };
    let ids_at = |start: i32| -> Result<Vec<String>> {
        let slice = child.slice(start as usize, samples);
        let strings = arrow::compute::cast(&slice, &DataType::Utf8)?;
        let strings = strings.as_string::<i32>();
        if strings.null_count() > 0 {
            return Err(Error::Layout(
                "a null sampleId cannot be stored in the matrix layout".into(),
            ));
        }
        Ok(strings
            .iter()
            .map(|s| s.unwrap_or_default().to_string())
            .collect())
    };
    let ids = ids_at(first)?;
    if last != first && ids_at(last)? != ids {
        return Err(Error::Layout(
            "the rows of one batch hold different samples: a matrix table holds one sample list"
                .into(),
        ));
    }
    Ok(Samples::with_ids(ids))
}

fn decode_sample_ids(samples: &Samples, selection: &Selection<'_>) -> Result<ArrayRef> {
    let ids = samples.ids().ok_or_else(|| {
        Error::Layout("the table stores genotypes with sample ids but no sample list".into())
    })?;
    match selection.chosen {
        None => {
            let mut repeated = RepeatedStrings::new(ids);
            for _ in 0..selection.rows {
                repeated.push_all();
            }
            Ok(repeated.finish()?)
        }
        Some(chosen) => {
            let ids = StringArray::from_iter_values(ids);
            let indices = UInt64Array::from_iter_values(
                (0..selection.rows).flat_map(|_| chosen.iter().map(|&s| s as u64)),
            );
            Ok(arrow::compute::take(&ids, &indices, None)?)
        }
    }
}

fn decode_per_sample(list: &ArrayRef, name: &str, selection: &Selection<'_>) -> Result<ArrayRef> {
    let list = list.as_list_opt::<i32>().ok_or_else(|| {
        Error::Layout(format!(
            "column {name:?} should be a list of one value per sample"
        ))
    })?;
    let n = selection.samples;
    let offsets = list.offsets();
    let whole = list.null_count() == 0 && offsets.windows(2).all(|w| (w[1] - w[0]) as usize == n);
    if whole && selection.chosen.is_none() {
        let start = offsets[0] as usize;
        return Ok(list.values().slice(start, selection.rows * n));
    }
    let mut indices = Vec::with_capacity(selection.rows * selection.per_row());
    for row in 0..selection.rows {
        if list.is_null(row) {
            indices.extend(std::iter::repeat_n(None, selection.per_row()));
            continue;
        }
        let len = (offsets[row + 1] - offsets[row]) as usize;
        if len != n {
            return Err(Error::Layout(format!(
                "the matrix table is damaged: row {row} of column {name:?} has {len} values \
                 for {n} samples"
            )));
        }
        let start = offsets[row] as u64;
        indices.extend((0..selection.per_row()).map(|i| Some(start + selection.sample(i) as u64)));
    }
    let indices = UInt64Array::from(indices);
    Ok(arrow::compute::take(
        list.values().as_ref(),
        &indices,
        None,
    )?)
}

fn column_ref<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
    batch
        .column_by_name(name)
        .ok_or_else(|| Error::Layout(format!("the matrix rows lack column {name:?}")))
}

fn column(batch: &RecordBatch, name: &str) -> Result<ArrayRef> {
    column_ref(batch, name).map(Arc::clone)
}

fn bytes_column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a dyn Bytes> {
    let array = column_ref(batch, name)?.as_any();
    if let Some(a) = array.downcast_ref::<BinaryArray>() {
        Ok(a)
    } else if let Some(a) = array.downcast_ref::<BinaryViewArray>() {
        Ok(a)
    } else if let Some(a) = array.downcast_ref::<LargeBinaryArray>() {
        Ok(a)
    } else {
        Err(Error::Layout(format!(
            "column {name:?} should be binary, one byte string per row"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::json::{LineDelimitedWriter, ReaderBuilder};

    fn glow_schema() -> SchemaRef {
        let list = |t: DataType| DataType::List(Arc::new(Field::new("item", t, true)));
        let genotype = Fields::from(vec![
            Field::new("sampleId", DataType::Utf8, true),
            Field::new("phased", DataType::Boolean, true),
            Field::new("calls", list(DataType::Int32), true),
            Field::new("depth", DataType::Int32, true),
            Field::new("filters", list(DataType::Utf8), true),
            Field::new("alleleDepths", list(DataType::Int32), true),
        ]);
        Arc::new(Schema::new(vec![
            Field::new("contigName", DataType::Utf8, true),
            Field::new("start", DataType::Int64, true),
            Field::new("filters", list(DataType::Utf8), true),
            Field::new("genotypes", list(DataType::Struct(genotype)), true),
            Field::new("INFO_after", DataType::Int32, true),
        ]))
    }

    /// Rows that take every path: uniform diploid, mixed ploidy, no GT at
    /// all, some calls null, an allele index past 127, nulls in FORMAT
    /// fields.
    const ROWS: &str = r#"
{"contigName":"1","start":1,"filters":["PASS"],"genotypes":[{"sampleId":"A","phased":true,"calls":[0,1],"depth":3,"filters":["PASS"],"alleleDepths":[1,2]},{"sampleId":"B","phased":false,"calls":[1,1],"depth":4},{"sampleId":"C","phased":false,"calls":[-1,-1]}],"INFO_after":7}
{"contigName":"X","start":2,"genotypes":[{"sampleId":"A","phased":false,"calls":[0]},{"sampleId":"B","phased":false,"calls":[1,1]},{"sampleId":"C","phased":false,"calls":[-1]}]}
{"contigName":"X","start":3,"genotypes":[{"sampleId":"A","depth":1},{"sampleId":"B","depth":2},{"sampleId":"C"}]}
{"contigName":"X","start":4,"genotypes":[{"sampleId":"A","depth":1},{"sampleId":"B","phased":true,"calls":[0,1]},{"sampleId":"C","phased":false,"calls":[1]}]}
{"contigName":"2","start":5,"genotypes":[{"sampleId":"A","phased":false,"calls":[200,0],"alleleDepths":[]},{"sampleId":"B","phased":false,"calls":[0,40000]},{"sampleId":"C","phased":true,"calls":[]}]}
"#;

    fn read(schema: &SchemaRef, json: &str) -> RecordBatch {
        let mut reader = ReaderBuilder::new(Arc::clone(schema))
            .build(std::io::Cursor::new(json.trim().as_bytes()))
            .unwrap();
        reader.next().unwrap().unwrap()
    }

    fn json(batch: &RecordBatch) -> String {
        let mut writer = LineDelimitedWriter::new(Vec::new());
        writer.write(batch).unwrap();
        writer.finish().unwrap();
        String::from_utf8(writer.into_inner()).unwrap()
    }

    #[test]
    fn glow_rows_survive_the_matrix_layout_and_the_stored_configuration() {
        let schema = glow_schema();
        let glow = read(&schema, ROWS);
        let layout = MatrixLayout::from_glow(&schema).unwrap();
        let (matrix, samples) = layout.to_matrix(&glow).unwrap();
        let samples = samples.unwrap();
        assert_eq!(samples.ids().unwrap(), ["A", "B", "C"]);
        let names: Vec<_> = matrix
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(
            names,
            [
                "contigName",
                "start",
                "filters",
                "phased",
                "calls",
                "callsPloidy",
                "depth",
                "genotypeFilters",
                "alleleDepths",
                "INFO_after"
            ]
        );
        let calls = matrix.column_by_name("calls").unwrap().as_binary::<i32>();
        assert_eq!(calls.value(0), &[0, 1, 1, 1, 0xff, 0xff]);
        // Mixed ploidy: A and C are haploid, padded with -2.
        assert_eq!(calls.value(1), &[0, 0xfe, 1, 1, 0xff, 0xfe]);
        assert!(calls.is_null(2));
        // A's calls are null: -3 in both slots.
        assert_eq!(calls.value(3), &[0xfd, 0xfd, 0, 1, 1, 0xfe]);
        // 40000 needs four bytes per slot.
        assert_eq!(calls.value(4).len(), 2 * 3 * 4);
        let phased = matrix.column_by_name("phased").unwrap().as_binary::<i32>();
        assert_eq!(phased.value(3), &[2, 1, 0]);
        assert!(phased.is_null(2));

        // A reader knows the table by its schema and configuration alone.
        let stored = MatrixLayout::from_matrix(&matrix.schema(), &layout.fields_json()).unwrap();
        let back = stored
            .to_glow(&matrix, &samples, &stored.glow_schema())
            .unwrap();
        assert_eq!(json(&back), json(&glow));
        let names: Vec<_> = stored
            .glow_schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(
            names,
            ["contigName", "start", "filters", "genotypes", "INFO_after"]
        );

        // A projection without genotypes reads no genotype column.
        let sites = Arc::new(stored.glow_schema().project(&[0, 1]).unwrap());
        let only_sites = matrix.project(&[0, 1]).unwrap();
        assert_eq!(
            stored
                .to_glow(&only_sites, &samples, &sites)
                .unwrap()
                .num_rows(),
            5
        );
    }

    #[test]
    fn the_long_view_decodes_the_chosen_samples_only() {
        let schema = glow_schema();
        let layout = MatrixLayout::from_glow(&schema).unwrap();
        let (matrix, samples) = layout.to_matrix(&read(&schema, ROWS)).unwrap();
        let stored = MatrixLayout::from_matrix(&matrix.schema(), &layout.fields_json()).unwrap();
        let long = stored.long_schema();
        let wanted = Arc::new(
            long.project(&[
                long.index_of("start").unwrap(),
                long.index_of("sampleId").unwrap(),
                long.index_of("calls").unwrap(),
                long.index_of("depth").unwrap(),
            ])
            .unwrap(),
        );
        let rows = stored
            .to_long(&matrix, &samples.unwrap(), Some(&[2, 0]), &wanted)
            .unwrap();
        let text = json(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 10);
        assert_eq!(lines[0], r#"{"start":1,"sampleId":"C","calls":[-1,-1]}"#);
        assert_eq!(
            lines[1],
            r#"{"start":1,"sampleId":"A","calls":[0,1],"depth":3}"#
        );
        assert_eq!(lines[6], r#"{"start":4,"sampleId":"C","calls":[1]}"#);
        assert_eq!(lines[7], r#"{"start":4,"sampleId":"A","depth":1}"#);
        assert_eq!(lines[8], r#"{"start":5,"sampleId":"C","calls":[]}"#);
    }

    #[test]
    fn rows_the_layout_cannot_hold_are_errors() {
        let schema = glow_schema();
        let layout = MatrixLayout::from_glow(&schema).unwrap();
        let ragged = r#"
{"contigName":"1","start":1,"genotypes":[{"sampleId":"A","calls":[0,1]},{"sampleId":"B","calls":[0,1]}]}
{"contigName":"1","start":2,"genotypes":[{"sampleId":"A","calls":[0,1]}]}
"#;
        let err = layout
            .to_matrix(&read(&schema, ragged))
            .unwrap_err()
            .to_string();
        assert!(err.contains("row 2 of a batch has 1 genotypes"), "{err}");
        let negative =
            r#"{"contigName":"1","start":1,"genotypes":[{"sampleId":"A","calls":[0,-2]}]}"#;
        let err = layout
            .to_matrix(&read(&schema, negative))
            .unwrap_err()
            .to_string();
        assert!(err.contains("-2"), "{err}");
        let other_samples = r#"
{"contigName":"1","start":1,"genotypes":[{"sampleId":"A","calls":[0,1]}]}
{"contigName":"1","start":2,"genotypes":[{"sampleId":"B","calls":[0,1]}]}
"#;
        let err = layout
            .to_matrix(&read(&schema, other_samples))
            .unwrap_err()
            .to_string();
        assert!(err.contains("different samples"), "{err}");
        let no_genotypes = Arc::new(Schema::new(vec![Field::new(
            "start",
            DataType::Int64,
            true,
        )]));
        assert!(MatrixLayout::from_glow(&no_genotypes).is_err());
        assert!(
            MatrixLayout::from_matrix(
                &no_genotypes,
                "[{\"field\":\"depth\",\"column\":\"depth\",\"encoding\":\"perSample\"}]"
            )
            .is_err()
        );
        assert!(MatrixLayout::from_matrix(&no_genotypes, "not json").is_err());
    }
}
