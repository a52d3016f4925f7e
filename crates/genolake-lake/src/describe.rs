//! What each column of a variant table means, written into the table's
//! Delta schema so every catalog and engine that reads it shows it.
//!
//! Spark, Databricks and Unity Catalog read a column's description from
//! the `comment` key of its field metadata in the Delta schema, and a
//! table's from the `description` of its metadata. genolake writes both
//! when it creates a table, and a comment for each column an append or
//! overwrite adds: the Glow site columns, `INFO_` columns, the `genotypes`
//! struct and its fields, and the matrix layout's genotype columns. An
//! INFO column or FORMAT field takes its VCF header line's `Description`
//! when the ingest was given one ([`HeaderDescriptions`]; files ingested
//! with `Ingest::execute_files` give theirs), genolake's words otherwise. A
//! column that already has a comment keeps it (someone may have written a
//! better one with `ALTER TABLE ... COMMENT`), and a column genolake does
//! not know gets none.
//!
//! ```
//! use genolake_lake::describe::{column_comment, genotype_field_comment};
//! use genolake_lake::Layout;
//!
//! assert!(column_comment("start", Layout::Glow).unwrap().contains("0-based"));
//! assert!(column_comment("INFO_AF", Layout::Glow).unwrap().contains("AF"));
//! assert!(genotype_field_comment("alleleDepths").unwrap().contains("FORMAT AD"));
//! assert!(column_comment("calls", Layout::Matrix).unwrap().contains("sampleIds"));
//! assert_eq!(column_comment("clinicalStatus", Layout::Glow), None);
//! ```

use std::collections::HashMap;

use serde_json::Value;

use genolake_core::matrix::{CALLS_PLOIDY, SAMPLE_IDS_KEY};
use genolake_core::schema::{
    ALTERNATE_ALLELES, ATTRIBUTES, CALLS, CONTIG_NAME, END, FILTERS, GENOTYPES, INFO_PREFIX, NAMES,
    OTHER_FIELDS, PHASED, PLOIDY, POSITION, POSTERIOR_PROBABILITIES, QUAL, REFERENCE_ALLELE,
    SAMPLE_ID, SPLIT_FROM_MULTI_ALLELIC, START,
};

use crate::layout::Layout;

/// The field metadata key Spark and Unity Catalog read a column's
/// description from.
pub const COMMENT_KEY: &str = "comment";

/// What the inputs' headers say their fields mean (a VCF header's INFO
/// and FORMAT `Description`s): a column or genotype field described here
/// gets the header's words rather than genolake's generic ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderDescriptions {
    /// By column name (`INFO_AF` → the AF line's description).
    pub columns: HashMap<String, String>,
    /// By Glow genotype field name (`depth` → the DP line's description).
    pub genotype_fields: HashMap<String, String>,
}

impl HeaderDescriptions {
    /// Adds a VCF INFO line's description (the first one given for a key
    /// stays).
    pub fn info(&mut self, key: &str, description: &str) {
        if !description.trim().is_empty() {
            self.columns
                .entry(format!("{INFO_PREFIX}{key}"))
                .or_insert_with(|| format!("VCF INFO {key}: {}", description.trim()));
        }
    }

    /// Adds a VCF FORMAT line's description under the genotype field Glow
    /// names it (GT, which becomes `phased` and `calls`, is left to
    /// genolake's own words).
    pub fn format(&mut self, key: &str, description: &str) {
        if key == "GT" || description.trim().is_empty() {
            return;
        }
        let field = genolake_core::schema::genotype_field_name(key);
        self.genotype_fields
            .entry(field.to_string())
            .or_insert_with(|| format!("{} (VCF FORMAT {key})", description.trim()));
    }

    /// The comment of a top-level column: the header's, else
    /// [`column_comment`].
    fn column(&self, name: &str, layout: Layout) -> Option<String> {
        if let Some(description) = self.columns.get(name) {
            return Some(description.clone());
        }
        if layout == Layout::Matrix && ![CALLS, PHASED, CALLS_PLOIDY].contains(&name) {
            // The matrix layout renames FORMAT FT, whose Glow name a site
            // column takes.
            let field = if name == "genotypeFilters" {
                FILTERS
            } else {
                name
            };
            let site = column_comment(name, Layout::Glow).is_some();
            if let Some(description) = self.genotype_fields.get(field).filter(|_| !site) {
                return Some(format!(
                    "{description}, one value per sample, in the order of the sample ids in the \
                     table property {SAMPLE_IDS_KEY}"
                ));
            }
        }
        column_comment(name, layout)
    }

