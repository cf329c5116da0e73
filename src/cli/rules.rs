//! `hedge rules` and `hedge explain`: the rule registry and each rule's documentation.

use std::io::Write;

use serde::Serialize;

use super::{ExplainArgs, RulesArgs, TreeFormat, EXIT_OK, EXIT_USAGE};
use crate::engine::load::did_you_mean;
use crate::report::OutputFormat;

#[derive(Serialize)]
struct RuleOut<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'a str,
    kinds: &'a [String],
    tags: &'a [String],
    origin: &'a str,
}

/// A rule of either family as the registry shows it.
struct Entry<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'a str,
    kinds: Vec<String>,
    tags: &'a [String],
    origin: &'a str,
    docs: &'a crate::engine::ruleset::Docs,
}

fn entries(set: &crate::engine::ruleset::RuleSet) -> Vec<Entry<'_>> {
    let mut all: Vec<Entry> = set
        .rules
        .iter()
        .map(|r| Entry {
            id: &r.id,
            title: &r.title,
            severity: r.severity.name(),
            kinds: r.kinds.clone(),
            tags: &r.tags,
            origin: &r.origin,
            docs: &r.docs,
        })
        .chain(set.graph_rules.iter().map(|r| Entry {
            id: &r.id,
            title: &r.title,
            severity: r.severity.name(),
            kinds: Vec::new(),
            tags: &r.tags,
            origin: &r.origin,
            docs: &r.docs,
        }))
        .collect();
    all.sort_by(|a, b| a.id.cmp(b.id));
    all
}

pub fn list(args: &RulesArgs) -> i32 {
    let set = match super::load_rules(&args.source, OutputFormat::Human) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let rules = entries(&set);
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        TreeFormat::Json => {
            let list: Vec<RuleOut> = rules
                .iter()
                .map(|r| RuleOut {
                    id: r.id,
                    title: r.title,
                    severity: r.severity,
                    kinds: &r.kinds,
                    tags: r.tags,
                    origin: r.origin,
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)
                .map_err(std::io::Error::other)
                .and_then(|_| writeln!(out))
        }
        TreeFormat::Text => (|| {
            let w = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in &rules {
                let applies = if r.kinds.is_empty() {
                    "project graph".to_string()
                } else {
                    r.kinds.join(", ")
                };
                writeln!(
                    out,
                    "{:w$}  {:7}  {}  [{applies}]",
                    r.id, r.severity, r.title
                )?;
            }
            writeln!(
                out,
                "\n{} rules; `hedge explain RULE` shows one",
                rules.len()
            )
        })(),
    };
    if written.is_err() {
        return EXIT_USAGE;
    }
    EXIT_OK
}

pub fn explain(args: &ExplainArgs) -> i32 {
    let set = match super::load_rules(&args.source, OutputFormat::Human) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let all = entries(&set);
    if let Some((id, title, sev, what, why, fix)) =
        crate::diag::BUILTIN_DOCS.iter().find(|d| d.0 == args.rule)
    {
        let para = |t: &str| textwrap(t, 96);
        let text = format!(
            "{id}: {title}\n\nseverity: {sev}\napplies to: every file hedge reads (a check built into hedge)\n\n\
             What it finds\n{}\n\nWhy it matters\n{}\n\nHow to fix it\n{}\n",
            para(what),
            para(why),
            para(fix)
        );
        return match std::io::stdout().lock().write_all(text.as_bytes()) {
            Ok(()) => EXIT_OK,
            Err(_) => EXIT_USAGE,
        };
    }
    let Some(r) = all.iter().find(|r| r.id == args.rule) else {
        let known: Vec<&str> = all
            .iter()
            .map(|r| r.id)
            .chain(crate::diag::BUILTIN_DOCS.iter().map(|d| d.0))
            .collect();
        let hint = did_you_mean(&args.rule, &known)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        eprintln!(
            "error: unknown rule `{}`{hint}; `hedge rules` lists them",
            args.rule
        );
        return EXIT_USAGE;
    };
    let kinds: Vec<String> = r
        .kinds
        .iter()
        .map(|k| {
            set.kinds
                .iter()
                .find(|x| *x.id == **k)
                .map_or(k.clone(), |x| format!("{k} ({})", x.title))
        })
        .collect();
    let applies = if kinds.is_empty() {
        "the project's provider graph (routes, deployments and fallbacks of every file)".to_string()
    } else {
        kinds.join(", ")
    };
    let indent = |t: &str| {
        t.lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let para = |t: &str| textwrap(t, 96);
    let d = r.docs;
    let mut text = format!(
        "{id}: {title}\n\nseverity: {sev}\napplies to: {applies}\ntags: {tags}\ndefined in: {origin}\n\n\
         What it finds\n{what}\n\nWhy it matters\n{why}\n\nHow to fix it\n{fix}\n\n\
         Fires on\n{fires}\n\nDoes not fire on\n{passes}\n",
        id = r.id,
        title = r.title,
        sev = r.severity,
        tags = if r.tags.is_empty() { "-".to_string() } else { r.tags.join(", ") },
        origin = r.origin,
        what = para(&d.what),
        why = para(&d.why),
        fix = para(&d.fix),
        fires = indent(&d.fires),
        passes = indent(&d.passes),
    );
    if !d.references.is_empty() {
        text.push_str("\nReferences\n");
        for l in &d.references {
            text.push_str(&format!("  {l}\n"));
        }
    }
    if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
        return EXIT_USAGE;
    }
    EXIT_OK
}

/// Re-flows prose to `width` columns (rule docs are written as folded YAML).
fn textwrap(t: &str, width: usize) -> String {
    let mut out = Vec::new();
    for para in t.split("\n\n") {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(line);
        out.push(String::new());
    }
    out.pop();
    out.join("\n")
}
