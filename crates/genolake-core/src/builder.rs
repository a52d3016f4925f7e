//! Column builders that append without per-value overhead.
//!
//! Arrow's own builders are general; these are narrow. Each is a `Vec` of
//! values, `i32` offsets for variable-length data, and a validity bitmap that
//! is only allocated once a null arrives. `finish` hands the vectors to Arrow
//! without copying and leaves the builder empty, pre-sized like the batch it
//! just produced, so the next batch of a similar size does not regrow.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, ListArray, MapArray, PrimitiveArray, StringArray, StructArray,
};
use arrow::buffer::{BooleanBuffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{ArrowPrimitiveType, DataType, Field, Fields};
use arrow::error::ArrowError;
use arrow_buffer::{BooleanBufferBuilder, NullBufferBuilder};

/// Something that builds one Arrow array, row by row.
pub trait ColumnBuilder: Send {
    /// Rows appended so far.
    fn len(&self) -> usize;
    /// Whether no row was appended.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Appends `n` null rows.
    fn push_nulls(&mut self, n: usize);
    /// The Arrow type of the finished array.
    fn data_type(&self) -> DataType;
    /// Drops rows from `len` on, so a row that failed half-way can be undone.
    fn truncate(&mut self, len: usize);
    /// Takes the rows appended so far as an array and resets the builder.
    fn finish(&mut self) -> Result<ArrayRef, ArrowError>;
}

fn take_nulls(nulls: &mut NullBufferBuilder, capacity: usize) -> Option<NullBuffer> {
    let finished = nulls.finish();
    *nulls = NullBufferBuilder::new(capacity);
    finished
}

/// Offsets as Arrow needs them, checked to ascend from zero or more.
///
/// Arrow's `OffsetBuffer::new` checks the same with an early-exit loop
/// that the compiler cannot vectorise; on a batch of BGEN genotypes that
/// check took a tenth of the decoding time. This one folds the comparisons
/// without branching, which vectorises.
///
/// ```
/// use genolake_core::builder::ascending_offsets;
///
/// assert_eq!(ascending_offsets(vec![0, 2, 2, 5]).unwrap().last(), Some(&5));
/// assert!(ascending_offsets(vec![0, 3, 2]).is_err());
/// assert!(ascending_offsets(vec![-1, 0]).is_err());
/// ```
pub fn ascending_offsets(
    offsets: impl Into<ScalarBuffer<i32>>,
) -> Result<OffsetBuffer<i32>, ArrowError> {
    let offsets: ScalarBuffer<i32> = offsets.into();
    let ascending = offsets
        .windows(2)
        .fold(true, |ascending, pair| ascending & (pair[0] <= pair[1]));
    match offsets.first() {
        Some(&first) if first >= 0 && ascending => {
            // SAFETY: checked just above: not empty, non-negative, ascending.
            Ok(unsafe { OffsetBuffer::new_unchecked(offsets) })
        }
        _ => Err(ArrowError::InvalidArgumentError(
            "list or string offsets must be non-empty, non-negative and ascending".into(),
        )),
    }
}

/// A column of fixed-width values (`Int32`, `Int64`, `Float64`, ...).
#[derive(Debug)]
pub struct PrimitiveColumn<T: ArrowPrimitiveType> {
    values: Vec<T::Native>,
    nulls: NullBufferBuilder,
}

impl<T: ArrowPrimitiveType> Default for PrimitiveColumn<T> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl<T: ArrowPrimitiveType> PrimitiveColumn<T> {
    /// An empty column with room for `capacity` values.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            values: Vec::with_capacity(capacity),
            nulls: NullBufferBuilder::new(capacity),
        }
    }

    /// Appends a value.
    #[inline(always)]
    pub fn push(&mut self, value: T::Native) {
        self.values.push(value);
        self.nulls.append_non_null();
    }

    /// The values appended so far; a null row holds the type's default.
    pub fn values(&self) -> &[T::Native] {
        &self.values
    }

    /// Appends a value, or null for `None`.
    #[inline]
    pub fn push_option(&mut self, value: Option<T::Native>) {
        match value {
            Some(v) => self.push(v),
            None => self.push_nulls(1),
        }
    }

    /// Appends every value of a slice, none null.
    #[inline]
    pub fn extend_from_slice(&mut self, values: &[T::Native]) {
        self.values.extend_from_slice(values);
        self.nulls.append_n_non_nulls(values.len());
    }

    /// Appends `value` `n` times.
    #[inline]
    pub fn push_n(&mut self, value: T::Native, n: usize) {
        self.values.resize(self.values.len() + n, value);
        self.nulls.append_n_non_nulls(n);
    }

    /// Appends every value of an iterator, none null.
    #[inline]
    pub fn extend(&mut self, values: impl IntoIterator<Item = T::Native>) {
        let before = self.values.len();
        self.values.extend(values);
        self.nulls.append_n_non_nulls(self.values.len() - before);
    }
}

impl<T: ArrowPrimitiveType> ListColumn<PrimitiveColumn<T>> {
    /// Appends `rows` rows of `N` items or none, the fast way to fill a
    /// column such as BGEN's probabilities (three per diploid genotype, a
    /// null list for a missing one). `values` yields each row's items and
    /// whether to keep them: a row not kept becomes a null, empty list. Rows
    /// past `rows` are not read; rows it runs short of are null. Items are
    /// never null.
    ///
    /// The items and offsets go straight into spare capacity, and the items
    /// of a row not kept are written and then overwritten by the next, so
    /// the loop has no branch on missing rows, no per-row capacity check,
    /// and no zeroing of memory that is about to be written.
    ///
    /// ```
    /// use arrow::array::AsArray;
    /// use arrow::datatypes::Int32Type;
    /// use genolake_core::builder::{ColumnBuilder, ListColumn, PrimitiveColumn};
    ///
    /// let calls_of = [Some([0, 1]), None, Some([1, 1])];
    /// let mut calls = ListColumn::new(PrimitiveColumn::<Int32Type>::default());
    /// calls.extend_fixed_rows(3, calls_of.map(|row| (row.unwrap_or([9, 9]), row.is_some())));
    /// let array = calls.finish().unwrap();
    /// let list = array.as_list::<i32>();
    /// assert_eq!(list.value_offsets(), &[0, 2, 2, 4]);
    /// assert!(array.is_null(1));
    /// assert_eq!(list.values().as_primitive::<Int32Type>().values(), &[0, 1, 1, 1]);
    /// ```
    #[inline]
    pub fn extend_fixed_rows<const N: usize>(
        &mut self,
        rows: usize,
        values: impl IntoIterator<Item = ([T::Native; N], bool)>,
    ) {
        self.extend_rows(
            rows,
            values.into_iter().map(|(items, keep)| (items, N, keep)),
        );
    }

