//! hedge.toml: configuration and the organisation's vendor policy.
//!
//! Found as the nearest `hedge.toml` (or `.hedge.toml`) at or above the first checked path,
//! unless `--config FILE` names one or `--isolated` ignores them all. It is read through the
//! same spanned loader as rule packs and validated against `schemas/hedge.schema.json`, so every
//! mistake, including a rule id that does not exist, points into the file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde_json::Value as Json;

use crate::diag::{Diagnostic, Severity};
use crate::discover::display_path;
use crate::engine::load::{compile_schema, did_you_mean, read_pack, LoadError, Pack};
use crate::engine::ruleset::{GraphCheck, OwnerKind, RuleSet, Selection};

pub const INVALID_CONFIG: &str = "invalid-config";
const SCHEMA: &str = include_str!("../../schemas/hedge.schema.json");
const NAMES: [&str; 2] = ["hedge.toml", ".hedge.toml"];

fn validator() -> Result<&'static jsonschema::Validator, String> {
    static V: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    V.get_or_init(|| compile_schema(SCHEMA))
        .as_ref()
        .map_err(Clone::clone)
}

/// Vendors no route may use, by registry id.
#[derive(Debug, Clone, Default)]
pub struct Banned {
    pub operators: Vec<String>,
    pub labs: Vec<String>,
    pub clouds: Vec<String>,
    pub parents: Vec<String>,
    pub jurisdictions: Vec<String>,
}

impl Banned {
    pub fn is_empty(&self) -> bool {
        self.operators.is_empty()
            && self.labs.is_empty()
            && self.clouds.is_empty()
            && self.parents.is_empty()
            && self.jurisdictions.is_empty()
    }
}

/// What contracts are held to.
#[derive(Debug, Clone)]
pub struct ContractPolicy {
    /// The date contract terms are judged at (`--today`, else the system date).
    pub today: crate::contracts::Date,
    pub expiry_window_days: i64,
    pub max_exit_notice_days: i64,
    pub require_data_export: bool,
    pub allow_exclusivity: bool,
    pub allow_minimum_commitment: bool,
}

