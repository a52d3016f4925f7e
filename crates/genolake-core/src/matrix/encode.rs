//! Building the `calls`, `callsPloidy` and `phased` columns row by row, for
//! a reader that decodes genotypes straight into the matrix layout.
//!
//! A reader that builds Glow's `calls` lists first writes 4 bytes per
//! allele and 4 more per genotype, which the conversion then reads again
//! and narrows to one byte. [`CallsBuilder`] takes each row as the reader
//! decodes it: the common row (every sample of one ploidy, alleles below
//! 128) is written by the reader into the row's bytes in place, any other
//! as Glow's allele lists, encoded exactly as
//! [`MatrixLayout::to_matrix`](super::MatrixLayout::to_matrix) encodes them.

use std::sync::Arc;

use arrow::array::{ArrayRef, BinaryArray, Int32Array};

use super::calls::{nulls_of, push_ragged, too_big};
use crate::builder::ascending_offsets;
use crate::error::Result;

/// The `calls`, `callsPloidy` and `phased` columns of matrix rows, appended
/// one row at a time.
///
/// ```
/// use arrow::array::AsArray;
/// use arrow::datatypes::Int32Type;
/// use genolake_core::matrix::CallsBuilder;
///
/// let mut builder = CallsBuilder::default();
/// // Two diploid samples, 0|1 and 1/1, written in place.
/// builder.push_narrow_row(2, 2, |calls, phased| {
///     calls.copy_from_slice(&[0, 1, 1, 1]);
///     phased.copy_from_slice(&[1, 0]);
///     true
/// })?;
/// // A haploid call beside a diploid one, and a sample without calls.
/// builder.push_row(&[1, 0, -1], &[0, 1, 3, 3], |g| g < 2, |g| (g < 2).then_some(false))?;
/// let (calls, ploidy, phased) = builder.finish()?;
/// let calls = calls.as_binary::<i32>();
/// assert_eq!(calls.value(0), &[0, 1, 1, 1]);
/// assert_eq!(calls.value(1), &[1, 0xfe, 0, 0xff, 0xfd, 0xfd]);
/// assert_eq!(ploidy.as_primitive::<Int32Type>().values(), &[2, 2]);
/// assert_eq!(phased.as_binary::<i32>().value(1), &[0, 0, 2]);
/// # Ok::<(), genolake_core::Error>(())
/// ```
#[derive(Debug)]
pub struct CallsBuilder {
    calls: Vec<u8>,
    calls_ends: Vec<i32>,
    ploidy: Vec<i32>,
    calls_valid: Vec<bool>,
    phased: Vec<u8>,
    phased_ends: Vec<i32>,
    phased_valid: Vec<bool>,
    /// Slots of one sample, for rows of several ploidies.
    slots: Vec<i32>,
}

impl Default for CallsBuilder {
    fn default() -> Self {
        Self {
            calls: Vec::new(),
            calls_ends: vec![0],
            ploidy: Vec::new(),
            calls_valid: Vec::new(),
            phased: Vec::new(),
            phased_ends: vec![0],
            phased_valid: Vec::new(),
            slots: Vec::new(),
        }
    }
}

impl CallsBuilder {
    /// Rows appended since the last [`finish`](CallsBuilder::finish).
    pub fn len(&self) -> usize {
        self.ploidy.len()
    }

    /// Whether no row is appended.
    pub fn is_empty(&self) -> bool {
        self.ploidy.is_empty()
    }

    /// Drops the rows from `rows` on (a reader undoing a line).
    pub fn truncate(&mut self, rows: usize) {
        if rows < self.len() {
            self.calls.truncate(self.calls_ends[rows] as usize);
            self.calls_ends.truncate(rows + 1);
            self.ploidy.truncate(rows);
            self.calls_valid.truncate(rows);
            self.phased.truncate(self.phased_ends[rows] as usize);
            self.phased_ends.truncate(rows + 1);
            self.phased_valid.truncate(rows);
        }
    }