    /// The comment of a genotype field: the header's, else
    /// [`genotype_field_comment`].
    fn genotype_field(&self, name: &str) -> Option<String> {
        self.genotype_fields
            .get(name)
            .cloned()
            .or_else(|| genotype_field_comment(name))
    }
}

/// The description of a top-level column named `name` in a table of
/// `layout`, `None` for a column genolake does not define.
pub fn column_comment(name: &str, layout: Layout) -> Option<String> {
    let site = match name {
        CONTIG_NAME => {
            "Chromosome or contig name (VCF CHROM; the chromosome of BGEN and PLINK files)"
        }
        START => {
            "0-based start of the variant (VCF POS - 1); with end, a half-open interval \
             [start, end)"
        }
        END => {
            "0-based exclusive end of the variant: start plus the length of referenceAllele, \
             or INFO END when the record has one"
        }
        NAMES => "Variant identifiers (VCF ID split on ';'; empty when ID is '.')",
        REFERENCE_ALLELE => "Reference allele (VCF REF)",
        ALTERNATE_ALLELES => "Alternate alleles (VCF ALT split on ','; empty when ALT is '.')",
        QUAL => "Phred-scaled quality of the variant (VCF QUAL; null when '.')",
        FILTERS => {
            "Filters the variant failed, or PASS (VCF FILTER split on ';'; empty when FILTER \
             is '.')"
        }
        SPLIT_FROM_MULTI_ALLELIC => {
            "True on rows made by splitting a multiallelic variant into biallelic ones"
        }
        ATTRIBUTES => {
            "VCF INFO fields as a map from key to text (read with flattenInfoFields=false)"
        }
        POSITION => "Genetic position in centimorgans (PLINK .bim)",
        GENOTYPES => {
            "One struct per sample, in the samples' order in the input: the sample's id and its \
             genotype fields"
        }
        _ => "",
    };
    if !site.is_empty() {
        return Some(site.to_string());
    }
    if let Some(key) = name.strip_prefix(INFO_PREFIX)
        && !key.is_empty()
    {
        return Some(format!(
            "VCF INFO field {key} of the variant (its Description in the VCF header says what it \
             holds)"
        ));
    }
    if layout != Layout::Matrix {
        return None;
    }
    let per_sample = format!(
        "one value per sample, in the order of the sample ids in the table property \
         {SAMPLE_IDS_KEY}"
    );
    match name {
        CALLS => Some(format!(
            "Genotype calls of every sample (VCF GT, BGEN and PLINK hard calls), in the order of \
             the sample ids in the table property {SAMPLE_IDS_KEY}: {CALLS_PLOIDY} little-endian \
             integers per sample, 1, 2 or 4 bytes each (the length divided by {CALLS_PLOIDY} times \
             the number of samples), each an allele index (0 the reference), -1 a missing allele, \
             -2 an unused slot of a sample of lower ploidy, -3 a sample without calls"
        )),
        CALLS_PLOIDY => Some(format!(
            "Number of call slots per sample in {CALLS}: the largest ploidy of the row"
        )),
        PHASED => Some(format!(
            "Whether each sample's genotype is phased: one byte per sample, in the order of the \
             sample ids in the table property {SAMPLE_IDS_KEY}: 0 unphased, 1 phased, 2 null"
        )),
        // The matrix layout renames the FORMAT FT field, whose Glow name
        // a site column takes.
        "genotypeFilters" => Some(format!("Sample-level filters (FORMAT FT), {per_sample}")),
        other => genotype_field_comment(other).map(|comment| format!("{comment}, {per_sample}")),
    }
}

/// The description of a field of the `genotypes` struct named `name`,
/// `None` for a field genolake does not define.
pub fn genotype_field_comment(name: &str) -> Option<String> {
    let comment = match name {
        SAMPLE_ID => {
            "Sample identifier (VCF header, BGEN sample block or .sample file, PLINK .fam)"
        }
        PHASED => "Whether the genotype is phased (VCF GT alleles separated by '|')",
        CALLS => {
            "Allele indices of the genotype (VCF GT; 0 the reference allele, -1 a missing \
             allele; BGEN and PLINK hard calls)"
        }
        PLOIDY => "Number of alleles of the sample's genotype (BGEN)",
        POSTERIOR_PROBABILITIES => {
            "Genotype posterior probabilities (VCF FORMAT GP; the probabilities of a BGEN file)"
        }
        OTHER_FIELDS => "FORMAT fields the VCF header does not declare, as text (lenient reads)",
        "depth" => "Read depth (VCF FORMAT DP)",
        FILTERS => "Sample-level filters (VCF FORMAT FT)",
        "genotypeLikelihoods" => "Genotype likelihoods, log10-scaled (VCF FORMAT GL)",
        "phredLikelihoods" => "Phred-scaled genotype likelihoods (VCF FORMAT PL)",
        "conditionalQuality" => "Conditional genotype quality, phred-scaled (VCF FORMAT GQ)",
        "haplotypeQualities" => "Haplotype qualities (VCF FORMAT HQ)",
        "expectedAlleleCounts" => "Expected alternate allele counts (VCF FORMAT EC)",
        "mappingQuality" => "RMS mapping quality (VCF FORMAT MQ)",
        "alleleDepths" => "Read depth of each allele (VCF FORMAT AD)",
        _ => return None,
    };
    Some(comment.to_string())
}

