//! The header a writer puts first: supplied as text (Glow's `vcfHeader`),
//! or inferred from the columns. The rules are those of the writer's module
//! documentation, "The header".

use arrow::datatypes::DataType;
use genolake_core::Stringency;
use genolake_core::schema::{Number, ValueType};

use super::record::{InfoColumn, Layout};
use crate::header::{Contig, HeaderParser, Reserved, Version, reserved_format, reserved_info};

/// The version an inferred header declares, whose reserved keys it follows.
const VERSION: Version = Version::V4_3;

/// The value type and list-ness of a column type that [`super::record::value_type`] gave.
fn kind(data_type: &DataType) -> (ValueType, bool) {
    let (item, list) = match data_type {
        DataType::List(item) => (item.data_type(), true),
        other => (other, false),
    };
    let value_type = match item {
        DataType::Boolean => ValueType::Flag,
        DataType::Int32 | DataType::Int64 => ValueType::Integer,
        DataType::Float32 | DataType::Float64 => ValueType::Float,
        _ => ValueType::String,
    };
    (value_type, list)
}

/// Whether a column of `data_type` holds what the specification reserves.
fn fits(reserved: &Reserved, data_type: &DataType) -> bool {
    let (value_type, list) = kind(data_type);
    let reserved_type = match reserved.value_type {
        ValueType::Character => ValueType::String,
        other => other,
    };
    reserved_type == value_type && reserved.number.is_scalar() != list
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The `##INFO` or `##FORMAT` line of a key written from a column.
pub(crate) fn definition_line(
    kind_name: &str,
    key: &str,
    data_type: &DataType,
    from: &str,
) -> String {
    let reserved = if kind_name == "INFO" {
        reserved_info(VERSION, key)
    } else {
        reserved_format(VERSION, key)
    };
    let (number, value_type, description) = match reserved.filter(|r| fits(r, data_type)) {
        Some(r) => (r.number, r.value_type, r.description.to_string()),
        None => {
            let (value_type, list) = kind(data_type);
            let number = match (value_type, list) {
                (ValueType::Flag, _) => Number::Count(0),
                (_, true) => Number::Unknown,
                (_, false) => Number::Count(1),
            };
            (number, value_type, format!("From {from}"))
        }
    };
    format!(
        "##{kind_name}=<ID={key},Number={number},Type={value_type},Description=\"{}\">",
        escape(&description)
    )
}

/// The `##INFO` line of a key of the `attributes` map, whose values are
/// text: the specification's definition of a reserved key, else a Flag for
/// a key without a value and `Number=.,Type=String` for one with.
fn attribute_line(key: &str, flag: bool) -> String {
    let (number, value_type, description) = match reserved_info(VERSION, key) {
        Some(r) => (r.number, r.value_type, r.description.to_string()),
        None if flag => (Number::Count(0), ValueType::Flag, "From attributes".into()),
        None => (Number::Unknown, ValueType::String, "From attributes".into()),
    };
    format!(
        "##INFO=<ID={key},Number={number},Type={value_type},Description=\"{}\">",
        escape(&description)
    )
}

fn contig_line(contig: &Contig) -> String {
    match contig.length {
        Some(length) => format!("##contig=<ID={},length={length}>", contig.id),
        None => format!("##contig=<ID={}>", contig.id),
    }
}

/// What a supplied header declares, for the writer: its `##` lines as
/// written, its samples, and its INFO, FORMAT and contig IDs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Supplied {
    pub(crate) meta_lines: Vec<String>,
    pub(crate) samples: Vec<String>,
    pub(crate) infos: Vec<String>,
    pub(crate) formats: Vec<String>,
    pub(crate) contigs: Vec<String>,
    pub(crate) filters: Vec<String>,
    pub(crate) has_pass: bool,
}

/// What the first batch shows before the header is written: the filters it
/// uses, and whether a row needs `END=` (declared only then, so that a file
/// without such rows reads back without an `INFO_END` column). Later
/// batches can only use what the header declares or write undeclared keys.
#[derive(Debug, Clone, Default)]
pub(crate) struct FirstBatch {
    pub(crate) filters: Vec<String>,
    /// The keys of the `attributes` map, and whether each is a Flag.
    pub(crate) attribute_keys: Vec<(String, bool)>,
    pub(crate) needs_end: bool,
    /// The contigs of the first batch, declared when the header lacks
    /// them (for BCF, whose records name contigs by their header line).
    pub(crate) contigs: Vec<String>,
}

