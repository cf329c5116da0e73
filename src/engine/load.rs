//! Loading rule packs: YAML (or JSON) → hedge's own spanned tree → JSON Schema validation →
//! compiled [`RuleSet`].
//!
//! Rule files go through hedge's own parser rather than serde, so that every error, whether
//! from the schema or from compiling a path or regex, points with a span into the rule file
//! itself, the way cargo-deny points into deny.toml.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use globset::{GlobBuilder, GlobSetBuilder};
use regex::{Regex, RegexBuilder};
use serde_json::{Map as JsonMap, Value as Json};

use super::path::Path;
use super::predicate::{Bounds, Check, Cmp, Extractor, Predicate, Scalar, Test, TypeName};
use super::ruleset::{
    Docs, EnvSpec, FallbackSpec, Field, GraphCheck, GraphRule, InfraAs, InfraSpec, Kind,
    ObjectSpec, Ordered, OwnerKind, Part, Role, RouteSpec, Rule, RuleSet,
};
use crate::diag::{Diagnostic, Severity};
use crate::discover::display_path;
use crate::model::{Doc, NodeId, Value};
use crate::parse::{self, Format};
use crate::source::{Encoding, SourceFile, Span};

/// Diagnostic id for every problem in a rule pack.
pub const INVALID_RULE_PACK: &str = "invalid-rule-pack";

/// Regexes in rule packs are compiled with these limits, so a pathological pattern is
/// rejected at load time instead of costing memory on every file.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

const SCHEMA: &str = include_str!("../../schemas/rule.schema.json");

fn validator() -> Result<&'static jsonschema::Validator, String> {
    static V: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    V.get_or_init(|| compile_schema(SCHEMA))
        .as_ref()
        .map_err(Clone::clone)
}

/// Compiles one of hedge's bundled schemas (they have no remote references).
pub(crate) fn compile_schema(text: &str) -> Result<jsonschema::Validator, String> {
    let schema: Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
    jsonschema::options()
        .build(&schema)
        .map_err(|e| e.to_string())
}

pub fn compile_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(100)
        .build()
        .map_err(|e| e.to_string())
}

/// What an `of:` pattern names in `text`: its first group, else the whole match.
pub fn capture<'t>(re: &Regex, text: &'t str) -> Option<&'t str> {
    let c = re.captures(text)?;
    c.get(1).or_else(|| c.get(0)).map(|m| m.as_str())
}

/// Loads the built-in packs, then every `.yaml`/`.yml`/`.json` file under each directory in
/// `extra` (sorted by path). All problems are collected; the set is only usable without them.
/// Why rule packs could not be loaded, with the packs' text for showing where.
#[derive(Debug)]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: std::collections::BTreeMap<Arc<str>, Arc<str>>,
}

pub fn load(extra: &[PathBuf]) -> Result<RuleSet, LoadError> {
    let mut loader = Loader::default();
    for (name, text) in super::builtin::PACKS {
        loader.add(Arc::from(*name), Arc::from(*text));
    }
    loader.add_dirs(extra);
    loader.finish()
}

/// The built-in packs plus packs given as (name, text): rule packs that are not files (the
/// fuzz target of the loader, tests).
pub fn load_texts(extra: &[(Arc<str>, Arc<str>)]) -> Result<RuleSet, LoadError> {
    let mut loader = Loader::default();
    for (name, text) in super::builtin::PACKS {
        loader.add(Arc::from(*name), Arc::from(*text));
    }
    for (name, text) in extra {
        loader.add(name.clone(), text.clone());
    }
    loader.finish()
}

/// Packs given as (name, text) without the built-in ones: the loader's own fuzz target, which
/// would otherwise spend every execution re-validating the built-ins.
pub fn load_standalone(packs: &[(Arc<str>, Arc<str>)]) -> Result<RuleSet, LoadError> {
    let mut loader = Loader::default();
    for (name, text) in packs {
        loader.add(name.clone(), text.clone());
    }
    loader.finish()
}

impl Loader {
    fn add_dirs(&mut self, extra: &[PathBuf]) {
        let loader = self;
        for dir in extra {
            let mut files = Vec::new();
            if dir.is_file() {
                files.push(dir.clone());
            } else {
                for entry in ignore::WalkBuilder::new(dir)
                    .hidden(false)
                    .build()
                    .flatten()
                {
                    let p = entry.path();
                    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
                    if entry.file_type().is_some_and(|t| t.is_file())
                        && matches!(ext, "yaml" | "yml" | "json")
                    {
                        files.push(p.to_path_buf());
                    }
                }
                files.sort();
            }
            if files.is_empty() {
                let name = display_path(dir);
                loader.diags.push(Diagnostic::new(
                    INVALID_RULE_PACK,
                    Severity::Error,
                    &name,
                    "no rule pack here (.yaml, .yml or .json files)",
                ));
            }
            for f in files {
                let name = display_path(&f);
                match std::fs::read_to_string(&f) {
                    Ok(text) => loader.add(name, Arc::from(text)),
                    Err(e) => loader.diags.push(Diagnostic::new(
                        INVALID_RULE_PACK,
                        Severity::Error,
                        &name,
                        format!("cannot read rule pack: {e}"),
                    )),
                }
            }
        }
    }
}

