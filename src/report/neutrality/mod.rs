//! The neutrality report (`hedge report`): what a CTO or founder asks of a project's AI and
//! infrastructure dependencies, as numbers, a drawing, charts, findings and a contract timeline.
//!
//! Everything is computed here, once, from a finished evaluation into a plain data model; the
//! HTML and Markdown renderers only lay it out. That way the two formats (and the tests) agree on
//! every number by construction, and the renderers never reach into the graph.
//!
//! Nothing in the model depends on the clock or on thread scheduling: the date is the one the
//! findings were judged at, and every list is in the graph's order (which follows the sorted file
//! list) or sorted explicitly, so a report is byte-identical for any `--threads`.

pub mod html;
pub mod markdown;
pub mod svg;

use std::collections::{BTreeMap, BTreeSet};

use crate::contracts::{Contract, Date};
use crate::diag::{Diagnostic, Severity};
use crate::engine::ruleset::Role;
use crate::graph::registry::Registry;
use crate::graph::{all, grade, Grade, Graph, Route};
use crate::report::RuleMeta;

/// Above these the dependency graph is drawn per file instead of per route: hundreds of route
/// boxes are neither readable nor printable, and the per-route graph is one `hedge graph` away.
pub const MAX_DRAWN_ROUTES: usize = 40;
pub const MAX_DRAWN_DEPLOYMENTS: usize = 60;
/// Boxes per column in the grouped drawing; the rest are folded into one "more" box. Also keeps
/// the Mermaid version under the 500 links Mermaid draws by default.
pub const MAX_GROUPED_NODES: usize = 20;
/// Findings listed per rule; a project with thousands has `hedge check` for the full list.
pub const MAX_FINDINGS_PER_RULE: usize = 100;
/// Fallbacks listed one by one (the weakest first); all of them are counted by grade.
pub const MAX_FALLBACK_ROWS: usize = 50;
/// Bars per concentration chart before the smallest are folded into "others".
pub const MAX_BARS: usize = 10;

/// What the report is built from.
pub struct Input<'a> {
    /// The project as the user named it.
    pub project: &'a str,
    pub graph: &'a Graph,
    /// The findings, exactly as `hedge check` reports them.
    pub diagnostics: &'a [Diagnostic],
    pub registry: &'a Registry,
    pub rules: &'a [RuleMeta],
    /// The day contract terms are judged at (`--today` or the system date).
    pub today: Date,
    pub expiry_window_days: i64,
    pub max_parent_share: Option<f64>,
    pub max_cloud_share: Option<f64>,
    /// Link target for a file as shown in findings (relative to where the report is written).
    pub href: &'a dyn Fn(&str) -> String,
    /// A directory prefix (`fixtures/demo/`) left out of file names shown in the report: the
    /// title already names the project.
    pub strip: Option<&'a str>,
}

/// The report, ready to lay out.
#[derive(Debug, Clone)]
pub struct Neutrality {
    pub project: String,
    pub version: &'static str,
    pub today: Date,
    pub expiry_window_days: i64,
    pub summary: Summary,
    /// Short plain-text sentences for the top of the report.
    pub highlights: Vec<String>,
    pub diagram: Diagram,
    /// At most [`MAX_FALLBACK_ROWS`], the weakest first.
    pub fallbacks: Vec<FallbackRow>,
    /// Every fallback edge counted by grade, the weakest grade first.
    pub fallback_grades: Vec<(Grade, usize)>,
    pub fallback_count: usize,
    pub charts: Vec<Chart>,
    pub findings: Vec<RuleGroup>,
    pub contracts: Vec<ContractRow>,
}

/// A registry id with its display name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub routes: usize,
    /// Routes that are no other route's fallback target: where traffic enters.
    pub entry_routes: usize,
    /// Routes that are some other route's fallback target.
    pub standby_routes: usize,
    /// Entry routes that survive the loss of their primary operator (`Graph::has_outage_cover`).
    pub with_outage_cover: usize,
    /// Entry routes whose cover is graded `independent`.
    pub with_independent_cover: usize,
    pub deployments: usize,
    pub operators: Vec<Named>,
    pub labs: Vec<Named>,
    pub clouds: Vec<Named>,
    pub parents: Vec<Named>,
    /// Cloud-specific infrastructure references (Terraform, Kubernetes keys, images, actions).
    pub infra_references: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub contracts: usize,
    /// Contracts that ended, missed their notice deadline, or end or need notice within the
    /// expiry window.
    pub contracts_due: usize,
}

/// How well a route survives its primary operator's outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cover {
    /// No outage fallback and no load-balanced peer on another operator.
    None,
    /// Covered, but by something that shares a failure domain (the grade says which).
    Partial(Grade),
    Independent,
    /// Another route's fallback target: judged through the route that falls back to it.
    Standby,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Route(Cover),
    Deployment,
    Operator,
    /// The project's own infrastructure (Terraform, Kubernetes, CI), as one box.
    Infrastructure,
    Cloud,
    Parent,
    /// A config file standing for its routes (grouped drawing).
    File,
    /// Boxes folded together because the column was too long.
    More,
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub label: String,
    pub detail: String,
    /// The full text, for a tooltip: labels are shortened to fit their box.
    pub tooltip: String,
    pub kind: NodeKind,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub title: &'static str,
    pub nodes: Vec<Node>,
}

