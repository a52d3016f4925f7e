//! The BGEN header block and the optional sample identifier block.
//!
//! A BGEN file opens with a 4-byte offset to its first variant block, then
//! the header block (its length, the variant and sample counts, the magic
//! `bgen`, free data and a flags word) and, when flag bit 31 is set, the
//! sample identifiers. Every length read here is checked against the file
//! size before anything is allocated for it.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, ErrorKind, Position, Result};

/// How the genotype data of each variant block is compressed (flag bits 0–1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    /// Stored as is.
    None,
    /// zlib (RFC 1950), the only compression of layout 1.
    #[default]
    Zlib,
    /// Zstandard (BGEN v1.3, layout 2 only).
    Zstd,
}

/// How variant blocks are laid out (flag bits 2–5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// BGEN v1.1: two alleles, diploid, three 16-bit probabilities per sample.
    One,
    /// BGEN v1.2 and v1.3: any number of alleles, any ploidy, phased or not,
    /// 1 to 32 bits per probability.
    Two,
}

/// A parsed BGEN header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Absolute byte offset of the first variant block.
    pub first_variant_offset: u64,
    /// Length of the header block (`L_H`), at least 20.
    pub header_length: u32,
    /// Number of variant blocks the header declares (`M`).
    pub variant_count: u32,
    /// Number of samples (`N`).
    pub sample_count: u32,
    /// The free data area of the header block.
    pub free_data: Vec<u8>,
    /// The compression of genotype data.
    pub compression: Compression,
    /// The layout of variant blocks.
    pub layout: Layout,
    /// Sample identifiers stored in the file (flag bit 31), if any.
    pub sample_ids: Option<Vec<String>>,
}

/// Reads little-endian values out of a byte slice, naming the absolute
/// offset of anything that is missing.
pub(crate) struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(data: &'a [u8], base: u64) -> Self {
        Self { data, pos: 0, base }
    }

    /// The absolute offset of the next byte.
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(crate) fn take(&mut self, n: usize, what: &str) -> std::result::Result<&'a [u8], String> {
        if n > self.remaining() {
            return Err(format!(
                "{what} needs {n} bytes at byte {} but only {} remain",
                self.offset(),
                self.remaining()
            ));
        }
        let slice = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    pub(crate) fn u8(&mut self, what: &str) -> std::result::Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &str) -> std::result::Result<u16, String> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self, what: &str) -> std::result::Result<u32, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let slice = &self.data[self.pos..];
        self.pos = self.data.len();
        slice
    }
}

impl Header {
    /// Reads the header of a BGEN file.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use genolake_bgen::header::{Compression, Header, Layout};
    ///
    /// let header = Header::read("tests/data/complex.16bits.bgen")?;
    /// assert_eq!((header.variant_count, header.sample_count), (10, 4));
    /// assert_eq!(header.layout, Layout::Two);
    /// assert_eq!(header.compression, Compression::Zlib);
    /// assert_eq!(header.sample_ids.unwrap()[3], "sample_3");
    /// # Ok(()) }
    /// ```
    pub fn read(path: impl AsRef<Path>) -> Result<Header> {
        let path = path.as_ref();
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        Self::read_from(&mut file, path, len)
    }

    /// Reads the header from the start of an open file of `len` bytes.
    pub(crate) fn read_from(file: &mut impl Read, path: &Path, len: u64) -> Result<Header> {
        let header_error = |position: Position, message: String| {
            Error::new(path, position, ErrorKind::Header(message))
        };
        if len < 24 {
            return Err(header_error(
                Position::File,
                format!("the file is {len} bytes long, too short for a BGEN header (at least 24)"),
            ));
        }
        let mut first4 = [0u8; 4];
        file.read_exact(&mut first4)
            .map_err(|e| Error::io(path, e))?;
        let first_variant_offset = u32::from_le_bytes(first4) as u64 + 4;
        if first_variant_offset > len {
            return Err(header_error(
                Position::Offset(0),
                format!(
                    "the offset of the first variant block ({first_variant_offset}) lies past the end of the file ({len} bytes)"
                ),
            ));
        }
        if first_variant_offset < 24 {
            return Err(header_error(
                Position::Offset(0),
                format!(
                    "the offset of the first variant block ({first_variant_offset}) lies inside the 20-byte header block"
                ),
            ));
        }
        // Bounded by the file size, checked above.
        let mut prefix = vec![0u8; (first_variant_offset - 4) as usize];
        file.read_exact(&mut prefix)
            .map_err(|e| Error::io(path, e))?;
        Self::parse(&prefix, first_variant_offset)
            .map_err(|(offset, message)| header_error(Position::Offset(offset), message))
    }