    /// Reserves room for `rows` more rows of `samples` samples of ploidy 2,
    /// the usual shape, so a batch's buffers grow once.
    pub fn reserve(&mut self, rows: usize, samples: usize) {
        self.calls.reserve(rows * samples * 2);
        self.phased.reserve(rows * samples);
        self.calls_ends.reserve(rows);
        self.phased_ends.reserve(rows);
        self.ploidy.reserve(rows);
        self.calls_valid.reserve(rows);
        self.phased_valid.reserve(rows);
    }

    /// Appends a row of `samples` genotypes of `ploidy` alleles each, none
    /// null, every allele index −1 (missing) to 127: `fill` writes them, a
    /// byte each (`i8`), sample after sample into `calls` (`ploidy` ×
    /// `samples` bytes), and each sample's phasing, 0 or 1, into `phased`.
    /// When `fill` returns false (the reader found the row is not of that
    /// shape) nothing is appended and neither is returned false.
    pub fn push_narrow_row(
        &mut self,
        ploidy: usize,
        samples: usize,
        fill: impl FnOnce(&mut [u8], &mut [u8]) -> bool,
    ) -> Result<bool> {
        let (calls_start, phased_start) = (self.calls.len(), self.phased.len());
        self.calls.resize(calls_start + ploidy * samples, 0);
        self.phased.resize(phased_start + samples, 0);
        if !fill(
            &mut self.calls[calls_start..],
            &mut self.phased[phased_start..],
        ) {
            self.calls.truncate(calls_start);
            self.phased.truncate(phased_start);
            return Ok(false);
        }
        self.close_calls(ploidy as i32, true)?;
        self.close_phased(true)?;
        Ok(true)
    }

    /// Appends a row given as Glow's genotypes: genotype `g` (of
    /// `offsets.len() - 1`) calls `values[offsets[g]..offsets[g + 1]]`
    /// when `valid(g)` (else its calls are null), and `phased(g)` is its
    /// phasing (`None`: null). Fails on an allele index below −1.
    pub fn push_row(
        &mut self,
        values: &[i32],
        offsets: &[i32],
        valid: impl Fn(usize) -> bool,
        phased: impl Fn(usize) -> Option<bool>,
    ) -> Result<()> {
        let genotypes = offsets.len().saturating_sub(1);
        match push_ragged(
            &mut self.calls,
            (values, offsets),
            0..genotypes,
            &valid,
            &mut self.slots,
        )? {
            // A row whose calls are all null is null.
            None if genotypes > 0 => self.close_calls(0, false)?,
            ploidy => self.close_calls(ploidy.unwrap_or(0) as i32, true)?,
        }
        let flags = (0..genotypes).map(&phased);
        if genotypes > 0 && flags.clone().all(|p| p.is_none()) {
            self.close_phased(false)?;
        } else {
            self.phased.extend(flags.map(|p| p.map_or(2, u8::from)));
            self.close_phased(true)?;
        }
        Ok(())
    }

    fn close_calls(&mut self, ploidy: i32, valid: bool) -> Result<()> {
        let end = self.calls.len();
        self.calls_ends
            .push(i32::try_from(end).map_err(|_| too_big(end))?);
        self.ploidy.push(ploidy);
        self.calls_valid.push(valid);
        Ok(())
    }

    fn close_phased(&mut self, valid: bool) -> Result<()> {
        let end = self.phased.len();
        self.phased_ends
            .push(i32::try_from(end).map_err(|_| too_big(end))?);
        self.phased_valid.push(valid);
        Ok(())
    }

    /// The `calls`, `callsPloidy` and `phased` columns of the rows appended;
    /// the builder is empty again.
    pub fn finish(&mut self) -> Result<(ArrayRef, ArrayRef, ArrayRef)> {
        let taken = std::mem::take(self);
        self.calls.reserve(taken.calls.len());
        self.phased.reserve(taken.phased.len());
        let nulls = nulls_of(taken.calls_valid);
        let calls = BinaryArray::try_new(
            ascending_offsets(taken.calls_ends)?,
            taken.calls.into(),
            nulls.clone(),
        )?;
        let ploidy = Int32Array::new(taken.ploidy.into(), nulls);
        let phased = BinaryArray::try_new(
            ascending_offsets(taken.phased_ends)?,
            taken.phased.into(),
            nulls_of(taken.phased_valid),
        )?;
        Ok((Arc::new(calls), Arc::new(ploidy), Arc::new(phased)))
    }
}
