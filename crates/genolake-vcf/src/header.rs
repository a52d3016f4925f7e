//! The VCF header: meta-information lines and the sample names.
//!
//! Every `##` line is kept, in order and as written, so a writer can reproduce
//! the header; INFO, FORMAT and contig lines are also parsed into typed
//! definitions, which decide the table's columns. Keys the records use
//! without a header line are typed as the specification reserves them, or as
//! htslib types undeclared keys (see [`undeclared`]).

mod parser;
mod reserved;
pub(crate) mod rules;
pub mod undeclared;

pub use parser::{parse_meta_line, parse_structured};
pub use reserved::{Reserved, reserved_format, reserved_info};

use genolake_core::schema::{Number, ValueType};

/// A parsed `##key=value` line.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaLine {
    /// The key, without the leading `##`.
    pub key: String,
    /// The value: free text, or `<ID=...,...>` fields.
    pub value: MetaValue,
}

/// The value of a meta-information line.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    /// `##key=free text`.
    Text(String),
    /// `##key=<K=V,K="quoted, with commas",...>`, fields in order, quotes removed.
    Structured(Vec<(String, String)>),
}

impl MetaValue {
    /// The value of a field of a structured line.
    pub fn field(&self, name: &str) -> Option<&str> {
        match self {
            MetaValue::Structured(fields) => fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str()),
            MetaValue::Text(_) => None,
        }
    }
}

/// A version of the VCF specification, from a header's `##fileformat`.
///
/// The default, VCF 4.2, is what a lenient read of a header without a
/// known `##fileformat` follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Version {
    /// VCFv4.0.
    V4_0,
    /// VCFv4.1.
    V4_1,
    /// VCFv4.2.
    #[default]
    V4_2,
    /// VCFv4.3.
    V4_3,
    /// VCFv4.4.
    V4_4,
    /// VCFv4.5.
    V4_5,
}

impl Version {
    /// The version a `##fileformat` value names: `VCFv4.0` to `VCFv4.5`, or
    /// `None` for anything else.
    ///
    /// ```
    /// use genolake_vcf::header::Version;
    /// assert_eq!(Version::parse("VCFv4.3"), Some(Version::V4_3));
    /// assert_eq!(Version::parse("VCFv4.3 "), None);
    /// ```
    pub fn parse(file_format: &str) -> Option<Self> {
        Some(match file_format {
            "VCFv4.0" => Self::V4_0,
            "VCFv4.1" => Self::V4_1,
            "VCFv4.2" => Self::V4_2,
            "VCFv4.3" => Self::V4_3,
            "VCFv4.4" => Self::V4_4,
            "VCFv4.5" => Self::V4_5,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let minor = *self as u8;
        write!(f, "VCF 4.{minor}")
    }
}

/// Where a definition came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A header line (its line number).
    Header(u64),
    /// The records use the key undeclared; the specification reserves it
    /// and gives its Number and Type.
    Reserved,
    /// The records use the key undeclared and the specification does not
    /// reserve it: typed as htslib types such keys (String, or Flag for a
    /// key without a value).
    Undeclared,
}

/// An INFO or FORMAT definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The key used in records.
    pub id: String,
    /// How many values a record carries.
    pub number: Number,
    /// The type of each value.
    pub value_type: ValueType,
    /// The human description.
    pub description: String,
    /// A header line, or the records alone.
    pub origin: Origin,
    /// The specification reserves the key and the definition agrees with
    /// it: its values are held to what the specification says of them.
    pub reserved: bool,
    /// Values cannot be negative: the specification's definition of a
    /// reserved count, depth, frequency or quality, unchanged by the header.
    pub non_negative: bool,
}

/// A `##contig` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contig {
    /// The contig name.
    pub id: String,
    /// Its length, when the header gives one.
    pub length: Option<u64>,
}

/// A parsed VCF header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    /// The `##fileformat` value, such as `VCFv4.3`.
    pub file_format: Option<String>,
    /// The version the rules of reading follow: `file_format`'s, or VCF 4.2
    /// when a lenient read meets an unknown one.
    pub version: Version,
    /// Every `##` line in file order, `fileformat` included.
    pub meta: Vec<MetaLine>,
    /// INFO definitions in header order.
    pub infos: Vec<Definition>,
    /// FORMAT definitions in header order.
    pub formats: Vec<Definition>,
    /// Contigs in header order.
    pub contigs: Vec<Contig>,
    /// Sample names from the `#CHROM` line.
    pub samples: Vec<String>,
    /// Problems tolerated while parsing (lenient or silent stringency), each
    /// with its line number.
    pub warnings: Vec<String>,
}

impl Header {
    /// The INFO definition with this key.
    pub fn info(&self, id: &str) -> Option<&Definition> {
        self.infos.iter().find(|d| d.id == id)
    }

    /// The FORMAT definition with this key.
    pub fn format(&self, id: &str) -> Option<&Definition> {
        self.formats.iter().find(|d| d.id == id)
    }
}

pub use parser::HeaderParser;
