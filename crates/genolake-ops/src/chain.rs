//! UCSC chain files: alignments between two genome assemblies, read into
//! an index that finds the chains overlapping a source interval.
//!
//! A chain file is a sequence of chains, each a header line
//! `chain score tName tSize tStrand tStart tEnd qName qSize qStrand qStart qEnd id`
//! followed by `size dt dq` lines (an ungapped block of `size` bases, then
//! gaps of `dt` bases in the source and `dq` in the target) and a last line
//! holding only `size`. The source ("t", for target in UCSC's words) is
//! the assembly variants come from; the target ("q") is the one they are
//! lifted to. A `-` query strand means the query coordinates count from
//! the end of the query contig (they are on the reverse strand).
//!
//! ```
//! use genolake_ops::chain::ChainIndex;
//! let text = "chain 100 chr1 1000 + 100 300 chrA 900 + 0 200 1\n100 50 50\n50\n";
//! let index = ChainIndex::from_reader(text.as_bytes(), "inline.chain").unwrap();
//! assert_eq!(index.len(), 1);
//! // 0-based, end-exclusive [110, 120) lies in the first block.
//! let lifted = index.lift_over("chr1", 110, 120, 0.95).unwrap();
//! assert_eq!((lifted.contig, lifted.start, lifted.end), ("chrA", 10, 20));
//! ```

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::error::{Error, Result};

/// One ungapped aligned block: `size` bases at `source_start` in the
/// source contig and at `target_start` in the target contig (on the
/// chain's query strand, counted from the start of that strand).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// 0-based start on the source contig.
    pub source_start: i64,
    /// 0-based start on the target contig's query strand.
    pub target_start: i64,
    /// Number of aligned bases.
    pub size: i64,
}

impl Block {
    /// 0-based exclusive end on the source contig.
    pub fn source_end(&self) -> i64 {
        self.source_start + self.size
    }

    /// 0-based exclusive end on the target contig's query strand.
    pub fn target_end(&self) -> i64 {
        self.target_start + self.size
    }
}

/// One chain: an alignment of part of a source contig to a target contig.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// The chain's score, as written.
    pub score: f64,
    /// Source contig (UCSC's tName).
    pub source_contig: String,
    /// Length of the source contig.
    pub source_size: i64,
    /// 0-based start of the aligned region on the source contig.
    pub source_start: i64,
    /// 0-based exclusive end of the aligned region on the source contig.
    pub source_end: i64,
    /// Target contig (UCSC's qName).
    pub target_contig: String,
    /// Length of the target contig.
    pub target_size: i64,
    /// Whether the alignment is to the reverse strand of the target.
    pub target_negative: bool,
    /// 0-based start of the aligned region on the target's query strand
    /// (counted from the contig's end when `target_negative`).
    pub target_start: i64,
    /// 0-based exclusive end of the aligned region on the query strand.
    pub target_end: i64,
    /// The chain's id (the header's last field; 0 when absent).
    pub id: u64,
    /// Blocks in source order, non-overlapping.
    pub blocks: Vec<Block>,
}

/// A source interval lifted to the target assembly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifted<'a> {
    /// The target contig.
    pub contig: &'a str,
    /// 0-based start on the target contig's forward strand.
    pub start: i64,
    /// 0-based exclusive end on the target contig's forward strand.
    pub end: i64,
    /// Whether the interval maps to the reverse strand of the target.
    pub negative_strand: bool,
}

/// All chains of a chain file, indexed by source contig.
///
/// Memory is proportional to the number of blocks in the file (24 bytes a
/// block, plus each chain's names).
#[derive(Debug, Clone, Default)]
pub struct ChainIndex {
    chains: Vec<Chain>,
    /// Per source contig: chain numbers sorted by source start, and the
    /// running maximum of their source ends, so an overlap query is a
    /// binary search and a backward scan that stops at the first chain
    /// ending before the query.
    by_contig: HashMap<String, ContigChains>,
}

#[derive(Debug, Clone, Default)]
struct ContigChains {
    order: Vec<usize>,
    max_end: Vec<i64>,
}

/// The minimum fraction of an interval's bases that must map for a
/// liftover to succeed unless the caller says otherwise (htsjdk's
/// `LiftOver.DEFAULT_LIFTOVER_MINMATCH`).
pub const DEFAULT_MIN_MATCH: f64 = 0.95;

