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

pub fn list(args: &RulesArgs) -> i32 {
    let set = match super::load_rules(&args.source, OutputFormat::Human) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut rules: Vec<_> = set.rules.iter().collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        TreeFormat::Json => {
            let list: Vec<RuleOut> = rules
                .iter()
                .map(|r| RuleOut {
                    id: &r.id,
                    title: &r.title,
                    severity: r.severity.name(),
                    kinds: &r.kinds,
                    tags: &r.tags,
                    origin: &r.origin,
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)
                .map_err(std::io::Error::other)
                .and_then(|_| writeln!(out))
        }
        TreeFormat::Text => (|| {
            let w = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in &rules {
                writeln!(
                    out,
                    "{:w$}  {:7}  {}  [{}]",
                    r.id,
                    r.severity.name(),
                    r.title,
                    r.kinds.join(", ")
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
    let Some(r) = set.rule(&args.rule) else {
        let known: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
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
                .find(|x| &x.id == k)
                .map_or(k.clone(), |x| format!("{k} ({})", x.title))
        })
        .collect();
    let indent = |t: &str| {
        t.lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let para = |t: &str| textwrap(t, 96);
    let mut text = format!(
        "{id}: {title}\n\nseverity: {sev}\napplies to: {kinds}\ntags: {tags}\ndefined in: {origin}\n\n\
         What it finds\n{what}\n\nWhy it matters\n{why}\n\nHow to fix it\n{fix}\n\n\
         Fires on\n{fires}\n\nDoes not fire on\n{passes}\n",
        id = r.id,
        title = r.title,
        sev = r.severity.name(),
        kinds = kinds.join(", "),
        tags = if r.tags.is_empty() { "-".to_string() } else { r.tags.join(", ") },
        origin = r.origin,
        what = para(&r.docs.what),
        why = para(&r.docs.why),
        fix = para(&r.docs.fix),
        fires = indent(&r.docs.fires),
        passes = indent(&r.docs.passes),
    );
    if !r.docs.references.is_empty() {
        text.push_str("\nReferences\n");
        for l in &r.docs.references {
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
