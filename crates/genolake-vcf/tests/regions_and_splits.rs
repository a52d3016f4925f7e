//! Region queries return what `bcftools view -r` returns, with and without an
//! index; splits that tile a file return every record exactly once.

mod common;

use std::io::Write;
use std::path::Path;

use common::{bcftools, glow_data, read_all, render};
use genolake_core::{Region, Split};
use genolake_vcf::{Reader, ReaderOptions};

fn rows_in(path: &Path, options: ReaderOptions) -> Vec<String> {
    let (header, batches) = read_all(path, options);
    render(&header, &batches)
}

fn bcftools_positions(path: &Path, region: &str) -> Option<Vec<String>> {
    let out = bcftools(&[
        "query",
        "-r",
        region,
        "-f",
        "%CHROM\t%POS\t%REF\t%ALT\n",
        path.to_str()?,
    ])?;
    Some(out.lines().map(str::to_string).collect())
}

fn our_positions(path: &Path, options: ReaderOptions) -> Vec<String> {
    rows_in(path, options)
        .iter()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            format!("{}\t{}\t{}\t{}", f[0], f[1], f[3], f[4])
        })
        .collect()
}

#[test]
fn region_queries_match_bcftools_view_r() {
    let cases = [
        (
            "tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz",
            "20:10000000-10500000",
        ),
        (
            "tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz",
            "21",
        ),
        (
            "tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz",
            "20:10004775-10004790",
        ),
        (
            "tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz",
            "20:10036940",
        ),
        (
            "tabix-test-vcf/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz",
            "20:10004200-10004224",
        ),
        (
            "tabix-test-vcf/combined.chr20_18210071_18210093.g.vcf.gz",
            "chr20:18210080-18210085",
        ),
        ("tabix-test-vcf/NA12878_21_10002403.vcf.gz", "21:10002403"),
    ];
    for (file, region) in cases {
        let path = glow_data().join(file);
        let Some(expected) = bcftools_positions(&path, region) else {
            return;
        };
        assert!(
            !expected.is_empty(),
            "{file} {region}: the case should select records"
        );
        for use_index in [true, false] {
            let options = ReaderOptions {
                regions: vec![region.parse().unwrap()],
                use_index,
                ..Default::default()
            };
            assert_eq!(
                our_positions(&path, options),
                expected,
                "{file} {region} use_index={use_index}"
            );
        }
    }
}

#[test]
fn a_region_on_an_unknown_contig_is_empty() {
    let path = glow_data().join("tabix-test-vcf/CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf.gz");
    let options = ReaderOptions {
        regions: vec![Region::contig("chrUn")],
        ..Default::default()
    };
    assert!(rows_in(&path, options).is_empty());
}

/// Splits of every size read every record once, for plain text and BGZF.
#[test]
fn tiled_splits_read_each_record_once() {
    let dir = tempfile::tempdir().unwrap();
    let source = glow_data().join("CEUTrio.HiSeq.WGS.b37.NA12878.20.21.vcf");
    let text = std::fs::read(&source).unwrap();
    // Small BGZF blocks so that a split boundary falls in many places.
    let bgzf_path = dir.path().join("ceu.vcf.gz");
    let mut bgzipped = std::fs::File::create(&bgzf_path).unwrap();
    bgzipped.write_all(&bgzf_blocks(&text, 1000)).unwrap();
    drop(bgzipped);
    let whole = rows_in(&source, ReaderOptions::default());
    assert_eq!(whole.len(), 1075);
    for path in [source.as_path(), bgzf_path.as_path()] {
        let len = std::fs::metadata(path).unwrap().len();
        for parts in [2, 3, 7, 64, 500] {
            let mut rows = Vec::new();
            for split in Split::tile(path, len, parts) {
                let reader = Reader::builder(path).split(&split).build().unwrap();
                let (header, batches) = (
                    reader.header().clone(),
                    reader.collect::<Result<Vec<_>, _>>().unwrap(),
                );
                rows.extend(render(&header, &batches));
            }
            assert_eq!(rows, whole, "{} in {parts} splits", path.display());
        }
    }
}

/// BGZF with blocks of at most `chunk` input bytes, as bgzip writes it.
fn bgzf_blocks(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut compressor = libdeflater::Compressor::new(libdeflater::CompressionLvl::default());
    let mut pieces: Vec<&[u8]> = data.chunks(chunk).collect();
    pieces.push(&[]);
    for piece in pieces {
        let mut deflated = vec![0u8; compressor.deflate_compress_bound(piece.len())];
        let n = compressor.deflate_compress(piece, &mut deflated).unwrap();
        deflated.truncate(n);
        let block_len = 18 + n + 8;
        out.extend_from_slice(&[
            0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0,
        ]);
        out.extend_from_slice(&((block_len - 1) as u16).to_le_bytes());
        out.extend_from_slice(&deflated);
        let mut crc = libdeflater::Crc::new();
        crc.update(piece);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(piece.len() as u32).to_le_bytes());
    }
    out
}
