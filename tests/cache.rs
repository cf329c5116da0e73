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
