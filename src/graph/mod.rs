//! The provider dependency graph: routes, the deployments behind them, fallback edges between
//! them, each deployment placed in its failure domains (operator, model family, cloud, region,
//! parent company) by the vendor registry. Built once per run from every file's facts, after the
//! per-file stage, because fallbacks and environment variables reach across files.

pub mod facts;
pub mod grade;
pub mod infra;
pub mod output;
pub mod registry;
pub mod rules;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diag::Location;
use crate::engine::ruleset::Role;
use crate::intern::Name;
use facts::{DeploymentFact, Facts, FileFacts, Val};
pub use grade::Grade;
pub use infra::InfraSummary;
use registry::{host_of, Registry};

/// A deployment placed in its failure domains but not yet numbered: what resolving one file
/// gives, and what the graph cache keeps per file (with the locations that the JSON graph
/// leaves out of [`Deployment`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Placed {
    pub member: usize,
    pub operator: Option<Name>,
    pub lab: Option<Name>,
    pub cloud: Option<Name>,
    pub parent: Option<Name>,
    pub region: Option<String>,
    pub model: Option<String>,
    pub endpoint: Option<String>,
    pub aggregator: bool,
    pub self_hosted: bool,
    pub rpm: Option<u64>,
    pub tpm: Option<u64>,
    pub jurisdiction: Option<Name>,
    pub unknown: Option<String>,
    pub loc: Option<Location>,
    pub vendor_loc: Option<Location>,
}

