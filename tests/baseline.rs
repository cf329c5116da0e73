//! Baselines through the binary: recorded findings stay hidden across unrelated edits, a changed
//! value is new again, prune drops what no longer matches, and a broken baseline is an error.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

const CONFIG: &str = "model_list:\n  - model_name: chat\n    litellm_params: {model: openai/gpt-4o}\n  - model_name: mini\n    litellm_params: {model: openai/gpt-4o-mini}\n";

fn hedge(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn check(dir: &Path) -> Vec<String> {
    let (_, out, _) = hedge(
        dir,
        &[
            "check",
            "--isolated",
            "--format",
            "short",
            "--select",
            "route-without-fallback",
            "--baseline",
            "baseline.json",
            "config.yaml",
        ],
    );
    out.lines()
        .map(|l| l.split(": ").take(2).collect::<Vec<_>>().join(": "))
        .collect()
}

#[test]
fn baseline_hides_known_findings_until_their_value_changes() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    fs::write(p.join("config.yaml"), CONFIG).unwrap();
    let (code, _, err) = hedge(
        p,
        &[
            "baseline",
            "create",
            "baseline.json",
            "--isolated",
            "--select",
            "route-without-fallback",
            "config.yaml",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 finding(s) recorded"), "{err}");
    assert!(check(p).is_empty());

    // lines move: nothing resurfaces
    fs::write(p.join("config.yaml"), format!("# a comment\n\n{CONFIG}")).unwrap();
    assert!(check(p).is_empty(), "{:?}", check(p));

    // a changed value is a new finding
    let renamed = format!(
        "# a comment\n\n{}",
        CONFIG.replace("name: mini", "name: small")
    );
    fs::write(p.join("config.yaml"), renamed).unwrap();
    assert_eq!(
        check(p),
        ["config.yaml:6:17: warning[route-without-fallback]"]
    );

    // prune keeps what still matches and drops the rest
    let (code, _, err) = hedge(
        p,
        &[
            "baseline",
            "prune",
            "baseline.json",
            "--isolated",
            "--select",
            "route-without-fallback",
            "config.yaml",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("kept 1 of 2"), "{err}");
    let b: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(p.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(b["version"], 2);
    assert_eq!(b["entries"].as_array().unwrap().len(), 1);
    assert_eq!(b["entries"][0]["rule"], "route-without-fallback");
    assert_eq!(b["entries"][0]["path"], "config.yaml");
}

#[test]
fn a_broken_or_missing_baseline_is_a_usage_error() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    fs::write(p.join("config.yaml"), CONFIG).unwrap();
    fs::write(p.join("baseline.json"), "{\"version\": 1, \"entries\": [").unwrap();
    let (code, _, err) = hedge(p, &["check", "--baseline", "baseline.json", "config.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("baseline.json: not a hedge baseline"), "{err}");
    let (code, _, err) = hedge(p, &["check", "--baseline", "none.json", "config.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read baseline none.json"), "{err}");
    // creating into a directory that does not exist fails and leaves nothing behind
    let (code, _, _) = hedge(
        p,
        &["baseline", "create", "no/such/dir/b.json", "config.yaml"],
    );
    assert_eq!(code, 2);
    assert!(!p.join("no").exists());
    assert_eq!(fs::read_to_string(p.join("config.yaml")).unwrap(), CONFIG);
}
