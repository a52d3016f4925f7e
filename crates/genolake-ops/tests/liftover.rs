//! Liftover judged by its peers: `lift_over_coordinates` against UCSC
//! liftOver's BED outputs (hg38 → hg19), `lift_over_variants` against
//! Picard LiftoverVcf's lifted and rejected VCFs (Glow's test data), every
//! lifted record's contig, position, alleles, flags and swapped INFO and
//! FORMAT arrays, and the set of failed records with Picard's reason.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, ListArray, RecordBatch};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use genolake_ops::Result;
use genolake_ops::chain::ChainIndex;
use genolake_ops::fasta::IndexedFasta;
use genolake_ops::liftover::{
    LIFT_OVER_STATUS, LiftOverVariants, Reference, lift_over_coordinates,
};

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

fn read_bed(path: &str) -> Vec<(String, i64, i64)> {
    std::fs::read_to_string(data(path))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
            )
        })
        .collect()
}

fn check_bed(min_match: f64, lifted: &str, failed: &str) {
    let chains = ChainIndex::open(data("liftover/hg38ToHg19.over.chain.gz")).unwrap();
    let mut got_lifted = Vec::new();
    let mut got_failed = Vec::new();
    for (contig, start, end) in read_bed("liftover/unlifted.test.bed") {
        match lift_over_coordinates(&chains, &contig, start, end, min_match) {
            Some(l) => got_lifted.push(l),
            None => got_failed.push((contig, start, end)),
        }
    }
    assert_eq!(got_lifted, read_bed(lifted));
    assert_eq!(got_failed, read_bed(failed));
}

#[test]
fn coordinates_match_ucsc_liftover_min_match_05() {
    check_bed(
        0.5,
        "liftover/lifted.minMatch05.test.bed",
        "liftover/failed.minMatch05.test.bed",
    );
}

#[test]
fn coordinates_match_ucsc_liftover_min_match_001() {
    check_bed(
        0.01,
        "liftover/lifted.minMatch001.test.bed",
        "liftover/failed.minMatch001.test.bed",
    );
}

/// A reference in memory: a whole small FASTA, or a sparse one (bases
/// known at some positions, `N` elsewhere) standing in for hg19, which
/// Glow's test data has but our copy lacks.
struct MemoryReference {
    contigs: HashMap<String, (u64, HashMap<u64, u8>)>,
}

impl MemoryReference {
    /// A whole FASTA, for `dummy.two.block.reference.fasta`, whose ragged
    /// lines (a 5-base line mid-contig) no `.fai` can describe; htsjdk,
    /// which Glow uses, reads it whole.
    fn fasta(path: &str) -> Self {
        let text = std::fs::read_to_string(data(path)).unwrap();
        let mut contigs = HashMap::new();
        let mut name = String::new();
        let mut seq: Vec<u8> = Vec::new();
        let mut flush = |name: &str, seq: &mut Vec<u8>| {
            if !name.is_empty() {
                let bases = seq
                    .iter()
                    .enumerate()
                    .map(|(i, &b)| (i as u64, b.to_ascii_uppercase()))
                    .collect();
                contigs.insert(name.to_string(), (seq.len() as u64, bases));
            }
            seq.clear();
        };
        for line in text.lines() {
            if let Some(header) = line.strip_prefix('>') {
                flush(&name, &mut seq);
                name = header.split_whitespace().next().unwrap().to_string();
            } else {
                seq.extend(line.trim().bytes());
            }
        }
        flush(&name, &mut seq);
        Self { contigs }
    }

    /// A reference of `length` bases on `contig` holding each record's REF
    /// of the VCF at its position.
    fn sparse_from_vcf(vcf: &str, contig: &str, length: u64) -> Self {
        let mut bases = HashMap::new();
        for line in std::fs::read_to_string(data(vcf)).unwrap().lines() {
            if line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            if f[0] != contig {
                continue;
            }
            let pos: u64 = f[1].parse().unwrap();
            for (i, b) in f[3].bytes().enumerate() {
                bases.insert(pos - 1 + i as u64, b);
            }
        }
        Self {
            contigs: HashMap::from([(contig.to_string(), (length, bases))]),
        }
    }
}

impl Reference for MemoryReference {
    fn contig_length(&self, contig: &str) -> Option<u64> {
        self.contigs.get(contig).map(|c| c.0)
    }

