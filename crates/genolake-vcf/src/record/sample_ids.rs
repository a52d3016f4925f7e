//! The `sampleId` of every genotype: the header's sample names, repeated in
//! every row.
//!
//! The names are given once, as `&str`, so every value appended is a copy of
//! whole valid UTF-8 strings and the batch needs no validation pass (on a
//! cohort that pass would reread every sample name of every row). One row is
//! one `memcpy` of the packed names and one pass over their end offsets, and
//! the buffers are reused from batch to batch ([`Recycler`]).

use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray};
use arrow::buffer::OffsetBuffer;
use arrow::error::ArrowError;

use super::recycle::Recycler;

#[derive(Debug)]
pub(crate) struct SampleIds {
    /// The names back to back, and where each ends.
    packed: Vec<u8>,
    ends: Vec<i32>,
    offsets: Vec<i32>,
    data: Vec<u8>,
    offsets_recycler: Recycler<i32>,
    data_recycler: Recycler<u8>,
}

impl SampleIds {
    /// A column that repeats `names` in order.
    pub(crate) fn new<S: AsRef<str>>(names: &[S]) -> Self {
        let mut packed = Vec::new();
        let mut ends = Vec::with_capacity(names.len());
        for name in names {
            packed.extend_from_slice(name.as_ref().as_bytes());
            ends.push(packed.len() as i32);
        }
        Self {
            packed,
            ends,
            offsets: vec![0],
            data: Vec::new(),
            offsets_recycler: Recycler::default(),
            data_recycler: Recycler::default(),
        }
    }

    /// Appends the names of one row.
    #[inline]
    pub(crate) fn push_all(&mut self) {
        let base = self.data.len() as i32;
        self.data.extend_from_slice(&self.packed);
        self.offsets.extend(self.ends.iter().map(|end| base + end));
    }

    /// Bytes one row adds.
    pub(crate) fn bytes_per_row(&self) -> usize {
        self.packed.len()
    }

    /// Names appended so far.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Drops names from `len` on; `len` falls between rows.
    pub(crate) fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.offsets.truncate(len + 1);
            self.data.truncate(self.offsets[len] as usize);
        }
    }

    /// Takes back the memory of the last batch, if it is free.
    pub(crate) fn recycle(&mut self) {
        self.offsets_recycler.refill(&mut self.offsets);
        self.data_recycler.refill(&mut self.data);
    }

    /// Takes the names appended so far as an array.
    pub(crate) fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        if self.data.len() > i32::MAX as usize {
            return Err(ArrowError::InvalidArgumentError(
                "sample identifiers exceed 2 GiB in one batch".into(),
            ));
        }
        let offsets = self
            .offsets_recycler
            .lend(std::mem::replace(&mut self.offsets, vec![0]));
        let data = self.data_recycler.lend(std::mem::take(&mut self.data));
        let offsets = OffsetBuffer::new(offsets);
        // SAFETY: `data` is a concatenation of copies of `packed`, itself a
        // concatenation of `&str`s, and every offset is a boundary between
        // two of those strings (or the start or end), so each value is valid
        // UTF-8 (`OffsetBuffer::new` has checked that offsets ascend).
        Ok(Arc::new(unsafe {
            StringArray::new_unchecked(offsets, data.into_inner(), None)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;

    #[test]
    fn names_repeat_truncate_and_come_back() {
        let mut c = SampleIds::new(&["NA1", "NA22", ""]);
        c.push_all();
        c.push_all();
        c.truncate(3);
        c.push_all();
        let a = c.finish().unwrap();
        let values: Vec<&str> = a.as_string::<i32>().iter().map(|v| v.unwrap()).collect();
        assert_eq!(values, ["NA1", "NA22", "", "NA1", "NA22", ""]);
        assert_eq!(c.len(), 0);
        drop(a);
        c.recycle();
        c.push_all();
        let a = c.finish().unwrap();
        let values: Vec<&str> = a.as_string::<i32>().iter().map(|v| v.unwrap()).collect();
        assert_eq!(values, ["NA1", "NA22", ""]);
    }
}
