//! Annotation parsing judged by Glow and by bcftools: Glow's VEP/LOFTEE and
//! SnpEff test files parse into the rows Glow's `VCFDatasourceSuite`
//! asserts; every field of every VEP and LOFTEE annotation agrees with what
//! the live `bcftools +split-vep` (1.16) prints for it; every SnpEff field
//! agrees with the file's raw text split by hand; random annotations of the
//! headers' widths survive parsing field by field.

use std::path::{Path, PathBuf};
use std::process::Command;

use arrow::array::{Array, AsArray, RecordBatch, StringArray, StructArray};
use arrow::datatypes::Int32Type;
use genolake_ops::annotation::{
    AnnotationFormat, AnnotationParser, FieldKind, format_annotation_column, format_annotations,
    parse_annotations,
};
use genolake_vcf::{Reader, ReaderOptions};
use proptest::prelude::*;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vcf")
        .join(name)
}

/// One parsed field value, typed as Glow types it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Str(String),
    List(Vec<String>),
    Int(i32),
    Pair(Option<String>, Option<String>),
}

/// Reads a VCF, parses its annotations, and checks that every other column
/// came through untouched. Returns the parser and the parsed batches.
fn read_parsed(name: &str) -> (AnnotationParser, Vec<RecordBatch>) {
    let reader = Reader::builder(data(name))
        .options(ReaderOptions::default())
        .build()
        .unwrap();
    let parser = AnnotationParser::from_header(reader.header())
        .unwrap()
        .expect("the file declares CSQ or ANN");
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let parsed = parser.transform(&batch).unwrap();
        assert_eq!(parsed.num_columns(), batch.num_columns());
        assert_eq!(parsed.schema(), parser.output_schema(&batch.schema()));
        for (i, field) in batch.schema().fields().iter().enumerate() {
            if parser.columns().iter().all(|(c, _)| c != field.name()) {
                assert_eq!(parsed.column(i), batch.column(i), "{}", field.name());
            } else {
                // Written back as Glow's writer would, the text is the file's.
                let back = format_annotation_column(parsed.column(i).as_ref()).unwrap();
                assert_eq!(&back, batch.column(i), "{}", field.name());
            }
        }
        out.push(parsed);
    }
    (parser, out)
}

/// Every annotation of `column` in `batches`, as (row's 1-based POS, fields).
fn annotations(batches: &[RecordBatch], column: &str) -> Vec<(i64, Vec<Value>)> {
    let mut rows = Vec::new();
    for batch in batches {
        let starts = batch
            .column_by_name("start")
            .unwrap()
            .as_primitive::<arrow::datatypes::Int64Type>();
        let lists = batch.column_by_name(column).unwrap().as_list::<i32>();
        for row in 0..batch.num_rows() {
            if lists.is_null(row) {
                continue;
            }
            let structs = lists.value(row);
            let structs = structs.as_struct();
            for i in 0..structs.len() {
                rows.push((starts.value(row) + 1, struct_values(structs, i)));
            }
        }
    }
    rows
}

fn struct_values(structs: &StructArray, i: usize) -> Vec<Value> {
    structs
        .columns()
        .iter()
        .map(|column| {
            if column.is_null(i) {
                return Value::Null;
            }
            match column.data_type() {
                arrow::datatypes::DataType::Utf8 => {
                    Value::Str(column.as_string::<i32>().value(i).to_string())
                }
                arrow::datatypes::DataType::Int32 => {
                    Value::Int(column.as_primitive::<Int32Type>().value(i))
                }
                arrow::datatypes::DataType::List(_) => Value::List(
                    column
                        .as_list::<i32>()
                        .value(i)
                        .as_string::<i32>()
                        .iter()
                        .map(|s| s.unwrap().to_string())
                        .collect(),
                ),
                arrow::datatypes::DataType::Struct(_) => {
                    let pair = column.as_struct();
                    let get = |c: usize| {
                        let strings = pair.column(c).as_string::<i32>();
                        strings.is_valid(i).then(|| strings.value(i).to_string())
                    };
                    Value::Pair(get(0), get(1))
                }
                other => panic!("unexpected field type {other}"),
            }
        })
        .collect()
}

fn s(v: &str) -> Value {
    Value::Str(v.into())
}

fn l(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| i.to_string()).collect())
}

fn p(a: &str, b: Option<&str>) -> Value {
    Value::Pair(Some(a.into()), b.map(String::from))
}

