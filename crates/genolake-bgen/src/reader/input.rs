//! Buffered, position-tracking reads of a `.bgen` file, and the framing of
//! variant blocks: identifying data, then the genotype block, whose lengths
//! are all checked against what remains of the file before anything is
//! allocated for them.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Position, Result};
use crate::header::{Compression, Header, Layout};

/// Buffer size for the sequential reads of variant blocks.
const BUFFER_BYTES: usize = 256 << 10;
/// Deflate cannot compress better than about 1032 to 1.
const ZLIB_MAX_RATIO: u64 = 1032;
/// Nor can zstd better than one 128 KiB run-length block per 4 bytes.
const ZSTD_MAX_RATIO: u64 = 32 << 10;

/// The identifying data of a variant block, in reusable buffers.
#[derive(Debug, Default)]
pub(crate) struct Variant {
    /// Absolute offset of the block's first byte.
    pub offset: u64,
    pub varid: Vec<u8>,
    pub rsid: Vec<u8>,
    pub chrom: Vec<u8>,
    /// 1-based position.
    pub position: u32,
    /// All alleles back to back.
    pub alleles: Vec<u8>,
    /// End of each allele within `alleles`.
    pub allele_ends: Vec<usize>,
    /// The genotype block as stored (compressed or not).
    pub genotype: Vec<u8>,
    /// Its stated uncompressed length.
    pub uncompressed_len: usize,
}

impl Variant {
    pub(crate) fn allele_count(&self) -> usize {
        self.allele_ends.len()
    }

    pub(crate) fn allele(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.allele_ends[i - 1] };
        &self.alleles[start..self.allele_ends[i]]
    }

    /// 0-based start and exclusive end, as Glow computes them.
    pub(crate) fn span(&self) -> (i64, i64) {
        let start = self.position as i64 - 1;
        let reference = if self.allele_count() > 0 {
            self.allele(0).len()
        } else {
            0
        };
        (start, start + reference as i64)
    }
}

/// A `.bgen` file being read, with its size and the current offset.
pub(crate) struct Input {
    path: PathBuf,
    reader: BufReader<File>,
    pos: u64,
    len: u64,
    /// Offset of the block being read, for error positions.
    block: u64,
}

