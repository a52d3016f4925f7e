//! The pipe transformer against real commands: `cat` must give the input
//! back, `bcftools view -v snps` through the pipe must give what it gives on
//! the file, and failing commands must say how they failed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::compute::concat_batches;
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};
use genolake_ops::pipe::{Pipe, PipeOptions, PipeOutput, TEXT_COLUMN};
use genolake_vcf::{Reader, ReaderOptions, read_header_text};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

const CEU: &str = "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf";
const MULTIALLELIC: &str = "variantsplitternormalizer-test/01_IN_altered_multiallelic.vcf";

fn options(pairs: &[(&str, &str)]) -> PipeOptions {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    PipeOptions::from_pairs(&pairs).unwrap()
}

/// The batches of a VCF file, `rows` per batch.
fn read_vcf(path: &Path, rows: usize) -> (SchemaRef, Vec<RecordBatch>) {
    let reader = Reader::builder(path)
        .options(ReaderOptions {
            batch_size: Some(rows),
            ..Default::default()
        })
        .build()
        .unwrap();
    let schema = reader.schema();
    let batches = reader.map(|b| b.unwrap()).collect();
    (schema, batches)
}

fn ok(batches: Vec<RecordBatch>) -> Vec<Result<RecordBatch, String>> {
    batches.into_iter().map(Ok).collect()
}

/// All the output, in one batch, with its schema.
fn collect(output: PipeOutput) -> RecordBatch {
    let schema = output.schema().expect("the output has a schema");
    let batches: Vec<RecordBatch> = output.map(|b| b.unwrap()).collect();
    concat_batches(&schema, &batches).unwrap()
}

/// Asserts two tables hold the same columns and values.
fn assert_same_table(expected: &RecordBatch, actual: &RecordBatch) {
    assert_eq!(expected.num_rows(), actual.num_rows(), "row counts");
    let names = |b: &RecordBatch| -> Vec<String> {
        b.schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    };
    assert_eq!(names(expected), names(actual));
    assert_eq!(expected.schema().fields(), actual.schema().fields());
    for (i, field) in expected.schema().fields().iter().enumerate() {
        if let (Some(ours), Some(theirs)) = (
            expected.column(i).as_list_opt::<i32>(),
            actual.column(i).as_list_opt::<i32>(),
        ) {
            // Lists of structs child by child, for a message naming the field.
            if let (Some(ours), Some(theirs)) = (
                ours.values().as_struct_opt(),
                theirs.values().as_struct_opt(),
            ) {
                for (name, values) in ours.column_names().into_iter().zip(ours.columns()) {
                    let read_back = theirs.column_by_name(name).unwrap();
                    for row in 0..values.len() {
                        assert_eq!(
                            values.slice(row, 1).as_ref(),
                            read_back.slice(row, 1).as_ref(),
                            "{}.{name}, item {row}",
                            field.name()
                        );
                    }
                }
            }
        }
        assert_eq!(
            expected.column(i).as_ref(),
            actual.column(i).as_ref(),
            "column {}",
            field.name()
        );
    }
}

/// As [`assert_same_table`], for a table read back under an inferred
/// header: its genotype fields come in the inferred header's FORMAT order,
/// so they are compared by name.
fn assert_same_table_inferred(expected: &RecordBatch, actual: &RecordBatch) {
    assert_eq!(expected.num_rows(), actual.num_rows(), "row counts");
    assert_eq!(expected.num_columns(), actual.num_columns());
    for (i, field) in expected.schema().fields().iter().enumerate() {
        let theirs = actual
            .column_by_name(field.name())
            .unwrap_or_else(|| panic!("no column {}", field.name()));
        if field.name() != "genotypes" {
            assert_eq!(
                expected.column(i).as_ref(),
                theirs.as_ref(),
                "column {}",
                field.name()
            );
            continue;
        }
        let ours = expected.column(i).as_list::<i32>();
        let theirs = theirs.as_list::<i32>();
        assert_eq!(ours.offsets(), theirs.offsets(), "genotypes per row");
        let (ours, theirs) = (ours.values().as_struct(), theirs.values().as_struct());
        for (name, values) in ours.column_names().into_iter().zip(ours.columns()) {
            let read_back = theirs
                .column_by_name(name)
                .unwrap_or_else(|| panic!("genotypes.{name} was lost"));
            assert_eq!(values.as_ref(), read_back.as_ref(), "genotypes.{name}");
        }
    }
}

