//! The GT field: allele indices and phasing, Glow's `calls` and `phased`.
//!
//! GT is the one field of every genotype of every file, so it has its own
//! columns: allele indices go to a plain `Vec<i32>` (they are never null:
//! a missing allele is −1), phasing to a bit buffer, and one validity bitmap
//! (materialised only once a genotype lacks GT) serves both.

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Int32Array, ListArray};
use arrow::datatypes::{DataType, Field};
use arrow::error::ArrowError;
use arrow_buffer::{BooleanBufferBuilder, NullBufferBuilder};
use genolake_core::builder::ascending_offsets;
use genolake_core::matrix::CallsBuilder;

use super::recycle::Recycler;
use super::samples::ABSENT;

/// What a genotype's GT says of the length of its Number=G lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Ploidy {
    /// Alleles called; 0 when not known.
    pub(crate) alleles: usize,
    /// Phased genotypes may carry per-haplotype values instead.
    pub(crate) phased: bool,
}

#[derive(Debug)]
pub(crate) struct GtColumns {
    /// Genotypes already handed to a matrix row (see [`GtColumns::seal_row`]):
    /// the columns below hold the genotypes from this one on.
    base: usize,
    phased: BooleanBufferBuilder,
    alleles: Vec<i32>,
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
    alleles_recycler: Recycler<i32>,
    offsets_recycler: Recycler<i32>,
    /// One row's phasing bits, packed (see
    /// [`push_diploid_typed`](GtColumns::push_diploid_typed)).
    packed: Vec<u8>,
}

impl Default for GtColumns {
    fn default() -> Self {
        Self {
            base: 0,
            phased: BooleanBufferBuilder::new(0),
            alleles: Vec::new(),
            offsets: vec![0],
            nulls: NullBufferBuilder::new(0),
            alleles_recycler: Recycler::default(),
            offsets_recycler: Recycler::default(),
            packed: Vec::new(),
        }
    }
}

impl GtColumns {
    /// Takes back the memory of the last batch, if it is free (see [`Recycler`]).
    pub(crate) fn recycle(&mut self) {
        self.alleles_recycler.refill(&mut self.alleles);
        self.offsets_recycler.refill(&mut self.offsets);
    }

    /// Genotypes appended so far.
    pub(crate) fn len(&self) -> usize {
        self.base + self.offsets.len() - 1
    }

    /// Forgets the genotypes sealed into matrix rows, whose batch is
    /// finished (the columns hold none).
    pub(crate) fn clear_sealed(&mut self) {
        self.truncate(0);
    }

