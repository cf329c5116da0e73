//! Inline suppressions: comments that silence named rules on one line or in a whole file, each
//! with a reason and, optionally, an expiry date.
//!
//! ```text
//! model: openai/gpt-4o   # hedge: ignore[route-without-fallback] reason="batch job, retried" until=2027-03-31
//! # hedge: ignore[k8s-single-replica] reason="dev namespace"      (applies to the next code line)
//! # hedge: ignore-file[infra-single-cloud] reason="AWS-only landing zone"
//! ```
//!
//! Suppressions are read in the worker that parses the file (it has the comments and the text)
//! and applied once every finding exists, graph findings included, because those point into
//! files too. A suppression must earn its place: one without a reason (unless policy allows it),
//! with a malformed date, or naming an unknown rule is an `invalid-suppression` and silences
//! nothing; one past its `until` date stops silencing and says so (`expired-suppression`); one
//! that silenced nothing is an `unused-suppression`, so stale ones do not pile up.

use std::collections::HashSet;
use std::sync::Arc;

use crate::contracts::date::Date;
use crate::diag::{Diagnostic, Location, Severity};
use crate::model::Comment;
use crate::source::{SourceFile, Span};

pub const INVALID: &str = "invalid-suppression";
pub const EXPIRED: &str = "expired-suppression";
pub const UNUSED: &str = "unused-suppression";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The 1-based line whose findings it silences.
    Line(u32),
    File,
}

#[derive(Debug, Clone)]
pub struct Suppression {
    pub path: Arc<str>,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub until: Option<Date>,
    pub scope: Scope,
    /// The comment, for reports about the suppression itself.
    pub location: Location,
}

/// What a `hedge:` comment says, before it is checked against policy and the rule set.
#[derive(Debug, PartialEq, Eq)]
struct Directive {
    file_wide: bool,
    rules: Vec<String>,
    reason: Option<String>,
    until: Option<String>,
}

/// Strips the comment marker: `#`, `//`, `;`, `!` (properties) or `/* … */`.
fn comment_body(raw: &str) -> &str {
    let s = raw.trim();
    if let Some(inner) = s.strip_prefix("/*") {
        return inner.strip_suffix("*/").unwrap_or(inner).trim();
    }
    let s = s
        .strip_prefix("//")
        .or_else(|| s.strip_prefix('#'))
        .or_else(|| s.strip_prefix(';'))
        .or_else(|| s.strip_prefix('!'))
        .unwrap_or(s);
    s.trim()
}

/// `None` when the comment is not addressed to hedge; `Err` when it is but cannot be read.
fn parse_directive(body: &str) -> Option<Result<Directive, String>> {
    let rest = body.strip_prefix("hedge:")?.trim_start();
    Some(parse_after_marker(rest))
}

fn parse_after_marker(rest: &str) -> Result<Directive, String> {
    let (file_wide, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("ignore") {
        (false, r)
    } else {
        return Err(
            "expected `ignore[RULE, ...]` or `ignore-file[RULE, ...]` after `hedge:`".into(),
        );
    };
    let rest = rest
        .strip_prefix('[')
        .ok_or("expected `[` and a list of rule ids, e.g. `ignore[route-without-fallback]`")?;
    let (list, mut rest) = rest
        .split_once(']')
        .ok_or("the rule list is not closed with `]`")?;
    let rules: Vec<String> = list
        .split(',')
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    if rules.is_empty() {
        return Err(
            "name the rules to ignore: a blanket ignore hides findings nobody has seen".into(),
        );
    }
    let mut reason = None;
    let mut until = None;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let (key, after) = rest.split_once('=').ok_or_else(|| {
            format!("expected `reason=\"...\"` or `until=YYYY-MM-DD`, found `{rest}`")
        })?;
        let key = key.trim();
        let after = after.trim_start();
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = q.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, e)) = chars.next() {
                            value.push(e);
                        }
                    }
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => value.push(c),
                }
            }
            let end = end.ok_or("the quoted value is not closed with `\"`")?;
            (value, &q[end..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_string(), &after[end..])
        };
        match key {
            "reason" => reason = Some(value),
            "until" => until = Some(value),
            other => {
                return Err(format!(
                    "unknown field `{other}`; a suppression takes `reason` and `until`"
                ))
            }
        }
        rest = next;
    }
    Ok(Directive {
        file_wide,
        rules,
        reason: reason.filter(|r| !r.trim().is_empty()),
        until,
    })
}

