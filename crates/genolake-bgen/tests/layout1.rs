//! BGEN v1.1 (layout 1) files built by hand: three 16-bit probabilities per
//! diploid sample, divided by 32768; all three zero means missing. (Files
//! written by plink2's `--export bgen-1.1` are checked in writer.rs.)

mod common;

use common::read_bgen;
use genolake_bgen::{Layout, ReaderOptions};

fn string16(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u16).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn string32(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A variant: rsid, position, allele A, allele B, raw probabilities per sample.
type RawVariant<'a> = (&'a str, u32, &'a str, &'a str, Vec<[u16; 3]>);

/// A layout 1 file with the given samples and variants.
fn layout1(compressed: bool, samples: &[&str], variants: &[RawVariant]) -> Vec<u8> {
    let mut ids = Vec::new();
    for s in samples {
        string16(&mut ids, s);
    }
    let sample_block_len = 8 + ids.len() as u32;
    let mut out = Vec::new();
    out.extend_from_slice(&(20 + sample_block_len).to_le_bytes());
    out.extend_from_slice(&20u32.to_le_bytes());
    out.extend_from_slice(&(variants.len() as u32).to_le_bytes());
    out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    out.extend_from_slice(b"bgen");
    let flags = u32::from(compressed) | (1 << 2) | (1 << 31);
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&sample_block_len.to_le_bytes());
    out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    out.extend_from_slice(&ids);
    for (rsid, position, a, b, probabilities) in variants {
        out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
        string16(&mut out, &format!("snp_{position}"));
        string16(&mut out, rsid);
        string16(&mut out, "22");
        out.extend_from_slice(&position.to_le_bytes());
        string32(&mut out, a);
        string32(&mut out, b);
        let raw: Vec<u8> = probabilities
            .iter()
            .flatten()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        if compressed {
            let packed = {
                let mut c = libdeflater::Compressor::new(libdeflater::CompressionLvl::default());
                let mut buf = vec![0; c.zlib_compress_bound(raw.len())];
                let n = c.zlib_compress(&raw, &mut buf).unwrap();
                buf.truncate(n);
                buf
            };
            out.extend_from_slice(&(packed.len() as u32).to_le_bytes());
            out.extend_from_slice(&packed);
        } else {
            out.extend_from_slice(&raw);
        }
    }
    out
}

#[test]
fn layout_1_reads_as_unphased_diploids_with_missing_samples() {
    let dir = tempfile::tempdir().unwrap();
    let variants = vec![
        (
            "rs1",
            100,
            "A",
            "G",
            vec![[32768, 0, 0], [0, 0, 0], [1000, 29000, 2768]],
        ),
        (
            "rs2",
            200,
            "CT",
            "C",
            vec![[0, 0, 32768], [16384, 16384, 0], [3, 2, 1]],
        ),
    ];
    for compressed in [false, true] {
        let path = dir.path().join("v11.bgen");
        std::fs::write(&path, layout1(compressed, &["s1", "s2", "s3"], &variants)).unwrap();
        let header = genolake_bgen::read_header(&path).unwrap();
        assert_eq!(header.layout, Layout::One);
        let rows = read_bgen(&path, ReaderOptions::default());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].names, ["snp_100", "rs1"]);
        assert_eq!((rows[1].start, rows[1].end), (199, 201));
        assert_eq!(
            (rows[1].reference.as_str(), rows[1].alternates.as_slice()),
            ("CT", &["C".to_string()][..])
        );
        let g = &rows[0].genotypes;
        assert_eq!(g[0].sample_id.as_deref(), Some("s1"));
        assert_eq!(g[0].probabilities.as_deref(), Some(&[1.0, 0.0, 0.0][..]));
        assert_eq!(g[0].calls.as_deref(), Some(&[0, 0][..]));
        assert_eq!((g[0].ploidy, g[0].phased), (Some(2), Some(false)));
        assert_eq!(
            g[1].probabilities, None,
            "all-zero probabilities mean missing"
        );
        assert_eq!(g[1].calls.as_deref(), Some(&[-1, -1][..]));
        let p = g[2].probabilities.as_ref().unwrap();
        assert_eq!(p, &[1000.0 / 32768.0, 29000.0 / 32768.0, 2768.0 / 32768.0]);
        assert_eq!(
            g[2].calls.as_deref(),
            Some(&[-1, -1][..]),
            "0.885 is below 0.9"
        );
        let g = &rows[1].genotypes;
        assert_eq!(g[0].calls.as_deref(), Some(&[1, 1][..]));
        assert_eq!(g[1].calls.as_deref(), Some(&[-1, -1][..]));
        // Layout 1 probabilities need not sum to one.
        assert_eq!(g[2].probabilities.as_ref().unwrap().len(), 3);
    }
}

#[test]
fn layout_1_sample_count_mismatch_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = layout1(
        true,
        &["s1", "s2"],
        &[("rs1", 1, "A", "G", vec![[32768, 0, 0]; 2])],
    );
    // The variant block's own sample count follows the header and sample block.
    let first = u32::from_le_bytes(bytes[0..4].try_into().unwrap()) as usize + 4;
    bytes[first] = 3;
    let path = dir.path().join("bad.bgen");
    std::fs::write(&path, &bytes).unwrap();
    let e = genolake_bgen::Reader::open(&path)
        .unwrap()
        .next()
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("variant block at byte {first}: the variant block lists 3 samples but the header declares 2")),
        "{e}"
    );
}
