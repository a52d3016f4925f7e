//! One BCF record, turned into the VCF text that says the same.
//!
//! [`Transcoder::site`] checks the record's whole layout and writes the
//! text of its site columns and FORMAT, and locates its per-sample vectors
//! for the decoder to read directly
//! ([`typed_fields`](Transcoder::typed_fields)); where the decoder does not,
//! [`Transcoder::push_samples`] completes the VCF line, which the VCF
//! decoder reads as it reads a VCF file's. Text is written into one reused
//! buffer (no allocation per record or genotype); diploid GT has a loop of
//! its own.
//!
//! Every length is checked against the bytes of the record before it is
//! used: a lying length is an error, never a read past the record.

use super::header::Dictionaries;
use crate::record::typed::{Kind, TypedField, TypedInfoEntry};

/// Typed-value types (VCF 4.3, section 6.3.3).
pub(crate) const MISSING: u8 = 0;
pub(crate) const INT8: u8 = 1;
pub(crate) const INT16: u8 = 2;
pub(crate) const INT32: u8 = 3;
pub(crate) const FLOAT: u8 = 5;
pub(crate) const CHAR: u8 = 7;

pub(crate) const FLOAT_MISSING: u32 = 0x7F80_0001;
pub(crate) const FLOAT_END: u32 = 0x7F80_0002;

/// Bytes per value of a type; `None` for a type the specification does not define.
fn width(ty: u8) -> Option<usize> {
    match ty {
        MISSING => Some(0),
        INT8 | CHAR => Some(1),
        INT16 => Some(2),
        INT32 | FLOAT => Some(4),
        _ => None,
    }
}

/// An integer of a typed vector: a value, missing, or the end of a shorter vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Int {
    Value(i32),
    Missing,
    End,
}

#[inline]
fn int_at(ty: u8, data: &[u8], j: usize) -> Int {
    let (v, missing, end) = match ty {
        INT8 => (data[j] as i8 as i32, i8::MIN as i32, i8::MIN as i32 + 1),
        INT16 => (
            i16::from_le_bytes([data[2 * j], data[2 * j + 1]]) as i32,
            i16::MIN as i32,
            i16::MIN as i32 + 1,
        ),
        _ => (
            i32::from_le_bytes([
                data[4 * j],
                data[4 * j + 1],
                data[4 * j + 2],
                data[4 * j + 3],
            ]),
            i32::MIN,
            i32::MIN + 1,
        ),
    };
    if v == missing {
        Int::Missing
    } else if v == end {
        Int::End
    } else {
        Int::Value(v)
    }
}

/// A typed vector located in a record: its type, count and bytes.
#[derive(Debug, Clone, Copy)]
struct Typed<'a> {
    ty: u8,
    n: usize,
    data: &'a [u8],
}

/// Reads a record's bytes front to back, every length checked.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    /// What is being read, for messages.
    part: &'static str,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8], part: &'static str) -> Self {
        Self { bytes, at: 0, part }
    }

    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], String> {
        let left = self.bytes.len() - self.at;
        if len > left {
            return Err(format!(
                "{what} needs {len} bytes but only {left} remain of the record's {} part ({} bytes)",
                self.part,
                self.bytes.len()
            ));
        }
        let s = &self.bytes[self.at..self.at + len];
        self.at += len;
        Ok(s)
    }

    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A type descriptor and its count (a count of 15 or more follows as a
    /// typed integer).
    fn descriptor(&mut self, what: &str) -> Result<(u8, usize), String> {
        let b = self.take(1, what)?[0];
        let ty = b & 0x0F;
        let mut n = (b >> 4) as usize;
        if width(ty).is_none() {
            return Err(format!("{what} has type {ty}, which BCF does not define"));
        }
        if n == 15 {
            let inner = self.take(1, what)?[0];
            let (ity, icount) = (inner & 0x0F, inner >> 4);
            if !matches!(ity, INT8 | INT16 | INT32) || icount != 1 {
                return Err(format!(
                    "{what} gives its length as a typed value of type {ity} and count {icount}, not one integer"
                ));
            }
            let w = width(ity).unwrap_or(4);
            let data = self.take(w, what)?;
            n = match int_at(ity, data, 0) {
                Int::Value(v) if v >= 0 => v as usize,
                other => return Err(format!("{what} has length {other:?}, not a count")),
            };
        }
        Ok((ty, n))
    }

    /// A typed vector of `n` values (of `per` vectors each, for FORMAT).
    fn typed(&mut self, what: &str, per: usize) -> Result<Typed<'a>, String> {
        let (ty, n) = self.descriptor(what)?;
        let len = width(ty)
            .unwrap_or(0)
            .checked_mul(n)
            .and_then(|l| l.checked_mul(per))
            .ok_or_else(|| format!("{what}'s length overflows"))?;
        let data = self.take(len, what)?;
        Ok(Typed { ty, n, data })
    }

    /// A typed integer that is one value (an INFO or FORMAT key).
    fn key(&mut self, what: &str) -> Result<usize, String> {
        let t = self.typed(what, 1)?;
        if !matches!(t.ty, INT8 | INT16 | INT32) || t.n != 1 {
            return Err(format!(
                "{what} is not one integer (type {}, count {})",
                t.ty, t.n
            ));
        }
        match int_at(t.ty, t.data, 0) {
            Int::Value(v) if v >= 0 => Ok(v as usize),
            other => Err(format!("{what} is {other:?}, not a dictionary index")),
        }
    }
}

