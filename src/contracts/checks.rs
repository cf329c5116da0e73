//! The contract checks: contracts against the policy, and against what the configs use. Each is
//! a graph rule (ids, severity and docs in `rules/contracts.yaml`); the logic lives here.

use std::collections::BTreeMap;

use super::glob_match;
use crate::diag::{Diagnostic, Label, Location};
use crate::engine::ruleset::{GraphCheck, GraphRule, RuleSet};
use crate::graph::{Deployment, Graph};

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

/// Whether a deployment is covered by a contract with `vendor` (an operator or parent id).
fn covers(vendor: &str, d: &Deployment) -> bool {
    d.operator.as_deref() == Some(vendor) || d.parent.as_deref() == Some(vendor)
}

fn at(d: &Deployment) -> Option<&Location> {
    d.vendor_loc.as_ref().or(d.loc.as_ref())
}

/// The deployments hedge can attribute to a vendor (not self-hosted, not unknown).
fn external(g: &Graph) -> impl Iterator<Item = &Deployment> {
    g.deployments
        .iter()
        .filter(|d| d.operator.is_some() && !d.self_hosted)
}

pub fn evaluate(
    g: &Graph,
    set: &RuleSet,
    rule: &GraphRule,
    out: &mut crate::diag::packed::Sink<'_>,
) {
    let policy = &set.contract_policy;
    match rule.check {
        GraphCheck::ContractMissing => {
            // Only projects that keep contracts are held to having them.
            if g.contracts.is_empty() {
                return;
            }
            let mut by_operator: BTreeMap<&str, Vec<&Deployment>> = BTreeMap::new();
            for d in external(g) {
                if !g.contracts.iter().any(|c| covers(&c.vendor.value, d)) {
                    by_operator
                        .entry(d.operator.as_deref().unwrap_or_default())
                        .or_default()
                        .push(d);
                }
            }
            for (op, deps) in by_operator {
                let Some(loc) = at(deps[0]) else { continue };
                let msg = format!(
                    "{} deployment(s) use {op}, but no contract for {op} (or its parent company) is on file",
                    deps.len()
                );
                out.push(finding(rule, loc, msg));
            }
        }
        GraphCheck::ContractStale => {
            for c in &g.contracts {
                if !g.deployments.iter().any(|d| covers(&c.vendor.value, d)) {
                    let msg = format!(
                        "no route uses {}: the contract may be stale, or the vendor is reached in a way hedge does not see",
                        c.vendor.value
                    );
                    out.push(finding(rule, &c.vendor.loc, msg));
                }
            }
        }
        GraphCheck::ContractExpiry => {
            let today = policy.today;
            for c in &g.contracts {
                let Some(end) = &c.end else { continue };
                let days_left = end.value.days() - today.days();
                let msg = if days_left < 0 {
                    Some(format!(
                        "the {} contract ended on {} ({} days ago)",
                        c.vendor.value, end.value, -days_left
                    ))
                } else if let (true, Some(n)) = (c.auto_renew, &c.renewal_notice_days) {
                    let deadline = end.value.add_days(-n.value);
                    let until = deadline.days() - today.days();
                    if until < 0 {
                        Some(format!(
                            "the {} contract renews on {} and the {}-day notice to stop it was due on {}",
                            c.vendor.value, end.value, n.value, deadline
                        ))
                    } else if until <= policy.expiry_window_days {
                        Some(format!(
                            "the {} contract renews on {} unless notice is given by {} ({until} days from {today})",
                            c.vendor.value, end.value, deadline
                        ))
                    } else {
                        None
                    }
                } else if days_left <= policy.expiry_window_days {
                    Some(format!(
                        "the {} contract ends on {} ({days_left} days from {today})",
                        c.vendor.value, end.value
                    ))
                } else {
                    None
                };
                if let Some(msg) = msg {
                    out.push(finding(rule, &end.loc, msg));
                }
            }
        }
        GraphCheck::ContractExclusivity => {
            if policy.allow_exclusivity {
                return;
            }
            for c in &g.contracts {
                let Some(ex) = c.exclusivity.as_ref().filter(|e| e.value) else {
                    continue;
                };
                let mut others: BTreeMap<&str, &Deployment> = BTreeMap::new();
                for d in external(g).filter(|d| !covers(&c.vendor.value, d)) {
                    others
                        .entry(d.operator.as_deref().unwrap_or_default())
                        .or_insert(d);
                }
                let mut msg = format!("exclusivity clause with {}", c.vendor.value);
                if !others.is_empty() {
                    let names: Vec<&str> = others.keys().copied().collect();
                    msg.push_str(&format!(", while routes also use {}", names.join(", ")));
                }
                let mut d = finding(rule, &ex.loc, msg);
                for (op, dep) in others.iter().take(3) {
                    if let Some(loc) = at(dep) {
                        label(&mut d, loc, format!("{op} is used here"));
                    }
                }
                out.push(d);
            }
        }
        GraphCheck::ContractExitNotice => {
            for c in &g.contracts {
                let Some(n) = &c.termination_notice_days else {
                    continue;
                };
                if n.value > policy.max_exit_notice_days {
                    let msg = format!(
                        "leaving {} takes {} days' notice, more than the policy's {}",
                        c.vendor.value, n.value, policy.max_exit_notice_days
                    );
                    out.push(finding(rule, &n.loc, msg));
                }
            }
        }
        GraphCheck::ContractDataExport => {
            if !policy.require_data_export {
                return;
            }
            for c in &g.contracts {
                let missing = match &c.data_export {
                    None => true,
                    Some(e) => {
                        let t = e.value.trim().to_ascii_lowercase();
                        t.is_empty() || t == "none" || t == "no"
                    }
                };
                if missing {
                    let loc = c.data_export.as_ref().map_or(&c.vendor.loc, |e| &e.loc);
                    let msg = format!(
                        "the {} contract has no data export or portability clause",
                        c.vendor.value
                    );
                    out.push(finding(rule, loc, msg));
                }
            }
        }
        GraphCheck::ContractModel => {
            for c in &g.contracts {
                let Some(permitted) = &c.permitted_models else {
                    continue;
                };
                for d in g.deployments.iter().filter(|d| covers(&c.vendor.value, d)) {
                    let Some(model) = &d.model else { continue };
                    if permitted_model(&permitted.value, model) {
                        continue;
                    }
                    let Some(loc) = at(d) else { continue };
                    let msg = format!(
                        "`{model}` is not among the models the {} contract permits ({})",
                        c.vendor.value,
                        permitted.value.join(", ")
                    );
                    let mut diag = finding(rule, loc, msg);
                    label(&mut diag, &permitted.loc, "permitted here");
                    out.push(diag);
                }
            }
        }
        GraphCheck::ContractRateLimit => {
            for c in &g.contracts {
                let deps: Vec<&Deployment> = g
                    .deployments
                    .iter()
                    .filter(|d| covers(&c.vendor.value, d))
                    .collect();
                for (limit, name, used) in [
                    (
                        &c.rpm,
                        "rpm",
                        deps.iter().filter_map(|d| d.rpm.get()).sum::<u64>(),
                    ),
                    (
                        &c.tpm,
                        "tpm",
                        deps.iter().filter_map(|d| d.tpm.get()).sum::<u64>(),
                    ),
                ] {
                    let Some(limit) = limit else { continue };
                    if used > limit.value {
                        let msg = format!(
                            "configured {name} for {} adds up to {used}, over the contract's {}",
                            c.vendor.value, limit.value
                        );
                        let mut diag = finding(rule, &limit.loc, msg);
                        for d in deps
                            .iter()
                            .filter(|d| {
                                if name == "rpm" {
                                    d.rpm.get().is_some()
                                } else {
                                    d.tpm.get().is_some()
                                }
                            })
                            .take(3)
                        {
                            if let Some(loc) = &d.loc {
                                label(&mut diag, loc, format!("{name} set for this deployment"));
                            }
                        }
                        out.push(diag);
                    }
                }
            }
        }
        GraphCheck::ContractCommitment => {
            if policy.allow_minimum_commitment {
                return;
            }
            for c in &g.contracts {
                let Some(m) = c.minimum_commitment.as_ref().filter(|m| m.value > 0.0) else {
                    continue;
                };
                let msg = format!(
                    "the {} contract commits to a minimum spend of {} USD, which the policy does not accept",
                    c.vendor.value, m.value
                );
                out.push(finding(rule, &m.loc, msg));
            }
        }
        GraphCheck::ContractRegion => {
            for c in &g.contracts {
                let Some(residency) = &c.data_residency else {
                    continue;
                };
                for d in g.deployments.iter().filter(|d| covers(&c.vendor.value, d)) {
                    let Some(problem) = residency_problem(&residency.value, d) else {
                        continue;
                    };
                    let Some(loc) = at(d) else { continue };
                    let msg = format!(
                        "{problem}, but the {} contract keeps data in {}",
                        c.vendor.value,
                        residency.value.join(", ")
                    );
                    let mut diag = finding(rule, loc, msg);
                    label(&mut diag, &residency.loc, "data residency agreed here");
                    out.push(diag);
                }
            }
        }
        _ => {}
    }
}

