//! The graph cache of focus runs: each file's resolved share of the provider graph (its
//! [`Part`]), the names its resolution looked up, and what every file contributed to those
//! names. With it, a pre-commit run re-resolves only the files its edits can reach instead of
//! decoding every file's facts and rebuilding the whole graph.
//!
//! A file's part depends on its own facts and on the answers to its [`Key`]s (environment
//! variables and objects that other files set). So a focus run takes the files that changed
//! (the named ones, and any whose stamp moved), works out which looked-up names they set
//! before or set now, and re-resolves those files plus every file that looked up a name whose
//! answer changed. Everything else is decoded from its cached part, which is the same bytes a
//! full build would have made. When the cache cannot tell (a changed file looks up a name no
//! cached file did, a cached file's facts are gone), the caller builds the graph in full.
//!
//! Written whole (temporary file and rename) only by full builds; a focus run that built
//! incrementally leaves it as it was, so its named files are simply "changed" again next time.

use foldhash::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Stamp;
use crate::graph::facts::{EnvFact, FileFacts, ObjectFact, Val};
use crate::graph::registry::Registry;
use crate::graph::{resolve_file, Assembler, Graph, Key, Lookup, Memo, Part, Size};

/// The shape of the snapshot (see `cache::LAYOUT`).
const LAYOUT: &str = "graph-5: the graph's size";

/// One file as the last full build saw it.
#[derive(Serialize, Deserialize)]
struct FileRec<'a> {
    path: &'a str,
    stamp: Stamp,
    format: &'a str,
    documents: usize,
    /// The postcard bytes of its [`Part`]; empty for a file with no share of the graph.
    part: &'a [u8],
    /// Indexes into `keys` of the looked-up names this file sets.
    sets: Vec<u32>,
    /// Indexes into `keys` of the names its resolution looked up.
    looks: Vec<u32>,
}

/// Each file's contribution to one key's answer: (file index, postcard bytes of its
/// `Vec<String>` for a variable, of the object's fields for an object).
type Contributions<'a> = Vec<(u32, &'a [u8])>;

#[derive(Serialize, Deserialize)]
struct SnapshotRec<'a> {
    version: &'a str,
    key: u64,
    #[serde(borrow)]
    files: Vec<FileRec<'a>>,
    /// Every name some file looked up, with each file's contribution to its answer (file
    /// index, postcard bytes of `Vec<String>` for a variable, of the fields for an object).
    #[serde(borrow)]
    keys: Vec<(Key, Contributions<'a>)>,
    /// The size of the graph built with the snapshot: a focus run's graph differs by a few
    /// files, and sized from it, its vectors are allocated once instead of grown by doubling.
    size: Size,
}

/// A cached file, as a focus run consults it.
#[derive(Debug)]
pub struct Entry {
    pub stamp: Stamp,
    pub format: String,
    pub documents: usize,
    pub(crate) index: u32,
}

/// The snapshot the last full build wrote, read but not yet decoded beyond its file list.
#[derive(Debug)]
pub struct Snapshot {
    bytes: Vec<u8>,
    pub entries: HashMap<String, Entry>,
}