#[derive(Default)]
struct Loader {
    set: RuleSet,
    diags: Vec<Diagnostic>,
    /// Where each kind and rule id was declared: (pack, file, span).
    kind_sites: HashMap<String, (Arc<str>, Span)>,
    rule_sites: HashMap<String, (Arc<str>, Span)>,
    /// Kind references to check once every pack is in: (kind id, pack, span).
    kind_refs: Vec<(String, Arc<str>, Span)>,
    files: HashMap<Arc<str>, SourceFile>,
}

/// A data file (rule pack, registry...) being read: its file and, for every JSON pointer, the
/// spans of the key (if any) and the value, so any later error can point into it.
#[derive(Debug)]
pub(crate) struct Pack {
    pub name: Arc<str>,
    pub file: SourceFile,
    pub spans: HashMap<String, (Option<Span>, Span)>,
    /// Diagnostic id for problems in this file.
    pub code: &'static str,
}

impl Pack {
    pub fn value_span(&self, pointer: &str) -> Span {
        self.spans.get(pointer).map_or(Span::new(0, 0), |s| s.1)
    }

    pub fn key_span(&self, pointer: &str) -> Span {
        self.spans
            .get(pointer)
            .map_or(Span::new(0, 0), |s| s.0.unwrap_or(s.1))
    }

    pub fn error(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code, Severity::Error, &self.name, message).at(&self.file, span)
    }
}

/// Validates a document hedge has already parsed (a contract found by the walk) against
/// `validator`: the document as JSON with its spans, and any problems pointing into it.
pub(crate) fn validate_doc(
    name: Arc<str>,
    file: &SourceFile,
    doc: &Doc,
    validator: Result<&jsonschema::Validator, String>,
    code: &'static str,
) -> Option<(Pack, Json, Vec<Diagnostic>)> {
    let root = doc.root()?;
    let mut spans = HashMap::new();
    let json = to_json(doc, root, &mut spans);
    let pack = Pack {
        name,
        file: SourceFile::new(file.path.clone(), file.text.clone(), file.encoding),
        spans,
        code,
    };
    let errors = validate(&pack, &json, validator);
    Some((pack, json, errors))
}

/// Reads a YAML (or, by name, JSON) data file through hedge's parser and validates it against
/// `validator`; every problem comes back as a diagnostic pointing into the file.
pub(crate) fn read_pack(
    name: Arc<str>,
    text: &str,
    validator: Result<&jsonschema::Validator, String>,
    code: &'static str,
) -> Result<(Pack, Json), Vec<Diagnostic>> {
    let file = SourceFile::new(PathBuf::from(&*name), text.to_string(), Encoding::Utf8);
    let format = if name.ends_with(".json") {
        Format::Json
    } else if name.ends_with(".toml") {
        Format::Toml
    } else {
        Format::Yaml
    };
    let parsed = parse::parse(format, &file);
    if !parsed.errors.is_empty() {
        return Err(parsed
            .errors
            .iter()
            .map(|e| {
                Diagnostic::new(
                    code,
                    Severity::Error,
                    &name,
                    format!("invalid {}: {}", format.name(), e.message),
                )
                .at(&file, e.span)
            })
            .collect());
    }
    let Some(root) = parsed
        .docs
        .first()
        .and_then(|d| d.root())
        .filter(|_| parsed.docs.len() == 1)
    else {
        return Err(vec![Diagnostic::new(
            code,
            Severity::Error,
            &name,
            "expected exactly one YAML document",
        )]);
    };
    let mut spans = HashMap::new();
    let json = to_json(&parsed.docs[0], root, &mut spans);
    let pack = Pack {
        name,
        file,
        spans,
        code,
    };
    let errors = validate(&pack, &json, validator);
    if errors.is_empty() {
        Ok((pack, json))
    } else {
        Err(errors)
    }
}

impl Loader {
    fn add(&mut self, name: Arc<str>, text: Arc<str>) {
        self.set.sources.insert(name.clone(), text.clone());
        match read_pack(name.clone(), &text, validator(), INVALID_RULE_PACK) {
            Err(errors) => self.diags.extend(errors),
            Ok((pack, json)) => {
                self.compile(&pack, &json);
                self.files.insert(name, pack.file);
            }
        }
    }