/// A dependency between boxes of two columns: (column, node) pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub from: (usize, usize),
    pub to: (usize, usize),
    /// How many deployments or references the link stands for.
    pub weight: usize,
    /// Set for a fallback target inside an ordered route: its grade.
    pub fallback: Option<Grade>,
}

/// A fallback from one route to another, both in column 0.
#[derive(Debug, Clone)]
pub struct FallbackArc {
    pub from: usize,
    pub to: usize,
    pub grade: Grade,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub struct Diagram {
    pub columns: Vec<Column>,
    pub links: Vec<Link>,
    pub arcs: Vec<FallbackArc>,
    /// Why the drawing is grouped, when it is.
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FallbackRow {
    pub from: String,
    pub to: String,
    pub role: Role,
    pub grade: Grade,
    pub reason: String,
    pub at: Place,
}

/// A place in a file, for a link and its text.
#[derive(Debug, Clone)]
pub struct Place {
    pub path: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub href: String,
}

impl Place {
    /// `path:line:column`, as the other reporters print it.
    pub fn text(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", self.path),
            _ => self.path.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub count: usize,
    /// The grey buckets (mixed, unknown, others) are not owners and never breach a limit.
    pub owner: bool,
}

#[derive(Debug, Clone)]
pub struct Chart {
    pub title: &'static str,
    /// What is counted (plural): "routes", "references".
    pub unit: &'static str,
    pub total: usize,
    pub bars: Vec<Bar>,
    /// A policy share (0..1) drawn as a line: owners above it breach the policy.
    pub limit: Option<f64>,
    pub note: &'static str,
}

#[derive(Debug, Clone)]
pub struct FindingRow {
    pub severity: Severity,
    pub message: String,
    pub at: Place,
}

#[derive(Debug, Clone)]
pub struct RuleGroup {
    pub rule: String,
    pub title: String,
    /// The most severe finding of the group.
    pub severity: Severity,
    pub count: usize,
    /// At most [`MAX_FINDINGS_PER_RULE`]; `count` says how many there are.
    pub rows: Vec<FindingRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractStatus {
    Ended,
    /// Auto-renewing, and the notice deadline to stop the renewal has passed.
    NoticeMissed,
    /// The end, or the notice deadline, falls within the expiry window.
    DueSoon,
    Active,
    /// No end date on file.
    OpenEnded,
}

impl ContractStatus {
    pub fn is_due(self) -> bool {
        matches!(
            self,
            ContractStatus::Ended | ContractStatus::NoticeMissed | ContractStatus::DueSoon
        )
    }
}

#[derive(Debug, Clone)]
pub struct ContractRow {
    pub vendor: Named,
    pub at: Place,
    pub start: Option<Date>,
    pub end: Option<Date>,
    pub auto_renew: bool,
    pub renewal_notice_days: Option<i64>,
    /// Last day to give notice that stops an automatic renewal.
    pub renewal_deadline: Option<Date>,
    pub termination_notice_days: Option<i64>,
    /// Last day to give termination notice to leave at the end of the term.
    pub exit_deadline: Option<Date>,
    pub status: ContractStatus,
    /// One sentence: what happens next and when.
    pub status_text: String,
}

/// Builds the report model.
pub fn build(input: &Input<'_>) -> Neutrality {
    let g = input.graph;
    let names = Names(input.registry);
    let covers: Vec<Cover> = g.routes.iter().map(|r| cover(g, r)).collect();
    let contracts = contracts(input, &names);
    let summary = summary(input, &names, &covers, &contracts);
    let charts = charts(input, &names);
    let mut n = Neutrality {
        project: input.project.to_string(),
        version: env!("CARGO_PKG_VERSION"),
        today: input.today,
        expiry_window_days: input.expiry_window_days,
        highlights: Vec::new(),
        diagram: if g.routes.len() > MAX_DRAWN_ROUTES || g.deployments.len() > MAX_DRAWN_DEPLOYMENTS
        {
            grouped_diagram(g, &names)
        } else {
            full_diagram(g, &names, &covers)
        },
        fallbacks: fallbacks(input),
        fallback_grades: fallback_grades(g),
        fallback_count: g.edges.len(),
        findings: findings(input),
        summary,
        charts,
        contracts,
    };
    n.highlights = highlights(&n);
    n
}

/// Display names from the registry; an id it does not know stands for itself.
struct Names<'a>(&'a Registry);

impl Names<'_> {
    fn operator(&self, id: &str) -> String {
        self.0
            .operator(id)
            .map_or_else(|| id.to_string(), |o| short(&o.name))
    }
    fn lab(&self, id: &str) -> String {
        self.0
            .lab(id)
            .map_or_else(|| id.to_string(), |l| short(&l.name))
    }
    fn cloud(&self, id: &str) -> String {
        self.0
            .cloud(id)
            .map_or_else(|| id.to_string(), |c| short(&c.name))
    }
    fn parent(&self, id: &str) -> String {
        self.0
            .parent(id)
            .map_or_else(|| id.to_string(), |p| short(&p.name))
    }
    /// A contract names an operator or a parent company.
    fn vendor(&self, id: &str) -> String {
        match (self.0.operator(id), self.0.parent(id)) {
            (Some(o), _) => short(&o.name),
            (None, Some(p)) => short(&p.name),
            _ => id.to_string(),
        }
    }
    fn cloud_parent(&self, id: &str) -> Option<String> {
        self.0.cloud(id).map(|c| c.parent.clone())
    }
}

/// Registry names carry explanations in parentheses ("OpenAI (GPT, o-series, gpt-oss)") that
/// crowd a box or a list; the name before them is what people call the company.
fn short(name: &str) -> String {
    match name.split_once(" (") {
        Some((head, _)) if !head.trim().is_empty() => head.trim().to_string(),
        _ => name.to_string(),
    }
}

fn named<S: AsRef<str>>(ids: BTreeSet<S>, name: impl Fn(&str) -> String) -> Vec<Named> {
    let mut v: Vec<Named> = ids
        .into_iter()
        .map(|id| Named {
            name: name(id.as_ref()),
            id: id.as_ref().to_string(),
        })
        .collect();
    v.sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));
    v
}

