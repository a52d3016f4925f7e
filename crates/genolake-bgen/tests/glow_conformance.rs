//! Every BGEN file of Glow's test data decodes to its companion VCF (written
//! by qctool): sites, names, samples, ploidy, phasing and every probability,
//! to the precision the VCF prints; and the hard calls match the
//! `threshold-*` VCFs.

mod common;

use common::{Row, glow_bgen, name_set, read_bgen, read_vcf};
use genolake_bgen::ReaderOptions;

/// Compares one BGEN file with its VCF; `tolerance` bounds the difference of
/// each probability. Returns the largest difference seen.
fn compare(bgen: &str, vcf: &str, tolerance: f64, options: ReaderOptions) -> f64 {
    let ours = read_bgen(&glow_bgen().join(bgen), options);
    let theirs = read_vcf(&glow_bgen().join(vcf));
    assert_eq!(ours.len(), theirs.len(), "{bgen}: row count");
    let mut worst = 0.0f64;
    for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        let at = format!("{bgen} row {i} ({}:{})", o.contig, o.start + 1);
        assert_eq!(o.contig, t.contig, "{at}");
        assert_eq!((o.start, o.end), (t.start, t.end), "{at}");
        assert_eq!(name_set(&o.names), name_set(&t.names), "{at}");
        assert_eq!(o.reference, t.reference, "{at}");
        assert_eq!(o.alternates, t.alternates, "{at}");
        assert_eq!(o.genotypes.len(), t.genotypes.len(), "{at}");
        for (j, (og, tg)) in o.genotypes.iter().zip(&t.genotypes).enumerate() {
            let at = format!("{at} sample {j}");
            let vcf_id = tg.sample_id.as_deref().unwrap();
            // qctool names anonymous samples NA0, NA1, ... in its VCFs.
            if !vcf_id.starts_with("NA") {
                assert_eq!(og.sample_id.as_deref(), Some(vcf_id), "{at}");
            }
            match (&og.probabilities, &tg.probabilities) {
                (None, None) => {
                    assert!(
                        og.calls.as_ref().unwrap().iter().all(|&c| c == -1),
                        "{at}: missing sample has calls"
                    );
                }
                (Some(p), Some(q)) => {
                    assert_eq!(p.len(), q.len(), "{at}: {p:?} vs {q:?}");
                    for (x, y) in p.iter().zip(q) {
                        let d = (x - y).abs();
                        worst = worst.max(d);
                        assert!(d <= tolerance, "{at}: {p:?} vs {q:?}");
                    }
                    // The VCFs carry no GT: check ploidy against the number of
                    // probabilities the phasing implies.
                    let ploidy = og.ploidy.unwrap() as usize;
                    let alleles = 1 + o.alternates.len();
                    let expected = if og.phased == Some(true) {
                        ploidy * alleles
                    } else {
                        genolake_bgen::record::genotype_count(ploidy as u32, alleles as u32)
                            as usize
                    };
                    assert_eq!(p.len(), expected, "{at}");
                }
                (p, q) => panic!("{at}: probabilities {p:?} vs {q:?}"),
            }
        }
    }
    eprintln!(
        "{bgen}: {} rows, largest probability difference {worst:e}",
        ours.len()
    );
    worst
}

/// The VCFs print six significant digits: half a unit of the sixth.
const PRINTED: f64 = 1e-6;

#[test]
fn unphased_8_bit_zlib_matches_its_vcf() {
    compare(
        "example.8bits.bgen",
        "example.8bits.vcf",
        PRINTED,
        ReaderOptions::default(),
    );
}

#[test]
fn unphased_8_bit_uncompressed_matches_its_vcf() {
    compare(
        "example.8bits.uncompressed.bgen",
        "example.8bits.vcf",
        PRINTED,
        ReaderOptions::default(),
    );
}

#[test]
fn unphased_8_bit_zstd_matches_its_vcf() {
    compare(
        "example.8bits.zstd.bgen",
        "example.8bits.vcf",
        PRINTED,
        ReaderOptions::default(),
    );
}

#[test]
fn unphased_16_bit_with_missing_samples_matches_its_vcf() {
    for bgen in ["example.16bits.bgen", "example.16bits.noindex.bgen"] {
        compare(
            bgen,
            "example.16bits.vcf",
            PRINTED,
            ReaderOptions::default(),
        );
    }
}

#[test]
fn unphased_32_bit_matches_its_vcf() {
    compare(
        "example.32bits.bgen",
        "example.32bits.vcf",
        PRINTED,
        ReaderOptions::default(),
    );
}