impl Placed {
    fn number(self, id: usize, route: usize, texts: &mut Texts) -> Deployment {
        // ids come from vector lengths, which stay far below u32::MAX (see `Deployment::id`)
        Deployment {
            id: id as u32,
            route: route as u32,
            member: self.member as u32,
            operator: self.operator,
            lab: self.lab,
            cloud: self.cloud,
            parent: self.parent,
            region: self.region.map(|t| texts.share(t)),
            model: self.model.map(|t| texts.share(t)),
            endpoint: self.endpoint.map(|t| texts.share(t)),
            aggregator: self.aggregator,
            self_hosted: self.self_hosted,
            rpm: Limit::new(self.rpm),
            tpm: Limit::new(self.tpm),
            jurisdiction: self.jurisdiction,
            unknown: self.unknown.map(|t| texts.share(t)),
            loc: self.loc,
            vendor_loc: self.vendor_loc,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Deployment {
    /// Numbers, of this deployment, its route and its member: four bytes each, as no project
    /// has four billion deployments, and a big one has 190,000 (2 MiB at 50,000 files).
    pub id: u32,
    pub route: u32,
    pub member: u32,
    /// Registry operator id; `None` when it cannot be resolved (see `unknown`).
    pub operator: Option<Name>,
    pub lab: Option<Name>,
    pub cloud: Option<Name>,
    pub parent: Option<Name>,
    pub region: Option<Name>,
    pub model: Option<Name>,
    pub endpoint: Option<Name>,
    pub aggregator: bool,
    pub self_hosted: bool,
    pub rpm: Limit,
    pub tpm: Limit,
    /// Country of the parent company's headquarters.
    pub jurisdiction: Option<Name>,
    /// Why the operator is unknown, for messages.
    pub unknown: Option<Name>,
    #[serde(skip)]
    pub loc: Option<Location>,
    /// Where the vendor is named (the provider or model value), for findings about it.
    #[serde(skip)]
    pub vendor_loc: Option<Location>,
}

/// A configured rate limit (requests or tokens a minute), or none, in one word: an
/// `Option<u64>` takes two, and every deployment has two limits, mostly none. The one value it
/// cannot hold, `u64::MAX`, reads as none; no gateway limit is that large.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Limit(u64);

impl Limit {
    const NONE: u64 = u64::MAX;

    pub fn new(limit: Option<u64>) -> Limit {
        Limit(limit.unwrap_or(Limit::NONE))
    }

    pub fn get(self) -> Option<u64> {
        (self.0 != Limit::NONE).then_some(self.0)
    }
}

impl std::fmt::Debug for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

impl Serialize for Limit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(s)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub id: usize,
    pub file: Arc<str>,
    pub name: String,
    /// The extractor's id, shared (see `RouteSpec::id`): one of a few dozen.
    pub extractor: Name,
    pub ordered: bool,
    /// (object type, why): see `RouteSpec::needs`. Boxed: few routes need one, and inline
    /// the pair was a fifth of every route.
    #[serde(skip)]
    pub needs: Option<Box<(String, String)>>,
    /// Whether an object the route needs exists.
    pub needs_met: bool,
    /// Deployment ids per member; for an ordered route member 0 is the primary.
    pub members: Vec<Vec<usize>>,
    #[serde(skip)]
    pub loc: Location,
    #[serde(skip)]
    pub member_locs: Vec<Location>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub from: usize,
    /// Target route, or `None` when the named route does not exist.
    pub to: Option<usize>,
    pub to_name: String,
    /// For fallbacks inside an ordered route: the member index that is the fallback.
    pub to_member: Option<usize>,
    pub role: Role,
    pub grade: Grade,
    pub reason: String,
    #[serde(skip)]
    pub loc: Location,
    #[serde(skip)]
    pub from_loc: Location,
}

#[derive(Debug, Default)]
pub struct Graph {
    pub routes: Vec<Route>,
    pub deployments: Vec<Deployment>,
    pub edges: Vec<Edge>,
    pub infra: InfraSummary,
    pub contracts: Vec<crate::contracts::Contract>,
    /// Edge indexes by source and by target route (built by `build`): rules ask "what falls
    /// back from / to this route" once per route, and scanning every edge for each made them
    /// quadratic on big projects.
    out_edges: Vec<Vec<usize>>,
    in_edges: Vec<Vec<usize>>,
}

/// Environment variables set anywhere in the project, by name, each with its distinct non-empty
/// values in path order, at most two (see [`Lookup::env`]). Looked up only, never walked in
/// order, so a hash map: a big project sets over a million (perf: the BTreeMap's string
/// comparisons were a quarter second of one core at 50,000 files).
type Env = HashMap<String, Vec<String>>;

/// Only what a reference's resolution can tell apart is kept (see [`Lookup::env`]): a big
/// project sets the same variables to the same values in thousands of manifests, and every
/// value kept was a million strings at 50,000 files. What is kept does not depend on the order
/// values come in, only on which distinct values there are.
fn add_env(env: &mut Env, e: facts::EnvFact) {
    if e.value.is_empty() {
        return;
    }
    match env.get_mut(&e.name) {
        Some(vals) => {
            if vals.len() < 2 && !vals.contains(&e.value) {
                vals.push(e.value);
            }
        }
        None => {
            env.insert(e.name, vec![e.value]);
        }
    }
}

/// Environment variables handed over by the per-file workers as each file is done, so that
/// no file's variables are held until the graph is built (they were a third of a big
/// project's packed facts). The order they arrive in varies with the threads; what a
/// reference resolves to does not (see [`add_env`]).
#[derive(Default)]
pub struct EnvSink(std::sync::Mutex<Env>);

impl EnvSink {
    pub fn add(&self, env: Vec<facts::EnvFact>) {
        if env.is_empty() {
            return;
        }
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for e in env {
            add_env(&mut all, e);
        }
    }

    fn take(&self) -> Env {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Named objects: (type, name) → fields.
type Objects = BTreeMap<(String, String), Vec<(String, Val)>>;

/// A name that resolving one file looked up in the project-wide lookups: an environment
/// variable, or an object by (type, name). A file's resolved [`Part`] stays right for as long
/// as the answers to its keys do, which is what lets a focus run re-resolve only the files its
/// edits can reach (`cache::graph`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Key {
    Env(String),
    Object(String, String),
}

/// What values may refer to, project-wide.
pub(crate) trait Lookup: Sync {
    /// The values set for an environment variable, in path order. A reference resolves when
    /// they hold one distinct non-empty value and conflicts when they hold more, so a lookup
    /// may leave out empty values and repeats, and stop at the second distinct value.
    fn env(&self, name: &str) -> Option<Cow<'_, [String]>>;
    /// The fields of the first object of the type and name, in path order.
    fn object(&self, object_type: &str, name: &str) -> Option<Cow<'_, [(String, Val)]>>;
}

/// Every file's environment variables and objects, merged.
#[derive(Default)]
pub(crate) struct Merged {
    env: Env,
    objects: Objects,
}

impl Merged {
    /// Takes the environment variables and objects out of `files` (in path order).
    pub(crate) fn take(files: &mut [FileFacts]) -> Merged {
        let mut m = Merged::default();
        for f in files {
            m.add(std::mem::take(&mut f.env), std::mem::take(&mut f.objects));
        }
        m
    }

    pub(crate) fn add(&mut self, env: Vec<facts::EnvFact>, objects: Vec<facts::ObjectFact>) {
        for e in env {
            add_env(&mut self.env, e);
        }
        for o in objects {
            self.objects
                .entry((o.object_type, o.name))
                .or_insert(o.fields);
        }
    }
}

impl Lookup for Merged {
    fn env(&self, name: &str) -> Option<Cow<'_, [String]>> {
        self.env.get(name).map(|v| Cow::Borrowed(v.as_slice()))
    }

    fn object(&self, object_type: &str, name: &str) -> Option<Cow<'_, [(String, Val)]>> {
        self.objects
            .get(&(object_type.to_string(), name.to_string()))
            .map(|v| Cow::Borrowed(v.as_slice()))
    }
}

/// The value at the end of `v`'s `via` references; `v` itself (borrowed: this runs for every
/// field of every deployment) when it has none.
fn follow<'v>(lk: &dyn Lookup, memo: &mut Memo<'_>, v: &'v Val) -> Result<Cow<'v, Val>, String> {
    if v.via.is_empty() {
        return Ok(Cow::Borrowed(v));
    }
    let mut cur = v.clone();
    for (t, field) in &v.via {
        memo.deps.push(Key::Object(t.clone(), cur.text.clone()));
        let fields = lk.object(t, &cur.text).ok_or_else(|| {
            format!(
                "refers to {t} `{}`, which the project does not define",
                cur.text
            )
        })?;
        cur = fields
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("refers to {t} `{}`, which sets no {field}", cur.text))?;
    }
    cur.via.clear();
    Ok(Cow::Owned(cur))
}

