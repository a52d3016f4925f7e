//! Blocks of two alleles whose samples are all haploid or diploid, phased
//! or not: imputed data (unphased diploid), phased haplotype releases
//! (phased diploid), and chromosomes X, Y and MT, where haploid males sit
//! beside diploid females. Nearly every BGEN file holds only these.
//!
//! A block is decoded in a few plain loops, none with a branch on a
//! sample's ploidy or missingness. Hard calls compare the stored integers
//! with the threshold's integer equivalent ([`integer_cutoff`]).
//! - Phased, no sample missing (haplotype releases, and plink2's chrX
//!   exports, haploid males beside diploid females): a haplotype stores one
//!   value, which alone gives its two probabilities and its call, so the
//!   block's probabilities are its values' one after another, and so are
//!   its calls. Each column is one run over the values, written straight
//!   into the column, its rows cut by a running sum of the ploidies
//!   ([`ListColumn::extend_valid_flat_rows`]); nothing is done per sample.
//!   On plink2's chrX export (1,000 haploid and 1,000 diploid samples,
//!   most blocks phased) this cut the decoding of 10,000 blocks from 1.56G
//!   to 0.66G instructions.
//! - Otherwise every sample's values are read and its items written,
//!   whatever they hold, and then kept or overwritten by the next sample's
//!   ([`ListColumn::extend_rows`] and its siblings; when no sample is
//!   missing, the cheaper [`ListColumn::extend_valid_rows`]):
//!   - Unphased diploid: one loop writes the probabilities and keeps a
//!     one-byte code of each call (checking sums on the way); a short
//!     second one turns the codes into calls.
//!   - Phased diploid: nothing can sum past one and nothing ties
//!     probabilities to calls: one loop for each, which together cost
//!     fewer instructions than one loop doing both.
//!   - Haploid and diploid mixed: a first loop gathers two values for each
//!     sample from where its values start, and the loops after it read
//!     those pairs as in a diploid block, keeping one or two of each.
//!
//! The output is exactly that of [`RecordDecoder::decode_general`], which
//! the tests below check on random blocks of every layout and bit depth.
//!
//! [`ListColumn::extend_valid_flat_rows`]: genolake_core::builder::ListColumn::extend_valid_flat_rows
//! [`ListColumn::extend_rows`]: genolake_core::builder::ListColumn::extend_rows
//! [`ListColumn::extend_valid_rows`]: genolake_core::builder::ListColumn::extend_valid_rows

use std::hint::select_unpredictable;

use arrow::datatypes::{ArrowPrimitiveType, Int32Type};
use genolake_core::builder::{ListColumn, PrimitiveColumn};

use super::{RecordDecoder, is_missing, sum_error};

/// Marks a call code whose sample's values sum past the maximum (the
/// codes themselves stay below 32).
const OVERFLOW: u8 = 0x80;

/// Unphased diploid calls, by [`hard_call`]'s answer over the three
/// genotypes (0 for no call, as for a missing sample).
const DIPLOID_CALLS: [[i32; 2]; 4] = [[-1, -1], [0, 0], [0, 1], [1, 1]];

impl RecordDecoder {
    /// Decodes a block of two alleles whose samples are all haploid or
    /// diploid (`haploids` if some may be haploid), `values` values stored
    /// in all. The caller has checked every ploidy and that the payload
    /// holds every sample's values.
    pub(super) fn decode_biallelic(
        &mut self,
        ploidies: &[u8],
        phased: bool,
        haploids: bool,
        bits: u8,
        payload: &[u8],
        values: usize,
    ) -> Result<(), String> {
        let n = ploidies.len();
        let max = (1u64 << bits) - 1;
        // Calls compare the stored integers with the threshold's integer
        // equivalent: the same answer as comparing the probabilities,
        // without floating-point compares.
        let cutoff = integer_cutoff(self.threshold, max);
        if phased && !any_missing(ploidies) {
            self.decode_phased_present(ploidies, haploids, bits, cutoff, payload, values);
            return Ok(());
        }
        if haploids {
            return self.decode_haploid_diploid(ploidies, phased, bits, cutoff, payload);
        }
        // Two stored values per sample, missing ones included (the second
        // haplotype's, or the second genotype's), so the payload splits
        // into fixed-width pairs. Its length was checked; cut to the
        // pairs, it gives loops a trip count (`take(n)` made them 40%
        // longer).
        match bits {
            8 => self.decode_diploid(ploidies, phased, max, cutoff, || {
                let pairs = payload.get(..2 * n).unwrap_or_default();
                pairs.chunks_exact(2).map(|c| (c[0] as u64, c[1] as u64))
            }),
            16 => self.decode_diploid(ploidies, phased, max, cutoff, || {
                let pairs = payload.get(..4 * n).unwrap_or_default();
                pairs.chunks_exact(4).map(|c| {
                    (
                        u16::from_le_bytes([c[0], c[1]]) as u64,
                        u16::from_le_bytes([c[2], c[3]]) as u64,
                    )
                })
            }),
            _ => self.decode_diploid(ploidies, phased, max, cutoff, || {
                let mut reader = super::Bits::new(payload, bits);
                (0..n).map(move |_| (reader.next(), reader.next()))
            }),
        }
    }

    /// Every sample phased and present, haploid or diploid (`haploids` if
    /// some may be haploid), `values` values stored. Each value is one
    /// haplotype's, so the probabilities of the block are each value's
    /// two, and its calls each value's one, value after value: a column
    /// is one run over the values, cut into rows by the ploidies
    /// ([`ListColumn::extend_valid_flat_rows`]), with no per-sample work
    /// but a running sum, whatever the ploidies.
    fn decode_phased_present(
        &mut self,
        ploidies: &[u8],
        haploids: bool,
        bits: u8,
        cutoff: u64,
        payload: &[u8],
        values: usize,
    ) {
        let n = ploidies.len();
        self.phased.push_n(n, true);
        if haploids {
            self.ploidy
                .extend(ploidies.iter().map(|&ploidy| i32::from(ploidy & 0x3f)));
        } else {
            self.ploidy.push_n(2, n);
        }
        // Cut to the values, the payload gives the loops a trip count.
        match bits {
            8 => self.fill_phased_present(ploidies, haploids, bits, cutoff, || {
                let stored = payload.get(..values).unwrap_or_default();
                stored.iter().map(|&x| u64::from(x))
            }),
            16 => self.fill_phased_present(ploidies, haploids, bits, cutoff, || {
                let stored = payload.get(..2 * values).unwrap_or_default();
                stored
                    .chunks_exact(2)
                    .map(|x| u64::from(u16::from_le_bytes([x[0], x[1]])))
            }),
            _ => self.fill_phased_present(ploidies, haploids, bits, cutoff, || {
                let mut reader = super::Bits::new(payload, bits);
                (0..values).map(move |_| reader.next())
            }),
        }
    }

