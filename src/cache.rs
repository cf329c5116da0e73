//! The caches of focus runs (`hedge check --cache FILE...`, as the pre-commit hook runs it).
//!
//! A focus run reports on the named files but needs the whole project for the graph and
//! contract rules. Three files in `<project>/.hedge-cache/` keep it from redoing that work:
//!
//! - `facts-<version>.bin`: each file's facts (routes, deployments, env, infrastructure,
//!   contracts) with the size and modification time it had. Read only when facts are needed:
//!   by a full build, and for the few files a graph-cache run re-resolves.
//! - `graph-<version>.bin` ([`graph`]): each file's resolved share of the provider graph and
//!   the names it looked up, so a run re-resolves only what its changes reach.
//! - `walk-<version>.bin` (`discover::walked`): the files the last walk found, reused while no
//!   directory or ignore file it depended on changed.
//!
//! The named files are always read and checked in full. Trust is narrow on purpose: the
//! directory carries a `.gitignore` and deleting it is always safe; the files are keyed on
//! hedge's version, their layout and a hash of every rule pack (and, for the graph, the
//! registry); anything unexpected (another version or key, a truncated, damaged or foreign
//! file) means no cache, never an error. Each is written whole, through a temporary file and a
//! rename: the facts and the graph together by a run that built the graph in full, the walk
//! record by a run that walked.

use std::collections::HashSet;

use foldhash::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub mod graph;

use crate::discover::Candidate;
use crate::graph::facts::FileFacts;
use crate::parse::Format;
use crate::pipeline::{FileReport, Settings};

/// The directory, under the project root.
pub const DIR: &str = ".hedge-cache";
/// A cache bigger than this is not read (and then rewritten): a bound on what a corrupt or
/// hostile file in the project can cost.
const MAX_BYTES: u64 = 1 << 30;

/// What identifies a file's content without reading it: size and modification time (ns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    len: u64,
    secs: i64,
    nanos: u32,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    let t = m.modified().ok()?;
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(Stamp {
        len: m.len(),
        secs: i64::try_from(d.as_secs()).ok()?,
        nanos: d.subsec_nanos(),
    })
}

/// One file's cached facts, encoded on its own so that a run decodes only the entries it uses,
/// in the worker that needs them.
#[derive(Deserialize)]
struct Body {
    format: String,
    documents: usize,
    facts: FileFacts,
}

#[derive(Serialize)]
struct BodyRef<'a> {
    format: &'a str,
    documents: usize,
    facts: &'a FileFacts,
}

#[derive(Deserialize)]
struct CacheFile<'a> {
    version: &'a str,
    key: u64,
    #[serde(borrow)]
    entries: Vec<(&'a str, Stamp, &'a [u8])>,
}

#[derive(Serialize)]
struct CacheFileRef<'a> {
    version: &'a str,
    key: u64,
    entries: Vec<(&'a str, Stamp, Vec<u8>)>,
}

/// The cache of one run: what the last run left, and the stamps this run saw.
#[derive(Debug)]
pub struct FactsCache {
    file: PathBuf,
    key: u64,
    /// The cache file as read, and each entry's stamp and byte range in it.
    /// Read when first needed: a focus run served by the graph cache needs no facts but those
    /// of the files it re-resolves, and reading and indexing 20 MB of them cost it 20 ms.
    loaded: std::sync::OnceLock<Loaded>,
    stamps: Mutex<HashMap<Arc<str>, Stamp>>,
    focus: Arc<HashSet<Arc<str>>>,
    dirty: AtomicBool,
    /// The graph of the last full build (see [`graph`]), when it was made with these rules
    /// and this registry.
    snapshot: Option<graph::Snapshot>,
    snapshot_file: PathBuf,
    /// Context files that were read afresh (their stamp moved since the snapshot).
    restamped: std::sync::atomic::AtomicUsize,
    /// The record of the last walk of the project (see `discover::walked`).
    walked: Option<crate::discover::walked::Walked>,
    walk_file: PathBuf,
}

