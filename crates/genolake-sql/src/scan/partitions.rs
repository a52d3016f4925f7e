//! Files cut into a scan's partitions in file order.
//!
//! A scan's partition `i` holds a stretch of its files (in the order the
//! table lists them) that ends where partition `i + 1`'s begins, so reading
//! the partitions one after another reads the files in order. That is what
//! lets a plain `SELECT` return rows in file order however many partitions
//! decode them (see [`super::order`]). DataFusion's own partitioner keeps
//! that order for byte ranges, but a scan also holds files that cannot be
//! cut (plain gzip VCF), which must stay in their place.

use datafusion::datasource::listing::{FileRange, PartitionedFile};
use datafusion::datasource::physical_plan::FileGroup;

/// Cuts `files`, in order, into at most `target` groups of about equal
/// size, each a stretch of the files following the previous group's.
/// Files for which `splittable` holds are cut into byte ranges where a
/// group ends (only when the files together reach `split_min_size` bytes);
/// the others are placed whole. Empty groups are not made.
pub(crate) fn in_order(
    files: &[PartitionedFile],
    target: usize,
    split_min_size: u64,
    splittable: impl Fn(&PartitionedFile) -> bool,
) -> Vec<FileGroup> {
    let size = |file: &PartitionedFile| file.effective_size();
    let total: u64 = files.iter().map(size).sum();
    let per_group = total.div_ceil(target.max(1) as u64).max(1);
    let split = total >= split_min_size;
    let mut groups = Vec::new();
    let mut group: Vec<PartitionedFile> = Vec::new();
    let mut filled = 0;
    for file in files {
        if split && splittable(file) {
            let (mut start, end) = file.range();
            while start < end {
                let take = (per_group - filled).min(end - start);
                let mut piece = file.clone();
                piece.range = Some(FileRange {
                    start: start as i64,
                    end: (start + take) as i64,
                });
                group.push(piece);
                filled += take;
                start += take;
                if filled >= per_group {
                    groups.push(FileGroup::new(std::mem::take(&mut group)));
                    filled = 0;
                }
            }
        } else {
            group.push(file.clone());
            filled += size(file);
            if filled >= per_group {
                groups.push(FileGroup::new(std::mem::take(&mut group)));
                filled = 0;
            }
        }
    }
    if !group.is_empty() {
        groups.push(FileGroup::new(group));
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64) -> PartitionedFile {
        PartitionedFile::new(name, size)
    }

    /// Each group as `name[start..end]` pieces.
    fn describe(groups: &[FileGroup]) -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|f| match &f.range {
                        Some(r) => format!("{}[{}..{}]", f.object_meta.location, r.start, r.end),
                        None => f.object_meta.location.to_string(),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn groups_are_consecutive_stretches_of_the_files() {
        let files = [file("a", 100), file("gz", 50), file("b", 150)];
        let not_gz = |f: &PartitionedFile| f.object_meta.location.as_ref() != "gz";
        let cases: Vec<(usize, u64, Vec<Vec<&str>>)> = vec![
            (1, 0, vec![vec!["a[0..100]", "gz", "b[0..150]"]]),
            (
                3,
                0,
                vec![
                    vec!["a[0..100]"],
                    vec!["gz", "b[0..50]"],
                    vec!["b[50..150]"],
                ],
            ),
            (
                4,
                0,
                vec![
                    vec!["a[0..75]"],
                    vec!["a[75..100]", "gz"],
                    vec!["b[0..75]"],
                    vec!["b[75..150]"],
                ],
            ),
            // Below the minimum size for splitting, files stay whole.
            (3, 1000, vec![vec!["a"], vec!["gz", "b"]]),
        ];
        for (target, min_size, expected) in cases {
            assert_eq!(
                describe(&in_order(&files, target, min_size, not_gz)),
                expected,
                "{target} partitions, min size {min_size}"
            );
        }
    }
}
