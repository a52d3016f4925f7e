//! Decoding variant blocks straight into Arrow builders.
//!
//! Probabilities are unpacked from the bit stream and appended to a flat
//! `Float64` child; hard calls go to a flat `Int32` child; no genotype costs
//! an allocation.
//!
//! # Probability layout
//!
//! `posteriorProbabilities` follows Glow's BGEN reader:
//! - unphased: one probability per possible genotype, in the colex order of
//!   the BGEN specification (for a diploid: 0/0, 0/1, 1/1, 0/2, 1/2, 2/2, ...,
//!   the order of VCF's `GP`), the last one restored from the others;
//! - phased: `ploidy × alleles` probabilities, haplotype by haplotype, each
//!   haplotype's allele probabilities in allele order;
//! - a missing sample (ploidy byte with its high bits set; in layout 1, all
//!   three probabilities zero) has null probabilities and all calls −1.

mod biallelic;

use std::sync::Arc;

use arrow::array::{ArrayRef, ListArray, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{
    DataType, Field, Fields, Float64Type, Int32Type, Int64Type, Schema, SchemaRef,
};
use arrow::error::ArrowError;
use genolake_core::builder::{
    BoolColumn, ColumnBuilder, ListColumn, PrimitiveColumn, RepeatedStrings, StringColumn,
    struct_array,
};
use genolake_core::schema::{self, list_of};

use crate::header::Cursor;
use crate::reader::ReaderOptions;
use crate::reader::input::Variant;

/// `C(n, k)`, saturating at `u64::MAX`.
pub(crate) fn binomial(n: u64, k: u64) -> u64 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut c: u128 = 1;
    for i in 1..=k as u128 {
        // C(n-k+i, i) = C(n-k+i-1, i-1) * (n-k+i) / i, exact at every step.
        c = match c.checked_mul(n as u128 - k as u128 + i) {
            Some(v) => v / i,
            None => return u64::MAX,
        };
        if c > u64::MAX as u128 {
            return u64::MAX;
        }
    }
    c as u64
}

/// Number of unphased genotypes of `ploidy` over `alleles` alleles.
pub fn genotype_count(ploidy: u32, alleles: u32) -> u64 {
    if alleles == 0 {
        return 0;
    }
    binomial(ploidy as u64 + alleles as u64 - 1, alleles as u64 - 1)
}

/// The alleles (ascending) of the unphased genotype at `index` in BGEN's
/// colex order, for `ploidy` and `alleles`. `index` must be below
/// [`genotype_count`].
///
/// ```
/// use genolake_bgen::record::genotype_alleles;
/// let mut out = Vec::new();
/// genotype_alleles(3, 2, 3, &mut out); // diploid, 3 alleles: 0/0 0/1 1/1 0/2 ...
/// assert_eq!(out, [0, 2]);
/// out.clear();
/// genotype_alleles(2, 4, 2, &mut out); // tetraploid, biallelic
/// assert_eq!(out, [0, 0, 1, 1]);
/// ```
pub fn genotype_alleles(index: u64, ploidy: u32, alleles: u32, out: &mut Vec<i32>) {
    let start = out.len();
    if ploidy == 2 {
        if index < 3 {
            out.extend_from_slice(&[[0, 0], [0, 1], [1, 1]][index as usize]);
            return;
        }
        // Largest k with k(k+1)/2 <= index.
        let mut k = (((8 * index + 1) as f64).sqrt() as u64).saturating_sub(1) / 2;
        while (k + 1) * (k + 2) / 2 <= index {
            k += 1;
        }
        while k * (k + 1) / 2 > index {
            k -= 1;
        }
        out.push((index - k * (k + 1) / 2) as i32);
        out.push(k as i32);
        return;
    }
    // Combinatorial number system with repetition: index = Σ C(a_i + i - 1, i)
    // over the alleles a_1 <= ... <= a_P.
    let mut rest = index;
    let mut upper = alleles.saturating_sub(1) as u64;
    for i in (1..=ploidy as u64).rev() {
        let mut a = upper;
        while a > 0 && binomial(a + i - 1, i) > rest {
            a -= 1;
        }
        rest -= binomial(a + i - 1, i);
        out.push(a as i32);
        upper = a;
    }
    out[start..].reverse();
}

