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
                    r["partialFingerprints"]["hedgeFindingHash/v2"]
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

fn run(dir: &Path, format: &str, extra: &[&str]) -> String {
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", format, "--isolated"])
        .args(extra)
        .arg(".")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn demo(format: &str) -> String {
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .args([
            "check",
            "--format",
            format,
            "--today",
            "2026-11-25",
            "fixtures/demo",
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn schema(name: &str) -> jsonschema::Validator {
    let text = fs::read_to_string(Path::new("schemas").join(name)).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn json_and_gitlab_reports_match_their_schemas() {
    let report = schema("report.schema.json");
    let gitlab = schema("gitlab-codequality.schema.json");
    let json: Value = serde_json::from_str(&demo("json")).unwrap();
    assert!(json["diagnostics"].as_array().unwrap().len() > 10);
    assert_valid(&report, &json);
    let gl: Value = serde_json::from_str(&demo("gitlab")).unwrap();
    let issues = gl.as_array().unwrap();
    assert_eq!(issues.len(), json["diagnostics"].as_array().unwrap().len());
    assert_valid(&gitlab, &gl);
    // GitLab collapses findings with one fingerprint into one: they must all differ
    let mut fps: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), issues.len());
    // and the schemas are not vacuous: a broken document fails them
    assert!(
        !gitlab.is_valid(&serde_json::json!([{"description": "x", "check_name": "r",
        "fingerprint": "f", "severity": "fatal", "location": {"path": "a"}}]))
    );
    assert!(!report.is_valid(&serde_json::json!({"version": 1})));
}

#[test]
fn gitlab_issue_points_at_the_finding() {
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("config.yaml"), CONFIG).unwrap();
    let gl: Value = serde_json::from_str(&run(d.path(), "gitlab", &[])).unwrap();
    let issue = gl
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["check_name"] == "route-without-fallback")
        .unwrap();
    assert_eq!(issue["location"]["path"], "config.yaml");
    assert_eq!(issue["location"]["positions"]["begin"]["line"], 2);
    assert_eq!(issue["location"]["positions"]["begin"]["column"], 17);
    assert_eq!(issue["severity"], "minor");
}

#[test]
fn junit_is_well_formed_xml_with_one_failure_per_finding() {
    let xml = demo("junit");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let json: Value = serde_json::from_str(&demo("json")).unwrap();
    let n = json["diagnostics"].as_array().unwrap().len();
    let failures: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), n);
    assert_eq!(root.attribute("failures"), Some(n.to_string().as_str()));
    for suite in root.children().filter(|n| n.has_tag_name("testsuite")) {
        let cases = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .count();
        assert_eq!(suite.attribute("tests"), Some(cases.to_string().as_str()));
    }
    // a clean run still has a (passing) test case
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("ok.yaml"), "a: 1\n").unwrap();
    let clean = run(d.path(), "junit", &[]);
    let doc = roxmltree::Document::parse(&clean).unwrap();
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        1
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        0
    );
}

#[test]
fn checkstyle_is_well_formed_and_escapes_markup() {
    let d = TempDir::new().unwrap();
    // a message carrying XML metacharacters: the parse error quotes the offending text
    fs::write(d.path().join("bad <&\"'>.json"), "{\"a\": <&>}").unwrap();
    fs::write(d.path().join("config.yaml"), CONFIG).unwrap();
    let xml = run(d.path(), "checkstyle", &[]);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let files: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("file"))
        .collect();
    assert_eq!(files[0].attribute("name"), Some("bad <&\"'>.json"));
    let err = files[0]
        .children()
        .find(|n| n.has_tag_name("error"))
        .unwrap();
    assert_eq!(err.attribute("source"), Some("hedge.parse-error"));
    assert_eq!(err.attribute("severity"), Some("error"));
    assert_eq!(err.attribute("line"), Some("1"));
    let route = doc
        .descendants()
        .find(|n| n.attribute("source") == Some("hedge.route-without-fallback"))
        .unwrap();
    assert_eq!(
        (route.attribute("line"), route.attribute("column")),
        (Some("2"), Some("17"))
    );
}

#[test]
fn sarif_keeps_suppressed_findings_with_their_justification() {
    let d = TempDir::new().unwrap();
    let text = CONFIG.replace(
        "model_name: chat\n",
        "model_name: chat  # hedge: ignore[route-without-fallback] reason=\"batch only\"\n",
    );
    fs::write(d.path().join("config.yaml"), text).unwrap();
    let s = sarif(d.path());
    let results = s["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "route-without-fallback");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "batch only"
    );
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        suppressed[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    // the other formats leave it out
    let json = run(d.path(), "json", &[]);
    assert!(!json.contains("route `chat`"), "{json}");
}

/// `--format json` renders the findings in parallel batches (`src/report/json.rs`, whose unit
/// test compares the bytes with one serialisation of the whole document): across a batch
/// boundary (4,096 findings a batch; this run has 4,500) the output is one valid document,
/// the same for any thread count.
#[test]
fn json_report_is_one_pretty_document_whatever_the_batching() {
    let d = TempDir::new().unwrap();
    let mut yaml = String::new();
    for i in 0..4_500 {
        yaml.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"svc-{i} \\\"q\\\" é\"\nspec:\n  replicas: 1\n"
        ));
    }
    fs::write(d.path().join("many.yaml"), yaml).unwrap();
    let run_with = |threads: &str| {
        Command::cargo_bin("hedge")
            .unwrap()
            .current_dir(d.path())
            .args([
                "check",
                "--isolated",
                "--format",
                "json",
                "--threads",
                threads,
                ".",
            ])
            .output()
            .unwrap()
            .stdout
    };
    let one = run_with("1");
    assert_eq!(one, run_with("4"));
    let doc: Value = serde_json::from_slice(&one).unwrap();
    let n = doc["diagnostics"].as_array().unwrap().len();
    assert!(n >= 4_500, "{n} findings");
    assert_eq!(doc["summary"]["warnings"].as_u64(), Some(n as u64));
}
