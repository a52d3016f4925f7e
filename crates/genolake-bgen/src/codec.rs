//! Compression of genotype blocks: zlib through libdeflate, zstd through
//! the reference library. Output buffers are sized by the block's stated
//! length, which the caller has already checked against the limits the
//! specification and the file size allow.

use crate::header::Compression;

/// Bytes of zeros after a zlib block's last byte, so that libdeflate's
/// fast loop, which must stay 25 bytes of input (64-bit words) from the end
/// of its input, reaches the block's end. Without them the last 25 bytes of
/// each block went through its generic loop, which copies matches a byte
/// at a time (`rep movsb`, with the one-byte overlap of a run); a block of
/// phased haplotypes compresses about 6,000 bytes to 290, so those last
/// bytes stand for much of its output. The stream must still end within the
/// block (checked with the input length libdeflate reports).
const INPUT_SLACK: usize = 32;
/// Bytes of room past the stated length, so that the fast loop, which must
/// stay 299 bytes of output (a match of 258, two literals and five words of
/// overrun) from the end of its buffer, reaches the end of the block. The
/// block must still inflate to exactly the stated length.
const OUTPUT_SLACK: usize = 320;

/// Reusable decompressors and the buffer blocks inflate into.
pub(crate) struct Inflater {
    zlib: Zlib,
    zstd: Option<zstd::bulk::Decompressor<'static>>,
    /// A zlib block followed by [`INPUT_SLACK`] zeros.
    padded: Vec<u8>,
    /// The last block inflated, then [`OUTPUT_SLACK`] bytes of room.
    out: Vec<u8>,
}