/// The key of the snapshot: the facts' key, the layout, and the registry that placed them.
fn snapshot_key(facts_key: u64, reg: &Registry) -> u64 {
    let mut h = facts_key;
    for b in LAYOUT.bytes().chain(reg.fingerprint.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

pub fn file(root: &Path) -> PathBuf {
    root.join(super::DIR)
        .join(format!("graph-{}.bin", env!("CARGO_PKG_VERSION")))
}

impl Snapshot {
    /// Reads the snapshot; `None` when there is none or it is from another version, key or
    /// layout, or does not decode.
    pub fn read(file: &Path, facts_key: u64, reg: &Registry) -> Option<Snapshot> {
        if std::fs::metadata(file).ok()?.len() > super::MAX_BYTES {
            return None;
        }
        Snapshot::from_bytes(
            std::fs::read(file).ok()?,
            Some(snapshot_key(facts_key, reg)),
        )
    }

    /// The snapshot in `bytes`, if it is one of this version (and of `key`, when given: the
    /// fuzz target leaves it out, or it would never get past it).
    pub(crate) fn from_bytes(bytes: Vec<u8>, key: Option<u64>) -> Option<Snapshot> {
        let rec: SnapshotRec<'_> = postcard::from_bytes(&bytes).ok()?;
        if rec.version != env!("CARGO_PKG_VERSION") || key.is_some_and(|k| rec.key != k) {
            return None;
        }
        // indexes are used as they are later: a file that decodes but points outside itself
        // (damaged, or not written by hedge) is no cache
        let (files, keys) = (rec.files.len() as u32, rec.keys.len() as u32);
        let inside = rec
            .files
            .iter()
            .all(|f| f.sets.iter().chain(&f.looks).all(|&k| k < keys))
            && rec
                .keys
                .iter()
                .all(|(_, c)| c.iter().all(|&(i, _)| i < files));
        if !inside {
            return None;
        }
        let entries = rec
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let e = Entry {
                    stamp: f.stamp,
                    format: f.format.to_string(),
                    documents: f.documents,
                    index: i as u32,
                };
                (f.path.to_string(), e)
            })
            .collect();
        drop(rec);
        Some(Snapshot { bytes, entries })
    }

    fn rec(&self) -> Option<SnapshotRec<'_>> {
        postcard::from_bytes(&self.bytes).ok()
    }
}

/// One file given to the graph stage of a focus run.
pub enum Input<'a> {
    /// Unchanged since the snapshot: its part is cached.
    Cached(&'a Entry),
    /// Read this run, with its facts.
    Fresh(&'a FileFacts),
}

/// What a file sets, for the keys that matter: (key, postcard bytes of its contribution).
fn contributions(env: &[EnvFact], objects: &[ObjectFact]) -> Vec<(Key, Vec<u8>)> {
    let mut vars: Vec<(&str, Vec<&str>)> = Vec::new();
    for e in env {
        match vars.iter_mut().find(|(n, _)| *n == e.name) {
            Some((_, vals)) => vals.push(&e.value),
            None => vars.push((&e.name, vec![&e.value])),
        }
    }
    let mut out: Vec<(Key, Vec<u8>)> = vars
        .into_iter()
        .filter_map(|(n, vals)| Some((Key::Env(n.to_string()), postcard::to_stdvec(&vals).ok()?)))
        .collect();
    let mut seen = HashSet::default();
    for o in objects {
        // the first object of a type and name wins, in a file as across files
        let key = Key::Object(o.object_type.clone(), o.name.clone());
        if seen.insert(key.clone()) {
            if let Ok(b) = postcard::to_stdvec(&o.fields) {
                out.push((key, b));
            }
        }
    }
    out
}

/// An answer as resolution reads it: a variable's values in path order, or the first
/// object's fields.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Env(Vec<String>),
    Object(Option<Vec<(String, Val)>>),
}

/// Joins contributions (in path order, each with the path its locations belong to).
fn answer(key: &Key, parts: &[(&str, &[u8])]) -> Option<Answer> {
    match key {
        Key::Env(_) => {
            let mut vals = Vec::new();
            for (_, b) in parts {
                let v: Vec<String> = postcard::from_bytes(b).ok()?;
                vals.extend(v);
            }
            Some(Answer::Env(vals))
        }
        Key::Object(..) => match parts.first() {
            None => Some(Answer::Object(None)),
            Some((path, b)) => {
                let path: Arc<str> = Arc::from(*path);
                Some(Answer::Object(Some(crate::diag::in_file::decode(
                    &path, b,
                )?)))
            }
        },
    }
}

/// The answers of the keys the snapshot knows, as they stand this run.
struct Answers {
    index: HashMap<Key, usize>,
    answers: Vec<Option<Answer>>,
    /// Set when resolution asked for a name the snapshot never recorded an answer for.
    missed: AtomicBool,
}

