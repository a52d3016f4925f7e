//! `.bgi` indexes: the SQLite files `bgenix` writes beside a `.bgen`.
//!
//! The `Variant` table lists every variant block with its chromosome,
//! position, alleles and `file_start_position`, so a reader can jump to the
//! blocks of a region, or to the first block of a byte range when a file is
//! split across cores. An index whose `Metadata` row records another file
//! size than the `.bgen` has is stale and is ignored with a warning.

use std::path::{Path, PathBuf};

use genolake_core::Region;
use rusqlite::{Connection, OpenFlags, params};

use crate::error::{Error, ErrorKind, Position, Result};
use crate::header::Header;
use crate::reader::input::{Input, Variant};

/// The index beside a `.bgen` (`<path>.bgi`), when there is one.
pub fn find_index(bgen: &Path) -> Option<PathBuf> {
    let mut name = bgen.as_os_str().to_owned();
    name.push(".bgi");
    let path = PathBuf::from(name);
    path.is_file().then_some(path)
}

/// An open `.bgi` index.
pub struct VariantIndex {
    path: PathBuf,
    connection: Connection,
}

impl VariantIndex {
    /// Opens an index read-only.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| index_error(path, format!("cannot open the index: {e}")))?;
        let index = Self {
            path: path.to_path_buf(),
            connection,
        };
        // Fail now, with a clear message, if this is not a bgenix index.
        index
            .connection
            .query_row("SELECT count(*) FROM Variant WHERE 0", [], |_| Ok(()))
            .map_err(|e| {
                index_error(
                    path,
                    format!("the file is not a BGEN index (no Variant table): {e}"),
                )
            })?;
        Ok(index)
    }

    /// The `.bgen` size the index was made for, when its `Metadata` says.
    pub fn indexed_file_size(&self) -> Option<u64> {
        self.connection
            .query_row("SELECT file_size FROM Metadata LIMIT 1", [], |row| {
                row.get::<_, i64>(0)
            })
            .ok()
            .map(|size| size as u64)
    }

    /// Number of variants indexed.
    pub fn len(&self) -> Result<u64> {
        self.scalar("SELECT count(*) FROM Variant", params![])
            .map(|n| n.unwrap_or(0) as u64)
    }

    /// Whether the index lists no variant.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    fn scalar(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Result<Option<i64>> {
        self.connection
            .query_row(sql, params, |row| row.get::<_, Option<i64>>(0))
            .map_err(|e| index_error(&self.path, format!("query failed: {e}")))
    }

    /// The offset of the first variant block starting at or after `offset`
    /// and before `end`.
    pub fn first_at_or_after(&self, offset: u64, end: u64) -> Result<Option<u64>> {
        Ok(self
            .scalar(
                "SELECT min(file_start_position) FROM Variant WHERE file_start_position >= ?1 AND file_start_position < ?2",
                params![clamp(offset), clamp(end)],
            )?
            .map(|o| o as u64))
    }

    /// Number of variant blocks starting before `offset`.
    pub fn count_before(&self, offset: u64) -> Result<u64> {
        Ok(self
            .scalar(
                "SELECT count(*) FROM Variant WHERE file_start_position < ?1",
                params![clamp(offset)],
            )?
            .unwrap_or(0) as u64)
    }

    /// Offsets (ascending, distinct) of the blocks in `[start, end)` whose
    /// variants may overlap one of `regions`. Positions come from the index,
    /// so the caller checks the overlap again on the decoded variant.
    pub fn offsets(&self, regions: &[Region], start: u64, end: u64) -> Result<Vec<u64>> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT file_start_position FROM Variant \
                 WHERE chromosome = ?1 AND position <= ?2 AND position + max(length(allele1), 1) >= ?3 \
                 AND file_start_position >= ?4 AND file_start_position < ?5",
            )
            .map_err(|e| index_error(&self.path, format!("query failed: {e}")))?;
        let mut offsets = Vec::new();
        for region in regions {
            let rows = statement
                .query_map(
                    params![
                        region.contig,
                        region.end,
                        region.start,
                        clamp(start),
                        clamp(end)
                    ],
                    |row| row.get::<_, i64>(0),
                )
                .map_err(|e| index_error(&self.path, format!("query failed: {e}")))?;
            for row in rows {
                let offset =
                    row.map_err(|e| index_error(&self.path, format!("query failed: {e}")))?;
                offsets.push(offset as u64);
            }
        }
        offsets.sort_unstable();
        offsets.dedup();
        Ok(offsets)
    }

    /// Offsets of blocks starting in `[start, end)`, ascending, at most `limit`.
    pub fn offsets_in(&self, start: u64, end: u64, limit: usize) -> Result<Vec<u64>> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT file_start_position FROM Variant WHERE file_start_position >= ?1 \
                 AND file_start_position < ?2 ORDER BY file_start_position LIMIT ?3",
            )
            .map_err(|e| index_error(&self.path, format!("query failed: {e}")))?;
        let rows = statement
            .query_map(params![clamp(start), clamp(end), limit as i64], |row| {
                row.get::<_, i64>(0)
            })
            .map_err(|e| index_error(&self.path, format!("query failed: {e}")))?;
        rows.map(|r| {
            r.map(|o| o as u64)
                .map_err(|e| index_error(&self.path, format!("query failed: {e}")))
        })
        .collect()
    }
}