#[test]
fn three_bit_probabilities_are_within_a_quantisation_step_of_the_16_bit_ones() {
    // No VCF accompanies the 3-bit file: it holds the same data as the
    // 16-bit one, each value within 1/7 of it.
    let worst = compare(
        "example.3bits.bgen",
        "example.16bits.vcf",
        1.0 / 7.0 + PRINTED,
        ReaderOptions::default(),
    );
    assert!(
        worst > 0.01,
        "3-bit values should differ from the 16-bit ones"
    );
}

#[test]
fn phased_files_match_their_vcfs() {
    compare(
        "phased.16bits.bgen",
        "phased.16bits.vcf",
        PRINTED,
        ReaderOptions::default(),
    );
    compare(
        "phased.8bits.bgen",
        "phased.8bits.vcf",
        PRINTED,
        ReaderOptions::default(),
    );
}

#[test]
fn mixed_ploidy_phasing_and_multiallelics_match_their_vcf() {
    compare(
        "complex.16bits.bgen",
        "complex.16bits.vcf",
        PRINTED,
        ReaderOptions::default(),
    );
}

/// Hard calls of a BGEN file against the GT of a threshold VCF.
fn compare_calls(bgen: &str, vcf: &str, threshold: Option<f64>) {
    let mut options = ReaderOptions::default();
    if let Some(t) = threshold {
        options.hard_call_threshold = t;
    }
    let ours = read_bgen(&glow_bgen().join(bgen), options);
    let theirs = read_vcf(&glow_bgen().join(vcf));
    assert_eq!(ours.len(), theirs.len());
    let mut compared = 0;
    for (o, t) in ours.iter().zip(&theirs) {
        assert_eq!(o.start, t.start);
        for (j, (og, tg)) in o.genotypes.iter().zip(&t.genotypes).enumerate() {
            let expected = tg.calls.as_ref().expect("threshold VCFs have GT");
            assert_eq!(
                og.calls.as_ref(),
                Some(expected),
                "{bgen} at {}:{} sample {j}: probabilities {:?}",
                o.contig,
                o.start + 1,
                og.probabilities
            );
            if og.probabilities.is_some() && og.ploidy > Some(1) {
                // qctool writes a missing sample's GT unphased, and a VCF
                // cannot mark a haploid call phased; compare phasing where
                // there is data and a separator.
                assert_eq!(og.phased, tg.phased, "{bgen} at {} sample {j}", o.start + 1);
            }
            compared += 1;
        }
    }
    assert!(compared > 0);
}

#[test]
fn hard_calls_at_the_default_threshold_match_qctool() {
    compare_calls(
        "example.16bits.bgen",
        "example.16bits.threshold-0.9.vcf",
        None,
    );
}

#[test]
fn hard_calls_at_a_higher_threshold_match_qctool() {
    compare_calls(
        "example.16bits.bgen",
        "example.16bits.threshold-0.95.vcf",
        Some(0.95),
    );
}

#[test]
fn phased_hard_calls_are_made_per_haplotype() {
    compare_calls(
        "phased.16bits.bgen",
        "phased.16bits.threshold-0.9.vcf",
        Some(0.9),
    );
}

#[test]
fn hard_calls_of_every_ploidy_match_qctool() {
    compare_calls(
        "complex.16bits.bgen",
        "complex.16bits.threshold-0.9.vcf",
        Some(0.9),
    );
}

#[test]
fn glow_site_conventions() {
    let rows: Vec<Row> = read_bgen(
        &glow_bgen().join("complex.16bits.bgen"),
        ReaderOptions::default(),
    );
    // V1 has an empty variant id and rsid V1; V2 has id V2.1 and rsid V2.
    assert_eq!(rows[0].names, ["V1"]);
    assert_eq!(rows[1].names, ["V2.1", "V2"]);
    // M6 at position 7 with REF A: start 6, end 7.
    assert_eq!((rows[5].start, rows[5].end), (6, 7));
    assert_eq!(rows[5].alternates, ["G", "GT", "GTT"]);
    let first = &rows[0].genotypes[0];
    assert_eq!(first.sample_id.as_deref(), Some("sample_0"));
    assert_eq!(first.ploidy, Some(1));
    assert_eq!(first.phased, Some(false));
    assert_eq!(first.probabilities.as_deref(), Some(&[1.0, 0.0][..]));
    assert_eq!(first.calls.as_deref(), Some(&[0][..]));
}
