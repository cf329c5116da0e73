//! The rule engine through the binary: the built-in packs and their fixtures, the documented
//! examples of every rule, user rule packs (good and broken), selection, `explain` and `kinds`.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn hedge() -> Command {
    let mut c = Command::cargo_bin("hedge").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn stdout(c: &mut Command) -> (i32, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn rule_ids() -> Vec<String> {
    let (code, out) = stdout(hedge().args(["rules", "--format", "json"]));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_fixture_matches_its_annotations_exactly() {
    let (code, out) =
        stdout(hedge().args(["test-rules", "fixtures/rules", "--today", "2026-11-25"]));
    assert!(!out.contains("FAIL"), "{out}");
    assert_eq!(code, 0, "{out}");
    assert!(out.trim_end().ends_with(" passed, 0 failed"), "{out}");
}

#[test]
fn every_built_in_rule_has_firing_and_passing_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    for id in rule_ids() {
        let dir = root.join(&id);
        assert!(dir.is_dir(), "no fixtures for {id}");
        // firing: some file in the directory annotates the rule; passing: some file has no annotation
        let mut fires = false;
        let mut passes = false;
        let mut files = Vec::new();
        let mut dirs = vec![dir.clone()];
        while let Some(d) = dirs.pop() {
            for entry in fs::read_dir(&d).unwrap() {
                let p = entry.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else {
                    files.push(p);
                }
            }
        }
        for p in files {
            if p.extension().is_some_and(|e| e == "expect") {
                continue;
            }
            let sidecar = format!("{}.expect", p.display());
            let text = fs::read_to_string(&p).unwrap();
            let annotated = text.contains(&format!("expect: {id}@"))
                || text.contains(&format!(", {id}@"))
                || fs::read_to_string(&sidecar).is_ok_and(|s| s.contains(&id));
            fires |= annotated;
            passes |= !annotated;
        }
        assert!(fires && passes, "{id}: fires={fires} passes={passes}");
    }
}

/// A file name under which each kind's documented examples are recognised; graph rules (no
/// kinds) document LiteLLM configs or, when the example is JSON, OpenRouter requests.
fn example_name(kinds: &[Value], example: &str) -> &'static str {
    // a first line naming a companion file is not part of the example itself
    let example = match example.split_once('\n') {
        Some((first, rest)) if first.starts_with("# ") && first.contains(": ") => rest,
        _ => example,
    };
    let Some(kind) = kinds.first() else {
        let e = example.trim_start();
        return if e.starts_with('{') {
            "request.json"
        } else if e.starts_with("resource \"") || e.starts_with("provider \"") {
            "main.tf"
        } else if e.starts_with("vendor:") {
            "contracts/example.yaml"
        } else {
            "config.yaml"
        };
    };
    match kind.as_str().unwrap() {
        "terraform" => "main.tf",
        "dotenv" => ".env",
        "portkey-config" => "portkey.json",
        "openrouter-request" => "request.json",
        "serverless" => "serverless.yml",
        _ => "example.yaml",
    }
}

