//! The compiled form of rule packs: document kinds and rules, ready to evaluate. Built once per
//! run by [`super::load`] and shared read-only by every worker thread.

use std::collections::BTreeMap;
use std::sync::Arc;

use globset::GlobSet;

use super::path::Path;
use super::predicate::Predicate;
use crate::diag::Severity;
use crate::parse::Format;

#[derive(Debug, Clone)]
pub struct Kind {
    /// Shared (`intern::name`): every file's report names its documents' kinds.
    pub id: std::sync::Arc<str>,
    pub title: String,
    pub description: Option<String>,
    pub formats: Vec<Format>,
    pub paths: Option<GlobSet>,
    pub path_patterns: Vec<String>,
    pub matcher: Option<Predicate>,
    /// The rule pack that declared it.
    pub origin: Arc<str>,
}

#[derive(Debug, Clone, Default)]
pub struct Docs {
    /// The first paragraph of `fix` on one line, shared by every finding of the rule (a big
    /// project has tens of thousands; a copy each cost more memory than their messages).
    pub help: Option<Arc<str>>,
    pub what: String,
    pub why: String,
    pub fix: String,
    pub fires: String,
    pub passes: String,
    pub references: Vec<String>,
}

/// A message with `{value}`, `{missing}` and `{@.path}` / `{$.path}` placeholders.
#[derive(Debug, Clone)]
pub enum Part {
    Lit(String),
    Value,
    Missing,
    Path(Path),
}

#[derive(Debug, Clone)]
pub struct Rule {
    /// Shared (`intern::name`): every finding of the rule carries it.
    pub id: std::sync::Arc<str>,
    pub title: String,
    pub severity: Severity,
    pub kinds: Vec<String>,
    pub tags: Vec<String>,
    pub given: Vec<Path>,
    pub when: Option<Predicate>,
    pub assert: Predicate,
    pub message: Vec<Part>,
    /// Point findings at the subject rather than at the offending node.
    pub report_subject: bool,
    pub labels: Vec<(Path, String)>,
    pub docs: Docs,
    pub origin: Arc<str>,
}

#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub kinds: Vec<Kind>,
    pub rules: Vec<Rule>,
    pub routes: Vec<RouteSpec>,
    pub env: Vec<EnvSpec>,
    pub infra: Vec<InfraSpec>,
    pub objects: Vec<ObjectSpec>,
    /// Vendors the policy bans (from hedge.toml).
    pub banned: crate::config::Banned,
    /// Allow-lists from the policy (empty: anything goes).
    pub allowed: crate::config::Banned,
    /// Operators each route must reach, counting its outage fallbacks (1: no requirement).
    pub min_route_operators: u64,
    /// What contracts are held to (from hedge.toml and --today).
    pub contract_policy: crate::config::ContractPolicy,
    pub graph_rules: Vec<GraphRule>,
    /// Text of every loaded pack by name, for diagnostics that point into them.
    pub sources: BTreeMap<Arc<str>, Arc<str>>,
}

impl RuleSet {
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| *r.id == *id)
    }

    pub fn graph_rule(&self, id: &str) -> Option<&GraphRule> {
        self.graph_rules.iter().find(|r| *r.id == *id)
    }

    /// Every rule id, per-document and graph rules alike.
    pub fn all_ids(&self) -> Vec<&str> {
        self.rules
            .iter()
            .map(|r| &*r.id)
            .chain(self.graph_rules.iter().map(|r| &*r.id))
            .collect()
    }
}

/// Which rules run: `--select` (only these) and `--ignore` (never these).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    pub fn enabled(&self, id: &str) -> bool {
        (self.select.is_empty() || self.select.iter().any(|s| s == id))
            && !self.ignore.iter().any(|s| s == id)
    }
}

/// A value read from a document (see `field` in the rule schema).
#[derive(Debug, Clone, Default)]
pub struct Field {
    /// Tried in order; the first that selects something gives the value.
    pub paths: Vec<Path>,
    pub of: Option<regex::Regex>,
    pub default: Option<String>,
    /// A constant.
    pub value: Option<String>,
    /// References to follow: (object type, field) pairs.
    pub via: Vec<(String, String)>,
    /// Read the key a node sits under (`Some(true)`), or a key's value (`Some(false)`).
    pub use_key: Option<bool>,
}

/// Named objects that fields can refer to with `via`.
#[derive(Debug, Clone)]
pub struct ObjectSpec {
    pub kinds: Vec<String>,
    pub given: Vec<Path>,
    pub object_type: String,
    pub name: Field,
    pub fields: Vec<(String, Field)>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Outage,
    ContextWindow,
    ContentPolicy,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Outage => "outage",
            Role::ContextWindow => "context-window",
            Role::ContentPolicy => "content-policy",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FallbackSpec {
    pub given: Vec<Path>,
    pub from: Option<Field>,
    pub to: Vec<Path>,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub enum Ordered {
    Always(bool),
    When(Predicate),
}

/// A dependency extractor: how documents of some kinds become routes, deployments and
/// fallbacks in the provider graph.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// Shared (`intern::thin`): every route and fallback it extracts carries it.
    pub id: crate::intern::Name,
    pub kinds: Vec<String>,
    pub given: Vec<Path>,
    pub route: Option<Field>,
    pub ordered: Ordered,
    pub weight: Option<Field>,
    pub priority: Option<Field>,
    /// (object type, why): the fallback needs an object of this type named after the route.
    pub needs: Option<(String, String)>,
    pub deployments: Vec<Path>,
    pub namespace: Option<String>,
    pub provider: Option<Field>,
    pub operator: Option<Field>,
    pub model: Option<Field>,
    pub base_model: Option<Field>,
    pub endpoint: Option<Field>,
    pub region: Option<Field>,
    pub rpm: Option<Field>,
    pub tpm: Option<Field>,
    pub fallbacks: Vec<FallbackSpec>,
    pub origin: Arc<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum InfraAs {
    ResourceType,
    TerraformSource,
    K8sKey,
    Image,
    Action,
    Region,
}

#[derive(Debug, Clone)]
pub struct InfraSpec {
    pub kinds: Vec<String>,
    pub given: Vec<Path>,
    pub classify: InfraAs,
}

#[derive(Debug, Clone)]
pub struct EnvSpec {
    pub kinds: Vec<String>,
    pub given: Vec<Path>,
    pub name: Option<Field>,
    pub value: Option<Field>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GraphCheck {
    RouteWithoutFallback,
    FallbackNotIndependent,
    FallbackTargetMissing,
    Concentration,
    InfraConcentration,
    FallbackNeedsObject,
    BannedVendor,
    ContractMissing,
    ContractStale,
    ContractExpiry,
    ContractExclusivity,
    ContractExitNotice,
    ContractDataExport,
    ContractModel,
    ContractRateLimit,
    ContractRegion,
    ContractCommitment,
    RouteOperators,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerKind {
    Parent,
    Cloud,
    Operator,
    Aggregator,
    Region,
}

#[derive(Debug, Clone)]
pub struct GraphRule {
    /// Shared, as `Rule::id` is.
    pub id: std::sync::Arc<str>,
    pub title: String,
    pub severity: Severity,
    pub tags: Vec<String>,
    pub check: GraphCheck,
    pub min_grade: Option<String>,
    pub by: OwnerKind,
    pub threshold: f64,
    pub min_routes: usize,
    pub docs: Docs,
    pub origin: Arc<str>,
}
