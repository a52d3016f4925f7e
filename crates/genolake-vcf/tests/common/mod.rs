//! Helpers shared by the integration tests: the Glow test data, bcftools,
//! and a renderer that prints our batches the way `bcftools query` prints
//! records, so the two can be compared field by field.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StructArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};
use genolake_core::Stringency;
use genolake_vcf::header::Header;

/// The Glow test data folder beside the repository.
pub fn glow_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/glow")
}

/// Runs bcftools with `args`; panics with a clear message if it is missing
/// (CI installs it; set GENOLAKE_SKIP_PEERS=1 to skip peer comparisons).
pub fn bcftools(args: &[&str]) -> Option<String> {
    if std::env::var_os("GENOLAKE_SKIP_PEERS").is_some() {
        eprintln!("GENOLAKE_SKIP_PEERS is set: not comparing with bcftools");
        return None;
    }
    let output = Command::new("bcftools").args(args).output().expect(
        "bcftools is needed for this test (apt-get install bcftools), or set GENOLAKE_SKIP_PEERS=1",
    );
    assert!(
        output.status.success(),
        "bcftools {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).expect("bcftools prints UTF-8"))
}

/// The `bcftools query` format that prints what [`render`] prints.
pub fn query_format(header: &Header) -> String {
    let mut f = String::from("%CHROM\t%POS\t%ID\t%REF\t%ALT\t%QUAL\t%FILTER\t%END");
    for info in &header.infos {
        f.push_str(&format!("\t%INFO/{}", info.id));
    }
    if !header.samples.is_empty() {
        f.push_str("[\t%SAMPLE");
        for format in &header.formats {
            f.push_str(&format!("#%{}", format.id));
        }
        f.push(']');
    }
    f.push('\n');
    f
}

fn render_value(array: &dyn Array, i: usize, flag: bool) -> String {
    if array.is_null(i) {
        return ".".into();
    }
    match array.data_type() {
        DataType::Boolean => {
            let v = array.as_boolean().value(i);
            if flag && !v { ".".into() } else { "1".into() }
        }
        DataType::Int32 => array.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::Float64 => format_float(array.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => array.as_string::<i32>().value(i).to_string(),
        DataType::List(_) => {
            let list = array.as_list::<i32>().value(i);
            if list.is_empty() {
                return ".".into();
            }
            (0..list.len())
                .map(|j| render_value(list.as_ref(), j, false))
                .collect::<Vec<_>>()
                .join(",")
        }
        other => panic!("no rendering for {other}"),
    }
}

fn format_float(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        v.to_string()
    }
}

fn joined(array: &ArrayRef, i: usize, sep: &str) -> String {
    let list = array.as_list::<i32>().value(i);
    if list.is_empty() {
        return ".".into();
    }
    let strings = list.as_string::<i32>();
    strings
        .iter()
        .map(|s| s.unwrap_or("."))
        .collect::<Vec<_>>()
        .join(sep)
}

/// Prints batches as `query_format(header)` makes bcftools print records.
pub fn render(header: &Header, batches: &[RecordBatch]) -> Vec<String> {
    let mut lines = Vec::new();
    for batch in batches {
        let col = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap_or_else(|| panic!("no column {name}"))
                .clone()
        };
        let contig = col("contigName");
        let start = col("start");
        let end = col("end");
        let names = col("names");
        let reference = col("referenceAllele");
        let alts = col("alternateAlleles");
        let qual = col("qual");
        let filters = col("filters");
        let genotypes = col("genotypes");
        for i in 0..batch.num_rows() {
            let mut fields = vec![
                contig.as_string::<i32>().value(i).to_string(),
                (start.as_primitive::<Int64Type>().value(i) + 1).to_string(),
                joined(&names, i, ";"),
                reference.as_string::<i32>().value(i).to_string(),
                joined(&alts, i, ","),
                render_value(qual.as_ref(), i, false),
                joined(&filters, i, ";"),
                end.as_primitive::<Int64Type>().value(i).to_string(),
            ];
            for info in &header.infos {
                let c = col(&format!("INFO_{}", info.id));
                fields.push(render_value(c.as_ref(), i, true));
            }
            let mut line = fields.join("\t");
            if !header.samples.is_empty() {
                let list = genotypes.as_list::<i32>().value(i);
                let structs: &StructArray = list.as_struct();
                for j in 0..structs.len() {
                    line.push('\t');
                    line.push_str(
                        structs
                            .column_by_name("sampleId")
                            .unwrap()
                            .as_string::<i32>()
                            .value(j),
                    );
                    for format in &header.formats {
                        line.push('#');
                        if format.id == "GT" {
                            line.push_str(&render_gt(structs, j));
                        } else {
                            let name = genolake_core::schema::genotype_field_name(&format.id);
                            let c = structs
                                .column_by_name(name)
                                .unwrap_or_else(|| panic!("no genotype field {name}"));
                            line.push_str(&render_value(c.as_ref(), j, false));
                        }
                    }
                }
            }
            lines.push(line);
        }
    }
    lines
}