/// Reads a header given as text: `##` lines, then the `#CHROM` line.
pub(crate) fn parse_supplied(text: &str) -> Result<Supplied, String> {
    let mut parser = HeaderParser::new(Stringency::Lenient);
    let mut meta_lines = Vec::new();
    let mut done = false;
    for line in text.lines() {
        if done {
            if line.trim().is_empty() {
                continue;
            }
            return Err(format!(
                "the header text goes on after its #CHROM line: {:?}",
                line.chars().take(80).collect::<String>()
            ));
        }
        done = parser
            .feed(line)
            .map_err(|e| format!("the header text, line {}: {e}", parser.line_number()))?;
        if !done {
            meta_lines.push(line.trim_end_matches('\r').to_string());
        }
    }
    let header = parser
        .finish()
        .map_err(|e| format!("the header text: {e}"))?;
    let filters: Vec<String> = header
        .meta
        .iter()
        .filter(|m| m.key == "FILTER")
        .filter_map(|m| m.value.field("ID").map(String::from))
        .collect();
    let has_pass = filters.iter().any(|f| f == "PASS");
    Ok(Supplied {
        meta_lines,
        samples: header.samples,
        infos: header.infos.iter().map(|d| d.id.clone()).collect(),
        formats: header.formats.iter().map(|d| d.id.clone()).collect(),
        contigs: header.contigs.iter().map(|c| c.id.clone()).collect(),
        filters,
        has_pass,
    })
}