/// The `genotypes` struct fields for these options, in Glow's order.
pub(crate) fn genotype_fields(options: &ReaderOptions) -> Vec<Field> {
    let mut fields = Vec::with_capacity(5);
    if options.include_sample_ids {
        fields.push(Field::new(schema::SAMPLE_ID, DataType::Utf8, true));
    }
    fields.push(Field::new(schema::PHASED, DataType::Boolean, true));
    if options.emit_hard_calls {
        fields.push(Field::new(schema::CALLS, list_of(DataType::Int32), true));
    }
    fields.push(Field::new(schema::PLOIDY, DataType::Int32, true));
    fields.push(Field::new(
        schema::POSTERIOR_PROBABILITIES,
        list_of(DataType::Float64),
        true,
    ));
    fields
}

/// The schema of BGEN rows under these options.
pub(crate) fn schema_of(options: &ReaderOptions) -> SchemaRef {
    let mut fields = schema::site_fields();
    fields.push(schema::genotypes_field(genotype_fields(options)));
    Arc::new(Schema::new(fields))
}

/// Reads `bits`-bit little-endian values from a packed bit stream.
struct Bits<'a> {
    data: &'a [u8],
    bit: usize,
    bits: usize,
    mask: u64,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], bits: u8) -> Self {
        Self {
            data,
            bit: 0,
            bits: bits as usize,
            mask: if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            },
        }
    }

    /// The next value; the caller has checked the stream holds it.
    #[inline(always)]
    fn next(&mut self) -> u64 {
        let byte = self.bit >> 3;
        let shift = self.bit & 7;
        let word = match self.data.get(byte..byte + 8) {
            Some(w) => u64::from_le_bytes(w.try_into().expect("8 bytes")),
            None => {
                let mut w = [0u8; 8];
                let tail = &self.data[byte.min(self.data.len())..];
                w[..tail.len()].copy_from_slice(tail);
                u64::from_le_bytes(w)
            }
        };
        self.bit += self.bits;
        (word >> shift) & self.mask
    }

    fn skip(&mut self, values: u64) {
        self.bit += values as usize * self.bits;
    }
}

/// Builds the columns of BGEN rows.
pub(crate) struct RecordDecoder {
    schema: SchemaRef,
    struct_fields: Fields,
    samples: usize,
    threshold: f64,
    contig: StringColumn,
    start: PrimitiveColumn<Int64Type>,
    end: PrimitiveColumn<Int64Type>,
    names: ListColumn<StringColumn>,
    reference: StringColumn,
    alternates: ListColumn<StringColumn>,
    genotype_offsets: Vec<i32>,
    sample_ids: Option<RepeatedStrings>,
    phased: BoolColumn,
    calls: Option<ListColumn<PrimitiveColumn<Int32Type>>>,
    ploidy: PrimitiveColumn<Int32Type>,
    probabilities: ListColumn<PrimitiveColumn<Float64Type>>,
    rows: usize,
    bytes: usize,
    scratch: Vec<f64>,
    scratch_calls: Vec<i32>,
    /// Each sample's hard call, as a code, in [`biallelic`]'s unphased
    /// diploid blocks.
    call_codes: Vec<u8>,
    /// Each sample's first two values in a block of mixed ploidy.
    pairs: Vec<[u32; 2]>,
    /// What values of at most 8 bits stand for, for the last such depth.
    byte_tables: Option<Box<biallelic::ByteTables>>,
    /// Whether the blocks [`biallelic`] handles go through it: always, but
    /// in tests that compare it with the general decoder.
    fast_paths: bool,
}

impl RecordDecoder {
    pub(crate) fn new(sample_ids: &[String], options: &ReaderOptions) -> Self {
        let schema = schema_of(options);
        let struct_fields = Fields::from(genotype_fields(options));
        Self {
            schema,
            struct_fields,
            samples: sample_ids.len(),
            threshold: options.hard_call_threshold,
            contig: StringColumn::default(),
            start: PrimitiveColumn::default(),
            end: PrimitiveColumn::default(),
            names: ListColumn::default(),
            reference: StringColumn::default(),
            alternates: ListColumn::default(),
            genotype_offsets: vec![0],
            sample_ids: options
                .include_sample_ids
                .then(|| RepeatedStrings::new(sample_ids)),
            phased: BoolColumn::default(),
            calls: options.emit_hard_calls.then(ListColumn::default),
            ploidy: PrimitiveColumn::default(),
            probabilities: ListColumn::default(),
            rows: 0,
            bytes: 0,
            scratch: Vec::new(),
            scratch_calls: Vec::new(),
            call_codes: Vec::new(),
            pairs: Vec::new(),
            byte_tables: None,
            fast_paths: true,
        }
    }

