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