impl Inflater {
    pub(crate) fn new() -> Self {
        Self {
            zlib: Zlib::new(),
            zstd: None,
            padded: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Inflates `input`, which must come out exactly `expected` bytes long,
    /// and returns those bytes.
    pub(crate) fn inflate(
        &mut self,
        compression: Compression,
        input: &[u8],
        expected: usize,
    ) -> Result<&[u8], String> {
        // Every byte is written over, or the block is an error, so a buffer
        // already of the length (the usual case: blocks of one file inflate
        // to the same length) is not zeroed first.
        let room = expected.saturating_add(OUTPUT_SLACK);
        if self.out.len() != room {
            self.out.clear();
            self.out.resize(room, 0);
        }
        match compression {
            Compression::None => {
                if input.len() != expected {
                    return Err(format!(
                        "the uncompressed genotype block holds {} bytes, not the {expected} stated",
                        input.len()
                    ));
                }
                self.out[..expected].copy_from_slice(input);
            }
            Compression::Zlib => {
                self.padded.clear();
                self.padded.extend_from_slice(input);
                self.padded.resize(input.len() + INPUT_SLACK, 0);
                match self.zlib.decompress(&self.padded, &mut self.out) {
                    Ok((read, _)) if read > input.len() => {
                        return Err(format!(
                            "the zlib genotype block of {} bytes is not valid zlib data (its stream runs past the block's end)",
                            input.len()
                        ));
                    }
                    Ok((_, n)) if n == expected => {}
                    Ok((_, n)) if n < expected => {
                        return Err(format!(
                            "the zlib genotype block of {} bytes inflates to {n} bytes, not the {expected} stated",
                            input.len()
                        ));
                    }
                    // Longer, within the slack or past it: said alike.
                    Ok(_) | Err(ZlibError::InsufficientSpace) => {
                        return Err(format!(
                            "the zlib genotype block of {} bytes inflates to more than the {expected} bytes stated",
                            input.len()
                        ));
                    }
                    Err(ZlibError::BadData) => {
                        return Err(format!(
                            "the zlib genotype block of {} bytes is not valid zlib data",
                            input.len()
                        ));
                    }
                }
            }
            Compression::Zstd => {
                if self.zstd.is_none() {
                    let d = zstd::bulk::Decompressor::new()
                        .map_err(|e| format!("cannot start a zstd decompressor: {e}"))?;
                    self.zstd = Some(d);
                }
                let d = self.zstd.as_mut().expect("created above");
                match d.decompress_to_buffer(input, &mut self.out[..expected]) {
                    Ok(n) if n == expected => {}
                    Ok(n) => {
                        return Err(format!(
                            "the zstd genotype block of {} bytes inflates to {n} bytes, not the {expected} stated",
                            input.len()
                        ));
                    }
                    Err(e) => {
                        return Err(format!(
                            "the zstd genotype block of {} bytes does not inflate to the {expected} bytes stated: {e}",
                            input.len()
                        ));
                    }
                }
            }
        }
        Ok(&self.out[..expected])
    }
}

/// Why libdeflate refused a zlib stream.
#[derive(Debug, PartialEq)]
enum ZlibError {
    BadData,
    InsufficientSpace,
}

/// A libdeflate decompressor, called through `libdeflate_zlib_decompress_ex`
/// for the input length it reports (the `libdeflater` wrapper reports only
/// the output's), which lets a block be inflated from a padded copy.
struct Zlib(std::ptr::NonNull<libdeflate_sys::libdeflate_decompressor>);

// The decompressor is plain memory owned by this value alone (libdeflate
// keeps no global state), so it may move between threads.
unsafe impl Send for Zlib {}

impl Zlib {
    fn new() -> Self {
        // SAFETY: no precondition; the result is checked for null.
        let p = unsafe { libdeflate_sys::libdeflate_alloc_decompressor() };
        // As `libdeflater` does: out of memory is not an input error.
        Self(std::ptr::NonNull::new(p).expect("libdeflate cannot allocate a decompressor"))
    }

    /// Inflates the zlib stream at the start of `input` into `out`: the
    /// bytes of `input` it took (header, stream and checksum) and the bytes
    /// it wrote.
    fn decompress(&mut self, input: &[u8], out: &mut [u8]) -> Result<(usize, usize), ZlibError> {
        let (mut read, mut written) = (0usize, 0usize);
        // SAFETY: the decompressor is live and used by this call alone
        // (`&mut self`); libdeflate reads at most `input.len()` bytes of
        // `input`, writes at most `out.len()` bytes of `out`, and writes the
        // two counts through pointers to locals.
        let result = unsafe {
            libdeflate_sys::libdeflate_zlib_decompress_ex(
                self.0.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                out.as_mut_ptr().cast(),
                out.len(),
                &mut read,
                &mut written,
            )
        };
        match result {
            libdeflate_sys::libdeflate_result_LIBDEFLATE_SUCCESS => Ok((read, written)),
            libdeflate_sys::libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE => {
                Err(ZlibError::InsufficientSpace)
            }
            // BAD_DATA; SHORT_OUTPUT cannot come back when the output
            // length is asked for.
            _ => Err(ZlibError::BadData),
        }
    }
}

impl Drop for Zlib {
    fn drop(&mut self) {
        // SAFETY: allocated by libdeflate_alloc_decompressor, freed once.
        unsafe { libdeflate_sys::libdeflate_free_decompressor(self.0.as_ptr()) }
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

    /// The padding the fast loop reads past a block must not complete a
    /// stream the block cuts short, and bytes after a complete stream are
    /// ignored, as before the padding.
    #[test]
    fn a_zlib_stream_must_end_within_its_block() {
        // Runs, as in phased haplotypes: a few bytes stand for thousands.
        let data: Vec<u8> = (0..6000u32)
            .map(|i| if i % 977 == 0 { 0 } else { 255 })
            .collect();
        let mut packed = Vec::new();
        Deflater::new(None)
            .deflate(Compression::Zlib, &data, &mut packed)
            .unwrap();
        let mut inflater = Inflater::new();
        for cut in 1..packed.len() {
            let short = &packed[..packed.len() - cut];
            assert!(
                inflater
                    .inflate(Compression::Zlib, short, data.len())
                    .is_err(),
                "{cut} bytes cut"
            );
        }
        let mut trailing = packed.clone();
        trailing.extend_from_slice(&[0; 7]);
        let out = inflater
            .inflate(Compression::Zlib, &trailing, data.len())
            .unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn round_trips_and_rejects_wrong_sizes() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 7) as u8).collect();
        let mut deflater = Deflater::new(None);
        let mut inflater = Inflater::new();
        for compression in [Compression::None, Compression::Zlib, Compression::Zstd] {
            let mut packed = Vec::new();
            deflater.deflate(compression, &data, &mut packed).unwrap();
            let out = inflater.inflate(compression, &packed, data.len()).unwrap();
            assert_eq!(out, data);
            assert!(
                inflater
                    .inflate(compression, &packed, data.len() + 1)
                    .is_err()
            );
            assert!(
                inflater
                    .inflate(compression, &packed, data.len() - 1)
                    .is_err()
            );
            if compression != Compression::None {
                let garbage = vec![0x55u8; packed.len()];
                assert!(inflater.inflate(compression, &garbage, data.len()).is_err());
            }
        }
    }
}
