//! `calls` and `phased` as per-row byte strings, and back.
//!
//! Both sides have a fast path for the common row, where every sample has
//! the same ploidy and no null: encoding narrows a contiguous run of `i32`s,
//! decoding widens it, and neither looks at samples one by one.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Int32Array, ListArray, PrimitiveArray,
};
use arrow::buffer::{BooleanBuffer, NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field, Int32Type};

use super::{NULL_CALLS, PAD};
use crate::builder::ascending_offsets;
use crate::error::{Error, Result};

/// The rows of a matrix batch, each `samples` long, as genotype ranges of a
/// Glow batch: row `r` is genotypes `starts[r] .. starts[r] + samples`.
pub(super) struct Rows<'a> {
    pub(super) starts: &'a [i32],
    pub(super) samples: usize,
}

impl Rows<'_> {
    fn range(&self, row: usize) -> std::ops::Range<usize> {
        let start = self.starts[row] as usize;
        start..start + self.samples
    }
}

/// Encodes each row's calls (see the module docs of `matrix`): the
/// `calls` and `callsPloidy` columns.
pub(super) fn encode_calls(rows: &Rows<'_>, calls: &ListArray) -> Result<(ArrayRef, ArrayRef)> {
    let values = calls.values().as_any().downcast_ref::<Int32Array>();
    let Some(values) = values.filter(|v| v.null_count() == 0) else {
        return Err(Error::Layout(
            "calls must be lists of non-null Int32 allele indices".into(),
        ));
    };
    let values = values.values();
    let offsets = calls.offsets();
    let n_rows = rows.starts.len();
    // One byte per allele index for nearly every row: reserving that up
    // front spares the batch's regrowth copies.
    let span = match (rows.starts.first(), n_rows) {
        (Some(&first), n) if n > 0 => {
            let last = rows.range(n - 1).end;
            (offsets[last] - offsets[first as usize]).max(0) as usize
        }
        _ => 0,
    };
    let mut bytes: Vec<u8> = Vec::with_capacity(span);
    let mut ends: Vec<i32> = Vec::with_capacity(n_rows + 1);
    ends.push(0);
    let mut ploidies: Vec<i32> = Vec::with_capacity(n_rows);
    let mut valid: Vec<bool> = Vec::with_capacity(n_rows);
    let mut slots = Vec::new();
    for row in 0..n_rows {
        let genotypes = rows.range(row);
        let first = offsets[genotypes.start];
        let ploidy = if genotypes.is_empty() {
            0
        } else {
            offsets[genotypes.start + 1] - first
        };
        // A fold without early exit: it vectorises, and the common row
        // passes the whole way anyway.
        let uniform = calls
            .nulls()
            .is_none_or(|nulls| nulls.slice(genotypes.start, genotypes.len()).null_count() == 0)
            && offsets[genotypes.start..=genotypes.end]
                .windows(2)
                .fold(0, |differ, w| differ | ((w[1] - w[0]) ^ ploidy))
                == 0;
        if uniform {
            let run = &values[first as usize..offsets[genotypes.end] as usize];
            let width = width_of(run)?;
            push_narrowed(&mut bytes, run, width);
            ploidies.push(ploidy);
            valid.push(true);
        } else {
            let is_valid = |g: usize| calls.nulls().is_none_or(|n| n.is_valid(g));
            match push_ragged(
                &mut bytes,
                (values, offsets),
                genotypes,
                is_valid,
                &mut slots,
            )? {
                None => {
                    ploidies.push(0);
                    valid.push(false);
                }
                Some(ploidy) => {
                    ploidies.push(ploidy as i32);
                    valid.push(true);
                }
            }
        }
        ends.push(i32::try_from(bytes.len()).map_err(|_| too_big(bytes.len()))?);
    }
    let nulls = nulls_of(valid);
    let binary = BinaryArray::try_new(ascending_offsets(ends)?, bytes.into(), nulls.clone())?;
    let ploidies = Int32Array::new(ploidies.into(), nulls);
    Ok((Arc::new(binary), Arc::new(ploidies)))
}

