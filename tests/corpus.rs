//! hedge over every file of the shared corpus of real public configs (`../shared/corpus`).
//! Skips, saying so, when the corpus is not beside the repository.

use std::path::PathBuf;

use assert_cmd::Command;

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared/corpus is not present; corpus test not run");
        None
    }
}

#[test]
fn every_corpus_file_is_parsed_or_reported_with_a_real_defect() {
    let Some(dir) = corpus() else { return };
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .args(["check", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "hedge crashed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // 158 files hedge reads; SOURCES.tsv and one Bicep file are not of its formats
    assert_eq!(v["summary"]["files_checked"], 158);
    assert_eq!(v["summary"]["files_skipped"], 2);
    let found: Vec<(String, u64, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "parse-error" || d["rule"] == "invalid-encoding")
        .map(|d| {
            let path = d["path"].as_str().unwrap();
            let name = path.rsplit('/').next().unwrap().to_string();
            (
                name,
                d["start"]["line"].as_u64().unwrap(),
                d["start"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    // The one broken file: `-   name: http` puts the item's keys at column 11, and the
    // next key `protocol:` at column 9 fits no mapping (PyYAML rejects it too).
    assert_eq!(
        found,
        [(
            "GoogleCloudPlatform__kubernetes-engine-samples__ai-ml__gke-model-armor__configuring-the-gateway__llm-gateway.yaml".to_string(),
            25,
            9
        )]
    );
}

/// How many findings each built-in rule makes on the corpus. Each was checked by eye against the
/// file (see the README's "Rules on real files"); a change here needs the same look.
#[test]
fn built_in_rules_on_the_corpus() {
    let Some(dir) = corpus() else { return };
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .args(["check", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut counts = std::collections::BTreeMap::new();
    for d in v["diagnostics"].as_array().unwrap() {
        *counts
            .entry(d["rule"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    let counts: Vec<(&str, i32)> = counts.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        counts,
        [
            ("cloudformation-single-cloud", 11),
            ("fallback-not-independent", 30),
            ("gha-cloud-action", 24),
            ("k8s-cloud-ingress-class", 6),
            ("k8s-cloud-load-balancer", 16),
            ("k8s-cloud-node-selector", 2),
            ("k8s-cloud-registry-image", 5),
            ("k8s-cloud-storage-provisioner", 2),
            ("k8s-cloud-workload-identity", 3),
            ("k8s-single-replica", 18),
            ("kong-ai-proxy-advanced-single-provider", 11),
            ("kong-ai-proxy-single-target", 1),
            ("litellm-no-fallbacks", 15),
            ("litellm-single-operator", 9),
            ("parse-error", 1),
            ("portkey-single-target", 1),
            ("route-without-fallback", 194),
            ("serverless-single-cloud", 7),
            ("single-llm-vendor-credentials", 1),
        ]
    );
}

/// Every output format is byte-identical for one thread and eight, and across runs, on real
/// configs (issue 7's determinism requirement on the corpus).
#[test]
fn corpus_output_is_identical_for_any_thread_count() {
    let Some(dir) = corpus() else { return };
    for format in [
        "short",
        "json",
        "sarif",
        "github",
        "gitlab",
        "junit",
        "checkstyle",
    ] {
        let run = |threads: &str| {
            Command::cargo_bin("hedge")
                .unwrap()
                .args([
                    "check",
                    "--format",
                    format,
                    "--today",
                    "2026-11-25",
                    "--threads",
                    threads,
                ])
                .arg(&dir)
                .output()
                .unwrap()
                .stdout
        };
        let one = run("1");
        assert!(!one.is_empty(), "{format}");
        assert!(one == run("8"), "{format}: 1 vs 8 threads differ");
        assert!(one == run("8"), "{format}: two 8-thread runs differ");
    }
}

/// The same on a generated 10,000-file tree (`../shared/bench/gen_corpus.py`, deterministic):
/// one run writes all eight formats with `-o`, for 1 thread, 8 threads, and 8 threads again.
#[test]
fn generated_10k_tree_output_is_identical_for_any_thread_count() {
    let gen = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_corpus.py");
    if !gen.is_file() {
        eprintln!("SKIPPED: ../shared/bench/gen_corpus.py is not present; 10k determinism not run");
        return;
    }
    let tmp = tempfile::TempDir::new().unwrap();
    let tree = tmp.path().join("n10000");
    let ok = std::process::Command::new("python3")
        .arg(&gen)
        .args(["--files", "10000", "--out"])
        .arg(&tree)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("SKIPPED: python3 could not run gen_corpus.py");
        return;
    }
    let formats = [
        "human",
        "short",
        "json",
        "sarif",
        "github",
        "gitlab",
        "junit",
        "checkstyle",
    ];
    let run = |threads: &str, tag: &str| -> Vec<Vec<u8>> {
        let out = tmp.path().join(tag);
        std::fs::create_dir_all(&out).unwrap();
        let mut cmd = Command::cargo_bin("hedge").unwrap();
        cmd.args([
            "check",
            "--isolated",
            "--today",
            "2026-11-25",
            "--color",
            "never",
        ])
        .args([
            "--fail-on",
            "never",
            "--format",
            "short",
            "--threads",
            threads,
        ]);
        for f in formats {
            cmd.arg("-o").arg(format!("{f}={}", out.join(f).display()));
        }
        let status = cmd.arg(&tree).output().unwrap().status;
        assert_eq!(status.code(), Some(0));
        formats
            .iter()
            .map(|f| std::fs::read(out.join(f)).unwrap())
            .collect()
    };
    let one = run("1", "t1");
    assert!(one.iter().all(|o| o.len() > 1000));
    let eight = run("8", "t8");
    let again = run("8", "t8b");
    for (i, f) in formats.iter().enumerate() {
        assert!(one[i] == eight[i], "{f}: 1 vs 8 threads differ");
        assert!(eight[i] == again[i], "{f}: two 8-thread runs differ");
    }
}
