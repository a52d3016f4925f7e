//! Normalization against bcftools: the outputs stored with Glow's test data
//! (bcftools 1.9) and the live `bcftools norm -f` (no splitting), plus
//! Glow's own unit cases and properties of the normal form.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Int64Array, ListArray, RecordBatch, StringArray, StructArray,
};
use arrow::datatypes::DataType;
use genolake_ops::Error;
use genolake_ops::fasta::IndexedFasta;
use genolake_ops::normalize::{
    NO_ALLELES_MESSAGE, NORMALIZATION_RESULT, NORMALIZATION_STATUS, Normalizer, SortWindow,
    normalize_variant,
};
use genolake_vcf::{Reader, ReaderOptions};
use proptest::prelude::*;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/variantsplitternormalizer-test")
        .join(name)
}

fn read_vcf(path: &Path) -> Vec<RecordBatch> {
    Reader::builder(path)
        .options(ReaderOptions::default())
        .build()
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

/// (contig, start, end, ref, alts) of each row.
type Site = (String, i64, i64, String, Vec<String>);

fn sites(batches: &[RecordBatch]) -> Vec<Site> {
    let mut out = Vec::new();
    for b in batches {
        let col = |name: &str| b.column_by_name(name).unwrap().clone();
        let contig = col("contigName");
        let contig = contig.as_any().downcast_ref::<StringArray>().unwrap();
        let start = col("start");
        let start = start.as_any().downcast_ref::<Int64Array>().unwrap();
        let end = col("end");
        let end = end.as_any().downcast_ref::<Int64Array>().unwrap();
        let reference = col("referenceAllele");
        let reference = reference.as_any().downcast_ref::<StringArray>().unwrap();
        let alts = col("alternateAlleles");
        let alts = alts.as_any().downcast_ref::<ListArray>().unwrap();
        for r in 0..b.num_rows() {
            let list = alts.value(r);
            let list = list.as_any().downcast_ref::<StringArray>().unwrap();
            out.push((
                contig.value(r).to_string(),
                start.value(r),
                end.value(r),
                reference.value(r).to_string(),
                list.iter().map(|a| a.unwrap().to_string()).collect(),
            ));
        }
    }
    out
}

/// Sites of a VCF's records read straight from its text. Two of the stored
/// bcftools outputs end every header line in a tab (`##fileformat=VCFv4.2\t`,
/// and an empty sample name on `#CHROM`), which the VCF reader rightly
/// rejects; their records are well formed.
fn text_sites(path: &Path) -> Vec<Site> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let start = f[1].parse::<i64>().unwrap() - 1;
            let alts = if f[4] == "." {
                Vec::new()
            } else {
                f[4].split(',').map(str::to_string).collect()
            };
            (
                f[0].to_string(),
                start,
                start + f[3].len() as i64,
                f[3].to_string(),
                alts,
            )
        })
        .collect()
}

/// Normalizes `input` against `fasta` and re-sorts it as bcftools does.
fn normalize_file(input: &Path, fasta: &Path) -> (Vec<RecordBatch>, SortWindow) {
    let mut normalizer = Normalizer::new(IndexedFasta::open(fasta).unwrap());
    let mut sorter = SortWindow::new(SortWindow::DEFAULT_WINDOW);
    let mut out = Vec::new();
    for batch in read_vcf(input) {
        let normalized = normalizer.transform(&batch).unwrap();
        out.extend(sorter.push(normalized).unwrap());
    }
    out.extend(sorter.finish().unwrap());
    (out, sorter)
}

fn reference_for(input: &str) -> &'static str {
    if input.starts_with("01_") {
        "20_altered.fasta"
    } else {
        "Homo_sapiens_assembly38.20.21_altered.fasta"
    }
}

/// Every input with a stored bcftools output, as `<input>.vcf`.
const INPUTS: [&str; 8] = [
    "01_IN_altered_biallelic",
    "01_IN_altered_biallelic_vtdecompose",
    "01_IN_altered_multiallelic",
    "01_IN_altered_multiallelic_vtdecompose",
    "test_left_align_hg38_altered",
    "test_left_align_hg38_altered_symbolic",
    "test_left_align_hg38_altered_symbolic_vtdecompose",
    "test_left_align_hg38_altered_vtdecompose",
];