    /// Genotypes in the columns (those not sealed into matrix rows).
    fn held(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Encodes the genotypes appended since the last sealed row as one
    /// matrix row (decoding into the matrix layout), and empties the
    /// columns for the next row.
    pub(crate) fn seal_row(&mut self, calls: &mut CallsBuilder) -> Result<(), String> {
        let held = self.held();
        let nulls = &self.nulls;
        let valid = |g: usize| nulls.is_valid(g);
        calls
            .push_row(&self.alleles, &self.offsets, valid, |g| {
                valid(g).then(|| self.phased.get_bit(g))
            })
            .map_err(|e| e.to_string())?;
        self.alleles.clear();
        self.offsets.truncate(1);
        self.phased.truncate(0);
        self.nulls.truncate(0);
        self.base += held;
        Ok(())
    }

    /// [`push_diploid_row`](GtColumns::push_diploid_row) straight into a
    /// matrix row of `calls`, one byte per allele and per phasing, for a
    /// decoder whose columns hold no genotype of the row (a FORMAT of GT
    /// alone). False, appending nothing, if the row is not of that shape.
    pub(crate) fn push_diploid_matrix_row(
        &mut self,
        bytes: &[u8],
        n: usize,
        n_alleles: usize,
        calls: &mut CallsBuilder,
    ) -> bool {
        if n == 0 || bytes.len() != 4 * n - 1 || self.held() != 0 {
            return false;
        }
        // A digit is an allele below min(10, n_alleles); any other byte
        // than a digit wraps to 10 or more.
        let limit = n_alleles.min(10) as u8;
        let allele = |b: u8| (b == b'.') | (b.wrapping_sub(b'0') < limit);
        // i8 −1 for '.'.
        let byte = |b: u8| {
            if b == b'.' {
                0xff
            } else {
                b.wrapping_sub(b'0')
            }
        };
        let (body, last) = bytes.split_at(4 * (n - 1));
        let pushed = calls.push_narrow_row(2, n, |slots, phased| {
            // No early exit: the common row is read to its end anyway.
            let mut ok = true;
            let (slot_body, slot_last) = slots.split_at_mut(2 * (n - 1));
            for ((c, s), p) in body
                .chunks_exact(4)
                .zip(slot_body.chunks_exact_mut(2))
                .zip(phased.iter_mut())
            {
                ok &= allele(c[0])
                    & allele(c[2])
                    & ((c[1] == b'/') | (c[1] == b'|'))
                    & (c[3] == b'\t');
                s[0] = byte(c[0]);
                s[1] = byte(c[2]);
                *p = u8::from(c[1] == b'|');
            }
            ok &= allele(last[0]) & allele(last[2]) & ((last[1] == b'/') | (last[1] == b'|'));
            slot_last[0] = byte(last[0]);
            slot_last[1] = byte(last[2]);
            phased[n - 1] = u8::from(last[1] == b'|');
            ok
        });
        if pushed.unwrap_or(false) {
            self.base += n;
            true
        } else {
            false
        }
    }

    /// [`push_diploid_matrix_row`](GtColumns::push_diploid_matrix_row) for
    /// BCF's diploid GT in one byte per allele, `data` two bytes a sample:
    /// false, appending nothing, unless every sample has two alleles (either
    /// may be missing) below `n_alleles`.
    pub(crate) fn push_diploid_typed_matrix(
        &mut self,
        data: &[u8],
        n_alleles: usize,
        calls: &mut CallsBuilder,
    ) -> bool {
        let n = data.len() / 2;
        if n == 0 || self.held() != 0 {
            return false;
        }
        let pushed = calls.push_narrow_row(2, n, |slots, phased| {
            fill_narrow_typed(data, n_alleles, slots, phased)
        });
        if pushed.unwrap_or(false) {
            self.base += n;
            true
        } else {
            false
        }
    }

    /// Appends BCF's diploid GT in one byte per allele, `data` two bytes a
    /// sample, if every sample has two alleles (either may be missing)
    /// below `n_alleles`; else returns false, appending nothing.
    pub(crate) fn push_diploid_typed(&mut self, data: &[u8], n_alleles: usize) -> bool {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, the only requirement of the function.
            return unsafe { self.push_diploid_typed_avx2(data, n_alleles) };
        }
        self.push_diploid_typed_portable(data, n_alleles)
    }