    fn finish(mut self) -> Result<RuleSet, LoadError> {
        for (kind, pack, span) in std::mem::take(&mut self.kind_refs) {
            if !self.kind_sites.contains_key(&kind) {
                let mut known: Vec<&str> = self.kind_sites.keys().map(String::as_str).collect();
                known.sort_unstable();
                let mut d = Diagnostic::new(
                    INVALID_RULE_PACK,
                    Severity::Error,
                    &pack,
                    format!("unknown document kind `{kind}`"),
                );
                if let Some(f) = self.files.get(&pack) {
                    d = d.at(f, span);
                }
                let help = match did_you_mean(&kind, &known) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known kinds: {}", known.join(", ")),
                };
                self.diags.push(d.with_help(help));
            }
        }
        if self.diags.is_empty() {
            Ok(self.set)
        } else {
            self.diags.sort_by(|a, b| a.sort_key_cmp(b));
            Err(LoadError {
                diagnostics: self.diags,
                sources: self.set.sources,
            })
        }
    }

    fn compile(&mut self, pack: &Pack, json: &Json) {
        if let Some(kinds) = json.get("kinds").and_then(Json::as_array) {
            for (i, k) in kinds.iter().enumerate() {
                let ptr = format!("/kinds/{i}");
                if let Some(kind) = self.kind(pack, &ptr, k) {
                    let site = pack.value_span(&format!("{ptr}/id"));
                    if let Some((first, _)) = self.kind_sites.get(&*kind.id) {
                        self.diags.push(
                            pack.error(
                                site,
                                format!("document kind `{}` is declared twice", kind.id),
                            )
                            .with_help(format!("first declared in {first}")),
                        );
                        continue;
                    }
                    self.kind_sites
                        .insert(kind.id.to_string(), (pack.name.clone(), site));
                    self.set.kinds.push(kind);
                }
            }
        }
        for (i, r) in items(json, "routes") {
            if let Some(spec) = self.route_spec(pack, &format!("/routes/{i}"), r) {
                self.set.routes.push(spec);
            }
        }
        for (i, e) in items(json, "env") {
            let ptr = format!("/env/{i}");
            let kinds = self.kind_list(pack, &ptr, e);
            let given = self.paths(pack, &format!("{ptr}/given"), e.get("given"));
            let name = self.field(pack, &format!("{ptr}/name"), e.get("name"));
            let value = self.field(pack, &format!("{ptr}/value"), e.get("value"));
            if let (Some(given), Some(name), Some(value)) = (given, name, value) {
                self.set.env.push(EnvSpec {
                    kinds,
                    given,
                    name,
                    value,
                });
            }
        }
        for (i, e) in items(json, "infra") {
            let ptr = format!("/infra/{i}");
            let kinds = self.kind_list(pack, &ptr, e);
            let classify = match e.get("as").and_then(Json::as_str) {
                Some("resource-type") => InfraAs::ResourceType,
                Some("terraform-source") => InfraAs::TerraformSource,
                Some("k8s-key") => InfraAs::K8sKey,
                Some("image") => InfraAs::Image,
                Some("action") => InfraAs::Action,
                _ => InfraAs::Region,
            };
            if let Some(given) = self.paths(pack, &format!("{ptr}/given"), e.get("given")) {
                self.set.infra.push(InfraSpec {
                    kinds,
                    given,
                    classify,
                });
            }
        }
        for (i, o) in items(json, "objects") {
            let ptr = format!("/objects/{i}");
            let kinds = self.kind_list(pack, &ptr, o);
            let given = self.paths(pack, &format!("{ptr}/given"), o.get("given"));
            let name = self.field(pack, &format!("{ptr}/name"), o.get("name"));
            let mut fields = Vec::new();
            for (k, v) in o
                .get("fields")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(Some(f)) = self.field(pack, &format!("{ptr}/fields/{k}"), Some(v)) {
                    fields.push((k.clone(), f));
                }
            }
            let object_type = o.get("type").and_then(Json::as_str);
            if let (Some(given), Some(Some(name)), Some(t)) = (given, name, object_type) {
                self.set.objects.push(ObjectSpec {
                    kinds,
                    given,
                    object_type: t.to_string(),
                    name,
                    fields,
                });
            }
        }
        for (i, g) in items(json, "graph_rules") {
            let ptr = format!("/graph_rules/{i}");
            if let Some(rule) = graph_rule(pack, g) {
                let site = pack.value_span(&format!("{ptr}/id"));
                if self.rule_sites.contains_key(&*rule.id) {
                    self.diags
                        .push(pack.error(site, format!("rule id `{}` is declared twice", rule.id)));
                    continue;
                }
                self.rule_sites
                    .insert(rule.id.to_string(), (pack.name.clone(), site));
                self.set.graph_rules.push(rule);
            }
        }
        if let Some(rules) = json.get("rules").and_then(Json::as_array) {
            for (i, r) in rules.iter().enumerate() {
                let ptr = format!("/rules/{i}");
                if let Some(rule) = self.rule(pack, &ptr, r) {
                    let site = pack.value_span(&format!("{ptr}/id"));
                    if let Some((first, _)) = self.rule_sites.get(&*rule.id) {
                        self.diags.push(
                            pack.error(site, format!("rule id `{}` is declared twice", rule.id))
                                .with_help(format!(
                                    "first declared in {first}; rule ids are global, pick another"
                                )),
                        );
                        continue;
                    }
                    self.rule_sites
                        .insert(rule.id.to_string(), (pack.name.clone(), site));
                    self.set.rules.push(rule);
                }
            }
        }
    }

    /// The `kinds` of an entry, each recorded for the unknown-kind check.
    fn kind_list(&mut self, pack: &Pack, ptr: &str, v: &Json) -> Vec<String> {
        let kinds: Vec<String> = v
            .get("kinds")
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for (i, k) in kinds.iter().enumerate() {
            self.kind_refs.push((
                k.clone(),
                pack.name.clone(),
                pack.value_span(&format!("{ptr}/kinds/{i}")),
            ));
        }
        kinds
    }

    /// A path or list of paths.
    fn paths(&mut self, pack: &Pack, ptr: &str, v: Option<&Json>) -> Option<Vec<Path>> {
        match v {
            None => Some(Vec::new()),
            Some(Json::String(p)) => Some(vec![self.path(pack, ptr, p)?]),
            Some(Json::Array(ps)) => {
                let mut out = Vec::new();
                for (i, p) in ps.iter().enumerate() {
                    out.push(self.path(pack, &format!("{ptr}/{i}"), p.as_str()?)?);
                }
                Some(out)
            }
            Some(_) => None,
        }
    }

    fn field(&mut self, pack: &Pack, ptr: &str, v: Option<&Json>) -> Option<Option<Field>> {
        let Some(v) = v else { return Some(None) };
        if let Some(obj) = v.as_object() {
            let paths = self.paths(pack, &format!("{ptr}/path"), obj.get("path"))?;
            let of = match obj.get("of").and_then(Json::as_str) {
                Some(r) => Some(self.regex(pack, &format!("{ptr}/of"), r)?),
                None => None,
            };
            return Some(Some(Field {
                paths,
                of,
                default: obj
                    .get("default")
                    .and_then(Json::as_str)
                    .map(str::to_string),
                value: obj.get("value").and_then(Json::as_str).map(str::to_string),
                via: obj
                    .get("via")
                    .and_then(Json::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| {
                                Some((
                                    v.get("type")?.as_str()?.to_string(),
                                    v.get("field")?.as_str()?.to_string(),
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                use_key: match obj.get("use").and_then(Json::as_str) {
                    Some("key") => Some(true),
                    Some("value") => Some(false),
                    _ => None,
                },
            }));
        }
        Some(Some(Field {
            paths: self.paths(pack, ptr, Some(v))?,
            ..Field::default()
        }))
    }

    fn route_spec(&mut self, pack: &Pack, ptr: &str, r: &Json) -> Option<RouteSpec> {
        let kinds = self.kind_list(pack, ptr, r);
        let f = |this: &mut Self, key: &str| this.field(pack, &format!("{ptr}/{key}"), r.get(key));
        let ordered = match r.get("ordered") {
            None => Ordered::Always(false),
            Some(Json::Bool(b)) => Ordered::Always(*b),
            Some(p) => Ordered::When(self.predicate(pack, &format!("{ptr}/ordered"), p)?),
        };
        let mut fallbacks = Vec::new();
        for (i, fb) in r
            .get("fallbacks")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let fp = format!("{ptr}/fallbacks/{i}");
            let role = match fb.get("role").and_then(Json::as_str) {
                Some("context-window") => Role::ContextWindow,
                Some("content-policy") => Role::ContentPolicy,
                _ => Role::Outage,
            };
            fallbacks.push(FallbackSpec {
                given: self.paths(pack, &format!("{fp}/given"), fb.get("given"))?,
                from: self.field(pack, &format!("{fp}/from"), fb.get("from"))?,
                to: self.paths(pack, &format!("{fp}/to"), fb.get("to"))?,
                role,
            });
        }
        Some(RouteSpec {
            id: crate::intern::thin(r.get("id")?.as_str()?),
            kinds,
            given: self.paths(pack, &format!("{ptr}/given"), r.get("given"))?,
            route: f(self, "route")?,
            ordered,
            weight: f(self, "weight")?,
            priority: f(self, "priority")?,
            needs: r.get("needs").and_then(|n| {
                Some((
                    n.get("type")?.as_str()?.to_string(),
                    n.get("why")
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_string(),
                ))
            }),
            deployments: self.paths(pack, &format!("{ptr}/deployments"), r.get("deployments"))?,
            namespace: r
                .get("namespace")
                .and_then(Json::as_str)
                .map(str::to_string),
            provider: f(self, "provider")?,
            operator: f(self, "operator")?,
            model: f(self, "model")?,
            base_model: f(self, "base_model")?,
            endpoint: f(self, "endpoint")?,
            region: f(self, "region")?,
            rpm: f(self, "rpm")?,
            tpm: f(self, "tpm")?,
            fallbacks,
            origin: pack.name.clone(),
        })
    }

    fn kind(&mut self, pack: &Pack, ptr: &str, k: &Json) -> Option<Kind> {
        let s = |key: &str| k.get(key).and_then(Json::as_str).map(str::to_string);
        let formats = k
            .get("formats")?
            .as_array()?
            .iter()
            .filter_map(|f| f.as_str().and_then(Format::from_name))
            .collect();
        let mut path_patterns = Vec::new();
        let paths = match k.get("paths").and_then(Json::as_array) {
            None => None,
            Some(globs) => {
                let mut b = GlobSetBuilder::new();
                for (i, g) in globs.iter().enumerate() {
                    let g = g.as_str().unwrap_or_default();
                    // gitignore-like: a pattern without `/` matches the file name anywhere
                    let full = if g.contains('/') {
                        g.to_string()
                    } else {
                        format!("**/{g}")
                    };
                    match GlobBuilder::new(&full).literal_separator(true).build() {
                        Ok(glob) => {
                            b.add(glob);
                            path_patterns.push(g.to_string());
                        }
                        Err(e) => self.diags.push(pack.error(
                            pack.value_span(&format!("{ptr}/paths/{i}")),
                            format!("invalid glob: {e}"),
                        )),
                    }
                }
                b.build().ok()
            }
        };
        let matcher = match k.get("match") {
            Some(m) => Some(self.predicate(pack, &format!("{ptr}/match"), m)?),
            None => None,
        };
        Some(Kind {
            id: crate::intern::name(&s("id")?),
            title: s("title")?,
            description: s("description"),
            formats,
            paths,
            path_patterns,
            matcher,
            origin: pack.name.clone(),
        })
    }

    fn rule(&mut self, pack: &Pack, ptr: &str, r: &Json) -> Option<Rule> {
        let s = |key: &str| r.get(key).and_then(Json::as_str).map(str::to_string);
        let id = s("id")?;
        let severity = match r.get("severity")?.as_str()? {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            _ => Severity::Info,
        };
        let kinds: Vec<String> = r
            .get("kinds")?
            .as_array()?
            .iter()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect();
        for (i, k) in kinds.iter().enumerate() {
            self.kind_refs.push((
                k.clone(),
                pack.name.clone(),
                pack.value_span(&format!("{ptr}/kinds/{i}")),
            ));
        }
        let tags = r
            .get("tags")
            .and_then(Json::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let given = match r.get("given")? {
            Json::String(g) => vec![self.path(pack, &format!("{ptr}/given"), g)?],
            Json::Array(gs) => {
                let mut out = Vec::new();
                for (i, g) in gs.iter().enumerate() {
                    out.push(self.path(pack, &format!("{ptr}/given/{i}"), g.as_str()?)?);
                }
                out
            }
            _ => return None,
        };
        let when = match r.get("when") {
            Some(w) => Some(self.predicate(pack, &format!("{ptr}/when"), w)?),
            None => None,
        };
        let assert = self.predicate(pack, &format!("{ptr}/assert"), r.get("assert")?)?;
        let message = self.template(pack, &format!("{ptr}/message"), &s("message")?)?;
        let mut labels = Vec::new();
        if let Some(ls) = r.get("labels").and_then(Json::as_array) {
            for (i, l) in ls.iter().enumerate() {
                let p = self.path(
                    pack,
                    &format!("{ptr}/labels/{i}/path"),
                    l.get("path")?.as_str()?,
                )?;
                labels.push((p, l.get("message")?.as_str()?.to_string()));
            }
        }
        let d = r.get("docs")?;
        let ds = |key: &str| {
            d.get(key)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .trim_end()
                .to_string()
        };
        let docs = Docs {
            help: help_line(&ds("fix")),
            what: ds("what"),
            why: ds("why"),
            fix: ds("fix"),
            fires: ds("fires"),
            passes: ds("passes"),
            references: d
                .get("references")
                .and_then(Json::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        };
        Some(Rule {
            id: crate::intern::name(&id),
            title: s("title")?,
            severity,
            kinds,
            tags,
            given,
            when,
            assert,
            message,
            report_subject: s("report").as_deref() == Some("subject"),
            labels,
            docs,
            origin: pack.name.clone(),
        })
    }

    /// Compiles a path; an error points at the offending character inside the rule file.
    fn path(&mut self, pack: &Pack, ptr: &str, src: &str) -> Option<Path> {
        match Path::parse(src) {
            Ok(p) => Some(p),
            Err(e) => {
                let span = inner_span(pack, ptr, e.offset);
                self.diags
                    .push(pack.error(span, format!("invalid path: {}", e.message)));
                None
            }
        }
    }

    fn regex(&mut self, pack: &Pack, ptr: &str, src: &str) -> Option<Regex> {
        match compile_regex(src) {
            Ok(r) => Some(r),
            Err(e) => {
                let first = e
                    .lines()
                    .find(|l| l.contains("error:"))
                    .unwrap_or("invalid regex");
                self.diags.push(
                    pack.error(
                        pack.value_span(ptr),
                        format!(
                            "invalid regex: {}",
                            first.trim().trim_start_matches("error: ")
                        ),
                    )
                    .with_help(e.trim().to_string()),
                );
                None
            }
        }
    }

    fn template(&mut self, pack: &Pack, ptr: &str, src: &str) -> Option<Vec<Part>> {
        let mut parts = Vec::new();
        let mut rest = src;
        let mut offset = 0;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Lit(rest[..open].to_string()));
            }
            let Some(close) = rest[open..].find('}') else {
                self.diags.push(pack.error(
                    inner_span(pack, ptr, offset + open),
                    "unclosed `{` in message",
                ));
                return None;
            };
            let inner = &rest[open + 1..open + close];
            parts.push(match inner {
                "value" => Part::Value,
                "missing" => Part::Missing,
                p if p.starts_with('@') || p.starts_with('$') => match Path::parse(p) {
                    Ok(path) => Part::Path(path),
                    Err(e) => {
                        let span = inner_span(pack, ptr, offset + open + 1 + e.offset);
                        self.diags.push(pack.error(span, format!("invalid path in message: {}", e.message)));
                        return None;
                    }
                },
                other => {
                    self.diags.push(
                        pack.error(inner_span(pack, ptr, offset + open), format!("unknown placeholder `{{{other}}}`"))
                            .with_help("use {value}, {missing}, or a path such as {@.metadata.name} or {$.kind}"),
                    );
                    return None;
                }
            });
            offset += open + close + 1;
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest.to_string()));
        }
        Some(parts)
    }

    fn predicate(&mut self, pack: &Pack, ptr: &str, v: &Json) -> Option<Predicate> {
        let obj = v.as_object()?;
        if let Some(items) = obj.get("all").and_then(Json::as_array) {
            let mut out = Vec::new();
            for (i, p) in items.iter().enumerate() {
                out.push(self.predicate(pack, &format!("{ptr}/all/{i}"), p)?);
            }
            return Some(Predicate::All(out));
        }
        if let Some(items) = obj.get("any").and_then(Json::as_array) {
            let mut out = Vec::new();
            for (i, p) in items.iter().enumerate() {
                out.push(self.predicate(pack, &format!("{ptr}/any/{i}"), p)?);
            }
            return Some(Predicate::Any(out));
        }
        if let Some(p) = obj.get("not") {
            return Some(Predicate::Not(Box::new(self.predicate(
                pack,
                &format!("{ptr}/not"),
                p,
            )?)));
        }
        let mut paths = Vec::new();
        match obj.get("path") {
            Some(Json::String(p)) => paths.push(self.path(pack, &format!("{ptr}/path"), p)?),
            Some(Json::Array(ps)) => {
                for (i, p) in ps.iter().enumerate() {
                    paths.push(self.path(pack, &format!("{ptr}/path/{i}"), p.as_str()?)?);
                }
            }
            _ => {}
        }
        let default = obj.get("default").and_then(Scalar::from_json);
        let check = self.check(pack, ptr, obj)?;
        Some(Predicate::Test(Test {
            paths,
            default,
            check,
        }))
    }

    fn check(&mut self, pack: &Pack, ptr: &str, obj: &JsonMap<String, Json>) -> Option<Check> {
        if let Some(b) = obj.get("exists").and_then(Json::as_bool) {
            return Some(Check::Exists(b));
        }
        if let Some(v) = obj.get("equals") {
            return Some(Check::Equals(Scalar::from_json(v)?));
        }
        if let Some(vs) = obj.get("one_of").and_then(Json::as_array) {
            return Some(Check::OneOf(
                vs.iter().filter_map(Scalar::from_json).collect(),
            ));
        }
        if let Some(r) = obj.get("regex").and_then(Json::as_str) {
            return Some(Check::Regex(self.regex(
                pack,
                &format!("{ptr}/regex"),
                r,
            )?));
        }
        if let Some(b) = obj.get("length") {
            return Some(Check::Length(bounds(b)));
        }
        if let Some(b) = obj.get("count") {
            return Some(Check::Count(bounds(b)));
        }
        if let Some(d) = obj.get("distinct") {
            let mut key = Vec::new();
            for (i, e) in d
                .get("key")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let ep = format!("{ptr}/distinct/key/{i}");
                let path = match e.get("path").and_then(Json::as_str) {
                    Some(p) => Some(self.path(pack, &format!("{ep}/path"), p)?),
                    None => None,
                };
                let of = match e.get("of").and_then(Json::as_str) {
                    Some(r) => Some(self.regex(pack, &format!("{ep}/of"), r)?),
                    None => None,
                };
                key.push(Extractor {
                    path,
                    use_key: e.get("use").and_then(Json::as_str) == Some("key"),
                    of,
                    value: e.get("value").and_then(Json::as_str).map(str::to_string),
                });
            }
            return Some(Check::Distinct {
                key,
                bounds: bounds(d),
            });
        }
        if let Some(t) = obj.get("type").and_then(Json::as_str) {
            let t = match t {
                "string" => TypeName::String,
                "number" => TypeName::Number,
                "bool" => TypeName::Bool,
                "null" => TypeName::Null,
                "sequence" => TypeName::Sequence,
                "mapping" => TypeName::Mapping,
                _ => TypeName::Expression,
            };
            return Some(Check::Type(t));
        }
        let b = bounds(&Json::Object(obj.clone()));
        (!b.is_empty()).then_some(Check::Compare(b))
    }
}

