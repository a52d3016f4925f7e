//! Splitting multiallelic variants, judged by its peers: vt's decompositions
//! of Glow's test files (`*_vtdecompose.vcf`, vt's convention for calls of
//! other alleles, which Glow follows), live `bcftools norm -m-` (bcftools'
//! convention) on the same files and the CEU trio, compared through
//! `bcftools query`; and random rows, whose split pieces must re-join.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Int32Builder, Int64Array, ListArray, ListBuilder, RecordBatch,
    StringArray, StringBuilder, StructArray,
};
use arrow::compute::concat_batches;
use arrow::datatypes::{DataType, Field, Fields, Int32Type, Schema};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use genolake_core::Stringency;
use genolake_core::schema::{GENOTYPES, Number, SPLIT_FROM_MULTI_ALLELIC, list_of};
use genolake_ops::split::{FieldNumbers, OLD_MULTIALLELIC, OtherAlleles, Splitter};
use genolake_vcf::header::Version;
use genolake_vcf::{Reader, ReaderOptions, Writer, read_header, read_header_text};
use proptest::prelude::*;

const FIXTURES: &str = "variantsplitternormalizer-test";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn fixture(name: &str) -> PathBuf {
    data(&format!("{FIXTURES}/{name}"))
}

/// The whole file as one batch.
fn read(path: &Path) -> RecordBatch {
    let reader = Reader::builder(path)
        .options(ReaderOptions::default())
        .build()
        .unwrap();
    let schema = reader.schema();
    let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    concat_batches(&schema, &batches).unwrap()
}

/// The file split batch by batch, as a stream would be, then concatenated.
fn split_file(path: &Path, other: OtherAlleles) -> RecordBatch {
    let header = read_header(path, Stringency::Strict).unwrap();
    let reader = Reader::builder(path)
        .options(ReaderOptions {
            batch_size: Some(7),
            ..ReaderOptions::default()
        })
        .build()
        .unwrap();
    let splitter = Splitter::new(&reader.schema(), &FieldNumbers::from_header(&header))
        .unwrap()
        .with_other_alleles(other);
    let batches: Vec<RecordBatch> = reader
        .map(|b| splitter.split(&b.unwrap()).unwrap())
        .collect();
    concat_batches(&splitter.output_schema(), &batches).unwrap()
}

fn render(array: &dyn Array, i: usize) -> String {
    ArrayFormatter::try_new(array, &FormatOptions::default().with_null("null"))
        .unwrap()
        .value(i)
        .to_string()
}

/// Every value of `batch` in the columns `columns`, keyed by row and
/// column, genotype fields by sample too.
fn cells(batch: &RecordBatch, columns: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for name in columns {
        let column = batch.column_by_name(name).unwrap();
        if name == GENOTYPES {
            let list = column.as_list::<i32>();
            let entries = list.values().as_struct();
            for row in 0..batch.num_rows() {
                let offsets = list.value_offsets();
                for (s, e) in (offsets[row] as usize..offsets[row + 1] as usize).enumerate() {
                    for (f, field) in entries.fields().iter().enumerate() {
                        out.insert(
                            format!("row {row} genotypes[{s}].{}", field.name()),
                            render(entries.column(f), e),
                        );
                    }
                }
            }
        } else {
            for row in 0..batch.num_rows() {
                out.insert(format!("row {row} {name}"), render(column, row));
            }
        }
    }
    out
}

/// Splits `input` with Glow's (and vt's) convention and compares every
/// column of vt's decomposition but `splitFromMultiAllelic` (vt has none),
/// value by value; returns the cells that differ, with (ours, vt's).
fn differences_from_vt(input: &str, expected: &str) -> BTreeMap<String, (String, String)> {
    let ours = split_file(&fixture(input), OtherAlleles::Missing);
    let theirs = read(&fixture(expected));
    assert_eq!(ours.num_rows(), theirs.num_rows(), "{input}: row count");
    let columns: Vec<String> = theirs
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| n != SPLIT_FROM_MULTI_ALLELIC)
        .collect();
    assert!(columns.iter().any(|c| c == OLD_MULTIALLELIC), "{expected}");
    let (ours, theirs) = (cells(&ours, &columns), cells(&theirs, &columns));
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>(),
        "{input}"
    );
    ours.into_iter()
        .filter_map(|(k, v)| {
            let t = &theirs[&k];
            (&v != t).then(|| (k, (v, t.clone())))
        })
        .collect()
}