/// A route that another route falls back to (for any reason) is a standby, as
/// `route-without-fallback` sees it.
fn is_standby(g: &Graph, route: usize) -> bool {
    g.is_standby(route)
}

fn cover(g: &Graph, r: &Route) -> Cover {
    if is_standby(g, r.id) {
        return Cover::Standby;
    }
    if !g.has_outage_cover(r.id) {
        return Cover::None;
    }
    let by_edge = g
        .edges_from(r.id)
        .filter(|e| e.role == Role::Outage)
        .map(|e| e.grade)
        .max();
    // load-balanced peers on several operators: when one operator is down the others carry the
    // traffic, so each operator's deployments are graded against the rest; the weakest decides
    let by_peers = if r.ordered {
        None
    } else {
        let deps = all(r);
        let ops: BTreeSet<&str> = deps
            .iter()
            .filter_map(|&d| g.deployments[d].operator.as_deref())
            .collect();
        (ops.len() > 1)
            .then(|| {
                ops.iter()
                    .map(|op| {
                        let (on, off): (Vec<usize>, Vec<usize>) = deps
                            .iter()
                            .partition(|&&d| g.deployments[d].operator.as_deref() == Some(op));
                        grade::grade_sets(g, &on, &off).0
                    })
                    .min()
            })
            .flatten()
    };
    match by_edge.max(by_peers) {
        Some(Grade::Independent) => Cover::Independent,
        Some(grade) => Cover::Partial(grade),
        None => Cover::Partial(Grade::Unknown),
    }
}

fn summary(
    input: &Input<'_>,
    names: &Names<'_>,
    covers: &[Cover],
    contracts: &[ContractRow],
) -> Summary {
    let g = input.graph;
    let mut operators = BTreeSet::new();
    let mut labs = BTreeSet::new();
    let mut clouds = BTreeSet::new();
    let mut parents = BTreeSet::new();
    // shared names, borrowed: a big project has a hundred thousand deployments and several
    // hundred thousand infrastructure references, but a few dozen distinct names
    for d in &g.deployments {
        operators.extend(d.operator.as_deref());
        labs.extend(d.lab.as_deref());
        clouds.extend(d.cloud.as_deref());
        parents.extend(d.parent.as_deref());
    }
    let mut parents: BTreeSet<String> = parents.into_iter().map(str::to_string).collect();
    let infra_references = g.infra.cloud_references();
    for c in g.infra.clouds.keys().map(|c| &**c) {
        clouds.insert(c);
        parents.extend(names.cloud_parent(c));
    }
    let standby = covers.iter().filter(|c| **c == Cover::Standby).count();
    let mut s = Summary {
        routes: g.routes.len(),
        entry_routes: g.routes.len() - standby,
        standby_routes: standby,
        with_outage_cover: covers
            .iter()
            .filter(|c| matches!(c, Cover::Partial(_) | Cover::Independent))
            .count(),
        with_independent_cover: covers.iter().filter(|c| **c == Cover::Independent).count(),
        deployments: g.deployments.len(),
        operators: named(operators, |id| names.operator(id)),
        labs: named(labs, |id| names.lab(id)),
        clouds: named(clouds, |id| names.cloud(id)),
        parents: named(parents, |id| names.parent(id)),
        infra_references,
        contracts: contracts.len(),
        contracts_due: contracts.iter().filter(|c| c.status.is_due()).count(),
        ..Summary::default()
    };
    for d in input.diagnostics {
        match d.severity {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
            Severity::Info => s.infos += 1,
        }
    }
    s
}

