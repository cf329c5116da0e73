//! The `hedge` binary as users run it: flags, exit codes, output formats, discovery, and
//! every kind of bad input, each with its exact diagnostic position.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn hedge() -> Command {
    let mut c = Command::cargo_bin("hedge").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR");
    c
}

/// `hedge check --format short` in `dir`, returning (exit code, stdout lines).
fn short(dir: &Path, args: &[&str]) -> (i32, Vec<String>) {
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", "short"])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    (
        out.status.code().unwrap_or(-1),
        text.lines().map(str::to_string).collect(),
    )
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(p, bytes).unwrap();
}

#[test]
fn version_and_help() {
    hedge()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("hedge "));
    let help = hedge().args(["check", "--help"]).assert().success();
    let out = String::from_utf8(help.get_output().stdout.clone()).unwrap();
    for flag in [
        "--format",
        "--color",
        "--fail-on",
        "--threads",
        "--no-ignore",
        "--exclude",
        "--max-file-size",
        "--verbose",
        "Exit codes",
    ] {
        assert!(out.contains(flag), "check --help lacks {flag}");
    }
}

#[test]
fn usage_errors_exit_2() {
    hedge()
        .args(["check", "no/such/path"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("path not found"));
    hedge().args(["check", "--bogus"]).assert().code(2);
    hedge()
        .args(["check", "--max-file-size", "12 parsecs", "."])
        .assert()
        .code(2);
    hedge()
        .args(["check", "--exclude", "a[", "fixtures/parse"])
        .assert()
        .code(2);
}

#[test]
fn parse_errors_in_every_format_at_exact_positions() {
    let (code, lines) = short(Path::new(env!("CARGO_MANIFEST_DIR")), &["fixtures/parse"]);
    assert_eq!(code, 1);
    let lines: Vec<_> = lines
        .into_iter()
        .filter(|l| l.contains("[parse-error]"))
        .collect();
    assert_eq!(
        lines,
        [
            "fixtures/parse/dotenv/broken.env:2:6: error[parse-error]: invalid dotenv: expected `KEY=value`",
            "fixtures/parse/hcl/broken.tf:4:21: error[parse-error]: invalid hcl: invalid block body; expected `}`, newline or identifier",
            "fixtures/parse/json/missing-comma.json:2:23: error[parse-error]: invalid json: Expected comma",
            "fixtures/parse/toml/two-errors.toml:3:1: error[parse-error]: invalid toml: duplicate key",
            "fixtures/parse/toml/two-errors.toml:4:4: error[parse-error]: invalid toml: string values must be quoted, expected literal string",
            "fixtures/parse/yaml/broken-middle.yaml:7:11: error[parse-error]: invalid yaml: illegal placement of ':' indicator",
            "fixtures/parse/yaml/tabs.yaml:2:1: error[parse-error]: invalid yaml: tabs disallowed within this context (block indentation)",
        ]
    );
}

#[test]
fn fail_on_thresholds() {
    let d = TempDir::new().unwrap();
    write(d.path(), "big.yaml", "a: 1\n".repeat(10));
    // too large is a warning: exit 0 by default, 1 with --fail-on warning
    let (code, lines) = short(d.path(), &["--max-file-size", "10"]);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("big.yaml:1:1: warning[file-too-large]"),
        "{lines:?}"
    );
    let (code, _) = short(d.path(), &["--max-file-size", "10", "--fail-on", "warning"]);
    assert_eq!(code, 1);
    write(d.path(), "bad.json", "{");
    let (code, _) = short(d.path(), &["--fail-on", "never"]);
    assert_eq!(code, 0);
}