/// How suppressions are checked; from the policy in hedge.toml.
#[derive(Debug, Clone)]
pub struct Options {
    pub require_reason: bool,
    pub today: Date,
}

/// Reads the `hedge:` comments of one file. Rule ids are checked later, against the run's rule
/// set; everything that needs only the file is checked here.
pub fn read(
    file: &SourceFile,
    display: &Arc<str>,
    comments: &[Comment],
    require_reason: bool,
) -> (Vec<Suppression>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for c in comments {
        let Some(raw) = file.text.get(c.span.range()) else {
            continue;
        };
        let Some(parsed) = parse_directive(comment_body(raw)) else {
            continue;
        };
        let invalid = |msg: String| {
            Diagnostic::new(INVALID, Severity::Error, display, msg)
                .at(file, c.span)
                .with_help("write `hedge: ignore[RULE, ...] reason=\"why\" until=YYYY-MM-DD` (until is optional)")
        };
        let d = match parsed {
            Ok(d) => d,
            Err(e) => {
                problems.push(invalid(format!("unreadable suppression: {e}")));
                continue;
            }
        };
        let until = match &d.until {
            None => None,
            Some(u) => match Date::parse(u).filter(|_| u.len() == 10) {
                Some(date) => Some(date),
                None => {
                    problems.push(invalid(format!(
                        "`until={u}` is not a date; write YYYY-MM-DD"
                    )));
                    continue;
                }
            },
        };
        if require_reason && d.reason.is_none() {
            problems.push(invalid(
                "a suppression needs a reason (`reason=\"...\"`), so the next reader knows why the finding is accepted".into(),
            ));
            continue;
        }
        let scope = if d.file_wide {
            Scope::File
        } else {
            Scope::Line(target_line(&file.text, c.span))
        };
        out.push(Suppression {
            path: display.clone(),
            rules: d.rules,
            reason: d.reason,
            until,
            scope,
            location: Location::new(file, display, c.span),
        });
    }
    (out, problems)
}

/// A trailing comment governs its own line; a comment on a line of its own governs the next
/// line that holds something other than blanks and comments.
fn target_line(text: &str, span: Span) -> u32 {
    let start = span.start as usize;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let own_line = text[..start].matches('\n').count() as u32 + 1;
    if !text[line_start..start].trim().is_empty() {
        return own_line;
    }
    let end = (span.end as usize).min(text.len());
    let mut line = text[..end].matches('\n').count() as u32 + 1;
    let after = match text[end..].find('\n') {
        Some(i) => &text[end + i + 1..],
        None => return own_line,
    };
    for l in after.lines() {
        line += 1;
        let t = l.trim();
        if !(t.is_empty() || t.starts_with('#') || t.starts_with("//")) {
            return line;
        }
    }
    own_line
}