/// One route of a [`Part`]: a route fact with its deployments placed.
#[derive(Debug, Serialize, Deserialize)]
pub struct PartRoute {
    pub extractor: Name,
    pub name: String,
    pub ordered: bool,
    pub needs: Option<(String, String)>,
    pub needs_met: bool,
    pub loc: Location,
    pub member_locs: Vec<Location>,
    pub members: Vec<Vec<Placed>>,
}

/// One file's share of the graph, resolved against the project-wide lookups: everything the
/// graph takes from the file except ids, which are given out when the parts are assembled in
/// path order.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Part {
    pub routes: Vec<PartRoute>,
    pub fallbacks: Vec<facts::FallbackFact>,
    pub infra: InfraSummary,
    pub contracts: Vec<crate::contracts::Contract>,
}

impl Part {
    /// Whether the part holds together as resolution makes it: each route has a location per
    /// member. A cached part that does not (damaged, or not written by hedge) is not used.
    pub fn is_sound(&self) -> bool {
        self.routes
            .iter()
            .all(|r| r.member_locs.len() == r.members.len())
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
            && self.fallbacks.is_empty()
            && self.infra.is_empty()
            && self.contracts.is_empty()
    }
}

/// Resolves one file's facts (its environment variables and objects already merged into the
/// lookups); also returns the keys it looked up, sorted and unique.
pub(crate) fn resolve_file<'r>(
    f: FileFacts,
    reg: &'r Registry,
    lk: &dyn Lookup,
    memo: &mut Memo<'r>,
) -> (Part, Vec<Key>) {
    let infra = infra::summarise(reg, &f.infra);
    resolve_classified(f, infra, reg, lk, memo)
}

/// [`resolve_file`] with the file's infrastructure already summarised (by the worker that
/// packed its facts); `f.infra` is not read.
fn resolve_classified<'r>(
    f: FileFacts,
    infra: InfraSummary,
    reg: &'r Registry,
    lk: &dyn Lookup,
    memo: &mut Memo<'r>,
) -> (Part, Vec<Key>) {
    memo.deps.clear();
    let routes = f
        .routes
        .into_iter()
        .map(|r| {
            let needs_met = match &r.needs {
                Some((t, _)) => {
                    memo.deps.push(Key::Object(t.clone(), r.name.clone()));
                    lk.object(t, &r.name).is_some()
                }
                None => false,
            };
            let member_locs = r.members.iter().map(|m| m.loc.clone()).collect();
            let members = r
                .members
                .iter()
                .enumerate()
                .map(|(mi, m)| {
                    m.deployments
                        .iter()
                        .map(|d| resolve(reg, lk, memo, d, mi))
                        .collect()
                })
                .collect();
            PartRoute {
                extractor: r.extractor,
                name: r.name,
                ordered: r.ordered,
                needs: r.needs,
                needs_met,
                loc: r.loc,
                member_locs,
                members,
            }
        })
        .collect();
    let mut deps = std::mem::take(&mut memo.deps);
    deps.sort_unstable();
    deps.dedup();
    (
        Part {
            routes,
            fallbacks: f.fallbacks,
            infra,
            contracts: f.contracts,
        },
        deps,
    )
}

