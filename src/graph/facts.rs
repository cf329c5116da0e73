//! Facts: what one file says about the project's dependencies, extracted in the worker that
//! parsed it by the `routes` and `env` extractors of the rule packs. Facts carry resolved
//! locations, so the file's tree can be dropped as soon as they exist.

use std::sync::Arc;

use crate::diag::Location;
use crate::engine::predicate::{key_of, text, Ctx, Tri};
use crate::engine::ruleset::{Field, InfraAs, Ordered, Role, RouteSpec, RuleSet};
use crate::graph::infra::{self, InfraSummary};
use crate::graph::registry::Registry;
use crate::intern::Name;
use crate::model::{Doc, NodeId, Value};
use crate::source::SourceFile;

/// A value read from a document, with where it was written.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Val {
    pub text: String,
    /// An expression (HCL) whose value is unknown until run time.
    pub unknown: bool,
    pub loc: Location,
    /// References still to follow: the text names an object of the type, whose field is next.
    pub via: Vec<(String, String)>,
    /// A field's `of` pattern and `default`, kept to apply after resolution when the text is an
    /// environment reference (LiteLLM's `model: os.environ/MODEL`): captured from the reference
    /// itself it named no provider, and the default (`openai`) was a guess.
    pub of: Option<Box<(String, Option<String>)>>,
}

