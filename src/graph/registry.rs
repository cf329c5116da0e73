//! The vendor registry: parents, clouds, labs (model families) and operators (who runs an API),
//! plus the identifiers that map config text to them. Data, not code: the built-in registry is
//! `rules/registry.yaml` (schema `schemas/registry.schema.json`); user files extend it, and an
//! entry with an existing id replaces it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use regex::Regex;
use serde_json::Value as Json;

use crate::diag::Diagnostic;
use crate::engine::load::{compile_regex, compile_schema, read_pack, LoadError, Pack};
use crate::intern::{self, Name};

pub const INVALID_REGISTRY: &str = "invalid-registry";
const SCHEMA: &str = include_str!("../../schemas/registry.schema.json");
pub const BUILTIN: (&str, &str) = (
    "rules/registry.yaml",
    include_str!("../../rules/registry.yaml"),
);

#[derive(Debug, Clone)]
pub struct Parent {
    pub id: String,
    pub name: String,
    pub jurisdiction: Name,
    pub ties: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Cloud {
    pub id: Name,
    pub name: String,
    pub parent: String,
    pub hyperscaler: bool,
    pub terraform_sources: Vec<String>,
    pub resource_prefixes: Vec<String>,
    pub k8s_keys: Vec<Regex>,
    pub registries: Vec<Regex>,
    pub actions: Vec<Regex>,
}

#[derive(Debug, Clone)]
pub struct Lab {
    pub id: Name,
    pub name: String,
    pub parent: String,
    pub models: Vec<Regex>,
}

#[derive(Debug, Clone)]
pub struct Operator {
    pub id: Name,
    pub name: String,
    pub parent: Name,
    pub cloud: Option<Name>,
    pub serves: Vec<Name>,
    pub aggregator: bool,
    pub self_hosted: bool,
    /// tool namespace (litellm, portkey, kong, envoy, openrouter, continue, spring) → names
    pub names: HashMap<String, Vec<String>>,
    pub hosts: Vec<Regex>,
    pub env: Vec<Regex>,
}

#[derive(Debug, Default, Clone)]
pub struct Registry {
    /// A hash of every registry file's name and text: what cached resolutions are keyed on.
    pub fingerprint: u64,
    pub parents: Vec<Parent>,
    pub clouds: Vec<Cloud>,
    pub labs: Vec<Lab>,
    pub operators: Vec<Operator>,
}

fn validator() -> Result<&'static jsonschema::Validator, String> {
    static V: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    V.get_or_init(|| compile_schema(SCHEMA))
        .as_ref()
        .map_err(Clone::clone)
}

/// Bedrock cross-region inference profiles and route segments that precede a model id.
const PROFILE_PREFIXES: &[&str] = &[
    "us.", "eu.", "apac.", "jp.", "au.", "ca.", "global.", "us-gov.",
];

