//! The writers, judged by bcftools and by the readers: every VCF of Glow's
//! test data read and written again, as VCF (plain with its own header,
//! BGZF with an inferred header and an index) and as BCF (with its own
//! header, and inferred with a `.csi`), prints the same records in
//! `bcftools view` and the same values in `bcftools query`; our BCF reads
//! back as the batches the VCF gave; our indexes find what bcftools'
//! find; random tables survive writer → reader unchanged.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, ListBuilder,
    RecordBatch, StringBuilder, StructBuilder, UInt32Array,
};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use common::{bcftools, glow_data, query_format};
use genolake_core::Stringency;
use genolake_core::schema::{genotypes_field, list_of};
use genolake_vcf::header::Contig;
use genolake_vcf::writer::{Compression, IndexFormat};
use genolake_vcf::{Reader, ReaderOptions, Writer, bcf, read_header_text};
use proptest::prelude::*;

/// Runs a peer program (tabix, bcftools) and returns its standard output;
/// `None` when GENOLAKE_SKIP_PEERS is set, a panic when it is missing.
fn peer(program: &str, args: &[&str]) -> Option<String> {
    if std::env::var_os("GENOLAKE_SKIP_PEERS").is_some() {
        return None;
    }
    let output = Command::new(program).args(args).output().unwrap_or_else(|e| {
        panic!(
            "{program} is needed for this test ({e}; apt-get install bcftools tabix), or set GENOLAKE_SKIP_PEERS=1"
        )
    });
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).expect("peers print UTF-8"))
}

/// A data line with INFO keys sorted and FORMAT keys sorted (GT first),
/// sample values moved with their keys and trailing missing values dropped:
/// Arrow columns keep the header's order of keys, not each record's, so the
/// writer writes every record in the header's order (which bcftools keeps).
fn normalize(line: &str) -> String {
    let mut fields: Vec<String> = line.split('\t').map(String::from).collect();
    if fields.len() > 7 {
        let mut info: Vec<&str> = fields[7].split(';').collect();
        info.sort_unstable();
        fields[7] = info.join(";");
    }
    if fields.len() > 9 {
        let keys: Vec<String> = fields[8].split(':').map(String::from).collect();
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by_key(|&i| (keys[i] != "GT", keys[i].clone()));
        fields[8] = order
            .iter()
            .map(|&i| keys[i].as_str())
            .collect::<Vec<_>>()
            .join(":");
        let samples: Vec<Vec<&str>> = fields[9..]
            .iter()
            .map(|sample| {
                let values: Vec<&str> = sample.split(':').collect();
                order
                    .iter()
                    .map(|&i| values.get(i).copied().unwrap_or("."))
                    .collect()
            })
            .collect();
        // A key no sample has a value for is not in the table (its column
        // is null in the row), so the writer leaves it out of the row.
        let kept: Vec<usize> = (0..order.len())
            .filter(|&k| samples.iter().any(|s| s[k] != "."))
            .collect();
        let keys: Vec<&str> = fields[8].split(':').collect();
        let format = kept.iter().map(|&k| keys[k]).collect::<Vec<_>>().join(":");
        let samples: Vec<String> = samples
            .iter()
            .map(|s| {
                let mut values: Vec<&str> = kept.iter().map(|&k| s[k]).collect();
                while values.len() > 1 && values.last() == Some(&".") {
                    values.pop();
                }
                values.join(":")
            })
            .collect();
        fields[8] = if format.is_empty() {
            ".".into()
        } else {
            format
        };
        for (field, sample) in fields[9..].iter_mut().zip(samples) {
            *field = if sample.is_empty() {
                ".".into()
            } else {
                sample
            };
        }
    }
    fields.join("\t")
}

fn view_records(path: &Path) -> Option<Vec<String>> {
    let text = bcftools(&["view", "-H", path.to_str()?])?;
    Some(text.lines().map(normalize).collect())
}

/// The VCF or the BCF writer's builder, for one rewrite helper.
enum Builder {
    Vcf(genolake_vcf::WriterBuilder),
    Bcf(bcf::WriterBuilder),
}

impl From<genolake_vcf::WriterBuilder> for Builder {
    fn from(b: genolake_vcf::WriterBuilder) -> Self {
        Builder::Vcf(b)
    }
}

impl From<bcf::WriterBuilder> for Builder {
    fn from(b: bcf::WriterBuilder) -> Self {
        Builder::Bcf(b)
    }
}

enum AnyWriter {
    Vcf(Box<Writer>),
    Bcf(Box<bcf::Writer>),
}

