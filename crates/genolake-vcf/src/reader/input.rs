//! Lines of a VCF file, from plain text, gzip or BGZF, restricted to a split
//! or to index chunks, each with the position it starts at.
//!
//! Ownership of lines by splits follows one rule for every input: a split
//! `[start, end)` owns the lines whose first byte lies after the first
//! boundary at or past `start` and no later than the first boundary at or past
//! `end`, where a boundary is a byte (plain text) or the start of a BGZF block.
//! A split that does not begin the file therefore skips through its first
//! newline, and every split reads past its end to finish its last line.
//! Adjacent splits agree on the boundary between them, so each line is read
//! exactly once.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::bgzf::{self, BlockReader};
use crate::error::{Error, ErrorKind, Position, Result};

/// Longest line accepted. Past this the file is taken to be damaged (or not
/// VCF) rather than read into memory without bound.
pub const MAX_LINE_LEN: usize = 1 << 30;
const PLAIN_READ: usize = 1 << 20;

/// How the bytes of a file are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip that is not BGZF: readable only from the start, in one piece.
    Gzip,
    /// Blocked gzip: splittable and indexable.
    Bgzf,
}

/// Looks at the first bytes of a file to tell how it is compressed.
pub fn detect_compression(path: &Path) -> Result<Compression> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut head = [0u8; 18];
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    Ok(if bgzf::is_bgzf(&head[..n]) {
        Compression::Bgzf
    } else if bgzf::is_gzip(&head[..n]) {
        Compression::Gzip
    } else {
        Compression::None
    })
}

/// A BGZF virtual position: compressed block offset and offset within the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct VirtualPosition {
    /// Compressed offset of the block.
    pub block: u64,
    /// Offset within the inflated block.
    pub within: u32,
}

/// What bounds the lines a [`LineInput`] yields.
#[derive(Debug, Clone)]
pub enum Bounds {
    /// The lines a byte-range split owns (see the module documentation).
    Split { start: u64, end: u64 },
    /// The lines starting in `[begin, end)` of each chunk, in order (index queries on BGZF).
    Chunks(Vec<(VirtualPosition, VirtualPosition)>),
}

// The BGZF reader holds its inflate state inline; boxing it would cost a
// pointer chase per block for nothing, as there is one `Source` per reader.
#[allow(clippy::large_enum_variant)]
enum Source {
    Plain(BufReader<File>),
    Gzip(MultiGzDecoder<Counting<BufReader<File>>>),
    Bgzf(BlockReader<BufReader<File>>),
}

/// A line handed out by [`LineInput::next_line`].
pub struct Line<'a> {
    /// The line's bytes without its terminator (`\n` or `\r\n`).
    pub bytes: &'a [u8],
    /// Where it starts.
    pub position: Position,
    /// False for a last line that the input ends without a newline.
    pub terminated: bool,
}

/// Reads the lines a split (or a set of index chunks) owns.
pub struct LineInput {
    path: PathBuf,
    source: Source,
    /// Inflated bytes; `buf[consumed..]` is not yet handed out.
    buf: Vec<u8>,
    consumed: usize,
    /// Where `memchr` resumes looking for the newline ending the current line.
    scanned: usize,
    eof: bool,
    /// Plain and gzip: the uncompressed file offset of `buf[0]`.
    base: u64,
    /// BGZF: (index in `buf`, compressed offset) of each block held in `buf`.
    blocks: Vec<(usize, u64)>,
    /// Lines starting at buffer indices from here on are not ours.
    owned_end: Option<usize>,
    /// Split mode: the boundary that ends this split, in the file's units.
    end: u64,
    /// Chunk mode: chunks still to read, in reverse order.
    chunks: Vec<(VirtualPosition, VirtualPosition)>,
    chunk_end: Option<VirtualPosition>,
    line_number: Option<u64>,
    compressed_read: u64,
    done: bool,
}