/// How many routes and deployments a file (or a graph) holds.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize)]
pub struct Size {
    pub routes: usize,
    pub deployments: usize,
}

impl Size {
    pub fn add(&mut self, other: &Size) {
        self.routes += other.routes;
        self.deployments += other.deployments;
    }
}

impl Part {
    pub(crate) fn size(&self) -> Size {
        Size {
            routes: self.routes.len(),
            deployments: self
                .routes
                .iter()
                .flat_map(|r| &r.members)
                .map(Vec::len)
                .sum(),
        }
    }
}

/// One copy of each model, endpoint, region and reason text of a graph's deployments. A big
/// project names a few dozen models and endpoints across a hundred thousand deployments; a copy
/// each was some 20 MB at 50,000 files. Scoped to one graph: these are texts of the checked
/// files, so they are not kept beyond it (unlike the registry's names, `intern`).
#[derive(Default)]
struct Texts(foldhash::HashSet<Name>);

impl Texts {
    fn share(&mut self, text: String) -> Name {
        if let Some(shared) = self.0.get(text.as_str()) {
            return shared.clone();
        }
        let shared = Name::from(text);
        self.0.insert(shared.clone());
        shared
    }
}

/// Builds the graph part by part, in path order, so that a file's part can be dropped as soon
/// as it is in: holding every part and the graph at once was the peak of a big run.
pub struct Assembler {
    g: Graph,
    texts: Texts,
}

impl Assembler {
    /// Sized up front: growing by doubling copied tens of megabytes on a big project.
    pub fn new(size: &Size) -> Assembler {
        Assembler {
            g: Graph {
                routes: Vec::with_capacity(size.routes),
                deployments: Vec::with_capacity(size.deployments),
                ..Graph::default()
            },
            texts: Texts::default(),
        }
    }

    /// Adds the next file's part.
    pub fn add(&mut self, part: Part) {
        let mut f = part;
        let g = &mut self.g;
        g.contracts.append(&mut f.contracts);
        g.infra.merge(std::mem::take(&mut f.infra));
        let first = g.routes.len();
        for r in f.routes {
            let id = g.routes.len();
            let mut members = Vec::with_capacity(r.members.len());
            for member in r.members {
                let mut ids = Vec::with_capacity(member.len());
                for dep in member {
                    ids.push(g.deployments.len());
                    g.deployments
                        .push(dep.number(g.deployments.len(), id, &mut self.texts));
                }
                members.push(ids);
            }
            // The route's name and member places were allocated by the worker that resolved
            // the file, among that file's short-lived blocks; moved, each kept one of those
            // pages resident for the graph's whole life (10 MiB at 50,000 files). Copies are
            // made here, beside the rest of the graph; the extractor is a shared name.
            g.routes.push(Route {
                id,
                file: r.loc.path.clone(),
                name: r.name.as_str().into(),
                extractor: r.extractor,
                ordered: r.ordered,
                needs: r.needs.map(Box::new),
                needs_met: r.needs_met,
                members,
                loc: r.loc,
                member_locs: r.member_locs.to_vec(),
            });
        }
        // ordered members: the first is the primary, each later one an outage fallback
        for rid in first..g.routes.len() {
            let route = &g.routes[rid];
            if !route.ordered {
                continue;
            }
            for mi in 1..route.members.len() {
                let (grade, reason) = grade::grade_sets(g, &route.members[0], &route.members[mi]);
                let edge = Edge {
                    from: rid,
                    to: Some(rid),
                    to_name: route.name.clone(),
                    to_member: Some(mi),
                    role: Role::Outage,
                    grade,
                    reason,
                    loc: route.member_locs[mi].clone(),
                    from_loc: route.member_locs[0].clone(),
                };
                g.edges.push(edge);
            }
        }
        // declared fallbacks name routes of the same file and extractor
        for fb in &f.fallbacks {
            let same = |r: &&Route| *r.extractor == *fb.extractor && r.id >= first;
            let sources: Vec<usize> = match &fb.from {
                Some(from) => g.routes[first..]
                    .iter()
                    .filter(same)
                    .filter(|r| r.name == from.text)
                    .map(|r| r.id)
                    .collect(),
                None => g.routes[first..]
                    .iter()
                    .filter(same)
                    .filter(|r| r.name != fb.to.text)
                    .map(|r| r.id)
                    .collect(),
            };
            let target = g.routes[first..]
                .iter()
                .filter(same)
                .find(|r| r.name == fb.to.text)
                .map(|r| r.id);
            for s in sources {
                let (grade, reason) = match target {
                    Some(t) => grade::grade_sets(&*g, &primary(&g.routes[s]), &all(&g.routes[t])),
                    None => (
                        Grade::Unknown,
                        format!("no route named `{}` in this file", fb.to.text),
                    ),
                };
                let from_loc = fb
                    .from
                    .as_ref()
                    .map_or(g.routes[s].loc.clone(), |v| v.loc.clone());
                g.edges.push(Edge {
                    from: s,
                    to: target,
                    to_name: fb.to.text.clone(),
                    to_member: None,
                    role: fb.role,
                    grade,
                    reason,
                    loc: fb.to.loc.clone(),
                    from_loc,
                });
            }
        }
    }