#[test]
fn splits_as_vt_decompose_does() {
    for (input, expected) in [
        (
            "test_left_align_hg38_altered.vcf",
            "test_left_align_hg38_altered_vtdecompose.vcf",
        ),
        (
            "test_left_align_hg38_altered_symbolic.vcf",
            "test_left_align_hg38_altered_symbolic_vtdecompose.vcf",
        ),
        (
            "01_IN_altered_biallelic.vcf",
            "01_IN_altered_biallelic_vtdecompose.vcf",
        ),
        (
            "01_IN_altered_multiallelic.vcf",
            "01_IN_altered_multiallelic_vtdecompose.vcf",
        ),
    ] {
        let differences = differences_from_vt(input, expected);
        assert!(differences.is_empty(), "{input}: {differences:#?}");
    }
}

#[test]
fn biallelic_rows_are_copied_and_flagged() {
    let path = fixture("01_IN_altered_multiallelic.vcf");
    let input = read(&path);
    let ours = split_file(&path, OtherAlleles::Missing);
    let flags = ours
        .column_by_name(SPLIT_FROM_MULTI_ALLELIC)
        .unwrap()
        .as_boolean();
    let old = ours
        .column_by_name(OLD_MULTIALLELIC)
        .unwrap()
        .as_string::<i32>();
    let alts = ours
        .column_by_name("alternateAlleles")
        .unwrap()
        .as_list::<i32>();
    let input_alts = input
        .column_by_name("alternateAlleles")
        .unwrap()
        .as_list::<i32>();
    let expected_rows: usize = (0..input.num_rows())
        .map(|i| input_alts.value_length(i).max(1) as usize)
        .sum();
    assert_eq!(ours.num_rows(), expected_rows);
    for row in 0..ours.num_rows() {
        assert_eq!(alts.value_length(row), 1);
        assert_eq!(flags.value(row), old.is_valid(row), "row {row}");
    }
    assert_eq!(old.value(0), "20:101:A/ACCA/TCGG");
    assert!(!flags.value(4), "20:503 is biallelic");
}

