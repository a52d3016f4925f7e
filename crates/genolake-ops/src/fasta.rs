//! Random access to a reference genome in FASTA, through its samtools index.
//!
//! A `.fai` index gives, per contig, where its first base sits in the
//! (uncompressed) file and how its lines are laid out, so the byte offset of
//! any base is arithmetic. A BGZF-compressed FASTA additionally needs the
//! `.gzi` index, which maps uncompressed offsets to the compressed offsets
//! of block starts. Both are written by `samtools faidx`; this module reads
//! them and never builds one, because silently scanning a whole genome on
//! open would hide a missing file behind minutes of work.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use genolake_vcf::bgzf::{self, BlockReader};

use crate::error::{Error, Result};

/// Bytes read from a plain FASTA at a time: a window large enough that the
/// successive short fetches of left-alignment fall in one read.
const PLAIN_WINDOW: u64 = 64 * 1024;

/// One line of a `.fai` index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaiEntry {
    /// Contig name (the FASTA header up to the first whitespace).
    pub name: String,
    /// Number of bases.
    pub length: u64,
    /// Uncompressed byte offset of the contig's first base.
    pub offset: u64,
    /// Bases on each full line.
    pub line_bases: u64,
    /// Bytes of each full line, its line terminator included.
    pub line_bytes: u64,
}

impl FaiEntry {
    /// Uncompressed byte offset of base `pos` (0-based) of this contig.
    fn byte_offset(&self, pos: u64) -> u64 {
        self.offset + (pos / self.line_bases) * self.line_bytes + pos % self.line_bases
    }
}

/// Reads a `.fai` index: one contig a line, five tab-separated columns
/// (name, length, offset, line bases, line bytes).
pub fn read_fai(path: &Path) -> Result<Vec<FaiEntry>> {
    let file = File::open(path).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            fasta_error(
                path,
                "index not found; make it with `samtools faidx` on the FASTA file".to_string(),
            )
        } else {
            Error::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    let mut entries = Vec::new();
    let mut names = HashMap::new();
    let mut line = String::new();
    let mut reader = BufReader::new(file);
    let mut number = 0u64;
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if read == 0 {
            break;
        }
        number += 1;
        let text = line.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            continue;
        }
        let entry = parse_fai_line(text)
            .map_err(|message| fasta_error(path, format!("line {number}: {message}")))?;
        if names.insert(entry.name.clone(), number).is_some() {
            return Err(fasta_error(
                path,
                format!("line {number}: contig {} is indexed twice", entry.name),
            ));
        }
        entries.push(entry);
    }
    Ok(entries)
}

fn parse_fai_line(text: &str) -> std::result::Result<FaiEntry, String> {
    let fields: Vec<&str> = text.split('\t').collect();
    if fields.len() != 5 {
        return Err(format!(
            "expected 5 tab-separated columns (name, length, offset, line bases, line bytes), found {}",
            fields.len()
        ));
    }
    if fields[0].is_empty() {
        return Err("empty contig name".to_string());
    }
    let number = |i: usize, what: &str| -> std::result::Result<u64, String> {
        fields[i]
            .parse::<u64>()
            .map_err(|_| format!("{what} {:?} is not a non-negative integer", fields[i]))
    };
    let length = number(1, "length")?;
    let offset = number(2, "offset")?;
    let line_bases = number(3, "line bases")?;
    let line_bytes = number(4, "line bytes")?;
    if line_bases == 0 && length > 0 {
        return Err("line bases is 0 for a contig that has bases".to_string());
    }
    if line_bytes < line_bases {
        return Err(format!(
            "line bytes {line_bytes} is smaller than line bases {line_bases}"
        ));
    }
    // The last base's offset must be representable, or offset arithmetic overflows.
    if length > 0 {
        let lines = (length - 1) / line_bases;
        lines
            .checked_mul(line_bytes)
            .and_then(|b| b.checked_add(offset))
            .and_then(|b| b.checked_add(line_bases))
            .ok_or_else(|| "contig extends past the largest file offset".to_string())?;
    }
    Ok(FaiEntry {
        name: fields[0].to_string(),
        length,
        offset,
        line_bases,
        line_bytes,
    })
}