impl AnyWriter {
    fn open(builder: Builder, schema: &Schema) -> genolake_vcf::Result<Self> {
        Ok(match builder {
            Builder::Vcf(b) => AnyWriter::Vcf(Box::new(b.build(schema)?)),
            Builder::Bcf(b) => AnyWriter::Bcf(Box::new(b.build(schema)?)),
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> genolake_vcf::Result<()> {
        match self {
            AnyWriter::Vcf(w) => w.write(batch),
            AnyWriter::Bcf(w) => w.write(batch),
        }
    }

    fn finish(self) -> genolake_vcf::Result<genolake_vcf::WriteSummary> {
        match self {
            AnyWriter::Vcf(w) => (*w).finish(),
            AnyWriter::Bcf(w) => (*w).finish(),
        }
    }
}

/// Reads `source` and writes it to `out` with `builder`'s options.
fn rewrite(
    source: &Path,
    stringency: Stringency,
    builder: impl Into<Builder>,
) -> genolake_vcf::WriteSummary {
    let options = ReaderOptions {
        stringency,
        ..Default::default()
    };
    rewrite_with(source, options, builder)
}

fn rewrite_with(
    source: &Path,
    options: ReaderOptions,
    builder: impl Into<Builder>,
) -> genolake_vcf::WriteSummary {
    let reader = Reader::builder(source)
        .options(options)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut writer =
        AnyWriter::open(builder.into(), &reader.schema()).unwrap_or_else(|e| panic!("{e}"));
    for batch in reader {
        writer
            .write(&batch.unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    writer.finish().unwrap_or_else(|e| panic!("{e}"))
}

use common::GLOW_VCFS as FILES;

#[test]
fn glow_vcfs_written_again_print_the_same_records_in_bcftools() {
    let dir = tempfile::tempdir().unwrap();
    for (file, stringency) in FILES {
        let source = glow_data().join(file);
        let header = genolake_vcf::read_header(&source, *stringency).unwrap();
        let format = query_format(&header);
        // As Glow writes with `vcfHeader` taken from the source, in plain
        // text; and with a header inferred from the columns, in BGZF with
        // an index.
        let plain = dir.path().join("copy.vcf");
        rewrite(
            &source,
            *stringency,
            Writer::builder(&plain).header(read_header_text(&source).unwrap()),
        );
        let bgzf = dir.path().join("copy.vcf.gz");
        let summary = rewrite(
            &source,
            *stringency,
            Writer::builder(&bgzf).index(IndexFormat::Tabix).threads(2),
        );
        assert!(summary.index.as_ref().is_some_and(|i| i.is_file()));
        // INFO as one map (`flattenInfoFields=false`), with the source's
        // header, as Glow writes such a table.
        let attributes = dir.path().join("attributes.vcf");
        rewrite_with(
            &source,
            ReaderOptions {
                stringency: *stringency,
                flatten_info_fields: false,
                ..Default::default()
            },
            Writer::builder(&attributes).header(read_header_text(&source).unwrap()),
        );
        // The supplied header is written as given, then lines for what it
        // does not declare, then the same #CHROM line.
        let given = read_header_text(&source).unwrap();
        let written = read_header_text(&plain).unwrap();
        let (given_meta, given_chrom) = given.trim_end().rsplit_once('\n').unwrap();
        assert!(written.starts_with(given_meta), "{file}:\n{written}");
        assert_eq!(
            written.trim_end().rsplit_once('\n').unwrap().1,
            given_chrom,
            "{file}"
        );
        let Some(original) = view_records(&source) else {
            return;
        };
        assert!(!original.is_empty(), "{file} has records");
        for copy in [&plain, &bgzf, &attributes] {
            let written = view_records(copy).unwrap();
            assert_eq!(written.len(), original.len(), "{file}: record count");
            for (n, (a, b)) in original.iter().zip(&written).enumerate() {
                assert_eq!(a, b, "{file} record {n} ({})", copy.display());
            }
            let query =
                |path: &Path| bcftools(&["query", "-f", &format, path.to_str().unwrap()]).unwrap();
            assert_eq!(
                query(&source),
                query(copy),
                "{file}: bcftools query -f '{format}' ({})",
                copy.display()
            );
        }
    }
}

fn regions_of(path: &Path, regions: &[&str]) -> Option<Vec<String>> {
    regions
        .iter()
        .map(|r| bcftools(&["view", "-H", "-r", r, path.to_str().unwrap()]))
        .collect()
}

#[test]
fn our_indexes_find_the_records_that_bcftools_indexes_find() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[&str])] = &[
        (
            "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf",
            &[
                "20",
                "21",
                "20:1-10000000",
                "20:10000000-10001000",
                "21:9411000-9412000",
                "21:48000000-49000000",
                "22",
            ],
        ),
        (
            "tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz",
            &["20:10000000-10000600", "20:10000700-10002000", "20"],
        ),
        // Reference blocks: a region inside a block's END finds the block.
        (
            "NA12878_21_10002403.g.vcf",
            &[
                "21:10002396-10002397",
                "21:10002401",
                "21:10002403-10002405",
            ],
        ),
    ];
    for (file, regions) in cases {
        let source = glow_data().join(file);
        for format in [IndexFormat::Tabix, IndexFormat::Csi] {
            let ours = dir.path().join("ours.vcf.gz");
            let summary = rewrite(
                &source,
                Stringency::Strict,
                Writer::builder(&ours).index(format).threads(1),
            );
            let index = summary.index.unwrap();
            assert_eq!(
                index,
                dir.path()
                    .join(format!("ours.vcf.gz.{}", format.extension()))
            );
            // bcftools' own index of the same bytes (a new name each time:
            // bcftools prefers a .csi to a .tbi beside a file).
            let theirs = dir.path().join(format!(
                "theirs.{}.{}.vcf.gz",
                file.len(),
                format.extension()
            ));
            std::fs::copy(&ours, &theirs).unwrap();
            let theirs_str = theirs.to_str().unwrap();
            let built = match format {
                IndexFormat::Tabix => peer("tabix", &["-f", "-p", "vcf", theirs_str]),
                IndexFormat::Csi => peer("bcftools", &["index", "-f", "-c", theirs_str]),
            };
            if built.is_none() {
                return;
            }
            let a = regions_of(&ours, regions).unwrap();
            let b = regions_of(&theirs, regions).unwrap();
            assert!(
                a.iter().any(|r| !r.is_empty()),
                "{file}: regions hit records"
            );
            assert_eq!(a, b, "{file} {format:?}");
            // Both tools index our output as it is.
            let copy = dir.path().join("copy.vcf.gz");
            std::fs::copy(&ours, &copy).unwrap();
            peer("tabix", &["-f", "-p", "vcf", copy.to_str().unwrap()]);
            peer("bcftools", &["index", "-f", copy.to_str().unwrap()]);
        }
    }
}

/// The first batch of VCFv4.3.vcf (5 records, 3 samples).
fn small_batch() -> RecordBatch {
    let reader =
        Reader::open(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/VCFv4.3.vcf")).unwrap();
    reader.into_iter().next().unwrap().unwrap()
}

fn take(batch: &RecordBatch, rows: &[u32]) -> RecordBatch {
    arrow::compute::take_record_batch(batch, &UInt32Array::from(rows.to_vec())).unwrap()
}

#[test]
fn an_index_needs_sorted_records_and_a_failed_write_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.vcf.gz");
    let batch = small_batch();
    let mut writer = Writer::builder(&path)
        .index(IndexFormat::Csi)
        .build(&batch.schema())
        .unwrap();
    // 20:1110696 after 20:1230237.
    let err = writer
        .write(&take(&batch, &[0, 1, 3, 2, 4]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x.vcf.gz: record 4")
            && err.contains("20:1110696 comes after 20:1230237")
            && err.contains("sorted"),
        "{err}"
    );
    assert!(dir.path().join("x.vcf.gz.partial").exists());
    drop(writer);
    let left: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // Without an index, any order goes.
    let mut writer = Writer::create(dir.path().join("y.vcf"), &batch.schema()).unwrap();
    writer.write(&take(&batch, &[4, 0])).unwrap();
    assert_eq!(writer.finish().unwrap().records, 2);
}

#[test]
fn samples_are_picked_and_reordered_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let batch = small_batch();
    let path = dir.path().join("two.vcf");
    let mut writer = Writer::builder(&path)
        .samples(["NA00003", "NA00001"])
        .build(&batch.schema())
        .unwrap();
    writer.write(&batch).unwrap();
    writer.finish().unwrap();
    let header = genolake_vcf::read_header(&path, Stringency::Strict).unwrap();
    assert_eq!(header.samples, ["NA00003", "NA00001"]);
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/VCFv4.3.vcf");
    let format = "[%SAMPLE=%GT:%GQ:%DP:%HQ ]\n";
    if let (Some(original), Some(copy)) = (
        bcftools(&[
            "query",
            "-s",
            "NA00003,NA00001",
            "-f",
            format,
            source.to_str().unwrap(),
        ]),
        bcftools(&["query", "-f", format, path.to_str().unwrap()]),
    ) {
        // bcftools lists the picked samples in the order asked for, too.
        assert!(original.starts_with("NA00003=1/1:43:5:. NA00001=0|0:48:1:51,51 "));
        assert_eq!(copy, original);
    }

    let err = match Writer::builder(dir.path().join("bad.vcf"))
        .samples(["NA00002", "NOBODY"])
        .build(&batch.schema())
        .unwrap()
        .write(&batch)
    {
        Err(e) => e.to_string(),
        Ok(()) => panic!("an unknown sample is an error"),
    };
    assert!(
        err.contains("\"NOBODY\" is not among the samples")
            && err.contains("NA00001, NA00002, NA00003"),
        "{err}"
    );
}

#[test]
fn columns_the_writer_cannot_write_are_named() {
    let batch = small_batch();
    let mut fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| (**f).clone())
        .collect();
    fields.push(Field::new(
        "INFO_bad",
        DataType::Struct(Fields::from(vec![Field::new("x", DataType::Int32, true)])),
        true,
    ));
    let dir = tempfile::tempdir().unwrap();
    let err = Writer::create(dir.path().join("x.vcf"), &Schema::new(fields))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("column INFO_bad has type Struct"), "{err}");