fn assert_same_sites(got: &[Site], want: &[Site], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: row count");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "{what}: row {i}");
    }
}

#[test]
fn matches_stored_bcftools_outputs() {
    let mut changed_total = 0;
    for input in INPUTS {
        let fasta = data(reference_for(input));
        let (batches, sorter) = normalize_file(&data(&format!("{input}.vcf")), &fasta);
        assert_eq!(sorter.unsorted_rows(), 0);
        let mut expected = text_sites(&data(&format!("{input}_bcftoolsnormalized.vcf")));
        // bcftools 1.9, which wrote these, left chr21:4394 (moved from 4406)
        // after chr21:3605 in test_left_align_hg38_altered; 1.16 (the live
        // test below) sorts it, as we do. Compare in position order, as
        // Glow's own test does.
        expected.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
        assert_same_sites(&sites(&batches), &expected, input);
        for b in &batches {
            let status = b.column_by_name(NORMALIZATION_STATUS).unwrap();
            let status = status.as_any().downcast_ref::<StructArray>().unwrap();
            let changed = status
                .column(0)
                .as_any()
                .downcast_ref::<BooleanArray>()
                .unwrap();
            changed_total += changed.true_count();
        }
    }
    // The files exist to exercise shifting: most of their indels move.
    assert!(changed_total > 100, "{changed_total} rows changed");
}

#[test]
fn bgzf_reference_gives_the_same_result() {
    let input = data("01_IN_altered_multiallelic.vcf");
    let (plain, _) = normalize_file(&input, &data("20_altered.fasta"));
    let (bgzf, _) = normalize_file(&input, &data("20_altered_bgzip.fasta.gz"));
    let expected = read_vcf(&data("01_IN_altered_multiallelic_bcftoolsnormalized.vcf"));
    assert_same_sites(&sites(&bgzf), &sites(&expected), "bgzf");
    assert_same_sites(&sites(&plain), &sites(&bgzf), "plain vs bgzf");
}

