//! Discovery: which files to check.
//!
//! Directories are walked in parallel with the `ignore` crate, set up for a config linter:
//! hidden files are included (`.env`, `.github/workflows`, `.gitlab-ci.yml` are exactly what
//! hedge is for), `.gitignore`/`.ignore` apply even outside a git repository, `.git/` itself is
//! never entered, and symlinks are not followed (so no loops and no escaping the tree; the
//! target of a link inside the tree is checked under its own path). Files named on the command
//! line are always checked, whatever the ignore rules and `--exclude` say.
//!
//! The result is sorted by path, so everything downstream is deterministic.

pub mod classify;
pub mod walked;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};

use crate::diag::{codes, Diagnostic, Severity};
pub use classify::Class;

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub no_ignore: bool,
    /// Gitignore-style globs, relative to each walked root.
    pub excludes: Vec<String>,
    pub threads: usize,
}

#[derive(Clone, Debug)]
pub struct Candidate {
    pub path: PathBuf,
    /// The path as shown in reports: as the user named it, `/`-separated, no leading `./`.
    pub display: Arc<str>,
    pub class: Class,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<Candidate>,
    /// Files seen but not of a format hedge reads, and entries that are not regular files
    /// (symlinks, FIFOs) met while walking.
    pub skipped: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// An error in the user's invocation (a bad glob), as opposed to a problem with a file.
#[derive(Debug)]
pub struct UsageError(pub String);

pub fn display_path(path: &Path) -> Arc<str> {
    let s = path.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    let s = if std::path::MAIN_SEPARATOR == '\\' {
        s.replace('\\', "/")
    } else {
        s.to_string()
    };
    Arc::from(s)
}

pub fn discover(roots: &[PathBuf], opts: &Options) -> Result<Discovery, UsageError> {
    discover_reusing(roots, opts, None, false).map(|(d, _)| d)
}

/// [`discover`], reusing the record of an earlier walk of the first directory in `roots` when
/// it still holds (see [`walked`]); with `record`, also returns a record of the walk made
/// (`None` when the record was reused, or the walk met an error).
pub fn discover_reusing(
    roots: &[PathBuf],
    opts: &Options,
    reuse: Option<&walked::Walked>,
    record: bool,
) -> Result<(Discovery, Option<walked::Walked>), UsageError> {
    let mut out = Discovery::default();
    let found: Mutex<Vec<Candidate>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<Diagnostic>> = Mutex::new(Vec::new());
    let skipped = std::sync::atomic::AtomicUsize::new(0);
    // the first directory root is the one a record is about
    let mut seen_dir = false;
    let mut made = None;
    // the files of a reused record, in their final order
    let mut reused: Vec<Candidate> = Vec::new();

    for root in roots {
        let is_dir = std::fs::metadata(root).is_ok_and(|m| m.is_dir());
        let first = is_dir && !seen_dir;
        seen_dir |= is_dir;
        if first {
            let holds = reuse.filter(|w| w.holds(root, opts));
            crate::timings::mark("discovery: walk record checked");
            if let Some(w) = holds {
                for path in &w.files {
                    let path = PathBuf::from(path);
                    let class = path
                        .file_name()
                        .and_then(|n| classify::classify(&n.to_string_lossy()));
                    if let Some(class) = class {
                        let display = display_path(&path);
                        reused.push(Candidate {
                            path,
                            display,
                            class,
                        });
                    }
                }
                out.skipped += w.skipped;
                continue;
            }
        }
        let recorder = (first && record).then(|| walked::Recorder::begin(root));
        let recorder = recorder.as_ref();
        if !is_dir {
            // an explicit file: always checked, even when ignored or excluded; one that
            // cannot be read (a dangling link) is reported by the loader
            let display = display_path(root);
            // a name that is not UTF-8 still has an extension: classify its lossy form
            match root
                .file_name()
                .and_then(|n| classify::classify(&n.to_string_lossy()))
            {
                Some(class) => out.files.push(Candidate {
                    path: root.clone(),
                    display,
                    class,
                }),
                None => out.skipped += 1,
            }
            continue;
        }
        let mut overrides = OverrideBuilder::new(root);
        for glob in &opts.excludes {
            overrides
                .add(&format!("!{glob}"))
                .map_err(|e| UsageError(format!("invalid --exclude glob `{glob}`: {e}")))?;
        }
        let overrides = overrides
            .build()
            .map_err(|e| UsageError(format!("invalid --exclude globs: {e}")))?;
        let walker = WalkBuilder::new(root)
            .hidden(false)
            .require_git(false)
            .follow_links(false)
            .git_ignore(!opts.no_ignore)
            .git_global(!opts.no_ignore)
            .git_exclude(!opts.no_ignore)
            .ignore(!opts.no_ignore)
            .parents(!opts.no_ignore)
            .overrides(overrides)
            .threads(opts.threads)
            .filter_entry(|e| e.file_name() != ".git")
            .build_parallel();
        walker.run(|| {
            let found = &found;
            let errors = &errors;
            let skipped = &skipped;
            Box::new(move |entry| {
                let entry = match entry {
                    Ok(e) => e,
                    Err(err) => {
                        let path = walk_error_path(&err).unwrap_or_default();
                        let display = display_path(&path);
                        let d = Diagnostic::new(
                            codes::UNREADABLE,
                            Severity::Warning,
                            &display,
                            format!("cannot walk: {}", strip_path(&err.to_string())),
                        );
                        lock(errors).push(d);
                        return WalkState::Continue;
                    }
                };
                let Some(ft) = entry.file_type() else {
                    return WalkState::Continue;
                };
                if ft.is_dir() {
                    // Stamped before the walker reads its entries. Not hedge's own cache
                    // directory: every run that writes the cache changes it, and its
                    // `.gitignore` (`*`) keeps its entries out of every walk anyway.
                    if let Some(r) = recorder.filter(|_| entry.file_name() != crate::cache::DIR) {
                        r.note(entry.path());
                    }
                    return WalkState::Continue;
                }
                if let Some(r) = recorder.filter(|_| walked::is_ignore_file(entry.file_name())) {
                    r.note(entry.path());
                }
                let class = ft
                    .is_file()
                    .then(|| classify::classify(&entry.file_name().to_string_lossy()))
                    .flatten();
                match class {
                    Some(class) => {
                        let path = entry.into_path();
                        let display = display_path(&path);
                        lock(found).push(Candidate {
                            path,
                            display,
                            class,
                        });
                    }
                    None => {
                        skipped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                WalkState::Continue
            })
        });
        if let Some(rec) = recorder {
            // this was the first walk, so `found` holds just what it found
            if lock(&errors).is_empty() {
                let walk_skipped = skipped.load(std::sync::atomic::Ordering::Relaxed);
                let mut files = lock(&found).clone();
                order(&mut files);
                made = rec.finish(root, opts, &files, walk_skipped);
            }
        }
    }
    finish(out, found, errors, skipped, reused).map(|d| (d, made))
}

fn finish(
    mut out: Discovery,
    found: Mutex<Vec<Candidate>>,
    errors: Mutex<Vec<Diagnostic>>,
    skipped: std::sync::atomic::AtomicUsize,
    reused: Vec<Candidate>,
) -> Result<Discovery, UsageError> {
    out.files.extend(into_inner(found));
    crate::timings::mark("discovery: listed");
    order(&mut out.files);
    if !reused.is_empty() {
        // A reused record is in order already; sorting its 10,000 files again cost a
        // pre-commit run 10 ms. The few others (the named files) are merged in.
        let extra = std::mem::take(&mut out.files);
        let known: std::collections::HashSet<Arc<str>> =
            reused.iter().map(|c| c.display.clone()).collect();
        out.files = reused;
        for c in extra.into_iter().filter(|c| !known.contains(&c.display)) {
            let key = path_key(&c.path);
            let at = out.files.partition_point(|f| path_key(&f.path) < key);
            out.files.insert(at, c);
        }
    }
    out.skipped += skipped.into_inner();
    out.diagnostics = into_inner(errors);
    out.diagnostics.sort_by(|a, b| a.sort_key_cmp(b));
    Ok(out)
}

/// Sorts candidates in path order, one per shown path.
fn order(files: &mut Vec<Candidate>) {
    // one file reached twice (`a.yaml ./a.yaml`, or a directory and a file in it) is one file;
    // the shown path is normalised, so it identifies it
    files.sort_by(|a, b| a.display.cmp(&b.display).then(a.path.cmp(&b.path)));
    files.dedup_by(|a, b| a.display == b.display);
    // Path order (component by component), with each path's components computed once:
    // `Path::cmp` re-parses both paths on every comparison, 20 ms per 10,000 files of serial
    // time before any parsing could start.
    files.sort_by_cached_key(|c| path_key(&c.path));
}

/// A key that orders like `Path::cmp`: components in turn, compared as `Component`s are (by kind
/// first: prefix, root, `.`, `..`, name; names by their bytes).
fn path_key(path: &std::path::Path) -> Vec<(u8, std::ffi::OsString)> {
    use std::path::Component;
    path.components()
        .map(|c| match c {
            Component::Prefix(p) => (0, p.as_os_str().to_os_string()),
            Component::RootDir => (1, std::ffi::OsString::new()),
            Component::CurDir => (2, std::ffi::OsString::new()),
            Component::ParentDir => (3, std::ffi::OsString::new()),
            Component::Normal(n) => (4, n.to_os_string()),
        })
        .collect()
}

/// A poisoned lock only means another walker thread panicked; its data is still usable, and
/// losing the whole run over it would be worse.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn into_inner<T>(m: Mutex<T>) -> T {
    m.into_inner().unwrap_or_else(|p| p.into_inner())
}

fn walk_error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.iter().find_map(walk_error_path),
        _ => None,
    }
}

/// `ignore` puts the path in front of its messages; ours already shows it.
fn strip_path(msg: &str) -> String {
    match msg.rsplit_once(": ") {
        Some((_, tail)) if !tail.is_empty() => tail.to_string(),
        _ => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::path_key;
    use std::path::Path;

    /// The cached sort key orders exactly as `Path::cmp`, on the cases where component order
    /// and byte order differ.
    #[test]
    fn path_key_orders_like_path_cmp() {
        let names = [
            "a/b", "a.b", "a-b", "a/b/c", "a/b.c", "ab", "a", "a/", "/abs/x", "/abs", "./x", "x",
            "../up", "a//b", "a/./b", "é/z", "z/é", "A/b",
        ];
        for x in names {
            for y in names {
                let (px, py) = (Path::new(x), Path::new(y));
                assert_eq!(
                    path_key(px).cmp(&path_key(py)),
                    px.cmp(py),
                    "{x:?} vs {y:?}"
                );
            }
        }
    }
}