    pub fn finish(mut self) -> Graph {
        self.g.index_edges();
        self.g
    }
}

impl Graph {
    /// Builds the graph, consuming each file's facts as it goes so that facts and graph are
    /// never both held in full (on a large tree they are the run's biggest allocations).
    pub fn build(files: Vec<FileFacts>, reg: &Registry) -> Graph {
        Graph::build_from(
            files.into_iter().map(Facts::Plain).collect(),
            &EnvSink::default(),
            reg,
        )
    }

    /// [`Graph::build`] from facts as extracted or packed (`facts::Packed`), unpacking each
    /// file's only while it is resolved, and the environment variables workers handed over.
    pub fn build_from(mut files: Vec<Facts>, env: &EnvSink, reg: &Registry) -> Graph {
        let mut lookups = Merged {
            env: env.take(),
            ..Merged::default()
        };
        // Decoded in parallel a few hundred files at a time, and merged in path order: all
        // of a big project's variables decoded at once were a hundred megabytes.
        for chunk in files.chunks_mut(256) {
            let taken: Vec<_> = chunk.par_iter_mut().map(Facts::take_lookups).collect();
            for (env, objects) in taken {
                lookups.add(env, objects);
            }
        }
        crate::timings::mark("graph: lookups merged");
        let mut size = Size::default();
        for f in &files {
            size.add(&f.size());
        }
        let mut asm = Assembler::new(&size);
        // Resolving a deployment and classifying an infrastructure reference read only the
        // registry and the project-wide lookups, and are most of this stage's work (registry
        // regexes over every model and endpoint), so every core does them, file by file. A
        // thousand files at a time: each batch's parts go into the graph, and are dropped,
        // before the next is resolved.
        let mut files = files.into_iter();
        loop {
            let batch: Vec<Facts> = files.by_ref().take(1024).collect();
            if batch.is_empty() {
                break;
            }
            let parts: Vec<Part> = batch
                .into_par_iter()
                // short chunks: adaptive splitting left one core resolving alone (perf)
                .with_max_len(8)
                .map_init(Memo::default, |memo, f| {
                    let (f, infra) = f.into_rest(reg);
                    resolve_classified(f, infra, reg, &lookups, memo).0
                })
                .collect();
            for p in parts {
                asm.add(p);
            }
        }
        crate::timings::mark("graph: resolved and assembled");
        asm.finish()
    }

    /// Numbers the files' parts in path order and links their fallbacks.
    pub fn assemble(parts: Vec<Part>) -> Graph {
        let mut size = Size::default();
        for p in &parts {
            size.add(&p.size());
        }
        let mut asm = Assembler::new(&size);
        for p in parts {
            asm.add(p);
        }
        asm.finish()
    }

