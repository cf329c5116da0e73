//! The facts cache of focus runs (`hedge check --cache FILE...`): same findings as without it,
//! whatever changed in between; stale, foreign or corrupt cache files are never trusted.

use std::fs;
use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

fn check(dir: &Path, cache: bool) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hedge"));
    c.current_dir(dir)
        .args(["check", "--format", "short", "--fail-on", "never"])
        .args(["--today", "2026-11-25"]);
    if cache {
        c.arg("--cache");
    }
    let out = c.arg("gw/config.yaml").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const CONTRACT: &str = "vendor = \"openai\"\n[term]\nstart_date = 2025-02-01\nend_date = 2027-01-31\n[models]\npermitted_models = [\"gpt-4o\"]\n";

fn project() -> TempDir {
    let d = TempDir::new().unwrap();
    let p = d.path();
    fs::write(p.join("hedge.toml"), "").unwrap();
    fs::create_dir_all(p.join("gw")).unwrap();
    fs::create_dir_all(p.join("contracts")).unwrap();
    fs::write(
        p.join("gw/config.yaml"),
        "model_list:\n  - model_name: chat\n    litellm_params:\n      model: openai/gpt-4o\n",
    )
    .unwrap();
    fs::write(p.join("contracts/openai.toml"), CONTRACT).unwrap();
    d
}

fn cache_file(p: &Path) -> std::path::PathBuf {
    p.join(".hedge-cache")
        .join(format!("facts-{}.bin", env!("CARGO_PKG_VERSION")))
}

