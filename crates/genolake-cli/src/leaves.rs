//! A local Delta table's Parquet files read by leaf, side by side.
//!
//! `read_delta` (DataFusion's Parquet scan) reads a struct column whole:
//! asked for a Glow table's `genotypes`, it decodes every genotype's
//! `sampleId` string along with its calls, most of the table's decoded
//! bytes. A command that needs some nested leaves only (`genotypes.calls`
//! for QC) opens the files here with a leaf projection instead, when a
//! table's files alone hold its rows: local, unpartitioned, no deletion
//! vectors. Row groups are cut into row ranges so that every thread has
//! work even when the table is one file.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::datatypes::{Field, FieldRef, Schema};
use arrow::record_batch::RecordBatch;
use genolake_core::Progress;
use genolake_core::schema::{CALLS, GENOTYPES};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::arrow::parquet_to_arrow_schema_by_columns;
use parquet::file::metadata::PageIndexPolicy;

use crate::calls_leaf::CallsLeaf;
use crate::progress::Bar;
use crate::workers;

/// One data file with its footer.
struct Opened {
    path: PathBuf,
    size: u64,
    metadata: ArrowReaderMetadata,
}

/// Rows `skip..skip + take` of one row group: what one thread reads at a
/// time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    file: usize,
    row_group: usize,
    skip: usize,
    take: usize,
}

/// A table's data files, opened for reading by leaf.
pub struct LeafScan {
    files: Vec<Opened>,
}

