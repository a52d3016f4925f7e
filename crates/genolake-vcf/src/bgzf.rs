//! BGZF: the block-gzip container of `.vcf.gz`, read block by block.
//!
//! A BGZF file is a series of gzip members of at most 64 KiB each, whose
//! extra field `BC` records the member's compressed size. Knowing where each
//! block starts is what makes the file splittable and indexable: a reader can
//! start at any block, and a split of the file owns the blocks that start in
//! its byte range. Blocks are inflated with libdeflate, whose whole-buffer API
//! fits BGZF's known sizes.

use std::io::{self, Read, Seek, SeekFrom};

use libdeflater::{Crc, Decompressor};

/// Largest possible BGZF block, compressed or not.
pub const MAX_BLOCK_SIZE: usize = 65536;
const HEADER_LEN: usize = 18;
const FOOTER_LEN: usize = 8;

/// Whether the first bytes of a file are a BGZF block header (a gzip member
/// with the `BC` extra subfield).
pub fn is_bgzf(head: &[u8]) -> bool {
    head.len() >= HEADER_LEN
        && head[0] == 0x1f
        && head[1] == 0x8b
        && head[2] == 8
        && head[3] & 4 != 0
        && head[10] == 6
        && head[11] == 0
        && head[12] == b'B'
        && head[13] == b'C'
        && head[14] == 2
        && head[15] == 0
}

/// Whether the first bytes of a file are gzip of any kind.
pub fn is_gzip(head: &[u8]) -> bool {
    head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b
}

/// A problem in the compressed stream, with the compressed offset it was found at.
#[derive(Debug)]
pub struct BlockError {
    /// Compressed offset of the damaged block.
    pub offset: u64,
    /// What is wrong.
    pub message: String,
    /// The underlying I/O error, when there is one.
    pub io: Option<io::Error>,
}

impl BlockError {
    fn new(offset: u64, message: impl Into<String>) -> Self {
        Self {
            offset,
            message: message.into(),
            io: None,
        }
    }
}

/// Where a block sits in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockInfo {
    /// Offset of the block's first byte in the compressed file.
    pub offset: u64,
    /// Compressed size, header and footer included.
    pub compressed_len: u32,
    /// Size once inflated.
    pub len: u32,
}

/// A block read but not yet inflated.
#[derive(Debug, Clone, Copy)]
struct Deflated {
    offset: u64,
    block_len: usize,
    crc: u32,
    len: u32,
}

/// Reads BGZF blocks one at a time from a seekable byte source.
pub struct BlockReader<R> {
    inner: R,
    offset: u64,
    compressed: Vec<u8>,
    decompressor: Decompressor,
}