    /// Appends `rows` rows of `N` items, none null: the common case of
    /// [`ListColumn::extend_fixed_rows`] (a block of BGEN genotypes with no
    /// missing sample, or its calls), without its per-row validity and
    /// length bookkeeping; the offsets are filled by a loop of their own,
    /// which vectorises. Rows past `rows` are not read; rows `values` runs
    /// short of are null.
    ///
    /// ```
    /// use arrow::array::AsArray;
    /// use arrow::datatypes::Int32Type;
    /// use genolake_core::builder::{ColumnBuilder, ListColumn, PrimitiveColumn};
    ///
    /// let mut calls = ListColumn::new(PrimitiveColumn::<Int32Type>::default());
    /// calls.extend_valid_fixed_rows(2, [[0, 1], [1, 1]]);
    /// let array = calls.finish().unwrap();
    /// let list = array.as_list::<i32>();
    /// assert_eq!(list.value_offsets(), &[0, 2, 4]);
    /// assert_eq!(array.null_count(), 0);
    /// assert_eq!(list.values().as_primitive::<Int32Type>().values(), &[0, 1, 1, 1]);
    /// ```
    #[inline]
    pub fn extend_valid_fixed_rows<const N: usize>(
        &mut self,
        rows: usize,
        values: impl IntoIterator<Item = [T::Native; N]>,
    ) {
        let (first_row, base) = (self.len(), self.items.values.len());
        let follows_on = self.follows_on(base);
        let items = &mut self.items.values;
        items.reserve(rows * N);
        let slots = &mut items.spare_capacity_mut()[..rows * N];
        let mut given = 0;
        for (row, values) in slots.chunks_exact_mut(N).zip(values) {
            for (slot, value) in row.iter_mut().zip(values) {
                slot.write(value);
            }
            given += 1;
        }
        // SAFETY: the first `given * N` item slots were written above, and
        // the slice starts at the vector's length.
        unsafe { items.set_len(base + given * N) };
        self.items.nulls.append_n_non_nulls(given * N);
        self.note_rows(first_row, follows_on, base + given * N);
        self.offsets
            .extend((1..=given).map(|row| (base + row * N) as i32));
        let end = (base + given * N) as i32;
        self.offsets.resize(self.offsets.len() + rows - given, end);
        self.nulls.append_n_non_nulls(given);
        self.nulls.append_n_nulls(rows - given);
    }

    /// Appends `rows` rows of at most `N` items each, none null: the common
    /// case of [`ListColumn::extend_rows`] (a block of BGEN genotypes of two
    /// ploidies with no missing sample, or its calls), without the per-row
    /// validity bookkeeping. `values` yields each row's items and how many of them
    /// belong to it (the first ones; a length above `N` counts as `N`).
    /// Rows past `rows` are not read; rows `values` runs short of are null.
    ///
    /// ```
    /// use arrow::array::AsArray;
    /// use arrow::datatypes::Int32Type;
    /// use genolake_core::builder::{ColumnBuilder, ListColumn, PrimitiveColumn};
    ///
    /// let mut calls = ListColumn::new(PrimitiveColumn::<Int32Type>::default());
    /// calls.extend_valid_rows(3, [([0, 1], 2), ([1, 9], 1), ([1, 1], 2)]);
    /// let array = calls.finish().unwrap();
    /// let list = array.as_list::<i32>();
    /// assert_eq!(list.value_offsets(), &[0, 2, 3, 5]);
    /// assert_eq!(array.null_count(), 0);
    /// assert_eq!(list.values().as_primitive::<Int32Type>().values(), &[0, 1, 1, 1, 1]);
    /// ```
    #[inline]
    pub fn extend_valid_rows<const N: usize>(
        &mut self,
        rows: usize,
        values: impl IntoIterator<Item = ([T::Native; N], usize)>,
    ) {
        let (first_row, base) = (self.len(), self.items.values.len());
        let follows_on = self.follows_on(base);
        let items = &mut self.items.values;
        items.reserve(rows * N);
        self.offsets.reserve(rows);
        let first_offset = self.offsets.len();
        let slots = &mut items.spare_capacity_mut()[..rows * N];
        let offsets = &mut self.offsets.spare_capacity_mut()[..rows];
        let mut end = 0;
        let mut given = 0;
        for ((values, len), offset) in values.into_iter().zip(offsets.iter_mut()) {
            // `end <= given * N`: as in `extend_rows`, items past a row's
            // length are overwritten by the next row.
            if let Some(slots) = slots.get_mut(end..end + N) {
                for (slot, value) in slots.iter_mut().zip(values) {
                    slot.write(value);
                }
            }
            end += len.min(N);
            offset.write((base + end) as i32);
            given += 1;
        }
        for offset in &mut offsets[given..] {
            offset.write((base + end) as i32);
        }
        // SAFETY: the first `end` item slots and all `rows` offset slots
        // were written above, and both slices start at the vectors' lengths.
        unsafe {
            items.set_len(base + end);
            self.offsets.set_len(first_offset + rows);
        }
        self.items.nulls.append_n_non_nulls(end);
        self.note_rows(first_row, follows_on, base + end);
        self.nulls.append_n_non_nulls(given);
        self.nulls.append_n_nulls(rows - given);
    }

