//! `Merger` against `bcftools merge -m none` (bcftools 1.16), on Glow's
//! `vcf-merge` test files and inputs derived from them with bcftools.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, AsArray, BooleanArray, Int64Array, ListArray, RecordBatch, StringArray, StructArray,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Fields, Int32Type, Schema, SchemaRef};
use genolake_core::schema::list_of;
use genolake_ops::merge::{MergeInput, MergeOptions, Merger};
use genolake_vcf::{Writer, read_header_text};
use proptest::prelude::*;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vcf-merge")
        .join(name)
}

/// Runs bcftools; a missing bcftools or a failed run fails the test.
fn bcftools(args: &[&str]) -> String {
    let output = Command::new("bcftools")
        .args(args)
        .output()
        .expect("bcftools must be installed for these tests");
    assert!(
        output.status.success(),
        "bcftools {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("bcftools prints UTF-8")
}

fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

/// Writes `text` as BGZF VCF with a CSI index, for bcftools merge.
fn bgzf(dir: &Path, name: &str, text: &str) -> PathBuf {
    let plain = dir.join(format!("{name}.vcf"));
    std::fs::write(&plain, text).unwrap();
    let out = dir.join(format!("{name}.vcf.gz"));
    bcftools(&["view", "-Oz", "-o", s(&out), s(&plain)]);
    bcftools(&["index", "-f", s(&out)]);
    out
}

/// A copy of a test file in `dir`, indexed.
fn copy(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    std::fs::copy(data(name), &out).unwrap();
    bcftools(&["index", "-f", s(&out)]);
    out
}

/// `source` without the records whose 1-based number `keep` rejects, its
/// sample renamed to `sample` when given.
fn derive(
    dir: &Path,
    source: &Path,
    name: &str,
    sample: Option<&str>,
    keep: impl Fn(usize) -> bool,
) -> PathBuf {
    let text = bcftools(&["view", s(source)]);
    let mut out = String::new();
    let mut n = 0;
    for line in text.lines() {
        if line.starts_with("#CHROM") {
            match sample {
                Some(sample) => {
                    let mut fields: Vec<&str> = line.split('\t').take(9).collect();
                    fields.push(sample);
                    out.push_str(&fields.join("\t"));
                }
                None => out.push_str(line),
            }
        } else if line.starts_with('#') {
            out.push_str(line);
        } else {
            n += 1;
            if !keep(n) {
                continue;
            }
            out.push_str(line);
        }
        out.push('\n');
    }
    bgzf(dir, name, &out)
}

/// Our merge of `inputs`, written as VCF with the first input's header.
fn ours(dir: &Path, inputs: &[&Path], options: MergeOptions) -> PathBuf {
    let merger = Merger::with_options(
        inputs
            .iter()
            .map(|p| MergeInput::from_vcf(p).unwrap())
            .collect(),
        options,
    )
    .unwrap();
    let out = dir.join("ours.vcf");
    let mut writer = Writer::builder(&out)
        .header(read_header_text(inputs[0]).unwrap())
        .samples(merger.samples().to_vec())
        .build(&merger.schema())
        .unwrap();
    for batch in merger {
        writer.write(&batch.unwrap()).unwrap();
    }
    writer.finish().unwrap();
    out
}

fn theirs(dir: &Path, inputs: &[&Path]) -> PathBuf {
    let out = dir.join("theirs.vcf");
    let mut args = vec!["merge", "-m", "none", "-o", s(&out)];
    args.extend(inputs.iter().map(|p| s(p)));
    bcftools(&args);
    out
}

fn query(path: &Path, format: &str) -> Vec<String> {
    bcftools(&["query", "-f", format, s(path)])
        .lines()
        .map(str::to_string)
        .collect()
}

/// Site, the INFO keys merging changes or keeps, and every genotype.
const FORMAT: &str = "%CHROM\t%POS\t%ID\t%REF\t%ALT\t%QUAL\t%FILTER\t%INFO/DP\t%INFO/AN\t\
                      %INFO/AC\t%INFO/AF\t%INFO/VT\t%INFO/AA[\t%SAMPLE=%GT]\n";

fn assert_same(dir: &Path, inputs: &[&Path], format: &str) -> usize {
    let ours = query(&ours(dir, inputs, MergeOptions::default()), format);
    let theirs = query(&theirs(dir, inputs), format);
    assert!(!theirs.is_empty());
    assert_eq!(ours.len(), theirs.len(), "records");
    for (o, t) in ours.iter().zip(&theirs) {
        assert_eq!(o, t);
    }
    ours.len()
}

#[test]
fn two_samples_merge_as_bcftools_merges_them() {
    let dir = tempfile::tempdir().unwrap();
    let a = copy(dir.path(), "HG00096.vcf.bgz");
    let b = copy(dir.path(), "HG00097.vcf.bgz");
    let n = assert_same(dir.path(), &[&a, &b], FORMAT);
    assert_eq!(n, 1000);
}

#[test]
fn the_union_of_sites_and_missing_calls_match_bcftools() {
    let dir = tempfile::tempdir().unwrap();
    let a = copy(dir.path(), "HG00096.vcf.bgz");
    let b = copy(dir.path(), "HG00097.vcf.bgz");
    let odd = derive(dir.path(), &a, "odd", None, |n| n % 2 == 1);
    let thirds = derive(dir.path(), &b, "thirds", None, |n| n % 3 != 0);
    let n = assert_same(dir.path(), &[&odd, &thirds], FORMAT);
    // Every site some input holds.
    assert_eq!(n, (1..=1000).filter(|n| n % 2 == 1 || n % 3 != 0).count());
    assert!(n < 1000);
    let ours = query(&dir.path().join("ours.vcf"), "[%GT\t]\n");
    assert!(ours.iter().any(|l| l.starts_with("./.")));
    assert!(ours.iter().any(|l| l.ends_with("./.\t")));
}

#[test]
fn three_inputs_one_holding_two_samples_match_bcftools() {
    let dir = tempfile::tempdir().unwrap();
    let a = copy(dir.path(), "HG00096.vcf.bgz");
    let b = copy(dir.path(), "HG00097.vcf.bgz");
    let a5 = derive(dir.path(), &a, "a5", None, |n| n % 5 != 0);
    let b7 = derive(dir.path(), &b, "b7", None, |n| n % 7 != 0);
    let pair = dir.path().join("pair.vcf.gz");
    bcftools(&["merge", "-m", "none", "-Oz", "-o", s(&pair), s(&a5), s(&b7)]);
    bcftools(&["index", "-f", s(&pair)]);
    let s3 = derive(dir.path(), &a, "s3", Some("S3"), |n| n % 2 == 0);
    let s4 = derive(dir.path(), &b, "s4", Some("S4"), |n| n % 3 == 1);
    let n = assert_same(dir.path(), &[&pair, &s3, &s4], FORMAT);
    let held = |n: usize| {
        !n.is_multiple_of(5) || !n.is_multiple_of(7) || n.is_multiple_of(2) || n % 3 == 1
    };
    assert_eq!(n, (1..=1000).filter(|&n| held(n)).count());
    assert!(n < 1000);
    let header = bcftools(&["view", "-h", s(&dir.path().join("ours.vcf"))]);
    assert!(header.contains("\tHG00096\tHG00097\tS3\tS4\n"), "{header}");
}

const SMALL_HEADER: &str = "##fileformat=VCFv4.2
##contig=<ID=1>
##contig=<ID=2>
##FILTER=<ID=q10,Description=\"q\">
##FILTER=<ID=s50,Description=\"s\">
##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">
##INFO=<ID=AF,Number=A,Type=Float,Description=\"f\">
##INFO=<ID=S,Number=1,Type=String,Description=\"s\">
##INFO=<ID=F,Number=0,Type=Flag,Description=\"f\">
##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"d\">
";

fn small(dir: &Path, name: &str, sample: &str, records: &[&str]) -> PathBuf {
    let mut text = String::from(SMALL_HEADER);
    text.push_str(&format!(
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n"
    ));
    for record in records {
        text.push_str(&record.replace(' ', "\t"));
        text.push('\n');
    }
    bgzf(dir, name, &text)
}

#[test]
fn ids_qual_filters_info_and_ploidy_combine_as_in_bcftools() {
    let dir = tempfile::tempdir().unwrap();
    let a = small(
        dir.path(),
        "a",
        "A1",
        &[
            "1 10 rsA A G 10 PASS DP=5;AF=0.1;S=a GT:DP 0/1:3",
            "1 20 rsB;rsC C T . q10 AF=. GT:DP 1:4",
            "1 30 . G C 50 q10 DP=1 GT:DP 0|1:5",
            "1 40 . G C 50 PASS DP=1 GT:DP 0/1/1:5",
            "2 5 rsE T A 3 . F GT 1|1",
        ],
    );
    let b = small(
        dir.path(),
        "b",
        "B1",
        &[
            "1 10 rsX A G 20 s50 DP=7;AF=0.2;S=b;F GT 1/1",
            "1 20 rsC C T 5 s50 AF=0.3;S=bb GT 0",
            "1 25 rsD C T 5 . DP=2 GT 0/1",
            "1 30 . G C 40 PASS . GT 0/0",
            "2 5 rsE T A 3 . DP=4 GT 0",
        ],
    );
    let format = "%CHROM\t%POS\t%ID\t%REF\t%ALT\t%QUAL\t%FILTER\t%INFO/DP\t%INFO/AF\t%INFO/S\t\
                  %INFO/F[\t%GT:%DP]\n";
    assert_eq!(assert_same(dir.path(), &[&a, &b], format), 6);
    assert_eq!(assert_same(dir.path(), &[&b, &a], format), 6);
}

fn small_plain(dir: &Path, name: &str, sample: &str, records: &[&str]) -> PathBuf {
    let mut text = String::from(SMALL_HEADER);
    text.push_str(&format!(
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n"
    ));
    for record in records {
        text.push_str(&record.replace(' ', "\t"));
        text.push('\n');
    }
    let path = dir.join(format!("{name}.vcf"));
    std::fs::write(&path, text).unwrap();
    path
}

fn merge_error(inputs: &[&Path]) -> String {
    let inputs = inputs
        .iter()
        .map(|p| MergeInput::from_vcf(p).unwrap())
        .collect();
    match Merger::new(inputs) {
        Err(e) => e.to_string(),
        Ok(merger) => {
            for batch in merger {
                if let Err(e) = batch {
                    return e.to_string();
                }
            }
            panic!("the merge succeeded")
        }
    }
}

#[test]
fn a_sample_in_two_inputs_is_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let a = small(dir.path(), "a", "S", &["1 10 . A G . . . GT 0/1"]);
    let b = small(dir.path(), "b", "S", &["1 10 . A G . . . GT 0/1"]);
    let message = merge_error(&[&a, &b]);
    assert!(message.contains("sample S is in both"), "{message}");
    assert!(
        message.contains(s(&a)) && message.contains(s(&b)),
        "{message}"
    );
    // bcftools refuses too.
    let status = Command::new("bcftools")
        .args(["merge", "-m", "none", s(&a), s(&b)])
        .output()
        .expect("bcftools must be installed");
    assert!(!status.status.success());
    assert!(String::from_utf8_lossy(&status.stderr).contains("Duplicate sample names"));
}

