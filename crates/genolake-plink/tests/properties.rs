//! Properties over generated input: a mutated fileset gives rows or an
//! error, never a panic; whatever rows it gives are well formed; and any
//! biallelic table written and read back keeps its calls as PLINK keeps them.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{plink_calls, read_vcf, rows};
use genolake_core::{Split, Stringency};
use genolake_plink::{Reader, ReaderOptions, Writer};
use proptest::prelude::*;

const SAMPLES: usize = 9;

/// The bytes of a valid fileset (.bed, .bim, .fam) of 40 variants.
fn base() -> &'static [Vec<u8>; 3] {
    static BASE: OnceLock<[Vec<u8>; 3]> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let vcf = dir.path().join("base.vcf");
        std::fs::write(&vcf, common::simulated_vcf(40, SAMPLES, 5)).unwrap();
        let mut writer = Writer::create(dir.path().join("base")).unwrap();
        for batch in read_vcf(&vcf) {
            writer.write(&batch).unwrap();
        }
        let paths = writer.finish().unwrap().paths;
        [paths.bed, paths.bim, paths.fam].map(|p| std::fs::read(p).unwrap())
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop_oneof![
        any::<u8>(),
        Just(b'\n'),
        Just(b'\t'),
        Just(b' '),
        Just(b'0'),
        Just(b'.')
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), byte).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len();
    match *m {
        Mutation::Set(i, b) if n > 0 => bytes[i % n] = b,
        Mutation::Insert(i, b) => bytes.insert(i % (n + 1), b),
        Mutation::Remove(i) if n > 0 => {
            bytes.remove(i % n);
        }
        Mutation::Truncate(i) => bytes.truncate(i % (n + 1)),
        _ => {}
    }
}

/// Reads everything; checks the shape of whatever rows come out.
fn read_checked(path: &Path, options: ReaderOptions, split: Option<Split>) {
    let selected = options.samples.as_ref().map(Vec::len);
    let builder = Reader::builder(path).options(options);
    let builder = match &split {
        Some(s) => builder.split(s),
        None => builder,
    };
    let Ok(reader) = builder.build() else { return };
    let samples = selected.unwrap_or(reader.fileset().samples().len());
    for batch in reader {
        let Ok(batch) = batch else { return };
        for row in rows(&[batch]) {
            assert_eq!(row.genotypes.len(), samples);
            for (_, calls) in &row.genotypes {
                assert!(
                    matches!(calls.as_slice(), [0, 0] | [0, 1] | [1, 1] | [-1, -1]),
                    "{calls:?}"
                );
            }
            assert_eq!(row.end - row.start, row.reference.len() as i64);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn a_mutated_fileset_reads_or_fails_but_never_panics(
        file in 0usize..3,
        mutations in proptest::collection::vec(mutation(), 1..6),
        variant in 0u8..5,
        cut in any::<u64>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut files = base().clone();
        for m in &mutations {
            apply(&mut files[file], m);
        }
        for (bytes, ext) in files.iter().zip(["bed", "bim", "fam"]) {
            std::fs::write(dir.path().join(format!("t.{ext}")), bytes).unwrap();
        }
        let path = dir.path().join("t.bed");
        let options = match variant {
            0 => ReaderOptions::default(),
            1 => ReaderOptions { stringency: Stringency::Lenient, batch_size: Some(3), ..Default::default() },
            2 => ReaderOptions { regions: vec!["2".parse().unwrap(), "7:1-300".parse().unwrap()], ..Default::default() },
            3 => ReaderOptions { samples: Some(vec!["0_S0003".into(), "0_S0000".into()]), ..Default::default() },
            _ => ReaderOptions { stringency: Stringency::Silent, include_sample_ids: false, ..Default::default() },
        };
        let split = (variant == 4).then(|| Split { path: path.clone(), start: cut % 200, end: u64::MAX });
        read_checked(&path, options, split);
    }

    #[test]
    fn written_calls_read_back_as_plink_keeps_them(
        genotypes in proptest::collection::vec(
            proptest::collection::vec(
                prop_oneof![
                    Just("0/0"), Just("0/1"), Just("1/0"), Just("1/1"), Just("0|1"),
                    Just("./."), Just("0"), Just("1"), Just("."), Just("./1"),
                ],
                1..11,
            ),
            1..20,
        ),
    ) {
        let samples = genotypes[0].len();
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from(
            "##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n\
             #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT",
        );
        for s in 0..samples {
            text.push_str(&format!("\tS{s}"));
        }
        text.push('\n');
        for (v, row) in genotypes.iter().enumerate() {
            text.push_str(&format!("1\t{}\tv{v}\tA\tG\t.\t.\t.\tGT", v + 1));
            for s in 0..samples {
                text.push('\t');
                text.push_str(row[s % row.len()]);
            }
            text.push('\n');
        }
        let vcf = dir.path().join("x.vcf");
        std::fs::write(&vcf, text).unwrap();
        let batches = read_vcf(&vcf);
        let mut writer = Writer::create(dir.path().join("x")).unwrap();
        for b in &batches {
            writer.write(b).unwrap();
        }
        let bed = writer.finish().unwrap().paths.bed;
        let options = ReaderOptions { merge_fid_iid: false, ..Default::default() };
        let back = rows(&common::read_plink(&bed, options));
        let expected = rows(&batches);
        prop_assert_eq!(back.len(), expected.len());
        for (b, e) in back.iter().zip(&expected) {
            let calls: Vec<(Option<String>, Vec<i32>)> = e
                .genotypes
                .iter()
                .map(|(id, c)| (id.clone(), plink_calls(c)))
                .collect();
            prop_assert_eq!(&b.genotypes, &calls);
        }
    }
}