    fn fetch(&mut self, contig: &str, start: u64, end: u64) -> Result<Vec<u8>> {
        let (_, bases) = &self.contigs[contig];
        Ok((start..end)
            .map(|i| bases.get(&i).copied().unwrap_or(b'N'))
            .collect())
    }
}

fn read_vcf(path: &Path) -> (arrow::datatypes::SchemaRef, Vec<RecordBatch>) {
    let reader = genolake_vcf::Reader::builder(path)
        .options(genolake_vcf::ReaderOptions::default())
        .build()
        .unwrap();
    let schema = reader.schema();
    let batches = reader.collect::<std::result::Result<Vec<_>, _>>().unwrap();
    (schema, batches)
}

/// Each row's value of `column` as text; `genotypes.<field>` is the list of
/// that field over the row's samples.
fn column_text(batch: &RecordBatch, column: &str) -> Vec<String> {
    let array: ArrayRef = match column.strip_prefix("genotypes.") {
        Some(field) => {
            let list = batch.column_by_name("genotypes").unwrap().as_list::<i32>();
            let values = list.values().as_struct().column_by_name(field).unwrap();
            let item = Arc::new(arrow::datatypes::Field::new(
                "item",
                values.data_type().clone(),
                true,
            ));
            Arc::new(ListArray::new(
                item,
                list.offsets().clone(),
                values.clone(),
                list.nulls().cloned(),
            ))
        }
        None => batch
            .column_by_name(column)
            .unwrap_or_else(|| panic!("no column {column}"))
            .clone(),
    };
    let options = FormatOptions::default().with_null("null");
    let formatter = ArrayFormatter::try_new(array.as_ref(), &options).unwrap();
    (0..array.len())
        .map(|i| formatter.value(i).to_string())
        .collect()
}

/// The columns Glow's suite compares for lifted rows: every column of the
/// expected VCF, genotype fields one by one.
fn compared_columns(expected: &arrow::datatypes::Schema) -> Vec<String> {
    let mut columns = Vec::new();
    for field in expected.fields() {
        if field.name() == "genotypes" {
            let arrow::datatypes::DataType::List(item) = field.data_type() else {
                panic!("genotypes is a list")
            };
            let arrow::datatypes::DataType::Struct(fields) = item.data_type() else {
                panic!("genotypes holds structs")
            };
            columns.extend(fields.iter().map(|f| format!("genotypes.{}", f.name())));
        } else {
            columns.push(field.name().clone());
        }
    }
    columns
}

fn rows(
    batches: &[RecordBatch],
    columns: &[String],
    keep: impl Fn(&RecordBatch, usize) -> bool,
) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for batch in batches {
        let texts: Vec<Vec<String>> = columns.iter().map(|c| column_text(batch, c)).collect();
        for row in 0..batch.num_rows() {
            if keep(batch, row) {
                out.push(texts.iter().map(|t| t[row].clone()).collect());
            }
        }
    }
    out
}

fn status(batch: &RecordBatch, row: usize) -> (bool, Option<String>) {
    let status = batch.column_by_name(LIFT_OVER_STATUS).unwrap().as_struct();
    let success = status.column(0).as_boolean().value(row);
    let message = status.column(1).as_string::<i32>();
    (
        success,
        message
            .is_valid(row)
            .then(|| message.value(row).to_string()),
    )
}

