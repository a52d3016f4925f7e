//! Tabix (`.tbi`) and CSI (`.csi`) indexes: which BGZF chunks hold a region.
//!
//! The index files are read by noodles; this module turns genolake regions
//! into the merged, ordered chunk list the line input walks.

use std::path::{Path, PathBuf};

use genolake_core::Region;
use noodles::core::Position as NoodlesPosition;
use noodles::core::region::Interval;
use noodles::csi::BinningIndex;

use crate::error::{Error, ErrorKind, Position, Result};
use crate::reader::input::VirtualPosition;

/// A loaded tabix or CSI index and the contig names it knows.
pub struct VariantIndex {
    path: PathBuf,
    index: Box<dyn BinningIndex + Send + Sync>,
    contigs: Vec<String>,
    /// Largest position the index can address (`2^(min_shift + 3·depth)`).
    max_position: i64,
}

impl std::fmt::Debug for VariantIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VariantIndex")
            .field("path", &self.path)
            .field("contigs", &self.contigs)
            .finish()
    }
}

/// The index beside `data`, if there is one: `data.tbi`, else `data.csi`.
pub fn find_index(data: &Path) -> Option<PathBuf> {
    ["tbi", "csi"].into_iter().find_map(|ext| {
        let mut name = data.as_os_str().to_owned();
        name.push(".");
        name.push(ext);
        let candidate = PathBuf::from(name);
        candidate.is_file().then_some(candidate)
    })
}

impl VariantIndex {
    /// Reads a `.tbi` or `.csi` file (told apart by its magic bytes).
    pub fn read(path: &Path) -> Result<Self> {
        let bad = |message: String| Error::new(path, Position::File, ErrorKind::Index(message));
        let is_csi = path.extension().is_some_and(|e| e == "csi");
        let index: Box<dyn BinningIndex + Send + Sync> = if is_csi {
            Box::new(
                noodles::csi::fs::read(path)
                    .map_err(|e| bad(format!("cannot read the CSI index: {e}")))?,
            )
        } else {
            Box::new(
                noodles::tabix::fs::read(path)
                    .map_err(|e| bad(format!("cannot read the tabix index: {e}")))?,
            )
        };
        Self::with_contigs(path, index, None)
    }

    /// Reads a CSI index of a BCF file, whose contig names are the BCF
    /// header's (a BCF's index does not repeat them).
    pub(crate) fn read_bcf(path: &Path, contigs: Vec<String>) -> Result<Self> {
        let bad = |message: String| Error::new(path, Position::File, ErrorKind::Index(message));
        let index: Box<dyn BinningIndex + Send + Sync> = Box::new(
            noodles::csi::fs::read(path)
                .map_err(|e| bad(format!("cannot read the CSI index: {e}")))?,
        );
        Self::with_contigs(path, index, Some(contigs))
    }

    fn with_contigs(
        path: &Path,
        index: Box<dyn BinningIndex + Send + Sync>,
        contigs: Option<Vec<String>>,
    ) -> Result<Self> {
        let bad = |message: String| Error::new(path, Position::File, ErrorKind::Index(message));
        let from_index = index.header().map(|h| {
            h.reference_sequence_names()
                .iter()
                .map(|n| String::from_utf8_lossy(n.as_ref()).into_owned())
                .collect()
        });
        let contigs = contigs
            .or(from_index)
            .ok_or_else(|| bad("the index has no contig names (is it a VCF index?)".into()))?;
        let bits = index.min_shift() as u32 + 3 * index.depth() as u32;
        let max_position = if bits >= 62 {
            i64::MAX
        } else {
            (1i64 << bits) - 1
        };
        Ok(Self {
            path: path.to_path_buf(),
            index,
            contigs,
            max_position,
        })
    }

    /// Contig names in the index's order.
    pub fn contigs(&self) -> &[String] {
        &self.contigs
    }

    /// The merged chunks that may hold records overlapping any of `regions`,
    /// in file order. Regions on contigs the index does not know hold nothing.
    pub fn chunks(&self, regions: &[Region]) -> Result<Vec<(VirtualPosition, VirtualPosition)>> {
        let mut chunks = Vec::new();
        for region in regions {
            let Some(id) = self.contigs.iter().position(|c| *c == region.contig) else {
                continue;
            };
            let start = (region.start + 1).min(self.max_position);
            let end = region.end.min(self.max_position);
            if end < start {
                continue;
            }
            let to_position = |p: i64| {
                NoodlesPosition::try_from(p as usize).map_err(|e| {
                    Error::new(
                        &self.path,
                        Position::File,
                        ErrorKind::Index(format!("position {p}: {e}")),
                    )
                })
            };
            let interval = Interval::from(to_position(start)?..=to_position(end)?);
            let found = self.index.query(id, interval).map_err(|e| {
                Error::new(
                    &self.path,
                    Position::File,
                    ErrorKind::Index(format!("querying {region} failed: {e}")),
                )
            })?;
            chunks.extend(found.into_iter().map(|c| {
                let to_virtual = |v: noodles::bgzf::VirtualPosition| VirtualPosition {
                    block: v.compressed(),
                    within: v.uncompressed() as u32,
                };
                (to_virtual(c.start()), to_virtual(c.end()))
            }));
        }
        Ok(merge(chunks))
    }
}

/// Sorts chunks and merges the ones that overlap or touch, so no line is read twice.
fn merge(
    mut chunks: Vec<(VirtualPosition, VirtualPosition)>,
) -> Vec<(VirtualPosition, VirtualPosition)> {
    chunks.sort();
    let mut merged: Vec<(VirtualPosition, VirtualPosition)> = Vec::with_capacity(chunks.len());
    for (start, end) in chunks {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(block: u64, within: u32) -> VirtualPosition {
        VirtualPosition { block, within }
    }

    #[test]
    fn merge_joins_overlapping_and_touching_chunks() {
        let merged = merge(vec![
            (v(10, 0), v(20, 5)),
            (v(0, 0), v(5, 0)),
            (v(20, 5), v(30, 0)),
            (v(40, 0), v(50, 0)),
        ]);
        assert_eq!(
            merged,
            vec![
                (v(0, 0), v(5, 0)),
                (v(10, 0), v(30, 0)),
                (v(40, 0), v(50, 0))
            ]
        );
    }
}
