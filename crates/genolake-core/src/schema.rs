//! The variant table's columns, named and typed as Glow names and types them.
//!
//! Column order is part of the contract: Glow users select by name, but
//! `SELECT *` and written tables keep this order.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields};

/// `CHROM`.
pub const CONTIG_NAME: &str = "contigName";
/// `POS − 1`: 0-based start.
pub const START: &str = "start";
/// 0-based exclusive end: `start + len(REF)`, or `INFO/END` when present.
pub const END: &str = "end";
/// `ID` split on `;`.
pub const NAMES: &str = "names";
/// `REF`.
pub const REFERENCE_ALLELE: &str = "referenceAllele";
/// `ALT` split on `,`.
pub const ALTERNATE_ALLELES: &str = "alternateAlleles";
/// `QUAL`.
pub const QUAL: &str = "qual";
/// `FILTER` split on `;`.
pub const FILTERS: &str = "filters";
/// True on rows produced by splitting a multiallelic site.
pub const SPLIT_FROM_MULTI_ALLELIC: &str = "splitFromMultiAllelic";
/// The per-sample list.
pub const GENOTYPES: &str = "genotypes";
/// INFO as one map when `flattenInfoFields=false`.
pub const ATTRIBUTES: &str = "attributes";
/// Genetic position in centimorgans (PLINK).
pub const POSITION: &str = "position";
/// Prefix of flattened INFO columns.
pub const INFO_PREFIX: &str = "INFO_";

/// Genotype field: the sample's identifier.
pub const SAMPLE_ID: &str = "sampleId";
/// Genotype field: whether GT was phased.
pub const PHASED: &str = "phased";
/// Genotype field: allele indices of GT, −1 for a missing allele.
pub const CALLS: &str = "calls";
/// Genotype field (BGEN): number of alleles called.
pub const PLOIDY: &str = "ploidy";
/// Genotype field: FORMAT keys absent from the header (lenient reads).
pub const OTHER_FIELDS: &str = "otherFields";
/// Genotype field: GP, and BGEN probabilities.
pub const POSTERIOR_PROBABILITIES: &str = "posteriorProbabilities";

/// The name Glow gives the genotype field of a FORMAT key. Keys Glow does not
/// rename keep their VCF name. GT maps to two fields (`phased`, `calls`) and is
/// handled by the caller.
///
/// ```
/// use genolake_core::schema::genotype_field_name;
/// assert_eq!(genotype_field_name("DP"), "depth");
/// assert_eq!(genotype_field_name("MIN_DP"), "MIN_DP");
/// ```
pub fn genotype_field_name(format_key: &str) -> &str {
    match format_key {
        "DP" => "depth",
        "FT" => "filters",
        "GL" => "genotypeLikelihoods",
        "PL" => "phredLikelihoods",
        "GP" => POSTERIOR_PROBABILITIES,
        "GQ" => "conditionalQuality",
        "HQ" => "haplotypeQualities",
        "EC" => "expectedAlleleCounts",
        "MQ" => "mappingQuality",
        "AD" => "alleleDepths",
        other => other,
    }
}

/// The FORMAT key a Glow genotype field name came from (the inverse of
/// [`genotype_field_name`]), for writers.
pub fn format_key_of_genotype_field(field: &str) -> &str {
    match field {
        "depth" => "DP",
        "filters" => "FT",
        "genotypeLikelihoods" => "GL",
        "phredLikelihoods" => "PL",
        POSTERIOR_PROBABILITIES => "GP",
        "conditionalQuality" => "GQ",
        "haplotypeQualities" => "HQ",
        "expectedAlleleCounts" => "EC",
        "mappingQuality" => "MQ",
        "alleleDepths" => "AD",
        other => other,
    }
}

/// The value type of an INFO or FORMAT definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    Integer,
    Float,
    Flag,
    Character,
    String,
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ValueType::Integer => "Integer",
            ValueType::Float => "Float",
            ValueType::Flag => "Flag",
            ValueType::Character => "Character",
            ValueType::String => "String",
        })
    }
}

/// How many values an INFO or FORMAT field holds (VCF's `Number`).
///
/// Displayed as written in a header: `2`, `A`, `R`, `G`, `.`, and VCF
/// 4.4–4.5's `P`, `LA`, `LR`, `LG`, `M`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Number {
    /// A fixed count.
    Count(u32),
    /// One per alternate allele.
    A,
    /// One per allele, reference included.
    R,
    /// One per possible genotype.
    G,
    /// Unknown or varying (`.`).
    Unknown,
    /// One per allele of the sample's GT (`P`, VCF 4.4).
    Ploidy,
    /// One per local alternate allele, those the sample's `LAA` lists (`LA`, VCF 4.5).
    LocalA,
    /// One per local allele, reference included (`LR`, VCF 4.5).
    LocalR,
    /// One per genotype of the local alleles (`LG`, VCF 4.5).
    LocalG,
    /// One per base modification of a ChEBI id (`M`, VCF 4.5).
    Modifications,
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let symbol = match self {
            Number::Count(n) => return write!(f, "{n}"),
            Number::A => "A",
            Number::R => "R",
            Number::G => "G",
            Number::Unknown => ".",
            Number::Ploidy => "P",
            Number::LocalA => "LA",
            Number::LocalR => "LR",
            Number::LocalG => "LG",
            Number::Modifications => "M",
        };
        f.write_str(symbol)
    }
}

