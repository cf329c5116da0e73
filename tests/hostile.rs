//! Hostile input through the binary, beyond `tests/cli.rs`: every case ends in a clear
//! diagnostic naming the file, and the good file planted beside it still gets its finding.

use std::fs;
use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

/// A file with one known finding, planted in every hostile tree: its line must survive.
const GOOD: (&str, &str) = (
    "gw/litellm.yaml",
    "model_list:\n  - model_name: chat\n    litellm_params:\n      model: openai/gpt-4o\n",
);

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(p, bytes).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> (i32, Vec<String>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .current_dir(dir)
        .args([
            "check",
            "--format",
            "short",
            "--isolated",
            "--fail-on",
            "never",
        ])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn good_finding_present(lines: &[String]) -> bool {
    lines
        .iter()
        .any(|l| l.starts_with("gw/litellm.yaml:") && l.contains("[litellm-no-fallbacks]"))
}

#[test]
fn a_single_50_mb_line() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    write(p, GOOD.0, GOOD.1);
    let mut line = b"key: ".to_vec();
    line.resize(50_000_000, b'x');
    line.push(b'\n');
    write(p, "long.yaml", &line);
    // over the default limit: refused before it is read in full
    let (code, lines, _) = run(p, &["."]);
    assert_eq!(code, 0);
    assert!(
        lines.contains(&"long.yaml:1:1: warning[file-too-large]: file is 50000001 bytes, over the 16777216-byte limit (--max-file-size); not checked".to_string()),
        "{lines:?}"
    );
    assert!(good_finding_present(&lines), "{lines:?}");
    // with the limit raised it is parsed (one scalar) and yields nothing to report
    let (_, lines, err) = run(p, &["--max-file-size", "64MiB", "-v", "."]);
    assert!(
        !lines.iter().any(|l| l.starts_with("long.yaml")),
        "{lines:?}"
    );
    assert!(err.contains("long.yaml: yaml, 1 document(s)"), "{err}");
    assert!(good_finding_present(&lines), "{lines:?}");
}

#[test]
fn binary_named_config_yaml_and_nul_bytes() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    write(p, GOOD.0, GOOD.1);
    // deterministic noise, as an image or archive misnamed config.yaml would be
    let mut x: u32 = 0x1234_5678;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    write(p, "config.yaml", &noise);
    write(p, "nul.env", b"OPENAI_API_KEY=sk\x00\n");
    let (_, lines, _) = run(p, &["."]);
    let cfg = lines
        .iter()
        .find(|l| l.starts_with("config.yaml:"))
        .unwrap();
    assert!(cfg.contains("error[invalid-encoding]"), "{cfg}");
    assert!(
        lines.contains(&"nul.env:1:18: error[invalid-encoding]: cannot read as text: a NUL byte (this looks like a binary file, not configuration) at byte 17; file not checked".to_string()),
        "{lines:?}"
    );
    assert!(good_finding_present(&lines), "{lines:?}");
}

#[test]
fn a_file_deleted_between_discovery_and_read() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    write(p, GOOD.0, GOOD.1);
    write(p, "gone.yaml", "a: 1\n");
    let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .current_dir(p)
        .env("HEDGE_DEBUG_DELETE_BEFORE_READ", "gone.yaml")
        .args(["check", "--format", "short", "--isolated", "."])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    let gone = text.lines().find(|l| l.starts_with("gone.yaml")).unwrap();
    assert!(
        gone.starts_with("gone.yaml:1:1: error[unreadable-file]") && gone.contains("No such file"),
        "{gone}"
    );
    assert!(text.contains("gw/litellm.yaml:"), "{text}");
}

/// Root reads any file, so the unreadable one is checked by hedge running as `nobody` (via
/// setpriv) when the test runs as root, and directly otherwise.
#[cfg(unix)]
#[test]
fn an_unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let d = TempDir::new().unwrap();
    let p = d.path();
    write(p, GOOD.0, GOOD.1);
    write(p, "secret.yaml", "a: 1\n");
    for dir in [p.to_path_buf(), p.join("gw")] {
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    }
    fs::set_permissions(p.join(GOOD.0), fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(p.join("secret.yaml"), fs::Permissions::from_mode(0o000)).unwrap();
    let as_root = fs::read(p.join("secret.yaml")).is_ok();
    let mut cmd = if as_root {
        if Command::new("setpriv").arg("--version").output().is_err() {
            eprintln!("SKIPPED: running as root and setpriv is not installed");
            return;
        }
        // the binary's directories must be reachable by nobody
        let exe = Path::new(env!("CARGO_BIN_EXE_hedge"));
        let copy = p.join("hedge-bin");
        fs::copy(exe, &copy).unwrap();
        fs::set_permissions(&copy, fs::Permissions::from_mode(0o755)).unwrap();
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&copy);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_hedge"))
    };
    let out = cmd
        .current_dir(p)
        .env("HOME", p)
        .args([
            "check",
            "--format",
            "short",
            "--isolated",
            ".",
            "--exclude",
            "hedge-bin",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}{err}");
    let line = text
        .lines()
        .find(|l| l.starts_with("secret.yaml"))
        .unwrap_or_else(|| panic!("{text}{err}"));
    assert!(
        line.starts_with("secret.yaml:1:1: error[unreadable-file]")
            && line.contains("ermission denied"),
        "{line}"
    );
    assert!(text.contains("gw/litellm.yaml:"), "{text}");
}

#[test]
fn a_hundred_thousand_small_files() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    write(p, GOOD.0, GOOD.1);
    for i in 0..100_000u32 {
        let dir = p.join(format!("svc{:03}", i / 1000));
        if i % 1000 == 0 {
            fs::create_dir_all(&dir).unwrap();
        }
        fs::write(dir.join(format!("f{i}.env")), format!("PORT={i}\n")).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .current_dir(p)
        .args([
            "check",
            "--format",
            "json",
            "--isolated",
            "--fail-on",
            "never",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["files_checked"], 100_001, "{}", v["summary"]);
    let rules: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"litellm-no-fallbacks"), "{rules:?}");
}

/// Found by the parse_hcl fuzz target: unclosed brackets between operators made the HCL
/// parser's time grow about 1.6x per level (27 levels: 7 s for 1.6 KB). Past 16 levels hedge
/// reports the file instead of parsing it.
#[test]
fn hcl_bracket_nesting_is_bounded() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    write(p, GOOD.0, GOOD.1);
    let slow = fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/regressions/parse_hcl/timeout-f6fdc079d9033c0c5e2013760997c53079e02c8d"),
    )
    .unwrap();
    write(p, "slow.tf", slow);
    write(
        p,
        "deep17.tf",
        format!("a = {}1{}\n", "[".repeat(17), "]".repeat(17)),
    );
    write(
        p,
        "deep16.tf",
        format!("a = {}1{}\n", "[".repeat(16), "]".repeat(16)),
    );
    let (_, lines, _) = run(p, &["."]);
    assert!(good_finding_present(&lines), "{lines:?}");
    assert!(
        lines.contains(&"deep17.tf:1:21: error[parse-error]: invalid hcl: brackets nest more than 16 levels deep in an expression (hedge's limit for HCL, which bounds parsing time)".to_string()),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.starts_with("deep16.tf")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("slow.tf:39:28: error[parse-error]")),
        "{lines:?}"
    );
}
