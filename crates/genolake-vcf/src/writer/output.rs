//! Where the text goes: a plain file, or BGZF blocks compressed by a pool of
//! threads, with the virtual position of every byte known once its block is
//! written (what an index needs).
//!
//! The record formatter writes straight into [`Output::buffer`]; whole
//! blocks are cut from it at fixed multiples of [`BLOCK_DATA`] bytes of text,
//! as bgzip cuts them, so the block holding any offset of the text is
//! `offset / BLOCK_DATA` and its virtual position needs only the compressed
//! offset of that block. Blocks are compressed by libdeflate in groups
//! ([`BLOCKS_PER_JOB`]) on worker threads while the caller formats the next
//! records; the groups are written in order as they come back.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use libdeflater::{CompressionLvl, Compressor};

/// Text bytes per BGZF block: htslib's `BGZF_BLOCK_SIZE` (0xff00), which
/// leaves room in the 64 KiB block for the header, the footer and deflate's
/// worst case on incompressible text (a stored block).
pub(crate) const BLOCK_DATA: usize = 0xff00;
/// Blocks one compression job holds: large enough that a job costs far
/// more than handing it to a thread, small enough to keep both cores busy.
const BLOCKS_PER_JOB: usize = 8;
/// Plain text is flushed to the file in pieces of this size.
const PLAIN_FLUSH: usize = 1 << 20;
const HEADER: [u8; 16] = [
    0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0,
];
/// The empty block that ends every BGZF file (SAM specification, 4.1.2).
const EOF_BLOCK: [u8; 28] = [
    0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0, 0x1b, 0, 3, 0, 0, 0, 0, 0, 0, 0,
    0, 0,
];
/// Largest deflate stream that fits a block beside its 18-byte header and
/// 8-byte footer.
const MAX_DEFLATE: usize = 65536 - 26;

/// BGZF blocks compressed from a group of text blocks, and the size of each.
struct Compressed {
    bytes: Vec<u8>,
    block_sizes: Vec<u32>,
}

/// Compresses `text` into BGZF blocks of at most [`BLOCK_DATA`] text bytes.
fn compress_blocks(compressor: &mut Compressor, text: &[u8]) -> io::Result<Compressed> {
    let mut bytes = Vec::with_capacity(text.len() / 3 + 64);
    let mut block_sizes = Vec::with_capacity(text.len().div_ceil(BLOCK_DATA));
    let mut deflated = vec![0u8; MAX_DEFLATE];
    for block in text.chunks(BLOCK_DATA) {
        let size = match compressor.deflate_compress(block, &mut deflated) {
            Ok(size) => size,
            // Incompressible text: a stored block (level 0) always fits, at
            // 5 bytes over the text.
            Err(_) => Compressor::new(CompressionLvl::new(0).unwrap_or_default())
                .deflate_compress(block, &mut deflated)
                .map_err(|_| io::Error::other("a BGZF block does not fit 64 KiB"))?,
        };
        let total = size + 26;
        bytes.extend_from_slice(&HEADER);
        // BSIZE is the block's size minus one; `total` ≤ 65536 by MAX_DEFLATE.
        bytes.extend_from_slice(&((total - 1) as u16).to_le_bytes());
        bytes.extend_from_slice(&deflated[..size]);
        bytes.extend_from_slice(&libdeflater::crc32(block).to_le_bytes());
        bytes.extend_from_slice(&(block.len() as u32).to_le_bytes());
        block_sizes.push(total as u32);
    }
    Ok(Compressed { bytes, block_sizes })
}

type Job = (Vec<u8>, SyncSender<io::Result<Compressed>>);

