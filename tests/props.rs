//! Properties that must hold for any input, in every format: parsing never panics, every span
//! of every node and comment lies inside the text on character boundaries, and line:column
//! converts back to the same byte offset.

use hedge::model::Value;
use hedge::parse::{self, Format};
use hedge::source::{Encoding, SourceFile};
use proptest::prelude::*;

/// Text built from the characters that matter to these grammars, plus multi-byte ones.
fn configish() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "a",
        "key",
        ": ",
        "- ",
        "\n",
        "\r\n",
        "  ",
        "\t",
        "#",
        "\"",
        "'",
        "[",
        "]",
        "{",
        "}",
        ",",
        "=",
        "&x ",
        "*x",
        "<<: ",
        "---\n",
        "${",
        "é",
        "😀",
        "\u{feff}",
        "\\",
        "1",
        "-2.5",
        "true",
        "null",
        "resource \"a\" \"b\" {",
        "<<EOT\n",
        "EOT\n",
        "export ",
        "[[t]]\n",
    ]);
    prop::collection::vec(atoms, 0..60).prop_map(|v| v.concat())
}

fn check(format: Format, text: String) {
    let file = SourceFile::new("p".into(), text, Encoding::Utf8);
    let parsed = parse::parse(format, &file);
    let t = &file.text;
    let ok = |s: hedge::source::Span| {
        s.start <= s.end
            && (s.end as usize) <= t.len()
            && t.is_char_boundary(s.start as usize)
            && t.is_char_boundary(s.end as usize)
    };
    for doc in &parsed.docs {
        let mut stack: Vec<_> = doc.root().into_iter().collect();
        while let Some(n) = stack.pop() {
            assert!(
                ok(doc.span(n)),
                "{format}: node span {:?} out of {t:?}",
                doc.span(n)
            );
            if let Value::Alias(target) = doc.value(n) {
                assert!(target.index() < doc.len());
            }
            stack.extend(doc.children(n));
        }
        // merge-key reading is total and bounded
        if let Some(r) = doc.root() {
            let _ = doc.entries(r);
        }
    }
    for c in &parsed.comments {
        assert!(ok(c.span), "{format}: comment span {:?}", c.span);
    }
    for e in &parsed.errors {
        assert!(ok(e.span), "{format}: error span {:?}", e.span);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn spans_stay_in_bounds(text in configish()) {
        for format in Format::ALL {
            check(format, text.clone());
        }
    }

    #[test]
    fn line_col_round_trips(text in configish()) {
        let file = SourceFile::new("p".into(), text, Encoding::Utf8);
        let t = &file.text;
        let bom = file.bom_len();
        for (i, _) in t.char_indices().filter(|(i, _)| *i >= bom) {
            let pos = file.line_col(i as u32);
            prop_assert!(pos.line >= 1 && pos.column >= 1);
            // a CRLF's \n shares the position of its \r only in byte terms; skip it
            if t.as_bytes()[i] == b'\n' && i > 0 && t.as_bytes()[i - 1] == b'\r' {
                continue;
            }
            prop_assert_eq!(file.lines.offset(t, pos), Some(i as u32), "offset {} -> {:?}", i, pos);
        }
    }
}

/// Messages, paths and rule ids with every character that some output format must escape.
fn nasty() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "a", " ", "<", ">", "&", "\"", "'", "%", ":", ",", "\n", "\r", "\t", "\u{0}", "\u{1b}",
        "\u{7f}", "é", "😀", "\u{fffe}", "\\", "::", "]]>", "{", "}",
    ]);
    prop::collection::vec(atoms, 0..20).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any diagnostic, with any text and any span over any source, renders in every format
    /// without panicking; the JSON formats stay JSON and the XML formats stay XML.
    #[test]
    fn every_format_renders_any_diagnostic(
        message in nasty(),
        path in nasty(),
        source in configish(),
        a in 0u32..200,
        b in 0u32..200,
    ) {
        use hedge::diag::{Diagnostic, Severity};
        use hedge::report::{render, OutputFormat, Report, Summary};
        use std::collections::BTreeMap;
        use std::sync::Arc;
        let path: Arc<str> = Arc::from(if path.is_empty() { "x" } else { path.as_str() });
        let file = SourceFile::new(path.to_string().into(), source.clone(), Encoding::Utf8);
        let clamp = |o: u32| {
            let mut o = (o as usize).min(file.text.len());
            while !file.text.is_char_boundary(o) {
                o -= 1;
            }
            o
        };
        let (s, e) = (clamp(a.min(b)), clamp(a.max(b)));
        let d = Diagnostic::new("some-rule", Severity::Warning, &path, message.clone())
            .at(&file, hedge::source::Span::new(s, e))
            .with_label(&file, hedge::source::Span::new(s, s), message.clone())
            .with_help(message.clone());
        let diags = vec![d];
        let mut sources = BTreeMap::new();
        sources.insert(path.clone(), Arc::from(source.as_str()));
        let report = Report {
            diagnostics: &diags,
            show_summary: true,
            sources: &sources,
            summary: Summary::default(),
            rules: &[],
            suppressed: &[],
            threads: 1,
        };
        for format in [
            OutputFormat::Human, OutputFormat::Short, OutputFormat::Json, OutputFormat::Sarif,
            OutputFormat::Github, OutputFormat::Gitlab, OutputFormat::Junit, OutputFormat::Checkstyle,
        ] {
            let mut out = Vec::new();
            render(format, &report, true, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            match format {
                OutputFormat::Json | OutputFormat::Sarif | OutputFormat::Gitlab => {
                    prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "{:?}: {}", format, text);
                }
                OutputFormat::Junit | OutputFormat::Checkstyle => {
                    prop_assert!(roxmltree::Document::parse(&text).is_ok(), "{:?}: {}", format, text);
                }
                OutputFormat::Github => {
                    // one workflow command per finding: escaped newlines never split it
                    prop_assert_eq!(text.lines().count(), 1, "{}", text);
                }
                _ => {}
            }
        }
    }
}