fn clamp(offset: u64) -> i64 {
    offset.min(i64::MAX as u64) as i64
}

fn index_error(path: &Path, message: String) -> Error {
    Error::new(path, Position::File, ErrorKind::Index(message))
}

/// Opens the index beside `bgen` if it exists and fits the file; a stale or
/// unreadable index is reported with a warning and not used.
pub(crate) fn usable_index(bgen: &Path, file_size: u64) -> Option<VariantIndex> {
    let path = find_index(bgen)?;
    match VariantIndex::open(&path) {
        Ok(index) => match index.indexed_file_size() {
            Some(size) if size != file_size => {
                tracing::warn!(
                    "{}: made for a {size}-byte file but {} has {file_size} bytes; not using the index",
                    path.display(),
                    bgen.display()
                );
                None
            }
            _ => Some(index),
        },
        Err(e) => {
            tracing::warn!("{e}; reading without the index");
            None
        }
    }
}

/// Writes `<bgen>.bgi`, an index in the layout `bgenix` writes (tables
/// `Variant` and `Metadata`), replacing any existing one.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let bgen = dir.path().join("complex.bgen");
/// std::fs::copy("tests/data/complex.16bits.bgen", &bgen)?;
/// let index = genolake_bgen::index::build_index(&bgen)?;
/// assert_eq!(genolake_bgen::index::VariantIndex::open(index)?.len()?, 10);
/// # Ok(()) }
/// ```
pub fn build_index(bgen: impl AsRef<Path>) -> Result<PathBuf> {
    let bgen = bgen.as_ref();
    let mut name = bgen.as_os_str().to_owned();
    name.push(".bgi");
    let path = PathBuf::from(name);
    let mut input = Input::open(bgen)?;
    let header: Header = input.read_header()?;
    let mut rows = Vec::new();
    let mut variant = Variant::default();
    for _ in 0..header.variant_count {
        if input.at_end() {
            break;
        }
        let offset = input.pos();
        input.read_variant(&header, &mut variant, true)?;
        let size = input.pos() - offset;
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let allele2 = (variant.allele_count() > 1).then(|| text(variant.allele(1)));
        let allele1 = if variant.allele_count() > 0 {
            text(variant.allele(0))
        } else {
            String::new()
        };
        rows.push((
            text(&variant.chrom),
            variant.position as i64,
            text(&variant.rsid),
            variant.allele_count() as i64,
            allele1,
            allele2,
            offset as i64,
            size as i64,
        ));
    }
    let file_size = input.len();
    let mut first = vec![0u8; file_size.min(1000) as usize];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(bgen).map_err(|e| Error::io(bgen, e))?;
        f.read_exact(&mut first).map_err(|e| Error::io(bgen, e))?;
    }
    let modified = std::fs::metadata(bgen)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64);
    let tmp = path.with_extension("bgi.tmp");
    let _ = std::fs::remove_file(&tmp);
    let sql_error = |e: rusqlite::Error| index_error(&path, format!("cannot write the index: {e}"));
    {
        let mut connection = Connection::open(&tmp).map_err(sql_error)?;
        connection
            .execute_batch(
                "CREATE TABLE Metadata ( filename TEXT NOT NULL, file_size INT NOT NULL, \
                 last_write_time INT NOT NULL, first_1000_bytes BLOB NOT NULL, index_creation_time INT NOT NULL);\n\
                 CREATE TABLE Variant (  chromosome TEXT NOT NULL,  position INT NOT NULL,  rsid TEXT NOT NULL,  \
                 number_of_alleles INT NOT NULL,  allele1 TEXT NOT NULL,  allele2 TEXT NULL,  \
                 file_start_position INT NOT NULL,  size_in_bytes INT NOT NULL,  \
                 PRIMARY KEY (chromosome, position, rsid, allele1, allele2, file_start_position )) WITHOUT ROWID;",
            )
            .map_err(sql_error)?;
        let tx = connection.transaction().map_err(sql_error)?;
        {
            let mut insert = tx
                .prepare("INSERT INTO Variant VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                .map_err(sql_error)?;
            for r in &rows {
                insert
                    .execute(params![r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7])
                    .map_err(sql_error)?;
            }
            let filename = bgen
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            tx.execute(
                "INSERT INTO Metadata VALUES (?1, ?2, ?3, ?4, ?5)",
                params![filename, file_size as i64, modified, first, now],
            )
            .map_err(sql_error)?;
        }
        tx.commit().map_err(sql_error)?;
    }
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}
