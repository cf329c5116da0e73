//! A record of one directory walk, for focus runs to reuse instead of walking again.
//!
//! Walking a 10,000-file repository (5,000 directories, ignore rules at every level) costs a
//! pre-commit run 50 ms, more than everything else it does with the graph cache. What a walk
//! finds depends only on the directories' entries, the ignore files and the options, so the
//! record keeps the files found with the modification time of every directory entered (adding,
//! removing or renaming an entry changes it) and of every ignore file that could apply: those
//! met in the tree, those of the directories above it, `.git/info/exclude`, and git's global
//! excludes. While all of them are unchanged, the walk would find the same files.
//!
//! Each directory is stamped when the walker yields it, before its entries are read, so a
//! change made while the walk runs is seen by the next run. A walk that met an error is not
//! recorded.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Options;

/// hedge's version and the record's layout: a record of another is never trusted.
const LAYOUT: &str = concat!(env!("CARGO_PKG_VERSION"), " walk-1: sorted files");

/// Size and modification time (ns) of a path; `None` when it does not exist.
pub type Stamp = Option<(u64, i64, u32)>;

pub fn stamp(path: &Path) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    let t = m.modified().ok()?;
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some((m.len(), i64::try_from(d.as_secs()).ok()?, d.subsec_nanos()))
}

/// Whether a file name is one the walker reads ignore rules from.
pub fn is_ignore_file(name: &std::ffi::OsStr) -> bool {
    name == ".gitignore" || name == ".ignore"
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Walked {
    version: String,
    root: String,
    options: String,
    /// The files found, as the walker spelled them (classified again on reuse: the class
    /// follows from the name).
    pub(super) files: Vec<String>,
    pub(super) skipped: usize,
    stamps: Vec<(String, Stamp)>,
}

fn options_key(opts: &Options) -> String {
    format!("{}\u{0}{}", opts.no_ignore, opts.excludes.join("\u{0}"))
}

/// Ignore files outside the walked tree that the walker reads: the directories above it,
/// the repository's `.git/info/exclude`, and git's global excludes.
fn outside(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(canon) = std::fs::canonicalize(root) {
        out.push(canon.join(".git/info/exclude"));
        for dir in canon.ancestors().skip(1) {
            out.push(dir.join(".gitignore"));
            out.push(dir.join(".ignore"));
            out.push(dir.join(".git/info/exclude"));
        }
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    if let Some(h) = &home {
        out.push(h.join(".gitconfig"));
    }
    if let Some(x) = &xdg {
        out.push(x.join("git/config"));
        out.push(x.join("git/ignore"));
    }
    out
}

/// Collects a record while the walker runs.
#[derive(Default)]
pub struct Recorder {
    stamps: std::sync::Mutex<Vec<(String, Stamp)>>,
    /// Set when something cannot be recorded (a path that is not UTF-8).
    broken: std::sync::atomic::AtomicBool,
}

impl Recorder {
    /// Stamps the outside ignore files; call before walking.
    pub fn begin(root: &Path) -> Recorder {
        let r = Recorder::default();
        for p in outside(root) {
            r.note(&p);
        }
        r
    }

    /// Stamps a directory the walker yielded, or an ignore file it met.
    pub fn note(&self, path: &Path) {
        match path.to_str() {
            Some(p) => {
                let s = stamp(path);
                super::lock(&self.stamps).push((p.to_string(), s));
            }
            None => self
                .broken
                .store(true, std::sync::atomic::Ordering::Relaxed),
        }
    }

    pub fn finish(
        &self,
        root: &Path,
        opts: &Options,
        files: &[super::Candidate],
        skipped: usize,
    ) -> Option<Walked> {
        if self.broken.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        Some(Walked {
            version: LAYOUT.to_string(),
            root: root.to_str()?.to_string(),
            options: options_key(opts),
            files: files
                .iter()
                .map(|c| c.path.to_str().map(str::to_string))
                .collect::<Option<_>>()?,
            skipped,
            stamps: super::lock(&self.stamps).clone(),
        })
    }
}

impl Walked {
    /// Whether walking `root` with `opts` now would find what this record holds.
    pub fn holds(&self, root: &Path, opts: &Options) -> bool {
        self.version == LAYOUT
            && root.to_str() == Some(self.root.as_str())
            && self.options == options_key(opts)
            && self
                .stamps
                .par_iter()
                .with_min_len(64)
                .all(|(p, s)| stamp(Path::new(p)) == *s)
    }
}
