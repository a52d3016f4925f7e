//! Compression of genotype blocks: zlib through libdeflate, zstd through
//! the reference library. Output buffers are sized by the block's stated
//! length, which the caller has already checked against the limits the
//! specification and the file size allow.

use crate::header::Compression;

/// Reusable decompressors.
pub(crate) struct Inflater {
    zlib: libdeflater::Decompressor,
    zstd: Option<zstd::bulk::Decompressor<'static>>,
}

impl Inflater {
    pub(crate) fn new() -> Self {
        Self {
            zlib: libdeflater::Decompressor::new(),
            zstd: None,
        }
    }

    /// Inflates `input` into `out`, which must come out exactly `expected`
    /// bytes long.
    pub(crate) fn inflate(
        &mut self,
        compression: Compression,
        input: &[u8],
        expected: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        // Every byte is written over, or the block is an error, so a buffer
        // already of the length (the usual case: blocks of one file inflate
        // to the same length) is not zeroed first.
        if out.len() != expected {
            out.clear();
            out.resize(expected, 0);
        }
        match compression {
            Compression::None => {
                if input.len() != expected {
                    return Err(format!(
                        "the uncompressed genotype block holds {} bytes, not the {expected} stated",
                        input.len()
                    ));
                }
                out.copy_from_slice(input);
                Ok(())
            }
            Compression::Zlib => match self.zlib.zlib_decompress(input, out) {
                Ok(n) if n == expected => Ok(()),
                Ok(n) => Err(format!(
                    "the zlib genotype block of {} bytes inflates to {n} bytes, not the {expected} stated",
                    input.len()
                )),
                Err(libdeflater::DecompressionError::InsufficientSpace) => Err(format!(
                    "the zlib genotype block of {} bytes inflates to more than the {expected} bytes stated",
                    input.len()
                )),
                Err(libdeflater::DecompressionError::BadData) => Err(format!(
                    "the zlib genotype block of {} bytes is not valid zlib data",
                    input.len()
                )),
            },
            Compression::Zstd => {
                if self.zstd.is_none() {
                    let d = zstd::bulk::Decompressor::new()
                        .map_err(|e| format!("cannot start a zstd decompressor: {e}"))?;
                    self.zstd = Some(d);
                }
                let d = self.zstd.as_mut().expect("created above");
                match d.decompress_to_buffer(input, &mut out[..]) {
                    Ok(n) if n == expected => Ok(()),
                    Ok(n) => Err(format!(
                        "the zstd genotype block of {} bytes inflates to {n} bytes, not the {expected} stated",
                        input.len()
                    )),
                    Err(e) => Err(format!(
                        "the zstd genotype block of {} bytes does not inflate to the {expected} bytes stated: {e}",
                        input.len()
                    )),
                }
            }
        }
    }
}

/// The first `N` bytes `input` inflates to, without inflating the rest.
pub(crate) fn inflate_prefix<const N: usize>(
    compression: Compression,
    input: &[u8],
) -> Result<[u8; N], String> {
    use std::io::Read;
    let mut out = [0u8; N];
    let short = || format!("the genotype block inflates to fewer than {N} bytes");
    match compression {
        Compression::None => out.copy_from_slice(input.get(..N).ok_or_else(short)?),
        Compression::Zlib => {
            flate2::read::ZlibDecoder::new(input)
                .read_exact(&mut out)
                .map_err(|e| format!("the zlib genotype block does not inflate: {e}"))?;
        }
        Compression::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::with_buffer(input)
                .map_err(|e| format!("cannot start a zstd decompressor: {e}"))?;
            decoder
                .read_exact(&mut out)
                .map_err(|e| format!("the zstd genotype block does not inflate: {e}"))?;
        }
    }
    Ok(out)
}

/// Reusable compressors for the writer.
pub(crate) struct Deflater {
    zlib: libdeflater::Compressor,
    zstd: Option<zstd::bulk::Compressor<'static>>,
    level: i32,
}

impl Deflater {
    pub(crate) fn new(level: Option<i32>) -> Self {
        let zlib_level = level.unwrap_or(6).clamp(0, 12);
        Self {
            zlib: libdeflater::Compressor::new(
                libdeflater::CompressionLvl::new(zlib_level).unwrap_or_default(),
            ),
            zstd: None,
            level: level.unwrap_or(3),
        }
    }

    /// Compresses `input` into `out` (replacing its contents).
    pub(crate) fn deflate(
        &mut self,
        compression: Compression,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        out.clear();
        match compression {
            Compression::None => out.extend_from_slice(input),
            Compression::Zlib => {
                out.resize(self.zlib.zlib_compress_bound(input.len()), 0);
                let n = self
                    .zlib
                    .zlib_compress(input, out)
                    .map_err(|e| format!("zlib compression failed: {e:?}"))?;
                out.truncate(n);
            }
            Compression::Zstd => {
                if self.zstd.is_none() {
                    let c = zstd::bulk::Compressor::new(self.level)
                        .map_err(|e| format!("cannot start a zstd compressor: {e}"))?;
                    self.zstd = Some(c);
                }
                let c = self.zstd.as_mut().expect("created above");
                out.resize(zstd::zstd_safe::compress_bound(input.len()), 0);
                let n = c
                    .compress_to_buffer(input, &mut out[..])
                    .map_err(|e| format!("zstd compression failed: {e}"))?;
                out.truncate(n);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_wrong_sizes() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 7) as u8).collect();
        let mut deflater = Deflater::new(None);
        let mut inflater = Inflater::new();
        for compression in [Compression::None, Compression::Zlib, Compression::Zstd] {
            let mut packed = Vec::new();
            deflater.deflate(compression, &data, &mut packed).unwrap();
            let mut out = Vec::new();
            inflater
                .inflate(compression, &packed, data.len(), &mut out)
                .unwrap();
            assert_eq!(out, data);
            assert!(
                inflater
                    .inflate(compression, &packed, data.len() + 1, &mut out)
                    .is_err()
            );
            assert!(
                inflater
                    .inflate(compression, &packed, data.len() - 1, &mut out)
                    .is_err()
            );
            if compression != Compression::None {
                let garbage = vec![0x55u8; packed.len()];
                assert!(
                    inflater
                        .inflate(compression, &garbage, data.len(), &mut out)
                        .is_err()
                );
            }
        }
    }
}