impl Lookup for Answers {
    fn env(&self, name: &str) -> Option<std::borrow::Cow<'_, [String]>> {
        match self.get(&Key::Env(name.to_string())) {
            Some(Answer::Env(v)) if !v.is_empty() => Some(std::borrow::Cow::Borrowed(v)),
            _ => None,
        }
    }

    fn object(&self, t: &str, name: &str) -> Option<std::borrow::Cow<'_, [(String, Val)]>> {
        match self.get(&Key::Object(t.to_string(), name.to_string())) {
            Some(Answer::Object(Some(f))) => Some(std::borrow::Cow::Borrowed(f)),
            _ => None,
        }
    }
}

impl Answers {
    fn get(&self, key: &Key) -> Option<&Answer> {
        let hit = self.index.get(key).and_then(|&i| self.answers[i].as_ref());
        if hit.is_none() {
            self.missed.store(true, Ordering::Relaxed);
        }
        hit
    }
}

/// The graph of a focus run from the snapshot and this run's inputs (`files`, path order, with
/// their display paths); `None` when the snapshot cannot answer, and the caller builds in full.
/// `facts_of` gives the facts of a cached file that must be re-resolved.
pub fn incremental(
    snap: &Snapshot,
    files: &[(Arc<str>, Input<'_>)],
    reg: &Registry,
    facts_of: &(dyn Fn(usize) -> Option<FileFacts> + Sync),
) -> Option<Graph> {
    let rec = snap.rec()?;
    crate::timings::mark("graph cache: decoded");
    let index: HashMap<Key, usize> = rec
        .keys
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.clone(), i))
        .collect();
    // where each snapshot file stands this run: its position, or gone
    let position: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, (d, _))| (&**d, i))
        .collect();
    // snapshot files that are gone or were read afresh: what they set may have changed
    let stale: HashSet<u32> = rec
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            !position
                .get(f.path)
                .is_some_and(|&p| matches!(files[p].1, Input::Cached(_)))
        })
        .map(|(i, _)| i as u32)
        .collect();

    // What the fresh files set now, for the keys the snapshot knows.
    let mut fresh_sets: HashMap<usize, Vec<(usize, Vec<u8>)>> = HashMap::default();
    for (pos, (_, input)) in files.iter().enumerate() {
        if let Input::Fresh(facts) = input {
            for (key, bytes) in contributions(&facts.env, &facts.objects) {
                if let Some(&k) = index.get(&key) {
                    fresh_sets.entry(k).or_default().push((pos, bytes));
                }
            }
        }
    }
    // Keys whose answer may have changed: set before by a stale file, or set now by a fresh one.
    let mut touched: HashSet<usize> = fresh_sets.keys().copied().collect();
    for &i in &stale {
        touched.extend(rec.files[i as usize].sets.iter().map(|&k| k as usize));
    }
    let path_of = |i: u32| rec.files[i as usize].path;
    let mut answers: Vec<Option<Answer>> = vec![None; rec.keys.len()];
    let mut changed: HashSet<usize> = HashSet::default();
    for &k in &touched {
        let (key, contribs) = &rec.keys[k];
        let old: Vec<(&str, &[u8])> = contribs.iter().map(|&(i, b)| (path_of(i), b)).collect();
        // this run's contributions: the cached files' (at their position now), and the fresh
        let mut now: Vec<(usize, &str, &[u8])> = contribs
            .iter()
            .filter(|(i, _)| !stale.contains(i))
            .filter_map(|&(i, b)| Some((*position.get(path_of(i))?, path_of(i), b)))
            .collect();
        for (pos, b) in fresh_sets.get(&k).into_iter().flatten() {
            now.push((*pos, &files[*pos].0, b));
        }
        now.sort_by_key(|c| c.0);
        let now: Vec<(&str, &[u8])> = now.into_iter().map(|(_, p, b)| (p, b)).collect();
        let after = answer(key, &now)?;
        if answer(key, &old)? != after {
            changed.insert(k);
        }
        answers[k] = Some(after);
    }
    // The other keys' answers are as the snapshot recorded them.
    for (k, (key, contribs)) in rec.keys.iter().enumerate() {
        if answers[k].is_none() {
            let old: Vec<(&str, &[u8])> = contribs.iter().map(|&(i, b)| (path_of(i), b)).collect();
            answers[k] = Some(answer(key, &old)?);
        }
    }
    crate::timings::mark("graph cache: answers");
    let lookups = Answers {
        index,
        answers,
        missed: AtomicBool::new(false),
    };

    // Resolve again the fresh files and the cached ones that looked up a changed answer.
    let mut redo: Vec<(usize, FileFacts)> = Vec::new();
    for (pos, (_, input)) in files.iter().enumerate() {
        let facts = match input {
            Input::Fresh(f) => (*f).clone(),
            Input::Cached(e) => {
                let looks = &rec.files[e.index as usize].looks;
                if !looks.iter().any(|k| changed.contains(&(*k as usize))) {
                    continue;
                }
                facts_of(pos)?
            }
        };
        redo.push((pos, facts));
    }
    let mut redone: HashMap<usize, Part> = redo
        .into_par_iter()
        .map_init(Memo::default, |memo, (pos, mut f)| {
            // merged into the answers already; resolution reads them there
            f.env = Vec::new();
            f.objects = Vec::new();
            (pos, resolve_file(f, reg, &lookups, memo).0)
        })
        .collect();
    if lookups.missed.load(Ordering::Relaxed) {
        return None;
    }
    crate::timings::mark("graph cache: resolved");
    // Decoded a few hundred files at a time, each batch added to the graph before the next is
    // decoded: all parts decoded first, then assembled, held both at once, and every page of
    // that peak was a fresh one the kernel had to clear (a quarter of a pre-commit run's time).
    let mut asm = Assembler::new(&rec.size);
    let mut first = 0;
    for batch in files.chunks(512) {
        let cached: Vec<Option<Part>> = batch
            .par_iter()
            .enumerate()
            // short chunks: one core decoded a long run of big parts alone
            .with_max_len(32)
            .map(|(i, (display, input))| match input {
                Input::Cached(e) if !redone.contains_key(&(first + i)) => {
                    let bytes = rec.files[e.index as usize].part;
                    if bytes.is_empty() {
                        return Some(Part::default());
                    }
                    crate::diag::in_file::decode::<Part>(display, bytes).filter(Part::is_sound)
                }
                _ => Some(Part::default()),
            })
            .collect();
        for (i, part) in cached.into_iter().enumerate() {
            asm.add(match redone.remove(&(first + i)) {
                Some(p) => p,
                None => part?,
            });
        }
        first += batch.len();
    }
    crate::timings::mark("graph cache: parts decoded and assembled");
    Some(asm.finish())
}

