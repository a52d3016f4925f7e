//! A split: the unit of parallel work over one file.

use std::path::PathBuf;

/// A file and a byte range of it. A reader given a split yields exactly the
/// records whose first byte lies in the range (for BGZF, the records that
/// begin in a block starting inside the range), so splits that tile a file
/// yield each record once. A split is a plain value: it can be serialized and
/// sent to another thread, process or machine.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Split {
    /// The file to read.
    pub path: PathBuf,
    /// First byte of the range (inclusive).
    pub start: u64,
    /// End of the range (exclusive); `u64::MAX` reads to the end of the file.
    pub end: u64,
}

impl Split {
    /// A split covering the whole file.
    pub fn whole(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            start: 0,
            end: u64::MAX,
        }
    }

    /// Whether the split starts at the beginning of the file.
    pub fn is_first(&self) -> bool {
        self.start == 0
    }

    /// Cuts `[0, len)` into at most `parts` splits of nearly equal size.
    pub fn tile(path: impl Into<PathBuf>, len: u64, parts: usize) -> Vec<Split> {
        let path = path.into();
        let parts = (parts.max(1) as u64).min(len.max(1));
        let step = len.div_ceil(parts).max(1);
        (0..parts)
            .map(|i| Split {
                path: path.clone(),
                start: i * step,
                end: if i + 1 == parts {
                    u64::MAX
                } else {
                    (i + 1) * step
                },
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_covers_the_file_without_gaps() {
        let splits = Split::tile("x", 1000, 3);
        assert_eq!(splits.len(), 3);
        assert_eq!(splits[0].start, 0);
        assert_eq!(splits[0].end, splits[1].start);
        assert_eq!(splits[1].end, splits[2].start);
        assert_eq!(splits[2].end, u64::MAX);
    }

    #[test]
    fn tile_of_a_tiny_file_is_one_split() {
        assert_eq!(Split::tile("x", 0, 4), vec![Split::whole("x")]);
        assert_eq!(Split::tile("x", 1, 4).len(), 1);
    }
}