fn text_batch(values: &[Option<&str>]) -> (SchemaRef, RecordBatch) {
    let schema = Arc::new(Schema::new(vec![Field::new("value", DataType::Utf8, true)]));
    let column: ArrayRef = Arc::new(StringArray::from(values.to_vec()));
    let batch = RecordBatch::try_new(Arc::clone(&schema), vec![column]).unwrap();
    (schema, batch)
}

fn texts(batch: &RecordBatch) -> Vec<String> {
    assert_eq!(batch.schema().field(0).name(), TEXT_COLUMN);
    batch
        .column(0)
        .as_string::<i32>()
        .iter()
        .map(|v| v.expect("text rows are not null").to_string())
        .collect()
}

fn run_text(cmd: &str, extra: &[(&str, &str)], values: &[Option<&str>]) -> Vec<String> {
    let mut pairs = vec![
        ("cmd", cmd),
        ("inputFormatter", "text"),
        ("outputFormatter", "text"),
    ];
    pairs.extend_from_slice(extra);
    let (schema, batch) = text_batch(values);
    let output = Pipe::new(options(&pairs))
        .run(&schema, None, ok(vec![batch]))
        .unwrap();
    texts(&collect(output))
}

#[test]
fn cat_gives_back_the_vcf_rows_under_each_header_source() {
    let ceu = data(CEU);
    let multi = data(MULTIALLELIC);
    let ceu_header = read_header_text(&ceu).unwrap();
    let multi_path = multi.to_str().unwrap().to_string();
    // (file, header passed to run, extra options, header inferred)
    type Case<'a> = (&'a Path, Option<&'a str>, Vec<(&'a str, &'a str)>, bool);
    let cases: Vec<Case> = vec![
        // The header passed by the caller (the source's), in many batches.
        (&ceu, Some(ceu_header.as_str()), vec![], false),
        // in_vcfHeader as a path, and inferred from the columns.
        (
            &multi,
            None,
            vec![("in_vcfHeader", multi_path.as_str())],
            false,
        ),
        (&multi, None, vec![("inVcfHeader", "infer")], true),
        (&ceu, None, vec![("in_vcf_header", "infer")], true),
    ];
    for (path, header, extra, inferred) in cases {
        let mut pairs = vec![
            ("cmd", r#"["cat", "-"]"#),
            ("inputFormatter", "vcf"),
            ("outputFormatter", "vcf"),
        ];
        pairs.extend(extra.iter().copied());
        // Small batches, so the header is sent once for many of them.
        let (schema, batches) = read_vcf(path, 100);
        let expected = concat_batches(&schema, &batches).unwrap();
        assert!(expected.num_rows() > 0);
        let output = Pipe::new(options(&pairs))
            .run(&schema, header, ok(batches))
            .unwrap();
        assert!(output.ran());
        let actual = collect(output);
        if inferred {
            assert_same_table_inferred(&expected, &actual);
        } else {
            assert_same_table(&expected, &actual);
        }
    }
}

/// CHROM, POS, REF, ALT and the GT of each sample, a line per row.
fn sites_and_calls(batch: &RecordBatch) -> Vec<String> {
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .unwrap_or_else(|| panic!("no column {name}"))
            .clone()
    };
    let contig = column("contigName");
    let contig = contig.as_string::<i32>();
    let start = column("start");
    let start = start.as_primitive::<arrow::datatypes::Int64Type>();
    let reference = column("referenceAllele");
    let reference = reference.as_string::<i32>();
    let alternates = column("alternateAlleles");
    let alternates = alternates.as_list::<i32>();
    let genotypes = column("genotypes");
    let genotypes = genotypes.as_list::<i32>();
    (0..batch.num_rows())
        .map(|row| {
            let alts = alternates.value(row);
            let alts: Vec<&str> = alts.as_string::<i32>().iter().map(|a| a.unwrap()).collect();
            let samples = genotypes.value(row);
            let calls = samples
                .as_struct()
                .column_by_name("calls")
                .unwrap()
                .as_list::<i32>();
            let gts: Vec<String> = (0..calls.len())
                .map(|g| {
                    let c = calls.value(g);
                    let c = c.as_primitive::<Int32Type>();
                    c.values()
                        .iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .collect();
            format!(
                "{}:{}:{}:{}:{}",
                contig.value(row),
                start.value(row) + 1,
                reference.value(row),
                alts.join(","),
                gts.join(" ")
            )
        })
        .collect()
}

#[test]
fn bcftools_view_snps_through_the_pipe_matches_bcftools_on_the_file() {
    let source = data(CEU);
    let dir = tempfile::tempdir().unwrap();
    let direct = dir.path().join("snps.vcf");
    let status = Command::new("bcftools")
        .args(["view", "-v", "snps", "-o"])
        .arg(&direct)
        .arg(&source)
        .status()
        .expect("bcftools must be installed for this test");
    assert!(status.success(), "bcftools view failed on the file");
    let (schema, expected) = read_vcf(&direct, 8192);
    let expected = concat_batches(&schema, &expected).unwrap();

    let source_path = source.to_str().unwrap();
    let pipe = Pipe::new(options(&[
        ("cmd", r#"["bcftools", "view", "-v", "snps", "-"]"#),
        ("inputFormatter", "vcf"),
        ("outputFormatter", "vcf"),
        ("in_vcfHeader", source_path),
    ]));
    let (input_schema, input) = read_vcf(&source, 256);
    let input_rows: usize = input.iter().map(|b| b.num_rows()).sum();
    let actual = collect(pipe.run(&input_schema, None, ok(input)).unwrap());

    let expected = sites_and_calls(&expected);
    let actual = sites_and_calls(&actual);
    assert!(!expected.is_empty() && expected.len() < input_rows);
    assert_eq!(actual, expected);
}

#[test]
fn text_through_cat_and_wc() {
    let values = [Some("hello"), None, Some("world")];
    // Glow writes nothing for a null row.
    assert_eq!(run_text(r#"["cat"]"#, &[], &values), ["hello", "world"]);
    assert_eq!(
        run_text(r#"["cat"]"#, &[("in_header", "animal")], &values),
        ["animal", "hello", "world"]
    );
    assert_eq!(
        run_text(
            r#"["cat"]"#,
            &[("in_header", "animal"), ("out_ignoreHeader", "true")],
            &values
        ),
        ["hello", "world"]
    );
    // One row per line of output: wc prints one.
    let counted = run_text(r#"["wc", "-l"]"#, &[], &values);
    assert_eq!(counted.len(), 1);
    assert_eq!(counted[0].trim(), "2");
    assert_eq!(
        run_text(r#"["sed", "-e", "s/$/!/"]"#, &[], &[Some("monkey")]),
        ["monkey!"]
    );
}

#[test]
fn text_input_needs_one_string_column() {
    let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, true)]));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![Arc::new(Int64Array::from(vec![1])) as ArrayRef],
    )
    .unwrap();
    let pipe = Pipe::new(options(&[
        ("cmd", r#"["cat"]"#),
        ("inputFormatter", "text"),
        ("outputFormatter", "text"),
    ]));
    let error = pipe
        .run(&schema, None, ok(vec![batch]))
        .unwrap_err()
        .to_string();
    assert!(error.contains("string column"), "{error}");
}

#[test]
fn environment_variables_reach_the_command() {
    let lines = run_text(
        r#"["printenv"]"#,
        &[("env_animal", "monkey"), ("env_LC_ALL", "C")],
        &[Some("x")],
    );
    assert!(lines.iter().any(|l| l == "animal=monkey"), "{lines:?}");
    assert!(lines.iter().any(|l| l == "LC_ALL=C"), "{lines:?}");
}

fn csv_input() -> (SchemaRef, RecordBatch) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, true),
        Field::new("n", DataType::Int64, true),
        Field::new("x", DataType::Float64, true),
    ]));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![
            Arc::new(StringArray::from(vec![
                Some("monkey"),
                Some("a,b"),
                Some("say \"hi\""),
                Some(""),
                None,
            ])) as ArrayRef,
            Arc::new(Int64Array::from(vec![
                Some(5),
                Some(1),
                None,
                Some(-3),
                Some(0),
            ])),
            Arc::new(Float64Array::from(vec![
                Some(0.5),
                Some(2.0),
                Some(1e-3),
                None,
                Some(-1.25),
            ])),
        ],
    )
    .unwrap();
    (schema, batch)
}