pub(super) fn too_big(bytes: usize) -> Error {
    Error::Layout(format!(
        "a batch's calls take {bytes} bytes, more than the 2 GiB one Arrow binary column holds; \
         read with a smaller batch size"
    ))
}

/// Pushes `genotypes` of a row whose genotypes are not all of one ploidy
/// and present: genotype `g` calls `values[offsets[g]..offsets[g + 1]]`
/// when `is_valid(g)`. Each takes as many slots as the row's widest (one at
/// least if any is null), padded with [`PAD`], a null one [`NULL_CALLS`] in
/// every slot, all of the width the highest allele needs. Returns the
/// row's ploidy, or `None`, pushing nothing, when every genotype is null;
/// `slots` is scratch space. Fails on an allele index below −1.
pub(super) fn push_ragged(
    bytes: &mut Vec<u8>,
    (values, offsets): (&[i32], &[i32]),
    genotypes: std::ops::Range<usize>,
    is_valid: impl Fn(usize) -> bool,
    slots: &mut Vec<i32>,
) -> Result<Option<usize>> {
    let run = |g: usize| &values[offsets[g] as usize..offsets[g + 1] as usize];
    let mut ploidy = 0;
    let mut max = 0;
    let mut any_valid = false;
    let mut any_null = false;
    for g in genotypes.clone() {
        if is_valid(g) {
            let run = run(g);
            any_valid = true;
            ploidy = ploidy.max(run.len());
            max = max.max(run.iter().copied().max().unwrap_or(0));
            if let Some(&low) = run.iter().find(|&&v| v < -1) {
                return Err(below_missing(low));
            }
        } else {
            any_null = true;
        }
    }
    if !any_valid {
        return Ok(None);
    }
    if any_null {
        ploidy = ploidy.max(1);
    }
    let width = width_for(max);
    for g in genotypes {
        slots.clear();
        if is_valid(g) {
            slots.extend_from_slice(run(g));
            slots.resize(ploidy, PAD);
        } else {
            slots.resize(ploidy, NULL_CALLS);
        }
        push_narrowed(bytes, slots, width);
    }
    Ok(Some(ploidy))
}

pub(super) fn below_missing(value: i32) -> Error {
    Error::Layout(format!(
        "an allele index of {value} cannot be stored: calls are −1 (missing) or an allele index"
    ))
}

/// The bytes per slot a run of allele indices needs.
fn width_of(run: &[i32]) -> Result<usize> {
    // Two plain reductions vectorise where one fold over a pair does not.
    let min = run.iter().copied().min().unwrap_or(0);
    let max = run.iter().copied().max().unwrap_or(0);
    if min < -1 {
        return Err(below_missing(min));
    }
    Ok(width_for(max))
}

pub(super) fn width_for(max: i32) -> usize {
    if max <= i8::MAX as i32 {
        1
    } else if max <= i16::MAX as i32 {
        2
    } else {
        4
    }
}

