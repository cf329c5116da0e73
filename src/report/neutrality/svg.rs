//! Inline SVG for the HTML report: the dependency graph in columns, concentration bars and the
//! contract timeline. Drawn by hand rather than with a layout engine so the report needs no
//! script, no network and no dependency, and so the same model always gives the same bytes.
//!
//! Text is measured with a conservative estimate of character width (the report names no web
//! font, so the reader's sans-serif decides); labels are shortened to fit their box, with the
//! full text in a tooltip, so nothing overlaps whatever font is used.

use std::fmt::Write;

use super::{escape, Chart, ContractRow, ContractStatus, Cover, Diagram, NodeKind};
use crate::contracts::Date;
use crate::engine::ruleset::Role;
use crate::graph::Grade;

/// Colour of a fallback by grade: green only for independent, amber for the shared domains a
/// second operator still brings, red where the fallback fails with its primary.
pub fn grade_color(g: Grade) -> &'static str {
    match g {
        Grade::Independent => "#15803d",
        Grade::SharedCloud => "#d97706",
        Grade::SharedFamily => "#ea580c",
        Grade::Unknown => "#64748b",
        Grade::SharedAggregator | Grade::RegionOnly | Grade::SameOperator => "#dc2626",
    }
}

/// The colour of a route's status dot.
pub fn cover_color(c: Cover) -> &'static str {
    match c {
        Cover::None => "#dc2626",
        Cover::Partial(_) => "#d97706",
        Cover::Independent => "#15803d",
        Cover::Standby => "#94a3b8",
    }
}

fn grade_slug(g: Grade) -> &'static str {
    g.name()
}

/// Advance of a character as a share of the font size, by rough class, measured on DejaVu
/// Sans (the widest common fallback; bold is a little wider), so a label shortened to this
/// estimate fits whatever sans-serif the reader has.
fn char_em(c: char) -> f64 {
    match c {
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' | ' ' => 0.32,
        '(' | ')' | '[' | ']' | '{' | '}' | '-' | '/' | '\\' | 'f' | 't' | 'r' | 'I' => 0.42,
        'm' | 'w' => 0.92,
        'M' | 'W' => 0.98,
        'A'..='Z' => 0.74,
        '0'..='9' => 0.64,
        c if c.is_ascii() => 0.6,
        // CJK and other wide scripts
        _ => 1.0,
    }
}