/// Runs bcftools; a missing bcftools fails the test.
fn bcftools(args: &[&str]) -> String {
    let output = Command::new("bcftools")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("bcftools is needed for this test ({e})"));
    assert!(
        output.status.success(),
        "bcftools {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Our split (bcftools' convention for other alleles) and `bcftools norm
/// -m-`'s, printed by `bcftools query` with every INFO and FORMAT key;
/// returns the lines that differ as (ours, theirs), after checking that
/// the line counts agree.
fn differences_from_bcftools(input: &Path) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.vcf");
    let theirs = dir.path().join("theirs.vcf");
    let split = split_file(input, OtherAlleles::Reference);
    let mut writer = Writer::builder(&ours)
        .header(read_header_text(input).unwrap())
        .build(&split.schema())
        .unwrap();
    writer.write(&split).unwrap();
    writer.finish().unwrap();
    bcftools(&[
        "norm",
        "-m-",
        "-o",
        theirs.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    let header = read_header(input, Stringency::Strict).unwrap();
    let mut format = String::from("%CHROM\t%POS\t%ID\t%REF\t%ALT\t%QUAL\t%FILTER");
    for info in &header.infos {
        format.push_str(&format!("\t{}=%INFO/{}", info.id, info.id));
    }
    format.push_str("[\t%SAMPLE");
    for key in &header.formats {
        format.push_str(&format!(":%{}", key.id));
    }
    format.push_str("]\n");
    let ours = bcftools(&["query", "-f", &format, ours.to_str().unwrap()]);
    let theirs = bcftools(&["query", "-f", &format, theirs.to_str().unwrap()]);
    assert_eq!(
        ours.lines().count(),
        theirs.lines().count(),
        "{}",
        input.display()
    );
    assert!(ours.lines().count() > 0);
    ours.lines()
        .zip(theirs.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn splits_as_bcftools_norm_does() {
    for file in [
        fixture("test_left_align_hg38_altered.vcf"),
        fixture("test_left_align_hg38_altered_symbolic.vcf"),
        fixture("01_IN_altered_biallelic.vcf"),
        fixture("01_IN_altered_multiallelic.vcf"),
        data("CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf"),
    ] {
        let differences = differences_from_bcftools(&file);
        assert!(
            differences.is_empty(),
            "{}: {differences:#?}",
            file.display()
        );
    }
}

#[test]
fn the_ceu_trio_has_multiallelic_rows_to_split() {
    let path = data("CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf");
    let input = read(&path);
    let split = split_file(&path, OtherAlleles::Missing);
    let flags = split
        .column_by_name(SPLIT_FROM_MULTI_ALLELIC)
        .unwrap()
        .as_boolean();
    // 12 rows with two alternates each.
    assert_eq!(flags.true_count(), 24);
    assert_eq!(split.num_rows(), input.num_rows() + 12);
}

#[test]
fn columns_of_the_wrong_type_are_errors() {
    let numbers = FieldNumbers::new(Version::V4_3);
    let schema = Schema::new(vec![
        Field::new("contigName", DataType::Utf8, true),
        Field::new("start", DataType::Int64, true),
        Field::new("referenceAllele", DataType::Utf8, true),
    ]);
    let error = Splitter::new(&schema, &numbers).unwrap_err().to_string();
    assert!(error.contains("alternateAlleles"), "{error}");
    let schema = Schema::new(vec![
        Field::new("contigName", DataType::Utf8, true),
        Field::new("start", DataType::Int64, true),
        Field::new("referenceAllele", DataType::Utf8, true),
        Field::new("alternateAlleles", list_of(DataType::Utf8), true),
        Field::new("INFO_AC", DataType::Int32, true),
    ]);
    let error = Splitter::new(&schema, &numbers).unwrap_err().to_string();
    assert!(
        error.contains("INFO_AC") && error.contains("Number=A"),
        "{error}"
    );
}

#[test]
fn null_and_empty_values_pass_through() {
    let mut alts = ListBuilder::new(StringBuilder::new());
    alts.values().append_value("T");
    alts.values().append_value("G");
    alts.append(true);
    alts.append(false);
    alts.append(true);
    let mut ac = ListBuilder::new(Int32Builder::new());
    ac.values().append_slice(&[1, 2]);
    ac.append(true);
    ac.append(false);
    ac.append(true);
    // Row 0 has two samples, the second with null calls and AD; row 1 has
    // null genotypes; row 2 none.
    let mut calls = ListBuilder::new(Int32Builder::new());
    calls.values().append_slice(&[2, 1]);
    calls.append(true);
    calls.append(false);
    let mut ad = ListBuilder::new(Int32Builder::new());
    ad.values().append_slice(&[5, 6, 7]);
    ad.append(true);
    ad.append(false);
    let fields = Fields::from(vec![
        Field::new("calls", list_of(DataType::Int32), true),
        Field::new("alleleDepths", list_of(DataType::Int32), true),
    ]);
    let entries = StructArray::new(
        fields.clone(),
        vec![Arc::new(calls.finish()) as ArrayRef, Arc::new(ad.finish())],
        None,
    );
    let genotypes = ListArray::new(
        Arc::new(Field::new_list_field(DataType::Struct(fields), true)),
        arrow::buffer::OffsetBuffer::new(vec![0, 2, 2, 2].into()),
        Arc::new(entries),
        Some(vec![true, false, true].into()),
    );
    let input = RecordBatch::try_from_iter([
        (
            "contigName",
            Arc::new(StringArray::from(vec![Some("1"), Some("1"), None])) as ArrayRef,
        ),
        ("start", Arc::new(Int64Array::from(vec![0, 5, 9]))),
        (
            "referenceAllele",
            Arc::new(StringArray::from(vec!["A", "C", "G"])),
        ),
        ("alternateAlleles", Arc::new(alts.finish())),
        ("INFO_AC", Arc::new(ac.finish())),
        ("genotypes", Arc::new(genotypes)),
    ])
    .unwrap();
    let splitter = Splitter::new(&input.schema(), &FieldNumbers::new(Version::V4_3)).unwrap();
    let out = splitter.split(&input).unwrap();
    let columns: Vec<String> = out
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let rendered: Vec<String> = (0..out.num_rows())
        .map(|row| {
            columns
                .iter()
                .map(|c| render(out.column_by_name(c).unwrap(), row))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    assert_eq!(
        rendered,
        [
            "1 | 0 | A | [T] | [1] | [{calls: [-1, 1], alleleDepths: [5, 6]}, {calls: null, alleleDepths: null}] | true | 1:1:A/T/G",
            "1 | 0 | A | [G] | [2] | [{calls: [1, -1], alleleDepths: [5, 7]}, {calls: null, alleleDepths: null}] | true | 1:1:A/T/G",
            "1 | 5 | C | null | null | null | false | null",
            "null | 9 | G | [] | [] | [] | false | null",
        ]
    );
}

// Random rows: lists of the right length for their Number, or (sometimes)
// of a wrong one.

#[derive(Debug, Clone)]
struct Sample {
    calls: Vec<i32>,
    ad: Vec<i32>,
    pl: Vec<i32>,
}

#[derive(Debug, Clone)]
struct Row {
    alts: usize,
    ac: Vec<i32>,
    rr: Vec<i32>,
    samples: Vec<Sample>,
}

/// All genotypes of `ploidy` over `alleles` alleles, in VCF order (sorted
/// tuples ordered by their last allele, then the one before, ...).
fn vcf_genotypes(alleles: usize, ploidy: usize) -> Vec<Vec<usize>> {
    let mut all: Vec<Vec<usize>> = vec![vec![]];
    for _ in 0..ploidy {
        all = all
            .into_iter()
            .flat_map(|g| {
                let from = g.last().copied().unwrap_or(0);
                (from..alleles).map(move |a| {
                    let mut g = g.clone();
                    g.push(a);
                    g
                })
            })
            .collect();
    }
    all.sort_by(|a, b| a.iter().rev().cmp(b.iter().rev()));
    all
}

fn values(len: usize) -> impl Strategy<Value = Vec<i32>> {
    prop::collection::vec(0..1000i32, len)
}

/// A list of `len` values, or now and then of another length.
fn maybe_wrong(len: usize) -> impl Strategy<Value = Vec<i32>> {
    prop_oneof![
        8 => values(len),
        1 => (0..len + 3).prop_flat_map(values),
    ]
}

fn sample(alts: usize) -> impl Strategy<Value = Sample> {
    (1..=3usize).prop_flat_map(move |ploidy| {
        let genotypes = vcf_genotypes(alts + 1, ploidy).len();
        (
            prop::collection::vec(-1..=alts as i32, ploidy),
            maybe_wrong(alts + 1),
            maybe_wrong(genotypes),
        )
            .prop_map(|(calls, ad, pl)| Sample { calls, ad, pl })
    })
}

fn row() -> impl Strategy<Value = Row> {
    (0..=5usize).prop_flat_map(|alts| {
        (
            maybe_wrong(alts),
            maybe_wrong(alts + 1),
            prop::collection::vec(sample(alts), 0..4),
        )
            .prop_map(move |(ac, rr, samples)| Row {
                alts,
                ac,
                rr,
                samples,
            })
    })
}

fn int_lists<'a>(lists: impl Iterator<Item = &'a Vec<i32>>) -> ListArray {
    let mut builder = ListBuilder::new(Int32Builder::new());
    for list in lists {
        builder.values().append_slice(list);
        builder.append(true);
    }
    builder.finish()
}

fn batch(rows: &[Row]) -> RecordBatch {
    let mut alts = ListBuilder::new(StringBuilder::new());
    for row in rows {
        for a in 0..row.alts {
            alts.values().append_value(format!("A{a}"));
        }
        alts.append(true);
    }
    let samples: Vec<&Sample> = rows.iter().flat_map(|r| &r.samples).collect();
    let ids: StringArray = (0..samples.len()).map(|i| Some(format!("s{i}"))).collect();
    let fields = Fields::from(vec![
        Field::new("sampleId", DataType::Utf8, true),
        Field::new("calls", list_of(DataType::Int32), true),
        Field::new("alleleDepths", list_of(DataType::Int32), true),
        Field::new("phredLikelihoods", list_of(DataType::Int32), true),
    ]);
    let entries = StructArray::new(
        fields.clone(),
        vec![
            Arc::new(ids) as ArrayRef,
            Arc::new(int_lists(samples.iter().map(|s| &s.calls))),
            Arc::new(int_lists(samples.iter().map(|s| &s.ad))),
            Arc::new(int_lists(samples.iter().map(|s| &s.pl))),
        ],
        None,
    );
    let mut offsets = vec![0i32];
    for row in rows {
        offsets.push(offsets.last().unwrap() + row.samples.len() as i32);
    }
    let item = Arc::new(Field::new_list_field(DataType::Struct(fields), true));
    let genotypes = ListArray::new(
        item,
        arrow::buffer::OffsetBuffer::new(offsets.into()),
        Arc::new(entries),
        None,
    );
    let n = rows.len();
    RecordBatch::try_from_iter([
        (
            "contigName",
            Arc::new(StringArray::from(vec!["1"; n])) as ArrayRef,
        ),
        ("start", Arc::new(Int64Array::from(vec![10; n]))),
        ("referenceAllele", Arc::new(StringArray::from(vec!["R"; n]))),
        ("alternateAlleles", Arc::new(alts.finish())),
        ("INFO_AC", Arc::new(int_lists(rows.iter().map(|r| &r.ac)))),
        ("INFO_RR", Arc::new(int_lists(rows.iter().map(|r| &r.rr)))),
        ("genotypes", Arc::new(genotypes)),
    ])
    .unwrap()
}

fn list_value(array: &ArrayRef, i: usize) -> Option<Vec<i32>> {
    let list = array.as_list::<i32>();
    list.is_valid(i)
        .then(|| list.value(i).as_primitive::<Int32Type>().values().to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn split_rows_rejoin_to_the_original(
        rows in prop::collection::vec(row(), 1..6),
        reference in any::<bool>(),
    ) {
        let input = batch(&rows);
        let mut numbers = FieldNumbers::new(Version::V4_3);
        numbers.set_info("AC", Number::A);
        numbers.set_info("RR", Number::R);
        let other = if reference { OtherAlleles::Reference } else { OtherAlleles::Missing };
        let splitter = Splitter::new(&input.schema(), &numbers).unwrap().with_other_alleles(other);
        let out = splitter.split(&input).unwrap();
        prop_assert_eq!(out.schema(), splitter.output_schema());
        let expected_rows: usize = rows.iter().map(|r| r.alts.max(1)).sum();
        prop_assert_eq!(out.num_rows(), expected_rows);

        let ac = out.column_by_name("INFO_AC").unwrap();
        let rr = out.column_by_name("INFO_RR").unwrap();
        let flags = out.column_by_name(SPLIT_FROM_MULTI_ALLELIC).unwrap().as_boolean();
        let genotypes = out.column_by_name("genotypes").unwrap().as_list::<i32>();
        let mut o = 0;
        for row in &rows {
            if row.alts < 2 {
                // Copied as is.
                prop_assert!(!flags.value(o));
                prop_assert_eq!(list_value(ac, o).unwrap(), row.ac.clone());
                prop_assert_eq!(list_value(rr, o).unwrap(), row.rr.clone());
                o += 1;
                continue;
            }
            let pieces = o..o + row.alts;
            prop_assert!(pieces.clone().all(|p| flags.value(p)));
            // Number=A: the pieces joined are the list, or each piece is
            // the whole list when its length was wrong (Glow keeps it).
            let ac_pieces: Vec<Vec<i32>> = pieces.clone().map(|p| list_value(ac, p).unwrap()).collect();
            if row.ac.len() == row.alts {
                prop_assert_eq!(ac_pieces.concat(), row.ac.clone());
            } else {
                prop_assert!(ac_pieces.iter().all(|p| p == &row.ac));
            }
            // Number=R: the same reference value, then the alternates'.
            let rr_pieces: Vec<Vec<i32>> = pieces.clone().map(|p| list_value(rr, p).unwrap()).collect();
            if row.rr.len() == row.alts + 1 {
                let mut joined = vec![rr_pieces[0][0]];
                for piece in &rr_pieces {
                    prop_assert_eq!(piece.len(), 2);
                    prop_assert_eq!(piece[0], row.rr[0]);
                    joined.push(piece[1]);
                }
                prop_assert_eq!(joined, row.rr.clone());
            } else {
                prop_assert!(rr_pieces.iter().all(|p| p == &row.rr));
            }
            for (k, p) in pieces.enumerate() {
                let k = k + 1;
                let entries = genotypes.value(p);
                let entries = entries.as_struct();
                prop_assert_eq!(entries.len(), row.samples.len());
                let calls = entries.column_by_name("calls").unwrap();
                let ad = entries.column_by_name("alleleDepths").unwrap();
                let pl = entries.column_by_name("phredLikelihoods").unwrap();
                for (s, sample) in row.samples.iter().enumerate() {
                    let recoded: Vec<i32> = sample.calls.iter().map(|&c| match c {
                        c if c < 0 => -1,
                        0 => 0,
                        c if c as usize == k => 1,
                        _ if reference => 0,
                        _ => -1,
                    }).collect();
                    prop_assert_eq!(list_value(calls, s).unwrap(), recoded);
                    let expected_ad = (sample.ad.len() == row.alts + 1)
                        .then(|| vec![sample.ad[0], sample.ad[k]]);
                    prop_assert_eq!(list_value(ad, s), expected_ad);
                    // The genotypes of only ref and alt k, by enumeration.
                    let expected_pl: Vec<i32> = vcf_genotypes(row.alts + 1, sample.calls.len())
                        .iter()
                        .enumerate()
                        .filter(|(_, g)| g.iter().all(|&a| a == 0 || a == k))
                        .filter_map(|(i, _)| sample.pl.get(i).copied())
                        .collect();
                    prop_assert_eq!(list_value(pl, s).unwrap(), expected_pl);
                }
            }
            o += row.alts;
        }
    }
}