impl ChainIndex {
    /// Reads a chain file, plain or gzip-compressed (detected by its magic
    /// bytes, not its name).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let io_error = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = BufReader::new(File::open(path).map_err(io_error)?);
        let gzipped = file
            .fill_buf()
            .map_err(io_error)?
            .starts_with(&[0x1f, 0x8b]);
        if gzipped {
            Self::from_reader(BufReader::new(MultiGzDecoder::new(file)), path)
        } else {
            Self::from_reader(file, path)
        }
    }

    /// Reads chains from uncompressed chain text; `path` names the source
    /// in errors.
    pub fn from_reader(reader: impl Read, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut parser = Parser {
            reader: BufReader::new(reader),
            path,
            line_number: 0,
            line: Vec::new(),
        };
        let mut chains = Vec::new();
        while let Some(chain) = parser.next_chain()? {
            chains.push(chain);
        }
        Ok(Self::from_chains(chains))
    }

    /// Indexes chains already in memory.
    pub fn from_chains(chains: Vec<Chain>) -> Self {
        let mut by_contig: HashMap<String, ContigChains> = HashMap::new();
        for (number, chain) in chains.iter().enumerate() {
            by_contig
                .entry(chain.source_contig.clone())
                .or_default()
                .order
                .push(number);
        }
        for contig in by_contig.values_mut() {
            contig
                .order
                .sort_by_key(|&n| (chains[n].source_start, chains[n].source_end));
            let mut max_end = i64::MIN;
            contig.max_end = contig
                .order
                .iter()
                .map(|&n| {
                    max_end = max_end.max(chains[n].source_end);
                    max_end
                })
                .collect();
        }
        ChainIndex { chains, by_contig }
    }

    /// The number of chains.
    pub fn len(&self) -> usize {
        self.chains.len()
    }

    /// Whether there are no chains.
    pub fn is_empty(&self) -> bool {
        self.chains.is_empty()
    }

    /// All chains, in file order.
    pub fn chains(&self) -> &[Chain] {
        &self.chains
    }

    /// The chains whose aligned source region overlaps the 0-based,
    /// end-exclusive `[start, end)` on `contig`, in source order.
    pub fn overlapping<'a>(
        &'a self,
        contig: &str,
        start: i64,
        end: i64,
    ) -> impl Iterator<Item = &'a Chain> + 'a {
        let order: &[usize] = match self.by_contig.get(contig) {
            Some(c) => {
                // Chains starting before `end` are a prefix of `order`;
                // the running maximum of ends is sorted, so the chains
                // that may reach past `start` are a suffix of that prefix.
                let upto = c
                    .order
                    .partition_point(|&n| self.chains[n].source_start < end);
                let first = c.max_end[..upto].partition_point(|&m| m <= start);
                &c.order[first..upto]
            }
            None => &[],
        };
        order
            .iter()
            .map(move |&n| &self.chains[n])
            .filter(move |chain| chain.source_end > start && chain.source_start < end)
    }

    /// Lifts the 0-based, end-exclusive `[start, end)` on `contig` to the
    /// target assembly with htsjdk's `LiftOver.liftOver` rule: among the
    /// chains it overlaps, exactly one must align at least
    /// `min_match × (end − start)` of its bases; the result spans from
    /// where the interval's first aligned base maps to where its last one
    /// does. `None` when no chain or more than one qualifies, or the
    /// interval is empty.
    pub fn lift_over(
        &self,
        contig: &str,
        start: i64,
        end: i64,
        min_match: f64,
    ) -> Option<Lifted<'_>> {
        if end <= start {
            return None;
        }
        let min_bases = min_match * (end - start) as f64;
        let mut hit = None;
        for chain in self.overlapping(contig, start, end) {
            if let Some(intersection) = intersect(chain, start, end)
                && intersection.bases as f64 >= min_bases
            {
                // htsjdk's basic liftover refuses more than one hit.
                if hit.is_some() {
                    return None;
                }
                hit = Some((chain, intersection));
            }
        }
        let (chain, intersection) = hit?;
        let mut target_start = intersection.target_start;
        let mut target_end = intersection.target_end;
        if target_end <= target_start || target_start < 0 {
            return None;
        }
        if chain.target_negative {
            (target_start, target_end) = (
                chain.target_size - target_end,
                chain.target_size - target_start,
            );
        }
        Some(Lifted {
            contig: &chain.target_contig,
            start: target_start,
            end: target_end,
            negative_strand: chain.target_negative,
        })
    }
}