/// `text` shortened (with an ellipsis) to fit `width` pixels at `size`; 12 px and up is set
/// bold in the report's styles.
fn fits(text: &str, width: f64, size: f64) -> String {
    let scale = if size >= 12.0 { size * 1.06 } else { size };
    let total: f64 = text.chars().map(|c| char_em(c) * scale).sum();
    if total <= width {
        return text.to_string();
    }
    let room = width - scale * 0.9;
    let mut used = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        used += char_em(c) * scale;
        if used > room {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

const NODE_H: f64 = 38.0;
const PITCH: f64 = 48.0;
const TOP: f64 = 44.0;
const GAP: f64 = 50.0;

fn column_widths(n: usize) -> Vec<f64> {
    match n {
        // routes, deployments (model ids are the longest labels), operators, clouds, parents
        5 => vec![168.0, 262.0, 176.0, 176.0, 150.0],
        _ => vec![240.0, 200.0, 190.0, 170.0],
    }
}

/// Vertical centres of every box: the longest column is spaced evenly, every other column is
/// placed at the mean height of its already-placed neighbours (left of the longest, then right),
/// sorted by that height and pushed apart to keep a minimum pitch. Crossings stay few and the
/// result depends only on the model.
fn layout(d: &Diagram) -> Vec<Vec<f64>> {
    let n = d.columns.len();
    let mut y: Vec<Vec<Option<f64>>> = d
        .columns
        .iter()
        .map(|c| vec![None; c.nodes.len()])
        .collect();
    let anchor = (0..n)
        .max_by(|&a, &b| {
            d.columns[a]
                .nodes
                .len()
                .cmp(&d.columns[b].nodes.len())
                .then(b.cmp(&a))
        })
        .unwrap_or(0);
    let rows = d.columns.get(anchor).map_or(0, |c| c.nodes.len());
    let bottom = TOP + PITCH / 2.0 + rows.saturating_sub(1) as f64 * PITCH;
    for (i, slot) in y[anchor].iter_mut().enumerate() {
        *slot = Some(TOP + PITCH / 2.0 + i as f64 * PITCH);
    }
    let order: Vec<usize> = (0..anchor).rev().chain(anchor + 1..n).collect();
    for col in order {
        let len = d.columns[col].nodes.len();
        let mut desired: Vec<(f64, usize)> = (0..len)
            .map(|i| {
                let ys: Vec<f64> = d
                    .links
                    .iter()
                    .filter_map(|l| {
                        if l.from == (col, i) {
                            y[l.to.0][l.to.1]
                        } else if l.to == (col, i) {
                            y[l.from.0][l.from.1]
                        } else {
                            None
                        }
                    })
                    .collect();
                let want = if ys.is_empty() {
                    f64::MAX
                } else {
                    ys.iter().sum::<f64>() / ys.len() as f64
                };
                (want, i)
            })
            .collect();
        desired.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut placed: Vec<f64> = Vec::with_capacity(len);
        for (k, (want, _)) in desired.iter().enumerate() {
            let min = if k == 0 {
                TOP + PITCH / 2.0
            } else {
                placed[k - 1] + PITCH
            };
            let want = if *want == f64::MAX { min } else { *want };
            placed.push(want.max(min));
        }
        // pushed past the bottom: pull back up, keeping the pitch
        let mut limit = bottom;
        for p in placed.iter_mut().rev() {
            if *p > limit {
                *p = limit;
            }
            limit = *p - PITCH;
        }
        for ((_, i), p) in desired.iter().zip(placed) {
            y[col][*i] = Some(p);
        }
    }
    y.into_iter()
        .map(|c| c.into_iter().map(|v| v.unwrap_or(TOP)).collect())
        .collect()
}

/// The dependency graph as one SVG element.
pub fn diagram(d: &Diagram) -> String {
    let widths = column_widths(d.columns.len());
    let left = if d.arcs.is_empty() { 8.0 } else { 92.0 };
    let mut x = Vec::with_capacity(widths.len());
    let mut at = left;
    for w in &widths {
        x.push(at);
        at += w + GAP;
    }
    let width = at - GAP + 8.0;
    let ys = layout(d);
    let max_y = ys
        .iter()
        .flatten()
        .fold(TOP + PITCH / 2.0, |m, v| m.max(*v));
    let height = max_y + NODE_H / 2.0 + 16.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-labelledby="graph-title"><title id="graph-title">Provider dependency graph</title>"#
    );
    s.push_str("<defs>");
    for g in [
        Grade::Independent,
        Grade::SharedCloud,
        Grade::SharedFamily,
        Grade::Unknown,
        Grade::SameOperator,
    ] {
        let _ = write!(
            s,
            r#"<marker id="arrow-{}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="{}"/></marker>"#,
            grade_slug(marker_grade(g)),
            grade_color(g)
        );
    }
    s.push_str("</defs>");
    for (c, col) in d.columns.iter().enumerate() {
        let _ = write!(
            s,
            r#"<text class="col" x="{:.1}" y="20">{}</text>"#,
            x[c],
            escape(&col.title.to_uppercase())
        );
    }
    // links under the boxes, fallbacks over plain links
    let mut links: Vec<&super::Link> = d.links.iter().collect();
    links.sort_by_key(|l| l.fallback.is_some());
    let max_weight = d.links.iter().map(|l| l.weight).max().unwrap_or(1).max(1);
    for l in links {
        let (x1, y1) = (x[l.from.0] + widths[l.from.0], ys[l.from.0][l.from.1]);
        let (x2, y2) = (x[l.to.0], ys[l.to.0][l.to.1]);
        let mid = (x1 + x2) / 2.0;
        let (stroke, dash, w) = match l.fallback {
            Some(g) => (grade_color(g), r#" stroke-dasharray="6 4""#, 2.0),
            None => {
                let w = if max_weight > 1 {
                    1.2 + 5.0 * (l.weight as f64).ln() / (max_weight as f64).ln().max(1.0)
                } else {
                    1.3
                };
                ("#a8b3c2", "", w)
            }
        };
        let title = match l.fallback {
            Some(g) => format!("fallback target, {}", g.name()),
            None if l.weight > 1 => format!("{} deployment(s) or reference(s)", l.weight),
            None => String::new(),
        };
        let _ = write!(
            s,
            r#"<path class="link" d="M{x1:.1} {y1:.1}C{mid:.1} {y1:.1} {mid:.1} {y2:.1} {x2:.1} {y2:.1}" fill="none" stroke="{stroke}" stroke-width="{w:.1}"{dash}>"#
        );
        if !title.is_empty() {
            let _ = write!(s, "<title>{}</title>", escape(&title));
        }
        s.push_str("</path>");
    }
    for a in &d.arcs {
        let x0 = x[0];
        let (y1, y2) = (ys[0][a.from], ys[0][a.to]);
        let reach = (26.0 + 0.3 * (y2 - y1).abs()).min(left - 8.0);
        let dash = if a.role == Role::Outage {
            ""
        } else {
            r#" stroke-dasharray="2 4""#
        };
        let _ = write!(
            s,
            r#"<path class="arc" d="M{x0:.1} {:.1}C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}" fill="none" stroke="{}" stroke-width="2.2"{dash} marker-end="url(#arrow-{})"><title>{} fallback, {}</title></path>"#,
            y1 - 6.0,
            x0 - reach,
            y1 - 6.0,
            x0 - reach,
            y2 + 6.0,
            x0 - 2.0,
            y2 + 6.0,
            grade_color(a.grade),
            grade_slug(marker_grade(a.grade)),
            escape(a.role.name()),
            escape(a.grade.name()),
        );
    }
    for (c, col) in d.columns.iter().enumerate() {
        let w = widths[c];
        for (i, node) in col.nodes.iter().enumerate() {
            let (nx, ny) = (x[c], ys[c][i] - NODE_H / 2.0);
            let class = match node.kind {
                NodeKind::Route(_) => "n-route",
                NodeKind::Deployment => "n-dep",
                NodeKind::Operator => "n-op",
                NodeKind::Infrastructure => "n-infra",
                NodeKind::Cloud => "n-cloud",
                NodeKind::Parent => "n-parent",
                NodeKind::File => "n-file",
                NodeKind::More | NodeKind::Unknown => "n-more",
            };
            let _ = write!(s, r#"<g class="node {class}">"#);
            let tooltip = if node.tooltip.is_empty() {
                &node.label
            } else {
                &node.tooltip
            };
            let _ = write!(s, "<title>{}</title>", escape(tooltip));
            let _ = write!(
                s,
                r#"<rect x="{nx:.1}" y="{ny:.1}" width="{w:.0}" height="{NODE_H:.0}" rx="6"/>"#
            );
            let mut tx = nx + 10.0;
            if let NodeKind::Route(cover) = node.kind {
                let _ = write!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="4.5" fill="{}"/>"#,
                    nx + 12.0,
                    ny + NODE_H / 2.0,
                    cover_color(cover)
                );
                tx += 12.0;
            }
            let room = nx + w - 8.0 - tx;
            if node.detail.is_empty() {
                let _ = write!(
                    s,
                    r#"<text class="label" x="{tx:.1}" y="{:.1}">{}</text>"#,
                    ny + NODE_H / 2.0 + 4.5,
                    escape(&fits(&node.label, room, 12.5))
                );
            } else {
                let _ = write!(
                    s,
                    r#"<text class="label" x="{tx:.1}" y="{:.1}">{}</text><text class="detail" x="{tx:.1}" y="{:.1}">{}</text>"#,
                    ny + 16.0,
                    escape(&fits(&node.label, room, 12.5)),
                    ny + 30.0,
                    escape(&fits(&node.detail, room, 10.5))
                );
            }
            s.push_str("</g>");
        }
    }
    s.push_str("</svg>");
    s
}

/// Grades that share a colour share an arrowhead.
fn marker_grade(g: Grade) -> Grade {
    match g {
        Grade::SharedAggregator | Grade::RegionOnly | Grade::SameOperator => Grade::SameOperator,
        g => g,
    }
}

/// A small line sample for the legend.
pub fn line_sample(color: &str, dash: Option<&str>, arrow: bool) -> String {
    let dash = dash.map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
    let head = if arrow {
        format!(r#"<path d="M26 1L34 5L26 9z" fill="{color}"/>"#)
    } else {
        String::new()
    };
    format!(
        r#"<svg class="sample" xmlns="http://www.w3.org/2000/svg" width="36" height="10" viewBox="0 0 36 10" aria-hidden="true"><path d="M1 5H30" stroke="{color}" stroke-width="2.4" fill="none"{dash}/>{head}</svg>"#
    )
}

/// A status dot for the legend.
pub fn dot_sample(color: &str) -> String {
    format!(
        r#"<svg class="sample dot" xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10" aria-hidden="true"><circle cx="5" cy="5" r="4.5" fill="{color}"/></svg>"#
    )
}

/// One concentration chart: a horizontal bar per owner, with the policy limit as a line.
pub fn bar_chart(c: &Chart) -> String {
    const LABEL_W: f64 = 190.0;
    const BAR_W: f64 = 230.0;
    const ROW: f64 = 26.0;
    const VALUE_W: f64 = 84.0;
    let width = LABEL_W + BAR_W + VALUE_W;
    let rows = c.bars.len().max(1);
    let top = 8.0;
    let limit_room = if c.limit.is_some() { 18.0 } else { 0.0 };
    let height = top + rows as f64 * ROW + limit_room + 6.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-label="{}">"#,
        escape(c.title)
    );
    if c.bars.is_empty() {
        let _ = write!(
            s,
            r#"<text class="detail" x="0" y="{:.1}">Nothing to count.</text>"#,
            top + 16.0
        );
    }
    let total = c.total.max(1) as f64;
    for (i, b) in c.bars.iter().enumerate() {
        let y = top + i as f64 * ROW;
        let share = b.count as f64 / total;
        let over = b.owner && c.limit.is_some_and(|l| share > l + 1e-9);
        let fill = match (b.owner, over) {
            (false, _) => "#cbd5e1",
            (true, true) => "#dc2626",
            (true, false) => "#4f46e5",
        };
        let _ = write!(
            s,
            r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL_W - 10.0,
            y + 17.0,
            escape(&fits(&b.label, LABEL_W - 14.0, 12.5))
        );
        let _ = write!(
            s,
            r##"<rect x="{LABEL_W:.1}" y="{:.1}" width="{BAR_W:.1}" height="16" rx="3" fill="#f1f5f9"/><rect x="{LABEL_W:.1}" y="{:.1}" width="{:.1}" height="16" rx="3" fill="{fill}"><title>{}: {} of {} {}</title></rect>"##,
            y + 5.0,
            y + 5.0,
            (share * BAR_W).max(if b.count > 0 { 2.0 } else { 0.0 }),
            escape(&b.label),
            b.count,
            c.total,
            c.unit
        );
        let _ = write!(
            s,
            r#"<text class="value" x="{:.1}" y="{:.1}">{} · {:.0}%</text>"#,
            LABEL_W + BAR_W + 8.0,
            y + 17.0,
            b.count,
            share * 100.0
        );
    }
    if let Some(l) = c.limit {
        let lx = LABEL_W + l.clamp(0.0, 1.0) * BAR_W;
        let bottom = top + rows as f64 * ROW;
        let _ = write!(
            s,
            r##"<line x1="{lx:.1}" y1="{:.1}" x2="{lx:.1}" y2="{:.1}" stroke="#b91c1c" stroke-width="1.5" stroke-dasharray="4 3"/><text class="limit" x="{lx:.1}" y="{:.1}" text-anchor="middle">policy limit {:.0}%</text>"##,
            top,
            bottom + 2.0,
            bottom + 15.0,
            l * 100.0
        );
    }
    s.push_str("</svg>");
    s
}

pub fn status_color(s: ContractStatus) -> &'static str {
    match s {
        ContractStatus::Ended | ContractStatus::NoticeMissed => "#dc2626",
        ContractStatus::DueSoon => "#d97706",
        ContractStatus::Active => "#15803d",
        ContractStatus::OpenEnded => "#64748b",
    }
}

/// The contract timeline: a bar per contract from start to end, the notice deadlines as
/// markers and today as a line. Dates are in the table beside it, so no label can collide.
pub fn timeline(rows: &[ContractRow], today: Date) -> String {
    const LABEL_W: f64 = 170.0;
    const PLOT_W: f64 = 860.0;
    const ROW: f64 = 34.0;
    const TOP: f64 = 34.0;
    let width = LABEL_W + PLOT_W + 20.0;
    let height = TOP + rows.len() as f64 * ROW + 30.0;
    let mut lo = today.days();
    let mut hi = today.days();
    for r in rows {
        for d in [r.start, r.end, r.renewal_deadline, r.exit_deadline]
            .into_iter()
            .flatten()
        {
            lo = lo.min(d.days());
            hi = hi.max(d.days());
        }
    }
    // whole years around everything, so the ticks are round
    let first_year = Date::from_days(lo).year;
    let last_year = Date::from_days(hi).year + 1;
    let year_start = |y: i32| {
        Date {
            year: y,
            month: 1,
            day: 1,
        }
        .days()
    };
    let (lo, hi) = (year_start(first_year), year_start(last_year));
    let span = (hi - lo).max(1) as f64;
    let px = |d: i64| LABEL_W + (d - lo) as f64 / span * PLOT_W;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-label="Contract timeline">"#
    );
    let bottom = TOP + rows.len() as f64 * ROW;
    for y in first_year..=last_year {
        let tx = px(year_start(y));
        let _ = write!(
            s,
            r##"<line x1="{tx:.1}" y1="{:.1}" x2="{tx:.1}" y2="{bottom:.1}" stroke="#e2e8f0"/><text class="detail" x="{tx:.1}" y="{:.1}" text-anchor="middle">{y}</text>"##,
            TOP - 6.0,
            bottom + 16.0
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + i as f64 * ROW;
        let _ = write!(
            s,
            r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL_W - 12.0,
            y + 21.0,
            escape(&fits(&r.vendor.name, LABEL_W - 16.0, 12.5))
        );
        let start = r.start.map_or(lo, |d| d.days());
        let end = r.end.map_or(hi, |d| d.days());
        let (x1, x2) = (px(start), px(end).max(px(start) + 2.0));
        let _ = write!(
            s,
            r#"<rect x="{x1:.1}" y="{:.1}" width="{:.1}" height="14" rx="4" fill="{}" fill-opacity="0.85"><title>{}: {} to {}</title></rect>"#,
            y + 10.0,
            x2 - x1,
            status_color(r.status),
            escape(&r.vendor.name),
            r.start.map_or("?".to_string(), |d| d.to_string()),
            r.end.map_or("open-ended".to_string(), |d| d.to_string()),
        );
        if let Some(d) = r.exit_deadline {
            let mx = px(d.days());
            let _ = write!(
                s,
                r##"<path d="M{:.1} {:.1}l6 10h-12z" fill="#334155"><title>last day to give termination notice to leave at the end of the term: {d}</title></path>"##,
                mx,
                y + 2.0
            );
        }
        if let Some(d) = r.renewal_deadline {
            let mx = px(d.days());
            let _ = write!(
                s,
                r##"<path d="M{mx:.1} {:.1}l6 7l-6 7l-6 -7z" fill="#7c2d12" stroke="#fff" stroke-width="1"><title>notice to stop the automatic renewal is due by {d}</title></path>"##,
                y + 10.0
            );
        }
    }
    let tx = px(today.days());
    let _ = write!(
        s,
        r##"<line x1="{tx:.1}" y1="{:.1}" x2="{tx:.1}" y2="{bottom:.1}" stroke="#2563eb" stroke-width="1.6" stroke-dasharray="5 3"/><text class="today" x="{tx:.1}" y="{:.1}" text-anchor="middle">today {today}</text>"##,
        TOP - 14.0,
        TOP - 18.0
    );
    s.push_str("</svg>");
    s
}