fn place(input: &Input<'_>, path: &str, loc: Option<&crate::diag::Location>) -> Place {
    let shown = input
        .strip
        .and_then(|p| path.strip_prefix(p))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(path);
    Place {
        path: shown.to_string(),
        line: loc.map(|l| l.start.line),
        column: loc.map(|l| l.start.column),
        href: (input.href)(path),
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// One box per route, deployment, operator, cloud and parent company.
fn full_diagram(g: &Graph, names: &Names<'_>, covers: &[Cover]) -> Diagram {
    let mut b = DiagramBuilder::new(&[
        "Routes",
        "Deployments",
        "Operators",
        "Clouds",
        "Parent companies",
    ]);
    for (r, cover) in g.routes.iter().zip(covers) {
        let ri = b.node(
            0,
            &format!("r{}", r.id),
            Node {
                label: r.name.clone(),
                detail: format!("{} · {}", r.extractor, file_name(&r.file)),
                tooltip: format!("route {} ({}:{})", r.name, r.file, r.loc.start.line),
                kind: NodeKind::Route(*cover),
            },
        );
        for (mi, member) in r.members.iter().enumerate() {
            let fallback = (r.ordered && mi > 0).then(|| {
                g.edges
                    .iter()
                    .find(|e| e.from == r.id && e.to_member == Some(mi))
                    .map_or(Grade::Unknown, |e| e.grade)
            });
            for &di in member {
                let d = &g.deployments[di];
                let mut detail: Vec<String> = d.lab.iter().map(|l| names.lab(l)).collect();
                detail.extend(d.region.as_deref().map(str::to_string));
                let model = d.model.as_deref().map(str::to_string);
                let dn = b.node(
                    1,
                    &format!("d{di}"),
                    Node {
                        label: model
                            .clone()
                            .unwrap_or_else(|| "(default model)".to_string()),
                        detail: detail.join(" · "),
                        tooltip: format!(
                            "{} on {}",
                            model.as_deref().unwrap_or("the operator's default model"),
                            d.operator.as_deref().unwrap_or("an unknown operator")
                        ),
                        kind: NodeKind::Deployment,
                    },
                );
                b.link((0, ri), (1, dn), 1, fallback);
                let on = operator_node(&mut b, 2, names, d);
                b.link((1, dn), (2, on), 1, None);
                cloud_and_parent(&mut b, names, d, on, 3, 4);
            }
        }
    }
    infrastructure(&mut b, g, names, 2, 3, 4);
    let arcs = g
        .edges
        .iter()
        .filter_map(|e| {
            let to = e.to?;
            (e.to_member.is_none() && to != e.from).then(|| FallbackArc {
                from: b.index(0, &format!("r{}", e.from)).unwrap_or(0),
                to: b.index(0, &format!("r{to}")).unwrap_or(0),
                grade: e.grade,
                role: e.role,
            })
        })
        .collect();
    let mut d = b.finish();
    d.arcs = arcs;
    d
}

/// Per config file instead of per route, with long columns folded.
fn grouped_diagram(g: &Graph, names: &Names<'_>) -> Diagram {
    let mut b = DiagramBuilder::new(&["Config files", "Operators", "Clouds", "Parent companies"]);
    let mut routes_per_file: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &g.routes {
        *routes_per_file.entry(&r.file).or_default() += 1;
    }
    for r in &g.routes {
        let n = routes_per_file.get(&*r.file).copied().unwrap_or(0);
        let fi = b.node(
            0,
            &format!("f:{}", r.file),
            Node {
                label: file_name(&r.file).to_string(),
                detail: format!("{n} route(s) · {}", r.extractor),
                tooltip: r.file.to_string(),
                kind: NodeKind::File,
            },
        );
        for &di in all(r).iter() {
            let d = &g.deployments[di];
            let on = operator_node(&mut b, 1, names, d);
            b.link((0, fi), (1, on), 1, None);
            cloud_and_parent(&mut b, names, d, on, 2, 3);
        }
    }
    infrastructure(&mut b, g, names, 1, 2, 3);
    let mut d = b.finish();
    let folded: Vec<usize> = (0..d.columns.len())
        .filter(|&c| fold_column(&mut d, c, MAX_GROUPED_NODES))
        .collect();
    let mut note = format!(
        "{} routes and {} deployments are too many to draw one by one: routes are grouped by the file that defines them, and line widths show how many deployments each link stands for.",
        g.routes.len(),
        g.deployments.len()
    );
    if !folded.is_empty() {
        note.push_str(&format!(
            " Columns longer than {MAX_GROUPED_NODES} boxes end with one box for the rest."
        ));
    }
    note.push_str(" `hedge graph --format dot` prints every route.");
    d.note = Some(note);
    d
}

fn operator_node(
    b: &mut DiagramBuilder,
    col: usize,
    names: &Names<'_>,
    d: &crate::graph::Deployment,
) -> usize {
    match &d.operator {
        Some(op) => {
            let mut detail = Vec::new();
            if d.aggregator {
                detail.push("aggregator");
            }
            if d.self_hosted {
                detail.push("your infrastructure");
            }
            b.node(
                col,
                &format!("o:{op}"),
                Node {
                    label: names.operator(op),
                    detail: detail.join(" · "),
                    tooltip: format!("operator {op}"),
                    kind: NodeKind::Operator,
                },
            )
        }
        None => b.node(
            col,
            "o:?",
            Node {
                label: "Unknown operator".to_string(),
                detail: "not in the vendor registry".to_string(),
                tooltip: d.unknown.as_deref().unwrap_or_default().to_string(),
                kind: NodeKind::Unknown,
            },
        ),
    }
}

fn cloud_node(b: &mut DiagramBuilder, col: usize, names: &Names<'_>, cloud: &str) -> usize {
    b.node(
        col,
        &format!("c:{cloud}"),
        Node {
            label: names.cloud(cloud),
            detail: String::new(),
            tooltip: format!("cloud {cloud}"),
            kind: NodeKind::Cloud,
        },
    )
}

fn parent_node(b: &mut DiagramBuilder, col: usize, names: &Names<'_>, parent: &str) -> usize {
    let jurisdiction = names
        .0
        .parent(parent)
        .map(|p| p.jurisdiction.to_string())
        .filter(|j| j.chars().any(|c| c.is_ascii_alphabetic()))
        .unwrap_or_default();
    b.node(
        col,
        &format!("p:{parent}"),
        Node {
            label: names.parent(parent),
            detail: jurisdiction,
            tooltip: format!("parent company {parent}"),
            kind: NodeKind::Parent,
        },
    )
}

/// Operator → cloud → parent; operator → parent directly when the operator runs on no cloud, or
/// on one that another company owns.
fn cloud_and_parent(
    b: &mut DiagramBuilder,
    names: &Names<'_>,
    d: &crate::graph::Deployment,
    on: usize,
    cloud_col: usize,
    parent_col: usize,
) {
    let cloud_parent = d.cloud.as_deref().and_then(|c| names.cloud_parent(c));
    if let Some(cloud) = &d.cloud {
        let cn = cloud_node(b, cloud_col, names, cloud);
        b.link_once((cloud_col - 1, on), (cloud_col, cn));
        if let Some(cp) = &cloud_parent {
            let pn = parent_node(b, parent_col, names, cp);
            b.link_once((cloud_col, cn), (parent_col, pn));
        }
    }
    if let Some(parent) = &d.parent {
        if d.cloud.is_none() || cloud_parent.as_deref() != Some(parent) {
            let pn = parent_node(b, parent_col, names, parent);
            b.link_once((cloud_col - 1, on), (parent_col, pn));
        }
    }
}

/// The project's own infrastructure as one box beside the operators, linked to the clouds its
/// cloud-specific references name (weighted by how many).
fn infrastructure(
    b: &mut DiagramBuilder,
    g: &Graph,
    names: &Names<'_>,
    col: usize,
    cloud_col: usize,
    parent_col: usize,
) {
    let per_cloud = &g.infra.clouds;
    if per_cloud.is_empty() {
        return;
    }
    let total: usize = per_cloud.values().sum();
    let infra = b.node(
        col,
        "infra",
        Node {
            label: "Your infrastructure".to_string(),
            detail: format!("{total} cloud references"),
            tooltip:
                "Terraform, CloudFormation, Kubernetes, images and CI actions that name one cloud"
                    .to_string(),
            kind: NodeKind::Infrastructure,
        },
    );
    for (cloud, &n) in per_cloud {
        let cn = cloud_node(b, cloud_col, names, cloud);
        b.link((col, infra), (cloud_col, cn), n, None);
        if let Some(cp) = names.cloud_parent(cloud) {
            let pn = parent_node(b, parent_col, names, &cp);
            b.link_once((cloud_col, cn), (parent_col, pn));
        }
    }
}

/// A box: (column, index in the column).
type Slot = (usize, usize);

/// Collects boxes by a stable key per column and links between them.
struct DiagramBuilder {
    columns: Vec<Column>,
    keys: Vec<BTreeMap<String, usize>>,
    links: Vec<Link>,
    /// Plain links by their ends, so a project with thousands of deployments merges them in
    /// log time instead of scanning every link each time.
    plain: BTreeMap<(Slot, Slot), usize>,
}

impl DiagramBuilder {
    fn new(titles: &[&'static str]) -> Self {
        DiagramBuilder {
            columns: titles
                .iter()
                .map(|t| Column {
                    title: t,
                    nodes: Vec::new(),
                })
                .collect(),
            keys: vec![BTreeMap::new(); titles.len()],
            links: Vec::new(),
            plain: BTreeMap::new(),
        }
    }

    /// The box with `key` in `col`, added the first time it is asked for.
    fn node(&mut self, col: usize, key: &str, node: Node) -> usize {
        if let Some(&i) = self.keys[col].get(key) {
            return i;
        }
        let i = self.columns[col].nodes.len();
        self.columns[col].nodes.push(node);
        self.keys[col].insert(key.to_string(), i);
        i
    }

    fn index(&self, col: usize, key: &str) -> Option<usize> {
        self.keys[col].get(key).copied()
    }

    /// Adds a link, or adds `weight` to the same plain link already there. A fallback link is
    /// always its own: it carries a grade.
    fn link(&mut self, from: (usize, usize), to: (usize, usize), weight: usize, fb: Option<Grade>) {
        if fb.is_none() {
            if let Some(&i) = self.plain.get(&(from, to)) {
                self.links[i].weight += weight;
                return;
            }
            self.plain.insert((from, to), self.links.len());
        }
        self.links.push(Link {
            from,
            to,
            weight,
            fallback: fb,
        });
    }

    /// A structural link (operator → cloud, cloud → parent) that counts once however many
    /// deployments pass along it.
    fn link_once(&mut self, from: (usize, usize), to: (usize, usize)) {
        if !self.plain.contains_key(&(from, to)) {
            self.link(from, to, 1, None);
        }
    }

    fn finish(self) -> Diagram {
        Diagram {
            columns: self.columns,
            links: self.links,
            arcs: Vec::new(),
            note: None,
        }
    }
}

/// Folds the lightest boxes of a column into one "more" box so it has at most `max`; links are
/// redirected and merged. Returns whether anything was folded.
fn fold_column(d: &mut Diagram, col: usize, max: usize) -> bool {
    let n = d.columns[col].nodes.len();
    if n <= max {
        return false;
    }
    let mut weight = vec![0usize; n];
    for l in &d.links {
        if l.from.0 == col {
            weight[l.from.1] += l.weight;
        }
        if l.to.0 == col {
            weight[l.to.1] += l.weight;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    // heaviest first; ties keep the column's order, so the result is deterministic
    order.sort_by(|&a, &b| weight[b].cmp(&weight[a]).then(a.cmp(&b)));
    let keep: BTreeSet<usize> = order[..max - 1].iter().copied().collect();
    let folded = n - keep.len();
    let mut remap = vec![0usize; n];
    let mut nodes = Vec::with_capacity(max);
    let old = std::mem::take(&mut d.columns[col].nodes);
    for (i, node) in old.into_iter().enumerate() {
        if keep.contains(&i) {
            remap[i] = nodes.len();
            nodes.push(node);
        }
    }
    let more = nodes.len();
    for (i, r) in remap.iter_mut().enumerate() {
        if !keep.contains(&i) {
            *r = more;
        }
    }
    nodes.push(Node {
        label: format!("{folded} more"),
        detail: format!(
            "{} not drawn one by one",
            d.columns[col].title.to_lowercase()
        ),
        tooltip: String::new(),
        kind: NodeKind::More,
    });
    d.columns[col].nodes = nodes;
    let links = std::mem::take(&mut d.links);
    for mut l in links {
        if l.from.0 == col {
            l.from.1 = remap[l.from.1];
        }
        if l.to.0 == col {
            l.to.1 = remap[l.to.1];
        }
        match d
            .links
            .iter_mut()
            .find(|m| m.from == l.from && m.to == l.to && m.fallback == l.fallback)
        {
            Some(m) => m.weight += l.weight,
            None => d.links.push(l),
        }
    }
    true
}

fn fallback_grades(g: &Graph) -> Vec<(Grade, usize)> {
    let mut by: BTreeMap<Grade, usize> = BTreeMap::new();
    for e in &g.edges {
        *by.entry(e.grade).or_default() += 1;
    }
    by.into_iter().collect()
}

fn fallbacks(input: &Input<'_>) -> Vec<FallbackRow> {
    let g = input.graph;
    let mut edges: Vec<&crate::graph::Edge> = g.edges.iter().collect();
    // a long list is cut, so the weakest (the ones to fix) come first; the sort is stable, so
    // within a grade the graph's order holds
    if edges.len() > MAX_FALLBACK_ROWS {
        edges.sort_by_key(|e| e.grade);
        edges.truncate(MAX_FALLBACK_ROWS);
    }
    edges
        .into_iter()
        .map(|e| {
            let from = &g.routes[e.from];
            let to = match (e.to, e.to_member) {
                (Some(t), Some(m)) => format!("{} (target {})", g.routes[t].name, m + 1),
                (Some(t), None) => g.routes[t].name.clone(),
                (None, _) => format!("{} (missing)", e.to_name),
            };
            FallbackRow {
                from: from.name.clone(),
                to,
                role: e.role,
                grade: e.grade,
                reason: e.reason.clone(),
                at: place(input, &e.loc.path, Some(&e.loc)),
            }
        })
        .collect()
}

/// What a route depends on for `key`: the one owner every deployment serving it first shares,
/// else "mixed" (or "unknown" when an operator is unknown), as the concentration rules count.
fn route_owner(
    g: &Graph,
    r: &Route,
    key: impl Fn(&crate::graph::Deployment) -> Option<String>,
) -> Result<String, &'static str> {
    let deps = crate::graph::primary(r);
    if deps.is_empty() || deps.iter().any(|&d| g.deployments[d].operator.is_none()) {
        return Err("unknown operator");
    }
    let owners: BTreeSet<Option<String>> = deps.iter().map(|&d| key(&g.deployments[d])).collect();
    match owners.into_iter().collect::<Vec<_>>().as_slice() {
        [Some(one)] => Ok(one.clone()),
        [None] => Err(""),
        _ => Err("several (load-balanced)"),
    }
}

fn chart(
    title: &'static str,
    unit: &'static str,
    note: &'static str,
    limit: Option<f64>,
    counts: BTreeMap<Result<String, &'static str>, usize>,
) -> Chart {
    let total = counts.values().sum();
    let mut bars: Vec<Bar> = counts
        .into_iter()
        .map(|(k, count)| match k {
            Ok(label) => Bar {
                label,
                count,
                owner: true,
            },
            Err(label) => Bar {
                label: label.to_string(),
                count,
                owner: false,
            },
        })
        .collect();
    // owners by size, then the grey buckets
    bars.sort_by(|a, b| {
        b.owner
            .cmp(&a.owner)
            .then(b.count.cmp(&a.count))
            .then(a.label.cmp(&b.label))
    });
    let owners = bars.iter().filter(|b| b.owner).count();
    if owners > MAX_BARS {
        let rest: Vec<Bar> = bars.drain(MAX_BARS - 1..owners).collect();
        bars.insert(
            MAX_BARS - 1,
            Bar {
                label: format!("{} others", rest.len()),
                count: rest.iter().map(|b| b.count).sum(),
                owner: false,
            },
        );
    }
    Chart {
        title,
        unit,
        total,
        bars,
        limit,
        note,
    }
}

fn charts(input: &Input<'_>, names: &Names<'_>) -> Vec<Chart> {
    let g = input.graph;
    let mut by_parent: BTreeMap<Result<String, &'static str>, usize> = BTreeMap::new();
    let mut by_cloud: BTreeMap<Result<String, &'static str>, usize> = BTreeMap::new();
    for r in &g.routes {
        let p = route_owner(g, r, |d| d.parent.as_deref().map(str::to_string))
            .map(|p| names.parent(&p));
        *by_parent.entry(p).or_default() += 1;
        let c = route_owner(g, r, |d| {
            Some(match (&d.cloud, d.self_hosted) {
                (Some(c), _) => names.cloud(c),
                (None, true) => "Self-hosted".to_string(),
                (None, false) => "Vendor's own platform".to_string(),
            })
        });
        *by_cloud.entry(c).or_default() += 1;
    }
    let mut infra_cloud: BTreeMap<Result<String, &'static str>, usize> = BTreeMap::new();
    let mut infra_parent: BTreeMap<Result<String, &'static str>, usize> = BTreeMap::new();
    // counted by cloud id: names are looked up once a cloud, not once a reference
    for (c, &n) in &g.infra.clouds {
        *infra_cloud.entry(Ok(names.cloud(c))).or_default() += n;
        let p = names
            .cloud_parent(c)
            .map(|p| names.parent(&p))
            .ok_or("unknown");
        *infra_parent.entry(p).or_default() += n;
    }
    vec![
        chart(
            "AI routes by parent company",
            "routes",
            "A route counts for a company when every deployment serving its traffic first belongs to it.",
            input.max_parent_share,
            by_parent,
        ),
        chart(
            "AI routes by cloud",
            "routes",
            "The cloud the model service runs on; vendors that run their own platform are shown as such.",
            input.max_cloud_share,
            by_cloud,
        ),
        chart(
            "Infrastructure by parent company",
            "references",
            "Cloud-specific references in Terraform, CloudFormation, Kubernetes, images and CI.",
            None,
            infra_parent,
        ),
        chart(
            "Infrastructure by cloud",
            "references",
            "Portable resources (a Kubernetes Deployment, a Postgres image) are not counted.",
            None,
            infra_cloud,
        ),
    ]
}

fn findings(input: &Input<'_>) -> Vec<RuleGroup> {
    let mut groups: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in input.diagnostics {
        groups.entry(&d.rule).or_default().push(d);
    }
    let mut out: Vec<RuleGroup> = groups
        .into_iter()
        .map(|(rule, ds)| RuleGroup {
            rule: rule.to_string(),
            title: input
                .rules
                .iter()
                .find(|m| m.id == rule)
                .map(|m| m.title.clone())
                .unwrap_or_default(),
            severity: ds
                .iter()
                .map(|d| d.severity)
                .max()
                .unwrap_or(Severity::Info),
            count: ds.len(),
            rows: ds
                .iter()
                .take(MAX_FINDINGS_PER_RULE)
                .map(|d| FindingRow {
                    severity: d.severity,
                    message: d.message.clone(),
                    at: place(input, &d.path, d.primary.as_ref()),
                })
                .collect(),
        })
        .collect();
    // the worst first; within a severity the most frequent, then by id
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.count.cmp(&a.count))
            .then(a.rule.cmp(&b.rule))
    });
    out
}

fn contracts(input: &Input<'_>, names: &Names<'_>) -> Vec<ContractRow> {
    let mut rows: Vec<ContractRow> = input
        .graph
        .contracts
        .iter()
        .map(|c| contract_row(input, names, c))
        .collect();
    rows.sort_by(|a, b| (a.end, &a.vendor.id, &a.at.path).cmp(&(b.end, &b.vendor.id, &b.at.path)));
    rows
}

/// The same judgement as the `contract-expiry` rule, so the report and `hedge check` agree.
fn contract_row(input: &Input<'_>, names: &Names<'_>, c: &Contract) -> ContractRow {
    let today = input.today;
    let window = input.expiry_window_days;
    let vendor = &c.vendor.value;
    let end = c.end.as_ref().map(|e| e.value);
    let renewal_notice_days = c.renewal_notice_days.as_ref().map(|n| n.value);
    let termination_notice_days = c.termination_notice_days.as_ref().map(|n| n.value);
    let renewal_deadline = match (c.auto_renew, end, renewal_notice_days) {
        (true, Some(e), Some(n)) => Some(e.add_days(-n)),
        _ => None,
    };
    let exit_deadline = match (end, termination_notice_days) {
        (Some(e), Some(n)) => Some(e.add_days(-n)),
        _ => None,
    };
    let days = |d: Date| d.days() - today.days();
    let (status, status_text) = match end {
        None => (ContractStatus::OpenEnded, "no end date on file".to_string()),
        Some(e) if days(e) < 0 => (
            ContractStatus::Ended,
            format!("ended on {e} ({} days ago)", -days(e)),
        ),
        Some(e) => match renewal_deadline {
            Some(dl) if days(dl) < 0 => (
                ContractStatus::NoticeMissed,
                format!("renews on {e}: the notice deadline to stop it was {dl}"),
            ),
            Some(dl) if days(dl) <= window => (
                ContractStatus::DueSoon,
                format!(
                    "renews on {e} unless notice is given by {dl} (in {} days)",
                    days(dl)
                ),
            ),
            Some(dl) => (
                ContractStatus::Active,
                format!("renews on {e}; notice to stop it by {dl}"),
            ),
            None if days(e) <= window => (
                ContractStatus::DueSoon,
                format!("ends on {e} (in {} days)", days(e)),
            ),
            None => (ContractStatus::Active, format!("runs until {e}")),
        },
    };
    ContractRow {
        vendor: Named {
            id: vendor.clone(),
            name: names.vendor(vendor),
        },
        at: place(input, &c.vendor.loc.path, Some(&c.vendor.loc)),
        start: c.start.as_ref().map(|s| s.value),
        end,
        auto_renew: c.auto_renew,
        renewal_notice_days,
        renewal_deadline,
        termination_notice_days,
        exit_deadline,
        status,
        status_text,
    }
}

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        return "0%".to_string();
    }
    format!("{:.0}%", n as f64 * 100.0 / of as f64)
}