fn column(batch: &RecordBatch, name: &str) -> Vec<Option<String>> {
    batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

#[test]
fn csv_in_and_out_with_and_without_header() {
    let (schema, batch) = csv_input();
    let pipe = Pipe::new(options(&[
        ("cmd", r#"["cat"]"#),
        ("inputFormatter", "csv"),
        ("outputFormatter", "csv"),
        ("in_header", "true"),
        ("out_header", "true"),
    ]));
    let output = pipe.run(&schema, None, ok(vec![batch.clone()])).unwrap();
    let schema_out = output.schema().unwrap();
    let names: Vec<&str> = schema_out
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(names, ["name", "n", "x"]);
    assert!(
        schema_out
            .fields()
            .iter()
            .all(|f| f.data_type() == &DataType::Utf8)
    );
    let table = collect(output);
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        column(&table, "name"),
        [s("monkey"), s("a,b"), s("say \"hi\""), s(""), None]
    );
    assert_eq!(column(&table, "n"), [s("5"), s("1"), None, s("-3"), s("0")]);
    let x: Vec<Option<f64>> = column(&table, "x")
        .iter()
        .map(|v| v.as_ref().map(|v| v.parse().unwrap()))
        .collect();
    assert_eq!(x, [Some(0.5), Some(2.0), Some(1e-3), None, Some(-1.25)]);

    // Without a header the columns are _c0, _c1, ...; a tab separator.
    let pipe = Pipe::new(options(&[
        ("cmd", r#"["cat"]"#),
        ("inputFormatter", "csv"),
        ("outputFormatter", "csv"),
        ("in_sep", "\\t"),
        ("out_sep", "\\t"),
    ]));
    let table = collect(pipe.run(&schema, None, ok(vec![batch])).unwrap());
    assert_eq!(table.num_rows(), 5);
    let names: Vec<String> = table
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, ["_c0", "_c1", "_c2"]);
    assert_eq!(column(&table, "_c0")[1], s("a,b"));
}

#[test]
fn csv_output_of_a_command() {
    // Comment and blank lines are skipped; short rows padded with nulls.
    let script = "cat >/dev/null; printf '# note\\nk,v\\n\\na,1\\nb\\n'";
    let cmd = serde_json_array(&["sh", "-c", script]);
    let (schema, batch) = text_batch(&[Some("x")]);
    let pipe = Pipe::new(options(&[
        ("cmd", &cmd),
        ("inputFormatter", "text"),
        ("outputFormatter", "csv"),
        ("out_header", "true"),
        ("out_comment", "#"),
    ]));
    let table = collect(pipe.run(&schema, None, ok(vec![batch])).unwrap());
    assert_eq!(
        column(&table, "k"),
        [Some("a".to_string()), Some("b".to_string())]
    );
    assert_eq!(column(&table, "v"), [Some("1".to_string()), None]);
}

fn serde_json_array(items: &[&str]) -> String {
    serde_json::to_string(items).unwrap()
}

fn run_error(cmd: &str, output_formatter: &str, temp: &Path) -> String {
    let (schema, batch) = text_batch(&[Some("hello")]);
    Pipe::new(options(&[
        ("cmd", cmd),
        ("inputFormatter", "text"),
        ("outputFormatter", output_formatter),
    ]))
    .with_temp_dir(temp)
    .run(&schema, None, ok(vec![batch]))
    .unwrap_err()
    .to_string()
}

fn assert_empty_dir(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    assert!(left.is_empty(), "spool files left behind: {left:?}");
}

#[test]
fn a_command_that_cannot_start_is_an_error_naming_it() {
    let temp = tempfile::tempdir().unwrap();
    let error = run_error(
        r#"["totallyfakecommandthatdoesntexist", "-x"]"#,
        "text",
        temp.path(),
    );
    assert!(
        error.contains("totallyfakecommandthatdoesntexist -x") && error.contains("cannot start"),
        "{error}"
    );
    assert!(error.contains("No such file or directory"), "{error}");
    assert_empty_dir(temp.path());
}

#[test]
fn a_failing_command_gives_its_status_and_stderr() {
    let temp = tempfile::tempdir().unwrap();
    let error = run_error(
        r#"["sh", "-c", "echo oops >&2; exit 3"]"#,
        "vcf",
        temp.path(),
    );
    assert!(error.contains("exited with status 3"), "{error}");
    assert!(error.contains("oops"), "{error}");
    assert!(error.contains("sh -c 'echo oops >&2; exit 3'"), "{error}");
    assert_empty_dir(temp.path());

    // A long stderr is cut to its last lines.
    let error = run_error(
        r#"["sh", "-c", "i=0; while [ $i -lt 5000 ]; do echo line $i >&2; i=$((i+1)); done; exit 1"]"#,
        "text",
        temp.path(),
    );
    assert!(error.contains("exited with status 1"), "{error}");
    assert!(
        error.contains("line 4999") && !error.contains("line 100\n"),
        "{error}"
    );
    assert!(error.len() < 4096, "{} bytes", error.len());
    assert_empty_dir(temp.path());
}

#[test]
fn output_that_is_not_vcf_is_an_error() {
    let temp = tempfile::tempdir().unwrap();
    let error = run_error(
        r#"["sh", "-c", "cat >/dev/null; echo 'this is not a vcf'; echo warned >&2"]"#,
        "vcf",
        temp.path(),
    );
    assert!(error.contains("not VCF"), "{error}");
    assert!(
        error.contains("status 0") && error.contains("warned"),
        "{error}"
    );
    assert_empty_dir(temp.path());

    // A header, then a record that does not parse: the error comes with
    // the batches, the spool file is removed with the output.
    let script = "cat >/dev/null; printf '##fileformat=VCFv4.2\\n#CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER\\tINFO\\n1\\tnotaposition\\t.\\tA\\tC\\t.\\t.\\t.\\n'";
    let cmd = serde_json_array(&["sh", "-c", script]);
    let (schema, batch) = text_batch(&[Some("hello")]);
    let mut output = Pipe::new(options(&[
        ("cmd", &cmd),
        ("inputFormatter", "text"),
        ("outputFormatter", "vcf"),
    ]))
    .with_temp_dir(temp.path())
    .run(&schema, None, ok(vec![batch]))
    .unwrap();
    assert!(output.schema().is_some());
    let error = output.next().unwrap().unwrap_err().to_string();
    assert!(
        error.contains("not VCF") && error.contains("status 0"),
        "{error}"
    );
    assert!(output.next().is_none());
    drop(output);
    assert_empty_dir(temp.path());
}

#[test]
fn an_input_error_ends_the_run_with_it() {
    let (schema, batch) = text_batch(&[Some("hello")]);
    let pipe = Pipe::new(options(&[
        ("cmd", r#"["cat"]"#),
        ("inputFormatter", "text"),
        ("outputFormatter", "text"),
    ]));
    let input = vec![Ok(batch), Err("the scan failed".to_string())];
    let error = pipe.run(&schema, None, input).unwrap_err().to_string();
    assert!(error.contains("the scan failed"), "{error}");
}

#[test]
fn head_stops_reading_early_without_an_error() {
    // Far more than a pipe's buffer, so the writer meets the closed pipe.
    let lines: Vec<String> = (0..400_000).map(|i| format!("line {i}")).collect();
    let batches: Vec<Result<RecordBatch, String>> = lines
        .chunks(10_000)
        .map(|chunk| {
            let values: Vec<Option<&str>> = chunk.iter().map(|s| Some(s.as_str())).collect();
            Ok(text_batch(&values).1)
        })
        .collect();
    let (schema, _) = text_batch(&[]);
    let pipe = Pipe::new(options(&[
        ("cmd", r#"["head", "-n", "5"]"#),
        ("inputFormatter", "text"),
        ("outputFormatter", "text"),
    ]));
    let table = collect(pipe.run(&schema, None, batches).unwrap());
    assert_eq!(
        texts(&table),
        ["line 0", "line 1", "line 2", "line 3", "line 4"]
    );

    // VCF in, too: the writer stops between batches.
    let (schema, batches) = read_vcf(&data(CEU), 10);
    let pipe = Pipe::new(options(&[
        ("cmd", r#"["sh", "-c", "head -c 100000 >/dev/null"]"#),
        ("inputFormatter", "vcf"),
        ("outputFormatter", "text"),
        ("in_vcfHeader", "infer"),
    ]));
    let output = pipe.run(&schema, None, ok(batches)).unwrap();
    assert_eq!(collect(output).num_rows(), 0);
}

#[test]
fn an_empty_partition_does_not_run_the_command() {
    let (schema, _) = text_batch(&[]);
    let (_, empty) = text_batch(&[]);
    let pipe = Pipe::new(options(&[
        ("cmd", r#"["sh", "-c", "echo ran"]"#),
        ("inputFormatter", "text"),
        ("outputFormatter", "text"),
    ]));
    let mut output = pipe.run(&schema, None, ok(vec![empty])).unwrap();
    assert!(!output.ran());
    assert!(output.schema().is_none());
    assert!(output.next().is_none());
}

#[test]
fn vcf_output_of_nothing_has_no_schema_and_a_header_only_no_rows() {
    let (schema, batches) = read_vcf(&data(MULTIALLELIC), 100);
    let temp = tempfile::tempdir().unwrap();
    let run = |cmd: &str| {
        Pipe::new(options(&[
            ("cmd", cmd),
            ("inputFormatter", "vcf"),
            ("outputFormatter", "vcf"),
            ("in_vcfHeader", "infer"),
        ]))
        .with_temp_dir(temp.path())
        .run(&schema, None, ok(batches.clone()))
        .unwrap()
    };
    let mut nothing = run(r#"["sh", "-c", "cat >/dev/null"]"#);
    assert!(nothing.ran() && nothing.schema().is_none());
    assert!(nothing.next().is_none());
    drop(nothing);

    // Glow's "remove non-header rows": the input's columns, no rows.
    let header_only = run(r#"["grep", "^#"]"#);
    let names = |schema: &Schema| -> Vec<String> {
        schema.fields().iter().map(|f| f.name().clone()).collect()
    };
    assert_eq!(names(&header_only.schema().unwrap()), names(&schema));
    assert_eq!(collect(header_only).num_rows(), 0);
    assert_empty_dir(temp.path());
}

#[test]
fn the_vcf_input_formatter_needs_a_header_source() {
    let (schema, batches) = read_vcf(&data(MULTIALLELIC), 100);
    let pipe = Pipe::new(options(&[
        ("cmd", r#"["cat"]"#),
        ("inputFormatter", "vcf"),
        ("outputFormatter", "vcf"),
    ]));
    let error = pipe
        .run(&schema, None, ok(batches))
        .unwrap_err()
        .to_string();
    assert!(error.contains("in_vcfHeader"), "{error}");
}