    // A genotype list as long as another sample list than the header's.
    let path = dir.path().join("y.vcf");
    let header =
        read_header_text(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/VCFv4.3.vcf"))
            .unwrap()
            .replace("\tNA00003", "");
    let options = ReaderOptions {
        include_sample_ids: false,
        ..Default::default()
    };
    let reader =
        Reader::builder(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/VCFv4.3.vcf"))
            .options(options)
            .build()
            .unwrap();
    let mut writer = Writer::builder(&path)
        .header(header)
        .build(&reader.schema())
        .unwrap();
    let err = writer
        .write(&reader.into_iter().next().unwrap().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("y.vcf: record 1")
            && err.contains("20:14370")
            && err.contains("the row has 3 genotypes, but the header names 2 samples"),
        "{err}"
    );
}

#[test]
fn contigs_given_to_the_builder_are_declared_and_plain_output_is_text() {
    let batch = small_batch();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.txt");
    let mut writer = Writer::builder(&path)
        .compression(Compression::None)
        .contigs([Contig {
            id: "20".into(),
            length: Some(62435964),
        }])
        .build(&batch.schema())
        .unwrap();
    writer.write(&batch).unwrap();
    let summary = writer.finish().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(summary.bytes, text.len() as u64);
    assert!(
        text.contains("\n##contig=<ID=20,length=62435964>\n"),
        "{text}"
    );
    assert!(text.starts_with("##fileformat=VCFv4.3\n"));
}

// A random table in Glow's layout, written and read back.

#[derive(Debug, Clone)]
struct Row {
    contig: &'static str,
    start: i64,
    names: Vec<String>,
    reference: String,
    alternates: Vec<String>,
    qual: Option<f64>,
    pass: bool,
    int: Option<i32>,
    float: Option<f64>,
    text: Option<String>,
    flag: bool,
    ints: Option<Vec<Option<i32>>>,
    floats: Option<Vec<Option<f64>>>,
    genotypes: Vec<Genotype>,
}

#[derive(Debug, Clone)]
struct Genotype {
    phased: bool,
    calls: Vec<i32>,
    depth: Option<i32>,
    value: Option<f64>,
    values: Option<Vec<Option<i32>>>,
    label: Option<String>,
}

const SAMPLES: [&str; 3] = ["S1", "S2", "S3"];

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => any::<f64>().prop_filter("finite", |v| v.is_finite()),
        4 => any::<f32>().prop_filter("finite", |v| v.is_finite()).prop_map(f64::from),
        2 => (-1000i32..1000).prop_map(|v| v as f64 / 8.0),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(f64::NAN),
    ]
}