/// One file given to a full build that writes the snapshot.
pub struct Full {
    pub display: Arc<str>,
    pub stamp: Option<Stamp>,
    pub format: &'static str,
    pub documents: usize,
    pub facts: FileFacts,
}

/// Builds the graph in full, as `Graph::build` does, and writes the snapshot of it to `file`.
/// Failing to write is not an error: the cache is an optimisation.
pub fn build_and_write(file: &Path, facts_key: u64, files: Vec<Full>, reg: &Registry) -> Graph {
    let sets: Vec<Vec<(Key, Vec<u8>)>> = files
        .par_iter()
        .map(|f| contributions(&f.facts.env, &f.facts.objects))
        .collect();
    let mut files = files;
    let mut facts: Vec<FileFacts> = files
        .iter_mut()
        .map(|f| std::mem::take(&mut f.facts))
        .collect();
    let lookups = crate::graph::Merged::take(&mut facts);
    let resolved: Vec<(Part, Vec<Key>, Vec<u8>)> = facts
        .into_par_iter()
        .with_max_len(8)
        .map_init(Memo::default, |memo, f| {
            let (part, looks) = resolve_file(f, reg, &lookups, memo);
            let bytes = if part.is_empty() {
                Vec::new()
            } else {
                postcard::to_stdvec(&part).unwrap_or_default()
            };
            (part, looks, bytes)
        })
        .collect();
    // every name some file looked up, and who sets it
    let mut keys: Vec<&Key> = resolved.iter().flat_map(|r| &r.1).collect();
    keys.sort_unstable();
    keys.dedup();
    let key_index: HashMap<&Key, u32> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (*k, i as u32))
        .collect();
    let mut table: Vec<(Key, Contributions<'_>)> =
        keys.iter().map(|k| ((*k).clone(), Vec::new())).collect();
    let mut recs = Vec::with_capacity(files.len());
    let mut written = 0u32;
    for ((f, s), (_, looks, part)) in files.iter().zip(&sets).zip(&resolved) {
        // a file that could not be stamped is left out: it is read afresh next time
        let Some(stamp) = f.stamp else { continue };
        let mut file_sets = Vec::new();
        for (k, b) in s {
            if let Some(&i) = key_index.get(k) {
                table[i as usize].1.push((written, b));
                file_sets.push(i);
            }
        }
        recs.push(FileRec {
            path: &f.display,
            stamp,
            format: f.format,
            documents: f.documents,
            part,
            sets: file_sets,
            looks: looks
                .iter()
                .filter_map(|k| key_index.get(k).copied())
                .collect(),
        });
        written += 1;
    }
    let mut size = Size::default();
    for r in &resolved {
        size.add(&r.0.size());
    }
    let doc = SnapshotRec {
        version: env!("CARGO_PKG_VERSION"),
        key: snapshot_key(facts_key, reg),
        files: recs,
        keys: table,
        size,
    };
    if let Ok(bytes) = postcard::to_stdvec(&doc) {
        let _ = super::write_file(file, &bytes);
    }
    drop(doc);
    drop(key_index);
    drop(keys);
    Graph::assemble(resolved.into_iter().map(|r| r.0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(rec: &SnapshotRec<'_>) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::TempDir::new().unwrap();
        let f = d.path().join("graph.bin");
        std::fs::write(&f, postcard::to_stdvec(rec).unwrap()).unwrap();
        (d, f)
    }

    fn rec<'a>(looks: Vec<u32>, contributor: u32) -> SnapshotRec<'a> {
        SnapshotRec {
            version: env!("CARGO_PKG_VERSION"),
            key: snapshot_key(7, &Registry::default()),
            files: vec![FileRec {
                path: "a.yaml",
                stamp: Stamp {
                    len: 1,
                    secs: 2,
                    nanos: 3,
                },
                format: "yaml",
                documents: 1,
                part: &[],
                sets: vec![0],
                looks,
            }],
            keys: vec![(
                Key::Env("MODEL".into()),
                vec![(contributor, &b"\x01\x01x"[..])],
            )],
            size: Size::default(),
        }
    }

    #[test]
    fn a_snapshot_pointing_outside_itself_is_no_cache() {
        let reg = Registry::default();
        let (_d, good) = write(&rec(vec![0], 0));
        let snap = Snapshot::read(&good, 7, &reg).expect("a sound snapshot is read");
        assert_eq!(snap.entries.len(), 1);
        assert!(Snapshot::read(&good, 8, &reg).is_none(), "another key");
        let (_d, bad_key) = write(&rec(vec![1], 0));
        assert!(Snapshot::read(&bad_key, 7, &reg).is_none(), "a key index");
        let (_d, bad_file) = write(&rec(vec![0], 1));
        assert!(Snapshot::read(&bad_file, 7, &reg).is_none(), "a file index");
    }
}