#[test]
fn cached_runs_report_what_uncached_runs_report() {
    let d = project();
    let p = d.path();
    let plain = check(p, false);
    assert!(!p.join(".hedge-cache").exists(), "written without --cache");
    assert!(!plain.contains("contract-model"), "{plain}");

    // cold, then warm: same findings; a warm run with nothing changed does not rewrite
    assert_eq!(check(p, true), plain);
    let ignore = fs::read_to_string(p.join(".hedge-cache/.gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
    let written = fs::metadata(cache_file(p)).unwrap().modified().unwrap();
    assert_eq!(check(p, true), plain);
    assert_eq!(
        fs::metadata(cache_file(p)).unwrap().modified().unwrap(),
        written,
        "an unchanged project rewrote its cache"
    );

    // a context file changes (same size): the named file's contract finding follows it
    fs::write(
        p.join("contracts/openai.toml"),
        CONTRACT.replace("gpt-4o", "gpt-4x"),
    )
    .unwrap();
    let now = check(p, true);
    assert!(now.contains("warning[contract-model]"), "{now}");
    assert_eq!(now, check(p, false));
    // and back
    fs::write(p.join("contracts/openai.toml"), CONTRACT).unwrap();
    assert_eq!(check(p, true), plain);

    // a context file is deleted
    fs::remove_file(p.join("contracts/openai.toml")).unwrap();
    let gone = check(p, true);
    assert_eq!(gone, check(p, false));
    assert!(!gone.contains("contract-model"), "{gone}");
}

#[test]
fn corrupt_or_foreign_cache_files_are_ignored() {
    let d = project();
    let p = d.path();
    let plain = check(p, false);
    fs::create_dir_all(p.join(".hedge-cache")).unwrap();
    for junk in [&b""[..], b"\x00\x01\x02garbage", &[0xff; 4096][..]] {
        fs::write(cache_file(p), junk).unwrap();
        assert_eq!(check(p, true), plain);
        // replaced by a good one
        assert_ne!(fs::read(cache_file(p)).unwrap(), junk);
    }
    // the graph cache and the walk record too, whole or damaged in place
    let version = env!("CARGO_PKG_VERSION");
    for name in [
        format!("graph-{version}.bin"),
        format!("walk-{version}.bin"),
    ] {
        let file = p.join(".hedge-cache").join(&name);
        let good = fs::read(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
        // a spread of 60 positions
        for i in (0..good.len()).step_by((good.len() / 60).max(1)) {
            let mut bad = good.clone();
            bad[i] ^= 0xa5;
            fs::write(&file, &bad).unwrap();
            assert_eq!(check(p, true), plain, "{name} byte {i}");
        }
        fs::write(&file, b"\x00\x01\x02garbage").unwrap();
        assert_eq!(check(p, true), plain, "{name}");
    }
    // a cache written for other rules (a user pack adds a rule) is not used for these
    fs::create_dir_all(p.join("packs")).unwrap();
    fs::write(p.join("packs/extra.yaml"), "version: 1\nrules: []\n").unwrap();
    let before = fs::read(cache_file(p)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .current_dir(p)
        .args([
            "check",
            "--format",
            "short",
            "--fail-on",
            "never",
            "--cache",
        ])
        .args([
            "--today",
            "2026-11-25",
            "--rules",
            "packs",
            "gw/config.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), plain);
    assert_ne!(
        fs::read(cache_file(p)).unwrap(),
        before,
        "key ignored the rule packs"
    );
}

#[test]
fn demo_named_files_with_and_without_cache() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let d = TempDir::new().unwrap();
    let copy = d.path().join("demo");
    let status = Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    let run = |cache: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hedge"));
        c.current_dir(&copy).args([
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--today",
            "2026-11-25",
        ]);
        if cache {
            c.arg("--cache");
        }
        c.args(["gateway/litellm/config.yaml", "deploy/k8s/litellm.yaml"])
            .output()
            .unwrap()
            .stdout
    };
    let plain = run(false);
    assert!(plain.len() > 500);
    assert_eq!(run(true), plain);
    assert_eq!(run(true), plain);
}

/// A project whose gateway resolves its model through an environment variable set in
/// another file, and a contract whose finding counts every route's operator.
fn env_project() -> TempDir {
    let d = TempDir::new().unwrap();
    let p = d.path();
    fs::write(p.join("hedge.toml"), "").unwrap();
    for dir in ["gw", "contracts", "deploy"] {
        fs::create_dir_all(p.join(dir)).unwrap();
    }
    fs::write(
        p.join("gw/chat.yaml"),
        "model_list:\n  - model_name: chat\n    litellm_params:\n      model: os.environ/CHAT_MODEL\n",
    )
    .unwrap();
    fs::write(
        p.join("gw/batch.yaml"),
        "model_list:\n  - model_name: batch\n    litellm_params:\n      model: mistral/mistral-large-latest\n",
    )
    .unwrap();
    fs::write(p.join(".env"), "CHAT_MODEL=openai/gpt-4o\n").unwrap();
    fs::write(
        p.join("contracts/bedrock.yaml"),
        "vendor: aws-bedrock\nterm:\n  start_date: 2025-06-01\n  end_date: 2028-05-31\ncommercial:\n  exclusivity: true\n",
    )
    .unwrap();
    d
}

/// A focus run of `named`: (stdout, whether the graph came from the graph cache, as
/// `HEDGE_TIMINGS` tells).
fn focus(dir: &Path, named: &[&str], cache: bool) -> (String, bool) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hedge"));
    c.current_dir(dir)
        .env("HEDGE_TIMINGS", "1")
        .args(["check", "--format", "short", "--fail-on", "never"])
        .args(["--today", "2026-11-25"]);
    if cache {
        c.arg("--cache");
    }
    let out = c.args(named).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    (
        String::from_utf8(out.stdout).unwrap(),
        stderr.contains("graph: from the graph cache"),
    )
}

fn edit(p: &Path, file: &str, from: &str, to: &str) {
    let path = p.join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no `{from}`");
    fs::write(&path, text.replace(from, to)).unwrap();
}

#[test]
fn graph_cache_follows_edits_into_the_files_that_depend_on_them() {
    let d = env_project();
    let p = d.path();
    const CONTRACT: &str = "contracts/bedrock.yaml";
    let sets: [&[&str]; 5] = [
        &[CONTRACT],
        &[".env", CONTRACT],
        &["gw/chat.yaml"],
        &[".env"],
        &["gw/batch.yaml", CONTRACT],
    ];
    // every named set, with and without the cache; returns how many came from the graph cache
    let same = |step: &str| {
        let mut incremental = 0;
        for set in sets {
            let (cached, from_cache) = focus(p, set, true);
            assert_eq!(cached, focus(p, set, false).0, "{step}: {set:?}");
            incremental += usize::from(from_cache);
        }
        incremental
    };
    // the named contract's findings, with the cache
    let contract = || focus(p, &[CONTRACT], true).0;
    same("cold");
    assert_eq!(
        same("warm"),
        sets.len(),
        "warm runs should all use the graph cache"
    );
    let before = focus(p, &[CONTRACT], false).0;
    assert!(before.contains("also use mistral, openai"), "{before}");

    // The chat route's operator comes from CHAT_MODEL in .env. Changing it changes the
    // contract's finding (about every route of the project), although neither the gateway
    // file nor, in some sets, .env is named.
    edit(p, ".env", "openai/gpt-4o", "anthropic/claude-haiku-4-5");
    assert_eq!(same("an env value changed"), sets.len());
    let after = contract();
    assert!(after.contains("also use anthropic, mistral"), "{after}");

    // a new file sets the variable to another value (the reference becomes ambiguous), and
    // goes again
    fs::write(p.join("deploy/.env"), "CHAT_MODEL=openai/gpt-4o-mini\n").unwrap();
    same("a file added");
    assert!(contract().contains("also use mistral\n"));
    fs::remove_file(p.join("deploy/.env")).unwrap();
    same("a file removed");

    // a named file looks up a variable no file looked up before: the cache cannot answer, so
    // the graph is built in full, and the next runs use the rewritten cache
    edit(
        p,
        "gw/batch.yaml",
        "mistral/mistral-large-latest",
        "os.environ/BATCH_MODEL",
    );
    fs::write(p.join("deploy/batch.env"), "BATCH_MODEL=openai/gpt-4o\n").unwrap();
    same("a new name looked up");
    assert_eq!(same("after the rewrite"), sets.len());
    assert!(contract().contains("also use anthropic, openai"));

    // the walk is not repeated while its directories and ignore files are unchanged: an
    // ignore file that appears, changes or goes must still count
    fs::write(p.join(".gitignore"), "deploy/\n").unwrap();
    same("deploy/ ignored");
    assert!(contract().contains("also use anthropic\n"));
    fs::write(p.join(".gitignore"), "gw/chat.yaml\n").unwrap();
    same("an ignore file edited");
    assert!(contract().contains("also use openai\n"));
    fs::remove_file(p.join(".gitignore")).unwrap();
    same("the ignore file removed");
    assert!(contract().contains("also use anthropic, openai"));
    fs::write(p.join("deploy/.ignore"), "batch.env\n").unwrap();
    same("a nested ignore file");
    assert!(contract().contains("also use anthropic\n"));
    fs::remove_file(p.join("deploy/.ignore")).unwrap();

    // same size, other content; and a touched file that keeps its content
    edit(p, "deploy/batch.env", "openai/gpt-4o", "mistral/abcde");
    same("same size");
    assert!(contract().contains("also use anthropic, mistral"));
    let f = fs::File::options()
        .append(true)
        .open(p.join("gw/chat.yaml"))
        .unwrap();
    f.set_modified(std::time::SystemTime::now()).unwrap();
    same("touched");

    // a file the cache holds, and that set a looked-up variable, is deleted: nobody sets it now
    fs::remove_file(p.join("deploy/batch.env")).unwrap();
    same("a cached file removed");
    assert!(contract().contains("also use anthropic\n"));
}

/// A focus run reports, for each named file, exactly the lines a check of the whole project
/// reports for it: graph checks of one route or edge skip context files, checks over the
/// project see them all.
#[test]
fn focus_runs_report_what_the_whole_project_check_reports_for_the_named_files() {
    let (_d, p) = demo_copy();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
            .current_dir(&p)
            .args(["check", "--format", "short", "--fail-on", "never"])
            .args(["--today", "2026-11-25"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let whole = run(&["."]);
    let mut files: Vec<&str> = whole.lines().filter_map(|l| l.split(':').next()).collect();
    files.dedup();
    assert!(files.len() >= 8, "{whole}");
    for file in files {
        let expected: String = whole
            .lines()
            .filter(|l| l.split(':').next() == Some(file))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(run(&[file]), expected, "{file}");
        assert_eq!(run(&["--cache", file]), expected, "{file} with the cache");
    }
}

fn demo_copy() -> (TempDir, std::path::PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let d = TempDir::new().unwrap();
    let copy = d.path().join("demo");
    assert!(Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&copy)
        .status()
        .unwrap()
        .success());
    (d, copy)
}