impl Default for ContractPolicy {
    fn default() -> Self {
        ContractPolicy {
            today: crate::contracts::Date::today(),
            expiry_window_days: 90,
            max_exit_notice_days: 90,
            require_data_export: true,
            allow_exclusivity: false,
            allow_minimum_commitment: true,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub fallback_independence: Option<String>,
    pub max_parent_share: Option<f64>,
    pub single_cloud_infrastructure: Option<String>,
    pub banned: Banned,
    /// Allow-lists: when one is non-empty, only its entries may be used.
    pub allowed: Banned,
    pub max_cloud_share: Option<f64>,
    pub min_route_operators: Option<u64>,
    pub contracts: ContractPolicy,
    /// `[suppressions] require_reason`: whether an inline ignore needs `reason="..."`.
    pub suppression_requires_reason: Option<bool>,
}

/// One setting and where it was written, for `--show-config` and for errors.
#[derive(Debug, Clone)]
pub struct Setting {
    pub key: String,
    pub value: String,
    /// `file:line`
    pub origin: String,
}

#[derive(Debug, Default)]
pub struct Config {
    /// The file, as shown to the user; `None` when no configuration was used.
    pub path: Option<Arc<str>>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// rule id → severity, `None` = off
    pub severity: Vec<(String, Option<Severity>)>,
    pub packs: Vec<PathBuf>,
    pub registry: Vec<PathBuf>,
    pub exclude: Vec<String>,
    pub policy: Policy,
    /// Every setting with its origin.
    pub settings: Vec<Setting>,
    /// Builds on the configuration above it (`extend = true`).
    pub extend: bool,
    pack: Option<Pack>,
    json: Option<Json>,
}

/// The nearest configuration file at or above `start`.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| std::fs::canonicalize(c).ok());
    while let Some(d) = dir {
        for n in NAMES {
            let candidate = d.join(n);
            if candidate.is_file() {
                // shown relative to where hedge runs, like every other path in its output
                return Some(
                    match cwd.as_ref().and_then(|c| candidate.strip_prefix(c).ok()) {
                        Some(rel) => rel.to_path_buf(),
                        None => candidate,
                    },
                );
            }
        }
        dir = d.parent();
    }
    None
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, LoadError> {
        let name = display_path(path);
        let text = std::fs::read_to_string(path).map_err(|e| LoadError {
            diagnostics: vec![Diagnostic::new(
                INVALID_CONFIG,
                Severity::Error,
                &name,
                format!("cannot read configuration: {e}"),
            )],
            sources: Default::default(),
        })?;
        Config::from_text(path, &text)
    }

    /// Reads a configuration file's text as if it were at `path` (relative paths in it are
    /// taken from `path`'s directory).
    pub fn from_text(path: &Path, text: &str) -> Result<Config, LoadError> {
        let name = display_path(path);
        let sources = std::iter::once((name.clone(), Arc::from(text))).collect();
        let (pack, json) =
            read_pack(name.clone(), text, validator(), INVALID_CONFIG).map_err(|d| LoadError {
                diagnostics: d,
                sources,
            })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let strs = |ptr: &str| -> Vec<String> {
            json.pointer(ptr)
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut c = Config {
            path: Some(name),
            select: strs("/rules/select"),
            ignore: strs("/rules/ignore"),
            packs: strs("/rules/packs")
                .into_iter()
                .map(|p| base.join(p))
                .collect(),
            registry: strs("/rules/registry")
                .into_iter()
                .map(|p| base.join(p))
                .collect(),
            exclude: strs("/files/exclude"),
            ..Config::default()
        };
        if let Some(sev) = json.pointer("/rules/severity").and_then(Json::as_object) {
            for (id, v) in sev {
                let s = match v.as_str() {
                    Some("error") => Some(Severity::Error),
                    Some("warning") => Some(Severity::Warning),
                    Some("info") => Some(Severity::Info),
                    _ => None,
                };
                c.severity.push((id.clone(), s));
            }
        }
        let p = &mut c.policy;
        p.fallback_independence = json
            .pointer("/policy/fallback_independence")
            .and_then(Json::as_str)
            .map(str::to_string);
        p.max_parent_share = json
            .pointer("/policy/max_parent_share")
            .and_then(Json::as_f64);
        p.single_cloud_infrastructure = json
            .pointer("/policy/single_cloud_infrastructure")
            .and_then(Json::as_str)
            .map(str::to_string);
        let list = |kind: &str| Banned {
            operators: strs(&format!("/policy/{kind}/operators")),
            labs: strs(&format!("/policy/{kind}/labs")),
            clouds: strs(&format!("/policy/{kind}/clouds")),
            parents: strs(&format!("/policy/{kind}/parents")),
            jurisdictions: strs(&format!("/policy/{kind}/jurisdictions")),
        };
        p.banned = list("banned");
        p.allowed = list("allowed");
        p.max_cloud_share = json
            .pointer("/policy/max_cloud_share")
            .and_then(Json::as_f64);
        p.min_route_operators = json
            .pointer("/policy/min_route_operators")
            .and_then(Json::as_u64);
        // every setting (scalars, and arrays as a whole), with where it was written
        let mut keys: Vec<&String> = pack.spans.keys().collect();
        keys.sort_by_key(|k| pack.spans[*k].1.start);
        for ptr in keys {
            let Some(v) = json.pointer(ptr) else { continue };
            let in_array = ptr
                .rsplit_once('/')
                .and_then(|(parent, _)| json.pointer(parent))
                .is_some_and(Json::is_array);
            if v.is_object() || ptr.is_empty() || in_array {
                continue;
            }
            let line = pack.file.line_col(pack.spans[ptr].1.start).line;
            c.settings.push(Setting {
                key: ptr.trim_start_matches('/').replace('/', "."),
                value: v.to_string(),
                origin: format!("{}:{line}", pack.name),
            });
        }
        c.policy.suppression_requires_reason = json
            .pointer("/suppressions/require_reason")
            .and_then(Json::as_bool);
        let int = |p: &str| json.pointer(p).and_then(Json::as_i64);
        let flag = |p: &str| json.pointer(p).and_then(Json::as_bool);
        let cp = &mut c.policy.contracts;
        if let Some(n) = int("/contracts/expiry_window_days") {
            cp.expiry_window_days = n;
        }
        if let Some(n) = int("/contracts/max_exit_notice_days") {
            cp.max_exit_notice_days = n;
        }
        if let Some(b) = flag("/contracts/require_data_export") {
            cp.require_data_export = b;
        }
        if let Some(b) = flag("/contracts/allow_exclusivity") {
            cp.allow_exclusivity = b;
        }
        if let Some(b) = flag("/contracts/allow_minimum_commitment") {
            cp.allow_minimum_commitment = b;
        }
        c.extend = json
            .pointer("/extend")
            .and_then(Json::as_bool)
            .unwrap_or(false);
        c.pack = Some(pack);
        c.json = Some(json);
        Ok(c)
    }

    /// Checks the rule ids the configuration names against the loaded rules: an unknown one is
    /// an error pointing at it, with the nearest known id as a suggestion.
    pub fn check_rule_ids(&self, set: &RuleSet) -> Vec<Diagnostic> {
        let Some(pack) = &self.pack else {
            return Vec::new();
        };
        let known = set.all_ids();
        let mut out = Vec::new();
        let mut check = |id: &str, span: crate::source::Span| {
            if !known.contains(&id) {
                let mut d = pack.error(span, format!("unknown rule `{id}`"));
                if let Some(s) = did_you_mean(id, &known) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                out.push(d);
            }
        };
        for (list, ptr) in [
            (&self.select, "/rules/select"),
            (&self.ignore, "/rules/ignore"),
        ] {
            for (i, id) in list.iter().enumerate() {
                check(id, pack.value_span(&format!("{ptr}/{i}")));
            }
        }
        for (id, _) in &self.severity {
            check(id, pack.key_span(&format!("/rules/severity/{id}")));
        }
        if let Some(json) = &self.json {
            for (i, o) in json
                .pointer("/overrides")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                for (j, id) in o
                    .get("ignore")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if let Some(id) = id.as_str() {
                        check(id, pack.value_span(&format!("/overrides/{i}/ignore/{j}")));
                    }
                }
                for id in o
                    .get("severity")
                    .and_then(Json::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k)
                {
                    check(id, pack.key_span(&format!("/overrides/{i}/severity/{id}")));
                }
            }
        }
        out
    }