fn highlights(n: &Neutrality) -> Vec<String> {
    let s = &n.summary;
    let mut out = Vec::new();
    if s.routes == 0 {
        out.push("No AI route was found: hedge reads LiteLLM, Portkey, Kong, Envoy AI Gateway, OpenRouter, Continue, Aider and Spring AI configurations.".to_string());
    } else {
        let uncovered = s.entry_routes - s.with_outage_cover;
        if uncovered > 0 {
            out.push(format!(
                "{uncovered} of {} entry routes have no outage fallback: one provider's outage stops them.",
                s.entry_routes
            ));
        }
        out.push(format!(
            "Independent fallback (another operator, model family and cloud): {} of {} entry routes; {} of {} have any outage fallback.",
            s.with_independent_cover, s.entry_routes, s.with_outage_cover, s.entry_routes
        ));
    }
    let top = |chart: Option<&Chart>| -> Option<(String, usize, usize)> {
        let c = chart?;
        let b = c.bars.iter().find(|b| b.owner)?;
        Some((b.label.clone(), b.count, c.total))
    };
    if let Some((who, k, total)) = top(n.charts.first()) {
        out.push(format!(
            "{who} serves {k} of {total} AI routes ({}).",
            pct(k, total)
        ));
    }
    if let Some((cloud, k, total)) = top(n.charts.get(3)) {
        if k == total {
            out.push(format!(
                "All {total} cloud-specific infrastructure references are on {cloud}."
            ));
        } else {
            out.push(format!(
                "{cloud} holds {k} of {total} cloud-specific infrastructure references ({}).",
                pct(k, total)
            ));
        }
    }
    for c in n.contracts.iter().filter(|c| c.status.is_due()) {
        out.push(format!("{} contract: {}.", c.vendor.name, c.status_text));
    }
    out
}

/// Escapes text for HTML and SVG content and attribute values. Characters that HTML forbids
/// in a document (controls, noncharacters) become U+FFFD, so hostile file names cannot break
/// the page or make it invalid.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() || is_noncharacter(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn is_noncharacter(c: char) -> bool {
    let u = c as u32;
    (0xFDD0..=0xFDEF).contains(&u) || (u & 0xFFFE) == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_controls() {
        assert_eq!(
            escape("<script>&\"'\u{0}\u{7}\u{FFFF}"),
            "&lt;script&gt;&amp;&quot;&#39;\u{FFFD}\u{FFFD}\u{FFFD}"
        );
    }
}