/// Runs `lift_over_variants` on `input` and compares with Picard's
/// `lifted` and `failed` VCFs as Glow's suite does: lifted rows equal in
/// every expected column, failed rows equal in position and alleles with
/// an error message containing Picard's filter. Returns the lifted count.
fn compare<R: Reference>(
    input: &str,
    lifted: &str,
    failed: &str,
    chain: &str,
    reference: R,
    min_match: f64,
) -> usize {
    let chains = Arc::new(ChainIndex::open(data(chain)).unwrap());
    let mut transform = LiftOverVariants::new(chains, reference, min_match).unwrap();
    let (_, input_batches) = read_vcf(&data(input));
    let output: Vec<RecordBatch> = input_batches
        .iter()
        .map(|b| transform.transform(b).unwrap())
        .collect();
    let input_rows: usize = input_batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(
        output.iter().map(|b| b.num_rows()).sum::<usize>(),
        input_rows,
        "every input row comes out"
    );

    let (expected_schema, expected_batches) = read_vcf(&data(lifted));
    let columns = compared_columns(&expected_schema);
    let mut got = rows(&output, &columns, |b, r| status(b, r).0);
    let mut want = rows(&expected_batches, &columns, |_, _| true);
    got.sort();
    want.sort();
    assert_eq!(
        got.len(),
        want.len(),
        "lifted rows of {input}: {got:#?} vs {want:#?}"
    );
    for (g, w) in got.iter().zip(&want) {
        for ((c, gv), wv) in columns.iter().zip(g).zip(w) {
            assert_eq!(gv, wv, "{input}: column {c} of lifted row {g:?}");
        }
    }

    let site = [
        "contigName",
        "start",
        "end",
        "referenceAllele",
        "alternateAlleles",
    ]
    .map(String::from);
    let mut got_failed: Vec<(Vec<String>, String)> = Vec::new();
    for batch in &output {
        let texts = rows(std::slice::from_ref(batch), &site, |_, _| true);
        for (row, text) in texts.into_iter().enumerate() {
            let (success, message) = status(batch, row);
            if !success {
                got_failed.push((text, message.unwrap()));
            }
        }
    }
    let (_, failed_batches) = read_vcf(&data(failed));
    let mut want_failed: Vec<(Vec<String>, String, String)> = Vec::new();
    for batch in &failed_batches {
        let texts = rows(std::slice::from_ref(batch), &site, |_, _| true);
        let filters = batch.column_by_name("filters").unwrap().as_list::<i32>();
        let locus = batch
            .column_by_name("INFO_AttemptedLocus")
            .map(|c| c.as_string::<i32>().clone());
        for (row, text) in texts.into_iter().enumerate() {
            let filter = filters.value(row).as_string::<i32>().value(0).to_string();
            let locus = locus
                .as_ref()
                .filter(|l| l.is_valid(row))
                .map(|l| l.value(row).to_string())
                .unwrap_or_default();
            want_failed.push((text, filter, locus));
        }
    }
    got_failed.sort();
    want_failed.sort();
    assert_eq!(
        got_failed.len(),
        want_failed.len(),
        "failed rows of {input}: {got_failed:#?} vs {want_failed:#?}"
    );
    for ((text, message), (want_text, filter, locus)) in got_failed.iter().zip(&want_failed) {
        assert_eq!(text, want_text, "{input}: failed row");
        assert!(
            message.contains(filter.as_str()),
            "{input}: {message} lacks {filter}"
        );
        if !locus.is_empty() {
            assert_eq!(message, &format!("{filter}: AttemptedLocus {locus}"));
        }
    }
    got.len()
}

const PICARD: &str = "liftover/picard";

fn picard(file: &str) -> String {
    format!("{PICARD}/{file}")
}

fn picard_case(base: &str, chain: &str, reference: &str, min_match: f64) -> usize {
    if reference == "dummy.two.block.reference.fasta" {
        return compare(
            &picard(base),
            &picard(&format!("lifted.{base}")),
            &picard(&format!("failed.{base}")),
            &picard(chain),
            MemoryReference::fasta(&picard(reference)),
            min_match,
        );
    }
    compare(
        &picard(base),
        &picard(&format!("lifted.{base}")),
        &picard(&format!("failed.{base}")),
        &picard(chain),
        IndexedFasta::open(data(&picard(reference))).unwrap(),
        min_match,
    )
}

#[test]
fn reverse_strand_biallelic_indels() {
    assert_eq!(
        picard_case(
            "testLiftoverBiallelicIndels.vcf",
            "test.over.chain",
            "dummy.reference.fasta",
            1.0
        ),
        3
    );
}

#[test]
fn reverse_strand_multiallelic_indels_fail() {
    assert_eq!(
        picard_case(
            "testLiftoverMultiallelicIndels.vcf",
            "test.over.chain",
            "dummy.reference.fasta",
            1.0
        ),
        0
    );
}

#[test]
fn reverse_strand_swapped_ref_alt() {
    assert_eq!(
        picard_case(
            "testLiftoverSwapRefAltVariants.vcf",
            "test.over.chain",
            "dummy.reference.fasta",
            1.0
        ),
        3
    );
}