    /// The configuration's own text, for rendering errors that point into it.
    pub fn sources(&self) -> std::collections::BTreeMap<Arc<str>, Arc<str>> {
        self.pack
            .iter()
            .map(|p| (p.name.clone(), Arc::from(p.file.text.as_str())))
            .collect()
    }
}

/// Severity overrides: a level replaces a rule's default; `None` turns it off.
pub fn apply_levels(
    rules: &mut RuleSet,
    selection: &mut Selection,
    levels: &[(String, Option<crate::diag::Severity>)],
) {
    for (id, level) in levels {
        match level {
            None => selection.ignore.push(id.clone()),
            Some(s) => {
                selection.ignore.retain(|i| i != id);
                for r in rules.rules.iter_mut().filter(|r| *r.id == **id) {
                    r.severity = *s;
                }
                for r in rules.graph_rules.iter_mut().filter(|r| *r.id == **id) {
                    r.severity = *s;
                }
            }
        }
    }
}

/// The [policy] section configures the graph rules it governs.
pub fn apply_policy(rules: &mut RuleSet, selection: &mut Selection, policy: &Policy) {
    for r in &mut rules.graph_rules {
        match (r.check, r.by) {
            (GraphCheck::FallbackNotIndependent, _) => {
                if let Some(g) = &policy.fallback_independence {
                    r.min_grade = Some(g.clone());
                }
            }
            (GraphCheck::Concentration, OwnerKind::Parent) if r.threshold < 1.0 => {
                if let Some(t) = policy.max_parent_share {
                    r.threshold = t;
                }
            }
            (GraphCheck::InfraConcentration, OwnerKind::Cloud)
                if policy.single_cloud_infrastructure.as_deref() == Some("accept") =>
            {
                selection.ignore.push(r.id.to_string());
            }
            _ => {}
        }
    }
    for r in &mut rules.graph_rules {
        if let (GraphCheck::Concentration, OwnerKind::Cloud, Some(t)) =
            (r.check, r.by, policy.max_cloud_share)
        {
            r.threshold = t;
        }
    }
    rules.banned = policy.banned.clone();
    rules.allowed = policy.allowed.clone();
    rules.min_route_operators = policy.min_route_operators.unwrap_or(1);
    rules.contract_policy = policy.contracts.clone();
}