impl LineInput {
    /// Opens `path` and positions it at the first line `bounds` owns.
    pub fn open(path: &Path, compression: Compression, bounds: Bounds) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let file_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let reader = BufReader::with_capacity(1 << 16, file);
        let source = match compression {
            Compression::None => Source::Plain(reader),
            Compression::Gzip => Source::Gzip(MultiGzDecoder::new(Counting {
                inner: reader,
                count: 0,
            })),
            Compression::Bgzf => Source::Bgzf(BlockReader::new(reader)),
        };
        let mut input = LineInput {
            path: path.to_path_buf(),
            source,
            buf: Vec::with_capacity(1 << 17),
            consumed: 0,
            scanned: 0,
            eof: false,
            base: 0,
            blocks: Vec::new(),
            owned_end: None,
            end: u64::MAX,
            chunks: Vec::new(),
            chunk_end: None,
            line_number: None,
            compressed_read: 0,
            done: false,
        };
        match bounds {
            Bounds::Split { start, end } => input.start_split(start, end, file_len)?,
            Bounds::Chunks(mut chunks) => {
                if compression != Compression::Bgzf {
                    return Err(Error::new(
                        path,
                        Position::File,
                        ErrorKind::Index(
                            "an index can only be used with a BGZF-compressed file".into(),
                        ),
                    ));
                }
                chunks.reverse();
                input.chunks = chunks;
                input.next_chunk()?;
            }
        }
        Ok(input)
    }

    /// Compressed bytes read so far (for progress reporting).
    pub fn bytes_read(&self) -> u64 {
        self.compressed_read
    }

    fn start_split(&mut self, start: u64, end: u64, file_len: u64) -> Result<()> {
        self.end = end;
        match &mut self.source {
            Source::Gzip(_) => {
                // A plain gzip stream cannot be entered in the middle: the
                // split that begins the file reads all of it, the others nothing.
                self.end = u64::MAX;
                if start > 0 {
                    self.done = true;
                } else {
                    self.line_number = Some(0);
                }
                return Ok(());
            }
            Source::Plain(reader) => {
                if start >= file_len || start >= end {
                    self.done = true;
                    return Ok(());
                }
                reader
                    .seek(SeekFrom::Start(start))
                    .map_err(|e| Error::io(&self.path, e))?;
                self.base = start;
                if start == 0 {
                    self.line_number = Some(0);
                }
            }
            Source::Bgzf(reader) => {
                let first = if start == 0 {
                    Some(0)
                } else {
                    bgzf::next_block_start(reader.get_mut(), start, file_len)
                        .map_err(|e| Error::io(&self.path, e))?
                };
                match first {
                    Some(block) if block < end => {
                        reader.seek(block).map_err(|e| Error::io(&self.path, e))?;
                        if start == 0 {
                            self.line_number = Some(0);
                        }
                    }
                    _ => {
                        self.done = true;
                        return Ok(());
                    }
                }
            }
        }
        if start > 0 {
            self.skip_partial_line()?;
        }
        Ok(())
    }

    /// Drops everything up to and including the first newline: the line
    /// there belongs to the previous split.
    fn skip_partial_line(&mut self) -> Result<()> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.consumed..]) {
                self.consumed += i + 1;
                self.scanned = self.consumed;
                return Ok(());
            }
            self.consumed = self.buf.len();
            self.scanned = self.consumed;
            if !self.fill()? {
                self.done = true;
                return Ok(());
            }
        }
    }

    fn next_chunk(&mut self) -> Result<()> {
        let Some((begin, end)) = self.chunks.pop() else {
            self.done = true;
            return Ok(());
        };
        self.buf.clear();
        self.blocks.clear();
        self.consumed = 0;
        self.scanned = 0;
        self.eof = false;
        self.owned_end = None;
        self.chunk_end = Some(end);
        if let Source::Bgzf(reader) = &mut self.source {
            reader
                .seek(begin.block)
                .map_err(|e| Error::io(&self.path, e))?;
        }
        if !self.fill()? {
            return self.next_chunk();
        }
        self.consumed = (begin.within as usize).min(self.buf.len());
        self.scanned = self.consumed;
        Ok(())
    }

    /// Reads more input into `buf`. Returns false at the end of the input.
    fn fill(&mut self) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        self.compact();
        let path = &self.path;
        match &mut self.source {
            Source::Plain(r) => read_some(
                r,
                &mut self.buf,
                path,
                &mut self.eof,
                &mut self.compressed_read,
            ),
            Source::Gzip(r) => {
                let more = read_some(r, &mut self.buf, path, &mut self.eof, &mut 0)?;
                self.compressed_read = r.get_ref().count;
                Ok(more)
            }
            Source::Bgzf(r) => loop {
                let at = self.buf.len();
                match r.read_block(&mut self.buf) {
                    Ok(Some(info)) => {
                        self.compressed_read += info.compressed_len as u64;
                        self.blocks.push((at, info.offset));
                        if self.owned_end.is_none() {
                            self.owned_end = match self.chunk_end {
                                Some(end) if info.offset == end.block => {
                                    Some(at + end.within as usize)
                                }
                                Some(end) if info.offset > end.block => Some(at),
                                Some(_) => None,
                                // The line starting exactly at the first block
                                // past the split is still ours.
                                None if info.offset >= self.end => Some(at + 1),
                                None => None,
                            };
                        }
                        if info.len == 0 {
                            continue;
                        }
                        return Ok(true);
                    }
                    Ok(None) => {
                        self.eof = true;
                        return Ok(false);
                    }
                    Err(e) => {
                        let kind = match e.io {
                            Some(io) => ErrorKind::Io(io),
                            None => ErrorKind::Compression(e.message),
                        };
                        return Err(Error::new(
                            path.clone(),
                            Position::CompressedOffset(e.offset),
                            kind,
                        ));
                    }
                }
            },
        }
    }

    /// Moves unread bytes to the front of the buffer once most of it is read.
    fn compact(&mut self) {
        if self.consumed == 0 || self.consumed < self.buf.len() / 2 && self.buf.len() < (1 << 22) {
            return;
        }
        let consumed = self.consumed;
        self.buf.drain(..consumed);
        self.base += consumed as u64;
        self.scanned -= consumed;
        self.consumed = 0;
        if let Some(end) = self.owned_end {
            self.owned_end = Some(end.saturating_sub(consumed));
        }
        // Keep the block containing the unread bytes (it names their position).
        let keep_from = self
            .blocks
            .iter()
            .rposition(|(at, _)| *at <= consumed)
            .unwrap_or(0);
        self.blocks.drain(..keep_from);
        for (at, _) in &mut self.blocks {
            *at = at.saturating_sub(consumed);
        }
    }

    fn position_of(&self, index: usize) -> Position {
        if let Some(n) = self.line_number {
            return Position::Line(n);
        }
        if self.blocks.is_empty() {
            return Position::Offset(self.base + index as u64);
        }
        let block = self
            .blocks
            .iter()
            .rev()
            .find(|(at, _)| *at <= index)
            .copied()
            .unwrap_or(self.blocks[0]);
        Position::Virtual {
            block: block.1,
            within: (index - block.0.min(index)) as u32,
        }
    }

    fn owns(&self, index: usize) -> bool {
        match self.owned_end {
            Some(end) => index < end,
            None => match self.source {
                Source::Plain(_) => self.base + (index as u64) <= self.end,
                _ => true,
            },
        }
    }

    /// The next line owned by this input, or `None` when there is none left.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>> {
        loop {
            if self.done {
                return Ok(None);
            }
            // Make sure the next line is complete in the buffer.
            let newline = loop {
                if let Some(i) = memchr::memchr(b'\n', &self.buf[self.scanned..]) {
                    break Some(self.scanned + i);
                }
                self.scanned = self.buf.len();
                if self.buf.len() - self.consumed > MAX_LINE_LEN {
                    let position = self.position_of(self.consumed);
                    return Err(Error::new(
                        self.path.clone(),
                        position,
                        ErrorKind::Record(format!(
                            "line is longer than {MAX_LINE_LEN} bytes; the file is damaged or not VCF"
                        )),
                    ));
                }
                if !self.fill()? {
                    break None;
                }
            };
            let start = self.consumed;
            let end = newline.unwrap_or(self.buf.len());
            if start == end && newline.is_none() {
                // End of input (possibly of one chunk).
                if self.chunk_end.is_some() {
                    self.next_chunk()?;
                    continue;
                }
                self.done = true;
                return Ok(None);
            }
            if !self.owns(start) {
                if self.chunk_end.is_some() {
                    self.next_chunk()?;
                    continue;
                }
                self.done = true;
                return Ok(None);
            }
            let position = self.position_of(start);
            if let Some(n) = &mut self.line_number {
                *n += 1;
            }
            self.consumed = newline.map_or(end, |n| n + 1);
            self.scanned = self.consumed;
            let mut bytes = &self.buf[start..end];
            if let [rest @ .., b'\r'] = bytes {
                bytes = rest;
            }
            let position = match (position, self.line_number) {
                (Position::Line(_), Some(n)) => Position::Line(n),
                (p, _) => p,
            };
            return Ok(Some(Line {
                bytes,
                position,
                terminated: newline.is_some(),
            }));
        }
    }
}