    /// Parses the bytes from offset 4 to the first variant block.
    fn parse(
        prefix: &[u8],
        first_variant_offset: u64,
    ) -> std::result::Result<Header, (u64, String)> {
        let mut c = Cursor::new(prefix, 4);
        let at = |c: &Cursor| c.offset();
        let header_length = c.u32("the header length").map_err(|m| (4, m))?;
        if header_length < 20 {
            return Err((
                4,
                format!("the header block length is {header_length}, below the minimum of 20"),
            ));
        }
        if 4 + header_length as u64 > first_variant_offset {
            return Err((
                4,
                format!(
                    "the header block ({header_length} bytes) runs past the first variant block at byte {first_variant_offset}"
                ),
            ));
        }
        let variant_count = c.u32("the variant count").map_err(|m| (8, m))?;
        let sample_count = c.u32("the sample count").map_err(|m| (12, m))?;
        let magic = c.take(4, "the magic number").map_err(|m| (16, m))?;
        if magic != b"bgen" && magic != [0, 0, 0, 0] {
            return Err((
                16,
                format!("the magic number is {magic:?}, not \"bgen\": this is not a BGEN file"),
            ));
        }
        let free_data = c
            .take(header_length as usize - 20, "the free data area")
            .map_err(|m| (20, m))?
            .to_vec();
        let flags_at = at(&c);
        let flags = c.u32("the flags").map_err(|m| (flags_at, m))?;
        let compression = match flags & 3 {
            0 => Compression::None,
            1 => Compression::Zlib,
            2 => Compression::Zstd,
            _ => {
                return Err((
                    flags_at,
                    "the compression flag is 3, which no BGEN version defines".into(),
                ));
            }
        };
        let layout = match (flags >> 2) & 0xf {
            1 => Layout::One,
            2 => Layout::Two,
            0 => {
                return Err((
                    flags_at,
                    "layout 0 (BGEN v1.0) is deprecated and not supported; convert the file with qctool or plink2".into(),
                ));
            }
            n => {
                return Err((
                    flags_at,
                    format!("layout {n} is not defined by any BGEN version (expected 1 or 2)"),
                ));
            }
        };
        if layout == Layout::One && compression == Compression::Zstd {
            return Err((
                flags_at,
                "layout 1 blocks cannot be zstd-compressed (zstd needs layout 2)".into(),
            ));
        }
        let sample_ids = if flags >> 31 == 1 {
            let block_at = at(&c);
            let block_length = c
                .u32("the sample identifier block length")
                .map_err(|m| (block_at, m))?;
            if block_length < 8 || block_length as usize - 4 > c.remaining() {
                return Err((
                    block_at,
                    format!(
                        "the sample identifier block claims {block_length} bytes but {} lie before the first variant block",
                        c.remaining() + 4
                    ),
                ));
            }
            let block = c
                .take(block_length as usize - 4, "")
                .map_err(|m| (block_at, m))?;
            let mut s = Cursor::new(block, block_at + 4);
            let n = s
                .u32("the sample count of the identifier block")
                .map_err(|m| (block_at + 4, m))?;
            if n != sample_count {
                return Err((
                    block_at + 4,
                    format!(
                        "the sample identifier block lists {n} samples but the header declares {sample_count}"
                    ),
                ));
            }
            // Each identifier takes at least its 2-byte length.
            let mut ids = Vec::with_capacity((n as usize).min(s.remaining() / 2));
            for i in 0..n {
                let id_at = s.offset();
                let len = s
                    .u16("a sample identifier length")
                    .map_err(|m| (id_at, m))?;
                let bytes = s.take(len as usize, "a sample identifier").map_err(|_| {
                    (
                        id_at,
                        format!(
                            "sample identifier {} runs past the end of the sample identifier block",
                            i + 1
                        ),
                    )
                })?;
                let id = std::str::from_utf8(bytes).map_err(|_| {
                    (
                        id_at,
                        format!("sample identifier {} is not valid UTF-8", i + 1),
                    )
                })?;
                ids.push(id.to_string());
            }
            Some(ids)
        } else {
            None
        };
        Ok(Header {
            first_variant_offset,
            header_length,
            variant_count,
            sample_count,
            free_data,
            compression,
            layout,
            sample_ids,
        })
    }