#[test]
fn records_going_backwards_are_an_error_naming_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let a = small_plain(
        dir.path(),
        "a",
        "A",
        &[
            "1 10 . A G . . . GT 0/1",
            "1 30 . A G . . . GT 0/1",
            "1 20 . C T . . . GT 0/1",
        ],
    );
    let b = small_plain(dir.path(), "b", "B", &["1 10 . A G . . . GT 0/1"]);
    let message = merge_error(&[&b, &a]);
    assert!(message.contains(s(&a)), "{message}");
    assert!(message.contains("record 3 (1:20 C>T)"), "{message}");
    assert!(message.contains("sorted"), "{message}");

    // A contig met again after another is unsorted too (the VCF reader
    // catches it in a file; the merge in any input).
    let samples = vec!["C".to_string()];
    let records: Vec<Record> = vec![
        (0, 10, 0, vec![vec![0, 1]]),
        (1, 5, 0, vec![vec![0, 1]]),
        (0, 20, 1, vec![vec![1, 1]]),
    ];
    let batches = vec![
        Ok(batch(&records[..2], &samples)),
        Ok(batch(&records[2..], &samples)),
    ];
    let input = MergeInput::new("batches", schema(), samples, Box::new(batches.into_iter()));
    let result: Result<Vec<_>, _> = Merger::new(vec![input]).unwrap().collect();
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("batches, record 3 (1:21 A>G)"),
        "{message}"
    );
    assert!(
        message.contains("contig 1 comes again after contig 2"),
        "{message}"
    );
}