    /// Appends `rows` rows, none null, whose items come end to end in
    /// `groups` of `M`: row `i` holds the next `lengths[i]` groups. This is
    /// how rows of varying length are filled when their items come as one
    /// run, as a phased BGEN block's do (two probabilities, or one call,
    /// per haplotype, whatever each sample's ploidy): the offsets are a
    /// running sum of the lengths, in a loop of their own, and the items a
    /// plain copy, with no per-row work. Lengths past `rows` and groups
    /// past the rows' total are not read; rows that `lengths` runs short
    /// of, and rows that `groups` does not fill, are null.
    ///
    /// ```
    /// use arrow::array::AsArray;
    /// use arrow::datatypes::Int32Type;
    /// use genolake_core::builder::{ColumnBuilder, ListColumn, PrimitiveColumn};
    ///
    /// let mut calls = ListColumn::new(PrimitiveColumn::<Int32Type>::default());
    /// calls.extend_valid_flat_rows(3, [2, 1, 2], [[0], [1], [1], [1], [0]]);
    /// let array = calls.finish().unwrap();
    /// let list = array.as_list::<i32>();
    /// assert_eq!(list.value_offsets(), &[0, 2, 3, 5]);
    /// assert_eq!(array.null_count(), 0);
    /// assert_eq!(list.values().as_primitive::<Int32Type>().values(), &[0, 1, 1, 1, 0]);
    /// ```
    #[inline]
    pub fn extend_valid_flat_rows<const M: usize>(
        &mut self,
        rows: usize,
        lengths: impl IntoIterator<Item = u8>,
        groups: impl IntoIterator<Item = [T::Native; M]>,
    ) {
        let (first_row, base) = (self.len(), self.items.values.len());
        let follows_on = self.follows_on(base);
        self.offsets.reserve(rows);
        let first_offset = self.offsets.len();
        let offsets = &mut self.offsets.spare_capacity_mut()[..rows];
        let mut end = base;
        let mut given = 0;
        for (length, offset) in lengths.into_iter().zip(offsets.iter_mut()) {
            end += usize::from(length) * M;
            offset.write(end as i32);
            given += 1;
        }
        for offset in &mut offsets[given..] {
            offset.write(end as i32);
        }
        // SAFETY: all `rows` offset slots were written above, and the
        // slice starts at the vector's length.
        unsafe { self.offsets.set_len(first_offset + rows) };
        // Every offset written lies within `i32` if the last one does.
        self.note_rows(first_row, follows_on, end);
        let items = &mut self.items.values;
        let wanted = end - base;
        items.reserve(wanted);
        let slots = &mut items.spare_capacity_mut()[..wanted];
        let mut written = 0;
        for (slots, group) in slots.chunks_exact_mut(M).zip(groups) {
            for (slot, value) in slots.iter_mut().zip(group) {
                slot.write(value);
            }
            written += M;
        }
        let mut valid = given;
        if written < wanted {
            // Rows from the first that `groups` did not fill on become null
            // and empty. Within `i32`, the offsets ascend; beyond it the
            // rows were noted broken above, and `min` keeps the items to
            // those written.
            let row_offsets = &mut self.offsets[first_offset..];
            let filled = base + written;
            valid = valid.min(row_offsets.partition_point(|&o| o as usize <= filled));
            end = match valid {
                0 => base,
                row => (row_offsets[row - 1] as usize).min(filled),
            };
            row_offsets[valid..].fill(end as i32);
        }
        // SAFETY: the `written` item slots after `base` were written above,
        // and `end <= base + written`.
        unsafe { items.set_len(end) };
        self.items.nulls.append_n_non_nulls(end - base);
        self.nulls.append_n_non_nulls(valid);
        self.nulls.append_n_nulls(rows - valid);
    }

    /// Appends `rows` rows of at most `N` items each, or null: like
    /// [`ListColumn::extend_fixed_rows`], but `values` also says how many of
    /// each row's `N` items belong to it (the first ones; a length above `N`
    /// counts as `N`). A row not kept is null and empty whatever its length.
    /// This is how rows of two sizes (BGEN's haploid and diploid samples)
    /// are filled without a branch on the size.
    ///
    /// ```
    /// use arrow::array::AsArray;
    /// use arrow::datatypes::Int32Type;
    /// use genolake_core::builder::{ColumnBuilder, ListColumn, PrimitiveColumn};
    ///
    /// let mut calls = ListColumn::new(PrimitiveColumn::<Int32Type>::default());
    /// calls.extend_rows(3, [([0, 1], 2, true), ([1, 9], 1, true), ([9, 9], 2, false)]);
    /// let array = calls.finish().unwrap();
    /// let list = array.as_list::<i32>();
    /// assert_eq!(list.value_offsets(), &[0, 2, 3, 3]);
    /// assert!(array.is_null(2));
    /// assert_eq!(list.values().as_primitive::<Int32Type>().values(), &[0, 1, 1]);
    /// ```
    #[inline]
    pub fn extend_rows<const N: usize>(
        &mut self,
        rows: usize,
        values: impl IntoIterator<Item = ([T::Native; N], usize, bool)>,
    ) {
        let (first_row, base) = (self.len(), self.items.values.len());
        let follows_on = self.follows_on(base);
        let items = &mut self.items.values;
        items.reserve(rows * N);
        self.offsets.reserve(rows);
        let first_offset = self.offsets.len();
        let slots = &mut items.spare_capacity_mut()[..rows * N];
        let offsets = &mut self.offsets.spare_capacity_mut()[..rows];
        // Locals rather than fields, so they stay in registers.
        let mut kept = 0;
        let mut row = 0;
        let mut word = 0u64;
        let mut validity: Vec<u64> = Vec::with_capacity(rows.div_ceil(64));
        for ((values, len, keep), offset) in values.into_iter().zip(offsets.iter_mut()) {
            // `kept <= row * N`, so a row always fits, kept or not: items
            // past its length, and a row not kept, are overwritten by the
            // next. The length is bounded so that `kept` stays within what
            // was written.
            if let Some(slots) = slots.get_mut(kept..kept + N) {
                for (slot, value) in slots.iter_mut().zip(values) {
                    slot.write(value);
                }
            }
            kept += len.min(N) * usize::from(keep);
            offset.write((base + kept) as i32);
            word |= u64::from(keep) << (row % 64);
            row += 1;
            if row % 64 == 0 {
                validity.push(std::mem::take(&mut word));
            }
        }
        // Rows never given are null; their validity bits are the zeros of
        // the current word and of the words added after it.
        for offset in &mut offsets[row..] {
            offset.write((base + kept) as i32);
        }
        if row % 64 != 0 {
            validity.push(word);
        }
        validity.resize(rows.div_ceil(64), 0);
        // SAFETY: the first `kept` item slots and all `rows` offset slots
        // were written above, and both slices start at the vectors' lengths.
        unsafe {
            items.set_len(base + kept);
            self.offsets.set_len(first_offset + rows);
        }
        self.items.nulls.append_n_non_nulls(kept);
        self.note_rows(first_row, follows_on, base + kept);
        let validity = BooleanBuffer::new(arrow::buffer::Buffer::from_vec(validity), 0, rows);
        self.nulls.append_buffer(&NullBuffer::new(validity));
    }
}

