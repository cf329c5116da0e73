//! The neutrality report as one self-contained HTML file: inline CSS and inline SVG, no script,
//! no font or image to fetch, and a Content-Security-Policy that forbids loading anything, so
//! the file can be mailed, archived or printed to PDF and shows the same everywhere.
//!
//! Every string that comes from the checked tree (file names, route and model names, rule
//! messages) goes through [`escape`]; nothing from the input is ever written raw.

use std::fmt::Write;

use super::svg::{self, cover_color, dot_sample, grade_color, line_sample, status_color};
use super::{escape, ContractStatus, Cover, Neutrality, Place};
use crate::diag::Severity;
use crate::graph::Grade;

const CSS: &str = r#"
:root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--soft:#f8fafc;--accent:#4f46e5}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:#f1f5f9;color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans","DejaVu Sans",sans-serif}
main{max-width:1220px;margin:0 auto;padding:28px 28px 40px}
header{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:4px 24px;margin-bottom:18px}
h1{font-size:24px;line-height:1.25;margin:0;letter-spacing:-.01em}
h1 .project{color:var(--accent);overflow-wrap:anywhere}
.meta{color:var(--muted);font-size:13px}
h2{font-size:18px;margin:0 0 4px}
h3{font-size:14px;margin:18px 0 6px}
p.lead{color:var(--muted);margin:0 0 14px;max-width:80ch}
section{background:#fff;border:1px solid var(--line);border-radius:12px;padding:20px 24px;margin-top:18px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:12px 16px;break-inside:avoid}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:28px;font-weight:700;line-height:1.2;margin:2px 0}
.card .v small{font-size:15px;font-weight:600;color:var(--muted)}
.card .d{color:var(--muted);font-size:12px;overflow-wrap:anywhere}
.card.bad{border-left:4px solid #dc2626}.card.warn{border-left:4px solid #d97706}.card.good{border-left:4px solid #15803d}
ul.highlights{margin:16px 0 0;padding-left:20px}
ul.highlights li{margin:3px 0}
figure{margin:0;break-inside:avoid;page-break-inside:avoid}
figure svg{display:block;max-width:100%;height:auto}
.scroll{overflow-x:auto}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans","DejaVu Sans",sans-serif}
svg .col{font-size:11px;font-weight:700;fill:#94a3b8;letter-spacing:.06em}
svg .label{font-size:12.5px;font-weight:600;fill:#0f172a}
svg .detail{font-size:10.5px;fill:#64748b}
svg .value{font-size:12px;fill:#334155}
svg .limit{font-size:10.5px;fill:#b91c1c}
svg .today{font-size:11px;font-weight:600;fill:#2563eb}
svg .node rect{fill:#fff;stroke:#cbd5e1;stroke-width:1}
svg .n-route rect{fill:#f8fafc;stroke:#94a3b8}
svg .n-op rect,svg .n-infra rect{fill:#eef2ff;stroke:#a5b4fc}
svg .n-cloud rect{fill:#ecfeff;stroke:#67e8f9}
svg .n-parent rect{fill:#faf5ff;stroke:#d8b4fe}
svg .n-file rect{fill:#f8fafc;stroke:#94a3b8}
svg .n-more rect{fill:#f1f5f9;stroke:#cbd5e1;stroke-dasharray:4 3}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin:12px 0 0;padding:0;list-style:none;font-size:12.5px;color:#334155}
.legend li{display:flex;align-items:center;gap:6px}
.legend .group{font-weight:600;color:var(--muted)}
svg.sample{flex:none}
.note{background:#fffbeb;border:1px solid #fde68a;border-radius:8px;padding:8px 12px;font-size:13px;margin:0 0 12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(500px,1fr));gap:8px 32px}
.chart h3{margin-top:10px}
.chart p{color:var(--muted);font-size:12px;margin:4px 0 0}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{font-size:11.5px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:700;background:var(--soft)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.where{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px;overflow-wrap:anywhere}
td.msg{overflow-wrap:anywhere}
tr{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
a{color:#3730a3;text-decoration:none}
a:hover{text-decoration:underline}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px;background:#f1f5f9;border-radius:4px;padding:1px 4px}
.sev{display:inline-block;border-radius:999px;padding:0 8px;font-size:11.5px;font-weight:700;line-height:18px}
.sev-error{background:#fee2e2;color:#991b1b}.sev-warning{background:#fef3c7;color:#92400e}.sev-info{background:#e0f2fe;color:#075985}
.grade{display:inline-flex;align-items:center;gap:6px;white-space:nowrap}
.swatch{display:inline-block;width:10px;height:10px;border-radius:50%}
table.rules{margin-bottom:20px}
table.grouped{table-layout:fixed}
col.c-where{width:36%}col.c-sev{width:96px}
tr.ghead th{background:#fff;text-transform:none;letter-spacing:0;font-size:13.5px;color:var(--ink);padding-top:18px;border-bottom:2px solid var(--line)}
tr.ghead .title{font-weight:400;color:var(--muted);margin-left:6px}
tr.ghead .count{float:right;color:var(--muted);font-weight:600}
td.more{color:var(--muted);font-size:12.5px}
td.date{white-space:nowrap;font-variant-numeric:tabular-nums}
td .sub{color:var(--muted);font-size:12px}
table.contracts .grade{white-space:normal;align-items:baseline}
table.contracts .swatch{flex:none}
table.contracts td:nth-child(6){min-width:230px}
table.fallbacks td.where{width:28%}
table.fallbacks td:nth-child(-n+2){min-width:120px}
table.fallbacks td:nth-child(3),table.fallbacks td:nth-child(4){white-space:nowrap}
ul.legend+table{margin-top:16px}
.empty{color:var(--muted)}
footer{color:var(--muted);font-size:12px;margin-top:22px;text-align:center}
@media (max-width:700px){main{padding:16px}.charts{grid-template-columns:1fr}section{padding:16px}}
@media print{
  @page{size:A4 landscape;margin:12mm}
  body{background:#fff;font-size:12px}
  main{max-width:none;padding:0}
  section{border:none;border-radius:0;padding:0;margin-top:22px}
  section+section{break-before:page}
  section.graph figure svg{max-height:130mm;width:auto;margin:0 auto}
  h2,h3{break-after:avoid;page-break-after:avoid}
  .chart,.card,figure,.legend{break-inside:avoid;page-break-inside:avoid}
  .scroll{overflow:visible}
  a{color:inherit}
}
"#;

fn sev(s: Severity) -> String {
    format!(r#"<span class="sev sev-{0}">{0}</span>"#, s.name())
}

fn grade(g: Grade) -> String {
    format!(
        r#"<span class="grade"><span class="swatch" style="background:{}"></span>{}</span>"#,
        grade_color(g),
        g.name()
    )
}

fn place(p: &Place) -> String {
    format!(r#"<a href="{}">{}</a>"#, escape(&p.href), escape(&p.text()))
}

fn names(list: &[super::Named]) -> String {
    escape(
        &list
            .iter()
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

pub fn render(n: &Neutrality) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let s = &n.summary;
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="hedge {version}">
<title>Neutrality report: {project}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header><h1>Vendor neutrality report: <span class="project">{project}</span></h1><div class="meta">as of {today} · hedge {version}</div></header>
"#,
        version = escape(n.version),
        project = escape(&n.project),
        today = n.today,
    );

    // summary
    h.push_str(r#"<section class="summary" id="summary"><h2>Summary</h2><p class="lead">How much of the product stops when one AI vendor, one cloud or one company has an outage, raises prices or changes terms.</p><div class="cards">"#);
    let cover_class = if s.entry_routes == 0 {
        ""
    } else if s.with_independent_cover == s.entry_routes {
        " good"
    } else if s.with_independent_cover == 0 {
        " bad"
    } else {
        " warn"
    };
    card(
        &mut h,
        "",
        "AI routes",
        &s.routes.to_string(),
        &format!(
            "{} entry · {} standby (fallback targets) · {} deployments",
            s.entry_routes, s.standby_routes, s.deployments
        ),
    );
    card(
        &mut h,
        cover_class,
        "Independent fallback",
        &format!(
            "{} <small>of {}</small>",
            s.with_independent_cover, s.entry_routes
        ),
        &format!(
            "entry routes; {} have some outage fallback",
            s.with_outage_cover
        ),
    );
    card(
        &mut h,
        "",
        "Operators",
        &s.operators.len().to_string(),
        &names(&s.operators),
    );
    card(
        &mut h,
        "",
        "Model labs",
        &s.labs.len().to_string(),
        &names(&s.labs),
    );
    card(
        &mut h,
        "",
        "Clouds",
        &s.clouds.len().to_string(),
        &names(&s.clouds),
    );
    card(
        &mut h,
        "",
        "Parent companies",
        &s.parents.len().to_string(),
        &names(&s.parents),
    );
    card(
        &mut h,
        if s.errors > 0 {
            " bad"
        } else if s.warnings > 0 {
            " warn"
        } else {
            " good"
        },
        "Findings",
        &(s.errors + s.warnings + s.infos).to_string(),
        &format!(
            "{} errors · {} warnings · {} info",
            s.errors, s.warnings, s.infos
        ),
    );
    card(
        &mut h,
        if s.contracts_due > 0 { " warn" } else { "" },
        "Contracts expiring soon",
        &format!("{} <small>of {}</small>", s.contracts_due, s.contracts),
        &format!(
            "ended, or end or notice deadline within {} days",
            n.expiry_window_days
        ),
    );
    h.push_str("</div>");
    if !n.highlights.is_empty() {
        h.push_str(r#"<ul class="highlights">"#);
        for l in &n.highlights {
            let _ = write!(h, "<li>{}</li>", escape(l));
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>\n");

    graph_section(&mut h, n);
    charts_section(&mut h, n);
    findings_section(&mut h, n);
    contracts_section(&mut h, n);

    let _ = write!(
        h,
        r#"<footer>Generated by hedge {} from the files under <code>{}</code>. The findings are the ones <code>hedge check</code> reports with the same configuration; <code>hedge explain RULE</code> says why each matters and how to fix it.</footer>
</main>
</body>
</html>
"#,
        escape(n.version),
        escape(&n.project)
    );
    h
}

fn card(h: &mut String, class: &str, key: &str, value_html: &str, detail: &str) {
    let _ = write!(
        h,
        r#"<div class="card{class}"><div class="k">{}</div><div class="v">{value_html}</div><div class="d">{}</div></div>"#,
        escape(key),
        escape(detail)
    );
}

fn graph_section(h: &mut String, n: &Neutrality) {
    h.push_str(r#"<section class="graph" id="graph"><h2>Dependency graph</h2>"#);
    let grouped = n.diagram.note.is_some();
    h.push_str(if grouped {
        r#"<p class="lead">Each config file's routes go to the operators that serve them, on a cloud, owned by a parent company.</p>"#
    } else {
        r#"<p class="lead">Each route (a model name the application calls) goes to deployments, each run by an operator, on a cloud, owned by a parent company. Arrows on the left are fallbacks between routes, coloured by how independent they are.</p>"#
    });
    if let Some(note) = &n.diagram.note {
        let _ = write!(h, r#"<p class="note">{}</p>"#, rich(note));
    }
    if n.diagram.columns.iter().all(|c| c.nodes.is_empty()) {
        h.push_str(r#"<p class="empty">No route, deployment or cloud-specific infrastructure was found.</p></section>"#);
        return;
    }
    let _ = write!(
        h,
        r#"<figure class="scroll">{}</figure>"#,
        svg::diagram(&n.diagram)
    );
    if grouped {
        let _ = write!(
            h,
            r#"<ul class="legend" aria-label="Legend"><li>{}the wider a line, the more deployments or references it stands for</li></ul>"#,
            line_sample("#a8b3c2", None, false)
        );
    } else {
        legend(h);
    }
    if n.fallback_count > 0 {
        let by: Vec<String> = n
            .fallback_grades
            .iter()
            .map(|(g, k)| format!("{k} {}", g.name()))
            .collect();
        let _ = write!(
            h,
            r#"<h3>Fallbacks</h3><p class="lead">{} fallback(s): {}.{}</p>"#,
            n.fallback_count,
            escape(&by.join(", ")),
            if n.fallbacks.len() < n.fallback_count {
                format!(" The {} weakest are listed.", n.fallbacks.len())
            } else {
                String::new()
            }
        );
        h.push_str(r#"<table class="fallbacks"><thead><tr><th>from</th><th>to</th><th>kind</th><th>grade</th><th>why</th><th>where</th></tr></thead><tbody>"#);
        for f in &n.fallbacks {
            let _ = write!(
                h,
                r#"<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="msg">{}</td><td class="where">{}</td></tr>"#,
                escape(&f.from),
                escape(&f.to),
                escape(f.role.name()),
                grade(f.grade),
                rich(&f.reason),
                place(&f.at)
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>\n");
}

fn legend(h: &mut String) {
    h.push_str(r#"<ul class="legend" aria-label="Legend"><li class="group">Fallback:</li>"#);
    for (g, what) in [
        (Grade::Independent, "independent"),
        (Grade::SharedCloud, "shared cloud"),
        (Grade::SharedFamily, "shared model family"),
        (Grade::SameOperator, "same operator, region or aggregator"),
        (Grade::Unknown, "unknown"),
    ] {
        let _ = write!(
            h,
            "<li>{}{}</li>",
            line_sample(grade_color(g), None, true),
            escape(what)
        );
    }
    let _ = write!(
        h,
        "<li>{}context-window or content-policy fallback</li><li>{}fallback target inside a route</li>",
        line_sample("#64748b", Some("2 4"), true),
        line_sample("#64748b", Some("6 4"), false)
    );
    h.push_str(r#"</ul><ul class="legend"><li class="group">Route:</li>"#);
    for (c, what) in [
        (Cover::Independent, "independent outage cover"),
        (
            Cover::Partial(Grade::SharedCloud),
            "cover that shares a failure domain",
        ),
        (Cover::None, "no outage fallback"),
        (Cover::Standby, "standby (another route's fallback)"),
    ] {
        let _ = write!(h, "<li>{}{}</li>", dot_sample(cover_color(c)), escape(what));
    }
    h.push_str("</ul>");
}

fn charts_section(h: &mut String, n: &Neutrality) {
    h.push_str(r#"<section class="concentration" id="concentration"><h2>Concentration</h2><p class="lead">Where the AI routes and the cloud-specific infrastructure are concentrated. Red bars exceed the policy limit set in <code>hedge.toml</code>.</p><div class="charts">"#);
    for c in &n.charts {
        let _ = write!(
            h,
            r#"<div class="chart"><h3>{} <span class="meta">({} {})</span></h3><figure>{}</figure><p>{}</p></div>"#,
            escape(c.title),
            c.total,
            escape(c.unit),
            svg::bar_chart(c),
            escape(c.note)
        );
    }
    h.push_str("</div></section>\n");
}

fn findings_section(h: &mut String, n: &Neutrality) {
    let s = &n.summary;
    let _ = write!(
        h,
        r#"<section class="findings" id="findings"><h2>Findings</h2><p class="lead">{} findings from {} rules, grouped by rule, the most severe first.</p>"#,
        s.errors + s.warnings + s.infos,
        n.findings.len()
    );
    if n.findings.is_empty() {
        h.push_str(r#"<p class="empty">No findings.</p></section>"#);
        return;
    }
    h.push_str(r#"<table class="rules"><thead><tr><th>rule</th><th>what it finds</th><th>severity</th><th class="num">findings</th></tr></thead><tbody>"#);
    for g in &n.findings {
        let _ = write!(
            h,
            r##"<tr><td><a href="#rule-{0}"><code>{0}</code></a></td><td>{1}</td><td>{2}</td><td class="num">{3}</td></tr>"##,
            escape(&g.rule),
            escape(&g.title),
            sev(g.severity),
            g.count
        );
    }
    h.push_str("</tbody></table>");
    // one table, a group of rows per rule, so every group lines up in the same columns
    h.push_str(r#"<table class="grouped"><colgroup><col class="c-where"><col class="c-sev"><col></colgroup><thead><tr><th>where</th><th>severity</th><th>message</th></tr></thead>"#);
    for g in &n.findings {
        let _ = write!(
            h,
            r#"<tbody id="rule-{0}"><tr class="ghead"><th colspan="3"><code>{0}</code> <span class="title">{1}</span> <span class="count">{2}</span></th></tr>"#,
            escape(&g.rule),
            escape(&g.title),
            g.count
        );
        for r in &g.rows {
            let _ = write!(
                h,
                r#"<tr><td class="where">{}</td><td>{}</td><td class="msg">{}</td></tr>"#,
                place(&r.at),
                sev(r.severity),
                rich(&r.message)
            );
        }
        if g.count > g.rows.len() {
            let _ = write!(
                h,
                r#"<tr><td colspan="3" class="more">and {} more: <code>hedge check --select {}</code> lists them all.</td></tr>"#,
                g.count - g.rows.len(),
                escape(&g.rule)
            );
        }
        h.push_str("</tbody>");
    }
    h.push_str("</table></section>\n");
}

/// Escaped text where `quoted` spans (as rule messages quote names) are set as code.
fn rich(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    let mut out = String::with_capacity(s.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        // an unpaired last backtick stays a backtick
        if i % 2 == 1 && i + 1 < parts.len() {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            if i % 2 == 1 {
                out.push('`');
            }
            out.push_str(&escape(part));
        }
    }
    out
}

fn date(d: Option<crate::contracts::Date>) -> String {
    d.map_or_else(|| "–".to_string(), |d| d.to_string())
}

fn contracts_section(h: &mut String, n: &Neutrality) {
    h.push_str(r#"<section class="contracts" id="contracts"><h2>Contracts</h2>"#);
    if n.contracts.is_empty() {
        h.push_str(r#"<p class="empty">No vendor contracts are on file (<code>contracts/</code> or <code>vendors/</code>); <code>hedge init</code> writes a stub per vendor in use.</p></section>"#);
        return;
    }
    let _ = write!(
        h,
        r#"<p class="lead">Terms, notice deadlines and where each stands as of {}. A contract is due when it ended, or its end or notice deadline is within {} days.</p><figure class="scroll">{}</figure>"#,
        n.today,
        n.expiry_window_days,
        svg::timeline(&n.contracts, n.today)
    );
    let _ = write!(
        h,
        r##"<ul class="legend" aria-label="Timeline legend"><li>{}active</li><li>{}due soon</li><li>{}ended or notice missed</li><li><svg class="sample" xmlns="http://www.w3.org/2000/svg" width="12" height="14" viewBox="0 0 12 14" aria-hidden="true"><path d="M6 0l6 7l-6 7l-6 -7z" fill="#7c2d12"/></svg>notice deadline to stop auto-renewal</li><li><svg class="sample" xmlns="http://www.w3.org/2000/svg" width="12" height="10" viewBox="0 0 12 10" aria-hidden="true"><path d="M6 0l6 10h-12z" fill="#334155"/></svg>termination notice to leave at term end</li><li>{}today</li></ul>"##,
        dot_sample(status_color(ContractStatus::Active)),
        dot_sample(status_color(ContractStatus::DueSoon)),
        dot_sample(status_color(ContractStatus::Ended)),
        line_sample("#2563eb", Some("5 3"), false),
    );
    h.push_str(r#"<table class="contracts"><thead><tr><th>vendor</th><th>term</th><th>auto-renew</th><th>stop renewal by</th><th>exit notice</th><th>status</th><th>file</th></tr></thead><tbody>"#);
    for c in &n.contracts {
        let renew = if c.auto_renew {
            match c.renewal_notice_days {
                Some(d) => format!("yes · {d} days' notice"),
                None => "yes".to_string(),
            }
        } else {
            "no".to_string()
        };
        let exit = match (c.termination_notice_days, c.exit_deadline) {
            (Some(d), Some(by)) => {
                format!(r#"{d} days<div class="sub">to leave at term end: by {by}</div>"#)
            }
            (Some(d), None) => format!("{d} days"),
            _ => "–".to_string(),
        };
        let _ = write!(
            h,
            r#"<tr><td><strong>{}</strong></td><td class="date">{} → {}</td><td>{}</td><td class="date">{}</td><td>{}</td><td><span class="grade"><span class="swatch" style="background:{}"></span>{}</span></td><td class="where">{}</td></tr>"#,
            escape(&c.vendor.name),
            date(c.start),
            date(c.end),
            escape(&renew),
            date(c.renewal_deadline),
            exit,
            status_color(c.status),
            escape(&c.status_text),
            place(&c.at)
        );
    }
    h.push_str("</tbody></table></section>\n");
}
