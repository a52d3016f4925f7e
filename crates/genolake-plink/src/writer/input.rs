//! The columns of a batch the writer needs, whatever their exact Arrow
//! types (`Utf8View` strings from Delta, `LargeList`s, `Int8` calls are
//! cast once per batch to the types the reader produces).

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int32Array, Int64Array, ListArray, StringArray,
    StructArray,
};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field};
use genolake_core::schema as names;

fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(item, true)))
}

fn is_list_of(data_type: &DataType, item: &DataType) -> bool {
    matches!(data_type, DataType::List(f) if f.data_type() == item)
}

/// Casts `array` to `to` unless it already is of that type (for lists,
/// whatever the name of their item field).
fn cast_to(array: &ArrayRef, to: &DataType, what: &str) -> Result<ArrayRef, String> {
    let already = match to {
        DataType::List(f) => is_list_of(array.data_type(), f.data_type()),
        other => array.data_type() == other,
    };
    if already {
        return Ok(array.clone());
    }
    cast(array, to).map_err(|e| {
        format!(
            "column {what} is {}, which cannot be read as {to}: {e}",
            array.data_type()
        )
    })
}

fn required<'a>(batch: &'a arrow::array::RecordBatch, name: &str) -> Result<&'a ArrayRef, String> {
    batch.column_by_name(name).ok_or_else(|| {
        format!(
            "the table has no {name} column; writing PLINK needs contigName, start, \
             referenceAllele, alternateAlleles and genotypes (with calls)"
        )
    })
}

/// The site of one row.
pub(crate) struct Site<'a> {
    pub contig: &'a str,
    pub start: i64,
    pub position: f64,
    pub reference: &'a str,
    pub alternates: Vec<&'a str>,
    pub names: Vec<&'a str>,
}

/// The columns of a batch, cast to the types the writer reads.
pub(crate) struct Columns {
    contig: StringArray,
    start: Int64Array,
    position: Option<Float64Array>,
    reference: StringArray,
    alternates: ListArray,
    names: Option<ListArray>,
    pub genotypes: GenotypeColumn,
}

impl Columns {
    pub(crate) fn of(batch: &arrow::array::RecordBatch) -> Result<Self, String> {
        let strings = |name: &str| -> Result<StringArray, String> {
            Ok(cast_to(required(batch, name)?, &DataType::Utf8, name)?
                .as_string::<i32>()
                .clone())
        };
        let string_lists = |array: &ArrayRef, name: &str| -> Result<ListArray, String> {
            Ok(cast_to(array, &list_of(DataType::Utf8), name)?
                .as_list::<i32>()
                .clone())
        };
        let start = cast_to(
            required(batch, names::START)?,
            &DataType::Int64,
            names::START,
        )?
        .as_primitive()
        .clone();
        let position = match batch.column_by_name(names::POSITION) {
            None => None,
            Some(p) => Some(
                cast_to(p, &DataType::Float64, names::POSITION)?
                    .as_primitive()
                    .clone(),
            ),
        };
        let alternates = string_lists(
            required(batch, names::ALTERNATE_ALLELES)?,
            names::ALTERNATE_ALLELES,
        )?;
        let names_column = match batch.column_by_name(names::NAMES) {
            None => None,
            Some(n) => Some(string_lists(n, names::NAMES)?),
        };
        Ok(Self {
            contig: strings(names::CONTIG_NAME)?,
            start,
            position,
            reference: strings(names::REFERENCE_ALLELE)?,
            alternates,
            names: names_column,
            genotypes: GenotypeColumn::of(required(batch, names::GENOTYPES)?)?,
        })
    }

    /// The site columns of row `r`.
    pub(crate) fn site(&self, r: usize) -> Result<Site<'_>, String> {
        let null = |what: &str| format!("{what} is null");
        if self.contig.is_null(r) {
            return Err(null(names::CONTIG_NAME));
        }
        if self.start.is_null(r) {
            return Err(null(names::START));
        }
        if self.reference.is_null(r) {
            return Err(null(names::REFERENCE_ALLELE));
        }
        let position = match &self.position {
            Some(p) if !p.is_null(r) => p.value(r),
            _ => 0.0,
        };
        fn list<'a>(array: &'a ListArray, r: usize, what: &str) -> Result<Vec<&'a str>, String> {
            if array.is_null(r) {
                return Ok(Vec::new());
            }
            let offsets = array.value_offsets();
            let (a, b) = (offsets[r] as usize, offsets[r + 1] as usize);
            let items = array.values().as_string::<i32>();
            (a..b)
                .map(|i| {
                    if items.is_null(i) {
                        Err(format!("{what} holds a null"))
                    } else {
                        Ok(items.value(i))
                    }
                })
                .collect()
        }
        Ok(Site {
            contig: self.contig.value(r),
            start: self.start.value(r),
            position,
            reference: self.reference.value(r),
            alternates: list(&self.alternates, r, names::ALTERNATE_ALLELES)?,
            names: match &self.names {
                Some(n) => list(n, r, names::NAMES)?,
                None => Vec::new(),
            },
        })
    }
}

