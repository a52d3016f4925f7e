//! A Glow table's `genotypes.calls` leaf rebuilt from its Parquet levels.
//!
//! Arrow's Parquet reader rebuilds nested lists generically: for a Glow
//! table's two levels of lists (rows of samples, samples of alleles) it
//! spends three quarters of `genolake qc`'s time building validity bitmaps
//! and offsets level by level (perf, 100,000 × 2,000 msprime table). Here
//! the column's repetition and definition levels are walked once, into the
//! offsets of both lists, and Arrow arrays are made from them without
//! copying; bitmaps are built only when something is null.
//!
//! The walk knows one shape only: `genotypes` (list) of structs whose
//! `calls` is a list of Int32, each level optional or required, as Glow's
//! schema and genolake's writer give it. [`CallsLeaf::of`] returns `None`
//! for any other, and the caller reads through Arrow instead.

use std::fs::File;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, ListArray, StructArray};
use arrow::buffer::{BooleanBuffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, FieldRef};
use parquet::basic::Repetition;
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::Int32Type;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::properties::ReaderProperties;
use parquet::file::reader::RowGroupReader;
use parquet::file::serialized_reader::SerializedRowGroupReader;
use parquet::schema::types::{SchemaDescriptor, Type};

/// Where the leaf is and how its levels read.
#[derive(Debug, Clone)]
pub struct CallsLeaf {
    /// The leaf's column index in the file.
    column: usize,
    /// `genotypes`' Arrow type, as Arrow's reader would give it.
    data_type: DataType,
    levels: Levels,
}

/// Definition levels at and above which each part of the path is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Levels {
    /// The row's `genotypes` list is not null.
    row: i16,
    /// The row has a sample here (its list is not empty).
    sample: i16,
    /// The sample's struct is not null.
    genotype: i16,
    /// The sample's `calls` list is not null.
    calls: i16,
    /// The sample has an allele here.
    allele: i16,
    /// The allele is not null.
    value: i16,
}

impl CallsLeaf {
    /// The `genotypes.calls` leaf of a file whose `genotypes` Arrow type
    /// (with the other struct fields left out) is `data_type`; `None` when
    /// the file has no such leaf or its path is not of the known shape.
    pub fn of(schema: &SchemaDescriptor, data_type: &DataType) -> Option<Self> {
        let column = (0..schema.num_columns())
            .find(|&i| crate::leaves::is_calls_leaf(schema.column(i).path().parts()))?;
        let descriptor = schema.column(column);
        if descriptor.physical_type() != parquet::basic::Type::INT32 {
            return None;
        }
        let repetitions = path_repetitions(schema.root_schema(), descriptor.path().parts())?;
        let levels = Levels::of(&repetitions)?;
        (levels.value == descriptor.max_def_level() && descriptor.max_rep_level() == 2).then(|| {
            Self {
                column,
                data_type: data_type.clone(),
                levels,
            }
        })
    }

    /// Reads the leaf of row group `row_group`, after skipping `skip` rows.
    pub fn open(
        &self,
        file: File,
        metadata: &ParquetMetaData,
        row_group: usize,
        skip: usize,
    ) -> Result<CallsReader> {
        let group = SerializedRowGroupReader::new(
            Arc::new(file),
            metadata.row_group(row_group),
            None,
            Arc::new(ReaderProperties::builder().build()),
        )?;
        let ColumnReader::Int32ColumnReader(mut column) = group.get_column_reader(self.column)?
        else {
            return Err(ParquetError::General("calls is not an Int32 column".into()));
        };
        if skip > 0 && column.skip_records(skip)? != skip {
            return Err(ParquetError::EOF(format!(
                "the row group ends before row {skip}"
            )));
        }
        Ok(CallsReader {
            column,
            leaf: self.clone(),
            def: Vec::new(),
            rep: Vec::new(),
            values: Vec::new(),
        })
    }
}

impl Levels {
    /// The levels of the path `genotypes / list / element / calls / list /
    /// element` with these repetitions; `None` for another shape.
    fn of(repetitions: &[Repetition]) -> Option<Self> {
        const OPTIONAL: Repetition = Repetition::OPTIONAL;
        const REPEATED: Repetition = Repetition::REPEATED;
        let [row, list, genotype, calls, calls_list, value] = repetitions else {
            return None;
        };
        if *list != REPEATED
            || *calls_list != REPEATED
            || [row, genotype, calls, value]
                .iter()
                .any(|r| **r == REPEATED)
        {
            return None;
        }
        let optional = |r: &Repetition| i16::from(*r == OPTIONAL);
        let row = optional(row);
        let sample = row + 1;
        let genotype = sample + optional(genotype);
        let calls = genotype + optional(calls);
        let allele = calls + 1;
        let value = allele + optional(value);
        Some(Self {
            row,
            sample,
            genotype,
            calls,
            allele,
            value,
        })
    }
}