    fn index_edges(&mut self) {
        self.out_edges = vec![Vec::new(); self.routes.len()];
        self.in_edges = vec![Vec::new(); self.routes.len()];
        for (i, e) in self.edges.iter().enumerate() {
            if let Some(v) = self.out_edges.get_mut(e.from) {
                v.push(i);
            }
            if let Some(v) = e.to.and_then(|t| self.in_edges.get_mut(t)) {
                v.push(i);
            }
        }
    }

    /// The edges whose source is `route`.
    pub fn edges_from(&self, route: usize) -> impl Iterator<Item = &Edge> + '_ {
        let indexed = self.out_edges.len() == self.routes.len();
        let ids: Box<dyn Iterator<Item = usize>> = if indexed {
            Box::new(self.out_edges[route].iter().copied())
        } else {
            Box::new((0..self.edges.len()).filter(move |&i| self.edges[i].from == route))
        };
        ids.map(|i| &self.edges[i])
    }

    /// The edges whose target is `route`.
    pub fn edges_to(&self, route: usize) -> impl Iterator<Item = &Edge> + '_ {
        let indexed = self.in_edges.len() == self.routes.len();
        let ids: Box<dyn Iterator<Item = usize>> = if indexed {
            Box::new(self.in_edges[route].iter().copied())
        } else {
            Box::new((0..self.edges.len()).filter(move |&i| self.edges[i].to == Some(route)))
        };
        ids.map(|i| &self.edges[i])
    }

    /// Whether another route falls back to this one (of any kind): a standby, not an entry point.
    pub fn is_standby(&self, route: usize) -> bool {
        self.edges_to(route).any(|e| e.from != route)
    }

    /// Whether the route can survive the loss of its primary operator: an outage fallback, or
    /// load-balanced peers on more than one known operator.
    pub fn has_outage_cover(&self, route: usize) -> bool {
        if self.edges_from(route).any(|e| e.role == Role::Outage) {
            return true;
        }
        let r = &self.routes[route];
        let ops: Vec<&Option<Name>> = all(r)
            .iter()
            .map(|&d| &self.deployments[d].operator)
            .collect();
        !r.ordered && ops.iter().all(|o| o.is_some()) && ops.windows(2).any(|w| w[0] != w[1])
    }
}

/// The deployments that serve a route's traffic first: all peers, or member 0 when ordered.
pub fn primary(r: &Route) -> Vec<usize> {
    if r.ordered {
        r.members.first().cloned().unwrap_or_default()
    } else {
        all(r)
    }
}

pub fn all(r: &Route) -> Vec<usize> {
    r.members.iter().flatten().copied().collect()
}

/// `os.environ/NAME`, `${NAME}`, `${NAME:-default}`, `$NAME` → NAME.
pub(crate) fn env_ref(text: &str) -> Option<&str> {
    let t = text.trim();
    let name = if let Some(n) = t.strip_prefix("os.environ/") {
        n
    } else if let Some(n) = t.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        n.split([':', '-']).next().unwrap_or(n)
    } else {
        t.strip_prefix('$')?
    };
    (!name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'))
        .then_some(name)
}

/// A value with environment references resolved: `Ok(Some)` resolved or literal, `Ok(None)`
/// absent, `Err(reason)` an indirection nothing in the project sets (or sets inconsistently).
fn resolved(
    lk: &dyn Lookup,
    memo: &mut Memo<'_>,
    v: &Option<Box<Val>>,
) -> Result<Option<String>, String> {
    let Some(v) = v else { return Ok(None) };
    let text = resolved_text(lk, memo, v)?;
    let Some(of) = &v.of else { return Ok(text) };
    // the field's pattern, deferred until the reference was resolved (Val::of)
    let (pattern, default) = &**of;
    let captured = match (text, memo.pattern(pattern)) {
        (Some(t), Some(re)) => crate::engine::load::capture(re, &t).map(str::to_string),
        _ => None,
    };
    Ok(captured.or_else(|| default.clone()))
}

