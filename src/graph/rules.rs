//! Graph rules: checks over the whole project's provider graph. The checks are a small fixed
//! library (as Spectral's functions are); which run, at what severity and with which thresholds
//! is declared in rule packs (`graph_rules`).

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::{primary, Grade, Graph};
use crate::diag::packed::{Findings, Shared, Sink};
use crate::diag::{Diagnostic, Label, Location};
use crate::engine::ruleset::{GraphCheck, GraphRule, OwnerKind, Role, RuleSet, Selection};

/// The files whose findings are wanted (a focus run's named files); `None`: every file.
/// Checks of one route, edge or deployment skip the others (a pre-commit run's graph holds
/// tens of thousands of context routes); checks over the whole project still see them all.
pub type Scope<'a> = Option<&'a std::collections::HashSet<std::sync::Arc<str>>>;

fn wanted(scope: Scope<'_>, at: &Location) -> bool {
    scope.is_none_or(|s| s.contains(&at.path))
}

pub fn evaluate(
    g: &Graph,
    set: &RuleSet,
    selection: &Selection,
    scope: Scope<'_>,
) -> Vec<Diagnostic> {
    let mut all = Vec::new();
    for findings in evaluate_per_rule(g, set, selection, scope, None) {
        findings.unpack_into(&mut all, &[]);
    }
    all
}

/// The findings of each selected rule, in rule order, packed as they are made when `shared` is
/// given (see `Sink`). Each rule reads the graph only, so they run side by side; kept apart, a
/// big project's 100,000 graph findings are moved once, into the run's list, rather than
/// joined here first.
pub fn evaluate_per_rule(
    g: &Graph,
    set: &RuleSet,
    selection: &Selection,
    scope: Scope<'_>,
    shared: Option<&Shared>,
) -> Vec<Findings> {
    set.graph_rules
        .par_iter()
        .filter(|rule| selection.enabled(&rule.id))
        .map(|rule| {
            let mut out = Sink::new(shared);
            evaluate_rule(g, set, rule, scope, &mut out);
            out.finish()
        })
        .collect()
}

fn evaluate_rule(g: &Graph, set: &RuleSet, rule: &GraphRule, scope: Scope<'_>, out: &mut Sink<'_>) {
    match rule.check {
        GraphCheck::RouteWithoutFallback => without_fallback(g, rule, scope, out),
        GraphCheck::FallbackNotIndependent => not_independent(g, rule, scope, out),
        GraphCheck::FallbackTargetMissing => target_missing(g, rule, scope, out),
        GraphCheck::Concentration => concentration(g, rule, out),
        GraphCheck::InfraConcentration => infra_concentration(g, rule, out),
        GraphCheck::FallbackNeedsObject => needs_object(g, rule, scope, out),
        GraphCheck::BannedVendor => banned(g, set, rule, scope, out),
        GraphCheck::RouteOperators => route_operators(g, set, rule, scope, out),
        _ => crate::contracts::checks::evaluate(g, set, rule, out),
    }
}

fn finding(rule: &GraphRule, at: &Location, message: String) -> Diagnostic {
    let mut d = Diagnostic::of(rule.id.clone(), rule.severity, &at.path, message);
    d.primary = Some(at.clone());
    d.help = rule.docs.help.clone();
    d
}

fn label(d: &mut Diagnostic, at: &Location, message: impl Into<String>) {
    d.labels.push(Label {
        location: at.clone(),
        message: message.into(),
    });
}

fn operators(g: &Graph, deps: &[usize]) -> String {
    let mut ops: Vec<&str> = deps
        .iter()
        .map(|&d| {
            g.deployments[d]
                .operator
                .as_deref()
                .unwrap_or("an unknown operator")
        })
        .collect();
    ops.sort();
    ops.dedup();
    ops.join(", ")
}

fn without_fallback(g: &Graph, rule: &GraphRule, scope: Scope<'_>, out: &mut Sink<'_>) {
    for r in g.routes.iter().filter(|r| wanted(scope, &r.loc)) {
        // a route that is another route's fallback (of any kind) is a standby, not an entry point
        let standby = g.is_standby(r.id);
        if standby || g.has_outage_cover(r.id) {
            continue;
        }
        let deps = primary(r);
        let msg = format!(
            "route `{}` has no outage fallback: every request depends on {}",
            r.name,
            operators(g, &deps)
        );
        out.push(finding(rule, &r.loc, msg));
    }
}