fn render_gt(structs: &StructArray, j: usize) -> String {
    let calls = structs.column_by_name("calls").unwrap();
    if calls.is_null(j) {
        return ".".into();
    }
    let phased = structs
        .column_by_name("phased")
        .unwrap()
        .as_boolean()
        .value(j);
    let alleles = calls.as_list::<i32>().value(j);
    let alleles = alleles.as_primitive::<Int32Type>();
    let sep = if phased { "|" } else { "/" };
    alleles
        .values()
        .iter()
        .map(|a| {
            if *a < 0 {
                ".".to_string()
            } else {
                a.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(sep)
}

/// Compares our rendering with bcftools', field by field; numbers that differ
/// in text (bcftools keeps floats in 32 bits) must agree to 1e-5 relative.
pub fn assert_same_records(file: &Path, ours: &[String], theirs: &str) {
    let theirs: Vec<&str> = theirs.lines().collect();
    assert_eq!(
        ours.len(),
        theirs.len(),
        "{}: record count differs",
        file.display()
    );
    for (n, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        let fa: Vec<&str> = a.split(['\t', '#']).collect();
        let fb: Vec<&str> = b.split(['\t', '#']).collect();
        let (sa, sb) = (short(a), short(b));
        assert_eq!(
            fa.len(),
            fb.len(),
            "{} record {n}: field count\n ours: {sa}\n bcftools: {sb}",
            file.display()
        );
        for (x, y) in fa.iter().zip(&fb) {
            assert!(
                same_field(x, y),
                "{} record {n}: {x:?} vs bcftools {y:?}\n ours: {sa}\n bcftools: {sb}",
                file.display()
            );
        }
    }
}

fn short(line: &str) -> String {
    line.chars().take(300).collect()
}

fn same_field(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let xs: Vec<&str> = a.split(',').collect();
    let ys: Vec<&str> = b.split(',').collect();
    xs.len() == ys.len()
        && xs.iter().zip(&ys).all(|(x, y)| {
            x == y
                || match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(x), Ok(y)) => {
                        (x.is_nan() && y.is_nan())
                            || x == y
                            || ((x - y).abs() <= 1e-5 * x.abs().max(y.abs()))
                    }
                    _ => false,
                }
        })
}

/// Reads a whole file with `options`, panicking with the error's message.
pub fn read_all(path: &Path, options: genolake_vcf::ReaderOptions) -> (Header, Vec<RecordBatch>) {
    let reader = genolake_vcf::Reader::builder(path)
        .options(options)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let header = (**reader.header()).clone();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    (header, batches)
}

/// Glow's VCFs that bcftools reads, with the stringency that reads them
/// whole (see `bcftools_conformance.rs` for why some need lenient reads).
/// Left out: `vcf/misnumbered_info.vcf` and `vcf/missing_contig_length.vcf`,
/// whose values break their Number: a lenient read nulls them, so the copy
/// cannot print them as the original does.
pub const GLOW_VCFS: &[(&str, Stringency)] = &[
    ("1000genomes-phase3-1row.vcf", Stringency::Strict),
    ("1kg_sample.vcf", Stringency::Strict),
    ("1kg_sample with spaces.vcf", Stringency::Strict),
    (
        "CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf",
        Stringency::Strict,
    ),
    (
        "biallelic.CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf",
        Stringency::Strict,
    ),
    ("NA12878_21_10002403.vcf", Stringency::Strict),
    ("NA12878_21_10002403.g.vcf", Stringency::Strict),
    ("NA12878_21_10002403.bp.g.vcf", Stringency::Strict),
    ("combined.chr20_18210071_18210093.g.vcf", Stringency::Strict),
    ("vcf/VCFv4.3.vcf", Stringency::Strict),
    ("vcf/loftee.vcf", Stringency::Strict),
    ("vcf/snpeff.vcf", Stringency::Strict),
    ("vcf/vep.vcf", Stringency::Strict),
    ("vcf/1row.vcf.bgz", Stringency::Strict),
    ("vcf/1row_bgz.vcf.gz", Stringency::Strict),
    ("vcf/1row_not_bgz.vcf.gz", Stringency::Strict),
    ("vcf/test_withNanQual.vcf", Stringency::Strict),
    ("vcf/test_withInfQual.vcf", Stringency::Lenient),
    ("vcf/test_withInfGenotype.vcf", Stringency::Lenient),
    ("vcf/test_withNanGenotype.vcf", Stringency::Lenient),
    ("test.chr17.vcf", Stringency::Lenient),
    (
        "tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz",
        Stringency::Strict,
    ),
    (
        "tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz",
        Stringency::Strict,
    ),
    (
        "tabix-test-vcf/NA12878_21_10002403.vcf.gz",
        Stringency::Strict,
    ),
    (
        "tabix-test-vcf/combined.chr20_18210071_18210093.g.vcf.gz",
        Stringency::Strict,
    ),
    ("bgen/complex.16bits.vcf", Stringency::Strict),
    ("bgen/phased.8bits.vcf", Stringency::Strict),
];

/// `data_type` with every Float64 made Float32.
pub fn as_f32(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Float64 => DataType::Float32,
        DataType::List(f) => DataType::List(Arc::new(
            f.as_ref().clone().with_data_type(as_f32(f.data_type())),
        )),
        DataType::Struct(fields) => DataType::Struct(
            fields
                .iter()
                .map(|f| f.as_ref().clone().with_data_type(as_f32(f.data_type())))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Compares two batches column by column, naming the first that differs.
/// Floats are compared as BCF stores them, 32-bit: VCF's `329458.17` is
/// BCF's `329458.16` (both `329458.15625` as `f32`).
pub fn assert_same(vcf: &RecordBatch, bcf: &RecordBatch, what: &str) {
    assert_eq!(vcf.schema(), bcf.schema(), "{what}: schemas differ");
    assert_eq!(vcf.num_rows(), bcf.num_rows(), "{what}: row counts differ");
    for (i, field) in vcf.schema().fields().iter().enumerate() {
        let to = as_f32(field.data_type());
        let a = cast(vcf.column(i), &to).unwrap();
        let b = cast(bcf.column(i), &to).unwrap();
        // BCF keeps no sign on NaN (`-nan` in VCF): values that print alike
        // (Rust prints every NaN as `NaN`) are the same.
        let differs = |r: usize| {
            let (x, y) = (a.slice(r, 1), b.slice(r, 1));
            x.to_data() != y.to_data() && format!("{x:?}") != format!("{y:?}")
        };
        if a.to_data() != b.to_data() && (0..a.len()).any(differs) {
            let row = (0..a.len()).find(|&r| differs(r)).unwrap_or(0);
            panic!(
                "{what}: column {} differs at row {row}:\nVCF {:?}\nBCF {:?}",
                field.name(),
                a.slice(row, 1),
                b.slice(row, 1)
            );
        }
    }
}
