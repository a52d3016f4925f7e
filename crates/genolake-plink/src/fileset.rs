//! A PLINK 1 binary fileset: the three files, their samples, their variant
//! count, and how a byte-range [`Split`] of the `.bed` maps to variants.

use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use genolake_core::Split;

use crate::bed::{self, HEADER_LEN, MAGIC};
use crate::error::{Error, ErrorKind, Position, Result};
use crate::fam::{Sample, read_fam};
use crate::record::SharedCache;
use crate::text::Delimiter;

/// Splits smaller than this cost more to start than they save.
pub(crate) const MIN_SPLIT_BYTES: u64 = 8 << 20;

/// The three files of a fileset.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FilesetPaths {
    /// Genotypes.
    pub bed: PathBuf,
    /// Variants.
    pub bim: PathBuf,
    /// Samples.
    pub fam: PathBuf,
}

impl FilesetPaths {
    /// The files of the fileset named by a `.bed` path (`x.bed` gives
    /// `x.bed`, `x.bim`, `x.fam`, as Glow does), or by a prefix as plink's
    /// `--bfile` takes it (`x` gives the same three).
    ///
    /// ```
    /// use genolake_plink::FilesetPaths;
    /// let p = FilesetPaths::new("data/cohort.chr1.bed");
    /// assert_eq!(p.bim.to_str(), Some("data/cohort.chr1.bim"));
    /// assert_eq!(FilesetPaths::new("data/cohort.chr1"), p);
    /// ```
    pub fn new(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        let prefix = match path.to_str() {
            Some(s) if s.ends_with(".bed") => PathBuf::from(&s[..s.len() - 4]),
            _ if path.extension().is_some_and(|e| e == "bed") => path.with_extension(""),
            _ => path.to_path_buf(),
        };
        let with = |ext: &str| {
            let mut s = prefix.clone().into_os_string();
            s.push(ext);
            PathBuf::from(s)
        };
        Self {
            bed: with(".bed"),
            bim: with(".bim"),
            fam: with(".fam"),
        }
    }
}

/// What a reader needs to know about a fileset before it reads a variant:
/// its files, its samples and how many variants it holds. Opening one checks
/// that the three files exist, that the `.bed` is SNP-major and that its size
/// is exactly what the `.bim` and `.fam` call for.
///
/// Share one `Arc<Fileset>` between the readers of the splits of a fileset
/// ([`ReaderBuilder::fileset`](crate::ReaderBuilder::fileset)) so the `.fam`
/// and `.bim` are scanned once.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use genolake_plink::Fileset;
/// let fileset = Fileset::open(
///     "tests/data/five-samples-five-variants/bed-bim-fam/test.bed",
///     Default::default(),
/// )?;
/// assert_eq!((fileset.variant_count(), fileset.samples().len()), (5, 5));
/// assert_eq!(fileset.variant_offset(1), 5); // 3 magic bytes + 2 bytes a variant
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fileset {
    paths: FilesetPaths,
    samples: Vec<Sample>,
    variants: u64,
    cache: SharedCache,
}

fn missing_bed(path: &Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::new(
            path,
            Position::File,
            ErrorKind::Missing(
                "the .bed file is missing; give the path of the .bed of a PLINK 1 fileset, or its \
                 prefix"
                    .into(),
            ),
        )
    } else {
        Error::io(path, e)
    }
}

