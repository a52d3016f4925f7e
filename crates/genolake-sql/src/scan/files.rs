//! Which files a table reads, and how their paths travel through a plan.
//!
//! DataFusion names files by object-store paths (`work/data/x.vcf.gz`, no
//! leading slash, percent-encoded); the format readers open local paths.
//! Plans carry the object-store form, so they stay plain serializable
//! values, and the opener turns it back into a local path.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use datafusion::error::{DataFusionError, Result as DfResult};

use super::FormatReader;
use crate::error::{Error, Result};

/// One input file of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InputFile {
    /// Absolute, canonical path.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
}

impl InputFile {
    /// The object-store location DataFusion plans name the file by.
    pub fn location(&self) -> String {
        object_location(&self.path)
    }
}

/// The object-store location of an absolute local path.
pub(crate) fn object_location(path: &Path) -> String {
    path.to_string_lossy().trim_start_matches('/').to_string()
}

/// The local path of an object-store location of the local file system:
/// each part percent-decoded, the inverse of how `object_store` encodes a
/// file name into a location.
pub(crate) fn local_path(location: &datafusion::object_store::path::Path) -> DfResult<PathBuf> {
    let mut path = PathBuf::from("/");
    for part in location.parts() {
        let bytes = percent_decode(part.as_ref()).ok_or_else(|| {
            DataFusionError::Execution(format!("'{location}' is not a valid local file location"))
        })?;
        path.push(os_string(bytes));
    }
    Ok(path)
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(unix)]
fn os_string(bytes: Vec<u8>) -> std::ffi::OsString {
    std::os::unix::ffi::OsStringExt::from_vec(bytes)
}

#[cfg(not(unix))]
fn os_string(bytes: Vec<u8>) -> std::ffi::OsString {
    String::from_utf8_lossy(&bytes).into_owned().into()
}

/// File name extensions of the files that sit beside data files: indexes
/// (tabix, CSI, BGEN's `.bgi`), BGEN's Oxford `.sample`, a PLINK fileset's
/// `.bim` and `.fam` and the `.log` and `.nosex` plink writes beside them.
const COMPANION_EXTENSIONS: &[&str] =
    &["tbi", "csi", "bgi", "sample", "bim", "fam", "log", "nosex"];

/// Whether a file sits beside the data rather than holding it. A
/// `CREATE EXTERNAL TABLE` over a directory lists every file in it; these
/// are passed over.
pub(crate) fn is_companion_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        COMPANION_EXTENSIONS
            .iter()
            .any(|c| e.eq_ignore_ascii_case(c))
    })
}

/// Expands the paths a user gave into the files to read: a file as is (a
/// PLINK prefix as its `.bed`), a directory as the files of the format
/// directly inside it (by name: `.vcf`, `.vcf.gz`, `.vcf.bgz`; `.bgen`;
/// `.bed`), and a last path component with `*` or `?` as the files of its
/// directory matching it. A `file://` URL is taken as its path.
pub(crate) fn expand_paths(paths: &[PathBuf], reader: &dyn FormatReader) -> Result<Vec<InputFile>> {
    let format = reader.format();
    let mut files = Vec::new();
    for path in paths {
        let path = match path.to_str().and_then(|s| s.strip_prefix("file://")) {
            Some(stripped) => PathBuf::from(stripped),
            None => path.clone(),
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let mut found: Vec<PathBuf> = if name.contains(['*', '?']) {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            list_dir(dir)?
                .into_iter()
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| wildcard_match(name, n))
                })
                .collect()
        } else if path.is_dir() {
            list_dir(&path)?
                .into_iter()
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| format.is_data_file_name(n))
                })
                .collect()
        } else {
            vec![reader.resolve(&path)]
        };
        if found.is_empty() {
            return Err(Error::input(
                &path,
                format!("no {} file matches this path", format.display_name()),
            ));
        }
        found.sort();
        for file in found {
            let canonical = std::fs::canonicalize(&file)
                .map_err(|e| Error::input(&file, format!("cannot be opened: {e}")))?;
            let meta = std::fs::metadata(&canonical)
                .map_err(|e| Error::input(&file, format!("cannot be opened: {e}")))?;
            if !meta.is_file() {
                return Err(Error::input(&file, "is not a file"));
            }
            files.push(InputFile {
                path: canonical,
                size: meta.len(),
            });
        }
    }
    Ok(files)
}

fn list_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::input(dir, format!("cannot be listed: {e}")))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::input(dir, format!("cannot be listed: {e}")))?;
        let path = entry.path();
        if path.is_file() {
            paths.push(path);
        }
    }
    Ok(paths)
}

/// Shell-style matching of `*` (any run) and `?` (one character).
fn wildcard_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            backtrack = Some((pi, ni));
            pi += 1;
        } else if let Some((star, matched)) = backtrack {
            pi = star + 1;
            ni = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Per-file state (a parsed header, an opened fileset) shared by every
/// split of a scan, so it is read once per file rather than once per split.
pub(crate) struct PathCache<T>(Arc<Mutex<HashMap<PathBuf, Arc<T>>>>);

impl<T> PathCache<T> {
    /// The value for `path`, made by `load` on first use. Two threads may
    /// both load it; the first to finish is kept.
    pub fn get<E>(
        &self,
        path: &Path,
        load: impl FnOnce(&Path) -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        if let Some(value) = self.lock().get(path) {
            return Ok(Arc::clone(value));
        }
        let value = Arc::new(load(path)?);
        Ok(Arc::clone(
            self.lock().entry(path.to_path_buf()).or_insert(value),
        ))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<T>>> {
        // A panic while holding the lock leaves a map that is still valid.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<T> Clone for PathCache<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Default for PathCache<T> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

impl<T> fmt::Debug for PathCache<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PathCache({} files)", self.lock().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_a_shell() {
        let cases = [
            ("*.vcf.gz", "a.vcf.gz", true),
            ("*.vcf.gz", "a.vcf.gz.tbi", false),
            ("chr?.vcf", "chr1.vcf", true),
            ("chr?.vcf", "chr10.vcf", false),
            ("*", "anything", true),
            ("a*b*c", "aXXbYc", true),
            ("a*b*c", "aXXbY", false),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(
                wildcard_match(pattern, name),
                expected,
                "{pattern} vs {name}"
            );
        }
    }

    #[test]
    fn locations_round_trip_through_the_object_store_form() {
        for path in [
            "/data/x.vcf.gz",
            "/data/1kg sample with spaces.vcf",
            "/data/odd%name#.vcf",
        ] {
            let location =
                datafusion::object_store::path::Path::from(object_location(Path::new(path)));
            assert_eq!(local_path(&location).unwrap(), PathBuf::from(path));
        }
    }
}