/// The header text, `#CHROM` line included, for `layout`'s columns: the
/// supplied lines (when given) followed by lines for what they do not
/// declare, or an inferred header.
pub(crate) fn header_text(
    layout: &Layout,
    supplied: Option<&Supplied>,
    contigs: &[Contig],
    samples: &[String],
    first: &FirstBatch,
) -> String {
    let mut lines: Vec<String> = Vec::new();
    let empty = Supplied::default();
    let declared = match supplied {
        Some(s) => {
            lines.extend(s.meta_lines.iter().cloned());
            s
        }
        None => {
            lines.push(format!("##fileformat=VCFv4.{}", VERSION as u8));
            &empty
        }
    };
    if !declared.has_pass {
        lines.push(r#"##FILTER=<ID=PASS,Description="All filters passed">"#.to_string());
    }
    for filter in &first.filters {
        if !declared.filters.contains(filter) {
            lines.push(format!(
                "##FILTER=<ID={filter},Description=\"{}\">",
                escape(filter)
            ));
        }
    }
    for InfoColumn {
        name,
        key,
        data_type,
    } in &layout.infos
    {
        if !declared.infos.contains(key) {
            lines.push(definition_line(
                "INFO",
                key,
                data_type,
                &format!("column {name}"),
            ));
        }
    }
    for (key, flag) in &first.attribute_keys {
        if !declared.infos.contains(key) && !layout.infos.iter().any(|i| &i.key == key) {
            lines.push(attribute_line(key, *flag));
        }
    }
    if first.needs_end && !declared.infos.iter().any(|k| k == "END") {
        lines.push(definition_line(
            "INFO",
            "END",
            &DataType::Int32,
            "column end",
        ));
    }
    if let Some(g) = &layout.genotypes {
        if g.gt && !declared.formats.iter().any(|k| k == "GT") {
            lines.push(definition_line("FORMAT", "GT", &DataType::Utf8, "calls"));
        }
        for f in &g.fields {
            if !declared.formats.contains(&f.key) {
                lines.push(definition_line(
                    "FORMAT",
                    &f.key,
                    &f.data_type,
                    &format!("genotype field {}", f.name),
                ));
            }
        }
    }
    for contig in contigs {
        if !declared.contigs.contains(&contig.id) {
            lines.push(contig_line(contig));
        }
    }
    for id in &first.contigs {
        if !declared.contigs.contains(id) && !contigs.iter().any(|c| &c.id == id) {
            lines.push(contig_line(&Contig {
                id: id.clone(),
                length: None,
            }));
        }
    }
    if supplied.is_none() {
        lines.push(format!(
            "##source=genolake-vcf {}",
            env!("CARGO_PKG_VERSION")
        ));
    }
    let mut text = lines.join("\n");
    text.push_str("\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO");
    if layout.genotypes.is_some() && !samples.is_empty() {
        text.push_str("\tFORMAT");
        for sample in samples {
            text.push('\t');
            text.push_str(sample);
        }
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use arrow::datatypes::{Field, Schema};
    use genolake_core::schema::{genotypes_field, list_of};

    use super::*;

    fn schema(infos: Vec<Field>, genotype_fields: Vec<Field>) -> Schema {
        let mut fields = genolake_core::schema::site_fields();
        fields.extend(infos);
        fields.push(genotypes_field(genotype_fields));
        Schema::new(fields)
    }

    fn inferred(schema: &Schema) -> String {
        let layout = Layout::of(schema, &[]).unwrap();
        let first = FirstBatch {
            filters: vec!["q10".into()],
            needs_end: true,
            ..Default::default()
        };
        header_text(&layout, None, &[], &["S1".to_string()], &first)
    }

    #[test]
    fn reserved_keys_take_the_specification_s_definition_when_their_type_fits() {
        let text = inferred(&schema(
            vec![
                Field::new("INFO_AF", list_of(DataType::Float64), true),
                Field::new("INFO_DP", DataType::Int32, true),
                Field::new("INFO_DB", DataType::Boolean, true),
                // Reserved as Number=1 Type=String: a list does not fit.
                Field::new("INFO_AA", list_of(DataType::Utf8), true),
                Field::new("INFO_custom", list_of(DataType::Int32), true),
                Field::new("INFO_score", DataType::Float32, true),
                Field::new("INFO_tag", DataType::Utf8, true),
                Field::new("INFO_hit", DataType::Boolean, true),
            ],
            vec![
                Field::new("sampleId", DataType::Utf8, true),
                Field::new("phased", DataType::Boolean, true),
                Field::new("calls", list_of(DataType::Int32), true),
                Field::new("depth", DataType::Int32, true),
                Field::new("phredLikelihoods", list_of(DataType::Int32), true),
                Field::new("conditionalQuality", DataType::Int32, true),
                Field::new("FT", list_of(DataType::Utf8), true),
                Field::new("ratio", DataType::Float64, true),
            ],
        ));
        let expected = [
            "##fileformat=VCFv4.3",
            r#"##FILTER=<ID=PASS,Description="All filters passed">"#,
            r#"##FILTER=<ID=q10,Description="q10">"#,
            r#"##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency for each ALT allele">"#,
            r#"##INFO=<ID=DP,Number=1,Type=Integer,Description="Combined depth across samples">"#,
            r#"##INFO=<ID=DB,Number=0,Type=Flag,Description="dbSNP membership">"#,
            r#"##INFO=<ID=AA,Number=.,Type=String,Description="From column INFO_AA">"#,
            r#"##INFO=<ID=custom,Number=.,Type=Integer,Description="From column INFO_custom">"#,
            r#"##INFO=<ID=score,Number=1,Type=Float,Description="From column INFO_score">"#,
            r#"##INFO=<ID=tag,Number=1,Type=String,Description="From column INFO_tag">"#,
            r#"##INFO=<ID=hit,Number=0,Type=Flag,Description="From column INFO_hit">"#,
            r#"##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant described in this record">"#,
            r#"##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">"#,
            r#"##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">"#,
            r#"##FORMAT=<ID=PL,Number=G,Type=Integer,Description="Phred-scaled genotype likelihoods rounded to the closest integer">"#,
            r#"##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Conditional genotype quality">"#,
            r#"##FORMAT=<ID=FT,Number=.,Type=String,Description="From genotype field FT">"#,
            r#"##FORMAT=<ID=ratio,Number=1,Type=Float,Description="From genotype field ratio">"#,
        ];
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(&lines[..expected.len()], &expected[..], "{text}");
        assert!(lines[expected.len()].starts_with("##source=genolake-vcf"));
        assert_eq!(
            lines[expected.len() + 1],
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1"
        );
    }

    #[test]
    fn the_inferred_header_reads_back_with_the_same_types() {
        let schema = schema(
            vec![
                Field::new("INFO_AC", list_of(DataType::Int32), true),
                Field::new("INFO_x", list_of(DataType::Utf8), true),
                Field::new("INFO_f", DataType::Boolean, true),
            ],
            vec![
                Field::new("sampleId", DataType::Utf8, true),
                Field::new("phased", DataType::Boolean, true),
                Field::new("calls", list_of(DataType::Int32), true),
                Field::new("alleleDepths", list_of(DataType::Int32), true),
                Field::new("posteriorProbabilities", list_of(DataType::Float64), true),
            ],
        );
        let text = inferred(&schema);
        let mut parser = HeaderParser::new(Stringency::Strict);
        for line in text.lines() {
            parser.feed(line).unwrap();
        }
        let header = parser.finish().unwrap();
        let options = crate::ReaderOptions::default();
        let read = crate::schema(&header, &options).unwrap();
        for name in ["INFO_AC", "INFO_x", "INFO_f", "genotypes"] {
            assert_eq!(
                read.field_with_name(name).unwrap().data_type(),
                schema.field_with_name(name).unwrap().data_type(),
                "{name}"
            );
        }
    }

    #[test]
    fn a_supplied_header_keeps_its_lines_and_gains_the_undeclared_ones() {
        let supplied = parse_supplied(concat!(
            "##fileformat=VCFv4.2\n",
            "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n",
            "##FORMAT=<ID=GQ,Number=1,Type=Integer,Description=\"q\">\n",
            "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n",
            "##contig=<ID=1,length=100>\n",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n",
        ))
        .unwrap();
        assert_eq!(supplied.samples, ["A", "B"]);
        let schema = schema(
            vec![
                Field::new("INFO_DP", DataType::Int32, true),
                Field::new("INFO_new", DataType::Float64, true),
            ],
            vec![
                Field::new("sampleId", DataType::Utf8, true),
                Field::new("calls", list_of(DataType::Int32), true),
                Field::new("depth", DataType::Int32, true),
                Field::new("conditionalQuality", DataType::Int32, true),
            ],
        );
        let layout = Layout::of(&schema, &supplied.formats).unwrap();
        // The supplied FORMAT order: GQ before DP.
        let keys: Vec<&str> = layout
            .genotypes
            .as_ref()
            .unwrap()
            .fields
            .iter()
            .map(|f| f.key.as_str())
            .collect();
        assert_eq!(keys, ["GQ", "DP"]);
        let contigs = [
            Contig {
                id: "1".into(),
                length: Some(100),
            },
            Contig {
                id: "2".into(),
                length: None,
            },
        ];
        let first = FirstBatch {
            filters: vec![],
            needs_end: true,
            ..Default::default()
        };
        let text = header_text(
            &layout,
            Some(&supplied),
            &contigs,
            &["B".to_string()],
            &first,
        );
        let expected = concat!(
            "##fileformat=VCFv4.2\n",
            "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n",
            "##FORMAT=<ID=GQ,Number=1,Type=Integer,Description=\"q\">\n",
            "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n",
            "##contig=<ID=1,length=100>\n",
            "##FILTER=<ID=PASS,Description=\"All filters passed\">\n",
            "##INFO=<ID=new,Number=1,Type=Float,Description=\"From column INFO_new\">\n",
            "##INFO=<ID=END,Number=1,Type=Integer,Description=\"End position of the variant described in this record\">\n",
            "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Read depth\">\n",
            "##contig=<ID=2>\n",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tB\n",
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn keys_of_the_attributes_map_are_declared_from_the_first_batch() {
        let mut fields = genolake_core::schema::site_fields();
        fields.push(Field::new(
            "attributes",
            genolake_core::schema::string_map(),
            true,
        ));
        let layout = Layout::of(&Schema::new(fields), &[]).unwrap();
        assert!(layout.attributes && !layout.write_end);
        let first = FirstBatch {
            attribute_keys: vec![
                ("AF".into(), false),
                ("DB".into(), true),
                ("CSQ".into(), false),
                ("HIT".into(), true),
            ],
            ..Default::default()
        };
        let text = header_text(&layout, None, &[], &[], &first);
        for line in [
            r#"##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency for each ALT allele">"#,
            r#"##INFO=<ID=DB,Number=0,Type=Flag,Description="dbSNP membership">"#,
            r#"##INFO=<ID=CSQ,Number=.,Type=String,Description="From attributes">"#,
            r#"##INFO=<ID=HIT,Number=0,Type=Flag,Description="From attributes">"#,
        ] {
            assert!(text.contains(&format!("{line}\n")), "{line}\n{text}");
        }
        assert!(text.ends_with("\tFILTER\tINFO\n"));
    }

    #[test]
    fn a_supplied_header_must_end_with_its_chrom_line() {
        let err = parse_supplied("##fileformat=VCFv4.2\n").unwrap_err();
        assert!(err.contains("#CHROM"), "{err}");
        let err = parse_supplied(
            "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t1\n",
        )
        .unwrap_err();
        assert!(err.contains("goes on after"), "{err}");
    }
}
