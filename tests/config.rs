//! hedge.toml through the binary: discovery, --config and --isolated, validation with spans
//! into the file, severity levels (and -A/-W/-D), policy, and --show-config.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

const CONFIG: &str = "model_list:\n  - model_name: chat\n    litellm_params: {model: openai/gpt-4o}\n  - model_name: mini\n    litellm_params: {model: openai/gpt-4o-mini}\n";

fn project(toml: &str) -> TempDir {
    let d = TempDir::new().unwrap();
    fs::create_dir_all(d.path().join("gateway")).unwrap();
    fs::write(d.path().join("gateway/config.yaml"), CONFIG).unwrap();
    fs::write(d.path().join("hedge.toml"), toml).unwrap();
    d
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", "short"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_nearest_config_applies_from_a_subdirectory_and_isolated_ignores_it() {
    let d = project("[rules]\nseverity = { single-parent-dependency = \"error\" }\n");
    let (code, out, _) = run(d.path(), &["gateway"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[single-parent-dependency]"), "{out}");
    let (code, out, _) = run(d.path(), &["--isolated", "gateway"]);
    assert_eq!(code, 0);
    assert!(out.contains("warning[single-parent-dependency]"), "{out}");
}

#[test]
fn levels_from_the_command_line_beat_the_file() {
    let d = project("[rules]\nseverity = { single-parent-dependency = \"off\", litellm-single-operator = \"error\" }\n");
    let (code, out, _) = run(d.path(), &["gateway"]);
    assert_eq!(code, 1);
    assert!(
        !out.contains("single-parent-dependency"),
        "off in the file: {out}"
    );
    let (code, out, _) = run(
        d.path(),
        &[
            "-W",
            "single-parent-dependency",
            "-A",
            "litellm-single-operator",
            "gateway",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[single-parent-dependency]"));
    assert!(!out.contains("litellm-single-operator"));
    let (code, _, _) = run(d.path(), &["-D", "route-without-fallback", "gateway"]);
    assert_eq!(code, 1);
}

#[test]
fn mistakes_point_into_the_file() {
    for (toml, want) in [
        (
            "[rules]\nselekt = []\n",
            "hedge.toml:2:1: error[invalid-config]: unknown key `selekt`",
        ),
        (
            "[rules]\nignore = [\"k8s-single-replika\"]\n",
            "hedge.toml:2:11: error[invalid-config]: unknown rule `k8s-single-replika`",
        ),
        (
            "[rules.severity]\ntf-db-single-az = \"fatal\"\n",
            "hedge.toml:2:19: error[invalid-config]",
        ),
        (
            "[policy]\nmax_parent_share = 2\n",
            "hedge.toml:2:20: error[invalid-config]",
        ),
        (
            "[policy\n",
            "hedge.toml:1:8: error[invalid-config]: invalid toml",
        ),
    ] {
        let d = project(toml);
        let (code, _, err) = run(d.path(), &["gateway"]);
        assert_eq!(code, 2, "{toml}");
        assert!(err.contains(want), "{toml}: want {want:?} in\n{err}");
    }
    let d = project("[rules]\nignore = [\"k8s-single-replika\"]\n");
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .args(["check", "gateway", "--color", "never"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `k8s-single-replica`?"));
}

#[test]
fn config_flag_and_show_config() {
    let d = project("[policy]\nfallback_independence = \"shared-cloud\"\n");
    fs::write(
        d.path().join("strict.toml"),
        "# strict\n[policy]\nfallback_independence = \"independent\"\nmax_parent_share = 0.5\n",
    )
    .unwrap();
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .args([
            "check",
            "--config",
            "strict.toml",
            "--show-config",
            "gateway",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "# configuration: strict.toml\n\
         policy.fallback_independence = \"independent\"    # strict.toml:3\n\
         policy.max_parent_share = 0.5    # strict.toml:4\n"
    );
}

#[test]
fn policy_accepts_single_cloud_infrastructure_and_bans_vendors() {
    let d = project("[policy]\nsingle_cloud_infrastructure = \"accept\"\n[policy.banned]\noperators = [\"openai\"]\n");
    fs::write(
        d.path().join("main.tf"),
        "resource \"aws_s3_bucket\" \"a\" {}\nresource \"aws_sqs_queue\" \"b\" {}\n",
    )
    .unwrap();
    let (code, out, _) = run(d.path(), &["."]);
    assert_eq!(code, 1);
    assert!(!out.contains("infra-single-cloud"), "{out}");
    assert!(out.contains("gateway/config.yaml:3:29: error[banned-vendor]: route `chat` uses openai, which the policy bans (operator)"), "{out}");
    let (_, out, _) = run(d.path(), &["--isolated", "."]);
    assert!(
        out.contains("infra-single-cloud") && !out.contains("banned-vendor"),
        "{out}"
    );
}

#[test]
fn init_writes_a_valid_starter_and_stubs_and_never_overwrites() {
    let d = TempDir::new().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let copy = d.path().join("demo");
    // a fresh copy of the demo
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(&demo)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    let before = fs::read(copy.join("hedge.toml")).unwrap();
    let contract_before = fs::read(copy.join("contracts/openai.toml")).unwrap();
    let init = |dir: &Path| {
        let out = Command::cargo_bin("hedge")
            .unwrap()
            .arg("init")
            .arg(dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let out = init(&copy);
    assert!(
        out.contains("kept") && out.contains("hedge.toml (already exists)"),
        "{out}"
    );
    for vendor in ["anthropic", "azure-openai", "mistral"] {
        assert!(out.contains(&format!("contracts/{vendor}.toml")), "{out}");
        assert!(copy.join(format!("contracts/{vendor}.toml")).is_file());
    }
    assert_eq!(
        fs::read(copy.join("hedge.toml")).unwrap(),
        before,
        "never overwritten"
    );
    assert_eq!(
        fs::read(copy.join("contracts/openai.toml")).unwrap(),
        contract_before,
        "the existing OpenAI contract is kept"
    );
    let again = init(&copy);
    assert!(!again.contains("wrote"), "{again}");
    // on a project without a configuration the starter is written and is valid
    let fresh = d.path().join("fresh");
    fs::create_dir(&fresh).unwrap();
    fs::write(fresh.join("config.yaml"), CONFIG).unwrap();
    init(&fresh);
    let (code, out, err) = run(&fresh, &["--show-config", "."]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("policy.fallback_independence = \"independent\""),
        "{out}"
    );
    // the stub names its vendor and is a valid contract
    let (_, out, err) = run(&fresh, &["--today", "2026-11-25", "."]);
    assert!(
        !err.contains("invalid-contract") && !out.contains("invalid-contract"),
        "{out}{err}"
    );
    assert!(out.contains("contracts/openai.toml:"), "{out}");
}

#[test]
fn per_path_overrides_and_unused_ones() {
    let d = project(
        "[[overrides]]\npaths = [\"legacy/**\"]\nignore = [\"route-without-fallback\"]\nseverity = { single-parent-dependency = \"error\" }\n\n[[overrides]]\npaths = [\"nowhere/**\"]\nignore = [\"k8s-single-replica\"]\n",
    );
    fs::create_dir_all(d.path().join("legacy")).unwrap();
    fs::rename(
        d.path().join("gateway/config.yaml"),
        d.path().join("legacy/config.yaml"),
    )
    .unwrap();
    let (code, out, _) = run(d.path(), &["."]);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("route-without-fallback"), "{out}");
    assert!(
        out.contains("legacy/config.yaml:2:17: error[single-parent-dependency]"),
        "{out}"
    );
    assert!(
        out.contains("hedge.toml:7:1: info[unused-config]: this override matched no finding"),
        "{out}"
    );
    let d = project("[[overrides]]\npaths = [\"x/**\"]\nignore = [\"tf-db-single-azz\"]\n");
    let (code, _, err) = run(d.path(), &["."]);
    assert_eq!(code, 2);
    assert!(
        err.contains("hedge.toml:3:11: error[invalid-config]: unknown rule `tf-db-single-azz`"),
        "{err}"
    );
}

#[test]
fn nested_configs_govern_their_directories_and_extend_their_parent() {
    let d = project("[rules]\nseverity = { route-without-fallback = \"off\" }\n");
    for (dir, toml) in [
        (
            "team-a",
            "extend = true\n[rules]\nseverity = { litellm-single-operator = \"error\" }\n",
        ),
        (
            "team-b",
            "# stands alone: the root's levels do not apply here\n",
        ),
    ] {
        fs::create_dir_all(d.path().join(dir)).unwrap();
        fs::write(d.path().join(dir).join("hedge.toml"), toml).unwrap();
        fs::write(d.path().join(dir).join("config.yaml"), CONFIG).unwrap();
    }
    let (code, out, err) = run(d.path(), &["."]);
    assert_eq!(code, 1, "{out}{err}");
    let lines = |prefix: &str, rule: &str| {
        out.lines()
            .filter(|l| l.starts_with(prefix) && l.contains(&format!("[{rule}]")))
            .map(|l| {
                l.split(": ")
                    .nth(1)
                    .unwrap_or("")
                    .split('[')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    // root: route-without-fallback off
    assert!(
        lines("gateway/", "route-without-fallback").is_empty(),
        "{out}"
    );
    // team-a extends the root: still off, and its own level applies
    assert!(
        lines("team-a/", "route-without-fallback").is_empty(),
        "{out}"
    );
    assert_eq!(
        lines("team-a/", "litellm-single-operator"),
        ["error"],
        "{out}"
    );
    assert_eq!(
        lines("gateway/", "litellm-single-operator"),
        ["warning"],
        "{out}"
    );
    // team-b stands alone: the default levels hold again
    assert_eq!(
        lines("team-b/", "route-without-fallback"),
        ["warning", "warning"],
        "{out}"
    );
    // a project-level finding is judged where it points: the first route, under the root
    assert_eq!(
        lines("gateway/", "single-parent-dependency"),
        ["warning"],
        "{out}"
    );
}

#[test]
fn entries_that_matched_nothing_are_reported_and_banned_ids_are_checked() {
    let d = project(
        "[rules]\nignore = [\"single-parent-dependency\", \"k8s-single-replica\"]\nseverity = { tf-db-single-az = \"off\" }\n",
    );
    let (code, out, _) = run(d.path(), &["."]);
    assert_eq!(code, 0, "{out}");
    // the first ignore silenced a finding: not reported; the others silenced nothing
    assert!(
        !out.contains("`single-parent-dependency` is ignored"),
        "{out}"
    );
    assert!(out.contains("hedge.toml:2:39: info[unused-config]: `k8s-single-replica` is ignored but reported nothing to ignore"), "{out}");
    assert!(out.contains("hedge.toml:3:14: info[unused-config]: `tf-db-single-az` is off but reported nothing to silence"), "{out}");
    let d = project("[policy.banned]\nparents = [\"deepseak\"]\n");
    let (code, _, err) = run(d.path(), &["."]);
    assert_eq!(code, 2);
    assert!(err.contains("hedge.toml:2:12: error[invalid-config]: `deepseak` is not a parent in the vendor registry"), "{err}");
}

#[test]
fn unknown_keys_get_suggestions_from_their_own_schema() {
    let d = project("[rules]\nselekt = []\n[policy]\nfallback_independance = \"independent\"\n");
    fs::create_dir_all(d.path().join("contracts")).unwrap();
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .args(["check", ".", "--color", "never"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `select`?"), "{err}");
    assert!(
        err.contains("did you mean `fallback_independence`?"),
        "{err}"
    );
    fs::write(d.path().join("hedge.toml"), "").unwrap();
    fs::write(
        d.path().join("contracts/openai.yaml"),
        "vendor: openai\nterm: {start_date: \"2025-01-01\", end_date: \"2030-01-01\", auto_renw: true}\n",
    )
    .unwrap();
    let out = Command::cargo_bin("hedge")
        .unwrap()
        .current_dir(d.path())
        .args(["check", ".", "--color", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("unknown key `auto_renw`") && text.contains("did you mean `auto_renew`?"),
        "{text}"
    );
}