/// A FORMAT field of the last record: its key, whether it is GT, and
/// where its per-sample vectors lie in the record's per-sample part.
#[derive(Debug, Clone, Copy)]
struct FormatField {
    key: usize,
    gt: bool,
    ty: u8,
    n: usize,
    start: usize,
    end: usize,
}

impl FormatField {
    fn values<'a>(&self, indiv: &'a [u8]) -> Typed<'a> {
        Typed {
            ty: self.ty,
            n: self.n,
            data: &indiv[self.start..self.end],
        }
    }
}

/// Turns BCF records into VCF lines, or into the VCF text of their site
/// columns and FORMAT plus their typed sample values.
pub(crate) struct Transcoder {
    dictionaries: Dictionaries,
    n_samples: usize,
    /// The line of the last record.
    line: Vec<u8>,
    /// The FORMAT fields of the last record.
    fields: Vec<FormatField>,
    /// The same as the record decoder takes them, when every one has a
    /// type it decodes.
    typed: Vec<TypedField>,
    all_typed: bool,
    /// The INFO entries of the last record, when [`InfoAs::Typed`].
    info: Vec<TypedInfoEntry>,
}

/// How [`Transcoder::site`] gives a record's INFO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InfoAs {
    /// As VCF text, in the line.
    Text,
    /// As typed values ([`Transcoder::typed_info`]), with `.` in the line.
    Typed,
}

impl Transcoder {
    pub(crate) fn new(dictionaries: Dictionaries, n_samples: usize) -> Self {
        Self {
            dictionaries,
            n_samples,
            line: Vec::with_capacity(1 << 16),
            fields: Vec::new(),
            typed: Vec::new(),
            all_typed: false,
            info: Vec::new(),
        }
    }

    /// Contig names by dictionary index (unused indexes empty).
    pub(crate) fn contig_names(&self) -> Vec<String> {
        self.dictionaries
            .contigs
            .iter()
            .map(|c| c.clone().unwrap_or_default())
            .collect()
    }

    /// The line the last [`site`](Self::site) and
    /// [`push_samples`](Self::push_samples) wrote.
    pub(crate) fn line(&self) -> &[u8] {
        &self.line
    }

    fn string(&self, index: usize, what: &str) -> Result<&str, String> {
        match self.dictionaries.strings.get(index) {
            Some(Some(s)) => Ok(s),
            _ => Err(format!(
                "{what} refers to string {index} of the header's dictionary, which has {} entries",
                self.dictionaries.strings.len()
            )),
        }
    }

    /// Writes the VCF line of the record in `shared` and `indiv` (the two
    /// parts `l_shared` and `l_indiv` delimit).
    #[cfg(test)]
    pub(crate) fn transcode(&mut self, shared: &[u8], indiv: &[u8]) -> Result<(), String> {
        self.site(shared, indiv, InfoAs::Text)?;
        self.push_samples(indiv);
        Ok(())
    }