/// The table description genolake writes for a new table of `format`
/// (`vcf`, `bgen`, `plink`, or none for other input) in `layout`.
pub fn table_description(format: Option<&str>, layout: Layout) -> String {
    let source = match format {
        Some("vcf") => "VCF",
        Some("bgen") => "BGEN",
        Some("plink") => "PLINK",
        Some(other) => other,
        None => "genomics files",
    };
    let genotypes = match layout {
        Layout::Glow => "genotypes as a list of per-sample structs (Glow's schema)".to_string(),
        Layout::Matrix => format!(
            "genotypes as per-variant arrays in sample order, the sample ids stored once in the \
             table property {SAMPLE_IDS_KEY} (genolake's matrix layout; read_delta presents it \
             in Glow's schema)"
        ),
    };
    format!(
        "Variants read from {source} by {}: one row per variant, with {genotypes}. Each commit \
         records its input files' checksums (genolake history).",
        crate::provenance::TOOL_VERSION
    )
}

/// Adds genolake's comments to the fields of `schema` (a Delta schema, as
/// JSON) that have none: a field `stored` (the table's schema before the
/// commit) has keeps the metadata it had there; a new one gets
/// [`column_comment`], and the fields of `genotypes`
/// [`genotype_field_comment`].
pub(crate) fn describe_schema(
    schema: &mut Value,
    stored: Option<&Value>,
    layout: Layout,
    header: &HeaderDescriptions,
) {
    let Some(fields) = schema.get_mut("fields").and_then(Value::as_array_mut) else {
        return;
    };
    for field in fields {
        let Some(name) = field.get("name").and_then(Value::as_str).map(String::from) else {
            continue;
        };
        let before = stored.and_then(|stored| field_named(stored, &name));
        let kept = before
            .and_then(|b| b.get("metadata"))
            .and_then(|m| m.get(COMMENT_KEY));
        match kept {
            Some(comment) => set_comment(field, comment.clone()),
            None => {
                if let Some(comment) = header.column(&name, layout) {
                    set_comment(field, Value::String(comment));
                }
            }
        }
        if name == GENOTYPES
            && let Some(element) = field.get_mut("type").and_then(|t| t.get_mut("elementType"))
        {
            let stored_element = before
                .and_then(|b| b.get("type"))
                .and_then(|t| t.get("elementType"));
            describe_genotype_fields(element, stored_element, header);
        }
    }
}

fn describe_genotype_fields(
    element: &mut Value,
    stored: Option<&Value>,
    header: &HeaderDescriptions,
) {
    let Some(fields) = element.get_mut("fields").and_then(Value::as_array_mut) else {
        return;
    };
    for field in fields {
        let Some(name) = field.get("name").and_then(Value::as_str).map(String::from) else {
            continue;
        };
        let kept = stored
            .and_then(|stored| field_named(stored, &name))
            .and_then(|b| b.get("metadata"))
            .and_then(|m| m.get(COMMENT_KEY));
        match kept {
            Some(comment) => set_comment(field, comment.clone()),
            None => {
                if let Some(comment) = header.genotype_field(&name) {
                    set_comment(field, Value::String(comment));
                }
            }
        }
    }
}

fn field_named<'a>(schema: &'a Value, name: &str) -> Option<&'a Value> {
    schema
        .get("fields")?
        .as_array()?
        .iter()
        .find(|f| f.get("name").and_then(Value::as_str) == Some(name))
}

