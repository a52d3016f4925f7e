//! The inflated bytes of a BCF file, block by block, each byte with its
//! BGZF virtual position.
//!
//! BCF records have no delimiter, so this input hands out byte ranges of a
//! requested length rather than lines; the record layer asks for a record's
//! two length fields and then for the record. Bytes stay in one buffer
//! (compacted as they are consumed), so a record crossing blocks is one
//! slice, and memory is bounded by the largest record the caller accepts.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::bgzf::{self, BlockReader};
use crate::error::{Error, ErrorKind, Position, Result};
use crate::reader::VirtualPosition;

/// Inflated BGZF bytes with their virtual positions.
pub(crate) struct BlockInput {
    path: PathBuf,
    reader: BlockReader<BufReader<File>>,
    /// Inflated bytes in `buf[..end]`, of which `buf[consumed..end]` are
    /// not yet handed out. The rest of `buf` is room for the next block,
    /// kept from block to block: growing the `Vec` for each block would
    /// zero its bytes first, a pass over everything read.
    buf: Vec<u8>,
    end: usize,
    consumed: usize,
    /// (index in `buf`, compressed offset) of each block held in `buf`.
    blocks: Vec<(usize, u64)>,
    eof: bool,
    compressed_read: u64,
}

impl BlockInput {
    /// Opens `path` at its first block.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            reader: BlockReader::new(BufReader::with_capacity(1 << 16, file)),
            buf: Vec::new(),
            end: 0,
            consumed: 0,
            blocks: Vec::new(),
            eof: false,
            compressed_read: 0,
        })
    }

    /// Drops what is buffered and goes on from the block at `block`, `within`
    /// bytes into it. False when there is no such byte (end of file).
    pub(crate) fn seek(&mut self, at: VirtualPosition) -> Result<bool> {
        self.end = 0;
        self.blocks.clear();
        self.consumed = 0;
        self.eof = false;
        self.reader
            .seek(at.block)
            .map_err(|e| Error::io(&self.path, e))?;
        if !self.fill()? {
            return Ok(false);
        }
        let within = at.within as usize;
        if within > self.end {
            return Ok(false);
        }
        self.consumed = within;
        Ok(true)
    }

    /// The underlying file, to look for block starts.
    pub(crate) fn file(&mut self) -> &mut BufReader<File> {
        self.reader.get_mut()
    }

    /// Compressed bytes read so far (for progress reporting).
    pub(crate) fn bytes_read(&self) -> u64 {
        self.compressed_read
    }

    /// The unread bytes buffered so far.
    pub(crate) fn available(&self) -> &[u8] {
        &self.buf[self.consumed..self.end]
    }

    /// Makes at least `n` unread bytes available. False when the file ends
    /// first (then [`available`](Self::available) holds what there is).
    pub(crate) fn ensure(&mut self, n: usize) -> Result<bool> {
        while self.end - self.consumed < n {
            if !self.fill()? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Marks `n` bytes as read.
    pub(crate) fn consume(&mut self, n: usize) {
        self.consumed = (self.consumed + n).min(self.end);
    }

    /// The virtual position of the next unread byte, or of the one `ahead`
    /// bytes after it.
    pub(crate) fn position(&self, ahead: usize) -> VirtualPosition {
        let index = self.consumed + ahead;
        // A byte at the end of one block is the first of the next: the later
        // block names it, as htslib and the indexes do.
        match self.blocks.iter().rev().find(|(at, _)| *at <= index) {
            Some(&(at, block)) => VirtualPosition {
                block,
                within: (index - at) as u32,
            },
            None => VirtualPosition {
                block: self.reader.offset(),
                within: 0,
            },
        }
    }

    /// An error at the virtual position of the unread byte `ahead` bytes on.
    pub(crate) fn error_at(&self, ahead: usize, kind: ErrorKind) -> Error {
        let at = self.position(ahead);
        Error::new(
            &self.path,
            Position::RecordAt {
                block: at.block,
                within: at.within,
            },
            kind,
        )
    }

    /// Reads the next non-empty block into the buffer. False at the end of
    /// the file.
    fn fill(&mut self) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        self.compact();
        loop {
            let at = self.end;
            if self.buf.len() < at + bgzf::MAX_BLOCK_SIZE {
                self.buf.resize(at + bgzf::MAX_BLOCK_SIZE, 0);
            }
            match self.reader.read_block_into(&mut self.buf[at..]) {
                Ok(Some(info)) => {
                    self.compressed_read += info.compressed_len as u64;
                    self.end += info.len as usize;
                    if info.len == 0 {
                        continue;
                    }
                    self.blocks.push((at, info.offset));
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
                        &self.path,
                        Position::CompressedOffset(e.offset),
                        kind,
                    ));
                }
            }
        }
    }

    /// Moves unread bytes to the front once most of the buffer is read.
    fn compact(&mut self) {
        let consumed = self.consumed;
        if consumed == 0 || consumed < self.end / 2 {
            return;
        }
        self.buf.copy_within(consumed..self.end, 0);
        self.end -= consumed;
        self.consumed = 0;
        // Keep the block holding the first unread byte: it names positions.
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
}