/// The repetition of each node along `path` from `root`.
fn path_repetitions(root: &Type, path: &[String]) -> Option<Vec<Repetition>> {
    let mut node = root;
    let mut repetitions = Vec::with_capacity(path.len());
    for part in path {
        node = node
            .get_fields()
            .iter()
            .find(|f| f.name() == part)?
            .as_ref();
        repetitions.push(node.get_basic_info().repetition());
    }
    Some(repetitions)
}

/// Reads rows of one row group's `genotypes.calls` leaf.
pub struct CallsReader {
    column: ColumnReaderImpl<Int32Type>,
    leaf: CallsLeaf,
    def: Vec<i16>,
    rep: Vec<i16>,
    values: Vec<i32>,
}

/// Offsets and validity being gathered for one batch.
#[derive(Default)]
struct Lists {
    rows: Vec<i32>,
    row_nulls: Vec<usize>,
    samples: Vec<i32>,
    genotype_nulls: Vec<usize>,
    calls_nulls: Vec<usize>,
    alleles: Vec<i32>,
    value_nulls: Vec<usize>,
}

impl CallsReader {
    /// The next `rows` rows' `genotypes`, of the Arrow type Arrow's reader
    /// gives (with `calls` the struct's only field).
    pub fn read(&mut self, rows: usize) -> Result<ArrayRef> {
        self.def.clear();
        self.rep.clear();
        self.values.clear();
        let (read, _, levels) = self.column.read_records(
            rows,
            Some(&mut self.def),
            Some(&mut self.rep),
            &mut self.values,
        )?;
        if read != rows {
            return Err(ParquetError::EOF(format!(
                "calls has {read} rows where {rows} were expected"
            )));
        }
        let lists = self.walk(levels)?;
        self.build(lists)
    }

    /// One pass over the levels: where each row, sample and allele starts,
    /// and which are null.
    fn walk(&mut self, levels: usize) -> Result<Lists> {
        let l = self.leaf.levels;
        if self.values.len() == levels && self.def[..levels].iter().all(|&d| d == l.value) {
            return Ok(self.walk_present(levels));
        }
        let mut lists = Lists::default();
        lists.rows.reserve(levels / 2 + 1);
        lists.samples.reserve(levels / 2 + 1);
        lists.alleles.reserve(levels);
        let mut next_value = self.values.iter();
        for (&r, &d) in self.rep[..levels].iter().zip(&self.def[..levels]) {
            if r == 0 {
                if d < l.row {
                    lists.row_nulls.push(lists.rows.len());
                }
                lists.rows.push(lists.samples.len() as i32);
            }
            if r <= 1 {
                if d < l.sample {
                    continue;
                }
                let sample = lists.samples.len();
                if d < l.genotype {
                    lists.genotype_nulls.push(sample);
                }
                if d < l.calls {
                    lists.calls_nulls.push(sample);
                }
                lists.samples.push(lists.alleles.len() as i32);
            }
            if d >= l.allele {
                if d >= l.value {
                    let value = next_value.next().ok_or_else(|| {
                        ParquetError::General("calls has fewer values than levels say".into())
                    })?;
                    lists.alleles.push(*value);
                } else {
                    lists.value_nulls.push(lists.alleles.len());
                    lists.alleles.push(0);
                }
            }
        }
        if next_value.next().is_some() {
            return Err(ParquetError::General(
                "calls has more values than levels say".into(),
            ));
        }
        lists.rows.push(lists.samples.len() as i32);
        lists.samples.push(lists.alleles.len() as i32);
        Ok(lists)
    }

    /// [`Self::walk`] when every level is a present allele (nearly every
    /// batch of a cohort): the values are the alleles as they are, and the
    /// repetition levels alone place the rows and samples.
    fn walk_present(&mut self, levels: usize) -> Lists {
        let mut rows = Vec::with_capacity(levels / 2 + 1);
        let mut samples = Vec::with_capacity(levels / 2 + 1);
        for (i, &r) in self.rep[..levels].iter().enumerate() {
            if r <= 1 {
                if r == 0 {
                    rows.push(samples.len() as i32);
                }
                samples.push(i as i32);
            }
        }
        rows.push(samples.len() as i32);
        samples.push(levels as i32);
        Lists {
            rows,
            samples,
            alleles: std::mem::take(&mut self.values),
            ..Lists::default()
        }
    }