fn resolved_text(lk: &dyn Lookup, memo: &mut Memo<'_>, v: &Val) -> Result<Option<String>, String> {
    let v = &follow(lk, memo, v)?;
    if v.unknown {
        return Err(format!("`{}` is an expression", v.text));
    }
    let Some(name) = env_ref(&v.text) else {
        return Ok(Some(v.text.clone()));
    };
    memo.deps.push(Key::Env(name.to_string()));
    let vals = lk.env(name);
    match vals.as_deref().map(|vals| {
        let mut distinct: Vec<&str> = vals
            .iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        distinct.dedup();
        distinct
    }) {
        Some(vals) if vals.len() == 1 => Ok(Some(vals[0].to_string())),
        Some(vals) if vals.len() > 1 => Err(format!(
            "`{name}` is set to different values in different files"
        )),
        _ => Err(format!(
            "`{}` is not set in any .env, compose file or manifest of the project",
            v.text
        )),
    }
}

/// Registry answers already worked out by one worker. A project names few distinct models and
/// endpoints (the 10,000-file bench tree: 20 models across 35,000 deployments), and each
/// answer costs a pass over every lab's or operator's regexes.
#[derive(Default)]
pub(crate) struct Memo<'r> {
    /// The keys looked up since the file began (`resolve_file`).
    deps: Vec<Key>,
    labs: HashMap<String, Option<&'r registry::Lab>>,
    endpoints: HashMap<String, Option<(&'r registry::Operator, Option<String>)>>,
    /// Deferred `of` patterns (Val::of), compiled once; they compiled when their pack loaded.
    patterns: HashMap<String, Option<regex::Regex>>,
}

impl<'r> Memo<'r> {
    fn pattern(&mut self, pattern: &str) -> Option<&regex::Regex> {
        self.patterns
            .entry(pattern.to_string())
            .or_insert_with(|| crate::engine::load::compile_regex(pattern).ok())
            .as_ref()
    }