impl<T: ArrowPrimitiveType> ColumnBuilder for PrimitiveColumn<T> {
    fn len(&self) -> usize {
        self.values.len()
    }

    #[inline]
    fn push_nulls(&mut self, n: usize) {
        self.values
            .resize(self.values.len() + n, T::Native::default());
        self.nulls.append_n_nulls(n);
    }

    fn data_type(&self) -> DataType {
        T::DATA_TYPE
    }

    fn truncate(&mut self, len: usize) {
        self.values.truncate(len);
        self.nulls.truncate(len);
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let capacity = self.values.len();
        let values = std::mem::replace(&mut self.values, Vec::with_capacity(capacity));
        let nulls = take_nulls(&mut self.nulls, capacity);
        Ok(Arc::new(PrimitiveArray::<T>::try_new(
            ScalarBuffer::from(values),
            nulls,
        )?))
    }
}

/// A column of booleans.
#[derive(Debug)]
pub struct BoolColumn {
    values: BooleanBufferBuilder,
    nulls: NullBufferBuilder,
}

impl Default for BoolColumn {
    fn default() -> Self {
        Self {
            values: BooleanBufferBuilder::new(0),
            nulls: NullBufferBuilder::new(0),
        }
    }
}

impl BoolColumn {
    /// Appends a value.
    #[inline]
    pub fn push(&mut self, value: bool) {
        self.values.append(value);
        self.nulls.append_non_null();
    }

    /// Appends the same value `n` times.
    #[inline]
    pub fn push_n(&mut self, n: usize, value: bool) {
        self.values.append_n(n, value);
        self.nulls.append_n_non_nulls(n);
    }
}

impl ColumnBuilder for BoolColumn {
    fn len(&self) -> usize {
        self.values.len()
    }

    #[inline]
    fn push_nulls(&mut self, n: usize) {
        self.values.append_n(n, false);
        self.nulls.append_n_nulls(n);
    }

    fn data_type(&self) -> DataType {
        DataType::Boolean
    }

    fn truncate(&mut self, len: usize) {
        self.values.truncate(len);
        self.nulls.truncate(len);
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let capacity = self.values.len();
        let values: BooleanBuffer = self.values.finish();
        self.values = BooleanBufferBuilder::new(capacity);
        let nulls = take_nulls(&mut self.nulls, capacity);
        Ok(Arc::new(BooleanArray::new(values, nulls)))
    }
}

/// A column of UTF-8 strings with `i32` offsets.
///
/// Bytes are appended unchecked and validated once per batch in `finish`,
/// which is several times cheaper than checking each value.
#[derive(Debug)]
pub struct StringColumn {
    offsets: Vec<i32>,
    data: Vec<u8>,
    nulls: NullBufferBuilder,
}

impl Default for StringColumn {
    fn default() -> Self {
        Self {
            offsets: vec![0],
            data: Vec::new(),
            nulls: NullBufferBuilder::new(0),
        }
    }
}

impl StringColumn {
    /// Appends a string given as bytes; the batch fails to finish if they are
    /// not UTF-8.
    #[inline]
    pub fn push(&mut self, value: &[u8]) {
        self.data.extend_from_slice(value);
        self.offsets.push(self.data.len() as i32);
        self.nulls.append_non_null();
    }

    /// Appends a run of strings stored back to back in `data`, where `ends[i]`
    /// is the end of string `i` within `data` (so `ends` is ascending and its
    /// last element is `data.len()`). One copy for the whole run: this is how
    /// the same list of sample identifiers is repeated in every row.
    #[inline]
    pub fn extend_packed(&mut self, data: &[u8], ends: &[i32]) {
        let base = self.data.len() as i32;
        self.data.extend_from_slice(data);
        self.offsets.extend(ends.iter().map(|end| base + end));
        self.nulls.append_n_non_nulls(ends.len());
    }

    /// Bytes held so far; callers cut batches before this reaches `i32::MAX`.
    pub fn data_len(&self) -> usize {
        self.data.len()
    }
}

impl ColumnBuilder for StringColumn {
    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    #[inline]
    fn push_nulls(&mut self, n: usize) {
        let end = self.data.len() as i32;
        self.offsets.resize(self.offsets.len() + n, end);
        self.nulls.append_n_nulls(n);
    }

    fn data_type(&self) -> DataType {
        DataType::Utf8
    }

    fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.offsets.truncate(len + 1);
            self.data.truncate(self.offsets[len] as usize);
            self.nulls.truncate(len);
        }
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let rows = self.len();
        let bytes = self.data.len();
        let mut offsets = std::mem::replace(&mut self.offsets, Vec::with_capacity(rows + 1));
        self.offsets.push(0);
        let data = std::mem::replace(&mut self.data, Vec::with_capacity(bytes));
        let nulls = take_nulls(&mut self.nulls, rows);
        if offsets.is_empty() {
            offsets.push(0);
        }
        let offsets = ascending_offsets(offsets)?;
        Ok(Arc::new(StringArray::try_new(offsets, data.into(), nulls)?))
    }
}