impl LeafScan {
    /// Opens the table at `location` if its files can be read directly;
    /// `None` if it must go through `read_delta` (a remote table, partition
    /// columns, deletion vectors).
    pub fn open(location: &str) -> Result<Option<Self>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let Some(listed) = runtime.block_on(genolake_lake::local_files(location))? else {
            return Ok(None);
        };
        if !listed.self_contained() {
            return Ok(None);
        }
        let mut files = Vec::with_capacity(listed.files.len());
        for file in listed.files {
            let handle = File::open(&file.path)
                .with_context(|| format!("{}: cannot open", file.path.display()))?;
            // The page index lets a piece that starts mid row group skip the
            // pages before it instead of decompressing them.
            let options =
                ArrowReaderOptions::new().with_offset_index_policy(PageIndexPolicy::Optional);
            let metadata = ArrowReaderMetadata::load(&handle, options).with_context(|| {
                format!("{}: cannot read the Parquet footer", file.path.display())
            })?;
            files.push(Opened {
                path: file.path,
                size: file.size,
                metadata,
            });
        }
        Ok(Some(Self { files }))
    }

    /// The leaves whose path (`genotypes.list.element.calls...`, split at
    /// the dots) `keep` accepts, in one file's schema.
    fn mask(&self, file: usize, keep: &dyn Fn(&[String]) -> bool) -> ProjectionMask {
        let schema = self.files[file]
            .metadata
            .metadata()
            .file_metadata()
            .schema_descr();
        let leaves = (0..schema.num_columns()).filter(|&i| keep(schema.column(i).path().parts()));
        ProjectionMask::leaves(schema, leaves)
    }

    /// The first row of each piece [`Self::for_each_piece`] reads with
    /// `threads`, of the leaves `keep` accepts: enough to learn a Glow
    /// table's sample ids without decoding them all.
    pub fn first_rows(
        &self,
        threads: usize,
        keep: &dyn Fn(&[String]) -> bool,
    ) -> Result<Vec<RecordBatch>> {
        let masks: Vec<ProjectionMask> =
            (0..self.files.len()).map(|f| self.mask(f, keep)).collect();
        let mut rows = Vec::new();
        for piece in self.pieces(threads) {
            let first = Piece { take: 1, ..piece };
            self.read_piece(first, &masks[piece.file], None, None, |batch| {
                rows.push(batch.clone());
                Ok(())
            })?;
        }
        Ok(rows)
    }

    /// Reads the leaves `keep` accepts, in pieces of at most a row group,
    /// on `threads` threads; with `calls`, a Glow table's `genotypes.calls`
    /// too, as a `genotypes` column whose structs hold `calls` alone
    /// (rebuilt from its levels where [`CallsLeaf`] knows the file's
    /// shape). Each piece's batches go, in order, to `each` with the state
    /// `make` gave that piece; the states come back in the table's row
    /// order.
    pub fn for_each_piece<S: Send>(
        &self,
        threads: usize,
        keep: &(dyn Fn(&[String]) -> bool + Sync),
        calls: bool,
        verb: &'static str,
        make: impl Fn(usize) -> S + Sync,
        each: impl Fn(&mut S, &RecordBatch) -> Result<()> + Sync,
    ) -> Result<Vec<S>> {
        let pieces = self.pieces(threads);
        let mut masks = Vec::with_capacity(self.files.len());
        let mut leaves = Vec::with_capacity(self.files.len());
        for f in 0..self.files.len() {
            let leaf = if calls { self.calls_leaf(f)? } else { None };
            let keep_calls = calls && leaf.is_none();
            masks.push(self.mask(f, &|parts: &[String]| {
                keep(parts) || (keep_calls && is_calls_leaf(parts))
            }));
            leaves.push(leaf);
        }
        let progress = Arc::new(Progress::default());
        let total: u64 = self.files.iter().map(|f| f.size).sum();
        let bar = Bar::start(progress.clone(), total, verb);
        let done = workers::in_order(threads, pieces, "reading", |index, piece| {
            let mut state = make(index);
            let (mask, leaf) = (&masks[piece.file], leaves[piece.file].as_ref());
            self.read_piece(piece, mask, leaf, Some(&progress), |batch| {
                each(&mut state, batch)
            })?;
            Ok(state)
        });
        drop(bar);
        done
    }

    fn read_piece(
        &self,
        piece: Piece,
        mask: &ProjectionMask,
        calls: Option<&CallsLeaf>,
        progress: Option<&Progress>,
        mut each: impl FnMut(&RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let opened = &self.files[piece.file];
        let context = || {
            format!(
                "{}: row group {}, rows {}..{}",
                opened.path.display(),
                piece.row_group,
                piece.skip,
                piece.skip + piece.take
            )
        };
        let handle = File::open(&opened.path).with_context(context)?;
        let mut selection = Vec::with_capacity(2);
        if piece.skip > 0 {
            selection.push(RowSelector::skip(piece.skip));
        }
        selection.push(RowSelector::select(piece.take));
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(handle, opened.metadata.clone())
                .with_projection(mask.clone())
                .with_row_groups(vec![piece.row_group])
                .with_row_selection(RowSelection::from(selection))
                .build()
                .with_context(context)?;
        let mut calls = match calls {
            Some(leaf) => {
                let handle = File::open(&opened.path).with_context(context)?;
                let reader = leaf
                    .open(
                        handle,
                        opened.metadata.metadata(),
                        piece.row_group,
                        piece.skip,
                    )
                    .with_context(context)?;
                Some(reader)
            }
            None => None,
        };
        let rows = opened.metadata.metadata().file_metadata().num_rows().max(1) as u64;
        for batch in reader {
            let mut batch = batch.with_context(context)?;
            if let Some(calls) = &mut calls {
                let genotypes = calls.read(batch.num_rows()).with_context(context)?;
                let mut fields: Vec<FieldRef> = batch.schema().fields().iter().cloned().collect();
                fields.push(Arc::new(Field::new(
                    GENOTYPES,
                    genotypes.data_type().clone(),
                    true,
                )));
                let mut columns = batch.columns().to_vec();
                columns.push(genotypes);
                batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
                    .with_context(context)?;
            }
            each(&batch)?;
            if let Some(progress) = progress {
                progress.add_bytes(opened.size * batch.num_rows() as u64 / rows);
                progress.add_records(batch.num_rows() as u64);
            }
        }
        Ok(())
    }

    /// File `file`'s `genotypes.calls` leaf, when its levels can be walked.
    fn calls_leaf(&self, file: usize) -> Result<Option<CallsLeaf>> {
        let metadata = self.files[file].metadata.metadata();
        let schema = metadata.file_metadata().schema_descr();
        let mask = ProjectionMask::leaves(
            schema,
            (0..schema.num_columns()).filter(|&i| is_calls_leaf(schema.column(i).path().parts())),
        );
        let arrow = parquet_to_arrow_schema_by_columns(
            schema,
            mask,
            metadata.file_metadata().key_value_metadata(),
        )
        .with_context(|| {
            format!(
                "{}: cannot read the schema",
                self.files[file].path.display()
            )
        })?;
        Ok(arrow
            .field_with_name(GENOTYPES)
            .ok()
            .and_then(|field| CallsLeaf::of(schema, field.data_type())))
    }

    /// Cuts the row groups into pieces of about `1 / threads` of the rows,
    /// never across a row group, so that each thread has work.
    fn pieces(&self, threads: usize) -> Vec<Piece> {
        let groups: Vec<(usize, usize, usize)> = self
            .files
            .iter()
            .enumerate()
            .flat_map(|(file, opened)| {
                opened
                    .metadata
                    .metadata()
                    .row_groups()
                    .iter()
                    .enumerate()
                    .map(move |(row_group, rg)| (file, row_group, rg.num_rows().max(0) as usize))
            })
            .collect();
        cut(&groups, threads)
    }
}

