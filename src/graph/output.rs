//! `hedge graph` output: the graph as JSON (stable, for tools), DOT (Graphviz) or Mermaid (for
//! pull requests and wikis). Everything is emitted in the graph's own order, which follows the
//! sorted file list, so output is deterministic.

use std::fmt::Write;

use serde::Serialize;

use super::{Grade, Graph};

#[derive(Serialize)]
struct JsonGraph<'a> {
    version: u32,
    routes: Vec<JsonRoute<'a>>,
    deployments: &'a [super::Deployment],
    edges: Vec<JsonEdge<'a>>,
}

#[derive(Serialize)]
struct JsonRoute<'a> {
    id: usize,
    name: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    extractor: &'a str,
    ordered: bool,
    members: &'a [Vec<usize>],
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: usize,
    to: Option<usize>,
    to_name: &'a str,
    to_member: Option<usize>,
    role: &'a str,
    grade: &'a str,
    reason: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
}

pub fn json(g: &Graph) -> String {
    let doc = JsonGraph {
        version: 1,
        routes: g
            .routes
            .iter()
            .map(|r| JsonRoute {
                id: r.id,
                name: &r.name,
                file: &r.file,
                line: r.loc.start.line,
                column: r.loc.start.column,
                extractor: &r.extractor,
                ordered: r.ordered,
                members: &r.members,
            })
            .collect(),
        deployments: &g.deployments,
        edges: g
            .edges
            .iter()
            .map(|e| JsonEdge {
                from: e.from,
                to: e.to,
                to_name: &e.to_name,
                to_member: e.to_member,
                role: e.role.name(),
                grade: e.grade.name(),
                reason: &e.reason,
                file: &e.loc.path,
                line: e.loc.start.line,
                column: e.loc.start.column,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}

fn color(grade: Grade) -> &'static str {
    match grade {
        Grade::Independent => "#2e7d32",
        Grade::Unknown => "#757575",
        Grade::SharedCloud | Grade::SharedFamily => "#ef6c00",
        _ => "#c62828",
    }
}

fn dep_label(d: &super::Deployment) -> String {
    let op = d.operator.as_deref().unwrap_or("unknown");
    let mut parts = vec![op.to_string()];
    if let Some(m) = &d.model {
        parts.push(m.to_string());
    }
    if let Some(c) = &d.cloud {
        parts.push(format!("on {c}"));
    }
    if let Some(r) = &d.region {
        parts.push(r.to_string());
    }
    parts.join("\\n")
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub fn dot(g: &Graph) -> String {
    let mut s = String::from(
        "digraph hedge {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for r in &g.routes {
        let _ = writeln!(
            s,
            "  r{} [shape=box, style=bold, label=\"{}\\n{}\"];",
            r.id,
            esc(&r.name),
            esc(&r.file)
        );
        for (mi, m) in r.members.iter().enumerate() {
            for &d in m {
                let dep = &g.deployments[d];
                let _ = writeln!(
                    s,
                    "  d{d} [shape=ellipse, label=\"{}\"];",
                    esc(&dep_label(dep))
                );
                let style = if r.ordered && mi > 0 {
                    ", style=dashed, label=\"fallback\""
                } else {
                    ""
                };
                let _ = writeln!(s, "  r{} -> d{d} [arrowhead=none{style}];", r.id);
            }
        }
    }
    for e in &g.edges {
        if let (Some(to), None) = (e.to, e.to_member) {
            let _ = writeln!(
                s,
                "  r{} -> r{to} [color=\"{}\", label=\"{} ({})\"];",
                e.from,
                color(e.grade),
                e.role.name(),
                e.grade.name()
            );
        }
    }
    s.push_str("}\n");
    s
}

pub fn mermaid(g: &Graph) -> String {
    let mut s = String::from("flowchart LR\n");
    let q = |t: &str| t.replace('"', "'");
    for r in &g.routes {
        let _ = writeln!(
            s,
            "  r{}[\"{}<br/><small>{}</small>\"]",
            r.id,
            q(&r.name),
            q(&r.file)
        );
        for (mi, m) in r.members.iter().enumerate() {
            for &d in m {
                let dep = &g.deployments[d];
                let _ = writeln!(
                    s,
                    "  d{d}([\"{}\"])",
                    q(&dep_label(dep).replace("\\n", "<br/>"))
                );
                let arrow = if r.ordered && mi > 0 {
                    "-. fallback .->"
                } else {
                    "---"
                };
                let _ = writeln!(s, "  r{} {arrow} d{d}", r.id);
            }
        }
    }
    let mut link = 0usize;
    let mut styles = String::new();
    for r in &g.routes {
        link += r.members.iter().map(Vec::len).sum::<usize>();
    }
    for e in &g.edges {
        if let (Some(to), None) = (e.to, e.to_member) {
            let _ = writeln!(
                s,
                "  r{} -->|{} · {}| r{to}",
                e.from,
                e.role.name(),
                e.grade.name()
            );
            let _ = writeln!(styles, "  linkStyle {link} stroke:{}", color(e.grade));
            link += 1;
        }
    }
    s.push_str(&styles);
    s
}