/// Lists of 1–3 items, not `[null]`: VCF writes a list of one missing item
/// as `.`, the missing list.
fn items<T: std::fmt::Debug + Clone>(
    item: impl Strategy<Value = T>,
) -> impl Strategy<Value = Vec<Option<T>>> {
    proptest::collection::vec(proptest::option::of(item), 1..4)
        .prop_filter("not [null]", |v| !(v.len() == 1 && v[0].is_none()))
}

/// Integers a VCF 4.3 Integer holds: 32 bits but BCF's eight reserved values.
fn int() -> impl Strategy<Value = i32> {
    prop_oneof![(-2_147_483_640i32..=i32::MAX), (-5i32..100)]
}

fn genotype(alleles: i32) -> impl Strategy<Value = Genotype> {
    (
        prop_oneof![
            proptest::collection::vec(-1..alleles, 2),
            proptest::collection::vec(-1..alleles, 1),
            proptest::collection::vec(-1..alleles, 3),
        ],
        any::<bool>(),
        proptest::option::of(0i32..10_000),
        proptest::option::of(float()),
        proptest::option::of(items(int())),
        proptest::option::of("[A-Za-z0-9_]{1,6}"),
    )
        .prop_map(|(calls, phased, depth, value, values, label)| Genotype {
            // Haploid calls are never phased in Glow's reading of GT.
            phased: phased && calls.len() > 1,
            calls,
            depth,
            value,
            values,
            label,
        })
}

fn row() -> impl Strategy<Value = Row> {
    (
        prop_oneof![Just("chr1"), Just("chr2"), Just("X")],
        0i64..100_000_000,
        proptest::collection::btree_set("rs[0-9]{1,6}", 0..3),
        "[ACGT]{1,4}",
        proptest::collection::vec("[ACGT]{1,4}|<DEL>|\\*", 0..3),
        proptest::option::of(prop_oneof![0.0f64..1e6, Just(f64::INFINITY)]),
        any::<bool>(),
        (
            proptest::option::of(int()),
            proptest::option::of(float()),
            proptest::option::of("[A-Za-z0-9_|/-]{1,8}"),
            any::<bool>(),
            proptest::option::of(items(int())),
            proptest::option::of(items(float())),
        ),
    )
        .prop_flat_map(
            |(contig, start, names, reference, alternates, qual, pass, info)| {
                let alleles = alternates.len() as i32 + 1;
                proptest::collection::vec(genotype(alleles), SAMPLES.len()).prop_map(
                    move |genotypes| {
                        let (int, float, text, flag, ints, floats) = info.clone();
                        Row {
                            contig,
                            start,
                            names: names.iter().cloned().collect(),
                            reference: reference.clone(),
                            alternates: alternates.clone(),
                            qual,
                            pass,
                            int,
                            float,
                            text,
                            flag,
                            ints,
                            floats,
                            genotypes,
                        }
                    },
                )
            },
        )
}