/// Whether a leaf's path is `genotypes.<list>.<element>.calls...`.
pub fn is_calls_leaf(parts: &[String]) -> bool {
    parts.first().is_some_and(|p| p == GENOTYPES) && parts.get(3).is_some_and(|p| p == CALLS)
}

/// Pieces of the row groups `(file, row group, rows)`: each cut into
/// pieces of at most `total / threads` rows (rounded up).
fn cut(groups: &[(usize, usize, usize)], threads: usize) -> Vec<Piece> {
    let total: usize = groups.iter().map(|g| g.2).sum();
    let most = total.div_ceil(threads.max(1)).max(1);
    let mut pieces = Vec::new();
    for &(file, row_group, rows) in groups {
        let count = rows.div_ceil(most).max(1);
        let size = rows.div_ceil(count);
        let mut skip = 0;
        while skip < rows {
            let take = size.min(rows - skip);
            pieces.push(Piece {
                file,
                row_group,
                skip,
                take,
            });
            skip += take;
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(pieces: &[Piece]) -> Vec<(usize, usize, usize, usize)> {
        pieces
            .iter()
            .map(|p| (p.file, p.row_group, p.skip, p.take))
            .collect()
    }

    #[test]
    fn one_row_group_is_cut_for_every_thread() {
        assert_eq!(
            ranges(&cut(&[(0, 0, 10)], 3)),
            [(0, 0, 0, 4), (0, 0, 4, 4), (0, 0, 8, 2)]
        );
    }

    #[test]
    fn many_row_groups_stay_whole() {
        let groups = [(0, 0, 5), (0, 1, 5), (1, 0, 5), (1, 1, 5)];
        assert_eq!(
            ranges(&cut(&groups, 2)),
            [(0, 0, 0, 5), (0, 1, 0, 5), (1, 0, 0, 5), (1, 1, 0, 5)]
        );
    }

    #[test]
    fn empty_row_groups_give_no_piece() {
        assert!(cut(&[(0, 0, 0)], 2).is_empty());
        assert_eq!(
            ranges(&cut(&[(0, 0, 0), (0, 1, 3)], 4)),
            [(0, 1, 0, 1), (0, 1, 1, 1), (0, 1, 2, 1)]
        );
    }
}