#[test]
fn contigs_in_different_orders_are_an_error_unless_the_order_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let a = small_plain(
        dir.path(),
        "a",
        "A",
        &["1 10 . A G . . . GT 0/1", "2 5 . A G . . . GT 0/1"],
    );
    let b = small_plain(
        dir.path(),
        "b",
        "B",
        &["2 5 . A G . . . GT 1/1", "1 10 . A G . . . GT 1/1"],
    );
    // Without ##contig lines, contigs come in the order met.
    let strip = |path: &Path| {
        let text = std::fs::read_to_string(path).unwrap();
        let out = path.with_extension("nocontigs.vcf");
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("##contig"))
            .collect();
        std::fs::write(&out, kept.join("\n") + "\n").unwrap();
        out
    };
    let message = merge_error(&[&strip(&a), &strip(&b)]);
    assert!(message.contains(s(&strip(&b))), "{message}");
    assert!(message.contains("contig 1 was merged already"), "{message}");

    // With them, the same inputs are ordered by them and b is unsorted.
    let message = merge_error(&[&a, &b]);
    assert!(
        message.contains(s(&b)) && message.contains("record 2 (1:10 A>G)"),
        "{message}"
    );

    // With the order given, a wrongly ordered input is still an error.
    let inputs = [&a, &b]
        .iter()
        .map(|p| MergeInput::from_vcf(p).unwrap())
        .collect();
    let options = MergeOptions {
        contig_order: Some(vec!["1".into(), "2".into()]),
        ..MergeOptions::default()
    };
    let result: Result<Vec<_>, _> = Merger::with_options(inputs, options).unwrap().collect();
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains(s(&b)) && message.contains("record 2"),
        "{message}"
    );

    // An input that starts on a later contig merges fine when the order is given.
    let late = small_plain(dir.path(), "late", "L", &["2 5 . A G . . . GT 0/0"]);
    let inputs = [&late, &a]
        .iter()
        .map(|p| MergeInput::from_vcf(p).unwrap())
        .collect();
    let headers: Vec<_> = [&a]
        .iter()
        .map(|p| genolake_vcf::read_header(p, Default::default()).unwrap())
        .collect();
    let options = MergeOptions {
        contig_order: Some(genolake_ops::merge::contig_order(&headers)),
        ..MergeOptions::default()
    };
    let batches: Vec<_> = Merger::with_options(inputs, options)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let contigs: Vec<String> = batches
        .iter()
        .flat_map(|b| {
            b.column_by_name("contigName")
                .unwrap()
                .as_string::<i32>()
                .iter()
                .map(|c| c.unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(contigs, ["1", "2"]);
}

// ---- property: every input's records exactly once, sorted, calls in place

const CONTIGS: [&str; 2] = ["1", "2"];
const ALTS: [&str; 2] = ["C", "G"];

/// A record: contig index, start, alt index, then per sample its calls.
type Record = (usize, i64, usize, Vec<Vec<i32>>);

fn genotype_fields() -> Fields {
    Fields::from(vec![
        Field::new("sampleId", DataType::Utf8, true),
        Field::new("phased", DataType::Boolean, true),
        Field::new("calls", list_of(DataType::Int32), true),
    ])
}

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("contigName", DataType::Utf8, true),
        Field::new("start", DataType::Int64, true),
        Field::new("end", DataType::Int64, true),
        Field::new("referenceAllele", DataType::Utf8, true),
        Field::new("alternateAlleles", list_of(DataType::Utf8), true),
        Field::new(
            "genotypes",
            list_of(DataType::Struct(genotype_fields())),
            true,
        ),
    ]))
}

