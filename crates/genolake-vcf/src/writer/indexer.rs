//! Building a `.tbi` or `.csi` index while writing, from the virtual
//! positions of the records (noodles' binning indexer does the binning).
//!
//! A record's virtual positions are known only once the blocks before it
//! are compressed and written, so records wait in a queue until then, in
//! order, which is the order the indexer needs.

use std::collections::{HashSet, VecDeque};
use std::path::Path;

use noodles::bgzf::VirtualPosition;
use noodles::core::Position as NoodlesPosition;
use noodles::csi::binning_index::Indexer as BinningIndexer;
use noodles::csi::binning_index::index::header::Builder as IndexHeaderBuilder;
use noodles::csi::binning_index::index::header::ReferenceSequenceNames;
use noodles::csi::binning_index::index::reference_sequence::bin::Chunk;
use noodles::csi::binning_index::index::reference_sequence::index::{BinnedIndex, LinearIndex};

use super::output::Output;

/// The index written beside a BGZF file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexFormat {
    /// A tabix index, `<file>.tbi`: positions up to 2^29 − 1 (512 Mbp).
    Tabix,
    /// A CSI index, `<file>.csi`: as long as the contigs need (its depth
    /// follows the longest contig the builder declares; at least 2^32).
    Csi,
}

impl IndexFormat {
    /// The file extension: `tbi` or `csi`.
    pub fn extension(self) -> &'static str {
        match self {
            IndexFormat::Tabix => "tbi",
            IndexFormat::Csi => "csi",
        }
    }
}

/// htslib's smallest bin: 2^14 bases.
const MIN_SHIFT: u8 = 14;
/// Tabix's fixed depth: positions below 2^29.
const TABIX_DEPTH: u8 = 5;

enum Binning {
    Tabix(BinningIndexer<LinearIndex>),
    Csi(BinningIndexer<BinnedIndex>),
}

struct Pending {
    contig: usize,
    start: i64,
    end: i64,
    text_start: u64,
    text_end: u64,
}

/// Index state of a writer.
pub(crate) struct Indexer {
    format: IndexFormat,
    binning: Binning,
    max_position: i64,
    names: Vec<String>,
    seen: HashSet<String>,
    last: Option<(usize, i64)>,
    pending: VecDeque<Pending>,
    /// A BCF file's index: contigs are numbered by its header's dictionary
    /// (this many entries), and the index carries no names (`l_aux` 0, as
    /// `bcftools index` writes it).
    dictionary: Option<usize>,
}

/// htslib's depth of a CSI index: the fewest levels from `from` up that
/// hold the longest contig and 256 bases more.
fn csi_depth(longest: u64, from: u8) -> u8 {
    let longest = longest.saturating_add(256);
    let mut depth = from;
    while depth < 12 && (1u64 << (MIN_SHIFT as u32 + 3 * depth as u32)) < longest {
        depth += 1;
    }
    depth
}

impl Indexer {
    /// An indexer for contigs up to `longest` bases (when known).
    pub(crate) fn new(format: IndexFormat, longest: Option<u64>) -> Self {
        match format {
            IndexFormat::Tabix => Self::with(
                format,
                Binning::Tabix(BinningIndexer::default()),
                TABIX_DEPTH,
                None,
            ),
            // As htslib sizes a VCF's CSI index: at least 6 levels (2^32).
            IndexFormat::Csi => Self::csi(csi_depth(longest.unwrap_or(0), 6), None),
        }
    }

    /// A CSI index of a BCF file whose dictionary holds `contigs` contigs,
    /// the longest `longest` bases (when known), sized as htslib sizes a
    /// BCF's: from no levels up, 2^31 bases when no length is known.
    pub(crate) fn bcf(contigs: usize, longest: Option<u64>) -> Self {
        let longest = longest.filter(|&l| l > 0).unwrap_or((1 << 31) - 1);
        Self::csi(csi_depth(longest, 0), Some(contigs))
    }

    fn csi(depth: u8, dictionary: Option<usize>) -> Self {
        let indexer = BinningIndexer::new(MIN_SHIFT, depth).unwrap_or_else(BinningIndexer::default);
        Self::with(IndexFormat::Csi, Binning::Csi(indexer), depth, dictionary)
    }

    fn with(format: IndexFormat, binning: Binning, depth: u8, dictionary: Option<usize>) -> Self {
        let bits = MIN_SHIFT as u32 + 3 * depth as u32;
        Self {
            format,
            binning,
            max_position: if bits >= 63 {
                i64::MAX
            } else {
                (1i64 << bits) - 1
            },
            names: Vec::new(),
            seen: HashSet::new(),
            last: None,
            pending: VecDeque::new(),
            dictionary,
        }
    }