/// Reads a `.gzi` index: a little-endian u64 count, then that many
/// (compressed, uncompressed) u64 offset pairs, one per BGZF block after the
/// first. The returned list starts with the first block's implicit (0, 0).
pub fn read_gzi(path: &Path) -> Result<Vec<(u64, u64)>> {
    let bytes = std::fs::read(path).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            fasta_error(
                path,
                "BGZF index not found; make it with `samtools faidx` on the FASTA file".to_string(),
            )
        } else {
            Error::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    let Some(head) = bytes.get(..8) else {
        return Err(fasta_error(
            path,
            format!("{} bytes, shorter than the 8-byte entry count", bytes.len()),
        ));
    };
    let count = u64::from_le_bytes(head.try_into().unwrap_or([0; 8]));
    let expected = count
        .checked_mul(16)
        .and_then(|n| n.checked_add(8))
        .filter(|&n| n == bytes.len() as u64);
    if expected.is_none() {
        return Err(fasta_error(
            path,
            format!(
                "entry count {count} at byte 0 does not match the file size of {} bytes",
                bytes.len()
            ),
        ));
    }
    let mut entries = Vec::with_capacity(bytes.len() / 16 + 1);
    entries.push((0u64, 0u64));
    for (i, pair) in bytes[8..].chunks_exact(16).enumerate() {
        let compressed = u64::from_le_bytes(pair[..8].try_into().unwrap_or([0; 8]));
        let uncompressed = u64::from_le_bytes(pair[8..].try_into().unwrap_or([0; 8]));
        let &(last_c, last_u) = entries.last().unwrap_or(&(0, 0));
        if compressed <= last_c || uncompressed <= last_u {
            return Err(fasta_error(
                path,
                format!(
                    "entry {i} at byte {}: offsets ({compressed}, {uncompressed}) do not increase",
                    8 + 16 * i
                ),
            ));
        }
        entries.push((compressed, uncompressed));
    }
    Ok(entries)
}

fn fasta_error(path: &Path, message: String) -> Error {
    Error::Fasta {
        path: path.to_path_buf(),
        message,
    }
}

/// The last stretch of uncompressed file bytes read: one BGZF block, or a
/// window of a plain file.
#[derive(Default)]
struct Chunk {
    start: u64,
    bytes: Vec<u8>,
}

impl Chunk {
    fn contains(&self, offset: u64) -> bool {
        offset >= self.start && offset - self.start < self.bytes.len() as u64
    }
}

enum Source {
    Plain {
        file: File,
        len: u64,
    },
    Bgzf {
        blocks: BlockReader<File>,
        gzi: Vec<(u64, u64)>,
    },
}

/// A FASTA file opened through its index, for fetching bases of any range.
///
/// ```no_run
/// # fn main() -> genolake_ops::Result<()> {
/// let mut fasta = genolake_ops::fasta::IndexedFasta::open("GRCh38.fa")?;
/// let bases = fasta.fetch("chr20", 1_000_000, 1_000_010)?;
/// assert_eq!(bases.len(), 10);
/// # Ok(())
/// # }
/// ```
pub struct IndexedFasta {
    path: PathBuf,
    entries: Vec<FaiEntry>,
    by_name: HashMap<String, usize>,
    source: Source,
    chunk: Chunk,
}

impl std::fmt::Debug for IndexedFasta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedFasta")
            .field("path", &self.path)
            .field("contigs", &self.entries.len())
            .finish()
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

impl IndexedFasta {
    /// Plain FASTA with `<path>.fai`, or BGZF FASTA with `<path>.fai` and
    /// `<path>.gzi` (as samtools faidx writes them).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let io_error = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let mut file = File::open(&path).map_err(io_error)?;
        let len = file.metadata().map_err(io_error)?.len();
        let mut head = [0u8; 18];
        let mut filled = 0;
        while filled < head.len() {
            let n = file.read(&mut head[filled..]).map_err(io_error)?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        let head = &head[..filled];
        let entries = read_fai(&with_suffix(&path, ".fai"))?;
        let source = if bgzf::is_bgzf(head) {
            let gzi = read_gzi(&with_suffix(&path, ".gzi"))?;
            Source::Bgzf {
                blocks: BlockReader::new(file),
                gzi,
            }
        } else if bgzf::is_gzip(head) {
            return Err(fasta_error(
                &path,
                "gzip-compressed but not BGZF, so it cannot be read at random; \
                 recompress it with `bgzip` and index it with `samtools faidx`"
                    .to_string(),
            ));
        } else {
            Source::Plain { file, len }
        };
        let by_name = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        Ok(Self {
            path,
            entries,
            by_name,
            source,
            chunk: Chunk::default(),
        })
    }

    /// The FASTA file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of bases of `contig`, or `None` when the index lacks it.
    pub fn contig_length(&self, contig: &str) -> Option<u64> {
        self.by_name.get(contig).map(|&i| self.entries[i].length)
    }

    /// The index's contigs, in file order.
    pub fn contigs(&self) -> &[FaiEntry] {
        &self.entries
    }

    /// Bases [start, end) (0-based) of `contig`, upper-cased; an error
    /// naming the file when the contig is not in the index or end passes
    /// its length.
    pub fn fetch(&mut self, contig: &str, start: u64, end: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.fetch_into(contig, start, end, &mut out)?;
        Ok(out)
    }