/// A column that repeats one fixed list of strings per row: the sample
/// identifiers of every row's genotypes.
///
/// Every batch of `r` rows holds the same strings: the first `r` repetitions
/// of the list. So the builder keeps one Arrow buffer of as many
/// repetitions as the largest batch needed, and a batch is a slice of it:
/// appending a row is a counter, and finishing a batch copies nothing.
/// Batches share that memory rather than each holding a copy.
#[derive(Debug)]
pub struct RepeatedStrings {
    packed: Vec<u8>,
    ends: Vec<i32>,
    /// Rows appended since the last `finish`.
    repetitions: usize,
    /// As many repetitions of the list as the largest batch so far held,
    /// as offsets and bytes.
    offsets: OffsetBuffer<i32>,
    data: arrow::buffer::Buffer,
}

impl RepeatedStrings {
    /// A builder that repeats `values` in order.
    pub fn new<S: AsRef<str>>(values: &[S]) -> Self {
        let mut packed = Vec::new();
        let mut ends = Vec::with_capacity(values.len());
        for v in values {
            packed.extend_from_slice(v.as_ref().as_bytes());
            ends.push(packed.len() as i32);
        }
        Self {
            packed,
            ends,
            repetitions: 0,
            offsets: OffsetBuffer::new_empty(),
            data: arrow::buffer::Buffer::from_vec(Vec::<u8>::new()),
        }
    }

    /// Appends the whole list once.
    #[inline]
    pub fn push_all(&mut self) {
        self.repetitions += 1;
    }

    /// Bytes one repetition adds.
    pub fn bytes_per_repetition(&self) -> usize {
        self.packed.len()
    }

    /// Strings appended so far.
    pub fn len(&self) -> usize {
        self.repetitions * self.ends.len()
    }

    /// Whether nothing was appended.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops strings from `len` on; `len` must fall between repetitions (it
    /// is rounded down to one).
    pub fn truncate(&mut self, len: usize) {
        if let Some(repetitions) = len.checked_div(self.ends.len()) {
            self.repetitions = self.repetitions.min(repetitions);
        }
    }

    /// Takes the strings appended so far as an array.
    pub fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let repetitions = std::mem::take(&mut self.repetitions);
        let len = repetitions * self.ends.len();
        if len >= self.offsets.len() {
            (self.offsets, self.data) = self.repeat(repetitions)?;
        }
        let offsets = self.offsets.slice(0, len);
        // SAFETY: `data` is a concatenation of copies of `packed`, itself a
        // concatenation of `&str`s, and every offset is a boundary between
        // two of those strings (or the start or end), so each value is valid
        // UTF-8; offsets ascend (checked by `ascending_offsets` in `repeat`)
        // and end within `data`.
        Ok(Arc::new(unsafe {
            StringArray::new_unchecked(offsets, self.data.clone(), None)
        }))
    }

    /// `repetitions` copies of the list, as offsets and bytes.
    fn repeat(
        &self,
        repetitions: usize,
    ) -> Result<(OffsetBuffer<i32>, arrow::buffer::Buffer), ArrowError> {
        let too_big = || {
            ArrowError::InvalidArgumentError(format!(
                "{repetitions} repetitions of {} bytes of strings exceed the 2 GiB an Arrow \
                 string array holds",
                self.packed.len()
            ))
        };
        let bytes = self
            .packed
            .len()
            .checked_mul(repetitions)
            .filter(|&b| b <= i32::MAX as usize)
            .ok_or_else(too_big)?;
        let mut data = Vec::with_capacity(bytes);
        let mut offsets = Vec::with_capacity(repetitions * self.ends.len() + 1);
        offsets.push(0);
        for _ in 0..repetitions {
            let base = data.len() as i32;
            data.extend_from_slice(&self.packed);
            offsets.extend(self.ends.iter().map(|end| base + end));
        }
        Ok((
            ascending_offsets(offsets)?,
            arrow::buffer::Buffer::from_vec(data),
        ))
    }
}

/// A column of lists whose items are built by a child builder.
///
/// Append a row by pushing its items into [`ListColumn::items`] and then
/// calling [`ListColumn::close`]; a null row is [`ColumnBuilder::push_nulls`].
#[derive(Debug)]
pub struct ListColumn<C> {
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
    items: C,
    /// The first row whose offset did not follow on from the one before
    /// (its items cut short through [`ListColumn::items`]) or did not fit
    /// an `i32`, if any. Every offset is the items' length when its row
    /// ended, so the offsets ascend by construction unless a row is noted
    /// here, and `finish` trusts them without reading them again (checking
    /// them all took a twentieth of decoding a BGEN file).
    broken_at: Option<usize>,
}

impl<C: ColumnBuilder + Default> Default for ListColumn<C> {
    fn default() -> Self {
        Self::new(C::default())
    }
}

impl<C: ColumnBuilder> ListColumn<C> {
    /// A list column over the given item builder.
    pub fn new(items: C) -> Self {
        Self {
            offsets: vec![0],
            nulls: NullBufferBuilder::new(0),
            items,
            broken_at: None,
        }
    }

    /// Whether rows starting at item `start` follow on from the last row.
    #[inline(always)]
    fn follows_on(&self, start: usize) -> bool {
        // A negative offset (one that overflowed) reads as huge.
        start >= self.offsets.last().map_or(0, |&last| last as usize)
    }

    /// Notes row `row` as broken unless it `follows_on` and the items up
    /// to `end` fit `i32` offsets.
    #[inline(always)]
    fn note_rows(&mut self, row: usize, follows_on: bool, end: usize) {
        if !follows_on || end > i32::MAX as usize {
            self.broken_at.get_or_insert(row);
        }
    }

    /// The builder of the current row's items.
    #[inline]
    pub fn items(&mut self) -> &mut C {
        &mut self.items
    }

