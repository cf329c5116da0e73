//! Where keys and values land, per format, through `hedge tree --format json`: the exact
//! 1-based line:column of start and end, including after a BOM, CRLF line ends, tabs and
//! multi-byte characters.

use assert_cmd::Command;
use serde_json::Value;

fn tree(file: &str) -> Value {
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .args(["tree", "--format", "json", file])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("tree {file}: {e}\n{}", String::from_utf8_lossy(&out.stderr)))
}

/// `(start line, start col, end line, end col)` of the node at `path` in document `doc`.
fn at(t: &Value, doc: usize, path: &str, role: &str) -> (u64, u64, u64, u64) {
    let node = t["documents"][doc]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["path"] == path && n["role"] == role)
        .unwrap_or_else(|| panic!("no {role} at {path}"));
    let (s, e) = (&node["start"], &node["end"]);
    (
        s[0].as_u64().unwrap(),
        s[1].as_u64().unwrap(),
        e[0].as_u64().unwrap(),
        e[1].as_u64().unwrap(),
    )
}

fn value<'a>(t: &'a Value, doc: usize, path: &str) -> &'a Value {
    &t["documents"][doc]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["path"] == path && n["role"] == "value")
        .unwrap_or_else(|| panic!("no value at {path}"))["value"]
}

#[test]
fn yaml_keys_values_anchors_merge_keys() {
    let t = tree("fixtures/parse/yaml/gateway.yaml");
    assert_eq!(t["format"], "yaml");
    assert_eq!(at(&t, 0, "$.model_list", "key"), (5, 1, 5, 11));
    // a block sequence starts at the dash of its first item
    assert_eq!(at(&t, 0, "$.model_list", "value"), (6, 3, 10, 15));
    assert_eq!(
        at(&t, 0, "$.model_list[0].litellm_params.model", "value"),
        (9, 14, 9, 29)
    );
    // an alias stays an alias, pointing at where the anchored mapping was written
    assert_eq!(
        at(&t, 0, "$.model_list[0].litellm_params['<<']", "value"),
        (8, 11, 8, 20)
    );
    assert_eq!(
        value(&t, 0, "$.model_list[0].litellm_params['<<']"),
        "-> 3:3"
    );
    // flow collections include their brackets
    assert_eq!(at(&t, 0, "$.on.push", "value"), (12, 9, 12, 40));
    assert_eq!(
        at(&t, 0, "$.on.push.branches[1]", "value"),
        (12, 27, 12, 38)
    );
    // YAML 1.1 lookalikes stay the strings a person sees
    assert_eq!(at(&t, 0, "$.on", "key"), (11, 1, 11, 3));
    assert_eq!(value(&t, 0, "$.enabled"), "\"yes\"");
}

#[test]
fn yaml_after_bom_with_crlf_and_multibyte() {
    let t = tree("fixtures/parse/yaml/bom-crlf.yaml");
    // the BOM is not a column of line 1
    assert_eq!(at(&t, 0, "$.name", "key"), (1, 1, 1, 5));
    assert_eq!(at(&t, 0, "$.name", "value"), (1, 7, 1, 11));
    assert_eq!(at(&t, 0, "$.model", "value"), (2, 8, 2, 16));
    // columns count characters: the emoji is one column
    assert_eq!(at(&t, 0, "$.nested.k", "value"), (4, 6, 4, 9));
}

#[test]
fn yaml_recovers_after_a_broken_document() {
    let t = tree("fixtures/parse/yaml/broken-middle.yaml");
    let docs = t["documents"].as_array().unwrap();
    assert_eq!(
        docs.len(),
        2,
        "the broken middle document is dropped, the others kept"
    );
    assert_eq!(value(&t, 1, "$.metadata.name"), "\"third\"");
    assert_eq!(at(&t, 1, "$.metadata.name", "value"), (11, 9, 11, 14));
}

#[test]
fn json_and_jsonc() {
    let t = tree("fixtures/parse/json/portkey.json");
    assert_eq!(at(&t, 0, "$.targets[1].provider", "key"), (5, 7, 5, 17));
    assert_eq!(at(&t, 0, "$.targets[1].provider", "value"), (5, 19, 5, 30));
    assert_eq!(
        at(&t, 0, "$.targets[0].override_params", "value"),
        (4, 48, 4, 69)
    );
    assert_eq!(value(&t, 0, "$.targets[1].weight"), "0.5");
    let t = tree("fixtures/parse/json/settings.jsonc");
    assert_eq!(at(&t, 0, "$.fallbacks[0]", "value"), (5, 17, 5, 25));
}