/// Drops the findings the suppressions silence (returning them with the reason, for reporters
/// that record suppressed results, like SARIF) and reports the suppressions that are invalid
/// (unknown rules), expired or unused. `ran` is whether a rule ran in this run: a suppression
/// of a rule that did not run is not called unused.
pub fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    suppressions: &[Suppression],
    known: &HashSet<&str>,
    ran: &dyn Fn(&str) -> bool,
    today: Date,
) -> Vec<(Diagnostic, Option<String>)> {
    let mut problems = Vec::new();
    let mut silenced = Vec::new();
    let mut active: Vec<(usize, &Suppression)> = Vec::new();
    for (i, s) in suppressions.iter().enumerate() {
        let unknown: Vec<&str> = s
            .rules
            .iter()
            .map(String::as_str)
            .filter(|r| !known.contains(r))
            .collect();
        if !unknown.is_empty() {
            problems.push(Diagnostic::at_location(
                INVALID,
                Severity::Error,
                &s.location,
                format!(
                    "unknown rule `{}` in suppression; `hedge rules` lists them",
                    unknown.join("`, `")
                ),
            ));
            continue;
        }
        if let Some(until) = s.until.filter(|u| *u < today) {
            // under `--select`, the expiry of a rule that did not run is not news
            if !s.rules.iter().any(|r| ran(r)) {
                continue;
            }
            problems.push(
                Diagnostic::at_location(
                    EXPIRED,
                    Severity::Warning,
                    &s.location,
                    format!(
                        "suppression of `{}` expired on {until}; its findings are reported again",
                        s.rules.join("`, `")
                    ),
                )
                .with_help("fix the findings and delete the comment, or renew `until` with a reason that still holds"),
            );
            continue;
        }
        active.push((i, s));
    }
    let mut used = vec![false; suppressions.len()];
    diagnostics.retain(|d| {
        let line = d.primary.as_ref().map(|l| l.start.line);
        let hit = active.iter().find(|(_, s)| {
            s.path == d.path
                && s.rules.iter().any(|r| *r == *d.rule)
                && match s.scope {
                    Scope::File => true,
                    Scope::Line(l) => Some(l) == line,
                }
        });
        match hit {
            Some((i, s)) => {
                used[*i] = true;
                silenced.push((d.clone(), s.reason.clone()));
                false
            }
            None => true,
        }
    });
    for (i, s) in active {
        if !used[i] && s.rules.iter().all(|r| ran(r)) {
            problems.push(
                Diagnostic::at_location(
                    UNUSED,
                    Severity::Warning,
                    &s.location,
                    format!("suppression of `{}` silences nothing here", s.rules.join("`, `")),
                )
                .with_help(match s.scope {
                    Scope::File => "delete the comment: the rule finds nothing in this file",
                    Scope::Line(_) => "delete the comment, or move it onto (or just above) the line the finding points at",
                }),
            );
        }
    }
    diagnostics.extend(problems);
    silenced
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives() {
        let d = parse_directive("hedge: ignore[a, b] reason=\"x \\\"y\\\"\" until=2027-01-02")
            .unwrap()
            .unwrap();
        assert_eq!(d.rules, ["a", "b"]);
        assert_eq!(d.reason.as_deref(), Some("x \"y\""));
        assert_eq!(d.until.as_deref(), Some("2027-01-02"));
        assert!(
            parse_directive("hedge: ignore-file[a]")
                .unwrap()
                .unwrap()
                .file_wide
        );
        assert!(parse_directive("just a comment").is_none());
        for bad in [
            "hedge: ignore",
            "hedge: ignore[]",
            "hedge: ignore[a",
            "hedge: ignore[a] reason=\"open",
            "hedge: ignore[a] because=x",
            "hedge: skip[a]",
        ] {
            assert!(parse_directive(bad).unwrap().is_err(), "{bad}");
        }
    }

    #[test]
    fn markers() {
        assert_eq!(comment_body("# hedge: x"), "hedge: x");
        assert_eq!(comment_body("// hedge: x"), "hedge: x");
        assert_eq!(comment_body("/* hedge: x */"), "hedge: x");
    }

    #[test]
    fn targets() {
        let text = "a: 1 # c\n# own\n\n# more\nb: 2\n";
        assert_eq!(target_line(text, Span::new(5, 8)), 1);
        assert_eq!(target_line(text, Span::new(9, 14)), 5);
    }
}