/// Opens a `.bed` and checks its magic bytes; returns it with its length.
pub(crate) fn open_bed(path: &Path) -> Result<(File, u64)> {
    let mut file = File::open(path).map_err(|e| missing_bed(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut head = [0u8; 3];
    let mut n = 0;
    while n < 3 {
        match file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    let bad = |message: String| Error::new(path, Position::Offset(0), ErrorKind::Bed(message));
    if n < 3 {
        return Err(bad(format!(
            "the file is {} long, shorter than the 3 magic bytes (6c 1b 01) every PLINK 1 \
             .bed starts with",
            bytes(n as u64)
        )));
    }
    if head == [0x6c, 0x1b, 0x00] {
        return Err(bad(
            "the .bed is sample-major (its third byte is 00); genolake reads variant-major .bed \
             files only: rewrite it with `plink --bfile <prefix> --make-bed --out <new prefix>`"
                .into(),
        ));
    }
    if head != MAGIC {
        return Err(bad(format!(
            "the file starts with {:02x} {:02x} {:02x}, not the magic bytes 6c 1b 01 of a \
             variant-major PLINK 1 .bed",
            head[0], head[1], head[2]
        )));
    }
    Ok((file, len))
}

fn bytes(n: u64) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

impl Fileset {
    /// Opens the fileset named by a `.bed` path or prefix, reading the
    /// `.fam` with `fam_delimiter` and counting the `.bim`'s variants.
    pub fn open(path: impl AsRef<Path>, fam_delimiter: Delimiter) -> Result<Self> {
        let paths = FilesetPaths::new(path);
        let (_, bed_len) = open_bed(&paths.bed)?;
        let samples = read_fam(&paths.fam, fam_delimiter)?;
        let variants = crate::bim::count_variants(&paths.bim)?;
        let fileset = Self {
            paths,
            samples,
            variants,
            cache: SharedCache::default(),
        };
        fileset.check_bed_len(bed_len)?;
        Ok(fileset)
    }

    fn check_bed_len(&self, bed_len: u64) -> Result<()> {
        let n = self.samples.len() as u64;
        let width = bed::bytes_per_variant(n);
        let needed = self
            .variants
            .saturating_mul(width)
            .saturating_add(HEADER_LEN);
        if needed == bed_len {
            return Ok(());
        }
        let name = |p: &Path| {
            p.file_name().map_or_else(
                || p.display().to_string(),
                |f| f.to_string_lossy().into_owned(),
            )
        };
        let (bim, fam) = (name(&self.paths.bim), name(&self.paths.fam));
        let sizes = format!(
            "{bim} lists {} variants and {fam} {n} samples, which take 3 + {} × {width} = {needed} \
             bytes, but the .bed is {bed_len} bytes",
            self.variants, self.variants
        );
        let (position, message) = if bed_len < needed {
            let variant = (bed_len - HEADER_LEN) / width.max(1) + 1;
            (
                Position::Offset(bed_len),
                format!(
                    "the file ends inside the record of variant {variant} of {bim}: {sizes}; \
                     the .bed is truncated, or the .bim or .fam belong to another fileset"
                ),
            )
        } else {
            (
                Position::Offset(needed),
                format!(
                    "the file goes on {} past the record of the last variant: {sizes}; the .bim \
                     or .fam belong to another fileset",
                    bytes(bed_len - needed)
                ),
            )
        };
        Err(Error::new(
            &self.paths.bed,
            position,
            ErrorKind::Bed(message),
        ))
    }

    /// The genotype offsets and sample IDs its readers share.
    pub(crate) fn cache(&self) -> SharedCache {
        self.cache.clone()
    }

    /// The fileset's files.
    pub fn paths(&self) -> &FilesetPaths {
        &self.paths
    }

    /// The samples of the `.fam`, in file order.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// The `sampleId` of every sample (see [`Sample::id`]).
    pub fn sample_ids(&self, merge_fid_iid: bool) -> Vec<String> {
        self.samples.iter().map(|s| s.id(merge_fid_iid)).collect()
    }

    /// Variants in the fileset.
    pub fn variant_count(&self) -> u64 {
        self.variants
    }

    /// Bytes one variant takes in the `.bed`.
    pub fn bytes_per_variant(&self) -> u64 {
        bed::bytes_per_variant(self.samples.len() as u64)
    }

    /// The byte of the `.bed` at which variant `index` (0-based) starts.
    pub fn variant_offset(&self, index: u64) -> u64 {
        HEADER_LEN + index * self.bytes_per_variant()
    }

    /// The variants a split owns: those whose `.bed` record starts at a byte
    /// in `[split.start, split.end)`. Splits that tile the `.bed` therefore
    /// read each variant once, and a split that falls inside one record
    /// reads nothing. With no samples every record is empty, and the split
    /// that starts the file owns every variant.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use genolake_core::Split;
    /// use genolake_plink::Fileset;
    /// let path = "tests/data/five-samples-five-variants/bed-bim-fam/test.bed";
    /// let fileset = Fileset::open(path, Default::default())?;
    /// // Records start at bytes 3, 5, 7, 9 and 11.
    /// let split = Split { path: path.into(), start: 4, end: 9 };
    /// assert_eq!(fileset.variants_of(&split), 1..3);
    /// # Ok(()) }
    /// ```
    pub fn variants_of(&self, split: &Split) -> Range<u64> {
        let width = self.bytes_per_variant();
        if width == 0 {
            return if split.start == 0 && split.end > 0 {
                0..self.variants
            } else {
                0..0
            };
        }
        // The first variant whose record starts at or after `offset`.
        let first_at = |offset: u64| {
            offset
                .saturating_sub(HEADER_LEN)
                .div_ceil(width)
                .min(self.variants)
        };
        let start = first_at(split.start);
        let end = if split.end == u64::MAX {
            self.variants
        } else {
            first_at(split.end)
        };
        start..end.max(start)
    }

    /// Cuts the `.bed` into at most `target` splits on variant boundaries,
    /// none smaller than 8 MiB (a split costs a `.bim` scan to its start).
    pub fn plan_splits(&self, target: usize) -> Vec<Split> {
        plan(
            &self.paths.bed,
            self.variants,
            self.bytes_per_variant(),
            target,
        )
    }
}

/// Splits of a `.bed` of `variants` records of `width` bytes each.
pub(crate) fn plan(bed: &Path, variants: u64, width: u64, target: usize) -> Vec<Split> {
    let bed_len = HEADER_LEN.saturating_add(variants.saturating_mul(width));
    let parts = (bed_len / MIN_SPLIT_BYTES + 1)
        .min(target.max(1) as u64)
        .min(variants.max(1));
    if width == 0 || parts <= 1 {
        return vec![Split::whole(bed)];
    }
    let offset = |index: u64| HEADER_LEN + index * width;
    let per_part = variants.div_ceil(parts);
    let mut splits = Vec::new();
    let mut first = 0;
    while first < variants {
        let next = (first + per_part).min(variants);
        splits.push(Split {
            path: bed.to_path_buf(),
            start: if first == 0 { 0 } else { offset(first) },
            end: if next == variants {
                u64::MAX
            } else {
                offset(next)
            },
        });
        first = next;
    }
    splits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fileset(samples: usize, variants: u64) -> Fileset {
        Fileset {
            paths: FilesetPaths::new("x.bed"),
            samples: (0..samples)
                .map(|i| Sample::new("0", format!("S{i}")))
                .collect(),
            variants,
            cache: SharedCache::default(),
        }
    }

    #[test]
    fn splits_own_the_variants_whose_records_start_in_them() {
        let f = fileset(5, 5); // records at 3, 5, 7, 9, 11; the file is 13 bytes
        let split = |start, end| {
            f.variants_of(&Split {
                path: "x.bed".into(),
                start,
                end,
            })
        };
        assert_eq!(split(0, u64::MAX), 0..5);
        assert_eq!(split(0, 3), 0..0);
        assert_eq!(split(0, 4), 0..1);
        assert_eq!(split(3, 5), 0..1);
        assert_eq!(split(4, 5), 1..1);
        assert_eq!(split(4, 6), 1..2);
        assert_eq!(split(12, u64::MAX), 5..5);
        assert_eq!(split(100, 200), 5..5);
        assert_eq!(split(8, 4), 3..3);
    }

    #[test]
    fn planned_splits_tile_the_variants() {
        for (samples, variants, target) in [(5, 5, 3), (1000, 100_000, 7), (3, 0, 4), (0, 10, 4)] {
            let f = fileset(samples, variants);
            let splits = f.plan_splits(target);
            assert!(splits.len() <= target.max(1));
            let mut next = 0;
            for s in &splits {
                let r = f.variants_of(s);
                assert_eq!(r.start, next, "{samples}×{variants}: {splits:?}");
                next = r.end;
            }
            assert_eq!(next, variants);
        }
        assert_eq!(
            fileset(1000, 100_000).plan_splits(7).len(),
            3,
            "8 MiB minimum"
        );
    }
}