    /// [`push_diploid_typed`](GtColumns::push_diploid_typed) compiled for
    /// AVX2: the byte loops below take 32 bytes an instruction.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn push_diploid_typed_avx2(&mut self, data: &[u8], n_alleles: usize) -> bool {
        self.push_diploid_typed_portable(data, n_alleles)
    }

    #[inline(always)]
    fn push_diploid_typed_portable(&mut self, data: &[u8], n_alleles: usize) -> bool {
        if !typed_diploid_fits(data, n_alleles) {
            return false;
        }
        let n = data.len() / 2;
        let start = self.alleles.len() as i32;
        // Alleles map byte to value, whichever sample they belong to.
        self.alleles.extend(data.iter().map(|&b| typed_allele(b)));
        self.offsets.extend((1..=n as i32).map(|k| start + 2 * k));
        // The row's phasing bits, packed, go in at once.
        let packed = &mut self.packed;
        packed.clear();
        // Each 16 bytes (8 samples) give a byte: the low bits of their odd
        // bytes, 4 gathered by one multiply (bits 8, 24, 40 and 56 land on
        // 60 to 63, and no two products meet below them to carry).
        let gather = |c: &[u8]| {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            ((w & 0x0100_0100_0100_0100).wrapping_mul((1 << 52) | (1 << 37) | (1 << 22) | (1 << 7))
                >> 60) as u8
        };
        let mut octets = data.chunks_exact(16);
        packed.extend(
            octets
                .by_ref()
                .map(|c| gather(&c[..8]) | gather(&c[8..]) << 4),
        );
        let rest = octets.remainder();
        if !rest.is_empty() {
            let byte = rest
                .chunks_exact(2)
                .enumerate()
                .fold(0u8, |byte, (j, pair)| byte | (pair[1] & 1) << j);
            packed.push(byte);
        }
        self.phased.append_packed_range(0..n, packed);
        self.nulls.append_n_non_nulls(n);
        true
    }

    /// Appends an allele (−1: missing) to the genotype being built.
    #[inline]
    pub(crate) fn push_allele(&mut self, allele: i32) {
        self.alleles.push(allele);
    }

    /// Ends the genotype being built.
    #[inline]
    pub(crate) fn close_genotype(&mut self, phased: bool) {
        self.close(phased);
    }

    /// Parses one GT value and appends it.
    #[inline]
    pub(crate) fn push(&mut self, raw: &[u8], n_alleles: usize) -> Result<(), String> {
        // The common case: two single-digit (or missing) alleles.
        if let &[a, sep, b] = raw
            && (sep == b'/' || sep == b'|')
            && allele_digit(a, n_alleles)
            && allele_digit(b, n_alleles)
        {
            self.alleles.push(digit_value(a));
            self.alleles.push(digit_value(b));
            self.close(sep == b'|');
            return Ok(());
        }
        let phased = parse_gt(raw, n_alleles, &mut self.alleles)?;
        self.close(phased);
        Ok(())
    }

    /// Appends one genotype per span of `bytes` ([`ABSENT`]: no GT). False at
    /// the first malformed GT, with the genotypes before it appended.
    // Not inlined: the loop gets the registers to itself.
    #[inline(never)]
    pub(crate) fn push_column(
        &mut self,
        bytes: &[u8],
        spans: impl ExactSizeIterator<Item = (u32, u32)>,
        n_alleles: usize,
    ) -> bool {
        self.alleles.reserve(2 * spans.len());
        self.offsets.reserve(spans.len());
        // Phasing bits of the common shape (two single-digit or missing
        // alleles), which is never null, gather 64 at a time.
        let mut word = 0u64;
        let mut count = 0;
        for (start, end) in spans {
            let (start, end) = (start as usize, end as usize);
            if end.wrapping_sub(start) == 3
                && let Some(&[a, sep, b]) = bytes.get(start..end)
                && (sep == b'/' || sep == b'|')
                && allele_digit(a, n_alleles)
                && allele_digit(b, n_alleles)
            {
                self.alleles
                    .extend_from_slice(&[digit_value(a), digit_value(b)]);
                self.offsets.push(self.alleles.len() as i32);
                word |= ((sep == b'|') as u64) << count;
                count += 1;
                if count == 64 {
                    self.append_valid(word, count);
                    (word, count) = (0, 0);
                }
                continue;
            }
            self.append_valid(word, count);
            (word, count) = (0, 0);
            if start == ABSENT.0 as usize {
                self.push_missing(1);
            } else if self.push(&bytes[start..end], n_alleles).is_err() {
                // Drop the alleles of the GT left half-parsed.
                self.truncate(self.len());
                return false;
            }
        }
        self.append_valid(word, count);
        true
    }

    /// Appends the phasing bits of `count` valid genotypes whose alleles are
    /// already appended.
    #[inline]
    fn append_valid(&mut self, word: u64, count: usize) {
        if count > 0 {
            self.phased.append_word(word, count);
            self.nulls.append_n_non_nulls(count);
        }
    }

    /// Appends a whole row of `n` samples if it is the common shape: a
    /// FORMAT of GT alone, every sample two single-digit (or missing) alleles
    /// (`0/1\t1|1\t./.`). Returns false, appending nothing, otherwise.
    pub(crate) fn push_diploid_row(&mut self, bytes: &[u8], n: usize, n_alleles: usize) -> bool {
        if n == 0 || bytes.len() != 4 * n - 1 {
            return false;
        }
        let well_formed = bytes.chunks(4).all(|c| {
            allele_digit(c[0], n_alleles)
                && (c[1] == b'/' || c[1] == b'|')
                && allele_digit(c[2], n_alleles)
                && c.get(3).is_none_or(|&t| t == b'\t')
        });
        if !well_formed {
            return false;
        }
        let base = self.alleles.len() as i32;
        self.alleles.reserve(2 * n);
        for c in bytes.chunks(4) {
            self.alleles.push(digit_value(c[0]));
            self.alleles.push(digit_value(c[2]));
        }
        self.offsets.extend((1..=n as i32).map(|k| base + 2 * k));
        // Phasing bits go in 64 at a time.
        for group in bytes.chunks(4 * 64) {
            let mut word = 0u64;
            let mut count = 0;
            for (bit, c) in group.chunks(4).enumerate() {
                word |= ((c[1] == b'|') as u64) << bit;
                count += 1;
            }
            self.phased.append_word(word, count);
        }
        self.nulls.append_n_non_nulls(n);
        true
    }

    #[inline]
    fn close(&mut self, phased: bool) {
        self.offsets.push(self.alleles.len() as i32);
        self.phased.append(phased);
        self.nulls.append_non_null();
    }

    /// The number of alleles genotype `i` calls, or 0 where that is not
    /// known: no GT, a GT not decoded yet, or a lone missing allele (`.`,
    /// which files write for missing genotypes of any ploidy).
    #[inline]
    pub(crate) fn ploidy(&self, i: usize) -> Ploidy {
        let Some(i) = i.checked_sub(self.base) else {
            return Ploidy::default();
        };
        let alleles = match self.offsets.get(i..i + 2) {
            Some(&[a, b]) if b == a + 1 && self.alleles.get(a as usize) == Some(&-1) => 0,
            Some(&[a, b]) if b > a => (b - a) as usize,
            _ => 0,
        };
        let phased = alleles > 0 && i < self.phased.len() && self.phased.get_bit(i);
        Ploidy { alleles, phased }
    }

    /// Whether the genotypes from `from` on are all diploid (a missing
    /// `./.` included) and there are some.
    pub(crate) fn all_diploid(&self, from: usize) -> bool {
        let Some(from) = from.checked_sub(self.base) else {
            return false;
        };
        self.offsets.len() > from + 1
            && !self.offsets[from..]
                .windows(2)
                .fold(false, |off, w| off | (w[1] - w[0] != 2))
    }

    /// Appends `n` genotypes without GT.
    pub(crate) fn push_missing(&mut self, n: usize) {
        let end = self.alleles.len() as i32;
        self.offsets.resize(self.offsets.len() + n, end);
        self.phased.append_n(n, false);
        self.nulls.append_n_nulls(n);
    }

    /// Drops genotypes from `len` on (and alleles of a genotype left half-parsed).
    pub(crate) fn truncate(&mut self, len: usize) {
        if len < self.base {
            // Back past sealed rows (the decoder drops their matrix rows).
            self.base = len;
            self.truncate(self.base);
            return;
        }
        let len = len - self.base;
        if len <= self.held() {
            self.offsets.truncate(len + 1);
            self.alleles.truncate(self.offsets[len] as usize);
            self.phased.truncate(len);
            self.nulls.truncate(len);
        }
    }

    /// The `phased` and `calls` arrays.
    pub(crate) fn finish(&mut self) -> Result<(ArrayRef, ArrayRef), ArrowError> {
        self.base = 0;
        let len = self.len();
        let nulls = self.nulls.finish();
        self.nulls = NullBufferBuilder::new(len);
        let phased = BooleanArray::new(self.phased.finish(), nulls.clone());
        let alleles = self
            .alleles_recycler
            .lend(std::mem::take(&mut self.alleles));
        let offsets = self
            .offsets_recycler
            .lend(std::mem::replace(&mut self.offsets, vec![0]));
        let calls = ListArray::try_new(
            Arc::new(Field::new_list_field(DataType::Int32, true)),
            ascending_offsets(offsets)?,
            Arc::new(Int32Array::new(alleles, None)),
            nulls,
        )?;
        Ok((Arc::new(phased), Arc::new(calls)))
    }
}

