//! Inline suppressions through the binary: what they silence (exactly their line, or their
//! file), and what is reported about them: invalid, expired, unused.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

fn check(dir: &Path, extra: &[&str]) -> Vec<String> {
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", "short", "--today", "2026-11-25"])
        .args(extra)
        .arg(".")
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split(": ").take(2).collect::<Vec<_>>().join(": "))
        .collect()
}

const ROUTES: &str = "model_list:
  - model_name: chat   # hedge: ignore[route-without-fallback] reason=\"batch only\"
    litellm_params: {model: openai/gpt-4o}
  # hedge: ignore[route-without-fallback] reason=\"internal tool\" until=2027-01-01
  - model_name: mini
    litellm_params: {model: openai/gpt-4o-mini}
  - model_name: other
    litellm_params: {model: openai/gpt-4o-mini}
";

#[test]
fn trailing_and_preceding_comments_silence_exactly_their_line() {
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("config.yaml"), ROUTES).unwrap();
    let got = check(
        d.path(),
        &["--isolated", "--select", "route-without-fallback"],
    );
    assert_eq!(got, ["config.yaml:7:17: warning[route-without-fallback]"]);
}

#[test]
fn expired_invalid_and_unused_suppressions_are_reported() {
    let d = TempDir::new().unwrap();
    let text = ROUTES.replace("until=2027-01-01", "until=2026-11-24")
        + "# hedge: ignore[route-without-fallback]\n# hedge: ignore[no-such-rule] reason=\"x\"\n# hedge: ignore[route-without-fallback] reason=\"stale\"\n# hedge: ignore[a] until=tomorrow reason=\"x\"\n";
    fs::write(d.path().join("config.yaml"), text).unwrap();
    let got = check(
        d.path(),
        &["--isolated", "--select", "route-without-fallback"],
    );
    assert_eq!(
        got,
        [
            "config.yaml:4:3: warning[expired-suppression]",
            "config.yaml:5:17: warning[route-without-fallback]",
            "config.yaml:7:17: warning[route-without-fallback]",
            "config.yaml:9:1: error[invalid-suppression]",
            "config.yaml:10:1: error[invalid-suppression]",
            "config.yaml:11:1: warning[unused-suppression]",
            "config.yaml:12:1: error[invalid-suppression]",
        ]
    );
    // a rule that did not run is not called unused
    let got = check(
        d.path(),
        &["--isolated", "--select", "litellm-single-operator"],
    );
    assert!(
        !got.iter().any(|l| l.contains("unused-suppression")),
        "{got:?}"
    );
}

#[test]
fn policy_can_allow_suppressions_without_reason() {
    let d = TempDir::new().unwrap();
    fs::write(
        d.path().join("config.yaml"),
        ROUTES.replace(" reason=\"batch only\"", ""),
    )
    .unwrap();
    let strict = check(d.path(), &["--select", "route-without-fallback"]);
    assert!(strict.contains(&"config.yaml:2:24: error[invalid-suppression]".to_string()));
    fs::write(
        d.path().join("hedge.toml"),
        "[suppressions]\nrequire_reason = false\n",
    )
    .unwrap();
    let relaxed = check(d.path(), &["--select", "route-without-fallback"]);
    assert_eq!(
        relaxed,
        ["config.yaml:7:17: warning[route-without-fallback]"]
    );
}

#[test]
fn file_wide_suppressions_and_other_comment_syntaxes() {
    let d = TempDir::new().unwrap();
    fs::write(
        d.path().join("main.tf"),
        "// hedge: ignore-file[tf-db-single-az] reason=\"dev account\"\nresource \"aws_db_instance\" \"a\" {\n  engine = \"mysql\"\n}\n",
    )
    .unwrap();
    fs::write(d.path().join("other.tf"), "/* hedge: ignore[tf-db-single-az] reason=\"wrong line\" */\n\nresource \"aws_db_instance\" \"b\" {\n  engine = \"mysql\"\n}\nresource \"aws_db_instance\" \"c\" {\n  engine = \"mysql\"\n}\n").unwrap();
    let got = check(d.path(), &["--isolated", "--select", "tf-db-single-az"]);
    assert!(got.iter().all(|l| !l.starts_with("main.tf")), "{got:?}");
    // the block comment governs the next code line (3); the resource on line 6 still fires
    assert_eq!(got, ["other.tf:6:28: warning[tf-db-single-az]"]);
}