/// A named object that fields refer to by name.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ObjectFact {
    pub object_type: String,
    pub name: String,
    pub fields: Vec<(String, Val)>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct DeploymentFact {
    pub namespace: Option<String>,
    pub provider: Option<Box<Val>>,
    pub operator: Option<Box<Val>>,
    pub model: Option<Box<Val>>,
    pub base_model: Option<Box<Val>>,
    pub endpoint: Option<Box<Val>>,
    pub region: Option<Box<Val>>,
    pub rpm: Option<Box<Val>>,
    pub tpm: Option<Box<Val>>,
    pub loc: Option<Location>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MemberFact {
    pub weight: Option<f64>,
    pub priority: Option<f64>,
    pub loc: Location,
    pub deployments: Vec<DeploymentFact>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RouteFact {
    /// The extractor that found it (routes of different extractors never merge).
    pub extractor: Name,
    pub name: String,
    pub ordered: bool,
    /// (object type, why): the fallback needs an object of this type named after the route.
    pub needs: Option<(String, String)>,
    /// Where the route is named (its first member's name, or the first member).
    pub loc: Location,
    pub members: Vec<MemberFact>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FallbackFact {
    pub extractor: Name,
    /// `None`: every route of the file.
    pub from: Option<Val>,
    pub to: Val,
    pub role: Role,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
/// An environment variable a file sets. No location: values are looked up by name to resolve
/// `os.environ/NAME` and `${NAME}`, and no finding points at them. A manifest sets dozens per
/// container (250,000 in the 10,000-file bench tree), so a location each (with its line, column
/// and text hash) was the largest part of a project's facts.
pub struct EnvFact {
    pub name: String,
    pub value: String,
}

/// Something the infrastructure depends on: a resource type, a manifest key, an image, a CI
/// step (named by the registry's mapping `classify`), or a region.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct InfraFact {
    pub classify: InfraAs,
    pub text: String,
    pub unknown: bool,
    pub loc: Location,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    pub routes: Vec<RouteFact>,
    pub fallbacks: Vec<FallbackFact>,
    pub env: Vec<EnvFact>,
    pub infra: Vec<InfraFact>,
    pub objects: Vec<ObjectFact>,
    pub contracts: Vec<crate::contracts::Contract>,
}

impl FileFacts {
    /// What the file adds to the graph (see [`crate::graph::Size`]).
    pub fn size(&self) -> crate::graph::Size {
        crate::graph::Size {
            routes: self.routes.len(),
            deployments: self
                .routes
                .iter()
                .flat_map(|r| &r.members)
                .map(|m| m.deployments.len())
                .sum(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
            && self.fallbacks.is_empty()
            && self.env.is_empty()
            && self.infra.is_empty()
            && self.objects.is_empty()
            && self.contracts.is_empty()
    }
}

/// A file's facts, encoded (postcard) by the worker that extracted them, until the graph is
/// built. Held as structures, the facts of every file were the largest part of a big run's
/// memory (at 10,000 files, 66 MiB of small strings, boxes and locations, interleaved with the
/// freed parse trees so that little of it went back to the system); encoded, they take 20 MB
/// in two allocations a file. Environment variables and objects are encoded apart from the
/// rest, because the graph reads them first, for every file, before it resolves any.
#[derive(Debug)]
pub struct Packed {
    path: Arc<str>,
    size: crate::graph::Size,
    lookups: Box<[u8]>,
    rest: Box<[u8]>,
}

type Lookups = (Vec<EnvFact>, Vec<ObjectFact>);
type Rest = (
    Vec<RouteFact>,
    Vec<FallbackFact>,
    InfraSummary,
    Vec<crate::contracts::Contract>,
);

impl Packed {
    /// Packs the facts of the file at `path` (where all their locations are). `None` when there
    /// is nothing to pack, or when encoding fails (then the caller keeps the facts as they are).
    /// The infrastructure references are packed as the graph counts them, summarised with the
    /// registry (`infra::summarise`): listed, they were a third of the packed bytes.
    pub fn pack(path: &Arc<str>, facts: &FileFacts, reg: &Registry) -> Option<Packed> {
        if facts.is_empty() {
            return None;
        }
        let lookups = postcard::to_stdvec(&(&facts.env, &facts.objects)).ok()?;
        let rest = postcard::to_stdvec(&(
            &facts.routes,
            &facts.fallbacks,
            &infra::summarise(reg, &facts.infra),
            &facts.contracts,
        ))
        .ok()?;
        Some(Packed {
            path: path.clone(),
            size: facts.size(),
            lookups: lookups.into_boxed_slice(),
            rest: rest.into_boxed_slice(),
        })
    }

    /// Moves the bytes into a fresh allocation (see `FileReport::settle`).
    pub fn settle(&mut self) {
        self.lookups = Box::from(&*self.lookups);
        self.rest = Box::from(&*self.rest);
    }

    /// The environment variables and objects. Decoding what this process encoded cannot fail
    /// short of a bug; if it did, the file would count as setting none.
    pub fn lookups(&self) -> (Vec<EnvFact>, Vec<ObjectFact>) {
        let decoded: Option<Lookups> = crate::diag::in_file::decode(&self.path, &self.lookups);
        debug_assert!(decoded.is_some(), "packed lookups of {} decode", self.path);
        decoded.unwrap_or_default()
    }

    /// Everything but the environment variables and objects (see [`Packed::lookups`]), and
    /// the infrastructure as summarised.
    pub fn unpack_rest(self) -> (FileFacts, InfraSummary) {
        let decoded: Option<Rest> = crate::diag::in_file::decode(&self.path, &self.rest);
        debug_assert!(decoded.is_some(), "packed facts of {} decode", self.path);
        let (routes, fallbacks, infra, contracts) = decoded.unwrap_or_default();
        let facts = FileFacts {
            routes,
            fallbacks,
            contracts,
            ..FileFacts::default()
        };
        (facts, infra)
    }
}

/// Whether `facts` come back from packing as they went in (for the tests and the fuzz
/// targets): `Err` names the first part that differs.
pub fn check_round_trip(path: &Arc<str>, facts: &FileFacts, reg: &Registry) -> Result<(), String> {
    let Some(packed) = Packed::pack(path, facts, reg) else {
        return match facts.is_empty() {
            true => Ok(()),
            false => Err("facts that do not pack".into()),
        };
    };
    let (env, objects) = packed.lookups();
    let (rest, infra) = packed.unpack_rest();
    let summarised = infra::summarise(reg, &facts.infra);
    let parts: [(&str, &dyn std::fmt::Debug, &dyn std::fmt::Debug); 6] = [
        ("env", &env, &facts.env),
        ("objects", &objects, &facts.objects),
        ("routes", &rest.routes, &facts.routes),
        ("fallbacks", &rest.fallbacks, &facts.fallbacks),
        ("infra", &infra, &summarised),
        ("contracts", &rest.contracts, &facts.contracts),
    ];
    let differs = parts
        .into_iter()
        .map(|(part, got, want)| (part, format!("{got:?}"), format!("{want:?}")))
        .find(|(_, got, want)| got != want);
    match differs {
        Some((part, got, want)) => Err(format!("{part}: {got} != {want}")),
        None if !rest.env.is_empty() || !rest.objects.is_empty() || !rest.infra.is_empty() => {
            Err("lookups or listed infrastructure in the rest".into())
        }
        None => Ok(()),
    }
}

/// A file's facts as the graph takes them: as extracted, or packed.
#[derive(Debug)]
pub enum Facts {
    Plain(FileFacts),
    Packed(Packed),
}

impl Facts {
    pub fn size(&self) -> crate::graph::Size {
        match self {
            Facts::Plain(f) => f.size(),
            Facts::Packed(p) => p.size,
        }
    }

    /// Takes out the environment variables and objects.
    pub fn take_lookups(&mut self) -> (Vec<EnvFact>, Vec<ObjectFact>) {
        match self {
            Facts::Plain(f) => (std::mem::take(&mut f.env), std::mem::take(&mut f.objects)),
            Facts::Packed(p) => p.lookups(),
        }
    }

    /// The rest, once [`Facts::take_lookups`] took the lookups, with the infrastructure
    /// summarised (and no longer listed).
    pub fn into_rest(self, reg: &Registry) -> (FileFacts, InfraSummary) {
        match self {
            Facts::Plain(mut f) => {
                let infra = infra::summarise(reg, &std::mem::take(&mut f.infra));
                (f, infra)
            }
            Facts::Packed(p) => p.unpack_rest(),
        }
    }
}

struct Cx<'a> {
    file: &'a SourceFile,
    path: &'a Arc<str>,
    doc: &'a Doc,
    root: NodeId,
}

impl Cx<'_> {
    fn loc(&self, n: NodeId) -> Location {
        Location::new(self.file, self.path, self.doc.span(n))
    }

    fn val(&self, n: NodeId) -> Option<Val> {
        let r = self.doc.resolve(n);
        let unknown = matches!(self.doc.value(r), Value::Expr(_));
        let text = if unknown {
            self.file.text[self.doc.span(r).range()].to_string()
        } else {
            text(self.doc, r)?
        };
        Some(Val {
            text,
            unknown,
            loc: self.loc(n),
            via: Vec::new(),
            of: None,
        })
    }

    /// Reads a field from `focus`.
    fn field(&self, field: &Field, focus: NodeId) -> Option<Val> {
        let mut v = self.field_value(field, focus)?;
        v.via = field.via.clone();
        Some(v)
    }

    fn field_value(&self, field: &Field, focus: NodeId) -> Option<Val> {
        // `value` with `path`: the constant, when the path selects something
        if let (Some(v), false) = (&field.value, field.paths.is_empty()) {
            let hit = field
                .paths
                .iter()
                .find_map(|p| p.select(self.doc, self.root, focus).first().copied());
            return hit.map(|n| Val {
                text: v.clone(),
                unknown: false,
                loc: self.loc(n),
                via: Vec::new(),
                of: None,
            });
        }
        if let Some(v) = &field.value {
            return Some(Val {
                text: v.clone(),
                unknown: false,
                loc: self.loc(focus),
                via: Vec::new(),
                of: None,
            });
        }
        for p in &field.paths {
            for n in p.select(self.doc, self.root, focus) {
                let n = match field.use_key {
                    Some(true) => key_of(self.doc, n).unwrap_or(n),
                    Some(false) => match value_of_key(self.doc, n) {
                        Some(v) => v,
                        None => continue,
                    },
                    None => n,
                };
                let Some(mut v) = self.val(n) else { continue };
                if let (Some(re), false) = (&field.of, v.unknown) {
                    if super::env_ref(&v.text).is_some() {
                        v.of = Some(Box::new((re.as_str().to_string(), field.default.clone())));
                        return Some(v);
                    }
                    match crate::engine::load::capture(re, &v.text) {
                        Some(m) => v.text = m.to_string(),
                        None => continue,
                    }
                }
                return Some(v);
            }
        }
        field.default.as_ref().map(|d| Val {
            text: d.clone(),
            unknown: false,
            loc: self.loc(focus),
            via: Vec::new(),
            of: None,
        })
    }

    /// Boxed: a deployment has eight optional fields and usually sets three, and a big tree
    /// has hundreds of thousands of deployments.
    fn opt(&self, field: &Option<Field>, focus: NodeId) -> Option<Box<Val>> {
        field
            .as_ref()
            .and_then(|f| self.field(f, focus))
            .map(Box::new)
    }
}

/// Extracts every fact the rule set's extractors find in a file's documents; `doc_kinds[i]` are
/// document i's kinds (from `kinds_of`, computed once per document by the caller).
pub fn extract(
    set: &RuleSet,
    file: &SourceFile,
    path: &Arc<str>,
    docs: &[Doc],
    doc_kinds: &[Vec<usize>],
) -> FileFacts {
    let mut out = FileFacts::default();
    if set.routes.is_empty() && set.env.is_empty() && set.infra.is_empty() && set.objects.is_empty()
    {
        return out;
    }
    for (doc, ks) in docs.iter().zip(doc_kinds) {
        let Some(root) = doc.root() else { continue };
        let kinds: Vec<&str> = ks.iter().map(|&i| &*set.kinds[i].id).collect();
        if kinds.is_empty() {
            continue;
        }
        let cx = Cx {
            file,
            path,
            doc,
            root,
        };
        for spec in set
            .routes
            .iter()
            .filter(|s| s.kinds.iter().any(|k| kinds.contains(&k.as_str())))
        {
            routes(&cx, spec, &mut out);
        }
        let applies = |ks: &[String]| ks.iter().any(|k| kinds.contains(&k.as_str()));
        for spec in set.objects.iter().filter(|s| applies(&s.kinds)) {
            for p in &spec.given {
                for n in p.select(doc, root, root) {
                    let Some(name) = cx.field(&spec.name, n) else {
                        continue;
                    };
                    let fields = spec
                        .fields
                        .iter()
                        .filter_map(|(k, f)| cx.field(f, n).map(|v| (k.clone(), v)))
                        .collect();
                    out.objects.push(ObjectFact {
                        object_type: spec.object_type.clone(),
                        name: name.text,
                        fields,
                    });
                }
            }
        }
        for spec in set.infra.iter().filter(|s| applies(&s.kinds)) {
            for p in &spec.given {
                for n in p.select(doc, root, root) {
                    if let Some(v) = cx.val(n) {
                        out.infra.push(InfraFact {
                            classify: spec.classify,
                            text: v.text,
                            unknown: v.unknown,
                            loc: v.loc,
                        });
                    }
                }
            }
        }
        for spec in set
            .env
            .iter()
            .filter(|s| s.kinds.iter().any(|k| kinds.contains(&k.as_str())))
        {
            for p in &spec.given {
                for n in p.select(doc, root, root) {
                    match (&spec.name, &spec.value) {
                        (Some(nf), vf) => {
                            let name = cx.field(nf, n);
                            let value = match vf {
                                Some(vf) => cx.field(vf, n),
                                None => cx.val(n),
                            };
                            if let (Some(name), Some(value)) = (name, value) {
                                out.env.push(EnvFact {
                                    name: name.text,
                                    value: value.text,
                                });
                            }
                        }
                        (None, _) => env(&cx, n, &mut out.env),
                    }
                }
            }
        }
    }
    out
}

fn env(cx: &Cx<'_>, n: NodeId, out: &mut Vec<EnvFact>) {
    let Some(value) = text(cx.doc, n) else { return };
    match key_of(cx.doc, n).and_then(|k| text(cx.doc, k)) {
        Some(name) => out.push(EnvFact { name, value }),
        None => {
            // compose list form: `NAME=value`
            if let Some((name, v)) = value.split_once('=') {
                out.push(EnvFact {
                    name: name.trim().to_string(),
                    value: v.to_string(),
                });
            }
        }
    }
}

fn routes(cx: &Cx<'_>, spec: &RouteSpec, out: &mut FileFacts) {
    let ordered = match &spec.ordered {
        Ordered::Always(b) => *b,
        Ordered::When(p) => {
            p.eval(
                &Ctx {
                    doc: cx.doc,
                    root: cx.root,
                },
                cx.root,
            )
            .tri == Tri::True
        }
    };
    let first_route = out.routes.len();
    // a member two `given` paths both select is still one member
    let mut members: Vec<NodeId> = Vec::new();
    for g in &spec.given {
        for m in g.select(cx.doc, cx.root, cx.root) {
            if !members.contains(&m) {
                members.push(m);
            }
        }
    }
    for member in members {
        let name = cx.opt(&spec.route, member);
        let deployment_nodes: Vec<NodeId> = if spec.deployments.is_empty() {
            vec![member]
        } else {
            let mut v = Vec::new();
            for p in &spec.deployments {
                for n in p.select(cx.doc, cx.root, member) {
                    if !v.contains(&n) {
                        v.push(n);
                    }
                }
            }
            v
        };
        let deployments: Vec<DeploymentFact> = deployment_nodes
            .into_iter()
            .map(|d| DeploymentFact {
                namespace: spec.namespace.clone(),
                provider: cx.opt(&spec.provider, d),
                operator: cx.opt(&spec.operator, d),
                model: cx.opt(&spec.model, d),
                base_model: cx.opt(&spec.base_model, d),
                endpoint: cx.opt(&spec.endpoint, d),
                region: cx.opt(&spec.region, d),
                rpm: cx.opt(&spec.rpm, d),
                tpm: cx.opt(&spec.tpm, d),
                loc: Some(cx.loc(d)),
            })
            .collect();
        let weight = cx
            .opt(&spec.weight, member)
            .and_then(|w| w.text.parse::<f64>().ok());
        let priority = cx
            .opt(&spec.priority, member)
            .and_then(|w| w.text.parse::<f64>().ok());
        // a member is best pointed at by what it names (its provider), else its first line
        let member_loc = deployments
            .first()
            .and_then(|d| d.provider.as_ref().or(d.operator.as_ref()))
            .filter(|v| !v.via.is_empty() || !v.loc.span.is_empty())
            .map(|v| v.loc.clone())
            .unwrap_or_else(|| first_line_loc(cx, member));
        let m = MemberFact {
            weight,
            priority,
            loc: member_loc.clone(),
            deployments,
        };
        let route_name = name
            .as_ref()
            .map_or(spec.id.to_string(), |n| n.text.clone());
        match out.routes[first_route..]
            .iter_mut()
            .find(|r| r.extractor == spec.id && r.name == route_name)
        {
            Some(r) => r.members.push(m),
            None => out.routes.push(RouteFact {
                extractor: spec.id.clone(),
                name: route_name,
                ordered,
                needs: spec.needs.clone(),
                loc: name.map_or(member_loc, |n| n.loc),
                members: vec![m],
            }),
        }
    }
    for r in &mut out.routes[first_route..] {
        if r.ordered && r.members.iter().any(|m| m.priority.is_some()) {
            // priorities: the lowest is tried first
            r.members.sort_by(|a, b| {
                a.priority
                    .unwrap_or(0.0)
                    .partial_cmp(&b.priority.unwrap_or(0.0))
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        } else if r.ordered && r.members.iter().any(|m| m.weight.is_some()) {
            // priority tiers: the highest weight is tried first; ties keep document order
            r.members.sort_by(|a, b| {
                b.weight
                    .unwrap_or(0.0)
                    .partial_cmp(&a.weight.unwrap_or(0.0))
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }
    }
    for fb in &spec.fallbacks {
        for g in &fb.given {
            for decl in g.select(cx.doc, cx.root, cx.root) {
                let from = match &fb.from {
                    Some(f) if f.value.as_deref() == Some("*") => None,
                    Some(f) => match cx.field(f, decl) {
                        Some(v) => Some(v),
                        None => continue,
                    },
                    None => None,
                };
                for p in &fb.to {
                    for t in p.select(cx.doc, cx.root, decl) {
                        if let Some(to) = cx.val(t) {
                            out.fallbacks.push(FallbackFact {
                                extractor: spec.id.clone(),
                                from: from.clone(),
                                to,
                                role: fb.role,
                            });
                        }
                    }
                }
            }
        }
    }
}

/// A member's location: its first line (a whole multi-line mapping helps nobody).
fn first_line_loc(cx: &Cx<'_>, n: NodeId) -> Location {
    let span = cx.doc.span(n);
    let t = &cx.file.text[span.range()];
    let end = t
        .find(['\n', '\r'])
        .map_or(span.end as usize, |i| span.start as usize + i);
    Location::new(
        cx.file,
        cx.path,
        crate::source::Span::new(span.start as usize, end),
    )
}

/// The value of the mapping entry whose key is `k`.
fn value_of_key(doc: &Doc, k: NodeId) -> Option<NodeId> {
    let parent = doc.parent(k)?;
    match doc.value(parent) {
        Value::Map(entries) => entries.iter().find(|&&(key, _)| key == k).map(|&(_, v)| v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every demo file's facts, packed and unpacked, are the facts extracted: the graph of a
    /// full check is built only from what comes back.
    #[test]
    fn packed_facts_unpack_to_what_was_packed() {
        let (settings, reports) = crate::pipeline::demo_reports();
        let mut packed_files = 0;
        for r in &reports {
            packed_files += usize::from(!r.facts.is_empty());
            if let Err(e) = check_round_trip(&r.display, &r.facts, &settings.registry) {
                panic!("{}: {e}", r.display);
            }
        }
        // the demo has gateways, manifests, Terraform and contracts with facts
        assert!(
            packed_files >= 10,
            "only {packed_files} demo files had facts"
        );
    }
}
