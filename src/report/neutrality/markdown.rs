//! The neutrality report as Markdown, for pull-request comments and wikis: the same sections as
//! the HTML report, as tables, with the dependency graph as a Mermaid flowchart (GitHub, GitLab
//! and most wikis draw it).
//!
//! The graph is written here rather than with `graph::output::mermaid`: that one draws routes
//! and deployments only, and quotes labels loosely; this one draws the same columns as the HTML
//! report (operators, clouds, parent companies) and encodes every character of input that could
//! end a label or open markup.

use std::fmt::Write;

use super::{ContractStatus, Neutrality, NodeKind, Place};
use crate::engine::ruleset::Role;

/// Text for a table cell: Markdown and HTML punctuation is escaped, and a cell stays one line.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A cell with `quoted` spans (as rule messages quote names) set as code spans, when the quoted
/// text is plain; anything with markup characters stays escaped text, since a code span shows
/// entities literally.
fn rich(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, part) in parts.iter().enumerate() {
        let quoted = i % 2 == 1 && i + 1 < parts.len();
        let plain = !part.is_empty()
            && part
                .chars()
                .all(|c| !c.is_control() && !"<>&|\\\"".contains(c));
        if quoted && plain {
            out.push('`');
            out.push_str(part);
            out.push('`');
        } else {
            if i % 2 == 1 {
                out.push_str("\\`");
            }
            out.push_str(&cell(part));
            if quoted {
                out.push_str("\\`");
            }
        }
    }
    out
}

/// A Mermaid label: anything but plain letters, digits and a few safe marks becomes an entity
/// code (`#60;`), which Mermaid decodes when it draws, so input can neither close the label nor
/// add markup.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_alphanumeric() || " .,:/()+@=-".contains(c) {
            out.push(c);
        } else if c.is_control() {
            out.push_str("#65533;");
        } else {
            let _ = write!(out, "#{};", c as u32);
        }
    }
    out
}

fn link(p: &Place) -> String {
    // the link text is escaped like any cell; the target is percent-encoded, so it has no
    // space, parenthesis or bracket that could end it
    format!("[{}]({})", cell(&p.text()), p.href)
}