    fn build(&self, lists: Lists) -> Result<ArrayRef> {
        let error = |e: arrow::error::ArrowError| ParquetError::General(e.to_string());
        let (genotype_field, genotype_fields, value_field) = self.fields().ok_or_else(|| {
            ParquetError::General(format!("genotypes is {}", self.leaf.data_type))
        })?;
        let alleles = lists.alleles.len();
        let values = Int32Array::try_new(
            ScalarBuffer::from(lists.alleles),
            nulls(&lists.value_nulls, alleles),
        )
        .map_err(error)?;
        let samples = lists.samples.len() - 1;
        let calls = ListArray::try_new(
            value_field,
            OffsetBuffer::new(ScalarBuffer::from(lists.samples)),
            Arc::new(values),
            nulls(&lists.calls_nulls, samples),
        )
        .map_err(error)?;
        let genotypes = StructArray::try_new(
            genotype_fields,
            vec![Arc::new(calls)],
            nulls(&lists.genotype_nulls, samples),
        )
        .map_err(error)?;
        let rows = lists.rows.len() - 1;
        let list = ListArray::try_new(
            genotype_field,
            OffsetBuffer::new(ScalarBuffer::from(lists.rows)),
            Arc::new(genotypes),
            nulls(&lists.row_nulls, rows),
        )
        .map_err(error)?;
        Ok(Arc::new(list))
    }

    /// The fields of `genotypes`' type: its element, the element's struct
    /// fields (`calls` alone) and `calls`' element.
    fn fields(&self) -> Option<(FieldRef, arrow::datatypes::Fields, FieldRef)> {
        let DataType::List(genotype) = &self.leaf.data_type else {
            return None;
        };
        let DataType::Struct(fields) = genotype.data_type() else {
            return None;
        };
        let [calls] = fields.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let DataType::List(value) = calls.data_type() else {
            return None;
        };
        (value.data_type() == &DataType::Int32)
            .then(|| (genotype.clone(), fields.clone(), value.clone()))
    }
}

