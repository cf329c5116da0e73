//! `hedge report` through the binary: the HTML parses without a single error in a browser-grade
//! parser (html5ever, through scraper) and shows the demo's numbers, loads nothing from the
//! network, escapes hostile names, agrees with `hedge check`, and is byte-identical for any
//! thread count. `.ci/report-render` also renders it in headless Chromium.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use assert_cmd::Command;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use tempfile::TempDir;

const DEMO: &str = "fixtures/demo";
const TODAY: &str = "2026-11-25";

fn hedge() -> Command {
    Command::cargo_bin("hedge").unwrap()
}

fn report(args: &[&str]) -> String {
    let out = hedge().arg("report").args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn demo_html() -> String {
    report(&[DEMO, "--today", TODAY])
}

/// Parses and asserts the document is free of parse errors and in standards mode.
fn parse(html: &str) -> Html {
    let doc = Html::parse_document(html);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    assert_eq!(format!("{:?}", doc.quirks_mode), "NoQuirks");
    doc
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: ElementRef<'_>) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Summary cards: key → value.
fn cards(doc: &Html) -> BTreeMap<String, String> {
    doc.select(&sel(".card"))
        .map(|c| {
            let k = c.select(&sel(".k")).next().map(text).unwrap_or_default();
            let v = c.select(&sel(".v")).next().map(text).unwrap_or_default();
            (k, v)
        })
        .collect()
}

#[test]
fn demo_html_is_well_formed_and_shows_the_demo_numbers() {
    let html = demo_html();
    let doc = parse(&html);
    let cards = cards(&doc);
    let expect = [
        ("AI routes", "11"),
        ("Independent fallback", "1 of 7"),
        ("Operators", "6"),
        ("Model labs", "4"),
        ("Clouds", "2"),
        ("Parent companies", "6"),
        ("Findings", "30"),
        ("Contracts expiring soon", "1 of 2"),
    ];
    for (k, v) in expect {
        assert_eq!(
            cards.get(k).map(String::as_str),
            Some(v),
            "card {k}: {cards:?}"
        );
    }
    let page = text(doc.root_element());
    assert!(page.contains("7 entry · 4 standby"), "{page}");
    assert!(page.contains("3 have some outage fallback"));
    // the OpenAI contract: renewal notice due on 2026-12-02, 7 days after --today
    let contracts: Vec<String> = doc
        .select(&sel("table.contracts tbody tr"))
        .map(text)
        .collect();
    assert_eq!(contracts.len(), 2, "{contracts:?}");
    let openai = contracts.iter().find(|r| r.starts_with("OpenAI")).unwrap();
    assert!(openai.contains("2025-02-01 → 2027-01-31"), "{openai}");
    assert!(
        openai.contains("renews on 2027-01-31 unless notice is given by 2026-12-02 (in 7 days)"),
        "{openai}"
    );
    assert!(
        openai.contains("to leave at term end: by 2027-01-01"),
        "{openai}"
    );
    let bedrock = contracts
        .iter()
        .find(|r| r.starts_with("Amazon Bedrock"))
        .unwrap();
    assert!(bedrock.contains("runs until 2028-05-31"), "{bedrock}");
    // the graph: one box per route, deployment, operator (and the infrastructure), cloud and parent
    let count = |s: &str| doc.select(&sel(s)).count();
    assert_eq!(count("svg.graph .n-route"), 11);
    assert_eq!(count("svg.graph .n-dep"), 13);
    assert_eq!(count("svg.graph .n-op"), 6);
    assert_eq!(count("svg.graph .n-infra"), 1);
    assert_eq!(count("svg.graph .n-cloud"), 2);
    assert_eq!(count("svg.graph .n-parent"), 6);
    // fallbacks between routes: claude-sonnet → llama-bedrock, claude-direct → mistral-large and
    // llama-local, gpt-4o-azure → gpt-4.1 (context window); the Portkey target is a dashed link
    assert_eq!(count("svg.graph path.arc"), 4);
    assert_eq!(count("svg.graph path.arc[stroke='#15803d']"), 2);
    assert_eq!(count("svg.graph path.link[stroke-dasharray]"), 1);
    assert_eq!(count("table.fallbacks tbody tr"), 5);
    // four concentration charts
    assert_eq!(count("svg.bars"), 4);
    let parent_chart = doc.select(&sel("svg.bars")).next().unwrap();
    assert!(
        text(parent_chart).contains("5 · 45%"),
        "{}",
        text(parent_chart)
    );
    assert!(text(parent_chart).contains("policy limit 60%"));
    // a timeline with both contracts and today
    let timeline = doc.select(&sel("svg.timeline")).next().unwrap();
    assert!(text(timeline).contains("today 2026-11-25"));
    assert_eq!(doc.select(&sel("svg.timeline rect")).count(), 2);
}

#[test]
fn html_loads_nothing_from_the_network() {
    let html = demo_html();
    let doc = parse(&html);
    for tag in [
        "script", "link", "img", "iframe", "object", "embed", "image", "use",
    ] {
        assert_eq!(doc.select(&sel(tag)).count(), 0, "<{tag}> in the report");
    }
    for e in doc.root_element().descendent_elements() {
        for (name, value) in e.value().attrs() {
            let v = value.trim().to_ascii_lowercase();
            if name == "xmlns" {
                assert_eq!(v, "http://www.w3.org/2000/svg");
                continue;
            }
            assert!(
                !v.contains("http:") && !v.contains("https:") && !v.starts_with("//"),
                "{name}=\"{value}\" on <{}>",
                e.value().name()
            );
        }
    }
    let style: String = doc.select(&sel("style")).map(|s| s.inner_html()).collect();
    assert!(
        !style.contains("url(") && !style.contains("@import"),
        "{style}"
    );
    // and the page forbids loading anything, should anything slip in
    let csp = doc
        .select(&sel("meta[http-equiv='Content-Security-Policy']"))
        .next()
        .and_then(|m| m.value().attr("content"))
        .unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
}

/// (rule, where, severity) of every finding `hedge check` reports, with `where` as the report
/// shows it (below the project directory).
fn check_findings(args: &[&str]) -> Vec<(String, String, String)> {
    let out = hedge()
        .arg("check")
        .args(args)
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut rows: Vec<(String, String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let path = d["path"].as_str().unwrap();
            let path = path.strip_prefix("fixtures/demo/").unwrap_or(path);
            let at = match (d["start"]["line"].as_u64(), d["start"]["column"].as_u64()) {
                (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
                _ => path.to_string(),
            };
            (
                d["rule"].as_str().unwrap().to_string(),
                at,
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn report_findings(doc: &Html) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    for group in doc.select(&sel("table.grouped tbody")) {
        let rule = group
            .select(&sel("tr.ghead code"))
            .next()
            .map(text)
            .unwrap();
        for tr in group.select(&sel("tr:not(.ghead)")) {
            let cells: Vec<String> = tr.select(&sel("td")).map(text).collect();
            rows.push((rule.clone(), cells[0].clone(), cells[1].clone()));
        }
    }
    rows.sort();
    rows
}

#[test]
fn findings_are_exactly_those_of_check_with_the_same_configuration() {
    for extra in [
        &[][..],
        &["--isolated"][..],
        &["-D", "k8s-single-replica", "--ignore", "gha-cloud-action"][..],
    ] {
        let mut args = vec![DEMO, "--today", TODAY];
        args.extend_from_slice(extra);
        let doc = parse(&report(&args));
        let from_check = check_findings(&args);
        assert_eq!(report_findings(&doc), from_check, "with {extra:?}");
        let errors = from_check.iter().filter(|f| f.2 == "error").count();
        let summary = text(
            doc.select(&sel(".card.bad, .card.warn, .card.good"))
                .find(|c| text(*c).starts_with("Findings"))
                .unwrap(),
        );
        assert!(
            summary.contains(&format!("{errors} errors")),
            "{summary} with {extra:?}"
        );
    }
    // the demo's hedge.toml makes non-independent fallbacks errors; --isolated does not read it
    let isolated = parse(&report(&[DEMO, "--today", TODAY, "--isolated"]));
    assert!(text(isolated.root_element()).contains("0 errors"));
}

#[test]
fn markdown_has_the_tables_and_a_mermaid_graph() {
    let md = report(&[DEMO, "--today", TODAY, "--format", "markdown"]);
    for line in [
        "# Vendor neutrality report: fixtures/demo",
        "| AI routes | 11 | 7 entry · 4 standby (fallback targets) · 13 deployments |",
        "| Independent fallback | 1 of 7 | entry routes; 3 have some outage fallback |",
        "| Operators | 6 |",
        "| Model labs | 4 |",
        "| Clouds | 2 | Amazon Web Services, Microsoft Azure |",
        "| Parent companies | 6 |",
        "| Findings | 30 | 2 errors · 19 warnings · 9 info |",
        "| Contracts expiring soon | 1 of 2 |",
        "## Dependency graph",
        "### Fallbacks",
        "## Concentration",
        "### AI routes by parent company (11 routes)",
        "| OpenAI | 5 | 45% |",
        "## Findings",
        "### `fallback-not-independent`",
        "## Contracts",
        "| **OpenAI API** | 2025-02-01 | 2027-01-31 | yes, 60 days' notice | 2026-12-02 |",
    ] {
        assert!(md.contains(line), "missing `{line}` in:\n{md}");
    }
    let start = md
        .find("```mermaid\nflowchart LR\n")
        .expect("a mermaid block");
    let block = &md[start..start + md[start..].find("\n```\n").unwrap()];
    for node in [
        "n0_7[\"claude-direct",
        "n2_0{{\"OpenAI API\"}}",
        "[(\"Amazon Web Services\")]",
        "[[\"Microsoft<br/><small>US</small>\"]]",
    ] {
        assert!(block.contains(node), "missing `{node}` in:\n{block}");
    }
    // the independent fallbacks of claude-direct, styled green
    assert_eq!(
        block.matches("==>|outage #183; independent|").count(),
        2,
        "{block}"
    );
    assert!(block.contains("stroke:#15803d"));
    // names quoted in messages are code spans
    assert!(
        md.contains("| error | fallback from `claude-sonnet` to `llama-bedrock` is shared-cloud")
    );
    // each finding links its file, relative to where the report is read
    assert!(md.contains(
        "[gateway/litellm/config.yaml:109:11](fixtures/demo/gateway/litellm/config.yaml)"
    ));
}

#[test]
fn hostile_names_are_escaped() {
    let d = TempDir::new().unwrap();
    let name = "<script>x&\"y.yaml";
    fs::write(
        d.path().join(name),
        "model_list:\n  - model_name: '<script>alert(\"&\")</script>'\n    litellm_params: {model: openai/gpt-4o}\n",
    )
    .unwrap();
    let run = |format: &str| {
        let out = hedge()
            .current_dir(d.path())
            .args(["report", "--isolated", ".", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let html = run("html");
    let doc = parse(&html);
    assert_eq!(doc.select(&sel("script")).count(), 0);
    let page = text(doc.root_element());
    // shown as text, not markup
    assert!(
        page.contains("route <script>alert(\"&\")</script> has no outage fallback"),
        "{page}"
    );
    assert!(page.contains("<script>x&\"y.yaml:2:17"), "{page}");
    let hrefs: Vec<&str> = doc
        .select(&sel("a[href]"))
        .filter_map(|a| a.value().attr("href"))
        .filter(|h| !h.starts_with('#'))
        .collect();
    assert!(!hrefs.is_empty());
    assert!(
        hrefs.iter().all(|h| *h == "%3Cscript%3Ex%26%22y.yaml"),
        "{hrefs:?}"
    );
    let md = run("markdown");
    assert!(!md.contains("<script"), "{md}");
    assert!(md.contains("route \\`&lt;script&gt;alert(&quot;&amp;&quot;)&lt;/script&gt;\\` has no outage fallback"), "{md}");
}

#[test]
fn output_is_identical_for_any_thread_count() {
    for format in ["html", "markdown"] {
        let one = report(&[DEMO, "--today", TODAY, "--format", format, "--threads", "1"]);
        let eight = report(&[DEMO, "--today", TODAY, "--format", format, "--threads", "8"]);
        assert!(one == eight, "{format} differs between 1 and 8 threads");
        let again = report(&[DEMO, "--today", TODAY, "--format", format, "--threads", "8"]);
        assert!(one == again, "{format} differs between runs");
    }
}

#[test]
fn output_file_is_written_whole_with_links_relative_to_it() {
    let d = TempDir::new().unwrap();
    let out = d.path().join("nested").join("report.html");
    fs::create_dir_all(out.parent().unwrap()).unwrap();
    let run = hedge()
        .args(["report", DEMO, "--today", TODAY, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    assert!(run.stdout.is_empty());
    let html = fs::read_to_string(&out).unwrap();
    let doc = parse(&html);
    let link = doc
        .select(&sel("table.grouped a[href]"))
        .next()
        .and_then(|a| a.value().attr("href"))
        .unwrap();
    assert!(out.parent().unwrap().join(link).is_file(), "{link}");
    // nothing but the report in the directory: the temporary file was renamed
    assert_eq!(fs::read_dir(out.parent().unwrap()).unwrap().count(), 1);

    // a directory that does not exist: exit 2 and no file
    let missing = d.path().join("missing").join("report.html");
    let run = hedge()
        .args(["report", DEMO, "--today", TODAY, "-o"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(!missing.exists());
    assert!(String::from_utf8_lossy(&run.stderr).contains("cannot write"));
}

#[test]
fn a_large_project_is_drawn_grouped_by_file() {
    let d = TempDir::new().unwrap();
    // 12 files of 25 routes each, over three operators
    for f in 0..12 {
        let mut text = String::from("model_list:\n");
        for r in 0..25 {
            let model = [
                "openai/gpt-4o",
                "anthropic/claude-haiku-4-5",
                "mistral/mistral-large-latest",
            ][(f + r) % 3];
            text.push_str(&format!(
                "  - model_name: route-{f}-{r}\n    litellm_params: {{model: {model}}}\n"
            ));
        }
        fs::write(d.path().join(format!("gateway-{f:02}.yaml")), text).unwrap();
    }
    let out = hedge()
        .current_dir(d.path())
        .args(["report", "--isolated", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let html = String::from_utf8(out.stdout).unwrap();
    let doc = parse(&html);
    assert_eq!(
        cards(&doc).get("AI routes").map(String::as_str),
        Some("300")
    );
    let note = doc
        .select(&sel("section.graph .note"))
        .next()
        .map(text)
        .unwrap();
    assert!(
        note.contains("300 routes and 300 deployments are too many to draw one by one"),
        "{note}"
    );
    assert_eq!(doc.select(&sel("svg.graph .n-file")).count(), 12);
    assert_eq!(doc.select(&sel("svg.graph .n-route")).count(), 0);
    assert!(html.len() < 1_000_000, "{} bytes", html.len());
}

#[test]
fn a_project_without_routes_or_contracts_still_reports() {
    let d = TempDir::new().unwrap();
    fs::write(Path::new(d.path()).join("README.md"), "nothing here\n").unwrap();
    let out = hedge()
        .current_dir(d.path())
        .args(["report", "--isolated", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = parse(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(cards(&doc).get("AI routes").map(String::as_str), Some("0"));
    assert!(text(doc.root_element()).contains("No vendor contracts are on file"));
}

#[test]
fn the_parser_does_report_errors() {
    // so that an empty error list above means something
    let broken = Html::parse_document("<!DOCTYPE html><title>x</title><p>a</div><svg><rect></svg>");
    assert!(!broken.errors.is_empty());
    let quirks = Html::parse_document("<title>x</title>");
    assert_ne!(format!("{:?}", quirks.quirks_mode), "NoQuirks");
}
