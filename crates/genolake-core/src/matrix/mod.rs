//! The matrix layout: a variant table with its sample ids stored once and
//! its genotypes as dense per-variant arrays, in sample order.
//!
//! Glow's layout keeps every genotype as a struct inside the `genotypes`
//! list, with its own `sampleId`: a 100,000 × 2,000 cohort writes 200
//! million sample id strings and three levels of Parquet nesting, and every
//! later read pays for them. The matrix layout keeps the site columns as
//! they are and replaces `genotypes` by one column per genotype field:
//!
//! | Glow field | matrix column | per row |
//! |---|---|---|
//! | `sampleId` | none: the ids are stored once, with the table | |
//! | `calls` | `calls` (Binary) and `callsPloidy` (Int32) | `callsPloidy` × samples little-endian integers |
//! | `phased` | `phased` (Binary) | one byte per sample: 0 unphased, 1 phased, 2 null |
//! | any other field of type `T` | a `List<T>` of the same name | one value per sample |
//!
//! **Calls.** Each sample has `callsPloidy` slots, the row's largest
//! ploidy, each an allele index (−1 missing). A sample with fewer alleles
//! (haploid calls on chrX beside diploid ones) fills its remaining slots
//! with −2; a sample whose `calls` are null fills them all with −3. The
//! integers are the narrowest of 1, 2 or 4 bytes that hold the row's
//! largest allele index, so their width is `len(calls) / (callsPloidy ×
//! samples)`: 1 byte for any site with fewer than 128 alleles. A row whose
//! calls are all null (a VCF record without GT) is null.
//!
//! **Other fields** keep their type, one value per sample, so a list field
//! (`alleleDepths`, BGEN's `posteriorProbabilities`) is a list of lists. A
//! field whose Glow name is taken by a site column (FORMAT `FT`, whose Glow
//! name is `filters`) is stored as `genotype` and its name capitalised
//! (`genotypeFilters`).
//!
//! [`MatrixLayout`] maps one layout to the other, schemas and batches both
//! ways, and says what a table records about itself
//! ([`MatrixLayout::fields_json`], [`Samples`]) so a reader can undo it.
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{Array, AsArray, BooleanArray, Int32Array, ListArray, RecordBatch, StringArray, StructArray};
//! use arrow::buffer::OffsetBuffer;
//! use arrow::datatypes::{DataType, Field, Fields, Int32Type, Schema};
//! use genolake_core::matrix::{MatrixLayout, Samples};
//!
//! // One site, two samples: A is 0|1, B is haploid 1.
//! let calls = ListArray::new(
//!     Arc::new(Field::new("item", DataType::Int32, true)),
//!     OffsetBuffer::from_lengths([2, 1]),
//!     Arc::new(Int32Array::from(vec![0, 1, 1])),
//!     None,
//! );
//! let fields = Fields::from(vec![
//!     Field::new("sampleId", DataType::Utf8, true),
//!     Field::new("phased", DataType::Boolean, true),
//!     Field::new("calls", calls.data_type().clone(), true),
//! ]);
//! let genotypes = StructArray::new(fields.clone(), vec![
//!     Arc::new(StringArray::from(vec!["A", "B"])),
//!     Arc::new(BooleanArray::from(vec![true, false])),
//!     Arc::new(calls),
//! ], None);
//! let item = Arc::new(Field::new("item", DataType::Struct(fields), true));
//! let list = ListArray::new(item, OffsetBuffer::from_lengths([2]), Arc::new(genotypes), None);
//! let schema = Arc::new(Schema::new(vec![Field::new("genotypes", list.data_type().clone(), true)]));
//! let glow = RecordBatch::try_new(schema.clone(), vec![Arc::new(list)])?;
//!
//! let layout = MatrixLayout::from_glow(&schema)?;
//! let (matrix, samples) = layout.to_matrix(&glow)?;
//! let samples = samples.unwrap();
//! assert_eq!(samples.ids(), Some(&["A".to_string(), "B".to_string()][..]));
//! // Two slots per sample, one byte each; B's second slot is padding.
//! assert_eq!(matrix.column_by_name("calls").unwrap().as_binary::<i32>().value(0), &[0, 1, 1, 0xfe]);
//!
//! // And back: the same genotypes.
//! let back = layout.to_glow(&matrix, &samples, &layout.glow_schema())?;
//! let genotypes = back.column(0).as_list::<i32>().value(0);
//! let calls = genotypes.as_struct().column_by_name("calls").unwrap().as_list::<i32>().value(1);
//! assert_eq!(calls.as_primitive::<Int32Type>().values(), &[1]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod calls;
mod encode;
mod layout;
mod samples;

pub use encode::CallsBuilder;
pub use layout::{Encoding, GenotypeColumn, GenotypeParts, MatrixLayout};
pub use samples::Samples;

/// Table configuration key naming the layout (`matrix`); absent on Glow
/// tables.
pub const LAYOUT_KEY: &str = "genolake.layout";
/// The value of [`LAYOUT_KEY`] for this layout.
pub const MATRIX: &str = "matrix";
/// Table configuration key holding [`MatrixLayout::fields_json`].
pub const FIELDS_KEY: &str = "genolake.matrix.genotypeFields";
/// Table configuration key holding the sample ids, a JSON array in the
/// order of the per-sample arrays.
pub const SAMPLE_IDS_KEY: &str = "genolake.matrix.sampleIds";
/// Table configuration key holding the number of samples.
pub const SAMPLE_COUNT_KEY: &str = "genolake.matrix.sampleCount";
/// The column holding each row's number of call slots per sample.
pub const CALLS_PLOIDY: &str = "callsPloidy";

/// Slot value of a sample with fewer alleles than the row's ploidy.
pub const PAD: i32 = -2;
/// Slot value of a sample whose calls are null.
pub const NULL_CALLS: i32 = -3;