    /// Notes a record at 1-based `start..=end` on `contig` (whose id is
    /// `id` in a BCF dictionary, else numbered as contigs come), written at
    /// offsets `text_start..text_end`; an error when it is out of order or
    /// past what the index can hold.
    pub(crate) fn push(
        &mut self,
        contig: &str,
        id: Option<usize>,
        start: i64,
        end: i64,
        text_start: u64,
        text_end: u64,
    ) -> Result<(), String> {
        let last_name = |names: &[String], last: Option<(usize, i64)>| {
            last.and_then(|(id, _)| names.get(id).cloned())
                .unwrap_or_default()
        };
        let id = match (self.last, id) {
            (Some((last, _)), Some(id)) if last == id => id,
            (Some((last, _)), None) if self.names[last] == contig => last,
            _ => {
                if self.seen.contains(contig) {
                    return Err(format!(
                        "{contig}:{start} comes after records of {}, but {contig} came before them: records must be sorted by contig and position to be indexed",
                        last_name(&self.names, self.last)
                    ));
                }
                if let (Some(id), Some((last, _))) = (id, self.last)
                    && id < last
                {
                    return Err(format!(
                        "{contig}:{start} comes after records of {}, which the header declares after {contig}: a BCF index needs the contigs in the header's order",
                        last_name(&self.names, self.last)
                    ));
                }
                self.seen.insert(contig.to_string());
                match id {
                    Some(id) => {
                        if self.names.len() <= id {
                            self.names.resize(id + 1, String::new());
                        }
                        self.names[id] = contig.to_string();
                        id
                    }
                    None => {
                        self.names.push(contig.to_string());
                        self.names.len() - 1
                    }
                }
            }
        };
        if let Some((last_id, last_start)) = self.last
            && last_id == id
            && start < last_start
        {
            return Err(format!(
                "{contig}:{start} comes after {contig}:{last_start}: records must be sorted by contig and position to be indexed"
            ));
        }
        if end > self.max_position {
            return Err(match self.format {
                IndexFormat::Tabix => format!(
                    "{contig}:{start} ends at {end}, past the 2^29 − 1 a tabix index can hold: index with CSI (IndexFormat::Csi)"
                ),
                IndexFormat::Csi => format!(
                    "{contig}:{start} ends at {end}, past the {} this CSI index was sized for: declare the contig's length to the builder",
                    self.max_position
                ),
            });
        }
        self.last = Some((id, start));
        self.pending.push_back(Pending {
            contig: id,
            start,
            end,
            text_start,
            text_end,
        });
        Ok(())
    }

    /// Hands the records whose blocks are written to the binning indexer.
    pub(crate) fn drain(&mut self, output: &Output) -> Result<(), String> {
        while let Some(p) = self.pending.front() {
            let (Some(a), Some(b)) = (
                output.virtual_position(p.text_start),
                output.virtual_position(p.text_end),
            ) else {
                break;
            };
            let chunk = Chunk::new(VirtualPosition::from(a), VirtualPosition::from(b));
            let position = |v: i64| {
                usize::try_from(v)
                    .ok()
                    .and_then(NoodlesPosition::new)
                    .ok_or_else(|| format!("position {v} cannot be indexed"))
            };
            let context = Some((p.contig, position(p.start)?, position(p.end)?, true));
            match &mut self.binning {
                Binning::Tabix(i) => i.add_record(context, chunk),
                Binning::Csi(i) => i.add_record(context, chunk),
            }
            .map_err(|e| format!("the index refused a record: {e}"))?;
            self.pending.pop_front();
        }
        Ok(())
    }

    /// Writes the index (every record's blocks written) to `path`.
    pub(crate) fn write(self, path: &Path) -> std::io::Result<()> {
        let binning = match (self.binning, self.dictionary) {
            // BCF: contigs are the header's, so the index names none.
            (Binning::Csi(i), Some(count)) => {
                return noodles::csi::fs::write(path, &i.build(count));
            }
            (binning, _) => binning,
        };
        let mut names = ReferenceSequenceNames::new();
        for name in &self.names {
            names.insert(name.as_str().into());
        }
        // Tabix's VCF columns: CHROM, POS, the end from REF and INFO END.
        let header = IndexHeaderBuilder::vcf()
            .set_reference_sequence_names(names)
            .build();
        let count = self.names.len();
        match binning {
            Binning::Tabix(i) => {
                noodles::tabix::fs::write(path, &i.set_header(header).build(count))
            }
            Binning::Csi(i) => noodles::csi::fs::write(path, &i.set_header(header).build(count)),
        }
    }
}
