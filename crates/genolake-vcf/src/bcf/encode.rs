//! BCF's typed values (VCF 4.3, section 6.3.3), written as htslib writes
//! them: integers in the narrowest of 8, 16 and 32 bits that holds every
//! value of the vector (htslib's `bcf_enc_vint`), the eight lowest values
//! of each width reserved (missing, end of vector, and six more).

use super::record::{CHAR, FLOAT, INT8, INT16, INT32, MISSING};

/// A missing integer, in the 32-bit form the encoders take.
pub(crate) const INT_MISSING: i32 = i32::MIN;
/// The end of a vector shorter than the others of its FORMAT field.
pub(crate) const INT_END: i32 = i32::MIN + 1;
/// The smallest integer a 32-bit value may hold (the eight below are reserved).
pub(crate) const INT_MIN_VALUE: i64 = i32::MIN as i64 + 8;
pub(crate) use super::record::{FLOAT_END, FLOAT_MISSING};

/// A type descriptor: `count` values of type `ty`, the count past 14
/// following as a typed integer.
#[inline]
pub(crate) fn descriptor(out: &mut Vec<u8>, ty: u8, count: usize) {
    if count < 15 {
        out.push(((count as u8) << 4) | ty);
    } else {
        out.push(0xF0 | ty);
        int1(out, count as i32);
    }
}

/// The narrowest integer type holding `min..=max` beside its reserved values.
#[inline]
fn int_type(min: i32, max: i32) -> u8 {
    if min >= i8::MIN as i32 + 8 && max <= i8::MAX as i32 {
        INT8
    } else if min >= i16::MIN as i32 + 8 && max <= i16::MAX as i32 {
        INT16
    } else {
        INT32
    }
}

/// One integer (a dictionary key, a count) as a typed value.
#[inline]
pub(crate) fn int1(out: &mut Vec<u8>, v: i32) {
    ints(out, &[v], 1);
}

/// Integers as a typed vector of `per` values (`values.len()` is a
/// multiple: one vector per sample for FORMAT), [`INT_MISSING`] and
/// [`INT_END`] written as the chosen width's.
pub(crate) fn ints(out: &mut Vec<u8>, values: &[i32], per: usize) {
    // Selects, not branches, so that both loops vectorise: this is every
    // integer FORMAT field of every sample. Only the two markers lie in the
    // reserved range (the callers check items against it).
    const LOWEST: i32 = INT_MIN_VALUE as i32;
    let (mut min, mut max) = (i32::MAX, i32::MIN);
    for &v in values {
        let value = v >= LOWEST;
        min = if value { min.min(v) } else { min };
        max = if value { max.max(v) } else { max };
    }
    // All missing: the narrowest.
    let ty = if min > max { INT8 } else { int_type(min, max) };
    descriptor(out, ty, per);
    // A marker's offset from i32::MIN is its offset from the width's
    // smallest value: missing 0, end of vector 1.
    let marker = |v: i32| v.wrapping_sub(i32::MIN);
    match ty {
        INT8 => out.extend(values.iter().map(|&v| {
            if v >= LOWEST {
                v as i8 as u8
            } else {
                (marker(v) as i8).wrapping_add(i8::MIN) as u8
            }
        })),
        INT16 => {
            for &v in values {
                let v = if v >= LOWEST {
                    v as i16
                } else {
                    (marker(v) as i16).wrapping_add(i16::MIN)
                };
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        _ => {
            for &v in values {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
}

/// Floats (as their bits, [`FLOAT_MISSING`] and [`FLOAT_END`] included) as
/// a typed vector of `per` values.
pub(crate) fn floats(out: &mut Vec<u8>, bits: &[u32], per: usize) {
    descriptor(out, FLOAT, per);
    for b in bits {
        out.extend_from_slice(&b.to_le_bytes());
    }
}

/// Text as a typed vector of characters.
#[inline]
pub(crate) fn chars(out: &mut Vec<u8>, text: &[u8]) {
    descriptor(out, CHAR, text.len());
    out.extend_from_slice(text);
}

/// A typed value of no values: an empty FILTER, a Flag's value.
#[inline]
pub(crate) fn nothing(out: &mut Vec<u8>) {
    out.push(MISSING);
}

/// A GT allele: `(allele + 1) << 1`, 0 for a missing one, and the phase bit
/// of every allele after the first (htslib writes the first's as 0).
#[inline]
pub(crate) fn gt_allele(allele: i32, phased: bool) -> i32 {
    // Past 2^29 alleles the shift would overflow; no file has so many.
    ((allele.clamp(-1, 1 << 29) + 1) << 1) | phased as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(values: &[i32], per: usize) -> Vec<u8> {
        let mut out = Vec::new();
        ints(&mut out, values, per);
        out
    }

    #[test]
    fn integers_take_the_narrowest_width_as_htslib_chooses_it() {
        // bcftools writes `AC=1,.` as 0x21 0x01 0x80.
        assert_eq!(encoded(&[1, INT_MISSING], 2), [0x21, 1, 0x80]);
        assert_eq!(encoded(&[-120], 1), [0x11, 0x88]);
        // -121 is among int8's reserved values: 16 bits.
        assert_eq!(encoded(&[-121], 1), [0x12, 0x87, 0xFF]);
        assert_eq!(encoded(&[128, INT_END], 2), [0x22, 0x80, 0, 0x01, 0x80]);
        assert_eq!(
            encoded(&[40_000], 1),
            [0x13, 0x40, 0x9C, 0, 0],
            "past int16"
        );
        assert_eq!(encoded(&[INT_MISSING, INT_END], 1), [0x11, 0x80, 0x81]);
        // Counts past 14 follow the descriptor.
        let long = encoded(&[0; 20], 20);
        assert_eq!(&long[..3], &[0xF1, 0x11, 20]);
        assert_eq!(long.len(), 23);
    }

    #[test]
    fn gt_alleles_carry_the_phase_of_all_but_the_first() {
        // bcftools: 0|1 is 02 05, 1/1 is 04 04, 1|. is 04 01.
        assert_eq!([gt_allele(0, false), gt_allele(1, true)], [2, 5]);
        assert_eq!([gt_allele(1, false), gt_allele(1, false)], [4, 4]);
        assert_eq!([gt_allele(1, false), gt_allele(-1, true)], [4, 1]);
    }
}
