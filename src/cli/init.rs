//! `hedge init [DIR]`: a starter hedge.toml showing every policy setting with its default, and a
//! contract stub for each vendor the project's configs use. Never overwrites a file; each file
//! is written whole (to a temporary name, then renamed) or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{InitArgs, EXIT_OK, EXIT_USAGE};
use crate::pipeline::{self, Settings};
use crate::report::OutputFormat;

const STARTER: &str = r#"# hedge configuration and vendor policy.
# Every setting is shown with its default; `hedge check --show-config` prints what is in effect
# and the README ("Configuration and policy") explains each.

[rules]
select = []        # run only these rules (empty: all)
ignore = []        # never run these rules
# Per-rule levels: "error", "warning", "info" or "off".
# severity = { fallback-not-independent = "error" }
packs = []         # extra rule pack directories, relative to this file
registry = []      # extra vendor registry files, relative to this file

[files]
exclude = []       # gitignore-style globs of paths not to check

[policy]
# The weakest acceptable grade for an outage fallback:
# independent, shared-cloud, shared-family, shared-aggregator, region-only, same-operator.
fallback_independence = "independent"
# The largest share of AI routes one parent company may serve.
max_parent_share = 0.75
# "accept" if running all infrastructure on one cloud is a deliberate choice.
single_cloud_infrastructure = "report"

[policy.banned]    # registry ids no route may use
operators = []
labs = []
clouds = []
parents = []

[contracts]        # vendor contracts live in contracts/ or vendors/
expiry_window_days = 90
max_exit_notice_days = 90
require_data_export = true
allow_exclusivity = false
"#;

fn stub(vendor: &str, name: &str) -> String {
    format!(
        r#"# Contract with {name}. Fill in from the signed agreement; hedge checks this file against
# the policy in hedge.toml and against what the configs use (schemas/contract.schema.json).
vendor = "{vendor}"
owner = ""                     # who answers for this agreement

[term]
start_date = 1970-01-01        # replace with the real dates
end_date = 1970-01-01
auto_renew = false
renewal_notice_days = 0
termination_notice_days = 0

[commercial]
minimum_commitment_usd = 0
exclusivity = false

[data]
data_export = ""               # what can be exported and how; empty means no clause

[models]
permitted_models = ["*"]

# [rate_limits]
# rpm = 0
# tpm = 0
"#
    )
}

/// Writes `path` whole or not at all, and never over an existing file.
fn write_new(path: &Path, text: &str) -> std::io::Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension(format!("hedge-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        // hard_link fails if the target appeared meanwhile: never overwrite
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    match result {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn run(args: &InitArgs) -> i32 {
    let dir: PathBuf = args.dir.clone();
    if !dir.is_dir() {
        eprintln!("error: not a directory: {}", dir.display());
        return EXIT_USAGE;
    }
    let rules = match super::load_rules(&Default::default(), OutputFormat::Human) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let registry = match super::load_registry(&Default::default(), OutputFormat::Human) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let settings = Settings {
        rules,
        registry: registry.clone(),
        keep_sources: false,
        require_suppression_reason: true,
        overlay: None,
        ..Settings::default()
    };
    let outcome = match pipeline::run(std::slice::from_ref(&dir), &settings) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return EXIT_USAGE;
        }
    };
    let mut vendors: Vec<String> = outcome
        .graph
        .deployments
        .iter()
        .filter(|d| !d.self_hosted)
        .filter_map(|d| d.operator.as_deref().map(str::to_string))
        .collect();
    vendors.sort();
    vendors.dedup();
    let contracted: Vec<&str> = outcome
        .graph
        .contracts
        .iter()
        .map(|c| c.vendor.value.as_str())
        .collect();
    let mut out = std::io::stdout().lock();
    let mut files = vec![(dir.join("hedge.toml"), STARTER.to_string())];
    for v in vendors.iter().filter(|v| !contracted.contains(&v.as_str())) {
        let name = registry.operator(v).map_or(v.as_str(), |o| o.name.as_str());
        files.push((
            dir.join("contracts").join(format!("{v}.toml")),
            stub(v, name),
        ));
    }
    for (path, text) in files {
        match write_new(&path, &text) {
            Ok(true) => {
                let _ = writeln!(out, "wrote   {}", path.display());
            }
            Ok(false) => {
                let _ = writeln!(out, "kept    {} (already exists)", path.display());
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                return EXIT_USAGE;
            }
        }
    }
    EXIT_OK
}