#[test]
fn toml_tables_arrays_of_tables_and_numbers() {
    let t = tree("fixtures/parse/toml/policy.toml");
    assert_eq!(
        at(&t, 0, "$.policy.max_parent_concentration", "value"),
        (4, 28, 4, 31)
    );
    assert_eq!(
        at(&t, 0, "$.contracts[1].vendor", "value"),
        (13, 10, 13, 21)
    );
    assert_eq!(value(&t, 0, "$.contracts[0].rpm"), "1000");
    assert_eq!(value(&t, 0, "$.contracts[1].rpm"), "16");
    assert_eq!(value(&t, 0, "$.policy.start"), "\"2026-01-01\"");
}

#[test]
fn hcl_blocks_nest_like_terraform_json() {
    let t = tree("fixtures/parse/hcl/main.tf");
    assert_eq!(
        at(&t, 0, "$.resource.aws_db_instance", "key"),
        (11, 10, 11, 27)
    );
    assert_eq!(
        at(&t, 0, "$.resource.aws_db_instance.main", "key"),
        (11, 28, 11, 34)
    );
    assert_eq!(
        at(&t, 0, "$.resource.aws_db_instance.main", "value"),
        (11, 1, 19, 2)
    );
    assert_eq!(
        at(&t, 0, "$.resource.aws_db_instance.main.multi_az", "value"),
        (13, 14, 13, 19)
    );
    assert_eq!(
        value(&t, 0, "$.resource.aws_db_instance.main.multi_az"),
        "false"
    );
    assert_eq!(value(&t, 0, "$.resource.aws_db_instance.main.port"), "-1");
    // both resources of one type sit under one key
    assert_eq!(
        at(&t, 0, "$.resource.aws_db_instance.replica", "key"),
        (21, 28, 21, 37)
    );
    // expressions are kept with their source text, never guessed
    let nodes = t["documents"][0].as_array().unwrap();
    let region = nodes
        .iter()
        .find(|n| n["path"] == "$.provider.aws.region" && n["role"] == "value")
        .unwrap();
    assert_eq!(region["type"], "expression(reference)");
    assert_eq!(region["value"], "var.region");
    assert_eq!(at(&t, 0, "$.provider.aws.region", "value"), (8, 12, 8, 22));
    let name = nodes
        .iter()
        .find(|n| n["path"] == "$.resource.aws_db_instance.main.name" && n["role"] == "value")
        .unwrap();
    assert_eq!(name["type"], "expression(template)");
    let count = nodes
        .iter()
        .find(|n| n["path"] == "$.resource.aws_db_instance.replica.count" && n["role"] == "value")
        .unwrap();
    assert_eq!(count["type"], "expression(conditional)");
    // a heredoc without interpolation is a plain string; `<<-` strips the indentation
    assert_eq!(
        value(&t, 0, "$.resource.aws_db_instance.main.policy"),
        "\"{\\\"Version\\\": \\\"2012-10-17\\\"}\\n\""
    );
}

#[test]
fn dotenv_values_quotes_and_comments() {
    let t = tree("fixtures/parse/dotenv/.env");
    assert_eq!(t["format"], "dotenv");
    assert_eq!(at(&t, 0, "$.OPENAI_API_KEY", "value"), (2, 16, 2, 32));
    // `export` is not part of the key; the value span includes its quotes
    assert_eq!(at(&t, 0, "$.AWS_REGION_NAME", "key"), (4, 8, 4, 23));
    assert_eq!(at(&t, 0, "$.AWS_REGION_NAME", "value"), (4, 24, 4, 35));
    assert_eq!(value(&t, 0, "$.MULTILINE"), "\"line one\\nline two\"");
    // a commented-out assignment is not a value
    let nodes = t["documents"][0].as_array().unwrap();
    assert!(!nodes.iter().any(|n| n["path"] == "$.ANTHROPIC_API_KEY"));
    assert_eq!(value(&t, 0, "$.INHERITED"), &Value::Null);
}

#[test]
fn properties_keys_separators_and_continuations() {
    let t = tree("fixtures/parse/properties/application.properties");
    assert_eq!(
        at(&t, 0, "$['spring.ai.openai.chat.options.model']", "value"),
        (3, 39, 3, 45)
    );
    assert_eq!(
        value(&t, 0, "$['spring.ai.anthropic.chat.options.model']"),
        "\"claude-sonnet-4\""
    );
    assert_eq!(
        value(&t, 0, "$['long.value']"),
        "\"first part second part\""
    );
    assert_eq!(at(&t, 0, "$['long.value']", "value"), (6, 14, 7, 25));
}