#[test]
fn bad_inputs_get_diagnostics_and_the_rest_is_still_checked() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    write(p, "binary.yaml", b"a: 1\nb: \x00\x01\x02\xff");
    write(p, "latin1.yaml", b"a: 1\nname: caf\xe9\n");
    write(p, "empty.yaml", "");
    write(p, "empty.json", "");
    let mut u16 = vec![0xFF, 0xFE];
    for unit in "model: gpt-4o\nbad: [\n".encode_utf16() {
        u16.extend(unit.to_le_bytes());
    }
    write(p, "utf16.yaml", u16);
    // alias bomb: nine levels of nine aliases; never expanded, so nothing to report
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for (prev, cur) in ('a'..='i').zip('b'..='j') {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        bomb.push_str(&format!("{cur}: &{cur} [{refs}]\n"));
    }
    write(p, "bomb.yaml", bomb);
    // 100,000-deep nesting in every format
    write(p, "deep.yaml", "- ".repeat(100_000) + "x\n");
    write(
        p,
        "deep-flow.yaml",
        "[".repeat(100_000) + &"]".repeat(100_000),
    );
    write(p, "deep.json", "[".repeat(100_000) + &"]".repeat(100_000));
    write(
        p,
        "deep.toml",
        "a = ".to_string() + &"[".repeat(100_000) + &"]".repeat(100_000),
    );
    write(
        p,
        "deep.tf",
        "a = ".to_string() + &"{b = ".repeat(100_000) + "1" + &"}".repeat(100_000),
    );
    write(p, "good.yaml", "model: gpt-4o\n");
    let (code, lines) = short(p, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        lines,
        [
            "binary.yaml:2:4: error[invalid-encoding]: cannot read as text: a NUL byte (this looks like a binary file, not configuration) at byte 8; file not checked",
            "deep-flow.yaml:1:256: error[parse-error]: invalid yaml: recursion limit exceeded",
            "deep.json:1:513: error[parse-error]: invalid json: Maximum nesting depth exceeded",
            "deep.tf:1:326: error[parse-error]: invalid hcl: invalid nesting depth; expected at most 64 nested levels",
            "deep.toml:1:85: error[parse-error]: invalid toml: cannot recurse further; max recursion depth met",
            "deep.yaml:1:511: error[parse-error]: invalid yaml: recursion limit exceeded",
            "latin1.yaml:2:10: error[invalid-encoding]: cannot read as text: bytes that are not UTF-8 at byte 14; file not checked",
            "utf16.yaml:2:6: error[parse-error]: invalid yaml: unclosed bracket '['",
        ]
    );
    // every file, good and bad, was looked at
    let out = hedge()
        .args(["check", "-v", "--format", "short"])
        .arg(p)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("good.yaml: yaml, 1 document(s)"), "{err}");
    assert!(err.contains("bomb.yaml: yaml, 1 document(s)"), "{err}");
    assert!(err.contains("empty.json: json, 0 document(s)"), "{err}");
}

#[cfg(unix)]
#[test]
fn special_files_and_links() {
    use std::os::unix::fs::symlink;
    let d = TempDir::new().unwrap();
    let p = d.path();
    write(p, "tree/ok.yaml", "a: 1\n");
    // a symlink loop and a link out of the tree are not followed
    symlink(p.join("tree"), p.join("tree/loop")).unwrap();
    write(p, "outside/secret.yaml", "a: [\n");
    symlink(p.join("outside"), p.join("tree/out")).unwrap();
    symlink(p.join("outside/secret.yaml"), p.join("tree/secret.yaml")).unwrap();
    // a FIFO in a walked tree is skipped; named explicitly it is reported, never opened
    let fifo = p.join("tree/pipe.yaml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let (code, lines) = short(p, &["tree"]);
    assert_eq!((code, lines.len()), (0, 0), "{lines:?}");
    let (code, lines) = short(p, &["tree/pipe.yaml"]);
    assert_eq!(code, 0);
    assert_eq!(
        lines,
        ["tree/pipe.yaml:1:1: warning[unreadable-file]: not a regular file (a FIFO, socket or device); skipped"]
    );
    // a dangling link named explicitly
    symlink(p.join("nowhere.yaml"), p.join("dangling.yaml")).unwrap();
    let (code, lines) = short(p, &["dangling.yaml"]);
    assert_eq!(code, 1);
    assert!(
        lines[0].starts_with("dangling.yaml:1:1: error[unreadable-file]: cannot read file"),
        "{lines:?}"
    );
}

#[test]
fn discovery_hidden_files_gitignore_and_excludes() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    // not a git repository: .gitignore must still apply
    write(p, ".gitignore", "node_modules/\n");
    write(p, "node_modules/pkg/bad.json", "{");
    write(p, ".env", "BROKEN LINE\n");
    write(p, ".github/workflows/ci.yml", "on: [push\n");
    write(p, ".git/config.yaml", "a: [\n");
    write(p, "vendor/bad.yaml", "a: [\n");
    write(p, "README.md", "# not config\n");
    let (code, lines) = short(p, &["--exclude", "vendor/"]);
    assert_eq!(code, 1);
    assert_eq!(
        lines,
        [
            ".env:1:8: error[parse-error]: invalid dotenv: expected `KEY=value`",
            ".github/workflows/ci.yml:1:5: error[parse-error]: invalid yaml: unclosed bracket '['",
        ]
    );
    let (_, lines) = short(p, &["--no-ignore", "--exclude", "vendor/"]);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("node_modules/pkg/bad.json")),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.starts_with(".git/")), "{lines:?}");
    // a file named on the command line is checked even when excluded and ignored
    let (_, lines) = short(
        p,
        &[
            "--exclude",
            "vendor/",
            "vendor/bad.yaml",
            "node_modules/pkg/bad.json",
        ],
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
}