    /// Like [`fetch`](Self::fetch), appending to `out` so a caller can reuse
    /// one buffer.
    pub fn fetch_into(
        &mut self,
        contig: &str,
        start: u64,
        end: u64,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let Some(&index) = self.by_name.get(contig) else {
            return Err(fasta_error(
                &self.path,
                format!("contig {contig} is not in the index"),
            ));
        };
        let entry = self.entries[index].clone();
        if start > end || end > entry.length {
            return Err(fasta_error(
                &self.path,
                format!(
                    "range [{start}, {end}) is not within contig {contig} of length {}",
                    entry.length
                ),
            ));
        }
        // Reserve no more than a modest amount up front: the index's lengths
        // are input, and a corrupt one must not make us allocate before the
        // bases are actually read.
        out.reserve(((end - start) as usize).min(1 << 20));
        let mut pos = start;
        while pos < end {
            // One pass per FASTA line: the bases of a line are contiguous bytes.
            let line_end = ((pos / entry.line_bases) + 1) * entry.line_bases;
            let stop = line_end.min(end);
            let offset = entry.byte_offset(pos);
            self.read_bytes(offset, stop - pos, contig, out)?;
            pos = stop;
        }
        Ok(())
    }

    /// Appends `len` uncompressed file bytes from `offset`, upper-cased,
    /// checking that they are bases and not line terminators.
    fn read_bytes(&mut self, offset: u64, len: u64, contig: &str, out: &mut Vec<u8>) -> Result<()> {
        let mut offset = offset;
        let mut left = len;
        while left > 0 {
            if !self.chunk.contains(offset) {
                self.load_chunk(offset, contig)?;
            }
            let from = (offset - self.chunk.start) as usize;
            let take = (self.chunk.bytes.len() - from).min(left as usize);
            for (i, &b) in self.chunk.bytes[from..from + take].iter().enumerate() {
                if !b.is_ascii_graphic() || b == b'>' {
                    return Err(fasta_error(
                        &self.path,
                        format!(
                            "byte {} ({:?}) inside contig {contig}'s bases is not a base; \
                             is the .fai index stale?",
                            offset + i as u64,
                            b as char
                        ),
                    ));
                }
                out.push(b.to_ascii_uppercase());
            }
            offset += take as u64;
            left -= take as u64;
        }
        Ok(())
    }

    /// Makes the cached chunk the one holding uncompressed byte `offset`.
    fn load_chunk(&mut self, offset: u64, contig: &str) -> Result<()> {
        let path = &self.path;
        let past_end = || {
            fasta_error(
                path,
                format!(
                    "file ends before byte {offset}, where the index places contig {contig}'s bases"
                ),
            )
        };
        match &mut self.source {
            Source::Plain { file, len } => {
                let start = offset - offset % PLAIN_WINDOW;
                if offset >= *len {
                    return Err(past_end());
                }
                let n = PLAIN_WINDOW.min(*len - start) as usize;
                self.chunk.bytes.resize(n, 0);
                self.chunk.start = start;
                let read = file
                    .seek(SeekFrom::Start(start))
                    .and_then(|_| file.read_exact(&mut self.chunk.bytes));
                if let Err(source) = read {
                    self.chunk.bytes.clear();
                    return Err(Error::Io {
                        path: path.clone(),
                        source,
                    });
                }
            }
            Source::Bgzf { blocks, gzi } => {
                let i = gzi.partition_point(|&(_, u)| u <= offset).saturating_sub(1);
                let (mut compressed, mut uncompressed) = gzi[i];
                // Invalidate first, so an error leaves no half-read chunk behind.
                self.chunk.bytes.clear();
                blocks.seek(compressed).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                loop {
                    self.chunk.bytes.clear();
                    let info = blocks.read_block(&mut self.chunk.bytes).map_err(|e| {
                        fasta_error(
                            path,
                            format!("BGZF block at compressed byte {}: {}", e.offset, e.message),
                        )
                    })?;
                    let Some(info) = info else {
                        return Err(past_end());
                    };
                    self.chunk.start = uncompressed;
                    if self.chunk.contains(offset) {
                        break;
                    }
                    compressed += u64::from(info.compressed_len);
                    uncompressed += u64::from(info.len);
                    debug_assert_eq!(compressed, blocks.offset());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fai_line_needs_five_numeric_columns() {
        assert!(parse_fai_line("20\t38994\t4\t60\t61").is_ok());
        let e = parse_fai_line("20\t38994\t4\t60").unwrap_err();
        assert!(e.contains("found 4"), "{e}");
        let e = parse_fai_line("20\tx\t4\t60\t61").unwrap_err();
        assert!(e.contains("length \"x\""), "{e}");
        let e = parse_fai_line("20\t10\t4\t61\t60").unwrap_err();
        assert!(e.contains("smaller"), "{e}");
        let e = parse_fai_line("20\t10\t4\t0\t0").unwrap_err();
        assert!(e.contains("line bases is 0"), "{e}");
        let e = parse_fai_line(&format!("20\t{}\t4\t1\t2", u64::MAX)).unwrap_err();
        assert!(e.contains("past"), "{e}");
    }

    #[test]
    fn byte_offsets_skip_line_terminators() {
        let e = parse_fai_line("c\t130\t3\t60\t61").unwrap();
        assert_eq!(e.byte_offset(0), 3);
        assert_eq!(e.byte_offset(59), 62);
        assert_eq!(e.byte_offset(60), 64);
        assert_eq!(e.byte_offset(125), 3 + 2 * 61 + 5);
    }
}