    /// The probabilities and calls of [`decode_phased_present`], from the
    /// stored `values` (each at most `max`).
    ///
    /// [`decode_phased_present`]: RecordDecoder::decode_phased_present
    #[inline(always)]
    fn fill_phased_present<I: Iterator<Item = u64>>(
        &mut self,
        ploidies: &[u8],
        haploids: bool,
        bits: u8,
        cutoff: u64,
        values: impl Fn() -> I,
    ) {
        let max = (1u64 << bits) - 1;
        if max < 256 {
            let tables = self.take_byte_tables(max, cutoff);
            let (haplotypes, table) = (&tables.haplotypes, &tables.calls);
            let rows = values().map(|x| haplotypes[(x & 0xff) as usize]);
            extend_by_ploidy(&mut self.probabilities, ploidies, haploids, rows);
            if let Some(calls) = &mut self.calls {
                let rows = values().map(|x| [table[(x & 0xff) as usize]]);
                extend_by_ploidy(calls, ploidies, haploids, rows);
            }
            self.byte_tables = Some(tables);
            return;
        }
        let convert = converter(max);
        let rows = values().map(|x| [convert(x), convert(max - x)]);
        extend_by_ploidy(&mut self.probabilities, ploidies, haploids, rows);
        let Some(calls) = &mut self.calls else {
            return;
        };
        // As in `decode_phased_diploid`.
        if 2 * cutoff > max {
            let call = move |x: u64| i32::from(x >= cutoff) + 2 * i32::from(max - x >= cutoff) - 1;
            extend_by_ploidy(calls, ploidies, haploids, values().map(|x| [call(x)]));
        } else {
            let call = |x| i32::from(haplotype_call(x, max, cutoff)) - 1;
            extend_by_ploidy(calls, ploidies, haploids, values().map(|x| [call(x)]));
        }
    }

    /// Every sample diploid: `pairs` yields the two values stored for each
    /// sample, missing ones included.
    fn decode_diploid<I: Iterator<Item = (u64, u64)>>(
        &mut self,
        ploidies: &[u8],
        phased: bool,
        max: u64,
        cutoff: u64,
        pairs: impl Fn() -> I,
    ) -> Result<(), String> {
        let n = ploidies.len();
        self.phased.push_n(n, phased);
        self.ploidy.push_n(2, n);
        if phased {
            self.decode_phased_diploid(ploidies, max, cutoff, pairs);
            return Ok(());
        }
        let above_half = move |a, b, c| above_half(a, b, c, cutoff);
        let general = move |a, b, c| hard_call([a, b, c], cutoff);
        // The first present sample whose values sum past `max`, if any.
        let overflow = if max < 256 {
            let at = byte_probabilities(max);
            if 2 * cutoff > max {
                self.fill_unphased_diploid(ploidies, max, pairs(), at, above_half)
            } else {
                self.fill_unphased_diploid(ploidies, max, pairs(), at, general)
            }
        } else if 2 * cutoff > max {
            self.fill_unphased_diploid(ploidies, max, pairs(), converter(max), above_half)
        } else {
            self.fill_unphased_diploid(ploidies, max, pairs(), converter(max), general)
        };
        if let Some(i) = overflow {
            // The caller drops the row.
            let (a, b) = pairs().nth(i).unwrap_or_default();
            return Err(sum_error(i, a + b, max));
        }
        if let Some(calls) = &mut self.calls {
            let codes = &self.call_codes;
            let rows = codes
                .iter()
                .map(|&code| DIPLOID_CALLS[usize::from(code & 3)]);
            calls.extend_valid_fixed_rows(n, rows);
        }
        Ok(())
    }

    /// The probabilities of an unphased diploid block, in one pass that
    /// also keeps each sample's [`hard_call`] code in `call_codes` (0, no
    /// call, for a missing sample, plus [`OVERFLOW`] for a present sample
    /// whose values sum past `max`). Returns the first present sample whose
    /// values sum past `max`, if any.
    #[inline(always)]
    fn fill_unphased_diploid(
        &mut self,
        ploidies: &[u8],
        max: u64,
        pairs: impl Iterator<Item = (u64, u64)>,
        probability: impl Fn(u64) -> f64,
        call: impl Fn(u64, u64, u64) -> u8,
    ) -> Option<usize> {
        let codes = &mut self.call_codes;
        codes.clear();
        codes.resize(ploidies.len(), 0);
        let rows = pairs.zip(ploidies.iter().zip(codes.iter_mut())).map(
            move |((a, b), (&ploidy, code))| {
                let present = !is_missing(ploidy);
                let c = max.wrapping_sub(a + b);
                let overflow = u8::from(a + b > max) * OVERFLOW;
                *code = (call(a, b, c) | overflow) * u8::from(present);
                ([probability(a), probability(b), probability(c)], present)
            },
        );
        if any_missing(ploidies) {
            self.probabilities.extend_fixed_rows(ploidies.len(), rows);
        } else {
            let rows = rows.map(|(row, _)| row);
            self.probabilities
                .extend_valid_fixed_rows(ploidies.len(), rows);
        }
        self.call_codes
            .iter()
            .position(|&code| code & OVERFLOW != 0)
    }