/// The entries of a top-level array of a pack, with their indices (for JSON pointers).
fn items<'a>(json: &'a Json, key: &str) -> impl Iterator<Item = (usize, &'a Json)> {
    json.get(key)
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

fn graph_rule(pack: &Pack, g: &Json) -> Option<GraphRule> {
    let s = |key: &str| g.get(key).and_then(Json::as_str).map(str::to_string);
    let d = g.get("docs")?;
    let ds = |key: &str| {
        d.get(key)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .trim_end()
            .to_string()
    };
    Some(GraphRule {
        id: crate::intern::name(&s("id")?),
        title: s("title")?,
        severity: match s("severity")?.as_str() {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            _ => Severity::Info,
        },
        tags: g
            .get("tags")
            .and_then(Json::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        check: match s("check")?.as_str() {
            "route-without-fallback" => GraphCheck::RouteWithoutFallback,
            "fallback-not-independent" => GraphCheck::FallbackNotIndependent,
            "fallback-target-missing" => GraphCheck::FallbackTargetMissing,
            "infra-concentration" => GraphCheck::InfraConcentration,
            "fallback-needs-object" => GraphCheck::FallbackNeedsObject,
            "banned-vendor" => GraphCheck::BannedVendor,
            "contract-missing" => GraphCheck::ContractMissing,
            "contract-stale" => GraphCheck::ContractStale,
            "contract-expiry" => GraphCheck::ContractExpiry,
            "contract-exclusivity" => GraphCheck::ContractExclusivity,
            "contract-exit-notice" => GraphCheck::ContractExitNotice,
            "contract-data-export" => GraphCheck::ContractDataExport,
            "contract-model" => GraphCheck::ContractModel,
            "contract-rate-limit" => GraphCheck::ContractRateLimit,
            "contract-region" => GraphCheck::ContractRegion,
            "contract-commitment" => GraphCheck::ContractCommitment,
            "route-operators" => GraphCheck::RouteOperators,
            _ => GraphCheck::Concentration,
        },
        min_grade: s("min_grade"),
        by: match s("by").as_deref() {
            Some("cloud") => OwnerKind::Cloud,
            Some("operator") => OwnerKind::Operator,
            Some("aggregator") => OwnerKind::Aggregator,
            Some("region") => OwnerKind::Region,
            _ => OwnerKind::Parent,
        },
        threshold: g.get("threshold").and_then(Json::as_f64).unwrap_or(1.0),
        min_routes: g.get("min_routes").and_then(Json::as_u64).unwrap_or(2) as usize,
        docs: Docs {
            help: help_line(&ds("fix")),
            what: ds("what"),
            why: ds("why"),
            fix: ds("fix"),
            fires: ds("fires"),
            passes: ds("passes"),
            references: Vec::new(),
        },
        origin: pack.name.clone(),
    })
}

fn bounds(v: &Json) -> Bounds {
    [
        ("equals", Cmp::Eq),
        ("gt", Cmp::Gt),
        ("gte", Cmp::Gte),
        ("lt", Cmp::Lt),
        ("lte", Cmp::Lte),
    ]
    .iter()
    .filter_map(|(k, c)| v.get(*k).and_then(Json::as_f64).map(|n| (*c, n)))
    .collect()
}

/// The span of character `offset` of a string value in the rule file: exact for plain and
/// quoted scalars without escapes, which is what paths and regexes almost always are.
fn inner_span(pack: &Pack, ptr: &str, offset: usize) -> Span {
    let outer = pack.value_span(ptr);
    let raw = &pack.file.text[outer.range()];
    let quote = usize::from(raw.starts_with(['"', '\'']));
    let start = outer.start as usize + quote;
    let text = &pack.file.text[start..outer.end as usize];
    let at = text
        .char_indices()
        .nth(offset)
        .map_or(text.len(), |(i, _)| i);
    parse::point_in(&pack.file.text, start + at, outer)
}

/// Schema problems of a pack, or one internal error when the bundled schema itself is broken.
fn validate(
    pack: &Pack,
    json: &Json,
    validator: Result<&jsonschema::Validator, String>,
) -> Vec<Diagnostic> {
    match validator {
        Ok(v) => schema_errors(pack, json, v),
        Err(e) => vec![Diagnostic::new(
            pack.code,
            Severity::Error,
            &pack.name,
            format!("internal error, please report: a bundled schema does not compile: {e}"),
        )],
    }
}

fn schema_errors(pack: &Pack, json: &Json, v: &jsonschema::Validator) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut seen = Vec::new();
    for e in v.iter_errors(json) {
        let ptr = e.instance_path().as_str().to_string();
        let kind = e.kind();
        if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } = kind {
            for key in unexpected {
                let kp = format!("{ptr}/{}", escape_pointer(key));
                if seen.contains(&kp) {
                    continue;
                }
                seen.push(kp.clone());
                let allowed = allowed_keys(pack.code, &ptr);
                let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
                let mut d = pack.error(pack.key_span(&kp), format!("unknown key `{key}`"));
                if let Some(s) = did_you_mean(key, &allowed) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                out.push(d);
            }
            continue;
        }
        if seen.contains(&ptr) {
            continue;
        }
        seen.push(ptr.clone());
        let keyword = kind.keyword();
        let instance = pointer_get(json, &ptr);
        let message = match keyword {
            "oneOf" if instance.is_some_and(Json::is_object) && is_predicate_ptr(&ptr) => {
                "expected exactly one of `all`, `any`, `not`, or a test: an optional `path` and one check \
                 (`exists`, `equals`, `one_of`, `regex`, `gt`/`gte`/`lt`/`lte`, `length`, `count`, `distinct`, `type`)"
                    .to_string()
            }
            "required" => format!("{}", e).replace("\"", "`"),
            _ => {
                let s = e.to_string();
                if s.len() > 300 {
                    format!("{}…", &s[..parse::floor_char_boundary(&s, 300)])
                } else {
                    s
                }
            }
        };
        let span = if keyword == "required" || keyword == "oneOf" {
            pack.key_span(&ptr)
        } else {
            pack.value_span(&ptr)
        };
        out.push(pack.error(span, message));
    }
    out
}

