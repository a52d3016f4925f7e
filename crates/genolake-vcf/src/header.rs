//! The VCF header: meta-information lines and the sample names.
//!
//! Every `##` line is kept, in order and as written, so a writer can reproduce
//! the header; INFO, FORMAT and contig lines are also parsed into typed
//! definitions, which decide the table's columns.

mod parser;

pub use parser::{parse_meta_line, parse_structured};

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