struct Intersection {
    bases: i64,
    target_start: i64,
    target_end: i64,
}

/// How much of `[start, end)` a chain's blocks cover, and where the first
/// and last covered bases land on the query strand.
fn intersect(chain: &Chain, start: i64, end: i64) -> Option<Intersection> {
    let blocks = &chain.blocks;
    let first = blocks.partition_point(|b| b.source_end() <= start);
    let mut bases = 0;
    let mut span: Option<(i64, i64)> = None;
    for block in blocks[first..].iter().take_while(|b| b.source_start < end) {
        let offset_from_start = (start - block.source_start).max(0);
        let offset_from_end = (block.source_end() - end).max(0);
        bases += block.source_end().min(end) - block.source_start.max(start);
        let block_end = block.target_end() - offset_from_end;
        span = Some(match span {
            None => (block.target_start + offset_from_start, block_end),
            Some((s, _)) => (s, block_end),
        });
    }
    let (target_start, target_end) = span?;
    (bases > 0).then_some(Intersection {
        bases,
        target_start,
        target_end,
    })
}

struct Parser<R> {
    reader: BufReader<R>,
    path: PathBuf,
    line_number: u64,
    line: Vec<u8>,
}

impl<R: Read> Parser<R> {
    fn error(&self, message: impl Into<String>) -> Error {
        Error::Chain {
            path: self.path.clone(),
            line: self.line_number,
            message: message.into(),
        }
    }

    /// Reads the next line into `self.line` without its line end; false at
    /// the end of the input.
    fn next_line(&mut self) -> Result<bool> {
        self.line.clear();
        let read = self
            .reader
            .read_until(b'\n', &mut self.line)
            .map_err(|source| Error::Io {
                path: self.path.clone(),
                source,
            })?;
        if read == 0 {
            return Ok(false);
        }
        self.line_number += 1;
        while matches!(self.line.last(), Some(b'\n' | b'\r')) {
            self.line.pop();
        }
        Ok(true)
    }

    fn next_chain(&mut self) -> Result<Option<Chain>> {
        // Skip blank lines and comments between chains.
        loop {
            if !self.next_line()? {
                return Ok(None);
            }
            let trimmed = self.line.trim_ascii();
            if !trimmed.is_empty() && !trimmed.starts_with(b"#") {
                break;
            }
        }
        let mut chain = self.parse_header()?;
        let mut source_pos = chain.source_start;
        let mut target_pos = chain.target_start;
        loop {
            if !self.next_line()? {
                return Err(self.error(format!(
                    "the file ends inside chain {} (a last line with only the block size is missing)",
                    chain.id
                )));
            }
            let line =
                std::str::from_utf8(&self.line).map_err(|_| self.error("the line is not UTF-8"))?;
            let fields: Vec<&str> = line.split_ascii_whitespace().collect();
            let (size, gaps) = match fields.as_slice() {
                [size] => (*size, None),
                [size, dt, dq] => (*size, Some((*dt, *dq))),
                _ => {
                    return Err(self.error(format!(
                        "expected `size dt dq` or a last `size` in chain {}, found {} fields",
                        chain.id,
                        fields.len()
                    )));
                }
            };
            let size = self.parse_count(size, "block size")?;
            let block = Block {
                source_start: source_pos,
                target_start: target_pos,
                size,
            };
            if block.source_end() > chain.source_end || block.target_end() > chain.target_end {
                return Err(self.error(format!(
                    "block of {size} bases at source {source_pos}, target {target_pos} runs past the chain's \
                     declared ranges (source ends at {}, target at {})",
                    chain.source_end,
                    chain.target_end
                )));
            }
            if size > 0 {
                chain.blocks.push(block);
            }
            source_pos = block.source_end();
            target_pos = block.target_end();
            match gaps {
                Some((dt, dq)) => {
                    source_pos += self.parse_count(dt, "source gap")?;
                    target_pos += self.parse_count(dq, "target gap")?;
                }
                None => {
                    if source_pos != chain.source_end || target_pos != chain.target_end {
                        return Err(self.error(format!(
                            "chain {} ends at source {source_pos}, target {target_pos}, but its header \
                             declares source end {} and target end {}",
                            chain.id,
                            chain.source_end,
                            chain.target_end
                        )));
                    }
                    return Ok(Some(chain));
                }
            }
        }
    }