/// The `genotypes` column: its row offsets, `sampleId`s and `calls`.
pub(crate) struct GenotypeColumn {
    list: ListArray,
    structs: StructArray,
    sample_ids: Option<StringArray>,
    calls: ListArray,
    call_values: Int32Array,
}

impl GenotypeColumn {
    fn of(array: &ArrayRef) -> Result<Self, String> {
        let list = match array.data_type() {
            DataType::List(_) => array.as_list::<i32>().clone(),
            DataType::LargeList(f) | DataType::ListView(f) | DataType::LargeListView(f) => {
                cast(array, &DataType::List(f.clone()))
                    .map_err(|e| format!("column genotypes cannot be read as a list: {e}"))?
                    .as_list::<i32>()
                    .clone()
            }
            other => {
                return Err(format!(
                    "column genotypes is {other}, not a list of genotype structs"
                ));
            }
        };
        let Some(structs) = list.values().as_struct_opt() else {
            return Err(format!(
                "column genotypes is a list of {}, not of genotype structs",
                list.values().data_type()
            ));
        };
        let structs = structs.clone();
        let calls = structs.column_by_name(names::CALLS).ok_or_else(|| {
            "the genotypes have no calls field; PLINK stores hard calls only".to_string()
        })?;
        let calls = cast_to(calls, &list_of(DataType::Int32), "genotypes.calls")?
            .as_list::<i32>()
            .clone();
        let call_values = calls.values().as_primitive().clone();
        let sample_ids = match structs.column_by_name(names::SAMPLE_ID) {
            None => None,
            Some(ids) => Some(
                cast_to(ids, &DataType::Utf8, "genotypes.sampleId")?
                    .as_string::<i32>()
                    .clone(),
            ),
        };
        Ok(Self {
            list,
            structs,
            sample_ids,
            calls,
            call_values,
        })
    }

    /// The genotypes of row `r`.
    pub(crate) fn row(&self, r: usize) -> Genotypes<'_> {
        let (begin, end) = if self.list.is_null(r) {
            (0, 0)
        } else {
            let offsets = self.list.value_offsets();
            (offsets[r] as usize, offsets[r + 1] as usize)
        };
        Genotypes {
            column: self,
            begin,
            end,
        }
    }
}

/// One row's genotypes.
pub(crate) struct Genotypes<'a> {
    column: &'a GenotypeColumn,
    begin: usize,
    end: usize,
}

impl<'a> Genotypes<'a> {
    pub(crate) fn len(&self) -> usize {
        self.end - self.begin
    }

    /// The `sampleId`s, when the structs have them.
    pub(crate) fn sample_ids(&self) -> Option<impl Iterator<Item = Option<&'a str>> + 'a> {
        let ids = self.column.sample_ids.as_ref()?;
        let structs = &self.column.structs;
        Some(
            (self.begin..self.end)
                .map(move |i| (!structs.is_null(i) && !ids.is_null(i)).then(|| ids.value(i))),
        )
    }

    /// The calls of genotype `g`, `None` when the genotype or its calls are null.
    pub(crate) fn calls(&self, g: usize) -> Option<Calls<'a>> {
        let i = self.begin + g;
        let c = self.column;
        if c.structs.is_null(i) || c.calls.is_null(i) {
            return None;
        }
        let offsets = c.calls.value_offsets();
        Some(Calls::Array {
            values: &c.call_values,
            begin: offsets[i] as usize,
            end: offsets[i + 1] as usize,
        })
    }
}

/// The allele indices of one genotype.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Calls<'a> {
    Array {
        values: &'a Int32Array,
        begin: usize,
        end: usize,
    },
    #[cfg(test)]
    Slice(&'a [Option<i32>]),
}

impl Calls<'_> {
    pub(crate) fn len(&self) -> usize {
        match self {
            Calls::Array { begin, end, .. } => end - begin,
            #[cfg(test)]
            Calls::Slice(s) => s.len(),
        }
    }

    /// Call `k`; `None` for a null value.
    pub(crate) fn get(&self, k: usize) -> Option<i32> {
        match self {
            Calls::Array { values, begin, .. } => {
                let i = begin + k;
                (!values.is_null(i)).then(|| values.value(i))
            }
            #[cfg(test)]
            Calls::Slice(s) => s[k],
        }
    }
}