#[test]
fn documented_examples_fire_and_pass_as_documented() {
    let (_, out) = stdout(hedge().args(["rules", "--format", "json"]));
    let rules: Value = serde_json::from_str(&out).unwrap();
    let mut failures = Vec::new();
    for r in rules.as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        let (_, doc) = stdout(hedge().args(["explain", id]));
        let section = |title: &str, next: &str| -> String {
            let start = doc.find(&format!("\n{title}\n")).unwrap() + title.len() + 2;
            let end = doc[start..]
                .find(&format!("\n\n{next}"))
                .map_or(doc.len(), |e| start + e);
            doc[start..end]
                .lines()
                .map(|l| l.strip_prefix("    ").unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        };
        let fires = section("Fires on", "Does not fire on");
        let passes = section("Does not fire on", "References");
        for (example, should_fire) in [(fires, true), (passes, false)] {
            let name = example_name(r["kinds"].as_array().unwrap(), &example);
            let d = TempDir::new().unwrap();
            if let Some(parent) = d.path().join(name).parent() {
                fs::create_dir_all(parent).unwrap();
            }
            fs::write(d.path().join(name), &example).unwrap();
            // an example may state a companion file it needs on its first line:
            // `# hedge.toml: ...` or `# contracts/openai.yaml: {...}`
            if let Some((file, content)) = example
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# "))
                .and_then(|l| l.split_once(": "))
                .filter(|(f, _)| f.ends_with(".toml") || f.ends_with(".yaml"))
            {
                let path = d.path().join(file);
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(path, content).unwrap();
            }
            let (_, out) = stdout(
                hedge()
                    .args(["check", "--format", "short", "--select", id])
                    .arg(d.path()),
            );
            if out.contains(&format!("[{id}]")) != should_fire {
                failures.push(format!(
                    "{id}: documented example that {} did not:\n{example}\n{out}",
                    if should_fire { "fires" } else { "passes" }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn explain_prints_every_section_and_unknown_ids_suggest() {
    let (code, out) = stdout(hedge().args(["explain", "k8s-single-replica"]));
    assert_eq!(code, 0);
    for s in [
        "k8s-single-replica: Workload runs a single replica",
        "severity: warning",
        "What it finds",
        "Why it matters",
        "How to fix it",
        "Fires on",
        "Does not fire on",
    ] {
        assert!(out.contains(s), "missing {s}:\n{out}");
    }
    let out = hedge()
        .args(["explain", "k8s-single-replika"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `k8s-single-replica`?"));
}

#[test]
fn select_and_ignore() {
    let demo = "fixtures/demo";
    let (_, all) = stdout(hedge().args(["check", "--format", "short", demo]));
    assert!(
        all.contains("[k8s-single-replica]") && all.contains("[tf-db-single-az]"),
        "{all}"
    );
    let (_, only) = stdout(hedge().args([
        "check",
        "--format",
        "short",
        "--select",
        "tf-db-single-az",
        demo,
    ]));
    assert!(
        only.lines().all(|l| l.contains("[tf-db-single-az]")),
        "{only}"
    );
    let (_, ignored) = stdout(hedge().args([
        "check",
        "--format",
        "short",
        "--ignore",
        "k8s-single-replica,tf-db-single-az",
        demo,
    ]));
    assert!(!ignored.contains("[k8s-single-replica]") && !ignored.contains("[tf-db-single-az]"));
    assert!(ignored.contains("[k8s-hpa-min-one]"));
    hedge()
        .args(["check", "--select", "no-such-rule", demo])
        .assert()
        .code(2);
}

#[test]
fn user_rule_pack_fires_as_documented() {
    let d = TempDir::new().unwrap();
    fs::create_dir(d.path().join("rules")).unwrap();
    fs::write(
        d.path().join("rules/team.yaml"),
        r#"version: 1
kinds:
  - id: team-gateway
    title: Our gateway config
    formats: [yaml]
    paths: ["gateway/*.yaml"]
rules:
  - id: team-approved-model
    title: Only approved models
    severity: error
    kinds: [team-gateway, litellm-config]
    given: "$.model_list[*].litellm_params.model"
    assert:
      regex: "^(anthropic|mistral)/"
    message: "model {value} is not on the approved list"
    docs:
      what: Models outside the approved list.
      why: Procurement approved two vendors.
      fix: Use an approved model.
      fires: "model_list: [{litellm_params: {model: openai/gpt-4o}}]"
      passes: "model_list: [{litellm_params: {model: mistral/mistral-large}}]"
"#,
    )
    .unwrap();
    fs::create_dir(d.path().join("gateway")).unwrap();
    fs::write(
        d.path().join("gateway/config.yaml"),
        "model_list:\n  - model_name: a\n    litellm_params: {model: openai/gpt-4o}\n  - model_name: b\n    litellm_params: {model: mistral/mistral-large}\n",
    )
    .unwrap();
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .args([
            "check",
            "--format",
            "short",
            "--rules",
            "rules",
            "--select",
            "team-approved-model",
            "gateway",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "gateway/config.yaml:3:29: error[team-approved-model]: model openai/gpt-4o is not on the approved list\n"
    );
}

#[test]
fn broken_user_rule_packs_are_rejected_with_spans_into_them() {
    let d = TempDir::new().unwrap();
    let cases = [
        // unknown key, with a suggestion
        ("typo.yaml", "version: 1\nrules:\n  - id: x-rule\n    titel: X\n", "typo.yaml:4:5: error[invalid-rule-pack]: unknown key `titel`"),
        // a regex that does not compile points at the regex
        ("regex.yaml", "version: 1\nrules:\n  - id: x-rule\n    title: X\n    severity: error\n    kinds: [dotenv]\n    given: \"$\"\n    assert: {regex: \"(unclosed\"}\n    message: m\n    docs: {what: a, why: b, fix: c, fires: d, passes: e}\n", "regex.yaml:8:21: error[invalid-rule-pack]: invalid regex"),
        // a path error points at the offending character
        ("path.yaml", "version: 1\nrules:\n  - id: x-rule\n    title: X\n    severity: error\n    kinds: [dotenv]\n    given: \"$.a[\"\n    assert: {exists: true}\n    message: m\n    docs: {what: a, why: b, fix: c, fires: d, passes: e}\n", "path.yaml:7:"),
        // a kind that does not exist, with a suggestion
        ("kind.yaml", "version: 1\nrules:\n  - id: x-rule\n    title: X\n    severity: error\n    kinds: [kubernetes-manifests]\n    given: \"$\"\n    assert: {exists: true}\n    message: m\n    docs: {what: a, why: b, fix: c, fires: d, passes: e}\n", "kind.yaml:6:13: error[invalid-rule-pack]: unknown document kind `kubernetes-manifests`"),
        // a wrong type for severity
        ("sev.yaml", "version: 1\nrules:\n  - id: x-rule\n    title: X\n    severity: fatal\n    kinds: [dotenv]\n    given: \"$\"\n    assert: {exists: true}\n    message: m\n    docs: {what: a, why: b, fix: c, fires: d, passes: e}\n", "sev.yaml:5:15: error[invalid-rule-pack]"),
        // a built-in rule id cannot be redefined
        ("dup.yaml", "version: 1\nrules:\n  - id: k8s-single-replica\n    title: X\n    severity: error\n    kinds: [dotenv]\n    given: \"$\"\n    assert: {exists: true}\n    message: m\n    docs: {what: a, why: b, fix: c, fires: d, passes: e}\n", "dup.yaml:3:9: error[invalid-rule-pack]: rule id `k8s-single-replica` is declared twice"),
    ];
    for (name, text, want) in cases {
        let dir = d.path().join(name.trim_end_matches(".yaml"));
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join(name), text).unwrap();
        let out = Command::cargo_bin("hedge")
            .unwrap()
            .current_dir(&dir)
            .args(["check", "--format", "short", "--rules", "."])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(want), "{name}: want {want:?} in\n{err}");
    }
}

#[test]
fn kinds_command_names_each_documents_kinds() {
    let (code, out) = stdout(hedge().args(["kinds", "fixtures/demo"]));
    assert_eq!(code, 0);
    for want in [
        "fixtures/demo/.env\tdotenv\tdotenv",
        "fixtures/demo/gateway/litellm/config.yaml\tyaml\tlitellm-config",
        "fixtures/demo/infra/terraform/main.tf\thcl\tterraform",
        "fixtures/demo/.github/workflows/deploy.yaml\tyaml\tgithub-workflow",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    assert!(
        out.contains("fixtures/demo/deploy/k8s/litellm.yaml\tyaml\t#1: kubernetes-manifest"),
        "{out}"
    );
}

/// Every check built into hedge (not from a rule pack) is documented like a rule.
#[test]
fn builtin_checks_are_explained() {
    for id in [
        "parse-error",
        "invalid-encoding",
        "file-too-large",
        "unreadable-file",
        "templated-file",
        "internal-error",
        "invalid-config",
        "unused-config",
        "invalid-rule-pack",
        "invalid-registry",
        "invalid-contract",
        "invalid-suppression",
        "expired-suppression",
        "unused-suppression",
    ] {
        let out = hedge().args(["explain", id]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{id}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with(&format!("{id}: ")) && text.contains("How to fix it"),
            "{text}"
        );
    }
}

/// A rule pack with a regex whose compiled form would be enormous is rejected with a span into
/// the pack, not compiled into a run that takes forever or all memory.
#[test]
fn pathological_regexes_in_rule_packs_are_rejected() {
    let d = TempDir::new().unwrap();
    fs::create_dir(d.path().join("rules")).unwrap();
    fs::write(
        d.path().join("rules/evil.yaml"),
        r#"version: 1
rules:
  - id: evil-regex
    title: Evil
    severity: warning
    kinds: [litellm-config]
    given: "$.model_list[*].model_name"
    assert:
      regex: "((a+)+){1000}{1000}"
    message: "x"
    docs:
      what: x
      why: x
      fix: x
      fires: "x"
      passes: "x"
"#,
    )
    .unwrap();
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .args(["check", "--format", "short", "--rules", "rules", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("rules/evil.yaml:9:14: error[invalid-rule-pack]"),
        "{err}"
    );
}