    /// Checks the whole layout of the record in `shared` and `indiv` and
    /// writes the VCF text of its site columns (INFO as `info` says) and,
    /// when it has samples, of its FORMAT;
    /// [`push_samples`](Self::push_samples) completes the line, or
    /// [`typed_fields`](Self::typed_fields) hands the sample values over as
    /// they are.
    pub(crate) fn site(&mut self, shared: &[u8], indiv: &[u8], info: InfoAs) -> Result<(), String> {
        let mut line = std::mem::take(&mut self.line);
        let mut fields = std::mem::take(&mut self.fields);
        let mut entries = std::mem::take(&mut self.info);
        line.clear();
        fields.clear();
        entries.clear();
        let typed_info = (info == InfoAs::Typed).then_some(&mut entries);
        let result = self.write_site(&mut line, &mut fields, typed_info, shared, indiv);
        self.info = entries;
        self.all_typed = false;
        self.typed.clear();
        if result.is_ok() && !fields.is_empty() {
            self.all_typed = true;
            for f in &fields {
                let kind = match f.ty {
                    INT8 => Kind::Int8,
                    INT16 => Kind::Int16,
                    INT32 => Kind::Int32,
                    FLOAT => Kind::Float,
                    CHAR => Kind::Char,
                    _ => {
                        self.all_typed = false;
                        break;
                    }
                };
                self.typed.push(TypedField {
                    kind,
                    n: f.n,
                    start: f.start,
                    end: f.end,
                });
            }
        }
        self.line = line;
        self.fields = fields;
        result
    }

    /// The last record's sample values as the record decoder takes them,
    /// if it has samples, FORMAT keys, and only types the decoder reads.
    pub(crate) fn typed_fields(&self) -> Option<&[TypedField]> {
        self.all_typed.then_some(self.typed.as_slice())
    }

    /// Whether the last record has samples.
    pub(crate) fn has_samples(&self) -> bool {
        self.n_samples > 0
    }

    /// The last record's INFO entries (read with [`InfoAs::Typed`]); their
    /// values lie in the record's shared part, their keys index
    /// [`names`](Self::names).
    pub(crate) fn typed_info(&self) -> &[TypedInfoEntry] {
        &self.info
    }