fn batch(records: &[Record], samples: &[String]) -> RecordBatch {
    let n = records.len();
    let contig = StringArray::from_iter_values(records.iter().map(|r| CONTIGS[r.0]));
    let start = Int64Array::from_iter_values(records.iter().map(|r| r.1));
    let end = Int64Array::from_iter_values(records.iter().map(|r| r.1 + 1));
    let reference = StringArray::from_iter_values(std::iter::repeat_n("A", n));
    let alts = ListArray::new(
        Arc::new(Field::new_list_field(DataType::Utf8, true)),
        OffsetBuffer::from_lengths(std::iter::repeat_n(1, n)),
        Arc::new(StringArray::from_iter_values(
            records.iter().map(|r| ALTS[r.2]),
        )),
        None,
    );
    let ids: Vec<&str> = records
        .iter()
        .flat_map(|_| samples.iter().map(String::as_str))
        .collect();
    let ids = StringArray::from(ids);
    let k = n * samples.len();
    let phased = BooleanArray::from(vec![true; k]);
    let all_calls: Vec<&Vec<i32>> = records.iter().flat_map(|r| r.3.iter()).collect();
    let calls = ListArray::new(
        Arc::new(Field::new_list_field(DataType::Int32, true)),
        OffsetBuffer::from_lengths(all_calls.iter().map(|c| c.len())),
        Arc::new(arrow::array::Int32Array::from_iter_values(
            all_calls.iter().flat_map(|c| c.iter().copied()),
        )),
        None,
    );
    let genotypes = StructArray::new(
        genotype_fields(),
        vec![Arc::new(ids), Arc::new(phased), Arc::new(calls)],
        None,
    );
    let genotypes = ListArray::new(
        Arc::new(Field::new_list_field(
            DataType::Struct(genotype_fields()),
            true,
        )),
        OffsetBuffer::from_lengths(std::iter::repeat_n(samples.len(), n)),
        Arc::new(genotypes),
        None,
    );
    let columns: Vec<ArrayRef> = vec![
        Arc::new(contig),
        Arc::new(start),
        Arc::new(end),
        Arc::new(reference),
        Arc::new(alts),
        Arc::new(genotypes),
    ];
    RecordBatch::try_new(schema(), columns).unwrap()
}