fn string_list(items: impl IntoIterator<Item = Vec<String>>) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for list in items {
        for s in list {
            b.values().append_value(s);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

fn int_list(
    items: impl IntoIterator<Item = Option<Vec<Option<i32>>>>,
) -> ListBuilder<Int32Builder> {
    let mut b = ListBuilder::new(Int32Builder::new());
    for list in items {
        match list {
            Some(list) => {
                b.values().extend(list);
                b.append(true);
            }
            None => b.append(false),
        }
    }
    b
}

/// The rows as a batch in the layout the reader gives a file whose header
/// the writer inferred from this batch.
fn batch_of(rows: &[Row]) -> RecordBatch {
    let genotype_fields = vec![
        Field::new("sampleId", DataType::Utf8, true),
        Field::new("phased", DataType::Boolean, true),
        Field::new("calls", list_of(DataType::Int32), true),
        Field::new("depth", DataType::Int32, true),
        Field::new("XF", DataType::Float64, true),
        Field::new("XI", list_of(DataType::Int32), true),
        Field::new("XS", DataType::Utf8, true),
    ];
    let mut genotypes = ListBuilder::new(StructBuilder::from_fields(
        genotype_fields.clone(),
        rows.len() * SAMPLES.len(),
    ));
    for row in rows {
        let s = genotypes.values();
        for (g, id) in row.genotypes.iter().zip(SAMPLES) {
            s.field_builder::<StringBuilder>(0)
                .unwrap()
                .append_value(id);
            s.field_builder::<BooleanBuilder>(1)
                .unwrap()
                .append_value(g.phased);
            let calls = s.field_builder::<ListBuilder<Box<dyn arrow::array::ArrayBuilder>>>(2);
            // StructBuilder::from_fields makes boxed list builders.
            let calls = calls.unwrap();
            calls
                .values()
                .as_any_mut()
                .downcast_mut::<Int32Builder>()
                .unwrap()
                .append_slice(&g.calls);
            calls.append(true);
            s.field_builder::<Int32Builder>(3)
                .unwrap()
                .append_option(g.depth);
            s.field_builder::<Float64Builder>(4)
                .unwrap()
                .append_option(g.value);
            let xi = s
                .field_builder::<ListBuilder<Box<dyn arrow::array::ArrayBuilder>>>(5)
                .unwrap();
            match &g.values {
                Some(values) => {
                    let items = xi
                        .values()
                        .as_any_mut()
                        .downcast_mut::<Int32Builder>()
                        .unwrap();
                    for v in values {
                        items.append_option(*v);
                    }
                    xi.append(true);
                }
                None => xi.append(false),
            }
            s.field_builder::<StringBuilder>(6)
                .unwrap()
                .append_option(g.label.as_deref());
            s.append(true);
        }
        genotypes.append(true);
    }
    let genotypes = genotypes.finish();
    let mut fields = genolake_core::schema::site_fields();
    fields.extend([
        Field::new("qual", DataType::Float64, true),
        Field::new("filters", list_of(DataType::Utf8), true),
        Field::new("splitFromMultiAllelic", DataType::Boolean, true),
        Field::new("INFO_I", DataType::Int32, true),
        Field::new("INFO_F", DataType::Float64, true),
        Field::new("INFO_S", DataType::Utf8, true),
        Field::new("INFO_B", DataType::Boolean, true),
        Field::new("INFO_IL", list_of(DataType::Int32), true),
        Field::new("INFO_FL", list_of(DataType::Float64), true),
        genotypes_field(genotype_fields),
    ]);
    let mut floats = ListBuilder::new(Float64Builder::new());
    for row in rows {
        match &row.floats {
            Some(list) => {
                floats.values().extend(list.iter().copied());
                floats.append(true);
            }
            None => floats.append(false),
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(arrow::array::StringArray::from_iter_values(
            rows.iter().map(|r| r.contig),
        )),
        Arc::new(Int64Builder::new().tap(rows.iter().map(|r| r.start))),
        Arc::new(Int64Builder::new().tap(rows.iter().map(|r| r.start + r.reference.len() as i64))),
        string_list(rows.iter().map(|r| r.names.clone())),
        Arc::new(arrow::array::StringArray::from_iter_values(
            rows.iter().map(|r| r.reference.clone()),
        )),
        string_list(rows.iter().map(|r| r.alternates.clone())),
        Arc::new(arrow::array::Float64Array::from_iter(
            rows.iter().map(|r| r.qual),
        )),
        string_list(rows.iter().map(|r| {
            if r.pass {
                vec!["PASS".to_string()]
            } else {
                vec![]
            }
        })),
        Arc::new(arrow::array::BooleanArray::from(vec![false; rows.len()])),
        Arc::new(arrow::array::Int32Array::from_iter(
            rows.iter().map(|r| r.int),
        )),
        Arc::new(arrow::array::Float64Array::from_iter(
            rows.iter().map(|r| r.float),
        )),
        Arc::new(arrow::array::StringArray::from_iter(
            rows.iter().map(|r| r.text.clone()),
        )),
        Arc::new(arrow::array::BooleanArray::from_iter(
            rows.iter().map(|r| Some(r.flag)),
        )),
        Arc::new(int_list(rows.iter().map(|r| r.ints.clone())).finish()),
        Arc::new(floats.finish()),
        Arc::new(genotypes),
    ];
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

trait Tap {
    fn tap(self, values: impl Iterator<Item = i64>) -> arrow::array::Int64Array;
}

impl Tap for Int64Builder {
    fn tap(mut self, values: impl Iterator<Item = i64>) -> arrow::array::Int64Array {
        for v in values {
            self.append_value(v);
        }
        self.finish()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_tables_survive_the_writer_and_the_reader(
        rows in proptest::collection::vec(row(), 1..20),
        bgzf in any::<bool>(),
    ) {
        // The reader wants a contig's records together (as VCF does).
        let mut rows = rows;
        rows.sort_by_key(|r| (r.contig, r.start));
        let batch = batch_of(&rows);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(if bgzf { "r.vcf.gz" } else { "r.vcf" });
        let mut writer = Writer::builder(&path).threads(1).build(&batch.schema()).unwrap();
        // In two pieces: the second batch continues the first.
        let half = rows.len() / 2;
        writer.write(&batch.slice(0, half)).unwrap();
        writer.write(&batch.slice(half, rows.len() - half)).unwrap();
        writer.finish().unwrap();
        let reader = Reader::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let schema = reader.schema();
        let read: Vec<RecordBatch> = reader
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}\n{}", std::fs::read_to_string(&path).unwrap_or_default()));
        let read = arrow::compute::concat_batches(&schema, &read).unwrap();
        let names = |s: &Schema| s.fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
        prop_assert_eq!(names(&schema), names(&batch.schema()));
        for field in batch.schema().fields() {
            let ours = batch.column_by_name(field.name()).unwrap();
            let back = read.column_by_name(field.name()).unwrap();
            prop_assert_eq!(back.data_type(), ours.data_type(), "{}", field.name());
            prop_assert!(
                back.to_data() == ours.to_data(),
                "{}:\n{:?}\nread back as\n{:?}",
                field.name(),
                ours,
                back
            );
        }
    }
}

/// Sites only: the three columns a record needs.
fn sites(contig: &str, starts: &[i64]) -> RecordBatch {
    let schema = Schema::new(vec![
        Field::new("contigName", DataType::Utf8, true),
        Field::new("start", DataType::Int64, true),
        Field::new("referenceAllele", DataType::Utf8, true),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(arrow::array::StringArray::from(vec![contig; starts.len()])),
            Arc::new(arrow::array::Int64Array::from(starts.to_vec())),
            Arc::new(arrow::array::StringArray::from(vec!["A"; starts.len()])),
        ],
    )
    .unwrap()
}

#[test]
fn positions_past_2_29_need_a_csi_index() {
    let dir = tempfile::tempdir().unwrap();
    let batch = sites("chr1", &[10, 600_000_000, 600_000_100]);
    let path = dir.path().join("long.vcf.gz");
    let mut writer = Writer::builder(&path)
        .index(IndexFormat::Tabix)
        .build(&batch.schema())
        .unwrap();
    let err = writer.write(&batch).unwrap_err().to_string();
    assert!(
        err.contains("record 2") && err.contains("tabix") && err.contains("IndexFormat::Csi"),
        "{err}"
    );
    drop(writer);
    // Declared contig lengths say so before any record.
    let long = Contig {
        id: "chr1".into(),
        length: Some(3_000_000_000),
    };
    let err = Writer::builder(&path)
        .index(IndexFormat::Tabix)
        .contigs([long.clone()])
        .build(&batch.schema())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("contig chr1 is longer"), "{err}");

    let summary = {
        let mut writer = Writer::builder(&path)
            .index(IndexFormat::Csi)
            .contigs([long])
            .build(&batch.schema())
            .unwrap();
        writer.write(&batch).unwrap();
        writer.finish().unwrap()
    };
    assert_eq!(summary.records, 3);
    let Some(found) = bcftools(&[
        "view",
        "-H",
        "-r",
        "chr1:599999990-600000050",
        path.to_str().unwrap(),
    ]) else {
        return;
    };
    assert_eq!(found, "chr1\t600000001\t.\tA\t.\t.\t.\t.\n");
}

/// `field`'s type with strings as views and lists as large lists, as a SQL
/// engine may hand them over.
fn as_sql_result(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Utf8 => DataType::Utf8View,
        DataType::Int32 => DataType::Int64,
        DataType::List(item) => DataType::LargeList(Arc::new(Field::new(
            item.name(),
            as_sql_result(item.data_type()),
            true,
        ))),
        DataType::Struct(fields) => DataType::Struct(
            fields
                .iter()
                .map(|f| Field::new(f.name(), as_sql_result(f.data_type()), true))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn views_large_lists_and_wider_integers_write_as_the_reader_s_types() {
    let batch = small_batch();
    let fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| Field::new(f.name(), as_sql_result(f.data_type()), true))
        .collect();
    let columns: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .zip(&fields)
        .map(|(c, f)| arrow::compute::cast(c, f.data_type()).unwrap())
        .collect();
    let sql = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    assert!(matches!(
        sql.column_by_name("genotypes").unwrap().data_type(),
        DataType::LargeList(_)
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut texts = Vec::new();
    for (name, batch) in [("a.vcf", &batch), ("b.vcf", &sql)] {
        let path = dir.path().join(name);
        let mut writer = Writer::create(&path, &batch.schema()).unwrap();
        writer.write(batch).unwrap();
        writer.finish().unwrap();
        texts.push(std::fs::read_to_string(&path).unwrap());
    }
    // Integers declared as such either way; the records alike.
    assert_eq!(texts[0], texts[1]);
}

// ---- BCF ----

/// Every batch of a BCF file, read by our reader, as one.
fn read_bcf(path: &Path, options: ReaderOptions) -> RecordBatch {
    let reader = bcf::Reader::builder(path)
        .options(options)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let schema = reader.schema();
    let batches: Vec<RecordBatch> = reader
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    arrow::compute::concat_batches(&schema, &batches).unwrap()
}

/// `batch` with its genotype fields in the order `like` has them: a header
/// that lacks a GT line gains one after its own FORMAT lines, where the
/// reader of the original typed the undeclared GT first.
fn genotype_fields_as(batch: &RecordBatch, like: &Schema) -> RecordBatch {
    use arrow::array::{AsArray, ListArray, StructArray};
    let (Some(i), Ok(wanted)) = (
        batch.schema().index_of("genotypes").ok(),
        like.field_with_name("genotypes"),
    ) else {
        return batch.clone();
    };
    let DataType::List(item) = wanted.data_type() else {
        return batch.clone();
    };
    let DataType::Struct(fields) = item.data_type() else {
        return batch.clone();
    };
    let list = batch.column(i).as_list::<i32>();
    let structs = list.values().as_struct();
    let columns = fields
        .iter()
        .map(|f| structs.column_by_name(f.name()).unwrap().clone())
        .collect();
    let structs = StructArray::new(fields.clone(), columns, structs.nulls().cloned());
    let list = ListArray::new(
        item.clone(),
        list.offsets().clone(),
        Arc::new(structs),
        list.nulls().cloned(),
    );
    let mut columns = batch.columns().to_vec();
    columns[i] = Arc::new(list);
    RecordBatch::try_new(Arc::new(like.clone()), columns).unwrap()
}

#[test]
fn glow_vcfs_written_as_bcf_print_the_same_records_and_read_back_as_the_same_batches() {
    let dir = tempfile::tempdir().unwrap();
    for (file, stringency) in FILES {
        let source = glow_data().join(file);
        let header = genolake_vcf::read_header(&source, *stringency).unwrap();
        let format = query_format(&header);
        let text = read_header_text(&source).unwrap();
        // With the source's header (and contig lines for the contigs it
        // lacks), and with an inferred header and a CSI index.
        let given = dir.path().join("given.bcf");
        rewrite(
            &source,
            *stringency,
            bcf::Writer::builder(&given).header(text.clone()),
        );
        let inferred = dir.path().join("inferred.bcf");
        let summary = rewrite(
            &source,
            *stringency,
            bcf::Writer::builder(&inferred)
                .index(IndexFormat::Csi)
                .threads(2),
        );
        assert!(summary.index.as_ref().is_some_and(|i| i.is_file()));
        // INFO as one map, typed by the header's lines.
        let attributes = dir.path().join("attributes.bcf");
        rewrite_with(
            &source,
            ReaderOptions {
                stringency: *stringency,
                flatten_info_fields: false,
                ..Default::default()
            },
            bcf::Writer::builder(&attributes).header(text),
        );
        // Our reader reads our BCF as the VCF reader reads the source (up
        // to BCF's 32-bit floats).
        let options = ReaderOptions {
            stringency: *stringency,
            ..Default::default()
        };
        let (_, from_vcf) = common::read_all(&source, options.clone());
        let from_vcf = arrow::compute::concat_batches(&from_vcf[0].schema(), &from_vcf).unwrap();
        let from_bcf = genotype_fields_as(&read_bcf(&given, options), &from_vcf.schema());
        common::assert_same(&from_vcf, &from_bcf, file);

        let Some(original) = view_records(&source) else {
            return;
        };
        for copy in [&given, &inferred, &attributes] {
            let written = view_records(copy).unwrap();
            assert_eq!(written.len(), original.len(), "{file}: record count");
            for (n, (a, b)) in original.iter().zip(&written).enumerate() {
                assert_eq!(a, b, "{file} record {n} ({})", copy.display());
            }
            let query =
                |path: &Path| bcftools(&["query", "-f", &format, path.to_str().unwrap()]).unwrap();
            assert_eq!(
                query(&source),
                query(copy),
                "{file}: bcftools query -f '{format}' ({})",
                copy.display()
            );
        }
    }
}

#[test]
fn our_bcf_indexes_find_the_records_that_bcftools_indexes_find() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[&str])] = &[
        (
            "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf",
            &[
                "20",
                "21",
                "20:1-10000000",
                "20:10000000-10001000",
                "21:9411000-9412000",
                "21:48000000-49000000",
                "22",
            ],
        ),
        (
            "tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz",
            &["20:10000000-10000600", "20:10000700-10002000", "20"],
        ),
        (
            "NA12878_21_10002403.g.vcf",
            &[
                "21:10002396-10002397",
                "21:10002401",
                "21:10002403-10002405",
            ],
        ),
    ];
    for (n, (file, regions)) in cases.iter().enumerate() {
        let source = glow_data().join(file);
        let text = read_header_text(&source).unwrap();
        // With the source's contig lengths (which size the index), and
        // with contigs declared from the first batch, without lengths.
        for (k, builder) in [
            bcf::Writer::builder(dir.path().join("ours.bcf")).header(text),
            bcf::Writer::builder(dir.path().join("ours.bcf")),
        ]
        .into_iter()
        .enumerate()
        {
            let ours = dir.path().join("ours.bcf");
            let summary = rewrite(
                &source,
                Stringency::Strict,
                builder.index(IndexFormat::Csi).threads(1),
            );
            assert_eq!(summary.index.unwrap(), dir.path().join("ours.bcf.csi"));
            let theirs = dir.path().join(format!("theirs.{n}.{k}.bcf"));
            std::fs::copy(&ours, &theirs).unwrap();
            if peer("bcftools", &["index", "-f", "-c", theirs.to_str().unwrap()]).is_none() {
                return;
            }
            let a = regions_of(&ours, regions).unwrap();
            let b = regions_of(&theirs, regions).unwrap();
            assert!(
                a.iter().any(|r| !r.is_empty()),
                "{file}: regions hit records"
            );
            assert_eq!(a, b, "{file}");
            // Our reader's region queries use it too.
            for region in *regions {
                let options = ReaderOptions {
                    regions: vec![region.parse().unwrap()],
                    ..Default::default()
                };
                let rows = read_bcf(&ours, options).num_rows();
                let expected = bcftools(&["view", "-H", "-r", region, theirs.to_str().unwrap()])
                    .unwrap()
                    .lines()
                    .count();
                assert_eq!(rows, expected, "{file} {region}");
            }
        }
    }
}

#[test]
fn a_bcf_index_needs_sorted_records_and_a_failed_write_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.bcf");
    let batch = small_batch();
    let mut writer = bcf::Writer::builder(&path)
        .index(IndexFormat::Csi)
        .build(&batch.schema())
        .unwrap();
    let err = writer
        .write(&take(&batch, &[0, 1, 3, 2, 4]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x.bcf: record 4")
            && err.contains("20:1110696 comes after 20:1230237")
            && err.contains("sorted"),
        "{err}"
    );
    assert!(dir.path().join("x.bcf.partial").exists());
    drop(writer);
    let left: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // BCF is BGZF, indexed with CSI.
    for builder in [
        bcf::Writer::builder(&path).index(IndexFormat::Tabix),
        bcf::Writer::builder(&path).compression(Compression::None),
    ] {
        let err = builder.build(&batch.schema()).err().unwrap().to_string();
        assert!(err.contains("CSI") || err.contains("BGZF"), "{err}");
    }
}

#[test]
fn contigs_of_the_first_batch_are_declared_and_later_ones_must_be_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.bcf");
    let first = sites("chr1", &[10, 20]);
    let mut writer = bcf::Writer::create(&path, &first.schema()).unwrap();
    writer.write(&first).unwrap();
    let err = writer.write(&sites("chr2", &[5])).unwrap_err().to_string();
    assert!(
        err.contains("x.bcf: record 3")
            && err.contains("contig chr2 is not declared in the header")
            && err.contains("contigs("),
        "{err}"
    );
    // The writer goes on after a record it refused.
    writer.write(&sites("chr1", &[30])).unwrap();
    assert_eq!(writer.finish().unwrap().records, 3);
    let header = bcf::read_header(&path, Stringency::Strict).unwrap();
    let contigs: Vec<&str> = header.contigs.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(contigs, ["chr1"]);

    // Declared up front, any batch may use them.
    let mut writer = bcf::Writer::builder(&path)
        .contigs(["chr1", "chr2"].map(|id| Contig {
            id: id.into(),
            length: None,
        }))
        .build(&first.schema())
        .unwrap();
    writer.write(&first).unwrap();
    writer.write(&sites("chr2", &[5])).unwrap();
    writer.finish().unwrap();
    let rows = read_bcf(&path, ReaderOptions::default());
    assert_eq!(rows.num_rows(), 3);

    // FILTERs too: the first batch's are declared, a later one is named.
    let batch = small_batch();
    let mut writer = bcf::Writer::create(&path, &batch.schema()).unwrap();
    writer.write(&take(&batch, &[0])).unwrap();
    let err = writer.write(&take(&batch, &[1])).unwrap_err().to_string();
    assert!(
        err.contains("record 2") && err.contains("FILTER q10 is not declared"),
        "{err}"
    );
    if let Some(text) = bcftools(&["view", "-H", path.to_str().unwrap()]) {
        assert_eq!(
            text,
            "chr1\t11\t.\tA\t.\t.\t.\t.\nchr1\t21\t.\tA\t.\t.\t.\t.\nchr2\t6\t.\tA\t.\t.\t.\t.\n"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_tables_survive_the_bcf_writer_and_reader(
        rows in proptest::collection::vec(row(), 1..20),
    ) {
        let mut rows = rows;
        rows.sort_by_key(|r| (r.contig, r.start));
        let batch = batch_of(&rows);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.bcf");
        // The contigs in the rows' order, as an index needs them.
        let contigs = ["X", "chr1", "chr2"].map(|id| Contig { id: id.into(), length: None });
        let mut writer = bcf::Writer::builder(&path)
            .index(IndexFormat::Csi)
            .contigs(contigs)
            .threads(1)
            .build(&batch.schema())
            .unwrap();
        // In two pieces: the second batch continues the first.
        let half = rows.len() / 2;
        writer.write(&batch.slice(0, half)).unwrap();
        writer.write(&batch.slice(half, rows.len() - half)).unwrap();
        writer.finish().unwrap();
        let read = read_bcf(&path, ReaderOptions::default());
        let names = |s: &Schema| s.fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
        prop_assert_eq!(names(&read.schema()), names(&batch.schema()));
        // Floats as BCF keeps them: 32 bits.
        let as_f32 = |b: &RecordBatch| {
            let fields: Vec<Field> = b
                .schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone().with_data_type(common::as_f32(f.data_type())))
                .collect();
            let columns = b
                .columns()
                .iter()
                .zip(&fields)
                .map(|(c, f)| arrow::compute::cast(c, f.data_type()).unwrap())
                .collect();
            RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
        };
        let (ours, back) = (as_f32(&batch), as_f32(&read));
        for field in ours.schema().fields() {
            let a = ours.column_by_name(field.name()).unwrap();
            let b = back.column_by_name(field.name()).unwrap();
            prop_assert!(
                a.to_data() == b.to_data(),
                "{}:\n{:?}\nread back as\n{:?}",
                field.name(),
                a,
                b
            );
        }
    }
}

#[test]
fn a_bcf_that_bcftools_wrote_is_written_back_with_the_same_records() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/VCFv4.3.bcf");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.bcf");
    let reader = bcf::Reader::open(&source).unwrap();
    let mut writer = bcf::Writer::builder(&path)
        .header(bcf::read_header_text(&source).unwrap())
        .index(IndexFormat::Csi)
        .build(&reader.schema())
        .unwrap();
    for batch in reader {
        writer.write(&batch.unwrap()).unwrap();
    }
    assert_eq!(writer.finish().unwrap().records, 5);
    if let (Some(original), Some(copy)) = (view_records(&source), view_records(&path)) {
        assert_eq!(original, copy);
    }
}

/// `array` with every `Int32` equal to `from` (at any depth of lists and
/// structs) made `to`.
fn replace_ints(array: &arrow::array::ArrayRef, from: i32, to: i32) -> arrow::array::ArrayRef {
    use arrow::array::{AsArray, Int32Array, ListArray, StructArray};
    use arrow::datatypes::{DataType, Int32Type};
    match array.data_type() {
        DataType::Int32 => Arc::new(Int32Array::from_iter(
            array
                .as_primitive::<Int32Type>()
                .iter()
                .map(|v| v.map(|v| if v == from { to } else { v })),
        )),
        DataType::List(item) => {
            let list = array.as_list::<i32>();
            Arc::new(ListArray::new(
                item.clone(),
                list.offsets().clone(),
                replace_ints(list.values(), from, to),
                list.nulls().cloned(),
            ))
        }
        DataType::Struct(fields) => {
            let structs = array.as_struct();
            let columns = structs
                .columns()
                .iter()
                .map(|c| replace_ints(c, from, to))
                .collect();
            Arc::new(StructArray::new(
                fields.clone(),
                columns,
                structs.nulls().cloned(),
            ))
        }
        _ => array.clone(),
    }
}

/// BCF reserves the eight lowest 32-bit integers: a FORMAT value there, in
/// a scalar or in a list, is refused naming the record, not written as a
/// marker. (The VCF reader refuses them in text: such a value can only come
/// from another table.)
#[test]
fn format_integers_in_bcfs_reserved_range_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (dp, ad) in [("4321", "1,2"), ("7", "1,4321"), ("7", "1,2")] {
        let vcf = dir.path().join("x.vcf");
        std::fs::write(
            &vcf,
            format!(
                "##fileformat=VCFv4.3\n##contig=<ID=1>\n\
                 ##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n\
                 ##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n\
                 ##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"a\">\n\
                 #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n\
                 1\t5\t.\tA\tC\t.\t.\t.\tGT:DP:AD\t0/1:3:2,1\t0/1:{dp}:{ad}\n"
            ),
        )
        .unwrap();
        let reader = Reader::open(&vcf).unwrap();
        let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
        let batch = &batches[0];
        let columns = batch
            .columns()
            .iter()
            .map(|c| replace_ints(c, 4321, i32::MIN + 3))
            .collect();
        let batch = RecordBatch::try_new(batch.schema(), columns).unwrap();
        let path = dir.path().join("x.bcf");
        let mut writer = bcf::Writer::create(&path, &batch.schema()).unwrap();
        let written = writer.write(&batch);
        if dp == "7" && ad == "1,2" {
            written.unwrap();
            writer.finish().unwrap();
            assert_eq!(read_bcf(&path, ReaderOptions::default()).num_rows(), 1);
            continue;
        }
        let err = written.unwrap_err().to_string();
        assert!(
            err.contains("record 1") && err.contains("does not fit BCF's 32-bit integers"),
            "{err}"
        );
    }
}