impl Number {
    /// Whether values of this arity are stored as a scalar (Number 1, or 0 for
    /// a non-flag) rather than a list.
    pub fn is_scalar(self) -> bool {
        matches!(self, Number::Count(0) | Number::Count(1))
    }
}

/// The Arrow type of an INFO column or genotype field with this definition.
///
/// ```
/// use arrow::datatypes::DataType;
/// use genolake_core::schema::{value_data_type, Number, ValueType};
/// assert_eq!(value_data_type(ValueType::Flag, Number::Count(0)), DataType::Boolean);
/// assert_eq!(value_data_type(ValueType::Integer, Number::Count(1)), DataType::Int32);
/// assert!(matches!(value_data_type(ValueType::Float, Number::A), DataType::List(_)));
/// ```
pub fn value_data_type(value_type: ValueType, number: Number) -> DataType {
    let scalar = match value_type {
        ValueType::Flag => return DataType::Boolean,
        ValueType::Integer => DataType::Int32,
        ValueType::Float => DataType::Float64,
        ValueType::Character | ValueType::String => DataType::Utf8,
    };
    if number.is_scalar() {
        scalar
    } else {
        list_of(scalar)
    }
}

/// `List<item: T>` with a nullable item, as Arrow names it by default.
pub fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(item, true)))
}

/// `Map<Utf8, Utf8>`, the type of `attributes` and `otherFields`.
pub fn string_map() -> DataType {
    let entries = Fields::from(vec![
        Field::new("keys", DataType::Utf8, false),
        Field::new("values", DataType::Utf8, true),
    ]);
    DataType::Map(
        Arc::new(Field::new("entries", DataType::Struct(entries), false)),
        false,
    )
}

/// The leading site columns shared by VCF and BGEN rows, in Glow's order
/// (up to and including `filters` for VCF; BGEN stops after
/// `alternateAlleles`).
pub fn site_fields() -> Vec<Field> {
    vec![
        Field::new(CONTIG_NAME, DataType::Utf8, true),
        Field::new(START, DataType::Int64, true),
        Field::new(END, DataType::Int64, true),
        Field::new(NAMES, list_of(DataType::Utf8), true),
        Field::new(REFERENCE_ALLELE, DataType::Utf8, true),
        Field::new(ALTERNATE_ALLELES, list_of(DataType::Utf8), true),
    ]
}

/// The `genotypes` column: a list of structs with the given fields.
pub fn genotypes_field(fields: Vec<Field>) -> Field {
    Field::new(
        GENOTYPES,
        list_of(DataType::Struct(Fields::from(fields))),
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glow_renames_are_invertible() {
        for key in [
            "DP", "FT", "GL", "PL", "GP", "GQ", "HQ", "EC", "MQ", "AD", "MIN_DP",
        ] {
            assert_eq!(format_key_of_genotype_field(genotype_field_name(key)), key);
        }
    }

    #[test]
    fn numbers_display_as_headers_write_them() {
        let numbers = [
            (Number::Count(2), "2"),
            (Number::A, "A"),
            (Number::Unknown, "."),
            (Number::Ploidy, "P"),
            (Number::LocalA, "LA"),
            (Number::LocalR, "LR"),
            (Number::LocalG, "LG"),
            (Number::Modifications, "M"),
        ];
        for (number, text) in numbers {
            assert_eq!(number.to_string(), text);
        }
        assert_eq!(ValueType::Character.to_string(), "Character");
    }

    #[test]
    fn types_follow_number_and_type() {
        let cases = [
            (ValueType::Flag, Number::Count(0), DataType::Boolean),
            (ValueType::Integer, Number::Count(0), DataType::Int32),
            (ValueType::Integer, Number::Count(1), DataType::Int32),
            (
                ValueType::Integer,
                Number::Count(2),
                list_of(DataType::Int32),
            ),
            (ValueType::Float, Number::A, list_of(DataType::Float64)),
            (ValueType::String, Number::R, list_of(DataType::Utf8)),
            (ValueType::Character, Number::Count(1), DataType::Utf8),
            (ValueType::Integer, Number::G, list_of(DataType::Int32)),
            (ValueType::String, Number::Unknown, list_of(DataType::Utf8)),
            (ValueType::Integer, Number::LocalR, list_of(DataType::Int32)),
            (ValueType::Float, Number::LocalG, list_of(DataType::Float64)),
            (ValueType::String, Number::Ploidy, list_of(DataType::Utf8)),
        ];
        for (value_type, number, expected) in cases {
            assert_eq!(
                value_data_type(value_type, number),
                expected,
                "{value_type:?} {number:?}"
            );
        }
    }
}
