//! `hedge graph` through the binary: the demo's routes, deployments and fallback grades, and
//! every output format, deterministic whatever the thread count.

use assert_cmd::Command;
use serde_json::Value;

fn graph(format: &str, threads: &str) -> String {
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["graph", "--format", format, "fixtures/demo"])
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).unwrap()
}

/// `hedge graph` of a temporary project holding `files` (name, text), as JSON.
fn graph_of(files: &[(&str, &str)]) -> Value {
    let d = tempfile::TempDir::new().unwrap();
    for (name, text) in files {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .args(["graph", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn demo_graph_grades_each_fallback() {
    let g: Value = serde_json::from_str(&graph("json", "2")).unwrap();
    let routes = g["routes"].as_array().unwrap();
    let name = |id: &Value| {
        routes[id.as_u64().unwrap() as usize]["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut edges: Vec<String> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} -> {} [{}] {}",
                name(&e["from"]),
                e["to_name"].as_str().unwrap(),
                e["role"].as_str().unwrap(),
                e["grade"].as_str().unwrap()
            )
        })
        .collect();
    edges.sort();
    assert_eq!(
        edges,
        [
            "claude-direct -> llama-local [outage] independent",
            "claude-direct -> mistral-large [outage] independent",
            "claude-sonnet -> llama-bedrock [outage] shared-cloud",
            "gpt-4o-azure -> gpt-4.1 [context-window] shared-family",
            "portkey-config -> portkey-config [outage] shared-family",
        ]
    );
    // the self-hosted deployment behind an openai/ prefix, found through its api_base
    let local = g["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["endpoint"]
                .as_str()
                .is_some_and(|e| e.contains("svc.cluster.local"))
        })
        .unwrap();
    assert_eq!(local["operator"], "self-hosted");
    assert_eq!(local["lab"], "meta");
}

#[test]
fn every_format_is_deterministic() {
    for format in ["json", "dot", "mermaid"] {
        let one = graph(format, "1");
        assert!(!one.trim().is_empty());
        assert_eq!(one, graph(format, "4"), "{format}");
    }
    let dot = graph("dot", "2");
    assert!(dot.starts_with("digraph hedge {") && dot.contains("shared-cloud"));
    let mermaid = graph("mermaid", "2");
    assert!(mermaid.starts_with("flowchart LR") && mermaid.contains("linkStyle"));
}

#[test]
fn a_user_registry_overrides_an_entry_and_changes_the_grade() {
    let d = tempfile::TempDir::new().unwrap();
    std::fs::write(
        d.path().join("config.yaml"),
        "model_list:\n  - model_name: chat\n    litellm_params: {model: anthropic/claude-sonnet-4-5}\n  - model_name: backup\n    litellm_params: {model: mistral/mistral-large-latest}\nrouter_settings:\n  fallbacks: [{\"chat\": [\"backup\"]}]\n",
    )
    .unwrap();
    // Say our Mistral contract is served from Azure, like our Anthropic one: now they share a cloud.
    std::fs::write(
        d.path().join("registry.yaml"),
        "version: 1\noperators:\n  - id: mistral\n    name: Mistral via our Azure tenancy\n    parent: mistral\n    cloud: azure\n    names: {litellm: [mistral]}\n  - id: anthropic\n    name: Anthropic via our Azure tenancy\n    parent: anthropic\n    cloud: azure\n    names: {litellm: [anthropic]}\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = Command::cargo_bin("hedge")
            .unwrap()
            .current_dir(d.path())
            .args([
                "check",
                "--format",
                "short",
                "--select",
                "fallback-not-independent",
                "config.yaml",
            ])
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(run(&[]), "", "independent with the built-in registry");
    assert_eq!(
        run(&["--registry", "registry.yaml"]),
        "config.yaml:7:25: warning[fallback-not-independent]: fallback from `chat` to `backup` is shared-cloud: both run on azure (anthropic → mistral)\n"
    );
    // a broken registry is a configuration error pointing into it
    std::fs::write(
        d.path().join("bad.yaml"),
        "version: 1\noperators:\n  - id: x\n    nmae: X\n",
    )
    .unwrap();
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .args([
            "check",
            "--registry",
            "bad.yaml",
            "--format",
            "short",
            "config.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("bad.yaml:4:5: error[invalid-registry]: unknown key `nmae`"));
}

#[test]
fn kong_gemini_with_vertex_options_is_vertex_ai() {
    let g = graph_of(&[(
        "plugin.yaml",
        "name: ai-proxy-advanced\nconfig:\n  targets:\n    - model:\n        provider: gemini\n        name: gemini-2.5-flash\n        options:\n          gemini:\n            api_endpoint: \"${vertex_api_endpoint}\"\n            project_id: \"${gcp_project_id}\"\n    - model:\n        provider: gemini\n        name: gemini-2.5-pro\n",
    )]);
    let ops: Vec<&str> = g["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["operator"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["google-vertex", "google-gemini-api"]);
}

/// LiteLLM reads `model: os.environ/NAME` from the environment: the provider prefix is in the
/// variable's value, not in the reference, so it is taken after the reference is resolved (it
/// used to fall back to the `openai` default), and an unset variable leaves it unknown.
#[test]
fn litellm_model_from_the_environment_takes_its_provider_from_the_value() {
    let g = graph_of(&[
        (
            "litellm.yaml",
            "model_list:\n  - model_name: primary\n    litellm_params:\n      model: os.environ/PRIMARY_MODEL\n  - model_name: spare\n    litellm_params:\n      model: os.environ/SPARE_MODEL\n  - model_name: unset\n    litellm_params:\n      model: os.environ/NOT_SET_ANYWHERE\n  - model_name: plain\n    litellm_params:\n      model: gpt-4o\n",
        ),
        (
            ".env",
            "PRIMARY_MODEL=anthropic/claude-sonnet-4-5\nSPARE_MODEL=gpt-4.1-mini\n",
        ),
    ]);
    let routes = g["routes"].as_array().unwrap();
    let by_route: Vec<(String, Value, Value)> = g["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|dep| {
            let r = dep["route"].as_u64().unwrap() as usize;
            (
                routes[r]["name"].as_str().unwrap().to_string(),
                dep["operator"].clone(),
                dep["model"].clone(),
            )
        })
        .collect();
    let want = |name: &str, op: Value, model: Value| (name.to_string(), op, model);
    assert_eq!(
        by_route,
        [
            want(
                "primary",
                "anthropic".into(),
                "anthropic/claude-sonnet-4-5".into()
            ),
            // no prefix in the value: LiteLLM's default provider
            want("spare", "openai".into(), "gpt-4.1-mini".into()),
            want("unset", Value::Null, Value::Null),
            want("plain", "openai".into(), "gpt-4o".into()),
        ]
    );
}