/// A validity buffer of `len` slots with these null positions; `None` when
/// there are none.
fn nulls(positions: &[usize], len: usize) -> Option<NullBuffer> {
    if positions.is_empty() {
        return None;
    }
    let mut valid = vec![true; len];
    for &p in positions {
        valid[p] = false;
    }
    Some(NullBuffer::new(BooleanBuffer::from(valid)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, RecordBatch, StringArray};
    use arrow::datatypes::{Field, Fields, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
    use parquet::file::properties::WriterProperties;
    use proptest::prelude::*;

    /// A row: `None` for a null `genotypes`; each sample `None` for a null
    /// struct, `Some(None)` for null calls, alleles `None` for null values.
    type Row = Option<Vec<Option<Option<Vec<Option<i32>>>>>>;

    fn rows() -> impl Strategy<Value = Vec<Row>> {
        let allele = prop_oneof![8 => (-1i32..3).prop_map(Some), 1 => Just(None)];
        let calls = prop_oneof![
            8 => proptest::collection::vec(allele, 0..4).prop_map(Some),
            1 => Just(None)
        ];
        let sample = prop_oneof![8 => calls.prop_map(Some), 1 => Just(None)];
        let row = prop_oneof![
            8 => proptest::collection::vec(sample, 0..5).prop_map(Some),
            1 => Just(None)
        ];
        proptest::collection::vec(row, 1..40)
    }

    /// Glow's `genotypes` type (with a `sampleId` beside `calls`), every
    /// level nullable or every level required.
    fn genotypes_type(nullable: bool) -> DataType {
        let value = Field::new("element", DataType::Int32, nullable);
        let calls = Field::new("calls", DataType::List(Arc::new(value)), nullable);
        let id = Field::new("sampleId", DataType::Utf8, nullable);
        let genotype = Field::new(
            "element",
            DataType::Struct(Fields::from(vec![id, calls])),
            nullable,
        );
        DataType::List(Arc::new(genotype))
    }

    fn to_array(rows: &[Row], nullable: bool) -> ArrayRef {
        let DataType::List(genotype) = genotypes_type(nullable) else {
            unreachable!()
        };
        let DataType::Struct(fields) = genotype.data_type().clone() else {
            unreachable!()
        };
        let DataType::List(value) = fields[1].data_type().clone() else {
            unreachable!()
        };
        let (mut row_offsets, mut row_valid) = (vec![0i32], Vec::new());
        let (mut sample_offsets, mut genotype_valid, mut calls_valid) =
            (vec![0i32], Vec::new(), Vec::new());
        let (mut values, mut value_valid) = (Vec::new(), Vec::new());
        for row in rows {
            row_valid.push(row.is_some());
            for sample in row.iter().flatten() {
                genotype_valid.push(sample.is_some());
                let calls = sample.clone().flatten();
                calls_valid.push(calls.is_some());
                for allele in calls.iter().flatten() {
                    value_valid.push(allele.is_some());
                    values.push(allele.unwrap_or(0));
                }
                sample_offsets.push(values.len() as i32);
            }
            row_offsets.push(genotype_valid.len() as i32);
        }
        let mask = |v: Vec<bool>| Some(NullBuffer::from(v)).filter(|n| n.null_count() > 0);
        let values = Int32Array::new(ScalarBuffer::from(values), mask(value_valid));
        let calls = ListArray::new(
            value,
            OffsetBuffer::new(ScalarBuffer::from(sample_offsets)),
            Arc::new(values),
            mask(calls_valid),
        );
        let ids = StringArray::from_iter_values((0..calls.len()).map(|i| format!("s{i}")));
        let genotypes = StructArray::new(
            fields,
            vec![Arc::new(ids), Arc::new(calls)],
            mask(genotype_valid),
        );
        Arc::new(ListArray::new(
            genotype,
            OffsetBuffer::new(ScalarBuffer::from(row_offsets)),
            Arc::new(genotypes),
            mask(row_valid),
        ))
    }

    /// Writes the rows with small pages and row groups, then reads row
    /// group 0 from row `skip` both ways.
    fn both_ways(rows: &[Row], nullable: bool, skip: usize) -> (ArrayRef, ArrayRef) {
        let array = to_array(rows, nullable);
        let field = Field::new(
            genolake_core::schema::GENOTYPES,
            array.data_type().clone(),
            nullable,
        );
        let batch = RecordBatch::try_new(Arc::new(Schema::new(vec![field])), vec![array]).unwrap();
        let file = tempfile::tempfile().unwrap();
        let properties = WriterProperties::builder()
            .set_data_page_row_count_limit(7)
            .set_write_batch_size(5)
            .build();
        let mut writer =
            ArrowWriter::try_new(file.try_clone().unwrap(), batch.schema(), Some(properties))
                .unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();

        let metadata = ArrowReaderMetadata::load(&file, Default::default()).unwrap();
        let schema = metadata.metadata().file_metadata().schema_descr();
        let mask = ProjectionMask::leaves(schema, [1]);
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
            file.try_clone().unwrap(),
            metadata.clone(),
        )
        .with_projection(mask)
        .build()
        .unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        let theirs = arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
        let theirs = theirs.column(0).slice(skip, rows.len() - skip);

        let leaf = CallsLeaf::of(schema, theirs.data_type()).expect("a known shape");
        let mut reader = leaf.open(file, metadata.metadata(), 0, skip).unwrap();
        // Two reads, so that a batch boundary falls inside the rows.
        let half = (rows.len() - skip) / 2;
        let first = reader.read(half).unwrap();
        let second = reader.read(rows.len() - skip - half).unwrap();
        let ours = arrow::compute::concat(&[first.as_ref(), second.as_ref()]).unwrap();
        (ours, theirs)
    }

    proptest! {
        #[test]
        fn levels_rebuild_what_arrow_reads(rows in rows(), skip in 0usize..40) {
            let skip = skip % rows.len();
            let (ours, theirs) = both_ways(&rows, true, skip);
            prop_assert_eq!(ours.as_ref(), theirs.as_ref());
        }

        #[test]
        fn required_levels_too(lengths in proptest::collection::vec(proptest::collection::vec(0usize..4, 0..5), 1..30)) {
            let rows: Vec<Row> = lengths
                .iter()
                .map(|row| Some(row.iter().map(|&n| Some(Some((0..n as i32).map(Some).collect()))).collect()))
                .collect();
            let (ours, theirs) = both_ways(&rows, false, 0);
            prop_assert_eq!(ours.as_ref(), theirs.as_ref());
        }
    }

    #[test]
    fn other_shapes_are_left_to_arrow() {
        let field = Field::new(
            "genotypes",
            DataType::List(Arc::new(Field::new("element", DataType::Int32, true))),
            true,
        );
        let array = arrow::array::new_empty_array(field.data_type());
        let batch = RecordBatch::try_new(Arc::new(Schema::new(vec![field])), vec![array]).unwrap();
        let file = tempfile::tempfile().unwrap();
        let mut writer =
            ArrowWriter::try_new(file.try_clone().unwrap(), batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let metadata = ArrowReaderMetadata::load(&file, Default::default()).unwrap();
        let schema = metadata.metadata().file_metadata().schema_descr();
        assert!(CallsLeaf::of(schema, &genotypes_type(true)).is_none());
    }
}