pub fn render(n: &Neutrality) -> String {
    let mut m = String::with_capacity(32 * 1024);
    let s = &n.summary;
    let _ = writeln!(
        m,
        "# Vendor neutrality report: {}\n\n_As of {} · hedge {}_\n",
        cell(&n.project),
        n.today,
        n.version
    );
    m.push_str("## Summary\n\n| | | |\n|---|---:|---|\n");
    let list = |v: &[super::Named]| {
        cell(
            &v.iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
    };
    let _ = writeln!(
        m,
        "| AI routes | {} | {} entry · {} standby (fallback targets) · {} deployments |",
        s.routes, s.entry_routes, s.standby_routes, s.deployments
    );
    let _ = writeln!(
        m,
        "| Independent fallback | {} of {} | entry routes; {} have some outage fallback |",
        s.with_independent_cover, s.entry_routes, s.with_outage_cover
    );
    let _ = writeln!(
        m,
        "| Operators | {} | {} |",
        s.operators.len(),
        list(&s.operators)
    );
    let _ = writeln!(m, "| Model labs | {} | {} |", s.labs.len(), list(&s.labs));
    let _ = writeln!(m, "| Clouds | {} | {} |", s.clouds.len(), list(&s.clouds));
    let _ = writeln!(
        m,
        "| Parent companies | {} | {} |",
        s.parents.len(),
        list(&s.parents)
    );
    let _ = writeln!(
        m,
        "| Findings | {} | {} errors · {} warnings · {} info |",
        s.errors + s.warnings + s.infos,
        s.errors,
        s.warnings,
        s.infos
    );
    let _ = writeln!(
        m,
        "| Contracts expiring soon | {} of {} | ended, or end or notice deadline within {} days |",
        s.contracts_due, s.contracts, n.expiry_window_days
    );
    m.push('\n');
    for l in &n.highlights {
        let _ = writeln!(m, "- {}", cell(l));
    }
    if !n.highlights.is_empty() {
        m.push('\n');
    }

    graph(&mut m, n);
    charts(&mut m, n);
    findings(&mut m, n);
    contracts(&mut m, n);
    m
}

fn graph(m: &mut String, n: &Neutrality) {
    m.push_str("## Dependency graph\n\n");
    if let Some(note) = &n.diagram.note {
        let _ = writeln!(m, "> {}\n", cell(note));
    }
    let d = &n.diagram;
    if d.columns.iter().all(|c| c.nodes.is_empty()) {
        m.push_str("No route, deployment or cloud-specific infrastructure was found.\n\n");
        return;
    }
    m.push_str("```mermaid\nflowchart LR\n");
    for (c, col) in d.columns.iter().enumerate() {
        for (i, node) in col.nodes.iter().enumerate() {
            let text = if node.detail.is_empty() {
                mermaid_text(&node.label)
            } else {
                format!(
                    "{}<br/><small>{}</small>",
                    mermaid_text(&node.label),
                    mermaid_text(&node.detail)
                )
            };
            let (open, close) = match node.kind {
                NodeKind::Route(_) | NodeKind::File => ("[\"", "\"]"),
                NodeKind::Deployment => ("([\"", "\"])"),
                NodeKind::Operator | NodeKind::Infrastructure => ("{{\"", "\"}}"),
                NodeKind::Cloud => ("[(\"", "\")]"),
                NodeKind::Parent => ("[[\"", "\"]]"),
                NodeKind::More | NodeKind::Unknown => ("[/\"", "\"/]"),
            };
            let _ = writeln!(m, "  n{c}_{i}{open}{text}{close}");
        }
    }
    let mut styles = String::new();
    let mut index = 0usize;
    for l in &d.links {
        let arrow = match (l.fallback, l.weight) {
            (Some(_), _) => "-. fallback .->".to_string(),
            (None, 1) => "-->".to_string(),
            (None, w) => format!("-->|{w}|"),
        };
        let _ = writeln!(
            m,
            "  n{}_{} {arrow} n{}_{}",
            l.from.0, l.from.1, l.to.0, l.to.1
        );
        if let Some(g) = l.fallback {
            let _ = writeln!(
                styles,
                "  linkStyle {index} stroke:{},stroke-width:2px",
                super::svg::grade_color(g)
            );
        }
        index += 1;
    }
    for a in &d.arcs {
        let arrow = if a.role == Role::Outage {
            "==>"
        } else {
            "-.->"
        };
        let _ = writeln!(
            m,
            "  n0_{} {arrow}|{}| n0_{}",
            a.from,
            mermaid_text(&format!("{} · {}", a.role.name(), a.grade.name())),
            a.to
        );
        let _ = writeln!(
            styles,
            "  linkStyle {index} stroke:{},stroke-width:2px",
            super::svg::grade_color(a.grade)
        );
        index += 1;
    }
    for (i, node) in d
        .columns
        .first()
        .map_or(&[][..], |c| &c.nodes[..])
        .iter()
        .enumerate()
    {
        if let NodeKind::Route(cover) = node.kind {
            let _ = writeln!(
                styles,
                "  style n0_{i} stroke:{},stroke-width:2px",
                super::svg::cover_color(cover)
            );
        }
    }
    m.push_str(&styles);
    m.push_str("```\n\n");
    if d.note.is_none() {
        m.push_str("Fallback arrows are coloured by grade: green independent, amber shared cloud, orange shared model family, red same operator, region or aggregator, grey unknown. Route borders: green independent outage cover, amber cover that shares a failure domain, red no outage fallback, grey standby.\n\n");
    }
    if n.fallback_count > 0 {
        let by: Vec<String> = n
            .fallback_grades
            .iter()
            .map(|(g, k)| format!("{k} {}", g.name()))
            .collect();
        let _ = writeln!(
            m,
            "### Fallbacks\n\n{} fallback(s): {}.{}\n",
            n.fallback_count,
            by.join(", "),
            if n.fallbacks.len() < n.fallback_count {
                format!(" The {} weakest are listed.", n.fallbacks.len())
            } else {
                String::new()
            }
        );
        m.push_str("| from | to | kind | grade | why | where |\n|---|---|---|---|---|---|\n");
        for f in &n.fallbacks {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&f.from),
                cell(&f.to),
                f.role.name(),
                f.grade.name(),
                rich(&f.reason),
                link(&f.at)
            );
        }
        m.push('\n');
    }
}

fn bar(share: f64) -> String {
    let n = (share * 20.0).round() as usize;
    "█".repeat(n.min(20))
}