    /// Every sample phased diploid, some missing (blocks with none go to
    /// [`decode_phased_present`]): probabilities and calls each in a loop
    /// of its own over the values.
    ///
    /// [`decode_phased_present`]: RecordDecoder::decode_phased_present
    fn decode_phased_diploid<I: Iterator<Item = (u64, u64)>>(
        &mut self,
        ploidies: &[u8],
        max: u64,
        cutoff: u64,
        pairs: impl Fn() -> I,
    ) {
        if max < 256 {
            let tables = self.take_byte_tables(max, cutoff);
            let (haplotypes, table) = (&tables.haplotypes, &tables.calls);
            let haplotype = move |x: u64| haplotypes[(x & 0xff) as usize];
            self.fill_phased_diploid(ploidies, pairs(), haplotype);
            if let Some(calls) = &mut self.calls {
                let call = move |x: u64| table[(x & 0xff) as usize];
                extend_phased_calls(calls, ploidies, pairs(), call);
            }
            self.byte_tables = Some(tables);
            return;
        }
        let convert = converter(max);
        let haplotype = |x: u64| [convert(x), convert(max - x)];
        self.fill_phased_diploid(ploidies, pairs(), haplotype);
        let Some(calls) = &mut self.calls else {
            return;
        };
        // A haplotype's [`haplotype_call`] is 1 + the allele called, or 0
        // for none: one less, it is the call.
        if 2 * cutoff > max {
            // A threshold above one half: at most one allele reaches it, so
            // the call is which one does.
            let call = move |x: u64| i32::from(x >= cutoff) + 2 * i32::from(max - x >= cutoff) - 1;
            extend_phased_calls(calls, ploidies, pairs(), call);
        } else {
            let call = |x| i32::from(haplotype_call(x, max, cutoff)) - 1;
            extend_phased_calls(calls, ploidies, pairs(), call);
        }
    }

    /// The probabilities of a phased diploid block: each present sample's
    /// two haplotypes, each as `haplotype` spells its value.
    #[inline(always)]
    fn fill_phased_diploid(
        &mut self,
        ploidies: &[u8],
        pairs: impl Iterator<Item = (u64, u64)>,
        haplotype: impl Fn(u64) -> [f64; 2],
    ) {
        let rows = pairs.map(|(a, b)| {
            let ([p, q], [r, s]) = (haplotype(a), haplotype(b));
            [p, q, r, s]
        });
        let rows = rows
            .zip(ploidies)
            .map(|(row, &ploidy)| (row, !is_missing(ploidy)));
        self.probabilities.extend_fixed_rows(ploidies.len(), rows);
    }

    /// Appends a row of probabilities for each sample: its items, how many
    /// of them it has, and whether it is present. When none is missing
    /// (phased haplotype releases have no missing sample), the presence is
    /// not looked at, which spares the validity bitmap its per-row work.
    #[inline(always)]
    fn extend_probabilities<const N: usize>(
        &mut self,
        ploidies: &[u8],
        rows: impl Iterator<Item = ([f64; N], usize, bool)>,
    ) {
        if any_missing(ploidies) {
            self.probabilities.extend_rows(ploidies.len(), rows);
        } else {
            let rows = rows.map(|(row, len, _)| (row, len));
            self.probabilities.extend_valid_rows(ploidies.len(), rows);
        }
    }

    /// Haploid and diploid samples mixed (or haploid only), phased or not.
    /// A sample's values start where the previous sample's end, so a first
    /// pass gathers two values for each sample from its start (the second
    /// is the next sample's for a haploid one), and the passes after it
    /// read those pairs as in a diploid block, keeping two items or one of
    /// each row by the sample's ploidy.
    fn decode_haploid_diploid(
        &mut self,
        ploidies: &[u8],
        phased: bool,
        bits: u8,
        cutoff: u64,
        payload: &[u8],
    ) -> Result<(), String> {
        let max = (1u64 << bits) - 1;
        let mut pairs = std::mem::take(&mut self.pairs);
        pairs.clear();
        match bits {
            8 => gather_pairs(ploidies, &mut pairs, |i| {
                payload.get(i).map_or(0, |&x| u32::from(x))
            }),
            16 => gather_pairs(ploidies, &mut pairs, |i| {
                payload
                    .get(2 * i..)
                    .and_then(|rest| rest.first_chunk::<2>())
                    .map_or(0, |&x| u32::from(u16::from_le_bytes(x)))
            }),
            _ => gather_pairs(ploidies, &mut pairs, |i| {
                value_at(payload, i, bits, max) as u32
            }),
        }
        let result = if phased {
            self.decode_haploid_diploid_phased(ploidies, &pairs, max, cutoff);
            Ok(())
        } else {
            self.decode_haploid_diploid_unphased(ploidies, &pairs, max, cutoff)
        };
        self.pairs = pairs;
        result
    }

    /// The probabilities and calls of a phased block of haploid and
    /// diploid samples, from each sample's [`gather_pairs`].
    fn decode_haploid_diploid_phased(
        &mut self,
        ploidies: &[u8],
        pairs: &[[u32; 2]],
        max: u64,
        cutoff: u64,
    ) {
        let n = ploidies.len();
        self.phased.push_n(n, true);
        self.ploidy
            .extend(ploidies.iter().map(|&ploidy| i32::from(ploidy & 0x3f)));
        if max < 256 {
            let tables = self.take_byte_tables(max, cutoff);
            let (haplotypes, table) = (&tables.haplotypes, &tables.calls);
            let haplotype = move |x: u64| haplotypes[(x & 0xff) as usize];
            self.extend_probabilities(ploidies, mixed_haplotypes(pairs, ploidies, haplotype));
            if let Some(calls) = &mut self.calls {
                let call = move |x: u64| table[(x & 0xff) as usize];
                calls.extend_valid_rows(n, mixed_phased_calls(pairs, ploidies, call));
            }
            self.byte_tables = Some(tables);
            return;
        }
        let convert = converter(max);
        let haplotype = |x: u64| [convert(x), convert(max - x)];
        self.extend_probabilities(ploidies, mixed_haplotypes(pairs, ploidies, haplotype));
        if let Some(calls) = &mut self.calls {
            let call = |x| i32::from(haplotype_call(x, max, cutoff)) - 1;
            calls.extend_valid_rows(n, mixed_phased_calls(pairs, ploidies, call));
        }
    }