impl Input {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        Self::with_capacity(path, BUFFER_BYTES)
    }

    /// Opens with a buffer of `capacity` bytes: small for skimming block
    /// headers (so skipping a block does not read it), large for decoding.
    pub(crate) fn with_capacity(path: &Path, capacity: usize) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        Ok(Self {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(capacity, file),
            pos: 0,
            len,
            block: 0,
        })
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.len
    }

    pub(crate) fn read_header(&mut self) -> Result<Header> {
        self.seek(0)?;
        let len = self.len;
        let header = Header::read_from(&mut self.reader, &self.path, len)?;
        self.pos = header.first_variant_offset;
        self.reader
            .seek(SeekFrom::Start(self.pos))
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(header)
    }

    pub(crate) fn seek(&mut self, pos: u64) -> Result<()> {
        if pos == self.pos {
            return Ok(());
        }
        let delta = pos as i128 - self.pos as i128;
        if let Ok(delta) = i64::try_from(delta) {
            self.reader
                .seek_relative(delta)
                .map_err(|e| Error::io(&self.path, e))?;
        } else {
            self.reader
                .seek(SeekFrom::Start(pos))
                .map_err(|e| Error::io(&self.path, e))?;
        }
        self.pos = pos;
        Ok(())
    }

    fn error(&self, message: String) -> Error {
        Error::new(
            &self.path,
            Position::Variant(self.block),
            ErrorKind::Record(message),
        )
    }

    fn need(&self, n: u64, what: &str) -> Result<()> {
        let remaining = self.len.saturating_sub(self.pos);
        if n > remaining {
            return Err(self.error(format!(
                "the file ends inside {what}: {n} bytes needed at byte {} but only {remaining} remain",
                self.pos
            )));
        }
        Ok(())
    }

    fn fill(&mut self, buf: &mut [u8], what: &str) -> Result<()> {
        self.need(buf.len() as u64, what)?;
        self.reader.read_exact(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                self.error(format!("the file ends inside {what} at byte {}", self.pos))
            } else {
                Error::io(&self.path, e)
            }
        })?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    fn u16(&mut self, what: &str) -> Result<u16> {
        let mut b = [0u8; 2];
        self.fill(&mut b, what)?;
        Ok(u16::from_le_bytes(b))
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let mut b = [0u8; 4];
        self.fill(&mut b, what)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Appends `n` bytes to `out`, after checking that the file holds them.
    fn append(&mut self, out: &mut Vec<u8>, n: usize, what: &str) -> Result<()> {
        self.need(n as u64, what)?;
        let start = out.len();
        out.resize(start + n, 0);
        self.fill(&mut out[start..], what)
    }

    fn skip(&mut self, n: u64, what: &str) -> Result<()> {
        self.need(n, what)?;
        self.seek(self.pos + n)
    }

    fn string16(&mut self, out: &mut Vec<u8>, what: &str) -> Result<()> {
        out.clear();
        let n = self.u16(what)?;
        self.append(out, n as usize, what)
    }

    /// Reads the identifying data of the variant block at the current offset,
    /// and its genotype block unless `skip_genotypes`.
    pub(crate) fn read_variant(
        &mut self,
        header: &Header,
        variant: &mut Variant,
        skip_genotypes: bool,
    ) -> Result<()> {
        self.block = self.pos;
        variant.offset = self.pos;
        let samples = header.sample_count as u64;
        if header.layout == Layout::One {
            let n = self.u32("the sample count of a layout 1 variant block")?;
            if n as u64 != samples {
                return Err(self.error(format!(
                    "the variant block lists {n} samples but the header declares {samples}"
                )));
            }
        }
        self.string16(&mut variant.varid, "the variant identifier")?;
        self.string16(&mut variant.rsid, "the rsid")?;
        self.string16(&mut variant.chrom, "the chromosome")?;
        variant.position = self.u32("the position")?;
        let alleles = match header.layout {
            Layout::One => 2,
            Layout::Two => self.u16("the number of alleles")? as usize,
        };
        // Each allele takes at least its 4-byte length.
        self.need(alleles as u64 * 4, "the alleles")?;
        variant.alleles.clear();
        variant.allele_ends.clear();
        for _ in 0..alleles {
            let len = self.u32("an allele length")?;
            self.append(&mut variant.alleles, len as usize, "an allele")?;
            variant.allele_ends.push(variant.alleles.len());
        }
        let (stored, uncompressed) = match (header.layout, header.compression) {
            (Layout::One, Compression::None) => (6 * samples, 6 * samples),
            (Layout::One, _) => {
                let c = self.u32("the compressed length of the genotype block")? as u64;
                (c, 6 * samples)
            }
            (Layout::Two, compression) => {
                let c = self.u32("the length of the genotype block")? as u64;
                if compression == Compression::None {
                    (c, c)
                } else {
                    if c < 4 {
                        return Err(self.error(format!(
                            "the genotype block length is {c}, too short to hold its 4-byte uncompressed length"
                        )));
                    }
                    let d = self.u32("the uncompressed length of the genotype block")? as u64;
                    (c - 4, d)
                }
            }
        };
        let remaining = self.len - self.pos;
        if stored > remaining {
            return Err(self.error(format!(
                "the genotype block claims {stored} bytes at byte {} but only {remaining} remain in the file",
                self.pos
            )));
        }
        if header.compression == Compression::Zlib
            && uncompressed > stored.saturating_mul(ZLIB_MAX_RATIO) + 64
        {
            return Err(self.error(format!(
                "the zlib genotype block of {stored} bytes claims to inflate to {uncompressed} bytes, more than zlib can compress"
            )));
        }
        if header.compression == Compression::Zstd
            && uncompressed > stored.saturating_mul(ZSTD_MAX_RATIO) + (128 << 10)
        {
            return Err(self.error(format!(
                "the zstd genotype block of {stored} bytes claims to inflate to {uncompressed} bytes, more than zstd can compress"
            )));
        }
        if header.layout == Layout::Two {
            let limit = max_layout2_bytes(samples, alleles as u64);
            if uncompressed > limit {
                return Err(self.error(format!(
                    "the genotype block claims {uncompressed} uncompressed bytes, more than {samples} samples with {alleles} alleles can need ({limit})"
                )));
            }
        }
        variant.uncompressed_len = uncompressed as usize;
        if skip_genotypes {
            self.skip(stored, "the genotype block")
        } else {
            variant.genotype.clear();
            self.append(&mut variant.genotype, stored as usize, "the genotype block")
        }
    }
}

/// The largest uncompressed layout 2 genotype block the specification
/// allows for `samples` samples and `alleles` alleles: ploidy 63, 32 bits
/// per probability, unphased (which needs more values than phased for any
/// allele count above 1).
pub(crate) fn max_layout2_bytes(samples: u64, alleles: u64) -> u64 {
    let unphased = crate::record::binomial(63 + alleles.saturating_sub(1), 63);
    let phased = 63 * alleles;
    let values = unphased.max(phased);
    let bytes = values.saturating_mul(4).saturating_mul(samples);
    bytes.saturating_add(10 + samples).min(u32::MAX as u64)
}
