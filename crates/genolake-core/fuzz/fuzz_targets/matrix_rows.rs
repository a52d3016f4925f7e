//! Any bytes as the stored columns of a matrix table: turning them back
//! into Glow's genotypes, or into the long view of some samples, returns
//! rows or an error, never panics.
//!
//! The first byte is the number of samples (1 to 8), the second a row's
//! `callsPloidy` (any `i8`, so negative and zero ploidies are tried); the
//! rest is cut at `0xfe` bytes into up to three rows, each cut again at its
//! first `0xfd` into `calls` and `phased`. A table stored by genolake never
//! holds such rows, but a table written by other tools, or damaged, may.
//!
//! `scripts/fuzz.sh matrix_rows`.

#![no_main]

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BinaryArray, Int32Array, ListArray, RecordBatch};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Schema};
use genolake_core::matrix::{MatrixLayout, Samples};
use libfuzzer_sys::fuzz_target;

const FIELDS: &str = r#"[{"field":"sampleId","encoding":"sampleIds"},{"field":"phased","column":"phased","encoding":"phased"},{"field":"calls","column":"calls","encoding":"calls"},{"field":"depth","column":"depth","encoding":"perSample"}]"#;

fuzz_target!(|data: &[u8]| {
    let [n, ploidy, rest @ ..] = data else { return };
    let samples = (*n as usize % 8) + 1;
    let rows: Vec<&[u8]> = rest.split(|b| *b == 0xfe).take(3).collect();
    let (calls, phased): (Vec<&[u8]>, Vec<&[u8]>) = rows
        .iter()
        .map(|row| match row.iter().position(|b| *b == 0xfd) {
            Some(cut) => (&row[..cut], &row[cut + 1..]),
            None => (*row, &row[..0]),
        })
        .unzip();
    let depth_values: Vec<i32> = (0..rows.len() * samples).map(|i| i as i32).collect();
    // The depth lists take the samples each, but for the last row's one fewer.
    let mut lengths = vec![samples; rows.len()];
    if let Some(last) = lengths.last_mut() {
        *last = last.saturating_sub(data.len() % 2);
    }
    let depth = ListArray::new(
        Arc::new(Field::new("element", DataType::Int32, true)),
        OffsetBuffer::from_lengths(lengths.iter().copied()),
        Arc::new(Int32Array::from(depth_values[..lengths.iter().sum::<usize>()].to_vec())),
        None,
    );
    let schema = Arc::new(Schema::new(vec![
        Field::new("phased", DataType::Binary, true),
        Field::new("calls", DataType::Binary, true),
        Field::new("callsPloidy", DataType::Int32, true),
        Field::new("depth", depth.data_type().clone(), true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(BinaryArray::from_vec(phased)),
        Arc::new(BinaryArray::from_vec(calls)),
        Arc::new(Int32Array::from(vec![*ploidy as i8 as i32; rows.len()])),
        Arc::new(depth),
    ];
    let Ok(batch) = RecordBatch::try_new(schema.clone(), columns) else { return };
    let Ok(layout) = MatrixLayout::from_matrix(&schema, FIELDS) else { return };
    let ids = (0..samples).map(|i| format!("S{i}")).collect();
    let samples_list = Samples::with_ids(ids);
    let _ = layout.to_glow(&batch, &samples_list, &layout.glow_schema());
    let chosen = [samples - 1, 0];
    let _ = layout.to_long(&batch, &samples_list, Some(&chosen), &layout.long_schema());
});