/// Counts the bytes read through it: the compressed bytes under a gzip decoder.
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

fn read_some(
    r: &mut impl Read,
    buf: &mut Vec<u8>,
    path: &Path,
    eof: &mut bool,
    counter: &mut u64,
) -> Result<bool> {
    let at = buf.len();
    buf.resize(at + PLAIN_READ, 0);
    loop {
        match r.read(&mut buf[at..]) {
            Ok(0) => {
                buf.truncate(at);
                *eof = true;
                return Ok(false);
            }
            Ok(n) => {
                buf.truncate(at + n);
                *counter += n as u64;
                return Ok(true);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(at);
                let kind = if e.kind() == std::io::ErrorKind::InvalidInput
                    || e.kind() == std::io::ErrorKind::InvalidData
                    || e.kind() == std::io::ErrorKind::UnexpectedEof
                {
                    ErrorKind::Compression(format!("the gzip stream is damaged: {e}"))
                } else {
                    ErrorKind::Io(e)
                };
                return Err(Error::new(path, Position::File, kind));
            }
        }
    }
}

/// The 1-based number of the line starting at `position`, found by counting
/// newlines from the start of the file; `None` if the file cannot be reread.
pub(crate) fn locate_line(path: &Path, position: Position) -> Option<u64> {
    let file = BufReader::new(File::open(path).ok()?);
    match position {
        Position::Offset(offset) => {
            let mut newlines = 0u64;
            let mut remaining = offset;
            let mut reader = file.take(offset);
            let mut buf = vec![0u8; 1 << 16];
            while remaining > 0 {
                let n = reader.read(&mut buf).ok()?;
                if n == 0 {
                    break;
                }
                newlines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
                remaining -= n as u64;
            }
            Some(newlines + 1)
        }
        Position::Virtual { block, within } => {
            let mut reader = BlockReader::new(file);
            let mut newlines = 0u64;
            let mut buf = Vec::with_capacity(bgzf::MAX_BLOCK_SIZE);
            loop {
                buf.clear();
                let info = reader.read_block(&mut buf).ok()??;
                if info.offset == block {
                    let upto = (within as usize).min(buf.len());
                    newlines += memchr::memchr_iter(b'\n', &buf[..upto]).count() as u64;
                    return Some(newlines + 1);
                }
                if info.offset > block {
                    return None;
                }
                newlines += memchr::memchr_iter(b'\n', &buf).count() as u64;
            }
        }
        _ => None,
    }
}