#[test]
fn suppressions_never_change_the_checked_file() {
    let d = TempDir::new().unwrap();
    let p = d.path().join("config.yaml");
    fs::write(&p, ROUTES).unwrap();
    check(d.path(), &["--isolated"]);
    assert_eq!(fs::read_to_string(p).unwrap(), ROUTES);
}

#[test]
fn the_inventory_lists_every_suppression_with_its_status() {
    let d = TempDir::new().unwrap();
    let text = ROUTES.replace("until=2027-01-01", "until=2026-11-24")
        + "  # hedge: ignore-file[k8s-single-replica]\n";
    fs::write(d.path().join("config.yaml"), text).unwrap();
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .args([
            "suppressions",
            "--format",
            "json",
            "--today",
            "2026-11-25",
            ".",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        (
            rows[0]["line"].as_u64(),
            rows[0]["applies_to_line"].as_u64()
        ),
        (Some(2), Some(2))
    );
    assert_eq!(rows[0]["reason"], "batch only");
    assert_eq!(rows[0]["status"], "active");
    assert_eq!(
        (
            rows[1]["applies_to_line"].as_u64(),
            rows[1]["status"].as_str()
        ),
        (Some(5), Some("expired"))
    );
    assert_eq!(rows[2]["scope"], "file");
    assert!(rows[2]["reason"].is_null());
}

const PORTKEY: &str = r#"{
  "strategy": { "mode": "fallback" },
  "targets": [
    { "provider": "openai", "api_key": "x", "override_params": { "model": "gpt-4o" } },
    { "provider": "azure-openai", "api_key": "y", "override_params": { "model": "gpt-4o" } }
  ]
}
"#;

/// JSON has no comments: an override with a JSON pointer waives one finding inside one node.
#[test]
fn overrides_with_a_pointer_waive_findings_in_json() {
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("support.json"), PORTKEY).unwrap();
    let policy = "[policy]\nfallback_independence = \"independent\"\n";
    fs::write(d.path().join("hedge.toml"), policy).unwrap();
    let sel = ["--select", "fallback-not-independent"];
    let before = check(d.path(), &sel);
    assert_eq!(
        before,
        ["support.json:5:19: warning[fallback-not-independent]"]
    );

    let waive = |pointer: &str, until: &str| {
        format!(
            "{policy}\n[[overrides]]\npaths = [\"*.json\"]\npointer = \"{pointer}\"\nignore = [\"fallback-not-independent\"]\nreason = \"Azure is contracted separately\"\nuntil = \"{until}\"\n"
        )
    };
    fs::write(
        d.path().join("hedge.toml"),
        waive("/targets/1", "2027-01-01"),
    )
    .unwrap();
    assert!(
        check(d.path(), &sel).is_empty(),
        "{:?}",
        check(d.path(), &sel)
    );

    // a pointer to another node waives nothing, and the override is reported as unused
    fs::write(
        d.path().join("hedge.toml"),
        waive("/targets/0", "2027-01-01"),
    )
    .unwrap();
    assert_eq!(
        check(d.path(), &sel),
        [
            "hedge.toml:5:1: info[unused-config]",
            "support.json:5:19: warning[fallback-not-independent]",
        ]
    );

    // expired: the finding is back, with a warning at the override
    fs::write(
        d.path().join("hedge.toml"),
        waive("/targets/1", "2026-11-01"),
    )
    .unwrap();
    assert_eq!(
        check(d.path(), &sel),
        [
            "hedge.toml:5:1: warning[expired-suppression]",
            "support.json:5:19: warning[fallback-not-independent]",
        ]
    );
}
