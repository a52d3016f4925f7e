//! Reusing the memory of the previous batch for the next one.
//!
//! A batch of a FORMAT-rich cohort is tens of megabytes of genotype values.
//! Allocated fresh for every batch, that memory comes from the kernel as new
//! pages, each costing a page fault and a zeroing on first touch: a fifth of
//! the decoding time. So the big buffers are lent to Arrow rather than given
//! away: the decoder keeps a reference to each, and when the next batch
//! starts, a buffer whose arrays have all been dropped comes back, pages
//! already mapped. The last [`LENT`] buffers are watched, not only the
//! last: a pipeline that decodes ahead of its consumer (`convert` keeps two
//! batches a thread waiting) still has the previous batch in use when the
//! next one starts, but the one before it is free. A buffer still in use is
//! left to its user and replaced by a new one, so holding on to batches is
//! never affected.

use std::collections::VecDeque;

use arrow::buffer::{Buffer, ScalarBuffer};
use arrow_buffer::ArrowNativeType;

/// Buffers a [`Recycler`] watches: the batches a decoder may run ahead of
/// its consumer, and one more.
const LENT: usize = 4;

/// Lends a `Vec` to Arrow and takes it back once Arrow is done with it.
#[derive(Debug)]
pub(crate) struct Recycler<T> {
    /// The buffers lent last, oldest first.
    lent: VecDeque<Buffer>,
    /// Whether a buffer was lent since the last refill.
    fresh: bool,
    /// Length of the last buffer lent: the capacity a new one starts with.
    last_len: usize,
    _values: std::marker::PhantomData<T>,
}

impl<T> Default for Recycler<T> {
    fn default() -> Self {
        Self {
            lent: VecDeque::new(),
            fresh: false,
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
        if self.lent.len() == LENT {
            self.lent.pop_front();
        }
        self.lent.push_back(buffer.clone());
        self.fresh = true;
        ScalarBuffer::from(buffer)
    }

    /// Gives `values` (what was left in place of the `Vec` lent last, and
    /// anything appended since) room for a batch: the oldest memory lent
    /// that no array uses any more, else a new `Vec` as large as the last
    /// batch needed. Does nothing more until the next lend.
    pub(crate) fn refill(&mut self, values: &mut Vec<T>) {
        if !std::mem::take(&mut self.fresh) {
            return;
        }
        let mut reclaimed = None;
        for _ in 0..self.lent.len() {
            let Some(buffer) = self.lent.pop_front() else {
                break;
            };
            match buffer.into_vec::<T>() {
                Ok(vec) => {
                    reclaimed = Some(vec);
                    break;
                }
                // Still in use: watched again next time, in its turn.
                Err(buffer) => self.lent.push_back(buffer),
            }
        }
        let mut room = match reclaimed {
            Some(mut vec) => {
                vec.clear();
                vec
            }
            None => Vec::with_capacity(self.last_len),
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
    fn memory_comes_back_while_the_last_batch_is_in_use() {
        let mut recycler = Recycler::<i32>::default();
        let first = recycler.lend(vec![1, 2, 3]);
        let address = first.as_ptr();
        let mut next = Vec::new();
        recycler.refill(&mut next);
        next.extend([4, 5]);
        let second = recycler.lend(next);
        drop(first);
        let mut third = Vec::new();
        recycler.refill(&mut third);
        assert_eq!(third.as_ptr(), address, "the first batch's memory");
        assert!(third.is_empty());
        assert_eq!(&second[..], &[4, 5], "the second batch is untouched");
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