#[test]
fn templated_yaml_is_reported_as_info_not_error() {
    let d = TempDir::new().unwrap();
    write(
        d.path(),
        "chart/templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n  {{- if .Values.x }}\n  y: 1\n  {{- end }}\n",
    );
    let (code, lines) = short(d.path(), &[]);
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("info[templated-file]"), "{lines:?}");
}

#[test]
fn json_output_shape() {
    let out = hedge()
        .args([
            "check",
            "--format",
            "json",
            "fixtures/parse/json/missing-comma.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "hedge");
    assert_eq!(v["summary"]["files_checked"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "parse-error");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["path"], "fixtures/parse/json/missing-comma.json");
    assert_eq!(d["start"]["line"], 2);
    assert_eq!(d["start"]["column"], 23);
    assert_eq!(d["start"]["offset"], 24);
    assert_eq!(d["end"]["offset"], 25);
}

#[test]
fn human_output_shows_the_snippet_and_honours_color_flags() {
    let run = |args: &[&str], no_color: bool| {
        let mut c = hedge();
        c.args(["check"])
            .args(args)
            .arg("fixtures/parse/json/missing-comma.json");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    let plain = run(&[], false);
    assert!(plain.contains("invalid json: Expected comma"), "{plain}");
    assert!(
        plain.contains("[fixtures/parse/json/missing-comma.json:2:23]"),
        "{plain}"
    );
    assert!(plain.contains(r#"  "provider": "openai""#), "{plain}");
    assert!(plain.contains("1 file checked, 1 error"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "piped output has no escapes");
    assert!(run(&["--color", "always"], false).contains('\u{1b}'));
    assert!(
        run(&["--color", "always"], true).contains('\u{1b}'),
        "--color always beats NO_COLOR"
    );
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let run = |threads: &str, format: &str| {
        hedge()
            .args([
                "check",
                "--format",
                format,
                "--threads",
                threads,
                "fixtures",
                "tests",
            ])
            .output()
            .unwrap()
            .stdout
    };
    for format in [
        "short",
        "json",
        "human",
        "sarif",
        "github",
        "gitlab",
        "junit",
        "checkstyle",
    ] {
        let one = run("1", format);
        assert!(!one.is_empty());
        for threads in ["2", "8"] {
            assert_eq!(one, run(threads, format), "{format} with {threads} threads");
        }
    }
}

#[test]
fn never_writes_to_checked_files() {
    let d = TempDir::new().unwrap();
    write(d.path(), "a.yaml", "a: [\n");
    write(d.path(), "b.tf", "x = 1\n");
    let before: Vec<_> = ["a.yaml", "b.tf"]
        .iter()
        .map(|f| {
            let m = fs::metadata(d.path().join(f)).unwrap();
            (fs::read(d.path().join(f)).unwrap(), m.modified().unwrap())
        })
        .collect();
    short(d.path(), &[]);
    let after: Vec<_> = ["a.yaml", "b.tf"]
        .iter()
        .map(|f| {
            let m = fs::metadata(d.path().join(f)).unwrap();
            (fs::read(d.path().join(f)).unwrap(), m.modified().unwrap())
        })
        .collect();
    assert_eq!(before, after);
    let names: Vec<_> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no new files: {names:?}");
}

/// Pre-commit and editors pass file names: hedge reads the project around them (so graph and
/// contract rules see every route and contract) and reports only what is in those files.
#[test]
fn named_files_are_checked_in_their_project_context() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    fs::create_dir(p.join(".git")).unwrap();
    let config = "model_list:\n  - model_name: chat\n    litellm_params: {model: openai/gpt-4o}\n";
    write(p, "gateway/config.yaml", config);
    write(p, "gateway/other.yaml", config.replace("chat", "other"));
    let routes = |args: &[&str]| {
        let (_, lines) = short(
            p,
            &[
                &[
                    "--select",
                    "single-parent-dependency,route-without-fallback",
                ],
                args,
            ]
            .concat(),
        );
        lines
    };
    // the graph rule counts both files' routes, but only the named file is reported
    assert_eq!(
        routes(&["gateway/config.yaml"]),
        [
            "gateway/config.yaml:2:17: warning[route-without-fallback]: route `chat` has no outage fallback: every request depends on openai",
            "gateway/config.yaml:2:17: warning[single-parent-dependency]: all 2 AI routes of the project depend on one parent company: openai",
        ]
    );
    // from a subdirectory, paths read relative to where hedge runs
    let (_, lines) = short(
        &p.join("gateway"),
        &["--select", "route-without-fallback", "other.yaml"],
    );
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("../gateway/other.yaml:2:17:"),
        "{lines:?}"
    );
    // --isolated checks exactly what is named: one route is no single-parent finding
    let lines = routes(&["--isolated", "gateway/config.yaml"]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    // one file named twice is one file
    let lines = routes(&["gateway/config.yaml", "./gateway/config.yaml"]);
    assert_eq!(lines.len(), 2, "{lines:?}");
}

/// Editors check the unsaved buffer: its text replaces the file's, the project comes from disk,
/// and the file on disk is left alone.
#[test]
fn stdin_stands_for_the_named_file() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    fs::create_dir(p.join(".git")).unwrap();
    let on_disk = "model_list:\n  - model_name: chat\n    litellm_params: {model: openai/gpt-4o}\n";
    write(p, "config.yaml", on_disk);
    write(p, "other.yaml", on_disk.replace("chat", "other"));
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(p)
        .args(["check", "--format", "short", "--select", "route-without-fallback,single-parent-dependency"])
        .args(["--stdin", "--stdin-filename", "config.yaml"])
        .write_stdin("# edited\nmodel_list:\n  - model_name: edited\n    litellm_params: {model: openai/gpt-4o}\n")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines()
            .map(|l| l.split(": ").take(2).collect::<Vec<_>>().join(": "))
            .collect::<Vec<_>>(),
        [
            "config.yaml:3:17: warning[route-without-fallback]",
            "config.yaml:3:17: warning[single-parent-dependency]",
        ],
        "{text}"
    );
    assert!(text.contains("route `edited`"), "{text}");
    assert_eq!(fs::read_to_string(p.join("config.yaml")).unwrap(), on_disk);
    // a buffer for a file that does not exist is a usage error, not a silent pass
    Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(p)
        .args(["check", "--stdin", "--stdin-filename", "nope.yaml"])
        .write_stdin("a: 1\n")
        .assert()
        .code(2);
}

/// A named file outside the project the first one belongs to is still checked.
#[test]
fn named_files_outside_the_project_are_not_dropped() {
    let a = TempDir::new().unwrap();
    let b = TempDir::new().unwrap();
    fs::create_dir(a.path().join(".git")).unwrap();
    write(a.path(), "ok.yaml", "a: 1\n");
    write(b.path(), "bad.json", "{\"a\": }");
    let out = hedge()
        .args(["check", "--format", "short"])
        .arg(a.path().join("ok.yaml"))
        .arg(b.path().join("bad.json"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("bad.json:1:7: error[parse-error]"), "{text}");
}

/// A bug on one file (simulated by a debug-build failpoint) is reported against that file and
/// the other files are still checked.
#[test]
fn a_panic_on_one_file_does_not_stop_the_run() {
    let d = TempDir::new().unwrap();
    write(d.path(), "a.yaml", "a: 1\n");
    write(d.path(), "b.json", "{\"a\": }");
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .env("HEDGE_DEBUG_PANIC_ON", "a.yaml")
        .env("RUST_BACKTRACE", "0")
        .args(["check", "--format", "short", "--isolated", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("a.yaml")
            && lines[0].contains("error[internal-error]")
            && lines[0].contains("please report"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("b.json:1:7: error[parse-error]"),
        "{text}"
    );
}

/// hedge never writes into the tree it checks: every command leaves contents and mtimes of a
/// copy of the demo exactly as they were (reports and baselines go where they are told).
#[test]
fn no_command_writes_into_the_checked_tree() {
    fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, std::time::SystemTime, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                let m = e.metadata().unwrap();
                if m.is_dir() {
                    stack.push(e.path());
                } else {
                    out.push((e.path(), m.modified().unwrap(), fs::read(e.path()).unwrap()));
                }
            }
        }
        out.sort();
        out
    }
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for e in fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &to.join(e.file_name()));
            } else {
                fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }
    let tree = TempDir::new().unwrap();
    let outside = TempDir::new().unwrap();
    copy(Path::new("fixtures/demo"), tree.path());
    let before = snapshot(tree.path());
    let o = |name: &str| outside.path().join(name).display().to_string();
    let runs: Vec<Vec<String>> = vec![
        vec!["check".into(), ".".into()],
        vec![
            "check".into(),
            "--format".into(),
            "sarif".into(),
            "-o".into(),
            format!("json={}", o("r.json")),
            ".".into(),
        ],
        vec!["check".into(), "gateway/litellm/config.yaml".into()],
        vec!["baseline".into(), "create".into(), o("b.json"), ".".into()],
        vec!["check".into(), "--baseline".into(), o("b.json"), ".".into()],
        vec!["baseline".into(), "prune".into(), o("b.json"), ".".into()],
        vec!["graph".into(), ".".into()],
        vec!["kinds".into(), ".".into()],
        vec!["suppressions".into(), ".".into()],
    ];
    for args in &runs {
        Command::cargo_bin("hedge")
            .unwrap()
            .current_dir(tree.path())
            .args(args)
            .output()
            .unwrap();
    }
    assert!(outside.path().join("r.json").exists() && outside.path().join("b.json").exists());
    assert!(
        before == snapshot(tree.path()),
        "a command changed the checked tree"
    );
}

/// More hostile inputs: a file name that is not UTF-8, and a 1 GiB sparse file (refused by
/// size before a byte is read); the good file beside them is still checked.
#[cfg(unix)]
#[test]
fn non_utf8_names_and_huge_sparse_files() {
    use std::os::unix::ffi::OsStrExt;
    let d = TempDir::new().unwrap();
    let p = d.path();
    fs::write(
        p.join(std::ffi::OsStr::from_bytes(b"bad\xff.yaml")),
        "a: [\n",
    )
    .unwrap();
    let f = fs::File::create(p.join("sparse.yaml")).unwrap();
    f.set_len(1 << 30).unwrap();
    write(p, "good.json", "{\"a\": }");
    let (code, lines) = short(p, &["--isolated", "."]);
    assert_eq!(code, 1);
    assert_eq!(
        lines,
        [
            "bad\u{fffd}.yaml:1:4: error[parse-error]: invalid yaml: unclosed bracket '['",
            "good.json:1:7: error[parse-error]: invalid json: Unexpected close brace",
            "sparse.yaml:1:1: warning[file-too-large]: file is 1073741824 bytes, over the 16777216-byte limit (--max-file-size); not checked",
        ]
    );
}

/// `--select` of document rules only skips the provider facts and graph (nothing reads them),
/// and reports exactly what a full run reports for those rules.
#[test]
fn selecting_document_rules_only_gives_the_same_findings() {
    let run = |select: Option<&str>| {
        let mut c = hedge();
        c.args([
            "check",
            "--format",
            "short",
            "--fail-on",
            "never",
            "--today",
            "2026-11-25",
        ]);
        if let Some(s) = select {
            c.args(["--select", s]);
        }
        let out = c.arg("fixtures/demo").output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let full = run(None);
    let rules = [
        "k8s-single-replica",
        "gha-cloud-action",
        "tf-db-single-az",
        "kong-ai-proxy-single-target",
    ];
    let expected: Vec<&str> = full
        .lines()
        .filter(|l| rules.iter().any(|r| l.contains(&format!("[{r}]"))))
        .collect();
    assert!(expected.len() >= 3, "{full}");
    let only = run(Some(&rules.join(",")));
    let got: Vec<&str> = only.lines().filter(|l| l.contains('[')).collect();
    assert_eq!(got, expected);
    // a graph rule in the selection brings the graph back
    let graph = run(Some("route-without-fallback"));
    assert!(graph.contains("[route-without-fallback]"), "{graph}");
}