    /// Whether the 24 bytes of a record's fixed fields (CHROM to
    /// `n_fmt_sample`) could start a record of this file: a contig the
    /// header declares, an allele, the header's sample count. Checked
    /// before a record's lengths are trusted where records may not start
    /// (a split's first block).
    pub(crate) fn plausible_fixed(&self, fixed: &[u8]) -> bool {
        let word = |i: usize| {
            fixed
                .get(4 * i..4 * i + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let (Some(chrom), Some(n_allele_info), Some(n_fmt_sample)) = (word(0), word(4), word(5))
        else {
            return false;
        };
        (chrom as usize) < self.dictionaries.contigs.len()
            && n_allele_info >> 16 > 0
            && (n_fmt_sample & 0xFF_FFFF) as usize == self.n_samples
    }

    /// The header's dictionary of strings.
    pub(crate) fn names(&self) -> &[Option<String>] {
        &self.dictionaries.strings
    }

    fn write_site(
        &self,
        line: &mut Vec<u8>,
        fields: &mut Vec<FormatField>,
        mut typed_info: Option<&mut Vec<TypedInfoEntry>>,
        shared: &[u8],
        indiv: &[u8],
    ) -> Result<(), String> {
        let mut ints = itoa::Buffer::new();
        let mut floats = ryu::Buffer::new();
        let mut c = Cursor::new(shared, "shared");
        let chrom = c.u32("CHROM")? as usize;
        let pos = c.u32("POS")? as i32;
        let _rlen = c.u32("rlen")?;
        let qual = c.u32("QUAL")?;
        let n_allele_info = c.u32("n_allele_info")?;
        let n_fmt_sample = c.u32("n_fmt_sample")?;
        let n_info = (n_allele_info & 0xFFFF) as usize;
        let n_allele = (n_allele_info >> 16) as usize;
        let n_sample = (n_fmt_sample & 0xFF_FFFF) as usize;
        let n_fmt = (n_fmt_sample >> 24) as usize;
        if n_sample != self.n_samples {
            return Err(format!(
                "the record has {n_sample} samples but the header names {}",
                self.n_samples
            ));
        }

        // CHROM and POS.
        match self.dictionaries.contigs.get(chrom) {
            Some(Some(name)) => line.extend_from_slice(name.as_bytes()),
            _ => {
                return Err(format!(
                    "CHROM refers to contig {chrom}, but the header declares {}",
                    self.dictionaries.contigs.len()
                ));
            }
        }
        line.push(b'\t');
        if pos < -1 {
            return Err(format!("POS {pos} (0-based) is negative"));
        }
        line.extend_from_slice(ints.format(pos as i64 + 1).as_bytes());

        // ID.
        line.push(b'\t');
        let id = c.typed("ID", 1)?;
        push_text(line, id, "ID")?;

        // REF and ALT.
        if n_allele == 0 {
            return Err("the record has no alleles (n_allele is 0; REF is required)".into());
        }
        for i in 0..n_allele {
            line.push(if i < 2 { b'\t' } else { b',' });
            let allele = c.typed("an allele", 1)?;
            push_text(line, allele, "an allele")?;
        }
        if n_allele == 1 {
            line.extend_from_slice(b"\t.");
        }

        // QUAL.
        line.push(b'\t');
        if qual == FLOAT_MISSING {
            line.push(b'.');
        } else {
            push_float(line, &mut floats, f32::from_bits(qual));
        }

        // FILTER.
        line.push(b'\t');
        let filter = c.typed("FILTER", 1)?;
        if !matches!(filter.ty, MISSING | INT8 | INT16 | INT32) {
            return Err(format!("FILTER has type {}, not integers", filter.ty));
        }
        let mut any = false;
        if filter.ty != MISSING {
            for j in 0..filter.n {
                match int_at(filter.ty, filter.data, j) {
                    Int::Value(v) => {
                        if any {
                            line.push(b';');
                        }
                        let name = self.string(v.max(0) as usize, "FILTER")?;
                        line.extend_from_slice(name.as_bytes());
                        any = true;
                    }
                    Int::End => break,
                    Int::Missing => {}
                }
            }
        }
        if !any {
            line.push(b'.');
        }

        // INFO.
        line.push(b'\t');
        for i in 0..n_info {
            let key = c.key("an INFO key")?;
            let name = self.string(key, "an INFO key")?;
            let value = c.typed("an INFO value", 1)?;
            let flag = self.dictionaries.flags.get(key).copied().unwrap_or(false);
            let valued = !(flag || value.n == 0 || value.ty == MISSING);
            if let Some(entries) = typed_info.as_deref_mut() {
                let kind = match value.ty {
                    INT8 => Kind::Int8,
                    INT16 => Kind::Int16,
                    INT32 => Kind::Int32,
                    FLOAT => Kind::Float,
                    _ => Kind::Char,
                };
                let end = c.at;
                entries.push(TypedInfoEntry {
                    key,
                    value: valued.then_some(TypedField {
                        kind,
                        n: value.n,
                        start: end - value.data.len(),
                        end,
                    }),
                });
                continue;
            }
            if i > 0 {
                line.push(b';');
            }
            line.extend_from_slice(name.as_bytes());
            if valued {
                line.push(b'=');
                push_values(line, &mut ints, &mut floats, value, 0);
            }
        }
        if n_info == 0 || typed_info.is_some() {
            line.push(b'.');
        }
        if c.at != shared.len() {
            return Err(format!(
                "l_shared says the shared part holds {} bytes, but its fields end after {}",
                shared.len(),
                c.at
            ));
        }

        // FORMAT.
        if n_sample == 0 {
            return if indiv.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "a record without samples has {} bytes of sample data (l_indiv)",
                    indiv.len()
                ))
            };
        }
        let mut c = Cursor::new(indiv, "per-sample");
        for _ in 0..n_fmt {
            let key = c.key("a FORMAT key")?;
            let name = self.string(key, "a FORMAT key")?;
            let values = c.typed("a FORMAT value", n_sample)?;
            let gt = name == "GT";
            if gt && !matches!(values.ty, INT8 | INT16 | INT32) {
                return Err(format!("GT has type {}, not integers", values.ty));
            }
            fields.push(FormatField {
                key,
                gt,
                ty: values.ty,
                n: values.n,
                start: c.at - values.data.len(),
                end: c.at,
            });
        }
        if c.at != indiv.len() {
            return Err(format!(
                "l_indiv says the per-sample part holds {} bytes, but its fields end after {}",
                indiv.len(),
                c.at
            ));
        }
        line.push(b'\t');
        if fields.is_empty() {
            line.push(b'.');
            return Ok(());
        }
        for (k, field) in fields.iter().enumerate() {
            if k > 0 {
                line.push(b':');
            }
            line.extend_from_slice(self.string(field.key, "a FORMAT key")?.as_bytes());
        }
        Ok(())
    }

    /// Appends the sample columns of the record [`site`](Self::site) last
    /// wrote (whose `indiv` this is) to its line.
    pub(crate) fn push_samples(&mut self, indiv: &[u8]) {
        let mut line = std::mem::take(&mut self.line);
        self.write_samples(&mut line, indiv);
        self.line = line;
    }

    fn write_samples(&self, line: &mut Vec<u8>, indiv: &[u8]) {
        let n_sample = self.n_samples;
        if self.fields.is_empty() {
            // No FORMAT keys: every sample is `.` (none without samples).
            for _ in 0..n_sample {
                line.extend_from_slice(b"\t.");
            }
            return;
        }
        let mut ints = itoa::Buffer::new();
        let mut floats = ryu::Buffer::new();
        if let [field] = self.fields.as_slice()
            && field.gt
            && field.ty == INT8
            && field.n == 2
        {
            // Most cohorts: GT alone, diploid, in one byte per allele.
            push_diploid_gts(line, field.values(indiv).data);
            return;
        }
        for s in 0..n_sample {
            line.push(b'\t');
            for (k, field) in self.fields.iter().enumerate() {
                if k > 0 {
                    line.push(b':');
                }
                let values = field.values(indiv);
                if field.gt {
                    push_gt(line, &mut ints, values, s);
                } else if values.ty == CHAR {
                    let n = values.n;
                    let text = &values.data[s * n..(s + 1) * n];
                    let text = &text[..memchr::memchr(0, text).unwrap_or(n)];
                    if text.is_empty() {
                        line.push(b'.');
                    } else {
                        line.extend_from_slice(text);
                    }
                } else {
                    push_values(line, &mut ints, &mut floats, values, s);
                }
            }
        }
    }
}

