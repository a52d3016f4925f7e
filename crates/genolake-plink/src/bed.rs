//! The `.bed` file: three magic bytes, then one fixed-width record per
//! variant holding two bits per sample.
//!
//! A SNP-major `.bed` starts with `6c 1b 01`. Each variant takes
//! `ceil(samples / 4)` bytes; sample `i` sits in byte `i / 4` at bits
//! `2 × (i % 4)` and `2 × (i % 4) + 1` (low bits first). The unused bits of a
//! record's last byte are zero. The codes, with allele 2 as the reference:
//!
//! | bits | PLINK meaning | `calls` |
//! | --- | --- | --- |
//! | `00` | homozygous allele 1 | `[1, 1]` |
//! | `01` | missing | `[-1, -1]` |
//! | `10` | heterozygous | `[0, 1]` |
//! | `11` | homozygous allele 2 | `[0, 0]` |
//!
//! Variant `v` therefore starts at byte `3 + v × ceil(samples / 4)`: any range
//! of variants is one seek and one read, and the rest of the file is never
//! touched.

/// The first three bytes of a SNP-major (variant-major) `.bed` file.
pub const MAGIC: [u8; 3] = [0x6c, 0x1b, 0x01];

/// Bytes before the first record.
pub const HEADER_LEN: u64 = 3;

/// Bytes one variant's record takes for `samples` samples.
///
/// ```
/// assert_eq!(genolake_plink::bed::bytes_per_variant(5), 2);
/// assert_eq!(genolake_plink::bed::bytes_per_variant(8), 2);
/// ```
pub const fn bytes_per_variant(samples: u64) -> u64 {
    samples.div_ceil(4)
}

/// The calls each 2-bit code stands for.
pub const CODE_CALLS: [[i32; 2]; 4] = [[1, 1], [-1, -1], [0, 1], [0, 0]];

/// The 2-bit code of a missing genotype.
pub const MISSING: u8 = 0b01;

/// For every byte of a record, the values `codes` gives its four samples'
/// 2-bit codes, two per sample, flat.
const fn byte_table<T: Copy>(codes: [[T; 2]; 4]) -> [[T; 8]; 256] {
    let mut table = [[codes[0][0]; 8]; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut sample = 0;
        while sample < 4 {
            let code = (byte >> (2 * sample)) & 3;
            table[byte][2 * sample] = codes[code][0];
            table[byte][2 * sample + 1] = codes[code][1];
            sample += 1;
        }
        byte += 1;
    }
    table
}

/// For every byte of a record, the calls of its four samples, flat: the
/// whole decode is one 32-byte copy per input byte.
static BYTE_CALLS: [[i32; 8]; 256] = byte_table(CODE_CALLS);

/// Appends the calls of every sample of one record (`2 × samples` values) to
/// `out`. `record` must hold at least `bytes_per_variant(samples)` bytes.
#[inline]
pub fn decode_record(record: &[u8], samples: usize, out: &mut Vec<i32>) {
    let full = samples / 4;
    let rest = samples % 4;
    out.reserve(2 * samples);
    for &byte in &record[..full] {
        out.extend_from_slice(&BYTE_CALLS[byte as usize]);
    }
    if rest > 0 {
        out.extend_from_slice(&BYTE_CALLS[record[full] as usize][..2 * rest]);
    }
}

/// Appends the calls of every sample of consecutive records (`records` is
/// whole records of `bytes_per_variant(samples)` bytes, back to back) to
/// `out`: `2 × samples` values per record.
///
/// This is the decoder's hot loop: each input byte becomes one 32-byte copy
/// from the table, written straight into `out`'s spare capacity with no
/// per-value length or capacity updates. A record's last byte may carry
/// fewer than four samples; its copy spills up to six values into the next
/// record's place, which that record then overwrites (and 8 values of slack
/// cover the last record).
pub fn decode_records(records: &[u8], samples: usize, out: &mut Vec<i32>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, the only requirement of the function.
        unsafe { decode_records_avx2(records, samples, out) };
        return;
    }
    decode_records_portable(records, samples, out);
}

/// [`decode_records`] compiled for AVX2: each table entry is one 32-byte
/// load and one 32-byte store instead of two of each.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn decode_records_avx2(records: &[u8], samples: usize, out: &mut Vec<i32>) {
    decode_records_portable(records, samples, out);
}