    /// The probabilities and calls of an unphased block of haploid and
    /// diploid samples, from each sample's [`gather_pairs`]: a haploid
    /// sample's second probability is the rest of the first, a diploid's
    /// third the rest of both. Fails, keeping nothing, at the first present
    /// diploid sample whose values sum past `max`.
    fn decode_haploid_diploid_unphased(
        &mut self,
        ploidies: &[u8],
        pairs: &[[u32; 2]],
        max: u64,
        cutoff: u64,
    ) -> Result<(), String> {
        let n = ploidies.len();
        let past_one = |(&[a, b], &ploidy): (&[u32; 2], &u8)| {
            ploidy & 2 != 0 && !is_missing(ploidy) && u64::from(a) + u64::from(b) > max
        };
        // Over every sample without stopping, which vectorises; where only
        // when there is one.
        if pairs
            .iter()
            .zip(ploidies)
            .fold(false, |any, s| any | past_one(s))
        {
            let i = pairs.iter().zip(ploidies).position(past_one).unwrap_or(0);
            let [a, b] = pairs.get(i).copied().unwrap_or_default();
            return Err(sum_error(i, u64::from(a) + u64::from(b), max));
        }
        self.phased.push_n(n, false);
        self.ploidy
            .extend(ploidies.iter().map(|&ploidy| i32::from(ploidy & 0x3f)));
        if max < 256 {
            let rows = mixed_genotypes(pairs, ploidies, max, byte_probabilities(max));
            self.extend_probabilities(ploidies, rows);
        } else {
            let rows = mixed_genotypes(pairs, ploidies, max, converter(max));
            self.extend_probabilities(ploidies, rows);
        }
        let Some(calls) = &mut self.calls else {
            return Ok(());
        };
        let haploid = |x| haplotype_call(x, max, cutoff);
        if 2 * cutoff > max {
            let diploid = |a, b, c| above_half(a, b, c, cutoff);
            calls.extend_valid_rows(
                n,
                mixed_unphased_calls(pairs, ploidies, max, haploid, diploid),
            );
        } else {
            let diploid = |a, b, c| hard_call([a, b, c], cutoff);
            calls.extend_valid_rows(
                n,
                mixed_unphased_calls(pairs, ploidies, max, haploid, diploid),
            );
        }
        Ok(())
    }
}

/// The probabilities of phased haploid and diploid samples, from their
/// [`gather_pairs`]: two a haplotype, as `haplotype` spells them, and
/// two haplotypes or one.
#[inline(always)]
fn mixed_haplotypes(
    pairs: &[[u32; 2]],
    ploidies: &[u8],
    haplotype: impl Fn(u64) -> [f64; 2],
) -> impl Iterator<Item = ([f64; 4], usize, bool)> {
    pairs.iter().zip(ploidies).map(move |(&[a, b], &ploidy)| {
        let ([p, q], [r, s]) = (haplotype(a.into()), haplotype(b.into()));
        let len = 2 + 2 * usize::from(ploidy & 2 != 0);
        ([p, q, r, s], len, !is_missing(ploidy))
    })
}

/// The calls of phased haploid and diploid samples, from their
/// [`gather_pairs`]: each haplotype's as `call` makes it, -1 for a missing
/// sample's; one or two.
#[inline(always)]
fn mixed_phased_calls(
    pairs: &[[u32; 2]],
    ploidies: &[u8],
    call: impl Fn(u64) -> i32,
) -> impl Iterator<Item = ([i32; 2], usize)> {
    pairs.iter().zip(ploidies).map(move |(&[a, b], &ploidy)| {
        let row = [call(a.into()), call(b.into())];
        let row = select_unpredictable(is_missing(ploidy), [-1, -1], row);
        (row, 1 + usize::from(ploidy & 2 != 0))
    })
}

/// The probabilities of unphased haploid and diploid samples, from their
/// [`gather_pairs`]: a haploid sample's second is the rest of its first,
/// a diploid's third the rest of both.
#[inline(always)]
fn mixed_genotypes(
    pairs: &[[u32; 2]],
    ploidies: &[u8],
    max: u64,
    probability: impl Fn(u64) -> f64,
) -> impl Iterator<Item = ([f64; 3], usize, bool)> {
    pairs.iter().zip(ploidies).map(move |(&[a, b], &ploidy)| {
        let (a, b) = (u64::from(a), u64::from(b));
        let diploid = ploidy & 2 != 0;
        let second = select_unpredictable(diploid, b, max - a);
        let row = [
            probability(a),
            probability(second),
            probability(max.wrapping_sub(a + b)),
        ];
        (row, 2 + usize::from(diploid), !is_missing(ploidy))
    })
}

/// The calls of unphased haploid and diploid samples, from their
/// [`gather_pairs`]: `haploid` and `diploid` give [`hard_call`]'s answer.
#[inline(always)]
fn mixed_unphased_calls(
    pairs: &[[u32; 2]],
    ploidies: &[u8],
    max: u64,
    haploid: impl Fn(u64) -> u8,
    diploid: impl Fn(u64, u64, u64) -> u8,
) -> impl Iterator<Item = ([i32; 2], usize)> {
    pairs.iter().zip(ploidies).map(move |(&[a, b], &ploidy)| {
        let (a, b) = (u64::from(a), u64::from(b));
        let present = u8::from(!is_missing(ploidy));
        let two = ploidy & 2 != 0;
        let code = diploid(a, b, max.wrapping_sub(a + b)) * present;
        let pair = DIPLOID_CALLS[usize::from(code & 3)];
        let one = [i32::from(haploid(a) * present) - 1, -1];
        (select_unpredictable(two, pair, one), 1 + usize::from(two))
    })
}

/// Appends a row to `column` for each sample, as many `groups` as its
/// ploidy (`haploids` if some sample may be haploid, else every one is
/// diploid, and the offsets a fixed stride, which vectorises).
#[inline(always)]
fn extend_by_ploidy<T: ArrowPrimitiveType, const M: usize>(
    column: &mut ListColumn<PrimitiveColumn<T>>,
    ploidies: &[u8],
    haploids: bool,
    groups: impl Iterator<Item = [T::Native; M]>,
) {
    let n = ploidies.len();
    if haploids {
        let lengths = ploidies.iter().map(|&ploidy| ploidy & 0x3f);
        column.extend_valid_flat_rows(n, lengths, groups);
    } else {
        column.extend_valid_flat_rows(n, std::iter::repeat_n(2, n), groups);
    }
}

/// Two values for each sample of a block of haploid and diploid samples,
/// read by `value` (which reads past the end as zero) from where the
/// sample's values start: both of a diploid sample's, and a haploid one's
/// followed by whatever comes next. One loop without a branch on ploidy.
#[inline(always)]
fn gather_pairs(ploidies: &[u8], pairs: &mut Vec<[u32; 2]>, value: impl Fn(usize) -> u32) {
    let mut start = 0;
    pairs.extend(ploidies.iter().map(|&ploidy| {
        let pair = [value(start), value(start + 1)];
        // Ploidy 1 or 2 (checked by the caller): bit 1 tells which.
        start += 1 + usize::from(ploidy & 2 != 0);
        pair
    }));
}

