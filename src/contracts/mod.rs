//! Vendor contracts: files in the repository that record each agreement (term, notice,
//! exclusivity, commitments, data export, permitted models, rate limits), read like any other
//! document and held against the policy and against what the configs actually use.
//!
//! The format is hedge's own (`schemas/contract.schema.json`), so it is read here directly
//! rather than through declared extractors; every value keeps its location so findings point
//! into the contract, with secondary labels into the configs where usage is the issue.

pub mod checks;
pub mod date;

use std::sync::{Arc, OnceLock};

use serde_json::Value as Json;

use crate::diag::{Diagnostic, Location};
use crate::engine::load::{compile_schema, validate_doc};
use crate::model::Doc;
use crate::source::SourceFile;
pub use date::Date;

pub const INVALID_CONTRACT: &str = "invalid-contract";
const SCHEMA: &str = include_str!("../../schemas/contract.schema.json");

fn validator() -> Result<&'static jsonschema::Validator, String> {
    static V: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    V.get_or_init(|| compile_schema(SCHEMA))
        .as_ref()
        .map_err(Clone::clone)
}

/// A value of a contract with where it is written.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct At<T> {
    pub value: T,
    pub loc: Location,
}

/// What hedge reads from one contract file.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Contract {
    pub vendor: At<String>,
    pub start: Option<At<Date>>,
    pub end: Option<At<Date>>,
    pub auto_renew: bool,
    pub renewal_notice_days: Option<At<i64>>,
    pub termination_notice_days: Option<At<i64>>,
    pub exclusivity: Option<At<bool>>,
    pub minimum_commitment: Option<At<f64>>,
    /// `None` when there is no `data.data_export` at all.
    pub data_export: Option<At<String>>,
    pub permitted_models: Option<At<Vec<String>>>,
    pub data_residency: Option<At<Vec<String>>>,
    pub rpm: Option<At<u64>>,
    pub tpm: Option<At<u64>>,
    /// The file, for findings about the contract as a whole (its first line).
    pub loc: Location,
}

/// Reads a contract document: `None` with diagnostics when it does not follow the format.
pub fn read(file: &SourceFile, path: &Arc<str>, doc: &Doc) -> (Option<Contract>, Vec<Diagnostic>) {
    let Some((pack, json, mut errors)) =
        validate_doc(path.clone(), file, doc, validator(), INVALID_CONTRACT)
    else {
        return (None, Vec::new());
    };
    let loc = |ptr: &str| Location::new(file, path, pack.value_span(ptr));
    let date = |ptr: &str, errors: &mut Vec<Diagnostic>| -> Option<At<Date>> {
        let text = json.pointer(ptr)?.as_str()?;
        match Date::parse(text) {
            Some(d) => Some(At {
                value: d,
                loc: loc(ptr),
            }),
            None => {
                errors
                    .push(pack.error(pack.value_span(ptr), format!("`{text}` is not a real date")));
                None
            }
        }
    };
    let start = date("/term/start_date", &mut errors);
    let end = date("/term/end_date", &mut errors);
    if let (Some(s), Some(e)) = (&start, &end) {
        if e.value < s.value {
            errors.push(pack.error(e.loc.span, "the contract ends before it starts"));
        }
    }
    if !errors.is_empty() {
        return (None, errors);
    }
    let int = |ptr: &str| {
        json.pointer(ptr).and_then(Json::as_i64).map(|v| At {
            value: v,
            loc: loc(ptr),
        })
    };
    let uint = |ptr: &str| {
        json.pointer(ptr).and_then(Json::as_u64).map(|v| At {
            value: v,
            loc: loc(ptr),
        })
    };
    let c = Contract {
        vendor: At {
            value: json
                .pointer("/vendor")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string(),
            loc: loc("/vendor"),
        },
        start,
        end,
        auto_renew: json
            .pointer("/term/auto_renew")
            .and_then(Json::as_bool)
            .unwrap_or(false),
        renewal_notice_days: int("/term/renewal_notice_days"),
        termination_notice_days: int("/term/termination_notice_days"),
        exclusivity: json
            .pointer("/commercial/exclusivity")
            .and_then(Json::as_bool)
            .map(|v| At {
                value: v,
                loc: loc("/commercial/exclusivity"),
            }),
        minimum_commitment: json
            .pointer("/commercial/minimum_commitment_usd")
            .and_then(Json::as_f64)
            .map(|v| At {
                value: v,
                loc: loc("/commercial/minimum_commitment_usd"),
            }),
        data_export: json
            .pointer("/data/data_export")
            .and_then(Json::as_str)
            .map(|v| At {
                value: v.to_string(),
                loc: loc("/data/data_export"),
            }),
        permitted_models: json
            .pointer("/models/permitted_models")
            .and_then(Json::as_array)
            .map(|a| At {
                value: a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                loc: loc("/models/permitted_models"),
            }),
        data_residency: json
            .pointer("/data/data_residency")
            .and_then(Json::as_array)
            .map(|a| At {
                value: a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                loc: loc("/data/data_residency"),
            }),
        rpm: uint("/rate_limits/rpm"),
        tpm: uint("/rate_limits/tpm"),
        loc: Location::new(file, path, crate::source::Span::new(0, 0)),
    };
    (Some(c), Vec::new())
}

/// `gpt-4o*` style globs: `*` is any run of characters, everything else literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("gpt-4o*", "gpt-4o-mini"));
        assert!(glob_match(
            "anthropic.claude-*",
            "anthropic.claude-sonnet-4-5"
        ));
        assert!(!glob_match("gpt-4o*", "gpt-4.1"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
    }
}