/// An input: its samples' count and its records, sorted, one per key.
fn input() -> impl Strategy<Value = (usize, Vec<Record>, usize)> {
    (1usize..3, 1usize..4).prop_flat_map(|(samples, chunk)| {
        let record = (0usize..2, 0i64..12, 0usize..2, 1usize..3).prop_flat_map(
            move |(c, start, alt, ploidy)| {
                proptest::collection::vec(
                    proptest::collection::vec(0i32..2, ploidy..=ploidy),
                    samples..=samples,
                )
                .prop_map(move |calls| (c, start, alt, calls))
            },
        );
        proptest::collection::vec(record, 0..12).prop_map(move |mut records| {
            records.sort_by_key(|r| (r.0, r.1, r.2));
            records.dedup_by_key(|r| (r.0, r.1, r.2));
            (samples, records, chunk)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn merged_rows_hold_each_record_once_sorted_with_calls_in_place(
        inputs in proptest::collection::vec(input(), 1..4),
        batch_size in 1usize..6,
    ) {
        let mut merge_inputs = Vec::new();
        let mut names = Vec::new();
        for (i, (samples, records, chunk)) in inputs.iter().enumerate() {
            let samples: Vec<String> = (0..*samples).map(|s| format!("i{i}s{s}")).collect();
            let batches: Vec<_> = records
                .chunks(*chunk)
                .map(|c| Ok(batch(c, &samples)))
                .collect();
            names.push(samples.clone());
            merge_inputs.push(MergeInput::new(
                format!("input{i}"),
                schema(),
                samples,
                Box::new(batches.into_iter()),
            ));
        }
        // Random inputs may start on contig 2 while others hold 1: only a
        // given order merges those.
        let options = MergeOptions {
            batch_size: Some(batch_size),
            contig_order: Some(CONTIGS.iter().map(|c| c.to_string()).collect()),
        };
        let merger = Merger::with_options(merge_inputs, options).unwrap();
        let all_samples: Vec<String> = names.iter().flatten().cloned().collect();
        prop_assert_eq!(merger.samples(), all_samples.as_slice());
        let batches: Vec<RecordBatch> = merger.collect::<Result<_, _>>().unwrap();
        let mut seen: Vec<(usize, i64, usize)> = Vec::new();
        for batch in &batches {
            prop_assert!(batch.num_rows() <= batch_size);
            let contig = batch.column(0).as_string::<i32>();
            let start = batch.column(1).as_primitive::<arrow::datatypes::Int64Type>();
            let alts = batch.column(4).as_list::<i32>();
            let genotypes = batch.column(5).as_list::<i32>();
            for row in 0..batch.num_rows() {
                let c = CONTIGS.iter().position(|c| *c == contig.value(row)).unwrap();
                let alt_values = alts.value(row);
                let alt = ALTS
                    .iter()
                    .position(|a| *a == alt_values.as_string::<i32>().value(0))
                    .unwrap();
                let key = (c, start.value(row), alt);
                seen.push(key);
                let row_genotypes = genotypes.value(row);
                let row_genotypes = row_genotypes.as_struct();
                let ids: Vec<&str> = row_genotypes.column(0).as_string::<i32>().iter().map(|s| s.unwrap()).collect();
                prop_assert_eq!(&ids, &all_samples.iter().map(String::as_str).collect::<Vec<_>>());
                let phased = row_genotypes.column(1).as_boolean();
                let calls = row_genotypes.column(2).as_list::<i32>();
                let mut g = 0;
                let mut missing = Vec::new();
                let mut ploidy = 0;
                for (samples, records, _) in &inputs {
                    let record = records.iter().find(|r| (r.0, r.1, r.2) == key);
                    for s in 0..*samples {
                        let got: Vec<i32> = calls.value(g).as_primitive::<Int32Type>().values().to_vec();
                        match record {
                            Some(r) => {
                                prop_assert_eq!(&got, &r.3[s]);
                                prop_assert!(phased.value(g));
                                ploidy = ploidy.max(r.3[s].len());
                            }
                            None => {
                                prop_assert!(!phased.value(g));
                                missing.push(got);
                            }
                        }
                        g += 1;
                    }
                }
                for got in missing {
                    prop_assert_eq!(got, vec![-1; ploidy]);
                }
            }
        }
        // Sorted by (contig, start); each input record exactly once.
        let positions: Vec<_> = seen.iter().map(|k| (k.0, k.1)).collect();
        let mut sorted = positions.clone();
        sorted.sort();
        prop_assert_eq!(positions, sorted);
        let mut expected: Vec<(usize, i64, usize)> = inputs
            .iter()
            .flat_map(|(_, records, _)| records.iter().map(|r| (r.0, r.1, r.2)))
            .collect();
        expected.sort();
        expected.dedup();
        let mut got = seen.clone();
        got.sort();
        prop_assert_eq!(got.len(), seen.len());
        prop_assert_eq!(got, expected);
    }
}