impl Registry {
    /// The built-in registry, then each user file in order (an id already present is replaced).
    pub fn load(extra: &[PathBuf]) -> Result<Registry, LoadError> {
        let mut reg = Registry::default();
        let mut diags = Vec::new();
        let mut sources = std::collections::BTreeMap::new();
        let mut files: Vec<(Arc<str>, Arc<str>)> =
            vec![(Arc::from(BUILTIN.0), Arc::from(BUILTIN.1))];
        for p in extra {
            let name = crate::discover::display_path(p);
            match std::fs::read_to_string(p) {
                Ok(t) => files.push((name, Arc::from(t))),
                Err(e) => diags.push(Diagnostic::new(
                    INVALID_REGISTRY,
                    crate::diag::Severity::Error,
                    &name,
                    format!("cannot read registry file: {e}"),
                )),
            }
        }
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (name, text) in &files {
            for &b in name
                .as_bytes()
                .iter()
                .chain(&[0])
                .chain(text.as_bytes())
                .chain(&[0])
            {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        reg.fingerprint = h;
        for (name, text) in files {
            sources.insert(name.clone(), text.clone());
            match read_pack(name, &text, validator(), INVALID_REGISTRY) {
                Err(e) => diags.extend(e),
                Ok((pack, json)) => reg.merge(&pack, &json, &mut diags),
            }
        }
        if diags.is_empty() {
            diags.extend(reg.check_references());
        }
        if diags.is_empty() {
            Ok(reg)
        } else {
            Err(LoadError {
                diagnostics: diags,
                sources,
            })
        }
    }

    fn merge(&mut self, pack: &Pack, json: &Json, diags: &mut Vec<Diagnostic>) {
        let s = |v: &Json, k: &str| {
            v.get(k)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let strs = |v: &Json, k: &str| -> Vec<String> {
            v.get(k)
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut regexes = |v: &Json, k: &str, ptr: &str| -> Vec<Regex> {
            let mut out = Vec::new();
            for (i, r) in v
                .get(k)
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let r = r.as_str().unwrap_or_default();
                match compile_regex(r) {
                    Ok(re) => out.push(re),
                    Err(e) => diags.push(
                        pack.error(pack.value_span(&format!("{ptr}/{k}/{i}")), "invalid regex")
                            .with_help(e),
                    ),
                }
            }
            out
        };
        let items = |k: &str| {
            json.get(k)
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default()
        };
        for (i, p) in items("parents").iter().enumerate() {
            let _ = i;
            let ties = p
                .get("ties")
                .and_then(Json::as_array)
                .map(|a| a.iter().map(|t| (s(t, "with"), s(t, "note"))).collect())
                .unwrap_or_default();
            upsert(
                &mut self.parents,
                Parent {
                    id: s(p, "id"),
                    name: s(p, "name"),
                    jurisdiction: intern::thin(&s(p, "jurisdiction")),
                    ties,
                },
                |x| &x.id,
            );
        }
        for (i, c) in items("clouds").iter().enumerate() {
            let ptr = format!("/clouds/{i}");
            let cloud = Cloud {
                id: intern::thin(&s(c, "id")),
                name: s(c, "name"),
                parent: s(c, "parent"),
                hyperscaler: c
                    .get("hyperscaler")
                    .and_then(Json::as_bool)
                    .unwrap_or(false),
                terraform_sources: strs(c, "terraform_sources"),
                resource_prefixes: strs(c, "resource_prefixes"),
                k8s_keys: regexes(c, "k8s_keys", &ptr),
                registries: regexes(c, "registries", &ptr),
                actions: regexes(c, "actions", &ptr),
            };
            upsert(&mut self.clouds, cloud, |x| &x.id);
        }
        for (i, l) in items("labs").iter().enumerate() {
            let ptr = format!("/labs/{i}");
            let lab = Lab {
                id: intern::thin(&s(l, "id")),
                name: s(l, "name"),
                parent: s(l, "parent"),
                models: regexes(l, "models", &ptr),
            };
            upsert(&mut self.labs, lab, |x| &x.id);
        }
        for (i, o) in items("operators").iter().enumerate() {
            let ptr = format!("/operators/{i}");
            let names = o
                .get("names")
                .and_then(Json::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            let list = v
                                .as_array()
                                .map(|a| {
                                    a.iter()
                                        .filter_map(|x| x.as_str().map(str::to_ascii_lowercase))
                                        .collect()
                                })
                                .unwrap_or_default();
                            (k.clone(), list)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let op = Operator {
                id: intern::thin(&s(o, "id")),
                name: s(o, "name"),
                parent: intern::thin(&s(o, "parent")),
                cloud: o.get("cloud").and_then(Json::as_str).map(intern::thin),
                serves: strs(o, "serves").iter().map(|n| intern::thin(n)).collect(),
                aggregator: o.get("aggregator").and_then(Json::as_bool).unwrap_or(false),
                self_hosted: o
                    .get("self_hosted")
                    .and_then(Json::as_bool)
                    .unwrap_or(false),
                names,
                hosts: regexes(o, "hosts", &ptr),
                env: regexes(o, "env", &ptr),
            };
            upsert(&mut self.operators, op, |x| &x.id);
        }
    }

    /// Every reference between entries must name an entry that exists.
    fn check_references(&self) -> Vec<Diagnostic> {
        let name: Arc<str> = Arc::from("registry");
        let mut out = Vec::new();
        let mut missing = |what: &str, id: &str, from: &str| {
            out.push(Diagnostic::new(
                INVALID_REGISTRY,
                crate::diag::Severity::Error,
                &name,
                format!("{from} refers to unknown {what} `{id}`"),
            ))
        };
        for c in &self.clouds {
            if self.parent(&c.parent).is_none() {
                missing("parent", &c.parent, &format!("cloud `{}`", c.id));
            }
        }
        for l in &self.labs {
            if self.parent(&l.parent).is_none() {
                missing("parent", &l.parent, &format!("lab `{}`", l.id));
            }
        }
        for o in &self.operators {
            if self.parent(&o.parent).is_none() {
                missing("parent", &o.parent, &format!("operator `{}`", o.id));
            }
            if let Some(c) = &o.cloud {
                if self.cloud(c).is_none() {
                    missing("cloud", c, &format!("operator `{}`", o.id));
                }
            }
            for l in &o.serves {
                if self.lab(l).is_none() {
                    missing("lab", l, &format!("operator `{}`", o.id));
                }
            }
        }
        out
    }

    pub fn parent(&self, id: &str) -> Option<&Parent> {
        self.parents.iter().find(|p| p.id == id)
    }

    pub fn cloud(&self, id: &str) -> Option<&Cloud> {
        self.clouds.iter().find(|p| p.id == id)
    }

    pub fn lab(&self, id: &str) -> Option<&Lab> {
        self.labs.iter().find(|p| p.id == id)
    }

    pub fn operator(&self, id: &str) -> Option<&Operator> {
        self.operators.iter().find(|p| p.id == id)
    }

    /// The operator a tool calls `name` (LiteLLM's `bedrock`, Portkey's `azure-openai`...).
    pub fn operator_named(&self, namespace: &str, name: &str) -> Option<&Operator> {
        let name = name.to_ascii_lowercase();
        self.operators
            .iter()
            .find(|o| o.names.get(namespace).is_some_and(|ns| ns.contains(&name)))
    }

    /// The operator behind an endpoint URL or host, with the region its host names, if any.
    pub fn operator_for_endpoint(&self, endpoint: &str) -> Option<(&Operator, Option<String>)> {
        let host = host_of(endpoint)?;
        for o in &self.operators {
            for re in &o.hosts {
                if let Some(c) = re.captures(&host) {
                    return Some((o, c.name("region").map(|m| m.as_str().to_string())));
                }
            }
        }
        None
    }

    /// The operator whose credentials an environment variable holds.
    pub fn operator_for_env(&self, var: &str) -> Option<&Operator> {
        self.operators
            .iter()
            .find(|o| o.env.iter().any(|re| re.is_match(var)))
    }

    /// The lab whose family a model id belongs to. Provider prefixes (`bedrock/`, `converse/`)
    /// and Bedrock inference-profile prefixes (`us.`) are peeled off until a family matches.
    pub fn lab_of_model(&self, model: &str) -> Option<&Lab> {
        let mut m = model.trim();
        for _ in 0..6 {
            if let Some(l) = self
                .labs
                .iter()
                .find(|l| l.models.iter().any(|re| re.is_match(m)))
            {
                return Some(l);
            }
            if let Some(p) = PROFILE_PREFIXES.iter().find(|p| m.starts_with(**p)) {
                m = &m[p.len()..];
            } else if let Some((_, rest)) = m.split_once('/') {
                m = rest;
            } else {
                return None;
            }
        }
        None
    }
}

fn upsert<T>(list: &mut Vec<T>, item: T, id: impl Fn(&T) -> &str) {
    match list.iter().position(|x| id(x) == id(&item)) {
        Some(i) => list[i] = item,
        None => list.push(item),
    }
}

/// `https://user@host:8000/v1` → `host`; a bare host stays as it is.
pub fn host_of(endpoint: &str) -> Option<String> {
    let e = endpoint.trim();
    let rest = e.split_once("://").map_or(e, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if authority.starts_with('[') {
        authority.split(']').next()?.trim_start_matches('[')
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("https://api.openai.com/v1").as_deref(),
            Some("api.openai.com")
        );
        assert_eq!(
            host_of("http://vllm.ns.svc.cluster.local:8000/v1").as_deref(),
            Some("vllm.ns.svc.cluster.local")
        );
        assert_eq!(host_of("http://[::1]:8000").as_deref(), Some("::1"));
        assert_eq!(host_of("localhost:11434").as_deref(), Some("localhost"));
    }
}