#[test]
fn simple_indels_across_two_blocks() {
    assert_eq!(
        picard_case(
            "testLiftoverIndelNoFlip.vcf",
            "test.two.block.over.chain",
            "dummy.two.block.reference.fasta",
            0.95
        ),
        8
    );
}

#[test]
fn indel_flip() {
    assert_eq!(
        picard_case(
            "testLiftoverIndelFlip.vcf",
            "test.over.chain",
            "mini.reference.fasta",
            1.0
        ),
        11
    );
}

#[test]
fn reverse_complemented_bases_mismatching_the_reference() {
    assert_eq!(
        compare(
            &picard("testLiftoverBiallelicIndels.vcf"),
            &picard("lifted.mismatchRefSeq.testLiftoverBiallelicIndels.vcf"),
            &picard("failed.mismatchRefSeq.testLiftoverBiallelicIndels.vcf"),
            &picard("test.over.chain"),
            IndexedFasta::open(data(&picard("dummy2.reference.fasta"))).unwrap(),
            1.0,
        ),
        2
    );
}

#[test]
fn arrays_flipped_during_ref_alt_swap() {
    assert_eq!(
        compare(
            "liftover/unlifted.swapRefAltAndArrays.vcf",
            "liftover/lifted.swapRefAltAndArrays.vcf",
            "liftover/failed.swapRefAltAndArrays.vcf",
            &picard("test.over.chain"),
            IndexedFasta::open(data(&picard("dummy.reference.fasta"))).unwrap(),
            1.0,
        ),
        3
    );
}

/// hg19's chr20 length, as the chain file declares it.
const HG19_CHR20: u64 = 63_025_520;

#[test]
fn some_failures_hg38_to_hg19() {
    assert_eq!(
        compare(
            "liftover/unlifted.test.vcf",
            "liftover/lifted.test.vcf",
            "liftover/failed.test.vcf",
            "liftover/hg38ToHg19.over.chain.gz",
            MemoryReference::sparse_from_vcf("liftover/lifted.test.vcf", "chr20", HG19_CHR20),
            0.95,
        ),
        3
    );
}

#[test]
fn gvcf_lifts_without_failures() {
    assert_eq!(
        compare(
            "combined.chr20_18210071_18210093.g.vcf",
            "liftover/lifted.combined.chr20_18210071_18210093.g.vcf",
            "liftover/failed.combined.chr20_18210071_18210093.g.vcf",
            "liftover/hg38ToHg19.over.chain.gz",
            MemoryReference::sparse_from_vcf(
                "liftover/lifted.combined.chr20_18210071_18210093.g.vcf",
                "chr20",
                HG19_CHR20
            ),
            0.95,
        ),
        23
    );
}

#[test]
fn reference_without_the_target_contig_gives_no_target() {
    let chains = Arc::new(ChainIndex::open(data(&picard("test.over.chain"))).unwrap());
    let reference =
        MemoryReference::sparse_from_vcf("liftover/lifted.test.vcf", "chr20", HG19_CHR20);
    let mut transform = LiftOverVariants::new(chains, reference, 1.0).unwrap();
    let (_, batches) = read_vcf(&data(&picard("testLiftoverBiallelicIndels.vcf")));
    let mut messages = Vec::new();
    for batch in &batches {
        let out = transform.transform(batch).unwrap();
        for row in 0..out.num_rows() {
            messages.push(status(&out, row).1.unwrap());
        }
    }
    assert_eq!(messages.len(), 5);
    assert!(messages.iter().all(|m| m == "NoTarget"), "{messages:?}");
}

#[test]
fn missing_contig_in_chain_gives_no_target() {
    let chains = Arc::new(ChainIndex::open(data(&picard("test.over.chain"))).unwrap());
    let reference = IndexedFasta::open(data(&picard("dummy.reference.fasta"))).unwrap();
    let mut transform = LiftOverVariants::new(chains, reference, 1.0).unwrap();
    let (_, batches) = read_vcf(&data(&picard("testLiftoverUsingMissingContig.vcf")));
    let out = transform.transform(&batches[0]).unwrap();
    assert_eq!(out.num_rows(), 2);
    assert_eq!(status(&out, 0), (true, None));
    assert_eq!(status(&out, 1), (false, Some("NoTarget".to_string())));
    // A failed row keeps its input values.
    assert_eq!(column_text(&out, "contigName")[1], "missingContig");
    assert_eq!(column_text(&out, "start")[1], "60");
}