/// Sets the comment of a field that has none.
fn set_comment(field: &mut Value, comment: Value) {
    let Some(field) = field.as_object_mut() else {
        return;
    };
    let metadata = field
        .entry("metadata")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Some(metadata) = metadata.as_object_mut() {
        metadata.entry(COMMENT_KEY).or_insert(comment);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_fields_get_comments_and_stored_comments_are_kept() {
        let mut schema = json!({"type": "struct", "fields": [
            {"name": "contigName", "type": "string", "nullable": true, "metadata": {}},
            {"name": "start", "type": "long", "nullable": true, "metadata": {}},
            {"name": "cohort", "type": "string", "nullable": true, "metadata": {}},
            {"name": "genotypes", "type": {"type": "array", "containsNull": true, "elementType":
                {"type": "struct", "fields": [
                    {"name": "sampleId", "type": "string", "nullable": true, "metadata": {}},
                    {"name": "depth", "type": "integer", "nullable": true, "metadata": {}}
                ]}}, "nullable": true, "metadata": {}}
        ]});
        let stored = json!({"type": "struct", "fields": [
            {"name": "start", "type": "long", "nullable": true,
             "metadata": {"comment": "POS minus one"}},
            {"name": "genotypes", "type": {"type": "array", "containsNull": true, "elementType":
                {"type": "struct", "fields": [
                    {"name": "depth", "type": "integer", "nullable": true,
                     "metadata": {"comment": "DP"}}
                ]}}, "nullable": true, "metadata": {}}
        ]});
        let mut header = HeaderDescriptions::default();
        header.format("DP", "Approximate read depth");
        header.format("GT", "Genotype");
        header.info("AF", "Allele frequency");
        describe_schema(&mut schema, Some(&stored), Layout::Glow, &header);
        let comment = |pointer: &str| schema.pointer(pointer).cloned();
        assert_eq!(
            comment("/fields/0/metadata/comment").unwrap(),
            column_comment("contigName", Layout::Glow).unwrap()
        );
        assert_eq!(
            comment("/fields/1/metadata/comment").unwrap(),
            "POS minus one"
        );
        assert_eq!(comment("/fields/2/metadata/comment"), None);
        let genotypes = "/fields/3/type/elementType/fields";
        assert_eq!(
            comment(&format!("{genotypes}/0/metadata/comment")).unwrap(),
            genotype_field_comment("sampleId").unwrap()
        );
        // The stored comment wins over the header's.
        assert_eq!(
            comment(&format!("{genotypes}/1/metadata/comment")).unwrap(),
            "DP"
        );

        let mut fresh = json!({"type": "struct", "fields": [
            {"name": "INFO_AF", "type": "double", "nullable": true, "metadata": {}},
            {"name": "genotypes", "type": {"type": "array", "containsNull": true, "elementType":
                {"type": "struct", "fields": [
                    {"name": "depth", "type": "integer", "nullable": true, "metadata": {}},
                    {"name": "calls", "type": "integer", "nullable": true, "metadata": {}}
                ]}}, "nullable": true, "metadata": {}}
        ]});
        describe_schema(&mut fresh, None, Layout::Glow, &header);
        assert_eq!(
            fresh.pointer("/fields/0/metadata/comment").unwrap(),
            "VCF INFO AF: Allele frequency"
        );
        let genotypes = "/fields/1/type/elementType/fields";
        assert_eq!(
            fresh
                .pointer(&format!("{genotypes}/0/metadata/comment"))
                .unwrap(),
            "Approximate read depth (VCF FORMAT DP)"
        );
        assert_eq!(
            fresh
                .pointer(&format!("{genotypes}/1/metadata/comment"))
                .unwrap(),
            &json!(genotype_field_comment("calls").unwrap())
        );
        let mut matrix = json!({"type": "struct", "fields": [
            {"name": "depth", "type": "integer", "nullable": true, "metadata": {}},
            {"name": "calls", "type": "binary", "nullable": true, "metadata": {}}
        ]});
        describe_schema(&mut matrix, None, Layout::Matrix, &header);
        let depth = matrix.pointer("/fields/0/metadata/comment").unwrap();
        assert!(
            depth
                .as_str()
                .unwrap()
                .starts_with("Approximate read depth (VCF FORMAT DP), one value per sample"),
            "{depth}"
        );
        assert_eq!(
            matrix.pointer("/fields/1/metadata/comment").unwrap(),
            &json!(column_comment("calls", Layout::Matrix).unwrap())
        );
    }

    #[test]
    fn matrix_columns_are_described_only_in_the_matrix_layout() {
        for name in [
            "calls",
            "callsPloidy",
            "phased",
            "alleleDepths",
            "genotypeFilters",
        ] {
            assert!(column_comment(name, Layout::Matrix).is_some(), "{name}");
            assert_eq!(column_comment(name, Layout::Glow), None, "{name}");
        }
        assert!(
            column_comment("filters", Layout::Matrix)
                .unwrap()
                .contains("FILTER")
        );
    }
}