/// The `index`-th value of `bits` (at most 32) packed in `data`, zero past
/// its end.
#[inline(always)]
fn value_at(data: &[u8], index: usize, bits: u8, max: u64) -> u64 {
    let at = index * usize::from(bits);
    let rest = data.get(at >> 3..).unwrap_or_default();
    let word = match rest.first_chunk::<8>() {
        Some(word) => u64::from_le_bytes(*word),
        None => {
            // The last few bytes of the data.
            let mut word = [0u8; 8];
            for (to, from) in word.iter_mut().zip(rest) {
                *to = *from;
            }
            u64::from_le_bytes(word)
        }
    };
    (word >> (at & 7)) & max
}

/// Probabilities of values of at most 8 bits, by table: cheaper than
/// converting. Larger values (only a wrapped, rejected sum) read their low
/// byte.
fn byte_probabilities(max: u64) -> impl Fn(u64) -> f64 {
    let scale = 1.0 / max as f64;
    let table: [f64; 256] = std::array::from_fn(|x| x as f64 * scale);
    move |x: u64| table[(x & 0xff) as usize]
}

/// Appends the calls of phased diploid samples, each haplotype's as `call`
/// makes it from the value stored for it; a missing sample's are -1.
#[inline(always)]
fn extend_phased_calls(
    calls: &mut ListColumn<PrimitiveColumn<Int32Type>>,
    ploidies: &[u8],
    pairs: impl Iterator<Item = (u64, u64)>,
    call: impl Fn(u64) -> i32,
) {
    let rows = pairs
        .map(|(a, b)| [call(a), call(b)])
        .zip(ploidies)
        .map(|(row, &ploidy)| select_unpredictable(is_missing(ploidy), [-1, -1], row));
    calls.extend_valid_fixed_rows(ploidies.len(), rows);
}

/// What a haplotype's value of at most 8 bits stands for, by table, which
/// costs fewer instructions than computing it. Built for one bit depth and
/// threshold and kept by the decoder: building them for every block took a
/// tenth of a phased block's decoding. (The single table of unphased
/// blocks costs little to build, and the loops filled from it ran longer
/// with it behind a pointer.)
pub(super) struct ByteTables {
    max: u64,
    cutoff: u64,
    /// `x / max` and `(max - x) / max`: a haplotype's two probabilities, or
    /// a haploid sample's.
    haplotypes: [[f64; 2]; 256],
    /// A haplotype's call (-1 for none), as [`haplotype_call`] makes it.
    calls: [i32; 256],
}

impl ByteTables {
    fn new(max: u64, cutoff: u64) -> Box<Self> {
        let scale = 1.0 / max as f64;
        // Values past `max` (only a wrapped, rejected sum) read as `max`.
        let value = |x: usize| (x as u64).min(max);
        Box::new(Self {
            max,
            cutoff,
            haplotypes: std::array::from_fn(|x| {
                [value(x) as f64 * scale, (max - value(x)) as f64 * scale]
            }),
            calls: std::array::from_fn(|x| i32::from(haplotype_call(value(x), max, cutoff)) - 1),
        })
    }
}

impl RecordDecoder {
    /// The tables of values of `max` (at most 255) against `cutoff`, taken
    /// from the decoder; the caller puts them back.
    fn take_byte_tables(&mut self, max: u64, cutoff: u64) -> Box<ByteTables> {
        match self.byte_tables.take() {
            Some(tables) if tables.max == max && tables.cutoff == cutoff => tables,
            _ => ByteTables::new(max, cutoff),
        }
    }
}

/// Whether any sample of a block is missing, looking at all of them
/// (a loop the compiler vectorises) rather than stopping at the first.
fn any_missing(ploidies: &[u8]) -> bool {
    ploidies.iter().fold(0, |all, &ploidy| all | ploidy) & 0xc0 != 0
}

/// Probabilities of values of any width up to 32 bits, converted through a
/// signed integer: one instruction, exact for such values, and the same
/// number as [`RecordDecoder::decode_general`] computes.
fn converter(max: u64) -> impl Fn(u64) -> f64 {
    let scale = 1.0 / max as f64;
    move |x: u64| x as i64 as f64 * scale
}

/// The smallest stored value `x` (out of `max`) whose probability `x / max`
/// reaches `threshold`, or `max + 1` when none does.
fn integer_cutoff(threshold: f64, max: u64) -> u64 {
    let scale = 1.0 / max as f64;
    let reaches = |x: u64| x as f64 * scale >= threshold;
    // Start just below the exact answer and step over rounding either way.
    let guess = (threshold.clamp(0.0, 1.0) * max as f64) as u64;
    let mut x = guess.saturating_sub(2);
    while x > 0 && reaches(x - 1) {
        x -= 1;
    }
    while x <= max && !reaches(x) {
        x += 1;
    }
    x
}

/// [`argmax_at_least`](super::argmax_at_least) on stored integers against
/// [`integer_cutoff`]: 0 for no call, else 1 + the index of the first
/// largest value that reaches the cutoff and is above zero.
#[inline(always)]
fn hard_call<const N: usize>(values: [u64; N], cutoff: u64) -> u8 {
    let mut best = 0;
    let mut largest = 0;
    for (i, v) in values.into_iter().enumerate() {
        if v >= cutoff && v > largest {
            largest = v;
            best = i as u8 + 1;
        }
    }
    best
}

/// [`hard_call`] of three values that sum to `max` against a cutoff above
/// `max / 2`: at most one of them reaches it, so the call is which one
/// does, without comparing them. (Values that sum past `max` may give codes
/// up to 6; their row is rejected.)
#[inline(always)]
fn above_half(a: u64, b: u64, c: u64, cutoff: u64) -> u8 {
    u8::from(a >= cutoff) + 2 * u8::from(b >= cutoff) + 3 * u8::from(c >= cutoff)
}

/// The [`hard_call`] of one haplotype of two alleles, or of a haploid
/// sample, from the one value stored (the first allele's; the second has
/// the rest): 0 for none, 1 + the allele called.
#[inline(always)]
fn haplotype_call(x: u64, max: u64, cutoff: u64) -> u8 {
    hard_call([x, max - x], cutoff)
}