    /// Ends the current row: the items pushed since the last row form its list.
    #[inline]
    pub fn close(&mut self) {
        let end = self.items.len();
        self.note_rows(self.len(), self.follows_on(end), end);
        self.offsets.push(end as i32);
        self.nulls.append_non_null();
    }

    /// Ends the current row as null, discarding nothing: items pushed since the
    /// last row would break the offsets, so none may have been pushed.
    #[inline]
    pub fn close_null(&mut self) {
        self.push_nulls(1);
    }

    /// The number of items pushed so far, over all rows.
    pub fn items_len(&self) -> usize {
        self.items.len()
    }

    /// Where each row's items start, and where the open row starts last.
    pub fn offsets(&self) -> &[i32] {
        &self.offsets
    }

    /// The item builder, to read what was pushed.
    pub fn items_ref(&self) -> &C {
        &self.items
    }
}

impl<C: ColumnBuilder> ColumnBuilder for ListColumn<C> {
    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    #[inline]
    fn push_nulls(&mut self, n: usize) {
        let end = self.items.len();
        self.note_rows(self.len(), self.follows_on(end), end);
        self.offsets.resize(self.offsets.len() + n, end as i32);
        self.nulls.append_n_nulls(n);
    }

    fn data_type(&self) -> DataType {
        crate::schema::list_of(self.items.data_type())
    }

    fn truncate(&mut self, len: usize) {
        // Items of a row that was never closed are dropped too.
        if len <= self.len() {
            self.offsets.truncate(len + 1);
            self.items.truncate(self.offsets[len] as usize);
            self.nulls.truncate(len);
            if self.broken_at.is_some_and(|row| row >= len) {
                self.broken_at = None;
            }
        }
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let rows = self.len();
        let capacity = self.offsets.capacity();
        let offsets = std::mem::replace(&mut self.offsets, Vec::with_capacity(capacity));
        self.offsets.push(0);
        let nulls = take_nulls(&mut self.nulls, rows);
        let items = self.items.finish()?;
        let field = Arc::new(Field::new_list_field(items.data_type().clone(), true));
        if let Some(row) = self.broken_at.take() {
            return Err(ArrowError::InvalidArgumentError(format!(
                "list row {row} does not fit i32 offsets or ends before the row before it"
            )));
        }
        // SAFETY: the first offset is 0 and every other one is the items'
        // length when its row ended (or, in the `extend_*` methods, that
        // length plus the items of the rows before it in the call), at
        // least the offset before it and within `i32`, or its row was
        // noted in `broken_at` (see `note_rows`); truncation only drops a
        // suffix of rows.
        let offsets = unsafe { OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets)) };
        Ok(Arc::new(ListArray::try_new(field, offsets, items, nulls)?))
    }
}

/// A column of `Map<Utf8, Utf8>`: rows of key/value pairs.
#[derive(Debug)]
pub struct MapColumn {
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
    keys: StringColumn,
    values: StringColumn,
}

impl Default for MapColumn {
    fn default() -> Self {
        Self {
            offsets: vec![0],
            nulls: NullBufferBuilder::new(0),
            keys: StringColumn::default(),
            values: StringColumn::default(),
        }
    }
}

impl MapColumn {
    /// Adds an entry to the current row; `None` is a null value.
    #[inline]
    pub fn insert(&mut self, key: &[u8], value: Option<&[u8]>) {
        self.keys.push(key);
        match value {
            Some(v) => self.values.push(v),
            None => self.values.push_nulls(1),
        }
    }

    /// Ends the current row with the entries inserted since the last row.
    #[inline]
    pub fn close(&mut self) {
        self.offsets.push(self.keys.len() as i32);
        self.nulls.append_non_null();
    }
}

impl ColumnBuilder for MapColumn {
    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn push_nulls(&mut self, n: usize) {
        let end = self.keys.len() as i32;
        self.offsets.resize(self.offsets.len() + n, end);
        self.nulls.append_n_nulls(n);
    }

    fn data_type(&self) -> DataType {
        crate::schema::string_map()
    }

    fn truncate(&mut self, len: usize) {
        // Entries of a row that was never closed are dropped too.
        if len <= self.len() {
            self.offsets.truncate(len + 1);
            let entries = self.offsets[len] as usize;
            self.keys.truncate(entries);
            self.values.truncate(entries);
            self.nulls.truncate(len);
        }
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let rows = self.len();
        let offsets = std::mem::replace(&mut self.offsets, Vec::with_capacity(rows + 1));
        self.offsets.push(0);
        let nulls = take_nulls(&mut self.nulls, rows);
        let keys = self.keys.finish()?;
        let values = self.values.finish()?;
        let DataType::Map(entries_field, sorted) = crate::schema::string_map() else {
            unreachable!("string_map is a map type")
        };
        let DataType::Struct(entry_fields) = entries_field.data_type().clone() else {
            unreachable!("map entries are a struct")
        };
        let entries = StructArray::try_new(entry_fields, vec![keys, values], None)?;
        let offsets = ascending_offsets(offsets)?;
        Ok(Arc::new(MapArray::try_new(
            entries_field,
            offsets,
            entries,
            nulls,
            sorted,
        )?))
    }
}