/// The allele index (−1: missing) of one byte of BCF's GT:
/// `(allele + 1) << 1 | phased`, 0 or −128 (BCF's missing value) for a
/// missing allele.
#[inline(always)]
fn typed_allele(b: u8) -> i32 {
    (((b as i8) >> 1) as i32 - 1).max(-1)
}

/// Writes a diploid BCF GT row (`data`, one byte per allele) as a narrow
/// matrix row: each allele index (at most 62) as an `i8` into `slots`, and
/// each sample's phasing into `phased`; false if the row is not of that
/// shape (see [`typed_diploid_fits`]).
fn fill_narrow_typed(data: &[u8], n_alleles: usize, slots: &mut [u8], phased: &mut [u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, the only requirement of the function.
        return unsafe { fill_narrow_typed_avx2(data, n_alleles, slots, phased) };
    }
    fill_narrow_typed_portable(data, n_alleles, slots, phased)
}

/// [`fill_narrow_typed`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fill_narrow_typed_avx2(
    data: &[u8],
    n_alleles: usize,
    slots: &mut [u8],
    phased: &mut [u8],
) -> bool {
    fill_narrow_typed_portable(data, n_alleles, slots, phased)
}

#[inline(always)]
fn fill_narrow_typed_portable(
    data: &[u8],
    n_alleles: usize,
    slots: &mut [u8],
    phased: &mut [u8],
) -> bool {
    if !typed_diploid_fits(data, n_alleles) {
        return false;
    }
    for (slot, &b) in slots.iter_mut().zip(data) {
        // In i8 throughout: (b >> 1) - 1 is −65 to 62.
        *slot = (((b as i8) >> 1) - 1).max(-1) as u8;
    }
    for (p, pair) in phased.iter_mut().zip(data.chunks_exact(2)) {
        *p = pair[1] & 1;
    }
    true
}