#[test]
fn matches_live_bcftools_norm() {
    let dir = tempfile::tempdir().unwrap();
    for input in INPUTS {
        let fasta = data(reference_for(input));
        let vcf = data(&format!("{input}.vcf"));
        let out = dir.path().join(format!("{input}.norm.vcf"));
        let output = Command::new("bcftools")
            .arg("norm")
            .arg("-f")
            .arg(&fasta)
            .arg("-o")
            .arg(&out)
            .arg(&vcf)
            .output()
            .expect("bcftools must be installed for this test");
        assert!(
            output.status.success(),
            "bcftools norm {input}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let (batches, _) = normalize_file(&vcf, &fasta);
        assert_same_sites(&sites(&batches), &sites(&read_vcf(&out)), input);
    }
}

#[test]
fn symbolic_records_are_left_as_they_are() {
    let input = data("test_left_align_hg38_altered_symbolic.vcf");
    let original = sites(&read_vcf(&input));
    let mut normalizer = Normalizer::new(IndexedFasta::open(data(reference_for("test"))).unwrap());
    let mut symbolic = 0;
    for batch in read_vcf(&input) {
        let out = normalizer.transform(&batch).unwrap();
        let status = out.column_by_name(NORMALIZATION_STATUS).unwrap();
        let status = status.as_any().downcast_ref::<StructArray>().unwrap();
        let changed = status
            .column(0)
            .as_any()
            .downcast_ref::<BooleanArray>()
            .unwrap();
        let message = status
            .column(1)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        for (row, site) in sites(std::slice::from_ref(&out)).iter().enumerate() {
            if site.4.iter().any(|a| a.contains('<') || a == "*") {
                symbolic += 1;
                let before = original.iter().find(|o| o.1 == site.1 && o.0 == site.0);
                assert_eq!(Some(site), before, "symbolic row {row} moved");
                assert!(!changed.value(row));
                // Glow gives symbolic rows no message: they are not errors.
                assert!(message.is_null(row));
            }
        }
    }
    assert_eq!(symbolic, 2);
}

#[test]
fn other_columns_pass_through_and_keep_mode_adds_the_result_struct() {
    let input = data("01_IN_altered_multiallelic.vcf");
    let fasta = || IndexedFasta::open(data("20_altered.fasta")).unwrap();
    let batch = read_vcf(&input).remove(0);
    let replaced = Normalizer::new(fasta()).transform(&batch).unwrap();
    let kept = Normalizer::new(fasta())
        .replace_columns(false)
        .transform(&batch)
        .unwrap();
    let in_schema = batch.schema();
    for (i, field) in in_schema.fields().iter().enumerate() {
        assert_eq!(replaced.schema().field(i), field.as_ref());
        assert_eq!(kept.schema().field(i), field.as_ref());
        assert_eq!(kept.column(i), batch.column(i), "{}", field.name());
        if !["start", "end", "referenceAllele", "alternateAlleles"].contains(&field.name().as_str())
        {
            assert_eq!(replaced.column(i), batch.column(i), "{}", field.name());
        }
    }
    assert_eq!(replaced.num_columns(), batch.num_columns() + 1);
    assert_eq!(
        replaced.schema().field(batch.num_columns()).name(),
        NORMALIZATION_STATUS
    );
    assert_eq!(kept.num_columns(), batch.num_columns() + 1);
    let result_field = kept.schema().field(batch.num_columns()).clone();
    assert_eq!(result_field.name(), NORMALIZATION_RESULT);
    let DataType::Struct(fields) = result_field.data_type() else {
        panic!("not a struct")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "start",
            "end",
            "referenceAllele",
            "alternateAlleles",
            "normalizationStatus"
        ]
    );
    let DataType::Struct(status) = fields[4].data_type() else {
        panic!("status not a struct")
    };
    let names: Vec<&str> = status.iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["changed", "errorMessage"]);
    // The struct holds what replace mode put in the columns.
    let result = kept.column(batch.num_columns());
    let result = result.as_any().downcast_ref::<StructArray>().unwrap();
    let as_batch = RecordBatch::try_from_iter([
        (
            "contigName",
            batch.column_by_name("contigName").unwrap().clone(),
        ),
        ("start", result.column(0).clone()),
        ("end", result.column(1).clone()),
        ("referenceAllele", result.column(2).clone()),
        ("alternateAlleles", result.column(3).clone()),
    ])
    .unwrap();
    assert_eq!(sites(&[as_batch]), sites(std::slice::from_ref(&replaced)));
    assert_eq!(
        result.column(4).as_ref(),
        replaced
            .column_by_name(NORMALIZATION_STATUS)
            .unwrap()
            .as_ref()
    );
}

/// Input start, end, REF, ALTs; expected start, end, REF, ALTs, changed.
type GlowCase<'a> = (
    i64,
    i64,
    &'a str,
    &'a [&'a str],
    i64,
    i64,
    &'a str,
    &'a [&'a str],
    bool,
);

#[test]
fn glow_unit_cases() {
    let mut fasta = IndexedFasta::open(data("20_altered.fasta")).unwrap();
    let cases: [GlowCase; 4] = [
        (
            70,
            72,
            "AA",
            &["AAAA", "AAAAAA"],
            66,
            67,
            "T",
            &["TAA", "TAAAA"],
            true,
        ),
        (
            35,
            76,
            "GAAGGCATAGCCATTACCTTTTAAAAAATTTTAAAAAAAGA",
            &["GA"],
            27,
            67,
            "AAAAAAAAGAAGGCATAGCCATTACCTTTTAAAAAATTTT",
            &["A"],
            true,
        ),
        (1, 2, "GG", &["GA"], 2, 2, "G", &["A"], true),
        (1, 2, "GG", &["TA"], 1, 2, "GG", &["TA"], false),
    ];
    for (start, end, reference, alts, new_start, new_end, new_ref, new_alts, changed) in cases {
        let result = normalize_variant(&mut fasta, "20", start, end, reference, alts).unwrap();
        let v = result.variant.unwrap();
        assert_eq!(
            (v.start, v.end, v.reference_allele.as_str()),
            (new_start, new_end, new_ref)
        );
        assert_eq!(v.alternate_alleles, new_alts);
        assert_eq!(result.status.changed, changed);
        assert_eq!(result.status.error_message, None);
    }
    let result = normalize_variant(&mut fasta, "20", 1, 2, "", &["TA"]).unwrap();
    assert_eq!(result.variant, None);
    assert!(!result.status.changed);
    assert_eq!(
        result.status.error_message.as_deref(),
        Some(NO_ALLELES_MESSAGE)
    );
}