impl<R: Read + Seek> BlockReader<R> {
    /// A reader positioned at the start of `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            compressed: Vec::with_capacity(MAX_BLOCK_SIZE),
            decompressor: Decompressor::new(),
        }
    }

    /// Moves to the block starting at compressed offset `offset`.
    pub fn seek(&mut self, offset: u64) -> io::Result<()> {
        self.inner.seek(SeekFrom::Start(offset))?;
        self.offset = offset;
        Ok(())
    }

    /// The underlying byte source.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Compressed offset of the next block.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Reads the next block and appends its inflated bytes to `out`.
    /// Returns `None` at the end of the file.
    pub fn read_block(&mut self, out: &mut Vec<u8>) -> Result<Option<BlockInfo>, BlockError> {
        let Some(block) = self.read_deflated()? else {
            return Ok(None);
        };
        let start = out.len();
        out.resize(start + block.len as usize, 0);
        let inflated = self.inflate(&block, &mut out[start..]);
        if inflated.is_err() {
            out.truncate(start);
        }
        inflated.map(Some)
    }

    /// Reads the next block and inflates it into the start of `out`, which
    /// must hold [`MAX_BLOCK_SIZE`] bytes: for a caller that reuses one
    /// buffer, whose bytes need not be zeroed for every block as a growing
    /// `Vec`'s are. Returns `None` at the end of the file.
    pub fn read_block_into(&mut self, out: &mut [u8]) -> Result<Option<BlockInfo>, BlockError> {
        let Some(block) = self.read_deflated()? else {
            return Ok(None);
        };
        let Some(out) = out.get_mut(..block.len as usize) else {
            return Err(BlockError::new(
                block.offset,
                format!(
                    "BGZF block inflates to {} bytes, more than the {} given to hold it",
                    block.len,
                    out.len()
                ),
            ));
        };
        self.inflate(&block, out).map(Some)
    }

    /// Reads the next block's header and deflated bytes (into
    /// `self.compressed`) and checks what its header and footer say.
    fn read_deflated(&mut self) -> Result<Option<Deflated>, BlockError> {
        let offset = self.offset;
        let io_err = |e: io::Error| BlockError {
            offset,
            message: format!("reading the BGZF block failed: {e}"),
            io: Some(e),
        };
        let mut header = [0u8; HEADER_LEN];
        let got = read_up_to(&mut self.inner, &mut header).map_err(io_err)?;
        if got == 0 {
            return Ok(None);
        }
        if got < HEADER_LEN {
            return Err(BlockError::new(
                offset,
                format!("the file ends {got} bytes into a BGZF block header (truncated file?)"),
            ));
        }
        if !is_bgzf(&header) {
            return Err(BlockError::new(
                offset,
                "expected a BGZF block header here (gzip magic with a BC extra field)",
            ));
        }
        let block_len = u16::from_le_bytes([header[16], header[17]]) as usize + 1;
        if block_len < HEADER_LEN + FOOTER_LEN {
            return Err(BlockError::new(
                offset,
                format!("BGZF block size {block_len} is smaller than a block's header and footer"),
            ));
        }
        let rest = block_len - HEADER_LEN;
        self.compressed.resize(rest, 0);
        let got = read_up_to(&mut self.inner, &mut self.compressed).map_err(io_err)?;
        if got < rest {
            return Err(BlockError::new(
                offset,
                format!(
                    "the file ends inside a BGZF block: {} of its {block_len} bytes are present (truncated file?)",
                    HEADER_LEN + got
                ),
            ));
        }
        let footer = &self.compressed[rest - FOOTER_LEN..];
        let crc = u32::from_le_bytes([footer[0], footer[1], footer[2], footer[3]]);
        let len = u32::from_le_bytes([footer[4], footer[5], footer[6], footer[7]]);
        if len as usize > MAX_BLOCK_SIZE {
            return Err(BlockError::new(
                offset,
                format!("BGZF block claims to inflate to {len} bytes, more than the 65536 allowed"),
            ));
        }
        Ok(Some(Deflated {
            offset,
            block_len,
            crc,
            len,
        }))
    }

    /// Inflates the block [`read_deflated`](Self::read_deflated) read into
    /// `out` (`block.len` bytes) and checks its CRC.
    fn inflate(&mut self, block: &Deflated, out: &mut [u8]) -> Result<BlockInfo, BlockError> {
        let Deflated {
            offset,
            block_len,
            crc,
            len,
        } = *block;
        let rest = block_len - HEADER_LEN;
        let deflated = &self.compressed[..rest - FOOTER_LEN];
        match self.decompressor.deflate_decompress(deflated, out) {
            Ok(n) if n == len as usize => {}
            Ok(n) => {
                return Err(BlockError::new(
                    offset,
                    format!("BGZF block inflates to {n} bytes but its footer says {len}"),
                ));
            }
            Err(e) => {
                return Err(BlockError::new(
                    offset,
                    format!("BGZF block does not inflate ({e:?}): the data is corrupt"),
                ));
            }
        }
        let mut check = Crc::new();
        check.update(out);
        if check.sum() != crc {
            return Err(BlockError::new(
                offset,
                "BGZF block fails its CRC32 check: the data is corrupt",
            ));
        }
        self.offset += block_len as u64;
        Ok(BlockInfo {
            offset,
            compressed_len: block_len as u32,
            len,
        })
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Finds the first BGZF block that starts at or after `from`, by looking for a
/// block header whose stated size lands on another block header (or on the
/// end of the file). A chance match inside compressed data would need 16
/// fixed bytes and a consistent size field twice over.
pub fn next_block_start<R: Read + Seek>(
    inner: &mut R,
    from: u64,
    file_len: u64,
) -> io::Result<Option<u64>> {
    const WINDOW: usize = 2 * MAX_BLOCK_SIZE + HEADER_LEN;
    let mut pos = from;
    let mut buf = vec![0u8; WINDOW];
    while pos < file_len {
        inner.seek(SeekFrom::Start(pos))?;
        let n = read_up_to(inner, &mut buf)?;
        let window = &buf[..n];
        // Candidates are only examined where a whole header fits in the window.
        let last = n.saturating_sub(HEADER_LEN - 1);
        for i in 0..last {
            if window[i] != 0x1f || !is_bgzf(&window[i..]) {
                continue;
            }
            let candidate = pos + i as u64;
            let block_len = u16::from_le_bytes([window[i + 16], window[i + 17]]) as u64 + 1;
            let next = candidate + block_len;
            if next == file_len {
                return Ok(Some(candidate));
            }
            let j = i + block_len as usize;
            let confirmed = if j + HEADER_LEN <= n {
                is_bgzf(&window[j..])
            } else {
                let mut head = [0u8; HEADER_LEN];
                inner.seek(SeekFrom::Start(next))?;
                read_up_to(inner, &mut head)? == HEADER_LEN && is_bgzf(&head)
            };
            if confirmed {
                return Ok(Some(candidate));
            }
        }
        if n < WINDOW {
            break;
        }
        pos += last as u64;
    }
    Ok(None)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Cursor;

    /// Compresses `data` into BGZF blocks of at most `chunk` input bytes, with
    /// the empty end-of-file block, as bgzip writes it.
    pub fn bgzf(data: &[u8], chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut compressor = libdeflater::Compressor::new(libdeflater::CompressionLvl::default());
        let mut pieces: Vec<&[u8]> = data.chunks(chunk).collect();
        pieces.push(&[]);
        for piece in pieces {
            let mut deflated = vec![0u8; compressor.deflate_compress_bound(piece.len())];
            let n = compressor.deflate_compress(piece, &mut deflated).unwrap();
            deflated.truncate(n);
            let block_len = HEADER_LEN + n + FOOTER_LEN;
            out.extend_from_slice(&[
                0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0,
            ]);
            out.extend_from_slice(&((block_len - 1) as u16).to_le_bytes());
            out.extend_from_slice(&deflated);
            let mut crc = Crc::new();
            crc.update(piece);
            out.extend_from_slice(&crc.sum().to_le_bytes());
            out.extend_from_slice(&(piece.len() as u32).to_le_bytes());
        }
        out
    }

    #[test]
    fn reads_back_what_was_compressed() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let file = bgzf(&data, 60_000);
        let mut reader = BlockReader::new(Cursor::new(&file));
        let mut out = Vec::new();
        let mut blocks = 0;
        while let Some(info) = reader.read_block(&mut out).unwrap() {
            blocks += 1;
            assert!(info.len as usize <= MAX_BLOCK_SIZE);
        }
        assert_eq!(out, data);
        assert_eq!(blocks, data.len().div_ceil(60_000) + 1);
    }

    #[test]
    fn truncation_is_an_error_with_the_block_offset() {
        let file = bgzf(b"hello\nworld\n", 6);
        let cut = &file[..file.len() - 40];
        let mut reader = BlockReader::new(Cursor::new(cut));
        let mut out = Vec::new();
        let err = loop {
            match reader.read_block(&mut out) {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("truncation went unnoticed"),
                Err(e) => break e,
            }
        };
        assert!(err.message.contains("truncated"), "{}", err.message);
        assert!(err.offset > 0);
    }

    #[test]
    fn corrupt_data_fails_the_crc_or_inflate() {
        let mut file = bgzf(b"some text that compresses\n", 1000);
        file[20] ^= 0x55;
        let mut reader = BlockReader::new(Cursor::new(&file));
        assert!(reader.read_block(&mut Vec::new()).is_err());
    }

    #[test]
    fn finds_block_starts_from_any_offset() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i * 7919).to_le_bytes())
            .collect();
        let file = bgzf(&data, 30_000);
        let mut starts = Vec::new();
        let mut reader = BlockReader::new(Cursor::new(&file));
        while let Some(info) = reader.read_block(&mut Vec::new()).unwrap() {
            starts.push(info.offset);
        }
        let len = file.len() as u64;
        let mut cursor = Cursor::new(&file);
        for from in [0, 1, starts[1] - 1, starts[1], starts[1] + 1, starts[2] + 5] {
            let expected = starts.iter().copied().find(|s| *s >= from);
            assert_eq!(
                next_block_start(&mut cursor, from, len).unwrap(),
                expected,
                "from {from}"
            );
        }
        assert_eq!(next_block_start(&mut cursor, len, len).unwrap(), None);
    }
}