#[cfg(test)]
mod tests {
    use arrow::array::{Array, AsArray, RecordBatch};
    use arrow::datatypes::{Float64Type, Int32Type};
    use proptest::prelude::*;

    use super::super::argmax_at_least;
    use super::*;
    use crate::reader::ReaderOptions;
    use crate::reader::input::Variant;
    use crate::writer::Packer;

    /// A biallelic variant, 1:1 A>C.
    fn snp() -> Variant {
        Variant {
            chrom: b"1".to_vec(),
            position: 1,
            alleles: b"AC".to_vec(),
            allele_ends: vec![1, 2],
            ..Variant::default()
        }
    }

    /// A layout 2 block of a biallelic variant: each sample's ploidy byte
    /// (missing flag included), then `values` packed at `bits`.
    fn block(ploidies: &[u8], phased: bool, bits: u8, values: &[u64]) -> Vec<u8> {
        let low = || ploidies.iter().map(|&p| p & 0x3f);
        let mut block = (ploidies.len() as u32).to_le_bytes().to_vec();
        block.extend(2u16.to_le_bytes());
        block.extend([low().min().unwrap_or(2), low().max().unwrap_or(2)]);
        block.extend(ploidies);
        block.extend([u8::from(phased), bits]);
        let mut packed = Vec::new();
        let mut packer = Packer::new(&mut packed, bits);
        for &v in values {
            packer.push(v);
        }
        packer.finish();
        block.extend(packed);
        block
    }

    /// A block of unphased diploid genotypes: `samples` of (missing, first
    /// value, second value), packed at `bits`.
    fn diploid_block(samples: &[(bool, u64, u64)], bits: u8) -> Vec<u8> {
        let ploidies: Vec<u8> = samples
            .iter()
            .map(|&(missing, _, _)| if missing { 0x82 } else { 2 })
            .collect();
        let values: Vec<u64> = samples.iter().flat_map(|&(_, a, b)| [a, b]).collect();
        block(&ploidies, false, bits, &values)
    }

    /// Decodes `blocks` of `samples` samples, one row each, by the fast
    /// paths or by the general decoder alone: what each block's decoding
    /// returned, and the batch of the rows kept.
    fn decode(
        fast_paths: bool,
        options: &ReaderOptions,
        samples: usize,
        blocks: &[Vec<u8>],
    ) -> (Vec<Result<(), String>>, RecordBatch) {
        let ids: Vec<String> = (0..samples).map(|i| format!("s{i}")).collect();
        let mut decoder = RecordDecoder::new(&ids, options);
        decoder.fast_paths = fast_paths;
        let variant = snp();
        let results = blocks
            .iter()
            .map(|block| decoder.decode(&variant, false, block))
            .collect();
        (results, decoder.finish().unwrap())
    }

    /// Asserts the fast paths and the general decoder agree on `blocks`.
    fn assert_same_as_general(options: &ReaderOptions, samples: usize, blocks: &[Vec<u8>]) {
        let (fast_results, fast) = decode(true, options, samples, blocks);
        let (general_results, general) = decode(false, options, samples, blocks);
        assert_eq!(fast_results, general_results);
        assert_eq!(fast, general);
    }

    /// Which ploidies a random block gives its samples.
    #[derive(Debug, Clone, Copy)]
    enum Ploidies {
        Diploid,
        Haploid,
        Mixed,
    }

    /// A random biallelic block: ploidy bytes and stored values. With
    /// `missing`, about a sixth of the samples are missing (flagged by bit
    /// 7 or 6) and hold garbage (in unphased diploids, values summing past
    /// one); without, none is, as in phased haplotype releases. Present
    /// samples hold valid values, a third of them 0 or `max`, as hard calls
    /// are; with `overflow`, one present unphased diploid sample (if any)
    /// sums past one.
    fn random_block(
        random: &mut impl FnMut(u64) -> u64,
        samples: usize,
        ploidies: Ploidies,
        phased: bool,
        bits: u8,
        missing: bool,
        overflow: bool,
    ) -> (Vec<u8>, Vec<u64>) {
        let max = (1u64 << bits) - 1;
        let value = |random: &mut dyn FnMut(u64) -> u64| match random(6) {
            0 => 0,
            1 => max,
            _ => random(max + 1),
        };
        let mut bytes = Vec::with_capacity(samples);
        let mut values = Vec::new();
        let mut spoilable = Vec::new();
        for _ in 0..samples {
            let diploid = match ploidies {
                Ploidies::Diploid => true,
                Ploidies::Haploid => false,
                Ploidies::Mixed => random(2) == 0,
            };
            // Missing by the specification's flag, or by the one Glow's
            // writer sets.
            let missing = missing && random(6) == 0;
            let flag = [0, 0x80, 0x40][usize::from(missing) * (1 + random(2) as usize)];
            bytes.push(u8::from(diploid) + 1 + flag);
            let a = value(random);
            values.push(a);
            if diploid {
                let b = value(random);
                if phased || missing {
                    values.push(b);
                } else {
                    spoilable.push(values.len());
                    values.push(b.min(max - a));
                }
            }
        }
        if overflow && !spoilable.is_empty() {
            let at = spoilable[random(spoilable.len() as u64) as usize];
            values[at - 1] = values[at - 1].max(1);
            values[at] = max;
        }
        (bytes, values)
    }

