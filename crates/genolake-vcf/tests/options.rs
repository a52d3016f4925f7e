//! Glow's reader options: includeSampleIds, flattenInfoFields, sample subsets;
//! sites-only files; CSI indexes.

mod common;

use std::process::Command;

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;
use common::{bcftools, glow_data, read_all, render};
use genolake_vcf::ReaderOptions;

fn genotype_fields(batch: &arrow::array::RecordBatch) -> Vec<String> {
    let DataType::List(item) = batch
        .schema()
        .field_with_name("genotypes")
        .unwrap()
        .data_type()
        .clone()
    else {
        panic!("genotypes is a list")
    };
    let DataType::Struct(fields) = item.data_type() else {
        panic!("of structs")
    };
    fields.iter().map(|f| f.name().clone()).collect()
}

#[test]
fn genotype_fields_follow_the_header_with_glow_names() {
    let (_, batches) = read_all(
        &glow_data().join("vcf/VCFv4.3.vcf"),
        ReaderOptions::default(),
    );
    assert_eq!(
        genotype_fields(&batches[0]),
        [
            "sampleId",
            "phased",
            "calls",
            "conditionalQuality",
            "depth",
            "haplotypeQualities"
        ]
    );
    let options = ReaderOptions {
        include_sample_ids: false,
        ..Default::default()
    };
    let (_, batches) = read_all(&glow_data().join("vcf/VCFv4.3.vcf"), options);
    assert_eq!(genotype_fields(&batches[0])[0], "phased");
}

#[test]
fn unflattened_info_is_one_map_with_every_key() {
    let options = ReaderOptions {
        flatten_info_fields: false,
        ..Default::default()
    };
    let (_, batches) = read_all(&glow_data().join("vcf/VCFv4.3.vcf"), options);
    let batch = &batches[0];
    assert!(
        batch
            .schema()
            .fields()
            .iter()
            .all(|f| !f.name().starts_with("INFO_"))
    );
    let attributes = batch.column_by_name("attributes").unwrap().as_map();
    let first = attributes.value(0);
    let keys: Vec<&str> = first
        .column(0)
        .as_string::<i32>()
        .iter()
        .map(|k| k.unwrap())
        .collect();
    let values: Vec<&str> = first
        .column(1)
        .as_string::<i32>()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    assert_eq!(keys, ["NS", "DP", "AF", "DB", "H2"]);
    assert_eq!(values, ["3", "14", "0.5", "", ""]);
}

#[test]
fn a_sample_subset_matches_bcftools_s() {
    let path =
        glow_data().join("tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz");
    let wanted = ["HG00097", "NA12878", "HG00100"];
    let options = ReaderOptions {
        samples: Some(wanted.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    };
    let (_, batches) = read_all(&path, options);
    let mut ours = Vec::new();
    for batch in &batches {
        let genotypes = batch.column_by_name("genotypes").unwrap().as_list::<i32>();
        for i in 0..batch.num_rows() {
            let row = genotypes.value(i);
            let row = row.as_struct();
            let ids = row.column_by_name("sampleId").unwrap().as_string::<i32>();
            let calls = row.column_by_name("calls").unwrap().as_list::<i32>();
            let phased = row.column_by_name("phased").unwrap().as_boolean();
            let line: Vec<String> = (0..row.len())
                .map(|j| {
                    let c = calls.value(j);
                    let c: Vec<String> = c
                        .as_primitive::<arrow::datatypes::Int32Type>()
                        .values()
                        .iter()
                        .map(|a| a.to_string())
                        .collect();
                    format!(
                        "{}={}",
                        ids.value(j),
                        c.join(if phased.value(j) { "|" } else { "/" })
                    )
                })
                .collect();
            ours.push(line.join(" "));
        }
    }
    // We keep the file's order of the selected samples; bcftools keeps the
    // order it is given, so it gets them in the file's order.
    let Some(theirs) = bcftools(&[
        "query",
        "-s",
        "HG00097,HG00100,NA12878",
        "-f",
        "[%SAMPLE=%GT ]\n",
        path.to_str().unwrap(),
    ]) else {
        return;
    };
    let theirs: Vec<String> = theirs.lines().map(|l| l.trim_end().to_string()).collect();
    assert_eq!(ours, theirs);
    let err = genolake_vcf::Reader::builder(&path)
        .options(ReaderOptions {
            samples: Some(vec!["nobody".into()]),
            ..Default::default()
        })
        .build()
        .err()
        .expect("an unknown sample is an error");
    assert!(
        err.to_string()
            .contains("\"nobody\" is not in the file's header"),
        "{err}"
    );
}

#[test]
fn sites_only_files_have_empty_genotypes() {
    let path = glow_data().join("vcf/vep.vcf");
    let (header, batches) = read_all(&path, ReaderOptions::default());
    assert!(header.samples.is_empty());
    let genotypes = batches[0]
        .column_by_name("genotypes")
        .unwrap()
        .as_list::<i32>();
    assert!((0..genotypes.len()).all(|i| genotypes.value(i).is_empty()));
}

#[test]
fn csi_indexes_answer_regions_like_tabix_ones() {
    let dir = tempfile::tempdir().unwrap();
    let source = glow_data().join("tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz");
    let copy = dir.path().join("ceu.vcf.gz");
    std::fs::copy(&source, &copy).unwrap();
    let status = Command::new("bcftools")
        .args(["index", "--csi", copy.to_str().unwrap()])
        .status();
    let Ok(status) = status else {
        panic!("bcftools is needed for this test (apt-get install bcftools)")
    };
    assert!(status.success());
    assert!(dir.path().join("ceu.vcf.gz.csi").exists());
    let region = "20:10000000-10200000";
    let options = ReaderOptions {
        regions: vec![region.parse().unwrap()],
        ..Default::default()
    };
    let (header, batches) = read_all(&copy, options.clone());
    let with_csi = render(&header, &batches);
    let (header, batches) = read_all(&source, options);
    let with_tbi = render(&header, &batches);
    assert!(!with_csi.is_empty());
    assert_eq!(with_csi, with_tbi);
    let expected =
        bcftools(&["view", "-H", "-r", region, copy.to_str().unwrap()]).unwrap_or_default();
    assert_eq!(with_csi.len(), expected.lines().count());
}
