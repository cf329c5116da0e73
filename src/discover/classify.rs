//! Which format a file is, from its name, with a content sniff where the name is ambiguous.
//!
//! The table is data: one row per name pattern, first match wins. What a YAML or JSON file
//! *is* (a LiteLLM config, a Kubernetes manifest) is decided later by document kinds in the
//! rule packs, not here.

use std::sync::OnceLock;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::parse::Format;

/// How a file name maps to a format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Known(Format),
    /// JSON or YAML, decided by the first non-blank character (`{`/`[` → JSON).
    JsonOrYaml,
}

/// Patterns match the file name (not the path), case-sensitively; first match wins, so
/// specific rows (`.env.yaml` is YAML) come before general ones (`.env.*`).
pub const TABLE: &[(&str, Class)] = &[
    ("*.yaml", Class::Known(Format::Yaml)),
    ("*.yml", Class::Known(Format::Yaml)),
    ("*.json", Class::Known(Format::Json)),
    ("*.jsonc", Class::Known(Format::Json)),
    ("*.toml", Class::Known(Format::Toml)),
    ("*.tf", Class::Known(Format::Hcl)),
    ("*.tofu", Class::Known(Format::Hcl)),
    ("*.tfvars", Class::Known(Format::Hcl)),
    ("*.hcl", Class::Known(Format::Hcl)),
    ("*.properties", Class::Known(Format::Properties)),
    // `.env`, `.env.local`, `.env.example`, `prod.env`, `app.env.template`
    (".env", Class::Known(Format::Dotenv)),
    (".env.*", Class::Known(Format::Dotenv)),
    ("*.env", Class::Known(Format::Dotenv)),
    ("*.env.*", Class::Known(Format::Dotenv)),
    // CloudFormation templates are often saved as `.template`, in either syntax
    ("*.template", Class::JsonOrYaml),
];

fn globs() -> &'static GlobSet {
    static SET: OnceLock<GlobSet> = OnceLock::new();
    SET.get_or_init(|| {
        let mut b = GlobSetBuilder::new();
        for (pattern, _) in TABLE {
            // The patterns are constants checked by a unit test; a bad one must not abort a run.
            if let Ok(g) = Glob::new(pattern) {
                b.add(g);
            }
        }
        b.build().unwrap_or_else(|_| GlobSet::empty())
    })
}

/// The class of a file name, or `None` for files hedge does not read.
pub fn classify(file_name: &str) -> Option<Class> {
    globs()
        .matches(file_name)
        .into_iter()
        .min()
        .map(|i| TABLE[i].1)
}

/// Settles an ambiguous class once the text is known.
pub fn sniff(text: &str) -> Format {
    match text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .as_bytes()
        .first()
    {
        Some(b'{' | b'[') => Format::Json,
        _ => Format::Yaml,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for (p, _) in TABLE {
            Glob::new(p).unwrap();
        }
    }

    #[test]
    fn names() {
        let k = |n| classify(n);
        assert_eq!(k("config.yaml"), Some(Class::Known(Format::Yaml)));
        assert_eq!(k("main.tf"), Some(Class::Known(Format::Hcl)));
        assert_eq!(k("main.tf.json"), Some(Class::Known(Format::Json)));
        assert_eq!(k(".env"), Some(Class::Known(Format::Dotenv)));
        assert_eq!(k(".env.production"), Some(Class::Known(Format::Dotenv)));
        assert_eq!(k("prod.env"), Some(Class::Known(Format::Dotenv)));
        assert_eq!(k(".env.yaml"), Some(Class::Known(Format::Yaml)));
        assert_eq!(k(".envrc"), None);
        assert_eq!(k("README.md"), None);
        assert_eq!(k("stack.template"), Some(Class::JsonOrYaml));
        assert_eq!(k(".env.template"), Some(Class::Known(Format::Dotenv)));
        assert_eq!(k("repo__.env.example"), Some(Class::Known(Format::Dotenv)));
        assert_eq!(sniff("\n  {\"a\": 1}"), Format::Json);
        assert_eq!(sniff("a: 1"), Format::Yaml);
    }
}