/// Whether every byte of a diploid BCF GT in one byte per allele is an
/// allele below `n_alleles` or missing, and none the vector-end padding
/// (−127) of a haploid sample.
#[inline(always)]
fn typed_diploid_fits(data: &[u8], n_alleles: usize) -> bool {
    // `(b >> 1) - 1 < n` for `b < 2n + 2`; a byte holds alleles up to 62.
    let bound = 2 * (n_alleles.min(63) as i16 + 1);
    data.len().is_multiple_of(2)
        && data.iter().fold(true, |ok, &b| {
            ok & (b != 0x81) & (i16::from(b as i8) < bound)
        })
}

#[inline]
fn allele_digit(b: u8, n_alleles: usize) -> bool {
    b == b'.' || (b.is_ascii_digit() && ((b - b'0') as usize) < n_alleles)
}

#[inline]
fn digit_value(b: u8) -> i32 {
    if b == b'.' { -1 } else { (b - b'0') as i32 }
}

/// Parses GT (`0/1`, `1|0`, `./.`, `2`, `0/1/2`, `10/12`, VCF 4.4's `|1`)
/// into allele indices (−1 for `.`), returning whether it is phased.
pub(crate) fn parse_gt(raw: &[u8], n_alleles: usize, calls: &mut Vec<i32>) -> Result<bool, String> {
    let lossy = || String::from_utf8_lossy(raw);
    let mut phased = false;
    let mut i = 0;
    if let Some(&first) = raw.first()
        && (first == b'|' || first == b'/')
    {
        phased = first == b'|';
        i = 1;
    }
    loop {
        let Some(&b) = raw.get(i) else {
            return Err(format!("GT {:?} has an empty allele", lossy()));
        };
        if b == b'.' {
            calls.push(-1);
            i += 1;
        } else if b.is_ascii_digit() {
            let mut allele: u32 = 0;
            while let Some(&d) = raw.get(i) {
                if !d.is_ascii_digit() {
                    break;
                }
                allele = allele.saturating_mul(10).saturating_add((d - b'0') as u32);
                i += 1;
            }
            if allele as usize >= n_alleles {
                return Err(format!(
                    "GT {:?} calls allele {allele} but the record has only {n_alleles} alleles",
                    lossy()
                ));
            }
            calls.push(allele as i32);
        } else {
            return Err(format!(
                "GT {:?} has {:?} where an allele (a number or '.') belongs",
                lossy(),
                b as char
            ));
        }
        match raw.get(i) {
            None => return Ok(phased),
            Some(b'|') => phased = true,
            Some(b'/') => {}
            Some(&other) => {
                return Err(format!(
                    "GT {:?} has {:?} where '/' or '|' belongs",
                    lossy(),
                    other as char
                ));
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::Int32Type;
    use proptest::prelude::*;

    fn gt(raw: &str, n_alleles: usize) -> Result<(bool, Vec<i32>), String> {
        let mut columns = GtColumns::default();
        columns.push(raw.as_bytes(), n_alleles)?;
        let (phased, calls) = columns.finish().unwrap();
        let calls = calls.as_list::<i32>().value(0);
        Ok((
            phased.as_boolean().value(0),
            calls.as_primitive::<Int32Type>().values().to_vec(),
        ))
    }

    #[test]
    fn gt_table() {
        let cases: [(&str, bool, &[i32]); 12] = [
            ("0/1", false, &[0, 1]),
            ("1|0", true, &[1, 0]),
            ("./.", false, &[-1, -1]),
            (".|.", true, &[-1, -1]),
            (".", false, &[-1]),
            ("1", false, &[1]),
            ("./1", false, &[-1, 1]),
            ("0/1/2", false, &[0, 1, 2]),
            ("0|1|2", true, &[0, 1, 2]),
            ("|1", true, &[1]),
            ("2|.", true, &[2, -1]),
            ("10/11", false, &[10, 11]),
        ];
        for (raw, phased, calls) in cases {
            assert_eq!(gt(raw, 12), Ok((phased, calls.to_vec())), "{raw}");
        }
    }

    #[test]
    fn strict_mode_rejects_gt_with_empty_allele() {
        for bad in ["0/|1", "0/", "", "0//1", "a/1", "0-1"] {
            assert!(gt(bad, 2).is_err(), "{bad:?} should be rejected");
        }
        let err = gt("0/3", 2).unwrap_err();
        assert!(err.contains("allele 3"), "{err}");
        assert!(
            gt("0/2", 2).is_err(),
            "the fast path checks the allele count too"
        );
    }

    #[test]
    fn diploid_rows_take_the_fast_path_only_when_well_formed() {
        let mut fast = GtColumns::default();
        assert!(fast.push_diploid_row(b"0/1\t1|1\t./.", 3, 2));
        let mut slow = GtColumns::default();
        for gt in ["0/1", "1|1", "./."] {
            slow.push(gt.as_bytes(), 2).unwrap();
        }
        let (a, b) = (fast.finish().unwrap(), slow.finish().unwrap());
        assert_eq!(a.0.as_ref(), b.0.as_ref());
        assert_eq!(a.1.as_ref(), b.1.as_ref());
        let mut columns = GtColumns::default();
        for (row, n) in [
            (&b"0/1\t1|2"[..], 2),
            (b"0/1\t1", 2),
            (b"0/1\t1/1", 3),
            (b"0/1 1/1", 2),
            (b"0/10", 1),
        ] {
            assert!(
                !columns.push_diploid_row(row, n, 2),
                "{:?}",
                String::from_utf8_lossy(row)
            );
        }
        assert_eq!(columns.len(), 0);
        // A long row crosses the 64-genotype words of the phasing bits.
        let row: Vec<String> = (0..150)
            .map(|i| if i % 3 == 0 { "0|1" } else { "1/0" }.to_string())
            .collect();
        let mut columns = GtColumns::default();
        assert!(columns.push_diploid_row(row.join("\t").as_bytes(), 150, 2));
        let (phased, _) = columns.finish().unwrap();
        let phased = phased.as_boolean();
        assert!((0..150).all(|i| phased.value(i) == (i % 3 == 0)));
    }

    #[test]
    fn columns_of_spans_read_like_one_genotype_at_a_time() {
        // Enough genotypes to fill several words of phasing bits, with slow
        // shapes and absent values among them.
        let mut line = String::new();
        let mut spans = Vec::new();
        let shapes = ["0|1", "1/1", "./.", "0/1/2", "10|1", "2|.", ".", "1|0"];
        for i in 0..300 {
            if i % 37 == 5 {
                spans.push(ABSENT);
                continue;
            }
            let gt = shapes[i % 7 + usize::from(i % 11 == 0)];
            spans.push((line.len() as u32, (line.len() + gt.len()) as u32));
            line.push_str(gt);
            line.push('\t');
        }
        let mut bulk = GtColumns::default();
        assert!(bulk.push_column(line.as_bytes(), spans.iter().copied(), 11));
        assert!(bulk.push_column(line.as_bytes(), spans.iter().copied(), 11));
        let mut single = GtColumns::default();
        for &(start, end) in spans.iter().chain(&spans) {
            if start == ABSENT.0 {
                single.push_missing(1);
            } else {
                single
                    .push(&line.as_bytes()[start as usize..end as usize], 11)
                    .unwrap();
            }
        }
        let (a, b) = (bulk.finish().unwrap(), single.finish().unwrap());
        assert_eq!(a.0.as_ref(), b.0.as_ref());
        assert_eq!(a.1.as_ref(), b.1.as_ref());
        // A malformed GT stops the column.
        let mut columns = GtColumns::default();
        assert!(!columns.push_column(b"0/1\t0/3", [(0, 3), (4, 7)].into_iter(), 2));
        assert_eq!(columns.len(), 1);
        assert!(!columns.push_column(b"0/1/0\t0/1/3", [(0, 5), (6, 11)].into_iter(), 2));
        assert_eq!(columns.len(), 2);
        let (_, calls) = columns.finish().unwrap();
        assert_eq!(calls.as_list::<i32>().values().len(), 5);
    }

    /// BCF's diploid GT bytes of `n` samples: alleles 0 to 2, missing
    /// (0 and −128), phased or not, deterministic.
    fn typed_row(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..2 * n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                [2u8, 3, 4, 5, 6, 7, 0, 0x80][(x % 8) as usize]
            })
            .collect()
    }

    #[test]
    fn typed_diploid_rows_read_as_one_genotype_at_a_time() {
        // Past 64 samples and not a multiple of 8: every word and tail of
        // the phasing bits.
        for n in [1, 7, 8, 63, 64, 65, 150] {
            let data = typed_row(n, n as u64);
            let mut fast = GtColumns::default();
            assert!(fast.push_diploid_typed(&data, 3));
            let mut slow = GtColumns::default();
            for pair in data.chunks_exact(2) {
                let allele = |b: u8| ((b as i8 as i32) >> 1) - 1;
                slow.push_allele(allele(pair[0]).max(-1));
                slow.push_allele(allele(pair[1]).max(-1));
                slow.close_genotype(pair[1] & 1 == 1 && pair[1] != 0x80);
            }
            let (a, b) = (fast.finish().unwrap(), slow.finish().unwrap());
            assert_eq!(a.0.as_ref(), b.0.as_ref(), "{n} samples: phased");
            assert_eq!(a.1.as_ref(), b.1.as_ref(), "{n} samples: calls");
        }
        // An allele past the record's, or a haploid sample's padding: not
        // this shape, nothing appended.
        let mut columns = GtColumns::default();
        assert!(!columns.push_diploid_typed(&[2, 6], 2));
        assert!(!columns.push_diploid_typed(&[2, 0x81], 2));
        assert_eq!(columns.len(), 0);
    }

    #[test]
    fn missing_gt_is_null_in_both_columns() {
        let mut columns = GtColumns::default();
        columns.push(b"0/1", 2).unwrap();
        columns.push_missing(2);
        let (phased, calls) = columns.finish().unwrap();
        assert_eq!((phased.null_count(), calls.null_count()), (2, 2));
        assert_eq!(calls.len(), 3);
    }

    proptest! {
        /// Any GT written from allele indices and separators parses back to them.
        #[test]
        fn written_genotypes_parse_back(
            alleles in proptest::collection::vec(proptest::option::of(0u8..40), 1..6),
            phased in any::<bool>(),
        ) {
            let text: Vec<String> = alleles
                .iter()
                .map(|a| a.map_or(".".to_string(), |a| a.to_string()))
                .collect();
            let raw = text.join(if phased { "|" } else { "/" });
            let expected: Vec<i32> = alleles.iter().map(|a| a.map_or(-1, i32::from)).collect();
            let (got_phased, calls) = gt(&raw, 40).unwrap();
            prop_assert_eq!(calls, expected);
            prop_assert_eq!(got_phased, phased && alleles.len() > 1);
        }

        /// No byte string makes the parser panic.
        #[test]
        fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..12)) {
            let mut columns = GtColumns::default();
            let _ = columns.push(&raw, 3);
            columns.truncate(0);
            prop_assert_eq!(columns.len(), 0);
        }
    }
}