#[inline(always)]
fn decode_records_portable(records: &[u8], samples: usize, out: &mut Vec<i32>) {
    decode_with(&BYTE_CALLS, records, samples, out);
}

/// Appends two values per sample of consecutive whole records to `out`,
/// each input byte's eight from `table`: one 8-value copy per byte,
/// written straight into `out`'s spare capacity with no per-value length or
/// capacity updates. A record's last byte may carry fewer than four
/// samples; its copy spills up to six values into the next record's place,
/// which that record then overwrites (and 8 values of slack cover the last
/// record).
#[inline(always)]
fn decode_with<T: Copy>(table: &[[T; 8]; 256], records: &[u8], samples: usize, out: &mut Vec<T>) {
    let width = samples.div_ceil(4);
    if width == 0 {
        return;
    }
    let rows = records.len() / width;
    let per_row = 2 * samples;
    out.reserve_exact(rows * per_row + 8);
    let spare = out.spare_capacity_mut();
    for (r, record) in records.chunks_exact(width).enumerate() {
        let dst = &mut spare[r * per_row..r * per_row + 8 * width];
        for (values, &byte) in dst.chunks_exact_mut(8).zip(record) {
            values.write_copy_of_slice(&table[byte as usize]);
        }
    }
    let len = out.len() + rows * per_row;
    // SAFETY: record `r` wrote `[r × per_row, r × per_row + 8 × width)` of the
    // spare capacity, which covers its own `per_row` values since
    // `8 × width >= 2 × samples`; records were written in order, so every one
    // of the `rows × per_row` values is initialized, by the record it belongs
    // to; and `reserve_exact` made room for them all plus the spill.
    unsafe { out.set_len(len) };
}

/// The values `codes` gives the samples at `selected` (indices into the
/// record, in the order wanted), appended to `out`.
#[inline]
fn select_with<T: Copy>(codes: &[[T; 2]; 4], record: &[u8], selected: &[u32], out: &mut Vec<T>) {
    out.reserve_exact(2 * selected.len());
    for &i in selected {
        out.extend_from_slice(&codes[usize::from(code_of(record, i))]);
    }
}

/// The 2-bit code of sample `i` of `record`.
#[inline(always)]
fn code_of(record: &[u8], i: u32) -> u8 {
    let i = i as usize;
    (record[i / 4] >> (2 * (i % 4))) & 3
}

/// Appends the calls of the samples at `selected` (indices into the
/// record, in the order wanted) to `out`.
#[inline]
pub fn decode_selected(record: &[u8], selected: &[u32], out: &mut Vec<i32>) {
    select_with(&CODE_CALLS, record, selected, out);
}

/// The matrix layout's one-byte slots (`i8` allele indexes, −1 missing) of
/// each 2-bit code: the calls of [`CODE_CALLS`].
const CODE_SLOTS: [[u8; 2]; 4] = [[1, 1], [0xff, 0xff], [0, 1], [0, 0]];

/// For every byte of a record, the slots of its four samples.
static BYTE_SLOTS: [[u8; 8]; 256] = byte_table(CODE_SLOTS);

/// Appends the matrix layout's `calls` of consecutive records (whole
/// records of `bytes_per_variant(samples)` bytes, back to back) to `out`:
/// two one-byte slots per sample (`[0, 0]`, `[0, 1]`, `[1, 1]` or
/// `[-1, -1]` as `i8`), `2 × samples` bytes per record.
///
/// ```
/// // One record of five samples: 11, 10, 00, 01 | 11.
/// let mut out = Vec::new();
/// genolake_plink::bed::decode_records_to_slots(&[0b0100_1011, 0b11], 5, &mut out);
/// assert_eq!(out, [0, 0, 0, 1, 1, 1, 0xff, 0xff, 0, 0]);
/// ```
pub fn decode_records_to_slots(records: &[u8], samples: usize, out: &mut Vec<u8>) {
    decode_with(&BYTE_SLOTS, records, samples, out);
}

/// Appends the slots (see [`decode_records_to_slots`]) of the samples at
/// `selected` (indices into the record, in the order wanted) to `out`.
pub fn decode_selected_to_slots(record: &[u8], selected: &[u32], out: &mut Vec<u8>) {
    select_with(&CODE_SLOTS, record, selected, out);
}

