//! Keys that records use without a header line.
//!
//! The specification asks headers to declare every INFO and FORMAT key but
//! does not require it, and real files (its own conformance suite among
//! them) use `AN`, `AC` or `PL` undeclared. A table's columns must be known
//! before the first batch, on every split alike, so [`read_header`]
//! reads on from the header through the first [`SCAN_LINES`] data lines (at
//! most [`SCAN_BYTES`] of them) and gives every undeclared key it meets a
//! definition: the one the specification of the file's version reserves
//! for it, else the one htslib gives undeclared keys (`Number=1,Type=String`,
//! the value kept as written; a key never seen with a value is a Flag). Each
//! becomes a warning. A key first used after that window has no column: a
//! strict read stops there, naming the line; a lenient one keeps FORMAT
//! values in `otherFields` and drops INFO values with one warning per key.
//!
//! [`read_header`]: crate::read_header

use std::collections::HashSet;

use genolake_core::schema::{Number, ValueType};

use super::rules::valid_key;
use super::{Definition, Header, Origin, Reserved, Version, reserved_format, reserved_info};

/// Data lines read after the header for undeclared keys.
pub const SCAN_LINES: usize = 10_000;
/// Bytes of data lines read after the header for undeclared keys.
pub const SCAN_BYTES: usize = 32 << 20;

/// An undeclared key met in the records.
#[derive(Debug)]
struct Seen {
    key: Vec<u8>,
    /// The specification's definition, if it reserves the key.
    reserved: Option<Reserved>,
    /// Whether any use had a value.
    valued: bool,
    /// Whether every value seen parses as the reserved Type.
    fits: bool,
}

impl Seen {
    fn new(key: &[u8], reserved: Option<Reserved>) -> Self {
        Self {
            key: key.to_vec(),
            reserved,
            valued: false,
            fits: true,
        }
    }

    fn note(&mut self, value: Option<&[u8]>) {
        self.valued |= value.is_some();
        if let (Some(spec), true) = (self.reserved, self.fits) {
            self.fits = fits(spec.value_type, value);
        }
    }
}

/// Whether a value (`None`: the key alone) can be read as `value_type`.
fn fits(value_type: ValueType, value: Option<&[u8]>) -> bool {
    let items = || value.unwrap_or_default().split(|&b| b == b',');
    match value_type {
        ValueType::Flag => value.is_none(),
        _ if value.is_none() => true,
        ValueType::Integer => items()
            .all(|i| i == b"." || std::str::from_utf8(i).is_ok_and(|t| t.parse::<i32>().is_ok())),
        ValueType::Float => items()
            .all(|i| i == b"." || std::str::from_utf8(i).is_ok_and(|t| t.parse::<f64>().is_ok())),
        ValueType::Character | ValueType::String => true,
    }
}

/// Collects the undeclared keys of data lines fed one by one.
#[derive(Debug, Default)]
pub struct UndeclaredKeys {
    version: Version,
    declared_info: HashSet<Vec<u8>>,
    declared_format: HashSet<Vec<u8>>,
    /// Undeclared keys in order of first use.
    infos: Vec<Seen>,
    formats: Vec<Seen>,
    lines: usize,
    bytes: usize,
}

impl UndeclaredKeys {
    /// A collector for the keys `header` does not declare.
    pub fn new(header: &Header) -> Self {
        Self {
            version: header.version,
            declared_info: header
                .infos
                .iter()
                .map(|d| d.id.as_bytes().to_vec())
                .collect(),
            declared_format: header
                .formats
                .iter()
                .map(|d| d.id.as_bytes().to_vec())
                .chain([b"GT".to_vec()])
                .collect(),
            ..Default::default()
        }
    }

    /// Whether the window is full: no more lines are wanted.
    pub fn is_full(&self) -> bool {
        self.lines >= SCAN_LINES || self.bytes >= SCAN_BYTES
    }

    /// Notes the keys of one data line. Malformed lines are passed over: the
    /// decoder reports them with their line number.
    pub fn feed(&mut self, line: &[u8]) {
        self.lines += 1;
        self.bytes += line.len();
        let mut columns = line.split(|&b| b == b'\t').skip(7);
        if let Some(info) = columns.next() {
            self.feed_info(info);
        }
        let Some(format) = columns.next() else {
            return;
        };
        if format == b"." {
            return;
        }
        // The FORMAT keys of this line, as indices into `formats` (None:
        // declared, or malformed: the decoder names it).
        let mut slots = Vec::new();
        for key in format.split(|&b| b == b':') {
            let slot = if !valid_key(key) || self.declared_format.contains(key) {
                None
            } else if let Some(i) = self.formats.iter().position(|s| s.key == key) {
                Some(i)
            } else {
                let reserved = std::str::from_utf8(key)
                    .ok()
                    .and_then(|k| reserved_format(self.version, k));
                self.formats.push(Seen::new(key, reserved));
                Some(self.formats.len() - 1)
            };
            slots.push(slot);
        }
        if slots
            .iter()
            .all(|s| s.is_none_or(|i| self.formats[i].reserved.is_none()))
        {
            return;
        }
        for sample in columns {
            for (value, slot) in sample.split(|&b| b == b':').zip(&slots) {
                if let Some(i) = slot {
                    self.formats[*i].note(Some(value));
                }
            }
        }
    }