pub(super) fn push_narrowed(bytes: &mut Vec<u8>, run: &[i32], width: usize) {
    match width {
        1 => {
            let start = bytes.len();
            bytes.resize(start + run.len(), 0);
            for (byte, &v) in bytes[start..].iter_mut().zip(run) {
                *byte = v as i8 as u8;
            }
        }
        2 => {
            for &v in run {
                bytes.extend_from_slice(&(v as i16).to_le_bytes());
            }
        }
        _ => {
            for &v in run {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
}

pub(super) fn nulls_of(valid: Vec<bool>) -> Option<NullBuffer> {
    if valid.iter().all(|&v| v) {
        None
    } else {
        Some(NullBuffer::from(valid))
    }
}

/// Encodes each row's phasing: one byte per sample, 0, 1, or 2 for null; a
/// row of nulls only is null.
pub(super) fn encode_phased(rows: &Rows<'_>, phased: &BooleanArray) -> Result<ArrayRef> {
    let n_rows = rows.starts.len();
    let mut bytes: Vec<u8> = Vec::with_capacity(n_rows * rows.samples);
    let mut ends: Vec<i32> = Vec::with_capacity(n_rows + 1);
    ends.push(0);
    let mut valid = Vec::with_capacity(n_rows);
    for row in 0..n_rows {
        let genotypes = rows.range(row);
        match phased.nulls() {
            None => {
                unpack_bits(
                    &phased.values().slice(genotypes.start, genotypes.len()),
                    &mut bytes,
                );
                valid.push(true);
            }
            Some(nulls) if genotypes.clone().all(|g| nulls.is_null(g)) && !genotypes.is_empty() => {
                valid.push(false);
            }
            Some(nulls) => {
                bytes.extend(genotypes.map(|g| {
                    if nulls.is_valid(g) {
                        phased.value(g) as u8
                    } else {
                        2
                    }
                }));
                valid.push(true);
            }
        }
        ends.push(i32::try_from(bytes.len()).map_err(|_| too_big(bytes.len()))?);
    }
    Ok(Arc::new(BinaryArray::try_new(
        ascending_offsets(ends)?,
        bytes.into(),
        nulls_of(valid),
    )?))
}

/// Appends one byte (0 or 1) per bit of `bits`, a word at a time.
fn unpack_bits(bits: &BooleanBuffer, bytes: &mut Vec<u8>) {
    let chunks = bits.bit_chunks();
    for word in chunks.iter() {
        let mut unpacked = [0u8; 64];
        for (i, byte) in unpacked.iter_mut().enumerate() {
            *byte = ((word >> i) & 1) as u8;
        }
        bytes.extend_from_slice(&unpacked);
    }
    let remainder = chunks.remainder_bits();
    bytes.extend((0..chunks.remainder_len()).map(|i| ((remainder >> i) & 1) as u8));
}

/// Read access to a column of byte strings, whichever Arrow type a reader
/// gave it (Delta readers give `BinaryView`).
pub(super) trait Bytes {
    fn bytes(&self, row: usize) -> Option<&[u8]>;
}

macro_rules! bytes_for {
    ($($array:ty),*) => {$(
        impl Bytes for $array {
            fn bytes(&self, row: usize) -> Option<&[u8]> {
                self.is_valid(row).then(|| self.value(row))
            }
        }
    )*};
}
bytes_for!(
    arrow::array::BinaryArray,
    arrow::array::LargeBinaryArray,
    arrow::array::BinaryViewArray
);

/// The genotypes to decode: for each matrix row in turn, these samples.
pub(super) struct Selection<'a> {
    pub(super) rows: usize,
    pub(super) samples: usize,
    /// `None`: every sample, in order.
    pub(super) chosen: Option<&'a [usize]>,
}

impl Selection<'_> {
    pub(super) fn per_row(&self) -> usize {
        self.chosen.map_or(self.samples, <[usize]>::len)
    }

    pub(super) fn sample(&self, i: usize) -> usize {
        self.chosen.map_or(i, |chosen| chosen[i])
    }
}

fn corrupt(what: String) -> Error {
    Error::Layout(format!("the matrix table is damaged: {what}"))
}

/// Decodes `calls` and `callsPloidy` into Glow's per-genotype `calls` lists.
pub(super) fn decode_calls(
    calls: &dyn Bytes,
    ploidy: &PrimitiveArray<Int32Type>,
    selection: &Selection<'_>,
) -> Result<ArrayRef> {
    let per_row = selection.per_row();
    let total = selection.rows * per_row;
    let mut values: Vec<i32> = Vec::new();
    let mut ends: Vec<i32> = Vec::with_capacity(total + 1);
    ends.push(0);
    let mut valid: Vec<bool> = Vec::with_capacity(total);
    for row in 0..selection.rows {
        let Some(bytes) = calls.bytes(row) else {
            ends.extend(std::iter::repeat_n(values.len() as i32, per_row));
            valid.extend(std::iter::repeat_n(false, per_row));
            continue;
        };
        let slots = if ploidy.is_valid(row) {
            usize::try_from(ploidy.value(row)).ok()
        } else {
            None
        }
        .ok_or_else(|| corrupt(format!("row {row} has calls but no valid callsPloidy")))?;
        let per_sample = slots * selection.samples;
        let width = match (per_sample, bytes.len()) {
            (0, 0) => 1,
            (0, _) => return Err(corrupt(format!("row {row} has calls but a ploidy of 0"))),
            (_, len) if len % per_sample == 0 && matches!(len / per_sample, 1 | 2 | 4) => {
                len / per_sample
            }
            (_, len) => {
                return Err(corrupt(format!(
                    "row {row}'s calls are {len} bytes, not 1, 2 or 4 per slot of {slots} \
                     slots × {} samples",
                    selection.samples
                )));
            }
        };
        let start = values.len();
        if selection.chosen.is_none() {
            widen(&mut values, bytes, width);
            if values[start..].iter().all(|&v| v >= -1) {
                let base = start as i32;
                ends.extend((1..=selection.samples).map(|s| base + (s * slots) as i32));
                valid.extend(std::iter::repeat_n(true, selection.samples));
                continue;
            }
            values.truncate(start);
        }
        let mut sample_slots = Vec::with_capacity(slots);
        for i in 0..per_row {
            let s = selection.sample(i);
            let at = s * slots * width;
            sample_slots.clear();
            widen(&mut sample_slots, &bytes[at..at + slots * width], width);
            if sample_slots.first() == Some(&NULL_CALLS) {
                valid.push(false);
            } else {
                let len = sample_slots.iter().position(|&v| v == PAD).unwrap_or(slots);
                values.extend_from_slice(&sample_slots[..len]);
                valid.push(true);
            }
            ends.push(values.len() as i32);
        }
    }
    let list = ListArray::try_new(
        Arc::new(Field::new("element", DataType::Int32, true)),
        OffsetBuffer::new(ascending_offsets(ends)?.into_inner()),
        Arc::new(Int32Array::from(values)),
        nulls_of(valid),
    )?;
    Ok(Arc::new(list))
}

fn widen(values: &mut Vec<i32>, bytes: &[u8], width: usize) {
    match width {
        1 => values.extend(bytes.iter().map(|&b| b as i8 as i32)),
        2 => values.extend(
            bytes
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]) as i32),
        ),
        _ => values.extend(
            bytes
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        ),
    }
}