/// A typed string (ID, an allele): `.` when empty.
fn push_text(line: &mut Vec<u8>, t: Typed<'_>, what: &str) -> Result<(), String> {
    match t.ty {
        CHAR => {
            let text = &t.data[..memchr::memchr(0, t.data).unwrap_or(t.data.len())];
            if text.is_empty() {
                line.push(b'.');
            } else {
                line.extend_from_slice(text);
            }
            Ok(())
        }
        MISSING => {
            line.push(b'.');
            Ok(())
        }
        ty => Err(format!("{what} has type {ty}, not characters")),
    }
}

fn push_float(line: &mut Vec<u8>, floats: &mut ryu::Buffer, v: f32) {
    // The shortest text that reads back as the same f32: what the VCF said,
    // for any value f32 holds exactly as written.
    let text = floats.format(v);
    let text = text.strip_suffix(".0").unwrap_or(text);
    line.extend_from_slice(text.as_bytes());
}

/// The `s`-th vector of a typed value (0 for INFO): items separated by
/// commas, missing ones `.`, the vector-end padding dropped, `.` when empty.
fn push_values(
    line: &mut Vec<u8>,
    ints: &mut itoa::Buffer,
    floats: &mut ryu::Buffer,
    t: Typed<'_>,
    s: usize,
) {
    let start = line.len();
    let n = t.n;
    match t.ty {
        INT8 | INT16 | INT32 => {
            for j in 0..n {
                match int_at(t.ty, t.data, s * n + j) {
                    Int::End => break,
                    item => {
                        if j > 0 {
                            line.push(b',');
                        }
                        match item {
                            Int::Value(v) => line.extend_from_slice(ints.format(v).as_bytes()),
                            _ => line.push(b'.'),
                        }
                    }
                }
            }
        }
        FLOAT => {
            for j in 0..n {
                let at = 4 * (s * n + j);
                let bits = u32::from_le_bytes([
                    t.data[at],
                    t.data[at + 1],
                    t.data[at + 2],
                    t.data[at + 3],
                ]);
                if bits == FLOAT_END {
                    break;
                }
                if j > 0 {
                    line.push(b',');
                }
                if bits == FLOAT_MISSING {
                    line.push(b'.');
                } else {
                    push_float(line, floats, f32::from_bits(bits));
                }
            }
        }
        CHAR => {
            let text = &t.data[s * n..(s + 1) * n];
            line.extend_from_slice(&text[..memchr::memchr(0, text).unwrap_or(n)]);
        }
        _ => {}
    }
    if line.len() == start {
        line.push(b'.');
    }
}