/// What a field's raw text means after Glow's typing, computed here with
/// plain string operations as the oracle for peers' raw output.
fn typed(kind: FieldKind, raw: Option<&str>) -> Value {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Value::Null;
    };
    match kind {
        FieldKind::String => s(raw),
        FieldKind::Integer => raw.parse().map_or(Value::Null, Value::Int),
        FieldKind::StringArray => {
            let mut items: Vec<String> = raw.split('&').map(String::from).collect();
            while items.last().is_some_and(|i| i.is_empty()) {
                items.pop();
            }
            Value::List(items)
        }
        FieldKind::Pair(..) => match raw.split_once('/') {
            Some((a, b)) => Value::Pair(Some(a.into()), Some(b.into())),
            None => Value::Pair(Some(raw.into()), None),
        },
    }
}

#[test]
fn loftee_parses_to_glows_expected_row() {
    let (parser, batches) = read_parsed("loftee.vcf");
    let csqs = annotations(&batches, "INFO_CSQ");
    // VCFDatasourceSuite "Parse VEP": 23 annotations, the first one in full.
    assert_eq!(csqs.len(), 23);
    let n = Value::Null;
    let expected = vec![
        s("T"),
        l(&["missense_variant", "splice_region_variant"]),
        s("MODERATE"),
        s("CHEK2"),
        s("ENSG00000183765"),
        s("Transcript"),
        s("ENST00000328354"),
        s("protein_coding"),
        p("11", Some("15")),
        n.clone(),
        n.clone(),
        n.clone(),
        s("1341"),
        s("1259"),
        s("420"),
        p("C", Some("Y")),
        p("tGc", Some("tAc")),
        n.clone(),
        n.clone(),
        s("-1"),
        n.clone(),
        s("HGNC"),
        s("16627"),
        n.clone(),
        n.clone(),
        n.clone(),
        l(&[
            "EXON_START:29091698",
            "DONOR_GERP_DIFF:0",
            "DONOR_MES_DIFF:4.2436768980804",
            "BRANCHPOINT_DISTANCE:NA",
            "DONOR_ISS:4",
            "INTRON_END:29091697",
            "DONOR_DISRUPTION_PROB:0.892289929287647",
            "DONOR_ESE:27",
            "MUTANT_DONOR_MES:5.20491527083293",
            "DONOR_ISE:7",
            "EXON_END:29091861",
            "DONOR_ESS:34",
            "INTRON_START:29091231",
        ]),
    ];
    assert_eq!(csqs[0].1, expected);
    // VCFSchemaInferrerSuite "CSQ": the LOFTEE fields are string arrays.
    let (_, format) = &parser.columns()[0];
    let kinds: Vec<(&str, FieldKind)> = format
        .fields()
        .iter()
        .map(|f| (f.name.as_str(), f.kind))
        .skip(23)
        .collect();
    assert_eq!(
        kinds,
        [
            ("LoF", FieldKind::String),
            ("LoF_filter", FieldKind::StringArray),
            ("LoF_flags", FieldKind::StringArray),
            ("LoF_info", FieldKind::StringArray),
        ]
    );
}

#[test]
fn snpeff_parses_to_glows_expected_rows() {
    let (parser, batches) = read_parsed("snpeff.vcf");
    let (column, format) = &parser.columns()[0];
    assert_eq!(column, "INFO_ANN");
    let names: Vec<&str> = format.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Allele",
            "Annotation",
            "Annotation_Impact",
            "Gene_Name",
            "Gene_ID",
            "Feature_Type",
            "Feature_ID",
            "Transcript_BioType",
            "Rank",
            "HGVS_c",
            "HGVS_p",
            "cDNA_pos/cDNA_length",
            "CDS_pos/CDS_length",
            "AA_pos/AA_length",
            "Distance",
            "ERRORS/WARNINGS/INFO",
        ]
    );
    let anns = annotations(&batches, "INFO_ANN");
    // VCFDatasourceSuite "Parse SnpEff": 5 annotations, the first two in full.
    assert_eq!(anns.len(), 5);
    let n = Value::Null;
    assert_eq!(
        anns[0].1,
        vec![
            s("T"),
            l(&["splice_region_variant", "synonymous_variant"]),
            s("LOW"),
            s("GAB4"),
            s("ENSG00000215568"),
            s("transcript"),
            s("ENST00000400588"),
            s("protein_coding"),
            p("6", Some("10")),
            s("c.1287G>A"),
            s("p.Lys429Lys"),
            p("1395", None),
            p("1287", Some("1725")),
            p("429", Some("574")),
            n.clone(),
            n.clone(),
        ]
    );
    let mut second = vec![
        s("T"),
        l(&["splice_region_variant", "non_coding_exon_variant"]),
        s("LOW"),
        s("GAB4"),
        s("ENSG00000215568"),
        s("transcript"),
        s("ENST00000465611"),
        s("nonsense_mediated_decay"),
        p("5", Some("9")),
        s("n.*1412G>A"),
    ];
    second.resize(16, n);
    assert_eq!(anns[1].1, second);
    // The integer Distance of the last two, as the file has it.
    assert_eq!(anns[3].1[14], Value::Int(2228));
    assert_eq!(anns[4].1[14], Value::Int(1200));
}