    fn xorshift(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |bound: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % bound
        }
    }

    #[test]
    fn fast_paths_match_the_general_decoder_at_every_bit_depth() {
        let mut random = xorshift(0x2545_f491_4f6c_dd1d);
        for bits in 1..=32u8 {
            for ploidies in [Ploidies::Diploid, Ploidies::Haploid, Ploidies::Mixed] {
                for phased in [false, true] {
                    // Across a validity word boundary, and rows kept and
                    // rejected, with and without missing samples, in one
                    // batch.
                    let samples = 130;
                    let blocks: Vec<Vec<u8>> = [(true, false), (true, true), (false, false)]
                        .into_iter()
                        .chain([(true, false), (false, true), (false, false)])
                        .map(|(missing, overflow)| {
                            let (bytes, values) = random_block(
                                &mut random,
                                samples,
                                ploidies,
                                phased,
                                bits,
                                missing,
                                overflow,
                            );
                            block(&bytes, phased, bits, &values)
                        })
                        .collect();
                    for threshold in [0.9, 0.5, 0.3, 0.0, 1.0] {
                        let options = ReaderOptions {
                            hard_call_threshold: threshold,
                            ..ReaderOptions::default()
                        };
                        assert_same_as_general(&options, samples, &blocks);
                    }
                }
            }
        }
    }

    #[test]
    fn one_decoder_follows_the_bit_depth_from_block_to_block() {
        // Tables kept from one block must not serve a block of another depth.
        let mut random = xorshift(0x5851_f42d_4c95_7f2d);
        let samples = 70;
        for ploidies in [Ploidies::Diploid, Ploidies::Mixed] {
            for phased in [false, true] {
                let blocks: Vec<Vec<u8>> = [8u8, 3, 8, 5, 1, 7, 8, 8]
                    .into_iter()
                    .enumerate()
                    .map(|(i, bits)| {
                        let missing = i % 3 == 0;
                        let (bytes, values) = random_block(
                            &mut random,
                            samples,
                            ploidies,
                            phased,
                            bits,
                            missing,
                            false,
                        );
                        block(&bytes, phased, bits, &values)
                    })
                    .collect();
                assert_same_as_general(&ReaderOptions::default(), samples, &blocks);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn fast_paths_match_the_general_decoder_on_random_blocks(
            seed in 1..u64::MAX,
            samples in 0..300usize,
            ploidies in prop_oneof![
                Just(Ploidies::Diploid), Just(Ploidies::Haploid), Just(Ploidies::Mixed)
            ],
            phased: bool,
            bits in 1..=32u8,
            missing: bool,
            overflow in proptest::bool::weighted(0.2),
            threshold in prop_oneof![Just(0.9), Just(0.5), 0.0..1.1f64],
            emit_hard_calls in proptest::bool::weighted(0.8),
            include_sample_ids: bool,
        ) {
            let mut random = xorshift(seed);
            let (bytes, values) =
                random_block(&mut random, samples, ploidies, phased, bits, missing, overflow);
            let options = ReaderOptions {
                hard_call_threshold: threshold,
                emit_hard_calls,
                include_sample_ids,
                ..ReaderOptions::default()
            };
            assert_same_as_general(&options, samples, &[block(&bytes, phased, bits, &values)]);
        }
    }

    /// chrX as plink2 exports it: males haploid, females diploid, a
    /// missing sample's values ignored whatever they hold.
    #[test]
    fn haploid_and_diploid_samples_decode_as_glow_reads_them() {
        let third = |x: f64| x / 255.0;
        // haploid 255, haploid missing, diploid (0, 240), diploid missing,
        // haploid 128; 8 bits, hard-call threshold 0.9.
        let ploidies = [1, 0x81, 2, 0x82, 1];
        let values = [255, 7, 0, 240, 255, 255, 128];
        let phased_probabilities = [
            Some(vec![1.0, 0.0]),
            None,
            Some(vec![0.0, 1.0, third(240.0), third(15.0)]),
            None,
            Some(vec![third(128.0), third(127.0)]),
        ];
        let unphased_probabilities = [
            Some(vec![1.0, 0.0]),
            None,
            Some(vec![0.0, third(240.0), third(15.0)]),
            None,
            Some(vec![third(128.0), third(127.0)]),
        ];
        let phased_calls: [&[i32]; 5] = [&[0], &[-1], &[1, 0], &[-1, -1], &[-1]];
        let unphased_calls: [&[i32]; 5] = [&[0], &[-1], &[0, 1], &[-1, -1], &[-1]];
        for (phased, probabilities, calls) in [
            (true, &phased_probabilities, phased_calls),
            (false, &unphased_probabilities, unphased_calls),
        ] {
            let blocks = [block(&ploidies, phased, 8, &values)];
            let options = ReaderOptions::default();
            let (results, batch) = decode(true, &options, ploidies.len(), &blocks);
            assert_eq!(results, [Ok(())]);
            let genotypes = batch.column(6).as_list::<i32>().value(0);
            let genotypes = genotypes.as_struct();
            let column = |name| genotypes.column_by_name(name).unwrap();
            let got_phased: Vec<Option<bool>> = column("phased").as_boolean().iter().collect();
            assert_eq!(got_phased, [Some(phased); 5]);
            let got_ploidy = column("ploidy").as_primitive::<Int32Type>();
            assert_eq!(got_ploidy.values(), &[1, 1, 2, 2, 1]);
            let got_probabilities: Vec<Option<Vec<f64>>> = column("posteriorProbabilities")
                .as_list::<i32>()
                .iter()
                .map(|row| row.map(|p| p.as_primitive::<Float64Type>().values().to_vec()))
                .collect();
            assert_eq!(&got_probabilities, probabilities, "phased {phased}");
            let got_calls = column("calls").as_list::<i32>();
            for (i, want) in calls.iter().enumerate() {
                assert!(got_calls.is_valid(i));
                let row = got_calls.value(i);
                assert_eq!(
                    row.as_primitive::<Int32Type>().values(),
                    want,
                    "phased {phased}"
                );
            }
            assert_same_as_general(&options, ploidies.len(), &blocks);
        }
    }

    #[test]
    fn a_sample_flagged_missing_by_glows_bit_alone_is_missing() {
        // Glow's writer sets bit 6, not 7; a block whose only missing sample
        // says so must not take the way of blocks with none missing.
        for (ploidies, phased) in [
            (&[2, 0x42, 2][..], true),
            (&[2, 0x42, 2][..], false),
            (&[1, 0x42, 2][..], true),
            (&[2, 0x41, 1][..], false),
        ] {
            let values = [9u64; 6];
            let blocks = [block(ploidies, phased, 8, &values)];
            let options = ReaderOptions::default();
            let (results, batch) = decode(true, &options, ploidies.len(), &blocks);
            assert_eq!(results, [Ok(())]);
            let genotypes = batch.column(6).as_list::<i32>().value(0);
            let probabilities = genotypes
                .as_struct()
                .column_by_name("posteriorProbabilities")
                .unwrap()
                .clone();
            assert_eq!(
                probabilities.null_count(),
                1,
                "{ploidies:?} phased {phased}"
            );
            assert!(probabilities.is_null(1));
            assert_same_as_general(&options, ploidies.len(), &blocks);
        }
    }

    #[test]
    fn the_mixed_ploidy_path_names_the_first_present_sample_past_one() {
        // Haploid samples shift where each diploid's values start; sample 3
        // is a missing diploid holding garbage past one, sample 5 a
        // present diploid past one.
        let ploidies = [1, 2, 1, 0x82, 1, 2, 2];
        let values = [3, 10, 20, 9, 255, 255, 1, 200, 100, 0, 0];
        let blocks = [block(&ploidies, false, 8, &values)];
        let (results, batch) = decode(true, &ReaderOptions::default(), ploidies.len(), &blocks);
        assert_eq!(
            results,
            [Err("the probabilities of sample 6 sum past 1 \
                  (stored values total 300, above the maximum 255)"
                .to_string())]
        );
        assert_eq!(batch.num_rows(), 0);
        assert_same_as_general(&ReaderOptions::default(), ploidies.len(), &blocks);
    }

    #[test]
    fn the_diploid_fast_path_agrees_with_glows_probability_rule() {
        let mut random = xorshift(0x9e37_79b9_7f4a_7c15);
        for bits in [1u8, 3, 8, 11, 16, 32] {
            let max = (1u64 << bits) - 1;
            let samples: Vec<(bool, u64, u64)> = (0..203)
                .map(|_| {
                    let a = random(max + 1);
                    // Runs of missing samples, and garbage in some of them.
                    let missing = random(5) == 0;
                    let b = if missing && random(2) == 0 {
                        max
                    } else {
                        random(max - a + 1)
                    };
                    (missing, a, b)
                })
                .collect();
            let blocks = [diploid_block(&samples, bits)];
            for threshold in [0.9, 0.5, 0.3] {
                let options = ReaderOptions {
                    hard_call_threshold: threshold,
                    ..ReaderOptions::default()
                };
                let (results, batch) = decode(true, &options, samples.len(), &blocks);
                assert_eq!(results, [Ok(())]);
                let genotypes = batch.column(6).as_list::<i32>().value(0);
                let genotypes = genotypes.as_struct();
                let probabilities = genotypes
                    .column_by_name("posteriorProbabilities")
                    .unwrap()
                    .as_list::<i32>();
                let calls = genotypes.column_by_name("calls").unwrap().as_list::<i32>();
                for (i, &(missing, a, b)) in samples.iter().enumerate() {
                    let call = calls.value(i);
                    let call = call.as_primitive::<Int32Type>().values();
                    if missing {
                        assert!(probabilities.is_null(i), "{bits} bits, sample {i}");
                        assert_eq!(call, &[-1, -1], "{bits} bits, sample {i}");
                        continue;
                    }
                    let expected = [a, b, max - a - b].map(|x| x as f64 / max as f64);
                    let got = probabilities.value(i);
                    let got = got.as_primitive::<Float64Type>().values();
                    for (g, e) in got.iter().zip(expected) {
                        assert!((g - e).abs() < 1e-12, "{bits} bits, sample {i}: {got:?}");
                    }
                    let want = match argmax_at_least(&expected, threshold) {
                        Some(index) => DIPLOID_CALLS[index + 1],
                        None => [-1, -1],
                    };
                    assert_eq!(
                        call, &want,
                        "{bits} bits, threshold {threshold}, sample {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_diploid_fast_path_names_the_first_present_sample_past_one() {
        let samples = 150;
        let options = ReaderOptions::default();
        for bits in [8u8, 16, 5] {
            let max = (1u64 << bits) - 1;
            // Sample 3 is missing and holds garbage past one; 130 is present.
            let mut genotypes = vec![(false, 0, max); samples];
            genotypes[3] = (true, max, max);
            genotypes[130] = (false, max, 1);
            let bad = diploid_block(&genotypes, bits);
            genotypes[130] = (false, 0, max);
            let good = diploid_block(&genotypes, bits);
            // Nothing of the rejected row is kept; a good row still decodes.
            let (results, batch) = decode(true, &options, samples, &[bad, good]);
            let error = results[0].clone().unwrap_err();
            assert!(
                error.contains("sample 131 sum past 1"),
                "{bits} bits: {error}"
            );
            assert_eq!(results[1], Ok(()));
            assert_eq!(batch.num_rows(), 1);
            let genotypes = batch.column(6).as_list::<i32>().value(0);
            assert_eq!(genotypes.len(), samples);
            let probabilities = genotypes
                .as_struct()
                .column_by_name("posteriorProbabilities")
                .unwrap()
                .as_list::<i32>()
                .clone();
            assert_eq!(probabilities.null_count(), 1);
            assert_eq!(probabilities.values().len(), 3 * (samples - 1));
        }
    }

    #[test]
    fn integer_hard_calls_agree_with_probability_hard_calls() {
        for bits in [1u32, 3, 8, 10, 16, 24, 32] {
            let max = (1u64 << bits) - 1;
            let scale = 1.0 / max as f64;
            for threshold in [0.0, 0.1, 0.5, 0.9, 0.95, 0.999, 1.0, 1.5] {
                let cutoff = integer_cutoff(threshold, max);
                // Every value near the cutoff, and a spread of triples.
                let near = cutoff.saturating_sub(3)..(cutoff + 3).min(max + 1);
                for a in near.clone().chain([0, max / 3, max / 2, max]) {
                    assert_eq!(
                        a >= cutoff,
                        a as f64 * scale >= threshold,
                        "{bits} {threshold} {a}"
                    );
                    let p = [a as f64 * scale, (max - a) as f64 * scale];
                    let expected = argmax_at_least(&p, threshold).map_or(0, |i| i as u8 + 1);
                    assert_eq!(
                        haplotype_call(a, max, cutoff),
                        expected,
                        "{bits} {threshold} {a}"
                    );
                    for b in [0, 1, max / 4, max / 2, max.saturating_sub(a)] {
                        let Some(c) = max.checked_sub(a + b) else {
                            continue;
                        };
                        let p = [a as f64 * scale, b as f64 * scale, c as f64 * scale];
                        let expected = argmax_at_least(&p, threshold).map_or(0, |i| i as u8 + 1);
                        assert_eq!(
                            hard_call([a, b, c], cutoff),
                            expected,
                            "{bits} {threshold} {a} {b}"
                        );
                    }
                }
            }
        }
    }
}