/// One `[[overrides]]` entry, compiled.
#[derive(Debug)]
pub struct Override {
    pub globs: globset::GlobSet,
    pub ignore: Vec<String>,
    pub severity: Vec<(String, Option<Severity>)>,
    /// Only findings inside this node (a JSON pointer into the file's document, e.g.
    /// `/targets/0`): the way to waive one finding in a format without comments.
    pub pointer: Option<String>,
    /// After this day the override no longer applies, and says so.
    pub until: Option<crate::contracts::date::Date>,
    /// Where `paths` is written, for the unused-entry report.
    pub at: crate::diag::Location,
}

/// Id of the report about configuration entries that matched nothing.
pub const UNUSED_CONFIG: &str = "unused-config";

impl Config {
    /// Compiles `[[overrides]]`; globs are relative to the configuration file's directory.
    pub fn overrides(&self) -> Vec<Override> {
        let Some(pack) = &self.pack else {
            return Vec::new();
        };
        let Some(json) = &self.json else {
            return Vec::new();
        };
        let base = self
            .path
            .as_deref()
            .and_then(|p| p.rsplit_once('/'))
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        let mut out = Vec::new();
        for (i, o) in json
            .pointer("/overrides")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let mut b = globset::GlobSetBuilder::new();
            for g in o
                .get("paths")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
            {
                let rel = if g.contains('/') {
                    g.trim_start_matches('/').to_string()
                } else {
                    format!("**/{g}")
                };
                let full = if base.is_empty() {
                    rel
                } else {
                    format!("{base}/{rel}")
                };
                if let Ok(glob) = globset::GlobBuilder::new(&full)
                    .literal_separator(true)
                    .build()
                {
                    b.add(glob);
                }
            }
            let strs = |k: &str| -> Vec<String> {
                o.get(k)
                    .and_then(Json::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let severity = o
                .get("severity")
                .and_then(Json::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(id, v)| {
                            let s = match v.as_str() {
                                Some("error") => Some(Severity::Error),
                                Some("warning") => Some(Severity::Warning),
                                Some("info") => Some(Severity::Info),
                                _ => None,
                            };
                            (id.clone(), s)
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(Override {
                globs: b.build().unwrap_or_else(|_| globset::GlobSet::empty()),
                ignore: strs("ignore"),
                severity,
                pointer: o.get("pointer").and_then(Json::as_str).map(str::to_string),
                until: o
                    .get("until")
                    .and_then(Json::as_str)
                    .and_then(crate::contracts::date::Date::parse),
                at: crate::diag::Location::new(
                    &pack.file,
                    &pack.name,
                    pack.key_span(&format!("/overrides/{i}/paths")),
                ),
            });
        }
        out
    }
}

/// Applies per-path overrides to finished diagnostics and reports the overrides that changed
/// nothing (as cargo-deny reports unmatched skips).
pub fn apply_overrides(
    overrides: &[Override],
    diagnostics: &mut Vec<Diagnostic>,
    today: crate::contracts::date::Date,
) {
    let mut used = vec![false; overrides.len()];
    let expired: Vec<bool> = overrides
        .iter()
        .map(|o| o.until.is_some_and(|u| u < today))
        .collect();
    // files under a pointer override, each parsed once; pointer → node span, resolved once
    let mut docs: HashMap<Arc<str>, Vec<crate::model::Doc>> = HashMap::new();
    let mut nodes: HashMap<(Arc<str>, String), Option<crate::source::Span>> = HashMap::new();
    diagnostics.retain_mut(|d| {
        for (i, o) in overrides.iter().enumerate() {
            if expired[i] || !o.globs.is_match(&*d.path) {
                continue;
            }
            if let Some(ptr) = &o.pointer {
                let node = *nodes
                    .entry((d.path.clone(), ptr.clone()))
                    .or_insert_with(|| {
                        let parsed = docs
                            .entry(d.path.clone())
                            .or_insert_with(|| parse_file(&d.path));
                        pointer_span(parsed, ptr)
                    });
                let inside = match (node, &d.primary) {
                    (Some(n), Some(l)) => n.start <= l.span.start && l.span.end <= n.end,
                    _ => false,
                };
                if !inside {
                    continue;
                }
            }
            if o.ignore.iter().any(|r| **r == *d.rule) {
                used[i] = true;
                return false;
            }
            if let Some((_, level)) = o.severity.iter().find(|(r, _)| **r == *d.rule) {
                used[i] = true;
                match level {
                    None => return false,
                    Some(s) => d.severity = *s,
                }
            }
        }
        true
    });
    for (i, o) in overrides.iter().enumerate() {
        if let Some(until) = o.until.filter(|_| expired[i]) {
            let mut d = Diagnostic::new(
                crate::suppress::EXPIRED,
                Severity::Warning,
                &o.at.path,
                format!("this override expired on {until}; the findings it covered are reported again"),
            )
            .with_help("fix the findings and delete the override, or renew `until` with a reason that still holds");
            d.primary = Some(o.at.clone());
            diagnostics.push(d);
        } else if !used[i] {
            let mut d = Diagnostic::new(
                UNUSED_CONFIG,
                Severity::Info,
                &o.at.path,
                "this override matched no finding: its paths, pointer or rules may be out of date",
            );
            d.primary = Some(o.at.clone());
            diagnostics.push(d);
        }
    }
}

/// The documents of a file, read and parsed again: overrides are applied after the workers
/// dropped their trees, and only files under a pointer override need this.
fn parse_file(path: &str) -> Vec<crate::model::Doc> {
    let display: Arc<str> = Arc::from(path);
    let crate::load::Loaded::Text(file) = crate::load::load(
        Path::new(path),
        &display,
        crate::load::DEFAULT_MAX_FILE_SIZE,
    ) else {
        return Vec::new();
    };
    let name = path.rsplit('/').next().unwrap_or(path);
    let format = match crate::discover::classify::classify(name) {
        Some(crate::discover::Class::Known(f)) => f,
        Some(crate::discover::Class::JsonOrYaml) => crate::discover::classify::sniff(&file.text),
        None => return Vec::new(),
    };
    crate::parse::parse(format, &file).docs
}

/// The span of the node a JSON pointer (`/a/0/b`) selects, in the first document where it
/// resolves.
fn pointer_span(docs: &[crate::model::Doc], pointer: &str) -> Option<crate::source::Span> {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    docs.iter().find_map(|doc| {
        let mut node = doc.root()?;
        for t in &tokens {
            node = match &doc.node(node).value {
                crate::model::Value::Seq(items) => *items.get(t.parse::<usize>().ok()?)?,
                crate::model::Value::Map(_) => doc.get(node, t)?,
                _ => return None,
            };
        }
        Some(doc.span(node))
    })
}

/// The rule selection and levels that hold under one directory.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Display-path prefix of the directory (`""`: everywhere).
    pub dir: String,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub levels: Vec<(String, Option<Severity>)>,
}

impl Scope {
    fn of(c: &Config, dir: String) -> Scope {
        Scope {
            dir,
            select: c.select.clone(),
            ignore: c.ignore.clone(),
            levels: c.severity.clone(),
        }
    }

    /// This scope on top of `parent` (`extend = true`): its select replaces the parent's when it
    /// has one, ignores add up, its levels win.
    fn on(mut self, parent: &Scope) -> Scope {
        if self.select.is_empty() {
            self.select = parent.select.clone();
        }
        self.ignore.extend(parent.ignore.iter().cloned());
        let mut levels = parent.levels.clone();
        levels.append(&mut self.levels);
        self.levels = levels;
        self
    }

    /// The severity a finding of `rule` keeps under this scope, or `None` when it is dropped.
    pub fn decide(&self, rule: &str, severity: Severity) -> Option<Severity> {
        if (!self.select.is_empty() && !self.select.iter().any(|r| r == rule))
            || self.ignore.iter().any(|r| r == rule)
        {
            return None;
        }
        match self.levels.iter().rev().find(|(r, _)| r == rule) {
            Some((_, level)) => *level,
            None => Some(severity),
        }
    }

    /// Whether this scope drops `rule` by an `ignore` entry or an `off` level (not by `select`).
    pub fn silences(&self, rule: &str) -> bool {
        self.ignore.iter().any(|r| r == rule)
            || matches!(
                self.levels.iter().rev().find(|(r, _)| r == rule),
                Some((_, None))
            )
    }
}

/// The scopes of a run: the root configuration's everywhere, then each nested configuration's
/// under its directory, built on the nearest enclosing scope when it extends it. Sorted so the
/// deepest applicable scope is found last.
pub fn scopes(root: &Config, nested: &[(String, Config)]) -> Vec<Scope> {
    let mut out = vec![Scope::of(root, String::new())];
    let mut nested: Vec<&(String, Config)> = nested.iter().collect();
    nested.sort_by_key(|(dir, _)| dir.matches('/').count());
    for (dir, c) in nested {
        let prefix = format!("{dir}/");
        let scope = Scope::of(c, prefix.clone());
        let scope = if c.extend {
            let parent = out
                .iter()
                .filter(|s| prefix.starts_with(&s.dir))
                .max_by_key(|s| s.dir.len())
                .cloned()
                .unwrap_or_default();
            scope.on(&parent)
        } else {
            scope
        };
        out.push(scope);
    }
    out
}

/// The scope that holds for a file: the deepest one whose directory contains it.
pub fn scope_for<'a>(scopes: &'a [Scope], path: &str) -> Option<&'a Scope> {
    scopes
        .iter()
        .filter(|s| path.starts_with(&s.dir))
        .max_by_key(|s| s.dir.len())
}