fn is_predicate_ptr(ptr: &str) -> bool {
    ["/assert", "/when", "/match", "/all/", "/any/", "/not"]
        .iter()
        .any(|p| ptr.contains(p))
}

/// The schema a data file is validated against, by the code its problems are reported under.
fn schema_text(code: &str) -> &'static str {
    match code {
        "invalid-registry" => include_str!("../../schemas/registry.schema.json"),
        "invalid-config" => include_str!("../../schemas/hedge.schema.json"),
        "invalid-contract" => include_str!("../../schemas/contract.schema.json"),
        _ => SCHEMA,
    }
}

/// The keys the schema allows in the object at instance pointer `ptr`, found by walking the
/// schema along the pointer (through `$ref`, `items`, `additionalProperties` and `oneOf`), so
/// suggestions always match the file's own format.
fn allowed_keys(code: &str, ptr: &str) -> Vec<String> {
    let Ok(root) = serde_json::from_str::<Json>(schema_text(code)) else {
        return Vec::new();
    };
    fn resolve<'a>(root: &'a Json, mut n: &'a Json) -> &'a Json {
        for _ in 0..16 {
            match n
                .get("$ref")
                .and_then(Json::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| root.pointer(p))
            {
                Some(t) => n = t,
                None => break,
            }
        }
        n
    }
    fn branches<'a>(root: &'a Json, n: &'a Json) -> Vec<&'a Json> {
        let n = resolve(root, n);
        let mut out = vec![n];
        for k in ["oneOf", "anyOf", "allOf"] {
            for b in n.get(k).and_then(Json::as_array).into_iter().flatten() {
                out.push(resolve(root, b));
            }
        }
        out
    }
    let mut nodes: Vec<&Json> = vec![&root];
    for seg in ptr.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        let mut next = Vec::new();
        for n in nodes.iter().flat_map(|n| branches(&root, n)) {
            if let Some(p) = n.get("properties").and_then(|p| p.get(&seg)) {
                next.push(p);
            } else if seg.parse::<usize>().is_ok() {
                if let Some(i) = n.get("items") {
                    next.push(i);
                }
            } else if let Some(a) = n.get("additionalProperties").filter(|a| a.is_object()) {
                next.push(a);
            }
        }
        nodes = next;
    }
    let mut keys: Vec<String> = nodes
        .iter()
        .flat_map(|n| branches(&root, n))
        .filter_map(|n| n.get("properties").and_then(Json::as_object).cloned())
        .flat_map(|m| m.keys().cloned().collect::<Vec<_>>())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The closest candidate by edit distance, if it is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn pointer_get<'a>(json: &'a Json, ptr: &str) -> Option<&'a Json> {
    json.pointer(ptr)
}