fn not_independent(g: &Graph, rule: &GraphRule, scope: Scope<'_>, out: &mut Sink<'_>) {
    let min = rule
        .min_grade
        .as_deref()
        .and_then(Grade::from_name)
        .unwrap_or(Grade::Independent);
    for e in g
        .edges
        .iter()
        .filter(|e| e.role == Role::Outage && e.to.is_some() && wanted(scope, &e.loc))
    {
        if e.grade >= min {
            continue;
        }
        let from = &g.routes[e.from];
        let msg = match e.to_member {
            Some(m) => format!(
                "fallback target {} of `{}` is {}: {}",
                m + 1,
                from.name,
                e.grade.name(),
                e.reason
            ),
            None => format!(
                "fallback from `{}` to `{}` is {}: {}",
                from.name,
                e.to_name,
                e.grade.name(),
                e.reason
            ),
        };
        let mut d = finding(rule, &e.loc, msg);
        label(&mut d, &e.from_loc, "the primary it stands in for");
        out.push(d);
    }
}

fn target_missing(g: &Graph, rule: &GraphRule, scope: Scope<'_>, out: &mut Sink<'_>) {
    for e in g
        .edges
        .iter()
        .filter(|e| e.to.is_none() && wanted(scope, &e.loc))
    {
        let msg = format!(
            "{} fallback names `{}`, but no route of that name is defined here",
            e.role.name(),
            e.to_name
        );
        out.push(finding(rule, &e.loc, msg));
    }
}

fn concentration(g: &Graph, rule: &GraphRule, out: &mut Sink<'_>) {
    // owner → routes whose primary traffic depends on it
    let mut by_owner: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut counted = 0usize;
    for r in &g.routes {
        let deps = primary(r);
        if deps.is_empty() || deps.iter().any(|&d| g.deployments[d].operator.is_none()) {
            continue;
        }
        counted += 1;
        // a route depends on an owner only when every deployment serving it first shares it;
        // peers on two owners are exactly the diversification this rule looks for
        let owners: Vec<Option<&str>> = deps
            .iter()
            .map(|&d| {
                let dep = &g.deployments[d];
                match rule.by {
                    OwnerKind::Parent => dep.parent.as_deref(),
                    OwnerKind::Cloud => dep.cloud.as_deref(),
                    OwnerKind::Operator => dep.operator.as_deref(),
                    OwnerKind::Aggregator => {
                        dep.aggregator.then_some(dep.operator.as_deref()).flatten()
                    }
                    OwnerKind::Region => dep.region.as_deref(),
                }
            })
            .collect();
        if let Some(Some(first)) = owners.first() {
            if owners.iter().all(|o| o == &Some(*first)) {
                by_owner.entry(first).or_default().push(r.id);
            }
        }
    }
    if counted < rule.min_routes {
        return;
    }
    let what = match rule.by {
        OwnerKind::Parent => "parent company",
        OwnerKind::Cloud => "cloud",
        OwnerKind::Operator => "operator",
        OwnerKind::Aggregator => "aggregator",
        OwnerKind::Region => "region",
    };
    for (owner, routes) in by_owner {
        let share = routes.len() as f64 / counted as f64;
        if share + 1e-9 < rule.threshold {
            continue;
        }
        let first = &g.routes[routes[0]];
        let msg = if counted == 1 {
            format!("the project's only AI route depends on one {what}: {owner}")
        } else if routes.len() == counted {
            format!("all {counted} AI routes of the project depend on one {what}: {owner}")
        } else {
            format!(
                "{} of {counted} AI routes ({:.0}%) depend on one {what}: {owner}",
                routes.len(),
                share * 100.0
            )
        };
        let mut d = finding(rule, &first.loc, msg);
        for &r in routes.iter().skip(1).take(4) {
            label(&mut d, &g.routes[r].loc, format!("also depends on {owner}"));
        }
        out.push(d);
    }
}

/// The whole infrastructure in one cloud, or one region. Only things the registry places in a
/// cloud count (a Kubernetes Deployment is portable; an `aws_db_instance` is not), and a region
/// that is an expression makes the region check undecidable, so it stays silent.
fn infra_concentration(g: &Graph, rule: &GraphRule, out: &mut Sink<'_>) {
    let infra = &g.infra;
    let at_least = rule.min_routes.max(1);
    if rule.by == OwnerKind::Region {
        if infra.regions < at_least || infra.region_expression || infra.region_names.len() != 1 {
            return;
        }
        let Some(first) = infra.region_names.first() else {
            return;
        };
        let msg = format!(
            "every region the infrastructure names is {first} ({} place(s)); one regional outage takes all of it",
            infra.regions
        );
        all_in_one(rule, &infra.region_locs, first, msg, out);
        return;
    }
    let references = infra.cloud_references();
    if references < at_least || infra.clouds.len() != 1 {
        return;
    }
    let Some(first) = infra.clouds.keys().next() else {
        return;
    };
    let msg = format!(
        "all {references} cloud-specific infrastructure references of the project ({} file(s)) are {first}",
        infra.cloud_files
    );
    all_in_one(rule, &infra.cloud_locs, first, msg, out);
}