/// Appends to `out` the record of the samples at `selected` (indices into
/// `record`, in the order wanted): their 2-bit codes packed again, four to
/// a byte, unused bits of the last byte zero.
pub fn select_record(record: &[u8], selected: &[u32], out: &mut Vec<u8>) {
    out.reserve(selected.len().div_ceil(4));
    for group in selected.chunks(4) {
        let mut byte = 0;
        for (k, &i) in group.iter().enumerate() {
            byte |= code_of(record, i) << (2 * k);
        }
        out.push(byte);
    }
}

/// Packs 2-bit codes (one per sample, each below 4) into a record, appended
/// to `out`; unused bits of the last byte are zero.
pub fn encode_record(codes: &[u8], out: &mut Vec<u8>) {
    let mut chunks = codes.chunks_exact(4);
    for c in &mut chunks {
        out.push(c[0] | (c[1] << 2) | (c[2] << 4) | (c[3] << 6));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut byte = 0;
        for (k, c) in rest.iter().enumerate() {
            byte |= c << (2 * k);
        }
        out.push(byte);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_agrees_with_bit_by_bit_decoding() {
        for byte in 0..=255u8 {
            for sample in 0..4 {
                let code = (byte >> (2 * sample)) & 3;
                assert_eq!(
                    &BYTE_CALLS[byte as usize][2 * sample..2 * sample + 2],
                    &CODE_CALLS[code as usize]
                );
            }
        }
    }

    #[test]
    fn decodes_the_glow_example_record() {
        // Variant snp1 of Glow's five-samples-five-variants: 4b 01.
        let mut out = Vec::new();
        decode_record(&[0x4b, 0x01], 5, &mut out);
        assert_eq!(out, [0, 0, 0, 1, 1, 1, -1, -1, -1, -1]);
        let mut picked = Vec::new();
        decode_selected(&[0x4b, 0x01], &[4, 1], &mut picked);
        assert_eq!(picked, [-1, -1, 0, 1]);
    }

    #[test]
    fn decoding_many_records_at_once_matches_one_at_a_time() {
        for samples in [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 33] {
            let width = samples.div_ceil(4);
            let records: Vec<u8> = (0..width * 5).map(|i| (i * 37 + 11) as u8).collect();
            let mut one = vec![42];
            for record in records
                .chunks_exact(width.max(1))
                .take(if width == 0 { 0 } else { 5 })
            {
                decode_record(record, samples, &mut one);
            }
            let mut all = vec![42];
            decode_records(&records, samples, &mut all);
            assert_eq!(all, one, "{samples} samples");
        }
    }

    #[test]
    fn slots_are_the_calls_as_bytes() {
        for samples in [0usize, 1, 3, 4, 5, 9, 33] {
            let width = samples.div_ceil(4);
            let records: Vec<u8> = (0..width * 3).map(|i| (i * 53 + 7) as u8).collect();
            let mut calls = Vec::new();
            decode_records(&records, samples, &mut calls);
            let mut slots = vec![9];
            decode_records_to_slots(&records, samples, &mut slots);
            let as_bytes: Vec<u8> = calls.iter().map(|&c| c as i8 as u8).collect();
            assert_eq!(slots[1..], as_bytes[..], "{samples} samples");
            if samples > 0 {
                let picked: Vec<u32> = (0..samples as u32).rev().step_by(2).collect();
                let (mut by_calls, mut by_slots) = (Vec::new(), Vec::new());
                decode_selected(&records[..width], &picked, &mut by_calls);
                decode_selected_to_slots(&records[..width], &picked, &mut by_slots);
                let as_bytes: Vec<u8> = by_calls.iter().map(|&c| c as i8 as u8).collect();
                assert_eq!(by_slots, as_bytes);
            }
        }
    }

    #[test]
    fn encode_inverts_decode() {
        let codes = [3u8, 2, 0, 1, 1, 3, 0];
        let mut record = Vec::new();
        encode_record(&codes, &mut record);
        assert_eq!(record.len() as u64, bytes_per_variant(codes.len() as u64));
        assert_eq!(record[1] >> 6, 0, "padding bits are zero");
        let mut calls = Vec::new();
        decode_record(&record, codes.len(), &mut calls);
        let expected: Vec<i32> = codes.iter().flat_map(|c| CODE_CALLS[*c as usize]).collect();
        assert_eq!(calls, expected);
    }
}