/// Decodes `phased` into Glow's per-genotype flag.
pub(super) fn decode_phased(phased: &dyn Bytes, selection: &Selection<'_>) -> Result<ArrayRef> {
    let per_row = selection.per_row();
    let total = selection.rows * per_row;
    let mut values = Vec::with_capacity(total);
    let mut valid = Vec::with_capacity(total);
    for row in 0..selection.rows {
        match phased.bytes(row) {
            None => {
                values.extend(std::iter::repeat_n(false, per_row));
                valid.extend(std::iter::repeat_n(false, per_row));
            }
            Some(bytes) if bytes.len() == selection.samples => {
                for i in 0..per_row {
                    let b = bytes[selection.sample(i)];
                    values.push(b == 1);
                    valid.push(b != 2);
                }
            }
            Some(bytes) => {
                return Err(corrupt(format!(
                    "row {row}'s phased column has {} bytes for {} samples",
                    bytes.len(),
                    selection.samples
                )));
            }
        }
    }
    Ok(Arc::new(BooleanArray::new(
        BooleanBuffer::from(values),
        nulls_of(valid),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_unpack_to_bytes_from_any_offset() {
        let bits: Vec<bool> = (0..200u32).map(|i| (i * 7919) % 5 < 2).collect();
        let buffer = BooleanBuffer::from(bits.clone());
        for (start, len) in [(0, 200), (3, 64), (5, 130), (63, 1), (64, 0), (1, 199)] {
            let mut bytes = Vec::new();
            unpack_bits(&buffer.slice(start, len), &mut bytes);
            let expected: Vec<u8> = bits[start..start + len].iter().map(|&b| b as u8).collect();
            assert_eq!(bytes, expected, "start {start}, len {len}");
        }
    }
}