/// The shape of the cached facts. postcard is not self-describing, so an entry written with
/// another shape could decode into wrong facts rather than fail; bump this with every change to
/// the types under `FileFacts` (development builds keep the same package version).
const LAYOUT: &str = "facts-3: Val::of";

/// The key of a rule set's facts: hedge's version, the cache layout, and every pack's name and
/// text.
pub fn key(settings: &Settings) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes.iter().chain(&[0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(env!("CARGO_PKG_VERSION").as_bytes());
    eat(LAYOUT.as_bytes());
    for (name, text) in &settings.rules.sources {
        eat(name.as_bytes());
        eat(text.as_bytes());
    }
    h
}

impl FactsCache {
    /// Opens the cache of the project at `root`; `focus` are the display paths of the files
    /// checked in full.
    pub fn open(
        root: &Path,
        key: u64,
        focus: Arc<HashSet<Arc<str>>>,
        reg: &crate::graph::registry::Registry,
    ) -> FactsCache {
        let file = root
            .join(DIR)
            .join(format!("facts-{}.bin", env!("CARGO_PKG_VERSION")));
        // the two files are written together; without good facts the graph cache is not used
        // (a full build then rewrites both)
        let snapshot_file = graph::file(root);
        let walk_file = root
            .join(DIR)
            .join(format!("walk-{}.bin", env!("CARGO_PKG_VERSION")));
        let snapshot = header_ok(&file, key)
            .then(|| graph::Snapshot::read(&snapshot_file, key, reg))
            .flatten();
        crate::timings::mark("cache: graph cache read");
        FactsCache {
            file,
            key,
            loaded: std::sync::OnceLock::new(),
            stamps: Mutex::new(HashMap::default()),
            focus,
            dirty: AtomicBool::new(false),
            snapshot,
            snapshot_file,
            restamped: Default::default(),
            walked: read_small(&walk_file),
            walk_file,
        }
    }

    fn facts(&self) -> &Loaded {
        self.loaded.get_or_init(|| {
            let (bytes, old) = read(&self.file, self.key).unwrap_or_default();
            Loaded {
                bytes,
                old: Mutex::new(old),
            }
        })
    }

    /// The record of the last walk of the project, to reuse while it holds.
    pub fn walked(&self) -> Option<&crate::discover::walked::Walked> {
        self.walked.as_ref()
    }

    /// Keeps the record of this run's walk for the next run.
    pub fn store_walk(&self, w: &crate::discover::walked::Walked) {
        if let Ok(bytes) = postcard::to_stdvec(w) {
            let _ = write_file(&self.walk_file, &bytes);
        }
    }

    pub fn is_focus(&self, display: &str) -> bool {
        self.focus.contains(display)
    }

    /// The report of a context file: its cached facts when its stamp has not changed, else
    /// `check` (a full check) with its diagnostics dropped, since only facts are wanted.
    pub fn context_file(&self, c: &Candidate, check: impl FnOnce() -> FileReport) -> FileReport {
        let now = stamp(&c.path);
        // unchanged since the snapshot: its share of the graph is cached, its facts not needed
        let cached = self
            .snapshot
            .as_ref()
            .and_then(|s| s.entries.get(&*c.display))
            .filter(|e| Some(e.stamp) == now);
        if let Some(e) = cached {
            if let Ok(mut s) = self.stamps.lock() {
                s.insert(c.display.clone(), e.stamp);
            }
            return FileReport {
                display: c.display.clone(),
                format: Format::from_name(&e.format),
                documents: e.documents,
                kinds: Vec::new(),
                facts: FileFacts::default(),
                diagnostics: Vec::new(),
                source: None,
                suppressions: Vec::new(),
                cached: true,
                packed: None,
                packed_findings: None,
            };
        }
        if self.snapshot.is_some() {
            self.restamped.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(now) = now {
            if let Some(e) = self.take_facts(&c.display, now) {
                if let Ok(mut s) = self.stamps.lock() {
                    s.insert(c.display.clone(), now);
                }
                return FileReport {
                    display: c.display.clone(),
                    format: Format::from_name(&e.format),
                    documents: e.documents,
                    kinds: Vec::new(),
                    facts: e.facts,
                    diagnostics: Vec::new(),
                    source: None,
                    suppressions: Vec::new(),
                    cached: false,
                    packed: None,
                    packed_findings: None,
                };
            }
        }
        self.dirty.store(true, Ordering::Relaxed);
        let mut report = check();
        report.diagnostics.clear();
        report.suppressions.clear();
        report.source = None;
        if let (Some(now), Ok(mut s)) = (now, self.stamps.lock()) {
            s.insert(c.display.clone(), now);
        }
        report
    }

    /// A file's entry in the facts cache, taken out of it, when it was cached with `stamp`.
    fn take_facts(&self, display: &Arc<str>, stamp: Stamp) -> Option<Body> {
        let (old, range) = self.facts().old.lock().ok()?.remove(&**display)?;
        (old == stamp)
            .then(|| self.decode(display, range))
            .flatten()
    }

    fn decode(&self, display: &Arc<str>, range: std::ops::Range<usize>) -> Option<Body> {
        let bytes = self.facts().bytes.get(range)?;
        crate::diag::in_file::decode(display, bytes)
    }

    /// A named file: always checked in full; its stamp is recorded so the next run, in which it
    /// may be context, finds its facts.
    pub fn focus_file(&self, c: &Candidate, check: impl FnOnce() -> FileReport) -> FileReport {
        let now = stamp(&c.path);
        // the graph cache was written with the facts, and tells without reading them
        let old = match &self.snapshot {
            Some(snap) => snap.entries.get(&*c.display).map(|e| e.stamp),
            None => (self.facts().old.lock().ok())
                .and_then(|mut m| m.remove(&*c.display))
                .map(|e| e.0),
        };
        if old != now {
            self.dirty.store(true, Ordering::Relaxed);
        }
        if let (Some(now), Ok(mut s)) = (now, self.stamps.lock()) {
            s.insert(c.display.clone(), now);
        }
        check()
    }

    /// The facts of a context file whose graph share was cached: from the facts cache when it
    /// holds them for the same stamp, else read afresh.
    fn facts_for(&self, c: &Candidate, settings: &Settings) -> FileFacts {
        let stamp = self
            .stamps
            .lock()
            .ok()
            .and_then(|s| s.get(&c.display).copied());
        match stamp.and_then(|s| self.take_facts(&c.display, s)) {
            Some(body) => body.facts,
            None => {
                self.dirty.store(true, Ordering::Relaxed);
                crate::pipeline::check_file_guarded(c, settings).facts
            }
        }
    }

    /// The provider graph of a focus run: from the graph cache when it can answer, re-resolving
    /// only what this run's changes reach; else built in full, which rewrites the graph cache
    /// (and the facts cache, when facts changed). `files` and `cands` are in the same order.
    pub fn graph(
        &self,
        files: &mut [FileReport],
        cands: &[Candidate],
        settings: &Settings,
    ) -> crate::graph::Graph {
        // Context files read afresh are re-read every run until a full build records them;
        // past a few dozen that costs more than the full build.
        const RESTAMPED_LIMIT: usize = 32;
        let reg = &settings.registry;
        if let Some(snap) = &self.snapshot {
            if self.restamped.load(Ordering::Relaxed) <= RESTAMPED_LIMIT
                && files.iter().any(|f| f.cached)
            {
                let inputs: Vec<(Arc<str>, graph::Input<'_>)> = files
                    .iter()
                    .map(|f| {
                        let input = match snap.entries.get(&*f.display) {
                            Some(e) if f.cached => graph::Input::Cached(e),
                            _ => graph::Input::Fresh(&f.facts),
                        };
                        (f.display.clone(), input)
                    })
                    .collect();
                let facts_of = |pos: usize| Some(self.facts_for(&cands[pos], settings));
                if let Some(g) = graph::incremental(snap, &inputs, reg, &facts_of) {
                    crate::timings::mark("graph: from the graph cache");
                    return g;
                }
            }
        }
        // in full: the cached files' facts first
        let facts: Vec<Option<FileFacts>> = files
            .par_iter()
            .zip(cands)
            .map(|(f, c)| f.cached.then(|| self.facts_for(c, settings)))
            .collect();
        for (f, facts) in files.iter_mut().zip(facts) {
            if let Some(facts) = facts {
                f.facts = facts;
                f.cached = false;
            }
        }
        self.store(files);
        // a poisoned lock only means a worker panicked; the stamps it holds are still right
        let stamps = self.stamps.lock().unwrap_or_else(|p| p.into_inner());
        let full = files
            .iter_mut()
            .map(|f| graph::Full {
                stamp: stamps.get(&f.display).copied(),
                display: f.display.clone(),
                format: f.format.map_or("", |x| x.name()),
                documents: f.documents,
                facts: std::mem::take(&mut f.facts),
            })
            .collect();
        drop(stamps);
        graph::build_and_write(&self.snapshot_file, self.key, full, reg)
    }

    /// Writes the facts of every file that was read (`files`, before the graph consumes their
    /// facts) when something changed. Failures are ignored: the cache is an optimisation.
    pub fn store(&self, files: &[FileReport]) {
        let vanished = self
            .facts()
            .old
            .lock()
            .map(|m| !m.is_empty())
            .unwrap_or(true);
        if !self.dirty.load(Ordering::Relaxed) && !vanished {
            return;
        }
        let Ok(stamps) = self.stamps.lock() else {
            return;
        };
        let entries = files
            .par_iter()
            .filter_map(|f| {
                let stamp = *stamps.get(&f.display)?;
                let format = f.format?;
                let body = BodyRef {
                    format: format.name(),
                    documents: f.documents,
                    facts: &f.facts,
                };
                Some((&*f.display, stamp, postcard::to_stdvec(&body).ok()?))
            })
            .collect();
        let doc = CacheFileRef {
            version: env!("CARGO_PKG_VERSION"),
            key: self.key,
            entries,
        };
        if let Ok(bytes) = postcard::to_stdvec(&doc) {
            let _ = write_file(&self.file, &bytes);
        }
    }
}

/// Writes a cache file whole (temporary file and rename), with the `.gitignore` that keeps the
/// cache directory out of git.
fn write_file(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        crate::report::write_atomic(
            &ignore,
            b"# written by hedge: its cache, safe to delete\n*\n",
        )?;
    }
    crate::report::write_atomic(file, bytes)
}

type Index = HashMap<String, (Stamp, std::ops::Range<usize>)>;

/// The facts cache file as read, and each entry's stamp and byte range in it.
#[derive(Debug, Default)]
struct Loaded {
    bytes: Vec<u8>,
    old: Mutex<Index>,
}

/// A small cache file decoded whole; `None` when absent, too big or not decodable.
fn read_small<T: serde::de::DeserializeOwned>(file: &Path) -> Option<T> {
    if std::fs::metadata(file).ok()?.len() > MAX_BYTES {
        return None;
    }
    postcard::from_bytes(&std::fs::read(file).ok()?).ok()
}

/// Whether the facts cache file is of this version and key, from its first bytes.
fn header_ok(file: &Path, key: u64) -> bool {
    use std::io::Read;
    let mut head = [0u8; 64];
    let Ok(mut f) = std::fs::File::open(file) else {
        return false;
    };
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    matches!(
        postcard::take_from_bytes::<(&str, u64)>(&head[..n]),
        Ok(((version, k), _)) if version == env!("CARGO_PKG_VERSION") && k == key
    )
}

fn read(file: &Path, key: u64) -> Option<(Vec<u8>, Index)> {
    if std::fs::metadata(file).ok()?.len() > MAX_BYTES {
        return None;
    }
    let bytes = std::fs::read(file).ok()?;
    let doc: CacheFile<'_> = postcard::from_bytes(&bytes).ok()?;
    if doc.version != env!("CARGO_PKG_VERSION") || doc.key != key {
        return None;
    }
    let base = bytes.as_ptr() as usize;
    let index = doc
        .entries
        .iter()
        .map(|(path, stamp, body)| {
            let start = body.as_ptr() as usize - base;
            (path.to_string(), (*stamp, start..start + body.len()))
        })
        .collect();
    Some((bytes, index))
}