    pub(crate) fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Bytes of variable-length data buffered, to cut batches before `i32`
    /// offsets overflow.
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.bytes
    }

    /// Genotype children appended so far.
    fn genotypes_len(&self) -> usize {
        self.ploidy.len()
    }

    /// Appends one variant whose genotype block inflated to `data`; on error
    /// nothing of the row is kept.
    pub(crate) fn decode(
        &mut self,
        variant: &Variant,
        layout_one: bool,
        data: &[u8],
    ) -> Result<(), String> {
        let mark = self.genotypes_len();
        let result = if layout_one {
            self.decode_layout1(data)
        } else {
            self.decode_layout2(variant, data)
        };
        if let Err(message) = result {
            self.truncate_genotypes(mark);
            return Err(message);
        }
        if let Err(message) = self.push_site(variant) {
            self.truncate_genotypes(mark);
            return Err(message);
        }
        self.genotype_offsets.push(self.genotypes_len() as i32);
        self.rows += 1;
        Ok(())
    }

    fn truncate_genotypes(&mut self, len: usize) {
        if let Some(ids) = &mut self.sample_ids {
            ids.truncate(len);
        }
        self.phased.truncate(len);
        if let Some(calls) = &mut self.calls {
            calls.truncate(len);
        }
        self.ploidy.truncate(len);
        self.probabilities.truncate(len);
    }

    fn push_site(&mut self, v: &Variant) -> Result<(), String> {
        let utf8 = |bytes: &[u8], what: &str| {
            std::str::from_utf8(bytes)
                .map(|_| ())
                .map_err(|_| format!("the {what} is not valid UTF-8"))
        };
        utf8(&v.chrom, "chromosome")?;
        utf8(&v.varid, "variant identifier")?;
        utf8(&v.rsid, "rsid")?;
        for i in 0..v.allele_count() {
            utf8(v.allele(i), "allele")?;
        }
        let (start, end) = v.span();
        self.contig.push(&v.chrom);
        self.start.push(start);
        self.end.push(end);
        if !v.varid.is_empty() {
            self.names.items().push(&v.varid);
        }
        if !v.rsid.is_empty() && v.rsid != v.varid {
            self.names.items().push(&v.rsid);
        }
        self.names.close();
        self.reference.push(v.allele(0));
        for i in 1..v.allele_count() {
            self.alternates.items().push(v.allele(i));
        }
        self.alternates.close();
        if let Some(ids) = &mut self.sample_ids {
            ids.push_all();
            self.bytes += ids.bytes_per_repetition();
        }
        self.bytes += v.chrom.len() + v.varid.len() + v.rsid.len() + v.alleles.len();
        Ok(())
    }

    fn push_missing(&mut self, ploidy: u8, phased: bool) {
        self.phased.push(phased);
        if let Some(calls) = &mut self.calls {
            for _ in 0..ploidy {
                calls.items().push(-1);
            }
            calls.close();
        }
        self.ploidy.push(ploidy as i32);
        self.probabilities.push_nulls(1);
    }

    /// Layout 1: three 16-bit probabilities per diploid sample, divided by 32768.
    fn decode_layout1(&mut self, data: &[u8]) -> Result<(), String> {
        if data.len() != 6 * self.samples {
            return Err(format!(
                "the genotype data holds {} bytes, not the {} that {} samples need",
                data.len(),
                6 * self.samples,
                self.samples
            ));
        }
        for chunk in data.chunks_exact(6) {
            let raw = [
                u16::from_le_bytes([chunk[0], chunk[1]]),
                u16::from_le_bytes([chunk[2], chunk[3]]),
                u16::from_le_bytes([chunk[4], chunk[5]]),
            ];
            if raw == [0, 0, 0] {
                self.push_missing(2, false);
                continue;
            }
            let p = raw.map(|x| x as f64 / 32768.0);
            self.phased.push(false);
            self.ploidy.push(2);
            self.probabilities.items().extend_from_slice(&p);
            self.probabilities.close();
            if let Some(calls) = &mut self.calls {
                let best = argmax_at_least(&p, self.threshold);
                match best {
                    Some(i) => {
                        let pair: [i32; 2] = [[0, 0], [0, 1], [1, 1]][i];
                        calls.items().extend_from_slice(&pair);
                    }
                    None => calls.items().extend_from_slice(&[-1, -1]),
                }
                calls.close();
            }
        }
        Ok(())
    }

    fn decode_layout2(&mut self, v: &Variant, data: &[u8]) -> Result<(), String> {
        let mut c = Cursor::new(data, 0);
        let n = c.u32("the sample count of the genotype data")? as usize;
        if n != self.samples {
            return Err(format!(
                "the genotype data lists {n} samples but the header declares {}",
                self.samples
            ));
        }
        let k = c.u16("the allele count of the genotype data")? as usize;
        if k != v.allele_count() {
            return Err(format!(
                "the genotype data declares {k} alleles but the variant lists {}",
                v.allele_count()
            ));
        }
        if k == 0 {
            return Err("the variant has no alleles; BGEN needs at least one".into());
        }
        let min_ploidy = c.u8("the minimum ploidy")?;
        let max_ploidy = c.u8("the maximum ploidy")?;
        if max_ploidy > 63 || min_ploidy > max_ploidy {
            return Err(format!(
                "the ploidy range {min_ploidy}..{max_ploidy} is invalid (ploidy is at most 63)"
            ));
        }
        let ploidies = c.take(n, "the ploidy of each sample")?;
        let phased = match c.u8("the phased flag")? {
            0 => false,
            1 => true,
            x => return Err(format!("the phased flag is {x}, not 0 or 1")),
        };
        let bits = c.u8("the number of bits per probability")?;
        if !(1..=32).contains(&bits) {
            return Err(format!(
                "{bits} bits per probability is outside the 1 to 32 BGEN allows"
            ));
        }
        let payload = c.rest();

        // Values stored per sample, by ploidy; saturating, so a lying allele
        // count is caught by the size check below rather than overflowing.
        let mut stored = [0u64; 64];
        for p in min_ploidy..=max_ploidy {
            stored[p as usize] = if phased {
                p as u64 * (k as u64 - 1)
            } else {
                genotype_count(p as u32, k as u32).saturating_sub(1)
            };
        }
        let total = if min_ploidy == max_ploidy && all_ploidies_are(ploidies, min_ploidy) {
            // Every sample has the one ploidy stated: checked a word at a time.
            (n as u64).saturating_mul(stored[min_ploidy as usize])
        } else {
            // Checked over every sample without stopping, which vectorises;
            // the first one outside is looked for only when there is one.
            let outside = |&byte: &u8| !(min_ploidy..=max_ploidy).contains(&(byte & 0x3f));
            if ploidies.iter().fold(false, |any, byte| any | outside(byte)) {
                let i = ploidies.iter().position(outside).unwrap_or(0);
                return Err(format!(
                    "sample {} has ploidy {}, outside the stated range {min_ploidy}..{max_ploidy}",
                    i + 1,
                    ploidies.get(i).map_or(0, |byte| byte & 0x3f)
                ));
            }
            if k == 2 {
                // Two alleles, phased or not: as many values as the ploidy.
                ploidy_sum(ploidies)
            } else {
                ploidies.iter().fold(0, |total: u64, &byte| {
                    total.saturating_add(stored[usize::from(byte & 0x3f)])
                })
            }
        };
        let needed_bits = total.saturating_mul(bits as u64);
        let have_bits = payload.len() as u64 * 8;
        if needed_bits > have_bits {
            return Err(format!(
                "the probability data holds {} bytes but {n} samples with {k} alleles at {bits} bits need {}",
                payload.len(),
                needed_bits.div_ceil(8)
            ));
        }

        if self.fast_paths && k == 2 && min_ploidy >= 1 && max_ploidy <= 2 {
            // Every sample is haploid or diploid (checked above).
            // The values fit in the payload (checked above), so in `usize`.
            let values = total as usize;
            return self.decode_biallelic(ploidies, phased, min_ploidy == 1, bits, payload, values);
        }
        self.decode_general(ploidies, phased, k, bits, &stored, payload)
    }

    /// Layout 2 sample by sample: any ploidy, any number of alleles. The
    /// reference the faster paths of [`biallelic`] are tested against; the
    /// caller has checked every ploidy against the range and the payload's
    /// length against the values `stored` for each ploidy.
    fn decode_general(
        &mut self,
        ploidies: &[u8],
        phased: bool,
        k: usize,
        bits: u8,
        stored: &[u64; 64],
        payload: &[u8],
    ) -> Result<(), String> {
        let max = (1u64 << bits) - 1;
        let scale = 1.0 / max as f64;
        let mut reader = Bits::new(payload, bits);
        for (i, &byte) in ploidies.iter().enumerate() {
            let p = byte & 0x3f;
            if is_missing(byte) {
                reader.skip(stored[p as usize]);
                self.push_missing(p, phased);
                continue;
            }
            self.scratch.clear();
            if phased {
                for _ in 0..p {
                    let mut sum = 0u64;
                    for _ in 0..k - 1 {
                        let x = reader.next();
                        sum += x;
                        self.scratch.push(x as f64 * scale);
                    }
                    if sum > max {
                        return Err(sum_error(i, sum, max));
                    }
                    self.scratch.push((max - sum) as f64 * scale);
                }
            } else {
                let mut sum = 0u64;
                for _ in 0..stored[p as usize] {
                    let x = reader.next();
                    sum += x;
                    self.scratch.push(x as f64 * scale);
                }
                if sum > max {
                    return Err(sum_error(i, sum, max));
                }
                self.scratch.push((max - sum) as f64 * scale);
            }
            self.phased.push(phased);
            self.ploidy.push(p as i32);
            self.probabilities.items().extend_from_slice(&self.scratch);
            self.probabilities.close();
            if let Some(calls) = &mut self.calls {
                let scratch = &mut self.scratch_calls;
                scratch.clear();
                if phased {
                    for h in 0..p as usize {
                        let haplotype = &self.scratch[h * k..(h + 1) * k];
                        let call =
                            argmax_at_least(haplotype, self.threshold).map_or(-1, |a| a as i32);
                        scratch.push(call);
                    }
                } else {
                    match argmax_at_least(&self.scratch, self.threshold) {
                        Some(index) => genotype_alleles(index as u64, p as u32, k as u32, scratch),
                        None => scratch.resize(p as usize, -1),
                    }
                }
                calls.items().extend_from_slice(scratch);
                calls.close();
            }
        }
        Ok(())
    }

    /// Takes the rows decoded so far as a batch.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let rows = std::mem::take(&mut self.rows);
        self.bytes = 0;
        let genotypes = self.finish_genotypes()?;
        let columns: Vec<ArrayRef> = vec![
            self.contig.finish()?,
            self.start.finish()?,
            self.end.finish()?,
            self.names.finish()?,
            self.reference.finish()?,
            self.alternates.finish()?,
            genotypes,
        ];
        RecordBatch::try_new_with_options(
            self.schema.clone(),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
    }

    fn finish_genotypes(&mut self) -> Result<ArrayRef, ArrowError> {
        let items = self.genotypes_len();
        let mut children: Vec<ArrayRef> = Vec::with_capacity(self.struct_fields.len());
        if let Some(ids) = &mut self.sample_ids {
            children.push(ids.finish()?);
        }
        children.push(self.phased.finish()?);
        if let Some(calls) = &mut self.calls {
            children.push(calls.finish()?);
        }
        children.push(self.ploidy.finish()?);
        children.push(self.probabilities.finish()?);
        let structs = struct_array(self.struct_fields.clone(), children, items)?;
        let rows = self.genotype_offsets.len() - 1;
        let offsets = std::mem::replace(&mut self.genotype_offsets, Vec::with_capacity(rows + 1));
        self.genotype_offsets.push(0);
        let field = Arc::new(Field::new_list_field(
            DataType::Struct(self.struct_fields.clone()),
            true,
        ));
        Ok(Arc::new(ListArray::try_new(
            field,
            genolake_core::builder::ascending_offsets(offsets)?,
            structs,
            None,
        )?))
    }
}