#[test]
fn edge_cases() {
    let mut fasta = IndexedFasta::open(data("20_altered.fasta")).unwrap();
    // The contig starts GGCAACAAGA: an insertion of G at its first base
    // cannot move further left, and must not loop.
    let r = normalize_variant(&mut fasta, "20", 0, 2, "GG", &["GGG"]).unwrap();
    let v = r.variant.unwrap();
    assert_eq!((v.start, v.end, v.reference_allele.as_str()), (0, 1, "G"));
    assert_eq!(v.alternate_alleles, ["GG"]);
    // REF equal to ALT: nothing to align.
    let r = normalize_variant(&mut fasta, "20", 10, 12, "AC", &["AC"]).unwrap();
    assert!(!r.status.changed);
    // No ALT: Glow keeps the first base.
    let r = normalize_variant(&mut fasta, "20", 10, 12, "AC", &[]).unwrap();
    let v = r.variant.unwrap();
    assert_eq!((v.start, v.end, v.reference_allele.as_str()), (10, 11, "A"));
    assert!(r.status.changed);
    // SNPs and symbolic alleles never touch the reference, even on an unknown contig.
    for alts in [&["C"][..], &["<DEL>"], &["AT", "*"]] {
        let r = normalize_variant(&mut fasta, "chrUn", 10, 11, "A", alts).unwrap();
        assert!(!r.status.changed, "{alts:?}");
    }
    // An indel that must shift on a contig the FASTA lacks is an error.
    let e = normalize_variant(&mut fasta, "chrUn", 10, 11, "A", &["AA"]).unwrap_err();
    assert!(e.to_string().contains("20_altered.fasta") && e.to_string().contains("chrUn"));
}

#[test]
fn wrong_column_types_and_nulls() {
    let fasta = || IndexedFasta::open(data("20_altered.fasta")).unwrap();
    let alts =
        ListArray::from_iter_primitive::<arrow::datatypes::Int32Type, _, _>([Some(vec![Some(1)])]);
    let batch = RecordBatch::try_from_iter([
        (
            "contigName",
            Arc::new(StringArray::from(vec!["20"])) as ArrayRef,
        ),
        ("start", Arc::new(Int64Array::from(vec![70])) as ArrayRef),
        ("end", Arc::new(Int64Array::from(vec![72])) as ArrayRef),
        (
            "referenceAllele",
            Arc::new(StringArray::from(vec!["AA"])) as ArrayRef,
        ),
        ("alternateAlleles", Arc::new(alts) as ArrayRef),
    ])
    .unwrap();
    let e = Normalizer::new(fasta()).transform(&batch).unwrap_err();
    assert!(
        matches!(&e, Error::Column { column, .. } if column == "alternateAlleles"),
        "{e}"
    );
    let e = Normalizer::new(fasta())
        .transform(&batch.project(&[0, 1, 2, 3]).unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("alternateAlleles") && e.to_string().contains("missing"));

    // Nulls give a null status and leave the row as it is.
    let mut alts = arrow::array::ListBuilder::new(arrow::array::StringBuilder::new());
    alts.values().append_value("AAAA");
    alts.append(true);
    alts.values().append_value("AAAA");
    alts.append(true);
    let batch = RecordBatch::try_from_iter([
        (
            "contigName",
            Arc::new(StringArray::from(vec!["20", "20"])) as ArrayRef,
        ),
        (
            "start",
            Arc::new(Int64Array::from(vec![Some(70), None])) as ArrayRef,
        ),
        ("end", Arc::new(Int64Array::from(vec![72, 72])) as ArrayRef),
        (
            "referenceAllele",
            Arc::new(StringArray::from(vec!["AA", "AA"])) as ArrayRef,
        ),
        ("alternateAlleles", Arc::new(alts.finish()) as ArrayRef),
    ])
    .unwrap();
    let out = Normalizer::new(fasta()).transform(&batch).unwrap();
    let status = out.column_by_name(NORMALIZATION_STATUS).unwrap();
    assert!(status.is_valid(0) && status.is_null(1));
    let start = out.column_by_name("start").unwrap();
    let start = start.as_any().downcast_ref::<Int64Array>().unwrap();
    assert_eq!(start.value(0), 66);
    assert!(start.is_null(1));
}