/// Threads that compress groups of blocks.
struct Pool {
    jobs: Option<SyncSender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl Pool {
    fn new(threads: usize, level: CompressionLvl) -> Self {
        let (tx, rx) = sync_channel::<Job>(threads * 2);
        let rx = Arc::new(Mutex::new(rx));
        let threads = (0..threads)
            .map(|_| {
                let rx = Arc::clone(&rx);
                std::thread::spawn(move || {
                    let mut compressor = Compressor::new(level);
                    loop {
                        // The lock is held only to take a job, not to run it.
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok((text, reply)) = job else { return };
                        // The receiver may be gone when the writer was dropped.
                        let _ = reply.send(compress_blocks(&mut compressor, &text));
                    }
                })
            })
            .collect();
        Self {
            jobs: Some(tx),
            threads,
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.jobs = None;
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// The BGZF side of [`Output`].
struct Bgzf {
    compressor: Compressor,
    pool: Option<Pool>,
    /// Groups being compressed, oldest first.
    in_flight: VecDeque<Receiver<io::Result<Compressed>>>,
    /// Compressed offset at which each block written so far starts, and
    /// the offset after the last one.
    block_starts: Vec<u64>,
    compressed: u64,
}

/// A plain or BGZF output file fed with text.
pub(crate) struct Output {
    file: File,
    /// Text not yet written (plain) or not yet handed to compression (BGZF).
    pub(crate) buffer: Vec<u8>,
    /// Text bytes before `buffer`.
    flushed: u64,
    bgzf: Option<Bgzf>,
}

impl Output {
    /// Plain text into `file`.
    pub(crate) fn plain(file: File) -> Self {
        Self {
            file,
            buffer: Vec::with_capacity(PLAIN_FLUSH + (PLAIN_FLUSH >> 2)),
            flushed: 0,
            bgzf: None,
        }
    }

    /// BGZF into `file`, at a libdeflate `level` (0–12), compressed by
    /// `threads` worker threads (0: on the calling thread).
    pub(crate) fn bgzf(file: File, level: CompressionLvl, threads: usize) -> Self {
        Self {
            file,
            buffer: Vec::with_capacity(BLOCK_DATA * BLOCKS_PER_JOB * 2),
            flushed: 0,
            bgzf: Some(Bgzf {
                compressor: Compressor::new(level),
                pool: (threads > 0).then(|| Pool::new(threads, level)),
                in_flight: VecDeque::new(),
                block_starts: vec![0],
                compressed: 0,
            }),
        }
    }

    /// Text bytes given so far.
    pub(crate) fn text_position(&self) -> u64 {
        self.flushed + self.buffer.len() as u64
    }

    /// Compressed bytes written so far (plain: text bytes written).
    pub(crate) fn bytes_written(&self) -> u64 {
        match &self.bgzf {
            Some(b) => b.compressed,
            None => self.flushed,
        }
    }

    /// The BGZF virtual position of a text offset, once the blocks before
    /// it are written (else `None`).
    pub(crate) fn virtual_position(&self, text_offset: u64) -> Option<u64> {
        let bgzf = self.bgzf.as_ref()?;
        let block = (text_offset / BLOCK_DATA as u64) as usize;
        let start = *bgzf.block_starts.get(block)?;
        Some((start << 16) | (text_offset % BLOCK_DATA as u64))
    }

    /// Hands full pieces of the buffer on: to the file, or to compression.
    pub(crate) fn flush_full(&mut self) -> io::Result<()> {
        let Some(bgzf) = &mut self.bgzf else {
            if self.buffer.len() >= PLAIN_FLUSH {
                self.file.write_all(&self.buffer)?;
                self.flushed += self.buffer.len() as u64;
                self.buffer.clear();
            }
            return Ok(());
        };
        let job = BLOCK_DATA * BLOCKS_PER_JOB;
        while self.buffer.len() >= job {
            let rest = self.buffer[job..].to_vec();
            let mut text = std::mem::replace(&mut self.buffer, rest);
            text.truncate(job);
            self.flushed += job as u64;
            bgzf.submit(&mut self.file, text)?;
        }
        bgzf.write_ready(&mut self.file, false)
    }

    /// Writes what is left and, for BGZF, the end-of-file block.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        let text = std::mem::take(&mut self.buffer);
        self.flushed += text.len() as u64;
        match &mut self.bgzf {
            None => self.file.write_all(&text)?,
            Some(bgzf) => {
                if !text.is_empty() {
                    bgzf.submit(&mut self.file, text)?;
                }
                bgzf.write_ready(&mut self.file, true)?;
                self.file.write_all(&EOF_BLOCK)?;
                bgzf.compressed += EOF_BLOCK.len() as u64;
                bgzf.pool = None;
            }
        }
        // No fsync: the temporary name guards against failed writes; like
        // bgzip and bcftools, durability is left to the system.
        self.file.flush()
    }
}

impl Bgzf {
    fn submit(&mut self, file: &mut File, text: Vec<u8>) -> io::Result<()> {
        let Some(pool) = &self.pool else {
            let compressed = compress_blocks(&mut self.compressor, &text)?;
            return self.write(file, compressed);
        };
        let (reply, receiver) = sync_channel(1);
        let jobs = pool
            .jobs
            .as_ref()
            .ok_or_else(|| io::Error::other("the compression threads have stopped"))?;
        jobs.send((text, reply))
            .map_err(|_| io::Error::other("the compression threads have stopped"))?;
        self.in_flight.push_back(receiver);
        // Bounded memory: at most two groups per thread wait.
        let limit = pool.threads.len() * 2 + 1;
        while self.in_flight.len() > limit {
            self.write_next(file)?;
        }
        Ok(())
    }

    fn write_next(&mut self, file: &mut File) -> io::Result<()> {
        let Some(receiver) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let compressed = receiver
            .recv()
            .map_err(|_| io::Error::other("a compression thread stopped"))??;
        self.write(file, compressed)
    }

    /// Writes the groups already compressed (all of them when `all`).
    fn write_ready(&mut self, file: &mut File, all: bool) -> io::Result<()> {
        while let Some(receiver) = self.in_flight.front() {
            let compressed = if all {
                receiver
                    .recv()
                    .map_err(|_| io::Error::other("a compression thread stopped"))?
            } else {
                match receiver.try_recv() {
                    Ok(c) => c,
                    Err(std::sync::mpsc::TryRecvError::Empty) => return Ok(()),
                    Err(_) => return Err(io::Error::other("a compression thread stopped")),
                }
            };
            self.in_flight.pop_front();
            self.write(file, compressed?)?;
        }
        Ok(())
    }

    fn write(&mut self, file: &mut File, compressed: Compressed) -> io::Result<()> {
        file.write_all(&compressed.bytes)?;
        for size in compressed.block_sizes {
            self.compressed += size as u64;
            self.block_starts.push(self.compressed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate_all(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn bgzf_output_inflates_to_the_text_and_places_every_offset() {
        // Text that spans several jobs, compressible and not.
        let mut text = Vec::new();
        let mut x = 12345u64;
        while text.len() < BLOCK_DATA * BLOCKS_PER_JOB * 3 + 1000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            text.extend_from_slice(if x.is_multiple_of(3) {
                b"chr1\t100\t.\tA\tC\n"
            } else {
                &[]
            });
            text.push((x >> 33) as u8);
        }
        for threads in [0, 2] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("x.gz");
            let mut out = Output::bgzf(
                File::create(&path).unwrap(),
                CompressionLvl::default(),
                threads,
            );
            for piece in text.chunks(7777) {
                out.buffer.extend_from_slice(piece);
                out.flush_full().unwrap();
            }
            out.finish().unwrap();
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(bytes.len() as u64, out.bytes_written());
            assert!(crate::bgzf::is_bgzf(&bytes));
            assert!(bytes.ends_with(&EOF_BLOCK));
            assert_eq!(inflate_all(&bytes), text, "threads {threads}");
            // The virtual position of offset o points at text[o].
            for o in [0u64, 1, BLOCK_DATA as u64, 3 * BLOCK_DATA as u64 + 17] {
                let v = out.virtual_position(o).unwrap();
                let (block, within) = ((v >> 16) as usize, (v & 0xffff) as usize);
                let rest = inflate_all(&bytes[block..]);
                assert_eq!(rest[within], text[o as usize], "offset {o}");
            }
        }
    }
}