    /// The flags word this header is written with.
    pub(crate) fn flags(&self) -> u32 {
        let compression = match self.compression {
            Compression::None => 0,
            Compression::Zlib => 1,
            Compression::Zstd => 2,
        };
        let layout = match self.layout {
            Layout::One => 1,
            Layout::Two => 2,
        };
        compression | (layout << 2) | (u32::from(self.sample_ids.is_some()) << 31)
    }

    /// The bytes from the start of the file to the first variant block, with
    /// `first_variant_offset` recomputed from the contents.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut sample_block = Vec::new();
        if let Some(ids) = &self.sample_ids {
            let length: usize = 8 + ids.iter().map(|id| 2 + id.len()).sum::<usize>();
            sample_block.extend_from_slice(&(length as u32).to_le_bytes());
            sample_block.extend_from_slice(&(ids.len() as u32).to_le_bytes());
            for id in ids {
                sample_block.extend_from_slice(&(id.len() as u16).to_le_bytes());
                sample_block.extend_from_slice(id.as_bytes());
            }
        }
        let header_length = 20 + self.free_data.len() as u32;
        out.extend_from_slice(&(header_length + sample_block.len() as u32).to_le_bytes());
        out.extend_from_slice(&header_length.to_le_bytes());
        out.extend_from_slice(&self.variant_count.to_le_bytes());
        out.extend_from_slice(&self.sample_count.to_le_bytes());
        out.extend_from_slice(b"bgen");
        out.extend_from_slice(&self.free_data);
        out.extend_from_slice(&self.flags().to_le_bytes());
        out.extend_from_slice(&sample_block);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(ids: Option<Vec<String>>) -> Header {
        Header {
            first_variant_offset: 0,
            header_length: 20,
            variant_count: 3,
            sample_count: 2,
            free_data: b"hi".to_vec(),
            compression: Compression::Zstd,
            layout: Layout::Two,
            sample_ids: ids,
        }
    }

    #[test]
    fn encode_then_parse_round_trips() {
        for ids in [None, Some(vec!["a".to_string(), "bé".to_string()])] {
            let h = header(ids);
            let bytes = h.encode();
            let first = u32::from_le_bytes(bytes[0..4].try_into().unwrap()) as u64 + 4;
            assert_eq!(first, bytes.len() as u64);
            let parsed = Header::parse(&bytes[4..], first).unwrap();
            assert_eq!(parsed.sample_ids, h.sample_ids);
            assert_eq!(parsed.free_data, b"hi");
            assert_eq!(parsed.header_length, 22);
            assert_eq!(parsed.compression, Compression::Zstd);
            assert_eq!((parsed.variant_count, parsed.sample_count), (3, 2));
        }
    }

    #[test]
    fn lying_sample_block_is_an_error() {
        let h = header(Some(vec!["a".into(), "b".into()]));
        let mut bytes = h.encode();
        // Sample count of the identifier block (after 4 + 22 + 4 bytes).
        bytes[30] = 9;
        let first = bytes.len() as u64;
        let (offset, message) = Header::parse(&bytes[4..], first).unwrap_err();
        assert_eq!(offset, 30);
        assert!(
            message.contains("lists 9 samples but the header declares 2"),
            "{message}"
        );
    }
}