/// The reference bases, read once for the properties below.
fn reference() -> Vec<u8> {
    let mut fasta = IndexedFasta::open(data("20_altered.fasta")).unwrap();
    fasta.fetch("20", 0, 38994).unwrap()
}

/// The haplotype an allele spells over [from, to) of the reference.
fn spell(
    reference: &[u8],
    from: usize,
    to: usize,
    start: usize,
    end: usize,
    allele: &str,
) -> Vec<u8> {
    let mut h = reference[from..start].to_vec();
    h.extend_from_slice(allele.as_bytes());
    h.extend_from_slice(&reference[end..to]);
    h
}

/// A variant whose REF matches the reference: an indel or substitution of
/// random bases, often repeating its neighbours so that it can shift.
fn variant_strategy() -> impl Strategy<Value = (usize, usize, Vec<String>)> {
    (
        200usize..38700,
        1usize..6,
        proptest::collection::vec((0usize..3, 0usize..6, "[ACGT]{0,4}"), 1..3),
    )
        .prop_map(|(start, len, edits)| {
            (
                start,
                len,
                edits
                    .into_iter()
                    .map(|e| format!("{}:{}:{}", e.0, e.1, e.2))
                    .collect(),
            )
        })
}

fn make_alt(reference: &[u8], start: usize, len: usize, edit: &str) -> String {
    let mut parts = edit.splitn(3, ':');
    let kind: usize = parts.next().unwrap().parse().unwrap();
    let n: usize = parts.next().unwrap().parse().unwrap();
    let bases = parts.next().unwrap();
    let r = &reference[start..start + len];
    let s = String::from_utf8(r.to_vec()).unwrap();
    match kind {
        // Insert a copy of the neighbouring bases: a repeat expansion.
        0 => format!(
            "{s}{}",
            String::from_utf8(reference[start + len..start + len + n.max(1)].to_vec()).unwrap()
        ),
        // Delete all but the first base.
        1 if len > 1 => s[..1].to_string(),
        // Replace the tail with random bases.
        _ => format!("{}{bases}", &s[..1]),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn normal_form_is_idempotent_and_spells_the_same_haplotypes(
        (start, len, edits) in variant_strategy()
    ) {
        thread_local! { static REF: Vec<u8> = reference(); }
        REF.with(|reference| {
            let mut fasta = IndexedFasta::open(data("20_altered.fasta")).unwrap();
            let ref_allele = String::from_utf8(reference[start..start + len].to_vec()).unwrap();
            let mut alts: Vec<String> = edits.iter().map(|e| make_alt(reference, start, len, e)).collect();
            alts.dedup();
            alts.retain(|a| *a != ref_allele);
            prop_assume!(!alts.is_empty());
            let alt_refs: Vec<&str> = alts.iter().map(|s| s.as_str()).collect();
            let end = (start + len) as i64;
            let first = normalize_variant(&mut fasta, "20", start as i64, end, &ref_allele, &alt_refs).unwrap();
            let v = first.variant.unwrap();
            // REF still matches the reference where it now sits.
            prop_assert_eq!((v.end - v.start) as usize, v.reference_allele.len());
            prop_assert_eq!(v.reference_allele.as_bytes(), &reference[v.start as usize..v.end as usize]);
            // Each ALT spells the same haplotype as before.
            let from = (v.start as usize).min(start);
            let to = (v.end as usize).max(start + len);
            for (old, new) in alts.iter().zip(&v.alternate_alleles) {
                prop_assert_eq!(
                    spell(reference, from, to, start, start + len, old),
                    spell(reference, from, to, v.start as usize, v.end as usize, new)
                );
            }
            // Normalizing again changes nothing.
            let new_alts: Vec<&str> = v.alternate_alleles.iter().map(|s| s.as_str()).collect();
            let second = normalize_variant(&mut fasta, "20", v.start, v.end, &v.reference_allele, &new_alts).unwrap();
            prop_assert!(!second.status.changed);
            prop_assert_eq!(second.variant.unwrap(), v);
            Ok(())
        })?;
    }
}