    fn parse_header(&self) -> Result<Chain> {
        let line =
            std::str::from_utf8(&self.line).map_err(|_| self.error("the line is not UTF-8"))?;
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        if fields.first() != Some(&"chain") {
            return Err(self.error(format!(
                "expected a `chain` header line, found {:?}",
                truncate(line)
            )));
        }
        if !(12..=13).contains(&fields.len()) {
            return Err(self.error(format!(
                "a chain header has 12 or 13 fields \
                 (chain score tName tSize tStrand tStart tEnd qName qSize qStrand qStart qEnd id), found {}",
                fields.len()
            )));
        }
        let score: f64 = fields[1]
            .parse()
            .map_err(|_| self.error(format!("score {:?} is not a number", truncate(fields[1]))))?;
        let source_size = self.parse_count(fields[3], "tSize")?;
        if fields[4] != "+" {
            return Err(self.error(format!(
                "tStrand must be `+` (the source strand), found {:?}",
                truncate(fields[4])
            )));
        }
        let source_start = self.parse_count(fields[5], "tStart")?;
        let source_end = self.parse_count(fields[6], "tEnd")?;
        let target_size = self.parse_count(fields[8], "qSize")?;
        let target_negative = match fields[9] {
            "+" => false,
            "-" => true,
            other => {
                return Err(self.error(format!(
                    "qStrand must be `+` or `-`, found {:?}",
                    truncate(other)
                )));
            }
        };
        let target_start = self.parse_count(fields[10], "qStart")?;
        let target_end = self.parse_count(fields[11], "qEnd")?;
        let id = match fields.get(12) {
            Some(id) => id
                .parse()
                .map_err(|_| self.error(format!("id {:?} is not a number", truncate(id))))?,
            None => 0,
        };
        if source_start > source_end || source_end > source_size {
            return Err(self.error(format!(
                "tStart {source_start} and tEnd {source_end} must satisfy tStart <= tEnd <= tSize ({source_size})"
            )));
        }
        if target_start > target_end || target_end > target_size {
            return Err(self.error(format!(
                "qStart {target_start} and qEnd {target_end} must satisfy qStart <= qEnd <= qSize ({target_size})"
            )));
        }
        Ok(Chain {
            score,
            source_contig: fields[2].to_string(),
            source_size,
            source_start,
            source_end,
            target_contig: fields[7].to_string(),
            target_size,
            target_negative,
            target_start,
            target_end,
            id,
            blocks: Vec::new(),
        })
    }

    /// A non-negative count, small enough that sums of a few of them
    /// cannot overflow (contigs are far below 2^48 bases).
    fn parse_count(&self, text: &str, what: &str) -> Result<i64> {
        match text.parse::<i64>() {
            Ok(n) if (0..1 << 48).contains(&n) => Ok(n),
            _ => Err(self.error(format!(
                "{what} {:?} is not a count between 0 and 2^48",
                truncate(text)
            ))),
        }
    }
}

