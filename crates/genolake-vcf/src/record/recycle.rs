//! Reusing the memory of the previous batch for the next one.
//!
//! A batch of a FORMAT-rich cohort is tens of megabytes of genotype values.
//! Allocated fresh for every batch, that memory comes from the kernel as new
//! pages, each costing a page fault and a zeroing on first touch: a fifth of
//! the decoding time. So the big buffers are lent to Arrow rather than given
//! away: the decoder keeps a reference to each, and when the next batch
//! starts, a buffer whose arrays have all been dropped (the common case: a
//! batch is consumed before the next is asked for) comes back, pages
//! already mapped. A buffer still in use is left to its user and replaced by
//! a new one, so holding on to batches is never affected.

use arrow::buffer::{Buffer, ScalarBuffer};
use arrow_buffer::ArrowNativeType;

/// Lends a `Vec` to Arrow and takes it back once Arrow is done with it.
#[derive(Debug)]
pub(crate) struct Recycler<T> {
    lent: Option<Buffer>,
    /// Length of the last buffer lent: the capacity a new one starts with.
    last_len: usize,
    _values: std::marker::PhantomData<T>,
}

impl<T> Default for Recycler<T> {
    fn default() -> Self {
        Self {
            lent: None,
            last_len: 0,
            _values: std::marker::PhantomData,
        }
    }
}

impl<T: ArrowNativeType> Recycler<T> {
    /// Hands `values` to Arrow, keeping a reference to take them back later.
    pub(crate) fn lend(&mut self, values: Vec<T>) -> ScalarBuffer<T> {
        self.last_len = values.len();
        let buffer = Buffer::from_vec(values);
        self.lent = Some(buffer.clone());
        ScalarBuffer::from(buffer)
    }

    /// Gives `values` (what was left in place of the `Vec` lent last, and
    /// anything appended since) room for a batch: the memory lent last time
    /// if no array uses it any more, else a new `Vec` as large as the last
    /// batch needed. Does nothing more until the next lend.
    pub(crate) fn refill(&mut self, values: &mut Vec<T>) {
        let Some(lent) = self.lent.take() else {
            return;
        };
        let mut room = match lent.into_vec::<T>() {
            Ok(mut reclaimed) => {
                reclaimed.clear();
                reclaimed
            }
            Err(_) => Vec::with_capacity(self.last_len),
        };
        room.extend_from_slice(values);
        *values = room;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_comes_back_once_arrow_is_done_with_it() {
        let mut recycler = Recycler::<i32>::default();
        let values = vec![1, 2, 3];
        let address = values.as_ptr();
        let lent = recycler.lend(values);
        assert_eq!(&lent[..], &[1, 2, 3]);
        drop(lent);
        let mut next = vec![0];
        recycler.refill(&mut next);
        assert_eq!(next.as_ptr(), address, "the same memory");
        assert_eq!(next, [0], "what was there is kept");
    }

    #[test]
    fn memory_in_use_is_left_alone() {
        let mut recycler = Recycler::<i32>::default();
        let lent = recycler.lend(vec![1, 2, 3]);
        let mut next = Vec::new();
        recycler.refill(&mut next);
        assert_ne!(next.as_ptr(), lent.as_ptr());
        assert!(next.capacity() >= 3, "sized like the last batch");
        assert_eq!(&lent[..], &[1, 2, 3], "the user's data is untouched");
        next.push(7);
        let address = next.as_ptr();
        recycler.refill(&mut next);
        assert_eq!(next.as_ptr(), address, "once per lend");
    }
}