/// Every field of every SnpEff annotation against the file's text split by
/// hand (`,` between annotations, `|` between fields).
#[test]
fn snpeff_agrees_with_the_raw_text() {
    let (parser, batches) = read_parsed("snpeff.vcf");
    let (_, format) = &parser.columns()[0];
    let parsed = annotations(&batches, "INFO_ANN");
    let text = std::fs::read_to_string(data("snpeff.vcf")).unwrap();
    let mut expected = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let pos: i64 = cols[1].parse().unwrap();
        let ann = cols[7]
            .split(';')
            .find_map(|kv| kv.strip_prefix("ANN="))
            .unwrap();
        for annotation in ann.split(',') {
            let raw: Vec<&str> = annotation.split('|').collect();
            assert_eq!(raw.len(), format.fields().len(), "{annotation}");
            let fields = format
                .fields()
                .iter()
                .zip(&raw)
                .map(|(f, r)| typed(f.kind, Some(r)))
                .collect::<Vec<_>>();
            expected.push((pos, fields));
        }
    }
    assert_eq!(expected.len(), 5);
    assert_eq!(parsed, expected);
}

/// bcftools 1.16's split-vep crashes on records whose contig the header
/// does not declare, as in Glow's files; a copy with `##contig` lines added
/// is the same data for the plugin.
fn with_contigs(name: &str, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(data(name)).unwrap();
    let mut contigs: Vec<&str> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let contig = line.split('\t').next().unwrap();
        if !contigs.contains(&contig) {
            contigs.push(contig);
        }
    }
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("#CHROM") {
            for contig in &contigs {
                out.push_str(&format!("##contig=<ID={contig}>\n"));
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

fn bcftools(args: &[&str]) -> String {
    let output = Command::new("bcftools")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("bcftools 1.16 is needed for this test ({e})"));
    assert!(
        output.status.success(),
        "bcftools {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Every field of every annotation against `bcftools +split-vep -d`, which
/// prints one line per annotation with all fields tab-separated and `.` for
/// empty ones.
fn agree_with_split_vep(name: &str, expected_annotations: usize) {
    let (parser, batches) = read_parsed(name);
    let (_, format) = &parser.columns()[0];
    let dir = tempfile::tempdir().unwrap();
    let vcf = with_contigs(name, dir.path());
    let listed = bcftools(&["+split-vep", "-l", vcf.to_str().unwrap()]);
    let listed: Vec<&str> = listed
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    let names: Vec<&str> = format.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(listed, names);
    let printed = bcftools(&[
        "+split-vep",
        "-d",
        "-A",
        "tab",
        "-f",
        "%POS\t%CSQ\n",
        vcf.to_str().unwrap(),
    ]);
    let expected: Vec<(i64, Vec<Value>)> = printed
        .lines()
        .map(|line| {
            let mut cols = line.split('\t');
            let pos = cols.next().unwrap().parse().unwrap();
            let raw: Vec<&str> = cols.collect();
            assert_eq!(raw.len(), format.fields().len(), "{line}");
            let fields = format
                .fields()
                .iter()
                .zip(raw)
                .map(|(f, r)| typed(f.kind, Some(r).filter(|r| *r != ".")))
                .collect();
            (pos, fields)
        })
        .collect();
    assert_eq!(expected.len(), expected_annotations);
    let parsed = annotations(&batches, "INFO_CSQ");
    assert_eq!(parsed.len(), expected.len());
    for (i, (ours, theirs)) in parsed.iter().zip(&expected).enumerate() {
        assert_eq!(ours.0, theirs.0, "annotation {i}: position");
        for (j, field) in format.fields().iter().enumerate() {
            assert_eq!(
                ours.1[j], theirs.1[j],
                "annotation {i} at {}, field {}",
                ours.0, field.name
            );
        }
    }
}

#[test]
fn vep_agrees_with_bcftools_split_vep() {
    agree_with_split_vep("vep.vcf", 6);
}

#[test]
fn loftee_agrees_with_bcftools_split_vep() {
    agree_with_split_vep("loftee.vcf", 23);
}

fn vep_format() -> AnnotationFormat {
    let text = std::fs::read_to_string(data("loftee.vcf")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("##INFO=<ID=CSQ"))
        .unwrap();
    let description = line.split("Description=\"").nth(1).unwrap();
    AnnotationFormat::from_description(description.trim_end_matches("\">")).unwrap()
}

fn snpeff_format() -> AnnotationFormat {
    AnnotationFormat::from_description(
        "Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | \
         Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | \
         cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | \
         ERRORS / WARNINGS / INFO' ",
    )
    .unwrap()
}

/// A raw field for `kind` whose typed value can be written back exactly:
/// `None` for empty, else text the kind's rule reads without loss.
fn raw_field(kind: FieldKind) -> BoxedStrategy<Option<String>> {
    let text = "[A-Za-z0-9_.:*>+-]{1,8}";
    let value = match kind {
        FieldKind::String => prop::string::string_regex("[A-Za-z0-9_.:*>/&+-]{1,12}")
            .unwrap()
            .boxed(),
        FieldKind::Integer => any::<i32>().prop_map(|i| i.to_string()).boxed(),
        FieldKind::StringArray => (
            prop::collection::vec(
                prop::string::string_regex("[A-Za-z0-9_:]{0,6}").unwrap(),
                0..4,
            ),
            prop::string::string_regex(text).unwrap(),
        )
            .prop_map(|(mut items, last)| {
                items.push(last);
                items.join("&")
            })
            .boxed(),
        FieldKind::Pair(..) => (
            prop::string::string_regex("[A-Za-z0-9*]{0,5}").unwrap(),
            prop::option::of(prop::string::string_regex("[A-Za-z0-9*/]{0,5}").unwrap()),
        )
            .prop_filter("a lone first half must not be empty", |(a, b)| {
                b.is_some() || !a.is_empty()
            })
            .prop_map(|(a, b)| match b {
                Some(b) => format!("{a}/{b}"),
                None => a,
            })
            .boxed(),
    };
    prop::option::of(value).boxed()
}

fn write_back(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::List(items) => Some(items.join("&")),
        Value::Pair(a, b) => Some(match b {
            Some(b) => format!("{}/{b}", a.as_deref().unwrap_or("")),
            None => a.clone().unwrap_or_default(),
        }),
    }
}

fn annotation_strategy(
    format: AnnotationFormat,
) -> impl Strategy<Value = Vec<Vec<Option<String>>>> {
    let row: Vec<_> = format.fields().iter().map(|f| raw_field(f.kind)).collect();
    prop::collection::vec(row, 1..6)
}

fn round_trip(format: &AnnotationFormat, rows: &[Vec<Option<String>>]) {
    let joined: Vec<String> = rows
        .iter()
        .map(|fields| {
            fields
                .iter()
                .map(|f| f.as_deref().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    let values = StringArray::from_iter_values(&joined);
    let parsed = parse_annotations(&values, format).unwrap();
    assert_eq!(parsed.len(), rows.len());
    assert_eq!(format_annotations(&parsed).unwrap(), values);
    for (i, fields) in rows.iter().enumerate() {
        let got = struct_values(&parsed, i);
        for (j, field) in format.fields().iter().enumerate() {
            assert_eq!(
                write_back(&got[j]),
                fields[j],
                "annotation {:?}, field {}",
                joined[i],
                field.name
            );
            assert_eq!(got[j], typed(field.kind, fields[j].as_deref()));
        }
    }
}

proptest! {
    #[test]
    fn vep_annotations_round_trip(rows in annotation_strategy(vep_format())) {
        round_trip(&vep_format(), &rows);
    }

    #[test]
    fn snpeff_annotations_round_trip(rows in annotation_strategy(snpeff_format())) {
        round_trip(&snpeff_format(), &rows);
    }

    /// Any text, however malformed, parses into one struct per string, and
    /// a field count other than the header's never shifts the fields.
    #[test]
    fn any_text_parses_without_panicking(values in prop::collection::vec(".{0,80}", 0..8)) {
        let format = snpeff_format();
        let array = StringArray::from_iter_values(&values);
        let parsed = parse_annotations(&array, &format).unwrap();
        prop_assert_eq!(parsed.len(), values.len());
        for (i, value) in values.iter().enumerate() {
            let first = value.split('|').next().unwrap();
            prop_assert_eq!(&struct_values(&parsed, i)[0], &typed(FieldKind::String, Some(first)));
        }
    }
}