    fn feed_info(&mut self, info: &[u8]) {
        if info == b"." {
            return;
        }
        for entry in info.split(|&b| b == b';').filter(|e| !e.is_empty()) {
            let (key, value) = match memchr::memchr(b'=', entry) {
                Some(eq) => (&entry[..eq], Some(&entry[eq + 1..])),
                None => (entry, None),
            };
            if self.declared_info.contains(key) || !valid_key(key) {
                continue;
            }
            let i = match self.infos.iter().position(|s| s.key == key) {
                Some(i) => i,
                None => {
                    let reserved = std::str::from_utf8(key)
                        .ok()
                        .and_then(|k| reserved_info(self.version, k));
                    self.infos.push(Seen::new(key, reserved));
                    self.infos.len() - 1
                }
            };
            self.infos[i].note(value);
        }
    }

    /// Adds a definition for every undeclared key to `header`, with a warning each.
    pub fn apply(self, header: &mut Header) {
        for seen in self.infos {
            let def = define("INFO", seen, header);
            header.infos.push(def);
        }
        for seen in self.formats {
            let def = define("FORMAT", seen, header);
            header.formats.push(def);
        }
    }
}

/// The definition of an undeclared key, and the warning that says so.
fn define(kind: &str, seen: Seen, header: &mut Header) -> Definition {
    let id = String::from_utf8_lossy(&seen.key).into_owned();
    let version = header.version;
    if let Some(spec) = seen.reserved.filter(|spec| seen.fits || !spec.loose) {
        header.warnings.push(format!(
            "{kind} {id} is used but not declared in the header; typed Number={},Type={} as {version} reserves it",
            spec.number, spec.value_type
        ));
        return Definition {
            id,
            number: spec.number,
            value_type: spec.value_type,
            description: spec.description.to_string(),
            origin: Origin::Reserved,
            reserved: true,
            non_negative: spec.non_negative,
        };
    }
    let (number, value_type) = if seen.valued || kind == "FORMAT" {
        (Number::Count(1), ValueType::String)
    } else {
        (Number::Count(0), ValueType::Flag)
    };
    let unlike = match seen.reserved {
        Some(spec) => format!(
            " (its values are not the {} {version} reserves it as)",
            spec.value_type
        ),
        None => String::new(),
    };
    header.warnings.push(format!(
        "{kind} {id} is used but not declared in the header; read as Number={number},Type={value_type}{unlike}, as htslib reads undeclared keys"
    ));
    Definition {
        id,
        number,
        value_type,
        description: "Not declared in the header".to_string(),
        origin: Origin::Undeclared,
        reserved: false,
        non_negative: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::HeaderParser;
    use genolake_core::Stringency;

    fn header(version: &str) -> Header {
        let mut parser = HeaderParser::new(Stringency::Strict);
        for line in [
            format!("##fileformat={version}"),
            "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">".to_string(),
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1".to_string(),
        ] {
            parser.feed(&line).unwrap();
        }
        parser.finish().unwrap()
    }

    #[test]
    fn undeclared_keys_are_typed_by_the_spec_or_as_text() {
        let mut h = header("VCFv4.3");
        let mut keys = UndeclaredKeys::new(&h);
        keys.feed(b"1\t1\t.\tA\tC\t.\t.\tDP=3;AN=2;XF;XS=a,b\tGT:PL:DS\t0/1:1,2,3:0.5");
        keys.feed(b"1\t2\t.\tA\tC\t.\t.\tXF\tGT:AD\t0/1:1,2");
        keys.apply(&mut h);
        let info: Vec<_> = h
            .infos
            .iter()
            .map(|d| (d.id.as_str(), d.number, d.value_type, d.origin))
            .collect();
        assert_eq!(
            info,
            [
                (
                    "DP",
                    Number::Count(1),
                    ValueType::Integer,
                    Origin::Header(2)
                ),
                ("AN", Number::Count(1), ValueType::Integer, Origin::Reserved),
                ("XF", Number::Count(0), ValueType::Flag, Origin::Undeclared),
                (
                    "XS",
                    Number::Count(1),
                    ValueType::String,
                    Origin::Undeclared
                ),
            ]
        );
        let format: Vec<_> = h
            .formats
            .iter()
            .map(|d| (d.id.as_str(), d.number))
            .collect();
        assert_eq!(
            format,
            [
                ("PL", Number::G),
                ("DS", Number::Count(1)),
                ("AD", Number::R)
            ]
        );
        assert_eq!(h.warnings.len(), 6, "{:?}", h.warnings);
        assert!(
            h.warnings[0].contains("VCF 4.3 reserves it"),
            "{:?}",
            h.warnings
        );
    }

    #[test]
    fn keys_reserved_later_are_text_in_older_versions() {
        let mut h = header("VCFv4.2");
        assert_eq!(h.version, Version::V4_2);
        let mut keys = UndeclaredKeys::new(&h);
        keys.feed(b"1\t1\t.\tA\tC\t.\t.\tAD=1,2\tGT\t0/1");
        keys.apply(&mut h);
        assert_eq!(h.infos[1].value_type, ValueType::String);
    }

    #[test]
    fn reserved_keys_whose_values_do_not_fit_are_read_as_text() {
        let mut h = header("VCFv4.3");
        let mut keys = UndeclaredKeys::new(&h);
        keys.feed(b"1\t1\t.\tA\tC\t.\t.\tSB=0.150;AN=2.5\tGT\t0/1");
        keys.apply(&mut h);
        let types: Vec<_> = h
            .infos
            .iter()
            .map(|d| (d.id.as_str(), d.value_type))
            .collect();
        // Only SB, which files write in other shapes, gives way; AN=2.5 is
        // an Integer that does not parse, for the decoder to report.
        assert_eq!(
            types,
            [
                ("DP", ValueType::Integer),
                ("SB", ValueType::String),
                ("AN", ValueType::Integer)
            ]
        );
        assert!(
            h.warnings[0].contains("not the Integer"),
            "{:?}",
            h.warnings
        );
    }
}