/// Converts a tree to JSON for schema validation, recording the spans of every pointer.
/// Aliases are followed with a budget, so a hostile rule file cannot blow up memory.
fn to_json(doc: &Doc, root: NodeId, spans: &mut HashMap<String, (Option<Span>, Span)>) -> Json {
    let mut budget = 200_000usize;
    convert(doc, root, String::new(), None, spans, &mut budget, 0)
}

fn convert(
    doc: &Doc,
    id: NodeId,
    ptr: String,
    key: Option<Span>,
    spans: &mut HashMap<String, (Option<Span>, Span)>,
    budget: &mut usize,
    depth: usize,
) -> Json {
    spans.insert(ptr.clone(), (key, doc.span(id)));
    if *budget == 0 || depth > 200 {
        return Json::Null;
    }
    *budget -= 1;
    let id = doc.resolve(id);
    match doc.value(id) {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.to_string()),
        Value::Expr(_) | Value::Alias(_) => Json::Null,
        Value::Seq(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    convert(doc, c, format!("{ptr}/{i}"), None, spans, budget, depth + 1)
                })
                .collect(),
        ),
        Value::Map(_) => {
            let mut m = JsonMap::new();
            for &(k, v) in doc.entries(id).iter() {
                let name = doc
                    .scalar_text(k)
                    .map(|c| c.into_owned())
                    .unwrap_or_default();
                let child = format!("{ptr}/{}", escape_pointer(&name));
                let value = convert(doc, v, child, Some(doc.span(k)), spans, budget, depth + 1);
                m.insert(name, value);
            }
            Json::Object(m)
        }
    }
}

#[allow(dead_code)]
fn assert_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<RuleSet>();
}

/// The help line of a rule's findings: the first paragraph of its `fix`, whitespace collapsed.
fn help_line(fix: &str) -> Option<Arc<str>> {
    let first = fix.split("\n\n").next().unwrap_or_default();
    let line = first.split_whitespace().collect::<Vec<_>>().join(" ");
    (!line.is_empty()).then(|| Arc::from(line))
}