/// Finishes a struct array from already finished children.
pub fn struct_array(
    fields: Fields,
    children: Vec<ArrayRef>,
    len: usize,
) -> Result<ArrayRef, ArrowError> {
    if fields.is_empty() {
        return Ok(Arc::new(StructArray::new_empty_fields(len, None)));
    }
    Ok(Arc::new(StructArray::try_new(fields, children, None)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{Float64Type, Int32Type};

    #[test]
    fn primitive_column_keeps_nulls_and_resets() {
        let mut c = PrimitiveColumn::<Int32Type>::default();
        c.push(1);
        c.push_nulls(2);
        c.push_option(Some(4));
        let a = c.finish().unwrap();
        let a = a.as_primitive::<Int32Type>();
        assert_eq!(a.len(), 4);
        assert_eq!(a.null_count(), 2);
        assert_eq!(a.value(3), 4);
        assert!(c.is_empty());
        c.push(9);
        assert_eq!(c.finish().unwrap().len(), 1);
    }

    #[test]
    fn string_column_rejects_invalid_utf8_at_finish() {
        let mut c = StringColumn::default();
        c.push(b"ok");
        c.push(&[0xff, 0xfe]);
        assert!(c.finish().is_err());
    }

    #[test]
    fn packed_strings_repeat_without_per_value_work() {
        let mut c = StringColumn::default();
        c.extend_packed(b"NA1NA22", &[3, 7]);
        c.extend_packed(b"NA1NA22", &[3, 7]);
        let a = c.finish().unwrap();
        let a = a.as_string::<i32>();
        let values: Vec<&str> = a.iter().map(|v| v.unwrap()).collect();
        assert_eq!(values, ["NA1", "NA22", "NA1", "NA22"]);
    }

    #[test]
    fn repeated_strings_repeat_and_truncate() {
        let mut c = RepeatedStrings::new(&["NA1", "NA22", ""]);
        c.push_all();
        c.push_all();
        c.truncate(3);
        c.push_all();
        let a = c.finish().unwrap();
        let a = a.as_string::<i32>();
        let values: Vec<&str> = a.iter().map(|v| v.unwrap()).collect();
        assert_eq!(values, ["NA1", "NA22", "", "NA1", "NA22", ""]);
        assert!(c.is_empty());
        // Batches smaller and larger than the ones before share or regrow
        // the repetitions kept.
        for rows in [1, 0, 3, 2] {
            for _ in 0..rows {
                c.push_all();
            }
            let a = c.finish().unwrap();
            let a = a.as_string::<i32>();
            let values: Vec<&str> = a.iter().map(|v| v.unwrap()).collect();
            assert_eq!(values, ["NA1", "NA22", ""].repeat(rows));
        }
        let mut none = RepeatedStrings::new::<&str>(&[]);
        none.push_all();
        none.truncate(0);
        assert_eq!(none.finish().unwrap().len(), 0);
    }

    #[test]
    fn fixed_rows_match_rows_pushed_one_by_one() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut random = move |bound: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % bound
        };
        let mut fast = ListColumn::new(PrimitiveColumn::<Int32Type>::default());
        let mut slow = ListColumn::new(PrimitiveColumn::<Int32Type>::default());
        for round in 0..60 {
            // Row counts across the 64-row words of the validity bitmap,
            // iterators that run short or long, all-kept and all-null runs.
            let rows = random(200) as usize;
            let given = match round % 3 {
                0 => rows,
                1 => rows.saturating_sub(random(5) as usize),
                _ => rows + random(5) as usize,
            };
            let keep_one_in = [1, 2, 5, 1000][round % 4];
            let values: Vec<([i32; 3], bool)> = (0..given)
                .map(|r| {
                    let v = (round * 1000 + r) as i32;
                    ([v, -v, 7], random(keep_one_in) != 0 || keep_one_in == 1)
                })
                .collect();
            fast.extend_fixed_rows(rows, values.iter().copied());
            for r in 0..rows {
                match values.get(r) {
                    Some(&(items, true)) => {
                        slow.items().extend_from_slice(&items);
                        slow.close();
                    }
                    _ => slow.push_nulls(1),
                }
            }
            if round % 7 == 6 {
                assert_eq!(
                    fast.finish().unwrap().to_data(),
                    slow.finish().unwrap().to_data()
                );
            }
        }
        assert_eq!(
            fast.finish().unwrap().to_data(),
            slow.finish().unwrap().to_data()
        );
    }

    #[test]
    fn valid_rows_match_rows_pushed_one_by_one() {
        let mut fast = ListColumn::new(PrimitiveColumn::<Int32Type>::default());
        let mut slow = ListColumn::new(PrimitiveColumn::<Int32Type>::default());
        // Row counts across validity words, iterators that run short or
        // long, and rows of other kinds between them.
        for (round, (rows, given)) in [(3, 3), (70, 70), (5, 2), (0, 0), (64, 66), (130, 129)]
            .into_iter()
            .enumerate()
        {
            // Lengths 0 to 3 over room for 2: those past 2 count as 2.
            let values: Vec<([i32; 2], usize)> = (0..given)
                .map(|r| ([round as i32, r], r as usize % 4))
                .collect();
            fast.extend_valid_rows(rows, values.iter().copied());
            for r in 0..rows {
                match values.get(r) {
                    Some((items, len)) => {
                        slow.items().extend_from_slice(&items[..(*len).min(2)]);
                        slow.close();
                    }
                    None => slow.push_nulls(1),
                }
            }
            fast.extend_fixed_rows(2, [([7, 7], false), ([8, 8], true)]);
            slow.push_nulls(1);
            slow.items().extend_from_slice(&[8, 8]);
            slow.close();
            let fixed: Vec<[i32; 2]> = (0..given).map(|r| [r, -1]).collect();
            fast.extend_valid_fixed_rows(rows, fixed.iter().copied());
            for r in 0..rows {
                match fixed.get(r) {
                    Some(items) => {
                        slow.items().extend_from_slice(items);
                        slow.close();
                    }
                    None => slow.push_nulls(1),
                }
            }
        }
        assert_eq!(
            fast.finish().unwrap().to_data(),
            slow.finish().unwrap().to_data()
        );
    }

    #[test]
    fn rows_of_varying_length_match_rows_pushed_one_by_one() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut random = move |bound: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % bound
        };
        let mut fast = ListColumn::new(PrimitiveColumn::<Float64Type>::default());
        let mut slow = ListColumn::new(PrimitiveColumn::<Float64Type>::default());
        for round in 0..60 {
            let rows = random(200) as usize;
            let given = match round % 3 {
                0 => rows,
                1 => rows.saturating_sub(random(5) as usize),
                _ => rows + random(5) as usize,
            };
            // Lengths 0 to 5 over room for 4: those past 4 count as 4.
            let values: Vec<([f64; 4], usize, bool)> = (0..given)
                .map(|r| {
                    let v = (round * 1000 + r) as f64;
                    ([v, -v, 0.5, v + 0.25], random(6) as usize, random(4) != 0)
                })
                .collect();
            fast.extend_rows(rows, values.iter().copied());
            for r in 0..rows {
                match values.get(r) {
                    Some(&(items, len, true)) => {
                        slow.items().extend_from_slice(&items[..len.min(4)]);
                        slow.close();
                    }
                    _ => slow.push_nulls(1),
                }
            }
            if round % 7 == 6 {
                assert_eq!(
                    fast.finish().unwrap().to_data(),
                    slow.finish().unwrap().to_data()
                );
            }
        }
        assert_eq!(
            fast.finish().unwrap().to_data(),
            slow.finish().unwrap().to_data()
        );
    }

    #[test]
    fn flat_rows_match_rows_pushed_one_by_one() {
        let mut seed = 0x5851_f42d_4c95_7f2du64;
        let mut random = move |bound: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % bound
        };
        let mut fast = ListColumn::new(PrimitiveColumn::<Float64Type>::default());
        let mut slow = ListColumn::new(PrimitiveColumn::<Float64Type>::default());
        for round in 0..60 {
            // Lengths that run short or long of the rows, and groups that
            // run short (ending inside a row or between rows) or long.
            let rows = random(200) as usize;
            let given = match round % 3 {
                0 => rows,
                1 => rows.saturating_sub(random(5) as usize),
                _ => rows + random(5) as usize,
            };
            let lengths: Vec<u8> = (0..given).map(|_| random(4) as u8).collect();
            let total: usize = lengths.iter().take(rows).map(|&l| usize::from(l)).sum();
            let groups = match round % 4 {
                0 | 1 => total,
                2 => total.saturating_sub(random(4) as usize),
                _ => total + random(3) as usize,
            };
            let items: Vec<[f64; 2]> = (0..groups)
                .map(|g| {
                    let v = (round * 10_000 + g) as f64;
                    [v, -v]
                })
                .collect();
            fast.extend_valid_flat_rows(rows, lengths.iter().copied(), items.iter().copied());
            let mut next = items.iter();
            let mut short = false;
            for r in 0..rows {
                let length = lengths.get(r).map(|&l| usize::from(l));
                let row: Vec<[f64; 2]> = next.by_ref().take(length.unwrap_or(0)).copied().collect();
                short |= length.is_none_or(|l| row.len() < l);
                if short {
                    slow.push_nulls(1);
                } else {
                    slow.items().extend_from_slice(row.as_flattened());
                    slow.close();
                }
            }
            if round % 7 == 6 {
                assert_eq!(
                    fast.finish().unwrap().to_data(),
                    slow.finish().unwrap().to_data()
                );
            }
        }
        assert_eq!(
            fast.finish().unwrap().to_data(),
            slow.finish().unwrap().to_data()
        );
    }

    #[test]
    fn a_row_whose_items_were_cut_under_the_row_before_fails_the_batch() {
        // Offsets are trusted as they were written, so one that does not
        // follow on from the one before must fail the batch, not make it.
        let mut c = ListColumn::new(PrimitiveColumn::<Int32Type>::default());
        c.items().extend_from_slice(&[1, 2, 3]);
        c.close();
        c.items().truncate(1);
        c.close();
        assert!(c.finish().is_err());
        // The builder is usable again afterwards, and a row that broke the
        // offsets and is truncated away breaks nothing.
        c.items().extend_from_slice(&[1, 2, 3]);
        c.close();
        c.items().truncate(1);
        c.extend_valid_rows(1, [([4, 5], 2)]);
        c.truncate(1);
        c.items().truncate(1);
        c.items().extend_from_slice(&[2, 3]);
        c.extend_valid_flat_rows(1, [2], [[6], [7]]);
        let array = c.finish().unwrap();
        let list = array.as_list::<i32>();
        assert_eq!(list.value_offsets(), &[0, 3, 5]);
        assert_eq!(
            list.values().as_primitive::<Int32Type>().values(),
            &[1, 2, 3, 6, 7]
        );
    }

    #[test]
    fn primitive_column_extends_from_an_iterator() {
        let mut c = PrimitiveColumn::<Int32Type>::default();
        c.push_nulls(1);
        c.extend([2, 1].into_iter().cycle().take(3));
        let a = c.finish().unwrap();
        let a = a.as_primitive::<Int32Type>();
        assert_eq!(a.values(), &[0, 2, 1, 2]);
        assert_eq!(a.null_count(), 1);
    }

    #[test]
    fn list_column_of_floats() {
        let mut c = ListColumn::new(PrimitiveColumn::<Float64Type>::default());
        c.items().push(1.5);
        c.items().push_nulls(1);
        c.close();
        c.push_nulls(1);
        c.close();
        let a = c.finish().unwrap();
        let a = a.as_list::<i32>();
        assert_eq!(a.len(), 3);
        assert_eq!(a.value(0).len(), 2);
        assert!(a.is_null(1));
        assert_eq!(a.value(2).len(), 0);
    }

    #[test]
    fn truncate_undoes_a_half_written_row() {
        let mut c = ListColumn::new(StringColumn::default());
        c.items().push(b"a");
        c.close();
        c.items().push(b"b");
        c.items().push(b"c");
        c.truncate(1);
        c.items().push(b"d");
        c.close();
        let a = c.finish().unwrap();
        let a = a.as_list::<i32>();
        assert_eq!(a.len(), 2);
        assert_eq!(a.value(1).as_string::<i32>().value(0), "d");
        assert_eq!(a.value(1).len(), 1);
    }

    #[test]
    fn map_column_builds_string_maps() {
        let mut c = MapColumn::default();
        c.insert(b"k", Some(b"v"));
        c.insert(b"flag", None);
        c.close();
        c.push_nulls(1);
        let a = c.finish().unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a.null_count(), 1);
        assert_eq!(a.data_type(), &crate::schema::string_map());
    }

    #[test]
    fn bool_column_counts_nulls() {
        let mut c = BoolColumn::default();
        c.push(true);
        c.push_n(2, false);
        c.push_nulls(1);
        let a = c.finish().unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(a.null_count(), 1);
    }
}