/// A finding at the first of `places`, labelled at the others as also in `name`. No places
/// (a damaged cached summary that counts references it has none of) make no finding.
fn all_in_one(rule: &GraphRule, places: &[Location], name: &str, msg: String, out: &mut Sink<'_>) {
    let Some((at, also)) = places.split_first() else {
        return;
    };
    let mut d = finding(rule, at, msg);
    for loc in also {
        label(&mut d, loc, format!("also {name}"));
    }
    out.push(d);
}

/// Fallbacks that only work with a companion object (Envoy AI Gateway priorities need a retry
/// policy on the generated route, or the gateway never tries the next priority).
fn needs_object(g: &Graph, rule: &GraphRule, scope: Scope<'_>, out: &mut Sink<'_>) {
    for r in g.routes.iter().filter(|r| wanted(scope, &r.loc)) {
        let Some((object_type, why)) = r.needs.as_deref() else {
            continue;
        };
        if !r.ordered || r.members.len() < 2 || r.needs_met {
            continue;
        }
        let mut msg = format!(
            "`{}` lists {} priorities, but no {object_type} targets it: its fallback never runs",
            r.name,
            r.members.len()
        );
        if !why.is_empty() {
            msg = format!("{msg} ({why})");
        }
        let mut d = finding(rule, &r.loc, msg);
        if let Some(l) = r.member_locs.get(1) {
            label(&mut d, l, "this fallback is never tried");
        }
        out.push(d);
    }
}

/// One facet of a deployment with its banned and allowed lists and its name.
type Facet<'a> = (Option<&'a str>, &'a Vec<String>, &'a Vec<String>, &'a str);

/// Deployments on a vendor the policy bans (hedge.toml `[policy.banned]`), or outside its
/// allow-lists (`[policy.allowed]`), by operator, model family, cloud, parent company or the
/// parent's jurisdiction.
fn banned(g: &Graph, set: &RuleSet, rule: &GraphRule, scope: Scope<'_>, out: &mut Sink<'_>) {
    let (b, a) = (&set.banned, &set.allowed);
    if b.is_empty() && a.is_empty() {
        return;
    }
    for d in &g.deployments {
        let facets: [Facet<'_>; 5] = [
            (
                d.operator.as_deref(),
                &b.operators,
                &a.operators,
                "operator",
            ),
            (d.lab.as_deref(), &b.labs, &a.labs, "model family"),
            (d.cloud.as_deref(), &b.clouds, &a.clouds, "cloud"),
            (
                d.parent.as_deref(),
                &b.parents,
                &a.parents,
                "parent company",
            ),
            (
                d.jurisdiction.as_deref(),
                &b.jurisdictions,
                &a.jurisdictions,
                "jurisdiction",
            ),
        ];
        let hit = facets.into_iter().find_map(|(v, banned, allowed, what)| {
            let v = v?;
            if banned.iter().any(|b| b == v) {
                Some(format!("{v}, which the policy bans ({what})"))
            } else if !allowed.is_empty() && !allowed.iter().any(|a| a == v) {
                Some(format!(
                    "{v}, which is not on the policy's allowed {what} list"
                ))
            } else {
                None
            }
        });
        let (Some(why), Some(loc)) = (hit, d.vendor_loc.as_ref().or(d.loc.as_ref())) else {
            continue;
        };
        if !wanted(scope, loc) {
            continue;
        }
        let route = &g.routes[d.route as usize].name;
        out.push(finding(rule, loc, format!("route `{route}` uses {why}")));
    }
}

/// Routes that, with their outage fallbacks, reach fewer operators than the policy requires.
fn route_operators(
    g: &Graph,
    set: &RuleSet,
    rule: &GraphRule,
    scope: Scope<'_>,
    out: &mut Sink<'_>,
) {
    let min = set.min_route_operators;
    if min <= 1 {
        return;
    }
    for r in g.routes.iter().filter(|r| wanted(scope, &r.loc)) {
        // a standby is judged through the route it stands in for
        if g.is_standby(r.id) {
            continue;
        }
        let mut deps = super::all(r);
        for e in g.edges_from(r.id).filter(|e| e.role == Role::Outage) {
            if let (Some(t), None) = (e.to, e.to_member) {
                deps.extend(super::all(&g.routes[t]));
            }
        }
        let mut ops: Vec<&str> = deps
            .iter()
            .filter_map(|&d| g.deployments[d].operator.as_deref())
            .collect();
        ops.sort_unstable();
        ops.dedup();
        if (ops.len() as u64) < min {
            let msg = format!(
                "route `{}` reaches {} operator(s) ({}) with its fallbacks; the policy asks for {min}",
                r.name,
                ops.len(),
                if ops.is_empty() { "none known".to_string() } else { ops.join(", ") }
            );
            out.push(finding(rule, &r.loc, msg));
        }
    }
}