/// Why a deployment may process data outside `residency` (region codes such as `us-east-1`,
/// or geographies such as `us` and `eu` that cover their regions), if it may.
fn residency_problem(residency: &[String], d: &Deployment) -> Option<String> {
    let covered = |region: &str| {
        residency
            .iter()
            .any(|r| r == region || r == "global" || region.starts_with(&format!("{r}-")))
    };
    // a Bedrock cross-region inference profile routes across a whole geography
    if let Some(model) = &d.model {
        let id = model.rsplit('/').next().unwrap_or(model);
        for geo in ["us", "eu", "apac", "jp", "au", "ca", "global"] {
            if id.starts_with(&format!("{geo}."))
                && !residency.iter().any(|r| r == geo || r == "global")
            {
                return Some(format!(
                    "`{model}` uses the {geo}. cross-region inference profile, which may process requests in any {geo} region"
                ));
            }
        }
    }
    match &d.region {
        Some(region) if !covered(region) => Some(format!("this deployment runs in {region}")),
        _ => None,
    }
}

/// A model id matches a permitted glob as written, or with its provider prefix (`openai/`) or a
/// Bedrock inference profile (`us.`) peeled off.
fn permitted_model(globs: &[String], model: &str) -> bool {
    let mut candidates = vec![model.to_string()];
    let mut m = model;
    while let Some((_, rest)) = m.split_once('/') {
        candidates.push(rest.to_string());
        m = rest;
    }
    for c in candidates.clone() {
        for p in ["us.", "eu.", "apac.", "jp.", "global."] {
            if let Some(rest) = c.strip_prefix(p) {
                candidates.push(rest.to_string());
            }
        }
    }
    candidates
        .iter()
        .any(|c| globs.iter().any(|g| glob_match(g, c)))
}