fn charts(m: &mut String, n: &Neutrality) {
    m.push_str("## Concentration\n\n");
    for c in &n.charts {
        let _ = writeln!(m, "### {} ({} {})\n", c.title, c.total, c.unit);
        if c.bars.is_empty() {
            m.push_str("Nothing to count.\n\n");
            continue;
        }
        let _ = writeln!(m, "| | {} | share | |\n|---|---:|---:|---|", c.unit);
        let total = c.total.max(1) as f64;
        for b in &c.bars {
            let share = b.count as f64 / total;
            let over = b.owner && c.limit.is_some_and(|l| share > l + 1e-9);
            let _ = writeln!(
                m,
                "| {} | {} | {:.0}% | {}{} |",
                cell(&b.label),
                b.count,
                share * 100.0,
                bar(share),
                if over { " over the policy limit" } else { "" }
            );
        }
        m.push('\n');
        match c.limit {
            Some(l) => {
                let _ = writeln!(m, "{} Policy limit: {:.0}%.\n", c.note, l * 100.0);
            }
            None => {
                let _ = writeln!(m, "{}\n", c.note);
            }
        }
    }
}

fn findings(m: &mut String, n: &Neutrality) {
    let s = &n.summary;
    m.push_str("## Findings\n\n");
    if n.findings.is_empty() {
        m.push_str("No findings.\n\n");
        return;
    }
    let _ = writeln!(
        m,
        "{} findings from {} rules, the most severe first.\n\n| rule | what it finds | severity | findings |\n|---|---|---|---:|",
        s.errors + s.warnings + s.infos,
        n.findings.len()
    );
    for g in &n.findings {
        let _ = writeln!(
            m,
            "| `{}` | {} | {} | {} |",
            g.rule.replace('`', "'"),
            cell(&g.title),
            g.severity.name(),
            g.count
        );
    }
    m.push('\n');
    for g in &n.findings {
        let _ = writeln!(
            m,
            "### `{}`\n\n| where | severity | message |\n|---|---|---|",
            g.rule.replace('`', "'")
        );
        for r in &g.rows {
            let _ = writeln!(
                m,
                "| {} | {} | {} |",
                link(&r.at),
                r.severity.name(),
                rich(&r.message)
            );
        }
        if g.count > g.rows.len() {
            let _ = writeln!(
                m,
                "\nand {} more: `hedge check --select {}` lists them all.",
                g.count - g.rows.len(),
                g.rule.replace('`', "'")
            );
        }
        m.push('\n');
    }
}

fn contracts(m: &mut String, n: &Neutrality) {
    m.push_str("## Contracts\n\n");
    if n.contracts.is_empty() {
        m.push_str("No vendor contracts are on file (`contracts/` or `vendors/`); `hedge init` writes a stub per vendor in use.\n");
        return;
    }
    let _ = writeln!(
        m,
        "As of {}; a contract is due when it ended, or its end or notice deadline is within {} days.\n\n| vendor | start | end | auto-renew | stop renewal by | exit notice | status | file |\n|---|---|---|---|---|---|---|---|",
        n.today, n.expiry_window_days
    );
    let date = |d: Option<crate::contracts::Date>| d.map_or("–".to_string(), |d| d.to_string());
    for c in &n.contracts {
        let renew = match (c.auto_renew, c.renewal_notice_days) {
            (true, Some(d)) => format!("yes, {d} days' notice"),
            (true, None) => "yes".to_string(),
            _ => "no".to_string(),
        };
        let exit = match (c.termination_notice_days, c.exit_deadline) {
            (Some(d), Some(by)) => format!("{d} days (by {by} to leave at term end)"),
            (Some(d), None) => format!("{d} days"),
            _ => "–".to_string(),
        };
        let mark = match c.status {
            ContractStatus::Ended | ContractStatus::NoticeMissed => "🔴 ",
            ContractStatus::DueSoon => "🟠 ",
            ContractStatus::Active => "🟢 ",
            ContractStatus::OpenEnded => "",
        };
        let _ = writeln!(
            m,
            "| **{}** | {} | {} | {} | {} | {} | {mark}{} | {} |",
            cell(&c.vendor.name),
            date(c.start),
            date(c.end),
            renew,
            date(c.renewal_deadline),
            exit,
            cell(&c.status_text),
            link(&c.at)
        );
    }
    m.push('\n');
}