/// Whether every sample has ploidy `p` (bits 0 to 5 of its byte; the
/// missing flags above them are ignored), eight samples at a time.
fn all_ploidies_are(ploidies: &[u8], p: u8) -> bool {
    const LOW: u64 = u64::from_le_bytes([0x3f; 8]);
    let want = u64::from(p) * u64::from_le_bytes([1; 8]);
    let words = ploidies.chunks_exact(8);
    let tail = words.remainder();
    words
        .map(|w| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]))
        .all(|w| w & LOW == want)
        && tail.iter().all(|&b| b & 0x3f == p)
}

/// The sum of the ploidies (bits 0 to 5 of each byte). Summed in `u16`
/// over runs short enough not to overflow, which vectorises eight to a
/// register; a `u64` sum took two bytes a step, a twentieth of decoding a
/// haploid and diploid block.
fn ploidy_sum(ploidies: &[u8]) -> u64 {
    // 1040 * 63 < 2^16.
    ploidies
        .chunks(1040)
        .map(|run| u64::from(run.iter().map(|&byte| u16::from(byte & 0x3f)).sum::<u16>()))
        .sum()
}

/// Whether a sample's ploidy byte marks it missing: bit 7 does; Glow's
/// writer sets bit 6 instead, and its reader (like this one) treats either
/// as missing.
#[inline(always)]
fn is_missing(ploidy: u8) -> bool {
    ploidy & 0xc0 != 0
}