fn truncate(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<ChainIndex> {
        ChainIndex::from_reader(text.as_bytes(), "t.chain")
    }

    fn error_line(text: &str) -> (u64, String) {
        match parse(text) {
            Err(Error::Chain { line, message, .. }) => (line, message),
            other => panic!("expected a chain error, got {other:?}"),
        }
    }

    const TWO_BLOCKS: &str =
        "chain 1 chr1 1085 + 0 1085 chr1 1085 + 0 1085 2\n540 0 5\n500 5 0\n40\n";

    #[test]
    fn blocks_follow_gaps() {
        let index = parse(TWO_BLOCKS).unwrap();
        let blocks = &index.chains()[0].blocks;
        assert_eq!(
            blocks,
            &[
                Block {
                    source_start: 0,
                    target_start: 0,
                    size: 540
                },
                Block {
                    source_start: 540,
                    target_start: 545,
                    size: 500
                },
                Block {
                    source_start: 1045,
                    target_start: 1045,
                    size: 40
                },
            ]
        );
        // An interval across the target gap grows by it: 2 bases map to 7.
        let lifted = index.lift_over("chr1", 539, 541, 0.95).unwrap();
        assert_eq!((lifted.start, lifted.end), (539, 546));
        // Half of [1043, 1047) falls in the source gap.
        assert!(index.lift_over("chr1", 1043, 1047, 0.95).is_none());
        assert!(index.lift_over("chr1", 1043, 1047, 0.5).is_some());
        assert!(index.lift_over("chr2", 0, 10, 0.5).is_none());
        assert!(index.lift_over("chr1", 10, 10, 0.5).is_none());
    }

    #[test]
    fn two_qualifying_chains_fail_as_in_htsjdk() {
        let text = "chain 1 chr1 100 + 0 50 a 100 + 0 50 1\n50\n\nchain 1 chr1 100 + 0 50 b 100 + 0 50 2\n50\n";
        let index = parse(text).unwrap();
        assert!(index.lift_over("chr1", 10, 20, 0.95).is_none());
        assert_eq!(index.overlapping("chr1", 10, 20).count(), 2);
    }

    #[test]
    fn malformed_lines_are_named() {
        assert_eq!(
            error_line("chain 1 chr1 100 + 0 50 a 100 + 0 50\n40 0\n").0,
            2
        );
        assert_eq!(error_line("# comment\n\nchian 1\n").0, 3);
        let (line, message) = error_line("chain 1 chr1 100 + 0 50 a 100 + 0 50 1\n40 5 5\n20\n");
        assert_eq!(line, 3);
        assert!(message.contains("runs past"), "{message}");
        let (line, message) = error_line("chain 1 chr1 100 + 0 50 a 100 + 0 50 1\n40\n");
        assert_eq!(line, 2);
        assert!(message.contains("header"), "{message}");
        assert_eq!(
            error_line("chain 1 chr1 100 + 0 50 a 100 + 0 50 1\n50 1 1\n").0,
            2
        );
        assert!(
            error_line("chain 1 chr1 100 + 0 500 a 100 + 0 50 1\n50\n")
                .1
                .contains("tSize")
        );
        assert!(
            error_line("chain 1 chr1 100 - 0 50 a 100 + 0 50 1\n50\n")
                .1
                .contains("tStrand")
        );
        assert!(
            error_line("chain 1 chr1 100 + 0 50 a 100 + 0 50 1\n-5\n")
                .1
                .contains("block size")
        );
        let err = parse("chain 1 chr1 100 + 0 50 a 100 + 0 50 1\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("t.chain, line 1: the file ends"),
            "{err}"
        );
    }

    #[test]
    fn gzip_and_plain_files_read_alike() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.chain");
        std::fs::write(&plain, TWO_BLOCKS).unwrap();
        let gz = dir.path().join("a.chain.gz");
        let mut encoder =
            flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
        encoder.write_all(TWO_BLOCKS.as_bytes()).unwrap();
        encoder.finish().unwrap();
        let a = ChainIndex::open(&plain).unwrap();
        let b = ChainIndex::open(&gz).unwrap();
        assert_eq!(a.chains(), b.chains());
        assert!(matches!(
            ChainIndex::open(dir.path().join("missing")),
            Err(Error::Io { .. })
        ));
    }

    proptest! {
        #[test]
        fn parser_never_panics(text in "[ -~\n]{0,300}") {
            let _ = parse(&text);
        }

        /// Every base of a block lifts alone to its counterpart, mirrored
        /// on the reverse strand; bases of gaps do not lift.
        #[test]
        fn single_bases_land_where_the_blocks_say(
            blocks in proptest::collection::vec((1i64..20, 0i64..5, 0i64..5), 1..6),
            negative in any::<bool>(),
        ) {
            let mut text = String::new();
            let (mut t, mut q) = (0, 0);
            let mut expected = Vec::new();
            for (i, &(size, dt, dq)) in blocks.iter().enumerate() {
                for k in 0..size {
                    expected.push((t + k, Some(q + k)));
                }
                t += size;
                q += size;
                if i + 1 < blocks.len() {
                    text.push_str(&format!("{size} {dt} {dq}\n"));
                    for k in 0..dt {
                        expected.push((t + k, None));
                    }
                    t += dt;
                    q += dq;
                } else {
                    text.push_str(&format!("{size}\n"));
                }
            }
            let strand = if negative { "-" } else { "+" };
            let header = format!("chain 1 src {t} + 0 {t} dst {q} {strand} 0 {q} 1\n");
            let index = parse(&(header + &text)).unwrap();
            for (source, target) in expected {
                let lifted = index.lift_over("src", source, source + 1, 1.0);
                match target {
                    Some(target) => {
                        let lifted = lifted.unwrap();
                        let start = if negative { q - target - 1 } else { target };
                        prop_assert_eq!((lifted.start, lifted.end), (start, start + 1));
                        prop_assert_eq!(lifted.negative_strand, negative);
                    }
                    None => prop_assert!(lifted.is_none()),
                }
            }
        }
    }
}