/// One sample's GT: `(allele + 1) << 1 | phased` per allele, 0 a missing
/// allele, vector-end padding for lower ploidy.
fn push_gt(line: &mut Vec<u8>, ints: &mut itoa::Buffer, t: Typed<'_>, s: usize) {
    let start = line.len();
    for j in 0..t.n {
        let v = match int_at(t.ty, t.data, s * t.n + j) {
            Int::End => break,
            Int::Missing => 0,
            Int::Value(v) => v,
        };
        if j > 0 {
            line.push(if v & 1 == 1 { b'|' } else { b'/' });
        }
        let allele = (v >> 1) - 1;
        if allele < 0 {
            line.push(b'.');
        } else {
            line.extend_from_slice(ints.format(allele).as_bytes());
        }
    }
    if line.len() == start {
        line.push(b'.');
    }
}

/// Every sample's diploid GT in one byte per allele, written as
/// `\ta|b` (or `/`), the common case first.
fn push_diploid_gts(line: &mut Vec<u8>, data: &[u8]) {
    // Common rows (every allele 0..=8) are written four bytes a sample
    // into space made once; the first other sample falls to the loop below.
    let samples = data.len() / 2;
    let start = line.len();
    line.resize(start + 4 * samples, 0);
    let mut done = 0;
    for (out, pair) in line[start..].chunks_exact_mut(4).zip(data.chunks_exact(2)) {
        let (a, b) = (pair[0] as i8, pair[1] as i8);
        if !((2..=19).contains(&a) && (2..=19).contains(&b)) {
            break;
        }
        out.copy_from_slice(&[
            b'\t',
            b'0' + ((a >> 1) - 1) as u8,
            if b & 1 == 1 { b'|' } else { b'/' },
            b'0' + ((b >> 1) - 1) as u8,
        ]);
        done += 1;
    }
    line.truncate(start + 4 * done);
    let mut ints = itoa::Buffer::new();
    for pair in data[2 * done..].chunks_exact(2) {
        let (a, b) = (pair[0] as i8, pair[1] as i8);
        line.push(b'\t');
        // Alleles 0..=8, both present: three bytes.
        if (2..=19).contains(&a) && (2..=19).contains(&b) {
            line.extend_from_slice(&[
                b'0' + ((a >> 1) - 1) as u8,
                if b & 1 == 1 { b'|' } else { b'/' },
                b'0' + ((b >> 1) - 1) as u8,
            ]);
            continue;
        }
        for (j, v) in [a, b].into_iter().enumerate() {
            let v = match v {
                -127 => break,
                -128 => 0,
                v => v,
            };
            if j > 0 {
                line.push(if v & 1 == 1 { b'|' } else { b'/' });
            }
            let allele = (v as i32 >> 1) - 1;
            if allele < 0 {
                line.push(b'.');
            } else {
                line.extend_from_slice(ints.format(allele).as_bytes());
            }
        }
        if line.last() == Some(&b'\t') {
            line.push(b'.');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diploid_gts_print_as_vcf_whatever_comes_first() {
        // 0|1, 1/1, ./., 10/0 (two digits), haploid 2, nothing, 0/. (int8 missing)
        let gts: [i8; 14] = [2, 5, 4, 4, 0, 0, 22, 2, 6, -127, -127, -127, 2, -128];
        let mut line = Vec::new();
        push_diploid_gts(&mut line, &gts.map(|v| v as u8));
        assert_eq!(
            String::from_utf8(line).unwrap(),
            "\t0|1\t1/1\t./.\t10/0\t2\t.\t0/."
        );
        let mut line = Vec::new();
        push_diploid_gts(&mut line, &[0, 0, 2, 3]);
        assert_eq!(line, b"\t./.\t0|0");
    }

    #[test]
    fn values_drop_the_vector_end_and_print_missing_items_as_dots() {
        let mut line = Vec::new();
        let (mut ints, mut floats) = (itoa::Buffer::new(), ryu::Buffer::new());
        let data: Vec<u8> = [7i16, i16::MIN, 9, i16::MIN + 1]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let t = Typed {
            ty: INT16,
            n: 4,
            data: &data,
        };
        push_values(&mut line, &mut ints, &mut floats, t, 0);
        assert_eq!(line, b"7,.,9");
        line.clear();
        let data: Vec<u8> = [0.5f32.to_bits(), FLOAT_MISSING, FLOAT_END]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let t = Typed {
            ty: FLOAT,
            n: 3,
            data: &data,
        };
        push_values(&mut line, &mut ints, &mut floats, t, 0);
        assert_eq!(line, b"0.5,.");
    }
}