fn sum_error(sample: usize, sum: u64, max: u64) -> String {
    format!(
        "the probabilities of sample {} sum past 1 (stored values total {sum}, above the maximum {max})",
        sample + 1
    )
}

/// The index of the largest value that is at least `threshold` (and above
/// zero), the first of equals winning, as Glow's `hard_calls` picks it.
#[inline]
fn argmax_at_least(values: &[f64], threshold: f64) -> Option<usize> {
    let mut best = None;
    let mut max = 0.0;
    for (i, &v) in values.iter().enumerate() {
        if v >= threshold && v > max {
            max = v;
            best = Some(i);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomials_and_genotype_counts() {
        assert_eq!(binomial(5, 2), 10);
        assert_eq!(binomial(2, 3), 0);
        assert_eq!(binomial(1000, 500), u64::MAX);
        assert_eq!(genotype_count(2, 2), 3);
        assert_eq!(genotype_count(2, 3), 6);
        assert_eq!(genotype_count(4, 2), 5);
        assert_eq!(genotype_count(1, 5), 5);
        assert_eq!(genotype_count(0, 5), 1);
        assert_eq!(genotype_count(63, 65535), u64::MAX);
    }

    /// Every genotype of a few ploidies and allele counts, enumerated in
    /// colex order by brute force, maps back to its index.
    #[test]
    fn genotype_alleles_follow_colex_order() {
        for ploidy in 1..=5u32 {
            for alleles in 1..=5u32 {
                let mut all: Vec<Vec<i32>> = Vec::new();
                let mut g = vec![0i32; ploidy as usize];
                loop {
                    all.push(g.clone());
                    // Next non-decreasing vector in colex order: bump the
                    // lowest position that can grow, reset those below it.
                    let mut i = 0;
                    while i < g.len() {
                        let limit = if i + 1 < g.len() {
                            g[i + 1]
                        } else {
                            alleles as i32 - 1
                        };
                        if g[i] < limit {
                            g[i] += 1;
                            g[..i].fill(0);
                            break;
                        }
                        i += 1;
                    }
                    if i == g.len() {
                        break;
                    }
                }
                assert_eq!(all.len() as u64, genotype_count(ploidy, alleles));
                for (index, expected) in all.iter().enumerate() {
                    let mut out = Vec::new();
                    genotype_alleles(index as u64, ploidy, alleles, &mut out);
                    assert_eq!(
                        &out, expected,
                        "ploidy {ploidy} alleles {alleles} index {index}"
                    );
                }
            }
        }
    }

    #[test]
    fn bit_reader_reads_packed_values() {
        // Values 1..=9 packed at 3 bits each.
        let mut packed = 0u64;
        for (i, v) in (1..=9u64).enumerate() {
            packed |= (v & 7) << (3 * i);
        }
        let bytes = packed.to_le_bytes();
        let mut r = Bits::new(&bytes[..4], 3);
        let values: Vec<u64> = (0..9).map(|_| r.next()).collect();
        assert_eq!(values, [1, 2, 3, 4, 5, 6, 7, 0, 1]);
    }
}
