//! The CI outputs through the binary: SARIF (structure, rule metadata, stable fingerprints),
//! GitHub workflow commands, and `--output FORMAT=PATH` written whole or not at all. SARIF is
//! also validated by Microsoft's SARIF multitool in `.ci/sarif-validate`.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const CONFIG: &str = "model_list:\n  - model_name: chat\n    litellm_params: {model: openai/gpt-4o}\n  - model_name: mini\n    litellm_params: {model: openai/gpt-4o-mini}\n";

fn sarif(dir: &Path) -> Value {
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", "sarif", "--isolated", "."])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sarif_describes_rules_and_locates_results() {
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("config.yaml"), CONFIG).unwrap();
    let s = sarif(d.path());
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "hedge");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = rules
        .iter()
        .find(|r| r["id"] == "litellm-single-operator")
        .unwrap();
    assert!(rule["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("How to fix it"));
    assert_eq!(rule["defaultConfiguration"]["level"], "warning");
    let results = run["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "route-without-fallback")
        .unwrap();
    assert_eq!(
        rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "route-without-fallback"
    );
    let region = &r["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(2), Some(17))
    );
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "config.yaml"
    );
}

#[test]
fn sarif_fingerprints_survive_unrelated_edits_and_change_with_the_value() {
    let d = TempDir::new().unwrap();
    let fingerprints = |text: &str| -> Vec<(String, u64)> {
        fs::write(d.path().join("config.yaml"), text).unwrap();
        let s = sarif(d.path());
        let mut v: Vec<(String, u64)> = s["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["hedgeFindingHash/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap_or(0),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = fingerprints(CONFIG);
    let shifted = fingerprints(&format!("# a comment added on top\n\n{CONFIG}"));
    assert!(!before.is_empty());
    assert_eq!(
        before.iter().map(|f| &f.0).collect::<Vec<_>>(),
        shifted.iter().map(|f| &f.0).collect::<Vec<_>>(),
        "same findings, same fingerprints"
    );
    assert_ne!(
        before.iter().map(|f| f.1).collect::<Vec<_>>(),
        shifted.iter().map(|f| f.1).collect::<Vec<_>>()
    );
    let changed = fingerprints(&CONFIG.replace("model_name: chat", "model_name: chat-v2"));
    assert_ne!(before, changed, "a changed value is a new finding");
}

#[test]
fn github_annotations_escape_what_they_must() {
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("a,b.yaml"), CONFIG).unwrap();
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .args([
            "check",
            "--format",
            "github",
            "--isolated",
            "--select",
            "route-without-fallback",
            ".",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().any(|l| l
            == "::warning file=a%2Cb.yaml,line=2,col=17,endLine=2,endColumn=21,title=hedge route-without-fallback::route `chat` has no outage fallback: every request depends on openai"),
        "{text}"
    );
}

#[test]
fn output_files_are_written_whole_or_not_at_all() {
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("config.yaml"), CONFIG).unwrap();
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .args([
            "check",
            "--isolated",
            "--format",
            "short",
            "--output",
            "sarif=reports/hedge.sarif",
            ".",
        ])
        .output()
        .unwrap();
    // the directory does not exist: an error, and nothing half-written anywhere
    assert_eq!(out.status.code(), Some(2));
    assert!(!d.path().join("reports").exists());
    fs::create_dir(d.path().join("reports")).unwrap();
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .args([
            "check",
            "--isolated",
            "--format",
            "short",
            "--output",
            "sarif=reports/hedge.sarif",
            "--output",
            "json=reports/hedge.json",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let names: Vec<String> = fs::read_dir(d.path().join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files left: {names:?}");
    let s: Value =
        serde_json::from_slice(&fs::read(d.path().join("reports/hedge.sarif")).unwrap()).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let j: Value =
        serde_json::from_slice(&fs::read(d.path().join("reports/hedge.json")).unwrap()).unwrap();
    assert_eq!(j["version"], 1);
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("route-without-fallback"),
        "stdout keeps its format"
    );
}