impl Config {
    /// The `ignore` entries and `off` levels of this file that silenced nothing, as
    /// `unused-config` reports pointing at each entry. (Bans are not reported: a deny-list is
    /// meant to match nothing.)
    pub fn unused(&self, silenced: &[String]) -> Vec<Diagnostic> {
        let Some(pack) = &self.pack else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut report = |span: crate::source::Span, what: String| {
            let mut d = Diagnostic::new(UNUSED_CONFIG, Severity::Info, &pack.name, what);
            d.primary = Some(crate::diag::Location::new(&pack.file, &pack.name, span));
            out.push(d);
        };
        for (i, id) in self.ignore.iter().enumerate() {
            if !silenced.contains(id) {
                report(
                    pack.value_span(&format!("/rules/ignore/{i}")),
                    format!("`{id}` is ignored but reported nothing to ignore"),
                );
            }
        }
        for (id, level) in &self.severity {
            if level.is_none() && !silenced.contains(id) {
                report(
                    pack.key_span(&format!("/rules/severity/{id}")),
                    format!("`{id}` is off but reported nothing to silence"),
                );
            }
        }
        out
    }
}

impl Config {
    /// Banned ids must name registry entries: a typo would ban nothing, silently.
    pub fn check_banned(&self, reg: &crate::graph::registry::Registry) -> Vec<Diagnostic> {
        let Some(pack) = &self.pack else {
            return Vec::new();
        };
        let b = &self.policy.banned;
        let lists: [(&Vec<String>, &str, Vec<&str>); 4] = [
            (
                &b.operators,
                "operators",
                reg.operators.iter().map(|o| &*o.id).collect(),
            ),
            (&b.labs, "labs", reg.labs.iter().map(|o| &*o.id).collect()),
            (
                &b.clouds,
                "clouds",
                reg.clouds.iter().map(|o| &*o.id).collect(),
            ),
            (
                &b.parents,
                "parents",
                reg.parents.iter().map(|o| o.id.as_str()).collect(),
            ),
        ];
        let mut out = Vec::new();
        for (list, key, known) in lists {
            for (i, id) in list.iter().enumerate() {
                if !known.contains(&id.as_str()) {
                    let what = key.trim_end_matches('s');
                    let mut d = pack.error(
                        pack.value_span(&format!("/policy/banned/{key}/{i}")),
                        format!("`{id}` is not a {what} in the vendor registry"),
                    );
                    if let Some(s) = did_you_mean(id, &known) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    out.push(d);
                }
            }
        }
        out
    }
}