    fn lab_of_model(&mut self, reg: &'r Registry, model: &str) -> Option<&'r registry::Lab> {
        if let Some(&hit) = self.labs.get(model) {
            return hit;
        }
        let lab = reg.lab_of_model(model);
        self.labs.insert(model.to_string(), lab);
        lab
    }

    fn operator_for_endpoint(
        &mut self,
        reg: &'r Registry,
        url: &str,
    ) -> Option<(&'r registry::Operator, Option<String>)> {
        if let Some(hit) = self.endpoints.get(url) {
            return hit.clone();
        }
        let found = reg.operator_for_endpoint(url);
        self.endpoints.insert(url.to_string(), found.clone());
        found
    }
}

fn resolve<'r>(
    reg: &'r Registry,
    env: &dyn Lookup,
    memo: &mut Memo<'r>,
    d: &DeploymentFact,
    member: usize,
) -> Placed {
    // ids are given out when the parts are assembled, in path order
    let mut dep = Placed {
        member,
        operator: None,
        lab: None,
        cloud: None,
        parent: None,
        region: None,
        model: None,
        endpoint: None,
        aggregator: false,
        self_hosted: false,
        jurisdiction: None,
        rpm: resolved(env, memo, &d.rpm)
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok()),
        tpm: resolved(env, memo, &d.tpm)
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok()),
        unknown: None,
        loc: d.loc.clone(),
        vendor_loc: d
            .provider
            .as_ref()
            .filter(|p| p.via.is_empty() && !p.loc.span.is_empty())
            .or(d.model.as_ref())
            .map(|v| v.loc.clone()),
    };
    // the provider may be a reference (Envoy: a backendRef names an AIServiceBackend)
    let provider = resolved(env, memo, &d.provider);
    let named = match &provider {
        Ok(Some(p)) => reg.operator_named(d.namespace.as_deref().unwrap_or(""), p),
        _ => None,
    };
    let direct = d.operator.as_ref().and_then(|o| reg.operator(&o.text));
    let mut op = direct.or(named);
    let mut region = None;
    match resolved(env, memo, &d.endpoint) {
        Ok(Some(url)) => {
            dep.endpoint = Some(url.clone());
            match memo.operator_for_endpoint(reg, &url) {
                Some((o, r)) => {
                    op = Some(o);
                    region = r;
                }
                // an OpenAI-compatible client pointed at a host nobody registered: unknown
                None if op.is_none_or(|o| o.id == "openai") => {
                    dep.unknown = Some(format!(
                        "endpoint host `{}` is not in the vendor registry",
                        host_of(&url).unwrap_or(url)
                    ));
                    op = None;
                }
                None => {}
            }
        }
        Ok(None) => {}
        Err(why) if op.is_none_or(|o| o.id == "openai") => {
            dep.unknown = Some(format!("its endpoint {why}"));
            op = None;
        }
        Err(_) => {}
    }
    if op.is_none() && dep.unknown.is_none() {
        dep.unknown = Some(match (&provider, &d.provider) {
            (Err(why), _) => format!("its provider cannot be resolved: {why}"),
            (Ok(Some(p)), _) => format!("provider `{p}` is not in the vendor registry"),
            (_, Some(p)) if p.unknown => format!("provider `{}` is an expression", p.text),
            _ => "no provider is named".to_string(),
        });
    }
    let model = resolved(env, memo, &d.model).ok().flatten();
    let base = resolved(env, memo, &d.base_model).ok().flatten();
    dep.model = model.clone();
    if let Some(o) = op {
        // registry names, shared since the registry was loaded: a deployment owns none of them
        dep.operator = Some(o.id.clone());
        dep.cloud = o.cloud.clone();
        dep.parent = Some(o.parent.clone());
        dep.jurisdiction = reg.parent(&o.parent).map(|p| p.jurisdiction.clone());
        dep.aggregator = o.aggregator;
        dep.self_hosted = o.self_hosted;
        let lab = base
            .as_deref()
            .and_then(|m| memo.lab_of_model(reg, m))
            .or_else(|| model.as_deref().and_then(|m| memo.lab_of_model(reg, m)))
            .map(|l| l.id.clone())
            .or_else(|| (o.serves.len() == 1).then(|| o.serves[0].clone()));
        dep.lab = lab;
    }
    dep.region = resolved(env, memo, &d.region).ok().flatten().or(region);
    dep
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A limit reads and serialises as the `Option<u64>` it stands for.
    #[test]
    fn limits_read_as_options() {
        for v in [None, Some(0), Some(600), Some(u64::MAX - 1)] {
            assert_eq!(Limit::new(v).get(), v);
            assert_eq!(
                serde_json::to_string(&Limit::new(v)).unwrap(),
                serde_json::to_string(&v).unwrap()
            );
        }
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<facts::EnvFact> {
        pairs
            .iter()
            .map(|(n, v)| facts::EnvFact {
                name: n.to_string(),
                value: v.to_string(),
            })
            .collect()
    }

    fn reference(name: &str) -> Val {
        let path: Arc<str> = Arc::from("a.yaml");
        let file = crate::source::SourceFile::new(
            "a.yaml".into(),
            String::new(),
            crate::source::Encoding::Utf8,
        );
        Val {
            text: format!("os.environ/{name}"),
            unknown: false,
            loc: Location::new(&file, &path, crate::source::Span::new(0, 0)),
            via: Vec::new(),
            of: None,
        }
    }

    /// Merged keeps at most two distinct non-empty values a variable: a reference must
    /// resolve exactly as it did against every value of every file, in path order.
    #[test]
    fn merged_environment_resolves_as_every_value_would() {
        let mut m = Merged::default();
        // three files: repeats, an empty value, a second and a third distinct value
        m.add(
            env(&[("SAME", "a"), ("EMPTY", ""), ("CONFLICT", "x")]),
            Vec::new(),
        );
        m.add(
            env(&[("SAME", ""), ("CONFLICT", "y"), ("ONE", "v")]),
            Vec::new(),
        );
        m.add(
            env(&[("SAME", "a"), ("CONFLICT", "x"), ("CONFLICT", "z")]),
            Vec::new(),
        );
        let mut memo = Memo::default();
        let mut text = |name: &str| resolved_text(&m, &mut memo, &reference(name));
        assert_eq!(text("SAME"), Ok(Some("a".into())));
        assert_eq!(text("ONE"), Ok(Some("v".into())));
        assert_eq!(
            text("CONFLICT"),
            Err("`CONFLICT` is set to different values in different files".into())
        );
        for unset in ["EMPTY", "NEVER"] {
            assert_eq!(
                text(unset),
                Err(format!(
                    "`os.environ/{unset}` is not set in any .env, compose file or manifest of the project"
                ))
            );
        }
        assert_eq!(m.env.get("CONFLICT").map(Vec::len), Some(2));
        assert_eq!(m.env.get("SAME").map(Vec::len), Some(1));
    }
}
